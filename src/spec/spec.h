/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The typed OCI runtime spec (config.json), as the engine consumes it.
 *
 * The spec layer is the only one that knows JSON (jansson). It parses a
 * config.json into `struct cella_spec`, emits one back (`cella spec`,
 * `cella run --print-spec`), and builds the default spec the quick door
 * starts from. Kernel modules receive the plain C types below and in the
 * spec's other headers (spec_resources.h, spec_seccomp.h, spec_attrs.h):
 * the spec layer owns them and depends on nothing above src/util.
 *
 * Every string is owned by the spec (freed by cella_spec_free). "Optional"
 * scalar fields carry a has_* flag. Arrays carry an explicit count.
 */
#ifndef CELLA_SPEC_H
#define CELLA_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "util/error.h"

#define CELLA_OCI_VERSION "1.2.0"

/* Namespace types, in the order they are joined/created (user first). The
 * order and names are the table in kernel/ns.c. */
enum cella_ns_type {
	CELLA_NS_USER = 0,
	CELLA_NS_MOUNT,
	CELLA_NS_PID,
	CELLA_NS_NET,
	CELLA_NS_IPC,
	CELLA_NS_UTS,
	CELLA_NS_CGROUP,
	CELLA_NS_TIME,
	CELLA_NS_COUNT
};

struct cella_ns_conf {
	bool enabled; /* listed in linux.namespaces */
	char *path;   /* join this namespace instead of creating one; NULL = new */
};

struct cella_idmap {
	uint32_t container_id;
	uint32_t host_id;
	uint32_t size;
};

struct cella_mount {
	char *destination;		  /* required, absolute */
	char *type;			  /* may be NULL (bind mounts) */
	char *source;			  /* may be NULL */
	char **options;			  /* NULL-terminated, may be NULL */
	struct cella_idmap *uid_mappings; /* idmapped mounts (parsed, kept) */
	size_t n_uid_mappings;
	struct cella_idmap *gid_mappings;
	size_t n_gid_mappings;
};

struct cella_rlimit {
	int resource; /* RLIMIT_* number */
	char *type;   /* "RLIMIT_NOFILE", as written */
	uint64_t soft;
	uint64_t hard;
};

/* Capability sets as bit masks (bit N = capability number N, as libcap and
 * the kernel number them). A name unknown to libcap is a parse error; a
 * known name above the running kernel's last cap is kept and warned about
 * at apply time. */
struct cella_caps {
	uint64_t bounding;
	uint64_t effective;
	uint64_t inheritable;
	uint64_t permitted;
	uint64_t ambient;
};

struct cella_user {
	uid_t uid;
	gid_t gid;
	bool has_umask;
	mode_t umask;
	gid_t *additional_gids;
	size_t n_additional_gids;
	char *username; /* Windows only in OCI; parsed and ignored */
};

/* process.scheduler, for sched_setattr(2): policy and flags as the kernel
 * numbers them (SCHED_*, SCHED_FLAG_*; names in spec_attrs.h). */
struct cella_scheduler {
	int policy;
	int32_t nice;	  /* -20..19 */
	int32_t priority; /* 1..99 for SCHED_FIFO and SCHED_RR, else 0 */
	uint64_t flags;
	uint64_t runtime, deadline, period; /* ns, SCHED_DEADLINE only */
};

/* process.ioPriority, for ioprio_set(2): IOPRIO_CLASS_* as the kernel
 * numbers them, and the level within the class. */
struct cella_io_priority {
	int class_;
	int priority; /* 0 (highest) .. 7 */
};

/* linux.personality, for personality(2): the execution domain (PER_LINUX,
 * PER_LINUX32). The spec defines no flags: any is refused. */
struct cella_personality {
	unsigned long domain;
};

/* linux.memoryPolicy, for set_mempolicy(2): MPOL_* and MPOL_F_* as the
 * kernel numbers them, the node list as written (NULL: none) and as a mask
 * (1024 nodes, the kernel's largest MAX_NUMNODES). */
#define CELLA_MEMPOLICY_LONGS (1024 / (8 * sizeof(unsigned long)))
struct cella_mempolicy {
	int mode;
	unsigned flags;
	char *nodes;
	unsigned long mask[CELLA_MEMPOLICY_LONGS];
};

struct cella_process {
	bool terminal;
	bool has_console_size;
	unsigned console_height, console_width;
	struct cella_user user;
	char **args;	    /* NULL-terminated, at least one element */
	char *command_line; /* Windows only; parsed and ignored */
	char **env;	    /* NULL-terminated, may be NULL */
	char *cwd;	    /* required, absolute */
	bool has_caps;	    /* process.capabilities present */
	struct cella_caps caps;
	struct cella_rlimit *rlimits;
	size_t n_rlimits;
	bool no_new_privileges;
	bool has_oom_score_adj;
	int oom_score_adj;
	char *apparmor_profile;
	char *selinux_label;
	bool has_scheduler;
	struct cella_scheduler scheduler;
	bool has_io_priority;
	struct cella_io_priority io_priority;
	/* process.execCPUAffinity (exec processes only, not the init): CPU
	 * lists ("0-3,7"), NULL when unset. initial: before the process joins
	 * the container's cgroup; final: after. */
	char *exec_cpus_initial;
	char *exec_cpus_final;
};

struct cella_device {
	char type; /* 'c', 'b', 'u' or 'p' */
	char *path;
	int64_t major, minor; /* -1 when absent (only allowed for 'p') */
	bool has_file_mode;
	mode_t file_mode;
	bool has_uid, has_gid;
	uid_t uid;
	gid_t gid;
};

struct cella_default_device {
	const char *path; /* "/dev/null" */
	char type;	  /* 'c' */
	unsigned major, minor;
	mode_t mode; /* permission bits, 0666 */
};

/* The devices every container gets (kernel/dev.c makes them, the default
 * device cgroup rules allow them): /dev/null, zero, full, random, urandom,
 * tty (as runc and crun); spec_default.c. */
extern const struct cella_default_device cella_default_devices[];
extern const size_t cella_n_default_devices;

struct cella_kv {
	char *key;
	char *value;
};

struct cella_time_offset {
	bool set;
	int64_t secs;
	uint32_t nanosecs;
};

struct cella_hook {
	char *path;
	char **args; /* may be NULL */
	char **env;  /* may be NULL */
	bool has_timeout;
	int timeout; /* seconds, > 0 */
};

enum cella_hook_kind {
	CELLA_HOOK_PRESTART = 0,
	CELLA_HOOK_CREATE_RUNTIME,
	CELLA_HOOK_CREATE_CONTAINER,
	CELLA_HOOK_START_CONTAINER,
	CELLA_HOOK_POSTSTART,
	CELLA_HOOK_POSTSTOP,
	CELLA_HOOK_COUNT
};

/* "prestart", "createRuntime"... as config.json spells them (the hooks
 * table, spec_fields.c); NULL for a kind out of range. */
const char *cella_hook_kind_name(enum cella_hook_kind k);

struct cella_hooks {
	struct cella_hook *list[CELLA_HOOK_COUNT];
	size_t count[CELLA_HOOK_COUNT];
};

struct cella_seccomp;

struct cella_linux {
	struct cella_ns_conf ns[CELLA_NS_COUNT];
	struct cella_idmap *uid_mappings;
	size_t n_uid_mappings;
	struct cella_idmap *gid_mappings;
	size_t n_gid_mappings;
	struct cella_kv *sysctl;
	size_t n_sysctl;
	char *rootfs_propagation; /* NULL = default (rprivate) */
	char **masked_paths;	  /* NULL-terminated, may be NULL */
	char **readonly_paths;	  /* NULL-terminated, may be NULL */
	struct cella_device *devices;
	size_t n_devices;
	struct cella_time_offset time_monotonic;
	struct cella_time_offset time_boottime;
	char *cgroups_path;
	char *mount_label;
	/* Kept as JSON text for the cgroup and seccomp modules' own typed
	 * parsers (issues 4 and 5); NULL when absent. */
	char *resources_json;
	char *seccomp_json;
	struct cella_seccomp *seccomp; /* linux.seccomp, typed (spec_seccomp.h) */
	/* seccomp_json is cella_spec_seccomp_to_json(seccomp), the canonical
	 * form (made with it, as the quick door does), not a config's text:
	 * whoever changes seccomp afterwards clears it. */
	bool seccomp_json_canonical;
	char *intel_rdt_json;
	bool has_personality;
	struct cella_personality personality;
	bool has_memory_policy;
	struct cella_mempolicy memory_policy;
	/* linux.netDevices: key the host's interface, value its name in the
	 * container (NULL: the same). */
	struct cella_kv *net_devices;
	size_t n_net_devices;
};

struct cella_spec {
	char *oci_version;
	char *root_path; /* as written; relative to the bundle */
	bool root_readonly;
	char *hostname;		       /* NULL = not set (keep) */
	char *domainname;	       /* NULL = not set */
	struct cella_process *process; /* NULL when absent (allowed by OCI
					  for create, refused by the engine) */
	struct cella_mount *mounts;
	size_t n_mounts;
	struct cella_hooks hooks;
	struct cella_kv *annotations;
	size_t n_annotations;
	bool has_linux;
	struct cella_linux linux_;
};

/* Parse config.json text. `origin` names the file in messages. On failure
 * err->msg reads `config.json:12:7: process.args[2]: expected a string`. */
int cella_spec_parse(const char *text, size_t len, const char *origin, struct cella_spec **out,
		     cella_error *err);
/* The largest config.json or process file cella reads (4 MiB; runc's
 * default config is 2.5 KiB, Docker's seccomp profile 20 KiB). */
#define CELLA_SPEC_MAX_BYTES ((size_t)4 << 20)
/* Read and parse a file: a regular file (a FIFO, a device, a symlink to
 * one is refused) of at most CELLA_SPEC_MAX_BYTES. */
int cella_spec_load(const char *path, struct cella_spec **out, cella_error *err);

/* Serialize to pretty JSON (runc's layout: 2-space indent... we use tabs
 * like runc spec). Returns a malloc'd string. */
char *cella_spec_to_json(const struct cella_spec *spec);

void cella_spec_free(struct cella_spec *spec);
void cella_spec_freep(struct cella_spec **spec);
#define cleanup_spec __attribute__((cleanup(cella_spec_freep)))

/* The default spec, as `runc spec` writes it (rootless: as `runc spec
 * --rootless`, with a user namespace mapping `host_uid`/`host_gid` to 0 and
 * no network namespace). Args default to ["sh"]. */
struct cella_spec *cella_spec_default(bool rootless, uid_t host_uid, gid_t host_gid);

/* Names ("user", "mount", "pid"...) as OCI spells them. */
const char *cella_ns_type_name(enum cella_ns_type t);
/* Returns -1 for an unknown name. Accepts OCI names ("network", "mount")
 * and, when short is true, also the short forms "net", "mnt". */
int cella_ns_type_from_name(const char *name, bool accept_short);

/* Capability names for masks (via libcap). */
int cella_cap_from_name(const char *name); /* -1 if unknown */
/* Static string "CAP_CHOWN"; NULL when libcap does not know the number. */
const char *cella_cap_name(int cap);
/* The highest capability number libcap knows. */
int cella_cap_last_known(void);

/* RLIMIT_* names. */
int cella_rlimit_from_name(const char *name); /* -1 if unknown */
const char *cella_rlimit_name(int resource);

/* Does linux.resources ask for anything besides device rules (memory, cpu,
 * pids... limits)? */
bool cella_spec_resources_beyond_devices(const struct cella_spec *spec);

/* Editing helpers used by the quick door (`cella run` flags). */
void cella_spec_set_args(struct cella_spec *spec, char *const *args);
/* Set or replace K in process.env from "K=V". */
void cella_spec_setenv(struct cella_spec *spec, const char *kv);
void cella_spec_add_mount(struct cella_spec *spec, const char *dest, const char *type,
			  const char *source, char *const *options);
/* Remove the mount whose destination is dest; returns true if one was. */
bool cella_spec_remove_mount(struct cella_spec *spec, const char *dest);
void cella_spec_set_ns(struct cella_spec *spec, enum cella_ns_type t, bool enabled,
		       const char *path);

#endif
