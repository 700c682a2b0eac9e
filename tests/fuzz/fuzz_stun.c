/* fuzz_stun.c - libFuzzer target: fsc_stun_decode and the classifier's
 * agreement with it. Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>

#include "fsc/stun.h"
#include "fsc/tunnel.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

/* RFC 5389 §6, independently of the decoder. */
static uint16_t encode_type(uint16_t method, unsigned cls)
{
	return (uint16_t)((method & 0x00f) | (method & 0x070) << 1 | (method & 0xf80) << 2 |
			  (cls & 1) << 4 | (cls & 2) << 7);
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct fsc_stun_msg m;
	struct fsc_tunnel_msg t;
	const char *why = "unset";
	enum fsc_status st = fsc_stun_decode(p, len, &m, &why);
	bool claim = len >= 8 && (p[0] & 0xc0) == 0 && p[4] == 0x21 && p[5] == 0x12 &&
		     p[6] == 0xa4 && p[7] == 0x42;

	CHECK((st == FSC_OK) == (why == NULL));
	CHECK((st != FSC_NOT_THIS) == claim);
	if (claim) {
		CHECK(m.type == (uint16_t)(p[0] << 8 | p[1]));
		CHECK(m.length == (uint16_t)(p[2] << 8 | p[3]));
		CHECK(encode_type(m.method, m.cls) == m.type);
		CHECK(fsc_stun_class_name(m.cls) != NULL);
		if (len < 20)
			CHECK(st == FSC_TRUNCATED && m.txid == NULL);
		else
			CHECK(m.txid == p + 8);
	}
	if (st == FSC_OK) {
		/* padded (RFC 5389), or MS-TURN's unpadded layout, which only a
		 * length no multiple of 4 is read as */
		CHECK(len == 20u + m.length && (m.length % 4 == 0) != m.unpadded);
		CHECK(m.n_attrs <= m.length / 4u);
		if (m.has_mapped) {
			CHECK(m.mapped.family == 4 || m.mapped.family == 6);
		}
		if (m.software)
			CHECK(m.software >= p + 24 && m.software + m.software_len <= p + len);
		if (m.error_code)
			CHECK(m.error_code >= 300 && m.error_code <= 699 &&
			      m.error_reason + m.error_reason_len <= p + len);
		CHECK(!m.fingerprint_ok || m.has_fingerprint);
	}
	if (st == FSC_TRUNCATED)
		CHECK(len < 20 || len - 20 < m.length);

	fsc_tunnel_classify(p, len, &t);
	if (claim) {
		/* STUN keeps what it recognised, unless it is a broken STUN
		 * message and a sound WireGuard one */
		if (t.kind == FSC_TUNNEL_WG)
			CHECK(st != FSC_OK && t.status == FSC_OK);
		else
			CHECK(t.kind == FSC_TUNNEL_STUN && t.status == st);
	} else {
		CHECK(t.kind != FSC_TUNNEL_STUN);
	}
	return 0;
}
