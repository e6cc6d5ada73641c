/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella update [--resources FILE|-] [RESOURCE FLAGS] ID, as runc update:
 * the linux.resources object of FILE ("-": standard input), with the flags
 * merged over it, applied to the container's cgroup. Also home of the
 * resource flags the quick door shares (cli.h).
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/cleanup.h"
#include "util/util.h"

bool cli_resource_opt(int opt, const char *value, struct cella_resource_flags *f)
{
	switch (opt) {
	case CLI_RES_MEMORY:
		f->memory = value;
		return true;
	case CLI_RES_MEMORY_SWAP:
		f->memory_swap = value;
		return true;
	case CLI_RES_MEMORY_RESERVATION:
		f->memory_reservation = value;
		return true;
	case CLI_RES_CPUS:
		f->cpus = value;
		return true;
	case CLI_RES_CPU_QUOTA:
		f->cpu_quota = value;
		return true;
	case CLI_RES_CPU_PERIOD:
		f->cpu_period = value;
		return true;
	case CLI_RES_CPU_SHARES:
		f->cpu_shares = value;
		return true;
	case CLI_RES_CPUSET_CPUS:
		f->cpuset_cpus = value;
		return true;
	case CLI_RES_CPUSET_MEMS:
		f->cpuset_mems = value;
		return true;
	case CLI_RES_PIDS_LIMIT:
		f->pids_limit = value;
		return true;
	case CLI_RES_BLKIO_WEIGHT:
	case CLI_RES_IO_WEIGHT:
		f->blkio_weight = value;
		f->blkio_flag = opt == CLI_RES_IO_WEIGHT ? "--io-weight" : "--blkio-weight";
		return true;
	case CLI_RES_DEVICE_READ_BPS:
	case CLI_RES_DEVICE_WRITE_BPS:
	case CLI_RES_DEVICE_READ_IOPS:
	case CLI_RES_DEVICE_WRITE_IOPS: {
		static const enum cella_throttle kinds[] = {
		    CELLA_THROTTLE_READ_BPS, CELLA_THROTTLE_WRITE_BPS, CELLA_THROTTLE_READ_IOPS,
		    CELLA_THROTTLE_WRITE_IOPS};
		enum cella_throttle t = kinds[opt - CLI_RES_DEVICE_READ_BPS];

		/* Past the table's room: refused by
		 * cella_resource_flags_to_json(), naming the flag. */
		if (f->n_throttle[t] == CELLA_FLAGS_MAX_DEVICES)
			f->throttle_overflow = value;
		else
			f->throttle[t][f->n_throttle[t]++] = value;
		return true;
	}
	default:
		return false;
	}
}

enum { OPT_RESOURCES = 256, OPT_HELP, OPT_RES_FIRST = 512 };

static const struct option update_opts[] = {
    {"resources", required_argument, NULL, OPT_RESOURCES},
    {"help", no_argument, NULL, OPT_HELP},
    CLI_RESOURCE_OPTS(OPT_RES_FIRST),
    {0},
};

/* update's flags, in the command table (main.c). */
const char cli_update_help[] = "  -r, --resources FILE  a linux.resources object (JSON; - for "
			       "standard input)\n" CLI_RESOURCE_HELP;

int cmd_update(struct cella_cli *cli, int argc, char **argv)
{
	struct cella_resource_flags f = {0};
	cleanup_free char *json = NULL;
	const char *file = NULL;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "r:h", update_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			cli_print_usage(cli_find_command("update"), stdout);
			return 0;
		case 'r':
		case OPT_RESOURCES:
			file = optarg;
			break;
		default:
			if (cli_resource_opt(c - OPT_RES_FIRST, optarg, &f))
				break;
			return cli_usage_error(cli, "update", "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, "update", "expects exactly one container id");
	if (file == NULL && !cella_resource_flags_any(&f))
		return cli_usage_error(cli, "update",
				       "nothing to change: give --resources or a "
				       "resource flag");
	if (file != NULL) {
		const char *path = strcmp(file, "-") == 0 ? "/proc/self/fd/0" : file;

		if (read_file_at(AT_FDCWD, path, &json, &err) < 0) {
			cella_err_context(&err, "--resources `%s`", file);
			return cli_report(cli, &err);
		}
	}
	if (cella_resource_flags_to_json(&f, &json, &err) < 0 ||
	    cella_update(cli->root, argv[optind], json, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}
