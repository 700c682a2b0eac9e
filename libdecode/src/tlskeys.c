/* tlskeys.c - the NSS key log (tlsdecrypt.h): lines parsed without
 * allocating, secrets kept in a table sized once, indexed by client random,
 * a file read from where it was left (a log that grows, live), the TLS
 * secrets blocks of a pcapng. */
#include "fsc/tlsdecrypt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fsc/dsb.h"
#include "fsc/hmap.h"
#include "fsc/span.h"

#define DEFAULT_MAX 65536
#define LINE_MAX_READ 512	/* the longest label, two hex fields: ~170 */
#define READ_CHUNK 65536

static const struct {
	const char *name;
	enum fsc_tls_secret which;
} labels[] = {
	{ "CLIENT_HANDSHAKE_TRAFFIC_SECRET", FSC_TLS_CLIENT_HS },
	{ "SERVER_HANDSHAKE_TRAFFIC_SECRET", FSC_TLS_SERVER_HS },
	{ "CLIENT_TRAFFIC_SECRET_0", FSC_TLS_CLIENT_APP },
	{ "SERVER_TRAFFIC_SECRET_0", FSC_TLS_SERVER_APP },
	{ "EXPORTER_SECRET", FSC_TLS_SECRET_OTHER },
	{ "EARLY_EXPORTER_SECRET", FSC_TLS_SECRET_OTHER },
	{ "CLIENT_EARLY_TRAFFIC_SECRET", FSC_TLS_SECRET_OTHER },
	{ "CLIENT_RANDOM", FSC_TLS_SECRET_TLS12 },
};

struct fsc_tlskeys {
	struct fsc_tlskeys_entry *e;
	uint32_t n, max;
	struct fsc_hmap idx;	/* the random's first 8 bytes -> e[] */
	struct fsc_tlskeys_stats st;
	void (*reload)(void *ctx);
	void *reload_ctx;
};

/* n hex digits (even) into n / 2 bytes. */
static bool unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i += 2) {
		int hi = fsc_hex_value((unsigned char)s[i]), lo = fsc_hex_value((unsigned char)s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* The next field of [*p, end): its start and length; spaces skipped. */
static size_t field(const char **p, const char *end, const char **start)
{
	const char *s = *p;

	while (s < end && is_space(*s))
		s++;
	*start = s;
	while (s < end && !is_space(*s))
		s++;
	*p = s;
	return (size_t)(s - *start);
}

enum fsc_status fsc_tlskeys_parse_line(const char *line, size_t len,
				       enum fsc_tls_secret *which,
				       uint8_t random[FSC_TLS_RANDOM_LEN],
				       uint8_t secret[FSC_TLS_SECRET_MAX], size_t *secret_len,
				       const char **why)
{
	const char *p = line, *end = line + len, *f;
	size_t n;
	int found = -1;

	*why = NULL;
	if (len && end[-1] == '\r')
		end--;
	n = field(&p, end, &f);
	if (n == 0 || f[0] == '#') {
		*why = "blank or a comment";
		return FSC_NOT_THIS;
	}
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (strlen(labels[i].name) == n && memcmp(f, labels[i].name, n) == 0)
			found = (int)i;
	if (found < 0) {
		*why = "not a label of the key log";
		return FSC_NOT_THIS;
	}
	*which = labels[found].which;
	n = field(&p, end, &f);
	if (n != 2 * FSC_TLS_RANDOM_LEN || !unhex(f, n, random)) {
		*why = "client random is not 64 hex digits";
		return FSC_MALFORMED;
	}
	n = field(&p, end, &f);
	/* 32 or 48 bytes for TLS 1.3's hashes; TLS 1.2's master secret is 48 */
	if ((n != 64 && n != 96) || !unhex(f, n, secret)) {
		OPENSSL_cleanse(secret, FSC_TLS_SECRET_MAX);
		*why = "secret is not 64 or 96 hex digits";
		return FSC_MALFORMED;
	}
	*secret_len = n / 2;
	while (p < end && is_space(*p))
		p++;
	if (p != end) {
		OPENSSL_cleanse(secret, FSC_TLS_SECRET_MAX);
		*why = "text after the secret";
		return FSC_MALFORMED;
	}
	return FSC_OK;
}

struct fsc_tlskeys *fsc_tlskeys_new(uint32_t max)
{
	struct fsc_tlskeys *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->max = max ? max : DEFAULT_MAX;
	/* sized at the limit: calloc's untouched pages cost nothing */
	k->e = calloc(k->max, sizeof(*k->e));
	if (!k->e || !fsc_hmap_init(&k->idx, k->max)) {
		fsc_tlskeys_free(k);
		return NULL;
	}
	return k;
}

void fsc_tlskeys_free(struct fsc_tlskeys *k)
{
	if (!k)
		return;
	if (k->e)
		OPENSSL_cleanse(k->e, (size_t)k->n * sizeof(*k->e));
	free(k->e);
	fsc_hmap_free(&k->idx);
	free(k);
}

static uint64_t random_key(const uint8_t r[FSC_TLS_RANDOM_LEN])
{
	uint64_t v;

	memcpy(&v, r, sizeof(v));
	return v;
}

const struct fsc_tlskeys_entry *fsc_tlskeys_find(const struct fsc_tlskeys *k,
						 const uint8_t random[FSC_TLS_RANDOM_LEN])
{
	uint32_t pos = 0, i;
	uint64_t key = random_key(random);

	/* the first 8 bytes index; the whole random decides (a capture's
	 * randoms are the sender's to choose) */
	while ((i = fsc_hmap_next(&k->idx, key, &pos)) != FSC_HMAP_NONE)
		if (i < k->n && memcmp(k->e[i].random, random, FSC_TLS_RANDOM_LEN) == 0)
			return &k->e[i];
	return NULL;
}

void fsc_tlskeys_set_reload(struct fsc_tlskeys *k, void (*fn)(void *ctx), void *ctx)
{
	k->reload = fn;
	k->reload_ctx = ctx;
}

const struct fsc_tlskeys_entry *fsc_tlskeys_lookup(const struct fsc_tlskeys *k,
						   const uint8_t random[FSC_TLS_RANDOM_LEN],
						   enum fsc_tls_secret need)
{
	const struct fsc_tlskeys_entry *e = fsc_tlskeys_find(k, random);

	if ((e && e->len[need]) || !k->reload)
		return e;
	k->reload(k->reload_ctx);
	return fsc_tlskeys_find(k, random);
}

static void add_secret(struct fsc_tlskeys *k, enum fsc_tls_secret which,
		       const uint8_t random[FSC_TLS_RANDOM_LEN], const uint8_t *secret,
		       size_t len)
{
	struct fsc_tlskeys_entry *e = (struct fsc_tlskeys_entry *)fsc_tlskeys_find(k, random);

	if (!e) {
		if (k->n == k->max || !fsc_hmap_add(&k->idx, random_key(random), k->n)) {
			k->st.dropped++;
			return;
		}
		e = &k->e[k->n++];
		memcpy(e->random, random, FSC_TLS_RANDOM_LEN);
		k->st.entries = k->n;
	}
	memcpy(e->secret[which], secret, len);
	e->len[which] = (uint8_t)len;
}

static bool blank_or_comment(const char *p, size_t len)
{
	size_t i = 0;

	while (i < len && (is_space(p[i]) || p[i] == '\r'))
		i++;
	return i == len || p[i] == '#';
}

static void add_line(struct fsc_tlskeys *k, const char *p, size_t len)
{
	enum fsc_tls_secret which;
	uint8_t random[FSC_TLS_RANDOM_LEN], secret[FSC_TLS_SECRET_MAX];
	size_t slen = 0;
	const char *why;
	enum fsc_status st;

	k->st.lines++;
	st = len > LINE_MAX_READ ? FSC_MALFORMED
				 : fsc_tlskeys_parse_line(p, len, &which, random, secret, &slen,
							  &why);
	if (st == FSC_OK && which < FSC_TLS_SECRET_COUNT)
		add_secret(k, which, random, secret, slen);
	else if (st == FSC_OK && which == FSC_TLS_SECRET_TLS12)
		k->st.tls12++;
	else if (st == FSC_MALFORMED || (st == FSC_NOT_THIS && !blank_or_comment(p, len)))
		k->st.skipped++;
	OPENSSL_cleanse(secret, sizeof(secret));
}

void fsc_tlskeys_add_text(struct fsc_tlskeys *k, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end;

		add_line(k, p, (size_t)(e - p));
		p = nl ? nl + 1 : end;
	}
}

bool fsc_tlskeys_add_file(struct fsc_tlskeys *k, const char *path, uint64_t *offset,
			  bool whole, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t have = 0;
	bool ok = true;

	if (!f) {
		snprintf(err, errlen, "%s", strerror(errno));
		return false;
	}
	buf = malloc(READ_CHUNK);
	if (!buf || (*offset && fseeko(f, (off_t)*offset, SEEK_SET) != 0)) {
		snprintf(err, errlen, "%s", buf ? strerror(errno) : "out of memory");
		free(buf);
		fclose(f);
		return false;
	}
	/* Whole lines from a buffer; a line longer than the buffer is
	 * skipped (counted) up to its LF. */
	bool skipping = false;
	for (;;) {
		size_t r = fread(buf + have, 1, READ_CHUNK - have, f);
		if (r == 0) {
			if (ferror(f)) {
				snprintf(err, errlen, "%s", strerror(errno));
				ok = false;
			}
			break;
		}
		have += r;
		char *p = buf, *end = buf + have, *nl;
		while ((nl = memchr(p, '\n', (size_t)(end - p)))) {
			if (!skipping)
				add_line(k, p, (size_t)(nl - p));
			skipping = false;
			*offset += (uint64_t)(nl + 1 - p);
			p = nl + 1;
		}
		have = (size_t)(end - p);
		if (have == READ_CHUNK) {
			/* no LF in a whole buffer: not a key line */
			if (!skipping)
				k->st.lines++, k->st.skipped++;
			skipping = true;
			*offset += have;
			have = 0;
		} else {
			memmove(buf, p, have);
		}
	}
	if (ok && whole && have && !skipping) {
		add_line(k, buf, have);
		*offset += have;
	}
	OPENSSL_cleanse(buf, READ_CHUNK);
	free(buf);
	fclose(f);
	return ok;
}

const struct fsc_tlskeys_stats *fsc_tlskeys_stats(const struct fsc_tlskeys *k)
{
	return &k->st;
}

static void add_block(void *ctx, const char *text, size_t len)
{
	fsc_tlskeys_add_text(ctx, text, len);
}

int fsc_tlskeys_pcapng_secrets(const char *path, struct fsc_tlskeys *k, char *err,
			       size_t errlen)
{
	return fsc_dsb_walk(path, FSC_TLSKEYS_DSB_TYPE, add_block, k, err, errlen);
}
