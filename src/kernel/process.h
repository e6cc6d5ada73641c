/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The container process itself: fds, oom score, no_new_privs, exec. */
#ifndef CELLA_PROCESS_H
#define CELLA_PROCESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* Mark every fd >= first close-on-exec (close_range CLOSE_RANGE_CLOEXEC, or
 * a /proc/self/fd walk on older kernels). */
int process_cloexec_from(int first, cella_error *err);

/* Close every fd >= first now (close_range, or a loop on old kernels). */
void process_close_from(int first);
/* Every signal's default disposition, none blocked: for a child about to
 * exec another program. */
void process_default_signals(void);
/* SIGCHLD back to its default action when it is ignored (a disposition that
 * survives execve): ignored, the kernel reaps every child itself and no
 * wait ever sees one exit. */
void process_sigchld_default(void);
/* Every signal whose disposition is SIG_IGN back to SIG_DFL (the handlers
 * execve resets by itself; the mask is the caller's business). */
void process_ignored_signals_default(void);

int process_set_oom_score_adj(int adj, cella_error *err);
int process_set_no_new_privs(cella_error *err);
int process_set_dumpable(int on, cella_error *err);
/* Forget the caller's environment: every string zeroed where it lies (the
 * initial ones on the stack, which /proc/PID/environ shows), then environ
 * emptied. For a fork that goes near a container: nothing of whoever ran
 * cella (a token, a password) may be read there. */
void process_scrub_environ(void);
/* fork(), the child born in the cgroup open as cgroup_fd (a cgroup2
 * directory) with clone3's CLONE_INTO_CGROUP, so that it is accounted and
 * limited there from its first instruction. Where the kernel or the cgroup
 * refuses that (before Linux 5.7, a caller not allowed to move a process
 * there, a cgroup of another type), or cgroup_fd is -1: a plain fork, and
 * *placed says which (the caller then moves the child itself). In a pid
 * namespace that has no process yet, a refused clone3 has used up pid 1 and
 * the namespace takes no fork after it (ENOMEM): ask for the cgroup there
 * only where the move is sure to be allowed. */
pid_t process_fork_into_cgroup(int cgroup_fd, bool *placed, cella_error *err);
/* The same, the child created in the new namespaces `ns_flags` (CLONE_NEW*)
 * as well: clone3 into the cgroup, else clone3 without it. */
pid_t process_clone_into(int ns_flags, int cgroup_fd, bool *placed, cella_error *err);
/* fork(), but the child is a child of the caller's parent (CLONE_PARENT):
 * it is reaped there, whatever becomes of the caller. -1 with err. */
pid_t process_fork_sibling(cella_error *err);
/* PR_SET_CHILD_SUBREAPER: orphans below us are reparented to us. */
int process_set_child_subreaper(cella_error *err);
/* PR_SET_PDEATHSIG: sig when the parent dies (cleared by a uid change). */
int process_set_parent_death_signal(int sig, cella_error *err);
/* SIGKILL when the parent dies, without the race of a parent that died
 * before the prctl: after it, the parent must still be there, seen either
 * as getppid() == parent (parent > 0) or as the other end of link_fd, a
 * socket only the parent holds, not yet hung up (link_fd >= 0). Exits (1)
 * when the parent is already gone. */
int process_die_with_parent(pid_t parent, int link_fd, cella_error *err);
/* A pidfd for pid (a child of ours: no reuse before we reap it), or -1. */
int process_pidfd_open(pid_t pid);
/* SIGKILL and reap every child of the calling process (those in
 * /proc/self/task/TID/children): the orphans a killed setup process left to
 * us, a child subreaper, whose pids we were never told. */
void process_kill_children(void);

/* Resolve args[0] the way execvp would, against PATH from env (or the
 * default PATH), inside the current root. Errors carry exit_code 127 (not
 * found) or 126 (not executable). */
int process_find_executable(const char *name, char *const *env, char **out, cella_error *err);

/* chdir into cwd and check that the result is inside the root (guards
 * against a cwd that escapes through a leaked fd, CVE-2024-21626). */
int process_chdir(const char *cwd, cella_error *err);

/* Re-exec the runtime from a copy of its binary nobody can write, unless it
 * already runs from one, so that a process of the container that reaches
 * /proc/PID/exe of the runtime (or execs `#!/proc/self/exe`) never holds the
 * host's binary (CVE-2019-5736): the binary itself through a read-only
 * overlayfs mount attached nowhere (scratch: a directory that neither holds
 * nor lies in the binary's, for overlayfs' second lower layer; NULL: none),
 * or else a sealed memfd copy. Returns 0 when already sealed, or (unless
 * always) when no copy is needed: the caller is not root and holds no
 * capability, and the binary is the host root's, writable by no one else,
 * on a filesystem that checks the mode itself; otherwise only returns on
 * failure. */
int process_run_from_sealed_copy(char **argv, const char *scratch, bool always, cella_error *err);
/* The path of the runtime's binary (the real one, also when running from the
 * sealed copy) into buf; -1 on failure. */
ssize_t process_exe_path(char *buf, size_t len);

/* Run argv (looked up in PATH) with stdin /dev/null, stdout and stderr
 * captured together into *out (malloc'd), no other fd, default signal
 * dispositions and none blocked, killed if we die, and wait for it:
 * *status is its wait status. Fails only when it cannot be started or
 * waited for. */
int process_run_capture(char *const *argv, char **out, int *status, cella_error *err);

/* execve(path, args, env); only returns on failure (126/127 set). */
int process_exec(const char *path, char *const *args, char *const *env, cella_error *err);

#endif
