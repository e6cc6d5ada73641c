/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names of process.scheduler, process.ioPriority, linux.memoryPolicy and
 * linux.personality, as OCI spells them, and the kernel's numbers for them
 * (spec_attr_names.c). The spec parser validates with them; the kernel
 * modules that apply the fields (kernel/sched.h, mempolicy.h,
 * personality.h) name values in their messages with them.
 */
#ifndef CELLA_SPEC_ATTRS_H
#define CELLA_SPEC_ATTRS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>

#include "spec/spec.h"
#include "util/error.h"

/* SCHED_* policies by OCI name ("SCHED_BATCH"): the kernel's number, or -1
 * when unknown. */
/* The kernel's scheduling policies (include/uapi/linux/sched.h), by
 * number: the values process.scheduler.policy parses to. */
#define CELLA_SCHED_OTHER    0
#define CELLA_SCHED_FIFO     1
#define CELLA_SCHED_RR	     2
#define CELLA_SCHED_BATCH    3
#define CELLA_SCHED_ISO	     4 /* reserved by Linux, never implemented */
#define CELLA_SCHED_IDLE     5
#define CELLA_SCHED_DEADLINE 6

int cella_sched_policy_from_name(const char *name);
const char *cella_sched_policy_name(int policy);
/* SCHED_FIFO, SCHED_RR: a priority 1..99. */
bool cella_sched_policy_is_realtime(int policy);
/* SCHED_OTHER, SCHED_BATCH: the policies that use a nice value. */
bool cella_sched_policy_takes_nice(int policy);
/* SCHED_DEADLINE: runtime, deadline and period. */
bool cella_sched_policy_is_deadline(int policy);
/* SCHED_FLAG_* by OCI name: the flag's bit, or 0 when unknown. */
uint64_t cella_sched_flag_from_name(const char *name);
/* The name of one flag bit; NULL when unknown. */
const char *cella_sched_flag_name(uint64_t flag);
/* IOPRIO_CLASS_* ("IOPRIO_CLASS_BE"): the kernel's number, or -1. */
int cella_ioprio_class_from_name(const char *name);
const char *cella_ioprio_class_name(int class_);

/* A CPU list as the runtime spec writes it ("0-3,7": numbers and ranges,
 * comma-separated) into a set; an error names what is wrong (a range that
 * ends before it starts, a CPU past CPU_SETSIZE, stray text). */
int cella_parse_cpu_list(const char *list, cpu_set_t *out, cella_error *err);

/* MPOL_* by OCI name: the kernel's number, or -1. */
int cella_mempolicy_mode_from_name(const char *name);
const char *cella_mempolicy_mode_name(int mode);
/* MPOL_F_* by OCI name: the flag's bit, or 0. */
unsigned cella_mempolicy_flag_from_name(const char *name);
const char *cella_mempolicy_flag_name(unsigned flag);
/* A node list ("0-3,7") into mask; errors name what is wrong. */
int cella_mempolicy_parse_nodes(const char *list, unsigned long mask[CELLA_MEMPOLICY_LONGS],
				cella_error *err);
/* Whether the mode takes nodes: -1 never (DEFAULT, LOCAL), 0 may
 * (PREFERRED: none means local), 1 must. */
int cella_mempolicy_mode_nodes(int mode);

/* "LINUX", "LINUX32" -> PER_LINUX, PER_LINUX32; false when unknown. */
bool cella_personality_domain_from_name(const char *name, unsigned long *out);
/* NULL when unknown. */
const char *cella_personality_domain_name(unsigned long domain);

#endif
