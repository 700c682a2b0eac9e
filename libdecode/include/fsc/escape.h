/* escape.h - the one place untrusted text (SNI, Host, User-Agent, header
 * values, STUN SOFTWARE) is made safe for a terminal or a JSON string. */
#ifndef FSC_ESCAPE_H
#define FSC_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Both functions write at most `cap` bytes including a terminating NUL and
 * return the length written (without the NUL). Output that would not fit is
 * cut at a character boundary and ends in "..." so a reader sees the cut.
 *
 * fsc_escape_text: printable ASCII and well-formed UTF-8 pass; backslash,
 * double quote, controls, DEL and invalid bytes become \\, \", \n, \t, \r
 * or \xNN, and so do (as the \xNN of their bytes) the code points a reader
 * cannot see or that change how a line reads: C1 controls, U+2028/9, the
 * whole Bidi_Control set (U+061C, U+200E, U+200F, U+202A-E, U+2066-9) and
 * every Default_Ignorable_Code_Point (zero-width space and joiners, soft
 * hyphen, word joiner, U+FEFF, variation selectors, tags, ...), and the
 * interlinear annotation controls. No ESC byte can come out.
 *
 * fsc_escape_text_sq: as fsc_escape_text, for text shown inside single
 * quotes ('...'): a single quote becomes \x27 and a double quote passes.
 *
 * fsc_escape_json: the body of a JSON string (without quotes): ", \ and
 * controls escaped per RFC 8259; invalid UTF-8 bytes become \u00NN so the
 * output is always valid UTF-8; ESC is \u001b and the C1 controls
 * U+0080..U+009F are \u0080..\u009f (a terminal showing the JSON must not
 * act on them), and so are the other code points fsc_escape_text escapes,
 * as \uXXXX (a surrogate pair beyond U+FFFF).
 */
size_t fsc_escape_text(const uint8_t *s, size_t len, char *out, size_t cap);
size_t fsc_escape_text_sq(const uint8_t *s, size_t len, char *out, size_t cap);
size_t fsc_escape_json(const uint8_t *s, size_t len, char *out, size_t cap);

/* A cap that never cuts: every input byte grows to at most 4 (text: \xNN)
 * or 6 (JSON: \u00NN) bytes, plus the room kept for "..." and the NUL. */
#define FSC_ESCAPE_TEXT_CAP(len) (4 * (len) + 5)
#define FSC_ESCAPE_JSON_CAP(len) (6 * (len) + 5)

/*
 * True when s[0..len) can be shown bare, as one token of a "key=value" or
 * space-separated line: not empty, no space, no double quote or backslash,
 * and nothing fsc_escape_text would escape. Otherwise show it quoted:
 * '"' + fsc_escape_text() + '"'.
 */
bool fsc_escape_text_bare(const uint8_t *s, size_t len);

#endif
