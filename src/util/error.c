/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int cella_err_ret(const cella_error *err)
{
	if (err == NULL || err->errnum <= 0)
		return -1;
	return -err->errnum;
}

int cella_err(cella_error *err, int errnum, const char *fmt, ...)
{
	va_list ap;

	if (errnum < 0)
		errnum = -errnum;
	if (err != NULL) {
		err->errnum = errnum;
		err->exit_code = 0;
		err->input = 0;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return errnum > 0 ? -errnum : -1;
}

int cella_err_invalid(cella_error *err, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL) {
		err->errnum = EINVAL;
		err->exit_code = 0;
		err->input = 1;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

int cella_err_context(cella_error *err, const char *fmt, ...)
{
	char ctx[CELLA_ERROR_MSG_MAX];
	char old[CELLA_ERROR_MSG_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(ctx, sizeof(ctx), fmt, ap);
	va_end(ap);
	memcpy(old, err->msg, sizeof(old));
	old[sizeof(old) - 1] = '\0';
	/* "ctx: old", truncated to the buffer (truncation is intended). */
	{
		size_t cl = strlen(ctx), ol = strlen(old), max = sizeof(err->msg) - 1, n = 0;
		memcpy(err->msg, ctx, cl < max ? cl : max);
		n = cl < max ? cl : max;
		if (n + 2 <= max) {
			memcpy(err->msg + n, ": ", 2);
			n += 2;
		}
		if (n < max) {
			size_t take = ol < max - n ? ol : max - n;
			memcpy(err->msg + n, old, take);
			n += take;
		}
		err->msg[n] = '\0';
	}
	return cella_err_ret(err);
}

void cella_err_clear(cella_error *err)
{
	if (err == NULL)
		return;
	err->errnum = 0;
	err->exit_code = 0;
	err->input = 0;
	err->msg[0] = '\0';
}

const char *cella_error_format(const cella_error *err, char *buf, size_t len)
{
	if (err->errnum > 0 && !err->input)
		snprintf(buf, len, "%s: %s", err->msg, strerror(err->errnum));
	else
		snprintf(buf, len, "%s", err->msg);
	return buf;
}
