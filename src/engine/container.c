/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The parent's side of a container's create (start, kill, delete:
 * engine/lifecycle.c). Sync points #N match engine/init.c (the child's
 * side) and kernel/sync.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "engine/internal.h"
#include "engine/notify.h"
#include "engine/seccomp_agent.h"
#include "engine/state.h"
#include "engine/systemd.h"
#include "kernel/requirements.h"
#include "kernel/caps.h"
#include "kernel/cgroup.h"
#include "kernel/mount.h"
#include "kernel/cgroup_systemd.h"
#include "kernel/console.h"
#include "kernel/dev.h"
#include "kernel/hook.h"
#include "kernel/lsm.h"
#include "kernel/ns.h"
#include "kernel/process.h"
#include "kernel/procfs.h"
#include "kernel/sync.h"
#include "kernel/sysctl.h"
#include "kernel/userns.h"
#include "spec/spec_resources.h"
#include "util/cleanup.h"
#include "util/fault.h"
#include "util/log.h"
#include "util/util.h"

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

/* What the spec asks for and this build cannot do yet is refused, never
 * silently ignored: a container that asked for confinement must not run
 * without it. */
static int refuse_unsupported(const struct cella_spec *s, cella_error *err)
{
	const struct cella_linux *l = &s->linux_;
	const struct cella_lsm_conf lsm = {.apparmor_profile = s->process->apparmor_profile,
					   .selinux_label = s->process->selinux_label,
					   .mount_label = l->mount_label};

	/* A profile or label the host has no LSM for is an error (empty: none). */
	if (lsm_check(&lsm, err) < 0)
		return cella_err_ret(err);
	if (l->intel_rdt_json != NULL)
		return cella_err(err, ENOTSUP, "linux.intelRdt: not supported");
	return 0;
}

static bool has_cgroups_path(const struct cella_spec *s)
{
	return s->linux_.cgroups_path != NULL && s->linux_.cgroups_path[0] != '\0';
}

/* Is the host's cgroup layout pure v2? */
static bool unified_host(void)
{
	struct cella_cgroup_host h;
	bool unified;

	if (cella_cgroup_detect(&h, NULL) < 0)
		return false;
	unified = h.layout == CELLA_CGROUP_UNIFIED;
	cella_cgroup_host_clear(&h);
	return unified;
}

/* linux.resources and linux.cgroupsPath: typed and resolved. Rootless, the
 * cgroup goes in the subtree delegated to the caller (a relative or absent
 * cgroupsPath under it); without one the container runs without a cgroup,
 * with a warning when it asked for limits, and a cgroupsPath is an error on
 * a pure v2 host (as crun: the spec requires that cgroup) but a warning on a
 * v1 or hybrid one, where no cgroup can be the caller's (as runc). */
static int prepare_cgroup(const struct cella_create_opts *o, struct cella_ctx *c, cella_error *err)
{
	const struct cella_linux *l = &o->spec->linux_;
	cleanup_free char *own = NULL;
	cleanup_free char *mapped = NULL;
	cleanup_free char *why = NULL;
	cleanup_free char *rel = NULL;
	const char *path;
	bool rootless;
	int ret;

	if (l->resources_json != NULL &&
	    cella_spec_resources_parse(l->resources_json, &c->resources, err) < 0)
		return cella_err_ret(err);
	cella_spec_resources_device_defaults(&c->resources);
	for (char **i = c->resources.ignored; i != NULL && *i != NULL; i++)
		if (!str_has_prefix(*i, "linux.resources.devices"))
			cella_warn("%s: not applied yet", *i);
	if (o->cgroup_manager == CELLA_CGROUP_MANAGER_DISABLED) {
		if (cella_resources_any(&c->resources))
			cella_warn("linux.resources: --cgroup-manager disabled, the limits are not "
				   "applied");
		return 0;
	}
	/* The systemd driver: systemd makes the cgroup, at #4. */
	if (o->cgroup_manager == CELLA_CGROUP_MANAGER_SYSTEMD)
		return engine_systemd_prepare(o, c, err);
	path = l->cgroups_path;
	/* Rootless: not root, or root of a user namespace (rootless podman
	 * runs its runtime there), as runc decides it. */
	rootless = geteuid() != 0 || !userns_is_initial();
	if (rootless) {
		ret = cella_cgroup_delegated(&own, &why, err);
		if (ret < 0)
			return cella_err_ret(err);
		if (ret == 0 && path != NULL && path[0] != '\0' && !unified_host()) {
			/* v1 or hybrid: no cgroup can be the caller's (podman's
			 * rootless cgroupfs configuration); runc goes on without
			 * one. */
			cella_warn("linux.cgroupsPath `%s`: running rootless, and %s; the "
				   "container runs without a cgroup",
				   path, why);
		} else if (ret == 0 && path != NULL && path[0] != '\0')
			return cella_err(err, EPERM,
					 "linux.cgroupsPath `%s`: running rootless, and %s; drop "
					 "cgroupsPath to run without a cgroup",
					 path, why);
		if (ret == 0) {
			if (cella_resources_any(&c->resources))
				cella_warn("linux.resources: running rootless without a cgroup "
					   "(%s), the limits are not applied",
					   why);
			return 0;
		}
	}
	if (path != NULL && cgroup_systemd_form(path)) {
		/* No systemd driver yet: the same place, created through
		 * cgroupfs, and said. */
		if (cgroup_systemd_to_path(path, &mapped, err) < 0)
			return cella_err_ret(err);
		cella_warn("linux.cgroupsPath `%s`: no systemd cgroup driver, using the cgroupfs "
			   "path `%s`",
			   path, mapped);
		path = mapped;
	}
	if (own == NULL && cella_cgroup_own_path(&own, err) < 0)
		return cella_err_ret(err);
	/* Rootless: under the delegated subtree, not the hierarchy's root. */
	if (rootless && (path == NULL || path[0] == '\0'))
		path = rel = xasprintf("cella/%s", o->id);
	return cella_cgroup_resolve_path(path, o->id, own, &c->cgroup_path, err);
}

/* linux.sysctl: only keys of a namespace the container has its own of (new
 * or joined); anything else would change the host. */
static int check_sysctls(const struct cella_spec *s, cella_error *err)
{
	for (size_t i = 0; i < s->linux_.n_sysctl; i++) {
		const char *key = s->linux_.sysctl[i].key;
		int ns = sysctl_namespace(key);

		/* Namespaced, but the spec has a field for it (runc refuses
		 * it too). */
		if (strcmp(key, "kernel.hostname") == 0)
			return cella_err_invalid(err,
						 "linux.sysctl `%s`: conflicts with the hostname "
						 "field, set that instead",
						 key);
		if (ns < 0)
			return cella_err_invalid(
			    err,
			    "linux.sysctl `%s`: not a namespaced key, it would "
			    "change the host",
			    key);
		if (!s->linux_.ns[ns].enabled)
			return cella_err_invalid(err,
						 "linux.sysctl `%s`: needs the container's own %s "
						 "namespace",
						 key, cella_ns_type_name((enum cella_ns_type)ns));
	}
	return 0;
}

/* Relative bind sources are relative to the bundle (runc resolves them from
 * the bundle directory). */
static void absolute_bind_sources(struct cella_spec *s, const char *bundle)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct cella_mount *m = &s->mounts[i];
		bool bind = m->type != NULL && strcmp(m->type, "bind") == 0;

		for (char **o = m->options; !bind && o != NULL && *o != NULL; o++)
			bind = strcmp(*o, "bind") == 0 || strcmp(*o, "rbind") == 0;
		if (bind && m->source != NULL && m->source[0] != '/') {
			char *abs = xasprintf("%s/%s", bundle, m->source);
			free(m->source);
			m->source = abs;
		}
	}
}

/* Without a mount namespace of its own (none in linux.namespaces, or the
 * runtime's own joined by path) the container shares the runtime's, and
 * its process is chrooted into root.path, as runc does. Nothing may be
 * mounted or created there: every mount would be one in the host's
 * namespace (runc makes them, and leaves them behind), so what needs one is
 * refused, naming the field. */
static int inherited_mountns_refusals(const struct cella_spec *s, cella_error *err)
{
	const struct cella_linux *l = &s->linux_;
	const char *why = "the container has no mount namespace of its own (linux.namespaces), "
			  "and cella makes no mount in the runtime's";

	if (s->n_mounts > 0)
		return cella_err_invalid(err, "mounts: %s", why);
	if (strv_len(l->masked_paths) > 0 || strv_len(l->readonly_paths) > 0)
		return cella_err_invalid(
		    err, "linux.%s: %s",
		    strv_len(l->masked_paths) > 0 ? "maskedPaths" : "readonlyPaths", why);
	if (s->root_readonly)
		return cella_err_invalid(err, "root.readonly: %s", why);
	if (l->rootfs_propagation != NULL)
		return cella_err_invalid(err, "linux.rootfsPropagation: %s", why);
	if (l->n_devices > 0)
		return cella_err_invalid(
		    err, "linux.devices: the container has no mount namespace of its own "
			 "(linux.namespaces): the nodes would be made in the rootfs on disk");
	return 0;
}

/* Everything that can be refused before anything is created: the caller
 * learns about bad input with nothing to clean up. */
static int validate(const struct cella_create_opts *o, struct cella_ctx *c, cella_error *err)
{
	const struct cella_spec *s = o->spec;
	const struct cella_linux *l = &s->linux_;
	cleanup_free char *root = NULL;
	struct stat st;

	if (cella_validate_id(o->id, err) < 0)
		return cella_err_ret(err);
	if (s->process == NULL)
		return cella_err_invalid(err, "process: missing (a container needs a process)");
	if (s->process->args == NULL || s->process->args[0] == NULL)
		return cella_err_invalid(err, "process.args: empty");
	if (s->root_path == NULL)
		return cella_err_invalid(err, "root.path: missing");
	if (refuse_unsupported(s, err) < 0 || check_sysctls(s, err) < 0 ||
	    engine_netdev_validate(l, err) < 0)
		return cella_err_ret(err);
	absolute_bind_sources(o->spec, o->bundle);
	root = s->root_path[0] == '/' ? xstrdup(s->root_path)
				      : xasprintf("%s/%s", o->bundle, s->root_path);
	c->rootfs = realpath(root, NULL);
	if (c->rootfs == NULL)
		return cella_err(err, errno, "root.path: rootfs `%s`", root);
	if (stat(c->rootfs, &st) < 0 || !S_ISDIR(st.st_mode))
		return cella_err(err, ENOTDIR, "root.path: rootfs `%s` is not a directory", root);
	/* A bundle's rootfs is named by its real path, as runc wants it
	 * ("invalid rootfs: not an absolute path, or a symlink"), though ".."
	 * is taken lexically here where runc 1.1 follows a link before it
	 * (cella refuses `LINK/../rootfs`). The mounts still go by path, as
	 * runc's. The quick door's --rootfs may be a link (as bubblewrap's). */
	if (!o->ephemeral_root) {
		cleanup_free char *lexical = path_clean(root);

		if (strcmp(lexical, c->rootfs) != 0)
			return cella_err_invalid(
			    err,
			    "root.path: rootfs `%s` is a symlink or goes through one (to `%s`)",
			    root, c->rootfs);
	}

	c->new_userns = l->ns[CELLA_NS_USER].enabled && l->ns[CELLA_NS_USER].path == NULL;
	c->userns = l->ns[CELLA_NS_USER].enabled;
	c->new_mountns = l->ns[CELLA_NS_MOUNT].enabled && l->ns[CELLA_NS_MOUNT].path == NULL;
	c->new_netns = l->ns[CELLA_NS_NET].enabled && l->ns[CELLA_NS_NET].path == NULL;
	c->new_cgroupns = l->ns[CELLA_NS_CGROUP].enabled && l->ns[CELLA_NS_CGROUP].path == NULL;
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (t != CELLA_NS_USER && t != CELLA_NS_CGROUP && l->ns[t].enabled &&
		    l->ns[t].path == NULL)
			c->unshare_flags |= cella_ns_table[t].clone_flag;

	c->build_rootfs = l->ns[CELLA_NS_MOUNT].enabled &&
			  !ns_path_is_own(l->ns[CELLA_NS_MOUNT].path, CELLA_NS_MOUNT);
	if (!c->build_rootfs && inherited_mountns_refusals(s, err) < 0)
		return cella_err_ret(err);
	if (s->hostname != NULL && !l->ns[CELLA_NS_UTS].enabled)
		return cella_err_invalid(err,
					 "hostname: setting it needs a uts namespace (the host's "
					 "hostname would change)");
	if (s->domainname != NULL && !l->ns[CELLA_NS_UTS].enabled)
		return cella_err_invalid(err, "domainname: setting it needs a uts namespace");
	if ((l->time_monotonic.set || l->time_boottime.set) && !(c->unshare_flags & CLONE_NEWTIME))
		return cella_err_invalid(err, "linux.timeOffsets: needs a new time namespace");
	if (c->new_userns) {
		if (idmap_validate(l->uid_mappings, l->n_uid_mappings, "linux.uidMappings", err) <
			0 ||
		    idmap_validate(l->gid_mappings, l->n_gid_mappings, "linux.gidMappings", err) <
			0)
			return cella_err_ret(err);
	} else if (l->n_uid_mappings || l->n_gid_mappings) {
		if (!c->userns)
			return cella_err_invalid(
			    err, "linux.uidMappings: given without a user namespace");
	}
	if (geteuid() != 0 && !c->userns)
		return cella_err(err, EPERM,
				 "running as uid %u (rootless) needs a user namespace in "
				 "linux.namespaces",
				 (unsigned)geteuid());
	if (s->process->terminal && !o->foreground && o->console_socket == NULL)
		return cella_err_invalid(
		    err, "process.terminal is true but no --console-socket was given "
			 "to receive the terminal");
	/* Rootless without a helper can only map its own ids, and the kernel
	 * then demands setgroups "deny". */
	c->deny_setgroups = c->new_userns && geteuid() != 0 && l->n_gid_mappings == 1 &&
			    l->gid_mappings[0].size == 1 && l->gid_mappings[0].host_id == getegid();
	/* Run from a user namespace that denies it (rootless podman's): the
	 * container's inherits the denial. */
	c->setgroups_denied = userns_setgroups_denied();

	c->rootfs_conf.rootfs = c->rootfs;
	c->rootfs_conf.readonly = s->root_readonly;
	c->rootfs_conf.propagation = l->rootfs_propagation;
	c->rootfs_conf.mounts = s->mounts;
	c->rootfs_conf.n_mounts = s->n_mounts;
	c->rootfs_conf.masked_paths = l->masked_paths;
	c->rootfs_conf.readonly_paths = l->readonly_paths;
	c->rootfs_conf.devices = l->devices;
	c->rootfs_conf.n_devices = l->n_devices;
	/* The runtime itself in a user namespace (rootless podman's) counts
	 * too: no mknod of devices, mount flags locked, as runc sees it. */
	c->rootfs_conf.in_userns = c->userns || !userns_is_initial();
	c->rootfs_conf.no_pivot = o->no_pivot;
	c->rootfs_conf.mount_label = l->mount_label;
	c->rootfs_conf.idmap_rootfs = o->idmap_rootfs && c->new_userns && c->build_rootfs;
	/* Bind sources opened by the runtime (mount_sources.c): the container's
	 * root cannot traverse what only host root can. */
	for (size_t i = 0; i < s->n_mounts; i++)
		if (c->new_userns && c->build_rootfs && geteuid() == 0 &&
		    mount_needs_host_source(&s->mounts[i]))
			c->rootfs_conf.host_sources = true;
	if (c->new_userns) {
		c->rootfs_conf.idmap_uid = l->uid_mappings;
		c->rootfs_conf.n_idmap_uid = l->n_uid_mappings;
		c->rootfs_conf.idmap_gid = l->gid_mappings;
		c->rootfs_conf.n_idmap_gid = l->n_gid_mappings;
	}
	if (prepare_cgroup(o, c, err) < 0)
		return cella_err_ret(err);
	/* Compiled here, before anything exists; the child only loads it. */
	if (l->seccomp != NULL &&
	    engine_seccomp_build(o->state_root, l->seccomp,
				 l->seccomp_json_canonical ? l->seccomp_json : NULL, &c->seccomp,
				 &c->seccomp_nothing_dropped, err) < 0)
		return cella_err_ret(err);
	if (o->ephemeral_root && c->new_mountns && !s->root_readonly) {
		if (o->state_root[0] != '/')
			return cella_err_invalid(err, "--root `%s` must be an absolute path",
						 o->state_root);
		c->scratch = xasprintf("%s/" SCRATCH_DIR, o->state_root);
		c->rootfs_conf.scratch_dir = c->scratch;
	}
	return 0;
}

/* ROOT/.scratch (SCRATCH_DIR), made by the first ephemeral container: a
 * directory of the state root's owner, not a link to one elsewhere. */
static int scratch_dir_make(const char *path, cella_error *err)
{
	struct stat st;

	if (mkdir(path, 0700) == 0)
		return 0;
	if (errno != EEXIST)
		return cella_err(err, errno, "create the scratch directory `%s`", path);
	if (lstat(path, &st) < 0)
		return cella_err(err, errno, "stat the scratch directory `%s`", path);
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid())
		return cella_err(err, EEXIST, "`%s` is not a directory of ours", path);
	return 0;
}

static char *now_rfc3339(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return rfc3339_utc(ts.tv_sec, ts.tv_nsec);
}

/* #5a: the init has loaded a filter with a listener (SCMP_ACT_NOTIFY) and
 * passes it on; the agent at listenerPath gets it with the container process
 * state, and we keep no copy. A failure fails create. */
static int send_listener(struct cella_ctx *c, pid_t pid, int sync_fd, cella_error *err)
{
	const struct cella_seccomp *sc = c->spec->linux_.seccomp;
	cleanup_close int listener = -1;
	cleanup_free char *state = NULL;

	if (sync_wait(sync_fd, SYNC_SECCOMP_LISTENER, NULL, &listener, err) < 0)
		return cella_err_ret(err);
	if (listener < 0)
		return cella_err(err, EPROTO, "sync: the seccomp listener did not come with #5a");
	state = engine_hook_state(c->opts, c->rootfs, pid, CELLA_STATUS_CREATING);
	return engine_seccomp_agent_send(sc->listener_path, sc->listener_metadata, pid, state,
					 listener, err);
}

/* The second half of a cgroup made in two (cella_cgroup_create_rest). */
static int late_cgroup_rest(struct cella_ctx *c, cella_error *err)
{
	c->cgroup_late = false;
	return cella_cgroup_create_rest(c->cgroup, &c->resources, has_cgroups_path(c->spec), err);
}

/* #4e: the rest of the cgroup, made while the init made its mounts, and the
 * `tasks` file of each v1 hierarchy to the init, which joins with them at
 * #4 (as it would with the ones a clone passes on). */
static int send_late_cgroup(struct cella_ctx *c, int sync_fd, cella_error *err)
{
	struct cella_cgroup_self_entry e = {0};
	int r = 0;

	if (late_cgroup_rest(c, err) < 0 || fault_point("create:cgroup-rest", err) < 0 ||
	    cella_cgroup_self_entry_open(c->cgroup, &e, err) < 0)
		return cella_err_ret(err);
	c->cgroup_self_v1 = e.n > 0;
	/* One message (the init waits for it), with none when there is
	 * nothing to join. */
	r = sync_send_fds(sync_fd, SYNC_CGROUP_ENTRY, e.fd, e.n, err);
	cella_cgroup_self_entry_close(&e);
	return r;
}

/* Parent side of the handshake; returns the init's pid. Until #3, stage 1
 * is watched through a pidfd: its child (the init) holds the other end of
 * the socket too, so its death alone would never show as EOF. */
static int parent_handshake(struct cella_ctx *c, pid_t *stage1, pid_t *init, int sync_fd,
			    int *pty_master, cella_error *err)
{
	const struct cella_linux *l = &c->spec->linux_;
	cleanup_close int pidfd = process_pidfd_open(*stage1);
	struct sync_watch w1 = {
	    .pidfd = pidfd, .who = "the setup process (stage 1)", .timeout_ms = sync_timeout_ms()};
	struct sync_watch w2 = {
	    .pidfd = -1, .who = "the container's init", .timeout_ms = sync_timeout_ms()};
	int32_t pid = -1;
	int status;

	if (*stage1 < 0) {
		/* No stage 1: the init was cloned in its namespaces, its pid
		 * is known (no #1; #3 only from a new user namespace). */
		pid = *init;
		if (c->new_userns) {
			/* Born in its user namespace (and pid and time
			 * namespaces), without maps yet. */
			if (fault_point("create:2", err) < 0)
				return cella_err_ret(err);
			if (userns_write_maps(pid, l->uid_mappings, l->n_uid_mappings,
					      l->gid_mappings, l->n_gid_mappings, c->deny_setgroups,
					      err) < 0)
				return cella_err_ret(err);
			/* #2: maps written. */
			if (sync_send(sync_fd, SYNC_USERNS_MAPPED, 0, err) < 0)
				return cella_err_ret(err);
			/* #3: its other namespaces made (the netDevices and
			 * the bind sources below go into them). */
			if (sync_wait_watch(sync_fd, SYNC_INIT_PID, &w2, NULL, NULL, err) < 0)
				return cella_err_ret(err);
		}
		goto init_known;
	}
	if (c->new_userns) {
		/* #1: the child has unshared its user namespace. */
		if (sync_wait_watch(sync_fd, SYNC_USERNS_READY, &w1, NULL, NULL, err) < 0)
			return cella_err_ret(err);
		if (fault_point("create:1", err) < 0)
			return cella_err_ret(err);
		if (userns_write_maps(*stage1, l->uid_mappings, l->n_uid_mappings, l->gid_mappings,
				      l->n_gid_mappings, c->deny_setgroups, err) < 0)
			return cella_err_ret(err);
		/* #2: maps written. */
		if (sync_send(sync_fd, SYNC_USERNS_MAPPED, 0, err) < 0)
			return cella_err_ret(err);
	}
	/* #3: the container's init exists. */
	if (sync_wait_watch(sync_fd, SYNC_INIT_PID, &w1, &pid, NULL, err) < 0)
		return cella_err_ret(err);
	if (pid & SYNC_INIT_PID_PLACED) {
		c->cgroup_placed = true;
		pid &= ~SYNC_INIT_PID_PLACED;
	}
	*init = pid;
	while (waitpid(*stage1, &status, 0) < 0)
		if (errno != EINTR)
			return cella_err(err, errno, "wait for the setup process");
	*stage1 = -1;
init_known:
	if (fault_point("create:3", err) < 0)
		return cella_err_ret(err);
	/* Its network namespace exists: linux.netDevices go in. */
	if (engine_netdev_move_in(l, pid, &c->netdev_ns, &c->netdevs_moved, err) < 0)
		return cella_err_ret(err);
	/* #3m: the bind sources, opened on the host's side. */
	if (mount_send_sources(pid, &c->rootfs_conf, sync_fd, err) < 0)
		return cella_err_ret(err);
	/* #4e: the v1 hierarchies, made while the init made its mounts, and
	 * their `tasks` files to it. */
	if (c->cgroup_late && send_late_cgroup(c, sync_fd, err) < 0)
		return cella_err_ret(err);
	/* #4: the init joins its cgroup before it unshares its cgroup
	 * namespace, so that it sees the cgroup as its root: into the unified
	 * hierarchy here, unless it was born there; into the v1 ones itself
	 * once #4 came, without the kernel's global lock (kernel/cgroup.h). */
	if (c->cgroup != NULL &&
	    cella_cgroup_enter_except(c->cgroup, *init,
				      (c->cgroup_self_v1 ? CELLA_CGROUP_SKIP_V1 : 0) |
					  (c->cgroup_placed ? CELLA_CGROUP_SKIP_UNIFIED : 0),
				      err) < 0)
		return cella_err_ret(err);
	if (c->sd.unit != NULL && engine_systemd_enter(c, *init, err) < 0)
		return cella_err_ret(err);
	/* #4: (the cgroup is configured here) let the init go on; it learns
	 * its host pid, for the state its hooks read. */
	if (sync_send(sync_fd, SYNC_CGROUP_READY, pid, err) < 0)
		return cella_err_ret(err);
	if (fault_point("create:4", err) < 0)
		return cella_err_ret(err);
	if (engine_has_hooks(c->spec, CELLA_HOOK_PRESTART) ||
	    engine_has_hooks(c->spec, CELLA_HOOK_CREATE_RUNTIME)) {
		cleanup_free char *state = NULL;

		/* #4a: the mounts are made, pivot_root is next. */
		if (sync_wait_watch(sync_fd, SYNC_HOOKS, &w2, NULL, NULL, err) < 0)
			return cella_err_ret(err);
		/* In the runtime's namespaces, the deprecated prestart first. */
		state = engine_hook_state(c->opts, c->rootfs, pid, CELLA_STATUS_CREATING);
		if (hook_run_all(&c->spec->hooks, CELLA_HOOK_PRESTART, state, NULL, err) < 0 ||
		    hook_run_all(&c->spec->hooks, CELLA_HOOK_CREATE_RUNTIME, state, NULL, err) < 0)
			return cella_err_ret(err);
		/* #4b: they succeeded. */
		if (sync_send(sync_fd, SYNC_HOOKS_DONE, 0, err) < 0)
			return cella_err_ret(err);
	}
	if (c->process->terminal) {
		/* #5: the pty master. */
		if (sync_wait_watch(sync_fd, SYNC_PTY_MASTER, &w2, NULL, pty_master, err) < 0)
			return cella_err_ret(err);
		/* To whoever asked for it (conmon, the containerd shim); the
		 * runtime keeps no copy. */
		if (c->opts->console_socket != NULL) {
			int r = terminal_send_to_socket(c->opts->console_socket, *pty_master, err);
			close(*pty_master);
			*pty_master = -1;
			if (r < 0)
				return cella_err_context(err, "--console-socket");
		}
	}
	if (cella_seccomp_prog_has_listener(&c->seccomp) && send_listener(c, pid, sync_fd, err) < 0)
		return cella_err_ret(err);
	/* #6: created, waiting for start (createContainer hooks on the way). */
	w2.timeout_ms = engine_hook_step_timeout(c->spec, CELLA_HOOK_CREATE_CONTAINER,
						 CELLA_HOOK_CREATE_CONTAINER);
	if (sync_wait_watch(sync_fd, SYNC_CREATED, &w2, NULL, NULL, err) < 0)
		return cella_err_ret(err);
	return fault_point("create:6", err);
}

/* Socket activation (systemd's LISTEN_FDS in the runtime's environment): the
 * fds 3.. are passed on, and the process told about them, as runc does. */
static void socket_activation(const struct cella_create_opts *o, struct cella_ctx *c)
{
	const char *lf = getenv("LISTEN_FDS");
	unsigned long long n = 0;
	char buf[64];

	c->preserve_fds = o->preserve_fds;
	if (lf == NULL || !parse_u64(lf, 1024, &n) || n == 0 || o->spec->process == NULL)
		return;
	if ((int)n > c->preserve_fds)
		c->preserve_fds = (int)n;
	snprintf(buf, sizeof(buf), "LISTEN_FDS=%llu", n);
	cella_spec_setenv(o->spec, buf);
	cella_spec_setenv(o->spec, "LISTEN_PID=1");
}

/* The init died during setup: when the OOM killer did it (a memory limit
 * too small to set the container up in), say so rather than that the
 * process exited. Reaps the init (*init = -1) when it is dead. */
static int explain_init_death(struct cella_ctx *c, pid_t *init, cella_error *err)
{
	cleanup_close int pidfd = *init > 0 ? process_pidfd_open(*init) : -1;
	struct pollfd p = {.fd = pidfd, .events = POLLIN};
	struct cella_cgroup_stats stats;
	int status = 0;

	if (pidfd < 0 || c->cgroup == NULL || err == NULL || err->errnum != 0)
		return cella_err_ret(err);
	/* The socket's EOF came with its death: a moment at most. */
	if (poll(&p, 1, 5000) <= 0 || waitpid(*init, &status, WNOHANG) != *init)
		return cella_err_ret(err);
	*init = -1;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
		return cella_err_ret(err);
	memset(&stats, 0, sizeof(stats));
	if (cella_cgroup_stats(c->cgroup, &stats, NULL) < 0)
		return cella_err_ret(err);
	if (stats.oom_kills > 0)
		cella_err(err, ENOMEM,
			  "the container's init was killed by the OOM killer during setup "
			  "(linux.resources.memory.limit %lld bytes)",
			  (long long)c->resources.memory_limit);
	cella_cgroup_stats_clear(&stats);
	return cella_err_ret(err);
}

/* Stage 1 exists for what must happen between the namespaces: joining
 * some by path (a user namespace too), time offsets (before any process
 * enters the time namespace). Without those the runtime clones the init
 * straight into its new namespaces and its cgroup: one process, fork and
 * exit fewer. A new user namespace among them: the clone makes it with the
 * pid and time namespaces only, the runtime writes its maps at once (#2),
 * and the init, root in it, makes the others and says so (#3): an ipc or
 * net namespace made before the maps would own its objects (the mqueue
 * root, the loopback's sysfs files) as the host's root, not as the
 * container's (runc#1562). */
static bool direct_init(const struct cella_ctx *c)
{
	const struct cella_linux *l = &c->spec->linux_;

	if (c->userns && !c->new_userns)
		return false;
	if ((c->unshare_flags & CLONE_NEWTIME) && (l->time_monotonic.set || l->time_boottime.set))
		return false;
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		if (c->ns_fds[t] >= 0)
			return false;
	return true;
}

static void ctx_free(struct cella_ctx *c)
{
	free(c->rootfs);
	free(c->scratch);
	free(c->cgroup_path);
	cgroup_systemd_unit_clear(&c->sd);
	if (c->cgroup_fd >= 0)
		close(c->cgroup_fd);
	cella_cgroup_self_entry_close(&c->cgroup_entry);
	cella_resources_clear(&c->resources);
	cella_cgroup_free(c->cgroup);
	cella_seccomp_prog_clear(&c->seccomp);
	mount_detached_close(&c->rootfs_conf);
	dev_close_nodes(c->rootfs_conf.device_fds, c->spec->linux_.n_devices);
	c->rootfs_conf.device_fds = NULL;
	if (c->netdev_ns >= 0)
		close(take_fd(&c->netdev_ns));
}

/* Started by the same process right after (cella_run), and nothing that
 * may ask the container's status in between: a pipe instead of the exec
 * fifo (engine.h, start_here). */
static bool start_pipe(const struct cella_create_opts *o)
{
	return o->start_here && o->on_created == NULL && !engine_has_any_hooks(o->spec);
}

int container_create(const struct cella_create_opts *o, const sigset_t *saved_mask,
		     struct cella_created *out, cella_error *err)
{
	struct cella_ctx c;
	cleanup_close int dirfd = -1;
	cleanup_close int fifo = -1;
	cleanup_close int start_w = -1;
	cleanup_close int pty = -1;
	cleanup_pid pid_t stage1 = -1;
	cleanup_pid pid_t init = -1;
	int sv[2] = {-1, -1};
	struct cella_state st;
	char *created = NULL;
	cleanup_strv char **joined_before = NULL;
	bool forked = false, direct;
	int r;

	memset(&c, 0, sizeof(c));
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		c.ns_fds[t] = -1;
	c.cgroup_fd = -1;
	c.netdev_ns = -1;
	c.fifo_fd = c.fifo_wfd = c.start_w = -1;
	c.opts = o;
	c.spec = o->spec;
	c.process = o->spec->process;
	c.saved_mask = *saved_mask;
	r = kernel_check_requirements(err);
	if (r < 0)
		goto out_free;
	socket_activation(o, &c);
	/* NOTIFY_SOCKET: the container's own socket directory, mounted. */
	r = engine_notify_setup_spec(o->spec, o->state_root, o->id, err);
	if (r < 0)
		goto out_free;
	r = validate(o, &c, err);
	if (r < 0)
		goto out_free;
	r = ns_open_paths(o->spec->linux_.ns, c.ns_fds, err);
	if (r < 0)
		goto out_free;
	r = mount_prepare_detached(&c.rootfs_conf, err);
	if (r < 0)
		goto out_free;
	if (c.new_userns && c.build_rootfs) {
		const struct cella_linux *l = &o->spec->linux_;

		r = dev_prepare_userns_nodes(l->devices, l->n_devices, l->uid_mappings,
					     l->n_uid_mappings, l->gid_mappings, l->n_gid_mappings,
					     &c.rootfs_conf.device_fds, err);
		if (r < 0)
			goto out_free;
	}

	/* From here on, state exists: every failure removes it. It names the
	 * cgroup before the cgroup exists and says who creates it (pid 0), so
	 * that `delete --force` finds everything a crash of this process can
	 * leave; the processes die with us until #7. */
	memset(&st, 0, sizeof(st));
	st.id = (char *)o->id;
	st.bundle = (char *)o->bundle;
	st.rootfs = c.rootfs;
	st.oci_version = o->spec->oci_version;
	st.owner = geteuid();
	st.created = created = now_rfc3339();
	st.cgroup_path = c.cgroup_path;
	st.annotations = o->spec->annotations;
	st.n_annotations = o->spec->n_annotations;
	st.creator = getpid();
	/* The container's securebits are the runtime's (nothing here sets
	 * them; execve clears SECBIT_KEEP_CAPS, bit 4), or the default, 0, in
	 * a user namespace (entering one resets them: set_cred_user_ns). */
	st.securebits = c.userns ? 0 : caps_securebits();
	if (st.securebits > 0)
		st.securebits &= ~(1 << 4);
	r = procfs_start_time(st.creator, &st.creator_start, err);
	if (r < 0)
		goto out_free;
	/* A cgroupsPath there already is joined: said from the first state
	 * on, so that a delete after this create crashed leaves what was there
	 * (its processes, its directories) alone. */
	if (c.cgroup_path != NULL && c.sd.unit == NULL && has_cgroups_path(o->spec)) {
		r = cella_cgroup_existing(c.cgroup_path, &joined_before, err);
		if (r < 0)
			goto out_free;
		st.cgroup_joined = joined_before;
	}
	dirfd = state_dir_create(o->state_root, o->id, &st, err);
	/* The leftovers of a create of ours that was killed: removed, and the
	 * id taken again (as runc reuses it). */
	if (dirfd == -EEXIST && container_remove_crashed_create(o->state_root, o->id) == 0)
		dirfd = state_dir_create(o->state_root, o->id, &st, err);
	if (dirfd < 0) {
		r = dirfd;
		goto out_free;
	}
	r = fault_point("create:state", err);
	if (r < 0)
		goto out_remove;
	/* The container's mounts reach notify/ from its user namespace,
	 * where the directory's owner may be nobody: searchable (runc's are
	 * 0711), its files keep their own modes. */
	if (engine_notify_socket() != NULL && fchmod(dirfd, 0711) < 0) {
		r = cella_err(err, errno, "chmod the state directory");
		goto out_remove;
	}
	if (c.scratch != NULL && scratch_dir_make(c.scratch, err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	if (engine_notify_mkdir(dirfd, err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	if (start_pipe(o)) {
		int p[2];

		if (pipe2(p, O_CLOEXEC) < 0) {
			r = cella_err(err, errno, "create the start pipe");
			goto out_remove;
		}
		fifo = p[0];
		start_w = p[1];
	} else {
		if (mkfifoat(dirfd, EXEC_FIFO, 0600) < 0) {
			r = cella_err(err, errno, "create exec fifo");
			goto out_remove;
		}
		fifo = openat(dirfd, EXEC_FIFO, O_RDWR | O_CLOEXEC);
		if (fifo < 0) {
			r = cella_err(err, errno, "open exec fifo");
			goto out_remove;
		}
	}
	/* Kept for `exec`, which loads the same filter, sends its listener to
	 * the same agent and sets the same personality. */
	if (cella_seccomp_prog_save(dirfd, SECCOMP_PROG_FILE, &c.seccomp, err) < 0 ||
	    engine_exec_linux_save(dirfd, o->spec, cella_seccomp_prog_has_listener(&c.seccomp),
				   err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	if (o->spec->linux_.seccomp != NULL && !c.seccomp_nothing_dropped) {
		cleanup_free char *dropped = cella_seccomp_dropped(o->spec->linux_.seccomp);

		if (dropped[0] != '\0' &&
		    write_file_at(dirfd, SECCOMP_DROPPED_FILE, dropped, strlen(dropped), err) < 0) {
			r = cella_err_ret(err);
			goto out_remove;
		}
	}
	/* Kept for `start` and `delete`, which run poststart and poststop. */
	if (engine_hooks_save(dirfd, o->spec, err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	{
		cleanup_free char *applied = cella_spec_to_json(o->spec);

		if (write_file_at(dirfd, APPLIED_CONFIG_FILE, applied, strlen(applied), err) < 0) {
			r = cella_err_ret(err);
			goto out_remove;
		}
	}
	if (sync_socketpair(sv, err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	if (engine_systemd_save(dirfd, &c, err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	/* A cgroupsPath the config names may be there already (joined, as
	 * runc); cella's own /cella/ID never is. The systemd driver's scope
	 * is made by systemd, at #4. A limit the kernel refuses fails here,
	 * before any process exists, except on a host with v1 hierarchies
	 * when the runtime clones the init: making the cgroup in each of them
	 * costs more than anything else before the clone, so only the unified
	 * hierarchy's directory is made here (the init is born there), the
	 * rest while the init makes its mounts (#4e). */
	direct = direct_init(&c);
	if (c.cgroup_path != NULL && c.sd.unit == NULL &&
	    (direct
		 ? cella_cgroup_create_begin(c.cgroup_path, &c.resources, has_cgroups_path(o->spec),
					     &c.cgroup, &c.cgroup_late, err)
	     : has_cgroups_path(o->spec)
		 ? cella_cgroup_create_join(c.cgroup_path, &c.resources, &c.cgroup, err)
		 : cella_cgroup_create(c.cgroup_path, &c.resources, &c.cgroup, err)) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	r = fault_point("create:cgroup", err);
	if (r < 0)
		goto out_remove;
	/* Adopt the container's init when the setup process exits. */
	if (process_set_child_subreaper(err) < 0) {
		r = cella_err_ret(err);
		goto out_remove;
	}
	/* The init is born in its cgroup where the kernel can do that (the
	 * unified hierarchy's; #4 still writes cgroup.procs, which also covers
	 * v1 hierarchies and kernels without CLONE_INTO_CGROUP). Not when
	 * stage 1, in a user namespace, forks it: the move is checked against
	 * the forking process's credentials there, and a refusal in a fresh
	 * pid namespace would have used up its first pid, leaving no fork to
	 * fall back on. The runtime's own clone is neither. */
	if (c.cgroup != NULL && (!c.userns || direct))
		c.cgroup_fd = cella_cgroup_unified_fd(c.cgroup, NULL);
	/* The v1 hierarchies the init joins itself, at #4. */
	if (c.cgroup != NULL && !c.cgroup_late) {
		if (cella_cgroup_self_entry_open(c.cgroup, &c.cgroup_entry, err) < 0) {
			r = cella_err_ret(err);
			goto out_remove;
		}
		c.cgroup_self_v1 = c.cgroup_entry.n > 0;
	}
	c.fifo_fd = fifo;
	c.fifo_wfd = start_w >= 0 ? -1 : fifo;
	c.start_w = start_w;
	c.sync_fd = sv[1];
	c.state_fd = dirfd;
	c.runtime_pid = getpid();
	/* The init's view of the cgroup mounts is ours unless it joins a mount
	 * or cgroup namespace by path: it takes our copy of the mount table
	 * (read for the cgroup above) instead of reading its own. */
	if (o->spec->linux_.ns[CELLA_NS_MOUNT].path == NULL &&
	    o->spec->linux_.ns[CELLA_NS_CGROUP].path == NULL) {
		char *text = NULL;

		if (cella_cgroup_mountinfo(&text, NULL) == 0)
			mount_preset_mountinfo(text);
	}
	if (direct) {
		bool placed = false;
		int flags = c.unshare_flags;

		if (c.new_userns)
			flags = CLONE_NEWUSER | (flags & (CLONE_NEWPID | CLONE_NEWTIME));
		init = process_clone_into(flags, c.cgroup_fd, &placed, err);
		if (init < 0 && (err->errnum == ENOSYS || err->errnum == E2BIG)) {
			/* No clone3 here (a seccomp profile that refuses it, as
			 * Docker's and our own default do): stage 1 unshares
			 * the namespaces and forks the init instead, as it
			 * always did, and is not born in a cgroup from a user
			 * namespace (above). */
			init = -1;
			direct = false;
			cella_err_clear(err);
			if (c.userns && c.cgroup_fd >= 0)
				close(take_fd(&c.cgroup_fd));
			/* Stage 1 inherits the `tasks` files: the rest first. */
			if (c.cgroup_late &&
			    (late_cgroup_rest(&c, err) < 0 ||
			     cella_cgroup_self_entry_open(c.cgroup, &c.cgroup_entry, err) < 0)) {
				r = cella_err_ret(err);
				goto out_remove;
			}
			c.cgroup_self_v1 = c.cgroup_entry.n > 0;
		} else if (init < 0) {
			cella_error why;

			init = -1;
			/* as stage 1's unshare: say why there is no user
			 * namespace when the host forbids them */
			if (c.new_userns &&
			    (err->errnum == EPERM || err->errnum == EACCES ||
			     err->errnum == ENOSPC || err->errnum == EUSERS) &&
			    userns_check_available(&why) < 0)
				*err = why;
			r = cella_err_ret(err);
			goto out_remove;
		} else {
			c.cgroup_placed = placed;
			if (init == 0) {
				close(sv[0]);
				init_direct(&c);
			}
			if (placed)
				cella_debug("the container init was born in its cgroup "
					    "(CLONE_INTO_CGROUP)");
		}
	}
	if (!direct) {
		int s1_cgroup = -1;
		bool placed = false;

		/* From a user namespace the init cannot be born in its cgroup
		 * (above). On a hybrid host, whose cgroup2 tree has no
		 * controller (stage 1 passing through it costs the container
		 * nothing), stage 1 is born there instead, and the init with
		 * it: no cgroup.procs write, nor its global lock, at #4. */
		if (c.userns && c.cgroup != NULL && cella_cgroup_unified_bare(c.cgroup))
			s1_cgroup = cella_cgroup_unified_fd(c.cgroup, NULL);
		stage1 = process_fork_into_cgroup(s1_cgroup, &placed, err);
		if (s1_cgroup >= 0)
			close(s1_cgroup);
		if (stage1 < 0) {
			r = cella_err_context(err, "fork the setup process");
			goto out_remove;
		}
		if (stage1 == 0) {
			close(sv[0]);
			init_stage1(&c);
		}
		c.cgroup_placed = placed;
		if (placed)
			cella_debug("the setup process was born in the container's cgroup2 cgroup "
				    "(CLONE_INTO_CGROUP)");
	}
	mount_preset_mountinfo(NULL);
	close(sv[1]);
	sv[1] = -1;
	if (c.cgroup_fd >= 0)
		close(take_fd(&c.cgroup_fd));
	cella_cgroup_self_entry_close(&c.cgroup_entry);
	ns_close_fds(c.ns_fds);
	mount_detached_close(&c.rootfs_conf);
	dev_close_nodes(c.rootfs_conf.device_fds, o->spec->linux_.n_devices);
	c.rootfs_conf.device_fds = NULL;
	forked = true;

	/* On failure, cleanup_pid kills and reaps what exists of stage1 and
	 * the init. */
	r = parent_handshake(&c, &stage1, &init, sv[0], &pty, err);
	if (r < 0) {
		/* From #3m to #4 we send, not read: when a step of ours
		 * failed because the init is gone, the error it sent first
		 * says why. */
		sync_take_error(sv[0], err);
		r = explain_init_death(&c, &init, err);
		goto out_remove;
	}

	st.pid = init;
	st.cgroup_path = c.cgroup != NULL ? (char *)cella_cgroup_path(c.cgroup) : NULL;
	st.cgroup_joined = c.cgroup != NULL ? cella_cgroup_joined(c.cgroup) : NULL;
	r = procfs_start_time(init, &st.pid_start, err);
	if (r == 0)
		r = state_write(dirfd, &st, err);
	strv_free(st.cgroup_joined);
	st.cgroup_joined = NULL;
	if (r == 0)
		r = fault_point("create:statewritten", err);
	if (r == 0 && o->pid_file != NULL)
		r = engine_write_pid_file(o->pid_file, init, err);
	/* #7: the state names the init; it may outlive us now ... */
	if (r == 0)
		r = sync_send(sv[0], SYNC_STATE_WRITTEN, 0, err);
	/* #7b: ... and it no longer dies with us. */
	if (r == 0)
		r = sync_wait(sv[0], SYNC_OUTLIVES, NULL, NULL, err);
	if (r == 0)
		r = fault_point("create:7", err);
	if (r < 0)
		goto out_remove;

	out->pid = take_pid(&init);
	out->state_fd = take_fd(&dirfd);
	out->securebits = st.securebits;
	out->sync_fd = take_fd(&sv[0]);
	out->pty_master = take_fd(&pty);
	out->start_w = take_fd(&start_w);
	out->start_r = out->start_w >= 0 ? take_fd(&fifo) : -1;
	out->pid_start = st.pid_start;
	ctx_free(&c);
	free(created);
	return 0;

out_remove:
	if (sv[0] >= 0)
		close(sv[0]);
	if (sv[1] >= 0)
		close(sv[1]);
	/* The devices back while their namespace lives. */
	engine_netdev_move_back(&o->spec->linux_, c.netdev_ns, c.netdevs_moved);
	/* Processes first (killed and reaped), then their cgroup. */
	cella_cleanup_pidp(&init);
	init = -1;
	cella_cleanup_pidp(&stage1);
	stage1 = -1;
	/* An init whose pid never came (stage 1 died before #3) is ours too,
	 * orphaned to us, the subreaper. */
	if (forked)
		process_kill_children();
	if (c.cgroup != NULL) {
		char **joined = cella_cgroup_joined(c.cgroup);

		/* A joined cgroup's processes are not ours to kill. */
		if (joined == NULL)
			cella_cgroup_kill(c.cgroup, SIGKILL, NULL);
		strv_free(joined);
		cella_cgroup_destroy(c.cgroup, NULL);
	}
	engine_systemd_abort(&c);
	/* A container that existed (its state did), even half made, went
	 * through the life cycle's delete step: poststop (runtime.md, step 12
	 * on), as runc 1.1 runs them for a step that failed once the
	 * container exists, a refused limit too (before or after the clone,
	 * #4e). */
	if (dirfd >= 0 && engine_has_hooks(o->spec, CELLA_HOOK_POSTSTOP)) {
		cleanup_free char *state = engine_hook_state(o, c.rootfs, 0, CELLA_STATUS_STOPPED);
		hook_run_all_warn(&o->spec->hooks, CELLA_HOOK_POSTSTOP, state, NULL);
	}
	if (dirfd >= 0)
		state_dir_remove(o->state_root, o->id, NULL);
out_free:
	ns_close_fds(c.ns_fds);
	ctx_free(&c);
	free(created);
	return r;
}

int container_wait_exec(int sync_fd, cella_error *err)
{
	/* EOF is the good outcome: execve closed the socket. */
	return sync_wait_eof(sync_fd, err);
}

int cella_create(const struct cella_create_opts *opts, cella_error *err)
{
	struct cella_created created;
	sigset_t cur;
	int r;

	sigprocmask(SIG_SETMASK, NULL, &cur);
	r = container_create(opts, &cur, &created, err);
	if (r < 0)
		return r;
	close(created.sync_fd);
	close(created.state_fd);
	if (created.start_r >= 0)
		close(created.start_r);
	if (created.start_w >= 0)
		close(created.start_w);
	if (created.pty_master >= 0)
		close(created.pty_master);
	return 0;
}
