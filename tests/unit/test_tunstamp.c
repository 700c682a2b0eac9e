/* test_tunstamp.c - the tunnel's two ends' times (tools/funnel/tunstamp.c):
 * a connection's first SYN remembered by its remote address and port (a
 * retransmission does not move it, a new connection on the port does), its
 * first payload out marked once and told its send time, the peer's latest
 * payload, and the carrier of an inner receive time found among the last
 * deliveries. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tunstamp.h"
#include "vectors.h"

/* An IPv4 TCP packet 100.64.0.1:sport -> 100.64.0.2:dport (or back when
 * out) with flags and n payload bytes, in b (>= 40 + n). */
static size_t tcp4(uint8_t *b, bool out, uint16_t port, uint8_t flags, size_t n)
{
	size_t len = 40 + n;
	static const uint8_t edge[4] = { 100, 64, 0, 1 }, node[4] = { 100, 64, 0, 2 };

	vec_ip4(b, len, 6, out ? node : edge, out ? edge : node);
	uint16_t sp = out ? 46187 : port, dp = out ? port : 46187;
	b[20] = (uint8_t)(sp >> 8), b[21] = (uint8_t)sp;
	b[22] = (uint8_t)(dp >> 8), b[23] = (uint8_t)dp;
	b[32] = 0x50; /* data offset 5 words */
	b[33] = flags;
	b[34] = 0xff, b[35] = 0xff;
	return len;
}

static const struct fsc_addr edge = { 4, { 100, 64, 0, 1 } };

static void syn_and_answer(void **state)
{
	(void)state;
	struct fsc_tunstamp *ts = fsc_tunstamp_new();
	struct fsc_tunstamp_conn c;
	uint8_t b[200];
	uint32_t cookie = 0;

	assert_non_null(ts);
	assert_false(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x02, 0), 1000, 1500);
	assert_true(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	assert_int_equal(c.syn_wg, 1000);
	assert_int_equal(c.syn_inner, 1500);
	assert_int_equal(c.answer_wg, 0);
	assert_false(fsc_tunstamp_conn(ts, &edge, 40001, &c));
	/* a retransmitted SYN: the connection began with the first */
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x02, 0), 2000, 2500);
	assert_true(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	assert_int_equal(c.syn_wg, 1000);
	/* the SYN-ACK and the ACK are no answer; the 101 is, once */
	assert_false(fsc_tunstamp_outbound(ts, b, tcp4(b, true, 40000, 0x12, 0), &cookie));
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x10, 0), 2100, 2600);
	assert_true(fsc_tunstamp_outbound(ts, b, tcp4(b, true, 40000, 0x18, 19), &cookie));
	assert_false(fsc_tunstamp_outbound(ts, b, tcp4(b, true, 40000, 0x18, 50), &cookie));
	fsc_tunstamp_sent(ts, cookie, 3000);
	fsc_tunstamp_sent(ts, cookie, 4000); /* told once */
	assert_true(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	assert_int_equal(c.answer_wg, 3000);
	assert_int_equal(c.syn_wg, 1000);
	assert_int_equal(c.data_wg, 0); /* the ACK carried nothing */
	/* the peer's payloads: the latest one's times */
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x18, 100), 3100, 3200);
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x18, 50), 3300, 3400);
	assert_true(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	assert_int_equal(c.data_wg, 3300);
	assert_int_equal(c.data_inner, 3400);
	/* a new connection on the port: its own SYN */
	fsc_tunstamp_inbound(ts, b, tcp4(b, false, 40000, 0x02, 0), 5000, 5100);
	assert_true(fsc_tunstamp_conn(ts, &edge, 40000, &c));
	assert_int_equal(c.syn_wg, 5000);
	assert_int_equal(c.answer_wg, 0);
	/* not TCP, cut, empty: ignored */
	fsc_tunstamp_inbound(ts, b, 1, 1, 1);
	fsc_tunstamp_inbound(ts, b, 0, 1, 1);
	assert_false(fsc_tunstamp_outbound(ts, b, 3, &cookie));
	fsc_tunstamp_free(ts);
}

static void carrier_of_an_inner_time(void **state)
{
	(void)state;
	struct fsc_tunstamp *ts = fsc_tunstamp_new();
	uint8_t b[64];
	size_t n = tcp4(b, false, 40000, 0x10, 0);

	assert_int_equal(fsc_tunstamp_carrier(ts, 100), 0);
	/* handed inside at 100, 200, 300; their datagrams came at 10, 20, 30 */
	for (int i = 1; i <= 3; i++)
		fsc_tunstamp_inbound(ts, b, n, 10 * i, 100 * i);
	assert_int_equal(fsc_tunstamp_carrier(ts, 99), 0);	/* before all */
	assert_int_equal(fsc_tunstamp_carrier(ts, 100), 10);
	assert_int_equal(fsc_tunstamp_carrier(ts, 250), 20);	/* stamped in the write */
	assert_int_equal(fsc_tunstamp_carrier(ts, 301), 30);
	/* the ring keeps the last deliveries only */
	for (int i = 4; i < 20000; i++)
		fsc_tunstamp_inbound(ts, b, n, 10 * i, 100 * i);
	assert_int_equal(fsc_tunstamp_carrier(ts, 250), 0);
	assert_int_equal(fsc_tunstamp_carrier(ts, 1999950), 199990);
	fsc_tunstamp_free(ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(syn_and_answer),
		cmocka_unit_test(carrier_of_an_inner_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
