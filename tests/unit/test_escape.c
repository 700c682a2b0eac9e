/* test_escape.c - untrusted text for terminals and JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/escape.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(text),
		cmocka_unit_test(json),
		cmocka_unit_test(cut_at_boundary),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
