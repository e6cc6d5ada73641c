/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * NOTIFY_SOCKET pass-through, as runc and crun do it.
 *
 * When the runtime's caller (a systemd unit of Type=notify, podman
 * --sdnotify=container) sets NOTIFY_SOCKET, `create` gives the container a
 * directory of its own, ROOT/ID/notify, bound read-only at /run/notify, and
 * NOTIFY_SOCKET=/run/notify/notify.sock in its environment. Whoever starts
 * the process binds the socket there just before it does, and passes what
 * the process sends on to the caller's socket (kernel/notify.h says how a
 * message is rewritten):
 *   start        binds, starts, and returns once READY=1 came (or the
 *                container exited), as runc and crun;
 *   run -d       the same;
 *   run          forwards every message for as long as it waits;
 *   exec         the same, with a socket of the exec's own
 *                (/run/notify/exec-PID.sock), into a container created with
 *                NOTIFY_SOCKET (one created without has no directory to put
 *                it in: refused).
 * The socket is removed when its listener stops.
 */
#ifndef CELLA_ENGINE_NOTIFY_H
#define CELLA_ENGINE_NOTIFY_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

#define NOTIFY_DIR	     "notify"
#define NOTIFY_CONTAINER_DIR "/run/notify"
#define NOTIFY_SOCKET_NAME   "notify.sock"

/* The caller's NOTIFY_SOCKET; NULL when unset or empty. */
const char *engine_notify_socket(void);

/* create, when NOTIFY_SOCKET is set: check it, add the mount and the
 * variable to spec. Nothing is created. */
int engine_notify_setup_spec(struct cella_spec *spec, const char *state_root, const char *id,
			     cella_error *err);
/* create: the directory in the state directory dirfd (when set). */
int engine_notify_mkdir(int dirfd, cella_error *err);

struct engine_notify {
	int fd;	     /* ours, bound in ROOT/ID/notify; -1: no pass-through */
	int host_fd; /* connected to the caller's NOTIFY_SOCKET */
	int dir_fd;  /* ROOT/ID/notify, to remove the socket */
	char name[64];
	pid_t pid; /* the process, sent as MAINPID with READY=1 */
	unsigned long long pid_start;
	bool ready;
};

void engine_notify_init(struct engine_notify *n);
/* When NOTIFY_SOCKET is set: connect to it and bind `name` in the state
 * directory dirfd's notify directory (an error when the container has
 * none). n->fd stays -1 when it is not set. */
int engine_notify_listen(int dirfd, const char *id, const char *name, struct engine_notify *n,
			 cella_error *err);
/* Read what waits on n->fd and pass it on. */
int engine_notify_forward(struct engine_notify *n, cella_error *err);
/* Pass messages on until READY=1, or until the process is gone. */
int engine_notify_wait_ready(struct engine_notify *n, cella_error *err);
/* Stop listening: close, remove the socket. */
void engine_notify_close(struct engine_notify *n);

#endif
