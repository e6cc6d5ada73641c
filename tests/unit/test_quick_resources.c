/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests: the resource flags (--memory, --cpus...) -> linux.resources,
 * through the quick door's spec and the typed resources the engine reads. */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "spec/quick.h"
#include "spec/spec_resources.h"
#include "unit.h"

static struct cella_quick base(char **args)
{
	struct cella_quick q;

	memset(&q, 0, sizeof(q));
	q.name = "box";
	q.rootfs = "/srv/rootfs";
	q.args = args;
	return q;
}

/* The typed resources of the quick door's spec for flags f. */
static int quick_resources(const struct cella_resource_flags *f, struct cella_resources *r,
			   char **json, cella_error *err)
{
	char *args[] = {(char *)"true", NULL};
	struct cella_quick q = base(args);
	struct cella_spec *s = NULL;
	int ret;

	q.res = *f;
	ret = cella_spec_quick(&q, &s, err);
	if (ret < 0)
		return ret;
	if (json != NULL)
		*json = strdup(s->linux_.resources_json);
	ret = cella_spec_resources_parse(s->linux_.resources_json, r, err);
	cella_spec_free(s);
	return ret;
}

static void test_sizes(void)
{
	static const struct {
		const char *in;
		int64_t want;
	} ok[] = {
	    {"1024", 1024},	 {"512m", 512LL << 20}, {"512M", 512LL << 20},
	    {"1g", 1LL << 30},	 {"1GiB", 1LL << 30},	{"1gb", 1LL << 30},
	    {"1.5g", 3LL << 29}, {"100k", 102400},	{"7b", 7},
	    {"-1", -1},		 {"0.5m", 512LL << 10},
	};
	static const char *const bad[] = {
	    "",		"m", "12q", "1.2.3m", "-2", "1gg", "1 g", "1b5", "99999999999999999999",
	    "9000000p", "."};
	cella_error err;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int64_t v = 0;

		CHECK(cella_parse_size("--memory", ok[i].in, &v, &err) == 0);
		if (v != ok[i].want)
			fprintf(stderr, "size %s -> %lld\n", ok[i].in, (long long)v);
		CHECK(v == ok[i].want);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int64_t v = 0;

		CHECK(cella_parse_size("--memory", bad[i], &v, &err) < 0);
		CHECK_CONTAINS(err.msg, "--memory `");
	}
}

static void test_all_flags(void)
{
	struct cella_resource_flags f = {
	    .memory = "512m",
	    .memory_swap = "1g",
	    .memory_reservation = "256m",
	    .cpus = "1.5",
	    .cpu_shares = "512",
	    .cpuset_cpus = "0-1",
	    .cpuset_mems = "0",
	    .pids_limit = "100",
	    .blkio_weight = "300",
	};
	struct cella_resources r;
	char *json = NULL;
	cella_error err;
	json_t *j;

	CHECK(quick_resources(&f, &r, &json, &err) == 0);
	CHECK(r.has_memory_limit && r.memory_limit == 512LL << 20);
	CHECK(r.has_memory_swap && r.memory_swap == 1LL << 30);
	CHECK(r.has_memory_reservation && r.memory_reservation == 256LL << 20);
	CHECK(r.has_cpu_quota && r.cpu_quota == 150000);
	CHECK(r.has_cpu_period && r.cpu_period == 100000);
	CHECK(r.has_cpu_shares && r.cpu_shares == 512);
	CHECK_STR(r.cpu_cpus, "0-1");
	CHECK_STR(r.cpu_mems, "0");
	CHECK(r.has_pids_limit && r.pids_limit == 100);
	CHECK(r.has_blkio_weight && r.blkio_weight == 300);
	/* The default spec's device rules are kept. */
	j = json != NULL ? json_loads(json, 0, NULL) : NULL;
	CHECK(j != NULL && json_array_size(json_object_get(j, "devices")) == 1);
	json_decref(j);
	free(json);
	cella_resources_clear(&r);
}

static void test_no_flags_keeps_default(void)
{
	struct cella_resource_flags f = {0};
	struct cella_resources r;
	char *json = NULL;
	cella_error err;

	CHECK(quick_resources(&f, &r, &json, &err) == 0);
	CHECK(!cella_resources_any(&r));
	CHECK_STR(json, "{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]}");
	free(json);
	cella_resources_clear(&r);
}

static void test_cpus(void)
{
	static const struct {
		const char *in;
		int64_t quota;
	} ok[] = {{"1", 100000}, {"0.2", 20000}, {"2.25", 225000},
		  {".5", 50000}, {"0.01", 1000}, {"0.123456", 12345}};
	cella_error err;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct cella_resource_flags f = {.cpus = ok[i].in};
		struct cella_resources r;

		CHECK(quick_resources(&f, &r, NULL, &err) == 0);
		CHECK(r.has_cpu_quota && r.cpu_quota == ok[i].quota);
		CHECK(r.has_cpu_period && r.cpu_period == 100000);
		cella_resources_clear(&r);
	}
	/* 0: no limit, as podman. */
	{
		struct cella_resource_flags f = {.cpus = "0"};
		struct cella_resources r;

		CHECK(quick_resources(&f, &r, NULL, &err) == 0);
		CHECK(!r.has_cpu_quota && !r.has_cpu_period);
		cella_resources_clear(&r);
	}
	/* --cpu-quota / --cpu-period as given. */
	{
		struct cella_resource_flags f = {.cpu_quota = "50000", .cpu_period = "200000"};
		struct cella_resources r;

		CHECK(quick_resources(&f, &r, NULL, &err) == 0);
		CHECK(r.cpu_quota == 50000 && r.cpu_period == 200000);
		cella_resources_clear(&r);
	}
}

static void test_unlimited(void)
{
	struct cella_resource_flags f = {.memory = "-1", .pids_limit = "-1", .memory_swap = "-1"};
	struct cella_resources r;
	cella_error err;

	CHECK(quick_resources(&f, &r, NULL, &err) == 0);
	CHECK(r.has_memory_limit && r.memory_limit == -1);
	CHECK(r.has_memory_swap && r.memory_swap == -1);
	CHECK(r.has_pids_limit && r.pids_limit == -1);
	cella_resources_clear(&r);
}

static void test_bad_values_name_the_flag(void)
{
	static const struct {
		struct cella_resource_flags f;
		const char *msg;
	} bad[] = {
	    {{.memory = "lots"}, "--memory `lots`"},
	    {{.memory = "1m"}, "--memory `1m`: the minimum is 6m"},
	    {{.memory = "512m", .memory_swap = "256m"}, "--memory-swap `256m`: less than --memory"},
	    {{.memory_reservation = "x"}, "--memory-reservation `x`"},
	    {{.cpus = "1,5"}, "--cpus `1,5`"},
	    {{.cpus = "0.001"}, "--cpus `0.001`: the minimum"},
	    {{.cpus = "1", .cpu_quota = "1000"}, "--cpus: conflicts"},
	    {{.cpu_quota = "10"}, "--cpu-quota `10`"},
	    {{.cpu_period = "10"}, "--cpu-period `10`"},
	    {{.cpu_shares = "1"}, "--cpu-shares `1`"},
	    {{.cpu_shares = "300000"}, "--cpu-shares `300000`"},
	    {{.cpuset_cpus = "a-b"}, "--cpuset-cpus `a-b`"},
	    {{.cpuset_mems = ""}, "--cpuset-mems ``"},
	    {{.pids_limit = "many"}, "--pids-limit `many`"},
	    {{.pids_limit = "-5"}, "--pids-limit `-5`"},
	    {{.blkio_weight = "5"}, "--blkio-weight `5`"},
	    {{.blkio_weight = "5000", .blkio_flag = "--io-weight"}, "--io-weight `5000`"},
	};
	cella_error err;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct cella_resources r;

		memset(&err, 0, sizeof(err));
		CHECK(quick_resources(&bad[i].f, &r, NULL, &err) < 0);
		CHECK_CONTAINS(err.msg, bad[i].msg);
	}
}

/* update: flags merged over a --resources file's object. */
static void test_merge_over_file(void)
{
	struct cella_resource_flags f = {.memory = "64m"};
	char *json = strdup("{\"memory\":{\"limit\":1,\"swap\":-1},\"pids\":{\"limit\":9}}");
	struct cella_resources r;
	cella_error err;

	CHECK(cella_resource_flags_to_json(&f, &json, &err) == 0);
	CHECK(cella_spec_resources_parse(json, &r, &err) == 0);
	CHECK(r.memory_limit == 64LL << 20 && r.memory_swap == -1 && r.pids_limit == 9);
	cella_resources_clear(&r);
	free(json);

	json = strdup("[1]");
	CHECK(cella_resource_flags_to_json(&f, &json, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources: expected an object");
	free(json);
}

/* The default spec's deny-all, then the runtime's allows right after it,
 * then the spec's later rules (which still win). */
static void test_device_rules(void)
{
	const char *json = "{\"devices\":[{\"allow\":true,\"access\":\"rwm\"},"
			   "{\"allow\":false,\"access\":\"rwm\"},"
			   "{\"allow\":false,\"type\":\"c\",\"major\":1,\"minor\":3,"
			   "\"access\":\"w\"}]}";
	struct cella_resources r;
	cella_error err;
	size_t n;

	CHECK(cella_spec_resources_parse(json, &r, &err) == 0);
	CHECK(r.n_devices == 3);
	CHECK(!cella_resources_any(&r));
	cella_spec_resources_device_defaults(&r);
	n = r.n_devices;
	CHECK(n > 10);
	if (n > 10) {
		CHECK(r.devices[1].type == 'a' && !r.devices[1].allow);
		CHECK(r.devices[2].allow && r.devices[2].type == 'c' && r.devices[2].major == -1 &&
		      strcmp(r.devices[2].access, "m") == 0);
		/* The pts, last of the defaults; no rule of a linux.devices node. */
		CHECK(r.devices[n - 2].allow && r.devices[n - 2].major == 136);
		CHECK(!r.devices[n - 1].allow && r.devices[n - 1].major == 1 &&
		      r.devices[n - 1].minor == 3 && strcmp(r.devices[n - 1].access, "w") == 0);
	}
	cella_resources_clear(&r);

	/* No deny-all: nothing added. */
	CHECK(cella_spec_resources_parse("{\"devices\":[{\"allow\":false,\"type\":\"b\"}]}", &r,
					 &err) == 0);
	cella_spec_resources_device_defaults(&r);
	CHECK(r.n_devices == 1 && r.devices[0].type == 'b' && r.devices[0].major == -1);
	cella_resources_clear(&r);

	CHECK(cella_spec_resources_parse("{\"devices\":[{\"allow\":1}]}", &r, &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.devices[0].allow");
	CHECK(cella_spec_resources_parse("{\"devices\":[{\"allow\":true,\"type\":\"x\"}]}", &r,
					 &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.devices[0].type");
	CHECK(cella_spec_resources_parse("{\"devices\":[{\"allow\":true,\"major\":\"1\"}]}", &r,
					 &err) < 0);
	CHECK_CONTAINS(err.msg, "linux.resources.devices[0].major");
}

int main(void)
{
	RUN(test_sizes);
	RUN(test_all_flags);
	RUN(test_no_flags_keeps_default);
	RUN(test_cpus);
	RUN(test_unlimited);
	RUN(test_bad_values_name_the_flag);
	RUN(test_merge_over_file);
	RUN(test_device_rules);
	return unit_done();
}
