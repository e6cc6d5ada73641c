/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp seen from outside: read a process's filters back from the kernel
 * and work out, for every system call, what they do with it (for `cella map`).
 *
 * Reading: the mode and the filter count come from /proc/PID/status; the
 * classic BPF programs from ptrace (PTRACE_SEIZE, PTRACE_INTERRUPT, then
 * PTRACE_SECCOMP_GET_FILTER for index 0, 1, ... until ENOENT, and
 * PTRACE_DETACH on every path). The kernel hands them out only to a caller
 * with CAP_SYS_ADMIN that is itself not under seccomp, and only when it was
 * built with CONFIG_CHECKPOINT_RESTORE. It numbers them from the first
 * installed (whatever ptrace(2) says); they are returned in the order they
 * run in, the most recent first.
 *
 * Evaluating: an abstract interpreter of classic BPF runs the filters on a
 * seccomp_data whose nr and arch are known and whose instruction pointer and
 * arguments are not. A conditional jump on an unknown value takes both ways
 * (the result then depends on the arguments), so the answer is the set of
 * return values some arguments can produce. Filters are combined as the
 * kernel's seccomp_run_filters() does: all run, the lowest action (as a
 * signed value: KILL_PROCESS > KILL_THREAD > TRAP > ERRNO > USER_NOTIF >
 * TRACE > LOG > ALLOW) wins, and between equal actions the filter that ran
 * first, the most recently installed one. Each path carries, into the
 * following filters too, what the JEQ tests on it taught about a word of
 * seccomp_data (equal to, or different from, a value); what order tests
 * (JGT, JGE), bit tests (JSET) and arithmetic teach is not kept, nor more
 * than 6 inequalities. So a listed outcome may need contradictory
 * arguments; an outcome some arguments produce is never missing.
 *
 * Nothing here knows JSON; nothing prints.
 */
#ifndef CELLA_KERNEL_SECCOMP_INSPECT_H
#define CELLA_KERNEL_SECCOMP_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <linux/filter.h>

#include "util/error.h"

/* Actions, most restrictive first: the order in which one filter's action
 * overrides another's. */
enum seccomp_inspect_action {
	SECCOMP_INSPECT_KILL_PROCESS = 0,
	SECCOMP_INSPECT_KILL_THREAD,
	SECCOMP_INSPECT_TRAP,
	SECCOMP_INSPECT_ERRNO,
	SECCOMP_INSPECT_USER_NOTIF,
	SECCOMP_INSPECT_TRACE,
	SECCOMP_INSPECT_LOG,
	SECCOMP_INSPECT_ALLOW,
	SECCOMP_INSPECT_ACTION_COUNT
};

/* One filter, as installed (classic BPF, at most BPF_MAXINSNS). */
struct seccomp_inspect_filter {
	struct sock_filter *insns;
	size_t len;
	int log; /* installed with SECCOMP_FILTER_FLAG_LOG: 1, 0, or -1 unknown
		    (kernels before 4.16) */
};

/* A thread's seccomp state. filters[0] is the most recent filter, the one
 * the kernel runs first. For one filter's own verdict, evaluate a view:
 * { .mode = 2, .filters = &f->filters[i], .n_filters = 1 }. */
struct seccomp_inspect_filters {
	int mode;	    /* 0 disabled, 1 strict, 2 filter */
	int status_filters; /* Seccomp_filters: in /proc/PID/status; -1 when the
			       kernel (before 5.9) does not say */
	struct seccomp_inspect_filter *filters;
	size_t n_filters;
};

/*
 * Read pid's seccomp state. pid may be any thread id: filters are per
 * thread. Threads that installed theirs with SECCOMP_FILTER_FLAG_TSYNC, or
 * inherited them across clone, share them; a thread that added one without
 * TSYNC has more than its siblings. Only pid's own are read.
 *
 * pid is seized only while its filters are copied; it is detached on every
 * path, with the signal it was about to receive, if any, handed back. If it
 * dies meanwhile, its exit is collected as its tracer must (when it is the
 * caller's own child, that reaps it). The caller must not be in pid's
 * thread group. Errors, each naming pid: -ESRCH the process is gone;
 * -EPERM it may not be traced (ptrace access mode, Yama) or already is;
 * -EACCES the caller lacks CAP_SYS_ADMIN or is itself under seccomp;
 * -EINVAL the kernel has no CONFIG_CHECKPOINT_RESTORE; -ETIMEDOUT it did not
 * reach a ptrace stop within 2 s (a frozen process never does): it then
 * stays seized until the caller exits, as a running tracee cannot be
 * detached, so a long-lived caller must not read a frozen process. Free
 * with seccomp_inspect_filters_clear().
 */
int seccomp_inspect_read(pid_t pid, struct seccomp_inspect_filters *out, cella_error *err);
void seccomp_inspect_filters_clear(struct seccomp_inspect_filters *f);

/* Would the kernel accept this program as a seccomp filter? The checks of
 * bpf_check_classic() and seccomp_check_filter(): length 1..BPF_MAXINSNS,
 * only the instructions seccomp allows, forward jumps inside the program,
 * aligned 32-bit loads inside struct seccomp_data, scratch memory M[0..15]
 * written before it is read on every path, no division by a constant 0, no
 * shift by 32 or more, a return at the end. -EINVAL naming the instruction. */
int seccomp_inspect_validate(const struct sock_filter *insns, size_t len, cella_error *err);

/* Bits of seccomp_inspect_result.tested */
#define SECCOMP_INSPECT_ARG(i) (1U << (i)) /* args[i], i in 0..5 */
#define SECCOMP_INSPECT_IP     (1U << 6)   /* instruction_pointer */

/* What the filters can return for one system call. */
struct seccomp_inspect_result {
	uint32_t *rets; /* distinct return values (action | data), most
			   restrictive first; the data is the errno for
			   ERRNO (the kernel caps it at 4095), the
			   message for TRACE, si_errno for TRAP */
	size_t n_rets;
	bool any;	      /* also: some path returns a value computed from
				 the arguments (RET A), which may be anything */
	uint8_t tested;	      /* SECCOMP_INSPECT_ARG/IP bits: what a branch
				 (or a returned value) looked at */
	bool depends_on_args; /* more than one outcome is possible */
	bool too_complex;     /* in a table only: the evaluation ran past
				 SECCOMP_INSPECT_STEP_BUDGET, nothing is known */
	char **conditions;    /* when it depends on the arguments: beside each
				 of rets, what the paths to it learnt ("arg0
				 == 8", "arg0 != 0 or arg1 == 2", "other
				 arguments" for a path that learnt nothing: an
				 order or bit test); else NULL */
};

/* Maximum instructions interpreted for one system call, over all paths and
 * filters; past it the evaluation fails with -E2BIG ("too complex"). Paths
 * that meet again in the same state are walked once. */
#define SECCOMP_INSPECT_STEP_BUDGET 200000

/*
 * The outcome of system call nr as seccomp_data sees it (x32 calls carry
 * __X32_SYSCALL_BIT) with seccomp_data.arch = audit_arch (AUDIT_ARCH_*).
 * Mode 0 allows everything; mode 1 allows read, write, exit and sigreturn
 * and kills the thread otherwise (with SIGKILL); mode 2 runs the filters,
 * each checked by seccomp_inspect_validate() first. The filters' answer:
 * the table (below) models the calls the kernel lets through every filter
 * (x86-64's uretprobe and uprobe). Free out with
 * seccomp_inspect_result_clear().
 */
int seccomp_inspect_eval(const struct seccomp_inspect_filters *f, uint32_t audit_arch, uint32_t nr,
			 struct seccomp_inspect_result *out, cella_error *err);
void seccomp_inspect_result_clear(struct seccomp_inspect_result *r);

/* The action of a return value: the kernel treats one it does not know as
 * KILL_PROCESS. */
enum seccomp_inspect_action seccomp_inspect_action_of(uint32_t ret);
/* "kill_process", "kill_thread", "trap", "errno", "user_notif", "trace",
 * "log", "allow" (the names of /proc/sys/kernel/seccomp/actions_avail). */
const char *seccomp_inspect_action_name(enum seccomp_inspect_action a);

/* libseccomp's architectures this host runs: the native one first, then
 * its compat ones (x86-64: x86, x32; aarch64: arm). Returns how many. */
#define SECCOMP_INSPECT_MAX_ARCHES 4
size_t seccomp_inspect_host_arches(uint32_t out[SECCOMP_INSPECT_MAX_ARCHES]);
/* seccomp_data.arch for a libseccomp architecture (SCMP_ARCH_X32 is
 * AUDIT_ARCH_X86_64: only the x32 bit of nr tells them apart); 0 when
 * libseccomp does not know it. */
uint32_t seccomp_inspect_audit_arch(uint32_t scmp_arch);

struct seccomp_inspect_syscall {
	uint32_t nr; /* seccomp_data.nr (x32: with __X32_SYSCALL_BIT) */
	char *name;
	struct seccomp_inspect_result result;
	bool unknown_to_libseccomp; /* named by inspect/syscalls_kernel.c */
	bool no_seccomp;	    /* the kernel runs it whatever the filters say
				       (result: allow); filtered: what they say */
	struct seccomp_inspect_result filtered;
};

/* Every system call of one architecture, by number: those libseccomp names,
 * and those of the running kernel it does not (inspect/syscalls_kernel.h). */
struct seccomp_inspect_table {
	uint32_t scmp_arch;  /* SCMP_ARCH_* */
	uint32_t audit_arch; /* seccomp_data.arch */
	struct seccomp_inspect_syscall *syscalls;
	size_t n;
};

/* Evaluate f for every system call of scmp_arch (SCMP_ARCH_NATIVE: the
 * host's). A call too complex to evaluate is marked so, the others are
 * still evaluated. Free with seccomp_inspect_table_clear(). */
int seccomp_inspect_table_build(const struct seccomp_inspect_filters *f, uint32_t scmp_arch,
				struct seccomp_inspect_table *out, cella_error *err);
void seccomp_inspect_table_clear(struct seccomp_inspect_table *t);

struct seccomp_inspect_summary {
	size_t total;
	size_t always[SECCOMP_INSPECT_ACTION_COUNT]; /* every outcome has this
							action (whatever the data) */
	size_t depends;				     /* outcomes of different actions,
							or any */
	size_t too_complex;
};

void seccomp_inspect_summarize(const struct seccomp_inspect_table *t,
			       struct seccomp_inspect_summary *out);

#endif
