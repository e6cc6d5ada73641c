/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

/* addr into sa; "@name" is abstract (a leading NUL, no terminator). */
static int to_sockaddr(const char *addr, struct sockaddr_un *sa, socklen_t *salen, cella_error *err)
{
	size_t n = strlen(addr);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (n < 2 || (addr[0] != '/' && addr[0] != '@'))
		return cella_err_invalid(err,
					 "NOTIFY_SOCKET `%s`: not an absolute path or an abstract "
					 "socket (@name)",
					 addr);
	if (n >= sizeof(sa->sun_path))
		return cella_err_invalid(err, "NOTIFY_SOCKET `%s`: longer than %zu bytes", addr,
					 sizeof(sa->sun_path) - 1);
	memcpy(sa->sun_path, addr, n);
	if (addr[0] == '@') {
		sa->sun_path[0] = '\0';
		*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	} else {
		*salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
	}
	return 0;
}

int notify_check_address(const char *addr, cella_error *err)
{
	struct sockaddr_un sa;
	socklen_t len;

	return to_sockaddr(addr, &sa, &len, err);
}

int notify_connect(const char *addr, int *fd, cella_error *err)
{
	struct sockaddr_un sa;
	socklen_t len = 0;
	cleanup_close int s = -1;

	if (to_sockaddr(addr, &sa, &len, err) < 0)
		return cella_err_ret(err);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return cella_err(err, errno, "NOTIFY_SOCKET: socket");
	if (connect(s, (struct sockaddr *)&sa, len) < 0)
		return cella_err(err, errno, "NOTIFY_SOCKET `%s`: connect", addr);
	*fd = take_fd(&s);
	return 0;
}

int notify_bind(int dirfd, const char *name, int *fd, cella_error *err)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	cleanup_close int s = -1;
	int n;

	/* Through /proc/self/fd: the state directory's own path may be longer
	 * than sun_path. */
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d/%s", dirfd, name);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path))
		return cella_err(err, ENAMETOOLONG, "notify socket `%s`", name);
	if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
		return cella_err(err, errno, "remove stale notify socket `%s`", name);
	s = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return cella_err(err, errno, "notify socket: socket");
	if (bind(s, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return cella_err(err, errno, "bind notify socket `%s`", name);
	if (fchmodat(dirfd, name, 0777, 0) < 0) {
		int e = errno;
		unlinkat(dirfd, name, 0);
		return cella_err(err, e, "chmod notify socket `%s`", name);
	}
	*fd = take_fd(&s);
	return 0;
}

int notify_recv(int fd, char *buf, size_t size, size_t *len, cella_error *err)
{
	char cbuf[CMSG_SPACE(sizeof(int) * 16) + CMSG_SPACE(sizeof(struct ucred))];
	struct iovec iov = {.iov_base = buf, .iov_len = size - 1};
	struct msghdr mh = {
	    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof(cbuf)};
	ssize_t n;

	*len = 0;
	n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n < 0)
		return cella_err(err, errno, "read the notify socket");
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (size_t i = 0; i < nfd; i++) {
			int f;
			memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
			close(f);
		}
	}
	if (mh.msg_flags & MSG_TRUNC)
		return cella_err(err, EMSGSIZE, "notify message longer than %zu bytes", size - 1);
	buf[n] = '\0';
	*len = (size_t)n;
	return 0;
}

int notify_send(int fd, const char *msg, size_t len, cella_error *err)
{
	if (send(fd, msg, len, MSG_NOSIGNAL) < 0)
		return cella_err(err, errno, "NOTIFY_SOCKET: send");
	return 0;
}

char *notify_rewrite(const char *msg, size_t len, pid_t mainpid, bool *ready)
{
	char *out = xmalloc(len + 64);
	size_t o = 0;
	const char *p = msg, *end = msg + len;

	*ready = false;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (l == 7 && memcmp(p, "READY=1", 7) == 0)
			*ready = true;
		if (l > 0 && !(l >= 8 && memcmp(p, "MAINPID=", 8) == 0) &&
		    !(l >= 8 && memcmp(p, "BARRIER=", 8) == 0) && memchr(p, '\0', l) == NULL) {
			memcpy(out + o, p, l);
			o += l;
			out[o++] = '\n';
		}
		p += l + (nl ? 1 : 0);
	}
	if (*ready)
		o += (size_t)snprintf(out + o, 64, "MAINPID=%d\n", (int)mainpid);
	if (o == 0) {
		free(out);
		return NULL;
	}
	out[o] = '\0';
	return out;
}
