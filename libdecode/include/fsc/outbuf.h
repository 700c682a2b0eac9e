/* outbuf.h - the one output buffer: text appended piece by piece, written
 * with one fwrite a flush. Every program's lines (fdecode's events, JSON
 * lines through fsc/jsonw.h, ula2v4's answers) go through it.
 *
 * A line is built field by field: constant keys copied, integers written by
 * a digit loop, addresses by fsc_addr_write, packet strings escaped straight
 * into the buffer by fsc/escape.h. The text is byte for byte what the printf
 * formats named beside each function write; a call costs a few dozen
 * instructions where fprintf cost several hundred.
 *
 *	fsc_outbuf_lit(ob, "sport ");
 *	fsc_outbuf_u64(ob, port);
 *	fsc_outbuf_end_line(ob);
 *
 * Two kinds of buffer:
 *   - over a FILE (fsc_outbuf_init): the buffer is allocated, held bytes go
 *     to the FILE when a line ends past FSC_OUTBUF_FLUSH_AT, or at every
 *     line end with line_flush (a terminal, a pipe, -l: a reader sees each
 *     line as it happens);
 *   - over a caller's array (fsc_outbuf_init_fixed): the same with a FILE;
 *     without one, the array is the output: what does not fit is dropped
 *     and `cut` set (sticky, as the cursor's `bad`), so a caller that sized
 *     the array for the longest output can check it was.
 *
 * Anything else that writes to the same FILE must fsc_outbuf_flush first.
 */
#ifndef FSC_OUTBUF_H
#define FSC_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fsc/addr.h"

/* Held bytes are written once a line ends past this many. */
#define FSC_OUTBUF_FLUSH_AT (64 * 1024)
/* The most one fsc_outbuf_room may ask for (the longest escaped field). */
#define FSC_OUTBUF_ROOM_MAX (1024 * 1024)

struct fsc_outbuf {
	FILE *file;	/* NULL: the bytes stay in buf (an array's output) */
	char *buf;
	size_t len;	/* bytes held */
	size_t cap;	/* FSC_OUTBUF_FLUSH_AT + FSC_OUTBUF_ROOM_MAX, or the array's */
	uint64_t written; /* bytes handed to the FILE so far */
	bool line_flush; /* every line end: fwrite and fflush */
	bool cut;	/* no FILE: something did not fit */
	bool owned;	/* buf is ours to free */
};

/* False when out of memory. file may be NULL until set. */
bool fsc_outbuf_init(struct fsc_outbuf *ob, FILE *file);
/* Over buf[0..cap), never allocating; file NULL: the array is the output. */
void fsc_outbuf_init_fixed(struct fsc_outbuf *ob, char *buf, size_t cap, FILE *file);
void fsc_outbuf_free(struct fsc_outbuf *ob);

/* fwrite of everything held (errors show in ferror(file)); the FILE's own
 * buffer is the caller's to fflush. Without a FILE nothing moves. */
void fsc_outbuf_flush(struct fsc_outbuf *ob);
/* A line ends: '\n', then a flush when more than FSC_OUTBUF_FLUSH_AT bytes
 * are held, or (line_flush) a flush and an fflush of the FILE. */
void fsc_outbuf_end_line(struct fsc_outbuf *ob);

/* Room for n <= FSC_OUTBUF_ROOM_MAX bytes at the end of the buffer
 * (flushing first when needed); write into it, then fsc_outbuf_commit what
 * was used. NULL (and `cut` set) only without a FILE and without the room. */
char *fsc_outbuf_room(struct fsc_outbuf *ob, size_t n);
void fsc_outbuf_commit(struct fsc_outbuf *ob, size_t used);

/* The appenders below are static inline on purpose, like the cursor's
 * getters: a line is dozens of short pieces, and with the length known at
 * compile time the copy is a few moves. The rare full buffer goes out of
 * line. */
void fsc_outbuf_mem_slow(struct fsc_outbuf *ob, const void *p, size_t n);

static inline void fsc_outbuf_mem(struct fsc_outbuf *ob, const void *p, size_t n)
{
	if (ob->cap - ob->len < n) {
		fsc_outbuf_mem_slow(ob, p, n);
		return;
	}
	memcpy(ob->buf + ob->len, p, n);
	ob->len += n;
}

/* A string literal, its length known at compile time. */
#define fsc_outbuf_lit(ob, lit) fsc_outbuf_mem((ob), "" lit, sizeof(lit) - 1)

static inline void fsc_outbuf_char(struct fsc_outbuf *ob, char c)
{
	if (ob->len == ob->cap)
		fsc_outbuf_mem_slow(ob, &c, 1);
	else
		ob->buf[ob->len++] = c;
}

/* %s: "(null)" for NULL, as glibc's printf. */
static inline void fsc_outbuf_str(struct fsc_outbuf *ob, const char *s)
{
	if (!s)
		s = "(null)";
	fsc_outbuf_mem(ob, s, strlen(s));
}

void fsc_outbuf_u64(struct fsc_outbuf *ob, uint64_t v);		/* %u, %zu, PRIu64 */
void fsc_outbuf_i64(struct fsc_outbuf *ob, int64_t v);		/* %d, PRId64 */
/* %0<width>d, PRId64: at least width characters, the sign among them,
 * zeros after the sign. */
void fsc_outbuf_i64_zpad(struct fsc_outbuf *ob, int64_t v, unsigned width);
/* %0<digits>x: lower-case hex, at least `digits` digits (1 for %x). */
void fsc_outbuf_hex(struct fsc_outbuf *ob, uint64_t v, unsigned digits);
/* Two lower-case hex digits a byte. */
void fsc_outbuf_hex_bytes(struct fsc_outbuf *ob, const uint8_t *p, size_t n);
/* "%.3f" of (double)ns / 1e6: nanoseconds as milliseconds. */
void fsc_outbuf_ms(struct fsc_outbuf *ob, int64_t ns);
/* Seconds since the epoch with all six digits of microseconds,
 * "1795591826.171992": the one timestamp form of every JSON line. */
void fsc_outbuf_epoch_us(struct fsc_outbuf *ob, int64_t ns);

/* fsc_addr_str / fsc_endpoint_str text. */
void fsc_outbuf_addr(struct fsc_outbuf *ob, const struct fsc_addr *a);
void fsc_outbuf_endpoint(struct fsc_outbuf *ob, const struct fsc_addr *a, uint16_t port);

/* s[0..n) through fsc_escape_json / fsc_escape_text with an output cap of
 * `cap` bytes (NUL included): the same cut, "...", as escaping into a
 * char[cap] and printing it with %s. */
void fsc_outbuf_json_escaped(struct fsc_outbuf *ob, const void *s, size_t n, size_t cap);
void fsc_outbuf_text_escaped(struct fsc_outbuf *ob, const void *s, size_t n, size_t cap);

#endif
