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

/*
 * The foreground loop: one poll over the signalfd, the pty master, our stdin
 * and our stdout, every fd non-blocking and each direction buffered (as
 * systemd's PTYForward), so that no full side can stop the others: a
 * container that writes without reading while the caller floods our stdin
 * fills the stdin buffer, after which stdin is simply not read until the
 * pty takes more, while the container's output, its exit and our signals
 * (SIGTERM, SIGINT: forwarded) are still served.
 */
#define FWD_BUF 65536

struct fwd_buf {
	char data[FWD_BUF];
	size_t len;
};

struct fwd {
	int master;
	bool master_open;   /* until EOF/EIO: the slave side is gone */
	bool stdin_open;    /* until EOF or error on our stdin */
	bool eof_pending;   /* stdin ended: VEOF goes once the buffer is out */
	bool stdout_ok;	    /* until our stdout breaks: then output is dropped */
	struct fwd_buf in;  /* stdin -> master */
	struct fwd_buf out; /* master -> stdout */
	int saved_fl[3];    /* fcntl flags of master, stdin, stdout; -1 */
};

/* Read what fd has into b; false on EOF or a hard error. */
static bool buf_fill(struct fwd_buf *b, int fd)
{
	ssize_t n = read(fd, b->data + b->len, sizeof(b->data) - b->len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	b->len += (size_t)n;
	return true;
}

/* Write what b holds into fd, as much as it takes; false on a hard error. */
static bool buf_flush(struct fwd_buf *b, int fd)
{
	ssize_t n = write(fd, b->data, b->len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	memmove(b->data, b->data + n, b->len - (size_t)n);
	b->len -= (size_t)n;
	return true;
}

static void set_nonblock(struct fwd *f, int slot, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	f->saved_fl[slot] = fl;
	if (fl >= 0 && !(fl & O_NONBLOCK) && fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		f->saved_fl[slot] = -1;
}

static void restore_flags(const struct fwd *f)
{
	const int fds[3] = {f->master, STDIN_FILENO, STDOUT_FILENO};

	/* Backwards: stdin and stdout may share one file description. */
	for (int i = 2; i >= 0; i--)
		if (f->saved_fl[i] >= 0 && fds[i] >= 0)
			fcntl(fds[i], F_SETFL, f->saved_fl[i]);
}

/* One signal read from the signalfd. */
static void on_signal(pid_t init, int master, const struct signalfd_siginfo *si, bool *exited,
		      int *exit_status)
{
	if (si->ssi_signo == SIGCHLD) {
		int st;
		pid_t r;

		while ((r = waitpid(-1, &st, WNOHANG)) > 0)
			if (r == init) {
				*exit_status = status_to_shell(st);
				*exited = true;
			}
	} else if (si->ssi_signo == SIGWINCH) {
		if (master >= 0)
			terminal_copy_size(STDIN_FILENO, master, NULL);
	} else if (si->ssi_signo == SIGPIPE || si->ssi_signo == SIGTTIN ||
		   si->ssi_signo == SIGTTOU) {
		/* The runtime's own business (its stdio), not the container's. */
	} else if (!*exited) {
		kill(init, (int)si->ssi_signo);
	}
}

/* The terminal's end-of-file character, as a user typing ^D, once what
 * came before it is in. */
static void queue_eof(struct fwd *f)
{
	if (!f->eof_pending || f->in.len >= sizeof(f->in.data))
		return;
	f->in.data[f->in.len++] = terminal_eof_char(f->master);
	f->eof_pending = false;
}

/* Pass on what the container sent to its notify socket. The caller's socket
 * is its business: a failure is said once, and the process goes on. */
static void forward_notify(struct engine_notify *n, bool *open)
{
	cella_error ferr;
	char buf[CELLA_ERROR_MSG_MAX + 64];

	if (engine_notify_forward(n, &ferr) < 0) {
		cella_warn("%s", cella_error_format(&ferr, buf, sizeof(buf)));
		*open = false;
	}
}

int foreground_wait(pid_t init, int sigfd, int master, struct engine_notify *n, int *exit_status,
		    cella_error *err)
{
	bool notify_open = n != NULL && n->fd >= 0;
	struct fwd *f = xcalloc(1, sizeof(*f));
	bool exited = false;
	int r = 0;

	f->master = master;
	f->master_open = master >= 0;
	f->stdin_open = master >= 0;
	f->stdout_ok = true;
	for (int i = 0; i < 3; i++)
		f->saved_fl[i] = -1;
	if (master >= 0) {
		set_nonblock(f, 0, master);
		set_nonblock(f, 1, STDIN_FILENO);
		set_nonblock(f, 2, STDOUT_FILENO);
	}
	for (;;) {
		bool out_pending = f->stdout_ok && f->out.len > 0;
		short mev = (short)((f->out.len < sizeof(f->out.data) ? POLLIN : 0) |
				    (f->in.len > 0 ? POLLOUT : 0));
		/* A side with nothing to do is left out of the poll, or its
		 * hang-up would wake us in a loop. */
		struct pollfd pfd[5] = {
		    {.fd = sigfd, .events = POLLIN},
		    {.fd = f->master_open && mev != 0 ? master : -1, .events = mev},
		    {.fd = f->stdin_open && f->in.len < sizeof(f->in.data) ? STDIN_FILENO : -1,
		     .events = POLLIN},
		    {.fd = out_pending ? STDOUT_FILENO : -1, .events = POLLOUT},
		    {.fd = notify_open && !exited ? n->fd : -1, .events = POLLIN},
		};
		/* After the exit: what the pty still holds, briefly. */
		int ready;

		if (exited && !f->master_open && !out_pending)
			break;
		ready = poll(pfd, 5, exited ? 100 : -1);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			r = cella_err(err, errno, "poll");
			break;
		}
		if (ready == 0 && exited)
			break;
		if (pfd[4].revents & POLLIN)
			forward_notify(n, &notify_open);
		if (pfd[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sigfd, &si, sizeof(si)) == sizeof(si))
				on_signal(init, master, &si, &exited, exit_status);
		}
		if (f->master_open && (pfd[1].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) &&
		    f->out.len < sizeof(f->out.data) && !buf_fill(&f->out, master)) {
			f->master_open = false; /* EIO: the slave side is closed */
			f->in.len = 0;
		}
		if (f->master_open && (pfd[1].revents & (POLLOUT | POLLNVAL)) &&
		    !buf_flush(&f->in, master)) {
			f->master_open = false;
			f->in.len = 0;
		}
		if (f->stdin_open && (pfd[2].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) &&
		    !buf_fill(&f->in, STDIN_FILENO)) {
			f->stdin_open = false;
			f->eof_pending = true;
		}
		if (f->master_open)
			queue_eof(f);
		if (out_pending && (pfd[3].revents & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) &&
		    !buf_flush(&f->out, STDOUT_FILENO)) {
			f->stdout_ok = false; /* nobody reads us: drop the output */
			f->out.len = 0;
		}
		if (!f->stdout_ok)
			f->out.len = 0;
	}
	/* What the process sent just before it exited. */
	if (notify_open)
		forward_notify(n, &notify_open);
	restore_flags(f);
	free(f);
	return r;
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
