/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "inspect/inspect.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/prctl.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/magic.h>

#include "kernel/ns.h"
#include "kernel/path.h"
#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

/* ---- the process itself ---- */

int inspect_pin(pid_t pid, cella_error *err)
{
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return cella_err(err, errno == ESRCH ? ESRCH : errno, "process %d%s", (int)pid,
				 errno == ESRCH ? " does not exist" : ": pidfd_open");
	if (!inspect_pin_alive(fd)) {
		close(fd);
		return cella_err(err, ESRCH, "process %d has exited", (int)pid);
	}
	return fd;
}

bool inspect_pin_alive(int pidfd)
{
	struct pollfd p = {.fd = pidfd, .events = POLLIN};

	/* Readable once the process has exited (a zombie included). */
	return poll(&p, 1, 0) == 0;
}

/* ---- mountinfo ---- */

/* Decode the kernel's \ooo escapes in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r != '\0'; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

void inspect_mounts_free(struct inspect_mount *m, size_t n)
{
	for (size_t i = 0; i < n && m != NULL; i++) {
		free(m[i].mountpoint);
		free(m[i].root);
		free(m[i].fstype);
		free(m[i].source);
		free(m[i].options);
		free(m[i].propagation);
	}
	free(m);
}

bool inspect_has_option(const char *options, const char *opt)
{
	size_t len = strlen(opt);

	for (const char *p = options; p != NULL && *p != '\0';) {
		const char *e = strchr(p, ',');
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == len && strncmp(p, opt, len) == 0)
			return true;
		p = e != NULL ? e + 1 : NULL;
	}
	return false;
}

static int parse_mount_line(char *line, struct inspect_mount *m, cella_error *err)
{
	char *f[6] = {NULL};
	char *save = NULL, *tok;
	cleanup_free char *opt = NULL;
	size_t i = 0;

	/* id parent major:minor root mountpoint options [optional...] - fstype
	 * source superoptions */
	for (tok = strtok_r(line, " ", &save); tok != NULL && i < 6;
	     tok = strtok_r(NULL, " ", &save))
		f[i++] = tok;
	if (i < 6)
		return cella_err_invalid(err, "mountinfo: short line");
	opt = xstrdup("");
	for (; tok != NULL && strcmp(tok, "-") != 0; tok = strtok_r(NULL, " ", &save)) {
		char *n = xasprintf("%s%s%s", opt, opt[0] != '\0' ? " " : "", tok);
		free(opt);
		opt = n;
	}
	if (tok == NULL)
		return cella_err_invalid(err, "mountinfo: no `-` separator");
	{
		char *fstype = strtok_r(NULL, " ", &save);
		char *source = strtok_r(NULL, " ", &save);

		if (fstype == NULL || source == NULL)
			return cella_err_invalid(err, "mountinfo: no filesystem type or source");
		unescape_octal(f[3]);
		unescape_octal(f[4]);
		unescape_octal(source);
		m->root = xstrdup(f[3]);
		m->mountpoint = xstrdup(f[4]);
		m->options = xstrdup(f[5]);
		m->fstype = xstrdup(fstype);
		m->source = xstrdup(source);
		m->propagation = opt[0] != '\0' ? take_ptr(&opt) : xstrdup("private");
		snprintf(m->dev, sizeof(m->dev), "%s", f[2]);
	}
	return 0;
}

int inspect_parse_mountinfo(const char *text, struct inspect_mount **out, size_t *n,
			    cella_error *err)
{
	cleanup_free char *copy = xstrdup(text);
	struct inspect_mount *v = NULL;
	size_t cnt = 0;
	char *save = NULL;

	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct inspect_mount m = {0};

		if (parse_mount_line(line, &m, err) < 0) {
			inspect_mounts_free(v, cnt);
			return cella_err_ret(err);
		}
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt++] = m;
	}
	*out = v;
	*n = cnt;
	return 0;
}

int inspect_mountinfo(pid_t pid, struct inspect_mount **out, size_t *n, cella_error *err)
{
	cleanup_free char *text = NULL;

	if (inspect_proc_file(pid, "mountinfo", &text, err) < 0)
		return cella_err_ret(err);
	return inspect_parse_mountinfo(text, out, n, err);
}

/* ---- status ---- */

static const char *status_value(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *p = text; p != NULL && *p != '\0';) {
		if (strncmp(p, key, len) == 0 && p[len] == ':')
			return p + len + 1;
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return NULL;
}

static char *status_line(const char *text, const char *key)
{
	const char *v = status_value(text, key);
	const char *e;

	if (v == NULL)
		return NULL;
	while (*v == ' ' || *v == '\t')
		v++;
	e = strchrnul(v, '\n');
	return strndup(v, (size_t)(e - v));
}

static int status_ids(const char *text, const char *key, unsigned out[4], cella_error *err)
{
	const char *v = status_value(text, key);

	if (v == NULL || sscanf(v, "%u %u %u %u", &out[0], &out[1], &out[2], &out[3]) != 4)
		return cella_err_invalid(err, "status: no `%s` line", key);
	return 0;
}

void inspect_status_clear(struct inspect_status *st)
{
	free(st->speculation_store_bypass);
	st->speculation_store_bypass = NULL;
}

int inspect_parse_status(const char *text, struct inspect_status *out, cella_error *err)
{
	struct inspect_status st = {.seccomp_mode = -1};
	unsigned ids[4];
	const char *v;

	if (status_ids(text, "Uid", ids, err) < 0)
		return cella_err_ret(err);
	for (int i = 0; i < 4; i++)
		st.uid[i] = ids[i];
	if (status_ids(text, "Gid", ids, err) < 0)
		return cella_err_ret(err);
	for (int i = 0; i < 4; i++)
		st.gid[i] = ids[i];
	v = status_value(text, "NoNewPrivs");
	st.no_new_privs = v != NULL && atoi(v) == 1;
	v = status_value(text, "Seccomp");
	if (v != NULL) {
		long mode = strtol(v, NULL, 10);
		/* The kernel knows 0, 1 and 2: anything else is unknown. */
		st.seccomp_mode = mode >= 0 && mode <= 2 ? (int)mode : -1;
	}
	v = status_value(text, "Seccomp_filters");
	if (v != NULL)
		st.seccomp_filters = atoi(v);
	v = status_value(text, "NSpid");
	if (v != NULL) {
		const char *e = strchrnul(v, '\n');
		const char *last = v;

		for (const char *p = v; p < e; p++)
			if ((*p == '\t' || *p == ' ') && p + 1 < e && isdigit((unsigned char)p[1]))
				last = p + 1;
		st.ns_pid = atoi(last);
	}
	st.speculation_store_bypass = status_line(text, "Speculation_Store_Bypass");
	*out = st;
	return 0;
}

int inspect_status(pid_t pid, struct inspect_status *out, cella_error *err)
{
	cleanup_free char *text = NULL;

	if (inspect_proc_file(pid, "status", &text, err) < 0)
		return cella_err_ret(err);
	if (inspect_parse_status(text, out, err) < 0)
		return cella_err_context(err, "/proc/%d/status", pid);
	return 0;
}

/* ---- limits ---- */

static bool limit_value(const char *s, uint64_t *out)
{
	unsigned long long v;

	if (strcmp(s, "unlimited") == 0) {
		*out = UINT64_MAX;
		return true;
	}
	if (!parse_u64(s, UINT64_MAX, &v))
		return false;
	*out = v;
	return true;
}

int inspect_parse_limits(const char *text, struct inspect_rlimit out[INSPECT_RLIMIT_MAX], size_t *n,
			 cella_error *err)
{
	cleanup_free char *copy = xstrdup(text);
	char *save = NULL;
	size_t cnt = 0;
	bool header = true;

	/* "Max open files            1024                 1048576              files" :
	 * the name is the text before the first run of two or more spaces. */
	for (char *line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		struct inspect_rlimit *r;
		char *rest = strstr(line, "  ");
		char soft[32], hard[32], unit[16] = "";
		int k;

		if (header) {
			header = false;
			continue;
		}
		if (rest == NULL || cnt == INSPECT_RLIMIT_MAX)
			return cella_err_invalid(err, "limits: unexpected line `%s`", line);
		*rest++ = '\0';
		k = sscanf(rest, "%31s %31s %15s", soft, hard, unit);
		if (k < 2)
			return cella_err_invalid(err, "limits: unexpected line `%s`", line);
		r = &out[cnt];
		memset(r, 0, sizeof(*r));
		snprintf(r->name, sizeof(r->name), "%s", line);
		if (k == 3)
			snprintf(r->unit, sizeof(r->unit), "%s", unit);
		if (!limit_value(soft, &r->soft) || !limit_value(hard, &r->hard))
			return cella_err_invalid(err, "limits: bad value in `%s`", line);
		cnt++;
	}
	*n = cnt;
	return 0;
}

int inspect_limits(pid_t pid, struct inspect_rlimit out[INSPECT_RLIMIT_MAX], size_t *n,
		   cella_error *err)
{
	cleanup_free char *text = NULL;

	if (inspect_proc_file(pid, "limits", &text, err) < 0)
		return cella_err_ret(err);
	if (inspect_parse_limits(text, out, n, err) < 0)
		return cella_err_context(err, "/proc/%d/limits", pid);
	return 0;
}

/* ---- scheduling ---- */

int inspect_parse_stat_sched(const char *text, struct inspect_sched *out, cella_error *err)
{
	const char *p = strrchr(text, ')');
	long long field[64];
	int n = 0;

	/* Fields 3.. follow the command, which may hold spaces and ')'. */
	if (p == NULL)
		return cella_err_invalid(err, "stat: no command field");
	p++;
	while (*p != '\0' && n < 64) {
		char *end;

		while (*p == ' ')
			p++;
		if (*p == '\0' || *p == '\n')
			break;
		field[n] = strtoll(p, &end, 10);
		if (end == p) /* the state letter */
			end = (char *)p + 1;
		n++;
		p = end;
	}
	/* field[k] is stat field k + 3. */
	if (n < 39)
		return cella_err_invalid(err, "stat: %d fields, expected at least 41", n + 2);
	out->nice = (int)field[19 - 3];
	out->rt_priority = (unsigned)field[40 - 3];
	out->policy = (int)field[41 - 3];
	return 0;
}

int inspect_sched(pid_t pid, struct inspect_sched *out, cella_error *err)
{
	cleanup_free char *stat = NULL, *pers = NULL, *oom = NULL;
	long io;

	memset(out, 0, sizeof(*out));
	if (inspect_proc_file(pid, "stat", &stat, err) < 0)
		return cella_err_ret(err);
	if (inspect_parse_stat_sched(stat, out, err) < 0)
		return cella_err_context(err, "/proc/%d/stat", pid);
	/* IOPRIO_WHO_PROCESS */
	io = syscall(SYS_ioprio_get, 1, pid);
	if (io >= 0) {
		out->ioprio_class = (int)(io >> 13);
		out->ioprio_level = (int)(io & 0x7); /* bits 3-12: hints */
	}
	if (inspect_proc_file(pid, "personality", &pers, NULL) == 0) {
		out->personality = strtoul(pers, NULL, 16);
		out->has_personality = true;
	}
	if (inspect_proc_file(pid, "oom_score_adj", &oom, NULL) == 0)
		out->oom_score_adj = atoi(oom);
	return 0;
}

/* ---- /proc files ---- */

int inspect_proc_file(pid_t pid, const char *name, char **out, cella_error *err)
{
	char path[128];

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/%s", name);
	else
		snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	if (read_file_at(AT_FDCWD, path, out, err) < 0)
		return cella_err_ret(err);
	return 0;
}

int inspect_count_pidns(uint64_t ino, size_t *count, size_t *unreadable, cella_error *err)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	/* /proc lists the processes of the reader's own pid namespace (those
	 * of the namespaces below it included): for that one, every entry
	 * counts, readable or not. */
	bool own = ino == ns_inode(0, CELLA_NS_PID);

	*count = 0;
	*unreadable = 0;
	if (d == NULL)
		return cella_err(err, errno, "open `/proc`");
	while ((e = readdir(d)) != NULL) {
		unsigned long long pid;
		uint64_t got;

		if (!parse_u64(e->d_name, INT32_MAX, &pid))
			continue;
		if (own) {
			(*count)++;
			continue;
		}
		got = ns_inode((int)pid, CELLA_NS_PID);
		if (got == 0)
			(*unreadable)++;
		else if (got == ino)
			(*count)++;
	}
	closedir(d);
	return 0;
}

long long inspect_map_id(const char *map_text, unsigned long long id)
{
	const char *p = map_text;

	while (p != NULL && *p != '\0') {
		unsigned long long inside, outside, len;

		if (sscanf(p, "%llu %llu %llu", &inside, &outside, &len) == 3 && id >= inside &&
		    id - inside < len)
			return (long long)(outside + (id - inside));
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return -1;
}

/* ---- paths in the root ---- */

static int open_root(pid_t pid, cella_error *err)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/root", pid);
	fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "open `%s`", path);
	return fd;
}

static bool dir_is_empty(int fd)
{
	DIR *d;
	struct dirent *e;
	bool empty = true;
	int dup_fd = fcntl(fd, F_DUPFD_CLOEXEC, 0);

	if (dup_fd < 0)
		return false;
	d = fdopendir(dup_fd);
	if (d == NULL) {
		close(dup_fd);
		return false;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
			empty = false;
			break;
		}
	closedir(d);
	return empty;
}

int inspect_path(pid_t pid, const char *path, struct inspect_path *out, cella_error *err)
{
	cleanup_close int root = -1;
	cleanup_close int fd = -1;
	struct stat st;
	struct statfs sfs;
	struct statvfs svfs;

	memset(out, 0, sizeof(*out));
	root = open_root(pid, err);
	if (root < 0)
		return cella_err_ret(err);
	fd = path_open_in_root(root, path, O_PATH);
	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return cella_err(err, -fd, "look up `%s` in the root of process %d", path, pid);
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0 || fstatvfs(fd, &svfs) < 0)
		return cella_err(err, errno, "stat `%s` in the root of process %d", path, pid);
	out->read_only = (svfs.f_flag & ST_RDONLY) != 0;
	out->tmpfs = sfs.f_type == TMPFS_MAGIC;
	if (S_ISREG(st.st_mode)) {
		out->kind = INSPECT_PATH_FILE;
		out->empty = st.st_size == 0;
	} else if (S_ISDIR(st.st_mode)) {
		cleanup_close int dfd = path_open_in_root(root, path, O_RDONLY | O_DIRECTORY);

		out->kind = INSPECT_PATH_DIR;
		out->empty = dfd >= 0 && dir_is_empty(dfd);
	} else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
		out->kind = S_ISCHR(st.st_mode) ? INSPECT_PATH_CHAR : INSPECT_PATH_BLOCK;
		out->major = major(st.st_rdev);
		out->minor = minor(st.st_rdev);
	} else {
		out->kind = INSPECT_PATH_OTHER;
	}
	return 0;
}

void inspect_devices_free(struct inspect_device *d, size_t n)
{
	for (size_t i = 0; i < n && d != NULL; i++)
		free(d[i].name);
	free(d);
}

static int cmp_dev(const void *a, const void *b)
{
	return strcmp(((const struct inspect_device *)a)->name,
		      ((const struct inspect_device *)b)->name);
}

int inspect_devices(pid_t pid, struct inspect_device **out, size_t *n, cella_error *err)
{
	cleanup_close int root = -1;
	int dfd;
	DIR *d;
	struct dirent *e;
	struct inspect_device *v = NULL;
	size_t cnt = 0;

	*out = NULL;
	*n = 0;
	root = open_root(pid, err);
	if (root < 0)
		return cella_err_ret(err);
	dfd = path_open_in_root(root, "/dev", O_RDONLY | O_DIRECTORY);
	if (dfd == -ENOENT)
		return 0;
	if (dfd < 0)
		return cella_err(err, -dfd, "open `/dev` in the root of process %d", pid);
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return cella_err(err, errno, "read `/dev` in the root of process %d", pid);
	}
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
			continue;
		v = xrealloc(v, (cnt + 1) * sizeof(*v));
		v[cnt].name = xstrdup(e->d_name);
		v[cnt].type = S_ISCHR(st.st_mode) ? 'c' : 'b';
		v[cnt].major = major(st.st_rdev);
		v[cnt].minor = minor(st.st_rdev);
		cnt++;
	}
	closedir(d);
	if (cnt > 0)
		qsort(v, cnt, sizeof(*v), cmp_dev);
	*out = v;
	*n = cnt;
	return 0;
}

/* ---- inside the namespaces ---- */

/* The child's report: records of a tag byte and a NUL-terminated value.
 *   H hostname, D domainname, C cgroup text, I interface name (starts an
 *   interface), U up flag "0"/"1", L loopback flag, A address,
 *   E errno then M message (the child failed). */
static void put(char **buf, size_t *len, char tag, const char *val)
{
	size_t l = strlen(val);

	*buf = xrealloc(*buf, *len + l + 2);
	(*buf)[(*len)++] = tag;
	memcpy(*buf + *len, val, l + 1);
	*len += l + 1;
}

static void put_ifaddrs(char **buf, size_t *len)
{
	struct ifaddrs *ifa = NULL;
	char **names = NULL;

	if (getifaddrs(&ifa) < 0)
		return;
	/* One interface record per name, in the kernel's order, then its
	 * addresses. */
	for (struct ifaddrs *i = ifa; i != NULL; i = i->ifa_next) {
		if (strv_contains(names, i->ifa_name))
			continue;
		strv_append(&names, i->ifa_name);
		put(buf, len, 'I', i->ifa_name);
		put(buf, len, 'U', (i->ifa_flags & IFF_UP) ? "1" : "0");
		put(buf, len, 'L', (i->ifa_flags & IFF_LOOPBACK) ? "1" : "0");
		for (struct ifaddrs *j = ifa; j != NULL; j = j->ifa_next) {
			char addr[INET6_ADDRSTRLEN], rec[INET6_ADDRSTRLEN + 16];
			int prefix = 0;

			if (strcmp(j->ifa_name, i->ifa_name) != 0 || j->ifa_addr == NULL)
				continue;
			if (j->ifa_addr->sa_family == AF_INET) {
				const struct sockaddr_in *a = (const void *)j->ifa_addr;
				const struct sockaddr_in *m = (const void *)j->ifa_netmask;

				inet_ntop(AF_INET, &a->sin_addr, addr, sizeof(addr));
				if (m != NULL)
					prefix = __builtin_popcount(m->sin_addr.s_addr);
			} else if (j->ifa_addr->sa_family == AF_INET6) {
				const struct sockaddr_in6 *a = (const void *)j->ifa_addr;
				const struct sockaddr_in6 *m = (const void *)j->ifa_netmask;

				inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof(addr));
				for (int b = 0; m != NULL && b < 16; b++)
					prefix += __builtin_popcount(m->sin6_addr.s6_addr[b]);
			} else {
				continue;
			}
			snprintf(rec, sizeof(rec), "%s/%d", addr, prefix);
			put(buf, len, 'A', rec);
		}
	}
	strv_free(names);
	freeifaddrs(ifa);
}

static void gather(pid_t pid, char **buf, size_t *len)
{
	struct utsname u;
	cleanup_free char *cg = NULL;

	if (uname(&u) == 0) {
		put(buf, len, 'H', u.nodename);
		put(buf, len, 'D', u.domainname);
	}
	if (inspect_proc_file(pid, "cgroup", &cg, NULL) == 0)
		put(buf, len, 'C', cg);
	put_ifaddrs(buf, len);
}

static void child_fail(int fd, int errnum, const char *msg)
{
	char *buf = NULL, num[16];
	size_t len = 0;

	snprintf(num, sizeof(num), "%d", errnum);
	put(&buf, &len, 'E', num);
	put(&buf, &len, 'M', msg);
	if (write_all(fd, buf, len) < 0) {
		/* the parent reports a short answer */
	}
	_exit(1);
}

/* The child sits in the container's namespaces but keeps the host's mount
 * namespace and root: a container process that can see it (a shared pid
 * namespace) must not reach the host through it. So before any setns it is
 * made non-dumpable (no ptrace, no /proc/PID/root or fd/ for anyone without
 * CAP_SYS_PTRACE over the host), forgets the caller's environment and keeps
 * no fd but its pipe; it never joins the pid namespace; and it joins
 * the user namespace only when it must (a caller without privilege over the
 * namespaces: root reaches them from the initial one). */
static void child_enter(pid_t pid, int fd)
{
	static const enum cella_ns_type order[] = {CELLA_NS_USER, CELLA_NS_UTS, CELLA_NS_NET,
						   CELLA_NS_CGROUP};
	int fds[4];
	char *buf = NULL;
	size_t len = 0;

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		child_fail(fd, errno, "make the inspecting child non-dumpable");
	/* Nothing of whoever ran `map` goes near the container. */
	process_scrub_environ();
	if (fd != 3) {
		if (dup3(fd, 3, O_CLOEXEC) < 0)
			child_fail(fd, errno, "move the inspecting child's pipe");
		fd = 3;
	}
	process_close_from(4);
	/* Open them all first: after joining the user namespace, /proc/PID/ns
	 * may no longer be ours to open. */
	for (size_t i = 0; i < 4; i++) {
		char path[64];

		fds[i] = -1;
		if (ns_inode(pid, order[i]) == ns_inode(0, order[i]))
			continue;
		if (order[i] == CELLA_NS_USER && geteuid() == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/ns/%s", pid,
			 cella_ns_table[order[i]].proc_name);
		fds[i] = open(path, O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0) {
			char msg[96];

			snprintf(msg, sizeof(msg), "open `%s`", path);
			child_fail(fd, errno, msg);
		}
	}
	for (size_t i = 0; i < 4; i++)
		if (fds[i] >= 0 && setns(fds[i], cella_ns_table[order[i]].clone_flag) < 0) {
			char msg[64];

			snprintf(msg, sizeof(msg), "enter the %s namespace",
				 cella_ns_type_name(order[i]));
			child_fail(fd, errno, msg);
		}
	gather(pid, &buf, &len);
	if (write_all(fd, buf, len) < 0)
		_exit(1);
	_exit(0);
}

void inspect_inside_clear(struct inspect_inside *in)
{
	free(in->hostname);
	free(in->domainname);
	free(in->cgroup);
	for (size_t i = 0; i < in->n_ifs; i++) {
		free(in->ifs[i].name);
		strv_free(in->ifs[i].addrs);
	}
	free(in->ifs);
	memset(in, 0, sizeof(*in));
}

static int decode(const char *buf, size_t len, struct inspect_inside *out, cella_error *err)
{
	int errnum = 0;

	for (size_t off = 0; off < len;) {
		char tag = buf[off];
		const char *val = buf + off + 1;
		size_t l = strnlen(val, len - off - 1);
		struct inspect_netif *cur = out->n_ifs > 0 ? &out->ifs[out->n_ifs - 1] : NULL;

		if (off + 1 + l >= len)
			return cella_err_invalid(err, "truncated answer from the inspecting child");
		switch (tag) {
		case 'H':
			out->hostname = xstrdup(val);
			break;
		case 'D':
			out->domainname = xstrdup(val);
			break;
		case 'C':
			out->cgroup = xstrdup(val);
			break;
		case 'I':
			out->ifs = xrealloc(out->ifs, (out->n_ifs + 1) * sizeof(*out->ifs));
			memset(&out->ifs[out->n_ifs], 0, sizeof(*out->ifs));
			out->ifs[out->n_ifs++].name = xstrdup(val);
			break;
		case 'U':
			if (cur != NULL)
				cur->up = val[0] == '1';
			break;
		case 'L':
			if (cur != NULL)
				cur->loopback = val[0] == '1';
			break;
		case 'A':
			if (cur != NULL)
				strv_append(&cur->addrs, val);
			break;
		case 'E':
			errnum = atoi(val);
			break;
		case 'M':
			return cella_err(err, errnum, "%s", val);
		default:
			return cella_err_invalid(err, "bad answer from the inspecting child");
		}
		off += 2 + l;
	}
	return 0;
}

int inspect_inside(pid_t pid, struct inspect_inside *out, cella_error *err)
{
	cleanup_free char *buf = NULL;
	size_t len = 0;
	int p[2];
	pid_t child;
	int status, r;

	memset(out, 0, sizeof(*out));
	if (pid == 0) {
		gather(0, &buf, &len);
		return decode(buf, len, out, err);
	}
	if (pipe2(p, O_CLOEXEC) < 0)
		return cella_err(err, errno, "pipe");
	child = fork();
	if (child < 0) {
		close(p[0]);
		close(p[1]);
		return cella_err(err, errno, "fork");
	}
	if (child == 0) {
		close(p[0]);
		child_enter(pid, p[1]);
	}
	close(p[1]);
	for (;;) {
		char chunk[4096];
		ssize_t n = read(p[0], chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf = xrealloc(buf, len + (size_t)n);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(child, &status, 0) < 0 && errno == EINTR)
		;
	r = decode(buf, len, out, err);
	if (r < 0) {
		inspect_inside_clear(out);
		return cella_err_context(err, "process %d", pid);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		inspect_inside_clear(out);
		return cella_err(err, EIO, "the child inspecting process %d failed", pid);
	}
	return 0;
}
