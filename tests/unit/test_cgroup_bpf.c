/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup v2 device filter (kernel/cgroup_bpf.c).
 *
 * Pure part: the fold of OCI rules into cgroup v1's list, the exact
 * instructions of small programs, and what the programs answer, run through
 * a small interpreter of the instructions the builder emits, against
 * answers written out by hand for representative rule lists (the default
 * OCI list cella uses, a deny after it, wildcards, resets).
 *
 * Kernel part, as root only (a line says when it is skipped): the programs
 * load (bpf(BPF_PROG_LOAD)), a broken one fails with the verifier's words,
 * and in a cgroup v2 cgroup of our own (/cella-bpf-test-PID in the unified
 * hierarchy) install enforces, replaces cella's previous filter (never
 * leaving the cgroup without one) and leaves another program alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "kernel/cgroup.h"
#include "kernel/cgroup_bpf.h"
#include "spec/spec_resources.h"
#include "util/cleanup.h"
#include "util/util.h"

#define R  BPF_DEVCG_ACC_READ
#define W  BPF_DEVCG_ACC_WRITE
#define M  BPF_DEVCG_ACC_MKNOD
#define CH BPF_DEVCG_DEV_CHAR
#define BL BPF_DEVCG_DEV_BLOCK

/* ---- an interpreter of what the builder emits ---- */

static int interp_bad;

/* r0 of the program for one request; -1 (and a failed check) on an
 * instruction the builder should not emit, or a jump out of range. */
static long run(const struct bpf_insn *p, size_t n, unsigned type, unsigned access, unsigned major,
		unsigned minor)
{
	struct bpf_cgroup_dev_ctx ctx = {(access << 16) | type, major, minor};
	uint64_t r[11] = {0};
	bool r0_set = false;

	r[1] = (uint64_t)(uintptr_t)&ctx;
	for (size_t pc = 0; pc < n; pc++) {
		const struct bpf_insn *i = &p[pc];
		uint64_t *d = &r[i->dst_reg];
		uint64_t imm = (uint64_t)(int64_t)i->imm;

		switch (i->code) {
		case BPF_LDX | BPF_W | BPF_MEM:
			CHECK(i->src_reg == BPF_REG_1 && i->off >= 0 && i->off <= 8);
			*d = *(const uint32_t *)((const char *)&ctx + i->off);
			break;
		case BPF_ALU64 | BPF_MOV | BPF_X:
			*d = r[i->src_reg];
			break;
		case BPF_ALU64 | BPF_MOV | BPF_K:
			*d = imm;
			r0_set |= i->dst_reg == BPF_REG_0;
			break;
		case BPF_ALU | BPF_MOV | BPF_X:
			*d = (uint32_t)r[i->src_reg];
			break;
		case BPF_ALU | BPF_AND | BPF_K:
			*d = (uint32_t)(*d & imm);
			break;
		case BPF_ALU | BPF_RSH | BPF_K:
			*d = (uint32_t)*d >> i->imm;
			break;
		case BPF_JMP | BPF_JNE | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_K: {
			bool eq = *d == imm;

			CHECK(i->off >= 0 && pc + 1 + (size_t)i->off < n);
			if (i->off < 0 || pc + 1 + (size_t)i->off >= n) {
				interp_bad++;
				return -1;
			}
			if (eq == ((i->code & 0xf0) == BPF_JEQ))
				pc += (size_t)i->off;
			break;
		}
		case BPF_JMP | BPF_EXIT:
			CHECK(r0_set);
			return (long)r[0];
		default:
			fprintf(stderr, "unexpected instruction 0x%02x at %zu\n", i->code, pc);
			interp_bad++;
			return -1;
		}
	}
	CHECK(!"the program runs off its end");
	return -1;
}

/* ---- rule lists ---- */

struct rules {
	struct cella_device_rule v[64];
	size_t n;
};

static void add(struct rules *l, bool allow, char type, int64_t major, int64_t minor,
		const char *access)
{
	struct cella_device_rule *d = &l->v[l->n++];

	memset(d, 0, sizeof(*d));
	d->allow = allow;
	d->type = type;
	d->major = major;
	d->minor = minor;
	snprintf(d->access, sizeof(d->access), "%s", access);
}

/* What cella asks for with the default spec: deny all, then the standard
 * devices (spec_resources.c adds them after the deny). */
static void default_list(struct rules *l)
{
	struct cella_resources r;

	memset(&r, 0, sizeof(r));
	r.devices = xcalloc(1, sizeof(*r.devices));
	r.devices[0] = (struct cella_device_rule){false, 'a', -1, -1, "rwm"};
	r.n_devices = 1;
	cella_spec_resources_device_defaults(&r);
	l->n = 0;
	for (size_t i = 0; i < r.n_devices && l->n < ARRAY_SIZE(l->v); i++)
		l->v[l->n++] = r.devices[i];
	cella_resources_clear(&r);
}

/* The program's answer for rules (1 allow, 0 deny). */
static long allowed(const struct rules *l, unsigned type, unsigned major, unsigned minor,
		    unsigned access)
{
	cleanup_free struct bpf_insn *p = NULL;
	size_t n = 0;
	cella_error err;

	if (cella_devcg_build(l->v, l->n, &p, &n, &err) < 0) {
		CHECK(!"build failed");
		return -1;
	}
	return run(p, n, type, access, major, minor);
}

/* ---- the fold ---- */

static void test_access_bits(void)
{
	char buf[64];

	CHECK(cella_devcg_access("rwm") == (R | W | M));
	CHECK(cella_devcg_access("r") == R);
	CHECK(cella_devcg_access("mw") == (M | W));
	cella_devcg_format('c', 1, 3, R | W, buf, sizeof(buf));
	CHECK_STR(buf, "c 1:3 rw");
	cella_devcg_format('b', -1, -1, M, buf, sizeof(buf));
	CHECK_STR(buf, "b *:* m");
}

static void test_fold_default_list(void)
{
	struct rules l;
	struct cella_devcg d;

	default_list(&l);
	CHECK(l.n > 8);
	cella_devcg_fold(l.v, l.n, &d);
	CHECK(!d.allow_default);
	CHECK(d.n_ex == l.n - 1); /* every allow after the deny-all */
	CHECK(d.n_ignored == 0);
	CHECK(d.ex[0].type == 'c' && d.ex[0].major == -1 && d.ex[0].minor == -1 &&
	      d.ex[0].access == M);
	cella_devcg_clear(&d);
}

static void test_fold_merge_and_remove(void)
{
	struct rules l = {.n = 0};
	struct cella_devcg d;

	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 1, 3, "r");
	add(&l, true, 'c', 1, 3, "w");
	add(&l, false, 'c', 1, 3, "r");
	cella_devcg_fold(l.v, l.n, &d);
	CHECK(!d.allow_default && d.n_ex == 1);
	CHECK(d.ex[0].major == 1 && d.ex[0].minor == 3 && d.ex[0].access == W);
	cella_devcg_clear(&d);

	/* Everything of the only exception taken: none left. */
	l.n = 0;
	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 1, 3, "rwm");
	add(&l, false, 'c', 1, 3, "rwm");
	cella_devcg_fold(l.v, l.n, &d);
	CHECK(!d.allow_default && d.n_ex == 0 && d.n_ignored == 0);
	cella_devcg_clear(&d);
}

static void test_fold_type_a_resets(void)
{
	struct rules l = {.n = 0};
	struct cella_devcg d;

	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 1, 3, "rwm");
	/* As v1 writes "a" to devices.allow: numbers and access ignored. */
	add(&l, true, 'a', 7, -1, "r");
	cella_devcg_fold(l.v, l.n, &d);
	CHECK(d.allow_default && d.n_ex == 0);
	cella_devcg_clear(&d);

	/* An allow while everything is allowed: nothing to remove. */
	l.n = 0;
	add(&l, true, 'c', 1, 3, "rwm");
	cella_devcg_fold(l.v, l.n, &d);
	CHECK(d.allow_default && d.n_ex == 0 && d.n_ignored == 0);
	cella_devcg_clear(&d);
}

static void test_fold_notes_what_v1_ignores(void)
{
	struct rules l = {.n = 0};
	struct cella_devcg d;

	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', -1, -1, "m");
	add(&l, true, 'c', 1, 3, "rwm");
	add(&l, false, 'c', 1, 3, "m");
	cella_devcg_fold(l.v, l.n, &d);
	/* c 1:3 loses m, but c *:* m still allows mknod of it. */
	CHECK(d.n_ex == 2 && d.ex[1].access == (R | W));
	CHECK(d.n_ignored == 1);
	if (d.n_ignored == 1) {
		CHECK(d.ignored[0].rule == 3);
		CHECK(d.ignored[0].by.major == -1 && d.ignored[0].by.access == M);
	}
	cella_devcg_clear(&d);
}

/* ---- the program ---- */

#define I(c, d, s, o, i) ((struct bpf_insn){(c), (d), (s), (o), (i)})

static const struct bpf_insn prologue[] = {
    I(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_6, BPF_REG_1, 0, 0),
    I(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_7, BPF_REG_6, 0, 0),
    I(BPF_ALU | BPF_AND | BPF_K, BPF_REG_6, 0, 0, 0xffff),
    I(BPF_ALU | BPF_RSH | BPF_K, BPF_REG_7, 0, 0, 16),
    I(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_8, BPF_REG_1, 4, 0),
    I(BPF_LDX | BPF_W | BPF_MEM, BPF_REG_9, BPF_REG_1, 8, 0),
};

static bool same_insns(const struct bpf_insn *a, size_t na, const struct bpf_insn *b, size_t nb)
{
	if (na != nb) {
		fprintf(stderr, "%zu instructions, expected %zu\n", na, nb);
		return false;
	}
	for (size_t i = 0; i < na; i++) {
		if (a[i].code != b[i].code || a[i].dst_reg != b[i].dst_reg ||
		    a[i].src_reg != b[i].src_reg || a[i].off != b[i].off || a[i].imm != b[i].imm) {
			fprintf(stderr,
				"instruction %zu: %02x %u %u %d %d, expected %02x %u %u %d %d\n", i,
				a[i].code, a[i].dst_reg, a[i].src_reg, a[i].off, a[i].imm,
				b[i].code, b[i].dst_reg, b[i].src_reg, b[i].off, b[i].imm);
			return false;
		}
	}
	return true;
}

static void test_emit_exact(void)
{
	struct rules l = {.n = 0};
	cleanup_free struct bpf_insn *p = NULL;
	cleanup_free struct bpf_insn *q = NULL;
	struct bpf_insn want[32];
	size_t n = 0, w = 0;
	cella_error err;

	/* No rule: allow everything. */
	CHECK(cella_devcg_build(l.v, 0, &p, &n, &err) == 0);
	memcpy(want, prologue, sizeof(prologue));
	w = ARRAY_SIZE(prologue);
	want[w++] = I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	want[w++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	CHECK(same_insns(p, n, want, w));

	/* deny all, allow c 1:3 rw: one block, then deny. */
	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 1, 3, "rw");
	CHECK(cella_devcg_build(l.v, l.n, &q, &n, &err) == 0);
	w = ARRAY_SIZE(prologue);
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_6, 0, 7, CH);
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_8, 0, 6, 1);
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_9, 0, 5, 3);
	want[w++] = I(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_7, 0, 0);
	want[w++] = I(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, M); /* bits it lacks */
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, 2, 0);
	want[w++] = I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	want[w++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	want[w++] = I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	want[w++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	CHECK(same_insns(q, n, want, w));
}

static void test_emit_blocklist_block(void)
{
	struct rules l = {.n = 0};
	cleanup_free struct bpf_insn *p = NULL;
	struct bpf_insn want[32];
	size_t n = 0, w;
	cella_error err;

	/* Everything allowed but writes to block devices of major 8. */
	add(&l, false, 'b', 8, -1, "w");
	CHECK(cella_devcg_build(l.v, l.n, &p, &n, &err) == 0);
	memcpy(want, prologue, sizeof(prologue));
	w = ARRAY_SIZE(prologue);
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_6, 0, 6, BL);
	want[w++] = I(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_8, 0, 5, 8);
	want[w++] = I(BPF_ALU | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_7, 0, 0);
	want[w++] = I(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, W); /* bits in common */
	want[w++] = I(BPF_JMP | BPF_JEQ | BPF_K, BPF_REG_2, 0, 2, 0);
	want[w++] = I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	want[w++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	want[w++] = I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	want[w++] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	CHECK(same_insns(p, n, want, w));
}

/* ---- what the programs answer ---- */

static void test_default_list_answers(void)
{
	struct rules l;

	default_list(&l);
	CHECK(allowed(&l, CH, 1, 3, R | W) == 1);    /* /dev/null, O_RDWR */
	CHECK(allowed(&l, CH, 1, 5, R) == 1);	     /* /dev/zero */
	CHECK(allowed(&l, CH, 1, 9, R) == 1);	     /* /dev/urandom */
	CHECK(allowed(&l, CH, 5, 0, R | W) == 1);    /* /dev/tty */
	CHECK(allowed(&l, CH, 5, 2, R | W) == 1);    /* /dev/ptmx */
	CHECK(allowed(&l, CH, 136, 7, W) == 1);	     /* /dev/pts/7 */
	CHECK(allowed(&l, CH, 1, 11, W) == 0);	     /* /dev/kmsg: not listed */
	CHECK(allowed(&l, CH, 1, 11, M) == 1);	     /* but mknod of anything is */
	CHECK(allowed(&l, BL, 7, 200, R) == 0);	     /* loop200 */
	CHECK(allowed(&l, BL, 7, 200, M) == 1);	     /* b *:* m */
	CHECK(allowed(&l, BL, 1, 3, R) == 0);	     /* a block device 1:3 is not c 1:3 */
	CHECK(allowed(&l, CH, 10, 200, R | W) == 0); /* /dev/net/tun */
	CHECK(interp_bad == 0);
}

static void test_deny_after_the_defaults(void)
{
	struct rules l;

	/* As runc's and crun's users write it: the last rule wins. */
	default_list(&l);
	add(&l, false, 'c', 1, 3, "w");
	CHECK(allowed(&l, CH, 1, 3, R) == 1);
	CHECK(allowed(&l, CH, 1, 3, W) == 0);
	CHECK(allowed(&l, CH, 1, 3, R | W) == 0); /* one bit refused is enough */
	CHECK(allowed(&l, CH, 1, 3, M) == 1);
	CHECK(allowed(&l, CH, 1, 5, W) == 1);

	/* An allow after a deny-all for one device. */
	default_list(&l);
	add(&l, true, 'c', 1, 11, "w");
	CHECK(allowed(&l, CH, 1, 11, W) == 1);
	CHECK(allowed(&l, CH, 1, 11, R) == 0);
	CHECK(allowed(&l, CH, 1, 12, W) == 0);
}

static void test_blocklist_answers(void)
{
	struct rules l = {.n = 0};

	add(&l, false, 'c', 1, 3, "w");
	CHECK(allowed(&l, CH, 1, 3, R) == 1);
	CHECK(allowed(&l, CH, 1, 3, W) == 0);
	CHECK(allowed(&l, CH, 1, 3, R | W) == 0);
	CHECK(allowed(&l, CH, 1, 5, W) == 1);
	CHECK(allowed(&l, BL, 1, 3, W) == 1);
	/* ... and allowed again, exactly: everything allowed. */
	add(&l, true, 'c', 1, 3, "w");
	CHECK(allowed(&l, CH, 1, 3, W) == 1);
}

static void test_wildcards_and_resets(void)
{
	struct rules l = {.n = 0};

	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 4, -1, "rw");
	CHECK(allowed(&l, CH, 4, 1, R) == 1);
	CHECK(allowed(&l, CH, 4, 64, R | W) == 1);
	CHECK(allowed(&l, CH, 4, 1, M) == 0);
	CHECK(allowed(&l, CH, 5, 1, R) == 0);
	CHECK(allowed(&l, BL, 4, 1, R) == 0);
	add(&l, true, 'c', -1, -1, "m");
	CHECK(allowed(&l, CH, 4, 1, M) == 1);
	CHECK(allowed(&l, CH, 9, 1, M) == 1);
	/* Two exceptions do not add up to one request, as on v1. */
	CHECK(allowed(&l, CH, 4, 1, R | M) == 0);

	add(&l, true, 'a', -1, -1, "rwm");
	CHECK(allowed(&l, CH, 9, 1, R | W | M) == 1);
	CHECK(allowed(&l, BL, 8, 0, R | W) == 1);
	add(&l, false, 'a', -1, -1, "r");
	CHECK(allowed(&l, CH, 1, 3, W) == 0);

	/* A number no device can have is no exception at all. */
	l.n = 0;
	add(&l, false, 'a', -1, -1, "rwm");
	add(&l, true, 'c', 5000, 1, "rwm");
	CHECK(allowed(&l, CH, 5000 & 0xfff, 1, R) == 0);
	CHECK(interp_bad == 0);
}

static void test_too_long(void)
{
	struct cella_device_rule *v = xcalloc(1000, sizeof(*v));
	cleanup_free struct bpf_insn *p = NULL;
	size_t n = 0;
	cella_error err;

	v[0] = (struct cella_device_rule){false, 'a', -1, -1, "rwm"};
	for (size_t i = 1; i < 1000; i++)
		v[i] = (struct cella_device_rule){true, 'c', 10, (int64_t)i, "rw"};
	CHECK(cella_devcg_build(v, 1000, &p, &n, &err) == -E2BIG);
	CHECK_CONTAINS(err.msg, "999 device exceptions");
	CHECK(p == NULL);
	free(v);
}

/* ---- the kernel ---- */

static bool root_with_bpf(const char *what)
{
	struct rules l = {.n = 0};
	cleanup_free struct bpf_insn *p = NULL;
	size_t n = 0;
	cella_error err;
	int fd;

	if (geteuid() != 0) {
		printf("skip %s: not root\n", what);
		return false;
	}
	if (cella_devcg_build(l.v, 0, &p, &n, &err) < 0)
		return false;
	fd = cella_devcg_load(p, n, &err);
	if (fd < 0 && (err.errnum == EPERM || err.errnum == ENOSYS)) {
		printf("skip %s: bpf() is not permitted here (%s)\n", what, strerror(err.errnum));
		return false;
	}
	CHECK(fd >= 0);
	if (fd < 0)
		fprintf(stderr, "%s\n", err.msg);
	else
		close(fd);
	return fd >= 0;
}

static void test_load(void)
{
	struct rules l;
	cleanup_free struct bpf_insn *p = NULL;
	struct bpf_insn bad[2];
	size_t n = 0;
	cella_error err;
	int fd;

	if (!root_with_bpf("test_load"))
		return;
	default_list(&l);
	add(&l, false, 'c', 1, 3, "w");
	CHECK(cella_devcg_build(l.v, l.n, &p, &n, &err) == 0);
	fd = cella_devcg_load(p, n, &err);
	CHECK(fd >= 0);
	if (fd >= 0) {
		CHECK(fcntl(fd, F_GETFD) & FD_CLOEXEC);
		close(fd);
	}
	/* r0 never set: the verifier says so. */
	bad[0] = I(BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_2, BPF_REG_1, 0, 0);
	bad[1] = I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	fd = cella_devcg_load(bad, 2, &err);
	CHECK(fd < 0);
	if (fd >= 0)
		close(fd);
	CHECK_CONTAINS(err.msg, "load the eBPF device filter (2 instructions): verifier: ");
	CHECK_CONTAINS(err.msg, "R0");
}

/* A child moved into the cgroup opens path: 0, or the errno. */
static int open_in(const char *procs, const char *path, int flags)
{
	pid_t pid = fork();
	int status;

	if (pid == 0) {
		int fd = open(procs, O_WRONLY | O_CLOEXEC);

		if (fd < 0 || write(fd, "0", 1) != 1)
			_exit(100);
		close(fd);
		fd = open(path, flags | O_CLOEXEC);
		_exit(fd >= 0 ? 0 : errno);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int load_rules(const struct rules *l)
{
	cleanup_free struct bpf_insn *p = NULL;
	size_t n = 0;
	cella_error err;
	int fd;

	if (cella_devcg_build(l->v, l->n, &p, &n, &err) < 0)
		return -1;
	fd = cella_devcg_load(p, n, &err);
	if (fd < 0)
		fprintf(stderr, "%s\n", err.msg);
	return fd;
}

static void test_install_replaces(void)
{
	struct cella_cgroup_host host;
	char dir[128], procs[160];
	struct rules a, b, c;
	cleanup_free uint32_t *ids = NULL;
	cleanup_free uint32_t *ids2 = NULL;
	size_t n = 0, mine = 0;
	uint32_t first_id = 0;
	cella_error err;
	int cg = -1, pa = -1, pb = -1, pc = -1, other = -1;

	if (!root_with_bpf("test_install_replaces"))
		return;
	if (cella_cgroup_detect(&host, &err) < 0 || host.unified == NULL) {
		printf("skip test_install_replaces: no cgroup2 mount\n");
		cella_cgroup_host_clear(&host);
		return;
	}
	snprintf(dir, sizeof(dir), "%s/cella-bpf-test-%d", host.unified, (int)getpid());
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	cella_cgroup_host_clear(&host);
	CHECK(mkdir(dir, 0755) == 0);
	cg = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	CHECK(cg >= 0);
	if (cg < 0)
		goto out;

	/* A: /dev/null only. */
	a.n = 0;
	add(&a, false, 'a', -1, -1, "rwm");
	add(&a, true, 'c', 1, 3, "rw");
	pa = load_rules(&a);
	CHECK(pa >= 0);
	CHECK(cella_devcg_install(cg, pa, &err) == 0);
	CHECK(cella_devcg_query(cg, &ids, &n, &mine, &err) == 0);
	CHECK(n == 1 && mine == 1);
	if (n >= 1)
		first_id = ids[0];
	CHECK(open_in(procs, "/dev/null", O_RDWR) == 0);
	CHECK(open_in(procs, "/dev/zero", O_RDONLY) == EPERM);

	/* Someone else's program (not named cella_devices) allowing all. */
	{
		struct bpf_insn allow[2] = {I(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1),
					    I(BPF_JMP | BPF_EXIT, 0, 0, 0, 0)};
		union bpf_attr at;

		memset(&at, 0, sizeof(at));
		at.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
		at.insns = (uint64_t)(uintptr_t)allow;
		at.insn_cnt = 2;
		at.license = (uint64_t)(uintptr_t) "GPL";
		memcpy(at.prog_name, "someone_else", sizeof("someone_else"));
		other = (int)syscall(__NR_bpf, BPF_PROG_LOAD, &at, sizeof(at));
		CHECK(other >= 0);
		memset(&at, 0, sizeof(at));
		at.target_fd = (uint32_t)cg;
		at.attach_bpf_fd = (uint32_t)other;
		at.attach_type = BPF_CGROUP_DEVICE;
		at.attach_flags = BPF_F_ALLOW_MULTI;
		CHECK(syscall(__NR_bpf, BPF_PROG_ATTACH, &at, sizeof(at)) == 0);
	}

	/* B: /dev/zero only, in place of A. */
	b.n = 0;
	add(&b, false, 'a', -1, -1, "rwm");
	add(&b, true, 'c', 1, 5, "r");
	pb = load_rules(&b);
	CHECK(pb >= 0);
	CHECK(cella_devcg_install(cg, pb, &err) == 0);
	CHECK(cella_devcg_query(cg, &ids2, &n, &mine, &err) == 0);
	CHECK(n == 2 && mine == 1);
	for (size_t i = 0; i < n; i++)
		CHECK(ids2[i] != first_id);
	CHECK(open_in(procs, "/dev/zero", O_RDONLY) == 0);
	CHECK(open_in(procs, "/dev/null", O_RDWR) == EPERM);

	/* C: no rule but a deny of /dev/zero reads; the other stays. */
	c.n = 0;
	add(&c, false, 'c', 1, 5, "r");
	pc = load_rules(&c);
	CHECK(pc >= 0);
	CHECK(cella_devcg_install(cg, pc, &err) == 0);
	free(ids);
	ids = NULL;
	CHECK(cella_devcg_query(cg, &ids, &n, &mine, &err) == 0);
	CHECK(n == 2 && mine == 1);
	CHECK(open_in(procs, "/dev/null", O_RDWR) == 0);
	CHECK(open_in(procs, "/dev/zero", O_RDONLY) == EPERM);
out:
	if (cg >= 0)
		close(cg);
	if (pa >= 0)
		close(pa);
	if (pb >= 0)
		close(pb);
	if (pc >= 0)
		close(pc);
	if (other >= 0)
		close(other);
	/* The programs go with the cgroup. */
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	RUN(test_access_bits);
	RUN(test_fold_default_list);
	RUN(test_fold_merge_and_remove);
	RUN(test_fold_type_a_resets);
	RUN(test_fold_notes_what_v1_ignores);
	RUN(test_emit_exact);
	RUN(test_emit_blocklist_block);
	RUN(test_default_list_answers);
	RUN(test_deny_after_the_defaults);
	RUN(test_blocklist_answers);
	RUN(test_wildcards_and_resets);
	RUN(test_too_long);
	RUN(test_load);
	RUN(test_install_replaces);
	return unit_done();
}
