/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks in the life cycle (runtime-spec runtime.md "Lifecycle",
 * config.md "POSIX-platform Hooks"); kernel/hook.c runs each one.
 *
 *   create   after the mounts, before pivot_root: prestart, then
 *            createRuntime, run here by the runtime in its own namespaces
 *            (#4a/#4b), then createContainer, run by the container's init in
 *            the container's namespaces (engine/init.c). A failure fails
 *            create, which removes everything it made.
 *   start    startContainer, run by the init in the container just before
 *            execve (engine/init.c); then poststart, run here once the
 *            exec happened. A failure fails start; the container is killed
 *            (stopped) and waits for delete.
 *   delete   poststop, run here after the container is gone; failures are
 *            warnings and delete goes on.
 *
 * `start` and `delete` are other processes than `create`: when the spec has
 * poststart or poststop hooks, create keeps it in the state directory
 * (HOOKS_FILE), so that neither depends on the bundle still being there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine/internal.h"
#include "engine/state.h"
#include "kernel/hook.h"
#include "kernel/sync.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#define HOOKS_FILE "hooks.json" /* the spec, for its poststart/poststop hooks */

/* The deadline of a step in which hooks of kinds a and b run: the default
 * plus their timeouts; none when one of them has no timeout (the death of a
 * party still ends the wait). */
int engine_hook_step_timeout(const struct cella_spec *s, enum cella_hook_kind a,
			     enum cella_hook_kind b)
{
	long long ms = sync_timeout_ms();

	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		if (k != (int)a && k != (int)b)
			continue;
		for (size_t i = 0; i < s->hooks.count[k]; i++) {
			if (!s->hooks.list[k][i].has_timeout)
				return -1;
			ms += (long long)s->hooks.list[k][i].timeout * 1000;
		}
	}
	return ms > 24LL * 3600 * 1000 ? -1 : (int)ms;
}

bool engine_has_hooks(const struct cella_spec *s, enum cella_hook_kind k)
{
	return s->hooks.count[k] > 0;
}

bool engine_has_any_hooks(const struct cella_spec *s)
{
	for (int k = 0; k < CELLA_HOOK_COUNT; k++)
		if (engine_has_hooks(s, (enum cella_hook_kind)k))
			return true;
	return false;
}

char *engine_hook_state(const struct cella_create_opts *o, const char *rootfs, pid_t pid,
			enum cella_status status)
{
	struct cella_state st;

	memset(&st, 0, sizeof(st));
	st.id = (char *)o->id;
	st.bundle = (char *)o->bundle;
	st.rootfs = (char *)rootfs;
	st.created = (char *)"";
	st.oci_version = o->spec->oci_version;
	st.pid = pid;
	st.status = status;
	st.annotations = o->spec->annotations;
	st.n_annotations = o->spec->n_annotations;
	return cella_state_to_json(&st);
}

int engine_hooks_save(int dirfd, const struct cella_spec *s, cella_error *err)
{
	cleanup_free char *text = NULL;

	if (!engine_has_hooks(s, CELLA_HOOK_POSTSTART) && !engine_has_hooks(s, CELLA_HOOK_POSTSTOP))
		return 0;
	text = cella_spec_to_json(s);
	if (write_file_at(dirfd, HOOKS_FILE, text, strlen(text), err) < 0)
		return cella_err_context(err, "keep the hooks in the state directory");
	return 0;
}

/* The spec kept by create; *out NULL when it kept none. */
static int hooks_load(int dirfd, const char *id, struct cella_spec **out, cella_error *err)
{
	cleanup_free char *text = NULL;
	ssize_t n;

	*out = NULL;
	n = read_file_at(dirfd, HOOKS_FILE, &text, err);
	if (n < 0) {
		if (err->errnum == ENOENT)
			return 0;
		return cella_err_context(err, "hooks of container `%s`", id);
	}
	if (cella_spec_parse(text, (size_t)n, HOOKS_FILE, out, err) < 0)
		return cella_err_context(err, "hooks of container `%s`", id);
	return 0;
}

int engine_hooks_poststart(int dirfd, const struct cella_state *st, cella_error *err)
{
	cleanup_spec struct cella_spec *s = NULL;
	cleanup_free char *json = NULL;
	struct cella_state running = *st;

	if (hooks_load(dirfd, st->id, &s, err) < 0)
		return cella_err_ret(err);
	if (s == NULL || !engine_has_hooks(s, CELLA_HOOK_POSTSTART))
		return 0;
	running.status = CELLA_STATUS_RUNNING;
	json = cella_state_to_json(&running);
	/* runtime-spec: a failing poststart hook is a warning; the other
	 * hooks and the container go on. */
	hook_run_all_warn(&s->hooks, CELLA_HOOK_POSTSTART, json, NULL);
	return 0;
}

void engine_hooks_poststop(int dirfd, const struct cella_state *st)
{
	cleanup_spec struct cella_spec *s = NULL;
	cleanup_free char *json = NULL;
	struct cella_state stopped = *st;
	cella_error e;

	if (hooks_load(dirfd, st->id, &s, &e) < 0) {
		char buf[CELLA_ERROR_MSG_MAX + 128];
		cella_warn("poststop hooks not run: %s", cella_error_format(&e, buf, sizeof(buf)));
		return;
	}
	if (s == NULL || !engine_has_hooks(s, CELLA_HOOK_POSTSTOP))
		return;
	stopped.status = CELLA_STATUS_STOPPED;
	json = cella_state_to_json(&stopped);
	hook_run_all_warn(&s->hooks, CELLA_HOOK_POSTSTOP, json, NULL);
}
