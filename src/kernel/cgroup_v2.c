/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup v2 driver: one directory in the unified hierarchy. Controllers
 * the resources need are enabled in cgroup.subtree_control along the path
 * (after checking cgroup.controllers, so that a missing one is named);
 * freeze is cgroup.freeze (waiting for cgroup.events to say frozen), kill
 * is cgroup.kill where the kernel has it. Device rules are an eBPF program
 * attached to the cgroup (cgroup_bpf.h).
 *
 * Rootless (a delegated subtree, see cella_cgroup_delegated), creation
 * enables what the caller may enable: nothing above the cgroups it owns,
 * nothing in a cgroup that has processes (the kernel refuses controllers to
 * the children of such a cgroup, and enabling a threaded one there would
 * make them invalid domains). The controllers left out are named in one
 * warning, and the limits that need them are not applied.
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

#include "kernel/cgroup_bpf.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* The controllers resources can need; a bit each in cella_cgroup.v2_missing. */
static const char *const ctls[] = {"cpu",     "cpuset", "io",	"memory",
				   "hugetlb", "pids",	"rdma", "misc"};

static unsigned ctl_bit(const char *ctl)
{
	for (size_t c = 0; c < ARRAY_SIZE(ctls); c++)
		if (!strcmp(ctls[c], ctl))
			return 1u << c;
	return 0;
}

/* The controller a unified key belongs to ("memory.high": memory), NULL. */
static const char *unified_ctl(const char *key)
{
	for (size_t c = 0; c < ARRAY_SIZE(ctls); c++)
		if (str_has_prefix(key, ctls[c]) && key[strlen(ctls[c])] == '.')
			return ctls[c];
	return NULL;
}

/* A controller the resources need, and the first field that needs it;
 * rootless, why it could not be enabled (NULL: it was). */
struct need {
	const char *ctl;
	const char *field;
	char *why;
};

#define MAX_NEED 16

/* Add ctl unless it is there already. */
static void need_add(struct need *out, size_t *n, const char *ctl, const char *field)
{
	for (size_t i = 0; i < *n; i++)
		if (!strcmp(out[i].ctl, ctl))
			return;
	if (*n < MAX_NEED)
		out[(*n)++] = (struct need){ctl, field, NULL};
}

static size_t needed(const struct cella_resources *r, struct need *out)
{
	size_t n = 0;

	if (r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap)
		need_add(out, &n, "memory", "linux.resources.memory");
	if (r->has_cpu_shares || r->has_cpu_quota || r->has_cpu_period || r->has_cpu_burst ||
	    r->has_cpu_idle)
		need_add(out, &n, "cpu", "linux.resources.cpu");
	if (r->cpu_cpus != NULL || r->cpu_mems != NULL)
		need_add(out, &n, "cpuset", "linux.resources.cpu");
	if (r->has_pids_limit)
		need_add(out, &n, "pids", "linux.resources.pids");
	if (r->has_blkio_weight || r->n_weight_device > 0)
		need_add(out, &n, "io", "linux.resources.blockIO");
	for (size_t i = 0; i < CELLA_THROTTLE_N; i++)
		if (r->n_throttle[i] > 0)
			need_add(out, &n, "io", "linux.resources.blockIO");
	if (r->n_hugetlb > 0)
		need_add(out, &n, "hugetlb", "linux.resources.hugepageLimits");
	/* unified keys: the controller their name starts with. */
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *c = unified_ctl(r->unified[i].key);

		if (c != NULL)
			need_add(out, &n, c, "linux.resources.unified");
	}
	return n;
}

/* r without what needs the controllers in `missing` (pointers shared with r;
 * only *unified, the kept keys, is to be freed). */
static void without(const struct cella_resources *r, unsigned missing, struct cella_resources *out,
		    struct cella_unified **unified)
{
	*out = *r;
	*unified = NULL;
	if (missing & ctl_bit("memory"))
		out->has_memory_limit = out->has_memory_reservation = out->has_memory_swap = false;
	if (missing & ctl_bit("cpu"))
		out->has_cpu_shares = out->has_cpu_quota = out->has_cpu_period =
		    out->has_cpu_burst = out->has_cpu_idle = false;
	if (missing & ctl_bit("cpuset"))
		out->cpu_cpus = out->cpu_mems = NULL;
	if (missing & ctl_bit("pids"))
		out->has_pids_limit = false;
	if (missing & ctl_bit("io")) {
		out->has_blkio_weight = false;
		out->n_weight_device = 0;
		for (size_t t = 0; t < CELLA_THROTTLE_N; t++)
			out->n_throttle[t] = 0;
	}
	if (missing & ctl_bit("hugetlb"))
		out->n_hugetlb = 0;
	out->n_unified = 0;
	if (r->n_unified > 0)
		*unified = out->unified = xcalloc(r->n_unified, sizeof(*out->unified));
	for (size_t i = 0; i < r->n_unified; i++) {
		const char *c = unified_ctl(r->unified[i].key);

		if (c == NULL || !(missing & ctl_bit(c)))
			out->unified[out->n_unified++] = r->unified[i];
	}
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
	bool rootless; /* enable what can be, note why the rest cannot */
};

static void level_data_clear(struct level_data *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->need[i].why);
}

/* Rootless: enable what uid may at this level, note the rest. */
static void enable_owned(const char *dir, bool root, const char *avail, const char *enabled,
			 struct level_data *d)
{
	bool owned = cg_owned(dir, "cgroup.subtree_control", geteuid());
	bool busy = false;

	if (owned && !root) {
		cleanup_free char *procs = NULL;

		busy = cg_read(dir, "cgroup.procs", &procs, NULL) < 0 || procs[0] != '\0';
	}
	for (size_t i = 0; i < d->n; i++) {
		struct need *n = &d->need[i];
		cleanup_free char *plus = NULL;
		cella_error e;

		if (n->why != NULL || has_word(enabled, n->ctl))
			continue;
		if (!has_word(avail, n->ctl))
			n->why = xasprintf("not available in `%s`", dir);
		else if (!owned)
			n->why = xasprintf("not enabled in `%s`, whose cgroup.subtree_control uid "
					   "%u cannot write",
					   dir, (unsigned)geteuid());
		else if (busy)
			n->why = xasprintf("`%s` has processes, and cgroup v2 gives controllers "
					   "only to the children of a cgroup without",
					   dir);
		else {
			plus = xasprintf("+%s", n->ctl);
			if (cg_write(dir, "cgroup.subtree_control", plus, &e) < 0)
				n->why =
				    xasprintf("enable it in `%s`: %s", dir, strerror(e.errnum));
		}
	}
}

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
	if (d->rootless) {
		enable_owned(dir, parent == NULL, avail, enabled, d);
		return 0;
	}
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

/* Rootless: one warning naming the controllers left out, and why. */
static void warn_missing(struct cella_cgroup *cg, const struct level_data *d)
{
	cleanup_free char *list = NULL;

	for (size_t i = 0; i < d->n; i++) {
		char *tmp;

		if (d->need[i].why == NULL)
			continue;
		cg->v2_missing |= ctl_bit(d->need[i].ctl);
		tmp = xasprintf("%s%s%s (%s: %s)", list ? list : "", list ? "; " : "",
				d->need[i].ctl, d->need[i].field, d->need[i].why);
		free(list);
		list = tmp;
	}
	if (list != NULL)
		cella_warn("linux.resources: rootless, cgroup `%s` has no %s; those limits are not "
			   "applied",
			   cg->path, list);
}

static int v2_create(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	struct level_data d;
	const char *mnt;
	int ret;

	memset(&d, 0, sizeof(d));
	d.n = needed(r, d.need);
	d.rootless = geteuid() != 0;
	mnt = cg->host.unified;
	ret = cg_mkdir_path(mnt, cg->path, &cg->kept[CG_UNIFIED], enable_level, &d, err);
	if (ret == 0 && d.rootless)
		warn_missing(cg, &d);
	level_data_clear(&d);
	return ret;
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
	if (r->has_memory_disable_oom_killer)
		cella_warn("linux.resources.memory.disableOOMKiller: ignored, cgroup v2 cannot "
			   "turn the OOM killer off for a cgroup");
	if (r->has_memory_reservation) {
		snprintf(oci, sizeof(oci), "%" PRId64, r->memory_reservation);
		fmt_max(val, sizeof(val), r->memory_reservation);
		if (set(dir, "memory.low", "memory.reservation", oci, val, err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_memory_limit && r->memory_limit == -1 && !r->has_memory_swap &&
	    cg_has_file(dir, "memory.swap.max")) {
		/* As runc: an unlimited memory with no swap said is both
		 * unlimited. */
		if (set(dir, "memory.swap.max", "memory.limit", "-1", "max", err) < 0)
			return cella_err_ret(err);
	}
	if (r->has_memory_swap && r->memory_swap != 0) {
		int64_t swap = 0; /* gcc -flto: maybe-uninitialized */

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
	if (r->has_cpu_rt_runtime || r->has_cpu_rt_period)
		return cella_err(err, ENOTSUP,
				 "linux.resources.cpu.realtime%s: cgroup v2 has no real-time group "
				 "scheduling",
				 r->has_cpu_rt_runtime ? "Runtime" : "Period");
	if (r->has_cpu_idle) {
		snprintf(oci, sizeof(oci), "%" PRId64, r->cpu_idle);
		if (!cg_has_file(dir, "cpu.idle"))
			return cella_err(err, ENOTSUP,
					 "linux.resources.cpu.idle %s: the kernel has no cpu.idle",
					 oci);
		if (set(dir, "cpu.idle", "cpu.idle", oci, oci, err) < 0)
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
	/* Widened before narrowed where nested cgroups need it (v2 before
	 * Linux 6.x). */
	if (r->cpu_mems != NULL && cg_cpuset_write(dir, "cpuset.mems", r->cpu_mems, err) < 0)
		return cella_err_context(err, "linux.resources.cpu.mems %s", r->cpu_mems);
	if (r->cpu_cpus != NULL && cg_cpuset_write(dir, "cpuset.cpus", r->cpu_cpus, err) < 0)
		return cella_err_context(err, "linux.resources.cpu.cpus %s", r->cpu_cpus);
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
			char field[64];

			snprintf(field, sizeof(field), "blockIO.%s", cella_throttle_names[t]);
			if (set(dir, "io.max", field, oci, val, err) < 0)
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

/* Rootless, or root of a user namespace other than the initial one (nested
 * in a container): bpf(2) is not ours to call. */
static bool unprivileged(void)
{
	cleanup_free char *map = NULL;
	unsigned long inside, outside, count;

	if (geteuid() != 0)
		return true;
	if (read_file_at(AT_FDCWD, "/proc/self/uid_map", &map, NULL) < 0)
		return false;
	return sscanf(map, "%lu %lu %lu", &inside, &outside, &count) != 3 || inside != 0 ||
	       outside != 0 || count != 4294967295UL;
}

/* linux.resources.devices: a device filter for exactly these rules, put in
 * place of the one cella attached before (if any). */
static int apply_devices(const char *dir, const struct cella_resources *r, cella_error *err)
{
	cleanup_free struct bpf_insn *insns = NULL;
	cleanup_close int cgfd = -1;
	cleanup_close int prog = -1;
	struct cella_devcg d;
	size_t n = 0;
	int ret;

	if (r->n_devices == 0)
		return 0;
	cella_devcg_fold(r->devices, r->n_devices, &d);
	for (size_t i = 0; i < d.n_ignored; i++) {
		const struct cella_device_rule *rule = &r->devices[d.ignored[i].rule];
		const struct cella_devcg_entry *by = &d.ignored[i].by;
		char a[64], b[64];

		cella_devcg_format(rule->type, rule->major, rule->minor,
				   cella_devcg_access(rule->access), a, sizeof(a));
		cella_devcg_format(by->type, by->major, by->minor, by->access, b, sizeof(b));
		cella_warn("linux.resources.devices: the %s rule `%s` leaves the earlier %s rule "
			   "`%s` as it is (as on cgroup v1, a rule takes access away only from "
			   "the rule for exactly the same devices)",
			   rule->allow ? "allow" : "deny", a, rule->allow ? "deny" : "allow", b);
	}
	ret = cella_devcg_emit(&d, &insns, &n, err);
	cella_devcg_clear(&d);
	if (ret < 0)
		return cella_err_context(err, "linux.resources.devices");
	prog = cella_devcg_load(insns, n, err);
	if (prog == -EPERM && unprivileged()) {
		/* As crun: no bpf(2) for us. The user namespace already keeps
		 * the container from making device nodes. */
		cella_debug("linux.resources.devices: not enforced in a user namespace or "
			    "rootless (bpf: Operation not permitted)");
		return 0;
	}
	if (prog < 0)
		return cella_err_context(err, "linux.resources.devices");
	cgfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (cgfd < 0)
		return cella_err(err, errno, "linux.resources.devices: open cgroup `%s`", dir);
	if (cella_devcg_install(cgfd, prog, err) < 0)
		return cella_err_context(err, "linux.resources.devices: cgroup `%s`", dir);
	return 0;
}

/* blockIO.weightDevice: BFQ's per-device weights (io.bfq.weight takes
 * "MAJ:MIN WEIGHT", as runc writes them); refused naming the field where the
 * kernel has no BFQ, and by the kernel for a device not scheduled by it. v2
 * has no leaf weights, and no net_cls or net_prio. */
static int apply_blkio_net(const char *dir, const struct cella_resources *r, cella_error *err)
{
	if (r->has_blkio_leaf_weight)
		return cella_err(err, ENOTSUP,
				 "linux.resources.blockIO.leafWeight %u: cgroup v2 has no leaf "
				 "weight",
				 (unsigned)r->blkio_leaf_weight);
	if (r->has_net_classid || r->n_net_prio > 0)
		return cella_err(err, ENOTSUP,
				 "linux.resources.network.%s: cgroup v2 has no net_cls or net_prio "
				 "controller",
				 r->has_net_classid ? "classID" : "priorities");
	for (size_t i = 0; i < r->n_weight_device; i++) {
		const struct cella_weight_device *d = &r->weight_device[i];
		char v[64], field[64];

		snprintf(field, sizeof(field), "blockIO.weightDevice[%zu]", i);
		if (d->leaf_weight != 0)
			return cella_err(err, ENOTSUP,
					 "linux.resources.%s.leafWeight %u: cgroup v2 has no leaf "
					 "weight",
					 field, (unsigned)d->leaf_weight);
		snprintf(v, sizeof(v), "%" PRId64 ":%" PRId64 " %u", d->major, d->minor,
			 (unsigned)d->weight);
		if (!cg_has_file(dir, "io.bfq.weight"))
			return cella_err(err, ENOTSUP,
					 "linux.resources.%s.weight `%s`: the kernel has no BFQ "
					 "(io.bfq.weight is missing)",
					 field, v);
		if (set(dir, "io.bfq.weight", field, v, v, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

static int v2_apply(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *dir = cg_dir(cg->host.unified, cg->path);
	cleanup_free struct cella_unified *kept = NULL;
	struct cella_resources avail;
	char oci[32], val[32];

	if (cg->v2_missing != 0) {
		/* Rootless: what the controllers left out would fail on. */
		without(r, cg->v2_missing, &avail, &kept);
		r = &avail;
	}
	if (cg->kept[CG_UNIFIED] == CG_KEPT_LEAF && enable_ancestors(cg, r, err) < 0)
		return cella_err_ret(err);
	if (apply_blkio_net(dir, r, err) < 0 || apply_memory(dir, r, err) < 0 ||
	    apply_cpu(dir, r, err) < 0)
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
	    apply_unified(dir, r, err) < 0 || apply_devices(dir, r, err) < 0)
		return cella_err_ret(err);
	return 0;
}

static int v2_enter(struct cella_cgroup *cg, pid_t pid, unsigned skip, cella_error *err)
{
	cleanup_free char *dir = NULL;
	char v[16];

	if (skip & CELLA_CGROUP_SKIP_UNIFIED)
		return 0;
	dir = cg_dir(cg->host.unified, cg->path);
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
		cg_wait_step(i);
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
	bool populated = true;

	/* Nothing to signal in a cgroup with no process in it or below it
	 * (the usual case once the init has exited); only a process inside
	 * can fork a new one in. */
	if (cg_unified_populated(dir, &populated, err) < 0)
		return cella_err_ret(err);
	if (!populated)
		return 0;
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
		cg_wait_step(round);
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
