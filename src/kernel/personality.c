/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The execution domain of the container process (see personality.h). */
#include "kernel/personality.h"

#include <errno.h>
#include <string.h>
#include <sys/personality.h>

#include "util/util.h"

static const struct {
	const char *name;
	unsigned long domain;
} domains[] = {
    {"LINUX", PER_LINUX},
    {"LINUX32", PER_LINUX32},
};

bool personality_domain_from_name(const char *name, unsigned long *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++) {
		if (strcmp(name, domains[i].name) == 0) {
			*out = domains[i].domain;
			return true;
		}
	}
	return false;
}

const char *personality_domain_name(unsigned long domain)
{
	for (size_t i = 0; i < ARRAY_SIZE(domains); i++)
		if (domains[i].domain == domain)
			return domains[i].name;
	return NULL;
}

int personality_apply(const struct cella_personality *p, cella_error *err)
{
	const char *name = personality_domain_name(p->domain);

	/* personality() answers the previous persona, or -1 with errno. */
	if (personality(p->domain) == -1)
		return cella_err(err, errno, "linux.personality: set the %s domain",
				 name ? name : "?");
	return 0;
}
