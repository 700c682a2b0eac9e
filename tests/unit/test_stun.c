/* test_stun.c - STUN: coturn captures, Tailscale-style messages, the
 * method/class interleave for every type, prefixes and bad attributes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/stun.h"
#include "tvkit.h"

#define MAXV TV_MAXV

/*
 * What tshark 4.0.17 shows for each vector (stun.type, stun.type.class,
 * stun.type.method, stun.length, the XOR-mapped address, CRC-32 status),
 * written into a pcap and read back with
 * `tshark -T fields -e stun.type -e stun.type.class ...`; the address is the
 * XOR-MAPPED one where tshark lists several.
 */
static const struct {
	const char *name;
	uint16_t type, method;
	enum fsc_stun_class cls;
	uint16_t length;
	const char *mapped;	/* NULL: none */
	bool xor;
	const char *software;	/* NULL: none */
	int fingerprint;	/* 0 none, 1 good */
	uint16_t error;
	unsigned attrs;
} known[] = {
	{ "stun_coturn_req4", 0x0001, 1, FSC_STUN_REQUEST, 0, NULL, false, NULL, 0, 0, 0 },
	{ "stun_coturn_resp4", 0x0101, 1, FSC_STUN_SUCCESS, 80, "198.18.1.1:50082", true,
	  "Coturn-4.6.1 'Gorst'", 1, 0, 6 },
	{ "stun_coturn_req6", 0x0001, 1, FSC_STUN_REQUEST, 0, NULL, false, NULL, 0, 0, 0 },
	{ "stun_coturn_resp6", 0x0101, 1, FSC_STUN_SUCCESS, 128, "[fd00:198:18:1::1]:42275", true,
	  "Coturn-4.6.1 'Gorst'", 1, 0, 6 },
	{ "stun_ts_req", 0x0001, 1, FSC_STUN_REQUEST, 20, NULL, false, "tailnode", 1, 0, 2 },
	{ "stun_ts_resp4", 0x0101, 1, FSC_STUN_SUCCESS, 12, "203.0.113.45:41641", true,
	  NULL, 0, 0, 1 },
	{ "stun_ts_resp6", 0x0101, 1, FSC_STUN_SUCCESS, 24,
	  "[2001:db8:85a3::8a2e:370:7334]:41641", true, NULL, 0, 0, 1 },
	/* MAPPED comes first but the XOR form (0x8020 here) wins */
	{ "stun_mapped_then_xor", 0x0101, 1, FSC_STUN_SUCCESS, 24, "203.0.113.45:41641", true,
	  NULL, 0, 0, 2 },
	{ "stun_mapped_only", 0x0101, 1, FSC_STUN_SUCCESS, 12, "203.0.113.45:41641", false,
	  NULL, 0, 0, 1 },
	{ "stun_error", 0x0111, 1, FSC_STUN_ERROR, 28, NULL, false, NULL, 1, 400, 2 },
	{ "stun_indication", 0x0011, 1, FSC_STUN_INDICATION, 8, NULL, false, NULL, 1, 0, 1 },
	{ "stun_allocate", 0x0003, 3, FSC_STUN_REQUEST, 16, NULL, false, NULL, 1, 0, 2 },
};

static void vectors_decode(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(known[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_stun_msg m;
		const char *why = "unset";
		char s[FSC_ENDPOINT_STRLEN];

		print_message("%s\n", known[i].name);
		assert_int_equal(fsc_stun_decode(g, n, &m, &why), FSC_OK);
		assert_null(why);
		assert_int_equal(m.type, known[i].type);
		assert_int_equal(m.method, known[i].method);
		assert_int_equal(m.cls, known[i].cls);
		assert_int_equal(m.length, known[i].length);
		assert_int_equal(n, 20 + m.length);
		assert_ptr_equal(m.txid, g + 8);
		assert_int_equal(m.has_mapped, known[i].mapped != NULL);
		if (known[i].mapped) {
			assert_string_equal(fsc_endpoint_str(&m.mapped, m.mapped_port, s),
					    known[i].mapped);
			assert_int_equal(m.mapped_xor, known[i].xor);
		}
		if (known[i].software) {
			assert_int_equal(m.software_len, strlen(known[i].software));
			assert_memory_equal(m.software, known[i].software, m.software_len);
		} else {
			assert_null(m.software);
		}
		assert_int_equal(m.has_fingerprint, known[i].fingerprint != 0);
		assert_int_equal(m.fingerprint_ok, known[i].fingerprint == 1);
		assert_int_equal(m.error_code, known[i].error);
		assert_int_equal(m.n_attrs, known[i].attrs);
		vec_guard_free(g, n);
	}
}

static void error_reason(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("stun_error", b);
	struct fsc_stun_msg m;

	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
	assert_int_equal(m.error_code, 400);
	assert_int_equal(m.error_reason_len, 11);
	assert_memory_equal(m.error_reason, "Bad Request", 11);
	assert_ptr_equal(m.error_reason, b + 28);
}

static void fingerprint_mismatch(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("stun_ts_req", b);
	struct fsc_stun_msg m;

	/* a flipped bit in the CRC, then one in the covered bytes */
	b[n - 1] ^= 0x01;
	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
	assert_true(m.has_fingerprint);
	assert_false(m.fingerprint_ok);
	b[n - 1] ^= 0x01;
	b[24] ^= 0x20; /* "tailnode" -> "Tailnode" */
	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
	assert_false(m.fingerprint_ok);
	b[24] ^= 0x20;
	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
	assert_true(m.fingerprint_ok);
}

/* RFC 5389 §6 figure 3, written independently of the decoder: the method's
 * bits M0-M3, M4-M6, M7-M11 go around C0 (bit 4) and C1 (bit 8). */
static uint16_t encode_type(uint16_t method, unsigned cls)
{
	return (uint16_t)((method & 0x00f) | (method & 0x070) << 1 | (method & 0xf80) << 2 |
			  (cls & 1) << 4 | (cls & 2) << 7);
}

static void every_method_and_class(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("stun_coturn_req4", b);
	struct fsc_stun_msg m;

	/* known answers from RFC 5389 / tshark */
	assert_int_equal(encode_type(1, FSC_STUN_SUCCESS), 0x0101);
	assert_int_equal(encode_type(1, FSC_STUN_ERROR), 0x0111);
	assert_int_equal(encode_type(1, FSC_STUN_INDICATION), 0x0011);
	assert_int_equal(encode_type(0xfff, FSC_STUN_ERROR), 0x3fff);
	for (unsigned method = 0; method < 0x1000; method++) {
		for (unsigned cls = 0; cls < 4; cls++) {
			uint16_t t = encode_type((uint16_t)method, cls);

			b[0] = (uint8_t)(t >> 8);
			b[1] = (uint8_t)t;
			assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
			assert_int_equal(m.type, t);
			assert_int_equal(m.method, method);
			assert_int_equal(m.cls, cls);
		}
	}
	/* and the two top bits never belong to STUN */
	for (unsigned top = 1; top < 4; top++) {
		b[0] = (uint8_t)(top << 6);
		assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_NOT_THIS);
	}
}

/* Every prefix: no cookie visible below 8 bytes (FSC_NOT_THIS), then the
 * header or the announced attributes are cut (FSC_TRUNCATED). */
static void every_prefix(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(known[i].name, b);

		for (size_t k = 0; k < n; k++) {
			uint8_t *g = vec_guard(b, k);
			struct fsc_stun_msg m;
			const char *why = NULL;
			enum fsc_status st = fsc_stun_decode(g, k, &m, &why);

			assert_non_null(why);
			if (k < 8) {
				assert_int_equal(st, FSC_NOT_THIS);
			} else {
				assert_int_equal(st, FSC_TRUNCATED);
				/* header fields kept */
				assert_int_equal(m.type, known[i].type);
				assert_int_equal(m.method, known[i].method);
				assert_int_equal(m.length, known[i].length);
				if (k >= 20) {
					assert_ptr_equal(m.txid, g + 8);
					assert_string_equal(why, "stun attributes cut short");
				} else {
					assert_null(m.txid);
				}
			}
			vec_guard_free(g, k);
		}
	}
}

static void bad_messages(void **state)
{
	(void)state;
	static const struct tv_variant cases[] = {
		{ "classic RFC 3489 request", "stun_rfc3489", -1, -1, 0, -1, 0,
		  FSC_NOT_THIS, "no stun magic cookie" },
		{ "cookie off by one bit", "stun_ts_req", -1, 7, 0x43, -1, 0,
		  FSC_NOT_THIS, "no stun magic cookie" },
		{ "top bit set (RTP-like)", "stun_ts_req", -1, 0, 0x80, -1, 0,
		  FSC_NOT_THIS, "no stun magic cookie" },
		{ "second bit set", "stun_ts_resp4", -1, 0, 0x41, -1, 0,
		  FSC_NOT_THIS, "no stun magic cookie" },
		{ "seven bytes", "stun_ts_req", 7, -1, 0, -1, 0,
		  FSC_NOT_THIS, "shorter than a stun cookie" },
		{ "length 22, 20 bytes there", "stun_ts_req", -1, 3, 22, -1, 0,
		  FSC_TRUNCATED, "stun attributes cut short" },
		{ "length 24 beyond the data", "stun_ts_req", -1, 3, 24, -1, 0,
		  FSC_TRUNCATED, "stun attributes cut short" },
		{ "four bytes after the message", "stun_ts_req", 44, -1, 0, -1, 0,
		  FSC_MALFORMED, "bytes after the stun message" },
		{ "SOFTWARE length 17 overruns", "stun_ts_req", -1, 23, 17, -1, 0,
		  FSC_MALFORMED, "attribute overruns message" },
		{ "SOFTWARE length 13: padding eats FINGERPRINT", "stun_ts_req", -1, 23, 13, -1, 0,
		  FSC_OK, NULL },
		{ "XOR-MAPPED family 3", "stun_ts_resp4", -1, 25, 3, -1, 0,
		  FSC_MALFORMED, "address family not 1 or 2" },
		{ "XOR-MAPPED family 0", "stun_ts_resp6", -1, 25, 0, -1, 0,
		  FSC_MALFORMED, "address family not 1 or 2" },
		{ "XOR-MAPPED family 2, length 8", "stun_ts_resp4", -1, 25, 2, -1, 0,
		  FSC_MALFORMED, "address attribute length wrong for its family" },
		{ "XOR-MAPPED family 1, length 20", "stun_ts_resp6", -1, 25, 1, -1, 0,
		  FSC_MALFORMED, "address attribute length wrong for its family" },
		{ "XOR-MAPPED length 4", "stun_ts_resp4", 28, 23, 4, 3, 8,
		  FSC_MALFORMED, "address attribute length wrong for its family" },
		{ "ignored MAPPED with family 9 still counts", "stun_mapped_then_xor", -1, 25, 9,
		  -1, 0, FSC_MALFORMED, "address family not 1 or 2" },
		{ "MAPPED-ADDRESS family 2 in 8 bytes", "stun_mapped_only", -1, 25, 2, -1, 0,
		  FSC_MALFORMED, "address attribute length wrong for its family" },
		{ "FINGERPRINT length 8", "stun_indication", 32, 3, 12, 23, 8,
		  FSC_MALFORMED, "FINGERPRINT length not 4" },
		{ "attribute after FINGERPRINT", "stun_indication", 32, 3, 12, 28, 0x80,
		  FSC_MALFORMED, "attribute after FINGERPRINT" },
		{ "ERROR-CODE class 2", "stun_error", -1, 26, 2, -1, 0,
		  FSC_MALFORMED, "ERROR-CODE class or number out of range" },
		{ "ERROR-CODE number 100", "stun_error", -1, 27, 100, -1, 0,
		  FSC_MALFORMED, "ERROR-CODE class or number out of range" },
		{ "ERROR-CODE length 3", "stun_error", -1, 23, 3, -1, 0,
		  FSC_MALFORMED, "ERROR-CODE shorter than 4 bytes" },
		{ "ERROR-CODE class 6 number 99", "stun_error", -1, 26, 6, 27, 99,
		  FSC_OK, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_variant_bytes(&cases[i], b);
		struct fsc_stun_msg m;
		const char *why = NULL;
		uint8_t *g = vec_guard(b, n);

		print_message("%s\n", cases[i].what);
		assert_int_equal(fsc_stun_decode(g, n, &m, &why), cases[i].want);
		tv_check_why(why, cases[i].why);
		vec_guard_free(g, n);
	}
}

static void truncated_keeps_header(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("stun_coturn_resp6", b);
	struct fsc_stun_msg m;

	assert_int_equal(fsc_stun_decode(b, 60, &m, NULL), FSC_TRUNCATED);
	assert_int_equal(m.type, 0x0101);
	assert_int_equal(m.cls, FSC_STUN_SUCCESS);
	assert_int_equal(m.length, 128);
	assert_ptr_equal(m.txid, b + 8);
	assert_false(m.has_mapped); /* attributes are not read */
	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
}

static void xor_wins_in_either_order(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("stun_coturn_resp4", b);
	struct fsc_stun_msg m;
	char s[FSC_ENDPOINT_STRLEN];

	/* XOR-MAPPED first, MAPPED second: make MAPPED say 198.18.1.99 */
	b[43] = 99;
	assert_int_equal(fsc_stun_decode(b, n, &m, NULL), FSC_OK);
	assert_true(m.mapped_xor);
	assert_string_equal(fsc_endpoint_str(&m.mapped, m.mapped_port, s), "198.18.1.1:50082");
	assert_false(m.fingerprint_ok); /* the CRC covered the old byte */
	/* the other order is stun_mapped_then_xor, checked in vectors_decode */
}

/* MS-TURN as Teams sends it (nDPI's teams.pcap has this shape): attribute
 * values not padded, the next attribute right after, a message length
 * that is no multiple of 4. Read, and said to be that variant. */
static void ms_turn_unpadded(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		0x01, 0x03, 0x00, 0x19,		/* allocate success, length 25 */
		0x21, 0x12, 0xa4, 0x42,		/* magic cookie */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12,
		0x80, 0x22, 0x00, 0x09,		/* SOFTWARE, 9 bytes, no padding */
		'2', '.', '0', '.', '1', '.', '2', '1', '1',
		0x00, 0x20, 0x00, 0x08,		/* XOR-MAPPED-ADDRESS */
		0x00, 0x01, 0x21 ^ 0xe0, 0x12 ^ 0xc7,	/* port 57543 */
		80 ^ 0x21, 181 ^ 0x12, 206 ^ 0xa4, 72 ^ 0x42,
	};
	struct fsc_stun_msg m;
	const char *why;
	char e[FSC_ENDPOINT_STRLEN];

	assert_int_equal(fsc_stun_decode(b, sizeof(b), &m, &why), FSC_OK);
	assert_true(m.unpadded);
	assert_int_equal(m.software_len, 9);
	assert_memory_equal(m.software, "2.0.1.211", 9);
	assert_true(m.has_mapped && m.mapped_xor);
	assert_string_equal(fsc_endpoint_str(&m.mapped, m.mapped_port, e), "80.181.206.72:57543");
	for (size_t k = 0; k < sizeof(b); k++) {
		uint8_t *g = vec_guard(b, k);
		assert_int_not_equal(fsc_stun_decode(g, k, &m, &why), FSC_OK);
		vec_guard_free(g, k);
	}
	/* An RFC 5389 message is never read the MS-TURN way. */
	uint8_t v[MAXV];
	size_t n = tv_load("stun_coturn_resp4", v);
	assert_int_equal(fsc_stun_decode(v, n, &m, &why), FSC_OK);
	assert_false(m.unpadded);
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(fsc_stun_class_name(FSC_STUN_REQUEST), "request");
	assert_string_equal(fsc_stun_class_name(FSC_STUN_INDICATION), "indication");
	assert_string_equal(fsc_stun_class_name(FSC_STUN_SUCCESS), "success");
	assert_string_equal(fsc_stun_class_name(FSC_STUN_ERROR), "error");
	assert_string_equal(fsc_stun_method_name(0x001), "binding");
	assert_string_equal(fsc_stun_method_name(0x003), "allocate");
	assert_string_equal(fsc_stun_method_name(0x009), "channel-bind");
	assert_null(fsc_stun_method_name(0x000));
	assert_null(fsc_stun_method_name(0x005));
	assert_null(fsc_stun_method_name(0xfff));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vectors_decode),
		cmocka_unit_test(error_reason),
		cmocka_unit_test(fingerprint_mismatch),
		cmocka_unit_test(every_method_and_class),
		cmocka_unit_test(every_prefix),
		cmocka_unit_test(bad_messages),
		cmocka_unit_test(truncated_keeps_header),
		cmocka_unit_test(xor_wins_in_either_order),
		cmocka_unit_test(ms_turn_unpadded),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
