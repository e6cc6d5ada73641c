/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The sync protocol's fd passing (kernel/sync.c) over a real socketpair. */
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/sync.h"
#include "unit.h"

static int sv[2];

/* An fd is open (and close-on-exec, as every fd the sync receives). */
static int open_cloexec(int fd)
{
	int f = fcntl(fd, F_GETFD);

	return f >= 0 && (f & FD_CLOEXEC);
}

/* The inode of fd, to tell a passed fd from the one sent. */
static ino_t ino(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? st.st_ino : 0;
}

static void test_many_fds_in_one_message(void)
{
	int p[3][2], got[4] = {-1, -1, -1, -1}, send[3];
	size_t n = 99;
	cella_error err;

	for (int i = 0; i < 3; i++) {
		CHECK(pipe(p[i]) == 0);
		send[i] = p[i][0];
	}
	CHECK(sync_send_fds(sv[0], SYNC_CGROUP_ENTRY, send, 3, &err) == 0);
	CHECK(sync_wait_fds(sv[1], SYNC_CGROUP_ENTRY, got, 4, &n, &err) == 0);
	CHECK(n == 3);
	for (int i = 0; i < 3; i++) {
		CHECK(got[i] >= 0 && got[i] != send[i]);
		CHECK(open_cloexec(got[i]));
		CHECK(ino(got[i]) == ino(send[i]));
		close(got[i]);
		close(p[i][0]);
		close(p[i][1]);
	}
	CHECK(got[3] == -1);
}

static void test_no_fd(void)
{
	int got[2] = {-1, -1};
	size_t n = 99;
	cella_error err;

	CHECK(sync_send_fds(sv[0], SYNC_CGROUP_ENTRY, NULL, 0, &err) == 0);
	CHECK(sync_wait_fds(sv[1], SYNC_CGROUP_ENTRY, got, 2, &n, &err) == 0);
	CHECK(n == 0);
	CHECK(got[0] == -1);
}

/* More fds than the receiver has room for: refused, and none left open. */
static void test_too_many_fds(void)
{
	int p[2], send[3], got[2] = {-1, -1};
	int probe, next;
	size_t n = 0;
	cella_error err;

	CHECK(pipe(p) == 0);
	send[0] = send[1] = send[2] = p[0];
	probe = dup(p[0]);
	close(probe); /* the lowest free fd */
	CHECK(sync_send_fds(sv[0], SYNC_CGROUP_ENTRY, send, 3, &err) == 0);
	CHECK(sync_wait_fds(sv[1], SYNC_CGROUP_ENTRY, got, 2, &n, &err) < 0);
	CHECK(err.errnum == EPROTO);
	next = dup(p[0]);
	CHECK(next == probe);
	close(next);
	close(p[0]);
	close(p[1]);
}

/* The single-fd calls still work with one fd, and with none (-1). */
static void test_single_fd(void)
{
	int p[2], got = -2;
	cella_error err;

	CHECK(pipe(p) == 0);
	CHECK(sync_send_fd(sv[0], SYNC_PTY_MASTER, p[1], &err) == 0);
	CHECK(sync_wait(sv[1], SYNC_PTY_MASTER, NULL, &got, &err) == 0);
	CHECK(got >= 0 && ino(got) == ino(p[1]));
	close(got);
	got = -2;
	CHECK(sync_send(sv[0], SYNC_CREATED, 0, &err) == 0);
	CHECK(sync_wait(sv[1], SYNC_CREATED, NULL, &got, &err) == 0);
	CHECK(got == -1);
	close(p[0]);
	close(p[1]);
}

/* Over SYNC_MAX_FDS: refused by the sender, nothing sent. */
static void test_send_limit(void)
{
	int fds[SYNC_MAX_FDS + 1];
	cella_error err;

	for (size_t i = 0; i < SYNC_MAX_FDS + 1; i++)
		fds[i] = 0;
	CHECK(sync_send_fds(sv[0], SYNC_CGROUP_ENTRY, fds, SYNC_MAX_FDS + 1, &err) < 0);
	CHECK(err.errnum == E2BIG);
	CHECK(sync_pending_bytes(sv[1]) == 0);
}

int main(void)
{
	if (sync_socketpair(sv, NULL) < 0) {
		perror("socketpair");
		return 1;
	}
	RUN(test_many_fds_in_one_message);
	RUN(test_no_fd);
	RUN(test_too_many_fds);
	RUN(test_single_fd);
	RUN(test_send_limit);
	return unit_done();
}
