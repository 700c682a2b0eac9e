/* test_wgkeylog.c - the WireGuard key log: lines written as Wireshark reads
 * them, lines read as Wireshark reads them (spaces, CRLF, junk), the set's
 * deduplication, PSK binding and limits, and the committed key log of
 * captures/wg-tunnel.pcap. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "fsc/wgkeylog.h"
#include "vectors.h"

static void key_of(uint8_t k[32], uint8_t seed)
{
	for (int i = 0; i < 32; i++)
		k[i] = (uint8_t)(seed * 31 + i * 7);
}

static void format_round_trip(void **state)
{
	char buf[FSC_WGKEYLOG_LINE_MAX], b64[64];
	uint8_t k[32], back[32];
	enum fsc_wgkeylog_type t;

	(void)state;
	for (int seed = 0; seed < 64; seed++) {
		key_of(k, (uint8_t)seed);
		size_t n = fsc_wgkeylog_format(buf, sizeof(buf),
					       FSC_WGKEYLOG_PRESHARED_KEY, k);
		/* base64 as OpenSSL writes it */
		EVP_EncodeBlock((unsigned char *)b64, k, 32);
		char want[128];
		snprintf(want, sizeof(want), "PRESHARED_KEY = %s\n", b64);
		assert_string_equal(buf, want);
		assert_int_equal(n, strlen(want));
		assert_int_equal(fsc_wgkeylog_parse_line(buf, n - 1, &t, back, NULL),
				 FSC_OK);
		assert_int_equal(t, FSC_WGKEYLOG_PRESHARED_KEY);
		assert_memory_equal(back, k, 32);
	}
	assert_int_equal(fsc_wgkeylog_format(buf, FSC_WGKEYLOG_LINE_MAX - 1,
					     FSC_WGKEYLOG_PRESHARED_KEY, k), 0);
	assert_string_equal(fsc_wgkeylog_type_name(FSC_WGKEYLOG_LOCAL_EPHEMERAL_PRIVATE_KEY),
			    "LOCAL_EPHEMERAL_PRIVATE_KEY");
}

static void handshake_lines(void **state)
{
	char buf[4 * FSC_WGKEYLOG_LINE_MAX];
	uint8_t s[32], r[32], e[32], z[32] = { 0 };

	(void)state;
	key_of(s, 1);
	key_of(r, 2);
	key_of(e, 3);
	size_t n = fsc_wgkeylog_handshake_lines(buf, sizeof(buf), s, r, e, z);
	assert_int_equal(n, strlen(buf));
	assert_non_null(strstr(buf, "LOCAL_STATIC_PRIVATE_KEY = "));
	assert_non_null(strstr(buf, "\nREMOTE_STATIC_PUBLIC_KEY = "));
	assert_non_null(strstr(buf, "\nLOCAL_EPHEMERAL_PRIVATE_KEY = "));
	assert_null(strstr(buf, "PRESHARED_KEY")); /* an all-zero PSK is none */
	n = fsc_wgkeylog_handshake_lines(buf, sizeof(buf), s, NULL, e, e);
	assert_null(strstr(buf, "REMOTE_STATIC"));
	/* the PSK line comes right after the ephemeral it binds to */
	char *eph = strstr(buf, "LOCAL_EPHEMERAL_PRIVATE_KEY");
	char *psk = strstr(buf, "\nPRESHARED_KEY = ");
	assert_non_null(eph);
	assert_non_null(psk);
	assert_ptr_equal(strchr(eph, '\n'), psk);
	assert_int_equal(fsc_wgkeylog_handshake_lines(buf, 100, s, r, e, NULL), 0);
}

static void parse_variants(void **state)
{
	static const struct {
		const char *line;
		enum fsc_status want;
	} v[] = {
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=", FSC_OK },
		{ "LOCAL_STATIC_PRIVATE_KEY=KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=", FSC_OK },
		{ "  LOCAL_STATIC_PRIVATE_KEY\t=  KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=\r", FSC_OK },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo= ", FSC_OK },
		{ "", FSC_NOT_THIS },
		{ "# comment", FSC_NOT_THIS },
		{ "CLIENT_RANDOM 00 11", FSC_NOT_THIS },
		{ "LOCAL_STATIC_PRIVATE_KEYS = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=", FSC_NOT_THIS },
		{ "LOCAL_STATIC_PRIVATE_KEY", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLX=", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXp=", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3Z*Xo=", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=x", FSC_MALFORMED },
		{ "LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=AAAA", FSC_MALFORMED },
	};
	uint8_t k[32];
	enum fsc_wgkeylog_type t;
	const char *why = "unset";

	(void)state;
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		size_t n = strlen(v[i].line);
		/* guard page right after the line: no read beyond it */
		uint8_t *g = vec_guard((const uint8_t *)v[i].line, n);
		enum fsc_status st = fsc_wgkeylog_parse_line((const char *)g, n, &t,
							     k, &why);
		if (st != v[i].want)
			fail_msg("line %zu '%s': %d", i, v[i].line, st);
		assert_true((st == FSC_OK) == (why == NULL));
		if (st == FSC_OK) {
			assert_int_equal(t, FSC_WGKEYLOG_LOCAL_STATIC_PRIVATE_KEY);
			assert_int_equal(k[0], 0x28);
			assert_int_equal(k[31], 0x7a);
		}
		vec_guard_free(g, n);
	}
}

static void set_rules(void **state)
{
	static const char text[] =
		"# a comment\r\n"
		"LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=\r\n"
		"LOCAL_STATIC_PRIVATE_KEY = KDB1xsKu+up9nYW++gBSQS3WbN8wdHYzUNFW4j3ZLXo=\n"
		"PRESHARED_KEY = qGwnMuJrx0uwYPboWbm6yMj4nzgjePxLG9E7RYPBwQI=\n" /* no eph above */
		"LOCAL_EPHEMERAL_PRIVATE_KEY = gLYNT1VeYUMsHOHuuuJxioEpk+qxlgqEX50SsA19Fl0=\n"
		"PRESHARED_KEY = bxA1Tl+21k8+seyC2hqT9cSj8ikrmLdeQS9Rt7k6bB8=\n"
		"LOCAL_EPHEMERAL_PRIVATE_KEY = qGwnMuJrx0uwYPboWbm6yMj4nzgjePxLG9E7RYPBwQI=\n"
		"\n"
		"REMOTE_STATIC_PUBLIC_KEY = bad\n"
		"REMOTE_STATIC_PUBLIC_KEY = bxA1Tl+21k8+seyC2hqT9cSj8ikrmLdeQS9Rt7k6bB8=";
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 1);

	(void)state;
	assert_non_null(s);
	fsc_wgkeylog_set_add_text(s, text, strlen(text));
	assert_int_equal(s->n_static_priv, 1);
	assert_int_equal(s->n_remote_pub, 1);
	assert_int_equal(s->n_eph, 1); /* limit 1: the second is dropped */
	assert_int_equal(s->dropped, 1);
	assert_int_equal(s->lines, 10);
	assert_int_equal(s->skipped, 3); /* comment, orphan PSK, bad value */
	assert_int_equal(s->eph[0].priv[0], 0x80);
	assert_int_equal(s->eph[0].psk[0], 0x6f); /* bound PSK: bxA1... */
	assert_int_equal(s->remote_pub[0][0], 0x6f);
	fsc_wgkeylog_set_free(s);
}

static void committed_keylog(void **state)
{
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(0, 0, 0);
	char err[128];

	(void)state;
	assert_non_null(s);
	assert_true(fsc_wgkeylog_set_add_file(s, FSC_SRC_DIR "/captures/wg-tunnel.keylog",
					      err, sizeof(err)));
	assert_int_equal(s->n_static_priv, 2);
	assert_int_equal(s->n_remote_pub, 2);
	assert_int_equal(s->n_eph, 0);
	assert_int_equal(s->skipped, 0);
	assert_false(fsc_wgkeylog_set_add_file(s, FSC_SRC_DIR "/no/such/file", err,
					       sizeof(err)));
	assert_string_equal(err, "No such file or directory");
	fsc_wgkeylog_set_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(format_round_trip),
		cmocka_unit_test(handshake_lines),
		cmocka_unit_test(parse_variants),
		cmocka_unit_test(set_rules),
		cmocka_unit_test(committed_keylog),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
