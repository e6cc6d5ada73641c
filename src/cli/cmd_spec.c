/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cella spec: write a default config.json, like `runc spec`. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/util.h"

int cmd_spec(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"rootless", no_argument, NULL, 'r'},
	    {"bundle", required_argument, NULL, 'b'},
	    {0},
	};
	const char *bundle = ".";
	bool rootless = false;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hb:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'r':
			rootless = true;
			break;
		case 'b':
			bundle = optarg;
			break;
		default:
			return cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (argc != optind)
		return cli_usage_error(cli, argv[0], "takes no arguments");
	if (cella_spec_write_default(bundle, rootless, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}
