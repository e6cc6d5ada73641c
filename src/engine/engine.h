/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine: a container's life cycle, as the OCI runtime spec defines it.
 *
 *   cella_create   parse-free: takes a typed spec, sets up every namespace,
 *                  the rootfs and the process, and leaves the container
 *                  waiting just before its user process's execve;
 *   cella_start    lets a created container exec its process;
 *   cella_run      create + start + wait, in one process (both front doors);
 *   cella_kill, cella_delete, cella_state_read, cella_list.
 *
 * The CLI calls these; they call the kernel modules. No function here prints
 * or exits; failures come back in a cella_error.
 */
#ifndef CELLA_ENGINE_H
#define CELLA_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "spec/spec.h"
#include "util/error.h"

enum cella_cgroup_manager {
	CELLA_CGROUP_MANAGER_CGROUPFS = 0,
	CELLA_CGROUP_MANAGER_SYSTEMD,  /* systemd paths, mapped onto cgroupfs */
	CELLA_CGROUP_MANAGER_DISABLED, /* no cgroup at all */
};

/* What cella_run shows of a container it has just created. */
struct cella_created_view {
	pid_t pid;
	const char *id;
	const struct cella_spec *spec;
	int state_dirfd;
	int securebits; /* the process's at start, -1 unknown */
};

struct cella_create_opts {
	const char *id;
	const char *bundle;	/* directory config.json's root.path is relative to */
	const char *state_root; /* --root */
	struct cella_spec *spec;
	const char *pid_file;	    /* may be NULL */
	const char *console_socket; /* may be NULL */
	int preserve_fds;	    /* fds 3 .. 3+N-1 passed to the container */
	bool no_pivot;
	bool no_new_keyring; /* keep the caller's session keyring */
	enum cella_cgroup_manager cgroup_manager;
	bool init; /* a tiny PID-1 reaper runs the user process as its child */
	/* The quick door: the rootfs is the read-only lower layer of an
	 * overlay with a tmpfs upper layer, so runs never change it. */
	bool ephemeral_root;
	/* The quick door's own id range (auto_userns): the rootfs is seen
	 * through an idmapped mount with the container's mappings. */
	bool idmap_rootfs;
	/* Set by cella_run: the runtime stays in the foreground, the container
	 * dies with it, its pty (if any) is proxied to the runtime's stdio. */
	bool foreground;
	/* cella_run only: called once the container is created, before its
	 * process starts, still under create's lock (cella run --map builds the
	 * map there: the engine itself never calls the inspect layer). A
	 * failure deletes the container. */
	int (*on_created)(const struct cella_created_view *v, void *data, cella_error *err);
	void *on_created_data;
	/* Set by cella_run: start follows create in this process, under the
	 * same lock. Without hooks and without on_created (which may ask the
	 * container's status and expect "created"), the start byte goes
	 * through a pipe instead of ROOT/ID/exec.fifo (as crun's `run`): no
	 * inode to make and remove, which on ext4 without a journal costs
	 * more the more containers came and went in the last minutes. `state`
	 * waits for the lock run holds until the start is done; `list`, which
	 * does not, sees the container running from #7 on, not created. */
	bool start_here;
};

enum cella_status {
	CELLA_STATUS_CREATING = 0,
	CELLA_STATUS_CREATED,
	CELLA_STATUS_RUNNING,
	CELLA_STATUS_STOPPED,
	CELLA_STATUS_PAUSED,
};

struct cella_state {
	char *id;
	char *bundle;
	char *rootfs;
	char *created;	   /* RFC 3339 */
	char *cgroup_path; /* the container's cgroup, "" when it has none */
	/* The hierarchies where that cgroup was there before the container
	 * (joined, never removed): NULL-terminated mount points, or NULL. */
	char **cgroup_joined;
	char *oci_version;
	uid_t owner;
	pid_t pid;
	unsigned long long pid_start; /* /proc/PID/stat starttime, against reuse */
	/* pid 0: the runtime creating it (its pid and start time); when that
	 * is gone, the create crashed and the container is stopped. */
	pid_t creator;
	unsigned long long creator_start;
	/* The securebits the container's process starts with (for `cella
	 * map`: the kernel shows them to the process alone), -1 unknown. */
	int securebits;
	enum cella_status status; /* computed when read */
	struct cella_kv *annotations;
	size_t n_annotations;
};

const char *cella_status_name(enum cella_status s);

/* Check a container id: non-empty, at most 1024 bytes, [A-Za-z0-9_+.-],
 * not "." or "..". */
int cella_validate_id(const char *id, cella_error *err);

/* The default --root: /run/cella as root, $XDG_RUNTIME_DIR/cella otherwise
 * (or /tmp/cella-UID without XDG_RUNTIME_DIR). malloc'd. */
char *cella_default_state_root(void);

/* The built-in rootfs: $CELLA_ROOTFS, else share/cella/rootfs beside the
 * runtime's bin/ (or libexec/cella/). malloc'd; NULL (with err) when none is there. */
char *cella_default_rootfs(cella_error *err);

/* Before a command that enters containers (create, run, exec): re-exec the
 * runtime from its binary seen through a read-only overlay mount attached
 * nowhere (state_root, when it exists, is overlayfs' second lower layer) or
 * else from a sealed in-memory copy, so that no container process can ever
 * reach the host's binary through /proc/PID/exe (CVE-2019-5736). Returns 0
 * when already running from such a binary, or when rootless with a binary
 * only the host's root can write (process_run_from_sealed_copy), which
 * needs no copy unless CELLA_SELF_COPY=memfd asks for one. */
int cella_run_from_sealed_copy(char **argv, const char *state_root, cella_error *err);

/* Before any command runs: what the runtime's process must not inherit
 * from its caller (SIGCHLD ignored, under which the kernel reaps the
 * container's init before `run` can wait for it). */
void cella_process_init(void);

/* "libseccomp: 2.5.4\njansson: 2.14\n" for --version (static). */
const char *cella_libraries_version(void);

/* Resolve a bundle directory (NULL = the current one) to an absolute path and
 * load its config.json. */
int cella_bundle_load(const char *bundle, char **bundle_abs, struct cella_spec **spec,
		      cella_error *err);

/* Fill the quick door's facts about the caller: ids, and subordinate ranges
 * when newuidmap/newgidmap are installed and /etc/subuid, /etc/subgid have
 * an entry. */
struct cella_quick;
int cella_quick_host_facts(struct cella_quick *q, cella_error *err);
/* A fresh container id: "cella-" and 8 random hex digits. malloc'd. */
char *cella_generate_id(void);
/* Absolute form of a path (relative to the current directory), without
 * resolving symlinks. malloc'd. */
char *cella_path_absolute(const char *path);

/* Write the default config.json into bundle (refusing to overwrite one). */
int cella_spec_write_default(const char *bundle, bool rootless, cella_error *err);

int cella_create(const struct cella_create_opts *opts, cella_error *err);
int cella_start(const char *state_root, const char *id, cella_error *err);

/* create + start + wait. *exit_status gets the container process's status in
 * shell form (code, or 128+signal). With remove, the state is deleted after. */
int cella_run(const struct cella_create_opts *opts, bool detach, bool remove, int *exit_status,
	      cella_error *err);

int cella_kill(const char *state_root, const char *id, int sig, bool all, cella_error *err);
int cella_delete(const char *state_root, const char *id, bool force, cella_error *err);
/* New limits (the text of a linux.resources object) for a created, running
 * or paused container's cgroup, as runc update (engine/update.c). */
int cella_update(const char *state_root, const char *id, const char *resources_json,
		 cella_error *err);

/* An event for `events`: one line of JSON (runc's shape). The callback
 * returns < 0 (with err) to stop. */
typedef int (*cella_event_fn)(const char *json, void *data, cella_error *err);
/* A created, running or paused container's resource usage: one stats event
 * (stats_once), or a stats event every interval_ms and an "oom" event for
 * each OOM kill, until the container stops (engine/events.c). */
int cella_events(const char *state_root, const char *id, bool stats_once, unsigned interval_ms,
		 cella_event_fn fn, void *data, cella_error *err);

/* Freeze every process of a running container (status `paused`), or thaw a
 * paused one, through its cgroup (engine/control.c). */
int cella_pause(const char *state_root, const char *id, cella_error *err);
int cella_resume(const char *state_root, const char *id, cella_error *err);
/* The host pids of a container's processes (its cgroup's). *pids malloc'd. */
int cella_ps(const char *state_root, const char *id, pid_t **pids, size_t *n, cella_error *err);
/* `ps ID [PS_ARGS...]` as runc: the host's ps table (`ps -ef` without
 * args), its header and the rows of the container's processes (none for
 * a stopped container). *out malloc'd. */
int cella_ps_table(const char *state_root, const char *id, char *const *ps_args, char **out,
		   cella_error *err);
/* /proc/PID/cmdline with spaces between the arguments; "" when gone.
 * malloc'd. */
char *cella_proc_cmdline(pid_t pid);

int cella_state_read(const char *state_root, const char *id, struct cella_state *out,
		     cella_error *err);
/* The OCI state JSON (runc's fields). malloc'd. */
char *cella_state_to_json(const struct cella_state *st);
void cella_state_clear(struct cella_state *st);

/* All containers under state_root, sorted by id. */
int cella_list(const char *state_root, struct cella_state **out, size_t *n, cella_error *err);
void cella_state_list_free(struct cella_state *list, size_t n);

/* cella exec: a new process in a created or running container. It joins
 * every namespace of the container's init that differs from the runtime's
 * (the user namespace before the ones it owns), its root and its cgroup, and
 * gets the credentials, capabilities, rlimits and no_new_privs of `process`. */
struct cella_exec_opts {
	const char *state_root;
	const char *id;
	const struct cella_process *process;
	const char *pid_file;	    /* may be NULL */
	const char *console_socket; /* may be NULL: with process->terminal, the
				       pty is proxied to the runtime's stdio */
	int preserve_fds;	    /* fds 3 .. 3+N-1 passed to the process */
	bool detach;		    /* return once the process has exec'd */
	bool ignore_paused;	    /* exec in a paused container (runc) */
	const char *cgroup_sub;	    /* --cgroup: an existing sub-cgroup of the
				       container's, relative; NULL: its own */
};

/* The process of the container's config.json (read from its bundle), for the
 * CLI to edit into the one exec runs. */
int cella_exec_config_process(const char *state_root, const char *id, struct cella_process **out,
			      cella_error *err);
/* Run opts->process in the container. Unless detached, waits for it,
 * forwarding signals, and sets *exit_status (code, or 128+signal). An exec
 * failure in the container comes back with exit_code 127 or 126 (the CLI
 * exits 255 on any failure, as runc). */
int cella_exec(const struct cella_exec_opts *opts, int *exit_status, cella_error *err);

/* The runtime-spec features.md document for `cella features`. malloc'd. */
char *cella_features_json(void);

/* Signal names: "TERM", "SIGTERM", "15" -> 15; -1 when unknown. */
int cella_signal_from_name(const char *name);

/* cella probe caps (engine/probe.c): what each capability changes for a
 * running container. In its namespaces and root, one harmless operation per
 * capability runs twice, with its init's ids and capability sets and with
 * only that capability removed. One row per capability: */
struct cella_cap_row {
	int cap;
	char name[32];		    /* "CAP_CHOWN" ("CAP_41" when libcap has no name) */
	bool held;		    /* in the init's effective set */
	const char *operation;	    /* static; NULL when not probed */
	char with[48], without[48]; /* outcomes: "ok", "EPERM"...; "" when not probed */
	const char *verdict;	    /* "needed", "no effect here", "not held", "refused
				       even with it", "inconclusive", "not probed" */
	char note[224];		    /* why not probed, what else allows it...; or "" */
};
struct cella_cap_report {
	pid_t pid; /* the container's init (host pid) */
	struct cella_cap_row *rows;
	size_t n;
};
/* The conditions the probes run under, one line (static). */
const char *cella_probe_conditions(void);
/* cap < 0: every capability the running kernel knows; else that one (an
 * error when the kernel does not know it). */
int cella_probe_caps(const char *state_root, const char *id, int cap, struct cella_cap_report *out,
		     cella_error *err);
void cella_cap_report_clear(struct cella_cap_report *r);

#endif
