/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability probes: the prober's side.
 *
 * Who runs this: the runtime, on the host, reads the init's capability sets,
 * ids, groups and maps from /proc/PID (capprobe_read_target; the ids are
 * translated into the container's user namespace). Then the prober, forked
 * by engine/probe.c after it joined the container's cgroup, every namespace
 * but its pid namespace, and its root, with every capability of the
 * container's user namespace (or the runtime's own without one), and no
 * handle on the host's /proc; it stays in the host's pid namespace, where
 * the container cannot see or trace it:
 *   1. becomes the container's root (its uid 0 when mapped), not dumpable;
 *   2. unshares a mount namespace (made recursively private first: nothing
 *      it mounts reaches the container) and an IPC namespace, and mounts a
 *      tmpfs scratch over a directory of the container's tree, in its own
 *      namespace only;
 *   3. starts a throwaway process of another uid (to signal, ptrace, renice)
 *      with no capability at all;
 *   4. for each capability, twice: makes a case directory (and its objects)
 *      and starts a child that has the init's ids and capability sets, the
 *      second time with that one capability removed from all five, runs the
 *      operation and writes its outcome into a pipe.
 * Whatever it starts in the container's pid namespace is confined before it
 * exists (section 3: the container's pid namespace, ids, capability sets,
 * no_new_privs, seccomp filter, not dumpable; the cgroup and user namespace
 * are the prober's, the container's): no process of the probe that the
 * container can see holds more than the container. Every probe child dies
 * with its spawner and the spawner with the prober (PR_SET_PDEATHSIG), and
 * after 10 s (alarm); the throwaway when the prober's pipe closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <grp.h>
#include <linux/magic.h>
#include <unistd.h>

#include "inspect/capprobe_internal.h"
#include "kernel/caps.h"
#include "kernel/cred.h"
#include "kernel/ns.h"
#include "kernel/process.h"
#include "kernel/seccomp.h"
#include "util/cleanup.h"
#include "util/util.h"

#define PROBE_TIMEOUT_S 10
#define NOBODY		65534

/* Directories the scratch tmpfs may cover, in the prober's own mount
 * namespace only: the first that exists. */
static const char *const scratch_dirs[] = {"/tmp", "/run", "/mnt", "/var/tmp", "/dev"};

struct prober {
	struct capprobe_env env;
	struct cella_caps caps; /* the init's five sets */
	struct cella_user user; /* its ids and groups */
	bool setgroups_allowed;
	int scratch;
	uid_t root_uid; /* the prober's ids: the container's root */
	gid_t root_gid;
	const char *other_proc_failed; /* why there is no throwaway process */
	const struct capprobe_confine *conf;
	int keep; /* the throwaway's lifeline (write end), or -1 */
};

/* A spawner's or a probe child's report (kinds below). */
struct child_msg {
	int32_t kind;
	int32_t outcome;
	int32_t status;
	cella_error err;
};

/* ---- 1. the init (read by the runtime, on the host) ---- */

/* The id inside for host id `host`, by a map as the host reads it
 * ("inside outside count" lines); the overflow id when it maps none. */
static unsigned map_inside(const char *map, unsigned long host)
{
	for (const char *line = map; line != NULL && *line != '\0';) {
		unsigned long first, outside, count;

		if (sscanf(line, "%lu %lu %lu", &first, &outside, &count) == 3 && host >= outside &&
		    host - outside < count)
			return (unsigned)(first + (host - outside));
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return NOBODY;
}

/* "Uid:\tR\tE\tS\tF": the effective one (the second), as the host sees it. */
static int status_id(const char *text, const char *key, unsigned long *out, cella_error *err)
{
	const char *p = strstr(text, key);
	unsigned long r, e;

	if (p == NULL || sscanf(p + strlen(key), "%lu %lu", &r, &e) != 2)
		return cella_err(err, 0, "read the container's init: no `%s` line in its status",
				 key + 1);
	*out = e;
	return 0;
}

static void status_groups(const char *text, struct capprobe_target *t)
{
	const char *p = strstr(text, "\nGroups:");
	char *end;

	if (p == NULL)
		return;
	p += strlen("\nGroups:");
	for (;;) {
		unsigned long g;

		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return;
		g = strtoul(p, &end, 10);
		t->groups = xrealloc(t->groups, (t->n_groups + 1) * sizeof(gid_t));
		t->groups[t->n_groups++] = map_inside(t->gid_map, g);
		p = end;
	}
}

int capprobe_read_target(pid_t pid, struct capprobe_target *t, cella_error *err)
{
	cleanup_free char *status = NULL, *setgroups = NULL;
	unsigned long uid = 0, gid = 0;
	char path[64];
	int r;

	memset(t, 0, sizeof(*t));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	r = read_file_at(AT_FDCWD, path, &status, err);
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)pid);
		r = read_file_at(AT_FDCWD, path, &t->uid_map, err);
	}
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/gid_map", (int)pid);
		r = read_file_at(AT_FDCWD, path, &t->gid_map, err);
	}
	if (r >= 0) {
		snprintf(path, sizeof(path), "/proc/%d/setgroups", (int)pid);
		r = read_file_at(AT_FDCWD, path, &setgroups, err);
	}
	if (r >= 0)
		r = caps_parse_status(status, &t->caps, err);
	if (r >= 0)
		r = status_id(status, "\nUid:", &uid, err);
	if (r >= 0)
		r = status_id(status, "\nGid:", &gid, err);
	if (r < 0) {
		capprobe_target_clear(t);
		return cella_err_context(err, "read the container's init");
	}
	t->uid = map_inside(t->uid_map, uid);
	t->gid = map_inside(t->gid_map, gid);
	status_groups(status, t);
	t->setgroups_allowed = !str_has_prefix(setgroups, "deny");
	return 0;
}

void capprobe_target_clear(struct capprobe_target *t)
{
	free(t->groups);
	free(t->uid_map);
	free(t->gid_map);
	t->groups = NULL;
	t->n_groups = 0;
	t->uid_map = t->gid_map = NULL;
}

/* ---- 1b. the prober's view of it ---- */

/* Does the map text hold inside id `id`? */
static bool map_holds(const char *map, unsigned long id)
{
	for (const char *line = map; line != NULL && *line != '\0';) {
		unsigned long first, outside, count;

		if (sscanf(line, "%lu %lu %lu", &first, &outside, &count) == 3 && id >= first &&
		    id - first < count)
			return true;
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	return false;
}

static bool is_group_of(const struct cella_user *u, unsigned long g)
{
	if (g == u->gid)
		return true;
	for (size_t i = 0; i < u->n_additional_gids; i++)
		if (u->additional_gids[i] == g)
			return true;
	return false;
}

/* An id the map holds other than the init's own (and, for a gid, not one
 * of its groups): nobody (65534) when mapped, else the lowest. */
static bool pick_other(const char *map, const struct cella_user *u, bool gid, unsigned *out)
{
	unsigned long best = NOBODY;
	bool found = false;

	if (map_holds(map, NOBODY) && !(gid ? is_group_of(u, NOBODY) : NOBODY == u->uid)) {
		*out = NOBODY;
		return true;
	}
	for (const char *line = map; line != NULL && *line != '\0';) {
		unsigned long first, outside, count;

		if (sscanf(line, "%lu %lu %lu", &first, &outside, &count) == 3) {
			for (unsigned long id = first; id - first < count && id - first < 64;
			     id++) {
				if (gid ? is_group_of(u, id) : id == u->uid)
					continue;
				if (!found || id < best)
					best = id;
				found = true;
				break;
			}
		}
		line = strchr(line, '\n');
		if (line != NULL)
			line++;
	}
	if (found)
		*out = (unsigned)best;
	return found;
}

static void take_target(struct prober *p, const struct capprobe_target *t)
{
	unsigned other_uid = 0, other_gid = 0;

	p->caps = t->caps;
	p->user.uid = t->uid;
	p->user.gid = t->gid;
	p->user.additional_gids = t->groups;
	p->user.n_additional_gids = t->n_groups;
	p->setgroups_allowed = t->setgroups_allowed;
	p->env.uid = t->uid;
	p->env.gid = t->gid;
	p->env.have_other = pick_other(t->uid_map, &p->user, false, &other_uid) &&
			    pick_other(t->gid_map, &p->user, true, &other_gid);
	p->env.other_uid = other_uid;
	p->env.other_gid = other_gid;
	p->root_uid = map_holds(t->uid_map, 0) ? 0 : t->uid;
	p->root_gid = map_holds(t->gid_map, 0) ? 0 : t->gid;
}

/* Joining a user namespace kept our ids, which it may not map (the host's
 * root, in a container whose root is host uid 100000): then nothing we
 * create on the scratch could have an owner. Become the container's root.
 * The kernel keeps the capabilities: the old ids are not the namespace's
 * root, and with the new effective one the effective set becomes the
 * permitted one, which is full. */
static int become_container_root(const struct prober *p, cella_error *err)
{
	if (setresgid(p->root_gid, p->root_gid, p->root_gid) < 0 ||
	    setresuid(p->root_uid, p->root_uid, p->root_uid) < 0)
		return cella_err(err, errno, "probe: become the container's root (uid %u, gid %u)",
				 (unsigned)p->root_uid, (unsigned)p->root_gid);
	/* An euid change resets the dumpable flag to fs.suid_dumpable. */
	if (process_set_dumpable(0, err) < 0)
		return cella_err_context(err, "probe");
	return 0;
}

/* ---- 2. the scratch ---- */

static int make_scratch(struct prober *p, cella_error *err)
{
	const char *dir = NULL;
	struct statfs sf;
	struct stat st;

	if (ns_unshare(CLONE_NEWNS | CLONE_NEWIPC, err) < 0)
		return cella_err_context(err, "probe: a private mount and IPC namespace");
	/* Before any mount: nothing may propagate to the container. */
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0)
		return cella_err(err, errno, "probe: make the mounts private");
	for (size_t i = 0; i < ARRAY_SIZE(scratch_dirs); i++) {
		struct stat cand;

		if (lstat(scratch_dirs[i], &cand) < 0 || !S_ISDIR(cand.st_mode))
			continue;
		if (mount("cella-probe", scratch_dirs[i], "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
			  "mode=0711,size=4m") == 0) {
			dir = scratch_dirs[i];
			break;
		}
	}
	if (dir == NULL)
		return cella_err(err, errno,
				 "probe: mount a scratch tmpfs in the container's tree");
	p->scratch = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (p->scratch < 0)
		return cella_err(err, errno, "probe: open the scratch tmpfs on `%s`", dir);
	/* What was opened must be the new, empty tmpfs (mode 0711, ours), not
	 * the container's directory: every object is made in it. */
	if (fstatfs(p->scratch, &sf) < 0 || fstat(p->scratch, &st) < 0)
		return cella_err(err, errno, "probe: check the scratch tmpfs on `%s`", dir);
	if (sf.f_type != TMPFS_MAGIC || (st.st_mode & 07777) != 0711 || st.st_uid != p->root_uid ||
	    st.st_nlink != 2)
		return cella_err(err, EXDEV, "probe: `%s` is not the scratch tmpfs just mounted",
				 dir);
	return 0;
}

/* ---- 3. confined processes ---- */

/*
 * Every process the prober starts in the container's pid namespace is
 * forked by a spawner: a child of the prober, in the host's pid namespace
 * (out of the container's sight, not dumpable, its environment scrubbed by
 * the caller), that
 *   1. joins the container's pid namespace, for its children only;
 *   2. takes the ids, the capability sets, no_new_privs and the container's
 *      seccomp filter, in the order the container's own processes take them
 *      (kernel/seccomp.h: before giving up privileges only when it could not
 *      be loaded after); a filter's listener is closed at once (its calls
 *      then fail with ENOSYS: no agent answers for a probe);
 *   3. and only then forks the process, which is born holding no more than
 *      the container: the container's cgroup (the prober's), its user
 *      namespace, capabilities, bounding set, no_new_privs and seccomp
 *      filter, not dumpable.
 */
static int confine(const struct prober *p, const struct cella_user *user,
		   const struct cella_caps *sets, bool no_new_privs, cella_error *err)
{
	bool early = cella_seccomp_load_early(no_new_privs, sets->effective);
	cleanup_close int listener = -1;

	if (process_set_parent_death_signal(SIGKILL, err) < 0 ||
	    ns_join(p->conf->pidns_fd, CELLA_NS_PID, err) < 0)
		return cella_err_context(err, "probe: enter the container's pid namespace");
	if (early && p->conf->seccomp != NULL &&
	    cella_seccomp_load_listener(p->conf->seccomp, &listener, err) < 0)
		return cella_err_context(err, "probe: the container's seccomp filter");
	if (caps_keep_on_setuid(1, err) < 0 ||
	    cred_apply_user(user, p->setgroups_allowed, err) < 0 || caps_apply(sets, err) < 0 ||
	    (no_new_privs && process_set_no_new_privs(err) < 0))
		return cella_err_context(err,
					 "probe: take the container's ids and capability sets");
	if (!early && p->conf->seccomp != NULL &&
	    cella_seccomp_load_listener(p->conf->seccomp, &listener, err) < 0)
		return cella_err_context(err, "probe: the container's seccomp filter");
	/* The uid change reset it to fs.suid_dumpable: not dumpable, whatever
	 * that says. */
	if (process_set_dumpable(0, err) < 0)
		return cella_err_context(err, "probe");
	return 0;
}

/* A spawner's or a confined child's report. */
enum child_msg_kind {
	MSG_SETUP_FAILED = 1, /* the spawner could not confine itself: err */
	MSG_OUTCOME,	      /* the probe child ran the operation: outcome */
	MSG_STATUS,	      /* the spawner: how the child ended (wait status) */
};

/* Is the prober gone (nobody reads `out` any more)? Checked by a confined
 * child after it set its parent-death signal: a spawner killed before that
 * would otherwise leave it running. */
static bool prober_gone(int out)
{
	struct pollfd pfd = {.fd = out, .events = POLLOUT};

	return poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP));
}

/* ---- 3a. the throwaway process of another uid ---- */

/* In the container's pid namespace, in its sight: none of its
 * capabilities, its filter, no_new_privs, not dumpable. Reports its pid (as
 * the probe children see it) on `ready`, and ends when the last write end of
 * `keep` is closed: by the prober when it is done, or by the kernel when it
 * dies (its spawner exits at once: no parent-death signal here). */
_Noreturn static void other_process(int ready, int keep)
{
	pid_t self = getpid();
	char c;

	if (prober_gone(ready) || chdir("/") < 0 ||
	    write(ready, &self, sizeof(self)) != (ssize_t)sizeof(self))
		_exit(1);
	close(ready);
	while (read(keep, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

static pid_t start_other(struct prober *p)
{
	struct cella_user user = {.uid = p->env.other_uid, .gid = p->env.other_gid};
	struct cella_caps none = {0};
	int ready[2], keep[2];
	pid_t spawner, pid = -1;
	int status;

	p->other_proc_failed = "could not start a throwaway process of another uid";
	if (pipe2(ready, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(keep, O_CLOEXEC) < 0) {
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	spawner = fork();
	if (spawner == 0) {
		cella_error e;

		close(ready[0]);
		close(keep[1]);
		if (confine(p, &user, &none, true, &e) < 0)
			_exit(1);
		if (fork() == 0)
			other_process(ready[1], keep[0]);
		_exit(0);
	}
	close(ready[1]);
	close(keep[0]);
	if (spawner > 0) {
		/* The throwaway is ours once its spawner is gone (we are a
		 * child subreaper). */
		while (waitpid(spawner, &status, 0) < 0 && errno == EINTR)
			;
		if (read_all(ready[0], &pid, sizeof(pid)) != (ssize_t)sizeof(pid))
			pid = -1;
	}
	close(ready[0]);
	if (pid <= 0) {
		close(keep[1]);
		return -1;
	}
	p->keep = keep[1];
	return pid;
}

/* ---- 4. the runs ---- */

static struct cella_caps caps_without(const struct cella_caps *c, int cap)
{
	uint64_t keep = ~(UINT64_C(1) << cap);
	struct cella_caps out = {
	    .bounding = c->bounding & keep,
	    .effective = c->effective & keep,
	    .inheritable = c->inheritable & keep,
	    .permitted = c->permitted & keep,
	    .ambient = c->ambient & keep,
	};

	return out;
}

/* The probe child: confined by its spawner already; runs the operation. */
_Noreturn static void probe_child(struct prober *p, const struct capprobe_op *op,
				  const struct capprobe_case *c, int out)
{
	struct child_msg m;
	sigset_t none;

	memset(&m, 0, sizeof(m));
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGALRM, SIG_DFL);
	alarm(PROBE_TIMEOUT_S);
	if (process_set_parent_death_signal(SIGKILL, NULL) < 0 || prober_gone(out))
		_exit(1);
	m.kind = MSG_OUTCOME;
	m.outcome = op->run(&p->env, c);
	write_all(out, &m, sizeof(m));
	_exit(0);
}

/* The spawner of one run: confines itself with the init's ids and `sets`,
 * forks the probe child, and reports how it ended. */
_Noreturn static void probe_spawner(struct prober *p, const struct capprobe_op *op,
				    const struct cella_caps *sets, const struct capprobe_case *c,
				    int out)
{
	struct cella_user user = p->user;
	struct child_msg m;
	pid_t pid;
	int status = 0;

	memset(&m, 0, sizeof(m));
	if (p->keep >= 0)
		close(p->keep);
	/* Where setgroups is denied, the groups are the ones the init and we
	 * both inherited from the runtime: leave them. */
	if (!p->setgroups_allowed)
		user.n_additional_gids = 0;
	if (confine(p, &user, sets, p->conf->no_new_privs, &m.err) < 0) {
		m.kind = MSG_SETUP_FAILED;
		write_all(out, &m, sizeof(m));
		_exit(1);
	}
	pid = fork();
	if (pid < 0) {
		cella_err(&m.err, errno, "probe: fork");
		m.kind = MSG_SETUP_FAILED;
		write_all(out, &m, sizeof(m));
		_exit(1);
	}
	if (pid == 0)
		probe_child(p, op, c, out);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	m.kind = MSG_STATUS;
	m.status = status;
	write_all(out, &m, sizeof(m));
	_exit(0);
}

/* A case directory of its own for one run: SCRATCH/CAP-with. */
static int make_case(struct prober *p, const struct capprobe_op *op, bool with,
		     struct capprobe_case *c, cella_error *err)
{
	char name[32];

	snprintf(name, sizeof(name), "%d-%s", op->info.cap, with ? "with" : "without");
	if (mkdirat(p->scratch, name, 0700) < 0 ||
	    fchownat(p->scratch, name, p->env.uid, p->env.gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cella_err(err, errno, "probe: make the scratch directory `%s`", name);
	c->dir = openat(p->scratch, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (c->dir < 0)
		return cella_err(err, errno, "probe: open the scratch directory `%s`", name);
	if (op->prepare != NULL && op->prepare(&p->env, c, err) < 0)
		return cella_err_context(err, "probe %s", name);
	return 0;
}

static int run_once(struct prober *p, const struct capprobe_op *op, bool with, int *outcome,
		    cella_error *err)
{
	struct cella_caps sets = with ? p->caps : caps_without(&p->caps, op->info.cap);
	struct capprobe_case c = {.dir = -1, .obj = -1};
	cleanup_close int in = -1;
	bool have_outcome = false, have_status = false;
	pid_t pid;
	struct child_msg m;
	int fds[2], status = 0, r;

	r = make_case(p, op, with, &c, err);
	if (r < 0)
		goto out;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = cella_err(err, errno, "probe: pipe");
		goto out;
	}
	in = fds[0];
	pid = fork();
	if (pid < 0) {
		close(fds[1]);
		r = cella_err(err, errno, "probe: fork");
		goto out;
	}
	if (pid == 0) {
		close(in);
		probe_spawner(p, op, &sets, &c, fds[1]);
	}
	close(fds[1]);
	/* Until both the spawner and the child are done with the pipe. */
	while (read_all(in, &m, sizeof(m)) == (ssize_t)sizeof(m)) {
		if (m.kind == MSG_SETUP_FAILED && r == 0) {
			*err = m.err;
			r = cella_err_ret(err);
		} else if (m.kind == MSG_OUTCOME) {
			*outcome = m.outcome;
			have_outcome = true;
		} else if (m.kind == MSG_STATUS) {
			status = m.status;
			have_status = true;
		}
	}
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	if (r < 0 || have_outcome)
		goto out;
	if (have_status && WIFSIGNALED(status))
		*outcome = WTERMSIG(status) == SIGALRM ? CAPPROBE_TIMEOUT
						       : CAPPROBE_SIGNAL - WTERMSIG(status);
	else
		r = cella_err(err, 0, "probe: the child for capability %d exited with %d",
			      op->info.cap,
			      have_status && WIFEXITED(status) ? WEXITSTATUS(status) : -1);
out:
	if (c.obj >= 0)
		msgctl(c.obj, IPC_RMID, NULL);
	if (c.dir >= 0)
		close(c.dir);
	return r;
}

/* Why cap cannot be probed here, or NULL. */
static const char *cannot_probe(const struct prober *p, const struct capprobe_target *t,
				const struct capprobe_op *op)
{
	if ((op->info.needs & CAPPROBE_NEEDS_OTHER_ID) && !p->env.have_other)
		return "the container's user namespace maps no second uid and gid to own the "
		       "throwaway objects";
	if ((op->info.needs & CAPPROBE_NEEDS_OTHER_PROC) && p->env.other_pid < 0)
		return p->other_proc_failed;
	if ((op->info.needs & CAPPROBE_NEEDS_OWN_NETNS) && !t->own_netns)
		return "the container shares the host's network namespace: the probe would act "
		       "on the host's";
	return NULL;
}

static bool wants_other_process(const int *caps, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct capprobe_op *op = capprobe_op(caps[i]);
		if (op != NULL && (op->info.needs & CAPPROBE_NEEDS_OTHER_PROC))
			return true;
	}
	return false;
}

static int probe_all(struct prober *p, const struct capprobe_target *t, const int *caps, size_t n,
		     capprobe_report_fn report, void *data, cella_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct capprobe_op *op = capprobe_op(caps[i]);
		const struct capprobe_info *info = capprobe_info(caps[i]);
		struct capprobe_result r = {
		    .cap = caps[i],
		    .held = (p->caps.effective >> caps[i]) & 1,
		    .with = CAPPROBE_NONE,
		    .without = CAPPROBE_NONE,
		    .effective = p->caps.effective,
		};

		if (op == NULL)
			r.not_probed = info != NULL && info->not_probed != NULL
					   ? info->not_probed
					   : "cella has no probe for this capability";
		else
			r.not_probed = cannot_probe(p, t, op);
		if (r.not_probed == NULL) {
			int with = CAPPROBE_NONE, without = CAPPROBE_NONE;

			if (run_once(p, op, true, &with, err) < 0 ||
			    run_once(p, op, false, &without, err) < 0)
				return cella_err_ret(err);
			r.with = with;
			r.without = without;
		}
		if (report(&r, data, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

int capprobe_run(const struct capprobe_target *t, const struct capprobe_confine *conf,
		 const int *caps, size_t n, capprobe_report_fn report, void *data, cella_error *err)
{
	struct prober p;
	int r;

	memset(&p, 0, sizeof(p));
	p.scratch = -1;
	p.keep = -1;
	p.env.other_pid = -1;
	p.conf = conf;
	p.other_proc_failed = "no throwaway process was needed";
	take_target(&p, t);
	/* The throwaway process comes back to us when its spawner exits. */
	r = process_set_child_subreaper(err);
	if (r == 0)
		r = become_container_root(&p, err);
	if (r == 0)
		r = make_scratch(&p, err);
	if (r == 0 && p.env.have_other && wants_other_process(caps, n))
		p.env.other_pid = start_other(&p);
	if (r == 0)
		r = probe_all(&p, t, caps, n, report, data, err);
	if (p.scratch >= 0)
		close(p.scratch);
	/* The throwaway ends when its pipe does; reap it (and any orphan). */
	if (p.keep >= 0)
		close(p.keep);
	for (;;) {
		pid_t w = waitpid(-1, NULL, 0);

		if (w < 0 && errno != EINTR)
			break; /* ECHILD */
	}
	return r;
}

/* ---- reading the results ---- */

static bool allowed(const struct capprobe_info *i, int outcome)
{
	return outcome == i->expect || (i->expect_alt != CAPPROBE_NONE && outcome == i->expect_alt);
}

static bool refused(const struct capprobe_info *i, int outcome)
{
	return outcome == EPERM || outcome == EACCES || outcome == CAPPROBE_SILENT ||
	       (i->refused_alt != CAPPROBE_NONE && outcome == i->refused_alt);
}

static const char *const verdict_names[] = {
    [CAPPROBE_NEEDED] = "needed",
    [CAPPROBE_NO_EFFECT] = "no effect here",
    [CAPPROBE_NOT_HELD] = "not held",
    [CAPPROBE_REFUSED] = "refused even with it",
    [CAPPROBE_INCONCLUSIVE] = "inconclusive",
    [CAPPROBE_NOT_PROBED] = "not probed",
};

const char *capprobe_verdict_name(enum capprobe_verdict v)
{
	if ((unsigned)v >= ARRAY_SIZE(verdict_names))
		return "?";
	return verdict_names[v];
}

/* "CAP_DAC_OVERRIDE also allows it" for the held ones of mask. */
static void name_also(uint64_t mask, char *note, size_t len)
{
	size_t used = 0;

	for (int c = 0; c < 64 && used < len; c++) {
		const char *name = cella_cap_name(c);
		int w;

		if (!((mask >> c) & 1) || name == NULL)
			continue;
		w = snprintf(note + used, len - used, "%s%s", used ? ", " : "", name);
		if (w < 0)
			return;
		used += (size_t)w;
	}
	if (used > 0 && used < len)
		snprintf(note + used, len - used, ", held, also allow%s it",
			 strchr(note, ',') ? "" : "s");
}

/* What the table knows about the kernel's check, to explain a refusal. */
static const char *refusal_reason(const struct capprobe_info *i)
{
	if (i->needs & CAPPROBE_PM_SLEEP)
		return "the kernel checks it against the host's user namespace, and drops "
		       "EPOLLWAKEUP for everyone without CONFIG_PM_SLEEP";
	if (i->needs & CAPPROBE_HOST_CHECKED)
		return "the kernel checks it against the host's user namespace";
	if (i->needs & CAPPROBE_AUDIT)
		return "the kernel takes audit requests only from the host's user namespace, and "
		       "audit control only from its pid namespace";
	return NULL;
}

enum capprobe_verdict capprobe_judge(const struct capprobe_result *r, char *note, size_t len)
{
	const struct capprobe_info *i = capprobe_info(r->cap);
	char a[64], b[64];

	note[0] = '\0';
	if (r->not_probed != NULL || i == NULL || r->with == CAPPROBE_NONE) {
		snprintf(note, len, "%s",
			 r->not_probed ? r->not_probed : "cella has no probe for this capability");
		return CAPPROBE_NOT_PROBED;
	}
	capprobe_outcome(r->cap, r->with, a, sizeof(a));
	capprobe_outcome(r->cap, r->without, b, sizeof(b));
	if (!r->held) {
		if (allowed(i, r->with)) {
			size_t used;

			snprintf(note, len, "the operation is allowed without it here");
			used = strlen(note);
			if (i->also & r->effective) {
				snprintf(note + used, len - used, " (");
				used = strlen(note);
				name_also(i->also & r->effective, note + used, len - used);
				used = strlen(note);
				snprintf(note + used, len - used, ")");
			}
		}
		return CAPPROBE_NOT_HELD;
	}
	if (allowed(i, r->with) && refused(i, r->without))
		return CAPPROBE_NEEDED;
	if (allowed(i, r->with) && allowed(i, r->without)) {
		name_also(i->also & r->effective & ~(UINT64_C(1) << r->cap), note, len);
		return CAPPROBE_NO_EFFECT;
	}
	if (refused(i, r->with)) {
		if (refusal_reason(i) != NULL)
			snprintf(note, len, "%s (%s)", a, refusal_reason(i));
		else
			snprintf(note, len, "%s", a);
		return CAPPROBE_REFUSED;
	}
	if (r->with == ENOSYS || r->with == EOPNOTSUPP || r->with == ENOTTY ||
	    r->with == EPROTONOSUPPORT || r->with == EAFNOSUPPORT)
		snprintf(note, len, "the kernel lacks the operation (%s)", a);
	else if (allowed(i, r->with))
		snprintf(note, len, "without it: %s", b);
	else
		snprintf(note, len, "with it: %s", a);
	return CAPPROBE_INCONCLUSIVE;
}

const char *capprobe_outcome(int cap, int outcome, char *buf, size_t len)
{
	const struct capprobe_info *i = capprobe_info(cap);

	if (outcome == 0)
		snprintf(buf, len, "ok");
	else if (outcome > 0 && strerrorname_np(outcome) != NULL)
		snprintf(buf, len, "%s", strerrorname_np(outcome));
	else if (outcome > 0)
		snprintf(buf, len, "errno %d", outcome);
	else if (outcome == CAPPROBE_SILENT)
		snprintf(buf, len, "%s", i && i->silent ? i->silent : "privileged part left out");
	else if (outcome == CAPPROBE_TIMEOUT)
		snprintf(buf, len, "timed out");
	else if (outcome == CAPPROBE_NONE)
		snprintf(buf, len, "-");
	else if (outcome <= CAPPROBE_SIGNAL && sigabbrev_np(CAPPROBE_SIGNAL - outcome) != NULL)
		snprintf(buf, len, "killed by SIG%s", sigabbrev_np(CAPPROBE_SIGNAL - outcome));
	else
		snprintf(buf, len, "outcome %d", outcome);
	return buf;
}
