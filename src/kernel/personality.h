/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The execution domain of the container process (linux.personality,
 * personality(2)): LINUX32 makes uname(2) report a 32-bit machine.
 *
 * Who runs this: the container's init (and the exec process) on itself,
 * before execve, which keeps it.
 */
#ifndef CELLA_KERNEL_PERSONALITY_H
#define CELLA_KERNEL_PERSONALITY_H

#include <stdbool.h>

#include "spec/spec.h"
#include "spec/spec_attrs.h" /* the domain names */
#include "util/error.h"

int personality_apply(const struct cella_personality *p, cella_error *err);

#endif
