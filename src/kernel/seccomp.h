/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp: the filter built with libseccomp from the typed linux.seccomp
 * section (struct cella_seccomp, spec/spec_seccomp.h), and loading it.
 *
 * Who runs what, where:
 *   parent  cella_seccomp_build() compiles the configuration to a classic BPF
 *           program (libseccomp, then exported into memory) before the fork,
 *           off the container's critical path; create also saves it in the
 *           state directory (cella_seccomp_prog_save) for `exec`.
 *   child   cella_seccomp_load() hands the prebuilt program to the kernel with one
 *           seccomp(SECCOMP_SET_MODE_FILTER) call, as the very last step
 *           before execve, after the uid switch, capabilities and
 *           no_new_privs. Without no_new_privs the kernel demands
 *           CAP_SYS_ADMIN (in the container's user namespace) to load a
 *           filter: when the process keeps none, the engine loads it before
 *           dropping privileges instead (cella_seccomp_load_early()), as runc does,
 *           and the profile then also governs the runtime's last steps
 *           (setresuid, capset, prctl, read of the exec fifo, execve).
 *
 * SCMP_ACT_NOTIFY (seccomp user notification): the program is loaded with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, which makes the kernel hand the loading
 * process a listener fd; a notified syscall then waits until whoever holds
 * the listener (the seccomp agent) answers it.
 *   child   cella_seccomp_load_listener() loads the program and takes the
 *           listener, passes it to the runtime over the sync socket, and
 *           closes its own copy (the container never holds it). The init
 *           does so before it waits for start, while the runtime that
 *           creates it is still there (with no_new_privs as without).
 *   runtime cella_seccomp_listener_send() connects to the agent's unix
 *           socket at linux.seccomp.listenerPath and sends the container
 *           process state (runtime-spec config-linux.md, its JSON built by
 *           the engine) with the listener in SCM_RIGHTS, then closes the
 *           connection and its copy. `exec` does the same for its process.
 */
#ifndef CELLA_KERNEL_SECCOMP_H
#define CELLA_KERNEL_SECCOMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec_seccomp.h" /* struct cella_seccomp, the profile */
#include "util/error.h"

/* A filter compiled to classic BPF, ready for the kernel. */
struct cella_seccomp_prog {
	void *insns; /* struct sock_filter[len] */
	size_t len;
	unsigned kernel_flags; /* SECCOMP_FILTER_FLAG_* */
};

/* Compile conf (parent side). The caller frees out with
 * cella_seccomp_prog_clear. With SCMP_ACT_NOTIFY rules, the program gets
 * SECCOMP_FILTER_FLAG_NEW_LISTENER; refused: NOTIFY as the default action,
 * on sendmsg, without listenerPath, or where libseccomp or the kernel lack
 * user notification. */
int cella_seccomp_build(const struct cella_seccomp *conf, struct cella_seccomp_prog *out,
			cella_error *err);
/* The rules' syscall names libseccomp does not know: they are left out of
 * the filter (as runc does), so the default action applies to them. Names
 * in rules whose action is the default one do not count (nothing is lost).
 * Returns "RULE NAME ACTION" lines (syscalls[RULE], ACTION as OCI spells
 * it), one per name, malloc'd ("" none), and warns once for each: the one
 * place that says so (create calls it whether or not the program comes
 * from a cache). */
char *cella_seccomp_dropped(const struct cella_seccomp *conf);
/* runc's -ENOSYS stub for conf (kernel/seccomp_enosys.c): instructions to
 * put in front of libseccomp's program so that syscalls numbered above the
 * highest one conf names fail with ENOSYS. *out NULL (len 0) when none is
 * due; -EFAULT on an internal layout error. */
struct sock_filter;
int cella_seccomp_enosys_stub(const struct cella_seccomp *conf, struct sock_filter **out,
			      size_t *len);
/* Does the program hand out a listener when loaded (SCMP_ACT_NOTIFY)? */
bool cella_seccomp_prog_has_listener(const struct cella_seccomp_prog *prog);
/* Load a prebuilt program into the calling thread (child side). An empty
 * program (len 0) does nothing. A program with a listener is refused: load
 * it with cella_seccomp_load_listener. */
int cella_seccomp_load(const struct cella_seccomp_prog *prog, cella_error *err);
/* The same; *listener is the listener fd (O_CLOEXEC) when the program has
 * one, -1 otherwise. */
int cella_seccomp_load_listener(const struct cella_seccomp_prog *prog, int *listener,
				cella_error *err);
/* Runtime side: connect to the agent's unix stream socket at path, send
 * payload (the container process state) with listener in SCM_RIGHTS, close
 * the connection. The caller keeps listener. Errors name
 * linux.seccomp.listenerPath. */
int cella_seccomp_listener_send(const char *path, const char *payload, int listener,
				cella_error *err);
/* Save to / read back from name in dirfd; reading a missing file gives an
 * empty program. */
int cella_seccomp_prog_save(int dirfd, const char *name, const struct cella_seccomp_prog *prog,
			    cella_error *err);
int cella_seccomp_prog_read(int dirfd, const char *name, struct cella_seccomp_prog *out,
			    cella_error *err);
void cella_seccomp_prog_clear(struct cella_seccomp_prog *prog);

/* Does a process with these settings need its filter loaded before it gives
 * up privileges? True without no_new_privs and without CAP_SYS_ADMIN in its
 * final effective set. */
bool cella_seccomp_load_early(bool no_new_privs, uint64_t effective_caps);

#endif
