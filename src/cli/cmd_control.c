/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pause, resume, ps: a container's processes through its cgroup. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/util.h"

/* Flags of pause/resume (--help only) and ps (--format); the one id. */
static int parse(struct cella_cli *cli, int argc, char **argv, const char **format, const char **id)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'}, {"format", required_argument, NULL, 'f'}, {0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, format != NULL ? "hf:" : "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 1;
		}
		if (c == 'f' && format != NULL) {
			*format = optarg;
			continue;
		}
		return -cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
					argv[optind - 1]);
	}
	if (format != NULL && strcmp(*format, "table") != 0 && strcmp(*format, "json") != 0)
		return -cli_usage_error(cli, argv[0], "--format: `%s` is not table or json",
					*format);
	if (argc - optind != 1)
		return -cli_usage_error(cli, argv[0], "expects exactly one container id");
	*id = argv[optind];
	return 0;
}

int cmd_pause(struct cella_cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	cella_error err;
	int r = parse(cli, argc, argv, NULL, &id);

	if (r != 0)
		return r > 0 ? 0 : -r;
	if (cella_pause(cli->root, id, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

int cmd_resume(struct cella_cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	cella_error err;
	int r = parse(cli, argc, argv, NULL, &id);

	if (r != 0)
		return r > 0 ? 0 : -r;
	if (cella_resume(cli->root, id, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

int cmd_ps(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'}, {"format", required_argument, NULL, 'f'}, {0}};
	const char *format = "table";
	const char *id;
	pid_t *pids = NULL;
	size_t n = 0;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	/* "+": after the id come ps's own options (runc). */
	while ((c = getopt_long(argc, argv, "+hf:", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		}
		if (c == 'f') {
			format = optarg;
			continue;
		}
		return cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
				       argv[optind - 1]);
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error(cli, argv[0], "--format: `%s` is not table or json", format);
	if (argc - optind < 1)
		return cli_usage_error(cli, argv[0], "expects a container id");
	id = argv[optind];
	if (strcmp(format, "table") == 0) {
		char *table = NULL;
		char **ps_args = argv + optind + 1;

		if (ps_args[0] != NULL && strcmp(ps_args[0], "--") == 0)
			ps_args++;
		if (cella_ps_table(cli->root, id, ps_args, &table, &err) < 0)
			return cli_report(cli, &err);
		fputs(table, stdout);
		free(table);
		return 0;
	}
	if (argc - optind > 1)
		return cli_usage_error(cli, argv[0], "--format json takes no ps options");
	if (cella_ps(cli->root, id, &pids, &n, &err) < 0)
		return cli_report(cli, &err);
	{
		json_t *arr = json_array();
		char *text;

		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, json_integer(pids[i]));
		text = json_dumps(arr, JSON_COMPACT);
		printf("%s\n", text);
		free(text);
		json_decref(arr);
	}
	free(pids);
	return 0;
}
