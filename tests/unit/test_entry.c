/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cli/entry.h: the command word the launcher finds in a command line, as
 * main.c's run_cli finds it, and which commands enter a container. */
#include "unit.h"

#include "cli/entry.h"

#define COMMAND(...)                                                                               \
	({                                                                                         \
		const char *argv_[] = {"cella", __VA_ARGS__, NULL};                                \
		cella_entry_command((int)(sizeof(argv_) / sizeof(argv_[0])) - 1, (char **)argv_);  \
	})

static void test_command_after_global_flags(void)
{
	CHECK_STR(COMMAND("run", "--rootfs", "/r"), "run");
	CHECK_STR(COMMAND("--root", "/run/x", "create", "id"), "create");
	CHECK_STR(COMMAND("--root=/run/x", "exec", "id", "ls"), "exec");
	CHECK_STR(COMMAND("--debug", "--log", "run", "--log-format", "json", "state", "run"),
		  "state");
	CHECK_STR(COMMAND("--cgroup-manager", "systemd", "--systemd-cgroup", "probe"), "probe");
	CHECK_STR(COMMAND("--log-format=text", "--log=/l", "list"), "list");
	/* a value that names a command is not one */
	CHECK_STR(COMMAND("--root", "exec", "state", "x"), "state");
}

static void test_no_command(void)
{
	CHECK(COMMAND("--version") == NULL);
	CHECK(COMMAND("--root") == NULL);
	CHECK(COMMAND("--debug", "--root", "/x") == NULL);
}

static void test_commands_that_enter(void)
{
	const char *enter[] = {"create", "run", "exec", "probe"};
	const char *not_enter[] = {"start",  "state",	 "list", "kill",  "delete",
				   "ps",     "map",	 "spec", "pause", "update",
				   "events", "features", "run2", "ru",	  ""};

	for (size_t i = 0; i < sizeof(enter) / sizeof(enter[0]); i++)
		CHECK(cella_entry_command_enters(enter[i]));
	for (size_t i = 0; i < sizeof(not_enter) / sizeof(not_enter[0]); i++)
		CHECK(!cella_entry_command_enters(not_enter[i]));
}

int main(void)
{
	RUN(test_command_after_global_flags);
	RUN(test_no_command);
	RUN(test_commands_that_enter);
	return unit_done();
}
