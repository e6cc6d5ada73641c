/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One OCI mount ("mounts" in config.json) inside the rootfs, before
 * pivot_root.
 *
 * Who runs this: the container's setup child, in its new mount namespace,
 * root of its user namespace when there is one, with the host's /proc still
 * visible at /proc. Destinations are resolved inside the rootfs (kernel/
 * path.h) and mounted through /proc/self/fd/N of the resolved O_PATH fd.
 *
 * Per type:
 *   bind (options "bind"/"rbind", or type "bind"): MS_BIND[|MS_REC], then a
 *     MS_REMOUNT|MS_BIND pass when other flags are asked. The remount keeps
 *     nosuid/nodev/noexec the source has unless the options clear them, and,
 *     in a user namespace, also ro: those flags are locked there and a
 *     remount dropping them fails with EPERM;
 *   sysfs: in a user namespace that does not own the net namespace the kernel
 *     refuses it (EPERM): the host's /sys is bind-mounted (recursively, with
 *     the mount's flags applied recursively) and a warning says so;
 *   mqueue: likewise (EPERM when the IPC namespace is not ours): the host's
 *     /dev/mqueue is bound instead, with a warning;
 *   devpts: "gid=5" is refused (EINVAL) in a user namespace that does not
 *     map gid 5: retried without the gid= option, with a warning;
 *   proc: EPERM in a user namespace gets an error that says why;
 *   cgroup / cgroup2: see mount_cgroup.c;
 *   anything else: mount(2) with the options' flags and data as given, and
 *     linux.mountLabel as context="LABEL" (SELinux) when there is one.
 * After the mount, the recursive attributes ("rro"...) are applied with
 * mount_setattr(2) and then the propagation options.
 */
#include "kernel/mount_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernel/lsm.h"
#include "kernel/path.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* Files under /proc a mount may cover (lxcfs and friends), as runc allows. */
static const char *const proc_allowed[] = {
    "/proc/cpuinfo", "/proc/diskstats",
    "/proc/meminfo", "/proc/stat",
    "/proc/swaps",   "/proc/uptime",
    "/proc/loadavg", "/proc/slabinfo",
    "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
};

char *mount_clean_path(const char *path)
{
	cleanup_free char *copy = xstrdup(path);
	char *out = xcalloc(strlen(path) + 2, 1);
	size_t len = 0;
	char *save = NULL;

	for (char *c = strtok_r(copy, "/", &save); c != NULL; c = strtok_r(NULL, "/", &save)) {
		if (strcmp(c, ".") == 0)
			continue;
		if (strcmp(c, "..") == 0) {
			while (len > 0 && out[len - 1] != '/')
				len--;
			if (len > 0)
				len--;
			out[len] = '\0';
			continue;
		}
		out[len++] = '/';
		strcpy(out + len, c);
		len += strlen(c);
	}
	if (len == 0)
		strcpy(out, "/");
	return out;
}

int mount_fd_flags(int fd, unsigned long *flags)
{
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return -errno;
	*flags = 0;
	if (sv.f_flag & ST_RDONLY)
		*flags |= MS_RDONLY;
	if (sv.f_flag & ST_NOSUID)
		*flags |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		*flags |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		*flags |= MS_NOEXEC;
	return 0;
}

uint64_t mount_flags_to_attr(unsigned long flags)
{
	uint64_t a = 0;

	if (flags & MS_RDONLY)
		a |= MOUNT_ATTR_RDONLY;
	if (flags & MS_NOSUID)
		a |= MOUNT_ATTR_NOSUID;
	if (flags & MS_NODEV)
		a |= MOUNT_ATTR_NODEV;
	if (flags & MS_NOEXEC)
		a |= MOUNT_ATTR_NOEXEC;
	return a;
}

/* What `mount X on Y` names as X. */
static const char *src_name(const struct cella_mount *m)
{
	if (m->source != NULL)
		return m->source;
	return m->type != NULL ? m->type : "none";
}

/* Refuse mounts over procfs, except the whitelisted files: a bind over
 * /proc/self/... could hand the container the runtime's own files. */
int mount_check_proc_target(int fd, const char *dest, cella_error *err)
{
	cleanup_free char *clean = mount_clean_path(dest);
	struct statfs sf;

	if (fstatfs(fd, &sf) < 0)
		return cella_err(err, errno, "statfs `%s`", dest);
	if (sf.f_type != PROC_SUPER_MAGIC || strcmp(clean, "/proc") == 0)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(proc_allowed); i++)
		if (strcmp(clean, proc_allowed[i]) == 0)
			return 0;
	return cella_err(err, EPERM, "mount on `%s`: refused, it is inside a procfs", dest);
}

/* The destination, freshly resolved: after a mount, the fd the mount was made
 * through still points under it; this one reaches the new mount's root. */
int mount_reopen(struct mount_ctx *c, const char *dest, cella_error *err)
{
	int fd = path_open_in_root(c->rootfd, dest, O_PATH);

	if (fd < 0)
		return cella_err(err, -fd, "open `%s` after mounting it", dest);
	return fd;
}

/* The recursive attributes and the propagation, after any mount. */
int mount_post(struct mount_ctx *c, const char *dest, const struct cella_mount_flags *f,
	       cella_error *err)
{
	cleanup_close int fd = -1;
	char p[PATH_FD_MAX];

	if (f->rec_attr_set == 0 && f->rec_attr_clr == 0 && f->propagation == 0)
		return 0;
	fd = mount_reopen(c, dest, err);
	if (fd < 0)
		return fd;
	if (f->rec_attr_set != 0 || f->rec_attr_clr != 0) {
		struct mount_attr a = {.attr_set = f->rec_attr_set, .attr_clr = f->rec_attr_clr};

		if (mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &a, sizeof(a)) < 0)
			return cella_err(err, errno, "set recursive attributes of `%s`", dest);
	}
	if (f->propagation != 0 && mount(NULL, path_fd_path(fd, p), NULL, f->propagation, NULL) < 0)
		return cella_err(err, errno, "set the propagation of `%s`", dest);
	return 0;
}

/* Bind the host's `host` onto target (resolved `dest`) and apply `flags`
 * (ro/nosuid/nodev/noexec) with mount_setattr, recursively when `rec`:
 * setting these is allowed even where the source's are locked. */
int mount_bind_host_path(const char *host, int target, const char *dest, bool rec,
			 unsigned long flags, cella_error *err)
{
	if (mount_bind_attr_at(AT_FDCWD, host, target, rec, mount_flags_to_attr(flags)) < 0)
		return cella_err(err, errno, "bind mount `%s` on `%s` and set its flags", host,
				 dest);
	return 0;
}

static int mount_bind(struct mount_ctx *c, const struct cella_mount *m,
		      const struct cella_mount_flags *f, cella_error *err)
{
	const char *dest = m->destination;
	unsigned long rest = f->flags & ~(MS_BIND | MS_REC | MS_REMOUNT);
	cleanup_close int src = -1, target = -1, fd = -1;
	char tp[PATH_FD_MAX];
	size_t i = (size_t)(m - c->conf->mounts);
	struct stat st;
	int r;

	if (m->source == NULL)
		return cella_err_invalid(err, "bind mount on `%s`: no source", dest);
	/* Opened by the runtime, on the host's side (mount_sources.c). */
	if (c->conf->source_fds != NULL && c->conf->source_fds[i] >= 0)
		src = take_fd(&c->conf->source_fds[i]);
	else
		src = open(m->source, O_PATH | O_CLOEXEC);
	if (src < 0 || fstat(src, &st) < 0)
		return cella_err(err, errno, "bind mount `%s` on `%s`: open the source", m->source,
				 dest);
	target = path_mkpath_in_root(c->rootfd, dest, !S_ISDIR(st.st_mode), err);
	if (target < 0)
		return cella_err_context(err, "bind mount `%s` on `%s`", m->source, dest);
	r = mount_check_proc_target(target, dest, err);
	if (r < 0)
		return r;
	if (mount_bind_at(src, target, (f->flags & MS_REC) != 0) < 0)
		return cella_err(err, errno, "bind mount `%s` on `%s`", m->source, dest);
	if (f->data != NULL)
		cella_debug("bind mount `%s` on `%s`: options `%s` ignored", m->source, dest,
			    f->data);

	/* A remount also when the options only clear flags ("rw", "suid"):
	 * the bind has the source's. */
	if (rest != 0 || f->clear != 0) {
		unsigned long have = 0, keep;

		fd = mount_reopen(c, dest, err);
		if (fd < 0)
			return fd;
		r = mount_fd_flags(fd, &have);
		if (r < 0)
			return cella_err(err, -r, "statvfs `%s`", dest);
		/* Never loosen what the source has unless asked; in a user
		 * namespace these flags are locked, so keep them regardless. */
		keep = have & (MS_NOSUID | MS_NODEV | MS_NOEXEC);
		keep &= ~f->clear;
		if (c->conf->in_userns)
			keep |= have & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RDONLY);
		if (mount(NULL, path_fd_path(fd, tp), NULL, MS_REMOUNT | MS_BIND | rest | keep,
			  NULL) < 0)
			return cella_err(err, errno, "remount `%s` on `%s` with its flags",
					 m->source, dest);
	}
	return mount_post(c, dest, f, err);
}

bool mount_is_dev_ro(const struct cella_mount *m)
{
	cleanup_free char *clean = NULL;
	bool ro = false;

	if (m->destination == NULL || m->type == NULL || strcmp(m->type, "bind") == 0 ||
	    strv_contains(m->options, "bind") || strv_contains(m->options, "rbind"))
		return false;
	clean = mount_clean_path(m->destination);
	if (strcmp(clean, "/dev") != 0)
		return false;
	for (char *const *o = m->options; o != NULL && *o != NULL; o++)
		if (strcmp(*o, "ro") == 0)
			ro = true;
		else if (strcmp(*o, "rw") == 0)
			ro = false;
	return ro;
}

/* A bind mount the runtime prepared on the host (an idmapped one, see
 * mount_idmap.c): moved onto the destination, then the options' flags set
 * with mount_setattr (recursively for rbind) and the propagation. */
static int mount_detached(struct mount_ctx *c, const struct cella_mount *m,
			  const struct cella_mount_flags *f, int tree, cella_error *err)
{
	const char *dest = m->destination;
	bool rec = (f->flags & MS_REC) != 0;
	struct mount_attr a = {.attr_set = mount_flags_to_attr(f->flags),
			       .attr_clr = mount_flags_to_attr(f->clear)};
	cleanup_close int target = -1, fd = -1;
	struct stat st;
	int r;

	if (fstat(tree, &st) < 0)
		return cella_err(err, errno, "bind mount `%s` on `%s`: stat", m->source, dest);
	target = path_mkpath_in_root(c->rootfd, dest, !S_ISDIR(st.st_mode), err);
	if (target < 0)
		return cella_err_context(err, "bind mount `%s` on `%s`", m->source, dest);
	r = mount_check_proc_target(target, dest, err);
	if (r < 0)
		return r;
	if (move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cella_err(err, errno, "move the idmapped mount of `%s` onto `%s`", m->source,
				 dest);
	if (a.attr_set != 0 || a.attr_clr != 0) {
		fd = mount_reopen(c, dest, err);
		if (fd < 0)
			return fd;
		if (mount_setattr(fd, "", AT_EMPTY_PATH | (rec ? AT_RECURSIVE : 0), &a, sizeof(a)) <
		    0)
			return cella_err(err, errno, "set the flags of `%s` bound on `%s`",
					 m->source, dest);
	}
	return mount_post(c, dest, f, err);
}

/* "a,gid=5,b" without its gid= option; malloc'd. */
static char *data_without_gid(const char *data)
{
	cleanup_free char *copy = xstrdup(data);
	char *out = xcalloc(strlen(data) + 1, 1);
	char *save = NULL;

	for (char *o = strtok_r(copy, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save)) {
		if (str_has_prefix(o, "gid="))
			continue;
		if (*out)
			strcat(out, ",");
		strcat(out, o);
	}
	return out;
}

/* A failed filesystem mount in a user namespace: the fallbacks. Returns 1
 * when none applies (then the caller reports `saved`). */
static int userns_fallback(struct mount_ctx *c, const struct cella_mount *m,
			   const struct cella_mount_flags *f, int target, int saved,
			   cella_error *err)
{
	const char *dest = m->destination, *type = m->type;
	int r;

	if (strcmp(type, "sysfs") == 0 && saved == EPERM) {
		r = mount_bind_host_path("/sys", target, dest, true, f->flags, err);
		if (r < 0)
			return cella_err_context(err, "mount `sysfs` on `%s` (%s), then", dest,
						 strerror(saved));
		cella_warn("mount `sysfs` on `%s`: %s (the network namespace is not owned by "
			   "the container's user namespace); bound the host's /sys instead",
			   dest, strerror(saved));
		return 0;
	}
	if (strcmp(type, "mqueue") == 0 && saved == EPERM) {
		r = mount_bind_host_path("/dev/mqueue", target, dest, false, f->flags, err);
		if (r < 0)
			return cella_err_context(err, "mount `mqueue` on `%s` (%s), then", dest,
						 strerror(saved));
		cella_warn("mount `mqueue` on `%s`: %s; bound the host's /dev/mqueue instead", dest,
			   strerror(saved));
		return 0;
	}
	if (strcmp(type, "devpts") == 0 && saved == EINVAL && f->data != NULL &&
	    strstr(f->data, "gid=") != NULL) {
		cleanup_free char *data = data_without_gid(f->data);

		if (mount_fs_at(src_name(m), target, type, f->flags & ~MS_REC, data, NULL) < 0)
			return cella_err(err, errno, "mount `%s` on `%s` (also without gid=)",
					 src_name(m), dest);
		cella_warn("mount `devpts` on `%s`: its gid= option is not mapped in the user "
			   "namespace; mounted without it",
			   dest);
		return 0;
	}
	if (strcmp(type, "proc") == 0 && saved == EPERM)
		return cella_err(err, saved,
				 "mount `%s` on `%s` (the kernel refuses a new procfs in a user "
				 "namespace when the visible /proc has locked mounts over parts "
				 "of it, e.g. an enclosing container's masked paths, or when the "
				 "PID namespace is not owned by the user namespace)",
				 src_name(m), dest);
	return 1;
}

/* linux.mountLabel in the data of a filesystem that takes context= (as
 * runc: not proc, sysfs, mqueue or cgroup, which are mounted without it).
 * malloc'd, NULL when no data. */
static char *labelled_data(const struct mount_ctx *c, const char *type, const char *data)
{
	static const char *const unlabelled[] = {"proc", "sysfs", "mqueue", "cgroup", "cgroup2"};

	for (size_t i = 0; i < ARRAY_SIZE(unlabelled); i++)
		if (strcmp(type, unlabelled[i]) == 0)
			return data != NULL ? xstrdup(data) : NULL;
	return lsm_mount_data(data, c->conf->mount_label);
}

/* The root of a new mount (an mqueue) labelled with linux.mountLabel. */
static int label_root(struct mount_ctx *c, const char *dest, cella_error *err)
{
	cleanup_close int fd = -1;
	char p[PATH_FD_MAX];

	if (c->conf->mount_label == NULL || c->conf->mount_label[0] == '\0')
		return 0;
	fd = mount_reopen(c, dest, err);
	if (fd < 0)
		return fd;
	return lsm_set_file_label(path_fd_path(fd, p), c->conf->mount_label, err);
}

/* /proc and /sys (and any proc or sysfs mount) go on an ordinary directory
 * of the rootfs, never through a symlink, as runc: a rootfs could point them
 * anywhere in itself, e.g. under a bind mount it controls. */
static int check_not_symlink(struct mount_ctx *c, const struct cella_mount *m, cella_error *err)
{
	cleanup_free char *clean = mount_clean_path(m->destination);
	bool special =
	    strcmp(clean, "/proc") == 0 || strcmp(clean, "/sys") == 0 ||
	    (m->type != NULL && (strcmp(m->type, "proc") == 0 || strcmp(m->type, "sysfs") == 0));
	cleanup_close int fd = -1;
	struct stat st;

	if (!special)
		return 0;
	fd = path_open_in_root(c->rootfd, clean, O_PATH | O_NOFOLLOW);
	if (fd == -ENOENT)
		return 0;
	if (fd < 0)
		return cella_err(err, -fd, "mount on `%s`: open", m->destination);
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "mount on `%s`: stat", m->destination);
	if (S_ISLNK(st.st_mode))
		return cella_err_invalid(err,
					 "mount on `%s`: `%s` in the rootfs `%s` is a symlink (it "
					 "must be an ordinary directory)",
					 m->destination, clean, c->conf->rootfs);
	return 0;
}

int mount_oci_one(struct mount_ctx *c, const struct cella_mount *m, cella_error *err)
{
	struct cella_mount_flags f = {0};
	cleanup_free char *data = NULL, *why = NULL;
	const char *dest = m->destination;
	cleanup_close int target = -1;
	int r, saved;

	if (dest == NULL)
		return cella_err_invalid(err, "mount: no destination");
	r = mount_parse_options(m->options, &f, err);
	if (r < 0)
		return cella_err_context(err, "mount on `%s`", dest);
	r = check_not_symlink(c, m, err);
	if (r < 0)
		goto out;
	if (mount_is_idmapped(m)) {
		size_t i = (size_t)(m - c->conf->mounts);

		if (c->conf->mount_fds == NULL || c->conf->mount_fds[i] < 0) {
			r = cella_err_invalid(
			    err, "mounts[%zu] (`%s`): idmapped mount not prepared", i, dest);
			goto out;
		}
		f.flags |= MS_BIND;
		r = mount_detached(c, m, &f, c->conf->mount_fds[i], err);
		goto out;
	}
	if (strv_contains(m->options, "tmpcopyup")) {
		r = cella_err(err, ENOTSUP, "mount on `%s`: option `tmpcopyup` is not supported",
			      dest);
		goto out;
	}

	if (f.bind || (m->type != NULL && strcmp(m->type, "bind") == 0)) {
		f.flags |= MS_BIND;
		r = mount_bind(c, m, &f, err);
		goto out;
	}
	if (m->type == NULL) {
		r = cella_err_invalid(err, "mount `%s` on `%s`: no type, and not a bind mount",
				      src_name(m), dest);
		goto out;
	}
	target = path_mkpath_in_root(c->rootfd, dest, false, err);
	if (target < 0) {
		r = cella_err_context(err, "mount `%s` on `%s`", src_name(m), dest);
		goto out;
	}
	r = mount_check_proc_target(target, dest, err);
	if (r < 0)
		goto out;
	if (strcmp(m->type, "cgroup") == 0 || strcmp(m->type, "cgroup2") == 0) {
		r = mount_cgroup(c, m, &f, target, err);
		goto out;
	}
	/* A read-only /dev gets its submounts, devices and console first: it
	 * is made read-only at the end (mount_finalize_rootfs), as runc. */
	if (mount_is_dev_ro(m))
		f.flags &= ~(unsigned long)MS_RDONLY;
	data = labelled_data(c, m->type, f.data);
	if (mount_fs_at(src_name(m), target, m->type, f.flags & ~MS_REC, data, &why) < 0) {
		saved = errno;
		r = 1;
		if (c->conf->in_userns)
			r = userns_fallback(c, m, &f, target, saved, err);
		if (r > 0 && why != NULL)
			r = cella_err(err, saved, "mount `%s` on `%s` (the kernel: %s)",
				      src_name(m), dest, why);
		else if (r > 0)
			r = cella_err(err, saved, "mount `%s` on `%s`", src_name(m), dest);
		if (r < 0)
			goto out;
	} else if (strcmp(m->type, "mqueue") == 0) {
		r = label_root(c, dest, err);
		if (r < 0)
			goto out;
	}
	r = mount_post(c, dest, &f, err);
out:
	mount_flags_free(&f);
	return r;
}
