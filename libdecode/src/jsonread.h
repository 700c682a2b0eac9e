/* jsonread.h - libdecode's private JSON reader for `tailscale status --json` (RFC 8259). */
#ifndef FSC_JSONREAD_H
#define FSC_JSONREAD_H

#include <stdbool.h>
#include <stddef.h>

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

/* A parsed value. Strings are decoded UTF-8, NUL-terminated (an embedded
 * \u0000 ends them early, which is fine for names). Numbers keep their text.
 * Arrays and objects hold n children; objects also hold n keys. */
struct jval {
	enum jtype t;
	bool b;
	char *s;
	size_t n;
	struct jval *kids;
	char **keys;
};

/*
 * Parses text[0..len) as one JSON value (surrounding whitespace allowed).
 * Returns NULL and a message naming the byte offset in err on bad input.
 * Nesting is limited to 64 levels. Free with json_free.
 */
struct jval *json_parse(const char *text, size_t len, char *err, size_t errlen);
void json_free(struct jval *v);

/* The member called key of object o, or NULL (also when o is not an object). */
const struct jval *json_get(const struct jval *o, const char *key);

#endif
