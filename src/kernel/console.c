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
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"

int terminal_send_to_socket(const char *path, int fd, cella_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1;
	char name[64] = "pty";
	unsigned int n;
	int r;

	if (path == NULL || path[0] == '\0')
		return cella_err_invalid(err, "--console-socket: empty path");
	if (strlen(path) >= sizeof(addr.sun_path))
		return cella_err_invalid(err,
					 "--console-socket: path `%s` is longer than %zu bytes",
					 path, sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return cella_err(err, errno, "--console-socket: create a unix socket");
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "--console-socket: connect to `%s`", path);

	/* The payload names the pty, for the receiver's logs. */
	if (ioctl(fd, TIOCGPTN, &n) == 0)
		snprintf(name, sizeof(name), "/dev/pts/%u", n);
	r = sync_send_raw(sock, name, strlen(name), fd);
	if (r < 0)
		return cella_err(err, -r, "--console-socket: send the terminal to `%s`", path);
	return 0;
}
