/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Credentials: uid, gid, supplementary groups, umask of the container
 * process. */
#ifndef CELLA_CRED_H
#define CELLA_CRED_H

#include <stdbool.h>

#include "spec/spec.h"
#include "util/error.h"

/* setgroups(additional gids), setresgid, setresuid. When setgroups is
 * denied in the user namespace (single-id mapping) an empty list is not an
 * error; a non-empty one is, naming process.user.additionalGids. */
int cred_apply_user(const struct cella_user *user, bool setgroups_allowed, cella_error *err);
/* process.user.umask, or runc's default 0022. Cannot fail, but a seccomp
 * profile may refuse it: call it before loading one. */
void cred_apply_umask(const struct cella_user *user);

#endif
