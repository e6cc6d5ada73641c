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
 *
 * The differences come layer by layer, each under a line that sums the
 * layer up ("seccomp: filter (partial) vs disabled (shared)"); within a
 * layer, a list whose entries differ by more than SUMMARY_AT facts (two
 * seccomp tables: every syscall) is one line that counts them and names
 * the first few, not a line per fact.
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
    "usage",
    "usage_ns",
    "max_usage",
    "periods",
    "throttled_periods",
    "throttled_ns",
    "read_bytes",
    "write_bytes",
    "current",
    "processes",
    "host_processes",
    "inode",
    "host_inode",
    "failcnt",
    "swap_usage",
    "command",
    "pid",
    "id",
    "bundle",
    "status",
    "shared_with",
    "processes_unplaced",
    "host_mounts",
    "oom_kills",
};

#define SUMMARY_AT 8

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
	static const char *const keys[] = {"name", "path", "type", "mountpoint", "arch"};

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

struct diff {
	const char *path;
	const char *a, *b; /* NULL: absent */
};

static const char *const layer_names[] = {"namespaces", "filesystem", "privileges",
					  "seccomp",	"cgroup",     "rlimits"};

/* "namespaces", "seccomp"...: a leaf's layer (before the first '.' or '['). */
static size_t layer_len(const char *path)
{
	return strcspn(path, ".[");
}

/* The innermost list a leaf belongs to: its path before the last '['
 * ("seccomp.compat[SCMP_ARCH_X86].differs_from_native"); 0: none. */
static size_t group_len(const char *path)
{
	const char *b = strrchr(path, '[');
	return b != NULL ? (size_t)(b - path) : 0;
}

/* "filter, 2 filters (partial)", "disabled (shared)": a layer in a few
 * words. */
static char *layer_words(json_t *doc, const char *layer)
{
	json_t *l = json_object_get(doc, layer);
	json_t *v = json_object_get(json_object_get(doc, "verdicts"), layer);
	const char *verdict = json_is_string(v) ? json_string_value(v) : "unknown";

	if (strcmp(layer, "seccomp") == 0 && json_is_string(json_object_get(l, "mode"))) {
		json_t *sum = json_object_get(l, "summary"), *x;
		const char *k;
		char *s = xasprintf("%s", json_string_value(json_object_get(l, "mode")));

		json_object_foreach(sum, k, x)
		{
			char *n = xasprintf("%s, %s %lld", s, k, (long long)json_integer_value(x));
			free(s);
			s = n;
		}
		{
			char *n = xasprintf("%s (%s)", s, verdict);
			free(s);
			return n;
		}
	}
	return xstrdup(verdict);
}

/* Does an earlier difference belong to the same list entry as d[j]
 * ("seccomp.syscalls[read]")? */
static bool same_entry_before(const struct diff *d, size_t j, size_t gl)
{
	size_t el = gl + strcspn(d[j].path + gl, "]");

	for (size_t k = 0; k < j; k++)
		if (strncmp(d[k].path, d[j].path, el) == 0 && d[k].path[el] == ']')
			return true;
	return false;
}

static void print_layers(FILE *f, const struct diff *d, size_t nd, json_t *da, json_t *db,
			 bool colour)
{
	const char *red = colour ? "\033[31m" : "", *green = colour ? "\033[32m" : "",
		   *off = colour ? "\033[0m" : "";

	for (size_t li = 0; li <= ARRAY_SIZE(layer_names); li++) {
		const char *layer = li < ARRAY_SIZE(layer_names) ? layer_names[li] : NULL;
		bool header = false;

		for (size_t i = 0; i < nd; i++) {
			size_t ll = layer_len(d[i].path), gl = group_len(d[i].path);
			bool mine = false;

			if (layer != NULL)
				mine = ll == strlen(layer) && strncmp(d[i].path, layer, ll) == 0;
			else
				for (size_t k = 0; k < ARRAY_SIZE(layer_names); k++)
					mine =
					    mine || (ll == strlen(layer_names[k]) &&
						     strncmp(d[i].path, layer_names[k], ll) == 0);
			if (layer != NULL ? !mine : mine)
				continue;
			if (layer != NULL && !header) {
				cleanup_free char *wa = layer_words(da, layer);
				cleanup_free char *wb = layer_words(db, layer);

				fprintf(f, "%s: %s%s%s vs %s%s%s\n", layer, red, wa, off, green, wb,
					off);
				header = true;
			}
			if (gl > 0) {
				size_t entries = 0, facts = 0, first = nd;

				for (size_t j = 0; j < nd; j++) {
					if (group_len(d[j].path) != gl ||
					    strncmp(d[j].path, d[i].path, gl) != 0)
						continue;
					facts++;
					if (first == nd)
						first = j;
					if (!same_entry_before(d, j, gl))
						entries++;
				}
				if (entries > SUMMARY_AT) {
					if (first == i) {
						/* One line for the list: how many, and
						 * the first few entries. */
						fprintf(f, "%.*s: %zu entries differ (%zu facts):",
							(int)gl, d[i].path, entries, facts);
						for (size_t j = i, shown = 0; j < nd && shown < 4;
						     j++) {
							const char *n = d[j].path + gl;

							if (group_len(d[j].path) != gl ||
							    strncmp(d[j].path, d[i].path, gl) !=
								0 ||
							    same_entry_before(d, j, gl))
								continue;
							fprintf(f, " %.*s",
								(int)(strcspn(n, "]") + 1), n);
							shown++;
						}
						fputs(" ...\n", f);
					}
					continue;
				}
			}
			fprintf(f, "%s\n  %s- %s%s\n  %s+ %s%s\n", d[i].path, red,
				d[i].a != NULL ? d[i].a : "(absent)", off, green,
				d[i].b != NULL ? d[i].b : "(absent)", off);
		}
	}
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
	{
		struct diff *d = NULL;
		size_t nd = 0;

		for (size_t i = 0; i < la.n; i++) {
			const char *other = find(&lb, la.v[i].path);

			if (other != NULL && strcmp(other, la.v[i].value) == 0)
				continue;
			d = xrealloc(d, (nd + 1) * sizeof(*d));
			d[nd++] = (struct diff){la.v[i].path, la.v[i].value, other};
		}
		for (size_t i = 0; i < lb.n; i++) {
			if (find(&la, lb.v[i].path) != NULL)
				continue;
			d = xrealloc(d, (nd + 1) * sizeof(*d));
			d[nd++] = (struct diff){lb.v[i].path, NULL, lb.v[i].value};
		}
		differences = nd;
		print_layers(f, d, nd, da, db, colour);
		free(d);
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
