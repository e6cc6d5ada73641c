/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Terminals: the container's pseudo-terminal (process.terminal).
 *
 * Who runs what: the container's setup child opens the pty inside the
 * container (its own /dev/pts instance), keeps the slave as its controlling
 * terminal on fds 0-2, and sends the master to the parent. The CLI side puts
 * the user's terminal in raw mode and copies the window size.
 */
#include "kernel/terminal.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "util/cleanup.h"

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

int terminal_open_pty(int *master, int *slave, cella_error *err)
{
	cleanup_close int m = -1;
	cleanup_close int s = -1;
	char name[PATH_MAX];

	m = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (m < 0)
		return cella_err(err, errno, "open `/dev/ptmx`");
	if (unlockpt(m) < 0)
		return cella_err(err, errno, "unlock the pty master");
	/* The slave through the master itself (Linux 4.13): no path lookup
	 * that a process in the container could redirect. */
	s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (s < 0) {
		if (errno != EINVAL && errno != ENOTTY)
			return cella_err(err, errno, "open the pty slave (TIOCGPTPEER)");
		if (ptsname_r(m, name, sizeof(name)) != 0)
			return cella_err(err, errno, "find the pty slave name");
		s = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
		if (s < 0)
			return cella_err(err, errno, "open the pty slave `%s`", name);
	}
	*master = take_fd(&m);
	*slave = take_fd(&s);
	return 0;
}

int terminal_become_controlling(int slave, cella_error *err)
{
	if (setsid() < 0)
		return cella_err(err, errno, "setsid");
	if (ioctl(slave, TIOCSCTTY, 0) < 0)
		return cella_err(err, errno, "make the pty slave the controlling terminal");
	for (int fd = 0; fd <= 2; fd++) {
		if (fd == slave) {
			/* dup2 onto itself would keep O_CLOEXEC. */
			int flags = fcntl(fd, F_GETFD);
			if (flags < 0 || fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) < 0)
				return cella_err(err, errno, "clear close-on-exec on fd %d", fd);
			continue;
		}
		if (dup2(slave, fd) < 0)
			return cella_err(err, errno, "dup2 the pty slave onto fd %d", fd);
	}
	return 0;
}

int terminal_set_size(int fd, unsigned rows, unsigned cols, cella_error *err)
{
	struct winsize ws = {0};

	if (rows > USHRT_MAX || cols > USHRT_MAX)
		return cella_err_invalid(err, "set the terminal size to %ux%u: too large", rows,
					 cols);
	ws.ws_row = (unsigned short)rows;
	ws.ws_col = (unsigned short)cols;
	if (ioctl(fd, TIOCSWINSZ, &ws) < 0)
		return cella_err(err, errno, "set the terminal size to %ux%u", rows, cols);
	return 0;
}

int terminal_copy_size(int from, int to, cella_error *err)
{
	struct winsize ws;

	if (ioctl(from, TIOCGWINSZ, &ws) < 0) {
		if (errno == ENOTTY || errno == EINVAL) /* not a tty */
			return 0;
		return cella_err(err, errno, "read the terminal size of fd %d", from);
	}
	if (ioctl(to, TIOCSWINSZ, &ws) < 0)
		return cella_err(err, errno, "set the terminal size to %ux%u", (unsigned)ws.ws_row,
				 (unsigned)ws.ws_col);
	return 0;
}

int terminal_make_raw(int fd, struct termios *saved, cella_error *err)
{
	struct termios raw;

	if (tcgetattr(fd, saved) < 0)
		return cella_err(err, errno, "read the terminal mode of fd %d", fd);
	raw = *saved;
	cfmakeraw(&raw);
	if (tcsetattr(fd, TCSANOW, &raw) < 0)
		return cella_err(err, errno, "set raw mode on fd %d", fd);
	return 0;
}

void terminal_restore(int fd, const struct termios *saved)
{
	int e = errno;

	/* Best effort: the terminal may be gone by now. */
	(void)tcsetattr(fd, TCSANOW, saved);
	errno = e;
}

void terminal_send_eof(int master)
{
	struct termios t;
	char c = 4; /* ^D */

	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		c = (char)t.c_cc[VEOF];
	if (write(master, &c, 1) < 0) {
		/* the container closed its terminal: nothing to tell */
	}
}
