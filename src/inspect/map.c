/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella map`: gather what a process shares with the host, layer by layer,
 * into the JSON document docs/map-schema.md describes.
 *
 * Each layer is read from the kernel (/proc/PID/ns, status, mountinfo,
 * limits, the seccomp filter itself, the cgroup's files) and compared with
 * the same facts of the calling process, the "host". A layer that cannot be
 * read says "unknown" with the reason, and the others are still shown.
 */
#include "inspect/map_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/state.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/cgroup_limits.h"
#include "inspect/inspect.h"
#include "kernel/ns.h"
#include "kernel/personality.h"
#include "kernel/sched.h"
#include "kernel/seccomp.h"
#include "inspect/reach.h"
#include "inspect/seccomp_inspect.h"
#include "inspect/syscalls_kernel.h"
#include "util/cleanup.h"
#include "util/util.h"

/* ---- other containers, to name who a namespace is shared with ---- */

struct others {
	struct cella_state *list;
	size_t n;
};

static void others_load(const struct cella_map_target *t, struct others *o)
{
	cella_error ignored;

	memset(o, 0, sizeof(*o));
	if (t->state_root != NULL && cella_list(t->state_root, &o->list, &o->n, &ignored) < 0) {
		o->list = NULL;
		o->n = 0;
	}
}

static json_t *shared_with(const struct cella_map_target *t, const struct others *o,
			   enum cella_ns_type type, uint64_t ino)
{
	json_t *a = json_array();

	for (size_t i = 0; i < o->n; i++) {
		const struct cella_state *s = &o->list[i];

		if (s->pid <= 0 || s->status == CELLA_STATUS_STOPPED ||
		    (t->id != NULL && strcmp(s->id, t->id) == 0) || s->pid == t->pid)
			continue;
		if (ns_inode(s->pid, type) == ino)
			json_array_append_new(a, json_string(s->id));
	}
	return a;
}

/* ---- namespaces ---- */

static json_t *idmap_json(const char *text)
{
	json_t *a = json_array();

	for (const char *p = text; p != NULL && *p != '\0';) {
		unsigned long long in, out, len;

		if (sscanf(p, "%llu %llu %llu", &in, &out, &len) == 3) {
			json_t *m = json_object();

			set(m, "inside", json_integer((json_int_t)in));
			set(m, "outside", json_integer((json_int_t)out));
			set(m, "length", json_integer((json_int_t)len));
			json_array_append_new(a, m);
		}
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	return a;
}

/* The path of the "0::" line (else the first line's) of a /proc/PID/cgroup
 * text. malloc'd. */
static char *cgroup_line_path(const char *text, const char *want_ctl)
{
	cleanup_free char *copy = xstrdup(text != NULL ? text : "");
	char *save = NULL, *first = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':');
		char *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL)
			continue;
		*c2 = '\0';
		if (want_ctl == NULL ? strcmp(c1 + 1, "") == 0 && strncmp(l, "0:", 2) == 0
				     : inspect_has_option(c1 + 1, want_ctl))
			return xstrdup(c2 + 1);
		if (first == NULL)
			first = c2 + 1;
	}
	return xstrdup(first != NULL ? first : "/");
}

static json_t *netifs_json(const struct inspect_inside *in)
{
	json_t *a = json_array();

	for (size_t i = 0; i < in->n_ifs; i++) {
		json_t *o = json_object();
		json_t *addrs = json_array();

		for (char **p = in->ifs[i].addrs; p != NULL && *p != NULL; p++)
			json_array_append_new(addrs, json_string(*p));
		set(o, "name", json_string(in->ifs[i].name));
		set(o, "up", json_boolean(in->ifs[i].up));
		set(o, "loopback", json_boolean(in->ifs[i].loopback));
		set(o, "addresses", addrs);
		json_array_append_new(a, o);
	}
	return a;
}

static void ns_details(const struct cella_map_target *t, enum cella_ns_type type, json_t *o,
		       const struct inspect_inside *in, const struct inspect_inside *host,
		       const char *inside_err)
{
	cella_error e;

	switch (type) {
	case CELLA_NS_UTS:
		if (inside_err != NULL) {
			set(o, "error", json_string(inside_err));
			break;
		}
		set(o, "hostname", str_or_null(in->hostname));
		set(o, "domainname", str_or_null(in->domainname));
		set(o, "host_hostname", str_or_null(host->hostname));
		set(o, "host_domainname", str_or_null(host->domainname));
		break;
	case CELLA_NS_PID: {
		struct inspect_status st;
		size_t n = 0, unreadable = 0, hn = 0, hunreadable = 0;

		if (inspect_status(t->pid, &st, &e) == 0) {
			set(o, "pid_inside", json_integer(st.ns_pid));
			inspect_status_clear(&st);
		}
		if (inspect_count_pidns(ns_inode(t->pid, type), &n, &unreadable, &e) == 0) {
			set(o, "processes", json_integer((json_int_t)n));
			if (unreadable > 0)
				set(o, "processes_unplaced", json_integer((json_int_t)unreadable));
		}
		if (inspect_count_pidns(ns_inode(0, type), &hn, &hunreadable, &e) == 0)
			set(o, "host_processes", json_integer((json_int_t)hn));
		break;
	}
	case CELLA_NS_NET:
		if (inside_err != NULL) {
			set(o, "error", json_string(inside_err));
			break;
		}
		set(o, "interfaces", netifs_json(in));
		set(o, "host_interfaces", netifs_json(host));
		break;
	case CELLA_NS_USER: {
		cleanup_free char *uid_map = NULL, *gid_map = NULL, *setgroups = NULL;

		if (inspect_proc_file(t->pid, "uid_map", &uid_map, &e) < 0 ||
		    inspect_proc_file(t->pid, "gid_map", &gid_map, &e) < 0) {
			set(o, "error", json_string(e.msg));
			break;
		}
		set(o, "uid_map", idmap_json(uid_map));
		set(o, "gid_map", idmap_json(gid_map));
		if (inspect_proc_file(t->pid, "setgroups", &setgroups, &e) == 0)
			set(o, "setgroups", json_string(trim(setgroups)));
		{
			long long ru = inspect_map_id(uid_map, 0);
			long long rg = inspect_map_id(gid_map, 0);

			set(o, "root_host_uid", ru >= 0 ? json_integer(ru) : json_null());
			set(o, "root_host_gid", rg >= 0 ? json_integer(rg) : json_null());
		}
		break;
	}
	case CELLA_NS_CGROUP: {
		cleanup_free char *host_text = NULL;

		if (inside_err != NULL) {
			set(o, "error", json_string(inside_err));
			break;
		}
		{
			cleanup_free char *root = cgroup_line_path(in->cgroup, NULL);
			set(o, "root_inside", json_string(root));
		}
		if (inspect_proc_file(t->pid, "cgroup", &host_text, &e) == 0) {
			cleanup_free char *p = cgroup_line_path(host_text, NULL);
			set(o, "path_on_host", json_string(p));
		}
		break;
	}
	case CELLA_NS_TIME: {
		cleanup_free char *offs = NULL;
		json_t *m = json_object();

		if (inspect_proc_file(t->pid, "timens_offsets", &offs, &e) < 0) {
			json_decref(m);
			set(o, "error", json_string(e.msg));
			break;
		}
		for (const char *p = offs; p != NULL && *p != '\0';) {
			char clock[32];
			long long s;
			long ns;

			if (sscanf(p, "%31s %lld %ld", clock, &s, &ns) == 3) {
				json_t *c = json_object();
				set(c, "seconds", json_integer(s));
				set(c, "nanoseconds", json_integer(ns));
				set(m, clock, c);
			}
			p = strchr(p, '\n');
			if (p != NULL)
				p++;
		}
		set(o, "offsets", m);
		break;
	}
	case CELLA_NS_MOUNT:
	case CELLA_NS_IPC:
	case CELLA_NS_COUNT:
	default:
		break;
	}
}

/* The table's order is the creation order (user first); the map lists them
 * in the order people read them. */
static const enum cella_ns_type map_ns_order[CELLA_NS_COUNT] = {
    CELLA_NS_UTS, CELLA_NS_USER, CELLA_NS_MOUNT,  CELLA_NS_PID,
    CELLA_NS_IPC, CELLA_NS_NET,	 CELLA_NS_CGROUP, CELLA_NS_TIME,
};

static json_t *map_namespaces(const struct cella_map_target *t, const struct others *others,
			      int *n_isolated, int *n_known)
{
	json_t *a = json_array();
	struct inspect_inside in, host;
	cella_error ie, he;
	bool in_ok, host_ok;
	cleanup_free char *inside_err = NULL;

	in_ok = inspect_inside(t->pid, &in, &ie) == 0;
	host_ok = inspect_inside(0, &host, &he) == 0;
	if (!in_ok)
		inside_err = xstrdup(ie.msg);
	else if (!host_ok)
		inside_err = xstrdup(he.msg);
	*n_isolated = 0;
	*n_known = 0;
	for (int i = 0; i < CELLA_NS_COUNT; i++) {
		enum cella_ns_type type = map_ns_order[i];
		const struct cella_ns_info *info = &cella_ns_table[type];
		json_t *o = json_object();
		uint64_t ino = ns_inode(t->pid, type);
		uint64_t hino = ns_inode(0, type);
		const char *verdict;

		set(o, "type", json_string(info->proc_name));
		set(o, "isolates", json_string(info->isolates));
		set(o, "inode", ino != 0 ? json_integer((json_int_t)ino) : json_null());
		set(o, "host_inode", hino != 0 ? json_integer((json_int_t)hino) : json_null());
		if (ino == 0 || hino == 0) {
			verdict = V_UNKNOWN;
			set(o, "error",
			    json_string(ino == 0 ? "cannot read /proc/PID/ns (gone, not permitted, "
						   "or not in this kernel)"
						 : "cannot read the host's namespace"));
		} else if (ino == hino) {
			verdict = V_SHARED;
			(*n_known)++;
		} else {
			const char *path = t->spec != NULL && t->spec->linux_.ns[type].enabled
					       ? t->spec->linux_.ns[type].path
					       : NULL;
			verdict = path != NULL ? V_JOINED : V_ISOLATED;
			if (path != NULL)
				set(o, "joined_path", json_string(path));
			(*n_isolated)++;
			(*n_known)++;
		}
		set(o, "verdict", json_string(verdict));
		if (ino != 0)
			set(o, "shared_with", shared_with(t, others, type, ino));
		if (ino != 0)
			ns_details(t, type, o, &in, &host, inside_err);
		json_array_append_new(a, o);
	}
	if (in_ok)
		inspect_inside_clear(&in);
	if (host_ok)
		inspect_inside_clear(&host);
	return a;
}

/* ---- cgroup ---- */

static json_t *map_cgroup(const struct cella_map_target *t)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_free char *path = NULL, *text = NULL, *host_text = NULL, *host_path = NULL;
	struct cella_cgroup_host h = {0};
	struct cella_cgroup_stats stats;
	cella_error e;
	json_t *o = json_object(), *mem, *cpu, *pids;
	bool limited = false;

	if (cella_cgroup_detect(&h, &e) < 0) {
		json_decref(o);
		return unknown_layer(&e);
	}
	set(o, "layout", json_string(cella_cgroup_layout_name(h.layout)));
	if (inspect_proc_file(t->pid, "cgroup", &text, &e) < 0) {
		cella_cgroup_host_clear(&h);
		json_decref(o);
		return unknown_layer(&e);
	}
	{
		const char *ctl = h.layout == CELLA_CGROUP_UNIFIED ? NULL : "memory";
		path = t->cgroup_path != NULL && t->cgroup_path[0] != '\0'
			   ? xstrdup(t->cgroup_path)
			   : cgroup_line_path(text, ctl);
		if (inspect_proc_file(0, "cgroup", &host_text, &e) == 0)
			host_path = cgroup_line_path(host_text, ctl);
	}
	cella_cgroup_host_clear(&h);
	set(o, "path", json_string(path));
	set(o, "host_path", str_or_null(host_path));
	if (t->cgroup_path != NULL && t->cgroup_path[0] == '\0') {
		set(o, "verdict", json_string(V_SHARED));
		set(o, "note", json_string("the container has no cgroup of its own"));
		return o;
	}
	if (strcmp(path, "/") == 0 || cella_cgroup_open_proc(path, text, &cg, &e) < 0 ||
	    cella_cgroup_stats(cg, &stats, &e) < 0) {
		if (strcmp(path, "/") == 0)
			snprintf(e.msg, sizeof(e.msg), "the root cgroup");
		set(o, "verdict",
		    json_string(host_path != NULL && strcmp(path, host_path) == 0 ? V_SHARED
										  : V_UNKNOWN));
		set(o, "error", json_string(e.msg));
		return o;
	}
	set(o, "driver",
	    json_string(cella_cgroup_layout(cg) == CELLA_CGROUP_UNIFIED ? "v2" : "v1"));
	mem = json_object();
	set(mem, "limit", limit_json(stats.memory_limit));
	set(mem, "usage", json_integer((json_int_t)stats.memory_usage));
	set(mem, "max_usage", json_integer((json_int_t)stats.memory_max_usage));
	{
		/* One meaning on both drivers: memory + swap, as OCI's
		 * memory.swap and v1's memsw count it (v2 counts swap alone:
		 * memory is added, as runc's v2 stats do). */
		uint64_t use = stats.swap_usage, lim = stats.swap_limit;

		if (cella_cgroup_layout(cg) == CELLA_CGROUP_UNIFIED) {
			use = stats.memory_usage + stats.swap_usage;
			lim = stats.swap_limit == UINT64_MAX || stats.memory_limit == UINT64_MAX
				  ? UINT64_MAX
				  : stats.memory_limit + stats.swap_limit;
		}
		set(mem, "swap_limit", limit_json(lim));
		set(mem, "swap_usage", json_integer((json_int_t)use));
	}
	set(mem, "oom_kills", json_integer((json_int_t)stats.oom_kills));
	set(mem, "failcnt", json_integer((json_int_t)stats.memory_failcnt));
	set(o, "memory", mem);
	cpu = json_object();
	set(cpu, "usage_ns", json_integer((json_int_t)stats.cpu_usage_ns));
	set(cpu, "periods", json_integer((json_int_t)stats.cpu_periods));
	set(cpu, "throttled_periods", json_integer((json_int_t)stats.cpu_throttled_periods));
	set(cpu, "throttled_ns", json_integer((json_int_t)stats.cpu_throttled_ns));
	set(o, "cpu", cpu);
	pids = json_object();
	set(pids, "limit", limit_json(stats.pids_limit));
	set(pids, "current", json_integer((json_int_t)stats.pids_current));
	set(o, "pids", pids);
	{
		json_t *io = json_object();
		uint64_t rd = 0, wr = 0;

		for (size_t i = 0; i < stats.n_io_bytes; i++) {
			if (strcasecmp(stats.io_bytes[i].op, "read") == 0)
				rd += stats.io_bytes[i].value;
			else if (strcasecmp(stats.io_bytes[i].op, "write") == 0)
				wr += stats.io_bytes[i].value;
		}
		set(io, "read_bytes", json_integer((json_int_t)rd));
		set(io, "write_bytes", json_integer((json_int_t)wr));
		set(o, "io", io);
	}
	{
		struct cella_cgroup_limits lim;

		if (cella_cgroup_read_limits(cg, &lim, &e) < 0) {
			set(o, "limits_error", json_string(e.msg));
		} else {
			set(cpu, "quota_us",
			    lim.cpu_quota < 0 ? json_null() : json_integer(lim.cpu_quota));
			set(cpu, "period_us", json_integer((json_int_t)lim.cpu_period));
			set(cpu, lim.v2 ? "weight" : "shares",
			    json_integer((json_int_t)lim.cpu_weight));
			set(cpu, "cpus", str_or_null(lim.cpus));
			set(cpu, "mems", str_or_null(lim.mems));
			set(mem, "reservation", limit_json(lim.memory_low));
			{
				json_t *io = json_object_get(o, "io");
				json_t *thr = json_array();

				set(io, "weight",
				    lim.io_weight ? json_integer((json_int_t)lim.io_weight)
						  : json_null());
				for (char **p = lim.io_throttles; p != NULL && *p != NULL; p++)
					json_array_append_new(thr, json_string(*p));
				set(io, "throttles", thr);
				limited = limited || json_array_size(thr) > 0;
			}
			limited = limited || lim.cpu_quota >= 0 || lim.cpus != NULL;
			cella_cgroup_limits_clear(&lim);
		}
	}
	limited = limited || stats.memory_limit != UINT64_MAX || stats.pids_limit != UINT64_MAX;
	set(o, "verdict",
	    json_string(host_path != NULL && strcmp(path, host_path) == 0 ? V_SHARED
			: limited					  ? V_ISOLATED
									  : V_PARTIAL));
	cella_cgroup_stats_clear(&stats);
	return o;
}

/* ---- scheduling, I/O priority, execution domain ---- */

static json_t *sched_json(const struct inspect_sched *sc)
{
	json_t *o = json_object(), *x;
	const char *policy = cella_sched_policy_name(sc->policy);
	const char *io = cella_ioprio_class_name(sc->ioprio_class);

	x = json_object();
	set(x, "policy", policy != NULL ? json_string(policy) : json_integer(sc->policy));
	set(x, "nice", json_integer(sc->nice));
	set(x, "priority", json_integer(sc->rt_priority));
	set(o, "scheduler", x);
	x = json_object();
	set(x, "class",
	    sc->ioprio_class == 0 ? json_string("none (from the nice value)")
	    : io != NULL	  ? json_string(io)
				  : json_integer(sc->ioprio_class));
	set(x, "level", json_integer(sc->ioprio_level));
	set(o, "io_priority", x);
	if (sc->has_personality) {
		const char *d = cella_personality_domain_name(sc->personality & 0xff);
		x = json_object();
		set(x, "domain",
		    d != NULL ? json_string(d)
			      : json_integer((json_int_t)(sc->personality & 0xff)));
		set(x, "flags", json_sprintf("0x%lx", sc->personality & ~0xffUL));
		set(o, "personality", x);
	} else {
		set(o, "personality", json_null());
	}
	set(o, "oom_score_adj", json_integer(sc->oom_score_adj));
	return o;
}

/* ---- rlimits ---- */

static json_t *map_rlimits(const struct cella_map_target *t)
{
	struct inspect_rlimit mine[INSPECT_RLIMIT_MAX], host[INSPECT_RLIMIT_MAX];
	size_t n = 0, hn = 0;
	cella_error e;
	json_t *o, *a;
	bool differs = false;

	if (inspect_limits(t->pid, mine, &n, &e) < 0)
		return unknown_layer(&e);
	if (inspect_limits(0, host, &hn, &e) < 0)
		hn = 0;
	o = json_object();
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_object();
		const char *cmp = "unknown";

		set(x, "name", json_string(mine[i].name));
		set(x, "unit", json_string(mine[i].unit));
		set(x, "soft", limit_json(mine[i].soft));
		set(x, "hard", limit_json(mine[i].hard));
		for (size_t j = 0; j < hn; j++) {
			if (strcmp(host[j].name, mine[i].name) != 0)
				continue;
			set(x, "host_soft", limit_json(host[j].soft));
			set(x, "host_hard", limit_json(host[j].hard));
			if (mine[i].soft == host[j].soft && mine[i].hard == host[j].hard)
				cmp = "same";
			else if (mine[i].hard < host[j].hard || mine[i].soft < host[j].soft)
				cmp = "lower";
			else
				cmp = "higher";
		}
		differs = differs || strcmp(cmp, "same") != 0;
		set(x, "compared", json_string(cmp));
		json_array_append_new(a, x);
	}
	set(o, "limits", a);
	{
		struct inspect_sched sc, hsc;

		if (inspect_sched(t->pid, &sc, &e) == 0)
			set(o, "process", sched_json(&sc));
		else
			set(o, "process_error", json_string(e.msg));
		if (inspect_sched(0, &hsc, &e) == 0)
			set(o, "host_process", sched_json(&hsc));
	}
	set(o, "verdict", json_string(differs ? V_PARTIAL : V_SHARED));
	return o;
}

/* ---- the document ---- */

static json_t *map_target_json(const struct cella_map_target *t)
{
	json_t *o = json_object();
	cleanup_free char *cmd = cella_proc_cmdline(t->pid);

	set(o, "kind", json_string(t->id != NULL ? "container" : "process"));
	set(o, "id", str_or_null(t->id));
	set(o, "pid", json_integer(t->pid));
	set(o, "status", str_or_null(t->status));
	set(o, "bundle", str_or_null(t->bundle));
	set(o, "command", str_or_null(cmd));
	return o;
}

/* Every field docs/map-schema.json requires, by path: a layer that could
 * not be read in full (a bare process, a rootless caller, an unknown layer)
 * keeps them, null. Children of an object that is itself null stay out. */
static const char *const documented[] = {
    "filesystem.root",
    "filesystem.root.source",
    "filesystem.root.fstype",
    "filesystem.root.read_only",
    "filesystem.root.propagation",
    "filesystem.root.path",
    "filesystem.mounts",
    "filesystem.host_mounts",
    "filesystem.mount_list",
    "filesystem.writable_host_paths",
    "filesystem.masked_paths",
    "filesystem.readonly_paths",
    "filesystem.paths_from",
    "filesystem.devices",
    "filesystem.own_mount_namespace",
    "privileges.sets",
    "privileges.known_caps",
    "privileges.user_namespace",
    "privileges.note",
    "privileges.host_ids_reached",
    "privileges.ids",
    "privileges.no_new_privs",
    "privileges.securebits",
    "privileges.dumpable",
    "privileges.speculation_store_bypass",
    "privileges.lsm_label",
    "seccomp.mode",
    "seccomp.filters",
    "seccomp.source",
    "seccomp.arch",
    "seccomp.syscalls_total",
    "seccomp.syscalls",
    "seccomp.summary",
    "seccomp.default",
    "seccomp.compat",
    "seccomp.groups",
    "seccomp.dropped_rules",
    "cgroup.layout",
    "cgroup.driver",
    "cgroup.path",
    "cgroup.host_path",
    "cgroup.memory",
    "cgroup.memory.limit",
    "cgroup.memory.reservation",
    "cgroup.memory.usage",
    "cgroup.memory.max_usage",
    "cgroup.memory.swap_limit",
    "cgroup.memory.swap_usage",
    "cgroup.memory.oom_kills",
    "cgroup.memory.failcnt",
    "cgroup.cpu",
    "cgroup.cpu.quota_us",
    "cgroup.cpu.period_us",
    "cgroup.cpu.cpus",
    "cgroup.cpu.mems",
    "cgroup.cpu.usage_ns",
    "cgroup.cpu.periods",
    "cgroup.cpu.throttled_periods",
    "cgroup.cpu.throttled_ns",
    "cgroup.pids",
    "cgroup.pids.limit",
    "cgroup.pids.current",
    "cgroup.io",
    "cgroup.io.weight",
    "cgroup.io.throttles",
    "cgroup.io.read_bytes",
    "cgroup.io.write_bytes",
    "rlimits.limits",
    "rlimits.process",
    "rlimits.host_process",
};

static void fill_documented(json_t *doc)
{
	for (size_t i = 0; i < sizeof(documented) / sizeof(documented[0]); i++) {
		cleanup_free char *path = xstrdup(documented[i]);
		json_t *o = doc;
		char *save = NULL, *k = strtok_r(path, ".", &save), *next;

		for (; k != NULL; k = next) {
			next = strtok_r(NULL, ".", &save);
			if (next == NULL) {
				if (json_object_get(o, k) == NULL)
					set(o, k, json_null());
				break;
			}
			o = json_object_get(o, k);
			if (!json_is_object(o))
				break;
		}
	}
}

int cella_map_build(const struct cella_map_target *t, char **out, cella_error *err)
{
	cleanup_json_t json_t *doc = json_object();
	cleanup_spec struct cella_spec *defaults = NULL;
	struct others others;
	json_t *ns, *layers = json_object(), *v;
	int n_iso = 0, n_known = 0;
	struct inspect_status st;
	cleanup_close int pin = -1;

	/* The process must be there and ours to read; pinned, so that a map
	 * whose process exited (or whose pid was reused) midway is refused
	 * rather than mixed up. */
	pin = inspect_pin(t->pid, err);
	if (pin < 0) {
		json_decref(layers);
		return cella_err_ret(err);
	}
	if (inspect_status(t->pid, &st, err) < 0) {
		json_decref(layers);
		if (err->errnum == ENOENT || err->errnum == ESRCH)
			return cella_err(err, ESRCH, "process %d does not exist", t->pid);
		return cella_err_context(err, "inspect process %d", t->pid);
	}
	inspect_status_clear(&st);
	if (t->spec == NULL)
		defaults = cella_spec_default(false, 0, 0);
	others_load(t, &others);
	set(doc, "schema", json_string(CELLA_MAP_SCHEMA));
	set(doc, "target", map_target_json(t));
	ns = map_namespaces(t, &others, &n_iso, &n_known);
	set(doc, "namespaces", ns);
	set(doc, "filesystem", map_filesystem(t, defaults));
	set(doc, "privileges", map_privileges(t));
	set(doc, "seccomp", map_seccomp(t));
	set(doc, "cgroup", map_cgroup(t));
	set(doc, "rlimits", map_rlimits(t));
	cella_state_list_free(others.list, others.n);
	fill_documented(doc);

	set(layers, "namespaces",
	    json_string(n_known == 0		  ? V_UNKNOWN
			: n_iso == CELLA_NS_COUNT ? V_ISOLATED
			: n_iso == 0		  ? V_SHARED
						  : V_PARTIAL));
	{
		static const char *const names[] = {"filesystem", "privileges", "seccomp", "cgroup",
						    "rlimits"};
		for (size_t i = 0; i < 5; i++) {
			v = json_object_get(json_object_get(doc, names[i]), "verdict");
			set(layers, names[i],
			    json_string(json_is_string(v) ? json_string_value(v) : V_UNKNOWN));
		}
	}
	set(doc, "verdicts", layers);
	if (!inspect_pin_alive(pin))
		return cella_err(err, ESRCH, "process %d exited while it was being mapped", t->pid);
	*out = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (*out == NULL)
		return cella_err(err, ENOMEM, "format the map");
	return 0;
}

/* ---- entry points ---- */

int cella_map_container(const char *state_root, const char *id, char **json, cella_error *err)
{
	struct cella_state st;
	cleanup_spec struct cella_spec *spec = NULL;
	cleanup_free char *config = NULL;
	cleanup_free char *dir = NULL;
	cleanup_close int dirfd = -1;
	struct cella_map_target t = {.state_dirfd = -1, .securebits = -1, .state_root = state_root};
	cella_error ignored;
	int r;

	if (cella_state_read(state_root, id, &st, err) < 0)
		return cella_err_ret(err);
	if (st.status == CELLA_STATUS_STOPPED || st.pid <= 0) {
		cella_state_clear(&st);
		return cella_err_invalid(err, "container `%s` is stopped: there is nothing to map",
					 id);
	}
	/* The configuration as applied at create (the bundle's may have
	 * changed since). */
	config = xasprintf("%s/%s/%s", state_root, id, APPLIED_CONFIG_FILE);
	if (cella_spec_load(config, &spec, &ignored) < 0)
		spec = NULL; /* the bundle may have changed since: map without it */
	dir = xasprintf("%s/%s", state_root, id);
	dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	t.pid = st.pid;
	t.id = st.id;
	t.status = cella_status_name(st.status);
	t.bundle = st.bundle;
	t.rootfs = st.rootfs;
	t.cgroup_path = st.cgroup_path != NULL ? st.cgroup_path : "";
	t.spec = spec;
	t.state_dirfd = dirfd;
	t.securebits = st.securebits;
	if (t.securebits < 0 && dirfd >= 0) {
		/* A container made before the field: its own file. */
		cleanup_free char *text = NULL;

		if (read_file_at(dirfd, "securebits", &text, &ignored) >= 0)
			t.securebits = (int)strtol(text, NULL, 10);
	}
	r = cella_map_build(&t, json, err);
	cella_state_clear(&st);
	if (r < 0)
		return cella_err_context(err, "map container `%s`", id);
	return 0;
}

int cella_map_pid(const char *state_root, pid_t pid, char **json, cella_error *err)
{
	struct cella_map_target t = {
	    .pid = pid, .state_dirfd = -1, .securebits = -1, .state_root = state_root};

	if (pid <= 0)
		return cella_err_invalid(err, "--pid %d: not a process id", pid);
	return cella_map_build(&t, json, err);
}

int cella_map_host(const char *state_root, char **json, cella_error *err)
{
	return cella_map_pid(state_root, getpid(), json, err);
}
