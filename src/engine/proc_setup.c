/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one process-setup pipeline of the container's init (engine/init.c)
 * and of `exec` (engine/exec.c): from a process that is still privileged
 * in the container's namespaces and root to the execve of process.args.
 * docs/design.md lists the steps with their reasons; in short:
 *
 *   1. working directory  chdir to process.cwd (the init made it if it was
 *                         missing, before the root turned read-only), and
 *                         check it is inside the root;
 *      terminal           the pty (process.terminal) owned by the user;
 *   2. environment        HOME from the container's /etc/passwd (or "/")
 *                         when process.env has none, as runc;
 *   3. executable         args[0] looked up relative to that cwd and PATH;
 *   4. close-on-exec      every fd past stdio and the preserved ones;
 *      signals            every ignored signal back to its default;
 *   5. seccomp (early)    only without no_new_privs and without
 *                         CAP_SYS_ADMIN in the final set (loading a filter
 *                         then needs the capability we are about to lose);
 *   6. credentials        groups, gid, uid (capabilities kept across);
 *   7. capabilities       the five sets asked for;
 *   8. no_new_privs;
 *   9. seccomp (late)     engine_proc_load_seccomp, as close to execve as
 *                         the caller can (the init: before #6 with a
 *                         listener, else after the start byte);
 *  10. execve.
 *
 * Steps 1-4 run before any filter is loaded: after an early load the
 * runtime's own syscalls run under the container's profile, which may
 * refuse anything that is not needed for 6-10 (getcwd, close_range, openat
 * of /proc/self/fd, stat of the executable...).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "engine/internal.h"
#include "kernel/caps.h"
#include "kernel/cred.h"
#include "kernel/path.h"
#include "kernel/process.h"
#include "kernel/seccomp.h"
#include "kernel/sync.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

int engine_proc_make_cwd(const char *cwd, cella_error *err)
{
	cleanup_close int root = -1;
	cleanup_close int fd = -1;

	if (cwd == NULL || cwd[0] != '/')
		return cella_err_invalid(err, "process.cwd `%s`: not an absolute path",
					 cwd ? cwd : "");
	root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		return cella_err(err, errno, "open the container root to create process.cwd");
	/* Inside the root whatever its symlinks say (as runc's securejoin),
	 * 0755 as runc and crun make it. */
	fd = path_mkpath_in_root(root, cwd, false, err);
	if (fd < 0)
		return cella_err_context(err, "create process.cwd `%s`", cwd);
	return 0;
}

/* The home directory of uid in the container's /etc/passwd, malloc'd; "/"
 * when the file or the user is missing (runc's default). */
static char *passwd_home(uid_t uid)
{
	cleanup_free char *text = NULL;
	char *home;

	if (read_file_at(AT_FDCWD, "/etc/passwd", &text, NULL) < 0)
		return xstrdup("/");
	home = passwd_field(text, (unsigned)uid, 5);
	return home != NULL ? home : xstrdup("/");
}

/* The process's terminal (the pty slave on stdio, process.terminal) is
 * given to its user, as runc does: the uid only, the gid stays what devpts
 * gave it (tty, 5, with the usual gid=5 option). Without it a non-root
 * process could not reopen /dev/tty or change its own terminal's modes.
 * EINVAL, EPERM, EROFS (an id not mapped, a read-only /dev) leave it, as
 * runc does. */
static int own_terminal(uid_t uid, cella_error *err)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		struct stat st;

		if (fstat(fd, &st) < 0 || !S_ISCHR(st.st_mode) || !isatty(fd) || st.st_uid == uid)
			continue;
		if (fchown(fd, uid, (gid_t)-1) < 0 && errno != EINVAL && errno != EPERM &&
		    errno != EROFS)
			return cella_err(err, errno,
					 "give the terminal (fd %d) to process.user.uid %u", fd,
					 (unsigned)uid);
	}
	return 0;
}

static bool env_has(char *const *env, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (strncmp(env[i], name, len) == 0 && env[i][len] == '=')
			return true;
	return false;
}

void engine_proc_init(struct engine_proc *ep, const struct cella_process *p,
		      const struct cella_seccomp_prog *seccomp, int sync_fd)
{
	memset(ep, 0, sizeof(*ep));
	ep->p = p;
	ep->seccomp = seccomp;
	ep->sync_fd = sync_fd;
	ep->setgroups_allowed = true;
}

int engine_proc_load_seccomp(struct engine_proc *ep, cella_error *err)
{
	cleanup_close int listener = -1;

	if (ep->seccomp_loaded)
		return 0;
	if (cella_seccomp_load_listener(ep->seccomp, &listener, err) < 0)
		return cella_err_ret(err);
	ep->seccomp_loaded = true;
	/* #5a: the listener, for the seccomp agent at listenerPath; we close
	 * our copy: no process of the container may answer its own
	 * notifications. */
	if (listener >= 0 && sync_send_fd(ep->sync_fd, SYNC_SECCOMP_LISTENER, listener, err) < 0)
		return cella_err_ret(err);
	return 0;
}

int engine_proc_drop(struct engine_proc *ep, cella_error *err)
{
	const struct cella_process *p = ep->p;

	/* 1. The working directory, while still privileged (a directory only
	 * root may enter is entered, as runc does), before any filter: the
	 * check that it is inside the root needs getcwd. */
	if (process_chdir(p->cwd, err) < 0)
		return cella_err_ret(err);
	/* The terminal, to the process's user. */
	if (p->terminal && own_terminal(p->user.uid, err) < 0)
		return cella_err_ret(err);
	/* 2. HOME, when the config leaves it unset (runc). */
	ep->env = strv_dup(p->env);
	if (!env_has(p->env, "HOME")) {
		cleanup_free char *home = passwd_home(p->user.uid);
		cleanup_free char *kv = xasprintf("HOME=%s", home);

		strv_append(&ep->env, kv);
	}
	/* 3. The executable, relative to the cwd for `./run.sh` and for an
	 * empty PATH entry. */
	if (process_find_executable(p->args[0], ep->env, &ep->exe, err) < 0)
		return cella_err_ret(err);
	/* The last capability the kernel knows is read from /proc once,
	 * here, not under the filter; the umask (process.user.umask) too. */
	(void)caps_last_cap();
	cred_apply_umask(&p->user);
	/* 4. Nothing of the runtime crosses execve. Every fd opened after
	 * this is O_CLOEXEC. Nor do the signals its caller ignored (a
	 * systemd service's SIGPIPE): execve keeps SIG_IGN, and the process
	 * starts with every signal at its default, as under runc and crun. */
	if (process_cloexec_from(3 + ep->preserve_fds, err) < 0)
		return cella_err_ret(err);
	process_ignored_signals_default();
	/* 5. Without no_new_privs, loading a filter takes CAP_SYS_ADMIN: when
	 * the process will not keep it, load it now, while we still have it
	 * (runc does); it then governs steps 6-10 too. */
	if (cella_seccomp_load_early(p->no_new_privileges, p->caps.effective) &&
	    engine_proc_load_seccomp(ep, err) < 0)
		return cella_err_ret(err);
	/* 6, 7. Keep capabilities across the uid switch, then set exactly
	 * the five sets the spec asks for. */
	if (caps_keep_on_setuid(1, err) < 0)
		return cella_err_ret(err);
	if (cred_apply_user(&p->user, ep->setgroups_allowed, err) < 0)
		return cella_err_ret(err);
	if (caps_apply(&p->caps, err) < 0)
		return cella_err_ret(err);
	/* 8. */
	if (p->no_new_privileges && process_set_no_new_privs(err) < 0)
		return cella_err_ret(err);
	return 0;
}

int engine_proc_exec(struct engine_proc *ep, const sigset_t *mask, cella_error *err)
{
	if (mask != NULL)
		sigprocmask(SIG_SETMASK, mask, NULL);
	/* 9. Seccomp last: from here only execve runs under the filter. */
	if (engine_proc_load_seccomp(ep, err) < 0)
		return cella_err_ret(err);
	/* 10. */
	return process_exec(ep->exe, ep->p->args, ep->env, err);
}
