/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella probe caps: what each capability changes for a running container.
 *
 * Who runs where, with what:
 *   runtime  on the host; finds the container's init from its state, opens
 *            its namespaces (those that differ from its own, as exec does)
 *            and its root, reads its capability sets, ids and maps from
 *            /proc/PID, then forks the joiner and reads the results from a
 *            pipe;
 *   joiner   not dumpable; joins the namespaces (the ones the container's
 *            user namespace owns after it, the others before) and the root,
 *            forks the starter as the runtime's child (CLONE_PARENT) and
 *            exits;
 *   starter  born in the container's pid namespace; unshares a pid
 *            namespace below it and forks the prober into it, again as the
 *            runtime's child, then exits;
 *   prober   pid 1 of that nested namespace, with the runtime as parent:
 *            however the probe ends (the runtime interrupted: the prober
 *            has a parent-death signal), the kernel kills and reaps every
 *            probe child with the prober, and the prober's own exit goes to
 *            the runtime or, that gone too, to the host's reaper (which
 *            must reap it before the container's pid namespace can end, as
 *            any process of it): nothing is ever left for the container's
 *            init to reap. Then
 *            kernel/capprobe_run.c: a private mount and IPC namespace, a
 *            scratch tmpfs, throwaway objects, two children per capability;
 *            writes one record per capability, then a last one.
 * The container's seccomp filter, cgroup and no_new_privs are not applied to
 * the probes: they measure capabilities alone.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/state.h"
#include "inspect/capprobe.h"
#include "kernel/caps.h"
#include "kernel/mount.h"
#include "kernel/ns.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

enum probe_msg_type {
	PROBE_MSG_RESULT = 1, /* one capability */
	PROBE_MSG_ERROR,      /* the probe failed: err */
	PROBE_MSG_DONE,	      /* every capability was reported */
};

/* One record on the pipe from the prober (plain data). */
struct probe_msg {
	uint32_t type;
	struct capprobe_result r;
	cella_error err;
};

struct probe_ctx {
	pid_t init;
	int ns_fds[CELLA_NS_COUNT];	 /* -1: shared with the runtime */
	bool after_user[CELLA_NS_COUNT]; /* owned by the container's user ns */
	int root_fd;
	struct capprobe_target target;
	const int *caps;
	size_t n_caps;
	int out; /* the pipe's write end, in the joiner and the prober */
};

const char *cella_probe_conditions(void)
{
	return "in the container's namespaces and root, with its init's uid, gids and "
	       "capability sets; without its seccomp filter, cgroup and no_new_privs";
}

/* ---- the runtime's side, before the fork ---- */

static int open_namespaces(struct probe_ctx *c, cella_error *err)
{
	return ns_open_process(c->init, c->ns_fds, c->after_user, err);
}

static int open_root(struct probe_ctx *c, cella_error *err)
{
	c->root_fd = mount_open_process_root(c->init, err);
	return c->root_fd < 0 ? cella_err_ret(err) : 0;
}

static void close_ctx(struct probe_ctx *c)
{
	ns_close_fds(c->ns_fds);
	if (c->root_fd >= 0)
		close(take_fd(&c->root_fd));
	capprobe_target_clear(&c->target);
}

/* Lock the state, check the container runs, open what the joiner needs. */
static int find_container(const char *state_root, const char *id, struct probe_ctx *c,
			  cella_error *err)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, err);
	struct cella_state st = {0};
	int r;

	if (dirfd < 0)
		return dirfd;
	r = state_load(dirfd, id, &st, err);
	if (r < 0)
		return r;
	if (st.status != CELLA_STATUS_RUNNING && st.status != CELLA_STATUS_CREATED &&
	    st.status != CELLA_STATUS_PAUSED)
		r = cella_err_invalid(err, "container `%s` is %s: probe needs a running container",
				      id, cella_status_name(st.status));
	c->init = st.pid;
	if (r == 0)
		r = open_namespaces(c, err);
	if (r == 0)
		r = open_root(c, err);
	/* Its sets, ids and maps, read here on the host: what joins the
	 * container holds no handle on the host's /proc. */
	if (r == 0)
		r = capprobe_read_target(c->init, &c->target, err);
	c->target.own_netns = c->ns_fds[CELLA_NS_NET] >= 0;
	/* The fds name the init's namespaces only if it was still the init
	 * when they were opened. */
	if (r == 0 && !procfs_alive(st.pid, st.pid_start))
		r = cella_err_invalid(err,
				      "container `%s` is stopped: probe needs a running "
				      "container",
				      id);
	cella_state_clear(&st);
	return r;
}

/* ---- the prober and the joiner ---- */

static int send_result(const struct capprobe_result *r, void *data, cella_error *err)
{
	struct probe_ctx *c = data;
	struct probe_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PROBE_MSG_RESULT;
	m.r = *r;
	if (write_all(c->out, &m, sizeof(m)) != (ssize_t)sizeof(m))
		return cella_err(err, errno, "probe: report a result");
	return 0;
}

static void send_end(struct probe_ctx *c, const cella_error *failed)
{
	struct probe_msg m;

	memset(&m, 0, sizeof(m));
	m.type = failed ? PROBE_MSG_ERROR : PROBE_MSG_DONE;
	if (failed)
		m.err = *failed;
	write_all(c->out, &m, sizeof(m));
}

_Noreturn static void prober(struct probe_ctx *c)
{
	cella_error err;

	cella_err_clear(&err);
	/* Our parent is the runtime (outside our pid namespace, so getppid()
	 * says 0): its death kills us, and the kernel then every probe child
	 * in our namespace. (Had it died before this, our first report would
	 * find the pipe closed: SIGPIPE.) */
	if (process_set_parent_death_signal(SIGKILL, &err) < 0) {
		send_end(c, &err);
		_exit(1);
	}
	if (capprobe_run(&c->target, c->caps, c->n_caps, send_result, c, &err) < 0) {
		send_end(c, &err);
		_exit(1);
	}
	send_end(c, NULL);
	_exit(0);
}

static int join_all(struct probe_ctx *c, cella_error *err)
{
	if (ns_join_all(c->ns_fds, c->after_user, err) < 0)
		return cella_err_ret(err);
	if (mount_enter_root(c->root_fd, err) < 0)
		return cella_err_ret(err);
	close(take_fd(&c->root_fd));
	return 0;
}

/* Before entering the container, keep only what the joiner and the prober
 * use: stdio on the host's /dev/null, the namespace fds, the root fd and the
 * pipe, moved down to 3, 4...; every other fd the runtime had (a --log file)
 * is closed. */
static int keep_only_own_fds(struct probe_ctx *c, cella_error *err)
{
	int *fds[CELLA_NS_COUNT + 2];
	size_t n = 0;
	int null = open("/dev/null", O_RDWR | O_CLOEXEC);

	if (null < 0)
		return cella_err(err, errno, "open `/dev/null`");
	for (int fd = 0; fd <= 2; fd++)
		if (dup2(null, fd) < 0)
			return cella_err(err, errno, "probe: stdio on `/dev/null`");
	close(null);
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (c->ns_fds[t] >= 0)
			fds[n++] = &c->ns_fds[t];
	fds[n++] = &c->root_fd;
	fds[n++] = &c->out;
	/* Out of the way first, then down, so that no move lands on another. */
	for (size_t i = 0; i < n; i++) {
		int high = fcntl(*fds[i], F_DUPFD_CLOEXEC, 64);

		if (high < 0)
			return cella_err(err, errno, "probe: move an fd");
		close(*fds[i]);
		*fds[i] = high;
	}
	for (size_t i = 0; i < n; i++) {
		int low = 3 + (int)i;

		if (dup3(*fds[i], low, O_CLOEXEC) < 0)
			return cella_err(err, errno, "probe: move an fd");
		close(*fds[i]);
		*fds[i] = low;
	}
	process_close_from(3 + (int)n);
	return 0;
}

_Noreturn static void joiner(struct probe_ctx *c, pid_t runtime)
{
	cella_error err;
	pid_t pid;

	cella_err_clear(&err);
	/* Nothing is printed from here: errors travel in the pipe. */
	cella_log_set_handler(NULL, NULL);
	/* Not dumpable before entering the container: its processes cannot
	 * ptrace us or open our /proc/PID/{exe,fd,mem}. */
	if (keep_only_own_fds(c, &err) < 0 || process_set_dumpable(0, &err) < 0 ||
	    join_all(c, &err) < 0 || process_set_parent_death_signal(SIGKILL, &err) < 0) {
		send_end(c, &err);
		_exit(1);
	}
	if (getppid() != runtime)
		_exit(1);
	/* The starter, in the container's pid namespace (the prober cannot be
	 * made there directly: a pid namespace is created only below the
	 * creator's own). */
	pid = process_fork_sibling(&err);
	if (pid < 0) {
		cella_err_context(&err, "fork the probe's starter");
		send_end(c, &err);
		_exit(1);
	}
	if (pid == 0) {
		if (ns_unshare(cella_ns_table[CELLA_NS_PID].clone_flag, &err) < 0 ||
		    (pid = process_fork_sibling(&err)) < 0) {
			cella_err_context(&err, "start the prober in a pid namespace of its own");
			send_end(c, &err);
			_exit(1);
		}
		if (pid == 0)
			prober(c);
		_exit(0);
	}
	_exit(0);
}

/* ---- the runtime, after the fork ---- */

static void add_row(struct cella_cap_report *out, const struct capprobe_result *r)
{
	const struct capprobe_info *info = capprobe_info(r->cap);
	struct cella_cap_row *row;
	const char *name = cella_cap_name(r->cap);
	enum capprobe_verdict v;

	out->rows = xrealloc(out->rows, (out->n + 1) * sizeof(*out->rows));
	row = &out->rows[out->n++];
	memset(row, 0, sizeof(*row));
	row->cap = r->cap;
	if (name != NULL)
		snprintf(row->name, sizeof(row->name), "%s", name);
	else
		snprintf(row->name, sizeof(row->name), "CAP_%d", r->cap);
	row->held = r->held;
	v = capprobe_judge(r, row->note, sizeof(row->note));
	row->verdict = capprobe_verdict_name(v);
	if (v == CAPPROBE_NOT_PROBED)
		return;
	row->operation = info->operation;
	capprobe_outcome(r->cap, r->with, row->with, sizeof(row->with));
	capprobe_outcome(r->cap, r->without, row->without, sizeof(row->without));
}

/* Read the records until the last one (or the prober's error). */
static int read_results(int in, size_t expected, struct cella_cap_report *out, cella_error *err)
{
	for (;;) {
		struct probe_msg m;
		ssize_t n = read_all(in, &m, sizeof(m));

		if (n != (ssize_t)sizeof(m))
			return cella_err(err, n < 0 ? errno : 0,
					 "probe: the prober exited before reporting every "
					 "capability");
		if (m.type == PROBE_MSG_ERROR) {
			*err = m.err;
			return cella_err_ret(err);
		}
		if (m.type == PROBE_MSG_DONE)
			break;
		if (m.type != PROBE_MSG_RESULT || out->n >= expected)
			return cella_err(err, 0, "probe: unexpected record %u", m.type);
		/* m.r.not_probed points at a static string of this same binary
		 * image (the prober is a fork, not an exec). */
		add_row(out, &m.r);
	}
	if (out->n != expected)
		return cella_err(err, 0, "probe: %zu capabilities reported, %zu expected", out->n,
				 expected);
	return 0;
}

static int run_probe(struct probe_ctx *c, struct cella_cap_report *out, cella_error *err)
{
	cleanup_pid pid_t child = -1;
	cleanup_close int in = -1;
	pid_t runtime = getpid();
	int fds[2], status, r;

	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "probe: pipe");
	in = fds[0];
	c->out = fds[1];
	child = fork();
	if (child < 0) {
		close(fds[1]);
		return cella_err(err, errno, "fork the probe's joiner");
	}
	if (child == 0) {
		close(in);
		joiner(c, runtime);
	}
	close(fds[1]);
	c->out = -1;
	r = read_results(in, c->n_caps, out, err);
	if (r < 0)
		return r; /* the prober dies at its next report (SIGPIPE), or with us */
	/* The joiner, then the starter and the prober: our children too. */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for the probe's joiner");
	take_pid(&child);
	for (;;) {
		pid_t w = waitpid(-1, &status, 0);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			break; /* ECHILD: all reaped */
	}
	return 0;
}

int cella_probe_caps(const char *state_root, const char *id, int cap, struct cella_cap_report *out,
		     cella_error *err)
{
	struct probe_ctx c;
	int last = caps_last_cap();
	int *caps = NULL;
	size_t n = 0;
	int r;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		c.ns_fds[t] = -1;
	c.root_fd = c.out = -1;
	if (cap > last)
		return cella_err_invalid(err,
					 "capability %s is unknown to the running kernel "
					 "(its last is %d)",
					 cella_cap_name(cap) ? cella_cap_name(cap) : "?", last);
	caps = xcalloc((size_t)last + 1, sizeof(*caps));
	if (cap >= 0)
		caps[n++] = cap;
	else
		for (int i = 0; i <= last; i++)
			caps[n++] = i;
	c.caps = caps;
	c.n_caps = n;

	r = find_container(state_root, id, &c, err);
	if (r == 0) {
		out->pid = c.init;
		r = run_probe(&c, out, err);
	}
	close_ctx(&c);
	free(caps);
	if (r < 0)
		cella_cap_report_clear(out);
	return r;
}

void cella_cap_report_clear(struct cella_cap_report *r)
{
	free(r->rows);
	r->rows = NULL;
	r->n = 0;
}
