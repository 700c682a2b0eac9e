/* test_escape.c - untrusted text for terminals and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/escape.h"
#include "vectors.h"

#define T(s) (const uint8_t *)(s), sizeof(s) - 1

static void text(void **state)
{
	(void)state;
	char o[64];

	fsc_escape_text(T("example.ts.net"), o, sizeof(o));
	assert_string_equal(o, "example.ts.net");
	fsc_escape_text(T("a\x1b[31mred\x07"), o, sizeof(o));
	assert_string_equal(o, "a\\x1b[31mred\\x07");
	assert_null(strchr(o, 0x1b));
	fsc_escape_text(T("q\"b\\\r\n\t"), o, sizeof(o));
	assert_string_equal(o, "q\\\"b\\\\\\r\\n\\t");
	fsc_escape_text(T("caf\xc3\xa9"), o, sizeof(o)); /* valid UTF-8 passes */
	assert_string_equal(o, "caf\xc3\xa9");
	fsc_escape_text(T("\xc3(\xff\xed\xa0\x80"), o, sizeof(o)); /* invalid, surrogate */
	assert_string_equal(o, "\\xc3(\\xff\\xed\\xa0\\x80");
	fsc_escape_text(T("\xc2\x9b" "2J"), o, sizeof(o)); /* C1 CSI */
	assert_string_equal(o, "\\xc2\\x9b2J");
	fsc_escape_text(T("\xe2\x80\xae" "evil"), o, sizeof(o)); /* bidi override */
	assert_string_equal(o, "\\xe2\\x80\\xaeevil");
	fsc_escape_text(T("\x00z"), o, sizeof(o));
	assert_string_equal(o, "\\x00z");
}

static void json(void **state)
{
	(void)state;
	char o[64];

	fsc_escape_json(T("a\"b\\c\n\x1b\x7f"), o, sizeof(o));
	assert_string_equal(o, "a\\\"b\\\\c\\n\\u001b\\u007f");
	fsc_escape_json(T("\xff" "ok\xe2\x82\xac"), o, sizeof(o));
	assert_string_equal(o, "\\u00ffok\xe2\x82\xac");
	fsc_escape_json(T("\xc2\x9b" "2J\xc2\xa0"), o, sizeof(o)); /* C1 CSI; NBSP passes */
	assert_string_equal(o, "\\u009b2J\xc2\xa0");
	fsc_escape_json(T("\r\x00"), o, sizeof(o));
	assert_string_equal(o, "\\r\\u0000");
	/* bidi override, isolate, line separator; an e-acute passes */
	fsc_escape_json(T("\xe2\x80\xae" "a\xe2\x81\xa6" "b\xe2\x80\xa8\xc3\xa9"), o, sizeof(o));
	assert_string_equal(o, "\\u202ea\\u2066b\\u2028\xc3\xa9");
}

static void single_quoted(void **state)
{
	(void)state;
	char o[64];

	fsc_escape_text_sq(T("1.2.3.4'x\"y\\\x1b"), o, sizeof(o));
	assert_string_equal(o, "1.2.3.4\\x27x\"y\\\\\\x1b");
	fsc_escape_text_sq(T("\xe2\x80\xae" "a\xff"), o, sizeof(o));
	assert_string_equal(o, "\\xe2\\x80\\xaea\\xff");
}

static void bare(void **state)
{
	(void)state;

	assert_true(fsc_escape_text_bare(T("crawl-66-249-72-211.googlebot.com")));
	assert_true(fsc_escape_text_bare(T("B\xc3\xbcro-PC")));
	assert_true(fsc_escape_text_bare(T("O'Reilly")));
	assert_false(fsc_escape_text_bare(T("")));
	assert_false(fsc_escape_text_bare(T("Mountain View")));
	assert_false(fsc_escape_text_bare(T("a\"b")));
	assert_false(fsc_escape_text_bare(T("a\\b")));
	assert_false(fsc_escape_text_bare(T("red\x1b[0m")));
	assert_false(fsc_escape_text_bare(T("x\x7f")));
	assert_false(fsc_escape_text_bare(T("x\xff")));          /* invalid UTF-8 */
	assert_false(fsc_escape_text_bare(T("x\xc3")));          /* cut sequence */
	assert_false(fsc_escape_text_bare(T("\xc2\x85")));      /* C1 NEL */
	assert_false(fsc_escape_text_bare(T("\xe2\x80\xae" "a"))); /* bidi override */
	assert_false(fsc_escape_text_bare(T("a\tb")));
}

/* The _CAP sizes hold the worst case whole: no "..." ever. */
static void caps_never_cut(void **state)
{
	(void)state;
	uint8_t in[64];
	char t[FSC_ESCAPE_TEXT_CAP(sizeof(in))], j[FSC_ESCAPE_JSON_CAP(sizeof(in))];

	memset(in, 0xff, sizeof(in)); /* invalid: the widest escape of each */
	assert_int_equal(fsc_escape_text(in, sizeof(in), t, sizeof(t)), 4 * sizeof(in));
	assert_int_equal(fsc_escape_json(in, sizeof(in), j, sizeof(j)), 6 * sizeof(in));
	for (size_t i = 0; i < sizeof(in); i += 2) { /* C1 controls, 2 bytes each */
		in[i] = 0xc2;
		in[i + 1] = 0x9b;
	}
	assert_int_equal(fsc_escape_json(in, sizeof(in), j, sizeof(j)), 3 * sizeof(in));
	assert_int_equal(fsc_escape_text(in, sizeof(in), t, sizeof(t)), 4 * sizeof(in));
	memset(in, 1, sizeof(in));
	assert_int_equal(fsc_escape_text(in, sizeof(in), t, sizeof(t)), 4 * sizeof(in));
	assert_int_equal(fsc_escape_json(in, sizeof(in), j, sizeof(j)), 6 * sizeof(in));
	assert_null(strstr(t, "..."));
	assert_null(strstr(j, "..."));
}

static void cut_at_boundary(void **state)
{
	(void)state;
	char o[12];
	size_t n;

	n = fsc_escape_text(T("abcdefghijklmnopqrstuvwxyz"), o, sizeof(o));
	assert_int_equal(n, strlen(o));
	assert_true(n < sizeof(o));
	assert_string_equal(o + n - 3, "...");
	/* Never half an escape. */
	fsc_escape_text(T("\x01\x01\x01\x01\x01\x01"), o, sizeof(o));
	assert_string_equal(o, "\\x01\\x01...");
	n = fsc_escape_text(T("abc"), o, 3);
	assert_int_equal(n, 0);
	assert_string_equal(o, "");
}

/* Well-formed UTF-8 with no C0/C1 control, DEL, bidi control or line
 * separator: what may reach a terminal. */
/* What must never reach a terminal raw, from the Unicode data files
 * (PropList.txt Bidi_Control, DerivedCoreProperties.txt
 * Default_Ignorable_Code_Point, Unicode 15), plus C1, U+2028/9 and the
 * interlinear annotation controls U+FFF9..B. */
static bool invisible(uint32_t cp)
{
	static const uint32_t bidi_control[] = { 0x061c, 0x200e, 0x200f, 0x202a, 0x202b,
						 0x202c, 0x202d, 0x202e, 0x2066, 0x2067,
						 0x2068, 0x2069 };
	static const uint32_t ignorable[][2] = {
		{ 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c },
		{ 0x115f, 0x1160 }, { 0x17b4, 0x17b5 }, { 0x180b, 0x180d },
		{ 0x180e, 0x180e }, { 0x180f, 0x180f }, { 0x200b, 0x200f },
		{ 0x202a, 0x202e }, { 0x2060, 0x2064 }, { 0x2065, 0x2065 },
		{ 0x2066, 0x206f }, { 0x3164, 0x3164 }, { 0xfe00, 0xfe0f },
		{ 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 },
		{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
	};

	if ((cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0xfff9 && cp <= 0xfffb))
		return true;
	for (size_t i = 0; i < sizeof(bidi_control) / sizeof(bidi_control[0]); i++)
		if (cp == bidi_control[i])
			return true;
	for (size_t i = 0; i < sizeof(ignorable) / sizeof(ignorable[0]); i++)
		if (cp >= ignorable[i][0] && cp <= ignorable[i][1])
			return true;
	return false;
}

static size_t utf8(uint32_t cp, uint8_t *b)
{
	if (cp < 0x80) {
		b[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		b[0] = (uint8_t)(0xc0 | cp >> 6);
		b[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		b[0] = (uint8_t)(0xe0 | cp >> 12);
		b[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	b[0] = (uint8_t)(0xf0 | cp >> 18);
	b[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	b[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	b[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Every code point: the invisible ones come out as the \xNN of their bytes
 * (text) and as \uXXXX or a surrogate pair (JSON); every other one passes
 * as itself. */
static void invisible_every_code_point(void **state)
{
	(void)state;
	for (uint32_t cp = 0x80; cp <= 0x10ffff; cp++) {
		uint8_t b[4];
		char t[32], j[32], want[32];
		size_t n;

		if (cp >= 0xd800 && cp <= 0xdfff)
			continue;
		n = utf8(cp, b);
		fsc_escape_text(b, n, t, sizeof(t));
		fsc_escape_json(b, n, j, sizeof(j));
		if (!invisible(cp)) {
			if (strlen(t) != n || memcmp(t, b, n) != 0 || strlen(j) != n)
				fail_msg("U+%04X escaped", cp);
			continue;
		}
		want[0] = '\0';
		for (size_t i = 0; i < n; i++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "\\x%02x", b[i]);
		if (strcmp(t, want) != 0)
			fail_msg("U+%04X as text: '%s'", cp, t);
		if (cp < 0x10000)
			snprintf(want, sizeof(want), "\\u%04x", cp);
		else
			snprintf(want, sizeof(want), "\\u%04x\\u%04x", 0xd800 | (cp - 0x10000) >> 10,
				 0xdc00 | ((cp - 0x10000) & 0x3ff));
		if (strcmp(j, want) != 0)
			fail_msg("U+%04X as JSON: '%s'", cp, j);
		assert_false(fsc_escape_text_bare(b, n));
	}
	/* the ones named in issue 14, by their bytes */
	const char *named[] = { "\xd8\x9c", "\xe2\x80\x8e", "\xe2\x80\x8f", "\xe2\x80\x8b",
				"\xef\xbb\xbf" };
	for (size_t i = 0; i < 5; i++) {
		char t[32];
		fsc_escape_text((const uint8_t *)named[i], strlen(named[i]), t, sizeof(t));
		assert_int_equal(t[0], '\\');
	}
}

static bool terminal_safe(const char *s)
{
	const uint8_t *p = (const uint8_t *)s;

	while (*p) {
		uint32_t cp;
		size_t n;

		if (*p < 0x80) {
			if (*p < 0x20 || *p == 0x7f)
				return false;
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf)
			n = 2, cp = *p & 0x1f;
		else if (*p >= 0xe0 && *p <= 0xef)
			n = 3, cp = *p & 0x0f;
		else if (*p >= 0xf0 && *p <= 0xf4)
			n = 4, cp = *p & 0x07;
		else
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (p[i] & 0x3f);
		}
		if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff) || invisible(cp))
			return false;
		p += n;
	}
	return true;
}

/* Hostile bytes at every length through the guard page, into every escaper
 * with a cap that holds all and one that cuts: no read past the end, and
 * what comes out is terminal-safe (the cut included). */
static void every_prefix_safe(void **state)
{
	(void)state;
	static const uint8_t in[] =
		"ok \x1b[2J\x1b]52;c;ZXZpbA==\x07 \xc2\x9b\xc2\x85 \xe2\x80\xae\xe2\x81\xa6 "
		"\xf0\x9f\x98\x80 \xc3\xa9 \x80\xc0\x80\xed\xa0\x80\xf4\x90\x80\x80 "
		"\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\x8b\xef\xbb\xbf\xf3\xa0\x80\x81 "
		"\x00\x7f\r\n\t\"'\\ \xe2\x82";
	char t[FSC_ESCAPE_TEXT_CAP(sizeof(in))], j[FSC_ESCAPE_JSON_CAP(sizeof(in))];

	for (size_t k = 0; k < sizeof(in); k++) {
		for (size_t cap = 7; cap <= sizeof(j); cap += sizeof(j) - 7) {
			uint8_t *g = vec_guard(in, k);
			size_t tc = cap < sizeof(t) ? cap : sizeof(t);
			fsc_escape_text(g, k, t, tc);
			assert_true(terminal_safe(t));
			fsc_escape_text_sq(g, k, t, tc);
			assert_true(terminal_safe(t));
			fsc_escape_json(g, k, j, cap);
			assert_true(terminal_safe(j));
			(void)fsc_escape_text_bare(g, k);
			vec_guard_free(g, k);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text),
		cmocka_unit_test(json),
		cmocka_unit_test(cut_at_boundary),
		cmocka_unit_test(single_quoted),
		cmocka_unit_test(bare),
		cmocka_unit_test(caps_never_cut),
		cmocka_unit_test(every_prefix_safe),
		cmocka_unit_test(invisible_every_code_point),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
