/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel/hook.c: one hook run for real (/bin/sh), its stdin, exit statuses,
 * output quoting, timeout. */
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "kernel/hook.h"
#include "unit.h"

/* Literals where the spec types take char * (-Wwrite-strings). */
#define S(x) ((char *)(x))

static int run_sh(const char *script, int timeout, char *const *env, cella_error *err)
{
	char *args[] = {S("sh"), S("-c"), S(script), NULL};
	struct cella_hook h = {.path = S("/bin/sh"),
			       .args = args,
			       .env = (char **)env,
			       .has_timeout = timeout > 0,
			       .timeout = timeout};

	return hook_run(&h, "hooks.prestart[0]", "{\"id\":\"x\"}", NULL, err);
}

static void test_state_on_stdin(void)
{
	cella_error e;

	CHECK(run_sh("test \"$(cat)\" = '{\"id\":\"x\"}'", 0, NULL, &e) == 0);
}

static void test_exit_status_and_output(void)
{
	cella_error e;

	CHECK(run_sh("echo first; echo 'no\tway' >&2; exit 3", 0, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "hooks.prestart[0] `/bin/sh`: exited with status 3");
	CHECK_CONTAINS(e.msg, "(output: first no way)");
	CHECK(e.errnum == 0);
}

static void test_killed_by_signal(void)
{
	cella_error e;

	CHECK(run_sh("kill -TERM $$", 0, NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "killed by signal 15");
}

static void test_timeout_kills_the_group(void)
{
	struct timespec a, b;
	cella_error e;

	clock_gettime(CLOCK_MONOTONIC, &a);
	/* The background sleep holds the output pipe: the runner must not
	 * wait for it. */
	CHECK(run_sh("sleep 30 & sleep 30", 1, NULL, &e) < 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	CHECK_CONTAINS(e.msg, "timed out after 1 s (killed)");
	CHECK(b.tv_sec - a.tv_sec < 5);
}

static void test_env_and_args(void)
{
	char *env[] = {S("HOOK_A=1"), NULL};
	cella_error e;

	CHECK(run_sh("test \"$HOOK_A\" = 1 && test -z \"$HOME\"", 0, env, &e) == 0);
}

static void test_missing_executable(void)
{
	struct cella_hook h = {.path = S("/nonexistent/hook")};
	cella_error e;

	CHECK(hook_run(&h, "hooks.poststop[2]", "{}", NULL, &e) < 0);
	CHECK_CONTAINS(e.msg, "hooks.poststop[2] `/nonexistent/hook`: exited with status 127");
	CHECK_CONTAINS(e.msg, "cannot execute: No such file or directory");
}

static void test_large_state(void)
{
	size_t n = 200000;
	char *state = malloc(n + 1);
	char *args[] = {S("sh"), S("-c"), S("test $(wc -c) = 200000"), NULL};
	struct cella_hook h = {.path = S("/bin/sh"), .args = args};
	cella_error e;

	memset(state, 'a', n);
	state[n] = '\0';
	CHECK(hook_run(&h, "hooks.poststart[0]", state, NULL, &e) == 0);
	free(state);
}

int main(void)
{
	RUN(test_state_on_stdin);
	RUN(test_exit_status_and_output);
	RUN(test_killed_by_signal);
	RUN(test_timeout_kills_the_group);
	RUN(test_env_and_args);
	RUN(test_missing_executable);
	RUN(test_large_state);
	return unit_done();
}
