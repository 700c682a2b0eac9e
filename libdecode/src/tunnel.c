/* tunnel.c - tell WireGuard, disco and STUN apart by content, never by port.
 *
 * Mirrors tailscale wgengine/magicsock packetLooksLike (protocols.md §3): one
 * UDP socket carries all three, so the first bytes decide.
 *
 *   byte 0        bytes 4-7       -> try
 *   00xx xxxx     2112a442        STUN (the cookie)
 *   0x54 'T'      (magic 6 bytes) disco
 *   0x01 - 0x04   (reserved 0)    WireGuard
 *   anything else                 plain UDP
 *
 * The classifier runs for every UDP packet, so it looks at byte 0 (and the
 * cookie) before calling a decoder; plain UDP costs a couple of compares.
 * One overlap exists: a WireGuard message (type 1-4, reserved zero) whose
 * index bytes 4-7 equal the cookie also passes the STUN test; STUN can only
 * call it malformed, so a valid WireGuard reading wins there.
 */
#include "fsc/tunnel.h"

#include "fsc/cursor.h"

/* Bytes 4-7 are the STUN magic cookie; reads a copy of the cursor. */
static bool stun_cookie(struct fsc_cursor c)
{
	fsc_cur_skip(&c, 4);
	return fsc_cur_be32(&c) == FSC_STUN_COOKIE && !c.bad;
}

void fsc_tunnel_classify(const uint8_t *p, size_t len, struct fsc_tunnel_msg *t)
{
	struct fsc_cursor c;
	enum fsc_status st;
	const char *why;
	uint8_t b0;

	t->kind = FSC_TUNNEL_NONE;
	t->status = FSC_NOT_THIS;
	t->why = "not wireguard, disco or stun";
	if (len == 0)
		return;
	c = fsc_cur_make(p, len);
	b0 = fsc_cur_peek(&c, 0);

	/* STUN first: a claimed STUN message stays STUN even when it is
	 * truncated or malformed, since the cookie recognised it. */
	if (b0 < 0x40 && len >= 8 && stun_cookie(c)) {
		st = fsc_stun_decode(p, len, &t->u.stun, &why);
		/* A WireGuard message whose index happens to spell the cookie
		 * is a broken STUN message but a sound WireGuard one. */
		if (st != FSC_OK && b0 >= FSC_WG_INITIATION && b0 <= FSC_WG_TRANSPORT) {
			struct fsc_wg_msg wg;

			if (fsc_wg_decode(p, len, &wg, NULL) == FSC_OK) {
				t->u.wg = wg;
				t->kind = FSC_TUNNEL_WG;
				t->status = FSC_OK;
				t->why = NULL;
				return;
			}
		}
		if (st != FSC_NOT_THIS) {
			t->kind = FSC_TUNNEL_STUN;
			t->status = st;
			t->why = why;
			return;
		}
	}
	if (b0 == 'T') {
		st = fsc_disco_decode_wrapper(p, len, &t->u.disco, &why);
		if (st != FSC_NOT_THIS) {
			t->kind = FSC_TUNNEL_DISCO;
			t->status = st;
			t->why = why;
		}
		return;
	}
	if (b0 >= FSC_WG_INITIATION && b0 <= FSC_WG_TRANSPORT) {
		st = fsc_wg_decode(p, len, &t->u.wg, &why);
		if (st == FSC_OK) {
			t->kind = FSC_TUNNEL_WG;
			t->status = st;
			t->why = NULL;
		}
	}
}
