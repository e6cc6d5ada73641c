/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A cgroup that was there before the container: create joins it as runc
 * 1.1 does (a warning naming how many processes it has, refused when it is
 * frozen), and the hierarchies where it was are what the engine keeps in
 * the state (cella_cgroup_joined) and hands back before delete
 * (cella_cgroup_keep), so that destroy never removes it.
 */
#include "kernel/cgroup_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* The mount of hierarchy i (a v1 index or CG_UNIFIED), NULL when none. */
static const char *hier_mount(const struct cella_cgroup *cg, size_t i)
{
	if (i == CG_UNIFIED)
		return cg->host.unified;
	return i < cg->host.n_v1 ? cg->host.v1[i].mount : NULL;
}

/* Did create find the leaf already there in hierarchy i? */
static bool joined_at(const struct cella_cgroup *cg, size_t i)
{
	return cg->kept[i] >= 0 && cg->kept[i] == cg_path_depth(cg->path);
}

bool cg_any_joined(const struct cella_cgroup *cg)
{
	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++)
		if (hier_mount(cg, i) != NULL && joined_at(cg, i))
			return true;
	return false;
}

/* An existing cgroup is joined as runc 1.1 joins it: with a warning when it
 * has processes already, refused when it is frozen (the container's init
 * could never run); without `join`, refused (EEXIST). */
int cg_check_joined(struct cella_cgroup *cg, bool join, cella_error *err)
{
	bool any = false, frozen = false;
	size_t n = 0;

	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++) {
		const char *mount = hier_mount(cg, i);
		cleanup_free char *dir = NULL;
		cleanup_free pid_t *pids = NULL;
		size_t k = 0;

		if (mount == NULL || !joined_at(cg, i))
			continue;
		any = true;
		dir = cg_dir(mount, cg->path);
		/* The most any one hierarchy has (v1 ones may differ). */
		if (cg_read_pids(dir, &pids, &k, NULL) == 0 && k > n)
			n = k;
	}
	if (!any)
		return 0;
	if (!join)
		return cella_err(err, EEXIST, "create cgroup `%s`", cg->path);
	if (cg->drv->frozen(cg, &frozen, err) < 0)
		return cella_err_context(err, "linux.cgroupsPath `%s`", cg->path);
	if (frozen)
		return cella_err(err, EBUSY,
				 "linux.cgroupsPath `%s`: the cgroup exists and is frozen (thaw it "
				 "first)",
				 cg->path);
	if (n > 0)
		cella_warn("linux.cgroupsPath `%s`: the cgroup exists and has %zu process%s in it, "
			   "which the container's limits now cover too",
			   cg->path, n, n == 1 ? "" : "es");
	return 0;
}

char **cella_cgroup_joined(const struct cella_cgroup *cg)
{
	char **out = NULL;

	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++) {
		const char *mount = hier_mount(cg, i);

		if (mount != NULL && joined_at(cg, i))
			strv_append(&out, mount);
	}
	return out;
}

void cella_cgroup_keep(struct cella_cgroup *cg, char *const *mounts)
{
	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++) {
		const char *mount = hier_mount(cg, i);

		for (char *const *m = mounts; mount != NULL && m != NULL && *m != NULL; m++)
			if (strcmp(*m, mount) == 0)
				cg->kept[i] = CG_KEPT_NONE;
	}
}
