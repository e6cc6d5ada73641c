/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.seccomp parsing, errors with JSON paths, the default profile, and
 * compiling with libseccomp (no filter is loaded here). */
#include <errno.h>
#include <linux/audit.h>
#include <linux/seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/seccomp.h"
#include "inspect/seccomp_inspect.h"
#include "spec/spec.h"
#include "spec/spec_seccomp.h"
#include "unit.h"

static struct cella_seccomp *parse_ok(const char *text)
{
	struct cella_seccomp *s = NULL;
	cella_error err;

	cella_err_clear(&err);
	if (cella_spec_seccomp_parse(text, strlen(text), "p.json", &s, &err) < 0) {
		fprintf(stderr, "unexpected error: %s\n", err.msg);
		return NULL;
	}
	return s;
}

static void check_error(const char *text, const char *needle)
{
	struct cella_seccomp *s = NULL;
	cella_error err;

	cella_err_clear(&err);
	CHECK(cella_spec_seccomp_parse(text, strlen(text), "p.json", &s, &err) < 0);
	CHECK(s == NULL);
	CHECK_CONTAINS(err.msg, needle);
	CHECK(strchr(err.msg, '\n') == NULL);
}

static void test_parse_full(void)
{
	struct cella_seccomp *s = parse_ok(
	    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38,"
	    " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AARCH64\"],"
	    " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\"],"
	    " \"syscalls\": [{\"names\": [\"read\", \"write\"], \"action\": \"SCMP_ACT_ALLOW\"},"
	    " {\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5,"
	    "  \"args\": [{\"index\": 0, \"value\": 255, \"valueTwo\": 8, \"op\": "
	    "\"SCMP_CMP_MASKED_EQ\"}]},"
	    " {\"names\": [\"no_such_syscall_xyz\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}]}");

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(s->default_action == CELLA_SCMP_ERRNO);
	CHECK(s->has_default_errno_ret && s->default_errno_ret == 38);
	CHECK(s->n_archs == 2);
	CHECK(s->flags == (CELLA_SCMP_FLAG_LOG | CELLA_SCMP_FLAG_SPEC_ALLOW));
	CHECK(s->n_syscalls == 3);
	CHECK_STR(s->syscalls[0].names[1], "write");
	CHECK(s->syscalls[0].names[2] == NULL);
	CHECK(s->syscalls[1].has_errno_ret && s->syscalls[1].errno_ret == 5);
	CHECK(s->syscalls[1].n_args == 1);
	CHECK(s->syscalls[1].args[0].op == CELLA_SCMP_CMP_MASKED_EQ);
	CHECK(s->syscalls[1].args[0].value == 255 && s->syscalls[1].args[0].value_two == 8);
	CHECK(s->syscalls[2].action == CELLA_SCMP_KILL_PROCESS);
	cella_seccomp_free(s);
}

static void test_parse_errors(void)
{
	check_error("{\"syscalls\": []}", "p.json:1:1: defaultAction: required field is missing");
	check_error("{\"defaultAction\": \"SCMP_ACT_NOPE\"}",
		    "p.json:1:19: defaultAction: unknown action `SCMP_ACT_NOPE`");
	check_error(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"architectures\": [\"SCMP_ARCH_VAX\"]}",
	    "p.json:2:20: architectures[0]: unknown architecture `SCMP_ARCH_VAX`");
	check_error(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_X\"]}",
	    "flags[0]: unknown or unsupported flag");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
		    " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 0, \"value\": 1,"
		    " \"op\": \"SCMP_CMP_LIKE\"}]}]}",
		    "syscalls[0].args[0].op: unknown operator `SCMP_CMP_LIKE`");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
		    " \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 6, \"value\": 1,"
		    " \"op\": \"SCMP_CMP_EQ\"}]}]}",
		    "syscalls[0].args[0].index: 6 is out of range");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [],"
		    " \"action\": \"SCMP_ACT_ERRNO\"}]}",
		    "syscalls[0].names: must not be empty");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultErrnoRet\": 1}",
		    "defaultErrnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"],"
		    " \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": -1}]}",
		    "syscalls[0].errnoRet: -1 is out of range");
	/* SCMP_ACT_NOTIFY and its listener */
	check_error("{\"defaultAction\": \"SCMP_ACT_NOTIFY\", \"listenerPath\": \"/run/a.sock\"}",
		    "p.json:1:19: defaultAction: SCMP_ACT_NOTIFY cannot be the default action");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\",\n \"syscalls\": [{\"names\": "
		    "[\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}",
		    "p.json:1:1: listenerPath: required with SCMP_ACT_NOTIFY (syscalls[0])");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerMetadata\": \"x\"}",
		    "p.json:1:57: listenerMetadata: must not be set without listenerPath");
	check_error("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"rel.sock\"}",
		    "listenerPath: ");
	check_error(
	    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/a\", \"syscalls\":"
	    " [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\", \"errnoRet\": 1}]}",
	    "syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO or SCMP_ACT_TRACE");
}

static void test_config_json_positions(void)
{
	const char *text =
	    "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},\n"
	    " \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_ALLOW\",\n"
	    "   \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_BOGUS\"}]}}}";
	const char *good = "{\"ociVersion\": \"1.2.0\", \"root\": {\"path\": \"rootfs\"},"
			   " \"linux\": {\"seccomp\": {\"defaultAction\": \"SCMP_ACT_KILL\"}}}";
	struct cella_spec *spec = NULL;
	cella_error err;

	cella_err_clear(&err);
	CHECK(cella_spec_parse(text, strlen(text), "config.json", &spec, &err) < 0);
	CHECK_CONTAINS(err.msg, "config.json:3:47: linux.seccomp.syscalls[0].action: unknown "
				"action `SCMP_ACT_BOGUS`");
	CHECK(cella_spec_parse(good, strlen(good), "config.json", &spec, &err) == 0);
	CHECK(spec != NULL && spec->linux_.seccomp != NULL);
	CHECK(spec && spec->linux_.seccomp->default_action == CELLA_SCMP_KILL_THREAD);
	CHECK(spec && spec->linux_.seccomp_json != NULL);
	cella_spec_free(spec);
}

static void test_json_round_trip(void)
{
	struct cella_seccomp *a = cella_seccomp_default_profile(0), *b;
	char *j1 = cella_spec_seccomp_to_json(a), *j2;

	b = parse_ok(j1);
	CHECK(b != NULL);
	if (b == NULL)
		goto out;
	j2 = cella_spec_seccomp_to_json(b);
	CHECK_STR(j1, j2);
	free(j2);
	cella_seccomp_free(b);
out:
	free(j1);
	cella_seccomp_free(a);
}

static bool rule_has(const struct cella_seccomp *s, const char *name, enum cella_seccomp_action act)
{
	for (size_t i = 0; i < s->n_syscalls; i++)
		for (char **n = s->syscalls[i].names; *n; n++)
			if (strcmp(*n, name) == 0 && s->syscalls[i].action == act)
				return true;
	return false;
}

static void test_default_profile(void)
{
	struct cella_seccomp *s = cella_seccomp_default_profile(0);
	struct cella_seccomp *admin = cella_seccomp_default_profile(UINT64_C(1) << 21);

	CHECK(s->default_action == CELLA_SCMP_ERRNO && s->default_errno_ret == ENOSYS);
	CHECK(rule_has(s, "read", CELLA_SCMP_ALLOW));
	CHECK(rule_has(s, "unshare", CELLA_SCMP_ERRNO));
	CHECK(rule_has(s, "mount", CELLA_SCMP_ERRNO));
	CHECK(rule_has(s, "keyctl", CELLA_SCMP_ERRNO));
	CHECK(rule_has(s, "bpf", CELLA_SCMP_ERRNO));
	CHECK(rule_has(s, "ptrace", CELLA_SCMP_ERRNO));
	CHECK(rule_has(admin, "mount", CELLA_SCMP_ALLOW));
	CHECK(rule_has(admin, "keyctl", CELLA_SCMP_ERRNO));
	cella_seccomp_free(s);
	cella_seccomp_free(admin);
}

static void test_build(void)
{
	struct cella_seccomp *s = cella_seccomp_default_profile(0);
	struct cella_seccomp_prog prog;
	struct timespec t0, t1;
	cella_error err;

	cella_err_clear(&err);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK(cella_seccomp_build(s, &prog, &err) == 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	CHECK(prog.len > 10);
	printf("default profile: %zu BPF instructions, built in %.2f ms\n", prog.len,
	       (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
	cella_seccomp_prog_clear(&prog);
	cella_seccomp_free(s);

	/* A listener for SCMP_ACT_NOTIFY: the program hands one out when
	 * loaded, and cella_seccomp_load (which would lose it) refuses it. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/l.sock\","
		     " \"syscalls\": [{\"names\": [\"mkdir\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(cella_seccomp_build(s, &prog, &err) == 0);
		CHECK(cella_seccomp_prog_has_listener(&prog));
		CHECK(cella_seccomp_load(&prog, &err) < 0);
		CHECK_CONTAINS(err.msg, "listener");
		cella_seccomp_prog_clear(&prog);
		cella_seccomp_free(s);
	}
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": "
		     "[\"getppid\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(cella_seccomp_build(s, &prog, &err) == 0);
		CHECK(!cella_seccomp_prog_has_listener(&prog));
		cella_seccomp_prog_clear(&prog);
		cella_seccomp_free(s);
	}
	/* The listener goes to the runtime with sendmsg: never notified. */
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"listenerPath\": \"/run/l.sock\","
		     " \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"},"
		     " {\"names\": [\"mkdir\", \"sendmsg\"], \"action\": \"SCMP_ACT_NOTIFY\"}]}");
	CHECK(s != NULL);
	if (s != NULL) {
		CHECK(cella_seccomp_build(s, &prog, &err) < 0);
		CHECK_CONTAINS(err.msg,
			       "linux.seccomp.syscalls[1].names[1]: SCMP_ACT_NOTIFY cannot "
			       "be used for sendmsg");
		cella_seccomp_free(s);
	}
}

#if defined(__x86_64__)
/* One outcome of the compiled program for (arch, nr). */
static uint32_t outcome(const struct cella_seccomp_prog *prog, uint32_t arch, uint32_t nr)
{
	struct seccomp_inspect_filter one = {.insns = prog->insns, .len = prog->len, .log = 0};
	struct seccomp_inspect_filters f = {
	    .mode = SECCOMP_MODE_FILTER, .status_filters = -1, .filters = &one, .n_filters = 1};
	struct seccomp_inspect_result r;
	cella_error err;
	uint32_t ret = 0xffffffffu;

	cella_err_clear(&err);
	if (seccomp_inspect_eval(&f, arch, nr, &r, &err) < 0) {
		fprintf(stderr, "eval %u: %s\n", nr, err.msg);
		return ret;
	}
	if (r.n_rets == 1 && !r.any)
		ret = r.rets[0];
	seccomp_inspect_result_clear(&r);
	return ret;
}

/* runc's -ENOSYS stub: syscalls above the highest one named, per
 * architecture (x32 by bit 30 of x86_64's numbers), get ENOSYS; none when
 * the default action lets them through or is ENOSYS already. */
static void test_enosys_stub(void)
{
	const uint32_t enosys = SECCOMP_RET_ERRNO | ENOSYS, eperm = SECCOMP_RET_ERRNO | EPERM;
	const uint32_t x32 = 0x40000000u;
	struct cella_seccomp_prog prog;
	struct cella_seccomp *s;
	cella_error err;

	cella_err_clear(&err);
	s = parse_ok("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"architectures\": "
		     "[\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
		     " \"syscalls\": [{\"names\": [\"read\", \"write\", \"getdents64\"],"
		     " \"action\": \"SCMP_ACT_ALLOW\"}]}");
	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(cella_seccomp_build(s, &prog, &err) == 0);
	CHECK(seccomp_inspect_validate(prog.insns, prog.len, &err) == 0);
	/* x86_64: getdents64 is 217. */
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 1) == SECCOMP_RET_ALLOW);
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 100) == eperm);
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 217) == SECCOMP_RET_ALLOW);
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 218) == enosys);
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 435) == enosys);
	/* x32: the same numbers with bit 30. */
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, x32 | 100) == eperm);
	CHECK(outcome(&prog, AUDIT_ARCH_X86_64, x32 | 435) == enosys);
	/* i386: getdents64 is 220, write 4. */
	CHECK(outcome(&prog, AUDIT_ARCH_I386, 4) == SECCOMP_RET_ALLOW);
	CHECK(outcome(&prog, AUDIT_ARCH_I386, 219) == eperm);
	CHECK(outcome(&prog, AUDIT_ARCH_I386, 221) == enosys);
	cella_seccomp_prog_clear(&prog);
	cella_seccomp_free(s);

	/* No stub: an allowing default, an ENOSYS default, no architectures. */
	{
		static const char *const profiles[] = {
		    "{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": "
		    "[\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": [\"read\"], \"action\": "
		    "\"SCMP_ACT_ERRNO\"}]}",
		    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38, "
		    "\"architectures\": [\"SCMP_ARCH_X86_64\"], \"syscalls\": [{\"names\": "
		    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		    "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": "
		    "[\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}]}",
		};
		const uint32_t want[] = {SECCOMP_RET_ALLOW, enosys, eperm};

		for (size_t i = 0; i < 3; i++) {
			struct sock_filter *stub = NULL;
			size_t len = 7;

			s = parse_ok(profiles[i]);
			CHECK(s != NULL);
			if (s == NULL)
				continue;
			CHECK(cella_seccomp_enosys_stub(s, &stub, &len) == 0);
			CHECK(stub == NULL && len == 0);
			CHECK(cella_seccomp_build(s, &prog, &err) == 0);
			CHECK(outcome(&prog, AUDIT_ARCH_X86_64, 435) == want[i]);
			cella_seccomp_prog_clear(&prog);
			cella_seccomp_free(s);
		}
	}
}
#endif

int main(void)
{
	RUN(test_parse_full);
	RUN(test_parse_errors);
	RUN(test_config_json_positions);
	RUN(test_json_round_trip);
	RUN(test_default_profile);
	RUN(test_build);
#if defined(__x86_64__)
	RUN(test_enosys_stub);
#endif
	return unit_done();
}
