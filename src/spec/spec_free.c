/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Freeing a spec, including one the parser left half filled: the tables of
 * spec_fields.c, and the freers of their members that own more than one
 * value. */
#include "spec/spec.h"

#include <stdlib.h>

#include "spec/spec_internal.h"
#include "spec/spec_seccomp.h"
#include "util/cleanup.h"

void spec_free_str(void *p)
{
	free(*(char **)p);
}

void spec_free_strv(void *p)
{
	strv_free(*(char ***)p);
}

void spec_free_additional_gids(void *user)
{
	free(((struct cella_user *)user)->additional_gids);
}

void spec_free_namespaces(void *linux_)
{
	struct cella_linux *l = linux_;

	for (int t = 0; t < CELLA_NS_COUNT; t++)
		free(l->ns[t].path);
}

void spec_free_seccomp_section(void *linux_)
{
	struct cella_linux *l = linux_;

	free(l->seccomp_json);
	cella_seccomp_free(l->seccomp);
}

void spec_free_net_devices(void *linux_)
{
	struct cella_linux *l = linux_;

	for (size_t i = 0; l->net_devices != NULL && i < l->n_net_devices; i++) {
		free(l->net_devices[i].key);
		free(l->net_devices[i].value);
	}
	free(l->net_devices);
}

void cella_spec_free(struct cella_spec *spec)
{
	if (spec == NULL)
		return;
	spec_free_object(&spec_config_object, spec);
	free(spec);
}

void cella_spec_freep(struct cella_spec **spec)
{
	cella_spec_free(*spec);
	*spec = NULL;
}
