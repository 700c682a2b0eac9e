/* fuzz_wgdecrypt.c - libFuzzer target: fdecode's WireGuard decryption path.
 * A fixed in-process handshake (both sides' keys in the key set, so the
 * decryptor holds an opened session), then the input: byte 0 picks what it
 * is - a WireGuard message as fsc_wg_decode claims it (then decrypted), a
 * pcapng secrets block body (either byte order), or key-log text added to
 * the set before a message. Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsc/wgdecrypt.h"
#include "fsc/wgkeylog.h"
#include "fsc/wgnoise.h"
#include "fsc/wireguard.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

static struct fsc_wgnoise *nz;
static struct fsc_wgkeylog_set *keys;
static struct fsc_wgdecrypt *dec;

static void fill(uint8_t *q, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		q[i] = (uint8_t)(seed + 53 * i);
}

static void feed(const uint8_t *msg, size_t len, uint32_t session)
{
	struct fsc_wg_msg m;
	struct fsc_wgd_note n;

	if (fsc_wg_decode(msg, len, &m, NULL) != FSC_OK)
		return;
	fsc_wgdecrypt_msg(dec, msg, len, &m, session, true, &n);
	CHECK(n.result < FSC_WGD_RESULT_COUNT);
	CHECK(n.handshake_ok >= -1 && n.handshake_ok <= 1);
	if (n.result == FSC_WGD_OK && m.type == FSC_WG_TRANSPORT)
		CHECK(n.plain && n.plain_len + 32 == len);
	else
		CHECK(n.plain == NULL && n.plain_len == 0);
}

static void init_state(void)
{
	struct fsc_wgnoise_identity a, b;
	struct fsc_wgnoise_peer ab, ba;
	struct fsc_wgnoise_handshake ha, hb;
	uint8_t k[32], ea[32], eb[32], ts[12], init[148], resp[92], who[32];
	char text[1024];
	size_t n;

	nz = fsc_wgnoise_new(NULL, 0);
	keys = fsc_wgkeylog_set_new(8, 8, 64);
	CHECK(nz && keys);
	fill(k, 32, 1);
	CHECK(fsc_wgnoise_identity_set(nz, &a, k, NULL) == FSC_OK);
	fill(k, 32, 2);
	CHECK(fsc_wgnoise_identity_set(nz, &b, k, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_peer_set(nz, &ab, &a, b.pub, NULL, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_peer_set(nz, &ba, &b, a.pub, NULL, NULL) == FSC_OK);
	fill(ea, 32, 3);
	fill(eb, 32, 4);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	CHECK(fsc_wgnoise_initiation_create(nz, &a, &ab, &ha, ea, 1, ts, 0, init,
					    NULL) == FSC_OK);
	CHECK(fsc_wgnoise_initiation_consume(nz, &b, init, 148, &hb, who, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_initiation_accept(nz, &ba, &hb, init, 148, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_response_create(nz, &b, &ba, &hb, eb, 2, 0, resp, NULL) ==
	      FSC_OK);
	n = fsc_wgkeylog_handshake_lines(text, sizeof(text), a.priv, b.pub,
					 ha.local_eph_priv, NULL);
	fsc_wgkeylog_set_add_text(keys, text, n);
	dec = fsc_wgdecrypt_new(keys, text, sizeof(text));
	CHECK(dec);
	feed(init, 148, 1);
	feed(resp, 92, 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	const uint8_t *text;
	size_t tlen;
	const char *why = "unset";
	enum fsc_status st;

	if (!dec)
		init_state();
	if (len < 1)
		return 0;
	switch (p[0] % 4) {
	case 0: /* a message */
		feed(p + 1, len - 1, 7);
		break;
	case 1: /* a secrets block body, either byte order */
	case 2:
		st = fsc_wgd_dsb_body(p + 1, len - 1, p[0] % 4 == 2, &text, &tlen, &why);
		CHECK((st == FSC_OK) == (why == NULL));
		if (st == FSC_OK)
			CHECK(text >= p + 9 && text + tlen <= p + len);
		break;
	default: { /* key-log text, then a message after it (bounded set) */
		const uint8_t *sep = memchr(p + 1, 0, len - 1);
		size_t tl = sep ? (size_t)(sep - (p + 1)) : len - 1;
		if (keys->n_eph < 32 && keys->n_static_priv < 8) {
			fsc_wgkeylog_set_add_text(keys, (const char *)p + 1, tl);
			fsc_wgdecrypt_keys_added(dec);
		}
		if (sep)
			feed(sep + 1, (size_t)(p + len - sep - 1), 9);
		break;
	}
	}
	return 0;
}
