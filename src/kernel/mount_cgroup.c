/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container's /sys/fs/cgroup (OCI mounts of type "cgroup" and
 * "cgroup2"), inside the rootfs before pivot_root.
 *
 * Who runs this: the container's init, in its mount namespace (and user
 * and cgroup namespaces when it has them), host's /proc still visible.
 *
 * On a host with v1 hierarchies (v1 or hybrid), a "cgroup" mount is what
 * runc makes of it: a tmpfs, and in it one directory per hierarchy (named
 * as the host names it: "cpu,cpuacct", "memory", "systemd"...) showing the
 * container's own cgroup of that hierarchy, bound from the host's, plus a
 * symlink per controller of a co-mounted hierarchy ("cpu" ->
 * "cpu,cpuacct"). The container sees its limits where programs look for
 * them (memory/memory.limit_in_bytes), and no other cgroup. The cgroup
 * paths are those of /proc/self/cgroup read before the cgroup namespace was
 * made (mount_note_cgroups()). The mount's flags (ro, nosuid...) apply to
 * the tmpfs and each bind; runc does not mount the hybrid's unified
 * hierarchy there, neither does cella. A "cgroup2" mount, or a "cgroup"
 * one on a pure v2 host, is the cgroup2 filesystem (mount_cgroup()).
 */
#include "kernel/mount_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "kernel/path.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* /proc/self/cgroup and /proc/self/mountinfo before the cgroup namespace
 * (inside it, both show paths relative to its root). */
static char *saved_self_cgroup, *saved_mountinfo, *preset_mountinfo;

void mount_preset_mountinfo(char *text)
{
	free(preset_mountinfo);
	preset_mountinfo = text;
}

void mount_note_cgroups(void)
{
	cella_error ignored;

	free(saved_self_cgroup);
	free(saved_mountinfo);
	saved_self_cgroup = saved_mountinfo = NULL;
	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &saved_self_cgroup, &ignored) < 0)
		saved_self_cgroup = NULL;
	if (preset_mountinfo != NULL) {
		saved_mountinfo = preset_mountinfo;
		preset_mountinfo = NULL;
	} else if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &saved_mountinfo, &ignored) < 0) {
		saved_mountinfo = NULL;
	}
}

/* The path of our cgroup in the v1 hierarchy whose controllers are `ctrls`
 * ("cpu,cpuacct", "name=systemd"), malloc'd, or NULL. */
static char *own_v1_path(const char *ctrls)
{
	cleanup_free char *text = NULL;
	char *line, *save = NULL;
	cella_error ignored;

	if (saved_self_cgroup != NULL)
		text = xstrdup(saved_self_cgroup);
	else if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, &ignored) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *a = strchr(line, ':'), *b = a ? strchr(a + 1, ':') : NULL;

		if (b == NULL)
			continue;
		*b = '\0';
		if (strcmp(a + 1, ctrls) == 0)
			return xstrdup(b + 1);
	}
	return NULL;
}

struct v1_hier {
	char *mountpoint; /* /sys/fs/cgroup/cpu,cpuacct */
	char *root;	  /* the mount's root in the hierarchy, usually "/" */
	char *ctrls;	  /* "cpu,cpuacct", "name=systemd" */
};

/* The host's v1 hierarchies under /sys/fs/cgroup, from our mountinfo. */
static size_t host_v1_hierarchies(struct v1_hier *out, size_t max)
{
	cleanup_free char *text = NULL;
	char *line, *save = NULL;
	cella_error ignored;
	size_t n = 0;

	if (saved_mountinfo != NULL)
		text = xstrdup(saved_mountinfo);
	else if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", &text, &ignored) < 0)
		return 0;
	for (line = strtok_r(text, "\n", &save); line && n < max;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f[12] = {0}, *s2 = NULL, *tok, *sep;
		size_t k = 0;
		cleanup_free char *opts = NULL, *ctrls = NULL;

		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		for (tok = strtok_r(line, " ", &s2); tok && k < 6; tok = strtok_r(NULL, " ", &s2))
			f[k++] = tok;
		/* After " - ": fstype source superoptions. */
		k = 0;
		{
			char *s3 = NULL, *g[3] = {0};

			for (tok = strtok_r(sep + 3, " ", &s3); tok && k < 3;
			     tok = strtok_r(NULL, " ", &s3))
				g[k++] = tok;
			if (k < 3 || strcmp(g[0], "cgroup") != 0 || f[4] == NULL)
				continue;
			opts = xstrdup(g[2]);
		}
		if (!str_has_prefix(f[4], "/sys/fs/cgroup/"))
			continue;
		/* The controllers among the superoptions, in their order. */
		ctrls = xcalloc(strlen(opts) + 1, 1);
		{
			char *s4 = NULL;

			for (tok = strtok_r(opts, ",", &s4); tok; tok = strtok_r(NULL, ",", &s4)) {
				if (strcmp(tok, "rw") == 0 || strcmp(tok, "ro") == 0 ||
				    strcmp(tok, "xattr") == 0 ||
				    str_has_prefix(tok, "release_agent=") ||
				    strcmp(tok, "clone_children") == 0 ||
				    strcmp(tok, "noprefix") == 0 ||
				    strcmp(tok, "cpuset_v2_mode") == 0 ||
				    strcmp(tok, "favordynmods") == 0 || strcmp(tok, "none") == 0)
					continue;
				if (*ctrls)
					strcat(ctrls, ",");
				strcat(ctrls, tok);
			}
		}
		out[n].mountpoint = xstrdup(f[4]);
		out[n].root = xstrdup(f[3]);
		out[n].ctrls = take_ptr(&ctrls);
		n++;
	}
	return n;
}

bool mount_host_has_cgroup_v1(void)
{
	struct v1_hier h[1];
	size_t n = host_v1_hierarchies(h, 1);

	for (size_t i = 0; i < n; i++) {
		free(h[i].mountpoint);
		free(h[i].root);
		free(h[i].ctrls);
	}
	return n > 0;
}

static int v1_one(const char *dest, int dirfd, const struct v1_hier *h, unsigned long flags,
		  cella_error *err)
{
	const char *base = strrchr(h->mountpoint, '/') + 1;
	cleanup_free char *own = own_v1_path(h->ctrls);
	cleanup_free char *src = NULL, *sub = NULL;
	cleanup_close int target = -1;
	const char *rel;
	size_t rl = strlen(h->root);

	if (own == NULL)
		return cella_err(err, ENOENT, "mount `cgroup` on `%s`: no cgroup of ours in `%s`",
				 dest, h->mountpoint);
	/* Relative to the host mount's root (usually "/"). */
	rel = own;
	if (strcmp(h->root, "/") != 0) {
		if (strncmp(own, h->root, rl) != 0 || (own[rl] != '/' && own[rl] != '\0'))
			return cella_err(err, ENOENT,
					 "mount `cgroup` on `%s`: our cgroup `%s` is outside the "
					 "host's mount `%s`",
					 dest, own, h->mountpoint);
		rel = own + rl;
	}
	src = xasprintf("%s%s", h->mountpoint, strcmp(rel, "/") == 0 ? "" : rel);
	if (mkdirat(dirfd, base, 0755) < 0 && errno != EEXIST)
		return cella_err(err, errno, "mount `cgroup` on `%s`: create `%s`", dest, base);
	sub = xasprintf("%s/%s", dest, base);
	/* In the tmpfs just mounted on dirfd: no lookup in the rootfs. */
	target = openat(dirfd, base, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
	if (target < 0)
		return cella_err(err, errno, "mount `cgroup` on `%s`: open `%s`", dest, sub);
	if (mount_bind_host_path(src, target, sub, false, flags, err) < 0)
		return cella_err_ret(err);
	/* "cpu" -> "cpu,cpuacct" for a co-mounted hierarchy, as runc. */
	if (strchr(base, ',') != NULL) {
		cleanup_free char *names = xstrdup(base);
		char *s = NULL;

		for (char *t = strtok_r(names, ",", &s); t; t = strtok_r(NULL, ",", &s))
			if (symlinkat(base, dirfd, t) < 0 && errno != EEXIST)
				return cella_err(err, errno, "mount `cgroup` on `%s`: symlink `%s`",
						 dest, t);
	}
	return 0;
}

/* The v1 view: see the top of this file. */
static int mount_cgroup_v1(struct mount_ctx *c, const struct cella_mount *m,
			   const struct cella_mount_flags *f, int target, cella_error *err)
{
	const char *dest = m->destination;
	unsigned long flags = f->flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
	struct v1_hier h[32];
	size_t n = host_v1_hierarchies(h, ARRAY_SIZE(h));
	cleanup_close int dirfd = -1;
	char tp[PATH_FD_MAX];
	int r = 0;

	if (mount("tmpfs", path_fd_path(target, tp), "tmpfs",
		  (flags & ~MS_RDONLY) | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0) {
		r = cella_err(err, errno, "mount `tmpfs` on `%s` (for `cgroup`)", dest);
		goto out;
	}
	dirfd = path_open_in_root(c->rootfd, dest, O_RDONLY | O_DIRECTORY);
	if (dirfd < 0) {
		r = cella_err(err, -dirfd, "open `%s` after mounting it", dest);
		goto out;
	}
	for (size_t i = 0; i < n && r == 0; i++)
		r = v1_one(dest, dirfd, &h[i], flags, err);
	if (r == 0 && (flags & MS_RDONLY)) {
		cleanup_close int top = mount_reopen(c, dest, err);
		struct mount_attr a = {.attr_set = MOUNT_ATTR_RDONLY};

		if (top < 0)
			r = top;
		else if (mount_setattr(top, "", AT_EMPTY_PATH, &a, sizeof(a)) < 0)
			r = cella_err(err, errno, "make `%s` read-only", dest);
	}
	if (r == 0)
		r = mount_post(c, dest, f, err);
out:
	for (size_t i = 0; i < n; i++) {
		free(h[i].mountpoint);
		free(h[i].root);
		free(h[i].ctrls);
	}
	return r;
}

/* The host's cgroup2 mount point, or NULL. */
static const char *host_cgroup2(void)
{
	static const char *const cands[] = {"/sys/fs/cgroup", "/sys/fs/cgroup/unified"};
	struct statfs sf;

	for (size_t i = 0; i < ARRAY_SIZE(cands); i++)
		if (statfs(cands[i], &sf) == 0 && sf.f_type == CGROUP2_SUPER_MAGIC)
			return cands[i];
	return NULL;
}

/* This process's cgroup v2 path ("0::/a/b"), malloc'd, or NULL. */
static char *own_cgroup2(void)
{
	cleanup_free char *text = NULL;
	cella_error ignored;
	char *line, *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, &ignored) < 0)
		return NULL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (str_has_prefix(line, "0::/"))
			return xstrdup(line + 3);
	return NULL;
}

/*
 * cgroup2 mounts, and "cgroup" ones on a host without v1 hierarchies:
 *   1. a cgroup2 filesystem when the host has one mounted (it shows the
 *      container's cgroup namespace root when it has one);
 *   2. when that is refused (EPERM/EBUSY: a user namespace without its own
 *      cgroup namespace), a bind mount of the host's cgroup2 directory of
 *      this process's cgroup, so the container sees its own subtree;
 *   3. when the host has no cgroup2 at all, or 2 fails: an empty read-only
 *      tmpfs, with a warning.
 * Options' flags (ro, nosuid...) apply in every case.
 */
int mount_cgroup(struct mount_ctx *c, const struct cella_mount *m,
		 const struct cella_mount_flags *f, int target, cella_error *err)
{
	const char *dest = m->destination;
	const char *host = host_cgroup2();
	bool v2 = strcmp(m->type, "cgroup2") == 0;
	cleanup_free char *own = NULL, *src = NULL;
	char tp[PATH_FD_MAX];
	int saved;

	if (!v2 && mount_host_has_cgroup_v1())
		return mount_cgroup_v1(c, m, f, target, err);
	if (host != NULL) {
		/* v1 data (controller names) means nothing to cgroup2. */
		if (mount("cgroup2", path_fd_path(target, tp), "cgroup2", f->flags,
			  v2 ? f->data : NULL) == 0) {
			if (!v2)
				cella_debug("mount `cgroup` on `%s`: cgroup2 mounted (cella does "
					    "not set up cgroup v1 hierarchies)",
					    dest);
			return mount_post(c, dest, f, err);
		}
		saved = errno;
		if (saved != EPERM && saved != EBUSY)
			return cella_err(err, saved, "mount `cgroup2` on `%s`", dest);
		own = own_cgroup2();
		if (own != NULL) {
			src = xasprintf("%s%s", host, strcmp(own, "/") == 0 ? "" : own);
			if (mount_bind_host_path(src, target, dest, false, f->flags | MS_RDONLY,
						 err) == 0) {
				cella_warn("mount `cgroup2` on `%s`: %s; bound the host's `%s` "
					   "read-only instead",
					   dest, strerror(saved), src);
				return mount_post(c, dest, f, err);
			}
			return cella_err_context(err, "mount `cgroup2` on `%s` (%s), then", dest,
						 strerror(saved));
		}
	}
	if (mount("tmpfs", path_fd_path(target, tp), "tmpfs",
		  f->flags | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=0755") < 0)
		return cella_err(err, errno, "mount `tmpfs` on `%s` (for `%s`)", dest, m->type);
	cella_warn("mount `%s` on `%s`: no cgroup2 filesystem available; mounted an empty "
		   "read-only tmpfs",
		   m->type, dest);
	return mount_post(c, dest, f, err);
}
