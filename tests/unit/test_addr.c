/* test_addr.c - address text against glibc's inet_ntop, endpoints against
 * the printf formats they replace, hashing and parsing round trips. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fsc/addr.h"

static uint64_t rng_state = 0x0123456789abcdefull;

static uint64_t rnd(void)
{
	/* splitmix64: deterministic, so a failure repeats. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Formats a both ways and compares; also checks the returned lengths. */
static void check(const struct fsc_addr *a)
{
	char want[INET6_ADDRSTRLEN], got[FSC_ADDR_STRLEN], ep[FSC_ENDPOINT_STRLEN];
	char ep_want[FSC_ENDPOINT_STRLEN + 8];
	uint16_t port = (uint16_t)rnd();

	assert_non_null(inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, want, sizeof(want)));
	size_t n = fsc_addr_write(a, got);
	if (strcmp(got, want) != 0) {
		print_error("address %s, expected %s\n", got, want);
		fail();
	}
	assert_int_equal(n, strlen(want));
	assert_string_equal(fsc_addr_str(a, got), want);

	snprintf(ep_want, sizeof(ep_want), a->family == 6 ? "[%s]:%u" : "%s:%u", want, port);
	n = fsc_endpoint_write(a, port, ep);
	assert_string_equal(ep, ep_want);
	assert_int_equal(n, strlen(ep_want));
	assert_string_equal(fsc_endpoint_str(a, port, ep), ep_want);
}

static void set6_words(struct fsc_addr *a, const unsigned w[8])
{
	uint8_t b[16];

	for (int i = 0; i < 8; i++) {
		b[2 * i] = (uint8_t)(w[i] >> 8);
		b[2 * i + 1] = (uint8_t)w[i];
	}
	fsc_addr_set6(a, b);
}

/* A non-zero field: the lengths 1..4 hex digits, all-ones, random. */
static unsigned nonzero_field(void)
{
	static const unsigned picks[] = { 1, 0xf, 0x10, 0xab, 0x100, 0xfff, 0x1000, 0xffff };
	uint64_t r = rnd();

	if (r & 1)
		return picks[(r >> 1) % (sizeof(picks) / sizeof(picks[0]))];
	unsigned v = (unsigned)(r >> 8) & 0xffff;
	return v ? v : 0x8000;
}

/* Every pattern of zero and non-zero fields (256), several times each:
 * every run length and position, ties, single zero fields. */
static void ipv6_every_zero_pattern(void **state)
{
	struct fsc_addr a;
	unsigned w[8];

	(void)state;
	for (unsigned mask = 0; mask < 256; mask++) {
		for (int rep = 0; rep < 64; rep++) {
			for (int i = 0; i < 8; i++)
				w[i] = mask & (1u << i) ? nonzero_field() : 0;
			set6_words(&a, w);
			check(&a);
		}
	}
}

/* The embedded-IPv4 forms and their near misses. */
static void ipv6_embedded_ipv4(void **state)
{
	static const unsigned w5s[] = { 0, 1, 0xfffe, 0xffff };
	static const unsigned w67s[] = { 0, 1, 0xff, 0x100, 0x7f00, 0xffff };
	struct fsc_addr a;

	(void)state;
	for (unsigned lead = 0; lead < 32; lead++) {	/* which of fields 0..4 are set */
		for (size_t i5 = 0; i5 < sizeof(w5s) / sizeof(w5s[0]); i5++) {
			for (size_t i6 = 0; i6 < sizeof(w67s) / sizeof(w67s[0]); i6++) {
				for (size_t i7 = 0; i7 < sizeof(w67s) / sizeof(w67s[0]); i7++) {
					unsigned w[8];
					for (int i = 0; i < 5; i++)
						w[i] = lead & (1u << i) ? 1 : 0;
					w[5] = w5s[i5];
					w[6] = w67s[i6];
					w[7] = w67s[i7];
					set6_words(&a, w);
					check(&a);
				}
			}
		}
	}
}

static void ipv6_named(void **state)
{
	static const char *const texts[] = {
		"::", "::1", "1::", "::ffff:1.2.3.4", "::ffff:0.0.0.0", "::1.2.3.4",
		"::0.0.1.2", "::ffff:0:1.2.3.4", "64:ff9b::1.2.3.4", "2001:db8::1",
		"2001:db8:0:0:1:0:0:1", "2001:0:0:1:0:0:0:1", "fe80::1:0:0:0",
		"fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", "fd7a:115c:a1e0::53",
		"1:0:1:0:1:0:1:0", "0:1:0:1:0:1:0:1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"0:0:1:0:0:1:0:0", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8",
	};
	struct fsc_addr a;
	uint8_t b[16];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(inet_pton(AF_INET6, texts[i], b), 1);
		fsc_addr_set6(&a, b);
		check(&a);
	}
}

static void ipv6_random(void **state)
{
	struct fsc_addr a;
	uint8_t b[16];

	(void)state;
	for (int k = 0; k < 200000; k++) {
		uint64_t x = rnd(), y = rnd(), z = rnd();
		memcpy(b, &x, 8);
		memcpy(b + 8, &y, 8);
		/* Zero some bytes so zero fields and runs are common. */
		for (int i = 0; i < 16; i++)
			if ((z >> (i * 4)) % 3 == 0)
				b[i] = 0;
		fsc_addr_set6(&a, b);
		check(&a);
	}
}

static void ipv4(void **state)
{
	struct fsc_addr a;
	uint8_t b[4];

	(void)state;
	/* Every octet value in every position. */
	for (int pos = 0; pos < 4; pos++) {
		for (unsigned v = 0; v < 256; v++) {
			for (int i = 0; i < 4; i++)
				b[i] = (uint8_t)(i == pos ? v : (unsigned)(rnd() % 256));
			fsc_addr_set4(&a, b);
			check(&a);
		}
	}
	for (int k = 0; k < 100000; k++) {
		uint32_t x = (uint32_t)rnd();
		memcpy(b, &x, 4);
		fsc_addr_set4(&a, b);
		check(&a);
	}
	static const uint8_t edges[][4] = {
		{ 0, 0, 0, 0 }, { 255, 255, 255, 255 }, { 1, 2, 3, 4 }, { 100, 64, 0, 10 },
		{ 9, 10, 99, 100 }, { 199, 200, 249, 250 },
	};
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
		fsc_addr_set4(&a, edges[i]);
		check(&a);
	}
}

static void no_family(void **state)
{
	struct fsc_addr a;
	char s[FSC_ADDR_STRLEN], ep[FSC_ENDPOINT_STRLEN];

	(void)state;
	memset(&a, 0, sizeof(a));
	assert_int_equal(fsc_addr_write(&a, s), 1);
	assert_string_equal(s, "-");
	assert_string_equal(fsc_endpoint_str(&a, 0, ep), "-:0");
	assert_int_equal(fsc_endpoint_write(&a, 65535, ep), 7);
	assert_string_equal(ep, "-:65535");
}

/* The text parses back to the same address. */
static void round_trip(void **state)
{
	struct fsc_addr a, back;
	char s[FSC_ADDR_STRLEN];
	uint8_t b[16];

	(void)state;
	for (int k = 0; k < 20000; k++) {
		uint64_t x = rnd(), y = rnd();
		memcpy(b, &x, 8);
		memcpy(b + 8, &y, 8);
		if (k & 1)
			fsc_addr_set4(&a, b);
		else
			fsc_addr_set6(&a, b);
		assert_true(fsc_addr_parse(fsc_addr_str(&a, s), &back));
		assert_true(fsc_addr_eq(&a, &back));
		assert_int_equal(fsc_addr_hash(&a, 7), fsc_addr_hash(&back, 7));
	}
}

static int sign(int v)
{
	return (v > 0) - (v < 0);
}

/* fsc_addr_cmp orders as memcmp over (family, bytes). */
static void compare(void **state)
{
	struct fsc_addr a, b;

	(void)state;
	for (int k = 0; k < 200000; k++) {
		uint64_t r = rnd(), x = rnd(), y = rnd();
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		a.family = r & 1 ? 4 : 6;
		b.family = r & 2 ? a.family : (r & 4 ? 4 : 6);
		memcpy(a.b, &x, 8);
		memcpy(a.b + 8, &y, 8);
		b = r & 8 ? a : b;
		b.family = r & 2 ? a.family : b.family;
		if (r & 16)
			b.b[(r >> 8) % 16] = (uint8_t)(r >> 16); /* differ in one byte */
		else if (!(r & 8))
			memcpy(b.b, &y, 8);
		int want = a.family != b.family ? (a.family < b.family ? -1 : 1)
						: sign(memcmp(a.b, b.b, 16));
		assert_int_equal(sign(fsc_addr_cmp(&a, &b)), want);
		assert_int_equal(sign(fsc_addr_cmp(&b, &a)), -want);
		assert_int_equal(fsc_addr_eq(&a, &b), want == 0);
	}
}

/* fsc_addr_parse4 against inet_pton: every string up to 8 characters over
 * digits that hit the edges (0, 1, 2, 5, 9) and '.', then random ones. */
static void check_parse4(const char *s, size_t n)
{
	char z[32];
	uint8_t want[4];
	struct fsc_addr a;

	memcpy(z, s, n);
	z[n] = '\0';
	memset(&a, 0x55, sizeof(a));
	bool ok = inet_pton(AF_INET, z, want) == 1;
	if (fsc_addr_parse4(s, n, &a) != ok) {
		print_error("'%s': inet_pton says %d\n", z, ok);
		fail();
	}
	if (ok) {
		assert_int_equal(a.family, 4);
		assert_memory_equal(a.b, want, 4);
	}
}

static void parse4(void **state)
{
	static const char alpha[] = "01259.";
	char s[16];

	(void)state;
	for (size_t n = 0; n <= 8; n++) {
		size_t total = 1;
		for (size_t i = 0; i < n; i++)
			total *= 6;
		for (size_t k = 0; k < total; k++) {
			size_t x = k;
			for (size_t i = 0; i < n; i++, x /= 6)
				s[i] = alpha[x % 6];
			check_parse4(s, n);
		}
	}
	for (int k = 0; k < 300000; k++) {
		uint64_t r = rnd();
		size_t n = r % 16;
		for (size_t i = 0; i < n; i++) {
			r = rnd();
			s[i] = r % 4 == 0 ? '.' : (char)('0' + r % 10);
		}
		check_parse4(s, n);
		/* real addresses, sometimes with a stray byte */
		int len = snprintf(s, sizeof(s), "%u.%u.%u.%u", (unsigned)(r >> 8) & 255,
				   (unsigned)(r >> 16) & 255, (unsigned)(r >> 24) % 300,
				   (unsigned)(r >> 32) & 255);
		if (r >> 50 & 1)
			s[(r >> 40) % (size_t)len] = (char)((r >> 56) | 1); /* not a NUL */
		check_parse4(s, (size_t)len);
	}
}

/* fsc_addr_parse6 against inet_pton: every string up to 8 characters over
 * "01aF:.", then random ones built of fields, "::" and dotted quads. */
static void check_parse6(const char *s, size_t n)
{
	char z[80];
	uint8_t want[16];
	struct fsc_addr a;

	memcpy(z, s, n);
	z[n] = '\0';
	memset(&a, 0x55, sizeof(a));
	bool ok = inet_pton(AF_INET6, z, want) == 1;
	if (fsc_addr_parse6(s, n, &a) != ok) {
		print_error("'%s': inet_pton says %d\n", z, ok);
		fail();
	}
	if (ok) {
		assert_int_equal(a.family, 6);
		assert_memory_equal(a.b, want, 16);
	} else {
		assert_int_equal(a.family, 0x55); /* untouched */
	}
}

static void parse6(void **state)
{
	static const char alpha[] = "01aF:.";
	static const char *const pieces[] = {
		"0", "1", "ff", "FFFF", "abcd", "12345", "0000", "::", ":", ":::", ".",
		"1.2.3.4", "255.255.255.255", "256.1.1.1", "01.2.3.4", "1.2.3", "g", "",
	};
	char s[80];

	(void)state;
	for (size_t n = 0; n <= 8; n++) {
		size_t total = 1;
		for (size_t i = 0; i < n; i++)
			total *= 6;
		for (size_t k = 0; k < total; k++) {
			size_t x = k;
			for (size_t i = 0; i < n; i++, x /= 6)
				s[i] = alpha[x % 6];
			check_parse6(s, n);
		}
	}
	for (int k = 0; k < 300000; k++) {
		size_t n = 0;
		int parts = (int)(rnd() % 12);
		for (int p = 0; p < parts; p++) {
			uint64_t r = rnd();
			const char *piece = pieces[r % (sizeof(pieces) / sizeof(pieces[0]))];
			size_t len = strlen(piece);
			if (n + len + 1 >= sizeof(s))
				break;
			memcpy(s + n, piece, len);
			n += len;
			if (r >> 8 & 1)
				s[n++] = ':';
		}
		check_parse6(s, n);
	}
	/* k fields, "::" at any place or none, sometimes a dotted quad last:
	 * every count of fields around the limits of eight */
	for (int k = 0; k < 200000; k++) {
		uint64_t r = rnd();
		int fields = (int)(r % 11), at = (int)((r >> 8) % 12) - 1;
		bool quad = r >> 16 & 1;
		size_t n = 0;
		for (int f = 0; f < fields; f++) {
			if (f == at) {
				s[n++] = ':';
				s[n++] = ':';
			} else if (f) {
				s[n++] = ':';
			}
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%x",
					      (unsigned)(rnd() % (r >> 20 & 1 ? 0x10000 : 16)));
		}
		if (at >= fields && at >= 0) {
			s[n++] = ':';
			s[n++] = ':';
		}
		if (quad) {
			if (n && s[n - 1] != ':')
				s[n++] = ':';
			n += (size_t)snprintf(s + n, sizeof(s) - n, "%u.%u.%u.%u",
					      (unsigned)(r >> 24) & 255, (unsigned)(r >> 32) & 255,
					      (unsigned)(r >> 40) & 255, (unsigned)(r >> 48) & 255);
		}
		check_parse6(s, n);
	}
	/* every address fsc_addr_str writes parses back */
	for (int k = 0; k < 100000; k++) {
		struct fsc_addr a;
		uint8_t b[16];
		uint64_t x = rnd(), y = rnd(), z = rnd();
		memcpy(b, &x, 8);
		memcpy(b + 8, &y, 8);
		for (int i = 0; i < 16; i++)
			if ((z >> (i * 4)) % 3 == 0)
				b[i] = 0;
		fsc_addr_set6(&a, b);
		fsc_addr_str(&a, s);
		check_parse6(s, strlen(s));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ipv6_every_zero_pattern),
		cmocka_unit_test(ipv6_embedded_ipv4),
		cmocka_unit_test(ipv6_named),
		cmocka_unit_test(ipv6_random),
		cmocka_unit_test(ipv4),
		cmocka_unit_test(no_family),
		cmocka_unit_test(round_trip),
		cmocka_unit_test(compare),
		cmocka_unit_test(parse4),
		cmocka_unit_test(parse6),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
