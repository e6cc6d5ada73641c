/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Terminals: the container's pseudo-terminal. */
#ifndef CELLA_TERMINAL_H
#define CELLA_TERMINAL_H

#include <stdbool.h>
#include <termios.h>

#include "util/error.h"

/* In the container, after its /dev/pts is mounted: open /dev/ptmx, unlock,
 * open the slave. Both fds O_CLOEXEC (the slave is dup2'ed onto 0-2 later). */
int terminal_open_pty(int *master, int *slave, cella_error *err);
/* Bind the pty slave over /dev/console (created when missing; refused when
 * it is a symlink or anything but a file or a character device), fd to fd
 * (runtime-spec: /dev/console when process.terminal is true). */
int terminal_bind_console(int slave, cella_error *err);
/* setsid(), make `slave` the controlling terminal, dup2 it onto 0, 1, 2. */
int terminal_become_controlling(int slave, cella_error *err);
int terminal_set_size(int fd, unsigned rows, unsigned cols, cella_error *err);
/* Copy the window size of `from` to `to` (no-op when from is not a tty). */
int terminal_copy_size(int from, int to, cella_error *err);
/* Raw mode on fd, saving the old mode into *saved. */
int terminal_make_raw(int fd, struct termios *saved, cella_error *err);
void terminal_restore(int fd, const struct termios *saved);
/* The terminal's end-of-file character (VEOF, ^D by default): written into
 * the master, the process reading the slave sees the end of its input. */
char terminal_eof_char(int master);

#endif
