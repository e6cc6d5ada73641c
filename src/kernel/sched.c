/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container process's CPU scheduler and I/O priority (see sched.h).
 *
 * glibc (2.36) has no sched_setattr wrapper nor struct sched_attr, and no
 * header names the I/O priority classes: the kernel's ABI is spelled out
 * here, from include/uapi/linux/sched.h, sched/types.h and ioprio.h.
 */
#include "kernel/sched.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util.h"

/* struct sched_attr, SCHED_ATTR_SIZE_VER1 (Linux 5.3); an older kernel
 * accepts the larger size as long as the fields it does not know are 0. */
struct kernel_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

#define K_SCHED_FLAG_UTIL_CLAMP (0x20 | 0x40)

#define K_IOPRIO_CLASS_SHIFT 13
#define K_IOPRIO_WHO_PROCESS 1

/* "SCHED_FIFO priority 1", for messages. */
static void describe(const struct cella_scheduler *s, char *buf, size_t len)
{
	const char *name = cella_sched_policy_name(s->policy);

	if (name == NULL)
		name = "policy ?";
	if (cella_sched_policy_is_realtime(s->policy))
		snprintf(buf, len, "%s priority %" PRId32, name, s->priority);
	else if (s->policy == CELLA_SCHED_DEADLINE)
		snprintf(buf, len,
			 "%s runtime %" PRIu64 " deadline %" PRIu64 " period %" PRIu64 " ns", name,
			 s->runtime, s->deadline, s->period);
	else
		snprintf(buf, len, "%s nice %" PRId32, name, s->nice);
}

int sched_apply_scheduler(const struct cella_scheduler *s, cella_error *err)
{
	return sched_apply_scheduler_to(0, s, err);
}

int sched_apply_scheduler_to(pid_t pid, const struct cella_scheduler *s, cella_error *err)
{
	struct kernel_sched_attr attr = {
	    .size = sizeof(attr),
	    .sched_policy = (uint32_t)s->policy,
	    .sched_flags = s->flags,
	    .sched_nice = s->nice,
	    .sched_priority = (uint32_t)s->priority,
	    .sched_runtime = s->runtime,
	    .sched_deadline = s->deadline,
	    .sched_period = s->period,
	};
	char what[128];
	int e;

	if (syscall(SYS_sched_setattr, pid, &attr, 0) == 0)
		return 0;
	e = errno;
	describe(s, what, sizeof(what));
	if (e == EPERM && cella_sched_policy_is_realtime(s->policy))
		return cella_err(err, e,
				 "process.scheduler: set %s (a real-time policy needs CAP_SYS_NICE "
				 "and, with real-time group scheduling, real-time runtime in the "
				 "container's cpu cgroup)",
				 what);
	if (e == EPERM)
		return cella_err(err, e, "process.scheduler: set %s (needs CAP_SYS_NICE)", what);
	if (e == EBUSY && s->policy == CELLA_SCHED_DEADLINE)
		return cella_err(err, e,
				 "process.scheduler: set %s (the CPUs have no SCHED_DEADLINE "
				 "bandwidth left for it)",
				 what);
	if (e == EINVAL && s->policy == CELLA_SCHED_ISO)
		return cella_err(err, e, "process.scheduler: set %s (Linux does not implement it)",
				 what);
	if (e == EOPNOTSUPP && (s->flags & K_SCHED_FLAG_UTIL_CLAMP))
		return cella_err(err, e,
				 "process.scheduler: set %s with utilization clamping (a kernel "
				 "without CONFIG_UCLAMP_TASK)",
				 what);
	return cella_err(err, e, "process.scheduler: set %s", what);
}

int sched_apply_io_priority(const struct cella_io_priority *io, cella_error *err)
{
	int value = io->class_ << K_IOPRIO_CLASS_SHIFT | io->priority;
	const char *name = cella_ioprio_class_name(io->class_);

	if (syscall(SYS_ioprio_set, K_IOPRIO_WHO_PROCESS, 0, value) == 0)
		return 0;
	if (errno == EPERM && io->class_ == 1)
		return cella_err(err, errno,
				 "process.ioPriority: set %s priority %d (the real-time class "
				 "needs CAP_SYS_ADMIN or CAP_SYS_NICE)",
				 name ? name : "?", io->priority);
	return cella_err(err, errno, "process.ioPriority: set %s priority %d", name ? name : "?",
			 io->priority);
}

int sched_apply_affinity(const char *list, const char *field, cella_error *err)
{
	cpu_set_t set;

	if (cella_parse_cpu_list(list, &set, err) < 0)
		return cella_err_context(err, "%s", field);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return cella_err(err, errno, "%s `%s`: sched_setaffinity", field, list);
	return 0;
}
