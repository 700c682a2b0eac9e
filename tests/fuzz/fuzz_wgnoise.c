/* fuzz_wgnoise.c - libFuzzer target: every function of the WireGuard core
 * that consumes network bytes. Byte 0 picks the function, byte 1 bit 0 asks
 * the target to fix up mac1 (the fuzzer cannot forge it, and the DH, KDF
 * and AEAD paths lie behind it); the rest is the message. The state the
 * functions consume against is a fixed in-process handshake, copied afresh
 * for every input. Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsc/wgnoise.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

static struct fsc_wgnoise *nz;
static struct fsc_wgnoise_identity ida, idb;
static struct fsc_wgnoise_peer a_sees_b, b_sees_a;
static struct fsc_wgnoise_handshake pending; /* A's, awaiting a response */
static struct fsc_wgnoise_keypair kp_b;	     /* B's, after a handshake */
static struct fsc_wgnoise_cookie_checker ck;

static void fill(uint8_t *q, size_t n, uint8_t seed)
{
	for (size_t i = 0; i < n; i++)
		q[i] = (uint8_t)(seed + 41 * i);
}

static void init_state(void)
{
	uint8_t k[32], ts[12], init[148], resp[92], who[32];
	struct fsc_wgnoise_handshake hb, ha;

	nz = fsc_wgnoise_new(NULL, 0);
	CHECK(nz);
	fill(k, 32, 1);
	CHECK(fsc_wgnoise_identity_set(nz, &ida, k, NULL) == FSC_OK);
	fill(k, 32, 2);
	CHECK(fsc_wgnoise_identity_set(nz, &idb, k, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_peer_set(nz, &a_sees_b, &ida, idb.pub, NULL, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_peer_set(nz, &b_sees_a, &idb, ida.pub, NULL, NULL) == FSC_OK);
	/* A complete handshake gives B a keypair. */
	fill(k, 32, 3);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	CHECK(fsc_wgnoise_initiation_create(nz, &ida, &a_sees_b, &ha, k, 1, ts, 0,
					    init, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_initiation_consume(nz, &idb, init, 148, &hb, who,
					     NULL) == FSC_OK);
	CHECK(fsc_wgnoise_initiation_accept(nz, &b_sees_a, &hb, init, 148,
					    NULL) == FSC_OK);
	fill(k, 32, 4);
	CHECK(fsc_wgnoise_response_create(nz, &idb, &b_sees_a, &hb, k, 2, 0, resp,
					  NULL) == FSC_OK);
	CHECK(fsc_wgnoise_keypair_derive(nz, &hb, &kp_b, NULL) == FSC_OK);
	/* A's second initiation stays pending (the response target). */
	fill(k, 32, 5);
	CHECK(fsc_wgnoise_initiation_create(nz, &ida, &a_sees_b, &pending, k, 3,
					    ts, 0, init, NULL) == FSC_OK);
	memset(b_sees_a.last_timestamp, 0, 12);
	memset(&ck, 0, sizeof(ck));
	fill(ck.secret, 32, 6);
	ck.have_secret = true;
}

static void check_status(enum fsc_status st, const char *why)
{
	CHECK(st <= FSC_MALFORMED);
	CHECK((st == FSC_OK) == (why == NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	uint8_t msg[2048], out[2048], who[32];
	struct fsc_wgnoise_handshake hs;
	struct fsc_wgnoise_peer peer;
	const char *why = "unset";
	enum fsc_status st;
	size_t n, olen = 0;
	static struct fsc_wgnoise_keypair kp;

	if (!nz)
		init_state();
	if (len < 2)
		return 0;
	n = len - 2 < sizeof(msg) ? len - 2 : sizeof(msg);
	memcpy(msg, p + 2, n);
	if ((p[1] & 1) && n == 148)
		fsc_wgnoise_mac(nz, msg + 116, 16, idb.mac1_key, 32, msg, 116);
	if ((p[1] & 1) && n == 92)
		fsc_wgnoise_mac(nz, msg + 60, 16, ida.mac1_key, 32, msg, 60);

	switch (p[0] % 6) {
	case 0: /* B receives an initiation */
		st = fsc_wgnoise_initiation_consume(nz, &idb, msg, n, &hs, who, &why);
		check_status(st, why);
		if (st != FSC_OK)
			break;
		CHECK(n == 148 && hs.state == FSC_WGNOISE_HS_INITIATION_CONSUMED);
		peer = b_sees_a;
		why = "unset";
		st = fsc_wgnoise_initiation_accept(nz, &peer, &hs, msg, n, &why);
		check_status(st, why);
		break;
	case 1: /* A receives a response */
		hs = pending;
		st = fsc_wgnoise_response_consume(nz, &ida, &a_sees_b, &hs, msg, n,
						  &why);
		check_status(st, why);
		CHECK(st == FSC_OK ? hs.state == FSC_WGNOISE_HS_RESPONSE_CONSUMED
				   : memcmp(&hs, &pending, sizeof(hs)) == 0);
		break;
	case 2: /* A receives a cookie reply */
		peer = a_sees_b;
		peer.have_last_mac1 = true;
		st = fsc_wgnoise_cookie_reply_consume(nz, &peer, msg, n, 1, &why);
		check_status(st, why);
		CHECK(st != FSC_OK || (n == 64 && peer.have_cookie));
		break;
	case 3: /* B receives transport */
		kp = kp_b;
		st = fsc_wgnoise_transport_open(nz, &kp, msg, n, out, sizeof(out),
						&olen, NULL, &why);
		check_status(st, why);
		CHECK(st != FSC_OK || olen + 32 == n);
		break;
	case 4: /* mac checks */
		st = fsc_wgnoise_mac1_check(nz, &idb, msg, n, &why);
		check_status(st, why);
		why = "unset";
		st = fsc_wgnoise_mac2_check(nz, &ck, msg, n, p, 2, 1, &why);
		check_status(st, why);
		break;
	default: { /* TAI64N */
		uint64_t s;
		uint32_t ns;
		if (n >= 24) {
			int c = fsc_wgnoise_tai64n_cmp(msg, msg + 12);
			CHECK((c == 0) == (memcmp(msg, msg + 12, 12) == 0));
			if (fsc_wgnoise_tai64n_parse(msg, &s, &ns))
				CHECK(ns < 1000000000u);
		}
		break;
	}
	}
	return 0;
}
