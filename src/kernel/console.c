/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The console socket: `--console-socket PATH` names a unix stream socket on
 * which the caller (conmon, the containerd shim, a test) listens; the runtime
 * connects and sends the container's pty master with SCM_RIGHTS, then
 * closes the connection. The caller owns the terminal from then on.
 *
 * Who runs this: the runtime, on the host, after the container's setup child
 * (or the exec child) has passed the master over the sync socket.
 */
#include "kernel/console.h"
#include "kernel/sync.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/cleanup.h"

int terminal_send_to_socket(const char *path, int fd, cella_error *err)
{
	cleanup_close int sock = -1;
	char name[64] = "pty";
	unsigned int n;
	ssize_t r;

	sock = sync_connect_unix(path, "--console-socket", "", err);
	if (sock < 0)
		return cella_err_ret(err);
	/* The payload names the pty, for the receiver's logs. */
	if (ioctl(fd, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%u", n);
	r = sync_send_stream(sock, name, strlen(name), fd);
	if (r < 0)
		return cella_err(err, (int)-r, "--console-socket: send the terminal to `%s`", path);
	return 0;
}
