/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The seccomp agent (runtime-spec config-linux.md, "seccomp": listenerPath,
 * listenerMetadata, "The Container Process State"), and what `exec` keeps
 * of the container's linux section to apply to its process as the init had
 * it applied: the agent's address, linux.personality and linux.memoryPolicy.
 */
#ifndef CELLA_ENGINE_SECCOMP_AGENT_H
#define CELLA_ENGINE_SECCOMP_AGENT_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

#define EXEC_LINUX_FILE "exec-linux.json" /* in the state directory */

/* Send the container process state of process pid (the init, or an exec
 * process) to the agent listening at path: ociVersion, fds ["seccompFd"],
 * pid, metadata (when not NULL), state (state_json, the OCI state), with
 * listener in SCM_RIGHTS. The caller keeps and closes listener. */
int engine_seccomp_agent_send(const char *path, const char *metadata, pid_t pid,
			      const char *state_json, int listener, cella_error *err);

struct engine_exec_linux {
	bool has_personality;
	struct cella_personality personality;
	bool has_memory_policy;
	struct cella_mempolicy memory_policy; /* nodes malloc'd */
	char *listener_path;		      /* NULL: no agent */
	char *listener_metadata;	      /* may be NULL */
};

/* Keep, in the state directory dirfd, linux.personality, linux.memoryPolicy
 * and the agent of a
 * filter that has a listener (has_listener); nothing when neither. */
int engine_exec_linux_save(int dirfd, const struct cella_spec *s, bool has_listener,
			   cella_error *err);
/* Read it back; a missing file reads as nothing kept. */
int engine_exec_linux_load(int dirfd, struct engine_exec_linux *out, cella_error *err);
void engine_exec_linux_clear(struct engine_exec_linux *x);

#endif
