/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a user namespace map reaches on the host (inspect/reach.c). */
#include "inspect/reach.h"
#include "unit.h"

static const char passwd[] = "root:x:0:0:root:/root:/bin/bash\n"
			     "daemon:x:1:1::/:/usr/sbin/nologin\n"
			     "# a comment\n"
			     "broken line\n"
			     "nobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n"
			     "alice:x:1000:1000::/home/alice:/bin/bash\n"
			     "svc:x:100500:100500::/:/bin/false";

static void test_identity_map_reaches_root_and_users(void)
{
	struct reach_account a[4];
	const char *map = "         0          0      65536\n";

	CHECK(reach_maps_host_id(map, 0));
	CHECK(reach_maps_range(map, REACH_USERS_MIN, REACH_USERS_MAX));
	CHECK(reach_accounts(map, passwd, a, 4) == 3);
	CHECK(a[0].id == 0);
	CHECK_STR(a[0].name, "root");
	CHECK_STR(a[1].name, "daemon");
	CHECK_STR(a[2].name, "alice");
	/* Fewer slots than accounts: the count is still all of them. */
	CHECK(reach_accounts(map, passwd, a, 1) == 3);
}

static void test_subordinate_range(void)
{
	struct reach_account a[4];
	const char *map = "0 100000 65536\n";

	CHECK(!reach_maps_host_id(map, 0));
	CHECK(!reach_maps_range(map, REACH_USERS_MIN, REACH_USERS_MAX));
	CHECK(reach_accounts(map, passwd, a, 4) == 1); /* svc, 100500 */
	CHECK(a[0].id == 100500);
	/* The range's edges. */
	CHECK(reach_maps_host_id(map, 165535));
	CHECK(!reach_maps_host_id(map, 165536));
	CHECK(!reach_maps_host_id(map, 99999));
	/* A single mapped real user (rootless podman's 0 -> 1000). */
	CHECK(reach_maps_range("0 1000 1\n1 100000 65536\n", REACH_USERS_MIN, REACH_USERS_MAX));
	CHECK(!reach_maps_host_id("", 0));
	CHECK(!reach_maps_host_id("garbage\n0 0 0\n", 0));
}

int main(void)
{
	RUN(test_identity_map_reaches_root_and_users);
	RUN(test_subordinate_range);
	return unit_done();
}
