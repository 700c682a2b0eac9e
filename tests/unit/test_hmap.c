/* test_hmap.c - the one bounded map (fsc/hmap.h): replace and delete by
 * value, the bound, clearing for a rebuild, keys that share a hash, and
 * random operations against a plain array (backward-shift deletion must
 * leave every other key findable). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fsc/hmap.h"

static void put_get_del(void **state)
{
	(void)state;
	struct fsc_hmap h;

	assert_true(fsc_hmap_init(&h, 4));
	assert_int_equal(fsc_hmap_get(&h, 1), FSC_HMAP_NONE);
	assert_true(fsc_hmap_put(&h, 1, 10));
	assert_true(fsc_hmap_put(&h, 2, 20));
	assert_true(fsc_hmap_put(&h, 1, 11)); /* replaces */
	assert_int_equal(h.count, 2);
	assert_int_equal(fsc_hmap_get(&h, 1), 11);
	/* A delete names the value: an older record's key now owned by a
	 * newer one stays. */
	fsc_hmap_del(&h, 1, 10);
	assert_int_equal(fsc_hmap_get(&h, 1), 11);
	fsc_hmap_del(&h, 1, 11);
	assert_int_equal(fsc_hmap_get(&h, 1), FSC_HMAP_NONE);
	assert_int_equal(fsc_hmap_get(&h, 2), 20);
	assert_int_equal(h.count, 1);
	fsc_hmap_free(&h);
}

static void bounded(void **state)
{
	(void)state;
	struct fsc_hmap h;
	uint32_t n = 0;

	assert_true(fsc_hmap_init(&h, 20));
	/* Room for at least what was asked, and not much more: the map is
	 * bounded (and its probes always end at an empty bucket). */
	while (n < 1000 && fsc_hmap_put(&h, (uint64_t)n << 40, n))
		n++;
	assert_true(n >= 20 && n <= 40);
	assert_int_equal(h.count, n);
	assert_false(fsc_hmap_add(&h, 12345, 1));
	assert_true(fsc_hmap_put(&h, 0, 99)); /* a present key still changes */
	for (uint32_t i = 1; i < n; i++)
		assert_int_equal(fsc_hmap_get(&h, (uint64_t)i << 40), i);
	assert_int_equal(fsc_hmap_get(&h, 12345), FSC_HMAP_NONE);
	fsc_hmap_free(&h);
}

static void clear(void **state)
{
	(void)state;
	struct fsc_hmap h;

	assert_true(fsc_hmap_init(&h, 8));
	for (uint32_t i = 0; i < 8; i++)
		assert_true(fsc_hmap_put(&h, i * 7919, i));
	fsc_hmap_clear(&h);
	assert_int_equal(h.count, 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fsc_hmap_get(&h, i * 7919), FSC_HMAP_NONE);
	/* Full capacity again after a clear. */
	for (uint32_t i = 0; i < 8; i++)
		assert_true(fsc_hmap_put(&h, i * 104729, i + 100));
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(fsc_hmap_get(&h, i * 104729), i + 100);
	fsc_hmap_free(&h);
}

static void same_key(void **state)
{
	(void)state;
	struct fsc_hmap h;
	uint32_t pos = 0, seen = 0, v;

	assert_true(fsc_hmap_init(&h, 8));
	assert_true(fsc_hmap_add(&h, 42, 1));
	assert_true(fsc_hmap_add(&h, 42, 2));
	assert_true(fsc_hmap_add(&h, 7, 3));
	while ((v = fsc_hmap_next(&h, 42, &pos)) != FSC_HMAP_NONE)
		seen |= 1u << v;
	assert_int_equal(seen, (1u << 1) | (1u << 2));
	fsc_hmap_del(&h, 42, 1);
	pos = 0;
	assert_int_equal(fsc_hmap_next(&h, 42, &pos), 2);
	assert_int_equal(fsc_hmap_next(&h, 42, &pos), FSC_HMAP_NONE);
	assert_int_equal(fsc_hmap_get(&h, 7), 3);
	fsc_hmap_free(&h);
}

/* Random puts and deletes on a small table (long probe runs that wrap
 * past the end), checked against an array after every step. */
static void against_array(void **state)
{
	(void)state;
	enum { KEYS = 24 };
	struct fsc_hmap h;
	uint32_t ref[KEYS]; /* value of key k, or FSC_HMAP_NONE */
	uint64_t x = 0x2545f4914f6cdd1dull;
	uint32_t count = 0;

	assert_true(fsc_hmap_init(&h, KEYS));
	for (int k = 0; k < KEYS; k++)
		ref[k] = FSC_HMAP_NONE;
	for (int step = 0; step < 20000; step++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		uint32_t k = (uint32_t)(x % KEYS), val = (uint32_t)(x >> 40) & 0xffff;
		/* Keys alike in their low bits, apart in the high ones. */
		uint64_t key = (uint64_t)k << 48 | 5;
		if ((x >> 20) & 1) {
			assert_true(fsc_hmap_put(&h, key, val));
			count += ref[k] == FSC_HMAP_NONE;
			ref[k] = val;
		} else if (ref[k] != FSC_HMAP_NONE) {
			fsc_hmap_del(&h, key, ref[k]);
			ref[k] = FSC_HMAP_NONE;
			count--;
		}
		assert_int_equal(h.count, count);
		for (uint32_t j = 0; j < KEYS; j++)
			assert_int_equal(fsc_hmap_get(&h, (uint64_t)j << 48 | 5), ref[j]);
	}
	fsc_hmap_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(put_get_del),
		cmocka_unit_test(bounded),
		cmocka_unit_test(clear),
		cmocka_unit_test(same_key),
		cmocka_unit_test(against_array),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
