/* test_status.c - the `why` rule of fsc/status.h, held by every decoder:
 * why may be NULL, and a status other than FSC_OK comes with a static
 * reason when it is not. Each decoder gets inputs that fail in each way it
 * can (empty, cut, wrong), once with a reason wanted and once with NULL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsc/disco.h"
#include "fsc/dnsptr.h"
#include "fsc/http.h"
#include "fsc/proxyproto.h"
#include "fsc/status.h"
#include "fsc/stun.h"
#include "fsc/tls.h"
#include "fsc/tsaddr.h"
#include "fsc/tscap.h"
#include "fsc/wireguard.h"
#include "fsc/xff.h"

/* One decoder behind one signature: (input, length, why). */
typedef enum fsc_status (*decode_fn)(const uint8_t *p, size_t len, const char **why);

static enum fsc_status d_tls_sniff(const uint8_t *p, size_t len, const char **why)
{
	return fsc_tls_sniff(p, len, why);
}

static enum fsc_status d_tls_client(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_tls_client_hello h;
	return fsc_tls_client_hello_parse(p, len, &h, why);
}

static enum fsc_status d_tls_server(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_tls_server_hello h;
	return fsc_tls_server_hello_parse(p, len, &h, why);
}

static enum fsc_status d_http_request(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_http_head h;
	return fsc_http_parse_request(p, len, 0, &h, why);
}

static enum fsc_status d_http_response(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_http_head h;
	return fsc_http_parse_response(p, len, 0, &h, why);
}

static enum fsc_status d_xff(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_xff_node arr[4];
	struct fsc_xff_list l;
	fsc_xff_list_init(&l, arr, 4);
	return fsc_xff_parse(p, len, &l, why);
}

static enum fsc_status d_dnsptr(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_dns_ptr out;
	return fsc_dns_parse_ptr(p, len, &out, why);
}

static enum fsc_status d_proxy(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_proxy_header h;
	return fsc_proxy_parse(p, len, &h, why);
}

static enum fsc_status d_prefix(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_prefix out;
	return fsc_tsaddr_parse_prefix((const char *)p, len, &out, why);
}

static enum fsc_status d_wg(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_wg_msg m;
	return fsc_wg_decode(p, len, &m, why);
}

static enum fsc_status d_disco(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_disco_wrapper w;
	return fsc_disco_decode_wrapper(p, len, &w, why);
}

static enum fsc_status d_stun(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_stun_msg m;
	return fsc_stun_decode(p, len, &m, why);
}

static enum fsc_status d_tscap(const uint8_t *p, size_t len, const char **why)
{
	static struct fsc_tscap t;
	return fsc_tscap_decode(p, len, &t, why);
}

static const struct {
	const char *name;
	decode_fn fn;
} decoders[] = {
	{ "tls sniff", d_tls_sniff },	   { "tls client hello", d_tls_client },
	{ "tls server hello", d_tls_server }, { "http request", d_http_request },
	{ "http response", d_http_response }, { "xff", d_xff },
	{ "dns ptr", d_dnsptr },	   { "proxy", d_proxy },
	{ "prefix", d_prefix },		   { "wireguard", d_wg },
	{ "disco", d_disco },		   { "stun", d_stun },
	{ "tscap", d_tscap },
};

/* Inputs that fail somewhere: nothing, a cut TLS record, a cut HTTP head,
 * bytes that are nothing in particular, a lying length. */
static const struct {
	const char *s;
	size_t len;
} inputs[] = {
	{ "", 0 },
	{ "\x16\x03\x01\x00\x40\x01\x00\x00", 8 },
	{ "GET / HTTP/1.1\r\nHost: a", 23 },
	{ "HTTP/1.1 200", 12 },
	{ "\x01\x00\x00\x00\xff", 5 },
	{ "PROXY TCP4 1.2.3", 16 },
	{ "zz\x00\x01\x02 junk", 10 },
	{ "100.64.0.1/33", 13 },
};

static void why_may_be_null(void **state)
{
	(void)state;
	for (size_t d = 0; d < sizeof(decoders) / sizeof(decoders[0]); d++) {
		for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
			const uint8_t *p = (const uint8_t *)inputs[i].s;
			const char *why = "unset";
			enum fsc_status st = decoders[d].fn(p, inputs[i].len, &why);
			if (st != FSC_OK && (why == NULL || strcmp(why, "unset") == 0))
				fail_msg("%s, input %zu: %s without a reason", decoders[d].name, i,
					 fsc_status_name(st));
			/* The same status without a place for the reason. */
			assert_int_equal(decoders[d].fn(p, inputs[i].len, NULL), st);
		}
	}
}

static void verdict_writes_only_where_asked(void **state)
{
	const char *why = "unset";

	(void)state;
	assert_int_equal(fsc_status_verdict(&why, FSC_MALFORMED, "a field"), FSC_MALFORMED);
	assert_string_equal(why, "a field");
	assert_int_equal(fsc_status_verdict(&why, FSC_OK, "ignored"), FSC_OK);
	assert_null(why);
	assert_int_equal(fsc_status_verdict(NULL, FSC_TRUNCATED, "x"), FSC_TRUNCATED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(why_may_be_null),
		cmocka_unit_test(verdict_writes_only_where_asked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
