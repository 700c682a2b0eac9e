/* wireguard.h - WireGuard message headers (protocols.md §1.3). */
#ifndef FSC_WIREGUARD_H
#define FSC_WIREGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/status.h"

enum fsc_wg_type {
	FSC_WG_INITIATION = 1,
	FSC_WG_RESPONSE = 2,
	FSC_WG_COOKIE = 3,
	FSC_WG_TRANSPORT = 4,
};

#define FSC_WG_INITIATION_LEN 148
#define FSC_WG_RESPONSE_LEN 92
#define FSC_WG_COOKIE_LEN 64
#define FSC_WG_TRANSPORT_MIN 32 /* header 16 + Poly1305 tag 16 */
#define FSC_WG_KEY_LEN 32
#define FSC_WG_MAC_LEN 16
/* Smallest tunnel MTU assumed when a transport plaintext is not a multiple
 * of 16 (the padding stops at the MTU; IPv6 needs at least 1280). */
#define FSC_WG_MTU_MIN 1280

/*
 * One decoded message. Indices and the counter are little-endian on the wire
 * and host integers here. Pointers point into the caller's buffer and are
 * NULL where the type has no such field.
 */
struct fsc_wg_msg {
	enum fsc_wg_type type;
	uint32_t sender;	/* initiation, response */
	uint32_t receiver;	/* response, cookie, transport */
	uint64_t counter;	/* transport */
	size_t len;		/* the whole UDP payload */
	size_t plain_len;	/* transport: padded plaintext length */
	bool keepalive;		/* transport with an empty plaintext */
	bool under_load;	/* initiation/response with a nonzero mac2 */
	const uint8_t *ephemeral; /* initiation, response: 32 bytes */
	const uint8_t *mac1;	/* initiation, response: 16 bytes */
	const uint8_t *nonce;	/* cookie: 24 bytes */
};

/*
 * Decodes a UDP payload as a WireGuard message. Claims it (FSC_OK) only when
 * the type is 1-4, the three reserved bytes are zero and the length is exact
 * (148/92/64) or, for transport, 32 + a plaintext length that is a multiple
 * of 16 -- or at least FSC_WG_MTU_MIN, because senders stop padding at the
 * tunnel MTU (a full packet at MTU 1420 is 1452 bytes). Anything else is
 * FSC_NOT_THIS: on the wire a WireGuard message has no framing that could be
 * "truncated" without also being some other UDP payload, so this decoder
 * never guesses and never returns FSC_TRUNCATED or FSC_MALFORMED.
 *
 * *m is always written (zeroed first). why may be NULL; otherwise *why is
 * NULL on FSC_OK and a static reason string otherwise.
 */
enum fsc_status fsc_wg_decode(const uint8_t *p, size_t len,
			      struct fsc_wg_msg *m, const char **why);

/*
 * UDP segmentation offload: a sender that batches datagrams (UDP_SEGMENT,
 * as wireguard-go and fsc_wgengine do) hands the kernel one buffer of
 * equal segments, and a capture on the sending host or on a veth sees the
 * buffer whole; GRO merges received datagrams the same way. Returns the
 * segment size when p[0..len) is two or more WireGuard transport messages
 * to one receiver index with increasing counters, each `size` bytes but
 * the last (at most size); 0 otherwise.
 */
size_t fsc_wg_gso_segment(const uint8_t *p, size_t len);

/* "initiation", "response", "cookie", "transport" or "keepalive". */
const char *fsc_wg_msg_name(const struct fsc_wg_msg *m);

#endif
