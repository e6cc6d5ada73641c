/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a container's cgroup has used (memory, cpu, pids, block io,
 * hugetlb), read from the v1 controllers' or the v2 files, in runc's units;
 * and OOM notification for `events`: v1 registers an eventfd for
 * memory.oom_control through cgroup.event_control, v2 watches memory.events
 * with inotify and counts oom_kill.
 */
#include "kernel/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

void cella_cgroup_stats_clear(struct cella_cgroup_stats *st)
{
	for (size_t i = 0; i < st->n_memory_raw; i++)
		free(st->memory_raw[i].key);
	free(st->memory_raw);
	free(st->cpu_percpu_ns);
	free(st->io_bytes);
	free(st->io_ops);
	free(st->hugetlb);
	memset(st, 0, sizeof(*st));
}

/* ---- readers ---- */

/* Every "key value" line of a flat keyed file. */
static int read_counters(const char *dir, const char *file, struct cella_cgroup_counter **out,
			 size_t *n, cella_error *err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (cg_read(dir, file, &text, err) < 0)
		return cella_err_ret(err);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		char *sp = strchr(l, ' ');
		unsigned long long v;

		if (sp == NULL || !parse_u64(sp + 1, ULLONG_MAX, &v))
			continue;
		*sp = '\0';
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[*n].key = xstrdup(l);
		(*out)[(*n)++].value = v;
	}
	return 0;
}

static uint64_t counter(const struct cella_cgroup_stats *st, const char *key)
{
	for (size_t i = 0; i < st->n_memory_raw; i++)
		if (!strcmp(st->memory_raw[i].key, key))
			return st->memory_raw[i].value;
	return 0;
}

/* Read file if it is there; 0 when it is not. */
static int read_opt(const char *dir, const char *file, uint64_t *out, cella_error *err)
{
	if (!cg_has_file(dir, file))
		return 0;
	return cg_read_u64(dir, file, out, err);
}

static void add_entry(struct cella_cgroup_blkio_entry **v, size_t *n, uint64_t major,
		      uint64_t minor, const char *op, uint64_t value)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[*n].major = major;
	(*v)[*n].minor = minor;
	snprintf((*v)[*n].op, sizeof((*v)[*n].op), "%s", op);
	(*v)[(*n)++].value = value;
}

/* v1 blkio.throttle.*: "8:0 Read 4096" lines, then "Total N". */
static int read_blkio_v1(const char *dir, const char *file, struct cella_cgroup_blkio_entry **v,
			 size_t *n, cella_error *err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (!cg_has_file(dir, file))
		return 0;
	if (cg_read(dir, file, &text, err) < 0)
		return cella_err_ret(err);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min, val;
		char op[16];

		if (sscanf(l, "%llu:%llu %15s %llu", &maj, &min, op, &val) == 4)
			add_entry(v, n, maj, min, op, val);
	}
	return 0;
}

/* Hugepage sizes: the "hugetlb.<size>.<suffix>" files of dir. */
static int read_hugetlb(const char *dir, const char *usage, const char *max, const char *fail,
			struct cella_cgroup_stats *st, cella_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int ret = 0;

	if (d == NULL)
		return cella_err(err, errno, "open cgroup `%s`", dir);
	while (ret == 0 && (e = readdir(d)) != NULL) {
		const char *name = e->d_name, *dot;
		struct cella_cgroup_hugetlb h;
		char f[NAME_MAX + 1];
		size_t sl;

		if (!str_has_prefix(name, "hugetlb.") || (dot = strchr(name + 8, '.')) == NULL ||
		    strcmp(dot + 1, usage) != 0)
			continue;
		sl = (size_t)(dot - (name + 8));
		if (sl == 0 || sl >= sizeof(h.size))
			continue;
		memset(&h, 0, sizeof(h));
		memcpy(h.size, name + 8, sl);
		snprintf(f, sizeof(f), "hugetlb.%s.%s", h.size, usage);
		ret = cg_read_u64(dir, f, &h.usage, err);
		snprintf(f, sizeof(f), "hugetlb.%s.%s", h.size, max);
		if (ret == 0)
			ret = read_opt(dir, f, &h.max_usage, err);
		snprintf(f, sizeof(f), "hugetlb.%s.%s", h.size, fail);
		if (ret == 0 && !strcmp(fail, "events"))
			ret = cg_read_key(dir, f, "max", &h.failcnt, err);
		else if (ret == 0)
			ret = read_opt(dir, f, &h.failcnt, err);
		if (ret == 0) {
			st->hugetlb = xrealloc(st->hugetlb, (st->n_hugetlb + 1) * sizeof(h));
			st->hugetlb[st->n_hugetlb++] = h;
		}
	}
	closedir(d);
	return ret;
}

/* v1 reports "no limit" as a large page-rounded number. */
static uint64_t v1_limit(uint64_t v)
{
	return v >= (UINT64_C(1) << 62) ? UINT64_MAX : v;
}

static char *v1_ctl_dir(struct cella_cgroup *cg, const char *ctl)
{
	int i = cg_v1_find(cg, ctl);

	return i < 0 ? NULL : cg_v1_dir(cg, i);
}

static int v1_memory(const char *d, struct cella_cgroup_stats *st, cella_error *err)
{
	if (cg_read_u64(d, "memory.usage_in_bytes", &st->memory_usage, err) < 0 ||
	    cg_read_u64(d, "memory.max_usage_in_bytes", &st->memory_max_usage, err) < 0 ||
	    cg_read_u64(d, "memory.limit_in_bytes", &st->memory_limit, err) < 0 ||
	    cg_read_u64(d, "memory.failcnt", &st->memory_failcnt, err) < 0 ||
	    cg_read_key(d, "memory.oom_control", "oom_kill", &st->oom_kills, err) < 0 ||
	    read_counters(d, "memory.stat", &st->memory_raw, &st->n_memory_raw, err) < 0)
		return cella_err_ret(err);
	st->memory_limit = v1_limit(st->memory_limit);
	st->memory_cache = counter(st, "cache");
	st->swap_limit = UINT64_MAX;
	if (read_opt(d, "memory.memsw.usage_in_bytes", &st->swap_usage, err) < 0 ||
	    read_opt(d, "memory.memsw.max_usage_in_bytes", &st->swap_max_usage, err) < 0 ||
	    read_opt(d, "memory.memsw.limit_in_bytes", &st->swap_limit, err) < 0 ||
	    read_opt(d, "memory.memsw.failcnt", &st->swap_failcnt, err) < 0)
		return cella_err_ret(err);
	st->swap_limit = v1_limit(st->swap_limit);
	return 0;
}

static int v1_cpuacct(const char *d, struct cella_cgroup_stats *st, cella_error *err)
{
	cleanup_free char *percpu = NULL;
	uint64_t user = 0, sys = 0;
	long hz = sysconf(_SC_CLK_TCK);
	char *save = NULL;

	if (cg_read_u64(d, "cpuacct.usage", &st->cpu_usage_ns, err) < 0 ||
	    cg_read(d, "cpuacct.usage_percpu", &percpu, err) < 0 ||
	    cg_read_key(d, "cpuacct.stat", "user", &user, err) < 0 ||
	    cg_read_key(d, "cpuacct.stat", "system", &sys, err) < 0)
		return cella_err_ret(err);
	for (char *w = strtok_r(percpu, " \n", &save); w; w = strtok_r(NULL, " \n", &save)) {
		unsigned long long v;

		if (!parse_u64(w, ULLONG_MAX, &v))
			continue;
		st->cpu_percpu_ns = xrealloc(st->cpu_percpu_ns,
					     (st->n_cpu_percpu + 1) * sizeof(*st->cpu_percpu_ns));
		st->cpu_percpu_ns[st->n_cpu_percpu++] = v;
	}
	/* cpuacct.stat counts USER_HZ ticks. */
	if (hz <= 0)
		hz = 100;
	st->cpu_user_ns = user * (UINT64_C(1000000000) / (uint64_t)hz);
	st->cpu_kernel_ns = sys * (UINT64_C(1000000000) / (uint64_t)hz);
	return 0;
}

int cg_v1_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err)
{
	struct cella_cgroup_stats st = {.memory_limit = UINT64_MAX, .pids_limit = UINT64_MAX};
	cleanup_free char *mem = v1_ctl_dir(cg, "memory");
	cleanup_free char *acct = v1_ctl_dir(cg, "cpuacct");
	cleanup_free char *cpu = v1_ctl_dir(cg, "cpu");
	cleanup_free char *pids = v1_ctl_dir(cg, "pids");
	cleanup_free char *blkio = v1_ctl_dir(cg, "blkio");
	cleanup_free char *huge = v1_ctl_dir(cg, "hugetlb");

	if ((mem != NULL && v1_memory(mem, &st, err) < 0) ||
	    (acct != NULL && v1_cpuacct(acct, &st, err) < 0))
		goto fail;
	if (cpu != NULL &&
	    (cg_read_key(cpu, "cpu.stat", "nr_periods", &st.cpu_periods, err) < 0 ||
	     cg_read_key(cpu, "cpu.stat", "nr_throttled", &st.cpu_throttled_periods, err) < 0 ||
	     cg_read_key(cpu, "cpu.stat", "throttled_time", &st.cpu_throttled_ns, err) < 0))
		goto fail;
	if (pids != NULL && (cg_read_u64(pids, "pids.current", &st.pids_current, err) < 0 ||
			     cg_read_u64(pids, "pids.max", &st.pids_limit, err) < 0))
		goto fail;
	if (blkio != NULL && (read_blkio_v1(blkio, "blkio.throttle.io_service_bytes_recursive",
					    &st.io_bytes, &st.n_io_bytes, err) < 0 ||
			      read_blkio_v1(blkio, "blkio.throttle.io_serviced_recursive",
					    &st.io_ops, &st.n_io_ops, err) < 0))
		goto fail;
	if (huge != NULL &&
	    read_hugetlb(huge, "usage_in_bytes", "max_usage_in_bytes", "failcnt", &st, err) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	cella_cgroup_stats_clear(&st);
	return cella_err_ret(err);
}

/* v2 io.stat: "8:0 rbytes=1 wbytes=2 rios=3 wios=4 dbytes=0 dios=0". */
static int v2_io(const char *d, struct cella_cgroup_stats *st, cella_error *err)
{
	static const struct {
		const char *key, *op;
		bool bytes;
	} keys[] = {{"rbytes", "Read", true},	 {"wbytes", "Write", true},
		    {"dbytes", "Discard", true}, {"rios", "Read", false},
		    {"wios", "Write", false},	 {"dios", "Discard", false}};
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (!cg_has_file(d, "io.stat"))
		return 0;
	if (cg_read(d, "io.stat", &text, err) < 0)
		return cella_err_ret(err);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long maj, min;
		char *save2 = NULL, *w;

		if (sscanf(l, "%llu:%llu", &maj, &min) != 2)
			continue;
		strtok_r(l, " ", &save2);
		while ((w = strtok_r(NULL, " ", &save2)) != NULL) {
			char *eq = strchr(w, '=');
			unsigned long long v;

			if (eq == NULL || !parse_u64(eq + 1, ULLONG_MAX, &v))
				continue;
			*eq = '\0';
			for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
				if (strcmp(w, keys[i].key) != 0)
					continue;
				if (keys[i].bytes)
					add_entry(&st->io_bytes, &st->n_io_bytes, maj, min,
						  keys[i].op, v);
				else
					add_entry(&st->io_ops, &st->n_io_ops, maj, min, keys[i].op,
						  v);
			}
		}
	}
	return 0;
}

static int v2_memory(const char *d, struct cella_cgroup_stats *st, cella_error *err)
{
	if (cg_read_u64(d, "memory.current", &st->memory_usage, err) < 0 ||
	    cg_read_u64(d, "memory.max", &st->memory_limit, err) < 0 ||
	    read_opt(d, "memory.peak", &st->memory_max_usage, err) < 0 ||
	    cg_read_key(d, "memory.events", "oom_kill", &st->oom_kills, err) < 0 ||
	    cg_read_key(d, "memory.events", "max", &st->memory_failcnt, err) < 0 ||
	    read_counters(d, "memory.stat", &st->memory_raw, &st->n_memory_raw, err) < 0)
		return cella_err_ret(err);
	st->memory_cache = counter(st, "file");
	if (cg_has_file(d, "memory.swap.current") &&
	    (cg_read_u64(d, "memory.swap.current", &st->swap_usage, err) < 0 ||
	     cg_read_u64(d, "memory.swap.max", &st->swap_limit, err) < 0 ||
	     read_opt(d, "memory.swap.peak", &st->swap_max_usage, err) < 0 ||
	     cg_read_key(d, "memory.swap.events", "max", &st->swap_failcnt, err) < 0))
		return cella_err_ret(err);
	return 0;
}

int cg_v2_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err)
{
	cleanup_free char *d = cg_dir(cg->host.unified, cg->path);
	struct cella_cgroup_stats st = {
	    .memory_limit = UINT64_MAX, .swap_limit = UINT64_MAX, .pids_limit = UINT64_MAX};
	uint64_t usec = 0, user = 0, sys = 0, thr = 0;

	if (cg_has_file(d, "memory.current") && v2_memory(d, &st, err) < 0)
		goto fail;
	/* cpu.stat is there without the cpu controller (usage only). */
	if (cg_read_key(d, "cpu.stat", "usage_usec", &usec, err) < 0 ||
	    cg_read_key(d, "cpu.stat", "user_usec", &user, err) < 0 ||
	    cg_read_key(d, "cpu.stat", "system_usec", &sys, err) < 0 ||
	    cg_read_key(d, "cpu.stat", "nr_periods", &st.cpu_periods, err) < 0 ||
	    cg_read_key(d, "cpu.stat", "nr_throttled", &st.cpu_throttled_periods, err) < 0 ||
	    cg_read_key(d, "cpu.stat", "throttled_usec", &thr, err) < 0)
		goto fail;
	st.cpu_usage_ns = usec * 1000;
	st.cpu_user_ns = user * 1000;
	st.cpu_kernel_ns = sys * 1000;
	st.cpu_throttled_ns = thr * 1000;
	if (cg_has_file(d, "pids.current") &&
	    (cg_read_u64(d, "pids.current", &st.pids_current, err) < 0 ||
	     cg_read_u64(d, "pids.max", &st.pids_limit, err) < 0))
		goto fail;
	if (v2_io(d, &st, err) < 0 || read_hugetlb(d, "current", "max", "events", &st, err) < 0)
		goto fail;
	*out = st;
	return 0;
fail:
	cella_cgroup_stats_clear(&st);
	return cella_err_ret(err);
}

/* ---- OOM notification ---- */

int cg_v1_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err)
{
	cleanup_free char *d = v1_ctl_dir(cg, "memory");
	cleanup_free char *oc = NULL;
	cleanup_close int efd = -1;
	cleanup_close int ofd = -1;
	char v[32];

	if (d == NULL)
		return cella_err(err, ENOENT, "no cgroup v1 hierarchy has the memory controller");
	if (cg_read_key(d, "memory.oom_control", "oom_kill", kills, err) < 0)
		return cella_err_ret(err);
	oc = xasprintf("%s/memory.oom_control", d);
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (efd < 0)
		return cella_err(err, errno, "eventfd");
	ofd = open(oc, O_RDONLY | O_CLOEXEC);
	if (ofd < 0)
		return cella_err(err, errno, "open memory.oom_control");
	/* The kernel keeps the event; ofd is needed only to register it. */
	snprintf(v, sizeof(v), "%d %d", efd, ofd);
	if (cg_write(d, "cgroup.event_control", v, err) < 0)
		return cella_err_context(err, "cgroup `%s`", d);
	*fd = take_fd(&efd);
	return 0;
}

int cg_v1_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n, cella_error *err)
{
	cleanup_free char *d = v1_ctl_dir(cg, "memory");
	uint64_t count = 0;

	*n = 0;
	if (read(fd, &count, sizeof(count)) != sizeof(count)) {
		if (errno == EAGAIN)
			return 0;
		return cella_err(err, errno, "read the OOM eventfd");
	}
	/* The eventfd also fires when the cgroup is removed. */
	if (d == NULL || !cg_has_file(d, "memory.oom_control"))
		return 0;
	*n = 1;
	if (cg_read_key(d, "memory.oom_control", "oom_kill", kills, err) < 0)
		return cella_err_ret(err);
	return 0;
}

int cg_v2_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err)
{
	cleanup_free char *d = cg_dir(cg->host.unified, cg->path);
	cleanup_free char *ev = xasprintf("%s/memory.events", d);
	cleanup_close int ifd = -1;

	if (!cg_has_file(d, "memory.events"))
		return cella_err(err, ENOENT, "cgroup `%s` has no memory controller", d);
	ifd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ifd < 0)
		return cella_err(err, errno, "inotify_init1");
	if (inotify_add_watch(ifd, ev, IN_MODIFY) < 0)
		return cella_err(err, errno, "watch `%s`", ev);
	if (cg_read_key(d, "memory.events", "oom_kill", kills, err) < 0)
		return cella_err_ret(err);
	*fd = take_fd(&ifd);
	return 0;
}

int cg_v2_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n, cella_error *err)
{
	cleanup_free char *d = cg_dir(cg->host.unified, cg->path);
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	uint64_t now = 0;

	*n = 0;
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	if (!cg_has_file(d, "memory.events"))
		return 0;
	if (cg_read_key(d, "memory.events", "oom_kill", &now, err) < 0)
		return cella_err_ret(err);
	if (now > *kills)
		*n = (unsigned)(now - *kills);
	*kills = now;
	return 0;
}
