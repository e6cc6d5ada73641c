/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The built-in default seccomp profile, compiled to BPF when cella is built
 * (tools/gen-seccomp-default.c writes BUILD/gen/seccomp_prebuilt.c, linked
 * into the cella binary only): the quick door's first run then loads it at
 * no cost, instead of compiling it (tens of ms) into ROOT/.seccomp-cache.
 *
 * An entry is used only for the very profile it was made from: its key is
 * engine_seccomp_prebuilt_key() of that profile, which names the libseccomp
 * version and the kernel's seccomp API level (what can change libseccomp's
 * output) and holds the profile's canonical JSON.
 */
#ifndef CELLA_ENGINE_SECCOMP_PREBUILT_H
#define CELLA_ENGINE_SECCOMP_PREBUILT_H

#include <stdbool.h>
#include <stddef.h>
#include <linux/filter.h>

#include "kernel/seccomp.h"

struct cella_seccomp_prebuilt {
	const char *key;
	const struct sock_filter *insns;
	size_t len;
	unsigned kernel_flags;
	/* cella_seccomp_dropped() of the profile found nothing when it was
	 * compiled: the same libseccomp (the key names it) knows every name. */
	int nothing_dropped;
};

/* Terminated by an entry with a NULL key. Weak: absent (NULL) from the
 * library alone (the unit tests), present in the cella binary. */
extern const struct cella_seccomp_prebuilt cella_seccomp_prebuilt[] __attribute__((weak));

/* "libseccomp X.Y.Z api N\n" + the profile's canonical JSON. malloc'd. */
char *engine_seccomp_prebuilt_key(const struct cella_seccomp *conf);

/* A copy of the prebuilt program for the profile whose canonical JSON
 * (cella_spec_seccomp_to_json) is json into *out: 1 when there is one, 0
 * when not. *nothing_dropped (when not NULL): the entry's. */
int engine_seccomp_prebuilt_find(const char *json, struct cella_seccomp_prog *out,
				 bool *nothing_dropped);

#endif
