/* test_streams_tlsopen.c - a TLS 1.3 connection opened with a key log in
 * the stream machines: RFC 8448 §3's hellos and client Finished, then HTTP
 * sealed here under its application secrets: the request and its answer
 * come out as HTTP events flagged tls-decrypted; a record header cut
 * between segments; no secret, TLS 1.2, a record altered: counted, not
 * decrypted, nothing invented. */
#include "streamkit.h"

#include <openssl/evp.h>

#include "fsc/tlsdecrypt.h"

#define RANDOM "cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
#define C_HS "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21"
#define S_HS "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38"
#define C_AP "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5"
#define S_AP "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643"

/* RFC 8448 §3: ClientHello and ServerHello records, the client Finished. */
static const char client_hello[] =
	"16030100c4010000c00303cb34ecb1e78163ba1c38c6dacb196a6dffa21a8d9912ec18a2ef6283024dece7"
	"000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017"
	"00180019010001010102010301040023000000330026002400"
	"1d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304"
	"000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101"
	"001c00024001";
static const char server_hello[] =
	"160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e269"
	"2800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1"
	"b04e751f0f002b00020304";
static const char client_finished[] =
	"170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc"
	"46deb384bd1caeacab6867d726c40546";
static const uint8_t ccs[] = { 0x14, 3, 3, 0, 1, 1 };

static size_t unhex(const char *s, uint8_t *out)
{
	size_t n = 0;

	for (; s[0] && s[1]; s += 2) {
		unsigned v;
		sscanf(s, "%2x", &v);
		out[n++] = (uint8_t)v;
	}
	return n;
}

static void send_hex(struct conn *c, int dir, const char *hex)
{
	uint8_t b[512];
	size_t n = unhex(hex, b);

	segment(c, dir, FSC_TCP_ACK | FSC_TCP_PSH, b, n);
}

/* A record of type 23 sealed as a TLS 1.3 peer would: content, type 23. */
static size_t seal(const char *secret_hex, uint64_t seq, const char *text, uint8_t *rec)
{
	struct fsc_tls13_key k;
	uint8_t s[32], nonce[12], plain[256];
	size_t n = strlen(text);
	int len = 0, fin = 0;

	unhex(secret_hex, s);
	assert_true(fsc_tls13_traffic_key(0x1301, s, 32, &k));
	memcpy(plain, text, n);
	plain[n++] = 23;
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	rec[0] = 23;
	rec[1] = rec[2] = 3;
	rec[3] = (uint8_t)((n + 16) >> 8);
	rec[4] = (uint8_t)(n + 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &len, rec, 5), 1);
	assert_int_equal(EVP_EncryptUpdate(c, rec + 5, &len, plain, (int)n), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, rec + 5 + len, &fin), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + n), 1);
	EVP_CIPHER_CTX_free(c);
	return 5 + n + 16;
}

static struct fsc_tlskeys *keys(bool handshake)
{
	struct fsc_tlskeys *k = fsc_tlskeys_new(4);
	char log[1024];

	assert_non_null(k);
	snprintf(log, sizeof(log),
		 "CLIENT_TRAFFIC_SECRET_0 %s %s\nSERVER_TRAFFIC_SECRET_0 %s %s\n%s%s %s %s\n%s%s %s %s\n",
		 RANDOM, C_AP, RANDOM, S_AP, handshake ? "" : "#",
		 "CLIENT_HANDSHAKE_TRAFFIC_SECRET", RANDOM, C_HS, handshake ? "" : "#",
		 "SERVER_HANDSHAKE_TRAFFIC_SECRET", RANDOM, S_HS);
	fsc_tlskeys_add_text(k, log, strlen(log));
	return k;
}

static const struct seen *find(enum fsc_event_type t)
{
	for (unsigned i = 0; i < n_ev; i++)
		if (ev[i].type == t)
			return &ev[i];
	return NULL;
}

static struct fsc_stream_stats stats;

/* The RFC's handshake, then a request and its answer; split: the client
 * Finished's header cut between two segments. */
static void run(struct fsc_tlskeys *k, bool split, bool alter)
{
	struct conn c;
	uint8_t rec[256], fin[64];
	size_t n;

	open_conn(&c);
	if (k)
		assert_true(fsc_streams_set_tlskeys(c.s, k));
	send_hex(&c, 0, client_hello);
	send_hex(&c, 1, server_hello);
	segment(&c, 1, FSC_TCP_ACK, ccs, sizeof(ccs));
	n = unhex(client_finished, fin);
	if (split) {
		uint8_t first[sizeof(ccs) + 3];
		memcpy(first, ccs, sizeof(ccs));
		memcpy(first + sizeof(ccs), fin, 3);
		segment(&c, 0, FSC_TCP_ACK, first, sizeof(first));
		segment(&c, 0, FSC_TCP_ACK, fin + 3, n - 3);
	} else {
		segment(&c, 0, FSC_TCP_ACK, ccs, sizeof(ccs));
		segment(&c, 0, FSC_TCP_ACK, fin, n);
	}
	n = seal(C_AP, 0, "GET /secret?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n", rec);
	if (alter)
		rec[n - 1] ^= 1;
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec, n);
	n = seal(S_AP, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", rec);
	segment(&c, 1, FSC_TCP_ACK | FSC_TCP_PSH, rec, n);
	stats = *fsc_streams_stats(c.s);
	close_conn(&c);
}

static void decrypted(void **state)
{
	(void)state;
	for (int split = 0; split < 2; split++)
		for (int hs = 0; hs < 2; hs++) {
			struct fsc_tlskeys *k = keys(hs);
			run(k, split, false);
			const struct seen *q = find(FSC_EV_HTTP_REQUEST);
			assert_non_null(q);
			assert_string_equal(q->method, "GET");
			assert_string_equal(q->a, "/secret?x=1");
			assert_true(q->flags & FSC_SF_DECRYPTED);
			const struct seen *r = find(FSC_EV_HTTP_RESPONSE);
			assert_non_null(r);
			assert_int_equal(r->num, 200);
			assert_true(r->matched);
			assert_true(r->flags & FSC_SF_DECRYPTED);
			/* the hellos are the connection's own, not flagged */
			assert_false(find(FSC_EV_TLS_CLIENT_HELLO)->flags & FSC_SF_DECRYPTED);
			assert_true(find(FSC_EV_TLS_SERVER_HELLO)->flags & FSC_SF_TLS_KEYS);
			assert_int_equal(stats.tls_opened, 2);
			/* the Finished, the request, the answer */
			assert_int_equal(stats.tls_records, hs ? 3 : 2);
			assert_int_equal(stats.tls_open_failed, 0);
			fsc_tlskeys_free(k);
		}
}

static void not_decrypted(void **state)
{
	struct fsc_tlskeys *none = fsc_tlskeys_new(4);

	(void)state;
	/* no key log at all: as before, nothing counted */
	run(NULL, false, false);
	assert_null(find(FSC_EV_HTTP_REQUEST));
	assert_non_null(find(FSC_EV_TLS_SERVER_HELLO));
	assert_int_equal(stats.tls_opened + stats.tls_no_key, 0);
	/* a key log without this random */
	run(none, false, false);
	assert_null(find(FSC_EV_HTTP_REQUEST));
	assert_int_equal(stats.tls_no_key, 2);
	assert_false(find(FSC_EV_TLS_SERVER_HELLO)->flags & FSC_SF_TLS_KEYS);
	fsc_tlskeys_free(none);
	/* an altered record: the direction is given up, nothing invented */
	struct fsc_tlskeys *k = keys(true);
	run(k, false, true);
	assert_null(find(FSC_EV_HTTP_REQUEST));
	assert_int_equal(stats.tls_open_failed, 1);
	fsc_tlskeys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decrypted),
		cmocka_unit_test(not_decrypted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
