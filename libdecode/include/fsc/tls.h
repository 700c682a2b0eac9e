/* tls.h - TLS record sniffing, handshake reassembly, Client/ServerHello
 * (RFC 8446 §4, §5.1; RFC 6066 §3; RFC 7301; RFC 8701; protocols.md §9). */
#ifndef FSC_TLS_H
#define FSC_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"

#define FSC_TLS_RECORD_HDR 5
/* Largest record we accept: TLSCiphertext may carry 2^14 + 2048 bytes. */
#define FSC_TLS_RECORD_MAX (16384 + 2048)
/* Recommended reassembly buffer: one handshake message, 4-byte header
 * included. Real ClientHellos are 200 B - 2 KB (post-quantum key shares
 * ~1.8 KB); 16 KiB leaves room for big PSK tickets. */
#define FSC_TLS_HS_MAX 16384

enum fsc_tls_content {
	FSC_TLS_CT_CCS = 20,
	FSC_TLS_CT_ALERT = 21,
	FSC_TLS_CT_HANDSHAKE = 22,
	FSC_TLS_CT_APPDATA = 23,
	FSC_TLS_CT_HEARTBEAT = 24,
};

enum fsc_tls_hs_type {
	FSC_TLS_HS_CLIENT_HELLO = 1,
	FSC_TLS_HS_SERVER_HELLO = 2,
};

/* Extension types this module reads. */
enum fsc_tls_ext_type {
	FSC_TLS_EXT_SERVER_NAME = 0,
	FSC_TLS_EXT_SUPPORTED_GROUPS = 10,
	FSC_TLS_EXT_EC_POINT_FORMATS = 11,
	FSC_TLS_EXT_SIGNATURE_ALGORITHMS = 13,
	FSC_TLS_EXT_ALPN = 16,
	FSC_TLS_EXT_SUPPORTED_VERSIONS = 43,
};

/* RFC 8701: 0x0a0a, 0x1a1a, ... 0xfafa. */
bool fsc_tls_is_grease(uint16_t v);

/* "TLS1.3", "TLS1.2", "TLS1.1", "TLS1.0", "SSL3.0", "TLS1.3-draftN" (0x7f00
 * + N, N up to 28), or NULL if unknown. */
const char *fsc_tls_version_name(uint16_t v);

/* A TLS 1.3 draft version before draft 22 (0x7f00 - 0x7f15), whose
 * ServerHello has no session id and no compression method. */
bool fsc_tls_draft_layout(uint16_t v);

/*
 * Does a stream direction that starts with p look like TLS? Reads at most the
 * first 6 bytes: record type 22 (handshake), version 0x0300-0x0304, a length of
 * 1 .. FSC_TLS_RECORD_MAX and, when the sixth byte is there, a handshake type
 * of ClientHello or ServerHello.
 *   FSC_OK        all of that holds on the bytes present (at least 5).
 *   FSC_TRUNCATED fewer than 5 bytes, and those agree so far.
 *   FSC_NOT_THIS  a byte disagrees (*why names it).
 */
enum fsc_status fsc_tls_sniff(const uint8_t *p, size_t len, const char **why);

/*
 * Handshake reassembly: an incremental, allocation-free state machine over
 * one direction of a stream, read from its first byte. It strips record
 * headers and joins the handshake bytes of consecutive records into a buffer
 * the caller owns, so a message may be fragmented across any number of
 * records and the records across any number of feed calls (segments).
 *
 * The buffer holds one message at a time, 4-byte handshake header included:
 * its size is the cap. A ClientHello or ServerHello longer than the buffer is
 * MALFORMED ("hello too large"); any other message type that does not fit
 * (a TLS 1.2 Certificate, say) is skipped without being stored and counted
 * in `skipped`.
 *
 * Records of type change_cipher_spec, alert and heartbeat between messages
 * are skipped (counted). The first application_data record ends reassembly:
 * what follows is encrypted. After a change_cipher_spec only a ClientHello or
 * ServerHello may follow in plaintext (TLS 1.3 middlebox compatibility,
 * RFC 8446 §D.4); any other handshake type there is taken as the encrypted
 * Finished of TLS 1.2 and also ends reassembly.
 */
struct fsc_tls_reasm {
	uint8_t *buf;		/* caller-owned, cap bytes */
	size_t cap;
	size_t have;		/* bytes of the current message in buf */
	size_t msg_len;		/* current message, header included; 0 = unknown */
	/* private (a leading _): the record and message state machine */
	size_t _skip_left;	/* bytes of an oversized, skipped message */
	uint32_t _rec_left;	/* payload bytes left in the current record */
	uint8_t _rec_type;
	uint8_t _hdr[FSC_TLS_RECORD_HDR];
	uint8_t _hdr_have;
	uint8_t _state;
	bool _deliver_reset;	/* a message was handed out */
	bool after_ccs;		/* a ChangeCipherSpec was seen: what follows is encrypted */
	const char *why;	/* sticky reason once done/failed */
	uint64_t records;	/* records started */
	uint64_t messages;	/* messages delivered */
	uint64_t skipped;	/* oversized non-hello messages skipped */
	uint64_t other_records;	/* ccs, alert, heartbeat records skipped */
	/* Set when feed returns FSC_OK: the complete message in buf. */
	const uint8_t *msg;	/* == buf */
	uint8_t msg_type;
};

/* Prepares r over buf[0..cap). FSC_TLS_HS_MAX is the recommended size; a cap
 * under 4 makes every feed FSC_MALFORMED. */
void fsc_tls_reasm_init(struct fsc_tls_reasm *r, uint8_t *buf, size_t cap);

/*
 * Feeds the next len bytes of the direction. *used tells how many were
 * consumed.
 *   FSC_OK        one whole handshake message is in r->msg[0..r->msg_len)
 *                 (type r->msg_type); it stays valid until the next feed.
 *                 Call again with p + *used for what follows.
 *   FSC_TRUNCATED all len bytes consumed; feed more.
 *   FSC_NOT_THIS  nothing more to reassemble: the first record is not a TLS
 *                 handshake record (r->messages == 0), or the stream became
 *                 encrypted. Sticky.
 *   FSC_MALFORMED a record header or message length that cannot be (*why),
 *                 a hello over the cap, a record of another type inside a
 *                 fragmented message. Sticky.
 */
enum fsc_status fsc_tls_reasm_feed(struct fsc_tls_reasm *r, const uint8_t *p,
				   size_t len, size_t *used, const char **why);

/* The handshake type of a hello begun but not delivered (its first bytes
 * are in r->buf: r->have of them), or 0. After a feed that returned
 * FSC_TRUNCATED or FSC_MALFORMED it tells whether the stream ended or broke
 * inside a ClientHello (1) or ServerHello (2). */
uint8_t fsc_tls_reasm_partial(const struct fsc_tls_reasm *r);

/* Fixed storage in the hello structs; lists longer than this set overflow
 * (the fields stored are still right, the fingerprints refuse). Ciphers:
 * every one a hello that fits the reassembly buffer can carry (handshake
 * header, version, random, empty session id, list length: 41 bytes), so
 * JA3/JA4 of a hello with hundreds of suites are computed. */
#define FSC_TLS_MAX_CIPHERS ((FSC_TLS_HS_MAX - 41) / 2)
#define FSC_TLS_MAX_EXTS 64
#define FSC_TLS_MAX_ALPN 128
#define FSC_TLS_MAX_GROUPS 64
#define FSC_TLS_MAX_POINT_FORMATS 16
#define FSC_TLS_MAX_SIGALGS 64
#define FSC_TLS_MAX_VERSIONS 16

struct fsc_tls_bytes {
	const uint8_t *p;
	size_t len;
};

struct fsc_tls_ext {
	uint16_t type;
	uint16_t len;
	const uint8_t *data;	/* into the message */
};

/*
 * A parsed ClientHello. Every pointer points into the message the parser was
 * given. Lists keep wire order and GREASE values (fsc_tls_is_grease tells
 * them apart); the fingerprints drop GREASE.
 */
struct fsc_tls_client_hello {
	size_t msg_len;			/* handshake header included */
	uint16_t legacy_version;
	const uint8_t *random;		/* 32 bytes */
	const uint8_t *session_id;
	uint8_t session_id_len;		/* 0..32 */
	uint16_t ciphers[FSC_TLS_MAX_CIPHERS];
	size_t n_ciphers;
	const uint8_t *compression;	/* n_compression u8 methods */
	uint8_t n_compression;
	bool has_extensions;		/* an extensions block was present */
	struct fsc_tls_ext exts[FSC_TLS_MAX_EXTS]; /* wire order */
	size_t n_exts;
	bool dup_ext;			/* one type twice (RFC 8446 §4.2 forbids) */

	bool has_sni;			/* extension 0 present */
	struct fsc_tls_bytes sni;	/* first host_name; len 0 if none */
	size_t n_server_names;		/* entries in the ServerNameList */

	bool has_alpn;
	struct fsc_tls_bytes alpn[FSC_TLS_MAX_ALPN];
	size_t n_alpn;

	bool has_versions;
	uint16_t versions[FSC_TLS_MAX_VERSIONS];
	size_t n_versions;

	bool has_groups;
	uint16_t groups[FSC_TLS_MAX_GROUPS];
	size_t n_groups;

	bool has_point_formats;
	uint8_t point_formats[FSC_TLS_MAX_POINT_FORMATS];
	size_t n_point_formats;

	bool has_sigalgs;
	uint16_t sigalgs[FSC_TLS_MAX_SIGALGS];
	size_t n_sigalgs;

	bool overflow;			/* some list did not fit */
};

/*
 * Parses a ClientHello handshake message: p starts at its msg_type byte
 * (as r->msg from the reassembler). Bytes after the message's u24 length are
 * ignored. h is cleared first.
 *   FSC_OK        parsed; h is filled.
 *   FSC_NOT_THIS  msg_type is not ClientHello.
 *   FSC_TRUNCATED fewer bytes than the handshake header or its length say.
 *   FSC_MALFORMED the message is whole but a length inside it lies, a list is
 *                 empty or odd where the RFC forbids it, an SNI or ALPN list
 *                 overruns its extension, bytes trail a block (*why names it).
 */
enum fsc_status fsc_tls_client_hello_parse(const uint8_t *p, size_t len,
					   struct fsc_tls_client_hello *h,
					   const char **why);

/* The highest non-GREASE supported_versions entry, else legacy_version. */
uint16_t fsc_tls_client_hello_version(const struct fsc_tls_client_hello *h);

/* ServerHello.random of a HelloRetryRequest (RFC 8446 §4.1.3). */
extern const uint8_t fsc_tls_hrr_random[32];

struct fsc_tls_server_hello {
	size_t msg_len;
	uint16_t legacy_version;
	uint16_t version;		/* supported_versions if present, else legacy */
	bool has_selected_version;
	bool hrr;			/* HelloRetryRequest */
	const uint8_t *random;		/* 32 bytes */
	const uint8_t *session_id;
	uint8_t session_id_len;
	uint16_t cipher;
	uint8_t compression;
	bool draft;			/* read in the layout of TLS 1.3 drafts < 22 */
	bool has_extensions;
	struct fsc_tls_ext exts[FSC_TLS_MAX_EXTS];
	size_t n_exts;
	bool overflow;
	struct fsc_tls_bytes alpn;	/* the selected protocol; len 0 if none */
};

/* As fsc_tls_client_hello_parse, for a ServerHello (msg_type 2). An ALPN
 * extension must name exactly one protocol; supported_versions must be one
 * u16. A version of a TLS 1.3 draft before 22 (Chrome 55's 0x7f10 era)
 * selects that draft's layout (fsc_tls_draft_layout; s->draft). */
enum fsc_status fsc_tls_server_hello_parse(const uint8_t *p, size_t len,
					   struct fsc_tls_server_hello *s,
					   const char **why);

#endif
