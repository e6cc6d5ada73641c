/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup v1 driver: one directory per hierarchy (memory, cpu,cpuacct,
 * cpuset, pids, blkio, freezer, devices, name=systemd...), limits written
 * to the controller's own files.
 *
 * On a hybrid host the container also gets a cgroup in the unified
 * hierarchy: its processes are placed there too, and cgroup.kill there is
 * how SIGKILL reaches all of them at once when the kernel has it.
 */
#include "kernel/cgroup_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* The v1 hierarchy carrying controller ctl, -1 when none does. */
static int v1_find(const struct cella_cgroup *cg, const char *ctl)
{
	size_t cl = strlen(ctl);

	for (size_t i = 0; i < cg->host.n_v1; i++) {
		const char *c = cg->host.v1[i].controllers;

		while (c != NULL && *c) {
			if (strncmp(c, ctl, cl) == 0 && (c[cl] == ',' || c[cl] == '\0'))
				return (int)i;
			c = strchr(c, ',');
			if (c != NULL)
				c++;
		}
	}
	return -1;
}

/* The container's directory in the hierarchy with ctl; NULL (and an error
 * naming what needs it) when no hierarchy has it. */
static char *v1_dir(const struct cella_cgroup *cg, const char *ctl, const char *what,
		    cella_error *err)
{
	int i = v1_find(cg, ctl);

	if (i < 0) {
		cella_err(err, ENOENT, "%s: no cgroup v1 hierarchy has the %s controller", what,
			  ctl);
		return NULL;
	}
	return cg_dir(cg->host.v1[i].mount, cg->path);
}

/* A new cpuset cgroup starts with empty cpus and mems (or, under
 * cgroup.clone_children, with its parent's), and no process can join it
 * while they are empty: the parent's are written into one just made, and
 * into an older one found empty. */
static int cpuset_level(const char *dir, const char *parent, bool created, bool leaf, void *data,
			cella_error *err)
{
	static const char *const files[] = {"cpuset.cpus", "cpuset.mems"};

	if (parent == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_free char *cur = NULL;
		cleanup_free char *up = NULL;

		if (!created) {
			if (cg_read(dir, files[i], &cur, err) < 0)
				return cella_err_context(err, "cgroup `%s`", dir);
			if (cur[strspn(cur, " \n")] != '\0')
				continue;
		}
		if (cg_read(parent, files[i], &up, err) < 0)
			return cella_err_context(err, "cgroup `%s`", parent);
		up[strcspn(up, "\n")] = '\0';
		if (cg_write(dir, files[i], up, err) < 0)
			return cella_err_context(err, "cgroup `%s`", dir);
	}
	return 0;
}

/* Remove the cgroup from the hierarchies of parts (CG_PART_*). */
static int destroy_parts(struct cella_cgroup *cg, unsigned parts, cella_error *err)
{
	int ret = 0;

	for (size_t i = 0; i <= CG_UNIFIED; i++) {
		const char *mount = i == CG_UNIFIED	? cg->host.unified
				    : i < cg->host.n_v1 ? cg->host.v1[i].mount
							: NULL;
		cella_error e;

		if (mount == NULL || !(parts & (i == CG_UNIFIED ? CG_PART_UNIFIED : CG_PART_V1)))
			continue;
		if (cg_rmdir_path(mount, cg->path, cg->kept[i], &e) < 0) {
			if (ret == 0 && err != NULL)
				*err = e;
			if (ret == 0)
				ret = cella_err_ret(&e);
			continue;
		}
		cg->kept[i] = CG_KEPT_NONE;
	}
	return ret;
}

static int v1_destroy(struct cella_cgroup *cg, cella_error *err)
{
	return destroy_parts(cg, CG_PART_V1 | CG_PART_UNIFIED, err);
}

static int v1_create(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	for (size_t i = 0; i < cg->host.n_v1 && (cg->parts & CG_PART_V1); i++) {
		bool cpuset = (int)i == v1_find(cg, "cpuset");

		if (cg_mkdir_path(cg->host.v1[i].mount, cg->path, &cg->kept[i],
				  cpuset ? cpuset_level : NULL, NULL, err) < 0)
			goto fail;
	}
	if (cg->host.unified != NULL && (cg->parts & CG_PART_UNIFIED) &&
	    cg_mkdir_path(cg->host.unified, cg->path, &cg->kept[CG_UNIFIED], NULL, NULL, err) < 0)
		goto fail;
	return 0;
fail:
	/* What this call made: a unified cgroup made before (and a process
	 * born there) is the caller's to remove. */
	destroy_parts(cg, cg->parts, NULL);
	return cella_err_ret(err);
}

/* Write val into dir/file for resource field (its OCI value ocival). */
static int set(const char *dir, const char *file, const char *field, const char *val,
	       cella_error *err)
{
	if (cg_write(dir, file, val, err) < 0)
		return cella_err_context(err, "linux.resources.%s %s", field, val);
	return 0;
}

static int apply_memory(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = NULL;
	int64_t lim = r->has_memory_limit ? r->memory_limit : 0;
	int64_t swap = r->has_memory_swap ? r->memory_swap : 0;
	char lv[32], sv[32];

	if (!r->has_memory_limit && !r->has_memory_reservation && !r->has_memory_swap &&
	    !r->has_memory_swappiness && !r->has_memory_disable_oom_killer)
		return 0;
	if ((dir = v1_dir(cg, "memory", "linux.resources.memory", err)) == NULL)
		return cella_err_ret(err);
	/* As runc: an unlimited memory with no swap said is both unlimited. */
	if (lim == -1 && swap == 0)
		swap = -1;
	if (swap != 0 && !cg_has_file(dir, "memory.memsw.limit_in_bytes")) {
		/* Swap accounting off (swapaccount=0): nothing to limit. */
		if (r->has_memory_swap)
			cella_warn("linux.resources.memory.swap %" PRId64 ": ignored, the kernel "
				   "does not account swap (memory.memsw.limit_in_bytes is missing)",
				   swap);
		swap = 0;
	}
	snprintf(lv, sizeof(lv), "%" PRId64, lim);
	snprintf(sv, sizeof(sv), "%" PRId64, swap);
	if (r->has_memory_reservation) {
		char v[32];

		snprintf(v, sizeof(v), "%" PRId64, r->memory_reservation);
		if (set(dir, "memory.soft_limit_in_bytes", "memory.reservation", v, err) < 0)
			return cella_err_ret(err);
	}
	/* memory <= memory+swap at every step: memsw first when it grows past
	 * the current limit (or goes unlimited), the limit first otherwise
	 * (runc's order). */
	if (lim != 0 && swap != 0) {
		uint64_t cur = 0;

		if (cg_read_u64(dir, "memory.limit_in_bytes", &cur, err) < 0)
			return cella_err_context(err, "linux.resources.memory.limit %s", lv);
		if (swap == -1 || cur < (uint64_t)swap) {
			if (set(dir, "memory.memsw.limit_in_bytes", "memory.swap", sv, err) < 0)
				return cella_err_ret(err);
			swap = 0;
		}
	}
	if (lim != 0 && set(dir, "memory.limit_in_bytes", "memory.limit", lv, err) < 0)
		return cella_err_ret(err);
	if (swap != 0 && set(dir, "memory.memsw.limit_in_bytes", "memory.swap", sv, err) < 0)
		return cella_err_ret(err);
	if (r->has_memory_swappiness) {
		char v[32];

		snprintf(v, sizeof(v), "%" PRIu64, r->memory_swappiness);
		if (set(dir, "memory.swappiness", "memory.swappiness", v, err) < 0)
			return cella_err_ret(err);
	}
	/* An OOM then pauses the allocating task instead of killing one. */
	if (r->has_memory_disable_oom_killer &&
	    set(dir, "memory.oom_control", "memory.disableOOMKiller",
		r->memory_disable_oom_killer ? "1" : "0", err) < 0)
		return cella_err_ret(err);
	return 0;
}

/* The kernel gives a group real-time runtime only out of its parent's:
 * before the container's, each ancestor below the hierarchy's root that this
 * object created, and cella's own default parent (/cella), gets at least the
 * same share (runtime per period), never less than it had. Ancestors cella
 * did not create are left alone: a refusal then names the file. */
static int grant_rt_ancestors(struct cella_cgroup *cg, int i, int64_t runtime, uint64_t period,
			      cella_error *err)
{
	const char *mount = cg->host.v1[i].mount;
	cleanup_free char *path = xstrdup(cg->path);
	int level = 0;

	for (char *p = path + 1; (p = strchr(p, '/')) != NULL; p++) {
		cleanup_free char *dir = NULL;
		uint64_t anc_period = 0;
		int64_t have, want;
		cleanup_free char *cur = NULL;
		char v[32];

		*p = '\0';
		level++;
		if (!((cg->kept[i] >= 0 && level > cg->kept[i]) || strcmp(path, "/cella") == 0)) {
			*p = '/';
			continue;
		}
		dir = cg_dir(mount, path);
		*p = '/';
		if (cg_read_u64(dir, "cpu.rt_period_us", &anc_period, err) < 0 ||
		    cg_read(dir, "cpu.rt_runtime_us", &cur, err) < 0)
			return cella_err_context(err, "linux.resources.cpu.realtimeRuntime");
		have = atoll(cur);
		want = period > 0 ? (int64_t)((__int128)runtime * anc_period / period) : runtime;
		if (have < 0 || have >= want)
			continue;
		snprintf(v, sizeof(v), "%" PRId64, want);
		if (cg_write(dir, "cpu.rt_runtime_us", v, err) < 0)
			return cella_err_context(err,
						 "linux.resources.cpu.realtimeRuntime %" PRId64
						 ": give the parent cgroup `%s` real-time runtime",
						 runtime, dir);
	}
	return 0;
}

static int apply_cpu_rt(struct cella_cgroup *cg, const char *dir, const struct cella_resources *r,
			cella_error *err)
{
	uint64_t period = 0;
	char v[32];

	if (!cg_has_file(dir, "cpu.rt_runtime_us"))
		return cella_err(
		    err, ENOTSUP,
		    "linux.resources.cpu.realtime%s: the kernel has no real-time group "
		    "scheduling (CONFIG_RT_GROUP_SCHED)",
		    r->has_cpu_rt_runtime ? "Runtime" : "Period");
	if (r->has_cpu_rt_period) {
		snprintf(v, sizeof(v), "%" PRIu64, r->cpu_rt_period);
		if (set(dir, "cpu.rt_period_us", "cpu.realtimePeriod", v, err) < 0)
			return cella_err_ret(err);
	}
	if (!r->has_cpu_rt_runtime)
		return 0;
	if (cg_read_u64(dir, "cpu.rt_period_us", &period, err) < 0)
		return cella_err_ret(err);
	if (r->cpu_rt_runtime > 0 &&
	    grant_rt_ancestors(cg, cg_v1_find(cg, "cpu"), r->cpu_rt_runtime, period, err) < 0)
		return cella_err_ret(err);
	snprintf(v, sizeof(v), "%" PRId64, r->cpu_rt_runtime);
	return set(dir, "cpu.rt_runtime_us", "cpu.realtimeRuntime", v, err);
}

/* The kernel clamps cpu.shares to 2..262144 without a word: read it back,
 * and refuse what it changed (as runc does). */
static int apply_shares(const char *dir, uint64_t shares, cella_error *err)
{
	uint64_t got = 0;
	char v[32];

	snprintf(v, sizeof(v), "%" PRIu64, shares);
	if (set(dir, "cpu.shares", "cpu.shares", v, err) < 0 ||
	    cg_read_u64(dir, "cpu.shares", &got, err) < 0)
		return cella_err_context(err, "linux.resources.cpu.shares %s", v);
	if (got != shares)
		return cella_err_invalid(
		    err, "linux.resources.cpu.shares %s: the %s allowed is %" PRIu64, v,
		    shares > got ? "maximum" : "minimum", got);
	return 0;
}

/* The period first (a quota is checked against it); when the kernel refuses
 * it (EINVAL: the old quota over the new period is more than the parent
 * allows) and a quota comes too, the quota first and the period after, as
 * runc does. */
static int apply_cfs(const char *dir, const struct cella_resources *r, cella_error *err)
{
	bool period_later = false;
	char pv[32], qv[32];

	snprintf(pv, sizeof(pv), "%" PRIu64, r->cpu_period);
	snprintf(qv, sizeof(qv), "%" PRId64, r->cpu_quota);
	if (r->has_cpu_period) {
		cella_error e;

		if (cg_write(dir, "cpu.cfs_period_us", pv, &e) < 0) {
			if (e.errnum != EINVAL || !r->has_cpu_quota) {
				*err = e;
				return cella_err_context(err, "linux.resources.cpu.period %s", pv);
			}
			period_later = true;
		}
	}
	if (r->has_cpu_quota && set(dir, "cpu.cfs_quota_us", "cpu.quota", qv, err) < 0)
		return cella_err_ret(err);
	if (period_later && set(dir, "cpu.cfs_period_us", "cpu.period", pv, err) < 0)
		return cella_err_ret(err);
	return 0;
}

static int apply_cpu(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = NULL;
	char v[32];

	if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst ||
	    r->has_cpu_idle || r->has_cpu_rt_period || r->has_cpu_rt_runtime) {
		if ((dir = v1_dir(cg, "cpu", "linux.resources.cpu", err)) == NULL)
			return cella_err_ret(err);
		if ((r->has_cpu_rt_period || r->has_cpu_rt_runtime) &&
		    apply_cpu_rt(cg, dir, r, err) < 0)
			return cella_err_ret(err);
		if (r->has_cpu_idle) {
			snprintf(v, sizeof(v), "%" PRId64, r->cpu_idle);
			if (!cg_has_file(dir, "cpu.idle"))
				return cella_err(err, ENOTSUP,
						 "linux.resources.cpu.idle %s: the kernel has no "
						 "cpu.idle",
						 v);
			if (set(dir, "cpu.idle", "cpu.idle", v, err) < 0)
				return cella_err_ret(err);
		}
		if (r->has_cpu_shares && apply_shares(dir, r->cpu_shares, err) < 0)
			return cella_err_ret(err);
		if ((r->has_cpu_period || r->has_cpu_quota) && apply_cfs(dir, r, err) < 0)
			return cella_err_ret(err);
		if (r->has_cpu_burst) {
			snprintf(v, sizeof(v), "%" PRIu64, r->cpu_burst);
			if (!cg_has_file(dir, "cpu.cfs_burst_us"))
				return cella_err(err, ENOTSUP,
						 "linux.resources.cpu.burst %s: the kernel has no "
						 "cpu.cfs_burst_us",
						 v);
			if (set(dir, "cpu.cfs_burst_us", "cpu.burst", v, err) < 0)
				return cella_err_ret(err);
		}
	}
	if (r->cpu_cpus != NULL || r->cpu_mems != NULL) {
		cleanup_free char *cs = v1_dir(cg, "cpuset", "linux.resources.cpu", err);

		if (cs == NULL)
			return cella_err_ret(err);
		/* Widened before narrowed where nested cgroups need it. */
		if (r->cpu_mems != NULL && cg_cpuset_write(cs, "cpuset.mems", r->cpu_mems, err) < 0)
			return cella_err_context(err, "linux.resources.cpu.mems %s", r->cpu_mems);
		if (r->cpu_cpus != NULL && cg_cpuset_write(cs, "cpuset.cpus", r->cpu_cpus, err) < 0)
			return cella_err_context(err, "linux.resources.cpu.cpus %s", r->cpu_cpus);
	}
	return 0;
}

/* "c 1:3 rwm" into devices.allow or devices.deny, in the spec's order; each
 * file opened once for all its rules (one rule a write). */
static int apply_devices(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = NULL;
	cleanup_close int allow = -1;
	cleanup_close int deny = -1;

	if (r->n_devices == 0)
		return 0;
	if ((dir = v1_dir(cg, "devices", "linux.resources.devices", err)) == NULL)
		return cella_err_ret(err);
	for (size_t i = 0; i < r->n_devices; i++) {
		const struct cella_device_rule *d = &r->devices[i];
		char maj[24], min[24], v[64];

		if (d->major < 0)
			snprintf(maj, sizeof(maj), "*");
		else
			snprintf(maj, sizeof(maj), "%" PRId64, d->major);
		if (d->minor < 0)
			snprintf(min, sizeof(min), "*");
		else
			snprintf(min, sizeof(min), "%" PRId64, d->minor);
		snprintf(v, sizeof(v), "%c %s:%s %s", d->type, maj, min, d->access);
		if (cg_write_keep(dir, d->allow ? "devices.allow" : "devices.deny",
				  d->allow ? &allow : &deny, v, err) < 0)
			return cella_err_context(err, "linux.resources.devices `%s`", v);
	}
	return 0;
}

/* blkio.throttle.*_device: "MAJ:MIN RATE", one device a write (0 removes). */
static int apply_throttle(struct cella_cgroup *cg, const struct cella_resources *r,
			  cella_error *err)
{
	static const char *const files[CELLA_THROTTLE_N] = {
	    [CELLA_THROTTLE_READ_BPS] = "blkio.throttle.read_bps_device",
	    [CELLA_THROTTLE_WRITE_BPS] = "blkio.throttle.write_bps_device",
	    [CELLA_THROTTLE_READ_IOPS] = "blkio.throttle.read_iops_device",
	    [CELLA_THROTTLE_WRITE_IOPS] = "blkio.throttle.write_iops_device",
	};
	cleanup_free char *dir = NULL;

	for (size_t t = 0; t < CELLA_THROTTLE_N; t++) {
		for (size_t i = 0; i < r->n_throttle[t]; i++) {
			const struct cella_throttle_device *d = &r->throttle[t][i];
			char v[64];

			if (dir == NULL &&
			    (dir = v1_dir(cg, "blkio", "linux.resources.blockIO", err)) == NULL)
				return cella_err_ret(err);
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				 d->minor, d->rate);
			char field[64];

			snprintf(field, sizeof(field), "blockIO.%s", cella_throttle_names[t]);
			if (set(dir, files[t], field, v, err) < 0)
				return cella_err_ret(err);
		}
	}
	return 0;
}

static int apply_hugetlb(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = NULL;

	if (r->n_hugetlb == 0)
		return 0;
	if ((dir = v1_dir(cg, "hugetlb", "linux.resources.hugepageLimits", err)) == NULL)
		return cella_err_ret(err);
	for (size_t i = 0; i < r->n_hugetlb; i++) {
		cleanup_free char *file =
		    xasprintf("hugetlb.%s.limit_in_bytes", r->hugetlb[i].page_size);
		char v[32];

		snprintf(v, sizeof(v), "%" PRIu64, r->hugetlb[i].limit);
		if (!cg_has_file(dir, file))
			return cella_err(err, ENOENT,
					 "linux.resources.hugepageLimits %s %s: no %s in cgroup "
					 "`%s` (page size not supported?)",
					 r->hugetlb[i].page_size, v, file, dir);
		if (set(dir, file, "hugepageLimits", v, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

/* blockIO leafWeight and weightDevice: CFQ's files where the kernel still
 * has them (before 5.0), else BFQ's per-device weights; refused naming the
 * field where neither is (and by the kernel for a device whose scheduler is
 * not BFQ). */
static int apply_blkio_weights(struct cella_cgroup *cg, const struct cella_resources *r,
			       cella_error *err)
{
	cleanup_free char *dir = NULL;

	if (!r->has_blkio_leaf_weight && r->n_weight_device == 0)
		return 0;
	if ((dir = v1_dir(cg, "blkio", "linux.resources.blockIO", err)) == NULL)
		return cella_err_ret(err);
	if (r->has_blkio_leaf_weight) {
		char v[16];

		snprintf(v, sizeof(v), "%u", (unsigned)r->blkio_leaf_weight);
		if (!cg_has_file(dir, "blkio.leaf_weight"))
			return cella_err(err, ENOTSUP,
					 "linux.resources.blockIO.leafWeight %s: the kernel has no "
					 "blkio.leaf_weight (CFQ's; BFQ has no leaf weight)",
					 v);
		if (set(dir, "blkio.leaf_weight", "blockIO.leafWeight", v, err) < 0)
			return cella_err_ret(err);
	}
	for (size_t i = 0; i < r->n_weight_device; i++) {
		const struct cella_weight_device *d = &r->weight_device[i];
		const char *wfile = cg_has_file(dir, "blkio.weight_device")
					? "blkio.weight_device"
					: "blkio.bfq.weight_device";
		char v[64], field[64];

		snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
		if (d->weight != 0) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->weight);
			if (!cg_has_file(dir, wfile))
				return cella_err(err, ENOTSUP,
						 "linux.resources.%s.weight `%s`: the kernel has "
						 "no BFQ (blkio.bfq.weight_device is missing)",
						 field, v);
			if (set(dir, wfile, field, v, err) < 0)
				return cella_err_ret(err);
		}
		if (d->leaf_weight != 0) {
			snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
				 (unsigned)d->leaf_weight);
			if (!cg_has_file(dir, "blkio.leaf_weight_device"))
				return cella_err(err, ENOTSUP,
						 "linux.resources.%s.leafWeight `%s`: the kernel "
						 "has no blkio.leaf_weight_device (CFQ's; BFQ has "
						 "no leaf weight)",
						 field, v);
			if (set(dir, "blkio.leaf_weight_device", field, v, err) < 0)
				return cella_err_ret(err);
		}
	}
	return 0;
}

/* network: net_cls.classid and net_prio.ifpriomap, one interface a write. */
static int apply_network(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	if (r->has_net_classid) {
		cleanup_free char *dir =
		    v1_dir(cg, "net_cls", "linux.resources.network.classID", err);
		char v[16];

		if (dir == NULL)
			return cella_err_ret(err);
		snprintf(v, sizeof(v), "%" PRIu32, r->net_classid);
		if (set(dir, "net_cls.classid", "network.classID", v, err) < 0)
			return cella_err_ret(err);
	}
	if (r->n_net_prio > 0) {
		cleanup_free char *dir =
		    v1_dir(cg, "net_prio", "linux.resources.network.priorities", err);

		if (dir == NULL)
			return cella_err_ret(err);
		for (size_t i = 0; i < r->n_net_prio; i++) {
			char v[48];

			snprintf(v, sizeof(v), "%s %" PRIu32, r->net_prio[i].name,
				 r->net_prio[i].priority);
			if (set(dir, "net_prio.ifpriomap", "network.priorities", v, err) < 0)
				return cella_err_ret(err);
		}
	}
	return 0;
}

static int v1_apply(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	/* As runc: v2 keys have no meaning for the v1 controllers. */
	if (r->n_unified > 0)
		return cella_err_invalid(err,
					 "linux.resources.unified.%s: cgroup v2 keys cannot be "
					 "applied on this %s cgroup host (limits go through v1)",
					 r->unified[0].key,
					 cella_cgroup_layout_name(cg->host.layout));
	if (apply_memory(cg, r, err) < 0 || apply_cpu(cg, r, err) < 0 ||
	    apply_devices(cg, r, err) < 0 || apply_throttle(cg, r, err) < 0 ||
	    apply_hugetlb(cg, r, err) < 0 || apply_blkio_weights(cg, r, err) < 0 ||
	    apply_network(cg, r, err) < 0)
		return cella_err_ret(err);
	if (r->has_pids_limit) {
		cleanup_free char *dir = v1_dir(cg, "pids", "linux.resources.pids", err);
		char v[32];

		if (dir == NULL)
			return cella_err_ret(err);
		if (r->pids_limit > 0)
			snprintf(v, sizeof(v), "%" PRId64, r->pids_limit);
		else
			snprintf(v, sizeof(v), "max");
		if (set(dir, "pids.max", "pids.limit", v, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_blkio_weight) {
		cleanup_free char *dir = v1_dir(cg, "blkio", "linux.resources.blockIO", err);
		const char *file = "blkio.weight";
		char v[32];

		if (dir == NULL)
			return cella_err_ret(err);
		if (!cg_has_file(dir, file) && cg_has_file(dir, "blkio.bfq.weight"))
			file = "blkio.bfq.weight";
		snprintf(v, sizeof(v), "%u", (unsigned)r->blkio_weight);
		if (set(dir, file, "blockIO.weight", v, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

static int v1_enter(struct cella_cgroup *cg, pid_t pid, unsigned skip, cella_error *err)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", (int)pid);
	for (size_t i = 0; i <= CG_UNIFIED; i++) {
		const char *mount = i == CG_UNIFIED	? cg->host.unified
				    : i < cg->host.n_v1 ? cg->host.v1[i].mount
							: NULL;
		cleanup_free char *dir = NULL;

		if (mount == NULL ||
		    (skip & (i == CG_UNIFIED ? CELLA_CGROUP_SKIP_UNIFIED : CELLA_CGROUP_SKIP_V1)))
			continue;
		dir = cg_dir(mount, cg->path);
		if (cg_write(dir, "cgroup.procs", v, err) < 0)
			return cella_err_context(err, "move pid %d into cgroup `%s`", (int)pid,
						 dir);
	}
	return 0;
}

static int v1_self_entry_open(struct cella_cgroup *cg, struct cella_cgroup_self_entry *e,
			      cella_error *err)
{
	for (size_t i = 0; i < cg->host.n_v1; i++) {
		char *dir = cg_dir(cg->host.v1[i].mount, cg->path);
		cleanup_free char *file = xasprintf("%s/tasks", dir);
		int fd = open(file, O_WRONLY | O_CLOEXEC);

		if (fd < 0) {
			cella_err(err, errno, "open `%s`", file);
			free(dir);
			return cella_err_ret(err);
		}
		e->fd[e->n] = fd;
		e->dir[e->n++] = dir;
	}
	return 0;
}

static int v1_freeze(struct cella_cgroup *cg, bool frozen, cella_error *err)
{
	cleanup_free char *dir = v1_dir(cg, "freezer", frozen ? "freeze" : "thaw", err);
	const char *want = frozen ? "FROZEN" : "THAWED";

	if (dir == NULL)
		return cella_err_ret(err);
	/* FREEZING can last while tasks are in uninterruptible sleep: write
	 * again now and then, give up after about 2 s. */
	for (int i = 0; i < 200; i++) {
		cleanup_free char *state = NULL;

		if (i % 10 == 0 && cg_write(dir, "freezer.state", want, err) < 0)
			return cella_err_context(err, "%s cgroup `%s`", frozen ? "freeze" : "thaw",
						 dir);
		if (cg_read(dir, "freezer.state", &state, err) < 0)
			return cella_err_ret(err);
		state[strcspn(state, "\n")] = '\0';
		if (!strcmp(state, want))
			return 0;
		cg_wait_step(i);
	}
	if (frozen)
		cg_write(dir, "freezer.state", "THAWED", NULL);
	return cella_err(err, EBUSY, "%s cgroup `%s`: still not %s", frozen ? "freeze" : "thaw",
			 dir, want);
}

static int v1_frozen(struct cella_cgroup *cg, bool *out, cella_error *err)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *state = NULL;

	*out = false;
	if (v1_find(cg, "freezer") < 0)
		return 0;
	dir = v1_dir(cg, "freezer", "freezer state", err);
	if (cg_read(dir, "freezer.state", &state, err) < 0)
		return cella_err_ret(err);
	state[strcspn(state, "\n")] = '\0';
	*out = strcmp(state, "FROZEN") == 0;
	return 0;
}

/* sig to every process of the cgroup's unified directory, the whole kill of
 * the v2 driver (cgroup.kill, or frozen while signalled), which needs only
 * that directory; nothing when it is not there either. */
static int kill_unified_only(struct cella_cgroup *cg, int sig, cella_error *err)
{
	cleanup_free char *u = cg_dir(cg->host.unified, cg->path);

	if (access(u, F_OK) < 0 && errno == ENOENT)
		return 0;
	return cella_cgroup_driver_v2.kill(cg, sig, err);
}

static int v1_kill(struct cella_cgroup *cg, int sig, cella_error *err)
{
	cleanup_free char *dir = NULL;
	bool freezer = v1_find(cg, "freezer") >= 0;
	bool was_frozen = false;
	bool empty = false;

	dir = freezer ? v1_dir(cg, "freezer", "kill", err) : cg_dir(cg->host.v1[0].mount, cg->path);
	if (dir == NULL)
		return cella_err_ret(err);
	/* Never made in the v1 hierarchies (a runtime killed between its
	 * clone and #4e, cella_cgroup_create_begin): what there is, is in
	 * the unified one. */
	if (access(dir, F_OK) < 0 && errno == ENOENT)
		return cg->host.unified != NULL ? kill_unified_only(cg, sig, err) : 0;
	/* Nothing to signal in an empty cgroup with no child cgroup (the usual
	 * case once the init has exited): freezing it would only cost two
	 * freezer.state writes, each of which flips a kernel static key,
	 * patching code on every CPU. Only a process inside can fork a new one
	 * in. */
	if (cg_v1_subtree_empty(dir, &empty, err) < 0)
		return cella_err_ret(err);
	if (empty && cg->host.unified != NULL) {
		/* (and none left in the unified hierarchy, which cgroup.kill
		 * below reaches too) */
		cleanup_free char *u = cg_dir(cg->host.unified, cg->path);
		bool populated = true;

		if (cg_unified_populated(u, &populated, NULL) < 0 || populated)
			empty = false;
	}
	if (empty)
		return 0;
	if (freezer && v1_frozen(cg, &was_frozen, err) < 0)
		return cella_err_ret(err);
	/* A task frozen by the v1 freezer does not die of SIGKILL until it is
	 * thawed: cgroup.kill in the unified hierarchy would wait in vain. */
	if (sig == SIGKILL && cg->host.unified != NULL && !was_frozen) {
		cleanup_free char *u = cg_dir(cg->host.unified, cg->path);
		int r = cg_unified_kill(u, err);

		if (r != 0)
			return r;
	}
	/* Frozen, the processes cannot fork new ones between reading
	 * cgroup.procs and signalling them. */
	for (int round = 0; round < 100; round++) {
		size_t seen = 0;
		int r;

		if (freezer && !(was_frozen && round == 0) && v1_freeze(cg, true, err) < 0)
			return cella_err_ret(err);
		r = cg_signal_procs(dir, sig, &seen, err);
		/* A paused container stays paused, unless it is being killed. */
		if (freezer && (!was_frozen || sig == SIGKILL) &&
		    v1_freeze(cg, false, r < 0 ? NULL : err) < 0 && r == 0)
			return cella_err_ret(err);
		if (r < 0)
			return r;
		if (sig != SIGKILL || seen == 0)
			break;
		cg_wait_step(round);
	}
	return sig == SIGKILL ? cg_wait_empty(dir, err) : 0;
}

int cg_v1_find(const struct cella_cgroup *cg, const char *ctl)
{
	return v1_find(cg, ctl);
}

const struct cella_cgroup_driver cella_cgroup_driver_v1 = {
    .name = "v1",
    .create = v1_create,
    .apply = v1_apply,
    .enter = v1_enter,
    .self_entry_open = v1_self_entry_open,
    .freeze = v1_freeze,
    .frozen = v1_frozen,
    .frozen_task_state = 'D',
    .kill = v1_kill,
    .stats = cg_v1_stats,
    .oom_watch = cg_v1_oom_watch,
    .oom_read = cg_v1_oom_read,
    .destroy = v1_destroy,
};
