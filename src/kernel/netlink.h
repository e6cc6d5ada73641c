/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rtnetlink, the few messages cella sends (kernel/net.c): a socket, a
 * request built in a caller's buffer, its acknowledgement or a dump read
 * back. Written here rather than taken from libmnl, which Debian ships
 * without a static archive: the runtime is linked statically (Makefile),
 * and these are a handful of lines of the kernel's own netlink(7) macros.
 */
#ifndef CELLA_NETLINK_H
#define CELLA_NETLINK_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "util/error.h"

/* Room for one request: a header, a family header, a few attributes. */
#define NL_REQUEST_SIZE 256

struct nl_sock {
	int fd;
	uint32_t portid;
	uint32_t seq; /* of the last request */
};

#define NL_SOCK_INIT                                                                               \
	{                                                                                          \
		.fd = -1                                                                           \
	}

/* A NETLINK_ROUTE socket, bound, its port id read back. -1 with errno. */
int nl_open(struct nl_sock *s);
void nl_close(struct nl_sock *s);
void nl_closep(struct nl_sock *s);
#define cleanup_nl __attribute__((cleanup(nl_closep)))

/* A request in buf (NL_REQUEST_SIZE bytes, zeroed here): the header, then
 * extra bytes of family header, returned. Its sequence number is set when
 * it is sent. */
void *nl_request(uint64_t *buf, uint16_t type, uint16_t flags, size_t extra);
/* Append one attribute; -1 (EMSGSIZE) when it does not fit. */
int nl_attr_put(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len);

/* Send a request with NLM_F_ACK and read until its ack: 0, or -1 with
 * errno (the kernel's refusal, or the socket's error). */
int nl_talk(struct nl_sock *s, struct nlmsghdr *nlh);
/* Send a NLM_F_DUMP request and call cb on every message of the answer
 * until NLMSG_DONE: 0, or -1 with errno (EINTR: the dump was interrupted
 * by a change, NLM_F_DUMP_INTR; ENOSPC: a message did not fit the read). */
int nl_dump(struct nl_sock *s, struct nlmsghdr *nlh,
	    void (*cb)(const struct nlmsghdr *nlh, void *data), void *data);

#endif
