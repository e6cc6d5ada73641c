/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pause, resume, ps: what the runtime does to a container through its
 * cgroup (kernel/cgroup.h). A rootless container has no cgroup, so none of
 * these can reach its processes: they say so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/state.h"
#include "kernel/cgroup.h"
#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

/* Load the state of id (its directory locked by *dirfd) and open its
 * cgroup. */
static int open_container(const char *state_root, const char *id, const char *what, int *dirfd,
			  struct cella_state *st, struct cella_cgroup **cg, cella_error *err)
{
	*dirfd = state_dir_open(state_root, id, err);
	if (*dirfd < 0)
		return *dirfd;
	if (state_load(*dirfd, id, st, err) < 0)
		return cella_err_ret(err);
	if (st->cgroup_path == NULL || st->cgroup_path[0] == '\0')
		return cella_err(err, ENOTSUP,
				 "%s: container `%s` has no cgroup (it runs rootless), so its "
				 "processes cannot be reached",
				 what, id);
	if (cella_cgroup_open(st->cgroup_path, cg, err) < 0)
		return cella_err_context(err, "%s `%s`", what, id);
	return 0;
}

static int freeze(const char *state_root, const char *id, bool on, cella_error *err)
{
	const char *what = on ? "pause" : "resume";
	cleanup_close int dirfd = -1;
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	enum cella_status want = on ? CELLA_STATUS_RUNNING : CELLA_STATUS_PAUSED;
	struct cella_state st;
	int r;

	memset(&st, 0, sizeof(st));
	r = open_container(state_root, id, what, &dirfd, &st, &cg, err);
	if (r == 0 && st.status != want)
		r = cella_err_invalid(err, "container `%s` is %s, not %s: cannot %s it", id,
				      cella_status_name(st.status), cella_status_name(want), what);
	if (r == 0 && cella_cgroup_freeze(cg, on, err) < 0)
		r = cella_err_context(err, "%s `%s`", what, id);
	cella_state_clear(&st);
	return r;
}

int cella_pause(const char *state_root, const char *id, cella_error *err)
{
	return freeze(state_root, id, true, err);
}

int cella_resume(const char *state_root, const char *id, cella_error *err)
{
	return freeze(state_root, id, false, err);
}

int cella_ps(const char *state_root, const char *id, pid_t **pids, size_t *n, cella_error *err)
{
	cleanup_close int dirfd = -1;
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	struct cella_state st;
	int r;

	*pids = NULL;
	*n = 0;
	memset(&st, 0, sizeof(st));
	r = open_container(state_root, id, "ps", &dirfd, &st, &cg, err);
	if (r == 0 && st.status == CELLA_STATUS_STOPPED)
		r = cella_err_invalid(err, "container `%s` is stopped: it has no processes", id);
	if (r == 0 && cella_cgroup_pids(cg, pids, n, err) < 0)
		r = cella_err_context(err, "ps `%s`", id);
	cella_state_clear(&st);
	return r;
}

/* The index of the PID column in ps's header line; -1 when none. */
static int pid_column(const char *header)
{
	cleanup_free char *copy = xstrdup(header);
	char *save = NULL;
	int i = 0;

	for (char *f = strtok_r(copy, " \t", &save); f != NULL;
	     f = strtok_r(NULL, " \t", &save), i++)
		if (strcmp(f, "PID") == 0)
			return i;
	return -1;
}

static bool line_has_pid(const char *line, int col, const pid_t *pids, size_t n)
{
	cleanup_free char *copy = xstrdup(line);
	char *save = NULL, *f = strtok_r(copy, " \t", &save);
	long long v;

	for (int i = 0; f != NULL && i < col; i++)
		f = strtok_r(NULL, " \t", &save);
	if (f == NULL || !parse_i64(f, 1, INT32_MAX, &v))
		return false;
	for (size_t i = 0; i < n; i++)
		if (pids[i] == (pid_t)v)
			return true;
	return false;
}

int cella_ps_table(const char *state_root, const char *id, char *const *ps_args, char **out,
		   cella_error *err)
{
	cleanup_close int dirfd = -1;
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_free pid_t *pids = NULL;
	cleanup_free char *text = NULL;
	cleanup_strv char **argv = NULL;
	struct cella_state st;
	size_t n = 0, outlen = 0;
	char *line, *save = NULL;
	int r, status, col;

	*out = NULL;
	memset(&st, 0, sizeof(st));
	r = open_container(state_root, id, "ps", &dirfd, &st, &cg, err);
	/* A stopped container has no processes: an empty table (runc). */
	if (r == 0 && st.status != CELLA_STATUS_STOPPED &&
	    cella_cgroup_pids(cg, &pids, &n, err) < 0)
		r = cella_err_context(err, "ps `%s`", id);
	cella_state_clear(&st);
	if (r < 0)
		return r;
	/* The host's ps, default -ef, as runc runs it. */
	strv_append(&argv, "ps");
	if (ps_args == NULL || ps_args[0] == NULL)
		strv_append(&argv, "-ef");
	for (size_t i = 0; ps_args != NULL && ps_args[i] != NULL; i++)
		strv_append(&argv, ps_args[i]);
	if (process_run_capture(argv, &text, &status, err) < 0)
		return cella_err_context(err, "ps `%s`", id);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		text[strcspn(text, "\n")] = '\0';
		return cella_err(err, 0, "ps `%s`: `ps` failed (status %d): %s", id,
				 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
				 text);
	}
	line = strtok_r(text, "\n", &save);
	col = line != NULL ? pid_column(line) : -1;
	if (col < 0)
		return cella_err(err, 0, "ps `%s`: no PID column in the output of `ps`", id);
	*out = xmalloc(strlen(line) + 2 + (save != NULL ? strlen(save) : 0) + 1);
	outlen = (size_t)sprintf(*out, "%s\n", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL)
		if (line_has_pid(line, col, pids, n))
			outlen += (size_t)sprintf(*out + outlen, "%s\n", line);
	return 0;
}

char *cella_proc_cmdline(pid_t pid)
{
	char path[64];
	char buf[4096];
	cleanup_close int fd = -1;
	size_t len = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return xstrdup("");
	while (len < sizeof(buf) - 1 &&
	       ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			len += (size_t)n;
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	for (size_t i = 0; i < len; i++)
		if (buf[i] == '\0')
			buf[i] = ' ';
	buf[len] = '\0';
	return xstrdup(buf);
}
