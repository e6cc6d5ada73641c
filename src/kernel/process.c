/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container process itself: its fds, oom score, no_new_privs, dumpable
 * flag, working directory, and the final execve.
 *
 * Who runs this: the container's setup child, inside the container's root,
 * still privileged (engine/proc_setup.c orders the steps).
 */
#include "kernel/process.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/sched.h>

#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* execvp's (and runc's) PATH when the environment has none. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void closedirp(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}
#define cleanup_dir __attribute__((cleanup(closedirp)))

/* Kernels before 5.11 (no CLOSE_RANGE_CLOEXEC): walk /proc/self/fd. */
static int cloexec_walk(int first, cella_error *err)
{
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return cella_err(err, errno, "open `/proc/self/fd`");
	while ((errno = 0, de = readdir(d)) != NULL) {
		long long fd;
		int flags;

		if (!parse_i64(de->d_name, 0, INT_MAX, &fd) || fd < first || fd == dirfd(d))
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags < 0) {
			if (errno == EBADF) /* closed since the listing */
				continue;
			return cella_err(err, errno, "read the flags of fd %lld", fd);
		}
		if (!(flags & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return cella_err(err, errno, "mark fd %lld close-on-exec", fd);
	}
	if (errno != 0)
		return cella_err(err, errno, "read `/proc/self/fd`");
	return 0;
}

int process_cloexec_from(int first, cella_error *err)
{
	if (first < 0)
		first = 0;
	if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* EPERM: a seccomp profile that refuses it, as ENOSYS (not there) and
	 * EINVAL (no CLOSE_RANGE_CLOEXEC). */
	if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
		return cella_err(err, errno, "close_range from fd %d (CLOSE_RANGE_CLOEXEC)", first);
	return cloexec_walk(first, err);
}

int process_set_oom_score_adj(int adj, cella_error *err)
{
	static const char path[] = "/proc/self/oom_score_adj";
	cleanup_close int fd = -1;
	char buf[16];
	int n;

	if (adj < -1000 || adj > 1000)
		return cella_err_invalid(err, "process.oomScoreAdj %d: not in [-1000, 1000]", adj);
	/* Through a verified procfs handle, not a path a fake /proc could
	 * redirect. */
	fd = procfs_open_verified("self/oom_score_adj", O_WRONLY, err);
	if (fd < 0)
		return cella_err_context(err, "set process.oomScoreAdj to %d", adj);
	n = snprintf(buf, sizeof(buf), "%d", adj);
	if (write_all(fd, buf, (size_t)n) < 0) {
		if (errno == EACCES)
			return cella_err(err, errno,
					 "set process.oomScoreAdj to %d: lowering it below its "
					 "minimum needs CAP_SYS_RESOURCE",
					 adj);
		return cella_err(err, errno, "set process.oomScoreAdj to %d: write `%s`", adj,
				 path);
	}
	return 0;
}

int process_set_no_new_privs(cella_error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cella_err(err, errno, "set process.noNewPrivileges (PR_SET_NO_NEW_PRIVS)");
	return 0;
}

int process_set_dumpable(int on, cella_error *err)
{
	if (prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0) < 0)
		return cella_err(err, errno, "prctl PR_SET_DUMPABLE %d", on ? 1 : 0);
	return 0;
}

enum candidate {
	CAND_MISSING = 0, /* no such file: keep looking */
	CAND_OK,
	CAND_DENIED, /* exists, not executable by us (or search denied) */
	CAND_DIR,
};

/* What execve would make of path, checked with the effective ids. */
static enum candidate check_candidate(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == EACCES ? CAND_DENIED : CAND_MISSING;
	if (S_ISDIR(st.st_mode))
		return CAND_DIR;
	if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return CAND_DENIED;
	return CAND_OK;
}

static int not_exec(cella_error *err, enum candidate c, const char *path)
{
	cella_err(err, 0, "%s: %s", c == CAND_DIR ? "is a directory" : "permission denied", path);
	if (err != NULL)
		err->exit_code = CELLA_EXIT_NOT_EXEC;
	return -1;
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (str_has_prefix(env[i], "PATH="))
			return env[i] + strlen("PATH=");
	return DEFAULT_PATH;
}

int process_find_executable(const char *name, char *const *env, char **out, cella_error *err)
{
	enum candidate first_bad = CAND_MISSING;
	cleanup_free char *bad_path = NULL;
	const char *p;
	enum candidate c;

	if (name == NULL || *name == '\0') {
		cella_err(err, 0, "executable file not found: process.args[0] is empty");
		if (err != NULL)
			err->exit_code = CELLA_EXIT_NOT_FOUND;
		return -1;
	}

	if (strchr(name, '/') != NULL) {
		c = check_candidate(name);
		if (c == CAND_OK) {
			*out = xstrdup(name);
			return 0;
		}
		if (c != CAND_MISSING)
			return not_exec(err, c, name);
		/* ENOENT: "No such file or directory" in the message, which
		 * podman's exec maps to exit status 127. */
		cella_err(err, ENOENT, "executable file not found: %s", name);
		if (err != NULL)
			err->exit_code = CELLA_EXIT_NOT_FOUND;
		return -1;
	}

	/* Each PATH entry in turn; an empty entry is the current directory
	 * (as execvp). A hit that cannot be executed is remembered and the
	 * search goes on, as execvp does with EACCES. */
	p = env_path(env);
	for (;;) {
		size_t len = strcspn(p, ":");
		cleanup_free char *cand = NULL;

		if (len == 0)
			cand = xasprintf("./%s", name);
		else
			cand = xasprintf("%.*s/%s", (int)len, p, name);
		c = check_candidate(cand);
		if (c == CAND_OK) {
			*out = take_ptr(&cand);
			return 0;
		}
		if (c != CAND_MISSING && first_bad == CAND_MISSING) {
			first_bad = c;
			bad_path = take_ptr(&cand);
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (first_bad != CAND_MISSING)
		return not_exec(err, first_bad, bad_path);
	cella_err(err, 0, "executable file not found in $PATH: %s", name);
	if (err != NULL)
		err->exit_code = CELLA_EXIT_NOT_FOUND;
	return -1;
}

int process_chdir(const char *cwd, cella_error *err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return cella_err(err, errno, "chdir to process.cwd `%s`", cwd);
	/* A cwd reached through an fd leaked from outside the root reads as
	 * "(unreachable)/..." from the raw syscall, and glibc turns that into
	 * ENOENT. */
	if (getcwd(buf, sizeof(buf)) == NULL) {
		if (errno == ENOENT)
			return cella_err(err, EPERM,
					 "process.cwd `%s`: the working directory is outside "
					 "the container root (or was removed)",
					 cwd);
		return cella_err(err, errno, "process.cwd `%s`: getcwd", cwd);
	}
	if (buf[0] != '/' || str_has_prefix(buf, "(unreachable)"))
		return cella_err(err, EPERM,
				 "process.cwd `%s`: the working directory `%s` is outside the "
				 "container root",
				 cwd, buf);
	return 0;
}

int process_exec(const char *path, char *const *args, char *const *env, cella_error *err)
{
	static char *const no_env[] = {NULL};
	int e;

	execve(path, args, env != NULL ? env : no_env);
	e = errno;
	cella_err(err, e, "exec %s", path);
	if (err != NULL)
		err->exit_code =
		    (e == ENOENT || e == ENOTDIR) ? CELLA_EXIT_NOT_FOUND : CELLA_EXIT_NOT_EXEC;
	return e > 0 ? -e : -1;
}

int process_set_child_subreaper(cella_error *err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return cella_err(err, errno, "become child subreaper");
	return 0;
}

int process_set_parent_death_signal(int sig, cella_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
		return cella_err(err, errno, "set parent death signal");
	return 0;
}

void process_scrub_environ(void)
{
	for (char **e = environ; e != NULL && *e != NULL; e++)
		explicit_bzero(*e, strlen(*e));
	clearenv();
}

int process_die_with_parent(pid_t parent, int link_fd, cella_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return cella_err(err, errno, "set parent death signal");
	if (parent > 0 && getppid() != parent)
		_exit(1);
	if (link_fd >= 0) {
		struct pollfd p = {.fd = link_fd, .events = POLLRDHUP};

		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
			_exit(1);
	}
	return 0;
}

int process_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

void process_kill_children(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;
		cleanup_free char *text = NULL;
		char *save = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("/proc/self/task/%s/children", de->d_name);
		if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
			continue;
		for (char *tok = strtok_r(text, " \n", &save); tok != NULL;
		     tok = strtok_r(NULL, " \n", &save)) {
			long long pid;

			if (!parse_i64(tok, 1, INT_MAX, &pid))
				continue;
			kill((pid_t)pid, SIGKILL);
			while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	closedir(d);
}

/* The kernel's struct sigaction (x86_64 and most others), for
 * rt_sigaction(2) itself: glibc's sigaction() refuses the two signals it
 * keeps for itself (32 and 33), which a caller may have ignored (or the
 * runtime caught) all the same. */
struct kernel_sigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	unsigned long mask;
};

/* Signal s back to SIG_DFL; only_ignored: only when it is SIG_IGN. */
static void signal_default(int s, bool only_ignored)
{
	struct kernel_sigaction sa = {0};

	if (s == SIGKILL || s == SIGSTOP)
		return;
	if (only_ignored &&
	    (syscall(SYS_rt_sigaction, s, NULL, &sa, sizeof(sa.mask)) < 0 || sa.handler != SIG_IGN))
		return;
	memset(&sa, 0, sizeof(sa));
	sa.handler = SIG_DFL;
	syscall(SYS_rt_sigaction, s, &sa, NULL, sizeof(sa.mask));
}

void process_default_signals(void)
{
	sigset_t none;

	for (int s = 1; s < NSIG; s++)
		signal_default(s, false);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
}

void process_sigchld_default(void)
{
	signal_default(SIGCHLD, true);
}

void process_ignored_signals_default(void)
{
	for (int s = 1; s < NSIG; s++)
		signal_default(s, true);
}

void process_close_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) < 0)
		for (int fd = first; fd < 1024; fd++)
			close(fd);
}

pid_t process_fork_sibling(cella_error *err)
{
	/* clone(2) with fork's arguments; glibc's fork handlers do not run,
	 * and none is registered in cella. The exit signal is the caller's
	 * own (SIGCHLD for a forked caller). */
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL,
				   NULL, 0UL);

	if (pid < 0)
		return cella_err(err, errno, "fork (CLONE_PARENT)");
	return pid;
}

pid_t process_fork_into_cgroup(int cgroup_fd, bool *placed, cella_error *err)
{
	pid_t pid;

	*placed = false;
	if (cgroup_fd >= 0) {
		struct clone_args args = {
		    .flags = CLONE_INTO_CGROUP,
		    .exit_signal = SIGCHLD,
		    .cgroup = (uint64_t)cgroup_fd,
		};

		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*placed = true;
			return pid;
		}
		/* ENOSYS, E2BIG: no clone3 or no cgroup field; EACCES, EPERM:
		 * not ours to move into; EOPNOTSUPP, EBUSY: a threaded or
		 * domain-invalid cgroup. The caller's cgroup.procs write then
		 * says what is wrong, if anything. */
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EACCES &&
		    errno != EPERM && errno != EOPNOTSUPP && errno != EBUSY)
			return cella_err(err, errno, "clone3 into the container's cgroup");
	}
	pid = fork();
	if (pid < 0)
		return cella_err(err, errno, "fork");
	return pid;
}

pid_t process_clone_into(int ns_flags, int cgroup_fd, bool *placed, cella_error *err)
{
	struct clone_args args = {
	    .flags = (uint64_t)(unsigned)ns_flags,
	    .exit_signal = SIGCHLD,
	};
	pid_t pid;

	*placed = false;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*placed = true;
			return pid;
		}
		/* As process_fork_into_cgroup: the cgroup.procs write that
		 * follows says what is wrong, if anything. */
		if (errno != EINVAL && errno != EACCES && errno != EPERM && errno != EOPNOTSUPP &&
		    errno != EBUSY)
			return cella_err(err, errno, "clone3 the container init");
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return cella_err(err, errno, "clone3 the container init");
	return pid;
}

int process_run_capture(char *const *argv, char **out, int *status, cella_error *err)
{
	cleanup_close int rd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2];
	pid_t pid, parent = getpid();

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "pipe for `%s`", argv[0]);
	rd = fds[0];
	pid = fork();
	if (pid < 0) {
		close(fds[1]);
		return cella_err(err, errno, "fork for `%s`", argv[0]);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		cella_error e;

		/* Not the runtime's blocked signals and handlers, nor any fd a
		 * caller of ours left open. */
		process_default_signals();
		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(fds[1], STDERR_FILENO) < 0)
			_exit(127);
		process_close_from(3);
		/* Gone with us: a runtime killed in the middle leaves no
		 * helper behind. */
		if (process_die_with_parent(parent, -1, &e) < 0) {
			dprintf(STDERR_FILENO, "%s: %s\n", e.msg, strerror(e.errnum));
			_exit(127);
		}
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "exec `%s`: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		n = read(rd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for `%s`", argv[0]);
	*out = take_ptr(&buf);
	return 0;
}
