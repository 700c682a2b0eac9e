/* outbuf.h - fdecode's event output: lines appended to one buffer and
 * written with one fwrite a flush.
 *
 * A line is built field by field: constant keys copied, integers written by
 * a digit loop, addresses by fsc_addr_write, packet strings escaped straight
 * into the buffer by fsc/escape.h. The text is byte for byte what the printf
 * formats named beside each function write; a call costs a few dozen
 * instructions where fprintf cost several hundred.
 *
 *	outbuf_lit(ob, ",\"sport\":");
 *	outbuf_u64(ob, port);
 *	outbuf_end_line(ob);
 *
 * Anything else that writes to the same FILE must outbuf_flush first.
 */
#ifndef FDECODE_OUTBUF_H
#define FDECODE_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fsc/addr.h"

/* Held bytes are written once a line ends past this many. */
#define OUTBUF_FLUSH_AT (64 * 1024)
/* The most one outbuf_room may ask for (the longest escaped field). */
#define OUTBUF_ROOM_MAX (1024 * 1024)

struct outbuf {
	FILE *file;
	char *buf;
	size_t len;	/* bytes held */
	size_t cap;	/* OUTBUF_FLUSH_AT + OUTBUF_ROOM_MAX */
	uint64_t written; /* bytes handed to the FILE so far */
};

/* False when out of memory. */
bool outbuf_init(struct outbuf *ob, FILE *file);
void outbuf_free(struct outbuf *ob);

/* fwrite of everything held (errors show in ferror(file)); the FILE's own
 * buffer is the caller's to fflush. */
void outbuf_flush(struct outbuf *ob);
/* '\n', then a flush when more than OUTBUF_FLUSH_AT bytes are held. */
void outbuf_end_line(struct outbuf *ob);

/* Room for n <= OUTBUF_ROOM_MAX bytes at the end of the buffer (flushing
 * first when needed); write into it, then outbuf_commit what was used. */
char *outbuf_room(struct outbuf *ob, size_t n);
void outbuf_commit(struct outbuf *ob, size_t used);

/* The appenders below are static inline on purpose, like the cursor's
 * getters: a line is dozens of short pieces, and with the length known at
 * compile time the copy is a few moves. The rare full buffer goes out of
 * line. */
void outbuf_mem_slow(struct outbuf *ob, const void *p, size_t n);

static inline void outbuf_mem(struct outbuf *ob, const void *p, size_t n)
{
	if (ob->cap - ob->len < n) {
		outbuf_mem_slow(ob, p, n);
		return;
	}
	memcpy(ob->buf + ob->len, p, n);
	ob->len += n;
}

/* A string literal, its length known at compile time. */
#define outbuf_lit(ob, lit) outbuf_mem((ob), "" lit, sizeof(lit) - 1)

static inline void outbuf_char(struct outbuf *ob, char c)
{
	if (ob->len == ob->cap)
		outbuf_flush(ob);
	ob->buf[ob->len++] = c;
}

/* %s: "(null)" for NULL, as glibc's printf. */
static inline void outbuf_str(struct outbuf *ob, const char *s)
{
	if (!s)
		s = "(null)";
	outbuf_mem(ob, s, strlen(s));
}

void outbuf_u64(struct outbuf *ob, uint64_t v);		/* %u, %zu, PRIu64 */
void outbuf_i64(struct outbuf *ob, int64_t v);		/* %d, PRId64 */
/* %0<width>d, PRId64: at least width characters, the sign among them,
 * zeros after the sign. */
void outbuf_i64_zpad(struct outbuf *ob, int64_t v, unsigned width);
/* %0<digits>x: lower-case hex, at least `digits` digits (1 for %x). */
void outbuf_hex(struct outbuf *ob, uint64_t v, unsigned digits);
/* Two lower-case hex digits a byte. */
void outbuf_hex_bytes(struct outbuf *ob, const uint8_t *p, size_t n);
/* "%.3f" of (double)ns / 1e6: nanoseconds as milliseconds. */
void outbuf_ms(struct outbuf *ob, int64_t ns);

/* fsc_addr_str / fsc_endpoint_str text. */
void outbuf_addr(struct outbuf *ob, const struct fsc_addr *a);
void outbuf_endpoint(struct outbuf *ob, const struct fsc_addr *a, uint16_t port);

/* s[0..n) through fsc_escape_json / fsc_escape_text with an output cap of
 * `cap` bytes (NUL included): the same cut, "...", as escaping into a
 * char[cap] and printing it with %s. */
void outbuf_json_escaped(struct outbuf *ob, const void *s, size_t n, size_t cap);
void outbuf_text_escaped(struct outbuf *ob, const void *s, size_t n, size_t cap);

#endif
