/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The container process itself: its fds, oom score, no_new_privs, dumpable
 * flag, working directory, and the final execve.
 *
 * Who runs this: the container's setup child, inside the container's root,
 * still privileged (engine/proc_setup.c orders the steps).
 */
#include "kernel/process.h"

#include <dirent.h>
#include <elf.h>
#include <link.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <sys/prctl.h>
#include <sys/xattr.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/magic.h>
#include <linux/sched.h>

#include "kernel/mount.h"
#include "kernel/procfs.h"
#include "util/cleanup.h"
#include "util/log.h"
#include "util/util.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* execvp's (and runc's) PATH when the environment has none. */
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static void closedirp(DIR **d)
{
	if (*d != NULL)
		closedir(*d);
}
#define cleanup_dir __attribute__((cleanup(closedirp)))

/* Kernels before 5.11 (no CLOSE_RANGE_CLOEXEC): walk /proc/self/fd. */
static int cloexec_walk(int first, cella_error *err)
{
	cleanup_dir DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (d == NULL)
		return cella_err(err, errno, "open `/proc/self/fd`");
	while ((errno = 0, de = readdir(d)) != NULL) {
		long long fd;
		int flags;

		if (!parse_i64(de->d_name, 0, INT_MAX, &fd) || fd < first || fd == dirfd(d))
			continue;
		flags = fcntl((int)fd, F_GETFD);
		if (flags < 0) {
			if (errno == EBADF) /* closed since the listing */
				continue;
			return cella_err(err, errno, "read the flags of fd %lld", fd);
		}
		if (!(flags & FD_CLOEXEC) && fcntl((int)fd, F_SETFD, flags | FD_CLOEXEC) < 0)
			return cella_err(err, errno, "mark fd %lld close-on-exec", fd);
	}
	if (errno != 0)
		return cella_err(err, errno, "read `/proc/self/fd`");
	return 0;
}

int process_cloexec_from(int first, cella_error *err)
{
	if (first < 0)
		first = 0;
	if (syscall(SYS_close_range, (unsigned)first, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	/* EPERM: a seccomp profile that refuses it, as ENOSYS (not there) and
	 * EINVAL (no CLOSE_RANGE_CLOEXEC). */
	if (errno != ENOSYS && errno != EINVAL && errno != EPERM)
		return cella_err(err, errno, "close_range from fd %d (CLOSE_RANGE_CLOEXEC)", first);
	return cloexec_walk(first, err);
}

int process_set_oom_score_adj(int adj, cella_error *err)
{
	static const char path[] = "/proc/self/oom_score_adj";
	cleanup_close int fd = -1;
	char buf[16];
	int n;

	if (adj < -1000 || adj > 1000)
		return cella_err_invalid(err, "process.oomScoreAdj %d: not in [-1000, 1000]", adj);
	/* Through a verified procfs handle, not a path a fake /proc could
	 * redirect. */
	fd = procfs_open_verified("self/oom_score_adj", O_WRONLY, err);
	if (fd < 0)
		return cella_err_context(err, "set process.oomScoreAdj to %d", adj);
	n = snprintf(buf, sizeof(buf), "%d", adj);
	if (write_all(fd, buf, (size_t)n) < 0) {
		if (errno == EACCES)
			return cella_err(err, errno,
					 "set process.oomScoreAdj to %d: lowering it below its "
					 "minimum needs CAP_SYS_RESOURCE",
					 adj);
		return cella_err(err, errno, "set process.oomScoreAdj to %d: write `%s`", adj,
				 path);
	}
	return 0;
}

int process_set_no_new_privs(cella_error *err)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return cella_err(err, errno, "set process.noNewPrivileges (PR_SET_NO_NEW_PRIVS)");
	return 0;
}

int process_set_dumpable(int on, cella_error *err)
{
	if (prctl(PR_SET_DUMPABLE, on ? 1 : 0, 0, 0, 0) < 0)
		return cella_err(err, errno, "prctl PR_SET_DUMPABLE %d", on ? 1 : 0);
	return 0;
}

enum candidate {
	CAND_MISSING = 0, /* no such file: keep looking */
	CAND_OK,
	CAND_DENIED, /* exists, not executable by us (or search denied) */
	CAND_DIR,
};

/* What execve would make of path, checked with the effective ids. */
static enum candidate check_candidate(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return errno == EACCES ? CAND_DENIED : CAND_MISSING;
	if (S_ISDIR(st.st_mode))
		return CAND_DIR;
	if (!S_ISREG(st.st_mode) || faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
		return CAND_DENIED;
	return CAND_OK;
}

static int not_exec(cella_error *err, enum candidate c, const char *path)
{
	cella_err(err, 0, "%s: %s", c == CAND_DIR ? "is a directory" : "permission denied", path);
	if (err != NULL)
		err->exit_code = CELLA_EXIT_NOT_EXEC;
	return -1;
}

static const char *env_path(char *const *env)
{
	for (size_t i = 0; env != NULL && env[i] != NULL; i++)
		if (str_has_prefix(env[i], "PATH="))
			return env[i] + strlen("PATH=");
	return DEFAULT_PATH;
}

int process_find_executable(const char *name, char *const *env, char **out, cella_error *err)
{
	enum candidate first_bad = CAND_MISSING;
	cleanup_free char *bad_path = NULL;
	const char *p;
	enum candidate c;

	if (name == NULL || *name == '\0') {
		cella_err(err, 0, "executable file not found: process.args[0] is empty");
		if (err != NULL)
			err->exit_code = CELLA_EXIT_NOT_FOUND;
		return -1;
	}

	if (strchr(name, '/') != NULL) {
		c = check_candidate(name);
		if (c == CAND_OK) {
			*out = xstrdup(name);
			return 0;
		}
		if (c != CAND_MISSING)
			return not_exec(err, c, name);
		/* ENOENT: "No such file or directory" in the message, which
		 * podman's exec maps to exit status 127. */
		cella_err(err, ENOENT, "executable file not found: %s", name);
		if (err != NULL)
			err->exit_code = CELLA_EXIT_NOT_FOUND;
		return -1;
	}

	/* Each PATH entry in turn; an empty entry is the current directory
	 * (as execvp). A hit that cannot be executed is remembered and the
	 * search goes on, as execvp does with EACCES. */
	p = env_path(env);
	for (;;) {
		size_t len = strcspn(p, ":");
		cleanup_free char *cand = NULL;

		if (len == 0)
			cand = xasprintf("./%s", name);
		else
			cand = xasprintf("%.*s/%s", (int)len, p, name);
		c = check_candidate(cand);
		if (c == CAND_OK) {
			*out = take_ptr(&cand);
			return 0;
		}
		if (c != CAND_MISSING && first_bad == CAND_MISSING) {
			first_bad = c;
			bad_path = take_ptr(&cand);
		}
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	if (first_bad != CAND_MISSING)
		return not_exec(err, first_bad, bad_path);
	cella_err(err, 0, "executable file not found in $PATH: %s", name);
	if (err != NULL)
		err->exit_code = CELLA_EXIT_NOT_FOUND;
	return -1;
}

int process_chdir(const char *cwd, cella_error *err)
{
	char buf[PATH_MAX];

	if (chdir(cwd) < 0)
		return cella_err(err, errno, "chdir to process.cwd `%s`", cwd);
	/* A cwd reached through an fd leaked from outside the root reads as
	 * "(unreachable)/..." from the raw syscall, and glibc turns that into
	 * ENOENT. */
	if (getcwd(buf, sizeof(buf)) == NULL) {
		if (errno == ENOENT)
			return cella_err(err, EPERM,
					 "process.cwd `%s`: the working directory is outside "
					 "the container root (or was removed)",
					 cwd);
		return cella_err(err, errno, "process.cwd `%s`: getcwd", cwd);
	}
	if (buf[0] != '/' || str_has_prefix(buf, "(unreachable)"))
		return cella_err(err, EPERM,
				 "process.cwd `%s`: the working directory `%s` is outside the "
				 "container root",
				 cwd, buf);
	return 0;
}

int process_exec(const char *path, char *const *args, char *const *env, cella_error *err)
{
	static char *const no_env[] = {NULL};
	int e;

	execve(path, args, env != NULL ? env : no_env);
	e = errno;
	cella_err(err, e, "exec %s", path);
	if (err != NULL)
		err->exit_code =
		    (e == ENOENT || e == ENOTDIR) ? CELLA_EXIT_NOT_FOUND : CELLA_EXIT_NOT_EXEC;
	return e > 0 ? -e : -1;
}

#define EXE_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

/* How much of the ELF file open as fd the kernel and the dynamic linker
 * read: up to the end of the program headers and of every segment they
 * describe. Past it lie the section headers and the debug information
 * (most of a -g build), which executing never touches: the sealed copy
 * leaves them out, and *ehdr gets the header to write in place of the
 * original, without section headers. 0 when the file is not a native ELF
 * file as expected (then it is copied whole). */
static off_t exe_load_extent(int fd, off_t size, ElfW(Ehdr) * ehdr)
{
	ElfW(Phdr) ph;
	off_t end;

#ifdef __SANITIZE_ADDRESS__
	/* A sanitizer build symbolizes its reports from the running file. */
	return 0;
#endif
	if (pread(fd, ehdr, sizeof(*ehdr), 0) != (ssize_t)sizeof(*ehdr) ||
	    memcmp(ehdr->e_ident, ELFMAG, SELFMAG) != 0 ||
	    ehdr->e_ident[EI_CLASS] != (sizeof(void *) == 8 ? ELFCLASS64 : ELFCLASS32) ||
	    ehdr->e_phentsize != sizeof(ph) || ehdr->e_phnum == 0 || ehdr->e_phnum == PN_XNUM)
		return 0;
	end = (off_t)(ehdr->e_phoff + (off_t)ehdr->e_phnum * ehdr->e_phentsize);
	for (unsigned i = 0; i < ehdr->e_phnum; i++) {
		if (pread(fd, &ph, sizeof(ph), (off_t)(ehdr->e_phoff + i * sizeof(ph))) !=
		    (ssize_t)sizeof(ph))
			return 0;
		if ((off_t)(ph.p_offset + ph.p_filesz) > end)
			end = (off_t)(ph.p_offset + ph.p_filesz);
	}
	if (end <= 0 || end > size)
		return 0;
	ehdr->e_shoff = 0;
	ehdr->e_shnum = 0;
	ehdr->e_shstrndx = SHN_UNDEF;
	return end;
}

/* The real binary's path, which our re-exec passed on in CELLA_EXE_ENV
 * and the re-executed process took out of its environment (hooks and
 * whatever else it runs inherit that environment); "" when none came. */
static char sealed_from[PATH_MAX];

/* Whether the running binary (open as self) is one no process can write:
 * a memfd with every seal, or, when our re-exec says it made one
 * (from_overlay), a file of a read-only overlayfs mount that no mount table
 * of ours holds (exe_through_ro_overlay); a read-only overlay attached
 * somewhere could be one with an upper layer, remounted writable. */
static bool exe_is_sealed(int self, bool from_overlay)
{
	struct statx stx;
	struct statfs sfs;

	if (fcntl(self, F_GET_SEALS) == EXE_SEALS)
		return true;
	return from_overlay && fstatfs(self, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC &&
	       (sfs.f_flags & ST_RDONLY) != 0 &&
	       statx(self, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 &&
	       (stx.stx_mask & STATX_MNT_ID) != 0 && !mount_id_attached(stx.stx_mnt_id);
}

/* path with overlayfs' layer separator `:` and its escape `\` escaped,
 * appended to buf at *at; false when it does not fit. */
static bool overlay_append_layer(char *buf, size_t len, size_t *at, const char *path)
{
	for (; *path != '\0'; path++) {
		if ((*path == ':' || *path == '\\') && *at + 1 < len)
			buf[(*at)++] = '\\';
		if (*at + 1 >= len)
			return false;
		buf[(*at)++] = *path;
	}
	buf[*at] = '\0';
	return true;
}

/* Whether one of the directories a and b (absolute, canonical) contains
 * the other, or they are the same: overlayfs refuses such layers (and says
 * so in the kernel's log). */
static bool paths_overlap(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), l = la < lb ? la : lb;

	if (la == 1 || lb == 1) /* "/" */
		return true;
	return strncmp(a, b, l) == 0 && (a[l] == '\0' || a[l] == '/') &&
	       (b[l] == '\0' || b[l] == '/');
}

/* An O_PATH fd of the binary at exe (an absolute, canonical path) as seen
 * through a new overlayfs mount that is attached nowhere, with the binary's
 * directory as the upper of two lower layers and no upper layer (overlayfs
 * wants two lower layers then; the second, scratch, must be a directory that
 * neither contains nor lies inside the binary's: the state root). An
 * overlayfs without an upper layer cannot be written through, nor remounted
 * writable, and a mount attached nowhere cannot be reached by path: a
 * process that gets hold of the file through /proc/PID/exe gets EROFS for
 * any write. It costs a mount instead of a copy of the binary (runc 1.2
 * protects itself the same way). -1 with errno when the kernel, the
 * privileges or the paths do not allow it (the caller then copies). */
static int exe_through_ro_overlay(const char *exe, const char *scratch)
{
	cleanup_close int mnt = -1;
	cleanup_free char *scratch_real = NULL;
	char lower[2 * PATH_MAX + 2];
	const char *name = strrchr(exe, '/');
	char dir[PATH_MAX];
	size_t at = 0;

	if (scratch == NULL || name == NULL || name == exe || name[1] == '\0' ||
	    (size_t)(name - exe) >= sizeof(dir)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(dir, exe, (size_t)(name - exe));
	dir[name - exe] = '\0';
	scratch_real = realpath(scratch, NULL);
	if (scratch_real == NULL)
		return -1;
	if (paths_overlap(dir, scratch_real)) {
		errno = ELOOP;
		return -1;
	}
	/* the binary's directory on top: a file of the same name in scratch
	 * cannot hide it */
	if (!overlay_append_layer(lower, sizeof(lower), &at, dir) || at + 2 >= sizeof(lower)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	lower[at++] = ':';
	if (!overlay_append_layer(lower, sizeof(lower), &at, scratch_real)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mnt = mount_overlay_lower_only(lower);
	if (mnt < 0)
		return -1;
	return openat(mnt, name + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

/* How our re-exec tells the process it starts where the binary really is,
 * and which way it sealed it: "o/PATH" (overlay) or "m/PATH" (memfd). */
#define EXE_MARK_OVERLAY 'o'
#define EXE_MARK_MEMFD	 'm'

/* Filesystems whose permission checks are the kernel's own, from the mode
 * bits and POSIX ACLs (not a FUSE daemon's, nor a server's NFSv4 or CIFS
 * ACLs, which the mode need not show). */
static bool exe_fs_checks_mode(int self)
{
	static const unsigned long kinds[] = {
	    EXT4_SUPER_MAGIC, XFS_SUPER_MAGIC,	    BTRFS_SUPER_MAGIC,	   TMPFS_MAGIC,
	    SQUASHFS_MAGIC,   EROFS_SUPER_MAGIC_V1, OVERLAYFS_SUPER_MAGIC, F2FS_SUPER_MAGIC,
	};
	struct statfs sfs;

	if (fstatfs(self, &sfs) < 0)
		return false;
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if ((unsigned long)sfs.f_type == kinds[i])
			return true;
	return false;
}

/* Whether our user namespace is the host's as far as ids go: uid 0 here is
 * the host's root. */
static bool ids_are_the_hosts(void)
{
	char buf[128];
	cleanup_close int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
	unsigned long long a, b, c;
	char extra;

	if (n <= 0)
		return false;
	buf[n] = '\0';
	return sscanf(buf, "%llu %llu %llu %c", &a, &b, &c, &extra) == 3 && a == 0 && b == 0 &&
	       c == 4294967295ULL;
}

/* Whether the binary open as self is out of reach of every process we
 * start: we are not root and hold no capability; the binary is the host
 * root's, on a filesystem that checks the mode itself, with no group or
 * other write bit and no access ACL, and the kernel says we may not write
 * it. A container we make has its capabilities in a user namespace of ours,
 * where root's ids are not mapped (capable_wrt_inode_uidgid), and its ids
 * are ours or our subordinate ids: it can no more write the file than we
 * can (as a root-owned runc is to a rootless one). It can still map the
 * binary's pages read-only, as a container can as root through the
 * overlay (CELLA_SELF_COPY=memfd: a private copy instead). */
static bool exe_beyond_reach(int self)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];
	struct stat st;

	if (geteuid() == 0 || getuid() == 0 || fstat(self, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return false;
	if (fgetxattr(self, "system.posix_acl_access", NULL, 0) >= 0 ||
	    (errno != ENODATA && errno != ENOTSUP))
		return false;
	if (syscall(SYS_capget, &h, d) < 0 ||
	    (d[0].permitted | d[1].permitted | d[0].effective | d[1].effective) != 0)
		return false;
	if (syscall(SYS_faccessat2, self, "", W_OK, AT_EACCESS | AT_EMPTY_PATH) == 0 ||
	    (errno != EACCES && errno != EPERM && errno != EROFS))
		return false;
	return exe_fs_checks_mode(self) && ids_are_the_hosts();
}

int process_run_from_sealed_copy(char **argv, const char *scratch, bool always, cella_error *err)
{
	cleanup_close int self = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
	cleanup_close int copy = -1;
	extern char **environ;
	const char *mark = getenv(CELLA_EXE_ENV);
	char mark_kind = '\0';
	char path[PATH_MAX + 2];
	struct stat st;
	ElfW(Ehdr) ehdr;
	off_t off = 0, extent, size;
	ssize_t n;

	if (self < 0)
		return cella_err(err, errno, "open `/proc/self/exe`");
	/* The mark is ours to read once: nothing we run inherits it. */
	if (mark != NULL && (mark[0] == EXE_MARK_OVERLAY || mark[0] == EXE_MARK_MEMFD) &&
	    mark[1] == '/' && strlen(mark + 1) < sizeof(sealed_from)) {
		mark_kind = mark[0];
		snprintf(sealed_from, sizeof(sealed_from), "%s", mark + 1);
	}
	unsetenv(CELLA_EXE_ENV);
	/* Already running from the sealed copy: nothing to do. */
	if (exe_is_sealed(self, mark_kind == EXE_MARK_OVERLAY)) {
		prctl(PR_SET_NAME, "cella", 0, 0, 0);
		return 0;
	}
	/* Nor when nothing we start could write the binary anyway (rootless
	 * with a root-owned binary, the usual install): the copy would cost a
	 * second exec and the binary's size in memory per container. */
	if (!always && mark_kind == '\0' && exe_beyond_reach(self))
		return 0;
	/* The copy has no path of its own: where the binary really is (its
	 * built-in rootfs lives next to it) goes along in the environment. A
	 * process our re-exec started that does not find itself sealed (an
	 * overlay this kernel cannot vouch for) copies: it never loops. */
	if (mark_kind != '\0') {
		memcpy(path, sealed_from, strlen(sealed_from) + 1);
		n = (ssize_t)strlen(path);
	} else {
		n = readlink("/proc/self/exe", path, PATH_MAX - 1);
		if (n > 0)
			path[n] = '\0';
	}
	if (n > 0 && path[0] == '/') {
		char value[PATH_MAX + 3];

		/* Cheapest first: the binary itself, through a read-only
		 * overlay; a copy where that cannot be had (no privilege over
		 * mounts, an old kernel, a binary on an unsuitable filesystem). */
		if (mark_kind == '\0') {
			cleanup_close int ro = exe_through_ro_overlay(path, scratch);

			if (ro >= 0) {
				snprintf(value, sizeof(value), "%c%s", EXE_MARK_OVERLAY, path);
				if (setenv(CELLA_EXE_ENV, value, 1) < 0)
					return cella_err(err, errno, "setenv %s", CELLA_EXE_ENV);
				syscall(SYS_execveat, ro, "", argv, environ, AT_EMPTY_PATH);
			}
		}
		snprintf(value, sizeof(value), "%c%s", EXE_MARK_MEMFD, path);
		if (setenv(CELLA_EXE_ENV, value, 1) < 0)
			return cella_err(err, errno, "setenv %s", CELLA_EXE_ENV);
	}
	if (fstat(self, &st) < 0)
		return cella_err(err, errno, "stat `/proc/self/exe`");
	copy = memfd_create("cella", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (copy < 0)
		return cella_err(err, errno, "memfd_create for a sealed copy of the runtime");
	extent = exe_load_extent(self, st.st_size, &ehdr);
	size = extent > 0 ? extent : st.st_size;
	while (off < size) {
		ssize_t w = sendfile(copy, self, &off, (size_t)(size - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return cella_err(err, w < 0 ? errno : EIO,
					 "copy the runtime into a sealed memfd");
	}
	if (extent > 0 && pwrite(copy, &ehdr, sizeof(ehdr), 0) != (ssize_t)sizeof(ehdr))
		return cella_err(err, errno, "write the sealed copy's ELF header");
	if (fcntl(copy, F_ADD_SEALS, EXE_SEALS) < 0)
		return cella_err(err, errno, "seal the copy of the runtime");
	fexecve(copy, argv, environ);
	return cella_err(err, errno, "re-exec the runtime from its sealed copy");
}

ssize_t process_exe_path(char *buf, size_t len)
{
	ssize_t n;

	/* Running from the sealed copy (which took the mark): the real path. */
	if (sealed_from[0] == '/') {
		n = (ssize_t)strlen(sealed_from);
		if ((size_t)n >= len)
			return -1;
		memcpy(buf, sealed_from, (size_t)n + 1);
		return n;
	}
	n = readlink("/proc/self/exe", buf, len - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

int process_set_child_subreaper(cella_error *err)
{
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return cella_err(err, errno, "become child subreaper");
	return 0;
}

int process_set_parent_death_signal(int sig, cella_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0) < 0)
		return cella_err(err, errno, "set parent death signal");
	return 0;
}

void process_scrub_environ(void)
{
	for (char **e = environ; e != NULL && *e != NULL; e++)
		explicit_bzero(*e, strlen(*e));
	clearenv();
}

int process_die_with_parent(pid_t parent, int link_fd, cella_error *err)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		return cella_err(err, errno, "set parent death signal");
	if (parent > 0 && getppid() != parent)
		_exit(1);
	if (link_fd >= 0) {
		struct pollfd p = {.fd = link_fd, .events = POLLRDHUP};

		if (poll(&p, 1, 0) > 0 && (p.revents & (POLLHUP | POLLRDHUP | POLLERR)))
			_exit(1);
	}
	return 0;
}

int process_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

void process_kill_children(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *path = NULL;
		cleanup_free char *text = NULL;
		char *save = NULL;

		if (de->d_name[0] == '.')
			continue;
		path = xasprintf("/proc/self/task/%s/children", de->d_name);
		if (read_file_at(AT_FDCWD, path, &text, NULL) < 0)
			continue;
		for (char *tok = strtok_r(text, " \n", &save); tok != NULL;
		     tok = strtok_r(NULL, " \n", &save)) {
			long long pid;

			if (!parse_i64(tok, 1, INT_MAX, &pid))
				continue;
			kill((pid_t)pid, SIGKILL);
			while (waitpid((pid_t)pid, NULL, 0) < 0 && errno == EINTR)
				;
		}
	}
	closedir(d);
}

void process_close_from(int first)
{
	if (syscall(SYS_close_range, (unsigned)first, ~0U, 0U) < 0)
		for (int fd = first; fd < 1024; fd++)
			close(fd);
}

pid_t process_fork_sibling(cella_error *err)
{
	/* clone(2) with fork's arguments; glibc's fork handlers do not run,
	 * and none is registered in cella. The exit signal is the caller's
	 * own (SIGCHLD for a forked caller). */
	pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)(CLONE_PARENT | SIGCHLD), NULL, NULL,
				   NULL, 0UL);

	if (pid < 0)
		return cella_err(err, errno, "fork (CLONE_PARENT)");
	return pid;
}

pid_t process_fork_into_cgroup(int cgroup_fd, bool *placed, cella_error *err)
{
	pid_t pid;

	*placed = false;
	if (cgroup_fd >= 0) {
		struct clone_args args = {
		    .flags = CLONE_INTO_CGROUP,
		    .exit_signal = SIGCHLD,
		    .cgroup = (uint64_t)cgroup_fd,
		};

		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*placed = true;
			return pid;
		}
		/* ENOSYS, E2BIG: no clone3 or no cgroup field; EACCES, EPERM:
		 * not ours to move into; EOPNOTSUPP, EBUSY: a threaded or
		 * domain-invalid cgroup. The caller's cgroup.procs write then
		 * says what is wrong, if anything. */
		if (errno != ENOSYS && errno != E2BIG && errno != EINVAL && errno != EACCES &&
		    errno != EPERM && errno != EOPNOTSUPP && errno != EBUSY)
			return cella_err(err, errno, "clone3 into the container's cgroup");
	}
	pid = fork();
	if (pid < 0)
		return cella_err(err, errno, "fork");
	return pid;
}

pid_t process_clone_into(int ns_flags, int cgroup_fd, bool *placed, cella_error *err)
{
	struct clone_args args = {
	    .flags = (uint64_t)(unsigned)ns_flags,
	    .exit_signal = SIGCHLD,
	};
	pid_t pid;

	*placed = false;
	if (cgroup_fd >= 0) {
		args.flags |= CLONE_INTO_CGROUP;
		args.cgroup = (uint64_t)cgroup_fd;
		pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
		if (pid >= 0) {
			*placed = true;
			return pid;
		}
		/* As process_fork_into_cgroup: the cgroup.procs write that
		 * follows says what is wrong, if anything. */
		if (errno != EINVAL && errno != EACCES && errno != EPERM && errno != EOPNOTSUPP &&
		    errno != EBUSY)
			return cella_err(err, errno, "clone3 the container init");
		args.flags &= ~(uint64_t)CLONE_INTO_CGROUP;
		args.cgroup = 0;
	}
	pid = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
	if (pid < 0)
		return cella_err(err, errno, "clone3 the container init");
	return pid;
}

int process_run_capture(char *const *argv, char **out, int *status, cella_error *err)
{
	cleanup_close int rd = -1;
	cleanup_free char *buf = NULL;
	size_t len = 0, cap = 0;
	int fds[2];
	pid_t pid;

	*out = NULL;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return cella_err(err, errno, "pipe for `%s`", argv[0]);
	rd = fds[0];
	pid = fork();
	if (pid < 0) {
		close(fds[1]);
		return cella_err(err, errno, "fork for `%s`", argv[0]);
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(fds[1], STDOUT_FILENO) < 0 ||
		    dup2(fds[1], STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "exec `%s`: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 16384;
			buf = xrealloc(buf, cap);
		}
		n = read(rd, buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	buf[len] = '\0';
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for `%s`", argv[0]);
	*out = take_ptr(&buf);
	return 0;
}
