/* test_wgsess.c - pairing handshakes, attributing transport, health. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/wgsess.h"

#define S 1000000000ll

static struct fsc_wg_endpoint A, B, C;

static int setup(void **state)
{
	(void)state;
	fsc_addr_parse("198.18.0.1", &A.addr);
	A.port = 41641;
	fsc_addr_parse("198.18.0.2", &B.addr);
	B.port = 51820;
	fsc_addr_parse("198.18.0.3", &C.addr);
	C.port = 41641;
	return 0;
}

static struct fsc_wg_msg init_msg(uint32_t sender)
{
	struct fsc_wg_msg m = { .type = FSC_WG_INITIATION, .sender = sender, .len = 148 };
	return m;
}

static struct fsc_wg_msg resp_msg(uint32_t sender, uint32_t receiver)
{
	struct fsc_wg_msg m = { .type = FSC_WG_RESPONSE, .sender = sender,
				.receiver = receiver, .len = 92 };
	return m;
}

static struct fsc_wg_msg data_msg(uint32_t receiver, uint64_t counter, size_t len)
{
	struct fsc_wg_msg m = { .type = FSC_WG_TRANSPORT, .receiver = receiver,
				.counter = counter, .len = len, .keepalive = len == 32 };
	return m;
}

static const struct fsc_wg_peer *only_peer(struct fsc_wg_tracker *t)
{
	const struct fsc_wg_peer *p[4];
	assert_int_equal(fsc_wg_peers(t, p, 4), 1);
	return p[0];
}

static void handshake_then_data(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n;
	struct fsc_wg_msg m;
	char why[128];

	m = init_msg(0x11111111);
	fsc_wg_track(t, &m, &A, &B, 10 * S, &n);
	assert_int_equal(n.session, 1);
	assert_int_equal(n.dir, 0);
	m = resp_msg(0x22222222, 0x11111111);
	fsc_wg_track(t, &m, &B, &A, 10 * S + 2000000, &n);
	assert_int_equal(n.session, 1);
	assert_int_equal(n.rtt_ns, 2000000);
	/* initiator -> responder: addressed to the responder's index */
	m = data_msg(0x22222222, 0, 128);
	fsc_wg_track(t, &m, &A, &B, 11 * S, &n);
	assert_int_equal(n.session, 1);
	assert_int_equal(n.dir, 0);
	m = data_msg(0x11111111, 0, 96);
	fsc_wg_track(t, &m, &B, &A, 11 * S, &n);
	assert_int_equal(n.dir, 1);
	for (int i = 1; i <= 4; i++) {
		m = data_msg(0x11111111, (uint64_t)i, 32);
		fsc_wg_track(t, &m, &B, &A, (11 + 10 * i) * S, &n);
	}

	const struct fsc_wg_session *s[4];
	assert_int_equal(fsc_wg_sessions(t, s, 4), 1);
	assert_true(s[0]->handshake);
	assert_int_equal(s[0]->index[0], 0x11111111);
	assert_int_equal(s[0]->index[1], 0x22222222);
	assert_true(fsc_addr_eq(&s[0]->ep[0].addr, &A.addr));
	assert_int_equal(s[0]->dir[0].packets, 1);
	assert_int_equal(s[0]->dir[0].bytes, 128);
	assert_int_equal(s[0]->dir[1].packets, 5);
	assert_int_equal(s[0]->dir[1].keepalives, 4);
	assert_int_equal(s[0]->dir[1].ka_gaps, 3);
	assert_true(s[0]->dir[1].ka_gap_sum_ns == 30 * S);

	const struct fsc_wg_peer *p = only_peer(t);
	assert_int_equal(p->responses, 1);
	assert_int_equal(p->unanswered, 0);
	assert_int_equal(p->rtts, 1);
	assert_int_equal(fsc_wg_peer_health(p, 60 * S, why, sizeof(why)), FSC_WG_OK);
	fsc_wg_tracker_free(t);
}

static void unanswered_initiations(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_msg m;
	char why[128];

	for (uint32_t i = 0; i < 4; i++) {
		m = init_msg(0x100 + i);
		fsc_wg_track(t, &m, &A, &B, (5 * i) * S, NULL);
	}
	const struct fsc_wg_peer *p = only_peer(t);
	assert_int_equal(p->initiations, 4);
	assert_int_equal(p->unanswered, 4);
	assert_int_equal(fsc_wg_peer_health(p, 20 * S, why, sizeof(why)), FSC_WG_NO_RESPONSE);
	assert_non_null(strstr(why, "4 initiations unanswered"));
	/* A response ends the run. */
	m = resp_msg(0x999, 0x103);
	fsc_wg_track(t, &m, &B, &A, 16 * S, NULL);
	assert_int_equal(p->unanswered, 0);
	assert_int_equal(fsc_wg_tracker_stats(t)->orphan_responses, 0);
	fsc_wg_tracker_free(t);
}

static void stale_keys(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_msg m;
	char why[128];

	m = init_msg(1);
	fsc_wg_track(t, &m, &A, &B, 0, NULL);
	m = resp_msg(2, 1);
	fsc_wg_track(t, &m, &B, &A, S / 100, NULL);
	for (int i = 0; i < 20; i++) {
		m = data_msg(2, (uint64_t)i, 64);
		fsc_wg_track(t, &m, &A, &B, (1 + 10 * i) * S, NULL);
		m = data_msg(1, (uint64_t)i, 64);
		fsc_wg_track(t, &m, &B, &A, (1 + 10 * i) * S, NULL);
	}
	const struct fsc_wg_peer *p = only_peer(t);
	assert_int_equal(fsc_wg_peer_health(p, 200 * S, why, sizeof(why)), FSC_WG_STALE_KEYS);
	fsc_wg_tracker_free(t);
}

static void one_way(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_msg m;
	char why[128];

	m = init_msg(1);
	fsc_wg_track(t, &m, &A, &B, 0, NULL);
	m = resp_msg(2, 1);
	fsc_wg_track(t, &m, &B, &A, S / 100, NULL);
	for (int i = 0; i < 5; i++) {
		m = data_msg(2, (uint64_t)i, 64);
		fsc_wg_track(t, &m, &A, &B, (1 + 5 * i) * S, NULL);
	}
	const struct fsc_wg_peer *p = only_peer(t);
	assert_int_equal(fsc_wg_peer_health(p, 30 * S, why, sizeof(why)), FSC_WG_ONE_WAY);
	assert_non_null(strstr(why, "198.18.0.2:51820 sent nothing"));
	fsc_wg_tracker_free(t);
}

/* Only the initiator's side captured ('src host A'): its transport to the
 * responder's index (in the response the capture lacks) joins the
 * initiation's session, the initiator stays A, and health says the
 * capture is one-sided instead of ok or no-handshake-seen. */
static void one_way_capture_initiator(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n1, n2;
	struct fsc_wg_msg m;
	const struct fsc_wg_session *s[4];
	char why[200];

	m = init_msg(0x1111);
	fsc_wg_track(t, &m, &A, &B, S, &n1);
	for (int i = 0; i < 4; i++) {
		m = data_msg(0x2222, (uint64_t)i, 64);
		fsc_wg_track(t, &m, &A, &B, S + S / 100 + i * S, &n2);
	}
	assert_int_equal(n1.session, n2.session);
	assert_int_equal(fsc_wg_sessions(t, s, 4), 1);
	assert_true(fsc_addr_eq(&s[0]->ep[0].addr, &A.addr));
	assert_int_equal(s[0]->index[0], 0x1111);
	assert_int_equal(s[0]->index[1], 0x2222);
	assert_string_equal(fsc_wg_session_seen(s[0]), "no resp");
	const struct fsc_wg_peer *p = only_peer(t);
	assert_int_equal(fsc_wg_peer_health(p, 30 * S, why, sizeof(why)),
			 FSC_WG_ONE_WAY_CAPTURE);
	assert_non_null(strstr(why, "only 198.18.0.1:41641 -> 198.18.0.2:51820 captured"));
	assert_string_equal(fsc_wg_health_name(FSC_WG_ONE_WAY_CAPTURE), "one-way-capture");
	fsc_wg_tracker_free(t);
}

/* Only the responder's side: its response answers an initiation the
 * capture lacks; the initiator is the response's destination. */
static void one_way_capture_responder(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_msg m;
	const struct fsc_wg_session *s[4];
	char why[200];

	m = resp_msg(0x2222, 0x1111);
	fsc_wg_track(t, &m, &B, &A, S, NULL);
	m = data_msg(0x1111, 0, 64);
	fsc_wg_track(t, &m, &B, &A, 2 * S, NULL);
	assert_int_equal(fsc_wg_sessions(t, s, 4), 1);
	assert_true(fsc_addr_eq(&s[0]->ep[0].addr, &A.addr));
	assert_string_equal(fsc_wg_session_seen(s[0]), "no init");
	assert_int_equal(fsc_wg_peer_health(only_peer(t), 3 * S, why, sizeof(why)),
			 FSC_WG_ONE_WAY_CAPTURE);
	fsc_wg_tracker_free(t);
}

/* A dead responder is no one-sided capture: nothing answers, so the
 * initiations stay unanswered, and transport to an old index long after
 * the initiation (past REKEY_TIMEOUT) joins no handshake. */
static void dead_responder_is_not_one_way_capture(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n1, n2;
	struct fsc_wg_msg m;
	char why[200];

	m = init_msg(0x1111);
	fsc_wg_track(t, &m, &A, &B, S, &n1);
	m = data_msg(0x9999, 0, 64);
	fsc_wg_track(t, &m, &A, &B, 7 * S, &n2);
	assert_int_not_equal(n1.session, n2.session);
	m = init_msg(0x3333);
	fsc_wg_track(t, &m, &A, &B, 12 * S, NULL);
	assert_int_equal(fsc_wg_peer_health(only_peer(t), 20 * S, why, sizeof(why)),
			 FSC_WG_NO_RESPONSE);
	fsc_wg_tracker_free(t);
}

/* A capture that starts mid-session: both directions join one session. */
static void mid_stream(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n1, n2, n3;
	struct fsc_wg_msg m;
	char why[128];

	m = data_msg(0xaaaa, 7, 64);
	fsc_wg_track(t, &m, &A, &B, S, &n1);
	assert_true(n1.unknown_index);
	m = data_msg(0xbbbb, 9, 64);
	fsc_wg_track(t, &m, &B, &A, 2 * S, &n2);
	m = data_msg(0xaaaa, 8, 64);
	fsc_wg_track(t, &m, &A, &B, 3 * S, &n3);
	assert_int_equal(n1.session, n2.session);
	assert_int_equal(n1.session, n3.session);
	assert_false(n3.unknown_index);
	assert_int_equal(n1.dir, n3.dir);
	assert_int_not_equal(n1.dir, n2.dir);
	assert_int_equal(fsc_wg_tracker_stats(t)->orphan_transport, 2);
	assert_int_equal(fsc_wg_peer_health(only_peer(t), 3 * S, why, sizeof(why)),
			 FSC_WG_NO_HANDSHAKE_SEEN);
	fsc_wg_tracker_free(t);
}

/* An endpoint that moves keeps its session (NAT rebinding, v4 -> v6). */
static void roaming(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n;
	struct fsc_wg_msg m;
	struct fsc_wg_endpoint a2 = A;

	a2.port = 50000;
	m = init_msg(7);
	fsc_wg_track(t, &m, &A, &B, 0, &n);
	m = resp_msg(8, 7);
	fsc_wg_track(t, &m, &B, &A, 1, &n);
	m = data_msg(8, 0, 64);
	fsc_wg_track(t, &m, &a2, &B, 2, &n); /* A's NAT rebinds */
	assert_int_equal(n.session, 1);
	assert_true(n.roamed);
	assert_false(n.unknown_index);
	m = data_msg(7, 0, 64);
	fsc_wg_track(t, &m, &B, &a2, 3, &n); /* B follows: no roam needed now */
	assert_int_equal(n.session, 1);
	assert_false(n.roamed);
	assert_int_equal(fsc_wg_tracker_stats(t)->roams, 1);
	assert_int_equal(fsc_wg_tracker_stats(t)->orphan_transport, 0);
	fsc_wg_tracker_free(t);
}

/* Same index chosen by two hosts: the endpoint keeps them apart. */
static void index_collision_across_peers(void **state)
{
	(void)state;
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(NULL);
	struct fsc_wg_note n;
	struct fsc_wg_msg m;

	m = init_msg(0x42);
	fsc_wg_track(t, &m, &A, &B, 0, &n);
	m = init_msg(0x42);
	fsc_wg_track(t, &m, &C, &B, 0, &n);
	m = resp_msg(0x50, 0x42);
	fsc_wg_track(t, &m, &B, &C, S, &n);
	assert_int_equal(n.session, 2);
	m = resp_msg(0x51, 0x42);
	fsc_wg_track(t, &m, &B, &A, S, &n);
	assert_int_equal(n.session, 1);
	assert_int_equal(fsc_wg_tracker_stats(t)->peers, 2);
	fsc_wg_tracker_free(t);
}

static void eviction_is_bounded(void **state)
{
	(void)state;
	struct fsc_wg_limits lim = { .max_sessions = 8, .max_peers = 4 };
	struct fsc_wg_tracker *t = fsc_wg_tracker_new(&lim);
	struct fsc_wg_msg m;
	struct fsc_wg_endpoint e = A;

	for (uint32_t i = 0; i < 1000; i++) {
		e.port = (uint16_t)(1000 + i % 10);
		m = init_msg(i);
		fsc_wg_track(t, &m, &e, &B, i, NULL);
		m = resp_msg(100000 + i, i);
		fsc_wg_track(t, &m, &B, &e, i + 1, NULL);
	}
	const struct fsc_wg_stats *st = fsc_wg_tracker_stats(t);
	const struct fsc_wg_session *s[16];
	const struct fsc_wg_peer *p[16];
	assert_int_equal(fsc_wg_sessions(t, s, 16), 8);
	assert_int_equal(fsc_wg_peers(t, p, 16), 4);
	assert_int_equal(st->sessions, 1000);
	assert_int_equal(st->sessions_evicted, 992);
	assert_true(st->peers_evicted > 0);
	/* The newest sessions survive and still pair. */
	assert_int_equal(s[7]->index[0], 999);
	assert_true(s[7]->handshake);
	fsc_wg_tracker_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(handshake_then_data),
		cmocka_unit_test(unanswered_initiations),
		cmocka_unit_test(stale_keys),
		cmocka_unit_test(one_way),
		cmocka_unit_test(one_way_capture_initiator),
		cmocka_unit_test(one_way_capture_responder),
		cmocka_unit_test(dead_responder_is_not_one_way_capture),
		cmocka_unit_test(mid_stream),
		cmocka_unit_test(roaming),
		cmocka_unit_test(index_collision_across_peers),
		cmocka_unit_test(eviction_is_bounded),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
