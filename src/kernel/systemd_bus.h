/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Talking to systemd's manager over D-Bus, through sd-bus (libsystemd), in
 * a helper program (cella-systemd, src/sdhelper/) started for each call:
 * the runtime is linked statically and never loads libsystemd, and one that
 * never uses the systemd cgroup driver never starts the helper.
 *
 * The bus: the system manager's (the system bus, or as root without a
 * dbus-daemon systemd's own /run/systemd/private, as systemctl does), or,
 * for a rootless caller, the user's manager (the user bus).
 */
#ifndef CELLA_SYSTEMD_BUS_H
#define CELLA_SYSTEMD_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* Can the helper, and so libsystemd, be started? (`features`.) */
bool systemd_bus_loadable(void);

/* One unit property, in the shape StartTransientUnit and SetUnitProperties
 * take (a(sv)). */
enum systemd_prop_type {
	SD_PROP_STR,   /* s */
	SD_PROP_BOOL,  /* b */
	SD_PROP_U64,   /* t */
	SD_PROP_PIDS,  /* au, one pid */
	SD_PROP_BYTES, /* ay (a CPU or memory node mask) */
	SD_PROP_IO,    /* a(st): one device path and its limit */
};

struct systemd_prop {
	const char *name; /* "MemoryMax" */
	enum systemd_prop_type type;
	const char *s;
	uint64_t u;
	unsigned char *bytes; /* SD_PROP_BYTES; SD_PROP_IO: NULL */
	size_t n_bytes;
	/* SD_PROP_IO: "/dev/block/8:0" and its rate, n_io of them */
	char **io_path;
	uint64_t *io_rate;
	size_t n_io;
};

/* A growing list of properties; systemd_props_clear frees what it owns. */
struct systemd_props {
	struct systemd_prop *v;
	size_t n;
};
void systemd_props_str(struct systemd_props *p, const char *name, const char *s);
void systemd_props_bool(struct systemd_props *p, const char *name, bool b);
void systemd_props_u64(struct systemd_props *p, const char *name, uint64_t u);
void systemd_props_pid(struct systemd_props *p, const char *name, pid_t pid);
/* Takes bytes (malloc'd). */
void systemd_props_bytes(struct systemd_props *p, const char *name, unsigned char *bytes, size_t n);
/* Takes io_path (each malloc'd) and io_rate. */
void systemd_props_io(struct systemd_props *p, const char *name, char **io_path, uint64_t *io_rate,
		      size_t n);
void systemd_props_clear(struct systemd_props *p);

/* StartTransientUnit(unit, "fail", props) and wait for its job. An error
 * names the bus, the unit and systemd's answer. */
int systemd_start_transient(bool user, const char *unit, const struct systemd_props *props,
			    cella_error *err);
/* SetUnitProperties(unit, runtime, props). */
int systemd_set_properties(bool user, const char *unit, const struct systemd_props *props,
			   cella_error *err);
/* StopUnit(unit, "replace") and wait for its job; a unit systemd no longer
 * knows (a scope goes when its last process does) is not an error. */
int systemd_stop_unit(bool user, const char *unit, cella_error *err);
/* Is the bus there at all (an error naming it when not)? */
int systemd_bus_check(bool user, cella_error *err);

#endif
