/* fuzz_chunks.h - chunk boundaries derived from the fuzz input itself, so a
 * corpus file is plain protocol bytes and every input also tests one
 * arbitrary split (shared by the fuzz targets; not part of the library). */
#ifndef FSC_FUZZ_CHUNKS_H
#define FSC_FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

struct chunker {
	uint64_t s;
};

/* Seeds from an FNV-1a hash of the whole input. */
static inline struct chunker chunker_make(const uint8_t *p, size_t n)
{
	struct chunker c = { 0xcbf29ce484222325ull };

	for (size_t i = 0; i < n; i++)
		c.s = (c.s ^ p[i]) * 0x100000001b3ull;
	c.s |= 1;
	return c;
}

/* Next chunk length in 1..max (xorshift64). */
static inline size_t chunker_next(struct chunker *c, size_t max)
{
	c->s ^= c->s << 13;
	c->s ^= c->s >> 7;
	c->s ^= c->s << 17;
	return 1 + (size_t)(c->s % (max ? max : 1));
}

#endif
