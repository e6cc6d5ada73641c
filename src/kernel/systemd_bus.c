/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime's side of the systemd bus (systemd_bus.h): each call runs the
 * helper, cella-systemd (src/sdhelper/), which talks sd-bus. The runtime is
 * linked statically and never loads libsystemd; the helper is a small
 * dynamically linked program that only the systemd cgroup driver starts.
 *
 * The request is the helper's argv: OP user|system UNIT, then each property
 * as NAME TYPE VALUE... (types: s, b, t, u (one pid), y (hex bytes), io N
 * then N pairs of path and rate). It answers with its exit status: 0 done;
 * 1 with "ERRNO MESSAGE" as the last line of its output (stdout and stderr,
 * one pipe); anything else (127: it could not be started, libsystemd.so.0
 * missing) with what it printed. It runs with no fd of ours, default
 * signals, and dies with us (process_run_capture).
 */
#include "kernel/systemd_bus.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

/* Where the helper lies, from the runtime's directory (the Makefile's
 * LAUNCHER: libexec/cella/ itself, or bin/). */
#ifndef CELLA_SYSTEMD_HELPER_REL
#define CELLA_SYSTEMD_HELPER_REL "../libexec/cella/cella-systemd"
#endif

/* ---- properties ---- */

static struct systemd_prop *add(struct systemd_props *p, const char *name, enum systemd_prop_type t)
{
	struct systemd_prop *v;

	p->v = xrealloc(p->v, (p->n + 1) * sizeof(*p->v));
	v = &p->v[p->n++];
	memset(v, 0, sizeof(*v));
	v->name = name;
	v->type = t;
	return v;
}

void systemd_props_str(struct systemd_props *p, const char *name, const char *s)
{
	add(p, name, SD_PROP_STR)->s = s;
}

void systemd_props_bool(struct systemd_props *p, const char *name, bool b)
{
	add(p, name, SD_PROP_BOOL)->u = b;
}

void systemd_props_u64(struct systemd_props *p, const char *name, uint64_t u)
{
	add(p, name, SD_PROP_U64)->u = u;
}

void systemd_props_pid(struct systemd_props *p, const char *name, pid_t pid)
{
	add(p, name, SD_PROP_PIDS)->u = (uint64_t)pid;
}

void systemd_props_bytes(struct systemd_props *p, const char *name, unsigned char *bytes, size_t n)
{
	struct systemd_prop *v = add(p, name, SD_PROP_BYTES);

	v->bytes = bytes;
	v->n_bytes = n;
}

void systemd_props_io(struct systemd_props *p, const char *name, char **io_path, uint64_t *io_rate,
		      size_t n)
{
	struct systemd_prop *v = add(p, name, SD_PROP_IO);

	v->io_path = io_path;
	v->io_rate = io_rate;
	v->n_io = n;
}

void systemd_props_clear(struct systemd_props *p)
{
	for (size_t i = 0; i < p->n; i++) {
		free(p->v[i].bytes);
		for (size_t j = 0; j < p->v[i].n_io; j++)
			free(p->v[i].io_path[j]);
		free(p->v[i].io_path);
		free(p->v[i].io_rate);
	}
	free(p->v);
	p->v = NULL;
	p->n = 0;
}

/* ---- the helper ---- */

/* One property onto the helper's argv: NAME TYPE VALUE... */
static void push_prop(char ***argv, const struct systemd_prop *v)
{
	char num[32];

	strv_append(argv, v->name);
	switch (v->type) {
	case SD_PROP_STR:
		strv_append(argv, "s");
		strv_append(argv, v->s);
		break;
	case SD_PROP_BOOL:
		strv_append(argv, "b");
		strv_append(argv, v->u ? "1" : "0");
		break;
	case SD_PROP_U64:
	case SD_PROP_PIDS:
		snprintf(num, sizeof(num), "%" PRIu64, v->u);
		strv_append(argv, v->type == SD_PROP_U64 ? "t" : "u");
		strv_append(argv, num);
		break;
	case SD_PROP_BYTES: {
		cleanup_free char *hex = xcalloc(v->n_bytes * 2 + 1, 1);

		for (size_t i = 0; i < v->n_bytes; i++)
			snprintf(hex + 2 * i, 3, "%02x", v->bytes[i]);
		strv_append(argv, "y");
		strv_append(argv, hex);
		break;
	}
	case SD_PROP_IO:
		snprintf(num, sizeof(num), "%zu", v->n_io);
		strv_append(argv, "io");
		strv_append(argv, num);
		for (size_t i = 0; i < v->n_io; i++) {
			snprintf(num, sizeof(num), "%" PRIu64, v->io_rate[i]);
			strv_append(argv, v->io_path[i]);
			strv_append(argv, num);
		}
		break;
	default:
		break;
	}
}

static char *helper_path(cella_error *err)
{
	const char *env = getenv("CELLA_SYSTEMD_HELPER");
	char exe[4096];
	char *slash;

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	if (process_exe_path(exe, sizeof(exe)) < 0) {
		cella_err(err, errno, "systemd cgroup driver: find the runtime's binary");
		return NULL;
	}
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	return xasprintf("%s/" CELLA_SYSTEMD_HELPER_REL, exe);
}

/* The output on one line, without its trailing newline. */
static void one_line(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
	for (char *c = s; *c != '\0'; c++)
		if (*c == '\n' || *c == '\t')
			*c = ' ';
}

/* The last line of s (its answer, after anything else it printed), in
 * place, without its newline. */
static char *last_line(char *s)
{
	size_t n = strlen(s);
	char *nl;

	while (n > 0 && s[n - 1] == '\n')
		s[--n] = '\0';
	nl = strrchr(s, '\n');
	return nl != NULL ? nl + 1 : s;
}

static int call_helper(const char *op, bool user, const char *unit,
		       const struct systemd_props *props, cella_error *err)
{
	cleanup_strv char **argv = NULL;
	cleanup_free char *path = helper_path(err);
	cleanup_free char *out = NULL;
	char *msg;
	int status = 0, r;
	long e;

	if (path == NULL)
		return cella_err_ret(err);
	strv_append(&argv, path);
	strv_append(&argv, op);
	strv_append(&argv, user ? "user" : "system");
	strv_append(&argv, unit != NULL ? unit : "-");
	for (size_t i = 0; props != NULL && i < props->n; i++)
		push_prop(&argv, &props->v[i]);
	r = process_run_capture(argv, &out, &status, err);
	if (r < 0)
		return cella_err_context(err, "systemd cgroup driver");
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 1) {
		char *last = last_line(out);

		if ((e = strtol(last, &msg, 10)) > 0 && *msg == ' ')
			return cella_err(err, (int)e, "%s", msg + 1);
	}
	one_line(out);
	/* What it printed says it all (an exec or dynamic loader's error). */
	return cella_err(err, 0, "systemd cgroup driver: its helper `%s` failed (%s %d): %s", path,
			 WIFEXITED(status) ? "exit" : "signal",
			 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
			 out[0] != '\0' ? out : "no output");
}

bool systemd_bus_loadable(void)
{
	static int loadable = -1;

	if (loadable < 0)
		loadable = call_helper("loadable", false, NULL, NULL, NULL) == 0;
	return loadable == 1;
}

int systemd_bus_check(bool user, cella_error *err)
{
	return call_helper("check", user, NULL, NULL, err);
}

int systemd_start_transient(bool user, const char *unit, const struct systemd_props *props,
			    cella_error *err)
{
	return call_helper("start", user, unit, props, err);
}

int systemd_stop_unit(bool user, const char *unit, cella_error *err)
{
	return call_helper("stop", user, unit, NULL, err);
}

int systemd_set_properties(bool user, const char *unit, const struct systemd_props *props,
			   cella_error *err)
{
	return call_helper("set", user, unit, props, err);
}
