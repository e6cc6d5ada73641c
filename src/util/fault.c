/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/fault.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#ifdef CELLA_FAULT_INJECTION
/* The action for point in CELLA_FAULT ("P[:A][,P[:A]]..."), or NULL. */
static const char *find_action(const char *env, const char *point, size_t *alen)
{
	size_t n = strlen(point);

	while (env != NULL && *env != '\0') {
		const char *end = strchr(env, ',');
		size_t len = end != NULL ? (size_t)(end - env) : strlen(env);

		if (len >= n && strncmp(env, point, n) == 0 && (len == n || env[n] == ':')) {
			if (len == n) {
				*alen = 4;
				return "kill";
			}
			*alen = len - n - 1;
			return env + n + 1;
		}
		env = end != NULL ? end + 1 : NULL;
	}
	return NULL;
}

/* Read once, when the program starts: the processes that get near a
 * container scrub their environment (docs/design.md) before they reach
 * their fault points. */
static char *fault_env;

__attribute__((constructor)) static void fault_read_env(void)
{
	const char *e = getenv("CELLA_FAULT");

	if (e != NULL)
		fault_env = strdup(e);
}

int fault_point(const char *point, cella_error *err)
{
	size_t alen = 0;
	const char *action = find_action(fault_env, point, &alen);

	if (action == NULL)
		return 0;
	/* Raw writes: this may run in a child with the sync socket as its only
	 * channel, or in a pid namespace's init. */
	(void)!write(STDERR_FILENO, "cella: fault ", 13);
	(void)!write(STDERR_FILENO, point, strlen(point));
	(void)!write(STDERR_FILENO, "\n", 1);
	if (alen == 4 && strncmp(action, "fail", 4) == 0)
		return cella_err(err, EIO, "injected fault at %s", point);
	if (alen >= 5 && strncmp(action, "stall", 5) == 0) {
		/* stall: a second; stallN: N milliseconds. */
		long ms = alen > 5 ? strtol(action + 5, NULL, 10) : 1000;
		struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

		while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
			;
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
