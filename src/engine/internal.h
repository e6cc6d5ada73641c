/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the parent works out before the fork and the setup child uses. */
#ifndef CELLA_ENGINE_INTERNAL_H
#define CELLA_ENGINE_INTERNAL_H

#include <signal.h>
#include <stdbool.h>

#include "engine/engine.h"
#include "kernel/cgroup.h"
#include "kernel/cgroup_systemd.h"
#include "kernel/mount.h"
#include "kernel/seccomp.h"

/* The mount point of an ephemeral rootfs's tmpfs (the overlay's upper,
 * work and top directories), in the state root, shared: each container's
 * child mounts its own tmpfs on it in its own mount namespace, and on the
 * host it stays empty. One directory made once, not one per container: a
 * directory costs a block of the state root's file system to make and to
 * free (ext4 discards it when mounted with discard). */
#define SCRATCH_DIR ".scratch"

/* The process-setup pipeline shared by the init and exec
 * (engine/proc_setup.c, docs/design.md "Process setup"). */
struct engine_proc {
	const struct cella_process *p;
	const struct cella_seccomp_prog *seccomp; /* len 0: none */
	int sync_fd;				  /* for the listener (#5a) */
	int preserve_fds;			  /* kept open past stdio */
	bool setgroups_allowed;
	/* Loaded by engine_proc_drop before the uid switch, or before #6
	 * when the filter has a listener (SCMP_ACT_NOTIFY), otherwise by
	 * engine_proc_exec. */
	bool seccomp_loaded;
	char *exe;  /* set by engine_proc_drop */
	char **env; /* process.env, with HOME added when missing */
};

struct cella_ctx {
	const struct cella_create_opts *opts;
	const struct cella_spec *spec;
	const struct cella_process *process;
	char *rootfs;			  /* realpath of the bundle's root.path */
	char *scratch;			  /* ROOT/.scratch (SCRATCH_DIR), under the overlay tmpfs
					     (ephemeral_root); not ROOT/ID, which would hide
					     ROOT/ID/notify from the container's mounts */
	struct cella_resources resources; /* linux.resources, typed */
	char *cgroup_path;		  /* resolved; NULL: no cgroup (rootless) */
	struct cella_cgroup *cgroup;	  /* created before the fork */
	/* --systemd-cgroup: the scope (unit NULL otherwise), started at #4
	 * (engine/systemd.h), which then sets cgroup and cgroup_path. */
	struct cgroup_systemd_unit sd;
	bool sd_started;
	int cgroup_fd; /* its unified directory, for CLONE_INTO_CGROUP; -1 */
	/* The v1 hierarchies' `tasks` files, through which the init moves
	 * itself in at #4 (kernel/cgroup.h); n 0 in the parent once forked. */
	struct cella_cgroup_self_entry cgroup_entry;
	bool cgroup_self_v1; /* the init joins the v1 hierarchies itself */
	/* The v1 hierarchies are made after the clone (cella_cgroup_create_rest,
	 * while the init makes its mounts); their `tasks` files reach the init
	 * at #4e, and it waits for #4 before its first cgroup mount. */
	bool cgroup_late;
	bool cgroup_placed;	    /* the init was born in its unified cgroup */
	int ns_fds[CELLA_NS_COUNT]; /* namespaces joined by path, -1 when not */
	int unshare_flags;	    /* CLONE_NEW* created by stage 1 (not user, cgroup) */
	bool new_userns;
	bool new_cgroupns;
	bool new_netns;
	bool new_mountns;
	/* A mount namespace of the container's own, new or joined by path (not
	 * the runtime's): the rootfs is built in it and pivoted into. Without
	 * one the init only chroots into root.path. */
	bool build_rootfs;
	bool userns; /* new or joined */
	bool deny_setgroups;
	bool setgroups_denied; /* the runtime's own user namespace denies setgroups */
	int sync_fd;	       /* the child's end of the sync socketpair */
	pid_t runtime_pid;     /* stage 1's parent, for its parent death signal */
	int fifo_fd;	       /* exec fifo (O_RDWR), or the start pipe's read end */
	int fifo_wfd;	       /* where the init's errors also go after start: the
				  exec fifo, or -1 (the start pipe: the sync socket
				  alone) */
	int start_w;	       /* the start pipe's write end, the runtime's alone:
				  closed first thing in the child; else -1 */
	int state_fd;	       /* the locked state directory: closed first thing in the
				  child, or the child would hold the lock */
	sigset_t saved_mask;   /* the runtime's signal mask before it blocked */
	int preserve_fds;      /* --preserve-fds, or LISTEN_FDS when more */
	struct cella_rootfs_conf rootfs_conf;
	/* The init's pid as the host sees it: sent at #4, for the state the
	 * in-container hooks read. */
	pid_t host_pid;
	/* The init read the start byte: its errors also go into the exec
	 * fifo, for `start` to report. */
	bool started;
	struct cella_seccomp_prog seccomp; /* compiled before the fork; len 0: none */
	bool seccomp_nothing_dropped;	   /* engine_seccomp_build said so */
	struct engine_proc proc;	   /* the init's process setup (stage 2) */
	size_t netdevs_moved;		   /* linux.netDevices moved in so far */
	int netdev_ns;			   /* the network namespace they went to, or -1 */
};

void engine_proc_init(struct engine_proc *ep, const struct cella_process *p,
		      const struct cella_seccomp_prog *seccomp, int sync_fd);
/* Create process.cwd inside the current root when missing (the init, as
 * runc: before the root turns read-only). */
int engine_proc_make_cwd(const char *cwd, cella_error *err);
/* Steps 1-8: cwd, HOME, executable, close-on-exec, early seccomp,
 * credentials, capabilities, no_new_privs. */
int engine_proc_drop(struct engine_proc *ep, cella_error *err);
/* Load the filter unless loaded (its listener to the runtime: #5a). */
int engine_proc_load_seccomp(struct engine_proc *ep, cella_error *err);
/* Restore mask (unless NULL), load the filter if not yet, execve. Returns
 * only on failure. */
int engine_proc_exec(struct engine_proc *ep, const sigset_t *mask, cella_error *err);

/* The setup child: never returns. Stage 1 joins and creates namespaces and
 * forks stage 2, the container's init (PID 1 in a new pid namespace). */
_Noreturn void init_stage1(struct cella_ctx *c);
/* The init cloned by the runtime itself, already in its new namespaces
 * (no stage 1: see container.c, direct_init). */
_Noreturn void init_direct(struct cella_ctx *c);

/* What container_create hands back to cella_run. */
struct cella_created {
	pid_t pid;		      /* the container's init, host pid */
	unsigned long long pid_start; /* its start time (procfs_start_time) */
	int sync_fd;		      /* still open: exec errors arrive here after start */
	int pty_master;		      /* -1 unless a pty is proxied by the runtime */
	int state_fd;		      /* ROOT/ID, still locked: start it without a window in
					 which another command could act on it */
	int securebits;		      /* the process's at start, -1 unknown (state.h) */
	/* The start pipe (opts->start_here, no exec.fifo), else -1: for
	 * container_start_locked, which takes them and waits for the exec on
	 * sync_fd itself. */
	int start_r, start_w;
};

int container_create(const struct cella_create_opts *opts, const sigset_t *saved_mask,
		     struct cella_created *out, cella_error *err);
/* ROOT/ID of a create that was killed before the init's pid was in the
 * state (pid 0, its creator gone): removed as `delete --force` would (0);
 * otherwise < 0 (engine/lifecycle.c). */
int container_remove_crashed_create(const char *state_root, const char *id);

/* Start a created container whose state directory dirfd is locked: through
 * its exec.fifo, or, when made (what container_create handed back, else
 * NULL) has the start pipe, through that (its ends taken and closed), and
 * then the exec seen on made->sync_fd. With NOTIFY_SOCKET set, *n is left
 * listening on the container's notify socket (engine/notify.h); the caller
 * closes it. */
struct engine_notify;
struct cella_created;
int container_start_locked(int dirfd, const char *id, struct cella_created *made,
			   struct engine_notify *n, cella_error *err);

/* Wait for the outcome of execve in the container: 0 when the sync socket
 * closed (exec happened), < 0 with the child's error otherwise. */
int container_wait_exec(int sync_fd, cella_error *err);

/* cella_delete; tidy: first remove what runtimes killed while making a
 * state directory left in the root (state_root_tidy). */
int container_delete(const char *state_root, const char *id, bool force, bool tidy,
		     cella_error *err);

/* Wait for pid (a child of ours), forwarding the signals read from sigfd,
 * proxying the pty master to our stdio and passing on notify messages (n
 * may be NULL); *exit_status in shell form. */
int foreground_wait(pid_t pid, int sigfd, int master, struct engine_notify *n, int *exit_status,
		    cella_error *err);

/* Hooks in the life cycle (engine/hooks.c). */
bool engine_has_hooks(const struct cella_spec *s, enum cella_hook_kind k);
/* Hooks of any kind. */
bool engine_has_any_hooks(const struct cella_spec *s);
/* The deadline (ms) of a sync step in which hooks of kinds a and b run: the
 * default plus their timeouts; -1 (none) when one of them has none. */
int engine_hook_step_timeout(const struct cella_spec *s, enum cella_hook_kind a,
			     enum cella_hook_kind b);
/* The OCI state JSON a hook reads on stdin. malloc'd. */
char *engine_hook_state(const struct cella_create_opts *o, const char *rootfs, pid_t pid,
			enum cella_status status);
/* Keep the spec in the state directory when it has poststart or poststop
 * hooks (start and delete run them). */
int engine_hooks_save(int dirfd, const struct cella_spec *s, cella_error *err);
/* Run the kept poststart hooks (status running); the first failure stops. */
int engine_hooks_poststart(int dirfd, const struct cella_state *st, cella_error *err);
/* Run the kept poststop hooks (status stopped); failures are warnings. */
void engine_hooks_poststop(int dirfd, const struct cella_state *st);

/* foreground_wait with the signals (blocked by the caller) read from a
 * signalfd, and the caller's terminal in raw mode while a pty is proxied. */
int foreground_run(pid_t pid, const sigset_t *signals, int master, struct engine_notify *n,
		   int *exit_status, cella_error *err);

/* Write pid to path atomically (a temporary file renamed). */
int engine_write_pid_file(const char *path, pid_t pid, cella_error *err);

/* linux.netDevices (engine/netdev.c). Refused before anything exists:
 * without a network namespace, rootless, a device the host lacks. */
int engine_netdev_validate(const struct cella_linux *l, cella_error *err);
/* Move them into the init's network namespace, *ns opened on it (the
 * caller closes it); *moved counts those moved, also on failure. */
int engine_netdev_move_in(const struct cella_linux *l, pid_t init, int *ns, size_t *moved,
			  cella_error *err);
/* A failed create: the first n back from namespace ns. */
void engine_netdev_move_back(const struct cella_linux *l, int ns, size_t n);
/* delete: back from the container's namespace (the live init's, else the
 * one joined by path), as config.json in the state directory lists them. */
void engine_netdev_restore(int dirfd, pid_t alive_init);

/* Compile a seccomp profile, or take its program from the cache under
 * state_root (engine/seccomp_cache.c). canonical: the profile's canonical
 * JSON when the caller has it (cella_linux.seccomp_json_canonical), else
 * NULL. *nothing_dropped: true when the program was compiled when cella was
 * built and libseccomp knew every name of the profile then (so
 * cella_seccomp_dropped() has nothing to say). */
struct cella_seccomp;
int engine_seccomp_build(const char *state_root, const struct cella_seccomp *conf,
			 const char *canonical, struct cella_seccomp_prog *out,
			 bool *nothing_dropped, cella_error *err);

#endif
