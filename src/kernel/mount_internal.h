/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between kernel/mount.c (the order of things) and kernel/mount_oci.c
 * (one OCI mount). Not an interface for other modules. */
#ifndef CELLA_MOUNT_INTERNAL_H
#define CELLA_MOUNT_INTERNAL_H

#include <stdbool.h>

#include "kernel/mount.h"

struct mount_ctx {
	const struct cella_rootfs_conf *conf;
	int rootfd; /* O_PATH on the rootfs bind mount */
};

/* Lexically cleaned absolute path ("/a/./b/../c//" -> "/a/c"); malloc'd. */
char *mount_clean_path(const char *path);

/* MS_NOSUID|MS_NODEV|MS_NOEXEC|MS_RDONLY as the mount fd is on has them
 * (fstatvfs): the flags a remount must keep where they are locked. */
int mount_fd_flags(int fd, unsigned long *flags);

/* A /dev filesystem (not a bind) asked read-only: mounted read-write,
 * made read-only at the end. */
bool mount_is_dev_ro(const struct cella_mount *m);

/* Mount one entry of the spec's mounts inside the rootfs. */
int mount_oci_one(struct mount_ctx *c, const struct cella_mount *m, cella_error *err);

#endif
