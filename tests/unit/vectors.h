/* vectors.h - helpers shared by the unit tests. */
#ifndef FSC_TEST_VECTORS_H
#define FSC_TEST_VECTORS_H

#include <stdbool.h>
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

/* RFC 8448 §3, a simple 1-RTT TLS 1.3 handshake (TLS_AES_128_GCM_SHA256):
 * its client random and traffic secrets, its ClientHello and ServerHello
 * records, its client Finished record (under the client handshake key,
 * sequence 0) and that Finished message in plaintext. */
#define VEC_RFC8448_RANDOM "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define VEC_RFC8448_C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define VEC_RFC8448_S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define VEC_RFC8448_C_AP "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
#define VEC_RFC8448_S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"
extern const char vec_rfc8448_client_hello[];
extern const char vec_rfc8448_server_hello[];
extern const char vec_rfc8448_client_finished[];
extern const char vec_rfc8448_client_finished_plain[];

/* Its key log (the handshake secrets too when asked) into buf. */
void vec_rfc8448_keylog(char *buf, size_t cap, bool handshake);

/* A TLS 1.3 record of type 23 (application data) sealed with AES-128-GCM
 * under a traffic secret (hex) and sequence number, as a peer writes it:
 * header, ciphertext of text and its content type, tag. Its length. */
size_t vec_tls13_seal(const char *secret_hex, uint64_t seq, const char *text, uint8_t *rec,
		      size_t cap);
/* The same from a secret's 32 bytes, any content type and bytes. */
size_t vec_tls13_seal_bytes(const uint8_t secret[32], uint64_t seq, uint8_t type,
			    const void *data, size_t n, uint8_t *rec, size_t cap);

#endif
