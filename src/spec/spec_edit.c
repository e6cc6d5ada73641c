/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Editing helpers for the quick door (`cella run` flags). */
#include "spec/spec.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "util/cleanup.h"
#include "util/util.h"

/* The process section, created (cwd "/") when the spec has none. */
static struct cella_process *process_of(struct cella_spec *spec)
{
	if (spec->process == NULL) {
		spec->process = xcalloc(1, sizeof(*spec->process));
		spec->process->cwd = xstrdup("/");
	}
	return spec->process;
}

void cella_spec_set_args(struct cella_spec *spec, char *const *args)
{
	struct cella_process *p = process_of(spec);

	if (args == NULL || args[0] == NULL)
		return;
	strv_free(p->args);
	p->args = strv_dup(args);
}

void cella_spec_setenv(struct cella_spec *spec, const char *kv)
{
	struct cella_process *p = process_of(spec);
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t n = strv_len(p->env);

	for (size_t i = 0; i < n; i++) {
		if (strncmp(p->env[i], kv, klen) == 0 && p->env[i][klen] == '=') {
			free(p->env[i]);
			p->env[i] = eq ? xstrdup(kv) : xasprintf("%s=", kv);
			return;
		}
	}
	if (eq) {
		strv_append(&p->env, kv);
	} else {
		cleanup_free char *s = xasprintf("%s=", kv);
		strv_append(&p->env, s);
	}
}

void cella_spec_add_mount(struct cella_spec *spec, const char *dest, const char *type,
			  const char *source, char *const *options)
{
	struct cella_mount *m;

	spec->mounts = xrealloc(spec->mounts, (spec->n_mounts + 1) * sizeof(*spec->mounts));
	m = &spec->mounts[spec->n_mounts++];
	memset(m, 0, sizeof(*m));
	m->destination = xstrdup(dest);
	m->type = type ? xstrdup(type) : NULL;
	m->source = source ? xstrdup(source) : NULL;
	m->options = options ? strv_dup(options) : NULL;
}

bool cella_spec_remove_mount(struct cella_spec *spec, const char *dest)
{
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct cella_mount *m = &spec->mounts[i];

		if (strcmp(m->destination, dest) != 0)
			continue;
		free(m->destination);
		free(m->type);
		free(m->source);
		strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
		memmove(m, m + 1, (spec->n_mounts - i - 1) * sizeof(*m));
		spec->n_mounts--;
		return true;
	}
	return false;
}

void cella_spec_set_ns(struct cella_spec *spec, enum cella_ns_type t, bool enabled,
		       const char *path)
{
	struct cella_ns_conf *ns;

	if ((unsigned)t >= CELLA_NS_COUNT)
		return;
	spec->has_linux = true;
	ns = &spec->linux_.ns[t];
	ns->enabled = enabled;
	free(ns->path);
	ns->path = enabled && path ? xstrdup(path) : NULL;
}

bool cella_spec_resources_beyond_devices(const struct cella_spec *spec)
{
	json_t *j, *v;
	const char *key;
	bool beyond = false;

	if (spec->linux_.resources_json == NULL)
		return false;
	j = json_loads(spec->linux_.resources_json, 0, NULL);
	if (j == NULL)
		return true;
	json_object_foreach(j, key, v)
	{
		if (strcmp(key, "devices") != 0 && !json_is_null(v))
			beyond = true;
	}
	json_decref(j);
	return beyond;
}
