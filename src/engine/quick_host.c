/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the quick door needs to know about the caller. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/engine.h"
#include "kernel/mount.h"
#include "kernel/process.h"
#include "kernel/userns.h"
#include "spec/quick.h"
#include "util/cleanup.h"
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

/* The name of uid (malloc'd), for the /etc/subuid lines that name it: from
 * /etc/passwd, else from `getent passwd UID` (every NSS source: LDAP, sssd),
 * which the runtime, linked statically, cannot ask itself. NULL when none
 * knows it. */
static char *user_name(uid_t uid)
{
	cleanup_free char *text = NULL, *out = NULL;
	char uidstr[16], getent[] = "getent", passwd[] = "passwd";
	char *argv[] = {getent, passwd, uidstr, NULL};
	char *name = NULL;
	int status;

	if (read_file_at(AT_FDCWD, "/etc/passwd", &text, NULL) >= 0)
		name = passwd_field(text, (unsigned)uid, 0);
	if (name != NULL)
		return name;
	snprintf(uidstr, sizeof(uidstr), "%u", (unsigned)uid);
	if (process_run_capture(argv, &out, &status, NULL) == 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0)
		name = passwd_field(out, (unsigned)uid, 0);
	return name;
}

/* With its own id range, the rootfs and every --bind source are seen
 * through idmapped mounts: a source the kernel cannot idmap is refused
 * (its files would show as nobody, and writes as nobody); a rootfs that it
 * cannot idmap is used as rootless uses it (kernel/userns_auto.c). */
static int check_idmaps(struct cella_quick *q, cella_error *err)
{
	size_t n = 1 + strv_len(q->binds);
	const char **paths = xcalloc(n, sizeof(*paths));
	bool *ok = xcalloc(n, sizeof(*ok));
	char **srcs = xcalloc(n, sizeof(*srcs));
	int r = 0;

	paths[0] = q->rootfs;
	for (size_t i = 1; i < n; i++) {
		char *c;

		srcs[i] = xstrdup(q->binds[i - 1]);
		c = strchr(srcs[i], ':');
		if (c != NULL)
			*c = '\0';
		paths[i] = srcs[i];
	}
	if (mount_idmap_probe(paths, n, q->auto_uid, q->auto_gid, ok, err) < 0) {
		r = cella_err_ret(err);
		goto out;
	}
	q->auto_idmap_rootfs = ok[0];
	for (size_t i = 1; i < n && r == 0; i++)
		if (!ok[i])
			r = cella_err(err, ENOTSUP,
				      "--bind `%s`: the kernel cannot idmap `%s` for the "
				      "container's own ids (--userns host binds it as it is)",
				      q->binds[i - 1], paths[i]);
out:
	for (size_t i = 0; i < n; i++)
		free(srcs[i]);
	free(srcs);
	free(ok);
	free(paths);
	return r;
}

int cella_quick_host_facts(struct cella_quick *q, cella_error *err)
{
	cleanup_free char *name = NULL;

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
		return check_idmaps(q, err);
	}
	if (q->host_uid == 0 || !have_program("newuidmap") || !have_program("newgidmap"))
		return 0;
	name = user_name(q->host_uid);
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
