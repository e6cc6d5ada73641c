/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Control groups: the container's cgroup, its limits, freeze, kill, stats.
 *
 * The host's layout is detected from /proc/self/mountinfo:
 *   unified  cgroup2 mounted on /sys/fs/cgroup (driven by the v2 driver);
 *   v1       only v1 hierarchies (the v1 driver);
 *   hybrid   v1 hierarchies plus a cgroup2 mount (/sys/fs/cgroup/unified):
 *            limits go through v1, and the container also gets a cgroup in
 *            the unified hierarchy (its processes are placed there too, and
 *            cgroup.kill is used there when the kernel has it).
 *
 * The engine sees only the functions below; the drivers (cgroup_v1.c,
 * cgroup_v2.c) sit behind `struct cella_cgroup_driver`. Only cgroups cella
 * created are written to, besides enabling controllers in the
 * cgroup.subtree_control of ancestors (v2), which the kernel requires.
 *
 * Error messages name the resource, the value and the file:
 *   linux.resources.memory.limit 1048576: write memory.limit_in_bytes: Device or resource busy
 */
#ifndef CELLA_CGROUP_H
#define CELLA_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec_resources.h" /* struct cella_resources */
#include "util/error.h"

/* ---- host layout ---- */

enum cella_cgroup_layout {
	CELLA_CGROUP_NONE = 0,
	CELLA_CGROUP_V1,
	CELLA_CGROUP_HYBRID,
	CELLA_CGROUP_UNIFIED,
};

#define CELLA_CGROUP_MAX_V1 16

struct cella_cgroup_v1_hier {
	char *mount;	   /* "/sys/fs/cgroup/memory" */
	char *controllers; /* "memory", "cpu,cpuacct", "name=systemd" */
};

struct cella_cgroup_host {
	enum cella_cgroup_layout layout;
	char *unified; /* the cgroup2 mount point, NULL when there is none */
	struct cella_cgroup_v1_hier v1[CELLA_CGROUP_MAX_V1];
	size_t n_v1;
};

/* Parse mountinfo text: cgroup mounts at or under `root` (normally
 * "/sys/fs/cgroup"). Pure; exposed for the unit tests. */
int cella_cgroup_parse_mountinfo(const char *text, const char *root, struct cella_cgroup_host *out,
				 cella_error *err);
/* /proc/self/mountinfo into *out (malloc'd). Read once for as long as the
 * process stays in the same mount namespace with the same root (two stats
 * instead of the kernel printing the whole table again): the cgroup mounts
 * do not change under one command. */
int cella_cgroup_mountinfo(char **out, cella_error *err);
/* The running host's layout, from /proc/self/mountinfo. */
int cella_cgroup_detect(struct cella_cgroup_host *out, cella_error *err);
/* Between on and off, cella_cgroup_detect reads mountinfo once and answers
 * from that copy (`list` opens every container's cgroup; the layout does not
 * change under one command). */
void cella_cgroup_detect_batch(bool on);
void cella_cgroup_host_clear(struct cella_cgroup_host *h);
const char *cella_cgroup_layout_name(enum cella_cgroup_layout l);

/* ---- paths ---- */

/*
 * The container's cgroup path, absolute within each hierarchy:
 * linux.cgroupsPath when set (a relative one is taken under `own`, the
 * runtime's own cgroup), else "/cella/<id>". Empty, ".", ".." components and
 * systemd's "slice:prefix:name" form are refused; "//" and a trailing "/"
 * are folded. The root cgroup itself is refused.
 */
int cella_cgroup_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
			      cella_error *err);
/* The runtime's own cgroup: the "0::" line of /proc/self/cgroup, "/" when
 * there is none (pure v1). */
int cella_cgroup_own_path(char **out, cella_error *err);

/*
 * Rootless: the cgroup v2 subtree delegated to the caller (euid), where its
 * containers' cgroups go. On a pure v2 host, the parent of its own cgroup
 * (containers become siblings of it, as crun places them under systemd's
 * user@.service), else its own cgroup, the first of the two whose directory,
 * cgroup.procs and cgroup.subtree_control euid owns. Returns 1 with *base
 * set, 0 with *why saying why there is none, < 0 on error.
 */
int cella_cgroup_delegated(char **base, char **why, cella_error *err);

/* OCI/v1 values converted for v2, as runc converts them (0 = unset). */
uint64_t cella_cgroup_shares_to_weight(uint64_t shares);
uint64_t cella_cgroup_blkio_to_io_weight(uint64_t weight);
/* OCI memory.swap (memory + swap; 0 unset, -1 unlimited) to v2's
 * memory.swap.max (swap alone; -1 = "max"), given memory.limit (0 unset).
 * Fails (-EINVAL, message naming the fields) where runc does. */
int cella_cgroup_swap_to_v2(int64_t memory, int64_t swap, int64_t *out, cella_error *err);

/* ---- the container's cgroup ---- */

/* A named counter (memory.stat's "anon 12345"). */
struct cella_cgroup_counter {
	char *key;
	uint64_t value;
};

/* A block device's count for one operation ("Read", "Write"...). */
struct cella_cgroup_blkio_entry {
	uint64_t major, minor;
	char op[16];
	uint64_t value;
};

struct cella_cgroup_hugetlb {
	char size[16]; /* "2MB", as the kernel names the files */
	uint64_t usage, max_usage, failcnt;
};

/* What `events --stats` reports, in runc's units (bytes, nanoseconds).
 * Absent controllers leave their fields 0. Freed by
 * cella_cgroup_stats_clear(). */
struct cella_cgroup_stats {
	uint64_t memory_usage;	   /* bytes */
	uint64_t memory_max_usage; /* bytes, 0 when the kernel does not say */
	uint64_t memory_limit;	   /* bytes, UINT64_MAX = unlimited */
	uint64_t memory_failcnt;   /* v1 memory.failcnt; v2 memory.events max */
	uint64_t memory_cache;	   /* v1 cache; v2 file */
	uint64_t swap_usage;	   /* v1: memory + swap (memsw); v2: swap alone */
	uint64_t swap_max_usage;
	uint64_t swap_limit; /* UINT64_MAX = unlimited */
	uint64_t swap_failcnt;
	uint64_t oom_kills;
	struct cella_cgroup_counter *memory_raw; /* memory.stat */
	size_t n_memory_raw;

	uint64_t cpu_usage_ns;
	uint64_t cpu_user_ns;
	uint64_t cpu_kernel_ns;
	uint64_t *cpu_percpu_ns; /* v1 cpuacct.usage_percpu; v2: none */
	size_t n_cpu_percpu;
	uint64_t cpu_periods;
	uint64_t cpu_throttled_periods;
	uint64_t cpu_throttled_ns;

	uint64_t pids_current;
	uint64_t pids_limit; /* UINT64_MAX = unlimited */

	/* Bytes and operations per device and direction. */
	struct cella_cgroup_blkio_entry *io_bytes;
	size_t n_io_bytes;
	struct cella_cgroup_blkio_entry *io_ops;
	size_t n_io_ops;

	struct cella_cgroup_hugetlb *hugetlb;
	size_t n_hugetlb;
};

void cella_cgroup_stats_clear(struct cella_cgroup_stats *st);

struct cella_cgroup;

/* The v1 hierarchies' `tasks` files of a cgroup, opened by the runtime for a
 * process that moves itself in with cella_cgroup_self_entry_join. */
struct cella_cgroup_self_entry {
	size_t n;
	int fd[CELLA_CGROUP_MAX_V1];
	char *dir[CELLA_CGROUP_MAX_V1]; /* for errors */
};

/* Hierarchies cella_cgroup_enter_except leaves alone. */
#define CELLA_CGROUP_SKIP_V1	  1u /* the v1 ones (a self entry moves the process there) */
#define CELLA_CGROUP_SKIP_UNIFIED 2u /* the unified one (born there: CLONE_INTO_CGROUP) */

struct cella_cgroup_driver {
	const char *name; /* "v1", "v2" */
	/* Make the directories (v2: enabling the controllers r needs along
	 * the path); on failure nothing created is left. */
	int (*create)(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err);
	int (*apply)(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err);
	/* Move pid into the cgroup, in every hierarchy but those in skip
	 * (CELLA_CGROUP_SKIP_*). */
	int (*enter)(struct cella_cgroup *cg, pid_t pid, unsigned skip, cella_error *err);
	/* Open what lets a process move itself in later (see
	 * cella_cgroup_self_entry_open); NULL: nothing to open. */
	int (*self_entry_open)(struct cella_cgroup *cg, struct cella_cgroup_self_entry *e,
			       cella_error *err);
	int (*freeze)(struct cella_cgroup *cg, bool frozen, cella_error *err);
	/* Is the cgroup frozen (v1: freezer.state FROZEN; v2: cgroup.events
	 * frozen 1)? False without a freezer. */
	int (*frozen)(struct cella_cgroup *cg, bool *out, cella_error *err);
	/* The state letter /proc/PID/stat shows for every task of a frozen
	 * cgroup ('D' for v1's freezer, which holds them in uninterruptible
	 * sleep, shown so since Linux 6.13), 0 when it can be any (v2's
	 * freezer traps them in 'S'). */
	char frozen_task_state;
	/* Signal every process; with SIGKILL, until the cgroup is empty. A
	 * frozen cgroup stays frozen (a SIGKILLed one is thawed so that its
	 * processes can die). */
	int (*kill)(struct cella_cgroup *cg, int sig, cella_error *err);
	int (*stats)(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err);
	/* A pollable fd (O_CLOEXEC) readable when an OOM may have happened
	 * (v1: an eventfd registered for memory.oom_control; v2: inotify on
	 * memory.events), and *kills the OOM kills counted so far. */
	int (*oom_watch)(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err);
	/* Drain fd; *n = OOM events since the last call (*kills updated). */
	int (*oom_read)(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n,
			cella_error *err);
	/* Remove the cgroup in every hierarchy (and the ancestors this object
	 * created, when empty). Goes on past failures; reports the first. */
	int (*destroy)(struct cella_cgroup *cg, cella_error *err);
};

extern const struct cella_cgroup_driver cella_cgroup_driver_v1;
extern const struct cella_cgroup_driver cella_cgroup_driver_v2;

/*
 * Detect the host, create the cgroup at `path` (from
 * cella_cgroup_resolve_path) and apply r (may be NULL). On failure whatever
 * was created is removed. An existing cgroup at path is an error (EEXIST):
 * cella's own default path (/cella/ID) is never shared.
 */
int cella_cgroup_create(const char *path, const struct cella_resources *r,
			struct cella_cgroup **out, cella_error *err);
/* The same for a linux.cgroupsPath the config names: an existing cgroup
 * there is joined, as runc 1.1 joins it (a warning when it has processes,
 * an error when it is frozen), and never removed (cella_cgroup_joined says
 * where it was). */
int cella_cgroup_create_join(const char *path, const struct cella_resources *r,
			     struct cella_cgroup **out, cella_error *err);
/*
 * cella_cgroup_create (join false) or _create_join (true) in two halves, on a
 * host with v1 hierarchies, where making the cgroup in each of them costs
 * most: _begin makes only the unified hierarchy's directory (where clone3
 * can give birth to a process), and sets *rest; _rest, called later, makes
 * the v1 ones and applies r; on its failure the caller destroys the cgroup,
 * after killing what it put there. Elsewhere (a pure v2 host, or a unified
 * cgroup that exists and is joined) _begin does the whole create and leaves
 * *rest false.
 */
int cella_cgroup_create_begin(const char *path, const struct cella_resources *r, bool join,
			      struct cella_cgroup **out, bool *rest, cella_error *err);
int cella_cgroup_create_rest(struct cella_cgroup *cg, const struct cella_resources *r, bool join,
			     cella_error *err);
/* The hierarchies (mount points) where path exists already, NULL-terminated
 * (NULL: none): what cella_cgroup_create_join will join, known before it
 * runs, for a state written before the cgroup is made. */
int cella_cgroup_existing(const char *path, char ***out, cella_error *err);
/* An existing container's cgroup (kill, delete, update): nothing created. */
int cella_cgroup_open(const char *path, struct cella_cgroup **out, cella_error *err);
/* The same for a process's cgroups, from its /proc/PID/cgroup text, whose
 * v1 hierarchies may each hold it at a different path: path is the one of
 * the unified hierarchy's, or of the memory controller's, line. For reading
 * (stats, limits), not for changing. */
int cella_cgroup_open_proc(const char *path, const char *proc_cgroup, struct cella_cgroup **out,
			   cella_error *err);

/* All or nothing: when a write fails, the files already written get their
 * old values back (cgroup_undo.c), and err names the field that failed. */
/* The hierarchies (mount points) where create found the cgroup already
 * there: NULL-terminated, NULL when none. The engine keeps them with the
 * container's state and hands them to cella_cgroup_keep() on the cgroup it
 * opens for delete, so that destroy leaves those directories alone. */
char **cella_cgroup_joined(const struct cella_cgroup *cg);
void cella_cgroup_keep(struct cella_cgroup *cg, char *const *mounts);

int cella_cgroup_apply(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err);
int cella_cgroup_enter(struct cella_cgroup *cg, pid_t pid, cella_error *err);
int cella_cgroup_enter_except(struct cella_cgroup *cg, pid_t pid, unsigned skip, cella_error *err);
/*
 * Moving a process in two halves. A move through cgroup.procs takes the
 * kernel's global cgroup_threadgroup_rwsem for writing, and that lock's
 * writer waits for an RCU grace period (5 to 20 ms on a 2-CPU VM) unless
 * another writer went just before. A thread that writes "0" to a v1
 * hierarchy's `tasks` moves only itself, which the kernel does without that
 * lock: for a process of one thread, the whole process. So the runtime opens
 * the `tasks` files (the permission is checked against the opener), the
 * new process inherits them and, single-threaded, joins with "0" in each;
 * the runtime moves it into the unified hierarchy (cella_cgroup_enter_except
 * with CELLA_CGROUP_SKIP_V1), unless clone3 put it there already. Open
 * leaves e->n 0 where there is no v1 hierarchy; join closes the fds.
 */
int cella_cgroup_self_entry_open(struct cella_cgroup *cg, struct cella_cgroup_self_entry *e,
				 cella_error *err);
int cella_cgroup_self_entry_join(struct cella_cgroup_self_entry *e, cella_error *err);
void cella_cgroup_self_entry_close(struct cella_cgroup_self_entry *e);
int cella_cgroup_freeze(struct cella_cgroup *cg, bool frozen, cella_error *err);
int cella_cgroup_frozen(struct cella_cgroup *cg, bool *out, cella_error *err);
/* The same, knowing that a process of the cgroup was just seen in state
 * seen (/proc/PID/stat, 0 unknown): where a frozen cgroup's tasks show one
 * state only (v1's freezer, on Linux 6.13 and later), any other answers "not
 * frozen" without reading the cgroup. That process must be in the cgroup
 * (or below it): one moved out says nothing of the others. */
int cella_cgroup_frozen_seen(struct cella_cgroup *cg, char seen, bool *out, cella_error *err);
/* The same answer without opening a cgroup: true when a process seen in
 * state seen says "not frozen" on this host whatever its cgroup (the layout
 * decides the driver; read once per batch, cella_cgroup_detect_batch). */
bool cella_cgroup_seen_not_frozen(char seen);
int cella_cgroup_kill(struct cella_cgroup *cg, int sig, cella_error *err);
/* On success *out owns memory: cella_cgroup_stats_clear() it. */
int cella_cgroup_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err);
/* OOM notification (events): see the driver's oom_watch and oom_read.
 * ENOENT when the cgroup has no memory controller. */
int cella_cgroup_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err);
int cella_cgroup_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n,
			  cella_error *err);
/* Pids in the cgroup (v1: the freezer, else the first hierarchy). */
int cella_cgroup_pids(struct cella_cgroup *cg, pid_t **pids, size_t *n, cella_error *err);
int cella_cgroup_destroy(struct cella_cgroup *cg, cella_error *err);

const char *cella_cgroup_path(const struct cella_cgroup *cg);
/* An fd (O_DIRECTORY, O_CLOEXEC) of the cgroup's directory in the unified
 * hierarchy (v2, or a hybrid host's cgroup2 mount), for clone3's
 * CLONE_INTO_CGROUP; -ENOENT (with err) when the host has none. */
int cella_cgroup_unified_fd(const struct cella_cgroup *cg, cella_error *err);
enum cella_cgroup_layout cella_cgroup_layout(const struct cella_cgroup *cg);
/* Whether the cgroup's directory in a hybrid host's cgroup2 tree has no
 * controller: that tree only tracks processes, and a process passing
 * through costs the cgroup nothing. False elsewhere. */
bool cella_cgroup_unified_bare(const struct cella_cgroup *cg);

void cella_cgroup_free(struct cella_cgroup *cg);
void cella_cgroup_freep(struct cella_cgroup **cg);
#define cleanup_cgroup __attribute__((cleanup(cella_cgroup_freep)))

#endif
