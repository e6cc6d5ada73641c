/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The systemd cgroup driver in the life cycle (kernel/cgroup_systemd.h):
 *   create   the host and the bus are checked before anything exists; at #4
 *            the scope is started with the init in it, then the limits are
 *            written into the delegated cgroup; ROOT/ID/systemd.unit keeps
 *            the unit's name ("system\n" or "user\n" after it);
 *   update   SetUnitProperties, then the cgroup's files;
 *   delete   StopUnit once the processes are gone.
 */
#ifndef CELLA_ENGINE_SYSTEMD_H
#define CELLA_ENGINE_SYSTEMD_H

#include "engine/internal.h"

#define SYSTEMD_UNIT_FILE "systemd.unit"

/* prepare_cgroup, with --systemd-cgroup: fills c->sd. */
int engine_systemd_prepare(const struct cella_create_opts *o, struct cella_ctx *c,
			   cella_error *err);
/* #4: the scope, with pid in it; c->cgroup is its cgroup, limits applied. */
int engine_systemd_enter(struct cella_ctx *c, pid_t pid, cella_error *err);
int engine_systemd_save(int dirfd, const struct cella_ctx *c, cella_error *err);
/* A failed create: stop the scope if it was started. */
void engine_systemd_abort(struct cella_ctx *c);

/* The saved unit of the container whose state directory is dirfd: 1 with
 * *unit and *user, 0 when it has none. */
int engine_systemd_load(int dirfd, char **unit, bool *user, cella_error *err);
/* update and delete: through the saved unit (no-ops without one). */
int engine_systemd_update(int dirfd, const struct cella_resources *r, cella_error *err);
int engine_systemd_stop(int dirfd, cella_error *err);

#endif
