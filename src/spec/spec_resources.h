/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * linux.resources (kept as JSON text by the spec parser) into the cgroup
 * module's typed `struct cella_resources`.
 */
#ifndef CELLA_SPEC_RESOURCES_H
#define CELLA_SPEC_RESOURCES_H

#include "kernel/cgroup.h"
#include "util/error.h"

/*
 * Parse the text of a linux.resources object (NULL: nothing asked). On
 * failure *out is cleared and err names the JSON path:
 *   linux.resources.memory.limit: expected an integer
 * Members this build does not apply (devices, hugepageLimits, unified,
 * blockIO device lists, network, rdma, memory.kernel...) are listed in
 * out->ignored; unknown members are skipped, as OCI allows.
 */
int cella_spec_resources_parse(const char *json, struct cella_resources *out, cella_error *err);

#endif
