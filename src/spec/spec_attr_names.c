/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names of process.scheduler, process.ioPriority, linux.memoryPolicy
 * and linux.personality (spec_attrs.h): OCI's spelling to the kernel's
 * numbers (its ABI: include/uapi/linux/sched.h, ioprio.h, mempolicy.h,
 * personality.h), and the lists those fields hold. The kernel modules
 * (kernel/sched.c, mempolicy.c, personality.c) apply the numbers and name
 * them in their messages with these.
 */
#include "spec/spec_attrs.h"

#include <string.h>
#include <sys/personality.h>

#include "util/util.h"

/* ---- process.scheduler, process.ioPriority ---- */

static const struct {
	const char *name;
	int policy;
} policies[] = {
    {"SCHED_OTHER", CELLA_SCHED_OTHER},
    {"SCHED_FIFO", CELLA_SCHED_FIFO},
    {"SCHED_RR", CELLA_SCHED_RR},
    {"SCHED_BATCH", CELLA_SCHED_BATCH},
    {"SCHED_ISO", CELLA_SCHED_ISO},
    {"SCHED_IDLE", CELLA_SCHED_IDLE},
    {"SCHED_DEADLINE", CELLA_SCHED_DEADLINE},
};

static const struct {
	const char *name;
	uint64_t flag;
} sched_flags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", 0x01},	 {"SCHED_FLAG_RECLAIM", 0x02},
    {"SCHED_FLAG_DL_OVERRUN", 0x04},	 {"SCHED_FLAG_KEEP_POLICY", 0x08},
    {"SCHED_FLAG_KEEP_PARAMS", 0x10},	 {"SCHED_FLAG_UTIL_CLAMP_MIN", 0x20},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", 0x40},
};

static const char *const ioprio_classes[] = {
    [1] = "IOPRIO_CLASS_RT",
    [2] = "IOPRIO_CLASS_BE",
    [3] = "IOPRIO_CLASS_IDLE",
};

int cella_sched_policy_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(policies); i++)
		if (strcmp(name, policies[i].name) == 0)
			return policies[i].policy;
	return -1;
}

const char *cella_sched_policy_name(int policy)
{
	for (size_t i = 0; i < ARRAY_SIZE(policies); i++)
		if (policies[i].policy == policy)
			return policies[i].name;
	return NULL;
}

bool cella_sched_policy_is_realtime(int policy)
{
	return policy == CELLA_SCHED_FIFO || policy == CELLA_SCHED_RR;
}

bool cella_sched_policy_takes_nice(int policy)
{
	return policy == CELLA_SCHED_OTHER || policy == CELLA_SCHED_BATCH;
}

bool cella_sched_policy_is_deadline(int policy)
{
	return policy == CELLA_SCHED_DEADLINE;
}

uint64_t cella_sched_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(sched_flags); i++)
		if (strcmp(name, sched_flags[i].name) == 0)
			return sched_flags[i].flag;
	return 0;
}

const char *cella_sched_flag_name(uint64_t flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(sched_flags); i++)
		if (sched_flags[i].flag == flag)
			return sched_flags[i].name;
	return NULL;
}

int cella_ioprio_class_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(ioprio_classes); i++)
		if (ioprio_classes[i] != NULL && strcmp(name, ioprio_classes[i]) == 0)
			return (int)i;
	return -1;
}

const char *cella_ioprio_class_name(int class_)
{
	if (class_ < 0 || (size_t)class_ >= ARRAY_SIZE(ioprio_classes))
		return NULL;
	return ioprio_classes[class_];
}

int cella_parse_cpu_list(const char *list, cpu_set_t *out, cella_error *err)
{
	unsigned long mask[CPU_SETSIZE / (8 * sizeof(unsigned long))];
	const size_t word = 8 * sizeof(unsigned long);

	CPU_ZERO(out);
	if (parse_bit_list(list, "CPU", mask, CPU_SETSIZE, err) < 0)
		return cella_err_ret(err);
	for (size_t n = 0; n < CPU_SETSIZE; n++)
		if (mask[n / word] & (1UL << (n % word)))
			CPU_SET(n, out);
	return 0;
}

/* ---- linux.memoryPolicy ---- */

static const struct {
	const char *name;
	int mode;
	int nodes; /* see cella_mempolicy_mode_nodes() */
} modes[] = {
    {"MPOL_DEFAULT", 0, -1},
    {"MPOL_PREFERRED", 1, 0},
    {"MPOL_BIND", 2, 1},
    {"MPOL_INTERLEAVE", 3, 1},
    {"MPOL_LOCAL", 4, -1},
    {"MPOL_PREFERRED_MANY", 5, 1},
    {"MPOL_WEIGHTED_INTERLEAVE", 6, 1},
};

static const struct {
	const char *name;
	unsigned flag;
} mpol_flags[] = {
    {"MPOL_F_NUMA_BALANCING", 1U << 13},
    {"MPOL_F_RELATIVE_NODES", 1U << 14},
    {"MPOL_F_STATIC_NODES", 1U << 15},
};

int cella_mempolicy_mode_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(name, modes[i].name) == 0)
			return modes[i].mode;
	return -1;
}

const char *cella_mempolicy_mode_name(int mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].mode == mode)
			return modes[i].name;
	return NULL;
}

int cella_mempolicy_mode_nodes(int mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].mode == mode)
			return modes[i].nodes;
	return -1;
}

unsigned cella_mempolicy_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(mpol_flags); i++)
		if (strcmp(name, mpol_flags[i].name) == 0)
			return mpol_flags[i].flag;
	return 0;
}

const char *cella_mempolicy_flag_name(unsigned flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(mpol_flags); i++)
		if (mpol_flags[i].flag == flag)
			return mpol_flags[i].name;
	return NULL;
}

int cella_mempolicy_parse_nodes(const char *list, unsigned long mask[CELLA_MEMPOLICY_LONGS],
				cella_error *err)
{
	return parse_bit_list(list, "node", mask, CELLA_MEMPOLICY_LONGS * 8 * sizeof(unsigned long),
			      err);
}

/* ---- linux.personality ---- */

static const struct {
	const char *name;
	unsigned long domain;
} domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
};

bool cella_personality_domain_from_name(const char *name, unsigned long *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++) {
		if (strcmp(name, domains[i].name) == 0) {
			*out = domains[i].domain;
			return true;
		}
	}
	return false;
}

const char *cella_personality_domain_name(unsigned long domain)
{
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++)
		if (domains[i].domain == domain)
			return domains[i].name;
	return NULL;
}
