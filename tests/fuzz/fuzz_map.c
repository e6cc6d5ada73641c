/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the parsers of what a container controls in /proc
 * and what `cella map` reads from it: mountinfo (mount points and sources
 * are the container's names), status (Name: is its comm), limits, stat
 * (its comm, in parentheses, may hold any byte), a uid_map beside the
 * host's passwd. The first byte picks the parser; the rest is the file.
 * Any input: no crash, no leak, and what parses is well formed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/inspect.h"
#include "inspect/reach.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const uint8_t *data, size_t size)
{
	char *t = malloc(size + 1);

	if (t == NULL)
		abort();
	memcpy(t, data, size);
	t[size] = '\0';
	return t;
}

static void mountinfo(const char *t)
{
	struct inspect_mount *m = NULL;
	size_t n = 0;
	cella_error err = {0};

	if (inspect_parse_mountinfo(t, &m, &n, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* a failure says why */
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (m[i].mountpoint == NULL || m[i].root == NULL || m[i].fstype == NULL ||
		    m[i].source == NULL || m[i].options == NULL || m[i].propagation == NULL ||
		    strlen(m[i].dev) >= sizeof(m[i].dev))
			abort();
		(void)inspect_has_option(m[i].options, "ro");
	}
	inspect_mounts_free(m, n);
}

static void status(const char *t)
{
	struct inspect_status st;
	cella_error err = {0};

	if (inspect_parse_status(t, &st, &err) < 0)
		return;
	if (st.seccomp_mode < -1 || st.seccomp_mode > 2)
		abort();
	inspect_status_clear(&st);
}

static void limits(const char *t)
{
	struct inspect_rlimit l[INSPECT_RLIMIT_MAX];
	size_t n = 0;
	cella_error err = {0};

	if (inspect_parse_limits(t, l, &n, &err) < 0)
		return;
	if (n > INSPECT_RLIMIT_MAX)
		abort();
	for (size_t i = 0; i < n; i++)
		if (memchr(l[i].name, '\0', sizeof(l[i].name)) == NULL ||
		    memchr(l[i].unit, '\0', sizeof(l[i].unit)) == NULL)
			abort();
}

static void stat_sched(const char *t)
{
	struct inspect_sched sc;
	cella_error err = {0};

	(void)inspect_parse_stat_sched(t, &sc, &err);
}

static void idmap(const char *t)
{
	/* The map, then after a NUL-free separator line "--", a passwd. */
	const char *sep = strstr(t, "\n--\n");
	struct reach_account acc[4];
	char *map = sep != NULL ? strndup(t, (size_t)(sep - t)) : strdup(t);
	size_t n;

	if (map == NULL)
		abort();
	n = reach_accounts(map, sep != NULL ? sep + 4 : "", acc, 4);
	for (size_t i = 0; i < n && i < 4; i++)
		if (memchr(acc[i].name, '\0', sizeof(acc[i].name)) == NULL ||
		    !reach_maps_host_id(map, acc[i].id))
			abort();
	(void)reach_maps_range(map, REACH_USERS_MIN, REACH_USERS_MAX);
	(void)inspect_map_id(map, 0);
	free(map);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *t;

	if (size < 1)
		return 0;
	t = text_of(data + 1, size - 1);
	switch (data[0] % 5) {
	case 0:
		mountinfo(t);
		break;
	case 1:
		status(t);
		break;
	case 2:
		limits(t);
		break;
	case 3:
		stat_sched(t);
		break;
	default:
		idmap(t);
		break;
	}
	free(t);
	return 0;
}
