/* outcheck.h - what every fuzz target that prints checks of its output
 * (fuzz_program.c, fuzz_correlate.c): JSON lines well formed, and text with
 * nothing a terminal would act on. Test-only, as tests/unit/streamkit.h. */
#ifndef FSC_FUZZ_OUTCHECK_H
#define FSC_FUZZ_OUTCHECK_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* One JSON object a line: strings closed, escapes known, brackets matched,
 * no raw control byte. */
static inline void check_json(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		int depth = 0;
		bool in_str = false;

		if (s[i] != '{')
			abort();
		for (; i < n && s[i] != '\n'; i++) {
			unsigned char c = (unsigned char)s[i];
			if (c < 0x20)
				abort();
			if (in_str) {
				if (c == '\\') {
					if (++i >= n || !strchr("\"\\/bfnrtu", s[i]))
						abort();
				} else if (c == '"') {
					in_str = false;
				}
			} else if (c == '"') {
				in_str = true;
			} else if (c == '{' || c == '[') {
				depth++;
			} else if (c == '}' || c == ']') {
				if (--depth < 0)
					abort();
			}
		}
		if (in_str || depth != 0 || i >= n)
			abort();
		i++; /* the newline */
	}
}

/* Raw text for a terminal: no C0 control but newline, no DEL, no C1 (as
 * UTF-8), no Bidi_Control or invisible format character (U+061C, U+180E,
 * U+200B-U+200F, U+202A-U+202E, U+2060-U+2064, U+2066-U+206F, U+FEFF). */
static inline void check_text(const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < n; i++) {
		unsigned c = p[i];
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			abort();
		if (c == 0xc2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			abort();
		if (c == 0xd8 && i + 1 < n && p[i + 1] == 0x9c)
			abort(); /* U+061C */
		if (c == 0xe1 && i + 2 < n && p[i + 1] == 0xa0 && p[i + 2] == 0x8e)
			abort(); /* U+180E */
		if (c == 0xe2 && i + 2 < n) {
			unsigned b = p[i + 1], d = p[i + 2];
			if (b == 0x80 && ((d >= 0x8b && d <= 0x8f) || (d >= 0xaa && d <= 0xae)))
				abort();
			if (b == 0x81 && ((d >= 0xa0 && d <= 0xa4) || (d >= 0xa6 && d <= 0xaf)))
				abort();
		}
		if (c == 0xef && i + 2 < n && p[i + 1] == 0xbb && p[i + 2] == 0xbf)
			abort(); /* U+FEFF */
	}
}

#endif
