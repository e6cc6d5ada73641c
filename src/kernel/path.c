/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/path.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

/* Symlinks followed while creating a path, as the kernel's MAXSYMLINKS. */
#define MAX_LINKS 40

const char *path_fd_path(int fd, char buf[PATH_FD_MAX])
{
	snprintf(buf, PATH_FD_MAX, "/proc/self/fd/%d", fd);
	return buf;
}

/* openat2, again while a rename or mount races with the lookup (EAGAIN). */
static int openat2_retried(int dirfd, const char *path, const struct open_how *how)
{
	int fd;

	for (int i = 0; i < 32; i++) {
		fd = (int)syscall(SYS_openat2, dirfd, path, how, sizeof(*how));
		if (fd >= 0)
			return fd;
		if (errno != EAGAIN && errno != EINTR)
			break;
	}
	return -errno;
}

int path_open_in_root(int rootfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};

	while (*path == '/')
		path++;
	if (*path == '\0')
		path = ".";
	return openat2_retried(rootfd, path, &how);
}

int path_open_beneath(int dirfd, const char *path, int flags)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_CLOEXEC),
	    .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};

	return openat2_retried(dirfd, path, &how);
}

/* Split path into its components, dropping "" and ".". Returns a strv. */
static char **split_path(const char *path)
{
	cleanup_free char *copy = xstrdup(path);
	char **v = xcalloc(1, sizeof(char *));
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save))
		if (strcmp(c, ".") != 0)
			strv_append(&v, c);
	return v;
}

static char *join_from(char *const *comps, size_t from)
{
	char *s = xstrdup("");
	for (size_t i = from; comps[i] != NULL; i++) {
		char *n = xasprintf("%s%s%s", s, *s ? "/" : "", comps[i]);
		free(s);
		s = n;
	}
	return s;
}

/*
 * One pass over the components of `path`: create the first missing ones.
 * Returns 0 when the whole path now exists (then *out is its fd, or -1 for
 * the root itself), 1 when a symlink was met (then *next is the path with
 * that symlink's target substituted), < 0 on error. Every lookup, the
 * parent of a component to create and the component once made included,
 * starts again from the root (RESOLVE_IN_ROOT): the rootfs is the
 * container's, and a directory of it may be removed, renamed or replaced
 * between two steps.
 */
static int walk_create(int rootfd, const char *path, const char *orig, bool last_is_file,
		       char **next, int *out, cella_error *err)
{
	cleanup_strv char **comps = split_path(path);
	cleanup_free char *prefix = xstrdup("");
	size_t n = strv_len(comps);

	*out = -1;
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *cur = xasprintf("%s%s%s", prefix, *prefix ? "/" : "", comps[i]);
		cleanup_close int fd = path_open_in_root(rootfd, cur, O_PATH | O_NOFOLLOW);
		struct stat st;

		if (fd == -ENOENT) {
			cleanup_close int parent =
			    path_open_in_root(rootfd, prefix, O_PATH | O_DIRECTORY);
			int r;

			if (parent < 0)
				return cella_err(err, -parent, "open `/%s` in the rootfs", prefix);
			if (i == n - 1 && last_is_file) {
				r = openat(parent, comps[i],
					   O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC,
					   0644);
				if (r >= 0)
					close(r);
			} else {
				r = mkdirat(parent, comps[i], 0755);
			}
			if (r < 0 && errno != EEXIST)
				return cella_err(err, errno, "create `/%s` in the rootfs", cur);
			fd = path_open_in_root(rootfd, cur, O_PATH | O_NOFOLLOW);
		}
		if (fd < 0)
			return cella_err(err, -fd, "open `/%s` in the rootfs", cur);
		if (fstat(fd, &st) < 0)
			return cella_err(err, errno, "stat `/%s` in the rootfs", cur);
		if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t len = readlinkat(fd, "", target, sizeof(target) - 1);
			cleanup_free char *rest = join_from(comps, i + 1);

			if (len < 0)
				return cella_err(err, errno, "readlink `/%s` in the rootfs", cur);
			target[len] = '\0';
			/* No trailing "/": it would demand a directory. */
			*next =
			    xasprintf("%s%s%s%s%s", target[0] == '/' ? "" : prefix,
				      target[0] == '/' ? "" : "/", target, *rest ? "/" : "", rest);
			return 1;
		}
		if (i < n - 1 && !S_ISDIR(st.st_mode))
			return cella_err(err, ENOTDIR, "resolve `%s` in the rootfs: `/%s`", orig,
					 cur);
		free(prefix);
		prefix = take_ptr(&cur);
		/* The last one, looked up in the root and not a symlink: the
		 * path's fd, without a lookup more. */
		if (i == n - 1)
			*out = take_fd(&fd);
	}
	return 0;
}

int path_mkpath_in_root(int rootfd, const char *path, bool last_is_file, cella_error *err)
{
	cleanup_free char *cur = xstrdup(path);

	for (int links = 0; links <= MAX_LINKS; links++) {
		char *next = NULL;
		int fd = path_open_in_root(rootfd, cur, O_PATH);
		int r;

		if (fd >= 0)
			return fd;
		if (fd != -ENOENT)
			return cella_err(err, -fd, "resolve `%s` in the rootfs", path);
		r = walk_create(rootfd, cur, path, last_is_file, &next, &fd, err);
		if (r < 0)
			return r;
		if (r == 0 && fd >= 0)
			return fd;
		if (r == 1) {
			free(cur);
			cur = next;
		}
	}
	return cella_err(err, ELOOP, "resolve `%s` in the rootfs", path);
}

int path_mkparent_in_root(int rootfd, const char *path, char **base, cella_error *err)
{
	cleanup_free char *dir = xstrdup(path);
	char *slash;
	size_t len = strlen(dir);
	int fd;

	while (len > 1 && dir[len - 1] == '/')
		dir[--len] = '\0';
	slash = strrchr(dir, '/');
	if (slash == NULL) {
		*base = xstrdup(dir);
		dir[0] = '\0';
	} else {
		*base = xstrdup(slash + 1);
		*(slash + 1) = '\0';
	}
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0) {
		free(take_ptr(base));
		return cella_err_invalid(err, "`%s` does not name a file", path);
	}
	fd = path_mkpath_in_root(rootfd, dir, false, err);
	if (fd < 0)
		free(take_ptr(base));
	return fd;
}
