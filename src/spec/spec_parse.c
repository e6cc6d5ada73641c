/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * config.json → struct cella_spec.
 *
 * jansson parses the text; this file walks the tree section by section
 * with the readers of spec_read.c, which keep a stack of the JSON path they
 * are at (process, args, 2) so that a rejected value is reported as
 * `config.json:12:7: process.args[2]: expected a string`, the position found
 * by spec_locate() on the original text. Unknown keys are ignored; null is
 * read as absent, as runc's Go decoder does.
 *
 * rlimits are uint64 and may be written as 18446744073709551615, which
 * jansson refuses as "too big integer". Such a text is parsed again with
 * JSON_DECODE_INT_AS_REAL and then every integer is read from its own text
 * (exactly), and the kept JSON sections (resources...) are copied verbatim.
 */
#include "spec/spec.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/util.h"

static int rd_idmap(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_idmap *m = elem;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "containerID", true, spec_rd_u32, &m->container_id)) < 0 ||
	    (r = spec_field(c, v, "hostID", true, spec_rd_u32, &m->host_id)) < 0 ||
	    (r = spec_field(c, v, "size", true, spec_rd_u32, &m->size)) < 0)
		return r;
	if (m->size == 0)
		return spec_fail_extra(c, "size", "must be greater than 0");
	return 0;
}

static int rd_idmaps_field(struct spec_ctx *c, json_t *obj, const char *key,
			   struct cella_idmap **out, size_t *n)
{
	json_t *v = spec_enter(c, obj, key);
	int r;

	if (v == NULL)
		return 0;
	r = spec_rd_array(c, v, sizeof(**out), out, n, rd_idmap);
	if (r < 0)
		return r;
	spec_pop(c);
	return 0;
}

static int rd_mount(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_mount *m = elem;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "destination", true, spec_rd_abs_path, &m->destination)) < 0 ||
	    (r = spec_field(c, v, "type", false, spec_rd_str, &m->type)) < 0 ||
	    (r = spec_field(c, v, "source", false, spec_rd_str, &m->source)) < 0 ||
	    (r = spec_field(c, v, "options", false, spec_rd_strv, &m->options)) < 0 ||
	    (r = rd_idmaps_field(c, v, "uidMappings", &m->uid_mappings, &m->n_uid_mappings)) < 0 ||
	    (r = rd_idmaps_field(c, v, "gidMappings", &m->gid_mappings, &m->n_gid_mappings)) < 0)
		return r;
	return 0;
}

static int rd_console_size(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_process *p = out;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "height", true, spec_rd_u16, &p->console_height)) < 0 ||
	    (r = spec_field(c, v, "width", true, spec_rd_u16, &p->console_width)) < 0)
		return r;
	p->has_console_size = true;
	return 0;
}

static int rd_gid(struct spec_ctx *c, json_t *v, void *elem)
{
	return spec_rd_u32(c, v, elem);
}

static int rd_user(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_user *u = out;
	uint32_t umask_ = 0;
	json_t *g;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "uid", true, spec_rd_u32, &u->uid)) < 0 ||
	    (r = spec_field(c, v, "gid", true, spec_rd_u32, &u->gid)) < 0 ||
	    (r = spec_field(c, v, "username", false, spec_rd_str, &u->username)) < 0 ||
	    (r = spec_field(c, v, "umask", false, spec_rd_u32, &umask_)) < 0)
		return r;
	u->has_umask = r > 0;
	u->umask = umask_;
	if ((g = spec_enter(c, v, "additionalGids")) != NULL) {
		if (!json_is_array(g))
			return spec_fail(c, "expected an array of integers");
		r = spec_rd_array(c, g, sizeof(gid_t), &u->additional_gids, &u->n_additional_gids,
				  rd_gid);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return 0;
}

static const char *const cap_sets[] = {"bounding", "effective", "inheritable", "permitted",
				       "ambient"};

static uint64_t *cap_set(struct cella_caps *caps, size_t i)
{
	uint64_t *sets[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted,
			    &caps->ambient};
	return sets[i];
}

static int rd_caps(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_process *p = out;
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	for (size_t s = 0; s < ARRAY_SIZE(cap_sets); s++) {
		json_t *set = spec_enter(c, v, cap_sets[s]);

		if (set == NULL)
			continue;
		if (!json_is_array(set))
			return spec_fail(c, "expected an array of strings");
		for (size_t i = 0; i < json_array_size(set); i++) {
			json_t *e = json_array_get(set, i);
			int cap;

			spec_push_index(c, i);
			if (!json_is_string(e))
				return spec_fail(c, "expected a string");
			cap = cella_cap_from_name(json_string_value(e));
			/* runtime-spec: unknown names must not fail (runc warns
			 * and ignores them). */
			if (cap < 0 || cap >= 64)
				spec_warn(c, "unknown capability `%s`, ignored",
					  json_string_value(e));
			else
				*cap_set(&p->caps, s) |= UINT64_C(1) << cap;
			spec_pop(c);
		}
		spec_pop(c);
	}
	p->has_caps = true;
	return 0;
}

static int rd_rlimit(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_rlimit *rl = elem;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "type", true, spec_rd_str, &rl->type)) < 0)
		return r;
	rl->resource = cella_rlimit_from_name(rl->type);
	if (rl->resource < 0) {
		spec_push_key(c, "type");
		return spec_fail(c, "unknown rlimit type `%s`", rl->type);
	}
	if ((r = spec_field(c, v, "soft", true, spec_rd_u64, &rl->soft)) < 0 ||
	    (r = spec_field(c, v, "hard", true, spec_rd_u64, &rl->hard)) < 0)
		return r;
	if (rl->soft > rl->hard) {
		spec_push_key(c, "soft");
		return spec_fail(c, "soft limit %" PRIu64 " is above hard limit %" PRIu64, rl->soft,
				 rl->hard);
	}
	return 0;
}

static int rd_rlimits(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_process *p = out;
	int r = spec_rd_array(c, v, sizeof(*p->rlimits), &p->rlimits, &p->n_rlimits, rd_rlimit);

	if (r < 0)
		return r;
	for (size_t i = 1; i < p->n_rlimits; i++) {
		for (size_t j = 0; j < i; j++) {
			if (p->rlimits[i].resource != p->rlimits[j].resource)
				continue;
			spec_push_index(c, i);
			spec_push_key(c, "type");
			return spec_fail(c, "duplicate rlimit `%s`", p->rlimits[i].type);
		}
	}
	return 0;
}

static int rd_process(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_process *p;
	json_t *x;
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	p = xcalloc(1, sizeof(*p));
	*(struct cella_process **)out = p;
	if ((r = spec_field(c, v, "terminal", false, spec_rd_bool, &p->terminal)) < 0 ||
	    (r = spec_field(c, v, "consoleSize", false, rd_console_size, p)) < 0 ||
	    (r = spec_field(c, v, "user", !c->user_optional, rd_user, &p->user)) < 0 ||
	    (r = spec_field(c, v, "args", true, spec_rd_args, &p->args)) < 0 ||
	    (r = spec_field(c, v, "commandLine", false, spec_rd_str, &p->command_line)) < 0 ||
	    (r = spec_field(c, v, "env", false, spec_rd_env, &p->env)) < 0 ||
	    (r = spec_field(c, v, "cwd", true, spec_rd_abs_path, &p->cwd)) < 0 ||
	    (r = spec_field(c, v, "capabilities", false, rd_caps, p)) < 0 ||
	    (r = spec_field(c, v, "noNewPrivileges", false, spec_rd_bool, &p->no_new_privileges)) <
		0 ||
	    (r = spec_field(c, v, "apparmorProfile", false, spec_rd_str, &p->apparmor_profile)) <
		0 ||
	    (r = spec_field(c, v, "selinuxLabel", false, spec_rd_str, &p->selinux_label)) < 0)
		return r;
	if ((x = spec_enter(c, v, "rlimits")) != NULL) {
		if ((r = rd_rlimits(c, x, p)) < 0)
			return r;
		spec_pop(c);
	}
	r = spec_field(c, v, "oomScoreAdj", false, spec_rd_oom_score_adj, &p->oom_score_adj);
	if (r < 0)
		return r;
	p->has_oom_score_adj = r > 0;
	if ((r = spec_field(c, v, "scheduler", false, spec_rd_scheduler, &p->scheduler)) < 0)
		return r;
	p->has_scheduler = r > 0;
	if ((r = spec_field(c, v, "ioPriority", false, spec_rd_io_priority, &p->io_priority)) < 0)
		return r;
	p->has_io_priority = r > 0;
	if ((r = spec_field(c, v, "execCPUAffinity", false, spec_rd_exec_cpu_affinity, p)) < 0)
		return r;
	return 0;
}

/* The process object alone, for `cella exec --process` (spec_process.c). */
int spec_read_process(struct spec_ctx *c, json_t *v, struct cella_process **out)
{
	return rd_process(c, v, out);
}

static int rd_root(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_spec *spec = out;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "path", true, spec_rd_str, &spec->root_path)) < 0 ||
	    (r = spec_field(c, v, "readonly", false, spec_rd_bool, &spec->root_readonly)) < 0)
		return r;
	if (spec->root_path[0] == '\0') {
		spec_push_key(c, "path");
		return spec_fail(c, "must not be empty");
	}
	return 0;
}

static int rd_hook(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_hook *h = elem;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "path", true, spec_rd_abs_path, &h->path)) < 0 ||
	    (r = spec_field(c, v, "args", false, spec_rd_strv, &h->args)) < 0 ||
	    (r = spec_field(c, v, "env", false, spec_rd_env, &h->env)) < 0 ||
	    (r = spec_field(c, v, "timeout", false, spec_rd_timeout, &h->timeout)) < 0)
		return r;
	h->has_timeout = r > 0;
	return 0;
}

static const char *const hook_names[CELLA_HOOK_COUNT] = {
    [CELLA_HOOK_PRESTART] = "prestart",
    [CELLA_HOOK_CREATE_RUNTIME] = "createRuntime",
    [CELLA_HOOK_CREATE_CONTAINER] = "createContainer",
    [CELLA_HOOK_START_CONTAINER] = "startContainer",
    [CELLA_HOOK_POSTSTART] = "poststart",
    [CELLA_HOOK_POSTSTOP] = "poststop",
};

static int rd_hooks(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_hooks *hooks = out;
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		json_t *list = spec_enter(c, v, hook_names[k]);

		if (list == NULL)
			continue;
		r = spec_rd_array(c, list, sizeof(struct cella_hook), &hooks->list[k],
				  &hooks->count[k], rd_hook);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return 0;
}

static int rd_namespaces(struct spec_ctx *c, json_t *v, struct cella_linux *l)
{
	if (!json_is_array(v))
		return spec_fail(c, "expected an array");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		cleanup_free char *type = NULL;
		char *path = NULL;
		int r, t;

		spec_push_index(c, i);
		if ((r = spec_rd_object(c, e)) < 0 ||
		    (r = spec_field(c, e, "type", true, spec_rd_str, &type)) < 0)
			return r;
		t = cella_ns_type_from_name(type, false);
		spec_push_key(c, "type");
		if (t < 0)
			return spec_fail(c, "unknown namespace type `%s`", type);
		if (l->ns[t].enabled)
			return spec_fail(c, "duplicate namespace type `%s`", type);
		spec_pop(c);
		l->ns[t].enabled = true;
		if ((r = spec_field(c, e, "path", false, spec_rd_str, &path)) < 0)
			return r;
		if (path != NULL && path[0] == '\0')
			free(take_ptr(&path));
		l->ns[t].path = path;
		spec_pop(c);
	}
	return 0;
}

static const char *const propagations[] = {"private", "rprivate", "slave",	"rslave",
					   "shared",  "rshared",  "unbindable", "runbindable"};

static int rd_propagation(struct spec_ctx *c, json_t *v, void *out)
{
	int r = spec_rd_str(c, v, out);
	const char *s = *(char **)out;

	if (r < 0)
		return r;
	for (size_t i = 0; i < ARRAY_SIZE(propagations); i++) {
		if (strcmp(s, propagations[i]) == 0)
			return 0;
	}
	return spec_fail(c, "invalid propagation `%s`", s);
}

static int rd_device(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_device *d = elem;
	cleanup_free char *type = NULL;
	int r;

	d->major = d->minor = -1;
	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "path", true, spec_rd_abs_path, &d->path)) < 0 ||
	    (r = spec_field(c, v, "type", true, spec_rd_str, &type)) < 0)
		return r;
	if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL) {
		spec_push_key(c, "type");
		return spec_fail(c, "invalid device type `%s` (expected c, b, u or p)", type);
	}
	d->type = type[0];
	if ((r = spec_field(c, v, "major", d->type != 'p', spec_rd_i64, &d->major)) < 0 ||
	    (r = spec_field(c, v, "minor", d->type != 'p', spec_rd_i64, &d->minor)) < 0)
		return r;
	if ((r = spec_field(c, v, "fileMode", false, spec_rd_file_mode, &d->file_mode)) < 0)
		return r;
	d->has_file_mode = r > 0;
	if ((r = spec_field(c, v, "uid", false, spec_rd_u32, &d->uid)) < 0)
		return r;
	d->has_uid = r > 0;
	if ((r = spec_field(c, v, "gid", false, spec_rd_u32, &d->gid)) < 0)
		return r;
	d->has_gid = r > 0;
	return 0;
}

static int rd_time_offset(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_time_offset *t = out;
	uint32_t ns = 0;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "secs", false, spec_rd_i64, &t->secs)) < 0 ||
	    (r = spec_field(c, v, "nanosecs", false, spec_rd_u32, &ns)) < 0)
		return r;
	if (ns >= 1000000000) {
		spec_push_key(c, "nanosecs");
		return spec_fail(c, "must be below 1000000000");
	}
	t->nanosecs = ns;
	t->set = true;
	return 0;
}

static int rd_time_offsets(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_linux *l = out;
	const char *key;
	json_t *val;
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	json_object_foreach(v, key, val)
	{
		struct cella_time_offset *t;

		if (strcmp(key, "monotonic") == 0)
			t = &l->time_monotonic;
		else if (strcmp(key, "boottime") == 0)
			t = &l->time_boottime;
		else
			return spec_fail_extra(c, key,
					       "unknown clock (expected monotonic or boottime)");
		if ((r = spec_field(c, v, key, false, rd_time_offset, t)) < 0)
			return r;
	}
	return 0;
}

/* Kept as text (emitted back as written) and read typed. */
static int rd_seccomp(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_linux *l = out;
	int r = spec_rd_json_object(c, v, &l->seccomp_json);

	return r < 0 ? r : spec_read_seccomp(c, v, &l->seccomp);
}

/* An interface name as the kernel takes it (dev_valid_name). */
static int fail_name(struct spec_ctx *c, const char *name)
{
	spec_push_key(c, "name");
	return spec_fail(c, "`%s` is not a valid interface name", name);
}

static bool valid_ifname(const char *n)
{
	if (n[0] == '\0' || strlen(n) >= 16 || strcmp(n, ".") == 0 || strcmp(n, "..") == 0)
		return false;
	for (; *n; n++)
		if (*n == '/' || *n == ':' || *n == ' ' || *n == '\t' || *n == '\n')
			return false;
	return true;
}

/* linux.netDevices: {"eth1": {"name": "ctr0"}, "dummy0": {}}. */
static int rd_net_devices(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_linux *l = out;
	const char *key;
	json_t *val;

	if (!json_is_object(v))
		return spec_fail(c, "expected an object");
	l->net_devices = xcalloc(json_object_size(v) + 1, sizeof(*l->net_devices));
	json_object_foreach(v, key, val)
	{
		struct cella_kv *d = &l->net_devices[l->n_net_devices];
		char *name = NULL;
		int r;

		spec_push_key(c, key);
		if (!valid_ifname(key))
			return spec_fail(c, "`%s` is not a valid interface name", key);
		if ((r = spec_rd_object(c, val)) < 0 ||
		    (r = spec_field(c, val, "name", false, spec_rd_str, &name)) < 0) {
			free(name);
			return r;
		}
		d->key = xstrdup(key);
		d->value = name;
		l->n_net_devices++;
		if (name != NULL && !valid_ifname(name))
			return fail_name(c, name);
		for (size_t i = 0; i + 1 < l->n_net_devices; i++) {
			const char *a = l->net_devices[i].value ? l->net_devices[i].value
								: l->net_devices[i].key;
			if (strcmp(a, name ? name : key) == 0)
				return spec_fail(c, "two devices named `%s` in the container",
						 name ? name : key);
		}
		spec_pop(c);
	}
	return 0;
}

static int rd_linux(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_linux *l = out;
	json_t *x;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = rd_idmaps_field(c, v, "uidMappings", &l->uid_mappings, &l->n_uid_mappings)) < 0 ||
	    (r = rd_idmaps_field(c, v, "gidMappings", &l->gid_mappings, &l->n_gid_mappings)) < 0)
		return r;
	if ((x = spec_enter(c, v, "sysctl")) != NULL) {
		if ((r = spec_rd_kvs(c, x, &l->sysctl, &l->n_sysctl)) < 0)
			return r;
		spec_pop(c);
	}
	if ((x = spec_enter(c, v, "namespaces")) != NULL) {
		if ((r = rd_namespaces(c, x, l)) < 0)
			return r;
		spec_pop(c);
	}
	if ((x = spec_enter(c, v, "devices")) != NULL) {
		r = spec_rd_array(c, x, sizeof(*l->devices), &l->devices, &l->n_devices, rd_device);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	if ((r = spec_field(c, v, "resources", false, spec_rd_json_object, &l->resources_json)) <
		0 ||
	    (r = spec_field(c, v, "cgroupsPath", false, spec_rd_str, &l->cgroups_path)) < 0 ||
	    (r = spec_field(c, v, "seccomp", false, rd_seccomp, l)) < 0 ||
	    (r = spec_field(c, v, "rootfsPropagation", false, rd_propagation,
			    &l->rootfs_propagation)) < 0 ||
	    (r = spec_field(c, v, "maskedPaths", false, spec_rd_abs_strv, &l->masked_paths)) < 0 ||
	    (r = spec_field(c, v, "readonlyPaths", false, spec_rd_abs_strv, &l->readonly_paths)) <
		0 ||
	    (r = spec_field(c, v, "mountLabel", false, spec_rd_str, &l->mount_label)) < 0 ||
	    (r = spec_field(c, v, "intelRdt", false, spec_rd_json_object, &l->intel_rdt_json)) <
		0 ||
	    (r = spec_field(c, v, "timeOffsets", false, rd_time_offsets, l)) < 0)
		return r;
	if ((r = spec_field(c, v, "personality", false, spec_rd_personality, &l->personality)) < 0)
		return r;
	l->has_personality = r > 0;
	if ((r = spec_field(c, v, "netDevices", false, rd_net_devices, l)) < 0)
		return r;
	r = spec_field(c, v, "memoryPolicy", false, spec_rd_memory_policy, &l->memory_policy);
	if (r < 0)
		return r;
	l->has_memory_policy = r > 0;
	return 0;
}

static int rd_oci_version(struct spec_ctx *c, json_t *v, void *out)
{
	int r = spec_rd_str(c, v, out);

	if (r < 0)
		return r;
	if (!str_has_prefix(*(char **)out, "1."))
		return spec_fail(c, "unsupported version `%s` (cella reads 1.x)", *(char **)out);
	return 0;
}

static int rd_spec(struct spec_ctx *c, json_t *v, struct cella_spec *spec)
{
	json_t *x;
	int r;

	if (!json_is_object(v))
		return spec_fail(c, "expected a JSON object at the top level");
	if ((r = spec_field(c, v, "ociVersion", true, rd_oci_version, &spec->oci_version)) < 0 ||
	    (r = spec_field(c, v, "root", true, rd_root, spec)) < 0 ||
	    (r = spec_field(c, v, "process", false, rd_process, &spec->process)) < 0 ||
	    (r = spec_field(c, v, "hostname", false, spec_rd_str, &spec->hostname)) < 0 ||
	    (r = spec_field(c, v, "domainname", false, spec_rd_str, &spec->domainname)) < 0 ||
	    (r = spec_field(c, v, "hooks", false, rd_hooks, &spec->hooks)) < 0)
		return r;
	if ((x = spec_enter(c, v, "mounts")) != NULL) {
		r = spec_rd_array(c, x, sizeof(*spec->mounts), &spec->mounts, &spec->n_mounts,
				  rd_mount);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	if ((x = spec_enter(c, v, "annotations")) != NULL) {
		if ((r = spec_rd_kvs(c, x, &spec->annotations, &spec->n_annotations)) < 0)
			return r;
		spec_pop(c);
	}
	if ((r = spec_field(c, v, "linux", false, rd_linux, &spec->linux_)) < 0)
		return r;
	spec->has_linux = r > 0;
	return 0;
}

int cella_spec_parse(const char *text, size_t len, const char *origin, struct cella_spec **out,
		     cella_error *err)
{
	cleanup_spec struct cella_spec *spec = NULL;
	struct spec_ctx c = {.text = text, .len = len, .origin = origin, .err = err};
	json_t *root;
	int r;

	if (origin == NULL)
		c.origin = "config.json";
	root = spec_load_json(&c);
	if (root == NULL)
		return cella_err_ret(err);
	spec = xcalloc(1, sizeof(*spec));
	r = rd_spec(&c, root, spec);
	json_decref(root);
	if (r < 0)
		return r;
	*out = take_ptr(&spec);
	return 0;
}

int cella_spec_load(const char *path, struct cella_spec **out, cella_error *err)
{
	cleanup_free char *text = NULL;
	ssize_t n = read_input_file(path, CELLA_SPEC_MAX_BYTES, &text, err);

	if (n < 0)
		return (int)n;
	return cella_spec_parse(text, (size_t)n, path, out, err);
}
