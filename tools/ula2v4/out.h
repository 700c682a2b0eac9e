/* out.h - the one place where untrusted text (status names, PTR names,
 * GeoIP names) is escaped before it reaches a terminal or JSON. */
#ifndef ULA2V4_OUT_H
#define ULA2V4_OUT_H

#include <stdio.h>

/* Text mode: printed bare when every character is printable and not a
 * space, quote or backslash; otherwise inside "..." with \" \\ \n \t \xNN
 * escapes (C0/C1 controls, DEL and invalid UTF-8 bytes as \xNN). */
void out_text_value(FILE *f, const char *s);

/* A JSON string, quotes included: valid UTF-8 out whatever comes in
 * (invalid bytes become U+FFFD, controls \u00XX). */
void out_json_str(FILE *f, const char *s);

#endif
