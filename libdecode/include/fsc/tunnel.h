/* tunnel.h - classify a UDP payload by content: WireGuard, disco, STUN or none.
 * Ports are never consulted (protocols.md §3, `packetLooksLike`). */
#ifndef FSC_TUNNEL_H
#define FSC_TUNNEL_H

#include "fsc/disco.h"
#include "fsc/stun.h"
#include "fsc/wireguard.h"

enum fsc_tunnel_kind {
	FSC_TUNNEL_NONE = 0, /* plain UDP */
	FSC_TUNNEL_WG,
	FSC_TUNNEL_DISCO,
	FSC_TUNNEL_STUN,
};

struct fsc_tunnel_msg {
	enum fsc_tunnel_kind kind;
	enum fsc_status status; /* of the decoder that claimed it */
	const char *why;
	union {
		struct fsc_wg_msg wg;
		struct fsc_disco_wrapper disco;
		struct fsc_stun_msg stun;
	} u;
};

/* Tries STUN, then disco, then WireGuard, cheapest test first. A payload that
 * none of them claims is FSC_TUNNEL_NONE. Never allocates. */
void fsc_tunnel_classify(const uint8_t *p, size_t len, struct fsc_tunnel_msg *t);

#endif
