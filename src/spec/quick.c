/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "spec/quick.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec_seccomp.h"
#include "util/cleanup.h"
#include "util/util.h"

/* podman's default capability set, for the quick door. */
static const char *const default_caps[] = {
    "CAP_CHOWN",   "CAP_DAC_OVERRIDE",	   "CAP_FOWNER",     "CAP_FSETID",
    "CAP_KILL",	   "CAP_NET_BIND_SERVICE", "CAP_SETFCAP",    "CAP_SETGID",
    "CAP_SETPCAP", "CAP_SETUID",	   "CAP_SYS_CHROOT",
};

int cella_quick_ns_list(const char *list, bool value, bool ns[CELLA_NS_COUNT], cella_error *err)
{
	cleanup_free char *copy = xstrdup(list);
	char *save = NULL;

	for (char *tok = strtok_r(copy, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save)) {
		int t;
		if (strcmp(tok, "all") == 0) {
			for (int i = 0; i < CELLA_NS_COUNT; i++)
				ns[i] = value;
			continue;
		}
		t = cella_ns_type_from_name(tok, true);
		if (t < 0)
			return cella_err_invalid(
			    err,
			    "unknown namespace `%s` (known: uts, ipc, mount, pid, "
			    "net, user, cgroup, time)",
			    tok);
		ns[t] = value;
	}
	return 0;
}

int cella_quick_cap(const char *name)
{
	char buf[64];
	size_t i;

	if (strcasecmp(name, "ALL") == 0)
		return 64;
	/* On the command line, as podman: any case, with or without CAP_. */
	snprintf(buf, sizeof(buf), "%s%s", strncasecmp(name, "CAP_", 4) == 0 ? "" : "CAP_", name);
	for (i = 0; buf[i] != '\0'; i++)
		if (buf[i] >= 'a' && buf[i] <= 'z')
			buf[i] = (char)(buf[i] - 'a' + 'A');
	return cella_cap_from_name(buf);
}

static int parse_idmap(const char *flag, const char *s, struct cella_idmap *m, cella_error *err)
{
	unsigned long long v[3];
	cleanup_free char *copy = xstrdup(s);
	char *save = NULL, *tok;
	int i = 0;

	for (tok = strtok_r(copy, ":", &save); tok != NULL && i < 3;
	     tok = strtok_r(NULL, ":", &save))
		if (!parse_u64(tok, UINT32_MAX, &v[i++]))
			return cella_err_invalid(err, "%s `%s`: expected CONTAINER:HOST:SIZE", flag,
						 s);
	if (i != 3 || tok != NULL)
		return cella_err_invalid(err, "%s `%s`: expected CONTAINER:HOST:SIZE", flag, s);
	/* As the config's uidMappings: an empty range maps nothing (found by
	 * tests/fuzz/fuzz_cli). */
	if (v[2] == 0)
		return cella_err_invalid(err, "%s `%s`: SIZE must be greater than 0", flag, s);
	m->container_id = (uint32_t)v[0];
	m->host_id = (uint32_t)v[1];
	m->size = (uint32_t)v[2];
	return 0;
}

static int set_maps(char **flags, const char *flag, struct cella_idmap **maps, size_t *n,
		    cella_error *err)
{
	size_t count = strv_len(flags);

	if (count == 0)
		return 0;
	free(*maps);
	*maps = xcalloc(count, sizeof(**maps));
	*n = count;
	for (size_t i = 0; i < count; i++)
		if (parse_idmap(flag, flags[i], &(*maps)[i], err) < 0)
			return cella_err_ret(err);
	return 0;
}

static void default_maps(const struct cella_quick *q, struct cella_linux *l)
{
	free(l->uid_mappings);
	free(l->gid_mappings);
	l->uid_mappings = xcalloc(2, sizeof(struct cella_idmap));
	l->gid_mappings = xcalloc(2, sizeof(struct cella_idmap));
	if (q->host_uid == 0 && q->auto_userns) {
		/* root: 65536 unprivileged ids of cella's reservation. */
		l->uid_mappings[0] = (struct cella_idmap){0, q->auto_uid, 65536};
		l->gid_mappings[0] = (struct cella_idmap){0, q->auto_gid, 65536};
		l->n_uid_mappings = l->n_gid_mappings = 1;
		return;
	}
	if (q->host_uid == 0) {
		/* root, --userns host: the first 65536 ids, identity mapped. */
		l->uid_mappings[0] = (struct cella_idmap){0, 0, 65536};
		l->gid_mappings[0] = (struct cella_idmap){0, 0, 65536};
		l->n_uid_mappings = l->n_gid_mappings = 1;
		return;
	}
	/* rootless: the caller is root inside; its subordinate ranges (when
	 * newuidmap/newgidmap can write them) follow from 1. */
	l->uid_mappings[0] = (struct cella_idmap){0, q->host_uid, 1};
	l->gid_mappings[0] = (struct cella_idmap){0, q->host_gid, 1};
	l->n_uid_mappings = l->n_gid_mappings = 1;
	if (q->has_subuid && q->has_subgid) {
		l->uid_mappings[1] = (struct cella_idmap){1, q->subuid_start, q->subuid_count};
		l->gid_mappings[1] = (struct cella_idmap){1, q->subgid_start, q->subgid_count};
		l->n_uid_mappings = l->n_gid_mappings = 2;
	}
}

uint64_t cella_quick_default_caps(void)
{
	uint64_t set = 0;

	for (size_t i = 0; i < ARRAY_SIZE(default_caps); i++) {
		int c = cella_cap_from_name(default_caps[i]);
		if (c >= 0)
			set |= 1ULL << c;
	}
	return set;
}

static int apply_caps(const struct cella_quick *q, struct cella_caps *caps, cella_error *err)
{
	uint64_t set = cella_quick_default_caps();

	/* As podman: `--cap-drop ALL` empties the set first, then the adds
	 * apply, then the other drops. */
	for (size_t i = 0; q->cap_drop != NULL && q->cap_drop[i] != NULL; i++) {
		int c = cella_quick_cap(q->cap_drop[i]);
		if (c < 0)
			return cella_err_invalid(err, "--cap-drop: unknown capability `%s`",
						 q->cap_drop[i]);
		if (c == 64)
			set = 0;
	}
	for (size_t i = 0; q->cap_add != NULL && q->cap_add[i] != NULL; i++) {
		int c = cella_quick_cap(q->cap_add[i]);
		if (c < 0)
			return cella_err_invalid(err, "--cap-add: unknown capability `%s`",
						 q->cap_add[i]);
		set |= c == 64 ? ((cella_cap_last_known() >= 63)
				      ? ~0ULL
				      : (1ULL << (cella_cap_last_known() + 1)) - 1)
			       : 1ULL << c;
	}
	for (size_t i = 0; q->cap_drop != NULL && q->cap_drop[i] != NULL; i++) {
		int c = cella_quick_cap(q->cap_drop[i]);
		if (c != 64)
			set &= ~(1ULL << c);
	}
	caps->bounding = caps->effective = caps->permitted = set;
	caps->inheritable = caps->ambient = 0;
	return 0;
}

static int apply_user(const struct cella_quick *q, struct cella_user *u, cella_error *err)
{
	cleanup_free char *copy = NULL;
	unsigned long long uid, gid;
	char *colon;

	if (q->user == NULL)
		return 0;
	copy = xstrdup(q->user);
	colon = strchr(copy, ':');
	if (colon != NULL)
		*colon++ = '\0';
	if (!parse_u64(copy, UINT32_MAX - 1, &uid) ||
	    (colon != NULL && !parse_u64(colon, UINT32_MAX - 1, &gid)))
		return cella_err_invalid(err, "--user `%s`: expected UID[:GID] (numbers)", q->user);
	u->uid = (uid_t)uid;
	u->gid = colon != NULL ? (gid_t)gid : (gid_t)uid;
	return 0;
}

/* Replace the mount at dest in place (keeping its position in the order),
 * or append one. */
static void replace_mount(struct cella_spec *s, const char *dest, const char *type,
			  const char *source, const char *const *options)
{
	for (size_t i = 0; i < s->n_mounts; i++) {
		struct cella_mount *m = &s->mounts[i];
		if (strcmp(m->destination, dest) != 0)
			continue;
		free(m->type);
		free(m->source);
		strv_free(m->options);
		m->type = xstrdup(type);
		m->source = xstrdup(source);
		m->options = strv_dup((char *const *)options);
		return;
	}
	cella_spec_add_mount(s, dest, type, source, (char *const *)options);
}

static int add_binds(const struct cella_quick *q, struct cella_spec *s, cella_error *err)
{
	for (size_t i = 0; q->binds != NULL && q->binds[i] != NULL; i++) {
		cleanup_free char *copy = xstrdup(q->binds[i]);
		char *src = copy, *dst, *mode;
		const char *opts[4] = {"rbind", NULL, NULL, NULL};
		/* The container's root is no host root: the files show their
		 * owners through an idmapped mount. */
		size_t k = 1;

		if (q->auto_userns)
			opts[k++] = "idmap";

		dst = strchr(src, ':');
		if (dst == NULL)
			return cella_err_invalid(err, "--bind `%s`: expected SRC:DST[:ro]",
						 q->binds[i]);
		*dst++ = '\0';
		mode = strchr(dst, ':');
		if (mode != NULL) {
			*mode++ = '\0';
			if (strcmp(mode, "ro") == 0)
				opts[k] = "ro";
			else if (strcmp(mode, "rw") != 0)
				return cella_err_invalid(err,
							 "--bind `%s`: mode `%s` is not ro or rw",
							 q->binds[i], mode);
		}
		if (src[0] != '/' || dst[0] != '/')
			return cella_err_invalid(
			    err, "--bind `%s`: SRC and DST must be absolute paths", q->binds[i]);
		cella_spec_remove_mount(s, dst);
		cella_spec_add_mount(s, dst, "bind", src, (char *const *)opts);
	}
	for (size_t i = 0; q->tmpfs != NULL && q->tmpfs[i] != NULL; i++) {
		const char *opts[] = {"nosuid", "nodev", "mode=1777", NULL};
		if (q->tmpfs[i][0] != '/')
			return cella_err_invalid(err, "--tmpfs `%s`: must be an absolute path",
						 q->tmpfs[i]);
		cella_spec_remove_mount(s, q->tmpfs[i]);
		cella_spec_add_mount(s, q->tmpfs[i], "tmpfs", "tmpfs", (char *const *)opts);
	}
	return 0;
}

/* --seccomp: the built-in profile (for the process's bounding set), none,
 * or a profile file; kept typed and as JSON (--print-spec shows it). */
static int apply_seccomp(const struct cella_quick *q, struct cella_spec *s, cella_error *err)
{
	struct cella_linux *l = &s->linux_;

	if (q->seccomp != NULL && strcmp(q->seccomp, "unconfined") == 0)
		return 0;
	if (q->seccomp == NULL || strcmp(q->seccomp, "default") == 0) {
		l->seccomp = cella_seccomp_default_profile(s->process->caps.bounding);
	} else {
		if (q->seccomp_text == NULL)
			return cella_err_invalid(err, "--seccomp `%s`: profile not read",
						 q->seccomp);
		if (cella_spec_seccomp_parse(q->seccomp_text, q->seccomp_len, q->seccomp,
					     &l->seccomp, err) < 0)
			return cella_err_context(err, "--seccomp");
	}
	l->seccomp_json = cella_spec_seccomp_to_json(l->seccomp);
	l->seccomp_json_canonical = true;
	return 0;
}

bool cella_quick_new_userns(const struct cella_quick *q)
{
	return q->ns_given ? q->ns_new[CELLA_NS_USER] : true;
}

int cella_spec_quick(const struct cella_quick *q, struct cella_spec **out, cella_error *err)
{
	struct cella_spec *s = cella_spec_default(q->host_uid != 0, q->host_uid, q->host_gid);
	cleanup_spec struct cella_spec *guard = s;
	struct cella_linux *l = &s->linux_;
	bool ns[CELLA_NS_COUNT];

	if (q->args == NULL || q->args[0] == NULL)
		return cella_err_invalid(err, "run: no command given after `--`");
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		ns[t] = q->ns_given ? q->ns_new[t] : true;
	if (q->host_uid != 0 && !ns[CELLA_NS_USER])
		return cella_err_invalid(err,
					 "--share user: running rootless needs a user namespace");
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		cella_spec_set_ns(s, (enum cella_ns_type)t, ns[t], NULL);

	free(s->root_path);
	s->root_path = xstrdup(q->rootfs);
	s->root_readonly = q->read_only;
	s->process->terminal = q->tty;
	cella_spec_set_args(s, q->args);
	for (size_t i = 0; q->env != NULL && q->env[i] != NULL; i++) {
		if (strchr(q->env[i], '=') == NULL || q->env[i][0] == '=')
			return cella_err_invalid(err, "--env `%s`: expected K=V", q->env[i]);
		cella_spec_setenv(s, q->env[i]);
	}
	if (q->cwd != NULL) {
		if (q->cwd[0] != '/')
			return cella_err_invalid(err, "--cwd `%s`: must be an absolute path",
						 q->cwd);
		free(s->process->cwd);
		s->process->cwd = xstrdup(q->cwd);
	}
	if (apply_user(q, &s->process->user, err) < 0 || apply_caps(q, &s->process->caps, err) < 0)
		return cella_err_ret(err);
	s->process->has_caps = true;

	free(s->hostname);
	s->hostname = NULL;
	if (ns[CELLA_NS_UTS])
		s->hostname = xstrdup(q->hostname ? q->hostname : q->name);
	else if (q->hostname != NULL)
		return cella_err_invalid(err,
					 "--hostname: needs a uts namespace (not --share uts)");

	if (ns[CELLA_NS_USER]) {
		default_maps(q, l);
		if (set_maps(q->uidmap, "--uidmap", &l->uid_mappings, &l->n_uid_mappings, err) <
			0 ||
		    set_maps(q->gidmap, "--gidmap", &l->gid_mappings, &l->n_gid_mappings, err) < 0)
			return cella_err_ret(err);
	} else {
		free(l->uid_mappings);
		free(l->gid_mappings);
		l->uid_mappings = l->gid_mappings = NULL;
		l->n_uid_mappings = l->n_gid_mappings = 0;
		if (q->uidmap != NULL || q->gidmap != NULL)
			return cella_err_invalid(err, "--uidmap/--gidmap: need a user namespace");
	}
	/* A user namespace cannot mount a procfs for a pid namespace it does
	 * not own, nor a sysfs for a net namespace it does not own: bind the
	 * host's instead (read-only for /sys). */
	if (ns[CELLA_NS_USER] && !ns[CELLA_NS_PID]) {
		const char *o[] = {"rbind", "nosuid", "noexec", "nodev", NULL};
		replace_mount(s, "/proc", "bind", "/proc", o);
	}
	/* With its own net namespace (owned by the user namespace), the
	 * container gets a fresh sysfs rather than the rootless default's
	 * bind of the host's. */
	if (ns[CELLA_NS_USER] && ns[CELLA_NS_NET] && q->host_uid != 0) {
		const char *o[] = {"nosuid", "noexec", "nodev", "ro", NULL};
		replace_mount(s, "/sys", "sysfs", "sysfs", o);
	}
	/* Nor an mqueue for an ipc namespace it does not own: the host's
	 * queues are the container's then, as they are without namespaces. */
	if (ns[CELLA_NS_USER] && !ns[CELLA_NS_IPC])
		cella_spec_remove_mount(s, "/dev/mqueue");
	if (ns[CELLA_NS_USER] && !ns[CELLA_NS_NET]) {
		const char *o[] = {"rbind", "nosuid", "noexec", "nodev", "ro", NULL};
		replace_mount(s, "/sys", "bind", "/sys", o);
	}
	if (!ns[CELLA_NS_CGROUP])
		cella_spec_remove_mount(s, "/sys/fs/cgroup");
	/* Rootless (or as root on a filesystem the kernel cannot idmap), the
	 * rootfs's files usually belong to host ids that are not mapped
	 * inside, and the overlay cannot copy such a directory up: give the
	 * container a writable /tmp of its own. */
	if ((q->host_uid != 0 || (q->auto_userns && !q->auto_idmap_rootfs)) && !q->read_only) {
		const char *o[] = {"nosuid", "nodev", "mode=1777", NULL};
		replace_mount(s, "/tmp", "tmpfs", "tmpfs", o);
	}
	if (add_binds(q, s, err) < 0)
		return cella_err_ret(err);
	if (cella_resource_flags_to_json(&q->res, &l->resources_json, err) < 0)
		return cella_err_ret(err);
	if (apply_seccomp(q, s, err) < 0)
		return cella_err_ret(err);
	*out = take_ptr(&guard);
	return 0;
}
