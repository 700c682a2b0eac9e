/* tsaddr.c - address classes and Tailscale 4to6 / 4via6 arithmetic.
 *
 * Follows protocols.md §8 (tailscale net/tsaddr/tsaddr.go) for the Tailscale
 * ranges and RFC 6890 / 5737 / 3849 / 2544 / 4193 for the rest.
 *
 *   4to6  fd7a:115c:a1e0:ab12:4843:cd96:62 | b  | c  | d      <-> 100.b.c.d
 *         bytes 0..12 fixed (/104)         | 13 | 14 | 15
 *
 *   4via6 fd7a:115c:a1e0:0b1a | site (u32 BE) | IPv4 a.b.c.d
 *         bytes 0..7 (/64)    | 8..11         | 12..15
 *
 * Classification is a longest-prefix match over one table; the table is the
 * only place a range is written down.
 */
#include "fsc/tsaddr.h"

#include <stdio.h>
#include <string.h>

struct range {
	uint8_t len;
	uint8_t b[16];
	enum fsc_tsaddr_class cls;
};

#define TS48 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0

/* One table a family, each in order of the first byte: a range can hold an
 * address only if its first byte is not above the address's, so a lookup
 * stops at the first range past it. */
static const struct range ranges4[] = {
	/* 0/0 is the default. */
	{ 0, { 0 }, FSC_TSADDR_PUBLIC },
	{ 8, { 0 }, FSC_TSADDR_RESERVED },
	{ 32, { 0 }, FSC_TSADDR_UNSPECIFIED },
	{ 8, { 10 }, FSC_TSADDR_PRIVATE },
	{ 10, { 100, 64 }, FSC_TSADDR_CGNAT },
	{ 23, { 100, 115, 92 }, FSC_TSADDR_CHROMEOS },
	{ 32, { 100, 100, 100, 100 }, FSC_TSADDR_SERVICE },
	{ 8, { 127 }, FSC_TSADDR_LOOPBACK },
	{ 32, { 127, 3, 3, 40 }, FSC_TSADDR_DERP_MAGIC },
	{ 16, { 169, 254 }, FSC_TSADDR_LINK_LOCAL },
	{ 12, { 172, 16 }, FSC_TSADDR_PRIVATE },
	{ 24, { 192, 0, 2 }, FSC_TSADDR_DOCUMENTATION },
	{ 16, { 192, 168 }, FSC_TSADDR_PRIVATE },
	{ 15, { 198, 18 }, FSC_TSADDR_BENCHMARK },
	{ 24, { 198, 51, 100 }, FSC_TSADDR_DOCUMENTATION },
	{ 24, { 203, 0, 113 }, FSC_TSADDR_DOCUMENTATION },
	{ 4, { 224 }, FSC_TSADDR_MULTICAST },
	{ 4, { 240 }, FSC_TSADDR_RESERVED }, /* includes 255.255.255.255 */
};

static const struct range ranges6[] = {
	/* Only 2000::/3 is global unicast. */
	{ 0, { 0 }, FSC_TSADDR_RESERVED },
	{ 128, { 0 }, FSC_TSADDR_UNSPECIFIED },
	{ 128, { [15] = 1 }, FSC_TSADDR_LOOPBACK },
	{ 3, { 0x20 }, FSC_TSADDR_PUBLIC },
	{ 32, { 0x20, 0x01, 0x0d, 0xb8 }, FSC_TSADDR_DOCUMENTATION },
	{ 7, { 0xfc }, FSC_TSADDR_ULA },
	{ 48, { TS48 }, FSC_TSADDR_TS_ULA },
	{ 104, { TS48, 0xab, 0x12, 0x48, 0x43, 0xcd, 0x96, 0x62 }, FSC_TSADDR_4TO6 },
	{ 64, { TS48, 0x0b, 0x1a }, FSC_TSADDR_4VIA6 },
	{ 64, { TS48, 0xef, 0xe3 }, FSC_TSADDR_EPHEMERAL },
	{ 128, { TS48, [15] = 0x53 }, FSC_TSADDR_SERVICE },
	{ 10, { 0xfe, 0x80 }, FSC_TSADDR_LINK_LOCAL },
	{ 8, { 0xff }, FSC_TSADDR_MULTICAST },
};

#define N_RANGES4 (sizeof(ranges4) / sizeof(ranges4[0]))
#define N_RANGES6 (sizeof(ranges6) / sizeof(ranges6[0]))

static const struct {
	const char *token;
	const char *phrase;
} class_names[FSC_TSADDR_CLASS_COUNT] = {
	[FSC_TSADDR_NONE] = { "none", "no address" },
	[FSC_TSADDR_PUBLIC] = { "public", "public address" },
	[FSC_TSADDR_CGNAT] = { "cgnat", "Tailscale CGNAT" },
	[FSC_TSADDR_CHROMEOS] = { "chromeos", "ChromeOS VM range (not Tailscale)" },
	[FSC_TSADDR_4TO6] = { "4to6", "Tailscale 4to6" },
	[FSC_TSADDR_4VIA6] = { "4via6", "Tailscale 4via6" },
	[FSC_TSADDR_EPHEMERAL] = { "ephemeral", "Tailscale ephemeral node (not derivable)" },
	[FSC_TSADDR_SERVICE] = { "service", "MagicDNS service" },
	[FSC_TSADDR_TS_ULA] = { "tailscale-ula", "Tailscale ULA (not derivable)" },
	[FSC_TSADDR_DERP_MAGIC] = { "derp-magic", "DERP magic address" },
	[FSC_TSADDR_PRIVATE] = { "private", "RFC 1918 private" },
	[FSC_TSADDR_LOOPBACK] = { "loopback", "loopback" },
	[FSC_TSADDR_LINK_LOCAL] = { "link-local", "link-local" },
	[FSC_TSADDR_DOCUMENTATION] = { "documentation", "documentation range" },
	[FSC_TSADDR_BENCHMARK] = { "benchmark", "benchmarking range (RFC 2544)" },
	[FSC_TSADDR_UNSPECIFIED] = { "unspecified", "unspecified address" },
	[FSC_TSADDR_MULTICAST] = { "multicast", "multicast" },
	[FSC_TSADDR_ULA] = { "ula", "unique local (not Tailscale)" },
	[FSC_TSADDR_RESERVED] = { "reserved", "reserved range" },
};

static const uint8_t pfx_4to6[13] = { TS48, 0xab, 0x12, 0x48, 0x43, 0xcd, 0x96, 0x62 };
static const uint8_t pfx_4via6[8] = { TS48, 0x0b, 0x1a };
static const uint8_t v6_service[16] = { TS48, [15] = 0x53 };
static const uint8_t v4_service[4] = { 100, 100, 100, 100 };

/* Do the first len bits of x and y agree? (A byte loop: at most 16 bytes,
 * and usually the first one differs.) */
static bool bits_eq(const uint8_t *x, const uint8_t *y, unsigned len)
{
	unsigned whole = len / 8, rest = len % 8;

	for (unsigned i = 0; i < whole; i++)
		if (x[i] != y[i])
			return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((x[whole] ^ y[whole]) & mask) == 0;
}

static unsigned family_bits(uint8_t family)
{
	return family == 4 ? 32 : 128;
}

/* The longest table entry holding the first `len` bits of b (len bits are
 * what the caller knows: 32/128 for an address, the prefix length else). */
static const struct range *lookup(uint8_t family, const uint8_t *b, unsigned len)
{
	const struct range *r = family == 4 ? ranges4 : ranges6;
	const struct range *end = r + (family == 4 ? N_RANGES4 : N_RANGES6);
	const struct range *best = NULL;

	for (; r < end && r->b[0] <= b[0]; r++) {
		if (r->len > len || !bits_eq(r->b, b, r->len))
			continue;
		if (!best || r->len > best->len)
			best = r;
	}
	return best;
}

static bool is_v4mapped(const struct fsc_addr *a)
{
	static const uint8_t pfx[12] = { [10] = 0xff, [11] = 0xff };
	return a->family == 6 && memcmp(a->b, pfx, 12) == 0;
}

void fsc_tsaddr_classify(const struct fsc_addr *a, struct fsc_tsaddr_info *out)
{
	memset(out, 0, sizeof(*out));
	if (a->family != 4 && a->family != 6)
		return;
	out->addr = *a;
	if (is_v4mapped(a)) {
		fsc_addr_set4(&out->addr, a->b + 12);
		out->mapped = true;
	}
	const struct range *r = lookup(out->addr.family, out->addr.b,
				       family_bits(out->addr.family));
	out->cls = r ? r->cls : FSC_TSADDR_PUBLIC;

	switch (out->cls) {
	case FSC_TSADDR_4TO6:
		fsc_tsaddr_6to4(&out->addr, &out->peer);
		break;
	case FSC_TSADDR_4VIA6:
		fsc_tsaddr_unvia(&out->addr, &out->site, &out->peer);
		break;
	case FSC_TSADDR_CGNAT:
		fsc_tsaddr_4to6(&out->addr, &out->peer);
		break;
	case FSC_TSADDR_SERVICE:
		if (out->addr.family == 4)
			fsc_addr_set6(&out->peer, v6_service);
		else
			fsc_addr_set4(&out->peer, v4_service);
		break;
	default:
		break;
	}
}

const char *fsc_tsaddr_class_name(enum fsc_tsaddr_class cls)
{
	if ((unsigned)cls >= FSC_TSADDR_CLASS_COUNT)
		return "?";
	return class_names[cls].token;
}

char *fsc_tsaddr_describe(const struct fsc_tsaddr_info *i, char *buf, size_t len)
{
	char s[FSC_ADDR_STRLEN];
	const char *tail = i->mapped ? " (IPv4-mapped)" : "";

	if (len == 0)
		return buf;
	if ((unsigned)i->cls >= FSC_TSADDR_CLASS_COUNT) {
		snprintf(buf, len, "?");
		return buf;
	}
	switch (i->cls) {
	case FSC_TSADDR_4TO6: {
		/* The /104 also holds 100.0/10 and 100.128/9, which Tailscale
		 * never hands out: say so rather than pretend. */
		struct fsc_tsaddr_info v4;
		fsc_tsaddr_classify(&i->peer, &v4);
		snprintf(buf, len, "4to6 of %s%s%s", fsc_addr_str(&i->peer, s),
			 v4.cls == FSC_TSADDR_CGNAT || v4.cls == FSC_TSADDR_SERVICE ?
				 "" : " (outside 100.64.0.0/10)", tail);
		break;
	}
	case FSC_TSADDR_4VIA6:
		snprintf(buf, len, "4via6 site %u of %s%s%s", i->site,
			 fsc_addr_str(&i->peer, s),
			 i->site > 0xffff ? " (reserved site id)" : "", tail);
		break;
	default:
		snprintf(buf, len, "%s%s", class_names[i->cls].phrase, tail);
		break;
	}
	return buf;
}

bool fsc_tsaddr_is_tailscale(enum fsc_tsaddr_class cls)
{
	switch (cls) {
	case FSC_TSADDR_CGNAT:
	case FSC_TSADDR_4TO6:
	case FSC_TSADDR_4VIA6:
	case FSC_TSADDR_EPHEMERAL:
	case FSC_TSADDR_SERVICE:
	case FSC_TSADDR_TS_ULA:
	case FSC_TSADDR_DERP_MAGIC:
		return true;
	default:
		return false;
	}
}

bool fsc_tsaddr_is_global(enum fsc_tsaddr_class cls)
{
	return cls == FSC_TSADDR_PUBLIC;
}

bool fsc_tsaddr_4to6(const struct fsc_addr *v4, struct fsc_addr *v6)
{
	uint8_t b[16];

	if (v4->family != 4 || v4->b[0] != 100)
		return false;
	memcpy(b, pfx_4to6, 13);
	memcpy(b + 13, v4->b + 1, 3);
	fsc_addr_set6(v6, b);
	return true;
}

bool fsc_tsaddr_6to4(const struct fsc_addr *v6, struct fsc_addr *v4)
{
	if (v6->family != 6 || memcmp(v6->b, pfx_4to6, 13) != 0)
		return false;
	const uint8_t b[4] = { 100, v6->b[13], v6->b[14], v6->b[15] };
	fsc_addr_set4(v4, b);
	return true;
}

bool fsc_tsaddr_via(uint32_t site, const struct fsc_addr *v4, struct fsc_addr *v6)
{
	uint8_t b[16];

	if (v4->family != 4)
		return false;
	memcpy(b, pfx_4via6, 8);
	b[8] = (uint8_t)(site >> 24);
	b[9] = (uint8_t)(site >> 16);
	b[10] = (uint8_t)(site >> 8);
	b[11] = (uint8_t)site;
	memcpy(b + 12, v4->b, 4);
	fsc_addr_set6(v6, b);
	return true;
}

bool fsc_tsaddr_unvia(const struct fsc_addr *v6, uint32_t *site, struct fsc_addr *v4)
{
	if (v6->family != 6 || memcmp(v6->b, pfx_4via6, 8) != 0)
		return false;
	*site = (uint32_t)v6->b[8] << 24 | (uint32_t)v6->b[9] << 16 |
		(uint32_t)v6->b[10] << 8 | v6->b[11];
	fsc_addr_set4(v4, v6->b + 12);
	return true;
}

/* ---- prefixes ---- */

static void mask_bits(uint8_t *b, unsigned nbytes, unsigned len)
{
	for (unsigned i = 0; i < nbytes; i++) {
		unsigned keep = len > i * 8 ? len - i * 8 : 0;
		if (keep >= 8)
			continue;
		b[i] &= (uint8_t)(0xff << (8 - keep));
	}
}

enum fsc_status fsc_tsaddr_parse_prefix(const char *s, size_t n, struct fsc_prefix *out,
					const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	char abuf[FSC_ADDR_STRLEN + 1];
	size_t slash = n;
	unsigned len = 0;

	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '/') {
			slash = i;
			break;
		}
	}
	if (slash == n) {
		*why = "no '/' prefix length";
		return FSC_NOT_THIS;
	}
	if (slash == 0) {
		*why = "address missing before '/'";
		return FSC_MALFORMED;
	}
	if (slash >= sizeof(abuf)) {
		*why = "address too long";
		return FSC_MALFORMED;
	}
	memcpy(abuf, s, slash);
	abuf[slash] = '\0';
	if (!fsc_addr_parse(abuf, &out->addr)) {
		*why = "not an IPv4 or IPv6 address before '/'";
		return FSC_MALFORMED;
	}
	const char *d = s + slash + 1;
	size_t dn = n - slash - 1;
	if (dn == 0) {
		*why = "prefix length missing after '/'";
		return FSC_MALFORMED;
	}
	for (size_t i = 0; i < dn; i++) {
		if (d[i] < '0' || d[i] > '9') {
			*why = "prefix length is not a decimal number";
			return FSC_MALFORMED;
		}
	}
	if (dn > 1 && d[0] == '0') {
		*why = "prefix length has a leading zero";
		return FSC_MALFORMED;
	}
	if (dn > 3) {
		*why = out->addr.family == 4 ? "prefix length above 32 for IPv4" :
					       "prefix length above 128 for IPv6";
		return FSC_MALFORMED;
	}
	for (size_t i = 0; i < dn; i++)
		len = len * 10 + (unsigned)(d[i] - '0');
	if (len > family_bits(out->addr.family)) {
		*why = out->addr.family == 4 ? "prefix length above 32 for IPv4" :
					       "prefix length above 128 for IPv6";
		return FSC_MALFORMED;
	}
	out->len = (uint8_t)len;
	struct fsc_addr net = out->addr;
	mask_bits(net.b, 16, len);
	if (!fsc_addr_eq(&net, &out->addr)) {
		out->addr = net;
		*why = "host bits set past the prefix length";
		return FSC_MALFORMED;
	}
	return FSC_OK;
}

char *fsc_prefix_str(const struct fsc_prefix *p, char *buf)
{
	char s[FSC_ADDR_STRLEN];

	snprintf(buf, FSC_PREFIX_STRLEN, "%s/%u", fsc_addr_str(&p->addr, s), p->len);
	return buf;
}

enum fsc_tsaddr_class fsc_tsaddr_classify_prefix(const struct fsc_prefix *p)
{
	if (p->addr.family != 4 && p->addr.family != 6)
		return FSC_TSADDR_NONE;
	const struct range *r = lookup(p->addr.family, p->addr.b, p->len);
	return r ? r->cls : FSC_TSADDR_PUBLIC;
}

bool fsc_prefix_contains(const struct fsc_prefix *p, const struct fsc_addr *a)
{
	return p->addr.family == a->family && bits_eq(p->addr.b, a->b, p->len);
}

bool fsc_tsaddr_prefix_4to6(const struct fsc_prefix *v4, struct fsc_prefix *v6,
			    const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	if (v4->addr.family != 4) {
		*why = "not an IPv4 prefix";
		return false;
	}
	if (v4->len < 8) {
		*why = "wider than 100.0.0.0/8: only 100.x prefixes have a 4to6 form";
		return false;
	}
	if (v4->addr.b[0] != 100) {
		*why = "not inside 100.0.0.0/8: only 100.x prefixes have a 4to6 form";
		return false;
	}
	fsc_tsaddr_4to6(&v4->addr, &v6->addr);
	v6->len = (uint8_t)(v4->len + 96);
	return true;
}

bool fsc_tsaddr_prefix_6to4(const struct fsc_prefix *v6, struct fsc_prefix *v4,
			    const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	if (v6->addr.family != 6) {
		*why = "not an IPv6 prefix";
		return false;
	}
	if (!bits_eq(v6->addr.b, pfx_4to6, v6->len < 104 ? v6->len : 104)) {
		*why = "not inside the 4to6 range fd7a:115c:a1e0:ab12:4843:cd96:6200::/104";
		return false;
	}
	if (v6->len < 104) {
		*why = "wider than the 4to6 range /104";
		return false;
	}
	fsc_tsaddr_6to4(&v6->addr, &v4->addr);
	v4->len = (uint8_t)(v6->len - 96);
	return true;
}

bool fsc_tsaddr_prefix_via(uint32_t site, const struct fsc_prefix *v4, struct fsc_prefix *v6,
			   const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	if (v4->addr.family != 4) {
		*why = "not an IPv4 prefix";
		return false;
	}
	fsc_tsaddr_via(site, &v4->addr, &v6->addr);
	v6->len = (uint8_t)(v4->len + 96);
	return true;
}

bool fsc_tsaddr_prefix_unvia(const struct fsc_prefix *v6, uint32_t *site,
			     struct fsc_prefix *v4, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	if (v6->addr.family != 6) {
		*why = "not an IPv6 prefix";
		return false;
	}
	if (!bits_eq(v6->addr.b, pfx_4via6, v6->len < 64 ? v6->len : 64)) {
		*why = "not inside the 4via6 range fd7a:115c:a1e0:b1a::/64";
		return false;
	}
	if (v6->len < 96) {
		*why = "shorter than /96: the 4via6 site id is not whole";
		return false;
	}
	fsc_tsaddr_unvia(&v6->addr, site, &v4->addr);
	v4->len = (uint8_t)(v6->len - 96);
	return true;
}
