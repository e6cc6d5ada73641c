/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the SELinux mount label in mount data; what lsm_check refuses
 * whatever the host. */
#include <stdlib.h>

#include "kernel/lsm.h"
#include "unit.h"

static void check_data(const char *data, const char *label, const char *want)
{
	char *got = lsm_mount_data(data, label);

	if (want == NULL)
		CHECK(got == NULL);
	else
		CHECK_STR(got, want);
	free(got);
}

static void test_mount_data(void)
{
	check_data(NULL, NULL, NULL);
	check_data("", "", NULL);
	check_data("mode=755", NULL, "mode=755");
	check_data("mode=755", "", "mode=755");
	check_data(NULL, "system_u:object_r:container_file_t:s0",
		   "context=\"system_u:object_r:container_file_t:s0\"");
	check_data("mode=755,size=64k", "system_u:object_r:container_file_t:s0:c1,c2",
		   "mode=755,size=64k,context=\"system_u:object_r:container_file_t:s0:c1,c2\"");
	/* A context the mount already has is the caller's. */
	check_data("context=\"a:b:c:s0\",mode=755", "x:y:z:s0", "context=\"a:b:c:s0\",mode=755");
}

static void test_check_refuses_bad_values(void)
{
	cella_error err;

	/* Refused on any host: they cannot be one attribute write. */
	CHECK(lsm_check(&(struct cella_lsm_conf){.apparmor_profile = "a\nb"}, &err) < 0);
	CHECK_CONTAINS(err.msg, "process.apparmorProfile");
	CHECK(lsm_check(&(struct cella_lsm_conf){.selinux_label = "a\nb"}, &err) < 0);
	CHECK_CONTAINS(err.msg, "process.selinuxLabel");
	CHECK(lsm_check(&(struct cella_lsm_conf){.mount_label = "a\"b"}, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.mountLabel");
}

static void test_check_empty_is_nothing(void)
{
	cella_error err;

	CHECK(lsm_check(&(struct cella_lsm_conf){0}, &err) == 0);
	CHECK(lsm_check(&(struct cella_lsm_conf){.apparmor_profile = "",
						 .selinux_label = "",
						 .mount_label = ""},
			&err) == 0);
	CHECK(lsm_apply_exec(&(struct cella_lsm_conf){.apparmor_profile = ""}, &err) == 0);
}

static void test_check_follows_the_host(void)
{
	cella_error err;
	int r = lsm_check(&(struct cella_lsm_conf){.apparmor_profile = "cella-unit"}, &err);

	CHECK((r == 0) == lsm_apparmor_enabled());
	if (r < 0)
		CHECK_CONTAINS(err.msg, "process.apparmorProfile `cella-unit`");
	r = lsm_check(&(struct cella_lsm_conf){.mount_label = "a:b:c:s0"}, &err);
	CHECK((r == 0) == lsm_selinux_enabled());
	if (r < 0)
		CHECK_CONTAINS(err.msg, "linux.mountLabel");
}

int main(void)
{
	RUN(test_mount_data);
	RUN(test_check_refuses_bad_values);
	RUN(test_check_empty_is_nothing);
	RUN(test_check_follows_the_host);
	return unit_done();
}
