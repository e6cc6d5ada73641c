/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cella create, and the OCI form of cella run (which shares its flags). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/util.h"

int cli_bundle_command(struct cella_cli *cli, int argc, char **argv, bool is_run);

int cli_bundle_command(struct cella_cli *cli, int argc, char **argv, bool is_run)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"bundle", required_argument, NULL, 'b'},
	    {"pid-file", required_argument, NULL, 'p'},
	    {"console-socket", required_argument, NULL, 'S'},
	    {"no-pivot", no_argument, NULL, 'P'},
	    {"no-new-keyring", no_argument, NULL, 'K'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"detach", no_argument, NULL, 'd'},
	    {"keep", no_argument, NULL, 'k'},
	    {0},
	};
	const char *bundle = NULL, *pid_file = NULL;
	cleanup_free char *bundle_abs = NULL;
	cleanup_free char *pid_file_abs = NULL;
	cleanup_free char *console_abs = NULL;
	cleanup_spec struct cella_spec *spec = NULL;
	struct cella_create_opts o = {0};
	bool detach = false, keep = false;
	unsigned long long n;
	cella_error err;
	int c, status = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, is_run ? "hb:d" : "hb:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'b':
			bundle = optarg;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'S':
			free(console_abs);
			console_abs = cella_path_absolute(optarg);
			break;
		case 'K':
			o.no_new_keyring = true;
			break;
		case 'P':
			o.no_pivot = true;
			break;
		case 'F':
			if (!parse_u64(optarg, 1024, &n))
				return cli_usage_error(
				    cli, argv[0], "--preserve-fds: `%s` is not a number", optarg);
			o.preserve_fds = (int)n;
			break;
		case 'd':
			if (!is_run)
				goto unknown;
			detach = true;
			break;
		case 'k':
			if (!is_run)
				goto unknown;
			keep = true;
			break;
		default:
		unknown:
			return cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, argv[0], "expects exactly one container id");
	o.id = argv[optind];
	if (cella_validate_id(o.id, &err) < 0)
		return cli_report(cli, &err);
	if (cella_bundle_load(bundle, &bundle_abs, &spec, &err) < 0)
		return cli_report(cli, &err);
	if (pid_file != NULL)
		pid_file_abs = cella_path_absolute(pid_file);
	o.bundle = bundle_abs;
	o.state_root = cli->root;
	o.spec = spec;
	o.pid_file = pid_file_abs;
	o.cgroup_manager = (enum cella_cgroup_manager)cli->cgroup_manager;
	o.console_socket = console_abs;
	if (!is_run) {
		if (cella_create(&o, &err) < 0)
			return cli_report(cli, &err);
		return 0;
	}
	if (cella_run(&o, detach, !keep && !detach, &status, &err) < 0)
		return cli_report(cli, &err);
	return status;
}

int cmd_create(struct cella_cli *cli, int argc, char **argv)
{
	return cli_bundle_command(cli, argc, argv, false);
}
