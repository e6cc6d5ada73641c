/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/systemd_bus.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

#define SD_DEST		    "org.freedesktop.systemd1"
#define SD_PATH		    "/org/freedesktop/systemd1"
#define SD_IFACE	    "org.freedesktop.systemd1.Manager"
#define SD_JOB_TIMEOUT_USEC (90ULL * 1000000ULL)

/* The functions of libsystemd used here, resolved by dlsym. */
#define SD_FUNCS(X)                                                                                \
	X(sd_bus_open_system)                                                                      \
	X(sd_bus_open_user)                                                                        \
	X(sd_bus_new)                                                                              \
	X(sd_bus_set_address)                                                                      \
	X(sd_bus_start)                                                                            \
	X(sd_bus_flush_close_unref)                                                                \
	X(sd_bus_message_new_method_call)                                                          \
	X(sd_bus_message_append)                                                                   \
	X(sd_bus_message_append_array)                                                             \
	X(sd_bus_message_open_container)                                                           \
	X(sd_bus_message_close_container)                                                          \
	X(sd_bus_message_read)                                                                     \
	X(sd_bus_message_unref)                                                                    \
	X(sd_bus_call)                                                                             \
	X(sd_bus_call_method)                                                                      \
	X(sd_bus_match_signal)                                                                     \
	X(sd_bus_slot_unref)                                                                       \
	X(sd_bus_process)                                                                          \
	X(sd_bus_wait)                                                                             \
	X(sd_bus_error_free)                                                                       \
	X(sd_bus_error_has_name)

static struct {
	void *handle;
#define X(f) typeof(f) *(f);
	SD_FUNCS(X)
#undef X
} sd;

static int load(cella_error *err)
{
	void *h;

	if (sd.handle != NULL)
		return 0;
	h = dlopen("libsystemd.so.0", RTLD_NOW | RTLD_LOCAL);
	if (h == NULL)
		return cella_err(err, ENOENT, "systemd cgroup driver: load libsystemd.so.0: %s",
				 dlerror());
#define X(f)                                                                                       \
	*(void **)&sd.f = dlsym(h, #f);                                                            \
	if (sd.f == NULL) {                                                                        \
		dlclose(h);                                                                        \
		return cella_err(err, ENOENT, "systemd cgroup driver: libsystemd.so.0 has no %s",  \
				 #f);                                                              \
	}
	SD_FUNCS(X)
#undef X
	sd.handle = h;
	return 0;
}

bool systemd_bus_loadable(void)
{
	return load(NULL) == 0;
}

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

static int append_prop(sd_bus_message *m, const struct systemd_prop *v)
{
	static const char *const sig[] = {
	    [SD_PROP_STR] = "s",   [SD_PROP_BOOL] = "b",   [SD_PROP_U64] = "t",
	    [SD_PROP_PIDS] = "au", [SD_PROP_BYTES] = "ay", [SD_PROP_IO] = "a(st)",
	};
	int r;

	if ((r = sd.sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd.sd_bus_message_append(m, "s", v->name)) < 0 ||
	    (r = sd.sd_bus_message_open_container(m, 'v', sig[v->type])) < 0)
		return r;
	switch (v->type) {
	case SD_PROP_STR:
		r = sd.sd_bus_message_append(m, "s", v->s);
		break;
	case SD_PROP_BOOL:
		r = sd.sd_bus_message_append(m, "b", (int)v->u);
		break;
	case SD_PROP_U64:
		r = sd.sd_bus_message_append(m, "t", v->u);
		break;
	case SD_PROP_PIDS:
		r = sd.sd_bus_message_append(m, "au", 1, (uint32_t)v->u);
		break;
	case SD_PROP_BYTES:
		r = sd.sd_bus_message_append_array(m, 'y', v->bytes, v->n_bytes);
		break;
	case SD_PROP_IO:
		r = sd.sd_bus_message_open_container(m, 'a', "(st)");
		for (size_t i = 0; r >= 0 && i < v->n_io; i++)
			r = sd.sd_bus_message_append(m, "(st)", v->io_path[i], v->io_rate[i]);
		if (r >= 0)
			r = sd.sd_bus_message_close_container(m);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0 || (r = sd.sd_bus_message_close_container(m)) < 0)
		return r;
	return sd.sd_bus_message_close_container(m);
}

static int append_props(sd_bus_message *m, const struct systemd_props *p)
{
	int r = sd.sd_bus_message_open_container(m, 'a', "(sv)");

	for (size_t i = 0; r >= 0 && i < p->n; i++)
		r = append_prop(m, &p->v[i]);
	if (r < 0)
		return r;
	return sd.sd_bus_message_close_container(m);
}

/* ---- the bus ---- */

static const char *bus_name(bool user)
{
	return user ? "the user's systemd manager (user bus)"
		    : "systemd's system manager (system bus)";
}

static int bus_open(bool user, sd_bus **out, cella_error *err)
{
	sd_bus *b = NULL;
	int r;

	if (load(err) < 0)
		return cella_err_ret(err);
	if (user) {
		r = sd.sd_bus_open_user(&b);
		if (r < 0)
			return cella_err(err, -r,
					 "systemd cgroup driver: no bus to %s (is a systemd user "
					 "session running, and XDG_RUNTIME_DIR set?)",
					 bus_name(true));
		*out = b;
		return 0;
	}
	r = sd.sd_bus_open_system(&b);
	if (r >= 0) {
		*out = b;
		return 0;
	}
	/* As systemctl: root reaches PID 1 directly without a dbus-daemon. */
	if (geteuid() == 0 && sd.sd_bus_new(&b) >= 0) {
		if (sd.sd_bus_set_address(b, "unix:path=/run/systemd/private") >= 0 &&
		    sd.sd_bus_start(b) >= 0) {
			*out = b;
			return 0;
		}
		sd.sd_bus_flush_close_unref(b);
	}
	return cella_err(err, -r,
			 "systemd cgroup driver: no bus to %s: neither "
			 "/run/dbus/system_bus_socket nor /run/systemd/private answers (is "
			 "systemd PID 1 here?)",
			 bus_name(false));
}

int systemd_bus_check(bool user, cella_error *err)
{
	sd_bus *b = NULL;

	if (bus_open(user, &b, err) < 0)
		return cella_err_ret(err);
	sd.sd_bus_flush_close_unref(b);
	return 0;
}

static int call_error(cella_error *err, int r, sd_bus_error *e, const char *what, const char *unit)
{
	int ret = cella_err(err, -r, "systemd: %s `%s`: %s", what, unit,
			    e->message ? e->message : (e->name ? e->name : "failed"));
	sd.sd_bus_error_free(e);
	return ret;
}

struct job_wait {
	const char *job;
	bool done;
	char result[32];
};

static int on_job_removed(sd_bus_message *m, void *data, sd_bus_error *e)
{
	struct job_wait *w = data;
	const char *path = NULL, *unit = NULL, *result = NULL;
	uint32_t id;

	if (sd.sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
		return 0;
	if (w->job != NULL && path != NULL && strcmp(path, w->job) == 0) {
		w->done = true;
		snprintf(w->result, sizeof(w->result), "%s", result ? result : "");
	}
	return 0;
}

/* Call method (unit, mode) on the manager and wait for the job it queued. */
static int run_job(bool user, const char *method, const char *unit,
		   const struct systemd_props *props, bool missing_ok, cella_error *err)
{
	sd_bus *b = NULL;
	sd_bus_slot *slot = NULL;
	sd_bus_message *m = NULL, *reply = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	struct job_wait w = {0};
	cleanup_free char *job = NULL;
	const char *path = NULL;
	int r;

	if (bus_open(user, &b, err) < 0)
		return cella_err_ret(err);
	/* Subscribed before the call: the job may finish at once. */
	r = sd.sd_bus_match_signal(b, &slot, SD_DEST, SD_PATH, SD_IFACE, "JobRemoved",
				   on_job_removed, &w);
	if (r >= 0)
		r = sd.sd_bus_call_method(b, SD_DEST, SD_PATH, SD_IFACE, "Subscribe", &e, NULL, "");
	if (r < 0) {
		r = call_error(err, r, &e, "subscribe to the jobs of", unit);
		goto out;
	}
	r = sd.sd_bus_message_new_method_call(b, &m, SD_DEST, SD_PATH, SD_IFACE, method);
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "ss", unit, props ? "fail" : "replace");
	if (r >= 0 && props != NULL) {
		r = append_props(m, props);
		/* No auxiliary units. */
		if (r >= 0)
			r = sd.sd_bus_message_append(m, "a(sa(sv))", 0);
	}
	if (r < 0) {
		r = cella_err(err, -r, "systemd: build the %s call for `%s`", method, unit);
		goto out;
	}
	r = sd.sd_bus_call(b, m, 0, &e, &reply);
	if (r < 0) {
		if (missing_ok &&
		    (sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit") ||
		     sd.sd_bus_error_has_name(&e, "org.freedesktop.systemd1.LoadFailed"))) {
			sd.sd_bus_error_free(&e);
			r = 0;
			goto out;
		}
		r = call_error(err, r, &e, method, unit);
		goto out;
	}
	if ((r = sd.sd_bus_message_read(reply, "o", &path)) < 0) {
		r = cella_err(err, -r, "systemd: %s `%s`: read the job", method, unit);
		goto out;
	}
	job = xstrdup(path);
	w.job = job;
	for (int waited = 0; !w.done;) {
		r = sd.sd_bus_process(b, NULL);
		if (r < 0) {
			r = cella_err(err, -r, "systemd: wait for the job of `%s`", unit);
			goto out;
		}
		if (r > 0)
			continue;
		if (waited++ > 90) {
			r = cella_err(err, ETIMEDOUT, "systemd: the %s job of `%s` did not finish",
				      method, unit);
			goto out;
		}
		sd.sd_bus_wait(b, 1000000);
	}
	if (strcmp(w.result, "done") != 0) {
		r = cella_err(err, EIO, "systemd: %s `%s`: job %s", method, unit, w.result);
		goto out;
	}
	r = 0;
out:
	if (reply)
		sd.sd_bus_message_unref(reply);
	if (m)
		sd.sd_bus_message_unref(m);
	if (slot)
		sd.sd_bus_slot_unref(slot);
	sd.sd_bus_flush_close_unref(b);
	return r;
}

int systemd_start_transient(bool user, const char *unit, const struct systemd_props *props,
			    cella_error *err)
{
	return run_job(user, "StartTransientUnit", unit, props, false, err);
}

int systemd_stop_unit(bool user, const char *unit, cella_error *err)
{
	return run_job(user, "StopUnit", unit, NULL, true, err);
}

int systemd_set_properties(bool user, const char *unit, const struct systemd_props *props,
			   cella_error *err)
{
	sd_bus *b = NULL;
	sd_bus_message *m = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (bus_open(user, &b, err) < 0)
		return cella_err_ret(err);
	r = sd.sd_bus_message_new_method_call(b, &m, SD_DEST, SD_PATH, SD_IFACE,
					      "SetUnitProperties");
	if (r >= 0)
		r = sd.sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = append_props(m, props);
	if (r < 0)
		r = cella_err(err, -r, "systemd: build the SetUnitProperties call for `%s`", unit);
	else if ((r = sd.sd_bus_call(b, m, 0, &e, NULL)) < 0)
		r = call_error(err, r, &e, "SetUnitProperties", unit);
	else
		r = 0;
	sd.sd_bus_message_unref(m);
	sd.sd_bus_flush_close_unref(b);
	return r;
}
