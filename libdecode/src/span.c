/* span.c - locale-free ASCII helpers for text inside packets. */
#include "fsc/span.h"

#include <stdint.h>
#include <string.h>

char fsc_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* fsc_ascii_lower, inlined: this runs for every header of every head. */
static inline unsigned char lower(unsigned char c)
{
	return (unsigned char)(c - 'A') < 26 ? (unsigned char)(c | 0x20) : c;
}

/* Eight bytes at once: equal but for ASCII case. Where the words differ
 * it may only be in bit 0x20, and only in bytes that are letters. */
static bool words_ieq(uint64_t a, uint64_t b)
{
	const uint64_t ones = 0x0101010101010101ull, high = 0x80 * ones;
	uint64_t d = a ^ b;

	if (d == 0)
		return true;
	if (d & ~(0x20 * ones))
		return false;
	/* a lower-cased, each byte's high bit cleared so sums stay inside
	 * their byte: a letter is then 'a'..'z' with a's high bit clear. */
	uint64_t t = (a | 0x20 * ones) & (0x7f * ones);
	uint64_t from_a = (t + (0x80 - 'a') * ones) & high;
	uint64_t past_z = (t + (0x80 - 'z' - 1) * ones) & high;
	uint64_t letter = from_a & ~past_z & ~a & high;
	return ((d << 2) & ~letter) == 0; /* bit 0x20 -> 0x80, same byte */
}

static uint64_t load(const char *p, size_t n)
{
	uint64_t v = 0;

	memcpy(&v, p, n);
	return v;
}

bool fsc_span_ieq_n(const char *p, const char *lit, size_t len)
{
	/* Whole words, the last one overlapping the one before when len is
	 * not a multiple: a byte compared twice is still compared right. */
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8)
			if (!words_ieq(load(p + i, 8), load(lit + i, 8)))
				return false;
		return words_ieq(load(p + len - 8, 8), load(lit + len - 8, 8));
	}
	if (len >= 4)
		return words_ieq(load(p, 4), load(lit, 4)) &&
		       words_ieq(load(p + len - 4, 4), load(lit + len - 4, 4));
	for (size_t i = 0; i < len; i++)
		if (lower((unsigned char)p[i]) != lower((unsigned char)lit[i]))
			return false;
	return true;
}

bool fsc_span_ieq(const char *p, size_t len, const char *lit)
{
	/* Most comparisons fail on the first byte: decide that before
	 * measuring the literal (this runs for every header of every head). */
	if (len == 0 || lower((unsigned char)p[0]) != lower((unsigned char)lit[0]))
		return len == 0 && lit[0] == '\0';
	return strlen(lit) == len && fsc_span_ieq_n(p, lit, len);
}

/* Each set is four 64-bit words, bit b of word b / 64 for byte b; written
 * out once here, checked byte by byte against its definition in
 * tests/unit/test_span.c. */
const struct fsc_byteset fsc_digit_set = { { 0x03ff000000000000ull, 0, 0, 0 } };
const struct fsc_byteset fsc_hexdig_set = { {
	0x03ff000000000000ull, 0x0000007e0000007eull, 0, 0,
} };
const struct fsc_byteset fsc_upper_set = { { 0, 0x0000000007fffffeull, 0, 0 } };
const struct fsc_byteset fsc_alpha_set = { { 0, 0x07fffffe07fffffeull, 0, 0 } };
const struct fsc_byteset fsc_alnum_set = { {
	0x03ff000000000000ull, 0x07fffffe07fffffeull, 0, 0,
} };
const struct fsc_byteset fsc_unreserved_set = { {
	0x03ff600000000000ull, 0x47fffffe87fffffeull, 0, 0,
} };
const struct fsc_byteset fsc_tchar_set = { {
	0x03ff6cfa00000000ull, 0x57ffffffc7fffffeull, 0, 0,
} };
const struct fsc_byteset fsc_vchar_set = { {
	0xfffffffe00000000ull, 0x7fffffffffffffffull, ~0ull, ~0ull,
} };
const struct fsc_byteset fsc_field_value_set = { {
	0xffffffff00000200ull, 0x7fffffffffffffffull, ~0ull, ~0ull,
} };

int fsc_hex_value(unsigned char c)
{
	if (!fsc_byteset_has(&fsc_hexdig_set, c))
		return -1;
	return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
