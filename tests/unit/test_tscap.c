/* test_tscap.c - `tailscale debug capture` record bodies: IP paths with and
 * without NAT metadata, disco records (UDP, DERP, IPv6), prefixes, bad
 * lengths and paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/disco.h"
#include "fsc/tscap.h"
#include "tvkit.h"

#define MAXV TV_MAXV

/* Checked with tshark 4.0.17 and tailscale's ts-dissector.lua (path, NAT
 * addresses, inner IP source, disco source and port, disco type). */
static void ip_paths(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		uint16_t path;
		const char *snat, *dnat;	/* "-": absent */
		size_t hdr;			/* bytes before the packet */
		uint8_t ipver;			/* first nibble of the packet */
		const char *path_name;
	} cases[] = {
		{ "tscap_from_peer", FSC_TSCAP_FROM_PEER, "-", "-", 4, 4, "from-peer" },
		{ "tscap_synth_to_local", FSC_TSCAP_SYNTH_TO_LOCAL, "-", "-", 4, 4,
		  "synth-to-local" },
		{ "tscap_from_local_nat", FSC_TSCAP_FROM_LOCAL, "100.104.208.43",
		  "fd7a:115c:a1e0::53", 4 + 4 + 16, 6, "from-local" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_tscap t;
		const char *why = "unset";
		char s[FSC_ADDR_STRLEN];

		assert_int_equal(fsc_tscap_decode(g, n, &t, &why), FSC_OK);
		assert_null(why);
		assert_int_equal(t.path, cases[i].path);
		assert_string_equal(fsc_addr_str(&t.snat, s), cases[i].snat);
		assert_string_equal(fsc_addr_str(&t.dnat, s), cases[i].dnat);
		assert_ptr_equal(t.data, g + cases[i].hdr);
		assert_int_equal(t.data_len, n - cases[i].hdr);
		assert_int_equal(t.data[0] >> 4, cases[i].ipver);
		assert_null(t.disco);
		assert_false(t.via_derp);
		assert_string_equal(fsc_tscap_path_name(t.path), cases[i].path_name);
		vec_guard_free(g, n);
	}
}

static void disco_records(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		bool derp;
		const char *src;
		uint8_t type;
		size_t disco_len;
	} cases[] = {
		{ "tscap_disco_udp", false, "198.18.0.2:41641", FSC_DISCO_PING, 46 },
		{ "tscap_disco_derp", true, "127.3.3.40:1", FSC_DISCO_PONG, 32 },
		{ "tscap_disco_v6", false, "[2001:db8::1]:41642", FSC_DISCO_CALL_ME_MAYBE, 56 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_load(cases[i].name, b);
		uint8_t *g = vec_guard(b, n);
		struct fsc_tscap t;
		struct fsc_disco_plain m;
		char s[FSC_ENDPOINT_STRLEN];

		assert_int_equal(fsc_tscap_decode(g, n, &t, NULL), FSC_OK);
		assert_int_equal(t.path, FSC_TSCAP_DISCO);
		assert_string_equal(fsc_tscap_path_name(t.path), "disco");
		assert_int_equal(t.snat.family, 0);
		assert_int_equal(t.dnat.family, 0);
		assert_null(t.data);
		assert_int_equal(t.via_derp, cases[i].derp);
		if (cases[i].derp)
			assert_ptr_equal(t.derp_key, g + 5);
		else
			assert_null(t.derp_key);
		assert_string_equal(fsc_endpoint_str(&t.disco_src, t.disco_sport, s), cases[i].src);
		assert_int_equal(t.disco_len, cases[i].disco_len);
		assert_ptr_equal(t.disco + t.disco_len, g + n);
		/* and the payload is a disco message, integers big-endian */
		assert_int_equal(fsc_disco_decode_plain(t.disco, t.disco_len, &m, NULL), FSC_OK);
		assert_int_equal(m.type, cases[i].type);
		vec_guard_free(g, n);
	}
}

static void disco_payloads(void **state)
{
	(void)state;
	uint8_t b[MAXV];
	size_t n = tv_load("tscap_disco_derp", b);
	struct fsc_tscap t;
	struct fsc_disco_plain m;
	char s[FSC_ENDPOINT_STRLEN];

	assert_int_equal(fsc_tscap_decode(b, n, &t, NULL), FSC_OK);
	assert_int_equal(fsc_disco_decode_plain(t.disco, t.disco_len, &m, NULL), FSC_OK);
	/* the pong port is BE in the payload although the record is LE */
	assert_string_equal(fsc_endpoint_str(&m.pong_addr, m.pong_port, s), "203.0.113.45:41641");

	n = tv_load("tscap_disco_udp", b);
	assert_int_equal(fsc_tscap_decode(b, n, &t, NULL), FSC_OK);
	assert_int_equal(fsc_disco_decode_plain(t.disco, t.disco_len, &m, NULL), FSC_OK);
	assert_non_null(m.node_key);
	assert_int_equal(m.node_key[0], 0xeb);
}

/*
 * Every prefix. An IP record has no length: once the metadata is complete,
 * any non-empty remainder is "the packet" (FSC_OK with a shorter packet,
 * which the IP dissector then reports as truncated); before that, and with
 * no packet byte, FSC_TRUNCATED. A disco record has lengths, so every
 * prefix is FSC_TRUNCATED.
 */
static void every_prefix(void **state)
{
	(void)state;
	for (size_t v = 0; v < TUN_N_VECTORS; v++) {
		const struct tun_vec *tv = &tun_vectors[v];
		uint8_t b[MAXV];
		struct fsc_tscap full;
		size_t n, hdr;

		if (tv->layer != TV_TSCAP)
			continue;
		n = tv_load(tv->name, b);
		assert_int_equal(fsc_tscap_decode(b, n, &full, NULL), FSC_OK);
		hdr = full.data ? (size_t)(full.data - b) : n;
		for (size_t k = 0; k < n; k++) {
			uint8_t *g = vec_guard(b, k);
			struct fsc_tscap t;
			const char *why = NULL;
			enum fsc_status st = fsc_tscap_decode(g, k, &t, &why);

			if (k > hdr) {
				assert_int_equal(st, FSC_OK);
				assert_int_equal(t.data_len, k - hdr);
			} else {
				assert_int_equal(st, FSC_TRUNCATED);
				assert_non_null(why);
			}
			if (k >= 2)
				assert_int_equal(t.path, full.path);
			vec_guard_free(g, k);
		}
	}
}

static void bad_records(void **state)
{
	(void)state;
	static const struct tv_variant cases[] = {
		{ "path 4", "tscap_from_peer", -1, 0, 4, -1, 0,
		  FSC_MALFORMED, "unknown capture path" },
		{ "path 253", "tscap_disco_udp", -1, 0, 253, -1, 0,
		  FSC_MALFORMED, "unknown capture path" },
		{ "path 255", "tscap_disco_udp", -1, 0, 255, -1, 0,
		  FSC_MALFORMED, "unknown capture path" },
		{ "path 0x0100 (1 read as big-endian)", "tscap_from_peer", -1, 0, 0, 1, 1,
		  FSC_MALFORMED, "unknown capture path" },
		{ "path 0xfe00", "tscap_disco_udp", -1, 0, 0, 1, 0xfe,
		  FSC_MALFORMED, "unknown capture path" },
		{ "SNAT length 5", "tscap_from_peer", -1, 2, 5, -1, 0,
		  FSC_MALFORMED, "SNAT address length not 0, 4 or 16" },
		{ "SNAT length 255", "tscap_from_peer", -1, 2, 255, -1, 0,
		  FSC_MALFORMED, "SNAT address length not 0, 4 or 16" },
		{ "DNAT length 15", "tscap_from_local_nat", -1, 7, 15, -1, 0,
		  FSC_MALFORMED, "DNAT address length not 0, 4 or 16" },
		{ "DNAT length 1", "tscap_from_peer", -1, 3, 1, -1, 0,
		  FSC_MALFORMED, "DNAT address length not 0, 4 or 16" },
		{ "SNAT 16 past the end", "tscap_from_peer", 10, 2, 16, -1, 0,
		  FSC_TRUNCATED, "SNAT address cut short" },
		{ "metadata only", "tscap_from_local_nat", 24, -1, 0, -1, 0,
		  FSC_TRUNCATED, "capture record without a packet" },
		{ "disco address length 6", "tscap_disco_udp", -1, 39, 6, -1, 0,
		  FSC_MALFORMED, "disco source address length not 4 or 16" },
		{ "disco address length 0", "tscap_disco_udp", -1, 39, 0, -1, 0,
		  FSC_MALFORMED, "disco source address length not 4 or 16" },
		{ "disco address length 4 as big-endian", "tscap_disco_udp", -1, 39, 0, 40, 4,
		  FSC_MALFORMED, "disco source address length not 4 or 16" },
		{ "disco payload length 47", "tscap_disco_udp", -1, 45, 47, -1, 0,
		  FSC_TRUNCATED, "disco payload cut short" },
		{ "disco payload length 45", "tscap_disco_udp", -1, 45, 45, -1, 0,
		  FSC_MALFORMED, "bytes after the disco payload" },
		{ "disco payload length 0x2e00", "tscap_disco_udp", -1, 45, 0, 46, 0x2e,
		  FSC_TRUNCATED, "disco payload cut short" },
		{ "one byte after the disco payload", "tscap_disco_v6", 116, -1, 0, -1, 0,
		  FSC_MALFORMED, "bytes after the disco payload" },
		{ "flags 0xfe: only bit 0 means DERP", "tscap_disco_udp", -1, 4, 0xfe, -1, 0,
		  FSC_OK, NULL },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t b[MAXV];
		size_t n = tv_variant_bytes(&cases[i], b);
		struct fsc_tscap t;
		const char *why = NULL;
		uint8_t *g = vec_guard(b, n);

		print_message("%s\n", cases[i].what);
		assert_int_equal(fsc_tscap_decode(g, n, &t, &why), cases[i].want);
		tv_check_why(why, cases[i].why);
		/* the path is kept whatever went wrong */
		assert_int_equal(t.path, (uint16_t)(b[0] | b[1] << 8));
		vec_guard_free(g, n);
	}
}

static void tiny(void **state)
{
	(void)state;
	const uint8_t one[] = { 0x01 };
	struct fsc_tscap t;
	const char *why;

	assert_int_equal(fsc_tscap_decode(NULL, 0, &t, &why), FSC_TRUNCATED);
	assert_string_equal(why, "capture record shorter than its path");
	assert_int_equal(fsc_tscap_decode(one, 1, &t, &why), FSC_TRUNCATED);
}

static void path_names(void **state)
{
	(void)state;
	assert_string_equal(fsc_tscap_path_name(0), "from-local");
	assert_string_equal(fsc_tscap_path_name(1), "from-peer");
	assert_string_equal(fsc_tscap_path_name(2), "synth-to-local");
	assert_string_equal(fsc_tscap_path_name(3), "synth-to-peer");
	assert_string_equal(fsc_tscap_path_name(254), "disco");
	assert_string_equal(fsc_tscap_path_name(4), "unknown");
	assert_string_equal(fsc_tscap_path_name(0xffff), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ip_paths),
		cmocka_unit_test(disco_records),
		cmocka_unit_test(disco_payloads),
		cmocka_unit_test(every_prefix),
		cmocka_unit_test(bad_records),
		cmocka_unit_test(tiny),
		cmocka_unit_test(path_names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
