/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scheduling of the container process: its CPU scheduler (process.scheduler,
 * sched_setattr(2)) and its I/O priority (process.ioPriority, ioprio_set(2)).
 *
 * Who runs this: the container's init (and the exec process) on itself,
 * before it gives up privileges: a real-time policy, a nice value below the
 * current one and the real-time I/O class take CAP_SYS_NICE (of the host's
 * user namespace). Both are inherited by the children it forks and kept
 * across execve.
 */
#ifndef CELLA_KERNEL_SCHED_H
#define CELLA_KERNEL_SCHED_H

#include <sched.h>
#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "spec/spec.h"
#include "spec/spec_attrs.h" /* the names, cella_parse_cpu_list */
#include "util/error.h"

/* sched_setaffinity(0, ...) to the CPUs of list; errors name field. */
int sched_apply_affinity(const char *list, const char *field, cella_error *err);

/* sched_setattr(0, ...) on the calling thread. Errors name
 * process.scheduler, with a hint for EPERM (CAP_SYS_NICE, or a cgroup
 * without real-time runtime). */
int sched_apply_scheduler(const struct cella_scheduler *s, cella_error *err);
/* The same, for process pid (the caller needs the privilege over it). */
int sched_apply_scheduler_to(pid_t pid, const struct cella_scheduler *s, cella_error *err);
/* ioprio_set(IOPRIO_WHO_PROCESS, 0, ...): the calling process. */
int sched_apply_io_priority(const struct cella_io_priority *io, cella_error *err);

#endif
