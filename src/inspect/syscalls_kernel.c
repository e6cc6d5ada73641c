/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The system calls of the running kernel that libseccomp may not name. */
#include "inspect/syscalls_kernel.h"

#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "inspect/inspect.h"

#define K(maj, min) ((maj)*1000 + (min))

/* From the kernel's scripts/syscall.tbl (the common numbers) and
 * arch/x86/entry/syscalls/syscall_64.tbl. */
static const struct kernel_syscall table[] = {
    {"uretprobe", 335, SCMP_ARCH_X86_64, K(6, 11), true},
    {"uprobe", 336, SCMP_ARCH_X86_64, K(6, 16), true},
    {"pidfd_send_signal", 424, 0, K(5, 1), false},
    {"io_uring_setup", 425, 0, K(5, 1), false},
    {"io_uring_enter", 426, 0, K(5, 1), false},
    {"io_uring_register", 427, 0, K(5, 1), false},
    {"open_tree", 428, 0, K(5, 2), false},
    {"move_mount", 429, 0, K(5, 2), false},
    {"fsopen", 430, 0, K(5, 2), false},
    {"fsconfig", 431, 0, K(5, 2), false},
    {"fsmount", 432, 0, K(5, 2), false},
    {"fspick", 433, 0, K(5, 2), false},
    {"pidfd_open", 434, 0, K(5, 3), false},
    {"clone3", 435, 0, K(5, 3), false},
    {"close_range", 436, 0, K(5, 9), false},
    {"openat2", 437, 0, K(5, 6), false},
    {"pidfd_getfd", 438, 0, K(5, 6), false},
    {"faccessat2", 439, 0, K(5, 8), false},
    {"process_madvise", 440, 0, K(5, 10), false},
    {"epoll_pwait2", 441, 0, K(5, 11), false},
    {"mount_setattr", 442, 0, K(5, 12), false},
    {"quotactl_fd", 443, 0, K(5, 14), false},
    {"landlock_create_ruleset", 444, 0, K(5, 13), false},
    {"landlock_add_rule", 445, 0, K(5, 13), false},
    {"landlock_restrict_self", 446, 0, K(5, 13), false},
    {"memfd_secret", 447, 0, K(5, 14), false},
    {"process_mrelease", 448, 0, K(5, 15), false},
    {"futex_waitv", 449, 0, K(5, 16), false},
    {"set_mempolicy_home_node", 450, 0, K(5, 17), false},
    {"cachestat", 451, 0, K(6, 5), false},
    {"fchmodat2", 452, 0, K(6, 6), false},
    {"map_shadow_stack", 453, 0, K(6, 6), false},
    {"futex_wake", 454, 0, K(6, 7), false},
    {"futex_wait", 455, 0, K(6, 7), false},
    {"futex_requeue", 456, 0, K(6, 7), false},
    {"statmount", 457, 0, K(6, 8), false},
    {"listmount", 458, 0, K(6, 8), false},
    {"lsm_get_self_attr", 459, 0, K(6, 8), false},
    {"lsm_set_self_attr", 460, 0, K(6, 8), false},
    {"lsm_list_modules", 461, 0, K(6, 8), false},
    {"mseal", 462, 0, K(6, 10), false},
    {"setxattrat", 463, 0, K(6, 13), false},
    {"getxattrat", 464, 0, K(6, 13), false},
    {"listxattrat", 465, 0, K(6, 13), false},
    {"removexattrat", 466, 0, K(6, 13), false},
    {"open_tree_attr", 467, 0, K(6, 15), false},
    {"file_getattr", 468, 0, K(6, 17), false},
    {"file_setattr", 469, 0, K(6, 17), false},
};

size_t kernel_syscalls(uint32_t scmp_arch, const struct kernel_syscall **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]) && n < max; i++)
		if (table[i].arch == 0 || table[i].arch == scmp_arch)
			out[n++] = &table[i];
	return n;
}

unsigned kernel_release(void)
{
	struct utsname u;
	unsigned maj = 0, min = 0;

	if (uname(&u) < 0 || sscanf(u.release, "%u.%u", &maj, &min) != 2)
		return 0;
	return K(maj, min);
}

bool kernel_has_syscall(const struct kernel_syscall *e)
{
	return kernel_release() >= e->since;
}

int kernel_has_x32(void)
{
#if defined(__x86_64__)
	struct inspect_status st;
	cella_error e;
	long r;
	int mode;

	/* A filter of ours might kill the caller for an x32 call. */
	if (inspect_status(0, &st, &e) < 0)
		return -1;
	mode = st.seccomp_mode;
	inspect_status_clear(&st);
	if (mode != 0)
		return -1;
	r = syscall(0x40000000L | SYS_getpid);
	return r < 0 && errno == ENOSYS ? 0 : 1;
#else
	return -1;
#endif
}
