/* SPDX-License-Identifier: GPL-2.0-or-later */
/* mount_parse_options: OCI mount options to flags and data. */
#include <errno.h>
#include <sys/mount.h>

#include "kernel/mount.h"
#include "unit.h"

/* Option lists are string literals: -Wwrite-strings makes them const. */
#define parse(v) parse_((char *const *)(v))

static struct cella_mount_flags parse_(char *const *opts)
{
	struct cella_mount_flags f;
	cella_error err = {0};

	memset(&f, 0xa5, sizeof(f));
	if (mount_parse_options(opts, &f, &err) < 0) {
		fprintf(stderr, "parse failed: %s\n", err.msg);
		memset(&f, 0, sizeof(f));
		unit_failed_checks++;
	}
	return f;
}

static void test_empty(void)
{
	struct cella_mount_flags f = parse(NULL);

	CHECK(f.flags == 0);
	CHECK(f.clear == 0);
	CHECK(f.propagation == 0);
	CHECK(!f.bind);
	CHECK(!f.recursive_ro);
	CHECK(f.rec_attr_set == 0 && f.rec_attr_clr == 0);
	CHECK(f.data == NULL);
	mount_flags_free(&f);
}

static void test_runc_defaults(void)
{
	const char *dev[] = {"nosuid", "strictatime", "mode=755", "size=65536k", NULL};
	const char *pts[] = {"nosuid",	  "noexec", "newinstance", "ptmxmode=0666",
			     "mode=0620", "gid=5",  NULL};
	const char *sys[] = {"nosuid", "noexec", "nodev", "ro", NULL};
	const char *cg[] = {"nosuid", "noexec", "nodev", "relatime", "ro", NULL};
	struct cella_mount_flags f;

	f = parse(dev);
	CHECK(f.flags == (MS_NOSUID | MS_STRICTATIME));
	CHECK_STR(f.data, "mode=755,size=65536k");
	mount_flags_free(&f);
	CHECK(f.data == NULL);

	f = parse(pts);
	CHECK(f.flags == (MS_NOSUID | MS_NOEXEC));
	CHECK_STR(f.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
	mount_flags_free(&f);

	f = parse(sys);
	CHECK(f.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY));
	CHECK(f.data == NULL);
	mount_flags_free(&f);

	f = parse(cg);
	CHECK(f.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY));
	mount_flags_free(&f);
}

static void test_set_clear(void)
{
	const char *a[] = {"ro", "rw", "suid", "nodev", "dev", "noexec", "defaults", NULL};
	struct cella_mount_flags f = parse(a);

	CHECK(f.flags == MS_NOEXEC);
	CHECK(f.clear == (MS_RDONLY | MS_NOSUID | MS_NODEV));
	mount_flags_free(&f);

	const char *b[] = {"rw", "ro", NULL};
	f = parse(b);
	CHECK(f.flags == MS_RDONLY);
	CHECK(f.clear == 0);
	mount_flags_free(&f);

	const char *c[] = {"noatime", "nodiratime", "sync", "dirsync", "mand", "nosymfollow", NULL};
	f = parse(c);
	CHECK(f.flags == (MS_NOATIME | MS_NODIRATIME | MS_SYNCHRONOUS | MS_DIRSYNC | MS_MANDLOCK |
			  MS_NOSYMFOLLOW));
	mount_flags_free(&f);
}

static void test_bind(void)
{
	const char *a[] = {"bind", "ro", NULL};
	const char *b[] = {"rbind", "rprivate", NULL};
	struct cella_mount_flags f = parse(a);

	CHECK(f.bind);
	CHECK(f.flags == (MS_BIND | MS_RDONLY));
	CHECK(f.propagation == 0);
	mount_flags_free(&f);

	f = parse(b);
	CHECK(f.bind);
	CHECK(f.flags == (MS_BIND | MS_REC));
	CHECK(f.propagation == (MS_PRIVATE | MS_REC));
	mount_flags_free(&f);
}

static void test_propagation(void)
{
	static const struct {
		const char *name;
		unsigned long want;
	} cases[] = {
	    {"private", MS_PRIVATE},	   {"rprivate", MS_PRIVATE | MS_REC},
	    {"shared", MS_SHARED},	   {"rshared", MS_SHARED | MS_REC},
	    {"slave", MS_SLAVE},	   {"rslave", MS_SLAVE | MS_REC},
	    {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *o[] = {cases[i].name, NULL};
		struct cella_mount_flags f = parse(o);

		CHECK(f.propagation == cases[i].want);
		CHECK(f.flags == 0);
		CHECK(f.data == NULL);
		mount_flags_free(&f);
	}
	/* The last one given wins. */
	const char *o[] = {"rshared", "slave", NULL};
	struct cella_mount_flags f = parse(o);
	CHECK(f.propagation == MS_SLAVE);
	mount_flags_free(&f);
}

static void test_recursive(void)
{
	const char *a[] = {"rbind", "rro", "rnosuid", "rnodev", "rnoexec", NULL};
	const char *b[] = {"rrw", "rsuid", "rnoatime", NULL};
	const char *c[] = {"rnoatime", "rstrictatime", "rnosymfollow", NULL};
	struct cella_mount_flags f = parse(a);

	CHECK(f.recursive_ro);
	CHECK(f.rec_attr_set ==
	      (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
	CHECK(f.rec_attr_clr == 0);
	CHECK(f.flags == (MS_BIND | MS_REC));
	mount_flags_free(&f);

	f = parse(b);
	CHECK(!f.recursive_ro);
	CHECK(f.rec_attr_set == MOUNT_ATTR_NOATIME);
	CHECK(f.rec_attr_clr == (MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR__ATIME));
	mount_flags_free(&f);

	f = parse(c);
	CHECK(f.rec_attr_set == (MOUNT_ATTR_STRICTATIME | MOUNT_ATTR_NOSYMFOLLOW));
	CHECK(f.rec_attr_clr == MOUNT_ATTR__ATIME);
	mount_flags_free(&f);
}

static void test_data_and_ignored(void)
{
	const char *a[] = {"lowerdir=/a:/b",	  "",	       "upperdir=/u",
			   "x-systemd.automount", "tmpcopyup", "idmap",
			   "workdir=/w",	  "ro",	       NULL};
	struct cella_mount_flags f = parse(a);

	CHECK(f.flags == MS_RDONLY);
	CHECK_STR(f.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w");
	mount_flags_free(&f);

	/* A single unknown option, and case matters ("RO" is data). */
	const char *b[] = {"RO", NULL};
	f = parse(b);
	CHECK(f.flags == 0);
	CHECK_STR(f.data, "RO");
	mount_flags_free(&f);
}

static void test_data_too_long(void)
{
	static char big[5000];
	char *a[] = {big, NULL};
	struct cella_mount_flags f = {0};
	cella_error err = {0};

	memset(big, 'a', sizeof(big) - 1);
	CHECK(mount_parse_options(a, &f, &err) < 0);
	CHECK(err.errnum == EINVAL);
	CHECK_CONTAINS(err.msg, "longer than");
	CHECK(f.data == NULL);
}

int main(void)
{
	RUN(test_empty);
	RUN(test_runc_defaults);
	RUN(test_set_clear);
	RUN(test_bind);
	RUN(test_propagation);
	RUN(test_recursive);
	RUN(test_data_and_ignored);
	RUN(test_data_too_long);
	return unit_done();
}
