/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella exec [FLAGS] ID [ARGS...], as runc's: the process is the one of
 * --process FILE, or the container's config.json process with ARGS; the
 * flags edit either.
 */
#include <ctype.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "engine/engine.h"
#include "spec/spec_process.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

struct exec_flags {
	const char *process_file;
	const char *cwd;
	char **env; /* K=V, in order */
	bool has_user;
	uid_t uid;
	bool has_gid;
	gid_t gid;
	gid_t *gids; /* --additional-gids */
	size_t n_gids;
	bool has_gids;
	uint64_t caps;
	bool tty;
	bool no_new_privs;
};

static bool parse_id(const char *s, uint32_t *out)
{
	unsigned long long v;

	if (!parse_u64(s, UINT32_MAX - 1, &v))
		return false;
	*out = (uint32_t)v;
	return true;
}

/* "UID" or "UID:GID", numeric. */
static bool parse_user(const char *s, struct exec_flags *f)
{
	cleanup_free char *copy = xstrdup(s);
	char *colon = strchr(copy, ':');
	uint32_t v;

	if (colon != NULL)
		*colon = '\0';
	if (!parse_id(copy, &v))
		return false;
	f->uid = v;
	f->has_user = true;
	if (colon != NULL) {
		if (!parse_id(colon + 1, &v))
			return false;
		f->gid = v;
		f->has_gid = true;
	}
	return true;
}

/* "1,2,3" */
static bool parse_gids(const char *s, struct exec_flags *f)
{
	cleanup_free char *copy = xstrdup(s);
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		uint32_t v;

		if (!parse_id(tok, &v))
			return false;
		f->gids = xrealloc(f->gids, (f->n_gids + 1) * sizeof(*f->gids));
		f->gids[f->n_gids++] = v;
	}
	f->has_gids = true;
	return true;
}

/* "CAP_NET_ADMIN", "net_admin", "NET_ADMIN": the number, -1 when unknown. */
static int parse_cap(const char *s)
{
	cleanup_free char *name = str_has_prefix(s, "CAP_") || str_has_prefix(s, "cap_")
				      ? xstrdup(s)
				      : xasprintf("CAP_%s", s);

	for (char *p = name; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	return cella_cap_from_name(name);
}

#define EXEC_FAILED 255

static int exec_failed(struct cella_cli *cli, const cella_error *err)
{
	cli_report(cli, err);
	return EXEC_FAILED;
}

/* The flags on top of the process (from the file or the config). */
static void apply_flags(struct cella_process *p, const struct exec_flags *f)
{
	if (f->cwd != NULL) {
		free(p->cwd);
		p->cwd = xstrdup(f->cwd);
	}
	for (size_t i = 0; f->env != NULL && f->env[i] != NULL; i++)
		cella_process_setenv(p, f->env[i]);
	if (f->has_user)
		p->user.uid = f->uid;
	if (f->has_gid)
		p->user.gid = f->gid;
	if (f->has_gids) {
		free(p->user.additional_gids);
		p->user.additional_gids = NULL;
		p->user.n_additional_gids = f->n_gids;
		if (f->n_gids > 0) {
			p->user.additional_gids = xcalloc(f->n_gids, sizeof(gid_t));
			memcpy(p->user.additional_gids, f->gids, f->n_gids * sizeof(gid_t));
		}
	}
	if (f->caps != 0) {
		/* As runc: bounding, effective, permitted; ambient only when the
		 * process has inheritable capabilities (the kernel needs them). */
		p->has_caps = true;
		p->caps.bounding |= f->caps;
		p->caps.effective |= f->caps;
		p->caps.permitted |= f->caps;
		if (p->caps.inheritable != 0)
			p->caps.ambient |= f->caps;
	}
	if (f->tty)
		p->terminal = true;
	if (f->no_new_privs)
		p->no_new_privileges = true;
}

int cmd_exec(struct cella_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"help", no_argument, NULL, 'h'},
	    {"process", required_argument, NULL, 'p'},
	    {"detach", no_argument, NULL, 'd'},
	    {"pid-file", required_argument, NULL, 'P'},
	    {"console-socket", required_argument, NULL, 'S'},
	    {"tty", no_argument, NULL, 't'},
	    {"cwd", required_argument, NULL, 'C'},
	    {"env", required_argument, NULL, 'e'},
	    {"user", required_argument, NULL, 'u'},
	    {"additional-gids", required_argument, NULL, 'g'},
	    {"cap", required_argument, NULL, 'c'},
	    {"no-new-privs", no_argument, NULL, 'N'},
	    {"preserve-fds", required_argument, NULL, 'F'},
	    {"ignore-paused", no_argument, NULL, 'I'},
	    {"cgroup", required_argument, NULL, 'G'},
	    {0},
	};
	struct exec_flags f = {0};
	struct cella_exec_opts o = {0};
	cleanup_process struct cella_process *p = NULL;
	cleanup_free char *pid_file_abs = NULL;
	cleanup_free char *socket_abs = NULL;
	cleanup_strv char **env = NULL;
	cleanup_free gid_t *gids = NULL;
	unsigned long long n;
	cella_error err;
	int c, cap, status = 0;
	char *const *args;

	optind = 0;
	opterr = 0;
	/* "+": the first operand (the id) ends the flags; what follows is the
	 * command, with its own flags. */
	while ((c = getopt_long(argc, argv, "+hp:dte:u:g:c:", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cli_print_usage(cli_find_command(argv[0]), stdout);
			return 0;
		case 'p':
			f.process_file = optarg;
			break;
		case 'd':
			o.detach = true;
			break;
		case 'P':
			o.pid_file = optarg;
			break;
		case 'S':
			o.console_socket = optarg;
			break;
		case 't':
			f.tty = true;
			break;
		case 'C':
			if (optarg[0] != '/')
				return cli_usage_error(
				    cli, argv[0], "--cwd: `%s` is not an absolute path", optarg);
			f.cwd = optarg;
			break;
		case 'e':
			if (optarg[0] == '=' || optarg[0] == '\0')
				return cli_usage_error(cli, argv[0], "--env: `%s` is not K=V",
						       optarg);
			strv_append(&env, optarg);
			f.env = env;
			break;
		case 'u':
			if (!parse_user(optarg, &f))
				return cli_usage_error(
				    cli, argv[0], "--user: `%s` is not UID or UID:GID", optarg);
			break;
		case 'g':
			if (!parse_gids(optarg, &f)) {
				free(f.gids);
				return cli_usage_error(cli, argv[0],
						       "--additional-gids: `%s` is not a list of "
						       "group ids",
						       optarg);
			}
			gids = f.gids;
			break;
		case 'c':
			cap = parse_cap(optarg);
			/* As an unknown name in the config (runc). */
			if (cap < 0 || cap >= 64)
				cella_warn("--cap: unknown capability `%s`, ignored", optarg);
			else
				f.caps |= (uint64_t)1 << cap;
			break;
		case 'N':
			f.no_new_privs = true;
			break;
		case 'I':
			o.ignore_paused = true;
			break;
		case 'G':
			o.cgroup_sub = optarg;
			break;
		case 'F':
			if (!parse_u64(optarg, 1024, &n))
				return cli_usage_error(
				    cli, argv[0], "--preserve-fds: `%s` is not a number", optarg);
			o.preserve_fds = (int)n;
			break;
		default:
			return cli_usage_error(cli, argv[0], "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return cli_usage_error(cli, argv[0], "expects a container id");
	o.id = argv[optind];
	args = argv + optind + 1;
	if (args[0] != NULL && strcmp(args[0], "--") == 0)
		args++;
	if (cella_validate_id(o.id, &err) < 0)
		return cli_report(cli, &err);
	if (f.process_file != NULL && args[0] != NULL)
		return cli_usage_error(cli, argv[0], "give --process FILE or a command, not both");
	if (f.process_file == NULL && args[0] == NULL)
		return cli_usage_error(cli, argv[0],
				       "expects a command after the container id "
				       "(or --process FILE)");

	/* From here, a failure is the runtime's, not the process's: 255, as
	 * runc, so that a caller tells it from the process's own status. */
	if (f.process_file != NULL) {
		if (cella_process_load(f.process_file, &p, &err) < 0)
			return exec_failed(cli, &err);
	} else {
		if (cella_exec_config_process(cli->root, o.id, &p, &err) < 0)
			return exec_failed(cli, &err);
		cella_process_set_args(p, args);
		/* The terminal is exec's own (--tty), not the init's. */
		p->terminal = false;
		p->has_console_size = false;
	}
	apply_flags(p, &f);

	if (o.pid_file != NULL)
		o.pid_file = pid_file_abs = cella_path_absolute(o.pid_file);
	if (o.console_socket != NULL)
		o.console_socket = socket_abs = cella_path_absolute(o.console_socket);
	o.state_root = cli->root;
	o.process = p;
	if (cella_exec(&o, &status, &err) < 0)
		return exec_failed(cli, &err);
	return status;
}
