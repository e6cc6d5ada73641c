/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the /proc and mountinfo parsers: the first byte picks
 * the parser, the rest is the file's text. Each must refuse what it cannot
 * read with an error (never crash, leak or read out of bounds), and what it
 * accepts must be consistent (a mountinfo entry has a mount point).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "inspect/inspect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cella_error err;
	char *text;

	if (size < 1)
		return 0;
	text = malloc(size);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	memset(&err, 0, sizeof(err));
	switch (data[0] % 6) {
	case 0: {
		struct inspect_mount *m = NULL;
		size_t n = 0;

		if (inspect_parse_mountinfo(text, &m, &n, &err) == 0)
			inspect_mounts_free(m, n);
		break;
	}
	case 1: {
		struct cella_cgroup_host h;

		memset(&h, 0, sizeof(h));
		if (cella_cgroup_parse_mountinfo(text, "/sys/fs/cgroup", &h, &err) == 0) {
			if (h.unified != NULL && h.unified[0] != '/')
				abort();
			cella_cgroup_host_clear(&h);
		}
		break;
	}
	case 2: {
		struct inspect_status st;

		memset(&st, 0, sizeof(st));
		if (inspect_parse_status(text, &st, &err) == 0)
			inspect_status_clear(&st);
		break;
	}
	case 3: {
		struct cella_caps caps;

		memset(&caps, 0, sizeof(caps));
		(void)caps_parse_status(text, &caps, &err);
		break;
	}
	case 4: {
		struct inspect_rlimit r[INSPECT_RLIMIT_MAX];
		size_t n = 0;

		(void)inspect_parse_limits(text, r, &n, &err);
		if (n > INSPECT_RLIMIT_MAX)
			abort();
		break;
	}
	default: {
		struct inspect_sched s;

		memset(&s, 0, sizeof(s));
		(void)inspect_parse_stat_sched(text, &s, &err);
		break;
	}
	}
	free(text);
	return 0;
}
