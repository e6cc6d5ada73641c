/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/cgroup_limits.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/cgroup_internal.h"
#include "util/cleanup.h"
#include "util/util.h"

void cella_cgroup_limits_clear(struct cella_cgroup_limits *l)
{
	free(l->cpus);
	free(l->mems);
	strv_free(l->io_throttles);
	memset(l, 0, sizeof(*l));
}

/* A file's first line, NULL when absent or empty. */
static char *first_line(const char *dir, const char *file)
{
	char *s = NULL;

	if (dir == NULL || !cg_has_file(dir, file) || cg_read(dir, file, &s, NULL) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	if (s[0] == '\0') {
		free(s);
		return NULL;
	}
	return s;
}

static uint64_t number(const char *dir, const char *file, uint64_t dflt)
{
	uint64_t v;

	if (dir == NULL || !cg_has_file(dir, file) || cg_read_u64(dir, file, &v, NULL) < 0)
		return dflt;
	return v;
}

/* Each line of a keyed file, with a prefix, appended to *v (lines whose
 * value part is all "max" are skipped: no limit). */
static void add_lines(char ***v, const char *dir, const char *file, const char *prefix)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (dir == NULL || !cg_has_file(dir, file) || cg_read(dir, file, &text, NULL) < 0)
		return;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		bool limited = false;
		char *sp = strchr(l, ' ');

		for (char *p = sp; p != NULL && *p != '\0'; p++)
			if (*p >= '0' && *p <= '9' && p[-1] == '=')
				limited = true;
		if (prefix == NULL && !limited)
			continue;
		if (prefix != NULL) {
			cleanup_free char *x = NULL;
			if (sp == NULL)
				continue;
			*sp = '\0';
			x = xasprintf("%s %s %s", l, prefix, sp + 1);
			strv_append(v, x);
		} else {
			strv_append(v, l);
		}
	}
}

static char *v1_dir(struct cella_cgroup *cg, const char *ctl)
{
	int i = cg_v1_find(cg, ctl);

	return i < 0 ? NULL : cg_v1_dir(cg, i);
}

int cella_cgroup_read_limits(struct cella_cgroup *cg, struct cella_cgroup_limits *out,
			     cella_error *err)
{
	memset(out, 0, sizeof(*out));
	out->cpu_quota = -1;
	out->memory_low = UINT64_MAX;
	if (cg->host.layout == CELLA_CGROUP_UNIFIED) {
		cleanup_free char *d = cg_dir(cg->host.unified, cg->path);
		cleanup_free char *cpu_max = first_line(d, "cpu.max");

		out->v2 = true;
		if (cpu_max != NULL) {
			char q[32];
			unsigned long long period = 0;

			if (sscanf(cpu_max, "%31s %llu", q, &period) == 2) {
				out->cpu_period = period;
				out->cpu_quota = strcmp(q, "max") == 0 ? -1 : atoll(q);
			}
		}
		out->cpu_weight = number(d, "cpu.weight", 0);
		out->cpus = first_line(d, "cpuset.cpus");
		out->mems = first_line(d, "cpuset.mems");
		out->memory_low = number(d, "memory.low", UINT64_MAX);
		if (out->memory_low == 0)
			out->memory_low = UINT64_MAX;
		{
			cleanup_free char *w = first_line(d, "io.weight");
			unsigned long long v;

			if (w != NULL && sscanf(w, "default %llu", &v) == 1)
				out->io_weight = v;
		}
		add_lines(&out->io_throttles, d, "io.max", NULL);
		return 0;
	}
	{
		cleanup_free char *cpu = v1_dir(cg, "cpu");
		cleanup_free char *cpuset = v1_dir(cg, "cpuset");
		cleanup_free char *mem = v1_dir(cg, "memory");
		cleanup_free char *blkio = v1_dir(cg, "blkio");
		cleanup_free char *quota = first_line(cpu, "cpu.cfs_quota_us");
		uint64_t low;

		/* "-1" when unlimited. */
		out->cpu_quota = quota != NULL && quota[0] != '-' ? atoll(quota) : -1;
		out->cpu_period = number(cpu, "cpu.cfs_period_us", 0);
		out->cpu_weight = number(cpu, "cpu.shares", 0);
		/* v1 copies the parent's cpuset into every new cgroup: only a set
		 * narrower than the hierarchy root's is a limit. */
		{
			int i = cg_v1_find(cg, "cpuset");
			const char *root = i >= 0 ? cg->host.v1[i].mount : NULL;
			cleanup_free char *rc = first_line(root, "cpuset.cpus");
			cleanup_free char *rm = first_line(root, "cpuset.mems");

			out->cpus = first_line(cpuset, "cpuset.cpus");
			out->mems = first_line(cpuset, "cpuset.mems");
			if (out->cpus != NULL && rc != NULL && strcmp(out->cpus, rc) == 0) {
				free(out->cpus);
				out->cpus = NULL;
			}
			if (out->mems != NULL && rm != NULL && strcmp(out->mems, rm) == 0) {
				free(out->mems);
				out->mems = NULL;
			}
		}
		/* v1 reports "unlimited" as a page-rounded LONG_MAX. */
		low = number(mem, "memory.soft_limit_in_bytes", UINT64_MAX);
		out->memory_low = low >= (UINT64_MAX >> 2) ? UINT64_MAX : low;
		out->io_weight = number(blkio, "blkio.weight", 0);
		add_lines(&out->io_throttles, blkio, "blkio.throttle.read_bps_device", "read_bps");
		add_lines(&out->io_throttles, blkio, "blkio.throttle.write_bps_device",
			  "write_bps");
		add_lines(&out->io_throttles, blkio, "blkio.throttle.read_iops_device",
			  "read_iops");
		add_lines(&out->io_throttles, blkio, "blkio.throttle.write_iops_device",
			  "write_iops");
	}
	(void)err;
	return 0;
}
