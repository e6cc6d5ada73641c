/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/cgroup_systemd.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/systemd_bus.h"
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

/* ---- the driver ---- */

int cgroup_systemd_unit_parse(const char *cgroups_path, const char *id, bool user,
			      struct cgroup_systemd_unit *out, cella_error *err)
{
	cleanup_free char *copy = NULL;
	cleanup_free char *slice_path = NULL;
	const char *slice;
	char *prefix, *name;

	memset(out, 0, sizeof(*out));
	out->user = user;
	if (cgroups_path == NULL || cgroups_path[0] == '\0')
		copy = xasprintf(":cella:%s", id);
	else if (!cgroup_systemd_form(cgroups_path))
		return cella_err_invalid(err,
					 "linux.cgroupsPath `%s`: the systemd cgroup manager "
					 "expects slice:prefix:name",
					 cgroups_path);
	else
		copy = xstrdup(cgroups_path);
	slice = copy;
	prefix = strchr(copy, ':');
	*prefix++ = '\0';
	name = strchr(prefix, ':');
	*name++ = '\0';
	if (name[0] == '\0' || strchr(name, '/') != NULL || strcmp(name, "..") == 0 ||
	    strchr(prefix, '/') != NULL)
		return cella_err_invalid(err, "linux.cgroupsPath `%s`: expected slice:prefix:name",
					 cgroups_path);
	if (strlen(name) > 6 && strcmp(name + strlen(name) - 6, ".slice") == 0)
		return cella_err_invalid(err,
					 "linux.cgroupsPath `%s`: the name is a slice; the "
					 "systemd cgroup driver puts a container in a scope",
					 cgroups_path);
	if (slice[0] == '\0')
		slice = user ? "user.slice" : "system.slice";
	/* Checked as the cgroupfs mapping checks it. */
	if (expand_slice(slice, &slice_path, err) < 0)
		return cella_err_ret(err);
	out->slice = xstrdup(slice);
	out->unit = prefix[0] != '\0' ? xasprintf("%s-%s.scope", prefix, name)
				      : xasprintf("%s.scope", name);
	return 0;
}

void cgroup_systemd_unit_clear(struct cgroup_systemd_unit *u)
{
	free(u->slice);
	free(u->unit);
	u->slice = u->unit = NULL;
}

bool cgroup_systemd_supported(void)
{
	return systemd_bus_loadable();
}

int cgroup_systemd_check(const struct cgroup_systemd_unit *u, cella_error *err)
{
	struct cella_cgroup_host h;
	enum cella_cgroup_layout l;

	/* The bus first: without systemd, that is what is missing. */
	if (systemd_bus_check(u->user, err) < 0)
		return cella_err_ret(err);
	if (cella_cgroup_detect(&h, err) < 0)
		return cella_err_ret(err);
	l = h.layout;
	cella_cgroup_host_clear(&h);
	if (l != CELLA_CGROUP_UNIFIED)
		return cella_err(err, ENOTSUP,
				 "systemd cgroup driver: this host's cgroups are %s; the driver "
				 "needs a pure cgroup v2 hierarchy",
				 cella_cgroup_layout_name(l));
	return 0;
}

/* "0-3,5" to the little-endian bit mask systemd's AllowedCPUs takes. */
static int cpu_mask(const char *list, const char *field, unsigned char **out, size_t *n,
		    cella_error *err)
{
	cleanup_free unsigned char *mask = NULL;
	size_t len = 0;
	const char *p = list;

	while (*p != '\0') {
		char *end;
		unsigned long a = strtoul(p, &end, 10), b = a;

		if (end == p || a > 8191)
			return cella_err_invalid(err, "%s `%s`: not a list of numbers", field,
						 list);
		p = end;
		if (*p == '-') {
			b = strtoul(p + 1, &end, 10);
			if (end == p + 1 || b < a || b > 8191)
				return cella_err_invalid(err, "%s `%s`: bad range", field, list);
			p = end;
		}
		if (*p == ',')
			p++;
		else if (*p != '\0')
			return cella_err_invalid(err, "%s `%s`: not a list of numbers", field,
						 list);
		if (b / 8 + 1 > len) {
			mask = xrealloc(mask, b / 8 + 1);
			memset(mask + len, 0, b / 8 + 1 - len);
			len = b / 8 + 1;
		}
		for (unsigned long i = a; i <= b; i++)
			mask[i / 8] |= (unsigned char)(1u << (i % 8));
	}
	*out = take_ptr(&mask);
	*n = len;
	return 0;
}

static uint64_t or_infinity(int64_t v)
{
	return v < 0 ? UINT64_MAX : (uint64_t)v;
}

/* The limits systemd has properties for, as runc's systemd manager
 * translates them (0 is unset). */
static int resource_props(const struct cella_resources *r, struct systemd_props *p,
			  cella_error *err)
{
	static const char *const io_names[CELLA_THROTTLE_N] = {
	    [CELLA_THROTTLE_READ_BPS] = "IOReadBandwidthMax",
	    [CELLA_THROTTLE_WRITE_BPS] = "IOWriteBandwidthMax",
	    [CELLA_THROTTLE_READ_IOPS] = "IOReadIOPSMax",
	    [CELLA_THROTTLE_WRITE_IOPS] = "IOWriteIOPSMax",
	};

	if (r == NULL)
		return 0;
	if (r->has_memory_limit && r->memory_limit != 0)
		systemd_props_u64(p, "MemoryMax", or_infinity(r->memory_limit));
	if (r->has_memory_reservation && r->memory_reservation != 0)
		systemd_props_u64(p, "MemoryLow", or_infinity(r->memory_reservation));
	if (r->has_memory_swap && r->memory_swap != 0) {
		int64_t swap;
		if (cella_cgroup_swap_to_v2(r->has_memory_limit ? r->memory_limit : 0,
					    r->memory_swap, &swap, err) < 0)
			return cella_err_ret(err);
		systemd_props_u64(p, "MemorySwapMax", or_infinity(swap));
	}
	if (r->has_cpu_shares && r->cpu_shares != 0)
		systemd_props_u64(p, "CPUWeight", cella_cgroup_shares_to_weight(r->cpu_shares));
	if (r->has_cpu_quota && r->cpu_quota != 0) {
		uint64_t period = r->has_cpu_period && r->cpu_period ? r->cpu_period : 100000;
		uint64_t persec = UINT64_MAX;

		if (r->cpu_quota > 0) {
			/* systemd keeps it in 1% steps: rounded up, as runc. */
			persec = (uint64_t)r->cpu_quota * 1000000 / period;
			if (persec % 10000 != 0)
				persec = (persec / 10000 + 1) * 10000;
		}
		systemd_props_u64(p, "CPUQuotaPerSecUSec", persec);
	}
	if (r->has_cpu_period && r->cpu_period != 0)
		systemd_props_u64(p, "CPUQuotaPeriodUSec", r->cpu_period);
	if (r->has_pids_limit)
		systemd_props_u64(p, "TasksMax",
				  r->pids_limit > 0 ? (uint64_t)r->pids_limit : UINT64_MAX);
	if (r->cpu_cpus != NULL && r->cpu_cpus[0] != '\0') {
		unsigned char *mask;
		size_t n;
		if (cpu_mask(r->cpu_cpus, "linux.resources.cpu.cpus", &mask, &n, err) < 0)
			return cella_err_ret(err);
		systemd_props_bytes(p, "AllowedCPUs", mask, n);
	}
	if (r->cpu_mems != NULL && r->cpu_mems[0] != '\0') {
		unsigned char *mask;
		size_t n;
		if (cpu_mask(r->cpu_mems, "linux.resources.cpu.mems", &mask, &n, err) < 0)
			return cella_err_ret(err);
		systemd_props_bytes(p, "AllowedMemoryNodes", mask, n);
	}
	if (r->has_blkio_weight && r->blkio_weight != 0)
		systemd_props_u64(p, "IOWeight", cella_cgroup_blkio_to_io_weight(r->blkio_weight));
	for (int t = 0; t < CELLA_THROTTLE_N; t++) {
		size_t n = r->n_throttle[t];
		char **paths;
		uint64_t *rates;

		if (n == 0)
			continue;
		paths = xcalloc(n, sizeof(char *));
		rates = xcalloc(n, sizeof(uint64_t));
		for (size_t i = 0; i < n; i++) {
			const struct cella_throttle_device *d = &r->throttle[t][i];
			paths[i] = xasprintf("/dev/block/%lld:%lld", (long long)d->major,
					     (long long)d->minor);
			/* 0 lifts the limit. */
			rates[i] = d->rate ? d->rate : UINT64_MAX;
		}
		systemd_props_io(p, io_names[t], paths, rates, n);
	}
	return 0;
}

/* The "0::" line of /proc/PID/cgroup. */
static int pid_cgroup(pid_t pid, char **out, cella_error *err)
{
	cleanup_free char *path = xasprintf("/proc/%d/cgroup", (int)pid);
	cleanup_fclose FILE *f = fopen(path, "re");
	char line[4096];

	if (f == NULL)
		return cella_err(err, errno, "read `%s`", path);
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, "0::", 3) != 0)
			continue;
		line[strcspn(line, "\n")] = '\0';
		*out = xstrdup(line + 3);
		return 0;
	}
	return cella_err(err, ENOENT, "`%s`: no cgroup v2 line", path);
}

int cgroup_systemd_start(const struct cgroup_systemd_unit *u, pid_t pid,
			 const struct cella_resources *r, char **cgroup_path, cella_error *err)
{
	struct systemd_props p = {0};
	cleanup_free char *desc = xasprintf("cella container %s", u->unit);
	cleanup_free char *got = NULL;
	cleanup_free char *want = NULL;
	int ret;

	systemd_props_str(&p, "Description", desc);
	systemd_props_str(&p, "Slice", u->slice);
	systemd_props_bool(&p, "Delegate", true);
	systemd_props_pid(&p, "PIDs", pid);
	systemd_props_bool(&p, "DefaultDependencies", false);
	systemd_props_bool(&p, "MemoryAccounting", true);
	systemd_props_bool(&p, "CPUAccounting", true);
	systemd_props_bool(&p, "IOAccounting", true);
	systemd_props_bool(&p, "TasksAccounting", true);
	ret = resource_props(r, &p, err);
	if (ret == 0)
		ret = systemd_start_transient(u->user, u->unit, &p, err);
	systemd_props_clear(&p);
	if (ret < 0)
		return ret;
	if (pid_cgroup(pid, &got, err) < 0) {
		systemd_stop_unit(u->user, u->unit, NULL);
		return cella_err_ret(err);
	}
	/* The process must be in the scope: it could have died, and its pid
	 * been reused, only if something killed it meanwhile. */
	want = xasprintf("/%s", u->unit);
	if (strlen(got) < strlen(want) || strcmp(got + strlen(got) - strlen(want), want) != 0) {
		systemd_stop_unit(u->user, u->unit, NULL);
		return cella_err(err, ESRCH, "systemd: pid %d is in `%s`, not in the scope `%s`",
				 (int)pid, got, u->unit);
	}
	*cgroup_path = take_ptr(&got);
	return 0;
}

int cgroup_systemd_update(const char *unit, bool user, const struct cella_resources *r,
			  cella_error *err)
{
	struct systemd_props p = {0};
	int ret = resource_props(r, &p, err);

	if (ret == 0 && p.n > 0)
		ret = systemd_set_properties(user, unit, &p, err);
	systemd_props_clear(&p);
	return ret;
}

int cgroup_systemd_stop(const char *unit, bool user, cella_error *err)
{
	return systemd_stop_unit(user, unit, err);
}
