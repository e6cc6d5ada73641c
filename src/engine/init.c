/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container side of creation: the setup child (stage 1) and the
 * container's init (stage 2). Numbers #N are the sync points of
 * kernel/sync.h; engine/container.c carries the same numbers on the parent's
 * side.
 *
 * Who runs where, with what:
 *   stage 1: forked by the runtime, root (or the rootless caller) on the
 *            host, when namespaces are joined by path or time offsets set
 *            (engine/container.c, direct_init); joins namespaces by path,
 *            creates the user namespace (then it is root in there, with a
 *            full capability set over what that namespace owns), creates
 *            the others, forks stage 2, exits.
 *   stage 2: PID 1 of the new pid namespace, still fully privileged in the
 *            container's user namespace; builds the rootfs, sets up the
 *            process, then gives up privileges (uid switch, capability sets,
 *            no_new_privs) and waits for `start` before execve. Without
 *            stage 1 the runtime clones it into its namespaces (with a new
 *            user namespace, into that, the pid and the time namespaces:
 *            init_direct waits for its maps, #2, makes the others, #3).
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/internal.h"
#include "kernel/caps.h"
#include "kernel/cred.h"
#include "kernel/dev.h"
#include "kernel/hook.h"
#include "kernel/keyring.h"
#include "kernel/lsm.h"
#include "kernel/mempolicy.h"
#include "kernel/net.h"
#include "kernel/ns.h"
#include "kernel/personality.h"
#include "kernel/process.h"
#include "kernel/rlimit.h"
#include "kernel/sched.h"
#include "kernel/seccomp.h"
#include "kernel/sync.h"
#include "kernel/sysctl.h"
#include "kernel/terminal.h"
#include "kernel/userns.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

_Noreturn static void fail(struct cella_ctx *c, cella_error *err)
{
	int code = err->exit_code ? err->exit_code : 1;

	/* After start, `cella start` reads the fifo (one write: atomic); a
	 * run started through the start pipe reads the sync socket alone. */
	if (c->started && c->fifo_wfd >= 0 && write(c->fifo_wfd, err, sizeof(*err)) < 0)
		cella_debug("report the error to start: %s", strerror(errno));
	sync_send_error(c->sync_fd, err);
	_exit(code);
}

/* Where the spec's create hooks run: the mounts are made, pivot_root is
 * next (mount_prepare_rootfs calls this; without a new mount namespace,
 * init_stage2 does). The runtime runs prestart and createRuntime in its
 * namespaces (#4a/#4b), then createContainer runs here, in the container's
 * namespaces, as the container's root. */
static int create_hooks(void *data, cella_error *err)
{
	struct cella_ctx *c = data;
	cleanup_free char *state = NULL;

	if (engine_has_hooks(c->spec, CELLA_HOOK_PRESTART) ||
	    engine_has_hooks(c->spec, CELLA_HOOK_CREATE_RUNTIME)) {
		/* #4a: ask the runtime to run its hooks ... */
		if (sync_send(c->sync_fd, SYNC_HOOKS, 0, err) < 0)
			return cella_err_ret(err);
		/* #4b: ... and wait until they succeeded. */
		struct sync_watch w = {.pidfd = -1,
				       .who = "the runtime",
				       .timeout_ms =
					   engine_hook_step_timeout(c->spec, CELLA_HOOK_PRESTART,
								    CELLA_HOOK_CREATE_RUNTIME)};
		if (sync_wait_watch(c->sync_fd, SYNC_HOOKS_DONE, &w, NULL, NULL, err) < 0)
			return cella_err_ret(err);
	}
	if (!engine_has_hooks(c->spec, CELLA_HOOK_CREATE_CONTAINER))
		return 0;
	state = engine_hook_state(c->opts, c->rootfs, c->host_pid, CELLA_STATUS_CREATING);
	/* In the container's root (runc chdirs there before them); "/" of a
	 * joined mount namespace. */
	return hook_run_all(&c->spec->hooks, CELLA_HOOK_CREATE_CONTAINER, state,
			    c->new_mountns ? c->rootfs_conf.rootfs : "/", err);
}

/* Join namespaces given by path. Namespaces owned by the container's user
 * namespace can only be joined from inside it, and those owned by the host's
 * only from outside: try each before joining the user namespace, and retry
 * the refused ones after. */
static int join_namespaces(struct cella_ctx *c, cella_error *err)
{
	bool retry[CELLA_NS_COUNT] = {false};

	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		if (t == CELLA_NS_USER || c->ns_fds[t] < 0)
			continue;
		if (ns_join(c->ns_fds[t], (enum cella_ns_type)t, err) < 0) {
			if (err->errnum != EPERM || c->ns_fds[CELLA_NS_USER] < 0)
				return cella_err_ret(err);
			retry[t] = true;
		}
	}
	if (c->ns_fds[CELLA_NS_USER] >= 0 &&
	    ns_join(c->ns_fds[CELLA_NS_USER], CELLA_NS_USER, err) < 0)
		return cella_err_ret(err);
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (retry[t] && ns_join(c->ns_fds[t], (enum cella_ns_type)t, err) < 0)
			return cella_err_ret(err);
	ns_close_fds(c->ns_fds);
	return 0;
}

/* Become root of the user namespace when 0 is mapped (it is, in every
 * mapping cella writes itself), so what follows is created as container
 * root. */
static void become_ns_root(void)
{
	if (setresgid(0, 0, 0) < 0)
		cella_debug("setresgid(0) in the user namespace: %s", strerror(errno));
	if (setresuid(0, 0, 0) < 0)
		cella_debug("setresuid(0) in the user namespace: %s", strerror(errno));
}

/* After the start byte: the filter (unless loaded earlier), then the
 * startContainer hooks under it (as runc runs them: in the container, as
 * the process's user, subject to its profile), then execve. Under --init
 * this is the reaper's child. */
_Noreturn static void start_and_exec(struct cella_ctx *c, cella_error *err)
{
	const struct cella_spec *s = c->spec;

	if (engine_proc_load_seccomp(&c->proc, err) < 0)
		fail(c, err);
	if (engine_has_hooks(s, CELLA_HOOK_START_CONTAINER)) {
		cleanup_free char *state =
		    engine_hook_state(c->opts, c->rootfs, c->host_pid, CELLA_STATUS_CREATED);

		if (hook_run_all(&s->hooks, CELLA_HOOK_START_CONTAINER, state, NULL, err) < 0)
			fail(c, err);
	}
	engine_proc_exec(&c->proc, &c->saved_mask, err);
	fail(c, err);
}

/* The tiny init of --init: run the user process as a child, forward signals
 * to it, reap every zombie, exit with its status. It never execs, so it
 * must not keep anything of the runtime: every fd is closed and it is not
 * dumpable (no /proc/1/fd, /proc/1/exe for the container's processes). It
 * is entered with every signal still blocked. */
_Noreturn static void reaper_exec(struct cella_ctx *c, cella_error *err)
{
	const struct cella_process *p = c->process;
	sigset_t all;
	pid_t child;
	int status = 0;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	if (process_set_dumpable(0, err) < 0)
		fail(c, err);
	child = fork();
	if (child < 0) {
		cella_err(err, errno, "fork the container process under --init");
		fail(c, err);
	}
	if (child == 0) {
		/* Its own process group, in the terminal's foreground when
		 * there is one, so that ^C and reads reach it, not the init. */
		setpgid(0, 0);
		if (p->terminal && tcsetpgrp(STDIN_FILENO, getpid()) < 0) {
			cella_err(err, errno, "make the process the terminal's foreground");
			fail(c, err);
		}
		start_and_exec(c, err);
	}
	/* Nothing of the runtime stays open in the init, nothing of its
	 * environment stays in its memory, and it holds no more than the
	 * container (docs/design.md): its filter too, as the child's. */
	process_close_from(3);
	process_scrub_environ();
	if (engine_proc_load_seccomp(&c->proc, err) < 0) {
		kill(child, SIGKILL);
		fail(c, err);
	}
	for (;;) {
		siginfo_t si;
		int sig = sigwaitinfo(&all, &si);

		if (sig < 0)
			continue;
		if (sig != SIGCHLD) {
			kill(child, sig);
			continue;
		}
		for (;;) {
			int st;
			pid_t r = waitpid(-1, &st, WNOHANG);
			if (r <= 0)
				break;
			if (r == child) {
				status = st;
				if (WIFSIGNALED(status))
					_exit(128 + WTERMSIG(status));
				_exit(WEXITSTATUS(status));
			}
		}
	}
}

/* #4: the parent has configured the cgroup and placed us in its unified
 * hierarchy; the v1 ones we join ourselves (one thread: "0" in each `tasks`
 * moves the process), through the files a clone passed on or, when the
 * runtime made them after the clone, the ones it sends now (#4e). Then the
 * cgroup namespace, which must see the cgroup as its root. A failure here
 * is reported (SYNC_ERROR) by the caller; a runtime gone ends us. */
static int cgroup_ready(struct cella_ctx *c, cella_error *err)
{
	int32_t host_pid = 0;

	/* #4e: the `tasks` file of each v1 hierarchy, in one message. */
	if (c->cgroup_late) {
		size_t n = 0;

		if (sync_wait_fds(c->sync_fd, SYNC_CGROUP_ENTRY,
				  c->cgroup_entry.fd + c->cgroup_entry.n,
				  CELLA_CGROUP_MAX_V1 - c->cgroup_entry.n, &n, err) < 0)
			_exit(1);
		c->cgroup_entry.n += n;
		c->cgroup_late = false;
	}
	if (sync_wait(c->sync_fd, SYNC_CGROUP_READY, &host_pid, NULL, err) < 0)
		_exit(1);
	c->host_pid = host_pid;
	if (fault_point("init:cgroup", err) < 0 ||
	    cella_cgroup_self_entry_join(&c->cgroup_entry, err) < 0)
		return cella_err_ret(err);
	/* Stage 1 is gone and reaped: our parent is the runtime (a subreaper).
	 * Until #7 says the state names us, we die with it; a runtime already
	 * gone has hung up the socket. */
	if (process_die_with_parent(0, c->sync_fd, err) < 0)
		return cella_err_ret(err);
	if (fault_point("init:4", err) < 0)
		return cella_err_ret(err);
	/* For the rootfs's v1 cgroup view: our paths, before the cgroup
	 * namespace hides them. */
	mount_note_cgroups();
	if (c->new_cgroupns && ns_unshare(CLONE_NEWCGROUP, err) < 0)
		return cella_err_ret(err);
	return 0;
}

/* mount_prepare_rootfs's callback before the first mount that needs the
 * cgroup (c->cgroup_late). */
static int cgroup_ready_late(void *data, cella_error *err)
{
	return cgroup_ready(data, err);
}

/* Stage 2: the container's init. */
_Noreturn static void init_stage2(struct cella_ctx *c)
{
	const struct cella_spec *s = c->spec;
	const struct cella_process *p = c->process;
	struct engine_proc *proc = &c->proc;
	cella_error e;
	cella_error *err = &e;
	int master = -1, slave = -1;
	char byte;
	ssize_t n;

	cella_err_clear(err);
	engine_proc_init(proc, p, &c->seccomp, c->sync_fd);
	/* #3m: bind sources the runtime opened for us. */
	if (mount_receive_sources(&c->rootfs_conf, c->sync_fd, err) < 0)
		fail(c, err);
	/* #4 here, or (c->cgroup_late) where the mounts first need the
	 * cgroup, while the runtime makes it. */
	if (!(c->cgroup_late && c->build_rootfs) && cgroup_ready(c, err) < 0)
		fail(c, err);
	/* Its own session keyring, not the caller's (unless --no-new-keyring). */
	if (!c->opts->no_new_keyring && keyring_join_session(c->opts->id, err) < 0)
		fail(c, err);
	if (c->new_netns && net_loopback_up(err) < 0)
		fail(c, err);
	if (ns_set_uts(s->hostname, s->domainname, err) < 0)
		fail(c, err);

	if (c->build_rootfs) {
		c->rootfs_conf.before_pivot = create_hooks;
		c->rootfs_conf.before_pivot_data = c;
		if (c->cgroup_late)
			c->rootfs_conf.before_cgroup = cgroup_ready_late;
		if (mount_prepare_rootfs(&c->rootfs_conf, err) < 0)
			fail(c, err);
		/* The runtime's detached mounts and device nodes are in place:
		 * their fds are not kept to the execve. */
		mount_detached_close(&c->rootfs_conf);
		dev_close_nodes(c->rootfs_conf.device_fds, c->rootfs_conf.n_devices);
		c->rootfs_conf.device_fds = NULL;
	} else if (create_hooks(c, err) < 0 || mount_chroot(c->rootfs, err) < 0) {
		/* The runtime's mount namespace: root.path by chroot, as runc. */
		fail(c, err);
	}
	if (p->terminal) {
		if (terminal_open_pty(&master, &slave, err) < 0)
			fail(c, err);
		if (p->has_console_size &&
		    terminal_set_size(master, p->console_height, p->console_width, err) < 0)
			fail(c, err);
		/* runtime-spec: /dev/console is the pty (only in a mount
		 * namespace of the container's own: never the host's). */
		if (c->build_rootfs && terminal_bind_console(slave, err) < 0)
			fail(c, err);
		/* #5: hand the pty master to the parent. */
		if (sync_send_fd(c->sync_fd, SYNC_PTY_MASTER, master, err) < 0)
			fail(c, err);
		close(master);
	}
	/* process.cwd, made when missing (runc, crun) while the root is
	 * still writable. */
	if (engine_proc_make_cwd(p->cwd, err) < 0)
		fail(c, err);
	/* Before readonlyPaths makes /proc/sys read-only (as runc). */
	if (sysctl_apply(s->linux_.sysctl, s->linux_.n_sysctl, err) < 0)
		fail(c, err);
	if (c->build_rootfs && mount_finalize_rootfs(&c->rootfs_conf, err) < 0)
		fail(c, err);
	if (rlimits_apply(p->rlimits, p->n_rlimits, err) < 0)
		fail(c, err);
	if (p->has_oom_score_adj && process_set_oom_score_adj(p->oom_score_adj, err) < 0)
		fail(c, err);
	/* While privileged (a real-time policy, a lower nice value, the
	 * real-time I/O class take CAP_SYS_NICE), as runc; the user process
	 * inherits all three through fork and execve. */
	if (p->has_scheduler && sched_apply_scheduler(&p->scheduler, err) < 0)
		fail(c, err);
	if (p->has_io_priority && sched_apply_io_priority(&p->io_priority, err) < 0)
		fail(c, err);
	if (s->linux_.has_personality && personality_apply(&s->linux_.personality, err) < 0)
		fail(c, err);
	if (s->linux_.has_memory_policy && mempolicy_apply(&s->linux_.memory_policy, err) < 0)
		fail(c, err);
	if (slave >= 0 && terminal_become_controlling(slave, err) < 0)
		fail(c, err);
	if (slave > STDERR_FILENO)
		close(slave);

	/* The AppArmor profile and SELinux label the next execve takes, set
	 * through the container's verified /proc (kept across the uid switch,
	 * inherited by fork): the startContainer hooks and, under --init, the
	 * reaper's child exec under them (the reaper never execs). Here, before
	 * #6, a profile the kernel does not have fails `create`. */
	if (lsm_apply_exec(&(struct cella_lsm_conf){.apparmor_profile = p->apparmor_profile,
						    .selinux_label = p->selinux_label},
			   err) < 0)
		fail(c, err);
	/* The process-setup pipeline (engine/proc_setup.c): cwd, HOME, the
	 * executable, close-on-exec, early seccomp, credentials,
	 * capabilities, no_new_privs. */
	proc->setgroups_allowed = !c->deny_setgroups && !c->setgroups_denied;
	proc->preserve_fds = c->preserve_fds;
	if (engine_proc_drop(proc, err) < 0)
		fail(c, err);
	/* Again: the uid switch cleared it. */
	if (process_die_with_parent(0, c->sync_fd, err) < 0)
		fail(c, err);
	/* A filter with a listener (SCMP_ACT_NOTIFY) is loaded while the
	 * runtime that creates the container is still there to pass the
	 * listener on (#5a), as runc loads every filter: before #6. It then
	 * also governs the wait for start, the startContainer hooks and, under
	 * --init, the reaper. */
	if (cella_seccomp_prog_has_listener(&c->seccomp) && engine_proc_load_seccomp(proc, err) < 0)
		fail(c, err);

	if (fault_point("init:6", err) < 0)
		fail(c, err);
	/* #6: set up. */
	if (sync_send(c->sync_fd, SYNC_CREATED, 0, err) < 0)
		_exit(1);
	/* #7: the state names us. The container dies with a foreground
	 * runtime; otherwise it outlives the runtime from here on. */
	if (sync_wait_plain(c->sync_fd, SYNC_STATE_WRITTEN, err) < 0)
		_exit(1);
	if (!c->opts->foreground && process_set_parent_death_signal(0, err) < 0)
		fail(c, err);
	if (fault_point("init:7", err) < 0)
		fail(c, err);
	/* #7b: the runtime may go. */
	if (sync_send(c->sync_fd, SYNC_OUTLIVES, 0, err) < 0)
		_exit(1);
	/* Wait for start. Through the start pipe, whose write end only the
	 * runtime holds, the read ends (0) if the runtime is gone before it
	 * started us: no start can come then. */
	do
		n = read(c->fifo_fd, &byte, 1);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		_exit(1);
	if (fault_point("init:started", err) < 0)
		fail(c, err);
	/* The fifo stays open (close-on-exec): `start` sees the exec when it
	 * goes, and our errors in it before that. (The start pipe's read end
	 * too; `run` sees both on the sync socket.) */
	c->started = true;
	if (c->opts->init)
		reaper_exec(c, err); /* still with every signal blocked */
	start_and_exec(c, err);
}

/* First thing in the setup child: the runtime's fds it must not hold. The
 * locked state directory (we would hold the lock), and the start pipe's
 * write end (only the runtime may start us; its going then gives EOF). */
static void close_runtime_fds(struct cella_ctx *c)
{
	close(c->state_fd);
	if (c->start_w >= 0)
		close(c->start_w);
}

_Noreturn void init_direct(struct cella_ctx *c)
{
	cella_error e;

	cella_err_clear(&e);
	close_runtime_fds(c);
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	cella_log_set_handler(sync_log_forwarder, &c->sync_fd);
	if (c->new_userns) {
		/* #2: born in a new user namespace, we wait for the runtime to
		 * write its maps (no #1: the runtime cloned us, it knows our
		 * pid). Dumpable until then, as stage 1: a rootless runtime
		 * writes them, which needs us dumpable; no process of the
		 * container exists yet. A runtime gone hangs up the socket,
		 * which ends the wait. */
		if (sync_wait(c->sync_fd, SYNC_USERNS_MAPPED, NULL, NULL, &e) < 0)
			_exit(1);
		if (fault_point("init:2", &e) < 0)
			fail(c, &e);
	}
	/* Not dumpable from here to the execve, as stage 1 makes its child
	 * (CVE-2016-9962); no process of the container exists yet. */
	if (process_set_dumpable(0, &e) < 0)
		fail(c, &e);
	if (c->new_userns) {
		become_ns_root();
		/* The namespaces the clone left out, made as the container's
		 * root: an ipc or net namespace owns its objects (the mqueue
		 * root, the loopback's sysfs files) as its creator. */
		if (ns_unshare(c->unshare_flags & ~(CLONE_NEWPID | CLONE_NEWTIME), &e) < 0)
			fail(c, &e);
		/* #3: made; the runtime moves netDevices and sends the bind
		 * sources into them next. */
		if (sync_send(c->sync_fd, SYNC_INIT_PID, 0, &e) < 0)
			_exit(1);
	}
	/* The runtime cloned us: we die with it from here (after the uid
	 * change, which clears the signal), also while we make mounts before
	 * #4 (the v1 cgroups made late); #4 sets it again, as for stage 1's
	 * init. */
	if (process_die_with_parent(0, c->sync_fd, &e) < 0)
		fail(c, &e);
	init_stage2(c);
}

_Noreturn void init_stage1(struct cella_ctx *c)
{
	cella_error e;
	cella_error *err = &e;
	pid_t pid;
	bool placed = false;

	cella_err_clear(err);
	close_runtime_fds(c);
	cella_log_set_handler(sync_log_forwarder, &c->sync_fd);
	/* Dies with the runtime (a uid change below clears this; the socket's
	 * EOF then ends every wait of ours, and #3 fails to send). */
	if (process_die_with_parent(c->runtime_pid, -1, err) < 0)
		fail(c, err);
	if (fault_point("stage1:start", err) < 0)
		fail(c, err);
	/* Without a user namespace of our own to map (which needs us
	 * dumpable, below), not dumpable before we join the container's
	 * namespaces: we hold the runtime's fds (the cgroups' tasks files). */
	if (!c->new_userns && process_set_dumpable(0, err) < 0)
		fail(c, err);
	if (join_namespaces(c, err) < 0)
		fail(c, err);
	if (c->new_userns) {
		if (ns_unshare(CLONE_NEWUSER, err) < 0) {
			cella_error why;
			if (userns_check_available(&why) < 0)
				*err = why;
			fail(c, err);
		}
		/* #1: ask the parent to write our uid/gid maps ... */
		if (sync_send(c->sync_fd, SYNC_USERNS_READY, 0, err) < 0)
			_exit(1);
		/* #2: ... and wait until it has. */
		if (sync_wait(c->sync_fd, SYNC_USERNS_MAPPED, NULL, NULL, err) < 0)
			_exit(1);
		if (fault_point("stage1:2", err) < 0)
			fail(c, err);
	}
	/* Not dumpable from here to the execve (which resets it): no process
	 * of the container may ptrace us or open our /proc files while we
	 * still hold the runtime's privileges and fds (CVE-2016-9962). Not
	 * before #2: a rootless parent writes our uid_map, which needs us
	 * dumpable. Stage 2 inherits it through fork. */
	if (process_set_dumpable(0, err) < 0)
		fail(c, err);
	if (c->userns)
		become_ns_root();
	if (ns_unshare(c->unshare_flags, err) < 0)
		fail(c, err);
	if ((c->unshare_flags & CLONE_NEWTIME) &&
	    ns_set_time_offsets(&c->spec->linux_.time_monotonic, &c->spec->linux_.time_boottime,
				err) < 0)
		fail(c, err);

	pid = process_fork_into_cgroup(c->cgroup_fd, &placed, err);
	if (pid < 0) {
		cella_err_context(err, "fork the container init");
		fail(c, err);
	}
	if (pid == 0) {
		if (c->cgroup_fd >= 0)
			close(c->cgroup_fd);
		init_stage2(c);
	}
	if (placed)
		cella_debug("the container init was born in its cgroup (CLONE_INTO_CGROUP)");
	/* Between the fork and #3: the init exists and the runtime does not
	 * know its pid (it watches us through a pidfd). */
	if (fault_point("stage1:forked", err) < 0)
		fail(c, err);
	/* #3: tell the parent the init's pid, then leave: the runtime (a child
	 * subreaper) adopts it. */
	if (sync_send(c->sync_fd, SYNC_INIT_PID, pid | (placed ? SYNC_INIT_PID_PLACED : 0), err) <
	    0)
		_exit(1);
	_exit(0);
}
