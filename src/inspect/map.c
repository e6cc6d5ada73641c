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
#include "inspect/map.h"

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

#define V_ISOLATED "isolated"
#define V_PARTIAL  "partial"
#define V_SHARED   "shared"
#define V_JOINED   "joined"
#define V_UNKNOWN  "unknown"

static void cleanup_json(json_t **j)
{
	if (*j != NULL)
		json_decref(*j);
}
#define cleanup_json_t __attribute__((cleanup(cleanup_json)))

static void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v != NULL ? v : json_null());
}

static json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A number the kernel calls unlimited (UINT64_MAX) is JSON null. */
static json_t *limit_json(uint64_t v)
{
	return v == UINT64_MAX ? json_null() : json_integer((json_int_t)v);
}

static json_t *unknown_layer(const cella_error *e)
{
	json_t *o = json_object();

	set(o, "verdict", json_string(V_UNKNOWN));
	set(o, "error", json_string(e->msg));
	return o;
}

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

static char *trim(char *s)
{
	size_t l = s != NULL ? strlen(s) : 0;

	while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
	return s;
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

/* ---- filesystem ---- */

/* Where a mount's files lie on the host: a host mount of the same
 * filesystem whose root holds the mount's root (the deepest such). NULL for
 * a filesystem the host has not mounted (a container's own tmpfs, proc...). */
static char *host_path_of(const struct inspect_mount *m, const struct inspect_mount *hm, size_t hn)
{
	const struct inspect_mount *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < hn; i++) {
		size_t l = strlen(hm[i].root);

		if (strcmp(hm[i].dev, m->dev) != 0 || strncmp(m->root, hm[i].root, l) != 0)
			continue;
		if (l > 1 && m->root[l] != '\0' && m->root[l] != '/')
			continue;
		if (best == NULL || l > best_len) {
			best = &hm[i];
			best_len = l;
		}
	}
	if (best == NULL)
		return NULL;
	{
		const char *rest = m->root + (best_len > 1 ? best_len : 0);
		bool top = strcmp(best->mountpoint, "/") == 0;

		if (rest[0] == '\0' || strcmp(rest, "/") == 0)
			return xstrdup(best->mountpoint);
		return xasprintf("%s%s", top ? "" : best->mountpoint, rest[0] == '/' ? rest : "/");
	}
}

/* The mounts, each with where it lies on the host; the host paths the
 * container may write (read-write mounts of the host's filesystems, its
 * root aside) in *writable. */
static json_t *mount_list(const struct inspect_mount *m, size_t n, const struct inspect_mount *hm,
			  size_t hn, json_t *writable)
{
	json_t *a = json_array();

	for (size_t i = 0; i < n; i++) {
		cleanup_free char *hp = hn > 0 ? host_path_of(&m[i], hm, hn) : NULL;
		json_t *x = json_object();
		bool ro = inspect_has_option(m[i].options, "ro");
		struct stat hst;

		set(x, "mountpoint", json_string(m[i].mountpoint));
		set(x, "fstype", json_string(m[i].fstype));
		set(x, "source", json_string(m[i].source));
		set(x, "root", json_string(m[i].root));
		set(x, "host_path", str_or_null(hp));
		set(x, "read_only", json_boolean(ro));
		set(x, "propagation", json_string(m[i].propagation));
		/* A host device node bound in (/dev/null...) is the device
		 * cgroup's business, not a host path's. */
		if (hp != NULL && lstat(hp, &hst) == 0 &&
		    (S_ISCHR(hst.st_mode) || S_ISBLK(hst.st_mode)))
			set(x, "device", json_true());
		else if (hp != NULL && !ro && strcmp(m[i].mountpoint, "/") != 0) {
			json_t *w = json_object();

			set(x, "writable_host_path", json_true());
			set(w, "mountpoint", json_string(m[i].mountpoint));
			set(w, "host_path", json_string(hp));
			json_array_append_new(writable, w);
		}
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *map_filesystem(const struct cella_map_target *t, const struct cella_spec *defaults)
{
	struct inspect_mount *m = NULL, *hm = NULL;
	size_t n = 0, hn = 0;
	struct inspect_device *devs = NULL;
	size_t n_devs = 0;
	cella_error e;
	json_t *o, *root = json_object(), *masked = json_array(), *ro = json_array();
	const struct inspect_mount *rm = NULL;
	const struct cella_spec *s = t->spec != NULL ? t->spec : defaults;
	bool all_ok = true, any_unknown = false;
	bool own_ns = ns_inode(t->pid, CELLA_NS_MOUNT) != ns_inode(0, CELLA_NS_MOUNT);

	if (inspect_mountinfo(t->pid, &m, &n, &e) < 0) {
		json_decref(root);
		json_decref(masked);
		json_decref(ro);
		return unknown_layer(&e);
	}
	o = json_object();
	if (inspect_mountinfo(0, &hm, &hn, &e) == 0)
		set(o, "host_mounts", json_integer((json_int_t)hn));
	set(o, "mounts", json_integer((json_int_t)n));
	{
		json_t *w = json_array();

		set(o, "mount_list", mount_list(m, n, hm, own_ns ? hn : 0, w));
		set(o, "writable_host_paths", own_ns ? w : (json_decref(w), json_null()));
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(m[i].mountpoint, "/") == 0)
			rm = &m[i];
	if (rm != NULL) {
		set(root, "source", json_string(rm->source));
		set(root, "fstype", json_string(rm->fstype));
		set(root, "read_only", json_boolean(inspect_has_option(rm->options, "ro")));
		set(root, "propagation", json_string(rm->propagation));
	}
	set(root, "path", str_or_null(t->rootfs));
	set(o, "root", root);

	for (char **p = s != NULL ? s->linux_.masked_paths : NULL; p != NULL && *p != NULL; p++) {
		struct inspect_path ip;
		json_t *x = json_object();
		const char *how = "visible";
		bool ok = false;

		set(x, "path", json_string(*p));
		if (inspect_path(t->pid, *p, &ip, &e) < 0) {
			set(x, "state", json_string(V_UNKNOWN));
			set(x, "error", json_string(e.msg));
			any_unknown = true;
			json_array_append_new(masked, x);
			continue;
		}
		if (ip.kind == INSPECT_PATH_ABSENT) {
			how = "absent";
			ok = true;
		} else if (ip.kind == INSPECT_PATH_CHAR && ip.major == 1 && ip.minor == 3) {
			how = "/dev/null";
			ok = true;
		} else if (ip.kind == INSPECT_PATH_DIR && ip.tmpfs && ip.read_only && ip.empty) {
			how = "empty read-only tmpfs";
			ok = true;
		}
		set(x, "state", json_string(how));
		set(x, "masked", json_boolean(ok));
		all_ok = all_ok && ok;
		json_array_append_new(masked, x);
	}
	set(o, "masked_paths", masked);
	for (char **p = s != NULL ? s->linux_.readonly_paths : NULL; p != NULL && *p != NULL; p++) {
		struct inspect_path ip;
		json_t *x = json_object();

		set(x, "path", json_string(*p));
		if (inspect_path(t->pid, *p, &ip, &e) < 0) {
			set(x, "state", json_string(V_UNKNOWN));
			set(x, "error", json_string(e.msg));
			any_unknown = true;
		} else if (ip.kind == INSPECT_PATH_ABSENT) {
			set(x, "state", json_string("absent"));
			set(x, "read_only", json_true());
		} else {
			set(x, "state", json_string(ip.read_only ? "read-only" : "writable"));
			set(x, "read_only", json_boolean(ip.read_only));
			all_ok = all_ok && ip.read_only;
		}
		json_array_append_new(ro, x);
	}
	set(o, "readonly_paths", ro);
	set(o, "paths_from", json_string(t->spec != NULL ? "config" : "default"));

	if (inspect_devices(t->pid, &devs, &n_devs, &e) == 0) {
		json_t *d = json_array();
		for (size_t i = 0; i < n_devs; i++) {
			json_t *x = json_object();
			char type[2] = {devs[i].type, '\0'};

			set(x, "name", json_string(devs[i].name));
			set(x, "type", json_string(type));
			set(x, "major", json_integer(devs[i].major));
			set(x, "minor", json_integer(devs[i].minor));
			json_array_append_new(d, x);
		}
		set(o, "devices", d);
		inspect_devices_free(devs, n_devs);
	} else {
		set(o, "devices_error", json_string(e.msg));
	}
	set(o, "own_mount_namespace", json_boolean(own_ns));
	set(o, "verdict",
	    json_string(!own_ns ? V_SHARED
			: !all_ok || json_array_size(json_object_get(o, "writable_host_paths")) > 0
			    ? V_PARTIAL
			: any_unknown ? V_UNKNOWN
				      : V_ISOLATED));
	inspect_mounts_free(m, n);
	inspect_mounts_free(hm, hn);
	return o;
}

/* ---- privileges ---- */

static json_t *cap_names(uint64_t mask, int last)
{
	json_t *a = json_array();

	for (int c = 0; c <= last && c < 64; c++)
		if (mask & (1ULL << c)) {
			const char *name = cella_cap_name(c);
			if (name != NULL)
				json_array_append_new(a, json_string(name));
			else
				json_array_append_new(a, json_sprintf("CAP_%d", c));
		}
	return a;
}

/* The host ids a user namespace map reaches: uid (gid) 0, the accounts of
 * the host's passwd (group), the real users' range. */
static json_t *reach_json(const char *map_text, const char *db_file, bool *reached)
{
	struct reach_account acc[16];
	cleanup_free char *db = NULL;
	cella_error e;
	json_t *o = json_object(), *a = json_array();
	size_t n;
	bool root = reach_maps_host_id(map_text, 0);
	bool users = reach_maps_range(map_text, REACH_USERS_MIN, REACH_USERS_MAX);

	if (read_file_at(AT_FDCWD, db_file, &db, &e) < 0)
		set(o, "accounts_error", json_string(e.msg));
	n = reach_accounts(map_text, db != NULL ? db : "", acc, 16);
	for (size_t i = 0; i < n && i < 16; i++) {
		json_t *x = json_object();
		set(x, "id", json_integer((json_int_t)acc[i].id));
		set(x, "name", json_string(acc[i].name));
		json_array_append_new(a, x);
	}
	set(o, "root", json_boolean(root));
	set(o, "accounts", a);
	set(o, "accounts_count", json_integer((json_int_t)n));
	set(o, "users_range", json_boolean(users));
	*reached = *reached || root || users || n > 0;
	return o;
}

static json_t *map_privileges(const struct cella_map_target *t)
{
	struct cella_caps caps, host;
	struct inspect_status st;
	cella_error e;
	int last = caps_last_cap();
	uint64_t full = last >= 63 ? UINT64_MAX : (1ULL << (last + 1)) - 1;
	bool userns = ns_inode(t->pid, CELLA_NS_USER) != ns_inode(0, CELLA_NS_USER);
	json_t *o, *sets;
	static const char *const names[] = {"effective", "permitted", "bounding", "inheritable",
					    "ambient"};
	cleanup_free char *label = NULL;
	bool reached = false, reach_unknown = false;

	if (caps_read_status(t->pid, &caps, &e) < 0 || inspect_status(t->pid, &st, &e) < 0)
		return unknown_layer(&e);
	if (caps_read_status(0, &host, &e) < 0)
		memset(&host, 0, sizeof(host));
	o = json_object();
	sets = json_object();
	{
		const uint64_t mine[] = {caps.effective, caps.permitted, caps.bounding,
					 caps.inheritable, caps.ambient};
		const uint64_t hosts[] = {host.effective, host.permitted, host.bounding,
					  host.inheritable, host.ambient};

		for (size_t i = 0; i < 5; i++) {
			json_t *x = json_object();
			set(x, "caps", cap_names(mine[i], last));
			set(x, "count", json_integer(__builtin_popcountll(mine[i] & full)));
			set(x, "dropped", cap_names(full & ~mine[i], last));
			set(x, "host_count", json_integer(__builtin_popcountll(hosts[i] & full)));
			set(x, "not_in_host", cap_names(mine[i] & ~hosts[i] & full, last));
			set(sets, names[i], x);
		}
	}
	set(o, "sets", sets);
	set(o, "known_caps", json_integer(last + 1));
	set(o, "user_namespace", json_boolean(userns));
	if (userns) {
		cleanup_free char *uid_map = NULL, *gid_map = NULL;
		json_t *r = json_object();

		if (inspect_proc_file(t->pid, "uid_map", &uid_map, &e) < 0 ||
		    inspect_proc_file(t->pid, "gid_map", &gid_map, &e) < 0) {
			set(r, "error", json_string(e.msg));
			reach_unknown = true;
		} else {
			set(r, "uids", reach_json(uid_map, "/etc/passwd", &reached));
			set(r, "gids", reach_json(gid_map, "/etc/group", &reached));
		}
		set(o, "host_ids_reached", r);
		set(o, "note",
		    json_string(reached ? "inside a user namespace that maps host ids (uid 0, the "
					  "host's accounts or its real users' range): these "
					  "capabilities act on the host files those ids own"
				: reach_unknown
				    ? "inside a user namespace whose map could not be read"
				    : "inside a user namespace: these capabilities hold "
				      "only over resources the namespace owns"));
	} else {
		set(o, "host_ids_reached", json_null());
		set(o, "note", json_null());
	}
	{
		json_t *ids = json_object();
		set(ids, "uid", json_integer(st.uid[0]));
		set(ids, "euid", json_integer(st.uid[1]));
		set(ids, "gid", json_integer(st.gid[0]));
		set(ids, "egid", json_integer(st.gid[1]));
		set(o, "ids", ids);
	}
	set(o, "no_new_privs", json_boolean(st.no_new_privs));
	/* Neither is in /proc/PID/status: the kernel answers PR_GET_SECUREBITS
	 * and PR_GET_DUMPABLE to the process itself only. Securebits: the
	 * host's are the caller's own; a container's were saved at create (the
	 * runtime's, which cella leaves alone; execve clears KEEP_CAPS): exact
	 * unless the process may change them (CAP_SETPCAP). */
	{
		cleanup_free char *sb = NULL;
		long long v = -1;
		cella_error se;
		bool self = t->pid == getpid();

		if (self)
			v = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
		else if (t->state_dirfd >= 0 &&
			 read_file_at(t->state_dirfd, SECUREBITS_FILE, &sb, &se) >= 0)
			v = strtoll(sb, NULL, 10);
		if (v >= 0) {
			static const char *const bit_names[] = {
			    "SECBIT_NOROOT",
			    "SECBIT_NOROOT_LOCKED",
			    "SECBIT_NO_SETUID_FIXUP",
			    "SECBIT_NO_SETUID_FIXUP_LOCKED",
			    "SECBIT_KEEP_CAPS",
			    "SECBIT_KEEP_CAPS_LOCKED",
			    "SECBIT_NO_CAP_AMBIENT_RAISE",
			    "SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED"};
			json_t *n = json_array();

			for (int b = 0; b < 8; b++)
				if (v & (1LL << b))
					json_array_append_new(n, json_string(bit_names[b]));
			set(o, "securebits", json_integer(v));
			set(o, "securebits_names", n);
			set(o, "securebits_source",
			    json_string(self ? "the process"
					: caps.permitted & (1ULL << CAP_SETPCAP)
					    ? "saved at create; the process may have changed them "
					      "since (it has CAP_SETPCAP)"
					    : "saved at create"));
		} else {
			set(o, "securebits", json_null());
			set(o, "securebits_unknown",
			    json_string("the kernel shows securebits to the process itself only"));
		}
	}
	set(o, "dumpable", json_null());
	set(o, "dumpable_unknown",
	    json_string("the kernel shows the dumpable flag to the process itself only"));
	set(o, "speculation_store_bypass", str_or_null(st.speculation_store_bypass));
	if (inspect_proc_file(t->pid, "attr/current", &label, &e) == 0) {
		set(o, "lsm_label", json_string(trim(label)));
	} else {
		set(o, "lsm_label", json_null());
		set(o, "lsm_unknown",
		    json_string(e.errnum == EINVAL ? "no LSM on this host" : e.msg));
	}
	{
		const char *v;
		/* Shared: every capability the host (the caller) has, in
		 * the host's user namespace. */
		if ((caps.effective & host.effective) == host.effective && !userns)
			v = V_SHARED;
		else if (reached || (!userns && st.uid[3] == 0))
			/* Container root is host root (or a host account) for
			 * the files it reaches, capabilities or not. */
			v = V_PARTIAL;
		else if (userns && reach_unknown && st.no_new_privs)
			v = V_UNKNOWN;
		else if ((userns || (caps.effective & full) == 0) && st.no_new_privs)
			v = V_ISOLATED;
		else
			v = V_PARTIAL;
		set(o, "verdict", json_string(v));
	}
	inspect_status_clear(&st);
	return o;
}

/* ---- seccomp ---- */

static const char *const seccomp_modes[] = {"disabled", "strict", "filter"};

/* An unassigned syscall number: what a filter does with syscalls it does
 * not name (its default action). */
#define UNKNOWN_SYSCALL_NR 999

static char *outcome_text(uint32_t ret)
{
	enum seccomp_inspect_action a = seccomp_inspect_action_of(ret);
	const char *name = seccomp_inspect_action_name(a);
	unsigned data = ret & 0xffffU;

	if (a == SECCOMP_INSPECT_ERRNO) {
		const char *en = strerrorname_np((int)data);
		return en != NULL ? xasprintf("%s %s", name, en) : xasprintf("%s %u", name, data);
	}
	if ((a == SECCOMP_INSPECT_TRACE || a == SECCOMP_INSPECT_TRAP) && data != 0)
		return xasprintf("%s %u", name, data);
	return xstrdup(name);
}

/* "allow | errno EPERM", or one outcome. */
static char *outcomes_text(const struct seccomp_inspect_result *r)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < r->n_rets; i++) {
		cleanup_free char *o = outcome_text(r->rets[i]);
		char *n = xasprintf("%s%s%s", s, i > 0 ? " | " : "", o);
		free(s);
		s = n;
	}
	if (r->any) {
		char *n = xasprintf("%s%sany (computed from the arguments)", s, s[0] ? " | " : "");
		free(s);
		s = n;
	}
	return s;
}

static void add_to_group(json_t *groups, const char *outcome, const char *name)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g)
	{
		if (strcmp(json_string_value(json_object_get(g, "outcome")), outcome) == 0) {
			json_array_append_new(json_object_get(g, "syscalls"), json_string(name));
			return;
		}
	}
	g = json_object();
	set(g, "outcome", json_string(outcome));
	set(g, "syscalls", json_array());
	json_array_append_new(json_object_get(g, "syscalls"), json_string(name));
	json_array_append_new(groups, g);
}

static json_t *result_json(const struct seccomp_inspect_result *r, const char *name, uint32_t nr)
{
	json_t *x = json_object();
	bool depends = r->depends_on_args || r->any || r->n_rets != 1;

	if (name != NULL)
		set(x, "name", json_string(name));
	set(x, "nr", json_integer(nr));
	if (r->too_complex) {
		set(x, "action", json_string("too_complex"));
		set(x, "depends_on_args", json_null());
		return x;
	}
	if (!depends) {
		enum seccomp_inspect_action a = seccomp_inspect_action_of(r->rets[0]);
		set(x, "action", json_string(seccomp_inspect_action_name(a)));
		if (a == SECCOMP_INSPECT_ERRNO)
			set(x, "errno", json_integer(r->rets[0] & 0xffffU));
		else if (a == SECCOMP_INSPECT_TRACE || a == SECCOMP_INSPECT_TRAP)
			set(x, "data", json_integer(r->rets[0] & 0xffffU));
	} else {
		json_t *outs = json_array();
		set(x, "action", json_string("depends"));
		json_t *conds = json_array();

		for (size_t i = 0; i < r->n_rets; i++) {
			cleanup_free char *txt = outcome_text(r->rets[i]);
			json_array_append_new(outs, json_string(txt));
			if (r->conditions != NULL && r->conditions[i] != NULL)
				json_array_append_new(
				    conds, json_sprintf("%s when %s", txt, r->conditions[i]));
		}
		if (r->any)
			json_array_append_new(outs, json_string("any"));
		set(x, "outcomes", outs);
		set(x, "conditions", conds);
	}
	set(x, "depends_on_args", json_boolean(depends));
	return x;
}

static json_t *summary_json(const struct seccomp_inspect_summary *sum)
{
	json_t *summary = json_object();

	for (int a = 0; a < SECCOMP_INSPECT_ACTION_COUNT; a++)
		if (sum->always[a] > 0)
			set(summary, seccomp_inspect_action_name((enum seccomp_inspect_action)a),
			    json_integer((json_int_t)sum->always[a]));
	if (sum->depends > 0)
		set(summary, "depends", json_integer((json_int_t)sum->depends));
	if (sum->too_complex > 0)
		set(summary, "too_complex", json_integer((json_int_t)sum->too_complex));
	return summary;
}

/* The host's compat architectures (x86-64: i386, and x32 where the kernel
 * has the x32 ABI), whose syscalls a process can make too: a summary each (a
 * profile for the native architecture alone kills or refuses all of
 * them). */
/* A syscall's outcome in one string, to compare architectures. */
static char *result_key(const struct seccomp_inspect_result *r)
{
	return r->too_complex ? xstrdup("too complex") : outcomes_text(r);
}

/* The compat table's syscalls whose outcome differs from the native one of
 * the same name (or, for a call the native architecture does not have,
 * i386's socketcall, from what the native filters do with an unknown
 * number), in full. */
static json_t *compat_differences(const struct seccomp_inspect_table *tab,
				  const struct seccomp_inspect_table *native,
				  const char *native_default)
{
	json_t *a = json_array();

	for (size_t i = 0; i < tab->n; i++) {
		const struct seccomp_inspect_syscall *sc = &tab->syscalls[i];
		cleanup_free char *mine = result_key(&sc->result);
		cleanup_free char *theirs = NULL;
		json_t *x;

		for (size_t j = 0; native != NULL && j < native->n; j++)
			if (strcmp(native->syscalls[j].name, sc->name) == 0)
				theirs = result_key(&native->syscalls[j].result);
		if (theirs != NULL ? strcmp(mine, theirs) == 0
				   : native_default != NULL && strcmp(mine, native_default) == 0)
			continue;
		x = result_json(&sc->result, sc->name, sc->nr);
		set(x, "outcome", json_string(mine));
		set(x, "native", theirs != NULL ? json_string(theirs) : json_null());
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *seccomp_compat(const struct seccomp_inspect_filters *f,
			      const struct seccomp_inspect_table *native,
			      const char *native_default)
{
	uint32_t arches[SECCOMP_INSPECT_MAX_ARCHES];
	size_t n = seccomp_inspect_host_arches(arches);
	json_t *a = json_array();

	for (size_t i = 1; i < n; i++) {
		struct seccomp_inspect_table tab;
		struct seccomp_inspect_summary sum;
		json_t *x = json_object();
		cella_error e;
		int x32 = arches[i] == SCMP_ARCH_X32 ? kernel_has_x32() : 1;

		if (x32 == 0) {
			/* The kernel answers ENOSYS before any filter runs. */
			json_decref(x);
			continue;
		}
		set(x, "arch", json_string(cella_seccomp_arch_name(arches[i])));
		if (x32 < 0)
			set(x, "kernel_support", json_string(V_UNKNOWN));
		if (seccomp_inspect_table_build(f, arches[i], &tab, &e) < 0) {
			set(x, "error", json_string(e.msg));
			json_array_append_new(a, x);
			continue;
		}
		seccomp_inspect_summarize(&tab, &sum);
		set(x, "syscalls_total", json_integer((json_int_t)sum.total));
		set(x, "summary", summary_json(&sum));
		set(x, "differs_from_native", compat_differences(&tab, native, native_default));
		seccomp_inspect_table_clear(&tab);
		json_array_append_new(a, x);
	}
	return a;
}

static void seccomp_table(json_t *o, const struct seccomp_inspect_filters *f)
{
	struct seccomp_inspect_table tab;
	struct seccomp_inspect_summary sum;
	struct seccomp_inspect_result dflt;
	json_t *calls, *summary, *groups;
	char *native_default = NULL;
	cella_error e;

	if (seccomp_inspect_table_build(f, SCMP_ARCH_NATIVE, &tab, &e) < 0) {
		set(o, "table_error", json_string(e.msg));
		return;
	}
	calls = json_array();
	groups = json_array();
	for (size_t i = 0; i < tab.n; i++) {
		const struct seccomp_inspect_syscall *sc = &tab.syscalls[i];
		json_t *x = result_json(&sc->result, sc->name, sc->nr);
		const char *act = json_string_value(json_object_get(x, "action"));

		if (sc->unknown_to_libseccomp)
			set(x, "libseccomp", json_false());
		if (sc->no_seccomp) {
			cleanup_free char *txt = outcomes_text(&sc->filtered);
			set(x, "no_seccomp", json_true());
			set(x, "filter_says", json_string(txt));
			add_to_group(groups, "allow: the kernel runs it whatever the filters say",
				     sc->name);
		} else if (sc->result.too_complex) {
			add_to_group(groups, "too complex to evaluate", sc->name);
		} else if (strcmp(act, "allow") != 0) {
			cleanup_free char *txt = outcomes_text(&sc->result);
			cleanup_free char *label = strcmp(act, "depends") == 0
						       ? xasprintf("depends on arguments: %s", txt)
						       : xstrdup(txt);
			add_to_group(groups, label, sc->name);
		}
		json_array_append_new(calls, x);
	}
	seccomp_inspect_summarize(&tab, &sum);
	summary = summary_json(&sum);
	set(o, "arch", json_string(cella_seccomp_arch_name(tab.scmp_arch)));
	set(o, "syscalls_total", json_integer((json_int_t)sum.total));
	set(o, "summary", summary);
	set(o, "groups", groups);
	set(o, "syscalls", calls);
	if (seccomp_inspect_eval(f, tab.audit_arch, UNKNOWN_SYSCALL_NR, &dflt, &e) == 0) {
		json_t *d = result_json(&dflt, NULL, UNKNOWN_SYSCALL_NR);
		cleanup_free char *txt = outcomes_text(&dflt);

		native_default = xstrdup(txt);
		set(d, "text", json_string(txt));
		set(o, "default", d);
		set(o, "verdict",
		    json_string(dflt.n_rets == 1 && !dflt.any &&
					seccomp_inspect_action_of(dflt.rets[0]) ==
					    SECCOMP_INSPECT_ALLOW
				    ? V_PARTIAL
				    : V_ISOLATED));
		seccomp_inspect_result_clear(&dflt);
	}
	set(o, "compat", seccomp_compat(f, &tab, native_default));
	free(native_default);
	seccomp_inspect_table_clear(&tab);
}

/* The config's rules create left out (SECCOMP_DROPPED_FILE), with the
 * number the running kernel gives each name, when it has one: a rule the
 * filter does not enforce. */
static json_t *dropped_rules(const struct cella_map_target *t)
{
	cleanup_free char *text = NULL;
	const struct kernel_syscall *ks[128];
	size_t n_ks = kernel_syscalls(seccomp_arch_native(), ks, 128);
	json_t *a = json_array();
	cella_error e;

	if (t->state_dirfd < 0 || read_file_at(t->state_dirfd, SECCOMP_DROPPED_FILE, &text, &e) < 0)
		return a;
	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		unsigned long rule;
		char name[128], action[64];
		json_t *x, *nr = json_null();

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (sscanf(line, "%lu %127s %63s", &rule, name, action) != 3)
			continue;
		for (size_t i = 0; i < n_ks; i++)
			if (strcmp(ks[i]->name, name) == 0 && kernel_has_syscall(ks[i]))
				nr = json_integer(ks[i]->nr);
		x = json_object();
		set(x, "rule", json_integer((json_int_t)rule));
		set(x, "syscall", json_string(name));
		set(x, "action", json_string(action));
		set(x, "kernel_nr", nr);
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *map_seccomp(const struct cella_map_target *t)
{
	struct inspect_status st;
	struct seccomp_inspect_filters f = {0};
	struct cella_seccomp_prog prog = {0};
	struct seccomp_inspect_filter one;
	cella_error e = {0}, e2;
	json_t *o;
	bool read_ok = false;

	if (inspect_status(t->pid, &st, &e) < 0)
		return unknown_layer(&e);
	o = json_object();
	set(o, "mode",
	    json_string(st.seccomp_mode >= 0 && st.seccomp_mode <= 2
			    ? seccomp_modes[st.seccomp_mode]
			    : V_UNKNOWN));
	set(o, "filters", json_integer(st.seccomp_filters));
	set(o, "dropped_rules", dropped_rules(t));
	set(o, "verdict", json_string(st.seccomp_mode == 0 ? V_SHARED : V_ISOLATED));
	if (st.seccomp_mode == 2 && t->status != NULL && strcmp(t->status, "paused") == 0) {
		/* A frozen process never reaches the ptrace stop the read
		 * needs. */
		snprintf(e.msg, sizeof(e.msg),
			 "the container is paused: its filter can be read once it is resumed");
		e.errnum = EAGAIN;
	} else if (st.seccomp_mode == 2) {
		if (seccomp_inspect_read(t->pid, &f, &e) == 0) {
			set(o, "source", json_string("process"));
			read_ok = true;
		}
	} else if (st.seccomp_mode == 1) {
		f.mode = 1;
		set(o, "source", json_string("process"));
		read_ok = true;
	}
	if (!read_ok && t->state_dirfd >= 0 &&
	    (st.seccomp_mode == 2 ||
	     (st.seccomp_mode == 0 && t->status != NULL && strcmp(t->status, "created") == 0)) &&
	    cella_seccomp_prog_read(t->state_dirfd, SECCOMP_PROG_FILE, &prog, &e2) == 0 &&
	    prog.len > 0) {
		/* The filter create compiled from the config: not started
		 * yet, the one it loads at start; else the one it loaded,
		 * when the kernel will not show it (a rootless caller lacks
		 * CAP_SYS_ADMIN, a paused process cannot be seized). */
		one.insns = prog.insns;
		one.len = prog.len;
		one.log = -1;
		f.mode = 2;
		f.filters = &one;
		f.n_filters = 1;
		set(o, "source", json_string("config"));
		if (st.seccomp_mode == 0)
			set(o, "pending", json_string("loaded when the container starts"));
		else
			set(o, "process_error", json_string(e.msg));
		if (st.seccomp_mode == 2 && st.seccomp_filters > 1)
			set(o, "note",
			    json_sprintf("the process has %d filters; the config's is "
					 "one of them",
					 st.seccomp_filters));
		read_ok = true;
	} else if (!read_ok && st.seccomp_mode == 0) {
		f.mode = 0;
		set(o, "source", json_string("process"));
		read_ok = true;
	}
	if (!read_ok) {
		set(o, "verdict", json_string(V_UNKNOWN));
		set(o, "error", json_string(e.msg));
	}
	if (read_ok)
		seccomp_table(o, &f);
	if (f.mode == 0)
		set(o, "verdict", json_string(V_SHARED));
	if (f.filters != &one)
		seccomp_inspect_filters_clear(&f);
	cella_seccomp_prog_clear(&prog);
	inspect_status_clear(&st);
	return o;
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
	const char *policy = sched_policy_name(sc->policy);
	const char *io = ioprio_class_name(sc->ioprio_class);

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
		const char *d = personality_domain_name(sc->personality & 0xff);
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
	struct cella_map_target t = {.state_dirfd = -1, .state_root = state_root};
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
	r = cella_map_build(&t, json, err);
	cella_state_clear(&st);
	if (r < 0)
		return cella_err_context(err, "map container `%s`", id);
	return 0;
}

int cella_map_pid(const char *state_root, pid_t pid, char **json, cella_error *err)
{
	struct cella_map_target t = {.pid = pid, .state_dirfd = -1, .state_root = state_root};

	if (pid <= 0)
		return cella_err_invalid(err, "--pid %d: not a process id", pid);
	return cella_map_build(&t, json, err);
}

int cella_map_host(const char *state_root, char **json, cella_error *err)
{
	return cella_map_pid(state_root, getpid(), json, err);
}
