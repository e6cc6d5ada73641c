/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>
#include <seccomp.h>
#include <stdio.h>

#include "engine/engine.h"
#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

int cella_bundle_load(const char *bundle, char **bundle_abs, struct cella_spec **spec,
		      cella_error *err)
{
	cleanup_free char *abs = realpath(bundle ? bundle : ".", NULL);
	cleanup_free char *config = NULL;

	if (abs == NULL)
		return cella_err(err, errno, "bundle `%s`", bundle ? bundle : ".");
	config = xasprintf("%s/config.json", abs);
	if (cella_spec_load(config, spec, err) < 0)
		return cella_err_ret(err);
	*bundle_abs = take_ptr(&abs);
	return 0;
}

int cella_spec_write_default(const char *bundle, bool rootless, cella_error *err)
{
	cleanup_free char *path = xasprintf("%s/config.json", bundle);
	cleanup_spec struct cella_spec *spec =
	    cella_spec_default(rootless, rootless ? getuid() : 0, rootless ? getgid() : 0);
	cleanup_free char *json = cella_spec_to_json(spec);
	cleanup_close int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	size_t len = strlen(json);

	if (fd < 0) {
		if (errno == EEXIST)
			return cella_err(err, EEXIST, "`%s` exists: remove it first", path);
		return cella_err(err, errno, "create `%s`", path);
	}
	if (write_all(fd, json, len) < 0 || write_all(fd, "\n", 1) < 0)
		return cella_err(err, errno, "write `%s`", path);
	return 0;
}

void cella_process_init(void)
{
	process_sigchld_default();
}

int cella_run_from_sealed_copy(char **argv, const char *state_root, cella_error *err)
{
	const char *how = getenv("CELLA_SELF_COPY");
	char scratch[PATH_MAX];
	struct stat st;
	size_t n = state_root != NULL ? strlen(state_root) : 0;

	/* CELLA_SELF_COPY=memfd: always a private copy, for who would rather
	 * pay the copy than let a container process map the host binary's
	 * pages read-only (which a kernel bug of the Dirty Pipe kind could
	 * turn into a write). */
	if (how != NULL && how[0] != '\0') {
		if (strcmp(how, "memfd") == 0)
			return process_run_from_sealed_copy(argv, NULL, true, err);
		if (strcmp(how, "overlay") != 0)
			return cella_err_invalid(err,
						 "CELLA_SELF_COPY `%s`: expected `overlay` (the "
						 "default) or `memfd`",
						 how);
	}
	/* overlayfs' second lower layer: the state root, or before the first
	 * container made it, its closest existing parent (nothing is created
	 * for a command that may yet fail) */
	if (n == 0 || state_root[0] != '/' || n >= sizeof(scratch))
		return process_run_from_sealed_copy(argv, NULL, false, err);
	memcpy(scratch, state_root, n + 1);
	while (stat(scratch, &st) < 0 || !S_ISDIR(st.st_mode)) {
		char *slash = strrchr(scratch, '/');

		if (slash == NULL || slash == scratch)
			return process_run_from_sealed_copy(argv, NULL, false, err);
		*slash = '\0';
	}
	return process_run_from_sealed_copy(argv, scratch, false, err);
}

const char *cella_libraries_version(void)
{
	static char buf[128];
	const struct scmp_version *v = seccomp_version();

	snprintf(buf, sizeof(buf), "libseccomp: %u.%u.%u\njansson: %s\n", v ? v->major : 0,
		 v ? v->minor : 0, v ? v->micro : 0, JANSSON_VERSION);
	return buf;
}
