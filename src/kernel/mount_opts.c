/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * OCI mount options ("ro", "nosuid", "rbind", "rprivate", "mode=755"...) to
 * mount(2) flags: one static table, walked by mount_parse_options().
 *
 * Pure: no system calls, no logging. Options the table does not know are
 * filesystem data, joined with commas in the order given (as runc does), so
 * "mode=755,size=65536k" reaches tmpfs untouched. Two families are dropped
 * rather than passed to the kernel, where they would make the mount fail:
 *   - "tmpcopyup", "idmap", "ridmap": OCI/runc extensions the mount code
 *     handles itself (idmapped mounts: mount_idmap.c; tmpcopyup refused);
 *   - "x-*": userspace-only options, as mount(8) treats them.
 */
#include "kernel/mount.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "util/util.h"

/* The kernel copies at most a page of mount data. */
#define MOUNT_DATA_MAX 4095

enum opt_kind {
	OPT_FLAG_SET,	/* flags |= v, clear &= ~v */
	OPT_FLAG_CLEAR, /* flags &= ~v, clear |= v */
	OPT_PROPAGATION,
	OPT_BIND,
	OPT_ATTR_SET,	/* recursive mount_setattr: attr_set |= v */
	OPT_ATTR_CLEAR, /* attr_clr |= v */
	OPT_ATTR_ATIME, /* atime mode: attr_clr |= __ATIME, attr_set = v */
	OPT_IGNORE,
	OPT_ELSEWHERE, /* not data: implemented by the mount code (idmap) */
};

struct opt {
	const char *name;
	enum opt_kind kind;
	unsigned long value;
};

static const struct opt opts[] = {
    {"defaults", OPT_FLAG_SET, 0},
    {"ro", OPT_FLAG_SET, MS_RDONLY},
    {"rw", OPT_FLAG_CLEAR, MS_RDONLY},
    {"nosuid", OPT_FLAG_SET, MS_NOSUID},
    {"suid", OPT_FLAG_CLEAR, MS_NOSUID},
    {"nodev", OPT_FLAG_SET, MS_NODEV},
    {"dev", OPT_FLAG_CLEAR, MS_NODEV},
    {"noexec", OPT_FLAG_SET, MS_NOEXEC},
    {"exec", OPT_FLAG_CLEAR, MS_NOEXEC},
    {"sync", OPT_FLAG_SET, MS_SYNCHRONOUS},
    {"async", OPT_FLAG_CLEAR, MS_SYNCHRONOUS},
    {"dirsync", OPT_FLAG_SET, MS_DIRSYNC},
    {"remount", OPT_FLAG_SET, MS_REMOUNT},
    {"mand", OPT_FLAG_SET, MS_MANDLOCK},
    {"nomand", OPT_FLAG_CLEAR, MS_MANDLOCK},
    {"noatime", OPT_FLAG_SET, MS_NOATIME},
    {"atime", OPT_FLAG_CLEAR, MS_NOATIME},
    {"nodiratime", OPT_FLAG_SET, MS_NODIRATIME},
    {"diratime", OPT_FLAG_CLEAR, MS_NODIRATIME},
    {"relatime", OPT_FLAG_SET, MS_RELATIME},
    {"norelatime", OPT_FLAG_CLEAR, MS_RELATIME},
    {"strictatime", OPT_FLAG_SET, MS_STRICTATIME},
    {"nostrictatime", OPT_FLAG_CLEAR, MS_STRICTATIME},
    {"nosymfollow", OPT_FLAG_SET, MS_NOSYMFOLLOW},
    {"symfollow", OPT_FLAG_CLEAR, MS_NOSYMFOLLOW},
    {"silent", OPT_FLAG_SET, MS_SILENT},
    {"loud", OPT_FLAG_CLEAR, MS_SILENT},

    {"bind", OPT_BIND, 0},
    {"rbind", OPT_BIND, MS_REC},

    {"private", OPT_PROPAGATION, MS_PRIVATE},
    {"rprivate", OPT_PROPAGATION, MS_PRIVATE | MS_REC},
    {"shared", OPT_PROPAGATION, MS_SHARED},
    {"rshared", OPT_PROPAGATION, MS_SHARED | MS_REC},
    {"slave", OPT_PROPAGATION, MS_SLAVE},
    {"rslave", OPT_PROPAGATION, MS_SLAVE | MS_REC},
    {"unbindable", OPT_PROPAGATION, MS_UNBINDABLE},
    {"runbindable", OPT_PROPAGATION, MS_UNBINDABLE | MS_REC},

    /* Recursive variants (mount_setattr(2) with AT_RECURSIVE). */
    {"rro", OPT_ATTR_SET, MOUNT_ATTR_RDONLY},
    {"rrw", OPT_ATTR_CLEAR, MOUNT_ATTR_RDONLY},
    {"rnosuid", OPT_ATTR_SET, MOUNT_ATTR_NOSUID},
    {"rsuid", OPT_ATTR_CLEAR, MOUNT_ATTR_NOSUID},
    {"rnodev", OPT_ATTR_SET, MOUNT_ATTR_NODEV},
    {"rdev", OPT_ATTR_CLEAR, MOUNT_ATTR_NODEV},
    {"rnoexec", OPT_ATTR_SET, MOUNT_ATTR_NOEXEC},
    {"rexec", OPT_ATTR_CLEAR, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", OPT_ATTR_SET, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", OPT_ATTR_CLEAR, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", OPT_ATTR_SET, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", OPT_ATTR_CLEAR, MOUNT_ATTR_NOSYMFOLLOW},
    /* The atime mode is one value: setting any clears the others. "ratime"
     * and "rnostrictatime" fall back to the kernel default, relatime. */
    {"rnoatime", OPT_ATTR_ATIME, MOUNT_ATTR_NOATIME},
    {"ratime", OPT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
    {"rrelatime", OPT_ATTR_ATIME, MOUNT_ATTR_RELATIME},
    {"rnorelatime", OPT_ATTR_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rstrictatime", OPT_ATTR_ATIME, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", OPT_ATTR_ATIME, MOUNT_ATTR_RELATIME},

    {"tmpcopyup", OPT_IGNORE, 0},
    {"idmap", OPT_ELSEWHERE, 0},
    {"ridmap", OPT_ELSEWHERE, 0},
};

static const struct opt *opt_lookup(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(opts); i++)
		if (strcmp(opts[i].name, name) == 0)
			return &opts[i];
	return NULL;
}

/* The i-th option name the table implements (not the ignored ones), NULL
 * past the end: `cella features` lists them as mountOptions. */
const char *mount_option_name(size_t i)
{
	size_t n = 0;

	for (size_t k = 0; k < ARRAY_SIZE(opts); k++) {
		if (opts[k].kind == OPT_IGNORE)
			continue;
		if (n++ == i)
			return opts[k].name;
	}
	return NULL;
}

static void data_append(char **data, size_t *len, const char *s)
{
	size_t n = strlen(s);
	size_t extra = (*len ? 1 : 0) + n;

	*data = xrealloc(*data, *len + extra + 1);
	if (*len)
		(*data)[(*len)++] = ',';
	memcpy(*data + *len, s, n);
	*len += n;
	(*data)[*len] = '\0';
}

int mount_parse_options(char *const *options, struct cella_mount_flags *out, cella_error *err)
{
	struct cella_mount_flags f = {0};
	size_t data_len = 0;

	for (size_t i = 0; options != NULL && options[i] != NULL; i++) {
		const char *o = options[i];
		const struct opt *t;

		if (o[0] == '\0' || str_has_prefix(o, "x-"))
			continue;
		t = opt_lookup(o);
		if (t == NULL) {
			data_append(&f.data, &data_len, o);
			continue;
		}
		switch (t->kind) {
		case OPT_FLAG_SET:
			f.flags |= t->value;
			f.clear &= ~t->value;
			break;
		case OPT_FLAG_CLEAR:
			f.flags &= ~t->value;
			f.clear |= t->value;
			break;
		case OPT_PROPAGATION:
			/* The last propagation type given wins. */
			f.propagation = t->value;
			break;
		case OPT_BIND:
			f.bind = true;
			f.flags |= MS_BIND | t->value;
			break;
		case OPT_ATTR_SET:
			f.rec_attr_set |= t->value;
			f.rec_attr_clr &= ~(uint64_t)t->value;
			break;
		case OPT_ATTR_CLEAR:
			f.rec_attr_clr |= t->value;
			f.rec_attr_set &= ~(uint64_t)t->value;
			break;
		case OPT_ATTR_ATIME:
			f.rec_attr_clr |= MOUNT_ATTR__ATIME;
			f.rec_attr_set = (f.rec_attr_set & ~(uint64_t)MOUNT_ATTR__ATIME) | t->value;
			break;
		case OPT_IGNORE:
		case OPT_ELSEWHERE:
			break;
		default:
			break;
		}
	}
	f.recursive_ro = (f.rec_attr_set & MOUNT_ATTR_RDONLY) != 0;
	if (data_len > MOUNT_DATA_MAX) {
		cella_err_invalid(err, "mount options: data `%.40s...` is longer than %d bytes",
				  f.data, MOUNT_DATA_MAX);
		free(f.data);
		return -EINVAL;
	}
	*out = f;
	return 0;
}

void mount_flags_free(struct cella_mount_flags *f)
{
	if (f == NULL)
		return;
	free(f->data);
	f->data = NULL;
}
