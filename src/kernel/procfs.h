/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Facts about processes read from /proc. */
#ifndef CELLA_PROCFS_H
#define CELLA_PROCFS_H

#include <stdbool.h>
#include <sys/types.h>

#include "util/error.h"

/* starttime (field 22 of /proc/PID/stat): with the pid, identifies a process
 * across pid reuse. -ESRCH when the process is gone. */
int procfs_start_time(pid_t pid, unsigned long long *out, cella_error *err);

/* Is pid alive, with this start time, and not a zombie? */
bool procfs_alive(pid_t pid, unsigned long long start_time);

/* The process state letter (R, S, Z...); 0 when gone. */
char procfs_state(pid_t pid);

#endif
