/* test_tsaddr.c - address classes, 4to6/4via6 arithmetic, prefix text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/addr.h"
#include "fsc/tsaddr.h"
#include "vectors.h"

static struct fsc_addr A(const char *s)
{
	struct fsc_addr a;

	if (!fsc_addr_parse(s, &a))
		fail_msg("test literal does not parse: %s", s);
	return a;
}

/* Every listed range: its first and last address and one just outside
 * each end (which falls in the enclosing range). */
static const struct {
	const char *addr;
	enum fsc_tsaddr_class cls;
} cases[] = {
	/* 0.0.0.0/8 and 0.0.0.0/32 */
	{ "0.0.0.0", FSC_TSADDR_UNSPECIFIED },
	{ "0.0.0.1", FSC_TSADDR_RESERVED },
	{ "0.255.255.255", FSC_TSADDR_RESERVED },
	{ "1.0.0.0", FSC_TSADDR_PUBLIC },
	/* 10/8 */
	{ "9.255.255.255", FSC_TSADDR_PUBLIC },
	{ "10.0.0.0", FSC_TSADDR_PRIVATE },
	{ "10.255.255.255", FSC_TSADDR_PRIVATE },
	{ "11.0.0.0", FSC_TSADDR_PUBLIC },
	/* 100.64/10 */
	{ "100.63.255.255", FSC_TSADDR_PUBLIC },
	{ "100.64.0.0", FSC_TSADDR_CGNAT },
	{ "100.127.255.255", FSC_TSADDR_CGNAT },
	{ "100.128.0.0", FSC_TSADDR_PUBLIC },
	/* 100.115.92.0/23 ChromeOS */
	{ "100.115.91.255", FSC_TSADDR_CGNAT },
	{ "100.115.92.0", FSC_TSADDR_CHROMEOS },
	{ "100.115.93.255", FSC_TSADDR_CHROMEOS },
	{ "100.115.94.0", FSC_TSADDR_CGNAT },
	/* 100.100.100.100 */
	{ "100.100.100.99", FSC_TSADDR_CGNAT },
	{ "100.100.100.100", FSC_TSADDR_SERVICE },
	{ "100.100.100.101", FSC_TSADDR_CGNAT },
	/* 127/8, 127.3.3.40 */
	{ "126.255.255.255", FSC_TSADDR_PUBLIC },
	{ "127.0.0.0", FSC_TSADDR_LOOPBACK },
	{ "127.255.255.255", FSC_TSADDR_LOOPBACK },
	{ "128.0.0.0", FSC_TSADDR_PUBLIC },
	{ "127.3.3.39", FSC_TSADDR_LOOPBACK },
	{ "127.3.3.40", FSC_TSADDR_DERP_MAGIC },
	{ "127.3.3.41", FSC_TSADDR_LOOPBACK },
	/* 169.254/16 */
	{ "169.253.255.255", FSC_TSADDR_PUBLIC },
	{ "169.254.0.0", FSC_TSADDR_LINK_LOCAL },
	{ "169.254.255.255", FSC_TSADDR_LINK_LOCAL },
	{ "169.255.0.0", FSC_TSADDR_PUBLIC },
	/* 172.16/12 */
	{ "172.15.255.255", FSC_TSADDR_PUBLIC },
	{ "172.16.0.0", FSC_TSADDR_PRIVATE },
	{ "172.31.255.255", FSC_TSADDR_PRIVATE },
	{ "172.32.0.0", FSC_TSADDR_PUBLIC },
	/* 192.0.2/24 */
	{ "192.0.1.255", FSC_TSADDR_PUBLIC },
	{ "192.0.2.0", FSC_TSADDR_DOCUMENTATION },
	{ "192.0.2.255", FSC_TSADDR_DOCUMENTATION },
	{ "192.0.3.0", FSC_TSADDR_PUBLIC },
	/* 192.168/16 */
	{ "192.167.255.255", FSC_TSADDR_PUBLIC },
	{ "192.168.0.0", FSC_TSADDR_PRIVATE },
	{ "192.168.255.255", FSC_TSADDR_PRIVATE },
	{ "192.169.0.0", FSC_TSADDR_PUBLIC },
	/* 198.18/15 */
	{ "198.17.255.255", FSC_TSADDR_PUBLIC },
	{ "198.18.0.0", FSC_TSADDR_BENCHMARK },
	{ "198.19.255.255", FSC_TSADDR_BENCHMARK },
	{ "198.20.0.0", FSC_TSADDR_PUBLIC },
	/* 198.51.100/24 */
	{ "198.51.99.255", FSC_TSADDR_PUBLIC },
	{ "198.51.100.0", FSC_TSADDR_DOCUMENTATION },
	{ "198.51.100.255", FSC_TSADDR_DOCUMENTATION },
	{ "198.51.101.0", FSC_TSADDR_PUBLIC },
	/* 203.0.113/24 */
	{ "203.0.112.255", FSC_TSADDR_PUBLIC },
	{ "203.0.113.0", FSC_TSADDR_DOCUMENTATION },
	{ "203.0.113.255", FSC_TSADDR_DOCUMENTATION },
	{ "203.0.114.0", FSC_TSADDR_PUBLIC },
	/* 224/4, 240/4 */
	{ "223.255.255.255", FSC_TSADDR_PUBLIC },
	{ "224.0.0.0", FSC_TSADDR_MULTICAST },
	{ "239.255.255.255", FSC_TSADDR_MULTICAST },
	{ "240.0.0.0", FSC_TSADDR_RESERVED },
	{ "255.255.255.255", FSC_TSADDR_RESERVED },
	/* IPv6 ::, ::1, 2000::/3 */
	{ "::", FSC_TSADDR_UNSPECIFIED },
	{ "::1", FSC_TSADDR_LOOPBACK },
	{ "::2", FSC_TSADDR_RESERVED },
	{ "1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_RESERVED },
	{ "2000::", FSC_TSADDR_PUBLIC },
	{ "3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_PUBLIC },
	{ "4000::", FSC_TSADDR_RESERVED },
	/* 2001:db8::/32 */
	{ "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_PUBLIC },
	{ "2001:db8::", FSC_TSADDR_DOCUMENTATION },
	{ "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_DOCUMENTATION },
	{ "2001:db9::", FSC_TSADDR_PUBLIC },
	/* fc00::/7 */
	{ "fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_RESERVED },
	{ "fc00::", FSC_TSADDR_ULA },
	{ "fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_ULA },
	{ "fe00::", FSC_TSADDR_RESERVED },
	/* fd7a:115c:a1e0::/48 */
	{ "fd7a:115c:a1df:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_ULA },
	{ "fd7a:115c:a1e0::", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e0:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e1::", FSC_TSADDR_ULA },
	/* fd7a:115c:a1e0::53 */
	{ "fd7a:115c:a1e0::52", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e0::53", FSC_TSADDR_SERVICE },
	{ "fd7a:115c:a1e0::54", FSC_TSADDR_TS_ULA },
	/* 4to6 /104 */
	{ "fd7a:115c:a1e0:ab12:4843:cd96:61ff:ffff", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e0:ab12:4843:cd96:6200:0", FSC_TSADDR_4TO6 },
	{ "fd7a:115c:a1e0:ab12:4843:cd96:62ff:ffff", FSC_TSADDR_4TO6 },
	{ "fd7a:115c:a1e0:ab12:4843:cd96:6300:0", FSC_TSADDR_TS_ULA },
	/* 4via6 /64 */
	{ "fd7a:115c:a1e0:b19:ffff:ffff:ffff:ffff", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e0:b1a::", FSC_TSADDR_4VIA6 },
	{ "fd7a:115c:a1e0:b1a:ffff:ffff:ffff:ffff", FSC_TSADDR_4VIA6 },
	{ "fd7a:115c:a1e0:b1b::", FSC_TSADDR_TS_ULA },
	/* ephemeral /64 */
	{ "fd7a:115c:a1e0:efe2:ffff:ffff:ffff:ffff", FSC_TSADDR_TS_ULA },
	{ "fd7a:115c:a1e0:efe3::", FSC_TSADDR_EPHEMERAL },
	{ "fd7a:115c:a1e0:efe3:ffff:ffff:ffff:ffff", FSC_TSADDR_EPHEMERAL },
	{ "fd7a:115c:a1e0:efe4::", FSC_TSADDR_TS_ULA },
	/* fe80::/10 */
	{ "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_RESERVED },
	{ "fe80::", FSC_TSADDR_LINK_LOCAL },
	{ "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_LINK_LOCAL },
	{ "fec0::", FSC_TSADDR_RESERVED },
	/* ff00::/8 */
	{ "feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_RESERVED },
	{ "ff00::", FSC_TSADDR_MULTICAST },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", FSC_TSADDR_MULTICAST },
	/* IPv4-mapped: classified as the IPv4 inside */
	{ "::ffff:10.1.2.3", FSC_TSADDR_PRIVATE },
	{ "::ffff:100.104.208.43", FSC_TSADDR_CGNAT },
	{ "::ffff:0.0.0.0", FSC_TSADDR_UNSPECIFIED },
	{ "::ffff:8.8.8.8", FSC_TSADDR_PUBLIC },
	/* one bit off the mapped prefix: not mapped */
	{ "::fffe:a01:203", FSC_TSADDR_RESERVED },
	{ "::1:ffff:a01:203", FSC_TSADDR_RESERVED },
};

static void every_range(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fsc_addr a = A(cases[i].addr);
		struct fsc_tsaddr_info info;

		fsc_tsaddr_classify(&a, &info);
		if (info.cls != cases[i].cls)
			fail_msg("%s: got %s, want %s", cases[i].addr,
				 fsc_tsaddr_class_name(info.cls),
				 fsc_tsaddr_class_name(cases[i].cls));
		assert_int_equal(info.mapped,
				 strncmp(cases[i].addr, "::ffff:", 7) == 0);
	}
}

static void none_and_names(void **state)
{
	(void)state;
	struct fsc_addr a;
	struct fsc_tsaddr_info info;
	char buf[64];

	memset(&a, 0, sizeof(a));
	fsc_tsaddr_classify(&a, &info);
	assert_int_equal(info.cls, FSC_TSADDR_NONE);
	assert_string_equal(fsc_tsaddr_describe(&info, buf, sizeof(buf)), "no address");
	a.family = 5; /* garbage family: not classified */
	fsc_tsaddr_classify(&a, &info);
	assert_int_equal(info.cls, FSC_TSADDR_NONE);

	/* Every class has a distinct token. */
	for (int i = 0; i < FSC_TSADDR_CLASS_COUNT; i++) {
		assert_string_not_equal(fsc_tsaddr_class_name(i), "?");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(fsc_tsaddr_class_name(i),
						fsc_tsaddr_class_name(j));
	}
	assert_string_equal(fsc_tsaddr_class_name(FSC_TSADDR_CLASS_COUNT), "?");
	assert_string_equal(fsc_tsaddr_class_name(FSC_TSADDR_4TO6), "4to6");
	assert_string_equal(fsc_tsaddr_class_name(FSC_TSADDR_TS_ULA), "tailscale-ula");
	info.cls = FSC_TSADDR_CLASS_COUNT;
	assert_string_equal(fsc_tsaddr_describe(&info, buf, sizeof(buf)), "?");
}

static void describe_phrases(void **state)
{
	(void)state;
	static const struct {
		const char *addr, *phrase;
	} d[] = {
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", "4to6 of 100.104.208.43" },
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6201:203",
		  "4to6 of 100.1.2.3 (outside 100.64.0.0/10)" },
		{ "fd7a:115c:a1e0:b1a:0:7:a01:203", "4via6 site 7 of 10.1.2.3" },
		{ "fd7a:115c:a1e0:b1a:1:0:a01:203",
		  "4via6 site 65536 of 10.1.2.3 (reserved site id)" },
		{ "100.104.208.43", "Tailscale CGNAT" },
		{ "100.100.100.100", "MagicDNS service" },
		{ "fd7a:115c:a1e0::53", "MagicDNS service" },
		{ "127.3.3.40", "DERP magic address" },
		{ "fd7a:115c:a1e0::1234", "Tailscale ULA (not derivable)" },
		{ "fd7a:115c:a1e0:efe3::1", "Tailscale ephemeral node (not derivable)" },
		{ "10.0.0.1", "RFC 1918 private" },
		{ "::ffff:10.0.0.1", "RFC 1918 private (IPv4-mapped)" },
		{ "100.115.92.1", "ChromeOS VM range (not Tailscale)" },
		{ "198.18.0.1", "benchmarking range (RFC 2544)" },
		{ "fd00::1", "unique local (not Tailscale)" },
		{ "8.8.8.8", "public address" },
	};
	char buf[96];

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		struct fsc_addr a = A(d[i].addr);
		struct fsc_tsaddr_info info;

		fsc_tsaddr_classify(&a, &info);
		assert_string_equal(fsc_tsaddr_describe(&info, buf, sizeof(buf)), d[i].phrase);
	}
	/* A short buffer truncates, NUL-terminated. */
	struct fsc_addr a = A("fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	struct fsc_tsaddr_info info;
	fsc_tsaddr_classify(&a, &info);
	memset(buf, 'x', sizeof(buf));
	fsc_tsaddr_describe(&info, buf, 5);
	assert_string_equal(buf, "4to6");
	assert_int_equal(buf[5], 'x');
}

static void peers(void **state)
{
	(void)state;
	struct fsc_tsaddr_info info;
	char s[FSC_ADDR_STRLEN];
	struct fsc_addr a;

	/* The protocols.md §8 example, both ways. */
	a = A("fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	fsc_tsaddr_classify(&a, &info);
	assert_string_equal(fsc_addr_str(&info.peer, s), "100.104.208.43");
	a = A("100.104.208.43");
	fsc_tsaddr_classify(&a, &info);
	assert_string_equal(fsc_addr_str(&info.peer, s),
			    "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	/* Mapped input: peer of the IPv4 inside, addr is the IPv4. */
	a = A("::ffff:100.104.208.43");
	fsc_tsaddr_classify(&a, &info);
	assert_true(info.mapped);
	assert_string_equal(fsc_addr_str(&info.addr, s), "100.104.208.43");
	assert_string_equal(fsc_addr_str(&info.peer, s),
			    "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b");
	/* 4via6: site id is u32 big-endian in bytes 8..11. */
	a = A("fd7a:115c:a1e0:b1a:102:304:c0a8:101");
	fsc_tsaddr_classify(&a, &info);
	assert_int_equal(info.site, 0x01020304);
	assert_string_equal(fsc_addr_str(&info.peer, s), "192.168.1.1");
	/* Service addresses point at each other. */
	a = A("100.100.100.100");
	fsc_tsaddr_classify(&a, &info);
	assert_string_equal(fsc_addr_str(&info.peer, s), "fd7a:115c:a1e0::53");
	a = A("fd7a:115c:a1e0::53");
	fsc_tsaddr_classify(&a, &info);
	assert_string_equal(fsc_addr_str(&info.peer, s), "100.100.100.100");
	/* Not derivable, not Tailscale: no peer. */
	const char *none[] = { "fd7a:115c:a1e0::1234", "fd7a:115c:a1e0:efe3::1", "8.8.8.8",
			       "127.3.3.40", "100.115.92.1" };
	for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++) {
		a = A(none[i]);
		fsc_tsaddr_classify(&a, &info);
		assert_int_equal(info.peer.family, 0);
	}
}

static void arithmetic(void **state)
{
	(void)state;
	struct fsc_addr v4, v6, out;
	char s[FSC_ADDR_STRLEN];
	uint32_t site = 0;

	/* Round trip over the corners of 100.0.0.0/8. */
	const char *v4s[] = { "100.0.0.0", "100.255.255.255", "100.64.0.0", "100.127.255.255" };
	for (size_t i = 0; i < 4; i++) {
		v4 = A(v4s[i]);
		assert_true(fsc_tsaddr_4to6(&v4, &v6));
		assert_true(fsc_tsaddr_6to4(&v6, &out));
		assert_true(fsc_addr_eq(&v4, &out));
	}
	v4 = A("100.0.0.0");
	fsc_tsaddr_4to6(&v4, &v6);
	assert_string_equal(fsc_addr_str(&v6, s), "fd7a:115c:a1e0:ab12:4843:cd96:6200:0");
	/* Outside the domains: false, output untouched. */
	memset(&out, 0xee, sizeof(out));
	v4 = A("101.0.0.0");
	assert_false(fsc_tsaddr_4to6(&v4, &out));
	v4 = A("99.255.255.255");
	assert_false(fsc_tsaddr_4to6(&v4, &out));
	v6 = A("fd7a:115c:a1e0:ab12:4843:cd96:6300:0");
	assert_false(fsc_tsaddr_6to4(&v6, &out));
	v6 = A("::ffff:100.1.2.3"); /* a v6 address is never taken as v4 */
	assert_false(fsc_tsaddr_4to6(&v6, &out));
	v4 = A("100.1.2.3");
	assert_false(fsc_tsaddr_6to4(&v4, &out));
	assert_false(fsc_tsaddr_via(7, &v6, &out));
	assert_false(fsc_tsaddr_unvia(&v4, &site, &out));
	v6 = A("fd7a:115c:a1e0:b1b::");
	assert_false(fsc_tsaddr_unvia(&v6, &site, &out));
	assert_int_equal(out.family, 0xee);
	/* 4via6 both ways; the largest site id survives. */
	v4 = A("10.1.2.3");
	assert_true(fsc_tsaddr_via(7, &v4, &v6));
	assert_string_equal(fsc_addr_str(&v6, s), "fd7a:115c:a1e0:b1a:0:7:a01:203");
	assert_true(fsc_tsaddr_via(0xffffffffu, &v4, &v6));
	assert_true(fsc_tsaddr_unvia(&v6, &site, &out));
	assert_true(site == 0xffffffffu);
	assert_true(fsc_addr_eq(&v4, &out));
}

/*
 * s[0..len) at every length through the guard page: no read past the end,
 * and whatever is OK prints back as the very bytes it was parsed from.
 * The whole is `want`.
 */
static void prefix_every_length(const char *s, enum fsc_status want)
{
	size_t len = strlen(s);
	char buf[FSC_PREFIX_STRLEN];

	for (size_t n = 0; n <= len; n++) {
		uint8_t *g = vec_guard((const uint8_t *)s, n);
		struct fsc_prefix p;
		const char *why = NULL;
		enum fsc_status st = fsc_tsaddr_parse_prefix((const char *)g, n, &p, &why);

		if (n == len && st != want)
			fail_msg("'%s': %s (%s)", s, fsc_status_name(st), why ? why : "");
		if (st == FSC_OK) {
			fsc_prefix_str(&p, buf);
			if (strlen(buf) != n || memcmp(buf, s, n) != 0)
				fail_msg("'%.*s' parsed as %s", (int)n, s, buf);
		} else if ((st != FSC_NOT_THIS && st != FSC_MALFORMED) || !why) {
			fail_msg("'%.*s': %s without a reason", (int)n, s, fsc_status_name(st));
		}
		vec_guard_free(g, n);
	}
}

static void prefix_good(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		unsigned len;
		enum fsc_tsaddr_class cls;
	} g[] = {
		{ "0.0.0.0/0", 0, FSC_TSADDR_PUBLIC },
		{ "::/0", 0, FSC_TSADDR_RESERVED },
		{ "1.2.3.4/32", 32, FSC_TSADDR_PUBLIC },
		{ "100.64.0.0/10", 10, FSC_TSADDR_CGNAT },
		{ "100.0.0.0/8", 8, FSC_TSADDR_PUBLIC },
		{ "100.115.92.0/23", 23, FSC_TSADDR_CHROMEOS },
		{ "100.115.92.0/22", 22, FSC_TSADDR_CGNAT },
		{ "10.1.2.0/24", 24, FSC_TSADDR_PRIVATE },
		{ "fd7a:115c:a1e0::/48", 48, FSC_TSADDR_TS_ULA },
		{ "fd7a:115c:a1e0::/47", 47, FSC_TSADDR_ULA },
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6240:0/106", 106, FSC_TSADDR_4TO6 },
		{ "2001:db8::/32", 32, FSC_TSADDR_DOCUMENTATION },
		{ "2001:db8::/31", 31, FSC_TSADDR_PUBLIC },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 128, FSC_TSADDR_MULTICAST },
	};
	char buf[FSC_PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
		struct fsc_prefix p;
		const char *why = NULL;

		if (fsc_tsaddr_parse_prefix(g[i].in, strlen(g[i].in), &p, &why) != FSC_OK)
			fail_msg("%s: %s", g[i].in, why);
		assert_int_equal(p.len, g[i].len);
		assert_string_equal(fsc_prefix_str(&p, buf), g[i].in);
		assert_int_equal(fsc_tsaddr_classify_prefix(&p), g[i].cls);
		prefix_every_length(g[i].in, FSC_OK);
	}
	/* Length comes from n, not from a NUL: "10.0.0.0/8" inside more text. */
	struct fsc_prefix p;
	const char *why;
	assert_int_equal(fsc_tsaddr_parse_prefix("10.0.0.0/8 and more", 10, &p, &why), FSC_OK);
	assert_int_equal(p.len, 8);
	assert_int_equal(fsc_tsaddr_parse_prefix("10.0.0.0/88", 10, &p, &why), FSC_OK);
	/* Contains */
	struct fsc_addr in = A("100.127.0.1"), out = A("100.128.0.1"), v6 = A("::1");
	fsc_tsaddr_parse_prefix("100.64.0.0/10", 13, &p, &why);
	assert_true(fsc_prefix_contains(&p, &in));
	assert_false(fsc_prefix_contains(&p, &out));
	assert_false(fsc_prefix_contains(&p, &v6));
}

static void prefix_bad(void **state)
{
	(void)state;
	static const struct {
		const char *in;
		enum fsc_status st;
		const char *why;
	} b[] = {
		{ "", FSC_NOT_THIS, "no '/' prefix length" },
		{ "10.0.0.0", FSC_NOT_THIS, "no '/' prefix length" },
		{ "/", FSC_MALFORMED, "address missing before '/'" },
		{ "/24", FSC_MALFORMED, "address missing before '/'" },
		{ "10.0.0.0/", FSC_MALFORMED, "prefix length missing after '/'" },
		{ "10.0.0.0/33", FSC_MALFORMED, "prefix length above 32 for IPv4" },
		{ "10.0.0.0/4294967304", FSC_MALFORMED, "prefix length above 32 for IPv4" },
		{ "::/129", FSC_MALFORMED, "prefix length above 128 for IPv6" },
		{ "::/1000", FSC_MALFORMED, "prefix length above 128 for IPv6" },
		{ "10.0.0.0/08", FSC_MALFORMED, "prefix length has a leading zero" },
		{ "10.0.0.0/00", FSC_MALFORMED, "prefix length has a leading zero" },
		{ "10.0.0.0/+8", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ "10.0.0.0/-1", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ "10.0.0.0/8a", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ "10.0.0.0/ 8", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ "10.0.0.0/8 ", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ "10.0.0.0/8/8", FSC_MALFORMED, "prefix length is not a decimal number" },
		{ " 10.0.0.0/8", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "1.2.3/8", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "256.0.0.0/8", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "fd7a::g/64", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "[::1]/128", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "fe80::1%eth0/64", FSC_MALFORMED, "not an IPv4 or IPv6 address before '/'" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/8", FSC_MALFORMED,
		  "address too long" },
		{ "10.0.0.1/8", FSC_MALFORMED, "host bits set past the prefix length" },
		{ "100.64.0.0/9", FSC_MALFORMED, "host bits set past the prefix length" },
		{ "fd7a:115c:a1e0::1/48", FSC_MALFORMED, "host bits set past the prefix length" },
	};

	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct fsc_prefix p;
		const char *why = NULL;
		enum fsc_status st = fsc_tsaddr_parse_prefix(b[i].in, strlen(b[i].in), &p, &why);

		if (st != b[i].st || !why || strcmp(why, b[i].why) != 0)
			fail_msg("'%s': got %s '%s', want %s '%s'", b[i].in,
				 fsc_status_name(st), why ? why : "(null)",
				 fsc_status_name(b[i].st), b[i].why);
		prefix_every_length(b[i].in, b[i].st);
	}
	/* Host bits: the masked prefix comes back for a suggestion. */
	struct fsc_prefix p;
	const char *why;
	char buf[FSC_PREFIX_STRLEN];
	fsc_tsaddr_parse_prefix("10.1.2.3/8", 10, &p, &why);
	assert_string_equal(fsc_prefix_str(&p, buf), "10.0.0.0/8");
	/* Every prefix of a good input is either OK or a clean failure; read
	 * through a guard page so an over-read faults. */
	const char *good = "fd7a:115c:a1e0:ab12:4843:cd96:6240:0/106";
	for (size_t n = 0; n <= strlen(good); n++) {
		uint8_t *g = vec_guard((const uint8_t *)good, n);
		enum fsc_status st = fsc_tsaddr_parse_prefix((const char *)g, n, &p, &why);
		/* '/' is at 36: before it no prefix; "/", "/1", "/10" leave
		 * host bits set or no length; only the whole string is OK. */
		enum fsc_status want = n <= 36 ? FSC_NOT_THIS :
				       n < strlen(good) ? FSC_MALFORMED : FSC_OK;
		assert_int_equal(st, want);
		vec_guard_free(g, n);
	}
}

static void prefix_map(void **state)
{
	(void)state;
	static const struct {
		const char *v4, *v6;
	} m[] = {
		{ "100.64.0.0/10", "fd7a:115c:a1e0:ab12:4843:cd96:6240:0/106" },
		{ "100.0.0.0/8", "fd7a:115c:a1e0:ab12:4843:cd96:6200:0/104" },
		{ "100.104.208.43/32", "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b/128" },
		{ "100.104.208.0/24", "fd7a:115c:a1e0:ab12:4843:cd96:6268:d000/120" },
	};
	char buf[FSC_PREFIX_STRLEN];
	const char *why;

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		struct fsc_prefix a, b, c;
		assert_int_equal(fsc_tsaddr_parse_prefix(m[i].v4, strlen(m[i].v4), &a, &why), FSC_OK);
		assert_true(fsc_tsaddr_prefix_4to6(&a, &b, &why));
		assert_string_equal(fsc_prefix_str(&b, buf), m[i].v6);
		assert_true(fsc_tsaddr_prefix_6to4(&b, &c, &why));
		assert_string_equal(fsc_prefix_str(&c, buf), m[i].v4);
	}
	/* protocols.md §8: site 7, 10.1.2.0/24 -> .../120, and back. */
	struct fsc_prefix v4, v6, back;
	uint32_t site = 0;
	fsc_tsaddr_parse_prefix("10.1.2.0/24", 11, &v4, &why);
	assert_true(fsc_tsaddr_prefix_via(7, &v4, &v6, &why));
	assert_string_equal(fsc_prefix_str(&v6, buf), "fd7a:115c:a1e0:b1a:0:7:a01:200/120");
	assert_true(fsc_tsaddr_prefix_unvia(&v6, &site, &back, &why));
	assert_int_equal(site, 7);
	assert_string_equal(fsc_prefix_str(&back, buf), "10.1.2.0/24");

	static const struct {
		const char *in, *why;
		int dir; /* 0: 4to6, 1: 6to4, 2: via, 3: unvia */
	} bad[] = {
		{ "100.0.0.0/7", "wider than 100.0.0.0/8: only 100.x prefixes have a 4to6 form", 0 },
		{ "10.0.0.0/8", "not inside 100.0.0.0/8: only 100.x prefixes have a 4to6 form", 0 },
		{ "fd7a::/16", "not an IPv4 prefix", 0 },
		{ "fd7a::/16", "wider than the 4to6 range /104", 1 },
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6200:0/103", "wider than the 4to6 range /104", 1 },
		{ "fd7a:115c:a1e0:ab12:4843:cd96:6300:0/104",
		  "not inside the 4to6 range fd7a:115c:a1e0:ab12:4843:cd96:6200::/104", 1 },
		{ "2001:db8::/32",
		  "not inside the 4to6 range fd7a:115c:a1e0:ab12:4843:cd96:6200::/104", 1 },
		{ "100.64.0.0/10", "not an IPv6 prefix", 1 },
		{ "fd7a::/16", "not an IPv4 prefix", 2 },
		{ "fd7a:115c:a1e0:b1a::/64", "shorter than /96: the 4via6 site id is not whole", 3 },
		{ "fd7a:115c:a1e0:b1a:0:6::/95", "shorter than /96: the 4via6 site id is not whole", 3 },
		{ "fd7a:115c:a1e0:b1b::/96", "not inside the 4via6 range fd7a:115c:a1e0:b1a::/64", 3 },
		{ "10.0.0.0/8", "not an IPv6 prefix", 3 },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct fsc_prefix in, out;
		bool ok = true;
		why = NULL;
		if (fsc_tsaddr_parse_prefix(bad[i].in, strlen(bad[i].in), &in, &why) != FSC_OK)
			fail_msg("%s does not parse: %s", bad[i].in, why);
		switch (bad[i].dir) {
		case 0: ok = fsc_tsaddr_prefix_4to6(&in, &out, &why); break;
		case 1: ok = fsc_tsaddr_prefix_6to4(&in, &out, &why); break;
		case 2: ok = fsc_tsaddr_prefix_via(1, &in, &out, &why); break;
		default: ok = fsc_tsaddr_prefix_unvia(&in, &site, &out, &why); break;
		}
		if (ok || strcmp(why, bad[i].why) != 0)
			fail_msg("%s (%d): got %d '%s'", bad[i].in, bad[i].dir, ok, why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_range),     cmocka_unit_test(none_and_names),
		cmocka_unit_test(describe_phrases), cmocka_unit_test(peers),
		cmocka_unit_test(arithmetic),      cmocka_unit_test(prefix_good),
		cmocka_unit_test(prefix_bad),      cmocka_unit_test(prefix_map),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
