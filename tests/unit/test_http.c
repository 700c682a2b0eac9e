/* test_http.c - HTTP/1.x heads, header extraction, framing, chunked skipper. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/http.h"
#include "vectors.h"

static const char req_funnel[] =
	"GET /path?q=1 HTTP/1.1\r\n"			/* method, target, version */
	"Host: app.example.ts.net\r\n"			/* [0] */
	"User-Agent: curl/7.88.1\r\n"			/* [1] */
	"X-Forwarded-For: 66.249.72.211\r\n"		/* [2] first XFF line */
	"x-forwarded-for:fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  \r\n" /* [3] no OWS before, two after */
	"Forwarded: for=192.0.2.60;proto=http\r\n"	/* [4] */
	"X-Real-IP: 203.0.113.9\r\n"			/* [5] */
	"X-Forwarded-Host: app.example.ts.net\r\n"	/* [6] */
	"X-Forwarded-Proto: https\r\n"			/* [7] */
	"Tailscale-Funnel-Request: ?1\r\n"		/* [8] */
	"Connection: keep-alive, Upgrade\r\n"		/* [9] */
	"Upgrade: websocket\r\n"			/* [10] */
	"Expect: 100-Continue\r\n"			/* [11] */
	"Content-Length: 5, 5\r\n"			/* [12] a list of equal values */
	"\r\n"						/* end of head */
	"hello";					/* body */

#define BODY_LEN 5

static struct fsc_http_header hdrs[64];

static enum fsc_status req(const char *s, size_t len, struct fsc_http_head *h, const char **why)
{
	fsc_http_head_init(h, hdrs, 64, 0);
	return fsc_http_parse_request((const uint8_t *)s, len, 0, h, why);
}

static void request_fields(void **state)
{
	(void)state;
	struct fsc_http_head h;
	struct fsc_http_info in;
	struct fsc_http_body body;
	const char *why = "unset";
	size_t n = sizeof(req_funnel) - 1;
	uint8_t *g = vec_guard((const uint8_t *)req_funnel, n);

	fsc_http_head_init(&h, hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_request(g, n, 0, &h, &why), FSC_OK);
	assert_null(why);
	assert_false(h.response);
	assert_int_equal(h.head_len, n - BODY_LEN);
	assert_int_equal(h.method_len, 3);
	assert_memory_equal(h.method, "GET", 3);
	assert_ptr_equal(h.method, (const char *)g);
	assert_int_equal(h.target_len, 9);
	assert_memory_equal(h.target, "/path?q=1", 9);
	assert_int_equal(h.minor_version, 1);
	assert_int_equal(h.n_headers, 13);
	assert_int_equal(hdrs[3].name_len, 15);
	assert_int_equal(hdrs[3].value_len, 39); /* trailing OWS trimmed */
	assert_memory_equal(hdrs[3].value, "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", 39);

	const struct fsc_http_header *f = fsc_http_find(&h, "X-FORWARDED-FOR", NULL);
	assert_ptr_equal(f, &hdrs[2]);
	assert_ptr_equal(fsc_http_find(&h, "x-forwarded-for", f), &hdrs[3]);
	assert_null(fsc_http_find(&h, "x-forwarded-for", &hdrs[3]));
	assert_null(fsc_http_find(&h, "X-Forwarded", NULL));

	struct fsc_span v[1];
	assert_int_equal(fsc_http_values(&h, "X-Forwarded-For", v, 1), 2);
	assert_int_equal(v[0].len, 13);
	char joined[128];
	assert_int_equal(fsc_http_join(&h, "X-Forwarded-For", joined, sizeof(joined)), 54);
	assert_string_equal(joined, "66.249.72.211, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	char small[8];
	assert_int_equal(fsc_http_join(&h, "X-Forwarded-For", small, sizeof(small)), 54);
	assert_string_equal(small, "66.249.");

	assert_int_equal(fsc_http_info(&h, &in, &why), FSC_OK);
	assert_ptr_equal(in.host, &hdrs[0]);
	assert_int_equal(in.n_host, 1);
	assert_ptr_equal(in.user_agent, &hdrs[1]);
	assert_int_equal(in.n_xff, 2);
	assert_int_equal(in.n_forwarded, 1);
	assert_ptr_equal(in.x_real_ip, &hdrs[5]);
	assert_ptr_equal(in.x_forwarded_host, &hdrs[6]);
	assert_ptr_equal(in.x_forwarded_proto, &hdrs[7]);
	assert_true(in.has_funnel);
	assert_true(in.funnel);
	assert_int_equal(in.connection, FSC_HTTP_CONN_KEEP_ALIVE | FSC_HTTP_CONN_UPGRADE);
	assert_ptr_equal(in.upgrade, &hdrs[10]);
	assert_true(in.expect_continue);
	assert_true(in.has_content_length);
	assert_int_equal(in.content_length, 5);
	assert_false(in.has_transfer_encoding);
	assert_null(in.ingress_src);
	assert_int_equal(fsc_http_body_framing(&h, &in, NULL, 0, &body, &why), FSC_OK);
	assert_int_equal(body.kind, FSC_HTTP_BODY_LENGTH);
	assert_int_equal(body.length, 5);
	vec_guard_free(g, n);
}

/* The ingress handshake of protocols.md §7.1 and the node's answer. */
static const char req_ingress[] =
	"POST /v0/ingress HTTP/1.1\r\n"
	"Host: 100.101.102.103:45678\r\n"
	"Tailscale-Ingress-Src: [2001:db8::7]:51234\r\n"
	"Tailscale-Ingress-Target: app.example.ts.net:443\r\n"
	"Content-Length: 0\r\n"
	"\r\n";
static const char resp_101[] = "HTTP/1.1 101 Switching Protocols\r\n\r\n";
static const char resp_chunked[] =
	"HTTP/1.1 200 OK\r\n"
	"Transfer-Encoding: gzip\r\n"
	"Transfer-Encoding: Chunked\r\n" /* the final coding counts */
	"Content-Length: 12\r\n"	  /* ignored: TE wins (flagged) */
	"Connection: close\r\n"
	"\r\n";
static const char req_lenient[] =
	"\r\n\n"			/* empty lines before the request line */
	"GET  /x  HTTP/1.0\n"		/* several SP, bare LF */
	"Host:a\n"			/* no OWS */
	"Empty:\n"			/* empty value */
	"\n";

static void ingress_and_responses(void **state)
{
	(void)state;
	struct fsc_http_head h;
	struct fsc_http_info in;
	struct fsc_http_body b;
	const char *why;

	assert_int_equal(req(req_ingress, sizeof(req_ingress) - 1, &h, &why), FSC_OK);
	assert_int_equal(fsc_http_info(&h, &in, &why), FSC_OK);
	assert_non_null(in.ingress_src);
	assert_int_equal(in.ingress_src->value_len, 19);
	assert_memory_equal(in.ingress_src->value, "[2001:db8::7]:51234", 19);
	assert_memory_equal(in.ingress_target->value, "app.example.ts.net:443", 22);
	assert_int_equal(fsc_http_body_framing(&h, &in, NULL, 0, &b, &why), FSC_OK);
	assert_int_equal(b.kind, FSC_HTTP_BODY_LENGTH);
	assert_int_equal(b.length, 0);

	fsc_http_head_init(&h, hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_response((const uint8_t *)resp_101, sizeof(resp_101) - 1,
						 0, &h, &why), FSC_OK);
	assert_true(h.response);
	assert_int_equal(h.status, 101);
	assert_int_equal(h.reason_len, 19);
	assert_memory_equal(h.reason, "Switching Protocols", 19);
	assert_int_equal(h.n_headers, 0);
	assert_int_equal(fsc_http_info(&h, &in, &why), FSC_OK);
	assert_int_equal(fsc_http_body_framing(&h, &in, "POST", 4, &b, &why), FSC_OK);
	assert_int_equal(b.kind, FSC_HTTP_BODY_SWITCH);

	fsc_http_head_init(&h, hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_response((const uint8_t *)resp_chunked,
						 sizeof(resp_chunked) - 1, 0, &h, &why), FSC_OK);
	assert_int_equal(fsc_http_info(&h, &in, &why), FSC_OK);
	assert_true(in.chunked);
	assert_true(in.cl_and_te);
	assert_int_equal(in.connection, FSC_HTTP_CONN_CLOSE);
	assert_int_equal(fsc_http_body_framing(&h, &in, "GET", 3, &b, &why), FSC_OK);
	assert_int_equal(b.kind, FSC_HTTP_BODY_CHUNKED);

	assert_int_equal(req(req_lenient, sizeof(req_lenient) - 1, &h, &why), FSC_OK);
	assert_int_equal(h.head_len, sizeof(req_lenient) - 1);
	assert_memory_equal(h.method, "GET", 3);
	assert_int_equal(h.target_len, 2);
	assert_int_equal(h.minor_version, 0);
	assert_int_equal(h.n_headers, 2);
	assert_int_equal(hdrs[0].value_len, 1);
	assert_int_equal(hdrs[1].value_len, 0);

	fsc_http_head_init(&h, hdrs, 64, 0);
	assert_int_equal(fsc_http_parse_response((const uint8_t *)"HTTP/1.0 204\r\n\r\n", 16, 0,
						 &h, &why), FSC_OK);
	assert_int_equal(h.status, 204);
	assert_int_equal(h.reason_len, 0);
}

/* Every prefix of every valid head: "need more", never OK. */
static void prefixes_and_incremental(void **state)
{
	(void)state;
	const struct {
		const char *s;
		size_t len;
		bool response;
	} t[] = {
		{ req_funnel, sizeof(req_funnel) - 1 - BODY_LEN, false },
		{ req_ingress, sizeof(req_ingress) - 1, false },
		{ req_lenient, sizeof(req_lenient) - 1, false },
		{ resp_101, sizeof(resp_101) - 1, true },
		{ resp_chunked, sizeof(resp_chunked) - 1, true },
	};
	struct fsc_http_head h;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum fsc_status (*parse)(const uint8_t *, size_t, size_t, struct fsc_http_head *,
					 const char **) =
			t[i].response ? fsc_http_parse_response : fsc_http_parse_request;
		for (size_t k = 0; k < t[i].len; k++) {
			uint8_t *g = vec_guard((const uint8_t *)t[i].s, k);
			fsc_http_head_init(&h, hdrs, 64, 0);
			enum fsc_status st = parse(g, k, 0, &h, &why);
			if (st != FSC_TRUNCATED)
				fail_msg("head %zu prefix %zu: %s (%s)", i, k,
					 fsc_status_name(st), why);
			vec_guard_free(g, k);
		}
		/* Growing the buffer a few bytes at a time with last_len. */
		size_t last = 0, n = 0;
		enum fsc_status st = FSC_TRUNCATED;
		while (st == FSC_TRUNCATED) {
			n = n + 7 > t[i].len ? t[i].len : n + 7;
			uint8_t *g = vec_guard((const uint8_t *)t[i].s, n);
			fsc_http_head_init(&h, hdrs, 64, 0);
			st = parse(g, n, last, &h, &why);
			vec_guard_free(g, n);
			last = n;
		}
		assert_int_equal(st, FSC_OK);
		assert_int_equal(h.head_len, t[i].len);
	}
}

/*
 * A head at every length through the guard page, with these limits: the
 * whole gives `want`; a prefix is truncated, or already what the whole is
 * when that is not OK (the fault came before the cut).
 */
static void head_every_prefix(const char *s, size_t n, bool response, size_t max_headers,
			      size_t max_head, enum fsc_status want)
{
	struct fsc_http_head h;
	const char *why;

	for (size_t k = 0; k <= n; k++) {
		uint8_t *g = vec_guard((const uint8_t *)s, k);
		fsc_http_head_init(&h, hdrs, max_headers, max_head);
		enum fsc_status st = response ? fsc_http_parse_response(g, k, 0, &h, &why)
					       : fsc_http_parse_request(g, k, 0, &h, &why);
		if (k == n ? st != want
			   : st != FSC_TRUNCATED && (want == FSC_OK || st != want))
			fail_msg("'%.*s': %s (%s)", (int)k, s, fsc_status_name(st),
				 why ? why : "");
		if (st != FSC_OK)
			assert_non_null(why);
		vec_guard_free(g, k);
	}
}

static void malformed_heads(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool response;
		size_t max_headers, max_head;
		enum fsc_status st;
		const char *why;
	} t[] = {
		{ "GET / HTTP/1.1\r\n Host: x\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "before the first header" },
		{ "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "name and colon" },
		{ "GET / HTTP/1.1\r\nHo(st: a\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "not a token" },
		{ "GET / HTTP/1.1\r\n: a\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "empty" },
		{ "GET / HTTP/1.1\r\nHost: a\x01" "b\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "control" },
		{ "GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "CR not" },
		{ "GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 0, 2, 0, FSC_MALFORMED, "too many" },
		{ "GET / HTTP/1.1\r\nA: 0123456789012345678901234567890\r\n\r\n", 0, 64, 40,
		  FSC_MALFORMED, "too large" },
		{ "GET / HTTP/1.1\r\nA: 0123456789012345678901234567890", 0, 64, 40,
		  FSC_MALFORMED, "too large" },
		{ "GET / HTTP/1.1 \r\n\r\n", 0, 64, 0, FSC_MALFORMED, "junk after version" },
		{ "GET / HTTP/2.0\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "version" },
		{ "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "version" },
		{ "\x16\x03\x01\x00\x8b\x01", 0, 64, 0, FSC_NOT_THIS, "method" },
		{ "SSH-2.0-OpenSSH_9.2\r\n", 0, 64, 0, FSC_NOT_THIS, "method" },
		{ "GET \x01 HTTP/1.1\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "control" },
		{ "GET . HTTP/1.0\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "none of the" },
		{ "GET /a;cat /etc/passwd HTTP/1.0\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "whitespace inside" },
		{ "CONNECT /x HTTP/1.1\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "none of the" },
		{ "GET  HTTP/1.1\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "no target" },
		{ "GNUTELLA CONNECT/0.6\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "version" },
		{ "GET /index.html\r\n", 0, 64, 0, FSC_NOT_THIS, "version" },
		{ "DESCRIBE rtsp://h/a RTSP/1.0\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "version" },
		{ "GET / HTTP/1.1\r\n" "Host: a\r\n" "H\x01: b\r\n\r\n", 0, 64, 0, FSC_MALFORMED, "token" },
		{ "\rGET / HTTP/1.1\r\n\r\n", 0, 64, 0, FSC_NOT_THIS, "bare CR" },
		{ "SSH-2.0-OpenSSH_9.2\r\n", 1, 64, 0, FSC_NOT_THIS, "version" },
		{ "HTTP/1.1 20 OK\r\n\r\n", 1, 64, 0, FSC_MALFORMED, "3 digits" },
		{ "HTTP/1.1 099 Low\r\n\r\n", 1, 64, 0, FSC_MALFORMED, "3 digits" },
		{ "HTTP/1.1 200 O\x01K\r\n\r\n", 1, 64, 0, FSC_MALFORMED, "control" },
		{ "HTTP/1.1\r\n\r\n", 1, 64, 0, FSC_MALFORMED, "no SP" },
	};
	struct fsc_http_head h;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].s);
		uint8_t *g = vec_guard((const uint8_t *)t[i].s, n);
		fsc_http_head_init(&h, hdrs, t[i].max_headers, t[i].max_head);
		enum fsc_status st = t[i].response ? fsc_http_parse_response(g, n, 0, &h, &why)
						   : fsc_http_parse_request(g, n, 0, &h, &why);
		if (st != t[i].st || strstr(why, t[i].why) == NULL)
			fail_msg("variant %zu: got %s '%s', want %s '%s'", i, fsc_status_name(st),
				 why ? why : "(null)", fsc_status_name(t[i].st), t[i].why);
		vec_guard_free(g, n);
		head_every_prefix(t[i].s, n, t[i].response, t[i].max_headers,
				  t[i].max_head ? t[i].max_head : FSC_HTTP_HEAD_MAX, t[i].st);
	}
}

/* Request lines of RFC 9112 §3 in every form and method, the leniencies
 * that are flagged, and heads that are malformed but read to their end. */
static void grammar_and_leniency(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		bool response;
		enum fsc_status st;
		const char *method, *target, *version;
		unsigned flags;
		size_t n_headers;
	} t[] = {
		{ "RPC_IN_DATA /rpc/rpcproxy.dll?MAIL.example.com:6001 HTTP/1.1\r\nHost: m\r\n\r\n",
		  0, FSC_OK, "RPC_IN_DATA", "/rpc/rpcproxy.dll?MAIL.example.com:6001", "HTTP/1.1", 0, 1 },
		{ "CONNECT apache.org:443 HTTP/1.1\r\n\r\n", 0, FSC_OK, "CONNECT",
		  "apache.org:443", "HTTP/1.1", 0, 0 },
		{ "OPTIONS * HTTP/1.1\r\n\r\n", 0, FSC_OK, "OPTIONS", "*", "HTTP/1.1", 0, 0 },
		{ "M-SEARCH * HTTP/1.1\r\n\r\n", 0, FSC_OK, "M-SEARCH", "*", "HTTP/1.1", 0, 0 },
		{ "GET http://a.example/b HTTP/1.0\r\n\r\n", 0, FSC_OK, "GET", "http://a.example/b",
		  "HTTP/1.0", 0, 0 },
		{ "GET          /aaaa_very_long_uri HTTP/1.1\r\nHost: h\r\n\r\n", 0, FSC_OK, "GET",
		  "/aaaa_very_long_uri", "HTTP/1.1", FSC_HTTP_F_SPACES, 1 },
		{ "GET / HTTP/1.01\r\n\r\n", 0, FSC_OK, "GET", "/", "HTTP/1.01", FSC_HTTP_F_VERSION, 0 },
		{ "GET . HTTP/1.0\r\nHost: h\r\nUser-Agent: Nikto\r\n\r\n", 0, FSC_MALFORMED, "GET",
		  ".", "HTTP/1.0", 0, 2 },
		{ "GET /cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download HTTP/1.0\r\n\r\n",
		  0, FSC_MALFORMED, "GET", "/cgi-bin/handler/netsonar;cat /etc/passwd|?data=Download",
		  "HTTP/1.0", 0, 0 },
		{ "POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding:\r\n chunked\r\n\r\n", 0,
		  FSC_OK, "POST", "/", "HTTP/1.1", FSC_HTTP_F_OBS_FOLD, 2 },
		{ "HTTP/1.01 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n", 1, FSC_OK, NULL, NULL,
		  "HTTP/1.01", FSC_HTTP_F_VERSION, 1 },
	};
	struct fsc_http_head h;
	struct fsc_http_info in;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].s);
		uint8_t *g = vec_guard((const uint8_t *)t[i].s, n);
		fsc_http_head_init(&h, hdrs, 64, 0);
		h.lenient = FSC_HTTP_F_OBS_FOLD | FSC_HTTP_F_VERSION;
		enum fsc_status st = t[i].response ? fsc_http_parse_response(g, n, 0, &h, &why)
						   : fsc_http_parse_request(g, n, 0, &h, &why);
		if (st != t[i].st)
			fail_msg("case %zu: %s (%s)", i, fsc_status_name(st), why ? why : "");
		assert_int_equal(h.head_len, n); /* read to the end, malformed or not */
		assert_int_equal(h.flags, t[i].flags);
		assert_int_equal(h.n_headers, t[i].n_headers);
		assert_int_equal(h.version_len, strlen(t[i].version));
		assert_memory_equal(h.version, t[i].version, h.version_len);
		assert_int_equal(h.minor_version, t[i].version[7] - '0' + (h.version_len > 8));
		if (t[i].method) {
			assert_int_equal(h.method_len, strlen(t[i].method));
			assert_memory_equal(h.method, t[i].method, h.method_len);
			assert_int_equal(h.target_len, strlen(t[i].target));
			assert_memory_equal(h.target, t[i].target, h.target_len);
		} else {
			assert_int_equal(h.status, 200);
		}
		assert_int_equal(fsc_http_start_line(g, n, t[i].response), FSC_OK);
		for (size_t k = 0; k < n && g[k] != '\n'; k++)
			assert_int_equal(fsc_http_start_line(g, k, t[i].response), FSC_TRUNCATED);
		/* A server's parse (not lenient) refuses what was flagged. */
		fsc_http_head_init(&h, hdrs, 64, 0);
		st = t[i].response ? fsc_http_parse_response(g, n, 0, &h, &why)
				   : fsc_http_parse_request(g, n, 0, &h, &why);
		if (t[i].flags & (FSC_HTTP_F_OBS_FOLD | FSC_HTTP_F_VERSION))
			assert_int_equal(st, FSC_MALFORMED);
		else
			assert_int_equal(st, t[i].st);
		if (t[i].flags & FSC_HTTP_F_OBS_FOLD)
			assert_string_equal(why, "obsolete line folding");
		vec_guard_free(g, n);
		if (!(t[i].flags & (FSC_HTTP_F_OBS_FOLD | FSC_HTTP_F_VERSION)))
			head_every_prefix(t[i].s, n, t[i].response, 64, FSC_HTTP_HEAD_MAX, t[i].st);
	}

	/* The folded Transfer-Encoding: kept whole, and it says so. */
	static const char folded[] = "POST / HTTP/1.1\r\nTransfer-Encoding:\r\n chunked\r\n"
				     "X-List: a,\r\n\tb\r\n\r\n";
	fsc_http_head_init(&h, hdrs, 64, 0);
	h.lenient = FSC_HTTP_F_OBS_FOLD;
	assert_int_equal(fsc_http_parse_request((const uint8_t *)folded, sizeof(folded) - 1, 0, &h,
						&why), FSC_OK);
	assert_true(hdrs[0].folded && hdrs[1].folded);
	assert_int_equal(hdrs[0].value_len, 7);
	assert_memory_equal(hdrs[0].value, "chunked", 7);
	assert_int_equal(hdrs[1].value_len, 6);
	assert_memory_equal(hdrs[1].value, "a,\r\n\tb", 6);
	assert_int_equal(fsc_http_info(&h, &in, &why), FSC_OK);
	assert_true(in.chunked && in.framing_folded);
	/* Not a start line: other protocols, and lines with no version. */
	assert_int_equal(fsc_http_start_line((const uint8_t *)"GNUTELLA/0.6 200 OK\r\n", 21, true),
			 FSC_NOT_THIS);
	assert_int_equal(fsc_http_start_line((const uint8_t *)"OST / HTTP/1.1\r\n", 16, false),
			 FSC_OK); /* a line start is the caller's to know */
	assert_int_equal(fsc_http_start_line((const uint8_t *)"0\r\n\r\n", 5, false), FSC_NOT_THIS);
}

/* A head that grows past the cap, fed as a stream feeds it (with the
 * last_len hint), is refused once with its start line and headers read, so
 * the report can say which request it was. */
static void too_large_incremental(void **state)
{
	(void)state;
	static const char start[] = "POST /upload HTTP/1.1\r\nHost: h\r\nX-Big: ";
	static char big[600];
	struct fsc_http_head h;
	const char *why;
	size_t last = 0, n = 0;
	enum fsc_status st = FSC_TRUNCATED;

	memset(big, 'a', sizeof(big));
	memcpy(big, start, sizeof(start) - 1);
	while (st == FSC_TRUNCATED && n < sizeof(big)) {
		n = n + 50 > sizeof(big) ? sizeof(big) : n + 50;
		uint8_t *g = vec_guard((const uint8_t *)big, n);
		fsc_http_head_init(&h, hdrs, 64, 256);
		st = fsc_http_parse_request(g, n, last, &h, &why);
		if (st == FSC_MALFORMED) {
			assert_non_null(strstr(why, "too large"));
			assert_true(h.method_len == 4 && memcmp(h.method, "POST", 4) == 0);
			assert_true(h.target_len == 7 && memcmp(h.target, "/upload", 7) == 0);
			assert_int_equal(h.n_headers, 1);
			assert_int_equal(h.head_len, 0);
		}
		vec_guard_free(g, n);
		last = n;
	}
	assert_int_equal(st, FSC_MALFORMED);
	assert_int_equal(n, 300); /* refused at the first feed past the cap */
}

static void framing_table(void **state)
{
	(void)state;
	static const struct {
		const char *head;
		const char *method; /* of the request a response answers */
		enum fsc_status st;
		enum fsc_http_body_kind kind;
		uint64_t length;
		const char *why;
	} t[] = {
		{ "GET / HTTP/1.1\r\n\r\n", NULL, FSC_OK, FSC_HTTP_BODY_NONE, 0, NULL },
		{ "POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n", NULL, FSC_OK, FSC_HTTP_BODY_LENGTH, 0, NULL },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", NULL, FSC_OK,
		  FSC_HTTP_BODY_CHUNKED, 0, NULL },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", NULL, FSC_MALFORMED,
		  FSC_HTTP_BODY_NONE, 0, "does not end in chunked" },
		{ "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", NULL,
		  FSC_MALFORMED, 0, 0, "conflicting" },
		{ "POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", NULL, FSC_MALFORMED, 0, 0, "conflicting" },
		{ "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", NULL, FSC_MALFORMED, 0, 0, "digits" },
		{ "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n", NULL,
		  FSC_MALFORMED, 0, 0, "too large" },
		{ "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", NULL, FSC_MALFORMED, 0, 0, "empty" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: ,\r\n\r\n", NULL, FSC_MALFORMED, 0,
		  0, "does not end in chunked" }, /* empty list: TE present, not chunked */
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "HEAD", FSC_OK, FSC_HTTP_BODY_NONE, 0, NULL },
		{ "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", "GET", FSC_OK, FSC_HTTP_BODY_LENGTH, 100, NULL },
		{ "HTTP/1.1 204 No Content\r\n\r\n", "GET", FSC_OK, FSC_HTTP_BODY_NONE, 0, NULL },
		{ "HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", "GET", FSC_OK,
		  FSC_HTTP_BODY_NONE, 0, NULL },
		{ "HTTP/1.1 100 Continue\r\n\r\n", "POST", FSC_OK, FSC_HTTP_BODY_NONE, 0, NULL },
		{ "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n", "GET", FSC_OK,
		  FSC_HTTP_BODY_SWITCH, 0, NULL },
		{ "HTTP/1.1 200 Connection established\r\n\r\n", "CONNECT", FSC_OK, FSC_HTTP_BODY_SWITCH, 0, NULL },
		{ "HTTP/1.1 407 Auth\r\nContent-Length: 3\r\n\r\n", "CONNECT", FSC_OK,
		  FSC_HTTP_BODY_LENGTH, 3, NULL },
		{ "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", "GET", FSC_OK, FSC_HTTP_BODY_CLOSE, 0, NULL },
		{ "HTTP/1.0 200 OK\r\n\r\n", "GET", FSC_OK, FSC_HTTP_BODY_CLOSE, 0, NULL },
	};
	struct fsc_http_head h;
	struct fsc_http_info in;
	struct fsc_http_body b;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t n = strlen(t[i].head);
		bool resp = t[i].head[0] == 'H' && t[i].head[1] == 'T';
		head_every_prefix(t[i].head, n, resp, 64, 0, FSC_OK);
		fsc_http_head_init(&h, hdrs, 64, 0);
		enum fsc_status st = resp ? fsc_http_parse_response((const uint8_t *)t[i].head, n, 0, &h, &why)
					  : fsc_http_parse_request((const uint8_t *)t[i].head, n, 0, &h, &why);
		assert_int_equal(st, FSC_OK);
		st = fsc_http_info(&h, &in, &why);
		if (st == FSC_OK)
			st = fsc_http_body_framing(&h, &in, t[i].method,
						   t[i].method ? strlen(t[i].method) : 0, &b, &why);
		if (st != t[i].st)
			fail_msg("case %zu: %s (%s)", i, fsc_status_name(st), why);
		if (st == FSC_OK) {
			assert_int_equal(b.kind, t[i].kind);
			assert_int_equal(b.length, t[i].length);
		} else {
			assert_non_null(strstr(why, t[i].why));
		}
	}
}

/* ---- chunked ------------------------------------------------------------- */

static const char chunked_body[] =
	"4;name=value\r\n"	/* size 4 with an extension */
	"Wiki\r\n"
	"5 ; a ; b=\"q\"\r\n"	/* BWS before extensions */
	"pedia\r\n"
	"E\r\n"			/* upper-case hex: 14 */
	" in\r\n\r\nchunks.\r\n"	/* data that contains CRLFs */
	"000\r\n"		/* last chunk, leading zeros */
	"Expires: never\r\n"	/* a trailer field */
	"X-Sum: 1\r\n"
	"\r\n";			/* end of body */
#define NEXT "GET /next HTTP/1.1\r\n"

static uint64_t rng = 0x243f6a8885a308d3ull;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 32);
}

/* Feeds s in random chunks; returns the status and the body length used. */
static enum fsc_status skip_chunked(const char *s, size_t n, int maxchunk, size_t *used_total,
				    struct fsc_http_chunked *c, const char **why)
{
	size_t off = 0;
	enum fsc_status st = FSC_TRUNCATED;

	fsc_http_chunked_init(c);
	while (off < n) {
		size_t k = maxchunk ? 1 + rnd() % (uint32_t)maxchunk : n - off, used;
		if (k > n - off)
			k = n - off;
		uint8_t *g = vec_guard((const uint8_t *)s + off, k);
		st = fsc_http_chunked_skip(c, g, k, &used, why);
		vec_guard_free(g, k);
		assert_true(used <= k);
		off += used;
		if (st != FSC_TRUNCATED)
			break;
		assert_int_equal(used, k);
	}
	*used_total = off;
	return st;
}

static void chunked_skipper(void **state)
{
	(void)state;
	char s[512];
	size_t blen = sizeof(chunked_body) - 1, used;
	struct fsc_http_chunked c;
	const char *why;

	snprintf(s, sizeof(s), "%s%s", chunked_body, NEXT);
	assert_int_equal(skip_chunked(s, strlen(s), 0, &used, &c, &why), FSC_OK);
	assert_int_equal(used, blen);
	assert_int_equal(c.body, 4 + 5 + 14);
	assert_int_equal(c.chunks, 4);
	/* Sticky end: nothing more is taken. */
	assert_int_equal(fsc_http_chunked_skip(&c, (const uint8_t *)s + used, 4, &used, &why), FSC_OK);
	assert_int_equal(used, 0);

	for (int round = 0; round < 300; round++) {
		assert_int_equal(skip_chunked(s, strlen(s), round % 2 ? 3 : 40, &used, &c, &why),
				 FSC_OK);
		assert_int_equal(used, blen);
		assert_int_equal(c.body, 23);
	}
	for (size_t k = 0; k < blen; k++) {
		assert_int_equal(skip_chunked(s, k, 0, &used, &c, &why), FSC_TRUNCATED);
		assert_int_equal(used, k);
	}
	/* Bare LF everywhere, no trailer. */
	assert_int_equal(skip_chunked("3\nabc\n0\n\nX", 10, 0, &used, &c, &why), FSC_OK);
	assert_int_equal(used, 9);
}

static void chunked_malformed(void **state)
{
	(void)state;
	static const struct {
		const char *s;
		const char *why;
	} t[] = {
		{ "x\r\n", "not hex" },
		{ ";ext\r\n", "not hex" },
		{ "4\r\nWikiX", "not followed by CRLF" },
		{ "4\r\nWiki\rX", "not followed by CRLF" },
		{ "4\r\nWiki\r\nzz", "not hex" },
		{ "10000000000000000\r\n", "overflows" },
		{ "1\x01\r\n", "not hex" },
		{ "1;\x01\r\n", "control" },
		{ "1\rX", "CR not" },
		{ "0\r\n folded\r\n\r\n", "folding" },
		{ "0\r\n(x: 1\r\n\r\n", "not a token" },
		{ "0\r\nA: \x7f\r\n\r\n", "control" },
		{ "0\r\nA: 1\rX", "CR not" },
		{ "0\r\n\rX", "CR not" },
	};
	struct fsc_http_chunked c;
	size_t used;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		enum fsc_status st = skip_chunked(t[i].s, strlen(t[i].s), 0, &used, &c, &why);
		if (st != FSC_MALFORMED || strstr(why, t[i].why) == NULL)
			fail_msg("variant %zu: %s '%s'", i, fsc_status_name(st), why);
		/* sticky */
		assert_int_equal(fsc_http_chunked_skip(&c, (const uint8_t *)"0\r\n\r\n", 5, &used, &why),
				 FSC_MALFORMED);
	}
	/* A size line longer than its cap. */
	static char longext[FSC_HTTP_CHUNK_LINE_MAX + 16];
	memset(longext, 'a', sizeof(longext) - 1);
	longext[0] = '1';
	longext[1] = ';';
	longext[sizeof(longext) - 1] = '\0';
	assert_int_equal(skip_chunked(longext, strlen(longext), 0, &used, &c, &why), FSC_MALFORMED);
	assert_non_null(strstr(why, "too long"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(request_fields),
		cmocka_unit_test(ingress_and_responses),
		cmocka_unit_test(prefixes_and_incremental),
		cmocka_unit_test(malformed_heads),
		cmocka_unit_test(grammar_and_leniency),
		cmocka_unit_test(too_large_incremental),
		cmocka_unit_test(framing_table),
		cmocka_unit_test(chunked_skipper),
		cmocka_unit_test(chunked_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
