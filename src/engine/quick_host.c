/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the quick door needs to know about the caller. */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "kernel/userns.h"
#include "spec/quick.h"
#include "util/util.h"

static bool have_program(const char *name)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;
	bool found = false;

	copy = xstrdup(path ? path : "/usr/bin:/bin:/usr/sbin:/sbin");
	for (char *dir = strtok_r(copy, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char *p = xasprintf("%s/%s", dir, name);
		found = access(p, X_OK) == 0;
		free(p);
	}
	free(copy);
	return found;
}

int cella_quick_host_facts(struct cella_quick *q, cella_error *err)
{
	struct passwd *pw;
	const char *name;

	q->host_uid = geteuid();
	q->host_gid = getegid();
	q->has_subuid = q->has_subgid = false;
	q->auto_userns = false;
	/* As root, the container's ids are unprivileged ones of its own
	 * (kernel/userns_auto.c) unless asked otherwise. */
	if (q->host_uid == 0 && cella_quick_new_userns(q) && !q->userns_host && q->uidmap == NULL &&
	    q->gidmap == NULL) {
		if (userns_auto_range(&q->auto_uid, &q->auto_gid, err) < 0)
			return cella_err_context(err, "the quick door's user namespace");
		q->auto_userns = true;
		return 0;
	}
	if (q->host_uid == 0 || !have_program("newuidmap") || !have_program("newgidmap"))
		return 0;
	pw = getpwuid(q->host_uid);
	name = pw ? pw->pw_name : NULL;
	userns_subid_range("/etc/subuid", q->host_uid, name, &q->subuid_start, &q->subuid_count,
			   &q->has_subuid, NULL);
	userns_subid_range("/etc/subgid", q->host_uid, name, &q->subgid_start, &q->subgid_count,
			   &q->has_subgid, NULL);
	return 0;
}

char *cella_generate_id(void)
{
	unsigned char b[4] = {0};

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		unsigned v = (unsigned)getpid() ^ (unsigned)time(NULL);
		memcpy(b, &v, sizeof(b));
	}
	return xasprintf("cella-%02x%02x%02x%02x", b[0], b[1], b[2], b[3]);
}

char *cella_path_absolute(const char *path)
{
	char *cwd, *r;

	if (path[0] == '/')
		return xstrdup(path);
	cwd = getcwd(NULL, 0);
	if (cwd == NULL)
		return xstrdup(path);
	r = xasprintf("%s/%s", cwd, path);
	free(cwd);
	return r;
}
