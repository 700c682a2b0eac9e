/* test_span.c - the locale-free ASCII helpers, against their definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/span.h"

/* RFC 9110 §5.6.2, spelled out. */
static bool tchar_by_definition(unsigned c)
{
	static const char extra[] = "!#$%&'*+-.^_`|~";

	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	for (size_t i = 0; i < sizeof(extra) - 1; i++)
		if ((unsigned char)extra[i] == c)
			return true;
	return false;
}

static void tchar_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++)
		assert_int_equal(fsc_is_tchar((unsigned char)c), tchar_by_definition(c));
}

static void ieq(void **state)
{
	(void)state;
	assert_true(fsc_span_ieq("X-Forwarded-For", 15, "x-forwarded-for"));
	assert_true(fsc_span_ieq("HOST", 4, "Host"));
	assert_false(fsc_span_ieq("Hosts", 5, "Host"));
	assert_false(fsc_span_ieq("Hos", 3, "Host"));
	assert_false(fsc_span_ieq("Gost", 4, "Host"));
	assert_true(fsc_span_ieq("", 0, ""));
	assert_false(fsc_span_ieq("", 0, "x"));
	assert_false(fsc_span_ieq("x", 1, ""));
	/* Only ASCII letters fold: 0xC9 is not 0xE9. */
	assert_false(fsc_span_ieq("\xc9", 1, "\xe9"));
	for (unsigned c = 0; c < 256; c++) {
		char a = (char)c;
		char b = fsc_ascii_lower(a);
		assert_int_equal((unsigned char)b, c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tchar_every_byte),
		cmocka_unit_test(ieq),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
