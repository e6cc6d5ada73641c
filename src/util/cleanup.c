/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "util/cleanup.h"

#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

void cella_cleanup_freep(void *p)
{
	free(*(void **)p);
}

void cella_cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

void cella_cleanup_fclosep(FILE **f)
{
	if (*f != NULL)
		fclose(*f);
}

void strv_free(char **v)
{
	if (v == NULL)
		return;
	for (char **p = v; *p != NULL; p++)
		free(*p);
	free(v);
}

void cella_cleanup_strvp(char ***v)
{
	strv_free(*v);
}

void cella_cleanup_pidp(pid_t *pid)
{
	if (*pid > 0) {
		int saved = errno;
		kill(*pid, SIGKILL);
		while (waitpid(*pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = saved;
	}
}
