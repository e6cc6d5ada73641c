/* SPDX-License-Identifier: GPL-2.0-or-later */
/* `cella map`'s text view: one section per layer, each fact with the host's
 * beside it, verdicts in words (and colour, when asked for). */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/map.h"
#include "util/cleanup.h"
#include "util/util.h"

struct out {
	FILE *f;
	bool colour;
};

static const char *verdict_colour(const char *v)
{
	if (strcmp(v, "isolated") == 0)
		return "\033[32m";
	if (strcmp(v, "partial") == 0)
		return "\033[33m";
	if (strcmp(v, "shared") == 0)
		return "\033[31m";
	if (strcmp(v, "joined") == 0)
		return "\033[36m";
	return "\033[90m";
}

static const char *S(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : NULL;
}

static long long I(json_t *o, const char *k, long long dflt)
{
	json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (long long)json_integer_value(v) : dflt;
}

static bool B(json_t *o, const char *k)
{
	return json_is_true(json_object_get(o, k));
}

static void verdict(struct out *o, const char *v)
{
	if (v == NULL)
		v = "unknown";
	if (o->colour)
		fprintf(o->f, "%s%s\033[0m", verdict_colour(v), v);
	else
		fputs(v, o->f);
}

static void section(struct out *o, const char *title, json_t *layer)
{
	const char *v = S(layer, "verdict");

	if (o->colour)
		fprintf(o->f, "\n\033[1m%s\033[0m  ", title);
	else
		fprintf(o->f, "\n%s  ", title);
	verdict(o, v);
	fputc('\n', o->f);
	if (v != NULL && strcmp(v, "unknown") == 0 && S(layer, "error") != NULL)
		fprintf(o->f, "  unknown: %s\n", S(layer, "error"));
}

/* "a b c" from an array of strings (or of objects' `key`). */
static char *join(json_t *a, const char *key, const char *sep)
{
	char *s = xstrdup("");
	size_t i;
	json_t *v;

	json_array_foreach(a, i, v)
	{
		const char *t = key != NULL ? S(v, key) : json_string_value(v);
		char *n;

		if (t == NULL)
			continue;
		n = xasprintf("%s%s%s", s, s[0] != '\0' ? sep : "", t);
		free(s);
		s = n;
	}
	return s;
}

static char *human_bytes(json_t *v)
{
	double b;
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	int u = 0;

	if (!json_is_integer(v))
		return xstrdup("unlimited");
	b = (double)json_integer_value(v);
	while (b >= 1024 && u < 4) {
		b /= 1024;
		u++;
	}
	return u == 0 ? xasprintf("%.0f %s", b, units[u]) : xasprintf("%.1f %s", b, units[u]);
}

static void ifs_line(FILE *f, json_t *ifs)
{
	size_t i;
	json_t *x;

	json_array_foreach(ifs, i, x)
	{
		cleanup_free char *addrs = join(json_object_get(x, "addresses"), NULL, " ");
		fprintf(f, "%s%s %s%s%s", i > 0 ? ", " : "", S(x, "name"),
			B(x, "up") ? "up" : "down", addrs[0] != '\0' ? " " : "", addrs);
	}
	if (json_array_size(ifs) == 0)
		fputs("none", f);
}

static void idmap_line(FILE *f, json_t *m)
{
	size_t i;
	json_t *x;

	json_array_foreach(m, i, x)
	    fprintf(f, "%s%lld->%lld (%lld)", i > 0 ? ", " : "", I(x, "inside", 0),
		    I(x, "outside", 0), I(x, "length", 0));
}

static void namespaces(struct out *o, json_t *doc)
{
	json_t *a = json_object_get(doc, "namespaces"), *ns;
	size_t i;

	if (o->colour)
		fprintf(o->f, "\n\033[1mNamespaces\033[0m  ");
	else
		fprintf(o->f, "\nNamespaces  ");
	verdict(o, S(json_object_get(doc, "verdicts"), "namespaces"));
	fprintf(o->f, "\n  %-7s %-9s %-12s %-12s %s\n", "type", "verdict", "container", "host",
		"isolates");
	json_array_foreach(a, i, ns)
	{
		const char *type = S(ns, "type");
		const char *v = S(ns, "verdict");
		size_t vl = strlen(v != NULL ? v : "unknown");

		fprintf(o->f, "  %-7s ", type);
		verdict(o, v);
		fprintf(o->f, "%*s %-12lld %-12lld %s\n", (int)(vl < 9 ? 9 - vl : 0), "",
			I(ns, "inode", 0), I(ns, "host_inode", 0), S(ns, "isolates"));
		if (S(ns, "joined_path") != NULL)
			fprintf(o->f, "%20sjoined from %s\n", "", S(ns, "joined_path"));
		if (json_array_size(json_object_get(ns, "shared_with")) > 0) {
			cleanup_free char *w = join(json_object_get(ns, "shared_with"), NULL, ", ");
			fprintf(o->f, "%20sshared with container %s\n", "", w);
		}
		if (S(ns, "error") != NULL) {
			fprintf(o->f, "%20sunknown: %s\n", "", S(ns, "error"));
			continue;
		}
		if (strcmp(type, "uts") == 0)
			fprintf(o->f, "%20shostname %s, domainname %s   (host: %s, %s)\n", "",
				S(ns, "hostname"), S(ns, "domainname"), S(ns, "host_hostname"),
				S(ns, "host_domainname"));
		else if (strcmp(type, "pid") == 0)
			fprintf(o->f,
				"%20s%lld processes visible (host: %lld); this process is pid %lld "
				"inside\n",
				"", I(ns, "processes", -1), I(ns, "host_processes", -1),
				I(ns, "pid_inside", -1));
		else if (strcmp(type, "net") == 0) {
			fprintf(o->f, "%20s", "");
			ifs_line(o->f, json_object_get(ns, "interfaces"));
			fprintf(o->f, "\n%20s(host: %zu interfaces)\n", "",
				json_array_size(json_object_get(ns, "host_interfaces")));
		} else if (strcmp(type, "user") == 0) {
			json_t *ru = json_object_get(ns, "root_host_uid");
			fprintf(o->f, "%20suid map ", "");
			idmap_line(o->f, json_object_get(ns, "uid_map"));
			fprintf(o->f, "; gid map ");
			idmap_line(o->f, json_object_get(ns, "gid_map"));
			fprintf(o->f, "; setgroups %s\n",
				S(ns, "setgroups") ? S(ns, "setgroups") : "?");
			if (json_is_integer(ru))
				fprintf(o->f, "%20scontainer root is host uid %lld\n", "",
					(long long)json_integer_value(ru));
			else
				fprintf(o->f, "%20scontainer root is not mapped\n", "");
		} else if (strcmp(type, "cgroup") == 0)
			fprintf(o->f, "%20scgroup seen inside: %s   (on the host: %s)\n", "",
				S(ns, "root_inside"), S(ns, "path_on_host"));
		else if (strcmp(type, "time") == 0) {
			json_t *off = json_object_get(ns, "offsets");
			fprintf(o->f, "%20sclock offsets: monotonic %llds, boottime %llds\n", "",
				I(json_object_get(off, "monotonic"), "seconds", 0),
				I(json_object_get(off, "boottime"), "seconds", 0));
		}
	}
}

static void filesystem(struct out *o, json_t *fs)
{
	json_t *root = json_object_get(fs, "root"), *x;
	size_t i;
	int masked = 0, n_masked = 0, ro = 0, n_ro = 0;

	section(o, "Filesystem", fs);
	if (S(fs, "error") != NULL)
		return;
	fprintf(o->f, "  root       %s %s, %s, propagation %s%s%s\n", S(root, "fstype"),
		S(root, "source"), B(root, "read_only") ? "read-only" : "writable",
		S(root, "propagation"), S(root, "path") ? "; rootfs " : "",
		S(root, "path") ? S(root, "path") : "");
	fprintf(o->f, "  mounts     %lld (host: %lld)%s\n", I(fs, "mounts", 0),
		I(fs, "host_mounts", 0),
		B(fs, "own_mount_namespace") ? "" : "  the host's own mount table");
	json_array_foreach(json_object_get(fs, "masked_paths"), i, x)
	{
		n_masked++;
		masked += B(x, "masked");
	}
	json_array_foreach(json_object_get(fs, "readonly_paths"), i, x)
	{
		n_ro++;
		ro += B(x, "read_only");
	}
	fprintf(o->f, "  masked     %d of %d paths (checked in its root; list from the %s)\n",
		masked, n_masked, S(fs, "paths_from"));
	json_array_foreach(json_object_get(fs, "masked_paths"), i, x) if (!B(x, "masked"))
	    fprintf(o->f, "             NOT masked: %s (%s)\n", S(x, "path"), S(x, "state"));
	fprintf(o->f, "  read-only  %d of %d paths\n", ro, n_ro);
	json_array_foreach(json_object_get(fs, "readonly_paths"), i, x) if (!B(x, "read_only"))
	    fprintf(o->f, "             NOT read-only: %s (%s)\n", S(x, "path"), S(x, "state"));
	{
		cleanup_free char *d = join(json_object_get(fs, "devices"), "name", " ");
		fprintf(o->f, "  devices    %zu in /dev: %s\n",
			json_array_size(json_object_get(fs, "devices")), d);
	}
	/* Host files bound in: where each lies on the host, read-only or not;
	 * the writable ones stand out. */
	json_array_foreach(json_object_get(fs, "mount_list"), i, x)
	{
		const char *hp = S(x, "host_path");

		if (hp == NULL || strcmp(S(x, "mountpoint"), "/") == 0 || B(x, "device"))
			continue;
		fprintf(o->f, "  bind       %s <- host %s, ", S(x, "mountpoint"), hp);
		if (B(x, "writable_host_path"))
			fputs(o->colour ? "\033[31mWRITABLE host path\033[0m"
					: "WRITABLE host path",
			      o->f);
		else
			fputs("read-only", o->f);
		fprintf(o->f, ", propagation %s\n", S(x, "propagation"));
	}
}

static void privileges(struct out *o, json_t *p)
{
	static const char *const sets[] = {"effective", "permitted", "bounding", "inheritable",
					   "ambient"};
	json_t *ids = json_object_get(p, "ids");

	section(o, "Privileges", p);
	if (S(p, "error") != NULL)
		return;
	fprintf(o->f, "  uid %lld (euid %lld), gid %lld; no_new_privs %s; LSM %s\n",
		I(ids, "uid", 0), I(ids, "euid", 0), I(ids, "gid", 0),
		B(p, "no_new_privs") ? "on" : "off",
		S(p, "lsm_label") ? S(p, "lsm_label") : S(p, "lsm_unknown"));
	for (size_t i = 0; i < 5; i++) {
		json_t *s = json_object_get(json_object_get(p, "sets"), sets[i]);
		cleanup_free char *caps = join(json_object_get(s, "caps"), NULL, " ");

		fprintf(o->f, "  %-11s %2lld of %lld (host %lld)%s%s\n", sets[i], I(s, "count", 0),
			I(p, "known_caps", 0), I(s, "host_count", 0), caps[0] ? ": " : "", caps);
	}
	{
		json_t *b = json_object_get(json_object_get(p, "sets"), "bounding");
		cleanup_free char *dropped = join(json_object_get(b, "dropped"), NULL, " ");
		fprintf(o->f, "  dropped from the bounding set: %s\n",
			dropped[0] ? dropped : "none");
	}
	if (S(p, "note") != NULL)
		fprintf(o->f, "  note: %s\n", S(p, "note"));
	if (json_is_integer(json_object_get(p, "securebits"))) {
		cleanup_free char *names = join(json_object_get(p, "securebits_names"), NULL, " ");
		fprintf(o->f, "  securebits  0x%llx %s(%s)\n", I(p, "securebits", 0),
			names != NULL && names[0] ? names : "none ", S(p, "securebits_source"));
	} else {
		fprintf(o->f, "  securebits  unknown (%s)\n", S(p, "securebits_unknown"));
	}
	fprintf(o->f, "  dumpable    unknown (%s)\n", S(p, "dumpable_unknown"));
}

static void seccomp(struct out *o, json_t *s)
{
	json_t *sum = json_object_get(s, "summary"), *x;
	const char *k;
	size_t i;

	section(o, "Seccomp", s);
	if (S(s, "mode") == NULL)
		return;
	fprintf(o->f, "  mode %s, %lld filter%s%s\n", S(s, "mode"), I(s, "filters", 0),
		I(s, "filters", 0) == 1 ? "" : "s",
		S(s, "pending") != NULL ? "; not started yet: below, the filter it loads at start"
					: "");
	if (S(s, "table_error") != NULL)
		fprintf(o->f, "  syscalls: unknown: %s\n", S(s, "table_error"));
	if (json_is_object(sum)) {
		fprintf(o->f, "  %lld syscalls of %s:", I(s, "syscalls_total", 0),
			S(s, "arch") ? S(s, "arch") : "?");
		json_object_foreach(sum, k, x)
		    fprintf(o->f, " %s %lld", k, (long long)json_integer_value(x));
		fputc('\n', o->f);
		if (json_is_object(json_object_get(s, "default")))
			fprintf(o->f, "  unknown syscall numbers: %s\n",
				S(json_object_get(s, "default"), "text"));
	}
	json_array_foreach(json_object_get(s, "compat"), i, x)
	{
		json_t *cs = json_object_get(x, "summary"), *v;
		const char *key;

		fprintf(o->f, "  compat %s:", S(x, "arch"));
		if (S(x, "error") != NULL)
			fprintf(o->f, " unknown: %s", S(x, "error"));
		else
			json_object_foreach(cs, key, v)
			    fprintf(o->f, " %s %lld", key, (long long)json_integer_value(v));
		fputc('\n', o->f);
		{
			/* Where it differs from the native architecture: each
			 * call when a few do, a count when most do. */
			json_t *d = json_object_get(x, "differs_from_native"), *y;
			size_t j, nd = json_array_size(d);

			if (nd > 0 && nd <= 12)
				json_array_foreach(d, j, y)
				{
					cleanup_free char *c =
					    join(json_object_get(y, "conditions"), NULL, "; ");
					fprintf(o->f, "    %-16s %s (native: %s)\n", S(y, "name"),
						c != NULL && c[0] ? c : S(y, "outcome"),
						S(y, "native") ? S(y, "native") : "no such call");
				}
			else if (nd > 12)
				fprintf(o->f, "    %zu of its calls differ from the native ones\n",
					nd);
		}
	}
	json_array_foreach(json_object_get(s, "groups"), i, x)
	{
		cleanup_free char *names = join(json_object_get(x, "syscalls"), NULL, " ");
		fprintf(o->f, "  %-18s %s\n", S(x, "outcome"), names);
	}
	{
		/* The syscalls whose outcome depends on their arguments, each
		 * outcome with the conditions that lead to it. */
		size_t shown = 0, n_dep = 0;

		json_array_foreach(json_object_get(s, "syscalls"), i, x)
		{
			cleanup_free char *c = NULL;

			if (json_array_size(json_object_get(x, "conditions")) == 0)
				continue;
			n_dep++;
			if (shown >= 24)
				continue;
			c = join(json_object_get(x, "conditions"), NULL, "; ");
			fprintf(o->f, "  %-18s %s\n", S(x, "name"), c);
			shown++;
		}
		if (n_dep > shown)
			fprintf(o->f, "  (%zu more depend on their arguments: see --json)\n",
				n_dep - shown);
	}
	json_array_foreach(json_object_get(s, "dropped_rules"), i, x)
	{
		fprintf(o->f, "  left out: syscalls[%lld] %s %s (unknown to libseccomp",
			I(x, "rule", 0), S(x, "syscall"), S(x, "action"));
		if (json_is_integer(json_object_get(x, "kernel_nr")))
			fprintf(o->f, "; the kernel has it, nr %lld", I(x, "kernel_nr", 0));
		fputs("): the default action applies\n", o->f);
	}
}

static void cgroup(struct out *o, json_t *c)
{
	json_t *m = json_object_get(c, "memory"), *cpu = json_object_get(c, "cpu"),
	       *p = json_object_get(c, "pids"), *io = json_object_get(c, "io");

	section(o, "Cgroup", c);
	fprintf(o->f, "  %s %s, path %s (host: %s)\n", S(c, "layout") ? S(c, "layout") : "?",
		S(c, "driver") ? S(c, "driver") : "", S(c, "path") ? S(c, "path") : "?",
		S(c, "host_path") ? S(c, "host_path") : "?");
	if (S(c, "note") != NULL)
		fprintf(o->f, "  %s\n", S(c, "note"));
	if (S(c, "error") != NULL && strcmp(S(c, "verdict"), "unknown") != 0)
		fprintf(o->f, "  %s\n", S(c, "error"));
	if (m == NULL)
		return;
	{
		cleanup_free char *lim = human_bytes(json_object_get(m, "limit"));
		cleanup_free char *use = human_bytes(json_object_get(m, "usage"));
		fprintf(o->f, "  memory     limit %s, usage %s, OOM kills %lld\n", lim, use,
			I(m, "oom_kills", 0));
	}
	if (json_is_integer(json_object_get(cpu, "quota_us")))
		fprintf(o->f, "  cpu        quota %lld us per %lld us (%.2f CPUs)",
			I(cpu, "quota_us", 0), I(cpu, "period_us", 0),
			(double)I(cpu, "quota_us", 0) / (double)(I(cpu, "period_us", 1) ?: 1));
	else
		fprintf(o->f, "  cpu        no quota");
	fprintf(o->f, ", used %.3f s, throttled %lld of %lld periods%s%s\n",
		(double)I(cpu, "usage_ns", 0) / 1e9, I(cpu, "throttled_periods", 0),
		I(cpu, "periods", 0), S(cpu, "cpus") ? ", cpus " : "",
		S(cpu, "cpus") ? S(cpu, "cpus") : "");
	if (json_is_integer(json_object_get(p, "limit")))
		fprintf(o->f, "  pids       %lld of %lld\n", I(p, "current", 0), I(p, "limit", 0));
	else
		fprintf(o->f, "  pids       %lld, no limit\n", I(p, "current", 0));
	{
		cleanup_free char *thr = join(json_object_get(io, "throttles"), NULL, ", ");
		fprintf(o->f, "  io         read %lld B, written %lld B%s%s\n",
			I(io, "read_bytes", 0), I(io, "write_bytes", 0),
			thr[0] ? "; throttles " : "", thr);
	}
}

static void limit_str(char *buf, size_t len, json_t *v)
{
	if (json_is_integer(v))
		snprintf(buf, len, "%lld", (long long)json_integer_value(v));
	else
		snprintf(buf, len, "unlimited");
}

static void rlimits(struct out *o, json_t *r)
{
	json_t *x;
	size_t i;

	section(o, "Resources", r);
	{
		json_t *pr = json_object_get(r, "process"), *h = json_object_get(r, "host_process");
		json_t *sc = json_object_get(pr, "scheduler"),
		       *hsc = json_object_get(h, "scheduler");
		json_t *io = json_object_get(pr, "io_priority"),
		       *hio = json_object_get(h, "io_priority");
		json_t *pe = json_object_get(pr, "personality");

		if (json_is_object(pr)) {
			fprintf(o->f,
				"  %-26s %s, nice %lld, priority %lld   (host: %s, nice %lld)\n",
				"scheduler", S(sc, "policy") ? S(sc, "policy") : "?",
				I(sc, "nice", 0), I(sc, "priority", 0),
				S(hsc, "policy") ? S(hsc, "policy") : "?", I(hsc, "nice", 0));
			fprintf(o->f, "  %-26s %s, level %lld   (host: %s)\n", "I/O priority",
				S(io, "class") ? S(io, "class") : "?", I(io, "level", 0),
				S(hio, "class") ? S(hio, "class") : "?");
			if (json_is_object(pe))
				fprintf(o->f, "  %-26s %s, flags %s\n", "personality",
					S(pe, "domain"), S(pe, "flags"));
			fprintf(o->f, "  %-26s %lld   (host: %lld)\n", "oom_score_adj",
				I(pr, "oom_score_adj", 0), I(h, "oom_score_adj", 0));
		}
		fprintf(o->f, "  rlimits (soft / hard):\n");
	}
	json_array_foreach(json_object_get(r, "limits"), i, x)
	{
		char s[32], h[32], hs[32], hh[32];
		const char *cmp = S(x, "compared");

		limit_str(s, sizeof(s), json_object_get(x, "soft"));
		limit_str(h, sizeof(h), json_object_get(x, "hard"));
		limit_str(hs, sizeof(hs), json_object_get(x, "host_soft"));
		limit_str(hh, sizeof(hh), json_object_get(x, "host_hard"));
		if (cmp != NULL && strcmp(cmp, "same") == 0)
			fprintf(o->f, "  %-26s %s / %s\n", S(x, "name"), s, h);
		else
			fprintf(o->f, "  %-26s %s / %s   (host: %s / %s, %s)\n", S(x, "name"), s, h,
				hs, hh, cmp);
	}
}

/* ---- 100 columns ---- */

#define TEXT_COLUMNS 100

/* Columns s[0..n) takes on a terminal: colour escapes take none. */
static size_t visible(const char *s, size_t n)
{
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\033') {
			while (i < n && s[i] != 'm')
				i++;
			continue;
		}
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			w++;
	}
	return w;
}

/* Where a line's value starts: after its leading spaces, its label and the
 * run of two or more spaces after it ("  effective   41 of 41..."). */
static size_t value_start(const char *line, size_t n)
{
	size_t i = strspn(line, " ");
	const char *gap = NULL;

	for (size_t j = i; j + 1 < n && j < 48; j++)
		if (line[j] == ' ' && line[j + 1] == ' ') {
			gap = line + j;
			break;
		}
	if (gap == NULL)
		return i;
	return (size_t)(gap - line) + strspn(gap, " ");
}

/* Lines longer than TEXT_COLUMNS broken at spaces, continued under the
 * value's first column (long capability and syscall lists); a word wider
 * than the room left (a long path) is cut. */
static void wrap_line(FILE *f, const char *line, size_t n)
{
	size_t start = value_start(line, n), indent = visible(line, start), col;
	size_t room;

	if (visible(line, n) <= TEXT_COLUMNS) {
		fwrite(line, 1, n, f);
		return;
	}
	if (indent > TEXT_COLUMNS / 2)
		indent = 6, start = strspn(line, " ");
	room = TEXT_COLUMNS - indent;
	fwrite(line, 1, start, f);
	col = visible(line, start);
	for (size_t i = start; i < n;) {
		size_t wl = strcspn(line + i, " "), w;

		if (i + wl > n)
			wl = n - i;
		w = visible(line + i, wl);
		if (w > 0 && col > indent && col + 1 + w > TEXT_COLUMNS) {
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
		} else if (w > 0 && col > indent) {
			fputc(' ', f);
			col++;
		}
		while (w > room && memchr(line + i, '\033', wl) == NULL) {
			/* Cut: what fits on this line, the rest on the next. */
			size_t fit = TEXT_COLUMNS - col;

			fwrite(line + i, 1, fit, f);
			fprintf(f, "\n%*s", (int)indent, "");
			col = indent;
			i += fit;
			wl -= fit;
			w -= fit;
		}
		fwrite(line + i, 1, wl, f);
		col += w;
		i += wl;
		i += strspn(line + i, " ");
	}
}

static char *wrap_text(const char *in)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	for (const char *p = in; *p != '\0';) {
		size_t n = strcspn(p, "\n");

		wrap_line(f, p, n);
		p += n;
		if (*p == '\n') {
			fputc('\n', f);
			p++;
		}
	}
	fclose(f);
	return buf;
}

int cella_map_render_text(const char *json, bool colour, char **out, cella_error *err)
{
	json_error_t je;
	json_t *doc = json_loads(json, 0, &je);
	json_t *t;
	char *buf = NULL;
	size_t len = 0;
	struct out o = {.colour = colour};

	if (doc == NULL)
		return cella_err_invalid(err, "map: %s", je.text);
	o.f = open_memstream(&buf, &len);
	if (o.f == NULL) {
		json_decref(doc);
		return cella_err(err, errno, "open_memstream");
	}
	t = json_object_get(doc, "target");
	if (S(t, "id") != NULL)
		fprintf(o.f, "container %s: pid %lld, %s", S(t, "id"), I(t, "pid", 0),
			S(t, "status"));
	else
		fprintf(o.f, "process %lld", I(t, "pid", 0));
	fprintf(o.f, "  (%s)\nhost: the process running cella\n",
		S(t, "command") ? S(t, "command") : "");
	namespaces(&o, doc);
	filesystem(&o, json_object_get(doc, "filesystem"));
	privileges(&o, json_object_get(doc, "privileges"));
	seccomp(&o, json_object_get(doc, "seccomp"));
	cgroup(&o, json_object_get(doc, "cgroup"));
	rlimits(&o, json_object_get(doc, "rlimits"));
	fclose(o.f);
	json_decref(doc);
	*out = wrap_text(buf);
	if (*out == NULL) {
		free(buf);
		return cella_err(err, errno, "open_memstream");
	}
	free(buf);
	return 0;
}
