/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella map`: a process's isolation, layer by layer, against the host.
 *
 * map.c gathers the facts (through the kernel modules, never echoing the
 * config where the kernel can be asked) into one JSON document, whose schema
 * docs/map-schema.md documents; map_text.c, map_svg.c and map_diff.c render
 * that document. The host is the process running cella.
 */
#ifndef CELLA_ENGINE_MAP_H
#define CELLA_ENGINE_MAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

#define CELLA_MAP_SCHEMA "cella-map/1"

/* What is known of the process besides its pid. */
struct cella_map_target {
	pid_t pid;
	const char *id;		       /* container id, NULL for a bare process */
	const char *status;	       /* "running", "created"... NULL for a bare process */
	const char *bundle;	       /* may be NULL */
	const char *rootfs;	       /* may be NULL */
	const char *cgroup_path;       /* the container's, "" none; NULL: from /proc/PID/cgroup */
	const struct cella_spec *spec; /* its config, may be NULL */
	int state_dirfd;	       /* its state directory, -1 when none */
	int securebits;		       /* saved at create, -1 when unknown */
	const char *state_root;	       /* to name other containers sharing a namespace */
};

/* The map of target as a JSON document (malloc'd, indented). */
int cella_map_build(const struct cella_map_target *t, char **json, cella_error *err);

/* A container by id (any status but stopped), a process by pid, the host
 * (the calling process). */
int cella_map_container(const char *state_root, const char *id, char **json, cella_error *err);
int cella_map_pid(const char *state_root, pid_t pid, char **json, cella_error *err);
int cella_map_host(const char *state_root, char **json, cella_error *err);

/* Renderers (pure: text in, text out; malloc'd). Colour is ANSI escapes. */
int cella_map_render_text(const char *json, bool colour, char **out, cella_error *err);
int cella_map_render_svg(const char *json, char **out, cella_error *err);
/* What differs between two maps, one line per fact. */
int cella_map_render_diff(const char *a, const char *b, bool colour, char **out, cella_error *err);

#endif
