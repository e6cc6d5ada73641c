/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Namespaces: the table of the eight types, joining by path, creating. */
#ifndef CELLA_NS_H
#define CELLA_NS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "util/error.h"

/* The spec's name of a type ("network") is cella_ns_type_name(type). */
struct cella_ns_info {
	enum cella_ns_type type;
	const char *proc_name; /* "net", the name under /proc/PID/ns/ */
	int clone_flag;	       /* CLONE_NEWNET */
	const char *isolates;  /* one line for `cella map` */
};

extern const struct cella_ns_info cella_ns_table[CELLA_NS_COUNT];

/* Open every namespace path to join (parent side, before any fork), checking
 * that each really is a namespace of the right type. fds[t] = -1 when not
 * joined. */
int ns_open_paths(const struct cella_ns_conf ns[CELLA_NS_COUNT], int fds[CELLA_NS_COUNT],
		  cella_error *err);
void ns_close_fds(int fds[CELLA_NS_COUNT]);

/* Is the namespace open as nsfd owned by the user namespace open as
 * userns_fd (NS_GET_USERNS)? */
bool ns_owned_by(int nsfd, int userns_fd);

/* Whether path (NULL: false) is the calling process's own namespace of
 * type t (same device and inode as /proc/self/ns/NAME). */
bool ns_path_is_own(const char *path, enum cella_ns_type t);

/* The namespaces of process pid that are not the caller's own, opened
 * (fds[t] = -1 for one it shares with the caller), and which of them pid's
 * user namespace owns (after_user[t]): those can only be joined from
 * inside it, the others only from outside. On failure every fd is closed. */
int ns_open_process(pid_t pid, int fds[CELLA_NS_COUNT], bool after_user[CELLA_NS_COUNT],
		    cella_error *err);
/* setns() into every fds[t] >= 0, in the order that works: the ones the
 * user namespace does not own, the user namespace, then the ones it owns.
 * The fds are closed after. */
int ns_join_all(int fds[CELLA_NS_COUNT], const bool after_user[CELLA_NS_COUNT], cella_error *err);

/* setns() into fds[t] (child side). */
int ns_join(int fd, enum cella_ns_type t, cella_error *err);

/* unshare() the given CLONE_NEW* flags. */
int ns_unshare(int flags, cella_error *err);

/* After unshare(CLONE_NEWTIME), before the first process enters it. */
int ns_set_time_offsets(const struct cella_time_offset *monotonic,
			const struct cella_time_offset *boottime, cella_error *err);

/* sethostname/setdomainname (NULL = leave). */
int ns_set_uts(const char *hostname, const char *domainname, cella_error *err);

/* Inode of /proc/PID/ns/NAME (pid 0 = self); 0 on failure. */
uint64_t ns_inode(int pid, enum cella_ns_type t);

#endif
