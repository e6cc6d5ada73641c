/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The system calls of the running kernel that libseccomp may not name.
 *
 * libseccomp's table is as old as the library: the kernel keeps adding
 * calls (statmount, listmount, mseal, the *xattrat calls...), numbered
 * alike on every architecture since 5.1 (424 and up, from each
 * architecture's base: MIPS 4000/5000/6000, x32 __X32_SYSCALL_BIT), and a
 * few of one architecture's own (x86-64's uretprobe and uprobe). This
 * table names them, with the release that brought them: a kernel at least
 * that recent has the number (configured out, it answers ENOSYS, as for
 * any other call).
 *
 * Seccomp's own exceptions: since 6.11 (uretprobe) and 6.16 (uprobe) the
 * kernel runs these two native x86-64 calls without consulting any filter
 * (kernel/seccomp.c, seccomp_uprobe_exception).
 *
 * Nothing here knows JSON; nothing prints.
 */
#ifndef CELLA_INSPECT_SYSCALLS_KERNEL_H
#define CELLA_INSPECT_SYSCALLS_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct kernel_syscall {
	const char *name;
	uint32_t nr;	 /* from the architecture's base */
	uint32_t arch;	 /* SCMP_ARCH_*; 0: every architecture (the common numbers) */
	unsigned since;	 /* kernel release, major * 1000 + minor */
	bool no_seccomp; /* the kernel never runs a filter for it (native only) */
};

/* The entries for scmp_arch, whether or not the running kernel has them. */
size_t kernel_syscalls(uint32_t scmp_arch, const struct kernel_syscall **out, size_t max);

/* The running kernel's release as major * 1000 + minor (uname); 0 when
 * unknown. */
unsigned kernel_release(void);

/* Does the running kernel have this call? (release at least e->since) */
bool kernel_has_syscall(const struct kernel_syscall *e);

/* Does the running kernel run x32 system calls? 1 yes, 0 no (ENOSYS for an
 * x32 getpid: CONFIG_X86_X32_ABI off or x32=no at boot), -1 unknown (not
 * x86-64, or the caller is itself under seccomp and will not try). */
int kernel_has_x32(void);

#endif
