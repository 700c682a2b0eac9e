/* test_disco.c - disco wrapper (sealed with NaCl box) and every plaintext
 * message type: fields, every prefix, bad lengths and types. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/disco.h"
#include "tvkit.h"

#define MAXV TV_MAXV

static void wrapper(void **state)
{
	(void)state;
	/* the sender's disco public key the generator derived (X25519) */
	static const uint8_t sender[32] = {
		0x61, 0x9f, 0x38, 0xf4, 0x08, 0xda, 0x85, 0x46, 0xb0, 0xe3, 0x15, 0xe1,
		0x9f, 0xa3, 0x9f, 0x7a, 0x03, 0xe8, 0xa0, 0x04, 0xf9, 0x04, 0x9b, 0xc6,
		0x03, 0x3a, 0x20, 0xeb, 0x0a, 0x2e, 0x36, 0x0f,
	};
	static const struct {
		const char *name;
		size_t len, box;
	} cases[] = {
		{ "disco_wrap_ping", 124, 16 + 46 },
		{ "disco_wrap_cmm", 134, 16 + 56 },
	};

	for (size_t i = 0; i < 2; i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_disco_wrapper w;
		const char *why = "unset";

		assert_int_equal(fsc_disco_decode_wrapper(g, n, &w, &why), FSC_OK);
		assert_null(why);
		assert_int_equal(w.len, cases[i].len);
		assert_ptr_equal(w.sender_key, g + 6);
		assert_memory_equal(w.sender_key, sender, 32);
		assert_ptr_equal(w.nonce, g + 38);
		assert_ptr_equal(w.box, g + 62);
		assert_int_equal(w.box_len, cases[i].box);
		vec_guard_free(g, n);
	}
}

/*
 * Every prefix of a wrapper: under 6 bytes the magic cannot be seen
 * (FSC_NOT_THIS); up to 62 + 16 the header or tag is cut (FSC_TRUNCATED).
 * Beyond that the box has no length of its own, so a shorter box is still a
 * well-formed wrapper (only opening it could tell): FSC_OK with that box.
 */
static void wrapper_prefixes(void **state)
{
	(void)state;
	const char *names[] = { "disco_wrap_ping", "disco_wrap_cmm" };

	for (size_t v = 0; v < 2; v++) {
		uint8_t b[MAXV];
		size_t n = tv_load(names[v], b);

		for (size_t k = 0; k < n; k++) {
			uint8_t *g = vec_guard(b, k);
			struct fsc_disco_wrapper w;
			const char *why = NULL;
			enum fsc_status st = fsc_disco_decode_wrapper(g, k, &w, &why);

			if (k < 6) {
				assert_int_equal(st, FSC_NOT_THIS);
			} else if (k < 78) {
				assert_int_equal(st, FSC_TRUNCATED);
				assert_int_equal(w.len, k);
				/* fields that fit are kept, the rest absent
				 * (NULL), never pointing past the bytes */
				if (k >= 38)
					assert_ptr_equal(w.sender_key, g + 6);
				else
					assert_null(w.sender_key);
				if (k >= 62)
					assert_ptr_equal(w.nonce, g + 38);
				else
					assert_null(w.nonce);
				if (k < 62)
					assert_null(w.box);
			} else {
				assert_int_equal(st, FSC_OK);
				assert_int_equal(w.box_len, k - 62);
			}
			if (st != FSC_OK)
				assert_non_null(why);
			vec_guard_free(g, k);
		}
	}
}

static void wrapper_near_misses(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("disco_wrap_ping", b);
	struct fsc_disco_wrapper w;
	const char *why;

	/* each magic byte matters */
	for (size_t i = 0; i < 6; i++) {
		b[i] ^= 0x01;
		assert_int_equal(fsc_disco_decode_wrapper(b, n, &w, &why), FSC_NOT_THIS);
		assert_string_equal(why, "no disco magic");
		b[i] ^= 0x01;
	}
	/* "TS" and a different emoji (U+1F4AD thought balloon) */
	b[5] = 0xad;
	assert_int_equal(fsc_disco_decode_wrapper(b, n, &w, NULL), FSC_NOT_THIS);
	assert_int_equal(fsc_disco_decode_wrapper(NULL, 0, &w, &why), FSC_NOT_THIS);
	assert_string_equal(why, "shorter than the disco magic");
	/* magic alone, and magic + header without a tag */
	n = tv_load("disco_wrap_ping", b);
	assert_int_equal(fsc_disco_decode_wrapper(b, 6, &w, &why), FSC_TRUNCATED);
	assert_string_equal(why, "disco header cut short");
	assert_int_equal(fsc_disco_decode_wrapper(b, 62, &w, &why), FSC_TRUNCATED);
	assert_string_equal(why, "disco box shorter than its tag");
	assert_ptr_equal(w.nonce, b + 38);
	/* other tunnel payloads */
	n = tv_load("wg_initiation", b);
	assert_int_equal(fsc_disco_decode_wrapper(b, n, &w, NULL), FSC_NOT_THIS);
	n = tv_load("stun_ts_req", b);
	assert_int_equal(fsc_disco_decode_wrapper(b, n, &w, NULL), FSC_NOT_THIS);
}

static const uint8_t txid[12] = {
	0x5a, 0x1e, 0x0c, 0x0f, 0xfe, 0xe0, 0xdd, 0xba, 0x11, 0xab, 0x1e, 0x00,
};

static void ping(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool key;
		size_t padding;
	} cases[] = {
		{ "disco_ping", true, 0 },
		{ "disco_ping_pad", true, 20 },
		{ "disco_ping_old", false, 0 },
	};

	for (size_t i = 0; i < 3; i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_disco_plain m;
		const char *why = "unset";

		assert_int_equal(fsc_disco_decode_plain(g, n, &m, &why), FSC_OK);
		assert_null(why);
		assert_int_equal(m.type, FSC_DISCO_PING);
		assert_int_equal(m.version, 0);
		assert_int_equal(m.len, n);
		assert_ptr_equal(m.txid, g + 2);
		assert_memory_equal(m.txid, txid, 12);
		if (cases[i].key)
			assert_ptr_equal(m.node_key, g + 14);
		else
			assert_null(m.node_key);
		assert_int_equal(m.padding, cases[i].padding);
		assert_int_equal(m.n_endpoints, 0);
		assert_string_equal(fsc_disco_type_name(m.type), "ping");
		vec_guard_free(g, n);
	}
}

static void pong(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		int family;
		const char *ep;
	} cases[] = {
		{ "disco_pong4", 4, "203.0.113.45:41641" }, /* v4-mapped */
		{ "disco_pong6", 6, "[2001:db8:85a3::8a2e:370:7334]:3478" },
	};

	for (size_t i = 0; i < 2; i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_disco_plain m;
		char s[FSC_ENDPOINT_STRLEN];

		assert_int_equal(fsc_disco_decode_plain(g, n, &m, NULL), FSC_OK);
		assert_int_equal(m.type, FSC_DISCO_PONG);
		assert_ptr_equal(m.txid, g + 2);
		assert_int_equal(m.pong_addr.family, cases[i].family);
		assert_string_equal(fsc_endpoint_str(&m.pong_addr, m.pong_port, s), cases[i].ep);
		assert_int_equal(m.padding, 0);
		assert_null(m.node_key);
		assert_string_equal(fsc_disco_type_name(m.type), "pong");
		vec_guard_free(g, n);
	}
}

static void endpoints(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint8_t type;
		uint32_t vni;
		size_t n;
		const char *ep[3];
	} cases[] = {
		{ "disco_cmm", FSC_DISCO_CALL_ME_MAYBE, 0, 3,
		  { "203.0.113.45:41641", "198.18.0.2:41641", "[2001:db8::1]:41642" } },
		{ "disco_cmm_via", FSC_DISCO_CALL_ME_MAYBE_VIA, 0xabcdef, 1,
		  { "198.18.0.9:7000" } },
		{ "disco_alloc_resp", FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE, 0xabcdef, 2,
		  { "198.18.0.9:7000", "[2001:db8::9]:7000" } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_disco_plain m;
		struct fsc_addr a;
		uint16_t port;
		char s[FSC_ENDPOINT_STRLEN];

		assert_int_equal(fsc_disco_decode_plain(g, n, &m, NULL), FSC_OK);
		assert_int_equal(m.type, cases[i].type);
		assert_int_equal(m.vni, cases[i].vni);
		assert_int_equal(m.n_endpoints, cases[i].n);
		assert_ptr_equal(m.endpoints, g + n - 18 * cases[i].n);
		for (size_t e = 0; e < cases[i].n; e++) {
			assert_true(fsc_disco_endpoint(&m, e, &a, &port));
			assert_string_equal(fsc_endpoint_str(&a, port, s), cases[i].ep[e]);
		}
		assert_false(fsc_disco_endpoint(&m, cases[i].n, &a, &port));
		vec_guard_free(g, n);
	}
}

static void relay(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("disco_bind", b);
	struct fsc_disco_plain m;

	assert_int_equal(fsc_disco_decode_plain(b, n, &m, NULL), FSC_OK);
	assert_int_equal(m.vni, 0xabcdef);
	assert_int_equal(m.padding, 0);
	assert_string_equal(fsc_disco_type_name(m.type), "bind-udp-relay-endpoint");
	/* challenge and answer share the layout */
	b[0] = FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE;
	assert_int_equal(fsc_disco_decode_plain(b, n, &m, NULL), FSC_OK);
	b[0] = FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER;
	assert_int_equal(fsc_disco_decode_plain(b, n, &m, NULL), FSC_OK);
	assert_int_equal(m.vni, 0xabcdef);

	n = tv_load("disco_alloc_req", b);
	assert_int_equal(fsc_disco_decode_plain(b, n, &m, NULL), FSC_OK);
	assert_int_equal(m.type, FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST);
	assert_int_equal(m.padding, 0);
	assert_int_equal(m.n_endpoints, 0);
}

/*
 * Every prefix of every plaintext. The lengths at which a prefix is itself a
 * complete message are listed by hand from the layouts (protocols.md §3):
 * there it must decode (FSC_OK, same type); everywhere else FSC_TRUNCATED.
 */
static void plain_prefixes(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		size_t ok[24];	/* complete lengths; 0 ends the list */
		size_t ok_from;	/* and every length from here on (0: none) */
	} cases[] = {
		/* txid only (old client), then key with 0.. padding bytes */
		{ "disco_ping", { 14 }, 46 },
		{ "disco_ping_pad", { 14 }, 46 },
		{ "disco_ping_old", { 14 }, 0 },
		{ "disco_pong4", { 32 }, 0 },
		{ "disco_pong6", { 32 }, 0 },
		{ "disco_cmm", { 20, 38, 56 }, 0 },
		{ "disco_bind", { 74 }, 0 },
		{ "disco_cmm_via", { 144 }, 0 },
		{ "disco_alloc_req", { 70 }, 0 },
		{ "disco_alloc_resp", { 148, 166 }, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);

		for (size_t k = 0; k < n; k++) {
			uint8_t *g = vec_guard(b, k);
			struct fsc_disco_plain m;
			const char *why = NULL;
			enum fsc_status st = fsc_disco_decode_plain(g, k, &m, &why);
			bool ok = cases[i].ok_from && k >= cases[i].ok_from;

			for (size_t j = 0; cases[i].ok[j]; j++)
				ok |= cases[i].ok[j] == k;
			if (st != (ok ? FSC_OK : FSC_TRUNCATED))
				print_message("%s prefix %zu: %s %s\n", cases[i].name, k,
					      fsc_status_name(st), why ? why : "");
			assert_int_equal(st, ok ? FSC_OK : FSC_TRUNCATED);
			if (k >= 2)
				assert_int_equal(m.type, b[0]);
			if (!ok)
				assert_non_null(why);
			vec_guard_free(g, k);
		}
	}
}

static void bad_plaintexts(void **state)
{
	(void)state;
	static const struct tv_variant cases[] = {
		{ "type 0", "disco_ping", -1, 0, 0x00, -1, 0, FSC_MALFORMED, "unknown disco message type" },
		{ "type 10", "disco_ping", -1, 0, 0x0a, -1, 0, FSC_MALFORMED, "unknown disco message type" },
		{ "type 0xff", "disco_pong4", -1, 0, 0xff, -1, 0, FSC_MALFORMED, "unknown disco message type" },
		{ "empty", "disco_ping", 0, -1, 0, -1, 0, FSC_TRUNCATED,
		  "disco message without type and version" },
		{ "ping with 11-byte txid", "disco_ping", 13, -1, 0, -1, 0, FSC_TRUNCATED,
		  "ping txid cut short" },
		{ "ping with 20 bytes of key", "disco_ping", 34, -1, 0, -1, 0, FSC_TRUNCATED,
		  "ping node key cut short" },
		{ "pong of 29", "disco_pong4", 31, -1, 0, -1, 0, FSC_TRUNCATED, "pong shorter than 30 bytes" },
		{ "pong of 31: trailing byte ignored", "disco_pong4", 33, -1, 0, -1, 0, FSC_OK, NULL },
		{ "call-me-maybe without endpoints", "disco_cmm", 2, -1, 0, -1, 0, FSC_TRUNCATED,
		  "disco endpoint list empty" },
		{ "call-me-maybe of 17", "disco_cmm", 19, -1, 0, -1, 0, FSC_TRUNCATED,
		  "disco endpoint cut mid-entry" },
		{ "call-me-maybe of 55", "disco_cmm", 57, -1, 0, -1, 0, FSC_TRUNCATED,
		  "disco endpoint cut mid-entry" },
		{ "call-me-maybe version 1 still decodes", "disco_cmm", -1, 1, 1, -1, 0, FSC_OK, NULL },
		{ "bind of 71", "disco_bind", 73, -1, 0, -1, 0, FSC_TRUNCATED, "relay bind message cut short" },
		{ "bind of 73: trailing byte ignored", "disco_bind", 75, -1, 0, -1, 0, FSC_OK, NULL },
		{ "alloc request of 67", "disco_alloc_req", 69, -1, 0, -1, 0, FSC_TRUNCATED,
		  "relay allocation request cut short" },
		{ "via without addresses", "disco_cmm_via", 126, -1, 0, -1, 0, FSC_TRUNCATED,
		  "disco endpoint list empty" },
		{ "via of 123", "disco_cmm_via", 125, -1, 0, -1, 0, FSC_TRUNCATED, "relay endpoint cut short" },
		{ "alloc response of 3", "disco_alloc_resp", 5, -1, 0, -1, 0, FSC_TRUNCATED,
		  "relay allocation response cut short" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_variant_bytes(&cases[i], b);
		struct fsc_disco_plain m;
		const char *why = NULL;
		uint8_t *g = vec_guard(b, n);

		print_message("%s\n", cases[i].what);
		assert_int_equal(fsc_disco_decode_plain(g, n, &m, &why), cases[i].want);
		tv_check_why(why, cases[i].why);
		vec_guard_free(g, n);
	}
}

static void unknown_type_keeps_fields(void **state)
{
	(void)state;
	const uint8_t b[] = { 0x42, 0x07, 0xaa };
	struct fsc_disco_plain m;

	assert_int_equal(fsc_disco_decode_plain(b, sizeof(b), &m, NULL), FSC_MALFORMED);
	assert_int_equal(m.type, 0x42);
	assert_int_equal(m.version, 7);
	assert_string_equal(fsc_disco_type_name(m.type), "unknown");
}

static void pong_trailing_is_padding(void **state)
{
	(void)state;
	uint8_t b[MAXV] = { 0 };
	size_t n = tv_load("disco_pong6", b);
	struct fsc_disco_plain m;

	assert_int_equal(fsc_disco_decode_plain(b, n + 5, &m, NULL), FSC_OK);
	assert_int_equal(m.padding, 5);
	assert_int_equal(m.pong_port, 3478);
}

static void type_names(void **state)
{
	(void)state;
	static const char *const want[] = {
		"unknown", "ping", "pong", "call-me-maybe", "bind-udp-relay-endpoint",
		"bind-udp-relay-endpoint-challenge", "bind-udp-relay-endpoint-answer",
		"call-me-maybe-via", "allocate-udp-relay-endpoint-request",
		"allocate-udp-relay-endpoint-response", "unknown",
	};

	for (unsigned t = 0; t < sizeof(want) / sizeof(want[0]); t++)
		assert_string_equal(fsc_disco_type_name((uint8_t)t), want[t]);
	assert_string_equal(fsc_disco_type_name(0xff), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wrapper),
		cmocka_unit_test(wrapper_prefixes),
		cmocka_unit_test(wrapper_near_misses),
		cmocka_unit_test(ping),
		cmocka_unit_test(pong),
		cmocka_unit_test(endpoints),
		cmocka_unit_test(relay),
		cmocka_unit_test(plain_prefixes),
		cmocka_unit_test(bad_plaintexts),
		cmocka_unit_test(unknown_type_keeps_fields),
		cmocka_unit_test(pong_trailing_is_padding),
		cmocka_unit_test(type_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
