/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keyrings: the container's own session keyring. */
#ifndef CELLA_KEYRING_H
#define CELLA_KEYRING_H

#include "util/error.h"

/* Join a new session keyring named `name`, so that the container does not
 * share the caller's (and its keys). A kernel without keyrings (ENOSYS) is
 * not an error. */
int keyring_join_session(const char *name, cella_error *err);

#endif
