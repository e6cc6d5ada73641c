/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability probes: the table (capability -> one harmless operation that
 * needs it) and the operations themselves.
 *
 * Each operation acts only on throwaway objects made for it in a case
 * directory of the prober's private scratch tmpfs, on a throwaway process
 * of another uid, on the calling process itself, or asks the kernel for
 * something it refuses before any effect (wrong magic numbers, an invalid
 * fd, a link that does not exist: the capability is checked first, and the
 * table says which errno then means "allowed"). Where no such operation
 * exists, the row says "not probed" and why.
 *
 * The prober's side (scratch, children, credentials) is in capprobe_run.c.
 */
#include "inspect/capprobe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <linux/rtnetlink.h>
#include <linux/sched.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "inspect/capprobe_internal.h"
#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/util.h"

#define BIT(c) (UINT64_C(1) << (c))

/* The result of a call that returns -1 with errno on failure. */
static int outcome_of(long r)
{
	return r < 0 ? errno : 0;
}

/* ---- the operations (run by a probe child, with the sets under test) ---- */

static int op_chown(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(fchownat(c->dir, "f", e->other_uid, (gid_t)-1, AT_SYMLINK_NOFOLLOW));
}

static int open_outcome(int dir, int flags)
{
	int fd = openat(dir, "f", flags | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_write_0000(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return open_outcome(c->dir, O_WRONLY);
}

static int op_read_0400(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return open_outcome(c->dir, O_RDONLY);
}

static int op_chmod_other(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(fchmodat(c->dir, "f", 0640, 0));
}

/* The kernel does not refuse: it clears the setgid bit. */
static int op_setgid_bit(const struct capprobe_env *e, const struct capprobe_case *c)
{
	struct stat st;

	if (fchmodat(c->dir, "f", 02750, 0) < 0)
		return errno;
	if (fstatat(c->dir, "f", &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno;
	return (st.st_mode & S_ISGID) ? 0 : CAPPROBE_SILENT;
}

static int op_kill(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(kill(e->other_pid, 0));
}

static int op_setgid(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(setresgid(e->other_gid, e->other_gid, e->other_gid));
}

static int op_setuid(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(setresuid(e->other_uid, e->other_uid, e->other_uid));
}

static int op_bset_drop(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(prctl(PR_CAPBSET_DROP, CAP_SETPCAP, 0, 0, 0));
}

static int op_append_flag(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int fd = openat(c->dir, "f", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int flags = 0, with;

	if (fd < 0)
		return errno;
	if (ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0)
		return errno;
	with = flags | FS_APPEND_FL;
	if (ioctl(fd, FS_IOC_SETFLAGS, &with) < 0)
		return errno;
	/* Allowed: take it off again. */
	(void)ioctl(fd, FS_IOC_SETFLAGS, &flags);
	return 0;
}

static int op_bind_80(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};

	if (fd < 0)
		return errno;
	sa.sin_addr.s_addr = htonl(INADDR_ANY);
	return outcome_of(bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
}

/* One netlink request with NLM_F_ACK: the ACK's error (0 when the kernel
 * replied without one). */
static int netlink_request(int protocol, uint16_t type, const void *payload, size_t len)
{
	cleanup_close int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol);
	struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
	struct timeval tv = {.tv_sec = 2};
	union {
		struct nlmsghdr h;
		char buf[NLMSG_SPACE(64)];
	} req;
	char reply[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	bool replied = false;

	if (fd < 0)
		return errno;
	if (len > 64)
		return EINVAL;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = NLMSG_LENGTH(len);
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	req.h.nlmsg_seq = 1;
	if (len > 0)
		memcpy(NLMSG_DATA(&req.h), payload, len);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0)
		return errno;
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0)
		return errno;
	for (;;) {
		ssize_t n = recv(fd, reply, sizeof(reply), 0);
		int left;

		if (n < 0)
			return errno == EAGAIN ? (replied ? 0 : ETIMEDOUT) : errno;
		left = (int)n;
		for (struct nlmsghdr *h = (struct nlmsghdr *)reply; NLMSG_OK(h, (unsigned)left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				return e->error < 0 ? -e->error : 0;
			}
			replied = true;
		}
	}
}

static int op_dellink_none(const struct capprobe_env *e, const struct capprobe_case *c)
{
	struct ifinfomsg ifi = {.ifi_family = AF_UNSPEC, .ifi_index = 0};

	return netlink_request(NETLINK_ROUTE, RTM_DELLINK, &ifi, sizeof(ifi));
}

static int op_raw_socket(const struct capprobe_env *e, const struct capprobe_case *c)
{
	int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

static int op_mlock(const struct capprobe_env *e, const struct capprobe_case *c)
{
	long page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	void *p;
	int r;

	if (getrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return errno;
	rl.rlim_cur = 0;
	if (setrlimit(RLIMIT_MEMLOCK, &rl) < 0)
		return errno;
	p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return errno;
	r = outcome_of(mlock(p, (size_t)page));
	munmap(p, (size_t)page);
	return r;
}

static int op_msg_stat(const struct capprobe_env *e, const struct capprobe_case *c)
{
	struct msqid_ds ds;

	return outcome_of(msgctl(c->obj, IPC_STAT, &ds));
}

static int op_finit_module(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(syscall(SYS_finit_module, -1, "", 0));
}

static int op_fibmap(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int fd = openat(c->dir, "f", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int block = 0;

	if (fd < 0)
		return errno;
	return outcome_of(ioctl(fd, FIBMAP, &block));
}

static int op_chroot(const struct capprobe_env *e, const struct capprobe_case *c)
{
	if (fchdir(c->dir) < 0)
		return errno;
	return outcome_of(chroot("."));
}

static int op_ptrace(const struct capprobe_env *e, const struct capprobe_case *c)
{
	/* Seized without stopping it; detached when this child exits. */
	return outcome_of(ptrace(PTRACE_SEIZE, e->other_pid, NULL, NULL));
}

static int op_acct(const struct capprobe_env *e, const struct capprobe_case *c)
{
	if (fchdir(c->dir) < 0)
		return errno;
	return outcome_of(acct("absent"));
}

static int op_mount(const struct capprobe_env *e, const struct capprobe_case *c)
{
	if (fchdir(c->dir) < 0)
		return errno;
	if (mount("cella-probe", "mnt", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
		  "size=4k,mode=0700") < 0)
		return errno;
	(void)umount2("mnt", MNT_DETACH);
	return 0;
}

static int op_reboot_bad_magic(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(syscall(SYS_reboot, 0, 0, 0, NULL));
}

static int op_renice_other(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(setpriority(PRIO_PROCESS, (id_t)e->other_pid, 19));
}

static int op_raise_nofile(const struct capprobe_env *e, const struct capprobe_case *c)
{
	struct rlimit rl;
	rlim_t low;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return errno;
	/* Lower both limits (always allowed), then raise the hard one. */
	low = rl.rlim_cur < 64 ? rl.rlim_cur : 64;
	rl.rlim_cur = rl.rlim_max = low;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		return errno;
	rl.rlim_max = low + 1;
	return outcome_of(setrlimit(RLIMIT_NOFILE, &rl));
}

static int op_settimeofday_null(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(syscall(SYS_settimeofday, NULL, NULL));
}

static int op_vhangup(const struct capprobe_env *e, const struct capprobe_case *c)
{
	/* A new session has no controlling terminal to hang up. */
	if (setsid() < 0)
		return errno;
	return outcome_of(vhangup());
}

static int op_mknod(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return outcome_of(mknodat(c->dir, "null", S_IFCHR | 0600, makedev(1, 3)));
}

static int op_lease(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int fd = openat(c->dir, "f", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return errno;
	if (fcntl(fd, F_SETLEASE, F_RDLCK) < 0)
		return errno;
	(void)fcntl(fd, F_SETLEASE, F_UNLCK);
	return 0;
}

static int op_audit_user_empty(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return netlink_request(NETLINK_AUDIT, AUDIT_USER, NULL, 0);
}

static int op_audit_get(const struct capprobe_env *e, const struct capprobe_case *c)
{
	return netlink_request(NETLINK_AUDIT, AUDIT_GET, NULL, 0);
}

static int op_setfcap(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int fd = openat(c->dir, "f", O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct vfs_cap_data v2;

	if (fd < 0)
		return errno;
	/* Revision 2, no capability at all. */
	memset(&v2, 0, sizeof(v2));
	v2.magic_etc = htole32(VFS_CAP_REVISION_2);
	return outcome_of(fsetxattr(fd, "security.capability", &v2, XATTR_CAPS_SZ_2, 0));
}

static int op_syslog_unread(const struct capprobe_env *e, const struct capprobe_case *c)
{
	/* SYSLOG_ACTION_SIZE_UNREAD: a count, nothing is read. */
	return outcome_of(syscall(SYS_syslog, 9, NULL, 0));
}

static int op_alarm_timer(const struct capprobe_env *e, const struct capprobe_case *c)
{
	int fd = timerfd_create(CLOCK_BOOTTIME_ALARM, TFD_CLOEXEC);

	if (fd < 0)
		return errno;
	close(fd);
	return 0;
}

/* The kernel does not refuse EPOLLWAKEUP: it drops it. Read the
 * registration back from /proc/self/fdinfo (the container's procfs, checked
 * to be one). */
static int op_epollwakeup(const struct capprobe_env *e, const struct capprobe_case *c)
{
	cleanup_close int ep = epoll_create1(EPOLL_CLOEXEC);
	cleanup_close int ev = eventfd(0, EFD_CLOEXEC);
	cleanup_close int info = -1;
	struct epoll_event want = {.events = EPOLLIN | EPOLLWAKEUP};
	char path[64], text[1024];
	const char *p;
	ssize_t n;

	if (ep < 0 || ev < 0)
		return errno;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, ev, &want) < 0)
		return errno;
	snprintf(path, sizeof(path), "self/fdinfo/%d", ep);
	info = procfs_open_verified(path, O_RDONLY, NULL);
	if (info < 0)
		return CAPPROBE_UNKNOWN;
	n = read_all(info, text, sizeof(text) - 1);
	if (n <= 0)
		return CAPPROBE_UNKNOWN;
	text[n] = '\0';
	p = strstr(text, "events:");
	if (p == NULL)
		return CAPPROBE_UNKNOWN;
	return (strtoul(p + strlen("events:"), NULL, 16) & EPOLLWAKEUP) ? 0 : CAPPROBE_SILENT;
}

static int op_perf_cpu(const struct capprobe_env *e, const struct capprobe_case *c)
{
	struct perf_event_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.type = PERF_TYPE_SOFTWARE;
	a.config = PERF_COUNT_SW_DUMMY;
	a.disabled = 1;
	a.exclude_kernel = 1;
	a.exclude_hv = 1;
	fd = syscall(SYS_perf_event_open, &a, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int op_bpf_map(const struct capprobe_env *e, const struct capprobe_case *c)
{
	union bpf_attr a;
	long fd;

	memset(&a, 0, sizeof(a));
	a.map_type = BPF_MAP_TYPE_ARRAY;
	a.key_size = 4;
	a.value_size = 4;
	a.max_entries = 1;
	a.map_flags = 0;
	fd = syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof(a));
	if (fd < 0)
		return errno;
	close((int)fd);
	return 0;
}

static int op_clone_pid1(const struct capprobe_env *e, const struct capprobe_case *c)
{
	pid_t want = 1;
	struct clone_args a;
	long pid;

	memset(&a, 0, sizeof(a));
	a.exit_signal = SIGCHLD;
	a.set_tid = (uint64_t)(uintptr_t)&want;
	a.set_tid_size = 1;
	pid = syscall(SYS_clone3, &a, sizeof(a));
	if (pid < 0)
		return errno;
	if (pid == 0)
		_exit(0); /* never: pid 1 is the container's init */
	waitpid((pid_t)pid, NULL, 0);
	return 0;
}

/* ---- preparing a case (the prober, with every capability) ---- */

/* dir/f, owned by uid:gid, with mode. */
static int make_file(int dir, uid_t uid, gid_t gid, mode_t mode, cella_error *err)
{
	cleanup_close int fd = openat(dir, "f", O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);

	if (fd < 0)
		return cella_err(err, errno, "create a scratch file");
	if (fchown(fd, uid, gid) < 0)
		return cella_err(err, errno, "chown a scratch file to %u:%u", (unsigned)uid,
				 (unsigned)gid);
	if (fchmod(fd, mode) < 0)
		return cella_err(err, errno, "chmod a scratch file to %04o", (unsigned)mode);
	return 0;
}

static int prep_own_file(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	return make_file(c->dir, e->uid, e->gid, 0600, err);
}

static int prep_other_0000(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	return make_file(c->dir, e->other_uid, e->other_gid, 0000, err);
}

static int prep_other_0400(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	return make_file(c->dir, e->other_uid, e->other_gid, 0400, err);
}

static int prep_other_0600(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	return make_file(c->dir, e->other_uid, e->other_gid, 0600, err);
}

static int prep_other_0644(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	return make_file(c->dir, e->other_uid, e->other_gid, 0644, err);
}

static int prep_own_file_other_group(const struct capprobe_env *e, struct capprobe_case *c,
				     cella_error *err)
{
	return make_file(c->dir, e->uid, e->other_gid, 0750, err);
}

static int prep_mount_point(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	if (mkdirat(c->dir, "mnt", 0700) < 0)
		return cella_err(err, errno, "create a scratch directory");
	if (fchownat(c->dir, "mnt", e->uid, e->gid, AT_SYMLINK_NOFOLLOW) < 0)
		return cella_err(err, errno, "chown a scratch directory");
	return 0;
}

/* A message queue of the prober's private IPC namespace, mode 0000. */
static int prep_msg_queue(const struct capprobe_env *e, struct capprobe_case *c, cella_error *err)
{
	struct msqid_ds ds;
	int id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);

	if (id < 0)
		return cella_err(err, errno, "create a message queue");
	if (msgctl(id, IPC_STAT, &ds) < 0)
		return cella_err(err, errno, "read a message queue's permissions");
	ds.msg_perm.mode = 0;
	if (msgctl(id, IPC_SET, &ds) < 0)
		return cella_err(err, errno, "set a message queue's mode to 0000");
	c->obj = id;
	return 0;
}

/* ---- the table ---- */

#define NONE CAPPROBE_NONE
#define ID   CAPPROBE_NEEDS_OTHER_ID
#define PROC (CAPPROBE_NEEDS_OTHER_ID | CAPPROBE_NEEDS_OTHER_PROC)
#define NET  CAPPROBE_NEEDS_OWN_NETNS
#define HOST CAPPROBE_HOST_CHECKED

/* An operation: the row, how to prepare its case, how to run it. */
#define PROBE(c, op, exp, alt, refused, silent_text, also_mask, needs_mask, prep, fn)              \
	[c] = {.info = {.cap = (c),                                                                \
			.operation = (op),                                                         \
			.expect = (exp),                                                           \
			.expect_alt = (alt),                                                       \
			.refused_alt = (refused),                                                  \
			.silent = (silent_text),                                                   \
			.also = (also_mask),                                                       \
			.needs = (needs_mask)},                                                    \
	       .prepare = (prep),                                                                  \
	       .run = (fn)}
/* No harmless operation: the reason. */
#define NOT_PROBED(c, why) [c] = {.info = {.cap = (c), .not_probed = (why)}}

static const struct capprobe_op table[] = {
    PROBE(CAP_CHOWN, "chown a file it owns to another uid", 0, NONE, NONE, NULL, 0, ID,
	  prep_own_file, op_chown),
    PROBE(CAP_DAC_OVERRIDE, "open for writing a mode 0000 file of another uid", 0, NONE, NONE, NULL,
	  0, ID, prep_other_0000, op_write_0000),
    PROBE(CAP_DAC_READ_SEARCH, "open for reading a mode 0400 file of another uid", 0, NONE, NONE,
	  NULL, BIT(CAP_DAC_OVERRIDE), ID, prep_other_0400, op_read_0400),
    PROBE(CAP_FOWNER, "chmod a file of another uid", 0, NONE, NONE, NULL, 0, ID, prep_other_0600,
	  op_chmod_other),
    PROBE(CAP_FSETID, "chmod g+s its file of a group it is not in", 0, NONE, NONE,
	  "setgid bit cleared", 0, ID, prep_own_file_other_group, op_setgid_bit),
    PROBE(CAP_KILL, "signal 0 to a throwaway process of another uid", 0, NONE, NONE, NULL, 0, PROC,
	  NULL, op_kill),
    PROBE(CAP_SETGID, "setresgid to another gid", 0, NONE, NONE, NULL, 0, ID, NULL, op_setgid),
    PROBE(CAP_SETUID, "setresuid to another uid", 0, NONE, NONE, NULL, 0, ID, NULL, op_setuid),
    PROBE(CAP_SETPCAP, "drop CAP_SETPCAP from its own bounding set", 0, NONE, NONE, NULL, 0, 0,
	  NULL, op_bset_drop),
    PROBE(CAP_LINUX_IMMUTABLE, "set the append-only flag on its file (FS_IOC_SETFLAGS)", 0, NONE,
	  NONE, NULL, 0, HOST, prep_own_file, op_append_flag),
    PROBE(CAP_NET_BIND_SERVICE, "bind TCP port 80 in the container's network namespace", 0, NONE,
	  NONE, NULL, 0, NET, NULL, op_bind_80),
    NOT_PROBED(CAP_NET_BROADCAST, "the kernel checks it nowhere (unused)"),
    PROBE(CAP_NET_ADMIN, "RTM_DELLINK naming no link (EINVAL once allowed)", EINVAL, NONE, NONE,
	  NULL, 0, NET, NULL, op_dellink_none),
    PROBE(CAP_NET_RAW, "open a raw ICMP socket", 0, NONE, NONE, NULL, 0, 0, NULL, op_raw_socket),
    PROBE(CAP_IPC_LOCK, "mlock a page under RLIMIT_MEMLOCK 0", 0, NONE, NONE, NULL, 0, HOST, NULL,
	  op_mlock),
    PROBE(CAP_IPC_OWNER, "IPC_STAT a mode 0000 message queue (private IPC namespace)", 0, NONE,
	  NONE, NULL, 0, 0, prep_msg_queue, op_msg_stat),
    PROBE(CAP_SYS_MODULE, "finit_module on fd -1 (EBADF once allowed)", EBADF, NONE, NONE, NULL, 0,
	  HOST, NULL, op_finit_module),
    PROBE(CAP_SYS_RAWIO, "FIBMAP on a tmpfs file (EINVAL once allowed)", EINVAL, 0, NONE, NULL, 0,
	  HOST, prep_own_file, op_fibmap),
    PROBE(CAP_SYS_CHROOT, "chroot into a scratch directory", 0, NONE, NONE, NULL, 0, 0, NULL,
	  op_chroot),
    PROBE(CAP_SYS_PTRACE, "PTRACE_SEIZE a throwaway process of another uid", 0, NONE, NONE, NULL, 0,
	  PROC, NULL, op_ptrace),
    PROBE(CAP_SYS_PACCT, "acct() to a file that does not exist (ENOENT once allowed)", ENOENT, NONE,
	  NONE, NULL, 0, HOST, NULL, op_acct),
    PROBE(CAP_SYS_ADMIN, "mount a tmpfs on a scratch directory", 0, NONE, NONE, NULL, 0, 0,
	  prep_mount_point, op_mount),
    PROBE(CAP_SYS_BOOT, "reboot() with wrong magic numbers (EINVAL once allowed)", EINVAL, NONE,
	  NONE, NULL, 0, 0, NULL, op_reboot_bad_magic),
    PROBE(CAP_SYS_NICE, "renice to 19 a throwaway process of another uid", 0, NONE, NONE, NULL, 0,
	  PROC, NULL, op_renice_other),
    PROBE(CAP_SYS_RESOURCE, "raise its own RLIMIT_NOFILE hard limit by one", 0, NONE, NONE, NULL, 0,
	  HOST, NULL, op_raise_nofile),
    PROBE(CAP_SYS_TIME, "settimeofday(NULL, NULL): checked, sets nothing", 0, NONE, NONE, NULL, 0,
	  HOST, NULL, op_settimeofday_null),
    PROBE(CAP_SYS_TTY_CONFIG, "vhangup() without a controlling terminal", 0, NONE, NONE, NULL, 0,
	  HOST, NULL, op_vhangup),
    PROBE(CAP_MKNOD, "mknod a character device (1:3) in a scratch directory", 0, NONE, NONE, NULL,
	  0, HOST, NULL, op_mknod),
    PROBE(CAP_LEASE, "take a read lease on a file of another uid", 0, NONE, NONE, NULL, 0,
	  ID | HOST, prep_other_0644, op_lease),
    PROBE(CAP_AUDIT_WRITE, "send an empty AUDIT_USER message (not logged; EINVAL or ok)", EINVAL, 0,
	  ECONNREFUSED, NULL, 0, CAPPROBE_AUDIT, NULL, op_audit_user_empty),
    PROBE(CAP_AUDIT_CONTROL, "read the audit status (AUDIT_GET)", 0, NONE, ECONNREFUSED, NULL, 0,
	  CAPPROBE_AUDIT, NULL, op_audit_get),
    PROBE(CAP_SETFCAP, "set an empty security.capability on its file", 0, NONE, NONE, NULL, 0, 0,
	  prep_own_file, op_setfcap),
    NOT_PROBED(CAP_MAC_OVERRIDE, "only the Smack security module checks it, to bypass its "
				 "rules"),
    NOT_PROBED(CAP_MAC_ADMIN, "only security modules check it, to change their policy or "
			      "labels"),
    PROBE(CAP_SYSLOG, "syslog(SIZE_UNREAD): count unread kernel log bytes", 0, NONE, NONE, NULL,
	  BIT(CAP_SYS_ADMIN), HOST, NULL, op_syslog_unread),
    PROBE(CAP_WAKE_ALARM, "timerfd_create(CLOCK_BOOTTIME_ALARM), left unarmed", 0, NONE, NONE, NULL,
	  0, HOST, NULL, op_alarm_timer),
    PROBE(CAP_BLOCK_SUSPEND, "epoll_ctl with EPOLLWAKEUP on a throwaway eventfd", 0, NONE, NONE,
	  "EPOLLWAKEUP dropped", 0, HOST | CAPPROBE_PM_SLEEP, NULL, op_epollwakeup),
    NOT_PROBED(CAP_AUDIT_READ, "its one use, joining the audit log's multicast group, writes "
			       "a record into the host's audit log"),
    PROBE(CAP_PERFMON, "open a disabled dummy perf event on CPU 0", 0, NONE, NONE, NULL,
	  BIT(CAP_SYS_ADMIN), HOST, NULL, op_perf_cpu),
    PROBE(CAP_BPF, "create a one-entry BPF array map", 0, NONE, NONE, NULL, BIT(CAP_SYS_ADMIN),
	  HOST, NULL, op_bpf_map),
    PROBE(CAP_CHECKPOINT_RESTORE, "clone3 asking for pid 1, taken (EEXIST once allowed)", EEXIST,
	  NONE, NONE, NULL, BIT(CAP_SYS_ADMIN), 0, NULL, op_clone_pid1),
};

const struct capprobe_op *capprobe_op(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(table) || table[cap].info.operation == NULL)
		return NULL;
	return &table[cap];
}

const struct capprobe_info *capprobe_info(int cap)
{
	if (cap < 0 || (size_t)cap >= ARRAY_SIZE(table))
		return NULL;
	if (table[cap].info.operation == NULL && table[cap].info.not_probed == NULL)
		return NULL;
	return &table[cap].info;
}
