/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A process object on its own: `cella exec --process FILE` reads one (the
 * JSON of config.json's "process", as runc's exec takes it), and `cella exec
 * ARGS` edits the one of the container's config.json.
 */
#ifndef CELLA_SPEC_PROCESS_H
#define CELLA_SPEC_PROCESS_H

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* Parse a process JSON object. `origin` names the file in messages
 * (`process.json:3:9: args[0]: expected a string`). */
int cella_process_parse(const char *text, size_t len, const char *origin,
			struct cella_process **out, cella_error *err);
/* Read and parse a file. */
int cella_process_load(const char *path, struct cella_process **out, cella_error *err);

void cella_process_free(struct cella_process *p);
void cella_process_freep(struct cella_process **p);
#define cleanup_process __attribute__((cleanup(cella_process_freep)))

/* Set or replace K in p->env from "K=V" ("K" alone sets it empty). */
void cella_process_setenv(struct cella_process *p, const char *kv);
/* Replace p->args with a copy of args (NULL-terminated, not empty). */
void cella_process_set_args(struct cella_process *p, char *const *args);

#endif
