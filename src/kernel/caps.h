/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capabilities: the five sets of a process. */
#ifndef CELLA_CAPS_H
#define CELLA_CAPS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* Highest capability number the running kernel knows
 * (/proc/sys/kernel/cap_last_cap). */
int caps_last_cap(void);

/* Apply the five sets to the calling process, as the last privileged step
 * before no_new_privs/seccomp/execve, after the uid switch (the caller keeps
 * capabilities across it with caps_keep_on_setuid):
 *   bounding: every cap not in the set dropped with PR_CAPBSET_DROP;
 *   effective/permitted/inheritable: capset();
 *   ambient: cleared, then each raised with PR_CAP_AMBIENT_RAISE.
 * A cap above the kernel's last cap is skipped with a warning (as runc), and
 * so is an ambient cap missing from permitted or inheritable. An effective cap
 * missing from permitted is an error. CAP_SETPCAP is made effective from the
 * permitted set first when the uid switch cleared it. */
int caps_apply(const struct cella_caps *caps, cella_error *err);

/* Whether the calling process has no capability, permitted or effective
 * (false when that cannot be read). */
bool caps_none_held(void);

/* The calling process's securebits (PR_GET_SECUREBITS), -1 when unknown. */
int caps_securebits(void);

/* PR_SET_KEEPCAPS on or off. */
int caps_keep_on_setuid(int on, cella_error *err);

/* Read a process's five sets from /proc/PID/status (0 = self). */
int caps_read_status(pid_t pid, struct cella_caps *out, cella_error *err);

/* Parse the CapInh/CapPrm/CapEff/CapBnd/CapAmb lines of a /proc/PID/status
 * text (pure; *out written only on success). */
int caps_parse_status(const char *text, struct cella_caps *out, cella_error *err);

#endif
