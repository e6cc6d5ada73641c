/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Capability probes: for each capability, one harmless operation that needs
 * it, run twice inside a container's namespaces, once with the capability
 * sets of the container's init and once with only that capability removed.
 *
 * Who runs this: the prober, a process that has joined every namespace and
 * the root of the container (engine/probe.c). capprobe_run() gives it a
 * private mount namespace (propagation private: nothing reaches the
 * container) with a tmpfs scratch directory and a private IPC namespace,
 * creates the throwaway objects there (files of another owner, a process of
 * another uid...) and forks one child per run. Nothing of the container's
 * own is touched: its files, mounts, processes and hostname stay as they
 * were.
 */
#ifndef CELLA_CAPPROBE_H
#define CELLA_CAPPROBE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "kernel/seccomp.h"
#include "spec/spec.h"
#include "util/error.h"

/* The outcome of one run: 0 (the call succeeded), an errno (> 0), or one of
 * these. */
#define CAPPROBE_SILENT                                                                            \
	(-1)			/* the call succeeded, but without its privileged                  \
				   part (a mode bit or a flag left out) */
#define CAPPROBE_TIMEOUT (-2)	/* the run took more than 10 s */
#define CAPPROBE_NONE	 (-3)	/* not run */
#define CAPPROBE_UNKNOWN (-4)	/* cannot tell: no procfs at /proc to read it back */
#define CAPPROBE_SIGNAL	 (-100) /* CAPPROBE_SIGNAL - N: killed by signal N */

/* What a probe needs from the container; without it, it is not probed. */
#define CAPPROBE_NEEDS_OTHER_ID	  (1U << 0) /* a second uid and gid mapped */
#define CAPPROBE_NEEDS_OWN_NETNS  (1U << 1) /* a network namespace of its own */
#define CAPPROBE_NEEDS_OTHER_PROC (1U << 2) /* a process of another uid */
/* Facts about the kernel's check, to explain a refusal. */
#define CAPPROBE_HOST_CHECKED (1U << 3) /* against the host's user namespace */
#define CAPPROBE_AUDIT	      (1U << 4) /* audit: host user (and pid) namespace only */
#define CAPPROBE_PM_SLEEP     (1U << 5) /* always dropped without CONFIG_PM_SLEEP */

/* One row of the table (static). */
struct capprobe_info {
	int cap;
	const char *operation;	/* what is tried, one line; NULL: not probed */
	const char *not_probed; /* why not, when operation is NULL */
	int expect;		/* the result that means "allowed": 0, or the
				   errno the kernel returns after the check */
	int expect_alt;		/* another one, or CAPPROBE_NONE */
	int refused_alt;	/* an errno that also means "refused" (besides
				   EPERM, EACCES and CAPPROBE_SILENT), or
				   CAPPROBE_NONE */
	const char *silent;	/* how CAPPROBE_SILENT reads: "setgid bit cleared" */
	uint64_t also;		/* other capabilities that allow the operation */
	unsigned needs;		/* CAPPROBE_NEEDS_*, and the facts above */
};

/* The row for cap; NULL when cella has no row for it (a capability newer
 * than this table). */
const struct capprobe_info *capprobe_info(int cap);

/* The container, as its init is: plain data, read by the runtime from the
 * host's /proc before anything joins the container (the prober holds no
 * handle on the host's /proc). */
struct capprobe_target {
	struct cella_caps caps; /* the init's five sets */
	uid_t uid;		/* its effective ids and groups, translated into */
	gid_t gid;		/* its user namespace */
	gid_t *groups;
	size_t n_groups;
	bool setgroups_allowed; /* /proc/PID/setgroups is not "deny" */
	char *uid_map;		/* "inside outside count" lines */
	char *gid_map;
	bool own_netns; /* its network namespace is not the host's */
};

/* Fill t from /proc/PID (the runtime, on the host). */
int capprobe_read_target(pid_t pid, struct capprobe_target *t, cella_error *err);
void capprobe_target_clear(struct capprobe_target *t);

/* One capability's outcome, as capprobe_run reports it. Plain data (sent
 * through a pipe); the strings are static. */
struct capprobe_result {
	int32_t cap;
	int32_t held;	    /* in the init's effective set */
	int32_t with;	    /* CAPPROBE_NONE when not probed */
	int32_t without;    /* same */
	uint64_t effective; /* the init's effective set */
	const char *not_probed;
};

/* Called for each result, in order; < 0 (with err) stops. */
typedef int (*capprobe_report_fn)(const struct capprobe_result *r, void *data, cella_error *err);

/* What confines every process the prober starts: the container's own
 * restrictions. The prober itself stays in the host's pid namespace, out of
 * the container's sight; each process it starts is forked by a spawner (also
 * out of sight) that first joins the container's pid namespace for its
 * children, takes the ids, capability sets, no_new_privs and seccomp filter,
 * and only then forks it: the container never sees a process of the probe
 * holding more than it. */
struct capprobe_confine {
	int pidns_fd;				  /* the container's pid namespace */
	const struct cella_seccomp_prog *seccomp; /* its filter; NULL or empty: none */
	bool no_new_privs;			  /* the init's */
};

/*
 * Probe caps[0..n) (capability numbers, each <= the kernel's last cap) for
 * the container whose init t names, calling report() for each. The caller
 * has joined the container's namespaces (but its pid namespace, which conf
 * names), its root and its cgroup; this process's mount and IPC namespaces
 * become private ones of its own (unshared) and it becomes a child
 * subreaper, so call it in a process made for this. Children and the
 * throwaway process are gone when it returns.
 */
int capprobe_run(const struct capprobe_target *t, const struct capprobe_confine *conf,
		 const int *caps, size_t n, capprobe_report_fn report, void *data,
		 cella_error *err);

/* The verdict on one result (pure). */
enum capprobe_verdict {
	CAPPROBE_NEEDED,       /* allowed with it, refused without it */
	CAPPROBE_NO_EFFECT,    /* allowed both ways */
	CAPPROBE_NOT_HELD,     /* the init does not have it */
	CAPPROBE_REFUSED,      /* refused even with it */
	CAPPROBE_INCONCLUSIVE, /* another outcome: the note says which */
	CAPPROBE_NOT_PROBED,
};
const char *capprobe_verdict_name(enum capprobe_verdict v);

/* Judge r; note gets a short explanation ("" when none): why it was not
 * probed, which other capability held also allows the operation, what an
 * unexpected outcome was. */
enum capprobe_verdict capprobe_judge(const struct capprobe_result *r, char *note, size_t len);

/* "ok", "EPERM", "setgid bit cleared", "timed out", "killed by SIGSEGV"...
 * into buf (for one outcome of cap's operation). Returns buf. */
const char *capprobe_outcome(int cap, int outcome, char *buf, size_t len);

#endif
