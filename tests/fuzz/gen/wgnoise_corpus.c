/* wgnoise_corpus.c - seeds tests/fuzz/corpus/wgnoise: one valid message for
 * each function fuzz_wgnoise.c drives, made against that target's own fixed
 * state (this file includes the target). Build and run by hand:
 *   cc -Ilibdecode/include tests/fuzz/gen/wgnoise_corpus.c build/libfsc_decode.a \
 *      -lcrypto -o /tmp/wgseeds && /tmp/wgseeds tests/fuzz/corpus/wgnoise */
#include <stdio.h>

#include "../fuzz_wgnoise.c"

static void put(const char *dir, const char *name, uint8_t sel,
		const uint8_t *m, size_t n)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	CHECK(f);
	fputc(sel, f);
	fputc(0, f);
	fwrite(m, 1, n, f);
	fclose(f);
}

int main(int argc, char **argv)
{
	uint8_t k[32], ts[12], init[148], resp[92], cookie[64], msg[256];
	uint8_t secret[32], nonce[24];
	struct fsc_wgnoise_identity id2;
	struct fsc_wgnoise_peer pa = a_sees_b, pb;
	struct fsc_wgnoise_handshake ha, hb;
	struct fsc_wgnoise_keypair kp;
	size_t n;

	CHECK(argc == 2);
	init_state();
	pa = a_sees_b;
	pb = b_sees_a;
	hb = pending;
	/* an initiation A -> B (newer timestamp than any accepted) */
	fill(k, 32, 7);
	fsc_wgnoise_tai64n_make(ts, 1800000100, 0);
	CHECK(fsc_wgnoise_initiation_create(nz, &ida, &pa, &ha, k, 9, ts, 0, init,
					    NULL) == FSC_OK);
	put(argv[1], "initiation", 0, init, 148);
	put(argv[1], "mac-initiation", 4, init, 148);
	/* B's response to A's pending initiation: re-create B's side of it */
	uint8_t who[32], pinit[148];
	fill(k, 32, 5);
	fsc_wgnoise_tai64n_make(ts, 1800000000, 0);
	pa = a_sees_b;
	CHECK(fsc_wgnoise_initiation_create(nz, &ida, &pa, &ha, k, 3, ts, 0, pinit,
					    NULL) == FSC_OK);
	CHECK(memcmp(ha.chain, hb.chain, 32) == 0);
	memset(pb.last_timestamp, 0, 12);
	CHECK(fsc_wgnoise_initiation_consume(nz, &idb, pinit, 148, &hb, who, NULL) == FSC_OK);
	CHECK(fsc_wgnoise_initiation_accept(nz, &pb, &hb, pinit, 148, NULL) == FSC_OK);
	fill(k, 32, 8);
	CHECK(fsc_wgnoise_response_create(nz, &idb, &pb, &hb, k, 10, 0, resp, NULL) == FSC_OK);
	put(argv[1], "response", 1, resp, 92);
	/* a cookie reply from B to that initiation */
	struct fsc_wgnoise_cookie_checker c2 = { 0 };
	fill(secret, 32, 9);
	fill(nonce, 24, 10);
	CHECK(fsc_wgnoise_cookie_reply_create(nz, &idb, &c2, pinit, 148, who, 6, 1,
					      secret, nonce, cookie, NULL) == FSC_OK);
	put(argv[1], "cookie", 2, cookie, 64);
	/* transport to B under kp_b, made by A's matching keypair */
	kp = kp_b;
	memcpy(kp.send_key, kp_b.recv_key, 32);
	kp.remote_index = kp_b.local_index;
	CHECK(fsc_wgnoise_transport_seal(nz, &kp, (const uint8_t *)"\x45\0\0\x14", 4,
					 1420, msg, sizeof(msg), &n, NULL) == FSC_OK);
	put(argv[1], "transport", 3, msg, n);
	CHECK(fsc_wgnoise_transport_seal(nz, &kp, NULL, 0, 1420, msg, sizeof(msg), &n,
					 NULL) == FSC_OK);
	put(argv[1], "keepalive", 3, msg, n);
	fsc_wgnoise_tai64n_make(msg, 1800000000, 5);
	fsc_wgnoise_tai64n_make(msg + 12, 1800000001, 5);
	put(argv[1], "tai64n", 5, msg, 24);
	(void)id2;
	return 0;
}
