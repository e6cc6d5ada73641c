/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella __complete WORD... (hidden): what the shell completion scripts
 * (completions/) ask when a user presses tab. WORDs are the command line
 * after `cella`, the last one the word being completed (empty for a new
 * word). Prints the candidates, one per line, or a single line `:files`
 * when the shell should complete file names.
 *
 * Everything comes from the tables --help prints (main.c's command table,
 * its flag lists and the global flags), read by the same rule the man
 * pages' check uses (tests/packaging/check-docs.py): a help line starting
 * with `-` names flags (`-s, --long ARG`), up to two spaces. So a flag
 * added to --help is completed at once, and one missing from --help is
 * missing from both (as cobra's `__complete` does for Go programs).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "util/util.h"

/* One flag of a help text: name (`--bundle`, `-b`) and its argument's
 * metavariable (empty when it takes none), both NUL-terminated copies. */
struct help_flag {
	char name[64];
	char arg[64];
};

/* Calls fn for every flag named in help; stops when fn returns true, and
 * returns true then. */
static bool each_flag(const char *help, bool (*fn)(const struct help_flag *, void *), void *data)
{
	const char *line = help;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n'), *p = line, *col_end;
		char col[160];
		size_t len;

		if (end == NULL)
			end = line + strlen(line);
		while (p < end && *p == ' ')
			p++;
		/* The first column: up to two spaces, or the end of the line. */
		col_end = p;
		while (col_end < end &&
		       !(col_end[0] == ' ' && col_end + 1 < end && col_end[1] == ' '))
			col_end++;
		len = (size_t)(col_end - p);
		if (*p == '-' && len < sizeof(col)) {
			char *save = NULL, *tok, *arg;

			memcpy(col, p, len);
			col[len] = '\0';
			/* "-b, --bundle DIR": the argument is the last word after
			 * the last name; it applies to every name. */
			arg = strrchr(col, ' ');
			if (arg != NULL && arg[1] != '-' && arg[-1] != ',')
				*arg++ = '\0';
			else
				arg = NULL;
			for (tok = strtok_r(col, ", ", &save); tok != NULL;
			     tok = strtok_r(NULL, ", ", &save)) {
				struct help_flag f = {{0}, {0}};

				if (tok[0] != '-' || strlen(tok) >= sizeof(f.name))
					continue;
				strcpy(f.name, tok);
				if (arg != NULL && strlen(arg) < sizeof(f.arg))
					strcpy(f.arg, arg);
				if (fn(&f, data))
					return true;
			}
		}
		line = *end ? end + 1 : end;
	}
	return false;
}

/* The help texts of a command (or the global flags when cmd is NULL). */
static bool each_cmd_flag(const struct cella_command *cmd,
			  bool (*fn)(const struct help_flag *, void *), void *data)
{
	if (cmd == NULL)
		return each_flag(cli_global_flags, fn, data);
	if (each_flag("  -h, --help\n", fn, data))
		return true;
	if (cmd->flags != NULL && each_flag(cmd->flags, fn, data))
		return true;
	return cmd->more_flags != NULL && each_flag(cmd->more_flags, fn, data);
}

struct lookup {
	const char *word; /* `--bundle`, or `--bundle=x` */
	struct help_flag found;
	bool ok;
};

static bool match_flag(const struct help_flag *f, void *data)
{
	struct lookup *l = data;
	size_t n = strlen(f->name);

	if (strncmp(l->word, f->name, n) != 0 || (l->word[n] != '\0' && l->word[n] != '='))
		return false;
	l->found = *f;
	l->ok = true;
	return true;
}

/* Whether word (a flag) takes its value from the next word. */
static bool takes_next(const struct cella_command *cmd, const char *word, struct help_flag *out)
{
	struct lookup l = {.word = word};

	if (!each_cmd_flag(cmd, match_flag, &l) || strchr(word, '=') != NULL)
		return false;
	*out = l.found;
	return l.found.arg[0] != '\0';
}

static bool print_prefixed(const struct help_flag *f, void *data)
{
	const char *prefix = data;

	if (strncmp(f->name, prefix, strlen(prefix)) == 0 && strlen(f->name) > 2)
		printf("%s\n", f->name);
	return false;
}

/* A flag's value: its choices (`table|json`), or file names. */
static void print_values(const struct help_flag *f, const char *prefix)
{
	char arg[sizeof(f->arg)], *save = NULL;

	if (strstr(f->arg, "FILE") || strstr(f->arg, "DIR") || strstr(f->arg, "PATH")) {
		printf(":files\n");
		return;
	}
	if (strchr(f->arg, '|') == NULL)
		return;
	strcpy(arg, f->arg);
	for (char *c = strtok_r(arg, "|", &save); c != NULL; c = strtok_r(NULL, "|", &save))
		if (islower((unsigned char)c[0]) && strncmp(c, prefix, strlen(prefix)) == 0)
			printf("%s\n", c);
}

/* The n-th positional word of cmd's usage, outside brackets: `ID`, or a
 * literal such as probe's `caps`; NULL past the end. */
static const char *usage_positional(const struct cella_command *cmd, size_t n, char *buf,
				    size_t size)
{
	const char *p = strchr(cmd->usage, ' ');
	int depth = 0;

	while (p != NULL && *p != '\0') {
		size_t len;
		bool bracket;

		p += strspn(p, " \n");
		if (strncmp(p, "or:", 3) == 0)
			break; /* a second form of the command */
		len = strcspn(p, " \n");
		bracket = memchr(p, '[', len) != NULL || memchr(p, ']', len) != NULL;
		if (depth == 0 && !bracket && len > 0 && p[0] != '-' && n-- == 0) {
			snprintf(buf, size, "%.*s", (int)len, p);
			return buf;
		}
		for (size_t i = 0; i < len; i++)
			depth += p[i] == '[' ? 1 : p[i] == ']' ? -1 : 0;
		p += len;
	}
	return NULL;
}

static void print_ids(struct cella_cli *cli, const char *prefix)
{
	struct cella_state *list = NULL;
	cella_error err;
	size_t n = 0;

	if (cella_list(cli->root, &list, &n, &err) < 0)
		return; /* no candidates: completion stays quiet */
	for (size_t i = 0; i < n; i++)
		if (strncmp(list[i].id, prefix, strlen(prefix)) == 0)
			printf("%s\n", list[i].id);
	cella_state_list_free(list, n);
}

int cmd_complete(struct cella_cli *cli, int argc, char **argv)
{
	const struct cella_command *cmd = NULL;
	struct help_flag value_of = {{0}, {0}};
	bool want_value = false, after_dashes = false;
	const char *cur = argc > 1 ? argv[argc - 1] : "";
	size_t positional = 0;
	char buf[64];

	if (cli->root == NULL)
		cli->root = cella_default_state_root();
	/* The words before the current one. */
	for (int i = 1; i < argc - 1; i++) {
		const char *w = argv[i];

		if (want_value) {
			want_value = false;
		} else if (after_dashes) {
			continue;
		} else if (cmd != NULL && strcmp(w, "--") == 0) {
			after_dashes = true;
		} else if (w[0] == '-' && w[1] != '\0') {
			want_value = takes_next(cmd, w, &value_of);
		} else if (cmd == NULL) {
			cmd = cli_find_command(w);
			if (cmd == NULL)
				return 0;
		} else {
			positional++;
		}
	}
	if (after_dashes)
		return 0; /* the container's command: nothing cella knows */
	if (want_value) {
		print_values(&value_of, cur);
		return 0;
	}
	if (cur[0] == '-') {
		each_cmd_flag(cmd, print_prefixed, (void *)cur);
		return 0;
	}
	if (cmd == NULL) {
		for (size_t i = 0; i < cli_command_count; i++)
			if (strncmp(cli_commands[i].name, cur, strlen(cur)) == 0)
				printf("%s\n", cli_commands[i].name);
		return 0;
	}
	if (usage_positional(cmd, positional, buf, sizeof(buf)) == NULL)
		return 0;
	if (strcmp(buf, "ID") == 0)
		print_ids(cli, cur);
	else if (islower((unsigned char)buf[0]) && strncmp(buf, cur, strlen(cur)) == 0)
		printf("%s\n", buf);
	return 0;
}
