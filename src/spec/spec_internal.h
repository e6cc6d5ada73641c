/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Private to src/spec.
 *
 * The text scanner (spec_pos.c) finds where a value sits in config.json:
 * jansson keeps no positions for parsed values, so when the parser rejects
 * one it walks the original text along the value's JSON path (keys and
 * indexes) to report line and column.
 *
 * The readers (spec_read.c) are what spec_parse.c reads sections with.
 */
#ifndef CELLA_SPEC_INTERNAL_H
#define CELLA_SPEC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "spec/spec.h"

/* One step of a JSON path: an object member (key != NULL) or an array
 * element (key == NULL, index). */
struct spec_path_elem {
	const char *key;
	size_t index;
};

struct spec_span {
	size_t start, end;  /* byte offsets of the value, end exclusive */
	unsigned line, col; /* 1-based; col counts UTF-8 characters */
};

/* Find the value at path in text (which jansson accepted). When a step is
 * not found, *out is the deepest value found. Returns the number of steps
 * matched. */
size_t spec_locate(const char *text, size_t len, const struct spec_path_elem *path, size_t depth,
		   struct spec_span *out);

/* 1-based line and column (in UTF-8 characters) of byte offset off. */
void spec_line_col(const char *text, size_t off, unsigned *line, unsigned *col);

/* Copy text[start, end) without whitespace outside strings (compact JSON). */
char *spec_minify(const char *text, size_t start, size_t end);

/* ---- reading (spec_read.c) ---- */

#define SPEC_PATH_MAX_DEPTH 16

struct spec_ctx {
	const char *text;
	size_t len;
	const char *origin;
	cella_error *err;
	bool ints_as_real;  /* integers are read from their text (spec_parse.c) */
	bool user_optional; /* a process file: no "user" is root (runc exec -p) */
	struct spec_path_elem path[SPEC_PATH_MAX_DEPTH];
	size_t depth;
};

/* Load c->text as JSON for the typed readers: NUL bytes refused (jansson
 * and the position scanner would read different texts), integers past
 * int64 re-read from their text (c->ints_as_real). NULL with c->err filled
 * as `ORIGIN:LINE:COL: invalid JSON: ...`. */
json_t *spec_load_json(struct spec_ctx *c);

void spec_push_key(struct spec_ctx *c, const char *key);
void spec_push_index(struct spec_ctx *c, size_t index);
void spec_pop(struct spec_ctx *c);

/* Reject the value at the current path: `ORIGIN:LINE:COL: PATH: what`. */
int spec_fail(struct spec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void spec_warn(struct spec_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same for member extra of the current value (positioned at the value). */
int spec_fail_extra(struct spec_ctx *c, const char *extra, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int spec_fail_missing(struct spec_ctx *c, const char *key);

typedef int (*spec_reader_fn)(struct spec_ctx *c, json_t *v, void *out);
typedef int (*spec_elem_fn)(struct spec_ctx *c, json_t *v, void *elem);

/* Member key of obj, NULL when absent or null. */
json_t *spec_member(json_t *obj, const char *key);
/* The same, pushed on the path when present. */
json_t *spec_enter(struct spec_ctx *c, json_t *obj, const char *key);
/* Read member key with fn: 1 when present, 0 when absent, < 0 on error. */
int spec_field(struct spec_ctx *c, json_t *obj, const char *key, bool required, spec_reader_fn fn,
	       void *out);

int spec_rd_object(struct spec_ctx *c, json_t *v);		     /* checks the type only */
int spec_rd_str(struct spec_ctx *c, json_t *v, void *out);	     /* char ** */
int spec_rd_abs_path(struct spec_ctx *c, json_t *v, void *out);	     /* char ** */
int spec_rd_bool(struct spec_ctx *c, json_t *v, void *out);	     /* bool * */
int spec_rd_u16(struct spec_ctx *c, json_t *v, void *out);	     /* unsigned * */
int spec_rd_u32(struct spec_ctx *c, json_t *v, void *out);	     /* uint32_t * */
int spec_rd_u64(struct spec_ctx *c, json_t *v, void *out);	     /* uint64_t * */
int spec_rd_i64(struct spec_ctx *c, json_t *v, void *out);	     /* int64_t * */
int spec_rd_file_mode(struct spec_ctx *c, json_t *v, void *out);     /* mode_t *, st_mode & 07777 */
int spec_rd_timeout(struct spec_ctx *c, json_t *v, void *out);	     /* int *, > 0 */
int spec_rd_oom_score_adj(struct spec_ctx *c, json_t *v, void *out); /* int * */
int spec_rd_strv(struct spec_ctx *c, json_t *v, void *out);
/* Array of absolute paths. */
int spec_rd_abs_strv(struct spec_ctx *c, json_t *v, void *out); /* char *** */
int spec_rd_env(struct spec_ctx *c, json_t *v, void *out);	/* char ***, K=V each */
int spec_rd_args(struct spec_ctx *c, json_t *v, void *out);	/* char ***, not empty */
/* An object kept as compact JSON text (char **). */
int spec_rd_json_object(struct spec_ctx *c, json_t *v, void *out);
/* An object of strings, in order. */
int spec_rd_kvs(struct spec_ctx *c, json_t *v, struct cella_kv **out, size_t *n);
/* An array of objects into a new array of size-byte elements (items is the
 * address of the array pointer); *n is set first so that a half-read array
 * is freed with the spec. */
int spec_rd_array(struct spec_ctx *c, json_t *v, size_t size, void *items, size_t *n,
		  spec_elem_fn fn);

/* ---- sections parsed on their own (spec_parse.c) ---- */

/* A process object (config.json's "process"), for spec_process.c. On failure
 * *out may hold a half-read process: the caller frees it. */
int spec_read_process(struct spec_ctx *c, json_t *v, struct cella_process **out);

/* A linux.seccomp object (spec_seccomp.c); *out is replaced on success. */
struct cella_seccomp;
int spec_read_seccomp(struct spec_ctx *c, json_t *v, struct cella_seccomp **out);

/* process.scheduler, process.ioPriority, linux.personality (spec_attrs.c):
 * readers into struct cella_scheduler, cella_io_priority, cella_personality,
 * and their JSON for emitting. */
int spec_rd_scheduler(struct spec_ctx *c, json_t *v, void *out);
int spec_rd_io_priority(struct spec_ctx *c, json_t *v, void *out);
/* process.execCPUAffinity into a struct cella_process's exec_cpus_*. */
int spec_rd_exec_cpu_affinity(struct spec_ctx *c, json_t *v, void *out);
json_t *spec_exec_cpu_affinity_json(const struct cella_process *p);
int spec_rd_personality(struct spec_ctx *c, json_t *v, void *out);
json_t *spec_scheduler_json(const struct cella_scheduler *s);
json_t *spec_io_priority_json(const struct cella_io_priority *io);
json_t *spec_personality_json(const struct cella_personality *p);
/* linux.memoryPolicy into a struct cella_mempolicy (nodes malloc'd). */
int spec_rd_memory_policy(struct spec_ctx *c, json_t *v, void *out);
json_t *spec_memory_policy_json(const struct cella_mempolicy *p);

#endif
