/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Freeing a spec, including one the parser left half filled. */
#include "spec/spec.h"

#include <stdlib.h>

#include "spec/spec_seccomp.h"
#include "util/cleanup.h"

static void free_kvs(struct cella_kv *kv, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(kv[i].key);
		free(kv[i].value);
	}
	free(kv);
}

static void free_mount(struct cella_mount *m)
{
	free(m->destination);
	free(m->type);
	free(m->source);
	strv_free(m->options);
	free(m->uid_mappings);
	free(m->gid_mappings);
}

static void free_process(struct cella_process *p)
{
	if (p == NULL)
		return;
	free(p->user.additional_gids);
	free(p->user.username);
	strv_free(p->args);
	free(p->command_line);
	strv_free(p->env);
	free(p->cwd);
	for (size_t i = 0; i < p->n_rlimits; i++)
		free(p->rlimits[i].type);
	free(p->rlimits);
	free(p->apparmor_profile);
	free(p->selinux_label);
	free(p->exec_cpus_initial);
	free(p->exec_cpus_final);
	free(p);
}

static void free_linux(struct cella_linux *l)
{
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		free(l->ns[t].path);
	free(l->uid_mappings);
	free(l->gid_mappings);
	free_kvs(l->sysctl, l->n_sysctl);
	free_kvs(l->net_devices, l->n_net_devices);
	free(l->rootfs_propagation);
	strv_free(l->masked_paths);
	strv_free(l->readonly_paths);
	for (size_t i = 0; i < l->n_devices; i++)
		free(l->devices[i].path);
	free(l->devices);
	free(l->cgroups_path);
	free(l->mount_label);
	free(l->memory_policy.nodes);
	free(l->resources_json);
	free(l->seccomp_json);
	cella_seccomp_free(l->seccomp);
	free(l->intel_rdt_json);
}

void cella_spec_free(struct cella_spec *spec)
{
	if (spec == NULL)
		return;
	free(spec->oci_version);
	free(spec->root_path);
	free(spec->hostname);
	free(spec->domainname);
	free_process(spec->process);
	for (size_t i = 0; i < spec->n_mounts; i++)
		free_mount(&spec->mounts[i]);
	free(spec->mounts);
	for (int k = 0; k < CELLA_HOOK_COUNT; k++) {
		for (size_t i = 0; i < spec->hooks.count[k]; i++) {
			struct cella_hook *h = &spec->hooks.list[k][i];
			free(h->path);
			strv_free(h->args);
			strv_free(h->env);
		}
		free(spec->hooks.list[k]);
	}
	free_kvs(spec->annotations, spec->n_annotations);
	free_linux(&spec->linux_);
	free(spec);
}

void cella_spec_freep(struct cella_spec **spec)
{
	cella_spec_free(*spec);
	*spec = NULL;
}
