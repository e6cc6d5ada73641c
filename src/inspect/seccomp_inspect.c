/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a process's seccomp filters back, and an abstract interpreter of
 * classic BPF that tells what they do with each system call. */
#include "inspect/seccomp_inspect.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/seccomp.h>

#include "inspect/syscalls_kernel.h"
#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/util.h"

#ifndef __X32_SYSCALL_BIT
#define __X32_SYSCALL_BIT 0x40000000U
#endif

/* The kernel refuses a new filter when all of them together exceed 32768
 * instructions, counting 4 more for each: no thread has more filters. */
#define MAX_FILTERS (32768 / 5)

/* ---- reading ---- */

struct proc_seccomp {
	int mode;    /* Seccomp: (absent without CONFIG_SECCOMP: 0) */
	int filters; /* Seccomp_filters: (-1 when absent) */
	pid_t tgid;
	pid_t tracer;
};

static bool status_field(const char *line, const char *name, long long *out)
{
	size_t n = strlen(name);

	if (strncmp(line, name, n) != 0)
		return false;
	return parse_i64(line + n + strspn(line + n, " \t"), INT_MIN, INT_MAX, out);
}

static int read_status(pid_t pid, struct proc_seccomp *st, cella_error *err)
{
	char path[64];
	cleanup_free char *text = NULL;
	cella_error e;

	*st = (struct proc_seccomp){.mode = 0, .filters = -1, .tgid = pid, .tracer = 0};
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &text, &e) < 0) {
		if (e.errnum == ENOENT || e.errnum == ESRCH)
			return cella_err(err, ESRCH, "seccomp of process %d: no such process",
					 (int)pid);
		return cella_err(err, e.errnum, "seccomp of process %d: %s", (int)pid, e.msg);
	}
	for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		long long v;

		if (status_field(line, "Seccomp:", &v))
			st->mode = (int)v;
		else if (status_field(line, "Seccomp_filters:", &v))
			st->filters = (int)v;
		else if (status_field(line, "Tgid:", &v))
			st->tgid = (pid_t)v;
		else if (status_field(line, "TracerPid:", &v))
			st->tracer = (pid_t)v;
	}
	return 0;
}

/* How long a seized process has to reach its ptrace stop: a frozen one
 * (cgroup freezer) never does. */
#define STOP_TIMEOUT_MS 2000

/* Wait for the seized pid to stop. *sig: the signal of a signal-delivery
 * stop, to hand back at detach (0 for the interrupt or a group stop).
 * -ESRCH when it exited instead (its exit is collected); -ETIMEDOUT when it
 * does not stop (then it cannot be detached either: it stays seized until
 * the caller exits, which the caller must do soon). */
static int wait_stop(pid_t pid, int *sig, cella_error *err)
{
	int st;
	unsigned waited = 0;

	for (;;) {
		pid_t w = waitpid(pid, &st, __WALL | WNOHANG);

		if (w < 0 && errno == EINTR)
			continue;
		if (w == 0) {
			struct timespec ts = {0, 20 * 1000 * 1000};

			if (waited >= STOP_TIMEOUT_MS)
				return cella_err(
				    err, ETIMEDOUT,
				    "seccomp of process %d: it did not stop to be read "
				    "(frozen?)",
				    (int)pid);
			nanosleep(&ts, NULL);
			waited += 20;
			continue;
		}
		if (w < 0)
			return cella_err(err, errno, "seccomp of process %d: wait for it to stop",
					 (int)pid);
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return cella_err(err, ESRCH, "seccomp of process %d: it exited while read",
					 (int)pid);
		if (!WIFSTOPPED(st))
			continue;
		*sig = (st >> 16) == PTRACE_EVENT_STOP ? 0 : WSTOPSIG(st);
		return 0;
	}
}

/* End the ptrace session with pid, which is in a ptrace stop or dying. A
 * stopped tracee leaves that stop without being resumed only on SIGKILL:
 * then its exit is collected, as its tracer must. */
static void release(pid_t pid, int sig)
{
	for (;;) {
		int st;
		pid_t w;

		if (ptrace(PTRACE_DETACH, pid, NULL, (void *)(long)sig) == 0 || errno != ESRCH)
			return;
		w = waitpid(pid, &st, __WALL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 || WIFEXITED(st) || WIFSIGNALED(st))
			return;
	}
}

static int get_filter_error(pid_t pid, size_t index, int e, cella_error *err)
{
	const char *why;

	switch (e) {
	case EACCES:
		why = "the caller lacks CAP_SYS_ADMIN or is itself under seccomp";
		break;
	case EINVAL:
		why = "the kernel was built without CONFIG_CHECKPOINT_RESTORE";
		break;
	case EIO:
		why = "the kernel has no PTRACE_SECCOMP_GET_FILTER (before 4.4)";
		break;
	case EMEDIUMTYPE:
		why = "not a classic BPF program";
		break;
	case ESRCH:
		why = "the process has gone";
		break;
	case ENOENT:
		why = "it has none";
		break;
	default:
		why = "ptrace";
		break;
	}
	return cella_err(err, e, "seccomp of process %d: read filter %zu (%s)", (int)pid, index,
			 why);
}

static void reverse(struct seccomp_inspect_filter *f, size_t n)
{
	for (size_t i = 0; i < n / 2; i++) {
		struct seccomp_inspect_filter t = f[i];

		f[i] = f[n - 1 - i];
		f[n - 1 - i] = t;
	}
}

/* Copy every filter of the stopped tracee. The kernel numbers them from
 * the first installed (get_nth_filter() walks back from the newest by
 * count - index - 1), whatever ptrace(2) says: they are reversed into the
 * order they run in. */
static int get_filters(pid_t pid, struct seccomp_inspect_filters *out, cella_error *err)
{
	for (size_t i = 0; i < MAX_FILTERS; i++) {
		struct seccomp_inspect_filter *f;
		struct __ptrace_seccomp_metadata md = {.filter_off = i};
		cleanup_free struct sock_filter *buf = NULL;
		long n;

		if (ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, NULL) < 0) {
			if (errno == ENOENT && i > 0) {
				reverse(out->filters, i);
				return 0;
			}
			return get_filter_error(pid, i, errno, err);
		}
		/* The largest buffer a filter can need: another thread may
		 * replace this one's filters (TSYNC) between the two calls. */
		buf = xcalloc(BPF_MAXINSNS, sizeof(*buf));
		n = ptrace(PTRACE_SECCOMP_GET_FILTER, pid, (void *)i, buf);
		if (n < 0)
			return get_filter_error(pid, i, errno, err);
		if (n == 0 || n > BPF_MAXINSNS)
			return cella_err(err, EIO,
					 "seccomp of process %d: filter %zu has %ld "
					 "instructions",
					 (int)pid, i, n);
		out->filters = xrealloc(out->filters, (i + 1) * sizeof(*out->filters));
		f = &out->filters[i];
		f->len = (size_t)n;
		f->insns = xrealloc(take_ptr(&buf), f->len * sizeof(*f->insns));
		/* PTRACE_SECCOMP_GET_METADATA came in 4.16, after GET_FILTER. */
		if (ptrace(PTRACE_SECCOMP_GET_METADATA, pid, (void *)sizeof(md), &md) < 0)
			f->log = -1;
		else
			f->log = (md.flags & SECCOMP_FILTER_FLAG_LOG) != 0;
		out->n_filters = i + 1;
	}
	return cella_err(err, E2BIG, "seccomp of process %d: more than %d filters", (int)pid,
			 MAX_FILTERS);
}

/* Why PTRACE_SEIZE said EPERM. */
static int seize_error(pid_t pid, cella_error *err)
{
	struct proc_seccomp st;
	char state = procfs_state(pid);

	if (state == 0 || state == 'Z' || state == 'X')
		return cella_err(err, ESRCH, "seccomp of process %d: it has exited", (int)pid);
	if (read_status(pid, &st, NULL) == 0 && st.tracer != 0)
		return cella_err(err, EPERM,
				 "seccomp of process %d: it is already traced by "
				 "process %d",
				 (int)pid, (int)st.tracer);
	return cella_err(err, EPERM,
			 "seccomp of process %d: the caller may not trace it "
			 "(ptrace access mode, Yama ptrace_scope)",
			 (int)pid);
}

int seccomp_inspect_read(pid_t pid, struct seccomp_inspect_filters *out, cella_error *err)
{
	struct seccomp_inspect_filters f = {.mode = 0};
	struct proc_seccomp st;
	int sig = 0, r;

	if (pid <= 0)
		return cella_err_invalid(err, "seccomp: %d is not a process id", (int)pid);
	if (read_status(pid, &st, err) < 0)
		return cella_err_ret(err);
	f.mode = st.mode;
	f.status_filters = st.filters;
	if (st.mode != SECCOMP_MODE_FILTER) {
		*out = f;
		return 0;
	}
	if (st.tgid == getpid())
		return cella_err(err, EPERM,
				 "seccomp of process %d: a process cannot trace "
				 "its own threads",
				 (int)pid);

	/* From here until release(), pid is our tracee. It runs on while
	 * seized; the interrupt puts it in a ptrace stop, where the kernel
	 * lets its tracer copy the filters. */
	if (ptrace(PTRACE_SEIZE, pid, NULL, NULL) < 0) {
		if (errno == ESRCH)
			return cella_err(err, ESRCH, "seccomp of process %d: it has exited",
					 (int)pid);
		if (errno == EPERM)
			return seize_error(pid, err);
		return cella_err(err, errno, "seccomp of process %d: PTRACE_SEIZE", (int)pid);
	}
	if (ptrace(PTRACE_INTERRUPT, pid, NULL, NULL) < 0) {
		/* A seized tracee refuses the interrupt only when it is
		 * exiting: collect that exit. */
		r = cella_err(err, ESRCH, "seccomp of process %d: it exited while read", (int)pid);
		release(pid, 0);
		return r;
	}
	if (wait_stop(pid, &sig, err) < 0) {
		r = cella_err_ret(err);
		if (r != -ESRCH && r != -ETIMEDOUT) /* not collected: detach as well as we can */
			release(pid, 0);
		return r;
	}
	r = get_filters(pid, &f, err);
	release(pid, sig);
	if (r < 0) {
		seccomp_inspect_filters_clear(&f);
		return r;
	}
	*out = f;
	return 0;
}

void seccomp_inspect_filters_clear(struct seccomp_inspect_filters *f)
{
	for (size_t i = 0; i < f->n_filters; i++)
		free(f->filters[i].insns);
	free(f->filters);
	f->filters = NULL;
	f->n_filters = 0;
}

/* ---- validation ---- */

/* The instructions seccomp_check_filter() lets through. */
static bool seccomp_opcode(uint16_t code)
{
	static const uint16_t ok[] = {BPF_LD | BPF_W | BPF_ABS,
				      BPF_LD | BPF_W | BPF_LEN,
				      BPF_LDX | BPF_W | BPF_LEN,
				      BPF_LD | BPF_IMM,
				      BPF_LDX | BPF_IMM,
				      BPF_LD | BPF_MEM,
				      BPF_LDX | BPF_MEM,
				      BPF_ST,
				      BPF_STX,
				      BPF_MISC | BPF_TAX,
				      BPF_MISC | BPF_TXA,
				      BPF_RET | BPF_K,
				      BPF_RET | BPF_A,
				      BPF_ALU | BPF_ADD | BPF_K,
				      BPF_ALU | BPF_ADD | BPF_X,
				      BPF_ALU | BPF_SUB | BPF_K,
				      BPF_ALU | BPF_SUB | BPF_X,
				      BPF_ALU | BPF_MUL | BPF_K,
				      BPF_ALU | BPF_MUL | BPF_X,
				      BPF_ALU | BPF_DIV | BPF_K,
				      BPF_ALU | BPF_DIV | BPF_X,
				      BPF_ALU | BPF_AND | BPF_K,
				      BPF_ALU | BPF_AND | BPF_X,
				      BPF_ALU | BPF_OR | BPF_K,
				      BPF_ALU | BPF_OR | BPF_X,
				      BPF_ALU | BPF_XOR | BPF_K,
				      BPF_ALU | BPF_XOR | BPF_X,
				      BPF_ALU | BPF_LSH | BPF_K,
				      BPF_ALU | BPF_LSH | BPF_X,
				      BPF_ALU | BPF_RSH | BPF_K,
				      BPF_ALU | BPF_RSH | BPF_X,
				      BPF_ALU | BPF_NEG,
				      BPF_JMP | BPF_JA,
				      BPF_JMP | BPF_JEQ | BPF_K,
				      BPF_JMP | BPF_JEQ | BPF_X,
				      BPF_JMP | BPF_JGE | BPF_K,
				      BPF_JMP | BPF_JGE | BPF_X,
				      BPF_JMP | BPF_JGT | BPF_K,
				      BPF_JMP | BPF_JGT | BPF_X,
				      BPF_JMP | BPF_JSET | BPF_K,
				      BPF_JMP | BPF_JSET | BPF_X};

	for (size_t i = 0; i < ARRAY_SIZE(ok); i++)
		if (ok[i] == code)
			return true;
	return false;
}

int seccomp_inspect_validate(const struct sock_filter *insns, size_t len, cella_error *err)
{
	cleanup_free uint16_t *masks = NULL;
	uint16_t valid = 0;

	if (len == 0 || len > BPF_MAXINSNS)
		return cella_err(err, EINVAL, "a filter of %zu instructions (1 to %d)", len,
				 BPF_MAXINSNS);
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &insns[pc];
		uint16_t c = in->code;

		if (!seccomp_opcode(c))
			return cella_err(err, EINVAL,
					 "instruction %zu: opcode 0x%02x is not allowed in a "
					 "seccomp filter",
					 pc, c);
		if (c == (BPF_LD | BPF_W | BPF_ABS) &&
		    (in->k >= sizeof(struct seccomp_data) || (in->k & 3) != 0))
			return cella_err(err, EINVAL,
					 "instruction %zu: load at offset %u, outside struct "
					 "seccomp_data or unaligned",
					 pc, in->k);
		if (c == (BPF_ALU | BPF_DIV | BPF_K) && in->k == 0)
			return cella_err(err, EINVAL, "instruction %zu: division by 0", pc);
		if ((c == (BPF_ALU | BPF_LSH | BPF_K) || c == (BPF_ALU | BPF_RSH | BPF_K)) &&
		    in->k >= 32)
			return cella_err(err, EINVAL, "instruction %zu: shift by %u", pc, in->k);
		if ((c == BPF_ST || c == BPF_STX || c == (BPF_LD | BPF_MEM) ||
		     c == (BPF_LDX | BPF_MEM)) &&
		    in->k >= BPF_MEMWORDS)
			return cella_err(err, EINVAL, "instruction %zu: no scratch word M[%u]", pc,
					 in->k);
		if ((c == (BPF_JMP | BPF_JA) && in->k >= len - pc - 1) ||
		    (BPF_CLASS(c) == BPF_JMP && c != (BPF_JMP | BPF_JA) &&
		     (pc + in->jt + 1 >= len || pc + in->jf + 1 >= len)))
			return cella_err(err, EINVAL, "instruction %zu: jump past the end", pc);
	}
	if (insns[len - 1].code != (BPF_RET | BPF_K) && insns[len - 1].code != (BPF_RET | BPF_A))
		return cella_err(err, EINVAL, "instruction %zu: the last one is not a return",
				 len - 1);

	/* Every path must store a scratch word before it loads it: what is
	 * known stored at pc is the intersection over the jumps to pc (and
	 * the instruction before, unless it jumps), as the kernel checks. */
	masks = xmalloc(len * sizeof(*masks));
	memset(masks, 0xff, len * sizeof(*masks));
	for (size_t pc = 0; pc < len; pc++) {
		const struct sock_filter *in = &insns[pc];

		valid &= masks[pc];
		switch (in->code) {
		case BPF_ST:
		case BPF_STX:
			valid |= (uint16_t)(1U << in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (!(valid & (1U << in->k)))
				return cella_err(err, EINVAL,
						 "instruction %zu: reads M[%u] before "
						 "a store to it on some path",
						 pc, in->k);
			break;
		case BPF_JMP | BPF_JA:
			masks[pc + 1 + in->k] &= valid;
			valid = 0xffff;
			break;
		default:
			if (BPF_CLASS(in->code) == BPF_JMP) {
				masks[pc + 1 + in->jt] &= valid;
				masks[pc + 1 + in->jf] &= valid;
				valid = 0xffff;
			}
			break;
		}
	}
	return 0;
}

/* ---- names and arches ---- */

#define ACTION_ONLY(ret) ((int32_t)((ret)&SECCOMP_RET_ACTION_FULL))

enum seccomp_inspect_action seccomp_inspect_action_of(uint32_t ret)
{
	switch (ret & SECCOMP_RET_ACTION_FULL) {
	case SECCOMP_RET_KILL_THREAD:
		return SECCOMP_INSPECT_KILL_THREAD;
	case SECCOMP_RET_TRAP:
		return SECCOMP_INSPECT_TRAP;
	case SECCOMP_RET_ERRNO:
		return SECCOMP_INSPECT_ERRNO;
	case SECCOMP_RET_USER_NOTIF:
		return SECCOMP_INSPECT_USER_NOTIF;
	case SECCOMP_RET_TRACE:
		return SECCOMP_INSPECT_TRACE;
	case SECCOMP_RET_LOG:
		return SECCOMP_INSPECT_LOG;
	case SECCOMP_RET_ALLOW:
		return SECCOMP_INSPECT_ALLOW;
	case SECCOMP_RET_KILL_PROCESS:
	default: /* __seccomp_filter(): unknown actions kill the process */
		return SECCOMP_INSPECT_KILL_PROCESS;
	}
}

const char *seccomp_inspect_action_name(enum seccomp_inspect_action a)
{
	static const char *const names[SECCOMP_INSPECT_ACTION_COUNT] = {
	    [SECCOMP_INSPECT_KILL_PROCESS] = "kill_process",
	    [SECCOMP_INSPECT_KILL_THREAD] = "kill_thread",
	    [SECCOMP_INSPECT_TRAP] = "trap",
	    [SECCOMP_INSPECT_ERRNO] = "errno",
	    [SECCOMP_INSPECT_USER_NOTIF] = "user_notif",
	    [SECCOMP_INSPECT_TRACE] = "trace",
	    [SECCOMP_INSPECT_LOG] = "log",
	    [SECCOMP_INSPECT_ALLOW] = "allow",
	};

	return (unsigned)a < SECCOMP_INSPECT_ACTION_COUNT ? names[a] : "unknown";
}

size_t seccomp_inspect_host_arches(uint32_t out[SECCOMP_INSPECT_MAX_ARCHES])
{
	size_t n = 0;

	out[n++] = seccomp_arch_native();
	if (out[0] == SCMP_ARCH_X86_64) {
		out[n++] = SCMP_ARCH_X86;
		out[n++] = SCMP_ARCH_X32;
	} else if (out[0] == SCMP_ARCH_AARCH64) {
		out[n++] = SCMP_ARCH_ARM;
	}
	return n;
}

uint32_t seccomp_inspect_audit_arch(uint32_t scmp_arch)
{
	if (scmp_arch == SCMP_ARCH_NATIVE)
		scmp_arch = seccomp_arch_native();
	/* Every architecture has close: libseccomp knows the token. */
	if (seccomp_syscall_resolve_name_arch(scmp_arch, "close") < 0)
		return 0;
	return scmp_arch == SCMP_ARCH_X32 ? AUDIT_ARCH_X86_64 : scmp_arch;
}

/* ---- the abstract interpreter ---- */

enum { V_UNSET = 0, V_KNOWN, V_UNKNOWN };

#define N_WORDS (sizeof(struct seccomp_data) / 4)

/* A 32-bit value: known, or unknown (then, when it is exactly a word of
 * seccomp_data, which one, and what it derives from). Canonical (unused
 * fields zero) so that states compare with memcmp. */
struct aval {
	uint32_t v;
	uint8_t kind;
	uint8_t word; /* 1 + the seccomp_data word it equals; 0 none */
	uint8_t src;  /* SECCOMP_INSPECT_ARG/IP bits */
	uint8_t pad;
};

/* A seccomp_data word known to differ from a value (a JEQ not taken). */
struct ne {
	uint32_t word; /* 1 + the word; 0 unused */
	uint32_t v;
};

/* At most this many are remembered on a path; forgetting one only adds
 * paths, it never loses one. */
#define N_NE 6

struct astate {
	uint32_t filter, pc;
	struct aval a, x, m[BPF_MEMWORDS];
	uint32_t word[N_WORDS]; /* seccomp_data, where known (else 0) */
	uint32_t word_known;
	struct ne ne[N_NE]; /* sorted, unused ones last */
	uint32_t ret;	    /* the filters so far combined (starts as ALLOW) */
	uint32_t ret_any;   /* ... or a value computed from the arguments */
};

_Static_assert(sizeof(struct aval) == 8, "struct aval has padding");
_Static_assert(sizeof(struct astate) % sizeof(uint32_t) == 0, "astate is hashed by words");
_Static_assert(sizeof(struct astate) == 8 + 18 * 8 + N_WORDS * 4 + 4 + N_NE * 8 + 8,
	       "astate has padding");

struct prog {
	const struct sock_filter *insns;
	size_t len;
	uint8_t *join; /* reached from more than one instruction */
};

/* States already explored at join points: an arena of states and an
 * open-addressing index into it (0 = empty, else 1 + the state's place). */
struct seen {
	struct astate *states;
	uint64_t *hashes;
	size_t n, cap_states;
	uint32_t *index;
	size_t cap; /* of index, a power of 2 */
};

struct run {
	struct prog *progs;
	size_t n_progs;
	struct astate *stack;
	size_t n_stack, cap_stack;
	struct seen seen;
	size_t steps;
	uint32_t *rets;
	char **conds; /* beside rets: the argument conditions that lead there */
	size_t n_rets, cap_rets;
	bool any;
	uint8_t tested;
};

static struct aval known(uint32_t v)
{
	return (struct aval){.v = v, .kind = V_KNOWN};
}

static struct aval unknown(uint8_t src)
{
	return (struct aval){.kind = V_UNKNOWN, .src = src};
}

static uint8_t word_src(unsigned w)
{
	if (w == 2 || w == 3)
		return SECCOMP_INSPECT_IP;
	return w >= 4 ? (uint8_t)SECCOMP_INSPECT_ARG((w - 4) / 2) : 0;
}

static struct aval load_word(const struct astate *s, uint32_t k)
{
	unsigned w = k / 4;

	if (s->word_known & (1U << w))
		return known(s->word[w]);
	return (struct aval){.kind = V_UNKNOWN, .word = (uint8_t)(w + 1), .src = word_src(w)};
}

static bool ne_has(const struct astate *s, unsigned word, uint32_t v)
{
	for (size_t i = 0; i < N_NE && s->ne[i].word != 0; i++)
		if (s->ne[i].word == word && s->ne[i].v == v)
			return true;
	return false;
}

static void ne_add(struct astate *s, unsigned word, uint32_t v)
{
	struct ne e = {.word = word, .v = v};
	size_t i = 0;

	if (ne_has(s, word, v) || s->ne[N_NE - 1].word != 0)
		return; /* known, or no room: forgotten */
	while (i < N_NE && s->ne[i].word != 0 &&
	       (s->ne[i].word < word || (s->ne[i].word == word && s->ne[i].v < v)))
		i++;
	memmove(&s->ne[i + 1], &s->ne[i], (N_NE - 1 - i) * sizeof(e));
	s->ne[i] = e;
}

static void ne_forget(struct astate *s, unsigned word)
{
	size_t n = 0;

	for (size_t i = 0; i < N_NE; i++)
		if (s->ne[i].word != word)
			s->ne[n++] = s->ne[i];
	memset(&s->ne[n], 0, (N_NE - n) * sizeof(s->ne[0]));
}

/* On a path where *which == val: learn it, and, when it is a seccomp_data
 * word, everywhere that word was copied. */
static void learn(struct astate *s, struct aval *which, uint32_t val)
{
	unsigned w;

	if (which->kind != V_UNKNOWN)
		return;
	if (which->word == 0) {
		*which = known(val);
		return;
	}
	w = which->word;
	s->word[w - 1] = val;
	s->word_known |= 1U << (w - 1);
	ne_forget(s, w);
	if (s->a.kind == V_UNKNOWN && s->a.word == w)
		s->a = known(val);
	if (s->x.kind == V_UNKNOWN && s->x.word == w)
		s->x = known(val);
	for (size_t i = 0; i < BPF_MEMWORDS; i++)
		if (s->m[i].kind == V_UNKNOWN && s->m[i].word == w)
			s->m[i] = known(val);
}

static uint64_t hash_state(const struct astate *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t h = 0x9e3779b97f4a7c15ULL;

	for (size_t i = 0; i < sizeof(*s); i += sizeof(uint32_t)) {
		uint32_t w;

		memcpy(&w, p + i, sizeof(w));
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
	}
	return h ^ (h >> 32);
}

static void seen_index(struct seen *t, size_t i)
{
	size_t j = t->hashes[i] & (t->cap - 1);

	while (t->index[j] != 0)
		j = (j + 1) & (t->cap - 1);
	t->index[j] = (uint32_t)(i + 1);
}

/* True when s is new (and now recorded). */
static bool seen_insert(struct seen *t, const struct astate *s)
{
	uint64_t h = hash_state(s);
	size_t j;

	if ((t->n + 1) * 2 > t->cap) {
		free(t->index);
		t->cap = t->cap ? t->cap * 2 : 256;
		t->index = xcalloc(t->cap, sizeof(*t->index));
		for (size_t i = 0; i < t->n; i++)
			seen_index(t, i);
	}
	for (j = h & (t->cap - 1); t->index[j] != 0; j = (j + 1) & (t->cap - 1)) {
		size_t i = t->index[j] - 1;

		if (t->hashes[i] == h && memcmp(&t->states[i], s, sizeof(*s)) == 0)
			return false;
	}
	if (t->n == t->cap_states) {
		t->cap_states = t->cap_states ? t->cap_states * 2 : 256;
		t->states = xrealloc(t->states, t->cap_states * sizeof(*t->states));
		t->hashes = xrealloc(t->hashes, t->cap_states * sizeof(*t->hashes));
	}
	t->states[t->n] = *s;
	t->hashes[t->n] = h;
	t->index[j] = (uint32_t)(t->n + 1);
	t->n++;
	return true;
}

static void seen_reset(struct seen *t)
{
	if (t->n > 0)
		memset(t->index, 0, t->cap * sizeof(*t->index));
	t->n = 0;
}

static void seen_free(struct seen *t)
{
	free(t->states);
	free(t->hashes);
	free(t->index);
}

static void push(struct run *r, const struct astate *s)
{
	if (r->n_stack == r->cap_stack) {
		r->cap_stack = r->cap_stack ? r->cap_stack * 2 : 64;
		r->stack = xrealloc(r->stack, r->cap_stack * sizeof(*r->stack));
	}
	r->stack[r->n_stack++] = *s;
}

/* What a path knows of the arguments, in words: "arg0 == 8 and arg1 !=
 * 3" (args are two words of seccomp_data each, low first, as libseccomp
 * tests them: high word, then low word); "" when it learnt nothing (it took
 * an order or bit test, which are not kept, or no test at all). */
static char *conditions_text(const struct astate *s)
{
	char *out = xstrdup("");
	/* A 32-bit architecture's arguments are their low word. */
	bool arch32 = (s->word_known & 2U) && !(s->word[1] & __AUDIT_ARCH_64BIT);

	for (unsigned i = 0; i < 6; i++) {
		unsigned lo = 4 + 2 * i, hi = lo + 1;
		bool klo = s->word_known & (1U << lo), khi = s->word_known & (1U << hi);

		if (arch32) {
			/* The high word is 0 (or the sign extension nobody
			 * tests): the low word is the argument. */
			khi = true;
			if (!(s->word_known & (1U << hi)) && klo) {
				char *n = xasprintf("%s%sarg%u == %u", out, out[0] ? " and " : "",
						    i, s->word[lo]);
				free(out);
				out = n;
				klo = false;
				khi = false;
			}
		}
		char *part = NULL;

		if (klo && khi)
			part = xasprintf("arg%u == %llu", i,
					 ((unsigned long long)s->word[hi] << 32) | s->word[lo]);
		else if (klo)
			part = xasprintf("arg%u (low 32 bits) == %u", i, s->word[lo]);
		else if (khi && s->word[hi] != 0)
			part = xasprintf("arg%u (high 32 bits) == %u", i, s->word[hi]);
		for (size_t k = 0; k < N_NE; k++) {
			char *more;

			if (s->ne[k].word == lo + 1)
				more = xasprintf(
				    "%s%sarg%u%s != %u", part ? part : "", part ? " and " : "", i,
				    arch32 || (khi && s->word[hi] == 0) ? "" : " (low 32 bits)",
				    s->ne[k].v);
			else if (s->ne[k].word == hi + 1 && s->ne[k].v == 0)
				more = xasprintf("%s%sarg%u > 0xffffffff", part ? part : "",
						 part ? " and " : "", i);
			else if (s->ne[k].word == hi + 1)
				more = xasprintf("%s%sarg%u (high 32 bits) != %u", part ? part : "",
						 part ? " and " : "", i, s->ne[k].v);
			else
				continue;
			free(part);
			part = more;
		}
		if (part != NULL) {
			char *n = xasprintf("%s%s%s", out, out[0] ? " and " : "", part);
			free(out);
			free(part);
			out = n;
		}
	}
	return out;
}

#define MAX_COND_TERMS 8

static void add_condition(char **conds, const struct astate *s)
{
	cleanup_free char *c = conditions_text(s);
	const char *term = c[0] != '\0' ? c : "other arguments";
	size_t terms = 1;
	char *n;

	if (*conds == NULL) {
		*conds = xstrdup(term);
		return;
	}
	/* One of the terms already? (" or " between them) */
	for (const char *p = *conds;; terms++) {
		const char *e = strstr(p, " or ");
		size_t l = e != NULL ? (size_t)(e - p) : strlen(p);

		if (l == strlen(term) && strncmp(p, term, l) == 0)
			return;
		if (e == NULL)
			break;
		p = e + 4;
	}
	if (terms >= MAX_COND_TERMS) {
		if (strstr(*conds, " or ...") == NULL) {
			n = xasprintf("%s or ...", *conds);
			free(*conds);
			*conds = n;
		}
		return;
	}
	n = xasprintf("%s or %s", *conds, term);
	free(*conds);
	*conds = n;
}

static void record(struct run *r, const struct astate *s, uint32_t ret, bool any)
{
	size_t i;

	if (any) {
		r->any = true;
		return;
	}
	for (i = 0; i < r->n_rets; i++)
		if (r->rets[i] == ret)
			break;
	if (i == r->n_rets) {
		if (r->n_rets == r->cap_rets) {
			r->cap_rets = r->cap_rets ? r->cap_rets * 2 : 8;
			r->rets = xrealloc(r->rets, r->cap_rets * sizeof(*r->rets));
			r->conds = xrealloc(r->conds, r->cap_rets * sizeof(*r->conds));
		}
		r->rets[r->n_rets] = ret;
		r->conds[r->n_rets] = NULL;
		r->n_rets++;
	}
	add_condition(&r->conds[i], s);
}

/* The state at the start of a filter: A = X = 0, as the kernel's
 * conversion to eBPF sets them. */
static void start_filter(struct astate *s, uint32_t filter)
{
	s->filter = filter;
	s->pc = 0;
	s->a = known(0);
	s->x = known(0);
	memset(s->m, 0, sizeof(s->m));
}

/* Filter s->filter returned v: combine it with the filters before, as
 * seccomp_run_filters() does (the lower action wins; on a tie, the earlier
 * filter), then go on to the next filter or record the outcome. */
static void finish(struct run *r, const struct astate *s, struct aval v)
{
	struct outcome {
		uint32_t ret;
		bool any;
	} next[2];
	size_t n = 0;

	if (v.kind != V_KNOWN) {
		r->tested |= v.src;
		/* An unknown value wins unless the running one is already
		 * the lowest action there is. */
		if (s->ret_any || ACTION_ONLY(s->ret) != INT32_MIN)
			next[n++] = (struct outcome){.any = true};
		if (!s->ret_any)
			next[n++] = (struct outcome){.ret = s->ret};
	} else if (s->ret_any) {
		/* v wins over an unknown value unless v is ALLOW, the highest. */
		next[n++] = (struct outcome){.any = true};
		if (ACTION_ONLY(v.v) < ACTION_ONLY(SECCOMP_RET_ALLOW))
			next[n++] = (struct outcome){.ret = v.v};
	} else {
		next[n++] =
		    (struct outcome){.ret = ACTION_ONLY(v.v) < ACTION_ONLY(s->ret) ? v.v : s->ret};
	}
	for (size_t i = 0; i < n; i++) {
		struct astate t;

		if (s->filter + 1 == r->n_progs) {
			record(r, s, next[i].ret, next[i].any);
			continue;
		}
		t = *s;
		start_filter(&t, s->filter + 1);
		t.ret = next[i].any ? 0 : next[i].ret;
		t.ret_any = next[i].any;
		push(r, &t);
	}
}

static uint32_t alu_known(uint16_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_ADD:
		return a + b;
	case BPF_SUB:
		return a - b;
	case BPF_MUL:
		return a * b;
	case BPF_DIV:
		return a / b; /* b != 0: the caller sees to it */
	case BPF_AND:
		return a & b;
	case BPF_OR:
		return a | b;
	case BPF_XOR:
		return a ^ b;
	case BPF_LSH:
		return a << (b & 31); /* a shift by X uses its low 5 bits */
	case BPF_RSH:
		return a >> (b & 31);
	default:
		return 0;
	}
}

static struct aval alu(uint16_t op, struct aval a, struct aval b)
{
	if (a.kind == V_KNOWN && b.kind == V_KNOWN)
		return known(alu_known(op, a.v, b.v));
	if (b.kind == V_KNOWN) {
		uint32_t k = b.v;

		if (((op == BPF_ADD || op == BPF_SUB || op == BPF_OR || op == BPF_XOR) && k == 0) ||
		    ((op == BPF_LSH || op == BPF_RSH) && (k & 31) == 0) ||
		    ((op == BPF_MUL || op == BPF_DIV) && k == 1) ||
		    (op == BPF_AND && k == UINT32_MAX))
			return a;
		if ((op == BPF_AND || op == BPF_MUL) && k == 0)
			return known(0);
		if (op == BPF_OR && k == UINT32_MAX)
			return known(UINT32_MAX);
	}
	if (a.kind == V_KNOWN) {
		if (a.v == 0 && (op == BPF_AND || op == BPF_MUL || op == BPF_DIV || op == BPF_LSH ||
				 op == BPF_RSH))
			return known(0);
		if (a.v == UINT32_MAX && op == BPF_OR)
			return known(UINT32_MAX);
	}
	return unknown((uint8_t)(a.src | b.src));
}

/* Which ways a jump can go: 1 taken (true), 2 not taken, 3 both. */
static unsigned jump_ways(uint16_t op, struct aval a, struct aval b)
{
	uint32_t amin = a.kind == V_KNOWN ? a.v : 0, amax = a.kind == V_KNOWN ? a.v : UINT32_MAX;
	uint32_t bmin = b.kind == V_KNOWN ? b.v : 0, bmax = b.kind == V_KNOWN ? b.v : UINT32_MAX;
	bool same = a.kind == V_UNKNOWN && b.kind == V_UNKNOWN && a.word != 0 && a.word == b.word;
	bool t, f;

	switch (op) {
	case BPF_JEQ:
		if (a.kind == V_KNOWN && b.kind == V_KNOWN)
			t = a.v == b.v, f = !t;
		else
			t = true, f = !same;
		break;
	case BPF_JGT:
		t = !same && amax > bmin;
		f = same || amin <= bmax;
		break;
	case BPF_JGE:
		t = same || amax >= bmin;
		f = !same && amin < bmax;
		break;
	case BPF_JSET:
		if (a.kind == V_KNOWN && b.kind == V_KNOWN) {
			t = (a.v & b.v) != 0;
			f = !t;
		} else {
			t = !((a.kind == V_KNOWN && a.v == 0) || (b.kind == V_KNOWN && b.v == 0));
			f = true;
		}
		break;
	default:
		t = f = true;
		break;
	}
	return (t ? 1U : 0U) | (f ? 2U : 0U);
}

/* Follow one path from s until it returns from the last filter (pushing
 * the other side of each undecided branch), or reaches a state already
 * explored. */
static int walk(struct run *r, struct astate *s, cella_error *err)
{
	for (;;) {
		const struct prog *p = &r->progs[s->filter];
		const struct sock_filter *in = &p->insns[s->pc];
		uint16_t op = BPF_OP(in->code);
		struct aval b;

		if (++r->steps > SECCOMP_INSPECT_STEP_BUDGET)
			return cella_err(err, E2BIG,
					 "too complex: more than %d instructions over "
					 "all paths",
					 SECCOMP_INSPECT_STEP_BUDGET);
		if ((p->join[s->pc] || (s->pc == 0 && s->filter > 0)) && !seen_insert(&r->seen, s))
			return 0;
		switch (in->code) {
		case BPF_LD | BPF_W | BPF_ABS:
			s->a = load_word(s, in->k);
			break;
		case BPF_LD | BPF_W | BPF_LEN:
			s->a = known(sizeof(struct seccomp_data));
			break;
		case BPF_LDX | BPF_W | BPF_LEN:
			s->x = known(sizeof(struct seccomp_data));
			break;
		case BPF_LD | BPF_IMM:
			s->a = known(in->k);
			break;
		case BPF_LDX | BPF_IMM:
			s->x = known(in->k);
			break;
		case BPF_LD | BPF_MEM:
		case BPF_LDX | BPF_MEM:
			if (s->m[in->k].kind == V_UNSET)
				return cella_err(err, EINVAL, "instruction %u: M[%u] read unset",
						 s->pc, in->k);
			*(BPF_CLASS(in->code) == BPF_LD ? &s->a : &s->x) = s->m[in->k];
			break;
		case BPF_ST:
			s->m[in->k] = s->a;
			break;
		case BPF_STX:
			s->m[in->k] = s->x;
			break;
		case BPF_MISC | BPF_TAX:
			s->x = s->a;
			break;
		case BPF_MISC | BPF_TXA:
			s->a = s->x;
			break;
		case BPF_ALU | BPF_NEG:
			s->a = s->a.kind == V_KNOWN ? known(0U - s->a.v) : unknown(s->a.src);
			break;
		case BPF_RET | BPF_K:
			finish(r, s, known(in->k));
			return 0;
		case BPF_RET | BPF_A:
			finish(r, s, s->a);
			return 0;
		case BPF_JMP | BPF_JA:
			s->pc += 1 + in->k;
			continue;
		default:
			b = BPF_SRC(in->code) == BPF_X ? s->x : known(in->k);
			if (BPF_CLASS(in->code) == BPF_ALU) {
				/* Classic BPF returns 0 on a division by 0. */
				if (op == BPF_DIV && b.kind == V_KNOWN && b.v == 0) {
					finish(r, s, known(0));
					return 0;
				}
				if (op == BPF_DIV && b.kind != V_KNOWN) {
					struct astate z = *s;

					r->tested |= b.src;
					learn(&z, &z.x, 0);
					finish(r, &z, known(0));
					if (s->x.word)
						ne_add(s, s->x.word, 0);
				}
				s->a = alu(op, s->a, b);
				break;
			}
			if (BPF_CLASS(in->code) == BPF_JMP) {
				unsigned ways = jump_ways(op, s->a, b);
				/* JEQ of an unknown (A, or X) with a known value */
				bool eq_a = op == BPF_JEQ && b.kind == V_KNOWN;
				bool eq_x = op == BPF_JEQ && s->a.kind == V_KNOWN && !eq_a;
				struct aval u = eq_a ? s->a : b;
				uint32_t val = eq_a ? b.v : s->a.v;

				if (ways == 3 && in->jt == in->jf)
					ways = 1;
				if (ways == 3 && (eq_a || eq_x) && u.word && ne_has(s, u.word, val))
					ways = 2;
				if (ways == 3) {
					struct astate t = *s;

					r->tested |= (uint8_t)(s->a.src | b.src);
					if (eq_a || eq_x)
						learn(&t, eq_a ? &t.a : &t.x, val);
					if ((eq_a || eq_x) && u.word)
						ne_add(s, u.word, val);
					t.pc += 1 + in->jt;
					push(r, &t);
					s->pc += 1 + in->jf;
				} else {
					s->pc += 1 + (ways == 1 ? in->jt : in->jf);
				}
				continue;
			}
			return cella_err(err, EINVAL, "instruction %u: opcode 0x%02x", s->pc,
					 in->code);
		}
		s->pc++;
	}
}

static int cmp_ret(const void *pa, const void *pb)
{
	uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;

	if (ACTION_ONLY(a) != ACTION_ONLY(b))
		return ACTION_ONLY(a) < ACTION_ONLY(b) ? -1 : 1;
	return a < b ? -1 : a > b;
}

static int run_filters(struct run *r, uint32_t audit_arch, uint32_t nr,
		       struct seccomp_inspect_result *out, cella_error *err)
{
	struct astate s;

	r->n_stack = r->steps = r->n_rets = 0;
	r->any = false;
	r->tested = 0;
	seen_reset(&r->seen);
	memset(&s, 0, sizeof(s));
	start_filter(&s, 0);
	s.word[0] = nr;
	s.word[1] = audit_arch;
	s.word_known = 3;
	s.ret = SECCOMP_RET_ALLOW;
	push(r, &s);
	while (r->n_stack > 0) {
		s = r->stack[--r->n_stack];
		if (walk(r, &s, err) < 0) {
			for (size_t i = 0; i < r->n_rets; i++) {
				free(r->conds[i]);
				r->conds[i] = NULL;
			}
			return cella_err_context(err, "system call %u, arch 0x%08x", nr,
						 audit_arch);
		}
	}
	*out = (struct seccomp_inspect_result){
	    .rets = r->n_rets ? xmalloc(r->n_rets * sizeof(*r->rets)) : NULL,
	    .n_rets = r->n_rets,
	    .any = r->any,
	    .tested = r->tested,
	    .depends_on_args = r->n_rets > 1 || r->any,
	};
	if (r->n_rets) {
		memcpy(out->rets, r->rets, r->n_rets * sizeof(*r->rets));
		/* Not with NULL even for no element: glibc declares it nonnull. */
		qsort(out->rets, out->n_rets, sizeof(*out->rets), cmp_ret);
	}
	if (r->tested != 0) {
		/* A path that learnt nothing took a test that is not kept: name
		 * what the filters looked at. */
		cleanup_free char *what = xstrdup("");

		for (unsigned i = 0; i < 7; i++)
			if (r->tested & (1U << i)) {
				char *n =
				    xasprintf("%s%s%s", what, what[0] ? ", " : "",
					      i < 6 ? (const char *[]){"arg0", "arg1", "arg2",
								       "arg3", "arg4", "arg5"}[i]
						    : "the instruction pointer");
				free(what);
				what = n;
			}
		for (size_t i = 0; i < r->n_rets; i++) {
			char *p =
			    r->conds[i] != NULL ? strstr(r->conds[i], "other arguments") : NULL;

			if (p != NULL) {
				char *n =
				    xasprintf("%.*ssome values of %s (a masked or order test)%s",
					      (int)(p - r->conds[i]), r->conds[i], what,
					      p + strlen("other arguments"));
				free(r->conds[i]);
				r->conds[i] = n;
			}
		}
	}
	if (out->depends_on_args && r->n_rets > 0) {
		/* Each outcome's conditions, in the sorted order. */
		out->conditions = xcalloc(r->n_rets, sizeof(*out->conditions));
		for (size_t i = 0; i < r->n_rets; i++)
			for (size_t j = 0; j < r->n_rets; j++)
				if (r->rets[j] == out->rets[i])
					out->conditions[i] = take_ptr(&r->conds[j]);
	}
	for (size_t i = 0; i < r->n_rets; i++) {
		free(r->conds[i]);
		r->conds[i] = NULL;
	}
	return 0;
}

static void run_clear(struct run *r)
{
	free(r->stack);
	seen_free(&r->seen);
	free(r->rets);
	free(r->conds);
	for (size_t i = 0; i < r->n_progs; i++)
		free(r->progs[i].join);
	free(r->progs);
}

/* Validate the filters and find their join points. */
static int run_prepare(struct run *r, const struct seccomp_inspect_filters *f, cella_error *err)
{
	struct prog *progs;

	*r = (struct run){0};
	if (f->n_filters == 0)
		return cella_err(err, EINVAL, "seccomp filter mode without a filter");
	progs = r->progs = xcalloc(f->n_filters, sizeof(*progs));
	r->n_progs = f->n_filters;
	for (size_t i = 0; i < f->n_filters; i++) {
		const struct sock_filter *in = f->filters[i].insns;
		size_t len = f->filters[i].len;
		uint8_t *preds;
#define PRED(j) (preds[j] = preds[j] < 2 ? preds[j] + 1 : 2)

		if (seccomp_inspect_validate(in, len, err) < 0)
			return cella_err_context(err, "seccomp filter %zu", i);
		progs[i].insns = in;
		progs[i].len = len;
		preds = progs[i].join = xcalloc(len, 1);
		for (size_t pc = 0; pc < len; pc++) {
			uint16_t c = in[pc].code;

			if (BPF_CLASS(c) == BPF_RET)
				continue;
			if (c == (BPF_JMP | BPF_JA)) {
				PRED(pc + 1 + in[pc].k);
			} else if (BPF_CLASS(c) == BPF_JMP) {
				PRED(pc + 1 + in[pc].jt);
				if (in[pc].jt != in[pc].jf)
					PRED(pc + 1 + in[pc].jf);
			} else {
				PRED(pc + 1);
			}
		}
#undef PRED
		for (size_t pc = 0; pc < len; pc++)
			preds[pc] = preds[pc] > 1;
	}
	return 0;
}

/* Mode 1 allows read, write, exit and sigreturn (mode1_syscalls in
 * kernel/seccomp.c): the native numbers, or for a compat call (x32's too,
 * which therefore never match) the 32-bit ones. */
static bool strict_allows(uint32_t audit_arch, uint32_t nr)
{
	static const uint32_t native[] = {
	    __NR_read,
	    __NR_write,
	    __NR_exit,
#ifdef __i386__
	    __NR_sigreturn,
#else
	    __NR_rt_sigreturn,
#endif
	};
	static const uint32_t ia32[] = {3, 4, 1, 119};	     /* x86: ia32 sigreturn */
	static const uint32_t arm_compat[] = {3, 4, 1, 173}; /* arm64: compat rt_sigreturn */
	uint32_t native_arch = seccomp_inspect_audit_arch(SCMP_ARCH_NATIVE);
	const uint32_t *list = native;

	if (native_arch == AUDIT_ARCH_X86_64 &&
	    (audit_arch != native_arch || nr & __X32_SYSCALL_BIT))
		list = ia32;
	else if (native_arch == AUDIT_ARCH_AARCH64 && audit_arch != native_arch)
		list = arm_compat;
	for (size_t i = 0; i < 4; i++)
		if (list[i] == nr)
			return true;
	return false;
}

static int eval_simple(const struct seccomp_inspect_filters *f, uint32_t audit_arch, uint32_t nr,
		       struct seccomp_inspect_result *out, cella_error *err)
{
	uint32_t ret;

	if (f->mode == SECCOMP_MODE_DISABLED)
		ret = SECCOMP_RET_ALLOW;
	else if (f->mode == SECCOMP_MODE_STRICT)
		ret = strict_allows(audit_arch, nr) ? SECCOMP_RET_ALLOW : SECCOMP_RET_KILL_THREAD;
	else
		return cella_err(err, EINVAL, "unknown seccomp mode %d", f->mode);
	*out = (struct seccomp_inspect_result){.rets = xmalloc(sizeof(uint32_t)), .n_rets = 1};
	out->rets[0] = ret;
	return 0;
}

int seccomp_inspect_eval(const struct seccomp_inspect_filters *f, uint32_t audit_arch, uint32_t nr,
			 struct seccomp_inspect_result *out, cella_error *err)
{
	struct run r;
	int ret;

	if (f->mode != SECCOMP_MODE_FILTER)
		return eval_simple(f, audit_arch, nr, out, err);
	if (run_prepare(&r, f, err) < 0) {
		run_clear(&r);
		return cella_err_ret(err);
	}
	ret = run_filters(&r, audit_arch, nr, out, err);
	run_clear(&r);
	return ret;
}

void seccomp_inspect_result_clear(struct seccomp_inspect_result *r)
{
	for (size_t i = 0; r->conditions != NULL && i < r->n_rets; i++)
		free(r->conditions[i]);
	free(r->conditions);
	free(r->rets);
	*r = (struct seccomp_inspect_result){0};
}

/* ---- the table ---- */

/* The numbers seccomp_data.nr carries for an architecture: x32 calls carry
 * __X32_SYSCALL_BIT, MIPS numbers start at 4000, 5000 or 6000; ARM has a
 * few private calls at 0xf0000. */
static uint32_t nr_base(uint32_t scmp_arch)
{
	switch (scmp_arch) {
	case SCMP_ARCH_X32:
		return __X32_SYSCALL_BIT;
	case SCMP_ARCH_MIPS:
	case SCMP_ARCH_MIPSEL:
		return 4000;
	case SCMP_ARCH_MIPS64:
	case SCMP_ARCH_MIPSEL64:
		return 5000;
	case SCMP_ARCH_MIPS64N32:
	case SCMP_ARCH_MIPSEL64N32:
		return 6000;
	default:
		return 0;
	}
}

#define NR_SPAN 1024 /* numbers scanned from the base */

static int eval_one(struct run *r, const struct seccomp_inspect_filters *f, uint32_t audit_arch,
		    uint32_t nr, struct seccomp_inspect_result *out, cella_error *err)
{
	int ret = f->mode == SECCOMP_MODE_FILTER ? run_filters(r, audit_arch, nr, out, err)
						 : eval_simple(f, audit_arch, nr, out, err);

	if (ret == -E2BIG) {
		*out = (struct seccomp_inspect_result){.too_complex = true};
		ret = 0;
	}
	return ret;
}

static int cmp_nr(const void *pa, const void *pb)
{
	const struct seccomp_inspect_syscall *a = pa, *b = pb;

	return a->nr < b->nr ? -1 : a->nr > b->nr;
}

/* The running kernel's calls libseccomp does not name, and the ones the
 * kernel lets through every filter. */
static int add_kernel_calls(struct seccomp_inspect_table *t, struct run *r,
			    const struct seccomp_inspect_filters *f, uint32_t base, size_t *cap,
			    cella_error *err)
{
	const struct kernel_syscall *ks[128];
	size_t n = kernel_syscalls(t->scmp_arch, ks, 128);
	bool added = false;

	for (size_t i = 0; i < n; i++) {
		uint32_t nr = base + ks[i]->nr;
		struct seccomp_inspect_syscall *sc = NULL;
		char *name;

		if (!kernel_has_syscall(ks[i]))
			continue;
		name = seccomp_syscall_resolve_num_arch(t->scmp_arch, (int)nr);
		if (name != NULL) {
			free(name);
			for (size_t j = 0; j < t->n; j++)
				if (t->syscalls[j].nr == nr)
					sc = &t->syscalls[j];
		} else {
			if (t->n == *cap) {
				*cap = *cap ? *cap * 2 : 512;
				t->syscalls = xrealloc(t->syscalls, *cap * sizeof(*t->syscalls));
			}
			sc = &t->syscalls[t->n];
			*sc = (struct seccomp_inspect_syscall){
			    .nr = nr, .name = xstrdup(ks[i]->name), .unknown_to_libseccomp = true};
			if (eval_one(r, f, t->audit_arch, nr, &sc->result, err) < 0) {
				cella_err_context(err, "%s", ks[i]->name);
				free(sc->name);
				return cella_err_ret(err);
			}
			t->n++;
			added = true;
		}
		if (sc != NULL && ks[i]->no_seccomp && f->mode != 0) {
			sc->filtered = sc->result;
			sc->result = (struct seccomp_inspect_result){
			    .rets = xmalloc(sizeof(uint32_t)), .n_rets = 1};
			sc->result.rets[0] = SECCOMP_RET_ALLOW;
			sc->no_seccomp = true;
		}
	}
	if (added)
		qsort(t->syscalls, t->n, sizeof(*t->syscalls), cmp_nr);
	return 0;
}

int seccomp_inspect_table_build(const struct seccomp_inspect_filters *f, uint32_t scmp_arch,
				struct seccomp_inspect_table *out, cella_error *err)
{
	struct seccomp_inspect_table t = {0};
	struct run r = {0};
	uint32_t base;
	size_t cap = 0;

	if (scmp_arch == SCMP_ARCH_NATIVE)
		scmp_arch = seccomp_arch_native();
	t.scmp_arch = scmp_arch;
	t.audit_arch = seccomp_inspect_audit_arch(scmp_arch);
	if (t.audit_arch == 0)
		return cella_err(err, EINVAL, "architecture 0x%08x is unknown to libseccomp",
				 scmp_arch);
	if (f->mode == SECCOMP_MODE_FILTER && run_prepare(&r, f, err) < 0) {
		run_clear(&r);
		return cella_err_ret(err);
	}
	base = nr_base(scmp_arch);
	for (uint32_t i = 0; i < NR_SPAN + 16; i++) {
		uint32_t nr = i < NR_SPAN ? base + i : 0xf0000 + (i - NR_SPAN);
		struct seccomp_inspect_syscall *sc;
		char *name;
		int ret;

		if (i >= NR_SPAN && scmp_arch != SCMP_ARCH_ARM)
			break;
		name = seccomp_syscall_resolve_num_arch(scmp_arch, (int)nr);
		if (name == NULL)
			continue;
		if (t.n == cap) {
			cap = cap ? cap * 2 : 512;
			t.syscalls = xrealloc(t.syscalls, cap * sizeof(*t.syscalls));
		}
		sc = &t.syscalls[t.n];
		*sc = (struct seccomp_inspect_syscall){.nr = nr, .name = name};
		ret = eval_one(&r, f, t.audit_arch, nr, &sc->result, err);
		if (ret < 0) {
			cella_err_context(err, "%s", name);
			free(name);
			run_clear(&r);
			seccomp_inspect_table_clear(&t);
			return cella_err_ret(err);
		}
		t.n++;
	}
	if (add_kernel_calls(&t, &r, f, base, &cap, err) < 0) {
		run_clear(&r);
		seccomp_inspect_table_clear(&t);
		return cella_err_ret(err);
	}
	run_clear(&r);
	*out = t;
	return 0;
}

void seccomp_inspect_table_clear(struct seccomp_inspect_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->syscalls[i].name);
		seccomp_inspect_result_clear(&t->syscalls[i].result);
		seccomp_inspect_result_clear(&t->syscalls[i].filtered);
	}
	free(t->syscalls);
	t->syscalls = NULL;
	t->n = 0;
}

void seccomp_inspect_summarize(const struct seccomp_inspect_table *t,
			       struct seccomp_inspect_summary *out)
{
	*out = (struct seccomp_inspect_summary){.total = t->n};
	for (size_t i = 0; i < t->n; i++) {
		const struct seccomp_inspect_result *r = &t->syscalls[i].result;
		enum seccomp_inspect_action a;
		bool one = !r->any && r->n_rets > 0;

		if (r->too_complex) {
			out->too_complex++;
			continue;
		}
		a = one ? seccomp_inspect_action_of(r->rets[0]) : SECCOMP_INSPECT_ACTION_COUNT;
		for (size_t j = 1; one && j < r->n_rets; j++)
			one = seccomp_inspect_action_of(r->rets[j]) == a;
		if (one)
			out->always[a]++;
		else
			out->depends++;
	}
}
