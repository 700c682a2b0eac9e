/* wgpeers.c - transport messages a second into the WireGuard engine with
 * many peers: a message's session is found by its receiver index, so the
 * rate should not fall as peers are added. Each peer completes a
 * handshake (tests/unit/wgclients.c), then messages sealed beforehand,
 * round-robin over the peers, go through fsc_wgengine_receive (opened,
 * routed inbound, delivered); only that loop is timed.
 *
 *   wgpeers PEERS [MESSAGES]     (default 262144 messages)
 *
 * Prints "peers N messages M seconds S per_second R". Exit 1 on failure,
 * or when a message was not delivered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "wgclients.h"

#define MSG_LEN 96 /* a 60-byte packet padded to 64, header and tag */

static unsigned long delivered;

static void count(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx, (void)pkt, (void)len;
	delivered++;
}

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	size_t peers = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
	size_t msgs = argc > 2 ? strtoul(argv[2], NULL, 10) : 262144;
	struct fsc_wgengine_opts o = { .load_threshold = 1u << 30 };
	struct fsc_wgnoise_keypair *kp = calloc(peers ? peers : 1, sizeof(*kp));
	uint8_t *buf = malloc(msgs * MSG_LEN);
	struct wgclients w;
	double t0, t;

	if (!peers || !msgs || !kp || !buf || !wgclients_make(&w, peers, &o))
		return 1;
	fsc_wgengine_set_inner(w.eng, count, NULL);
	for (size_t i = 0; i < peers; i++)
		if (!wgclients_handshake(&w, i, &kp[i]))
			return 1;
	for (size_t j = 0; j < msgs; j++)
		if (wgclients_seal(&w, j % peers, &kp[j % peers], (uint32_t)j, buf + j * MSG_LEN,
				   MSG_LEN) != MSG_LEN)
			return 1;
	t0 = mono();
	for (size_t j = 0; j < msgs; j++)
		fsc_wgengine_receive(w.eng, buf + j * MSG_LEN, MSG_LEN, &w.from, w.port);
	t = mono() - t0;
	if (delivered != msgs) {
		fprintf(stderr, "wgpeers: %lu of %zu messages delivered\n", delivered, msgs);
		return 1;
	}
	printf("peers %zu messages %zu seconds %.3f per_second %.0f\n", peers, msgs, t,
	       (double)msgs / t);
	wgclients_free(&w);
	free(kp);
	free(buf);
	return 0;
}
