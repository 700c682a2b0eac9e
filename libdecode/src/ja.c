/* ja.c - JA3 and JA4 fingerprints of a parsed ClientHello.
 *
 * Follows salesforce/ja3 README (JA3) and FoxIO-LLC/ja4 technical_details/
 * JA4.md (JA4), as summarised in protocols.md §9.2-9.4. Works on the fields
 * fsc_tls_client_hello_parse stored, never on packet bytes:
 *
 *   JA3  = md5("771,4865-4866-49199,0-16-43-10-11-13,29-23,0")
 *          version ,ciphers       ,extensions         ,groups,point formats
 *   JA4  = t 13 d 03 06 h2 _ sha256(sorted ciphers)[:12]
 *          _ sha256(sorted exts w/o 0000,0010 "_" sigalgs)[:12]
 */
#include "fsc/ja.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/span.h"

/* A bounded string builder; `over` is sticky. */
struct sb {
	char *p;
	size_t cap, len;
	bool over;
};

static void sb_init(struct sb *s, char *p, size_t cap)
{
	s->p = p;
	s->cap = cap;
	s->len = 0;
	s->over = cap == 0;
	if (cap)
		p[0] = '\0';
}

static void sb_putc(struct sb *s, char c)
{
	if (s->over || s->len + 1 >= s->cap) {
		s->over = true;
		return;
	}
	s->p[s->len++] = c;
	s->p[s->len] = '\0';
}

static void sb_dec(struct sb *s, unsigned v)
{
	char t[6];
	int n = 0;

	do {
		t[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && n < 5);
	while (n > 0)
		sb_putc(s, t[--n]);
}

static const char hexdig[] = "0123456789abcdef";

static void sb_hex4(struct sb *s, uint16_t v)
{
	for (int sh = 12; sh >= 0; sh -= 4)
		sb_putc(s, hexdig[(v >> sh) & 0xf]);
}

static void sb_hexbytes(struct sb *s, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sb_putc(s, hexdig[b[i] >> 4]);
		sb_putc(s, hexdig[b[i] & 0xf]);
	}
}

/* Decimal values joined by '-', GREASE dropped. */
static void sb_dec_list(struct sb *s, const uint16_t *v, size_t n)
{
	bool first = true;

	for (size_t i = 0; i < n; i++) {
		if (fsc_tls_is_grease(v[i]))
			continue;
		if (!first)
			sb_putc(s, '-');
		sb_dec(s, v[i]);
		first = false;
	}
}

enum fsc_status fsc_ja3_string(const struct fsc_tls_client_hello *h, char *buf,
			       size_t cap, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct sb s;
	uint16_t ext_types[FSC_TLS_MAX_EXTS];
	uint16_t pf[FSC_TLS_MAX_POINT_FORMATS];

	if (h->overflow) {
		*why = "hello lists exceed storage";
		return FSC_MALFORMED;
	}
	for (size_t i = 0; i < h->n_exts; i++)
		ext_types[i] = h->exts[i].type;
	for (size_t i = 0; i < h->n_point_formats; i++)
		pf[i] = h->point_formats[i]; /* u8: never GREASE */
	sb_init(&s, buf, cap);
	sb_dec(&s, h->legacy_version);
	sb_putc(&s, ',');
	sb_dec_list(&s, h->ciphers, h->n_ciphers);
	sb_putc(&s, ',');
	sb_dec_list(&s, ext_types, h->n_exts);
	sb_putc(&s, ',');
	sb_dec_list(&s, h->groups, h->n_groups);
	sb_putc(&s, ',');
	sb_dec_list(&s, pf, h->n_point_formats);
	if (s.over) {
		*why = "JA3 buffer too small";
		return FSC_MALFORMED;
	}
	*why = NULL;
	return FSC_OK;
}

/* The two algorithms, fetched once a process: EVP_md5() and EVP_sha256()
 * make EVP_Digest fetch them again on every call, which costs several
 * times the hash itself. NULL when a fetch fails (a provider without the
 * algorithm): then the implicit fetch runs and fails or not as before. */
static EVP_MD *fetched_md5, *fetched_sha256;
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_digests(void)
{
	fetched_md5 = EVP_MD_fetch(NULL, "MD5", NULL);
	fetched_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

static const EVP_MD *md5_md(void)
{
	pthread_once(&fetch_once, fetch_digests);
	return fetched_md5 ? fetched_md5 : EVP_md5();
}

static const EVP_MD *sha256_md(void)
{
	pthread_once(&fetch_once, fetch_digests);
	return fetched_sha256 ? fetched_sha256 : EVP_sha256();
}

static bool digest(const EVP_MD *md, const char *s, uint8_t *out, unsigned *n)
{
	return EVP_Digest(s, strlen(s), out, n, md, NULL) == 1;
}

enum fsc_status fsc_ja3(const struct fsc_tls_client_hello *h,
			char out[FSC_JA3_HEX_LEN], const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	char str[FSC_JA3_STR_MAX];
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	struct sb s;
	enum fsc_status st = fsc_ja3_string(h, str, sizeof(str), why);

	out[0] = '\0';
	if (st != FSC_OK)
		return st;
	if (!digest(md5_md(), str, md, &n) || n != 16) {
		*why = "MD5 digest failed";
		return FSC_MALFORMED;
	}
	sb_init(&s, out, FSC_JA3_HEX_LEN);
	sb_hexbytes(&s, md, 16);
	*why = NULL;
	return FSC_OK;
}

/* ---- JA4 --------------------------------------------------------------- */

static const struct {
	uint16_t v;
	const char *code;
} ja4_versions[] = {
	{ 0x0304, "13" }, { 0x0303, "12" }, { 0x0302, "11" }, { 0x0301, "10" },
	{ 0x0300, "s3" }, { 0x0002, "s2" }, { 0xfeff, "d1" }, { 0xfefd, "d2" },
	{ 0xfefc, "d3" },
};

static const char *ja4_version(uint16_t v)
{
	for (size_t i = 0; i < sizeof(ja4_versions) / sizeof(ja4_versions[0]); i++)
		if (ja4_versions[i].v == v)
			return ja4_versions[i].code;
	return "00";
}

static int cmp16(const void *a, const void *b)
{
	uint16_t x = *(const uint16_t *)a, y = *(const uint16_t *)b;
	return (x > y) - (x < y);
}

/* Sorts in place: up to FSC_TLS_MAX_CIPHERS (thousands) entries. */
static void sort16(uint16_t *v, size_t n)
{
	qsort(v, n, sizeof(*v), cmp16);
}

static void sb_hex_list(struct sb *s, const uint16_t *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_putc(s, ',');
		sb_hex4(s, v[i]);
	}
}

/* Everything both JA4 forms need, computed once. */
struct ja4_parts {
	char a[11];
	char b[5 * FSC_TLS_MAX_CIPHERS + 1];	/* sorted ciphers, "" if none */
	char c[5 * (FSC_TLS_MAX_EXTS + FSC_TLS_MAX_SIGALGS) + 2]; /* "" if none */
};

static size_t cap99(size_t n)
{
	return n > 99 ? 99 : n;
}

static enum fsc_status ja4_parts(const struct fsc_tls_client_hello *h,
				 char transport, struct ja4_parts *j,
				 const char **why)
{
	uint16_t cs[FSC_TLS_MAX_CIPHERS], ex[FSC_TLS_MAX_EXTS], sa[FSC_TLS_MAX_SIGALGS];
	size_t ncs = 0, nex = 0, nsa = 0, ext_count = 0;
	struct sb s;

	if (h->overflow) {
		*why = "hello lists exceed storage";
		return FSC_MALFORMED;
	}
	for (size_t i = 0; i < h->n_ciphers; i++)
		if (!fsc_tls_is_grease(h->ciphers[i]))
			cs[ncs++] = h->ciphers[i];
	for (size_t i = 0; i < h->n_exts; i++) {
		uint16_t t = h->exts[i].type;
		if (fsc_tls_is_grease(t))
			continue;
		ext_count++;
		if (t != FSC_TLS_EXT_SERVER_NAME && t != FSC_TLS_EXT_ALPN)
			ex[nex++] = t;
	}
	for (size_t i = 0; i < h->n_sigalgs; i++)
		if (!fsc_tls_is_grease(h->sigalgs[i]))
			sa[nsa++] = h->sigalgs[i];

	/* a: t 13 d 15 16 h2 */
	sb_init(&s, j->a, sizeof(j->a));
	sb_putc(&s, transport);
	const char *ver = ja4_version(fsc_tls_client_hello_version(h));
	sb_putc(&s, ver[0]);
	sb_putc(&s, ver[1]);
	sb_putc(&s, h->has_sni ? 'd' : 'i');
	sb_putc(&s, (char)('0' + cap99(ncs) / 10));
	sb_putc(&s, (char)('0' + cap99(ncs) % 10));
	sb_putc(&s, (char)('0' + cap99(ext_count) / 10));
	sb_putc(&s, (char)('0' + cap99(ext_count) % 10));
	if (h->n_alpn == 0 || h->alpn[0].len == 0) {
		sb_putc(&s, '0');
		sb_putc(&s, '0');
	} else {
		uint8_t f = h->alpn[0].p[0], l = h->alpn[0].p[h->alpn[0].len - 1];
		if (fsc_byteset_has(&fsc_alnum_set, f) && fsc_byteset_has(&fsc_alnum_set, l)) {
			sb_putc(&s, (char)f);
			sb_putc(&s, (char)l);
		} else {
			/* first and last digit of the value's hex form */
			sb_putc(&s, hexdig[f >> 4]);
			sb_putc(&s, hexdig[l & 0xf]);
		}
	}

	sort16(cs, ncs);
	sb_init(&s, j->b, sizeof(j->b));
	sb_hex_list(&s, cs, ncs);

	sort16(ex, nex);
	sb_init(&s, j->c, sizeof(j->c));
	sb_hex_list(&s, ex, nex);
	if (nex > 0 && nsa > 0) {
		sb_putc(&s, '_');
		sb_hex_list(&s, sa, nsa);
	}
	if (s.over) {
		*why = "JA4 part buffer too small";
		return FSC_MALFORMED;
	}
	*why = NULL;
	return FSC_OK;
}

/* First 12 hex digits of SHA-256(s), or twelve zeros for an empty list. */
static bool hash12(const char *s, struct sb *out)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (s[0] == '\0') {
		for (int i = 0; i < 12; i++)
			sb_putc(out, '0');
		return true;
	}
	if (!digest(sha256_md(), s, md, &n) || n != 32)
		return false;
	sb_hexbytes(out, md, 6);
	return true;
}

enum fsc_status fsc_ja4(const struct fsc_tls_client_hello *h, char transport,
			char out[FSC_JA4_LEN], const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct ja4_parts j;
	struct sb s;
	enum fsc_status st = ja4_parts(h, transport, &j, why);

	out[0] = '\0';
	if (st != FSC_OK)
		return st;
	sb_init(&s, out, FSC_JA4_LEN);
	for (const char *q = j.a; *q; q++)
		sb_putc(&s, *q);
	sb_putc(&s, '_');
	bool ok = hash12(j.b, &s);
	sb_putc(&s, '_');
	ok = ok && hash12(j.c, &s);
	if (!ok || s.over) {
		out[0] = '\0';
		*why = "SHA-256 digest failed";
		return FSC_MALFORMED;
	}
	return FSC_OK;
}

enum fsc_status fsc_ja4_raw(const struct fsc_tls_client_hello *h, char transport,
			    char *buf, size_t cap, const char **why)
{
	const char *why_unused; /* why may be NULL (status.h) */

	if (!why)
		why = &why_unused;
	struct ja4_parts j;
	struct sb s;
	enum fsc_status st = ja4_parts(h, transport, &j, why);

	if (cap)
		buf[0] = '\0';
	if (st != FSC_OK)
		return st;
	sb_init(&s, buf, cap);
	for (const char *q = j.a; *q; q++)
		sb_putc(&s, *q);
	sb_putc(&s, '_');
	for (const char *q = j.b; *q; q++)
		sb_putc(&s, *q);
	sb_putc(&s, '_');
	for (const char *q = j.c; *q; q++)
		sb_putc(&s, *q);
	if (s.over) {
		*why = "JA4_r buffer too small";
		return FSC_MALFORMED;
	}
	return FSC_OK;
}
