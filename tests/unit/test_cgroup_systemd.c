/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: systemd cgroupsPath form mapped onto cgroupfs paths. */
#include <stdlib.h>

#include "kernel/cgroup_systemd.h"
#include "unit.h"

static void check_map(const char *in, const char *want)
{
	char *out = NULL;
	cella_error err;

	CHECK(cgroup_systemd_to_path(in, &out, &err) == 0);
	CHECK_STR(out, want);
	free(out);
}

static void test_form(void)
{
	CHECK(cgroup_systemd_form("system.slice:cella:abc"));
	CHECK(cgroup_systemd_form("::abc"));
	CHECK(!cgroup_systemd_form("/cella/abc"));
	CHECK(!cgroup_systemd_form("a:b"));
	CHECK(!cgroup_systemd_form("a:b:c:d"));
}

static void test_map(void)
{
	check_map("system.slice:cella:abc", "/system.slice/cella-abc.scope");
	check_map("machine-qemu-1.slice:libpod:x", "/machine.slice/machine-qemu.slice/"
						   "machine-qemu-1.slice/libpod-x.scope");
	check_map(":cella:abc", "/system.slice/cella-abc.scope");
	check_map("user.slice::abc", "/user.slice/abc.scope");
	check_map("-.slice:cella:abc", "/cella-abc.scope");
	check_map("system.slice:cella:child.slice", "/system.slice/child.slice");
}

static void test_bad(void)
{
	char *out = NULL;
	cella_error err;

	CHECK(cgroup_systemd_to_path("notaslice:cella:abc", &out, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.cgroupsPath");
	CHECK(cgroup_systemd_to_path("system.slice:cella:../x", &out, &err) < 0);
	CHECK(cgroup_systemd_to_path("system.slice:cella:", &out, &err) < 0);
	CHECK(cgroup_systemd_to_path("a--b.slice:c:d", &out, &err) < 0);
	CHECK(out == NULL);
}

static void check_unit(const char *in, bool user, const char *slice, const char *unit)
{
	struct cgroup_systemd_unit u;
	cella_error err;

	CHECK(cgroup_systemd_unit_parse(in, "abc", user, &u, &err) == 0);
	CHECK_STR(u.slice, slice);
	CHECK_STR(u.unit, unit);
	CHECK(u.user == user);
	cgroup_systemd_unit_clear(&u);
}

/* The systemd driver's scope: runc's and crun's naming. */
static void test_unit(void)
{
	struct cgroup_systemd_unit u;
	cella_error err;

	check_unit("machine.slice:libpod:x", false, "machine.slice", "libpod-x.scope");
	check_unit(":cella:x", false, "system.slice", "cella-x.scope");
	check_unit(":cella:x", true, "user.slice", "cella-x.scope");
	check_unit("system.slice::x", false, "system.slice", "x.scope");
	check_unit(NULL, false, "system.slice", "cella-abc.scope");
	check_unit("", false, "system.slice", "cella-abc.scope");
	CHECK(cgroup_systemd_unit_parse("/cella/abc", "abc", false, &u, &err) < 0);
	CHECK_CONTAINS(err.msg, "expects slice:prefix:name");
	CHECK(cgroup_systemd_unit_parse("system.slice:cella:sub.slice", "abc", false, &u, &err) <
	      0);
	CHECK_CONTAINS(err.msg, "scope");
	CHECK(cgroup_systemd_unit_parse("notaslice:cella:x", "abc", false, &u, &err) < 0);
	CHECK(cgroup_systemd_unit_parse("system.slice:cella:", "abc", false, &u, &err) < 0);
}

int main(void)
{
	RUN(test_unit);
	RUN(test_form);
	RUN(test_map);
	RUN(test_bad);
	return unit_done();
}
