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
	const char *why;	/* NULL when status is FSC_OK */
	union {			/* only the member named by kind is valid */
		struct fsc_wg_msg wg;
		struct fsc_disco_wrapper disco;
		struct fsc_stun_msg stun;
	} u;
};

/*
 * Tries STUN (top two bits of byte 0 zero and bytes 4-7 the cookie), then
 * disco (the magic), then WireGuard (type 1-4), looking at byte 0 before
 * calling any decoder. A payload that none of them claims is
 * FSC_TUNNEL_NONE with status FSC_NOT_THIS. STUN and disco recognise their
 * bytes by a magic, so a short or inconsistent message keeps its kind with
 * status FSC_TRUNCATED or FSC_MALFORMED; WireGuard has no magic and is only
 * ever reported with FSC_OK. A message that is a valid WireGuard message but
 * only a truncated/malformed STUN one (its index bytes spell the cookie) is
 * WireGuard. Never allocates; p may be NULL when len is 0.
 */
void fsc_tunnel_classify(const uint8_t *p, size_t len, struct fsc_tunnel_msg *t);

#endif
