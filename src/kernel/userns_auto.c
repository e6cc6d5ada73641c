/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quick door's user namespace as root: a range of unprivileged host ids
 * of its own per container, as podman's --userns=auto.
 *
 * cella's ids are reserved in /etc/subuid and /etc/subgid under the name
 * "cella" (USERNS_AUTO_COUNT ids, 1024 containers of 65536), appended by
 * cella itself the first time, past every range the files already give,
 * under an flock of the file; the reservation keeps other tools' ranges off
 * them. A container takes slot N of the reservation (ids START + N * 65536,
 * 65536 of them) by holding an flock on /run/cella/userns/N for as long as
 * the runtime that created it lives: the quick door's runtime stays in the
 * foreground and its container dies with it, so the lock is released with
 * the container, even after a crash.
 *
 * Who runs this: the runtime, root on the host, before the spec is built.
 */
#include "kernel/userns.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/cleanup.h"
#include "util/util.h"

#define SLOT_SIZE 65536U
#define SLOT_DIR  "/run/cella/userns"

/* The "cella" range in text (*start), and in *end the end of the last
 * range of any name. */
static bool find_range(char *text, uint32_t *start, uint64_t *end)
{
	char *line, *save = NULL;

	*end = 100000;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		uint64_t s, c;

		if (sscanf(line, "%63[^:]:%" SCNu64 ":%" SCNu64, name, &s, &c) != 3)
			continue;
		if (strcmp(name, USERNS_AUTO_NAME) == 0 && c >= USERNS_AUTO_COUNT) {
			*start = (uint32_t)s;
			return true;
		}
		if (s + c > *end)
			*end = s + c;
	}
	return false;
}

/* The "cella" range of file, reserving one past every range when absent
 * (the file is only opened for writing then: it may be read-only). */
static int reserve(const char *file, uint32_t *start, cella_error *err)
{
	cleanup_free char *text = NULL;
	cleanup_close int fd = -1;
	uint64_t end;
	ssize_t n;
	char buf[96];

	n = read_file_at(AT_FDCWD, file, &text, err);
	if (n < 0 && n != -ENOENT)
		return (int)n;
	if (n >= 0 && find_range(text, start, &end))
		return 0;
	cella_err_clear(err);
	fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		return cella_err(err, errno,
				 "reserve cella's ids in `%s` (scripts/setup.sh makes "
				 "the reservation)",
				 file);
	if (flock(fd, LOCK_EX) < 0)
		return cella_err(err, errno, "lock `%s`", file);
	/* Again under the lock: another cella may have just reserved. */
	free(text);
	text = NULL;
	n = read_file_at(AT_FDCWD, file, &text, err);
	if (n < 0)
		return (int)n;
	if (find_range(text, start, &end))
		return 0;
	end = (end + SLOT_SIZE - 1) / SLOT_SIZE * SLOT_SIZE;
	if (end + USERNS_AUTO_COUNT > UINT32_MAX)
		return cella_err(err, ERANGE, "`%s`: no room left for cella's %u ids", file,
				 USERNS_AUTO_COUNT);
	snprintf(buf, sizeof(buf), "%s:%" PRIu64 ":%u\n", USERNS_AUTO_NAME, end, USERNS_AUTO_COUNT);
	if (write(fd, buf, strlen(buf)) != (ssize_t)strlen(buf))
		return cella_err(err, errno, "reserve cella's ids in `%s`", file);
	*start = (uint32_t)end;
	return 0;
}

int userns_auto_range(uint32_t *uid, uint32_t *gid, cella_error *err)
{
	uint32_t us, gs;

	if (reserve("/etc/subuid", &us, err) < 0 || reserve("/etc/subgid", &gs, err) < 0)
		return cella_err_ret(err);
	if ((mkdir("/run/cella", 0711) < 0 && errno != EEXIST) ||
	    (mkdir(SLOT_DIR, 0700) < 0 && errno != EEXIST))
		return cella_err(err, errno, "create `%s`", SLOT_DIR);
	for (uint32_t n = 0; n < USERNS_AUTO_COUNT / SLOT_SIZE; n++) {
		char path[64];
		int fd;

		snprintf(path, sizeof(path), SLOT_DIR "/%u", n);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd < 0)
			return cella_err(err, errno, "open `%s`", path);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* Kept open (and locked) until we exit. */
			*uid = us + n * SLOT_SIZE;
			*gid = gs + n * SLOT_SIZE;
			return 0;
		}
		close(fd);
	}
	return cella_err(err, EBUSY, "every one of cella's %u user namespace ranges is in use",
			 USERNS_AUTO_COUNT / SLOT_SIZE);
}
