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
#include "spec/spec_attrs.h" /* the names, the node list */
#include "util/error.h"

/* set_mempolicy(2) on the calling thread; errors name linux.memoryPolicy. */
int mempolicy_apply(const struct cella_mempolicy *p, cella_error *err);

#endif
