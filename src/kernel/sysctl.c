/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/sysctl.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <string.h>

#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/util.h"

int sysctl_apply(const struct cella_kv *kv, size_t n, cella_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *key = kv[i].key;
		cleanup_free char *path = NULL;
		cleanup_close int fd = -1;

		if (key[0] == '\0' || key[0] == '.' || strstr(key, "..") != NULL ||
		    strchr(key, '/') != NULL || key[strlen(key) - 1] == '.')
			return cella_err_invalid(err, "linux.sysctl: invalid key `%s`", key);
		path = xasprintf("sys/%s", key);
		for (char *p = path + strlen("sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		/* Through a verified procfs handle: a fake /proc must not
		 * take the write elsewhere. */
		fd = procfs_open_verified(path, O_WRONLY, err);
		if (fd < 0)
			return cella_err_context(err, "linux.sysctl `%s`", key);
		if (write_all(fd, kv[i].value, strlen(kv[i].value)) < 0)
			return cella_err(err, errno, "linux.sysctl `%s`: write `/proc/%s`", key,
					 path);
	}
	return 0;
}

int sysctl_namespace(const char *key)
{
	static const struct {
		const char *prefix;
		bool exact;
		enum cella_ns_type ns;
	} table[] = {
	    {"net.", false, CELLA_NS_NET},	     {"fs.mqueue.", false, CELLA_NS_IPC},
	    {"kernel.msgmax", true, CELLA_NS_IPC},   {"kernel.msgmnb", true, CELLA_NS_IPC},
	    {"kernel.msgmni", true, CELLA_NS_IPC},   {"kernel.sem", true, CELLA_NS_IPC},
	    {"kernel.shmall", true, CELLA_NS_IPC},   {"kernel.shmmax", true, CELLA_NS_IPC},
	    {"kernel.shmmni", true, CELLA_NS_IPC},   {"kernel.shm_rmid_forced", true, CELLA_NS_IPC},
	    {"kernel.hostname", true, CELLA_NS_UTS}, {"kernel.domainname", true, CELLA_NS_UTS},
	};

	for (size_t i = 0; i < ARRAY_SIZE(table); i++) {
		if (table[i].exact ? strcmp(key, table[i].prefix) == 0
				   : str_has_prefix(key, table[i].prefix))
			return (int)table[i].ns;
	}
	return -1;
}
