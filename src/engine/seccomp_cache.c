/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Compiled seccomp programs, kept between runs.
 *
 * libseccomp takes tens of milliseconds to compile a Docker-sized profile
 * (the built-in default is ~1500 instructions over three architectures), more
 * than the rest of a container start. The same profile compiles to the same
 * program, so the program is kept in ROOT/.seccomp-cache: NAME.key holds the
 * profile's canonical JSON, the libseccomp version and the kernel release,
 * NAME.bpf the program (NAME: a hash of the key). A hit needs the key to be
 * byte-identical, so a hash collision can never hand out the wrong filter.
 * The quick door's default profile does not even need that: it was compiled
 * when cella was built (engine/seccomp_prebuilt.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/state.h"
#include "engine/seccomp_prebuilt.h"
#include "kernel/seccomp.h"
#include "spec/spec_seccomp.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#define CACHE_DIR ".seccomp-cache"

/* json: the profile's canonical JSON (cella_spec_seccomp_to_json). */
static char *cache_key(const char *json)
{
	const struct scmp_version *v = seccomp_version();
	struct utsname u;

	if (uname(&u) < 0)
		memset(&u, 0, sizeof(u));
	/* "enosys-stub": programs since the -ENOSYS stub (seccomp_enosys.c). */
	return xasprintf("libseccomp %u.%u.%u enosys-stub\nkernel %s %s\n%s\n", v ? v->major : 0,
			 v ? v->minor : 0, v ? v->micro : 0, u.release, u.machine, json);
}

/* FNV-1a, 64 bits: a file name, not a proof of identity. */
static unsigned long long fnv1a(const char *s)
{
	unsigned long long h = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

static int open_cache(const char *state_root)
{
	cleanup_close int rootfd = -1;

	if (mkdir(state_root, 0711) < 0 && errno != EEXIST)
		return -1;
	/* A root another user can write: no cache (the create that uses
	 * the root refuses it, naming it). */
	rootfd = state_root_open(state_root, NULL);
	if (rootfd < 0)
		return -1;
	if (mkdirat(rootfd, CACHE_DIR, 0700) < 0 && errno != EEXIST)
		return -1;
	return openat(rootfd, CACHE_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
}

static bool key_matches(int dirfd, const char *name, const char *key)
{
	cleanup_free char *have = NULL;

	if (read_file_at(dirfd, name, &have, NULL) < 0)
		return false;
	return strcmp(have, key) == 0;
}

/* Write name atomically (a temporary file renamed). */
static void store(int dirfd, const char *name, const char *key, const char *base,
		  const struct cella_seccomp_prog *prog)
{
	char tmp[64], bpf[64];

	snprintf(tmp, sizeof(tmp), "%s.bpf.%d", base, (int)getpid());
	snprintf(bpf, sizeof(bpf), "%s.bpf", base);
	if (cella_seccomp_prog_save(dirfd, tmp, prog, NULL) < 0 ||
	    renameat(dirfd, tmp, dirfd, bpf) < 0)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.key.%d", base, (int)getpid());
	if (write_file_at(dirfd, tmp, key, strlen(key), NULL) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0)
		goto fail;
	return;
fail:
	unlinkat(dirfd, tmp, 0);
	cella_debug("seccomp cache: could not store %s", name);
}

int engine_seccomp_build(const char *state_root, const struct cella_seccomp *conf,
			 const char *canonical, struct cella_seccomp_prog *out,
			 bool *nothing_dropped, cella_error *err)
{
	/* Serialized once (a Docker-sized profile is ~350 names), unless the
	 * caller has it already. */
	cleanup_free char *json = canonical != NULL ? NULL : cella_spec_seccomp_to_json(conf);
	const char *text = canonical != NULL ? canonical : json;
	cleanup_free char *key = NULL;
	cleanup_close int dirfd = -1;
	char base[32], keyname[48], bpfname[48];

	*nothing_dropped = false;
	/* Compiled when cella was built (the quick door's default). */
	if (engine_seccomp_prebuilt_find(text, out, nothing_dropped) == 1)
		return 0;
	key = cache_key(text);
	dirfd = open_cache(state_root);
	snprintf(base, sizeof(base), "%016llx", fnv1a(key));
	snprintf(keyname, sizeof(keyname), "%s.key", base);
	snprintf(bpfname, sizeof(bpfname), "%s.bpf", base);
	if (dirfd >= 0 && key_matches(dirfd, keyname, key) &&
	    cella_seccomp_prog_read(dirfd, bpfname, out, NULL) == 0 && out->len > 0)
		return 0;
	cella_seccomp_prog_clear(out);
	if (cella_seccomp_build(conf, out, err) < 0)
		return cella_err_ret(err);
	if (dirfd >= 0)
		store(dirfd, keyname, key, base, out);
	return 0;
}

static char *prebuilt_key_of(const char *json)
{
	const struct scmp_version *v = seccomp_version();

	return xasprintf("libseccomp %u.%u.%u api %u\n%s\n", v ? v->major : 0, v ? v->minor : 0,
			 v ? v->micro : 0, seccomp_api_get(), json);
}

char *engine_seccomp_prebuilt_key(const struct cella_seccomp *conf)
{
	cleanup_free char *json = cella_spec_seccomp_to_json(conf);

	return prebuilt_key_of(json);
}

int engine_seccomp_prebuilt_find(const char *json, struct cella_seccomp_prog *out,
				 bool *nothing_dropped)
{
	cleanup_free char *key = NULL;

	if (cella_seccomp_prebuilt == NULL)
		return 0;
	key = prebuilt_key_of(json);
	for (const struct cella_seccomp_prebuilt *p = cella_seccomp_prebuilt; p->key != NULL; p++) {
		if (strcmp(p->key, key) != 0)
			continue;
		out->insns = xmalloc(p->len * sizeof(struct sock_filter));
		memcpy(out->insns, p->insns, p->len * sizeof(struct sock_filter));
		out->len = p->len;
		out->kernel_flags = p->kernel_flags;
		if (nothing_dropped != NULL)
			*nothing_dropped = p->nothing_dropped != 0;
		cella_debug("seccomp: the default profile, compiled when cella was built");
		return 1;
	}
	return 0;
}
