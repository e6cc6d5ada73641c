/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "engine/systemd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "kernel/cgroup_systemd.h"
#include "util/cleanup.h"
#include "util/util.h"

int engine_systemd_prepare(const struct cella_create_opts *o, struct cella_ctx *c, cella_error *err)
{
	const char *path = o->spec->linux_.cgroups_path;

	if (cgroup_systemd_unit_parse(path, o->id, geteuid() != 0, &c->sd, err) < 0)
		return cella_err_ret(err);
	return cgroup_systemd_check(&c->sd, err);
}

int engine_systemd_enter(struct cella_ctx *c, pid_t pid, cella_error *err)
{
	cleanup_free char *path = NULL;

	if (cgroup_systemd_start(&c->sd, pid, &c->resources, &path, err) < 0)
		return cella_err_ret(err);
	c->sd_started = true;
	if (cella_cgroup_open(path, &c->cgroup, err) < 0 ||
	    cella_cgroup_apply(c->cgroup, &c->resources, err) < 0)
		return cella_err_context(err, "systemd scope `%s`", c->sd.unit);
	free(c->cgroup_path);
	c->cgroup_path = take_ptr(&path);
	return 0;
}

int engine_systemd_save(int dirfd, const struct cella_ctx *c, cella_error *err)
{
	cleanup_free char *text = NULL;

	if (c->sd.unit == NULL)
		return 0;
	text = xasprintf("%s\n%s\n", c->sd.unit, c->sd.user ? "user" : "system");
	return write_file_at(dirfd, SYSTEMD_UNIT_FILE, text, strlen(text), err);
}

void engine_systemd_abort(struct cella_ctx *c)
{
	if (c->sd_started)
		cgroup_systemd_stop(c->sd.unit, c->sd.user, NULL);
	c->sd_started = false;
}

int engine_systemd_load(int dirfd, char **unit, bool *user, cella_error *err)
{
	cleanup_free char *text = NULL;
	cella_error e;
	char *nl;

	if (read_file_at(dirfd, SYSTEMD_UNIT_FILE, &text, &e) < 0) {
		if (e.errnum == ENOENT)
			return 0;
		if (err != NULL)
			*err = e;
		return cella_err_ret(&e);
	}
	nl = strchr(text, '\n');
	if (nl == NULL || nl == text)
		return cella_err(err, EINVAL, "state: `%s` is malformed", SYSTEMD_UNIT_FILE);
	*nl = '\0';
	*user = strncmp(nl + 1, "user", 4) == 0;
	*unit = xstrdup(text);
	return 1;
}

int engine_systemd_update(int dirfd, const struct cella_resources *r, cella_error *err)
{
	cleanup_free char *unit = NULL;
	bool user = false;
	int has = engine_systemd_load(dirfd, &unit, &user, err);

	if (has <= 0)
		return has;
	return cgroup_systemd_update(unit, user, r, err);
}

int engine_systemd_stop(int dirfd, cella_error *err)
{
	cleanup_free char *unit = NULL;
	bool user = false;
	int has = engine_systemd_load(dirfd, &unit, &user, err);

	if (has <= 0)
		return has;
	return cgroup_systemd_stop(unit, user, err);
}
