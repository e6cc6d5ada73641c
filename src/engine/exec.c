/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella exec: a new process in an existing container.
 *
 * Who runs where, with what:
 *   runtime  on the host; opens the init's namespaces (under /proc/PID/ns, only
 *            those that differ from its own) and its root, forks the joiner,
 *            then waits for the exec outcome as a child subreaper;
 *   joiner   forked; forgets the runtime's environment, not dumpable; joins
 *            the container's cgroup (from the host's mount namespace), the
 *            namespaces (the ones owned by the container's user namespace
 *            after that user namespace, the others before) and its root;
 *            (the LSM label for execve before, through the host's /proc),
 *            opens the pty (#5), sets rlimits, I/O priority, the
 *            container's personality, drops to the
 *            process-setup pipeline (engine/proc_setup.c: cwd, HOME, the
 *            executable, close-on-exec, ids, capability sets, no_new_privs),
 *            the pty slave on its stdio so that only it goes to the user; loads
 *            the container's seccomp filter (its listener, if any, to the
 *            runtime: #5a, which sends it to the container's agent with the
 *            process's pid); only then forks the process, born in the
 *            container's pid namespace holding no more than the container
 *            (docs/design.md), and exits (#3 carries its pid); it stays in
 *            the host's pid namespace, out of the container's sight;
 *   runtime  reaps the joiner, sets process.scheduler on the process (a
 *            fork would not pass a SCHED_DEADLINE or reset-on-fork one on)
 *            and sends #4;
 *   process  waits for #4 (the joiner's pid no longer counts in pids.max
 *            when the user's command starts), sets its controlling
 *            terminal and execs. execve closes the sync
 *            socket: EOF is success, SYNC_ERROR a failure (127/126 when the
 *            executable is missing or not executable).
 * The numbers are the sync points of kernel/sync.h, as in container.c and
 * init.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/notify.h"
#include "engine/seccomp_agent.h"
#include "engine/state.h"
#include "kernel/requirements.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/console.h"
#include "kernel/cred.h"
#include "kernel/lsm.h"
#include "kernel/mempolicy.h"
#include "kernel/ns.h"
#include "kernel/userns.h"
#include "kernel/personality.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "kernel/rlimit.h"
#include "kernel/sched.h"
#include "kernel/seccomp.h"
#include "kernel/sync.h"
#include "kernel/terminal.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/util.h"

struct exec_ctx {
	const struct cella_exec_opts *opts;
	const struct cella_process *p;
	pid_t init;
	const char *cgroup_path;	 /* from the state; "" when none */
	int ns_fds[CELLA_NS_COUNT];	 /* -1: shared with the runtime */
	bool after_user[CELLA_NS_COUNT]; /* owned by the container's user ns */
	int root_fd;			 /* the init's root directory */
	bool setgroups_allowed;
	int sync_fd; /* the child's end */
	int state_fd;
	/* --ignore-paused on a paused container: the process freezes once in
	 * its cgroup, so the state lock goes then, or `resume` could never
	 * take it. */
	bool unlock_in_cgroup;
	bool cgroup_placed; /* the joiner was born in the unified cgroup */
	sigset_t saved_mask;
	struct cella_seccomp_prog seccomp; /* the container's filter; len 0: none */
	/* linux.personality, and the seccomp agent of a filter with a
	 * listener, as create kept them. */
	struct engine_exec_linux linux_;
	const struct cella_state *st;	  /* the container's, for the agent */
	const struct cella_rlimit *nproc; /* RLIMIT_NPROC asked for, or NULL */
};

_Noreturn static void fail(struct exec_ctx *c, cella_error *err)
{
	int code = err->exit_code ? err->exit_code : 1;

	sync_send_error(c->sync_fd, err);
	_exit(code);
}

/* ---- the runtime's side, before the fork ---- */

/* Open every namespace of the init that is not the runtime's own, and note
 * which of them the container's user namespace owns. */
static int open_namespaces(struct exec_ctx *c, cella_error *err)
{
	return ns_open_process(c->init, c->ns_fds, c->after_user, err);
}

static int read_setgroups(struct exec_ctx *c, cella_error *err)
{
	cleanup_free char *text = NULL;
	char path[64];

	/* The runtime's own user namespace may deny it (rootless podman's). */
	c->setgroups_allowed = !userns_setgroups_denied();
	if (c->ns_fds[CELLA_NS_USER] < 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)c->init);
	if (read_file_at(AT_FDCWD, path, &text, err) < 0)
		return cella_err_ret(err);
	c->setgroups_allowed = !str_has_prefix(text, "deny");
	return 0;
}

static int open_root(struct exec_ctx *c, cella_error *err)
{
	c->root_fd = mount_open_process_root(c->init, err);
	return c->root_fd < 0 ? cella_err_ret(err) : 0;
}

/* ---- the process (in the container's namespaces) ---- */

/* process.rlimits, while privileged (raising a hard limit may need it). The
 * joiner forks the process after it took the user's ids, and a fork checks
 * RLIMIT_NPROC against the user's processes: its soft limit is the hard one
 * until the process lowers it to the one asked for (lowering needs nothing). */
static int apply_rlimits(struct exec_ctx *c, cella_error *err)
{
	const struct cella_process *p = c->p;
	struct cella_rlimit *rl = xcalloc(p->n_rlimits + 1, sizeof(*rl));
	int r;

	for (size_t i = 0; i < p->n_rlimits; i++) {
		rl[i] = p->rlimits[i];
		if (rl[i].resource == RLIMIT_NPROC) {
			c->nproc = &p->rlimits[i];
			rl[i].soft = rl[i].hard;
		}
	}
	r = rlimits_apply(rl, p->n_rlimits, err);
	free(rl);
	return r;
}

/* The container's restrictions, taken by the joiner before it forks the
 * process (so that the process, born in the container's pid namespace, never
 * holds more than the container: docs/design.md): the pty, rlimits, I/O
 * priority, personality, then the process-setup pipeline the init goes
 * through (engine/proc_setup.c: cwd, HOME, the executable, close-on-exec,
 * ids, capability sets, no_new_privs) and the seccomp filter. *slave is the
 * pty slave, -1 without a terminal; ep what the process execs. */
static int confine(struct exec_ctx *c, int *slave, struct engine_proc *ep, cella_error *err)
{
	const struct cella_process *p = c->p;
	int master = -1;

	if (p->terminal) {
		/* The container's own /dev/pts: we are in its mount namespace. */
		if (terminal_open_pty(&master, slave, err) < 0)
			return cella_err_ret(err);
		if (p->has_console_size &&
		    terminal_set_size(master, p->console_height, p->console_width, err) < 0) {
			close(master);
			return cella_err_ret(err);
		}
		/* #5: hand the pty master to the runtime. */
		if (sync_send_fd(c->sync_fd, SYNC_PTY_MASTER, master, err) < 0) {
			close(master);
			return cella_err_ret(err);
		}
		close(master);
	}
	if (apply_rlimits(c, err) < 0)
		return cella_err_ret(err);
	if (p->has_oom_score_adj && process_set_oom_score_adj(p->oom_score_adj, err) < 0)
		return cella_err_ret(err);
	/* While privileged, as the init did (the scheduler is the runtime's
	 * to set, on the process: #4). */
	if (p->has_io_priority && sched_apply_io_priority(&p->io_priority, err) < 0)
		return cella_err_ret(err);
	if (c->linux_.has_personality && personality_apply(&c->linux_.personality, err) < 0)
		return cella_err_ret(err);
	/* linux.memoryPolicy: the fork passes it on to the process. */
	if (c->linux_.has_memory_policy && mempolicy_apply(&c->linux_.memory_policy, err) < 0)
		return cella_err_ret(err);
	/* The pty slave on our stdio: the pipeline gives the terminal on
	 * stdio, and only it, to the process's user (the process makes it its
	 * controlling terminal after the fork). */
	for (int fd = STDIN_FILENO; *slave >= 0 && fd <= STDERR_FILENO; fd++)
		if (dup2(*slave, fd) < 0)
			return cella_err(err, errno, "exec: the pty on fd %d", fd);
	/* The process-setup pipeline the init goes through (early seccomp
	 * where the init loads it early, as seccomp.h says). */
	engine_proc_init(ep, p, &c->seccomp, c->sync_fd);
	ep->setgroups_allowed = c->setgroups_allowed;
	ep->preserve_fds = c->opts->preserve_fds;
	if (engine_proc_drop(ep, err) < 0)
		return cella_err_ret(err);
	/* The uid change reset it to fs.suid_dumpable: not dumpable until the
	 * execve, whatever that says. */
	if (process_set_dumpable(0, err) < 0)
		return cella_err_ret(err);
	/* The filter now, not at the execve: the process is born with it (its
	 * listener, if any, to the runtime: #5a). */
	if (engine_proc_load_seccomp(ep, err) < 0)
		return cella_err_ret(err);
	return 0;
}

/* The process: born confined, in the container's pid namespace. */
_Noreturn static void exec_process(struct exec_ctx *c, int slave, struct engine_proc *ep)
{
	cella_error e;
	cella_error *err = &e;

	cella_err_clear(err);
	/* #4: the runtime has reaped the joiner, whose pid no longer counts
	 * in the container's pids.max (as runc, the exec'd process is the
	 * only one of ours there when the user's command runs), and set our
	 * scheduler (a fork would not pass on a SCHED_DEADLINE or
	 * reset-on-fork one, and we no longer have the privilege a real-time
	 * one needs). A plain read: the filter may refuse poll and recvmsg. */
	if (sync_wait_plain(c->sync_fd, SYNC_CGROUP_READY, err) < 0)
		_exit(1);
	if (c->nproc != NULL && rlimits_apply(c->nproc, 1, err) < 0)
		fail(c, err);
	if (slave >= 0 && terminal_become_controlling(slave, err) < 0)
		fail(c, err);
	if (slave > STDERR_FILENO)
		close(slave);
	engine_proc_exec(ep, &c->saved_mask, err);
	fail(c, err);
}

/* ---- the joiner ---- */

static int join_all(struct exec_ctx *c, cella_error *err)
{
	if (ns_join_all(c->ns_fds, c->after_user, err) < 0)
		return cella_err_ret(err);
	/* Joining the mount namespace put us at its root; the init's root is
	 * the same one after pivot_root, not after --no-pivot's chroot. */
	if (mount_enter_root(c->root_fd, err) < 0)
		return cella_err_ret(err);
	close(c->root_fd);
	c->root_fd = -1;
	return 0;
}

/* Into the container's cgroup (or --cgroup's sub-cgroup of it), every
 * hierarchy, from the host's mount namespace still: the process is born
 * there. The v1 hierarchies through their `tasks` files, which spares the
 * kernel's global lock (kernel/cgroup.h); the unified one unless the joiner
 * was born in it (placed). */
static int join_container_cgroup(const char *cgroup_path, const char *sub, bool placed,
				 cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_free char *path = NULL;
	struct cella_cgroup_self_entry e = {0};

	if (cgroup_path == NULL || cgroup_path[0] == '\0') {
		if (sub != NULL)
			return cella_err_invalid(
			    err, "exec --cgroup `%s`: the container has no cgroup", sub);
		return 0; /* rootless: the container has no cgroup */
	}
	path = sub != NULL ? xasprintf("%s/%s", cgroup_path, sub) : xstrdup(cgroup_path);
	if (cella_cgroup_open(path, &cg, err) < 0 ||
	    cella_cgroup_self_entry_open(cg, &e, err) < 0 ||
	    cella_cgroup_self_entry_join(&e, err) < 0 ||
	    cella_cgroup_enter_except(
		cg, getpid(), CELLA_CGROUP_SKIP_V1 | (placed ? CELLA_CGROUP_SKIP_UNIFIED : 0),
		err) < 0) {
		if (sub != NULL)
			return cella_err_context(err, "exec --cgroup `%s`: join the sub-cgroup",
						 sub);
		return cella_err_context(err, "exec: join the container's cgroup");
	}
	return 0;
}

_Noreturn static void exec_joiner(struct exec_ctx *c)
{
	const struct cella_process *p = c->p;
	struct engine_proc proc;
	cella_error e;
	cella_error *err = &e;
	int slave = -1;
	pid_t pid;

	cella_err_clear(err);
	close(c->state_fd);
	cella_log_set_handler(sync_log_forwarder, &c->sync_fd);
	/* Nothing of whoever ran us goes near the container (the process
	 * gets process.env). */
	process_scrub_environ();
	/* Not dumpable before entering the container, until the process's
	 * execve resets it: the container's processes cannot ptrace it or
	 * open its /proc/PID/{exe,fd,mem} (CVE-2016-9962, CVE-2019-5736). */
	if (process_set_dumpable(0, err) < 0)
		fail(c, err);
	/* process.execCPUAffinity: the initial CPUs while we are still in
	 * the runtime's cgroup, the final ones once in the container's (a
	 * move into a cpuset resets the affinity to the cpuset's CPUs). */
	if (p->exec_cpus_initial != NULL &&
	    sched_apply_affinity(p->exec_cpus_initial, "process.execCPUAffinity.initial", err) < 0)
		fail(c, err);
	if (join_container_cgroup(c->cgroup_path, c->opts->cgroup_sub, c->cgroup_placed, err) < 0)
		fail(c, err);
	if (p->exec_cpus_final != NULL &&
	    sched_apply_affinity(p->exec_cpus_final, "process.execCPUAffinity.final", err) < 0)
		fail(c, err);
	/* The profile and label the process's execve takes, as the init did.
	 * Written here, through the host's /proc: the container's shows no
	 * thread of ours (we stay in the host's pid namespace). They are kept
	 * across setns, the uid switch and the fork. */
	if (lsm_apply_exec(&(struct cella_lsm_conf){.apparmor_profile = p->apparmor_profile,
						    .selinux_label = p->selinux_label},
			   err) < 0)
		fail(c, err);
	/* We stay in the host's pid namespace, out of the container's sight,
	 * while we hold more than the container. */
	if (join_all(c, err) < 0 || confine(c, &slave, &proc, err) < 0)
		fail(c, err);
	pid = fork();
	if (pid < 0) {
		/* The container's filter is loaded already (the process is
		 * born with it): a profile that refuses clone refuses exec. */
		cella_err(err, errno,
			  "fork the exec process under the container's seccomp filter "
			  "(linux.seccomp must allow clone for exec)");
		fail(c, err);
	}
	if (pid == 0)
		exec_process(c, slave, &proc);
	if (fault_point("exec:forked", err) < 0)
		fail(c, err);
	/* #3: the process's pid (in the runtime's pid namespace), then leave:
	 * the runtime, a child subreaper, adopts it. */
	if (sync_send(c->sync_fd, SYNC_INIT_PID, pid, err) < 0)
		_exit(1);
	_exit(0);
}

/* ---- the runtime, after the fork ---- */

/* --cgroup SUBPATH: a relative path below the container's cgroup, without
 * "..". runc's controller:path form (v1 only) is refused by name. */
static int check_cgroup_sub(const char *sub, cella_error *err)
{
	const char *p = sub;

	if (sub == NULL)
		return 0;
	if (strchr(sub, ':') != NULL)
		return cella_err_invalid(err,
					 "exec --cgroup `%s`: the controller:path form is not "
					 "supported; give a sub-cgroup that exists in every "
					 "hierarchy",
					 sub);
	if (sub[0] == '\0' || sub[0] == '/')
		return cella_err_invalid(
		    err,
		    "exec --cgroup `%s`: not a path relative to the container's "
		    "cgroup",
		    sub);
	while (*p != '\0') {
		size_t len = strcspn(p, "/");

		if ((len == 2 && strncmp(p, "..", 2) == 0) || (len == 1 && p[0] == '.'))
			return cella_err_invalid(
			    err, "exec --cgroup `%s`: `.` and `..` are not allowed", sub);
		p += len;
		while (*p == '/')
			p++;
	}
	return 0;
}

static int check_opts(const struct cella_exec_opts *o, cella_error *err)
{
	const struct cella_process *p = o->process;

	if (p == NULL || p->args == NULL || p->args[0] == NULL)
		return cella_err_invalid(err, "exec: no command to run (process.args is empty)");
	if (p->cwd == NULL || p->cwd[0] != '/')
		return cella_err_invalid(err, "exec: process.cwd must be an absolute path");
	/* A profile or label the host has no LSM for: refused, as create does. */
	if (lsm_check(&(struct cella_lsm_conf){.apparmor_profile = p->apparmor_profile,
					       .selinux_label = p->selinux_label},
		      err) < 0)
		return cella_err_ret(err);
	if (check_cgroup_sub(o->cgroup_sub, err) < 0)
		return cella_err_ret(err);
	if (p->terminal && o->detach && o->console_socket == NULL)
		return cella_err_invalid(err, "exec: a terminal with --detach needs a "
					      "--console-socket to receive it");
	if (!p->terminal && o->console_socket != NULL)
		return cella_err_invalid(err, "exec: --console-socket without a terminal "
					      "(--tty, or process.terminal)");
	return 0;
}

/* #5a: the joiner has loaded the container's filter, which has a listener:
 * it goes to the container's seccomp agent, with the process's pid and the
 * container's state; we keep no copy. */
static int send_listener(struct exec_ctx *c, pid_t pid, int listener, cella_error *err)
{
	cleanup_free char *state = NULL;

	state = cella_state_to_json(c->st);
	return engine_seccomp_agent_send(c->linux_.listener_path, c->linux_.listener_metadata, pid,
					 state, listener, err);
}

/* Everything after the fork, on the runtime's side. On success *pid is the
 * process (exec'd) and *master its pty when the runtime proxies it. */
static int parent_side(struct exec_ctx *c, int sync_fd, pid_t *joiner, pid_t *pid, int *master,
		       cella_error *err)
{
	const struct cella_exec_opts *o = c->opts;
	cleanup_close int pty = -1;
	cleanup_close int listener = -1;
	int32_t v = -1;
	int status;
	/* The joiner's child holds the socket too: its death alone would not
	 * show as EOF. */
	cleanup_close int pidfd = process_pidfd_open(*joiner);
	struct sync_watch w = {
	    .pidfd = pidfd, .who = "the exec setup process", .timeout_ms = sync_timeout_ms()};

	/* --ignore-paused: the joiner freezes once in the container's frozen
	 * cgroup, and goes on (and the process with it) at resume, which
	 * takes the state lock: let it go now. */
	if (c->unlock_in_cgroup && flock(c->state_fd, LOCK_UN) < 0)
		return cella_err(err, errno, "unlock the state of `%s`", o->id);
	/* What the joiner sends comes first, then the process exists: act on
	 * nothing before its pid is known, so that a failure here kills it
	 * (cleanup_pid) instead of leaving it behind. */
	if (c->p->terminal) {
		/* #5: the pty master. */
		if (sync_wait_watch(sync_fd, SYNC_PTY_MASTER, &w, NULL, &pty, err) < 0)
			return cella_err_ret(err);
	}
	/* #5a: the listener, kept until the process's pid is known. */
	if (cella_seccomp_prog_has_listener(&c->seccomp)) {
		if (sync_wait_watch(sync_fd, SYNC_SECCOMP_LISTENER, &w, NULL, &listener, err) < 0)
			return cella_err_ret(err);
		if (listener < 0)
			return cella_err(err, EPROTO,
					 "sync: the seccomp listener did not come with #5a");
	}
	/* #3: the process exists, born in the container's cgroup. */
	if (sync_wait_watch(sync_fd, SYNC_INIT_PID, &w, &v, NULL, err) < 0)
		return cella_err_ret(err);
	*pid = v;
	while (waitpid(*joiner, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for the exec setup process");
	*joiner = -1;
	if (fault_point("exec:3", err) < 0)
		return cella_err_ret(err);
	if (pty >= 0 && o->console_socket != NULL &&
	    terminal_send_to_socket(o->console_socket, pty, err) < 0)
		return cella_err_ret(err);
	if (listener >= 0 && send_listener(c, *pid, listener, err) < 0)
		return cella_err_ret(err);
	/* #4: the joiner is reaped; process.scheduler, set here on the
	 * process (privileged). The process waits for it before its execve. */
	if (c->p->has_scheduler && sched_apply_scheduler_to(*pid, &c->p->scheduler, err) < 0)
		return cella_err_ret(err);
	if (sync_send(sync_fd, SYNC_CGROUP_READY, 0, err) < 0)
		return cella_err_ret(err);
	/* EOF: execve closed the socket. */
	if (sync_wait_eof(sync_fd, err) < 0)
		return cella_err_ret(err);
	if (o->pid_file != NULL && engine_write_pid_file(o->pid_file, *pid, err) < 0)
		return cella_err_ret(err);
	if (o->console_socket == NULL)
		*master = take_fd(&pty);
	return 0;
}

/* The unified directory of the cgroup the joiner goes to, for clone3 to
 * have it born there (a write to cgroup.procs takes the kernel's global
 * lock); -1 where that would be wrong or cannot be had, and the joiner
 * moves itself. Not with execCPUAffinity.initial (applied before the move)
 * nor into a paused container (the joiner would freeze before it let go of
 * the state lock). */
static int joiner_cgroup_fd(const struct exec_ctx *c)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_free char *path = NULL;
	const char *sub = c->opts->cgroup_sub;

	if (c->cgroup_path == NULL || c->cgroup_path[0] == '\0' || c->unlock_in_cgroup ||
	    c->p->exec_cpus_initial != NULL)
		return -1;
	path = sub != NULL ? xasprintf("%s/%s", c->cgroup_path, sub) : xstrdup(c->cgroup_path);
	if (cella_cgroup_open(path, &cg, NULL) < 0)
		return -1;
	return cella_cgroup_unified_fd(cg, NULL);
}

static int start_process(struct exec_ctx *c, pid_t *out_pid, int *out_master, cella_error *err)
{
	cleanup_close int cgroup_fd = -1;
	cleanup_pid pid_t joiner = -1;
	cleanup_pid pid_t pid = -1;
	cleanup_close int parent_end = -1;
	int sv[2];

	if (sync_socketpair(sv, err) < 0)
		return cella_err_ret(err);
	parent_end = sv[0];
	c->sync_fd = sv[1];
	/* Adopt the process when the joiner exits. */
	if (process_set_child_subreaper(err) < 0) {
		close(sv[1]);
		return cella_err_ret(err);
	}
	cgroup_fd = joiner_cgroup_fd(c);
	joiner = process_fork_into_cgroup(cgroup_fd, &c->cgroup_placed, err);
	if (joiner < 0) {
		close(sv[1]);
		return cella_err_context(err, "fork the exec setup process");
	}
	if (joiner == 0) {
		close(parent_end);
		if (cgroup_fd >= 0)
			close(cgroup_fd);
		exec_joiner(c);
	}
	close(sv[1]);
	c->sync_fd = -1;
	/* On failure cleanup_pid kills and reaps the joiner and the process,
	 * and a process whose pid never came (the joiner died before #3) is
	 * orphaned to us. */
	if (parent_side(c, parent_end, &joiner, &pid, out_master, err) < 0) {
		close(take_fd(&parent_end));
		cella_cleanup_pidp(&joiner);
		joiner = -1;
		process_kill_children();
		return cella_err_ret(err);
	}
	*out_pid = take_pid(&pid);
	return 0;
}

/* NOTIFY_SOCKET: the process's own socket in the container's notify
 * directory, named in a copy of its environment (*env_out, *proc_out). */
static int exec_notify(const struct cella_exec_opts *o, int dirfd, struct engine_notify *n,
		       struct cella_process *proc_out, char ***env_out, cella_error *err)
{
	char name[64];
	size_t len = 0;

	if (engine_notify_socket() == NULL)
		return 0;
	snprintf(name, sizeof(name), "exec-%d.sock", (int)getpid());
	if (engine_notify_listen(dirfd, o->id, name, n, err) < 0)
		return cella_err_ret(err);
	*proc_out = *o->process;
	while (o->process->env != NULL && o->process->env[len] != NULL)
		len++;
	*env_out = xcalloc(len + 2, sizeof(char *));
	for (size_t i = 0, j = 0; i < len; i++)
		if (strncmp(o->process->env[i], "NOTIFY_SOCKET=", 14) != 0)
			(*env_out)[j++] = xstrdup(o->process->env[i]);
	(*env_out)[strv_len(*env_out)] =
	    xasprintf("NOTIFY_SOCKET=%s/%s", NOTIFY_CONTAINER_DIR, name);
	proc_out->env = *env_out;
	return 0;
}

int cella_exec(const struct cella_exec_opts *o, int *exit_status, cella_error *err)
{
	struct engine_notify n;
	struct cella_process notify_proc;
	cleanup_strv char **notify_env = NULL;
	struct exec_ctx c;
	cleanup_close int dirfd = -1;
	cleanup_close int master = -1;
	cleanup_pid pid_t pid = -1;
	struct cella_state st = {0};
	sigset_t all;
	int r;

	*exit_status = 0;
	memset(&c, 0, sizeof(c));
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		c.ns_fds[t] = -1;
	c.root_fd = -1;
	c.sync_fd = -1;
	c.opts = o;
	c.p = o->process;
	engine_notify_init(&n);
	r = kernel_check_requirements(err);
	if (r < 0)
		return r;
	r = check_opts(o, err);
	if (r < 0)
		return r;

	/* The state stays locked until the process has exec'd. */
	dirfd = state_dir_open(o->state_root, o->id, err);
	if (dirfd < 0)
		return dirfd;
	if (state_load(dirfd, o->id, &st, err) < 0)
		return cella_err_ret(err);
	if (st.status == CELLA_STATUS_PAUSED && !o->ignore_paused) {
		r = cella_err_invalid(err,
				      "container `%s` is paused: resume it first, or exec with "
				      "--ignore-paused",
				      o->id);
		goto out;
	}
	if (st.status != CELLA_STATUS_RUNNING && st.status != CELLA_STATUS_CREATED &&
	    st.status != CELLA_STATUS_PAUSED) {
		r = cella_err_invalid(err, "container `%s` is %s: exec needs a running container",
				      o->id, cella_status_name(st.status));
		goto out;
	}
	if ((r = cella_seccomp_prog_read(dirfd, SECCOMP_PROG_FILE, &c.seccomp, err)) < 0 ||
	    (r = engine_exec_linux_load(dirfd, &c.linux_, err)) < 0)
		goto out;
	if (cella_seccomp_prog_has_listener(&c.seccomp) && c.linux_.listener_path == NULL) {
		r = cella_err(err, EINVAL,
			      "container `%s`: its seccomp filter has a listener but no "
			      "linux.seccomp.listenerPath was kept to send it to",
			      o->id);
		goto out;
	}
	if ((r = exec_notify(o, dirfd, &n, &notify_proc, &notify_env, err)) < 0)
		goto out;
	if (notify_env != NULL)
		c.p = &notify_proc;
	c.st = &st;
	c.unlock_in_cgroup = st.status == CELLA_STATUS_PAUSED;
	c.init = st.pid;
	c.cgroup_path = st.cgroup_path;
	c.state_fd = dirfd;
	if ((r = open_namespaces(&c, err)) < 0 || (r = read_setgroups(&c, err)) < 0 ||
	    (r = open_root(&c, err)) < 0)
		goto out;
	/* The fds above name the init's namespaces only if it was still the
	 * init when they were opened. */
	if (!procfs_alive(st.pid, st.pid_start)) {
		r = cella_err_invalid(err,
				      "container `%s` is stopped: exec needs a running "
				      "container",
				      o->id);
		goto out;
	}

	/* Block every signal: they are read from a signalfd and forwarded. The
	 * process gets the mask we had (restored before its execve). */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGABRT);
	sigprocmask(SIG_BLOCK, &all, &c.saved_mask);
	r = start_process(&c, &pid, &master, err);
	ns_close_fds(c.ns_fds);
	close(c.root_fd);
	c.root_fd = -1;
	/* Let state, kill, delete go on while the process runs. */
	close(take_fd(&dirfd));
	n.pid = pid;
	if (r == 0 && procfs_start_time(pid, &n.pid_start, NULL) < 0)
		n.pid_start = 0;
	if (r < 0 || o->detach) {
		if (r == 0) {
			take_pid(&pid); /* left running */
			/* As start: back once the process is ready. */
			r = engine_notify_wait_ready(&n, err);
		}
		goto out_mask;
	}

	r = foreground_run(pid, &all, master, &n, exit_status, err);
	if (r == 0)
		take_pid(&pid); /* reaped */
out_mask:
	sigprocmask(SIG_SETMASK, &c.saved_mask, NULL);
out:
	engine_notify_close(&n);
	ns_close_fds(c.ns_fds);
	if (c.root_fd >= 0)
		close(c.root_fd);
	cella_state_clear(&st);
	cella_seccomp_prog_clear(&c.seccomp);
	engine_exec_linux_clear(&c.linux_);
	return r;
}

int cella_exec_config_process(const char *state_root, const char *id, struct cella_process **out,
			      cella_error *err)
{
	cleanup_spec struct cella_spec *spec = NULL;
	cleanup_free char *config = NULL;
	cleanup_free char *text = NULL;
	cleanup_close int dirfd = -1;
	ssize_t n;

	/* The configuration as create applied it, kept in the state
	 * directory: the bundle's may have changed since, and a quick-door
	 * container has none (as runc, which keeps its own copy). Read
	 * through the state directory's fd, from a checked root; whether the
	 * container may take an exec is cella_exec's to say, under the
	 * state's lock. */
	dirfd = state_dir_open_unlocked(state_root, id, err);
	if (dirfd < 0)
		return dirfd;
	config = xasprintf("%s/%s/%s", state_root, id, APPLIED_CONFIG_FILE);
	n = read_input_file_at(dirfd, APPLIED_CONFIG_FILE, config, CELLA_SPEC_MAX_BYTES, &text,
			       err);
	if (n < 0 || cella_spec_parse(text, (size_t)n, config, &spec, err) < 0)
		return cella_err_context(err, "container `%s`", id);
	if (spec->process == NULL)
		return cella_err_invalid(err, "container `%s`: %s has no process to start from", id,
					 config);
	*out = take_ptr(&spec->process);
	return 0;
}
