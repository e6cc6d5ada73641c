/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * struct cella_spec → config.json text, fields in the order `runc spec`
 * writes them, absent optional fields left out.
 *
 * jansson integers are signed 64-bit, so a uint64 above INT64_MAX (an
 * unlimited rlimit) cannot be a json_t; nor can a kept section whose text
 * jansson cannot load back. Both go in as a placeholder string naming a
 * slot, replaced by the slot's text after json_dumps().
 */
#include "spec/spec.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/util.h"

#define MARK_CLOSE "\\u0001\""

struct emit {
	char **raws;
	size_t n_raws;
	/* A placeholder is the string "\001cella-raw-NONCE:N\001", which
	 * json_dumps writes as "\u0001cella-raw-NONCE:N\u0001" (mark_open is
	 * its start). The nonce keeps a string of the spec from passing for
	 * one. */
	unsigned long long nonce;
	char mark_open[64];
};

static json_t *raw_text(struct emit *e, char *text)
{
	cleanup_free char *mark = xasprintf("\001cella-raw-%016llx:%zu\001", e->nonce, e->n_raws);

	e->raws = xrealloc(e->raws, (e->n_raws + 1) * sizeof(char *));
	e->raws[e->n_raws++] = text;
	return json_string(mark);
}

/* A string; bytes that are not UTF-8 become U+FFFD (jansson only takes
 * UTF-8, and a command line may not be). */
static json_t *jstr(const char *s)
{
	json_t *j = json_string(s);
	cleanup_free char *fixed = NULL;
	size_t n = 0, len;

	if (j != NULL)
		return j;
	len = strlen(s);
	fixed = xmalloc(len * 3 + 1);
	for (size_t i = 0; i < len;) {
		json_t *one;
		size_t k;

		/* Longest prefix of at most 4 bytes that is valid on its own. */
		for (k = 4; k > 0; k--) {
			if (i + k > len)
				continue;
			one = json_stringn(s + i, k);
			if (one != NULL) {
				json_decref(one);
				break;
			}
		}
		if (k == 0) {
			memcpy(fixed + n, "\xef\xbf\xbd", 3);
			n += 3;
			i++;
		} else {
			memcpy(fixed + n, s + i, k);
			n += k;
			i += k;
		}
	}
	fixed[n] = '\0';
	return json_string(fixed);
}

static json_t *ju64(struct emit *e, uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return raw_text(e, xasprintf("%" PRIu64, v));
}

static void set(json_t *obj, const char *key, json_t *v)
{
	json_object_set_new(obj, key, v);
}

static void set_str(json_t *obj, const char *key, const char *s)
{
	if (s != NULL)
		set(obj, key, jstr(s));
}

static void set_strv(json_t *obj, const char *key, char *const *v)
{
	json_t *a;

	if (strv_len(v) == 0)
		return;
	a = json_array();
	for (size_t i = 0; v[i] != NULL; i++)
		json_array_append_new(a, jstr(v[i]));
	set(obj, key, a);
}

static void set_kvs(json_t *obj, const char *key, const struct cella_kv *kv, size_t n)
{
	json_t *o;

	if (n == 0)
		return;
	o = json_object();
	for (size_t i = 0; i < n; i++)
		set(o, kv[i].key, jstr(kv[i].value));
	set(obj, key, o);
}

static void set_idmaps(json_t *obj, const char *key, const struct cella_idmap *m, size_t n)
{
	json_t *a;

	if (n == 0)
		return;
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_object();
		set(o, "containerID", json_integer(m[i].container_id));
		set(o, "hostID", json_integer(m[i].host_id));
		set(o, "size", json_integer(m[i].size));
		json_array_append_new(a, o);
	}
	set(obj, key, a);
}

/* A section kept as JSON text, embedded as JSON again. */
static void set_json(struct emit *e, json_t *obj, const char *key, const char *text)
{
	json_t *v;

	if (text == NULL)
		return;
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	set(obj, key, v ? v : raw_text(e, xstrdup(text)));
}

static json_t *caps_json(const struct cella_caps *caps)
{
	static const char *const names[] = {"bounding", "effective", "inheritable", "permitted",
					    "ambient"};
	const uint64_t masks[] = {caps->bounding, caps->effective, caps->inheritable,
				  caps->permitted, caps->ambient};
	json_t *o = json_object();

	for (size_t s = 0; s < ARRAY_SIZE(names); s++) {
		json_t *a;

		if (masks[s] == 0)
			continue;
		a = json_array();
		for (int cap = 0; cap < 64; cap++) {
			const char *name = cella_cap_name(cap);
			if ((masks[s] >> cap & 1) && name != NULL)
				json_array_append_new(a, json_string(name));
		}
		set(o, names[s], a);
	}
	return o;
}

static json_t *process_json(struct emit *e, const struct cella_process *p)
{
	json_t *o = json_object(), *u = json_object();

	if (p->terminal)
		set(o, "terminal", json_true());
	if (p->has_console_size) {
		json_t *cs = json_object();
		set(cs, "height", json_integer(p->console_height));
		set(cs, "width", json_integer(p->console_width));
		set(o, "consoleSize", cs);
	}
	set(u, "uid", json_integer(p->user.uid));
	set(u, "gid", json_integer(p->user.gid));
	if (p->user.has_umask)
		set(u, "umask", json_integer(p->user.umask));
	if (p->user.n_additional_gids > 0) {
		json_t *a = json_array();
		for (size_t i = 0; i < p->user.n_additional_gids; i++)
			json_array_append_new(a, json_integer(p->user.additional_gids[i]));
		set(u, "additionalGids", a);
	}
	set_str(u, "username", p->user.username);
	set(o, "user", u);
	set_strv(o, "args", p->args);
	set_str(o, "commandLine", p->command_line);
	set_strv(o, "env", p->env);
	set_str(o, "cwd", p->cwd);
	if (p->has_caps)
		set(o, "capabilities", caps_json(&p->caps));
	if (p->n_rlimits > 0) {
		json_t *a = json_array();
		for (size_t i = 0; i < p->n_rlimits; i++) {
			const struct cella_rlimit *rl = &p->rlimits[i];
			const char *type = rl->type ? rl->type : cella_rlimit_name(rl->resource);
			json_t *r = json_object();
			set_str(r, "type", type);
			set(r, "hard", ju64(e, rl->hard));
			set(r, "soft", ju64(e, rl->soft));
			json_array_append_new(a, r);
		}
		set(o, "rlimits", a);
	}
	if (p->no_new_privileges)
		set(o, "noNewPrivileges", json_true());
	set_str(o, "apparmorProfile", p->apparmor_profile);
	if (p->has_oom_score_adj)
		set(o, "oomScoreAdj", json_integer(p->oom_score_adj));
	if (p->has_scheduler)
		set(o, "scheduler", spec_scheduler_json(&p->scheduler));
	set_str(o, "selinuxLabel", p->selinux_label);
	if (p->has_io_priority)
		set(o, "ioPriority", spec_io_priority_json(&p->io_priority));
	if (p->exec_cpus_initial != NULL || p->exec_cpus_final != NULL)
		set(o, "execCPUAffinity", spec_exec_cpu_affinity_json(p));
	return o;
}

static json_t *mounts_json(const struct cella_spec *spec)
{
	json_t *a = json_array();

	for (size_t i = 0; i < spec->n_mounts; i++) {
		const struct cella_mount *m = &spec->mounts[i];
		json_t *o = json_object();

		set_str(o, "destination", m->destination);
		set_str(o, "type", m->type);
		set_str(o, "source", m->source);
		set_strv(o, "options", m->options);
		set_idmaps(o, "uidMappings", m->uid_mappings, m->n_uid_mappings);
		set_idmaps(o, "gidMappings", m->gid_mappings, m->n_gid_mappings);
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *hooks_json(const struct cella_hooks *hooks)
{
	static const char *const names[CELLA_HOOK_COUNT] = {
	    [CELLA_HOOK_PRESTART] = "prestart",
	    [CELLA_HOOK_CREATE_RUNTIME] = "createRuntime",
	    [CELLA_HOOK_CREATE_CONTAINER] = "createContainer",
	    [CELLA_HOOK_START_CONTAINER] = "startContainer",
	    [CELLA_HOOK_POSTSTART] = "poststart",
	    [CELLA_HOOK_POSTSTOP] = "poststop",
	};
	json_t *o = json_object();

	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		json_t *a;

		if (hooks->count[k] == 0)
			continue;
		a = json_array();
		for (size_t i = 0; i < hooks->count[k]; i++) {
			const struct cella_hook *h = &hooks->list[k][i];
			json_t *ho = json_object();
			set_str(ho, "path", h->path);
			set_strv(ho, "args", h->args);
			set_strv(ho, "env", h->env);
			if (h->has_timeout)
				set(ho, "timeout", json_integer(h->timeout));
			json_array_append_new(a, ho);
		}
		set(o, names[k], a);
	}
	return o;
}

static bool has_hooks(const struct cella_hooks *hooks)
{
	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		if (hooks->count[k] > 0)
			return true;
	}
	return false;
}

static void set_time_offset(json_t *obj, const char *key, const struct cella_time_offset *t)
{
	json_t *o;

	if (!t->set)
		return;
	o = json_object();
	set(o, "secs", json_integer(t->secs));
	set(o, "nanosecs", json_integer(t->nanosecs));
	set(obj, key, o);
}

static json_t *devices_json(const struct cella_linux *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n_devices; i++) {
		const struct cella_device *d = &l->devices[i];
		json_t *o = json_object();
		char type[2] = {d->type, '\0'};

		set_str(o, "path", d->path);
		set(o, "type", json_string(type));
		if (d->type != 'p' || d->major >= 0)
			set(o, "major", json_integer(d->major));
		if (d->type != 'p' || d->minor >= 0)
			set(o, "minor", json_integer(d->minor));
		if (d->has_file_mode)
			set(o, "fileMode", json_integer(d->file_mode));
		if (d->has_uid)
			set(o, "uid", json_integer(d->uid));
		if (d->has_gid)
			set(o, "gid", json_integer(d->gid));
		json_array_append_new(a, o);
	}
	return a;
}

static json_t *linux_json(struct emit *e, const struct cella_linux *l)
{
	/* runc's order for namespaces */
	static const enum cella_ns_type ns_order[] = {
	    CELLA_NS_PID,   CELLA_NS_NET,  CELLA_NS_IPC,    CELLA_NS_UTS,
	    CELLA_NS_MOUNT, CELLA_NS_USER, CELLA_NS_CGROUP, CELLA_NS_TIME};
	json_t *o = json_object(), *ns = json_array();

	set_idmaps(o, "uidMappings", l->uid_mappings, l->n_uid_mappings);
	set_idmaps(o, "gidMappings", l->gid_mappings, l->n_gid_mappings);
	set_kvs(o, "sysctl", l->sysctl, l->n_sysctl);
	set_json(e, o, "resources", l->resources_json);
	set_str(o, "cgroupsPath", l->cgroups_path);
	for (size_t i = 0; i < ARRAY_SIZE(ns_order); i++) {
		const struct cella_ns_conf *n = &l->ns[ns_order[i]];
		json_t *no;

		if (!n->enabled)
			continue;
		no = json_object();
		set(no, "type", json_string(cella_ns_type_name(ns_order[i])));
		set_str(no, "path", n->path);
		json_array_append_new(ns, no);
	}
	if (json_array_size(ns) > 0)
		set(o, "namespaces", ns);
	else
		json_decref(ns);
	if (l->n_devices > 0)
		set(o, "devices", devices_json(l));
	set_json(e, o, "seccomp", l->seccomp_json);
	set_str(o, "rootfsPropagation", l->rootfs_propagation);
	set_strv(o, "maskedPaths", l->masked_paths);
	set_strv(o, "readonlyPaths", l->readonly_paths);
	set_str(o, "mountLabel", l->mount_label);
	set_json(e, o, "intelRdt", l->intel_rdt_json);
	if (l->has_personality)
		set(o, "personality", spec_personality_json(&l->personality));
	if (l->n_net_devices > 0) {
		json_t *nd = json_object();

		for (size_t i = 0; i < l->n_net_devices; i++) {
			json_t *d = json_object();

			if (l->net_devices[i].value != NULL)
				set(d, "name", jstr(l->net_devices[i].value));
			set(nd, l->net_devices[i].key, d);
		}
		set(o, "netDevices", nd);
	}
	if (l->has_memory_policy)
		set(o, "memoryPolicy", spec_memory_policy_json(&l->memory_policy));
	if (l->time_boottime.set || l->time_monotonic.set) {
		json_t *t = json_object();
		set_time_offset(t, "boottime", &l->time_boottime);
		set_time_offset(t, "monotonic", &l->time_monotonic);
		set(o, "timeOffsets", t);
	}
	return o;
}

/* Replace each placeholder string with its slot's text. */
static char *fill_raws(const struct emit *e, const char *text)
{
	size_t olen = strlen(e->mark_open), clen = strlen(MARK_CLOSE), size = strlen(text) + 1;
	char *out, *w;
	const char *p;

	for (size_t i = 0; i < e->n_raws; i++)
		size += strlen(e->raws[i]);
	out = w = xmalloc(size);
	for (p = text; *p;) {
		const char *m = strstr(p, e->mark_open), *end;
		char *num_end;
		unsigned long idx;

		if (m == NULL)
			break;
		idx = strtoul(m + olen, &num_end, 10);
		end = num_end;
		if (num_end == m + olen || idx >= e->n_raws ||
		    strncmp(end, MARK_CLOSE, clen) != 0) {
			/* not ours: copy through */
			memcpy(w, p, (size_t)(m - p) + olen);
			w += (m - p) + olen;
			p = m + olen;
			continue;
		}
		memcpy(w, p, (size_t)(m - p));
		w += m - p;
		w = stpcpy(w, e->raws[idx]);
		p = end + clen;
	}
	strcpy(w, p);
	return out;
}

char *cella_spec_to_json(const struct cella_spec *spec)
{
	static unsigned long long counter;
	struct emit e = {0};
	json_t *o = json_object(), *root = json_object();
	char *text, *out;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	e.nonce = (unsigned long long)(uintptr_t)&e << 20 ^ (unsigned long long)ts.tv_nsec ^
		  (unsigned long long)getpid() << 44 ^
		  __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	snprintf(e.mark_open, sizeof(e.mark_open), "\"\\u0001cella-raw-%016llx:", e.nonce);

	set_str(o, "ociVersion", spec->oci_version ? spec->oci_version : CELLA_OCI_VERSION);
	if (spec->process != NULL)
		set(o, "process", process_json(&e, spec->process));
	set_str(root, "path", spec->root_path);
	if (spec->root_readonly)
		set(root, "readonly", json_true());
	set(o, "root", root);
	set_str(o, "hostname", spec->hostname);
	set_str(o, "domainname", spec->domainname);
	if (spec->n_mounts > 0)
		set(o, "mounts", mounts_json(spec));
	if (has_hooks(&spec->hooks))
		set(o, "hooks", hooks_json(&spec->hooks));
	set_kvs(o, "annotations", spec->annotations, spec->n_annotations);
	if (spec->has_linux)
		set(o, "linux", linux_json(&e, &spec->linux_));

	text = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		out = NULL;
	else if (e.n_raws == 0)
		out = text;
	else {
		out = fill_raws(&e, text);
		free(text);
	}
	for (size_t i = 0; i < e.n_raws; i++)
		free(e.raws[i]);
	free(e.raws);
	return out;
}
