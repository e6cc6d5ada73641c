/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cgroup module's pure logic: layout detection from mountinfo text, path
 * resolution, v1 -> v2 conversions, linux.resources parsing. */
#include <errno.h>
#include <stdlib.h>

#include "unit.h"

#include "kernel/cgroup.h"
#include "spec/spec_resources.h"
#include "util/cleanup.h"

static char *resolve(const char *cgroups_path, const char *own)
{
	cella_error err;
	char *out = NULL;

	if (cella_cgroup_resolve_path(cgroups_path, "abc", own, &out, &err) < 0)
		return NULL;
	return out;
}

static const char *resolve_err(const char *cgroups_path)
{
	static cella_error err;
	char *out = NULL;

	if (cella_cgroup_resolve_path(cgroups_path, "abc", "/", &out, &err) == 0) {
		free(out);
		return "(accepted)";
	}
	return err.msg;
}

static void test_resolve_path(void)
{
	cleanup_free char *a = resolve(NULL, "/user.slice");
	cleanup_free char *b = resolve("", "/");
	cleanup_free char *c = resolve("/machine/abc", "/x");
	cleanup_free char *d = resolve("pods/abc", "/user.slice/run");
	cleanup_free char *e = resolve("//a//b/", "/");
	cleanup_free char *f = resolve("rel", "/");

	CHECK_STR(a, "/cella/abc");
	CHECK_STR(b, "/cella/abc");
	CHECK_STR(c, "/machine/abc");
	CHECK_STR(d, "/user.slice/run/pods/abc");
	CHECK_STR(e, "/a/b");
	CHECK_STR(f, "/rel");
	CHECK_CONTAINS(resolve_err("/a/../b"), "linux.cgroupsPath `/a/../b`: `..` is not allowed");
	CHECK_CONTAINS(resolve_err("a/./b"), "`.` is not allowed");
	CHECK_CONTAINS(resolve_err("/"), "root cgroup");
	CHECK_CONTAINS(resolve_err("system.slice:cella:abc"), "systemd");
	CHECK_CONTAINS(resolve_err("/a\nb"), "control character");
}

static void test_shares_to_weight(void)
{
	/* runc's quadratic fit: 2 -> 1, 1024 -> 100, 262144 -> 10000 */
	CHECK(cella_cgroup_shares_to_weight(0) == 0);
	CHECK(cella_cgroup_shares_to_weight(1) == 1);
	CHECK(cella_cgroup_shares_to_weight(2) == 1);
	CHECK(cella_cgroup_shares_to_weight(1024) == 100);
	CHECK(cella_cgroup_shares_to_weight(262144) == 10000);
	CHECK(cella_cgroup_shares_to_weight(1000000) == 10000);
	/* Values computed with runc's formula in IEEE doubles. */
	CHECK(cella_cgroup_shares_to_weight(3) == 2);
	CHECK(cella_cgroup_shares_to_weight(100) == 17);
	CHECK(cella_cgroup_shares_to_weight(512) == 59);
	CHECK(cella_cgroup_shares_to_weight(2048) == 174);
	CHECK(cella_cgroup_shares_to_weight(262143) == 10000);
	/* Every value in range, summed: the same sum as runc's formula in
	 * IEEE doubles gives (computed with Python's math.log2/pow/ceil). */
	{
		unsigned long long sum = 0;

		for (uint64_t s = 3; s < 262144; s++)
			sum += cella_cgroup_shares_to_weight(s);
		CHECK(sum == 1405368459ULL);
	}
}

static void test_io_weight_and_swap(void)
{
	cella_error err;
	int64_t out = 0;

	CHECK(cella_cgroup_blkio_to_io_weight(0) == 0);
	CHECK(cella_cgroup_blkio_to_io_weight(10) == 1);
	CHECK(cella_cgroup_blkio_to_io_weight(1000) == 10000);
	CHECK(cella_cgroup_blkio_to_io_weight(500) == 4950);

	CHECK(cella_cgroup_swap_to_v2(1000, -1, &out, &err) == 0 && out == -1);
	CHECK(cella_cgroup_swap_to_v2(1000, 3000, &out, &err) == 0 && out == 2000);
	CHECK(cella_cgroup_swap_to_v2(1000, 1000, &out, &err) == 0 && out == 0);
	CHECK(cella_cgroup_swap_to_v2(0, 3000, &out, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "needs a memory limit");
	CHECK(cella_cgroup_swap_to_v2(4000, 3000, &out, &err) == -EINVAL);
	CHECK_CONTAINS(err.msg, "linux.resources.memory.swap 3000: less than");
}

static const char hybrid_mountinfo[] =
    "25 30 0:23 / /sys rw,nosuid shared:7 - sysfs sysfs rw\n"
    "26 25 0:24 / /sys/fs/cgroup ro,nosuid shared:8 - tmpfs tmpfs ro,mode=755\n"
    "27 26 0:25 / /sys/fs/cgroup/unified rw,nosuid shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
    "28 26 0:26 / /sys/fs/cgroup/systemd rw shared:10 - cgroup cgroup "
    "rw,xattr,name=systemd\n"
    "31 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw shared:13 - cgroup cgroup rw,cpu,cpuacct\n"
    "32 26 0:30 / /sys/fs/cgroup/memory rw shared:14 - cgroup cgroup rw,memory\n"
    "33 26 0:31 / /sys/fs/cgroup/cpuset rw shared:15 - cgroup cgroup "
    "rw,cpuset,clone_children\n"
    "40 25 0:40 / /sys/fs/cgroup2 rw - cgroup2 cgroup2 rw\n";

static void test_mountinfo(void)
{
	struct cella_cgroup_host h;
	cella_error err;

	CHECK(cella_cgroup_parse_mountinfo(hybrid_mountinfo, "/sys/fs/cgroup", &h, &err) == 0);
	CHECK(h.layout == CELLA_CGROUP_HYBRID);
	CHECK_STR(h.unified, "/sys/fs/cgroup/unified");
	CHECK(h.n_v1 == 4);
	if (h.n_v1 == 4) {
		CHECK_STR(h.v1[0].controllers, "name=systemd");
		CHECK_STR(h.v1[1].mount, "/sys/fs/cgroup/cpu,cpuacct");
		CHECK_STR(h.v1[1].controllers, "cpu,cpuacct");
		CHECK_STR(h.v1[3].controllers, "cpuset");
	}
	cella_cgroup_host_clear(&h);

	CHECK(cella_cgroup_parse_mountinfo("30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 "
					   "rw,nsdelegate,memory_recursiveprot\n",
					   "/sys/fs/cgroup", &h, &err) == 0);
	CHECK(h.layout == CELLA_CGROUP_UNIFIED);
	CHECK_STR(h.unified, "/sys/fs/cgroup");
	cella_cgroup_host_clear(&h);

	CHECK(cella_cgroup_parse_mountinfo("32 26 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup "
					   "rw,memory\n",
					   "/sys/fs/cgroup", &h, &err) == 0);
	CHECK(h.layout == CELLA_CGROUP_V1);
	cella_cgroup_host_clear(&h);

	/* A tmpfs mounted later over the unified mount hides it (crun's
	 * workaround on hybrid hosts, in a private mount namespace). */
	{
		char *text = NULL;
		if (asprintf(&text, "%s%s", hybrid_mountinfo,
			     "50 27 0:50 / /sys/fs/cgroup/unified rw - tmpfs none rw\n") > 0) {
			CHECK(cella_cgroup_parse_mountinfo(text, "/sys/fs/cgroup", &h, &err) == 0);
			CHECK(h.layout == CELLA_CGROUP_V1);
			CHECK(h.unified == NULL);
			CHECK(h.n_v1 == 4);
			cella_cgroup_host_clear(&h);
		}
		free(text);
	}

	/* cgroup2 elsewhere only: no layout cella drives. */
	CHECK(cella_cgroup_parse_mountinfo("40 25 0:40 / /sys/fs/cgroup2 rw - cgroup2 cgroup2 rw\n",
					   "/sys/fs/cgroup", &h, &err) == 0);
	CHECK(h.layout == CELLA_CGROUP_NONE);
	cella_cgroup_host_clear(&h);
}

static const char *parse_err(const char *json)
{
	static cella_error err;
	struct cella_resources r;

	if (cella_spec_resources_parse(json, &r, &err) == 0) {
		cella_resources_clear(&r);
		return "(accepted)";
	}
	return err.msg;
}

static void test_resources_parse(void)
{
	struct cella_resources r;
	cella_error err;

	CHECK(cella_spec_resources_parse(NULL, &r, &err) == 0);
	CHECK(!cella_resources_any(&r));

	CHECK(cella_spec_resources_parse(
		  "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}],"
		  "\"memory\":{\"limit\":1048576,\"reservation\":-1,\"swap\":2097152,"
		  "\"swappiness\":10,\"kernel\":5},"
		  "\"cpu\":{\"shares\":512,\"quota\":20000,\"period\":100000,\"cpus\":\"0-1\","
		  "\"mems\":\"\"},"
		  "\"pids\":{\"limit\":32},\"blockIO\":{\"weight\":500},\"unified\":{},"
		  "\"x-unknown\":1}",
		  &r, &err) == 0);
	CHECK(cella_resources_any(&r));
	CHECK(r.has_memory_limit && r.memory_limit == 1048576);
	CHECK(r.has_memory_reservation && r.memory_reservation == -1);
	CHECK(r.has_memory_swap && r.memory_swap == 2097152);
	CHECK(r.has_memory_swappiness && r.memory_swappiness == 10);
	CHECK(r.has_cpu_shares && r.cpu_shares == 512);
	CHECK(r.has_cpu_quota && r.cpu_quota == 20000);
	CHECK(r.has_cpu_period && r.cpu_period == 100000);
	CHECK_STR(r.cpu_cpus, "0-1");
	CHECK(r.cpu_mems == NULL);
	CHECK(r.has_pids_limit && r.pids_limit == 32);
	CHECK(r.has_blkio_weight && r.blkio_weight == 500);
	CHECK(r.ignored != NULL);
	if (r.ignored != NULL) {
		CHECK_STR(r.ignored[0], "linux.resources.memory.kernel");
		CHECK(r.ignored[1] == NULL);
	}
	CHECK(r.n_unified == 0);
	/* The deny-all rule (the engine adds the allows every container needs
	 * with cella_spec_resources_device_defaults). */
	CHECK(r.n_devices == 1 && !r.devices[0].allow && r.devices[0].type == 'a');
	cella_resources_clear(&r);

	/* unified, hugepageLimits, burst, throttles */
	CHECK(cella_spec_resources_parse(
		  "{\"unified\":{\"memory.oom.group\":\"1\"},"
		  "\"hugepageLimits\":[{\"pageSize\":\"2MB\",\"limit\":4194304}],"
		  "\"cpu\":{\"burst\":1000},"
		  "\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"minor\":0,"
		  "\"rate\":1048576}]}}",
		  &r, &err) == 0);
	CHECK(r.n_unified == 1 && !strcmp(r.unified[0].key, "memory.oom.group") &&
	      !strcmp(r.unified[0].value, "1"));
	CHECK(r.n_hugetlb == 1 && !strcmp(r.hugetlb[0].page_size, "2MB") &&
	      r.hugetlb[0].limit == 4194304);
	CHECK(r.has_cpu_burst && r.cpu_burst == 1000);
	CHECK(r.n_throttle[CELLA_THROTTLE_READ_BPS] == 1 &&
	      r.throttle[CELLA_THROTTLE_READ_BPS][0].major == 8 &&
	      r.throttle[CELLA_THROTTLE_READ_BPS][0].rate == 1048576);
	CHECK(r.ignored == NULL);
	CHECK(cella_resources_any(&r));
	cella_resources_clear(&r);

	/* null is absent */
	CHECK(cella_spec_resources_parse("{\"memory\":{\"limit\":null},\"pids\":null}", &r, &err) ==
	      0);
	CHECK(!r.has_memory_limit && !r.has_pids_limit);
	cella_resources_clear(&r);

	CHECK_STR(parse_err("{\"memory\":{\"limit\":\"1g\"}}"),
		  "linux.resources.memory.limit: expected an integer");
	CHECK_STR(parse_err("{\"memory\":[]}"), "linux.resources.memory: expected an object");
	CHECK_CONTAINS(parse_err("{\"memory\":{\"limit\":-2}}"),
		       "linux.resources.memory.limit: -2 is out of range");
	CHECK_CONTAINS(parse_err("{\"memory\":{\"swappiness\":101}}"),
		       "linux.resources.memory.swappiness: 101 is out of range (0 to 100)");
	CHECK_CONTAINS(parse_err("{\"cpu\":{\"shares\":1.5}}"),
		       "linux.resources.cpu.shares: expected an integer");
	CHECK_CONTAINS(parse_err("{\"cpu\":{\"cpus\":\"0\\n1\"}}"),
		       "linux.resources.cpu.cpus: `0\\n1` is not a list");
	CHECK_CONTAINS(parse_err("{\"blockIO\":{\"weight\":5}}"),
		       "linux.resources.blockIO.weight: 5 is out of range");
	CHECK_CONTAINS(parse_err("{\"cpu\":{\"period\":99999999999999999999}}"),
		       "linux.resources.cpu.period: expected an integer from 0 to");
	CHECK_CONTAINS(parse_err("[]"), "linux.resources: expected an object");
}

int main(void)
{
	RUN(test_resolve_path);
	RUN(test_shares_to_weight);
	RUN(test_io_weight_and_swap);
	RUN(test_mountinfo);
	RUN(test_resources_parse);
	return unit_done();
}
