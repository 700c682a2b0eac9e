/* escape.h - the one place untrusted text (SNI, Host, User-Agent, header
 * values, STUN SOFTWARE) is made safe for a terminal or a JSON string. */
#ifndef FSC_ESCAPE_H
#define FSC_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Both functions write at most `cap` bytes including a terminating NUL and
 * return the length written (without the NUL). Output that would not fit is
 * cut at a character boundary and ends in "..." so a reader sees the cut.
 *
 * fsc_escape_text: printable ASCII and well-formed UTF-8 pass (except C1
 * controls and U+2028/9 style separators are escaped); backslash, double
 * quote, controls, DEL and invalid bytes become \\, \", \n, \t, \r or \xNN.
 * No ESC byte can come out.
 *
 * fsc_escape_json: the body of a JSON string (without quotes): ", \ and
 * controls escaped per RFC 8259; invalid UTF-8 bytes become \u00NN so the
 * output is always valid UTF-8, and ESC is \u001b.
 */
size_t fsc_escape_text(const uint8_t *s, size_t len, char *out, size_t cap);
size_t fsc_escape_json(const uint8_t *s, size_t len, char *out, size_t cap);

#endif
