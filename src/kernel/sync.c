/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/sync.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "util/cleanup.h"

int sync_socketpair(int fds[2], cella_error *err)
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
		return cella_err(err, errno, "create sync socketpair");
	return 0;
}

/* One sendmsg of buf with n fds (SCM_RIGHTS), retried on EINTR, without
 * SIGPIPE. */
static ssize_t send_raw_fds(int fd, const void *buf, size_t len, const int *fds, size_t n)
{
	struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
	union {
		char buf[CMSG_SPACE(sizeof(int) * SYNC_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	ssize_t r;

	if (n > SYNC_MAX_FDS)
		return -E2BIG;
	if (n > 0) {
		struct cmsghdr *c;
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n);
		c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n);
	}
	do
		r = sendmsg(fd, &mh, MSG_NOSIGNAL);
	while (r < 0 && errno == EINTR);
	return r < 0 ? -errno : r;
}

ssize_t sync_send_raw(int fd, const void *buf, size_t len, int pass_fd)
{
	return send_raw_fds(fd, buf, len, &pass_fd, pass_fd >= 0 ? 1 : 0);
}

int sync_connect_unix(const char *path, const char *what, const char *peer, cella_error *err)
{
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	cleanup_close int sock = -1;

	if (path == NULL || path[0] == '\0')
		return cella_err_invalid(err, "%s: empty path", what);
	if (strlen(path) >= sizeof(addr.sun_path))
		return cella_err_invalid(err, "%s: path `%s` is longer than %zu bytes", what, path,
					 sizeof(addr.sun_path) - 1);
	memcpy(addr.sun_path, path, strlen(path) + 1);
	sock = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (sock < 0)
		return cella_err(err, errno, "%s: create a unix socket", what);
	while (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "%s: connect to %s`%s`", what, peer, path);
	return take_fd(&sock);
}

int sync_send_stream(int fd, const void *buf, size_t len, int pass_fd)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n = sync_send_raw(fd, (const char *)buf + done, len - done,
					  done == 0 ? pass_fd : -1);
		if (n < 0)
			return (int)n;
		done += (size_t)n;
	}
	return 0;
}

static int send_msg(int fd, const struct cella_sync_msg *m, int pass_fd)
{
	ssize_t n = sync_send_raw(fd, m, sizeof(*m), pass_fd);

	return n < 0 ? (int)n : 0;
}

int sync_send(int fd, enum cella_sync_type type, int32_t value, cella_error *err)
{
	struct cella_sync_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.value = value;
	r = send_msg(fd, &m, -1);
	if (r < 0)
		return cella_err(err, -r, "send sync message %d", (int)type);
	return 0;
}

int sync_send_fd(int fd, enum cella_sync_type type, int pass_fd, cella_error *err)
{
	return sync_send_fd_value(fd, type, 0, pass_fd, err);
}

int sync_send_fd_value(int fd, enum cella_sync_type type, int32_t value, int pass_fd,
		       cella_error *err)
{
	struct cella_sync_msg m;
	int r;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.value = value;
	r = send_msg(fd, &m, pass_fd);
	if (r < 0)
		return cella_err(err, -r, "send fd over sync socket");
	return 0;
}

int sync_send_fds(int fd, enum cella_sync_type type, const int *fds, size_t n, cella_error *err)
{
	struct cella_sync_msg m;
	ssize_t r;

	memset(&m, 0, sizeof(m));
	m.type = type;
	m.value = (int32_t)n;
	r = send_raw_fds(fd, &m, sizeof(m), fds, n);
	if (r < 0)
		return cella_err(err, (int)-r, "sync %s: send %zu fds", sync_step_name(type), n);
	return 0;
}

int sync_send_error(int fd, const cella_error *child_err)
{
	struct cella_sync_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_ERROR;
	m.value = cella_err_ret(child_err);
	m.err = *child_err;
	return send_msg(fd, &m, -1);
}

void sync_log_forwarder(enum cella_log_level level, const char *msg, void *data)
{
	int fd = *(int *)data;
	struct cella_sync_msg m;

	memset(&m, 0, sizeof(m));
	m.type = SYNC_LOG;
	m.value = (int32_t)level;
	strncpy(m.err.msg, msg, sizeof(m.err.msg) - 1);
	(void)send_msg(fd, &m, -1);
}

int sync_timeout_ms(void)
{
	/* Read once per process: every wait asks. */
	static int ms = -1;
	const char *env;
	char *end = NULL;
	long v;

	if (ms > 0)
		return ms;
	ms = 120 * 1000;
	env = getenv("CELLA_SYNC_TIMEOUT");
	if (env != NULL && env[0] != '\0') {
		v = strtol(env, &end, 10);
		if (*end == '\0' && v > 0 && v <= 24 * 3600)
			ms = (int)v * 1000;
	}
	return ms;
}

const char *sync_step_name(enum cella_sync_type t)
{
	switch (t) {
	case SYNC_USERNS_READY:
		return "#1 (user namespace created)";
	case SYNC_USERNS_MAPPED:
		return "#2 (uid and gid maps written)";
	case SYNC_INIT_PID:
		return "#3 (the container init's pid, or its namespaces made)";
	case SYNC_MOUNT_SOURCE:
		return "#3m (a bind source)";
	case SYNC_CGROUP_ENTRY:
		return "#4e (the v1 cgroups to join)";
	case SYNC_CGROUP_READY:
		return "#4 (the init placed in its cgroup)";
	case SYNC_HOOKS:
		return "#4a (mounts made, prestart and createRuntime hooks next)";
	case SYNC_HOOKS_DONE:
		return "#4b (prestart and createRuntime hooks done)";
	case SYNC_PTY_MASTER:
		return "#5 (the pty master)";
	case SYNC_SECCOMP_LISTENER:
		return "#5a (the seccomp listener)";
	case SYNC_CREATED:
		return "#6 (created, waiting for start)";
	case SYNC_STATE_WRITTEN:
		return "#7 (state written)";
	case SYNC_OUTLIVES:
		return "#7b (the init outlives the runtime)";
	case SYNC_ERROR:
		return "the end of setup (execve)";
	case SYNC_LOG:
	default:
		return "?";
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Until the socket has something to read (a message or EOF): 0; the watched
 * party exited (and nothing is left to read) or the deadline passed: < 0. */
static int wait_readable(int fd, enum cella_sync_type expect, const struct sync_watch *w,
			 long long deadline, cella_error *err)
{
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = w->pidfd, .events = POLLIN}};
		int left = -1;
		int n;

		if (deadline >= 0) {
			long long d = deadline - now_ms();
			left = d < 0 ? 0 : (int)d;
		}
		n = poll(p, w->pidfd >= 0 ? 2 : 1, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "sync %s: poll", sync_step_name(expect));
		}
		if (p[0].revents != 0)
			return 0;
		if (n > 0 && (p[1].revents & POLLIN)) {
			/* A message sent before the exit is there already. */
			struct pollfd q = {.fd = fd, .events = POLLIN};
			if (poll(&q, 1, 0) > 0)
				return 0;
			return cella_err(err, ESRCH, "sync %s: %s exited without sending it",
					 sync_step_name(expect), w->who);
		}
		if (n == 0)
			return cella_err(err, ETIMEDOUT, "sync %s: nothing from %s in %d s",
					 sync_step_name(expect), w->who, w->timeout_ms / 1000);
	}
}

int sync_wait_plain(int fd, enum cella_sync_type expect, cella_error *err)
{
	struct cella_sync_msg m;
	ssize_t r;

	do
		r = read(fd, &m, sizeof(m));
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return cella_err(err, errno, "sync %s: read", sync_step_name(expect));
	if (r == 0)
		return cella_err(err, 0, "sync %s: the runtime exited", sync_step_name(expect));
	if ((size_t)r != sizeof(m) || m.type != (uint32_t)expect)
		return cella_err(err, EPROTO, "sync %s: unexpected message",
				 sync_step_name(expect));
	return 0;
}

static void close_fds(const int *fds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		close(fds[i]);
}

/* fds_out (room for max_fds): the fds passed, *n_fds of them; with no room
 * (max_fds 0), they are closed. More than max_fds is a protocol error. */
static int wait_msg(int fd, enum cella_sync_type expect, const struct sync_watch *watch,
		    int32_t *value, int *fds_out, size_t max_fds, size_t *n_fds, bool eof_ok,
		    cella_error *err)
{
	struct sync_watch def = {.pidfd = -1, .who = "the other side", .timeout_ms = -1};
	const struct sync_watch *w = watch;
	long long deadline = -1;
	int resets = 0;

	if (w == NULL) {
		def.timeout_ms = sync_timeout_ms();
		w = &def;
	}
	if (w->timeout_ms >= 0)
		deadline = now_ms() + w->timeout_ms;
	for (;;) {
		struct cella_sync_msg m;
		union {
			char buf[CMSG_SPACE(sizeof(int) * SYNC_MAX_FDS)];
			struct cmsghdr align;
		} u;
		struct iovec iov = {.iov_base = &m, .iov_len = sizeof(m)};
		struct msghdr mh = {.msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf)};
		struct cmsghdr *c;
		int got[SYNC_MAX_FDS];
		size_t n_got = 0;
		ssize_t r;

		if (wait_readable(fd, expect, w, deadline, err) < 0)
			return cella_err_ret(err);
		r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
		if (r < 0) {
			/* ECONNRESET: the peer closed with messages of ours
			 * unread, which the socket says once, before what the
			 * peer sent (its error) and its end. */
			if (errno == EINTR || errno == EAGAIN ||
			    (errno == ECONNRESET && resets++ == 0))
				continue;
			return cella_err(err, errno, "sync %s: read from %s",
					 sync_step_name(expect), w->who);
		}
		if (r == 0)
			return eof_ok ? 0
				      : cella_err(err, 0, "sync %s: %s exited unexpectedly",
						  sync_step_name(expect), w->who);
		for (c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
			size_t k;

			if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
				continue;
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			if (k > SYNC_MAX_FDS - n_got)
				k = SYNC_MAX_FDS - n_got;
			memcpy(got + n_got, CMSG_DATA(c), k * sizeof(int));
			n_got += k;
		}
		if ((size_t)r != sizeof(m)) {
			close_fds(got, n_got);
			return cella_err(err, EPROTO, "short sync message (%zd bytes)", r);
		}
		m.err.msg[sizeof(m.err.msg) - 1] = '\0';
		if (m.type == SYNC_LOG) {
			close_fds(got, n_got);
			cella_log((enum cella_log_level)m.value, "%s", m.err.msg);
			continue;
		}
		if (m.type == SYNC_ERROR) {
			close_fds(got, n_got);
			if (err != NULL)
				*err = m.err;
			return m.value < 0 ? m.value : -1;
		}
		if (m.type != (uint32_t)expect) {
			close_fds(got, n_got);
			return cella_err(err, EPROTO, "sync: expected message %d, got %u",
					 (int)expect, m.type);
		}
		if (fds_out != NULL && (mh.msg_flags & MSG_CTRUNC)) {
			close_fds(got, n_got);
			return cella_err(err, EPROTO,
					 "sync %s: fds passed were lost (MSG_CTRUNC: out of fds, "
					 "or refused)",
					 sync_step_name(expect));
		}
		if (fds_out != NULL && n_got > max_fds) {
			close_fds(got, n_got);
			return cella_err(err, EPROTO, "sync %s: more fds than expected",
					 sync_step_name(expect));
		}
		if (value != NULL)
			*value = m.value;
		if (fds_out != NULL)
			memcpy(fds_out, got, n_got * sizeof(int));
		else
			close_fds(got, n_got);
		if (n_fds != NULL)
			*n_fds = fds_out != NULL ? n_got : 0;
		return 0;
	}
}

/* One fd or none: -1 in *fd_out when none came. */
static int wait_one(int fd, enum cella_sync_type expect, const struct sync_watch *w, int32_t *value,
		    int *fd_out, cella_error *err)
{
	size_t n = 0;
	int r = wait_msg(fd, expect, w, value, fd_out, fd_out != NULL ? 1 : 0, &n, false, err);

	if (r == 0 && fd_out != NULL && n == 0)
		*fd_out = -1;
	return r;
}

int sync_wait_watch(int fd, enum cella_sync_type expect, const struct sync_watch *w, int32_t *value,
		    int *fd_out, cella_error *err)
{
	return wait_one(fd, expect, w, value, fd_out, err);
}

int sync_wait(int fd, enum cella_sync_type expect, int32_t *value, int *fd_out, cella_error *err)
{
	return wait_one(fd, expect, NULL, value, fd_out, err);
}

int sync_wait_fds(int fd, enum cella_sync_type expect, int *fds, size_t max, size_t *n,
		  cella_error *err)
{
	return wait_msg(fd, expect, NULL, NULL, fds, max, n, false, err);
}

int sync_wait_eof(int fd, cella_error *err)
{
	return sync_wait_eof_watch(fd, NULL, err);
}

int sync_wait_eof_watch(int fd, const struct sync_watch *w, cella_error *err)
{
	/* No message but SYNC_LOG and SYNC_ERROR is expected: anything else
	 * is a protocol error. */
	return wait_msg(fd, SYNC_ERROR, w, NULL, NULL, 0, NULL, true, err);
}

int sync_take_error(int fd, cella_error *err)
{
	int resets = 0;

	for (;;) {
		struct cella_sync_msg m;
		ssize_t r = recv(fd, &m, sizeof(m), MSG_DONTWAIT);

		/* ECONNRESET: the peer closed with messages of ours unread;
		 * said once, before what it had sent. */
		if (r < 0 && (errno == EINTR || (errno == ECONNRESET && resets++ == 0)))
			continue;
		if (r != (ssize_t)sizeof(m))
			return 0;
		m.err.msg[sizeof(m.err.msg) - 1] = '\0';
		if (m.type == SYNC_LOG) {
			cella_log((enum cella_log_level)m.value, "%s", m.err.msg);
			continue;
		}
		if (m.type != SYNC_ERROR)
			continue;
		if (err != NULL)
			*err = m.err;
		return m.value < 0 ? m.value : -1;
	}
}

int sync_pending_bytes(int fd)
{
	int n = 0;

	if (ioctl(fd, FIONREAD, &n) < 0)
		return -errno;
	return n;
}
