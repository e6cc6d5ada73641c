/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/keyring.h"

#include <errno.h>
#include <linux/keyctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "util/log.h"

int keyring_join_session(const char *name, cella_error *err)
{
	if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, name, 0, 0, 0) < 0) {
		if (errno == ENOSYS) {
			cella_debug("no keyrings in this kernel: session keyring not created");
			return 0;
		}
		return cella_err(err, errno, "join a new session keyring `%s`", name);
	}
	return 0;
}
