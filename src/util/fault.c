/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/fault.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef CELLA_FAULT_INJECTION
int fault_point(const char *point, cella_error *err)
{
	const char *env = getenv("CELLA_FAULT");
	size_t n = strlen(point);
	const char *action;

	if (env == NULL || strncmp(env, point, n) != 0 || (env[n] != '\0' && env[n] != ':'))
		return 0;
	action = env[n] == ':' ? env + n + 1 : "kill";
	/* Raw writes: this may run in a child with the sync socket as its only
	 * channel, or in a pid namespace's init. */
	(void)!write(STDERR_FILENO, "cella: fault ", 13);
	(void)!write(STDERR_FILENO, point, n);
	(void)!write(STDERR_FILENO, "\n", 1);
	if (strcmp(action, "fail") == 0)
		return cella_err(err, EIO, "injected fault at %s", point);
	if (strcmp(action, "stall") == 0) {
		sleep(1);
		return 0;
	}
	/* PID 1 of a pid namespace ignores its own SIGKILL: it leaves as
	 * abruptly, without running anything more. */
	if (getpid() == 1)
		_exit(137);
	kill(getpid(), SIGKILL);
	_exit(137);
}
#else
int fault_point(const char *point, cella_error *err)
{
	(void)point;
	(void)err;
	return 0;
}
#endif
