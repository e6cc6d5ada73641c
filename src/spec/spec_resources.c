/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources JSON -> struct cella_resources. The text is the compact
 * copy spec_parse.c kept (integers as written), so positions in config.json
 * are not known here: messages name the JSON path.
 */
#include "spec/spec_resources.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/util.h"

void cella_resources_clear(struct cella_resources *r)
{
	free(r->cpu_cpus);
	free(r->cpu_mems);
	free(r->devices);
	for (size_t i = 0; i < CELLA_THROTTLE_N; i++)
		free(r->throttle[i]);
	free(r->hugetlb);
	free(r->weight_device);
	free(r->net_prio);
	for (size_t i = 0; i < r->n_unified; i++) {
		free(r->unified[i].key);
		free(r->unified[i].value);
	}
	free(r->unified);
	strv_free(r->ignored);
	memset(r, 0, sizeof(*r));
}

const char *const cella_throttle_names[CELLA_THROTTLE_N] = {
    [CELLA_THROTTLE_READ_BPS] = "throttleReadBpsDevice",
    [CELLA_THROTTLE_WRITE_BPS] = "throttleWriteBpsDevice",
    [CELLA_THROTTLE_READ_IOPS] = "throttleReadIOPSDevice",
    [CELLA_THROTTLE_WRITE_IOPS] = "throttleWriteIOPSDevice",
};

bool cella_resources_any(const struct cella_resources *r)
{
	return r->has_memory_limit || r->has_memory_reservation || r->has_memory_swap ||
	       r->has_memory_swappiness || r->has_cpu_shares || r->has_cpu_quota ||
	       r->has_cpu_period || r->cpu_cpus != NULL || r->cpu_mems != NULL ||
	       r->has_pids_limit || r->has_blkio_weight || r->has_cpu_burst || r->n_hugetlb > 0 ||
	       r->has_cpu_idle || r->has_cpu_rt_period || r->has_cpu_rt_runtime ||
	       r->has_memory_disable_oom_killer || r->n_throttle[CELLA_THROTTLE_READ_BPS] > 0 ||
	       r->n_throttle[CELLA_THROTTLE_WRITE_BPS] > 0 ||
	       r->n_throttle[CELLA_THROTTLE_READ_IOPS] > 0 ||
	       r->n_throttle[CELLA_THROTTLE_WRITE_IOPS] > 0 || r->n_unified > 0 ||
	       r->has_blkio_leaf_weight || r->n_weight_device > 0 || r->has_net_classid ||
	       r->n_net_prio > 0;
}

#define RES "linux.resources"

/* Member key of obj, NULL when absent or null (read as absent, as runc's
 * decoder does). */
static json_t *member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_null(v) ? NULL : v;
}

static int rd_i64(json_t *obj, const char *sect, const char *key, int64_t min, int64_t max,
		  bool *has, int64_t *out, cella_error *err)
{
	json_t *v = member(obj, key);
	json_int_t x;

	if (v == NULL)
		return 0;
	if (json_is_real(v)) {
		/* Read with JSON_DECODE_INT_AS_REAL: exact up to 2^53, beyond
		 * which every resource is out of range anyway. */
		double d = json_real_value(v);

		if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) ||
		    d != (double)(long long)d)
			return cella_err_invalid(
			    err, RES ".%s.%s: expected an integer from %" PRId64 " to %" PRId64,
			    sect, key, min, max);
		x = (json_int_t)d;
	} else if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else {
		return cella_err_invalid(err, RES ".%s.%s: expected an integer", sect, key);
	}
	if (x < min || x > max)
		return cella_err_invalid(err,
					 RES ".%s.%s: %" JSON_INTEGER_FORMAT
					     " is out of range (%" PRId64 " to %" PRId64 ")",
					 sect, key, x, min, max);
	*out = x;
	*has = true;
	return 0;
}

static int rd_u64(json_t *obj, const char *sect, const char *key, uint64_t min, uint64_t max,
		  bool *has, uint64_t *out, cella_error *err)
{
	int64_t x;
	int r = rd_i64(obj, sect, key, (int64_t)min, max > INT64_MAX ? INT64_MAX : (int64_t)max,
		       has, &x, err);

	if (r == 0 && *has)
		*out = (uint64_t)x;
	return r;
}

/* Zero is "leave as is" for the fields Docker, podman and containerd fill
 * with zeros (runc 1.1 writes none of them): `docker run` sends
 * cpu.shares 0, `docker update` memory.limit 0 beside the one field it
 * changes. */
static void zero_unset(bool *has, int64_t v)
{
	if (*has && v == 0)
		*has = false;
}

static void zero_unset_u(bool *has, uint64_t v)
{
	if (*has && v == 0)
		*has = false;
}

/* A cpu or memory node list: "0-3,7". "" is absent. */
static int rd_list(json_t *obj, const char *sect, const char *key, char **out, cella_error *err)
{
	json_t *v = member(obj, key);
	const char *s;

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return cella_err_invalid(err, RES ".%s.%s: expected a string", sect, key);
	s = json_string_value(v);
	if (s[0] == '\0')
		return 0;
	if (s[strspn(s, "0123456789,-")] != '\0') {
		char esc[128];
		return cella_err_invalid(err, RES ".%s.%s: `%s` is not a list like 0-3,7", sect,
					 key, str_escape(s, esc, sizeof(esc)));
	}
	*out = xstrdup(s);
	return 0;
}

static int enter_section(json_t *root, const char *sect, json_t **out, cella_error *err)
{
	json_t *v = member(root, sect);

	*out = NULL;
	if (v == NULL)
		return 0;
	if (!json_is_object(v))
		return cella_err_invalid(err, RES ".%s: expected an object", sect);
	*out = v;
	return 0;
}

/* Members read but not applied by this build. */
static void note_ignored(struct cella_resources *r, json_t *obj, const char *sect,
			 const char *const *keys)
{
	for (; *keys; keys++) {
		if (member(obj, *keys) == NULL)
			continue;
		if (sect != NULL) {
			cleanup_free char *p = xasprintf(RES ".%s.%s", sect, *keys);
			strv_append(&r->ignored, p);
		} else {
			cleanup_free char *p = xasprintf(RES ".%s", *keys);
			strv_append(&r->ignored, p);
		}
	}
}

static int rd_memory(json_t *root, struct cella_resources *r, cella_error *err)
{
	static const char *const ignored[] = {"useHierarchy", "checkBeforeUpdate", NULL};
	static const char *const kmem[] = {"kernel", "kernelTCP"};
	json_t *m;
	bool has = false;

	if (enter_section(root, "memory", &m, err) < 0)
		return -EINVAL;
	if (m == NULL)
		return 0;
	if (rd_i64(m, "memory", "limit", -1, INT64_MAX, &r->has_memory_limit, &r->memory_limit,
		   err) < 0 ||
	    rd_i64(m, "memory", "reservation", -1, INT64_MAX, &r->has_memory_reservation,
		   &r->memory_reservation, err) < 0 ||
	    rd_i64(m, "memory", "swap", -1, INT64_MAX, &r->has_memory_swap, &r->memory_swap, err) <
		0 ||
	    rd_u64(m, "memory", "swappiness", 0, 100, &has, &r->memory_swappiness, err) < 0)
		return -EINVAL;
	r->has_memory_swappiness = has;
	zero_unset(&r->has_memory_limit, r->memory_limit);
	zero_unset(&r->has_memory_reservation, r->memory_reservation);
	zero_unset(&r->has_memory_swap, r->memory_swap);
	{
		json_t *d = member(m, "disableOOMKiller");

		if (d != NULL && !json_is_boolean(d))
			return cella_err_invalid(err, RES ".memory.disableOOMKiller: expected a "
							  "boolean");
		/* false is the kernel's default: only true asks for something. */
		r->has_memory_disable_oom_killer = json_is_true(d);
		r->memory_disable_oom_killer = json_is_true(d);
	}
	note_ignored(r, m, "memory", ignored);
	/* Kernel memory limits: read (a bad value is an error), 0 is unset,
	 * anything else is not applied (runc 1.1 ignores them too: the kernel
	 * deprecated kmem limits). */
	for (size_t i = 0; i < ARRAY_SIZE(kmem); i++) {
		bool has_k = false;
		int64_t k = 0;

		if (rd_i64(m, "memory", kmem[i], -1, INT64_MAX, &has_k, &k, err) < 0)
			return -EINVAL;
		if (has_k && k != 0) {
			cleanup_free char *p = xasprintf(RES ".memory.%s", kmem[i]);
			strv_append(&r->ignored, p);
		}
	}
	return 0;
}

static int rd_cpu(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *c;

	if (enter_section(root, "cpu", &c, err) < 0)
		return -EINVAL;
	if (c == NULL)
		return 0;
	if (rd_u64(c, "cpu", "shares", 0, UINT64_MAX, &r->has_cpu_shares, &r->cpu_shares, err) <
		0 ||
	    rd_i64(c, "cpu", "quota", -1, INT64_MAX, &r->has_cpu_quota, &r->cpu_quota, err) < 0 ||
	    rd_u64(c, "cpu", "period", 0, UINT64_MAX, &r->has_cpu_period, &r->cpu_period, err) <
		0 ||
	    rd_list(c, "cpu", "cpus", &r->cpu_cpus, err) < 0 ||
	    rd_list(c, "cpu", "mems", &r->cpu_mems, err) < 0 ||
	    rd_u64(c, "cpu", "burst", 0, UINT64_MAX, &r->has_cpu_burst, &r->cpu_burst, err) < 0 ||
	    rd_i64(c, "cpu", "idle", 0, 1, &r->has_cpu_idle, &r->cpu_idle, err) < 0 ||
	    rd_i64(c, "cpu", "realtimeRuntime", -1, INT64_MAX, &r->has_cpu_rt_runtime,
		   &r->cpu_rt_runtime, err) < 0 ||
	    rd_u64(c, "cpu", "realtimePeriod", 0, UINT64_MAX, &r->has_cpu_rt_period,
		   &r->cpu_rt_period, err) < 0)
		return -EINVAL;
	zero_unset_u(&r->has_cpu_shares, r->cpu_shares);
	zero_unset(&r->has_cpu_quota, r->cpu_quota);
	zero_unset_u(&r->has_cpu_period, r->cpu_period);
	zero_unset_u(&r->has_cpu_rt_period, r->cpu_rt_period);
	zero_unset(&r->has_cpu_rt_runtime, r->cpu_rt_runtime);
	return 0;
}

static int rd_pids(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *p;

	if (enter_section(root, "pids", &p, err) < 0)
		return -EINVAL;
	if (p == NULL)
		return 0;
	if (rd_i64(p, "pids", "limit", INT64_MIN, INT64_MAX, &r->has_pids_limit, &r->pids_limit,
		   err) < 0)
		return -EINVAL;
	/* 0 unset, negative "max", as runc 1.1. */
	zero_unset(&r->has_pids_limit, r->pids_limit);
	return 0;
}

/* blockIO.throttle*Device: [{"major": 8, "minor": 0, "rate": 1048576}...] */
static int rd_throttle(json_t *b, const char *key, struct cella_throttle_device **out, size_t *n,
		       cella_error *err)
{
	json_t *l = member(b, key), *v;
	size_t i;

	if (l == NULL)
		return 0;
	if (!json_is_array(l))
		return cella_err_invalid(err, RES ".blockIO.%s: expected an array", key);
	json_array_foreach(l, i, v)
	{
		struct cella_throttle_device d = {0};
		bool has_maj = false, has_min = false, has_rate = false;
		char sect[64];

		snprintf(sect, sizeof(sect), "blockIO.%s[%zu]", key, i);
		if (!json_is_object(v))
			return cella_err_invalid(err, RES ".%s: expected an object", sect);
		if (rd_i64(v, sect, "major", 0, UINT32_MAX, &has_maj, &d.major, err) < 0 ||
		    rd_i64(v, sect, "minor", 0, UINT32_MAX, &has_min, &d.minor, err) < 0 ||
		    rd_u64(v, sect, "rate", 0, UINT64_MAX, &has_rate, &d.rate, err) < 0)
			return -EINVAL;
		if (!has_maj || !has_min)
			return cella_err_invalid(err, RES ".%s: major and minor are required",
						 sect);
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[(*n)++] = d;
	}
	return 0;
}

/* A weight of 10..1000, 0 (or absent) for unset. */
static int rd_weight(json_t *obj, const char *sect, const char *key, uint16_t *out,
		     cella_error *err)
{
	int64_t w = 0;
	bool has = false;

	if (rd_i64(obj, sect, key, 0, 1000, &has, &w, err) < 0)
		return -EINVAL;
	if (has && w != 0 && w < 10)
		return cella_err_invalid(
		    err, RES ".%s.%s: %" PRId64 " is out of range (10 to 1000, or 0 for unset)",
		    sect, key, w);
	*out = (uint16_t)w;
	return 0;
}

/* blockIO.weightDevice: [{"major": 8, "minor": 0, "weight": 500,
 * "leafWeight": 300}...]; an entry with neither weight is skipped. */
static int rd_weight_devices(json_t *b, struct cella_resources *r, cella_error *err)
{
	json_t *l = member(b, "weightDevice"), *v;
	size_t i;

	if (l == NULL)
		return 0;
	if (!json_is_array(l))
		return cella_err_invalid(err, RES ".blockIO.weightDevice: expected an array");
	json_array_foreach(l, i, v)
	{
		struct cella_weight_device d = {0};
		bool has_maj = false, has_min = false;
		char sect[48];

		snprintf(sect, sizeof(sect), "blockIO.weightDevice[%zu]", i);
		if (!json_is_object(v))
			return cella_err_invalid(err, RES ".%s: expected an object", sect);
		if (rd_i64(v, sect, "major", 0, UINT32_MAX, &has_maj, &d.major, err) < 0 ||
		    rd_i64(v, sect, "minor", 0, UINT32_MAX, &has_min, &d.minor, err) < 0 ||
		    rd_weight(v, sect, "weight", &d.weight, err) < 0 ||
		    rd_weight(v, sect, "leafWeight", &d.leaf_weight, err) < 0)
			return -EINVAL;
		if (!has_maj || !has_min)
			return cella_err_invalid(err, RES ".%s: major and minor are required",
						 sect);
		if (d.weight == 0 && d.leaf_weight == 0)
			continue;
		r->weight_device = xrealloc(r->weight_device, (r->n_weight_device + 1) * sizeof(d));
		r->weight_device[r->n_weight_device++] = d;
	}
	return 0;
}

/* network: {"classID": 1048577, "priorities": [{"name": "eth0",
 * "priority": 5}...]}; classID 0 is unset, as runc reads it. */
static int rd_network(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *n, *l, *v;
	int64_t id = 0;
	bool has = false;
	size_t i;

	if (enter_section(root, "network", &n, err) < 0)
		return -EINVAL;
	if (n == NULL)
		return 0;
	if (rd_i64(n, "network", "classID", 0, UINT32_MAX, &has, &id, err) < 0)
		return -EINVAL;
	r->has_net_classid = has && id != 0;
	r->net_classid = (uint32_t)id;
	if ((l = member(n, "priorities")) == NULL)
		return 0;
	if (!json_is_array(l))
		return cella_err_invalid(err, RES ".network.priorities: expected an array");
	json_array_foreach(l, i, v)
	{
		struct cella_net_prio p = {{0}, 0};
		json_t *name = json_is_object(v) ? member(v, "name") : NULL;
		const char *s = json_is_string(name) ? json_string_value(name) : NULL;
		int64_t prio = 0;
		bool has_p = false;
		char sect[48];

		snprintf(sect, sizeof(sect), "network.priorities[%zu]", i);
		if (!json_is_object(v))
			return cella_err_invalid(err, RES ".%s: expected an object", sect);
		if (s == NULL || s[0] == '\0' || strlen(s) >= sizeof(p.name) ||
		    s[strcspn(s, " /\n\t")] != '\0') {
			char esc[64];

			return cella_err_invalid(err, RES ".%s.name: `%s` is not an interface name",
						 sect, s ? str_escape(s, esc, sizeof(esc)) : "");
		}
		if (rd_i64(v, sect, "priority", 0, UINT32_MAX, &has_p, &prio, err) < 0)
			return -EINVAL;
		snprintf(p.name, sizeof(p.name), "%s", s);
		p.priority = (uint32_t)prio;
		r->net_prio = xrealloc(r->net_prio, (r->n_net_prio + 1) * sizeof(p));
		r->net_prio[r->n_net_prio++] = p;
	}
	return 0;
}

static int rd_blkio(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *b;
	int64_t w = 0;
	bool has = false;

	if (enter_section(root, "blockIO", &b, err) < 0)
		return -EINVAL;
	if (b == NULL)
		return 0;
	if (rd_i64(b, "blockIO", "weight", 0, 1000, &has, &w, err) < 0)
		return -EINVAL;
	if (has && w != 0 && w < 10)
		return cella_err_invalid(err,
					 RES ".blockIO.weight: %" PRId64
					     " is out of range (10 to 1000, or 0 for unset)",
					 w);
	r->has_blkio_weight = has && w != 0;
	r->blkio_weight = (uint16_t)w;
	if (rd_weight(b, "blockIO", "leafWeight", &r->blkio_leaf_weight, err) < 0)
		return -EINVAL;
	r->has_blkio_leaf_weight = r->blkio_leaf_weight != 0;
	if (rd_weight_devices(b, r, err) < 0)
		return -EINVAL;
	for (size_t i = 0; i < CELLA_THROTTLE_N; i++)
		if (rd_throttle(b, cella_throttle_names[i], &r->throttle[i], &r->n_throttle[i],
				err) < 0)
			return -EINVAL;
	return 0;
}

/* hugepageLimits: [{"pageSize": "2MB", "limit": 209715200}...] */
static int rd_hugetlb(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *l = member(root, "hugepageLimits"), *v;
	size_t i;

	if (l == NULL)
		return 0;
	if (!json_is_array(l))
		return cella_err_invalid(err, RES ".hugepageLimits: expected an array");
	json_array_foreach(l, i, v)
	{
		struct cella_hugetlb_limit h = {{0}, 0};
		json_t *ps = json_is_object(v) ? member(v, "pageSize") : NULL;
		const char *s = json_is_string(ps) ? json_string_value(ps) : NULL;
		bool has = false;
		size_t nd;
		char sect[48];

		snprintf(sect, sizeof(sect), "hugepageLimits[%zu]", i);
		if (!json_is_object(v))
			return cella_err_invalid(err, RES ".%s: expected an object", sect);
		nd = s != NULL ? strspn(s, "0123456789") : 0;
		/* As the kernel names the files: 64KB, 2MB, 1GB. */
		if (s == NULL || nd == 0 || strlen(s) >= sizeof(h.page_size) ||
		    (strcmp(s + nd, "KB") != 0 && strcmp(s + nd, "MB") != 0 &&
		     strcmp(s + nd, "GB") != 0)) {
			char esc[64];

			return cella_err_invalid(err,
						 RES ".%s.pageSize: `%s` is not a size like 2MB "
						     "or 1GB",
						 sect, s ? str_escape(s, esc, sizeof(esc)) : "");
		}
		snprintf(h.page_size, sizeof(h.page_size), "%s", s);
		if (rd_u64(v, sect, "limit", 0, UINT64_MAX, &has, &h.limit, err) < 0)
			return -EINVAL;
		if (!has)
			return cella_err_invalid(err, RES ".%s.limit: required", sect);
		r->hugetlb = xrealloc(r->hugetlb, (r->n_hugetlb + 1) * sizeof(h));
		r->hugetlb[r->n_hugetlb++] = h;
	}
	return 0;
}

/* unified: {"memory.oom.group": "1"...}. A key names an interface file of
 * the container's own cgroup: one component, controller.file, and not one
 * of the core cgroup.* files that place processes or steer the tree. */
static int rd_unified(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *u = member(root, "unified"), *v;
	const char *key;

	if (u == NULL)
		return 0;
	if (!json_is_object(u))
		return cella_err_invalid(err, RES ".unified: expected an object");
	json_object_foreach(u, key, v)
	{
		char esc[128];

		str_escape(key, esc, sizeof(esc));
		if (key[0] == '\0' || strchr(key, '/') != NULL || strstr(key, "..") != NULL ||
		    strchr(key, '.') == NULL || key[0] == '.' ||
		    key[strcspn(key, "\n\r\t ")] != '\0')
			return cella_err_invalid(err,
						 RES ".unified.%s: not a cgroup interface file "
						     "name (controller.file, no `/` or `..`)",
						 esc);
		if (str_has_prefix(key, "cgroup."))
			return cella_err_invalid(err,
						 RES ".unified.%s: a core cgroup file, not a "
						     "resource: refused",
						 esc);
		if (!json_is_string(v))
			return cella_err_invalid(err, RES ".unified.%s: expected a string", esc);
		r->unified = xrealloc(r->unified, (r->n_unified + 1) * sizeof(*r->unified));
		r->unified[r->n_unified].key = xstrdup(key);
		r->unified[r->n_unified++].value = xstrdup(json_string_value(v));
	}
	return 0;
}

static void add_rule(struct cella_resources *r, bool allow, char type, int64_t major, int64_t minor,
		     const char *access)
{
	struct cella_device_rule *d;

	r->devices = xrealloc(r->devices, (r->n_devices + 1) * sizeof(*r->devices));
	d = &r->devices[r->n_devices++];
	d->allow = allow;
	d->type = type;
	d->major = major;
	d->minor = minor;
	snprintf(d->access, sizeof(d->access), "%s", access);
}

static int rd_device(json_t *v, size_t i, struct cella_resources *r, cella_error *err)
{
	json_t *allow = member(v, "allow"), *type = member(v, "type"), *acc = member(v, "access");
	const char *t = "a", *a = "rwm";
	int64_t maj = -1, min = -1;
	bool has = false;
	char sect[48];

	snprintf(sect, sizeof(sect), "devices[%zu]", i);
	if (!json_is_object(v))
		return cella_err_invalid(err, RES ".%s: expected an object", sect);
	if (!json_is_boolean(allow))
		return cella_err_invalid(err, RES ".%s.allow: expected true or false", sect);
	if (type != NULL) {
		t = json_is_string(type) ? json_string_value(type) : "";
		if (strcmp(t, "a") != 0 && strcmp(t, "c") != 0 && strcmp(t, "b") != 0)
			return cella_err_invalid(
			    err, RES ".%s.type: expected \"a\", \"c\" or \"b\"", sect);
	}
	if (acc != NULL) {
		a = json_is_string(acc) ? json_string_value(acc) : "";
		if (a[0] == '\0' || strlen(a) > 3 || a[strspn(a, "rwm")] != '\0')
			return cella_err_invalid(err, RES ".%s.access: expected letters of \"rwm\"",
						 sect);
	}
	if (rd_i64(v, sect, "major", -1, UINT32_MAX, &has, &maj, err) < 0 ||
	    rd_i64(v, sect, "minor", -1, UINT32_MAX, &has, &min, err) < 0)
		return -EINVAL;
	add_rule(r, json_is_true(allow), t[0], maj, min, a);
	return 0;
}

static int rd_devices(json_t *root, struct cella_resources *r, cella_error *err)
{
	json_t *d = member(root, "devices"), *v;
	size_t i;

	if (d == NULL)
		return 0;
	if (!json_is_array(d))
		return cella_err_invalid(err, RES ".devices: expected an array");
	json_array_foreach(d, i, v) if (rd_device(v, i, r, err) < 0) return -EINVAL;
	return 0;
}

/* Deny everything: type a (or c and b both), any numbers, all of rwm. */
static bool denies_all(const struct cella_device_rule *d)
{
	return !d->allow && d->type == 'a' && d->major == -1 && d->minor == -1 &&
	       strlen(d->access) == 3;
}

void cella_spec_resources_device_defaults(struct cella_resources *r)
{
	struct cella_resources add;
	size_t last = SIZE_MAX, at;

	for (size_t i = 0; i < r->n_devices; i++)
		if (denies_all(&r->devices[i]))
			last = i;
	if (last == SIZE_MAX)
		return;
	/* What every container needs (as runc and crun allow it): mknod of
	 * any node, the default devices, the terminal ones. Not the nodes of
	 * linux.devices: a deny-all denies them too unless a rule allows
	 * them (runc). */
	memset(&add, 0, sizeof(add));
	add_rule(&add, true, 'c', -1, -1, "m");
	add_rule(&add, true, 'b', -1, -1, "m");
	for (size_t i = 0; i < cella_n_default_devices; i++)
		add_rule(&add, true, cella_default_devices[i].type, cella_default_devices[i].major,
			 cella_default_devices[i].minor, "rwm");
	add_rule(&add, true, 'c', 5, 1, "rwm");	   /* /dev/console */
	add_rule(&add, true, 'c', 5, 2, "rwm");	   /* /dev/ptmx */
	add_rule(&add, true, 'c', 136, -1, "rwm"); /* /dev/pts/N */
	/* Right after the last deny-all, which would cancel them before it;
	 * the spec's later rules (a deny of /dev/null...) still win. */
	at = last + 1;
	r->devices = xrealloc(r->devices, (r->n_devices + add.n_devices) * sizeof(*r->devices));
	memmove(&r->devices[at + add.n_devices], &r->devices[at],
		(r->n_devices - at) * sizeof(*r->devices));
	memcpy(&r->devices[at], add.devices, add.n_devices * sizeof(*r->devices));
	r->n_devices += add.n_devices;
	free(add.devices);
}

int cella_spec_resources_parse(const char *json, struct cella_resources *out, cella_error *err)
{
	static const char *const ignored[] = {"rdma", NULL};
	json_auto_t *root = NULL;
	struct cella_resources r;
	json_error_t jerr;

	memset(out, 0, sizeof(*out));
	if (json == NULL)
		return 0;
	root = json_loads(json, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		/* An integer beyond int64 (kept as written): read it as a real,
		 * which the readers refuse with the field's name. */
		root = json_loads(json, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL, &jerr);
	if (root == NULL)
		return cella_err_invalid(err, RES ": %s", jerr.text);
	if (!json_is_object(root))
		return cella_err_invalid(err, RES ": expected an object");
	memset(&r, 0, sizeof(r));
	if (rd_memory(root, &r, err) < 0 || rd_cpu(root, &r, err) < 0 ||
	    rd_pids(root, &r, err) < 0 || rd_blkio(root, &r, err) < 0 ||
	    rd_devices(root, &r, err) < 0 || rd_hugetlb(root, &r, err) < 0 ||
	    rd_unified(root, &r, err) < 0 || rd_network(root, &r, err) < 0) {
		cella_resources_clear(&r);
		return -EINVAL;
	}
	note_ignored(&r, root, NULL, ignored);
	*out = r;
	return 0;
}
