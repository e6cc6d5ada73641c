/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's readiness protocol (sd_notify(3)): newline-separated
 * "KEY=value" lines, one datagram per message, on a unix socket named by
 * NOTIFY_SOCKET (a path, or "@name" for the abstract namespace).
 *
 * A container gets a socket of its own; the runtime reads what arrives there
 * and passes it on to the caller's socket (engine/notify.c).
 */
#ifndef CELLA_NOTIFY_H
#define CELLA_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

/* The largest message read; a longer one is refused (EMSGSIZE). */
#define NOTIFY_MSG_MAX 4096

/* Is addr a NOTIFY_SOCKET this module can reach (an absolute path or
 * "@name", short enough for sockaddr_un)? The error names NOTIFY_SOCKET. */
int notify_check_address(const char *addr, cella_error *err);

/* A datagram socket connected to addr (O_CLOEXEC). */
int notify_connect(const char *addr, int *fd, cella_error *err);

/* A datagram socket bound at dirfd/name (any stale file there removed
 * first), writable by everyone (0777, as runc and crun make it: the
 * container's user may be anyone), non-blocking, O_CLOEXEC. */
int notify_bind(int dirfd, const char *name, int *fd, cella_error *err);

/* One datagram into buf (NUL-terminated, *len bytes); file descriptors
 * that came with it (sd_notify_barrier's pipe, FDSTORE) are closed. 0 with
 * *len 0 when none is waiting. */
int notify_recv(int fd, char *buf, size_t size, size_t *len, cella_error *err);

/* Send msg on fd (connected by notify_connect). */
int notify_send(int fd, const char *msg, size_t len, cella_error *err);

/*
 * The message to pass on for msg (len bytes): its lines without MAINPID=
 * (a pid of the container's namespace means nothing to the caller) and
 * BARRIER= (its pipe stays here, closed by notify_recv); when a line is
 * READY=1, *ready is set and MAINPID=<mainpid> (the process's host pid,
 * as runc sends it) is added. NULL when nothing is left. Pure; malloc'd.
 */
char *notify_rewrite(const char *msg, size_t len, pid_t mainpid, bool *ready);

#endif
