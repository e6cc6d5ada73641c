/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Idmapped bind mounts (mounts[].uidMappings/gidMappings, options "idmap"
 * and "ridmap"), built by the runtime on the host before the fork.
 *
 * Who runs this: the runtime, root on the host, in the host's namespaces.
 * The kernel only idmaps a detached mount (open_tree OPEN_TREE_CLONE) and
 * only for a caller with CAP_SYS_ADMIN in the user namespace of the
 * filesystem, the host's: the container's setup child, in its own user
 * namespace, could not. The mapping comes from a user namespace: a short
 * lived child unshares one, the maps are written, its ns file is opened
 * and the child is killed; the namespace lives on in the fd. The setup
 * child inherits the detached mounts and moves them into place
 * (mount_oci.c), as runc 1.2 and crun do.
 *
 * The tree is cloned recursively for "rbind"; "idmap" maps its top mount
 * only, "ridmap" every submount too (runc 1.2). Without mappings on the
 * mount, the container's own linux.uidMappings/gidMappings are used (runc
 * 1.2's rule). A mapping is written as a user namespace's: containerID is
 * the id stored on disk, hostID what it becomes through the mount.
 */
#include "kernel/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/procfs.h"
#include "kernel/userns.h"
#include "util/cleanup.h"
#include "util/util.h"

bool mount_is_idmapped(const struct cella_mount *m)
{
	return strv_contains(m->options, "idmap") || strv_contains(m->options, "ridmap") ||
	       m->n_uid_mappings > 0 || m->n_gid_mappings > 0;
}

/* The last user namespace made here, with its maps: the quick door asks
 * for the same ones up to three times (its probe, its rootfs, each --bind),
 * and each costs a child in a new user namespace. Held by the runtime
 * (O_CLOEXEC) from the probe to the end of mount_prepare_detached, which
 * drops it: no process of the container, forked after, inherits it. */
#define IDMAP_CACHE_MAX 6
static struct {
	struct cella_idmap uid[IDMAP_CACHE_MAX], gid[IDMAP_CACHE_MAX];
	size_t n_uid, n_gid;
	int fd;
} idmap_cache = {.fd = -1};

static bool idmap_cache_holds(const struct cella_idmap *uid, size_t n_uid,
			      const struct cella_idmap *gid, size_t n_gid)
{
	return idmap_cache.fd >= 0 && idmap_cache.n_uid == n_uid && idmap_cache.n_gid == n_gid &&
	       memcmp(idmap_cache.uid, uid, n_uid * sizeof(*uid)) == 0 &&
	       memcmp(idmap_cache.gid, gid, n_gid * sizeof(*gid)) == 0;
}

static void idmap_cache_keep(const struct cella_idmap *uid, size_t n_uid,
			     const struct cella_idmap *gid, size_t n_gid, int fd)
{
	int copy;

	if (n_uid > IDMAP_CACHE_MAX || n_gid > IDMAP_CACHE_MAX)
		return;
	copy = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (copy < 0)
		return;
	if (idmap_cache.fd >= 0)
		close(idmap_cache.fd);
	memcpy(idmap_cache.uid, uid, n_uid * sizeof(*uid));
	memcpy(idmap_cache.gid, gid, n_gid * sizeof(*gid));
	idmap_cache.n_uid = n_uid;
	idmap_cache.n_gid = n_gid;
	idmap_cache.fd = copy;
}

static void idmap_holder_reap(void);

static void idmap_cache_drop(void)
{
	if (idmap_cache.fd >= 0)
		close(idmap_cache.fd);
	idmap_cache.fd = -1;
	idmap_holder_reap();
}

/* The process that holds an idmapping user namespace while the runtime
 * writes its maps and opens it: cloned with CLONE_VM, so that it costs
 * neither a copy of the runtime's page tables nor, afterwards, a fault on
 * each page the runtime writes again. It shares the runtime's memory, so
 * it runs nothing of the C library's that touches it (errno, locks): two
 * raw system calls on a stack of its own, with every signal blocked (no
 * handler of the runtime's runs in it), until EOF on the pipe, which the
 * runtime's close or death gives. One at a time: the one before is reaped
 * before the next one starts, so its stack is free again. Once its user
 * namespace is open, it is told to exit (EOF) and reaped later, at the
 * next holder or idmap_cache_drop: waiting for it to be scheduled and go
 * is then no longer on the runtime's way. It is reaped through its pidfd,
 * with no signal: by then its pid may have been reaped by the kernel (a
 * runtime started with SIGCHLD ignored) and reused. */
static struct {
	char stack[8192] __attribute__((aligned(16)));
	int fds[2];
	char sink;
} idmap_holder_mem;

__attribute__((no_sanitize("address", "undefined"))) static int idmap_holder(void *arg)
{
	(void)arg;
	syscall(SYS_close, idmap_holder_mem.fds[1]);
	syscall(SYS_read, idmap_holder_mem.fds[0], &idmap_holder_mem.sink, 1);
	return 0;
}

/* The pidfd of the holder told to exit and not reaped yet, or -1; and the
 * process it is the child of. */
static int idmap_holder_left = -1;
static pid_t idmap_holder_parent;

static void idmap_holder_reap(void)
{
	int fd = idmap_holder_left;
	siginfo_t si;

	idmap_holder_left = -1;
	if (fd < 0)
		return;
	/* It has EOF and is on its way out; the signal bounds the wait all
	 * the same, and through the pidfd it reaches no other process. ECHILD:
	 * the kernel reaped it already (SIGCHLD ignored). */
	(void)procfs_pidfd_signal(fd, SIGKILL, NULL);
	while (waitid((idtype_t)P_PIDFD, (id_t)fd, &si, WEXITED) < 0 && errno == EINTR)
		;
	close(fd);
}

/* A runtime that exits before the next holder or idmap_cache_drop (a
 * command that fails after the quick door's idmap probe) reaps the one left
 * too: on its way out, it would otherwise outlive the runtime for a moment,
 * an orphan of the runtime's parent. Not in a child the runtime forked,
 * which inherits the handler but not the holder. */
static void idmap_holder_at_exit(void)
{
	if (idmap_holder_left >= 0 && getpid() == idmap_holder_parent)
		idmap_holder_reap();
}

static void idmap_holder_reap_at_exit(void)
{
	static bool registered;

	if (!registered && atexit(idmap_holder_at_exit) == 0)
		registered = true;
}

/* The holder's pid, and its pidfd (O_CLOEXEC) in *pidfd. */
static pid_t idmap_holder_start(int *pidfd)
{
	sigset_t all, old;
	pid_t pid;
	int e;

	sigfillset(&all);
	if (sigprocmask(SIG_SETMASK, &all, &old) < 0)
		return -1;
	pid = clone(idmap_holder, idmap_holder_mem.stack + sizeof(idmap_holder_mem.stack),
		    CLONE_VM | CLONE_NEWUSER | CLONE_PIDFD | SIGCHLD, NULL, pidfd);
	e = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	errno = e;
	return pid;
}

/* A user namespace with these maps, as an fd (the caller's to close). */
static int idmap_userns(const struct cella_idmap *uid, size_t n_uid, const struct cella_idmap *gid,
			size_t n_gid, cella_error *err)
{
	cleanup_pid pid_t child = -1;
	cleanup_close int pidfd = -1;
	int pipefd[2];
	char path[64];
	int fd, r;

	if (idmap_cache_holds(uid, n_uid, gid, n_gid)) {
		fd = fcntl(idmap_cache.fd, F_DUPFD_CLOEXEC, 3);
		if (fd < 0)
			return cella_err(err, errno, "idmapped mount: dup the user namespace");
		return fd;
	}

	idmap_holder_reap();
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cella_err(err, errno, "idmapped mount: pipe");
	idmap_holder_mem.fds[0] = pipefd[0];
	idmap_holder_mem.fds[1] = pipefd[1];
	child = idmap_holder_start(&pidfd);
	if (child < 0) {
		r = cella_err(err, errno, "idmapped mount: create a user namespace");
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	close(pipefd[0]);
	r = userns_write_maps(child, uid, n_uid, gid, n_gid, false, err);
	if (r < 0) {
		close(pipefd[1]);
		return cella_err_context(err, "idmapped mount");
	}
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)child);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	r = errno;
	close(pipefd[1]);
	if (fd < 0)
		return cella_err(err, r, "idmapped mount: open `%s`", path);
	/* EOF given: it exits by itself; reaped later, through its pidfd
	 * (above). */
	(void)take_pid(&child);
	idmap_holder_left = take_fd(&pidfd);
	idmap_holder_parent = getpid();
	idmap_holder_reap_at_exit();
	idmap_cache_keep(uid, n_uid, gid, n_gid, fd);
	return fd;
}

static int prepare_one(const struct cella_rootfs_conf *conf, const struct cella_mount *m, size_t i,
		       int *out, cella_error *err)
{
	const struct cella_idmap *uid = m->uid_mappings, *gid = m->gid_mappings;
	size_t n_uid = m->n_uid_mappings, n_gid = m->n_gid_mappings;
	bool rbind = strv_contains(m->options, "rbind");
	bool rec = strv_contains(m->options, "ridmap");
	bool bind = strv_contains(m->options, "bind") || rbind ||
		    (m->type != NULL && strcmp(m->type, "bind") == 0);
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP};
	cleanup_close int userns = -1, tree = -1;

	if (!bind)
		return cella_err_invalid(err,
					 "mounts[%zu] (`%s`): idmapped mounts are bind mounts only "
					 "(options `bind` or `rbind`)",
					 i, m->destination);
	if ((n_uid > 0) != (n_gid > 0))
		return cella_err_invalid(err,
					 "mounts[%zu] (`%s`): uidMappings and gidMappings go "
					 "together",
					 i, m->destination);
	if (n_uid == 0) {
		if (conf->idmap_uid == NULL || conf->idmap_gid == NULL)
			return cella_err_invalid(
			    err,
			    "mounts[%zu] (`%s`): option `%s` without uidMappings/gidMappings "
			    "takes the container's user namespace mappings, and it has none",
			    i, m->destination, rec ? "ridmap" : "idmap");
		uid = conf->idmap_uid;
		n_uid = conf->n_idmap_uid;
		gid = conf->idmap_gid;
		n_gid = conf->n_idmap_gid;
	} else {
		char what[64];

		snprintf(what, sizeof(what), "mounts[%zu].uidMappings", i);
		if (idmap_validate(uid, n_uid, what, err) < 0)
			return cella_err_ret(err);
		snprintf(what, sizeof(what), "mounts[%zu].gidMappings", i);
		if (idmap_validate(gid, n_gid, what, err) < 0)
			return cella_err_ret(err);
	}
	if (m->source == NULL)
		return cella_err_invalid(err, "mounts[%zu] (`%s`): a bind mount needs a source", i,
					 m->destination);
	if (geteuid() != 0)
		return cella_err(err, EPERM,
				 "mounts[%zu] (`%s`): idmapped mounts need root on the host (the "
				 "kernel idmaps only for CAP_SYS_ADMIN over the filesystem)",
				 i, m->destination);
	userns = idmap_userns(uid, n_uid, gid, n_gid, err);
	if (userns < 0)
		return cella_err_context(err, "mounts[%zu] (`%s`)", i, m->destination);
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, m->source,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (rbind ? AT_RECURSIVE : 0));
	if (tree < 0)
		return cella_err(err, errno,
				 errno == ENOSYS ? "mounts[%zu] (`%s`): idmapped mounts need "
						   "open_tree(2) (Linux 5.12 or later)"
						 : "mounts[%zu] (`%s`): open_tree `%s`",
				 i, m->destination, m->source);
	a.userns_fd = (uint64_t)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof(a)) < 0)
		return cella_err(err, errno,
				 "mounts[%zu] (`%s`): the kernel cannot idmap `%s` (needs Linux "
				 "5.12+ and a filesystem that supports idmapped mounts%s)",
				 i, m->destination, m->source,
				 rec ? "; ridmap: every submount's too" : "");
	*out = take_fd(&tree);
	return 0;
}

/* The rootfs, recursively, idmapped with the container's mappings. */
static int prepare_rootfs(struct cella_rootfs_conf *conf, cella_error *err)
{
	struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP};
	cleanup_close int userns = -1, tree = -1;

	if (conf->idmap_uid == NULL || conf->idmap_gid == NULL)
		return cella_err_invalid(err,
					 "rootfs `%s`: an idmapped rootfs needs the "
					 "container's uid and gid mappings",
					 conf->rootfs);
	userns = idmap_userns(conf->idmap_uid, conf->n_idmap_uid, conf->idmap_gid,
			      conf->n_idmap_gid, err);
	if (userns < 0)
		return cella_err_context(err, "rootfs `%s`", conf->rootfs);
	tree = (int)syscall(SYS_open_tree, AT_FDCWD, conf->rootfs,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
	if (tree < 0)
		return cella_err(err, errno, "rootfs `%s`: open_tree", conf->rootfs);
	a.userns_fd = (uint64_t)userns;
	if (mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
		return cella_err(err, errno,
				 "rootfs `%s`: the kernel cannot idmap it (needs Linux 5.12+ and a "
				 "filesystem that supports idmapped mounts; --userns host maps "
				 "the host's ids instead)",
				 conf->rootfs);
	conf->rootfs_fd = take_fd(&tree);
	conf->has_rootfs_fd = true;
	return 0;
}

int mount_prepare_detached(struct cella_rootfs_conf *conf, cella_error *err)
{
	int *fds;

	conf->mount_fds = NULL;
	if (conf->idmap_rootfs && prepare_rootfs(conf, err) < 0) {
		idmap_cache_drop();
		return cella_err_ret(err);
	}
	for (size_t i = 0; i < conf->n_mounts; i++) {
		if (!mount_is_idmapped(&conf->mounts[i]))
			continue;
		if (conf->mount_fds == NULL) {
			fds = xcalloc(conf->n_mounts, sizeof(int));
			for (size_t j = 0; j < conf->n_mounts; j++)
				fds[j] = -1;
			conf->mount_fds = fds;
		}
		if (prepare_one(conf, &conf->mounts[i], i, &conf->mount_fds[i], err) < 0) {
			mount_detached_close(conf);
			idmap_cache_drop();
			return cella_err_ret(err);
		}
	}
	idmap_cache_drop();
	return 0;
}

void mount_detached_close(struct cella_rootfs_conf *conf)
{
	if (conf->has_rootfs_fd) {
		close(conf->rootfs_fd);
		conf->has_rootfs_fd = false;
	}
	if (conf->mount_fds == NULL)
		return;
	for (size_t i = 0; i < conf->n_mounts; i++)
		if (conf->mount_fds[i] >= 0)
			close(conf->mount_fds[i]);
	free(conf->mount_fds);
	conf->mount_fds = NULL;
}

int mount_idmap_probe(const char *const *paths, size_t n, uint32_t host_uid, uint32_t host_gid,
		      bool *ok, cella_error *err)
{
	const struct cella_idmap u = {0, host_uid, 65536}, g = {0, host_gid, 65536};
	cleanup_close int userns = idmap_userns(&u, 1, &g, 1, err);

	if (userns < 0)
		return cella_err_ret(err);
	for (size_t i = 0; i < n; i++) {
		struct mount_attr a = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)userns};
		cleanup_close int tree = (int)syscall(SYS_open_tree, AT_FDCWD, paths[i],
						      OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);

		ok[i] = tree >= 0 && mount_setattr(tree, "", AT_EMPTY_PATH, &a, sizeof(a)) == 0;
	}
	return 0;
}
