/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella map --diff OTHER`: only the facts that differ between two maps.
 *
 * Both documents are flattened to "layer.key.key = value" leaves; members of
 * arrays of objects are named by their `name`, `path` or `type`, so that
 * "namespaces.net.verdict" lines up in both. Counters that change by the
 * second (usage, processes) and inode numbers (different for any two
 * namespaces, even equally isolated ones) are left out: the verdicts and
 * settings say what differs.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/map.h"
#include "util/cleanup.h"
#include "util/util.h"

struct leaf {
	char *path;
	char *value;
};

struct leaves {
	struct leaf *v;
	size_t n;
};

static const char *const volatile_keys[] = {
    "usage",	      "usage_ns",   "max_usage",   "periods", "throttled_periods",
    "throttled_ns",   "read_bytes", "write_bytes", "current", "processes",
    "host_processes", "inode",	    "host_inode",  "failcnt", "swap_usage",
    "command",	      "pid",	    "id",	   "bundle",  "status",
    "shared_with",
};

static bool is_volatile(const char *k)
{
	for (size_t i = 0; i < ARRAY_SIZE(volatile_keys); i++)
		if (strcmp(k, volatile_keys[i]) == 0)
			return true;
	return false;
}

static void add(struct leaves *l, const char *path, json_t *v)
{
	l->v = xrealloc(l->v, (l->n + 1) * sizeof(*l->v));
	l->v[l->n].path = xstrdup(path);
	l->v[l->n].value = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
	l->n++;
}

static const char *elem_name(json_t *e)
{
	static const char *const keys[] = {"name", "path", "type"};

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		json_t *v = json_object_get(e, keys[i]);
		if (json_is_string(v))
			return json_string_value(v);
	}
	return NULL;
}

static void flatten(struct leaves *l, const char *prefix, json_t *v)
{
	if (json_is_object(v)) {
		const char *k;
		json_t *x;

		json_object_foreach(v, k, x)
		{
			cleanup_free char *p = NULL;
			if (is_volatile(k))
				continue;
			p = prefix[0] != '\0' ? xasprintf("%s.%s", prefix, k) : xstrdup(k);
			flatten(l, p, x);
		}
		return;
	}
	if (json_is_array(v) && json_array_size(v) > 0 && json_is_object(json_array_get(v, 0)) &&
	    elem_name(json_array_get(v, 0)) != NULL) {
		size_t i;
		json_t *x;

		json_array_foreach(v, i, x)
		{
			const char *name = elem_name(x);
			cleanup_free char *p = name != NULL ? xasprintf("%s[%s]", prefix, name)
							    : xasprintf("%s[%zu]", prefix, i);
			flatten(l, p, x);
		}
		return;
	}
	add(l, prefix, v);
}

static void leaves_free(struct leaves *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].path);
		free(l->v[i].value);
	}
	free(l->v);
}

static const char *find(const struct leaves *l, const char *path)
{
	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->v[i].path, path) == 0)
			return l->v[i].value;
	return NULL;
}

static char *who(json_t *doc)
{
	json_t *t = json_object_get(doc, "target");
	json_t *id = json_object_get(t, "id");

	if (json_is_string(id))
		return xasprintf("container %s", json_string_value(id));
	return xasprintf("process %lld", (long long)json_integer_value(json_object_get(t, "pid")));
}

int cella_map_render_diff(const char *a, const char *b, bool colour, char **out, cella_error *err)
{
	json_error_t je;
	json_t *da = json_loads(a, 0, &je), *db;
	struct leaves la = {0}, lb = {0};
	char *buf = NULL;
	size_t len = 0, differences = 0;
	FILE *f;
	cleanup_free char *wa = NULL, *wb = NULL;

	if (da == NULL)
		return cella_err_invalid(err, "map: %s", je.text);
	db = json_loads(b, 0, &je);
	if (db == NULL) {
		json_decref(da);
		return cella_err_invalid(err, "map: %s", je.text);
	}
	wa = who(da);
	wb = who(db);
	json_object_del(da, "target");
	json_object_del(db, "target");
	flatten(&la, "", da);
	flatten(&lb, "", db);
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		json_decref(da);
		json_decref(db);
		leaves_free(&la);
		leaves_free(&lb);
		return cella_err(err, errno, "open_memstream");
	}
	fprintf(f, "%s- %s%s\n%s+ %s%s\n", colour ? "\033[31m" : "", wa, colour ? "\033[0m" : "",
		colour ? "\033[32m" : "", wb, colour ? "\033[0m" : "");
	for (size_t i = 0; i < la.n; i++) {
		const char *other = find(&lb, la.v[i].path);

		if (other != NULL && strcmp(other, la.v[i].value) == 0)
			continue;
		differences++;
		fprintf(f, "%s\n  %s- %s%s\n  %s+ %s%s\n", la.v[i].path, colour ? "\033[31m" : "",
			la.v[i].value, colour ? "\033[0m" : "", colour ? "\033[32m" : "",
			other != NULL ? other : "(absent)", colour ? "\033[0m" : "");
	}
	for (size_t i = 0; i < lb.n; i++) {
		if (find(&la, lb.v[i].path) != NULL)
			continue;
		differences++;
		fprintf(f, "%s\n  %s- (absent)%s\n  %s+ %s%s\n", lb.v[i].path,
			colour ? "\033[31m" : "", colour ? "\033[0m" : "", colour ? "\033[32m" : "",
			lb.v[i].value, colour ? "\033[0m" : "");
	}
	fprintf(f, "%zu difference%s\n", differences, differences == 1 ? "" : "s");
	fclose(f);
	json_decref(da);
	json_decref(db);
	leaves_free(&la);
	leaves_free(&lb);
	*out = buf;
	return 0;
}
