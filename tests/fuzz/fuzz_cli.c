/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the command line: the quick door's flags (`cella run
 * [flags] -- CMD`), which the CLI hands as strings to the spec layer. The
 * input is a list of NUL-separated words; each word's first byte picks the
 * flag it is the value of (the table below mirrors cmd_run.c's), the rest
 * is the value. Whatever the words, the spec is refused with a message, or
 * built; a built spec must emit JSON that parses back (what `run
 * --print-spec` writes is a valid config).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/quick.h"
#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum flag {
	F_BIND,
	F_TMPFS,
	F_ENV,
	F_CAP_ADD,
	F_CAP_DROP,
	F_UIDMAP,
	F_GIDMAP,
	F_USER,
	F_HOSTNAME,
	F_CWD,
	F_NS,
	F_SHARE,
	F_MEMORY,
	F_MEMORY_SWAP,
	F_MEMORY_RES,
	F_CPUS,
	F_CPU_QUOTA,
	F_CPU_PERIOD,
	F_CPU_SHARES,
	F_CPUSET_CPUS,
	F_CPUSET_MEMS,
	F_PIDS,
	F_BLKIO,
	F_READ_BPS,
	F_WRITE_BPS,
	F_READ_IOPS,
	F_WRITE_IOPS,
	F_SECCOMP,
	F_ARG,
	F_COUNT
};

static void push(char ***v, const char *s)
{
	size_t n = 0;

	while (*v != NULL && (*v)[n] != NULL)
		n++;
	*v = realloc(*v, (n + 2) * sizeof(char *));
	(*v)[n] = (char *)s;
	(*v)[n + 1] = NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cella_quick q;
	struct cella_spec *spec = NULL, *again = NULL;
	cella_error err;
	char *buf = malloc(size + 1);
	char *text;
	size_t i = 0;

	memcpy(buf, data, size);
	buf[size] = '\0';
	memset(&q, 0, sizeof(q));
	memset(&err, 0, sizeof(err));
	q.name = "fuzz";
	q.rootfs = "/rootfs";
	q.host_uid = 1000;
	q.host_gid = 1000;
	q.has_subuid = q.has_subgid = true;
	q.subuid_start = q.subgid_start = 100000;
	q.subuid_count = q.subgid_count = 65536;
	for (int t = 0; t < CELLA_NS_COUNT; t++)
		q.ns_new[t] = true;
	while (i < size) {
		char *word = buf + i;
		size_t len = strlen(word);
		const char *v = word + (len > 0);
		int t;

		i += len + 1;
		if (len == 0)
			continue;
		switch ((enum flag)((unsigned char)word[0] % F_COUNT)) {
		case F_BIND:
			push(&q.binds, v);
			break;
		case F_TMPFS:
			push(&q.tmpfs, v);
			break;
		case F_ENV:
			push(&q.env, v);
			break;
		case F_CAP_ADD:
			push(&q.cap_add, v);
			break;
		case F_CAP_DROP:
			push(&q.cap_drop, v);
			break;
		case F_UIDMAP:
			push(&q.uidmap, v);
			break;
		case F_GIDMAP:
			push(&q.gidmap, v);
			break;
		case F_USER:
			q.user = v;
			break;
		case F_HOSTNAME:
			q.hostname = v;
			break;
		case F_CWD:
			q.cwd = v;
			break;
		case F_NS:
		case F_SHARE:
			q.ns_given = true;
			if (cella_quick_ns_list(v, (unsigned char)word[0] % F_COUNT == F_NS,
						q.ns_new, &err) < 0)
				goto out;
			break;
		case F_MEMORY:
			q.res.memory = v;
			break;
		case F_MEMORY_SWAP:
			q.res.memory_swap = v;
			break;
		case F_MEMORY_RES:
			q.res.memory_reservation = v;
			break;
		case F_CPUS:
			q.res.cpus = v;
			break;
		case F_CPU_QUOTA:
			q.res.cpu_quota = v;
			break;
		case F_CPU_PERIOD:
			q.res.cpu_period = v;
			break;
		case F_CPU_SHARES:
			q.res.cpu_shares = v;
			break;
		case F_CPUSET_CPUS:
			q.res.cpuset_cpus = v;
			break;
		case F_CPUSET_MEMS:
			q.res.cpuset_mems = v;
			break;
		case F_PIDS:
			q.res.pids_limit = v;
			break;
		case F_BLKIO:
			q.res.blkio_weight = v;
			q.res.blkio_flag = "--blkio-weight";
			break;
		case F_READ_BPS:
		case F_WRITE_BPS:
		case F_READ_IOPS:
		case F_WRITE_IOPS:
			t = ((unsigned char)word[0] % F_COUNT) - F_READ_BPS;
			if (q.res.n_throttle[t] < CELLA_FLAGS_MAX_DEVICES)
				q.res.throttle[t][q.res.n_throttle[t]++] = v;
			else
				q.res.throttle_overflow = v;
			break;
		case F_SECCOMP:
			q.seccomp = v[0] == 'd' ? "default" : "unconfined";
			break;
		case F_ARG:
		case F_COUNT:
		default:
			push(&q.args, v);
			break;
		}
	}
	if (q.args == NULL)
		push(&q.args, "/bin/sh");
	if (cella_spec_quick(&q, &spec, &err) < 0) {
		if (err.msg[0] == '\0')
			abort(); /* a refusal always says why */
		goto out;
	}
	text = cella_spec_to_json(spec);
	if (text == NULL)
		abort();
	if (cella_spec_parse(text, strlen(text), "quick.json", &again, &err) < 0) {
		fprintf(stderr, "the quick door's spec does not parse: %s\n%s\n", err.msg, text);
		abort();
	}
	free(text);
	cella_spec_free(again);
	cella_spec_free(spec);
out:
	free(q.binds);
	free(q.tmpfs);
	free(q.env);
	free(q.cap_add);
	free(q.cap_drop);
	free(q.uidmap);
	free(q.gidmap);
	free(q.args);
	free(buf);
	return 0;
}
