/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Bind mount sources opened from the host's side (as runc and crun): a
 * container with a user namespace of its own builds its rootfs as the root
 * of that namespace, which cannot traverse a directory only host root can
 * (its root is an unprivileged id on the host). So, as root, the runtime
 * opens each bind source for it, and the container binds from the fd.
 *
 * Who runs this: a helper the runtime forks after #3 (root on the host, in
 * no user namespace of the container's), which joins the container's
 * mount namespace, where the host's tree is still there as it was copied,
 * so the fds are on the container's own (locked) copies of the mounts, the
 * only ones it may bind from; it opens the sources O_PATH and sends them,
 * one SYNC_MOUNT_SOURCE message each, in mount order, to the init (#3m),
 * which receives them before #4 (mount_receive_sources()).
 */
#include "kernel/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/sync.h"
#include "util/cleanup.h"
#include "util/util.h"

bool mount_needs_host_source(const struct cella_mount *m)
{
	bool bind = (m->type != NULL && strcmp(m->type, "bind") == 0) ||
		    strv_contains(m->options, "bind") || strv_contains(m->options, "rbind");

	return bind && m->source != NULL && !mount_is_idmapped(m);
}

_Noreturn static void helper(pid_t init, const struct cella_rootfs_conf *conf, int sync_fd,
			     int errfd)
{
	cella_error e;
	char path[64];
	int ns;

	cella_err_clear(&e);
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)init);
	ns = open(path, O_RDONLY | O_CLOEXEC);
	if (ns < 0 || setns(ns, CLONE_NEWNS) < 0) {
		cella_err(&e, errno,
			  "open the bind sources: join the container's mount "
			  "namespace");
		goto fail;
	}
	for (size_t i = 0; i < conf->n_mounts; i++) {
		const struct cella_mount *m = &conf->mounts[i];
		int fd;

		if (!mount_needs_host_source(m))
			continue;
		fd = open(m->source, O_PATH | O_CLOEXEC);
		if (fd < 0) {
			cella_err(&e, errno, "bind mount `%s` on `%s`: open the source", m->source,
				  m->destination);
			goto fail;
		}
		/* #3m */
		if (sync_send_fd(sync_fd, SYNC_MOUNT_SOURCE, fd, &e) < 0)
			goto fail;
		close(fd);
	}
	_exit(0);
fail:
	if (write(errfd, &e, sizeof(e)) < 0)
		_exit(2);
	_exit(1);
}

int mount_send_sources(pid_t init, const struct cella_rootfs_conf *conf, int sync_fd,
		       cella_error *err)
{
	int pipefd[2], status;
	pid_t pid;
	ssize_t n;

	if (!conf->host_sources)
		return 0;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cella_err(err, errno, "open the bind sources: pipe");
	pid = fork();
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		close(pipefd[1]);
		return cella_err(err, e, "open the bind sources: fork");
	}
	if (pid == 0) {
		close(pipefd[0]);
		helper(init, conf, sync_fd, pipefd[1]);
	}
	close(pipefd[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			close(pipefd[0]);
			return cella_err(err, errno, "open the bind sources: wait");
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		close(pipefd[0]);
		return 0;
	}
	n = read(pipefd[0], err, sizeof(*err));
	close(pipefd[0]);
	if (n != (ssize_t)sizeof(*err))
		return cella_err(err, EIO, "open the bind sources: the helper failed");
	return cella_err_ret(err);
}

int mount_receive_sources(struct cella_rootfs_conf *conf, int sync_fd, cella_error *err)
{
	if (!conf->host_sources)
		return 0;
	conf->source_fds = xcalloc(conf->n_mounts, sizeof(int));
	for (size_t i = 0; i < conf->n_mounts; i++) {
		conf->source_fds[i] = -1;
		if (!mount_needs_host_source(&conf->mounts[i]))
			continue;
		/* #3m */
		if (sync_wait(sync_fd, SYNC_MOUNT_SOURCE, NULL, &conf->source_fds[i], err) < 0)
			return cella_err_ret(err);
		if (conf->source_fds[i] < 0)
			return cella_err(err, EPROTO, "sync: a bind source came without its fd");
	}
	return 0;
}
