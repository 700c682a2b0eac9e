/* wghandshakes.c - complete WireGuard handshakes a second through
 * libdecode's core, both roles in one thread, as the engine runs them:
 * initiation created, consumed and accepted, response created and
 * consumed, both keypairs derived (4 X25519 key generations and 8 DH
 * operations a handshake, besides the hashing).
 *
 *   wghandshakes [SECONDS]     (default 2)
 *
 * Prints "handshakes N seconds S per_second R". Exit 1 if one fails.
 */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/wgnoise.h"

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0, t0, t;
	char err[128];
	struct fsc_wgnoise *nz = fsc_wgnoise_new(err, sizeof(err));
	struct fsc_wgnoise_identity ia, ib;
	struct fsc_wgnoise_peer pa, pb; /* A's view of B, B's view of A */
	uint8_t ka[32], kb[32], pub[32], eph[32], ts[12];
	uint8_t init[FSC_WG_INITIATION_LEN], resp[FSC_WG_RESPONSE_LEN];
	const char *why;
	unsigned long n = 0;

	if (!nz) {
		fprintf(stderr, "wghandshakes: %s\n", err);
		return 1;
	}
	RAND_bytes(ka, 32);
	RAND_bytes(kb, 32);
	if (fsc_wgnoise_identity_set(nz, &ia, ka, &why) != FSC_OK ||
	    fsc_wgnoise_identity_set(nz, &ib, kb, &why) != FSC_OK ||
	    fsc_wgnoise_peer_set(nz, &pa, &ia, ib.pub, NULL, &why) != FSC_OK ||
	    fsc_wgnoise_peer_set(nz, &pb, &ib, ia.pub, NULL, &why) != FSC_OK) {
		fprintf(stderr, "wghandshakes: keys: %s\n", why);
		return 1;
	}
	t0 = mono();
	do {
		struct fsc_wgnoise_handshake hi, hr;
		struct fsc_wgnoise_keypair ki, kr;
		memset(&hi, 0, sizeof(hi));
		memset(&hr, 0, sizeof(hr));
		RAND_bytes(eph, 32);
		/* A strictly increasing timestamp: the counter as nanoseconds
		 * above the whitening mask. */
		fsc_wgnoise_tai64n_make(ts, 1700000000u + n / 50, (uint32_t)(n % 50) * 20000000u);
		if (fsc_wgnoise_initiation_create(nz, &ia, &pa, &hi, eph, (uint32_t)n, ts, 1, init,
						  &why) != FSC_OK ||
		    fsc_wgnoise_initiation_consume(nz, &ib, init, sizeof(init), &hr, pub, &why) !=
			    FSC_OK ||
		    fsc_wgnoise_initiation_accept(nz, &pb, &hr, init, sizeof(init), &why) != FSC_OK)
			goto bad;
		RAND_bytes(eph, 32);
		if (fsc_wgnoise_response_create(nz, &ib, &pb, &hr, eph, (uint32_t)n + 1, 1, resp,
						&why) != FSC_OK ||
		    fsc_wgnoise_response_consume(nz, &ia, &pa, &hi, resp, sizeof(resp), &why) !=
			    FSC_OK ||
		    fsc_wgnoise_keypair_derive(nz, &hi, &ki, &why) != FSC_OK ||
		    fsc_wgnoise_keypair_derive(nz, &hr, &kr, &why) != FSC_OK ||
		    memcmp(ki.send_key, kr.recv_key, 32) != 0)
			goto bad;
		n++;
		t = mono();
	} while (t - t0 < secs);
	printf("handshakes %lu seconds %.2f per_second %.0f\n", n, t - t0, (double)n / (t - t0));
	fsc_wgnoise_free(nz);
	return 0;
bad:
	fprintf(stderr, "wghandshakes: handshake %lu failed: %s\n", n, why ? why : "keys differ");
	return 1;
}
