/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/ns.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/nsfs.h>

#include "util/cleanup.h"
#include "util/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* The namespace table: one row per type, in join/create order (user first,
 * so that the others are owned by it). `cella map` reads it too. */
const struct cella_ns_info cella_ns_table[CELLA_NS_COUNT] = {
    [CELLA_NS_USER] = {CELLA_NS_USER, "user", CLONE_NEWUSER, "user and group ids, capabilities"},
    [CELLA_NS_MOUNT] = {CELLA_NS_MOUNT, "mnt", CLONE_NEWNS, "mount table"},
    [CELLA_NS_PID] = {CELLA_NS_PID, "pid", CLONE_NEWPID, "process ids"},
    [CELLA_NS_NET] = {CELLA_NS_NET, "net", CLONE_NEWNET, "interfaces, routes, ports, firewall"},
    [CELLA_NS_IPC] = {CELLA_NS_IPC, "ipc", CLONE_NEWIPC, "System V IPC, POSIX message queues"},
    [CELLA_NS_UTS] = {CELLA_NS_UTS, "uts", CLONE_NEWUTS, "hostname, domainname"},
    [CELLA_NS_CGROUP] = {CELLA_NS_CGROUP, "cgroup", CLONE_NEWCGROUP, "cgroup root"},
    [CELLA_NS_TIME] = {CELLA_NS_TIME, "time", CLONE_NEWTIME, "monotonic and boot-time clocks"},
};

void ns_close_fds(int fds[CELLA_NS_COUNT])
{
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		if (fds[t] >= 0)
			close(fds[t]);
		fds[t] = -1;
	}
}

int ns_open_paths(const struct cella_ns_conf ns[CELLA_NS_COUNT], int fds[CELLA_NS_COUNT],
		  cella_error *err)
{
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		fds[t] = -1;
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		const struct cella_ns_info *info = &cella_ns_table[t];
		int fd, type;

		if (!ns[t].enabled || ns[t].path == NULL)
			continue;
		fd = open(ns[t].path, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			ns_close_fds(fds);
			return cella_err(err, errno, "open %s namespace `%s`",
					 cella_ns_type_name(info->type), ns[t].path);
		}
		fds[t] = fd;
		type = ioctl(fd, NS_GET_NSTYPE);
		if (type < 0) {
			ns_close_fds(fds);
			return cella_err(err, errno == ENOTTY ? EINVAL : errno,
					 "`%s` is not a namespace (linux.namespaces %s)",
					 ns[t].path, cella_ns_type_name(info->type));
		}
		if (type != info->clone_flag) {
			ns_close_fds(fds);
			return cella_err_invalid(err, "`%s` is not a %s namespace", ns[t].path,
						 cella_ns_type_name(info->type));
		}
	}
	return 0;
}

int ns_join(int fd, enum cella_ns_type t, cella_error *err)
{
	if (setns(fd, cella_ns_table[t].clone_flag) < 0)
		return cella_err(err, errno, "join %s namespace", cella_ns_type_name(t));
	return 0;
}

static const char *flags_names(int flags, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		if (!(flags & cella_ns_table[t].clone_flag))
			continue;
		off += (size_t)snprintf(buf + off, len - off, "%s%s", off ? "," : "",
					cella_ns_type_name(t));
		if (off >= len)
			break;
	}
	return buf;
}

int ns_unshare(int flags, cella_error *err)
{
	char names[128];

	if (flags == 0)
		return 0;
	if (unshare(flags) < 0)
		return cella_err(err, errno, "create namespaces (%s)",
				 flags_names(flags, names, sizeof(names)));
	return 0;
}

int ns_set_time_offsets(const struct cella_time_offset *monotonic,
			const struct cella_time_offset *boottime, cella_error *err)
{
	char buf[128];
	size_t len = 0;

	if (monotonic->set)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "monotonic %lld %u\n",
					(long long)monotonic->secs, monotonic->nanosecs);
	if (boottime->set)
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "boottime %lld %u\n",
					(long long)boottime->secs, boottime->nanosecs);
	if (len == 0)
		return 0;
	/* One write per line: the kernel parses a single offset per write. */
	for (char *line = buf; *line != '\0';) {
		char *nl = strchr(line, '\n');
		size_t n = (size_t)(nl - line) + 1;
		cleanup_close int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);

		if (fd < 0)
			return cella_err(err, errno, "open /proc/self/timens_offsets");
		if (write_all(fd, line, n) < 0)
			return cella_err(err, errno, "set linux.timeOffsets (%.*s)", (int)n - 1,
					 line);
		line = nl + 1;
	}
	return 0;
}

int ns_set_uts(const char *hostname, const char *domainname, cella_error *err)
{
	if (hostname != NULL && sethostname(hostname, strlen(hostname)) < 0)
		return cella_err(err, errno, "set hostname `%s`", hostname);
	if (domainname != NULL && setdomainname(domainname, strlen(domainname)) < 0)
		return cella_err(err, errno, "set domainname `%s`", domainname);
	return 0;
}

uint64_t ns_inode(int pid, enum cella_ns_type t)
{
	char path[64];
	struct stat st;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/ns/%s", cella_ns_table[t].proc_name);
	else
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid, cella_ns_table[t].proc_name);
	if (stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

bool ns_owned_by(int nsfd, int userns_fd)
{
	cleanup_close int owner = ioctl(nsfd, NS_GET_USERNS);
	struct stat a, b;

	return owner >= 0 && fstat(owner, &a) == 0 && fstat(userns_fd, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int ns_open_process(pid_t pid, int fds[CELLA_NS_COUNT], bool after_user[CELLA_NS_COUNT],
		    cella_error *err)
{
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		fds[t] = -1;
		after_user[t] = false;
	}
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		const struct cella_ns_info *info = &cella_ns_table[t];
		uint64_t theirs = ns_inode(pid, (enum cella_ns_type)t);
		char path[64];

		if (theirs == 0 || theirs == ns_inode(0, (enum cella_ns_type)t))
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", (int)pid, info->proc_name);
		fds[t] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[t] < 0) {
			int e = errno;

			ns_close_fds(fds);
			return cella_err(err, e, "open the container's %s namespace `%s`",
					 cella_ns_type_name(info->type), path);
		}
	}
	if (fds[CELLA_NS_USER] < 0)
		return 0;
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (t != CELLA_NS_USER && fds[t] >= 0)
			after_user[t] = ns_owned_by(fds[t], fds[CELLA_NS_USER]);
	return 0;
}

int ns_join_all(int fds[CELLA_NS_COUNT], const bool after_user[CELLA_NS_COUNT], cella_error *err)
{
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (t != CELLA_NS_USER && fds[t] >= 0 && !after_user[t] &&
		    ns_join(fds[t], (enum cella_ns_type)t, err) < 0)
			return cella_err_ret(err);
	if (fds[CELLA_NS_USER] >= 0 && ns_join(fds[CELLA_NS_USER], CELLA_NS_USER, err) < 0)
		return cella_err_ret(err);
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (t != CELLA_NS_USER && fds[t] >= 0 && after_user[t] &&
		    ns_join(fds[t], (enum cella_ns_type)t, err) < 0)
			return cella_err_ret(err);
	ns_close_fds(fds);
	return 0;
}

bool ns_path_is_own(const char *path, enum cella_ns_type t)
{
	char self[64];
	struct stat a, b;

	if (path == NULL)
		return false;
	snprintf(self, sizeof(self), "/proc/self/ns/%s", cella_ns_table[t].proc_name);
	return stat(path, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}
