/* test_wgload.c - load detection and the per-source token bucket, with an
 * injected clock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include "fsc/wgload.h"
#include "fsc/wgtimers.h"

#define S FSC_NS_PER_SEC
#define MS (FSC_NS_PER_SEC / 1000)

static void test_load_comes_and_goes(void **state)
{
	struct fsc_wgload l;
	uint64_t now = 100 * S;

	(void)state;
	fsc_wgload_init(&l, 50);
	/* 10 a second for 5 s: never under load. */
	for (int i = 0; i < 50; i++, now += 100 * MS)
		assert_false(fsc_wgload_note(&l, now));
	/* A burst of 60 within 60 ms: load from the 51st-ish on. */
	int first = -1;
	for (int i = 0; i < 60; i++, now += MS)
		if (fsc_wgload_note(&l, now) && first < 0)
			first = i;
	assert_true(first >= 0 && first <= 50);
	assert_true(fsc_wgload_under(&l, now));
	/* It lasts a second after the last overloaded moment, then ends. */
	assert_true(fsc_wgload_under(&l, now + 900 * MS));
	assert_false(fsc_wgload_under(&l, now + 1100 * MS));
}

static void test_rate_per_source(void **state)
{
	static struct fsc_wgrate r;
	struct fsc_addr a, b;
	uint64_t now = 10 * S;
	int ok = 0;

	(void)state;
	fsc_wgrate_init(&r, 1234);
	assert_true(fsc_addr_parse("198.18.0.9", &a));
	assert_true(fsc_addr_parse("2001:db8::9", &b));
	/* Burst of 5, then refused. */
	for (int i = 0; i < 10; i++)
		ok += fsc_wgrate_allow(&r, &a, now);
	assert_int_equal(ok, FSC_WGRATE_BURST);
	/* Another source is not affected. */
	assert_true(fsc_wgrate_allow(&r, &b, now));
	/* 20 a second thereafter: over 2 s at 1 kHz, about 40 allowed. */
	ok = 0;
	for (int i = 0; i < 2000; i++) {
		now += MS;
		ok += fsc_wgrate_allow(&r, &a, now);
	}
	assert_in_range(ok, 39, 41);
}

static void test_rate_table_full(void **state)
{
	static struct fsc_wgrate r;
	struct fsc_addr a;
	uint64_t now = S;

	(void)state;
	fsc_wgrate_init(&r, 99);
	/* Many more sources than slots: each new one is still allowed once
	 * (a stale slot is reused), and nothing crashes. */
	for (uint32_t i = 0; i < 3 * FSC_WGRATE_SLOTS; i++) {
		uint8_t b[4] = { 198, 18, (uint8_t)(i >> 8), (uint8_t)i };
		fsc_addr_set4(&a, b);
		assert_true(fsc_wgrate_allow(&r, &a, now));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_comes_and_goes),
		cmocka_unit_test(test_rate_per_source),
		cmocka_unit_test(test_rate_table_full),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
