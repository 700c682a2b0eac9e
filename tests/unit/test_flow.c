/* test_flow.c - the flow table: keys from both directions, direction 0,
 * lifecycle (open once, close once, whatever the reason), idle timeout,
 * eviction, reuse, limits, and a million half-open flows in bounded memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <sys/resource.h>

#include "flowkit.h"

static const struct fsc_flow_stats *st(struct kit *k)
{
	return fsc_flows_stats(k->t);
}

static struct fsc_packet on_port(uint16_t port, int from, uint8_t flags, uint32_t seq,
				 uint32_t ack)
{
	return kit_pkt_port(port, from, flags, seq, ack, NULL, 0);
}

static const struct fsc_flow *send_port(struct kit *k, uint16_t port, int64_t ts, int from,
					uint8_t flags, uint32_t seq, uint32_t ack, int *dir)
{
	struct fsc_packet pkt = on_port(port, from, flags, seq, ack);
	return fsc_flows_packet(k->t, &pkt, ts, dir);
}

static void both_directions_one_flow(void **state)
{
	(void)state;
	struct kit k;
	int d0, d1, d2;

	kit_init(&k, NULL);
	const struct fsc_flow *a = send_port(&k, 40000, S_NS, 0, SYN, 10, 0, &d0);
	const struct fsc_flow *b = send_port(&k, 40000, S_NS, 1, SYN | ACK, 20, 11, &d1);
	const struct fsc_flow *c = send_port(&k, 40000, S_NS, 0, ACK, 11, 21, &d2);
	assert_non_null(a);
	assert_ptr_equal(a, b);
	assert_ptr_equal(a, c);
	assert_int_equal(d0, 0);
	assert_int_equal(d1, 1);
	assert_int_equal(d2, 0);
	/* direction 0 is the SYN sender */
	assert_int_equal(a->port[0], 40000);
	assert_int_equal(a->port[1], 443);
	assert_true(a->dir[0].syn && a->dir[1].syn);
	assert_int_equal(a->dir[0].isn, 10);
	assert_int_equal(a->dir[1].isn, 20);
	assert_int_equal(a->dir[0].packets, 2);
	assert_int_equal(a->dir[1].packets, 1);
	assert_int_equal(k.opens, 1);
	/* another client port is another flow */
	const struct fsc_flow *o = send_port(&k, 40001, S_NS, 0, SYN, 10, 0, NULL);
	assert_ptr_not_equal(o, a);
	assert_int_equal(o->id, 2);

	/* mid-stream, the server speaking first: it is direction 0 */
	struct fsc_packet pkt = kit_pkt_port(40002, 1, ACK | PSH, 500, 900, "x", 1);
	const struct fsc_flow *m = kit_packet(&k, &pkt, S_NS, &d0);
	assert_int_equal(d0, 0);
	assert_int_equal(m->port[0], 443);
	assert_true(m->dir[0].midstream);

	/* the same bytes as IPv6 are not the IPv4 flow */
	pkt = on_port(40000, 0, ACK, 11, 21);
	uint8_t v6[16] = { 0 };
	memcpy(v6 + 12, pkt.src.b, 4);
	fsc_addr_set6(&pkt.src, v6);
	memcpy(v6 + 12, pkt.dst.b, 4);
	fsc_addr_set6(&pkt.dst, v6);
	assert_ptr_not_equal(fsc_flows_packet(k.t, &pkt, S_NS, NULL), a);
	assert_int_equal(k.opens, 4);

	/* the same segment captured on another interface is another flow;
	 * back on the first, it is the first flow again */
	pkt = on_port(40000, 0, ACK, 11, 21);
	pkt.obs = 1;
	const struct fsc_flow *other = fsc_flows_packet(k.t, &pkt, S_NS, NULL);
	assert_ptr_not_equal(other, a);
	assert_int_equal(other->obs, 1);
	assert_int_equal(k.opens, 5);
	pkt.obs = 0;
	assert_ptr_equal(fsc_flows_packet(k.t, &pkt, S_NS, NULL), a);
	kit_done(&k);
}

static void ignored_and_untracked(void **state)
{
	(void)state;
	struct kit k;

	kit_init(&k, NULL);
	struct fsc_packet pkt = on_port(40000, 0, SYN, 1, 0);
	pkt.proto = 17;
	assert_null(fsc_flows_packet(k.t, &pkt, S_NS, NULL));
	pkt = on_port(40000, 0, SYN, 1, 0);
	pkt.layer = FSC_LAYER_TRANSPORT; /* header cut short */
	assert_null(fsc_flows_packet(k.t, &pkt, S_NS, NULL));
	assert_null(fsc_flows_packet(k.t, NULL, S_NS, NULL));
	assert_int_equal(st(&k)->segments, 0);
	/* a lone RST opens nothing */
	assert_null(send_port(&k, 40000, S_NS, 0, RST | ACK, 1, 1, NULL));
	assert_int_equal(st(&k)->untracked, 1);
	assert_int_equal(k.opens, 0);
	kit_done(&k);
}

static void idle_timeout(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 8, .idle_timeout_ns = 60 * S_NS };

	kit_init(&k, &lim);
	send_port(&k, 1, 0, 0, SYN, 1, 0, NULL);
	send_port(&k, 2, 30 * S_NS, 0, SYN, 1, 0, NULL);
	send_port(&k, 2, 50 * S_NS, 0, ACK, 2, 1, NULL); /* 2 stays busy */
	assert_int_equal(k.closes, 0);
	/* time moves on with another flow's packet: 1 has been quiet 61 s */
	send_port(&k, 3, 61 * S_NS, 0, SYN, 1, 0, NULL);
	assert_int_equal(k.closes, 1);
	assert_int_equal(k.close_why[FSC_CLOSE_IDLE], 1);
	assert_int_equal(st(&k)->active, 2);
	/* a live capture with no traffic expires by the clock */
	fsc_flows_expire(k.t, 200 * S_NS);
	assert_int_equal(k.close_why[FSC_CLOSE_IDLE], 3);
	assert_int_equal(st(&k)->active, 0);
	/* quiet flows come back as new, mid-stream flows */
	const struct fsc_flow *f = send_port(&k, 1, 201 * S_NS, 0, ACK, 2, 1, NULL);
	assert_true(f->dir[0].midstream);
	assert_int_equal(k.opens, 4);
	kit_done(&k);
}

static void eviction(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 4 };

	kit_init(&k, &lim);
	for (uint16_t p = 1; p <= 4; p++)
		send_port(&k, p, p * S_NS, 0, SYN, 1, 0, NULL);
	send_port(&k, 1, 5 * S_NS, 0, SYN, 1, 0, NULL); /* 1 is recent again */
	send_port(&k, 5, 6 * S_NS, 0, SYN, 1, 0, NULL);
	/* the least recently active (2) made room */
	assert_int_equal(k.close_why[FSC_CLOSE_EVICTED], 1);
	assert_int_equal(st(&k)->closed[FSC_CLOSE_EVICTED], 1);
	assert_int_equal(st(&k)->active, 4);
	assert_int_equal(send_port(&k, 1, 7 * S_NS, 0, ACK, 2, 0, NULL)->id, 1);
	assert_int_equal(send_port(&k, 2, 7 * S_NS, 0, ACK, 2, 0, NULL)->id, 6);
	assert_int_equal(k.close_why[FSC_CLOSE_EVICTED], 2);

	/* a closed flow lingering is taken before any live one */
	send_port(&k, 1, 8 * S_NS, 0, RST, 2, 0, NULL);
	assert_int_equal(k.close_why[FSC_CLOSE_RST], 1);
	send_port(&k, 9, 9 * S_NS, 0, SYN, 1, 0, NULL);
	assert_int_equal(k.close_why[FSC_CLOSE_EVICTED], 2);
	assert_int_equal(k.closes, 3);
	fsc_flows_flush(k.t);
	assert_int_equal(k.closes, k.opens);
	kit_done(&k);
}

static void closed_linger_and_reuse(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 8, .closed_timeout_ns = 10 * S_NS };

	kit_init(&k, &lim);
	kit_handshake(&k, S_NS, 100, 200);
	kit_send(&k, S_NS, 0, FIN | ACK, 101, 201, NULL, 0);
	kit_send(&k, S_NS, 1, FIN | ACK, 201, 102, NULL, 0);
	assert_int_equal(k.close_why[FSC_CLOSE_FIN], 1);
	/* retransmitted FIN and last ACK: absorbed, no new flow */
	kit_send(&k, 2 * S_NS, 1, FIN | ACK, 201, 102, NULL, 0);
	kit_send(&k, 2 * S_NS, 0, ACK, 102, 202, NULL, 0);
	assert_int_equal(k.opens, 1);
	assert_int_equal(st(&k)->absorbed, 2);
	/* after closed_timeout_ns it is gone: a stray ACK opens anew */
	kit_send(&k, 13 * S_NS, 0, ACK, 102, 202, NULL, 0);
	assert_int_equal(k.opens, 2);

	/* a SYN with a new ISN on a live flow: the old connection is over */
	kit_handshake(&k, 20 * S_NS, 5000, 6000);
	assert_int_equal(k.close_why[FSC_CLOSE_REUSED], 1);
	const struct fsc_flow *f = kit_send(&k, 20 * S_NS, 0, SYN, 5000, 0, NULL, 0);
	assert_int_equal(k.opens, 3); /* a retransmitted SYN is not new */
	assert_int_equal(f->id, 3);
	fsc_flows_flush(k.t);
	assert_int_equal(k.closes, 3);
	kit_done(&k);
}

static void user_area(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 2, .user_size = 24 };

	kit_init(&k, &lim);
	struct fsc_flow *a = (struct fsc_flow *)send_port(&k, 1, S_NS, 0, SYN, 1, 0, NULL);
	struct fsc_flow *b = (struct fsc_flow *)send_port(&k, 2, S_NS, 0, SYN, 1, 0, NULL);
	assert_non_null(a->user);
	assert_ptr_not_equal(a->user, b->user);
	assert_int_equal((uintptr_t)a->user % 16, 0);
	memset(a->user, 0xab, 24);
	/* a evicted; its slot's area comes back zeroed */
	struct fsc_flow *c = (struct fsc_flow *)send_port(&k, 3, 2 * S_NS, 0, SYN, 1, 0, NULL);
	assert_ptr_equal(c->user, a->user);
	for (int i = 0; i < 24; i++)
		assert_int_equal(((uint8_t *)c->user)[i], 0);
	kit_done(&k);
}

static void limits_and_names(void **state)
{
	(void)state;
	struct fsc_flow_limits d, tiny = { .dir_cap = 1, .mem_cap = 1 };

	fsc_flows_limits_default(&d);
	assert_int_equal(d.max_flows, FSC_FLOW_DEFAULT_MAX_FLOWS);
	assert_int_equal(d.dir_cap, FSC_FLOW_DEFAULT_DIR_CAP);
	assert_true(d.mem_cap == FSC_FLOW_DEFAULT_MEM_CAP);
	/* the documented costs hold (LP64) */
	if (sizeof(void *) == 8) {
		assert_true(fsc_flows_bytes_per_flow(NULL) <= 400);
		assert_true(fsc_flows_mem_bound(NULL) <= 91ull << 20);
	}
	/* absurd limits are clamped to something that works */
	struct fsc_flows *t = fsc_flows_new(&tiny, NULL);
	assert_non_null(t);
	assert_int_equal(fsc_flows_limits(t)->dir_cap, 512);
	assert_true(fsc_flows_limits(t)->mem_cap == 512);
	assert_int_equal(fsc_flows_limits(t)->max_flows, FSC_FLOW_DEFAULT_MAX_FLOWS);
	fsc_flows_free(t);
	for (int r = 0; r < FSC_GAP_COUNT; r++) {
		assert_string_not_equal(fsc_gap_reason_name((enum fsc_gap_reason)r), "unknown");
		for (int q = 0; q < r; q++)
			assert_string_not_equal(fsc_gap_reason_name((enum fsc_gap_reason)r),
						fsc_gap_reason_name((enum fsc_gap_reason)q));
	}
	for (int r = 0; r < FSC_CLOSE_COUNT; r++)
		assert_string_not_equal(fsc_close_reason_name((enum fsc_close_reason)r),
					"unknown");
	assert_string_equal(fsc_close_reason_name(FSC_CLOSE_COUNT), "unknown");
	assert_string_equal(fsc_gap_reason_name(FSC_GAP_COUNT), "unknown");
}

/* Many flows ending every way there is: each opened flow is closed exactly
 * once (the kit aborts on a second close or a close without open). */
static void close_exactly_once(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 64, .dir_cap = 1024, .mem_cap = 1 << 14,
				       .idle_timeout_ns = 20 * S_NS };
	enum { N = 3000 };

	kit_init(&k, &lim);
	k.life_n = N * 4;
	k.life = calloc(k.life_n, 1);
	for (unsigned i = 0; i < N; i++) {
		uint16_t port = (uint16_t)(1000 + kit_rand(&k) % 400);
		int64_t ts = (int64_t)i * S_NS / 10;
		uint32_t isn = kit_rand(&k);
		struct fsc_packet pkt;
		switch (kit_rand(&k) % 6) {
		case 0: /* handshake and data */
			pkt = on_port(port, 0, SYN, isn, 0);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			pkt = kit_pkt_port(port, 0, ACK, isn + 1, 1, "data", 4);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			break;
		case 1: /* a FIN from either side */
			pkt = on_port(port, (int)(kit_rand(&k) & 1), FIN | ACK, isn, 1);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			break;
		case 2:
			pkt = on_port(port, (int)(kit_rand(&k) & 1), RST, isn, 0);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			break;
		case 3: /* out of order data that waits */
			pkt = kit_pkt_port(port, 1, ACK, isn + 100, 1, "late", 4);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			break;
		case 4:
			if (kit_rand(&k) % 8 == 0)
				fsc_flows_expire(k.t, ts + 30 * S_NS);
			break;
		default:
			pkt = on_port(port, 0, ACK, isn, 1);
			fsc_flows_packet(k.t, &pkt, ts, NULL);
			break;
		}
		assert_true(st(&k)->active <= 64);
		assert_int_equal(k.opens - k.closes, st(&k)->active);
	}
	fsc_flows_flush(k.t);
	assert_int_equal(k.opens, st(&k)->flows);
	assert_int_equal(k.closes, k.opens);
	for (size_t id = 1; id <= st(&k)->flows; id++)
		assert_int_equal(k.life[id], 2);
	unsigned reasons = 0;
	for (int r = 0; r < FSC_CLOSE_COUNT; r++)
		reasons += st(&k)->closed[r] > 0;
	assert_true(reasons >= 5);
	assert_int_equal(st(&k)->mem_in_use, 0);
	kit_done(&k);
}

static long max_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* One SYN from each of n distinct clients (address and port). */
static void syn_flood(struct kit *k, unsigned n)
{
	struct fsc_packet pkt = on_port(1, 0, SYN, 0, 0);

	for (unsigned i = 0; i < n; i++) {
		uint8_t a[4] = { 100, (uint8_t)(64 + (i >> 22)), (uint8_t)(i >> 14),
				 (uint8_t)(i >> 6) };
		fsc_addr_set4(&pkt.src, a);
		pkt.sport = (uint16_t)(1024 + (i & 63));
		pkt.seq = i * 2654435761u;
		fsc_flows_packet(k->t, &pkt, (int64_t)i * 1000, NULL);
	}
}

static void million_half_open(void **state)
{
	(void)state;
	struct kit k;
	struct fsc_flow_limits lim = { .max_flows = 4096 };
	enum { N = 1000000 };

	kit_init(&k, &lim);
	long before = max_rss_kib();
	syn_flood(&k, N);
	long grown = max_rss_kib() - before;
	assert_int_equal(st(&k)->flows, N);
	assert_int_equal(st(&k)->active, 4096);
	assert_int_equal(st(&k)->closed[FSC_CLOSE_EVICTED], N - 4096);
	assert_int_equal(k.opens - k.closes, 4096);
	assert_int_equal(st(&k)->mem_in_use, 0);
	fsc_flows_flush(k.t);
	assert_int_equal(k.closes, N);
	size_t bound = fsc_flows_mem_bound(&lim);
	print_message("1M SYNs, max_flows 4096: %zu bytes/flow, table bound %zu KiB, "
		      "RSS grew %ld KiB\n", fsc_flows_bytes_per_flow(&lim), bound >> 10, grown);
	/* half-open flows touch no stream buffer: only records */
	assert_true((size_t)grown * 1024 <= (size_t)4096 * 1024 + 4 * 4096 * 400);
	kit_done(&k);

	/* The defaults: 65536 flows at most, whatever comes. */
	kit_init(&k, &(struct fsc_flow_limits){ 0 });
	before = max_rss_kib();
	syn_flood(&k, N);
	grown = max_rss_kib() - before;
	assert_int_equal(st(&k)->active, FSC_FLOW_DEFAULT_MAX_FLOWS);
	assert_int_equal(st(&k)->closed[FSC_CLOSE_EVICTED], N - FSC_FLOW_DEFAULT_MAX_FLOWS);
	print_message("1M SYNs, defaults: RSS grew %ld KiB (bound %zu KiB)\n", grown,
		      fsc_flows_mem_bound(NULL) >> 10);
	assert_true((size_t)grown * 1024 <= fsc_flows_mem_bound(NULL));
	fsc_flows_flush(k.t);
	kit_done(&k);
}

static void odd_timestamps(void **state)
{
	(void)state;
	struct kit k;

	/* time running backwards or at the ends of int64 breaks nothing */
	kit_init(&k, NULL);
	send_port(&k, 1, INT64_MAX, 0, SYN, 1, 0, NULL);
	send_port(&k, 2, INT64_MIN, 0, SYN, 1, 0, NULL);
	send_port(&k, 1, 0, 0, ACK, 2, 0, NULL);
	fsc_flows_expire(k.t, INT64_MIN);
	fsc_flows_expire(k.t, INT64_MAX);
	assert_int_equal(st(&k)->active, 1); /* 2 is idle since forever */
	fsc_flows_flush(k.t);
	assert_int_equal(k.closes, 2);
	kit_done(&k);
}

/* A pcapng file whose interfaces each have their clock: a connection on a
 * clock 3 days behind another's, after it in the file, is live while its
 * segments come (issue 18: the second ClientHello of a connection was lost
 * once the flow had been closed idle between two of its segments). */
static void clock_behind_keeps_flows_live(void **state)
{
	(void)state;
	struct kit k;
	const int64_t later = 3 * 86400 * S_NS, idle = FSC_FLOW_DEFAULT_IDLE_NS;

	kit_init(&k, NULL);
	send_port(&k, 1, later, 0, SYN, 1, 0, NULL);
	send_port(&k, 1, later + S_NS, 0, ACK | RST, 2, 1, NULL); /* closed, lingers */
	/* Another interface, 3 days earlier: flow 2's segments 1 s apart. */
	const struct fsc_flow *a = send_port(&k, 2, 10 * S_NS, 0, SYN, 1, 0, NULL);
	uint64_t id = a->id;
	for (int i = 1; i <= 5; i++) {
		const struct fsc_flow *f = send_port(&k, 2, (10 + i) * S_NS, 0, ACK, 2, 1, NULL);
		assert_int_equal(f->id, id);
		assert_false(f->dir[0].midstream);
	}
	assert_int_equal(k.closes, 1); /* flow 1's RST */
	/* And idle is still idle: past the idle timeout, flow 2 closes. */
	send_port(&k, 3, 15 * S_NS + idle + S_NS, 0, SYN, 1, 0, NULL);
	assert_int_equal(k.close_why[FSC_CLOSE_IDLE], 1);
	assert_int_equal(st(&k)->active, 1);
	kit_done(&k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_directions_one_flow),
		cmocka_unit_test(ignored_and_untracked),
		cmocka_unit_test(idle_timeout),
		cmocka_unit_test(eviction),
		cmocka_unit_test(closed_linger_and_reuse),
		cmocka_unit_test(user_area),
		cmocka_unit_test(limits_and_names),
		cmocka_unit_test(close_exactly_once),
		cmocka_unit_test(million_half_open),
		cmocka_unit_test(odd_timestamps),
		cmocka_unit_test(clock_behind_keeps_flows_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
