/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Seccomp filters: names, compiling a typed configuration with libseccomp
 * (parent side, before the fork) and loading the compiled program (child
 * side, just before execve). See seccomp.h for the order of loading.
 */
#include "kernel/seccomp.h"
#include "kernel/sync.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <seccomp.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/* ---- names ---- */

static const enum scmp_compare op_scmp[CELLA_SCMP_OP_COUNT] = {
    [CELLA_SCMP_CMP_NE] = SCMP_CMP_NE,
    [CELLA_SCMP_CMP_LT] = SCMP_CMP_LT,
    [CELLA_SCMP_CMP_LE] = SCMP_CMP_LE,
    [CELLA_SCMP_CMP_EQ] = SCMP_CMP_EQ,
    [CELLA_SCMP_CMP_GE] = SCMP_CMP_GE,
    [CELLA_SCMP_CMP_GT] = SCMP_CMP_GT,
    [CELLA_SCMP_CMP_MASKED_EQ] = SCMP_CMP_MASKED_EQ,
};

/* linux.seccomp.flags bits to the kernel's SECCOMP_FILTER_FLAG_*. */
static const struct {
	unsigned flag;
	unsigned long kernel;
} flag_table[] = {
    {CELLA_SCMP_FLAG_LOG, SECCOMP_FILTER_FLAG_LOG},
    {CELLA_SCMP_FLAG_SPEC_ALLOW, SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {CELLA_SCMP_FLAG_WAIT_KILLABLE_RECV, SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
};

/* ---- building (parent side) ---- */

static int scmp_action(enum cella_seccomp_action a, bool has_ret, uint32_t ret, uint32_t *out)
{
	switch (a) {
	case CELLA_SCMP_KILL_THREAD:
		*out = SCMP_ACT_KILL_THREAD;
		return 0;
	case CELLA_SCMP_KILL_PROCESS:
		*out = SCMP_ACT_KILL_PROCESS;
		return 0;
	case CELLA_SCMP_TRAP:
		*out = SCMP_ACT_TRAP;
		return 0;
	case CELLA_SCMP_ERRNO:
		*out = SCMP_ACT_ERRNO(has_ret ? ret : EPERM);
		return 0;
	case CELLA_SCMP_TRACE:
		*out = SCMP_ACT_TRACE(has_ret ? ret : EPERM);
		return 0;
	case CELLA_SCMP_LOG:
		*out = SCMP_ACT_LOG;
		return 0;
	case CELLA_SCMP_ALLOW:
		*out = SCMP_ACT_ALLOW;
		return 0;
	case CELLA_SCMP_NOTIFY:
		*out = SCMP_ACT_NOTIFY;
		return 0;
	case CELLA_SCMP_ACTION_COUNT:
	default:
		return -1;
	}
}

struct scmp_ctx_guard {
	scmp_filter_ctx ctx;
};

static void scmp_release(struct scmp_ctx_guard *g)
{
	if (g->ctx != NULL)
		seccomp_release(g->ctx);
}

/* Does the kernel know this SECCOMP_FILTER_FLAG_*? With a NULL program it
 * answers EFAULT for a known flag and EINVAL for an unknown one (it checks
 * the flags first). WAIT_KILLABLE_RECV is only valid with NEW_LISTENER. */
static bool kernel_has_flag(unsigned long flag)
{
	if (flag == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV)
		flag |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL) < 0 && errno == EFAULT;
}

static int add_rule(scmp_filter_ctx ctx, const struct cella_seccomp_rule *rule, size_t i,
		    const char *name, int nr, uint32_t act, cella_error *err)
{
	struct scmp_arg_cmp cmps[6];
	bool distinct = rule->n_args <= 6;
	unsigned seen = 0;
	int r;

	for (size_t a = 0; a < rule->n_args && distinct; a++) {
		if (seen & (1U << rule->args[a].index))
			distinct = false;
		seen |= 1U << rule->args[a].index;
	}
	for (size_t a = 0; a < rule->n_args; a++) {
		const struct cella_seccomp_arg *x = &rule->args[a];
		cmps[distinct ? a : 0] = (struct scmp_arg_cmp){.arg = x->index,
							       .op = op_scmp[x->op],
							       .datum_a = x->value,
							       .datum_b = x->value_two};
		if (distinct)
			continue;
		/* The same argument twice: each condition is its own rule
		 * (either one matching triggers the action). */
		r = seccomp_rule_add_array(ctx, act, nr, 1, cmps);
		if (r < 0)
			return cella_err(err, -r, "linux.seccomp.syscalls[%zu]: add rule for `%s`",
					 i, name);
	}
	if (!distinct)
		return 0;
	r = seccomp_rule_add_array(ctx, act, nr, (unsigned)rule->n_args, cmps);
	if (r < 0)
		return cella_err(err, -r, "linux.seccomp.syscalls[%zu]: add rule for `%s`", i,
				 name);
	return 0;
}

static int add_rules(scmp_filter_ctx ctx, const struct cella_seccomp *conf, uint32_t dflt,
		     cella_error *err)
{
	for (size_t i = 0; i < conf->n_syscalls; i++) {
		const struct cella_seccomp_rule *rule = &conf->syscalls[i];
		uint32_t act;

		if (scmp_action(rule->action, rule->has_errno_ret, rule->errno_ret, &act) < 0)
			return cella_err(err, EINVAL, "linux.seccomp.syscalls[%zu].action: unknown",
					 i);
		/* The kernel would do the same without a rule (libseccomp
		 * refuses such rules). */
		if (act == dflt)
			continue;
		for (char **n = rule->names; n != NULL && *n != NULL; n++) {
			int nr = seccomp_syscall_resolve_name(*n);

			/* Skipped, as runc: a profile may name syscalls newer
			 * than this libseccomp (cella_seccomp_warn_unknown
			 * says so). */
			if (nr == __NR_SCMP_ERROR)
				continue;
			if (add_rule(ctx, rule, i, *n, nr, act, err) < 0)
				return cella_err_ret(err);
		}
	}
	return 0;
}

char *cella_seccomp_dropped(const struct cella_seccomp *conf)
{
	const struct scmp_version *v = seccomp_version();
	char *out = xstrdup("");
	uint32_t dflt;

	if (conf == NULL || scmp_action(conf->default_action, conf->has_default_errno_ret,
					conf->default_errno_ret, &dflt) < 0)
		return out;
	for (size_t i = 0; i < conf->n_syscalls; i++) {
		const struct cella_seccomp_rule *rule = &conf->syscalls[i];
		uint32_t act;

		if (scmp_action(rule->action, rule->has_errno_ret, rule->errno_ret, &act) < 0 ||
		    act == dflt)
			continue;
		for (size_t j = 0; rule->names != NULL && rule->names[j] != NULL; j++) {
			const char *n = rule->names[j];
			char *more;

			if (seccomp_syscall_resolve_name(n) != __NR_SCMP_ERROR)
				continue;
			cella_warn(
			    "linux.seccomp.syscalls[%zu].names[%zu]: syscall `%s` unknown to "
			    "libseccomp %u.%u.%u, skipped (the default action applies to it)",
			    i, j, n, v ? v->major : 0, v ? v->minor : 0, v ? v->micro : 0);
			more = xasprintf("%s%zu %s %s\n", out, i, n,
					 cella_seccomp_action_name(rule->action));
			free(out);
			out = more;
		}
	}
	return out;
}

/*
 * SCMP_ACT_NOTIFY: the filter is loaded with SECCOMP_FILTER_FLAG_NEW_LISTENER
 * and its listener goes to the agent at listenerPath (seccomp.h). Right after
 * loading, the child passes the listener to the runtime with sendmsg(2): a
 * notified sendmsg would wait for an agent that cannot have the listener
 * yet, and so would every syscall under a notifying default action (runc
 * refuses its write(2) and the default action for the same reason).
 */
static const struct {
	const char *name, *why;
} runtime_needs[] = {
    {"sendmsg", "the runtime passes the listener to the agent with it"},
    {"write", "the runtime reports its errors with it after loading the filter, as runc "
	      "refuses it"},
    {"close", "the runtime closes its copy of the listener before the agent may have it"},
};

static int check_notify(const struct cella_seccomp *conf, bool *uses, cella_error *err)
{
	*uses = false;
	if (conf->default_action == CELLA_SCMP_NOTIFY)
		return cella_err_invalid(err,
					 "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be "
					 "the default action (the runtime's own syscalls after "
					 "loading the filter would wait for the agent)");
	for (size_t i = 0; i < conf->n_syscalls; i++) {
		const struct cella_seccomp_rule *rule = &conf->syscalls[i];

		if (rule->action != CELLA_SCMP_NOTIFY)
			continue;
		*uses = true;
		for (size_t j = 0; rule->names != NULL && rule->names[j] != NULL; j++)
			for (size_t k = 0; k < ARRAY_SIZE(runtime_needs); k++)
				if (strcmp(rule->names[j], runtime_needs[k].name) == 0)
					return cella_err_invalid(
					    err,
					    "linux.seccomp.syscalls[%zu].names[%zu]: "
					    "SCMP_ACT_NOTIFY cannot be used for %s (%s)",
					    i, j, runtime_needs[k].name, runtime_needs[k].why);
	}
	if (!*uses)
		return 0;
	if (conf->listener_path == NULL)
		return cella_err_invalid(err, "linux.seccomp.listenerPath: required with "
					      "SCMP_ACT_NOTIFY");
	if (seccomp_api_get() < 5)
		return cella_err(err, ENOTSUP,
				 "linux.seccomp: SCMP_ACT_NOTIFY needs libseccomp 2.5 or later "
				 "(API level 5, this one has %u)",
				 seccomp_api_get());
	if (!kernel_has_flag(SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return cella_err(err, ENOTSUP,
				 "linux.seccomp: SCMP_ACT_NOTIFY needs a kernel with seccomp user "
				 "notification (Linux 5.0 or later)");
	return 0;
}

int cella_seccomp_build(const struct cella_seccomp *conf, struct cella_seccomp_prog *out,
			cella_error *err)
{
	bool notify;
	__attribute__((cleanup(scmp_release))) struct scmp_ctx_guard g = {NULL};
	cleanup_free struct sock_filter *stub = NULL;
	size_t stub_len = 0, size;
	cleanup_close int fd = -1;
	uint32_t dflt;
	struct stat st;
	void *buf;
	ssize_t n;
	int r;

	memset(out, 0, sizeof(*out));
	if (check_notify(conf, &notify, err) < 0)
		return cella_err_ret(err);
	if (scmp_action(conf->default_action, conf->has_default_errno_ret, conf->default_errno_ret,
			&dflt) < 0)
		return cella_err(err, EINVAL, "linux.seccomp.defaultAction: unknown");
	g.ctx = seccomp_init(dflt);
	if (g.ctx == NULL)
		return cella_err(err, EINVAL, "linux.seccomp: seccomp_init");
	/* The program is loaded by cella_seccomp_load(), not by libseccomp: it must
	 * not set no_new_privs on its own. */
	if ((r = seccomp_attr_set(g.ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
		return cella_err(err, -r, "linux.seccomp: clear the no_new_privs attribute");
	/* A binary tree of syscall numbers: fewer instructions per syscall
	 * with a long allowlist. */
	if (seccomp_attr_set(g.ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0)
		cella_debug("linux.seccomp: libseccomp cannot build a binary tree filter");
	for (size_t i = 0; i < conf->n_archs; i++) {
		r = seccomp_arch_add(g.ctx, conf->archs[i]);
		if (r < 0 && r != -EEXIST)
			return cella_err(err, -r, "linux.seccomp.architectures[%zu]: add %s", i,
					 cella_seccomp_arch_name(conf->archs[i]));
	}
	if (add_rules(g.ctx, conf, dflt, err) < 0)
		return cella_err_ret(err);

	if (notify)
		out->kernel_flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER;
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++) {
		if (!(conf->flags & flag_table[i].flag))
			continue;
		/* It changes how a notified syscall waits: with no listener, the
		 * kernel refuses it. */
		if (flag_table[i].kernel == SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV && !notify) {
			cella_warn("linux.seccomp.flags: %s only applies to SCMP_ACT_NOTIFY, "
				   "which no rule uses: ignored",
				   cella_seccomp_flag_name(flag_table[i].flag));
			continue;
		}
		if (!kernel_has_flag(flag_table[i].kernel)) {
			cella_warn("linux.seccomp.flags: %s is not supported by the kernel, "
				   "ignored",
				   cella_seccomp_flag_name(flag_table[i].flag));
			continue;
		}
		out->kernel_flags |= (unsigned)flag_table[i].kernel;
	}

	fd = memfd_create("cella-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "linux.seccomp: memfd_create");
	if ((r = seccomp_export_bpf(g.ctx, fd)) < 0)
		return cella_err(err, -r, "linux.seccomp: export the filter");
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "linux.seccomp: stat the filter");
	if (st.st_size <= 0 || st.st_size % sizeof(struct sock_filter) != 0 ||
	    st.st_size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cella_err(err, E2BIG, "linux.seccomp: the filter has %lld bytes",
				 (long long)st.st_size);
	if ((r = cella_seccomp_enosys_stub(conf, &stub, &stub_len)) < 0)
		return cella_err(err, -r, "linux.seccomp: build the -ENOSYS stub");
	size = stub_len * sizeof(struct sock_filter) + (size_t)st.st_size;
	if (size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cella_err(err, E2BIG, "linux.seccomp: the filter has %zu instructions",
				 size / sizeof(struct sock_filter));
	buf = xmalloc(size);
	if (stub_len > 0)
		memcpy(buf, stub, stub_len * sizeof(struct sock_filter));
	n = pread(fd, (char *)buf + stub_len * sizeof(struct sock_filter), (size_t)st.st_size, 0);
	if (n != st.st_size) {
		free(buf);
		return cella_err(err, n < 0 ? errno : EIO, "linux.seccomp: read the filter");
	}
	out->insns = buf;
	out->len = size / sizeof(struct sock_filter);
	return 0;
}

/* ---- loading (child side) ---- */

bool cella_seccomp_prog_has_listener(const struct cella_seccomp_prog *prog)
{
	return prog->len > 0 && (prog->kernel_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER);
}

int cella_seccomp_load_listener(const struct cella_seccomp_prog *prog, int *listener,
				cella_error *err)
{
	struct sock_fprog fprog = {.len = (unsigned short)prog->len, .filter = prog->insns};
	long r;

	*listener = -1;
	if (prog->len == 0)
		return 0;
	/* With NEW_LISTENER the kernel answers the listener, O_CLOEXEC. */
	r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog->kernel_flags, &fprog);
	if (r < 0)
		return cella_err(err, errno, "load the seccomp filter");
	if (cella_seccomp_prog_has_listener(prog))
		*listener = (int)r;
	return 0;
}

int cella_seccomp_load(const struct cella_seccomp_prog *prog, cella_error *err)
{
	int listener;

	/* Its listener would be lost, and with it every notified syscall. */
	if (cella_seccomp_prog_has_listener(prog))
		return cella_err(err, EINVAL,
				 "load the seccomp filter: it has a listener for SCMP_ACT_NOTIFY, "
				 "which nobody would receive");
	return cella_seccomp_load_listener(prog, &listener, err);
}

/* ---- the listener (runtime side) ---- */

int cella_seccomp_listener_send(const char *path, const char *payload, int listener,
				cella_error *err)
{
	cleanup_close int sock =
	    sync_connect_unix(path, "linux.seccomp.listenerPath", "the seccomp agent at ", err);
	int r;

	if (sock < 0)
		return cella_err_ret(err);
	/* The listener goes with the first bytes (runtime-spec: the file
	 * descriptors only in the first sendmsg). */
	r = sync_send_stream(sock, payload, strlen(payload), listener);
	if (r < 0)
		return cella_err(err, -r,
				 "linux.seccomp.listenerPath: send the container process state to "
				 "`%s`",
				 path);
	return 0;
}

bool cella_seccomp_load_early(bool no_new_privs, uint64_t effective_caps)
{
	return !no_new_privs && !(effective_caps & (UINT64_C(1) << CAP_SYS_ADMIN));
}

/* ---- keeping a program for exec ---- */

/* The file: "cella-bpf" magic, the kernel flags, then the instructions. */
#define PROG_MAGIC 0x66706263u /* "cbpf" */

int cella_seccomp_prog_save(int dirfd, const char *name, const struct cella_seccomp_prog *prog,
			    cella_error *err)
{
	uint32_t head[2] = {PROG_MAGIC, prog->kernel_flags};
	size_t size = prog->len * sizeof(struct sock_filter);
	cleanup_close int fd = -1;

	if (prog->len == 0)
		return 0;
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return cella_err(err, errno, "create `%s`", name);
	if (write(fd, head, sizeof(head)) != (ssize_t)sizeof(head) ||
	    write(fd, prog->insns, size) != (ssize_t)size)
		return cella_err(err, errno ? errno : EIO, "write `%s`", name);
	return 0;
}

int cella_seccomp_prog_read(int dirfd, const char *name, struct cella_seccomp_prog *out,
			    cella_error *err)
{
	cleanup_close int fd = -1;
	uint32_t head[2];
	struct stat st;
	size_t size;
	void *buf;

	memset(out, 0, sizeof(*out));
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0)
		return cella_err(err, errno, "open `%s`", name);
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "stat `%s`", name);
	if (st.st_size < (off_t)sizeof(head))
		return cella_err(err, EINVAL, "`%s`: truncated", name);
	size = (size_t)st.st_size - sizeof(head);
	if (size == 0 || size % sizeof(struct sock_filter) != 0 ||
	    size / sizeof(struct sock_filter) > BPF_MAXINSNS)
		return cella_err(err, EINVAL, "`%s`: not a seccomp program", name);
	if (read(fd, head, sizeof(head)) != (ssize_t)sizeof(head) || head[0] != PROG_MAGIC)
		return cella_err(err, EINVAL, "`%s`: not a seccomp program", name);
	buf = xmalloc(size);
	if (read(fd, buf, size) != (ssize_t)size) {
		free(buf);
		return cella_err(err, EIO, "read `%s`", name);
	}
	out->insns = buf;
	out->len = size / sizeof(struct sock_filter);
	out->kernel_flags = head[1];
	return 0;
}

void cella_seccomp_prog_clear(struct cella_seccomp_prog *prog)
{
	free(prog->insns);
	memset(prog, 0, sizeof(*prog));
}
