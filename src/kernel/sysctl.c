/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/sysctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include "util/cleanup.h"
#include "util/util.h"

int sysctl_apply(const struct cella_kv *kv, size_t n, cella_error *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *key = kv[i].key;
		cleanup_free char *path = NULL;

		if (key[0] == '\0' || key[0] == '.' || strstr(key, "..") != NULL ||
		    strchr(key, '/') != NULL || key[strlen(key) - 1] == '.')
			return cella_err_invalid(err, "linux.sysctl: invalid key `%s`", key);
		path = xasprintf("/proc/sys/%s", key);
		for (char *p = path + strlen("/proc/sys/"); *p; p++)
			if (*p == '.')
				*p = '/';
		if (write_file_at(AT_FDCWD, path, kv[i].value, strlen(kv[i].value), err) < 0)
			return cella_err_context(err, "linux.sysctl `%s`", key);
	}
	return 0;
}
