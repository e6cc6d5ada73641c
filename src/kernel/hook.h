/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI hooks (config.md "POSIX-platform Hooks"): run one program with the
 * container's state JSON on its stdin, in the namespaces of whoever calls.
 *
 * The engine decides where each kind runs: prestart, createRuntime,
 * poststart and poststop in the runtime (engine/container.c, lifecycle.c),
 * createContainer and startContainer in the container's init
 * (engine/init.c). This module only runs them:
 *   - argv is `args` (or just `path` when there are none), the environment
 *     is `env` (or the caller's own when the hook gives none, as runc);
 *   - stdin is a pipe holding the state, filled before the fork (so a hook
 *     that never reads it cannot block or SIGPIPE the runtime);
 *   - stdout and stderr go to a pipe the runner reads; the end of what the
 *     hook wrote is quoted in the error when it fails;
 *   - the hook leads its own process group: on `timeout` the whole group is
 *     killed (SIGKILL) and the hook fails;
 *   - no fd of the runtime beyond 0, 1, 2 reaches it; the signal mask is
 *     empty and SIGPIPE is back to its default.
 *
 * Errors name the hook as the config does, its path and what went wrong:
 *   hooks.prestart[0] `/usr/bin/hook`: exited with status 3 (output: no net)
 *   hooks.poststart[1] `/bin/sleep`: timed out after 2 s (killed)
 */
#ifndef CELLA_HOOK_H
#define CELLA_HOOK_H

#include "spec/spec.h"
#include "util/error.h"

/* Run one hook; `name` names it in messages ("hooks.prestart[0]"). cwd: the
 * directory it starts in (NULL: the caller's). */
int hook_run(const struct cella_hook *h, const char *name, const char *state, const char *cwd,
	     cella_error *err);

/* Run every hook of kind k in order; stop at the first failure. */
int hook_run_all(const struct cella_hooks *hooks, enum cella_hook_kind k, const char *state,
		 const char *cwd, cella_error *err);

/* Run every hook of kind k, reporting failures as warnings (poststop). */
void hook_run_all_warn(const struct cella_hooks *hooks, enum cella_hook_kind k, const char *state,
		       const char *cwd);

#endif
