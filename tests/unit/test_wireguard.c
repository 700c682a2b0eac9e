/* test_wireguard.c - WireGuard message headers: captured vectors, every
 * prefix, near misses (DNS, wrong sizes, reserved bytes). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/wireguard.h"
#include "tvkit.h"

#define MAXV TV_MAXV

static void initiation(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("wg_initiation", b);
	uint8_t *g = vec_guard(b, n);
	struct fsc_wg_msg m;
	const char *why = "unset";

	assert_int_equal(fsc_wg_decode(g, n, &m, &why), FSC_OK);
	assert_null(why);
	assert_int_equal(m.type, FSC_WG_INITIATION);
	assert_int_equal(m.sender, 0x710e9553); /* tshark: sender=0x710E9553 */
	assert_int_equal(m.receiver, 0);
	assert_int_equal(m.len, 148);
	assert_ptr_equal(m.ephemeral, g + 8);
	assert_ptr_equal(m.mac1, g + 116);
	assert_null(m.nonce);
	assert_false(m.under_load);
	assert_false(m.keepalive);
	assert_string_equal(fsc_wg_msg_name(&m), "initiation");
	vec_guard_free(g, n);
}

static void response(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("wg_response", b);
	uint8_t *g = vec_guard(b, n);
	struct fsc_wg_msg m;

	assert_int_equal(fsc_wg_decode(g, n, &m, NULL), FSC_OK);
	assert_int_equal(m.type, FSC_WG_RESPONSE);
	assert_int_equal(m.sender, 0xc93d41eb);
	assert_int_equal(m.receiver, 0x710e9553); /* the initiation's sender */
	assert_ptr_equal(m.ephemeral, g + 12);
	assert_ptr_equal(m.mac1, g + 60);
	assert_false(m.under_load);
	assert_string_equal(fsc_wg_msg_name(&m), "response");
	vec_guard_free(g, n);
}

static void cookie(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("wg_cookie", b);
	uint8_t *g = vec_guard(b, n);
	struct fsc_wg_msg m;

	assert_int_equal(fsc_wg_decode(g, n, &m, NULL), FSC_OK);
	assert_int_equal(m.type, FSC_WG_COOKIE);
	assert_int_equal(m.receiver, 0x710e9553);
	assert_int_equal(m.sender, 0);
	assert_ptr_equal(m.nonce, g + 8);
	assert_null(m.ephemeral);
	assert_null(m.mac1);
	assert_string_equal(fsc_wg_msg_name(&m), "cookie");
	vec_guard_free(g, n);
}

static void transport(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint32_t receiver;
		uint64_t counter;
		size_t plain;
		const char *msg;
	} cases[] = {
		{ "wg_transport", 0xc93d41eb, 0, 48, "transport" },
		{ "wg_keepalive", 0x710e9553, 1, 0, "keepalive" },
		/* 1420 is not a multiple of 16: the MTU capped the padding */
		{ "wg_transport_mtu", 0x98b91f0a, 0, 1420, "transport" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_wg_msg m;

		assert_int_equal(fsc_wg_decode(g, n, &m, NULL), FSC_OK);
		assert_int_equal(m.type, FSC_WG_TRANSPORT);
		assert_int_equal(m.receiver, cases[i].receiver);
		assert_true(m.counter == cases[i].counter);
		assert_int_equal(m.plain_len, cases[i].plain);
		assert_int_equal(m.len, n);
		assert_int_equal(m.keepalive, cases[i].plain == 0);
		assert_false(m.under_load);
		assert_string_equal(fsc_wg_msg_name(&m), cases[i].msg);
		vec_guard_free(g, n);
	}
}

static void counter_is_64_bit_le(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("wg_keepalive", b);
	struct fsc_wg_msg m;

	/* counter bytes 8-15 little-endian: 0x0807060504030201 */
	for (int i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(i + 1);
	assert_int_equal(fsc_wg_decode(b, n, &m, NULL), FSC_OK);
	assert_true(m.counter == 0x0807060504030201ull);
}

static void under_load(void **state)
{
	(void)state;
	const char *names[] = { "wg_initiation_load", "wg_response_load" };

	for (size_t i = 0; i < 2; i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(names[i], b);
		struct fsc_wg_msg m;

		assert_int_equal(fsc_wg_decode(b, n, &m, NULL), FSC_OK);
		assert_true(m.under_load);
		/* one nonzero byte anywhere in mac2 is enough */
		memset(b + n - 16, 0, 16);
		assert_int_equal(fsc_wg_decode(b, n, &m, NULL), FSC_OK);
		assert_false(m.under_load);
		b[n - 1] = 0x80;
		assert_int_equal(fsc_wg_decode(b, n, &m, NULL), FSC_OK);
		assert_true(m.under_load);
	}
}

/* The transport sizes WireGuard can send: 32 + 16k, or an MTU-capped
 * plaintext of at least FSC_WG_MTU_MIN. */
static bool transport_shape(size_t n)
{
	return n >= 32 && ((n - 32) % 16 == 0 || n - 32 >= FSC_WG_MTU_MIN);
}

/*
 * Every prefix, each ending at a guard page. Handshake messages have exact
 * sizes, so every prefix is FSC_NOT_THIS. A transport message has no length
 * of its own: a prefix of transport shape is itself a valid transport and
 * must decode as one with the same header and a shorter plaintext; every
 * other prefix is FSC_NOT_THIS. WireGuard never says truncated.
 */
static void every_prefix(void **state)
{
	(void)state;
	for (size_t v = 0; v < TUN_N_VECTORS; v++) {
		const struct tun_vec *tv = &tun_vectors[v];
		uint8_t b[MAXV];
		struct fsc_wg_msg full;
		size_t n;

		if (tv->kind != FSC_TUNNEL_WG)
			continue;
		n = tv_load(tv->name, b);
		assert_int_equal(fsc_wg_decode(b, n, &full, NULL), FSC_OK);
		for (size_t k = 0; k < n; k++) {
			uint8_t *g = vec_guard(b, k);
			struct fsc_wg_msg m;
			const char *why = NULL;
			enum fsc_status st = fsc_wg_decode(g, k, &m, &why);

			if (full.type == FSC_WG_TRANSPORT && transport_shape(k)) {
				assert_int_equal(st, FSC_OK);
				assert_int_equal(m.receiver, full.receiver);
				assert_true(m.counter == full.counter);
				assert_int_equal(m.plain_len, k - 32);
			} else {
				assert_int_equal(st, FSC_NOT_THIS);
				assert_non_null(why);
			}
			vec_guard_free(g, k);
		}
	}
}

/*
 * Near misses: a vector, optionally resized (new bytes zero) and patched,
 * and what the decoder must say. None of these may be mislabelled.
 */
static void near_misses(void **state)
{
	(void)state;
	static const struct {
		const char *what;
		const char *base;
		size_t len;		/* 0: the vector's own length */
		int off;		/* -1: no patch */
		uint8_t val;
		enum fsc_status want;
		const char *why;
	} cases[] = {
		{ "right size, reserved byte 1 set", "wg_initiation", 0, 1, 0x01,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "right size, reserved byte 2 set", "wg_initiation", 0, 2, 0x01,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "right size, reserved byte 3 set", "wg_initiation", 0, 3, 0x80,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "keepalive with reserved byte set", "wg_keepalive", 0, 1, 0xff,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "148 bytes of type 5", "wg_initiation", 0, 0, 5,
		  FSC_NOT_THIS, "wireguard type not 1-4" },
		{ "148 bytes of type 0", "wg_initiation", 0, 0, 0,
		  FSC_NOT_THIS, "wireguard type not 1-4" },
		{ "148 bytes of type 0xff", "wg_initiation", 0, 0, 0xff,
		  FSC_NOT_THIS, "wireguard type not 1-4" },
		{ "initiation of 147", "wg_initiation", 147, -1, 0,
		  FSC_NOT_THIS, "initiation length not 148" },
		{ "initiation of 149", "wg_initiation", 149, -1, 0,
		  FSC_NOT_THIS, "initiation length not 148" },
		{ "148 bytes of type 2", "wg_initiation", 0, 0, 2,
		  FSC_NOT_THIS, "response length not 92" },
		{ "92 bytes of type 1", "wg_response", 0, 0, 1,
		  FSC_NOT_THIS, "initiation length not 148" },
		{ "response of 93", "wg_response", 93, -1, 0,
		  FSC_NOT_THIS, "response length not 92" },
		{ "64 bytes of type 1", "wg_cookie", 0, 0, 1,
		  FSC_NOT_THIS, "initiation length not 148" },
		{ "cookie of 63", "wg_cookie", 63, -1, 0,
		  FSC_NOT_THIS, "cookie reply length not 64" },
		{ "cookie of 80", "wg_cookie", 80, -1, 0,
		  FSC_NOT_THIS, "cookie reply length not 64" },
		{ "92 bytes of type 3", "wg_response", 0, 0, 3,
		  FSC_NOT_THIS, "cookie reply length not 64" },
		{ "transport of 33", "wg_keepalive", 33, -1, 0,
		  FSC_NOT_THIS, "transport length not 32 + padded plaintext" },
		{ "transport of 31", "wg_keepalive", 31, -1, 0,
		  FSC_NOT_THIS, "transport length not 32 + padded plaintext" },
		{ "transport of 40 (plaintext 8)", "wg_transport", 40, -1, 0,
		  FSC_NOT_THIS, "transport length not 32 + padded plaintext" },
		{ "transport of 1311 (plaintext 1279)", "wg_transport_mtu", 1311, -1, 0,
		  FSC_NOT_THIS, "transport length not 32 + padded plaintext" },
		/* shapes that are genuinely WireGuard: no way to tell otherwise */
		{ "64 bytes of type 4: a transport of 32", "wg_cookie", 0, 0, 4,
		  FSC_OK, NULL },
		{ "transport of 1312 (plaintext 1280 = MTU)", "wg_transport_mtu", 1312, -1, 0,
		  FSC_OK, NULL },
		{ "transport of 1452 + 16", "wg_transport_mtu", 1468, -1, 0,
		  FSC_OK, NULL },
		/* other protocols */
		{ "DNS query, ID 0x01b8", "dns_query_01", 0, -1, 0,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "DNS query padded to 148", "dns_query_148", 0, -1, 0,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "STUN binding success", "stun_coturn_resp4", 0, -1, 0,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "STUN binding request", "stun_ts_req", 0, -1, 0,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "STUN request whose bytes 1-3 are zero", "stun_coturn_req4", 0, 1, 0,
		  FSC_NOT_THIS, "wireguard type not 1-4" },
		{ "disco wrapper", "disco_wrap_ping", 0, -1, 0,
		  FSC_NOT_THIS, "wireguard reserved bytes not zero" },
		{ "three bytes", "wg_keepalive", 3, -1, 0,
		  FSC_NOT_THIS, "shorter than a wireguard header" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV] = { 0 };
		size_t n = tv_load(cases[i].base, b);
		struct fsc_wg_msg m;
		const char *why = NULL;
		uint8_t *g;

		if (cases[i].len) {
			if (cases[i].len > n)
				memset(b + n, 0, cases[i].len - n);
			n = cases[i].len;
		}
		if (cases[i].off >= 0)
			b[cases[i].off] = cases[i].val;
		g = vec_guard(b, n);
		print_message("%s\n", cases[i].what);
		assert_int_equal(fsc_wg_decode(g, n, &m, &why), cases[i].want);
		if (cases[i].why)
			assert_string_equal(why, cases[i].why);
		else
			assert_null(why);
		vec_guard_free(g, n);
	}
}

/* Exhaustive over the type byte and over small lengths. */
static void only_the_exact_shapes(void **state)
{
	(void)state;
	uint8_t b[200] = { 0 };
	struct fsc_wg_msg m;

	for (unsigned t = 0; t < 256; t++) {
		b[0] = (uint8_t)t;
		for (size_t n = 0; n <= sizeof(b); n++) {
			bool want = (t == 1 && n == 148) || (t == 2 && n == 92) ||
				    (t == 3 && n == 64) || (t == 4 && n >= 32 && (n - 32) % 16 == 0);
			enum fsc_status st = fsc_wg_decode(b, n, &m, NULL);

			assert_int_equal(st, want ? FSC_OK : FSC_NOT_THIS);
			if (want)
				assert_int_equal(m.type, t);
		}
	}
	/* NULL with length 0 is simply not WireGuard */
	assert_int_equal(fsc_wg_decode(NULL, 0, &m, NULL), FSC_NOT_THIS);
}

/* A transport message of plaintext `plain` bytes to receiver r, counter n. */
static size_t put_transport(uint8_t *b, size_t plain, uint32_t r, uint64_t n)
{
	memset(b, 0xa5, 32 + plain);	/* ciphertext stand-in */
	b[0] = 4;
	b[1] = b[2] = b[3] = 0;
	for (int i = 0; i < 4; i++)
		b[4 + i] = (uint8_t)(r >> (8 * i));
	for (int i = 0; i < 8; i++)
		b[8 + i] = (uint8_t)(n >> (8 * i));
	return 32 + plain;
}

/* UDP GSO/GRO: equal segments, the last shorter; one receiver, counters
 * going up. Anything else is one message (0). */
static void gso_batches(void **state)
{
	(void)state;
	uint8_t b[8192];
	size_t n = 0;

	/* three full 1452-byte messages (MTU 1420, unpadded) and a short one */
	for (int i = 0; i < 3; i++)
		n += put_transport(b + n, 1420, 0x11223344, 7 + (uint64_t)i);
	n += put_transport(b + n, 48, 0x11223344, 10);
	assert_int_equal(fsc_wg_gso_segment(b, n), 1452);
	uint8_t *g = vec_guard(b, n);
	assert_int_equal(fsc_wg_gso_segment(g, n), 1452);
	vec_guard_free(g, n);
	/* two pure ACKs (88 bytes each), as GRO merged them */
	n = put_transport(b, 48, 9, 100);
	n += put_transport(b + n, 48, 9, 101);
	assert_int_equal(fsc_wg_gso_segment(b, n), 80);
	/* one message: 0; a prefix of the batch is one message, or a batch
	 * with a shorter last message, never read past */
	assert_int_equal(fsc_wg_gso_segment(b, 80), 0);
	for (size_t k = 0; k < 2 * 80; k++) {
		g = vec_guard(b, k);
		size_t seg = fsc_wg_gso_segment(g, k);
		assert_true(seg == 0 || (seg == 80 && k >= 80 + 32));
		vec_guard_free(g, k);
	}
	/* another receiver, a counter going back, a last segment longer than
	 * the first, a reserved byte set: not a batch */
	n = put_transport(b, 48, 9, 100);
	put_transport(b + n, 48, 10, 101);
	assert_int_equal(fsc_wg_gso_segment(b, 2 * 80), 0);
	put_transport(b + n, 48, 9, 99);
	assert_int_equal(fsc_wg_gso_segment(b, 2 * 80), 0);
	n = put_transport(b, 48, 9, 100);
	n += put_transport(b + n, 64, 9, 101);
	assert_int_equal(fsc_wg_gso_segment(b, n), 0);
	n = put_transport(b, 48, 9, 100);
	put_transport(b + n, 48, 9, 101);
	b[n + 2] = 1;
	assert_int_equal(fsc_wg_gso_segment(b, 2 * 80), 0);
}

static void names(void **state)
{
	(void)state;
	struct fsc_wg_msg m;

	memset(&m, 0, sizeof(m));
	m.type = FSC_WG_INITIATION;
	assert_string_equal(fsc_wg_msg_name(&m), "initiation");
	m.type = FSC_WG_RESPONSE;
	assert_string_equal(fsc_wg_msg_name(&m), "response");
	m.type = FSC_WG_COOKIE;
	assert_string_equal(fsc_wg_msg_name(&m), "cookie");
	m.type = FSC_WG_TRANSPORT;
	assert_string_equal(fsc_wg_msg_name(&m), "transport");
	m.keepalive = true;
	assert_string_equal(fsc_wg_msg_name(&m), "keepalive");
	m.type = (enum fsc_wg_type)0;
	assert_string_equal(fsc_wg_msg_name(&m), "unknown");
	m.type = (enum fsc_wg_type)9;
	assert_string_equal(fsc_wg_msg_name(&m), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(initiation),
		cmocka_unit_test(response),
		cmocka_unit_test(cookie),
		cmocka_unit_test(transport),
		cmocka_unit_test(counter_is_64_bit_le),
		cmocka_unit_test(under_load),
		cmocka_unit_test(every_prefix),
		cmocka_unit_test(near_misses),
		cmocka_unit_test(only_the_exact_shapes),
		cmocka_unit_test(gso_batches),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
