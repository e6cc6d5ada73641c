/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/lsm.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/util.h"

/* One attribute write is one page at most; profile names and labels are far
 * shorter. */
#define LSM_VALUE_MAX 4000

static bool is_set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static bool exists(const char *path)
{
	return access(path, F_OK) == 0;
}

bool lsm_apparmor_enabled(void)
{
	cleanup_free char *text = NULL;

	if (read_file_at(AT_FDCWD, "/sys/module/apparmor/parameters/enabled", &text, NULL) < 0 ||
	    text[0] != 'Y')
		return false;
	return exists("/proc/self/attr/apparmor/exec") || exists("/proc/self/attr/exec");
}

/* selinuxfs in /proc/filesystems ("nodev\tselinuxfs" lines). */
static bool selinuxfs_registered(void)
{
	cleanup_free char *text = NULL;
	char *line, *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/filesystems", &text, NULL) < 0)
		return false;
	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		const char *name = strrchr(line, '\t');

		if (strcmp(name != NULL ? name + 1 : line, "selinuxfs") == 0)
			return true;
	}
	return false;
}

bool lsm_selinux_enabled(void)
{
	return (exists("/sys/fs/selinux/enforce") || selinuxfs_registered()) &&
	       exists("/proc/self/attr/exec");
}

/* A value the kernel takes as one attribute: no newline (AppArmor reads a
 * write as lines), not too long. */
static int check_value(const char *field, const char *v, cella_error *err)
{
	if (strchr(v, '\n') != NULL)
		return cella_err_invalid(err, "%s: a newline in `%s`", field, v);
	if (strlen(v) > LSM_VALUE_MAX)
		return cella_err_invalid(err, "%s: longer than %d bytes", field, LSM_VALUE_MAX);
	return 0;
}

int lsm_check(const struct cella_lsm_conf *conf, cella_error *err)
{
	if (is_set(conf->apparmor_profile)) {
		if (check_value("process.apparmorProfile", conf->apparmor_profile, err) < 0)
			return cella_err_ret(err);
		if (!lsm_apparmor_enabled())
			return cella_err(err, ENOTSUP,
					 "process.apparmorProfile `%s`: AppArmor is not enabled "
					 "on this host",
					 conf->apparmor_profile);
	}
	if (is_set(conf->selinux_label)) {
		if (check_value("process.selinuxLabel", conf->selinux_label, err) < 0)
			return cella_err_ret(err);
		if (!lsm_selinux_enabled())
			return cella_err(err, ENOTSUP,
					 "process.selinuxLabel `%s`: SELinux is not enabled on "
					 "this host",
					 conf->selinux_label);
	}
	if (is_set(conf->mount_label)) {
		if (check_value("linux.mountLabel", conf->mount_label, err) < 0)
			return cella_err_ret(err);
		/* It goes into mount data as context="LABEL". */
		if (strchr(conf->mount_label, '"') != NULL)
			return cella_err_invalid(err, "linux.mountLabel: a quote in `%s`",
						 conf->mount_label);
		if (!lsm_selinux_enabled())
			return cella_err(err, ENOTSUP,
					 "linux.mountLabel `%s`: SELinux is not enabled on this "
					 "host",
					 conf->mount_label);
	}
	return 0;
}

/* Write `value` to fd (/proc/<rel>) in one write: the kernel takes an
 * attribute write whole. */
static int write_attr_fd(int fd, const char *field, const char *rel, const char *value,
			 cella_error *err)
{
	size_t len = strlen(value);
	ssize_t n;

	do
		n = write(fd, value, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cella_err(err, errno, "%s: write `%s` to `/proc/%s`", field, value, rel);
	if ((size_t)n != len)
		return cella_err(err, EIO, "%s: short write of `%s` to `/proc/%s`", field, value,
				 rel);
	return 0;
}

static int apply_apparmor(const char *profile, cella_error *err)
{
	static const char field[] = "process.apparmorProfile";
	cleanup_free char *value = xasprintf("exec %s", profile);
	const char *rel = "thread-self/attr/apparmor/exec";
	cleanup_close int fd = -1;
	cella_error first;
	int r;

	/* AppArmor's own directory (kernels >= 5.1), else the legacy file that
	 * was AppArmor's before LSM stacking. */
	fd = procfs_open_verified(rel, O_WRONLY, &first);
	if (fd < 0 && first.errnum == ENOENT) {
		rel = "thread-self/attr/exec";
		fd = procfs_open_verified(rel, O_WRONLY, err);
	} else if (fd < 0 && err != NULL) {
		*err = first;
	}
	if (fd < 0)
		return cella_err_context(err, "%s", field);
	r = write_attr_fd(fd, field, rel, value, err);
	/* The kernel answers ENOENT for a profile it does not have. */
	if (r == -ENOENT)
		return cella_err(err, ENOENT,
				 "%s `%s`: the kernel has no such profile loaded (write to "
				 "`/proc/%s`)",
				 field, profile, rel);
	return r;
}

int lsm_apply_exec(const struct cella_lsm_conf *conf, cella_error *err)
{
	if (is_set(conf->apparmor_profile) && apply_apparmor(conf->apparmor_profile, err) < 0)
		return cella_err_ret(err);
	if (is_set(conf->selinux_label)) {
		const char *rel = "thread-self/attr/exec";
		cleanup_close int fd = procfs_open_verified(rel, O_WRONLY, err);

		if (fd < 0)
			return cella_err_context(err, "process.selinuxLabel");
		if (write_attr_fd(fd, "process.selinuxLabel", rel, conf->selinux_label, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

static bool has_context_option(const char *data)
{
	cleanup_free char *copy = xstrdup(data);
	char *save = NULL;

	for (char *o = strtok_r(copy, ",", &save); o != NULL; o = strtok_r(NULL, ",", &save))
		if (str_has_prefix(o, "context="))
			return true;
	return false;
}

char *lsm_mount_data(const char *data, const char *label)
{
	if (!is_set(label) || (is_set(data) && has_context_option(data)))
		return is_set(data) ? xstrdup(data) : NULL;
	if (!is_set(data))
		return xasprintf("context=\"%s\"", label);
	return xasprintf("%s,context=\"%s\"", data, label);
}

int lsm_set_file_label(const char *path, const char *label, cella_error *err)
{
	if (!is_set(label))
		return 0;
	if (setxattr(path, "security.selinux", label, strlen(label), 0) < 0)
		return cella_err(err, errno, "linux.mountLabel: label `%s` with `%s`", path, label);
	return 0;
}
