/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Device control on cgroup v2: an eBPF program of type
 * BPF_PROG_TYPE_CGROUP_DEVICE, attached to the container's cgroup, which the
 * kernel runs on every open and mknod of a device node by a process in it
 * (or below it), and which answers 1 (allow) or 0 (EPERM).
 *
 * One spec must give the same access on a v1 and a v2 host, so the OCI rules
 * (linux.resources.devices, in order) are first folded the way cgroup v1's
 * devices.allow and devices.deny files fold them (the kernel's
 * devcgroup_update_access, as runc emulates it):
 *   - a rule of type `a` resets the list: allow = every device allowed, deny =
 *     every device denied (v1 ignores its numbers and its access);
 *   - a rule that goes against the default (allow when everything is denied,
 *     deny when everything is allowed) adds its access to the exception with
 *     the same type, major and minor, or adds that exception;
 *   - a rule that goes with the default takes its access away from the
 *     exception with exactly the same type, major and minor (removed when
 *     nothing is left) and from no other.
 * The program then checks a request against the result as v1 does: with
 * everything denied, allowed when one exception matches its type and numbers
 * and holds every access bit asked for; with everything allowed, denied when
 * an exception matches and shares an access bit.
 *
 * For the lists engines write (deny all; allow the standard devices; maybe
 * deny access to one of them) that is "the last matching rule wins". Where
 * v1 ignores part of a rule (a deny of `c 1:3 m` after an allow of
 * `c *:* m`: v1 cannot punch a hole in a wildcard) the fold says so in
 * `ignored`, and the cgroup driver warns; runc refuses such a rule.
 */
#ifndef CELLA_CGROUP_BPF_H
#define CELLA_CGROUP_BPF_H

#include <linux/bpf.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/cgroup.h"
#include "util/error.h"

/* The name cella gives its programs (bpf_prog_info.name), how it tells the
 * device filters it attached from anyone else's. */
#define CELLA_DEVCG_PROG_NAME "cella_devices"

/* The most instructions a filter may have (the kernel's BPF_MAXINSNS, which
 * every kernel takes): about 450 exceptions. */
#define CELLA_DEVCG_MAX_INSNS 4096

/* An exception of the folded list. */
struct cella_devcg_entry {
	char type;	      /* 'c' or 'b' */
	int64_t major, minor; /* -1 = any */
	unsigned access;      /* BPF_DEVCG_ACC_MKNOD | _READ | _WRITE */
};

/* A rule v1 applies only in part, and the exception that keeps it from
 * taking effect. */
struct cella_devcg_ignored {
	size_t rule; /* index into the rules given to cella_devcg_fold */
	struct cella_devcg_entry by;
};

struct cella_devcg {
	bool allow_default; /* true: everything but the exceptions is allowed */
	struct cella_devcg_entry *ex;
	size_t n_ex;
	struct cella_devcg_ignored *ignored;
	size_t n_ignored;
};

/* "rwm" letters to BPF_DEVCG_ACC_* bits. */
unsigned cella_devcg_access(const char *rwm);

/* Fold rules as cgroup v1 would (see above). Pure; free with
 * cella_devcg_clear(). */
void cella_devcg_fold(const struct cella_device_rule *rules, size_t n, struct cella_devcg *out);
void cella_devcg_clear(struct cella_devcg *d);

/*
 * The program checking a request against d: *insns (malloc'd, *n of them).
 * Fails (E2BIG) when it would be longer than CELLA_DEVCG_MAX_INSNS. Pure.
 */
int cella_devcg_emit(const struct cella_devcg *d, struct bpf_insn **insns, size_t *n,
		     cella_error *err);

/* Both, from the OCI rules. */
int cella_devcg_build(const struct cella_device_rule *rules, size_t n, struct bpf_insn **insns,
		      size_t *n_insns, cella_error *err);

/* "c 1:3 rwm", as devices.list writes it. */
void cella_devcg_format(char type, int64_t major, int64_t minor, unsigned access, char *buf,
			size_t size);

/* ---- the kernel ---- */

/*
 * bpf(BPF_PROG_LOAD) of a device filter named CELLA_DEVCG_PROG_NAME: its fd
 * (close-on-exec, as every bpf fd) or < 0. When the kernel refuses it, the
 * message carries the verifier's log.
 */
int cella_devcg_load(const struct bpf_insn *insns, size_t n, cella_error *err);

/*
 * Make prog_fd the cgroup's device filter: attach it (BPF_F_ALLOW_MULTI),
 * then detach the device filters cella attached before (BPF_PROG_QUERY,
 * named CELLA_DEVCG_PROG_NAME), so that the cgroup is never without one.
 * Programs attached by others are left alone.
 */
int cella_devcg_install(int cgroup_fd, int prog_fd, cella_error *err);

/* Ids of the device filters attached to the cgroup itself (not inherited),
 * and how many of them are cella's. */
int cella_devcg_query(int cgroup_fd, uint32_t **ids, size_t *n, size_t *n_cella, cella_error *err);

#endif
