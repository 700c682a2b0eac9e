/* fuzz_tlsdecrypt.c - libFuzzer target: the NSS key log reader and the TLS
 * 1.3 record path (tlsdecrypt.h). Byte 0 picks:
 *
 *   0  the rest is key log text: read into a table of 3 connections, the
 *      first line parsed alone; every secret kept is of a TLS 1.3 length,
 *      and the table never holds more than its limit
 *   1  le64 sequence number, then a record (header, body) opened with RFC
 *      8448's client application key; 2 the same with its handshake key
 *   3  le64 sequence number, then a plaintext sealed under the application
 *      key and opened again: the content, the type and the padding come
 *      back as they went (the last non-zero byte is the type)
 *
 * Seeds: tests/fuzz/gen/tlsopen_corpus.py. Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "fsc/tlsdecrypt.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

static const uint8_t c_ap[32] = {
	0x9e, 0x40, 0x64, 0x6c, 0xe7, 0x9a, 0x7f, 0x9d, 0xc0, 0x5a, 0xf8, 0x88, 0x9b, 0xce, 0x65, 0x52,
	0x87, 0x5a, 0xfa, 0x0b, 0x06, 0xdf, 0x00, 0x87, 0xf7, 0x92, 0xeb, 0xb7, 0xc1, 0x75, 0x04, 0xa5,
};
static const uint8_t c_hs[32] = {
	0xb3, 0xed, 0xdb, 0x12, 0x6e, 0x06, 0x7f, 0x35, 0xa7, 0x80, 0xb3, 0xab, 0xf4, 0x5e, 0x2d, 0x8f,
	0x3b, 0x1a, 0x95, 0x07, 0x38, 0xf5, 0x2e, 0x96, 0x00, 0x74, 0x6a, 0x0e, 0x27, 0xa5, 0x5a, 0x21,
};

static uint8_t out[FSC_TLS_PLAIN_MAX + 512], rec[FSC_TLS_PLAIN_MAX + 512];

static void key_log(const uint8_t *p, size_t len)
{
	struct fsc_tlskeys *k = fsc_tlskeys_new(3);
	const uint8_t *nl = memchr(p, '\n', len);
	enum fsc_tls_secret which;
	uint8_t random[32], secret[48];
	size_t slen = 0;
	const char *why = "unset";

	CHECK(k);
	fsc_tlskeys_add_text(k, (const char *)p, len);
	const struct fsc_tlskeys_stats *st = fsc_tlskeys_stats(k);
	CHECK(st->entries <= 3 && st->skipped + st->tls12 <= st->lines);
	enum fsc_status rc = fsc_tlskeys_parse_line((const char *)p, nl ? (size_t)(nl - p) : len,
						    &which, random, secret, &slen, &why);
	CHECK(rc == FSC_OK || rc == FSC_NOT_THIS || rc == FSC_MALFORMED);
	CHECK((rc == FSC_OK) == (why == NULL));
	if (rc == FSC_OK) {
		CHECK(slen == 32 || slen == 48);
		const struct fsc_tlskeys_entry *e = fsc_tlskeys_find(k, random);
		/* a kept secret of the first line is found (a later line may
		 * have replaced it; the table may have been full) */
		if (which < FSC_TLS_SECRET_COUNT && e)
			CHECK(e->len[which] == 32 || e->len[which] == 48);
	}
	fsc_tlskeys_free(k);
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void open_one(struct fsc_tls13_aead *a, const uint8_t *secret, const uint8_t *p, size_t len)
{
	struct fsc_tls13_key k;
	size_t n;
	uint8_t type;
	const char *why;

	if (len < 8 + 5)
		return;
	CHECK(fsc_tls13_traffic_key(0x1301, secret, 32, &k));
	size_t body = len - 13;
	if (body > sizeof(out))
		body = sizeof(out);
	enum fsc_status rc = fsc_tls13_open(a, &k, le64(p), p + 8, p + 13, body, out, &n, &type, &why);
	CHECK(rc == FSC_OK || rc == FSC_MALFORMED || rc == FSC_TRUNCATED);
	if (rc == FSC_OK)
		CHECK(type != 0 && n + 1 + FSC_TLS_AEAD_TAG <= body);
	else
		CHECK(why != NULL);
}

static void round_trip(struct fsc_tls13_aead *a, const uint8_t *p, size_t len)
{
	struct fsc_tls13_key k;
	uint8_t nonce[12];
	size_t n, plen;
	uint8_t type;
	const char *why;
	int l = 0, fin = 0;

	if (len < 8)
		return;
	plen = len - 8;
	if (plen > FSC_TLS_PLAIN_MAX + 1)
		plen = FSC_TLS_PLAIN_MAX + 1;
	CHECK(fsc_tls13_traffic_key(0x1301, c_ap, 32, &k));
	uint64_t seq = le64(p);
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	rec[0] = 23;
	rec[1] = rec[2] = 3;
	rec[3] = (uint8_t)((plen + 16) >> 8);
	rec[4] = (uint8_t)(plen + 16);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	CHECK(c);
	CHECK(EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) == 1);
	CHECK(EVP_EncryptUpdate(c, NULL, &l, rec, 5) == 1);
	CHECK(EVP_EncryptUpdate(c, rec + 5, &l, p + 8, (int)plen) == 1 || plen == 0);
	CHECK(EVP_EncryptFinal_ex(c, rec + 5 + l, &fin) == 1);
	CHECK(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + plen) == 1);
	EVP_CIPHER_CTX_free(c);
	enum fsc_status rc = fsc_tls13_open(a, &k, seq, rec, rec + 5, plen + 16, out, &n, &type, &why);
	size_t last = plen;
	while (last > 0 && p[8 + last - 1] == 0)
		last--;
	if (last == 0) {
		CHECK(rc != FSC_OK); /* all padding: no type */
		return;
	}
	CHECK(rc == FSC_OK && type == p[8 + last - 1] && n == last - 1);
	CHECK(memcmp(out, p + 8, n) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static struct fsc_tls13_aead *a;

	if (len < 1)
		return 0;
	if (!a)
		a = fsc_tls13_aead_new(); /* once: contexts are the hot path's */
	CHECK(a);
	switch (p[0] % 4) {
	case 0: key_log(p + 1, len - 1); break;
	case 1: open_one(a, c_ap, p + 1, len - 1); break;
	case 2: open_one(a, c_hs, p + 1, len - 1); break;
	default: round_trip(a, p + 1, len - 1); break;
	}
	return 0;
}
