/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cgroup module on the running kernel (hybrid host, or the v2 VM:
 * ../shared/tools/run-in-v2-vm.sh). As root only: prints a line and exits 0
 * otherwise. Works under a parent cgroup of its own, /cella-test-PID, in
 * every hierarchy, and checks that nothing is left of it at the end.
 *
 *   create with memory and pids limits, move a forked child in, read the
 *   limits back, pids limit makes fork fail with EAGAIN, memory limit
 *   OOM-kills an allocation over it, freeze stops a counter and thaw
 *   resumes it, kill empties the cgroup, destroy removes it everywhere; a
 *   limit the kernel refuses fails with the resource named and leaves
 *   nothing behind; a child forked with CLONE_INTO_CGROUP is in the cgroup
 *   from its first instruction.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit.h"

#include "kernel/cgroup.h"
#include "kernel/cgroup_internal.h"
#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/util.h"

#define MIB	     (1024 * 1024)
#define PIDS_LIMIT   8
#define FORK_TRIES   12
#define MEMORY_LIMIT (32 * MIB)

static char parent_path[64];
static struct cella_cgroup_host host;

struct shared {
	volatile unsigned long counter;
	volatile int forked, eagain, ready;
};

static void print_err(const char *what, const cella_error *err)
{
	char buf[CELLA_ERROR_MSG_MAX + 128];

	fprintf(stderr, "%s: %s\n", what, cella_error_format(err, buf, sizeof(buf)));
}

/* Is anything of ours left in any hierarchy? */
static bool leftovers(void)
{
	bool any = false;
	struct stat st;

	for (size_t i = 0; i <= host.n_v1; i++) {
		const char *m = i < host.n_v1 ? host.v1[i].mount : host.unified;
		cleanup_free char *p = NULL;

		if (m == NULL)
			continue;
		p = xasprintf("%s%s", m, parent_path);
		if (stat(p, &st) == 0) {
			fprintf(stderr, "left behind: %s\n", p);
			any = true;
		}
	}
	return any;
}

/* Last resort after a failed check: remove what the test made. */
static void force_cleanup(void)
{
	for (size_t i = 0; i <= host.n_v1; i++) {
		const char *m = i < host.n_v1 ? host.v1[i].mount : host.unified;
		cleanup_free char *leaf = NULL;
		cleanup_free char *top = NULL;

		if (m == NULL)
			continue;
		leaf = xasprintf("%s%s/c", m, parent_path);
		top = xasprintf("%s%s", m, parent_path);
		rmdir(leaf);
		rmdir(top);
	}
}

/* The child: wait for the parent to place it, fork up to FORK_TRIES sleepers
 * (the pids limit stops some), then count forever. */
_Noreturn static void child_main(struct shared *sh, int go_fd)
{
	char b;

	if (read(go_fd, &b, 1) != 1)
		_exit(2);
	for (int i = 0; i < FORK_TRIES; i++) {
		pid_t p = fork();

		if (p == 0) {
			for (;;)
				pause();
		}
		if (p > 0)
			sh->forked++;
		else if (errno == EAGAIN)
			sh->eagain++;
	}
	sh->ready = 1;
	for (;;)
		sh->counter++;
}

/* Does /proc/PID/cgroup put pid in path (in some hierarchy)? */
static bool in_cgroup(pid_t pid, const char *path)
{
	cleanup_free char *p = xasprintf("/proc/%d/cgroup", (int)pid);
	cleanup_free char *text = NULL;
	cleanup_free char *needle = xasprintf(":%s\n", path);

	if (read_file_at(AT_FDCWD, p, &text, NULL) < 0)
		return false;
	return strstr(text, needle) != NULL;
}

static void test_lifecycle(void)
{
	cleanup_free char *path = xasprintf("%s/c", parent_path);
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	struct cella_resources r = {0};
	struct cella_cgroup_stats st;
	struct shared *sh;
	cella_error err;
	unsigned long c1, c2, c3;
	bool frozen = false;
	pid_t child, hog;
	int go[2], status;
	cleanup_free pid_t *pids = NULL;
	size_t n = 0;

	r.has_memory_limit = true;
	r.memory_limit = MEMORY_LIMIT;
	r.has_memory_swap = true; /* no swap beyond the limit: the hog is OOM-killed */
	r.memory_swap = MEMORY_LIMIT;
	r.has_pids_limit = true;
	r.pids_limit = PIDS_LIMIT;
	r.has_cpu_shares = true;
	r.cpu_shares = 512;

	if (cella_cgroup_create(path, &r, &cg, &err) < 0) {
		print_err("create", &err);
		CHECK(!"create");
		return;
	}
	CHECK_STR(cella_cgroup_path(cg), path);

	/* A second create at the same path: EEXIST, and the first untouched;
	 * create_join joins it (as runc), says so, and its destroy leaves the
	 * first untouched. */
	{
		struct cella_cgroup *again = NULL;
		char **joined = NULL;

		CHECK(cella_cgroup_create(path, &r, &again, &err) == -EEXIST);
		CHECK_CONTAINS(err.msg, "create cgroup");
		CHECK(cella_cgroup_create_join(path, &r, &again, &err) == 0);
		if (again != NULL) {
			joined = cella_cgroup_joined(again);
			CHECK(joined != NULL && joined[0] != NULL);
			CHECK(cella_cgroup_destroy(again, &err) == 0);
			cella_cgroup_free(again);
			strv_free(joined);
		}
		CHECK(cella_cgroup_apply(cg, &r, &err) == 0);
	}

	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	CHECK(sh != MAP_FAILED);
	if (sh == MAP_FAILED || pipe2(go, O_CLOEXEC) < 0)
		return;
	memset((void *)sh, 0, sizeof(*sh));
	child = fork();
	if (child == 0) {
		close(go[1]);
		child_main(sh, go[0]);
	}
	close(go[0]);
	if (cella_cgroup_enter(cg, child, &err) < 0) {
		print_err("enter", &err);
		CHECK(!"enter");
	}
	CHECK(in_cgroup(child, path));
	CHECK(write(go[1], "x", 1) == 1);
	close(go[1]);
	for (int i = 0; i < 500 && !sh->ready; i++)
		usleep(10000);
	CHECK(sh->ready);

	/* pids: the child and PIDS_LIMIT - 1 sleepers, the rest refused. */
	printf("  pids: forked %d, EAGAIN %d (limit %d)\n", sh->forked, sh->eagain, PIDS_LIMIT);
	CHECK(sh->forked == PIDS_LIMIT - 1);
	CHECK(sh->eagain == FORK_TRIES - (PIDS_LIMIT - 1));

	if (cella_cgroup_stats(cg, &st, &err) < 0) {
		print_err("stats", &err);
		CHECK(!"stats");
	} else {
		printf("  stats: memory %" PRIu64 "/%" PRIu64 ", pids %" PRIu64 "/%" PRIu64
		       ", cpu %" PRIu64 " ns\n",
		       st.memory_usage, st.memory_limit, st.pids_current, st.pids_limit,
		       st.cpu_usage_ns);
		CHECK(st.memory_limit == MEMORY_LIMIT);
		CHECK(st.pids_limit == PIDS_LIMIT);
		CHECK(st.pids_current == PIDS_LIMIT);
		CHECK(st.memory_usage > 0);
		cella_cgroup_stats_clear(&st);
	}

	/* memory: an allocation over the limit is OOM-killed. */
	hog = fork();
	if (hog == 0) {
		/* Wait to be moved in (the parent kills us if it cannot). */
		while (!in_cgroup(getpid(), path))
			usleep(1000);
		for (size_t sz = 0; sz < 4 * MEMORY_LIMIT; sz += MIB) {
			char *m = malloc(MIB);
			if (m == NULL)
				_exit(3);
			memset(m, 1, MIB);
		}
		_exit(0);
	}
	/* The cgroup is full (pids): make room by killing one sleeper. */
	if (cella_cgroup_pids(cg, &pids, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			if (pids[i] != child) {
				kill(pids[i], SIGKILL);
				break;
			}
	}
	for (int i = 0; i < 100; i++) {
		if (cella_cgroup_enter(cg, hog, &err) == 0)
			break;
		usleep(10000);
	}
	CHECK(in_cgroup(hog, path));
	waitpid(hog, &status, 0);
	printf("  memory hog: %s %d\n", WIFSIGNALED(status) ? "killed by signal" : "exited",
	       WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (cella_cgroup_stats(cg, &st, &err) == 0) {
		printf("  oom kills: %" PRIu64 "\n", st.oom_kills);
		CHECK(st.oom_kills >= 1);
		cella_cgroup_stats_clear(&st);
	}

	/* freeze stops the counter, thaw resumes it */
	if (cella_cgroup_freeze(cg, true, &err) < 0) {
		print_err("freeze", &err);
		CHECK(!"freeze");
	}
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && frozen);
	c1 = sh->counter;
	usleep(200000);
	c2 = sh->counter;
	CHECK(c1 == c2);
	/* a signal (not SIGKILL) to every process leaves it frozen */
	CHECK(cella_cgroup_kill(cg, SIGCONT, &err) == 0);
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && frozen);
	if (cella_cgroup_freeze(cg, false, &err) < 0) {
		print_err("thaw", &err);
		CHECK(!"thaw");
	}
	usleep(200000);
	c3 = sh->counter;
	printf("  counter: frozen %lu -> %lu, thawed -> %lu\n", c1, c2, c3);
	CHECK(c3 > c2);
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && !frozen);

	/* kill empties the cgroup (the child and its sleepers), frozen too */
	CHECK(cella_cgroup_freeze(cg, true, &err) == 0);
	if (cella_cgroup_kill(cg, SIGKILL, &err) < 0) {
		print_err("kill", &err);
		CHECK(!"kill");
	}
	waitpid(child, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	free(pids);
	pids = NULL;
	CHECK(cella_cgroup_pids(cg, &pids, &n, &err) == 0 && n == 0);

	if (cella_cgroup_destroy(cg, &err) < 0) {
		print_err("destroy", &err);
		CHECK(!"destroy");
	}
	munmap((void *)sh, sizeof(*sh));
	CHECK(!leftovers());
}

/* A limit the kernel refuses: the error names it, nothing is left. */
static void test_refused(void)
{
	cleanup_free char *path = xasprintf("%s/c", parent_path);
	struct cella_cgroup *cg = NULL;
	struct cella_resources r = {0};
	cella_error err;

	r.has_pids_limit = true;
	r.pids_limit = 4;
	r.cpu_cpus = xstrdup("4096");
	CHECK(cella_cgroup_create(path, &r, &cg, &err) < 0);
	CHECK(cg == NULL);
	print_err("  refused as expected", &err);
	CHECK_CONTAINS(err.msg, "linux.resources.cpu.cpus 4096: write cpuset.cpus");
	CHECK(!leftovers());
	cella_resources_clear(&r);

	/* A path with .. never reaches the file system. */
	{
		char *out = NULL;
		CHECK(cella_cgroup_resolve_path("../x", "id", "/", &out, &err) == -EINVAL);
	}
}

/* Hybrid host: the v2 driver on the unified mount, which has no
 * controllers: procs, freeze, kill and destroy work; a limit is refused with
 * the controller named, and nothing is left. */
static void test_v2_on_hybrid_unified(void)
{
	cleanup_free char *path = xasprintf("%s/c", parent_path);
	cleanup_cgroup struct cella_cgroup *cg = xcalloc(1, sizeof(*cg));
	struct cella_resources none = {0}, pids = {0};
	cella_error err;
	pid_t child;
	int status;
	bool frozen = false;

	cg->drv = &cella_cgroup_driver_v2;
	cg->host.layout = CELLA_CGROUP_UNIFIED;
	cg->host.unified = xstrdup(host.unified);
	cg->path = xstrdup(path);
	for (size_t i = 0; i < ARRAY_SIZE(cg->kept); i++)
		cg->kept[i] = CG_KEPT_NONE;

	pids.has_pids_limit = true;
	pids.pids_limit = 4;
	CHECK(cg->drv->create(cg, &pids, &err) == -ENOTSUP);
	print_err("  v2 on unified, refused as expected", &err);
	CHECK_CONTAINS(err.msg, "linux.resources.pids: the pids controller is not available in");
	CHECK(!leftovers());

	if (cg->drv->create(cg, &none, &err) < 0) {
		print_err("v2 create", &err);
		CHECK(!"v2 create");
		return;
	}
	child = fork();
	if (child == 0) {
		for (;;)
			pause();
	}
	CHECK(cella_cgroup_enter(cg, child, &err) == 0);
	CHECK(in_cgroup(child, path));
	CHECK(cella_cgroup_freeze(cg, true, &err) == 0);
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && frozen);
	CHECK(cella_cgroup_kill(cg, SIGCONT, &err) == 0);
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && frozen);
	CHECK(cella_cgroup_freeze(cg, false, &err) == 0);
	CHECK(cella_cgroup_frozen(cg, &frozen, &err) == 0 && !frozen);
	/* SIGKILL reaches a frozen cgroup */
	CHECK(cella_cgroup_freeze(cg, true, &err) == 0);
	if (cella_cgroup_kill(cg, SIGKILL, &err) < 0) {
		print_err("v2 kill", &err);
		CHECK(!"v2 kill");
		kill(child, SIGKILL);
	}
	waitpid(child, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	if (cella_cgroup_destroy(cg, &err) < 0) {
		print_err("v2 destroy", &err);
		CHECK(!"v2 destroy");
	}
	CHECK(!leftovers());
}

/* clone3 CLONE_INTO_CGROUP: the child is in the cgroup from its first
 * instruction, before anyone writes cgroup.procs (it reads its own
 * /proc/self/cgroup first thing and reports over a pipe). */
static void test_fork_into_cgroup(void)
{
	cleanup_free char *path = xasprintf("%s/born", parent_path);
	cleanup_cgroup struct cella_cgroup *cg = NULL;
	cleanup_close int fd = -1;
	cella_error err;
	char buf[4096];
	int p[2], status;
	bool placed = false;
	ssize_t n;
	pid_t child;

	if (cella_cgroup_create(path, NULL, &cg, &err) < 0) {
		print_err("create", &err);
		CHECK(!"create");
		return;
	}
	fd = cella_cgroup_unified_fd(cg, &err);
	CHECK(fd >= 0);
	CHECK(pipe2(p, O_CLOEXEC) == 0);
	child = process_fork_into_cgroup(fd, &placed, &err);
	if (child == 0) {
		int in = open("/proc/self/cgroup", O_RDONLY | O_CLOEXEC);
		ssize_t r = in >= 0 ? read(in, buf, sizeof(buf)) : -1;

		if (r > 0 && write(p[1], buf, (size_t)r) != r)
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	n = read_all(p[0], buf, sizeof(buf) - 1);
	close(p[0]);
	CHECK(child > 0 && waitpid(child, &status, 0) == child && WIFEXITED(status));
	buf[n > 0 ? n : 0] = '\0';
	printf("  clone3 CLONE_INTO_CGROUP: %s\n", placed ? "placed at birth" : "not available");
	CHECK(placed);
	{
		cleanup_free char *needle = xasprintf("0::%s\n", path);
		CHECK_CONTAINS(buf, needle);
	}
	CHECK(cella_cgroup_destroy(cg, &err) == 0);
	CHECK(!leftovers());
}

/* The mount table read once is served again only in the same mount
 * namespace and root: a child in a new mount namespace with a mount of its
 * own gets that namespace's table; chrooted into the mount, where there is
 * no /proc, it reads again (and fails) instead of getting the old one. */
static void test_mountinfo_cache(void)
{
	char dir[] = "/tmp/cella-test-mi-XXXXXX";
	cleanup_free char *first = NULL;
	cella_error err;
	int status;
	pid_t child;

	CHECK(cella_cgroup_mountinfo(&first, &err) == 0);
	CHECK(mkdtemp(dir) != NULL);
	child = fork();
	if (child == 0) {
		char *text = NULL;
		int code = 0;

		if (unshare(CLONE_NEWNS) < 0 ||
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", dir, "tmpfs", 0, "size=64k") < 0)
			_exit(10);
		if (cella_cgroup_mountinfo(&text, &err) < 0 || strstr(text, dir) == NULL)
			code |= 1; /* the new namespace's table, with its mount */
		free(text);
		text = NULL;
		/* Chrooted: the mount points are seen from the new root. */
		if (chroot(dir) < 0 || chdir("/") < 0)
			_exit(11);
		/* No /proc in there: read anew, it fails; served from the
		 * cache, it would name the mount as seen before the chroot. */
		if (cella_cgroup_mountinfo(&text, &err) == 0 || err.errnum != ENOENT)
			code |= 2;
		free(text);
		_exit(code);
	}
	CHECK(child > 0 && waitpid(child, &status, 0) == child);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		printf("  mountinfo cache: child status %#x\n", status);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	{
		cleanup_free char *again = NULL;

		CHECK(cella_cgroup_mountinfo(&again, &err) == 0);
		CHECK(strstr(again, dir) == NULL);
	}
	CHECK(rmdir(dir) == 0);
}

int main(void)
{
	cella_error err;

	if (geteuid() != 0) {
		printf("test_cgroup_live: skipped (needs root)\n");
		return 0;
	}
	if (cella_cgroup_detect(&host, &err) < 0) {
		print_err("detect", &err);
		return 1;
	}
	if (host.layout == CELLA_CGROUP_NONE) {
		printf("test_cgroup_live: skipped (no cgroup file system)\n");
		return 0;
	}
	printf("test_cgroup_live: layout %s (%zu v1 hierarchies, unified %s)\n",
	       cella_cgroup_layout_name(host.layout), host.n_v1,
	       host.unified ? host.unified : "none");
	snprintf(parent_path, sizeof(parent_path), "/cella-test-%d", (int)getpid());
	RUN(test_lifecycle);
	RUN(test_refused);
	RUN(test_fork_into_cgroup);
	RUN(test_mountinfo_cache);
	if (host.layout == CELLA_CGROUP_HYBRID)
		RUN(test_v2_on_hybrid_unified);
	if (leftovers())
		force_cleanup();
	cella_cgroup_host_clear(&host);
	return unit_done();
}
