/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The journal that makes an apply all or nothing (`cella update`, and a
 * cgroup joined at create): while one is open, every cg_write of a limit
 * file first records what the file held, and a failed apply writes the old
 * values back, last first. Undoing in reverse order keeps the orders the
 * drivers chose valid: memory.limit_in_bytes raised after memsw is lowered
 * before it again, a CPU period written after its quota goes back first.
 *
 * What a file reads is not always what it takes. The table below says how
 * to turn the one into the other: keyed files ("8:0 1048576", "eth0 5")
 * restore the line of the key written, or reset it when there was none;
 * memory.oom_control restores oom_kill_disable; "default N" files (io.weight,
 * BFQ) restore their default line. Core cgroup.* files (procs,
 * subtree_control, freeze) are not limits and are not recorded.
 *
 * One journal at a time, opened and closed by cgroup.c around the driver's
 * apply: the CLI is one thread.
 */
#include "kernel/cgroup_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/util.h"

struct cg_undo {
	char *dir, *file, *old;
};

struct cg_journal {
	struct cg_undo *e;
	size_t n;
};

static struct cg_journal *active;

/* Keyed files: the key is the first word of the value written; with no
 * line for it before, `reset` (after "KEY ") puts the kernel's default
 * back. */
static const struct {
	const char *file;
	const char *reset;
} keyed[] = {
    {"blkio.throttle.read_bps_device", "0"},
    {"blkio.throttle.write_bps_device", "0"},
    {"blkio.throttle.read_iops_device", "0"},
    {"blkio.throttle.write_iops_device", "0"},
    {"blkio.bfq.weight_device", "0"},
    {"io.bfq.weight", "default"},
    {"io.weight", "default"},
    {"io.max", "rbps=max wbps=max riops=max wiops=max"},
    {"net_prio.ifpriomap", "0"},
};

/* The first line of text starting with "key ", copied; NULL when none. */
static char *line_of(const char *text, const char *key)
{
	size_t kl = strlen(key);

	for (const char *l = text; l != NULL && *l; l = strchr(l, '\n'), l = l ? l + 1 : NULL)
		if (strncmp(l, key, kl) == 0 && l[kl] == ' ')
			return xasprintf("%.*s", (int)strcspn(l, "\n"), l);
	return NULL;
}

/* What to write into file to undo writing val, given what it read before;
 * NULL when it cannot be known. */
static char *undo_value(const char *file, const char *val, const char *old)
{
	if (strcmp(file, "memory.oom_control") == 0) {
		cleanup_free char *l = line_of(old, "oom_kill_disable");

		return l != NULL ? xstrdup(l + strlen("oom_kill_disable ")) : NULL;
	}
	for (size_t i = 0; i < ARRAY_SIZE(keyed); i++) {
		cleanup_free char *key = NULL;
		char *l;

		if (strcmp(file, keyed[i].file) != 0)
			continue;
		key = xasprintf("%.*s", (int)strcspn(val, " "), val);
		if (strcmp(key, "default") == 0 || strchr(val, ' ') == NULL)
			break; /* a "default N" (or bare N) write: below */
		l = line_of(old, key);
		return l != NULL ? l : xasprintf("%s %s", key, keyed[i].reset);
	}
	if (str_has_prefix(old, "default ")) {
		cleanup_free char *l = line_of(old, "default");

		/* "default N" is what io.weight takes; a bare number what the
		 * v1 BFQ weight takes. */
		return strncmp(val, "default", 7) == 0 ? xstrdup(l) : xstrdup(l + 8);
	}
	if (strchr(old, '\n') != NULL && strchr(old, '\n')[1] != '\0')
		return NULL; /* several lines: not a value to write back */
	/* An empty cpuset is written as a newline (a zero-length write does
	 * not reach the kernel). */
	if (old[0] == '\0' || old[0] == '\n')
		return xstrdup("\n");
	return xasprintf("%.*s", (int)strcspn(old, "\n"), old);
}

char *cg_journal_note(const char *dir, const char *file, const char *val)
{
	cleanup_free char *old = NULL;
	cella_error e;

	if (active == NULL || str_has_prefix(file, "cgroup.") || strchr(file, '/') != NULL)
		return NULL;
	if (cg_read(dir, file, &old, &e) < 0)
		return NULL; /* write-only (devices.allow): not restorable */
	return undo_value(file, val, old);
}

void cg_journal_keep(const char *dir, const char *file, char *back)
{
	struct cg_undo *u;

	if (active == NULL || back == NULL) {
		free(back);
		return;
	}
	active->e = xrealloc(active->e, (active->n + 1) * sizeof(*active->e));
	u = &active->e[active->n++];
	u->dir = xstrdup(dir);
	u->file = xstrdup(file);
	u->old = back;
}

struct cg_journal *cg_journal_open(void)
{
	struct cg_journal *j = xcalloc(1, sizeof(*j));

	active = j;
	return j;
}

void cg_journal_close(struct cg_journal *j, bool undo, cella_error *err)
{
	bool said = false;

	active = NULL;
	for (size_t i = j->n; i-- > 0;) {
		struct cg_undo *u = &j->e[i];
		cella_error e;

		if (undo && cg_write(u->dir, u->file, u->old, &e) < 0 && !said && err != NULL) {
			size_t len = strlen(err->msg);
			char old[64];

			/* Said after the failure that caused the restore. */
			said = true;
			snprintf(old, sizeof(old), "%s", u->old);
			old[strcspn(old, "\n")] = '\0';
			snprintf(err->msg + len, sizeof(err->msg) - len,
				 " (restoring %s `%s` failed too: %s)", u->file, old, e.msg);
		}
		free(u->dir);
		free(u->file);
		free(u->old);
	}
	free(j->e);
	free(j);
}
