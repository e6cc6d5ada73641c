/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cella: the front end. Global flags, the command table, error reporting. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "cli/cli.h"
#include "cli/entry.h"
#include "engine/engine.h"
#include "util/log.h"
#include "util/util.h"

#ifndef CELLA_VERSION
#define CELLA_VERSION "0.0.0"
#endif
#ifndef CELLA_COMMIT
#define CELLA_COMMIT "unknown"
#endif

/* The flags of create and the OCI form of run, one line each. */
#define OCI_FLAGS                                                                                  \
	"  -b, --bundle DIR     the bundle (config.json and rootfs; default .)\n"                  \
	"  --pid-file FILE      write the container's host pid to FILE\n"                          \
	"  --console-socket PATH  send the pty master to this unix socket (process.terminal)\n"    \
	"  --no-pivot           use MS_MOVE + chroot instead of pivot_root\n"                      \
	"  --no-new-keyring     keep the caller's session keyring (default: a new one)\n"          \
	"  --preserve-fds N     pass N fds after 2 (3..N+2) to the process\n"

const struct cella_command cli_commands[] = {
    {"create", cmd_create, "create a container from a bundle, waiting before its process",
     "create [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--no-pivot]\n"
     "       [--no-new-keyring] [--preserve-fds N] ID",
     OCI_FLAGS, NULL},
    {"delete", cmd_delete, "delete a container's state (and kill it with --force)",
     "delete [--force] ID",
     "  -f, --force          kill a running or paused container first; no error when\n"
     "                       the container does not exist\n",
     NULL},
    {"events", cmd_events, "print a container's resource usage and OOM events (JSON)",
     "events [--stats] [--interval N] ID", cli_events_help, NULL},
    {"exec", cmd_exec, "run a new process in a running container",
     "exec [--process FILE] [--detach] [--pid-file FILE] [--console-socket PATH] [--tty]\n"
     "       [--cwd DIR] [--env K=V]... [--user UID[:GID]] [--additional-gids G,...]\n"
     "       [--cap CAP]... [--no-new-privs] [--preserve-fds N] [--ignore-paused]\n"
     "       [--cgroup SUBPATH] ID [ARGS...]",
     "  -p, --process FILE   the process (config.json's process object) to run\n"
     "  -d, --detach         do not wait for the process; print nothing\n"
     "  --pid-file FILE      write the process's host pid to FILE\n"
     "  --console-socket PATH  send the pty master to this unix socket (with --tty)\n"
     "  -t, --tty            allocate a pseudo-terminal\n"
     "  --cwd DIR            working directory (absolute)\n"
     "  -e, --env K=V        set an environment variable (repeatable)\n"
     "  -u, --user UID[:GID] user and group to run as\n"
     "  -g, --additional-gids G,...  supplementary groups\n"
     "  -c, --cap CAP        add a capability (repeatable)\n"
     "  --no-new-privs       set no_new_privs\n"
     "  --preserve-fds N     pass N fds after 2 (3..N+2) to the process\n"
     "  --ignore-paused      exec in a paused container (the process waits, frozen,\n"
     "                       until it is resumed)\n"
     "  --cgroup SUBPATH     run in this existing sub-cgroup of the container's\n"
     "  exit status: the process's; 255 when cella fails to run it\n",
     NULL},
    {"features", cmd_features, "print what this build implements (runtime-spec features)",
     "features", NULL, NULL},
    {"kill", cmd_kill, "send a signal to a container's init", "kill ID [SIGNAL]",
     "  -a, --all            signal every process of the container (its cgroup)\n"
     "  SIGNAL               a name (TERM, SIGKILL) or a number; default TERM; 0 only\n"
     "                       checks that the container is there to signal\n",
     NULL},
    {"list", cmd_list, "list containers", "list [--format table|json] [--quiet]",
     "  -f, --format table|json  output format (default table)\n"
     "  -q, --quiet          print the ids only\n",
     NULL},
    {"map", cmd_map, "show a container's isolation, layer by layer, against the host",
     "map [--json | --svg FILE | --diff OTHER] [--color | --no-color] ID\n"
     "   or: cella map [FLAGS] --pid PID",
     "  --pid PID            map any process instead of a container\n"
     "  --json               the map as JSON (schema: docs/map-schema.md)\n"
     "  --svg FILE           write the map as an SVG picture\n"
     "  --diff OTHER         only what differs from OTHER: a container id, `host`, or\n"
     "                       pid:N\n"
     "  --color, --no-color  force colour on or off (default: on a terminal, unless\n"
     "                       NO_COLOR is set)\n",
     NULL},
    {"pause", cmd_pause, "freeze every process of a running container", "pause ID", NULL, NULL},
    {"probe", cmd_probe, "show what each capability changes for a running container",
     "probe caps [--cap NAME] [--json] ID",
     "  -c, --cap NAME       probe only this capability (CAP_CHOWN, or chown)\n"
     "  --json               the results as JSON, one object per capability\n",
     NULL},
    {"ps", cmd_ps, "list a container's processes (host pids)",
     "ps [--format table|json] ID [PS_OPTIONS...]",
     "  -f, --format table|json  the host's `ps` table (PS_OPTIONS, default -ef) with\n"
     "                       only the container's rows, or a JSON array of host pids\n",
     NULL},
    {"resume", cmd_resume, "thaw a paused container", "resume ID", NULL, NULL},
    {"run", cmd_run, "run a container: a bundle (OCI), or a command (quick door, after --)",
     "run [--bundle DIR] [--pid-file FILE] [--console-socket PATH] [--detach] [--keep] ID\n"
     "   or: cella run [--rootfs DIR] [FLAGS] -- CMD [ARGS...]",
     OCI_FLAGS "  -d, --detach         do not wait for the container (OCI door)\n"
	       "  --keep               keep the state after the container exits (OCI door)\n",
     cli_quick_help},
    {"spec", cmd_spec, "write a default config.json", "spec [--rootless] [--bundle DIR]",
     "  --rootless           a spec for an unprivileged user (user namespace)\n"
     "  -b, --bundle DIR     where to write config.json (default .)\n",
     NULL},
    {"start", cmd_start, "start a created container's process", "start ID", NULL, NULL},
    {"state", cmd_state, "print a container's OCI state", "state ID", NULL, NULL},
    {"update", cmd_update, "change a running container's resource limits",
     "update [--resources FILE|-] [--memory SIZE] [--cpus N] [--pids-limit N]... ID",
     cli_update_help, NULL},
};
const size_t cli_command_count = ARRAY_SIZE(cli_commands);

const char cli_global_flags[] =
    "  --root DIR           state directory (default /run/cella; rootless:\n"
    "                       $XDG_RUNTIME_DIR/cella)\n"
    "  --log FILE           also write messages to FILE\n"
    "  --log-format text|json  the format of --log's lines\n"
    "  --debug              print debug messages\n"
    "  --systemd-cgroup     the same as --cgroup-manager systemd\n"
    "  --cgroup-manager cgroupfs|systemd|disabled  the cgroup driver\n"
    "  -v, --version        print the version and the libraries' versions\n"
    "  -h, --help           this help\n";

const struct cella_command *cli_find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(cli_commands); i++)
		if (strcmp(cli_commands[i].name, name) == 0)
			return &cli_commands[i];
	return NULL;
}

void cli_print_usage(const struct cella_command *cmd, FILE *out)
{
	fprintf(out, "usage: cella [GLOBAL FLAGS] %s\n\n%s\n", cmd->usage, cmd->summary);
	fprintf(out, "\nflags:\n  -h, --help           this help\n%s",
		cmd->flags ? cmd->flags : "");
	if (cmd->more_flags != NULL)
		fputs(cmd->more_flags, out);
}

static void usage(FILE *out)
{
	fprintf(out, "usage: cella [--root DIR] [--log FILE] [--log-format text|json] [--debug]\n"
		     "             [--systemd-cgroup] [--cgroup-manager cgroupfs|systemd|disabled] "
		     "COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(cli_commands); i++)
		fprintf(out, "  %-8s %s\n", cli_commands[i].name, cli_commands[i].summary);
	fprintf(out, "\nglobal flags:\n%s", cli_global_flags);
	fprintf(out, "\n`cella COMMAND --help` describes a command's flags.\n");
}

static void log_line(struct cella_cli *cli, const char *level, const char *msg)
{
	if (cli->log == NULL)
		return;
	if (cli->log_json) {
		char ts[64];
		struct timespec now;
		struct tm tm;
		json_t *j;
		char *text;

		clock_gettime(CLOCK_REALTIME, &now);
		gmtime_r(&now.tv_sec, &tm);
		strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
		j = json_pack("{s:s,s:s,s:s}", "level", level, "msg", msg, "time", ts);
		text = j ? json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
		if (text != NULL)
			fprintf(cli->log, "%s\n", text);
		free(text);
		json_decref(j);
	} else {
		fprintf(cli->log, "%s: %s\n", level, msg);
	}
	fflush(cli->log);
}

static void log_handler(enum cella_log_level level, const char *msg, void *data)
{
	struct cella_cli *cli = data;
	static const char *names[] = {"error", "warning", "info", "debug"};

	if (level == CELLA_LOG_DEBUG && !cli->debug)
		return;
	if (cli->log != NULL)
		log_line(cli, names[level], msg);
	if (cli->log == NULL || cli->log_json == false)
		fprintf(stderr, "cella: %s: %s\n", names[level], msg);
}

int cli_report(struct cella_cli *cli, const cella_error *err)
{
	char buf[CELLA_ERROR_MSG_MAX + 128];

	cella_error_format(err, buf, sizeof(buf));
	log_line(cli, "error", buf);
	fprintf(stderr, "cella: %s\n", buf);
	return err->exit_code ? err->exit_code : 1;
}

int cli_usage_error(struct cella_cli *cli, const char *cmd, const char *fmt, ...)
{
	cella_error err;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cmd != NULL)
		cella_err(&err, 0, "%s: %s (see `cella %s --help`)", cmd, msg, cmd);
	else
		cella_err(&err, 0, "%s (see `cella --help`)", msg);
	return cli_report(cli, &err);
}

/* Global flags: --flag VALUE and --flag=VALUE, before the command. */
static const char *flag_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);

	if (strncmp(argv[*i], name, n) != 0)
		return NULL;
	if (argv[*i][n] == '=')
		return argv[*i] + n + 1;
	if (argv[*i][n] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

static int run_cli(struct cella_cli *cli, int argc, char **argv);

int main(int argc, char **argv)
{
	struct cella_cli cli = {0};
	int r = run_cli(&cli, argc, argv);

	free(cli.root);
	if (cli.log != NULL)
		fclose(cli.log);
	return r;
}

static int run_cli(struct cella_cli *cli, int argc, char **argv)
{
	const struct cella_command *cmd;
	const char *v, *format = "text";
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		} else if (strcmp(argv[i], "--version") == 0 || strcmp(argv[i], "-v") == 0) {
			printf("cella version %s\ncommit: %s\nspec: %s\n%s", CELLA_VERSION,
			       CELLA_COMMIT, CELLA_OCI_VERSION, cella_libraries_version());
			return 0;
		} else if (strcmp(argv[i], "--debug") == 0) {
			cli->debug = true;
		} else if (strcmp(argv[i], "--systemd-cgroup") == 0) {
			cli->cgroup_manager = CELLA_CGROUP_MANAGER_SYSTEMD;
		} else if ((v = flag_value(argc, argv, &i, "--cgroup-manager")) != NULL) {
			if (strcmp(v, "cgroupfs") == 0)
				cli->cgroup_manager = CELLA_CGROUP_MANAGER_CGROUPFS;
			else if (strcmp(v, "systemd") == 0)
				cli->cgroup_manager = CELLA_CGROUP_MANAGER_SYSTEMD;
			else if (strcmp(v, "disabled") == 0)
				cli->cgroup_manager = CELLA_CGROUP_MANAGER_DISABLED;
			else
				return cli_usage_error(
				    cli, NULL,
				    "--cgroup-manager: `%s` is not cgroupfs, systemd or disabled",
				    v);
		} else if ((v = flag_value(argc, argv, &i, "--root")) != NULL) {
			free(cli->root);
			cli->root = cella_path_absolute(v);
		} else if ((v = flag_value(argc, argv, &i, "--log")) != NULL) {
			cli->log_path = v;
		} else if ((v = flag_value(argc, argv, &i, "--log-format")) != NULL) {
			format = v;
		} else {
			return cli_usage_error(cli, NULL, "unknown global flag `%s`", argv[i]);
		}
	}
	if (strcmp(format, "json") == 0)
		cli->log_json = true;
	else if (strcmp(format, "text") != 0)
		return cli_usage_error(cli, NULL, "--log-format: `%s` is not text or json", format);
	if (cli->log_path != NULL) {
		cli->log = fopen(cli->log_path, "ae");
		if (cli->log == NULL) {
			cella_error err;
			cella_err(&err, errno, "--log: open `%s`", cli->log_path);
			return cli_report(cli, &err);
		}
	}
	cella_log_set_handler(log_handler, cli);
	cella_log_set_level(cli->debug ? CELLA_LOG_DEBUG : CELLA_LOG_INFO);
	if (i >= argc) {
		usage(stderr);
		return 1;
	}
	if (strcmp(argv[i], "__complete") == 0) /* hidden: for completions/ */
		return cmd_complete(cli, argc - i, argv + i);
	cmd = cli_find_command(argv[i]);
	if (cmd == NULL)
		return cli_usage_error(cli, NULL, "unknown command `%s`", argv[i]);
	if (cli->root == NULL)
		cli->root = cella_default_state_root();
	/* The commands whose processes enter a container run from a binary
	 * nobody can write (CVE-2019-5736). */
	if (cella_entry_command_enters(cmd->name)) {
		cella_error err;

		if (cella_run_from_sealed_copy(argv, cli->root, &err) < 0)
			return cli_report(cli, &err);
	}
	cella_process_init();
	return cmd->run(cli, argc - i, argv + i);
}
