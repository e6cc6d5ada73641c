/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources: its typed form, `struct cella_resources` (what the cgroup
 * module applies, kernel/cgroup.h), and the parser from the JSON text the
 * spec parser keeps.
 */
#ifndef CELLA_SPEC_RESOURCES_H
#define CELLA_SPEC_RESOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

/* ---- typed resources (OCI linux.resources) ---- */

/* A device cgroup rule: type 'a' (all), 'c' or 'b'; major/minor -1 = any;
 * access a non-empty subset of "rwm". */
struct cella_device_rule {
	bool allow;
	char type;
	int64_t major, minor;
	char access[4];
};

/* A hugepage limit: hugetlb.<page_size>.limit_in_bytes (v1) or .max (v2). */
struct cella_hugetlb_limit {
	char page_size[16]; /* "2MB", "1GB" */
	uint64_t limit;	    /* bytes */
};

/* A block device throttle: bytes or operations per second, 0 = none. */
struct cella_throttle_device {
	int64_t major, minor;
	uint64_t rate;
};

enum cella_throttle {
	CELLA_THROTTLE_READ_BPS,
	CELLA_THROTTLE_WRITE_BPS,
	CELLA_THROTTLE_READ_IOPS,
	CELLA_THROTTLE_WRITE_IOPS,
	CELLA_THROTTLE_N,
};

/* Their OCI names, under linux.resources.blockIO: "throttleReadBpsDevice". */
extern const char *const cella_throttle_names[CELLA_THROTTLE_N];

/* A blockIO.weightDevice entry: per-device weights (BFQ), 0 = not set. */
struct cella_weight_device {
	int64_t major, minor;
	uint16_t weight;      /* 10..1000 */
	uint16_t leaf_weight; /* 10..1000 */
};

/* A network.priorities entry: net_prio.ifpriomap "NAME PRIORITY". */
struct cella_net_prio {
	char name[16]; /* an interface name (IFNAMSIZ) */
	uint32_t priority;
};

/* A linux.resources.unified member: a cgroup v2 interface file and the value
 * written to it. */
struct cella_unified {
	char *key;
	char *value;
};

/* Each field carries a has_* flag (absent = leave as is). As in runc 1.1, a
 * 0 in config.json is absent for cpu shares, quota, period and real-time
 * fields, memory limit, reservation and swap, blockIO weights and the pids
 * limit (Docker and containerd send zeros for what they leave alone).
 * Memory values are bytes; -1 means unlimited. */
struct cella_resources {
	bool has_memory_limit;
	int64_t memory_limit;
	bool has_memory_reservation;
	int64_t memory_reservation;
	bool has_memory_swap; /* memory + swap, as OCI and cgroup v1 count it */
	int64_t memory_swap;
	bool has_memory_swappiness;
	uint64_t memory_swappiness;	    /* 0..100 (v1 only) */
	bool has_memory_disable_oom_killer; /* v1 memory.oom_control */
	bool memory_disable_oom_killer;

	bool has_cpu_shares;
	uint64_t cpu_shares; /* 2..262144 (v1 refuses what the kernel
				clamps); v2 converts to cpu.weight */
	bool has_cpu_quota;
	int64_t cpu_quota; /* microseconds per period; -1 unlimited */
	bool has_cpu_period;
	uint64_t cpu_period; /* microseconds */
	char *cpu_cpus;	     /* cpuset list "0-3,5", NULL when absent */
	char *cpu_mems;
	bool has_cpu_burst;
	uint64_t cpu_burst; /* microseconds */
	bool has_cpu_idle;
	int64_t cpu_idle; /* 1: the group is scheduled as SCHED_IDLE (cpu.idle) */
	/* Real-time group scheduling (v1 only: cpu.rt_period_us, rt_runtime_us). */
	bool has_cpu_rt_period;
	uint64_t cpu_rt_period; /* microseconds */
	bool has_cpu_rt_runtime;
	int64_t cpu_rt_runtime; /* microseconds per period, -1 unlimited */

	bool has_pids_limit;
	int64_t pids_limit; /* < 0: unlimited ("max"), as runc */

	bool has_blkio_weight;
	uint16_t blkio_weight; /* 10..1000; v2 converts to io.weight */
	bool has_blkio_leaf_weight;
	uint16_t blkio_leaf_weight; /* 10..1000 (v1 CFQ's blkio.leaf_weight) */
	/* Per-device weights: BFQ's blkio.bfq.weight_device (v1) or
	 * io.bfq.weight (v2); refused where BFQ is not there. */
	struct cella_weight_device *weight_device;
	size_t n_weight_device;

	/* linux.resources.network (v1 only: net_cls, net_prio). */
	bool has_net_classid;
	uint32_t net_classid;
	struct cella_net_prio *net_prio;
	size_t n_net_prio;
	/* linux.resources.blockIO.throttle{Read,Write}{Bps,IOPS}Device */
	struct cella_throttle_device *throttle[CELLA_THROTTLE_N];
	size_t n_throttle[CELLA_THROTTLE_N];

	struct cella_hugetlb_limit *hugetlb; /* linux.resources.hugepageLimits */
	size_t n_hugetlb;

	/* linux.resources.unified (cgroup v2 only): keys checked at parse time
	 * (no `/`, no `..`, not a cgroup.* core file) and at apply time (a file
	 * of the container's cgroup). */
	struct cella_unified *unified;
	size_t n_unified;

	/* linux.resources.devices, in order (v1: devices.allow/deny; v2: an
	 * eBPF device filter, cgroup_bpf.h). */
	struct cella_device_rule *devices;
	size_t n_devices;

	/* JSON paths of members that were read but are not applied by this
	 * build ("linux.resources.hugepageLimits"...): NULL-terminated, may be
	 * NULL. The engine warns about them. */
	char **ignored;
};

void cella_resources_clear(struct cella_resources *r);
/* True when r asks for anything this module applies. */
bool cella_resources_any(const struct cella_resources *r);

/*
 * Parse the text of a linux.resources object (NULL: nothing asked). On
 * failure *out is cleared and err names the JSON path:
 *   linux.resources.memory.limit: expected an integer
 * Members this build does not apply (blockIO.weightDevice, network,
 * rdma, memory.kernel...) are listed in
 * out->ignored; unknown members are skipped, as OCI allows.
 */
int cella_spec_resources_parse(const char *json, struct cella_resources *out, cella_error *err);

/*
 * When the device rules deny everything (the default spec's first rule),
 * allow right after the last such rule what every container needs, as runc
 * and crun do: mknod, the default devices (null, zero, full, random,
 * urandom, tty), console, ptmx and pts. The spec's rules after it still
 * apply (a deny of /dev/null wins). Nodes of linux.devices get no rule of
 * their own (runc gives none either): the cgroup rules alone decide whether
 * they open.
 */
void cella_spec_resources_device_defaults(struct cella_resources *r);

/*
 * Resource flags as podman (and runc update) spell them, values as given on
 * the command line; NULL = not given. Sizes take podman's units (512m, 1g,
 * 1.5g; -1 unlimited), --cpus a decimal (quota = cpus x 100000 us per
 * 100000 us period).
 */
#define CELLA_FLAGS_MAX_DEVICES 16

struct cella_resource_flags {
	const char *memory;		/* --memory: memory.limit */
	const char *memory_swap;	/* --memory-swap: memory.swap (memory + swap) */
	const char *memory_reservation; /* --memory-reservation */
	const char *cpus;		/* --cpus: cpu.quota and cpu.period */
	const char *cpu_quota;		/* --cpu-quota (us, -1 none) */
	const char *cpu_period;		/* --cpu-period (us) */
	const char *cpu_shares;		/* --cpu-shares */
	const char *cpuset_cpus;	/* --cpuset-cpus: cpu.cpus */
	const char *cpuset_mems;	/* --cpuset-mems: cpu.mems */
	const char *pids_limit;		/* --pids-limit (-1 or 0: unlimited) */
	const char *blkio_weight;	/* --blkio-weight / --io-weight: blockIO.weight */
	const char *blkio_flag;		/* the spelling used, for messages */
	/* --device-{read,write}-{bps,iops} PATH:RATE, repeatable: by enum
	 * cella_throttle (blockIO.throttle*Device). */
	const char *throttle[CELLA_THROTTLE_N][CELLA_FLAGS_MAX_DEVICES];
	size_t n_throttle[CELLA_THROTTLE_N];
	const char *throttle_overflow; /* a device flag given too many times */
};

bool cella_resource_flags_any(const struct cella_resource_flags *f);
/* Merge the flags into *json, the text of a linux.resources object (NULL:
 * start from {}), replacing it; nothing changes when no flag is given or on
 * failure (the message names the flag and its value). */
int cella_resource_flags_to_json(const struct cella_resource_flags *f, char **json,
				 cella_error *err);
/* A size with podman's units ("512m", "1g", "1.5GiB", "-1"): bytes. */
int cella_parse_size(const char *flag, const char *s, int64_t *out, cella_error *err);

#endif
