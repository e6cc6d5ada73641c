/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Linux security modules: an AppArmor profile and SELinux labels for the
 * container's processes and mounts.
 *
 * Who runs what, where:
 *   runtime  (parent, before anything is created) lsm_check(): a profile or
 *            label the host cannot apply (its kernel has no such LSM
 *            enabled) is an error naming the field; an empty one is none;
 *   setup    (the container's init, in its new mount namespace, before
 *            pivot_root) lsm_mount_data() adds context="LABEL" to the data
 *            of the filesystems it mounts, lsm_set_file_label() labels an
 *            mqueue mount's root (its mount takes no context=), as runc;
 *   process  (the container's init, and exec's process, in the container,
 *            as its final user, just before execve) lsm_apply_exec(): the
 *            profile and the label the kernel switches to at the next
 *            execve, written to the calling thread's
 *            /proc/thread-self/attr/{apparmor/,}exec through the verified
 *            procfs handle (kernel/procfs.h): a fake /proc in the rootfs
 *            must not swallow the write and leave the process unconfined.
 *
 * Detection:
 *   AppArmor: /sys/module/apparmor/parameters/enabled is "Y" and the
 *             process attribute /proc/self/attr/apparmor/exec (kernels >=
 *             5.1) or the legacy /proc/self/attr/exec exists;
 *   SELinux:  /sys/fs/selinux/enforce exists, or selinuxfs is a registered
 *             filesystem (/proc/filesystems), which it is only when SELinux
 *             is enabled at boot.
 */
#ifndef CELLA_LSM_H
#define CELLA_LSM_H

#include <stdbool.h>

#include "util/error.h"

/* What one process asks for; NULL or "" is nothing. */
struct cella_lsm_conf {
	const char *apparmor_profile; /* process.apparmorProfile */
	const char *selinux_label;    /* process.selinuxLabel */
	const char *mount_label;      /* linux.mountLabel */
};

bool lsm_apparmor_enabled(void);
bool lsm_selinux_enabled(void);

/* Refuse what cannot be applied here: a non-empty profile or label the
 * host's kernel has no LSM for, or one that cannot be written as one
 * attribute (a newline, a quote in a mount label, too long). Errors name
 * the OCI field. */
int lsm_check(const struct cella_lsm_conf *conf, cella_error *err);

/* Set the AppArmor profile and the SELinux process label the calling
 * thread takes at its next execve. Nothing is done (and /proc is not
 * needed) when neither is asked for. */
int lsm_apply_exec(const struct cella_lsm_conf *conf, cella_error *err);

/* Mount data with the SELinux mount label added as context="LABEL" (after
 * `data`, which may be NULL); a copy of data when label is NULL or "" or
 * data already has a context= option. malloc'd, NULL when both are empty.
 * Pure. */
char *lsm_mount_data(const char *data, const char *label);

/* Label `path` (security.selinux) with `label`; nothing when NULL or "". */
int lsm_set_file_label(const char *path, const char *label, cella_error *err);

#endif
