/* test_proxyproto.c - PROXY protocol v1/v2 (haproxy proxy-protocol.txt). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/proxyproto.h"
#include "vectors.h"

static enum fsc_status parse(const uint8_t *p, size_t len, struct fsc_proxy_header *h)
{
	uint8_t *g = vec_guard(p, len);
	const char *why = NULL;
	enum fsc_status st = fsc_proxy_parse(g, len, h, &why);

	if (st != FSC_OK)
		assert_non_null(why);
	/* the header's fields point into the input: rebase onto p */
	if (h->tlv)
		h->tlv = p + (h->tlv - g);
	vec_guard_free(g, len);
	return st;
}

static void v1(void **state)
{
	static const char s[] = "PROXY TCP4 192.0.2.1 198.51.100.2 51234 443\r\nGET";
	struct fsc_proxy_header h;
	char a[FSC_ADDR_STRLEN];
	size_t i;

	(void)state;
	assert_int_equal(parse((const uint8_t *)s, strlen(s), &h), FSC_OK);
	assert_int_equal(h.version, 1);
	assert_int_equal(h.len, strlen(s) - 3);
	assert_string_equal(fsc_addr_str(&h.src, a), "192.0.2.1");
	assert_string_equal(fsc_addr_str(&h.dst, a), "198.51.100.2");
	assert_int_equal(h.src_port, 51234);
	assert_int_equal(h.dst_port, 443);
	for (i = 0; i < h.len; i++)
		assert_int_equal(parse((const uint8_t *)s, i, &h), FSC_TRUNCATED);
	assert_int_equal(parse((const uint8_t *)"PROXY UNKNOWN\r\n", 15, &h), FSC_OK);
	assert_true(h.local);
	assert_int_equal(parse((const uint8_t *)"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", 33, &h),
			 FSC_MALFORMED);	/* leading zero */
	assert_int_equal(parse((const uint8_t *)"PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", 32, &h),
			 FSC_MALFORMED);	/* family mismatch */
	assert_int_equal(parse((const uint8_t *)"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", 31, &h),
			 FSC_MALFORMED);	/* LF without CR */
	assert_int_equal(parse((const uint8_t *)"GET / HTTP/1.1\r\n", 16, &h), FSC_NOT_THIS);
}

static void v2(void **state)
{
	uint8_t b[64];
	size_t n = vec_hex("0d0a0d0a000d0a515549540a"	/* signature */
			   "21 11 0013"			/* v2 PROXY, TCP4, 19 bytes */
			   "c0000201 c6336402 c822 01bb"	/* 192.0.2.1 198.51.100.2 51234 443 */
			   "02 0004 6e6f6465",		/* AUTHORITY "node" */
			   b, sizeof(b));
	struct fsc_proxy_header h;
	char a[FSC_ADDR_STRLEN];
	size_t i;

	(void)state;
	assert_int_equal(parse(b, n, &h), FSC_OK);
	assert_int_equal(h.version, 2);
	assert_int_equal(h.len, n);
	assert_string_equal(fsc_addr_str(&h.src, a), "192.0.2.1");
	assert_int_equal(h.src_port, 51234);
	assert_int_equal(h.tlv_len, 7);
	assert_ptr_equal(h.tlv, b + 28);
	for (i = 0; i < n; i++)
		assert_int_equal(parse(b, i, &h), FSC_TRUNCATED);
	b[12] = 0x31;	/* version 3 */
	assert_int_equal(parse(b, n, &h), FSC_MALFORMED);
	b[12] = 0x21;
	b[15] = 0x05;	/* shorter than the IPv4 block */
	assert_int_equal(parse(b, n, &h), FSC_MALFORMED);
}

static void writers_read_back(void **state)
{
	struct fsc_addr s, d;
	struct fsc_proxy_header h;
	uint8_t b[128];
	size_t n;

	(void)state;
	assert_true(fsc_addr_parse("2001:db8::1", &s));
	assert_true(fsc_addr_parse("fd7a:115c:a1e0::2", &d));
	n = fsc_proxy_write_v1(&s, 5, &d, 80, (char *)b, sizeof(b));
	assert_int_equal(n, strlen("PROXY TCP6 2001:db8::1 fd7a:115c:a1e0::2 5 80\r\n"));
	assert_memory_equal(b, "PROXY TCP6 2001:db8::1 fd7a:115c:a1e0::2 5 80\r\n", n);
	n = fsc_proxy_write_v2(&s, 5, &d, 80, b, sizeof(b));
	assert_int_equal(n, 16 + 36);
	assert_int_equal(parse(b, n, &h), FSC_OK);
	assert_true(fsc_addr_eq(&h.src, &s));
	assert_true(fsc_addr_eq(&h.dst, &d));
	assert_int_equal(h.dst_port, 80);
	assert_int_equal(fsc_proxy_write_v2(&s, 5, &d, 80, b, 20), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(v1),
		cmocka_unit_test(v2),
		cmocka_unit_test(writers_read_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
