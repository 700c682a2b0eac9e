/* tlsdecrypt.c - TLS 1.3 record protection undone (RFC 8446 §5.2, §7.1,
 * §7.3; tlsdecrypt.h): HKDF-Expand-Label for a traffic key and iv, one
 * AEAD context a suite made once and re-keyed per record (no allocation),
 * nonce = iv XOR the sequence number, the inner content type found behind
 * the zero padding. */
#include "fsc/tlsdecrypt.h"

#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

enum { S_AES128, S_AES256, S_CHACHA, S_COUNT };

static int suite_of(uint16_t cipher)
{
	switch (cipher) {
	case 0x1301: return S_AES128;	/* TLS_AES_128_GCM_SHA256 */
	case 0x1302: return S_AES256;	/* TLS_AES_256_GCM_SHA384 */
	case 0x1303: return S_CHACHA;	/* TLS_CHACHA20_POLY1305_SHA256 */
	default: return -1;
	}
}

bool fsc_tls13_cipher_known(uint16_t cipher)
{
	return suite_of(cipher) >= 0;
}

static const EVP_MD *hash_of(int s)
{
	return s == S_AES256 ? EVP_sha384() : EVP_sha256();
}

static const EVP_CIPHER *aead_of(int s)
{
	return s == S_AES128 ? EVP_aes_128_gcm() : s == S_AES256 ? EVP_aes_256_gcm()
								 : EVP_chacha20_poly1305();
}

bool fsc_tls13_expand_label(uint16_t cipher, const uint8_t *secret, size_t secret_len,
			    const char *label, uint8_t *out, size_t out_len)
{
	int s = suite_of(cipher);
	uint8_t info[2 + 1 + 255 + 1 + 1], t[EVP_MAX_MD_SIZE];
	size_t llen = strlen(label), n = 0;
	unsigned tlen = 0;

	if (s < 0 || secret_len != (size_t)EVP_MD_get_size(hash_of(s)) ||
	    out_len > secret_len || llen > 255 - 6)
		return false;
	/* HkdfLabel: length, "tls13 " label, empty context; then HKDF-Expand's
	 * counter 1: one block, as out_len is at most the hash length */
	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + llen);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, llen);
	n += llen;
	info[n++] = 0;
	info[n++] = 1;
	if (!HMAC(hash_of(s), secret, (int)secret_len, info, n, t, &tlen) || tlen < out_len)
		return false;
	memcpy(out, t, out_len);
	OPENSSL_cleanse(t, sizeof(t));
	return true;
}

bool fsc_tls13_traffic_key(uint16_t cipher, const uint8_t *secret, size_t secret_len,
			   struct fsc_tls13_key *out)
{
	int s = suite_of(cipher);

	memset(out, 0, sizeof(*out));
	if (s < 0)
		return false;
	out->key_len = s == S_AES128 ? 16 : 32;
	if (!fsc_tls13_expand_label(cipher, secret, secret_len, "key", out->key, out->key_len) ||
	    !fsc_tls13_expand_label(cipher, secret, secret_len, "iv", out->iv, sizeof(out->iv))) {
		OPENSSL_cleanse(out, sizeof(*out));
		return false;
	}
	out->cipher = cipher;
	return true;
}

struct fsc_tls13_aead {
	EVP_CIPHER_CTX *ctx[S_COUNT];
};

struct fsc_tls13_aead *fsc_tls13_aead_new(void)
{
	struct fsc_tls13_aead *a = OPENSSL_zalloc(sizeof(*a));

	if (!a)
		return NULL;
	for (int s = 0; s < S_COUNT; s++) {
		a->ctx[s] = EVP_CIPHER_CTX_new();
		if (!a->ctx[s] || EVP_DecryptInit_ex(a->ctx[s], aead_of(s), NULL, NULL, NULL) != 1) {
			fsc_tls13_aead_free(a);
			return NULL;
		}
	}
	return a;
}

void fsc_tls13_aead_free(struct fsc_tls13_aead *a)
{
	if (!a)
		return;
	for (int s = 0; s < S_COUNT; s++)
		EVP_CIPHER_CTX_free(a->ctx[s]);
	OPENSSL_free(a);
}

enum fsc_status fsc_tls13_open(struct fsc_tls13_aead *a, const struct fsc_tls13_key *k,
			       uint64_t seq, const uint8_t hdr[5], const uint8_t *body,
			       size_t len, uint8_t *out, size_t *out_len, uint8_t *type,
			       const char **why)
{
	int s = suite_of(k->cipher), n = 0, fin = 0;
	uint8_t nonce[12];
	size_t clen;

	*out_len = 0;
	*type = 0;
	if (s < 0) {
		*why = "no key";
		return FSC_MALFORMED;
	}
	if (len < FSC_TLS_AEAD_TAG + 1) {
		*why = "record shorter than a tag and a content type";
		return FSC_TRUNCATED;
	}
	clen = len - FSC_TLS_AEAD_TAG;
	if (clen > FSC_TLS_PLAIN_MAX + 256) {
		*why = "record longer than 2^14 + 256";
		return FSC_MALFORMED;
	}
	memcpy(nonce, k->iv, sizeof(nonce));
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	EVP_CIPHER_CTX *c = a->ctx[s];
	if (EVP_DecryptInit_ex(c, NULL, NULL, k->key, nonce) != 1 ||
	    EVP_DecryptUpdate(c, NULL, &n, hdr, 5) != 1 ||
	    EVP_DecryptUpdate(c, out, &n, body, (int)clen) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, FSC_TLS_AEAD_TAG,
				(void *)(body + clen)) != 1 ||
	    EVP_DecryptFinal_ex(c, out + n, &fin) != 1) {
		OPENSSL_cleanse(out, clen);
		*why = "authentication tag does not match";
		return FSC_MALFORMED;
	}
	/* TLSInnerPlaintext: content, type, zeros */
	size_t i = clen;
	while (i > 0 && out[i - 1] == 0)
		i--;
	if (i == 0) {
		*why = "no content type in the plaintext";
		return FSC_MALFORMED;
	}
	*type = out[i - 1];
	*out_len = i - 1;
	*why = NULL;
	return FSC_OK;
}
