/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Network: the container's net namespace. */
#ifndef CELLA_NET_H
#define CELLA_NET_H

#include "util/error.h"

/* Bring "lo" up in the calling process's net namespace (rtnetlink through
 * libmnl: RTM_NEWLINK with IFF_UP, acked). */
int net_loopback_up(cella_error *err);

#endif
