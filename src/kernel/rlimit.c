/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource limits of the container process (process.rlimits).
 *
 * Who runs this: the container's setup child, before the uid switch, so that
 * CAP_SYS_RESOURCE (when held) still lets it raise hard limits.
 */
#include "kernel/rlimit.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "util/cleanup.h"
#include "util/util.h"

/* "2048", or "unlimited" for RLIM_INFINITY. */
static const char *limit_str(uint64_t v, char *buf, size_t len)
{
	if (v == (uint64_t)RLIM_INFINITY)
		snprintf(buf, len, "unlimited");
	else
		snprintf(buf, len, "%" PRIu64, v);
	return buf;
}

/* The kernel's cap on RLIMIT_NOFILE, which not even CAP_SYS_RESOURCE lifts. */
static bool nr_open(unsigned long long *out)
{
	cleanup_free char *text = NULL;

	if (read_file_at(AT_FDCWD, "/proc/sys/fs/nr_open", &text, NULL) < 0)
		return false;
	text[strcspn(text, "\n")] = '\0';
	return parse_u64(text, ULLONG_MAX, out);
}

static int apply_one(const struct cella_rlimit *rl, cella_error *err)
{
	struct rlimit want = {.rlim_cur = (rlim_t)rl->soft, .rlim_max = (rlim_t)rl->hard};
	struct rlimit cur;
	char soft[24], hard[24], now[24], what[40];
	const char *name = rl->type;
	unsigned long long max;
	int e;

	if (name == NULL) {
		snprintf(what, sizeof(what), "rlimit %d", rl->resource);
		name = what;
	}
	limit_str(rl->soft, soft, sizeof(soft));
	limit_str(rl->hard, hard, sizeof(hard));
	if (rl->soft > rl->hard)
		return cella_err_invalid(
		    err,
		    "setrlimit %s to soft %s hard %s: the soft limit is above the "
		    "hard limit",
		    name, soft, hard);
	if (setrlimit(rl->resource, &want) == 0)
		return 0;
	e = errno;
	if (e == EPERM && rl->resource == RLIMIT_NOFILE && nr_open(&max) && want.rlim_max > max)
		return cella_err(err, e,
				 "setrlimit %s to soft %s hard %s: the hard limit is above "
				 "fs.nr_open (%llu)",
				 name, soft, hard, max);
	if (e == EPERM && getrlimit(rl->resource, &cur) == 0 && want.rlim_max > cur.rlim_max)
		return cella_err(err, e,
				 "setrlimit %s to soft %s hard %s: the hard limit is %s and "
				 "raising it needs CAP_SYS_RESOURCE",
				 name, soft, hard, limit_str(cur.rlim_max, now, sizeof(now)));
	if (e == EINVAL)
		return cella_err(err, e, "setrlimit %s to soft %s hard %s: unknown resource %d",
				 name, soft, hard, rl->resource);
	return cella_err(err, e, "setrlimit %s to soft %s hard %s", name, soft, hard);
}

int rlimits_apply(const struct cella_rlimit *rl, size_t n, cella_error *err)
{
	for (size_t i = 0; i < n; i++) {
		int r = apply_one(&rl[i], err);
		if (r < 0)
			return r;
	}
	return 0;
}
