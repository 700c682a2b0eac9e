/* span.c - locale-free ASCII helpers for text inside packets. */
#include "fsc/span.h"

#include <stdint.h>
#include <string.h>

char fsc_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool fsc_span_ieq(const char *p, size_t len, const char *lit)
{
	/* Most comparisons fail on the first byte: decide that before
	 * measuring the literal (this runs for every header of every head). */
	if (len == 0 || fsc_ascii_lower(p[0]) != fsc_ascii_lower(lit[0]))
		return len == 0 && lit[0] == '\0';
	if (strlen(lit) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (fsc_ascii_lower(p[i]) != fsc_ascii_lower(lit[i]))
			return false;
	return true;
}

/* RFC 9110 tchar: ! # $ % & ' * + - . 0-9 A-Z ^ _ ` a-z | ~ */
const struct fsc_byteset fsc_tchar_set = { {
	0x03ff6cfa00000000ull,	/* 0x00-0x3f */
	0x57ffffffc7fffffeull,	/* 0x40-0x7f */
	0, 0,
} };

bool fsc_is_tchar(unsigned char c)
{
	return fsc_byteset_has(&fsc_tchar_set, c);
}
