/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kernel features cella requires (kernel/requirements.h). */
#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/requirements.h"
#include "util/util.h"

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_mount_setattr
#define SYS_mount_setattr 442
#endif

/* Oldest first: the error names the first one missing. Each call below is
 * made with arguments the kernel rejects (EINVAL, EBADF, EFAULT) before it
 * does anything. Not here: clone3 (5.3; with CLONE_INTO_CGROUP 5.7), which
 * cella uses where the kernel has it and replaces by fork otherwise (seccomp
 * profiles such as Docker's answer ENOSYS to it on purpose). */
static const struct kernel_requirement requirements[] = {
    {"open_tree", "5.2", "to give the container its terminal", SYS_open_tree},
    {"pidfd_open", "5.3", "to follow processes without pid reuse races", SYS_pidfd_open},
    {"openat2", "5.6", "to resolve every path inside the rootfs (RESOLVE_IN_ROOT)", SYS_openat2},
    {"mount_setattr", "5.12", "to set the flags of bind mounts", SYS_mount_setattr},
};

const struct kernel_requirement *kernel_requirements(unsigned *n)
{
	*n = ARRAY_SIZE(requirements);
	return requirements;
}

static long probe(long nr)
{
	switch (nr) {
	case SYS_open_tree: /* bad dirfd and flags */
		return syscall(nr, -1, NULL, ~0U);
	case SYS_pidfd_open: /* unknown flags */
		return syscall(nr, getpid(), ~0U);
	case SYS_openat2: /* a size below the first version's */
		return syscall(nr, -1, NULL, NULL, 0);
	case SYS_mount_setattr: /* a size below the first version's */
		return syscall(nr, -1, NULL, 0, NULL, 0);
	default:
		return -1;
	}
}

int kernel_check_requirements(cella_error *err)
{
	for (size_t i = 0; i < ARRAY_SIZE(requirements); i++) {
		const struct kernel_requirement *q = &requirements[i];

		if (probe(q->nr) < 0 && errno == ENOSYS)
			return cella_err(err, ENOSYS,
					 "this kernel lacks %s(2) (Linux %s), which cella needs %s "
					 "(cella needs Linux 5.12 or later)",
					 q->syscall, q->version, q->use);
	}
	return 0;
}
