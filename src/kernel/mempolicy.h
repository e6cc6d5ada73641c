/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The NUMA memory policy of the container process (linux.memoryPolicy,
 * set_mempolicy(2)): a mode (MPOL_BIND, MPOL_INTERLEAVE...), mode flags
 * (MPOL_F_STATIC_NODES...) and a node set ("0-3,7").
 *
 * Who runs this: the container's init (and each exec process) on itself,
 * before execve; the policy is kept across fork and execve.
 */
#ifndef CELLA_KERNEL_MEMPOLICY_H
#define CELLA_KERNEL_MEMPOLICY_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

/* MPOL_* by OCI name: the kernel's number, or -1. */
int mempolicy_mode_from_name(const char *name);
const char *mempolicy_mode_name(int mode);
/* MPOL_F_* by OCI name: the flag's bit, or 0. */
unsigned mempolicy_flag_from_name(const char *name);
const char *mempolicy_flag_name(unsigned flag);

/* A node list ("0-3,7") into mask; errors name what is wrong. */
int mempolicy_parse_nodes(const char *list, unsigned long mask[CELLA_MEMPOLICY_LONGS],
			  cella_error *err);
/* Whether the mode takes nodes: -1 never (DEFAULT, LOCAL), 0 may
 * (PREFERRED: none means local), 1 must. */
int mempolicy_mode_nodes(int mode);

/* set_mempolicy(2) on the calling thread; errors name linux.memoryPolicy. */
int mempolicy_apply(const struct cella_mempolicy *p, cella_error *err);

#endif
