/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a user namespace's capabilities reach on the host: a capability in a
 * user namespace acts on a file (CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FOWNER...)
 * when the file's owner and group are mapped into it. A namespace that maps
 * host uid 0, or the uids of the host's accounts, or the range the host
 * gives its real users, hands container root the files those own wherever
 * they are reachable (a bind mount, the root filesystem): that is no
 * isolation (issue 14; runc's rootless guidance maps a subordinate range for
 * the same reason).
 *
 * Pure: texts in, answers out (uid_map, passwd or group). Nothing prints.
 */
#ifndef CELLA_INSPECT_REACH_H
#define CELLA_INSPECT_REACH_H

#include <stdbool.h>
#include <stddef.h>

/* The id the kernel hands out for an unmapped one (overflowuid): owning
 * nothing, it is no account's. */
#define REACH_OVERFLOW_ID 65534ULL
/* login.defs' UID_MIN..UID_MAX (and GID_*), Debian's defaults: the ids of
 * real users, whether the local files list them or a directory does. */
#define REACH_USERS_MIN 1000ULL
#define REACH_USERS_MAX 60000ULL

/* Is host id `host` in the outside ranges of a uid_map/gid_map text? */
bool reach_maps_host_id(const char *map_text, unsigned long long host);

/* Does the map reach any host id in lo..hi? */
bool reach_maps_range(const char *map_text, unsigned long long lo, unsigned long long hi);

struct reach_account {
	unsigned long long id;
	char name[64];
};

/* The accounts of db_text (passwd or group: name:x:id:...) whose id the map
 * reaches, but the overflow id: up to max in out, in the db's order; the
 * number of them all is returned. Malformed lines are skipped. */
size_t reach_accounts(const char *map_text, const char *db_text, struct reach_account *out,
		      size_t max);

#endif
