/* wgnoise.c - WireGuard's Noise_IKpsk2 handshake, cookies and transport
 * over OpenSSL 3 (protocols.md §1, refpair.md §2; wireguard-go
 * device/noise-protocol.go, cookie.go, replay/replay.go).
 *
 *   Initiation (148)              Response (92)          Cookie reply (64)
 *   0  type=1 | reserved          0  type=2 | reserved   0  type=3 | reserved
 *   4  sender index (LE)          4  sender (LE)         4  receiver (LE)
 *   8  ephemeral (32)             8  receiver (LE)       8  nonce (24)
 *   40 static (32+16)             12 ephemeral (32)      32 cookie (16+16)
 *   88 timestamp (12+16)          44 empty (0+16)
 *   116 mac1 (16)  132 mac2 (16)  60 mac1  76 mac2       Transport: 0 type=4,
 *                                                        4 receiver, 8 counter
 *                                                        (LE64), 16 data+tag
 */
#include "fsc/wgnoise.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fsc/cursor.h"
#include "wgnoise_int.h"

#define LABEL_MAC1 "mac1----"
#define LABEL_COOKIE "cookie--"

/* Offsets (see the diagram above). */
#define INIT_EPH 8
#define INIT_STATIC 40
#define INIT_STATIC_LEN (32 + 16)
#define INIT_TS 88
#define INIT_TS_LEN (12 + 16)
#define INIT_MAC1 116
#define INIT_MAC2 132
#define RESP_EPH 12
#define RESP_EMPTY 44
#define RESP_MAC1 60
#define RESP_MAC2 76
#define COOKIE_NONCE 8
#define COOKIE_ENC 32

enum fsc_status fsc_wgnoise_identity_set(struct fsc_wgnoise *nz,
					 struct fsc_wgnoise_identity *id,
					 const uint8_t priv[32],
					 const char **why)
{
	struct fsc_wgnoise_identity t;

	memcpy(t.priv, priv, 32);
	fsc_wgnoise_clamp(t.priv);
	if (!fsc_wgnoise_pubkey(nz, t.pub, t.priv) ||
	    !fsc_wgnoise_hash(nz, t.mac1_key, (const uint8_t *)LABEL_MAC1, 8,
			      t.pub, 32) ||
	    !fsc_wgnoise_hash(nz, t.cookie_key, (const uint8_t *)LABEL_COOKIE,
			      8, t.pub, 32)) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "private key refused");
	}
	*id = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_peer_set(struct fsc_wgnoise *nz,
				     struct fsc_wgnoise_peer *peer,
				     const struct fsc_wgnoise_identity *local,
				     const uint8_t pub[32], const uint8_t *psk,
				     const char **why)
{
	struct fsc_wgnoise_peer t;

	memset(&t, 0, sizeof(t));
	memcpy(t.pub, pub, 32);
	if (psk)
		memcpy(t.psk, psk, 32);
	if (!fsc_wgnoise_dh(nz, t.ss, local->priv, pub)) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "static key agreement is zero");
	}
	if (!fsc_wgnoise_hash(nz, t.mac1_key, (const uint8_t *)LABEL_MAC1, 8,
			      pub, 32) ||
	    !fsc_wgnoise_hash(nz, t.cookie_key, (const uint8_t *)LABEL_COOKIE,
			      8, pub, 32)) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "hash failed");
	}
	*peer = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

/* ---- Message framing ---------------------------------------------------- */

/* Type, reserved bytes and exact length of a handshake-class message. */
static enum fsc_status check_frame(const uint8_t *msg, size_t len,
				   uint8_t type, size_t want, const char **why)
{
	struct fsc_cursor c = fsc_cur_make(msg, len);
	uint8_t t = fsc_cur_u8(&c);
	uint32_t reserved = fsc_cur_be24(&c);

	if (c.bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, "shorter than a message header");
	if (t != type)
		return fsc_status_verdict(why, FSC_NOT_THIS, "other message type");
	if (reserved != 0)
		return fsc_status_verdict(why, FSC_NOT_THIS, "reserved bytes set");
	if (len < want)
		return fsc_status_verdict(why, FSC_TRUNCATED, "shorter than the message");
	if (len > want)
		return fsc_status_verdict(why, FSC_MALFORMED, "longer than the message");
	return FSC_OK;
}

/* Where mac1 sits in an initiation or response; 0 for anything else. */
static size_t mac1_offset(const uint8_t *msg, size_t len)
{
	if (len == FSC_WG_INITIATION_LEN && msg[0] == FSC_WG_INITIATION)
		return INIT_MAC1;
	if (len == FSC_WG_RESPONSE_LEN && msg[0] == FSC_WG_RESPONSE)
		return RESP_MAC1;
	return 0;
}

static bool mac1_ok(struct fsc_wgnoise *nz, const uint8_t key[32],
		    const uint8_t *msg, size_t off)
{
	uint8_t m[16];

	return fsc_wgnoise_mac(nz, m, 16, key, 32, msg, off) &&
	       CRYPTO_memcmp(m, msg + off, 16) == 0;
}

/* mac1 with the receiver's key, then mac2 from a fresh cookie or zeros. */
static bool add_macs(struct fsc_wgnoise *nz, struct fsc_wgnoise_peer *peer,
		     uint8_t *msg, size_t mac1_off, uint64_t now_ns)
{
	size_t mac2_off = mac1_off + 16;

	if (!fsc_wgnoise_mac(nz, msg + mac1_off, 16, peer->mac1_key, 32, msg,
			     mac1_off))
		return false;
	memcpy(peer->last_mac1, msg + mac1_off, 16);
	peer->have_last_mac1 = true;
	if (peer->have_cookie && now_ns >= peer->cookie_ns &&
	    now_ns - peer->cookie_ns < FSC_WGNOISE_COOKIE_REFRESH_NS)
		return fsc_wgnoise_mac(nz, msg + mac2_off, 16, peer->cookie, 16,
				       msg, mac2_off);
	memset(msg + mac2_off, 0, 16);
	return true;
}

/* C = KDF1(C, x); H = HASH(H || x): mixing a public ephemeral. */
static bool mix_ephemeral(struct fsc_wgnoise *nz, uint8_t chain[32],
			  uint8_t hash[32], const uint8_t eph[32])
{
	uint8_t t[1][32];
	bool ok = fsc_wgnoise_kdf(nz, 1, t, chain, 32, eph, 32) &&
		  fsc_wgnoise_hash(nz, hash, hash, 32, eph, 32);

	memcpy(chain, t[0], 32);
	return ok;
}

/* (C, k) = KDF2(C, dh). */
static bool mix_dh(struct fsc_wgnoise *nz, uint8_t chain[32], uint8_t key[32],
		   const uint8_t dh[32])
{
	uint8_t t[2][32];
	bool ok = fsc_wgnoise_kdf(nz, 2, t, chain, 32, dh, 32);

	memcpy(chain, t[0], 32);
	memcpy(key, t[1], 32);
	OPENSSL_cleanse(t, sizeof(t));
	return ok;
}

static const uint8_t zero_nonce[12];

/* ---- Initiation ---------------------------------------------------------- */

enum fsc_status fsc_wgnoise_initiation_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t eph_priv[32], uint32_t sender_index,
	const uint8_t timestamp[12], uint64_t now_ns,
	uint8_t out[FSC_WG_INITIATION_LEN], const char **why)
{
	struct fsc_wgnoise_handshake t;
	uint8_t key[32], dh[32];
	bool ok;

	memset(&t, 0, sizeof(t));
	memcpy(t.local_eph_priv, eph_priv, 32);
	fsc_wgnoise_clamp(t.local_eph_priv);
	memcpy(t.chain, nz->c0, 32);
	memset(out, 0, FSC_WG_INITIATION_LEN);
	out[0] = FSC_WG_INITIATION;
	put_le32(out + 4, sender_index);
	ok = fsc_wgnoise_hash(nz, t.hash, nz->h0, 32, peer->pub, 32) &&
	     fsc_wgnoise_pubkey(nz, t.local_eph_pub, t.local_eph_priv);
	memcpy(out + INIT_EPH, t.local_eph_pub, 32);
	ok = ok && mix_ephemeral(nz, t.chain, t.hash, t.local_eph_pub);
	if (ok && !fsc_wgnoise_dh(nz, dh, t.local_eph_priv, peer->pub)) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "ephemeral key agreement is zero");
	}
	ok = ok && mix_dh(nz, t.chain, key, dh) &&
	     fsc_wgnoise_aead_seal(nz, out + INIT_STATIC, key, zero_nonce,
				   local->pub, 32, t.hash, 32) &&
	     fsc_wgnoise_hash(nz, t.hash, t.hash, 32, out + INIT_STATIC,
			      INIT_STATIC_LEN) &&
	     mix_dh(nz, t.chain, key, peer->ss) &&
	     fsc_wgnoise_aead_seal(nz, out + INIT_TS, key, zero_nonce,
				   timestamp, 12, t.hash, 32) &&
	     fsc_wgnoise_hash(nz, t.hash, t.hash, 32, out + INIT_TS,
			      INIT_TS_LEN) &&
	     add_macs(nz, peer, out, INIT_MAC1, now_ns);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(dh, sizeof(dh));
	if (!ok) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	}
	memcpy(t.remote_static, peer->pub, 32);
	memcpy(t.timestamp, timestamp, 12);
	t.local_index = sender_index;
	t.state = FSC_WGNOISE_HS_INITIATION_CREATED;
	*hs = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_int_initiation_static(
	struct fsc_wgnoise *nz, const uint8_t responder_pub[32],
	const uint8_t *msg, size_t len, const uint8_t es[32],
	struct fsc_wgnoise_handshake *hs, const char **why)
{
	struct fsc_wgnoise_handshake t;
	uint8_t key[32];
	enum fsc_status st;
	bool ok;

	st = check_frame(msg, len, FSC_WG_INITIATION, FSC_WG_INITIATION_LEN,
			 why);
	if (st != FSC_OK)
		return st;
	memset(&t, 0, sizeof(t));
	memcpy(t.chain, nz->c0, 32);
	memcpy(t.remote_eph, msg + INIT_EPH, 32);
	ok = fsc_wgnoise_hash(nz, t.hash, nz->h0, 32, responder_pub, 32) &&
	     mix_ephemeral(nz, t.chain, t.hash, t.remote_eph) &&
	     mix_dh(nz, t.chain, key, es);
	if (ok && !fsc_wgnoise_aead_open(nz, t.remote_static, key, zero_nonce,
					 msg + INIT_STATIC, INIT_STATIC_LEN,
					 t.hash, 32)) {
		OPENSSL_cleanse(&t, sizeof(t));
		OPENSSL_cleanse(key, sizeof(key));
		return fsc_status_verdict(why, FSC_MALFORMED, "static does not authenticate");
	}
	OPENSSL_cleanse(key, sizeof(key));
	ok = ok && fsc_wgnoise_hash(nz, t.hash, t.hash, 32, msg + INIT_STATIC,
				    INIT_STATIC_LEN);
	if (!ok) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	}
	t.remote_index = get_le32(msg + 4);
	t.state = FSC_WGNOISE_HS_INITIATION_CONSUMED;
	*hs = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_int_initiation_timestamp(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const uint8_t ss[32], const char **why)
{
	uint8_t chain[32], hash[32], key[32], ts[12];
	enum fsc_status st;

	st = check_frame(msg, len, FSC_WG_INITIATION, FSC_WG_INITIATION_LEN,
			 why);
	if (st != FSC_OK)
		return st;
	if (hs->state != FSC_WGNOISE_HS_INITIATION_CONSUMED)
		return fsc_status_verdict(why, FSC_MALFORMED, "handshake not at the timestamp");
	memcpy(chain, hs->chain, 32);
	st = FSC_OK;
	if (!mix_dh(nz, chain, key, ss))
		st = fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	else if (!fsc_wgnoise_aead_open(nz, ts, key, zero_nonce, msg + INIT_TS,
					INIT_TS_LEN, hs->hash, 32))
		st = fsc_status_verdict(why, FSC_MALFORMED, "timestamp does not authenticate");
	else if (!fsc_wgnoise_hash(nz, hash, hs->hash, 32, msg + INIT_TS,
				   INIT_TS_LEN))
		st = fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	OPENSSL_cleanse(key, sizeof(key));
	if (st == FSC_OK) {
		memcpy(hs->chain, chain, 32);
		memcpy(hs->hash, hash, 32);
		memcpy(hs->timestamp, ts, 12);
		hs->state = FSC_WGNOISE_HS_INITIATION_ACCEPTED;
		(void)fsc_status_verdict(why, FSC_OK, NULL);
	}
	OPENSSL_cleanse(chain, sizeof(chain));
	return st;
}

enum fsc_status fsc_wgnoise_initiation_consume(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	const uint8_t *msg, size_t len, struct fsc_wgnoise_handshake *hs,
	uint8_t initiator_pub[32], const char **why)
{
	uint8_t es[32];
	enum fsc_status st;

	st = check_frame(msg, len, FSC_WG_INITIATION, FSC_WG_INITIATION_LEN,
			 why);
	if (st != FSC_OK)
		return st;
	if (!mac1_ok(nz, local->mac1_key, msg, INIT_MAC1))
		return fsc_status_verdict(why, FSC_MALFORMED, "mac1 does not match");
	if (!fsc_wgnoise_dh(nz, es, local->priv, msg + INIT_EPH))
		return fsc_status_verdict(why, FSC_MALFORMED, "ephemeral key agreement is zero");
	st = fsc_wgnoise_int_initiation_static(nz, local->pub, msg, len, es, hs,
					       why);
	OPENSSL_cleanse(es, sizeof(es));
	if (st == FSC_OK)
		memcpy(initiator_pub, hs->remote_static, 32);
	return st;
}

enum fsc_status fsc_wgnoise_initiation_accept(struct fsc_wgnoise *nz,
					      struct fsc_wgnoise_peer *peer,
					      struct fsc_wgnoise_handshake *hs,
					      const uint8_t *msg, size_t len,
					      const char **why)
{
	struct fsc_wgnoise_handshake t = *hs;
	enum fsc_status st;

	if (CRYPTO_memcmp(peer->pub, hs->remote_static, 32) != 0)
		return fsc_status_verdict(why, FSC_MALFORMED, "peer is not the initiator");
	st = fsc_wgnoise_int_initiation_timestamp(nz, &t, msg, len, peer->ss,
						  why);
	if (st == FSC_OK &&
	    fsc_wgnoise_tai64n_cmp(t.timestamp, peer->last_timestamp) <= 0)
		st = fsc_status_verdict(why, FSC_MALFORMED, "timestamp not newer");
	if (st == FSC_OK) {
		memcpy(peer->last_timestamp, t.timestamp, 12);
		*hs = t;
	}
	OPENSSL_cleanse(&t, sizeof(t));
	return st;
}

/* ---- Response -------------------------------------------------------------- */

/* From the response's ephemeral on: C, H, and `empty`, sealed into sealed
 * or (sealed NULL) opened from opened. */
static bool response_core(struct fsc_wgnoise *nz, uint8_t chain[32],
			  uint8_t hash[32], const uint8_t eph_r[32],
			  const uint8_t ee[32], const uint8_t se[32],
			  const uint8_t psk[32], uint8_t *sealed,
			  const uint8_t *opened)
{
	uint8_t t[3][32], c1[1][32];
	bool ok;

	ok = mix_ephemeral(nz, chain, hash, eph_r) &&
	     fsc_wgnoise_kdf(nz, 1, c1, chain, 32, ee, 32);
	if (ok)
		memcpy(chain, c1[0], 32);
	ok = ok && fsc_wgnoise_kdf(nz, 1, c1, chain, 32, se, 32);
	if (ok)
		memcpy(chain, c1[0], 32);
	ok = ok && fsc_wgnoise_kdf(nz, 3, t, chain, 32, psk, 32);
	if (ok) {
		memcpy(chain, t[0], 32);
		ok = fsc_wgnoise_hash(nz, hash, hash, 32, t[1], 32);
	}
	if (ok)
		ok = sealed ? fsc_wgnoise_aead_seal(nz, sealed, t[2], zero_nonce,
						    NULL, 0, hash, 32)
			    : fsc_wgnoise_aead_open(nz, NULL, t[2], zero_nonce,
						    opened, 16, hash, 32);
	ok = ok && fsc_wgnoise_hash(nz, hash, hash, 32, sealed ? sealed : opened,
				    16);
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(c1, sizeof(c1));
	return ok;
}

enum fsc_status fsc_wgnoise_response_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t eph_priv[32], uint32_t sender_index, uint64_t now_ns,
	uint8_t out[FSC_WG_RESPONSE_LEN], const char **why)
{
	struct fsc_wgnoise_handshake t;
	uint8_t ee[32], se[32];
	bool ok;

	(void)local;
	if (hs->state != FSC_WGNOISE_HS_INITIATION_ACCEPTED)
		return fsc_status_verdict(why, FSC_MALFORMED, "no accepted initiation");
	t = *hs;
	memcpy(t.local_eph_priv, eph_priv, 32);
	fsc_wgnoise_clamp(t.local_eph_priv);
	memset(out, 0, FSC_WG_RESPONSE_LEN);
	out[0] = FSC_WG_RESPONSE;
	put_le32(out + 4, sender_index);
	put_le32(out + 8, t.remote_index);
	ok = fsc_wgnoise_pubkey(nz, t.local_eph_pub, t.local_eph_priv);
	memcpy(out + RESP_EPH, t.local_eph_pub, 32);
	if (ok && (!fsc_wgnoise_dh(nz, ee, t.local_eph_priv, t.remote_eph) ||
		   !fsc_wgnoise_dh(nz, se, t.local_eph_priv, t.remote_static))) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "ephemeral key agreement is zero");
	}
	ok = ok && response_core(nz, t.chain, t.hash, t.local_eph_pub, ee, se,
				 peer->psk, out + RESP_EMPTY, NULL) &&
	     add_macs(nz, peer, out, RESP_MAC1, now_ns);
	OPENSSL_cleanse(ee, sizeof(ee));
	OPENSSL_cleanse(se, sizeof(se));
	if (!ok) {
		OPENSSL_cleanse(&t, sizeof(t));
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	}
	t.local_index = sender_index;
	t.state = FSC_WGNOISE_HS_RESPONSE_CREATED;
	*hs = t;
	OPENSSL_cleanse(&t, sizeof(t));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_int_response_open(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const uint8_t ee[32],
	const uint8_t se[32], const uint8_t psk[32], uint32_t *sender,
	const char **why)
{
	uint8_t chain[32], hash[32];
	enum fsc_status st;

	st = check_frame(msg, len, FSC_WG_RESPONSE, FSC_WG_RESPONSE_LEN, why);
	if (st != FSC_OK)
		return st;
	memcpy(chain, hs->chain, 32);
	memcpy(hash, hs->hash, 32);
	if (!response_core(nz, chain, hash, msg + RESP_EPH, ee, se, psk,
			   NULL, msg + RESP_EMPTY)) {
		OPENSSL_cleanse(chain, sizeof(chain));
		return fsc_status_verdict(why, FSC_MALFORMED, "response does not authenticate");
	}
	memcpy(hs->chain, chain, 32);
	memcpy(hs->hash, hash, 32);
	memcpy(hs->remote_eph, msg + RESP_EPH, 32);
	*sender = get_le32(msg + 4);
	OPENSSL_cleanse(chain, sizeof(chain));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_response_consume(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	const struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const char **why)
{
	struct fsc_wgnoise_handshake t;
	uint8_t ee[32], se[32];
	uint32_t sender = 0;
	enum fsc_status st;

	st = check_frame(msg, len, FSC_WG_RESPONSE, FSC_WG_RESPONSE_LEN, why);
	if (st != FSC_OK)
		return st;
	if (hs->state != FSC_WGNOISE_HS_INITIATION_CREATED)
		return fsc_status_verdict(why, FSC_NOT_THIS, "no initiation awaiting a response");
	if (get_le32(msg + 8) != hs->local_index)
		return fsc_status_verdict(why, FSC_NOT_THIS, "receiver index is not ours");
	if (!mac1_ok(nz, local->mac1_key, msg, RESP_MAC1))
		return fsc_status_verdict(why, FSC_MALFORMED, "mac1 does not match");
	if (!fsc_wgnoise_dh(nz, ee, hs->local_eph_priv, msg + RESP_EPH) ||
	    !fsc_wgnoise_dh(nz, se, local->priv, msg + RESP_EPH)) {
		OPENSSL_cleanse(ee, sizeof(ee));
		return fsc_status_verdict(why, FSC_MALFORMED, "ephemeral key agreement is zero");
	}
	t = *hs;
	st = fsc_wgnoise_int_response_open(nz, &t, msg, len, ee, se, peer->psk,
					   &sender, why);
	OPENSSL_cleanse(ee, sizeof(ee));
	OPENSSL_cleanse(se, sizeof(se));
	if (st == FSC_OK) {
		t.remote_index = sender;
		t.state = FSC_WGNOISE_HS_RESPONSE_CONSUMED;
		*hs = t;
	}
	OPENSSL_cleanse(&t, sizeof(t));
	return st;
}

/* ---- mac1, mac2, cookies ---------------------------------------------------- */

enum fsc_status fsc_wgnoise_mac1_check(struct fsc_wgnoise *nz,
				       const struct fsc_wgnoise_identity *local,
				       const uint8_t *msg, size_t len,
				       const char **why)
{
	size_t off;

	if (len < 1)
		return fsc_status_verdict(why, FSC_TRUNCATED, "empty message");
	off = mac1_offset(msg, len);
	if (!off)
		return fsc_status_verdict(why, FSC_NOT_THIS, "not an initiation or response");
	if (!mac1_ok(nz, local->mac1_key, msg, off))
		return fsc_status_verdict(why, FSC_MALFORMED, "mac1 does not match");
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static bool secret_fresh(const struct fsc_wgnoise_cookie_checker *ck,
			 uint64_t now_ns)
{
	return ck->have_secret && now_ns >= ck->secret_ns &&
	       now_ns - ck->secret_ns < FSC_WGNOISE_COOKIE_REFRESH_NS;
}

enum fsc_status fsc_wgnoise_mac2_check(struct fsc_wgnoise *nz,
				       const struct fsc_wgnoise_cookie_checker *ck,
				       const uint8_t *msg, size_t len,
				       const uint8_t *src, size_t src_len,
				       uint64_t now_ns, const char **why)
{
	uint8_t cookie[16], m[16];
	size_t off;
	bool ok;

	if (len < 1)
		return fsc_status_verdict(why, FSC_TRUNCATED, "empty message");
	off = mac1_offset(msg, len);
	if (!off)
		return fsc_status_verdict(why, FSC_NOT_THIS, "not an initiation or response");
	if (!secret_fresh(ck, now_ns))
		return fsc_status_verdict(why, FSC_MALFORMED, "no fresh cookie secret");
	ok = fsc_wgnoise_mac(nz, cookie, 16, ck->secret, 32, src, src_len) &&
	     fsc_wgnoise_mac(nz, m, 16, cookie, 16, msg, off + 16) &&
	     CRYPTO_memcmp(m, msg + off + 16, 16) == 0;
	OPENSSL_cleanse(cookie, sizeof(cookie));
	if (!ok)
		return fsc_status_verdict(why, FSC_MALFORMED, "mac2 does not match");
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_cookie_reply_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_cookie_checker *ck, const uint8_t *msg, size_t len,
	const uint8_t *src, size_t src_len, uint64_t now_ns,
	const uint8_t fresh_secret[32], const uint8_t nonce[24],
	uint8_t out[FSC_WG_COOKIE_LEN], const char **why)
{
	uint8_t cookie[16];
	size_t off;
	bool ok;

	if (len < 1)
		return fsc_status_verdict(why, FSC_TRUNCATED, "empty message");
	off = mac1_offset(msg, len);
	if (!off)
		return fsc_status_verdict(why, FSC_NOT_THIS, "not an initiation or response");
	if (!secret_fresh(ck, now_ns)) {
		memcpy(ck->secret, fresh_secret, 32);
		ck->secret_ns = now_ns;
		ck->have_secret = true;
	}
	memset(out, 0, FSC_WG_COOKIE_LEN);
	out[0] = FSC_WG_COOKIE;
	memcpy(out + 4, msg + 4, 4); /* the sender index of msg */
	memcpy(out + COOKIE_NONCE, nonce, 24);
	ok = fsc_wgnoise_mac(nz, cookie, 16, ck->secret, 32, src, src_len) &&
	     fsc_wgnoise_xaead_seal(nz, out + COOKIE_ENC, local->cookie_key,
				    nonce, cookie, 16, msg + off, 16);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	if (!ok)
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_wgnoise_cookie_reply_consume(struct fsc_wgnoise *nz,
						 struct fsc_wgnoise_peer *peer,
						 const uint8_t *msg, size_t len,
						 uint64_t now_ns,
						 const char **why)
{
	uint8_t cookie[16];
	enum fsc_status st;

	st = check_frame(msg, len, FSC_WG_COOKIE, FSC_WG_COOKIE_LEN, why);
	if (st != FSC_OK)
		return st;
	if (!peer->have_last_mac1)
		return fsc_status_verdict(why, FSC_MALFORMED, "no handshake message to answer");
	if (!fsc_wgnoise_xaead_open(nz, cookie, peer->cookie_key,
				    msg + COOKIE_NONCE, msg + COOKIE_ENC, 32,
				    peer->last_mac1, 16))
		return fsc_status_verdict(why, FSC_MALFORMED, "cookie does not authenticate");
	memcpy(peer->cookie, cookie, 16);
	peer->cookie_ns = now_ns;
	peer->have_cookie = true;
	peer->have_last_mac1 = false; /* one reply per message, as wireguard-go */
	OPENSSL_cleanse(cookie, sizeof(cookie));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

/* ---- Transport ------------------------------------------------------------- */

void fsc_wgnoise_replay_reset(struct fsc_wgnoise_replay *r)
{
	memset(r, 0, sizeof(*r));
}

/* RFC 6479: one bit per counter in a ring of 64-bit blocks; moving forward
 * clears the blocks passed over (at most the whole ring). */
bool fsc_wgnoise_replay_check(struct fsc_wgnoise_replay *r, uint64_t counter,
			      uint64_t limit)
{
	const uint64_t mask = FSC_WGNOISE_REPLAY_BLOCKS - 1;
	uint64_t block = counter >> 6, old;

	if (counter >= limit)
		return false;
	if (counter > r->last) {
		uint64_t cur = r->last >> 6, diff = block - cur;

		if (diff > FSC_WGNOISE_REPLAY_BLOCKS)
			diff = FSC_WGNOISE_REPLAY_BLOCKS;
		for (uint64_t i = cur + 1; i <= cur + diff; i++)
			r->ring[i & mask] = 0;
		r->last = counter;
	} else if (r->last - counter > FSC_WGNOISE_REPLAY_WINDOW) {
		return false;
	}
	old = r->ring[block & mask];
	r->ring[block & mask] = old | UINT64_C(1) << (counter & 63);
	return r->ring[block & mask] != old;
}

bool fsc_wgnoise_int_transport_keys(struct fsc_wgnoise *nz,
				    const struct fsc_wgnoise_handshake *hs,
				    uint8_t t[2][32])
{
	return fsc_wgnoise_kdf(nz, 2, t, hs->chain, 32, NULL, 0);
}

enum fsc_status fsc_wgnoise_keypair_derive(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_handshake *hs,
					   struct fsc_wgnoise_keypair *kp,
					   const char **why)
{
	uint8_t t[2][32];
	bool initiator;

	if (hs->state == FSC_WGNOISE_HS_RESPONSE_CONSUMED)
		initiator = true;
	else if (hs->state == FSC_WGNOISE_HS_RESPONSE_CREATED)
		initiator = false;
	else
		return fsc_status_verdict(why, FSC_MALFORMED, "handshake not complete");
	if (!fsc_wgnoise_int_transport_keys(nz, hs, t))
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	memset(kp, 0, sizeof(*kp));
	memcpy(kp->send_key, t[initiator ? 0 : 1], 32);
	memcpy(kp->recv_key, t[initiator ? 1 : 0], 32);
	kp->local_index = hs->local_index;
	kp->remote_index = hs->remote_index;
	kp->initiator = initiator;
	OPENSSL_cleanse(t, sizeof(t));
	OPENSSL_cleanse(hs, sizeof(*hs));
	return fsc_status_verdict(why, FSC_OK, NULL);
}

size_t fsc_wgnoise_transport_len(size_t plain_len, size_t mtu)
{
	size_t padded = (plain_len + FSC_WGNOISE_PADDING - 1) &
			~(size_t)(FSC_WGNOISE_PADDING - 1);

	if (mtu && padded > mtu)
		padded = plain_len > mtu ? plain_len : mtu;
	return FSC_WGNOISE_TRANSPORT_HEADER + padded + FSC_WGNOISE_TAG_LEN;
}

enum fsc_status fsc_wgnoise_transport_seal(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_keypair *kp,
					   const uint8_t *plain, size_t plain_len,
					   size_t mtu, uint8_t *out,
					   size_t out_cap, size_t *out_len,
					   const char **why)
{
	static const uint8_t zeros[FSC_WGNOISE_PADDING];
	EVP_CIPHER_CTX *c = nz->seal;
	size_t total = fsc_wgnoise_transport_len(plain_len, mtu);
	size_t pad = total - FSC_WGNOISE_TRANSPORT_HEADER -
		     FSC_WGNOISE_TAG_LEN - plain_len;
	uint64_t counter = kp->send_counter;
	uint8_t nonce[12];
	int n = 0;

	if (out_cap < total)
		return fsc_status_verdict(why, FSC_TRUNCATED, "output buffer too small");
	if (counter >= FSC_WGNOISE_REJECT_AFTER_MESSAGES)
		return fsc_status_verdict(why, FSC_MALFORMED, "counter exhausted");
	if (plain_len > INT_MAX / 2 || pad > sizeof(zeros))
		return fsc_status_verdict(why, FSC_MALFORMED, "plaintext too long");
	out[0] = FSC_WG_TRANSPORT;
	out[1] = out[2] = out[3] = 0;
	put_le32(out + 4, kp->remote_index);
	put_le64(out + 8, counter);
	fsc_wgnoise_int_nonce(nonce, counter);
	uint8_t *p = out + FSC_WGNOISE_TRANSPORT_HEADER;
	if (EVP_CipherInit_ex(c, NULL, NULL, kp->send_key, nonce, 1) != 1 ||
	    (plain_len &&
	     EVP_CipherUpdate(c, p, &n, plain, (int)plain_len) != 1) ||
	    (pad && EVP_CipherUpdate(c, p + plain_len, &n, zeros, (int)pad) != 1) ||
	    EVP_CipherFinal_ex(c, p + plain_len + pad, &n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
				p + plain_len + pad) != 1)
		return fsc_status_verdict(why, FSC_MALFORMED, "OpenSSL failed");
	kp->send_counter = counter + 1;
	*out_len = total;
	return fsc_status_verdict(why, FSC_OK, NULL);
}

bool fsc_wgnoise_int_transport_decrypt(struct fsc_wgnoise *nz,
				       const uint8_t key[32], uint64_t counter,
				       const uint8_t *body, size_t body_len,
				       uint8_t *out)
{
	uint8_t nonce[12];

	fsc_wgnoise_int_nonce(nonce, counter);
	return fsc_wgnoise_aead_open(nz, out, key, nonce, body, body_len, NULL, 0);
}

enum fsc_status fsc_wgnoise_transport_open(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_keypair *kp,
					   const uint8_t *msg, size_t len,
					   uint8_t *out, size_t out_cap,
					   size_t *out_len, uint64_t *counter,
					   const char **why)
{
	struct fsc_cursor c = fsc_cur_make(msg, len);
	uint8_t type = fsc_cur_u8(&c);
	uint32_t reserved = fsc_cur_be24(&c);
	uint32_t receiver = fsc_cur_le32(&c);
	uint64_t ctr = fsc_cur_le64(&c);
	size_t body = fsc_cur_left(&c);

	if (c.bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, "shorter than a transport header");
	if (type != FSC_WG_TRANSPORT || reserved != 0)
		return fsc_status_verdict(why, FSC_NOT_THIS, "not a transport message");
	if (body < FSC_WGNOISE_TAG_LEN)
		return fsc_status_verdict(why, FSC_TRUNCATED, "shorter than the tag");
	if (receiver != kp->local_index)
		return fsc_status_verdict(why, FSC_NOT_THIS, "receiver index is not ours");
	if (out_cap < body - FSC_WGNOISE_TAG_LEN)
		return fsc_status_verdict(why, FSC_TRUNCATED, "output buffer too small");
	if (ctr >= FSC_WGNOISE_REJECT_AFTER_MESSAGES)
		return fsc_status_verdict(why, FSC_MALFORMED, "counter past the limit");
	if (!fsc_wgnoise_int_transport_decrypt(nz, kp->recv_key, ctr, c.p, body,
					       out))
		return fsc_status_verdict(why, FSC_MALFORMED, "data does not authenticate");
	if (!fsc_wgnoise_replay_check(&kp->replay, ctr,
				      FSC_WGNOISE_REJECT_AFTER_MESSAGES))
		return fsc_status_verdict(why, FSC_MALFORMED, "counter replayed or too old");
	*out_len = body - FSC_WGNOISE_TAG_LEN;
	if (counter)
		*counter = ctr;
	return fsc_status_verdict(why, FSC_OK, NULL);
}

/* ---- TAI64N ------------------------------------------------------------------ */

#define TAI64_BASE (UINT64_C(0x4000000000000000) + 10)
#define WHITENER_MASK 0xffffffu

void fsc_wgnoise_tai64n_make(uint8_t out[12], uint64_t unix_sec, uint32_t nsec)
{
	uint64_t label = TAI64_BASE + unix_sec;
	uint32_t ns = nsec & ~(uint32_t)WHITENER_MASK;

	for (int i = 0; i < 8; i++)
		out[i] = (uint8_t)(label >> (56 - 8 * i));
	for (int i = 0; i < 4; i++)
		out[8 + i] = (uint8_t)(ns >> (24 - 8 * i));
}

int fsc_wgnoise_tai64n_cmp(const uint8_t a[12], const uint8_t b[12])
{
	/* Both fields are big-endian: byte order is numeric order. */
	return memcmp(a, b, 12);
}

bool fsc_wgnoise_tai64n_parse(const uint8_t t[12], uint64_t *unix_sec,
			      uint32_t *nsec)
{
	struct fsc_cursor c = fsc_cur_make(t, 12);
	uint64_t label = fsc_cur_be64(&c);
	uint32_t ns = fsc_cur_be32(&c);

	if (label < TAI64_BASE || ns >= 1000000000u)
		return false;
	*unix_sec = label - TAI64_BASE;
	*nsec = ns;
	return true;
}
