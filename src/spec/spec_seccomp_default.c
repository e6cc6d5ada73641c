/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quick door's default seccomp profile. In effect the profile Docker and
 * podman ship: what a normal program needs is allowed; what only a
 * capability should grant (mount, unshare, setns, bpf, ptrace, module
 * loading, clock setting...) is allowed only when the process's bounding
 * set has that capability and fails with EPERM otherwise; the key
 * management syscalls and a few obsolete or kernel-attack-surface ones fail
 * with EPERM always; everything else (newer syscalls this table does not
 * know) fails with ENOSYS, so that libc falls back to an older call.
 * clone may not create namespaces without CAP_SYS_ADMIN, and clone3 (whose
 * flags sit behind a pointer the filter cannot read) fails with ENOSYS then,
 * so that libc uses clone. personality is limited to the harmless values.
 *
 * The names are grouped by what they do; a name libseccomp does not know on
 * this architecture is skipped when the filter is built.
 */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <linux/capability.h>

#include "spec/spec_seccomp.h"
#include "util/util.h"

static const char *const allowed[] = {
    /* files and descriptors */
    "access",
    "faccessat",
    "faccessat2",
    "chdir",
    "fchdir",
    "chmod",
    "fchmod",
    "fchmodat",
    "fchmodat2",
    "chown",
    "chown32",
    "fchown",
    "fchown32",
    "fchownat",
    "lchown",
    "lchown32",
    "close",
    "close_range",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "fcntl",
    "fcntl64",
    "flock",
    "fadvise64",
    "fadvise64_64",
    "arm_fadvise64_64",
    "fallocate",
    "fdatasync",
    "fsync",
    "sync",
    "syncfs",
    "sync_file_range",
    "sync_file_range2",
    "arm_sync_file_range",
    "ftruncate",
    "ftruncate64",
    "truncate",
    "truncate64",
    "getcwd",
    "getdents",
    "getdents64",
    "link",
    "linkat",
    "lseek",
    "_llseek",
    "mkdir",
    "mkdirat",
    "mknod",
    "mknodat",
    "open",
    "openat",
    "openat2",
    "read",
    "readv",
    "pread64",
    "preadv",
    "preadv2",
    "readahead",
    "readlink",
    "readlinkat",
    "rename",
    "renameat",
    "renameat2",
    "rmdir",
    "unlink",
    "unlinkat",
    "symlink",
    "symlinkat",
    "stat",
    "stat64",
    "lstat",
    "lstat64",
    "fstat",
    "fstat64",
    "fstatat64",
    "newfstatat",
    "statx",
    "statfs",
    "statfs64",
    "fstatfs",
    "fstatfs64",
    "umask",
    "utime",
    "utimes",
    "utimensat",
    "utimensat_time64",
    "futimesat",
    "write",
    "writev",
    "pwrite64",
    "pwritev",
    "pwritev2",
    "sendfile",
    "sendfile64",
    "copy_file_range",
    "splice",
    "tee",
    "vmsplice",
    "ioctl",
    "getxattr",
    "lgetxattr",
    "fgetxattr",
    "listxattr",
    "llistxattr",
    "flistxattr",
    "setxattr",
    "lsetxattr",
    "fsetxattr",
    "removexattr",
    "lremovexattr",
    "fremovexattr",
    "inotify_init",
    "inotify_init1",
    "inotify_add_watch",
    "inotify_rm_watch",
    "fanotify_mark",
    "memfd_create",
    "memfd_secret",
    "pipe",
    "pipe2",
    "eventfd",
    "eventfd2",
    "signalfd",
    "signalfd4",
    "timerfd_create",
    "timerfd_settime",
    "timerfd_settime64",
    "timerfd_gettime",
    "timerfd_gettime64",
    "landlock_create_ruleset",
    "landlock_add_rule",
    "landlock_restrict_self",
    "cachestat",
    /* polling and asynchronous I/O */
    "select",
    "_newselect",
    "pselect6",
    "pselect6_time64",
    "poll",
    "ppoll",
    "ppoll_time64",
    "epoll_create",
    "epoll_create1",
    "epoll_ctl",
    "epoll_ctl_old",
    "epoll_wait",
    "epoll_wait_old",
    "epoll_pwait",
    "epoll_pwait2",
    "io_setup",
    "io_destroy",
    "io_submit",
    "io_cancel",
    "io_getevents",
    "io_pgetevents",
    "io_pgetevents_time64",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    /* memory */
    "brk",
    "mmap",
    "mmap2",
    "munmap",
    "mremap",
    "mprotect",
    "pkey_mprotect",
    "pkey_alloc",
    "pkey_free",
    "madvise",
    "mincore",
    "mlock",
    "mlock2",
    "mlockall",
    "munlock",
    "munlockall",
    "msync",
    "remap_file_pages",
    "membarrier",
    "set_thread_area",
    "get_thread_area",
    "arch_prctl",
    "cacheflush",
    "breakpoint",
    "set_tls",
    "riscv_flush_icache",
    "map_shadow_stack",
    /* processes, threads, signals */
    "clone",
    "fork",
    "vfork",
    "execve",
    "execveat",
    "exit",
    "exit_group",
    "wait4",
    "waitid",
    "waitpid",
    "kill",
    "tkill",
    "tgkill",
    "rt_sigaction",
    "rt_sigpending",
    "rt_sigprocmask",
    "rt_sigqueueinfo",
    "rt_tgsigqueueinfo",
    "rt_sigreturn",
    "rt_sigsuspend",
    "rt_sigtimedwait",
    "rt_sigtimedwait_time64",
    "sigaction",
    "sigaltstack",
    "signal",
    "sigpending",
    "sigprocmask",
    "sigreturn",
    "sigsuspend",
    "pause",
    "getpid",
    "getppid",
    "gettid",
    "getpgid",
    "getpgrp",
    "setpgid",
    "getsid",
    "setsid",
    "set_tid_address",
    "set_robust_list",
    "get_robust_list",
    "futex",
    "futex_time64",
    "futex_waitv",
    "futex_wait",
    "futex_wake",
    "futex_requeue",
    "rseq",
    "restart_syscall",
    "prctl",
    "capget",
    "capset",
    "getpriority",
    "setpriority",
    "sched_yield",
    "sched_getaffinity",
    "sched_setaffinity",
    "sched_getattr",
    "sched_setattr",
    "sched_getparam",
    "sched_setparam",
    "sched_getscheduler",
    "sched_setscheduler",
    "sched_get_priority_max",
    "sched_get_priority_min",
    "sched_rr_get_interval",
    "sched_rr_get_interval_time64",
    "getrlimit",
    "ugetrlimit",
    "setrlimit",
    "prlimit64",
    "getrusage",
    "times",
    "ioprio_get",
    "ioprio_set",
    "pidfd_open",
    "pidfd_send_signal",
    "seccomp",
    /* credentials */
    "getuid",
    "getuid32",
    "geteuid",
    "geteuid32",
    "getgid",
    "getgid32",
    "getegid",
    "getegid32",
    "getresuid",
    "getresuid32",
    "getresgid",
    "getresgid32",
    "getgroups",
    "getgroups32",
    "setuid",
    "setuid32",
    "setgid",
    "setgid32",
    "setreuid",
    "setreuid32",
    "setregid",
    "setregid32",
    "setresuid",
    "setresuid32",
    "setresgid",
    "setresgid32",
    "setfsuid",
    "setfsuid32",
    "setfsgid",
    "setfsgid32",
    "setgroups",
    "setgroups32",
    /* time */
    "clock_getres",
    "clock_getres_time64",
    "clock_gettime",
    "clock_gettime64",
    "clock_nanosleep",
    "clock_nanosleep_time64",
    "gettimeofday",
    "nanosleep",
    "time",
    "alarm",
    "getitimer",
    "setitimer",
    "timer_create",
    "timer_delete",
    "timer_getoverrun",
    "timer_gettime",
    "timer_gettime64",
    "timer_settime",
    "timer_settime64",
    "adjtimex",
    /* sockets */
    "socket",
    "socketpair",
    "socketcall",
    "bind",
    "connect",
    "listen",
    "accept",
    "accept4",
    "getsockname",
    "getpeername",
    "getsockopt",
    "setsockopt",
    "send",
    "sendto",
    "sendmsg",
    "sendmmsg",
    "recv",
    "recvfrom",
    "recvmsg",
    "recvmmsg",
    "recvmmsg_time64",
    "shutdown",
    /* System V and POSIX IPC */
    "ipc",
    "msgget",
    "msgsnd",
    "msgrcv",
    "msgctl",
    "semget",
    "semop",
    "semtimedop",
    "semtimedop_time64",
    "semctl",
    "shmget",
    "shmat",
    "shmdt",
    "shmctl",
    "mq_open",
    "mq_unlink",
    "mq_timedsend",
    "mq_timedsend_time64",
    "mq_timedreceive",
    "mq_timedreceive_time64",
    "mq_notify",
    "mq_getsetattr",
    /* system information */
    "uname",
    "olduname",
    "oldolduname",
    "sysinfo",
    "getrandom",
    "getcpu",
    "personality",
};

/* Allowed only with a capability in the bounding set; EPERM without. */
static const struct {
	int cap;
	const char *const names[12];
} by_cap[] = {
    {CAP_SYS_ADMIN,
     {"mount", "umount", "umount2", "unshare", "setns", "pivot_root", "sethostname",
      "setdomainname", "quotactl", "quotactl_fd", "name_to_handle_at", "fanotify_init"}},
    {CAP_SYS_ADMIN,
     {"fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
      "lookup_dcookie", "swapon", "swapoff", "vhangup"}},
    {CAP_SYS_ADMIN, {"bpf", "perf_event_open", "syslog", "userfaultfd"}},
    {CAP_SYS_PTRACE,
     {"ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd", "process_madvise"}},
    {CAP_SYS_MODULE, {"init_module", "finit_module", "delete_module"}},
    {CAP_SYS_BOOT, {"reboot", "kexec_load", "kexec_file_load"}},
    {CAP_SYS_CHROOT, {"chroot"}},
    {CAP_SYS_PACCT, {"acct"}},
    {CAP_SYS_RAWIO, {"iopl", "ioperm"}},
    {CAP_SYS_TIME,
     {"settimeofday", "stime", "clock_settime", "clock_settime64", "clock_adjtime",
      "clock_adjtime64"}},
    {CAP_SYS_NICE,
     {"mbind", "set_mempolicy", "get_mempolicy", "set_mempolicy_home_node", "migrate_pages",
      "move_pages"}},
    {CAP_DAC_READ_SEARCH, {"open_by_handle_at"}},
};

/* Always EPERM: kernel keyrings are not namespaced; the rest is obsolete or
 * pure attack surface. */
static const char *const denied[] = {
    "keyctl",	     "add_key",		"request_key",	"uselib",      "ustat",
    "sysfs",	     "_sysctl",		"nfsservctl",	"vm86",	       "vm86old",
    "create_module", "get_kernel_syms", "query_module", "afs_syscall",
};

/* personality values a program may set: the default, the 32-bit address
 * space, uname26 and both, and the query (0xffffffff). */
static const uint64_t personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

#define NS_CLONE_FLAGS                                                                             \
	(CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET | \
	 CLONE_NEWCGROUP | 0x00000080 /* CLONE_NEWTIME */)

static bool has_cap(uint64_t caps, int cap)
{
	return cap < 64 && (caps & (UINT64_C(1) << cap));
}

static struct cella_seccomp_rule *add(struct cella_seccomp *s, enum cella_seccomp_action a,
				      int errno_ret)
{
	struct cella_seccomp_rule *r;

	s->syscalls = xrealloc(s->syscalls, (s->n_syscalls + 1) * sizeof(*s->syscalls));
	r = &s->syscalls[s->n_syscalls++];
	memset(r, 0, sizeof(*r));
	r->action = a;
	if (errno_ret >= 0) {
		r->has_errno_ret = true;
		r->errno_ret = (uint32_t)errno_ret;
	}
	return r;
}

static void add_arg(struct cella_seccomp_rule *r, unsigned index, enum cella_seccomp_op op,
		    uint64_t value, uint64_t value_two)
{
	r->args = xrealloc(r->args, (r->n_args + 1) * sizeof(*r->args));
	r->args[r->n_args++] = (struct cella_seccomp_arg){
	    .index = index, .op = op, .value = value, .value_two = value_two};
}

static bool skip_plain(const char *name)
{
	/* Handled with conditions below. */
	return strcmp(name, "clone") == 0 || strcmp(name, "personality") == 0;
}

struct cella_seccomp *cella_seccomp_default_profile(uint64_t caps)
{
	struct cella_seccomp *s = xcalloc(1, sizeof(*s));
	struct cella_seccomp_rule *r;
	bool sys_admin = has_cap(caps, CAP_SYS_ADMIN);

	s->default_action = CELLA_SCMP_ERRNO;
	s->has_default_errno_ret = true;
	s->default_errno_ret = ENOSYS;
#if defined(__x86_64__)
	s->archs = xcalloc(3, sizeof(*s->archs));
	s->archs[s->n_archs++] = cella_seccomp_arch_from_name("SCMP_ARCH_X86_64");
	s->archs[s->n_archs++] = cella_seccomp_arch_from_name("SCMP_ARCH_X86");
	s->archs[s->n_archs++] = cella_seccomp_arch_from_name("SCMP_ARCH_X32");
#elif defined(__aarch64__)
	s->archs = xcalloc(2, sizeof(*s->archs));
	s->archs[s->n_archs++] = cella_seccomp_arch_from_name("SCMP_ARCH_AARCH64");
	s->archs[s->n_archs++] = cella_seccomp_arch_from_name("SCMP_ARCH_ARM");
#endif

	r = add(s, CELLA_SCMP_ALLOW, -1);
	r->names = xcalloc(ARRAY_SIZE(allowed) + 1, sizeof(char *));
	for (size_t i = 0, n = 0; i < ARRAY_SIZE(allowed); i++)
		if (!skip_plain(allowed[i]))
			r->names[n++] = xstrdup(allowed[i]);

	/* One rule for what the capabilities grant, one for what they do not. */
	{
		struct cella_seccomp_rule *yes = add(s, CELLA_SCMP_ALLOW, -1);
		size_t ny = 0, nn = 0, total = 0;
		char **yn, **nn_names;

		for (size_t i = 0; i < ARRAY_SIZE(by_cap); i++)
			for (size_t j = 0; j < ARRAY_SIZE(by_cap[i].names) && by_cap[i].names[j];
			     j++)
				total++;
		yn = xcalloc(total + 1, sizeof(char *));
		nn_names = xcalloc(total + ARRAY_SIZE(denied) + 1, sizeof(char *));
		for (size_t i = 0; i < ARRAY_SIZE(by_cap); i++) {
			for (size_t j = 0; j < ARRAY_SIZE(by_cap[i].names) && by_cap[i].names[j];
			     j++) {
				if (has_cap(caps, by_cap[i].cap))
					yn[ny++] = xstrdup(by_cap[i].names[j]);
				else
					nn_names[nn++] = xstrdup(by_cap[i].names[j]);
			}
		}
		for (size_t i = 0; i < ARRAY_SIZE(denied); i++)
			nn_names[nn++] = xstrdup(denied[i]);
		yes->names = yn;
		r = add(s, CELLA_SCMP_ERRNO, EPERM);
		r->names = nn_names;
		if (ny == 0) {
			/* An empty rule is not valid OCI: drop it. */
			free(yn);
			s->syscalls[1] = s->syscalls[2];
			s->n_syscalls--;
		}
	}

	/* clone: namespaces only with CAP_SYS_ADMIN; clone3 then ENOSYS. */
	r = add(s, CELLA_SCMP_ALLOW, -1);
	r->names = xcalloc(2, sizeof(char *));
	r->names[0] = xstrdup("clone");
	if (!sys_admin) {
#if defined(__s390x__) || defined(__s390__)
		add_arg(r, 1, CELLA_SCMP_CMP_MASKED_EQ, NS_CLONE_FLAGS, 0);
#else
		add_arg(r, 0, CELLA_SCMP_CMP_MASKED_EQ, NS_CLONE_FLAGS, 0);
#endif
		r = add(s, CELLA_SCMP_ERRNO, ENOSYS);
	} else {
		r = add(s, CELLA_SCMP_ALLOW, -1);
	}
	r->names = xcalloc(2, sizeof(char *));
	r->names[0] = xstrdup("clone3");

	/* personality: the harmless values, each its own condition. */
	r = add(s, CELLA_SCMP_ALLOW, -1);
	r->names = xcalloc(2, sizeof(char *));
	r->names[0] = xstrdup("personality");
	for (size_t i = 0; i < ARRAY_SIZE(personalities); i++)
		add_arg(r, 0, CELLA_SCMP_CMP_EQ, personalities[i], 0);
	return s;
}
