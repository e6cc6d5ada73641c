/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The console socket (--console-socket): handing a pty master to whoever
 * manages the container's terminal (conmon, the containerd shim). */
#ifndef CELLA_CONSOLE_H
#define CELLA_CONSOLE_H

#include "util/error.h"

/* Connect to the unix stream socket at path and send fd over it with
 * SCM_RIGHTS (the payload is the pty's name, "/dev/pts/N", as runc sends it).
 * The caller keeps fd. */
int terminal_send_to_socket(const char *path, int fd, cella_error *err);

#endif
