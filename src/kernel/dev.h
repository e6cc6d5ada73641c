/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Devices: the table of default devices every container gets, and creating
 * device nodes under the container's /dev. */
#ifndef CELLA_DEV_H
#define CELLA_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* The default devices (cella_default_devices) are the spec's: spec/spec.h. */

/* Symlinks created in /dev: /dev/fd -> /proc/self/fd, ... */
struct cella_dev_symlink {
	const char *path;
	const char *target;
};
extern const struct cella_dev_symlink cella_dev_symlinks[];
extern const size_t cella_n_dev_symlinks;

/* Create the default devices and `devices` below the directory open as
 * dev_dirfd's rootfs (rootfd: the rootfs, before pivot_root). In a user
 * namespace nodes are bind mounts of the host's (mknod is refused there). */
int dev_populate(int rootfd, const struct cella_device *devices, size_t n, bool in_userns,
		 const int *node_fds, cella_error *err);

/* Runtime side, root on the host, before the fork (dev_host.c): for a
 * container in a user namespace, a node for each of `devices` the host
 * lacks at its path (or has another device there), as a detached mount in
 * (*out)[i] (-1 where the host's is bound; *out NULL when none). The owner
 * is the device's uid/gid through the container's maps. */
int dev_prepare_userns_nodes(const struct cella_device *devices, size_t n,
			     const struct cella_idmap *uid, size_t n_uid,
			     const struct cella_idmap *gid, size_t n_gid, int **out,
			     cella_error *err);
void dev_close_nodes(int *fds, size_t n);

#endif
