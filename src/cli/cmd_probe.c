/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella probe caps [--cap NAME] [--json] ID: what each capability changes
 * for a running container, as a table (capability, operation, outcome with
 * it, outcome without it, verdict) or as JSON.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "spec/spec.h"
#include "util/cleanup.h"
#include "util/util.h"

/* "CAP_CHOWN", "chown" or "CHOWN" -> its number; -1 when unknown. */
static int cap_from_flag(const char *name)
{
	cleanup_free char *canon = NULL;
	size_t n = strlen(name);

	canon = xmalloc(n + 5);
	if (strncasecmp(name, "CAP_", 4) == 0)
		snprintf(canon, n + 5, "%s", name);
	else
		snprintf(canon, n + 5, "CAP_%s", name);
	for (char *p = canon; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return cella_cap_from_name(canon);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static void print_json(const char *id, const struct cella_cap_report *rep)
{
	json_t *rows = json_array();
	json_t *doc;
	char *text;

	for (size_t i = 0; i < rep->n; i++) {
		const struct cella_cap_row *r = &rep->rows[i];

		json_array_append_new(
		    rows,
		    json_pack("{s:s,s:i,s:b,s:o,s:o,s:o,s:s,s:o}", "capability", r->name, "number",
			      r->cap, "held", r->held, "operation", str_or_null(r->operation),
			      "with", str_or_null(r->with), "without", str_or_null(r->without),
			      "verdict", r->verdict, "note", str_or_null(r->note)));
	}
	doc = json_pack("{s:s,s:i,s:s,s:o}", "id", id, "pid", (int)rep->pid, "conditions",
			cella_probe_conditions(), "capabilities", rows);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	printf("%s\n", text);
	free(text);
	json_decref(doc);
}

static int max_int(int a, int b)
{
	return a > b ? a : b;
}

static void print_table(const char *id, const struct cella_cap_report *rep)
{
	int wn = (int)strlen("CAPABILITY"), wo = (int)strlen("OPERATION");
	int ww = (int)strlen("WITH"), wx = (int)strlen("WITHOUT");

	for (size_t i = 0; i < rep->n; i++) {
		const struct cella_cap_row *r = &rep->rows[i];

		wn = max_int(wn, (int)strlen(r->name));
		wo = max_int(wo, r->operation ? (int)strlen(r->operation) : 1);
		ww = max_int(ww, (int)strlen(r->with));
		wx = max_int(wx, (int)strlen(r->without));
	}
	printf("container `%s` (init pid %d): probes run %s\n", id, (int)rep->pid,
	       cella_probe_conditions());
	printf("%-*s  %-*s  %-*s  %-*s  %s\n", wn, "CAPABILITY", wo, "OPERATION", ww, "WITH", wx,
	       "WITHOUT", "VERDICT");
	for (size_t i = 0; i < rep->n; i++) {
		const struct cella_cap_row *r = &rep->rows[i];

		printf("%-*s  %-*s  %-*s  %-*s  %s%s%s\n", wn, r->name, wo,
		       r->operation ? r->operation : "-", ww, r->with[0] ? r->with : "-", wx,
		       r->without[0] ? r->without : "-", r->verdict, r->note[0] ? ": " : "",
		       r->note);
	}
}

int cmd_probe(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"help", no_argument, NULL, 'h'},
					     {"cap", required_argument, NULL, 'c'},
					     {"json", no_argument, NULL, 'j'},
					     {0}};
	const char *cap_name = NULL, *id;
	struct cella_cap_report rep;
	bool json = false;
	cella_error err;
	int c, cap = -1;

	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		cli_print_usage(cli_find_command(argv[0]), stdout);
		return 0;
	}
	if (argc < 2 || strcmp(argv[1], "caps") != 0)
		return cli_usage_error(cli, argv[0], "expects what to probe: `caps`");
	argc--;
	argv++;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hc:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command("probe"), stdout);
			return 0;
		case 'c':
			cap_name = optarg;
			break;
		case 'j':
			json = true;
			break;
		default:
			return cli_usage_error(cli, "probe", "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (argc - optind != 1)
		return cli_usage_error(cli, "probe", "expects exactly one container id");
	id = argv[optind];
	if (cap_name != NULL) {
		cap = cap_from_flag(cap_name);
		if (cap < 0) {
			char shown[128];
			return cli_usage_error(cli, "probe", "--cap: unknown capability `%s`",
					       str_escape(cap_name, shown, sizeof(shown)));
		}
	}
	if (cella_probe_caps(cli->root, id, cap, &rep, &err) < 0)
		return cli_report(cli, &err);
	if (json)
		print_json(id, &rep);
	else
		print_table(id, &rep);
	cella_cap_report_clear(&rep);
	return 0;
}
