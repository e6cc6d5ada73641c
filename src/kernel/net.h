/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network: the container's net namespace. */
#ifndef CELLA_NET_H
#define CELLA_NET_H

#include "util/error.h"

/* Bring "lo" up in the calling process's net namespace (rtnetlink,
 * kernel/netlink.h: RTM_NEWLINK with IFF_UP, acked). */
int net_loopback_up(cella_error *err);

/* linux.netDevices. Who runs this: the runtime, root on the host. Move the
 * interface `name` of the network namespace from_fd (-1: ours) into to_fd,
 * renamed new_name there (NULL: same name), and keep what the move loses:
 * up when it was up, its permanent addresses (IPv6 link-local ones come
 * back by themselves), as the runtime spec asks. The caller stays in its
 * own namespace. */
int net_device_move(int from_fd, const char *name, int to_fd, const char *new_name,
		    cella_error *err);

#endif
