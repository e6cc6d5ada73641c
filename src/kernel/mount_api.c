/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Building one mount: the kernel's new mount API where it has it, mount(2)
 * where it does not.
 *
 *   a filesystem: fsopen(type), one fsconfig() per option ("source", each
 *     key=value of the data as a string, each bare word as a flag, the
 *     superblock flags sync/dirsync/mand/silent/lazytime/ro), CMD_CREATE,
 *     fsmount() with the per-mount attributes (ro, nosuid, nodev, noexec,
 *     atime, nosymfollow), move_mount() onto the target fd;
 *   a bind: open_tree(OPEN_TREE_CLONE, recursive for rbind), move_mount().
 *
 * Nothing is ever reachable half-made: the mount is built detached and
 * appears at its place in one step. The errno of the step that failed is
 * returned, as mount(2) would have: EPERM where a user namespace may not
 * make that filesystem, EINVAL for an option it refuses, and with it the
 * kernel's own message from the context ("tmpfs: Bad value for 'mode'"),
 * which mount(2) only writes to the kernel log. A kernel without
 * fsopen (before 5.2) or open_tree gets mount(2) with the same flags and
 * data (README: Linux 5.12 is the minimum for the features built on
 * mount_setattr).
 */
#include "kernel/mount_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/path.h"
#include "util/cleanup.h"
#include "util/util.h"

static int fsconfig_(int fd, unsigned cmd, const char *key, const char *value)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, 0);
}

static uint64_t mount_attrs(unsigned long flags)
{
	uint64_t a = mount_flags_to_attr(flags);

	if (flags & MS_NOATIME)
		a |= MOUNT_ATTR_NOATIME;
	else if (flags & MS_STRICTATIME)
		a |= MOUNT_ATTR_STRICTATIME;
	if (flags & MS_NODIRATIME)
		a |= MOUNT_ATTR_NODIRATIME;
	if (flags & MS_NOSYMFOLLOW)
		a |= MOUNT_ATTR_NOSYMFOLLOW;
	return a;
}

/* Each option of data, split at commas outside double quotes; a value
 * loses its surrounding quotes (fsconfig takes it as is). */
static int config_data(int fs, const char *data)
{
	cleanup_free char *copy = NULL;
	char *p, *start;
	bool quoted = false;

	if (data == NULL || *data == '\0')
		return 0;
	copy = xstrdup(data);
	for (p = start = copy;; p++) {
		if (*p == '"')
			quoted = !quoted;
		if ((*p == ',' && !quoted) || *p == '\0') {
			bool last = *p == '\0';
			char *eq;
			int r;

			*p = '\0';
			if (*start != '\0') {
				eq = strchr(start, '=');
				if (eq == NULL) {
					r = fsconfig_(fs, FSCONFIG_SET_FLAG, start, NULL);
				} else {
					char *v = eq + 1;
					size_t n = strlen(v);

					*eq = '\0';
					if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
						v[n - 1] = '\0';
						v++;
					}
					r = fsconfig_(fs, FSCONFIG_SET_STRING, start, v);
				}
				if (r < 0)
					return -1;
			}
			if (last)
				return 0;
			start = p + 1;
		}
	}
}

/* The kernel's own words on a refused filesystem context ("e tmpfs: Bad
 * value for 'mode'"), its last error line, malloc'd, or NULL. */
static char *context_log(int fs)
{
	char buf[512], *last = NULL;
	ssize_t n;

	while ((n = read(fs, buf, sizeof(buf) - 1)) > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		if (buf[0] == 'e' && buf[1] == ' ') {
			free(last);
			last = xstrdup(buf + 2);
		}
	}
	return last;
}

static int fail_with_log(int fs, char **why)
{
	int e = errno;

	if (why != NULL)
		*why = context_log(fs);
	errno = e;
	return -1;
}

int mount_fs_at(const char *source, int target, const char *type, unsigned long flags,
		const char *data, char **why)
{
	static const struct {
		unsigned long flag;
		const char *key;
	} sb[] = {{MS_RDONLY, "ro"},	 {MS_SYNCHRONOUS, "sync"}, {MS_DIRSYNC, "dirsync"},
		  {MS_MANDLOCK, "mand"}, {MS_SILENT, "silent"},	   {MS_LAZYTIME, "lazytime"}};
	cleanup_close int fs = -1, mnt = -1;
	char tp[PATH_FD_MAX];

	if (!(flags & MS_REMOUNT))
		fs = (int)syscall(SYS_fsopen, type, FSOPEN_CLOEXEC);
	if (fs < 0) {
		if ((flags & MS_REMOUNT) || errno == ENOSYS)
			return mount(source, path_fd_path(target, tp), type, flags, data);
		return -1;
	}
	if (why != NULL)
		*why = NULL;
	if (source != NULL && fsconfig_(fs, FSCONFIG_SET_STRING, "source", source) < 0)
		return fail_with_log(fs, why);
	for (size_t i = 0; i < ARRAY_SIZE(sb); i++)
		if ((flags & sb[i].flag) && fsconfig_(fs, FSCONFIG_SET_FLAG, sb[i].key, NULL) < 0)
			return fail_with_log(fs, why);
	if (config_data(fs, data) < 0 || fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL) < 0)
		return fail_with_log(fs, why);
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, mount_attrs(flags));
	if (mnt < 0)
		return fail_with_log(fs, why);
	return move_mount(mnt, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int mount_overlay_lower_only(const char *lowerdir)
{
	cleanup_close int fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);

	if (fs < 0 || fsconfig_(fs, FSCONFIG_SET_STRING, "lowerdir", lowerdir) < 0)
		return -1;
	/* xino would only log when the layers are on different filesystems. */
	(void)fsconfig_(fs, FSCONFIG_SET_STRING, "xino", "off");
	if (fsconfig_(fs, FSCONFIG_CMD_CREATE, NULL, NULL) < 0)
		return -1;
	return (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC,
			    MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID);
}

/* statx's STATX_MNT_ID_UNIQUE and statmount(2) (Linux 6.8) are spelled
 * out here: the C library and kernel headers of older systems have
 * neither. */
#ifndef STATX_MNT_ID_UNIQUE
#define STATX_MNT_ID_UNIQUE 0x00004000U
#endif

int mount_unique_id(int dirfd, const char *path, uint64_t *id, uint64_t *ino)
{
	struct statx stx;
	unsigned want = STATX_MNT_ID_UNIQUE | (ino != NULL ? STATX_INO : 0U);

	if (statx(dirfd, path, AT_EMPTY_PATH, want, &stx) < 0)
		return -errno;
	if ((stx.stx_mask & want) != want)
		return -EOPNOTSUPP;
	*id = stx.stx_mnt_id;
	if (ino != NULL)
		*ino = stx.stx_ino;
	return 0;
}

/* statmount by a mount's unique id, in the caller's mount namespace:
 * found, or ENOENT when the mount is not in it. */
#if !defined(SYS_statmount) && !defined(__alpha__) && !defined(__mips__)
#define SYS_statmount 457 /* the number every other architecture shares */
#endif
#define CELLA_STATMOUNT_SB_BASIC 0x1U

struct cella_mnt_id_req {
	uint32_t size;
	uint32_t spare;
	uint64_t mnt_id;
	uint64_t param;
};

#ifdef SYS_statmount
static int statmount_id(const char *path, int fd)
{
	struct cella_mnt_id_req req = {.size = sizeof(req), .param = CELLA_STATMOUNT_SB_BASIC};
	uint64_t buf[64]; /* struct statmount's fixed part, and more */

	if (mount_unique_id(fd, path, &req.mnt_id, NULL) < 0)
		return -1;
	/* Every argument given, the unused ones 0: the two calls differ
	 * in the mount id alone, to a filter too. */
	if (syscall(SYS_statmount, &req, buf, sizeof(buf), 0, 0, 0) == 0)
		return 1;
	return errno == ENOENT ? 0 : -2;
}
#endif

/* 1 attached, 0 not, -1 when statmount cannot say. Its ENOENT counts only
 * once it found the mount of our own root, which is attached: a seccomp
 * filter or an LSM that answers ENOENT to it would otherwise pass any
 * mount for one attached nowhere. */
static int statmount_attached(int fd)
{
#ifdef SYS_statmount
	int r = statmount_id("", fd);

	if (r != 0)
		return r == 1 ? 1 : -1;
	return statmount_id("/", AT_FDCWD) == 1 ? 0 : -1;
#else
	(void)fd;
	return -1;
#endif
}

/* The mount's (old, reusable) id among the first fields of mountinfo. */
static bool mountinfo_attached(int fd)
{
	cleanup_free char *text = NULL;
	char *line, *save = NULL;
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) < 0 ||
	    (stx.stx_mask & STATX_MNT_ID) == 0)
		return true;
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, NULL) < 0)
		return true;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		if (strtoull(line, NULL, 10) == stx.stx_mnt_id)
			return true;
	return false;
}

bool mount_fd_attached(int fd)
{
	int r = statmount_attached(fd);

	return r < 0 ? mountinfo_attached(fd) : r == 1;
}

int mount_bind_at(int source, int target, bool recursive)
{
	cleanup_close int tree = -1;
	char sp[PATH_FD_MAX], tp[PATH_FD_MAX];

	tree = (int)syscall(SYS_open_tree, source, "",
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH |
				(recursive ? AT_RECURSIVE : 0));
	if (tree < 0) {
		if (errno != ENOSYS)
			return -1;
		return mount(path_fd_path(source, sp), path_fd_path(target, tp), NULL,
			     MS_BIND | (recursive ? MS_REC : 0), NULL);
	}
	return move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

int mount_bind_attr_at(int dirfd, const char *path, int target, bool recursive, uint64_t attr_set)
{
	struct mount_attr a = {.attr_set = attr_set};
	unsigned int rec = recursive ? AT_RECURSIVE : 0;
	cleanup_close int tree = -1;

	tree = (int)syscall(SYS_open_tree, dirfd, path,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC |
				(*path == '\0' ? AT_EMPTY_PATH : 0) | rec);
	if (tree < 0)
		return -1;
	/* On the detached copy: it is never attached without them. */
	if (attr_set != 0 && mount_setattr(tree, "", AT_EMPTY_PATH | rec, &a, sizeof(a)) < 0)
		return -1;
	return move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}
