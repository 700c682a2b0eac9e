/* test_ingress.c - the Funnel ingress handshake: tailscaled's checks in its
 * order, its answers byte for byte, the relay's request (refpair.md §1.2,
 * §1.8). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/ingress.h"
#include "vectors.h"

static const struct fsc_span own[] = { { "[fd7a:115c:a1e0::2]:46187", 25 } };

/* The request at a guard page; the spans in *r stay valid until the next
 * call (the previous guarded copy is freed then). */
static enum fsc_ingress_verdict check(const char *req, bool peer_ok, struct fsc_ingress_request *r)
{
	static struct fsc_http_header hdrs[32];
	static uint8_t *last;
	static size_t last_len;
	struct fsc_http_head h;
	const char *why = NULL;
	size_t len = strlen(req);
	uint8_t *g = vec_guard((const uint8_t *)req, len);
	enum fsc_ingress_verdict v;

	fsc_http_head_init(&h, hdrs, 32, 0);
	assert_int_equal(fsc_http_parse_request(g, len, 0, &h, &why), FSC_OK);
	memset(r, 0, sizeof(*r));
	v = fsc_ingress_check(&h, own, 1, peer_ok, r);
	if (last)
		vec_guard_free(last, last_len);
	last = g;
	last_len = len;
	return v;
}

/* The relay's request of refpair.md §1.8, as Go's Request.Write sends it. */
static const char go_request[] =
	"POST /v0/ingress HTTP/1.1\r\n"
	"Host: [fd7a:115c:a1e0::2]:46187\r\n"
	"User-Agent: Go-http-client/1.1\r\n"
	"Content-Length: 0\r\n"
	"Tailscale-Ingress-Src: 66.249.72.211:51234\r\n"
	"Tailscale-Ingress-Target: node.example.ts.net:443\r\n"
	"\r\n";

static void writes_the_go_request(void **state)
{
	struct fsc_addr a;
	char buf[512];
	size_t n;

	(void)state;
	assert_true(fsc_addr_parse("66.249.72.211", &a));
	n = fsc_ingress_write_request("[fd7a:115c:a1e0::2]:46187", &a, 51234,
				      "node.example.ts.net:443", buf, sizeof(buf));
	assert_int_equal(n, strlen(go_request));
	assert_string_equal(buf, go_request);
	/* too small a buffer: the length it needs, nothing claimed */
	assert_int_equal(fsc_ingress_write_request("peer", &a, 1, "x:1", buf, 8) >= 8, true);
}

static void accepts_and_reads(void **state)
{
	struct fsc_ingress_request r;
	char ep[FSC_ENDPOINT_STRLEN];

	(void)state;
	assert_int_equal(check(go_request, true, &r), FSC_INGRESS_ACCEPT);
	assert_string_equal(fsc_endpoint_str(&r.src, r.src_port, ep), "66.249.72.211:51234");
	assert_int_equal(r.target.len, strlen("node.example.ts.net:443"));
	assert_memory_equal(r.target_host.p, "node.example.ts.net", r.target_host.len);
	assert_int_equal(r.target_port, 443);
	/* Host: peer and a bracketed IPv6 client */
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: [2001:db8::7]:443\r\n"
			       "Tailscale-Ingress-Target: [::1]:8443\r\n\r\n", true, &r),
			 FSC_INGRESS_ACCEPT);
	assert_string_equal(fsc_endpoint_str(&r.src, r.src_port, ep), "[2001:db8::7]:443");
	assert_int_equal(r.target_host.len, 3);
	assert_int_equal(r.target_port, 8443);
}

static void checks_in_tailscaled_order(void **state)
{
	struct fsc_ingress_request r;

	(void)state;
	/* path first (the mux), then Host/Referer/Origin, then the cap ... */
	assert_int_equal(check("GET /v0/other HTTP/1.1\r\nHost: x\r\n\r\n", false, &r),
			 FSC_INGRESS_NOT_FOUND);
	assert_int_equal(check("GET /v0/ingress HTTP/1.1\r\nHost: evil\r\n\r\n", false, &r),
			 FSC_INGRESS_INVALID_PEERAPI);
	assert_int_equal(check("GET /v0/ingress HTTP/1.1\r\nHost: peer\r\nOrigin: x\r\n\r\n",
			       true, &r), FSC_INGRESS_INVALID_PEERAPI);
	assert_int_equal(check("GET /v0/ingress HTTP/1.1\r\nHost: peer\r\n\r\n", false, &r),
			 FSC_INGRESS_NO_CAP);
	assert_int_equal(check("GET /v0/ingress HTTP/1.1\r\nHost: peer\r\n\r\n", true, &r),
			 FSC_INGRESS_NOT_POST);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n\r\n", true, &r),
			 FSC_INGRESS_NO_SRC);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 66.249.72.211\r\n\r\n", true, &r),
			 FSC_INGRESS_BAD_SRC);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 1.2.3.4:99999\r\n\r\n", true, &r),
			 FSC_INGRESS_BAD_SRC);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 1.2.3.4:5\r\n\r\n", true, &r),
			 FSC_INGRESS_NO_TARGET);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 1.2.3.4:5\r\n"
			       "Tailscale-Ingress-Target: node.example.ts.net\r\n\r\n", true, &r),
			 FSC_INGRESS_BAD_TARGET);
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 1.2.3.4:5\r\n"
			       "Tailscale-Ingress-Target: a:b:443\r\n\r\n", true, &r),
			 FSC_INGRESS_BAD_TARGET);
	/* a port that is not a number passes SplitHostPort; the serve config
	 * lookup denies it later (port 0 here) */
	assert_int_equal(check("POST /v0/ingress HTTP/1.1\r\nHost: peer\r\n"
			       "Tailscale-Ingress-Src: 1.2.3.4:5\r\n"
			       "Tailscale-Ingress-Target: n:https\r\n\r\n", true, &r),
			 FSC_INGRESS_ACCEPT);
	assert_int_equal(r.target_port, 0);
}

static void answers_byte_for_byte(void **state)
{
	char buf[512];

	(void)state;
	fsc_ingress_write_answer(FSC_INGRESS_DENIED, "Sun, 06 Dec 2026 15:00:00 GMT", buf,
				 sizeof(buf));
	assert_string_equal(buf, "HTTP/1.1 403 Forbidden\r\n"
				 "Content-Type: text/plain; charset=utf-8\r\n"
				 "X-Content-Type-Options: nosniff\r\n"
				 "Date: Sun, 06 Dec 2026 15:00:00 GMT\r\n"
				 "Content-Length: 7\r\n\r\ndenied\n");
	fsc_ingress_write_answer(FSC_INGRESS_NO_CAP, NULL, buf, sizeof(buf));
	assert_non_null(strstr(buf, "Content-Length: 23\r\n\r\ndenied; no ingress cap\n"));
	fsc_ingress_write_answer(FSC_INGRESS_NOT_POST, NULL, buf, sizeof(buf));
	assert_memory_equal(buf, "HTTP/1.1 405 Method Not Allowed\r\n", 33);
	fsc_ingress_write_answer(FSC_INGRESS_ACCEPT, NULL, buf, sizeof(buf));
	assert_string_equal(buf, "HTTP/1.1 101 Switching Protocols\r\n\r\n");
	assert_null(fsc_ingress_answer(FSC_INGRESS_ACCEPT));
	assert_null(fsc_ingress_answer(FSC_INGRESS_VERDICT_COUNT));
}

static void addrport_and_hostport(void **state)
{
	struct fsc_addr a;
	struct fsc_span h;
	uint16_t p;

	(void)state;
	assert_true(fsc_ingress_parse_addrport("1.2.3.4:0", 9, &a, &p));
	assert_false(fsc_ingress_parse_addrport("1.2.3.4", 7, &a, &p));
	assert_false(fsc_ingress_parse_addrport("2001:db8::1:80", 14, &a, &p));
	assert_false(fsc_ingress_parse_addrport("[1.2.3.4]:80", 12, &a, &p));
	assert_false(fsc_ingress_parse_addrport("1.2.3.4:", 8, &a, &p));
	assert_true(fsc_ingress_split_hostport("[::1]:443", 9, &h, &p));
	assert_int_equal(h.len, 3);
	assert_false(fsc_ingress_split_hostport("[::1]x:443", 10, &h, &p));
	assert_false(fsc_ingress_split_hostport("host", 4, &h, &p));
	assert_true(fsc_ingress_split_hostport(":443", 4, &h, &p));
	assert_int_equal(h.len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(writes_the_go_request),
		cmocka_unit_test(accepts_and_reads),
		cmocka_unit_test(checks_in_tailscaled_order),
		cmocka_unit_test(answers_byte_for_byte),
		cmocka_unit_test(addrport_and_hostport),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
