// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * launch: how the bench starts every command it measures.
 *
 *   launch [-m] [-n] [-u UID:GID] CMD [ARGS...]
 *     -n          in a private mount namespace where the cgroup2 mount of a
 *                 hybrid host (/sys/fs/cgroup/unified) is covered by an empty
 *                 tmpfs. crun 1.8 refuses a hybrid host; the bench runs every
 *                 OCI runtime (and the floor) so, that all pay the same cost.
 *                 The host's mounts are not touched.
 *     -u UID:GID  then drop to this user, without supplementary groups (the
 *                 rootless cases)
 *     -m          measure: fork, exec CMD in the child, wait for it and write
 *                 "MAXRSS_KIB UTIME_US STIME_US\n" of CMD and the descendants
 *                 it waited for to fd 3, in one write; exit with CMD's status.
 *
 * Why a static C program: the bench (Python) starts commands with
 * posix_spawn, whose child shares Python's memory until it execs, and Linux
 * carries the largest resident set a process ever had across exec: a peak
 * RSS read from Python's wait4 would be Python's own (15 MiB). A fork from
 * this small static program starts from its RSS (about 100 KiB) instead.
 * One exec, instead of `unshare -m sh -c 'mount ...'` (four).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

__attribute__((noreturn)) static void die(const char *what)
{
	fprintf(stderr, "launch: %s: %s\n", what, strerror(errno));
	exit(125);
}

__attribute__((noreturn)) static void usage(void)
{
	fprintf(stderr, "usage: launch [-m] [-n] [-u UID:GID] CMD [ARGS...]\n");
	exit(2);
}

static void hide_cgroup2(void)
{
	const char *unified = "/sys/fs/cgroup/unified";
	struct statfs sfs;

	if (unshare(CLONE_NEWNS) < 0)
		die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (statfs(unified, &sfs) == 0 && sfs.f_type == (typeof(sfs.f_type))CGROUP2_SUPER_MAGIC &&
	    mount("none", unified, "tmpfs", 0, NULL) < 0)
		die("cover /sys/fs/cgroup/unified");
}

static long usec(struct timeval tv)
{
	return (long)tv.tv_sec * 1000000 + (long)tv.tv_usec;
}

int main(int argc, char **argv)
{
	int measure = 0, newns = 0, drop = 0, arg, status;
	unsigned uid = 0, gid = 0;
	struct rusage ru;
	char report[96];
	pid_t pid;

	for (arg = 1; arg < argc && argv[arg][0] == '-'; arg++) {
		if (strcmp(argv[arg], "-m") == 0)
			measure = 1;
		else if (strcmp(argv[arg], "-n") == 0)
			newns = 1;
		else if (strcmp(argv[arg], "-u") == 0 && arg + 1 < argc &&
			 sscanf(argv[arg + 1], "%u:%u", &uid, &gid) == 2)
			drop = 1, arg++;
		else
			usage();
	}
	if (arg >= argc)
		usage();
	if (newns)
		hide_cgroup2();
	if (drop && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0))
		die("drop to -u");
	if (!measure) {
		execvp(argv[arg], argv + arg);
		die(argv[arg]);
	}
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		close(3);
		execvp(argv[arg], argv + arg);
		die(argv[arg]);
	}
	while (wait4(pid, &status, 0, &ru) < 0)
		if (errno != EINTR)
			die("wait4");
	snprintf(report, sizeof(report), "%ld %ld %ld\n", ru.ru_maxrss, usec(ru.ru_utime),
		 usec(ru.ru_stime));
	if (write(3, report, strlen(report)) < 0 && errno != EBADF)
		die("report");
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}
