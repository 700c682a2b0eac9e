/* span.h - a text range inside someone else's buffer, and locale-free ASCII
 * helpers for header names and tokens (never <ctype.h> on packet bytes). */
#ifndef FSC_SPAN_H
#define FSC_SPAN_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/cursor.h"

/* Not NUL-terminated; p may be NULL when len is 0. */
struct fsc_span {
	const char *p;
	size_t len;
};

/* 'A'-'Z' to 'a'-'z'; every other byte unchanged. */
char fsc_ascii_lower(char c);

/* p[0..len) equals the NUL-terminated lit, ASCII case-insensitively. */
bool fsc_span_ieq(const char *p, size_t len, const char *lit);
/* p[0..len) equals lit[0..len), ASCII case-insensitively (both lengths
 * known: no NUL looked for). */
bool fsc_span_ieq_n(const char *p, const char *lit, size_t len);

/* RFC 9110 §5.6.2 tchar, as a test and as a set for fsc_cur_spn. */
bool fsc_is_tchar(unsigned char c);
extern const struct fsc_byteset fsc_tchar_set;

#endif
