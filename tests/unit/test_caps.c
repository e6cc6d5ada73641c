/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel/caps: /proc status parsing, cap_last_cap, and caps_apply in a forked
 * child (when run as root). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/caps.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#define BIT(n) ((uint64_t)1 << (n))

static const char status_text[] = "Name:\tcat\n"
				  "Umask:\t0022\n"
				  "State:\tR (running)\n"
				  "Uid:\t0\t0\t0\t0\n"
				  "CapInh:\t0000000000000000\n"
				  "CapPrm:\t000001ffffffffff\n"
				  "CapEff:\t000001ffffffffff\n"
				  "CapBnd:\t000001fffeffffff\n"
				  "CapAmb:\t0000000000000020\n"
				  "NoNewPrivs:\t0\n"
				  "Seccomp:\t0\n";

static void test_parse_status(void)
{
	struct cella_caps c = {0};
	cella_error err = {0};

	CHECK(caps_parse_status(status_text, &c, &err) == 0);
	CHECK(c.inheritable == 0);
	CHECK(c.permitted == 0x1ffffffffffULL);
	CHECK(c.effective == 0x1ffffffffffULL);
	CHECK(c.bounding == 0x1fffeffffffULL);
	CHECK(c.ambient == BIT(5));
}

static void test_parse_status_no_trailing_newline(void)
{
	const char text[] = "CapInh:\t0\nCapPrm:\tFF\nCapEff:\tff  \nCapBnd:\tffffffffffffffff\n"
			    "CapAmb:\t0000000000000001";
	struct cella_caps c = {0};
	cella_error err = {0};

	CHECK(caps_parse_status(text, &c, &err) == 0);
	CHECK(c.permitted == 0xff);
	CHECK(c.effective == 0xff);
	CHECK(c.bounding == UINT64_MAX);
	CHECK(c.ambient == 1);
}

static void test_parse_status_missing_line(void)
{
	/* A kernel before 4.3 has no CapAmb line. */
	const char text[] = "CapInh:\t0\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\n";
	struct cella_caps c = {.bounding = 42};
	cella_error err = {0};

	CHECK(caps_parse_status(text, &c, &err) < 0);
	CHECK_CONTAINS(err.msg, "no CapAmb line");
	CHECK(c.bounding == 42); /* untouched on failure */
	CHECK(caps_parse_status("", &c, &err) < 0);
	CHECK_CONTAINS(err.msg, "no CapInh line");
}

static void test_parse_status_bad_values(void)
{
	struct cella_caps c = {0};
	cella_error err = {0};

	CHECK(caps_parse_status("CapInh:\tzz\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n", &c,
				&err) < 0);
	CHECK_CONTAINS(err.msg, "bad line `CapInh:\tzz`");
	CHECK(caps_parse_status("CapInh:\t0\nCapPrm:\t12x4\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n",
				&c, &err) < 0);
	CHECK_CONTAINS(err.msg, "CapPrm");
	CHECK(caps_parse_status("CapInh:\t0\nCapPrm:\t\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n", &c,
				&err) < 0);
	/* More than 64 bits. */
	CHECK(caps_parse_status(
		  "CapInh:\t10000000000000000\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n",
		  &c, &err) < 0);
	/* Leading zeros beyond 16 digits are fine. */
	CHECK(caps_parse_status(
		  "CapInh:\t00000000000000000001\nCapPrm:\t0\nCapEff:\t0\nCapBnd:\t0\nCapAmb:\t0\n",
		  &c, &err) == 0);
	CHECK(c.inheritable == 1);
}

static void test_last_cap(void)
{
	cleanup_free char *text = NULL;
	long long want = -1;

	CHECK(read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &text, NULL) > 0);
	if (text != NULL) {
		text[strcspn(text, "\n")] = '\0';
		CHECK(parse_i64(text, 0, 63, &want));
	}
	CHECK(caps_last_cap() == (int)want);
	CHECK(caps_last_cap() == (int)want); /* cached */
	CHECK(caps_last_cap() >= CAP_AUDIT_READ);
}

static void test_read_status(void)
{
	struct cella_caps a = {0}, b = {0};
	cella_error err = {0};

	CHECK(caps_read_status(0, &a, &err) == 0);
	CHECK(caps_read_status(getpid(), &b, &err) == 0);
	CHECK(a.bounding == b.bounding && a.permitted == b.permitted);
	CHECK(a.bounding != 0);
	CHECK(caps_read_status(999999999, &b, &err) < 0);
	CHECK_CONTAINS(err.msg, "/proc/999999999/status");
}

static void test_effective_not_permitted(void)
{
	/* Refused before anything is applied, so safe in this process. */
	struct cella_caps want = {
	    .bounding = BIT(CAP_CHOWN) | BIT(CAP_KILL),
	    .permitted = BIT(CAP_CHOWN),
	    .effective = BIT(CAP_CHOWN) | BIT(CAP_KILL),
	};
	cella_error err = {0};

	CHECK(caps_apply(&want, &err) < 0);
	CHECK_CONTAINS(err.msg, "process.capabilities.effective");
	CHECK_CONTAINS(err.msg, "CAP_KILL");
}

static char warnings[2048];

static void collect(enum cella_log_level level, const char *msg, void *data)
{
	size_t used = strlen(warnings);

	(void)data;
	if (level == CELLA_LOG_WARNING || level == CELLA_LOG_DEBUG)
		snprintf(warnings + used, sizeof(warnings) - used, "%s\n", msg);
}

struct apply_result {
	int ret;
	cella_error err;
	struct cella_caps got;
	char warnings[2048];
};

/* caps_apply in a child; its outcome comes back through a pipe. */
static struct apply_result apply_in_child(const struct cella_caps *want)
{
	struct apply_result res = {.ret = -999};
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return res;
	pid = fork();
	if (pid == 0) {
		struct apply_result r = {0};
		close(p[0]);
		warnings[0] = '\0';
		cella_log_set_handler(collect, NULL);
		r.ret = caps_apply(want, &r.err);
		if (r.ret == 0)
			caps_read_status(0, &r.got, &r.err);
		memcpy(r.warnings, warnings, sizeof(r.warnings));
		if (write_all(p[1], &r, sizeof(r)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read_all(p[0], &res, sizeof(res)) != (ssize_t)sizeof(res))
		res.ret = -999;
	close(p[0]);
	waitpid(pid, NULL, 0);
	return res;
}

static bool can_apply(void)
{
	struct cella_caps self = {0};

	return caps_read_status(0, &self, NULL) == 0 && (self.effective & BIT(CAP_SETPCAP));
}

static void test_apply_chown_kill(void)
{
	uint64_t two = BIT(CAP_CHOWN) | BIT(CAP_KILL);
	struct cella_caps want = {two, two, two, two, two};
	struct apply_result r;

	if (!can_apply())
		return;
	r = apply_in_child(&want);
	CHECK(r.ret == 0);
	if (r.ret != 0)
		fprintf(stderr, "caps_apply: %s\n", r.err.msg);
	CHECK(r.got.bounding == two);
	CHECK(r.got.permitted == two);
	CHECK(r.got.effective == two);
	CHECK(r.got.inheritable == two);
	CHECK(r.got.ambient == two);
	CHECK_STR(r.warnings, "");
}

static void test_apply_warnings(void)
{
	uint64_t two = BIT(CAP_CHOWN) | BIT(CAP_KILL);
	/* CAP_KILL asked ambient without being inheritable; bit 63 is above
	 * any kernel's last cap. */
	struct cella_caps want = {
	    .bounding = two | BIT(63),
	    .effective = two,
	    .inheritable = BIT(CAP_CHOWN),
	    .permitted = two,
	    .ambient = two,
	};
	struct apply_result r;

	if (!can_apply())
		return;
	r = apply_in_child(&want);
	CHECK(r.ret == 0);
	CHECK(r.got.bounding == two);
	CHECK(r.got.ambient == BIT(CAP_CHOWN));
	CHECK_CONTAINS(r.warnings, "process.capabilities.ambient: skipping CAP_KILL");
	CHECK_CONTAINS(r.warnings, "process.capabilities: skipping 63: unknown to the running "
				   "kernel");
}

static void test_apply_permitted_refused(void)
{
	/* Drop CAP_SYS_ADMIN from the bounding set and permitted, then ask
	 * for it back: capset must refuse and name it. */
	uint64_t two = BIT(CAP_CHOWN) | BIT(CAP_SETPCAP);
	struct cella_caps first = {two, two, 0, two, 0};
	struct cella_caps again = {two, two | BIT(CAP_SYS_ADMIN), 0, two | BIT(CAP_SYS_ADMIN), 0};
	int p[2];
	pid_t pid;
	struct apply_result r = {.ret = -999};

	if (!can_apply() || pipe2(p, O_CLOEXEC) < 0)
		return;
	pid = fork();
	if (pid == 0) {
		struct apply_result c = {0};
		close(p[0]);
		c.ret = caps_apply(&first, &c.err);
		if (c.ret == 0)
			c.ret = caps_apply(&again, &c.err);
		if (write_all(p[1], &c, sizeof(c)) < 0)
			_exit(1);
		_exit(0);
	}
	close(p[1]);
	if (read_all(p[0], &r, sizeof(r)) != (ssize_t)sizeof(r))
		r.ret = -999;
	close(p[0]);
	waitpid(pid, NULL, 0);
	CHECK(r.ret == -EPERM);
	CHECK_CONTAINS(r.err.msg, "process.capabilities.permitted");
	CHECK_CONTAINS(r.err.msg, "CAP_SYS_ADMIN");
}

static void test_keep_on_setuid(void)
{
	cella_error err = {0};
	int before = prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0);

	CHECK(caps_keep_on_setuid(1, &err) == 0);
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 1);
	CHECK(caps_keep_on_setuid(0, &err) == 0);
	CHECK(prctl(PR_GET_KEEPCAPS, 0, 0, 0, 0) == 0);
	caps_keep_on_setuid(before, NULL);
}

int main(void)
{
	RUN(test_parse_status);
	RUN(test_parse_status_no_trailing_newline);
	RUN(test_parse_status_missing_line);
	RUN(test_parse_status_bad_values);
	RUN(test_last_cap);
	RUN(test_read_status);
	RUN(test_effective_not_permitted);
	RUN(test_apply_chown_kill);
	RUN(test_apply_warnings);
	RUN(test_apply_permitted_refused);
	RUN(test_keep_on_setuid);
	return unit_done();
}
