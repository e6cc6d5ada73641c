/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Warnings and debug notes from library code.
 *
 * Library code never prints: it calls cella_warn()/cella_debug(), which go to
 * the handler the CLI installed (stderr, or the --log file in text or json).
 * Inside the container's setup child the handler forwards each line over the
 * sync socket so that the parent reports it.
 */
#ifndef CELLA_LOG_H
#define CELLA_LOG_H

enum cella_log_level { CELLA_LOG_ERROR = 0, CELLA_LOG_WARNING, CELLA_LOG_INFO, CELLA_LOG_DEBUG };

typedef void (*cella_log_fn)(enum cella_log_level level, const char *msg, void *data);

void cella_log_set_handler(cella_log_fn fn, void *data);
/* Messages above `max` are dropped where they are made (default: none):
 * the container's setup child then sends no debug line over the sync socket
 * that the CLI would only throw away. Inherited by forked children. */
void cella_log_set_level(enum cella_log_level max);
void cella_log(enum cella_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define cella_warn(...)	 cella_log(CELLA_LOG_WARNING, __VA_ARGS__)
#define cella_debug(...) cella_log(CELLA_LOG_DEBUG, __VA_ARGS__)

#endif
