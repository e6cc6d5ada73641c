/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process object on its own (`cella exec --process FILE`): the same reader
 * as config.json's "process" (spec_parse.c), on a document whose top level
 * is that object, so messages read `process.json:3:9: args[0]: ...`.
 */
#include "spec/spec_process.h"

#include <fcntl.h>
#include <string.h>

#include <jansson.h>

#include "spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/util.h"

int cella_process_parse(const char *text, size_t len, const char *origin,
			struct cella_process **out, cella_error *err)
{
	/* Without "user", uid 0 and gid 0, as runc's exec --process. */
	struct spec_ctx c = {
	    .text = text, .len = len, .origin = origin, .err = err, .user_optional = true};
	struct cella_process *p = NULL;
	json_t *root;
	int r;

	if (origin == NULL)
		c.origin = "process.json";
	root = spec_load_json(&c);
	if (root == NULL)
		return cella_err_ret(err);
	r = spec_read_process(&c, root, &p);
	json_decref(root);
	if (r < 0) {
		cella_process_free(p);
		return r;
	}
	*out = p;
	return 0;
}

int cella_process_load(const char *path, struct cella_process **out, cella_error *err)
{
	cleanup_free char *text = NULL;
	ssize_t n = read_input_file(path, CELLA_SPEC_MAX_BYTES, &text, err);

	if (n < 0)
		return cella_err_context(err, "process file");
	return cella_process_parse(text, (size_t)n, path, out, err);
}

void cella_process_free(struct cella_process *p)
{
	struct cella_spec *holder;

	if (p == NULL)
		return;
	/* spec_free.c knows how to free a process: hand it one that holds
	 * only this process. */
	holder = xcalloc(1, sizeof(*holder));
	holder->process = p;
	cella_spec_free(holder);
}

void cella_process_freep(struct cella_process **p)
{
	cella_process_free(*p);
	*p = NULL;
}

void cella_process_setenv(struct cella_process *p, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	cleanup_free char *entry = eq ? xstrdup(kv) : xasprintf("%s=", kv);

	for (size_t i = 0; p->env != NULL && p->env[i] != NULL; i++) {
		if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
			free(p->env[i]);
			p->env[i] = take_ptr(&entry);
			return;
		}
	}
	strv_append(&p->env, entry);
}

void cella_process_set_args(struct cella_process *p, char *const *args)
{
	strv_free(p->args);
	p->args = strv_dup(args);
}
