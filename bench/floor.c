// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * floor: the kernel work of `<runtime> run` on a `runc spec` bundle, and
 * nothing else: no JSON, no state, no handshake beyond one pipe byte. It is
 * the floor the bench measures the runtimes against (see bench/README.md).
 *
 *   floor ROOTFS [CMD [ARGS...]]     (default CMD: /bin/true)
 *
 * What it does, in the order a runtime does it:
 *   parent: a cgroup `cella-bench-floor-PID` in every mounted cgroup
 *           hierarchy (v1 controllers and cgroup2 alike), devices rules in the
 *           v1 devices controller; each v1 hierarchy's `tasks` opened; clone3
 *           with new mount, pid, net, ipc and uts namespaces (the namespaces
 *           of `runc spec`), born in the cgroup2 cgroup (CLONE_INTO_CGROUP;
 *           without it, the child's pid into its cgroup.procs); one byte to
 *           let the child go; wait; rmdir the cgroups.
 *   child:  "0" into each v1 `tasks` (a thread moving itself, which the
 *           kernel does without the global lock a cgroup.procs write takes
 *           and whose release waits for an RCU grace period: the cheapest
 *           way in that cella found); / recursively private; the rootfs bound onto itself; proc, a
 *           tmpfs /dev with the default device nodes and links, devpts,
 *           /dev/shm, mqueue, sysfs, a tmpfs /sys/fs/cgroup with the
 *           container's own cgroup of each v1 hierarchy bound read-only into
 *           it; pivot_root; the masked and read-only paths of `runc spec`; /
 *           read-only; hostname; lo up; RLIMIT_NOFILE; setsid; the bounding
 *           and effective capabilities of `runc spec`; no_new_privs; exec.
 *
 * Run as root. It touches only the cgroups it creates, and ignores SIGINT and
 * SIGTERM while its child runs so that it always removes them.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#define MAX_CGROUPS 32

struct cgroup {
	char mnt[256];	/* the hierarchy's mount point */
	char name[256]; /* the mount point's last component: cpu,cpuacct */
	char path[320]; /* mnt/cella-bench-floor-PID */
	int v2;
	int devices;
	int cpuset;
	int tasks_fd; /* v1: its `tasks`, for the child to write "0" */
};

static struct cgroup cgroups[MAX_CGROUPS];
static int n_cgroups;
static int is_parent = 1;

static void remove_cgroups(void);

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "floor: %s: %s\n", what, strerror(errno));
	if (is_parent)
		remove_cgroups();
	_exit(1);
}

static int write_file(const char *dir, const char *file, const char *text)
{
	char path[400];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

static int has_option(const char *opts, const char *name)
{
	size_t len = strlen(name);
	const char *p;

	for (p = opts; (p = strstr(p, name)) != NULL; p += len)
		if ((p == opts || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
			return 1;
	return 0;
}

/* A v1 cpuset starts empty: copy the parent's CPUs and memory nodes. */
static int copy_cpuset(const struct cgroup *c, const char *file)
{
	char buf[400];
	ssize_t n;
	int fd;

	snprintf(buf, sizeof(buf), "%s/%s", c->mnt, file);
	fd = open(buf, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return write_file(c->path, file, buf);
}

/* The cgroup hierarchies mounted now; for a mount point listed twice the
 * last entry is the visible one (the bench's wrapper covers the cgroup2
 * mount with a tmpfs). */
static void find_cgroups(void)
{
	char line[1024], dev[256], mnt[256], type[64], opts[512];
	FILE *f = fopen("/proc/self/mounts", "re");

	if (!f)
		die("open /proc/self/mounts");
	while (fgets(line, sizeof(line), f)) {
		int i, found = -1, is_cg;

		if (sscanf(line, "%255s %255s %63s %511s", dev, mnt, type, opts) != 4)
			continue;
		for (i = 0; i < n_cgroups; i++)
			if (strcmp(cgroups[i].mnt, mnt) == 0)
				found = i;
		is_cg = strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0;
		if (found >= 0 && !is_cg) {
			/* Covered: forget it. */
			cgroups[found] = cgroups[--n_cgroups];
			continue;
		}
		if (found >= 0 || !is_cg || n_cgroups == MAX_CGROUPS)
			continue;
		struct cgroup *c = &cgroups[n_cgroups++];
		const char *slash = strrchr(mnt, '/');
		snprintf(c->mnt, sizeof(c->mnt), "%s", mnt);
		snprintf(c->name, sizeof(c->name), "%s", slash ? slash + 1 : mnt);
		c->v2 = strcmp(type, "cgroup2") == 0;
		c->devices = !c->v2 && has_option(opts, "devices");
		c->cpuset = !c->v2 && has_option(opts, "cpuset");
	}
	fclose(f);
}

static const char *const device_rules[] = {
    "c *:* m",	 "b *:* m",   "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm",
    "c 1:8 rwm", "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm",
};

static void make_cgroups(void)
{
	int i;

	for (i = 0; i < n_cgroups; i++) {
		struct cgroup *c = &cgroups[i];
		snprintf(c->path, sizeof(c->path), "%s/cella-bench-floor-%d", c->mnt,
			 (int)getpid());
		if (mkdir(c->path, 0755) < 0) {
			c->path[0] = '\0';
			die("mkdir cgroup");
		}
		if (c->cpuset &&
		    (copy_cpuset(c, "cpuset.cpus") < 0 || copy_cpuset(c, "cpuset.mems") < 0))
			die("cpuset");
		if (c->devices) {
			size_t r;
			if (write_file(c->path, "devices.deny", "a") < 0)
				die("devices.deny");
			for (r = 0; r < sizeof(device_rules) / sizeof(device_rules[0]); r++)
				if (write_file(c->path, "devices.allow", device_rules[r]) < 0)
					die("devices.allow");
		}
	}
}

static void remove_cgroups(void)
{
	int i;

	for (i = 0; i < n_cgroups; i++)
		if (cgroups[i].path[0])
			rmdir(cgroups[i].path);
}

static void do_mount(const char *src, const char *dst, const char *type, unsigned long flags,
		     const char *data)
{
	if (mount(src, dst, type, flags, data) < 0) {
		fprintf(stderr, "floor: mount %s: %s\n", dst, strerror(errno));
		_exit(1);
	}
}

static void mount_dev(void)
{
	static const struct {
		const char *name;
		unsigned major, minor;
	} nodes[] = {
	    {"dev/null", 1, 3},	  {"dev/zero", 1, 5},	 {"dev/full", 1, 7},
	    {"dev/random", 1, 8}, {"dev/urandom", 1, 9}, {"dev/tty", 5, 0},
	};
	static const char *const links[][2] = {
	    {"/proc/self/fd", "dev/fd"},       {"/proc/self/fd/0", "dev/stdin"},
	    {"/proc/self/fd/1", "dev/stdout"}, {"/proc/self/fd/2", "dev/stderr"},
	    {"pts/ptmx", "dev/ptmx"},	       {"/proc/kcore", "dev/core"},
	};
	size_t i;

	do_mount("tmpfs", "dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
	for (i = 0; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
		if (mknod(nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) <
		    0)
			die(nodes[i].name);
		if (chmod(nodes[i].name, 0666) < 0)
			die(nodes[i].name);
	}
	for (i = 0; i < sizeof(links) / sizeof(links[0]); i++)
		if (symlink(links[i][0], links[i][1]) < 0)
			die(links[i][1]);
	mkdir("dev/pts", 0755);
	do_mount("devpts", "dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
		 "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mkdir("dev/shm", 0755);
	do_mount("shm", "dev/shm", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
		 "mode=1777,size=65536k");
	mkdir("dev/mqueue", 0755);
	do_mount("mqueue", "dev/mqueue", "mqueue", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
}

/* /sys/fs/cgroup as runc mounts it on a v1 host: a tmpfs with the
 * container's own cgroup of each hierarchy bound into it, all read-only. */
static void mount_cgroup_dir(void)
{
	char dst[320];
	int i;

	do_mount("tmpfs", "sys/fs/cgroup", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755");
	for (i = 0; i < n_cgroups; i++) {
		if (cgroups[i].v2)
			continue;
		snprintf(dst, sizeof(dst), "sys/fs/cgroup/%s", cgroups[i].name);
		if (mkdir(dst, 0755) < 0)
			die(dst);
		do_mount(cgroups[i].path, dst, NULL, MS_BIND | MS_REC, NULL);
		do_mount(NULL, dst, NULL,
			 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	}
	do_mount(NULL, "sys/fs/cgroup", NULL,
		 MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV, "mode=755");
}

static void mask_and_protect(void)
{
	static const char *const masked[] = {
	    "/proc/acpi",	   "/proc/asound",     "/proc/kcore",	    "/proc/keys",
	    "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug",
	    "/sys/firmware",	   "/proc/scsi",
	};
	static const char *const readonly[] = {
	    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
	};
	struct stat st;
	size_t i;

	for (i = 0; i < sizeof(masked) / sizeof(masked[0]); i++) {
		if (stat(masked[i], &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode))
			do_mount("tmpfs", masked[i], "tmpfs", MS_RDONLY, NULL);
		else
			do_mount("/dev/null", masked[i], NULL, MS_BIND, NULL);
	}
	for (i = 0; i < sizeof(readonly) / sizeof(readonly[0]); i++) {
		if (stat(readonly[i], &st) < 0)
			continue;
		do_mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL);
		do_mount(NULL, readonly[i], NULL,
			 MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	}
}

static void loopback_up(void)
{
	struct ifreq ifr;
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket");
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0)
		die("SIOCGIFFLAGS lo");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0)
		die("SIOCSIFFLAGS lo");
	close(s);
}

/* `runc spec`'s capabilities: CAP_AUDIT_WRITE, CAP_KILL,
 * CAP_NET_BIND_SERVICE in every set but the inheritable one. */
static void drop_caps(void)
{
	const unsigned long long keep =
	    (1ULL << CAP_AUDIT_WRITE) | (1ULL << CAP_KILL) | (1ULL << CAP_NET_BIND_SERVICE);
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	int cap;

	for (cap = 0; prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++)
		if (!(keep & (1ULL << cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0)
			die("PR_CAPBSET_DROP");
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = (unsigned)keep;
	data[1].effective = data[1].permitted = (unsigned)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		die("capset");
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
		die("PR_CAP_AMBIENT");
}

static void child(const char *rootfs, char **argv, int sync_fd)
{
	struct rlimit nofile = {1024, 1024};
	char c;

	if (read(sync_fd, &c, 1) != 1)
		_exit(1); /* the parent gave up */
	close(sync_fd);
	for (int i = 0; i < n_cgroups; i++)
		if (!cgroups[i].v2) {
			if (write(cgroups[i].tasks_fd, "0", 1) != 1)
				die("tasks");
			close(cgroups[i].tasks_fd);
		}
	do_mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL);
	do_mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL);
	if (chdir(rootfs) < 0)
		die("chdir rootfs");
	do_mount("proc", "proc", "proc", MS_NOSUID | MS_NOEXEC | MS_NODEV, NULL);
	mount_dev();
	do_mount("sysfs", "sys", "sysfs", MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, NULL);
	mount_cgroup_dir();
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		die("pivot_root");
	if (umount2(".", MNT_DETACH) < 0)
		die("umount old root");
	if (chdir("/") < 0)
		die("chdir /");
	mask_and_protect();
	do_mount(NULL, "/", NULL, MS_BIND | MS_REMOUNT | MS_RDONLY, NULL);
	if (sethostname("runc", 4) < 0)
		die("sethostname");
	loopback_up();
	if (setrlimit(RLIMIT_NOFILE, &nofile) < 0)
		die("setrlimit");
	if (setsid() < 0)
		die("setsid");
	drop_caps();
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die("no_new_privs");
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execv(argv[0], argv);
	die(argv[0]);
}

int main(int argc, char **argv)
{
	static char true_path[] = "/bin/true";
	char *true_argv[] = {true_path, NULL};
	char **cmd = argc > 2 ? argv + 2 : true_argv;
	struct clone_args args = {0};
	char pid_text[32];
	int sync[2], status, i, cgfd = -1;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: floor ROOTFS [CMD [ARGS...]]\n");
		return 2;
	}
	/* The cgroups must go, whatever happens to the container. */
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_IGN);
	if (pipe2(sync, O_CLOEXEC) < 0)
		die("pipe2");
	find_cgroups();
	make_cgroups();
	for (i = 0; i < n_cgroups; i++) {
		char file[400];

		if (cgroups[i].v2) {
			cgfd = open(cgroups[i].path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			continue;
		}
		snprintf(file, sizeof(file), "%s/tasks", cgroups[i].path);
		cgroups[i].tasks_fd = open(file, O_WRONLY | O_CLOEXEC);
		if (cgroups[i].tasks_fd < 0)
			die("open tasks");
	}
	args.flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
	args.exit_signal = SIGCHLD;
	if (cgfd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (unsigned long long)cgfd;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0 && cgfd >= 0) {
		/* not into that cgroup: the parent writes cgroup.procs */
		close(cgfd);
		cgfd = -1;
		args.flags &= ~(unsigned long long)CLONE_INTO_CGROUP;
		args.cgroup = 0;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	}
	if (pid < 0)
		die("clone3");
	if (pid == 0) {
		is_parent = 0;
		close(sync[1]);
		child(argv[1], cmd, sync[0]);
	}
	close(sync[0]);
	snprintf(pid_text, sizeof(pid_text), "%d", (int)pid);
	for (i = 0; i < n_cgroups; i++) {
		if (!cgroups[i].v2) {
			close(cgroups[i].tasks_fd);
			continue;
		}
		if (cgfd < 0 && write_file(cgroups[i].path, "cgroup.procs", pid_text) < 0) {
			fprintf(stderr, "floor: %s/cgroup.procs: %s\n", cgroups[i].path,
				strerror(errno));
			kill(pid, SIGKILL);
			break;
		}
	}
	if (i == n_cgroups && write(sync[1], "", 1) != 1)
		kill(pid, SIGKILL);
	close(sync[1]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			status = 1 << 8;
			break;
		}
	remove_cgroups();
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
