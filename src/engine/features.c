/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella features`: the runtime-spec features.md document, true to what this
 * build implements (not to what the host offers). Each list comes from the
 * table the code itself uses: mount options from kernel/mount_opts.c,
 * namespaces from kernel/ns.c, capabilities from libcap's names, hook kinds
 * from the spec's hooks table (spec/spec_fields.c), the seccomp names from
 * spec/spec_seccomp_names.c.
 *
 * Flip an entry of `supported` below when its feature lands.
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine.h"
#include "kernel/cgroup_systemd.h"
#include "kernel/mount.h"
#include "kernel/ns.h"
#include "kernel/seccomp.h"

#ifndef CELLA_VERSION
#define CELLA_VERSION "0.0.0"
#endif
#ifndef CELLA_COMMIT
#define CELLA_COMMIT "unknown"
#endif

/* The oldest config.json version the parser reads (spec_parse.c takes 1.x). */
#define OCI_VERSION_MIN "1.0.0"

static const struct {
	bool hooks; /* prestart ... poststop run at their points */
	bool cgroup_v1, cgroup_v2, cgroup_rdma;
	bool apparmor, selinux;
	bool intel_rdt;
	bool idmap_mounts;
	bool net_devices;
} supported = {
    .hooks = true,
    /* Both cgroupfs drivers; the systemd driver (system and user managers,
     * kernel/cgroup_systemd.h) where libsystemd loads: see below. */
    .cgroup_v1 = true,
    .cgroup_v2 = true,
    /* kernel/lsm.c: applied where the host has the LSM, refused where not. */
    .apparmor = true,
    .selinux = true,
    /* kernel/mount_idmap.c: where the kernel and the filesystem can. */
    .idmap_mounts = true,
    /* engine/netdev.c: moved in at create, back at delete. */
    .net_devices = true,
};

static json_t *enabled(bool on)
{
	return json_pack("{s:b}", "enabled", on);
}

/* What cella_seccomp_build accepts: every action, SCMP_ACT_NOTIFY included
 * (its listener goes to the agent at listenerPath, engine/seccomp_agent.c). */
static json_t *seccomp_features(void)
{
	json_t *s = enabled(true);
	json_t *actions = json_array(), *ops = json_array(), *archs = json_array();
	json_t *flags = json_array();
	const char *n;

	for (size_t i = 0; (n = cella_seccomp_action_name_at(i)) != NULL; i++)
		json_array_append_new(actions, json_string(n));
	for (int i = 0; i < CELLA_SCMP_OP_COUNT; i++)
		json_array_append_new(ops, json_string(cella_seccomp_op_name(i)));
	for (size_t i = 0; (n = cella_seccomp_arch_name_at(i)) != NULL; i++)
		json_array_append_new(archs, json_string(n));
	for (size_t i = 0; (n = cella_seccomp_flag_name_at(i)) != NULL; i++)
		json_array_append_new(flags, json_string(n));
	json_object_set_new(s, "actions", actions);
	json_object_set_new(s, "operators", ops);
	json_object_set_new(s, "archs", archs);
	json_object_set_new(s, "knownFlags", json_deep_copy(flags));
	json_object_set_new(s, "supportedFlags", flags);
	return s;
}

static json_t *linux_features(void)
{
	json_t *l = json_object();
	json_t *ns = json_array();
	json_t *caps = json_array();

	for (int t = 0; t < CELLA_NS_COUNT; t++)
		json_array_append_new(ns, json_string(cella_ns_type_name(t)));
	for (int c = 0; c <= cella_cap_last_known(); c++) {
		const char *name = cella_cap_name(c);
		if (name != NULL)
			json_array_append_new(caps, json_string(name));
	}
	json_object_set_new(l, "namespaces", ns);
	json_object_set_new(l, "capabilities", caps);
	json_object_set_new(l, "cgroup",
			    json_pack("{s:b,s:b,s:b,s:b,s:b}", "v1", supported.cgroup_v1, "v2",
				      supported.cgroup_v2, "systemd", cgroup_systemd_supported(),
				      "systemdUser", cgroup_systemd_supported(), "rdma",
				      supported.cgroup_rdma));
	json_object_set_new(l, "seccomp", seccomp_features());
	json_object_set_new(l, "apparmor", enabled(supported.apparmor));
	json_object_set_new(l, "selinux", enabled(supported.selinux));
	json_object_set_new(l, "intelRdt", enabled(supported.intel_rdt));
	json_object_set_new(l, "mountExtensions",
			    json_pack("{s:o}", "idmap", enabled(supported.idmap_mounts)));
	json_object_set_new(l, "netDevices", enabled(supported.net_devices));
	return l;
}

char *cella_features_json(void)
{
	json_t *j = json_object();
	json_t *hooks = json_array();
	json_t *opts = json_array();
	const char *o;
	char *text;

	json_object_set_new(j, "ociVersionMin", json_string(OCI_VERSION_MIN));
	json_object_set_new(j, "ociVersionMax", json_string(CELLA_OCI_VERSION));
	for (int k = 0; k < CELLA_HOOK_COUNT && supported.hooks; k++)
		json_array_append_new(hooks, json_string(cella_hook_kind_name(k)));
	json_object_set_new(j, "hooks", hooks);
	for (size_t i = 0; (o = mount_option_name(i)) != NULL; i++)
		json_array_append_new(opts, json_string(o));
	json_object_set_new(j, "mountOptions", opts);
	json_object_set_new(j, "linux", linux_features());
	json_object_set_new(j, "annotations",
			    json_pack("{s:s,s:s}", "org.cella.version", CELLA_VERSION,
				      "org.cella.commit", CELLA_COMMIT));
	text = json_dumps(j, JSON_INDENT(4) | JSON_PRESERVE_ORDER);
	json_decref(j);
	if (text == NULL)
		abort();
	return text;
}
