/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup v2 device filter: the OCI rules folded as cgroup v1 folds them,
 * the eBPF program that checks a request against the result, and the bpf(2)
 * calls that load it and put it on a cgroup (cgroup_bpf.h says why and how).
 *
 * The program, one block per exception (every jump goes forward to the next
 * block when the exception does not apply):
 *
 *   r6 = ctx->access_type; r7 = r6
 *   w6 &= 0xffff               type: BPF_DEVCG_DEV_BLOCK or _CHAR
 *   w7 >>= 16                  access asked: BPF_DEVCG_ACC_* bits
 *   r8 = ctx->major; r9 = ctx->minor
 *   -- everything denied but the exceptions:
 *   if r6 != TYPE goto next; if r8 != MAJOR goto next; if r9 != MINOR goto next
 *   w2 = w7; w2 &= ~ACCESS; if r2 != 0 goto next     (an access bit it lacks)
 *   r0 = 1; exit
 *   -- everything allowed but the exceptions:
 *   ... w2 = w7; w2 &= ACCESS; if r2 == 0 goto next  (no access bit in common)
 *   r0 = 0; exit
 *   -- after the last block: the default
 *   r0 = DEFAULT; exit
 */
#include "kernel/cgroup_bpf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

#define ACC_ALL (BPF_DEVCG_ACC_MKNOD | BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE)

/* dev_t has 12 bits of major and 20 of minor: an exception naming a larger
 * number never matches a device. */
#define DEV_MAJOR_MAX 0xfff
#define DEV_MINOR_MAX 0xfffff

_Static_assert(sizeof(CELLA_DEVCG_PROG_NAME) <= BPF_OBJ_NAME_LEN, "program name too long");

unsigned cella_devcg_access(const char *rwm)
{
	unsigned a = 0;

	for (const char *p = rwm; *p; p++) {
		if (*p == 'r')
			a |= BPF_DEVCG_ACC_READ;
		else if (*p == 'w')
			a |= BPF_DEVCG_ACC_WRITE;
		else if (*p == 'm')
			a |= BPF_DEVCG_ACC_MKNOD;
	}
	return a;
}

void cella_devcg_format(char type, int64_t major, int64_t minor, unsigned access, char *buf,
			size_t size)
{
	char maj[24] = "*", min[24] = "*", acc[4];
	size_t n = 0;

	if (major >= 0)
		snprintf(maj, sizeof(maj), "%" PRId64, major);
	if (minor >= 0)
		snprintf(min, sizeof(min), "%" PRId64, minor);
	if (access & BPF_DEVCG_ACC_READ)
		acc[n++] = 'r';
	if (access & BPF_DEVCG_ACC_WRITE)
		acc[n++] = 'w';
	if (access & BPF_DEVCG_ACC_MKNOD)
		acc[n++] = 'm';
	acc[n] = '\0';
	snprintf(buf, size, "%c %s:%s %s", type, maj, min, acc);
}

/* ---- the fold ---- */

void cella_devcg_clear(struct cella_devcg *d)
{
	free(d->ex);
	free(d->ignored);
	memset(d, 0, sizeof(*d));
}

static bool same_device(const struct cella_devcg_entry *a, const struct cella_devcg_entry *b)
{
	return a->type == b->type && a->major == b->major && a->minor == b->minor;
}

/* Do a and b name at least one device in common? */
static bool overlap(const struct cella_devcg_entry *a, const struct cella_devcg_entry *b)
{
	return a->type == b->type && (a->major < 0 || b->major < 0 || a->major == b->major) &&
	       (a->minor < 0 || b->minor < 0 || a->minor == b->minor);
}

static void ignored_add(struct cella_devcg *d, size_t rule, const struct cella_devcg_entry *by)
{
	d->ignored = xrealloc(d->ignored, (d->n_ignored + 1) * sizeof(*d->ignored));
	d->ignored[d->n_ignored].rule = rule;
	d->ignored[d->n_ignored].by = *by;
	d->n_ignored++;
}

/* v1's dev_exception_add: merge into the same device's exception. */
static void ex_add(struct cella_devcg *d, const struct cella_devcg_entry *e)
{
	for (size_t i = 0; i < d->n_ex; i++) {
		if (same_device(&d->ex[i], e)) {
			d->ex[i].access |= e->access;
			return;
		}
	}
	d->ex = xrealloc(d->ex, (d->n_ex + 1) * sizeof(*d->ex));
	d->ex[d->n_ex++] = *e;
}

/* v1's dev_exception_rm: only the exception of exactly that device loses the
 * access; any other that shares a device and an access bit with e keeps
 * it, and rule i is noted as applied in part only. */
static void ex_rm(struct cella_devcg *d, const struct cella_devcg_entry *e, size_t rule)
{
	size_t j = 0;
	bool noted = false;

	for (size_t i = 0; i < d->n_ex; i++) {
		struct cella_devcg_entry *x = &d->ex[i];

		if (same_device(x, e)) {
			x->access &= ~e->access;
			if (x->access == 0)
				continue;
		} else if (!noted && overlap(x, e) && (x->access & e->access)) {
			ignored_add(d, rule, x);
			noted = true;
		}
		d->ex[j++] = *x;
	}
	d->n_ex = j;
}

void cella_devcg_fold(const struct cella_device_rule *rules, size_t n, struct cella_devcg *out)
{
	struct cella_devcg d;

	memset(&d, 0, sizeof(d));
	/* A new v1 cgroup of a root that allows everything. */
	d.allow_default = true;
	for (size_t i = 0; i < n; i++) {
		const struct cella_device_rule *r = &rules[i];
		struct cella_devcg_entry e = {
		    .type = r->type,
		    .major = r->major < 0 ? -1 : r->major,
		    .minor = r->minor < 0 ? -1 : r->minor,
		    .access = cella_devcg_access(r->access),
		};

		if (r->type != 'c' && r->type != 'b') {
			/* `a`: v1 resets, whatever the numbers and access. */
			d.allow_default = r->allow;
			free(d.ex);
			d.ex = NULL;
			d.n_ex = 0;
			continue;
		}
		if (e.access == 0)
			continue;
		if (r->allow != d.allow_default)
			ex_add(&d, &e);
		else
			ex_rm(&d, &e, i);
	}
	*out = d;
}

/* ---- the program ---- */

struct prog {
	struct bpf_insn *insns;
	size_t n, cap;
};

static void put(struct prog *p, uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
	struct bpf_insn *i;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 64;
		p->insns = xrealloc(p->insns, p->cap * sizeof(*p->insns));
	}
	i = &p->insns[p->n++];
	memset(i, 0, sizeof(*i));
	i->code = code;
	i->dst_reg = dst & 0xf;
	i->src_reg = src & 0xf;
	i->off = off;
	i->imm = imm;
}

#define R0 BPF_REG_0
#define R1 BPF_REG_1
#define R2 BPF_REG_2
#define R6 BPF_REG_6 /* device type */
#define R7 BPF_REG_7 /* access asked */
#define R8 BPF_REG_8 /* major */
#define R9 BPF_REG_9 /* minor */

/* A conditional jump to the end of the block, patched when the block ends. */
static void jump_out(struct prog *p, size_t *pending, size_t *np, uint8_t op, uint8_t reg,
		     int32_t imm)
{
	pending[(*np)++] = p->n;
	put(p, BPF_JMP | op | BPF_K, reg, 0, 0, imm);
}

static void block(struct prog *p, const struct cella_devcg_entry *e, bool allow_default)
{
	size_t pending[4], np = 0;
	unsigned want = allow_default ? e->access : (~e->access & ACC_ALL);

	if (e->major > DEV_MAJOR_MAX || e->minor > DEV_MINOR_MAX)
		return;
	jump_out(p, pending, &np, BPF_JNE, R6,
		 e->type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
	if (e->major >= 0)
		jump_out(p, pending, &np, BPF_JNE, R8, (int32_t)e->major);
	if (e->minor >= 0)
		jump_out(p, pending, &np, BPF_JNE, R9, (int32_t)e->minor);
	if (allow_default || want != 0) {
		/* w2 = asked & want: allowed when no bit outside the
		 * exception's is asked for; denied when one of its is. */
		put(p, BPF_ALU | BPF_MOV | BPF_X, R2, R7, 0, 0);
		put(p, BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, (int32_t)want);
		jump_out(p, pending, &np, allow_default ? BPF_JEQ : BPF_JNE, R2, 0);
	}
	put(p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, allow_default ? 0 : 1);
	put(p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	for (size_t i = 0; i < np; i++)
		p->insns[pending[i]].off = (int16_t)(p->n - pending[i] - 1);
}

int cella_devcg_emit(const struct cella_devcg *d, struct bpf_insn **insns, size_t *n,
		     cella_error *err)
{
	struct prog p = {NULL, 0, 0};

	put(&p, BPF_LDX | BPF_W | BPF_MEM, R6, R1, offsetof(struct bpf_cgroup_dev_ctx, access_type),
	    0);
	put(&p, BPF_ALU64 | BPF_MOV | BPF_X, R7, R6, 0, 0);
	put(&p, BPF_ALU | BPF_AND | BPF_K, R6, 0, 0, 0xffff);
	put(&p, BPF_ALU | BPF_RSH | BPF_K, R7, 0, 0, 16);
	put(&p, BPF_LDX | BPF_W | BPF_MEM, R8, R1, offsetof(struct bpf_cgroup_dev_ctx, major), 0);
	put(&p, BPF_LDX | BPF_W | BPF_MEM, R9, R1, offsetof(struct bpf_cgroup_dev_ctx, minor), 0);
	for (size_t i = 0; i < d->n_ex; i++) {
		block(&p, &d->ex[i], d->allow_default);
		if (p.n > CELLA_DEVCG_MAX_INSNS)
			break;
	}
	put(&p, BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, d->allow_default ? 1 : 0);
	put(&p, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	if (p.n > CELLA_DEVCG_MAX_INSNS) {
		free(p.insns);
		return cella_err(err, E2BIG,
				 "%zu device exceptions make a filter of more than %d eBPF "
				 "instructions",
				 d->n_ex, CELLA_DEVCG_MAX_INSNS);
	}
	*insns = p.insns;
	*n = p.n;
	return 0;
}

int cella_devcg_build(const struct cella_device_rule *rules, size_t n, struct bpf_insn **insns,
		      size_t *n_insns, cella_error *err)
{
	struct cella_devcg d;
	int r;

	cella_devcg_fold(rules, n, &d);
	r = cella_devcg_emit(&d, insns, n_insns, err);
	cella_devcg_clear(&d);
	return r;
}

/* ---- the kernel ---- */

static int sys_bpf(int cmd, union bpf_attr *attr)
{
	return (int)syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The end of the verifier's log (where it says what it refused), on one
 * line, into buf. */
static void log_tail(const char *log, char *buf, size_t size)
{
	size_t len = strlen(log), w = 0;
	const char *p;

	while (len > 0 && (log[len - 1] == '\n' || log[len - 1] == ' '))
		len--;
	p = len > size / 2 ? log + len - size / 2 : log;
	for (; p < log + len && w + 3 < size; p++) {
		if (*p == '\n') {
			buf[w++] = ';';
			buf[w++] = ' ';
		} else {
			buf[w++] = (unsigned char)*p < 0x20 ? ' ' : *p;
		}
	}
	buf[w] = '\0';
}

int cella_devcg_load(const struct bpf_insn *insns, size_t n, cella_error *err)
{
	union bpf_attr a;
	int fd, e;

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	memcpy(a.prog_name, CELLA_DEVCG_PROG_NAME, sizeof(CELLA_DEVCG_PROG_NAME));
	/* bpf(2) makes every fd it returns close-on-exec. */
	fd = sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	e = errno;
	if (e == EPERM || e == ENOSYS)
		return cella_err(err, e, "load the eBPF device filter");
	{
		/* Again, with the verifier's log, to say why. */
		const size_t size = 64 * 1024;
		cleanup_free char *log = xcalloc(1, size);
		char tail[512];

		a.log_level = 1;
		a.log_buf = (uint64_t)(uintptr_t)log;
		a.log_size = (uint32_t)size;
		fd = sys_bpf(BPF_PROG_LOAD, &a);
		if (fd >= 0)
			return fd;
		e = errno;
		log_tail(log, tail, sizeof(tail));
		if (tail[0] == '\0')
			return cella_err(err, e, "load the eBPF device filter (%zu instructions)",
					 n);
		return cella_err(err, e,
				 "load the eBPF device filter (%zu instructions): verifier: %s", n,
				 tail);
	}
}

/* *fd = an fd of program id when it is one of cella's device filters, -1
 * when it is someone else's, or gone. */
static int cella_prog_fd(uint32_t id, int *out, cella_error *err)
{
	struct bpf_prog_info info;
	union bpf_attr a;
	cleanup_close int fd = -1;

	*out = -1;
	memset(&a, 0, sizeof(a));
	a.prog_id = id;
	fd = sys_bpf(BPF_PROG_GET_FD_BY_ID, &a);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cella_err(err, errno, "open eBPF program %u", id);
	}
	memset(&info, 0, sizeof(info));
	memset(&a, 0, sizeof(a));
	a.info.bpf_fd = (uint32_t)fd;
	a.info.info_len = sizeof(info);
	a.info.info = (uint64_t)(uintptr_t)&info;
	if (sys_bpf(BPF_OBJ_GET_INFO_BY_FD, &a) < 0)
		return cella_err(err, errno, "read eBPF program %u", id);
	if (info.type == BPF_PROG_TYPE_CGROUP_DEVICE &&
	    strcmp(info.name, CELLA_DEVCG_PROG_NAME) == 0)
		*out = take_fd(&fd);
	return 0;
}

int cella_devcg_query(int cgroup_fd, uint32_t **ids, size_t *n, size_t *n_cella, cella_error *err)
{
	cleanup_free uint32_t *v = NULL;
	uint32_t cap = 64;
	union bpf_attr a;

	for (;;) {
		v = xrealloc(v, cap * sizeof(*v));
		memset(&a, 0, sizeof(a));
		a.query.target_fd = (uint32_t)cgroup_fd;
		a.query.attach_type = BPF_CGROUP_DEVICE;
		a.query.prog_ids = (uint64_t)(uintptr_t)v;
		a.query.prog_cnt = cap;
		if (sys_bpf(BPF_PROG_QUERY, &a) == 0)
			break;
		/* prog_cnt says how many there are. */
		if (errno != ENOSPC || a.query.prog_cnt <= cap)
			return cella_err(err, errno, "query the cgroup's eBPF device filters");
		cap = a.query.prog_cnt;
	}
	*n = a.query.prog_cnt;
	if (n_cella != NULL) {
		*n_cella = 0;
		for (size_t i = 0; i < *n; i++) {
			cleanup_close int fd = -1;

			if (cella_prog_fd(v[i], &fd, err) < 0)
				return cella_err_ret(err);
			if (fd >= 0)
				(*n_cella)++;
		}
	}
	*ids = take_ptr(&v);
	return 0;
}

int cella_devcg_install(int cgroup_fd, int prog_fd, cella_error *err)
{
	cleanup_free uint32_t *old = NULL;
	size_t n_old = 0;
	union bpf_attr a;

	/* What was there before ours. */
	if (cella_devcg_query(cgroup_fd, &old, &n_old, NULL, err) < 0)
		return cella_err_ret(err);
	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgroup_fd;
	a.attach_bpf_fd = (uint32_t)prog_fd;
	a.attach_type = BPF_CGROUP_DEVICE;
	a.attach_flags = BPF_F_ALLOW_MULTI;
	if (sys_bpf(BPF_PROG_ATTACH, &a) < 0)
		return cella_err(err, errno, "attach the eBPF device filter to the cgroup");
	/* The new one is in force: cella's old ones can go. */
	for (size_t i = 0; i < n_old; i++) {
		cleanup_close int fd = -1;

		if (cella_prog_fd(old[i], &fd, err) < 0)
			return cella_err_context(err, "replace the previous device filter (both "
						      "stay attached)");
		if (fd < 0)
			continue;
		memset(&a, 0, sizeof(a));
		a.target_fd = (uint32_t)cgroup_fd;
		a.attach_bpf_fd = (uint32_t)fd;
		a.attach_type = BPF_CGROUP_DEVICE;
		if (sys_bpf(BPF_PROG_DETACH, &a) < 0 && errno != ENOENT)
			return cella_err(err, errno,
					 "detach the previous device filter (eBPF program %u; "
					 "both stay attached)",
					 old[i]);
	}
	return 0;
}
