/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inspecting a running process from outside: the facts `cella map` reports.
 *
 * Everything is read, never written: /proc/PID files, the process's root
 * through /proc/PID/root (every path resolved inside it with openat2
 * RESOLVE_IN_ROOT, so a container's symlinks cannot point the reader at the
 * host), and, for what the kernel shows only from inside a namespace (the
 * hostname, the network interfaces, the cgroup root), a short-lived child
 * that enters the process's namespaces, user namespace first, and writes
 * what it sees back over a pipe.
 */
#ifndef CELLA_INSPECT_H
#define CELLA_INSPECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

/* ---- the process itself ---- */

/* A pidfd on pid, so that a reader can tell at the end whether everything
 * it read belonged to one process that was alive throughout (the pid may be
 * reused meanwhile). A zombie counts as gone. O_CLOEXEC. */
int inspect_pin(pid_t pid, cella_error *err);
/* Is the pinned process still alive (not exited, not a zombie)? */
bool inspect_pin_alive(int pidfd);

/* ---- /proc/PID/mountinfo ---- */

struct inspect_mount {
	char *mountpoint;
	char *root; /* the root of the mount within its filesystem */
	char *fstype;
	char *source;
	char *options;	   /* per-mount options: "ro,nosuid,..." */
	char *propagation; /* "private", or the optional fields ("shared:1 master:2") */
	char dev[24];	   /* "major:minor" of the filesystem */
};

/* Parse mountinfo text (pure; octal escapes decoded). */
int inspect_parse_mountinfo(const char *text, struct inspect_mount **out, size_t *n,
			    cella_error *err);
int inspect_mountinfo(pid_t pid, struct inspect_mount **out, size_t *n, cella_error *err);
void inspect_mounts_free(struct inspect_mount *m, size_t n);
/* Does a comma-separated option list hold opt ("ro")? */
bool inspect_has_option(const char *options, const char *opt);

/* ---- /proc/PID/status ---- */

struct inspect_status {
	uid_t uid[4]; /* real, effective, saved, filesystem */
	gid_t gid[4];
	bool no_new_privs;
	int seccomp_mode; /* 0 disabled, 1 strict, 2 filter; -1 unknown */
	int seccomp_filters;
	pid_t ns_pid; /* the pid in its own (innermost) pid namespace */
	char *speculation_store_bypass;
};

int inspect_parse_status(const char *text, struct inspect_status *out, cella_error *err);
int inspect_status(pid_t pid, struct inspect_status *out, cella_error *err);
void inspect_status_clear(struct inspect_status *st);

/* ---- rlimits (/proc/PID/limits: another process's limits cannot be read
 * with prlimit without CAP_SYS_RESOURCE or the same uid) ---- */

#define INSPECT_RLIMIT_MAX 16

struct inspect_rlimit {
	char name[32]; /* "Max open files", as the kernel writes it */
	char unit[16]; /* "files", "bytes", "" */
	uint64_t soft; /* UINT64_MAX = unlimited */
	uint64_t hard;
};

int inspect_parse_limits(const char *text, struct inspect_rlimit out[INSPECT_RLIMIT_MAX], size_t *n,
			 cella_error *err);
int inspect_limits(pid_t pid, struct inspect_rlimit out[INSPECT_RLIMIT_MAX], size_t *n,
		   cella_error *err);

/* ---- scheduling and execution domain ---- */

struct inspect_sched {
	int policy;	      /* SCHED_* (/proc/PID/stat field 41) */
	int nice;	      /* field 19 */
	unsigned rt_priority; /* field 40 */
	int ioprio_class;     /* IOPRIO_CLASS_*: 0 none (follows the nice value) */
	int ioprio_level;
	bool has_personality; /* /proc/PID/personality needs ptrace access */
	unsigned long personality;
	int oom_score_adj;
};

/* Parse the fields after the command of a /proc/PID/stat text (pure). */
int inspect_parse_stat_sched(const char *text, struct inspect_sched *out, cella_error *err);
int inspect_sched(pid_t pid, struct inspect_sched *out, cella_error *err);

/* ---- small /proc/PID files ---- */

/* /proc/PID/NAME ("uid_map", "setgroups", "timens_offsets", "attr/current";
 * pid 0 = self), trailing newline kept. malloc'd. */
int inspect_proc_file(pid_t pid, const char *name, char **out, cella_error *err);

/* How many processes are in the pid namespace whose inode is ino (by
 * walking /proc). For the caller's own, every entry; for another, processes
 * whose namespace the caller may not read cannot be placed: they are not
 * counted, and *unreadable says how many there were. */
int inspect_count_pidns(uint64_t ino, size_t *count, size_t *unreadable, cella_error *err);

/* The host uid (or gid) that id inside maps to, from a uid_map/gid_map text;
 * -1 when unmapped. */
long long inspect_map_id(const char *map_text, unsigned long long id);

/* ---- paths in the process's root ---- */

enum inspect_path_kind {
	INSPECT_PATH_ABSENT = 0,
	INSPECT_PATH_FILE,
	INSPECT_PATH_DIR,
	INSPECT_PATH_CHAR,
	INSPECT_PATH_BLOCK,
	INSPECT_PATH_OTHER,
};

struct inspect_path {
	enum inspect_path_kind kind;
	unsigned major, minor; /* char and block devices */
	bool read_only;	       /* on a read-only mount */
	bool tmpfs;
	bool empty; /* a directory with no entries, or a file of size 0 */
};

/* Look `path` up inside the process's root (RESOLVE_IN_ROOT; a missing path
 * is ABSENT, not an error). */
int inspect_path(pid_t pid, const char *path, struct inspect_path *out, cella_error *err);

struct inspect_device {
	char *name; /* under /dev, "null", "pts/0" is not listed (top level only) */
	char type;  /* 'c' or 'b' */
	unsigned major, minor;
};

/* The device nodes at the top of the process's /dev, sorted by name. */
int inspect_devices(pid_t pid, struct inspect_device **out, size_t *n, cella_error *err);
void inspect_devices_free(struct inspect_device *d, size_t n);

/* ---- from inside the namespaces ---- */

struct inspect_netif {
	char *name;
	bool up;
	bool loopback;
	char **addrs; /* "127.0.0.1/8", "::1/128"; NULL-terminated, may be NULL */
};

struct inspect_inside {
	char *hostname;
	char *domainname;
	char *cgroup; /* /proc/PID/cgroup as the process sees it (its own cgroup ns) */
	struct inspect_netif *ifs;
	size_t n_ifs;
};

/* Enter pid's user (when it differs from the caller's), uts, net and cgroup
 * namespaces in a child and read what the process sees there. pid 0 = the
 * caller's own view (no child). */
int inspect_inside(pid_t pid, struct inspect_inside *out, cella_error *err);
void inspect_inside_clear(struct inspect_inside *in);

#endif
