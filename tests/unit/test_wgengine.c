/* test_wgengine.c - two engines in one process over loopback UDP, no root:
 * a handshake and inner packets both ways; cryptokey routing refuses a
 * spoofed inner source; a second initiation within 20 ms and a replayed
 * one are refused; and silence to anything unauthenticated (garbage, a bad
 * mac1, an unknown receiver index, a replayed datagram), which is counted
 * and never answered. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/wgengine.h"
#include "fsc/wgnoise.h"

struct side {
	struct fsc_wgengine *eng;
	uint8_t last[2048];
	size_t last_len;
	unsigned delivered;
	int64_t last_rx_ns;	/* fsc_wgengine_rx_time at the last delivery */
};

static struct side A, B;

static void on_deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	struct side *s = ctx;

	assert_true(len <= sizeof(s->last));
	memcpy(s->last, pkt, len);
	s->last_len = len;
	s->delivered++;
	s->last_rx_ns = fsc_wgengine_rx_time(s->eng);
}

static uint64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Runs both engines' loop until cond() or ms milliseconds pass. */
static bool run_until(bool (*cond)(void), unsigned ms)
{
	uint64_t end = ms_now() + ms;
	struct pollfd p[4];

	while (ms_now() < end) {
		size_t n = fsc_wgengine_pollfds(A.eng, p, 2);
		n += fsc_wgengine_pollfds(B.eng, p + n, 2);
		poll(p, n, 10);
		fsc_wgengine_handle(A.eng, p, n);
		fsc_wgengine_handle(B.eng, p, n);
		if (cond && cond())
			return true;
	}
	return cond ? cond() : true;
}

static unsigned want_b, want_a;
static bool b_got(void) { return B.delivered >= want_b; }
static bool a_got(void) { return A.delivered >= want_a; }

/* A 60-byte IPv4/UDP packet from src to dst with a payload byte. */
static size_t ip4_packet(uint8_t *p, const char *src, const char *dst, uint8_t tag)
{
	memset(p, 0, 60);
	p[0] = 0x45;
	p[3] = 60;
	p[8] = 64;
	p[9] = 17;
	inet_pton(AF_INET, src, p + 12);
	inet_pton(AF_INET, dst, p + 16);
	p[20] = 0x30, p[21] = 0x39, p[22] = 0x30, p[23] = 0x39, p[25] = 40;
	p[28] = tag;
	return 60;
}

static void make_keys(uint8_t priv_a[32], uint8_t pub_a[32], uint8_t priv_b[32], uint8_t pub_b[32])
{
	char err[128];
	struct fsc_wgnoise *nz = fsc_wgnoise_new(err, sizeof(err));

	assert_non_null(nz);
	for (int i = 0; i < 32; i++) {
		priv_a[i] = (uint8_t)(i * 7 + 1);
		priv_b[i] = (uint8_t)(i * 13 + 5);
	}
	fsc_wgnoise_clamp(priv_a);
	fsc_wgnoise_clamp(priv_b);
	assert_true(fsc_wgnoise_pubkey(nz, pub_a, priv_a));
	assert_true(fsc_wgnoise_pubkey(nz, pub_b, priv_b));
	fsc_wgnoise_free(nz);
}

static struct fsc_wgengine *engine(const uint8_t priv[32], const uint8_t peer_pub[32],
				   const char *allowed, uint16_t endpoint_port)
{
	char text[1024], k1[45], k2[45], err[256];
	struct fsc_wgconf c;
	struct fsc_wgengine *e;

	fsc_wgconf_key_write(priv, k1);
	fsc_wgconf_key_write(peer_pub, k2);
	int n = snprintf(text, sizeof(text),
			 "[Interface]\nPrivateKey = %s\nListenPort = 0\n"
			 "[Peer]\nPublicKey = %s\nAllowedIPs = %s\n",
			 k1, k2, allowed);
	if (endpoint_port)
		n += snprintf(text + n, sizeof(text) - (size_t)n, "Endpoint = 127.0.0.1:%u\n",
			      endpoint_port);
	assert_true(fsc_wgconf_parse(text, (size_t)n, &c, err, sizeof(err)));
	e = fsc_wgengine_new(&c, NULL, err, sizeof(err));
	fsc_wgconf_free(&c);
	if (!e)
		print_error("engine: %s\n", err);
	assert_non_null(e);
	return e;
}

static int setup(void **state)
{
	uint8_t pa[32], qa[32], pb[32], qb[32];

	(void)state;
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	make_keys(pa, qa, pb, qb);
	B.eng = engine(pb, qa, "100.64.0.1/32", 0);
	A.eng = engine(pa, qb, "100.64.0.0/24", fsc_wgengine_listen_port(B.eng));
	fsc_wgengine_set_inner(A.eng, on_deliver, &A);
	fsc_wgengine_set_inner(B.eng, on_deliver, &B);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fsc_wgengine_free(A.eng);
	fsc_wgengine_free(B.eng);
	return 0;
}

static void test_both_ways(void **state)
{
	uint8_t pkt[64];
	size_t n;

	(void)state;
	n = ip4_packet(pkt, "100.64.0.1", "100.64.0.2", 1);
	assert_true(fsc_wgengine_send(A.eng, pkt, n)); /* queued; starts a handshake */
	want_b = 1;
	assert_true(run_until(b_got, 3000));
	assert_int_equal(B.last_len, n);
	assert_memory_equal(B.last, pkt, n);

	n = ip4_packet(pkt, "100.64.0.2", "100.64.0.1", 2);
	assert_true(fsc_wgengine_send(B.eng, pkt, n));
	want_a = 1;
	assert_true(run_until(a_got, 3000));
	assert_memory_equal(A.last, pkt, n);
	assert_int_equal(fsc_wgengine_stats(A.eng)->handshakes_completed, 1);
	assert_int_equal(fsc_wgengine_stats(B.eng)->handshakes_completed, 1);

	/* No peer for this destination. */
	n = ip4_packet(pkt, "100.64.0.1", "100.64.9.9", 3);
	assert_false(fsc_wgengine_send(A.eng, pkt, n));
	assert_int_equal(fsc_wgengine_stats(A.eng)->no_route, 1);
}

static int64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* A's tap marks every packet it sends with its tag byte; sent records. */
static unsigned told[4];
static int64_t told_ns[4];

static void mark_tap(void *ctx, bool from_peer, const uint8_t *pkt, size_t len)
{
	(void)ctx;
	if (!from_peer && len == 60)
		fsc_wgengine_mark_sent(A.eng, pkt[28] & 3);
}

static void on_sent(void *ctx, uint32_t cookie, int64_t ns)
{
	(void)ctx;
	told[cookie & 3]++;
	told_ns[cookie & 3] = ns;
}

/* The send time of a marked packet (right before its datagram goes to the
 * kernel), never for one staged for the handshake; the receive time of the
 * datagram that carried a delivered packet (the kernel's, after the send). */
static void test_send_and_receive_times(void **state)
{
	uint8_t pkt[64];
	size_t n;

	(void)state;
	memset(told, 0, sizeof(told));
	fsc_wgengine_set_tap(A.eng, mark_tap, NULL);
	fsc_wgengine_set_sent(A.eng, on_sent, NULL);
	n = ip4_packet(pkt, "100.64.0.1", "100.64.0.2", 1);
	assert_true(fsc_wgengine_send(A.eng, pkt, n)); /* staged: no session yet */
	want_b = 1;
	assert_true(run_until(b_got, 3000));
	assert_int_equal(told[1], 0);

	int64_t before = wall_ns();
	n = ip4_packet(pkt, "100.64.0.1", "100.64.0.2", 2);
	assert_true(fsc_wgengine_send(A.eng, pkt, n));
	want_b = 2;
	assert_true(run_until(b_got, 3000));
	int64_t after = wall_ns();
	assert_int_equal(told[2], 1);
	assert_true(told_ns[2] >= before && told_ns[2] <= after);
	assert_true(B.last_rx_ns >= told_ns[2] && B.last_rx_ns <= after);
	fsc_wgengine_set_tap(A.eng, NULL, NULL);
}

static void test_spoofed_inner_source(void **state)
{
	uint8_t pkt[64];
	size_t n;

	(void)state;
	n = ip4_packet(pkt, "100.64.0.1", "100.64.0.2", 1);
	fsc_wgengine_send(A.eng, pkt, n);
	want_b = 1;
	assert_true(run_until(b_got, 3000));
	/* A may route 100.64.0.0/24 to B, but B allows only 100.64.0.1
	 * from A: a packet claiming 100.64.0.9 is dropped. */
	n = ip4_packet(pkt, "100.64.0.9", "100.64.0.2", 2);
	assert_true(fsc_wgengine_send(A.eng, pkt, n));
	run_until(NULL, 200);
	assert_int_equal(B.delivered, 1);
	assert_int_equal(fsc_wgengine_stats(B.eng)->bad_inner_source, 1);
}

/* A plain UDP socket aimed at B, and whether anything comes back. */
static int probe_socket(struct sockaddr_in *to)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	memset(to, 0, sizeof(*to));
	to->sin_family = AF_INET;
	to->sin_port = htons(fsc_wgengine_listen_port(B.eng));
	to->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return fd;
}

static void test_silence_to_the_unauthenticated(void **state)
{
	struct sockaddr_in to;
	int fd = probe_socket(&to);
	uint8_t msg[148], buf[256];
	const struct fsc_wgengine_stats *st = fsc_wgengine_stats(B.eng);

	(void)state;
	memset(msg, 0x41, sizeof(msg));
	sendto(fd, msg, 20, 0, (struct sockaddr *)&to, sizeof(to)); /* garbage */
	msg[0] = 1, msg[1] = msg[2] = msg[3] = 0;		      /* an initiation, bad mac1 */
	sendto(fd, msg, 148, 0, (struct sockaddr *)&to, sizeof(to));
	msg[0] = 4;						      /* transport, unknown index */
	sendto(fd, msg, 64, 0, (struct sockaddr *)&to, sizeof(to));
	run_until(NULL, 200);
	assert_int_equal(st->not_wireguard, 1);
	assert_int_equal(st->bad_mac1, 1);
	assert_int_equal(st->unknown_index, 1);
	assert_int_equal(st->cookies_sent, 0);
	assert_true(recv(fd, buf, sizeof(buf), 0) < 0); /* nothing answered */
	close(fd);
}

/* A replayed transport message is refused by the window. A copy of A's
 * datagram is made by sending it through a relay socket: A's endpoint for
 * B is the relay, which forwards to B and keeps a copy. */
static void test_replay(void **state)
{
	uint8_t priv_a[32], pub_a[32], priv_b[32], pub_b[32], pkt[64], copy[2048], buf[2048];
	struct sockaddr_in relay_addr, a_addr, b_addr, from;
	socklen_t fl = sizeof(from), rl = sizeof(relay_addr);
	int relay = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	ssize_t copy_len = 0;
	size_t n;

	(void)state;
	teardown(NULL);
	memset(&A, 0, sizeof(A));
	memset(&B, 0, sizeof(B));
	make_keys(priv_a, pub_a, priv_b, pub_b);
	memset(&relay_addr, 0, sizeof(relay_addr));
	relay_addr.sin_family = AF_INET;
	relay_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(relay, (struct sockaddr *)&relay_addr, sizeof(relay_addr)), 0);
	getsockname(relay, (struct sockaddr *)&relay_addr, &rl);
	B.eng = engine(priv_b, pub_a, "100.64.0.1/32", 0);
	A.eng = engine(priv_a, pub_b, "100.64.0.2/32", ntohs(relay_addr.sin_port));
	fsc_wgengine_set_inner(A.eng, on_deliver, &A);
	fsc_wgengine_set_inner(B.eng, on_deliver, &B);
	b_addr = relay_addr;
	b_addr.sin_port = htons(fsc_wgengine_listen_port(B.eng));
	a_addr = relay_addr;
	a_addr.sin_port = htons(fsc_wgengine_listen_port(A.eng));

	n = ip4_packet(pkt, "100.64.0.1", "100.64.0.2", 7);
	fsc_wgengine_send(A.eng, pkt, n);
	uint64_t end = ms_now() + 3000;
	while (B.delivered < 1 && ms_now() < end) {
		ssize_t r;
		run_until(NULL, 5);
		/* Forward A's datagrams to B (keeping the last transport
		 * one) and B's to A. */
		while ((r = recvfrom(relay, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl)) > 0) {
			bool from_b = from.sin_port == b_addr.sin_port;
			if (!from_b && buf[0] == 4 && r > 32) {
				memcpy(copy, buf, (size_t)r);
				copy_len = r;
			}
			if (from_b)
				sendto(relay, buf, (size_t)r, 0, (struct sockaddr *)&a_addr, sizeof(a_addr));
			else
				sendto(relay, buf, (size_t)r, 0, (struct sockaddr *)&b_addr, sizeof(b_addr));
			fl = sizeof(from);
		}
	}
	assert_int_equal(B.delivered, 1);
	assert_true(copy_len > 32);
	sendto(relay, copy, (size_t)copy_len, 0, (struct sockaddr *)&b_addr, sizeof(b_addr));
	run_until(NULL, 200);
	assert_int_equal(B.delivered, 1);
	assert_int_equal(fsc_wgengine_stats(B.eng)->replays, 1);
	close(relay);
}

/* Initiations from A's identity, made here and fed straight to B: a second
 * one within 20 ms is refused (the per-peer flood limit), and the same
 * message again later is refused (its timestamp is not newer).  The engine
 * reads its own clock, so a loaded machine may let 20 ms pass between the
 * two: such a try proves nothing and is made again with newer messages
 * (bounded); only a pair measured to be within the limit is asserted. */
#define FLOOD_TRIES 20
#define FLOOD_WINDOW_NS (20 * 1000000ull)

static uint64_t mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void make_initiation(struct fsc_wgnoise *nz, struct fsc_wgnoise_identity *ida,
			    struct fsc_wgnoise_peer *peer_b, uint64_t sec, uint32_t ns,
			    uint32_t sender, uint8_t msg[148])
{
	struct fsc_wgnoise_handshake hs;
	uint8_t eph[32], ts[12];
	const char *why;

	memset(&hs, 0, sizeof(hs));
	memset(eph, (int)(sender & 0xff), sizeof(eph));
	fsc_wgnoise_tai64n_make(ts, sec, ns);
	assert_int_equal(fsc_wgnoise_initiation_create(nz, ida, peer_b, &hs, eph, sender, ts, 1,
						       msg, &why),
			 FSC_OK);
}

static void test_initiation_flood_and_replay(void **state)
{
	uint8_t pa[32], qa[32], pb[32], qb[32], m1[148], m2[148], m3[148];
	struct fsc_wgnoise_identity ida;
	struct fsc_wgnoise_peer peer_b;
	struct fsc_addr from;
	const char *why;
	char err[128];
	struct fsc_wgnoise *nz = fsc_wgnoise_new(err, sizeof(err));
	const struct fsc_wgengine_stats *st = fsc_wgengine_stats(B.eng);
	struct timespec now;
	bool within = false;

	(void)state;
	make_keys(pa, qa, pb, qb);
	assert_int_equal(fsc_wgnoise_identity_set(nz, &ida, pa, &why), FSC_OK);
	assert_int_equal(fsc_wgnoise_peer_set(nz, &peer_b, &ida, qb, NULL, &why), FSC_OK);
	clock_gettime(CLOCK_REALTIME, &now);
	assert_true(fsc_addr_parse("127.0.0.1", &from));
	for (unsigned try = 0; try < FLOOD_TRIES && !within; try++) {
		/* Timestamps 100 ms apart, each try's newer than any before. */
		uint64_t sec = (uint64_t)now.tv_sec + 5 + try;
		make_initiation(nz, &ida, &peer_b, sec, 0, 100 + 2 * try, m1);
		make_initiation(nz, &ida, &peer_b, sec, 100000000u, 101 + 2 * try, m2);
		uint64_t floods = st->initiation_flood, t0 = mono_ns();
		fsc_wgengine_receive(B.eng, m1, 148, &from, 9);
		fsc_wgengine_receive(B.eng, m2, 148, &from, 9);
		within = mono_ns() - t0 < FLOOD_WINDOW_NS;
		if (within)
			assert_int_equal(st->initiation_flood, floods + 1);
		run_until(NULL, 60); /* past the limit before the next try */
	}
	assert_true(within); /* else the machine never ran two calls in 20 ms */
	uint64_t floods = st->initiation_flood, bad = st->bad_auth;
	fsc_wgengine_receive(B.eng, m1, 148, &from, 9); /* replayed */
	assert_int_equal(st->bad_auth, bad + 1);
	make_initiation(nz, &ida, &peer_b, (uint64_t)now.tv_sec + 5 + FLOOD_TRIES, 0, 99, m3);
	fsc_wgengine_receive(B.eng, m3, 148, &from, 9); /* newer: accepted */
	assert_int_equal(st->bad_auth, bad + 1);
	assert_int_equal(st->initiation_flood, floods);
	fsc_wgnoise_free(nz);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_both_ways, setup, teardown),
		cmocka_unit_test_setup_teardown(test_send_and_receive_times, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spoofed_inner_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_silence_to_the_unauthenticated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_initiation_flood_and_replay, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
