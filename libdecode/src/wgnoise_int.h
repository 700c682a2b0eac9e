/* wgnoise_int.h - the handshake steps in terms of DH results, for a passive
 * observer (wgdecrypt.c) that holds some private keys but not the ones an
 * active peer would use. Each DH result can be computed from either side's
 * private key: es = DH(Epriv_i, Spub_r) = DH(Spriv_r, Epub_i), and so on. */
#ifndef FSC_WGNOISE_INT_H
#define FSC_WGNOISE_INT_H

#include <string.h>

#include <openssl/evp.h>

#include "fsc/cursor.h"
#include "fsc/wgnoise.h"

/* OpenSSL's fetched algorithms and contexts, reused for every message:
 * fetching per call is slow (refpair.md §2.2). */
struct fsc_wgnoise {
	EVP_MD *blake2s;
	EVP_MD_CTX *md;
	EVP_MAC *b2mac;
	EVP_MAC_CTX *mac;
	EVP_CIPHER *aead;
	EVP_CIPHER *chacha;
	EVP_CIPHER_CTX *seal, *open, *stream;
	uint8_t c0[32], h0[32]; /* HASH(CONSTRUCTION), HASH(C0 || IDENTIFIER) */
};

static inline void put_le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void put_le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint32_t get_le32(const uint8_t *p)
{
	struct fsc_cursor c = fsc_cur_make(p, 4);
	return fsc_cur_le32(&c);
}

/* The 12-byte AEAD nonce of a message counter: 4 zero bytes, LE64. */
static inline void fsc_wgnoise_int_nonce(uint8_t nonce[12], uint64_t counter)
{
	memset(nonce, 0, 4);
	put_le64(nonce + 4, counter);
}


/* Initiation up to the opened static: C and H from the responder's public
 * key, the message's ephemeral and es. No mac check. Writes hs (chain, hash,
 * remote_eph = Epub_i, remote_static = Spub_i, remote_index = sender) only
 * on FSC_OK. */
enum fsc_status fsc_wgnoise_int_initiation_static(
	struct fsc_wgnoise *nz, const uint8_t responder_pub[32],
	const uint8_t *msg, size_t len, const uint8_t es[32],
	struct fsc_wgnoise_handshake *hs, const char **why);

/* Opens the timestamp with ss = DH(Spriv_i, Spub_r) into hs->timestamp,
 * without any replay rule; state becomes INITIATION_ACCEPTED. */
enum fsc_status fsc_wgnoise_int_initiation_timestamp(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const uint8_t ss[32], const char **why);

/* Opens a response against hs (after the initiation), given
 * ee = DH(Epriv_i, Epub_r) and se = DH(Spriv_i, Epub_r) = DH(Epriv_r,
 * Spub_i). No mac or index check. On FSC_OK hs->remote_index is left as
 * it was and the response's sender index is in *sender. */
enum fsc_status fsc_wgnoise_int_response_open(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const uint8_t ee[32],
	const uint8_t se[32], const uint8_t psk[32], uint32_t *sender,
	const char **why);

/* The transport keys after a response: t[0] initiator -> responder,
 * t[1] responder -> initiator. */
bool fsc_wgnoise_int_transport_keys(struct fsc_wgnoise *nz,
				    const struct fsc_wgnoise_handshake *hs,
				    uint8_t t[2][32]);

/* Opens a transport body (msg[16..len)) with key and counter, no replay
 * rule. */
bool fsc_wgnoise_int_transport_decrypt(struct fsc_wgnoise *nz,
				       const uint8_t key[32], uint64_t counter,
				       const uint8_t *body, size_t body_len,
				       uint8_t *out);

#endif
