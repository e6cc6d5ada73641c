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

/* A placeholder is the string "\001cella-raw-NONCE:N\001", which json_dumps
 * writes as "\u0001cella-raw-NONCE:N\u0001" (e->mark_open is its start); the
 * nonce keeps a string of the spec from passing for one. */
static json_t *raw_text(struct spec_emit *e, char *text)
{
	cleanup_free char *mark = xasprintf("\001cella-raw-%016llx:%zu\001", e->nonce, e->n_raws);

	e->raws = xrealloc(e->raws, (e->n_raws + 1) * sizeof(char *));
	e->raws[e->n_raws++] = text;
	return json_string(mark);
}

/* A string; bytes that are not UTF-8 become U+FFFD (jansson only takes
 * UTF-8, and a command line may not be). */
json_t *spec_jstr(const char *s)
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

json_t *spec_ju64(struct spec_emit *e, uint64_t v)
{
	if (v <= INT64_MAX)
		return json_integer((json_int_t)v);
	return raw_text(e, xasprintf("%" PRIu64, v));
}

static void set(json_t *obj, const char *key, json_t *v)
{
	json_object_set_new(obj, key, v);
}

/* ---- the tables' emitters (spec_fields.c): NULL leaves the member out ---- */

json_t *spec_emit_str(struct spec_emit *e, const void *p)
{
	const char *s = *(char *const *)p;
	return s != NULL ? spec_jstr(s) : NULL;
}

json_t *spec_emit_strv(struct spec_emit *e, const void *p)
{
	char *const *v = *(char *const *const *)p;
	json_t *a;

	if (strv_len(v) == 0)
		return NULL;
	a = json_array();
	for (size_t i = 0; v[i] != NULL; i++)
		json_array_append_new(a, spec_jstr(v[i]));
	return a;
}

json_t *spec_emit_true(struct spec_emit *e, const void *p)
{
	return *(const bool *)p ? json_true() : NULL;
}

json_t *spec_emit_u16(struct spec_emit *e, const void *p)
{
	return json_integer(*(const unsigned *)p);
}

json_t *spec_emit_u32(struct spec_emit *e, const void *p)
{
	return json_integer(*(const uint32_t *)p);
}

json_t *spec_emit_u64(struct spec_emit *e, const void *p)
{
	return spec_ju64(e, *(const uint64_t *)p);
}

json_t *spec_emit_i64(struct spec_emit *e, const void *p)
{
	return json_integer(*(const int64_t *)p);
}

json_t *spec_emit_int(struct spec_emit *e, const void *p)
{
	return json_integer(*(const int *)p);
}

json_t *spec_emit_mode(struct spec_emit *e, const void *p)
{
	return json_integer(*(const mode_t *)p);
}

/* A section kept as JSON text, embedded as JSON again. */
json_t *spec_json_text(struct spec_emit *e, const char *text)
{
	json_t *v;

	if (text == NULL)
		return NULL;
	v = json_loads(text, JSON_DECODE_ANY, NULL);
	return v ? v : raw_text(e, xstrdup(text));
}

json_t *spec_emit_json_text(struct spec_emit *e, const void *p)
{
	return spec_json_text(e, *(char *const *)p);
}

json_t *spec_emit_oci_version(struct spec_emit *e, const void *p)
{
	const char *v = *(char *const *)p;
	return spec_jstr(v ? v : CELLA_OCI_VERSION);
}

json_t *spec_emit_additional_gids(struct spec_emit *e, const void *user)
{
	const struct cella_user *u = user;
	json_t *a;

	if (u->n_additional_gids == 0)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < u->n_additional_gids; i++)
		json_array_append_new(a, json_integer(u->additional_gids[i]));
	return a;
}

json_t *spec_emit_caps(struct spec_emit *e, const void *process)
{
	static const char *const names[] = {"bounding", "effective", "inheritable", "permitted",
					    "ambient"};
	const struct cella_caps *caps = &((const struct cella_process *)process)->caps;
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

json_t *spec_emit_rlimit_type(struct spec_emit *e, const void *rlimit)
{
	const struct cella_rlimit *rl = rlimit;
	const char *type = rl->type ? rl->type : cella_rlimit_name(rl->resource);

	return type != NULL ? spec_jstr(type) : NULL;
}

json_t *spec_emit_namespaces(struct spec_emit *e, const void *linux_)
{
	/* runc's order for namespaces */
	static const enum cella_ns_type ns_order[] = {
	    CELLA_NS_PID,   CELLA_NS_NET,  CELLA_NS_IPC,    CELLA_NS_UTS,
	    CELLA_NS_MOUNT, CELLA_NS_USER, CELLA_NS_CGROUP, CELLA_NS_TIME};
	const struct cella_linux *l = linux_;
	json_t *ns = json_array();

	for (size_t i = 0; i < ARRAY_SIZE(ns_order); i++) {
		const struct cella_ns_conf *n = &l->ns[ns_order[i]];
		json_t *no;

		if (!n->enabled)
			continue;
		no = json_object();
		set(no, "type", json_string(cella_ns_type_name(ns_order[i])));
		if (n->path != NULL)
			set(no, "path", spec_jstr(n->path));
		json_array_append_new(ns, no);
	}
	if (json_array_size(ns) > 0)
		return ns;
	json_decref(ns);
	return NULL;
}

json_t *spec_emit_device_type(struct spec_emit *e, const void *device)
{
	const struct cella_device *d = device;
	char type[2] = {d->type, '\0'};

	return json_string(type);
}

json_t *spec_emit_device_major(struct spec_emit *e, const void *device)
{
	const struct cella_device *d = device;
	return d->type != 'p' || d->major >= 0 ? json_integer(d->major) : NULL;
}

json_t *spec_emit_device_minor(struct spec_emit *e, const void *device)
{
	const struct cella_device *d = device;
	return d->type != 'p' || d->minor >= 0 ? json_integer(d->minor) : NULL;
}

json_t *spec_emit_seccomp_section(struct spec_emit *e, const void *linux_)
{
	return spec_json_text(e, ((const struct cella_linux *)linux_)->seccomp_json);
}

json_t *spec_emit_net_devices(struct spec_emit *e, const void *linux_)
{
	const struct cella_linux *l = linux_;
	json_t *nd;

	if (l->n_net_devices == 0)
		return NULL;
	nd = json_object();
	for (size_t i = 0; i < l->n_net_devices; i++) {
		json_t *d = json_object();

		if (l->net_devices[i].value != NULL)
			set(d, "name", spec_jstr(l->net_devices[i].value));
		set(nd, l->net_devices[i].key, d);
	}
	return nd;
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

json_t *spec_emit_time_offsets(struct spec_emit *e, const void *linux_)
{
	const struct cella_linux *l = linux_;
	json_t *t;

	if (!l->time_boottime.set && !l->time_monotonic.set)
		return NULL;
	t = json_object();
	set_time_offset(t, "boottime", &l->time_boottime);
	set_time_offset(t, "monotonic", &l->time_monotonic);
	return t;
}

/* Replace each placeholder string with its slot's text. */
static char *fill_raws(const struct spec_emit *e, const char *text)
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
	struct spec_emit e = {0};
	json_t *o;
	char *text, *out;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	e.nonce = (unsigned long long)(uintptr_t)&e << 20 ^ (unsigned long long)ts.tv_nsec ^
		  (unsigned long long)getpid() << 44 ^
		  __atomic_add_fetch(&counter, 1, __ATOMIC_RELAXED);
	snprintf(e.mark_open, sizeof(e.mark_open), "\"\\u0001cella-raw-%016llx:", e.nonce);
	o = spec_emit_object(&e, &spec_config_object, spec);

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
