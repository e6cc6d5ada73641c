/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network: bring the loopback interface of a new net namespace up.
 *
 * Who runs this: the container's setup child, inside its new net namespace,
 * with CAP_NET_ADMIN over it. One RTM_NEWLINK request through libmnl, and its
 * acknowledgement read back so that a refusal reaches the caller with errno.
 */
#include "kernel/net.h"

#include <errno.h>
#include <net/if.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

/* MNL_SOCKET_BUFFER_SIZE is a sysconf() call (a VLA); an ack is small. */
#define NL_REPLY_SIZE	8192
#define NL_REQUEST_SIZE 256

static void mnl_socket_closep(struct mnl_socket **nl)
{
	if (*nl != NULL) {
		int saved = errno;
		mnl_socket_close(*nl);
		errno = saved;
	}
}
#define cleanup_mnl __attribute__((cleanup(mnl_socket_closep)))

/* Send one request that asks for an ack and wait for that ack. mnl_cb_run()
 * turns an NLMSG_ERROR carrying a negative error into -1 with errno set. */
static int rtnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, const char *what,
		     cella_error *err)
{
	uint32_t seq = nlh->nlmsg_seq;
	uint32_t portid = mnl_socket_get_portid(nl);
	/* Aligned for the nlmsghdr cast mnl_cb_run does. */
	uint64_t buf[NL_REPLY_SIZE / sizeof(uint64_t)];
	ssize_t n;
	int r = MNL_CB_OK; /* an EINTR before the first reply reads again */

	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return cella_err(err, errno, "%s: send the netlink request", what);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "%s: read the netlink reply", what);
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
		if (r < 0)
			return cella_err(err, errno, "%s", what);
	} while (r > 0 /* MNL_CB_OK: more to read, the ack has not come */);
	return 0;
}

int net_loopback_up(cella_error *err)
{
	cleanup_mnl struct mnl_socket *nl = NULL;
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;
	unsigned idx;

	idx = if_nametoindex("lo");
	if (idx == 0)
		return cella_err(err, errno, "bring `lo` up: find the interface");

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (nl == NULL)
		return cella_err(err, errno, "bring `lo` up: open a netlink socket");
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return cella_err(err, errno, "bring `lo` up: bind the netlink socket");

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)idx;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;

	return rtnl_talk(nl, nlh, "bring `lo` up", err);
}
