/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella update: new limits for a created, running or paused container,
 * written into its cgroup (as runc update). All or nothing: when a write
 * fails, what was written is put back (cella_cgroup_apply), and the error
 * names the field. The state directory stays
 * locked meanwhile, so a concurrent delete cannot remove the cgroup under
 * us.
 */
#include <errno.h>

#include "engine/engine.h"
#include "engine/state.h"
#include "engine/systemd.h"
#include "kernel/cgroup.h"
#include "spec/spec_resources.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

static int update_locked(int dirfd, const struct cella_state *st, const char *resources_json,
			 cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	struct cella_resources r;
	int ret;

	if (st->status == CELLA_STATUS_STOPPED || st->status == CELLA_STATUS_CREATING)
		return cella_err(err, ESRCH, "update: container `%s` is %s", st->id,
				 cella_status_name(st->status));
	if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
		return cella_err(err, ENOTSUP,
				 "update: container `%s` has no cgroup (rootless) to change the "
				 "limits of",
				 st->id);
	if (cella_spec_resources_parse(resources_json, &r, err) < 0)
		return cella_err_ret(err);
	for (char **i = r.ignored; i != NULL && *i != NULL; i++)
		cella_warn("%s: not applied by this build", *i);
	/* New device rules replace the old ones. After a deny-all, what every
	 * container needs is allowed again, as at create. */
	if (r.n_devices > 0)
		cella_spec_resources_device_defaults(&r);
	if (!cella_resources_any(&r) && r.n_devices == 0) {
		/* All zeros ("leave as is"): what Docker sends for a change
		 * that is not a limit (docker update --restart). */
		cella_resources_clear(&r);
		return 0;
	}
	/* The systemd driver's unit first: its properties are what systemd
	 * writes back on a reload. */
	ret = engine_systemd_update(dirfd, &r, err);
	if (ret == 0)
		ret = cella_cgroup_open(st->cgroup_path, &cg, err);
	if (ret == 0)
		ret = cella_cgroup_apply(cg, &r, err);
	cella_resources_clear(&r);
	if (ret < 0)
		return cella_err_context(err, "update `%s`", st->id);
	return 0;
}

int cella_update(const char *state_root, const char *id, const char *resources_json,
		 cella_error *err)
{
	cleanup_close int dirfd = state_dir_open(state_root, id, err);
	struct cella_state st;
	int r;

	if (dirfd < 0)
		return dirfd;
	if (state_load(dirfd, id, &st, err) < 0)
		return cella_err_ret(err);
	r = update_locked(dirfd, &st, resources_json, err);
	cella_state_clear(&st);
	return r;
}
