/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What both entry points read of a command line before anything else: the
 * launcher (src/launcher/launcher.c, which has no C library) to know whether
 * to start the runtime from its sealed binary at once, and the CLI (main.c)
 * to know whether it must see to that itself. Header-only, with no call
 * into the C library, for the launcher's sake.
 *
 * The launcher's reading only decides how fast the runtime starts: the
 * runtime checks for itself whether it runs from a binary nobody can write
 * (process_run_from_sealed_copy), and re-executes itself when it does not.
 */
#ifndef CELLA_CLI_ENTRY_H
#define CELLA_CLI_ENTRY_H

static inline int cella_entry_streq(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return *a == *b;
}

/* The global flags given their value as the next argument (`--root DIR`),
 * as main.c's run_cli reads them. */
static inline int cella_entry_flag_takes_value(const char *arg)
{
	return cella_entry_streq(arg, "--root") || cella_entry_streq(arg, "--log") ||
	       cella_entry_streq(arg, "--log-format") || cella_entry_streq(arg, "--cgroup-manager");
}

/* Whether the command's processes enter a container: those run from a
 * binary nobody can write (CVE-2019-5736). */
static inline int cella_entry_command_enters(const char *name)
{
	return cella_entry_streq(name, "create") || cella_entry_streq(name, "run") ||
	       cella_entry_streq(name, "exec") || cella_entry_streq(name, "probe");
}

/* The command word of argv, the first argument after the global flags and
 * their values; 0 when there is none. */
static inline const char *cella_entry_command(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (argv[i][0] != '-')
			return argv[i];
		if (cella_entry_flag_takes_value(argv[i]))
			i++;
	}
	return 0;
}

#endif
