/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Name tables: namespace types, capabilities (from libcap), RLIMIT_*. */
#include "spec/spec.h"

#include <ctype.h>
#include <pthread.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>

#include "util/util.h"

static const char *const ns_names[CELLA_NS_COUNT] = {
    [CELLA_NS_USER] = "user",	  [CELLA_NS_MOUNT] = "mount", [CELLA_NS_PID] = "pid",
    [CELLA_NS_NET] = "network",	  [CELLA_NS_IPC] = "ipc",     [CELLA_NS_UTS] = "uts",
    [CELLA_NS_CGROUP] = "cgroup", [CELLA_NS_TIME] = "time",
};

const char *cella_ns_type_name(enum cella_ns_type t)
{
	if ((unsigned)t >= CELLA_NS_COUNT)
		return NULL;
	return ns_names[t];
}

int cella_ns_type_from_name(const char *name, bool accept_short)
{
	if (name == NULL)
		return -1;
	for (int t = 0; t < CELLA_NS_COUNT; t++) {
		if (strcmp(name, ns_names[t]) == 0)
			return t;
	}
	if (accept_short) {
		if (strcmp(name, "net") == 0)
			return CELLA_NS_NET;
		if (strcmp(name, "mnt") == 0)
			return CELLA_NS_MOUNT;
	}
	return -1;
}

/*
 * Capabilities. libcap names them "cap_chown"; OCI writes "CAP_CHOWN". The
 * table is filled once from cap_to_name(), which answers a bare number for
 * capabilities this libcap does not know: those stay NULL.
 */
#define CAP_TABLE_SIZE 64
static char cap_names[CAP_TABLE_SIZE][32];
static int cap_last = -1;
static pthread_once_t cap_once = PTHREAD_ONCE_INIT;

static void cap_table_init(void)
{
	for (int i = 0; i < CAP_TABLE_SIZE; i++) {
		char *name = cap_to_name((cap_value_t)i);
		size_t n;

		if (name == NULL)
			continue;
		n = strlen(name);
		if (n > 4 && n < sizeof(cap_names[i]) && strncasecmp(name, "cap_", 4) == 0) {
			for (size_t k = 0; k <= n; k++)
				cap_names[i][k] = (char)toupper((unsigned char)name[k]);
			cap_last = i;
		}
		cap_free(name);
	}
}

const char *cella_cap_name(int cap)
{
	pthread_once(&cap_once, cap_table_init);
	if (cap < 0 || cap >= CAP_TABLE_SIZE || cap_names[cap][0] == '\0')
		return NULL;
	return cap_names[cap];
}

int cella_cap_last_known(void)
{
	pthread_once(&cap_once, cap_table_init);
	return cap_last;
}

/* Only the canonical OCI spelling ("CAP_CHOWN") is accepted, as runc does:
 * libcap alone would also take "chown" in any case, or a number. */
int cella_cap_from_name(const char *name)
{
	cap_value_t v;
	const char *canon;

	if (name == NULL || !str_has_prefix(name, "CAP_"))
		return -1;
	if (cap_from_name(name, &v) < 0)
		return -1;
	canon = cella_cap_name((int)v);
	if (canon == NULL || strcmp(canon, name) != 0)
		return -1;
	return (int)v;
}

static const struct {
	int resource;
	const char *name;
} rlimits[] = {
    {RLIMIT_CPU, "RLIMIT_CPU"},		  {RLIMIT_FSIZE, "RLIMIT_FSIZE"},
    {RLIMIT_DATA, "RLIMIT_DATA"},	  {RLIMIT_STACK, "RLIMIT_STACK"},
    {RLIMIT_CORE, "RLIMIT_CORE"},	  {RLIMIT_RSS, "RLIMIT_RSS"},
    {RLIMIT_NPROC, "RLIMIT_NPROC"},	  {RLIMIT_NOFILE, "RLIMIT_NOFILE"},
    {RLIMIT_MEMLOCK, "RLIMIT_MEMLOCK"},	  {RLIMIT_AS, "RLIMIT_AS"},
    {RLIMIT_LOCKS, "RLIMIT_LOCKS"},	  {RLIMIT_SIGPENDING, "RLIMIT_SIGPENDING"},
    {RLIMIT_MSGQUEUE, "RLIMIT_MSGQUEUE"}, {RLIMIT_NICE, "RLIMIT_NICE"},
    {RLIMIT_RTPRIO, "RLIMIT_RTPRIO"},	  {RLIMIT_RTTIME, "RLIMIT_RTTIME"},
};

int cella_rlimit_from_name(const char *name)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++) {
		if (strcmp(name, rlimits[i].name) == 0)
			return rlimits[i].resource;
	}
	return -1;
}

const char *cella_rlimit_name(int resource)
{
	for (size_t i = 0; i < ARRAY_SIZE(rlimits); i++) {
		if (rlimits[i].resource == resource)
			return rlimits[i].name;
	}
	return NULL;
}
