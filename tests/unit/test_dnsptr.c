/* test_dnsptr.c - PTR query names and PTR answer decoding. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/dnsptr.h"
#include "vectors.h"

/* 211.72.249.66.in-addr.arpa PTR crawl-66-249-72-211.googlebot.com, TTL 300. */
static const char found_hex[] =
	"12 34          # id\n"
	"81 80          # QR, RD, RA, NOERROR\n"
	"00 01 00 01 00 00 00 00  # qd 1, an 1, ns 0, ar 0\n"
	"03 323131 02 3732 03 323439 02 3636  # @12 211.72.249.66\n"
	"07 696e2d61646472 04 61727061 00     # in-addr.arpa (root at 39)\n"
	"00 0c 00 01    # PTR IN\n"
	"c0 0c          # @44 owner: pointer to the question name\n"
	"00 0c 00 01    # PTR IN\n"
	"00 00 01 2c    # TTL 300\n"
	"00 23          # rdlen 35\n"
	"13 637261776c2d36362d3234392d37322d323131  # crawl-66-249-72-211\n"
	"09 676f6f676c65626f74 03 636f6d 00          # googlebot.com\n";

/* NXDOMAIN with an SOA (TTL 3600, MINIMUM 60) in the authority section. */
static const char nx_hex[] =
	"ab cd 81 83    # id, QR RD RA, NXDOMAIN\n"
	"00 01 00 00 00 01 00 00  # qd 1, an 0, ns 1\n"
	"03 323131 02 3732 03 323439 02 3636 07 696e2d61646472 04 61727061 00\n"
	"00 0c 00 01\n"
	"c0 0c 00 06 00 01  # @44 owner, SOA IN\n"
	"00 00 0e 10    # TTL 3600\n"
	"00 27          # rdlen 39\n"
	"02 6e73 07 6578616d706c65 00  # @56 mname ns.example ('example' at 59)\n"
	"04 686f7374 c0 3b             # rname host.example via pointer to 59\n"
	"00 00 00 01 00 00 0e 10 00 00 03 84 00 09 3a 80  # serial refresh retry expire\n"
	"00 00 00 3c    # MINIMUM 60\n";

/* A CNAME (TTL 100) before the PTR (TTL 300), as in RFC 2317 delegation. */
static const char cname_hex[] =
	"00 07 81 80 00 01 00 02 00 00 00 00\n"
	"03 323131 02 3732 03 323439 02 3636 07 696e2d61646472 04 61727061 00\n"
	"00 0c 00 01\n"
	"c0 0c 00 05 00 01 00 00 00 64 00 02 c0 0c  # CNAME TTL 100 -> the qname\n"
	"c0 0c 00 0c 00 01 00 00 01 2c 00 06\n"
	"01 61 01 62 00 ff   # PTR a.b, then one byte too many -- fixed below\n";

/* The parser over a copy whose last byte sits before an unreadable page. */
static enum fsc_status parse(const uint8_t *b, size_t n, struct fsc_dns_ptr *r,
			     const char **why)
{
	uint8_t *g = vec_guard(b, n);
	enum fsc_status st = fsc_dns_parse_ptr(g, n, r, why);

	vec_guard_free(g, n);
	return st;
}

static void found(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(found_hex, b, sizeof(b));
	struct fsc_dns_ptr r;
	const char *why = NULL;

	assert_int_equal(parse(b, n, &r, &why), FSC_OK);
	assert_int_equal(r.id, 0x1234);
	assert_int_equal(r.rcode, 0);
	assert_true(r.found);
	assert_string_equal(r.name, "crawl-66-249-72-211.googlebot.com");
	assert_int_equal(r.ttl, 300);
	assert_false(r.has_soa);
}

static void nxdomain_soa(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(nx_hex, b, sizeof(b));
	struct fsc_dns_ptr r;
	const char *why = NULL;

	assert_int_equal(parse(b, n, &r, &why), FSC_OK);
	assert_int_equal(r.rcode, 3);
	assert_false(r.found);
	assert_true(r.has_soa);
	assert_int_equal(r.neg_ttl, 60);
	/* SOA TTL below MINIMUM: the TTL wins (RFC 2308 §5). */
	b[53] = 30;
	b[50] = b[51] = b[52] = 0;
	assert_int_equal(parse(b, n, &r, &why), FSC_OK);
	assert_int_equal(r.neg_ttl, 30);
}

static void cname_then_ptr(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(cname_hex, b, sizeof(b));
	struct fsc_dns_ptr r;
	const char *why = NULL;

	/* rdlen 6 covers "a.b" (5 bytes) and a stray 0xff: a lie. */
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);
	assert_string_equal(why, "PTR rdata length does not match its name");
	b[n - 7] = 5; /* rdlen 5 and drop the stray byte */
	assert_int_equal(parse(b, n - 1, &r, &why), FSC_OK);
	assert_true(r.found);
	assert_string_equal(r.name, "a.b");
	assert_int_equal(r.ttl, 100);
}

static void every_prefix_of(const uint8_t *b, size_t n)
{
	for (size_t k = 0; k < n; k++) {
		uint8_t *g = vec_guard(b, k);
		struct fsc_dns_ptr r;
		const char *why = NULL;
		enum fsc_status st = fsc_dns_parse_ptr(g, k, &r, &why);
		if (k < 12)
			assert_int_equal(st, FSC_NOT_THIS);
		else if (st != FSC_TRUNCATED)
			fail_msg("prefix %zu of %zu: %s (%s)", k, n, fsc_status_name(st),
				 why ? why : "");
		assert_non_null(why);
		vec_guard_free(g, k);
	}
}

static void every_prefix(const char *hex)
{
	uint8_t b[256];

	every_prefix_of(b, vec_hex(hex, b, sizeof(b)));
}

static void truncations(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(cname_hex, b, sizeof(b));

	every_prefix(found_hex);
	every_prefix(nx_hex);
	b[n - 7] = 5; /* the CNAME vector fixed as in cname_then_ptr */
	every_prefix_of(b, n - 1);
}

static void malformed(void **state)
{
	(void)state;
	uint8_t b[400];
	size_t n;
	struct fsc_dns_ptr r;
	const char *why;

	/* A query is not a response. */
	n = vec_hex(found_hex, b, sizeof(b));
	b[2] = 0x01;
	assert_int_equal(parse(b, n, &r, &why), FSC_NOT_THIS);
	assert_string_equal(why, "a query, not a response");

	/* The answer owner points at itself (offset 44): not backwards. */
	n = vec_hex(found_hex, b, sizeof(b));
	b[45] = 44;
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);
	assert_string_equal(why, "compression pointer does not point backwards");
	/* ... or forwards, into its own rdata. */
	b[45] = 60;
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);

	/* Label types 01 and 10 are reserved. */
	n = vec_hex(found_hex, b, sizeof(b));
	b[56] = 0x53;
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);
	assert_string_equal(why, "reserved label type");
	b[56] = 0x93;
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);

	/* rdlen beyond the message is truncation, not a crash. */
	n = vec_hex(found_hex, b, sizeof(b));
	b[55] = 0x24;
	assert_int_equal(parse(b, n, &r, &why), FSC_TRUNCATED);
	assert_string_equal(why, "rdata runs past the end");

	/* A PTR target longer than 255 octets: 5 labels of 63. */
	n = vec_hex(found_hex, b, sizeof(b));
	n = 56;
	for (int l = 0; l < 5; l++) {
		b[n++] = 63;
		memset(b + n, 'x', 63);
		n += 63;
	}
	b[n++] = 0;
	b[54] = (uint8_t)((n - 56) >> 8);
	b[55] = (uint8_t)(n - 56);
	assert_int_equal(parse(b, n, &r, &why), FSC_MALFORMED);
	assert_string_equal(why, "name longer than 255 octets");
}

static void escaping(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(found_hex, b, sizeof(b));
	struct fsc_dns_ptr r;
	const char *why;

	/* Bytes of "crawl-66..." become '.', ' ', 0xff, ESC, '\\'. */
	b[57] = '.';
	b[58] = ' ';
	b[59] = 0xff;
	b[60] = 0x1b;
	b[61] = '\\';
	assert_int_equal(parse(b, n, &r, &why), FSC_OK);
	assert_string_equal(r.name, "\\046\\032\\255\\027\\092-66-249-72-211.googlebot.com");
	/* A root target is ".". */
	n = vec_hex(found_hex, b, sizeof(b));
	b[55] = 1;
	b[56] = 0;
	assert_int_equal(parse(b, 57, &r, &why), FSC_OK);
	assert_string_equal(r.name, ".");
}

static void qnames(void **state)
{
	(void)state;
	struct fsc_addr a;
	char q[FSC_DNS_PTRQ_MAX];

	fsc_addr_parse("66.249.72.211", &a);
	assert_true(fsc_dns_ptr_qname(&a, q));
	assert_string_equal(q, "211.72.249.66.in-addr.arpa");
	fsc_addr_parse("::ffff:100.104.208.43", &a);
	assert_true(fsc_dns_ptr_qname(&a, q));
	assert_string_equal(q, "43.208.104.100.in-addr.arpa");
	fsc_addr_parse("fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", &a);
	assert_true(fsc_dns_ptr_qname(&a, q));
	assert_string_equal(q, "b.2.0.d.8.6.2.6.6.9.d.c.3.4.8.4.2.1.b.a.0.e.1.a.c.5.1.1.a.7.d.f."
			       "ip6.arpa");
	assert_int_equal(strlen(q), 72); /* 32 nibbles with dots + "ip6.arpa" */
	memset(&a, 0, sizeof(a));
	assert_false(fsc_dns_ptr_qname(&a, q));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found),       cmocka_unit_test(nxdomain_soa),
		cmocka_unit_test(cname_then_ptr), cmocka_unit_test(truncations),
		cmocka_unit_test(malformed),   cmocka_unit_test(escaping),
		cmocka_unit_test(qnames),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
