/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cella features: what this build implements, as runtime-spec features.md. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli/cli.h"
#include "engine/engine.h"

int cmd_features(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {0}};
	char *json;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		}
		return cli_usage_error(cli, argv[0], "unknown flag `%s`", argv[optind - 1]);
	}
	if (optind != argc)
		return cli_usage_error(cli, argv[0], "takes no arguments");
	json = cella_features_json();
	printf("%s\n", json);
	free(json);
	return 0;
}
