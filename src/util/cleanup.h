/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Scope-bound cleanup on __attribute__((cleanup)).
 *
 *   cleanup_free char *p = ...;      free()d at scope exit
 *   cleanup_close int fd = -1;       close()d if >= 0
 *   cleanup_fclose FILE *f = NULL;   fclose()d if non-NULL
 *   cleanup_strv char **v = NULL;    NULL-terminated vector freed
 *   cleanup_pid pid_t pid = -1;      SIGKILLed and reaped if > 0
 *
 * Ownership leaves a variable explicitly: take_ptr(&p), take_fd(&fd),
 * take_pid(&pid) return the value and reset the variable.
 */
#ifndef CELLA_CLEANUP_H
#define CELLA_CLEANUP_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/types.h>

void cella_cleanup_freep(void *p);
void cella_cleanup_closep(int *fd);
void cella_cleanup_fclosep(FILE **f);
void cella_cleanup_strvp(char ***v);
void cella_cleanup_pidp(pid_t *pid);

#define cleanup_free   __attribute__((cleanup(cella_cleanup_freep)))
#define cleanup_close  __attribute__((cleanup(cella_cleanup_closep)))
#define cleanup_fclose __attribute__((cleanup(cella_cleanup_fclosep)))
#define cleanup_strv   __attribute__((cleanup(cella_cleanup_strvp)))
#define cleanup_pid    __attribute__((cleanup(cella_cleanup_pidp)))

static inline void *cella_take_ptr(void *pp)
{
	void **p = (void **)pp;
	void *v = *p;
	*p = NULL;
	return v;
}
#define take_ptr(pp) cella_take_ptr(pp)

static inline int take_fd(int *fd)
{
	int v = *fd;
	*fd = -1;
	return v;
}

static inline pid_t take_pid(pid_t *pid)
{
	pid_t v = *pid;
	*pid = -1;
	return v;
}

void strv_free(char **v);

#endif
