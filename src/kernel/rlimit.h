/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef CELLA_RLIMIT_H
#define CELLA_RLIMIT_H

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* setrlimit each entry. Raising a hard limit above the current one needs
 * CAP_SYS_RESOURCE: when the kernel refuses with EPERM the error says which
 * rlimit, the asked and current hard limits, and why. */
int rlimits_apply(const struct cella_rlimit *rl, size_t n, cella_error *err);

#endif
