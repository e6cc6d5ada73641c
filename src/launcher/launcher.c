/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * `cella`, where the build has a launcher (x86_64): a small static program
 * without a C library that starts the runtime, BINDIR/../libexec/cella/cella.
 *
 * Why: `create`, `run`, `exec` and `probe` must run from a binary that no
 * container process can write (CVE-2019-5736). The runtime alone gets there
 * by re-executing itself from its binary seen through a read-only overlayfs
 * mount attached nowhere (kernel/process_seal.c), which costs a second start
 * of a dynamically linked program: on the VM of issue 17, 0.8-1 ms of CPU of
 * the 8-9 ms a `run` takes (ld.so's relocations, glibc's cpuid probes, page
 * faults). This program makes such an overlay mount (of the runtime's
 * directory over its own) before the runtime's first start, and starts it
 * from there; it costs about 0.15 ms. It only saves time: the runtime
 * still checks that it runs from such a binary (exe_is_sealed) and
 * re-executes itself when it does not. For every other command, when not
 * root, or when anything here fails, it executes the runtime by its path,
 * which then does as it always did.
 *
 * Without a C library: glibc's start-up, dynamic or static, is most of what
 * a second start costs. The program has no relocations (static-pie without
 * any pointer in its data), so it needs no self-relocation either. One
 * architecture's system call glue and entry point below; the Makefile
 * builds a launcher only where there is one.
 */
#include <asm/unistd.h>
#include <linux/auxvec.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/mount.h>
#include <linux/stat.h>

#include "cli/entry.h"
#include "kernel/exe_seal.h"

#if !defined(__x86_64__)
#error "the launcher has system call glue for x86_64 only (see the Makefile's LAUNCHER)"
#endif

#define PATH_LEN 4096
#define ENV_MAX	 4096
#define EXE_MARK CELLA_EXE_ENV "="
/* where the runtime lies, from the directory of this program */
#define RUNTIME_DIR  "/libexec/cella"
#define RUNTIME_NAME "cella"

static long sys6(long n, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long r;

	__asm__ volatile("syscall"
			 : "=a"(r)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return r;
}

#define SYS(n, a, b, c, d, e) sys6(n, (long)(a), (long)(b), (long)(c), (long)(d), (long)(e), 0)

/* The compiler may call these for copies and zeroing of its own. */
void *memcpy(void *dst, const void *src, unsigned long n);
void *memset(void *dst, int c, unsigned long n);

void *memcpy(void *dst, const void *src, unsigned long n)
{
	unsigned char *d = dst;
	const unsigned char *s = src;

	while (n-- > 0)
		*d++ = *s++;
	return dst;
}

void *memset(void *dst, int c, unsigned long n)
{
	unsigned char *d = dst;

	while (n-- > 0)
		*d++ = (unsigned char)c;
	return dst;
}

static unsigned long str_len(const char *s)
{
	unsigned long n = 0;

	while (s[n] != '\0')
		n++;
	return n;
}

static int starts_with(const char *s, const char *prefix)
{
	while (*prefix != '\0')
		if (*s++ != *prefix++)
			return 0;
	return 1;
}

static void say(const char *s)
{
	SYS(__NR_write, 2, s, str_len(s), 0, 0);
}

/* The errors an exec or a path here can meet, each its number (one byte)
 * then its text: one array, as a table of pointers would need relocating. */
static const char errno_texts[] = "\x02No such file or directory\0"
				  "\x0dPermission denied\0"
				  "\x08"
				  "Exec format error\0"
				  "\x0c"
				  "Cannot allocate memory\0"
				  "\x07"
				  "Argument list too long\0"
				  "\x28Too many levels of symbolic links\0"
				  "\x24"
				  "File name too long\0";

/* Says errno e's text, or its number. */
static void say_errno(long e)
{
	char num[24];
	unsigned long at = sizeof(num) - 1;

	for (const char *p = errno_texts; p < errno_texts + sizeof(errno_texts) - 1;
	     p += str_len(p) + 1)
		if ((unsigned char)p[0] == e) {
			say(p + 1);
			return;
		}
	num[at] = '\0';
	do
		num[--at] = (char)('0' + e % 10);
	while ((e /= 10) > 0 && at > 0);
	say("errno ");
	say(num + at);
}

__attribute__((noreturn)) static void die(const char *what, const char *path, long e)
{
	say("cella: ");
	say(what);
	if (path != 0) {
		say(" `");
		say(path);
		say("`");
	}
	if (e != 0) {
		say(": ");
		say_errno(e);
	}
	say("\n");
	SYS(__NR_exit_group, 127, 0, 0, 0, 0);
	__builtin_unreachable();
}

/* An O_PATH fd of the runtime (dir/name) seen through a new read-only
 * overlayfs mount attached nowhere, with the runtime's directory over this
 * program's (overlayfs wants two lower layers without an upper one; the
 * second is never looked into, as the runtime's file hides the launcher's
 * of the same name): as exe_through_ro_overlay in kernel/process_seal.c,
 * which the runtime falls back on. Negative when it cannot be had. */
static long runtime_through_ro_overlay(const char *dir, const char *bindir)
{
	char lower[2 * PATH_LEN + 2];
	unsigned long at = 0;
	long fs, mnt, fd;

	if (cella_seal_paths_overlap(dir, bindir) ||
	    !cella_seal_append(lower, sizeof(lower), &at, dir, 1) ||
	    !cella_seal_append(lower, sizeof(lower), &at, ":", 0) ||
	    !cella_seal_append(lower, sizeof(lower), &at, bindir, 1))
		return -EINVAL;
	fs = SYS(__NR_fsopen, "overlay", FSOPEN_CLOEXEC, 0, 0, 0);
	if (fs < 0)
		return fs;
	mnt = SYS(__NR_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir", lower, 0);
	if (mnt >= 0) {
		/* xino would only log when the layers are on different filesystems */
		SYS(__NR_fsconfig, fs, FSCONFIG_SET_STRING, "xino", "off", 0);
		mnt = SYS(__NR_fsconfig, fs, FSCONFIG_CMD_CREATE, 0, 0, 0);
	}
	if (mnt >= 0)
		mnt = SYS(__NR_fsmount, fs, FSMOUNT_CLOEXEC,
			  MOUNT_ATTR_RDONLY | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOSUID, 0, 0);
	SYS(__NR_close, fs, 0, 0, 0, 0);
	if (mnt < 0)
		return mnt;
	fd = SYS(__NR_openat, mnt, RUNTIME_NAME, O_PATH | O_NOFOLLOW | O_CLOEXEC, 0, 0);
	SYS(__NR_close, mnt, 0, 0, 0, 0);
	return fd;
}

/* The inode number of the regular file at dirfd/name (not followed when
 * a symlink); 0 when there is none. */
static unsigned long long regular_ino(long dirfd, const char *name, int flags)
{
	struct statx stx = {0}; /* (written by the kernel, which analyzers do not see) */

	if (SYS(__NR_statx, dirfd, name, flags | AT_SYMLINK_NOFOLLOW, STATX_TYPE | STATX_INO,
		&stx) < 0 ||
	    (stx.stx_mode & S_IFMT) != S_IFREG)
		return 0;
	return stx.stx_ino;
}

/* Starts the runtime, at path in dir, from its overlay: with envp less any
 * mark of ours, plus the mark that names the runtime's path. Returns only
 * when it could not. */
static void exec_sealed(const char *dir, const char *bindir, const char *path, char **argv,
			char **envp)
{
	static char *env[ENV_MAX + 2];
	static char mark[sizeof(EXE_MARK) + PATH_LEN + 1];
	unsigned long at = 0, n = 0;
	unsigned long long ino;
	long fd;

	for (char **e = envp; *e != 0; e++) {
		/* CELLA_SELF_COPY (memfd, or a value the runtime refuses) is the
		 * runtime's to act on */
		if (starts_with(*e, "CELLA_SELF_COPY=") &&
		    !cella_entry_streq(*e, "CELLA_SELF_COPY=") &&
		    !cella_entry_streq(*e, "CELLA_SELF_COPY=overlay"))
			return;
		if (starts_with(*e, EXE_MARK))
			continue;
		if (n >= ENV_MAX)
			return;
		env[n++] = *e;
	}
	if (!cella_seal_append(mark, sizeof(mark), &at, EXE_MARK, 0) || at + 1 >= sizeof(mark))
		return;
	mark[at++] = CELLA_EXE_MARK_OVERLAY;
	if (!cella_seal_append(mark, sizeof(mark), &at, path, 0))
		return;
	env[n++] = mark;
	env[n] = 0;
	/* The runtime's own file through the overlay: where it is missing, the
	 * lower layer's file of the same name (this program) would be found */
	ino = regular_ino(AT_FDCWD, path, 0);
	if (ino == 0)
		return;
	fd = runtime_through_ro_overlay(dir, bindir);
	if (fd < 0)
		return;
	if (regular_ino(fd, "", AT_EMPTY_PATH) == ino)
		SYS(__NR_execveat, fd, "", argv, env, AT_EMPTY_PATH);
	SYS(__NR_close, fd, 0, 0, 0, 0);
}

/* The parent directory of the canonical path p ("/" for "/x"), into buf. */
static void parent_of(const char *p, char *buf, unsigned long len)
{
	unsigned long at = 0, last = 0;

	for (unsigned long i = 0; p[i] != '\0'; i++)
		if (p[i] == '/')
			last = i;
	if (last == 0)
		last = 1;
	if (last >= len)
		last = len - 1;
	for (; at < last; at++)
		buf[at] = p[at];
	buf[at] = '\0';
}

/* Into buf (of len bytes), the directory part of path ("." for none),
 * with a slash; 0 when it does not fit. */
static int dir_part(const char *path, char *buf, unsigned long len, unsigned long *at)
{
	const char *slash = 0;

	*at = 0;
	for (const char *p = path; *p != '\0'; p++)
		if (*p == '/')
			slash = p;
	if (slash == 0)
		return cella_seal_append(buf, len, at, "./", 0);
	for (const char *p = path; p <= slash; p++) {
		if (*at + 1 >= len)
			return 0;
		buf[(*at)++] = *p;
	}
	buf[*at] = '\0';
	return 1;
}

/* Without /proc (a chroot, a build environment): the runtime by the path
 * this program was started as (the kernel's AT_EXECFN), its symlinks
 * followed to the file itself, then its directory's
 * ../libexec/cella/cella, which the kernel resolves as the canonical path
 * above would be; the runtime then does without the overlay as it can. */
__attribute__((noreturn)) static void exec_without_proc(char **argv, char **envp)
{
	static char path[PATH_LEN], link[PATH_LEN], next[PATH_LEN];
	const char *fn = 0;
	unsigned long at = 0;
	unsigned long *aux;
	char **e = envp;
	long r;

	while (*e != 0)
		e++;
	for (aux = (unsigned long *)(e + 1); aux[0] != AT_NULL; aux += 2)
		if (aux[0] == AT_EXECFN)
			fn = (const char *)aux[1];
	if (fn == 0)
		die("cannot find its own binary through", "/proc/self/exe", 0);
	if (!cella_seal_append(path, sizeof(path), &at, fn, 0))
		die("the runtime's path is too long, from", fn, 0);
	/* (a symlink to the launcher: its target's directory, as the
	 * kernel's limit of 40 links in a path) */
	for (int hops = 0; hops < 40; hops++) {
		r = SYS(__NR_readlinkat, AT_FDCWD, path, link, sizeof(link) - 1, 0);
		if (r <= 0)
			break;
		link[r] = '\0';
		at = 0;
		if (link[0] != '/' && !dir_part(path, next, sizeof(next), &at))
			die("the runtime's path is too long, from", fn, 0);
		if (!cella_seal_append(next, sizeof(next), &at, link, 0))
			die("the runtime's path is too long, from", fn, 0);
		memcpy(path, next, at + 1);
	}
	if (!dir_part(path, next, sizeof(next), &at) ||
	    !cella_seal_append(next, sizeof(next), &at, ".." RUNTIME_DIR "/" RUNTIME_NAME, 0))
		die("the runtime's path is too long, from", fn, 0);
	r = SYS(__NR_execve, next, argv, envp, 0, 0);
	die("cannot start the runtime", next, -r);
}

/* Called from _start with the initial stack: argc, argv, 0, envp, 0. */
__attribute__((used, noreturn)) void launcher_main(long *sp);
__attribute__((used, noreturn)) void launcher_main(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	static char self[PATH_LEN], bindir[PATH_LEN], prefix[PATH_LEN], dir[PATH_LEN],
	    path[PATH_LEN];
	const char *command;
	unsigned long at = 0;
	long n;

	/* this program's directory (canonical: the kernel's), and its parent */
	n = SYS(__NR_readlinkat, AT_FDCWD, "/proc/self/exe", self, sizeof(self) - 1, 0);
	if (n <= 0 || self[0] != '/')
		exec_without_proc(argv, envp);
	self[n] = '\0';
	parent_of(self, bindir, sizeof(bindir));
	parent_of(bindir, prefix, sizeof(prefix));
	if (!cella_seal_append(dir, sizeof(dir), &at, prefix[1] != '\0' ? prefix : "", 0) ||
	    !cella_seal_append(dir, sizeof(dir), &at, RUNTIME_DIR, 0))
		die("the runtime's path is too long, from", self, 0);
	at = 0;
	if (!cella_seal_append(path, sizeof(path), &at, dir, 0) ||
	    !cella_seal_append(path, sizeof(path), &at, "/" RUNTIME_NAME, 0))
		die("the runtime's path is too long, from", self, 0);

	command = cella_entry_command(argc, argv);
	if (command != 0 && cella_entry_command_enters(command) &&
	    SYS(__NR_geteuid, 0, 0, 0, 0, 0) == 0 && SYS(__NR_getuid, 0, 0, 0, 0, 0) == 0)
		exec_sealed(dir, bindir, path, argv, envp);
	n = SYS(__NR_execve, path, argv, envp, 0, 0);
	die("cannot start the runtime", path, -n);
}

__asm__(".text\n"
	".globl _start\n"
	".type _start,@function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call launcher_main\n"
	"	hlt\n");
