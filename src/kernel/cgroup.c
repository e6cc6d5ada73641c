/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup module's shared half: host detection, path resolution, the
 * file helpers both drivers use, and the entry points the engine calls
 * (which pick the driver for the host's layout).
 */
#include "kernel/cgroup_internal.h"

#include <dirent.h>
#include <sys/utsname.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kernel/mount.h"
#include "util/cleanup.h"
#include "util/util.h"

#define CGROUP_ROOT "/sys/fs/cgroup"

/* ---- detection ---- */

const char *cella_cgroup_layout_name(enum cella_cgroup_layout l)
{
	switch (l) {
	case CELLA_CGROUP_V1:
		return "v1";
	case CELLA_CGROUP_HYBRID:
		return "hybrid";
	case CELLA_CGROUP_UNIFIED:
		return "unified";
	case CELLA_CGROUP_NONE:
	default:
		return "none";
	}
}

void cella_cgroup_host_clear(struct cella_cgroup_host *h)
{
	free(h->unified);
	for (size_t i = 0; i < h->n_v1; i++) {
		free(h->v1[i].mount);
		free(h->v1[i].controllers);
	}
	memset(h, 0, sizeof(*h));
}

/* mountinfo escapes space, tab, newline and backslash as \ooo. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r;) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') * 64 + (r[2] - '0') * 8 + (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = '\0';
}

/* Controllers from a v1 mount's super options: every option but rw/ro and
 * the ones with a value other than name=. */
static char *v1_controllers(const char *super_opts)
{
	cleanup_free char *copy = xstrdup(super_opts);
	char *save = NULL, *out = xstrdup("");

	for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save)) {
		char *tmp;

		if (!strcmp(o, "rw") || !strcmp(o, "ro") ||
		    (strchr(o, '=') != NULL && !str_has_prefix(o, "name=")) ||
		    !strcmp(o, "noprefix") || !strcmp(o, "clone_children") || !strcmp(o, "xattr") ||
		    !strcmp(o, "cpuset_v2_mode"))
			continue;
		tmp = out[0] ? xasprintf("%s,%s", out, o) : xstrdup(o);
		free(out);
		out = tmp;
	}
	return out;
}

/* Is path at or below dir? */
static bool path_under(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 &&
	       (path[n] == '\0' || path[n] == '/' || (n > 0 && dir[n - 1] == '/'));
}

/* Forget the cgroup mounts a later mount on `mnt` covers. */
static void hide_under(struct cella_cgroup_host *h, const char *mnt)
{
	size_t j = 0;

	if (h->unified != NULL && path_under(h->unified, mnt)) {
		free(h->unified);
		h->unified = NULL;
	}
	for (size_t i = 0; i < h->n_v1; i++) {
		if (path_under(h->v1[i].mount, mnt)) {
			free(h->v1[i].mount);
			free(h->v1[i].controllers);
			continue;
		}
		h->v1[j++] = h->v1[i];
	}
	h->n_v1 = j;
}

int cella_cgroup_parse_mountinfo(const char *text, const char *root, struct cella_cgroup_host *out,
				 cella_error *err)
{
	cleanup_free char *copy = xstrdup(text);
	struct cella_cgroup_host h;
	char *save = NULL;
	size_t rl = strlen(root);

	memset(&h, 0, sizeof(h));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[8] = {0}, *sep, *fs, *rest, *opts, *p = line;
		size_t nf = 0;

		/* id parent maj:min root mountpoint options [optional...] - fs src super */
		sep = strstr(line, " - ");
		if (sep == NULL)
			continue;
		*sep = '\0';
		rest = sep + 3;
		while (nf < 5 && p != NULL) {
			f[nf++] = p;
			p = strchr(p, ' ');
			if (p != NULL)
				*p++ = '\0';
		}
		if (nf < 5)
			continue;
		fs = rest;
		if ((rest = strchr(rest, ' ')) == NULL)
			continue;
		*rest++ = '\0';
		if ((opts = strchr(rest, ' ')) == NULL)
			continue;
		opts++;
		unescape_octal(f[4]);
		if (strncmp(f[4], root, rl) != 0 || (f[4][rl] != '\0' && f[4][rl] != '/'))
			continue;
		if (strcmp(fs, "cgroup2") != 0 && strcmp(fs, "cgroup") != 0) {
			/* Mounted later on top of (or above) a cgroup mount, it
			 * hides it: a tmpfs over /sys/fs/cgroup/unified in a
			 * private mount namespace, as crun users do here. */
			hide_under(&h, f[4]);
			continue;
		}
		if (!strcmp(fs, "cgroup2")) {
			/* The last one mounted wins (a remount on top). */
			free(h.unified);
			h.unified = xstrdup(f[4]);
		} else if (!strcmp(fs, "cgroup")) {
			size_t i;

			for (i = 0; i < h.n_v1; i++)
				if (!strcmp(h.v1[i].mount, f[4]))
					break;
			if (i == h.n_v1) {
				if (h.n_v1 == CELLA_CGROUP_MAX_V1) {
					cella_cgroup_host_clear(&h);
					return cella_err(err, E2BIG,
							 "more than %d cgroup v1 hierarchies",
							 CELLA_CGROUP_MAX_V1);
				}
				h.n_v1++;
			} else {
				free(h.v1[i].mount);
				free(h.v1[i].controllers);
			}
			h.v1[i].mount = xstrdup(f[4]);
			h.v1[i].controllers = v1_controllers(opts);
		}
	}
	if (h.n_v1 > 0)
		h.layout = h.unified != NULL ? CELLA_CGROUP_HYBRID : CELLA_CGROUP_V1;
	else if (h.unified != NULL && !strcmp(h.unified, root))
		h.layout = CELLA_CGROUP_UNIFIED;
	else
		h.layout = CELLA_CGROUP_NONE;
	*out = h;
	return 0;
}

/* The layout read once for a batch (cella_cgroup_detect_batch). */
static struct cella_cgroup_host batch_host;
static bool batch_on, batch_valid;

static void host_copy(struct cella_cgroup_host *to, const struct cella_cgroup_host *from)
{
	*to = *from;
	to->unified = from->unified != NULL ? xstrdup(from->unified) : NULL;
	for (size_t i = 0; i < from->n_v1; i++) {
		to->v1[i].mount = xstrdup(from->v1[i].mount);
		to->v1[i].controllers = xstrdup(from->v1[i].controllers);
	}
}

void cella_cgroup_detect_batch(bool on)
{
	batch_on = on;
	if (!on && batch_valid) {
		cella_cgroup_host_clear(&batch_host);
		batch_valid = false;
	}
}

/* What says the mount table is still the one this process read: the
 * unique id (kernel 6.8) and inode of the mount at "/" (every mount
 * namespace has its own root mount, and a chroot or pivot_root changes it);
 * without that id, the inodes of the mount namespace and of "/". One statx
 * of "/" costs a tenth of a stat of /proc/self/ns/mnt (a magic link) and
 * of "/" (0.6 against 5.7 us), at each of the three reads of a `run`. */
struct mi_key {
	bool unique;
	uint64_t a, b, c, d;
};

static bool mountinfo_key(struct mi_key *k)
{
	struct stat ns, root;

	if (mount_unique_id(AT_FDCWD, "/", &k->a, &k->b) == 0) {
		k->unique = true;
		k->c = k->d = 0;
		return true;
	}
	if (stat("/proc/self/ns/mnt", &ns) < 0 || stat("/", &root) < 0)
		return false;
	*k = (struct mi_key){.a = ns.st_dev, .b = ns.st_ino, .c = root.st_dev, .d = root.st_ino};
	return true;
}

/* The mount table as this process last read it, and its key. */
static struct {
	char *text;
	struct mi_key key;
} mi;

int cella_cgroup_mountinfo(char **out, cella_error *err)
{
	struct mi_key key;
	bool keyed = mountinfo_key(&key);

	if (keyed && mi.text != NULL && key.unique == mi.key.unique && key.a == mi.key.a &&
	    key.b == mi.key.b && key.c == mi.key.c && key.d == mi.key.d) {
		*out = xstrdup(mi.text);
		return 0;
	}
	if (read_file_at(AT_FDCWD, "/proc/self/mountinfo", out, err) < 0)
		return cella_err_ret(err);
	free(mi.text);
	mi.text = NULL;
	if (keyed) {
		mi.text = xstrdup(*out);
		mi.key = key;
	}
	return 0;
}

int cella_cgroup_detect(struct cella_cgroup_host *out, cella_error *err)
{
	cleanup_free char *text = NULL;

	if (batch_valid) {
		host_copy(out, &batch_host);
		return 0;
	}
	if (cella_cgroup_mountinfo(&text, err) < 0)
		return cella_err_context(err, "detect cgroups");
	if (cella_cgroup_parse_mountinfo(text, CGROUP_ROOT, out, err) < 0)
		return cella_err_context(err, "detect cgroups");
	if (batch_on) {
		host_copy(&batch_host, out);
		batch_valid = true;
	}
	return 0;
}

/* ---- paths ---- */

int cella_cgroup_resolve_path(const char *cgroups_path, const char *id, const char *own, char **out,
			      cella_error *err)
{
	cleanup_free char *joined = NULL;
	cleanup_free char *norm = NULL;
	char *save = NULL;
	size_t n = 0;

	if (cgroups_path == NULL || cgroups_path[0] == '\0')
		joined = xasprintf("/cella/%s", id);
	else if (strchr(cgroups_path, ':') != NULL)
		return cella_err_invalid(err,
					 "linux.cgroupsPath `%s`: the systemd form "
					 "(slice:prefix:name) needs the systemd cgroup driver, "
					 "which cella does not have",
					 cgroups_path);
	else if (cgroups_path[0] == '/')
		joined = xstrdup(cgroups_path);
	else
		joined = xasprintf("%s/%s", own != NULL ? own : "/", cgroups_path);

	norm = xmalloc(strlen(joined) + 2);
	norm[0] = '\0';
	for (char *c = strtok_r(joined, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (!strcmp(c, ".") || !strcmp(c, ".."))
			return cella_err_invalid(err, "linux.cgroupsPath `%s`: `%s` is not allowed",
						 cgroups_path ? cgroups_path : "", c);
		for (const char *q = c; *q; q++)
			if ((unsigned char)*q < 0x20)
				return cella_err_invalid(
				    err, "linux.cgroupsPath: control character in `%s`", c);
		strcat(norm, "/");
		strcat(norm, c);
		n++;
	}
	if (n == 0)
		return cella_err_invalid(err,
					 "linux.cgroupsPath `%s`: the root cgroup cannot be a "
					 "container's",
					 cgroups_path ? cgroups_path : "");
	*out = take_ptr(&norm);
	return 0;
}

int cella_cgroup_own_path(char **out, cella_error *err)
{
	cleanup_free char *text = NULL;
	char *save = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/cgroup", &text, err) < 0)
		return cella_err_ret(err);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (str_has_prefix(l, "0::")) {
			const char *p = l + 3;
			/* " (deleted)" or a path outside our namespace: root. */
			*out = xstrdup(p[0] == '/' ? p : "/");
			return 0;
		}
	}
	*out = xstrdup("/");
	return 0;
}

/* Delegated to uid, as systemd and the kernel's cgroup-v2.rst delegate a
 * cgroup: the directory, cgroup.procs and cgroup.subtree_control its. */
static bool delegated(const char *mount, const char *path, uid_t uid)
{
	cleanup_free char *dir = cg_dir(mount, strcmp(path, "/") ? path : "");

	return cg_owned(dir, ".", uid) && cg_owned(dir, "cgroup.procs", uid) &&
	       cg_owned(dir, "cgroup.subtree_control", uid);
}

int cella_cgroup_delegated(char **base, char **why, cella_error *err)
{
	struct cella_cgroup_host h;
	cleanup_free char *own = NULL;
	cleanup_free char *parent = NULL;
	uid_t uid = geteuid();
	int ret = 0;

	*base = *why = NULL;
	if (cella_cgroup_detect(&h, err) < 0)
		return cella_err_ret(err);
	if (h.layout != CELLA_CGROUP_UNIFIED) {
		*why = xasprintf("the host's cgroups are %s, not cgroup v2 only",
				 cella_cgroup_layout_name(h.layout));
		goto out;
	}
	if (cella_cgroup_own_path(&own, err) < 0) {
		ret = cella_err_context(err, "rootless cgroup");
		goto out;
	}
	if (strcmp(own, "/") != 0) {
		const char *slash = strrchr(own, '/');

		parent = slash == own ? xstrdup("/") : xasprintf("%.*s", (int)(slash - own), own);
	}
	/* The parent first: a sibling of our own cgroup, which has processes
	 * (ours) and so cannot give controllers to children. */
	if (parent != NULL && delegated(h.unified, parent, uid)) {
		*base = take_ptr(&parent);
		ret = 1;
	} else if (delegated(h.unified, own, uid)) {
		*base = take_ptr(&own);
		ret = 1;
	} else if (parent == NULL) {
		*why = xasprintf("uid %u does not own its cgroup `/` (no delegated cgroup v2 "
				 "subtree)",
				 (unsigned)uid);
	} else {
		*why = xasprintf("uid %u owns neither its cgroup `%s` nor the parent of it "
				 "(no delegated cgroup v2 subtree)",
				 (unsigned)uid, own);
	}
out:
	cella_cgroup_host_clear(&h);
	return ret;
}

/* ---- conversions ---- */

/* Natural logarithm and exponential for the conversion below, without
 * libm (not linked): series after argument reduction, accurate to about
 * 1e-15, far more than the conversion needs. */
#define CG_LN2	0.69314718055994530942
#define CG_LN10 2.30258509299404568402

static double cg_ln(double x)
{
	double t, t2, term, sum = 0;
	int k = 0;

	while (x >= 2) {
		x /= 2;
		k++;
	}
	/* ln(x) = 2 atanh((x - 1) / (x + 1)), x in [1, 2) */
	t = (x - 1) / (x + 1);
	t2 = t * t;
	term = t;
	for (int i = 1; i < 60; i += 2) {
		sum += term / i;
		term *= t2;
	}
	return k * CG_LN2 + 2 * sum;
}

static double cg_exp(double y)
{
	int n = (int)(y / CG_LN2);
	double r = y - n * CG_LN2, term = 1, sum = 1;

	for (int i = 1; i < 30; i++) {
		term *= r / i;
		sum += term;
	}
	while (n-- > 0)
		sum *= 2;
	return sum;
}

uint64_t cella_cgroup_shares_to_weight(uint64_t shares)
{
	double l, e, w;
	uint64_t up;

	/* As runc (opencontainers/cgroups, 2025): ceil(10^((l^2 + 125 l) / 612
	 * - 7/34)) with l = log2(shares), which maps 2 -> 1, 1024 -> 100 and
	 * 262144 -> 10000. */
	if (shares == 0)
		return 0;
	if (shares <= 2)
		return 1;
	if (shares >= 262144)
		return 10000;
	l = cg_ln((double)shares) / CG_LN2;
	e = (l * l + 125 * l) / 612.0 - 7.0 / 34.0;
	w = cg_exp(e * CG_LN10);
	/* Only 1024 lands on an integer (100, exactly, in runc's arithmetic);
	 * every other value is more than 1e-6 away from one. */
	up = (uint64_t)w;
	if (w - (double)up < 1e-9)
		return up;
	if ((double)(up + 1) - w < 1e-9)
		return up + 1;
	return up + 1;
}

uint64_t cella_cgroup_blkio_to_io_weight(uint64_t weight)
{
	if (weight == 0)
		return 0;
	return 1 + (weight - 10) * 9999 / 990;
}

int cella_cgroup_swap_to_v2(int64_t memory, int64_t swap, int64_t *out, cella_error *err)
{
	if (swap == -1 || swap == 0) {
		*out = swap;
		return 0;
	}
	if (swap < -1)
		return cella_err_invalid(err, "linux.resources.memory.swap %" PRId64 ": invalid",
					 swap);
	if (memory == 0 || memory == -1)
		return cella_err_invalid(err,
					 "linux.resources.memory.swap %" PRId64
					 ": a swap limit needs a memory limit on cgroup v2",
					 swap);
	if (memory > swap)
		return cella_err_invalid(err,
					 "linux.resources.memory.swap %" PRId64
					 ": less than linux.resources.memory.limit %" PRId64
					 " (swap counts memory + swap)",
					 swap, memory);
	*out = swap - memory;
	return 0;
}

/* ---- file helpers ---- */

char *cg_dir(const char *mount, const char *path)
{
	return xasprintf("%s%s", mount, path);
}

void cg_wait_step(int i)
{
	long us = i < 7 ? 100L << i : 10000L;
	struct timespec ts = {.tv_sec = 0, .tv_nsec = (us < 10000L ? us : 10000L) * 1000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int cg_write(const char *dir, const char *file, const char *val, cella_error *err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_close int fd = open(p, O_WRONLY | O_CLOEXEC);
	cleanup_free char *back = NULL;
	size_t len = strlen(val);
	ssize_t n;

	if (fd < 0)
		return cella_err(err, errno, "open %s", file);
	back = cg_journal_note(dir, file, val);
	/* One write: cgroup files take one value per write(2). */
	do
		n = write(fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cella_err(err, errno, "write %s", file);
	if ((size_t)n != len)
		return cella_err(err, EIO, "write %s: short write", file);
	cg_journal_keep(dir, file, take_ptr(&back));
	return 0;
}

int cg_write_keep(const char *dir, const char *file, int *fd, const char *val, cella_error *err)
{
	size_t len = strlen(val);
	ssize_t n;

	if (*fd < 0) {
		cleanup_free char *p = xasprintf("%s/%s", dir, file);

		*fd = open(p, O_WRONLY | O_CLOEXEC);
		if (*fd < 0)
			return cella_err(err, errno, "open %s", file);
	}
	do
		n = write(*fd, val, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return cella_err(err, errno, "write %s", file);
	if ((size_t)n != len)
		return cella_err(err, EIO, "write %s: short write", file);
	return 0;
}

int cg_read(const char *dir, const char *file, char **out, cella_error *err)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	cleanup_free char *text = NULL;
	cella_error e;

	if (read_file_at(AT_FDCWD, p, &text, &e) < 0)
		return cella_err(err, e.errnum, "read %s", file);
	*out = take_ptr(&text);
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *out, cella_error *err)
{
	cleanup_free char *text = NULL;
	unsigned long long v;

	if (cg_read(dir, file, &text, err) < 0)
		return cella_err_ret(err);
	text[strcspn(text, "\n")] = '\0';
	if (!strcmp(text, "max")) {
		*out = UINT64_MAX;
		return 0;
	}
	if (!parse_u64(text, ULLONG_MAX, &v))
		return cella_err(err, EINVAL, "read %s: `%s` is not a number", file, text);
	*out = v;
	return 0;
}

int cg_read_key(const char *dir, const char *file, const char *key, uint64_t *out, cella_error *err)
{
	cleanup_free char *text = NULL;
	size_t kl = strlen(key);
	char *save = NULL;

	if (cg_read(dir, file, &text, err) < 0)
		return cella_err_ret(err);
	*out = 0;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long v;

		if (strncmp(l, key, kl) == 0 && l[kl] == ' ' &&
		    parse_u64(l + kl + 1, ULLONG_MAX, &v)) {
			*out = v;
			break;
		}
	}
	return 0;
}

bool cg_has_file(const char *dir, const char *file)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);

	return access(p, F_OK) == 0;
}

bool cg_owned(const char *dir, const char *file, uid_t uid)
{
	cleanup_free char *p = xasprintf("%s/%s", dir, file);
	struct stat st;

	return stat(p, &st) == 0 && st.st_uid == uid && (st.st_mode & S_IWUSR);
}

int cg_read_pids(const char *dir, pid_t **pids, size_t *n, cella_error *err)
{
	cleanup_free char *text = NULL;
	cleanup_free pid_t *v = NULL;
	size_t count = 0, cap = 0;
	char *save = NULL;

	if (cg_read(dir, "cgroup.procs", &text, err) < 0)
		return cella_err_ret(err);
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		unsigned long long p;

		if (!parse_u64(l, INT32_MAX, &p) || p == 0)
			continue;
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			v = xrealloc(v, cap * sizeof(*v));
		}
		v[count++] = (pid_t)p;
	}
	*pids = take_ptr(&v);
	*n = count;
	return 0;
}

int cg_signal_procs(const char *dir, int sig, size_t *seen, cella_error *err)
{
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	if (cg_read_pids(dir, &pids, &n, err) < 0)
		return cella_err_ret(err);
	for (size_t i = 0; i < n; i++)
		if (kill(pids[i], sig) < 0 && errno != ESRCH)
			return cella_err(err, errno, "signal %d to pid %d", sig, (int)pids[i]);
	*seen = n;
	return 0;
}

int cg_wait_empty(const char *dir, cella_error *err)
{
	for (int i = 0; i < 200; i++) {
		cleanup_free pid_t *pids = NULL;
		size_t n = 0;

		if (cg_read_pids(dir, &pids, &n, err) < 0)
			return cella_err_ret(err);
		if (n == 0)
			return 0;
		cg_wait_step(i);
	}
	return cella_err(err, EBUSY, "processes are left in the cgroup");
}

/* A directory entry of a cgroup that is a cgroup below it. */
static bool is_child_cgroup(const struct dirent *de)
{
	return de->d_type == DT_DIR && strcmp(de->d_name, ".") != 0 &&
	       strcmp(de->d_name, "..") != 0;
}

int cg_v1_subtree_empty(const char *dir, bool *empty, cella_error *err)
{
	cleanup_free pid_t *pids = NULL;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	*empty = false;
	if (cg_read_pids(dir, &pids, &n, err) < 0)
		return cella_err_context(err, "cgroup `%s`", dir);
	if (n > 0)
		return 0;
	/* cgroup.procs lists this cgroup's processes only: a child cgroup
	 * (made inside the container, or by exec --cgroup) may hold more. */
	d = opendir(dir);
	if (d == NULL)
		return cella_err(err, errno, "read cgroup `%s`", dir);
	*empty = true;
	while ((de = readdir(d)) != NULL)
		if (is_child_cgroup(de)) {
			*empty = false;
			break;
		}
	closedir(d);
	return 0;
}

int cg_unified_populated(const char *dir, bool *populated, cella_error *err)
{
	cleanup_free char *text = NULL;
	const char *p;

	if (cg_read(dir, "cgroup.events", &text, err) < 0 || text == NULL)
		return cella_err_context(err, "cgroup `%s`", dir);
	p = strstr(text, "populated ");
	/* Unknown: say populated, and let the caller do it the long way. */
	*populated = p == NULL || p[10] != '0';
	return 0;
}

int cg_unified_kill(const char *dir, cella_error *err)
{
	if (!cg_has_file(dir, "cgroup.kill"))
		return 0;
	if (cg_write(dir, "cgroup.kill", "1", err) < 0)
		return cella_err_ret(err);
	if (cg_wait_empty(dir, err) < 0)
		return cella_err_ret(err);
	return 1;
}

/* ---- directories ---- */

/* Number of components in an absolute, normalized path. */
int cg_path_depth(const char *path)
{
	int n = 0;

	for (const char *p = path; *p; p++)
		if (*p == '/')
			n++;
	return n;
}

/* The first `depth` components of path ("/a/b/c", 2 -> "/a/b"). */
static char *path_prefix(const char *path, int depth)
{
	const char *p = path;

	for (int d = 0; d < depth; d++) {
		p = strchr(p + 1, '/');
		if (p == NULL)
			return xstrdup(path);
	}
	return xasprintf("%.*s", (int)(p - path), path);
}

/* The cgroups nested in dir, deepest first (made inside the container: a
 * systemd, a runtime, `exec --cgroup`'s subcgroups), as runc 1.1's
 * RemovePath does; what cannot go is left for the caller's rmdir to name. */
static void rmdir_nested(const char *dir, int depth)
{
	DIR *d = depth < 64 ? opendir(dir) : NULL;
	cleanup_strv char **names = NULL;
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (is_child_cgroup(de))
			strv_append(&names, de->d_name);
	closedir(d);
	for (char **n = names; n != NULL && *n != NULL; n++) {
		cleanup_free char *sub = xasprintf("%s/%s", dir, *n);

		rmdir_nested(sub, depth + 1);
		(void)rmdir(sub);
	}
}

int cg_rmdir_path(const char *mount, const char *path, int kept, cella_error *err)
{
	int depth = cg_path_depth(path);
	int stop = kept < 0 ? depth - 1 : kept;

	if (kept == CG_KEPT_NONE)
		return 0;

	for (int d = depth; d > stop && d > 0; d--) {
		cleanup_free char *sub = path_prefix(path, d);
		cleanup_free char *dir = cg_dir(mount, sub);
		int r = -1;

		/* A cgroup whose last process just died can stay busy for a
		 * moment: retry, about 2 s in all. */
		for (int i = 0; i < 200; i++) {
			r = rmdir(dir);
			if (r == 0 || errno != EBUSY || d != depth)
				break;
			rmdir_nested(dir, 0);
			if (rmdir(dir) == 0) {
				r = 0;
				break;
			}
			cg_wait_step(i);
		}
		if (r == 0 || errno == ENOENT)
			continue;
		if (d == depth)
			return cella_err(err, errno, "remove cgroup `%s`", dir);
		/* An ancestor others still use: leave it and the rest. */
		break;
	}
	return 0;
}

int cg_mkdir_path(const char *mount, const char *path, int *kept, cg_level_fn fn, void *data,
		  cella_error *err)
{
	int depth = cg_path_depth(path);
	int existed = -1;
	cleanup_free char *parent = xstrdup(mount);

	if (fn != NULL && fn(mount, NULL, false, false, data, err) < 0)
		return cella_err_ret(err);
	/* Without a callback for each level, the last one first: its parent
	 * (/cella) is there but for the first container. Any failure takes
	 * the walk below, which says what is wrong. */
	if (fn == NULL && depth > 1) {
		cleanup_free char *dir = cg_dir(mount, path);

		if (mkdir(dir, 0755) == 0) {
			*kept = depth - 1;
			return 0;
		}
	}
	for (int d = 1; d <= depth; d++) {
		cleanup_free char *sub = path_prefix(path, d);
		cleanup_free char *dir = cg_dir(mount, sub);
		bool created = false;

		if (mkdir(dir, 0755) == 0) {
			created = true;
			if (existed < 0)
				existed = d - 1;
		} else if (errno != EEXIST) {
			int e = errno;
			if (existed >= 0) {
				cleanup_free char *up = path_prefix(path, d - 1);
				cg_rmdir_path(mount, up, existed, NULL);
			}
			return cella_err(err, e, "create cgroup `%s`", dir);
		}
		if (fn != NULL && fn(dir, parent, created, d == depth, data, err) < 0) {
			if (existed >= 0)
				cg_rmdir_path(mount, sub, existed, NULL);
			return cella_err_ret(err);
		}
		free(parent);
		parent = take_ptr(&dir);
	}
	/* Nothing made: the whole path was there (a cgroup joined). */
	*kept = existed < 0 ? depth : existed;
	return 0;
}

/* ---- entry points ---- */

/* The driver of a cgroup on a host of this layout, or NULL. */
static const struct cella_cgroup_driver *layout_driver(enum cella_cgroup_layout layout)
{
	switch (layout) {
	case CELLA_CGROUP_UNIFIED:
		return &cella_cgroup_driver_v2;
	case CELLA_CGROUP_V1:
	case CELLA_CGROUP_HYBRID:
		return &cella_cgroup_driver_v1;
	case CELLA_CGROUP_NONE:
	default:
		return NULL;
	}
}

static struct cella_cgroup *cgroup_new(const char *path, cella_error *err)
{
	struct cella_cgroup *cg = xcalloc(1, sizeof(*cg));

	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++)
		cg->kept[i] = CG_KEPT_NONE;
	cg->parts = CG_PART_V1 | CG_PART_UNIFIED;
	if (cella_cgroup_detect(&cg->host, err) < 0) {
		free(cg);
		return NULL;
	}
	cg->drv = layout_driver(cg->host.layout);
	if (cg->drv == NULL) {
		cella_cgroup_host_clear(&cg->host);
		free(cg);
		cella_err(err, ENOENT, "no cgroup file system under %s", CGROUP_ROOT);
		return NULL;
	}
	cg->path = xstrdup(path);
	return cg;
}

/* The driver's create in cg->parts, the check of a joined cgroup, then r.
 * On failure the caller destroys what exists. */
static int make(struct cella_cgroup *cg, const struct cella_resources *r, bool join,
		cella_error *err)
{
	struct cella_resources none;

	memset(&none, 0, sizeof(none));
	if (r == NULL)
		r = &none;
	if (cg->drv->create(cg, r, err) < 0 || cg_check_joined(cg, join, err) < 0)
		return cella_err_ret(err);
	/* A cgroup made here goes whole when a limit fails: only one that
	 * was there before needs the journal of old values (which reads
	 * each file before writing it). */
	return cg_any_joined(cg) ? cella_cgroup_apply(cg, r, err) : cg->drv->apply(cg, r, err);
}

/* split: only the unified hierarchy's directory where the host has v1
 * hierarchies too (*rest set), unless that cgroup was there (joined). */
static int create(const char *path, const struct cella_resources *r, bool join, bool split,
		  struct cella_cgroup **out, bool *rest, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;

	if (path[0] != '/' || path[1] == '\0')
		return cella_err(err, EINVAL, "cgroup path `%s` is not absolute", path);
	cg = cgroup_new(path, err);
	if (cg == NULL)
		return cella_err_ret(err);
	if (split && cg->host.n_v1 > 0) {
		cg->parts = CG_PART_UNIFIED;
		if (cg->drv->create(cg, r, err) < 0)
			return cella_err_ret(err);
		cg->parts = CG_PART_V1;
		/* A unified cgroup that was there (joined, or refused) is
		 * checked whole, now, before one of ours is there to be
		 * counted among its processes. */
		if (!cg_any_joined(cg)) {
			*rest = true;
			*out = take_ptr(&cg);
			return 0;
		}
	}
	if (make(cg, r, join, err) < 0) {
		cg->drv->destroy(cg, NULL);
		return cella_err_ret(err);
	}
	cg->parts = CG_PART_V1 | CG_PART_UNIFIED;
	*out = take_ptr(&cg);
	return 0;
}

int cella_cgroup_create(const char *path, const struct cella_resources *r,
			struct cella_cgroup **out, cella_error *err)
{
	bool rest;

	return create(path, r, false, false, out, &rest, err);
}

int cella_cgroup_create_join(const char *path, const struct cella_resources *r,
			     struct cella_cgroup **out, cella_error *err)
{
	bool rest;

	return create(path, r, true, false, out, &rest, err);
}

int cella_cgroup_create_begin(const char *path, const struct cella_resources *r, bool join,
			      struct cella_cgroup **out, bool *rest, cella_error *err)
{
	*rest = false;
	return create(path, r, join, true, out, rest, err);
}

int cella_cgroup_create_rest(struct cella_cgroup *cg, const struct cella_resources *r, bool join,
			     cella_error *err)
{
	int ret;

	cg->parts = CG_PART_V1;
	ret = make(cg, r, join, err);
	cg->parts = CG_PART_V1 | CG_PART_UNIFIED;
	return ret;
}

int cella_cgroup_existing(const char *path, char ***out, cella_error *err)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;

	*out = NULL;
	if (path[0] != '/' || path[1] == '\0')
		return 0; /* create refuses it */
	cg = cgroup_new(path, err);
	if (cg == NULL)
		return cella_err_ret(err);
	for (size_t i = 0; i <= CG_UNIFIED; i++) {
		const char *mount = i == CG_UNIFIED	? cg->host.unified
				    : i < cg->host.n_v1 ? cg->host.v1[i].mount
							: NULL;
		cleanup_free char *dir = NULL;
		struct stat st;

		if (mount == NULL)
			continue;
		dir = cg_dir(mount, path);
		if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
			strv_append(out, mount);
	}
	return 0;
}

int cella_cgroup_open(const char *path, struct cella_cgroup **out, cella_error *err)
{
	struct cella_cgroup *cg;

	if (path[0] != '/' || path[1] == '\0')
		return cella_err(err, EINVAL, "cgroup path `%s` is not absolute", path);
	cg = cgroup_new(path, err);
	if (cg == NULL)
		return cella_err_ret(err);
	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++)
		cg->kept[i] = CG_KEPT_LEAF;
	*out = cg;
	return 0;
}

char *cg_v1_dir(const struct cella_cgroup *cg, int i)
{
	const char *p =
	    i >= 0 && i < CELLA_CGROUP_MAX_V1 && cg->v1_path[i] != NULL ? cg->v1_path[i] : cg->path;

	/* The root cgroup's files are the host's totals (or absent). */
	if (strcmp(p, "/") == 0)
		return NULL;
	return cg_dir(cg->host.v1[i].mount, p);
}

int cella_cgroup_open_proc(const char *path, const char *proc_cgroup, struct cella_cgroup **out,
			   cella_error *err)
{
	struct cella_cgroup *cg = NULL;
	cleanup_free char *copy = xstrdup(proc_cgroup != NULL ? proc_cgroup : "");
	char *save = NULL;

	if (cella_cgroup_open(path, &cg, err) < 0)
		return cella_err_ret(err);
	/* "ID:controllers:path" */
	for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(l, ':'), *c2 = c1 != NULL ? strchr(c1 + 1, ':') : NULL;

		if (c2 == NULL || c2 == c1 + 1 || c2[1] != '/')
			continue;
		*c2 = '\0';
		for (size_t i = 0; i < cg->host.n_v1; i++)
			if (strcmp(cg->host.v1[i].controllers, c1 + 1) == 0 &&
			    strcmp(c2 + 1, cg->path) != 0) {
				free(cg->v1_path[i]);
				cg->v1_path[i] = xstrdup(c2 + 1);
			}
	}
	*out = cg;
	return 0;
}

int cella_cgroup_apply(struct cella_cgroup *cg, const struct cella_resources *r, cella_error *err)
{
	struct cg_journal *j = cg_journal_open();
	int ret = cg->drv->apply(cg, r, err);

	cg_journal_close(j, ret < 0, err);
	return ret;
}

int cella_cgroup_enter(struct cella_cgroup *cg, pid_t pid, cella_error *err)
{
	return cg->drv->enter(cg, pid, 0, err);
}

int cella_cgroup_enter_except(struct cella_cgroup *cg, pid_t pid, unsigned skip, cella_error *err)
{
	return cg->drv->enter(cg, pid, skip, err);
}

int cella_cgroup_self_entry_open(struct cella_cgroup *cg, struct cella_cgroup_self_entry *e,
				 cella_error *err)
{
	e->n = 0;
	if (cg->drv->self_entry_open == NULL)
		return 0;
	if (cg->drv->self_entry_open(cg, e, err) < 0) {
		cella_cgroup_self_entry_close(e);
		return cella_err_ret(err);
	}
	return 0;
}

int cella_cgroup_self_entry_join(struct cella_cgroup_self_entry *e, cella_error *err)
{
	int r = 0;

	for (size_t i = 0; i < e->n && r == 0; i++) {
		ssize_t n;

		do
			n = write(e->fd[i], "0", 1);
		while (n < 0 && errno == EINTR);
		if (n < 0 && e->dir[i] != NULL) {
			r = cella_err(err, errno, "move into cgroup `%s`: write tasks", e->dir[i]);
		} else if (n < 0) {
			/* Received from the runtime (#4e): named by its fd. */
			char link[64], target[PATH_MAX];
			ssize_t k;

			r = -errno;
			snprintf(link, sizeof(link), "/proc/self/fd/%d", e->fd[i]);
			k = readlink(link, target, sizeof(target) - 1);
			target[k > 0 ? k : 0] = '\0';
			r = cella_err(err, -r, "move into cgroup: write `%s`",
				      k > 0 ? target : "tasks");
		}
	}
	cella_cgroup_self_entry_close(e);
	return r;
}

void cella_cgroup_self_entry_close(struct cella_cgroup_self_entry *e)
{
	for (size_t i = 0; i < e->n; i++) {
		close(e->fd[i]);
		free(e->dir[i]);
		e->dir[i] = NULL;
	}
	e->n = 0;
}

int cella_cgroup_freeze(struct cella_cgroup *cg, bool frozen, cella_error *err)
{
	return cg->drv->freeze(cg, frozen, err);
}

int cella_cgroup_frozen(struct cella_cgroup *cg, bool *out, cella_error *err)
{
	return cg->drv->frozen(cg, out, err);
}

/* Whether /proc shows a frozen task as the driver's frozen_task_state says:
 * since Linux 6.13 ("freezer, sched: Report frozen tasks as 'D' instead of
 * 'R'"). From 6.1 to 6.12 a frozen task shows 'R', and before 6.1 a task
 * that sleeps freezable (a futex, nanosleep, poll) counts as frozen while
 * it still shows 'S'. */
static bool frozen_task_state_shown(void)
{
	static int known = -1;
	struct utsname u;
	unsigned major = 0, minor = 0;

	if (known < 0)
		known = uname(&u) == 0 && sscanf(u.release, "%u.%u", &major, &minor) == 2 &&
			(major > 6 || (major == 6 && minor >= 13));
	return known == 1;
}

/* A task of drv's cgroups seen in state `seen` says "not frozen". */
static bool seen_rules_out(const struct cella_cgroup_driver *drv, char seen)
{
	return drv != NULL && seen != 0 && drv->frozen_task_state != 0 &&
	       seen != drv->frozen_task_state && frozen_task_state_shown();
}

int cella_cgroup_frozen_seen(struct cella_cgroup *cg, char seen, bool *out, cella_error *err)
{
	if (seen_rules_out(cg->drv, seen)) {
		*out = false;
		return 0;
	}
	return cg->drv->frozen(cg, out, err);
}

bool cella_cgroup_seen_not_frozen(char seen)
{
	const struct cella_cgroup_driver *drv;
	struct cella_cgroup_host h;

	if (seen == 0 || !frozen_task_state_shown())
		return false;
	if (batch_valid) {
		drv = layout_driver(batch_host.layout);
	} else {
		if (cella_cgroup_detect(&h, NULL) < 0)
			return false;
		drv = layout_driver(h.layout);
		cella_cgroup_host_clear(&h);
	}
	return seen_rules_out(drv, seen);
}

int cella_cgroup_kill(struct cella_cgroup *cg, int sig, cella_error *err)
{
	return cg->drv->kill(cg, sig, err);
}

int cella_cgroup_stats(struct cella_cgroup *cg, struct cella_cgroup_stats *out, cella_error *err)
{
	return cg->drv->stats(cg, out, err);
}

int cella_cgroup_oom_watch(struct cella_cgroup *cg, int *fd, uint64_t *kills, cella_error *err)
{
	return cg->drv->oom_watch(cg, fd, kills, err);
}

int cella_cgroup_oom_read(struct cella_cgroup *cg, int fd, uint64_t *kills, unsigned *n,
			  cella_error *err)
{
	return cg->drv->oom_read(cg, fd, kills, n, err);
}

int cella_cgroup_destroy(struct cella_cgroup *cg, cella_error *err)
{
	return cg->drv->destroy(cg, err);
}

int cella_cgroup_pids(struct cella_cgroup *cg, pid_t **pids, size_t *n, cella_error *err)
{
	cleanup_free char *dir = NULL;

	if (cg->host.unified != NULL)
		dir = cg_dir(cg->host.unified, cg->path);
	else if (cg->host.n_v1 > 0)
		dir = cg_dir(cg->host.v1[0].mount, cg->path);
	else
		return cella_err(err, ENOENT, "no cgroup hierarchy");
	return cg_read_pids(dir, pids, n, err);
}

const char *cella_cgroup_path(const struct cella_cgroup *cg)
{
	return cg->path;
}

enum cella_cgroup_layout cella_cgroup_layout(const struct cella_cgroup *cg)
{
	return cg->host.layout;
}

void cella_cgroup_free(struct cella_cgroup *cg)
{
	if (cg == NULL)
		return;
	cella_cgroup_host_clear(&cg->host);
	free(cg->path);
	for (size_t i = 0; i < CELLA_CGROUP_MAX_V1; i++)
		free(cg->v1_path[i]);
	free(cg);
}

void cella_cgroup_freep(struct cella_cgroup **cg)
{
	cella_cgroup_free(*cg);
	*cg = NULL;
}

bool cella_cgroup_unified_bare(const struct cella_cgroup *cg)
{
	cleanup_free char *dir = NULL;
	cleanup_free char *text = NULL;

	if (cg->host.unified == NULL || cg->host.layout != CELLA_CGROUP_HYBRID)
		return false;
	dir = cg_dir(cg->host.unified, cg->path);
	if (cg_read(dir, "cgroup.controllers", &text, NULL) < 0 || text == NULL)
		return false;
	return text[strspn(text, " \n")] == '\0';
}

int cella_cgroup_unified_fd(const struct cella_cgroup *cg, cella_error *err)
{
	cleanup_free char *dir = NULL;
	int fd;

	if (cg->host.unified == NULL)
		return cella_err(err, ENOENT, "no unified cgroup hierarchy");
	dir = cg_dir(cg->host.unified, cg->path);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "open `%s`", dir);
	return fd;
}
