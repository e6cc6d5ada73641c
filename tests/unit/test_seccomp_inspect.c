/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Evaluating seccomp filters without their arguments (libseccomp-built and
 * hand-written programs), and reading them back from live processes. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "inspect/seccomp_inspect.h"
#include "util/util.h"
#include "unit.h"

#define NATIVE_AUDIT AUDIT_ARCH_X86_64

static uint32_t nr_of(const char *name)
{
	return (uint32_t)seccomp_syscall_resolve_name(name);
}

/* Export a libseccomp context as a raw program (and release it). */
static struct seccomp_inspect_filter export(scmp_filter_ctx ctx)
{
	struct seccomp_inspect_filter f = {.log = 0};
	int fd = memfd_create("test-seccomp", MFD_CLOEXEC);
	struct stat st;

	if (fd < 0 || seccomp_export_bpf(ctx, fd) < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "cannot export the filter\n");
		exit(2);
	}
	f.len = (size_t)st.st_size / sizeof(struct sock_filter);
	f.insns = xmalloc((size_t)st.st_size);
	if (pread(fd, f.insns, (size_t)st.st_size, 0) != st.st_size) {
		fprintf(stderr, "cannot read the filter back\n");
		exit(2);
	}
	close(fd);
	seccomp_release(ctx);
	return f;
}

static struct seccomp_inspect_filter copy_prog(const struct sock_filter *insns, size_t len)
{
	struct seccomp_inspect_filter f = {.len = len, .log = 0};

	f.insns = xmalloc(len * sizeof(*insns));
	memcpy(f.insns, insns, len * sizeof(*insns));
	return f;
}

/* One filter (or several, most recent first) in filter mode. */
static struct seccomp_inspect_filters chain(struct seccomp_inspect_filter *fs, size_t n)
{
	struct seccomp_inspect_filters f = {.mode = SECCOMP_MODE_FILTER, .status_filters = -1};

	f.filters = xcalloc(n, sizeof(*fs));
	memcpy(f.filters, fs, n * sizeof(*fs));
	f.n_filters = n;
	return f;
}

/* Evaluate; the result must be exactly `want` (in precedence order). */
static void expect(const struct seccomp_inspect_filters *f, uint32_t arch, uint32_t nr,
		   const uint32_t *want, size_t n_want, bool any, uint8_t tested)
{
	struct seccomp_inspect_result r;
	cella_error err;
	bool same;

	cella_err_clear(&err);
	if (seccomp_inspect_eval(f, arch, nr, &r, &err) < 0) {
		fprintf(stderr, "eval %u: %s\n", nr, err.msg);
		CHECK(0);
		return;
	}
	same = r.n_rets == n_want && r.any == any && r.tested == tested;
	for (size_t i = 0; same && i < n_want; i++)
		same = r.rets[i] == want[i];
	if (!same) {
		fprintf(stderr, "nr %u arch 0x%x: got any=%d tested=0x%x:", nr, arch, r.any,
			r.tested);
		for (size_t i = 0; i < r.n_rets; i++)
			fprintf(stderr, " 0x%08x", r.rets[i]);
		fprintf(stderr, "\n");
	}
	CHECK(same);
	CHECK(r.depends_on_args == (n_want > 1 || any));
	seccomp_inspect_result_clear(&r);
}

#define EXPECT1(f, nr, ret)                                                                        \
	do {                                                                                       \
		const uint32_t w_[] = {ret};                                                       \
		expect(f, NATIVE_AUDIT, nr, w_, 1, false, 0);                                      \
	} while (0)

static void test_actions(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(ENOSYS));
	struct seccomp_inspect_filter one;
	struct seccomp_inspect_filters f;

	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(read), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(write), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_KILL_THREAD, SCMP_SYS(kexec_load), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_TRAP, SCMP_SYS(acct), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_LOG, SCMP_SYS(uname), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_TRACE(7), SCMP_SYS(sync), 0) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(mkdir), 0) == 0);
	CHECK(seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS) == 0);
	one = export(ctx);
	f = chain(&one, 1);

	EXPECT1(&f, nr_of("read"), SECCOMP_RET_ALLOW);
	EXPECT1(&f, nr_of("write"), SECCOMP_RET_ALLOW);
	EXPECT1(&f, nr_of("mount"), SECCOMP_RET_ERRNO | EPERM);
	EXPECT1(&f, nr_of("getpid"), SECCOMP_RET_ERRNO | ENOSYS);
	EXPECT1(&f, nr_of("ptrace"), SECCOMP_RET_KILL_PROCESS);
	EXPECT1(&f, nr_of("kexec_load"), SECCOMP_RET_KILL_THREAD);
	EXPECT1(&f, nr_of("acct"), SECCOMP_RET_TRAP);
	EXPECT1(&f, nr_of("uname"), SECCOMP_RET_LOG);
	EXPECT1(&f, nr_of("sync"), SECCOMP_RET_TRACE | 7);
	EXPECT1(&f, nr_of("mkdir"), SECCOMP_RET_USER_NOTIF);

	/* Another architecture: the bad-arch action. */
	{
		const uint32_t kill[] = {SECCOMP_RET_KILL_PROCESS};

		expect(&f, AUDIT_ARCH_I386, 3, kill, 1, false, 0);
		expect(&f, AUDIT_ARCH_AARCH64, 63, kill, 1, false, 0);
	}
	seccomp_inspect_filters_clear(&f);
}

static void test_names(void)
{
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_ALLOW)),
		  "allow");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_ERRNO | 1)),
		  "errno");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_KILL_PROCESS)),
		  "kill_process");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(0)), "kill_thread");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_TRAP)), "trap");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_TRACE | 3)),
		  "trace");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_LOG)), "log");
	CHECK_STR(seccomp_inspect_action_name(seccomp_inspect_action_of(SECCOMP_RET_USER_NOTIF)),
		  "user_notif");
	/* An action the kernel does not know kills the process. */
	CHECK(seccomp_inspect_action_of(0x00010000) == SECCOMP_INSPECT_KILL_PROCESS);
	CHECK(seccomp_inspect_audit_arch(SCMP_ARCH_X32) == AUDIT_ARCH_X86_64);
	CHECK(seccomp_inspect_audit_arch(SCMP_ARCH_X86) == AUDIT_ARCH_I386);
	CHECK(seccomp_inspect_audit_arch(0x1234) == 0);
	{
		uint32_t a[SECCOMP_INSPECT_MAX_ARCHES];
		size_t n = seccomp_inspect_host_arches(a);

		CHECK(n == 3 && a[0] == SCMP_ARCH_X86_64 && a[1] == SCMP_ARCH_X86 &&
		      a[2] == SCMP_ARCH_X32);
	}
}

/* clone allowed only without CLONE_NEWUSER: both outcomes, on argument 0. */
static void test_argument_rule(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	struct seccomp_inspect_filter one;
	struct seccomp_inspect_filters f;
	const uint32_t both[] = {SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW};
	const uint32_t three[] = {SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ERRNO | EACCES,
				  SECCOMP_RET_ALLOW};

	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
			       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, 0)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
			       SCMP_A0(SCMP_CMP_EQ, 8)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(personality), 1,
			       SCMP_A0(SCMP_CMP_EQ, 0xffffffff)) == 0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A2(SCMP_CMP_LT, 3)) ==
	      0);
	CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(getpid), 0) == 0);
	one = export(ctx);
	f = chain(&one, 1);

	expect(&f, NATIVE_AUDIT, nr_of("clone"), both, 2, false, SECCOMP_INSPECT_ARG(0));
	expect(&f, NATIVE_AUDIT, nr_of("personality"), three, 3, false, SECCOMP_INSPECT_ARG(0));
	expect(&f, NATIVE_AUDIT, nr_of("socket"), both, 2, false, SECCOMP_INSPECT_ARG(2));
	EXPECT1(&f, nr_of("getpid"), SECCOMP_RET_ALLOW);
	EXPECT1(&f, nr_of("unshare"), SECCOMP_RET_ERRNO | EPERM);
	seccomp_inspect_filters_clear(&f);
}

static struct seccomp_inspect_filter simple(uint32_t dflt, const char *name, uint32_t action)
{
	scmp_filter_ctx ctx = seccomp_init(dflt);

	if (name != NULL && seccomp_rule_add(ctx, action, seccomp_syscall_resolve_name(name), 0))
		exit(2);
	return export(ctx);
}

static void test_stacked(void)
{
	scmp_filter_ctx older = seccomp_init(SCMP_ACT_ALLOW), newer = seccomp_init(SCMP_ACT_ALLOW);
	struct seccomp_inspect_filter fs[2];
	struct seccomp_inspect_filters f, view;

	seccomp_rule_add(older, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0);
	seccomp_rule_add(older, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(uname), 0);
	seccomp_rule_add(older, SCMP_ACT_TRAP, SCMP_SYS(ptrace), 0);
	seccomp_rule_add(older, SCMP_ACT_LOG, SCMP_SYS(sync), 0);
	seccomp_rule_add(newer, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(uname), 0);
	seccomp_rule_add(newer, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ptrace), 0);
	seccomp_rule_add(newer, SCMP_ACT_LOG, SCMP_SYS(read), 0);
	seccomp_rule_add(newer, SCMP_ACT_TRACE(1), SCMP_SYS(sync), 0);
	fs[0] = export(newer); /* the kernel runs the most recent first */
	fs[1] = export(older);
	f = chain(fs, 2);

	EXPECT1(&f, nr_of("mount"), SECCOMP_RET_ERRNO | EPERM);
	EXPECT1(&f, nr_of("uname"), SECCOMP_RET_ERRNO | ENOSYS); /* a tie: the newer one */
	EXPECT1(&f, nr_of("ptrace"), SECCOMP_RET_KILL_PROCESS);
	EXPECT1(&f, nr_of("read"), SECCOMP_RET_LOG);
	EXPECT1(&f, nr_of("sync"), SECCOMP_RET_TRACE | 1); /* TRACE beats LOG */
	EXPECT1(&f, nr_of("getpid"), SECCOMP_RET_ALLOW);

	/* Each filter alone. */
	view = (struct seccomp_inspect_filters){
	    .mode = SECCOMP_MODE_FILTER, .filters = &f.filters[1], .n_filters = 1};
	EXPECT1(&view, nr_of("uname"), SECCOMP_RET_ERRNO | EACCES);
	EXPECT1(&view, nr_of("ptrace"), SECCOMP_RET_TRAP);
	view.filters = &f.filters[0];
	EXPECT1(&view, nr_of("mount"), SECCOMP_RET_ALLOW);
	seccomp_inspect_filters_clear(&f);
}

/* Two filters testing the same argument: only the combinations some
 * argument value gives. (EPERM from the first needs a0 == 5, which makes
 * the second trap.) */
static void test_stacked_arguments(void)
{
	scmp_filter_ctx a = seccomp_init(SCMP_ACT_ALLOW), b = seccomp_init(SCMP_ACT_ALLOW);
	struct seccomp_inspect_filter fs[2];
	struct seccomp_inspect_filters f;
	const uint32_t want[] = {SECCOMP_RET_TRAP, SECCOMP_RET_ALLOW};
	const uint32_t three[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ERRNO | EPERM,
				  SECCOMP_RET_ALLOW};

	seccomp_rule_add(a, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, 5));
	seccomp_rule_add(b, SCMP_ACT_TRAP, SCMP_SYS(prctl), 1, SCMP_A0(SCMP_CMP_EQ, 5));
	seccomp_rule_add(a, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	seccomp_rule_add(b, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWNS, CLONE_NEWNS));
	fs[0] = export(b);
	fs[1] = export(a);
	f = chain(fs, 2);
	expect(&f, NATIVE_AUDIT, nr_of("prctl"), want, 2, false, SECCOMP_INSPECT_ARG(0));
	expect(&f, NATIVE_AUDIT, nr_of("clone"), three, 3, false, SECCOMP_INSPECT_ARG(0));
	seccomp_inspect_filters_clear(&f);
}

#define LD_ABS(k) BPF_STMT(BPF_LD | BPF_W | BPF_ABS, k)
#define RET(k)	  BPF_STMT(BPF_RET | BPF_K, k)
#define ARG_LO(i) (16 + 8 * (i)) /* little endian */
#define ONE(prog) one_prog(prog, ARRAY_SIZE(prog))

static struct seccomp_inspect_filters one_prog(const struct sock_filter *insns, size_t len)
{
	struct seccomp_inspect_filter p = copy_prog(insns, len);

	return chain(&p, 1);
}

static void test_hand_written(void)
{
	/* Scratch memory, TAX/TXA, ALU with X, RET A. */
	const struct sock_filter scratch[] = {
	    LD_ABS(0),
	    BPF_STMT(BPF_ST, 3),
	    BPF_STMT(BPF_LD | BPF_IMM, SECCOMP_RET_ERRNO),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_LD | BPF_MEM, 3),
	    BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
	    BPF_STMT(BPF_ALU | BPF_OR | BPF_X, 0),
	    BPF_STMT(BPF_RET | BPF_A, 0),
	};
	/* Every ALU operation on the known nr, the result returned as errno
	 * data: A = -(-(((((nr * 3 - 1) << 4) >> 2) ^ 5) & 0xff) / 2) */
	const struct sock_filter alu[] = {
	    LD_ABS(0),
	    BPF_STMT(BPF_ALU | BPF_MUL | BPF_K, 3),
	    BPF_STMT(BPF_ALU | BPF_SUB | BPF_K, 1),
	    BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 4),
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 2),
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_K, 5),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xff),
	    BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 2),
	    BPF_STMT(BPF_ALU | BPF_NEG, 0),
	    BPF_STMT(BPF_ALU | BPF_NEG, 0),
	    BPF_STMT(BPF_ST, 0),
	    BPF_STMT(BPF_LDX | BPF_MEM, 0),
	    BPF_STMT(BPF_STX, 1),
	    BPF_STMT(BPF_LD | BPF_IMM, 0),
	    BPF_STMT(BPF_LD | BPF_MEM, 1),
	    BPF_STMT(BPF_LDX | BPF_IMM, 2), /* X = 2: A * X - X + X */
	    BPF_STMT(BPF_ALU | BPF_MUL | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_SUB | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_LSH | BPF_X, 0), /* << 2 >> 2 */
	    BPF_STMT(BPF_ALU | BPF_RSH | BPF_X, 0),
	    BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), /* / 2 */
	    BPF_STMT(BPF_ALU | BPF_XOR | BPF_X, 0), /* ^ 2 */
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xffff),
	    BPF_STMT(BPF_ALU | BPF_OR | BPF_K, SECCOMP_RET_ERRNO),
	    BPF_STMT(BPF_RET | BPF_A, 0),
	};
	/* Jumps with K and X, JSET, LEN. */
	const struct sock_filter jumps[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, sizeof(struct seccomp_data), 1, 0),
	    RET(SECCOMP_RET_KILL_THREAD),
	    BPF_STMT(BPF_LDX | BPF_W | BPF_LEN, 0),
	    LD_ABS(0),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_X, 0, 0, 1), /* nr > 64 */
	    RET(SECCOMP_RET_ERRNO | 1),
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 10, 1, 0), /* nr < 10 */
	    RET(SECCOMP_RET_ERRNO | 2),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1, 0, 1), /* odd */
	    RET(SECCOMP_RET_ERRNO | 3),
	    BPF_STMT(BPF_LDX | BPF_IMM, 4),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_X, 0, 0, 1),
	    RET(SECCOMP_RET_ERRNO | 4),
	    BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),		  /* jumped over */
	    BPF_JUMP(BPF_JMP | BPF_JGE | BPF_X, 0, 0, 1), /* X = 4 */
	    RET(SECCOMP_RET_ALLOW),
	    RET(SECCOMP_RET_KILL_PROCESS),
	};
	const struct sock_filter notif[] = {RET(SECCOMP_RET_USER_NOTIF | 0)};
	struct seccomp_inspect_filters f;

	f = ONE(scratch);
	EXPECT1(&f, 41, SECCOMP_RET_ERRNO | 42);
	seccomp_inspect_filters_clear(&f);

	f = ONE(alu);
	for (uint32_t nr = 0; nr < 300; nr += 37) {
		uint32_t a = ((((nr * 3 - 1) << 4) >> 2) ^ 5) & 0xff;

		a /= 2;
		a = ((((a * 2 - 2 + 2) << 2) >> 2) / 2) ^ 2;
		EXPECT1(&f, nr, SECCOMP_RET_ERRNO | (a & 0xffff));
	}
	seccomp_inspect_filters_clear(&f);

	f = ONE(jumps);
	EXPECT1(&f, 100, SECCOMP_RET_ERRNO | 1);
	EXPECT1(&f, 3, SECCOMP_RET_ERRNO | 2);
	EXPECT1(&f, 13, SECCOMP_RET_ERRNO | 3);
	EXPECT1(&f, 12, SECCOMP_RET_ERRNO | 4);
	EXPECT1(&f, 10, SECCOMP_RET_ALLOW);
	EXPECT1(&f, 64, SECCOMP_RET_ALLOW);
	seccomp_inspect_filters_clear(&f);

	f = ONE(notif);
	EXPECT1(&f, 0, SECCOMP_RET_USER_NOTIF);
	seccomp_inspect_filters_clear(&f);
}

/* Unknown values: branches on arguments and the instruction pointer,
 * RET A on an argument, division by an unknown X. */
static void test_unknowns(void)
{
	const struct sock_filter jset[] = {
	    LD_ABS(ARG_LO(1)),
	    BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x10000000, 0, 1),
	    RET(SECCOMP_RET_ERRNO | 1),
	    RET(SECCOMP_RET_ALLOW),
	};
	const struct sock_filter ip[] = {
	    LD_ABS(8),
	    BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, 0x1000, 0, 1),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    RET(SECCOMP_RET_ALLOW),
	};
	const struct sock_filter ret_a[] = {LD_ABS(ARG_LO(5)), BPF_STMT(BPF_RET | BPF_A, 0)};
	/* The kernel's internal rewrite of a load: not for user programs. */
	const struct sock_filter internal[] = {BPF_STMT(BPF_LDX | BPF_W | BPF_ABS, 0), RET(0)};
	const struct sock_filter div_x[] = {
	    LD_ABS(ARG_LO(3)),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_LD | BPF_IMM, 100),
	    BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0),
	    RET(SECCOMP_RET_ALLOW),
	};
	const struct sock_filter div_zero[] = {
	    BPF_STMT(BPF_LD | BPF_IMM, 100),
	    BPF_STMT(BPF_ALU | BPF_DIV | BPF_X, 0), /* X is 0 at the start */
	    RET(SECCOMP_RET_ALLOW),
	};
	/* What a test of equality teaches reaches the copies of the word:
	 * the KILL is unreachable, and so is the TRAP (a0 == 7 twice). */
	const struct sock_filter learn[] = {
	    LD_ABS(ARG_LO(0)),
	    BPF_STMT(BPF_MISC | BPF_TAX, 0),
	    BPF_STMT(BPF_ST, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 0, 5),
	    BPF_STMT(BPF_MISC | BPF_TXA, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 7, 1, 0),
	    RET(SECCOMP_RET_KILL_PROCESS),
	    BPF_STMT(BPF_LD | BPF_MEM, 0),
	    BPF_STMT(BPF_RET | BPF_A, 0), /* 7 = KILL_THREAD | 7 */
	    LD_ABS(ARG_LO(0)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_X, 0, 0, 1), /* X is a copy of the same word */
	    RET(SECCOMP_RET_ALLOW),
	    RET(SECCOMP_RET_TRAP),
	};
	struct seccomp_inspect_filters f;
	const uint32_t errno_allow[] = {SECCOMP_RET_ERRNO | 1, SECCOMP_RET_ALLOW};
	const uint32_t kill_allow[] = {SECCOMP_RET_KILL_PROCESS, SECCOMP_RET_ALLOW};
	const uint32_t zero_allow[] = {SECCOMP_RET_KILL_THREAD, SECCOMP_RET_ALLOW};
	const uint32_t seven_allow[] = {SECCOMP_RET_KILL_THREAD | 7, SECCOMP_RET_ALLOW};
	const uint32_t allow[] = {SECCOMP_RET_ALLOW};
	cella_error err;

	f = ONE(jset);
	expect(&f, NATIVE_AUDIT, 1, errno_allow, 2, false, SECCOMP_INSPECT_ARG(1));
	seccomp_inspect_filters_clear(&f);

	f = ONE(ip);
	expect(&f, NATIVE_AUDIT, 1, kill_allow, 2, false, SECCOMP_INSPECT_IP);
	seccomp_inspect_filters_clear(&f);

	/* ALLOW when a5 is 0x7fffxxxx (or higher), else anything. */
	f = ONE(ret_a);
	expect(&f, NATIVE_AUDIT, 1, allow, 1, true, SECCOMP_INSPECT_ARG(5));
	seccomp_inspect_filters_clear(&f);

	/* An unknown return stacked under a known one: either may win. */
	{
		struct seccomp_inspect_filter fs[2] = {copy_prog(ret_a, 2),
						       simple(SCMP_ACT_ERRNO(EPERM), NULL, 0)};
		const uint32_t eperm[] = {SECCOMP_RET_ERRNO | EPERM};

		f = chain(fs, 2);
		expect(&f, NATIVE_AUDIT, 1, eperm, 1, true, SECCOMP_INSPECT_ARG(5));
		seccomp_inspect_filters_clear(&f);
	}

	f = ONE(div_x);
	expect(&f, NATIVE_AUDIT, 1, zero_allow, 2, false, SECCOMP_INSPECT_ARG(3));
	seccomp_inspect_filters_clear(&f);

	f = ONE(div_zero);
	EXPECT1(&f, 1, SECCOMP_RET_KILL_THREAD);
	seccomp_inspect_filters_clear(&f);

	f = ONE(learn);
	expect(&f, NATIVE_AUDIT, 1, seven_allow, 2, false, SECCOMP_INSPECT_ARG(0));
	seccomp_inspect_filters_clear(&f);

	CHECK(seccomp_inspect_validate(internal, 2, &err) == -EINVAL);
}

static void check_invalid(const struct sock_filter *insns, size_t len, const char *needle)
{
	struct seccomp_inspect_filters f = one_prog(insns, len);
	struct seccomp_inspect_result r;
	cella_error err;

	cella_err_clear(&err);
	CHECK(seccomp_inspect_validate(insns, len, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, needle);
	cella_err_clear(&err);
	CHECK(seccomp_inspect_eval(&f, NATIVE_AUDIT, 0, &r, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "seccomp filter 0: ");
	CHECK_CONTAINS(err.msg, needle);
	seccomp_inspect_filters_clear(&f);
}

static void test_malformed(void)
{
	const struct sock_filter bad_op[] = {BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 0), RET(0)};
	const struct sock_filter past[] = {BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1), RET(0)};
	const struct sock_filter ja_past[] = {BPF_JUMP(BPF_JMP | BPF_JA, 1, 0, 0), RET(0)};
	const struct sock_filter no_ret[] = {LD_ABS(0)};
	const struct sock_filter unaligned[] = {LD_ABS(2), RET(0)};
	const struct sock_filter outside[] = {LD_ABS(64), RET(0)};
	const struct sock_filter no_m16[] = {BPF_STMT(BPF_ST, 16), RET(0)};
	const struct sock_filter div0[] = {BPF_STMT(BPF_ALU | BPF_DIV | BPF_K, 0), RET(0)};
	const struct sock_filter shift[] = {BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 32), RET(0)};
	const struct sock_filter mod[] = {BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, 3), RET(0)};
	const struct sock_filter ret_x[] = {BPF_STMT(BPF_RET | BPF_X, 0)};
	/* M[1] is stored on one path only. */
	const struct sock_filter unset[] = {
	    LD_ABS(ARG_LO(0)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 1, 0, 1),
	    BPF_STMT(BPF_ST, 1),
	    BPF_STMT(BPF_LD | BPF_MEM, 1),
	    RET(0),
	};
	cella_error err;

	check_invalid(bad_op, 2, "instruction 0: opcode 0x28 is not allowed");
	check_invalid(past, 2, "instruction 0: jump past the end");
	check_invalid(ja_past, 2, "instruction 0: jump past the end");
	check_invalid(no_ret, 1, "instruction 0: the last one is not a return");
	check_invalid(unaligned, 2, "instruction 0: load at offset 2");
	check_invalid(outside, 2, "instruction 0: load at offset 64");
	check_invalid(no_m16, 2, "instruction 0: no scratch word M[16]");
	check_invalid(div0, 2, "instruction 0: division by 0");
	check_invalid(shift, 2, "instruction 0: shift by 32");
	check_invalid(mod, 2, "opcode 0x94 is not allowed");
	check_invalid(ret_x, 1, "opcode 0x0e is not allowed");
	check_invalid(unset, 5, "instruction 3: reads M[1] before a store");
	{
		/* Shifts by up to 31 (LSH's opcode has the bits of BPF_MEM). */
		const struct sock_filter shifts[] = {
		    BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 20),
		    BPF_STMT(BPF_ALU | BPF_RSH | BPF_K, 31),
		    BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),
		    RET(SECCOMP_RET_ALLOW),
		};

		CHECK(seccomp_inspect_validate(shifts, ARRAY_SIZE(shifts), &err) == 0);
	}
	CHECK(seccomp_inspect_validate(unset, 0, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "a filter of 0 instructions");
	{
		struct seccomp_inspect_filters none = {.mode = SECCOMP_MODE_FILTER};
		struct seccomp_inspect_filters odd = {.mode = 7};
		struct seccomp_inspect_result r;

		CHECK(seccomp_inspect_eval(&none, NATIVE_AUDIT, 0, &r, &err) == -EINVAL);
		CHECK(seccomp_inspect_eval(&odd, NATIVE_AUDIT, 0, &r, &err) == -EINVAL);
		CHECK_CONTAINS(err.msg, "unknown seccomp mode 7");
	}
}

/* Programs whose paths multiply. When they meet again in the same state,
 * one walk is enough; when they carry different values, the budget stops
 * the evaluation. */
static void test_complexity(void)
{
	enum { BLOCKS = 150, WIDE = 24 };
	struct sock_filter converging[BLOCKS * 3 + 1], diverging[WIDE * 9 + 5];
	struct seccomp_inspect_table t;
	struct seccomp_inspect_summary s;
	struct seccomp_inspect_filters f;
	struct seccomp_inspect_result r;
	const uint32_t allow[] = {SECCOMP_RET_ALLOW};
	cella_error err;
	size_t n = 0;
	time_t t0;

	for (unsigned i = 0; i < BLOCKS; i++) {
		converging[n++] = (struct sock_filter)LD_ABS(ARG_LO(i % 6));
		converging[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1U << (i % 32), 1, 0);
		converging[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	}
	converging[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	f = one_prog(converging, n);
	expect(&f, NATIVE_AUDIT, 0, allow, 1, false, 0x3f);
	seccomp_inspect_filters_clear(&f);

	/* M[0] = M[0] * 2 + (bit i of a0): 2^WIDE different states, for
	 * system call 0 (the others are allowed). */
	n = 0;
	diverging[n++] = (struct sock_filter)LD_ABS(0);
	diverging[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0);
	diverging[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	diverging[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, 0);
	diverging[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);
	for (unsigned i = 0; i < WIDE; i++) {
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 0);
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 1);
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);
		diverging[n++] = (struct sock_filter)LD_ABS(ARG_LO(0));
		diverging[n++] =
		    (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 1U << i, 0, 3);
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_MEM, 0);
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_OR | BPF_K, 1);
		diverging[n++] = (struct sock_filter)BPF_STMT(BPF_ST, 0);
		diverging[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA, 0, 0, 0);
	}
	/* The last block's JA is the final return's place. */
	diverging[n - 1] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	CHECK(seccomp_inspect_validate(diverging, n, &err) == 0);
	f = one_prog(diverging, n);
	t0 = time(NULL);
	cella_err_clear(&err);
	CHECK(seccomp_inspect_eval(&f, NATIVE_AUDIT, 0, &r, &err) == -E2BIG);
	CHECK_CONTAINS(err.msg, "system call 0, arch 0xc000003e: too complex");
	CHECK(time(NULL) - t0 < 10);
	EXPECT1(&f, 1, SECCOMP_RET_ALLOW);

	/* In a table, that call is marked and the others evaluated. */
	CHECK(seccomp_inspect_table_build(&f, SCMP_ARCH_NATIVE, &t, &err) == 0);
	CHECK(t.n > 300 && t.syscalls[0].nr == 0 && t.syscalls[0].result.too_complex);
	CHECK(t.syscalls[0].result.n_rets == 0 && !t.syscalls[0].result.depends_on_args);
	seccomp_inspect_summarize(&t, &s);
	CHECK(s.too_complex == 1 && s.always[SECCOMP_INSPECT_ALLOW] == t.n - 1);
	seccomp_inspect_table_clear(&t);
	seccomp_inspect_filters_clear(&f);
}

static const struct seccomp_inspect_syscall *find(const struct seccomp_inspect_table *t,
						  const char *name)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->syscalls[i].name, name) == 0)
			return &t->syscalls[i];
	return NULL;
}

static void test_table(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	struct seccomp_inspect_filter one;
	struct seccomp_inspect_filters f, off = {.mode = 0}, strict = {.mode = 1};
	struct seccomp_inspect_table t;
	struct seccomp_inspect_summary s;
	const struct seccomp_inspect_syscall *sc;
	cella_error err;
	size_t sum = 0;

	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0);
	seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(kexec_load), 0);
	seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(clone), 1,
			 SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER));
	one = export(ctx);
	f = chain(&one, 1);

	CHECK(seccomp_inspect_table_build(&f, SCMP_ARCH_NATIVE, &t, &err) == 0);
	CHECK(t.scmp_arch == SCMP_ARCH_X86_64 && t.audit_arch == AUDIT_ARCH_X86_64);
	CHECK(t.n > 300);
	for (size_t i = 1; i < t.n; i++)
		CHECK(t.syscalls[i - 1].nr < t.syscalls[i].nr);
	sc = find(&t, "mount");
	CHECK(sc && sc->nr == nr_of("mount") && sc->result.n_rets == 1 &&
	      sc->result.rets[0] == (SECCOMP_RET_ERRNO | EPERM));
	sc = find(&t, "clone");
	CHECK(sc && sc->result.depends_on_args && sc->result.n_rets == 2 &&
	      sc->result.tested == SECCOMP_INSPECT_ARG(0));
	seccomp_inspect_summarize(&t, &s);
	CHECK(s.total == t.n);
	CHECK(s.always[SECCOMP_INSPECT_ERRNO] == 1 && s.always[SECCOMP_INSPECT_KILL_PROCESS] == 1);
	CHECK(s.depends == 1);
	CHECK(s.always[SECCOMP_INSPECT_ALLOW] == t.n - 3);
	for (size_t i = 0; i < SECCOMP_INSPECT_ACTION_COUNT; i++)
		sum += s.always[i];
	CHECK(sum + s.depends == s.total);
	seccomp_inspect_table_clear(&t);

	/* x32 numbers carry the x32 bit and are x86-64 to seccomp: this
	 * libseccomp filter, made for x86-64 only, kills them (bad arch). */
	CHECK(seccomp_inspect_table_build(&f, SCMP_ARCH_X32, &t, &err) == 0);
	CHECK(t.audit_arch == AUDIT_ARCH_X86_64 && t.n > 300);
	sc = find(&t, "read");
	CHECK(sc && sc->nr == 0x40000000);
	for (size_t i = 0; i < t.n; i++)
		CHECK(t.syscalls[i].nr & 0x40000000);
	seccomp_inspect_summarize(&t, &s);
	CHECK(s.always[SECCOMP_INSPECT_KILL_THREAD] == t.n);
	seccomp_inspect_table_clear(&t);

	CHECK(seccomp_inspect_table_build(&f, SCMP_ARCH_X86, &t, &err) == 0);
	CHECK(t.audit_arch == AUDIT_ARCH_I386 && t.n > 300);
	seccomp_inspect_summarize(&t, &s);
	CHECK(s.always[SECCOMP_INSPECT_KILL_THREAD] == t.n);
	seccomp_inspect_table_clear(&t);

	CHECK(seccomp_inspect_table_build(&off, SCMP_ARCH_NATIVE, &t, &err) == 0);
	seccomp_inspect_summarize(&t, &s);
	CHECK(s.total > 300 && s.always[SECCOMP_INSPECT_ALLOW] == s.total);
	seccomp_inspect_table_clear(&t);

	/* Strict mode: read, write, exit, rt_sigreturn, and the calls the
	 * kernel never filters (x86-64's uretprobe and uprobe, on kernels
	 * that have them). */
	CHECK(seccomp_inspect_table_build(&strict, SCMP_ARCH_NATIVE, &t, &err) == 0);
	seccomp_inspect_summarize(&t, &s);
	{
		size_t bypass = 0;
		for (size_t i = 0; i < t.n; i++)
			bypass += t.syscalls[i].no_seccomp;
		CHECK(s.always[SECCOMP_INSPECT_ALLOW] == 4 + bypass);
		CHECK(s.always[SECCOMP_INSPECT_KILL_THREAD] == s.total - 4 - bypass);
	}
	sc = find(&t, "rt_sigreturn");
	CHECK(sc && sc->result.rets[0] == SECCOMP_RET_ALLOW);
	seccomp_inspect_table_clear(&t);
	CHECK(seccomp_inspect_table_build(&strict, SCMP_ARCH_X86, &t, &err) == 0);
	sc = find(&t, "sigreturn");
	CHECK(sc && sc->nr == 119 && sc->result.rets[0] == SECCOMP_RET_ALLOW);
	seccomp_inspect_table_clear(&t);

	CHECK(seccomp_inspect_table_build(&f, 0x1234, &t, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "architecture 0x00001234 is unknown");
	seccomp_inspect_filters_clear(&f);
}

/* ---- live processes ---- */

static int own_seccomp_mode(void)
{
	return prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
}

static pid_t tracer_of(pid_t pid)
{
	char path[64];
	char *text = NULL;
	const char *p;
	pid_t tracer = -1;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
		return -1;
	p = strstr(text, "TracerPid:");
	if (p != NULL)
		tracer = (pid_t)atoi(p + strlen("TracerPid:"));
	free(text);
	return tracer;
}

static scmp_filter_ctx live_older(void)
{
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);

	seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(mount), 0);
	seccomp_rule_add(c, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(uname), 0);
	return c;
}

static scmp_filter_ctx live_newer(void)
{
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);

	seccomp_rule_add(c, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(uname), 0);
	seccomp_rule_add(c, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(setns), 1,
			 SCMP_A1(SCMP_CMP_EQ, CLONE_NEWUSER));
	return c;
}

struct child {
	pid_t pid;
	int report; /* the child writes uname's errno here */
	int go;	    /* a byte here makes it exit 7 */
};

/* A child that installs the two filters (filters > 0), reports what uname
 * got, and waits in read() for the word to exit. */
static struct child spawn(int filters)
{
	int rep[2], go[2];
	struct child c = {.pid = -1};

	if (pipe2(rep, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return c;
	c.pid = fork();
	if (c.pid == 0) {
		struct utsname u;
		int e = 0;
		char b;

		close(rep[0]);
		close(go[1]);
		if (filters > 0 &&
		    (seccomp_load(live_older()) < 0 || seccomp_load(live_newer()) < 0))
			_exit(3);
		if (uname(&u) < 0)
			e = errno;
		if (write(rep[1], &e, sizeof(e)) != sizeof(e))
			_exit(4);
		while (read(go[0], &b, 1) < 0 && errno == EINTR)
			;
		_exit(7);
	}
	close(rep[1]);
	close(go[0]);
	c.report = rep[0];
	c.go = go[1];
	return c;
}

/* Tell the child to exit; true when it did so by itself (it was running,
 * neither stopped nor traced). */
static bool finish_child(struct child *c)
{
	int st = 0;

	if (write(c->go, "x", 1) != 1)
		return false;
	close(c->go);
	close(c->report);
	if (waitpid(c->pid, &st, 0) != c->pid)
		return false;
	return WIFEXITED(st) && WEXITSTATUS(st) == 7;
}

static bool same_prog(const struct seccomp_inspect_filter *f, scmp_filter_ctx ctx)
{
	struct seccomp_inspect_filter want = export(ctx);
	bool same =
	    f->len == want.len && memcmp(f->insns, want.insns, want.len * sizeof(*want.insns)) == 0;

	free(want.insns);
	return same;
}

static void test_live_read(void)
{
	struct child c = spawn(1);
	struct seccomp_inspect_filters f = {0};
	struct seccomp_inspect_result r;
	cella_error err;
	int child_errno = -1;

	CHECK(c.pid > 0);
	CHECK(read(c.report, &child_errno, sizeof(child_errno)) == sizeof(child_errno));
	CHECK(child_errno == ENOSYS); /* the newer filter's errno wins the tie */
	cella_err_clear(&err);
	if (seccomp_inspect_read(c.pid, &f, &err) < 0) {
		fprintf(stderr, "read: %s\n", err.msg);
		CHECK(0);
	}
	CHECK(f.mode == SECCOMP_MODE_FILTER);
	CHECK(f.status_filters == 2);
	CHECK(f.n_filters == 2);
	if (f.n_filters == 2) {
		CHECK(same_prog(&f.filters[0], live_newer()));
		CHECK(same_prog(&f.filters[1], live_older()));
		CHECK(f.filters[0].log == 0);
		CHECK(seccomp_inspect_eval(&f, NATIVE_AUDIT, nr_of("uname"), &r, &err) == 0);
		CHECK(r.n_rets == 1 && r.rets[0] == (SECCOMP_RET_ERRNO | (uint32_t)child_errno));
		seccomp_inspect_result_clear(&r);
		EXPECT1(&f, nr_of("mount"), SECCOMP_RET_ERRNO | EPERM);
		EXPECT1(&f, nr_of("getpid"), SECCOMP_RET_ALLOW);
		{
			const uint32_t want[] = {SECCOMP_RET_ERRNO | EPERM, SECCOMP_RET_ALLOW};

			expect(&f, NATIVE_AUDIT, nr_of("setns"), want, 2, false,
			       SECCOMP_INSPECT_ARG(1));
		}
	}
	seccomp_inspect_filters_clear(&f);
	CHECK(tracer_of(c.pid) == 0);
	CHECK(finish_child(&c));
}

static void test_live_no_seccomp(void)
{
	struct child c = spawn(0);
	struct seccomp_inspect_filters f = {.mode = -1};
	cella_error err;
	int e;

	CHECK(read(c.report, &e, sizeof(e)) == sizeof(e) && e == 0);
	CHECK(seccomp_inspect_read(c.pid, &f, &err) == 0);
	CHECK(f.mode == 0 && f.n_filters == 0 && f.filters == NULL && f.status_filters == 0);
	CHECK(finish_child(&c));
}

static char state_of(pid_t pid)
{
	char path[64], *text = NULL, state = 0;
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
		return 0;
	p = strstr(text, "State:");
	if (p != NULL)
		state = p[strlen("State:") + strspn(p + strlen("State:"), " \t")];
	free(text);
	return state;
}

/* A process stopped by SIGSTOP stays stopped (and untraced) after the
 * read, and runs on with SIGCONT. */
static void test_live_stopped(void)
{
	struct child c = spawn(1);
	struct seccomp_inspect_filters f = {0};
	cella_error err;
	int e;

	CHECK(read(c.report, &e, sizeof(e)) == sizeof(e));
	CHECK(kill(c.pid, SIGSTOP) == 0);
	for (int i = 0; i < 1000 && state_of(c.pid) != 'T'; i++)
		usleep(1000);
	CHECK(state_of(c.pid) == 'T');
	cella_err_clear(&err);
	CHECK(seccomp_inspect_read(c.pid, &f, &err) == 0);
	CHECK(f.n_filters == 2);
	seccomp_inspect_filters_clear(&f);
	usleep(20000);
	CHECK(state_of(c.pid) == 'T');
	CHECK(tracer_of(c.pid) == 0);
	CHECK(kill(c.pid, SIGCONT) == 0);
	CHECK(finish_child(&c));
}

static void test_live_errors(void)
{
	struct seccomp_inspect_filters f = {0};
	struct child c = spawn(1);
	cella_error err;
	pid_t gone, reader;
	int e, st, p[2];

	CHECK(read(c.report, &e, sizeof(e)) == sizeof(e));

	/* Gone. */
	gone = fork();
	if (gone == 0)
		_exit(0);
	waitpid(gone, NULL, 0);
	cella_err_clear(&err);
	CHECK(seccomp_inspect_read(gone, &f, &err) == -ESRCH);
	CHECK(strstr(err.msg, "process ") != NULL);
	CHECK(seccomp_inspect_read(0, &f, &err) == -EINVAL);

	/* Already traced (by us). */
	CHECK(ptrace(PTRACE_SEIZE, c.pid, NULL, NULL) == 0);
	cella_err_clear(&err);
	CHECK(seccomp_inspect_read(c.pid, &f, &err) == -EPERM);
	{
		char want[64];

		snprintf(want, sizeof(want), "already traced by process %d", (int)getpid());
		CHECK_CONTAINS(err.msg, want);
	}
	CHECK(ptrace(PTRACE_INTERRUPT, c.pid, NULL, NULL) == 0);
	CHECK(waitpid(c.pid, &st, __WALL) == c.pid && WIFSTOPPED(st));
	CHECK(ptrace(PTRACE_DETACH, c.pid, NULL, NULL) == 0);
	CHECK(tracer_of(c.pid) == 0);

	/* A reader under seccomp gets EACCES; the tracee is let go. */
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	reader = fork();
	if (reader == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
		struct seccomp_inspect_filters g = {0};
		cella_error e2;
		int ret;

		seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), SCMP_SYS(acct), 0);
		if (seccomp_load(ctx) < 0)
			_exit(3);
		cella_err_clear(&e2);
		ret = seccomp_inspect_read(c.pid, &g, &e2);
		if (write(p[1], &ret, sizeof(ret)) != sizeof(ret) ||
		    write(p[1], e2.msg, sizeof(e2.msg)) != sizeof(e2.msg))
			_exit(4);
		_exit(0);
	}
	close(p[1]);
	{
		int ret = 0;
		char msg[CELLA_ERROR_MSG_MAX] = "";

		CHECK(read(p[0], &ret, sizeof(ret)) == sizeof(ret));
		CHECK(read_all(p[0], msg, sizeof(msg)) == sizeof(msg));
		msg[sizeof(msg) - 1] = '\0';
		CHECK(ret == -EACCES);
		CHECK_CONTAINS(msg, "read filter 0 (the caller lacks CAP_SYS_ADMIN or is itself "
				    "under seccomp)");
	}
	close(p[0]);
	CHECK(waitpid(reader, &st, 0) == reader && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(tracer_of(c.pid) == 0);
	CHECK(finish_child(&c));
}

/* ---- against the kernel ---- */

struct gen {
	uint64_t s;
	uint32_t pool[8]; /* constants the programs and the arguments share */
};

static uint32_t rnd(struct gen *g)
{
	g->s ^= g->s << 13;
	g->s ^= g->s >> 7;
	g->s ^= g->s << 17;
	return (uint32_t)(g->s >> 16);
}

static uint32_t pooled(struct gen *g)
{
	return g->pool[rnd(g) % 8];
}

enum { GETPPID = 110, MAX_PROG = 160 };

/* A random valid filter: getppid goes through a random body whose returns
 * are ERRNO (data 0..4095) or ALLOW, every other call is allowed. */
static size_t random_prog(struct gen *g, struct sock_filter *p)
{
	static const uint16_t alu_ops[] = {BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_AND,
					   BPF_OR,  BPF_XOR, BPF_LSH, BPF_RSH, BPF_NEG};
	static const uint16_t jmp_ops[] = {BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET};
	static const uint16_t mem_ops[] = {BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX};
	uint8_t kind[64], size[64];
	size_t start[65], n = 0, nb = 8 + rnd(g) % 40;

	p[n++] = (struct sock_filter)LD_ABS(0);
	p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, GETPPID, 1, 0);
	p[n++] = (struct sock_filter)RET(SECCOMP_RET_ALLOW);
	for (unsigned i = 0; i < 4; i++) {
		p[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_IMM, pooled(g));
		p[n++] = (struct sock_filter)BPF_STMT(BPF_ST, i);
	}
	/* Blocks first, so that jumps can aim at the start of a later one. */
	for (size_t b = 0; b < nb; b++) {
		kind[b] = (uint8_t)(rnd(g) % 9);
		size[b] = kind[b] == 8 ? 3 : 1;
		start[b] = b ? start[b - 1] + size[b - 1] : n;
	}
	start[nb] = start[nb - 1] + size[nb - 1]; /* the final return */
	for (size_t b = 0; b < nb; b++) {
		uint32_t k = pooled(g), r = rnd(g);
		uint16_t src = (r & 1) ? BPF_X : BPF_K;
		size_t t1 = b + 1 + rnd(g) % (nb - b), t2 = b + 1 + rnd(g) % (nb - b);
		uint16_t op;

		switch (kind[b]) {
		case 0: /* nr, arch, ip, or an argument word */
			p[n++] = (struct sock_filter)LD_ABS(r % 3 ? 16 + 4 * (rnd(g) % 12)
								  : 4 * (rnd(g) % 4));
			break;
		case 1:
			p[n++] =
			    (struct sock_filter)BPF_STMT((r & 2 ? BPF_LD : BPF_LDX) | BPF_IMM, k);
			break;
		case 2:
			p[n++] = (struct sock_filter)BPF_STMT(mem_ops[r % 4], rnd(g) % 4);
			break;
		case 3:
			p[n++] =
			    (struct sock_filter)BPF_STMT(BPF_MISC | (r & 2 ? BPF_TAX : BPF_TXA), 0);
			break;
		case 4:
			op = alu_ops[rnd(g) % ARRAY_SIZE(alu_ops)];
			if (op == BPF_DIV) /* by X it may kill with 0: by K only */
				src = BPF_K, k = k ? k : 3;
			if (op == BPF_LSH || op == BPF_RSH)
				k %= 32;
			p[n++] = (struct sock_filter)BPF_STMT(
			    BPF_ALU | op | (op == BPF_NEG ? 0 : src), k);
			break;
		case 5:
			op = jmp_ops[rnd(g) % ARRAY_SIZE(jmp_ops)];
			p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | op | src, k,
							      (uint8_t)(start[t1] - start[b] - 1),
							      (uint8_t)(start[t2] - start[b] - 1));
			break;
		case 6:
			p[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
							      start[t1] - start[b] - 1, 0, 0);
			break;
		case 7:
			p[n++] = (struct sock_filter)RET(r % 4 ? SECCOMP_RET_ERRNO | (rnd(g) % 4096)
							       : SECCOMP_RET_ALLOW);
			break;
		default:
			p[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xfff);
			p[n++] = (struct sock_filter)BPF_STMT(BPF_ALU | BPF_OR | BPF_K,
							      SECCOMP_RET_ERRNO);
			p[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_A, 0);
			break;
		}
	}
	p[n++] = (struct sock_filter)RET(SECCOMP_RET_ERRNO | (rnd(g) % 4096));
	return n;
}

/* Fork a child that installs the filters (oldest first) and makes getppid
 * with each argument vector; what it got, as a seccomp return value. */
static bool kernel_outcomes(struct seccomp_inspect_filter *fs, size_t n, uint64_t (*args)[6],
			    size_t n_args, uint32_t *out)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0 || (pid = fork()) < 0)
		return false;
	if (pid == 0) {
		close(p[0]);
		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		for (size_t i = n; i-- > 0;) {
			struct sock_fprog prog = {.len = (unsigned short)fs[i].len,
						  .filter = fs[i].insns};

			if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) < 0)
				_exit(4);
		}
		for (size_t i = 0; i < n_args; i++) {
			long r = syscall(SYS_getppid, args[i][0], args[i][1], args[i][2],
					 args[i][3], args[i][4], args[i][5]);
			uint32_t o = r < 0    ? SECCOMP_RET_ERRNO | (uint32_t)errno
				     : r == 0 ? SECCOMP_RET_ERRNO /* errno 0 */
					      : SECCOMP_RET_ALLOW;

			if (write(p[1], &o, sizeof(o)) != sizeof(o))
				_exit(5);
		}
		_exit(0);
	}
	close(p[1]);
	st = read_all(p[0], out, n_args * sizeof(*out)) == (ssize_t)(n_args * sizeof(*out));
	close(p[0]);
	if (waitpid(pid, &p[0], 0) != pid || !WIFEXITED(p[0]) || WEXITSTATUS(p[0]) != 0)
		return false;
	return st;
}

static void dump_prog(const struct seccomp_inspect_filter *f)
{
	for (size_t i = 0; i < f->len; i++)
		fprintf(stderr, "  %3zu: code 0x%02x jt %u jf %u k 0x%x\n", i, f->insns[i].code,
			f->insns[i].jt, f->insns[i].jf, f->insns[i].k);
}

/* Random programs, alone and stacked by two, run by the kernel on random
 * arguments: what the kernel did is always among the outcomes found. */
static void test_against_kernel(void)
{
	struct gen g = {.s = 0x9e3779b97f4a7c15ULL};
	size_t runs = 0, exact = 0, bad = 0;

	for (unsigned iter = 0; iter < 100 && bad < 3; iter++) {
		struct sock_filter buf[2][MAX_PROG];
		struct seccomp_inspect_filter fs[2];
		struct seccomp_inspect_filters f;
		struct seccomp_inspect_result r;
		uint64_t args[24][6];
		uint32_t seen[24];
		size_t n = 1 + iter % 2, distinct = 0;
		cella_error err;

		for (size_t i = 0; i < 8; i++)
			g.pool[i] = i < 4 ? (uint32_t[]){0, 1, 5, 0xffffffff}[i] : rnd(&g);
		for (size_t i = 0; i < n; i++) {
			fs[i].len = random_prog(&g, buf[i]);
			fs[i].insns = buf[i];
			fs[i].log = 0;
		}
		for (size_t i = 0; i < ARRAY_SIZE(args); i++)
			for (size_t j = 0; j < 6; j++)
				args[i][j] =
				    pooled(&g) | (rnd(&g) % 4 ? 0 : (uint64_t)pooled(&g) << 32);
		f = (struct seccomp_inspect_filters){
		    .mode = SECCOMP_MODE_FILTER, .filters = fs, .n_filters = n};
		cella_err_clear(&err);
		if (seccomp_inspect_eval(&f, NATIVE_AUDIT, GETPPID, &r, &err) < 0) {
			fprintf(stderr, "iteration %u: %s\n", iter, err.msg);
			CHECK(0);
			bad++;
			continue;
		}
		if (!kernel_outcomes(fs, n, args, ARRAY_SIZE(args), seen)) {
			CHECK(0);
			bad++;
		}
		for (size_t i = 0; i < ARRAY_SIZE(args) && !r.any; i++) {
			bool found = false;

			for (size_t j = 0; j < r.n_rets; j++)
				found = found || r.rets[j] == seen[i];
			if (!found) {
				fprintf(stderr,
					"iteration %u: the kernel returned 0x%08x for "
					"args[%zu], not among the %zu outcomes\n",
					iter, seen[i], i, r.n_rets);
				for (size_t k = 0; k < n; k++)
					dump_prog(&fs[k]);
				CHECK(0);
				bad++;
				break;
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(args); i++) {
			bool first = true;

			for (size_t j = 0; j < i; j++)
				first = first && seen[j] != seen[i];
			distinct += first;
		}
		runs++;
		exact += !r.any && distinct == r.n_rets;
		seccomp_inspect_result_clear(&r);
	}
	printf("test_against_kernel: %zu runs, %zu with every outcome observed\n", runs, exact);
}

/* Has the kernel accepted prog? A child tries to install it and notes the
 * answer in shared memory: once it is installed, it may not be able to
 * make any system call, so it is killed from outside. */
static int kernel_accepts(const struct sock_filter *insns, size_t len)
{
	volatile int *shared =
	    mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	struct timespec pause_ = {.tv_nsec = 100000};
	int answer = -1;
	pid_t pid;

	if (shared == MAP_FAILED)
		return -1;
	*shared = 0;
	pid = fork();
	if (pid == 0) {
		struct sock_fprog prog = {.len = (unsigned short)len,
					  .filter = (struct sock_filter *)insns};
		long r;

		if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
			_exit(3);
		r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
		*shared = r == 0 ? 1 : errno == EINVAL ? 2 : 3;
		for (;;)
			;
	}
	for (int i = 0; pid > 0 && i < 50000 && *shared == 0; i++)
		nanosleep(&pause_, NULL);
	answer = *shared == 1 ? 1 : *shared == 2 ? 0 : -1;
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	munmap((void *)shared, 4096);
	return answer;
}

/* Broken programs: seccomp_inspect_validate() and the kernel agree. */
static void test_validate_against_kernel(void)
{
	struct gen g = {.s = 0x2545f4914f6cdd1dULL};
	static const uint32_t ks[] = {2, 15, 16, 31, 32, 60, 61, 64, 0, 0xffffffff};
	size_t accepted = 0, rejected = 0, bad = 0;

	for (unsigned iter = 0; iter < 200 && bad < 3; iter++) {
		struct sock_filter p[MAX_PROG];
		size_t len, at;
		int kernel, ours;
		cella_error err;

		for (size_t i = 0; i < 8; i++)
			g.pool[i] = rnd(&g) % 70;
		len = random_prog(&g, p);
		at = rnd(&g) % len;
		switch (iter % 5) {
		case 0:
			p[at].code = (uint16_t)(rnd(&g) & 0xff);
			break;
		case 1:
			p[at].k = ks[rnd(&g) % ARRAY_SIZE(ks)];
			break;
		case 2:
			p[at].jt = (uint8_t)rnd(&g);
			p[at].jf = (uint8_t)rnd(&g);
			break;
		case 3: /* M[4..15] are never stored */
			p[at] = (struct sock_filter)BPF_STMT(
			    rnd(&g) % 2 ? BPF_LD | BPF_MEM : BPF_LDX | BPF_MEM, 4 + rnd(&g) % 13);
			break;
		default:
			len = at + 1;
			break;
		}
		kernel = kernel_accepts(p, len);
		ours = seccomp_inspect_validate(p, len, &err) == 0;
		CHECK(kernel >= 0);
		if (kernel >= 0 && kernel != ours) {
			fprintf(stderr, "iteration %u: kernel %s, validate %s (%s)\n", iter,
				kernel ? "accepts" : "refuses", ours ? "accepts" : "refuses",
				ours ? "" : err.msg);
			CHECK(0);
			bad++;
		}
		accepted += kernel == 1;
		rejected += kernel == 0;
	}
	printf("test_validate_against_kernel: kernel accepted %zu, refused %zu\n", accepted,
	       rejected);
	CHECK(accepted > 20 && rejected > 20);
}

int main(void)
{
#ifndef __x86_64__
	/* System call numbers, argument offsets and architectures below are
	 * x86-64's. */
	printf("test_seccomp_inspect: skipped (not x86-64)\n");
	return unit_done();
#endif
	RUN(test_names);
	RUN(test_actions);
	RUN(test_argument_rule);
	RUN(test_stacked);
	RUN(test_stacked_arguments);
	RUN(test_hand_written);
	RUN(test_unknowns);
	RUN(test_malformed);
	RUN(test_complexity);
	RUN(test_table);
	if (geteuid() != 0 || own_seccomp_mode() != 0) {
		printf("test_seccomp_inspect: live tests skipped (need root, outside seccomp)\n");
	} else {
		RUN(test_live_read);
		RUN(test_live_no_seccomp);
		RUN(test_live_stopped);
		RUN(test_live_errors);
	}
	if (own_seccomp_mode() != 0) {
		printf("test_seccomp_inspect: kernel comparisons skipped (under seccomp)\n");
	} else {
		RUN(test_against_kernel);
		RUN(test_validate_against_kernel);
	}
	return unit_done();
}
