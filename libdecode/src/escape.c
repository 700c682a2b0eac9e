/* escape.c - untrusted bytes to terminal-safe text and JSON strings. */
#include "fsc/escape.h"

#include <stdbool.h>

/* Length of a well-formed UTF-8 sequence at s (RFC 3629 §4), or 0. */
static size_t utf8_len(const uint8_t *s, size_t len, uint32_t *cp)
{
	uint8_t b = s[0];
	size_t n;
	uint32_t c, min;

	if (b < 0x80) {
		*cp = b;
		return 1;
	} else if (b >= 0xc2 && b <= 0xdf) {
		n = 2, c = b & 0x1f, min = 0x80;
	} else if (b >= 0xe0 && b <= 0xef) {
		n = 3, c = b & 0x0f, min = 0x800;
	} else if (b >= 0xf0 && b <= 0xf4) {
		n = 4, c = b & 0x07, min = 0x10000;
	} else {
		return 0;
	}
	if (len < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return n;
}

struct out {
	char *p;
	size_t n, cap; /* cap excludes the NUL */
	bool full;
};

static bool put(struct out *o, const char *s, size_t n)
{
	if (o->full || o->n + n > o->cap) {
		o->full = true;
		return false;
	}
	for (size_t i = 0; i < n; i++)
		o->p[o->n++] = s[i];
	return true;
}

static char hexdigit(uint32_t v)
{
	return "0123456789abcdef"[v & 15];
}

/* \uXXXX for a code point of the Basic Multilingual Plane. */
static bool put_u4(struct out *o, uint32_t cp)
{
	const char buf[6] = { '\\', 'u', hexdigit(cp >> 12), hexdigit(cp >> 8),
			      hexdigit(cp >> 4), hexdigit(cp) };

	return put(o, buf, 6);
}

/* \uXXXX, or the surrogate pair \uXXXX\uXXXX beyond the BMP (RFC 8259 §7):
 * put whole or not at all. */
static bool put_u(struct out *o, uint32_t cp)
{
	if (cp < 0x10000)
		return put_u4(o, cp);
	if (o->full || o->n + 12 > o->cap) {
		o->full = true;
		return false;
	}
	cp -= 0x10000;
	return put_u4(o, 0xd800 | (cp >> 10)) && put_u4(o, 0xdc00 | (cp & 0x3ff));
}

/* Printable ASCII that passes as itself (all of it but the backslash and
 * the quote that is escaped): the common case, copied as a run. */
static bool plain(uint8_t b, char quote)
{
	return b >= 0x20 && b < 0x7f && b != '\\' && b != (uint8_t)quote;
}

/* Copies the run of plain bytes at s; where the cap falls inside it, stops
 * there and marks the output full, as byte-at-a-time puts would. */
static size_t put_plain_run(struct out *o, const uint8_t *s, size_t len, char quote)
{
	size_t n = 0, room = o->cap - o->n;

	while (n < len && plain(s[n], quote))
		n++;
	if (n > room) {
		n = room;
		o->full = true;
	}
	for (size_t i = 0; i < n; i++)
		o->p[o->n++] = (char)s[i];
	return n;
}

static bool put_hex(struct out *o, const char *prefix, size_t plen, uint8_t b)
{
	static const char hex[] = "0123456789abcdef";
	char buf[8];
	size_t i;

	for (i = 0; i < plen; i++)
		buf[i] = prefix[i];
	buf[i++] = hex[b >> 4];
	buf[i++] = hex[b & 15];
	return put(o, buf, i);
}

static size_t finish(struct out *o, char *out, size_t cap)
{
	if (cap == 0)
		return 0;
	if (o->full && cap >= 5) {
		/* Room for "..." was reserved by making cap 3 smaller. */
		o->cap += 3;
		o->full = false;
		put(o, "...", 3);
	}
	out[o->n] = '\0';
	return o->n;
}

static void start(struct out *o, char *out, size_t cap)
{
	o->p = out;
	o->n = 0;
	o->full = false;
	o->cap = cap > 4 ? cap - 4 : 0; /* NUL and a possible "..." */
}

/*
 * Code points that never pass raw: what a terminal acts on, or what makes a
 * line read differently from its bytes, or hides bytes from the reader.
 *   C1 controls U+0080..U+009F;
 *   line and paragraph separators U+2028, U+2029;
 *   Bidi_Control (PropList.txt): U+061C ALM, U+200E LRM, U+200F RLM,
 *     U+202A..U+202E embeddings and overrides, U+2066..U+2069 isolates;
 *   Default_Ignorable_Code_Point (DerivedCoreProperties.txt): invisible
 *     format characters (soft hyphen, zero-width space/joiners, word joiner,
 *     BOM, Mongolian and other variation selectors, Hangul fillers, tags);
 *   the interlinear annotation controls U+FFF9..U+FFFB.
 * Sorted; the Bidi_Control ranges fall inside the default-ignorable ones.
 */
static const struct {
	uint32_t lo, hi;
} unsafe[] = {
	{ 0x0080, 0x009f },   { 0x00ad, 0x00ad },   { 0x034f, 0x034f },
	{ 0x061c, 0x061c },   { 0x115f, 0x1160 },   { 0x17b4, 0x17b5 },
	{ 0x180b, 0x180f },   { 0x200b, 0x200f },   { 0x2028, 0x202e },
	{ 0x2060, 0x206f },   { 0x3164, 0x3164 },   { 0xfe00, 0xfe0f },
	{ 0xfeff, 0xfeff },   { 0xffa0, 0xffa0 },   { 0xfff0, 0xfffb },
	{ 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0xe0000, 0xe0fff },
};

/* Only non-ASCII code points get here, and most are below the first
 * range's end or well past one: a short scan. */
static bool text_safe(uint32_t cp)
{
	for (size_t i = 0; i < sizeof(unsafe) / sizeof(unsafe[0]); i++) {
		if (cp < unsafe[i].lo)
			return true;
		if (cp <= unsafe[i].hi)
			return false;
	}
	return true;
}

/* The text escaper; `quote` is the quote character written as \" (double)
 * or \x27 (single); the other one passes. */
static size_t escape_text(const uint8_t *s, size_t len, char *out, size_t cap, char quote)
{
	struct out o;

	start(&o, out, cap);
	for (size_t i = 0; i < len && !o.full;) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t n;

		if (plain(b, quote)) {
			i += put_plain_run(&o, s + i, len - i, quote);
			continue;
		}
		if (b == '\\') {
			put(&o, "\\\\", 2);
		} else if (b == '"' && quote == '"') {
			put(&o, "\\\"", 2);
		} else if (b == '\n') {
			put(&o, "\\n", 2);
		} else if (b == '\r') {
			put(&o, "\\r", 2);
		} else if (b == '\t') {
			put(&o, "\\t", 2);
		} else if (b == '\'' && quote == '\'') {
			put_hex(&o, "\\x", 2, b);
		} else if (b >= 0x20 && b < 0x7f) {
			put(&o, (const char *)&s[i], 1);
		} else if (b >= 0x80 && (n = utf8_len(s + i, len - i, &cp)) > 0) {
			/* C1 controls and bidi overrides as the bytes' \xNN. */
			if (text_safe(cp)) {
				put(&o, (const char *)&s[i], n);
			} else {
				for (size_t k = 0; k < n; k++)
					put_hex(&o, "\\x", 2, s[i + k]);
			}
			i += n;
			continue;
		} else {
			put_hex(&o, "\\x", 2, b);
		}
		if (!o.full)
			i++;
	}
	return finish(&o, out, cap);
}

size_t fsc_escape_text(const uint8_t *s, size_t len, char *out, size_t cap)
{
	return escape_text(s, len, out, cap, '"');
}

size_t fsc_escape_text_sq(const uint8_t *s, size_t len, char *out, size_t cap)
{
	return escape_text(s, len, out, cap, '\'');
}

bool fsc_escape_text_bare(const uint8_t *s, size_t len)
{
	uint32_t cp;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len;) {
		uint8_t b = s[i];
		size_t n;

		if (b > 0x20 && b < 0x7f && b != '"' && b != '\\') {
			i++;
		} else if (b >= 0x80 && (n = utf8_len(s + i, len - i, &cp)) > 0 &&
			   text_safe(cp)) {
			i += n;
		} else {
			return false;
		}
	}
	return true;
}

size_t fsc_escape_json(const uint8_t *s, size_t len, char *out, size_t cap)
{
	struct out o;

	start(&o, out, cap);
	for (size_t i = 0; i < len && !o.full;) {
		uint8_t b = s[i];
		uint32_t cp;
		size_t n;

		if (plain(b, '"')) {
			i += put_plain_run(&o, s + i, len - i, '"');
			continue;
		}
		if (b == '"') {
			put(&o, "\\\"", 2);
		} else if (b == '\\') {
			put(&o, "\\\\", 2);
		} else if (b == '\n') {
			put(&o, "\\n", 2);
		} else if (b == '\r') {
			put(&o, "\\r", 2);
		} else if (b == '\t') {
			put(&o, "\\t", 2);
		} else if (b < 0x20 || b == 0x7f) {
			put_hex(&o, "\\u00", 4, b);
		} else if (b < 0x80) {
			put(&o, (const char *)&s[i], 1);
		} else if ((n = utf8_len(s + i, len - i, &cp)) > 0) {
			/* C1 controls as \u0080..\u009f: a UTF-8 terminal may act on
			 * U+009B (CSI) when someone cats the JSON. Bidi overrides
			 * and line separators as \uXXXX too: the same string to a
			 * parser, but not a line that reads backwards on a screen. */
			if (cp < 0xa0)
				put_hex(&o, "\\u00", 4, (uint8_t)cp);
			else if (!text_safe(cp))
				put_u(&o, cp);
			else
				put(&o, (const char *)&s[i], n);
			i += n;
			continue;
		} else {
			/* Not UTF-8: keep the byte's value, as a code point. */
			put_hex(&o, "\\u00", 4, b);
		}
		if (!o.full)
			i++;
	}
	return finish(&o, out, cap);
}
