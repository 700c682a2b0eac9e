/* jsonw.h - the one JSON writer: objects, arrays, keys and values appended
 * to an fsc_outbuf (fsc/outbuf.h), strings through fsc/escape.h. Every JSON
 * line of every program is written with it, so every line keeps the same
 * rules:
 *
 *   - a string member with no text is left out, never written as "" (absent
 *     means absent); null is written only where a caller asks for it;
 *   - an endpoint's address and port are separate members, the port a
 *     number (fsc_jsonw_endpoint); a key that carried "ADDR:PORT" before
 *     this rule keeps that text (fsc_jsonw_endpoint_text) and gets the
 *     separate members beside it as KEY_addr and KEY_port;
 *   - a time is seconds since the epoch with six digits of microseconds,
 *     a duration milliseconds with three decimals (microseconds);
 *   - keys are the caller's own ASCII words (not escaped); every string
 *     value that did not come from a table of ours goes through
 *     fsc_jsonw_str, which escapes it.
 *
 * Commas are the writer's: a member or element after another gets one.
 *
 *	struct fsc_jsonw w;
 *	fsc_jsonw_init(&w, ob);
 *	fsc_jsonw_object_begin(&w);
 *	fsc_jsonw_u64(&w, "frame", 3);
 *	fsc_jsonw_str(&w, "sni", sni, sni_len);
 *	fsc_jsonw_endpoint(&w, "mapped", "mapped_port", &addr, port);
 *	fsc_jsonw_object_end(&w);
 *	fsc_outbuf_end_line(ob);
 *
 * Every function that takes a key also writes array elements: key NULL.
 * The members are static inline on purpose, as fsc/outbuf.h's appenders:
 * a JSON line is dozens of members, and with the key a literal its length
 * is known at compile time (a few moves, not a strlen and a memcpy call);
 * the values go to the out-of-line writers of fsc/outbuf.h.
 */
#ifndef FSC_JSONW_H
#define FSC_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/escape.h"
#include "fsc/outbuf.h"

/* Room for a whole head's worth of value: a JSON value is never cut. */
#define FSC_JSONW_STR_CAP FSC_ESCAPE_JSON_CAP(65536)

/* Members are always inlined: at a call with a literal key, the key's
 * length is a constant and its copy a few moves. */
#define FSC_JSONW_INLINE static inline __attribute__((always_inline))

struct fsc_jsonw {
	struct fsc_outbuf *ob;
	bool more;	/* a member or element is already in the open container */
};

static inline void fsc_jsonw_init(struct fsc_jsonw *w, struct fsc_outbuf *ob)
{
	w->ob = ob;
	w->more = false;
}

/* The separator and, with a key, "key": (key NULL: an array element).
 */
FSC_JSONW_INLINE void fsc_jsonw_key(struct fsc_jsonw *w, const char *key)
{
	bool more = w->more;

	w->more = true;
	if (!key) {
		if (more)
			fsc_outbuf_char(w->ob, ',');
		return;
	}
	if (more)
		fsc_outbuf_lit(w->ob, ",\"");
	else
		fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_str(w->ob, key);
	fsc_outbuf_lit(w->ob, "\":");
}

/* { } [ ]: begin takes a key (NULL: top level, or an array element). */
FSC_JSONW_INLINE void fsc_jsonw_object_begin_at(struct fsc_jsonw *w, const char *key)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '{');
	w->more = false;
}

FSC_JSONW_INLINE void fsc_jsonw_array_begin(struct fsc_jsonw *w, const char *key)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '[');
	w->more = false;
}

static inline void fsc_jsonw_object_begin(struct fsc_jsonw *w)
{
	fsc_jsonw_object_begin_at(w, NULL);
}

static inline void fsc_jsonw_object_end(struct fsc_jsonw *w)
{
	fsc_outbuf_char(w->ob, '}');
	w->more = true;
}

static inline void fsc_jsonw_array_end(struct fsc_jsonw *w)
{
	fsc_outbuf_char(w->ob, ']');
	w->more = true;
}

/* A top-level object ends its line. */
static inline void fsc_jsonw_line_end(struct fsc_jsonw *w)
{
	fsc_jsonw_object_end(w);
	fsc_outbuf_end_line(w->ob);
	w->more = false;
}

FSC_JSONW_INLINE void fsc_jsonw_u64(struct fsc_jsonw *w, const char *key, uint64_t v)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_u64(w->ob, v);
}

FSC_JSONW_INLINE void fsc_jsonw_i64(struct fsc_jsonw *w, const char *key, int64_t v)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_i64(w->ob, v);
}

FSC_JSONW_INLINE void fsc_jsonw_bool(struct fsc_jsonw *w, const char *key, bool v)
{
	fsc_jsonw_key(w, key);
	if (v)
		fsc_outbuf_lit(w->ob, "true");
	else
		fsc_outbuf_lit(w->ob, "false");
}

FSC_JSONW_INLINE void fsc_jsonw_null(struct fsc_jsonw *w, const char *key)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_lit(w->ob, "null");
}

/* A string from outside (a packet, a file, a user) with an output cap
 * (bytes, NUL included): escaped, longer values end in "..." as
 * fsc_escape_json cuts them. A member with n == 0 is left out; an element
 * is written (its place in the array is the information). */
FSC_JSONW_INLINE void fsc_jsonw_str_cap(struct fsc_jsonw *w, const char *key, const void *s,
				     size_t n, size_t cap)
{
	if (key && n == 0)
		return;
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_json_escaped(w->ob, s, n, cap);
	fsc_outbuf_char(w->ob, '"');
}

/* The same, never cut below FSC_JSONW_STR_CAP. */
FSC_JSONW_INLINE void fsc_jsonw_str(struct fsc_jsonw *w, const char *key, const void *s, size_t n)
{
	fsc_jsonw_str_cap(w, key, s, n, FSC_JSONW_STR_CAP);
}

/* The same, s NUL-terminated (NULL: left out, also as an element). */
void fsc_jsonw_cstr(struct fsc_jsonw *w, const char *key, const char *s);

/* Our own word from a table ("initiation", "ok"): not escaped. NULL or ""
 * leaves the member out. */
FSC_JSONW_INLINE void fsc_jsonw_token(struct fsc_jsonw *w, const char *key, const char *s)
{
	if (!s || !s[0])
		return;
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_str(w->ob, s);
	fsc_outbuf_char(w->ob, '"');
}

/* Bytes as a string of lower-case hex ("txid":"0a1b..."). */
FSC_JSONW_INLINE void fsc_jsonw_hex(struct fsc_jsonw *w, const char *key, const uint8_t *p,
				 size_t n)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_hex_bytes(w->ob, p, n);
	fsc_outbuf_char(w->ob, '"');
}

/* "0x%0<digits>x" as a string ("cipher":"0x1301"). */
FSC_JSONW_INLINE void fsc_jsonw_hex_u64(struct fsc_jsonw *w, const char *key, uint64_t v,
				     unsigned digits)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_lit(w->ob, "\"0x");
	fsc_outbuf_hex(w->ob, v, digits);
	fsc_outbuf_char(w->ob, '"');
}

/* A duration in nanoseconds as milliseconds, three decimals: 0.614. */
FSC_JSONW_INLINE void fsc_jsonw_ms(struct fsc_jsonw *w, const char *key, int64_t ns)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_ms(w->ob, ns);
}

/* A time in nanoseconds since the epoch: 1795591826.171992. */
FSC_JSONW_INLINE void fsc_jsonw_time(struct fsc_jsonw *w, const char *key, int64_t ns)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_epoch_us(w->ob, ns);
}

/* An address as a string ("198.18.0.1", "fd7a:115c:a1e0::1"). */
FSC_JSONW_INLINE void fsc_jsonw_addr(struct fsc_jsonw *w, const char *key,
				  const struct fsc_addr *a)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_addr(w->ob, a);
	fsc_outbuf_char(w->ob, '"');
}

/* An endpoint: the address under key, the port under port_key
 * ("mapped":"198.18.0.1","mapped_port":41641). In an array (key NULL) the
 * element is the object {"addr":"...","port":N}. */
void fsc_jsonw_endpoint(struct fsc_jsonw *w, const char *key, const char *port_key,
			const struct fsc_addr *a, uint16_t port);
/* "ADDR:PORT" ("[v6]:PORT") as one string: only for the keys that had
 * this form before the endpoint rule, which keep it for their scripts. */
void fsc_jsonw_endpoint_text(struct fsc_jsonw *w, const char *key, const struct fsc_addr *a,
			     uint16_t port);
/* A value already written as JSON by a writer of ours (n bytes). */
void fsc_jsonw_raw(struct fsc_jsonw *w, const char *key, const char *json, size_t n);

#endif
