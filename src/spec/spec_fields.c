/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One table per object of config.json, and the three walkers that parse,
 * emit and free a spec with them (spec_internal.h). Adding a member to an
 * object is one line in its table here (and its member in spec.h); a member
 * that is more than one value gets a reader (spec_parse.c, spec_attrs.c),
 * an emitter (spec_emit.c) and, when it owns memory, a freer (spec_free.c).
 *
 * The tables list members in the order `runc spec` writes them; the parser
 * reads them in the same order. The process attributes' tables (scheduler,
 * ioPriority, execCPUAffinity, personality, memoryPolicy) sit beside their
 * readers in spec_attrs.c; linux.resources and linux.seccomp keep their own
 * parsers (spec_resources*.c, spec_seccomp*.c).
 */
#include "spec/spec_internal.h"

#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/util.h"

/* ---- the walkers ---- */

static void *at(void *base, size_t offset)
{
	return (char *)base + offset;
}

static const void *cat(const void *base, size_t offset)
{
	return (const char *)base + offset;
}

static bool required(const struct spec_ctx *c, const struct spec_field *f)
{
	return (f->flags & SPEC_REQUIRED) ||
	       ((f->flags & SPEC_REQUIRED_IN_CONFIG) && !c->user_optional);
}

static int read_members(struct spec_ctx *c, json_t *v, const struct spec_object *obj, void *base)
{
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	if (obj->init != NULL)
		obj->init(base);
	r = spec_read_object(c, v, obj, base);
	if (r < 0)
		return r;
	return obj->check != NULL ? obj->check(c, v, base) : 0;
}

static int read_array(struct spec_ctx *c, json_t *v, const struct spec_field *f, void *base)
{
	const struct spec_object *obj = f->object;
	size_t count;
	char *items;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array");
	count = json_array_size(v);
	/* Set first, so that a half-read array is freed with the spec. */
	items = xcalloc(count, obj->size);
	memcpy(at(base, f->offset), &items, sizeof(items));
	*(size_t *)at(base, f->count) = count;
	for (size_t i = 0; i < count; i++) {
		int r;

		spec_push_index(c, i);
		r = read_members(c, json_array_get(v, i), obj, items + i * obj->size);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return 0;
}

static int read_field(struct spec_ctx *c, json_t *v, const struct spec_field *f, void *base)
{
	void *p = (f->flags & SPEC_WHOLE) ? base : at(base, f->offset);

	switch (f->kind) {
	case SPEC_VALUE:
		return f->read(c, v, p);
	case SPEC_OBJECT:
		return read_members(c, v, f->object, p);
	case SPEC_OBJECT_PTR: {
		void *obj;
		int r;

		if ((r = spec_rd_object(c, v)) < 0)
			return r;
		obj = xcalloc(1, f->object->size);
		*(void **)p = obj;
		return read_members(c, v, f->object, obj);
	}
	case SPEC_ARRAY:
		return read_array(c, v, f, base);
	case SPEC_KVS:
		return spec_rd_kvs(c, v, (struct cella_kv **)p, (size_t *)at(base, f->count));
	default:
		return spec_fail(c, "internal error: unknown field kind");
	}
}

int spec_read_object(struct spec_ctx *c, json_t *v, const struct spec_object *obj, void *base)
{
	for (size_t i = 0; i < obj->n_fields; i++) {
		const struct spec_field *f = &obj->fields[i];
		json_t *x = spec_member(v, f->name);
		int r;

		if (x == NULL) {
			if (required(c, f))
				return spec_fail_missing(c, f->name);
			continue;
		}
		spec_push_key(c, f->name);
		if ((r = read_field(c, x, f, base)) < 0)
			return r;
		spec_pop(c);
		if (f->has != 0)
			*(bool *)at(base, f->has - 1) = true;
	}
	return 0;
}

static json_t *emit_field(struct spec_emit *e, const struct spec_field *f, const void *base)
{
	const void *p = (f->flags & SPEC_WHOLE) ? base : cat(base, f->offset);

	switch (f->kind) {
	case SPEC_VALUE:
		return f->emit != NULL ? f->emit(e, p) : NULL;
	case SPEC_OBJECT: {
		json_t *o = spec_emit_object(e, f->object, p);

		if ((f->flags & SPEC_OMIT_EMPTY) && json_object_size(o) == 0) {
			json_decref(o);
			return NULL;
		}
		return o;
	}
	case SPEC_OBJECT_PTR: {
		const void *obj = *(void *const *)p;
		return obj != NULL ? spec_emit_object(e, f->object, obj) : NULL;
	}
	case SPEC_ARRAY: {
		size_t n = *(const size_t *)cat(base, f->count);
		const char *items = *(const char *const *)p;
		json_t *a;

		if (n == 0)
			return NULL;
		a = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(
			    a, spec_emit_object(e, f->object, items + i * f->object->size));
		return a;
	}
	case SPEC_KVS: {
		size_t n = *(const size_t *)cat(base, f->count);
		const struct cella_kv *kv = *(const struct cella_kv *const *)p;
		json_t *o;

		if (n == 0)
			return NULL;
		o = json_object();
		for (size_t i = 0; i < n; i++)
			json_object_set_new(o, kv[i].key, spec_jstr(kv[i].value));
		return o;
	}
	default:
		return NULL;
	}
}

json_t *spec_emit_object(struct spec_emit *e, const struct spec_object *obj, const void *base)
{
	json_t *o = json_object();

	for (size_t i = 0; i < obj->n_fields; i++) {
		const struct spec_field *f = &obj->fields[i];
		json_t *v;

		if (f->has != 0 && !*(const bool *)cat(base, f->has - 1))
			continue;
		v = emit_field(e, f, base);
		if (v != NULL)
			json_object_set_new(o, f->name, v);
	}
	return o;
}

void spec_free_object(const struct spec_object *obj, void *base)
{
	for (size_t i = 0; i < obj->n_fields; i++) {
		const struct spec_field *f = &obj->fields[i];
		void *p = (f->flags & SPEC_WHOLE) ? base : at(base, f->offset);

		switch (f->kind) {
		case SPEC_VALUE:
			if (f->free != NULL)
				f->free(p);
			break;
		case SPEC_OBJECT:
			spec_free_object(f->object, p);
			break;
		case SPEC_OBJECT_PTR: {
			void *sub = *(void **)p;

			if (sub != NULL) {
				spec_free_object(f->object, sub);
				free(sub);
			}
			break;
		}
		case SPEC_ARRAY: {
			char *items = *(char **)p;
			size_t n = *(size_t *)at(base, f->count);

			for (size_t k = 0; items != NULL && k < n; k++)
				spec_free_object(f->object, items + k * f->object->size);
			free(items);
			break;
		}
		case SPEC_KVS: {
			struct cella_kv *kv = *(struct cella_kv **)p;
			size_t n = *(size_t *)at(base, f->count);

			for (size_t k = 0; kv != NULL && k < n; k++) {
				free(kv[k].key);
				free(kv[k].value);
			}
			free(kv);
			break;
		}
		default:
			break;
		}
	}
}

/* ---- the tables ---- */

/* A value member: its reader, emitter, freer. */
#define VALUE(key, type, member, flags_, rd, em, fr)                                               \
	{                                                                                          \
		.name = (key), .kind = SPEC_VALUE, .flags = (flags_),                              \
		.offset = offsetof(type, member), .read = (rd), .emit = (em), .free = (fr)         \
	}
/* The same, with its has_* flag. */
#define VALUE_HAS(key, type, member, has_, rd, em, fr)                                             \
	{                                                                                          \
		.name = (key), .kind = SPEC_VALUE, .offset = offsetof(type, member), .read = (rd), \
		.emit = (em), .free = (fr), .has = SPEC_HAS(type, has_)                            \
	}
/* A member filling several members of the struct. */
#define WHOLE(key, flags_, rd, em, fr)                                                             \
	{                                                                                          \
		.name = (key), .kind = SPEC_VALUE, .flags = SPEC_WHOLE | (flags_), .read = (rd),   \
		.emit = (em), .free = (fr)                                                         \
	}
#define STR(key, type, member, flags_)                                                             \
	VALUE(key, type, member, flags_, spec_rd_str, spec_emit_str, spec_free_str)
#define ARRAY(key, type, member, n_member, obj)                                                    \
	{                                                                                          \
		.name = (key), .kind = SPEC_ARRAY, .offset = offsetof(type, member),               \
		.count = offsetof(type, n_member), .object = &(obj)                                \
	}
#define OBJECT_HAS(key, type, member, has_, obj)                                                   \
	{                                                                                          \
		.name = (key), .kind = SPEC_OBJECT, .offset = offsetof(type, member),              \
		.has = SPEC_HAS(type, has_), .object = &(obj)                                      \
	}
#define KVS(key, type, member, n_member)                                                           \
	{                                                                                          \
		.name = (key), .kind = SPEC_KVS, .offset = offsetof(type, member),                 \
		.count = offsetof(type, n_member)                                                  \
	}

static const struct spec_field idmap_fields[] = {
    VALUE("containerID", struct cella_idmap, container_id, SPEC_REQUIRED, spec_rd_u32,
	  spec_emit_u32, NULL),
    VALUE("hostID", struct cella_idmap, host_id, SPEC_REQUIRED, spec_rd_u32, spec_emit_u32, NULL),
    VALUE("size", struct cella_idmap, size, SPEC_REQUIRED, spec_rd_u32, spec_emit_u32, NULL),
};
static const struct spec_object idmap_object =
    SPEC_TABLE("idmap", struct cella_idmap, idmap_fields, .check = spec_check_idmap);

static const struct spec_field mount_fields[] = {
    VALUE("destination", struct cella_mount, destination, SPEC_REQUIRED, spec_rd_abs_path,
	  spec_emit_str, spec_free_str),
    STR("type", struct cella_mount, type, 0),
    STR("source", struct cella_mount, source, 0),
    VALUE("options", struct cella_mount, options, 0, spec_rd_strv, spec_emit_strv, spec_free_strv),
    ARRAY("uidMappings", struct cella_mount, uid_mappings, n_uid_mappings, idmap_object),
    ARRAY("gidMappings", struct cella_mount, gid_mappings, n_gid_mappings, idmap_object),
};
static const struct spec_object mount_object =
    SPEC_TABLE("mounts", struct cella_mount, mount_fields);

static const struct spec_field console_size_fields[] = {
    VALUE("height", struct cella_process, console_height, SPEC_REQUIRED, spec_rd_u16, spec_emit_u16,
	  NULL),
    VALUE("width", struct cella_process, console_width, SPEC_REQUIRED, spec_rd_u16, spec_emit_u16,
	  NULL),
};
static const struct spec_object console_size_object =
    SPEC_TABLE("consoleSize", struct cella_process, console_size_fields);

static const struct spec_field user_fields[] = {
    VALUE("uid", struct cella_user, uid, SPEC_REQUIRED, spec_rd_u32, spec_emit_u32, NULL),
    VALUE("gid", struct cella_user, gid, SPEC_REQUIRED, spec_rd_u32, spec_emit_u32, NULL),
    VALUE_HAS("umask", struct cella_user, umask, has_umask, spec_rd_u32, spec_emit_u32, NULL),
    WHOLE("additionalGids", 0, spec_rd_additional_gids, spec_emit_additional_gids,
	  spec_free_additional_gids),
    STR("username", struct cella_user, username, 0),
};
static const struct spec_object user_object = SPEC_TABLE("user", struct cella_user, user_fields);

static void rlimit_free_type(void *p)
{
	free(((struct cella_rlimit *)p)->type);
}

static const struct spec_field rlimit_fields[] = {
    WHOLE("type", SPEC_REQUIRED, spec_rd_rlimit_type, spec_emit_rlimit_type, rlimit_free_type),
    VALUE("hard", struct cella_rlimit, hard, SPEC_REQUIRED, spec_rd_u64, spec_emit_u64, NULL),
    VALUE("soft", struct cella_rlimit, soft, SPEC_REQUIRED, spec_rd_u64, spec_emit_u64, NULL),
};
static const struct spec_object rlimit_object =
    SPEC_TABLE("rlimits", struct cella_rlimit, rlimit_fields, .check = spec_check_rlimit);

static const struct spec_field process_fields[] = {
    VALUE("terminal", struct cella_process, terminal, 0, spec_rd_bool, spec_emit_true, NULL),
    {.name = "consoleSize",
     .kind = SPEC_OBJECT,
     .object = &console_size_object,
     .has = SPEC_HAS(struct cella_process, has_console_size)},
    {.name = "user",
     .kind = SPEC_OBJECT,
     .flags = SPEC_REQUIRED_IN_CONFIG,
     .offset = offsetof(struct cella_process, user),
     .object = &user_object},
    VALUE("args", struct cella_process, args, SPEC_REQUIRED, spec_rd_args, spec_emit_strv,
	  spec_free_strv),
    STR("commandLine", struct cella_process, command_line, 0),
    VALUE("env", struct cella_process, env, 0, spec_rd_env, spec_emit_strv, spec_free_strv),
    VALUE("cwd", struct cella_process, cwd, SPEC_REQUIRED, spec_rd_abs_path, spec_emit_str,
	  spec_free_str),
    {.name = "capabilities",
     .kind = SPEC_VALUE,
     .flags = SPEC_WHOLE,
     .read = spec_rd_caps,
     .emit = spec_emit_caps,
     .has = SPEC_HAS(struct cella_process, has_caps)},
    ARRAY("rlimits", struct cella_process, rlimits, n_rlimits, rlimit_object),
    VALUE("noNewPrivileges", struct cella_process, no_new_privileges, 0, spec_rd_bool,
	  spec_emit_true, NULL),
    STR("apparmorProfile", struct cella_process, apparmor_profile, 0),
    VALUE_HAS("oomScoreAdj", struct cella_process, oom_score_adj, has_oom_score_adj,
	      spec_rd_oom_score_adj, spec_emit_int, NULL),
    OBJECT_HAS("scheduler", struct cella_process, scheduler, has_scheduler, spec_scheduler_object),
    STR("selinuxLabel", struct cella_process, selinux_label, 0),
    OBJECT_HAS("ioPriority", struct cella_process, io_priority, has_io_priority,
	       spec_io_priority_object),
    /* Members of the process struct; left out when neither is set. */
    {.name = "execCPUAffinity",
     .kind = SPEC_OBJECT,
     .flags = SPEC_OMIT_EMPTY,
     .object = &spec_exec_cpu_affinity_object},
};
const struct spec_object spec_process_object =
    SPEC_TABLE("process", struct cella_process, process_fields, .check = spec_check_process);

static const struct spec_field root_fields[] = {
    STR("path", struct cella_spec, root_path, SPEC_REQUIRED),
    VALUE("readonly", struct cella_spec, root_readonly, 0, spec_rd_bool, spec_emit_true, NULL),
};
static const struct spec_object root_object =
    SPEC_TABLE("root", struct cella_spec, root_fields, .check = spec_check_root);

static const struct spec_field hook_fields[] = {
    VALUE("path", struct cella_hook, path, SPEC_REQUIRED, spec_rd_abs_path, spec_emit_str,
	  spec_free_str),
    VALUE("args", struct cella_hook, args, 0, spec_rd_strv, spec_emit_strv, spec_free_strv),
    VALUE("env", struct cella_hook, env, 0, spec_rd_env, spec_emit_strv, spec_free_strv),
    VALUE_HAS("timeout", struct cella_hook, timeout, has_timeout, spec_rd_timeout, spec_emit_int,
	      NULL),
};
static const struct spec_object hook_object = SPEC_TABLE("hook", struct cella_hook, hook_fields);

/* The hook kinds: the one place their names are written (hook_kind_name,
 * `cella features` and the runners read them here). */
#define HOOK_KIND(k, key)                                                                          \
	[k] = {.name = (key),                                                                      \
	       .kind = SPEC_ARRAY,                                                                 \
	       .offset = offsetof(struct cella_hooks, list[k]),                                    \
	       .count = offsetof(struct cella_hooks, count[k]),                                    \
	       .object = &hook_object}
static const struct spec_field hooks_fields[CELLA_HOOK_COUNT] = {
    HOOK_KIND(CELLA_HOOK_PRESTART, "prestart"),
    HOOK_KIND(CELLA_HOOK_CREATE_RUNTIME, "createRuntime"),
    HOOK_KIND(CELLA_HOOK_CREATE_CONTAINER, "createContainer"),
    HOOK_KIND(CELLA_HOOK_START_CONTAINER, "startContainer"),
    HOOK_KIND(CELLA_HOOK_POSTSTART, "poststart"),
    HOOK_KIND(CELLA_HOOK_POSTSTOP, "poststop"),
};
static const struct spec_object hooks_object =
    SPEC_TABLE("hooks", struct cella_hooks, hooks_fields);

const char *cella_hook_kind_name(enum cella_hook_kind k)
{
	return (unsigned)k < CELLA_HOOK_COUNT ? hooks_fields[k].name : NULL;
}

static void device_init(void *p)
{
	struct cella_device *d = p;
	d->major = d->minor = -1;
}

static const struct spec_field device_fields[] = {
    VALUE("path", struct cella_device, path, SPEC_REQUIRED, spec_rd_abs_path, spec_emit_str,
	  spec_free_str),
    WHOLE("type", SPEC_REQUIRED, spec_rd_device_type, spec_emit_device_type, NULL),
    /* Required but for 'p' (spec_check_device); -1 when absent. */
    WHOLE("major", 0, spec_rd_device_major, spec_emit_device_major, NULL),
    WHOLE("minor", 0, spec_rd_device_minor, spec_emit_device_minor, NULL),
    VALUE_HAS("fileMode", struct cella_device, file_mode, has_file_mode, spec_rd_file_mode,
	      spec_emit_mode, NULL),
    VALUE_HAS("uid", struct cella_device, uid, has_uid, spec_rd_u32, spec_emit_u32, NULL),
    VALUE_HAS("gid", struct cella_device, gid, has_gid, spec_rd_u32, spec_emit_u32, NULL),
};
static const struct spec_object device_object = SPEC_TABLE(
    "devices", struct cella_device, device_fields, .init = device_init, .check = spec_check_device);

static const struct spec_field linux_fields[] = {
    ARRAY("uidMappings", struct cella_linux, uid_mappings, n_uid_mappings, idmap_object),
    ARRAY("gidMappings", struct cella_linux, gid_mappings, n_gid_mappings, idmap_object),
    KVS("sysctl", struct cella_linux, sysctl, n_sysctl),
    VALUE("resources", struct cella_linux, resources_json, 0, spec_rd_json_object,
	  spec_emit_json_text, spec_free_str),
    STR("cgroupsPath", struct cella_linux, cgroups_path, 0),
    WHOLE("namespaces", 0, spec_rd_namespaces, spec_emit_namespaces, spec_free_namespaces),
    ARRAY("devices", struct cella_linux, devices, n_devices, device_object),
    WHOLE("seccomp", 0, spec_rd_seccomp_section, spec_emit_seccomp_section,
	  spec_free_seccomp_section),
    VALUE("rootfsPropagation", struct cella_linux, rootfs_propagation, 0, spec_rd_propagation,
	  spec_emit_str, spec_free_str),
    VALUE("maskedPaths", struct cella_linux, masked_paths, 0, spec_rd_abs_strv, spec_emit_strv,
	  spec_free_strv),
    VALUE("readonlyPaths", struct cella_linux, readonly_paths, 0, spec_rd_abs_strv, spec_emit_strv,
	  spec_free_strv),
    STR("mountLabel", struct cella_linux, mount_label, 0),
    VALUE("intelRdt", struct cella_linux, intel_rdt_json, 0, spec_rd_json_object,
	  spec_emit_json_text, spec_free_str),
    OBJECT_HAS("personality", struct cella_linux, personality, has_personality,
	       spec_personality_object),
    WHOLE("netDevices", 0, spec_rd_net_devices, spec_emit_net_devices, spec_free_net_devices),
    OBJECT_HAS("memoryPolicy", struct cella_linux, memory_policy, has_memory_policy,
	       spec_memory_policy_object),
    WHOLE("timeOffsets", 0, spec_rd_time_offsets, spec_emit_time_offsets, NULL),
};
static const struct spec_object linux_object =
    SPEC_TABLE("linux", struct cella_linux, linux_fields);

static const struct spec_field config_fields[] = {
    VALUE("ociVersion", struct cella_spec, oci_version, SPEC_REQUIRED, spec_rd_oci_version,
	  spec_emit_oci_version, spec_free_str),
    {.name = "process",
     .kind = SPEC_OBJECT_PTR,
     .offset = offsetof(struct cella_spec, process),
     .object = &spec_process_object},
    {.name = "root", .kind = SPEC_OBJECT, .flags = SPEC_REQUIRED, .object = &root_object},
    STR("hostname", struct cella_spec, hostname, 0),
    STR("domainname", struct cella_spec, domainname, 0),
    ARRAY("mounts", struct cella_spec, mounts, n_mounts, mount_object),
    {.name = "hooks",
     .kind = SPEC_OBJECT,
     .flags = SPEC_OMIT_EMPTY,
     .offset = offsetof(struct cella_spec, hooks),
     .object = &hooks_object},
    KVS("annotations", struct cella_spec, annotations, n_annotations),
    {.name = "linux",
     .kind = SPEC_OBJECT,
     .offset = offsetof(struct cella_spec, linux_),
     .object = &linux_object,
     .has = SPEC_HAS(struct cella_spec, has_linux)},
};
const struct spec_object spec_config_object =
    SPEC_TABLE("config", struct cella_spec, config_fields);

const struct spec_object *const spec_objects[] = {
    &spec_config_object,
    &spec_process_object,
    &console_size_object,
    &user_object,
    &rlimit_object,
    &root_object,
    &mount_object,
    &idmap_object,
    &hooks_object,
    &hook_object,
    &linux_object,
    &device_object,
    &spec_scheduler_object,
    &spec_io_priority_object,
    &spec_exec_cpu_affinity_object,
    &spec_personality_object,
    &spec_memory_policy_object,
    NULL,
};
