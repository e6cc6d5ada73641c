/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella map --svg FILE`: the visual map. One tile per namespace (top row)
 * and per layer (bottom row), coloured by verdict, with the key facts
 * written in; a legend below. Plain SVG 1.1, no scripts, no external
 * resources.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect/map.h"
#include "util/cleanup.h"
#include "util/util.h"

#define NS_W   118
#define NS_H   118
#define GAP    8
#define MARGIN 16
#define WIDTH  (MARGIN * 2 + 8 * NS_W + 7 * GAP)
#define L_W    ((WIDTH - MARGIN * 2 - 4 * GAP) / 5)
#define L_H    150

struct palette {
	const char *verdict, *fill, *stroke;
};

static const struct palette palettes[] = {
    {"isolated", "#c8e6c9", "#2e7d32"}, {"partial", "#fff3b0", "#b28704"},
    {"shared", "#ffcdd2", "#c62828"},	{"joined", "#b3e5fc", "#0277bd"},
    {"unknown", "#e0e0e0", "#616161"},
};

static const struct palette *palette(const char *v)
{
	for (size_t i = 0; i < ARRAY_SIZE(palettes); i++)
		if (v != NULL && strcmp(v, palettes[i].verdict) == 0)
			return &palettes[i];
	return &palettes[ARRAY_SIZE(palettes) - 1];
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

/* XML-escaped, cut to max characters (with an ellipsis). */
static void text_esc(FILE *f, const char *s, size_t max)
{
	size_t n = 0;

	for (const char *p = s != NULL ? s : ""; *p != '\0'; p++, n++) {
		if (n == max) {
			fputs("…", f);
			return;
		}
		switch (*p) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			if ((unsigned char)*p >= 0x20)
				fputc(*p, f);
			break;
		}
	}
}

struct tile {
	const char *title;
	const char *verdict;
	char *lines[4];
};

static void tile_free(struct tile *t)
{
	for (size_t i = 0; i < 4; i++)
		free(t->lines[i]);
}

static void draw(FILE *f, int x, int y, int w, int h, const struct tile *t)
{
	const struct palette *p = palette(t->verdict);
	size_t max = (size_t)(w - 16) / 6;

	fprintf(f,
		"<g><rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"8\" fill=\"%s\" "
		"stroke=\"%s\" stroke-width=\"2\"/>\n",
		x, y, w, h, p->fill, p->stroke);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\" font-size=\"15\">", x + 8, y + 22);
	text_esc(f, t->title, max);
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"%s\">", x + 8, y + 40,
		p->stroke);
	text_esc(f, t->verdict != NULL ? t->verdict : "unknown", max);
	fputs("</text>\n", f);
	for (size_t i = 0; i < 4; i++)
		if (t->lines[i] != NULL) {
			fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">", x + 8,
				y + 60 + (int)i * 16);
			text_esc(f, t->lines[i], max);
			fputs("</text>\n", f);
		}
	fputs("</g>\n", f);
}

static void ns_tile(json_t *ns, struct tile *t)
{
	const char *type = S(ns, "type");

	memset(t, 0, sizeof(*t));
	t->title = type;
	t->verdict = S(ns, "verdict");
	if (S(ns, "error") != NULL) {
		t->lines[0] = xstrdup(S(ns, "error"));
		return;
	}
	if (strcmp(type, "uts") == 0) {
		t->lines[0] = xstrdup(S(ns, "hostname") ? S(ns, "hostname") : "?");
	} else if (strcmp(type, "user") == 0) {
		json_t *ru = json_object_get(ns, "root_host_uid");
		t->lines[0] = json_is_integer(ru) ? xasprintf("root = host uid %lld",
							      (long long)json_integer_value(ru))
						  : xstrdup("root not mapped");
		t->lines[1] =
		    xasprintf("setgroups %s", S(ns, "setgroups") ? S(ns, "setgroups") : "?");
	} else if (strcmp(type, "pid") == 0) {
		t->lines[0] = xasprintf("%lld process%s", I(ns, "processes", -1),
					I(ns, "processes", -1) == 1 ? "" : "es");
		t->lines[1] = xasprintf("host: %lld", I(ns, "host_processes", -1));
	} else if (strcmp(type, "net") == 0) {
		/* The interfaces with addresses first, their address on a line
		 * of its own (lo's aside: it has one everywhere), then the up
		 * ones, then the rest; what does not fit is counted. */
		json_t *ifs = json_object_get(ns, "interfaces"), *x;
		size_t i, n = 0, shown = 0, total = json_array_size(ifs);

		for (int pass = 0; pass < 4 && n < 3; pass++)
			json_array_foreach(ifs, i, x)
			{
				json_t *addrs = json_object_get(x, "addresses");
				bool up = json_is_true(json_object_get(x, "up"));
				bool lo = json_is_true(json_object_get(x, "loopback"));
				bool addr = json_array_size(addrs) > 0;
				int rank = addr && !lo ? 0 : addr ? 1 : up ? 2 : 3;

				if (rank != pass || n >= 3)
					continue;
				if (n == 2 && total - shown > 1) {
					t->lines[n++] = xasprintf("+%zu more", total - shown);
					continue;
				}
				t->lines[n++] =
				    xasprintf("%s %s", S(x, "name"), up ? "up" : "down");
				shown++;
				if (rank == 0 && n < 3)
					t->lines[n++] =
					    xstrdup(json_string_value(json_array_get(addrs, 0)));
			}
	} else if (strcmp(type, "cgroup") == 0) {
		t->lines[0] =
		    xasprintf("root: %s", S(ns, "root_inside") ? S(ns, "root_inside") : "?");
	} else if (strcmp(type, "time") == 0) {
		json_t *off = json_object_get(ns, "offsets");
		t->lines[0] =
		    xasprintf("mono %+llds", I(json_object_get(off, "monotonic"), "seconds", 0));
		t->lines[1] =
		    xasprintf("boot %+llds", I(json_object_get(off, "boottime"), "seconds", 0));
	}
	if (json_array_size(json_object_get(ns, "shared_with")) > 0)
		t->lines[3] = xasprintf("with %s", json_string_value(json_array_get(
						       json_object_get(ns, "shared_with"), 0)));
}

static void layer_tiles(json_t *doc, struct tile t[5])
{
	json_t *fs = json_object_get(doc, "filesystem"), *pr = json_object_get(doc, "privileges"),
	       *sc = json_object_get(doc, "seccomp"), *cg = json_object_get(doc, "cgroup"),
	       *rl = json_object_get(doc, "rlimits"), *x;
	size_t i;
	int masked = 0, n_masked = 0, lowered = 0;

	memset(t, 0, 5 * sizeof(*t));
	t[0].title = "filesystem";
	t[0].verdict = S(fs, "verdict");
	json_array_foreach(json_object_get(fs, "masked_paths"), i, x)
	{
		n_masked++;
		masked += json_is_true(json_object_get(x, "masked"));
	}
	if (json_is_object(json_object_get(fs, "root"))) {
		json_t *root = json_object_get(fs, "root");
		t[0].lines[0] =
		    xasprintf("root %s, %s", S(root, "fstype"),
			      json_is_true(json_object_get(root, "read_only")) ? "ro" : "rw");
		t[0].lines[1] = xasprintf("%lld mounts (host %lld)", I(fs, "mounts", 0),
					  I(fs, "host_mounts", 0));
		t[0].lines[2] = xasprintf("masked %d/%d", masked, n_masked);
		t[0].lines[3] =
		    xasprintf("%zu devices", json_array_size(json_object_get(fs, "devices")));
	}

	t[1].title = "privileges";
	t[1].verdict = S(pr, "verdict");
	if (json_is_object(json_object_get(pr, "sets"))) {
		json_t *eff = json_object_get(json_object_get(pr, "sets"), "effective");
		t[1].lines[0] =
		    xasprintf("%lld of %lld caps", I(eff, "count", 0), I(pr, "known_caps", 0));
		t[1].lines[1] =
		    xasprintf("no_new_privs %s",
			      json_is_true(json_object_get(pr, "no_new_privs")) ? "on" : "off");
		t[1].lines[2] =
		    xasprintf("user ns %s",
			      json_is_true(json_object_get(pr, "user_namespace")) ? "yes" : "no");
	}

	t[2].title = "seccomp";
	t[2].verdict = S(sc, "verdict");
	t[2].lines[0] = xasprintf("%s, %lld filter(s)", S(sc, "mode") ? S(sc, "mode") : "?",
				  I(sc, "filters", 0));
	{
		json_t *sum = json_object_get(sc, "summary");
		if (json_is_object(sum)) {
			/* Every count of the summary, so that they add up to
			 * the table's syscalls. */
			t[2].lines[1] = xasprintf("allow %lld, errno %lld", I(sum, "allow", 0),
						  I(sum, "errno", 0));
			t[2].lines[2] =
			    xasprintf("kill %lld, trap %lld, trace %lld",
				      I(sum, "kill_process", 0) + I(sum, "kill_thread", 0),
				      I(sum, "trap", 0), I(sum, "trace", 0));
			t[2].lines[3] =
			    I(sum, "too_complex", 0) > 0
				? xasprintf("depends %lld, log %lld, notify %lld, too complex %lld",
					    I(sum, "depends", 0), I(sum, "log", 0),
					    I(sum, "user_notif", 0), I(sum, "too_complex", 0))
				: xasprintf("depends %lld, log %lld, notify %lld",
					    I(sum, "depends", 0), I(sum, "log", 0),
					    I(sum, "user_notif", 0));
		}
	}

	t[3].title = "cgroup";
	t[3].verdict = S(cg, "verdict");
	t[3].lines[0] = xasprintf("%s %s", S(cg, "layout") ? S(cg, "layout") : "?",
				  S(cg, "path") ? S(cg, "path") : "");
	if (json_is_object(json_object_get(cg, "memory"))) {
		json_t *lim = json_object_get(json_object_get(cg, "memory"), "limit");
		json_t *pl = json_object_get(json_object_get(cg, "pids"), "limit");
		json_t *q = json_object_get(json_object_get(cg, "cpu"), "quota_us");
		t[3].lines[1] =
		    json_is_integer(lim)
			? xasprintf("memory %lld MiB", (long long)json_integer_value(lim) >> 20)
			: xstrdup("memory unlimited");
		t[3].lines[2] = json_is_integer(pl)
				    ? xasprintf("pids %lld", (long long)json_integer_value(pl))
				    : xstrdup("pids unlimited");
		t[3].lines[3] =
		    json_is_integer(q)
			? xasprintf(
			      "cpu %.2f",
			      (double)json_integer_value(q) /
				  (double)(I(json_object_get(cg, "cpu"), "period_us", 1) ?: 1))
			: xstrdup("cpu unlimited");
	}

	t[4].title = "rlimits";
	t[4].verdict = S(rl, "verdict");
	json_array_foreach(json_object_get(rl, "limits"), i, x) lowered +=
	    S(x, "compared") != NULL && strcmp(S(x, "compared"), "same") != 0;
	t[4].lines[0] =
	    xasprintf("%d of %zu differ", lowered, json_array_size(json_object_get(rl, "limits")));
}

int cella_map_render_svg(const char *json, char **out, cella_error *err)
{
	json_error_t je;
	json_t *doc = json_loads(json, 0, &je), *ns, *t;
	char *buf = NULL;
	size_t len = 0, i;
	int height = MARGIN + 50 + NS_H + GAP * 3 + 20 + L_H + 60;
	struct tile tiles[5];
	FILE *f;

	if (doc == NULL)
		return cella_err_invalid(err, "map: %s", je.text);
	f = open_memstream(&buf, &len);
	if (f == NULL) {
		json_decref(doc);
		return cella_err(err, errno, "open_memstream");
	}
	fprintf(f,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"DejaVu Sans, Helvetica, "
		"Arial, sans-serif\">\n"
		"<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n",
		WIDTH, height, WIDTH, height);
	t = json_object_get(doc, "target");
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"20\" font-weight=\"bold\">", MARGIN,
		MARGIN + 18);
	if (S(t, "id") != NULL) {
		fputs("cella map: container ", f);
		text_esc(f, S(t, "id"), 60);
	} else {
		fprintf(f, "cella map: process %lld", I(t, "pid", 0));
	}
	fprintf(f, "</text>\n<text x=\"%d\" y=\"%d\" font-size=\"12\" fill=\"#444\">pid %lld",
		MARGIN, MARGIN + 38, I(t, "pid", 0));
	if (S(t, "command") != NULL) {
		fputs(": ", f);
		text_esc(f, S(t, "command"), 100);
	}
	fputs(" — compared with the host (the process running cella)</text>\n", f);

	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#444\">namespaces</text>\n",
		MARGIN, MARGIN + 62);
	json_array_foreach(json_object_get(doc, "namespaces"), i, ns)
	{
		struct tile nt;
		ns_tile(ns, &nt);
		draw(f, MARGIN + (int)i * (NS_W + GAP), MARGIN + 70, NS_W, NS_H, &nt);
		tile_free(&nt);
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#444\">layers</text>\n", MARGIN,
		MARGIN + 70 + NS_H + 22);
	layer_tiles(doc, tiles);
	for (i = 0; i < 5; i++) {
		draw(f, MARGIN + (int)i * (L_W + GAP), MARGIN + 70 + NS_H + 30, L_W, L_H,
		     &tiles[i]);
		tile_free(&tiles[i]);
	}
	/* The legend. */
	for (i = 0; i < ARRAY_SIZE(palettes); i++) {
		int x = MARGIN + (int)i * 130, y = height - 30;
		fprintf(f,
			"<rect x=\"%d\" y=\"%d\" width=\"16\" height=\"16\" rx=\"3\" fill=\"%s\" "
			"stroke=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"12\">%s</text>\n",
			x, y, palettes[i].fill, palettes[i].stroke, x + 22, y + 13,
			palettes[i].verdict);
	}
	fputs("</svg>\n", f);
	fclose(f);
	json_decref(doc);
	*out = buf;
	return 0;
}
