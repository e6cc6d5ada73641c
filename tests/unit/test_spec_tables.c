/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The spec's tables (spec/spec_fields.c) against each other and against
 * what reads them: every member named once per object, each kind of member
 * carrying what its walker needs, the hook kinds in enum order, and every
 * member name in the fuzzer's dictionary (tests/fuzz/spec.dict), so that a
 * member added to a table is fuzzed.
 */
#include <stdlib.h>
#include <string.h>

#include "spec/spec_internal.h"
#include "util/cleanup.h"
#include "util/util.h"
#include "unit.h"

static void test_members_unique_and_complete(void)
{
	for (size_t o = 0; spec_objects[o] != NULL; o++) {
		const struct spec_object *obj = spec_objects[o];

		CHECK(obj->name != NULL && obj->n_fields > 0 && obj->size > 0);
		for (size_t i = 0; i < obj->n_fields; i++) {
			const struct spec_field *f = &obj->fields[i];

			CHECK(f->name != NULL);
			if (f->name == NULL)
				continue;
			for (size_t j = 0; j < i; j++) {
				if (strcmp(f->name, obj->fields[j].name) == 0) {
					fprintf(stderr, "%s.%s listed twice\n", obj->name, f->name);
					CHECK(!"a member listed twice");
				}
			}
			switch (f->kind) {
			case SPEC_VALUE:
				CHECK(f->read != NULL);
				break;
			case SPEC_OBJECT:
			case SPEC_OBJECT_PTR:
			case SPEC_ARRAY:
				CHECK(f->object != NULL);
				break;
			case SPEC_KVS:
				break;
			default:
				CHECK(!"unknown kind");
			}
			if (!(f->flags & SPEC_WHOLE) && f->kind != SPEC_OBJECT)
				CHECK(f->offset < obj->size);
			if (f->has != 0)
				CHECK(f->has - 1 < obj->size);
		}
	}
}

static void test_hook_kinds(void)
{
	static const char *const expected[CELLA_HOOK_COUNT] = {
	    "prestart",	      "createRuntime", "createContainer",
	    "startContainer", "poststart",     "poststop",
	};

	for (int k = 0; k < CELLA_HOOK_COUNT; k++)
		CHECK_STR(cella_hook_kind_name(k), expected[k]);
	CHECK(cella_hook_kind_name(CELLA_HOOK_COUNT) == NULL);
	CHECK(cella_hook_kind_name(-1) == NULL);
}

static bool in_dict(const char *dict, const char *name)
{
	cleanup_free char *quoted = xasprintf("\"%s\"", name);
	const char *p = dict;

	/* One entry a line: `"name"`, or `kw="name"`. */
	while ((p = strstr(p, quoted)) != NULL) {
		const char *end = p + strlen(quoted);
		if ((p == dict || p[-1] == '\n' || p[-1] == '=') && (*end == '\n' || *end == '\0'))
			return true;
		p = end;
	}
	return false;
}

static void test_fuzz_dictionary(void)
{
	cleanup_free char *dict = NULL;
	cella_error e;

	if (read_input_file("tests/fuzz/spec.dict", 1 << 20, &dict, &e) < 0) {
		fprintf(stderr, "tests/fuzz/spec.dict: %s (run from the top directory)\n", e.msg);
		CHECK(!"the fuzz dictionary is readable");
		return;
	}
	for (size_t o = 0; spec_objects[o] != NULL; o++) {
		for (size_t i = 0; i < spec_objects[o]->n_fields; i++) {
			const char *name = spec_objects[o]->fields[i].name;

			if (!in_dict(dict, name)) {
				fprintf(stderr, "tests/fuzz/spec.dict lacks \"%s\" (%s)\n", name,
					spec_objects[o]->name);
				CHECK(!"every member is in the fuzz dictionary");
			}
		}
	}
}

int main(void)
{
	RUN(test_members_unique_and_complete);
	RUN(test_hook_kinds);
	RUN(test_fuzz_dictionary);
	return unit_done();
}
