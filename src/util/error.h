/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella's one error type.
 *
 * Convention (see docs/errors.md):
 *   - every fallible function returns int: >= 0 on success, < 0 on failure,
 *     and takes `cella_error *err` as its last parameter;
 *   - on failure it fills *err exactly once, with cella_err() at the point of
 *     failure (errno captured there), and callers may add context in front
 *     with cella_err_context() while passing the failure up;
 *   - library code (engine, spec, kernel modules) never prints and never
 *     exits: only the CLI reports, once, with cella_error_format();
 *   - messages are lower case, no full stop, and say what failed on what:
 *     "mount `proc` on `/proc`: Operation not permitted".
 *
 * The struct is plain data with no pointers so that a child process can send
 * it over the sync socket to the parent as is (see kernel/sync.h).
 */
#ifndef CELLA_ERROR_H
#define CELLA_ERROR_H

#include <stddef.h>

#define CELLA_ERROR_MSG_MAX 1024

typedef struct cella_error {
	int errnum;    /* errno of the failure, 0 when none applies */
	int exit_code; /* exit status the CLI should use, 0 = default (1) */
	int input;     /* bad input (errno EINVAL): the message says it all, no
			  strerror is appended when it is reported */
	char msg[CELLA_ERROR_MSG_MAX];
} cella_error;

/* Exit codes podman and containerd read (as runc/crun): */
#define CELLA_EXIT_NOT_FOUND 127 /* executable file not found */
#define CELLA_EXIT_NOT_EXEC  126 /* found but cannot be executed */

/*
 * Fill *err (which may be NULL) with errnum and a formatted message.
 * Returns -errnum, or -1 when errnum is 0, so that
 *     return cella_err(err, errno, "open `%s`", path);
 * reads naturally.
 */
int cella_err(cella_error *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Bad input (a config field, a flag value): errno EINVAL, reported without
 * ": Invalid argument" after the message. Returns -EINVAL. */
int cella_err_invalid(cella_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Prepend "context: " to the message already in *err. Returns the same
 * negative value cella_err() returned for it. */
int cella_err_context(cella_error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Return value of the error already in *err (-errnum or -1). */
int cella_err_ret(const cella_error *err);

/* Clear *err. */
void cella_err_clear(cella_error *err);

/* "msg: strerror(errnum)" (or just msg) into buf; returns buf. */
const char *cella_error_format(const cella_error *err, char *buf, size_t len);

#endif
