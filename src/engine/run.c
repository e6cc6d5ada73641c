/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella_run: create + start + wait, the one path both front doors take.
 *
 * The runtime stays in the foreground as the container init's parent (it is
 * a child subreaper, so it adopts the init when the setup process exits),
 * forwards the signals it receives to the init, proxies the pty when the
 * process has a terminal, and returns the init's exit status.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/state.h"
#include "kernel/terminal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

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

static int wait_loop(pid_t init, int sigfd, int master, int *exit_status, cella_error *err)
{
	bool stdin_open = master >= 0;
	bool master_open = master >= 0;
	bool exited = false;

	while (!exited || master_open) {
		struct pollfd pfd[3] = {
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = master_open ? master : -1, .events = POLLIN},
		    {.fd = stdin_open ? STDIN_FILENO : -1, .events = POLLIN},
		};
		int timeout = exited ? 100 : -1; /* drain the pty briefly after exit */
		int n = poll(pfd, 3, timeout);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "poll");
		}
		if (n == 0 && exited)
			break;
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
			} else {
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
	return 0;
}

int cella_run(const struct cella_create_opts *opts, bool detach, bool remove, int *exit_status,
	      cella_error *err)
{
	struct cella_create_opts o = *opts;
	struct cella_created c;
	cleanup_close int sigfd = -1;
	cleanup_close int sync_fd = -1;
	cleanup_close int master = -1;
	cleanup_close int state_fd = -1;
	cleanup_pid pid_t init = -1;
	struct termios saved_tio;
	bool raw = false;
	sigset_t all, saved;
	int r;

	*exit_status = 0;
	o.foreground = !detach;
	/* Block every signal: they are read from a signalfd and forwarded. The
	 * container's processes get the mask we had (restored in the child). */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGABRT);
	sigprocmask(SIG_BLOCK, &all, &saved);
	r = container_create(&o, &saved, &c, err);
	if (r < 0)
		goto out_mask;
	init = c.pid;
	sync_fd = c.sync_fd;
	master = c.pty_master;
	state_fd = c.state_fd;

	/* Still under create's lock: nobody else can act on it in between. */
	r = container_start_locked(state_fd, o.id, err);
	close(take_fd(&state_fd));
	if (r == 0)
		r = container_wait_exec(sync_fd, err);
	if (r < 0) {
		/* The container's own failure (exec) has its exit code. */
		goto out_delete;
	}
	if (detach) {
		take_pid(&init);
		r = 0;
		goto out_mask;
	}
	sigfd = signalfd(-1, &all, SFD_CLOEXEC);
	if (sigfd < 0) {
		r = cella_err(err, errno, "signalfd");
		goto out_delete;
	}
	if (master >= 0 && isatty(STDIN_FILENO)) {
		terminal_copy_size(STDIN_FILENO, master, NULL);
		if (terminal_make_raw(STDIN_FILENO, &saved_tio, NULL) == 0)
			raw = true;
	}
	r = wait_loop(init, sigfd, master, exit_status, err);
	if (raw)
		terminal_restore(STDIN_FILENO, &saved_tio);
	if (r == 0)
		take_pid(&init); /* reaped */
out_delete:
	if (remove || r < 0) {
		cella_error derr;
		/* Kill and reap the init first (a no-op when it was reaped). */
		cella_cleanup_pidp(&init);
		init = -1;
		if (cella_delete(o.state_root, o.id, true, &derr) < 0 && r == 0) {
			*err = derr;
			r = cella_err_ret(err);
		}
	}
out_mask:
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
