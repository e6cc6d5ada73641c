/* SPDX-License-Identifier: GPL-2.0-or-later */
/* User namespaces: uid/gid maps and the setgroups policy. */
#ifndef CELLA_USERNS_H
#define CELLA_USERNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* "0 1000 1\n1 100000 65536\n": the uid_map/gid_map text. Pure. */
char *idmap_format(const struct cella_idmap *maps, size_t n);

/* Validate maps: non-empty, sizes > 0, no overlap inside or outside, no
 * overflow. Pure; `what` names the field ("linux.uidMappings"). */
int idmap_validate(const struct cella_idmap *maps, size_t n, const char *what, cella_error *err);

/* Does this mapping set need setgroups denied? (the kernel demands "deny"
 * when an unprivileged writer maps the gid itself). */
bool idmap_needs_setgroups_deny(bool privileged_writer);

/* Parent side, after the child unshared its user namespace (#1): write
 * /proc/PID/setgroups ("deny" when deny_setgroups), then gid_map and uid_map.
 * As root the files are written directly; otherwise, when the maps cover
 * more than the caller's own ids, through newuidmap/newgidmap. */
int userns_write_maps(pid_t pid, const struct cella_idmap *uid, size_t n_uid,
		      const struct cella_idmap *gid, size_t n_gid, bool deny_setgroups,
		      cella_error *err);

/* Does this process run in the initial user namespace (its uid_map the
 * identity over all of 0..2^32-2)? False inside one, as rootless podman
 * runs its runtime (euid 0 there, but no privilege over the host's
 * cgroups). */
bool userns_is_initial(void);

/* Is setgroups(2) denied in this process's user namespace
 * (/proc/self/setgroups "deny", as a user namespace made without newgidmap
 * has it, rootless podman's among them)? */
bool userns_setgroups_denied(void);

/* Can this process create a user namespace? When not, the error names the
 * knob (user.max_user_namespaces, kernel.unprivileged_userns_clone,
 * kernel.apparmor_restrict_unprivileged_userns). */
int userns_check_available(cella_error *err);

/* The caller's subordinate ranges from /etc/subuid and /etc/subgid (by name
 * and by uid), when newuidmap/newgidmap are installed. Returns 0 with
 * *found = false when there is none. */
int userns_subid_range(const char *file, uid_t id, const char *name, uint32_t *start,
		       uint32_t *count, bool *found, cella_error *err);

/* The quick door as root (userns_auto.c): a range of 65536 host ids of
 * the "cella" reservation in /etc/subuid and /etc/subgid (made on first
 * use), held by this process until it exits. */
#define USERNS_AUTO_NAME  "cella"
#define USERNS_AUTO_COUNT (65536U * 1024U)
int userns_auto_range(uint32_t *uid, uint32_t *gid, cella_error *err);

#endif
