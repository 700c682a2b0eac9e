/* test_streams_odd.c - what other people's traffic does to the stream
 * reader (issue 18): resynchronising without inventing messages, request
 * lines in every form, obs-fold and smuggling probes, CONNECT tunnels, TLS
 * after a text handshake, urgent data. The captures of the same shapes are
 * tests/gen/http_odd.py's (golden and tshark tests). */
#include "streamkit.h"

static void expect_request(unsigned i, const char *method, const char *target,
			   enum fsc_status st, unsigned flags)
{
	assert_true(i < n_ev);
	assert_int_equal(ev[i].type, FSC_EV_HTTP_REQUEST);
	assert_string_equal(ev[i].method, method);
	assert_string_equal(ev[i].a, target);
	assert_int_equal(ev[i].status, st);
	if (ev[i].flags != flags)
		fail_msg("event %u: flags 0x%x, want 0x%x", i, ev[i].flags, flags);
}

/* zeek's variant-09: Transfer-Encoding folded onto a second line. The
 * headers are kept, the fold flagged; the body is read unfolded (chunked)
 * and what follows it is a request readers may not see: said so. */
static void te_obs_fold(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
			"0\r\n\r\nGET /smuggled-obsfold HTTP/1.1\r\nHost: target\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	expect_request(0, "POST", "/", FSC_OK, FSC_SF_OBS_FOLD | FSC_SF_FOLDED_FRAMING);
	expect_request(1, "GET", "/smuggled-obsfold", FSC_OK, FSC_SF_SMUGGLING);
}

/* zeek's variant-01: a chunk size of 2^64 hides a request in the "body". */
static void chunk_overflow(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n\r\n"
			"10000000000000000\r\n\r\nGET /smuggled-chunk-2pow64 HTTP/1.1\r\n"
			"Host: target\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	expect_request(0, "POST", "/", FSC_OK, 0);
	expect_request(1, "GET", "/smuggled-chunk-2pow64", FSC_OK,
		       FSC_SF_RESYNC | FSC_SF_SMUGGLING);
}

/* A head broken before its end is reported with what was read, and the
 * search for the next one starts at the next line: never "OST /" one byte
 * in. Garbage between messages is let go. */
static void no_phantom_after_broken_head(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "POST / HTTP/1.1\r\nHost : bad\r\n\r\n"
			"GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 0, "\x01\x02garbage\r\nmore garbage\r\nGET /after-garbage HTTP/1.1\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 3);
	expect_request(0, "POST", "/", FSC_MALFORMED, 0);
	expect_request(1, "GET", "/next", FSC_OK, FSC_SF_RESYNC);
	expect_request(2, "GET", "/after-garbage", FSC_OK, FSC_SF_RESYNC);
}

/* Request lines in every form and any token method; a malformed one is
 * reported with its fields and the connection goes on. */
static void request_line_forms(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "RPC_IN_DATA /rpc/rpcproxy.dll?MAIL.example.com:6001 HTTP/1.1\r\n"
			"Host: mail\r\nContent-Length: 0\r\n\r\n"
			"GET . HTTP/1.0\r\nHost: h\r\n\r\n"
			"GET /cgi-bin/a;cat /etc/passwd|?x HTTP/1.0\r\n\r\n"
			"GET          /very_long_uri HTTP/1.1\r\n\r\n"
			"OPTIONS * HTTP/1.1\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 5);
	expect_request(0, "RPC_IN_DATA", "/rpc/rpcproxy.dll?MAIL.example.com:6001", FSC_OK, 0);
	expect_request(1, "GET", ".", FSC_MALFORMED, 0);
	assert_non_null(strstr(ev[1].why, "none of the"));
	expect_request(2, "GET", "/cgi-bin/a;cat /etc/passwd|?x", FSC_MALFORMED, 0);
	expect_request(3, "GET", "/very_long_uri", FSC_OK, FSC_SF_SPACES);
	expect_request(4, "OPTIONS", "*", FSC_OK, 0);
	assert_int_equal(ev[4].index, 5);
}

/* CONNECT host:port, 200, then TLS inside the tunnel. */
static void connect_tunnel(void **state)
{
	(void)state;
	struct conn c;
	uint8_t hello[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));

	open_conn(&c);
	send_str(&c, 0, "CONNECT apache.org:443 HTTP/1.1\r\nHost: apache.org:443\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 Connection established\r\n\r\n");
	segment(&c, 0, FSC_TCP_ACK, hello, n);
	close_conn(&c);
	assert_int_equal(n_ev, 3);
	expect_request(0, "CONNECT", "apache.org:443", FSC_OK, 0);
	assert_int_equal(ev[1].num, 200);
	assert_int_equal(ev[2].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_string_equal(ev[2].a, "example.ts.net");
	assert_int_equal(ev[2].flags, FSC_SF_TUNNEL);
}

/* A status line with a version of more digits: status read, flagged. */
static void status_version_flagged(void **state)
{
	(void)state;
	struct conn c;

	open_conn(&c);
	send_str(&c, 0, "GET /chunked HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.01 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n"
			"5\r\nhello\r\n0\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	assert_int_equal(ev[1].num, 200);
	assert_int_equal(ev[1].status, FSC_OK);
	assert_int_equal(ev[1].flags, FSC_SF_VERSION);
	assert_true(ev[1].matched);
}

/* nDPI's 1kxun shape: the capture joins while a response body is on its
 * way; the responses after it are found and answer the requests seen. */
static void response_joined_mid_body(void **state)
{
	(void)state;
	struct conn c;

	join_conn(&c);
	send_str(&c, 0, "GET /js HTTP/1.1\r\nHost: h\r\n\r\n");
	/* the tail of a body whose head went by before the capture */
	send_str(&c, 1, "x\x89PNG\r\n\x1a\nbinary tail of the body without line ends");
	send_str(&c, 1, "...more of it");
	send_str(&c, 0, "GET /png HTTP/1.1\r\nHost: h\r\n\r\n");
	send_str(&c, 1, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc");
	close_conn(&c);
	assert_int_equal(n_ev, 3);
	assert_int_equal(ev[2].type, FSC_EV_HTTP_RESPONSE);
	assert_int_equal(ev[2].num, 200);
	assert_true(ev[2].matched);
	assert_string_equal(ev[2].a, "/png");
	assert_int_equal(ev[2].flags, FSC_SF_RESYNC);
}

/* Gnutella: a text handshake, "Upgrade: TLS/1.0", then TLS in the stream. */
static void tls_after_text_handshake(void **state)
{
	(void)state;
	struct conn c;
	uint8_t hello[256];
	size_t n = vec_hex(vec_client_hello_hex, hello, sizeof(hello));
	uint8_t buf[512];
	static const char head[] = "GNUTELLA/0.6 200 OK\r\nUpgrade: TLS/1.0\r\n\r\n";

	open_conn(&c);
	send_str(&c, 0, "GNUTELLA CONNECT/0.6\r\nUpgrade: TLS/1.0\r\n\r\n");
	send_str(&c, 1, "GNUTELLA/0.6 200 OK\r\nConnection: Upgrade\r\n\r\n");
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, hello, n);
	segment(&c, 0, FSC_TCP_ACK, buf, sizeof(head) - 1 + n);
	close_conn(&c);
	assert_int_equal(n_ev, 1);
	assert_int_equal(ev[0].type, FSC_EV_TLS_CLIENT_HELLO);
	assert_string_equal(ev[0].a, "example.ts.net");
}

/* Urgent data inside a request: read inline, as tshark shows it, and said. */
static void urgent_in_request(void **state)
{
	(void)state;
	struct conn c;
	static const char part2[] = "X/b HTTP/1.1\r\nHost: h\r\n\r\n";

	open_conn(&c);
	send_str(&c, 0, "GET /a");
	segment(&c, 0, FSC_TCP_ACK | FSC_TCP_URG, part2, sizeof(part2) - 1);
	send_str(&c, 0, "GET /c HTTP/1.1\r\nHost: h\r\n\r\n");
	close_conn(&c);
	assert_int_equal(n_ev, 2);
	expect_request(0, "GET", "/aX/b", FSC_OK, FSC_SF_URGENT);
	expect_request(1, "GET", "/c", FSC_OK, 0);
}

/* A connection of another text protocol gives its stream back as soon as
 * both directions are done, not at its close: with room for one stream, an
 * SSH session left open does not keep the next HTTP connection from being
 * read. */
static void text_protocol_frees_its_stream(void **state)
{
	(void)state;
	struct fsc_stream_limits lim = { .max_streams = 1 };
	struct conn a, b;

	open_conn_with(&a, &lim);
	send_str(&a, 1, "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n");
	send_str(&a, 0, "SSH-2.0-OpenSSH_9.2p1\r\n");
	segment(&a, 0, FSC_TCP_ACK, "\x00\x00\x05\xdc\x0a\x14kex", 9);
	segment(&a, 1, FSC_TCP_ACK, "\x00\x00\x04\x1c\x0a\x14kex", 9);
	/* a second connection through the same consumer */
	b = a;
	b.cport = 40001;
	b.seq[0] = 100;
	b.seq[1] = 200;
	segment(&b, 0, FSC_TCP_SYN, NULL, 0);
	segment(&b, 1, FSC_TCP_SYN | FSC_TCP_ACK, NULL, 0);
	segment(&b, 0, FSC_TCP_ACK, NULL, 0);
	send_str(&b, 0, "GET /after-ssh HTTP/1.1\r\nHost: h\r\n\r\n");
	assert_int_equal(fsc_streams_stats(b.s)->streams_exhausted, 0);
	assert_int_equal(fsc_streams_stats(b.s)->other_protocol, 1);
	close_conn(&b);
	assert_int_equal(n_ev, 1);
	expect_request(0, "GET", "/after-ssh", FSC_OK, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(te_obs_fold),
		cmocka_unit_test(chunk_overflow),
		cmocka_unit_test(no_phantom_after_broken_head),
		cmocka_unit_test(request_line_forms),
		cmocka_unit_test(connect_tunnel),
		cmocka_unit_test(status_version_flagged),
		cmocka_unit_test(response_joined_mid_body),
		cmocka_unit_test(tls_after_text_handshake),
		cmocka_unit_test(urgent_in_request),
		cmocka_unit_test(text_protocol_frees_its_stream),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
