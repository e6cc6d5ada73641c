/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quick door: `cella run [flags] -- CMD` builds an OCI spec in memory
 * from flags, starting from the default spec. Pure logic (no system calls
 * beyond reading the clock-free inputs given here), unit tested.
 */
#ifndef CELLA_QUICK_H
#define CELLA_QUICK_H

#include <stdbool.h>
#include <sys/types.h>

#include "spec/spec.h"
#include "spec/spec_resources.h"
#include "util/error.h"

struct cella_quick {
	const char *name;   /* container id; also the default hostname */
	const char *rootfs; /* absolute */
	bool ns_given;	    /* --ns or --share was used */
	bool ns_new[CELLA_NS_COUNT];
	const char *hostname;
	const char *user; /* "UID[:GID]" */
	bool read_only;
	char **binds; /* "SRC:DST[:ro]", SRC absolute */
	char **tmpfs; /* "DST" */
	char **env;   /* "K=V" */
	const char *cwd;
	char **cap_add;
	char **cap_drop;
	char **uidmap; /* "C:H:N" */
	char **gidmap;
	bool userns_host; /* --userns host: root's ids 0-65535 as they are */
	bool tty;
	char **args;
	/* --seccomp: NULL or "default" (the built-in profile), "unconfined",
	 * or a profile file whose text the CLI read into seccomp_text. */
	const char *seccomp;
	const char *seccomp_text;
	size_t seccomp_len;
	/* --memory, --cpus, --pids-limit...: merged into linux.resources. */
	struct cella_resource_flags res;
	/* Facts about the caller, filled by the engine. */
	uid_t host_uid;
	gid_t host_gid;
	bool has_subuid, has_subgid; /* subordinate ranges usable via newuidmap */
	uint32_t subuid_start, subuid_count, subgid_start, subgid_count;
	/* As root, a user namespace of the container's own and no --uidmap,
	 * --gidmap or --userns host: ids 0-65535 are the 65536 host ids from
	 * auto_uid/auto_gid (kernel/userns_auto.c), and binds are idmapped. */
	bool auto_userns;
	uint32_t auto_uid, auto_gid;
	/* Whether the kernel can idmap the rootfs (else its files show as
	 * nobody, and /tmp is a tmpfs, as rootless). */
	bool auto_idmap_rootfs;
};

/* Whether the quick door will create a user namespace (no --share user). */
bool cella_quick_new_userns(const struct cella_quick *q);

/* Parse "--ns"/"--share" lists ("uts,pid,net") into ns flags. */
int cella_quick_ns_list(const char *list, bool value, bool ns[CELLA_NS_COUNT], cella_error *err);

int cella_spec_quick(const struct cella_quick *q, struct cella_spec **out, cella_error *err);

/* Parse a capability given on the command line: "NET_ADMIN", "cap_net_admin",
 * "ALL" (returns 64). -1 when unknown. */
int cella_quick_cap(const char *name);
/* The quick door's capability set without --cap-add/--cap-drop (podman's
 * default), as a mask. */
uint64_t cella_quick_default_caps(void);

#endif
