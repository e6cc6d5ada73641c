/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capability probes: what the table (capprobe.c) and the prober
 * (capprobe_run.c) share. */
#ifndef CELLA_CAPPROBE_INTERNAL_H
#define CELLA_CAPPROBE_INTERNAL_H

#include <stdbool.h>
#include <sys/types.h>

#include "inspect/capprobe.h"

/* What the prober set up, as the operations see it. */
struct capprobe_env {
	uid_t uid; /* the init's ids, which the probe children take */
	gid_t gid;
	bool have_other; /* a second uid and gid are mapped: */
	uid_t other_uid; /* the owner of the throwaway objects */
	gid_t other_gid;
	pid_t other_pid; /* the throwaway process of other_uid, or -1 */
};

/* One run's case: a directory of its own on the scratch tmpfs, owned by the
 * init's uid and gid, and what prepare() made. */
struct capprobe_case {
	int dir;
	int obj; /* a message queue id, or -1 */
};

struct capprobe_op {
	struct capprobe_info info;
	/* Run by the prober, with all its capabilities; may be NULL. */
	int (*prepare)(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err);
	/* Run by a probe child, with the sets under test: the outcome. */
	int (*run)(const struct capprobe_env *e, const struct capprobe_case *c);
};

/* The operation for cap, or NULL when it is not probed. */
const struct capprobe_op *capprobe_op(int cap);

#endif
