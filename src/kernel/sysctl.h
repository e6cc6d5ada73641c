/* SPDX-License-Identifier: GPL-2.0-or-later */
/* linux.sysctl: namespaced kernel parameters, written under /proc/sys. */
#ifndef CELLA_SYSCTL_H
#define CELLA_SYSCTL_H

#include <stddef.h>

#include "spec/spec.h"
#include "util/error.h"

/* Write each key ("net.ipv4.ip_forward" -> /proc/sys/net/ipv4/ip_forward).
 * Keys with "..", "/" or empty components are refused. */
int sysctl_apply(const struct cella_kv *kv, size_t n, cella_error *err);

/* The namespace a sysctl key belongs to (as runc validates them): net.* the
 * network namespace; kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* the
 * ipc namespace; kernel.hostname and kernel.domainname the uts namespace.
 * -1 for a key that is not namespaced (it would change the host). Pure. */
int sysctl_namespace(const char *key);

#endif
