/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "engine/notify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/engine.h"
#include "kernel/notify.h"
#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/util.h"

const char *engine_notify_socket(void)
{
	const char *s = getenv("NOTIFY_SOCKET");

	return s != NULL && s[0] != '\0' ? s : NULL;
}

int engine_notify_setup_spec(struct cella_spec *spec, const char *state_root, const char *id,
			     cella_error *err)
{
	static const char *const options[] = {"bind", "nosuid", "noexec", "nodev", "ro", NULL};
	const char *host = engine_notify_socket();
	cleanup_free char *root = NULL;
	cleanup_free char *src = NULL;

	if (host == NULL || spec->process == NULL)
		return 0;
	if (notify_check_address(host, err) < 0)
		return cella_err_ret(err);
	root = cella_path_absolute(state_root);
	src = xasprintf("%s/%s/%s", root, id, NOTIFY_DIR);
	cella_spec_add_mount(spec, NOTIFY_CONTAINER_DIR, "bind", src, (char *const *)options);
	cella_spec_setenv(spec, "NOTIFY_SOCKET=" NOTIFY_CONTAINER_DIR "/" NOTIFY_SOCKET_NAME);
	return 0;
}

int engine_notify_mkdir(int dirfd, cella_error *err)
{
	if (engine_notify_socket() == NULL)
		return 0;
	if (mkdirat(dirfd, NOTIFY_DIR, 0755) < 0)
		return cella_err(err, errno, "create the notify directory");
	/* Whatever the umask: the container's user searches it. */
	if (fchmodat(dirfd, NOTIFY_DIR, 0755, 0) < 0)
		return cella_err(err, errno, "chmod the notify directory");
	return 0;
}

void engine_notify_init(struct engine_notify *n)
{
	memset(n, 0, sizeof(*n));
	n->fd = n->host_fd = n->dir_fd = -1;
}

int engine_notify_listen(int dirfd, const char *id, const char *name, struct engine_notify *n,
			 cella_error *err)
{
	const char *host = engine_notify_socket();

	if (host == NULL)
		return 0;
	n->dir_fd = openat(dirfd, NOTIFY_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (n->dir_fd < 0) {
		int e = errno;
		if (e == ENOENT)
			return cella_err_invalid(err,
						 "NOTIFY_SOCKET is set, but container `%s` was "
						 "created without it: it has no notify socket to "
						 "pass on",
						 id);
		return cella_err(err, e, "open the notify directory of `%s`", id);
	}
	if (notify_connect(host, &n->host_fd, err) < 0)
		goto fail;
	snprintf(n->name, sizeof(n->name), "%s", name);
	if (notify_bind(n->dir_fd, n->name, &n->fd, err) < 0)
		goto fail;
	return 0;
fail:
	n->name[0] = '\0';
	engine_notify_close(n);
	return cella_err_ret(err);
}

int engine_notify_forward(struct engine_notify *n, cella_error *err)
{
	/* Every datagram waiting: the process may have sent several and
	 * exited, and nobody reads after that. */
	for (;;) {
		char buf[NOTIFY_MSG_MAX + 1];
		cleanup_free char *out = NULL;
		bool ready = false;
		size_t len;

		if (notify_recv(n->fd, buf, sizeof(buf), &len, err) < 0)
			return cella_err_ret(err);
		if (len == 0)
			return 0;
		out = notify_rewrite(buf, len, n->pid, &ready);
		if (out != NULL && notify_send(n->host_fd, out, strlen(out), err) < 0)
			return cella_err_ret(err);
		if (ready)
			n->ready = true;
	}
}

int engine_notify_wait_ready(struct engine_notify *n, cella_error *err)
{
	while (n->fd >= 0 && !n->ready) {
		struct pollfd p = {.fd = n->fd, .events = POLLIN};
		int r = poll(&p, 1, 100);

		if (r < 0 && errno != EINTR)
			return cella_err(err, errno, "poll the notify socket");
		if (r > 0 && engine_notify_forward(n, err) < 0)
			return cella_err_ret(err);
		/* As runc and crun: a process that exits before it is
		 * ready ends the wait, without an error. */
		if (r == 0 && !procfs_alive(n->pid, n->pid_start))
			break;
	}
	return 0;
}

void engine_notify_close(struct engine_notify *n)
{
	if (n->fd >= 0)
		close(n->fd);
	if (n->host_fd >= 0)
		close(n->host_fd);
	if (n->dir_fd >= 0) {
		if (n->name[0] != '\0')
			unlinkat(n->dir_fd, n->name, 0);
		close(n->dir_fd);
	}
	n->fd = n->host_fd = n->dir_fd = -1;
	n->name[0] = '\0';
}
