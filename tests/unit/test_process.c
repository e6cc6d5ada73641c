/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kernel/process: executable lookup against a temporary tree, chdir, fds,
 * prctl flags and exec failures (the last ones in forked children); the
 * overlay layers the seal and the launcher share (kernel/exe_seal.h). */
#include "unit.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kernel/exe_seal.h"
#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

static char tmp[] = "/tmp/cella-test-process-XXXXXX";

static void make_file(const char *rel, mode_t mode)
{
	cleanup_free char *p = xasprintf("%s/%s", tmp, rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd >= 0) {
		if (write_all(fd, "#!/bin/sh\nexit 0\n", 17) < 0)
			perror("write");
		close(fd);
	}
	chmod(p, mode);
}

static void make_dir(const char *rel)
{
	cleanup_free char *p = xasprintf("%s/%s", tmp, rel);
	mkdir(p, 0755);
}

/* tmp/bin:  ok (0755), noexec (0644), adir/, shadowed (0644)
 * tmp/bin2: ok2 (0755), shadowed (0755) */
static int setup_tree(void)
{
	if (mkdtemp(tmp) == NULL)
		return -1;
	make_dir("bin");
	make_dir("bin2");
	make_dir("bin/adir");
	make_file("bin/ok", 0755);
	make_file("bin/noexec", 0644);
	make_file("bin/shadowed", 0644);
	make_file("bin2/ok2", 0755);
	make_file("bin2/shadowed", 0755);
	return 0;
}

static void cleanup_tree(void)
{
	static const char *const files[] = {"bin/ok", "bin/noexec", "bin/shadowed", "bin2/ok2",
					    "bin2/shadowed"};
	static const char *const dirs[] = {"bin/adir", "bin", "bin2", ""};

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_free char *p = xasprintf("%s/%s", tmp, files[i]);
		unlink(p);
	}
	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++) {
		cleanup_free char *p = xasprintf("%s/%s", tmp, dirs[i]);
		rmdir(p);
	}
}

/* find name with PATH=tmp/bin:tmp/bin2 (plus a decoy variable first). */
static int find(const char *name, char **out, cella_error *err)
{
	cleanup_free char *path = xasprintf("PATH=%s/bin:%s/bin2", tmp, tmp);
	char *env[] = {(char *)"MYPATH=/nowhere", (char *)"HOME=/", path, NULL};

	*out = NULL;
	cella_err_clear(err);
	return process_find_executable(name, env, out, err);
}

static void test_find_in_path(void)
{
	cleanup_free char *out = NULL;
	cleanup_free char *want = xasprintf("%s/bin/ok", tmp);
	cleanup_free char *want2 = xasprintf("%s/bin2/ok2", tmp);
	cella_error err = {0};

	CHECK(find("ok", &out, &err) == 0);
	CHECK_STR(out, want);
	free(out);
	CHECK(find("ok2", &out, &err) == 0);
	CHECK_STR(out, want2);
}

static void test_find_not_found(void)
{
	cleanup_free char *out = NULL;
	cella_error err = {0};

	CHECK(find("nope", &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_FOUND);
	CHECK_STR(err.msg, "executable file not found in $PATH: nope");
	CHECK(out == NULL);
	CHECK(find("", &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_FOUND);
}

static void test_find_not_executable(void)
{
	cleanup_free char *out = NULL;
	cleanup_free char *want = xasprintf("permission denied: %s/bin/noexec", tmp);
	cella_error err = {0};

	CHECK(find("noexec", &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_EXEC);
	CHECK_STR(err.msg, want);
}

static void test_find_directory(void)
{
	cleanup_free char *out = NULL;
	cleanup_free char *want = xasprintf("is a directory: %s/bin/adir", tmp);
	cella_error err = {0};

	CHECK(find("adir", &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_EXEC);
	CHECK_STR(err.msg, want);
}

static void test_find_skips_unexecutable(void)
{
	/* As execvp: a non-executable hit does not stop the search. */
	cleanup_free char *out = NULL;
	cleanup_free char *want = xasprintf("%s/bin2/shadowed", tmp);
	cella_error err = {0};

	CHECK(find("shadowed", &out, &err) == 0);
	CHECK_STR(out, want);
}

static void test_find_with_slash(void)
{
	cleanup_free char *ok = xasprintf("%s/bin/ok", tmp);
	cleanup_free char *noexec = xasprintf("%s/bin/noexec", tmp);
	cleanup_free char *adir = xasprintf("%s/bin/adir", tmp);
	cleanup_free char *want = NULL;
	char *out = NULL;
	cella_error err = {0};

	CHECK(find(ok, &out, &err) == 0);
	CHECK_STR(out, ok);
	free(out);
	out = NULL;
	CHECK(find("/bin/nope-cella", &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_FOUND);
	CHECK_STR(err.msg, "executable file not found: /bin/nope-cella");
	CHECK(find(noexec, &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_EXEC);
	want = xasprintf("permission denied: %s", noexec);
	CHECK_STR(err.msg, want);
	CHECK(find(adir, &out, &err) < 0);
	CHECK(err.exit_code == CELLA_EXIT_NOT_EXEC);
	CHECK_CONTAINS(err.msg, "is a directory");
	CHECK(out == NULL);
}

static void test_find_default_path(void)
{
	char *env[] = {(char *)"HOME=/", NULL};
	cleanup_free char *out = NULL;
	cleanup_free char *out2 = NULL;
	cella_error err = {0};

	/* No PATH in env: the default PATH, which holds sh on any system. */
	CHECK(process_find_executable("sh", env, &out, &err) == 0);
	CHECK(out != NULL && out[0] == '/');
	CHECK(process_find_executable("sh", NULL, &out2, &err) == 0);
	CHECK(out2 != NULL && out2[0] == '/');
}

static void test_find_empty_entry(void)
{
	/* An empty PATH entry is the current directory. */
	cleanup_free char *bin = xasprintf("%s/bin", tmp);
	char *env[] = {(char *)"PATH=/nonexistent::", NULL};
	char old[PATH_MAX];
	cleanup_free char *out = NULL;
	cella_error err = {0};

	if (getcwd(old, sizeof(old)) == NULL || chdir(bin) < 0) {
		CHECK(!"chdir");
		return;
	}
	CHECK(process_find_executable("ok", env, &out, &err) == 0);
	CHECK_STR(out, "./ok");
	CHECK(chdir(old) == 0);
}

static void test_chdir(void)
{
	char old[PATH_MAX], now[PATH_MAX];
	cleanup_free char *missing = xasprintf("%s/missing", tmp);
	cella_error err = {0};

	CHECK(getcwd(old, sizeof(old)) != NULL);
	CHECK(process_chdir(tmp, &err) == 0);
	CHECK(getcwd(now, sizeof(now)) != NULL);
	CHECK_STR(now, tmp);
	CHECK(process_chdir(missing, &err) == -ENOENT);
	CHECK_CONTAINS(err.msg, "process.cwd");
	CHECK_CONTAINS(err.msg, missing);
	CHECK(chdir(old) == 0);
}

static void test_cloexec_from(void)
{
	int a = dup(STDERR_FILENO); /* dup() leaves FD_CLOEXEC clear */
	int b = dup(STDERR_FILENO);
	int low = dup(STDERR_FILENO);
	cella_error err = {0};

	CHECK(a >= 0 && b >= 0 && low >= 0);
	if (a < 0 || b < 0 || low < 0)
		return;
	/* Keep `low` below the range: swap so that low < a < b. */
	if (low > a) {
		int t = low;
		low = a;
		a = t;
	}
	CHECK(process_cloexec_from(low + 1, &err) == 0);
	CHECK(fcntl(a, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(b, F_GETFD) & FD_CLOEXEC);
	CHECK(!(fcntl(low, F_GETFD) & FD_CLOEXEC));
	CHECK(!(fcntl(STDERR_FILENO, F_GETFD) & FD_CLOEXEC));
	close(a);
	close(b);
	close(low);
}

/* Run fn in a child; returns its exit status (or -1). */
static int in_child(int (*fn)(void))
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn());
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
		return -1;
	return WEXITSTATUS(status);
}

static int child_prctl_flags(void)
{
	cella_error err = {0};

	if (process_set_no_new_privs(&err) < 0 || prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1)
		return 1;
	if (process_set_dumpable(0, &err) < 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0)
		return 2;
	if (process_set_dumpable(1, &err) < 0 || prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 1)
		return 3;
	return 0;
}

static int child_oom(void)
{
	cella_error err = {0};
	char *text = NULL;

	/* Raising is always allowed. */
	if (process_set_oom_score_adj(500, &err) < 0)
		return 1;
	if (read_file_at(AT_FDCWD, "/proc/self/oom_score_adj", &text, &err) < 0 ||
	    strcmp(text, "500\n") != 0)
		return 2;
	free(text);
	if (process_set_oom_score_adj(1001, &err) != -EINVAL)
		return 3;
	if (strstr(err.msg, "process.oomScoreAdj") == NULL)
		return 4;
	return 0;
}

static int child_exec_missing(void)
{
	char *args[] = {(char *)"/nonexistent/cella", NULL};
	cella_error err = {0};

	if (process_exec(args[0], args, NULL, &err) != -ENOENT)
		return 1;
	if (strcmp(err.msg, "exec /nonexistent/cella") != 0)
		return 2;
	return err.exit_code;
}

static char noexec_path[PATH_MAX];

static int child_exec_noexec(void)
{
	char *args[] = {noexec_path, NULL};
	cella_error err = {0};

	if (process_exec(noexec_path, args, NULL, &err) != -EACCES)
		return 1;
	return err.exit_code;
}

static int child_exec_ok(void)
{
	char *args[] = {(char *)"true", NULL};
	char *env[] = {(char *)"PATH=/usr/bin:/bin", NULL};
	cleanup_free char *path = NULL;
	cella_error err = {0};

	if (process_find_executable("true", env, &path, &err) < 0)
		return 1;
	process_exec(path, args, env, &err);
	return 2;
}

static void test_prctl_flags(void)
{
	CHECK(in_child(child_prctl_flags) == 0);
}

static void test_oom_score_adj(void)
{
	CHECK(in_child(child_oom) == 0);
}

static void test_exec(void)
{
	snprintf(noexec_path, sizeof(noexec_path), "%s/bin/noexec", tmp);
	CHECK(in_child(child_exec_missing) == CELLA_EXIT_NOT_FOUND);
	CHECK(in_child(child_exec_noexec) == CELLA_EXIT_NOT_EXEC);
	CHECK(in_child(child_exec_ok) == 0);
}

static void test_seal_paths_overlap(void)
{
	CHECK(cella_seal_paths_overlap("/usr/libexec/cella", "/usr/libexec/cella"));
	CHECK(cella_seal_paths_overlap("/usr/libexec/cella", "/usr/libexec"));
	CHECK(cella_seal_paths_overlap("/usr", "/usr/libexec/cella"));
	CHECK(cella_seal_paths_overlap("/", "/usr/bin"));
	CHECK(cella_seal_paths_overlap("/usr/bin", "/"));
	CHECK(!cella_seal_paths_overlap("/usr/libexec/cella", "/usr/bin"));
	CHECK(!cella_seal_paths_overlap("/usr/bin", "/usr/bin2"));
	CHECK(!cella_seal_paths_overlap("/usr/bin2", "/usr/bin"));
	CHECK(!cella_seal_paths_overlap("/run/cella", "/run/cel"));
}

static void test_seal_append(void)
{
	char buf[16];
	size_t at = 0;

	CHECK(cella_seal_append(buf, sizeof(buf), &at, "/a:b\\c", 1));
	CHECK_STR(buf, "/a\\:b\\\\c");
	CHECK(cella_seal_append(buf, sizeof(buf), &at, ":", 0));
	CHECK_STR(buf, "/a\\:b\\\\c:");
	/* 9 bytes so far: 6 more and the NUL fill the 16, a 7th does not fit */
	CHECK(cella_seal_append(buf, sizeof(buf), &at, "123456", 0));
	CHECK(at == 15);
	CHECK(!cella_seal_append(buf, sizeof(buf), &at, "7", 0));
	/* an escaped separator needs two */
	at = 14;
	CHECK(!cella_seal_append(buf, sizeof(buf), &at, ":", 1));
}

int main(void)
{
	if (setup_tree() < 0) {
		perror("mkdtemp");
		return 1;
	}
	RUN(test_find_in_path);
	RUN(test_find_not_found);
	RUN(test_find_not_executable);
	RUN(test_find_directory);
	RUN(test_find_skips_unexecutable);
	RUN(test_find_with_slash);
	RUN(test_find_default_path);
	RUN(test_find_empty_entry);
	RUN(test_chdir);
	RUN(test_cloexec_from);
	RUN(test_prctl_flags);
	RUN(test_oom_score_adj);
	RUN(test_exec);
	RUN(test_seal_paths_overlap);
	RUN(test_seal_append);
	cleanup_tree();
	return unit_done();
}
