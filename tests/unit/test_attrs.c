/* SPDX-License-Identifier: GPL-2.0-or-later */
/* process.scheduler, process.ioPriority and linux.personality: parsing,
 * every refusal naming its JSON path, and emitting back what was parsed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>

#include "kernel/personality.h"
#include "kernel/sched.h"
#include "spec/spec.h"
#include "spec/spec_process.h"
#include "unit.h"
#include "util/cleanup.h"
#include "util/util.h"

#define HEAD                                                                                       \
	"{\n  \"ociVersion\": \"1.2.0\",\n  \"root\": {\"path\": \"rootfs\"},\n"                   \
	"  \"process\": {\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\", \"args\": "           \
	"[\"sh\"],\n"

static struct cella_spec *parse(const char *text, cella_error *err)
{
	struct cella_spec *spec = NULL;

	cella_err_clear(err);
	if (cella_spec_parse(text, strlen(text), "config.json", &spec, err) < 0)
		return NULL;
	return spec;
}

static void expect_error(const char *text, const char *msg)
{
	cella_error err;
	struct cella_spec *spec = parse(text, &err);

	CHECK(spec == NULL);
	CHECK(err.errnum == EINVAL);
	CHECK_STR(err.msg, msg);
	cella_spec_free(spec);
}

static void test_scheduler(void)
{
	cella_error err;
	cleanup_spec struct cella_spec *s = parse(
	    HEAD
	    "    \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"flags\": "
	    "[\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_DL_OVERRUN\"], \"runtime\": 10000000, "
	    "\"deadline\": 30000000, \"period\": 100000000}\n  }\n}\n",
	    &err);
	const struct cella_scheduler *x;

	CHECK(s != NULL);
	if (s == NULL) {
		fprintf(stderr, "%s\n", err.msg);
		return;
	}
	x = &s->process->scheduler;
	CHECK(s->process->has_scheduler);
	CHECK(cella_sched_policy_is_deadline(x->policy));
	CHECK_STR(cella_sched_policy_name(x->policy), "SCHED_DEADLINE");
	CHECK(x->flags == (cella_sched_flag_from_name("SCHED_FLAG_RESET_ON_FORK") |
			   cella_sched_flag_from_name("SCHED_FLAG_DL_OVERRUN")));
	CHECK(x->runtime == 10000000 && x->deadline == 30000000 && x->period == 100000000);
	CHECK(x->nice == 0 && x->priority == 0);
	CHECK(!s->process->has_io_priority && !s->linux_.has_personality);
}

static void test_scheduler_errors(void)
{
	expect_error(HEAD "    \"scheduler\": {\"nice\": 1}\n  }\n}\n",
		     "config.json:5:18: process.scheduler.policy: required field is missing");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_TURBO\"}\n  }\n}\n",
		     "config.json:5:29: process.scheduler.policy: unknown policy `SCHED_TURBO`");
	expect_error(HEAD
		     "    \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"nice\": 20}\n  }\n}\n",
		     "config.json:5:52: process.scheduler.nice: 20 is out of range (-20 to 19)");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"nice\": 4294967296}\n"
			  "  }\n}\n",
		     "config.json:5:52: process.scheduler.nice: 4294967296 is out of range (a "
		     "32-bit integer)");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_FIFO\", \"nice\": -5, "
			  "\"priority\": 1}\n  }\n}\n",
		     "config.json:5:51: process.scheduler.nice: only SCHED_OTHER and SCHED_BATCH "
		     "take a nice value, not SCHED_FIFO");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_FIFO\"}\n  }\n}\n",
		     "config.json:5:18: process.scheduler.priority: SCHED_FIFO needs a priority "
		     "from 1 to 99, not 0");
	expect_error(HEAD
		     "    \"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 100}\n  }\n}\n",
		     "config.json:5:53: process.scheduler.priority: SCHED_RR needs a priority from "
		     "1 to 99, not 100");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"priority\": 3}\n"
			  "  }\n}\n",
		     "config.json:5:56: process.scheduler.priority: only SCHED_FIFO and SCHED_RR "
		     "take a priority, not SCHED_BATCH");
	expect_error(
	    HEAD "    \"scheduler\": {\"policy\": \"SCHED_IDLE\", \"flags\": "
		 "[\"SCHED_FLAG_RESET_ON_FORK\", \"SCHED_FLAG_FAST\"]}\n  }\n}\n",
	    "config.json:5:81: process.scheduler.flags[1]: unknown flag `SCHED_FLAG_FAST`");
	expect_error(
	    HEAD "    \"scheduler\": {\"policy\": \"SCHED_BATCH\", \"flags\": "
		 "[\"SCHED_FLAG_RECLAIM\"]}\n  }\n}\n",
	    "config.json:5:54: process.scheduler.flags[0]: SCHED_FLAG_RECLAIM only applies "
	    "to SCHED_DEADLINE, not SCHED_BATCH");
	expect_error(HEAD
		     "    \"scheduler\": {\"policy\": \"SCHED_OTHER\", \"period\": 5}\n  }\n}\n",
		     "config.json:5:54: process.scheduler.period: only SCHED_DEADLINE takes a "
		     "runtime, deadline and period, not SCHED_OTHER");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 100, "
			  "\"deadline\": 1000}\n  }\n}\n",
		     "config.json:5:58: process.scheduler.runtime: SCHED_DEADLINE needs a runtime "
		     "of at least 1024 (ns)");
	expect_error(
	    HEAD "    \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 2000, "
		 "\"deadline\": 1500}\n  }\n}\n",
	    "config.json:5:58: process.scheduler.runtime: 2000 is above the deadline 1500");
	expect_error(HEAD "    \"scheduler\": {\"policy\": \"SCHED_DEADLINE\", \"runtime\": 2000, "
			  "\"deadline\": 5000, \"period\": 4000}\n  }\n}\n",
		     "config.json:5:76: process.scheduler.deadline: 5000 is above the period 4000");
}

static void test_io_priority(void)
{
	cella_error err;
	cleanup_spec struct cella_spec *s = parse(
	    HEAD "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_BE\", \"priority\": 7}\n  }\n}\n",
	    &err);

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(s->process->has_io_priority);
	CHECK_STR(cella_ioprio_class_name(s->process->io_priority.class_), "IOPRIO_CLASS_BE");
	CHECK(s->process->io_priority.priority == 7);
	expect_error(
	    HEAD "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_NONE\", \"priority\": 0}\n"
		 "  }\n}\n",
	    "config.json:5:29: process.ioPriority.class: unknown class `IOPRIO_CLASS_NONE` "
	    "(expected IOPRIO_CLASS_RT, IOPRIO_CLASS_BE or IOPRIO_CLASS_IDLE)");
	expect_error(HEAD "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\", \"priority\": 8}\n"
			  "  }\n}\n",
		     "config.json:5:60: process.ioPriority.priority: 8 is out of range (0 to 7)");
	expect_error(HEAD "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\"}\n  }\n}\n",
		     "config.json:5:19: process.ioPriority.priority: required field is missing");
	expect_error(HEAD "    \"ioPriority\": {\"class\": 2, \"priority\": 1}\n  }\n}\n",
		     "config.json:5:29: process.ioPriority.class: expected a string");
}

#define TAIL_LINUX "    \"noNewPrivileges\": true\n  },\n  \"linux\": {\n"

static void test_personality(void)
{
	cella_error err;
	cleanup_spec struct cella_spec *s =
	    parse(HEAD TAIL_LINUX
		  "    \"personality\": {\"domain\": \"LINUX32\", \"flags\": []}\n  }\n}\n",
		  &err);
	unsigned long d;

	CHECK(s != NULL);
	if (s == NULL)
		return;
	CHECK(s->linux_.has_personality && s->linux_.personality.domain == PER_LINUX32);
	CHECK(cella_personality_domain_from_name("LINUX", &d) && d == PER_LINUX);
	CHECK(!cella_personality_domain_from_name("linux32", &d));
	expect_error(HEAD TAIL_LINUX "    \"personality\": {\"domain\": \"LINUX64\"}\n  }\n}\n",
		     "config.json:8:31: linux.personality.domain: unknown domain `LINUX64` "
		     "(expected LINUX or LINUX32)");
	expect_error(HEAD TAIL_LINUX "    \"personality\": {\"flags\": []}\n  }\n}\n",
		     "config.json:8:20: linux.personality.domain: required field is missing");
	expect_error(HEAD TAIL_LINUX "    \"personality\": {\"domain\": \"LINUX\", \"flags\": "
				     "[\"ADDR_NO_RANDOMIZE\"]}\n  }\n}\n",
		     "config.json:8:50: linux.personality.flags[0]: unsupported flag "
		     "`ADDR_NO_RANDOMIZE` (the runtime spec defines none)");
}

/* Emitted back as parsed, and parsed again to the same values. */
static void test_round_trip(void)
{
	const char *text =
	    HEAD "    \"scheduler\": {\"policy\": \"SCHED_RR\", \"priority\": 42, "
		 "\"flags\": [\"SCHED_FLAG_RESET_ON_FORK\"]},\n"
		 "    \"ioPriority\": {\"class\": \"IOPRIO_CLASS_RT\", \"priority\": 0}\n"
		 "  },\n  \"linux\": {\"personality\": {\"domain\": \"LINUX\"}}\n}\n";
	cella_error err;
	cleanup_spec struct cella_spec *a = parse(text, &err);
	cleanup_spec struct cella_spec *b = NULL;
	char *json;

	CHECK(a != NULL);
	if (a == NULL)
		return;
	json = cella_spec_to_json(a);
	CHECK_CONTAINS(json,
		       "\"scheduler\": {\n      \"policy\": \"SCHED_RR\",\n      \"priority\": "
		       "42,\n      \"flags\": [\n        \"SCHED_FLAG_RESET_ON_FORK\"\n      ]\n");
	CHECK_CONTAINS(json, "\"ioPriority\": {\n      \"class\": \"IOPRIO_CLASS_RT\",\n      "
			     "\"priority\": 0\n    }");
	CHECK_CONTAINS(json, "\"personality\": {\n      \"domain\": \"LINUX\"\n    }");
	b = parse(json, &err);
	free(json);
	CHECK(b != NULL);
	if (b == NULL)
		return;
	CHECK(b->process->has_scheduler && b->process->scheduler.priority == 42);
	CHECK(cella_sched_policy_is_realtime(b->process->scheduler.policy));
	CHECK(b->process->scheduler.flags ==
	      cella_sched_flag_from_name("SCHED_FLAG_RESET_ON_FORK"));
	CHECK(b->process->has_io_priority && b->process->io_priority.class_ == 1);
	CHECK(b->linux_.has_personality && b->linux_.personality.domain == PER_LINUX);
}

/* `cella exec --process FILE` reads the same fields. */
static void test_process_file(void)
{
	const char *text =
	    "{\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\", \"args\": [\"sh\"],\n"
	    " \"scheduler\": {\"policy\": \"SCHED_IDLE\", \"nice\": 3}}";
	struct cella_process *p = NULL;
	cella_error err;

	cella_err_clear(&err);
	CHECK(cella_process_parse(text, strlen(text), "process.json", &p, &err) < 0);
	CHECK_STR(err.msg, "process.json:2:48: scheduler.nice: only SCHED_OTHER and SCHED_BATCH "
			   "take a nice value, not SCHED_IDLE");
	CHECK(p == NULL);
}

static void test_cpu_list(void)
{
	cpu_set_t set;
	cella_error err;
	struct cella_process *p = NULL;
	const char *text = "{\"user\": {\"uid\": 0, \"gid\": 0}, \"cwd\": \"/\", \"args\": "
			   "[\"sh\"],\n \"execCPUAffinity\": {\"initial\": \"0-2,7\", "
			   "\"final\": \"3-1\"}}";

	CHECK(cella_parse_cpu_list("0-2,7", &set, &err) == 0);
	CHECK(CPU_COUNT(&set) == 4 && CPU_ISSET(0, &set) && CPU_ISSET(2, &set) &&
	      CPU_ISSET(7, &set) && !CPU_ISSET(3, &set));
	CHECK(cella_parse_cpu_list("5", &set, &err) == 0 && CPU_COUNT(&set) == 1);
	CHECK(cella_parse_cpu_list("3-1", &set, &err) < 0);
	CHECK_CONTAINS(err.msg, "ends before it starts");
	CHECK(cella_parse_cpu_list("1,", &set, &err) < 0);
	CHECK(cella_parse_cpu_list("a", &set, &err) < 0);
	CHECK(cella_parse_cpu_list("1-", &set, &err) < 0);
	CHECK(cella_parse_cpu_list("", &set, &err) < 0);
	CHECK(cella_parse_cpu_list("99999", &set, &err) < 0);
	CHECK_CONTAINS(err.msg, "past the last one");
	cella_err_clear(&err);
	CHECK(cella_process_parse(text, strlen(text), "process.json", &p, &err) < 0);
	CHECK_CONTAINS(err.msg, "process.json:2:");
	CHECK_CONTAINS(err.msg,
		       "execCPUAffinity.final: `3-1`: the range 3-1 ends before it starts");
	CHECK(p == NULL);
}

static void test_bit_list_round_trip(void)
{
	static const char *const lists[] = {"0",     "1",     "0-1", "0-3,8,10-11",
					    "63-64", "5,7,9", "8191"};
	unsigned long mask[8192 / (8 * sizeof(unsigned long))];
	cella_error err;

	for (size_t i = 0; i < ARRAY_SIZE(lists); i++) {
		cleanup_free char *back = NULL;

		CHECK(parse_bit_list(lists[i], "CPU", mask, 8192, &err) == 0);
		back = format_bit_list(mask, 8192);
		CHECK_STR(back, lists[i]);
	}
	CHECK(parse_bit_list("0,1,2,4", "CPU", mask, 8192, &err) == 0);
	{
		cleanup_free char *back = format_bit_list(mask, 8192);

		CHECK_STR(back, "0-2,4");
	}
	memset(mask, 0, sizeof(mask));
	{
		cleanup_free char *none = format_bit_list(mask, 8192);

		CHECK_STR(none, "");
	}
}

int main(void)
{
	RUN(test_scheduler);
	RUN(test_bit_list_round_trip);
	RUN(test_scheduler_errors);
	RUN(test_io_priority);
	RUN(test_personality);
	RUN(test_round_trip);
	RUN(test_process_file);
	RUN(test_cpu_list);
	return unit_done();
}
