/* test_wgengine_index.c - the engine finds a message's session by its
 * receiver index (one map lookup, kept in step with the keypairs), no root:
 * with many peers every peer's transport reaches it as that peer's; across
 * rotations (next confirmed to current, current to previous, previous
 * dropped) each live keypair is found and a dropped one is not, also when
 * the engine initiated; and keypairs erased by the zero-keys timer are
 * forgotten. Rotations and expiries outnumber the map's room, so an index
 * left behind would show as a session the engine cannot find. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/rand.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fsc/wgengine.h"
#include "wgclients.h"

static struct wgclients W;
static unsigned delivered;
static uint32_t last_tag;

static void on_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	delivered++;
	last_tag = wgclients_tag(pkt, len);
}

static void make(size_t peers, unsigned timer_divisor)
{
	/* Every handshake here is wanted: never answer with a cookie. */
	struct fsc_wgengine_opts o = { .timer_divisor = timer_divisor,
				       .load_threshold = 1u << 30 };

	assert_true(wgclients_make(&W, peers, &o));
	fsc_wgengine_set_inner(W.eng, on_deliver, NULL);
	delivered = 0;
}

static int teardown(void **state)
{
	(void)state;
	wgclients_free(&W);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

/* Peer i sends tag under kp; returns whether the engine delivered it. */
static bool send_tag(size_t i, struct fsc_wgnoise_keypair *kp, uint32_t tag)
{
	uint8_t msg[256];
	size_t n = wgclients_seal(&W, i, kp, tag, msg, sizeof(msg));
	unsigned before = delivered;

	assert_true(n > 0);
	fsc_wgengine_receive(W.eng, msg, n, &W.from, W.port);
	return delivered == before + 1 && last_tag == tag;
}

#define MANY 256

static void test_many_peers(void **state)
{
	static struct fsc_wgnoise_keypair first[MANY], second[MANY];
	const struct fsc_wgengine_stats *st;

	(void)state;
	make(MANY, 1);
	st = fsc_wgengine_stats(W.eng);
	for (size_t i = 0; i < MANY; i++)
		assert_true(wgclients_handshake(&W, i, &first[i]));
	/* Each confirms its session (next becomes current), last peer first. */
	for (size_t i = MANY; i-- > 0;)
		assert_true(send_tag(i, &first[i], (uint32_t)i));
	sleep_ms(25); /* one initiation a peer per 20 ms */
	for (size_t i = 0; i < MANY; i++)
		assert_true(wgclients_handshake(&W, i, &second[i]));
	/* Current and next of every peer live side by side. */
	for (size_t i = 0; i < MANY; i++) {
		assert_true(send_tag(i, &first[i], 1000 + (uint32_t)i));
		assert_true(send_tag(i, &second[i], 2000 + (uint32_t)i));
		assert_true(send_tag(i, &first[i], 3000 + (uint32_t)i)); /* now previous */
	}
	assert_int_equal(delivered, 4 * MANY);
	assert_int_equal(st->unknown_index, 0);
	assert_int_equal(st->bad_inner_source, 0);
	assert_int_equal(st->handshakes_completed, 2 * MANY);
}

/* The engine initiates to peer i (it knows the endpoint from an earlier
 * handshake): an inner packet for i is queued and an initiation goes out;
 * we answer it, and the queued packet arrives under the new keypair. */
static void engine_initiates(size_t i, struct fsc_wgnoise_keypair *kp)
{
	struct wgclient *c = &W.c[i];
	uint8_t pkt[28] = { 0x45, 0, 0, sizeof(pkt), [8] = 64, [9] = 17, [12] = 100, [13] = 64,
			    [15] = 1 };
	uint8_t buf[512], resp[FSC_WG_RESPONSE_LEN], eph[32], plain[256], pub[32];
	struct fsc_wgnoise_handshake hs;
	struct pollfd p = { .fd = W.fd, .events = POLLIN };
	const char *why;
	ssize_t r = 0;
	size_t plen;
	uint32_t idx;

	memcpy(pkt + 16, c->inner, 4);
	assert_true(fsc_wgengine_send(W.eng, pkt, sizeof(pkt)));
	for (int tries = 0; tries < 100 && !(r == FSC_WG_INITIATION_LEN && buf[0] == 1); tries++) {
		poll(&p, 1, 30);
		r = recv(W.fd, buf, sizeof(buf), 0);
	}
	assert_int_equal(r, FSC_WG_INITIATION_LEN);
	memset(&hs, 0, sizeof(hs));
	RAND_bytes(eph, sizeof(eph));
	RAND_bytes((uint8_t *)&idx, sizeof(idx));
	assert_int_equal(fsc_wgnoise_initiation_consume(W.nz, &c->id, buf, (size_t)r, &hs, pub, &why),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_initiation_accept(W.nz, &c->engine, &hs, buf, (size_t)r, &why),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_response_create(W.nz, &c->id, &c->engine, &hs, eph, idx, 1,
						     resp, &why),
			 FSC_OK);
	assert_int_equal(fsc_wgnoise_keypair_derive(W.nz, &hs, kp, &why), FSC_OK);
	fsc_wgengine_receive(W.eng, resp, sizeof(resp), &W.from, W.port);
	fsc_wgengine_flush(W.eng);
	r = 0;
	for (int tries = 0; tries < 100 && !(r > 16 && buf[0] == 4); tries++) {
		poll(&p, 1, 30);
		r = recv(W.fd, buf, sizeof(buf), 0);
	}
	assert_true(r > 16 && buf[0] == 4);
	assert_int_equal(fsc_wgnoise_transport_open(W.nz, kp, buf, (size_t)r, plain, sizeof(plain),
						    &plen, NULL, &why),
			 FSC_OK);
	assert_true(plen >= sizeof(pkt));
	assert_memory_equal(plain, pkt, sizeof(pkt));
}

#define ROTATIONS 40 /* more than the room of three peers' indices */

static void test_rotation(void **state)
{
	struct fsc_wgnoise_keypair k1, k2, k3, other, late, k;
	const struct fsc_wgengine_stats *st;
	uint64_t unknown;

	(void)state;
	/* Timers a twentieth: one initiation a peer per ms; a keypair is
	 * refused after 9 s (no timer runs here). */
	make(3, 20);
	st = fsc_wgengine_stats(W.eng);
	assert_true(wgclients_handshake(&W, 1, &other));
	assert_true(send_tag(1, &other, 1));

	assert_true(wgclients_handshake(&W, 0, &k1));
	assert_true(send_tag(0, &k1, 10)); /* next -> current */
	sleep_ms(2);
	assert_true(wgclients_handshake(&W, 0, &k2));
	assert_true(send_tag(0, &k1, 11)); /* current, while k2 waits as next */
	assert_true(send_tag(0, &k2, 12)); /* k2 current, k1 previous */
	assert_true(send_tag(0, &k1, 13));
	sleep_ms(2);
	assert_true(wgclients_handshake(&W, 0, &k3)); /* drops the previous, k1 */
	unknown = st->unknown_index;
	assert_false(send_tag(0, &k1, 14));
	assert_int_equal(st->unknown_index, unknown + 1);
	assert_true(send_tag(0, &k2, 15));
	assert_true(send_tag(0, &k3, 16));
	assert_true(send_tag(1, &other, 17));

	for (uint32_t n = 0; n < ROTATIONS; n++) {
		sleep_ms(2);
		assert_true(wgclients_handshake(&W, 0, &k));
		assert_true(send_tag(0, &k, 100 + n));
	}
	assert_false(send_tag(0, &k2, 18));
	assert_true(send_tag(1, &other, 19));

	/* The engine as initiator, to a peer whose only keypair waits as
	 * next: the response finds its handshake by our receiver index, and
	 * its keypair becomes current while next is dropped. */
	assert_true(wgclients_handshake(&W, 2, &k)); /* the engine learns our port */
	engine_initiates(2, &late);
	unknown = st->unknown_index;
	assert_false(send_tag(2, &k, 20));
	assert_int_equal(st->unknown_index, unknown + 1);
	assert_true(send_tag(2, &late, 21));
	assert_true(send_tag(1, &other, 22));
	assert_int_equal(st->bad_auth, 0);
}

#define EXPIRIES 10 /* more than the room of one peer's indices */

static void test_expiry(void **state)
{
	struct fsc_wgnoise_keypair k;
	const struct fsc_wgengine_stats *st;

	(void)state;
	/* Timers a 2000th: a keypair is refused after 90 ms and erased by
	 * the zero-keys timer 270 ms after it was made. */
	make(1, 2000);
	st = fsc_wgengine_stats(W.eng);
	for (uint32_t n = 0; n < EXPIRIES; n++) {
		uint64_t unknown = st->unknown_index;
		bool forgotten = false;

		assert_true(wgclients_handshake(&W, 0, &k));
		/* Found: delivered, or refused as too old on a slow machine,
		 * never an unknown index. */
		send_tag(0, &k, n);
		assert_int_equal(st->unknown_index, unknown);
		for (int t = 0; t < 500 && !forgotten; t++) { /* 5 s at most */
			sleep_ms(10);
			fsc_wgengine_handle(W.eng, NULL, 0);
			send_tag(0, &k, n);
			forgotten = st->unknown_index > unknown;
		}
		assert_true(forgotten);
	}
	assert_true(delivered >= 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_many_peers, teardown),
		cmocka_unit_test_teardown(test_rotation, teardown),
		cmocka_unit_test_teardown(test_expiry, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
