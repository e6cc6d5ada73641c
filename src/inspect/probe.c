/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella probe caps: what each capability changes for a running container.
 *
 * Who runs where, with what:
 *   runtime  on the host; finds the container's init from its state, opens
 *            its namespaces (those that differ from its own, as exec does)
 *            and its root, reads its capability sets, ids, maps and
 *            no_new_privs from /proc/PID and its seccomp filter from the
 *            state directory, then forks the prober and reads the results
 *            from a pipe; a child subreaper, it reaps whatever the probe
 *            leaves when it is interrupted;
 *   prober   forked; forgets the runtime's environment, joins the
 *            container's cgroup, is made not dumpable, keeps only its fds,
 *            joins every namespace of the container but its pid namespace
 *            (the ones the container's user namespace owns after it, the
 *            others before) and its root, and stays in the host's pid
 *            namespace: the container cannot see or trace it, though it
 *            holds the privileges of the container's user namespace. Then
 *            kernel/capprobe_run.c: a private mount and IPC namespace, a
 *            scratch tmpfs, throwaway objects, two children per capability,
 *            each confined like the container (its pid namespace, ids,
 *            capability sets, no_new_privs, seccomp filter, not dumpable)
 *            before it exists; writes one record per capability, then a
 *            last one.
 * A container that shares the runtime's pid namespace, whose pid namespace
 * its user namespace does not own, that is paused or runs under an LSM
 * label is refused: the prober would be in its sight, could not confine its
 * children or would freeze.
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
#include "kernel/cgroup.h"
#include "kernel/lsm.h"
#include "kernel/mount.h"
#include "kernel/ns.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "kernel/seccomp.h"
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
	int pidns_fd;			 /* taken out of ns_fds: for the spawners */
	int root_fd;
	char *cgroup_path; /* the container's; NULL or "": none (rootless) */
	struct cella_seccomp_prog seccomp;
	bool no_new_privs;
	struct capprobe_target target;
	const int *caps;
	size_t n_caps;
	int out; /* the pipe's write end, in the joiner and the prober */
};

const char *cella_probe_conditions(void)
{
	return "in the container's namespaces, root and cgroup, with its init's uid, gids, "
	       "capability sets, no_new_privs and seccomp filter (calls for its seccomp agent "
	       "fail with ENOSYS)";
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
	if (c->pidns_fd >= 0)
		close(take_fd(&c->pidns_fd));
	free(c->cgroup_path);
	c->cgroup_path = NULL;
	cella_seccomp_prog_clear(&c->seccomp);
	if (c->root_fd >= 0)
		close(take_fd(&c->root_fd));
	capprobe_target_clear(&c->target);
}

static int read_no_new_privs(pid_t pid, bool *out, cella_error *err)
{
	cleanup_free char *status = NULL;
	char path[64];
	const char *p;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &status, err) < 0)
		return cella_err_context(err, "read the container's init");
	p = strstr(status, "\nNoNewPrivs:");
	if (p == NULL)
		return cella_err(err, 0, "read the container's init: no `NoNewPrivs` line");
	*out = atoi(p + strlen("\nNoNewPrivs:")) != 0;
	return 0;
}

/* What the prober cannot do while staying out of the container's sight and
 * confining what it starts: refused, naming why. */
static int check_confinable(struct probe_ctx *c, const char *id, cella_error *err)
{
	cleanup_free char *label = NULL, *own = NULL;
	char path[64];

	if (c->ns_fds[CELLA_NS_PID] < 0)
		return cella_err_invalid(err,
					 "container `%s` shares the host's pid namespace: it would "
					 "see and could trace the probe's privileged process",
					 id);
	if (c->ns_fds[CELLA_NS_USER] >= 0 && !c->after_user[CELLA_NS_PID])
		return cella_err_invalid(err,
					 "container `%s`: its pid namespace is not owned by its "
					 "user namespace; the probe cannot confine its children "
					 "there",
					 id);
	c->pidns_fd = take_fd(&c->ns_fds[CELLA_NS_PID]);
	/* A label is taken at execve; the probe children do not exec. */
	snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)c->init);
	if ((lsm_apparmor_enabled() || lsm_selinux_enabled()) &&
	    read_file_at(AT_FDCWD, path, &label, NULL) >= 0 &&
	    read_file_at(AT_FDCWD, "/proc/self/attr/current", &own, NULL) >= 0 &&
	    strcmp(label, own) != 0)
		return cella_err_invalid(err,
					 "container `%s` runs under an LSM label the probe cannot "
					 "give its children: %s",
					 id, label);
	return 0;
}

/* Lock the state, check the container runs, open what the prober needs. */
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
	/* Paused: the prober, in its cgroup, would be frozen too. */
	if (st.status != CELLA_STATUS_RUNNING && st.status != CELLA_STATUS_CREATED)
		r = cella_err_invalid(err, "container `%s` is %s: probe needs a running container",
				      id, cella_status_name(st.status));
	c->init = st.pid;
	if (st.cgroup_path != NULL)
		c->cgroup_path = xstrdup(st.cgroup_path);
	if (r == 0)
		r = cella_seccomp_prog_read(dirfd, SECCOMP_PROG_FILE, &c->seccomp, err);
	if (r == 0)
		r = open_namespaces(c, err);
	if (r == 0)
		r = check_confinable(c, id, err);
	if (r == 0)
		r = open_root(c, err);
	/* Its sets, ids and maps, read here on the host: what joins the
	 * container holds no handle on the host's /proc. */
	if (r == 0)
		r = capprobe_read_target(c->init, &c->target, err);
	if (r == 0)
		r = read_no_new_privs(c->init, &c->no_new_privs, err);
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

static int join_all(struct probe_ctx *c, cella_error *err)
{
	if (ns_join_all(c->ns_fds, c->after_user, err) < 0)
		return cella_err_ret(err);
	if (mount_enter_root(c->root_fd, err) < 0)
		return cella_err_ret(err);
	close(take_fd(&c->root_fd));
	return 0;
}

/* Into the container's cgroup (every hierarchy), from the host's mount
 * namespace still: what the prober starts is born there. */
static int join_cgroup(const char *path, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;

	if (path == NULL || path[0] == '\0')
		return 0; /* rootless: the container has no cgroup */
	if (cella_cgroup_open(path, &cg, err) < 0 || cella_cgroup_enter(cg, getpid(), err) < 0)
		return cella_err_context(err, "probe: join the container's cgroup");
	return 0;
}

/* Before entering the container, keep only what the prober uses: stdio on
 * the host's /dev/null, the namespace fds, the root fd and the pipe, moved
 * down to 3, 4...; every other fd the runtime had (a --log file) is
 * closed. */
static int keep_only_own_fds(struct probe_ctx *c, cella_error *err)
{
	int *fds[CELLA_NS_COUNT + 3];
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
	fds[n++] = &c->pidns_fd;
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

_Noreturn static void prober(struct probe_ctx *c, pid_t runtime)
{
	struct capprobe_confine conf = {
	    .pidns_fd = -1,
	    .seccomp = &c->seccomp,
	    .no_new_privs = c->no_new_privs,
	};
	cella_error err;

	cella_err_clear(&err);
	/* Nothing is printed from here: errors travel in the pipe. */
	cella_log_set_handler(NULL, NULL);
	/* Nothing of whoever ran us goes near the container. */
	process_scrub_environ();
	/* Not dumpable before entering the container: its processes cannot
	 * ptrace us or open our /proc/PID/{exe,fd,mem}. Our parent is the
	 * runtime: its death kills us. */
	if (process_set_dumpable(0, &err) < 0 || join_cgroup(c->cgroup_path, &err) < 0 ||
	    keep_only_own_fds(c, &err) < 0 || join_all(c, &err) < 0 ||
	    process_set_parent_death_signal(SIGKILL, &err) < 0) {
		send_end(c, &err);
		_exit(1);
	}
	if (getppid() != runtime)
		_exit(1);
	conf.pidns_fd = c->pidns_fd;
	if (capprobe_run(&c->target, &conf, c->caps, c->n_caps, send_result, c, &err) < 0) {
		send_end(c, &err);
		_exit(1);
	}
	send_end(c, NULL);
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

	/* Whatever an interrupted probe leaves comes to us, to be reaped. */
	if (process_set_child_subreaper(err) < 0)
		return cella_err_ret(err);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "probe: pipe");
	in = fds[0];
	c->out = fds[1];
	child = fork();
	if (child < 0) {
		close(fds[1]);
		return cella_err(err, errno, "fork the prober");
	}
	if (child == 0) {
		close(in);
		prober(c, runtime);
	}
	close(fds[1]);
	c->out = -1;
	r = read_results(in, c->n_caps, out, err);
	if (r < 0)
		return r; /* the prober dies at its next report (SIGPIPE), or with us */
	/* The prober, and anything it left (ours, as a subreaper). */
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for the prober");
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
	c.root_fd = c.out = c.pidns_fd = -1;
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
