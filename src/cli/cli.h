/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command line: a command table (main.c) and one file per command.
 * Commands parse flags, call the engine, print results; they make no system
 * calls of their own. Errors are reported once, here, by cli_report().
 */
#ifndef CELLA_CLI_H
#define CELLA_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "spec/spec_resources.h"
#include "util/error.h"

struct cella_cli {
	char *root;	      /* --root, or the default */
	const char *log_path; /* --log */
	bool log_json;	      /* --log-format json */
	bool debug;	      /* --debug */
	int cgroup_manager;   /* enum cella_cgroup_manager: --cgroup-manager,
				 --systemd-cgroup */
	FILE *log;	      /* opened --log, or NULL */
};

struct cella_command {
	const char *name;
	int (*run)(struct cella_cli *cli, int argc, char **argv);
	const char *summary;
	const char *usage;
	/* One line per flag, for --help, the man pages' check and the shell
	 * completions (`cella __complete`, cli/complete.c): "  -s, --long ARG"
	 * then two spaces and the description; ARG a metavariable (FILE, DIR,
	 * PATH: file names) or the choices (table|json). NULL: none. */
	const char *flags;
	const char *more_flags; /* a second list, under its own heading (run) */
};

/* The command table and the global flags (main.c), the flag lists kept in
 * their commands' files. */
extern const struct cella_command cli_commands[];
extern const size_t cli_command_count;
extern const char cli_global_flags[];
extern const char cli_events_help[];
extern const char cli_update_help[];
extern const char cli_quick_help[];

/* cella __complete WORDS...: completion candidates (cli/complete.c). */
int cmd_complete(struct cella_cli *cli, int argc, char **argv);

/* Report an error once (stderr, and the log file when --log), and return the
 * exit status to use. */
int cli_report(struct cella_cli *cli, const cella_error *err);
/* Same, for a usage error built from a format. Returns 1. */
int cli_usage_error(struct cella_cli *cli, const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Print a command's usage (for --help). */
void cli_print_usage(const struct cella_command *cmd, FILE *out);
const struct cella_command *cli_find_command(const char *name);

int cmd_create(struct cella_cli *cli, int argc, char **argv);
int cmd_delete(struct cella_cli *cli, int argc, char **argv);
int cmd_events(struct cella_cli *cli, int argc, char **argv);
int cmd_exec(struct cella_cli *cli, int argc, char **argv);
int cmd_features(struct cella_cli *cli, int argc, char **argv);
int cmd_kill(struct cella_cli *cli, int argc, char **argv);
int cmd_list(struct cella_cli *cli, int argc, char **argv);
int cmd_map(struct cella_cli *cli, int argc, char **argv);
int cmd_pause(struct cella_cli *cli, int argc, char **argv);
int cmd_probe(struct cella_cli *cli, int argc, char **argv);
int cmd_ps(struct cella_cli *cli, int argc, char **argv);
int cmd_resume(struct cella_cli *cli, int argc, char **argv);
int cmd_run(struct cella_cli *cli, int argc, char **argv);
int cmd_spec(struct cella_cli *cli, int argc, char **argv);
int cmd_start(struct cella_cli *cli, int argc, char **argv);
int cmd_state(struct cella_cli *cli, int argc, char **argv);
int cmd_update(struct cella_cli *cli, int argc, char **argv);

/* The resource flags `run` (quick door) and `update` share (cmd_update.c):
 * getopt_long entries whose values are base + enum cli_resource_opt. */
enum cli_resource_opt {
	CLI_RES_MEMORY,
	CLI_RES_MEMORY_SWAP,
	CLI_RES_MEMORY_RESERVATION,
	CLI_RES_CPUS,
	CLI_RES_CPU_QUOTA,
	CLI_RES_CPU_PERIOD,
	CLI_RES_CPU_SHARES,
	CLI_RES_CPUSET_CPUS,
	CLI_RES_CPUSET_MEMS,
	CLI_RES_PIDS_LIMIT,
	CLI_RES_BLKIO_WEIGHT,
	CLI_RES_IO_WEIGHT,
	CLI_RES_DEVICE_READ_BPS,
	CLI_RES_DEVICE_WRITE_BPS,
	CLI_RES_DEVICE_READ_IOPS,
	CLI_RES_DEVICE_WRITE_IOPS,
};
/* clang-format off */
#define CLI_RESOURCE_OPTS(base)                                                             \
	{"memory", required_argument, NULL, (base) + CLI_RES_MEMORY},                        \
	{"memory-swap", required_argument, NULL, (base) + CLI_RES_MEMORY_SWAP},              \
	{"memory-reservation", required_argument, NULL, (base) + CLI_RES_MEMORY_RESERVATION}, \
	{"cpus", required_argument, NULL, (base) + CLI_RES_CPUS},                            \
	{"cpu-quota", required_argument, NULL, (base) + CLI_RES_CPU_QUOTA},                  \
	{"cpu-period", required_argument, NULL, (base) + CLI_RES_CPU_PERIOD},                \
	{"cpu-shares", required_argument, NULL, (base) + CLI_RES_CPU_SHARES},                \
	{"cpuset-cpus", required_argument, NULL, (base) + CLI_RES_CPUSET_CPUS},              \
	{"cpuset-mems", required_argument, NULL, (base) + CLI_RES_CPUSET_MEMS},              \
	{"pids-limit", required_argument, NULL, (base) + CLI_RES_PIDS_LIMIT},                \
	{"blkio-weight", required_argument, NULL, (base) + CLI_RES_BLKIO_WEIGHT},            \
	{"io-weight", required_argument, NULL, (base) + CLI_RES_IO_WEIGHT},                  \
	{"device-read-bps", required_argument, NULL, (base) + CLI_RES_DEVICE_READ_BPS},      \
	{"device-write-bps", required_argument, NULL, (base) + CLI_RES_DEVICE_WRITE_BPS},    \
	{"device-read-iops", required_argument, NULL, (base) + CLI_RES_DEVICE_READ_IOPS},    \
	{"device-write-iops", required_argument, NULL, (base) + CLI_RES_DEVICE_WRITE_IOPS}
/* clang-format on */
#define CLI_RESOURCE_HELP                                                                          \
	"  --memory SIZE        memory limit (512m, 1g; -1 unlimited)\n"                           \
	"  --memory-swap SIZE   memory + swap limit (-1: unlimited swap)\n"                        \
	"  --memory-reservation SIZE  soft memory limit\n"                                         \
	"  --cpus N             CPU time, in CPUs (1.5 = 150000 us per 100000 us)\n"               \
	"  --cpu-quota US       CFS quota per period (-1 none)\n"                                  \
	"  --cpu-period US      CFS period\n"                                                      \
	"  --cpu-shares N       relative CPU weight (2..262144, default 1024)\n"                   \
	"  --cpuset-cpus LIST   CPUs allowed (0-3,7)\n"                                            \
	"  --cpuset-mems LIST   memory nodes allowed\n"                                            \
	"  --pids-limit N       maximum number of processes (-1 unlimited)\n"                      \
	"  --blkio-weight N     block IO weight (10..1000)\n"                                      \
	"  --io-weight N        the same as --blkio-weight\n"                                      \
	"  --device-read-bps DEV:RATE   read bytes/s limit on a block device (1m; repeatable)\n"   \
	"  --device-write-bps DEV:RATE  write bytes/s limit (repeatable)\n"                        \
	"  --device-read-iops DEV:N     read operations/s limit (repeatable)\n"                    \
	"  --device-write-iops DEV:N    write operations/s limit (repeatable)\n"
/* Store a resource flag's value (opt: the getopt value minus base); false
 * when opt is not one of them. */
bool cli_resource_opt(int opt, const char *value, struct cella_resource_flags *f);

#endif
