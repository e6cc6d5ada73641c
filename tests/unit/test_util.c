/* SPDX-License-Identifier: GPL-2.0-or-later */
/* util: the RFC 3339 time of the state's `created`, against gmtime_r; the
 * one-read loader of files replaced whole (state.json), opened beneath
 * their directory (kernel/path.h). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/path.h"
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

/* A directory with d/f holding len bytes, a symlink l -> d and s -> d/f. */
static int beneath_fixture(char *dir, size_t len)
{
	char *data = malloc(len + 1);
	int fd, dfd;

	memset(data, 'x', len);
	snprintf(dir, 64, "/tmp/cella-unit-XXXXXX");
	if (mkdtemp(dir) == NULL)
		abort();
	dfd = open(dir, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (dfd < 0 || mkdirat(dfd, "d", 0700) < 0 || symlinkat("d", dfd, "l") < 0 ||
	    symlinkat("d/f", dfd, "s") < 0)
		abort();
	fd = openat(dfd, "d/f", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, data, len) < 0)
		abort();
	close(fd);
	free(data);
	return dfd;
}

static void beneath_cleanup(const char *dir, int dfd)
{
	unlinkat(dfd, "s", 0);
	unlinkat(dfd, "l", 0);
	unlinkat(dfd, "d/f", 0);
	unlinkat(dfd, "d", AT_REMOVEDIR);
	close(dfd);
	rmdir(dir);
}

static void test_read_fd_all(void)
{
	/* empty, shorter than the first buffer, exactly one buffer's worth
	 * (the read that fills it is not short: one more read ends it), and
	 * longer than several; short reads taken as the end or not */
	static const size_t sizes[] = {0, 227, 4095, 4096, 20000};

	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (int short_is_end = 0; short_is_end < 2; short_is_end++) {
			char dir[64];
			int dfd = beneath_fixture(dir, sizes[i]);
			int fd = path_open_beneath(dfd, "d/f", O_RDONLY);
			cleanup_free char *text = NULL;
			ssize_t n = fd < 0 ? -1 : read_fd_all(fd, "d/f", short_is_end, &text, NULL);

			CHECK(n == (ssize_t)sizes[i]);
			CHECK(text != NULL && strlen(text) == sizes[i]);
			if (fd >= 0)
				close(fd);
			beneath_cleanup(dir, dfd);
		}
	}
}

static void test_path_open_beneath_refuses(void)
{
	char dir[64];
	int dfd = beneath_fixture(dir, 10);

	/* a symlink, as the last component or on the way */
	CHECK(path_open_beneath(dfd, "s", O_RDONLY) == -ELOOP);
	CHECK(path_open_beneath(dfd, "l/f", O_RDONLY) == -ELOOP);
	/* out of the directory */
	CHECK(path_open_beneath(dfd, "../etc/hostname", O_RDONLY) == -EXDEV);
	CHECK(path_open_beneath(dfd, "/etc/hostname", O_RDONLY) == -EXDEV);
	beneath_cleanup(dir, dfd);
}

static void test_path_clean(void)
{
	static const char *const cases[][2] = {
	    {"/", "/"},
	    {"//", "/"},
	    {"/a", "/a"},
	    {"/a/", "/a"},
	    {"/a//b///", "/a/b"},
	    {"/./a/./b/.", "/a/b"},
	    {"/a/b/..", "/a"},
	    {"/a/b/../c", "/a/c"},
	    {"/..", "/"},
	    {"/../../a", "/a"},
	    {"/a/../..", "/"},
	    {"/a/..b/.c", "/a/..b/.c"},
	    {"/a/b/../../c/./d/", "/c/d"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = path_clean(cases[i][0]);

		CHECK_STR(got, cases[i][1]);
	}
}

static void test_passwd_field(void)
{
	static const char text[] = "root:x:0:0:root:/root:/bin/sh\n"
				   "short:x:1000\n"
				   "alice:x:1000:1000::/home/alice:/bin/sh\n"
				   "nohome:x:1001:1001:::/bin/sh\n"
				   "bad:x:12a:0::/x:/bin/sh\n"
				   "bob:x:4294967295:0::/b:/bin/sh";
	static const struct {
		unsigned uid;
		int field;
		const char *want;
	} cases[] = {
	    {0, 0, "root"},
	    {0, 5, "/root"},
	    {1000, 0, "short"},
	    {1000, 5, "/home/alice"}, /* the first line long enough */
	    {1001, 5, NULL},
	    {1001, 6, "/bin/sh"},
	    {12, 0, NULL},
	    {4294967295u, 5, "/b"},
	    {4294967295u, 6, "/bin/sh"}, /* the text's last field */
	    {7, 0, NULL},
	    {0, 7, NULL},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cleanup_free char *got = passwd_field(text, cases[i].uid, cases[i].field);

		if (cases[i].want == NULL)
			CHECK(got == NULL);
		else
			CHECK_STR(got, cases[i].want);
	}
}

int main(void)
{
	RUN(test_rfc3339_known_dates);
	RUN(test_rfc3339_matches_gmtime);
	RUN(test_read_fd_all);
	RUN(test_path_open_beneath_refuses);
	RUN(test_path_clean);
	RUN(test_passwd_field);
	return unit_done();
}
