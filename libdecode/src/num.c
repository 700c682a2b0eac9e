/* num.c - decimal numbers typed by people (see num.h). Digits are tested
 * by hand, not with strtoul: no locale, no sign, no leading spaces. */
#include "fsc/num.h"

#include <stdbool.h>
#include <string.h>

enum fsc_num_result fsc_num_parse_n(const char *s, size_t n, uint64_t min, uint64_t max,
				    uint64_t *out)
{
	uint64_t v = 0;
	bool over = false;

	if (n == 0)
		return FSC_NUM_NOT_NUMBER;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return FSC_NUM_NOT_NUMBER;
		unsigned d = (unsigned)(s[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			over = true; /* keep reading: "12x" is no number at all */
		else
			v = v * 10 + d;
	}
	if (over || v < min || v > max)
		return FSC_NUM_RANGE;
	*out = v;
	return FSC_NUM_OK;
}

enum fsc_num_result fsc_num_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
	return fsc_num_parse_n(s, s ? strlen(s) : 0, min, max, out);
}

enum fsc_num_result fsc_num_parse_double(const char *s, double min, double max, double *out)
{
	/* digits as an integer, then one division: correctly rounded while
	 * the digits fit (18 of them); past that, each further digit is
	 * below what a person can mean. */
	uint64_t mant = 0;
	double scale = 1, v;
	size_t digits = 0, kept = 0;
	int shift = 0;
	bool dot = false;

	if (!s || !*s)
		return FSC_NUM_NOT_NUMBER;
	for (const char *p = s; *p; p++) {
		if (*p == '.' && !dot) {
			dot = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			return FSC_NUM_NOT_NUMBER;
		digits++;
		if (kept < 18) {
			mant = mant * 10 + (uint64_t)(*p - '0');
			kept += mant != 0;
			shift -= dot;
		} else if (!dot) {
			shift++;
		}
	}
	if (!digits)
		return FSC_NUM_NOT_NUMBER;
	for (int i = 0; i < (shift < 0 ? -shift : shift); i++)
		scale *= 10;
	v = shift < 0 ? (double)mant / scale : (double)mant * scale;
	if (!(v >= min && v <= max))
		return FSC_NUM_RANGE;
	*out = v;
	return FSC_NUM_OK;
}

const char *fsc_num_why(enum fsc_num_result r)
{
	switch (r) {
	case FSC_NUM_OK:
		return "";
	case FSC_NUM_NOT_NUMBER:
		return "not a number";
	default:
		return "out of range";
	}
}
