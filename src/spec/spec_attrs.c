/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * process.scheduler, process.ioPriority and linux.personality: JSON <-> the
 * typed structs of spec.h, validated here so that a value the kernel would
 * refuse or ignore is an error naming its JSON path, before anything of the
 * container exists.
 *
 *   scheduler    policy SCHED_*; nice (-20..19) only with SCHED_OTHER and
 *                SCHED_BATCH, the only policies that use it (sched_setattr(2));
 *                priority 1..99 with SCHED_FIFO and SCHED_RR, 0 otherwise;
 *                runtime, deadline and period, and the flags RECLAIM and
 *                DL_OVERRUN, only with SCHED_DEADLINE, in the kernel's bounds
 *                (runtime >= 1024 ns, runtime <= deadline <= period when one
 *                is given, below 2^63). UTIL_CLAMP_MIN and _MAX go with
 *                clamp values of 0, as runc sends them: the spec has no field
 *                for the values.
 *   ioPriority   class IOPRIO_CLASS_RT, _BE or _IDLE; priority 0..7.
 *   personality  domain LINUX or LINUX32; the spec defines no flags, so any
 *                flag is refused rather than dropped.
 *   memoryPolicy mode MPOL_*; flags MPOL_F_*; nodes a list ("0-3,7"), required
 *                by the modes that take nodes, refused by MPOL_DEFAULT and
 *                MPOL_LOCAL (set_mempolicy(2) would refuse them).
 */
#include <inttypes.h>
#include <string.h>

#include <jansson.h>

#include "spec/spec_attrs.h"
#include "spec/spec_internal.h"
#include "util/util.h"

/* Reject member key of the current object: at its value when it is there,
 * at the object when not. */
#define fail_member(c, key, ...) (spec_push_key((c), (key)), spec_fail((c), __VA_ARGS__))

static int rd_i32(struct spec_ctx *c, json_t *v, void *out)
{
	int64_t x;
	int r = spec_rd_i64(c, v, &x);

	if (r < 0)
		return r;
	if (x < INT32_MIN || x > INT32_MAX)
		return spec_fail(c, "%" PRId64 " is out of range (a 32-bit integer)", x);
	*(int32_t *)out = (int32_t)x;
	return 0;
}

static int rd_policy(struct spec_ctx *c, json_t *v, void *out)
{
	int policy;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	policy = cella_sched_policy_from_name(json_string_value(v));
	if (policy < 0)
		return spec_fail(c, "unknown policy `%s`", json_string_value(v));
	*(int *)out = policy;
	return 0;
}

/* After the policy: RECLAIM and DL_OVERRUN are SCHED_DEADLINE's, and the
 * kernel ignores them with any other policy. */
static int rd_sched_flags(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_scheduler *s = out;
	const uint64_t dl_only = cella_sched_flag_from_name("SCHED_FLAG_RECLAIM") |
				 cella_sched_flag_from_name("SCHED_FLAG_DL_OVERRUN");

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);
		uint64_t f;

		spec_push_index(c, i);
		if (!json_is_string(e))
			return spec_fail(c, "expected a string");
		f = cella_sched_flag_from_name(json_string_value(e));
		if (f == 0)
			return spec_fail(c, "unknown flag `%s`", json_string_value(e));
		if ((f & dl_only) && !cella_sched_policy_is_deadline(s->policy))
			return spec_fail(c, "%s only applies to SCHED_DEADLINE, not %s",
					 json_string_value(e), cella_sched_policy_name(s->policy));
		s->flags |= f;
		spec_pop(c);
	}
	return 0;
}

static int check_deadline(struct spec_ctx *c, const struct cella_scheduler *s)
{
	const uint64_t top = UINT64_C(1) << 63;

	if (s->runtime < 1024)
		return fail_member(c, "runtime",
				   "SCHED_DEADLINE needs a runtime of at least 1024 (ns)");
	if (s->deadline >= top)
		return fail_member(c, "deadline", "must be below 2^63");
	if (s->period >= top)
		return fail_member(c, "period", "must be below 2^63");
	if (s->runtime > s->deadline)
		return fail_member(c, "runtime", "%" PRIu64 " is above the deadline %" PRIu64,
				   s->runtime, s->deadline);
	if (s->period != 0 && s->deadline > s->period)
		return fail_member(c, "deadline", "%" PRIu64 " is above the period %" PRIu64,
				   s->deadline, s->period);
	return 0;
}

/* After the members: what the policy takes. */
static int check_scheduler(struct spec_ctx *c, json_t *v, void *out)
{
	const struct cella_scheduler *s = out;
	bool rt, fair;

	rt = cella_sched_policy_is_realtime(s->policy);
	fair = cella_sched_policy_takes_nice(s->policy);
	if (s->nice < -20 || s->nice > 19)
		return fail_member(c, "nice", "%" PRId32 " is out of range (-20 to 19)", s->nice);
	if (s->nice != 0 && !fair)
		return fail_member(c, "nice",
				   "only SCHED_OTHER and SCHED_BATCH take a nice value, not %s",
				   cella_sched_policy_name(s->policy));
	if (rt && (s->priority < 1 || s->priority > 99))
		return fail_member(c, "priority", "%s needs a priority from 1 to 99, not %" PRId32,
				   cella_sched_policy_name(s->policy), s->priority);
	if (!rt && s->priority != 0)
		return fail_member(c, "priority",
				   "only SCHED_FIFO and SCHED_RR take a priority, not %s",
				   cella_sched_policy_name(s->policy));
	if (cella_sched_policy_is_deadline(s->policy))
		return check_deadline(c, s);
	if (s->runtime != 0 || s->deadline != 0 || s->period != 0)
		return fail_member(c,
				   s->runtime != 0    ? "runtime"
				   : s->deadline != 0 ? "deadline"
						      : "period",
				   "only SCHED_DEADLINE takes a runtime, deadline and period, "
				   "not %s",
				   cella_sched_policy_name(s->policy));
	return 0;
}

static int rd_ioprio_class(struct spec_ctx *c, json_t *v, void *out)
{
	int class_;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	class_ = cella_ioprio_class_from_name(json_string_value(v));
	if (class_ < 0)
		return spec_fail(c,
				 "unknown class `%s` (expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE "
				 "or IOPRIO_CLASS_IDLE)",
				 json_string_value(v));
	*(int *)out = class_;
	return 0;
}

static int rd_ioprio_level(struct spec_ctx *c, json_t *v, void *out)
{
	int64_t x;
	int r = spec_rd_i64(c, v, &x);

	if (r < 0)
		return r;
	if (x < 0 || x > 7)
		return spec_fail(c, "%" PRId64 " is out of range (0 to 7)", x);
	*(int *)out = (int)x;
	return 0;
}

/* A CPU list, checked as the kernel will take it. */
static int rd_cpu_list(struct spec_ctx *c, json_t *v, void *out)
{
	cella_error e;
	cpu_set_t set;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	if (cella_parse_cpu_list(json_string_value(v), &set, &e) < 0)
		return spec_fail(c, "%s", e.msg);
	*(char **)out = xstrdup(json_string_value(v));
	return 0;
}

static int rd_domain(struct spec_ctx *c, json_t *v, void *out)
{
	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	if (!cella_personality_domain_from_name(json_string_value(v), out))
		return spec_fail(c, "unknown domain `%s` (expected LINUX or LINUX32)",
				 json_string_value(v));
	return 0;
}

static int rd_personality_flags(struct spec_ctx *c, json_t *v, void *out)
{
	(void)out;
	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	for (size_t i = 0; i < json_array_size(v); i++) {
		json_t *e = json_array_get(v, i);

		spec_push_index(c, i);
		if (!json_is_string(e))
			return spec_fail(c, "expected a string");
		return spec_fail(c, "unsupported flag `%s` (the runtime spec defines none)",
				 json_string_value(e));
	}
	return 0;
}

static int rd_mpol_mode(struct spec_ctx *c, json_t *v, void *out)
{
	int mode;

	if (!json_is_string(v))
		return spec_fail(c, "expected a string");
	mode = cella_mempolicy_mode_from_name(json_string_value(v));
	if (mode < 0)
		return spec_fail(c, "unknown mode `%s`", json_string_value(v));
	*(int *)out = mode;
	return 0;
}

static int rd_mpol_flags(struct spec_ctx *c, json_t *v, void *out)
{
	unsigned *flags = out;
	size_t i;
	json_t *x;

	if (!json_is_array(v))
		return spec_fail(c, "expected an array of strings");
	json_array_foreach(v, i, x)
	{
		unsigned f =
		    json_is_string(x) ? cella_mempolicy_flag_from_name(json_string_value(x)) : 0;

		if (f == 0) {
			spec_push_index(c, i);
			return spec_fail(c, "unknown flag (expected MPOL_F_NUMA_BALANCING, "
					    "MPOL_F_RELATIVE_NODES or MPOL_F_STATIC_NODES)");
		}
		*flags |= f;
	}
	return 0;
}

/* After the members: nodes as the mode takes them. */
static int check_memory_policy(struct spec_ctx *c, json_t *v, void *out)
{
	struct cella_mempolicy *p = out;
	cella_error e;
	int takes;

	if (p->nodes != NULL && p->nodes[0] == '\0') {
		free(p->nodes);
		p->nodes = NULL;
	}
	takes = cella_mempolicy_mode_nodes(p->mode);
	if (takes < 0 && p->nodes != NULL)
		return fail_member(c, "nodes", "%s takes no nodes",
				   cella_mempolicy_mode_name(p->mode));
	if (takes > 0 && p->nodes == NULL)
		return fail_member(c, "nodes", "%s needs nodes",
				   cella_mempolicy_mode_name(p->mode));
	if (p->nodes != NULL && cella_mempolicy_parse_nodes(p->nodes, p->mask, &e) < 0)
		return fail_member(c, "nodes", "%s", e.msg);
	return 0;
}

/* ---- emitting ---- */

static json_t *emit_policy(struct spec_emit *e, const void *p)
{
	return json_string(cella_sched_policy_name(*(const int *)p));
}

static json_t *emit_nonzero_i32(struct spec_emit *e, const void *p)
{
	int32_t x = *(const int32_t *)p;
	return x != 0 ? json_integer(x) : NULL;
}

/* Below 2^63: checked by the reader. */
static json_t *emit_nonzero_u64(struct spec_emit *e, const void *p)
{
	uint64_t x = *(const uint64_t *)p;
	return x != 0 ? json_integer((json_int_t)x) : NULL;
}

static json_t *emit_sched_flags(struct spec_emit *e, const void *p)
{
	const struct cella_scheduler *s = p;
	json_t *a;

	if (s->flags == 0)
		return NULL;
	a = json_array();
	for (unsigned bit = 0; bit < 64; bit++) {
		const char *name = cella_sched_flag_name(UINT64_C(1) << bit);

		if ((s->flags >> bit & 1) && name != NULL)
			json_array_append_new(a, json_string(name));
	}
	return a;
}

static json_t *emit_ioprio_class(struct spec_emit *e, const void *p)
{
	return json_string(cella_ioprio_class_name(*(const int *)p));
}

static json_t *emit_domain(struct spec_emit *e, const void *p)
{
	return json_string(cella_personality_domain_name(*(const unsigned long *)p));
}

static json_t *emit_mpol_mode(struct spec_emit *e, const void *p)
{
	return json_string(cella_mempolicy_mode_name(*(const int *)p));
}

static json_t *emit_mpol_flags(struct spec_emit *e, const void *p)
{
	unsigned flags = *(const unsigned *)p;
	json_t *a;

	if (flags == 0)
		return NULL;
	a = json_array();
	for (unsigned bit = 0; bit < 32; bit++)
		if ((flags >> bit & 1) && cella_mempolicy_flag_name(1U << bit) != NULL)
			json_array_append_new(a, json_string(cella_mempolicy_flag_name(1U << bit)));
	return a;
}

/* ---- the tables (spec_fields.c's process and linux tables use them) ---- */

#define MEMBER(key, type, member, flags_, rd, em, fr)                                              \
	{                                                                                          \
		.name = (key), .kind = SPEC_VALUE, .flags = (flags_),                              \
		.offset = offsetof(type, member), .read = (rd), .emit = (em), .free = (fr)         \
	}

static const struct spec_field scheduler_fields[] = {
    MEMBER("policy", struct cella_scheduler, policy, SPEC_REQUIRED, rd_policy, emit_policy, NULL),
    MEMBER("nice", struct cella_scheduler, nice, 0, rd_i32, emit_nonzero_i32, NULL),
    MEMBER("priority", struct cella_scheduler, priority, 0, rd_i32, emit_nonzero_i32, NULL),
    /* After the policy, which the flags are checked against. */
    {.name = "flags",
     .kind = SPEC_VALUE,
     .flags = SPEC_WHOLE,
     .read = rd_sched_flags,
     .emit = emit_sched_flags},
    MEMBER("runtime", struct cella_scheduler, runtime, 0, spec_rd_u64, emit_nonzero_u64, NULL),
    MEMBER("deadline", struct cella_scheduler, deadline, 0, spec_rd_u64, emit_nonzero_u64, NULL),
    MEMBER("period", struct cella_scheduler, period, 0, spec_rd_u64, emit_nonzero_u64, NULL),
};
const struct spec_object spec_scheduler_object =
    SPEC_TABLE("scheduler", struct cella_scheduler, scheduler_fields, .check = check_scheduler);

static const struct spec_field io_priority_fields[] = {
    MEMBER("class", struct cella_io_priority, class_, SPEC_REQUIRED, rd_ioprio_class,
	   emit_ioprio_class, NULL),
    MEMBER("priority", struct cella_io_priority, priority, SPEC_REQUIRED, rd_ioprio_level,
	   spec_emit_int, NULL),
};
const struct spec_object spec_io_priority_object =
    SPEC_TABLE("ioPriority", struct cella_io_priority, io_priority_fields);

/* Members of the process struct itself (exec_cpus_*). */
static const struct spec_field exec_cpu_affinity_fields[] = {
    MEMBER("initial", struct cella_process, exec_cpus_initial, 0, rd_cpu_list, spec_emit_str,
	   spec_free_str),
    MEMBER("final", struct cella_process, exec_cpus_final, 0, rd_cpu_list, spec_emit_str,
	   spec_free_str),
};
const struct spec_object spec_exec_cpu_affinity_object =
    SPEC_TABLE("execCPUAffinity", struct cella_process, exec_cpu_affinity_fields);

static const struct spec_field personality_fields[] = {
    MEMBER("domain", struct cella_personality, domain, SPEC_REQUIRED, rd_domain, emit_domain, NULL),
    /* Refused when not empty: never emitted. */
    MEMBER("flags", struct cella_personality, domain, 0, rd_personality_flags, NULL, NULL),
};
const struct spec_object spec_personality_object =
    SPEC_TABLE("personality", struct cella_personality, personality_fields);

static const struct spec_field memory_policy_fields[] = {
    MEMBER("mode", struct cella_mempolicy, mode, SPEC_REQUIRED, rd_mpol_mode, emit_mpol_mode, NULL),
    MEMBER("nodes", struct cella_mempolicy, nodes, 0, spec_rd_str, spec_emit_str, spec_free_str),
    MEMBER("flags", struct cella_mempolicy, flags, 0, rd_mpol_flags, emit_mpol_flags, NULL),
};
const struct spec_object spec_memory_policy_object = SPEC_TABLE(
    "memoryPolicy", struct cella_mempolicy, memory_policy_fields, .check = check_memory_policy);
