/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Network: bring the loopback interface of a new net namespace up; move an
 * interface between namespaces (linux.netDevices).
 *
 * Who runs this: the container's setup child, inside its new net namespace,
 * with CAP_NET_ADMIN over it. One RTM_NEWLINK request (kernel/netlink.c), and
 * its acknowledgement read back so that a refusal reaches the caller with
 * errno.
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

#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "kernel/netlink.h"
#include "util/cleanup.h"

/* The request nlh, acked, or the kernel's refusal with its errno. */
static int rtnl_talk(struct nl_sock *nl, struct nlmsghdr *nlh, const char *what, cella_error *err)
{
	if (nl_talk(nl, nlh) < 0)
		return cella_err(err, errno, "%s", what);
	return 0;
}

int net_loopback_up(cella_error *err)
{
	cleanup_nl struct nl_sock nl = NL_SOCK_INIT;
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct ifinfomsg *ifm;
	unsigned idx;

	idx = if_nametoindex("lo");
	if (idx == 0)
		return cella_err(err, errno, "bring `lo` up: find the interface");

	if (nl_open(&nl) < 0)
		return cella_err(err, errno, "bring `lo` up: open a netlink socket");

	ifm = nl_request(buf, RTM_NEWLINK, NLM_F_REQUEST, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)idx;
	ifm->ifi_flags = IFF_UP;
	ifm->ifi_change = IFF_UP;

	return rtnl_talk(&nl, (struct nlmsghdr *)buf, "bring `lo` up", err);
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

static int open_rtnl(struct nl_sock *nl, const char *what, cella_error *err)
{
	if (nl_open(nl) < 0)
		return cella_err(err, errno, "%s: open a netlink socket", what);
	return 0;
}

static void addr_cb(const struct nlmsghdr *nlh, void *data)
{
	struct addr_dump *d = data;
	const struct ifaddrmsg *ifa = NLMSG_DATA(nlh);
	struct saved_addr *s;
	const struct rtattr *attr;
	int left;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    ifa->ifa_index != d->index || d->n >= MAX_ADDRS)
		return;
	/* Permanent addresses only (the spec's rule): not the kernel's
	 * autoconfigured, dynamic ones. */
	if (!(ifa->ifa_flags & IFA_F_PERMANENT))
		return;
	s = &d->addrs[d->n];
	memset(s, 0, sizeof(*s));
	s->ifa = *ifa;
	left = (int)IFA_PAYLOAD(nlh);
	for (attr = IFA_RTA(ifa); RTA_OK(attr, left); attr = RTA_NEXT(attr, left)) {
		size_t len = RTA_PAYLOAD(attr);

		if (len > 16)
			continue;
		if (attr->rta_type == IFA_ADDRESS) {
			memcpy(s->address, RTA_DATA(attr), len);
			s->address_len = (uint16_t)len;
		} else if (attr->rta_type == IFA_LOCAL) {
			memcpy(s->local, RTA_DATA(attr), len);
			s->local_len = (uint16_t)len;
		}
	}
	/* IPv6 link-local addresses come back by themselves. */
	if (ifa->ifa_family == AF_INET6 && s->address_len == 16 && s->address[0] == 0xfe &&
	    (s->address[1] & 0xc0) == 0x80)
		return;
	d->n++;
}

static int dump_addrs(struct nl_sock *nl, struct addr_dump *d, const char *what, cella_error *err)
{
	uint64_t req[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct ifaddrmsg *ifa;

	ifa = nl_request(req, RTM_GETADDR, NLM_F_REQUEST, sizeof(*ifa));
	ifa->ifa_family = AF_UNSPEC;
	if (nl_dump(nl, (struct nlmsghdr *)req, addr_cb, d) < 0)
		return cella_err(err, errno, "%s: read its addresses", what);
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
static int set_link(struct nl_sock *nl, unsigned index, int netns_fd, const char *name,
		    unsigned flags, unsigned change, const char *what, cella_error *err)
{
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct ifinfomsg *ifm;
	uint32_t fd = (uint32_t)netns_fd;

	ifm = nl_request(buf, RTM_NEWLINK, NLM_F_REQUEST, sizeof(*ifm));
	ifm->ifi_family = AF_UNSPEC;
	ifm->ifi_index = (int)index;
	ifm->ifi_flags = flags;
	ifm->ifi_change = change;
	if ((netns_fd >= 0 && nl_attr_put(nlh, IFLA_NET_NS_FD, &fd, sizeof(fd)) < 0) ||
	    (name != NULL && nl_attr_put(nlh, IFLA_IFNAME, name, strlen(name) + 1) < 0))
		return cella_err(err, errno, "%s: build the netlink request", what);
	return rtnl_talk(nl, nlh, what, err);
}

static int add_addr(struct nl_sock *nl, unsigned index, const struct saved_addr *a,
		    const char *what, cella_error *err)
{
	uint64_t buf[NL_REQUEST_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct ifaddrmsg *ifa;

	ifa = nl_request(buf, RTM_NEWADDR, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE,
			 sizeof(*ifa));
	*ifa = a->ifa;
	ifa->ifa_index = index;
	if ((a->local_len > 0 && nl_attr_put(nlh, IFA_LOCAL, a->local, a->local_len) < 0) ||
	    (a->address_len > 0 && nl_attr_put(nlh, IFA_ADDRESS, a->address, a->address_len) < 0))
		return cella_err(err, errno, "%s: build the netlink request", what);
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
	cleanup_nl struct nl_sock src = NL_SOCK_INIT;
	cleanup_nl struct nl_sock dst = NL_SOCK_INIT;
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
		r = dump_addrs(&src, &d, what, err);
	if (r == 0)
		r = enter_netns(to_fd, what, err);
	if (r == 0)
		r = open_rtnl(&dst, what, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort(); /* back into our own: cannot fail for the runtime */
	if (r < 0)
		return r;

	/* The move takes the device down. */
	r = set_link(&src, index, to_fd, NULL, 0, 0, what, err);
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
		r = set_link(&dst, index, -1, new_name, 0, 0, what, err);
	}
	if (r == 0 && (flags & IFF_UP))
		r = set_link(&dst, index, -1, NULL, IFF_UP, IFF_UP, what, err);
	for (size_t i = 0; r == 0 && i < d.n; i++)
		r = add_addr(&dst, index, &addrs[i], what, err);
	if (setns(self, CLONE_NEWNET) < 0)
		abort();
	return r;
}
