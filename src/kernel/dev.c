/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device nodes under the container's /dev.
 *
 * Runs in the setup child before pivot_root, as root of its namespaces. The
 * caller has cleared the umask (mount_prepare_rootfs), and we clear it again
 * here so that modes are exact whoever calls us.
 *
 * Outside a user namespace nodes are made with mknodat(2). Inside one the
 * kernel refuses mknod of devices (and a node on a filesystem the user
 * namespace mounted would not open anyway: SB_I_NODEV), so each node is an
 * empty file with the host's node of the same path bind-mounted onto it, as
 * runc and crun do. FIFOs ('p') need no privilege and are always mknod'ed.
 */
#include "kernel/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/path.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* /dev/ptmx (when /dev/pts is a devpts) and /dev/core (when the host has
 * /proc/kcore) are conditional and made by the mount module. */
const struct cella_dev_symlink cella_dev_symlinks[] = {
    {"/dev/fd", "/proc/self/fd"},
    {"/dev/stdin", "/proc/self/fd/0"},
    {"/dev/stdout", "/proc/self/fd/1"},
    {"/dev/stderr", "/proc/self/fd/2"},
};
const size_t cella_n_dev_symlinks = ARRAY_SIZE(cella_dev_symlinks);

struct node {
	const char *path;
	char type;
	unsigned major, minor;
	mode_t mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

static mode_t type_bits(char type)
{
	switch (type) {
	case 'c':
	case 'u':
		return S_IFCHR;
	case 'b':
		return S_IFBLK;
	case 'p':
		return S_IFIFO;
	default:
		return 0;
	}
}

static int make_node(int parent, const char *base, const struct node *n, cella_error *err)
{
	mode_t fmt = type_bits(n->type);
	dev_t dev = fmt == S_IFIFO ? 0 : makedev(n->major, n->minor);

	/* The spec wins over what is there (an earlier default, an image's
	 * leftover node): removed when the name is taken. */
	if (mknodat(parent, base, fmt | n->mode, dev) < 0) {
		if (errno != EEXIST)
			return cella_err(err, errno, "device `%s`: mknod", n->path);
		if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
			return cella_err(err, errno, "device `%s`: remove the existing file",
					 n->path);
		if (mknodat(parent, base, fmt | n->mode, dev) < 0)
			return cella_err(err, errno, "device `%s`: mknod", n->path);
	}
	if ((n->has_uid || n->has_gid) &&
	    fchownat(parent, base, n->has_uid ? n->uid : (uid_t)-1, n->has_gid ? n->gid : (gid_t)-1,
		     AT_SYMLINK_NOFOLLOW) < 0)
		return cella_err(err, errno, "device `%s`: chown to %u:%u", n->path,
				 n->has_uid ? (unsigned)n->uid : 0U,
				 n->has_gid ? (unsigned)n->gid : 0U);
	return 0;
}

static int bind_host_node(int parent, const char *base, const struct node *n, cella_error *err)
{
	cleanup_close int host = open(n->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int target = -1;
	char hp[PATH_FD_MAX], tp[PATH_FD_MAX];
	struct stat st;
	int fd;

	if (host < 0)
		return cella_err(err, errno,
				 "device `%s`: in a user namespace devices are bind mounts of the "
				 "host's nodes, and the host's `%s` cannot be opened",
				 n->path, n->path);
	if (fstat(host, &st) < 0)
		return cella_err(err, errno, "device `%s`: stat the host's node", n->path);
	if ((st.st_mode & S_IFMT) != type_bits(n->type))
		return cella_err(
		    err, EINVAL,
		    "device `%s`: the host's `%s` is not a %s device, cannot bind it in "
		    "a user namespace",
		    n->path, n->path, n->type == 'b' ? "block" : "character");
	if (major(st.st_rdev) != n->major || minor(st.st_rdev) != n->minor)
		return cella_err(err, EINVAL,
				 "device `%s`: the host's node is %u:%u, not %u:%u as asked",
				 n->path, major(st.st_rdev), minor(st.st_rdev), n->major, n->minor);

	fd = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0 && errno != EEXIST)
		return cella_err(err, errno, "device `%s`: create the mount point", n->path);
	if (fd >= 0)
		close(fd);
	target = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return cella_err(err, errno, "device `%s`: open the mount point", n->path);
	if (fstat(target, &st) < 0)
		return cella_err(err, errno, "device `%s`: stat the mount point", n->path);
	if (S_ISLNK(st.st_mode) || S_ISDIR(st.st_mode))
		return cella_err(err, EEXIST, "device `%s`: a %s is in the way", n->path,
				 S_ISDIR(st.st_mode) ? "directory" : "symlink");
	if (mount(path_fd_path(host, hp), path_fd_path(target, tp), NULL, MS_BIND, NULL) < 0)
		return cella_err(err, errno, "device `%s`: bind mount the host's node", n->path);
	return 0;
}

/* A node the runtime made (dev_host.c), moved into place. */
static int move_made_node(int parent, const char *base, const struct node *n, int node_fd,
			  cella_error *err)
{
	cleanup_close int target = -1;
	int fd;

	if (unlinkat(parent, base, 0) < 0 && errno != ENOENT)
		return cella_err(err, errno, "device `%s`: remove the existing file", n->path);
	fd = openat(parent, base, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return cella_err(err, errno, "device `%s`: create the mount point", n->path);
	close(fd);
	target = openat(parent, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0)
		return cella_err(err, errno, "device `%s`: open the mount point", n->path);
	if (move_mount(node_fd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) <
	    0)
		return cella_err(err, errno, "device `%s`: move the runtime's node into place",
				 n->path);
	return 0;
}

static int create_node(int rootfd, const struct node *n, bool in_userns, int node_fd,
		       cella_error *err)
{
	cleanup_free char *base = NULL;
	cleanup_close int parent = -1;

	if (type_bits(n->type) == 0)
		return cella_err_invalid(err, "device `%s`: unknown type `%c`", n->path, n->type);
	/* Resolved in the rootfs for each node: the image's directories are
	 * not ours to trust between two nodes. */
	parent = path_mkparent_in_root(rootfd, n->path, &base, err);
	if (parent < 0)
		return cella_err_context(err, "device `%s`", n->path);
	if (in_userns && node_fd >= 0)
		return move_made_node(parent, base, n, node_fd, err);
	if (in_userns && n->type != 'p')
		return bind_host_node(parent, base, n, err);
	return make_node(parent, base, n, err);
}

static bool listed(const struct cella_device *devices, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (devices[i].path != NULL && strcmp(devices[i].path, path) == 0)
			return true;
	return false;
}

static int populate(int rootfd, const struct cella_device *devices, size_t n, bool in_userns,
		    const int *node_fds, cella_error *err)
{
	for (size_t i = 0; i < cella_n_default_devices; i++) {
		const struct cella_default_device *d = &cella_default_devices[i];
		struct node node = {
		    .path = d->path,
		    .type = d->type,
		    .major = d->major,
		    .minor = d->minor,
		    .mode = d->mode & 07777,
		};
		int r;

		/* A device the spec lists is made as the spec says. */
		if (listed(devices, n, d->path))
			continue;
		r = create_node(rootfd, &node, in_userns, -1, err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < n; i++) {
		const struct cella_device *d = &devices[i];
		struct node node = {
		    .path = d->path,
		    .type = d->type,
		    .mode = d->has_file_mode ? (d->file_mode & 07777) : 0666,
		    .has_uid = d->has_uid,
		    .has_gid = d->has_gid,
		    .uid = d->uid,
		    .gid = d->gid,
		};
		int r;

		if (d->path == NULL)
			return cella_err_invalid(err, "linux.devices[%zu]: no path", i);
		if (d->type != 'p' &&
		    (d->major < 0 || d->minor < 0 || d->major > 0xfff || d->minor > 0xfffff))
			return cella_err_invalid(err, "device `%s`: bad major:minor %lld:%lld",
						 d->path, (long long)d->major, (long long)d->minor);
		node.major = d->type == 'p' ? 0 : (unsigned)d->major;
		node.minor = d->type == 'p' ? 0 : (unsigned)d->minor;
		r = create_node(rootfd, &node, in_userns, node_fds ? node_fds[i] : -1, err);
		if (r < 0)
			return r;
	}
	return 0;
}

int dev_populate(int rootfd, const struct cella_device *devices, size_t n, bool in_userns,
		 const int *node_fds, cella_error *err)
{
	mode_t old = umask(0);
	int r = populate(rootfd, devices, n, in_userns, node_fds, err);

	umask(old);
	return r;
}
