/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `cella map`'s filesystem layer (the mounts, where each lies on the host,
 * masked and read-only paths, devices) and privileges layer (capabilities,
 * what a user namespace's map reaches on the host, securebits). */
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

json_t *map_filesystem(const struct cella_map_target *t, const struct cella_spec *defaults)
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

json_t *map_privileges(const struct cella_map_target *t)
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
		long long v = -1;
		bool self = t->pid == getpid();

		if (self)
			v = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
		else
			v = t->securebits;
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
