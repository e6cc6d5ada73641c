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
#include "util/error.h"

/* SCHED_* policies by OCI name ("SCHED_BATCH"): the kernel's number, or -1
 * when unknown. */
int sched_policy_from_name(const char *name);
const char *sched_policy_name(int policy);
/* SCHED_FIFO, SCHED_RR: a priority 1..99. */
bool sched_policy_is_realtime(int policy);
/* SCHED_OTHER, SCHED_BATCH: the policies that use a nice value. */
bool sched_policy_takes_nice(int policy);
/* SCHED_DEADLINE: runtime, deadline and period. */
bool sched_policy_is_deadline(int policy);
/* SCHED_FLAG_* by OCI name: the flag's bit, or 0 when unknown. */
uint64_t sched_flag_from_name(const char *name);
/* The name of one flag bit; NULL when unknown. */
const char *sched_flag_name(uint64_t flag);
/* IOPRIO_CLASS_* ("IOPRIO_CLASS_BE"): the kernel's number, or -1. */
int ioprio_class_from_name(const char *name);
const char *ioprio_class_name(int class_);

/* A CPU list as the runtime spec writes it ("0-3,7": numbers and ranges,
 * comma-separated) into a set; an error names what is wrong (a range that
 * ends before it starts, a CPU past CPU_SETSIZE, stray text). */
int sched_parse_cpu_list(const char *list, cpu_set_t *out, cella_error *err);
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
