/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella map [--pid PID] [--json] [--svg FILE] [--diff OTHER] [ID]
 *
 * A container's (or any process's) isolation, layer by layer, against the
 * host: text on a terminal (colour unless NO_COLOR), the JSON document of
 * docs/map-schema.md, an SVG picture, or only what differs from OTHER (a
 * container id, or "host").
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "inspect/map.h"
#include "util/cleanup.h"
#include "util/util.h"

enum { OPT_PID = 256, OPT_JSON, OPT_SVG, OPT_DIFF, OPT_COLOUR, OPT_NO_COLOUR, OPT_HELP };

static const struct option map_opts[] = {
    {"pid", required_argument, NULL, OPT_PID}, {"json", no_argument, NULL, OPT_JSON},
    {"svg", required_argument, NULL, OPT_SVG}, {"diff", required_argument, NULL, OPT_DIFF},
    {"color", no_argument, NULL, OPT_COLOUR},  {"no-color", no_argument, NULL, OPT_NO_COLOUR},
    {"help", no_argument, NULL, OPT_HELP},     {0},
};

/* "host", a container id, or "pid:N". */
static int map_of(struct cella_cli *cli, const char *what, char **json, cella_error *err)
{
	unsigned long long pid;

	if (strcmp(what, "host") == 0)
		return cella_map_host(cli->root, json, err);
	if (str_has_prefix(what, "pid:")) {
		if (!parse_u64(what + 4, INT32_MAX, &pid) || pid == 0)
			return cella_err_invalid(err, "`%s`: expected pid:N", what);
		return cella_map_pid(cli->root, (pid_t)pid, json, err);
	}
	return cella_map_container(cli->root, what, json, err);
}

int cmd_map(struct cella_cli *cli, int argc, char **argv)
{
	const char *svg = NULL, *diff = NULL, *pid_arg = NULL;
	bool json_out = false;
	int colour = -1;
	cleanup_free char *json = NULL;
	cleanup_free char *text = NULL;
	cleanup_free char *target = NULL;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", map_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			cli_print_usage(cli_find_command("map"), stdout);
			return 0;
		case OPT_PID:
			pid_arg = optarg;
			break;
		case OPT_JSON:
			json_out = true;
			break;
		case OPT_SVG:
			svg = optarg;
			break;
		case OPT_DIFF:
			diff = optarg;
			break;
		case OPT_COLOUR:
			colour = 1;
			break;
		case OPT_NO_COLOUR:
			colour = 0;
			break;
		default:
			return cli_usage_error(cli, "map", "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (pid_arg != NULL) {
		unsigned long long pid;

		if (argc - optind != 0)
			return cli_usage_error(cli, "map", "--pid takes no container id");
		if (!parse_u64(pid_arg, INT32_MAX, &pid) || pid == 0)
			return cli_usage_error(cli, "map", "--pid `%s`: expected a process id",
					       pid_arg);
		target = xasprintf("pid:%llu", pid);
	} else if (argc - optind == 1) {
		target = xstrdup(argv[optind]);
	} else {
		return cli_usage_error(cli, "map", "expects one container id (or --pid PID)");
	}
	if (json_out + (svg != NULL) + (diff != NULL) > 1)
		return cli_usage_error(cli, "map", "--json, --svg and --diff exclude each other");
	if (colour < 0)
		colour = colour_wanted(1);

	if (map_of(cli, target, &json, &err) < 0)
		return cli_report(cli, &err);
	if (json_out) {
		fputs(json, stdout);
		fputc('\n', stdout);
		return 0;
	}
	if (diff != NULL) {
		cleanup_free char *other = NULL;

		if (map_of(cli, diff, &other, &err) < 0 ||
		    cella_map_render_diff(json, other, colour, &text, &err) < 0)
			return cli_report(cli, &err);
		fputs(text, stdout);
		return 0;
	}
	if (svg != NULL) {
		if (cella_map_render_svg(json, &text, &err) < 0 ||
		    write_file_at(AT_FDCWD, svg, text, strlen(text), &err) < 0)
			return cli_report(cli, &err);
		return 0;
	}
	if (cella_map_render_text(json, colour, &text, &err) < 0)
		return cli_report(cli, &err);
	fputs(text, stdout);
	return 0;
}
