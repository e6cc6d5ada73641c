/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What map.c shares with the layers it builds in map_access.c (filesystem,
 * privileges) and map_seccomp.c: the verdict words and JSON helpers. */
#ifndef CELLA_INSPECT_MAP_INTERNAL_H
#define CELLA_INSPECT_MAP_INTERNAL_H

#include <jansson.h>
#include <stdint.h>
#include <string.h>

#include "inspect/map.h"
#include "spec/spec.h"

#define V_ISOLATED "isolated"
#define V_PARTIAL  "partial"
#define V_SHARED   "shared"
#define V_JOINED   "joined"
#define V_UNKNOWN  "unknown"

static inline void cleanup_json(json_t **j)
{
	if (*j != NULL)
		json_decref(*j);
}
#define cleanup_json_t __attribute__((cleanup(cleanup_json)))

static inline void set(json_t *o, const char *k, json_t *v)
{
	json_object_set_new(o, k, v != NULL ? v : json_null());
}

static inline json_t *str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

/* A number the kernel calls unlimited (UINT64_MAX) is JSON null. */
static inline json_t *limit_json(uint64_t v)
{
	return v == UINT64_MAX ? json_null() : json_integer((json_int_t)v);
}

static inline json_t *unknown_layer(const cella_error *e)
{
	json_t *o = json_object();

	set(o, "verdict", json_string(V_UNKNOWN));
	set(o, "error", json_string(e->msg));
	return o;
}

static inline char *trim(char *s)
{
	size_t l = s != NULL ? strlen(s) : 0;

	while (l > 0 && (s[l - 1] == '\n' || s[l - 1] == ' '))
		s[--l] = '\0';
	return s;
}

json_t *map_filesystem(const struct cella_map_target *t, const struct cella_spec *defaults);
json_t *map_privileges(const struct cella_map_target *t);
json_t *map_seccomp(const struct cella_map_target *t);

#endif
