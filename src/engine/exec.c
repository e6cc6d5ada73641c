/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella exec: a new process in an existing container.
 *
 * Who runs where, with what:
 *   runtime  on the host; opens the init's namespaces (under /proc/PID/ns, only
 *            those that differ from its own) and its root, forks the joiner,
 *            then waits for the exec outcome as a child subreaper;
 *   joiner   forked; joins the namespaces (the ones owned by the container's
 *            user namespace after that user namespace, the others before),
 *            enters the container's root, forks the process (so that it is
 *            born in the container's pid namespace, a child of its init's
 *            namespace) and exits (#3 carries the process's pid);
 *   process  waits for #4 (put in the init's cgroup), opens its pty (#5),
 *            sets rlimits, scheduler, I/O priority and the container's
 *            personality, drops to the user's ids and capability sets,
 *            no_new_privs, loads the container's seccomp filter (its
 *            listener, if any, to the runtime: #5a, which sends it to the
 *            container's agent), and execs. execve closes the sync socket: EOF is
 *            success, SYNC_ERROR a failure (127/126 when the executable is
 *            missing or not executable).
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
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/seccomp_agent.h"
#include "engine/state.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/console.h"
#include "kernel/cred.h"
#include "kernel/lsm.h"
#include "kernel/mempolicy.h"
#include "kernel/ns.h"
#include "kernel/personality.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "kernel/rlimit.h"
#include "kernel/sched.h"
#include "kernel/seccomp.h"
#include "kernel/sync.h"
#include "kernel/terminal.h"
#include "util/cleanup.h"
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
	sigset_t saved_mask;
	struct cella_seccomp_prog seccomp; /* the container's filter; len 0: none */
	/* linux.personality, and the seccomp agent of a filter with a
	 * listener, as create kept them. */
	struct engine_exec_linux linux_;
	const struct cella_state *st; /* the container's, for the agent */
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

	c->setgroups_allowed = true;
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

/* The container's filter. When it has a listener (SCMP_ACT_NOTIFY), hand it
 * to the runtime (#5a) for the container's seccomp agent, as the init did,
 * and close our copy. */
static int load_seccomp(struct exec_ctx *c, cella_error *err)
{
	cleanup_close int listener = -1;

	if (cella_seccomp_load_listener(&c->seccomp, &listener, err) < 0)
		return cella_err_ret(err);
	/* #5a: the listener. */
	if (listener >= 0 && sync_send_fd(c->sync_fd, SYNC_SECCOMP_LISTENER, listener, err) < 0)
		return cella_err_ret(err);
	return 0;
}

_Noreturn static void exec_process(struct exec_ctx *c)
{
	const struct cella_process *p = c->p;
	cleanup_free char *exe = NULL;
	cella_error e;
	cella_error *err = &e;
	int master = -1, slave = -1;

	cella_err_clear(err);
	/* process.execCPUAffinity: the initial CPUs while we are still in
	 * the runtime's cgroup... */
	if (p->exec_cpus_initial != NULL &&
	    sched_apply_affinity(p->exec_cpus_initial, "process.execCPUAffinity.initial", err) < 0)
		fail(c, err);
	/* #4: the runtime has put us in the init's cgroup. */
	if (sync_wait(c->sync_fd, SYNC_CGROUP_READY, NULL, NULL, err) < 0)
		_exit(1);
	/* ... and the final ones once in the container's (a move into a
	 * cpuset resets the affinity to the cpuset's CPUs). */
	if (p->exec_cpus_final != NULL &&
	    sched_apply_affinity(p->exec_cpus_final, "process.execCPUAffinity.final", err) < 0)
		fail(c, err);
	if (p->terminal) {
		/* The container's own /dev/pts: we are in its mount namespace. */
		if (terminal_open_pty(&master, &slave, err) < 0)
			fail(c, err);
		if (p->has_console_size &&
		    terminal_set_size(master, p->console_height, p->console_width, err) < 0)
			fail(c, err);
		/* #5: hand the pty master to the runtime. */
		if (sync_send_fd(c->sync_fd, SYNC_PTY_MASTER, master, err) < 0)
			fail(c, err);
		close(master);
	}
	if (rlimits_apply(p->rlimits, p->n_rlimits, err) < 0)
		fail(c, err);
	if (p->has_oom_score_adj && process_set_oom_score_adj(p->oom_score_adj, err) < 0)
		fail(c, err);
	/* While privileged, as the init did. */
	if (p->has_scheduler && sched_apply_scheduler(&p->scheduler, err) < 0)
		fail(c, err);
	if (p->has_io_priority && sched_apply_io_priority(&p->io_priority, err) < 0)
		fail(c, err);
	if (c->linux_.has_personality && personality_apply(&c->linux_.personality, err) < 0)
		fail(c, err);
	if (c->linux_.has_memory_policy && mempolicy_apply(&c->linux_.memory_policy, err) < 0)
		fail(c, err);
	if (slave >= 0 && terminal_become_controlling(slave, err) < 0)
		fail(c, err);
	if (slave > STDERR_FILENO)
		close(slave);

	/* The profile and label its execve takes, as the init did. */
	if (lsm_apply_exec(&(struct cella_lsm_conf){.apparmor_profile = p->apparmor_profile,
						    .selinux_label = p->selinux_label},
			   err) < 0)
		fail(c, err);
	/* The container's filter, in the same order as the init (seccomp.h):
	 * before giving up privileges only when it could not be loaded after. */
	if (cella_seccomp_load_early(p->no_new_privileges, p->caps.effective) &&
	    load_seccomp(c, err) < 0)
		fail(c, err);
	/* Give up privileges, as the init did: keep capabilities across the
	 * uid switch, then set exactly the five sets asked for. The cwd and
	 * the executable are checked as the user. */
	if (caps_keep_on_setuid(1, err) < 0)
		fail(c, err);
	if (cred_apply_user(&p->user, c->setgroups_allowed, err) < 0)
		fail(c, err);
	if (process_chdir(p->cwd, err) < 0)
		fail(c, err);
	if (process_find_executable(p->args[0], p->env, &exe, err) < 0)
		fail(c, err);
	if (caps_apply(&p->caps, err) < 0)
		fail(c, err);
	if (p->no_new_privileges && process_set_no_new_privs(err) < 0)
		fail(c, err);
	if (process_cloexec_from(3 + c->opts->preserve_fds, err) < 0)
		fail(c, err);

	sigprocmask(SIG_SETMASK, &c->saved_mask, NULL);
	if (!cella_seccomp_load_early(p->no_new_privileges, p->caps.effective) &&
	    load_seccomp(c, err) < 0)
		fail(c, err);
	process_exec(exe, p->args, p->env, err);
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

_Noreturn static void exec_joiner(struct exec_ctx *c)
{
	cella_error e;
	cella_error *err = &e;
	pid_t pid;

	cella_err_clear(err);
	close(c->state_fd);
	cella_log_set_handler(sync_log_forwarder, &c->sync_fd);
	/* Not dumpable before entering the container, until the process's
	 * execve resets it: the container's processes cannot ptrace it or
	 * open its /proc/PID/{exe,fd,mem} (CVE-2016-9962, CVE-2019-5736). */
	if (process_set_dumpable(0, err) < 0)
		fail(c, err);
	if (join_all(c, err) < 0)
		fail(c, err);
	pid = fork();
	if (pid < 0) {
		cella_err(err, errno, "fork the exec process");
		fail(c, err);
	}
	if (pid == 0)
		exec_process(c);
	/* #3: the process's pid (in the runtime's pid namespace), then leave:
	 * the runtime, a child subreaper, adopts it. */
	if (sync_send(c->sync_fd, SYNC_INIT_PID, pid, err) < 0)
		_exit(1);
	_exit(0);
}

/* ---- the runtime, after the fork ---- */

/* Put pid in the container's cgroup, every hierarchy (before it runs
 * anything of its own: it waits for #4). */
static int join_container_cgroup(const char *cgroup_path, pid_t pid, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;

	if (cgroup_path == NULL || cgroup_path[0] == '\0')
		return 0; /* rootless: the container has no cgroup */
	if (cella_cgroup_open(cgroup_path, &cg, err) < 0 || cella_cgroup_enter(cg, pid, err) < 0)
		return cella_err_context(err, "exec: join the container's cgroup");
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
	if (p->terminal && o->detach && o->console_socket == NULL)
		return cella_err_invalid(err, "exec: a terminal with --detach needs a "
					      "--console-socket to receive it");
	if (!p->terminal && o->console_socket != NULL)
		return cella_err_invalid(err, "exec: --console-socket without a terminal "
					      "(--tty, or process.terminal)");
	return 0;
}

/* #5a: the process has loaded the container's filter, which has a listener:
 * it goes to the container's seccomp agent, with the process's pid and the
 * container's state; we keep no copy. */
static int send_listener(struct exec_ctx *c, pid_t pid, int sync_fd, cella_error *err)
{
	cleanup_close int listener = -1;
	cleanup_free char *state = NULL;

	if (sync_wait(sync_fd, SYNC_SECCOMP_LISTENER, NULL, &listener, err) < 0)
		return cella_err_ret(err);
	if (listener < 0)
		return cella_err(err, EPROTO, "sync: the seccomp listener did not come with #5a");
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
	int32_t v = -1;
	int status;

	/* #3: the process exists. */
	if (sync_wait(sync_fd, SYNC_INIT_PID, &v, NULL, err) < 0)
		return cella_err_ret(err);
	*pid = v;
	while (waitpid(*joiner, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for the exec setup process");
	*joiner = -1;
	if (join_container_cgroup(c->cgroup_path, *pid, err) < 0)
		return cella_err_ret(err);
	/* #4: let it go on. */
	if (sync_send(sync_fd, SYNC_CGROUP_READY, 0, err) < 0)
		return cella_err_ret(err);
	if (c->p->terminal) {
		/* #5: the pty master. */
		if (sync_wait(sync_fd, SYNC_PTY_MASTER, NULL, &pty, err) < 0)
			return cella_err_ret(err);
		if (o->console_socket != NULL &&
		    terminal_send_to_socket(o->console_socket, pty, err) < 0)
			return cella_err_ret(err);
	}
	if (cella_seccomp_prog_has_listener(&c->seccomp) &&
	    send_listener(c, *pid, sync_fd, err) < 0)
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

static int start_process(struct exec_ctx *c, pid_t *out_pid, int *out_master, cella_error *err)
{
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
	joiner = fork();
	if (joiner < 0) {
		close(sv[1]);
		return cella_err(err, errno, "fork the exec setup process");
	}
	if (joiner == 0) {
		close(parent_end);
		exec_joiner(c);
	}
	close(sv[1]);
	c->sync_fd = -1;
	/* On failure cleanup_pid kills and reaps the joiner and the process. */
	if (parent_side(c, parent_end, &joiner, &pid, out_master, err) < 0)
		return cella_err_ret(err);
	*out_pid = take_pid(&pid);
	return 0;
}

int cella_exec(const struct cella_exec_opts *o, int *exit_status, cella_error *err)
{
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
	r = check_opts(o, err);
	if (r < 0)
		return r;

	/* The state stays locked until the process has exec'd. */
	dirfd = state_dir_open(o->state_root, o->id, err);
	if (dirfd < 0)
		return dirfd;
	if (state_load(dirfd, o->id, &st, err) < 0)
		return cella_err_ret(err);
	if (st.status != CELLA_STATUS_RUNNING && st.status != CELLA_STATUS_CREATED) {
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
	c.st = &st;
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
	if (r < 0 || o->detach) {
		if (r == 0)
			take_pid(&pid); /* left running */
		goto out_mask;
	}

	r = foreground_run(pid, &all, master, exit_status, err);
	if (r == 0)
		take_pid(&pid); /* reaped */
out_mask:
	sigprocmask(SIG_SETMASK, &c.saved_mask, NULL);
out:
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
	struct cella_state st;
	int r;

	if (cella_state_read(state_root, id, &st, err) < 0)
		return cella_err_ret(err);
	config = xasprintf("%s/config.json", st.bundle);
	cella_state_clear(&st);
	r = cella_spec_load(config, &spec, err);
	if (r < 0)
		return cella_err_context(err, "container `%s`", id);
	if (spec->process == NULL)
		return cella_err_invalid(err, "container `%s`: %s has no process to start from", id,
					 config);
	*out = take_ptr(&spec->process);
	return 0;
}
