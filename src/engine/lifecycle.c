/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The life cycle after create (engine/container.c): start, state, kill and
 * delete of a container, each under its state directory's lock.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/notify.h"
#include "engine/state.h"
#include "engine/systemd.h"
#include "kernel/cgroup.h"
#include "kernel/procfs.h"
#include "kernel/sync.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/util.h"

static bool wait_gone(pid_t pid, unsigned long long start, int pidfd);

/* After the start byte: wait for the fifo's last writer to go. That writer
 * is the init's own O_RDWR end, close-on-exec: its going is the execve (or
 * the init's death). poll with no events wakes on that hang-up alone, not on
 * our byte waiting in the fifo (no 1 ms polling for the init to take it).
 * What is left in the fifo then tells how it went: nothing, the exec; our
 * byte, an init that died before it took it; more, the init's error (a
 * startContainer hook, execve itself), one cella_error, smaller than
 * PIPE_BUF, so written whole. */
static int wait_exec(int rfd, const struct cella_state *st, cella_error *err)
{
	struct pollfd p = {.fd = rfd, .events = 0};
	cella_error child;
	ssize_t n;
	int avail;

	if (fault_point("start:waiting", err) < 0)
		return cella_err_ret(err);
	for (;;) {
		int k = poll(&p, 1, -1);

		if (k > 0)
			break;
		if (k < 0 && errno != EINTR)
			return cella_err(err, errno, "wait for container `%s` to start", st->id);
	}
	avail = sync_pending_bytes(rfd);
	if (avail < 0)
		return cella_err(err, -avail, "read exec fifo of `%s`", st->id);
	if (avail == 0)
		return 0;
	if (avail == 1)
		return cella_err(err, ESRCH, "container `%s` died before it started", st->id);
	n = read(rfd, &child, sizeof(child));
	if (n == (ssize_t)sizeof(child)) {
		child.msg[sizeof(child.msg) - 1] = '\0';
		*err = child;
		return cella_err_ret(err);
	}
	return 0;
}

/* After the start byte through the start pipe: the init reports on the sync
 * socket alone, which its execve closes. No deadline, as wait_exec's: what
 * runs between the byte and execve (a seccomp agent, a frozen cgroup) may
 * take its time; the init's end, by exec or death, ends the wait. Our
 * byte still in the pipe then (our read end, held until now, also kept the
 * write from failing with EPIPE) says it died before it took it. */
static int wait_exec_piped(int sync_fd, int rfd, const struct cella_state *st, cella_error *err)
{
	struct sync_watch w = {.pidfd = -1, .who = "the container's init", .timeout_ms = -1};
	int r = fault_point("start:waiting", err);

	if (r == 0)
		r = sync_wait_eof_watch(sync_fd, &w, err);
	if (r == 0 && sync_pending_bytes(rfd) == 1)
		r = cella_err(err, ESRCH, "container `%s` died before it started", st->id);
	return r;
}

/* A pidfd on the container's init, verified against the start time in its
 * state: signals sent through it never reach a process that was given the
 * init's pid after the init ended. */
static int open_init(const struct cella_state *st, cella_error *err)
{
	int fd = procfs_pidfd_open_verified(st->pid, st->pid_start, err);

	if (fd < 0)
		return cella_err(err, -fd, "container `%s` (pid %d) has stopped", st->id,
				 (int)st->pid);
	return fd;
}

/* Kill a container whose start failed (poststart): it is then stopped, and
 * waits for delete (runtime.md: "stop the container"). */
static void stop_container(const struct cella_state *st)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_close int init = open_init(st, NULL);

	if (st->cgroup_path[0] != '\0' && cella_cgroup_open(st->cgroup_path, &cg, NULL) == 0)
		cella_cgroup_kill(cg, SIGKILL, NULL);
	if (init >= 0 && procfs_pidfd_signal(init, SIGKILL, NULL) == 0)
		wait_gone(st->pid, st->pid_start, init);
}

int container_start_locked(int dirfd, const char *id, struct cella_created *made,
			   struct engine_notify *n, cella_error *err)
{
	bool piped = made != NULL && made->start_w >= 0;
	cleanup_close int fifo = piped ? take_fd(&made->start_w) : -1;
	cleanup_close int rfifo = piped ? take_fd(&made->start_r) : -1;
	struct cella_state st;
	int r = 0;

	memset(&st, 0, sizeof(st));
	/* Made by this process just before, under this lock, with nothing
	 * in between that may have changed it (no hooks, no on_created): its
	 * init and start time are in made, no state to read back. An init
	 * that died since is seen at the end (its byte still in the pipe). */
	if (piped) {
		st.id = xstrdup(id);
		st.pid = made->pid;
		st.pid_start = made->pid_start;
		st.status = CELLA_STATUS_CREATED;
	} else if (state_load(dirfd, id, &st, err) < 0) {
		return cella_err_ret(err);
	}
	if (st.status != CELLA_STATUS_CREATED) {
		r = cella_err_invalid(err, "container `%s` is %s, not created: cannot start it", id,
				      cella_status_name(st.status));
		goto out;
	}
	/* NOTIFY_SOCKET: bound before the process can send to it. */
	n->pid = st.pid;
	n->pid_start = st.pid_start;
	r = engine_notify_listen(dirfd, id, NOTIFY_SOCKET_NAME, n, err);
	if (r < 0)
		goto out;
	/* The read end first, to see the exec (wait_exec). */
	if (fifo < 0) {
		rfifo = openat(dirfd, EXEC_FIFO, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (rfifo >= 0)
			fifo = openat(dirfd, EXEC_FIFO, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	}
	if (fifo < 0 || rfifo < 0) {
		r = cella_err(err, errno == ENXIO ? ESRCH : errno,
			      "container `%s` is not waiting to start", id);
		goto out;
	}
	if (write(fifo, "s", 1) != 1) {
		r = cella_err(err, errno, "start container `%s`", id);
		goto out;
	}
	r = fault_point("start:byte", err);
	if (r < 0)
		goto out;
	close(take_fd(&fifo));
	if (!piped && unlinkat(dirfd, EXEC_FIFO, 0) < 0) {
		r = cella_err(err, errno, "remove exec fifo of `%s`", id);
		goto out;
	}
	if (piped)
		r = wait_exec_piped(made->sync_fd, rfifo, &st, err);
	else
		r = wait_exec(rfifo, &st, err);
	if (r == 0)
		r = fault_point("start:exec", err);
	if (r < 0 || piped) /* no hooks through the start pipe */
		goto out;
	/* In the runtime's namespaces, after the exec, before start returns;
	 * a failure stops the container. */
	r = engine_hooks_poststart(dirfd, &st, err);
	if (r < 0)
		stop_container(&st);
out:
	if (r < 0)
		engine_notify_close(n);
	cella_state_clear(&st);
	return r;
}

int cella_start(const char *state_root, const char *id, cella_error *err)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, err);
	struct engine_notify n;
	int r;

	if (dirfd < 0)
		return dirfd;
	engine_notify_init(&n);
	r = container_start_locked(dirfd, id, NULL, &n, err);
	/* Unlocked while the process gets ready (state, kill may come). */
	close(take_fd(&dirfd));
	if (r == 0)
		r = engine_notify_wait_ready(&n, err);
	engine_notify_close(&n);
	return r;
}

int cella_state_read(const char *state_root, const char *id, struct cella_state *out,
		     cella_error *err)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, err);

	if (dirfd < 0)
		return dirfd;
	return state_load(dirfd, id, out, err);
}

/* Every process of the container: through its cgroup. */
static int kill_all(const struct cella_state *st, int sig, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;

	if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
		return cella_err(err, ENOTSUP,
				 "kill --all: container `%s` has no cgroup (rootless) to find its "
				 "processes in",
				 st->id);
	if (cella_cgroup_open(st->cgroup_path, &cg, err) < 0)
		return cella_err_ret(err);
	return cella_cgroup_kill(cg, sig, err);
}

int cella_kill(const char *state_root, const char *id, int sig, bool all, cella_error *err)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, err);
	cleanup_close int init = -1;
	struct cella_state st;
	int r = 0;

	if (dirfd < 0)
		return dirfd;
	if (state_load(dirfd, id, &st, err) < 0)
		return cella_err_ret(err);
	if (st.status == CELLA_STATUS_STOPPED || st.status == CELLA_STATUS_CREATING)
		r = cella_err(err, ESRCH, "container `%s` is %s: nothing to signal", id,
			      cella_status_name(st.status));
	else if (all)
		r = kill_all(&st, sig, err);
	else if ((init = open_init(&st, err)) < 0)
		r = init;
	else if (procfs_pidfd_signal(init, sig, err) < 0)
		r = cella_err(err, err->errnum, "signal %d to container `%s` (pid %d)", sig, id,
			      (int)st.pid);
	cella_state_clear(&st);
	return r;
}

/* Wait (up to ~5 s) for a process we may not be the parent of to go: its
 * pidfd turns readable when it exits (no 10 ms polls: a delete --force of a
 * live container waited 10 ms more than the kill took); without one, /proc
 * every 10 ms. */
static bool wait_gone(pid_t pid, unsigned long long start, int pidfd)
{
	if (pidfd >= 0) {
		struct pollfd p = {.fd = pidfd, .events = POLLIN};
		int k;

		do
			k = poll(&p, 1, 5000);
		while (k < 0 && errno == EINTR);
		if (k > 0) {
			waitpid(pid, NULL, WNOHANG);
			return true;
		}
		if (k == 0)
			return false;
	}
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, NULL, WNOHANG) == pid || !procfs_alive(pid, start))
			return true;
		usleep(10000);
	}
	return false;
}

/* A systemd scope removed under us (systemd stops a scope whose last
 * process died): its cgroup is gone, which is what delete wanted. */
static bool scope_gone(const char *unit, cella_error *err)
{
	if (unit == NULL || err->errnum != ENOENT)
		return false;
	cella_err_clear(err);
	return true;
}

/* Delete the container whose state directory dirfd is locked. */
static int delete_locked(int dirfd, const char *state_root, const char *id, bool force,
			 cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_close int init = -1;
	cleanup_free char *unit = NULL;
	bool sd_user = false;
	struct cella_state st;
	int r = 0;

	if (state_load(dirfd, id, &st, err) < 0) {
		if (err == NULL || !force || (err->errnum != ENOENT && !err->input))
			return cella_err_ret(err);
		/* Removed while we waited for its lock; or, still there, what
		 * an older cella's delete killed midway left; or a state a
		 * crash of the host tore (it is not synced: nothing it names
		 * survives one). */
		if (err->errnum != ENOENT)
			cella_warn("%s: removing it", err->msg);
		cella_err_clear(err);
		return state_dir_linked(state_root, id, dirfd)
			   ? state_dir_remove(state_root, id, err)
			   : 0;
	}
	if ((st.status == CELLA_STATUS_RUNNING || st.status == CELLA_STATUS_PAUSED) && !force) {
		r = cella_err(err, EBUSY, "container `%s` is %s: stop it first, or use --force", id,
			      cella_status_name(st.status));
		goto out;
	}
	if (st.cgroup_path[0] != '\0' && cella_cgroup_open(st.cgroup_path, &cg, err) < 0) {
		r = cella_err_ret(err);
		goto out;
	}
	/* A systemd scope goes with its last process: nothing left to kill
	 * or remove there. */
	if (cg != NULL && engine_systemd_load(dirfd, &unit, &sd_user, NULL) > 0) {
		int fd = cella_cgroup_unified_fd(cg, NULL);
		if (fd < 0) {
			cella_cgroup_free(take_ptr(&cg));
		} else {
			close(fd);
		}
	}
	/* A cgroup that was there before the container stays (runc 1.1
	 * would remove it). */
	if (cg != NULL)
		cella_cgroup_keep(cg, st.cgroup_joined);
	/* linux.netDevices back to the host while their namespace lives. */
	engine_netdev_restore(dirfd, st.status != CELLA_STATUS_STOPPED ? st.pid : 0);
	if (st.status != CELLA_STATUS_STOPPED && st.status != CELLA_STATUS_CREATING) {
		/* A created container's init waits before exec; a running one
		 * (with --force) is killed, with every process of its cgroup
		 * (of a joined one, the init alone, as runc: the processes that
		 * were there are not the container's). PID 1 of a pid
		 * namespace takes its descendants with it. */
		init = open_init(&st, NULL);
		if (cg != NULL && st.cgroup_joined == NULL &&
		    cella_cgroup_kill(cg, SIGKILL, err) < 0 && !scope_gone(unit, err)) {
			r = cella_err_ret(err);
			goto out;
		}
		if (init >= 0 && procfs_pidfd_signal(init, SIGKILL, err) < 0 &&
		    err->errnum != ESRCH) {
			r = cella_err(err, err->errnum, "kill container `%s`", id);
			goto out;
		}
		if (!wait_gone(st.pid, st.pid_start, init)) {
			r = cella_err(err, EBUSY, "container `%s` (pid %d) did not die", id,
				      (int)st.pid);
			goto out;
		}
	}
	r = fault_point("delete:killed", err);
	if (r < 0)
		goto out;
	/* Processes of a shared pid namespace may outlive the init; a create
	 * that was killed leaves its cgroup (named in the state before it was
	 * made) with whatever it had placed there. In a joined cgroup, the
	 * processes that were there are not ours to kill. */
	if (cg != NULL &&
	    ((st.cgroup_joined == NULL && cella_cgroup_kill(cg, SIGKILL, err) < 0 &&
	      err->errnum != ENOENT) ||
	     cella_cgroup_destroy(cg, err) < 0) &&
	    !scope_gone(unit, err)) {
		r = cella_err_context(err, "remove the cgroup of `%s`", id);
		goto out;
	}
	r = fault_point("delete:cgroup", err);
	if (r < 0)
		goto out;
	/* The systemd driver's scope: gone by itself once empty, mostly; its
	 * processes are dead, so a manager that cannot be reached is said, and
	 * the delete goes on. */
	{
		cella_error serr;
		char buf[CELLA_ERROR_MSG_MAX + 64];

		if (engine_systemd_stop(dirfd, &serr) < 0)
			cella_warn("delete `%s`: %s", id,
				   cella_error_format(&serr, buf, sizeof(buf)));
	}
	/* The container is gone: poststop, failures as warnings. */
	engine_hooks_poststop(dirfd, &st);
	r = state_dir_remove(state_root, id, err);
out:
	cella_state_clear(&st);
	return r;
}

/* ROOT/ID of a create that was killed before the init's pid was in the
 * state (pid 0, its creator gone): cleaned up as `delete --force` would. 0
 * when it was one and is gone. */
int container_remove_crashed_create(const char *state_root, const char *id)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, NULL);
	struct cella_state st;
	bool crashed;

	if (dirfd < 0)
		return dirfd == -ENOENT ? 0 : dirfd;
	if (state_load(dirfd, id, &st, NULL) < 0)
		return -1;
	crashed = st.pid == 0 && st.status == CELLA_STATUS_STOPPED;
	cella_state_clear(&st);
	if (!crashed)
		return -1;
	cella_debug("container `%s`: removing what a killed create left", id);
	{
		cella_error e;
		return delete_locked(dirfd, state_root, id, true, &e);
	}
}

int container_delete(const char *state_root, const char *id, bool force, bool tidy,
		     cella_error *err)
{
	cleanup_close int dirfd = -1;

	/* What a runtime killed while making a state directory left (in a
	 * root of ours alone: state_dir_open refuses any other, and says so). */
	if (tidy) {
		cleanup_close int rootfd = state_root_open(state_root, NULL);

		if (rootfd >= 0)
			state_root_tidy(state_root, rootfd);
	}
	dirfd = state_dir_open(state_root, id, err);
	/* As runc: --force of a container that does not exist succeeds
	 * (podman and the containerd shim clean up after a failed create). */
	if (dirfd == -ENOENT && force) {
		cella_err_clear(err);
		return 0;
	}
	if (dirfd < 0)
		return dirfd;
	return delete_locked(dirfd, state_root, id, force, err);
}

int cella_delete(const char *state_root, const char *id, bool force, cella_error *err)
{
	return container_delete(state_root, id, force, true, err);
}

int cella_signal_from_name(const char *name)
{
	static const struct {
		const char *name;
		int sig;
	} sigs[] = {
	    {"HUP", SIGHUP},	   {"INT", SIGINT},   {"QUIT", SIGQUIT},     {"ILL", SIGILL},
	    {"TRAP", SIGTRAP},	   {"ABRT", SIGABRT}, {"IOT", SIGIOT},	     {"BUS", SIGBUS},
	    {"FPE", SIGFPE},	   {"KILL", SIGKILL}, {"USR1", SIGUSR1},     {"SEGV", SIGSEGV},
	    {"USR2", SIGUSR2},	   {"PIPE", SIGPIPE}, {"ALRM", SIGALRM},     {"TERM", SIGTERM},
	    {"STKFLT", SIGSTKFLT}, {"CHLD", SIGCHLD}, {"CONT", SIGCONT},     {"STOP", SIGSTOP},
	    {"TSTP", SIGTSTP},	   {"TTIN", SIGTTIN}, {"TTOU", SIGTTOU},     {"URG", SIGURG},
	    {"XCPU", SIGXCPU},	   {"XFSZ", SIGXFSZ}, {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF},
	    {"WINCH", SIGWINCH},   {"IO", SIGIO},     {"POLL", SIGPOLL},     {"PWR", SIGPWR},
	    {"SYS", SIGSYS},
	};
	unsigned long long n;

	if (parse_u64(name, 64, &n))
		return n >= 1 ? (int)n : -1;
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (strcasecmp(name, sigs[i].name) == 0)
			return sigs[i].sig;
	if (strncasecmp(name, "RTMIN", 5) == 0 || strncasecmp(name, "RTMAX", 5) == 0) {
		long long off = 0;
		bool min = strncasecmp(name, "RTMIN", 5) == 0;
		if (name[5] != '\0' && !parse_i64(name + 5, -32, 32, &off))
			return -1;
		n = (unsigned long long)((min ? SIGRTMIN : SIGRTMAX) + off);
		return n >= (unsigned long long)SIGRTMIN && n <= (unsigned long long)SIGRTMAX
			   ? (int)n
			   : -1;
	}
	return -1;
}
