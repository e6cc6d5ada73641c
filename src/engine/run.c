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
#include "engine/notify.h"
#include "engine/state.h"
#include "kernel/terminal.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

int cella_run(const struct cella_create_opts *opts, bool detach, bool remove, int *exit_status,
	      cella_error *err)
{
	struct cella_create_opts o = *opts;
	struct cella_created c = {.start_r = -1, .start_w = -1};
	cleanup_close int sync_fd = -1;
	cleanup_close int master = -1;
	cleanup_close int state_fd = -1;
	cleanup_pid pid_t init = -1;
	struct engine_notify n;
	sigset_t all, saved;
	bool piped;
	int r;

	*exit_status = 0;
	engine_notify_init(&n);
	o.foreground = !detach;
	o.start_here = true;
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

	if (o.on_created != NULL) {
		struct cella_created_view v = {.pid = c.pid,
					       .id = o.id,
					       .spec = o.spec,
					       .state_dirfd = state_fd,
					       .securebits = c.securebits};

		r = o.on_created(&v, o.on_created_data, err);
		if (r < 0) {
			close(take_fd(&state_fd));
			goto out_delete;
		}
	}
	/* Still under create's lock: nobody else can act on it in between.
	 * Through the start pipe, start has seen the exec already. */
	piped = c.start_w >= 0;
	r = container_start_locked(state_fd, o.id, &c, &n, err);
	close(take_fd(&state_fd));
	if (r == 0 && !piped)
		r = container_wait_exec(sync_fd, err);
	if (r < 0) {
		/* The container's own failure (exec) has its exit code. */
		goto out_delete;
	}
	if (detach) {
		/* As start: back once the process is ready. */
		take_pid(&init);
		r = engine_notify_wait_ready(&n, err);
		goto out_mask;
	}
	r = foreground_run(init, &all, master, &n, exit_status, err);
	if (r == 0)
		take_pid(&init); /* reaped */
out_delete:
	engine_notify_close(&n);
	if (remove || r < 0) {
		cella_error derr;
		/* Kill and reap the init first (a no-op when it was reaped). */
		cella_cleanup_pidp(&init);
		init = -1;
		/* The state root's leftovers wait for the next create or
		 * delete (create tidied it when this run began). */
		if (container_delete(o.state_root, o.id, true, false, &derr) < 0 && r == 0) {
			*err = derr;
			r = cella_err_ret(err);
		}
	}
out_mask:
	engine_notify_close(&n);
	if (c.start_r >= 0)
		close(c.start_r);
	if (c.start_w >= 0)
		close(c.start_w);
	sigprocmask(SIG_SETMASK, &saved, NULL);
	return r;
}
