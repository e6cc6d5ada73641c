/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup v2 driver: one directory in the unified hierarchy. Controllers
 * the resources need are enabled in cgroup.subtree_control along the path
 * (after checking cgroup.controllers, so that a missing one is named);
 * freeze is cgroup.freeze (waiting for cgroup.events to say frozen), kill
 * is cgroup.kill where the kernel has it.
 */
#include "kernel/cgroup_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* A controller the resources need, and the first field that needs it. */
struct need {
	const char *ctl;
	const char *field;
};

#define MAX_NEED 16

/* Add ctl unless it is there already. */
static void need_add(struct need *out, size_t *n, const char *ctl, const char *field)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(out[i].ctl, ctl))
			return;
	if (*n < MAX_NEED)
		out[(*n)++] = (struct need){ctl, field};
}

static size_t needed(const struct cella_resources *r, struct need *out)
{
	static const char *const ctls[] = {"cpu",     "cpuset", "io",	"memory",
					   "hugetlb", "pids",	"rdma", "misc"};
	size_t n = 0;

	if (r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap)
		out[n++] = (struct need){"memory", "linux.resources.memory"};
	if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst)
		out[n++] = (struct need){"cpu", "linux.resources.cpu"};
	if (r->cpu_cpus != NULL || r->cpu_mems != NULL)
		out[n++] = (struct need){"cpuset", "linux.resources.cpu"};
	if (r->has_pids_limit)
		out[n++] = (struct need){"pids", "linux.resources.pids"};
	if (r->has_blkio_weight)
		out[n++] = (struct need){"io", "linux.resources.blockIO"};
	for (size_t i = 0; i < CELLA_THROTTLE_N; i++)
		if (r->n_throttle[i] > 0)
			need_add(out, &n, "io", "linux.resources.blockIO");
	if (r->n_hugetlb > 0)
		need_add(out, &n, "hugetlb", "linux.resources.hugepageLimits");
	/* unified keys: the controller their name starts with. */
	for (size_t i = 0; i < r->n_unified; i++)
		for (size_t c = 0; c < ARRAY_SIZE(ctls); c++)
			if (str_has_prefix(r->unified[i].key, ctls[c]) &&
			    r->unified[i].key[strlen(ctls[c])] == '.')
				need_add(out, &n, ctls[c], "linux.resources.unified");
	return n;
}

/* Is word in the space-separated list? */
static bool has_word(const char *list, const char *word)
{
	size_t wl = strlen(word);

	for (const char *p = list; (p = strstr(p, word)) != NULL; p += wl)
		if ((p == list || p[-1] == ' ') && (p[wl] == ' ' || p[wl] == '\n' || p[wl] == '\0'))
			return true;
	return false;
}

struct level_data {
	struct need need[MAX_NEED];
	size_t n;
};

/* Every level above the leaf: the needed controllers available and enabled
 * for its children. */
static int enable_level(const char *dir, const char *parent, bool created, bool leaf, void *data,
			cella_error *err)
{
	struct level_data *d = data;
	cleanup_free char *avail = NULL;
	cleanup_free char *enabled = NULL;

	if (leaf || d->n == 0)
		return 0;
	if (cg_read(dir, "cgroup.controllers", &avail, err) < 0 ||
	    cg_read(dir, "cgroup.subtree_control", &enabled, err) < 0)
		return cella_err_context(err, "cgroup `%s`", dir);
	for (size_t i = 0; i < d->n; i++) {
		cleanup_free char *plus = NULL;

		if (has_word(enabled, d->need[i].ctl))
			continue;
		if (!has_word(avail, d->need[i].ctl)) {
			avail[strcspn(avail, "\n")] = '\0';
			return cella_err(err, ENOTSUP,
					 "%s: the %s controller is not available in `%s` "
					 "(cgroup.controllers: %s)",
					 d->need[i].field, d->need[i].ctl, dir,
					 avail[0] ? avail : "none");
		}
		plus = xasprintf("+%s", d->need[i].ctl);
		if (cg_write(dir, "cgroup.subtree_control", plus, err) < 0)
			return cella_err_context(err, "%s: enable the %s controller in `%s`",
						 d->need[i].field, d->need[i].ctl, dir);
	}
	return 0;
}

static int v2_destroy(struct cella_cgroup *cg, cella_error *err)
{
	if (cg_rmdir_path(cg->host.unified, cg->path, cg->kept[CG_UNIFIED], err) < 0)
		return cella_err_ret(err);
	cg->kept[CG_UNIFIED] = CG_KEPT_NONE;
	return 0;
}

static int v2_create(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	struct level_data d;

	d.n = needed(r, d.need);
	return cg_mkdir_path(cg->host.unified, cg->path, &cg->kept[CG_UNIFIED], enable_level, &d,
			     err);
}

static int set(const char *dir, const char *file, const char *field, const char *ocival,
	       const char *val, cella_error *err)
{
	if (cg_write(dir, file, val, err) < 0)
		return cella_err_context(err, "linux.resources.%s %s", field, ocival);
	return 0;
}

static void fmt_max(char *buf, size_t size, int64_t v)
{
	if (v < 0)
		snprintf(buf, size, "max");
	else
		snprintf(buf, size, "%" PRId64, v);
}

static int apply_memory(const char *dir, const struct cella_resources *r, cella_error *err)
{
	char oci[32], val[32];

	if (r->has_memory_swappiness)
		cella_warn("linux.resources.memory.swappiness: ignored, cgroup v2 has no "
			   "per-cgroup swappiness");
	if (r->has_memory_reservation) {
		snprintf(oci, sizeof(oci), "%" PRId64, r->memory_reservation);
		fmt_max(val, sizeof(val), r->memory_reservation);
		if (set(dir, "memory.low", "memory.reservation", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_memory_swap && r->memory_swap != 0) {
		int64_t swap;

		if (cella_cgroup_swap_to_v2(r->has_memory_limit ? r->memory_limit : 0,
					    r->memory_swap, &swap, err) < 0)
			return cella_err_ret(err);
		snprintf(oci, sizeof(oci), "%" PRId64, r->memory_swap);
		fmt_max(val, sizeof(val), swap);
		if (!cg_has_file(dir, "memory.swap.max"))
			cella_warn("linux.resources.memory.swap %s: ignored, the kernel does not "
				   "account swap (memory.swap.max is missing)",
				   oci);
		else if (set(dir, "memory.swap.max", "memory.swap", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_memory_limit && r->memory_limit != 0) {
		snprintf(oci, sizeof(oci), "%" PRId64, r->memory_limit);
		fmt_max(val, sizeof(val), r->memory_limit);
		if (set(dir, "memory.max", "memory.limit", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

static int apply_cpu(const char *dir, const struct cella_resources *r, cella_error *err)
{
	char oci[32], val[64];

	if (r->has_cpu_shares && r->cpu_shares != 0) {
		snprintf(oci, sizeof(oci), "%" PRIu64, r->cpu_shares);
		snprintf(val, sizeof(val), "%" PRIu64,
			 cella_cgroup_shares_to_weight(r->cpu_shares));
		if (set(dir, "cpu.weight", "cpu.shares", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_cpu_quota || r->has_cpu_period) {
		uint64_t period = r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;

		if (r->has_cpu_quota && r->cpu_quota > 0) {
			snprintf(oci, sizeof(oci), "%" PRId64, r->cpu_quota);
			snprintf(val, sizeof(val), "%" PRId64 " %" PRIu64, r->cpu_quota, period);
		} else {
			snprintf(oci, sizeof(oci), "%" PRIu64, period);
			snprintf(val, sizeof(val), "max %" PRIu64, period);
		}
		if (set(dir, "cpu.max", r->has_cpu_quota ? "cpu.quota" : "cpu.period", oci, val,
			err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_cpu_burst) {
		snprintf(oci, sizeof(oci), "%" PRIu64, r->cpu_burst);
		if (!cg_has_file(dir, "cpu.max.burst"))
			return cella_err(err, ENOTSUP,
					 "linux.resources.cpu.burst %s: the kernel has no "
					 "cpu.max.burst",
					 oci);
		if (set(dir, "cpu.max.burst", "cpu.burst", oci, oci, err) < 0)
			return cella_err_ret(err);
	}
	if (r->cpu_mems != NULL &&
	    set(dir, "cpuset.mems", "cpu.mems", r->cpu_mems, r->cpu_mems, err) < 0)
		return cella_err_ret(err);
	if (r->cpu_cpus != NULL &&
	    set(dir, "cpuset.cpus", "cpu.cpus", r->cpu_cpus, r->cpu_cpus, err) < 0)
		return cella_err_ret(err);
	return 0;
}

/* blockIO throttles: io.max takes "MAJ:MIN rbps=N" one key at a time. */
static int apply_io_max(const char *dir, const struct cella_resources *r, cella_error *err)
{
	static const char *const keys[CELLA_THROTTLE_N] = {
	    [CELLA_THROTTLE_READ_BPS] = "rbps",
	    [CELLA_THROTTLE_WRITE_BPS] = "wbps",
	    [CELLA_THROTTLE_READ_IOPS] = "riops",
	    [CELLA_THROTTLE_WRITE_IOPS] = "wiops",
	};
	static const char *const fields[CELLA_THROTTLE_N] = {
	    [CELLA_THROTTLE_READ_BPS] = "blockIO.throttleReadBpsDevice",
	    [CELLA_THROTTLE_WRITE_BPS] = "blockIO.throttleWriteBpsDevice",
	    [CELLA_THROTTLE_READ_IOPS] = "blockIO.throttleReadIOPSDevice",
	    [CELLA_THROTTLE_WRITE_IOPS] = "blockIO.throttleWriteIOPSDevice",
	};

	for (size_t t = 0; t < CELLA_THROTTLE_N; t++) {
		for (size_t i = 0; i < r->n_throttle[t]; i++) {
			const struct cella_throttle_device *d = &r->throttle[t][i];
			char oci[64], val[96];

			snprintf(oci, sizeof(oci), "%" PRId64 ":%" PRId64 " %" PRIu64, d->major,
				 d->minor, d->rate);
			if (d->rate == 0)
				snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=max",
					 d->major, d->minor, keys[t]);
			else
				snprintf(val, sizeof(val), "%" PRId64 ":%" PRId64 " %s=%" PRIu64,
					 d->major, d->minor, keys[t], d->rate);
			if (set(dir, "io.max", fields[t], oci, val, err) < 0)
				return cella_err_ret(err);
		}
	}
	return 0;
}

static int apply_hugetlb(const char *dir, const struct cella_resources *r, cella_error *err)
{
	for (size_t i = 0; i < r->n_hugetlb; i++) {
		cleanup_free char *file = xasprintf("hugetlb.%s.max", r->hugetlb[i].page_size);
		char oci[64];

		snprintf(oci, sizeof(oci), "%s %" PRIu64, r->hugetlb[i].page_size,
			 r->hugetlb[i].limit);
		if (!cg_has_file(dir, file))
			return cella_err(err, ENOENT,
					 "linux.resources.hugepageLimits %s: no %s in cgroup `%s` "
					 "(page size not supported?)",
					 oci, file, dir);
		if (set(dir, file, "hugepageLimits", oci, oci + strlen(r->hugetlb[i].page_size) + 1,
			err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

/* Last, as runc: unified keys win over the typed resources. */
static int apply_unified(const char *dir, const struct cella_resources *r, cella_error *err)
{
	for (size_t i = 0; i < r->n_unified; i++) {
		const struct cella_unified *u = &r->unified[i];

		if (!cg_has_file(dir, u->key))
			return cella_err(err, ENOENT,
					 "linux.resources.unified.%s: no such file in cgroup `%s` "
					 "(unknown key, or its controller is not available)",
					 u->key, dir);
		if (cg_write(dir, u->key, u->value, err) < 0)
			return cella_err_context(err, "linux.resources.unified.%s `%s`", u->key,
						 u->value);
	}
	return 0;
}

/* An opened cgroup (update): the controllers r needs may not have been
 * enabled when it was created; enable them in every ancestor. */
static int enable_ancestors(struct cella_cgroup *cg, const struct cella_resources *r,
			    cella_error *err)
{
	struct level_data d;

	d.n = needed(r, d.need);
	for (const char *p = cg->path; d.n > 0 && (p = strchr(p, '/')) != NULL; p++) {
		cleanup_free char *dir =
		    xasprintf("%s%.*s", cg->host.unified, (int)(p - cg->path), cg->path);

		if (enable_level(dir, NULL, false, false, &d, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

static int v2_apply(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	char oci[32], val[32];

	if (cg->kept[CG_UNIFIED] == CG_KEPT_LEAF && enable_ancestors(cg, r, err) < 0)
		return cella_err_ret(err);
	if (apply_memory(dir, r, err) < 0 || apply_cpu(dir, r, err) < 0)
		return cella_err_ret(err);
	if (r->has_pids_limit) {
		snprintf(oci, sizeof(oci), "%" PRId64, r->pids_limit);
		fmt_max(val, sizeof(val), r->pids_limit > 0 ? r->pids_limit : -1);
		if (set(dir, "pids.max", "pids.limit", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_blkio_weight && r->blkio_weight != 0) {
		snprintf(oci, sizeof(oci), "%u", (unsigned)r->blkio_weight);
		snprintf(val, sizeof(val), "default %" PRIu64,
			 cella_cgroup_blkio_to_io_weight(r->blkio_weight));
		if (set(dir, "io.weight", "blockIO.weight", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (apply_io_max(dir, r, err) < 0 || apply_hugetlb(dir, r, err) < 0 ||
	    apply_unified(dir, r, err) < 0)
		return cella_err_ret(err);
	/* Device rules on v2 need an eBPF program (BPF_CGROUP_DEVICE), which
	 * this driver does not attach yet: said, not silently dropped. */
	if (r->n_devices > 0)
		cella_warn("linux.resources.devices: not enforced on cgroup v2 yet (no eBPF "
			   "device filter); device access is bounded by /dev's contents and "
			   "the capability set only");
	return 0;
}

static int v2_enter(struct cella_cgroup *cg, pid_t pid, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	char v[16];

	snprintf(v, sizeof(v), "%d", (int)pid);
	if (cg_write(dir, "cgroup.procs", v, err) < 0)
		return cella_err_context(err, "move pid %d into cgroup `%s`", (int)pid, dir);
	return 0;
}

static int v2_freeze(struct cella_cgroup *cg, bool frozen, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	const char *what = frozen ? "freeze" : "thaw";

	if (cg_write(dir, "cgroup.freeze", frozen ? "1" : "0", err) < 0)
		return cella_err_context(err, "%s cgroup `%s`", what, dir);
	/* The write starts it; cgroup.events says when every task is. */
	for (int i = 0; i < 200; i++) {
		uint64_t state;

		if (cg_read_key(dir, "cgroup.events", "frozen", &state, err) < 0)
			return cella_err_context(err, "%s cgroup `%s`", what, dir);
		if (state == (frozen ? 1 : 0))
			return 0;
		cg_sleep_ms(10);
	}
	if (frozen)
		cg_write(dir, "cgroup.freeze", "0", NULL);
	return cella_err(err, EBUSY, "%s cgroup `%s`: cgroup.events does not say frozen %d", what,
			 dir, frozen ? 1 : 0);
}

static int v2_frozen(struct cella_cgroup *cg, bool *out, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	uint64_t v = 0;

	if (cg_read_key(dir, "cgroup.events", "frozen", &v, err) < 0)
		return cella_err_ret(err);
	*out = v == 1;
	return 0;
}

static int v2_kill(struct cella_cgroup *cg, int sig, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	bool was_frozen = false;

	/* Fatal signals reach frozen tasks in v2; other signals wait for the
	 * thaw, and a paused container stays paused. */
	if (v2_frozen(cg, &was_frozen, err) < 0)
		return cella_err_ret(err);

	if (sig == SIGKILL) {
		int r = cg_unified_kill(dir, err);

		if (r != 0)
			return r;
	}
	/* Before cgroup.kill (5.14), or another signal: frozen, the processes
	 * cannot fork between reading cgroup.procs and the signal. */
	for (int round = 0; round < 100; round++) {
		size_t seen = 0;
		int r;

		if (!was_frozen && v2_freeze(cg, true, err) < 0)
			return cella_err_ret(err);
		r = cg_signal_procs(dir, sig, &seen, err);
		if (!was_frozen && v2_freeze(cg, false, r < 0 ? NULL : err) < 0 && r == 0)
			return cella_err_ret(err);
		if (r < 0)
			return r;
		if (sig != SIGKILL || seen == 0)
			break;
		cg_sleep_ms(10);
	}
	return sig == SIGKILL ? cg_wait_empty(dir, err) : 0;
}

const struct cella_cgroup_driver cella_cgroup_driver_v2 = {
    .name = "v2",
    .create = v2_create,
    .apply = v2_apply,
    .enter = v2_enter,
    .freeze = v2_freeze,
    .frozen = v2_frozen,
    .kill = v2_kill,
    .stats = cg_v2_stats,
    .oom_watch = cg_v2_oom_watch,
    .oom_read = cg_v2_oom_read,
    .destroy = v2_destroy,
};
