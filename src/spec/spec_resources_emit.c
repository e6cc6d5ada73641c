/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Resource flags, as podman and runc spell them (--memory 512m, --cpus 1.5,
 * --pids-limit 100...), merged into linux.resources JSON text: the quick
 * door's spec and `cella update` both go through here. Values are checked
 * and converted here, and a bad one is reported with its flag:
 *   --memory `12q`: expected a size like 512m or 1g
 */
#include "spec/spec_resources.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <jansson.h>

#include "util/cleanup.h"
#include "util/util.h"

#define CPU_PERIOD 100000 /* podman's period for --cpus, in microseconds */

bool cella_resource_flags_any(const struct cella_resource_flags *f)
{
	return f->memory || f->memory_swap || f->memory_reservation || f->cpus || f->cpu_shares ||
	       f->cpu_quota || f->cpu_period || f->cpuset_cpus || f->cpuset_mems || f->pids_limit ||
	       f->blkio_weight || f->n_throttle[CELLA_THROTTLE_READ_BPS] ||
	       f->n_throttle[CELLA_THROTTLE_WRITE_BPS] || f->n_throttle[CELLA_THROTTLE_READ_IOPS] ||
	       f->n_throttle[CELLA_THROTTLE_WRITE_IOPS];
}

/* "1.5" -> 1 and the fraction scaled to `scale` (a power of ten), rounded
 * down; false when s is not DIGITS[.DIGITS] or too large. */
static bool parse_decimal(const char *s, uint64_t scale, uint64_t max_whole, uint64_t *whole,
			  uint64_t *frac)
{
	unsigned long long w = 0;
	uint64_t f = 0, unit = scale;
	const char *dot = strchr(s, '.');
	cleanup_free char *ip = xasprintf("%.*s", dot ? (int)(dot - s) : (int)strlen(s), s);

	if (ip[0] == '\0' && (dot == NULL || dot[1] == '\0'))
		return false;
	if (ip[0] != '\0' && !parse_u64(ip, max_whole, &w))
		return false;
	if (dot != NULL) {
		const char *p = dot + 1;

		if (*p == '\0' || p[strspn(p, "0123456789")] != '\0')
			return false;
		for (; *p; p++) {
			unit /= 10;
			f += (uint64_t)(*p - '0') * unit;
		}
	}
	*whole = w;
	*frac = f;
	return true;
}

int cella_parse_size(const char *flag, const char *s, int64_t *out, cella_error *err)
{
	static const struct {
		char c;
		unsigned shift;
	} units[] = {{'b', 0}, {'k', 10}, {'m', 20}, {'g', 30}, {'t', 40}, {'p', 50}};
	cleanup_free char *num = NULL;
	size_t n = strlen(s), i;
	unsigned shift = 0;
	uint64_t whole, frac;
	const uint64_t scale = 1000000000;

	if (strcmp(s, "-1") == 0) {
		*out = -1;
		return 0;
	}
	/* NUMBER[UNIT], UNIT one of b k m g t p (any case), optionally followed
	 * by "b" or "ib": 512m, 1g, 1.5GiB, 100kb. */
	i = strspn(s, "0123456789.");
	num = xasprintf("%.*s", (int)i, s);
	if (i < n) {
		const char *u = s + i;
		bool found = false;

		for (size_t k = 0; k < ARRAY_SIZE(units); k++) {
			if ((u[0] | 0x20) != units[k].c)
				continue;
			if (u[1] == '\0' || (k > 0 && (strcasecmp(u + 1, "b") == 0 ||
						       strcasecmp(u + 1, "ib") == 0)))
				found = true;
			shift = units[k].shift;
			break;
		}
		if (!found)
			goto bad;
	}
	if (!parse_decimal(num, scale, INT64_MAX >> shift, &whole, &frac))
		goto bad;
	/* whole << shift fits (max_whole); the fraction's part is below 2^shift. */
	*out = (int64_t)((whole << shift) + (uint64_t)(((unsigned __int128)frac << shift) / scale));
	return 0;
bad:
	return cella_err_invalid(err, "%s `%s`: expected a size like 512m or 1g (units b, k, m, g)",
				 flag, s);
}

static int parse_int(const char *flag, const char *s, long long min, long long max, long long *out,
		     cella_error *err)
{
	if (!parse_i64(s, min, max, out))
		return cella_err_invalid(err, "%s `%s`: expected an integer from %lld to %lld",
					 flag, s, min, max);
	return 0;
}

static int check_list(const char *flag, const char *s, cella_error *err)
{
	if (s[0] == '\0' || s[strspn(s, "0123456789,-")] != '\0')
		return cella_err_invalid(err, "%s `%s`: expected a list like 0-3,7", flag, s);
	return 0;
}

/* obj[sect] as an object, created when absent. */
static json_t *section(json_t *root, const char *sect)
{
	json_t *v = json_object_get(root, sect);

	if (!json_is_object(v)) {
		v = json_object();
		json_object_set_new(root, sect, v);
	}
	return v;
}

static void set_int(json_t *root, const char *sect, const char *key, int64_t v)
{
	json_object_set_new(section(root, sect), key, json_integer((json_int_t)v));
}

static int memory_flags(const struct cella_resource_flags *f, json_t *root, cella_error *err)
{
	int64_t mem = 0, swap = 0, resv = 0;

	if (f->memory != NULL) {
		if (cella_parse_size("--memory", f->memory, &mem, err) < 0)
			return -EINVAL;
		/* The kernel needs room for the process itself; podman says 6m. */
		if (mem > 0 && mem < 6 * 1024 * 1024)
			return cella_err_invalid(err, "--memory `%s`: the minimum is 6m",
						 f->memory);
		if (mem != 0)
			set_int(root, "memory", "limit", mem);
	}
	if (f->memory_swap != NULL) {
		if (cella_parse_size("--memory-swap", f->memory_swap, &swap, err) < 0)
			return -EINVAL;
		if (f->memory != NULL && mem > 0 && swap >= 0 && swap < mem)
			return cella_err_invalid(
			    err,
			    "--memory-swap `%s`: less than --memory `%s` (it counts memory + "
			    "swap; -1 for unlimited swap)",
			    f->memory_swap, f->memory);
		set_int(root, "memory", "swap", swap);
	}
	if (f->memory_reservation != NULL) {
		if (cella_parse_size("--memory-reservation", f->memory_reservation, &resv, err) < 0)
			return -EINVAL;
		set_int(root, "memory", "reservation", resv);
	}
	return 0;
}

static int cpu_flags(const struct cella_resource_flags *f, json_t *root, cella_error *err)
{
	long long v;

	if (f->cpus != NULL) {
		uint64_t whole, frac;

		/* quota = cpus * period, exactly (no floating point). */
		if (!parse_decimal(f->cpus, CPU_PERIOD, 1 << 20, &whole, &frac))
			return cella_err_invalid(err, "--cpus `%s`: expected a number like 1.5",
						 f->cpus);
		if (f->cpu_quota != NULL || f->cpu_period != NULL)
			return cella_err_invalid(err,
						 "--cpus: conflicts with --cpu-quota/--cpu-period");
		if (whole == 0 && frac == 0) {
			/* podman: 0 means no limit. */
		} else if (whole == 0 && frac < 1000) {
			return cella_err_invalid(err,
						 "--cpus `%s`: the minimum is 0.01 (a 1 ms quota "
						 "per 100 ms)",
						 f->cpus);
		} else {
			set_int(root, "cpu", "quota", (int64_t)(whole * CPU_PERIOD + frac));
			set_int(root, "cpu", "period", CPU_PERIOD);
		}
	}
	if (f->cpu_period != NULL) {
		if (parse_int("--cpu-period", f->cpu_period, 1000, 1000000, &v, err) < 0)
			return -EINVAL;
		set_int(root, "cpu", "period", v);
	}
	if (f->cpu_quota != NULL) {
		if (parse_int("--cpu-quota", f->cpu_quota, -1, INT64_MAX, &v, err) < 0)
			return -EINVAL;
		if (v >= 0 && v < 1000)
			return cella_err_invalid(err,
						 "--cpu-quota `%s`: the minimum is 1000 (1 ms), or "
						 "-1 for none",
						 f->cpu_quota);
		set_int(root, "cpu", "quota", v);
	}
	if (f->cpu_shares != NULL) {
		if (parse_int("--cpu-shares", f->cpu_shares, 0, 262144, &v, err) < 0)
			return -EINVAL;
		if (v != 0 && v < 2)
			return cella_err_invalid(
			    err,
			    "--cpu-shares `%s`: expected 2 to 262144 (or 0 for "
			    "the default)",
			    f->cpu_shares);
		if (v != 0)
			set_int(root, "cpu", "shares", v);
	}
	if (f->cpuset_cpus != NULL) {
		if (check_list("--cpuset-cpus", f->cpuset_cpus, err) < 0)
			return -EINVAL;
		json_object_set_new(section(root, "cpu"), "cpus", json_string(f->cpuset_cpus));
	}
	if (f->cpuset_mems != NULL) {
		if (check_list("--cpuset-mems", f->cpuset_mems, err) < 0)
			return -EINVAL;
		json_object_set_new(section(root, "cpu"), "mems", json_string(f->cpuset_mems));
	}
	return 0;
}

/* --device-read-bps /dev/sda:1m (podman): the device's numbers, the rate
 * in bytes (a size) or operations per second. */
static int throttle_flags(const struct cella_resource_flags *f, json_t *root, cella_error *err)
{
	static const char *const flags[CELLA_THROTTLE_N] = {
	    [CELLA_THROTTLE_READ_BPS] = "--device-read-bps",
	    [CELLA_THROTTLE_WRITE_BPS] = "--device-write-bps",
	    [CELLA_THROTTLE_READ_IOPS] = "--device-read-iops",
	    [CELLA_THROTTLE_WRITE_IOPS] = "--device-write-iops",
	};

	if (f->throttle_overflow != NULL)
		return cella_err_invalid(err, "--device-*-bps/iops `%s`: more than %d devices",
					 f->throttle_overflow, CELLA_FLAGS_MAX_DEVICES);
	for (size_t t = 0; t < CELLA_THROTTLE_N; t++) {
		json_t *list;

		if (f->n_throttle[t] == 0)
			continue;
		list = json_array();
		json_object_set_new(section(root, "blockIO"), cella_throttle_names[t], list);
		for (size_t i = 0; i < f->n_throttle[t]; i++) {
			const char *arg = f->throttle[t][i], *colon = strrchr(arg, ':');
			cleanup_free char *path = NULL;
			struct stat st;
			long long rate;
			int64_t bytes;

			if (colon == NULL || colon == arg)
				return cella_err_invalid(err, "%s `%s`: expected DEVICE:RATE",
							 flags[t], arg);
			path = xasprintf("%.*s", (int)(colon - arg), arg);
			if (stat(path, &st) < 0)
				return cella_err(err, errno, "%s `%s`: stat %s", flags[t], arg,
						 path);
			if (!S_ISBLK(st.st_mode))
				return cella_err_invalid(err, "%s `%s`: %s is not a block device",
							 flags[t], arg, path);
			if (t == CELLA_THROTTLE_READ_BPS || t == CELLA_THROTTLE_WRITE_BPS) {
				if (cella_parse_size(flags[t], colon + 1, &bytes, err) < 0)
					return -EINVAL;
				if (bytes < 0)
					return cella_err_invalid(
					    err, "%s `%s`: a rate cannot be -1", flags[t], arg);
				rate = bytes;
			} else if (parse_int(flags[t], colon + 1, 0, INT64_MAX, &rate, err) < 0) {
				return -EINVAL;
			}
			json_array_append_new(
			    list, json_pack("{s:I,s:I,s:I}", "major", (json_int_t)major(st.st_rdev),
					    "minor", (json_int_t)minor(st.st_rdev), "rate",
					    (json_int_t)rate));
		}
	}
	return 0;
}

int cella_resource_flags_to_json(const struct cella_resource_flags *f, char **json,
				 cella_error *err)
{
	json_auto_t *root = NULL;
	long long v;
	char *text;

	if (!cella_resource_flags_any(f))
		return 0;
	if (*json != NULL) {
		json_error_t jerr;

		root = json_loads(*json, JSON_REJECT_DUPLICATES, &jerr);
		if (root == NULL)
			return cella_err_invalid(err, "linux.resources: %s", jerr.text);
		if (!json_is_object(root))
			return cella_err_invalid(err, "linux.resources: expected an object");
	} else {
		root = json_object();
	}
	if (memory_flags(f, root, err) < 0 || cpu_flags(f, root, err) < 0 ||
	    throttle_flags(f, root, err) < 0)
		return -EINVAL;
	if (f->pids_limit != NULL) {
		/* podman: -1 (or 0) is unlimited. */
		if (parse_int("--pids-limit", f->pids_limit, -1, INT64_MAX, &v, err) < 0)
			return -EINVAL;
		set_int(root, "pids", "limit", v);
	}
	if (f->blkio_weight != NULL) {
		if (parse_int(f->blkio_flag ? f->blkio_flag : "--blkio-weight", f->blkio_weight, 0,
			      1000, &v, err) < 0)
			return -EINVAL;
		if (v != 0 && v < 10)
			return cella_err_invalid(err, "%s `%s`: expected 10 to 1000",
						 f->blkio_flag ? f->blkio_flag : "--blkio-weight",
						 f->blkio_weight);
		if (v != 0)
			set_int(root, "blockIO", "weight", v);
	}
	text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (text == NULL)
		return cella_err(err, ENOMEM, "linux.resources: cannot serialize");
	free(*json);
	*json = text;
	return 0;
}
