/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.seccomp <-> struct cella_seccomp (kernel/seccomp.h). config.json's
 * section is read during the spec parse (spec_parse.c), so that errors
 * carry config.json's line and column; a profile file given to
 * `cella run --seccomp FILE` is read on its own.
 */
#ifndef CELLA_SPEC_SECCOMP_H
#define CELLA_SPEC_SECCOMP_H

#include <stddef.h>

#include "kernel/seccomp.h"
#include "util/error.h"

/* A seccomp profile (a linux.seccomp object) in text; origin names the file
 * in messages: `prof.json:3:15: syscalls[0].action: unknown action ...`. */
int cella_spec_seccomp_parse(const char *text, size_t len, const char *origin,
			     struct cella_seccomp **out, cella_error *err);

/* The profile as a linux.seccomp JSON object (compact text, malloc'd). */
char *cella_spec_seccomp_to_json(const struct cella_seccomp *s);

#endif
