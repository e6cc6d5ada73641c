/* SPDX-License-Identifier: GPL-2.0-or-later */
/* systemd's cgroupsPath form ("slice:prefix:name"), mapped onto a cgroupfs
 * path until cella has a systemd cgroup driver. */
#ifndef CELLA_CGROUP_SYSTEMD_H
#define CELLA_CGROUP_SYSTEMD_H

#include <stdbool.h>

#include "util/error.h"

/* Is it of the form "slice:prefix:name"? */
bool cgroup_systemd_form(const char *cgroups_path);

/* "machine-x.slice:cella:abc" -> "/machine.slice/machine-x.slice/cella-abc.scope"
 * (an empty slice is system.slice; a name ending in .slice is used as is).
 * Pure; the error names linux.cgroupsPath. */
int cgroup_systemd_to_path(const char *cgroups_path, char **out, cella_error *err);

#endif
