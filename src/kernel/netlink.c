/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel/netlink.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* One read: an ack is small; a dump comes in several reads of at most a
 * page or so each (the kernel's default for a socket without MSG_PEEK). */
#define NL_REPLY_SIZE 8192

int nl_open(struct nl_sock *s)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	socklen_t len = sizeof(sa);

	s->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s->fd < 0)
		return -1;
	if (bind(s->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(s->fd, (struct sockaddr *)&sa, &len) < 0) {
		nl_close(s);
		return -1;
	}
	s->portid = sa.nl_pid;
	s->seq = (uint32_t)time(NULL);
	return 0;
}

void nl_close(struct nl_sock *s)
{
	if (s->fd >= 0) {
		int saved = errno;

		close(s->fd);
		errno = saved;
	}
	s->fd = -1;
}

void nl_closep(struct nl_sock *s)
{
	nl_close(s);
}

void *nl_request(uint64_t *buf, uint16_t type, uint16_t flags, size_t extra)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	memset(buf, 0, NL_REQUEST_SIZE);
	nlh->nlmsg_len = (uint32_t)NLMSG_LENGTH(extra);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	return NLMSG_DATA(nlh);
}

int nl_attr_put(struct nlmsghdr *nlh, uint16_t type, const void *data, size_t len)
{
	size_t at = NLMSG_ALIGN(nlh->nlmsg_len);
	struct nlattr *a = (struct nlattr *)((char *)nlh + at);

	if (at + NLA_ALIGN(NLA_HDRLEN + len) > NL_REQUEST_SIZE) {
		errno = EMSGSIZE;
		return -1;
	}
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy((char *)a + NLA_HDRLEN, data, len);
	nlh->nlmsg_len = (uint32_t)(at + NLA_ALIGN(a->nla_len));
	return 0;
}

static int send_request(struct nl_sock *s, struct nlmsghdr *nlh)
{
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};

	/* Its own number: no answer to an earlier request is taken for it. */
	nlh->nlmsg_seq = ++s->seq;

	if (sendto(s->fd, nlh, nlh->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return -1;
	return 0;
}

/* One message of the answers to seq: 1 when it ends them (the ack,
 * NLMSG_DONE), 0 to go on, -1 with errno. */
static int one_answer(struct nl_sock *s, uint32_t seq, const struct nlmsghdr *h,
		      void (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	if (h->nlmsg_seq != seq || (h->nlmsg_pid != 0 && h->nlmsg_pid != s->portid))
		return 0;
	if (h->nlmsg_flags & NLM_F_DUMP_INTR) {
		errno = EINTR;
		return -1;
	}
	if (h->nlmsg_type == NLMSG_DONE) {
		int e = 0;

		if (h->nlmsg_len >= NLMSG_LENGTH(sizeof(e)))
			memcpy(&e, NLMSG_DATA(h), sizeof(e));
		if (e < 0) {
			errno = -e;
			return -1;
		}
		return 1;
	}
	if (h->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(h);

		if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
			errno = EBADMSG;
			return -1;
		}
		if (e->error == 0)
			return 1;
		errno = -e->error;
		return -1;
	}
	if (cb != NULL)
		cb(h, data);
	return 0;
}

/* Read the answers to seq: 1 when done (the ack, NLMSG_DONE), 0 to read
 * on, -1 with errno. */
static int read_answers(struct nl_sock *s, uint32_t seq,
			void (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	/* Aligned for the nlmsghdr casts. */
	uint64_t buf[NL_REPLY_SIZE / sizeof(uint64_t)];
	struct sockaddr_nl from;
	struct iovec iov = {.iov_base = buf, .iov_len = sizeof(buf)};
	struct msghdr mh = {
	    .msg_name = &from, .msg_namelen = sizeof(from), .msg_iov = &iov, .msg_iovlen = 1};
	const char *at = (const char *)buf;
	size_t left;
	ssize_t n;

	n = recvmsg(s->fd, &mh, 0);
	if (n < 0)
		return errno == EINTR ? 0 : -1;
	if (mh.msg_flags & MSG_TRUNC) {
		errno = ENOSPC;
		return -1;
	}
	if (from.nl_pid != 0) /* only the kernel answers */
		return 0;
	/* NLMSG_OK and NLMSG_NEXT, without their int length. */
	for (left = (size_t)n; left >= sizeof(struct nlmsghdr);) {
		const struct nlmsghdr *h = (const struct nlmsghdr *)at;
		size_t step = NLMSG_ALIGN(h->nlmsg_len);
		int r;

		if (h->nlmsg_len < sizeof(*h) || h->nlmsg_len > left)
			break;
		r = one_answer(s, seq, h, cb, data);
		if (r != 0)
			return r;
		if (step >= left)
			break;
		at += step;
		left -= step;
	}
	return 0;
}

static int exchange(struct nl_sock *s, struct nlmsghdr *nlh,
		    void (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	int r;

	if (send_request(s, nlh) < 0)
		return -1;
	while ((r = read_answers(s, nlh->nlmsg_seq, cb, data)) == 0)
		;
	return r < 0 ? -1 : 0;
}

int nl_talk(struct nl_sock *s, struct nlmsghdr *nlh)
{
	nlh->nlmsg_flags |= NLM_F_ACK;
	return exchange(s, nlh, NULL, NULL);
}

int nl_dump(struct nl_sock *s, struct nlmsghdr *nlh,
	    void (*cb)(const struct nlmsghdr *nlh, void *data), void *data)
{
	nlh->nlmsg_flags |= NLM_F_DUMP;
	return exchange(s, nlh, cb, data);
}
