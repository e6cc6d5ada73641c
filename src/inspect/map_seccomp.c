/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `cella map`'s seccomp layer: the filter read back (or, when the kernel
 * will not show it, the one create compiled), evaluated for every syscall of
 * the running kernel, its compat architectures, the rules create left out. */
#include "inspect/map_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <linux/capability.h>
#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "engine/engine.h"
#include "engine/state.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/cgroup_limits.h"
#include "inspect/inspect.h"
#include "kernel/ns.h"
#include "kernel/personality.h"
#include "kernel/sched.h"
#include "kernel/seccomp.h"
#include "inspect/reach.h"
#include "inspect/seccomp_inspect.h"
#include "inspect/syscalls_kernel.h"
#include "util/cleanup.h"
#include "util/util.h"

/* ---- seccomp ---- */

static const char *const seccomp_modes[] = {"disabled", "strict", "filter"};

/* An unassigned syscall number: what a filter does with syscalls it does
 * not name (its default action). */
#define UNKNOWN_SYSCALL_NR 999

static char *outcome_text(uint32_t ret)
{
	enum seccomp_inspect_action a = seccomp_inspect_action_of(ret);
	const char *name = seccomp_inspect_action_name(a);
	unsigned data = ret & 0xffffU;

	if (a == SECCOMP_INSPECT_ERRNO) {
		const char *en = strerrorname_np((int)data);
		return en != NULL ? xasprintf("%s %s", name, en) : xasprintf("%s %u", name, data);
	}
	if ((a == SECCOMP_INSPECT_TRACE || a == SECCOMP_INSPECT_TRAP) && data != 0)
		return xasprintf("%s %u", name, data);
	return xstrdup(name);
}

/* "allow | errno EPERM", or one outcome. */
static char *outcomes_text(const struct seccomp_inspect_result *r)
{
	char *s = xstrdup("");

	for (size_t i = 0; i < r->n_rets; i++) {
		cleanup_free char *o = outcome_text(r->rets[i]);
		char *n = xasprintf("%s%s%s", s, i > 0 ? " | " : "", o);
		free(s);
		s = n;
	}
	if (r->any) {
		char *n = xasprintf("%s%sany (computed from the arguments)", s, s[0] ? " | " : "");
		free(s);
		s = n;
	}
	return s;
}

static void add_to_group(json_t *groups, const char *outcome, const char *name)
{
	size_t i;
	json_t *g;

	json_array_foreach(groups, i, g)
	{
		if (strcmp(json_string_value(json_object_get(g, "outcome")), outcome) == 0) {
			json_array_append_new(json_object_get(g, "syscalls"), json_string(name));
			return;
		}
	}
	g = json_object();
	set(g, "outcome", json_string(outcome));
	set(g, "syscalls", json_array());
	json_array_append_new(json_object_get(g, "syscalls"), json_string(name));
	json_array_append_new(groups, g);
}

static json_t *result_json(const struct seccomp_inspect_result *r, const char *name, uint32_t nr)
{
	json_t *x = json_object();
	bool depends = r->depends_on_args || r->any || r->n_rets != 1;

	if (name != NULL)
		set(x, "name", json_string(name));
	set(x, "nr", json_integer(nr));
	if (r->too_complex) {
		set(x, "action", json_string("too_complex"));
		set(x, "depends_on_args", json_null());
		return x;
	}
	if (!depends) {
		enum seccomp_inspect_action a = seccomp_inspect_action_of(r->rets[0]);
		set(x, "action", json_string(seccomp_inspect_action_name(a)));
		if (a == SECCOMP_INSPECT_ERRNO)
			set(x, "errno", json_integer(r->rets[0] & 0xffffU));
		else if (a == SECCOMP_INSPECT_TRACE || a == SECCOMP_INSPECT_TRAP)
			set(x, "data", json_integer(r->rets[0] & 0xffffU));
	} else {
		json_t *outs = json_array();
		set(x, "action", json_string("depends"));
		json_t *conds = json_array();

		for (size_t i = 0; i < r->n_rets; i++) {
			cleanup_free char *txt = outcome_text(r->rets[i]);
			json_array_append_new(outs, json_string(txt));
			if (r->conditions != NULL && r->conditions[i] != NULL)
				json_array_append_new(
				    conds, json_sprintf("%s when %s", txt, r->conditions[i]));
		}
		if (r->any)
			json_array_append_new(outs, json_string("any"));
		set(x, "outcomes", outs);
		set(x, "conditions", conds);
	}
	set(x, "depends_on_args", json_boolean(depends));
	return x;
}

static json_t *summary_json(const struct seccomp_inspect_summary *sum)
{
	json_t *summary = json_object();

	for (int a = 0; a < SECCOMP_INSPECT_ACTION_COUNT; a++)
		if (sum->always[a] > 0)
			set(summary, seccomp_inspect_action_name((enum seccomp_inspect_action)a),
			    json_integer((json_int_t)sum->always[a]));
	if (sum->depends > 0)
		set(summary, "depends", json_integer((json_int_t)sum->depends));
	if (sum->too_complex > 0)
		set(summary, "too_complex", json_integer((json_int_t)sum->too_complex));
	return summary;
}

/* The host's compat architectures (x86-64: i386, and x32 where the kernel
 * has the x32 ABI), whose syscalls a process can make too: a summary each (a
 * profile for the native architecture alone kills or refuses all of
 * them). */
/* A syscall's outcome in one string, to compare architectures. */
static char *result_key(const struct seccomp_inspect_result *r)
{
	return r->too_complex ? xstrdup("too complex") : outcomes_text(r);
}

/* The compat table's syscalls whose outcome differs from the native one of
 * the same name (or, for a call the native architecture does not have,
 * i386's socketcall, from what the native filters do with an unknown
 * number), in full. */
static json_t *compat_differences(const struct seccomp_inspect_table *tab,
				  const struct seccomp_inspect_table *native,
				  const char *native_default)
{
	json_t *a = json_array();

	for (size_t i = 0; i < tab->n; i++) {
		const struct seccomp_inspect_syscall *sc = &tab->syscalls[i];
		cleanup_free char *mine = result_key(&sc->result);
		cleanup_free char *theirs = NULL;
		json_t *x;

		for (size_t j = 0; native != NULL && j < native->n; j++)
			if (strcmp(native->syscalls[j].name, sc->name) == 0)
				theirs = result_key(&native->syscalls[j].result);
		if (theirs != NULL ? strcmp(mine, theirs) == 0
				   : native_default != NULL && strcmp(mine, native_default) == 0)
			continue;
		x = result_json(&sc->result, sc->name, sc->nr);
		set(x, "outcome", json_string(mine));
		set(x, "native", theirs != NULL ? json_string(theirs) : json_null());
		json_array_append_new(a, x);
	}
	return a;
}

static json_t *seccomp_compat(const struct seccomp_inspect_filters *f,
			      const struct seccomp_inspect_table *native,
			      const char *native_default)
{
	uint32_t arches[SECCOMP_INSPECT_MAX_ARCHES];
	size_t n = seccomp_inspect_host_arches(arches);
	json_t *a = json_array();

	for (size_t i = 1; i < n; i++) {
		struct seccomp_inspect_table tab;
		struct seccomp_inspect_summary sum;
		json_t *x = json_object();
		cella_error e;
		int x32 = arches[i] == SCMP_ARCH_X32 ? kernel_has_x32() : 1;

		if (x32 == 0) {
			/* The kernel answers ENOSYS before any filter runs. */
			json_decref(x);
			continue;
		}
		set(x, "arch", json_string(cella_seccomp_arch_name(arches[i])));
		if (x32 < 0)
			set(x, "kernel_support", json_string(V_UNKNOWN));
		if (seccomp_inspect_table_build(f, arches[i], &tab, &e) < 0) {
			set(x, "error", json_string(e.msg));
			json_array_append_new(a, x);
			continue;
		}
		seccomp_inspect_summarize(&tab, &sum);
		set(x, "syscalls_total", json_integer((json_int_t)sum.total));
		set(x, "summary", summary_json(&sum));
		set(x, "differs_from_native", compat_differences(&tab, native, native_default));
		seccomp_inspect_table_clear(&tab);
		json_array_append_new(a, x);
	}
	return a;
}

static void seccomp_table(json_t *o, const struct seccomp_inspect_filters *f)
{
	struct seccomp_inspect_table tab;
	struct seccomp_inspect_summary sum;
	struct seccomp_inspect_result dflt;
	json_t *calls, *summary, *groups;
	char *native_default = NULL;
	cella_error e;

	if (seccomp_inspect_table_build(f, SCMP_ARCH_NATIVE, &tab, &e) < 0) {
		set(o, "table_error", json_string(e.msg));
		return;
	}
	calls = json_array();
	groups = json_array();
	for (size_t i = 0; i < tab.n; i++) {
		const struct seccomp_inspect_syscall *sc = &tab.syscalls[i];
		json_t *x = result_json(&sc->result, sc->name, sc->nr);
		const char *act = json_string_value(json_object_get(x, "action"));

		if (sc->unknown_to_libseccomp)
			set(x, "libseccomp", json_false());
		if (sc->no_seccomp) {
			cleanup_free char *txt = outcomes_text(&sc->filtered);
			set(x, "no_seccomp", json_true());
			set(x, "filter_says", json_string(txt));
			add_to_group(groups, "allow: the kernel runs it whatever the filters say",
				     sc->name);
		} else if (sc->result.too_complex) {
			add_to_group(groups, "too complex to evaluate", sc->name);
		} else if (strcmp(act, "allow") != 0) {
			cleanup_free char *txt = outcomes_text(&sc->result);
			cleanup_free char *label = strcmp(act, "depends") == 0
						       ? xasprintf("depends on arguments: %s", txt)
						       : xstrdup(txt);
			add_to_group(groups, label, sc->name);
		}
		json_array_append_new(calls, x);
	}
	seccomp_inspect_summarize(&tab, &sum);
	summary = summary_json(&sum);
	set(o, "arch", json_string(cella_seccomp_arch_name(tab.scmp_arch)));
	set(o, "syscalls_total", json_integer((json_int_t)sum.total));
	set(o, "summary", summary);
	set(o, "groups", groups);
	set(o, "syscalls", calls);
	if (seccomp_inspect_eval(f, tab.audit_arch, UNKNOWN_SYSCALL_NR, &dflt, &e) == 0) {
		json_t *d = result_json(&dflt, NULL, UNKNOWN_SYSCALL_NR);
		cleanup_free char *txt = outcomes_text(&dflt);

		native_default = xstrdup(txt);
		set(d, "text", json_string(txt));
		set(o, "default", d);
		set(o, "verdict",
		    json_string(dflt.n_rets == 1 && !dflt.any &&
					seccomp_inspect_action_of(dflt.rets[0]) ==
					    SECCOMP_INSPECT_ALLOW
				    ? V_PARTIAL
				    : V_ISOLATED));
		seccomp_inspect_result_clear(&dflt);
	}
	set(o, "compat", seccomp_compat(f, &tab, native_default));
	free(native_default);
	seccomp_inspect_table_clear(&tab);
}

/* The config's rules create left out (SECCOMP_DROPPED_FILE), with the
 * number the running kernel gives each name, when it has one: a rule the
 * filter does not enforce. */
static json_t *dropped_rules(const struct cella_map_target *t)
{
	cleanup_free char *text = NULL;
	const struct kernel_syscall *ks[128];
	size_t n_ks = kernel_syscalls(seccomp_arch_native(), ks, 128);
	json_t *a = json_array();
	cella_error e;

	if (t->state_dirfd < 0 || read_file_at(t->state_dirfd, SECCOMP_DROPPED_FILE, &text, &e) < 0)
		return a;
	for (char *line = text, *next; line != NULL && *line != '\0'; line = next) {
		unsigned long rule;
		char name[128], action[64];
		json_t *x, *nr = json_null();

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (sscanf(line, "%lu %127s %63s", &rule, name, action) != 3)
			continue;
		for (size_t i = 0; i < n_ks; i++)
			if (strcmp(ks[i]->name, name) == 0 && kernel_has_syscall(ks[i]))
				nr = json_integer(ks[i]->nr);
		x = json_object();
		set(x, "rule", json_integer((json_int_t)rule));
		set(x, "syscall", json_string(name));
		set(x, "action", json_string(action));
		set(x, "kernel_nr", nr);
		json_array_append_new(a, x);
	}
	return a;
}

json_t *map_seccomp(const struct cella_map_target *t)
{
	struct inspect_status st;
	struct seccomp_inspect_filters f = {0};
	struct cella_seccomp_prog prog = {0};
	struct seccomp_inspect_filter one;
	cella_error e = {0}, e2;
	json_t *o;
	bool read_ok = false;

	if (inspect_status(t->pid, &st, &e) < 0)
		return unknown_layer(&e);
	o = json_object();
	set(o, "mode",
	    json_string(st.seccomp_mode >= 0 && st.seccomp_mode <= 2
			    ? seccomp_modes[st.seccomp_mode]
			    : V_UNKNOWN));
	set(o, "filters", json_integer(st.seccomp_filters));
	set(o, "dropped_rules", dropped_rules(t));
	set(o, "verdict", json_string(st.seccomp_mode == 0 ? V_SHARED : V_ISOLATED));
	if (st.seccomp_mode == 2 && t->status != NULL && strcmp(t->status, "paused") == 0) {
		/* A frozen process never reaches the ptrace stop the read
		 * needs. */
		snprintf(e.msg, sizeof(e.msg),
			 "the container is paused: its filter can be read once it is resumed");
		e.errnum = EAGAIN;
	} else if (st.seccomp_mode == 2) {
		if (seccomp_inspect_read(t->pid, &f, &e) == 0) {
			set(o, "source", json_string("process"));
			read_ok = true;
		}
	} else if (st.seccomp_mode == 1) {
		f.mode = 1;
		set(o, "source", json_string("process"));
		read_ok = true;
	}
	if (!read_ok && t->state_dirfd >= 0 &&
	    (st.seccomp_mode == 2 ||
	     (st.seccomp_mode == 0 && t->status != NULL && strcmp(t->status, "created") == 0)) &&
	    cella_seccomp_prog_read(t->state_dirfd, SECCOMP_PROG_FILE, &prog, &e2) == 0 &&
	    prog.len > 0) {
		/* The filter create compiled from the config: not started
		 * yet, the one it loads at start; else the one it loaded,
		 * when the kernel will not show it (a rootless caller lacks
		 * CAP_SYS_ADMIN, a paused process cannot be seized). */
		one.insns = prog.insns;
		one.len = prog.len;
		one.log = -1;
		f.mode = 2;
		f.filters = &one;
		f.n_filters = 1;
		set(o, "source", json_string("config"));
		if (st.seccomp_mode == 0)
			set(o, "pending", json_string("loaded when the container starts"));
		else
			set(o, "process_error", json_string(e.msg));
		if (st.seccomp_mode == 2 && st.seccomp_filters > 1)
			set(o, "note",
			    json_sprintf("the process has %d filters; the config's is "
					 "one of them",
					 st.seccomp_filters));
		read_ok = true;
	} else if (!read_ok && st.seccomp_mode == 0) {
		f.mode = 0;
		set(o, "source", json_string("process"));
		read_ok = true;
	}
	if (!read_ok) {
		set(o, "verdict", json_string(V_UNKNOWN));
		set(o, "error", json_string(e.msg));
	}
	if (read_ok)
		seccomp_table(o, &f);
	if (f.mode == 0)
		set(o, "verdict", json_string(V_SHARED));
	if (f.filters != &one)
		seccomp_inspect_filters_clear(&f);
	cella_seccomp_prog_clear(&prog);
	inspect_status_clear(&st);
	return o;
}
