/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The small OCI commands: start, state, kill, delete, list. */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/util.h"

/* Parse only --help; return the single positional argument (the id). */
static int one_id(struct cella_cli *cli, int argc, char **argv, const char **id)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 1;
		}
		return -cli_usage_error(cli, argv[0], "unknown flag `%s`", argv[optind - 1]);
	}
	if (argc - optind != 1)
		return -cli_usage_error(cli, argv[0], "expects exactly one container id");
	*id = argv[optind];
	return 0;
}

int cmd_start(struct cella_cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	cella_error err;
	int r = one_id(cli, argc, argv, &id);

	if (r != 0)
		return r > 0 ? 0 : -r;
	if (cella_start(cli->root, id, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

int cmd_state(struct cella_cli *cli, int argc, char **argv)
{
	const char *id = NULL;
	struct cella_state st;
	cella_error err;
	char *json;
	int r = one_id(cli, argc, argv, &id);

	if (r != 0)
		return r > 0 ? 0 : -r;
	if (cella_state_read(cli->root, id, &st, &err) < 0)
		return cli_report(cli, &err);
	json = cella_state_to_json(&st);
	printf("%s\n", json);
	free(json);
	cella_state_clear(&st);
	return 0;
}

int cmd_kill(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'}, {"all", no_argument, NULL, 'a'}, {0}};
	bool all = false;
	cella_error err;
	int c, sig = SIGTERM;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "ha", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'a':
			all = true;
			break;
		default:
			return cli_usage_error(cli, argv[0], "unknown flag `%s`", argv[optind - 1]);
		}
	}
	if (argc - optind < 1 || argc - optind > 2)
		return cli_usage_error(cli, argv[0], "expects a container id and a signal");
	if (argc - optind == 2) {
		/* 0: only check that the container can be signalled (runc). */
		sig = strcmp(argv[optind + 1], "0") == 0 ? 0
							 : cella_signal_from_name(argv[optind + 1]);
		if (sig < 0)
			return cli_usage_error(cli, argv[0], "unknown signal `%s`",
					       argv[optind + 1]);
	}
	if (cella_kill(cli->root, argv[optind], sig, all, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

int cmd_delete(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'}, {"force", no_argument, NULL, 'f'}, {0}};
	bool force = false;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'f':
			force = true;
			break;
		default:
			return cli_usage_error(cli, argv[0], "unknown flag `%s`", argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, argv[0], "expects exactly one container id");
	if (cella_delete(cli->root, argv[optind], force, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}

int cmd_list(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"format", required_argument, NULL, 'f'},
					     {"quiet", no_argument, NULL, 'q'},
					     {0}};
	const char *format = "table";
	struct cella_state *list = NULL;
	bool quiet = false;
	cella_error err;
	size_t n = 0;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hf:q", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'f':
			format = optarg;
			break;
		case 'q':
			quiet = true;
			break;
		default:
			return cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (strcmp(format, "table") != 0 && strcmp(format, "json") != 0)
		return cli_usage_error(cli, argv[0], "--format: `%s` is not table or json", format);
	if (argc != optind)
		return cli_usage_error(cli, argv[0], "takes no arguments");
	if (cella_list(cli->root, &list, &n, &err) < 0)
		return cli_report(cli, &err);
	if (quiet) {
		for (size_t i = 0; i < n; i++)
			printf("%s\n", list[i].id);
	} else if (strcmp(format, "json") == 0) {
		json_t *arr = json_array();
		char *text;
		for (size_t i = 0; i < n; i++) {
			char *one = cella_state_to_json(&list[i]);
			json_array_append_new(arr, json_loads(one, 0, NULL));
			free(one);
		}
		text = json_dumps(arr, JSON_COMPACT | JSON_PRESERVE_ORDER);
		printf("%s\n", text);
		free(text);
		json_decref(arr);
	} else {
		printf("%-20s %-8s %-10s %-40s %s\n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
		for (size_t i = 0; i < n; i++)
			printf("%-20s %-8d %-10s %-40s %s\n", list[i].id,
			       list[i].status == CELLA_STATUS_STOPPED ? 0 : (int)list[i].pid,
			       cella_status_name(list[i].status), list[i].bundle, list[i].created);
	}
	cella_state_list_free(list, n);
	return 0;
}
