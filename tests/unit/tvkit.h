/* tvkit.h - loading the tunnel vectors (tunnel_vectors.h) and deriving
 * malformed or near-miss variants from them, for the decoder tests. Include
 * after cmocka.h. */
#ifndef FSC_TEST_TVKIT_H
#define FSC_TEST_TVKIT_H

#include <stdint.h>
#include <string.h>

#include "fsc/status.h"
#include "tunnel_vectors.h"
#include "vectors.h"

#define TV_MAXV 2048

/* The bytes of the named vector into buf (TV_MAXV); fails the test if the
 * vector is missing or its text and length disagree. */
static inline size_t tv_load(const char *name, uint8_t *buf)
{
	const struct tun_vec *v = tv_find(name);
	size_t n;

	assert_non_null(v);
	n = vec_hex(v->hex, buf, TV_MAXV);
	assert_int_equal(n, v->len);
	return n;
}

/* A vector cut or zero-extended to len (-1: unchanged) with up to two bytes
 * replaced (offset -1: none), and what the decoder must say of it. */
struct tv_variant {
	const char *what;
	const char *base;
	long len;
	int off1;
	uint8_t val1;
	int off2;
	uint8_t val2;
	enum fsc_status want;
	const char *why;	/* NULL: the decoder gives no reason */
};

/* The variant's bytes into buf (TV_MAXV); returns their length. */
static inline size_t tv_variant_bytes(const struct tv_variant *v, uint8_t *b)
{
	size_t n = tv_load(v->base, b);

	if (v->len >= 0) {
		if ((size_t)v->len > n)
			memset(b + n, 0, (size_t)v->len - n);
		n = (size_t)v->len;
	}
	if (v->off1 >= 0)
		b[v->off1] = v->val1;
	if (v->off2 >= 0)
		b[v->off2] = v->val2;
	return n;
}

/* The reason given against the one wanted (NULL: none). */
static inline void tv_check_why(const char *got, const char *want)
{
	if (want)
		assert_string_equal(got, want);
	else
		assert_null(got);
}

#endif
