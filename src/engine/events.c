/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cella events, as runc events: a container's resource usage as one JSON
 * stats object, or a stream of them (every interval) with an "oom" event
 * whenever the kernel OOM-kills a process of the container, until the
 * container stops.
 *
 * The state directory is locked only while it is read (each round), so
 * that delete, kill and update go on meanwhile.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine/engine.h"
#include "kernel/cgroup.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

/* How often the container's status is checked while streaming. */
#define EVENTS_TICK_MS 200

/* ---- JSON, by hand: counters are uint64 (jansson's integers are not) ---- */

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_u64(FILE *f, const char *key, uint64_t v, bool comma)
{
	put_str(f, key);
	fprintf(f, ":%" PRIu64 "%s", v, comma ? "," : "");
}

static void put_entries(FILE *f, const char *key, const struct cella_cgroup_blkio_entry *v,
			size_t n, bool comma)
{
	put_str(f, key);
	fputs(":[", f);
	for (size_t i = 0; i < n; i++) {
		fprintf(f, "%s{\"major\":%" PRIu64 ",\"minor\":%" PRIu64 ",\"op\":", i ? "," : "",
			v[i].major, v[i].minor);
		put_str(f, v[i].op);
		fprintf(f, ",\"value\":%" PRIu64 "}", v[i].value);
	}
	fprintf(f, "]%s", comma ? "," : "");
}

static void put_memory(FILE *f, const struct cella_cgroup_stats *st)
{
	fputs("\"memory\":{", f);
	put_u64(f, "cache", st->memory_cache, true);
	fputs("\"usage\":{", f);
	put_u64(f, "limit", st->memory_limit, true);
	put_u64(f, "usage", st->memory_usage, true);
	put_u64(f, "max", st->memory_max_usage, true);
	put_u64(f, "failcnt", st->memory_failcnt, false);
	fputs("},\"swap\":{", f);
	put_u64(f, "limit", st->swap_limit, true);
	put_u64(f, "usage", st->swap_usage, true);
	put_u64(f, "max", st->swap_max_usage, true);
	put_u64(f, "failcnt", st->swap_failcnt, false);
	fputs("},\"raw\":{", f);
	for (size_t i = 0; i < st->n_memory_raw; i++)
		put_u64(f, st->memory_raw[i].key, st->memory_raw[i].value,
			i + 1 < st->n_memory_raw);
	fputs("}}", f);
}

static void put_cpu(FILE *f, const struct cella_cgroup_stats *st)
{
	fputs("\"cpu\":{\"usage\":{", f);
	put_u64(f, "total", st->cpu_usage_ns, true);
	fputs("\"percpu\":[", f);
	for (size_t i = 0; i < st->n_cpu_percpu; i++)
		fprintf(f, "%s%" PRIu64, i ? "," : "", st->cpu_percpu_ns[i]);
	fputs("],", f);
	put_u64(f, "kernel", st->cpu_kernel_ns, true);
	put_u64(f, "user", st->cpu_user_ns, false);
	fputs("},\"throttling\":{", f);
	put_u64(f, "periods", st->cpu_periods, true);
	put_u64(f, "throttledPeriods", st->cpu_throttled_periods, true);
	put_u64(f, "throttledTime", st->cpu_throttled_ns, false);
	fputs("}}", f);
}

/* {"type":"stats","id":ID,"data":{...}} in runc's shape. malloc'd. */
static char *stats_json(const char *id, const struct cella_cgroup_stats *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fputs("{\"type\":\"stats\",\"id\":", f);
	put_str(f, id);
	fputs(",\"data\":{", f);
	put_cpu(f, st);
	fputc(',', f);
	put_memory(f, st);
	fputs(",\"pids\":{", f);
	put_u64(f, "current", st->pids_current, true);
	put_u64(f, "limit", st->pids_limit, false);
	fputs("},\"blkio\":{", f);
	put_entries(f, "ioServiceBytesRecursive", st->io_bytes, st->n_io_bytes, true);
	put_entries(f, "ioServicedRecursive", st->io_ops, st->n_io_ops, false);
	fputs("},\"hugetlb\":{", f);
	for (size_t i = 0; i < st->n_hugetlb; i++) {
		fprintf(f, "%s", i ? "," : "");
		put_str(f, st->hugetlb[i].size);
		fputs(":{", f);
		put_u64(f, "usage", st->hugetlb[i].usage, true);
		put_u64(f, "max", st->hugetlb[i].max_usage, true);
		put_u64(f, "failcnt", st->hugetlb[i].failcnt, false);
		fputc('}', f);
	}
	fputs("}}}", f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static char *oom_json(const char *id)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	fputs("{\"type\":\"oom\",\"id\":", f);
	put_str(f, id);
	fputc('}', f);
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- the engine side ---- */

static int emit(char *json, cella_event_fn fn, void *data, cella_error *err)
{
	cleanup_free char *j = json;

	if (j == NULL)
		return cella_err(err, ENOMEM, "events: cannot format an event");
	return fn(j, data, err);
}

static int emit_stats(struct cella_cgroup *cg, const char *id, cella_event_fn fn, void *data,
		      cella_error *err)
{
	struct cella_cgroup_stats st;
	char *j;

	if (cella_cgroup_stats(cg, &st, err) < 0)
		return cella_err_context(err, "events `%s`: stats", id);
	j = stats_json(id, &st);
	cella_cgroup_stats_clear(&st);
	return emit(j, fn, data, err);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Is the container still there, and not stopped? */
static bool alive(const char *state_root, const char *id)
{
	struct cella_state st;
	cella_error e;
	bool r;

	if (cella_state_read(state_root, id, &st, &e) < 0)
		return false;
	r = st.status != CELLA_STATUS_STOPPED;
	cella_state_clear(&st);
	return r;
}

static int report_ooms(struct cella_cgroup *cg, int fd, uint64_t *kills, const char *id,
		       cella_event_fn fn, void *data, cella_error *err)
{
	unsigned n = 0;

	if (fd < 0)
		return 0;
	if (cella_cgroup_oom_read(cg, fd, kills, &n, err) < 0)
		return cella_err_context(err, "events `%s`: OOM notification", id);
	for (unsigned i = 0; i < n; i++)
		if (emit(oom_json(id), fn, data, err) < 0)
			return cella_err_ret(err);
	return 0;
}

static int stream(struct cella_cgroup *cg, const char *state_root, const char *id,
		  unsigned interval_ms, cella_event_fn fn, void *data, cella_error *err)
{
	cleanup_close int fd = -1;
	uint64_t kills = 0, next;
	cella_error e;

	if (cella_cgroup_oom_watch(cg, &fd, &kills, &e) < 0) {
		char msg[CELLA_ERROR_MSG_MAX + 64];

		cella_error_format(&e, msg, sizeof(msg));
		cella_warn("events `%s`: no OOM events: %s", id, msg);
		fd = -1;
	}
	next = now_ms() + interval_ms;
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		uint64_t now = now_ms();
		int wait = next > now ? (int)(next - now) : 0;

		if (wait > EVENTS_TICK_MS)
			wait = EVENTS_TICK_MS;
		if (poll(&p, 1, wait) < 0 && errno != EINTR)
			return cella_err(err, errno, "events `%s`: poll", id);
		/* v2 counts kills: read on every round, the inotify wakeup is
		 * only a hint. */
		if (((p.revents & POLLIN) || cella_cgroup_layout(cg) == CELLA_CGROUP_UNIFIED) &&
		    report_ooms(cg, fd, &kills, id, fn, data, err) < 0)
			return cella_err_ret(err);
		if (!alive(state_root, id))
			return 0;
		if (now_ms() >= next) {
			next += interval_ms;
			if (emit_stats(cg, id, fn, data, err) < 0)
				return alive(state_root, id) ? cella_err_ret(err) : 0;
		}
	}
}

int cella_events(const char *state_root, const char *id, bool stats_once, unsigned interval_ms,
		 cella_event_fn fn, void *data, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	struct cella_state st;
	int r;

	if (cella_state_read(state_root, id, &st, err) < 0)
		return cella_err_ret(err);
	if (st.status == CELLA_STATUS_STOPPED || st.status == CELLA_STATUS_CREATING)
		r = cella_err(err, ESRCH, "events: container `%s` is %s", id,
			      cella_status_name(st.status));
	else if (st.cgroup_path == NULL || st.cgroup_path[0] == '\0')
		r = cella_err(err, ENOTSUP,
			      "events: container `%s` has no cgroup (rootless) to report on", id);
	else
		r = cella_cgroup_open(st.cgroup_path, &cg, err);
	cella_state_clear(&st);
	if (r < 0)
		return r;
	if (stats_once)
		return emit_stats(cg, id, fn, data, err);
	if (interval_ms == 0)
		return cella_err_invalid(err, "events: the interval must be positive");
	return stream(cg, state_root, id, interval_ms, fn, data, err);
}
