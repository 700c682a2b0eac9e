/* test_streams.c - TLS hellos, HTTP pairing, bodies, the ingress handshake
 * and resynchronisation, through the flow table with hand-built segments. */
#include "streamkit.h"

/* The n-th event of a type, or NULL. */
static const struct seen *nth(enum fsc_event_type type, int k)
{
	for (unsigned i = 0; i < n_ev; i++)
		if (ev[i].type == type && k-- == 0)
			return &ev[i];
	return NULL;
}

/* body_ends: each final answer's body end, at the segment that completed
 * it, with the latency from the request head (every segment is 1 ms). */
static void response_body_ends(void **state)
{
	(void)state;
	struct conn c;
	struct fsc_stream_limits lim = { .body_ends = true };
	const struct seen *e;

	open_conn_with(&c, &lim);
	int64_t t_req = c.t + MS;
	send_str(&c, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");		/* t_req */
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello");	/* +1 */
	assert_null(nth(FSC_EV_HTTP_RESPONSE_END, 0)); /* 5 bytes still to come */
	send_str(&c, 1, "world");						/* +2 */
	e = nth(FSC_EV_HTTP_RESPONSE_END, 0);
	assert_non_null(e);
	assert_int_equal(e->num, 200);
	assert_int_equal(e->index, 1);
	assert_int_equal(e->latency_ns, 2 * MS);
	assert_int_equal(e->ts, t_req + 2 * MS);
	/* interim 100, then a chunked answer in two pieces */
	send_str(&c, 0, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n");		/* +3 */
	send_str(&c, 1, "HTTP/1.1 100 Continue\r\n\r\n");			/* +4 */
	send_str(&c, 1, "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab");
	assert_null(nth(FSC_EV_HTTP_RESPONSE_END, 1));
	send_str(&c, 1, "c\r\n0\r\n\r\n");					/* +6 */
	e = nth(FSC_EV_HTTP_RESPONSE_END, 1);
	assert_non_null(e);
	assert_int_equal(e->num, 201);
	assert_int_equal(e->index, 2);
	assert_int_equal(e->latency_ns, 3 * MS);
	/* HEAD: no body, ends with its head */
	send_str(&c, 0, "HEAD /c HTTP/1.1\r\nHost: h\r\n\r\n");		/* +7 */
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 99\r\n\r\n");	/* +8 */
	e = nth(FSC_EV_HTTP_RESPONSE_END, 2);
	assert_non_null(e);
	assert_int_equal(e->latency_ns, 1 * MS);
	/* read to the close: ends with the FIN */
	send_str(&c, 0, "GET /d HTTP/1.0\r\nHost: h\r\n\r\n");		/* +9 */
	send_str(&c, 1, "HTTP/1.0 200 OK\r\n\r\npart");			/* +10 */
	send_str(&c, 1, "more");						/* +11 */
	assert_null(nth(FSC_EV_HTTP_RESPONSE_END, 3));
	segment(&c, 1, FSC_TCP_FIN | FSC_TCP_ACK, NULL, 0);			/* +12 */
	segment(&c, 0, FSC_TCP_FIN | FSC_TCP_ACK, NULL, 0);
	segment(&c, 1, FSC_TCP_ACK, NULL, 0);
	e = nth(FSC_EV_HTTP_RESPONSE_END, 3);
	assert_non_null(e);
	assert_true(e->latency_ns >= 2 * MS); /* at least to the last data */
	/* a body cut by the end of the input has no end */
	send_str(&c, 0, "GET /e HTTP/1.1\r\nHost: h\r\n\r\n");
	close_conn(&c);
	int ends = 0;
	for (unsigned i = 0; i < n_ev; i++)
		ends += ev[i].type == FSC_EV_HTTP_RESPONSE_END;
	assert_int_equal(ends, 4);

	/* Off (the default): none at all. */
	open_conn(&c);
	send_str(&c, 0, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	close_conn(&c);
	assert_null(nth(FSC_EV_HTTP_RESPONSE_END, 0));
}

static void keep_alive_pipelining(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "GET /a HTTP/1.1\r\nHost: node.example.ts.net\r\n"
			"X-Forwarded-For: 66.249.72.211, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello");
	/* two requests in one segment, the second with a body */
	send_str(&c, 0, "GET /b HTTP/1.1\r\nHost: h\r\n\r\n"
			"POST /c HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nGET ");
	/* a chunked answer split across segments, then the next one */
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
	send_str(&c, 1, "cde\r\n0\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
	close_conn(&c);

	assert_int_equal(n_ev, 6);
	assert_int_equal(ev[0].type, FSC_EV_HTTP_REQUEST);
	assert_string_equal(ev[0].a, "/a");
	assert_string_equal(ev[0].b, "66.249.72.211");
	assert_string_equal(ev[0].rule, "xff-chain");
	assert_int_equal(ev[1].type, FSC_EV_HTTP_RESPONSE);
	assert_int_equal(ev[1].num, 200);
	assert_true(ev[1].matched);
	assert_string_equal(ev[1].a, "/a");
	assert_true(ev[1].latency_ns == MS);
	assert_string_equal(ev[2].a, "/b");
	assert_string_equal(ev[3].a, "/c");
	assert_int_equal(ev[3].index, 3);
	assert_string_equal(ev[3].b, "127.0.0.2"); /* no headers: the TCP peer */
	assert_string_equal(ev[3].rule, "tcp-peer");
	assert_int_equal(ev[4].num, 200);
	assert_string_equal(ev[4].a, "/b");
	assert_int_equal(ev[5].num, 404);
	assert_string_equal(ev[5].a, "/c");
	assert_int_equal(ev[5].index, 3);
}

/* A head in five segments is one request. */
static void head_across_segments(void **state)
{
	(void)state;
	static const char req[] = "GET /split HTTP/1.1\r\nHost: example\r\n"
				  "User-Agent: curl/7.88.1\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n";
	struct conn c;
	size_t n = strlen(req), step = n / 5 + 1;

	open_conn(&c);
	for (size_t off = 0; off < n; off += step)
		segment(&c, 0, FSC_TCP_ACK, req + off, off + step < n ? step : n - off);
	close_conn(&c);
	assert_int_equal(n_ev, 1);
	assert_string_equal(ev[0].a, "/split");
	assert_string_equal(ev[0].b, "203.0.113.9");
	assert_string_equal(ev[0].rule, "xff-single");
}

static void ingress_then_tls(void **state)
{
	(void)state;
	uint8_t hello[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST /v0/ingress HTTP/1.1\r\nHost: 100.64.0.2:46187\r\n"
			"Tailscale-Ingress-Src: 66.249.72.211:51234\r\n"
			"Tailscale-Ingress-Target: example.ts.net:443\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
	/* the hello in three segments */
	segment(&c, 0, FSC_TCP_ACK, hello, 10);
	segment(&c, 0, FSC_TCP_ACK, hello + 10, 60);
	segment(&c, 0, FSC_TCP_ACK, hello + 70, n - 70);
	close_conn(&c);

	assert_int_equal(n_ev, 4);
	assert_int_equal(ev[0].type, FSC_EV_HTTP_REQUEST);
	assert_string_equal(ev[0].rule, "ingress-src");
	assert_string_equal(ev[0].b, "66.249.72.211");
	assert_int_equal(ev[1].num, 101);
	assert_int_equal(ev[2].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_string_equal(ev[2].a, "example.ts.net");
	assert_string_equal(ev[2].b, "t13d0306h2_40b44b994229_0d385148b956");
	assert_int_equal(ev[3].type, FSC_EV_INGRESS);
	assert_string_equal(ev[3].a, "66.249.72.211:51234");
	assert_string_equal(ev[3].b, "example.ts.net");
	assert_int_equal(ev[3].num, 101);
}

static void ingress_refused(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST /v0/ingress HTTP/1.1\r\nHost: x\r\n"
			"Tailscale-Ingress-Src: [2001:db8::7]:443\r\n"
			"Tailscale-Ingress-Target: other.ts.net:443\r\nContent-Length: 0\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\n\r\nforbidden");
	close_conn(&c);
	assert_int_equal(n_ev, 3);
	assert_int_equal(ev[2].type, FSC_EV_INGRESS);
	assert_int_equal(ev[2].num, 403);
	assert_string_equal(ev[2].b, "");
}

/* A hello fragmented over two records, and a second one after a retry. */
static void tls_fragmented_records(void **state)
{
	(void)state;
	uint8_t hello[256], two[300];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello)), body = n - 5, half = body / 2;
	struct conn c;

	/* record 1: first half of the handshake bytes; record 2: the rest */
	memcpy(two, hello, 5);
	two[3] = (uint8_t)(half >> 8);
	two[4] = (uint8_t)half;
	memcpy(two + 5, hello + 5, half);
	memcpy(two + 5 + half, hello, 5);
	two[5 + half + 3] = (uint8_t)((body - half) >> 8);
	two[5 + half + 4] = (uint8_t)(body - half);
	memcpy(two + 10 + half, hello + 5 + half, body - half);
	open_conn(&c);
	segment(&c, 0, FSC_TCP_ACK, two, 7);
	segment(&c, 0, FSC_TCP_ACK, two + 7, n + 5 - 7);
	close_conn(&c);
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_int_equal(ev[0].status, FSC_OK);
	assert_string_equal(ev[0].a, "example.ts.net");
	assert_int_equal(ev[0].index, 1);
}

/* no_fingerprints: the same hello, the same counts, no JA3/JA4. */
static void hello_without_fingerprints(void **state)
{
	(void)state;
	uint8_t hello[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));
	struct fsc_stream_limits lim = { .no_fingerprints = true };
	struct conn c;

	/* Once with fingerprints off, once with the default, to compare. */
	for (int fp = 0; fp < 2; fp++) {
		open_conn_with(&c, fp ? NULL : &lim);
		segment(&c, 0, FSC_TCP_ACK, hello, n);
		assert_int_equal(fsc_streams_stats(c.s)->client_hellos, 1);
		assert_int_equal(fsc_streams_stats(c.s)->tls_malformed, 0);
		close_conn(&c);
		assert_int_equal(n_ev, 1);
		assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
		assert_int_equal(ev[0].status, FSC_OK);
		assert_string_equal(ev[0].a, "example.ts.net");
		if (!fp)
			assert_string_equal(ev[0].b, ""); /* have_fp false */
		else
			assert_true(strlen(ev[0].b) > 0); /* a JA4 */
	}
}

/* A capture that starts mid-body finds the next request. */
static void midstream_resync(void **state)
{
	(void)state;
	struct conn c;

	join_conn(&c);
	send_str(&c, 0, "tail of some body\r\nmore\r\nGET /after HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 204 No Content\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	assert_string_equal(ev[0].a, "/after");
	assert_int_equal(ev[1].num, 204);
	assert_true(ev[1].matched);
}

/* Neither TLS nor HTTP: no events, counted. */
static void other_protocol(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 1, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
	send_str(&c, 0, "SSH-2.0-OpenSSH_9.2p1\r\n");
	const struct fsc_stream_stats *st = fsc_streams_stats(c.s);
	assert_int_equal(st->other_protocol, 1);
	close_conn(&c);
	assert_int_equal(n_ev, 0);
}

/* The input ends inside a request head: the head is reported as truncated
 * with what it got to, after the requests before it. */
static void head_cut_by_end(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "GET /ok HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	send_str(&c, 0, "GET /cut HTTP/1.1\r\nHost: h\r\nUser-Ag");
	int64_t last = c.t;
	/* the input goes on a while, on another connection */
	struct fsc_packet other;
	memset(&other, 0, sizeof(other));
	fsc_addr_parse("127.0.0.9", &other.src);
	fsc_addr_parse("127.0.0.1", &other.dst);
	other.sport = 1234;
	other.dport = 2367;
	other.ipver = 4;
	other.proto = 6;
	other.tcp_flags = FSC_TCP_SYN;
	other.layer = FSC_LAYER_PAYLOAD;
	fsc_streams_packet(c.s, &other, last + 900 * MS, record, NULL);
	close_conn(&c);
	assert_int_equal(n_ev, 3);
	assert_int_equal(ev[2].type, FSC_EV_HTTP_REQUEST);
	assert_int_equal(ev[2].status, FSC_TRUNCATED);
	assert_string_equal(ev[2].why, "the stream ended inside the head");
	assert_string_equal(ev[2].a, "/cut");
	assert_string_equal(ev[2].method, "GET");
	assert_int_equal(ev[2].index, 2);
	assert_true(ev[2].ts == last); /* when its bytes came, not the end */
}

/* A response head cut by the end answers its request; only CR LF left over
 * is no message. */
static void response_cut_and_blank_tail(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nab\r\n");
	send_str(&c, 1, "HTTP/1.1 503 Service Unav");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	assert_int_equal(ev[1].type, FSC_EV_HTTP_RESPONSE);
	assert_int_equal(ev[1].status, FSC_TRUNCATED);
	assert_int_equal(ev[1].num, 503);
	assert_true(ev[1].matched);
	assert_string_equal(ev[1].a, "/p");
}

/* ClientHellos the stream ends or breaks inside: a handshake length beyond
 * the bytes sent (reported at the close), a record of another type inside a
 * fragmented hello (malformed, with the reassembler's reason), a hello whose
 * segment the capture cut (a gap). Each is an event, never silence. */
static void hellos_cut(void **state)
{
	(void)state;
	uint8_t hello[256], lie[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));
	struct conn c;

	/* the handshake header claims 0x200 more bytes than the record holds */
	memcpy(lie, hello, n);
	lie[7] = (uint8_t)(lie[7] + 2);
	open_conn(&c);
	segment(&c, 0, FSC_TCP_ACK, lie, n);
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_FIN, NULL, 0);
	segment(&c, 1, FSC_TCP_ACK | FSC_TCP_FIN, NULL, 0);
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_int_equal(ev[0].status, FSC_TRUNCATED);
	assert_string_equal(ev[0].why, "the stream ended inside the hello");
	assert_int_equal(fsc_streams_stats(c.s)->tls_truncated, 1);
	close_conn(&c);
	assert_int_equal(n_ev, 1); /* once */

	/* first record holds half the hello; an alert record comes next */
	static const uint8_t alert[] = { 0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28 };
	memcpy(lie, hello, n);
	lie[3] = 0;
	lie[4] = 60;
	open_conn(&c);
	segment(&c, 0, FSC_TCP_ACK, lie, 65);
	segment(&c, 0, FSC_TCP_ACK, alert, sizeof(alert));
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_int_equal(ev[0].status, FSC_MALFORMED);
	assert_true(strlen(ev[0].why) > 0);
	close_conn(&c);
	assert_int_equal(n_ev, 1);

	/* the capture kept 40 of the hello's bytes, then the connection goes on */
	open_conn(&c);
	segment_cut(&c, 0, FSC_TCP_ACK, hello, 40, n);
	send_str(&c, 1, "\x17\x03\x03\x00\x01x");
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_int_equal(ev[0].status, FSC_TRUNCATED);
	assert_string_equal(ev[0].why, "hello cut by a gap in the capture");
	close_conn(&c);
	assert_int_equal(n_ev, 1);
}

/* After an unreadable head, lines that start no request are not counted as
 * HTTP found again; the next real request is, once. */
static void resync_counted_once(void **state)
{
	(void)state;
	struct conn c;
	static char junk[6 * 4000];

	open_conn(&c);
	send_str(&c, 0, "GET /bad HTTP/1.1\r\nBad Header: x\r\n\r\n");
	for (size_t i = 0; i + 6 <= sizeof(junk); i += 6)
		memcpy(junk + i, "a: b\r\n", 6);
	/* segments that end inside lines */
	for (size_t off = 0; off < sizeof(junk); off += 1001)
		segment(&c, 0, FSC_TCP_ACK, junk + off,
			off + 1001 < sizeof(junk) ? 1001 : sizeof(junk) - off);
	assert_int_equal(fsc_streams_stats(c.s)->resyncs, 0);
	send_str(&c, 0, "\r\nGET /good HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(fsc_streams_stats(c.s)->resyncs, 1);
	/* another bad head, and junk up to the end of the input */
	send_str(&c, 0, "GET /bad2 HTTP/1.1\r\nBad Header: x\r\n\r\n");
	segment(&c, 0, FSC_TCP_ACK, junk, 1003);
	fsc_streams_flush(c.s, record, NULL);
	assert_int_equal(fsc_streams_stats(c.s)->resyncs, 1);
	fsc_streams_free(c.s);
	assert_int_equal(n_ev, 3);
	assert_int_equal(ev[0].status, FSC_MALFORMED);
	assert_string_equal(ev[1].a, "/good");
	assert_int_equal(ev[1].status, FSC_OK);
	assert_int_equal(ev[2].status, FSC_MALFORMED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(keep_alive_pipelining),
		cmocka_unit_test(response_body_ends),
		cmocka_unit_test(head_across_segments),
		cmocka_unit_test(ingress_then_tls),
		cmocka_unit_test(ingress_refused),
		cmocka_unit_test(tls_fragmented_records),
		cmocka_unit_test(hello_without_fingerprints),
		cmocka_unit_test(midstream_resync),
		cmocka_unit_test(other_protocol),
		cmocka_unit_test(head_cut_by_end),
		cmocka_unit_test(response_cut_and_blank_tail),
		cmocka_unit_test(hellos_cut),
		cmocka_unit_test(resync_counted_once),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
