/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device nodes for a container in a user namespace, made by the runtime.
 *
 * In a user namespace mknod is refused, so the container's devices are
 * bind mounts of nodes (dev.c). Where the host has the asked node at the
 * same path it is bound; where it has none, or another device there, the
 * runtime (root on the host, before the fork) makes one (crun's behaviour):
 * in a tmpfs of its own that is mounted nowhere (fsopen/fsconfig/fsmount:
 * no path on the host ever holds it, and it goes with its last fd), one
 * node per device with the asked type, number, mode and owner (the
 * container's uid/gid mapped to the host's), each cloned as a detached
 * mount (open_tree OPEN_TREE_CLONE) that the setup child moves onto its
 * /dev path.
 *
 * Who runs this: the runtime, root on the host, in the host's namespaces.
 */
#include "kernel/dev.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

static mode_t fmt_of(char type)
{
	return type == 'b' ? S_IFBLK : (type == 'p' ? S_IFIFO : S_IFCHR);
}

/* Does the host's node at path match the device? */
static bool host_has(const struct cella_device *d)
{
	struct stat st;

	if (lstat(d->path, &st) < 0 || (st.st_mode & S_IFMT) != fmt_of(d->type))
		return false;
	return major(st.st_rdev) == (unsigned)d->major && minor(st.st_rdev) == (unsigned)d->minor;
}

static int map_id(const struct cella_idmap *m, size_t n, uint32_t id, uint32_t *out)
{
	for (size_t i = 0; i < n; i++)
		if (id >= m[i].container_id && id - m[i].container_id < m[i].size) {
			*out = m[i].host_id + (id - m[i].container_id);
			return 0;
		}
	return -1;
}

static int scratch_tmpfs(cella_error *err)
{
	cleanup_close int fs = (int)syscall(SYS_fsopen, "tmpfs", FSOPEN_CLOEXEC);
	int mnt;

	if (fs < 0)
		return cella_err(
		    err, errno,
		    "linux.devices: a node the host lacks is made in a detached tmpfs, "
		    "which needs fsopen(2) (Linux 5.2)");
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "mode", "0700", 0) < 0 ||
	    syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		return cella_err(err, errno, "linux.devices: create a scratch tmpfs");
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC);
	if (mnt < 0)
		return cella_err(err, errno, "linux.devices: mount the scratch tmpfs");
	return mnt;
}

int dev_prepare_userns_nodes(const struct cella_device *devices, size_t n,
			     const struct cella_idmap *uid, size_t n_uid,
			     const struct cella_idmap *gid, size_t n_gid, int **out,
			     cella_error *err)
{
	cleanup_close int scratch = -1;
	int *fds = NULL;
	int r;

	*out = NULL;
	for (size_t i = 0; i < n; i++) {
		const struct cella_device *d = &devices[i];
		uint32_t hu = 0, hg = 0;
		mode_t mode = d->has_file_mode ? (d->file_mode & 07777) : 0666;
		char name[32];

		if (d->path == NULL || d->type == 'p' || host_has(d))
			continue;
		if (geteuid() != 0) {
			r = cella_err(err, EPERM,
				      "linux.devices[%zu] `%s`: the host has no such node to bind, "
				      "and making one takes root on the host",
				      i, d->path);
			goto fail;
		}
		if (map_id(uid, n_uid, d->has_uid ? d->uid : 0, &hu) < 0 ||
		    map_id(gid, n_gid, d->has_gid ? d->gid : 0, &hg) < 0) {
			r = cella_err_invalid(
			    err,
			    "linux.devices[%zu] `%s`: its owner is not mapped in the "
			    "user namespace",
			    i, d->path);
			goto fail;
		}
		if (scratch < 0) {
			scratch = scratch_tmpfs(err);
			if (scratch < 0) {
				r = scratch;
				goto fail;
			}
		}
		if (fds == NULL) {
			fds = xcalloc(n, sizeof(int));
			for (size_t j = 0; j < n; j++)
				fds[j] = -1;
		}
		snprintf(name, sizeof(name), "%zu", i);
		if (mknodat(scratch, name, fmt_of(d->type) | mode,
			    makedev((unsigned)d->major, (unsigned)d->minor)) < 0 ||
		    fchmodat(scratch, name, mode, 0) < 0 ||
		    fchownat(scratch, name, hu, hg, AT_SYMLINK_NOFOLLOW) < 0) {
			r = cella_err(err, errno, "linux.devices[%zu] `%s`: make the node", i,
				      d->path);
			goto fail;
		}
		fds[i] =
		    (int)syscall(SYS_open_tree, scratch, name, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
		if (fds[i] < 0) {
			r = cella_err(err, errno, "linux.devices[%zu] `%s`: clone the node", i,
				      d->path);
			goto fail;
		}
	}
	*out = fds;
	return 0;
fail:
	dev_close_nodes(fds, n);
	return r;
}

void dev_close_nodes(int *fds, size_t n)
{
	if (fds == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
}
