/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella-systemd: the systemd cgroup driver's calls to systemd's manager over
 * D-Bus, through sd-bus (libsystemd), one call per run. The runtime
 * (kernel/systemd_bus.c) is linked statically and starts this small
 * dynamically linked program for each call instead of loading libsystemd
 * itself; a runtime that never uses the systemd driver never starts it.
 *
 *   cella-systemd OP user|system UNIT [NAME TYPE VALUE...]...
 *
 * OP: loadable (libsystemd could be loaded: this program started), check
 * (the bus answers), start (StartTransientUnit(UNIT, "fail", properties)
 * and wait for its job), stop (StopUnit(UNIT, "replace") and wait; a unit
 * systemd no longer knows is not an error), set (SetUnitProperties(UNIT,
 * runtime, properties)). TYPE: s, b (0/1), t, u (one pid), y (hex bytes),
 * io N then N pairs of device path and rate.
 *
 * Exit 0 when done; 1 with "ERRNO MESSAGE" as the last line on stdout when
 * not (stdout and stderr reach the runtime through one pipe: whatever
 * libsystemd or the dynamic loader printed comes before it); 2 for a
 * malformed request.
 *
 * The bus: the system manager's (the system bus, or as root without a
 * dbus-daemon systemd's own /run/systemd/private, as systemctl does), or,
 * for a rootless caller, the user's manager (the user bus).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "kernel/systemd_bus.h"
#include "util/cleanup.h"
#include "util/error.h"
#include "util/util.h"

#define SD_DEST	 "org.freedesktop.systemd1"
#define SD_PATH	 "/org/freedesktop/systemd1"
#define SD_IFACE "org.freedesktop.systemd1.Manager"

static int append_prop(sd_bus_message *m, const struct systemd_prop *v)
{
	static const char *const sig[] = {
	    [SD_PROP_STR] = "s",   [SD_PROP_BOOL] = "b",   [SD_PROP_U64] = "t",
	    [SD_PROP_PIDS] = "au", [SD_PROP_BYTES] = "ay", [SD_PROP_IO] = "a(st)",
	};
	int r;

	if ((r = sd_bus_message_open_container(m, 'r', "sv")) < 0 ||
	    (r = sd_bus_message_append(m, "s", v->name)) < 0 ||
	    (r = sd_bus_message_open_container(m, 'v', sig[v->type])) < 0)
		return r;
	switch (v->type) {
	case SD_PROP_STR:
		r = sd_bus_message_append(m, "s", v->s);
		break;
	case SD_PROP_BOOL:
		r = sd_bus_message_append(m, "b", (int)v->u);
		break;
	case SD_PROP_U64:
		r = sd_bus_message_append(m, "t", v->u);
		break;
	case SD_PROP_PIDS:
		r = sd_bus_message_append(m, "au", 1, (uint32_t)v->u);
		break;
	case SD_PROP_BYTES:
		r = sd_bus_message_append_array(m, 'y', v->bytes, v->n_bytes);
		break;
	case SD_PROP_IO:
		r = sd_bus_message_open_container(m, 'a', "(st)");
		for (size_t i = 0; r >= 0 && i < v->n_io; i++)
			r = sd_bus_message_append(m, "(st)", v->io_path[i], v->io_rate[i]);
		if (r >= 0)
			r = sd_bus_message_close_container(m);
		break;
	default:
		r = -EINVAL;
	}
	if (r < 0 || (r = sd_bus_message_close_container(m)) < 0)
		return r;
	return sd_bus_message_close_container(m);
}

static int append_props(sd_bus_message *m, const struct systemd_props *p)
{
	int r = sd_bus_message_open_container(m, 'a', "(sv)");

	for (size_t i = 0; r >= 0 && i < p->n; i++)
		r = append_prop(m, &p->v[i]);
	if (r < 0)
		return r;
	return sd_bus_message_close_container(m);
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

	if (user) {
		r = sd_bus_open_user(&b);
		if (r < 0)
			return cella_err(err, -r,
					 "systemd cgroup driver: no bus to %s (is a systemd user "
					 "session running, and XDG_RUNTIME_DIR set?)",
					 bus_name(true));
		*out = b;
		return 0;
	}
	r = sd_bus_open_system(&b);
	if (r >= 0) {
		*out = b;
		return 0;
	}
	/* As systemctl: root reaches PID 1 directly without a dbus-daemon. */
	if (geteuid() == 0 && sd_bus_new(&b) >= 0) {
		if (sd_bus_set_address(b, "unix:path=/run/systemd/private") >= 0 &&
		    sd_bus_start(b) >= 0) {
			*out = b;
			return 0;
		}
		sd_bus_flush_close_unref(b);
	}
	return cella_err(err, -r,
			 "systemd cgroup driver: no bus to %s: neither "
			 "/run/dbus/system_bus_socket nor /run/systemd/private answers (is "
			 "systemd PID 1 here?)",
			 bus_name(false));
}

static int bus_check(bool user, cella_error *err)
{
	sd_bus *b = NULL;

	if (bus_open(user, &b, err) < 0)
		return cella_err_ret(err);
	sd_bus_flush_close_unref(b);
	return 0;
}

static int call_error(cella_error *err, int r, sd_bus_error *e, const char *what, const char *unit)
{
	int ret = cella_err(err, -r, "systemd: %s `%s`: %s", what, unit,
			    e->message ? e->message : (e->name ? e->name : "failed"));
	sd_bus_error_free(e);
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

	if (sd_bus_message_read(m, "uoss", &id, &path, &unit, &result) < 0)
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
	r = sd_bus_match_signal(b, &slot, SD_DEST, SD_PATH, SD_IFACE, "JobRemoved", on_job_removed,
				&w);
	if (r >= 0)
		r = sd_bus_call_method(b, SD_DEST, SD_PATH, SD_IFACE, "Subscribe", &e, NULL, "");
	if (r < 0) {
		r = call_error(err, r, &e, "subscribe to the jobs of", unit);
		goto out;
	}
	r = sd_bus_message_new_method_call(b, &m, SD_DEST, SD_PATH, SD_IFACE, method);
	if (r >= 0)
		r = sd_bus_message_append(m, "ss", unit, props ? "fail" : "replace");
	if (r >= 0 && props != NULL) {
		r = append_props(m, props);
		/* No auxiliary units. */
		if (r >= 0)
			r = sd_bus_message_append(m, "a(sa(sv))", 0);
	}
	if (r < 0) {
		r = cella_err(err, -r, "systemd: build the %s call for `%s`", method, unit);
		goto out;
	}
	r = sd_bus_call(b, m, 0, &e, &reply);
	if (r < 0) {
		if (missing_ok &&
		    (sd_bus_error_has_name(&e, "org.freedesktop.systemd1.NoSuchUnit") ||
		     sd_bus_error_has_name(&e, "org.freedesktop.systemd1.LoadFailed"))) {
			sd_bus_error_free(&e);
			r = 0;
			goto out;
		}
		r = call_error(err, r, &e, method, unit);
		goto out;
	}
	if ((r = sd_bus_message_read(reply, "o", &path)) < 0) {
		r = cella_err(err, -r, "systemd: %s `%s`: read the job", method, unit);
		goto out;
	}
	job = xstrdup(path);
	w.job = job;
	for (int waited = 0; !w.done;) {
		r = sd_bus_process(b, NULL);
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
		sd_bus_wait(b, 1000000);
	}
	if (strcmp(w.result, "done") != 0) {
		r = cella_err(err, EIO, "systemd: %s `%s`: job %s", method, unit, w.result);
		goto out;
	}
	r = 0;
out:
	if (reply)
		sd_bus_message_unref(reply);
	if (m)
		sd_bus_message_unref(m);
	if (slot)
		sd_bus_slot_unref(slot);
	sd_bus_flush_close_unref(b);
	return r;
}

static int bus_start_transient(bool user, const char *unit, const struct systemd_props *props,
			       cella_error *err)
{
	return run_job(user, "StartTransientUnit", unit, props, false, err);
}

static int bus_stop_unit(bool user, const char *unit, cella_error *err)
{
	return run_job(user, "StopUnit", unit, NULL, true, err);
}

static int bus_set_properties(bool user, const char *unit, const struct systemd_props *props,
			      cella_error *err)
{
	sd_bus *b = NULL;
	sd_bus_message *m = NULL;
	sd_bus_error e = SD_BUS_ERROR_NULL;
	int r;

	if (bus_open(user, &b, err) < 0)
		return cella_err_ret(err);
	r = sd_bus_message_new_method_call(b, &m, SD_DEST, SD_PATH, SD_IFACE, "SetUnitProperties");
	if (r >= 0)
		r = sd_bus_message_append(m, "sb", unit, 1);
	if (r >= 0)
		r = append_props(m, props);
	if (r < 0)
		r = cella_err(err, -r, "systemd: build the SetUnitProperties call for `%s`", unit);
	else if ((r = sd_bus_call(b, m, 0, &e, NULL)) < 0)
		r = call_error(err, r, &e, "SetUnitProperties", unit);
	else
		r = 0;
	sd_bus_message_unref(m);
	sd_bus_flush_close_unref(b);
	return r;
}

/* ---- the request ---- */

static int bad(const char *what, const char *arg)
{
	fprintf(stderr, "cella-systemd: %s `%s`\n", what, arg ? arg : "(missing)");
	return 2;
}

static bool to_u64(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return errno == 0 && *end == '\0';
}

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* argv[i...] into p; 0, or 2 (printed) for a malformed request. */
static int parse_props(int argc, char **argv, int i, struct systemd_props *p)
{
	while (i < argc) {
		const char *name = argv[i], *type = i + 1 < argc ? argv[i + 1] : NULL;
		const char *val = i + 2 < argc ? argv[i + 2] : NULL;
		uint64_t u;

		if (type == NULL || val == NULL)
			return bad("a property without type or value", name);
		i += 3;
		if (strcmp(type, "s") == 0) {
			systemd_props_str(p, name, val);
		} else if (strcmp(type, "b") == 0 &&
			   (strcmp(val, "0") == 0 || strcmp(val, "1") == 0)) {
			systemd_props_bool(p, name, val[0] == '1');
		} else if (strcmp(type, "t") == 0 && to_u64(val, &u)) {
			systemd_props_u64(p, name, u);
		} else if (strcmp(type, "u") == 0 && to_u64(val, &u) && u > 0 && u <= INT32_MAX) {
			systemd_props_pid(p, name, (pid_t)u);
		} else if (strcmp(type, "y") == 0 && strlen(val) % 2 == 0) {
			size_t n = strlen(val) / 2;
			unsigned char *b = xcalloc(n + 1, 1);

			for (size_t k = 0; k < n; k++) {
				int hi = hex_nibble(val[2 * k]), lo = hex_nibble(val[2 * k + 1]);

				if (hi < 0 || lo < 0) {
					free(b);
					return bad("not hex bytes", val);
				}
				b[k] = (unsigned char)(hi << 4 | lo);
			}
			systemd_props_bytes(p, name, b, n);
		} else if (strcmp(type, "io") == 0 && to_u64(val, &u) &&
			   u <= (uint64_t)(argc - i) / 2) {
			char **paths = xcalloc(u + 1, sizeof(*paths));
			uint64_t *rates = xcalloc(u + 1, sizeof(*rates));

			for (size_t k = 0; k < u; k++, i += 2) {
				paths[k] = xstrdup(argv[i]);
				if (!to_u64(argv[i + 1], &rates[k])) {
					for (size_t j = 0; j <= k; j++)
						free(paths[j]);
					free(paths);
					free(rates);
					return bad("not a rate", argv[i + 1]);
				}
			}
			systemd_props_io(p, name, paths, rates, u);
		} else {
			return bad("a property of unknown type or bad value", name);
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct systemd_props props = {0};
	cella_error err = {0};
	const char *op, *unit;
	bool user;
	int r;

	/* Root with every capability, on the host, beside a container that
	 * may share its pid namespace: not dumpable, as the runtime itself
	 * (exec made this program dumpable again). */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0) {
		printf("%d set the helper not dumpable\n", errno);
		return 1;
	}
	if (argc < 4)
		return bad("usage: cella-systemd OP user|system UNIT [NAME TYPE VALUE...]... ; got",
			   argc > 1 ? argv[1] : NULL);
	op = argv[1];
	unit = argv[3];
	if (strcmp(argv[2], "user") != 0 && strcmp(argv[2], "system") != 0)
		return bad("not user or system", argv[2]);
	user = strcmp(argv[2], "user") == 0;
	r = parse_props(argc, argv, 4, &props);
	if (r != 0)
		return r;
	if (strcmp(op, "loadable") == 0)
		r = 0;
	else if (strcmp(op, "check") == 0)
		r = bus_check(user, &err);
	else if (strcmp(op, "start") == 0)
		r = bus_start_transient(user, unit, &props, &err);
	else if (strcmp(op, "stop") == 0)
		r = bus_stop_unit(user, unit, &err);
	else if (strcmp(op, "set") == 0)
		r = bus_set_properties(user, unit, &props, &err);
	else
		return bad("unknown operation", op);
	systemd_props_clear(&props);
	if (r < 0) {
		fflush(stderr);
		printf("%d %s\n", err.errnum > 0 ? err.errnum : EIO, err.msg);
		return 1;
	}
	return 0;
}
