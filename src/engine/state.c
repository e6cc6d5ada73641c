/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "engine/state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/cgroup.h"
#include "kernel/path.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "kernel/userns.h"
#include "util/cleanup.h"
#include "util/util.h"

/* jansson provides json_decrefp for cleanup attributes. */
#define cleanup_json __attribute__((cleanup(json_decrefp)))

const char *cella_status_name(enum cella_status s)
{
	switch (s) {
	case CELLA_STATUS_CREATING:
		return "creating";
	case CELLA_STATUS_CREATED:
		return "created";
	case CELLA_STATUS_RUNNING:
		return "running";
	case CELLA_STATUS_PAUSED:
		return "paused";
	case CELLA_STATUS_STOPPED:
		return "stopped";
	default:
		return "unknown";
	}
}

int cella_validate_id(const char *id, cella_error *err)
{
	size_t n = strlen(id);
	char esc[256];

	if (n == 0)
		return cella_err_invalid(err, "invalid container id: empty");
	if (n > 1024)
		return cella_err_invalid(err, "invalid container id: longer than 1024 bytes");
	if (id[0] == '.')
		return cella_err_invalid(err,
					 "invalid container id `%s`: a leading `.` is reserved for "
					 "cella's own files",
					 str_escape(id, esc, sizeof(esc)));
	if (id[0] == '-')
		return cella_err_invalid(err,
					 "invalid container id `%s`: a leading `-` would be taken "
					 "for a flag",
					 str_escape(id, esc, sizeof(esc)));
	if (strcmp(id, ".") == 0 || strcmp(id, "..") == 0)
		return cella_err_invalid(err, "invalid container id `%s`", id);
	str_escape(id, esc, sizeof(esc));
	for (const char *p = id; *p; p++) {
		char c = *p;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '-' || c == '.' || c == '+'))
			return cella_err_invalid(
			    err,
			    "invalid container id `%s`: only letters, digits and "
			    "`_ - . +` are allowed",
			    esc);
	}
	return 0;
}

char *cella_default_state_root(void)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	const char *user = getenv("USER");

	/* Root of a user namespace with a user's runtime directory (rootless
	 * podman runs its runtime so): there, as runc decides it. */
	if (geteuid() == 0 && xdg != NULL && xdg[0] == '/' && !userns_is_initial() &&
	    (user == NULL || strcmp(user, "root") != 0))
		return xasprintf("%s/cella", xdg);
	if (geteuid() == 0)
		return xstrdup("/run/cella");
	if (xdg != NULL && xdg[0] == '/')
		return xasprintf("%s/cella", xdg);
	return xasprintf("/tmp/cella-%u", (unsigned)geteuid());
}

/* The built-in rootfs from the runtime's directory: bin/ beside share/, or,
 * started by the launcher, libexec/cella/ (the Makefile's LAUNCHER). */
#ifndef CELLA_ROOTFS_REL
#define CELLA_ROOTFS_REL "../share/cella/rootfs"
#endif

char *cella_default_rootfs(cella_error *err)
{
	const char *env = getenv("CELLA_ROOTFS");
	char exe[4096];
	ssize_t n;
	char *slash, *path;
	struct stat st;

	if (env != NULL && env[0] != '\0')
		return xstrdup(env);
	n = process_exe_path(exe, sizeof(exe));
	if (n < 0) {
		cella_err(err, errno, "find the runtime's binary (/proc/self/exe)");
		return NULL;
	}
	slash = strrchr(exe, '/');
	if (slash != NULL)
		*slash = '\0';
	path = xasprintf("%s/" CELLA_ROOTFS_REL, exe);
	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		cella_err(err, ENOENT,
			  "no built-in rootfs at `%s` (build it with `make rootfs`, or give "
			  "--rootfs DIR)",
			  path);
		free(path);
		return NULL;
	}
	return path;
}

static int lock_dir(int fd, const char *id, cella_error *err)
{
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "lock state of container `%s`", id);
	return 0;
}

/* Whether st (of the state root, root) is a directory of this user's alone:
 * owned by the effective uid, no group or other write bit. Any other user
 * who can write ROOT can plant a state directory, and its hooks.json, that
 * our next command trusts. */
static int state_root_check(const char *root, const struct stat *st, cella_error *err)
{
	if (!S_ISDIR(st->st_mode))
		return cella_err(err, ENOTDIR, "state root `%s` is not a directory", root);
	if (st->st_uid != geteuid() || (st->st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return cella_err(
		    err, EPERM,
		    "state root `%s` is not this user's alone (owner uid %u, mode %04o): "
		    "another user could plant containers and hooks in it (give --root a "
		    "directory of yours)",
		    root, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777));
	return 0;
}

int state_root_open(const char *root, cella_error *err)
{
	/* O_PATH: searching ROOT is all it takes, as by path before. */
	cleanup_close int fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct stat st;

	if (fd < 0) {
		if (errno == ENOENT)
			return -ENOENT;
		return cella_err(err, errno, "open state root `%s`", root);
	}
	if (fstat(fd, &st) < 0)
		return cella_err(err, errno, "stat state root `%s`", root);
	if (state_root_check(root, &st, err) < 0)
		return cella_err_ret(err);
	return take_fd(&fd);
}

/* mkdir -p: the containerd shim passes --root /run/containerd/runc/NS,
 * whose parents may not exist yet. The path itself first: it is there on
 * every create but the first. */
static int mkdir_parents(const char *path, mode_t mode)
{
	cleanup_free char *copy = NULL;

	if (mkdir(path, mode) == 0 || errno == EEXIST)
		return 0;
	if (errno != ENOENT)
		return -1;
	copy = xstrdup(path);

	for (char *p = copy + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(copy, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* Where ROOT/ID is made before it is renamed into place: ROOT/.new/PID-N.
 * A directory of its own, so that what killed creates left is found
 * without reading ROOT, whose size grows with the number of containers
 * (create and delete look there every time). */
#define STAGING_DIR ".new"

/* The ROOT/.new/PID-N of a runtime killed between mkdir and rename: only
 * its own state was ever in it (nothing is created before the rename). */
void state_root_tidy(const char *root, int rootfd)
{
	int fd = openat(rootfd, STAGING_DIR, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd < 0 ? NULL : fdopendir(fd);
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		long long pid;
		char *dash;
		char num[32];
		char path[sizeof(STAGING_DIR) + NAME_MAX + 2];

		snprintf(num, sizeof(num), "%.31s", de->d_name);
		dash = strchr(num, '-');
		if (dash == NULL)
			continue;
		*dash = '\0';
		if (!parse_i64(num, 1, INT_MAX, &pid) || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), STAGING_DIR "/%s", de->d_name);
		state_dir_remove(root, path, NULL);
	}
	closedir(d);
}

static int state_store(int dirfd, const struct cella_state *st, bool staged, cella_error *err);

int state_dir_create(const char *root, const char *id, const struct cella_state *initial,
		     cella_error *err)
{
	cleanup_close int rootfd = -1;
	cleanup_close int fd = -1;
	char tmp[64];

	if (mkdir_parents(root, 0711) < 0)
		return cella_err(err, errno, "create state root `%s`", root);
	rootfd = state_root_open(root, err);
	if (rootfd == -ENOENT)
		return cella_err(err, ENOENT, "open state root `%s`", root);
	if (rootfd < 0)
		return cella_err_ret(err);
	if (strlen(id) > NAME_MAX)
		return cella_err(err, ENAMETOOLONG, "create state directory `%s/%s`", root, id);
	state_root_tidy(root, rootfd);
	/* A leading '.': never taken for a container (ids cannot have it). */
	if (mkdirat(rootfd, STAGING_DIR, 0700) < 0 && errno != EEXIST)
		return cella_err(err, errno, "create `%s/%s`", root, STAGING_DIR);
	for (unsigned i = 0;; i++) {
		snprintf(tmp, sizeof(tmp), STAGING_DIR "/%d-%u", (int)getpid(), i);
		if (mkdirat(rootfd, tmp, 0700) == 0)
			break;
		if (errno != EEXIST || i > 100)
			return cella_err(err, errno, "create state directory `%s/%s`", root, tmp);
	}
	fd = openat(rootfd, tmp, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || lock_dir(fd, id, err) < 0 || state_store(fd, initial, true, err) < 0) {
		if (fd < 0)
			cella_err(err, errno, "open state directory `%s/%s`", root, tmp);
		state_dir_remove(root, tmp, NULL);
		return cella_err_ret(err);
	}
	if (renameat2(rootfd, tmp, rootfd, id, RENAME_NOREPLACE) < 0) {
		int e = errno;

		state_dir_remove(root, tmp, NULL);
		if (e == EEXIST || e == ENOTEMPTY)
			return cella_err(err, EEXIST, "container `%s` already exists", id);
		return cella_err(err, e, "create state directory `%s/%s`", root, id);
	}
	return take_fd(&fd);
}

int state_dir_open_unlocked(const char *root, const char *id, cella_error *err)
{
	cleanup_close int rootfd = -1;
	int fd;

	if (cella_validate_id(id, err) < 0)
		return cella_err_ret(err);
	/* ROOT checked through the fd it is then opened from: no other
	 * directory can take its place between the check and the use. */
	rootfd = state_root_open(root, err);
	if (rootfd == -ENOENT)
		return cella_err(err, ENOENT, "container `%s` does not exist", id);
	if (rootfd < 0)
		return cella_err_ret(err);
	fd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return cella_err(err, ENOENT, "container `%s` does not exist", id);
		return cella_err(err, errno, "open state of container `%s`", id);
	}
	return fd;
}

int state_dir_open(const char *root, const char *id, cella_error *err)
{
	int fd = state_dir_open_unlocked(root, id, err);

	if (fd < 0)
		return fd;
	if (lock_dir(fd, id, err) < 0) {
		close(fd);
		return cella_err_ret(err);
	}
	return fd;
}

bool state_dir_linked(const char *root, const char *id, int dirfd)
{
	cleanup_free char *path = xasprintf("%s/%s", root, id);
	struct stat a, b;

	return fstat(dirfd, &a) == 0 && lstat(path, &b) == 0 && a.st_dev == b.st_dev &&
	       a.st_ino == b.st_ino;
}

static void remove_subdir(int state_fd, const char *name)
{
	int fd = openat(state_fd, name, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;

	if (d == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			unlinkat(dirfd(d), de->d_name, 0);
	closedir(d);
}

int state_dir_remove(const char *root, const char *id, cella_error *err)
{
	cleanup_close int rootfd = state_root_open(root, err);
	cleanup_close int fd = -1;
	DIR *d;
	struct dirent *de;

	if (rootfd == -ENOENT)
		return cella_err(err, ENOENT, "open state root `%s`", root);
	if (rootfd < 0)
		return cella_err_ret(err);
	fd = openat(rootfd, id, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		return cella_err(err, errno, "open state directory of `%s`", id);
	}
	d = fdopendir(take_fd(&fd));
	if (d == NULL)
		return cella_err(err, errno, "read state directory of `%s`", id);
	/* state.json last: a delete killed midway leaves a state that a
	 * second delete still finds. */
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, STATE_FILE) == 0)
			continue;
		/* Subdirectories (notify/; scratch/ of older versions) hold files, not
		 * directories: emptied, then removed. */
		if (unlinkat(dirfd(d), de->d_name, 0) == 0 || errno == ENOENT)
			continue;
		if (errno == EISDIR) {
			remove_subdir(dirfd(d), de->d_name);
			if (unlinkat(dirfd(d), de->d_name, AT_REMOVEDIR) == 0 || errno == ENOENT)
				continue;
		}
		{
			int e = errno;
			closedir(d);
			return cella_err(err, e, "remove `%s/%s/%s`", root, id, de->d_name);
		}
	}
	if (unlinkat(dirfd(d), STATE_FILE, 0) < 0 && errno != ENOENT) {
		int e = errno;
		closedir(d);
		return cella_err(err, e, "remove `%s/%s/%s`", root, id, STATE_FILE);
	}
	closedir(d);
	if (unlinkat(rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
		return cella_err(err, errno, "remove state directory `%s/%s`", root, id);
	return 0;
}

/* state.json.tmp in place of state.json. Exchanged, then the old file
 * unlinked, rather than renamed over it: ext4 (auto_da_alloc) writes a file
 * renamed over another out at once, blocks allocated, and a delete then
 * frees (and, mounted with discard, discards) them. Exchanged, a state
 * file that lives less than the writeback delay never gets a block. The
 * rename where the file system cannot exchange. */
static int replace_state_file(int dirfd, cella_error *err)
{
	if (renameat2(dirfd, STATE_FILE ".tmp", dirfd, STATE_FILE, RENAME_EXCHANGE) == 0) {
		/* Readers see the new state already; a file left here (the
		 * unlink failed, or we were killed before it) is removed by
		 * delete, or replaced by the next write of the state. */
		(void)unlinkat(dirfd, STATE_FILE ".tmp", 0);
		return 0;
	}
	/* Whatever the exchange's failure (EINVAL where the file system
	 * cannot), the rename says what is wrong, if anything. */
	if (renameat(dirfd, STATE_FILE ".tmp", dirfd, STATE_FILE) < 0)
		return cella_err(err, errno, "rename state file");
	return 0;
}

/* st into dirfd/state.json; staged: dirfd is still a staging directory,
 * which no reader sees, and the file is written in place. */
static int state_store(int dirfd, const struct cella_state *st, bool staged, cella_error *err)
{
	const char *name = staged ? STATE_FILE : STATE_FILE ".tmp";
	cleanup_json json_t *j = json_object();
	cleanup_json json_t *ann = json_object();
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;

	json_object_set_new(j, "id", json_string(st->id));
	json_object_set_new(j, "ociVersion", json_string(st->oci_version));
	json_object_set_new(j, "pid", json_integer(st->pid));
	json_object_set_new(j, "pidStart", json_integer((json_int_t)st->pid_start));
	if (st->pid == 0) {
		json_object_set_new(j, "creator", json_integer(st->creator));
		json_object_set_new(j, "creatorStart", json_integer((json_int_t)st->creator_start));
	}
	json_object_set_new(j, "cgroupPath", json_string(st->cgroup_path ? st->cgroup_path : ""));
	if (st->cgroup_joined != NULL) {
		json_t *a = json_array();

		for (char **m = st->cgroup_joined; *m != NULL; m++)
			json_array_append_new(a, json_string(*m));
		json_object_set_new(j, "cgroupJoined", a);
	}
	json_object_set_new(j, "bundle", json_string(st->bundle));
	json_object_set_new(j, "rootfs", json_string(st->rootfs));
	json_object_set_new(j, "created", json_string(st->created));
	json_object_set_new(j, "owner", json_integer(st->owner));
	if (st->securebits >= 0)
		json_object_set_new(j, "securebits", json_integer(st->securebits));
	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_set_new(ann, st->annotations[i].key,
				    json_string(st->annotations[i].value));
	json_object_set(j, "annotations", ann);
	text = json_dumps(j, JSON_COMPACT);
	if (text == NULL)
		return cella_err(err, ENOMEM, "serialize state");
	/* A process killed at any point leaves the old state or the new one,
	 * whole: the rename is atomic for every reader. No fsync: the state
	 * describes processes, which a crash of the host ends too, and a
	 * state torn by one is removed by `delete --force` (delete_locked).
	 * Two fsyncs were half of a run's wall time on a busy ext4 (runc and
	 * crun do not sync their state either). */
	fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC | O_TRUNC | O_CREAT, 0644);
	if (fd < 0)
		return cella_err(err, errno, "open `%s` for writing", name);
	if (write_all(fd, text, strlen(text)) < 0)
		return cella_err(err, errno, "write `%s`", name);
	if (!staged)
		return replace_state_file(dirfd, err);
	return 0;
}

int state_write(int dirfd, const struct cella_state *st, cella_error *err)
{
	return state_store(dirfd, st, false, err);
}

/* Paused: the container's cgroup is frozen (`cella pause`, or whoever froze
 * it). No cgroup (rootless), no freezer: never paused. The init was just
 * seen in state init_state (0: not looked at), which may answer alone. */
static bool frozen(const char *cgroup_path, char init_state)
{
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	bool on = false;

	if (cgroup_path[0] == '\0' || cella_cgroup_seen_not_frozen(init_state) ||
	    cella_cgroup_open(cgroup_path, &cg, NULL) < 0)
		return false;
	if (cella_cgroup_frozen_seen(cg, init_state, &on, NULL) < 0)
		return false;
	return on;
}

static char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));
	return xstrdup(s ? s : "");
}

/* path (state.json, or ID/state.json) beneath dirfd, no symlink on the
 * way, in one read: the file is only ever replaced whole (state_store
 * renames over it, or writes it before ROOT/ID appears). */
static ssize_t read_state_file(int dirfd, const char *path, char **out, cella_error *err)
{
	cleanup_close int fd = path_open_beneath(dirfd, path, O_RDONLY);

	if (fd < 0)
		return cella_err(err, -fd, "open `%s`", path);
	return read_fd_all(fd, path, true, out, err);
}

/* listing: for list, where the init's state letter may stand for the
 * freezer (cella_cgroup_frozen_seen): a file read less per container, at
 * the price of "running" for a paused container whose init someone moved
 * out of its cgroup. Every command that acts on the status reads the
 * freezer. Listing, dirfd is the state root and the files are ID/NAME
 * (no directory opened per container); otherwise dirfd is ROOT/ID. */
static int state_load_as(int dirfd, const char *id, struct cella_state *st, bool listing,
			 cella_error *err)
{
	char state_path[NAME_MAX + sizeof(STATE_FILE) + 2];
	char fifo_path[NAME_MAX + sizeof(EXEC_FIFO) + 2];
	cleanup_free char *text = NULL;
	cleanup_json json_t *j = NULL;
	json_error_t jerr;
	json_t *ann;
	const char *key;
	json_t *val;
	struct stat sb;
	char init_state = 0;
	int alive;

	memset(st, 0, sizeof(*st));
	snprintf(state_path, sizeof(state_path), "%s%s" STATE_FILE, listing ? id : "",
		 listing ? "/" : "");
	snprintf(fifo_path, sizeof(fifo_path), "%s%s" EXEC_FIFO, listing ? id : "",
		 listing ? "/" : "");
	/* ROOT/ID appears with its state.json (state_dir_create): without it,
	 * the directory was removed while we waited for its lock. */
	if (read_state_file(dirfd, state_path, &text, err) < 0) {
		if (err != NULL && err->errnum == ENOENT)
			return cella_err(err, ENOENT, "container `%s` does not exist", id);
		return cella_err_context(err, "state of container `%s`", id);
	}
	j = json_loads(text, 0, &jerr);
	if (j == NULL)
		return cella_err_invalid(err, "state of container `%s` is corrupt: %s", id,
					 jerr.text);
	st->id = jstr(j, "id");
	st->oci_version = jstr(j, "ociVersion");
	st->bundle = jstr(j, "bundle");
	st->rootfs = jstr(j, "rootfs");
	st->created = jstr(j, "created");
	st->cgroup_path = jstr(j, "cgroupPath");
	{
		json_t *a = json_object_get(j, "cgroupJoined"), *m;
		size_t i;

		json_array_foreach(a, i, m) if (json_is_string(m))
		    strv_append(&st->cgroup_joined, json_string_value(m));
	}
	st->pid = (pid_t)json_integer_value(json_object_get(j, "pid"));
	st->pid_start = (unsigned long long)json_integer_value(json_object_get(j, "pidStart"));
	st->owner = (uid_t)json_integer_value(json_object_get(j, "owner"));
	st->creator = (pid_t)json_integer_value(json_object_get(j, "creator"));
	val = json_object_get(j, "securebits");
	st->securebits = json_is_integer(val) ? (int)json_integer_value(val) : -1;
	st->creator_start =
	    (unsigned long long)json_integer_value(json_object_get(j, "creatorStart"));
	ann = json_object_get(j, "annotations");
	st->n_annotations = json_object_size(ann);
	st->annotations = xcalloc(st->n_annotations + 1, sizeof(*st->annotations));
	{
		size_t i = 0;
		json_object_foreach(ann, key, val)
		{
			st->annotations[i].key = xstrdup(key);
			st->annotations[i].value = xstrdup(json_string_value(val) ?: "");
			i++;
		}
	}
	/* Being created (pid 0), or its create crashed (nothing runs then that
	 * only this state can find: see container_create). An error reading
	 * /proc is one, never taken for a dead process. */
	alive = st->pid == 0 ? procfs_check_alive(st->creator, st->creator_start, err)
			     : procfs_check_alive_state(st->pid, st->pid_start, &init_state, err);
	if (alive < 0) {
		cella_err_context(err, "state of container `%s`", id);
		cella_state_clear(st);
		return cella_err_ret(err);
	}
	if (st->pid == 0)
		st->status = alive ? CELLA_STATUS_CREATING : CELLA_STATUS_STOPPED;
	else if (!alive)
		st->status = CELLA_STATUS_STOPPED;
	else if (fstatat(dirfd, fifo_path, &sb, AT_SYMLINK_NOFOLLOW) == 0)
		st->status = CELLA_STATUS_CREATED;
	else if (frozen(st->cgroup_path, listing ? init_state : 0))
		st->status = CELLA_STATUS_PAUSED;
	else
		st->status = CELLA_STATUS_RUNNING;
	return 0;
}

int state_load(int dirfd, const char *id, struct cella_state *st, cella_error *err)
{
	return state_load_as(dirfd, id, st, false, err);
}

void cella_state_clear(struct cella_state *st)
{
	free(st->id);
	free(st->bundle);
	free(st->rootfs);
	free(st->created);
	free(st->cgroup_path);
	strv_free(st->cgroup_joined);
	free(st->oci_version);
	for (size_t i = 0; i < st->n_annotations; i++) {
		free(st->annotations[i].key);
		free(st->annotations[i].value);
	}
	free(st->annotations);
	memset(st, 0, sizeof(*st));
}

char *cella_state_to_json(const struct cella_state *st)
{
	cleanup_json json_t *j = json_object();
	json_t *ann = json_object();
	char *text;

	json_object_set_new(j, "ociVersion", json_string(st->oci_version));
	json_object_set_new(j, "id", json_string(st->id));
	json_object_set_new(j, "status", json_string(cella_status_name(st->status)));
	json_object_set_new(j, "pid",
			    json_integer(st->status == CELLA_STATUS_STOPPED ? 0 : st->pid));
	json_object_set_new(j, "bundle", json_string(st->bundle));
	json_object_set_new(j, "rootfs", json_string(st->rootfs));
	json_object_set_new(j, "created", json_string(st->created));
	json_object_set_new(j, "owner", json_string(""));
	for (size_t i = 0; i < st->n_annotations; i++)
		json_object_set_new(ann, st->annotations[i].key,
				    json_string(st->annotations[i].value));
	json_object_set_new(j, "annotations", ann);
	text = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	if (text == NULL)
		abort();
	return text;
}

static int cmp_state(const void *a, const void *b)
{
	return strcmp(((const struct cella_state *)a)->id, ((const struct cella_state *)b)->id);
}

int cella_list(const char *state_root, struct cella_state **out, size_t *n, cella_error *err)
{
	struct cella_state *list = NULL;
	size_t count = 0;
	cleanup_close int rootfd = state_root_open(state_root, err);
	int fd;
	DIR *d;
	struct dirent *de;

	*out = NULL;
	*n = 0;
	if (rootfd == -ENOENT)
		return 0;
	if (rootfd < 0)
		return cella_err_ret(err);
	fd = openat(rootfd, ".", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	d = fd < 0 ? NULL : fdopendir(fd);
	if (d == NULL) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		return cella_err(err, e, "read state root `%s`", state_root);
	}
	cella_cgroup_detect_batch(true);
	while ((de = readdir(d)) != NULL) {
		struct cella_state st;

		/* (a valid id is a single path component of at most NAME_MAX) */
		if (de->d_name[0] == '.' || cella_validate_id(de->d_name, NULL) < 0)
			continue;
		/* list takes no lock */
		if (state_load_as(dirfd(d), de->d_name, &st, true, NULL) < 0)
			continue;
		list = xrealloc(list, (count + 1) * sizeof(*list));
		list[count++] = st;
	}
	cella_cgroup_detect_batch(false);
	closedir(d);
	if (count > 1)
		qsort(list, count, sizeof(*list), cmp_state);
	*out = list;
	*n = count;
	return 0;
}

void cella_state_list_free(struct cella_state *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		cella_state_clear(&list[i]);
	free(list);
}
