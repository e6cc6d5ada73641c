/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the runtime's seal (kernel/process_seal.c) and the launcher
 * (src/launcher/launcher.c) share of the read-only overlay they start the
 * runtime from: the mark in the environment that tells the runtime how it
 * was started and where its binary really is, how a lower layer is written
 * in overlayfs' lowerdir, and which pairs of layers overlayfs refuses.
 * Header-only, with no call into the C library, for the launcher's sake.
 */
#ifndef CELLA_KERNEL_EXE_SEAL_H
#define CELLA_KERNEL_EXE_SEAL_H

#include <stddef.h>

/* CELLA_EXE_ENV=<kind><real path>: "o/PATH" (from a read-only overlay) or
 * "m/PATH" (from a sealed memfd copy). */
#define CELLA_EXE_ENV	       "_CELLA_EXE"
#define CELLA_EXE_MARK_OVERLAY 'o'
#define CELLA_EXE_MARK_MEMFD   'm'

/* Appends path to buf (of len bytes) at *at, with overlayfs' layer
 * separator `:` and its escape `\` escaped when escape is set,
 * NUL-terminated; 0 when it does not fit. */
static inline int cella_seal_append(char *buf, size_t len, size_t *at, const char *path, int escape)
{
	for (; *path != '\0'; path++) {
		if (escape && (*path == ':' || *path == '\\')) {
			if (*at + 1 >= len)
				return 0;
			buf[(*at)++] = '\\';
		}
		if (*at + 1 >= len)
			return 0;
		buf[(*at)++] = *path;
	}
	buf[*at] = '\0';
	return 1;
}

/* Whether one of the absolute, canonical directories a and b contains the
 * other, or they are the same: overlayfs refuses such layers (and says so
 * in the kernel's log). */
static inline int cella_seal_paths_overlap(const char *a, const char *b)
{
	while (*a != '\0' && *a == *b) {
		a++;
		b++;
	}
	return (*a == '\0' && (*b == '\0' || *b == '/' || a[-1] == '/')) ||
	       (*b == '\0' && (*a == '/' || b[-1] == '/'));
}

#endif
