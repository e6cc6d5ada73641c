/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.memoryPolicy: names to the kernel's numbers, the node list, and
 * set_mempolicy(2). The mode and flag numbers are the kernel's ABI
 * (include/uapi/linux/mempolicy.h); the newer ones are spelled out here for
 * headers older than the running kernel, which refuses what it lacks
 * (EINVAL, reported naming the field).
 */
#include "kernel/mempolicy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/util.h"

static const struct {
	const char *name;
	int mode;
	int nodes; /* see mempolicy_mode_nodes() */
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
} flags[] = {
    {"MPOL_F_NUMA_BALANCING", 1U << 13},
    {"MPOL_F_RELATIVE_NODES", 1U << 14},
    {"MPOL_F_STATIC_NODES", 1U << 15},
};

int mempolicy_mode_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (strcmp(name, modes[i].name) == 0)
			return modes[i].mode;
	return -1;
}

const char *mempolicy_mode_name(int mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].mode == mode)
			return modes[i].name;
	return NULL;
}

int mempolicy_mode_nodes(int mode)
{
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++)
		if (modes[i].mode == mode)
			return modes[i].nodes;
	return -1;
}

unsigned mempolicy_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (strcmp(name, flags[i].name) == 0)
			return flags[i].flag;
	return 0;
}

const char *mempolicy_flag_name(unsigned flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flags); i++)
		if (flags[i].flag == flag)
			return flags[i].name;
	return NULL;
}

int mempolicy_parse_nodes(const char *list, unsigned long mask[CELLA_MEMPOLICY_LONGS],
			  cella_error *err)
{
	return parse_bit_list(list, "node", mask, CELLA_MEMPOLICY_LONGS * 8 * sizeof(unsigned long),
			      err);
}

int mempolicy_apply(const struct cella_mempolicy *p, cella_error *err)
{
	const unsigned long *mask = p->nodes != NULL ? p->mask : NULL;
	/* maxnode is one more than the bits the kernel reads. */
	unsigned long maxnode = mask ? CELLA_MEMPOLICY_LONGS * 8 * sizeof(long) + 1 : 0;

	if (syscall(SYS_set_mempolicy, p->mode | (int)p->flags, mask, maxnode) < 0)
		return cella_err(err, errno,
				 "linux.memoryPolicy: set_mempolicy(%s%s%s) failed (a mode or "
				 "flag this kernel lacks, or nodes outside the allowed ones)",
				 mempolicy_mode_name(p->mode), p->nodes ? ", nodes " : "",
				 p->nodes ? p->nodes : "");
	return 0;
}
