/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Mounts: the container's root filesystem.
 *
 * Runs in the container's setup child, inside its new mount namespace (and
 * user namespace, when there is one), as root of that namespace.
 *
 * Order (mount_prepare_rootfs):
 *   1. "/" made recursively private (or rslave/rshared/... as
 *      linux.rootfsPropagation says) before any other mount;
 *   2. the rootfs bind-mounted onto itself (so it is a mount point);
 *   3. each OCI mount in order, destinations resolved *inside* the rootfs
 *      without following symlinks out of it (openat2 RESOLVE_IN_ROOT), and
 *      mounted through file descriptors where the kernel allows;
 *   4. /dev populated when it is a tmpfs: default devices + linux.devices
 *      (mknod, or bind mounts of the host's nodes inside a user namespace),
 *      the /dev/fd, /dev/stdin, /dev/stdout, /dev/stderr, /dev/ptmx symlinks;
 *   5. conf->before_pivot (the hooks' point), then pivot_root into the
 *      rootfs, old root detached.
 * Then (mount_finalize_rootfs), after the caller's steps that need a
 * writable /dev (pty) :
 *   6. maskedPaths: /dev/null bound over files, an empty read-only tmpfs over
 *      directories (missing paths are skipped);
 *   7. readonlyPaths: bound onto themselves and made read-only with every
 *      mount under them (mount_setattr AT_RECURSIVE; missing paths skipped);
 *   7a. a read-only /dev (its "ro" held back until here, as runc does, so
 *      that its submounts, nodes and the console could be made);
 *   8. the root remounted read-only when root.readonly, last;
 *   9. propagation of "/" set to linux.rootfsPropagation when it asks for a
 *      shared/slave root.
 */
#ifndef CELLA_MOUNT_H
#define CELLA_MOUNT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

struct cella_rootfs_conf {
	const char *rootfs;	 /* absolute host path of the rootfs */
	bool readonly;		 /* root.readonly */
	const char *propagation; /* linux.rootfsPropagation, NULL = rprivate */
	const struct cella_mount *mounts;
	size_t n_mounts;
	char *const *masked_paths;	    /* may be NULL */
	char *const *readonly_paths;	    /* may be NULL */
	const struct cella_device *devices; /* linux.devices */
	size_t n_devices;
	bool in_userns;	 /* running in a user namespace: mknod is refused, so
			    devices are bind mounts of the host's nodes, or of
			    the runtime's (device_fds) */
	int *device_fds; /* per linux.devices entry: a node the runtime made
			    (kernel/dev_host.c), or -1; NULL: none */
	bool no_pivot;	 /* --no-pivot: MS_MOVE + chroot instead of pivot_root */
	/* linux.mountLabel (SELinux; NULL or "": none): context="LABEL" on the
	 * filesystems mounted that take it, as runc (not proc, sysfs, cgroup,
	 * bind mounts), the root of an mqueue mount labelled. */
	const char *mount_label;
	/* When set, the rootfs is only the lower layer of an overlay whose
	 * upper layer lives on a tmpfs mounted on this (existing) directory,
	 * in the container's mount namespace: the container may write to its
	 * root, and the rootfs on disk never changes (the quick door). */
	const char *scratch_dir;
	/* Called after the mounts and /dev, just before pivot_root (the point
	 * of the OCI prestart, createRuntime and createContainer hooks), with
	 * umask 022; NULL: none. */
	int (*before_pivot)(void *data, cella_error *err);
	void *before_pivot_data;
	/* Called once, with before_pivot_data and umask 022, before the first
	 * mount that needs the setup process in its cgroups (a cgroup mount,
	 * or one that may open a device), else before /dev is populated: the
	 * setup process joins its cgroups there when the runtime makes them
	 * during the first mounts. NULL: none. */
	int (*before_cgroup)(void *data, cella_error *err);
	/* The container's linux.uidMappings/gidMappings (NULL without a new
	 * user namespace): the default of an idmapped mount. */
	const struct cella_idmap *idmap_uid, *idmap_gid;
	size_t n_idmap_uid, n_idmap_gid;
	/* Per mount, a detached mount made on the host (mount_idmap.c) that the
	 * setup child moves into place, or -1; NULL when none. */
	int *mount_fds;
	/* The quick door's own id range: the rootfs itself is seen through an
	 * idmapped mount (the container's mappings), made on the host like the
	 * idmapped binds (rootfs_fd, when has_rootfs_fd). */
	bool idmap_rootfs;
	bool has_rootfs_fd;
	int rootfs_fd;
	/* Bind sources opened by the runtime on the host's side
	 * (mount_sources.c): a new user namespace, the runtime root. */
	bool host_sources;
	int *source_fds; /* per mount, or -1; NULL until received */
};

/* A bind mount whose source the runtime opens (not an idmapped one). */
bool mount_needs_host_source(const struct cella_mount *m);
/* Runtime side, after #3: open the sources in the init's mount namespace
 * and send them over sync_fd (#3m), before #4. */
int mount_send_sources(pid_t init, const struct cella_rootfs_conf *conf, int sync_fd,
		       cella_error *err);
/* Init side, before #4: receive them into conf->source_fds. */
int mount_receive_sources(struct cella_rootfs_conf *conf, int sync_fd, cella_error *err);

/* Whether the mount asks for an id mapping (idmap, ridmap, mappings). */
bool mount_is_idmapped(const struct cella_mount *m);
/* Runtime side, root on the host, before the fork: the detached idmapped
 * mounts (open_tree + mount_setattr MOUNT_ATTR_IDMAP) into conf->mount_fds.
 * Errors name mounts[N]. */
int mount_prepare_detached(struct cella_rootfs_conf *conf, cella_error *err);
void mount_detached_close(struct cella_rootfs_conf *conf);
/* Whether the kernel idmaps each of paths (its filesystem allows it), with
 * a mapping of 65536 ids onto host_uid/host_gid; root only. Its user
 * namespace is kept for mount_prepare_detached's same maps, which drops it. */
int mount_idmap_probe(const char *const *paths, size_t n, uint32_t host_uid, uint32_t host_gid,
		      bool *ok, cella_error *err);

/* The root directory of process pid (/proc/PID/root), open O_DIRECTORY and
 * O_CLOEXEC, for mount_enter_root(). The fd, or < 0 with err. */
int mount_open_process_root(pid_t pid, cella_error *err);

/* Enter the root directory open as root_fd (chroot through the fd; exec
 * uses it to reach a running container's root, also after --no-pivot). */
int mount_enter_root(int root_fd, cella_error *err);

/* Note the caller's cgroups (/proc/self/cgroup) for a "cgroup" mount's v1
 * view, before a cgroup namespace hides their paths. */
void mount_note_cgroups(void);
/* The mount table mount_note_cgroups takes instead of reading its own
 * (ownership passes): the runtime's, for a child whose view of the cgroup
 * mounts is the runtime's (it joins no mount or cgroup namespace by path). */
void mount_preset_mountinfo(char *text);

/* A new overlayfs with the lower layers `lowerdir` (overlayfs' syntax,
 * escaped) and no upper layer, read-only, nodev, nosuid, attached nowhere:
 * its mount fd (O_CLOEXEC), or -1 with errno. */
int mount_overlay_lower_only(const char *lowerdir);
/* The unique id (statx STATX_MNT_ID_UNIQUE, Linux 6.8) of the mount path
 * (relative to dirfd; "" for dirfd itself) is on, and its inode when ino is
 * not NULL: 0, or -errno (-EOPNOTSUPP when the kernel has no such id). */
int mount_unique_id(int dirfd, const char *path, uint64_t *id, uint64_t *ino);
/* Whether the mount fd is on is in this process's mount namespace
 * (statmount, else /proc/self/mountinfo); true when neither can say. */
bool mount_fd_attached(int fd);

/* chroot into rootfs, cwd "/": a container without a mount namespace of
 * its own (no mount is made). */
int mount_chroot(const char *rootfs, cella_error *err);

int mount_prepare_rootfs(const struct cella_rootfs_conf *conf, cella_error *err);
int mount_finalize_rootfs(const struct cella_rootfs_conf *conf, cella_error *err);

/* Parse OCI mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755"...)
 * into flags. Pure; unit tested. Unknown options go to data (comma joined),
 * as the kernel's filesystem-specific options. */
struct cella_mount_flags {
	unsigned long flags;	   /* MS_* to set */
	unsigned long clear;	   /* MS_* explicitly cleared ("rw", "suid"...) */
	unsigned long propagation; /* MS_PRIVATE/MS_SHARED/... | MS_REC */
	bool bind;		   /* "bind" or "rbind" (rbind sets MS_REC) */
	bool recursive_ro;	   /* "rro" given */
	/* "rro", "rnosuid", "rnoatime"...: MOUNT_ATTR_* for a recursive
	 * mount_setattr(2) applied after the mount. */
	uint64_t rec_attr_set;
	uint64_t rec_attr_clr;
	char *data; /* malloc'd, NULL when none */
};
int mount_parse_options(char *const *options, struct cella_mount_flags *out, cella_error *err);
void mount_flags_free(struct cella_mount_flags *f);
/* The i-th mount option the table implements, NULL past the end. */
const char *mount_option_name(size_t i);

#endif
