/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a user namespace's capabilities reach on the host. */
#include "inspect/reach.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *next_line(const char *p)
{
	p = strchr(p, '\n');
	return p != NULL ? p + 1 : NULL;
}

bool reach_maps_range(const char *map_text, unsigned long long lo, unsigned long long hi)
{
	for (const char *p = map_text; p != NULL && *p != '\0'; p = next_line(p)) {
		unsigned long long in, out, len;

		if (sscanf(p, "%llu %llu %llu", &in, &out, &len) != 3 || len == 0)
			continue;
		/* [out, out + len) meets [lo, hi] */
		if (out <= hi && out + len - 1 >= lo)
			return true;
	}
	return false;
}

bool reach_maps_host_id(const char *map_text, unsigned long long host)
{
	return reach_maps_range(map_text, host, host);
}

size_t reach_accounts(const char *map_text, const char *db_text, struct reach_account *out,
		      size_t max)
{
	size_t n = 0;

	for (const char *p = db_text; p != NULL && *p != '\0'; p = next_line(p)) {
		const char *c1 = strchr(p, ':'), *c2, *end = strchr(p, '\n');
		char *tail;
		unsigned long long id;

		if (end == NULL)
			end = p + strlen(p);
		if (c1 == NULL || c1 > end || c1 == p || p[0] == '#')
			continue;
		c2 = strchr(c1 + 1, ':');
		if (c2 == NULL || c2 >= end || c2[1] < '0' || c2[1] > '9')
			continue;
		id = strtoull(c2 + 1, &tail, 10);
		if (*tail != ':' || tail > end)
			continue;
		if (id == REACH_OVERFLOW_ID || !reach_maps_host_id(map_text, id))
			continue;
		if (n < max) {
			size_t len = (size_t)(c1 - p);

			if (len >= sizeof(out[n].name))
				len = sizeof(out[n].name) - 1;
			memcpy(out[n].name, p, len);
			out[n].name[len] = '\0';
			out[n].id = id;
		}
		n++;
	}
	return n;
}
