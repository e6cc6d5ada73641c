/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * systemd's cgroupsPath form ("slice:prefix:name"), and the systemd cgroup
 * driver (--systemd-cgroup, --cgroup-manager systemd), as runc and crun have
 * it: the container's cgroup is a transient scope, `<prefix>-<name>.scope`
 * in the slice, that systemd creates (StartTransientUnit, Delegate=yes, the
 * init's pid in PIDs) with the limits it knows as unit properties
 * (MemoryMax, MemoryLow, MemorySwapMax, CPUWeight, CPUQuotaPerSecUSec,
 * CPUQuotaPeriodUSec, TasksMax, AllowedCPUs, AllowedMemoryNodes, IOWeight,
 * IO{Read,Write}{Bandwidth,IOPS}Max); the v2 driver then writes every limit
 * into the delegated cgroup (what systemd has no property for, such as
 * device rules, hugetlb and linux.resources.unified, included), as runc's
 * systemd manager does. `update` goes through SetUnitProperties first, and
 * delete stops the unit. Pure cgroup v2 hosts only: on v1 and hybrid
 * hosts the driver refuses.
 *
 * Without that driver, a systemd-form cgroupsPath is mapped onto the
 * cgroupfs path systemd would give it (cgroup_systemd_to_path).
 */
#ifndef CELLA_CGROUP_SYSTEMD_H
#define CELLA_CGROUP_SYSTEMD_H

#include <stdbool.h>
#include <sys/types.h>

#include "kernel/cgroup.h"
#include "util/error.h"

/* Is it of the form "slice:prefix:name"? */
bool cgroup_systemd_form(const char *cgroups_path);

/* "machine-x.slice:cella:abc" -> "/machine.slice/machine-x.slice/cella-abc.scope"
 * (an empty slice is system.slice; a name ending in .slice is used as is).
 * Pure; the error names linux.cgroupsPath. */
int cgroup_systemd_to_path(const char *cgroups_path, char **out, cella_error *err);

/* The scope of a container: "system.slice" and "cella-abc.scope"; user:
 * the caller's own manager (rootless). */
struct cgroup_systemd_unit {
	char *slice;
	char *unit;
	bool user;
};

/* "slice:prefix:name" (or NULL/"": ":cella:<id>") to its slice and scope:
 * an empty slice is system.slice (user.slice for a user manager), an empty
 * prefix leaves "name.scope". A name that is itself a slice is refused (the
 * container's processes need a scope). Pure. */
int cgroup_systemd_unit_parse(const char *cgroups_path, const char *id, bool user,
			      struct cgroup_systemd_unit *out, cella_error *err);
void cgroup_systemd_unit_clear(struct cgroup_systemd_unit *u);

/* Can this host have the driver: a pure v2 hierarchy and a systemd manager
 * on the bus (the error names the bus when there is none). */
int cgroup_systemd_check(const struct cgroup_systemd_unit *u, cella_error *err);

/* Start the scope with pid in it and r as properties (r may be NULL);
 * *cgroup_path is the cgroup systemd made (from /proc/PID/cgroup). */
int cgroup_systemd_start(const struct cgroup_systemd_unit *u, pid_t pid,
			 const struct cella_resources *r, char **cgroup_path, cella_error *err);
/* New limits as unit properties (update). */
int cgroup_systemd_update(const char *unit, bool user, const struct cella_resources *r,
			  cella_error *err);
int cgroup_systemd_stop(const char *unit, bool user, cella_error *err);

/* Does this build and host have what the driver needs (libsystemd)? */
bool cgroup_systemd_supported(void);

#endif
