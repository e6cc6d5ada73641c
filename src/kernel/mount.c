/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's root filesystem: the order of things (see mount.h).
 *
 * mount_prepare_rootfs() runs in the setup child, in its new mount namespace
 * (and user namespace when there is one), as PID 1 of the new PID namespace,
 * before pivot_root: the host's filesystem, and its /proc, are still visible.
 * mount_finalize_rootfs() runs in the same process after pivot_root, once the
 * caller has done what needs a writable /dev (the console).
 *
 * /dev is populated (default devices, linux.devices, symlinks) unless the
 * spec bind-mounts /dev from elsewhere, as runc does: with the default spec
 * it is a tmpfs; with no /dev mount at all the nodes go into the rootfs's own
 * /dev directory.
 */
#include "kernel/mount.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "kernel/dev.h"
#include "kernel/lsm.h"
#include "kernel/mount_internal.h"
#include "kernel/path.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* A mountinfo path with its \\ooo escapes (space, tab, newline, \\) undone;
 * malloc'd. */
static char *unescape_octal(const char *s)
{
	char *out = xcalloc(strlen(s) + 1, 1), *o = out;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*o++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 4;
		} else {
			*o++ = *s++;
		}
	}
	return out;
}

/* linux.rootfsPropagation to MS_* (NULL: rprivate). */
static int root_propagation(const char *name, unsigned long *out, cella_error *err)
{
	char *opts[] = {(char *)name, NULL};
	struct cella_mount_flags f = {0};
	int r;

	if (name == NULL) {
		*out = MS_REC | MS_PRIVATE;
		return 0;
	}
	r = mount_parse_options(opts, &f, err);
	if (r < 0)
		return r;
	mount_flags_free(&f);
	if (f.propagation == 0 || f.flags != 0 || f.bind)
		return cella_err_invalid(
		    err, "linux.rootfsPropagation `%s` is not a propagation type", name);
	*out = f.propagation;
	return 0;
}

/* The mount `path` lies on: walk up to the first directory whose mount id
 * differs from its parent's. */
static int make_parent_mount_private(const char *rootfs, cella_error *err)
{
	char buf[PATH_MAX];
	char *p;

	if (realpath(rootfs, buf) == NULL)
		return cella_err(err, errno, "resolve the rootfs `%s`", rootfs);
	for (;;) {
		struct statx here, up;
		cleanup_free char *parent = NULL;

		if (strcmp(buf, "/") == 0)
			break;
		p = strrchr(buf, '/');
		parent = p == buf ? xstrdup("/") : strndup(buf, (size_t)(p - buf));
		if (parent == NULL)
			return cella_err(err, ENOMEM, "resolve the rootfs `%s`", rootfs);
		if (statx(AT_FDCWD, buf, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &here) < 0 ||
		    statx(AT_FDCWD, parent, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &up) < 0)
			return cella_err(err, errno, "find the mount of `%s`", buf);
		if (here.stx_mnt_id != up.stx_mnt_id)
			break;
		strcpy(buf, parent);
	}
	if (mount(NULL, buf, NULL, MS_PRIVATE, NULL) < 0)
		return cella_err(err, errno, "make `%s`, the mount holding the rootfs, private",
				 buf);
	return 0;
}

static bool is_dest(const struct cella_mount *m, const char *path)
{
	cleanup_free char *clean = NULL;

	if (m->destination == NULL)
		return false;
	clean = mount_clean_path(m->destination);
	return strcmp(clean, path) == 0;
}

static bool is_bind(const struct cella_mount *m)
{
	return (m->type != NULL && strcmp(m->type, "bind") == 0) ||
	       strv_contains(m->options, "bind") || strv_contains(m->options, "rbind");
}

/* The last mount on /dev wins, as it is the one visible. */
static bool dev_needs_setup(const struct cella_rootfs_conf *conf)
{
	bool setup = true;

	for (size_t i = 0; i < conf->n_mounts; i++)
		if (is_dest(&conf->mounts[i], "/dev"))
			setup = !is_bind(&conf->mounts[i]);
	return setup;
}

static bool has_devpts(const struct cella_rootfs_conf *conf)
{
	for (size_t i = 0; i < conf->n_mounts; i++)
		if (is_dest(&conf->mounts[i], "/dev/pts") && conf->mounts[i].type != NULL &&
		    strcmp(conf->mounts[i].type, "devpts") == 0)
			return true;
	return false;
}

static int dev_symlink(int devfd, const char *name, const char *target, bool replace,
		       cella_error *err)
{
	if (symlinkat(target, devfd, name) == 0 || (errno == EEXIST && !replace))
		return 0;
	if (errno != EEXIST)
		return cella_err(err, errno, "symlink `/dev/%s` -> `%s`", name, target);
	/* Taken, and to be replaced. */
	if (unlinkat(devfd, name, 0) < 0 && errno != ENOENT)
		return cella_err(err, errno, "remove `/dev/%s` to make it a symlink", name);
	if (symlinkat(target, devfd, name) < 0 && errno != EEXIST)
		return cella_err(err, errno, "symlink `/dev/%s` -> `%s`", name, target);
	return 0;
}

static int dev_symlinks(struct mount_ctx *c, cella_error *err)
{
	cleanup_close int devfd = path_mkpath_in_root(c->rootfd, "/dev", false, err);
	int r;

	if (devfd < 0)
		return devfd;
	for (size_t i = 0; i < cella_n_dev_symlinks; i++) {
		const char *name = cella_dev_symlinks[i].path + strlen("/dev/");

		r = dev_symlink(devfd, name, cella_dev_symlinks[i].target, false, err);
		if (r < 0)
			return r;
	}
	if (has_devpts(c->conf)) {
		r = dev_symlink(devfd, "ptmx", "pts/ptmx", true, err);
		if (r < 0)
			return r;
	}
	/* The host's /proc is still the one at /proc here. */
	if (access("/proc/kcore", F_OK) == 0) {
		r = dev_symlink(devfd, "core", "/proc/kcore", false, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int do_pivot_root(struct mount_ctx *c, cella_error *err)
{
	cleanup_close int oldroot = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (oldroot < 0)
		return cella_err(err, errno, "open `/`");
	if (fchdir(c->rootfd) < 0)
		return cella_err(err, errno, "chdir to the rootfs `%s`", c->conf->rootfs);
	/* The old root ends up stacked on the new one, at ".". */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		return cella_err(err, errno, "pivot_root to `%s`", c->conf->rootfs);
	if (fchdir(oldroot) < 0)
		return cella_err(err, errno, "chdir to the old root");
	/* rslave first, so that the detach does not propagate to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0)
		return cella_err(err, errno, "make the old root rslave");
	if (umount2(".", MNT_DETACH) < 0)
		return cella_err(err, errno, "detach the old root");
	if (chdir("/") < 0)
		return cella_err(err, errno, "chdir to `/`");
	return 0;
}

/* Whether mountpoint lies in dir (itself or below). */
static bool path_under(const char *mp, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(mp, dir, n) == 0 && (mp[n] == '\0' || mp[n] == '/');
}

/*
 * --no-pivot keeps the old root in the mount namespace, under the new one:
 * its procfs and sysfs mounts, though out of reach of paths, would still
 * count as "fully visible" for the kernel, which then lets a user namespace
 * nested in the container mount a fresh, unmasked procfs ("must not expose
 * bare /proc", runc's words). So every procfs and sysfs mounted whole
 * outside the rootfs is detached, or, where the user namespace has them
 * locked (EINVAL, EPERM), covered by an empty read-only tmpfs: in a nested
 * namespace's copy that cover is locked, and the kernel no longer counts
 * what is under it (runc does the same).
 */
static int hide_outer_pseudo_fs(const char *rootfs, cella_error *err)
{
	cleanup_free char *text = NULL;
	char *line, *save = NULL;
	int r;

	r = (int)read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, err);
	if (r < 0)
		return cella_err_context(err, "--no-pivot: read the mount table");
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char root[PATH_MAX], mp[PATH_MAX], type[64];
		char *sep = strstr(line, " - ");
		cleanup_free char *mpu = NULL;

		if (sep == NULL || sscanf(line, "%*s %*s %*s %4095s %4095s", root, mp) != 2 ||
		    sscanf(sep + 3, "%63s", type) != 1)
			continue;
		if (strcmp(root, "/") != 0 ||
		    (strcmp(type, "proc") != 0 && strcmp(type, "sysfs") != 0))
			continue;
		mpu = unescape_octal(mp);
		if (path_under(mpu, rootfs))
			continue;
		if (umount2(mpu, MNT_DETACH | UMOUNT_NOFOLLOW) == 0 || errno == ENOENT)
			continue;
		if (errno != EINVAL && errno != EPERM)
			return cella_err(err, errno, "--no-pivot: detach the %s at `%s`", type,
					 mpu);
		if (mount("tmpfs", mpu, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0,size=0") < 0 &&
		    errno != ENOENT)
			return cella_err(err, errno, "--no-pivot: cover the %s at `%s`", type, mpu);
	}
	return 0;
}

/* --no-pivot: move the rootfs onto / and chroot into it. */
static int do_chroot(struct mount_ctx *c, cella_error *err)
{
	int r = hide_outer_pseudo_fs(c->conf->rootfs, err);

	if (r < 0)
		return r;
	if (fchdir(c->rootfd) < 0)
		return cella_err(err, errno, "chdir to the rootfs `%s`", c->conf->rootfs);
	if (mount(".", "/", NULL, MS_MOVE, NULL) < 0)
		return cella_err(err, errno, "move the rootfs `%s` onto `/`", c->conf->rootfs);
	if (chroot(".") < 0)
		return cella_err(err, errno, "chroot to `%s`", c->conf->rootfs);
	if (chdir("/") < 0)
		return cella_err(err, errno, "chdir to `/`");
	return 0;
}

/* The ephemeral overlay of scratch_dir: tmpfs on it, then upper/, work/
 * and merged/ in the tmpfs, the overlay on merged/. Returns merged/'s path. */
static int mount_overlay_root(const struct cella_rootfs_conf *conf, char **merged, cella_error *err)
{
	const char *dir = conf->scratch_dir;
	cleanup_free char *opts = NULL;
	cleanup_free char *upper = xasprintf("%s/upper", dir);
	cleanup_free char *work = xasprintf("%s/work", dir);
	cleanup_free char *top = xasprintf("%s/merged", dir);
	cleanup_free char *lower = NULL;

	if (strpbrk(conf->rootfs, ",:\\") != NULL || strpbrk(dir, ",:\\") != NULL)
		return cella_err_invalid(err,
					 "rootfs `%s`: an overlay cannot take a path with `,` `:` "
					 "or `\\`",
					 conf->rootfs);
	if (mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0700") < 0)
		return cella_err(err, errno, "mount the scratch tmpfs on `%s`", dir);
	if (mkdir(upper, 0755) < 0 || mkdir(work, 0700) < 0 || mkdir(top, 0755) < 0)
		return cella_err(err, errno, "create the overlay directories in `%s`", dir);
	/* An idmapped rootfs (the runtime's, mount_idmap.c) is the lower
	 * layer where it is moved, in the scratch tmpfs. */
	if (conf->has_rootfs_fd) {
		lower = xasprintf("%s/lower", dir);
		if (mkdir(lower, 0755) < 0)
			return cella_err(err, errno, "create `%s`", lower);
		if (move_mount(conf->rootfs_fd, "", AT_FDCWD, lower, MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return cella_err(err, errno, "move the idmapped rootfs onto `%s`", lower);
	}
	opts = xasprintf("lowerdir=%s,upperdir=%s,workdir=%s", lower ? lower : conf->rootfs, upper,
			 work);
	if (mount("overlay", top, "overlay", 0, opts) < 0) {
		/* In a user namespace, overlayfs keeps its metadata in user.*
		 * xattrs. */
		char *uopts = xasprintf("%s,userxattr", opts);
		int r = mount("overlay", top, "overlay", 0, uopts);
		int e = errno;
		free(uopts);
		if (r < 0)
			return cella_err(err, e, "mount an overlay over the rootfs `%s`",
					 conf->rootfs);
	}
	*merged = take_ptr(&top);
	return 0;
}

/* Does mount m need the setup process in its cgroups: a cgroup mount (its
 * view is the process's cgroup), or one that may open a device, which the
 * devices cgroup governs (anything but a bind, proc, sysfs, tmpfs, devpts or
 * mqueue)? */
static bool needs_cgroup(const struct cella_mount *m)
{
	static const char *const plain[] = {"proc", "sysfs", "tmpfs", "devpts", "mqueue"};

	if (is_bind(m))
		return false;
	for (size_t i = 0; m->type != NULL && i < ARRAY_SIZE(plain); i++)
		if (strcmp(m->type, plain[i]) == 0)
			return false;
	return true;
}

/* conf->before_cgroup, once (then cleared), with umask 022. */
static int before_cgroup(struct cella_rootfs_conf *conf, cella_error *err)
{
	mode_t m;
	int r;

	if (conf->before_cgroup == NULL)
		return 0;
	m = umask(022);
	r = conf->before_cgroup(conf->before_pivot_data, err);
	umask(m);
	conf->before_cgroup = NULL;
	return r;
}

static int prepare(const struct cella_rootfs_conf *orig, cella_error *err)
{
	struct cella_rootfs_conf local = *orig;
	const struct cella_rootfs_conf *conf = &local;
	struct mount_ctx c = {.conf = conf, .rootfd = -1};
	cleanup_close int rootfd = -1;
	cleanup_free char *merged = NULL;
	unsigned long prop = 0, first;
	int r;

	if (conf->rootfs == NULL || conf->rootfs[0] != '/')
		return cella_err_invalid(err, "rootfs `%s` is not an absolute path",
					 conf->rootfs ? conf->rootfs : "");
	r = root_propagation(conf->propagation, &prop, err);
	if (r < 0)
		return r;

	/* 1. Nothing we mount may reach the host. A shared or slave root is
	 * asked to keep receiving from the host: "/" gets that type, and only
	 * the mount under the rootfs is made private (pivot_root refuses a
	 * shared parent); the type is applied again to the new root at the
	 * end (mount_finalize_rootfs). */
	first = (prop & (MS_SHARED | MS_SLAVE)) ? prop : (MS_REC | MS_PRIVATE);
	if (mount(NULL, "/", NULL, first, NULL) < 0)
		return cella_err(err, errno, "make `/` %s",
				 first == prop && conf->propagation ? conf->propagation
								    : "rprivate");
	if (prop & (MS_SHARED | MS_SLAVE)) {
		r = make_parent_mount_private(conf->rootfs, err);
		if (r < 0)
			return r;
	}

	/* 2. The rootfs is a mount point (pivot_root needs one); with a
	 * scratch directory, the overlay's top is. */
	if (orig->scratch_dir != NULL) {
		r = mount_overlay_root(orig, &merged, err);
		if (r < 0)
			return r;
		local.rootfs = merged;
	}
	if (conf->has_rootfs_fd && orig->scratch_dir == NULL) {
		if (move_mount(conf->rootfs_fd, "", AT_FDCWD, conf->rootfs,
			       MOVE_MOUNT_F_EMPTY_PATH) < 0)
			return cella_err(err, errno, "move the idmapped rootfs onto `%s`",
					 conf->rootfs);
	} else if (mount(conf->rootfs, conf->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0) {
		return cella_err(err, errno, "bind mount the rootfs `%s` onto itself",
				 conf->rootfs);
	}
	/* Opened after the bind, so lookups start on the new mount. */
	rootfd = open(conf->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return cella_err(err, errno, "open the rootfs `%s`", conf->rootfs);
	c.rootfd = rootfd;

	/* 3. The spec's mounts, in order (from the first that needs the
	 * setup process in its cgroups, in them). */
	for (size_t i = 0; i < conf->n_mounts; i++) {
		if (conf->before_cgroup != NULL && needs_cgroup(&conf->mounts[i])) {
			r = before_cgroup(&local, err);
			if (r < 0)
				return r;
		}
		r = mount_oci_one(&c, &conf->mounts[i], err);
		if (r < 0)
			return r;
	}
	/* The device nodes under the devices cgroup, as the mounts. */
	r = before_cgroup(&local, err);
	if (r < 0)
		return r;

	/* 4. /dev. */
	if (dev_needs_setup(conf)) {
		r = dev_populate(rootfd, conf->devices, conf->n_devices, conf->in_userns,
				 conf->device_fds, err);
		if (r < 0)
			return r;
		r = dev_symlinks(&c, err);
		if (r < 0)
			return r;
	} else if (conf->n_devices > 0) {
		cella_warn("/dev is a bind mount: linux.devices not created");
	}

	/* 5. Into the rootfs, after the hooks' point. */
	if (conf->before_pivot != NULL) {
		mode_t m = umask(022);

		r = conf->before_pivot(conf->before_pivot_data, err);
		umask(m);
		if (r < 0)
			return r;
	}
	return conf->no_pivot ? do_chroot(&c, err) : do_pivot_root(&c, err);
}

int mount_prepare_rootfs(const struct cella_rootfs_conf *conf, cella_error *err)
{
	/* Exact modes for mount points and device nodes. */
	mode_t old = umask(0);
	int r = prepare(conf, err);

	umask(old);
	return r;
}

/* After pivot_root: mounts made through fds (the new mount API), so that no
 * path is looked up again and no /proc is needed (a spec without one). */
static int mask_path(int rootfd, int nullfd, const char *path, const char *label, cella_error *err)
{
	cleanup_free char *data = lsm_mount_data(NULL, label);
	cleanup_close int fd = path_open_in_root(rootfd, path, O_PATH);
	struct stat st;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cella_err(err, -fd, "mask `%s`: open", path);
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "mask `%s`: stat", path);
	if (S_ISDIR(st.st_mode)) {
		if (mount_fs_at("tmpfs", fd, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
				data, NULL) < 0)
			return cella_err(err, errno, "mount `tmpfs` on `%s` (maskedPaths)", path);
		return 0;
	}
	if (mount_bind_at(nullfd, fd, false) < 0)
		return cella_err(err, errno, "mount `/dev/null` on `%s` (maskedPaths)", path);
	return 0;
}

static int readonly_path(int rootfd, const char *path, cella_error *err)
{
	cleanup_close int fd = path_open_in_root(rootfd, path, O_PATH);

	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cella_err(err, -fd, "make `%s` read-only: open", path);
	/* Bound onto itself, read-only with every mount under it (crun's
	 * behaviour; runc makes only the top one read-only): set on the
	 * detached copy with mount_setattr(AT_RECURSIVE), which also keeps
	 * each mount's own locked flags. */
	if (mount_bind_attr_at(fd, "", fd, true, MOUNT_ATTR_RDONLY) < 0)
		return cella_err(err, errno,
				 errno == ENOSYS
				     ? "readonlyPaths: making `%s` read-only with its "
				       "submounts needs open_tree(2) and mount_setattr(2), "
				       "Linux 5.12"
				     : "bind mount `%s` onto itself read-only, recursively "
				       "(readonlyPaths)",
				 path);
	return 0;
}

int mount_finalize_rootfs(const struct cella_rootfs_conf *conf, cella_error *err)
{
	cleanup_close int rootfd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	unsigned long prop = 0;
	int r;

	if (rootfd < 0)
		return cella_err(err, errno, "open `/`");
	r = root_propagation(conf->propagation, &prop, err);
	if (r < 0)
		return r;

	/* 6. maskedPaths. */
	if (strv_len(conf->masked_paths) > 0) {
		cleanup_close int nullfd = path_open_in_root(rootfd, "/dev/null", O_PATH);
		struct stat st;

		/* Checked on the fd we bind from: a symlink or a file put at
		 * /dev/null would unmask everything. */
		if (nullfd < 0)
			return cella_err(err, -nullfd, "maskedPaths: open `/dev/null`");
		if (fstat(nullfd, &st) < 0)
			return cella_err(err, errno, "maskedPaths: stat `/dev/null`");
		if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
			return cella_err_invalid(
			    err, "maskedPaths: `/dev/null` is not the null device (1:3)");
		for (size_t i = 0; conf->masked_paths[i] != NULL; i++) {
			r = mask_path(rootfd, nullfd, conf->masked_paths[i], conf->mount_label,
				      err);
			if (r < 0)
				return r;
		}
	}

	/* 7. readonlyPaths. */
	for (size_t i = 0; conf->readonly_paths && conf->readonly_paths[i] != NULL; i++) {
		r = readonly_path(rootfd, conf->readonly_paths[i], err);
		if (r < 0)
			return r;
	}

	/* 7a. A read-only /dev, now that its submounts, nodes and console
	 * are in place (the last /dev mount is the one visible). */
	for (size_t i = conf->n_mounts; i-- > 0;) {
		if (!is_dest(&conf->mounts[i], "/dev"))
			continue;
		if (mount_is_dev_ro(&conf->mounts[i])) {
			cleanup_close int dev = path_open_in_root(rootfd, "/dev", O_PATH);
			struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};

			if (dev < 0)
				return cella_err(err, -dev, "make `/dev` read-only: open");
			if (mount_setattr(dev, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
				return cella_err(err, errno, "make `/dev` read-only");
		}
		break;
	}

	/* 8. A read-only root, last. */
	if (conf->readonly) {
		unsigned long keep = 0;

		r = mount_fd_flags(rootfd, &keep);
		if (r < 0)
			return cella_err(err, -r, "statvfs `/`");
		if (mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | keep, NULL) < 0)
			return cella_err(err, errno, "remount `/` read-only");
	}

	/* 9. The root's propagation, as asked. */
	if (conf->propagation != NULL && mount(NULL, "/", NULL, prop, NULL) < 0)
		return cella_err(err, errno, "make `/` %s (linux.rootfsPropagation)",
				 conf->propagation);
	return 0;
}

int mount_enter_root(int root_fd, cella_error *err)
{
	if (fchdir(root_fd) < 0)
		return cella_err(err, errno, "enter the container's root");
	if (chroot(".") < 0)
		return cella_err(err, errno, "chroot into the container's root");
	if (chdir("/") < 0)
		return cella_err(err, errno, "chdir to the container's root");
	return 0;
}

int mount_chroot(const char *rootfs, cella_error *err)
{
	if (chdir(rootfs) < 0)
		return cella_err(err, errno, "chdir to the rootfs `%s`", rootfs);
	if (chroot(".") < 0)
		return cella_err(err, errno, "chroot to the rootfs `%s`", rootfs);
	if (chdir("/") < 0)
		return cella_err(err, errno, "chdir to `/`");
	return 0;
}

int mount_open_process_root(pid_t pid, cella_error *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "open the container's root `%s`", path);
	return fd;
}
