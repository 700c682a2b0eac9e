/* span.h - a text range inside someone else's buffer, and the locale-free
 * byte classes and ASCII helpers every parser uses (never <ctype.h> on
 * packet bytes). */
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

/*
 * Byte classes: the one set the whole library uses (no private is_digit,
 * never <ctype.h> on packet bytes, so no locale and no sign trouble). Test a
 * byte with fsc_byteset_has(&fsc_digit_set, b) (cursor.h) or take a run with
 * fsc_cur_spn. ASCII classes hold no byte above 0x7f, and no class holds NUL
 * or another control byte but where named (HTAB in field values).
 */
extern const struct fsc_byteset fsc_digit_set;	 /* 0-9 */
extern const struct fsc_byteset fsc_hexdig_set;	 /* 0-9 A-F a-f */
extern const struct fsc_byteset fsc_upper_set;	 /* A-Z */
extern const struct fsc_byteset fsc_alpha_set;	 /* A-Z a-z */
extern const struct fsc_byteset fsc_alnum_set;	 /* A-Z a-z 0-9 */
/* RFC 3986 §2.3 unreserved: ALPHA DIGIT - . _ ~ */
extern const struct fsc_byteset fsc_unreserved_set;
/* RFC 9110 §5.6.2 tchar: ALPHA DIGIT ! # $ % & ' * + - . ^ _ ` | ~ */
extern const struct fsc_byteset fsc_tchar_set;
/* RFC 9110 §5.5 VCHAR and obs-text: 0x21-0x7e, 0x80-0xff */
extern const struct fsc_byteset fsc_vchar_set;
/* A field value's bytes: VCHAR, obs-text, SP and HTAB */
extern const struct fsc_byteset fsc_field_value_set;

/* The value of a hex digit (fsc_hexdig_set), else -1. */
int fsc_hex_value(unsigned char c);

#endif
