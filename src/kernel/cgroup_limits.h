/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The limits set on a cgroup, read back from its files (for `cella map`):
 * what `stats` does not carry. */
#ifndef CELLA_CGROUP_LIMITS_H
#define CELLA_CGROUP_LIMITS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernel/cgroup.h"
#include "util/error.h"

struct cella_cgroup_limits {
	bool v2;
	int64_t cpu_quota;   /* microseconds per period, -1 = unlimited */
	uint64_t cpu_period; /* microseconds */
	uint64_t cpu_weight; /* v2 cpu.weight, v1 cpu.shares; 0 unknown */
	char *cpus;	     /* cpuset of the cgroup itself, NULL when not set here */
	char *mems;
	uint64_t memory_low; /* v2 memory.low, v1 soft limit; UINT64_MAX none */
	uint64_t io_weight;  /* v2 io.weight default, v1 blkio.weight; 0 unknown */
	/* "8:0 rbps=1048576" (v2 io.max lines), "8:0 read_bps 1048576" (v1):
	 * NULL-terminated, may be NULL. */
	char **io_throttles;
};

int cella_cgroup_read_limits(struct cella_cgroup *cg, struct cella_cgroup_limits *out,
			     cella_error *err);
void cella_cgroup_limits_clear(struct cella_cgroup_limits *l);

#endif
