/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state directory of a container: ROOT/ID/{state.json,exec.fifo}. */
#ifndef CELLA_ENGINE_STATE_H
#define CELLA_ENGINE_STATE_H

#include "engine/engine.h"

#define STATE_FILE	  "state.json"
#define EXEC_FIFO	  "exec.fifo"
#define SECCOMP_PROG_FILE "seccomp.bpf" /* the compiled filter, for exec */
/* The config's seccomp rules left out of it (syscalls libseccomp does not
 * know): "RULE NAME ACTION" lines, for `cella map`. */
#define SECCOMP_DROPPED_FILE "seccomp.dropped"
/* The configuration as it was applied at create (the bundle's may change
 * after): what `cella map` checks the container against. */
#define APPLIED_CONFIG_FILE "config.json"

/* mkdir ROOT (0711) and ROOT/ID (0700), exclusively, with `initial` (pid 0,
 * the creator) already in ROOT/ID/state.json: the directory is made under a
 * temporary name, locked, filled and renamed into place, so that ROOT/ID
 * never exists without a state that says who is creating it. Returns an
 * O_DIRECTORY fd of ROOT/ID, locked (flock LOCK_EX); -EEXIST when the id is
 * taken. */
int state_dir_create(const char *root, const char *id, const struct cella_state *initial,
		     cella_error *err);
/* ROOT opened (O_PATH, following links) and checked through that fd: a
 * directory of this user's alone (owned by the effective uid, no group or
 * other write bit; whoever else can write ROOT can plant a state directory,
 * and its hooks.json, that our next command trusts). The fd, -EPERM naming
 * root when it is not ours alone, or -ENOENT (nothing said) when root does
 * not exist. Everything under ROOT is then opened relative to the fd. */
int state_root_open(const char *root, cella_error *err);
/* Remove the ROOT/.new/PID-N directories of runtimes killed while making a
 * state directory (rootfd: ROOT). */
void state_root_tidy(const char *root, int rootfd);
/* Whether dirfd is still the directory at ROOT/ID (not removed, not
 * replaced). */
bool state_dir_linked(const char *root, const char *id, int dirfd);
/* Open and lock ROOT/ID; "container `ID` does not exist" when missing. */
int state_dir_open(const char *root, const char *id, cella_error *err);
/* The same, not locked (a reader that must not wait for, or hold, the
 * lock a command on the container takes after it). */
int state_dir_open_unlocked(const char *root, const char *id, cella_error *err);
/* Remove ROOT/ID and what is in it. */
int state_dir_remove(const char *root, const char *id, cella_error *err);

/* Atomically (a temporary file exchanged with the old one) store st in
 * dirfd/state.json. */
int state_write(int dirfd, const struct cella_state *st, cella_error *err);
/* Load dirfd/state.json and compute st->status. */
int state_load(int dirfd, const char *id, struct cella_state *st, cella_error *err);

#endif
