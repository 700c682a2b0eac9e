/* fuzz_num.c - libFuzzer target for num.c, the numbers people type
 * (option values, ports in config files).
 *
 * Oracles: an integer is taken exactly when the input is one to many
 * decimal digits and its value (by an independent reading) lies in the
 * range, and then it is that value; a decimal is taken only when it has
 * digits, at most one dot and nothing else, and then lies in its range;
 * fsc_num_parse_n never reads past its length (the input is not NUL
 * terminated here).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/num.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A range from the first bytes, the text from the rest. */
	uint64_t min = 0, max = UINT64_MAX, v = 0, want = 0;
	if (size >= 2) {
		min = data[0] % 8 == 0 ? 0 : (uint64_t)data[0] * 3;
		max = data[1] % 8 == 0 ? UINT64_MAX : (uint64_t)data[1] * 1000;
		data += 2;
		size -= 2;
	}
	const char *s = (const char *)data;
	bool digits = size > 0, over = false;
	for (size_t i = 0; i < size; i++) {
		if (s[i] < '0' || s[i] > '9') {
			digits = false;
			break;
		}
		/* want*10 + d > UINT64_MAX, by division */
		if (want > UINT64_MAX / 10 ||
		    (want == UINT64_MAX / 10 && (uint64_t)(s[i] - '0') > UINT64_MAX % 10))
			over = true;
		else
			want = want * 10 + (uint64_t)(s[i] - '0');
	}
	enum fsc_num_result r = fsc_num_parse_n(s, size, min, max, &v);
	enum fsc_num_result expect = !digits ? FSC_NUM_NOT_NUMBER
				   : over || want < min || want > max ? FSC_NUM_RANGE
								      : FSC_NUM_OK;
	if (r != expect || (r == FSC_NUM_OK && v != want))
		abort();

	/* The same text NUL-terminated, as an integer and as a decimal. */
	char buf[64];
	if (size < sizeof(buf)) {
		memcpy(buf, s, size);
		buf[size] = '\0';
		if (memchr(buf, '\0', size) == NULL && fsc_num_parse(buf, min, max, &v) != r)
			abort();
		double d;
		size_t dots = 0, nd = 0, len = strlen(buf); /* a NUL ends the C string */
		bool plain = len > 0;
		for (size_t i = 0; i < len; i++) {
			if (buf[i] == '.')
				dots++;
			else if (buf[i] >= '0' && buf[i] <= '9')
				nd++;
			else
				plain = false;
		}
		plain = plain && dots <= 1 && nd > 0;
		enum fsc_num_result dr = fsc_num_parse_double(buf, 0.5, 1e6, &d);
		if ((dr != FSC_NUM_NOT_NUMBER) != plain)
			abort();
		if (dr == FSC_NUM_OK && !(d >= 0.5 && d <= 1e6))
			abort();
	}
	return 0;
}
