/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella events [--stats] [--interval N] ID, as runc events: one JSON line
 * per event on standard output. With --stats, one stats event and exit;
 * without, a stats event every interval (5s by default) and an oom event
 * for each OOM kill, until the container stops.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/util.h"

enum { OPT_STATS = 256, OPT_INTERVAL, OPT_HELP };

static const struct option events_opts[] = {
    {"stats", no_argument, NULL, OPT_STATS},
    {"interval", required_argument, NULL, OPT_INTERVAL},
    {"help", no_argument, NULL, OPT_HELP},
    {0},
};

const char cli_events_help[] =
    "  --stats         print one stats event and exit\n"
    "  --interval N    time between stats events: seconds, or with a unit (500ms, 5s, 1m);\n"
    "                  default 5s\n";

/* "5", "5s", "1.5s", "500ms", "1m" -> milliseconds; false when malformed
 * or not positive. */
static bool parse_interval(const char *s, unsigned *out)
{
	unsigned long long whole = 0, frac = 0, scale = 1, unit = 1000, ms;
	const char *p = s;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		whole = whole * 10 + (unsigned long long)(*p - '0');
		if (whole > 86400000ULL)
			return false;
	}
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale < 1000000) {
				frac = frac * 10 + (unsigned long long)(*p - '0');
				scale *= 10;
			}
	}
	if (!strcmp(p, "ms"))
		unit = 1;
	else if (!strcmp(p, "m"))
		unit = 60000;
	else if (*p != '\0' && strcmp(p, "s") != 0)
		return false;
	ms = whole * unit + frac * unit / scale;
	if (ms == 0 || ms > 86400000ULL)
		return false;
	*out = (unsigned)ms;
	return true;
}

static int print_event(const char *json, void *data, cella_error *err)
{
	(void)data;
	(void)err;
	fputs(json, stdout);
	fputc('\n', stdout);
	fflush(stdout);
	return 0;
}

int cmd_events(struct cella_cli *cli, int argc, char **argv)
{
	unsigned interval_ms = 5000;
	bool stats = false;
	cella_error err;
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", events_opts, NULL)) != -1) {
		switch (c) {
		case 'h':
		case OPT_HELP:
			cli_print_usage(cli_find_command("events"), stdout);
			return 0;
		case OPT_STATS:
			stats = true;
			break;
		case OPT_INTERVAL:
			if (!parse_interval(optarg, &interval_ms))
				return cli_usage_error(cli, "events",
						       "--interval `%s`: expected a positive "
						       "duration (5, 5s, 500ms, 1m)",
						       optarg);
			break;
		default:
			return cli_usage_error(cli, "events", "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, "events", "expects exactly one container id");
	if (cella_events(cli->root, argv[optind], stats, interval_ms, print_event, NULL, &err) < 0)
		return cli_report(cli, &err);
	return 0;
}
