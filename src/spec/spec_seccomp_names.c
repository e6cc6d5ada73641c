/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The names linux.seccomp uses (spec_seccomp.h): actions, operators,
 * architectures and flags, as OCI spells them. The architecture tokens are
 * libseccomp's SCMP_ARCH_* (its header's constants only: nothing here calls
 * libseccomp), which kernel/seccomp.c hands to seccomp_arch_add().
 */
#include "spec/spec_seccomp.h"

#include <stdlib.h>
#include <string.h>

#include <seccomp.h>

#include "util/cleanup.h"
#include "util/util.h"

static const char *const action_names[CELLA_SCMP_ACTION_COUNT] = {
    [CELLA_SCMP_KILL_THREAD] = "SCMP_ACT_KILL", [CELLA_SCMP_KILL_PROCESS] = "SCMP_ACT_KILL_PROCESS",
    [CELLA_SCMP_TRAP] = "SCMP_ACT_TRAP",	[CELLA_SCMP_ERRNO] = "SCMP_ACT_ERRNO",
    [CELLA_SCMP_TRACE] = "SCMP_ACT_TRACE",	[CELLA_SCMP_LOG] = "SCMP_ACT_LOG",
    [CELLA_SCMP_ALLOW] = "SCMP_ACT_ALLOW",	[CELLA_SCMP_NOTIFY] = "SCMP_ACT_NOTIFY",
};

static const char *const op_names[CELLA_SCMP_OP_COUNT] = {
    [CELLA_SCMP_CMP_NE] = "SCMP_CMP_NE",
    [CELLA_SCMP_CMP_LT] = "SCMP_CMP_LT",
    [CELLA_SCMP_CMP_LE] = "SCMP_CMP_LE",
    [CELLA_SCMP_CMP_EQ] = "SCMP_CMP_EQ",
    [CELLA_SCMP_CMP_GE] = "SCMP_CMP_GE",
    [CELLA_SCMP_CMP_GT] = "SCMP_CMP_GT",
    [CELLA_SCMP_CMP_MASKED_EQ] = "SCMP_CMP_MASKED_EQ",
};

static const struct {
	const char *name;
	uint32_t token;
} arch_table[] = {
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
#ifdef SCMP_ARCH_LOONGARCH64
    {"SCMP_ARCH_LOONGARCH64", SCMP_ARCH_LOONGARCH64},
#endif
#ifdef SCMP_ARCH_M68K
    {"SCMP_ARCH_M68K", SCMP_ARCH_M68K},
#endif
#ifdef SCMP_ARCH_SH
    {"SCMP_ARCH_SH", SCMP_ARCH_SH},
#endif
};

static const struct {
	const char *name;
	unsigned flag;
} flag_table[] = {
    {"SECCOMP_FILTER_FLAG_LOG", CELLA_SCMP_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", CELLA_SCMP_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", CELLA_SCMP_FLAG_WAIT_KILLABLE_RECV},
};

int cella_seccomp_action_from_name(const char *name)
{
	if (strcmp(name, "SCMP_ACT_KILL_THREAD") == 0)
		return CELLA_SCMP_KILL_THREAD;
	for (int i = 0; i < CELLA_SCMP_ACTION_COUNT; i++)
		if (strcmp(name, action_names[i]) == 0)
			return i;
	return -1;
}

const char *cella_seccomp_action_name(enum cella_seccomp_action a)
{
	return (unsigned)a < CELLA_SCMP_ACTION_COUNT ? action_names[a] : "?";
}

const char *cella_seccomp_action_name_at(size_t i)
{
	if (i < CELLA_SCMP_ACTION_COUNT)
		return action_names[i];
	return i == CELLA_SCMP_ACTION_COUNT ? "SCMP_ACT_KILL_THREAD" : NULL;
}

int cella_seccomp_op_from_name(const char *name)
{
	for (int i = 0; i < CELLA_SCMP_OP_COUNT; i++)
		if (strcmp(name, op_names[i]) == 0)
			return i;
	return -1;
}

const char *cella_seccomp_op_name(enum cella_seccomp_op op)
{
	return (unsigned)op < CELLA_SCMP_OP_COUNT ? op_names[op] : NULL;
}

uint32_t cella_seccomp_arch_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
		if (strcmp(name, arch_table[i].name) == 0)
			return arch_table[i].token;
	return 0;
}

const char *cella_seccomp_arch_name(uint32_t arch)
{
	for (size_t i = 0; i < ARRAY_SIZE(arch_table); i++)
		if (arch_table[i].token == arch)
			return arch_table[i].name;
	return NULL;
}

const char *cella_seccomp_arch_name_at(size_t i)
{
	return i < ARRAY_SIZE(arch_table) ? arch_table[i].name : NULL;
}

int cella_seccomp_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (strcmp(name, flag_table[i].name) == 0)
			return (int)flag_table[i].flag;
	return -1;
}

const char *cella_seccomp_flag_name(unsigned flag)
{
	for (size_t i = 0; i < ARRAY_SIZE(flag_table); i++)
		if (flag_table[i].flag == flag)
			return flag_table[i].name;
	return NULL;
}

const char *cella_seccomp_flag_name_at(size_t i)
{
	return i < ARRAY_SIZE(flag_table) ? flag_table[i].name : NULL;
}

void cella_seccomp_free(struct cella_seccomp *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n_syscalls; i++) {
		strv_free(s->syscalls[i].names);
		free(s->syscalls[i].args);
	}
	free(s->syscalls);
	free(s->archs);
	free(s->listener_path);
	free(s->listener_metadata);
	free(s);
}
