/* vectors.h - helpers shared by the unit tests. */
#ifndef FSC_TEST_VECTORS_H
#define FSC_TEST_VECTORS_H

#include <stddef.h>
#include <stdint.h>

/* Decodes hex digits into out, skipping spaces, newlines and anything after a
 * '#' up to the end of that line, so vectors can be annotated field by field.
 * Aborts the test on an odd digit count or overflow. Returns the byte count. */
size_t vec_hex(const char *hex, uint8_t *out, size_t max);

/*
 * Copies len bytes so that the last one sits just before a PROT_NONE page:
 * any read past the end faults at once. vec_guard_free releases it.
 */
uint8_t *vec_guard(const uint8_t *p, size_t len);
void vec_guard_free(uint8_t *g, size_t len);

/* An IPv4 header (20 bytes, TTL 64, no options) for a packet of len bytes
 * of protocol proto from src to dst, the rest of b[0..len) zeroed. */
void vec_ip4(uint8_t *b, size_t len, uint8_t proto, const uint8_t src[4], const uint8_t dst[4]);

/* protocols.md §9.4: a 144-byte ClientHello record with SNI example.ts.net,
 * ALPN h2 and http/1.1 (the stream and correlation tests' hello). */
extern const char vec_client_hello_hex[];

#endif
