/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Credentials of the container process: supplementary groups, gid, uid,
 * umask.
 *
 * Who runs this: the container's setup child, inside its user namespace (if
 * any), with CAP_SETGID and CAP_SETUID. Groups first, then the gid (both need
 * CAP_SETGID), then the uid last since it gives the capabilities up (unless
 * the caller set PR_SET_KEEPCAPS).
 */
#include "kernel/cred.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* runc's default when process.user.umask is absent. */
#define CELLA_DEFAULT_UMASK 0022

/* "[100, 1000]" into buf, shortened with "..." when it does not fit. */
static const char *gid_list(const gid_t *gids, size_t n, char *buf, size_t len)
{
	size_t used = 0;
	int w;

	w = snprintf(buf, len, "[");
	used = (size_t)w;
	for (size_t i = 0; i < n; i++) {
		if (used + 24 >= len) {
			snprintf(buf + used, len - used, "...");
			used += 3;
			break;
		}
		w = snprintf(buf + used, len - used, "%s%u", i ? ", " : "", (unsigned)gids[i]);
		used += (size_t)w;
	}
	snprintf(buf + used, len - used, "]");
	return buf;
}

static int apply_groups(const struct cella_user *user, bool setgroups_allowed, cella_error *err)
{
	char list[256];

	if (!setgroups_allowed) {
		/* /proc/PID/setgroups is "deny" (a single-id mapping written
		 * by an unprivileged user): the groups cannot change. */
		if (user->n_additional_gids == 0)
			return 0;
		return cella_err(
		    err, EPERM,
		    "set process.user.additionalGids %s: setgroups is denied in the "
		    "user namespace",
		    gid_list(user->additional_gids, user->n_additional_gids, list, sizeof(list)));
	}
	/* An empty list drops the groups the host process had. */
	if (setgroups(user->n_additional_gids,
		      user->n_additional_gids ? user->additional_gids : NULL) < 0) {
		int e = errno;
		gid_list(user->additional_gids, user->n_additional_gids, list, sizeof(list));
		if (e == EINVAL)
			return cella_err(err, e,
					 "setgroups process.user.additionalGids %s: a gid may not "
					 "be mapped in the user namespace",
					 list);
		return cella_err(err, e, "setgroups process.user.additionalGids %s", list);
	}
	return 0;
}

int cred_apply_user(const struct cella_user *user, bool setgroups_allowed, cella_error *err)
{
	int r = apply_groups(user, setgroups_allowed, err);

	if (r < 0)
		return r;
	if (setresgid(user->gid, user->gid, user->gid) < 0) {
		if (errno == EINVAL)
			return cella_err(err, errno,
					 "setresgid process.user.gid %u: it may not be mapped in "
					 "the user namespace",
					 (unsigned)user->gid);
		return cella_err(err, errno, "setresgid process.user.gid %u", (unsigned)user->gid);
	}
	if (setresuid(user->uid, user->uid, user->uid) < 0) {
		if (errno == EINVAL)
			return cella_err(err, errno,
					 "setresuid process.user.uid %u: it may not be mapped in "
					 "the user namespace",
					 (unsigned)user->uid);
		return cella_err(err, errno, "setresuid process.user.uid %u", (unsigned)user->uid);
	}
	return 0;
}

void cred_apply_umask(const struct cella_user *user)
{
	umask(user->has_umask ? (user->umask & 0777) : CELLA_DEFAULT_UMASK);
}
