/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The -ENOSYS stub put in front of an OCI profile's filter, as runc does
 * (libcontainer/seccomp/patchbpf): a syscall whose number is above the
 * highest one the profile names, for its architecture, fails with ENOSYS
 * instead of the default action. A profile written before a syscall existed
 * cannot mean to refuse it with EPERM, and libc only falls back to the older
 * call (clone3 → clone, faccessat2 → faccessat, close_range → a loop...) on
 * ENOSYS.
 *
 * As runc: no stub when the default action lets syscalls through
 * (SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_TRACE) or already answers ENOSYS,
 * and only for the architectures the profile lists; x32 shares x86_64's
 * audit architecture and is told apart by bit 30 of the number; on s390 and
 * s390x, syscall 0 (how the kernel passes numbers it does not know) gets
 * ENOSYS too.
 *
 * Layout (every conditional jump is short; long ones go through `ja`):
 *   ld arch; per arch { jeq ARCH,0,1; ja SECTION }; ja FILTER
 *   SECTION: ld nr; [x86_64: jset bit 30 to the mode's check]
 *            jgt MAX,0,1; ret ENOSYS; ja FILTER   (per mode)
 *   FILTER:  libseccomp's program
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "kernel/seccomp.h"
#include "util/util.h"

#define X32_BIT 0x40000000u

struct section {
	uint32_t audit;		      /* AUDIT_ARCH_* */
	uint32_t max_native, max_x32; /* 0: none */
	bool s390;
	size_t at; /* its first instruction */
};

static bool permissive(const struct cella_seccomp *conf)
{
	switch (conf->default_action) {
	case CELLA_SCMP_ALLOW:
	case CELLA_SCMP_LOG:
	case CELLA_SCMP_TRACE:
		return true;
	default:
		break;
	}
	return conf->default_action == CELLA_SCMP_ERRNO && conf->has_default_errno_ret &&
	       conf->default_errno_ret == ENOSYS;
}

/* The highest number any rule names on arch; 0 when none resolves. */
static uint32_t max_named(const struct cella_seccomp *conf, uint32_t arch)
{
	uint32_t max = 0;

	for (size_t i = 0; i < conf->n_syscalls; i++)
		for (char **n = conf->syscalls[i].names; n != NULL && *n != NULL; n++) {
			int nr = seccomp_syscall_resolve_name_arch(arch, *n);

			if (nr >= 0 && (uint32_t)nr > max)
				max = (uint32_t)nr;
		}
	return max;
}

static size_t section_len(const struct section *s)
{
	size_t n = 1; /* ld nr */

	if (s->audit == AUDIT_ARCH_X86_64)
		n += 1; /* jset */
	if (s->s390)
		n += 2; /* jeq 0; ret */
	n += (s->max_native ? 3 : 0) + (s->max_x32 ? 3 : 0);
	if (s->audit == AUDIT_ARCH_X86_64 && !(s->max_native && s->max_x32))
		n += 1; /* ja FILTER for the mode with no limit */
	return n;
}

#define STMT(op, val)	    ((struct sock_filter){.code = (op), .jt = 0, .jf = 0, .k = (val)})
#define JUMP(op, val, t, f) ((struct sock_filter){.code = (op), .jt = (t), .jf = (f), .k = (val)})

int cella_seccomp_enosys_stub(const struct cella_seccomp *conf, struct sock_filter **out,
			      size_t *len)
{
	const uint32_t enosys = SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA);
	struct section secs[16];
	size_t n_secs = 0, total, pc = 0, filter;
	struct sock_filter *p;

	*out = NULL;
	*len = 0;
	if (permissive(conf))
		return 0;
	for (size_t i = 0; i < conf->n_archs; i++) {
		uint32_t arch =
		    conf->archs[i] == SCMP_ARCH_NATIVE ? seccomp_arch_native() : conf->archs[i];
		uint32_t audit = arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : arch;
		uint32_t max = max_named(conf, arch);
		struct section *s = NULL;

		if (max == 0)
			continue;
		for (size_t j = 0; j < n_secs; j++)
			if (secs[j].audit == audit)
				s = &secs[j];
		if (s == NULL) {
			if (n_secs == ARRAY_SIZE(secs))
				break;
			s = &secs[n_secs++];
			memset(s, 0, sizeof(*s));
			s->audit = audit;
			s->s390 = audit == AUDIT_ARCH_S390 || audit == AUDIT_ARCH_S390X;
		}
		if (arch == SCMP_ARCH_X32)
			s->max_x32 = max;
		else
			s->max_native = max;
	}
	if (n_secs == 0)
		return 0;

	total = 1 + 2 * n_secs + 1;
	for (size_t i = 0; i < n_secs; i++) {
		secs[i].at = total;
		total += section_len(&secs[i]);
	}
	filter = total;
	p = xcalloc(total, sizeof(*p));
	/* ld arch; jeq ARCH,0,1; ja SECTION ...; ja FILTER */
	p[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	for (size_t i = 0; i < n_secs; i++) {
		p[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, secs[i].audit, 0, 1);
		p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(secs[i].at - pc - 1));
		pc++;
	}
	p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(filter - pc - 1));
	pc++;
	for (size_t i = 0; i < n_secs; i++) {
		const struct section *s = &secs[i];
		/* x86_64 mode first, then x32: each "jgt; ret; ja" is 3. */
		uint32_t modes[2] = {s->max_native, s->max_x32};

		p[pc++] = STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
		if (s->s390) {
			p[pc++] = JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1);
			p[pc++] = STMT(BPF_RET | BPF_K, enosys);
		}
		if (s->audit == AUDIT_ARCH_X86_64) {
			/* Bit 30 set: an x32 call, checked past the x86_64
			 * block (3 instructions, or a lone ja without a
			 * limit for x86_64). */
			p[pc++] =
			    JUMP(BPF_JMP | BPF_JSET | BPF_K, X32_BIT, s->max_native ? 3 : 1, 0);
			if (!s->max_native) {
				p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(filter - pc - 1));
				pc++;
			}
		} else {
			modes[1] = 0;
		}
		for (int m = 0; m < 2; m++) {
			if (!modes[m])
				continue;
			p[pc++] = JUMP(BPF_JMP | BPF_JGT | BPF_K, modes[m], 0, 1);
			p[pc++] = STMT(BPF_RET | BPF_K, enosys);
			p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(filter - pc - 1));
			pc++;
		}
		if (s->audit == AUDIT_ARCH_X86_64 && s->max_native && !s->max_x32) {
			p[pc] = STMT(BPF_JMP | BPF_JA, (uint32_t)(filter - pc - 1));
			pc++;
		}
	}
	if (pc != total) {
		free(p);
		return -EFAULT; /* a layout bug: never load a wrong program */
	}
	*out = p;
	*len = total;
	return 0;
}
