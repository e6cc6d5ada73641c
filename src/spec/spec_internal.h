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
#include <stdint.h>

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

/* ---- one table per JSON object (spec_fields.c) ----
 *
 * Each object of config.json is a table of its members, in the order `runc
 * spec` writes them: the member's name, where its value lives in the C
 * struct, and how it is read (a spec_rd_* reader), written back (an emitter
 * returning NULL to leave it out) and freed. Parsing, emitting and freeing
 * walk the same table (spec_read_object, spec_emit_object,
 * spec_free_object), so a member is added in one line; members are read in
 * table order, and the first error ends the parse.
 */

/* The emitter's state (spec_emit.c): values that cannot be json_t (a uint64
 * above INT64_MAX, a kept section jansson cannot load back) go in as
 * placeholders for their text. */
struct spec_emit {
	char **raws;
	size_t n_raws;
	unsigned long long nonce;
	char mark_open[64];
};
json_t *spec_jstr(const char *s);			       /* non-UTF-8 bytes as U+FFFD */
json_t *spec_ju64(struct spec_emit *e, uint64_t v);	       /* any uint64 */
json_t *spec_json_text(struct spec_emit *e, const char *text); /* a kept section */

typedef json_t *(*spec_emit_fn)(struct spec_emit *e, const void *p);
typedef void (*spec_free_fn)(void *p);

enum spec_field_kind {
	SPEC_VALUE,	 /* read, emit, free on the member */
	SPEC_OBJECT,	 /* an object whose members are object's table, at the same base
			    (a struct member, or the parent's own fields: root) */
	SPEC_OBJECT_PTR, /* the same, in a struct allocated when present (process) */
	SPEC_ARRAY,	 /* an array of objects: a T * member, its size_t count at
			    `count`, each element read with object's table */
	SPEC_KVS,	 /* an object of strings: struct cella_kv * and its count */
};

#define SPEC_REQUIRED (1U << 0)
/* Required in config.json, optional in a process file (runc exec -p). */
#define SPEC_REQUIRED_IN_CONFIG (1U << 1)
/* read, emit and free take the struct that holds the member (the field
 * fills several members: capabilities, namespaces...). */
#define SPEC_WHOLE (1U << 2)
/* SPEC_OBJECT: left out when it would be emitted empty (hooks). */
#define SPEC_OMIT_EMPTY (1U << 3)

struct spec_object;

struct spec_field {
	const char *name;
	enum spec_field_kind kind;
	unsigned flags;
	size_t offset;
	/* SPEC_VALUE: */
	spec_reader_fn read;
	spec_emit_fn emit; /* NULL: never written back */
	spec_free_fn free; /* NULL: owns nothing */
	/* Offset + 1 of a bool set when the member is present (0: none); a
	 * member whose flag is false is not emitted. */
	size_t has;
	/* SPEC_OBJECT, SPEC_OBJECT_PTR, SPEC_ARRAY: */
	const struct spec_object *object;
	size_t count; /* SPEC_ARRAY, SPEC_KVS: offset of the count */
};

struct spec_object {
	const char *name; /* "process", for the table checks */
	const struct spec_field *fields;
	size_t n_fields;
	size_t size;						/* of the struct (array elements) */
	void (*init)(void *obj);				/* before reading; NULL: zeroed */
	int (*check)(struct spec_ctx *c, json_t *v, void *obj); /* after reading */
};

#define SPEC_HAS(type, member) (offsetof(type, member) + 1)
#define SPEC_TABLE(obj_name, type, table, ...)                                                     \
	{                                                                                          \
		.name = (obj_name), .fields = (table),                                             \
		.n_fields = sizeof(table) / sizeof((table)[0]), .size = sizeof(type), __VA_ARGS__  \
	}

/* The members of obj (at base; v already known to be present) into base. */
int spec_read_object(struct spec_ctx *c, json_t *v, const struct spec_object *obj, void *base);
json_t *spec_emit_object(struct spec_emit *e, const struct spec_object *obj, const void *base);
void spec_free_object(const struct spec_object *obj, void *base);

/* The tables (spec_fields.c; the process attributes' in spec_attrs.c, beside
 * their readers). */
extern const struct spec_object spec_scheduler_object;	       /* process.scheduler */
extern const struct spec_object spec_io_priority_object;       /* process.ioPriority */
extern const struct spec_object spec_exec_cpu_affinity_object; /* process.execCPUAffinity */
extern const struct spec_object spec_personality_object;       /* linux.personality */
extern const struct spec_object spec_memory_policy_object;     /* linux.memoryPolicy */
extern const struct spec_object spec_config_object;	       /* config.json */
extern const struct spec_object spec_process_object;	       /* "process" */
/* Every object's table, NULL-terminated (tests: names, the fuzz dictionary). */
extern const struct spec_object *const spec_objects[];

/* Custom readers, emitters and freers of the tables (spec_parse.c,
 * spec_emit.c, spec_free.c), for members that are more than one value. */
int spec_rd_additional_gids(struct spec_ctx *c, json_t *v, void *user);
int spec_rd_caps(struct spec_ctx *c, json_t *v, void *process);
int spec_rd_rlimit_type(struct spec_ctx *c, json_t *v, void *rlimit);
int spec_rd_oci_version(struct spec_ctx *c, json_t *v, void *out);
int spec_rd_namespaces(struct spec_ctx *c, json_t *v, void *linux_);
int spec_rd_propagation(struct spec_ctx *c, json_t *v, void *out);
int spec_rd_device_type(struct spec_ctx *c, json_t *v, void *device);
int spec_rd_device_major(struct spec_ctx *c, json_t *v, void *device);
int spec_rd_device_minor(struct spec_ctx *c, json_t *v, void *device);
int spec_rd_time_offsets(struct spec_ctx *c, json_t *v, void *linux_);
int spec_rd_seccomp_section(struct spec_ctx *c, json_t *v, void *linux_);
int spec_rd_net_devices(struct spec_ctx *c, json_t *v, void *linux_);
int spec_check_idmap(struct spec_ctx *c, json_t *v, void *idmap);
int spec_check_root(struct spec_ctx *c, json_t *v, void *spec);
int spec_check_device(struct spec_ctx *c, json_t *v, void *device);
int spec_check_rlimit(struct spec_ctx *c, json_t *v, void *rlimit);
int spec_check_process(struct spec_ctx *c, json_t *v, void *process);

json_t *spec_emit_str(struct spec_emit *e, const void *p);	 /* char *, NULL: left out */
json_t *spec_emit_strv(struct spec_emit *e, const void *p);	 /* char **, empty: left out */
json_t *spec_emit_true(struct spec_emit *e, const void *p);	 /* bool, false: left out */
json_t *spec_emit_u16(struct spec_emit *e, const void *p);	 /* unsigned */
json_t *spec_emit_u32(struct spec_emit *e, const void *p);	 /* uint32_t */
json_t *spec_emit_u64(struct spec_emit *e, const void *p);	 /* uint64_t */
json_t *spec_emit_i64(struct spec_emit *e, const void *p);	 /* int64_t */
json_t *spec_emit_int(struct spec_emit *e, const void *p);	 /* int */
json_t *spec_emit_mode(struct spec_emit *e, const void *p);	 /* mode_t */
json_t *spec_emit_json_text(struct spec_emit *e, const void *p); /* char *, a kept section */
json_t *spec_emit_oci_version(struct spec_emit *e, const void *p);
json_t *spec_emit_additional_gids(struct spec_emit *e, const void *user);
json_t *spec_emit_caps(struct spec_emit *e, const void *process);
json_t *spec_emit_rlimit_type(struct spec_emit *e, const void *rlimit);
json_t *spec_emit_namespaces(struct spec_emit *e, const void *linux_);
json_t *spec_emit_device_type(struct spec_emit *e, const void *device);
json_t *spec_emit_device_major(struct spec_emit *e, const void *device);
json_t *spec_emit_device_minor(struct spec_emit *e, const void *device);
json_t *spec_emit_seccomp_section(struct spec_emit *e, const void *linux_);
json_t *spec_emit_net_devices(struct spec_emit *e, const void *linux_);
json_t *spec_emit_time_offsets(struct spec_emit *e, const void *linux_);

void spec_free_str(void *p);  /* char ** */
void spec_free_strv(void *p); /* char *** */
void spec_free_additional_gids(void *user);
void spec_free_namespaces(void *linux_);
void spec_free_seccomp_section(void *linux_);
void spec_free_net_devices(void *linux_);

#endif
