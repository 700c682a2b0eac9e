/* test_wgtimers.c - the timer machine with an injected clock: retries with
 * jitter and giving up, passive keepalive, new handshake when the peer is
 * silent, zeroing keys, persistent keepalive cadence, the initiation rate,
 * and the test-only divisor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "fsc/wgtimers.h"

#define S FSC_NS_PER_SEC
#define MS (FSC_NS_PER_SEC / 1000)

static struct fsc_wgtimer_cfg cfg;

static int setup(void **state)
{
	(void)state;
	fsc_wgtimer_cfg_default(&cfg);
	return 0;
}

static void test_retransmit_then_give_up(void **state)
{
	struct fsc_wgtimers t;
	uint64_t now = 1000 * S;
	unsigned sent = 1, act;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 0);
	fsc_wgtimers_initiation_sent(&t, now, 100 * MS, false);
	assert_int_equal(fsc_wgtimers_next(&t), now + 5 * S + 100 * MS);
	/* Just before the deadline nothing fires. */
	assert_int_equal(fsc_wgtimers_expire(&t, now + 5 * S + 99 * MS, 0), 0);
	for (;;) {
		now = fsc_wgtimers_next(&t);
		assert_true(now != 0);
		act = fsc_wgtimers_expire(&t, now, 0);
		if (act & FSC_WGA_GIVE_UP)
			break;
		assert_int_equal(act, FSC_WGA_SEND_INITIATION);
		fsc_wgtimers_initiation_sent(&t, now, 333 * MS, true);
		sent++;
		assert_true(sent < 100);
	}
	/* One first attempt plus MaxTimerHandshakes retries: 19 initiations,
	 * then gives up at the 20th deadline (wireguard-go: "after 20
	 * attempts"). */
	assert_int_equal(sent, 19);
	/* Zeroing is armed 540 s after giving up. */
	assert_int_equal(t.deadline[FSC_WGT_ZERO_KEYS], now + 540 * S);
	assert_int_equal(fsc_wgtimers_expire(&t, now + 540 * S, 0), FSC_WGA_ZERO_KEYS);
	assert_int_equal(fsc_wgtimers_next(&t), 0);
}

static void test_complete_stops_retries(void **state)
{
	struct fsc_wgtimers t;
	uint64_t now = 5 * S;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 0);
	fsc_wgtimers_initiation_sent(&t, now, 0, false);
	fsc_wgtimers_handshake_complete(&t, now + S);
	fsc_wgtimers_session_derived(&t, now + S);
	assert_int_equal(fsc_wgtimers_expire(&t, now + 10 * S, 0), 0);
	assert_int_equal(fsc_wgtimers_next(&t), now + S + 540 * S);
}

static void test_passive_keepalive(void **state)
{
	struct fsc_wgtimers t;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 0);
	fsc_wgtimers_data_received(&t, 1 * S);
	fsc_wgtimers_data_received(&t, 2 * S); /* more data: one more */
	assert_int_equal(fsc_wgtimers_expire(&t, 11 * S - 1, 0), 0);
	assert_int_equal(fsc_wgtimers_expire(&t, 11 * S, 0), FSC_WGA_SEND_KEEPALIVE);
	assert_int_equal(fsc_wgtimers_expire(&t, 21 * S, 0), FSC_WGA_SEND_KEEPALIVE);
	assert_int_equal(fsc_wgtimers_expire(&t, 99 * S, 0), 0);

	/* Sending anything authenticated cancels the keepalive. */
	fsc_wgtimers_data_received(&t, 100 * S);
	fsc_wgtimers_authed_sent(&t, 101 * S);
	assert_int_equal(fsc_wgtimers_expire(&t, 200 * S, 0), 0);
}

static void test_new_handshake_when_silent(void **state)
{
	struct fsc_wgtimers t;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 0);
	fsc_wgtimers_data_sent(&t, 1 * S, 200 * MS);
	fsc_wgtimers_data_sent(&t, 3 * S, 0); /* does not push it out */
	assert_int_equal(fsc_wgtimers_next(&t), 16 * S + 200 * MS);
	assert_int_equal(fsc_wgtimers_expire(&t, 16 * S + 200 * MS, 0), FSC_WGA_NEW_HANDSHAKE);

	/* An answer in time cancels it. */
	fsc_wgtimers_data_sent(&t, 20 * S, 0);
	fsc_wgtimers_authed_received(&t, 21 * S);
	assert_int_equal(fsc_wgtimers_expire(&t, 60 * S, 0), 0);
}

static void test_persistent_cadence(void **state)
{
	struct fsc_wgtimers t;
	uint64_t now = 7 * S;
	unsigned fired = 0;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 25);
	fsc_wgtimers_authed_traversal(&t, now);
	/* Idle: a keepalive every 25 s, each re-arming through the send. */
	for (int i = 0; i < 4; i++) {
		uint64_t next = fsc_wgtimers_next(&t);
		assert_int_equal(next, now + 25 * S);
		now = next;
		assert_int_equal(fsc_wgtimers_expire(&t, now, 0), FSC_WGA_SEND_KEEPALIVE);
		fired++;
		fsc_wgtimers_authed_sent(&t, now);
		fsc_wgtimers_authed_traversal(&t, now);
	}
	assert_int_equal(fired, 4);
	/* Traffic pushes it out. */
	fsc_wgtimers_authed_traversal(&t, now + 10 * S);
	assert_int_equal(fsc_wgtimers_expire(&t, now + 25 * S, 0), 0);
	assert_int_equal(fsc_wgtimers_next(&t), now + 35 * S);

	/* Off: never armed. */
	fsc_wgtimers_init(&t, &cfg, 0);
	fsc_wgtimers_authed_traversal(&t, now);
	assert_int_equal(fsc_wgtimers_next(&t), 0);
}

static void test_initiation_rate(void **state)
{
	struct fsc_wgtimers t;

	(void)state;
	fsc_wgtimers_init(&t, &cfg, 0);
	assert_true(fsc_wgtimers_may_initiate(&t, 1));
	fsc_wgtimers_initiation_sent(&t, 10 * S, 0, false);
	assert_false(fsc_wgtimers_may_initiate(&t, 14 * S));
	assert_true(fsc_wgtimers_may_initiate(&t, 15 * S));
}

static void test_divisor(void **state)
{
	struct fsc_wgtimer_cfg c;
	struct fsc_wgtimers t;

	(void)state;
	fsc_wgtimer_cfg_default(&c);
	fsc_wgtimer_cfg_scale(&c, 20);
	assert_int_equal(c.rekey_after_time, 6 * S);
	assert_int_equal(c.reject_after_time, 9 * S);
	assert_int_equal(c.rekey_timeout, 250 * MS);
	assert_int_equal(c.keepalive_timeout, 500 * MS);
	assert_int_equal(c.max_handshakes, 18);
	fsc_wgtimers_init(&t, &c, 2);
	fsc_wgtimers_authed_traversal(&t, S);
	assert_int_equal(fsc_wgtimers_next(&t), S + 100 * MS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_retransmit_then_give_up, setup),
		cmocka_unit_test_setup(test_complete_stops_retries, setup),
		cmocka_unit_test_setup(test_passive_keepalive, setup),
		cmocka_unit_test_setup(test_new_handshake_when_silent, setup),
		cmocka_unit_test_setup(test_persistent_cadence, setup),
		cmocka_unit_test_setup(test_initiation_rate, setup),
		cmocka_unit_test_setup(test_divisor, setup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
