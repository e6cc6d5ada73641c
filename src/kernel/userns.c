/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

extern char **environ;

char *idmap_format(const struct cella_idmap *maps, size_t n)
{
	size_t cap = 1 + n * 36, len = 0;
	char *out = xmalloc(cap);

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		len +=
		    (size_t)snprintf(out + len, cap - len, "%" PRIu32 " %" PRIu32 " %" PRIu32 "\n",
				     maps[i].container_id, maps[i].host_id, maps[i].size);
	return out;
}

static bool overlaps(uint32_t a, uint32_t an, uint32_t b, uint32_t bn)
{
	return (uint64_t)a < (uint64_t)b + bn && (uint64_t)b < (uint64_t)a + an;
}

int idmap_validate(const struct cella_idmap *maps, size_t n, const char *what, cella_error *err)
{
	if (n == 0)
		return cella_err_invalid(err, "%s: no mapping given", what);
	if (n > 340)
		return cella_err_invalid(err, "%s: %zu mappings, the kernel takes at most 340",
					 what, n);
	for (size_t i = 0; i < n; i++) {
		const struct cella_idmap *m = &maps[i];
		if (m->size == 0)
			return cella_err_invalid(err, "%s[%zu]: size is 0", what, i);
		if ((uint64_t)m->container_id + m->size > (uint64_t)UINT32_MAX ||
		    (uint64_t)m->host_id + m->size > (uint64_t)UINT32_MAX)
			return cella_err_invalid(err, "%s[%zu]: range overflows 32-bit ids", what,
						 i);
		for (size_t j = 0; j < i; j++) {
			if (overlaps(m->container_id, m->size, maps[j].container_id, maps[j].size))
				return cella_err_invalid(
				    err, "%s[%zu]: containerID range overlaps %s[%zu]", what, i,
				    what, j);
			if (overlaps(m->host_id, m->size, maps[j].host_id, maps[j].size))
				return cella_err_invalid(err,
							 "%s[%zu]: hostID range overlaps %s[%zu]",
							 what, i, what, j);
		}
	}
	return 0;
}

bool idmap_needs_setgroups_deny(bool privileged_writer)
{
	return !privileged_writer;
}

static int write_proc(pid_t pid, const char *file, const char *text, const char *what,
		      cella_error *err)
{
	char path[64];
	cleanup_close int fd = -1;

	snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, file);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return cella_err(err, errno, "open `%s`", path);
	if (write_all(fd, text, strlen(text)) < 0)
		return cella_err(err, errno, "write %s to `%s`", what, path);
	return 0;
}

/* Run newuidmap/newgidmap PID C H N...; their stderr is captured into the
 * error. */
static int run_map_helper(const char *helper, pid_t pid, const struct cella_idmap *maps, size_t n,
			  cella_error *err)
{
	cleanup_strv char **argv = NULL;
	posix_spawn_file_actions_t fa;
	int pipefd[2];
	char buf[512];
	ssize_t len;
	pid_t child;
	int status, r;

	strv_append(&argv, helper);
	snprintf(buf, sizeof(buf), "%d", (int)pid);
	strv_append(&argv, buf);
	for (size_t i = 0; i < n; i++) {
		snprintf(buf, sizeof(buf), "%" PRIu32, maps[i].container_id);
		strv_append(&argv, buf);
		snprintf(buf, sizeof(buf), "%" PRIu32, maps[i].host_id);
		strv_append(&argv, buf);
		snprintf(buf, sizeof(buf), "%" PRIu32, maps[i].size);
		strv_append(&argv, buf);
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return cella_err(err, errno, "pipe");
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDERR_FILENO);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	r = posix_spawnp(&child, helper, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return cella_err(err, r, "run `%s`", helper);
	}
	len = read_all(pipefd[0], buf, sizeof(buf) - 1);
	close(pipefd[0]);
	buf[len > 0 ? len : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	while (waitpid(child, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for `%s`", helper);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return cella_err(err, EPERM, "`%s` failed%s%s", helper, buf[0] ? ": " : "", buf);
	return 0;
}

/* Is the mapping just "my own id as one id"? Unprivileged writers may write
 * exactly that themselves. */
static bool is_self_map(const struct cella_idmap *maps, size_t n, uint32_t self)
{
	return n == 1 && maps[0].size == 1 && maps[0].host_id == self;
}

int userns_write_maps(pid_t pid, const struct cella_idmap *uid, size_t n_uid,
		      const struct cella_idmap *gid, size_t n_gid, bool deny_setgroups,
		      cella_error *err)
{
	cleanup_free char *uid_text = idmap_format(uid, n_uid);
	cleanup_free char *gid_text = idmap_format(gid, n_gid);
	bool root = geteuid() == 0;
	int r;

	if (deny_setgroups) {
		r = write_proc(pid, "setgroups", "deny", "`deny`", err);
		if (r < 0)
			return r;
	}
	if (root || is_self_map(gid, n_gid, getegid()))
		r = write_proc(pid, "gid_map", gid_text, "linux.gidMappings", err);
	else
		r = run_map_helper("newgidmap", pid, gid, n_gid, err);
	if (r < 0)
		return cella_err_context(err, "write gid map");
	if (root || is_self_map(uid, n_uid, geteuid()))
		r = write_proc(pid, "uid_map", uid_text, "linux.uidMappings", err);
	else
		r = run_map_helper("newuidmap", pid, uid, n_uid, err);
	if (r < 0)
		return cella_err_context(err, "write uid map");
	return 0;
}

static long read_knob(const char *path)
{
	cleanup_free char *text = NULL;
	long long v;

	if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
		return -1;
	text[strcspn(text, "\n")] = '\0';
	if (!parse_i64(text, 0, INT32_MAX, &v))
		return -1;
	return (long)v;
}

bool userns_is_initial(void)
{
	cleanup_free char *text = NULL;
	unsigned long long in, out, count;

	if (read_file_at(AT_FDCWD, "/proc/self/uid_map", &text, NULL) < 0)
		return true; /* no user namespaces in this kernel */
	if (sscanf(text, "%llu %llu %llu", &in, &out, &count) != 3)
		return true;
	return in == 0 && out == 0 && count == 4294967295ULL && strchr(text, '\n') != NULL &&
	       strchr(text, '\n')[1] == '\0';
}

bool userns_setgroups_denied(void)
{
	cleanup_free char *text = NULL;

	if (read_file_at(AT_FDCWD, "/proc/self/setgroups", &text, NULL) < 0)
		return false;
	return str_has_prefix(text, "deny");
}

int userns_check_available(cella_error *err)
{
	if (read_knob("/proc/sys/user/max_user_namespaces") == 0)
		return cella_err(
		    err, ENOSPC,
		    "user namespaces are disabled: sysctl user.max_user_namespaces is 0");
	if (geteuid() != 0) {
		if (read_knob("/proc/sys/kernel/unprivileged_userns_clone") == 0)
			return cella_err(err, EPERM,
					 "unprivileged user namespaces are disabled: sysctl "
					 "kernel.unprivileged_userns_clone is 0");
		if (read_knob("/proc/sys/kernel/apparmor_restrict_unprivileged_userns") == 1)
			return cella_err(
			    err, EPERM,
			    "unprivileged user namespaces are restricted by AppArmor: "
			    "sysctl kernel.apparmor_restrict_unprivileged_userns is 1");
	}
	return 0;
}

int userns_subid_range(const char *file, uid_t id, const char *name, uint32_t *start,
		       uint32_t *count, bool *found, cella_error *err)
{
	cleanup_free char *text = NULL;
	char idstr[32];
	char *save = NULL;

	*found = false;
	if (read_file_at(AT_FDCWD, file, &text, err) < 0) {
		if (err != NULL && err->errnum == ENOENT)
			return 0;
		return -1;
	}
	snprintf(idstr, sizeof(idstr), "%u", (unsigned)id);
	for (char *line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		char *f1 = line, *f2, *f3;
		unsigned long long s, c;

		f2 = strchr(f1, ':');
		if (f2 == NULL)
			continue;
		*f2++ = '\0';
		f3 = strchr(f2, ':');
		if (f3 == NULL)
			continue;
		*f3++ = '\0';
		if (strcmp(f1, idstr) != 0 && (name == NULL || strcmp(f1, name) != 0))
			continue;
		if (!parse_u64(f2, UINT32_MAX, &s) || !parse_u64(f3, UINT32_MAX, &c) || c == 0)
			continue;
		*start = (uint32_t)s;
		*count = (uint32_t)c;
		*found = true;
		return 0;
	}
	return 0;
}
