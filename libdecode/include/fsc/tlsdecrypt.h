/* tlsdecrypt.h - TLS 1.3 records opened with the secrets of a key log.
 *
 * The key log is NSS's (SSLKEYLOGFILE; what OpenSSL's keylog callback,
 * curl, browsers and fnode --tls-keylog write, and Wireshark's
 * tls.keylog_file reads):
 *
 *   LABEL <client random: 64 hex> <secret: 64 or 96 hex>
 *
 * with the TLS 1.3 labels CLIENT_HANDSHAKE_TRAFFIC_SECRET,
 * SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0 and
 * SERVER_TRAFFIC_SECRET_0 kept; EXPORTER_SECRET, the early secrets and
 * TLS 1.2's CLIENT_RANDOM are known and not kept (TLS 1.2 is not
 * decrypted: counted). '#' starts a comment line. The same lines are the
 * content of a pcapng Decryption Secrets Block of type FSC_TLSKEYS_DSB_TYPE
 * ("TLSK", what `editcap --inject-secrets tls,FILE` writes).
 *
 * Records (RFC 8446 §5.2, §7.3): key and iv by HKDF-Expand-Label from a
 * traffic secret, AEAD (TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,
 * TLS_CHACHA20_POLY1305_SHA256) with the record header as additional data
 * and iv XOR the record's sequence number as nonce; the plaintext ends with
 * the real content type and zero padding.
 *
 * Bounded: the key table is sized once; opening a record allocates nothing.
 */
#ifndef FSC_TLSDECRYPT_H
#define FSC_TLSDECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"

#define FSC_TLSKEYS_DSB_TYPE 0x544c534bu
#define FSC_TLS_RANDOM_LEN 32
#define FSC_TLS_SECRET_MAX 48		/* SHA-384 */
#define FSC_TLS_AEAD_TAG 16
#define FSC_TLS_PLAIN_MAX 16384		/* a record's plaintext (2^14) */

/* The secrets kept, by their key log labels. */
enum fsc_tls_secret {
	FSC_TLS_CLIENT_HS = 0,		/* CLIENT_HANDSHAKE_TRAFFIC_SECRET */
	FSC_TLS_SERVER_HS,		/* SERVER_HANDSHAKE_TRAFFIC_SECRET */
	FSC_TLS_CLIENT_APP,		/* CLIENT_TRAFFIC_SECRET_0 */
	FSC_TLS_SERVER_APP,		/* SERVER_TRAFFIC_SECRET_0 */
	FSC_TLS_SECRET_COUNT,
	FSC_TLS_SECRET_OTHER = FSC_TLS_SECRET_COUNT, /* a known label not kept */
	FSC_TLS_SECRET_TLS12,		/* CLIENT_RANDOM: TLS 1.2, not kept */
};

/* ---- the key log ---- */

/* One line (no LF; a CR at its end is allowed). FSC_OK: *which, random and
 * secret (*secret_len bytes) set. FSC_NOT_THIS: blank, a comment or an
 * unknown label. FSC_MALFORMED: a known label with bad fields (*why). */
enum fsc_status fsc_tlskeys_parse_line(const char *line, size_t len,
				       enum fsc_tls_secret *which,
				       uint8_t random[FSC_TLS_RANDOM_LEN],
				       uint8_t secret[FSC_TLS_SECRET_MAX], size_t *secret_len,
				       const char **why);

/* The secrets of one connection, by its ClientHello.random. A secret of
 * length 0 is not known. */
struct fsc_tlskeys_entry {
	uint8_t random[FSC_TLS_RANDOM_LEN];
	uint8_t secret[FSC_TLS_SECRET_COUNT][FSC_TLS_SECRET_MAX];
	uint8_t len[FSC_TLS_SECRET_COUNT];
};

struct fsc_tlskeys_stats {
	uint64_t lines;		/* read */
	uint64_t skipped;	/* unreadable: a known label with bad fields, an
				 * unknown label, a line too long */
	uint64_t tls12;		/* CLIENT_RANDOM lines (TLS 1.2: not decrypted) */
	uint64_t dropped;	/* connections over the table's limit */
	uint64_t entries;	/* connections with secrets */
};

struct fsc_tlskeys;

/* A table for up to max connections (0: 65536). NULL when out of memory. */
struct fsc_tlskeys *fsc_tlskeys_new(uint32_t max);
void fsc_tlskeys_free(struct fsc_tlskeys *k);

/* Every line of a buffer (a file's or a secrets block's content; the last
 * line need not end with LF). Never fails: bad lines are counted. */
void fsc_tlskeys_add_text(struct fsc_tlskeys *k, const char *text, size_t len);

/*
 * Reads a key log from *offset (0 the first time) to its end and sets
 * *offset past the last line read, so that a log that grows is read again
 * from there (live). A last line without LF is read only when `whole` (a
 * finished file), else it waits for its LF. false with a reason in err.
 */
bool fsc_tlskeys_add_file(struct fsc_tlskeys *k, const char *path, uint64_t *offset,
			  bool whole, char *err, size_t errlen);

/* The secrets of a ClientHello.random, or NULL. */
const struct fsc_tlskeys_entry *fsc_tlskeys_find(const struct fsc_tlskeys *k,
						 const uint8_t random[FSC_TLS_RANDOM_LEN]);

/* Live: fn(ctx) may read the key logs again (fsc_tlskeys_add_file from
 * where they were left); fsc_tlskeys_lookup calls it when a secret is not
 * found, then looks once more: a line written since, a moment before the
 * records it opens, is found in time. */
void fsc_tlskeys_set_reload(struct fsc_tlskeys *k, void (*fn)(void *ctx), void *ctx);
/* fsc_tlskeys_find, and when the random or its secret `need` is not there
 * (a log is written as the handshake goes), the reload and a second look. */
const struct fsc_tlskeys_entry *fsc_tlskeys_lookup(const struct fsc_tlskeys *k,
						   const uint8_t random[FSC_TLS_RANDOM_LEN],
						   enum fsc_tls_secret need);

const struct fsc_tlskeys_stats *fsc_tlskeys_stats(const struct fsc_tlskeys *k);

/* The TLS secrets blocks of a pcapng file added to k: their count, 0 for a
 * classic pcap or none, -1 with a reason in err. */
int fsc_tlskeys_pcapng_secrets(const char *path, struct fsc_tlskeys *k, char *err,
			       size_t errlen);

/* ---- records ---- */

/* The traffic key and iv of one direction and epoch. */
struct fsc_tls13_key {
	uint16_t cipher;	/* the suite; 0: none */
	uint8_t key_len;	/* 16 or 32 */
	uint8_t key[32];
	uint8_t iv[12];
};

/* A TLS 1.3 suite this module opens. */
bool fsc_tls13_cipher_known(uint16_t cipher);

/* RFC 8446 §7.1 HKDF-Expand-Label(secret, label, "", out_len) with the
 * suite's hash; out_len at most the hash length. false for an unknown
 * suite or a secret not of the hash's length. */
bool fsc_tls13_expand_label(uint16_t cipher, const uint8_t *secret, size_t secret_len,
			    const char *label, uint8_t *out, size_t out_len);

/* The key and iv of a traffic secret (§7.3). */
bool fsc_tls13_traffic_key(uint16_t cipher, const uint8_t *secret, size_t secret_len,
			   struct fsc_tls13_key *out);

/* The AEAD contexts (one a suite), made once. */
struct fsc_tls13_aead;
struct fsc_tls13_aead *fsc_tls13_aead_new(void);
void fsc_tls13_aead_free(struct fsc_tls13_aead *a);

/*
 * Opens one record: hdr is its 5-byte header (the additional data), body
 * its len bytes. out needs len bytes. FSC_OK: the content in out[0..
 * *out_len), its real type in *type (padding removed). FSC_MALFORMED: the
 * tag does not match this key and sequence number (definitive: another
 * key, or altered bytes), or no content type in the plaintext (*why).
 * FSC_TRUNCATED: shorter than a tag and a type.
 */
enum fsc_status fsc_tls13_open(struct fsc_tls13_aead *a, const struct fsc_tls13_key *k,
			       uint64_t seq, const uint8_t hdr[5], const uint8_t *body,
			       size_t len, uint8_t *out, size_t *out_len, uint8_t *type,
			       const char **why);

#endif
