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
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <linux/mount.h>

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

/* The console a container sees: the pty slave, bound over /dev/console.
 *
 * CVE-2025-52565: a /dev/console that is a symlink (a rootfs whose /dev is
 * not a fresh tmpfs, or a mount placed there) would have a path-based bind
 * land wherever it points, e.g. on a /proc file. So the target is opened
 * with O_NOFOLLOW and must be a regular file or a character device; the
 * bind goes fd to fd (open_tree + move_mount), with no path resolved after
 * the checks and no dependency on /proc. */
int terminal_bind_console(int slave, cella_error *err)
{
	cleanup_close int dev = -1;
	cleanup_close int target = -1;
	cleanup_close int tree = -1;
	struct stat st;

	dev = open("/dev", O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dev < 0)
		return cella_err(err, errno, "open `/dev` for the console");
	target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (target < 0 && errno == ENOENT) {
		int fd = openat(dev, "console",
				O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			return cella_err(err, errno, "create `/dev/console`");
		close(fd);
		target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	}
	if (target < 0)
		return cella_err(err, errno, "open `/dev/console`");
	if (fstat(target, &st) < 0)
		return cella_err(err, errno, "stat `/dev/console`");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		return cella_err(err, EPERM,
				 "`/dev/console` in the container is %s, not a file or a character "
				 "device: refusing to mount the console over it",
				 S_ISLNK(st.st_mode) ? "a symlink" : "of another type");
	if (fstat(slave, &st) < 0 || !S_ISCHR(st.st_mode))
		return cella_err(err, EINVAL, "the pty slave is not a character device");
	tree = (int)syscall(SYS_open_tree, slave, "",
			    AT_EMPTY_PATH | OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
	if (tree < 0)
		return cella_err(err, errno, "clone a mount of the pty slave (open_tree)");
	if (syscall(SYS_move_mount, tree, "", target, "",
		    MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
		return cella_err(err, errno, "bind the pty slave over `/dev/console`");
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

char terminal_eof_char(int master)
{
	struct termios t;

	if (tcgetattr(master, &t) == 0 && t.c_cc[VEOF] != _POSIX_VDISABLE)
		return (char)t.c_cc[VEOF];
	return 4; /* ^D */
}
