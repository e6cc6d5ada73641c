/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * cpuset.cpus and cpuset.mems, written in an order the kernel accepts.
 *
 * On v1 (and on v2 before Linux 6.x moved these checks to v1 only) the
 * kernel refuses, with EBUSY, a value that a nested cgroup's own value is
 * not a subset of; a nested cgroup, in turn, may not take what its parent
 * does not have (EACCES, v1), and one with processes may not be left empty
 * (ENOSPC). So a change that the container's nested cgroups (made by a
 * systemd or a runtime inside it, or there before when the cgroup is
 * joined) do not fit is made in three steps, each accepted:
 *
 *   1. widen the cgroup to the union of what it has and the target;
 *   2. narrow each nested cgroup that does not fit the target to what it
 *      keeps of it, or to the whole target when it keeps nothing (the same
 *      steps one level down, so their own nested cgroups follow);
 *   3. narrow the cgroup to the target.
 *
 * The target is written as is first: only when the kernel refuses it for
 * the nested cgroups (EBUSY) are they changed, so a cgroup without any, or
 * a v2 kernel that lets nested cgroups keep what they asked for (their
 * effective set is narrowed by the kernel), sees one write as before. A
 * nested cgroup that already fits is never written. runc 1.1 writes the
 * target once and fails here (opencontainers/runc#1635, open; its
 * maintainers declined copying the parent's value over every nested cgroup
 * in #1636): what a nested cgroup keeps is its own set, narrowed as v2's
 * effective set would be.
 *
 * Every write goes through cg_write, so an open journal (cgroup_undo.c)
 * records it: undone last first, each step's inverse finds the state it
 * was accepted in.
 */
#include "kernel/cgroup_internal.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/util.h"

/* Enough for the largest NR_CPUS (CONFIG_MAXSMP: 8192) and node count. */
#define CPUSET_BITS  8192
#define CPUSET_WORDS (CPUSET_BITS / (8 * sizeof(unsigned long)))

struct cpuset_mask {
	unsigned long w[CPUSET_WORDS];
};

static const char *what_of(const char *file)
{
	return strcmp(file, "cpuset.mems") == 0 ? "node" : "CPU";
}

/* dir/file as a mask; an empty file (v2: "the parent's") is no bit. */
static int read_mask(const char *dir, const char *file, struct cpuset_mask *m, cella_error *err)
{
	cleanup_free char *text = NULL;

	memset(m, 0, sizeof(*m));
	if (cg_read(dir, file, &text, err) < 0)
		return cella_err_ret(err);
	text[strcspn(text, "\n")] = '\0';
	if (text[0] == '\0')
		return 0;
	if (parse_bit_list(text, what_of(file), m->w, CPUSET_BITS, err) < 0)
		return cella_err_context(err, "read %s", file);
	return 0;
}

static bool mask_empty(const struct cpuset_mask *m)
{
	for (size_t i = 0; i < CPUSET_WORDS; i++)
		if (m->w[i] != 0)
			return false;
	return true;
}

/* Is every bit of a in b? */
static bool mask_subset(const struct cpuset_mask *a, const struct cpuset_mask *b)
{
	for (size_t i = 0; i < CPUSET_WORDS; i++)
		if (a->w[i] & ~b->w[i])
			return false;
	return true;
}

static int write_mask(const char *dir, const char *file, const struct cpuset_mask *m,
		      cella_error *err)
{
	cleanup_free char *v = format_bit_list(m->w, CPUSET_BITS);

	return cg_write(dir, file, v, err);
}

/* The nested cgroups of dir (their directory names), read before any is
 * changed; the directory is not held open meanwhile. */
static int nested_names(const char *dir, char ***out, cella_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int saved;

	*out = NULL;
	if (d == NULL)
		return cella_err(err, errno, "open cgroup `%s`", dir);
	while ((errno = 0, de = readdir(d)) != NULL)
		if (de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			strv_append(out, de->d_name);
	saved = errno;
	closedir(d);
	if (saved != 0) {
		strv_free(*out);
		*out = NULL;
		return cella_err(err, saved, "read cgroup `%s`", dir);
	}
	return 0;
}

static int set_or_reshape(const char *dir, const char *file, const struct cpuset_mask *target,
			  cella_error *err);

/* Step 2: every nested cgroup of dir whose file does not fit target gets
 * what it keeps of it, or all of it. */
static int narrow_nested(const char *dir, const char *file, const struct cpuset_mask *target,
			 cella_error *err)
{
	cleanup_strv char **names = NULL;

	if (nested_names(dir, &names, err) < 0)
		return cella_err_ret(err);
	for (char **n = names; n != NULL && *n != NULL; n++) {
		cleanup_free char *sub = xasprintf("%s/%s", dir, *n);
		struct cpuset_mask had, keep;
		cella_error e;

		if (read_mask(sub, file, &had, &e) < 0) {
			if (e.errnum == ENOENT)
				continue; /* removed meanwhile; v2: cpuset not enabled there */
			*err = e;
			return cella_err_context(err, "nested cgroup `%s`", sub);
		}
		if (mask_subset(&had, target))
			continue;
		for (size_t i = 0; i < CPUSET_WORDS; i++)
			keep.w[i] = had.w[i] & target->w[i];
		if (mask_empty(&keep))
			keep = *target;
		if (set_or_reshape(sub, file, &keep, err) < 0)
			return cella_err_context(err, "nested cgroup `%s`", sub);
	}
	return 0;
}

/* Steps 1-3 for dir, whose file the kernel would not set to target as is
 * (EBUSY). */
static int reshape(const char *dir, const char *file, const struct cpuset_mask *target,
		   cella_error *err)
{
	struct cpuset_mask cur, wide;

	if (read_mask(dir, file, &cur, err) < 0)
		return cella_err_ret(err);
	/* 1. An empty set (v2) is the parent's already: nothing to widen. */
	if (!mask_empty(&cur) && !mask_subset(target, &cur)) {
		for (size_t i = 0; i < CPUSET_WORDS; i++)
			wide.w[i] = cur.w[i] | target->w[i];
		if (write_mask(dir, file, &wide, err) < 0)
			return cella_err_ret(err);
	}
	if (narrow_nested(dir, file, target, err) < 0)
		return cella_err_ret(err);
	return write_mask(dir, file, target, err);
}

static int set_or_reshape(const char *dir, const char *file, const struct cpuset_mask *target,
			  cella_error *err)
{
	cella_error e;

	if (write_mask(dir, file, target, &e) == 0)
		return 0;
	if (e.errnum != EBUSY) {
		*err = e;
		return cella_err_ret(err);
	}
	return reshape(dir, file, target, err);
}

/* v1 refuses what the parent does not have with EACCES, which reads like a
 * permission problem: say what the parent has. */
static int parent_hint(const char *dir, const char *file, cella_error *err)
{
	cleanup_free char *parent = xstrdup(dir);
	cleanup_free char *has = NULL;
	char *slash = strrchr(parent, '/');
	cella_error e;
	size_t len;

	if (err->errnum != EACCES || slash == NULL || slash == parent)
		return cella_err_ret(err);
	*slash = '\0';
	if (cg_read(parent, file, &has, &e) < 0)
		return cella_err_ret(err);
	has[strcspn(has, "\n")] = '\0';
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, " (the parent cgroup has `%s`)", has);
	return cella_err_ret(err);
}

int cg_cpuset_write(const char *dir, const char *file, const char *val, cella_error *err)
{
	struct cpuset_mask target;
	cella_error e;

	/* As given first: the kernel's refusal of the list itself (a CPU past
	 * the last one) is the error to give. */
	if (cg_write(dir, file, val, &e) == 0)
		return 0;
	if (e.errnum != EBUSY ||
	    parse_bit_list(val, what_of(file), target.w, CPUSET_BITS, err) < 0) {
		*err = e;
		return parent_hint(dir, file, err);
	}
	if (reshape(dir, file, &target, err) < 0)
		return parent_hint(dir, file, err);
	return 0;
}
