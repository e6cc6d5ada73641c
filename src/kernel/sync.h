/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The typed parent/child sync protocol.
 *
 * A SOCK_SEQPACKET socketpair: one message = one datagram, so a message is
 * never split or merged. Each message is a struct cella_sync_msg; an error in
 * the child travels to the parent as SYNC_ERROR carrying the child's
 * cella_error (errno included), and warnings as SYNC_LOG, so the CLI reports
 * everything once, on the parent's side. File descriptors (the pty master,
 * the seccomp listener) travel with SCM_RIGHTS.
 *
 * The handshake points are numbered; engine/container.c (parent) and
 * engine/init.c (child) carry the same numbers in comments.
 */
#ifndef CELLA_SYNC_H
#define CELLA_SYNC_H

#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"
#include "util/log.h"

enum cella_sync_type {
	SYNC_USERNS_READY = 1, /* #1 stage 1 -> parent: user ns unshared, write maps */
	SYNC_USERNS_MAPPED,    /* #2 parent -> stage 1 or init: maps written */
	SYNC_INIT_PID,	       /* #3 stage 1 -> parent: pid of the container init;
				* init -> parent: its namespaces made */
	SYNC_CGROUP_READY,     /* #4 parent -> child: cgroup configured, joined */
	SYNC_PTY_MASTER,       /* #5 child -> parent: pty master fd (SCM_RIGHTS) */
	SYNC_CREATED,	       /* #6 child -> parent: set up, waiting for start */
	SYNC_HOOKS,	       /* #4a child -> parent: mounts done, before pivot_root:
				  run prestart and createRuntime hooks */
	SYNC_HOOKS_DONE,       /* #4b parent -> child: they succeeded */
	SYNC_LOG,	       /* any time, child -> parent: a warning/debug line */
	SYNC_ERROR,	       /* any time, child -> parent: setup failed */
	SYNC_SECCOMP_LISTENER, /* #5a child -> parent: the seccomp filter's listener
				  fd (SCM_RIGHTS), for the agent at listenerPath;
				  between #5 and #6 (exec: before EOF) */
	SYNC_STATE_WRITTEN,    /* #7 parent -> child: the state naming the init is
				  on disk; the init may outlive the runtime */
	SYNC_OUTLIVES,	       /* #7b child -> parent: the init no longer dies with
				  the runtime (unless it runs in the foreground) */
	SYNC_MOUNT_SOURCE,     /* #3m runtime -> child, before #4: one bind source
				  opened on the host's side (SCM_RIGHTS) */
	SYNC_CGROUP_ENTRY,     /* #4e runtime -> init, just before #4, when the v1
				  cgroups were made after the init: the `tasks`
				  file of each v1 hierarchy (SCM_RIGHTS, all in
				  one message), value: how many */
};

/* The most fds one message carries. */
#define SYNC_MAX_FDS 32

/* In #3's value, beside the pid (which never reaches it): the init was
 * born in its unified cgroup (CLONE_INTO_CGROUP), nothing to write there. */
#define SYNC_INIT_PID_PLACED (1 << 30)

struct cella_sync_msg {
	uint32_t type;
	int32_t value;	 /* pid for SYNC_INIT_PID, level for SYNC_LOG */
	cella_error err; /* SYNC_ERROR: the error; SYNC_LOG: msg */
};

int sync_socketpair(int fds[2], cella_error *err);
/* Bytes waiting to be read on a pipe or fifo (FIONREAD), or -errno. */
int sync_pending_bytes(int fd);

/* One sendmsg of buf, with pass_fd (>= 0) as SCM_RIGHTS, retried on EINTR,
 * without SIGPIPE: the bytes sent (all of them on a SOCK_SEQPACKET socket;
 * maybe fewer on a stream), or -errno. */
ssize_t sync_send_raw(int fd, const void *buf, size_t len, int pass_fd);
/* Connect a unix stream socket (O_CLOEXEC) to path, for --console-socket and
 * the seccomp agent; `what` names the setting in errors ("--console-socket",
 * "linux.seccomp.listenerPath"), `peer` who listens ("the seccomp agent at
 * ", or ""). The fd, or < 0 with err. */
int sync_connect_unix(const char *path, const char *what, const char *peer, cella_error *err);
/* All of buf on a stream socket, with pass_fd (>= 0) in the first sendmsg,
 * as runtime-spec asks of fds sent to an agent. 0 or -errno. */
int sync_send_stream(int fd, const void *buf, size_t len, int pass_fd);
int sync_send(int fd, enum cella_sync_type type, int32_t value, cella_error *err);
int sync_send_error(int fd, const cella_error *child_err);
int sync_send_fd(int fd, enum cella_sync_type type, int pass_fd, cella_error *err);
/* n (<= SYNC_MAX_FDS) fds in one message, n as its value. */
int sync_send_fds(int fd, enum cella_sync_type type, const int *fds, size_t n, cella_error *err);
/* The same with a value. */
int sync_send_fd_value(int fd, enum cella_sync_type type, int32_t value, int pass_fd,
		       cella_error *err);

/*
 * What a wait watches besides the socket, so that no wait is unbounded: the
 * socket's EOF covers a peer that was its only other holder; a party that
 * can die while someone else still holds the other end (stage 1, whose
 * child inherited it) is watched through a pidfd; and a deadline covers a
 * peer that is alive but stuck.
 */
struct sync_watch {
	int pidfd;	 /* -1: none; its exit before the message is an error */
	const char *who; /* names that party in the error */
	int timeout_ms;	 /* < 0: no deadline (the death of a party still ends it) */
};

/* The deadline of one step: CELLA_SYNC_TIMEOUT (seconds) or 120 s. */
int sync_timeout_ms(void);
/* "#3 (the container init's pid, or its namespaces made)": the step a
 * message type ends. */
const char *sync_step_name(enum cella_sync_type t);

/* sync_wait, watching w (NULL: the default deadline, no pidfd). Errors name
 * the step: "sync #3 (the container init's pid, ...): the setup process exited
 * without sending it", "...: nothing in 120 s". */
int sync_wait_watch(int fd, enum cella_sync_type expect, const struct sync_watch *w, int32_t *value,
		    int *fd_out, cella_error *err);

/*
 * Wait for a message of `expect` type, with the default deadline. SYNC_LOG messages on the way are
 * passed to cella_log(). A SYNC_ERROR copies the child's error into *err and
 * returns its value (< 0). EOF before `expect` is an error too ("container
 * setup process exited"). When `fd_out` is not NULL a passed fd is stored.
 */
int sync_wait(int fd, enum cella_sync_type expect, int32_t *value, int *fd_out, cella_error *err);
/* sync_wait for a message of up to max fds (sync_send_fds): stored in fds,
 * *n of them; more is an error (EPROTO), and they are closed. */
int sync_wait_fds(int fd, enum cella_sync_type expect, int *fds, size_t max, size_t *n,
		  cella_error *err);

/*
 * Wait for a message of `expect` type (no fd, no SYNC_LOG) with one blocking
 * read(2), nothing else: for the container's init once the container's
 * seccomp filter may be loaded, where poll and recvmsg can be refused. Its
 * bound is the sender's life: EOF when it exits (the init also dies with
 * it, PR_SET_PDEATHSIG).
 */
int sync_wait_plain(int fd, enum cella_sync_type expect, cella_error *err);

/* Wait for the peer to close the socket (0), passing SYNC_LOG lines on; a
 * SYNC_ERROR instead is returned (< 0) with the child's error. */
int sync_wait_eof(int fd, cella_error *err);
/* sync_wait_eof, watching w (NULL: the default deadline). */
int sync_wait_eof_watch(int fd, const struct sync_watch *w, cella_error *err);

/* Without waiting: the SYNC_ERROR the peer sent before it exited, if one is
 * there (< 0, its error in *err; SYNC_LOG lines before it passed on), else
 * 0 and *err untouched. For a step of ours that failed because the peer is
 * gone while we were not reading: its own error says why. Whatever else
 * was there is dropped (the handshake is over). */
int sync_take_error(int fd, cella_error *err);

/* A log handler that forwards lines over the socket (used in the child). */
void sync_log_forwarder(enum cella_log_level level, const char *msg, void *data);

#endif
