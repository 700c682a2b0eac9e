/* test_allowedips.c - cryptokey routing: longest prefix wins, v4 and v6 kept
 * apart, re-inserting moves a prefix, and a random table against a linear
 * scan. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/allowedips.h"

static struct fsc_prefix pfx(const char *s)
{
	struct fsc_prefix p;

	assert_true(fsc_wgconf_prefix_parse(s, strlen(s), true, &p));
	return p;
}

static int look(const struct fsc_allowedips *t, const char *s)
{
	struct fsc_addr a;

	assert_true(fsc_addr_parse(s, &a));
	return fsc_allowedips_lookup(t, &a);
}

static void test_longest_prefix(void **state)
{
	struct fsc_allowedips t;
	struct fsc_prefix p;

	(void)state;
	fsc_allowedips_init(&t);
	p = pfx("100.64.0.0/10");
	assert_true(fsc_allowedips_insert(&t, &p, 1));
	p = pfx("100.64.0.2/32");
	assert_true(fsc_allowedips_insert(&t, &p, 2));
	p = pfx("0.0.0.0/0");
	assert_true(fsc_allowedips_insert(&t, &p, 3));
	p = pfx("fd7a:115c:a1e0::/48");
	assert_true(fsc_allowedips_insert(&t, &p, 4));
	p = pfx("fd7a:115c:a1e0::2/128");
	assert_true(fsc_allowedips_insert(&t, &p, 5));

	assert_int_equal(look(&t, "100.64.0.2"), 2);
	assert_int_equal(look(&t, "100.64.0.3"), 1);
	assert_int_equal(look(&t, "100.127.255.255"), 1);
	assert_int_equal(look(&t, "100.128.0.0"), 3);
	assert_int_equal(look(&t, "198.18.0.1"), 3);
	assert_int_equal(look(&t, "fd7a:115c:a1e0::2"), 5);
	assert_int_equal(look(&t, "fd7a:115c:a1e0:ab12::1"), 4);
	/* No IPv6 default: IPv4's 0/0 does not leak into v6. */
	assert_int_equal(look(&t, "2001:db8::1"), -1);
	assert_int_equal(look(&t, "::ffff:100.64.0.2"), -1);

	/* Re-inserting moves the prefix. */
	p = pfx("100.64.0.2/32");
	assert_true(fsc_allowedips_insert(&t, &p, 7));
	assert_int_equal(look(&t, "100.64.0.2"), 7);
	fsc_allowedips_free(&t);
	assert_int_equal(look(&t, "100.64.0.2"), -1);
}

static uint64_t rng = 42;
static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool contains(const struct fsc_prefix *p, const struct fsc_addr *a)
{
	if (p->addr.family != a->family)
		return false;
	for (unsigned i = 0; i < p->len; i++) {
		unsigned m = 0x80u >> (i & 7);
		if ((p->addr.b[i >> 3] & m) != (a->b[i >> 3] & m))
			return false;
	}
	return true;
}

/* Random prefixes clustered under a few roots (so they nest), random
 * lookups; the trie must agree with "longest containing prefix, latest
 * insert wins on ties". */
static void test_random_against_scan(void **state)
{
	enum { N = 400, Q = 20000 };
	static struct fsc_prefix ps[N];
	struct fsc_allowedips t;

	(void)state;
	fsc_allowedips_init(&t);
	for (int i = 0; i < N; i++) {
		struct fsc_prefix *p = &ps[i];
		memset(p, 0, sizeof(*p));
		p->addr.family = (rnd() & 1) ? 4 : 6;
		unsigned max = p->addr.family == 4 ? 32 : 128;
		for (unsigned b = 0; b < max / 8; b++)
			p->addr.b[b] = (uint8_t)rnd();
		p->addr.b[0] = (uint8_t)(rnd() & 3); /* few roots */
		p->len = (uint8_t)(rnd() % (max + 1));
		for (unsigned b = p->len; b < max; b++)
			p->addr.b[b >> 3] &= (uint8_t)~(0x80u >> (b & 7));
		assert_true(fsc_allowedips_insert(&t, p, i));
	}
	for (int q = 0; q < Q; q++) {
		struct fsc_addr a;
		memset(&a, 0, sizeof(a));
		/* Half of the queries start from a stored prefix. */
		if (q & 1) {
			a = ps[rnd() % N].addr;
			unsigned max = a.family == 4 ? 32 : 128;
			unsigned flip = (unsigned)(rnd() % max);
			a.b[flip >> 3] ^= (uint8_t)(0x80u >> (flip & 7));
		} else {
			a.family = (rnd() & 1) ? 4 : 6;
			for (unsigned b = 0; b < (a.family == 4 ? 4u : 16u); b++)
				a.b[b] = (uint8_t)rnd();
			a.b[0] &= 3;
		}
		int want = -1, best_bits = -1;
		for (int i = 0; i < N; i++)
			if (contains(&ps[i], &a) && ps[i].len >= best_bits) {
				want = i;
				best_bits = ps[i].len;
			}
		assert_int_equal(fsc_allowedips_lookup(&t, &a), want);
	}
	fsc_allowedips_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_longest_prefix),
		cmocka_unit_test(test_random_against_scan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
