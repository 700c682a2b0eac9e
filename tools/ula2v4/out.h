/* out.h - ula2v4's output forms for untrusted text (status names, PTR
 * names, GeoIP names, inputs); the escaping itself is libdecode's
 * (fsc/escape.h), so every tool escapes alike. */
#ifndef ULA2V4_OUT_H
#define ULA2V4_OUT_H

#include <stdio.h>

/* Text mode: bare when fsc_escape_text_bare() allows, else "..." around
 * fsc_escape_text(). */
void out_text_value(FILE *f, const char *s);

/* Text without quotes of its own, e.g. inside [...] (fsc_escape_text). */
void out_text(FILE *f, const char *s);

/* Text inside single quotes (fsc_escape_text_sq: ' becomes \x27). */
void out_text_sq(FILE *f, const char *s);

/* A JSON string, quotes included (fsc_escape_json). */
void out_json_str(FILE *f, const char *s);

#endif
