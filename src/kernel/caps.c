/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capabilities: the five sets of the container process, applied through
 * libcap.
 *
 * Who runs this: the container's setup child, inside its namespaces, after
 * the uid/gid switch (with PR_SET_KEEPCAPS on, so the permitted set survived
 * it) and before no_new_privs, seccomp and execve.
 */
#include "kernel/caps.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#define CAP_NAME_MAX  32
#define CAP_NAMES_MAX 768

static void cap_freep(cap_t *c)
{
	if (*c != NULL)
		cap_free(*c);
}
#define cleanup_cap __attribute__((cleanup(cap_freep)))

int caps_last_cap(void)
{
	static int cached = -1;
	cleanup_free char *text = NULL;
	long long v;

	if (cached >= 0)
		return cached;
	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/cap_last_cap", &text, NULL) >= 0) {
		text[strcspn(text, "\n")] = '\0';
		if (parse_i64(text, 0, 63, &v)) {
			cached = (int)v;
			return cached;
		}
	}
	/* No /proc (or an odd one): libcap probes the kernel with prctl. */
	cached = (int)cap_max_bits() - 1;
	if (cached > 63)
		cached = 63;
	return cached;
}

static uint64_t mask_upto(int last)
{
	if (last >= 63)
		return ~(uint64_t)0;
	if (last < 0)
		return 0;
	return ((uint64_t)1 << (last + 1)) - 1;
}

static bool has_cap(uint64_t mask, int cap)
{
	return (mask >> cap) & 1;
}

/* "CAP_CHOWN", or the number when libcap does not know it. */
static void cap_name(int cap, char *buf, size_t len)
{
	char *n = cap_to_name((cap_value_t)cap);

	if (n == NULL) {
		snprintf(buf, len, "%d", cap);
		return;
	}
	snprintf(buf, len, "%s", n);
	cap_free(n);
	for (char *p = buf; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
}

/* "CAP_CHOWN, CAP_KILL" for every bit in mask. */
static const char *cap_names(uint64_t mask, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int c = 0; c < 64 && used < len; c++) {
		char name[CAP_NAME_MAX];
		int w;

		if (!has_cap(mask, c))
			continue;
		cap_name(c, name, sizeof(name));
		w = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/* The mask of one flag of a libcap state. */
static uint64_t cap_t_mask(cap_t c, cap_flag_t flag, int last)
{
	uint64_t m = 0;

	for (int cap = 0; cap <= last; cap++) {
		cap_flag_value_t v = CAP_CLEAR;
		if (cap_get_flag(c, (cap_value_t)cap, flag, &v) == 0 && v == CAP_SET)
			m |= (uint64_t)1 << cap;
	}
	return m;
}

bool caps_none_held(void)
{
	cleanup_cap cap_t cur = cap_get_proc();
	int last = caps_last_cap();

	return cur != NULL && cap_t_mask(cur, CAP_PERMITTED, last) == 0 &&
	       cap_t_mask(cur, CAP_EFFECTIVE, last) == 0;
}

int caps_securebits(void)
{
	return prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
}

static int set_flag_mask(cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
	for (int cap = 0; cap <= last; cap++) {
		cap_value_t v = (cap_value_t)cap;
		if (has_cap(mask, cap) && cap_set_flag(c, flag, 1, &v, CAP_SET) < 0)
			return -1;
	}
	return 0;
}

/* Make CAP_SETPCAP effective, so that the bounding set can be dropped. The
 * uid switch cleared the effective set; PR_SET_KEEPCAPS kept the permitted
 * one. The capset() that follows sets the final effective set anyway. */
static int raise_setpcap(cella_error *err)
{
	cleanup_cap cap_t cur = cap_get_proc();
	cap_value_t v = CAP_SETPCAP;
	cap_flag_value_t perm = CAP_CLEAR, eff = CAP_CLEAR;

	if (cur == NULL)
		return cella_err(err, errno, "read the current capabilities");
	if (cap_get_flag(cur, v, CAP_EFFECTIVE, &eff) < 0 ||
	    cap_get_flag(cur, v, CAP_PERMITTED, &perm) < 0)
		return cella_err(err, errno, "read CAP_SETPCAP from the current capabilities");
	if (eff == CAP_SET)
		return 0;
	if (perm != CAP_SET)
		return cella_err(err, EPERM,
				 "drop process.capabilities.bounding: CAP_SETPCAP is not in the "
				 "permitted set");
	if (cap_set_flag(cur, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0 || cap_set_proc(cur) < 0)
		return cella_err(err, errno, "make CAP_SETPCAP effective to drop the bounding set");
	return 0;
}

static int apply_bounding(uint64_t bounding, int last, cella_error *err)
{
	uint64_t drop = 0;
	char name[CAP_NAME_MAX];
	int r;

	for (int cap = 0; cap <= last; cap++)
		if (!has_cap(bounding, cap) && cap_get_bound((cap_value_t)cap) == 1)
			drop |= (uint64_t)1 << cap;
	if (drop == 0)
		return 0;
	r = raise_setpcap(err);
	if (r < 0)
		return r;
	for (int cap = 0; cap <= last; cap++) {
		if (!has_cap(drop, cap))
			continue;
		if (cap_drop_bound((cap_value_t)cap) < 0) {
			cap_name(cap, name, sizeof(name));
			return cella_err(
			    err, errno,
			    "drop %s from the bounding set (process.capabilities.bounding)", name);
		}
	}
	return 0;
}

/* capset() refused: say which requested caps the process cannot have. */
static int explain_capset(const struct cella_caps *want, int last, int errnum, cella_error *err)
{
	cleanup_cap cap_t cur = cap_get_proc();
	char names[CAP_NAMES_MAX];
	uint64_t cur_p, cur_i, extra;

	if (cur == NULL || errnum != EPERM)
		return cella_err(err, errnum, "set process.capabilities (capset)");
	cur_p = cap_t_mask(cur, CAP_PERMITTED, last);
	cur_i = cap_t_mask(cur, CAP_INHERITABLE, last);
	extra = want->permitted & ~cur_p;
	if (extra != 0)
		return cella_err(err, errnum,
				 "set process.capabilities.permitted: not in the current permitted "
				 "set: %s",
				 cap_names(extra, names, sizeof(names)));
	extra = want->inheritable & ~cur_i & ~want->bounding;
	if (extra != 0)
		return cella_err(
		    err, errnum,
		    "set process.capabilities.inheritable: not in the bounding set: %s",
		    cap_names(extra, names, sizeof(names)));
	return cella_err(err, errnum, "set process.capabilities (capset)");
}

static int apply_sets(const struct cella_caps *want, int last, cella_error *err)
{
	cleanup_cap cap_t c = cap_init();

	if (c == NULL)
		return cella_err(err, errno, "allocate a capability state");
	if (set_flag_mask(c, CAP_PERMITTED, want->permitted, last) < 0 ||
	    set_flag_mask(c, CAP_EFFECTIVE, want->effective, last) < 0 ||
	    set_flag_mask(c, CAP_INHERITABLE, want->inheritable, last) < 0)
		return cella_err(err, errno, "build the capability state");
	if (cap_set_proc(c) < 0)
		return explain_capset(want, last, errno, err);
	return 0;
}

static int apply_ambient(const struct cella_caps *want, int last, cella_error *err)
{
	uint64_t skipped = want->ambient & ~(want->permitted & want->inheritable);
	uint64_t raise = want->ambient & ~skipped;
	char names[CAP_NAMES_MAX];

	/* One prctl: libcap's cap_reset_ambient() first asks the kernel
	 * about each capability in turn. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && raise != 0)
		return cella_err(err, errno, "clear the ambient set");
	/* The kernel refuses to raise these. runc skips them silently, and
	 * `runc spec` itself asks for ambient caps without inheritable ones,
	 * so this is a debug note, not a warning on every default container. */
	if (skipped != 0)
		cella_debug("process.capabilities.ambient: skipping %s: an ambient capability "
			    "must also be in the permitted and inheritable sets",
			    cap_names(skipped, names, sizeof(names)));
	for (int cap = 0; cap <= last; cap++) {
		if (!has_cap(raise, cap))
			continue;
		if (cap_set_ambient((cap_value_t)cap, CAP_SET) < 0) {
			char name[CAP_NAME_MAX];
			cap_name(cap, name, sizeof(name));
			return cella_err(err, errno, "raise %s in process.capabilities.ambient",
					 name);
		}
	}
	return 0;
}

int caps_apply(const struct cella_caps *caps, cella_error *err)
{
	int last = caps_last_cap();
	uint64_t known = mask_upto(last);
	uint64_t above = (caps->bounding | caps->effective | caps->inheritable | caps->permitted |
			  caps->ambient) &
			 ~known;
	struct cella_caps want = {
	    .bounding = caps->bounding & known,
	    .effective = caps->effective & known,
	    .inheritable = caps->inheritable & known,
	    .permitted = caps->permitted & known,
	    .ambient = caps->ambient & known,
	};
	char names[CAP_NAMES_MAX];
	int r;

	if (above != 0)
		cella_warn("process.capabilities: skipping %s: unknown to the running kernel "
			   "(last cap %d)",
			   cap_names(above, names, sizeof(names)), last);
	if (want.effective & ~want.permitted)
		return cella_err_invalid(
		    err, "process.capabilities.effective: not in the permitted set: %s",
		    cap_names(want.effective & ~want.permitted, names, sizeof(names)));

	/* 1. Bounding set, while CAP_SETPCAP is still ours. */
	r = apply_bounding(want.bounding, last, err);
	if (r < 0)
		return r;
	/* 2. Permitted, effective, inheritable in one capset(). */
	r = apply_sets(&want, last, err);
	if (r < 0)
		return r;
	/* 3. Ambient: needs each cap in the new permitted and inheritable. */
	return apply_ambient(&want, last, err);
}

int caps_keep_on_setuid(int on, cella_error *err)
{
	if (prctl(PR_SET_KEEPCAPS, on ? 1 : 0, 0, 0, 0) < 0)
		return cella_err(err, errno, "prctl PR_SET_KEEPCAPS %d", on ? 1 : 0);
	return 0;
}

static const struct {
	const char *key;
	size_t offset;
} status_keys[] = {
    {"CapInh:", offsetof(struct cella_caps, inheritable)},
    {"CapPrm:", offsetof(struct cella_caps, permitted)},
    {"CapEff:", offsetof(struct cella_caps, effective)},
    {"CapBnd:", offsetof(struct cella_caps, bounding)},
    {"CapAmb:", offsetof(struct cella_caps, ambient)},
};

/* A hex mask followed by optional blanks and the end of the line. */
static bool parse_hex_mask(const char *s, uint64_t *out)
{
	const char *p = s;
	uint64_t v = 0;
	int digits = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	for (; isxdigit((unsigned char)*p); p++, digits++) {
		int d =
		    isdigit((unsigned char)*p) ? *p - '0' : tolower((unsigned char)*p) - 'a' + 10;
		if (v >> 60 != 0)
			return false;
		v = (v << 4) | (uint64_t)d;
	}
	if (digits == 0)
		return false;
	while (*p == ' ' || *p == '\t' || *p == '\r')
		p++;
	if (*p != '\n' && *p != '\0')
		return false;
	*out = v;
	return true;
}

int caps_parse_status(const char *text, struct cella_caps *out, cella_error *err)
{
	struct cella_caps caps = {0};
	unsigned seen = 0;

	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *nl = strchr(line, '\n');

		for (size_t k = 0; k < ARRAY_SIZE(status_keys); k++) {
			size_t klen = strlen(status_keys[k].key);
			uint64_t v;

			if (strncmp(line, status_keys[k].key, klen) != 0)
				continue;
			if (!parse_hex_mask(line + klen, &v)) {
				int n = nl ? (int)(nl - line) : (int)strlen(line);
				return cella_err(err, 0, "parse capabilities: bad line `%.*s`",
						 n > 80 ? 80 : n, line);
			}
			memcpy((char *)&caps + status_keys[k].offset, &v, sizeof(v));
			seen |= 1U << k;
			break;
		}
		line = nl ? nl + 1 : NULL;
	}
	for (size_t k = 0; k < ARRAY_SIZE(status_keys); k++)
		if (!(seen & (1U << k)))
			return cella_err(err, 0, "parse capabilities: no %.6s line",
					 status_keys[k].key);
	*out = caps;
	return 0;
}

int caps_read_status(pid_t pid, struct cella_caps *out, cella_error *err)
{
	cleanup_free char *text = NULL;
	char path[64];
	int r;

	if (pid == 0)
		snprintf(path, sizeof(path), "/proc/self/status");
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (read_file_at(AT_FDCWD, path, &text, err) < 0)
		return cella_err_ret(err);
	r = caps_parse_status(text, out, err);
	if (r < 0)
		return cella_err_context(err, "%s", path);
	return 0;
}
