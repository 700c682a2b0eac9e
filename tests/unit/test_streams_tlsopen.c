/* test_streams_tlsopen.c - a TLS 1.3 connection opened with a key log in
 * the stream machines: RFC 8448 §3's hellos and client Finished, then HTTP
 * sealed here under its application secrets: the request and its answer
 * come out as HTTP events flagged tls-decrypted; a record header cut
 * between segments; a secret logged after its records came (live); a
 * KeyUpdate; no
 * secret, a record altered: counted, not decrypted, nothing invented. */
#include "streamkit.h"

#include "fsc/tlsdecrypt.h"

static const uint8_t ccs[] = { 0x14, 3, 3, 0, 1, 1 };

static void send_hex(struct conn *c, int dir, const char *hex)
{
	uint8_t b[512];
	size_t n = vec_hex(hex, b, sizeof(b));

	segment(c, dir, FSC_TCP_ACK | FSC_TCP_PSH, b, n);
}

static struct fsc_tlskeys *keys(bool handshake)
{
	struct fsc_tlskeys *k = fsc_tlskeys_new(4);
	char log[1024];

	assert_non_null(k);
	vec_rfc8448_keylog(log, sizeof(log), handshake);
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
	send_hex(&c, 0, vec_rfc8448_client_hello);
	send_hex(&c, 1, vec_rfc8448_server_hello);
	segment(&c, 1, FSC_TCP_ACK, ccs, sizeof(ccs));
	n = vec_hex(vec_rfc8448_client_finished, fin, sizeof(fin));
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
	n = vec_tls13_seal(VEC_RFC8448_C_AP, 0, "GET /secret?x=1 HTTP/1.1\r\nHost: example.test\r\n\r\n",
			   rec, sizeof(rec));
	if (alter)
		rec[n - 1] ^= 1;
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec, n);
	n = vec_tls13_seal(VEC_RFC8448_S_AP, 0, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi",
			   rec, sizeof(rec));
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
			assert_null(find(FSC_EV_TLS_OPEN_END));
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
	/* and said so: the client's direction, its record not opened */
	const struct seen *end = find(FSC_EV_TLS_OPEN_END);
	assert_non_null(end);
	assert_int_equal(end->num, 0);
	assert_int_equal(end->status, FSC_MALFORMED);
	assert_false(end->flags & FSC_SF_DECRYPTED);
	fsc_tlskeys_free(k);
}

/* Live: the log has the connection (its handshake secrets) but not yet the
 * client's traffic secret when its records come (a server logs it when it
 * reads the client's Finished): they wait in the flow, and open when more
 * bytes come after the secret was logged. */
static void key_comes_later(void **state)
{
	struct fsc_tlskeys *k = fsc_tlskeys_new(4);
	struct conn c;
	uint8_t rec[256];
	size_t n;
	char log[1024];

	(void)state;
	snprintf(log, sizeof(log), "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\n", VEC_RFC8448_RANDOM,
		 VEC_RFC8448_C_HS);
	fsc_tlskeys_add_text(k, log, strlen(log));
	open_conn(&c);
	assert_true(fsc_streams_set_tlskeys(c.s, k));
	send_hex(&c, 0, vec_rfc8448_client_hello);
	send_hex(&c, 1, vec_rfc8448_server_hello);
	send_hex(&c, 0, vec_rfc8448_client_finished);
	n = vec_tls13_seal(VEC_RFC8448_C_AP, 0, "GET /first HTTP/1.1\r\nHost: a\r\n\r\n", rec,
			   sizeof(rec));
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec, n);
	assert_null(find(FSC_EV_HTTP_REQUEST));
	assert_int_equal(fsc_streams_stats(c.s)->tls_opened, 0);
	vec_rfc8448_keylog(log, sizeof(log), false);
	fsc_tlskeys_add_text(k, log, strlen(log));
	n = vec_tls13_seal(VEC_RFC8448_C_AP, 1, "GET /second HTTP/1.1\r\nHost: a\r\n\r\n", rec,
			   sizeof(rec));
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec, n);
	const struct seen *q = find(FSC_EV_HTTP_REQUEST);
	assert_non_null(q);
	assert_string_equal(q->a, "/first");
	assert_string_equal(ev[n_ev - 1].a, "/second");
	assert_int_equal(fsc_streams_stats(c.s)->tls_opened, 1);
	assert_int_equal(fsc_streams_stats(c.s)->tls_no_key, 0);
	close_conn(&c);
	fsc_tlskeys_free(k);
}

/* A KeyUpdate from the client: the records after it open with the next
 * traffic secret, from sequence 0. */
static void key_update(void **state)
{
	struct fsc_tlskeys *k = keys(false);
	struct conn c;
	uint8_t rec[256], secret[32], next[32], fin[64];
	static const uint8_t update[] = { 24, 0, 0, 1, 0 }; /* update_not_requested */

	(void)state;
	open_conn(&c);
	assert_true(fsc_streams_set_tlskeys(c.s, k));
	send_hex(&c, 0, vec_rfc8448_client_hello);
	send_hex(&c, 1, vec_rfc8448_server_hello);
	segment(&c, 0, FSC_TCP_ACK, fin, vec_hex(vec_rfc8448_client_finished, fin, sizeof(fin)));
	vec_hex(VEC_RFC8448_C_AP, secret, sizeof(secret));
	assert_true(fsc_tls13_expand_label(0x1301, secret, 32, "traffic upd", next, 32));
	static const char r1[] = "GET /before HTTP/1.1\r\nHost: a\r\n\r\n";
	static const char r2[] = "GET /after HTTP/1.1\r\nHost: a\r\n\r\n";
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec,
		vec_tls13_seal_bytes(secret, 0, 23, r1, strlen(r1), rec, sizeof(rec)));
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec,
		vec_tls13_seal_bytes(secret, 1, 22, update, sizeof(update), rec, sizeof(rec)));
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_PSH, rec,
		vec_tls13_seal_bytes(next, 0, 23, r2, strlen(r2), rec, sizeof(rec)));
	assert_string_equal(find(FSC_EV_HTTP_REQUEST)->a, "/before");
	assert_string_equal(ev[n_ev - 1].a, "/after");
	assert_int_equal(fsc_streams_stats(c.s)->tls_open_failed, 0);
	close_conn(&c);
	fsc_tlskeys_free(k);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decrypted),
		cmocka_unit_test(not_decrypted),
		cmocka_unit_test(key_comes_later),
		cmocka_unit_test(key_update),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
