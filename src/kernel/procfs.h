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
/* 1 alive, 0 gone (or a zombie, or another process with that pid), < 0 with
 * err when /proc could not say (EMFILE, ENOMEM...). */
int procfs_check_alive(pid_t pid, unsigned long long start_time, cella_error *err);
/* The same, with the state letter of /proc/PID/stat ('S', 'D'...) in *state
 * when alive. */
int procfs_check_alive_state(pid_t pid, unsigned long long start_time, char *state,
			     cella_error *err);

/* A pidfd on the process that is pid and started at start_time: opened
 * first, then the start time checked, so that the fd names that very
 * process and never one that was given its pid after it ended. -ESRCH (with
 * err) when it is gone; -ENOSYS before Linux 5.3. */
int procfs_pidfd_open_verified(pid_t pid, unsigned long long start_time, cella_error *err);

/* pidfd_send_signal: sig to the process the pidfd names, never another
 * (a zombie takes it silently). -ESRCH when it has been reaped. */
int procfs_pidfd_signal(int pidfd, int sig, cella_error *err);

/* The process state letter (R, S, Z...); 0 when gone. */
char procfs_state(pid_t pid);

/* Open `rel` (e.g. "sys/kernel/hostname", "self/oom_score_adj",
 * "thread-self/attr/exec") under /proc
 * for writing, through a verified handle: /proc must be the root of a real
 * procfs, and the walk crosses no symlink and no mount, so that a fake
 * procfs or a bind over a /proc file cannot redirect the write
 * (CVE-2019-16884, CVE-2025-52881). Returns the fd or -1 with err set. */
int procfs_open_verified(const char *rel, int flags, cella_error *err);

/* Is /proc the root of a real procfs (not a symlink, a directory of another
 * filesystem, or a bind of a procfs subdirectory)? */
bool procfs_is_genuine(void);
/* 1 when /proc is a genuine procfs root, 0 when it is not (or absent), < 0
 * with err when that could not be told (EMFILE...). */
int procfs_check_genuine(cella_error *err);

#endif
