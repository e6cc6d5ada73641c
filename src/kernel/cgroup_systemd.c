/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/cgroup_systemd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/util.h"

bool cgroup_systemd_form(const char *p)
{
	const char *a = p ? strchr(p, ':') : NULL;

	return a != NULL && strchr(a + 1, ':') != NULL &&
	       strchr(strchr(a + 1, ':') + 1, ':') == NULL;
}

/* "a-b-c.slice" -> "/a.slice/a-b.slice/a-b-c.slice", as systemd nests them. */
static int expand_slice(const char *slice, char **out, cella_error *err)
{
	size_t n = strlen(slice);
	cleanup_free char *path = xstrdup("");
	const char *suffix = ".slice";

	if (n <= strlen(suffix) || strcmp(slice + n - strlen(suffix), suffix) != 0 ||
	    strchr(slice, '/') != NULL)
		return cella_err_invalid(err, "linux.cgroupsPath: `%s` is not a systemd slice",
					 slice);
	if (strcmp(slice, "-.slice") == 0) {
		*out = xstrdup("");
		return 0;
	}
	for (size_t i = 0; i < n - strlen(suffix); i++) {
		if (slice[i] != '-')
			continue;
		if (i == 0 || slice[i + 1] == '-' || slice[i + 1] == '.')
			return cella_err_invalid(
			    err, "linux.cgroupsPath: `%s` is not a valid slice name", slice);
		char *next = xasprintf("%s/%.*s.slice", path, (int)i, slice);
		free(path);
		path = next;
	}
	*out = xasprintf("%s/%s", path, slice);
	return 0;
}

int cgroup_systemd_to_path(const char *cgroups_path, char **out, cella_error *err)
{
	cleanup_free char *copy = xstrdup(cgroups_path);
	cleanup_free char *slice_path = NULL;
	char *slice = copy, *prefix, *name;

	prefix = strchr(slice, ':');
	*prefix++ = '\0';
	name = strchr(prefix, ':');
	*name++ = '\0';
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
	    strchr(prefix, '/') != NULL)
		return cella_err_invalid(err, "linux.cgroupsPath `%s`: expected slice:prefix:name",
					 cgroups_path);
	if (expand_slice(slice[0] ? slice : "system.slice", &slice_path, err) < 0)
		return cella_err_ret(err);
	if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
		*out = xasprintf("%s/%s", slice_path, name);
	else if (prefix[0] != '\0')
		*out = xasprintf("%s/%s-%s.scope", slice_path, prefix, name);
	else
		*out = xasprintf("%s/%s.scope", slice_path, name);
	return 0;
}
