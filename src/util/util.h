/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every layer: strings, vectors, files. */
#ifndef CELLA_UTIL_H
#define CELLA_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "util/error.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation that cannot fail: aborts on ENOMEM (there is no sane recovery
 * for a runtime that cannot allocate a few bytes). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
char **strv_dup(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_append(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);

bool str_has_prefix(const char *s, const char *prefix);

/* The absolute path as written, made lexical: repeated and trailing
 * slashes, "." and ".." components resolved without looking at the file
 * system (".." of "/" is "/"), as Go's filepath.Clean. malloc'd; path must
 * start with '/'. */
char *path_clean(const char *path);

/* Copy s into buf with control characters, quotes and backslashes escaped
 * (\n, \xNN), so a message stays on one line. Returns buf. */
const char *str_escape(const char *s, char *buf, size_t len);

/* Whole-file helpers on a path relative to dirfd (AT_FDCWD for cwd). All fds
 * are O_CLOEXEC. read_file_at NUL-terminates and returns the length. */
ssize_t read_file_at(int dirfd, const char *path, char **out, cella_error *err);
/* All of what fd reads, NUL-terminated, its length returned; `name` for
 * errors. short_is_end: for a file only ever replaced whole (a rename over
 * it), never written in place, a short read is its end (one read where
 * read_file_at makes two). */
ssize_t read_fd_all(int fd, const char *name, bool short_is_end, char **out, cella_error *err);
int write_file_at(int dirfd, const char *path, const char *data, size_t len, cella_error *err);
/* The same for a file a user hands cella (config.json, exec --process): it
 * must be a regular file (a symlink is followed to one; a FIFO, a device or
 * a socket is refused, the open does not block on a FIFO) of at most max
 * bytes (an error names the limit). */
ssize_t read_input_file_at(int dirfd, const char *path, const char *name, size_t max, char **out,
			   cella_error *err);
ssize_t read_input_file(const char *path, size_t max, char **out, cella_error *err);
/* Write all of buf, retrying on EINTR and short writes. */
ssize_t write_all(int fd, const void *buf, size_t len);
/* Read exactly len bytes unless EOF; returns bytes read or -1. */
ssize_t read_all(int fd, void *buf, size_t len);

/* Parse a decimal number into [min, max]; returns false when it is not one. */
bool parse_u64(const char *s, unsigned long long max, unsigned long long *out);
bool parse_i64(const char *s, long long min, long long max, long long *out);
/* Field `field` (0 the name ... 5 the home directory, 6 the shell) of the
 * line of uid in text, an /etc/passwd (name:password:uid:gid:gecos:home:
 * shell), malloc'd, from the first line of uid long enough to have it;
 * NULL when there is none or the field is empty. */
char *passwd_field(const char *text, unsigned uid, int field);
/* A kernel list ("0-3,8,10-11", the cpuset and NUMA node syntax) into a bit
 * mask of nbits bits (mask holds nbits / bits-per-long words, zeroed first);
 * `what` names the items in errors ("CPU", "node"). */
int parse_bit_list(const char *list, const char *what, unsigned long *mask, size_t nbits,
		   cella_error *err);
/* The other way: the bits set in mask as the kernel writes them ("0-3,8");
 * "" when none (malloc'd). */
char *format_bit_list(const unsigned long *mask, size_t nbits);

/* Colour on fd: a terminal, and NO_COLOR (https://no-color.org) unset or
 * empty. */
bool colour_wanted(int fd);

/* sec.nsec since the epoch as RFC 3339 in UTC, "2006-01-02T15:04:05.
 * 000000000Z" (malloc'd). Not gmtime_r: glibc's reads /etc/localtime (its
 * tzset) on the first call, even for UTC. */
char *rfc3339_utc(long long sec, long nsec);

#endif
