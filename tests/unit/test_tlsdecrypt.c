/* test_tlsdecrypt.c - TLS 1.3 decryption against RFC 8448 §3 (a simple
 * 1-RTT handshake, TLS_AES_128_GCM_SHA256): the traffic keys of its
 * secrets, its client Finished and application data records opened; a
 * record under the wrong key or altered refused; the key log reader (labels,
 * CR, comments, bad fields, TLS 1.2, the limit, a file read as it grows). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsc/tlsdecrypt.h"
#include "vectors.h"

static size_t unhex(const char *s, uint8_t *out)
{
	return vec_hex(s, out, 256);
}

/* RFC 8448 §3 */
#define CLIENT_RANDOM VEC_RFC8448_RANDOM
#define C_HS_SECRET VEC_RFC8448_C_HS
#define C_AP_SECRET VEC_RFC8448_C_AP
#define S_AP_SECRET VEC_RFC8448_S_AP
#define C_APPDATA_RECORD                                                               \
	"1703030043a23f7054b62c94d0affafe8228ba55cbefacea42f914aa66bcab3f2b9819a8a5b46b" \
	"395bd54a9a20441e2b62974e1f5a6292a2977014bd1e3deae63aeebb21694915e4"

static void key(const char *secret_hex, struct fsc_tls13_key *k)
{
	uint8_t s[48];
	size_t n = unhex(secret_hex, s);

	assert_true(fsc_tls13_traffic_key(0x1301, s, n, k));
}

static void traffic_keys(void **state)
{
	struct fsc_tls13_key k;
	uint8_t want[32];

	(void)state;
	key(C_HS_SECRET, &k);
	assert_int_equal(k.key_len, 16);
	unhex("dbfaa693d1762c5b666af5d950258d01", want);
	assert_memory_equal(k.key, want, 16);
	unhex("5bd3c71b836e0b76bb73265f", want);
	assert_memory_equal(k.iv, want, 12);
	key(C_AP_SECRET, &k);
	unhex("17422dda596ed5d9acd890e3c63f5051", want);
	assert_memory_equal(k.key, want, 16);
	unhex("5b78923dee08579033e523d9", want);
	assert_memory_equal(k.iv, want, 12);
	key(S_AP_SECRET, &k);
	unhex("9f02283b6c9c07efc26bb9f2ac92e356", want);
	assert_memory_equal(k.key, want, 16);
	unhex("cf782b88dd83549aadf1e984", want);
	assert_memory_equal(k.iv, want, 12);
	/* a secret of the wrong length for the suite's hash */
	assert_false(fsc_tls13_traffic_key(0x1302, want, 32, &k));
	assert_false(fsc_tls13_traffic_key(0x1304, want, 32, &k));
}

static void open_records(void **state)
{
	struct fsc_tls13_aead *a = fsc_tls13_aead_new();
	struct fsc_tls13_key hs, ap;
	uint8_t rec[128], out[128], want[64];
	size_t n, plen;
	uint8_t type;
	const char *why;

	(void)state;
	assert_non_null(a);
	key(C_HS_SECRET, &hs);
	key(C_AP_SECRET, &ap);

	n = unhex(vec_rfc8448_client_finished, rec);
	assert_int_equal(fsc_tls13_open(a, &hs, 0, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_OK);
	assert_int_equal(type, 22);
	assert_int_equal(plen, unhex(vec_rfc8448_client_finished_plain, want));
	assert_memory_equal(out, want, plen);
	/* the application key, or the next sequence number, fail the tag */
	assert_int_equal(fsc_tls13_open(a, &ap, 0, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_MALFORMED);
	assert_int_equal(fsc_tls13_open(a, &hs, 1, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_MALFORMED);

	n = unhex(C_APPDATA_RECORD, rec);
	assert_int_equal(fsc_tls13_open(a, &ap, 0, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_OK);
	assert_int_equal(type, 23);
	assert_int_equal(plen, 50);
	for (size_t i = 0; i < plen; i++)
		assert_int_equal(out[i], i);
	/* one bit of the header (the additional data) or the body changed */
	rec[2] ^= 1;
	assert_int_equal(fsc_tls13_open(a, &ap, 0, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_MALFORMED);
	rec[2] ^= 1;
	rec[20] ^= 0x80;
	assert_int_equal(fsc_tls13_open(a, &ap, 0, rec, rec + 5, n - 5, out, &plen, &type, &why),
			 FSC_MALFORMED);
	/* shorter than a tag and a type */
	assert_int_equal(fsc_tls13_open(a, &ap, 0, rec, rec + 5, 16, out, &plen, &type, &why),
			 FSC_TRUNCATED);
	fsc_tls13_aead_free(a);
}

static const char keylog[] =
	"# fnode --tls-keylog\n"
	"SERVER_HANDSHAKE_TRAFFIC_SECRET " CLIENT_RANDOM
	" b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38\n"
	"CLIENT_HANDSHAKE_TRAFFIC_SECRET " CLIENT_RANDOM " " C_HS_SECRET "\r\n"
	"\n"
	"EXPORTER_SECRET " CLIENT_RANDOM " " C_HS_SECRET "\n"
	"CLIENT_TRAFFIC_SECRET_0 " CLIENT_RANDOM " " C_AP_SECRET "\n"
	"SERVER_TRAFFIC_SECRET_0   " CLIENT_RANDOM "\t" S_AP_SECRET "  \n"
	"CLIENT_RANDOM " CLIENT_RANDOM
	" 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f\n"
	"CLIENT_TRAFFIC_SECRET_0 00" CLIENT_RANDOM " " C_AP_SECRET "\n"	/* random too long */
	"CLIENT_TRAFFIC_SECRET_0 " CLIENT_RANDOM " " C_AP_SECRET "0\n"	/* odd secret */
	"CLIENT_TRAFFIC_SECRET_0 " CLIENT_RANDOM " " C_AP_SECRET " x\n"	/* text after */
	"SOMETHING_ELSE a b\n";

static void key_log(void **state)
{
	struct fsc_tlskeys *k = fsc_tlskeys_new(0);
	uint8_t r[32], s[48], other[32] = { 0 };
	const struct fsc_tlskeys_entry *e;
	const struct fsc_tlskeys_stats *st;

	(void)state;
	assert_non_null(k);
	fsc_tlskeys_add_text(k, keylog, strlen(keylog));
	unhex(CLIENT_RANDOM, r);
	e = fsc_tlskeys_find(k, r);
	assert_non_null(e);
	assert_null(fsc_tlskeys_find(k, other));
	assert_int_equal(e->len[FSC_TLS_CLIENT_HS], 32);
	assert_int_equal(e->len[FSC_TLS_SERVER_HS], 32);
	assert_int_equal(e->len[FSC_TLS_CLIENT_APP], 32);
	assert_int_equal(e->len[FSC_TLS_SERVER_APP], 32);
	unhex(C_HS_SECRET, s);
	assert_memory_equal(e->secret[FSC_TLS_CLIENT_HS], s, 32);
	unhex(S_AP_SECRET, s);
	assert_memory_equal(e->secret[FSC_TLS_SERVER_APP], s, 32);
	st = fsc_tlskeys_stats(k);
	assert_int_equal(st->entries, 1);
	assert_int_equal(st->tls12, 1);
	assert_int_equal(st->skipped, 4);
	assert_int_equal(st->lines, 12);
	fsc_tlskeys_free(k);

	/* the limit: a second connection is dropped, counted */
	k = fsc_tlskeys_new(1);
	char line[256];
	for (int i = 0; i < 2; i++) {
		snprintf(line, sizeof(line), "CLIENT_TRAFFIC_SECRET_0 %02x%s %s\n", i,
			 &CLIENT_RANDOM[2], C_AP_SECRET);
		fsc_tlskeys_add_text(k, line, strlen(line));
	}
	assert_int_equal(fsc_tlskeys_stats(k)->entries, 1);
	assert_int_equal(fsc_tlskeys_stats(k)->dropped, 1);
	fsc_tlskeys_free(k);
}

/* A log read as it grows: a line without its LF waits for it. */
static void key_log_file(void **state)
{
	char path[] = "/tmp/test_tlskeysXXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	struct fsc_tlskeys *k = fsc_tlskeys_new(0);
	uint64_t off = 0;
	char err[128];
	uint8_t r[32];

	(void)state;
	assert_non_null(f);
	unhex(CLIENT_RANDOM, r);
	fprintf(f, "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\nCLIENT_TRAFFIC_SECRET_0 %s %.40s",
		CLIENT_RANDOM, C_HS_SECRET, CLIENT_RANDOM, C_AP_SECRET);
	fflush(f);
	assert_true(fsc_tlskeys_add_file(k, path, &off, false, err, sizeof(err)));
	assert_int_equal(fsc_tlskeys_find(k, r)->len[FSC_TLS_CLIENT_APP], 0);
	fprintf(f, "%s\n", &C_AP_SECRET[40]);
	fflush(f);
	assert_true(fsc_tlskeys_add_file(k, path, &off, false, err, sizeof(err)));
	assert_int_equal(fsc_tlskeys_find(k, r)->len[FSC_TLS_CLIENT_APP], 32);
	assert_int_equal(fsc_tlskeys_stats(k)->lines, 2);
	fclose(f);
	unlink(path);
	off = 0;
	assert_false(fsc_tlskeys_add_file(k, path, &off, true, err, sizeof(err)));
	fsc_tlskeys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(traffic_keys),
		cmocka_unit_test(open_records),
		cmocka_unit_test(key_log),
		cmocka_unit_test(key_log_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
