/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>

static cella_log_fn handler;
static void *handler_data;
static enum cella_log_level max_level = CELLA_LOG_DEBUG;

void cella_log_set_handler(cella_log_fn fn, void *data)
{
	handler = fn;
	handler_data = data;
}

void cella_log_set_level(enum cella_log_level max)
{
	max_level = max;
}

void cella_log(enum cella_log_level level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (handler == NULL || level > max_level)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	handler(level, buf, handler_data);
}
