/* outbuf.c - appending text to one buffer, one fwrite a flush. */
#include "fsc/outbuf.h"

#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"

bool fsc_outbuf_init(struct fsc_outbuf *ob, FILE *file)
{
	*ob = (struct fsc_outbuf){ .file = file, .cap = FSC_OUTBUF_FLUSH_AT + FSC_OUTBUF_ROOM_MAX,
				   .owned = true };
	ob->buf = malloc(ob->cap);
	return ob->buf != NULL;
}

void fsc_outbuf_init_fixed(struct fsc_outbuf *ob, char *buf, size_t cap, FILE *file)
{
	*ob = (struct fsc_outbuf){ .file = file, .buf = buf, .cap = cap };
}

void fsc_outbuf_free(struct fsc_outbuf *ob)
{
	if (ob->owned)
		free(ob->buf);
	ob->buf = NULL;
	ob->len = ob->cap = 0;
}

void fsc_outbuf_flush(struct fsc_outbuf *ob)
{
	if (!ob->file)
		return; /* an array that is the output itself */
	if (ob->len)
		fwrite(ob->buf, 1, ob->len, ob->file);
	ob->written += ob->len;
	ob->len = 0;
}

void fsc_outbuf_end_line(struct fsc_outbuf *ob)
{
	fsc_outbuf_char(ob, '\n');
	if (ob->line_flush) {
		fsc_outbuf_flush(ob);
		if (ob->file)
			fflush(ob->file);
	} else if (ob->len > FSC_OUTBUF_FLUSH_AT) {
		fsc_outbuf_flush(ob);
	}
}

char *fsc_outbuf_room(struct fsc_outbuf *ob, size_t n)
{
	if (ob->cap - ob->len < n)
		fsc_outbuf_flush(ob);
	if (ob->cap - ob->len < n) { /* an array with no FILE, or n too big */
		ob->cut = true;
		return NULL;
	}
	return ob->buf + ob->len;
}

void fsc_outbuf_commit(struct fsc_outbuf *ob, size_t used)
{
	ob->len += used;
}

void fsc_outbuf_mem_slow(struct fsc_outbuf *ob, const void *p, size_t n)
{
	fsc_outbuf_flush(ob);
	if (ob->cap - ob->len >= n) {
		memcpy(ob->buf + ob->len, p, n);
		ob->len += n;
	} else if (ob->file) {
		/* Longer than the buffer only for a caller's own huge text:
		 * let it through directly. */
		fwrite(p, 1, n, ob->file);
		ob->written += n;
	} else {
		/* An array with no FILE behind it: keep what fits. */
		size_t fits = ob->cap - ob->len;
		memcpy(ob->buf + ob->len, p, fits);
		ob->len += fits;
		ob->cut = true;
	}
}

/* Decimal digits of v, written backwards from end, two at a time; returns
 * the start. */
static char *digits_before(char *end, uint64_t v)
{
	static const char pairs[] =
		"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
		"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
		"8081828384858687888990919293949596979899";

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);
		v /= 100;
		end -= 2;
		end[0] = pairs[2 * r];
		end[1] = pairs[2 * r + 1];
	}
	if (v >= 10) {
		end -= 2;
		end[0] = pairs[2 * v];
		end[1] = pairs[2 * v + 1];
	} else {
		*--end = (char)('0' + v);
	}
	return end;
}

void fsc_outbuf_u64(struct fsc_outbuf *ob, uint64_t v)
{
	char tmp[20];
	char *p = digits_before(tmp + sizeof(tmp), v);

	fsc_outbuf_mem(ob, p, (size_t)(tmp + sizeof(tmp) - p));
}

/* The magnitude of v, also for INT64_MIN. */
static uint64_t magnitude(int64_t v)
{
	return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

void fsc_outbuf_i64(struct fsc_outbuf *ob, int64_t v)
{
	if (v < 0)
		fsc_outbuf_char(ob, '-');
	fsc_outbuf_u64(ob, magnitude(v));
}

void fsc_outbuf_i64_zpad(struct fsc_outbuf *ob, int64_t v, unsigned width)
{
	char tmp[24];
	char *end = tmp + sizeof(tmp);
	char *p = digits_before(end, magnitude(v));
	unsigned min_digits = v < 0 ? (width > 1 ? width - 1 : 0) : width;

	if (min_digits > 20)
		min_digits = 20;
	while ((size_t)(end - p) < min_digits)
		*--p = '0';
	if (v < 0)
		*--p = '-';
	fsc_outbuf_mem(ob, p, (size_t)(end - p));
}

static const char hex_digits[] = "0123456789abcdef";

void fsc_outbuf_hex(struct fsc_outbuf *ob, uint64_t v, unsigned digits)
{
	char tmp[16];
	char *end = tmp + sizeof(tmp), *p = end;

	if (digits > 16)
		digits = 16;
	do {
		*--p = hex_digits[v & 15];
		v >>= 4;
	} while (v);
	while ((unsigned)(end - p) < digits)
		*--p = '0';
	fsc_outbuf_mem(ob, p, (size_t)(end - p));
}

void fsc_outbuf_hex_bytes(struct fsc_outbuf *ob, const uint8_t *p, size_t n)
{
	char *o = fsc_outbuf_room(ob, 2 * n);

	if (!o)
		return;
	for (size_t i = 0; i < n; i++) {
		o[2 * i] = hex_digits[p[i] >> 4];
		o[2 * i + 1] = hex_digits[p[i] & 15];
	}
	ob->len += 2 * n;
}

void fsc_outbuf_ms(struct fsc_outbuf *ob, int64_t ns)
{
	/* Integer rounding gives printf's digits wherever the double cannot
	 * lie across a rounding edge: below 2^50 ns, (double)ns / 1e6 is
	 * within 2^-3 ns of the exact value, and the nearest edge is 1 ns
	 * away or more unless ns % 1000 == 500 (a decimal tie, which the
	 * double's own error decides). Ties, negative and huge values go
	 * through snprintf itself. */
	if (ns >= 0 && ns < ((int64_t)1 << 50) && ns % 1000 != 500) {
		uint64_t us = ((uint64_t)ns + 500) / 1000;
		fsc_outbuf_u64(ob, us / 1000);
		char frac[4] = { '.', (char)('0' + us / 100 % 10), (char)('0' + us / 10 % 10),
				 (char)('0' + us % 10) };
		fsc_outbuf_mem(ob, frac, sizeof(frac));
		return;
	}
	char tmp[64];
	int n = snprintf(tmp, sizeof(tmp), "%.3f", (double)ns / 1e6);
	if (n > 0)
		fsc_outbuf_mem(ob, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void fsc_outbuf_epoch_us(struct fsc_outbuf *ob, int64_t ns)
{
	fsc_outbuf_i64(ob, ns / 1000000000);
	fsc_outbuf_char(ob, '.');
	fsc_outbuf_i64_zpad(ob, ns % 1000000000 / 1000, 6);
}

void fsc_outbuf_addr(struct fsc_outbuf *ob, const struct fsc_addr *a)
{
	char *p = fsc_outbuf_room(ob, FSC_ADDR_STRLEN);

	if (p)
		ob->len += fsc_addr_write(a, p);
}

void fsc_outbuf_endpoint(struct fsc_outbuf *ob, const struct fsc_addr *a, uint16_t port)
{
	char *p = fsc_outbuf_room(ob, FSC_ENDPOINT_STRLEN);

	if (p)
		ob->len += fsc_endpoint_write(a, port, p);
}

/* The room an escaper needs for n bytes under cap: its never-cutting
 * bound when that is smaller (the output is then the same), else cap. */
static size_t escape_room(size_t n, size_t grow, size_t cap)
{
	if (n < (cap - 5) / grow)
		return grow * n + 5;
	return cap;
}

void fsc_outbuf_json_escaped(struct fsc_outbuf *ob, const void *s, size_t n, size_t cap)
{
	size_t room = escape_room(n, 6, cap);
	char *p = fsc_outbuf_room(ob, room);

	if (p)
		ob->len += fsc_escape_json(s, n, p, room);
}

void fsc_outbuf_text_escaped(struct fsc_outbuf *ob, const void *s, size_t n, size_t cap)
{
	size_t room = escape_room(n, 4, cap);
	char *p = fsc_outbuf_room(ob, room);

	if (p)
		ob->len += fsc_escape_text(s, n, p, room);
}
