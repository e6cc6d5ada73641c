/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.seccomp: JSON -> struct cella_seccomp, and back.
 *
 * An unknown action, operator, architecture or flag is an error naming the
 * JSON path; a syscall name libseccomp does not know is not (it is skipped
 * when the filter is built, as runc does), so that one profile serves
 * kernels and libseccomp versions of different ages. SCMP_ACT_NOTIFY needs
 * listenerPath and cannot be the default action.
 */
#include "spec/spec_seccomp.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/util.h"

static int rd_action(struct spec_ctx *c, json_t *v, void *out)
{
	int a;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	a = cella_seccomp_action_from_name(json_string_value(v));
	if (a < 0)
		return spec_fail(c, "unknown action `%s`", json_string_value(v));
	*(enum cella_seccomp_action *)out = (enum cella_seccomp_action)a;
	return 0;
}

static int rd_op(struct spec_ctx *c, json_t *v, void *out)
{
	int op;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	op = cella_seccomp_op_from_name(json_string_value(v));
	if (op < 0)
		return spec_fail(c, "unknown operator `%s`", json_string_value(v));
	*(enum cella_seccomp_op *)out = (enum cella_seccomp_op)op;
	return 0;
}

static int rd_index(struct spec_ctx *c, json_t *v, void *out)
{
	uint32_t x = 0; /* gcc -flto: maybe-uninitialized */
	int r = spec_rd_u32(c, v, &x);

	if (r < 0)
		return r;
	if (x > 5)
		return spec_fail(c, "%u is out of range (a syscall has arguments 0 to 5)", x);
	*(unsigned *)out = x;
	return 0;
}

static int rd_arg(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_seccomp_arg *a = elem;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "index", true, rd_index, &a->index)) < 0 ||
	    (r = spec_field(c, v, "value", true, spec_rd_u64, &a->value)) < 0 ||
	    (r = spec_field(c, v, "valueTwo", false, spec_rd_u64, &a->value_two)) < 0 ||
	    (r = spec_field(c, v, "op", true, rd_op, &a->op)) < 0)
		return r;
	return 0;
}

/* Reject member key of the current object: at its value when it is there,
 * at the object when not. */
#define fail_member(c, key, ...) (spec_push_key((c), (key)), spec_fail((c), __VA_ARGS__))

static bool takes_errno(enum cella_seccomp_action a)
{
	return a == CELLA_SCMP_ERRNO || a == CELLA_SCMP_TRACE;
}

static int rd_rule(struct spec_ctx *c, json_t *v, void *elem)
{
	struct cella_seccomp_rule *rule = elem;
	json_t *x;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "names", true, spec_rd_strv, &rule->names)) < 0 ||
	    (r = spec_field(c, v, "action", true, rd_action, &rule->action)) < 0 ||
	    (r = spec_field(c, v, "errnoRet", false, spec_rd_u32, &rule->errno_ret)) < 0)
		return r;
	rule->has_errno_ret = r > 0;
	if (rule->names[0] == NULL)
		return spec_fail_extra(c, "names", "must not be empty");
	if (rule->has_errno_ret && !takes_errno(rule->action))
		return spec_fail_extra(c, "errnoRet",
				       "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	if ((x = spec_enter(c, v, "args")) != NULL) {
		r = spec_rd_array(c, x, sizeof(*rule->args), &rule->args, &rule->n_args, rd_arg);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return 0;
}

static int rd_archs(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_seccomp *s = out;
	size_t n;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	n = json_array_size(v);
	s->archs = xcalloc(n ? n : 1, sizeof(*s->archs));
	for (size_t i = 0; i < n; i++) {
		json_t *e = json_array_get(v, i);
		uint32_t arch;

		spec_push_index(c, i);
		if (!json_is_string(e))
			return spec_fail(c, "expected a string");
		arch = cella_seccomp_arch_from_name(json_string_value(e));
		if (arch == 0)
			return spec_fail(c, "unknown architecture `%s`", json_string_value(e));
		s->archs[s->n_archs++] = arch;
		spec_pop(c);
	}
	return 0;
}

static int rd_flags(struct spec_ctx *c, json_t *v, void *out)
{
	unsigned *flags = out;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		int f;

		spec_push_index(c, i);
		if (!json_is_string(e))
			return spec_fail(c, "expected a string");
		f = cella_seccomp_flag_from_name(json_string_value(e));
		if (f < 0)
			return spec_fail(c, "unknown or unsupported flag `%s`",
					 json_string_value(e));
		*flags |= (unsigned)f;
		spec_pop(c);
	}
	return 0;
}

/* listenerPath is where SCMP_ACT_NOTIFY's listener goes (without a rule
 * using it, the spec has it ignored); listenerMetadata goes with it and
 * "MUST NOT be set" without it. */
static int check_listener(struct spec_ctx *c, const struct cella_seccomp *s)
{
	if (s->listener_metadata != NULL && s->listener_path == NULL)
		return fail_member(c, "listenerMetadata", "must not be set without listenerPath");
	for (size_t i = 0; i < s->n_syscalls && s->listener_path == NULL; i++)
		if (s->syscalls[i].action == CELLA_SCMP_NOTIFY)
			return fail_member(c, "listenerPath",
					   "required with SCMP_ACT_NOTIFY (syscalls[%zu]): the "
					   "unix socket of the seccomp agent",
					   i);
	return 0;
}

static int rd_seccomp(struct spec_ctx *c, json_t *v, struct cella_seccomp *s)
{
	json_t *x;
	int r;

	if ((r = spec_rd_object(c, v)) < 0 ||
	    (r = spec_field(c, v, "defaultAction", true, rd_action, &s->default_action)) < 0 ||
	    (r = spec_field(c, v, "defaultErrnoRet", false, spec_rd_u32, &s->default_errno_ret)) <
		0)
		return r;
	s->has_default_errno_ret = r > 0;
	if (s->has_default_errno_ret && !takes_errno(s->default_action))
		return spec_fail_extra(c, "defaultErrnoRet",
				       "only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	/* The runtime's own syscalls after loading the filter (the one that
	 * passes the listener on first) would wait for the agent; runc refuses
	 * it too. */
	if (s->default_action == CELLA_SCMP_NOTIFY)
		return fail_member(c, "defaultAction",
				   "SCMP_ACT_NOTIFY cannot be the default action (the "
				   "runtime's own syscalls after loading the filter would "
				   "wait for the agent)");
	if ((r = spec_field(c, v, "architectures", false, rd_archs, s)) < 0 ||
	    (r = spec_field(c, v, "flags", false, rd_flags, &s->flags)) < 0 ||
	    (r = spec_field(c, v, "listenerPath", false, spec_rd_abs_path, &s->listener_path)) <
		0 ||
	    (r = spec_field(c, v, "listenerMetadata", false, spec_rd_str, &s->listener_metadata)) <
		0)
		return r;
	if ((x = spec_enter(c, v, "syscalls")) != NULL) {
		r = spec_rd_array(c, x, sizeof(*s->syscalls), &s->syscalls, &s->n_syscalls,
				  rd_rule);
		if (r < 0)
			return r;
		spec_pop(c);
	}
	return check_listener(c, s);
}

int spec_read_seccomp(struct spec_ctx *c, json_t *v, struct cella_seccomp **out)
{
	struct cella_seccomp *s = xcalloc(1, sizeof(*s));
	int r = rd_seccomp(c, v, s);

	if (r < 0) {
		cella_seccomp_free(s);
		return r;
	}
	cella_seccomp_free(*out);
	*out = s;
	return 0;
}

int cella_spec_seccomp_parse(const char *text, size_t len, const char *origin,
			     struct cella_seccomp **out, cella_error *err)
{
	struct spec_ctx c = {.text = text, .len = len, .origin = origin, .err = err};
	json_error_t jerr;
	json_t *root;
	int r;

	*out = NULL;
	if (len > 0 && memchr(text, '\0', len) != NULL)
		return cella_err_invalid(err, "%s: invalid JSON: NUL byte", origin);
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL)
		return cella_err_invalid(err, "%s:%d:%d: invalid JSON: %s", origin,
					 jerr.line > 0 ? jerr.line : 1,
					 jerr.column > 0 ? jerr.column : 1, jerr.text);
	r = spec_read_seccomp(&c, root, out);
	json_decref(root);
	return r;
}

/* ---- emitting ---- */

static json_t *u64_json(uint64_t x)
{
	return json_integer((json_int_t)x);
}

char *cella_spec_seccomp_to_json(const struct cella_seccomp *s)
{
	json_t *o = json_object();
	json_t *rules = json_array();
	char *text;

	json_object_set_new(o, "defaultAction",
			    json_string(cella_seccomp_action_name(s->default_action)));
	if (s->has_default_errno_ret)
		json_object_set_new(o, "defaultErrnoRet", json_integer(s->default_errno_ret));
	if (s->n_archs > 0) {
		json_t *a = json_array();
		for (size_t i = 0; i < s->n_archs; i++)
			json_array_append_new(a, json_string(cella_seccomp_arch_name(s->archs[i])));
		json_object_set_new(o, "architectures", a);
	}
	if (s->flags != 0) {
		json_t *f = json_array();
		for (unsigned bit = 1; bit != 0 && bit <= s->flags; bit <<= 1)
			if (s->flags & bit)
				json_array_append_new(f, json_string(cella_seccomp_flag_name(bit)));
		json_object_set_new(o, "flags", f);
	}
	if (s->listener_path != NULL)
		json_object_set_new(o, "listenerPath", json_string(s->listener_path));
	if (s->listener_metadata != NULL)
		json_object_set_new(o, "listenerMetadata", json_string(s->listener_metadata));
	for (size_t i = 0; i < s->n_syscalls; i++) {
		const struct cella_seccomp_rule *rule = &s->syscalls[i];
		json_t *ro = json_object();
		json_t *names = json_array();

		for (char **n = rule->names; n != NULL && *n != NULL; n++)
			json_array_append_new(names, json_string(*n));
		json_object_set_new(ro, "names", names);
		json_object_set_new(ro, "action",
				    json_string(cella_seccomp_action_name(rule->action)));
		if (rule->has_errno_ret)
			json_object_set_new(ro, "errnoRet", json_integer(rule->errno_ret));
		if (rule->n_args > 0) {
			json_t *args = json_array();
			for (size_t a = 0; a < rule->n_args; a++) {
				const struct cella_seccomp_arg *x = &rule->args[a];
				json_array_append_new(
				    args, json_pack("{s:i,s:o,s:o,s:s}", "index", (int)x->index,
						    "value", u64_json(x->value), "valueTwo",
						    u64_json(x->value_two), "op",
						    cella_seccomp_op_name(x->op)));
			}
			json_object_set_new(ro, "args", args);
		}
		json_array_append_new(rules, ro);
	}
	json_object_set_new(o, "syscalls", rules);
	text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (text == NULL)
		abort();
	return text;
}
