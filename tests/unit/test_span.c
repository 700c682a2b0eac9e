/* test_span.c - the locale-free byte classes and ASCII helpers, against
 * their definitions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/span.h"

/* Each class of span.h, spelled out from its definition. */
static bool in_str(unsigned c, const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s == c)
			return true;
	return false;
}

static bool def_digit(unsigned c) { return c >= '0' && c <= '9'; }
static bool def_upper(unsigned c) { return c >= 'A' && c <= 'Z'; }
static bool def_alpha(unsigned c) { return def_upper(c) || (c >= 'a' && c <= 'z'); }
static bool def_alnum(unsigned c) { return def_alpha(c) || def_digit(c); }
static bool def_hexdig(unsigned c) { return def_digit(c) || in_str(c, "abcdefABCDEF"); }
static bool def_unreserved(unsigned c) { return def_alnum(c) || in_str(c, "-._~"); }
static bool def_tchar(unsigned c) { return def_alnum(c) || in_str(c, "!#$%&'*+-.^_`|~"); }
static bool def_vchar(unsigned c) { return (c >= 0x21 && c <= 0x7e) || c >= 0x80; }
static bool def_field_value(unsigned c) { return def_vchar(c) || c == ' ' || c == '\t'; }

static void classes_every_byte(void **state)
{
	static const struct {
		const char *name;
		const struct fsc_byteset *set;
		bool (*def)(unsigned c);
	} classes[] = {
		{ "digit", &fsc_digit_set, def_digit },
		{ "hexdig", &fsc_hexdig_set, def_hexdig },
		{ "upper", &fsc_upper_set, def_upper },
		{ "alpha", &fsc_alpha_set, def_alpha },
		{ "alnum", &fsc_alnum_set, def_alnum },
		{ "unreserved", &fsc_unreserved_set, def_unreserved },
		{ "tchar", &fsc_tchar_set, def_tchar },
		{ "vchar", &fsc_vchar_set, def_vchar },
		{ "field value", &fsc_field_value_set, def_field_value },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(classes) / sizeof(classes[0]); i++) {
		for (unsigned c = 0; c < 256; c++) {
			if (fsc_byteset_has(classes[i].set, (uint8_t)c) != classes[i].def(c))
				print_message("%s: byte 0x%02x\n", classes[i].name, c);
			assert_int_equal(fsc_byteset_has(classes[i].set, (uint8_t)c),
					 classes[i].def(c));
		}
		/* NUL is in none of them */
		assert_false(fsc_byteset_has(classes[i].set, 0));
	}
}

static void hex_value(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		int want = def_digit(c) ? (int)c - '0' :
			   c >= 'a' && c <= 'f' ? (int)c - 'a' + 10 :
			   c >= 'A' && c <= 'F' ? (int)c - 'A' + 10 : -1;
		assert_int_equal(fsc_hex_value((unsigned char)c), want);
	}
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

/* fsc_span_ieq(_n) compares eight bytes at a time: against a byte-by-byte
 * reference, every pair of byte values at positions in the word part and
 * the tail, and random strings with case flips and changed bytes. */
static bool ieq_n_by_definition(const char *p, const char *lit, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned a = (unsigned char)p[i], b = (unsigned char)lit[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return false;
	}
	return true;
}

static bool ieq_by_definition(const char *p, size_t len, const char *lit)
{
	return strlen(lit) == len && ieq_n_by_definition(p, lit, len);
}

static void ieq_words(void **state)
{
	static const size_t lengths[] = { 3, 4, 6, 8, 13, 18 };
	static const size_t positions[] = { 0, 2, 3, 5, 7, 8, 12, 16, 18 };
	char p[20], lit[20];
	uint64_t r = 0x9e3779b97f4a7c15ull;

	(void)state;
	for (size_t l = 0; l < sizeof(lengths) / sizeof(lengths[0]); l++) {
		size_t len = lengths[l];
		for (size_t k = 0; k < sizeof(positions) / sizeof(positions[0]); k++) {
			if (positions[k] > len)
				continue;
			for (unsigned x = 1; x < 256; x++) {
				for (unsigned y = 1; y < 256; y++) {
					memset(lit, 0, sizeof(lit)); /* NUL after a changed lit[18] */
					memcpy(p, "x-forwarded-for-ab", 19);
					memcpy(lit, "X-Forwarded-For-AB", 19);
					lit[len] = '\0';
					p[positions[k]] = (char)x;
					lit[positions[k]] = (char)y;
					assert_int_equal(fsc_span_ieq(p, len, lit),
							 ieq_by_definition(p, len, lit));
					assert_int_equal(fsc_span_ieq_n(p, lit, len),
							 ieq_n_by_definition(p, lit, len));
				}
			}
		}
	}
	for (int n = 0; n < 200000; n++) {
		r ^= r << 13;
		r ^= r >> 7;
		r ^= r << 17;
		size_t len = r % 20;
		for (size_t i = 0; i < len; i++)
			lit[i] = (char)(' ' + (r >> (i % 8 * 8)) % 95);
		lit[len] = '\0';
		memcpy(p, lit, len);
		if (r & 1 << 20 && len)
			p[(r >> 24) % len] ^= 0x20;
		if (r & 1 << 21 && len)
			p[(r >> 32) % len] = (char)(r >> 40);
		assert_int_equal(fsc_span_ieq(p, len, lit), ieq_by_definition(p, len, lit));
		assert_int_equal(fsc_span_ieq_n(p, lit, len), ieq_n_by_definition(p, lit, len));
		/* a literal one longer or one shorter */
		assert_false(fsc_span_ieq(p, len + 1, lit));
		if (len)
			assert_false(fsc_span_ieq(p, len - 1, lit));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(classes_every_byte),
		cmocka_unit_test(hex_value),
		cmocka_unit_test(ieq),
		cmocka_unit_test(ieq_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
