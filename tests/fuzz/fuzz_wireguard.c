/* fuzz_wireguard.c - libFuzzer target: fsc_wg_decode, and the tunnel
 * classifier's agreement with it, and fsc_wg_gso_segment (every segment
 * of a batch a transport message). Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>

#include "fsc/tunnel.h"
#include "fsc/wireguard.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

static bool any_set(const uint8_t *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (q[i])
			return true;
	return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct fsc_wg_msg m;
	struct fsc_tunnel_msg t;
	const char *why = "unset";
	enum fsc_status st = fsc_wg_decode(p, len, &m, &why);

	/* WireGuard has no magic: it either claims the bytes or not */
	CHECK(st == FSC_OK || st == FSC_NOT_THIS);
	CHECK(fsc_wg_msg_name(&m) != NULL);
	if (st == FSC_OK) {
		CHECK(why == NULL);
		CHECK(m.len == len);
		CHECK(len >= 4 && p[0] == m.type && !p[1] && !p[2] && !p[3]);
		switch (m.type) {
		case FSC_WG_INITIATION:
			CHECK(len == FSC_WG_INITIATION_LEN);
			CHECK(m.ephemeral == p + 8 && m.mac1 == p + 116);
			CHECK(m.under_load == any_set(p + 132, 16));
			break;
		case FSC_WG_RESPONSE:
			CHECK(len == FSC_WG_RESPONSE_LEN);
			CHECK(m.ephemeral == p + 12 && m.mac1 == p + 60);
			CHECK(m.under_load == any_set(p + 76, 16));
			break;
		case FSC_WG_COOKIE:
			CHECK(len == FSC_WG_COOKIE_LEN && m.nonce == p + 8);
			break;
		case FSC_WG_TRANSPORT:
			CHECK(len >= FSC_WG_TRANSPORT_MIN);
			CHECK(m.plain_len == len - 32);
			CHECK(m.plain_len % 16 == 0 || m.plain_len >= FSC_WG_MTU_MIN);
			CHECK(m.keepalive == (len == 32));
			break;
		default:
			CHECK(0);
		}
	} else {
		CHECK(why != NULL);
	}

	/* The classifier says WireGuard only for what the decoder takes, and
	 * gives a valid WireGuard message away only to a valid STUN one. */
	fsc_tunnel_classify(p, len, &t);
	CHECK(t.kind <= FSC_TUNNEL_STUN);
	CHECK((t.status == FSC_OK) == (t.why == NULL));
	if (t.kind == FSC_TUNNEL_NONE)
		CHECK(t.status == FSC_NOT_THIS);
	if (t.kind == FSC_TUNNEL_WG)
		CHECK(st == FSC_OK && t.status == FSC_OK && t.u.wg.type == m.type &&
		      t.u.wg.sender == m.sender && t.u.wg.receiver == m.receiver);
	if (st == FSC_OK)
		CHECK(t.kind == FSC_TUNNEL_WG ||
		      (t.kind == FSC_TUNNEL_STUN && t.status == FSC_OK));

	/* A GSO/GRO batch: every segment a transport message the decoder
	 * takes, the last no longer than the rest. */
	size_t seg = fsc_wg_gso_segment(p, len);
	if (seg) {
		CHECK(seg < len);
		for (size_t off = 0; off < len; off += seg) {
			size_t n = len - off < seg ? len - off : seg;
			CHECK(fsc_wg_decode(p + off, n, &m, NULL) == FSC_OK);
			CHECK(m.type == FSC_WG_TRANSPORT);
		}
	}
	return 0;
}
