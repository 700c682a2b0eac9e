/* test_tls.c - record sniffing, handshake reassembly, hellos, JA3/JA4. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/ja.h"
#include "fsc/tls.h"
#include "vectors.h"

/* protocols.md §9.4: one record holding one ClientHello (144 bytes). */
static const char kat_hex[] =
	"16 0301 008b            # record: handshake, TLS1.0, length 139\n"
	"01 000087               # ClientHello, length 135\n"
	"0303                    # legacy_version TLS1.2\n"
	"00000000000000000000000000000000" /* random ... */
	"00000000000000000000000000000000 # random, 32 zero bytes\n"
	"00                      # session id: empty\n"
	"0008 0a0a 1301 1302 c02f # cipher suites: GREASE, AES128-GCM, AES256-GCM, ECDHE-RSA-AES128-GCM\n"
	"01 00                   # compression: null\n"
	"0056                    # extensions: 86 bytes\n"
	"1a1a 0000               # GREASE extension, empty\n"
	"0000 0013 0011 00 000e  # server_name: list 17, host_name, 14 bytes\n"
	"6578616d706c652e74732e6e6574 # 'example.ts.net'\n"
	"0010 000e 000c          # ALPN: list 12\n"
	"02 6832                 # 'h2'\n"
	"08 687474702f312e31     # 'http/1.1'\n"
	"002b 0007 06 2a2a 0304 0303 # supported_versions: GREASE, 1.3, 1.2\n"
	"000a 0008 0006 3a3a 001d 0017 # supported_groups: GREASE, x25519, secp256r1\n"
	"000b 0002 01 00         # ec_point_formats: uncompressed\n"
	"000d 0008 0006 0403 0804 0401 # signature_algorithms\n";

#define KAT_MSG_OFF 5	/* the handshake message inside the record */
#define KAT_MSG_LEN 139

static size_t kat(uint8_t *b)
{
	size_t n = vec_hex(kat_hex, b, 512);
	assert_int_equal(n, 144);
	return n;
}

static struct fsc_tls_client_hello ch; /* big: keep it off the stack */

static void client_hello_fields(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = kat(b);
	const char *why = "unset";
	uint8_t *g = vec_guard(b + KAT_MSG_OFF, n - KAT_MSG_OFF);

	assert_int_equal(fsc_tls_client_hello_parse(g, n - KAT_MSG_OFF, &ch, &why), FSC_OK);
	assert_null(why);
	assert_int_equal(ch.msg_len, KAT_MSG_LEN);
	assert_int_equal(ch.legacy_version, 0x0303);
	assert_ptr_equal(ch.random, g + 6);
	assert_int_equal(ch.session_id_len, 0);
	assert_int_equal(ch.n_ciphers, 4);
	assert_int_equal(ch.ciphers[0], 0x0a0a);
	assert_true(fsc_tls_is_grease(ch.ciphers[0]));
	assert_int_equal(ch.ciphers[1], 0x1301);
	assert_int_equal(ch.ciphers[3], 0xc02f);
	assert_int_equal(ch.n_compression, 1);
	assert_int_equal(ch.compression[0], 0);
	assert_true(ch.has_extensions);
	const uint16_t types[] = { 0x1a1a, 0, 16, 43, 10, 11, 13 };
	assert_int_equal(ch.n_exts, 7);
	for (size_t i = 0; i < 7; i++)
		assert_int_equal(ch.exts[i].type, types[i]);
	assert_false(ch.dup_ext);
	assert_true(ch.has_sni);
	assert_int_equal(ch.n_server_names, 1);
	assert_int_equal(ch.sni.len, 14);
	assert_memory_equal(ch.sni.p, "example.ts.net", 14);
	assert_int_equal(ch.n_alpn, 2);
	assert_memory_equal(ch.alpn[0].p, "h2", 2);
	assert_int_equal(ch.alpn[1].len, 8);
	assert_memory_equal(ch.alpn[1].p, "http/1.1", 8);
	assert_int_equal(ch.n_versions, 3);
	assert_int_equal(ch.versions[1], 0x0304);
	assert_int_equal(fsc_tls_client_hello_version(&ch), 0x0304);
	assert_int_equal(ch.n_groups, 3);
	assert_int_equal(ch.groups[1], 0x001d);
	assert_int_equal(ch.n_point_formats, 1);
	assert_int_equal(ch.n_sigalgs, 3);
	assert_int_equal(ch.sigalgs[2], 0x0401);
	assert_false(ch.overflow);
	vec_guard_free(g, n - KAT_MSG_OFF);
}

/* Computes JA4 from the parsed fields with code independent of ja.c. */
static int cmp16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

static void sha12(const char *s, char *out)
{
	uint8_t md[32];
	unsigned n;

	if (!*s) {
		strcpy(out, "000000000000");
		return;
	}
	assert_int_equal(EVP_Digest(s, strlen(s), md, &n, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 6; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
}

static void hand_ja4(const struct fsc_tls_client_hello *h, char *out)
{
	uint16_t v[512];
	size_t n = 0, next = 0;
	char bs[4096] = "", cs[4096] = "", hb[13], hc[13];

	for (size_t i = 0; i < h->n_ciphers; i++)
		if (!fsc_tls_is_grease(h->ciphers[i]))
			v[n++] = h->ciphers[i];
	size_t ncs = n;
	qsort(v, n, 2, cmp16);
	for (size_t i = 0; i < n; i++)
		sprintf(bs + strlen(bs), "%s%04x", i ? "," : "", v[i]);
	n = 0;
	for (size_t i = 0; i < h->n_exts; i++) {
		if (fsc_tls_is_grease(h->exts[i].type))
			continue;
		next++;
		if (h->exts[i].type != 0 && h->exts[i].type != 16)
			v[n++] = h->exts[i].type;
	}
	qsort(v, n, 2, cmp16);
	for (size_t i = 0; i < n; i++)
		sprintf(cs + strlen(cs), "%s%04x", i ? "," : "", v[i]);
	int first = 1;
	for (size_t i = 0; n && i < h->n_sigalgs; i++) {
		if (fsc_tls_is_grease(h->sigalgs[i]))
			continue;
		sprintf(cs + strlen(cs), "%s%04x", first ? "_" : ",", h->sigalgs[i]);
		first = 0;
	}
	sha12(bs, hb);
	sha12(cs, hc);
	uint16_t ver = fsc_tls_client_hello_version(h);
	const char *vs = ver == 0x0304 ? "13" : ver == 0x0303 ? "12" : ver == 0x0302 ? "11" :
			 ver == 0x0301 ? "10" : "00";
	char alpn[3] = "00";
	if (h->n_alpn) {
		uint8_t f = h->alpn[0].p[0], l = h->alpn[0].p[h->alpn[0].len - 1];
		alpn[0] = (char)f;
		alpn[1] = (char)l;
	}
	sprintf(out, "t%s%c%02zu%02zu%s_%s_%s", vs, h->has_sni ? 'd' : 'i',
		ncs > 99 ? 99 : ncs, next > 99 ? 99 : next, alpn, hb, hc);
}

static void known_answer_fingerprints(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = kat(b);
	const char *why;
	char s[FSC_JA3_STR_MAX], j3[FSC_JA3_HEX_LEN], j4[FSC_JA4_LEN], raw[FSC_JA4_RAW_MAX];
	char hand[64];

	assert_int_equal(fsc_tls_client_hello_parse(b + KAT_MSG_OFF, n - KAT_MSG_OFF, &ch, &why), FSC_OK);
	assert_int_equal(fsc_ja3_string(&ch, s, sizeof(s), &why), FSC_OK);
	assert_string_equal(s, "771,4865-4866-49199,0-16-43-10-11-13,29-23,0");
	assert_int_equal(fsc_ja3(&ch, j3, &why), FSC_OK);
	assert_string_equal(j3, "15afe134ace4a7b3211321dbccda0f39");
	assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_OK);
	assert_string_equal(j4, "t13d0306h2_40b44b994229_0d385148b956");
	assert_int_equal(fsc_ja4_raw(&ch, 't', raw, sizeof(raw), &why), FSC_OK);
	assert_string_equal(raw, "t13d0306h2_1301,1302,c02f_000a,000b,000d,002b_0403,0804,0401");
	hand_ja4(&ch, hand);
	assert_string_equal(hand, j4);
	/* A buffer one short of the string is refused, not overrun. */
	assert_int_equal(fsc_ja3_string(&ch, s, 44, &why), FSC_MALFORMED);
}

/* The worked example of FoxIO's JA4.md, set up as parsed fields. */
static void ja4_spec_example(void **state)
{
	(void)state;
	const uint16_t cs[] = { 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9,
				0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035 };
	const uint16_t ex[] = { 0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d,
				0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015 };
	const uint16_t sa[] = { 0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601 };
	char j4[FSC_JA4_LEN];
	const char *why;

	memset(&ch, 0, sizeof(ch));
	ch.legacy_version = 0x0303;
	ch.ciphers[ch.n_ciphers++] = 0x5a5a; /* GREASE: not counted */
	for (size_t i = 0; i < 15; i++)
		ch.ciphers[ch.n_ciphers++] = cs[i];
	for (size_t i = 0; i < 16; i++)
		ch.exts[ch.n_exts++].type = ex[i];
	ch.exts[ch.n_exts++].type = 0xfafa;
	for (size_t i = 0; i < 8; i++)
		ch.sigalgs[ch.n_sigalgs++] = sa[i];
	ch.has_sni = true;
	ch.versions[ch.n_versions++] = 0x0304;
	ch.alpn[0].p = (const uint8_t *)"h2";
	ch.alpn[0].len = 2;
	ch.n_alpn = 1;
	assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_OK);
	assert_string_equal(j4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	ch.n_sigalgs = 0; /* "the string ends without an underscore" */
	assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_OK);
	assert_string_equal(j4, "t13d1516h2_8daaf6152771_6d807ffa2a79");
	ch.n_ciphers = 1; /* only GREASE left: no cipher hash */
	ch.n_exts = 2;	  /* only SNI and ALPN: no extension hash */
	ch.exts[0].type = 0x0000;
	ch.exts[1].type = 0x0010;
	ch.has_sni = false;
	ch.n_versions = 0; /* legacy 0x0303 */
	assert_int_equal(fsc_ja4(&ch, 'q', j4, &why), FSC_OK);
	assert_string_equal(j4, "q12i0002h2_000000000000_000000000000");
	ch.overflow = true;
	assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_MALFORMED);
}

static void ja4_alpn_rules(void **state)
{
	(void)state;
	static const struct {
		const char *alpn;
		size_t len;
		const char *want;
	} t[] = {
		{ "\xab", 1, "ab" },		/* JA4.md examples */
		{ "\xab\xcd", 2, "ad" },
		{ "0\xab", 2, "3b" },
		{ "01\xab\xcd", 4, "3d" },
		{ "0\xab\xcd" "1", 4, "01" },
		{ "http/1.1", 8, "h1" },
		{ "x", 1, "xx" },		/* one character is first and last */
	};
	char j4[FSC_JA4_LEN];
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&ch, 0, sizeof(ch));
		ch.legacy_version = 0x0303;
		ch.alpn[0].p = (const uint8_t *)t[i].alpn;
		ch.alpn[0].len = t[i].len;
		ch.n_alpn = 1;
		assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_OK);
		assert_memory_equal(j4 + 8, t[i].want, 2);
	}
}

/*
 * A hello message parsed whole through the guard page (its status
 * returned), then at every shorter length: truncated, since the u24 length
 * says more. For vectors beyond the KAT.
 */
static enum fsc_status hello_every_prefix(const uint8_t *b, size_t n, bool server)
{
	static struct fsc_tls_server_hello sh;
	const char *why;
	enum fsc_status st;

	for (size_t k = 0; k <= n; k++) {
		uint8_t *g = vec_guard(b, k);
		st = server ? fsc_tls_server_hello_parse(g, k, &sh, &why)
			    : fsc_tls_client_hello_parse(g, k, &ch, &why);
		if (k < n && st != FSC_TRUNCATED)
			fail_msg("prefix %zu of %zu: %s (%s)", k, n, fsc_status_name(st), why);
		vec_guard_free(g, k);
	}
	return st;
}

/* Every prefix of the message: truncated (the u24 length says more). */
static void client_hello_prefixes(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = kat(b) - KAT_MSG_OFF;
	const char *why;

	for (size_t k = 0; k < n; k++) {
		uint8_t *g = vec_guard(b + KAT_MSG_OFF, k);
		assert_int_equal(fsc_tls_client_hello_parse(g, k, &ch, &why), FSC_TRUNCATED);
		assert_non_null(why);
		vec_guard_free(g, k);
	}
}

static void sniff_prefixes(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = kat(b);
	const char *why;

	for (size_t k = 0; k <= n; k++) {
		uint8_t *g = vec_guard(b, k);
		assert_int_equal(fsc_tls_sniff(g, k, &why), k < 5 ? FSC_TRUNCATED : FSC_OK);
		vec_guard_free(g, k);
	}
	static const char *not_tls[] = {
		"17 0303 0010 01",	/* application data */
		"16 0203 0010 01",	/* major 2 */
		"16 0305 0010 01",	/* minor 5 */
		"16 0303 0000",		/* empty record */
		"16 0303 4801",		/* 18433 > 2^14+2048 */
		"16 0303 0010 0b",	/* handshake, but a Certificate first */
		"47 4554 202f",		/* "GET /" */
	};
	for (size_t i = 0; i < sizeof(not_tls) / sizeof(not_tls[0]); i++) {
		size_t m = vec_hex(not_tls[i], b, sizeof(b));
		uint8_t *g = vec_guard(b, m);
		assert_int_equal(fsc_tls_sniff(g, m, &why), FSC_NOT_THIS);
		assert_non_null(why);
		vec_guard_free(g, m);
	}
}

/* Malformed variants of the KAT message: offsets are into the message. */
static void client_hello_malformed(void **state)
{
	(void)state;
	static const struct {
		size_t off;
		uint8_t v[2];
		size_t n;
		enum fsc_status st;
		const char *why;
	} t[] = {
		{ 0, { 0x02 }, 1, FSC_NOT_THIS, "handshake type" },
		{ 3, { 0x88 }, 1, FSC_TRUNCATED, "shorter than its length" },
		{ 3, { 0x86 }, 1, FSC_MALFORMED, "extensions length disagrees" },
		{ 38, { 0x21 }, 1, FSC_MALFORMED, "session id longer than 32" },
		{ 39, { 0x00, 0x07 }, 2, FSC_MALFORMED, "cipher_suites length empty or odd" },
		{ 39, { 0x00, 0x00 }, 2, FSC_MALFORMED, "cipher_suites length empty or odd" },
		{ 39, { 0xff, 0xfe }, 2, FSC_MALFORMED, "cipher_suites overrun" },
		{ 49, { 0x00 }, 1, FSC_MALFORMED, "compression_methods empty" },
		{ 49, { 0xff }, 1, FSC_MALFORMED, "compression_methods overrun" },
		{ 52, { 0x57 }, 1, FSC_MALFORMED, "extensions length disagrees" },
		{ 52, { 0x55 }, 1, FSC_MALFORMED, "extensions length disagrees" },
		{ 60, { 0x14 }, 1, FSC_MALFORMED, "server_name list length disagrees" },
		{ 62, { 0x12 }, 1, FSC_MALFORMED, "server_name list length disagrees" },
		{ 65, { 0x0f }, 1, FSC_MALFORMED, "server_name entry overruns" },
		{ 64, { 0x00, 0x00 }, 2, FSC_MALFORMED, "server_name entry" },
		{ 85, { 0x0d }, 1, FSC_MALFORMED, "ALPN list length disagrees" },
		{ 86, { 0x00 }, 1, FSC_MALFORMED, "ALPN entry empty" },
		{ 89, { 0x09 }, 1, FSC_MALFORMED, "ALPN entry overruns" },
		{ 102, { 0x05 }, 1, FSC_MALFORMED, "supported_versions length" },
		{ 114, { 0x05 }, 1, FSC_MALFORMED, "supported_groups length" },
		{ 125, { 0x00 }, 1, FSC_MALFORMED, "ec_point_formats length" },
		{ 132, { 0x04 }, 1, FSC_MALFORMED, "signature_algorithms length" },
		{ 130, { 0x09 }, 1, FSC_MALFORMED, "extension overruns" },
	};
	uint8_t b[512];
	size_t n = kat(b) - KAT_MSG_OFF;
	const char *why;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		uint8_t m[256];
		memcpy(m, b + KAT_MSG_OFF, n);
		memcpy(m + t[i].off, t[i].v, t[i].n);
		uint8_t *g = vec_guard(m, n);
		enum fsc_status st = fsc_tls_client_hello_parse(g, n, &ch, &why);
		if (st != t[i].st || strstr(why, t[i].why) == NULL)
			fail_msg("variant %zu: got %s '%s', want %s '%s'", i,
				 fsc_status_name(st), why ? why : "(null)",
				 fsc_status_name(t[i].st), t[i].why);
		vec_guard_free(g, n);
	}
}

/* A hello with no extension block, two host_names and a duplicate. */
static void client_hello_edge_cases(void **state)
{
	(void)state;
	uint8_t b[256];
	const char *why;
	char j3[FSC_JA3_STR_MAX];
	size_t n = vec_hex(
		"01 00002b 0301 # ClientHello, TLS1.0\n"
		"0000000000000000000000000000000000000000000000000000000000000000\n"
		"00 0004 002f 00ff 01 00 # no session, 2 ciphers, null compression\n",
		b, sizeof(b));
	assert_int_equal(hello_every_prefix(b, n, false), FSC_OK);
	assert_int_equal(fsc_tls_client_hello_parse(b, n, &ch, &why), FSC_OK);
	assert_false(ch.has_extensions);
	assert_int_equal(fsc_ja3_string(&ch, j3, sizeof(j3), &why), FSC_OK);
	assert_string_equal(j3, "769,47-255,,,");

	n = vec_hex(
		"01 000046 0303 # ClientHello\n"
		"0000000000000000000000000000000000000000000000000000000000000000\n"
		"00 0002 1301 01 00\n"
		"001b # extensions\n"
		"0000 000f 000d # server_name, list 13\n"
		"  01 0002 6161 # name_type 1 (not host_name): 'aa'\n"
		"  00 0001 62 # host_name 'b'\n"
		"  00 0001 63 # a second host_name 'c' (kept as a count)\n"
		"0017 0000 # extended_master_secret\n"
		"0017 0000 # ... twice\n",
		b, sizeof(b));
	assert_int_equal(hello_every_prefix(b, n, false), FSC_OK);
	assert_int_equal(fsc_tls_client_hello_parse(b, n, &ch, &why), FSC_OK);
	assert_int_equal(ch.n_server_names, 3);
	assert_int_equal(ch.sni.len, 1);
	assert_memory_equal(ch.sni.p, "b", 1);
	assert_true(ch.dup_ext);
	assert_int_equal(ch.n_exts, 3);
}

/* A hello with ncs cipher suites 0, 1, 2 ... into b; its length. */
static size_t many_ciphers(uint8_t *b, size_t ncs)
{
	size_t body = 2 + 32 + 1 + 2 + 2 * ncs + 2;
	size_t i = 0;

	b[i++] = 1;
	b[i++] = (uint8_t)(body >> 16);
	b[i++] = (uint8_t)(body >> 8);
	b[i++] = (uint8_t)body;
	b[i++] = 3;
	b[i++] = 3;
	i += 32;
	b[i++] = 0;
	b[i++] = (uint8_t)((2 * ncs) >> 8);
	b[i++] = (uint8_t)(2 * ncs);
	for (size_t k = 0; k < ncs; k++) {
		b[i++] = (uint8_t)(k >> 8);
		b[i++] = (uint8_t)k;
	}
	b[i++] = 1;
	b[i++] = 0;
	assert_int_equal(i, 4 + body);
	return i;
}

/* 350 suites (nDPI's ja3_lots_of_cipher_suites shape): JA3 and JA4 come
 * from all of them, not refused for the storage. */
static void lots_of_ciphers_fingerprinted(void **state)
{
	(void)state;
	static uint8_t b[1024];
	static char s[FSC_JA3_STR_MAX];
	char j3[FSC_JA3_HEX_LEN], j4[FSC_JA4_LEN];
	const char *why;
	size_t n = many_ciphers(b, 350);

	assert_int_equal(fsc_tls_client_hello_parse(b, n, &ch, &why), FSC_OK);
	assert_false(ch.overflow);
	assert_int_equal(ch.n_ciphers, 350);
	assert_int_equal(fsc_ja3_string(&ch, s, sizeof(s), &why), FSC_OK);
	assert_non_null(strstr(s, "-348-349,"));	/* the last of 350, GREASE-free */
	assert_int_equal(strncmp(s, "771,0-1-2-", 10), 0);
	assert_int_equal(fsc_ja3(&ch, j3, &why), FSC_OK);
	assert_int_equal(fsc_ja4(&ch, 't', j4, &why), FSC_OK);
	assert_int_equal(strncmp(j4, "t12i9900", 8), 0);	/* counts cap at 99 */
}

static void many_ciphers_overflow(void **state)
{
	(void)state;
	static uint8_t b[2 * FSC_TLS_MAX_CIPHERS + 128];
	size_t ncs = FSC_TLS_MAX_CIPHERS + 10;
	size_t i;
	const char *why;
	char j3[FSC_JA3_HEX_LEN];

	i = many_ciphers(b, ncs);
	assert_int_equal(hello_every_prefix(b, i, false), FSC_OK);
	assert_int_equal(fsc_tls_client_hello_parse(b, i, &ch, &why), FSC_OK);
	assert_true(ch.overflow);
	assert_int_equal(ch.n_ciphers, FSC_TLS_MAX_CIPHERS);
	assert_int_equal(ch.ciphers[FSC_TLS_MAX_CIPHERS - 1], FSC_TLS_MAX_CIPHERS - 1);
	assert_int_equal(fsc_ja3(&ch, j3, &why), FSC_MALFORMED);
}

/* ---- ServerHello --------------------------------------------------------- */

/* A TLS 1.3 draft-14 ServerHello (zeek's tls13draft16-chrome55 capture has
 * this shape): version 0x7f0e, random, cipher, extensions; no session id
 * and no compression. Read in the final layout, the cipher came out 0. */
static void draft_server_hello(void **state)
{
	(void)state;
	static const uint8_t b[] = {
		0x02, 0x00, 0x00, 0x2a,		/* ServerHello, 42 bytes */
		0x7f, 0x0e,			/* TLS 1.3 draft 14 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
		0xcc, 0xa9,			/* ECDHE-ECDSA-CHACHA20-POLY1305 */
		0x00, 0x04,			/* extensions */
		0x00, 0x0f, 0x00, 0x00,		/* heartbeat, empty */
	};
	struct fsc_tls_server_hello sh;
	const char *why;

	assert_int_equal(fsc_tls_server_hello_parse(b, sizeof(b), &sh, &why), FSC_OK);
	assert_true(sh.draft);
	assert_int_equal(sh.cipher, 0xcca9);
	assert_int_equal(sh.version, 0x7f0e);
	assert_int_equal(sh.session_id_len, 0);
	assert_int_equal(sh.n_exts, 1);
	assert_string_equal(fsc_tls_version_name(sh.version), "TLS1.3-draft14");
	assert_null(fsc_tls_version_name(0x7f1d));
	for (size_t k = 0; k < sizeof(b); k++) {
		uint8_t *g = vec_guard(b, k);
		assert_int_equal(fsc_tls_server_hello_parse(g, k, &sh, &why), FSC_TRUNCATED);
		vec_guard_free(g, k);
	}
	/* Draft 22 on: the final layout, with 0x0303 in front. */
	assert_false(fsc_tls_draft_layout(0x7f16));
	assert_true(fsc_tls_draft_layout(0x7f15));
}

static const char sh13_hex[] =
	"02 000054 0303           # ServerHello, legacy TLS1.2\n"
	"1111111111111111111111111111111111111111111111111111111111111111 # random\n"
	"20 2222222222222222222222222222222222222222222222222222222222222222 # session id echo\n"
	"1301 00                  # TLS_AES_128_GCM_SHA256, null compression\n"
	"000c                     # extensions: 12 bytes\n"
	"002b 0002 0304           # supported_versions: TLS1.3\n"
	"0033 0002 001d           # key_share (group only, as in an HRR)\n";

static void server_hello_tls13(void **state)
{
	(void)state;
	uint8_t b[256];
	size_t n = vec_hex(sh13_hex, b, sizeof(b));
	struct fsc_tls_server_hello s;
	const char *why;

	uint8_t *g = vec_guard(b, n);
	assert_int_equal(fsc_tls_server_hello_parse(g, n, &s, &why), FSC_OK);
	assert_int_equal(s.msg_len, n);
	assert_int_equal(s.legacy_version, 0x0303);
	assert_true(s.has_selected_version);
	assert_int_equal(s.version, 0x0304);
	assert_string_equal(fsc_tls_version_name(s.version), "TLS1.3");
	assert_int_equal(s.session_id_len, 32);
	assert_int_equal(s.cipher, 0x1301);
	assert_int_equal(s.n_exts, 2);
	assert_int_equal(s.exts[1].type, 0x0033);
	assert_false(s.hrr);
	assert_int_equal(s.alpn.len, 0);
	for (size_t k = 0; k < n; k++) {
		uint8_t *h = vec_guard(b, k);
		assert_int_equal(fsc_tls_server_hello_parse(h, k, &s, &why), FSC_TRUNCATED);
		vec_guard_free(h, k);
	}
	/* The same with the HelloRetryRequest random. */
	memcpy(b + 6, fsc_tls_hrr_random, 32);
	assert_int_equal(fsc_tls_server_hello_parse(b, n, &s, &why), FSC_OK);
	assert_true(s.hrr);
	vec_guard_free(g, n);
	/* A ClientHello is not a ServerHello. */
	assert_int_equal(fsc_tls_client_hello_parse(b, n, &ch, &why), FSC_NOT_THIS);
}

static void server_hello_tls12_alpn(void **state)
{
	(void)state;
	uint8_t b[256];
	struct fsc_tls_server_hello s;
	const char *why;
	size_t n = vec_hex(
		"02 000037 0303 # ServerHello TLS1.2\n"
		"3333333333333333333333333333333333333333333333333333333333333333\n"
		"00 c02f 00 # no session id, ECDHE-RSA-AES128-GCM-SHA256\n"
		"000f # extensions\n"
		"ff01 0001 00 # renegotiation_info\n"
		"0010 0006 0004 03 683262 # ALPN: 'h2b'\n",
		b, sizeof(b));
	assert_int_equal(hello_every_prefix(b, n, true), FSC_OK);
	assert_int_equal(fsc_tls_server_hello_parse(b, n, &s, &why), FSC_OK);
	assert_int_equal(s.version, 0x0303);
	assert_false(s.has_selected_version);
	assert_int_equal(s.cipher, 0xc02f);
	assert_int_equal(s.alpn.len, 3);
	assert_memory_equal(s.alpn.p, "h2b", 3);

	n = vec_hex("02 000036 0303\n"
		    "3333333333333333333333333333333333333333333333333333333333333333\n"
		    "00 c02f 00 000c\n"
		    "0010 0008 0006 02 6832 02 6833 # two names: not a selection\n", b, sizeof(b));
	/* fix the u24 length for this vector */
	b[3] = (uint8_t)(n - 4);
	assert_int_equal(hello_every_prefix(b, n, true), FSC_MALFORMED);
	assert_int_equal(fsc_tls_server_hello_parse(b, n, &s, &why), FSC_MALFORMED);
	n = vec_hex("02 00002f 0303\n"
		    "3333333333333333333333333333333333333333333333333333333333333333\n"
		    "00 1301 00 0007 002b 0003 030400 # version is not one u16\n", b, sizeof(b));
	assert_int_equal(hello_every_prefix(b, n, true), FSC_MALFORMED);
	assert_int_equal(fsc_tls_server_hello_parse(b, n, &s, &why), FSC_MALFORMED);
	assert_non_null(strstr(why, "selected version"));
}

/* ---- reassembly ---------------------------------------------------------- */

struct got {
	uint8_t type;
	size_t len;
	uint8_t bytes[256];
};

/* Feeds the stream in the given chunk sizes, collecting messages and the
 * final status. */
static enum fsc_status run_reasm(const uint8_t *s, size_t n, const size_t *cuts,
				 size_t ncuts, size_t cap, struct got *out,
				 size_t *nout, const char **why)
{
	static uint8_t buf[FSC_TLS_HS_MAX];
	struct fsc_tls_reasm r;
	enum fsc_status st = FSC_TRUNCATED;
	size_t off = 0, ci = 0;

	fsc_tls_reasm_init(&r, buf, cap);
	*nout = 0;
	while (off < n) {
		size_t chunk = ci < ncuts ? cuts[ci++] : n - off;
		if (chunk > n - off)
			chunk = n - off;
		uint8_t *g = vec_guard(s + off, chunk);
		size_t pos = 0;
		for (;;) {
			size_t used;
			st = fsc_tls_reasm_feed(&r, g + pos, chunk - pos, &used, why);
			assert_true(used <= chunk - pos);
			pos += used;
			if (st != FSC_OK)
				break;
			assert_true(r.msg_len <= sizeof(out[0].bytes));
			out[*nout].type = r.msg_type;
			out[*nout].len = r.msg_len;
			memcpy(out[*nout].bytes, r.msg, r.msg_len);
			(*nout)++;
		}
		vec_guard_free(g, chunk);
		if (st != FSC_TRUNCATED)
			return st;
		assert_int_equal(pos, chunk);
		off += chunk;
	}
	return st;
}

static void reasm_single_record(void **state)
{
	(void)state;
	uint8_t b[512];
	size_t n = kat(b), nout;
	struct got got[4];
	const char *why;

	assert_int_equal(run_reasm(b, n, NULL, 0, FSC_TLS_HS_MAX, got, &nout, &why),
			 FSC_TRUNCATED);
	assert_int_equal(nout, 1);
	assert_int_equal(got[0].type, FSC_TLS_HS_CLIENT_HELLO);
	assert_int_equal(got[0].len, KAT_MSG_LEN);
	assert_memory_equal(got[0].bytes, b + KAT_MSG_OFF, KAT_MSG_LEN);
	/* Every prefix: no message, only "need more". */
	for (size_t k = 0; k < n; k++) {
		assert_int_equal(run_reasm(b, k, NULL, 0, FSC_TLS_HS_MAX, got, &nout, &why),
				 FSC_TRUNCATED);
		assert_int_equal(nout, 0);
	}
}

/* Builds: CH split over 3 records (1, 40, rest), the last one also carrying
 * a 4-byte message of type 14; a CCS; a second CH in one record; an alert; a
 * record with application data. */
static size_t build_stream(uint8_t *s, const uint8_t *msg, size_t mlen)
{
	size_t i = 0;
	const size_t parts[] = { 1, 40, mlen - 41 };
	size_t off = 0;

	for (int k = 0; k < 3; k++) {
		size_t len = parts[k] + (k == 2 ? 4 : 0);
		s[i++] = 0x16;
		s[i++] = 0x03;
		s[i++] = 0x03;
		s[i++] = (uint8_t)(len >> 8);
		s[i++] = (uint8_t)len;
		memcpy(s + i, msg + off, parts[k]);
		i += parts[k];
		off += parts[k];
	}
	memcpy(s + i, "\x0e\x00\x00\x00", 4); /* ServerHelloDone-like, empty */
	i += 4;
	memcpy(s + i, "\x14\x03\x03\x00\x01\x01", 6); /* change_cipher_spec */
	i += 6;
	s[i++] = 0x16;
	s[i++] = 0x03;
	s[i++] = 0x03;
	s[i++] = (uint8_t)(mlen >> 8);
	s[i++] = (uint8_t)mlen;
	memcpy(s + i, msg, mlen);
	i += mlen;
	memcpy(s + i, "\x15\x03\x03\x00\x02\x01\x00", 7); /* warning alert */
	i += 7;
	memcpy(s + i, "\x17\x03\x03\x00\x03\xaa\xbb\xcc", 8); /* application data */
	i += 8;
	return i;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 32);
}

static void reasm_fragments_and_rechunking(void **state)
{
	(void)state;
	uint8_t b[512], s[1024];
	size_t sn;

	kat(b);
	sn = build_stream(s, b + KAT_MSG_OFF, KAT_MSG_LEN);
	struct got ref[8], got[8];
	size_t nref, nout;
	const char *why, *why2;

	assert_int_equal(run_reasm(s, sn, NULL, 0, FSC_TLS_HS_MAX, ref, &nref, &why),
			 FSC_NOT_THIS);
	assert_non_null(strstr(why, "application data"));
	assert_int_equal(nref, 3);
	assert_int_equal(ref[0].len, KAT_MSG_LEN);
	assert_memory_equal(ref[0].bytes, b + KAT_MSG_OFF, KAT_MSG_LEN);
	assert_int_equal(ref[1].type, 14);
	assert_int_equal(ref[1].len, 4);
	assert_int_equal(ref[2].type, FSC_TLS_HS_CLIENT_HELLO);
	assert_memory_equal(ref[2].bytes, b + KAT_MSG_OFF, KAT_MSG_LEN);

	/* Byte by byte, then 300 random chunkings: the same messages. */
	size_t ones[1024];
	for (size_t i = 0; i < sn; i++)
		ones[i] = 1;
	for (int round = -1; round < 300; round++) {
		size_t cuts[1024], nc = 0, left = sn;
		if (round < 0) {
			memcpy(cuts, ones, sizeof(size_t) * sn);
			nc = sn;
		} else {
			while (left > 0) {
				size_t c = 1 + rnd() % (round % 3 == 0 ? 8 : 120);
				if (c > left)
					c = left;
				cuts[nc++] = c;
				left -= c;
			}
		}
		assert_int_equal(run_reasm(s, sn, cuts, nc, FSC_TLS_HS_MAX, got, &nout, &why2),
				 FSC_NOT_THIS);
		assert_string_equal(why2, why);
		assert_int_equal(nout, nref);
		for (size_t k = 0; k < nout; k++) {
			assert_int_equal(got[k].len, ref[k].len);
			assert_memory_equal(got[k].bytes, ref[k].bytes, ref[k].len);
		}
	}
}

static void reasm_malformed_and_caps(void **state)
{
	(void)state;
	uint8_t b[512], s[1024];
	size_t n = kat(b), nout, sn;
	struct got got[8];
	const char *why;

	/* A buffer that cannot hold a handshake header refuses at once. */
	assert_int_equal(run_reasm(b, n, NULL, 0, 3, got, &nout, &why), FSC_MALFORMED);
	assert_non_null(strstr(why, "under 4"));

	/* The hello does not fit a 64-byte buffer. */
	assert_int_equal(run_reasm(b, n, NULL, 0, 64, got, &nout, &why), FSC_MALFORMED);
	assert_string_equal(why, "hello too large");

	/* An oversized Certificate (type 11) is skipped; the hello after it kept. */
	sn = vec_hex("16 0303 00cc 0b 0000c8", s, sizeof(s));
	memset(s + sn, 0x5c, 200);
	sn += 200;
	memcpy(s + sn, b, n);
	sn += n;
	assert_int_equal(run_reasm(s, sn, NULL, 0, KAT_MSG_LEN, got, &nout, &why), FSC_TRUNCATED);
	assert_int_equal(nout, 1);
	assert_int_equal(got[0].len, KAT_MSG_LEN);

	/* An alert between two fragments of one message. */
	sn = vec_hex("16 0303 0002 0100 # two bytes of a ClientHello header\n"
		     "15 0303 0002 0228 # fatal alert\n", s, sizeof(s));
	assert_int_equal(run_reasm(s, sn, NULL, 0, FSC_TLS_HS_MAX, got, &nout, &why), FSC_MALFORMED);
	assert_non_null(strstr(why, "inside a fragmented"));

	static const struct {
		const char *hex;
		enum fsc_status st;
		const char *why;
	} t[] = {
		{ "17 0303 0005 0102030405", FSC_NOT_THIS, "not handshake" },
		{ "16 0303 0000", FSC_NOT_THIS, "empty record" },
		{ "16 0303 0001 01 19 0303 0001 00", FSC_MALFORMED, "unknown record content type" },
		{ "16 0303 0001 01 16 0503 0001 00", FSC_MALFORMED, "record version" },
		{ "16 0303 0001 01 16 0303 4801", FSC_MALFORMED, "record length over" },
		{ "16 0303 0004 0e000000 14 0303 0001 01 16 0303 0004 14000000", FSC_NOT_THIS,
		  "after change_cipher_spec" },
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sn = vec_hex(t[i].hex, s, sizeof(s));
		enum fsc_status st = run_reasm(s, sn, NULL, 0, FSC_TLS_HS_MAX, got, &nout, &why);
		if (st != t[i].st || strstr(why, t[i].why) == NULL)
			fail_msg("variant %zu: got %s '%s'", i, fsc_status_name(st), why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(client_hello_fields),
		cmocka_unit_test(known_answer_fingerprints),
		cmocka_unit_test(ja4_spec_example),
		cmocka_unit_test(ja4_alpn_rules),
		cmocka_unit_test(client_hello_prefixes),
		cmocka_unit_test(sniff_prefixes),
		cmocka_unit_test(client_hello_malformed),
		cmocka_unit_test(client_hello_edge_cases),
		cmocka_unit_test(many_ciphers_overflow),
		cmocka_unit_test(lots_of_ciphers_fingerprinted),
		cmocka_unit_test(draft_server_hello),
		cmocka_unit_test(server_hello_tls13),
		cmocka_unit_test(server_hello_tls12_alpn),
		cmocka_unit_test(reasm_single_record),
		cmocka_unit_test(reasm_fragments_and_rechunking),
		cmocka_unit_test(reasm_malformed_and_caps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
