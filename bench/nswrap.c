// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * nswrap: run a command in a private mount namespace where the cgroup2 mount
 * of a hybrid host (/sys/fs/cgroup/unified) is covered by an empty tmpfs.
 * crun 1.8 refuses a hybrid host; the bench runs every OCI runtime (and the
 * floor) through this so that all pay the same (small) cost. The host's
 * mounts are not touched.
 *
 *   nswrap [-u UID:GID] CMD [ARGS...]
 *     -u UID:GID   then drop to this user (no supplementary groups): the
 *                  rootless cases
 *
 * One static binary and one exec, instead of `unshare -m sh -c 'mount ...'`
 * (four execs), so that its cost stays small beside a runtime's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif

static void die(const char *what)
{
	fprintf(stderr, "nswrap: %s: %s\n", what, strerror(errno));
	exit(125);
}

int main(int argc, char **argv)
{
	const char *unified = "/sys/fs/cgroup/unified";
	unsigned uid = 0, gid = 0;
	int drop = 0, arg = 1;
	struct statfs sfs;

	if (argc > 2 && strcmp(argv[1], "-u") == 0) {
		if (sscanf(argv[2], "%u:%u", &uid, &gid) != 2) {
			fprintf(stderr, "nswrap: -u wants UID:GID\n");
			return 2;
		}
		drop = 1;
		arg = 3;
	}
	if (arg >= argc) {
		fprintf(stderr, "usage: nswrap [-u UID:GID] CMD [ARGS...]\n");
		return 2;
	}
	if (unshare(CLONE_NEWNS) < 0)
		die("unshare");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		die("make / private");
	if (statfs(unified, &sfs) == 0 && sfs.f_type == CGROUP2_SUPER_MAGIC &&
	    mount("none", unified, "tmpfs", 0, NULL) < 0)
		die("cover /sys/fs/cgroup/unified");
	if (drop && (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0))
		die("drop to -u");
	execvp(argv[arg], argv + arg);
	die(argv[arg]);
}
