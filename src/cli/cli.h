/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: a command table (main.c) and one file per command.
 * Commands parse flags, call the engine, print results; they make no system
 * calls of their own. Errors are reported once, here, by cli_report().
 */
#ifndef CELLA_CLI_H
#define CELLA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "util/error.h"

struct cella_cli {
	char *root;	      /* --root, or the default */
	const char *log_path; /* --log */
	bool log_json;	      /* --log-format json */
	bool debug;	      /* --debug */
	bool systemd_cgroup;  /* --systemd-cgroup (accepted, see README) */
	FILE *log;	      /* opened --log, or NULL */
};

struct cella_command {
	const char *name;
	int (*run)(struct cella_cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;
};

/* Report an error once (stderr, and the log file when --log), and return the
 * exit status to use. */
int cli_report(struct cella_cli *cli, const cella_error *err);
/* Same, for a usage error built from a format. Returns 1. */
int cli_usage_error(struct cella_cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a command's usage (for --help). */
void cli_print_usage(const struct cella_command *cmd, FILE *out);
const struct cella_command *cli_find_command(const char *name);

int cmd_create(struct cella_cli *cli, int argc, char **argv);
int cmd_delete(struct cella_cli *cli, int argc, char **argv);
int cmd_exec(struct cella_cli *cli, int argc, char **argv);
int cmd_features(struct cella_cli *cli, int argc, char **argv);
int cmd_kill(struct cella_cli *cli, int argc, char **argv);
int cmd_list(struct cella_cli *cli, int argc, char **argv);
int cmd_run(struct cella_cli *cli, int argc, char **argv);
int cmd_spec(struct cella_cli *cli, int argc, char **argv);
int cmd_start(struct cella_cli *cli, int argc, char **argv);
int cmd_state(struct cella_cli *cli, int argc, char **argv);

#endif
