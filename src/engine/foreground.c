/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a runtime in the foreground does for the process it started (`run`,
 * `exec`): wait for it, forward signals, proxy its pty; and the pid file.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/notify.h"
#include "util/log.h"
#include "kernel/terminal.h"
#include "util/cleanup.h"
#include "util/util.h"

/* Open dirname(path) (O_PATH) and give its last component. */
static int open_parent(const char *path, const char **base, cella_error *err)
{
	const char *slash = strrchr(path, '/');
	cleanup_free char *dir = NULL;
	int fd;

	if (slash == NULL) {
		dir = xstrdup(".");
		*base = path;
	} else {
		dir = slash == path ? xstrdup("/") : xasprintf("%.*s", (int)(slash - path), path);
		*base = slash + 1;
	}
	if (**base == '\0' || strcmp(*base, ".") == 0 || strcmp(*base, "..") == 0)
		return cella_err_invalid(err, "--pid-file: `%s` names no file", path);
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "--pid-file: open the directory `%s`", dir);
	return fd;
}

/*
 * The pid, into path, whole or not at all: written into a temporary file of
 * a random name created exclusively next to it (O_EXCL|O_NOFOLLOW: in a
 * world-writable directory, nothing another user planted there, a symlink
 * or a file, is ever opened or written through), then renamed over path
 * (which replaces a symlink at path instead of following it).
 */
int engine_write_pid_file(const char *path, pid_t pid, cella_error *err)
{
	const char *base;
	cleanup_close int dirfd = open_parent(path, &base, err);
	cleanup_close int fd = -1;
	char tmp[64], buf[32];
	int n = snprintf(buf, sizeof(buf), "%d", (int)pid);

	if (dirfd < 0)
		return dirfd;
	for (int tries = 0; fd < 0; tries++) {
		uint64_t r;

		if (getrandom(&r, sizeof(r), 0) != (ssize_t)sizeof(r))
			return cella_err(err, errno, "--pid-file: getrandom");
		snprintf(tmp, sizeof(tmp), ".cella-pid.%016llx", (unsigned long long)r);
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (fd < 0 && (errno != EEXIST || tries >= 16))
			return cella_err(err, errno,
					 "--pid-file: create a temporary file next to `%s`", path);
	}
	if (write_all(fd, buf, (size_t)n) != (ssize_t)n || fsync(fd) < 0) {
		cella_err(err, errno, "--pid-file: write `%s`", path);
		unlinkat(dirfd, tmp, 0);
		return cella_err_ret(err);
	}
	if (renameat(dirfd, tmp, dirfd, base) < 0) {
		cella_err(err, errno, "--pid-file: rename to `%s`", path);
		unlinkat(dirfd, tmp, 0);
		return cella_err_ret(err);
	}
	return 0;
}

static int status_to_shell(int st)
{
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* Copy what is readable on `from` to `to`; false on EOF or error. */
static bool pump(int from, int to)
{
	char buf[8192];
	ssize_t n = read(from, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return true;
	if (n <= 0)
		return false;
	return write_all(to, buf, (size_t)n) >= 0;
}

int foreground_wait(pid_t init, int sigfd, int master, struct engine_notify *n, int *exit_status,
		    cella_error *err)
{
	bool notify_open = n != NULL && n->fd >= 0;
	bool stdin_open = master >= 0;
	bool master_open = master >= 0;
	bool exited = false;

	while (!exited || master_open) {
		struct pollfd pfd[4] = {
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = master_open ? master : -1, .events = POLLIN},
		    {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
		    {.fd = notify_open && !exited ? n->fd : -1, .events = POLLIN},
		};
		int timeout = exited ? 100 : -1; /* drain the pty briefly after exit */
		int ready = poll(pfd, 4, timeout);

		if (ready < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "poll");
		}
		if (ready == 0 && exited)
			break;
		if (pfd[3].revents & POLLIN) {
			cella_error ferr;
			/* The caller's socket is its business: said once,
			 * and the process goes on. */
			if (engine_notify_forward(n, &ferr) < 0) {
				char buf[CELLA_ERROR_MSG_MAX + 64];
				cella_warn("%s", cella_error_format(&ferr, buf, sizeof(buf)));
				notify_open = false;
			}
		}
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;
			if (read(sigfd, &si, sizeof(si)) != sizeof(si))
				continue;
			if (si.ssi_signo == SIGCHLD) {
				int st;
				pid_t r;
				while ((r = waitpid(-1, &st, WNOHANG)) > 0) {
					if (r == init) {
						*exit_status = status_to_shell(st);
						exited = true;
					}
				}
			} else if (si.ssi_signo == SIGWINCH) {
				if (master >= 0)
					terminal_copy_size(STDIN_FILENO, master, NULL);
			} else if (si.ssi_signo == SIGPIPE || si.ssi_signo == SIGTTIN ||
				   si.ssi_signo == SIGTTOU) {
				/* The runtime's own business (its stdio), not the
				 * container's. */
			} else if (!exited) {
				kill(init, (int)si.ssi_signo);
			}
		}
		if (master_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR)))
			master_open = pump(master, STDOUT_FILENO);
		if (stdin_open && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR))) {
			stdin_open = pump(STDIN_FILENO, master);
			/* End of input: the terminal's end-of-file character,
			 * as a user typing ^D. */
			if (!stdin_open)
				terminal_send_eof(master);
		}
	}
	/* What the process sent just before it exited. */
	if (notify_open) {
		cella_error ferr;
		char buf[CELLA_ERROR_MSG_MAX + 64];

		if (engine_notify_forward(n, &ferr) < 0)
			cella_warn("%s", cella_error_format(&ferr, buf, sizeof(buf)));
	}
	return 0;
}

int foreground_run(pid_t pid, const sigset_t *signals, int master, struct engine_notify *n,
		   int *exit_status, cella_error *err)
{
	cleanup_close int sigfd = signalfd(-1, signals, SFD_CLOEXEC);
	struct termios saved_tio;
	bool raw = false;
	int r;

	if (sigfd < 0)
		return cella_err(err, errno, "signalfd");
	if (master >= 0 && isatty(STDIN_FILENO)) {
		terminal_copy_size(STDIN_FILENO, master, NULL);
		if (terminal_make_raw(STDIN_FILENO, &saved_tio, NULL) == 0)
			raw = true;
	}
	r = foreground_wait(pid, sigfd, master, n, exit_status, err);
	if (raw)
		terminal_restore(STDIN_FILENO, &saved_tio);
	return r;
}
