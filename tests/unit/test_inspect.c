/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pure parts of `cella map`: /proc parsers (kernel/inspect.c) and the
 * renderers (engine/map_text.c, map_svg.c, map_diff.c). */
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include "inspect/map.h"
#include "inspect/inspect.h"
#include "unit.h"

static void test_mountinfo(void)
{
	static const char text[] =
	    "22 1 254:0 / / ro,relatime shared:1 - ext4 /dev/vda rw\n"
	    "30 22 0:5 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k\n"
	    "31 22 0:6 /a\\040b /mnt/with\\040space rw master:3 - ext4 /dev/vdb rw\n";
	struct inspect_mount *m = NULL;
	size_t n = 0;
	cella_error err;

	CHECK(inspect_parse_mountinfo(text, &m, &n, &err) == 0);
	CHECK(n == 3);
	if (n == 3) {
		CHECK_STR(m[0].mountpoint, "/");
		CHECK_STR(m[0].fstype, "ext4");
		CHECK_STR(m[0].source, "/dev/vda");
		CHECK_STR(m[0].propagation, "shared:1");
		CHECK(inspect_has_option(m[0].options, "ro"));
		CHECK(!inspect_has_option(m[0].options, "r"));
		CHECK_STR(m[1].propagation, "private");
		CHECK_STR(m[2].mountpoint, "/mnt/with space");
		CHECK_STR(m[2].root, "/a b");
		CHECK_STR(m[2].propagation, "master:3");
	}
	inspect_mounts_free(m, n);
	CHECK(inspect_parse_mountinfo("22 1 254:0 / / rw shared:1 ext4\n", &m, &n, &err) < 0);
	CHECK_CONTAINS(err.msg, "mountinfo");
}

static void test_status(void)
{
	static const char text[] = "Name:\tsleep\n"
				   "Uid:\t1000\t1001\t1002\t1003\n"
				   "Gid:\t10\t11\t12\t13\n"
				   "NSpid:\t4242\t17\t1\n"
				   "NoNewPrivs:\t1\n"
				   "Seccomp:\t2\n"
				   "Seccomp_filters:\t3\n"
				   "Speculation_Store_Bypass:\tthread force mitigated\n";
	struct inspect_status st;
	cella_error err;

	CHECK(inspect_parse_status(text, &st, &err) == 0);
	CHECK(st.uid[0] == 1000 && st.uid[1] == 1001 && st.uid[3] == 1003);
	CHECK(st.gid[0] == 10 && st.gid[2] == 12);
	CHECK(st.ns_pid == 1);
	CHECK(st.no_new_privs);
	CHECK(st.seccomp_mode == 2 && st.seccomp_filters == 3);
	CHECK_STR(st.speculation_store_bypass, "thread force mitigated");
	inspect_status_clear(&st);
	CHECK(inspect_parse_status("Name:\tx\n", &st, &err) < 0);
	/* A mode the kernel does not have is unknown, not passed on (found by
	 * tests/fuzz/fuzz_proc). */
	CHECK(inspect_parse_status("Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nSeccomp:\t7\n", &st,
				   &err) == 0);
	CHECK(st.seccomp_mode == -1);
	inspect_status_clear(&st);
}

static void test_limits(void)
{
	static const char text[] =
	    "Limit                     Soft Limit           Hard Limit           Units     \n"
	    "Max cpu time              unlimited            unlimited            seconds   \n"
	    "Max open files            1024                 1048576              files     \n"
	    "Max nice priority         0                    0                    \n";
	struct inspect_rlimit r[INSPECT_RLIMIT_MAX];
	size_t n = 0;
	cella_error err;

	CHECK(inspect_parse_limits(text, r, &n, &err) == 0);
	CHECK(n == 3);
	CHECK_STR(r[0].name, "Max cpu time");
	CHECK(r[0].soft == UINT64_MAX && r[0].hard == UINT64_MAX);
	CHECK_STR(r[0].unit, "seconds");
	CHECK_STR(r[1].name, "Max open files");
	CHECK(r[1].soft == 1024 && r[1].hard == 1048576);
	CHECK_STR(r[2].unit, "");
	CHECK(inspect_parse_limits("Limit\nMax x  abc def\n", r, &n, &err) < 0);
}

static void test_stat_sched(void)
{
	/* A command with spaces and a ')' in it; nice 5 (field 19), rt
	 * priority 0 (40), policy 3 = SCHED_BATCH (41). */
	static const char text[] =
	    "4242 (a b) c) S 1 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 25 5 1 0 123 4000000 "
	    "100 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 3 0 0 0 0 0 0 0 0 0 0\n";
	struct inspect_sched sc = {0};
	cella_error err;

	CHECK(inspect_parse_stat_sched(text, &sc, &err) == 0);
	CHECK(sc.nice == 5);
	CHECK(sc.rt_priority == 0);
	CHECK(sc.policy == 3);
	CHECK(inspect_parse_stat_sched("42 (x) S 1 2 3\n", &sc, &err) < 0);
	CHECK(inspect_parse_stat_sched("garbage", &sc, &err) < 0);
}

static void test_map_id(void)
{
	static const char map[] =
	    "         0     100000      65536\n     65536       1000          1\n";

	CHECK(inspect_map_id(map, 0) == 100000);
	CHECK(inspect_map_id(map, 65535) == 165535);
	CHECK(inspect_map_id(map, 65536) == 1000);
	CHECK(inspect_map_id(map, 65537) == -1);
	CHECK(inspect_map_id("", 0) == -1);
}

/* A live map of this process (the host itself): every layer there. */
static void test_map_self_and_renderers(void)
{
	char *json = NULL, *text = NULL, *svg = NULL, *diff = NULL;
	cella_error err;

	CHECK(cella_map_pid(NULL, getpid(), &json, &err) == 0);
	if (json == NULL)
		return;
	CHECK_CONTAINS(json, "\"schema\": \"cella-map/1\"");
	CHECK(cella_map_render_text(json, false, &text, &err) == 0);
	CHECK_CONTAINS(text, "Namespaces  shared");
	CHECK(strstr(text, "\033[") == NULL);
	free(text);
	CHECK(cella_map_render_text(json, true, &text, &err) == 0);
	CHECK_CONTAINS(text, "\033[31mshared\033[0m");
	CHECK(cella_map_render_svg(json, &svg, &err) == 0);
	CHECK_CONTAINS(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\"");
	CHECK_CONTAINS(svg, "</svg>");
	CHECK(cella_map_render_diff(json, json, false, &diff, &err) == 0);
	CHECK_CONTAINS(diff, "0 differences");
	{
		char *bad = NULL;
		CHECK(cella_map_render_text("{", false, &bad, &err) < 0 && bad == NULL);
	}
	free(json);
	free(text);
	free(svg);
	free(diff);
	CHECK(cella_map_pid(NULL, -4, &json, &err) < 0);
	CHECK_CONTAINS(err.msg, "--pid");
}

int main(void)
{
	RUN(test_mountinfo);
	RUN(test_status);
	RUN(test_limits);
	RUN(test_stat_sched);
	RUN(test_map_id);
	RUN(test_map_self_and_renderers);
	return unit_done();
}
