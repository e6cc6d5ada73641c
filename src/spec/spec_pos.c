/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small JSON scanner over config.json text, used only to turn a JSON path
 * into a line and column for error messages (and to copy a value's text
 * verbatim). It runs on text jansson already accepted, but stays bounded
 * and memory-safe on any input: every step checks the length.
 */
#include "spec/spec_internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/util.h"

struct scan {
	const char *s;
	size_t len;
	size_t i;
};

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_ws(struct scan *sc)
{
	while (sc->i < sc->len && is_ws(sc->s[sc->i]))
		sc->i++;
}

static bool at(const struct scan *sc, char c)
{
	return sc->i < sc->len && sc->s[sc->i] == c;
}

/* At an opening quote: move past the closing one. */
static bool skip_string(struct scan *sc)
{
	sc->i++;
	while (sc->i < sc->len) {
		char c = sc->s[sc->i++];
		if (c == '\\')
			sc->i++;
		else if (c == '"')
			return sc->i <= sc->len;
	}
	return false;
}

static bool skip_value(struct scan *sc)
{
	size_t depth = 0;

	skip_ws(sc);
	if (sc->i >= sc->len)
		return false;
	if (at(sc, '"'))
		return skip_string(sc);
	if (!at(sc, '{') && !at(sc, '[')) {
		/* number, true, false, null */
		while (sc->i < sc->len && !is_ws(sc->s[sc->i]) && sc->s[sc->i] != ',' &&
		       sc->s[sc->i] != ']' && sc->s[sc->i] != '}')
			sc->i++;
		return true;
	}
	/* Containers: only brackets outside strings matter. */
	while (sc->i < sc->len) {
		char c = sc->s[sc->i];
		if (c == '"') {
			if (!skip_string(sc))
				return false;
			continue;
		}
		sc->i++;
		if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			if (--depth == 0)
				return true;
		}
	}
	return false;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static bool read_hex4(struct scan *sc, uint32_t *out)
{
	uint32_t v = 0;

	if (sc->len - sc->i < 4)
		return false;
	for (int k = 0; k < 4; k++) {
		int h = hexval(sc->s[sc->i + k]);
		if (h < 0)
			return false;
		v = v << 4 | (uint32_t)h;
	}
	sc->i += 4;
	*out = v;
	return true;
}

static size_t utf8_encode(uint32_t cp, char *buf)
{
	if (cp < 0x80) {
		buf[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		buf[0] = (char)(0xc0 | cp >> 6);
		buf[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		buf[0] = (char)(0xe0 | cp >> 12);
		buf[1] = (char)(0x80 | (cp >> 6 & 0x3f));
		buf[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	buf[0] = (char)(0xf0 | cp >> 18);
	buf[1] = (char)(0x80 | (cp >> 12 & 0x3f));
	buf[2] = (char)(0x80 | (cp >> 6 & 0x3f));
	buf[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Decode one unit of a string body (a byte or an escape) into buf. */
static size_t decode_unit(struct scan *sc, char *buf)
{
	char c = sc->s[sc->i++];
	uint32_t cp, lo;

	if (c != '\\')
		goto plain;
	if (sc->i >= sc->len)
		return 0;
	c = sc->s[sc->i++];
	switch (c) {
	case 'b':
		c = '\b';
		break;
	case 'f':
		c = '\f';
		break;
	case 'n':
		c = '\n';
		break;
	case 'r':
		c = '\r';
		break;
	case 't':
		c = '\t';
		break;
	case 'u':
		if (!read_hex4(sc, &cp))
			return 0;
		if (cp >= 0xd800 && cp < 0xdc00 && sc->len - sc->i >= 6 && sc->s[sc->i] == '\\' &&
		    sc->s[sc->i + 1] == 'u') {
			size_t save = sc->i;
			sc->i += 2;
			if (read_hex4(sc, &lo) && lo >= 0xdc00 && lo < 0xe000)
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
			else
				sc->i = save;
		}
		return utf8_encode(cp, buf);
	default: /* '"', '\\', '/' stand for themselves */
		break;
	}
plain:
	buf[0] = c;
	return 1;
}

/* At an opening quote: decode the string, compare it with key and move past
 * the closing quote. */
static bool key_equals(struct scan *sc, const char *key, bool *ok)
{
	size_t klen = strlen(key), pos = 0;
	bool eq = true;
	char buf[4];

	sc->i++;
	while (sc->i < sc->len && sc->s[sc->i] != '"') {
		size_t n = decode_unit(sc, buf);
		if (n == 0)
			break;
		if (eq && (pos + n > klen || memcmp(key + pos, buf, n) != 0))
			eq = false;
		pos += n;
	}
	*ok = at(sc, '"');
	sc->i++;
	return *ok && eq && pos == klen;
}

/* At '{': move to the value of member key. */
static bool find_member(struct scan *sc, const char *key)
{
	bool ok;

	sc->i++;
	for (;;) {
		bool eq;

		skip_ws(sc);
		if (!at(sc, '"'))
			return false;
		eq = key_equals(sc, key, &ok);
		if (!ok)
			return false;
		skip_ws(sc);
		if (!at(sc, ':'))
			return false;
		sc->i++;
		skip_ws(sc);
		if (eq)
			return sc->i < sc->len;
		if (!skip_value(sc))
			return false;
		skip_ws(sc);
		if (!at(sc, ','))
			return false;
		sc->i++;
	}
}

/* At '[': move to element index. */
static bool find_element(struct scan *sc, size_t index)
{
	sc->i++;
	skip_ws(sc);
	if (at(sc, ']'))
		return false;
	for (size_t k = 0; k < index; k++) {
		if (!skip_value(sc))
			return false;
		skip_ws(sc);
		if (!at(sc, ','))
			return false;
		sc->i++;
		skip_ws(sc);
	}
	return sc->i < sc->len;
}

void spec_line_col(const char *text, size_t off, unsigned *line, unsigned *col)
{
	unsigned l = 1, c = 1;

	for (size_t i = 0; i < off; i++) {
		unsigned char ch = (unsigned char)text[i];
		if (ch == '\n') {
			l++;
			c = 1;
		} else if ((ch & 0xc0) != 0x80) {
			c++;
		}
	}
	*line = l;
	*col = c;
}

size_t spec_locate(const char *text, size_t len, const struct spec_path_elem *path, size_t depth,
		   struct spec_span *out)
{
	struct scan sc = {.s = text, .len = len, .i = 0};
	size_t start, matched = 0;

	skip_ws(&sc);
	start = sc.i;
	for (size_t d = 0; d < depth; d++) {
		bool found;

		if (path[d].key != NULL)
			found = at(&sc, '{') && find_member(&sc, path[d].key);
		else
			found = at(&sc, '[') && find_element(&sc, path[d].index);
		if (!found)
			break;
		start = sc.i;
		matched++;
	}
	if (start > len)
		start = len;
	sc.i = start;
	if (!skip_value(&sc) || sc.i > len)
		sc.i = len;
	out->start = start;
	out->end = sc.i;
	spec_line_col(text, start, &out->line, &out->col);
	return matched;
}

char *spec_minify(const char *text, size_t start, size_t end)
{
	char *out = xmalloc(end - start + 1);
	size_t n = 0;
	bool in_string = false;

	for (size_t i = start; i < end; i++) {
		char c = text[i];
		if (in_string) {
			out[n++] = c;
			if (c == '\\' && i + 1 < end)
				out[n++] = text[++i];
			else if (c == '"')
				in_string = false;
		} else if (!is_ws(c)) {
			out[n++] = c;
			if (c == '"')
				in_string = true;
		}
	}
	out[n] = '\0';
	return out;
}
