/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.seccomp: its typed form, struct cella_seccomp (what kernel/seccomp.h
 * compiles), the names OCI gives its actions, operators, architectures and
 * flags (spec_seccomp_names.c), the quick door's default profile
 * (spec_seccomp_default.c), and the JSON <-> struct cella_seccomp. config.json's
 * section is read during the spec parse (spec_parse.c), so that errors
 * carry config.json's line and column; a profile file given to
 * `cella run --seccomp FILE` is read on its own.
 */
#ifndef CELLA_SPEC_SECCOMP_H
#define CELLA_SPEC_SECCOMP_H

#include <stddef.h>

#include <stdbool.h>
#include <stdint.h>

#include "util/error.h"

enum cella_seccomp_action {
	CELLA_SCMP_KILL_THREAD = 0, /* SCMP_ACT_KILL, SCMP_ACT_KILL_THREAD */
	CELLA_SCMP_KILL_PROCESS,
	CELLA_SCMP_TRAP,
	CELLA_SCMP_ERRNO,
	CELLA_SCMP_TRACE,
	CELLA_SCMP_LOG,
	CELLA_SCMP_ALLOW,
	CELLA_SCMP_NOTIFY,
	CELLA_SCMP_ACTION_COUNT
};

enum cella_seccomp_op {
	CELLA_SCMP_CMP_NE = 0,
	CELLA_SCMP_CMP_LT,
	CELLA_SCMP_CMP_LE,
	CELLA_SCMP_CMP_EQ,
	CELLA_SCMP_CMP_GE,
	CELLA_SCMP_CMP_GT,
	CELLA_SCMP_CMP_MASKED_EQ, /* (arg & value) == valueTwo */
	CELLA_SCMP_OP_COUNT
};

/* linux.seccomp.flags, as bits. */
#define CELLA_SCMP_FLAG_LOG		   (1U << 0)
#define CELLA_SCMP_FLAG_SPEC_ALLOW	   (1U << 1)
#define CELLA_SCMP_FLAG_WAIT_KILLABLE_RECV (1U << 2)

struct cella_seccomp_arg {
	unsigned index; /* 0..5 */
	uint64_t value;
	uint64_t value_two;
	enum cella_seccomp_op op;
};

struct cella_seccomp_rule {
	char **names; /* NULL-terminated */
	enum cella_seccomp_action action;
	bool has_errno_ret;
	uint32_t errno_ret;
	struct cella_seccomp_arg *args;
	size_t n_args;
};

struct cella_seccomp {
	enum cella_seccomp_action default_action;
	bool has_default_errno_ret;
	uint32_t default_errno_ret;
	uint32_t *archs; /* SCMP_ARCH_* tokens; none = the native one */
	size_t n_archs;
	unsigned flags; /* CELLA_SCMP_FLAG_* */
	char *listener_path;
	char *listener_metadata;
	struct cella_seccomp_rule *syscalls;
	size_t n_syscalls;
};

/* Names as OCI spells them: "SCMP_ACT_ERRNO", "SCMP_CMP_MASKED_EQ",
 * "SCMP_ARCH_X86_64", "SECCOMP_FILTER_FLAG_LOG". -1 when unknown. */
int cella_seccomp_action_from_name(const char *name);
const char *cella_seccomp_action_name(enum cella_seccomp_action a);
int cella_seccomp_op_from_name(const char *name);
const char *cella_seccomp_op_name(enum cella_seccomp_op op);
/* 0 when unknown (or unknown to this libseccomp). */
uint32_t cella_seccomp_arch_from_name(const char *name);
const char *cella_seccomp_arch_name(uint32_t arch);
int cella_seccomp_flag_from_name(const char *name);
const char *cella_seccomp_flag_name(unsigned flag);
/* Iterate the names (NULL past the end), for `cella features`. */
const char *cella_seccomp_action_name_at(size_t i);
const char *cella_seccomp_arch_name_at(size_t i);
const char *cella_seccomp_flag_name_at(size_t i);

/* The built-in default profile of the quick door, for a process whose
 * bounding set is caps: an allowlist; syscalls a capability grants are
 * allowed only with it; unknown (newer) syscalls fail with ENOSYS so that
 * libc falls back, known dangerous ones with EPERM. */
struct cella_seccomp *cella_seccomp_default_profile(uint64_t caps);

void cella_seccomp_free(struct cella_seccomp *s);

/* A seccomp profile (a linux.seccomp object) in text; origin names the file
 * in messages: `prof.json:3:15: syscalls[0].action: unknown action ...`. */
int cella_spec_seccomp_parse(const char *text, size_t len, const char *origin,
			     struct cella_seccomp **out, cella_error *err);

/* The profile as a linux.seccomp JSON object (compact text, malloc'd). */
char *cella_spec_seccomp_to_json(const struct cella_seccomp *s);

#endif
