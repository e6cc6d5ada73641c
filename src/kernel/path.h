/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Paths inside the container's rootfs, resolved without leaving it.
 *
 * Every lookup goes through openat2(2) with RESOLVE_IN_ROOT (".." and
 * absolute symlinks stop at the rootfs) and RESOLVE_NO_MAGICLINKS (no
 * /proc/self/fd/N jumps). Mounts then target the O_PATH fd through
 * path_fd_path(), so a symlink swapped in after the lookup cannot redirect
 * them. All fds are O_CLOEXEC.
 */
#ifndef CELLA_PATH_H
#define CELLA_PATH_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* openat2(rootfd, path, flags | O_CLOEXEC, RESOLVE_IN_ROOT |
 * RESOLVE_NO_MAGICLINKS); `path` may be absolute (it is taken inside the
 * root). Returns the fd, or -errno. Retries EAGAIN. */
int path_open_in_root(int rootfd, const char *path, int flags);

/* openat2(dirfd, path, flags | O_CLOEXEC, RESOLVE_BENEATH |
 * RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS): a path below dirfd with no
 * symlink anywhere (cella's own state files). Returns the fd, or -errno.
 * Retries EAGAIN. */
int path_open_beneath(int dirfd, const char *path, int flags);

/* Resolve `path` inside the root, creating what is missing: directories
 * (0755) for every component, the last one as an empty file (0644) when
 * last_is_file. Dangling symlinks met on the way are followed inside the
 * root and their targets created (as runc's securejoin does). Returns an
 * O_PATH fd on the result. */
int path_mkpath_in_root(int rootfd, const char *path, bool last_is_file, cella_error *err);

/* As path_mkpath_in_root() for the directory part of `path`; *base gets a
 * malloc'd copy of the last component, which is never "", "." or "..". */
int path_mkparent_in_root(int rootfd, const char *path, char **base, cella_error *err);

/* "/proc/self/fd/N", the path mount(2) takes to reach what fd is open on. */
#define PATH_FD_MAX 32
const char *path_fd_path(int fd, char buf[PATH_FD_MAX]);

#endif
