/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel features cella cannot run a container without, checked when a
 * container or an exec process is started, so that an old kernel (or a
 * seccomp filter around cella that hides a system call) is named at once
 * instead of failing half-way. Each check is one system call with
 * arguments the kernel refuses before doing anything (ENOSYS means it does
 * not know the call): a few microseconds in all.
 */
#ifndef CELLA_KERNEL_REQUIREMENTS_H
#define CELLA_KERNEL_REQUIREMENTS_H

#include "util/error.h"

struct kernel_requirement {
	const char *syscall; /* its name, as in the error */
	const char *version; /* the Linux version that added it */
	const char *use;     /* what cella needs it for */
	long nr;
};

/* The table, for docs and tests; n set to its length. */
const struct kernel_requirement *kernel_requirements(unsigned *n);

/* 0, or an error naming the first missing system call, the Linux version
 * that has it and what cella needs it for. */
int kernel_check_requirements(cella_error *err);

#endif
