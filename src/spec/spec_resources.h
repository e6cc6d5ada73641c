/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources (kept as JSON text by the spec parser) into the cgroup
 * module's typed `struct cella_resources`.
 */
#ifndef CELLA_SPEC_RESOURCES_H
#define CELLA_SPEC_RESOURCES_H

#include "kernel/cgroup.h"
#include "util/error.h"

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
