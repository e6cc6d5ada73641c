/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The execution domain of the container process (see personality.h). */
#include "kernel/personality.h"

#include <errno.h>
#include <string.h>
#include <sys/personality.h>

#include "util/util.h"

int personality_apply(const struct cella_personality *p, cella_error *err)
{
	const char *name = cella_personality_domain_name(p->domain);

	/* personality() answers the previous persona, or -1 with errno. */
	if (personality(p->domain) == -1)
		return cella_err(err, errno, "linux.personality: set the %s domain",
				 name ? name : "?");
	return 0;
}
