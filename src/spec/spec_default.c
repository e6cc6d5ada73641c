/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The default spec: what `runc spec` writes (runc 1.1), and with rootless
 * what `runc spec --rootless` writes. ociVersion is cella's own.
 */
#include "spec/spec.h"

#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "util/util.h"

const struct cella_default_device cella_default_devices[] = {
    {"/dev/null", 'c', 1, 3, 0666},    {"/dev/zero", 'c', 1, 5, 0666},
    {"/dev/full", 'c', 1, 7, 0666},    {"/dev/random", 'c', 1, 8, 0666},
    {"/dev/urandom", 'c', 1, 9, 0666}, {"/dev/tty", 'c', 5, 0, 0666},
};
const size_t cella_n_default_devices = ARRAY_SIZE(cella_default_devices);

static const char *const default_env[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "TERM=xterm",
    NULL,
};

static const char *const masked_paths[] = {
    "/proc/acpi",
    "/proc/asound",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/sys/firmware",
    "/proc/scsi",
    NULL,
};

static const char *const readonly_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", NULL,
};

/* Options lists end with NULL; rootless_* replace the plain ones. */
static const struct {
	const char *destination, *type, *source;
	const char *options[7];
	const char *rootless_type, *rootless_source;
	const char *rootless_options[7];
} default_mounts[] = {
    {"/proc", "proc", "proc", {NULL}, NULL, NULL, {NULL}},
    {"/dev",
     "tmpfs",
     "tmpfs",
     {"nosuid", "strictatime", "mode=755", "size=65536k", NULL},
     NULL,
     NULL,
     {NULL}},
    {"/dev/pts",
     "devpts",
     "devpts",
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5", NULL},
     NULL,
     NULL,
     /* no group 5 inside a user namespace that maps one group */
     {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", NULL}},
    {"/dev/shm",
     "tmpfs",
     "shm",
     {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k", NULL},
     NULL,
     NULL,
     {NULL}},
    {"/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev", NULL}, NULL, NULL, {NULL}},
    {"/sys",
     "sysfs",
     "sysfs",
     {"nosuid", "noexec", "nodev", "ro", NULL},
     /* a new sysfs needs a network namespace owned by our user ns */
     "none",
     "/sys",
     {"rbind", "nosuid", "noexec", "nodev", "ro", NULL}},
    {"/sys/fs/cgroup",
     "cgroup",
     "cgroup",
     {"nosuid", "noexec", "nodev", "relatime", "ro", NULL},
     NULL,
     NULL,
     {NULL}},
};

static struct cella_process *default_process(void)
{
	struct cella_process *p = xcalloc(1, sizeof(*p));
	uint64_t caps = UINT64_C(1) << CAP_AUDIT_WRITE | UINT64_C(1) << CAP_KILL |
			UINT64_C(1) << CAP_NET_BIND_SERVICE;
	static const char *const args[] = {"sh", NULL};

	p->terminal = true;
	p->args = strv_dup((char *const *)args);
	p->env = strv_dup((char *const *)default_env);
	p->cwd = xstrdup("/");
	p->has_caps = true;
	p->caps.bounding = p->caps.effective = p->caps.permitted = p->caps.ambient = caps;
	p->rlimits = xcalloc(1, sizeof(*p->rlimits));
	p->n_rlimits = 1;
	p->rlimits[0].resource = RLIMIT_NOFILE;
	p->rlimits[0].type = xstrdup("RLIMIT_NOFILE");
	p->rlimits[0].soft = p->rlimits[0].hard = 1024;
	p->no_new_privileges = true;
	return p;
}

static struct cella_idmap *one_map(uint32_t host_id)
{
	struct cella_idmap *m = xcalloc(1, sizeof(*m));

	m->container_id = 0;
	m->host_id = host_id;
	m->size = 1;
	return m;
}

struct cella_spec *cella_spec_default(bool rootless, uid_t host_uid, gid_t host_gid)
{
	struct cella_spec *spec = xcalloc(1, sizeof(*spec));
	struct cella_linux *l = &spec->linux_;

	spec->oci_version = xstrdup(CELLA_OCI_VERSION);
	spec->process = default_process();
	spec->root_path = xstrdup("rootfs");
	spec->root_readonly = true;
	spec->hostname = xstrdup("runc");

	spec->n_mounts = ARRAY_SIZE(default_mounts);
	spec->mounts = xcalloc(spec->n_mounts, sizeof(*spec->mounts));
	for (size_t i = 0; i < spec->n_mounts; i++) {
		struct cella_mount *m = &spec->mounts[i];
		bool alt = rootless && default_mounts[i].rootless_options[0] != NULL;
		const char *type = default_mounts[i].type, *source = default_mounts[i].source;

		if (rootless && default_mounts[i].rootless_type != NULL) {
			type = default_mounts[i].rootless_type;
			source = default_mounts[i].rootless_source;
		}
		m->destination = xstrdup(default_mounts[i].destination);
		m->type = xstrdup(type);
		m->source = xstrdup(source);
		if (alt)
			m->options = strv_dup((char *const *)default_mounts[i].rootless_options);
		else if (default_mounts[i].options[0] != NULL)
			m->options = strv_dup((char *const *)default_mounts[i].options);
	}

	spec->has_linux = true;
	l->ns[CELLA_NS_PID].enabled = true;
	l->ns[CELLA_NS_IPC].enabled = true;
	l->ns[CELLA_NS_UTS].enabled = true;
	l->ns[CELLA_NS_MOUNT].enabled = true;
	if (rootless) {
		l->ns[CELLA_NS_USER].enabled = true;
		l->uid_mappings = one_map(host_uid);
		l->n_uid_mappings = 1;
		l->gid_mappings = one_map(host_gid);
		l->n_gid_mappings = 1;
	} else {
		l->ns[CELLA_NS_NET].enabled = true;
		l->resources_json = xstrdup("{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
	}
	l->masked_paths = strv_dup((char *const *)masked_paths);
	l->readonly_paths = strv_dup((char *const *)readonly_paths);
	return spec;
}
