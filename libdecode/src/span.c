/* span.c - locale-free ASCII helpers for text inside packets. */
#include "fsc/span.h"

#include <string.h>

char fsc_ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

bool fsc_span_ieq(const char *p, size_t len, const char *lit)
{
	if (strlen(lit) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (fsc_ascii_lower(p[i]) != fsc_ascii_lower(lit[i]))
			return false;
	return true;
}

bool fsc_is_tchar(unsigned char c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}
