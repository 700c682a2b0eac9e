/* test_xff.c - X-Forwarded-For elements and lists, Forwarded (RFC 7239). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/xff.h"
#include "vectors.h"

#define U8(s) ((const uint8_t *)(s))

/* [p, p + len) inside [g, g + k), or empty. */
static void inside(const char *p, size_t len, const uint8_t *g, size_t k)
{
	if (len && ((const uint8_t *)p < g || (const uint8_t *)p + len > g + k))
		fail_msg("a span of %zu bytes outside its %zu-byte input", len, k);
}

static void node_inside(const struct fsc_xff_node *n, const uint8_t *g, size_t k)
{
	inside(n->text, n->len, g, k);
	inside(n->zone, n->zone_len, g, k);
	inside(n->obfport, n->obfport_len, g, k);
	if ((n->kind == FSC_XFF_MALFORMED) != (n->why != NULL))
		fail_msg("a node's kind and reason disagree");
}

/*
 * s at every length through the guard page, as an element, an
 * X-Forwarded-For list and a Forwarded list: no read past the end, every
 * pointer of every element inside the bytes given.
 */
static void every_prefix_inside(const char *s)
{
	struct fsc_xff_node xa[8], n;
	struct fsc_xff_fwd_elem fa[8];
	struct fsc_xff_list xl;
	struct fsc_xff_fwd_list fl;
	const char *why;

	for (size_t k = 0; k <= strlen(s); k++) {
		uint8_t *g = vec_guard(U8(s), k);
		fsc_xff_elem_parse(g, k, &n);
		node_inside(&n, g, k);
		fsc_xff_list_init(&xl, xa, 8);
		fsc_xff_parse(g, k, &xl, &why);
		for (size_t i = 0; i < xl.n; i++)
			node_inside(&xa[i], g, k);
		fsc_xff_fwd_list_init(&fl, fa, 8);
		fsc_xff_fwd_parse(g, k, &fl, &why);
		for (size_t i = 0; i < fl.n; i++) {
			const struct fsc_xff_fwd_elem *e = &fa[i];
			inside(e->text, e->len, g, k);
			inside(e->for_.p, e->for_.len, g, k);
			inside(e->by.p, e->by.len, g, k);
			inside(e->proto.p, e->proto.len, g, k);
			inside(e->host.p, e->host.len, g, k);
			if (e->for_.present)
				node_inside(&e->for_node, g, k);
			if (e->by.present)
				node_inside(&e->by_node, g, k);
			if ((e->status == FSC_OK) == (e->why != NULL))
				fail_msg("'%.*s': element %zu status and reason disagree", (int)k,
					 s, i);
		}
		vec_guard_free(g, k);
	}
}

static void xff_elements(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum fsc_xff_kind kind;
		const char *addr;	/* canonical text, NULL = no address */
		int port;		/* -1 = none */
		const char *zone;
		bool bracketed, mapped;
		const char *why;
	} t[] = {
		{ "66.249.72.211", FSC_XFF_V4, "66.249.72.211", -1, NULL, 0, 0, NULL },
		{ " 66.249.72.211:8080\t", FSC_XFF_V4, "66.249.72.211", 8080, NULL, 0, 0, NULL },
		{ "2001:DB8::1", FSC_XFF_V6, "2001:db8::1", -1, NULL, 0, 0, NULL },
		{ "[2001:db8::1]:443", FSC_XFF_V6, "2001:db8::1", 443, NULL, 1, 0, NULL },
		{ "[2001:db8::1]", FSC_XFF_V6, "2001:db8::1", -1, NULL, 1, 0, NULL },
		{ "::ffff:192.0.2.1", FSC_XFF_V6, "::ffff:192.0.2.1", -1, NULL, 0, 1, NULL },
		{ "fe80::1%eth0", FSC_XFF_V6, "fe80::1", -1, "eth0", 0, 0, NULL },
		{ "[fe80::1%wg.0]:0", FSC_XFF_V6, "fe80::1", 0, "wg.0", 1, 0, NULL },
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", FSC_XFF_V6,
		  "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", -1, NULL, 0, 0, NULL },
		{ "unknown", FSC_XFF_UNKNOWN, NULL, -1, NULL, 0, 0, NULL },
		{ "UnKnown", FSC_XFF_UNKNOWN, NULL, -1, NULL, 0, 0, NULL },
		{ "garbage", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "1.2.3", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "01.2.3.4", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "1.2.3.4:", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "bad port" },
		{ "1.2.3.4:65536", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "bad port" },
		{ "1.2.3.4:80:90", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "host:80", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "before ':'" },
		{ "[2001:db8::1", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "without ']'" },
		{ "[2001:db8::1]x", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "after ']'" },
		{ "[2001:db8::1]:", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "after ']'" },
		{ "[1.2.3.4]", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "inside brackets" },
		{ "_hidden", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "fe80::1%", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "1.2.3.4%eth0", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "1.2.3.4 5.6.7.8", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "\"1.2.3.4\"", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "not an address" },
		{ "", FSC_XFF_MALFORMED, NULL, -1, NULL, 0, 0, "empty" },
	};
	char buf[FSC_ADDR_STRLEN];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct fsc_xff_node n;
		size_t len = strlen(t[i].in);
		uint8_t *g = vec_guard(U8(t[i].in), len);
		enum fsc_status st = fsc_xff_elem_parse(g, len, &n);
		if (n.kind != t[i].kind)
			fail_msg("%zu '%s': kind %s (%s)", i, t[i].in, fsc_xff_kind_name(n.kind),
				 n.why ? n.why : "");
		assert_int_equal(st, t[i].kind == FSC_XFF_MALFORMED ? FSC_MALFORMED : FSC_OK);
		if (t[i].addr)
			assert_string_equal(fsc_addr_str(&n.addr, buf), t[i].addr);
		else
			assert_int_equal(n.addr.family, 0);
		assert_int_equal(n.has_port, t[i].port >= 0);
		if (t[i].port >= 0)
			assert_int_equal(n.port, t[i].port);
		if (t[i].zone) {
			assert_int_equal(n.zone_len, strlen(t[i].zone));
			assert_memory_equal(n.zone, t[i].zone, n.zone_len);
		}
		if (t[i].kind != FSC_XFF_MALFORMED) {
			assert_int_equal(n.bracketed, t[i].bracketed);
			assert_int_equal(n.v4mapped, t[i].mapped);
			assert_null(n.why);
		} else {
			assert_non_null(strstr(n.why, t[i].why));
		}
		vec_guard_free(g, len);
		every_prefix_inside(t[i].in);
	}
}

/* A zone is unreserved bytes (RFC 6874): every byte value in the middle of
 * one, NUL included ("fe80::1%e\0x", 11 bytes, was accepted with a
 * 3-byte zone). */
static void zone_every_byte(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++) {
		uint8_t in[11] = "fe80::1%e?x";
		struct fsc_xff_node n;
		bool unreserved = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
				  (c >= 'A' && c <= 'Z') || c == '-' || c == '.' || c == '_' ||
				  c == '~';

		in[9] = (uint8_t)c;
		uint8_t *g = vec_guard(in, sizeof(in));
		enum fsc_status st = fsc_xff_elem_parse(g, sizeof(in), &n);
		if ((st == FSC_OK) != unreserved)
			fail_msg("byte 0x%02x in a zone: %s", c, fsc_status_name(st));
		if (st == FSC_OK)
			assert_int_equal(n.zone_len, 3);
		vec_guard_free(g, sizeof(in));
	}
}

static void xff_lists(void **state)
{
	(void)state;
	struct fsc_xff_node arr[8];
	struct fsc_xff_list l;
	const char *why;
	char buf[FSC_ADDR_STRLEN];
	const char *chain = "66.249.72.211, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b";

	fsc_xff_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_parse(U8(chain), strlen(chain), &l, &why), FSC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.malformed, 0);
	assert_ptr_equal(arr[0].text, chain);
	assert_int_equal(arr[0].len, 13);
	assert_ptr_equal(arr[1].text, chain + 15);
	assert_string_equal(fsc_addr_str(&arr[1].addr, buf), "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	every_prefix_inside(chain);

	/* Garbage, empty elements, OWS: the rest still parse. */
	const char *messy = " junk!, 1.2.3.4,, ,[::1]:80 ,";
	fsc_xff_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_parse(U8(messy), strlen(messy), &l, &why), FSC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.malformed, 1);
	assert_int_equal(arr[0].kind, FSC_XFF_MALFORMED);
	assert_int_equal(arr[0].len, 5);
	assert_int_equal(arr[1].kind, FSC_XFF_V4);
	assert_int_equal(arr[2].kind, FSC_XFF_V6);
	assert_int_equal(arr[2].port, 80);
	every_prefix_inside(messy);

	/* Two header lines = one list, in order, no copy. */
	const struct fsc_span lines[] = {
		{ "203.0.113.9", 11 },
		{ "198.51.100.1, 192.0.2.60:1234", 29 },
	};
	fsc_xff_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_parse_lines(lines, 2, &l, &why), FSC_OK);
	assert_int_equal(l.n, 3);
	assert_string_equal(fsc_addr_str(&arr[0].addr, buf), "203.0.113.9");
	assert_string_equal(fsc_addr_str(&arr[2].addr, buf), "192.0.2.60");
	assert_int_equal(arr[2].port, 1234);

	/* Room for two: the first two kept, all three counted. */
	fsc_xff_list_init(&l, arr, 2);
	assert_int_equal(fsc_xff_parse_lines(lines, 2, &l, &why), FSC_MALFORMED);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.total, 3);
}

struct fwd_case {
	const char *in;
	size_t n;		/* elements */
	enum fsc_status st0;	/* status of element 0 */
	const char *why;	/* substring of its reason */
};

static void forwarded_rfc7239_examples(void **state)
{
	(void)state;
	struct fsc_xff_fwd_elem arr[8];
	struct fsc_xff_fwd_list l;
	const char *why;
	char buf[FSC_ADDR_STRLEN];

	/* RFC 7239 §4 and §7.4 examples. */
	const char *a = "for=\"_gazonk\"";
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse(U8(a), strlen(a), &l, &why), FSC_OK);
	assert_int_equal(l.n, 1);
	assert_int_equal(arr[0].status, FSC_OK);
	assert_true(arr[0].for_.quoted);
	assert_int_equal(arr[0].for_node.kind, FSC_XFF_OBFUSCATED);
	assert_int_equal(arr[0].for_node.len, 7);

	const char *b = "For=\"[2001:db8:cafe::17]:4711\"";
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse(U8(b), strlen(b), &l, &why), FSC_OK);
	assert_int_equal(arr[0].status, FSC_OK);
	assert_int_equal(arr[0].for_node.kind, FSC_XFF_V6);
	assert_true(arr[0].for_node.bracketed);
	assert_string_equal(fsc_addr_str(&arr[0].for_node.addr, buf), "2001:db8:cafe::17");
	assert_int_equal(arr[0].for_node.port, 4711);

	const char *c = "for=192.0.2.60;proto=http;by=203.0.113.43";
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse(U8(c), strlen(c), &l, &why), FSC_OK);
	assert_int_equal(arr[0].status, FSC_OK);
	assert_int_equal(arr[0].n_params, 3);
	assert_string_equal(fsc_addr_str(&arr[0].for_node.addr, buf), "192.0.2.60");
	assert_string_equal(fsc_addr_str(&arr[0].by_node.addr, buf), "203.0.113.43");
	assert_int_equal(arr[0].proto.len, 4);
	assert_memory_equal(arr[0].proto.p, "http", 4);
	assert_false(arr[0].host.present);
	assert_int_equal(arr[0].len, strlen(c));

	const char *d = "for=192.0.2.43, for=198.51.100.17";
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse(U8(d), strlen(d), &l, &why), FSC_OK);
	assert_int_equal(l.n, 2);
	assert_int_equal(arr[0].len, 14);
	assert_string_equal(fsc_addr_str(&arr[1].for_node.addr, buf), "198.51.100.17");
	every_prefix_inside(a);
	every_prefix_inside(b);
	every_prefix_inside(c);
	every_prefix_inside(d);

	/* Quoted IPv4 with port, obfuscated port, unknown, host, escapes. */
	const char *e = "for=\"192.0.2.7:8080\";host=\"example.com:8443\", "
			"for=\"_hidden:_port1\";by=unknown, "
			"for=\"\\[2001:db8::1\\]:80\";secret=x";
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse(U8(e), strlen(e), &l, &why), FSC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(l.malformed, 0);
	assert_int_equal(arr[0].for_node.port, 8080);
	assert_true(arr[0].host.quoted);
	assert_int_equal(arr[0].host.len, 16);
	assert_int_equal(arr[1].for_node.kind, FSC_XFF_OBFUSCATED);
	assert_int_equal(arr[1].for_node.obfport_len, 6);
	assert_memory_equal(arr[1].for_node.obfport, "_port1", 6);
	assert_int_equal(arr[1].by_node.kind, FSC_XFF_UNKNOWN);
	assert_true(arr[2].for_.escaped);
	assert_int_equal(arr[2].for_node.kind, FSC_XFF_V6);
	assert_int_equal(arr[2].for_node.port, 80);
	assert_int_equal(arr[2].n_unknown, 1);
	char un[64];
	assert_int_equal(fsc_xff_fwd_unquote(&arr[2].for_, un, sizeof(un)), 16);
	assert_string_equal(un, "[2001:db8::1]:80");
	assert_int_equal(fsc_xff_fwd_unquote(&arr[2].for_, un, 5), 16);
	assert_string_equal(un, "[200");
	every_prefix_inside(e);

	/* OWS around ';' and ',', several lines, empty elements. */
	const struct fsc_span lines[] = {
		{ "for=1.2.3.4 ; proto=https ,, ", 29 },
		{ ";", 1 },
		{ "for=5.6.7.8", 11 },
	};
	fsc_xff_fwd_list_init(&l, arr, 8);
	assert_int_equal(fsc_xff_fwd_parse_lines(lines, 3, &l, &why), FSC_OK);
	assert_int_equal(l.n, 3);
	assert_int_equal(arr[0].status, FSC_OK);
	assert_memory_equal(arr[0].proto.p, "https", 5);
	assert_int_equal(arr[0].len, 25);
	assert_int_equal(arr[1].n_params, 0);
	assert_string_equal(fsc_addr_str(&arr[2].for_node.addr, buf), "5.6.7.8");
}

static void forwarded_malformed(void **state)
{
	(void)state;
	static const struct fwd_case t[] = {
		{ "for=192.0.2.60;for=192.0.2.61", 1, FSC_MALFORMED, "repeated" },
		{ "for=192.0.2.60;FOR=192.0.2.61, for=1.1.1.1", 2, FSC_MALFORMED, "repeated" },
		{ "for=[2001:db8::1]", 1, FSC_MALFORMED, "neither token" },
		{ "for=\"2001:db8::1\"", 1, FSC_MALFORMED, "without brackets" },
		{ "for=192.0.2.60:80", 1, FSC_MALFORMED, "junk after value" },
		{ "for=\"192.0.2.60:99999\"", 1, FSC_MALFORMED, "bad node port" },
		{ "for=\"192.0.2.60:\"", 1, FSC_MALFORMED, "bad node port" },
		{ "for=\"[2001:db8::1]x\"", 1, FSC_MALFORMED, "junk after ']'" },
		{ "for=\"[2001:db8::1\"", 1, FSC_MALFORMED, "without ']'" },
		{ "for=\"[fe80::1%eth0]\"", 1, FSC_MALFORMED, "inside brackets" },
		{ "for=\"\"", 1, FSC_MALFORMED, "empty node" },
		{ "for=_", 1, FSC_MALFORMED, "not a node" },
		{ "for=bad!, for=1.2.3.4", 2, FSC_MALFORMED, "not a node" },
		{ "by=300.1.1.1", 1, FSC_MALFORMED, "not a node" },
		{ "proto=ht_tp", 1, FSC_MALFORMED, "URI scheme" },
		{ "proto=\"h\\ttp\"", 1, FSC_MALFORMED, "URI scheme" },
		{ "for", 1, FSC_MALFORMED, "without '='" },
		{ "for =1.2.3.4, for=5.6.7.8", 2, FSC_MALFORMED, "without '='" },
		{ "=x", 1, FSC_MALFORMED, "not a token" },
		{ "for=", 1, FSC_MALFORMED, "neither token" },
		{ "for=\"unterminated, for=1.2.3.4", 1, FSC_MALFORMED, "unterminated" },
		{ "for=\"a\\", 1, FSC_MALFORMED, "unterminated" },
		{ "for=\"a\x01\"", 1, FSC_MALFORMED, "control" },
		{ "for=\"a\\\x01\"", 1, FSC_MALFORMED, "control" }, /* fuzz: quoted-pair of a CTL */
		{ "for=\"x,y\";by=\"1.2.3.4\" z, for=1.2.3.4", 2, FSC_MALFORMED, "junk after value" },
	};
	struct fsc_xff_fwd_elem arr[8];
	struct fsc_xff_fwd_list l;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		size_t len = strlen(t[i].in);
		uint8_t *g = vec_guard(U8(t[i].in), len);
		fsc_xff_fwd_list_init(&l, arr, 8);
		assert_int_equal(fsc_xff_fwd_parse(g, len, &l, &why), FSC_OK);
		if (l.n != t[i].n || arr[0].status != t[i].st0 ||
		    (arr[0].why && strstr(arr[0].why, t[i].why) == NULL))
			fail_msg("%zu '%s': %zu elements, %s '%s'", i, t[i].in, l.n,
				 fsc_status_name(arr[0].status), arr[0].why ? arr[0].why : "");
		assert_non_null(arr[0].why);
		if (t[i].n == 2) /* the element after a bad one still parses */
			assert_int_equal(arr[1].status, FSC_OK);
		vec_guard_free(g, len);
		every_prefix_inside(t[i].in);
	}
}

/* Lists mixing every form, at every length. */
static void prefixes_stay_inside(void **state)
{
	(void)state;
	every_prefix_inside(" 66.249.72.211:80, [2001:db8::1]:443 ,fe80::1%eth0, unknown");
	every_prefix_inside("for=\"[2001:db8::1]:80\";proto=https;by=_x, for=\"a\\\"b\";host=h");
	every_prefix_inside("for=\"_hidden:_port1\";by=\"[fe80::1]:_p\", for=unknown;secret=\"x\\\\\"");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(xff_elements),
		cmocka_unit_test(zone_every_byte),
		cmocka_unit_test(xff_lists),
		cmocka_unit_test(forwarded_rfc7239_examples),
		cmocka_unit_test(forwarded_malformed),
		cmocka_unit_test(prefixes_stay_inside),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
