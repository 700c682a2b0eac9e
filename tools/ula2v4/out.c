/* out.c - escaping for text and JSON output. */
#include "out.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* Decodes one UTF-8 sequence at s; returns its length and the code point, or
 * 0 when the bytes are not well-formed (overlong, surrogate, > U+10FFFF). */
static size_t utf8(const unsigned char *s, uint32_t *cp)
{
	unsigned char c = s[0];
	size_t n;
	uint32_t v, min;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		n = 2, v = c & 0x1f, min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 3, v = c & 0x0f, min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 4, v = c & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80) /* also stops at the NUL */
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v < 0xe000))
		return 0;
	*cp = v;
	return n;
}

static bool is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

void out_text_value(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	bool bare = *p != '\0';
	uint32_t cp;

	for (size_t i = 0; p[i];) {
		size_t n = utf8(p + i, &cp);
		if (n == 0 || is_control(cp) || cp == ' ' || cp == '"' || cp == '\\') {
			bare = false;
			break;
		}
		i += n;
	}
	if (bare) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (size_t i = 0; p[i];) {
		size_t n = utf8(p + i, &cp);
		if (n == 0) {
			fprintf(f, "\\x%02x", p[i]);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (is_control(cp))
			for (size_t k = 0; k < n; k++)
				fprintf(f, "\\x%02x", p[i + k]);
		else
			fwrite(p + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}

void out_json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	uint32_t cp;

	fputc('"', f);
	for (size_t i = 0; p[i];) {
		size_t n = utf8(p + i, &cp);
		if (n == 0) {
			fputs("\\ufffd", f);
			i++;
			continue;
		}
		if (cp == '"' || cp == '\\')
			fprintf(f, "\\%c", (char)cp);
		else if (cp == '\n')
			fputs("\\n", f);
		else if (cp == '\t')
			fputs("\\t", f);
		else if (is_control(cp))
			fprintf(f, "\\u%04x", (unsigned)cp);
		else
			fwrite(p + i, 1, n, f);
		i += n;
	}
	fputc('"', f);
}
