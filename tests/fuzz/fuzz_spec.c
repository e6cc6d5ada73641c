/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target for the spec layer: parse any bytes; when they parse,
 * emit, and check that what cella writes parses again and emits the same.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cella_spec *spec = NULL, *again = NULL;
	cella_error err = {0};
	char *text, *text2;

	if (cella_spec_parse((const char *)data, size, "fuzz.json", &spec, &err) < 0) {
		/* a failure always says where and what */
		if (strncmp(err.msg, "fuzz.json:", 10) != 0)
			abort();
		return 0;
	}
	text = cella_spec_to_json(spec);
	if (text == NULL)
		abort();
	if (cella_spec_parse(text, strlen(text), "emitted.json", &again, &err) < 0) {
		fprintf(stderr, "emitted spec does not parse: %s\n%s\n", err.msg, text);
		abort();
	}
	text2 = cella_spec_to_json(again);
	if (text2 == NULL || strcmp(text, text2) != 0) {
		fprintf(stderr, "emit is not stable:\n%s\n----\n%s\n", text, text2);
		abort();
	}
	free(text);
	free(text2);
	cella_spec_free(spec);
	cella_spec_free(again);
	return 0;
}
