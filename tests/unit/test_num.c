/* test_num.c - numbers typed by people (fsc/num.h): what is a number,
 * ranges at their edges, overflow, and decimals. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/num.h"

static void integers(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		uint64_t min, max;
		enum fsc_num_result want;
		uint64_t v;
	} cases[] = {
		{ "0", 0, 10, FSC_NUM_OK, 0 },
		{ "10", 0, 10, FSC_NUM_OK, 10 },
		{ "007", 0, 10, FSC_NUM_OK, 7 },
		{ "11", 0, 10, FSC_NUM_RANGE, 0 },
		{ "0", 1, 10, FSC_NUM_RANGE, 0 },
		{ "67108864", 1, 67108864, FSC_NUM_OK, 67108864 },
		{ "67108865", 1, 67108864, FSC_NUM_RANGE, 0 },
		{ "18446744073709551615", 0, UINT64_MAX, FSC_NUM_OK, UINT64_MAX },
		{ "18446744073709551616", 0, UINT64_MAX, FSC_NUM_RANGE, 0 },
		{ "99999999999999999999999", 0, UINT64_MAX, FSC_NUM_RANGE, 0 },
		{ "99999999999999999999999x", 0, UINT64_MAX, FSC_NUM_NOT_NUMBER, 0 },
		{ "", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ "-1", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ "+1", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ " 1", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ "1 ", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ "0x10", 0, 100, FSC_NUM_NOT_NUMBER, 0 },
		{ "5k", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
		{ "1.5", 0, 10, FSC_NUM_NOT_NUMBER, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t v = 12345;
		enum fsc_num_result r = fsc_num_parse(cases[i].s, cases[i].min, cases[i].max, &v);
		if (r != cases[i].want)
			fail_msg("'%s': %d, want %d", cases[i].s, r, cases[i].want);
		assert_int_equal(v, r == FSC_NUM_OK ? cases[i].v : 12345);
	}
	uint64_t v;
	assert_int_equal(fsc_num_parse(NULL, 0, 1, &v), FSC_NUM_NOT_NUMBER);
	/* A length: the port of "host:8080x" is "8080". */
	assert_int_equal(fsc_num_parse_n("8080x", 4, 1, 65535, &v), FSC_NUM_OK);
	assert_int_equal(v, 8080);
	assert_int_equal(fsc_num_parse_n("8080", 0, 0, 65535, &v), FSC_NUM_NOT_NUMBER);
	assert_string_equal(fsc_num_why(FSC_NUM_RANGE), "out of range");
	assert_string_equal(fsc_num_why(FSC_NUM_NOT_NUMBER), "not a number");
}

static void decimals(void **state)
{
	(void)state;
	double v;

	assert_int_equal(fsc_num_parse_double("2", 0, 10, &v), FSC_NUM_OK);
	assert_true(v == 2.0);
	assert_int_equal(fsc_num_parse_double("0.5", 0, 10, &v), FSC_NUM_OK);
	assert_true(v == 0.5);
	assert_int_equal(fsc_num_parse_double(".25", 0, 10, &v), FSC_NUM_OK);
	assert_true(v == 0.25);
	assert_int_equal(fsc_num_parse_double("3.", 0, 10, &v), FSC_NUM_OK);
	assert_true(v == 3.0);
	assert_int_equal(fsc_num_parse_double("0.01", 0.01, 86400, &v), FSC_NUM_OK);
	assert_int_equal(fsc_num_parse_double("1000000", 0, 1e6, &v), FSC_NUM_OK);
	assert_int_equal(fsc_num_parse_double("1000000.5", 0, 1e6, &v), FSC_NUM_RANGE);
	/* Correctly rounded, as the compiler reads the same text. */
	assert_int_equal(fsc_num_parse_double("0.3", 0, 1, &v), FSC_NUM_OK);
	assert_true(v == 0.3);
	assert_int_equal(fsc_num_parse_double("86400.001", 0, 1e6, &v), FSC_NUM_OK);
	assert_true(v == 86400.001);
	assert_int_equal(fsc_num_parse_double("0000000000000000000000012.5", 0, 100, &v),
			 FSC_NUM_OK);
	assert_true(v == 12.5);
	assert_int_equal(fsc_num_parse_double("123456789012345678901234", 0, 1e30, &v),
			 FSC_NUM_OK);
	assert_true(v > 1.2345678901234e23 && v < 1.2345678901235e23);
	static const char *const bad[] = { "", ".", "1.2.3", "1e3", "inf", "nan", "-1", "+1",
					   " 1", "0x1", "1,5" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (fsc_num_parse_double(bad[i], 0, 1e9, &v) != FSC_NUM_NOT_NUMBER)
			fail_msg("'%s' taken as a number", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(integers),
		cmocka_unit_test(decimals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
