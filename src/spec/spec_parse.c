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

int spec_check_idmap(struct spec_ctx *c, json_t *v, void *idmap)
{
	const struct cella_idmap *m = idmap;

	if (m->size == 0)
		return spec_fail_extra(c, "size", "must be greater than 0");
	return 0;
}

static int rd_gid(struct spec_ctx *c, json_t *v, void *elem)
{
	return spec_rd_u32(c, v, elem);
}

/* process.user.umask is read as a uint32_t into a mode_t. */
_Static_assert(sizeof(mode_t) == sizeof(uint32_t), "mode_t is 32 bits");

int spec_rd_additional_gids(struct spec_ctx *c, json_t *v, void *user)
{
	struct cella_user *u = user;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of integers");
	return spec_rd_array(c, v, sizeof(gid_t), &u->additional_gids, &u->n_additional_gids,
			     rd_gid);
}

static const char *const cap_sets[] = {"bounding", "effective", "inheritable", "permitted",
				       "ambient"};

static uint64_t *cap_set(struct cella_caps *caps, size_t i)
{
	uint64_t *sets[] = {&caps->bounding, &caps->effective, &caps->inheritable, &caps->permitted,
			    &caps->ambient};
	return sets[i];
}

int spec_rd_caps(struct spec_ctx *c, json_t *v, void *out)
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

int spec_rd_rlimit_type(struct spec_ctx *c, json_t *v, void *rlimit)
{
	struct cella_rlimit *rl = rlimit;
	int r = spec_rd_str(c, v, &rl->type);

	if (r < 0)
		return r;
	rl->resource = cella_rlimit_from_name(rl->type);
	if (rl->resource < 0)
		return spec_fail(c, "unknown rlimit type `%s`", rl->type);
	return 0;
}

int spec_check_rlimit(struct spec_ctx *c, json_t *v, void *rlimit)
{
	const struct cella_rlimit *rl = rlimit;

	if (rl->soft > rl->hard) {
		spec_push_key(c, "soft");
		return spec_fail(c, "soft limit %" PRIu64 " is above hard limit %" PRIu64, rl->soft,
				 rl->hard);
	}
	return 0;
}

/* After the members: no rlimit twice. */
int spec_check_process(struct spec_ctx *c, json_t *v, void *process)
{
	const struct cella_process *p = process;

	for (size_t i = 1; i < p->n_rlimits; i++) {
		for (size_t j = 0; j < i; j++) {
			if (p->rlimits[i].resource != p->rlimits[j].resource)
				continue;
			spec_push_key(c, "rlimits");
			spec_push_index(c, i);
			spec_push_key(c, "type");
			return spec_fail(c, "duplicate rlimit `%s`", p->rlimits[i].type);
		}
	}
	return 0;
}

/* The process object alone, for `cella exec --process` (spec_process.c). */
int spec_read_process(struct spec_ctx *c, json_t *v, struct cella_process **out)
{
	const struct spec_object *obj = &spec_process_object;
	int r;

	if ((r = spec_rd_object(c, v)) < 0)
		return r;
	*out = xcalloc(1, sizeof(**out));
	if ((r = spec_read_object(c, v, obj, *out)) < 0)
		return r;
	return obj->check(c, v, *out);
}

int spec_check_root(struct spec_ctx *c, json_t *v, void *out)
{
	const struct cella_spec *spec = out;

	if (spec->root_path[0] == '\0') {
		spec_push_key(c, "path");
		return spec_fail(c, "must not be empty");
	}
	return 0;
}

int spec_rd_namespaces(struct spec_ctx *c, json_t *v, void *linux_)
{
	struct cella_linux *l = linux_;

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

int spec_rd_propagation(struct spec_ctx *c, json_t *v, void *out)
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

int spec_rd_device_type(struct spec_ctx *c, json_t *v, void *device)
{
	struct cella_device *d = device;
	cleanup_free char *type = NULL;
	int r;

	if ((r = spec_rd_str(c, v, &type)) < 0)
		return r;
	if (strlen(type) != 1 || strchr("cbup", type[0]) == NULL)
		return spec_fail(c, "invalid device type `%s` (expected c, b, u or p)", type);
	d->type = type[0];
	return 0;
}

int spec_rd_device_major(struct spec_ctx *c, json_t *v, void *device)
{
	return spec_rd_i64(c, v, &((struct cella_device *)device)->major);
}

int spec_rd_device_minor(struct spec_ctx *c, json_t *v, void *device)
{
	return spec_rd_i64(c, v, &((struct cella_device *)device)->minor);
}

/* major and minor are required but for a FIFO. */
int spec_check_device(struct spec_ctx *c, json_t *v, void *device)
{
	const struct cella_device *d = device;

	if (d->type == 'p')
		return 0;
	if (spec_member(v, "major") == NULL)
		return spec_fail_missing(c, "major");
	if (spec_member(v, "minor") == NULL)
		return spec_fail_missing(c, "minor");
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

int spec_rd_time_offsets(struct spec_ctx *c, json_t *v, void *out)
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
int spec_rd_seccomp_section(struct spec_ctx *c, json_t *v, void *out)
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
int spec_rd_net_devices(struct spec_ctx *c, json_t *v, void *out)
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

int spec_rd_oci_version(struct spec_ctx *c, json_t *v, void *out)
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
	if (!json_is_object(v))
		return spec_fail(c, "expected a JSON object at the top level");
	return spec_read_object(c, v, &spec_config_object, spec);
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
