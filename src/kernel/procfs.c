/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

int procfs_pidfd_open_verified(pid_t pid, unsigned long long start_time, cella_error *err)
{
	unsigned long long now;
	int fd = (int)syscall(SYS_pidfd_open, pid, 0);

	if (fd < 0)
		return cella_err(err, errno, "pidfd_open pid %d", (int)pid);
	/* The pid was the process's when we opened it if it is still its own
	 * now: a pid only ever goes to newer processes. */
	if (procfs_start_time(pid, &now, NULL) < 0 || now != start_time) {
		close(fd);
		return cella_err(err, ESRCH, "pid %d is no longer the process it was", (int)pid);
	}
	return fd;
}

int procfs_pidfd_signal(int pidfd, int sig, cella_error *err)
{
	if (syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) < 0)
		return cella_err(err, errno, "pidfd_send_signal %d", sig);
	return 0;
}

/* Fields after the command name, which may itself hold spaces and ')'.
 * /proc/PID/stat is one line of well under 1 KiB (52 numbers, a 16-byte
 * name), made whole at each read: one read of a larger buffer takes it,
 * without the second read that would find the end (list does this for
 * every container). */
enum { STAT_MAX = 4096 };

static int stat_fields(pid_t pid, char text[STAT_MAX], char **after, cella_error *err)
{
	char path[64];
	cleanup_close int fd = -1;
	ssize_t n;
	char *p;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "open `%s`", path);
	do
		n = read(fd, text, STAT_MAX - 1);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cella_err(err, errno, "read `%s`", path);
	text[n] = '\0';
	p = strrchr(text, ')');
	if (p == NULL || p[1] != ' ')
		return cella_err_invalid(err, "cannot parse `%s`", path);
	*after = p + 2;
	return 0;
}

/* The state letter and the start time, from one read of /proc/PID/stat. */
static int stat_state_start(pid_t pid, char *state, unsigned long long *out, cella_error *err)
{
	char text[STAT_MAX];
	char *p = NULL, *save = NULL, *tok;
	int field = 3; /* the first field after ')' is field 3, the state */

	if (pid <= 0)
		return cella_err(err, ESRCH, "no such process %d", (int)pid);
	if (stat_fields(pid, text, &p, err) < 0)
		return cella_err_ret(err);
	*state = *p;
	for (tok = strtok_r(p, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		if (field == 22) {
			if (!parse_u64(tok, ~0ULL, out))
				return cella_err_invalid(err, "bad starttime in /proc/%d/stat",
							 (int)pid);
			return 0;
		}
		field++;
	}
	return cella_err_invalid(err, "short /proc/%d/stat", (int)pid);
}

int procfs_start_time(pid_t pid, unsigned long long *out, cella_error *err)
{
	char state;

	return stat_state_start(pid, &state, out, err);
}

char procfs_state(pid_t pid)
{
	char text[STAT_MAX];
	char *p = NULL;

	if (pid <= 0 || stat_fields(pid, text, &p, NULL) < 0)
		return 0;
	return *p;
}

int procfs_check_alive(pid_t pid, unsigned long long start_time, cella_error *err)
{
	char st;

	return procfs_check_alive_state(pid, start_time, &st, err);
}

int procfs_check_alive_state(pid_t pid, unsigned long long start_time, char *state,
			     cella_error *err)
{
	unsigned long long now;
	char st = 0;
	cella_error e;

	*state = 0;
	if (pid <= 0)
		return 0;
	/* Gone (ENOENT, ESRCH) is an answer; anything else (EMFILE, ENOMEM)
	 * is not, and must not pass for a dead process. */
	if (stat_state_start(pid, &st, &now, &e) < 0) {
		if (e.errnum == ENOENT || e.errnum == ESRCH)
			return 0;
		if (err != NULL)
			*err = e;
		return cella_err_ret(&e);
	}
	if (now != start_time)
		return 0;
	*state = st;
	return st != 'Z' && st != 'X';
}

bool procfs_alive(pid_t pid, unsigned long long start_time)
{
	unsigned long long now;
	char st;

	if (stat_state_start(pid, &st, &now, NULL) < 0 || now != start_time)
		return false;
	return st != 'Z' && st != 'X';
}

/* The inode number of every procfs root (PROC_ROOT_INO in the kernel). */
#define PROC_ROOT_INO 1

static int open_proc_root(void)
{
	int fd = open("/proc", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct statfs sf;
	struct stat st;

	if (fd < 0)
		return -1;
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC || fstat(fd, &st) < 0 ||
	    st.st_ino != PROC_ROOT_INO) {
		close(fd);
		errno = EXDEV;
		return -1;
	}
	return fd;
}

int procfs_check_genuine(cella_error *err)
{
	int fd = open_proc_root();

	if (fd < 0)
		return errno == EXDEV || errno == ENOENT || errno == ENOTDIR
			   ? 0
			   : cella_err(err, errno, "open `/proc`");
	close(fd);
	return 1;
}

bool procfs_is_genuine(void)
{
	int fd = open_proc_root();

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int procfs_open_verified(const char *rel, int flags, cella_error *err)
{
	struct open_how how = {
	    .flags = (unsigned long long)(flags | O_NOFOLLOW | O_CLOEXEC),
	    .resolve =
		RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_NO_MAGICLINKS,
	};
	cleanup_close int root = open_proc_root();
	cleanup_free char *path = NULL;
	struct statfs sf;
	int fd;

	if (root < 0)
		return cella_err(
		    err, errno, "`/proc` is not a procfs mount, refusing to write `/proc/%s`", rel);
	/* "self" and "thread-self" are symlinks: name the pid (ours, in this
	 * procfs's pid ns), and the thread. */
	if (str_has_prefix(rel, "self/"))
		path = xasprintf("%d/%s", (int)getpid(), rel + strlen("self/"));
	else if (str_has_prefix(rel, "thread-self/"))
		path = xasprintf("%d/task/%d/%s", (int)getpid(), (int)gettid(),
				 rel + strlen("thread-self/"));
	else
		path = xstrdup(rel);
	fd = (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
	if (fd < 0)
		return cella_err(err, errno, "open `/proc/%s` (no symlink, no mount crossed)", rel);
	if (fstatfs(fd, &sf) < 0 || sf.f_type != PROC_SUPER_MAGIC) {
		close(fd);
		return cella_err(err, EXDEV, "`/proc/%s` is not on a procfs", rel);
	}
	return fd;
}
