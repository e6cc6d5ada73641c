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

int mempolicy_apply(const struct cella_mempolicy *p, cella_error *err)
{
	const unsigned long *mask = p->nodes != NULL ? p->mask : NULL;
	/* maxnode is one more than the bits the kernel reads. */
	unsigned long maxnode = mask ? CELLA_MEMPOLICY_LONGS * 8 * sizeof(long) + 1 : 0;

	if (syscall(SYS_set_mempolicy, p->mode | (int)p->flags, mask, maxnode) < 0)
		return cella_err(err, errno,
				 "linux.memoryPolicy: set_mempolicy(%s%s%s) failed (a mode or "
				 "flag this kernel lacks, or nodes outside the allowed ones)",
				 cella_mempolicy_mode_name(p->mode), p->nodes ? ", nodes " : "",
				 p->nodes ? p->nodes : "");
	return 0;
}
