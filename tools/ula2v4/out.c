/* out.c - untrusted text to a stream through libdecode's escaping. */
#include "out.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"

typedef size_t (*escape_fn)(const uint8_t *s, size_t len, char *out, size_t cap);

/* Escapes s whole (the cap holds the worst case: nothing is ever cut) and
 * writes it between pre and post. Values are short; the heap is only for
 * the rare long input line. */
static void emit(FILE *f, const char *s, escape_fn fn, size_t cap, const char *pre,
		 const char *post)
{
	char local[1024], *buf = local;
	size_t n = strlen(s);

	if (cap > sizeof(local) && !(buf = malloc(cap))) {
		fputs("(out of memory)", f);
		return;
	}
	fn((const uint8_t *)s, n, buf, cap);
	fputs(pre, f);
	fputs(buf, f);
	fputs(post, f);
	if (buf != local)
		free(buf);
}

void out_text_value(FILE *f, const char *s)
{
	size_t n = strlen(s);

	if (fsc_escape_text_bare((const uint8_t *)s, n))
		fputs(s, f);
	else
		emit(f, s, fsc_escape_text, FSC_ESCAPE_TEXT_CAP(n), "\"", "\"");
}

void out_text(FILE *f, const char *s)
{
	emit(f, s, fsc_escape_text, FSC_ESCAPE_TEXT_CAP(strlen(s)), "", "");
}

void out_text_sq(FILE *f, const char *s)
{
	emit(f, s, fsc_escape_text_sq, FSC_ESCAPE_TEXT_CAP(strlen(s)), "", "");
}

void out_json_str(FILE *f, const char *s)
{
	emit(f, s, fsc_escape_json, FSC_ESCAPE_JSON_CAP(strlen(s)), "\"", "\"");
}
