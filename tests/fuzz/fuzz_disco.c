/* fuzz_disco.c - libFuzzer target: the disco wrapper and plaintext
 * decoders on the same bytes, and the classifier's agreement. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsc/disco.h"
#include "fsc/tunnel.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

static const uint8_t magic[6] = { 'T', 'S', 0xf0, 0x9f, 0x92, 0xac };

/* q..q+n lies inside p..p+len */
static bool inside(const uint8_t *q, size_t n, const uint8_t *p, size_t len)
{
	return q >= p && n <= len && (size_t)(q - p) <= len - n;
}

static void wrapper(const uint8_t *p, size_t len)
{
	struct fsc_disco_wrapper w;
	struct fsc_tunnel_msg t;
	const char *why = "unset";
	enum fsc_status st = fsc_disco_decode_wrapper(p, len, &w, &why);
	bool has_magic = len >= 6 && memcmp(p, magic, 6) == 0;

	CHECK((st == FSC_OK) == (why == NULL));
	CHECK((st != FSC_NOT_THIS) == has_magic);
	CHECK(st != FSC_MALFORMED);
	if (st == FSC_OK) {
		CHECK(len >= FSC_DISCO_HDR_LEN + FSC_DISCO_BOX_OVERHEAD && w.len == len);
		CHECK(w.sender_key == p + 6 && w.nonce == p + 38 && w.box == p + 62);
		CHECK(w.box_len == len - 62);
	}
	if (st == FSC_TRUNCATED)
		CHECK(len < FSC_DISCO_HDR_LEN + FSC_DISCO_BOX_OVERHEAD);

	fsc_tunnel_classify(p, len, &t);
	if (has_magic)
		CHECK(t.kind == FSC_TUNNEL_DISCO && t.status == st);
	else
		CHECK(t.kind != FSC_TUNNEL_DISCO);
}

static void plain(const uint8_t *p, size_t len)
{
	struct fsc_disco_plain m;
	const char *why = "unset";
	enum fsc_status st = fsc_disco_decode_plain(p, len, &m, &why);
	struct fsc_addr a;
	uint16_t port;

	CHECK(st != FSC_NOT_THIS);
	CHECK((st == FSC_OK) == (why == NULL));
	CHECK(fsc_disco_type_name(m.type) != NULL);
	if (len >= 2)
		CHECK(m.type == p[0] && m.version == p[1]);
	if (st == FSC_MALFORMED)
		CHECK(len >= 2 && (m.type == 0 || m.type > 9));
	if (st != FSC_OK)
		return;
	CHECK(m.len == len && m.type >= 1 && m.type <= 9);
	if (m.txid)
		CHECK(m.txid == p + 2 && inside(m.txid, 12, p, len));
	if (m.node_key)
		CHECK(inside(m.node_key, 32, p, len));
	switch (m.type) {
	case FSC_DISCO_PING:
		if (m.node_key)
			CHECK(len >= 46 && m.padding == len - 46);
		else
			CHECK(len == 14);
		break;
	case FSC_DISCO_PONG:
		CHECK(len >= 32 && m.padding == len - 32);
		CHECK(m.pong_addr.family == 4 || m.pong_addr.family == 6);
		break;
	case FSC_DISCO_CALL_ME_MAYBE:
		CHECK(m.n_endpoints > 0 && m.n_endpoints * 18 == len - 2);
		CHECK(m.endpoints == p + 2);
		break;
	default:
		break;
	}
	if (m.n_endpoints)
		CHECK(inside(m.endpoints, m.n_endpoints * 18, p, len) &&
		      m.endpoints + m.n_endpoints * 18 == p + len);
	for (size_t i = 0; i < m.n_endpoints; i++) {
		CHECK(fsc_disco_endpoint(&m, i, &a, &port));
		CHECK(a.family == 4 || a.family == 6);
	}
	CHECK(!fsc_disco_endpoint(&m, m.n_endpoints, &a, &port));
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	wrapper(p, len);
	plain(p, len);
	return 0;
}
