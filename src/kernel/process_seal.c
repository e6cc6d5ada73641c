/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runtime's own binary, out of every container's reach
 * (CVE-2019-5736): before a command whose processes enter a container, the
 * runtime re-executes itself from its binary seen through a read-only
 * overlayfs mount attached nowhere, or from a sealed memfd copy, unless it
 * already runs from one, or (rootless) no process it starts could write the
 * binary anyway. process_exe_path gives the real binary's path either way.
 */
#include "kernel/process.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/magic.h>

#include "kernel/caps.h"
#include "kernel/exe_seal.h"
#include "kernel/mount.h"
#include "kernel/userns.h"
#include "util/cleanup.h"
#include "util/util.h"

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
	struct statfs sfs;

	if (fcntl(self, F_GET_SEALS) == EXE_SEALS)
		return true;
	return from_overlay && fstatfs(self, &sfs) == 0 && sfs.f_type == OVERLAYFS_SUPER_MAGIC &&
	       (sfs.f_flags & ST_RDONLY) != 0 && !mount_fd_attached(self);
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
	if (cella_seal_paths_overlap(dir, scratch_real)) {
		errno = ELOOP;
		return -1;
	}
	/* the binary's directory on top: a file of the same name in scratch
	 * cannot hide it */
	if (!cella_seal_append(lower, sizeof(lower), &at, dir, 1) || at + 2 >= sizeof(lower)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	lower[at++] = ':';
	if (!cella_seal_append(lower, sizeof(lower), &at, scratch_real, 1)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	mnt = mount_overlay_lower_only(lower);
	if (mnt < 0)
		return -1;
	return openat(mnt, name + 1, O_PATH | O_NOFOLLOW | O_CLOEXEC);
}

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
	struct stat st;

	if (geteuid() == 0 || getuid() == 0 || fstat(self, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != 0 || (st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
		return false;
	if (fgetxattr(self, "system.posix_acl_access", NULL, 0) >= 0 ||
	    (errno != ENODATA && errno != ENOTSUP))
		return false;
	if (!caps_none_held())
		return false;
	if (syscall(SYS_faccessat2, self, "", W_OK, AT_EACCESS | AT_EMPTY_PATH) == 0 ||
	    (errno != EACCES && errno != EPERM && errno != EROFS))
		return false;
	/* (and uid 0 here is the host's root) */
	return exe_fs_checks_mode(self) && userns_is_initial();
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
	if (mark != NULL &&
	    (mark[0] == CELLA_EXE_MARK_OVERLAY || mark[0] == CELLA_EXE_MARK_MEMFD) &&
	    mark[1] == '/' && strlen(mark + 1) < sizeof(sealed_from)) {
		mark_kind = mark[0];
		snprintf(sealed_from, sizeof(sealed_from), "%s", mark + 1);
	}
	unsetenv(CELLA_EXE_ENV);
	/* Already running from the sealed copy: nothing to do. */
	if (exe_is_sealed(self, mark_kind == CELLA_EXE_MARK_OVERLAY)) {
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
				snprintf(value, sizeof(value), "%c%s", CELLA_EXE_MARK_OVERLAY,
					 path);
				if (setenv(CELLA_EXE_ENV, value, 1) < 0)
					return cella_err(err, errno, "setenv %s", CELLA_EXE_ENV);
				syscall(SYS_execveat, ro, "", argv, environ, AT_EMPTY_PATH);
			}
		}
		snprintf(value, sizeof(value), "%c%s", CELLA_EXE_MARK_MEMFD, path);
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
