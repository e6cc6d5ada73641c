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
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	struct cmsghdr *c;
	ssize_t r;

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
	iov.iov_base = name;
	iov.iov_len = strlen(name);
	memset(&u, 0, sizeof(u));
	mh.msg_control = u.buf;
	mh.msg_controllen = sizeof(u.buf);
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	do
		r = sendmsg(sock, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cella_err(err, errno, "--console-socket: send the terminal to `%s`", path);
	return 0;
}
