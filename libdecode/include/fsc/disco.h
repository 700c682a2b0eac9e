/* disco.h - Tailscale disco messages (protocols.md §3). */
#ifndef FSC_DISCO_H
#define FSC_DISCO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

#define FSC_DISCO_MAGIC_LEN 6
#define FSC_DISCO_KEY_LEN 32
#define FSC_DISCO_NONCE_LEN 24
#define FSC_DISCO_HDR_LEN 62 /* magic + key + nonce */
#define FSC_DISCO_BOX_OVERHEAD 16 /* Poly1305 tag */
#define FSC_DISCO_TXID_LEN 12

/* The sealed wrapper as it travels over UDP or DERP. Pointers point into the
 * caller's buffer; NULL when the bytes end before them (status.h). */
struct fsc_disco_wrapper {
	const uint8_t *sender_key; /* 32 bytes, or NULL */
	const uint8_t *nonce;	   /* 24 bytes, or NULL */
	const uint8_t *box;	   /* Poly1305 tag, then ciphertext; or NULL */
	size_t box_len;		   /* sealed bytes after the nonce */
	size_t len;		   /* whole payload */
};

/*
 * Claims the payload when it starts with the magic "TS\xf0\x9f\x92\xac".
 * FSC_OK: at least 62 + 16 bytes; every field set.
 * FSC_NOT_THIS: no magic (or fewer than 6 bytes).
 * FSC_TRUNCATED: magic present but shorter than 62 bytes + the 16-byte tag;
 *   len is the length; sender_key and nonce are set when they fit whole,
 *   else NULL (the magic alone has neither: callers print it without a
 *   key); box is set only when the nonce fit (box_len below 16).
 * Never FSC_MALFORMED. *w is always written; why may be NULL, else *why is
 * NULL on FSC_OK and a static reason otherwise (the same for every decoder
 * in this header).
 */
enum fsc_status fsc_disco_decode_wrapper(const uint8_t *p, size_t len,
					 struct fsc_disco_wrapper *w,
					 const char **why);

enum fsc_disco_type {
	FSC_DISCO_PING = 0x01,
	FSC_DISCO_PONG = 0x02,
	FSC_DISCO_CALL_ME_MAYBE = 0x03,
	FSC_DISCO_BIND_UDP_RELAY_ENDPOINT = 0x04,
	FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE = 0x05,
	FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER = 0x06,
	FSC_DISCO_CALL_ME_MAYBE_VIA = 0x07,
	FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST = 0x08,
	FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE = 0x09,
};

/* A decrypted disco message (seen in `tailscale debug capture` path 254).
 * Pointers point into the caller's buffer; NULL where the type has none. */
struct fsc_disco_plain {
	uint8_t type;
	uint8_t version;
	const uint8_t *txid;	 /* ping, pong: 12 bytes */
	const uint8_t *node_key; /* ping: 32 bytes, or NULL for old clients */
	size_t padding;		 /* ping: bytes after the node key (MTU probe);
				  * other types: bytes after the known fields,
				  * which receivers ignore */
	struct fsc_addr pong_addr; /* pong: source as the peer saw it; an
				    * IPv4-mapped address is family 4 */
	uint16_t pong_port;
	size_t n_endpoints;	 /* call-me-maybe, -via, allocate response:
				  * entries of 18 bytes (ip 16, port u16 BE) */
	const uint8_t *endpoints; /* read them with fsc_disco_endpoint */
	uint32_t vni;		 /* relay types 4-7 and 9: Geneve VNI */
	size_t len;
};

/*
 * Decodes a disco plaintext: type, version, then the body (integers BE).
 * FSC_OK: the body holds every field of its type (longer bodies are fine:
 *   receivers ignore trailing bytes; see padding).
 * FSC_TRUNCATED: fewer than 2 bytes, or the body ends inside a fixed field:
 *   ping txid < 12 or a node key of 1-31 bytes; pong < 30; call-me-maybe (and
 *   the relay address lists) empty or not a multiple of 18; relay messages
 *   shorter than their fixed part (bind 72, allocation request 68, relay
 *   endpoint 124 + 18). type/version and the fields read so far are set.
 * FSC_MALFORMED: a type other than 1-9 (type and version kept).
 * Never FSC_NOT_THIS: the caller already knows these bytes are disco.
 * The version is not checked (only 0 exists): Tailscale ignores it for ping
 * and pong and ignores call-me-maybe endpoints unless it is 0.
 */
enum fsc_status fsc_disco_decode_plain(const uint8_t *p, size_t len,
				       struct fsc_disco_plain *m,
				       const char **why);

/* Entry i of m->endpoints: address (v4-mapped becomes family 4) and port.
 * False when i is out of range. */
bool fsc_disco_endpoint(const struct fsc_disco_plain *m, size_t i,
			struct fsc_addr *a, uint16_t *port);

/* "ping", "pong", "call-me-maybe", ... or "unknown". */
const char *fsc_disco_type_name(uint8_t type);

#endif
