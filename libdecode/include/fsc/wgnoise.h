/* wgnoise.h - WireGuard's cryptographic core: Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s
 * handshakes, mac1/mac2 and cookie replies, transport seal/open with the
 * RFC 6479 replay window, TAI64N (protocols.md §1, refpair.md §2).
 *
 * Built on OpenSSL 3 (BLAKE2s, HMAC, X25519, ChaCha20-Poly1305; HChaCha20
 * from EVP_chacha20). One module, two users: the tunnel engine (active) and
 * fdecode's decryption (passive).
 *
 * Contract:
 *   - Pure: no sockets, no clocks, no randomness, no globals. Times come in
 *     as nanoseconds on any monotonic clock the caller chooses (only
 *     differences are used); random bytes (ephemeral private keys, indices,
 *     cookie nonces and secrets) come in as arguments.
 *   - All state is caller-owned plain structs, except struct fsc_wgnoise,
 *     which holds OpenSSL's fetched algorithms and reusable contexts. One
 *     struct fsc_wgnoise per thread; every other struct may be shared as the
 *     caller sees fit (nothing here locks).
 *   - Messages are written into caller buffers of the exact wire size
 *     (FSC_WG_*_LEN in wireguard.h); nothing allocates after fsc_wgnoise_new.
 *   - Every function that consumes bytes from the network returns the house
 *     status (fsc/status.h) and a static reason in *why (never NULL on
 *     failure; why itself may be NULL):
 *       FSC_NOT_THIS   wrong message type or length for this function
 *       FSC_TRUNCATED  shorter than the message needs
 *       FSC_MALFORMED  the message does not authenticate, or is refused:
 *                      mac1 wrong, AEAD tag wrong, zero DH result, replayed
 *                      timestamp or counter, keys past their limits
 *     On failure the output state is unchanged unless stated otherwise.
 *   - Secrets are wiped (OPENSSL_cleanse) from the library's own temporaries;
 *     wiping the caller's structs is the caller's call (fsc_wgnoise_wipe).
 */
#ifndef FSC_WGNOISE_H
#define FSC_WGNOISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"
#include "fsc/wireguard.h"

#define FSC_WGNOISE_KEY_LEN 32	  /* X25519 keys, PSK, chaining key, hash */
#define FSC_WGNOISE_MAC_LEN 16	  /* mac1, mac2, cookie */
#define FSC_WGNOISE_TAG_LEN 16	  /* Poly1305 */
#define FSC_WGNOISE_TAI64N_LEN 12
#define FSC_WGNOISE_NONCE24_LEN 24 /* XChaCha20 nonce (cookie reply) */
#define FSC_WGNOISE_TRANSPORT_HEADER 16
#define FSC_WGNOISE_PADDING 16

/* Limits (wireguard-go device/constants.go, refpair.md §2.5-2.6). */
#define FSC_WGNOISE_REKEY_AFTER_MESSAGES (UINT64_C(1) << 60)
#define FSC_WGNOISE_REJECT_AFTER_MESSAGES (UINT64_MAX - (UINT64_C(1) << 13))
#define FSC_WGNOISE_COOKIE_REFRESH_NS (UINT64_C(120) * 1000000000u)
#define FSC_WGNOISE_REPLAY_BLOCKS 128
#define FSC_WGNOISE_REPLAY_WINDOW ((FSC_WGNOISE_REPLAY_BLOCKS - 1) * 64)

/* The OpenSSL side: fetched algorithms and reusable contexts. */
struct fsc_wgnoise;

/* NULL on failure with a reason in err (e.g. "OpenSSL has no BLAKE2S-256"). */
struct fsc_wgnoise *fsc_wgnoise_new(char *err, size_t errlen);
void fsc_wgnoise_free(struct fsc_wgnoise *nz);

/* Zeroes n bytes in a way the compiler keeps (for caller-owned secrets). */
void fsc_wgnoise_wipe(void *p, size_t n);

/* ---- Identities and peers ------------------------------------------- */

/* This side's static identity. mac1_key = HASH("mac1----" || pub) checks
 * mac1 of messages sent to us; cookie_key = HASH("cookie--" || pub) seals
 * cookie replies we send. */
struct fsc_wgnoise_identity {
	uint8_t priv[FSC_WGNOISE_KEY_LEN]; /* clamped */
	uint8_t pub[FSC_WGNOISE_KEY_LEN];
	uint8_t mac1_key[FSC_WGNOISE_KEY_LEN];
	uint8_t cookie_key[FSC_WGNOISE_KEY_LEN];
};

/* Fills id from a private key (clamped here). FSC_MALFORMED if OpenSSL
 * refuses the key. */
enum fsc_status fsc_wgnoise_identity_set(struct fsc_wgnoise *nz,
					 struct fsc_wgnoise_identity *id,
					 const uint8_t priv[FSC_WGNOISE_KEY_LEN],
					 const char **why);

/* Responder-side cookie secret (refpair.md §2.4): renewed when older than
 * FSC_WGNOISE_COOKIE_REFRESH_NS at reply time. Zero-initialise. */
struct fsc_wgnoise_cookie_checker {
	uint8_t secret[FSC_WGNOISE_KEY_LEN];
	uint64_t secret_ns;
	bool have_secret;
};

/*
 * A configured remote peer, as seen from one local identity.
 * ss = DH(local priv, peer pub), precomputed; mac1_key/cookie_key are the
 * peer's (for messages we send it and for opening its cookie replies).
 * last_timestamp is the greatest TAI64N accepted from it (replay guard).
 * The cookie fields are what the peer's cookie reply gave us, and last_mac1
 * the mac1 of our last handshake message to it (the cookie reply's AD).
 */
struct fsc_wgnoise_peer {
	uint8_t pub[FSC_WGNOISE_KEY_LEN];
	uint8_t psk[FSC_WGNOISE_KEY_LEN]; /* zeros when none */
	uint8_t ss[FSC_WGNOISE_KEY_LEN];
	uint8_t mac1_key[FSC_WGNOISE_KEY_LEN];
	uint8_t cookie_key[FSC_WGNOISE_KEY_LEN];
	uint8_t last_timestamp[FSC_WGNOISE_TAI64N_LEN];
	uint8_t cookie[FSC_WGNOISE_MAC_LEN];
	uint64_t cookie_ns;
	bool have_cookie;
	uint8_t last_mac1[FSC_WGNOISE_MAC_LEN];
	bool have_last_mac1;
};

/* Fills peer for pub (psk may be NULL). FSC_MALFORMED when the static DH is
 * zero (a low-order public key). */
enum fsc_status fsc_wgnoise_peer_set(struct fsc_wgnoise *nz,
				     struct fsc_wgnoise_peer *peer,
				     const struct fsc_wgnoise_identity *local,
				     const uint8_t pub[FSC_WGNOISE_KEY_LEN],
				     const uint8_t *psk, const char **why);

/* ---- Handshake ------------------------------------------------------- */

enum fsc_wgnoise_hs_state {
	FSC_WGNOISE_HS_ZEROED = 0,
	FSC_WGNOISE_HS_INITIATION_CREATED,  /* initiator, awaiting response */
	FSC_WGNOISE_HS_INITIATION_CONSUMED, /* responder, static opened */
	FSC_WGNOISE_HS_INITIATION_ACCEPTED, /* responder, timestamp accepted */
	FSC_WGNOISE_HS_RESPONSE_CREATED,    /* responder, keys derivable */
	FSC_WGNOISE_HS_RESPONSE_CONSUMED,   /* initiator, keys derivable */
};

/* One handshake in progress (Noise chaining key and hash, both sides'
 * ephemerals and indices). Zero-initialise; one per peer on the engine. */
struct fsc_wgnoise_handshake {
	enum fsc_wgnoise_hs_state state;
	uint8_t chain[FSC_WGNOISE_KEY_LEN];
	uint8_t hash[FSC_WGNOISE_KEY_LEN];
	uint8_t local_eph_priv[FSC_WGNOISE_KEY_LEN];
	uint8_t local_eph_pub[FSC_WGNOISE_KEY_LEN];
	uint8_t remote_eph[FSC_WGNOISE_KEY_LEN];
	uint8_t remote_static[FSC_WGNOISE_KEY_LEN]; /* the peer's pub */
	uint8_t timestamp[FSC_WGNOISE_TAI64N_LEN];  /* the initiation's */
	uint32_t local_index;
	uint32_t remote_index;
};

/*
 * Initiator: writes a 148-byte initiation to the peer into out. eph_priv is
 * 32 fresh random bytes (clamped here; kept in hs for the key log),
 * sender_index the caller's random unused index, timestamp a TAI64N
 * (fsc_wgnoise_tai64n_make). mac2 is set when the peer holds a cookie younger
 * than FSC_WGNOISE_COOKIE_REFRESH_NS at now_ns; peer->last_mac1 is updated.
 */
enum fsc_status fsc_wgnoise_initiation_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t eph_priv[FSC_WGNOISE_KEY_LEN], uint32_t sender_index,
	const uint8_t timestamp[FSC_WGNOISE_TAI64N_LEN], uint64_t now_ns,
	uint8_t out[FSC_WG_INITIATION_LEN], const char **why);

/*
 * Responder, step 1: checks mac1 (not mac2: see fsc_wgnoise_mac2_check),
 * opens the initiator's static key into hs->remote_static and
 * initiator_pub. The caller finds the peer configured for that key and
 * calls step 2. hs is written only on FSC_OK.
 */
enum fsc_status fsc_wgnoise_initiation_consume(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	const uint8_t *msg, size_t len, struct fsc_wgnoise_handshake *hs,
	uint8_t initiator_pub[FSC_WGNOISE_KEY_LEN], const char **why);

/*
 * Responder, step 2: opens the timestamp with peer->ss, requires it to be
 * newer than peer->last_timestamp (FSC_MALFORMED "timestamp not newer"
 * otherwise) and then records it there. peer->pub must equal
 * hs->remote_static.
 */
enum fsc_status fsc_wgnoise_initiation_accept(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_peer *peer,
	struct fsc_wgnoise_handshake *hs, const uint8_t *msg, size_t len,
	const char **why);

/* Responder: writes a 92-byte response after an accepted initiation.
 * Same conventions as fsc_wgnoise_initiation_create. */
enum fsc_status fsc_wgnoise_response_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t eph_priv[FSC_WGNOISE_KEY_LEN], uint32_t sender_index,
	uint64_t now_ns, uint8_t out[FSC_WG_RESPONSE_LEN], const char **why);

/* Initiator: checks mac1 and opens a response to hs (its receiver index must
 * be hs->local_index: FSC_NOT_THIS otherwise). */
enum fsc_status fsc_wgnoise_response_consume(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	const struct fsc_wgnoise_peer *peer, struct fsc_wgnoise_handshake *hs,
	const uint8_t *msg, size_t len, const char **why);

/* ---- mac1, mac2, cookies --------------------------------------------- */

/* mac1 of an initiation or response sent to us (FSC_MALFORMED if wrong). */
enum fsc_status fsc_wgnoise_mac1_check(struct fsc_wgnoise *nz,
				       const struct fsc_wgnoise_identity *local,
				       const uint8_t *msg, size_t len,
				       const char **why);

/*
 * mac2 of an initiation or response from source bytes src (the responder's
 * own encoding of the sender's address and port; wireguard-go: address then
 * port little-endian). FSC_MALFORMED when wrong or when no secret younger
 * than FSC_WGNOISE_COOKIE_REFRESH_NS exists at now_ns. Check only under load.
 */
enum fsc_status fsc_wgnoise_mac2_check(struct fsc_wgnoise *nz,
				       const struct fsc_wgnoise_cookie_checker *ck,
				       const uint8_t *msg, size_t len,
				       const uint8_t *src, size_t src_len,
				       uint64_t now_ns, const char **why);

/*
 * Writes a 64-byte cookie reply to the initiation or response msg (whose
 * mac1 the caller has checked). fresh_secret (32 random bytes) replaces the
 * checker's secret when that is missing or older than the refresh time;
 * nonce is 24 random bytes.
 */
enum fsc_status fsc_wgnoise_cookie_reply_create(
	struct fsc_wgnoise *nz, const struct fsc_wgnoise_identity *local,
	struct fsc_wgnoise_cookie_checker *ck, const uint8_t *msg, size_t len,
	const uint8_t *src, size_t src_len, uint64_t now_ns,
	const uint8_t fresh_secret[FSC_WGNOISE_KEY_LEN],
	const uint8_t nonce[FSC_WGNOISE_NONCE24_LEN],
	uint8_t out[FSC_WG_COOKIE_LEN], const char **why);

/* Opens a cookie reply from peer (AD = peer->last_mac1) and stores the
 * cookie with its time. The receiver index is the caller's to match. */
enum fsc_status fsc_wgnoise_cookie_reply_consume(
	struct fsc_wgnoise *nz, struct fsc_wgnoise_peer *peer,
	const uint8_t *msg, size_t len, uint64_t now_ns, const char **why);

/* ---- Transport keys and messages ------------------------------------ */

/* RFC 6479 sliding window over 64-bit counters (wireguard-go replay/). */
struct fsc_wgnoise_replay {
	uint64_t last;		/* highest counter accepted (0 at the start) */
	uint64_t ring[FSC_WGNOISE_REPLAY_BLOCKS];
};

void fsc_wgnoise_replay_reset(struct fsc_wgnoise_replay *r);
/* True and marks counter when it is new, inside the window and below
 * limit; false for a replay, a counter too old, or counter >= limit. */
bool fsc_wgnoise_replay_check(struct fsc_wgnoise_replay *r, uint64_t counter,
			      uint64_t limit);

struct fsc_wgnoise_keypair {
	uint8_t send_key[FSC_WGNOISE_KEY_LEN];
	uint8_t recv_key[FSC_WGNOISE_KEY_LEN];
	uint32_t local_index;	/* receiver index of messages to us */
	uint32_t remote_index;	/* receiver index of messages we send */
	bool initiator;
	uint64_t send_counter;	/* the next counter seal uses */
	struct fsc_wgnoise_replay replay;
};

/*
 * Derives the transport keypair from a handshake in state RESPONSE_CREATED
 * or RESPONSE_CONSUMED ((T_send, T_recv) = KDF2(C, ε), swapped for the
 * responder), then wipes hs to ZEROED. A responder must not send with it
 * before the first message from the initiator opens (key confirmation).
 */
enum fsc_status fsc_wgnoise_keypair_derive(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_handshake *hs,
					   struct fsc_wgnoise_keypair *kp,
					   const char **why);

/* Bytes a transport message takes for a plaintext of plain_len, padded to
 * FSC_WGNOISE_PADDING but not beyond mtu (0: no cap). */
size_t fsc_wgnoise_transport_len(size_t plain_len, size_t mtu);

/*
 * Seals plain (an inner IP packet; plain_len 0 = keepalive) into out as a
 * type-4 message with counter kp->send_counter, which then advances.
 * *out_len = fsc_wgnoise_transport_len(plain_len, mtu); out_cap must hold it
 * (FSC_TRUNCATED otherwise). FSC_MALFORMED "counter exhausted" at
 * FSC_WGNOISE_REJECT_AFTER_MESSAGES. plain and out may not overlap.
 */
enum fsc_status fsc_wgnoise_transport_seal(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_keypair *kp,
					   const uint8_t *plain, size_t plain_len,
					   size_t mtu, uint8_t *out,
					   size_t out_cap, size_t *out_len,
					   const char **why);

/*
 * Opens a type-4 message addressed to kp->local_index (FSC_NOT_THIS
 * otherwise) into out (out_cap >= len - 32), then admits its counter to the
 * replay window: FSC_MALFORMED for a bad tag or a replayed/too old counter
 * (the window is only updated when the tag is good). *out_len is the padded
 * plaintext length (0 for a keepalive); *counter, if not NULL, the counter.
 */
enum fsc_status fsc_wgnoise_transport_open(struct fsc_wgnoise *nz,
					   struct fsc_wgnoise_keypair *kp,
					   const uint8_t *msg, size_t len,
					   uint8_t *out, size_t out_cap,
					   size_t *out_len, uint64_t *counter,
					   const char **why);

/* ---- TAI64N ----------------------------------------------------------- */

/* 12 bytes: BE label 2^62 + 10 + unix_sec, BE nanoseconds with the low 24
 * bits cleared (wireguard-go's whitening). */
void fsc_wgnoise_tai64n_make(uint8_t out[FSC_WGNOISE_TAI64N_LEN],
			     uint64_t unix_sec, uint32_t nsec);
/* <0, 0, >0 as a is earlier, equal, later than b (whitened or not). */
int fsc_wgnoise_tai64n_cmp(const uint8_t a[FSC_WGNOISE_TAI64N_LEN],
			   const uint8_t b[FSC_WGNOISE_TAI64N_LEN]);
/* Unix seconds and nanoseconds of t; false when the label is below
 * 2^62 + 10 or nanoseconds >= 10^9. */
bool fsc_wgnoise_tai64n_parse(const uint8_t t[FSC_WGNOISE_TAI64N_LEN],
			      uint64_t *unix_sec, uint32_t *nsec);

/* ---- Primitives (protocols.md §1.1), exposed for known-answer tests and
 * the key log. Outputs may alias inputs only where stated. All return false
 * only when OpenSSL fails (or, for DH, on a zero result). ----------------- */

/* HASH: BLAKE2s-256 of a ‖ b (b may be NULL with blen 0). */
bool fsc_wgnoise_hash(struct fsc_wgnoise *nz, uint8_t out[32],
		      const uint8_t *a, size_t alen, const uint8_t *b, size_t blen);
/* MAC: keyed BLAKE2s (key 1..32 bytes) with outlen 16 or 32. */
bool fsc_wgnoise_mac(struct fsc_wgnoise *nz, uint8_t *out, size_t outlen,
		     const uint8_t *key, size_t keylen, const uint8_t *in,
		     size_t inlen);
/* HMAC-BLAKE2s (key 0..64 bytes). */
bool fsc_wgnoise_hmac(struct fsc_wgnoise *nz, uint8_t out[32],
		      const uint8_t *key, size_t keylen, const uint8_t *in,
		      size_t inlen);
/* KDFn, n = 1..3: writes n outputs of 32 bytes (t0, t1, t2); key 0..64
 * bytes (the protocol always passes 32: the chaining key). */
bool fsc_wgnoise_kdf(struct fsc_wgnoise *nz, unsigned n, uint8_t (*out)[32],
		     const uint8_t *key, size_t keylen, const uint8_t *in,
		     size_t inlen);
/* X25519 public key of priv (clamped as X25519 does). */
bool fsc_wgnoise_pubkey(struct fsc_wgnoise *nz, uint8_t pub[32],
			const uint8_t priv[32]);
/* X25519(priv, pub); false on an all-zero result. */
bool fsc_wgnoise_dh(struct fsc_wgnoise *nz, uint8_t out[32],
		    const uint8_t priv[32], const uint8_t pub[32]);
/* Clamps a private key in place (sk[0] &= 248; sk[31] = sk[31] & 127 | 64). */
void fsc_wgnoise_clamp(uint8_t priv[32]);
/* ChaCha20-Poly1305 with a 12-byte nonce; seal writes len + 16 bytes, open
 * reads len (>= 16) and writes len - 16. */
bool fsc_wgnoise_aead_seal(struct fsc_wgnoise *nz, uint8_t *out,
			   const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *in, size_t inlen, const uint8_t *ad,
			   size_t adlen);
bool fsc_wgnoise_aead_open(struct fsc_wgnoise *nz, uint8_t *out,
			   const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *in, size_t inlen, const uint8_t *ad,
			   size_t adlen);
/* HChaCha20 (draft-irtf-cfrg-xchacha-03 §2.2). */
bool fsc_wgnoise_hchacha20(struct fsc_wgnoise *nz, uint8_t out[32],
			   const uint8_t key[32], const uint8_t in[16]);
/* XChaCha20-Poly1305 with a 24-byte nonce. */
bool fsc_wgnoise_xaead_seal(struct fsc_wgnoise *nz, uint8_t *out,
			    const uint8_t key[32], const uint8_t nonce[24],
			    const uint8_t *in, size_t inlen, const uint8_t *ad,
			    size_t adlen);
bool fsc_wgnoise_xaead_open(struct fsc_wgnoise *nz, uint8_t *out,
			    const uint8_t key[32], const uint8_t nonce[24],
			    const uint8_t *in, size_t inlen, const uint8_t *ad,
			    size_t adlen);

#endif
