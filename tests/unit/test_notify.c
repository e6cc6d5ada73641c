/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: NOTIFY_SOCKET addresses and how a container's message is
 * rewritten for the caller. */
#include <stdlib.h>
#include <string.h>

#include "kernel/notify.h"
#include "unit.h"

static char *rewrite(const char *msg, bool *ready)
{
	return notify_rewrite(msg, strlen(msg), 4242, ready);
}

static void test_ready_gets_the_host_pid(void)
{
	bool ready;
	char *out = rewrite("READY=1\nSTATUS=up\nMAINPID=1", &ready);

	CHECK(ready);
	CHECK_STR(out, "READY=1\nSTATUS=up\nMAINPID=4242\n");
	free(out);
}

static void test_other_messages_pass_as_they_are(void)
{
	bool ready;
	char *out = rewrite("STATUS=starting\nWATCHDOG=1\n", &ready);

	CHECK(!ready);
	CHECK_STR(out, "STATUS=starting\nWATCHDOG=1\n");
	free(out);
	/* READY=10 is not READY=1. */
	out = rewrite("READY=10", &ready);
	CHECK(!ready);
	free(out);
}

static void test_nothing_left(void)
{
	bool ready;

	CHECK(rewrite("MAINPID=7\nBARRIER=1\n", &ready) == NULL);
	CHECK(rewrite("", &ready) == NULL);
	CHECK(!ready);
}

static void test_address(void)
{
	cella_error err;
	char longp[200];

	CHECK(notify_check_address("/run/systemd/notify", &err) == 0);
	CHECK(notify_check_address("@abstract", &err) == 0);
	CHECK(notify_check_address("relative/sock", &err) < 0);
	CHECK(strstr(err.msg, "NOTIFY_SOCKET") != NULL);
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	CHECK(notify_check_address(longp, &err) < 0);
}

int main(void)
{
	RUN(test_ready_gets_the_host_pid);
	RUN(test_other_messages_pass_as_they_are);
	RUN(test_nothing_left);
	RUN(test_address);
	return unit_done();
}
