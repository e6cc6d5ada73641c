/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util: the RFC 3339 time of the state's `created`, against gmtime_r. */
#include "unit.h"

#include <stdlib.h>
#include <time.h>

#include "util/cleanup.h"
#include "util/util.h"

static void check_against_gmtime(long long sec)
{
	cleanup_free char *got = rfc3339_utc(sec, 123456789);
	char want[64];
	time_t t = (time_t)sec;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S.123456789Z", &tm);
	CHECK_STR(got, want);
}

static void test_rfc3339_known_dates(void)
{
	cleanup_free char *epoch = rfc3339_utc(0, 0);
	cleanup_free char *leap = rfc3339_utc(951782400, 5);	 /* 2000-02-29 */
	cleanup_free char *no_leap = rfc3339_utc(4107542400, 0); /* 2100-03-01 */
	cleanup_free char *before = rfc3339_utc(-1, 0);

	CHECK_STR(epoch, "1970-01-01T00:00:00.000000000Z");
	CHECK_STR(leap, "2000-02-29T00:00:00.000000005Z");
	CHECK_STR(no_leap, "2100-03-01T00:00:00.000000000Z");
	CHECK_STR(before, "1969-12-31T23:59:59.000000000Z");
}

static void test_rfc3339_matches_gmtime(void)
{
	/* Every day boundary's neighbours over four centuries, and a spread
	 * of seconds in between. */
	for (long long s = -86400LL * 366; s < 86400LL * 365 * 400; s += 86400LL * 7 + 3601)
		check_against_gmtime(s);
	check_against_gmtime(86399);
	check_against_gmtime(86400);
	check_against_gmtime(1798761599); /* 2026-12-31T23:59:59 */
}

int main(void)
{
	RUN(test_rfc3339_known_dates);
	RUN(test_rfc3339_matches_gmtime);
	return unit_done();
}
