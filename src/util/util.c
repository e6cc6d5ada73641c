/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"

static void *oom(void)
{
	/* The one place library code may stop the process: memory is gone. */
	static const char m[] = "cella: out of memory\n";
	ssize_t r = write(STDERR_FILENO, m, sizeof(m) - 1);
	(void)r;
	abort();
}

void *xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : oom();
}

void *xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : oom();
}

void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : oom();
}

char *xstrdup(const char *s)
{
	char *p = strdup(s);
	return p ? p : oom();
}

char *xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&p, fmt, ap);
	va_end(ap);
	return r < 0 ? oom() : p;
}

size_t strv_len(char *const *v)
{
	size_t n = 0;
	while (v != NULL && v[n] != NULL)
		n++;
	return n;
}

char **strv_dup(char *const *v)
{
	size_t n = strv_len(v);
	char **r = xcalloc(n + 1, sizeof(char *));
	for (size_t i = 0; i < n; i++)
		r[i] = xstrdup(v[i]);
	return r;
}

void strv_append(char ***v, const char *s)
{
	size_t n = strv_len(*v);
	*v = xrealloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = xstrdup(s);
	(*v)[n + 1] = NULL;
}

bool strv_contains(char *const *v, const char *s)
{
	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

bool str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

char *path_clean(const char *path)
{
	size_t len = strlen(path), o = 0;
	char *out = xmalloc(len + 2);

	for (const char *p = path; *p != '\0';) {
		const char *end;
		size_t n;

		while (*p == '/')
			p++;
		end = strchrnul(p, '/');
		n = (size_t)(end - p);
		if (n == 0 || (n == 1 && p[0] == '.')) {
			/* nothing */
		} else if (n == 2 && p[0] == '.' && p[1] == '.') {
			while (o > 0 && out[o - 1] != '/')
				o--;
			if (o > 0)
				o--; /* the slash before the dropped component */
		} else {
			out[o++] = '/';
			memcpy(out + o, p, n);
			o += n;
		}
		p = end;
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return out;
}

const char *str_escape(const char *s, char *buf, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 5 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n') {
			buf[o++] = '\\';
			buf[o++] = 'n';
		} else if (c == '\\' || c == '`') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
		} else {
			buf[o++] = (char)c;
		}
	}
	buf[o] = '\0';
	return buf;
}

ssize_t write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t w = write(fd, p + done, len - done);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		done += (size_t)w;
	}
	return (ssize_t)done;
}

ssize_t read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	size_t done = 0;

	while (done < len) {
		ssize_t r = read(fd, p + done, len - done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		done += (size_t)r;
	}
	return (ssize_t)done;
}

ssize_t read_fd_all(int fd, const char *name, bool short_is_end, char **out, cella_error *err)
{
	cleanup_free char *buf = xmalloc(4096);
	size_t cap = 4096, len = 0;

	for (;;) {
		size_t want;
		ssize_t r;

		if (len + 1 >= cap) {
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		want = cap - len - 1;
		r = read(fd, buf + len, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "read `%s`", name);
		}
		len += (size_t)r;
		if (r == 0 || (short_is_end && (size_t)r < want))
			break;
	}
	buf[len] = '\0';
	*out = take_ptr(&buf);
	return (ssize_t)len;
}

ssize_t read_file_at(int dirfd, const char *path, char **out, cella_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return cella_err(err, errno, "open `%s`", path);
	return read_fd_all(fd, path, false, out, err);
}

static const char *file_kind(mode_t m)
{
	if (S_ISFIFO(m))
		return "a fifo";
	if (S_ISCHR(m))
		return "a character device";
	if (S_ISBLK(m))
		return "a block device";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISDIR(m))
		return "a directory";
	return "not a regular file";
}

ssize_t read_input_file_at(int dirfd, const char *path, const char *name, size_t max, char **out,
			   cella_error *err)
{
	/* O_NONBLOCK: opening a FIFO without a writer must not wait. */
	cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	cleanup_free char *buf = NULL;
	size_t len = 0, cap;
	struct stat st;

	if (fd < 0)
		return cella_err(err, errno, "open `%s`", name);
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "stat `%s`", name);
	if (!S_ISREG(st.st_mode))
		return cella_err_invalid(err, "`%s` is %s, not a regular file", name,
					 file_kind(st.st_mode));
	if ((uint64_t)st.st_size > max)
		return cella_err(err, EFBIG, "`%s` is larger than the %zu MiB cella reads", name,
				 max >> 20);
	/* Up to one byte more than allowed, to see a file that grew since. */
	cap = (size_t)st.st_size + 4096 < max + 2 ? (size_t)st.st_size + 4096 : max + 2;
	buf = xmalloc(cap);
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			cap = cap * 2 < max + 2 ? cap * 2 : max + 2;
			buf = xrealloc(buf, cap);
		}
		r = read(fd, buf + len, cap - len - 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return cella_err(err, errno, "read `%s`", name);
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max)
			return cella_err(err, EFBIG, "`%s` is larger than the %zu MiB cella reads",
					 name, max >> 20);
	}
	buf[len] = '\0';
	*out = take_ptr(&buf);
	return (ssize_t)len;
}

ssize_t read_input_file(const char *path, size_t max, char **out, cella_error *err)
{
	return read_input_file_at(AT_FDCWD, path, path, max, out, err);
}

int write_file_at(int dirfd, const char *path, const char *data, size_t len, cella_error *err)
{
	cleanup_close int fd = openat(dirfd, path, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);

	if (fd < 0)
		return cella_err(err, errno, "open `%s` for writing", path);
	if (write_all(fd, data, len) < 0)
		return cella_err(err, errno, "write `%s`", path);
	return 0;
}

bool parse_u64(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return false;
	*out = v;
	return true;
}

char *passwd_field(const char *text, unsigned uid, int field)
{
	if (field < 0 || field > 6)
		return NULL;
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *eol = strchr(line, '\n'), *end = eol ? eol : line + strlen(line);
		const char *f[8] = {NULL};
		char num[16];
		long long v;
		int n = 0;

		/* f[i] the start of field i, f[n] one past the line's end + 1 */
		for (const char *p = line; n < 7;) {
			const char *colon = memchr(p, ':', (size_t)(end - p));

			f[n++] = p;
			if (colon == NULL)
				break;
			p = colon + 1;
		}
		f[n] = end + 1;
		line = eol ? eol + 1 : NULL;
		/* (a line too short to have the field is not that user's) */
		if (n <= 2 || n <= field || (size_t)(f[3] - 1 - f[2]) >= sizeof(num))
			continue;
		memcpy(num, f[2], (size_t)(f[3] - 1 - f[2]));
		num[f[3] - 1 - f[2]] = '\0';
		if (!parse_i64(num, 0, UINT32_MAX, &v) || (unsigned)v != uid)
			continue;
		{
			size_t len = (size_t)(f[field + 1] - 1 - f[field]);
			char *out;

			if (len == 0)
				return NULL;
			out = xmalloc(len + 1);
			memcpy(out, f[field], len);
			out[len] = '\0';
			return out;
		}
	}
	return NULL;
}

bool parse_i64(const char *s, long long min, long long max, long long *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || *s == '\0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return false;
	*out = v;
	return true;
}

bool colour_wanted(int fd)
{
	const char *no = getenv("NO_COLOR");

	return isatty(fd) && (no == NULL || no[0] == '\0');
}

int parse_bit_list(const char *list, const char *what, unsigned long *mask, size_t nbits,
		   cella_error *err)
{
	const size_t word = 8 * sizeof(unsigned long);
	const char *p = list;

	memset(mask, 0, (nbits + word - 1) / word * sizeof(unsigned long));
	if (list == NULL || *list == '\0')
		return cella_err_invalid(err, "an empty %s list", what);
	for (;;) {
		unsigned long lo, hi;
		char *end;

		if (*p < '0' || *p > '9')
			return cella_err_invalid(err, "`%s`: expected a %s number at `%s`", list,
						 what, p);
		lo = hi = strtoul(p, &end, 10);
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9')
				return cella_err_invalid(err, "`%s`: a range needs an end", list);
			hi = strtoul(p, &end, 10);
			p = end;
		}
		if (hi < lo)
			return cella_err_invalid(
			    err, "`%s`: the range %lu-%lu ends before it starts", list, lo, hi);
		if (hi >= nbits)
			return cella_err_invalid(err, "`%s`: %s %lu is past the last one (%zu)",
						 list, what, hi, nbits - 1);
		for (unsigned long n = lo; n <= hi; n++)
			mask[n / word] |= 1UL << (n % word);
		if (*p == '\0')
			return 0;
		if (*p != ',')
			return cella_err_invalid(err, "`%s`: unexpected `%c`", list, *p);
		p++;
	}
}

char *format_bit_list(const unsigned long *mask, size_t nbits)
{
	const size_t word = 8 * sizeof(unsigned long);
	char *out = xstrdup("");

	for (size_t n = 0; n < nbits; n++) {
		size_t end = n;
		char *next;

		if (!(mask[n / word] & (1UL << (n % word))))
			continue;
		while (end + 1 < nbits && (mask[(end + 1) / word] & (1UL << ((end + 1) % word))))
			end++;
		if (end == n)
			next = xasprintf("%s%s%zu", out, out[0] ? "," : "", n);
		else
			next = xasprintf("%s%s%zu-%zu", out, out[0] ? "," : "", n, end);
		free(out);
		out = next;
		n = end;
	}
	return out;
}

char *rfc3339_utc(long long sec, long nsec)
{
	long long days = sec / 86400, secs = sec % 86400, era, doe, yoe, doy, mp, y, m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	/* Days since 1970-01-01 to a civil date, in the proleptic Gregorian
	 * calendar's 400-year eras of 146097 days, counted from 0000-03-01 (so
	 * that the leap day ends a year). */
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	return xasprintf("%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%09ldZ", y, m, d, secs / 3600,
			 secs / 60 % 60, secs % 60, nsec);
}
