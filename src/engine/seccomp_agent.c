/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp agent, and what `exec` keeps of the container's linux section
 * (see seccomp_agent.h).
 *
 * Who runs this: the runtime, on the host. `create` (and `run`) send the
 * init's listener once the init has passed it over the sync socket (#5a,
 * engine/container.c); `exec` sends its process's listener the same way
 * (engine/exec.c), to the agent of the container's config, kept by create
 * in EXEC_LINUX_FILE because neither the bundle nor its config.json need
 * still be there.
 */
#include "engine/seccomp_agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "kernel/mempolicy.h"
#include "kernel/personality.h"
#include "kernel/seccomp.h"
#include "util/cleanup.h"
#include "util/util.h"

#define cleanup_json __attribute__((cleanup(json_decrefp)))

int engine_seccomp_agent_send(const char *path, const char *metadata, pid_t pid,
			      const char *state_json, int listener, cella_error *err)
{
	cleanup_json json_t *o = NULL;
	cleanup_free char *text = NULL;
	json_t *state = json_loads(state_json, 0, NULL);

	if (state == NULL)
		return cella_err(err, EINVAL,
				 "linux.seccomp.listenerPath: the container state "
				 "is not JSON");
	o = json_pack("{s:s,s:[s],s:i}", "ociVersion", CELLA_OCI_VERSION, "fds", "seccompFd", "pid",
		      (int)pid);
	if (metadata != NULL)
		json_object_set_new(o, "metadata", json_string(metadata));
	json_object_set_new(o, "state", state);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL)
		abort();
	return cella_seccomp_listener_send(path, text, listener, err);
}

int engine_exec_linux_save(int dirfd, const struct cella_spec *s, bool has_listener,
			   cella_error *err)
{
	const struct cella_linux *l = &s->linux_;
	const struct cella_seccomp *sc = l->seccomp;
	cleanup_json json_t *o = json_object();
	cleanup_free char *text = NULL;

	if (l->has_personality)
		json_object_set_new(
		    o, "personality",
		    json_pack("{s:s}", "domain",
			      cella_personality_domain_name(l->personality.domain)));
	if (l->has_memory_policy) {
		const struct cella_mempolicy *mp = &l->memory_policy;
		json_t *a = json_pack("{s:s}", "mode", cella_mempolicy_mode_name(mp->mode));
		json_t *fl = json_array();

		if (mp->nodes != NULL)
			json_object_set_new(a, "nodes", json_string(mp->nodes));
		for (unsigned bit = 0; bit < 32; bit++)
			if ((mp->flags >> bit & 1) && cella_mempolicy_flag_name(1U << bit) != NULL)
				json_array_append_new(
				    fl, json_string(cella_mempolicy_flag_name(1U << bit)));
		json_object_set_new(a, "flags", fl);
		json_object_set_new(o, "memoryPolicy", a);
	}
	if (has_listener && sc != NULL && sc->listener_path != NULL) {
		json_t *a = json_pack("{s:s}", "listenerPath", sc->listener_path);

		if (sc->listener_metadata != NULL)
			json_object_set_new(a, "listenerMetadata",
					    json_string(sc->listener_metadata));
		json_object_set_new(o, "seccomp", a);
	}
	if (json_object_size(o) == 0)
		return 0;
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL)
		abort();
	if (write_file_at(dirfd, EXEC_LINUX_FILE, text, strlen(text), err) < 0)
		return cella_err_context(err, "keep the container's linux settings for exec");
	return 0;
}

static int bad_file(cella_error *err, const char *what)
{
	return cella_err(err, EINVAL, "`%s` in the state directory: %s", EXEC_LINUX_FILE, what);
}

int engine_exec_linux_load(int dirfd, struct engine_exec_linux *out, cella_error *err)
{
	cleanup_free char *text = NULL;
	cleanup_json json_t *o = NULL;
	json_t *x;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	n = read_file_at(dirfd, EXEC_LINUX_FILE, &text, err);
	if (n == -ENOENT) {
		cella_err_clear(err);
		return 0;
	}
	if (n < 0)
		return (int)n;
	o = json_loadb(text, (size_t)n, 0, NULL);
	if (!json_is_object(o))
		return bad_file(err, "not a JSON object");
	if ((x = json_object_get(o, "personality")) != NULL) {
		const char *d = json_string_value(json_object_get(x, "domain"));

		if (d == NULL || !cella_personality_domain_from_name(d, &out->personality.domain))
			return bad_file(err, "no valid personality.domain");
		out->has_personality = true;
	}
	if ((x = json_object_get(o, "memoryPolicy")) != NULL) {
		struct cella_mempolicy *mp = &out->memory_policy;
		const char *mode = json_string_value(json_object_get(x, "mode"));
		const char *nodes = json_string_value(json_object_get(x, "nodes"));
		json_t *f;
		size_t i;

		out->has_memory_policy = true;
		if (mode == NULL || (mp->mode = cella_mempolicy_mode_from_name(mode)) < 0)
			return bad_file(err, "no valid memoryPolicy.mode");
		json_array_foreach(json_object_get(x, "flags"), i, f)
		{
			unsigned bit = json_is_string(f)
					   ? cella_mempolicy_flag_from_name(json_string_value(f))
					   : 0;

			if (bit == 0)
				return bad_file(err, "an unknown memoryPolicy flag");
			mp->flags |= bit;
		}
		if (nodes != NULL) {
			mp->nodes = xstrdup(nodes);
			if (cella_mempolicy_parse_nodes(nodes, mp->mask, err) < 0)
				return bad_file(err, "no valid memoryPolicy.nodes");
		}
	}
	if ((x = json_object_get(o, "seccomp")) != NULL) {
		const char *path = json_string_value(json_object_get(x, "listenerPath"));
		const char *meta = json_string_value(json_object_get(x, "listenerMetadata"));

		if (path == NULL)
			return bad_file(err, "no seccomp.listenerPath");
		out->listener_path = xstrdup(path);
		out->listener_metadata = meta ? xstrdup(meta) : NULL;
	}
	return 0;
}

void engine_exec_linux_clear(struct engine_exec_linux *x)
{
	free(x->listener_path);
	free(x->listener_metadata);
	free(x->memory_policy.nodes);
	memset(x, 0, sizeof(*x));
}
