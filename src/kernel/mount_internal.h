/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between kernel/mount.c (the order of things) and kernel/mount_oci.c
 * (one OCI mount). Not an interface for other modules. */
#ifndef CELLA_MOUNT_INTERNAL_H
#define CELLA_MOUNT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

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

/* Shared by mount_oci.c and mount_cgroup.c. */
uint64_t mount_flags_to_attr(unsigned long flags);
int mount_check_proc_target(int fd, const char *dest, cella_error *err);
/* The destination resolved again, on the new mount's root. */
int mount_reopen(struct mount_ctx *c, const char *dest, cella_error *err);
/* The recursive attributes and the propagation, after any mount. */
int mount_post(struct mount_ctx *c, const char *dest, const struct cella_mount_flags *f,
	       cella_error *err);
/* Bind the host's path onto target (resolved dest), flags set with
 * mount_setattr (recursively when rec). */
int mount_bind_host_path(const char *host, int target, const char *dest, bool rec,
			 unsigned long flags, cella_error *err);
/* cgroup and cgroup2 mounts (mount_cgroup.c). */
int mount_cgroup(struct mount_ctx *c, const struct cella_mount *m,
		 const struct cella_mount_flags *f, int target, cella_error *err);
bool mount_host_has_cgroup_v1(void);

/* One filesystem mounted on the target fd, or one bind, through the new
 * mount API (mount_api.c), mount(2) before Linux 5.2. 0, or -1 with errno
 * as mount(2) would set it and, when why is not NULL, *why the kernel's
 * message (malloc'd) or NULL. */
int mount_fs_at(const char *source, int target, const char *type, unsigned long flags,
		const char *data, char **why);
int mount_bind_at(int source, int target, bool recursive);
/* A bind of path (beneath dirfd; "" for dirfd itself) onto target with the
 * MOUNT_ATTR_* attr_set, set on the detached copy before it is attached
 * (recursively when recursive): no lookup of the target again. Needs
 * open_tree(2) and, for attributes, mount_setattr(2) (Linux 5.12). */
int mount_bind_attr_at(int dirfd, const char *path, int target, bool recursive, uint64_t attr_set);

/* Mount one entry of the spec's mounts inside the rootfs. */
int mount_oci_one(struct mount_ctx *c, const struct cella_mount *m, cella_error *err);

#endif
