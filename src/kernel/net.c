/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network: bring the loopback interface of a new net namespace up; move an
 * interface between namespaces (linux.netDevices).
 *
 * Who runs this: the container's setup child, inside its new net namespace,
 * with CAP_NET_ADMIN over it. One RTM_NEWLINK request through libmnl, and its
 * acknowledgement read back so that a refusal reaches the caller with errno.
 */
#include "kernel/net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "util/cleanup.h"

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

/* ---- linux.netDevices: moving an interface between namespaces ---- */

#define MAX_ADDRS 64

struct saved_addr {
	struct ifaddrmsg ifa;
	uint8_t address[16], local[16];
	uint16_t address_len, local_len;
};

struct addr_dump {
	unsigned index;
	struct saved_addr *addrs;
	size_t n;
};

static int open_rtnl(struct mnl_socket **out, const char *what, cella_error *err)
{
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

	if (nl == NULL)
		return cella_err(err, errno, "%s: open a netlink socket", what);
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;
		mnl_socket_close(nl);
		return cella_err(err, e, "%s: bind the netlink socket", what);
	}
	*out = nl;
	return 0;
}

static int addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct saved_addr *s;
	const struct nlattr *attr;

	if (ifa->ifa_index != d->index || d->n >= MAX_ADDRS)
		return MNL_CB_OK;
	/* Permanent addresses only (the spec's rule): not the kernel's
	 * autoconfigured, dynamic ones. */
	if (!(ifa->ifa_flags & IFA_F_PERMANENT))
		return MNL_CB_OK;
	s = &d->addrs[d->n];
	memset(s, 0, sizeof(*s));
	s->ifa = *ifa;
	mnl_attr_for_each(attr, nlh, sizeof(*ifa))
	{
		uint16_t len = mnl_attr_get_payload_len(attr);

		if (len > 16)
			continue;
		if (mnl_attr_get_type(attr) == IFA_ADDRESS) {
			memcpy(s->address, mnl_attr_get_payload(attr), len);
			s->address_len = len;
		} else if (mnl_attr_get_type(attr) == IFA_LOCAL) {
			memcpy(s->local, mnl_attr_get_payload(attr), len);
			s->local_len = len;
		}
	}
	/* IPv6 link-local addresses come back by themselves. */
	if (ifa->ifa_family == AF_INET6 && s->address_len == 16 && s->address[0] == 0xfe &&
	    (s->address[1] & 0xc0) == 0x80)
		return MNL_CB_OK;
	d->n++;
	return MNL_CB_OK;
}

static int dump_addrs(struct mnl_socket *nl, struct addr_dump *d, const char *what,
		      cella_error *err)
{
	uint64_t req[NL_REQUEST_SIZE / sizeof(uint64_t)];
	uint64_t buf[NL_REPLY_SIZE / sizeof(uint64_t)];
	uint32_t portid = mnl_socket_get_portid(nl), seq = (uint32_t)time(NULL);
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;
	ssize_t n;
	int r = MNL_CB_OK;

	memset(req, 0, sizeof(req));
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return cella_err(err, errno, "%s: ask for its addresses", what);
	do {
		n = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return cella_err(err, errno, "%s: read its addresses", what);
		}
		r = mnl_cb_run(buf, (size_t)n, seq, portid, addr_cb, d);
		if (r < 0)
			return cella_err(err, errno, "%s: read its addresses", what);
	} while (r > 0);
	return 0;
}

static int link_flags(const char *name, unsigned *flags)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	r = ioctl(fd, SIOCGIFFLAGS, &ifr) < 0 ? -errno : 0;
	close(fd);
	*flags = (unsigned)(uint16_t)ifr.ifr_flags;
	return r;
}

/* RTM_NEWLINK on index: into netns_fd (>= 0), renamed (name), flags. */
static int set_link(struct mnl_socket *nl, unsigned index, int netns_fd, const char *name,
		    unsigned flags, unsigned change, const char *what, cella_error *err)
{
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifm;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)index;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	if (netns_fd >= 0)
		mnl_attr_put_u32(nlh, IFLA_NET_NS_FD, (uint32_t)netns_fd);
	if (name != NULL)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	return rtnl_talk(nl, nlh, what, err);
}

static int add_addr(struct mnl_socket *nl, unsigned index, const struct saved_addr *a,
		    const char *what, cella_error *err)
{
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
	nlh->nlmsg_seq = (uint32_t)time(NULL);
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	*ifa = a->ifa;
	ifa->ifa_index = index;
	if (a->local_len > 0)
		mnl_attr_put(nlh, IFA_LOCAL, a->local_len, a->local);
	if (a->address_len > 0)
		mnl_attr_put(nlh, IFA_ADDRESS, a->address_len, a->address);
	return rtnl_talk(nl, nlh, what, err);
}

static int enter_netns(int fd, const char *what, cella_error *err)
{
	if (setns(fd, CLONE_NEWNET) < 0)
		return cella_err(err, errno, "%s: enter the network namespace", what);
	return 0;
}

int net_device_move(int from_fd, const char *name, int to_fd, const char *new_name,
		    cella_error *err)
{
	char what[96];
	cleanup_close int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	cleanup_mnl struct mnl_socket *src = NULL;
	cleanup_mnl struct mnl_socket *dst = NULL;
	struct saved_addr addrs[MAX_ADDRS];
	struct addr_dump d = {.addrs = addrs};
	unsigned flags = 0, index;
	int r;

	snprintf(what, sizeof(what), "linux.netDevices: move `%s`", name);
	if (self < 0)
		return cella_err(err, errno, "%s: open our network namespace", what);
	/* In the source namespace: its index, flags and addresses, and a
	 * netlink socket there; then a socket in the destination. Sockets
	 * stay in the namespace they were made in. */
	if (from_fd >= 0 && enter_netns(from_fd, what, err) < 0)
		return cella_err_ret(err);
	index = if_nametoindex(name);
	r = index == 0 ? cella_err(err, errno, "%s: no such interface", what) : 0;
	if (r == 0 && link_flags(name, &flags) < 0)
		r = cella_err(err, errno, "%s: read its flags", what);
	if (r == 0)
		r = open_rtnl(&src, what, err);
	d.index = index;
	if (r == 0)
		r = dump_addrs(src, &d, what, err);
	if (r == 0)
		r = enter_netns(to_fd, what, err);
	if (r == 0)
		r = open_rtnl(&dst, what, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* back into our own: cannot fail for the runtime */
	if (r < 0)
		return r;

	/* The move takes the device down. */
	r = set_link(src, index, to_fd, NULL, 0, 0, what, err);
	if (r < 0)
		return r;
	if (enter_netns(to_fd, what, err) < 0)
		return cella_err_ret(err);
	index = if_nametoindex(name);
	if (index == 0)
		r = cella_err(err, errno, "%s: find it after the move", what);
	if (r == 0 && new_name != NULL && strcmp(new_name, name) != 0) {
		snprintf(what, sizeof(what), "linux.netDevices: rename `%s` to `%s`", name,
			 new_name);
		r = set_link(dst, index, -1, new_name, 0, 0, what, err);
	}
	if (r == 0 && (flags & IFF_UP))
		r = set_link(dst, index, -1, NULL, IFF_UP, IFF_UP, what, err);
	for (size_t i = 0; r == 0 && i < d.n; i++)
		r = add_addr(dst, index, &addrs[i], what, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	return r;
}
