/* cursor.h - a bounds-checked reader over a byte range. */
#ifndef FSC_CURSOR_H
#define FSC_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Every decoder reads packet bytes through a cursor. A read past the end
 * returns zero (or NULL) and sets the sticky `bad` flag, so a decoder may read
 * a whole header and check `bad` once. Getters name their byte order. A child
 * cursor (fsc_cur_sub) bounds a length-prefixed field inside its parent.
 *
 * The getters are static inline on purpose: they sit on the per-packet path
 * and a call per byte would cost more than the read.
 */
struct fsc_cursor {
	const uint8_t *p;
	const uint8_t *end;
	bool bad;
};

static inline struct fsc_cursor fsc_cur_make(const uint8_t *p, size_t len)
{
	struct fsc_cursor c = { p, p + len, false };
	return c;
}

static inline size_t fsc_cur_left(const struct fsc_cursor *c)
{
	return (size_t)(c->end - c->p);
}

/* True when n more bytes can be read; otherwise marks the cursor bad. */
static inline bool fsc_cur_need(struct fsc_cursor *c, size_t n)
{
	if (c->bad || fsc_cur_left(c) < n) {
		c->bad = true;
		return false;
	}
	return true;
}

/* A pointer to the next n bytes, advancing past them; NULL if short. */
static inline const uint8_t *fsc_cur_take(struct fsc_cursor *c, size_t n)
{
	const uint8_t *q;

	if (!fsc_cur_need(c, n))
		return NULL;
	q = c->p;
	c->p += n;
	return q;
}

static inline bool fsc_cur_skip(struct fsc_cursor *c, size_t n)
{
	return fsc_cur_take(c, n) != NULL;
}

/* A child cursor over the next n bytes; the parent moves past them. A short
 * parent gives a child that is already bad and empty. */
static inline struct fsc_cursor fsc_cur_sub(struct fsc_cursor *c, size_t n)
{
	const uint8_t *q = fsc_cur_take(c, n);
	struct fsc_cursor s = { q, q ? q + n : NULL, q == NULL };
	return s;
}

/* Reads a byte at offset off without moving; 0 and bad if out of range. */
static inline uint8_t fsc_cur_peek(struct fsc_cursor *c, size_t off)
{
	if (c->bad || fsc_cur_left(c) <= off) {
		c->bad = true;
		return 0;
	}
	return c->p[off];
}

/* A set of byte values as a 256-bit map, for scanning runs of a class
 * (header names, values) without a call per byte. */
struct fsc_byteset {
	uint64_t w[4];
};

static inline bool fsc_byteset_has(const struct fsc_byteset *s, uint8_t b)
{
	return (s->w[b >> 6] >> (b & 63)) & 1;
}

/* Length of the run of bytes in s at the cursor, not moving (strspn within
 * the cursor's bounds); 0 on a bad cursor. */
static inline size_t fsc_cur_spn(const struct fsc_cursor *c, const struct fsc_byteset *s)
{
	const uint8_t *q = c->p;

	if (c->bad)
		return 0;
	while (q < c->end && fsc_byteset_has(s, *q))
		q++;
	return (size_t)(q - c->p);
}

static inline uint8_t fsc_cur_u8(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 1);
	return q ? q[0] : 0;
}

static inline uint16_t fsc_cur_be16(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 2);
	return q ? (uint16_t)(q[0] << 8 | q[1]) : 0;
}

static inline uint32_t fsc_cur_be24(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 3);
	return q ? (uint32_t)q[0] << 16 | (uint32_t)q[1] << 8 | q[2] : 0;
}

static inline uint32_t fsc_cur_be32(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 4);
	return q ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 |
		   (uint32_t)q[2] << 8 | q[3] : 0;
}

static inline uint64_t fsc_cur_be64(struct fsc_cursor *c)
{
	uint64_t hi = fsc_cur_be32(c);
	return hi << 32 | fsc_cur_be32(c);
}

static inline uint16_t fsc_cur_le16(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 2);
	return q ? (uint16_t)(q[1] << 8 | q[0]) : 0;
}

static inline uint32_t fsc_cur_le32(struct fsc_cursor *c)
{
	const uint8_t *q = fsc_cur_take(c, 4);
	return q ? (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 |
		   (uint32_t)q[1] << 8 | q[0] : 0;
}

static inline uint64_t fsc_cur_le64(struct fsc_cursor *c)
{
	uint64_t lo = fsc_cur_le32(c);
	return (uint64_t)fsc_cur_le32(c) << 32 | lo;
}

#endif
