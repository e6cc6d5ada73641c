/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Running one OCI hook (see hook.h): fork, exec with the state on stdin,
 * wait with a deadline (a pidfd polled with the output pipe; a 10 ms tick
 * when the kernel has no pidfd_open), kill the process group on timeout.
 */
#include "kernel/hook.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kernel/process.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif

/* How much of the hook's output is kept, and how much of it is quoted. */
#define OUT_KEEP  4096
#define OUT_QUOTE 320

/* The end of what the hook wrote. */
struct hook_output {
	char buf[OUT_KEEP];
	size_t len;
};

static void output_add(struct hook_output *o, const char *p, size_t n)
{
	if (n >= sizeof(o->buf)) {
		p += n - sizeof(o->buf);
		n = sizeof(o->buf);
	}
	if (o->len + n > sizeof(o->buf)) {
		size_t drop = o->len + n - sizeof(o->buf);
		memmove(o->buf, o->buf + drop, o->len - drop);
		o->len -= drop;
	}
	memcpy(o->buf + o->len, p, n);
	o->len += n;
}

/* The last OUT_QUOTE bytes on one line, control characters as spaces,
 * trimmed. */
static void output_quote(const struct hook_output *o, char *out, size_t size)
{
	size_t start = o->len > OUT_QUOTE ? o->len - OUT_QUOTE : 0;
	size_t n = 0;

	for (size_t i = start; i < o->len && n + 1 < size; i++) {
		unsigned char ch = (unsigned char)o->buf[i];
		out[n++] = ch < 0x20 || ch == 0x7f ? ' ' : (char)ch;
	}
	while (n > 0 && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	for (start = 0; out[start] == ' '; start++)
		;
	memmove(out, out + start, n - start + 1);
}

/* Read what is there; false at end of file. */
static bool output_read(int fd, struct hook_output *o)
{
	char tmp[1024];

	for (;;) {
		ssize_t n = read(fd, tmp, sizeof(tmp));

		if (n > 0) {
			output_add(o, tmp, (size_t)n);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		return n < 0 && errno == EAGAIN;
	}
}

/* fd moved to 3 or above (so that dup2 onto 0..2 in the child never finds it
 * already there), close-on-exec. */
static int high_fd(int fd, cella_error *err)
{
	int n;

	if (fd > STDERR_FILENO)
		return fd;
	n = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	close(fd);
	if (n < 0)
		return cella_err(err, errno, "duplicate a pipe fd");
	return n;
}

/* A pipe holding the state, its write end closed: the hook's stdin. */
static int state_pipe(const char *state, int *rd, cella_error *err)
{
	cleanup_close int r = -1;
	cleanup_close int w = -1;
	size_t len = strlen(state), off = 0;
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "create a pipe for the state");
	w = fds[1];
	r = high_fd(fds[0], err);
	if (r < 0)
		return cella_err_ret(err);
	if (len >= 65536 && fcntl(w, F_SETPIPE_SZ, (int)(len + 1)) < 0)
		return cella_err(err, errno, "the state (%zu bytes) does not fit in a pipe", len);
	if (fcntl(w, F_SETFL, O_NONBLOCK) < 0)
		return cella_err(err, errno, "set the state pipe non-blocking");
	while (off < len) {
		ssize_t n = write(w, state + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return cella_err(err, errno, "write the state for the hook");
		off += (size_t)n;
	}
	*rd = take_fd(&r);
	return 0;
}

/* In the child: never returns. Failures before execve go to the output
 * pipe, which the parent quotes. */
_Noreturn static void hook_child(const struct cella_hook *h, int in, int out, const char *cwd)
{
	extern char **environ;
	char *own_argv[] = {h->path, NULL};
	char *const *argv = h->args != NULL && h->args[0] != NULL ? h->args : own_argv;
	char *const *env = h->env != NULL ? h->env : environ;

	/* Its own process group, so that a timeout kills what it started. */
	setpgid(0, 0);
	process_default_signals();
	if (dup2(in, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(127);
	process_close_from(3);
	if (cwd != NULL && chdir(cwd) < 0) {
		dprintf(STDERR_FILENO, "chdir `%s`: %s\n", cwd, strerror(errno));
		_exit(127);
	}
	execve(h->path, argv, env);
	dprintf(STDERR_FILENO, "cannot execute: %s\n", strerror(errno));
	_exit(127);
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int wait_child(pid_t pid, int *status, cella_error *err)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for hook pid %d", (int)pid);
	return 0;
}

/* Wait for the hook, reading its output, until it exits or the deadline
 * (when has_timeout) passes. *timed_out: it was killed for it. */
static int wait_hook(pid_t pid, const struct cella_hook *h, int *out, struct hook_output *o,
		     int *status, bool *timed_out, cella_error *err)
{
	cleanup_close int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	long long deadline = h->has_timeout ? now_ms() + (long long)h->timeout * 1000 : 0;

	*timed_out = false;
	for (;;) {
		struct pollfd p[2];
		nfds_t n = 0;
		int wait_ms = -1;
		pid_t r = waitpid(pid, status, WNOHANG);

		if (r == pid)
			return 0;
		if (r < 0 && errno != EINTR)
			return cella_err(err, errno, "wait for hook pid %d", (int)pid);
		if (h->has_timeout) {
			long long left = deadline - now_ms();

			if (left <= 0) {
				kill(-pid, SIGKILL);
				kill(pid, SIGKILL);
				*timed_out = true;
				return wait_child(pid, status, err);
			}
			wait_ms = left > 60000 ? 60000 : (int)left;
		}
		if (pidfd < 0 && (wait_ms < 0 || wait_ms > 10))
			wait_ms = 10;
		if (*out >= 0)
			p[n++] = (struct pollfd){.fd = *out, .events = POLLIN};
		if (pidfd >= 0)
			p[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		if (poll(p, n, wait_ms) < 0 && errno != EINTR)
			return cella_err(err, errno, "wait for hook pid %d", (int)pid);
		if (*out >= 0 && p[0].revents != 0 && !output_read(*out, o)) {
			close(*out);
			*out = -1;
		}
	}
}

int hook_run(const struct cella_hook *h, const char *name, const char *state, const char *cwd,
	     cella_error *err)
{
	cleanup_close int in = -1;
	cleanup_close int out = -1;
	cleanup_close int out_w = -1;
	struct hook_output o = {.len = 0};
	char quote[OUT_QUOTE + 16];
	char suffix[OUT_QUOTE + 32] = "";
	bool timed_out = false;
	int fds[2], status = 0;
	pid_t pid;

	if (state_pipe(state, &in, err) < 0)
		return cella_err_context(err, "%s `%s`", name, h->path);
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "%s `%s`: create a pipe for its output", name,
				 h->path);
	out = fds[0];
	out_w = high_fd(fds[1], err);
	if (out_w < 0)
		return cella_err_context(err, "%s `%s`", name, h->path);
	if (fcntl(out, F_SETFL, O_NONBLOCK) < 0)
		return cella_err(err, errno, "%s `%s`: set its output non-blocking", name, h->path);

	/* Who runs it: whoever calls, in its namespaces and with its
	 * credentials (the runtime on the host, or the container's init). */
	pid = fork();
	if (pid < 0)
		return cella_err(err, errno, "%s `%s`: fork", name, h->path);
	if (pid == 0)
		hook_child(h, in, out_w, cwd);
	close(take_fd(&in));
	close(take_fd(&out_w));

	if (wait_hook(pid, h, &out, &o, &status, &timed_out, err) < 0) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return cella_err_context(err, "%s `%s`", name, h->path);
	}
	/* What it wrote before it went; children it left behind may keep the
	 * pipe open, so only what is there now. */
	if (out >= 0)
		output_read(out, &o);
	output_quote(&o, quote, sizeof(quote));
	if (quote[0] != '\0')
		snprintf(suffix, sizeof(suffix), " (output: %s)", quote);

	if (timed_out)
		return cella_err(err, 0, "%s `%s`: timed out after %d s (killed)%s", name, h->path,
				 h->timeout, suffix);
	if (WIFSIGNALED(status))
		return cella_err(err, 0, "%s `%s`: killed by signal %d%s", name, h->path,
				 WTERMSIG(status), suffix);
	if (WEXITSTATUS(status) != 0)
		return cella_err(err, 0, "%s `%s`: exited with status %d%s", name, h->path,
				 WEXITSTATUS(status), suffix);
	if (quote[0] != '\0')
		cella_debug("%s `%s`: %s", name, h->path, quote);
	return 0;
}

int hook_run_all(const struct cella_hooks *hooks, enum cella_hook_kind k, const char *state,
		 const char *cwd, cella_error *err)
{
	for (size_t i = 0; i < hooks->count[k]; i++) {
		char name[64];

		snprintf(name, sizeof(name), "hooks.%s[%zu]", cella_hook_kind_name(k), i);
		if (hook_run(&hooks->list[k][i], name, state, cwd, err) < 0)
			return cella_err_ret(err);
	}
	return 0;
}

void hook_run_all_warn(const struct cella_hooks *hooks, enum cella_hook_kind k, const char *state,
		       const char *cwd)
{
	for (size_t i = 0; i < hooks->count[k]; i++) {
		char name[64];
		char buf[CELLA_ERROR_MSG_MAX + 128];
		cella_error e;

		snprintf(name, sizeof(name), "hooks.%s[%zu]", cella_hook_kind_name(k), i);
		if (hook_run(&hooks->list[k][i], name, state, cwd, &e) < 0)
			cella_warn("%s", cella_error_format(&e, buf, sizeof(buf)));
	}
}
