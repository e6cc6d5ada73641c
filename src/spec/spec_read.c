/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The reading half of the parser: the path stack, error messages with
 * positions, and readers for the value kinds config.json uses (strings,
 * integers in a range, string arrays, arrays of objects, kept sections).
 * spec_parse.c reads the sections with them.
 *
 * Readers take the value at the current path (already pushed) and return 0
 * or a negative error; on error the path is left as it was (the parse is
 * over). null is read as absent, as runc's Go decoder does.
 */
#include "spec/spec_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* jansson seeds its hash function at the first object it makes, from
 * /dev/urandom (an open, a read, a close), unless it was seeded before: one
 * getrandom instead, falling back to jansson's own way. */
__attribute__((constructor)) static void spec_json_seed(void)
{
	uint32_t seed = 0;

	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed) && seed != 0)
		json_object_seed(seed);
}

void spec_push_key(struct spec_ctx *c, const char *key)
{
	if (c->depth < SPEC_PATH_MAX_DEPTH)
		c->path[c->depth] = (struct spec_path_elem){.key = key};
	c->depth++;
}

void spec_push_index(struct spec_ctx *c, size_t index)
{
	if (c->depth < SPEC_PATH_MAX_DEPTH)
		c->path[c->depth] = (struct spec_path_elem){.key = NULL, .index = index};
	c->depth++;
}

void spec_pop(struct spec_ctx *c)
{
	c->depth--;
}

static bool simple_key(const char *k)
{
	if (*k == '\0')
		return false;
	for (; *k; k++) {
		if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') ||
		      (*k >= '0' && *k <= '9') || *k == '_' || *k == '-'))
			return false;
	}
	return true;
}

/* "process.args[2]", "annotations[\"org.example.key\"]" */
static void format_path(const struct spec_path_elem *path, size_t depth, const char *extra,
			char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t d = 0; d <= depth && n < size; d++) {
		const char *key = d < depth ? path[d].key : extra;
		int r;

		if (d == depth && extra == NULL)
			break;
		if (d < depth && key == NULL)
			r = snprintf(buf + n, size - n, "[%zu]", path[d].index);
		else if (simple_key(key))
			r = snprintf(buf + n, size - n, "%s%s", n ? "." : "", key);
		else
			r = snprintf(buf + n, size - n, "[\"%s\"]", key);
		if (r < 0)
			break;
		n += (size_t)r;
	}
}

static int vfail_at(struct spec_ctx *c, const char *extra, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
static int vfail_at(struct spec_ctx *c, const char *extra, const char *fmt, va_list ap)
{
	char what[512], where[256];
	struct spec_span span;
	size_t depth = c->depth < SPEC_PATH_MAX_DEPTH ? c->depth : SPEC_PATH_MAX_DEPTH;

	vsnprintf(what, sizeof(what), fmt, ap);
	format_path(c->path, depth, extra, where, sizeof(where));
	spec_locate(c->text, c->len, c->path, depth, &span);
	if (where[0] == '\0')
		return cella_err_invalid(c->err, "%s:%u:%u: %s", c->origin, span.line, span.col,
					 what);
	return cella_err_invalid(c->err, "%s:%u:%u: %s: %s", c->origin, span.line, span.col, where,
				 what);
}

/* A warning about the value at the current path (it is ignored). */
void spec_warn(struct spec_ctx *c, const char *fmt, ...)
{
	char what[512], where[256];
	struct spec_span span;
	size_t depth = c->depth < SPEC_PATH_MAX_DEPTH ? c->depth : SPEC_PATH_MAX_DEPTH;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	format_path(c->path, depth, NULL, where, sizeof(where));
	spec_locate(c->text, c->len, c->path, depth, &span);
	cella_warn("%s:%u:%u: %s: %s", c->origin, span.line, span.col, where, what);
}

/* Reject the value at the current path. */
int spec_fail(struct spec_ctx *c, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, NULL, fmt, ap);
	va_end(ap);
	return r;
}

int spec_fail_extra(struct spec_ctx *c, const char *extra, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vfail_at(c, extra, fmt, ap);
	va_end(ap);
	return r;
}

/* Member key of the current object is missing: name it, point at the object. */
int spec_fail_missing(struct spec_ctx *c, const char *key)
{
	return spec_fail_extra(c, key, "required field is missing");
}

/* Member key of obj, NULL when absent or null. */
json_t *spec_member(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return json_is_null(v) ? NULL : v;
}

/* Read member key with fn. Returns 1 when present, 0 when absent. */
int spec_field(struct spec_ctx *c, json_t *obj, const char *key, bool required, spec_reader_fn fn,
	       void *out)
{
	json_t *v = spec_member(obj, key);
	int r;

	if (v == NULL)
		return required ? spec_fail_missing(c, key) : 0;
	spec_push_key(c, key);
	r = fn(c, v, out);
	if (r < 0)
		return r;
	spec_pop(c);
	return 1;
}

int spec_rd_object(struct spec_ctx *c, json_t *v)
{
	return json_is_object(v) ? 0 : spec_fail(c, "expected an object");
}

int spec_rd_str(struct spec_ctx *c, json_t *v, void *out)
{
	char **s = out;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	free(*s);
	*s = xstrdup(json_string_value(v));
	return 0;
}

int spec_rd_abs_path(struct spec_ctx *c, json_t *v, void *out)
{
	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	if (json_string_value(v)[0] != '/')
		return spec_fail(c, "`%s` is not an absolute path", json_string_value(v));
	return spec_rd_str(c, v, out);
}

int spec_rd_bool(struct spec_ctx *c, json_t *v, void *out)
{
	if (!json_is_boolean(v))
		return spec_fail(c, "expected a boolean");
	*(bool *)out = json_is_true(v);
	return 0;
}

/* In ints_as_real mode: the number's own text, when it is an integer. */
static bool integer_text(struct spec_ctx *c, char *buf, size_t size)
{
	struct spec_span span;
	size_t n, i = 0;

	if (c->depth > SPEC_PATH_MAX_DEPTH ||
	    spec_locate(c->text, c->len, c->path, c->depth, &span) != c->depth)
		return false;
	n = span.end - span.start;
	if (n == 0 || n >= size)
		return false;
	memcpy(buf, c->text + span.start, n);
	buf[n] = '\0';
	if (buf[0] == '-')
		i++;
	if (buf[i] == '\0')
		return false;
	for (; buf[i]; i++) {
		if (buf[i] < '0' || buf[i] > '9')
			return false;
	}
	return true;
}

static int get_u64(struct spec_ctx *c, json_t *v, uint64_t max, uint64_t *out)
{
	unsigned long long u;
	char buf[64];

	if (json_is_integer(v)) {
		json_int_t x = json_integer_value(v);
		if (x < 0 || (uint64_t)x > max)
			return spec_fail(
			    c, "%" JSON_INTEGER_FORMAT " is out of range (0 to %" PRIu64 ")", x,
			    max);
		*out = (uint64_t)x;
		return 0;
	}
	if (!c->ints_as_real || !json_is_real(v) || !integer_text(c, buf, sizeof(buf)))
		return spec_fail(c, "expected an integer");
	if (buf[0] == '-' && strspn(buf + 1, "0") == strlen(buf + 1))
		u = 0; /* -0, as jansson reads it otherwise */
	else if (!parse_u64(buf, max, &u))
		return spec_fail(c, "%s is out of range (0 to %" PRIu64 ")", buf, max);
	*out = u;
	return 0;
}

static int get_i64(struct spec_ctx *c, json_t *v, int64_t min, int64_t max, int64_t *out)
{
	long long x;
	char buf[64];

	if (json_is_integer(v)) {
		x = json_integer_value(v);
	} else {
		if (!c->ints_as_real || !json_is_real(v) || !integer_text(c, buf, sizeof(buf)))
			return spec_fail(c, "expected an integer");
		if (!parse_i64(buf, LLONG_MIN, LLONG_MAX, &x))
			return spec_fail(c, "%s is out of range (%" PRId64 " to %" PRId64 ")", buf,
					 min, max);
	}
	if (x < min || x > max)
		return spec_fail(c, "%lld is out of range (%" PRId64 " to %" PRId64 ")", x, min,
				 max);
	*out = x;
	return 0;
}

int spec_rd_u32(struct spec_ctx *c, json_t *v, void *out)
{
	uint64_t x = 0;
	int r = get_u64(c, v, UINT32_MAX, &x);

	if (r == 0)
		*(uint32_t *)out = (uint32_t)x;
	return r;
}

int spec_rd_u16(struct spec_ctx *c, json_t *v, void *out)
{
	uint64_t x = 0;
	int r = get_u64(c, v, UINT16_MAX, &x);

	if (r == 0)
		*(unsigned *)out = (unsigned)x;
	return r;
}

int spec_rd_u64(struct spec_ctx *c, json_t *v, void *out)
{
	return get_u64(c, v, UINT64_MAX, out);
}

int spec_rd_i64(struct spec_ctx *c, json_t *v, void *out)
{
	return get_i64(c, v, INT64_MIN, INT64_MAX, out);
}

/* The permission bits; a full st_mode (podman writes the host node's,
 * 8630 = S_IFCHR | 0666) is accepted with its file type bits dropped, as
 * runc keeps only the permissions (the type comes from `type`). */
int spec_rd_file_mode(struct spec_ctx *c, json_t *v, void *out)
{
	uint64_t x = 0;
	int r = get_u64(c, v, S_IFMT | 07777, &x);

	if (r == 0)
		*(mode_t *)out = (mode_t)(x & 07777);
	return r;
}

int spec_rd_timeout(struct spec_ctx *c, json_t *v, void *out)
{
	int64_t x = 0;
	int r = get_i64(c, v, 1, INT_MAX, &x);

	if (r == 0)
		*(int *)out = (int)x;
	return r;
}

int spec_rd_oom_score_adj(struct spec_ctx *c, json_t *v, void *out)
{
	int64_t x = 0;
	int r = get_i64(c, v, -1000, 1000, &x);

	if (r == 0)
		*(int *)out = (int)x;
	return r;
}

/* An array of strings; each checked by check (NULL: any) which returns a
 * complaint or NULL. */
static int rd_strv_checked(struct spec_ctx *c, json_t *v, char ***out,
			   const char *(*check)(const char *))
{
	size_t n;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	n = json_array_size(v);
	strv_free(*out);
	*out = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		const char *why;

		spec_push_index(c, i);
		if (!json_is_string(e))
			return spec_fail(c, "expected a string");
		if (check != NULL && (why = check(json_string_value(e))) != NULL)
			return spec_fail(c, "%s", why);
		(*out)[i] = xstrdup(json_string_value(e));
		spec_pop(c);
	}
	return 0;
}

int spec_rd_strv(struct spec_ctx *c, json_t *v, void *out)
{
	return rd_strv_checked(c, v, out, NULL);
}

static const char *check_env(const char *s)
{
	const char *eq = strchr(s, '=');
	return eq == NULL || eq == s ? "expected KEY=VALUE" : NULL;
}

int spec_rd_env(struct spec_ctx *c, json_t *v, void *out)
{
	return rd_strv_checked(c, v, out, check_env);
}

static const char *check_abs(const char *s)
{
	return s[0] == '/' ? NULL : "expected an absolute path";
}

int spec_rd_abs_strv(struct spec_ctx *c, json_t *v, void *out)
{
	return rd_strv_checked(c, v, out, check_abs);
}

int spec_rd_args(struct spec_ctx *c, json_t *v, void *out)
{
	if (json_is_array(v) && json_array_size(v) == 0)
		return spec_fail(c, "must not be empty");
	return rd_strv_checked(c, v, out, NULL);
}

/* A section kept as compact JSON text for its own module's parser. */
int spec_rd_json_object(struct spec_ctx *c, json_t *v, void *out)
{
	char **s = out;
	struct spec_span span;

	if (!json_is_object(v))
		return spec_fail(c, "expected an object");
	free(*s);
	if (c->ints_as_real && c->depth <= SPEC_PATH_MAX_DEPTH &&
	    spec_locate(c->text, c->len, c->path, c->depth, &span) == c->depth) {
		/* Integers were decoded as reals: copy the text instead. */
		*s = spec_minify(c->text, span.start, span.end);
		return 0;
	}
	*s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (*s == NULL)
		return spec_fail(c, "cannot serialize");
	return 0;
}

/* An object of strings, kept in order. */
int spec_rd_kvs(struct spec_ctx *c, json_t *v, struct cella_kv **out, size_t *n)
{
	const char *key;
	json_t *val;
	size_t i = 0;

	if (!json_is_object(v))
		return spec_fail(c, "expected an object of strings");
	*out = xcalloc(json_object_size(v), sizeof(**out));
	json_object_foreach(v, key, val)
	{
		spec_push_key(c, key);
		if (!json_is_string(val))
			return spec_fail(c, "expected a string");
		(*out)[i].key = xstrdup(key);
		(*out)[i].value = xstrdup(json_string_value(val));
		*n = ++i;
		spec_pop(c);
	}
	return 0;
}

/* Member key, pushed on the path; NULL (nothing pushed) when absent. */
json_t *spec_enter(struct spec_ctx *c, json_t *obj, const char *key)
{
	json_t *v = spec_member(obj, key);

	if (v != NULL)
		spec_push_key(c, key);
	return v;
}

/* An array of objects into a new C array of size-byte elements; *items and
 * *n are set first so that a half-read array is freed with the spec. */
int spec_rd_array(struct spec_ctx *c, json_t *v, size_t size, void *items, size_t *n,
		  spec_elem_fn fn)
{
	size_t count;
	char *base;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array");
	count = json_array_size(v);
	base = xcalloc(count, size);
	memcpy(items, &base, sizeof(base));
	*n = count;
	for (size_t i = 0; i < count; i++) {
		int r;

		spec_push_index(c, i);
		r = fn(c, json_array_get(v, i), base + i * size);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return 0;
}

json_t *spec_load_json(struct spec_ctx *c)
{
	const char *nul = c->len > 0 ? memchr(c->text, '\0', c->len) : NULL;
	json_error_t jerr;
	json_t *root;

	/* jansson swallows a NUL byte after a number: refuse them all. */
	if (nul != NULL) {
		unsigned line, col;

		spec_line_col(c->text, (size_t)(nul - c->text), &line, &col);
		cella_err_invalid(c->err, "%s:%u:%u: invalid JSON: NUL byte", c->origin, line, col);
		return NULL;
	}
	root = json_loadb(c->text, c->len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL && strstr(jerr.text, "too big") != NULL) {
		root = json_loadb(c->text, c->len, JSON_REJECT_DUPLICATES | JSON_DECODE_INT_AS_REAL,
				  &jerr);
		c->ints_as_real = true;
	}
	if (root == NULL)
		cella_err_invalid(c->err, "%s:%d:%d: invalid JSON: %s", c->origin,
				  jerr.line > 0 ? jerr.line : 1, jerr.column > 0 ? jerr.column : 1,
				  jerr.text);
	return root;
}
