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

/* The sealed wrapper as it travels over UDP or DERP. */
struct fsc_disco_wrapper {
	const uint8_t *sender_key; /* 32 bytes */
	const uint8_t *nonce;	   /* 24 bytes */
	size_t box_len;		   /* sealed bytes after the nonce */
	size_t len;		   /* whole payload */
};

/* Claims the payload when it starts with the magic "TS\xf0\x9f\x92\xac".
 * Magic present but shorter than 62 bytes (+16 tag) is FSC_TRUNCATED. */
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

/* A decrypted disco message (seen in `tailscale debug capture` path 254). */
struct fsc_disco_plain {
	uint8_t type;
	uint8_t version;
	const uint8_t *txid;	 /* ping, pong: 12 bytes */
	const uint8_t *node_key; /* ping: 32 bytes, or NULL for old clients */
	size_t padding;		 /* ping: bytes after the node key */
	struct fsc_addr pong_addr; /* pong: source as the peer saw it */
	uint16_t pong_port;
	size_t n_endpoints;	 /* call-me-maybe: entries of 18 bytes */
	const uint8_t *endpoints;
	size_t len;
};

enum fsc_status fsc_disco_decode_plain(const uint8_t *p, size_t len,
				       struct fsc_disco_plain *m,
				       const char **why);

/* "ping", "pong", "call-me-maybe", ... or "unknown". */
const char *fsc_disco_type_name(uint8_t type);

#endif
