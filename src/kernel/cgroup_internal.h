/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Private to the cgroup module: the object and the file helpers the v1 and
 * v2 drivers share (cgroup.c). */
#ifndef CELLA_CGROUP_INTERNAL_H
#define CELLA_CGROUP_INTERNAL_H

#include "kernel/cgroup.h"

/* Index of the unified hierarchy in cella_cgroup.kept. */
#define CG_UNIFIED CELLA_CGROUP_MAX_V1

#define CG_KEPT_LEAF (-1)
#define CG_KEPT_NONE (-2)

/* The hierarchies a driver's create makes the cgroup in (cella_cgroup.parts):
 * cella_cgroup_create_begin makes the unified one first, _rest the others. */
#define CG_PART_V1	1u
#define CG_PART_UNIFIED 2u

struct cella_cgroup {
	const struct cella_cgroup_driver *drv;
	struct cella_cgroup_host host;
	char *path; /* "/cella/ID", the same in every hierarchy */
	/* Per hierarchy (v1 index, or CG_UNIFIED): how many leading components
	 * of path existed before this object created the rest (destroy removes
	 * the rest); CG_KEPT_LEAF for an opened cgroup (destroy removes the
	 * leaf only); CG_KEPT_NONE when this object made nothing there (destroy
	 * leaves it alone). */
	int kept[CELLA_CGROUP_MAX_V1 + 1];
	/* v1, an opened process's cgroup (cella_cgroup_open_proc): its path
	 * in hierarchy i when that differs from path; NULL: path. */
	char *v1_path[CELLA_CGROUP_MAX_V1];
	/* v2, rootless: the controllers (a bit each, in cgroup_v2.c's table)
	 * create could not enable; apply leaves their limits alone. */
	unsigned v2_missing;
	/* CG_PART_*: where the driver's create makes the cgroup this time. */
	unsigned parts;
};

/* Called for each directory along the path, root of the hierarchy first,
 * once it exists; `created` when this call made it. */
typedef int (*cg_level_fn)(const char *dir, const char *parent, bool created, bool leaf, void *data,
			   cella_error *err);

/* mount + path */
char *cg_dir(const char *mount, const char *path);
/* Create path under mount, component by component; *kept is set to the
 * number of components that existed (all of them: the leaf was there,
 * and is joined). On failure what this call created is removed. */
int cg_mkdir_path(const char *mount, const char *path, int *kept, cg_level_fn fn, void *data,
		  cella_error *err);
/* Number of components of an absolute, normalized path ("/a/b": 2). */
int cg_path_depth(const char *path);
/* After create: a leaf that was there already is joined (cgroup_join.c):
 * refused when frozen, a warning when it has processes; refused (EEXIST)
 * unless `join`. */
int cg_check_joined(struct cella_cgroup *cg, bool join, cella_error *err);
/* Whether create found the leaf already there in any hierarchy. */
bool cg_any_joined(const struct cella_cgroup *cg);
/* Remove path's leaf and then its ancestors down to `kept` components (when
 * kept < 0: the leaf only); ancestors still in use are left. A missing leaf
 * is not an error. */
int cg_rmdir_path(const char *mount, const char *path, int kept, cella_error *err);

/* Write val to dir/file (no O_CREAT, one write(2)); the message is
 * "write FILE". */
int cg_write(const char *dir, const char *file, const char *val, cella_error *err);
/* One value written into *fd, dir/file opened into *fd by the first call
 * (the caller closes it): for a run of writes to one write-only file
 * (devices.allow), which the journal cannot restore anyway. */
int cg_write_keep(const char *dir, const char *file, int *fd, const char *val, cella_error *err);
int cg_read(const char *dir, const char *file, char **out, cella_error *err);
/* cpuset.cpus or cpuset.mems: val written as is, or, when nested cgroups do
 * not fit it (EBUSY), the cgroup widened to the union, the nested ones
 * narrowed to what they keep of val, and val written (cgroup_cpuset.c). */
int cg_cpuset_write(const char *dir, const char *file, const char *val, cella_error *err);
/* A number, "max" read as UINT64_MAX. */
int cg_read_u64(const char *dir, const char *file, uint64_t *out, cella_error *err);
/* The value of `key` in a flat keyed file ("usage_usec 123"); 0 when absent. */
int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out,
		cella_error *err);
bool cg_has_file(const char *dir, const char *file);
/* Is dir/file (file "." for dir itself) owned by uid and writable by it? */
bool cg_owned(const char *dir, const char *file, uid_t uid);
int cg_read_pids(const char *dir, pid_t **pids, size_t *n, cella_error *err);
/* Signal every pid in dir/cgroup.procs; *seen = how many there were. */
int cg_signal_procs(const char *dir, int sig, size_t *seen, cella_error *err);
/* Wait until dir/cgroup.procs is empty (about 2 s). */
int cg_wait_empty(const char *dir, cella_error *err);
/* v2 (and the unified hierarchy of a hybrid host): cgroup.kill and wait for
 * the cgroup to empty. Returns 1 when done, 0 when the kernel has no
 * cgroup.kill. */
int cg_unified_kill(const char *dir, cella_error *err);
/* No process in the v1 cgroup dir, nor a child cgroup that could hold one
 * (cgroup.procs lists the cgroup's own processes only). */
int cg_v1_subtree_empty(const char *dir, bool *empty, cella_error *err);
/* cgroup.events' "populated": a process in dir or below it. */
int cg_unified_populated(const char *dir, bool *populated, cella_error *err);

/* The pause before look i + 1 at something the kernel finishes on its own
 * (tasks dying, a freeze): 0.1 ms doubling up to 10 ms, since a SIGKILLed
 * task usually goes within the first. */
void cg_wait_step(int i);

/* The journal of an apply (cgroup_undo.c): opened, every cg_write of a
 * limit file records the value it replaces (cg_write calls
 * cg_journal_note before writing: what would undo val, NULL when nothing
 * is recorded; and cg_journal_keep, which takes it, once the write went
 * through); closed with undo, the values are written back, last first,
 * and a restore that fails is added to *err. One open at a time. */
struct cg_journal;
struct cg_journal *cg_journal_open(void);
char *cg_journal_note(const char *dir, const char *file, const char *val);
void cg_journal_keep(const char *dir, const char *file, char *back);
void cg_journal_close(struct cg_journal *j, bool undo, cella_error *err);

/* The v1 hierarchy carrying controller ctl, -1 when none does
 * (cgroup_v1.c). */
int cg_v1_find(const struct cella_cgroup *cg, const char *ctl);

/* Stats and OOM notification, per driver (cgroup_stats.c). */
int cg_v1_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err);
int cg_v2_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err);
int cg_v1_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err);
int cg_v2_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err);
int cg_v1_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n, cella_error *err);
int cg_v2_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n, cella_error *err);

/* The cgroup's directory in v1 hierarchy i (malloc'd); NULL when the
 * (opened) process sits at that hierarchy's root: no cgroup of its own
 * there, nothing to read. */
char *cg_v1_dir(const struct cella_cgroup *cg, int i);

#endif
