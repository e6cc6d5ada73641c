/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella run: two doors into one engine.
 *   cella run [--bundle DIR] [--detach] ID       the OCI runtime command
 *   cella run [FLAGS] -- CMD [ARGS...]           the quick door: a spec built
 *                                                from flags, in memory
 * The `--` decides which door.
 */
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "inspect/map.h"
#include "engine/engine.h"
#include "spec/quick.h"
#include "util/cleanup.h"
#include "util/util.h"

int cli_bundle_command(struct cella_cli *cli, int argc, char **argv, bool is_run);

enum {
	OPT_ROOTFS = 256,
	OPT_NAME,
	OPT_NS,
	OPT_SHARE,
	OPT_HOSTNAME,
	OPT_USER,
	OPT_READ_ONLY,
	OPT_BIND,
	OPT_TMPFS,
	OPT_ENV,
	OPT_CWD,
	OPT_CAP_ADD,
	OPT_CAP_DROP,
	OPT_UIDMAP,
	OPT_GIDMAP,
	OPT_INIT,
	OPT_TTY,
	OPT_PRINT_SPEC,
	OPT_HELP,
	OPT_SECCOMP,
	OPT_MAP,
	OPT_USERNS,
	OPT_RES_FIRST = 512, /* resource flags: cli_resource_opts (cmd_update.c) */
};

static const struct option quick_opts[] = {
    {"rootfs", required_argument, NULL, OPT_ROOTFS},
    {"name", required_argument, NULL, OPT_NAME},
    {"ns", required_argument, NULL, OPT_NS},
    {"share", required_argument, NULL, OPT_SHARE},
    {"hostname", required_argument, NULL, OPT_HOSTNAME},
    {"user", required_argument, NULL, OPT_USER},
    {"read-only", no_argument, NULL, OPT_READ_ONLY},
    {"bind", required_argument, NULL, OPT_BIND},
    {"tmpfs", required_argument, NULL, OPT_TMPFS},
    {"env", required_argument, NULL, OPT_ENV},
    {"cwd", required_argument, NULL, OPT_CWD},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"uidmap", required_argument, NULL, OPT_UIDMAP},
    {"gidmap", required_argument, NULL, OPT_GIDMAP},
    {"init", no_argument, NULL, OPT_INIT},
    {"tty", no_argument, NULL, OPT_TTY},
    {"detach", no_argument, NULL, 'd'},
    {"print-spec", no_argument, NULL, OPT_PRINT_SPEC},
    {"help", no_argument, NULL, OPT_HELP},
    {"seccomp", required_argument, NULL, OPT_SECCOMP},
    {"map", no_argument, NULL, OPT_MAP},
    {"userns", required_argument, NULL, OPT_USERNS},
    CLI_RESOURCE_OPTS(OPT_RES_FIRST),
    {0},
};

const char cli_quick_help[] =
    "quick door flags (before `--`):\n"
    "  --rootfs DIR         root filesystem (default: the built-in busybox rootfs)\n"
    "  --name ID            container id (default: generated)\n"
    "  --ns LIST            namespaces to create (uts,ipc,mount,pid,net,user,cgroup,time);\n"
    "                       the others are shared with the host (default: all new)\n"
    "  --share LIST         namespaces to keep shared with the host\n"
    "  --hostname NAME      hostname (default: the container id)\n"
    "  --user UID[:GID]     user and group the command runs as\n"
    "  --read-only          read-only root filesystem\n"
    "  --bind SRC:DST[:ro]  bind mount a host path (repeatable)\n"
    "  --tmpfs DST          mount a tmpfs (repeatable)\n"
    "  -e, --env K=V        set an environment variable (repeatable)\n"
    "  -w, --cwd DIR        working directory\n"
    "  --cap-add CAP        add a capability (or ALL)\n"
    "  --cap-drop CAP       drop a capability (or ALL)\n"
    "  --uidmap C:H:N       user namespace uid mapping (repeatable)\n"
    "  --gidmap C:H:N       user namespace gid mapping (repeatable)\n"
    "  --userns host        as root, map ids 0-65535 onto the host's own (default:\n"
    "                       65536 unprivileged ids of cella's /etc/subuid range,\n"
    "                       with idmapped binds)\n"
    "  --init               run a tiny init that reaps zombies and forwards signals\n"
    "  -t, --tty            allocate a pseudo-terminal\n"
    "  -d, --detach         print the container id and leave it running (reach it\n"
    "                       with exec, map, kill...; `cella delete` removes it)\n"
    "  --seccomp PROFILE    default (built-in, the default), unconfined, or a\n"
    "                       linux.seccomp JSON file\n"
    "  --print-spec         print the config.json instead of running\n"
    "  --map                print the container's isolation map (cella map) before\n"
    "                       its command runs\n"
    "resource limits (linux.resources, as podman spells them):\n" CLI_RESOURCE_HELP;

/* cella run --map: the map, on stdout, before the command's own output. */
static int print_map(const struct cella_created_view *v, void *data, cella_error *err)
{
	struct cella_map_target t = {
	    .pid = v->pid,
	    .id = v->id,
	    .status = "created",
	    .spec = v->spec,
	    .state_dirfd = v->state_dirfd,
	    .securebits = v->securebits,
	    .state_root = NULL, /* the list would wait on our own lock */
	};
	cleanup_free char *json = NULL;
	cleanup_free char *text = NULL;
	cella_error rerr;

	(void)data;
	int r = cella_map_build(&t, &json, err);

	if (r < 0)
		return r;
	if (cella_map_render_text(json, colour_wanted(1), &text, &rerr) < 0) {
		fprintf(stderr, "cella: map: %s\n", rerr.msg);
		return 0;
	}
	fputs(text, stdout);
	fputs("\n", stdout);
	fflush(stdout);
	return 0;
}

static int quick_door(struct cella_cli *cli, int argc, char **argv, char **cmd)
{
	struct cella_quick q = {0};
	cleanup_free char *name = NULL;
	cleanup_free char *rootfs = NULL;
	cleanup_free char *seccomp_text = NULL;
	cleanup_spec struct cella_spec *spec = NULL;
	cleanup_strv char **binds = NULL, **tmpfs = NULL, **env = NULL, **cap_add = NULL,
			  **cap_drop = NULL, **uidmap = NULL, **gidmap = NULL;
	struct cella_create_opts o = {0};
	bool print_spec = false, detach = false;
	const char *rootfs_arg = NULL;
	cella_error err;
	int c, status = 0;

	optind = 0;
	opterr = 0;
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		q.ns_new[t] = true;
	while ((c = getopt_long(argc, argv, "e:w:td", quick_opts, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			cli_print_usage(cli_find_command("run"), stdout);
			return 0;
		case OPT_ROOTFS:
			rootfs_arg = optarg;
			break;
		case OPT_NAME:
			free(name);
			name = xstrdup(optarg);
			break;
		case OPT_NS:
			if (!q.ns_given)
				for (int t = 0; t < CELLA_NS_COUNT; t++)
					q.ns_new[t] = false;
			q.ns_given = true;
			if (cella_quick_ns_list(optarg, true, q.ns_new, &err) < 0)
				return cli_report(cli, &err);
			break;
		case OPT_SHARE:
			q.ns_given = true;
			if (cella_quick_ns_list(optarg, false, q.ns_new, &err) < 0)
				return cli_report(cli, &err);
			break;
		case OPT_HOSTNAME:
			q.hostname = optarg;
			break;
		case OPT_USER:
			q.user = optarg;
			break;
		case OPT_READ_ONLY:
			q.read_only = true;
			break;
		case OPT_BIND: {
			/* SRC may be relative to the current directory. */
			cleanup_free char *abs = cella_path_absolute(optarg);
			strv_append(&binds, abs);
			break;
		}
		case OPT_TMPFS:
			strv_append(&tmpfs, optarg);
			break;
		case OPT_ENV:
		case 'e':
			strv_append(&env, optarg);
			break;
		case OPT_CWD:
		case 'w':
			q.cwd = optarg;
			break;
		case OPT_CAP_ADD:
			strv_append(&cap_add, optarg);
			break;
		case OPT_CAP_DROP:
			strv_append(&cap_drop, optarg);
			break;
		case OPT_UIDMAP:
			strv_append(&uidmap, optarg);
			break;
		case OPT_GIDMAP:
			strv_append(&gidmap, optarg);
			break;
		case OPT_USERNS:
			if (strcmp(optarg, "host") != 0 && strcmp(optarg, "auto") != 0) {
				cella_err_invalid(&err, "--userns `%s`: expected host or auto",
						  optarg);
				return cli_report(cli, &err);
			}
			q.userns_host = strcmp(optarg, "host") == 0;
			break;
		case OPT_INIT:
			o.init = true;
			break;
		case OPT_PRINT_SPEC:
			print_spec = true;
			break;
		case OPT_MAP:
			o.on_created = print_map;
			break;
		case OPT_SECCOMP:
			q.seccomp = optarg;
			break;
		case OPT_TTY:
		case 't':
			q.tty = true;
			break;
		case 'd':
			detach = true;
			break;
		default:
			if (cli_resource_opt(c - OPT_RES_FIRST, optarg, &q.res))
				break;
			return cli_usage_error(cli, "run", "unknown flag or missing value `%s`",
					       argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error(cli, "run",
				       "unexpected argument `%s` before `--` (the command goes "
				       "after `--`)",
				       argv[optind]);
	if (name == NULL)
		name = cella_generate_id();
	if (cella_validate_id(name, &err) < 0)
		return cli_report(cli, &err);
	if (rootfs_arg != NULL) {
		rootfs = cella_path_absolute(rootfs_arg);
	} else {
		rootfs = cella_default_rootfs(&err);
		if (rootfs == NULL)
			return cli_report(cli, &err);
	}
	q.name = name;
	q.rootfs = rootfs;
	q.binds = binds;
	q.tmpfs = tmpfs;
	q.env = env;
	q.cap_add = cap_add;
	q.cap_drop = cap_drop;
	q.uidmap = uidmap;
	q.gidmap = gidmap;
	q.args = cmd;
	if (q.seccomp != NULL && strcmp(q.seccomp, "default") != 0 &&
	    strcmp(q.seccomp, "unconfined") != 0) {
		ssize_t n = read_file_at(AT_FDCWD, q.seccomp, &seccomp_text, &err);
		if (n < 0) {
			cella_err_context(&err, "--seccomp");
			return cli_report(cli, &err);
		}
		q.seccomp_text = seccomp_text;
		q.seccomp_len = (size_t)n;
	}
	if (cella_quick_host_facts(&q, &err) < 0)
		return cli_report(cli, &err);
	if (cella_spec_quick(&q, &spec, &err) < 0)
		return cli_report(cli, &err);
	if (print_spec) {
		char *json = cella_spec_to_json(spec);
		printf("%s\n", json);
		free(json);
		return 0;
	}
	o.id = name;
	o.ephemeral_root = true;
	o.idmap_rootfs = q.auto_userns && q.auto_idmap_rootfs;
	o.cgroup_manager = (enum cella_cgroup_manager)cli->cgroup_manager;
	o.bundle = rootfs;
	o.state_root = cli->root;
	o.spec = spec;
	if (detach && q.tty)
		return cli_usage_error(cli, "run",
				       "--tty with --detach: nothing would hold the terminal (use "
				       "the OCI door with --console-socket)");
	/* Detached: left running, removed by `cella delete`; else removed
	 * when the command exits. */
	if (cella_run(&o, detach, !detach, &status, &err) < 0)
		return cli_report(cli, &err);
	if (detach)
		printf("%s\n", name);
	return status;
}

int cmd_run(struct cella_cli *cli, int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			char **cmd = argv + i + 1;
			argv[i] = NULL;
			return quick_door(cli, i, argv, cmd);
		}
	}
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			cli_print_usage(cli_find_command("run"), stdout);
			return 0;
		}
	return cli_bundle_command(cli, argc, argv, true);
}
