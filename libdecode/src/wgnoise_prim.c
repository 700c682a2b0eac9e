/* wgnoise_prim.c - WireGuard's primitives over OpenSSL 3 (protocols.md §1.1-1.2,
 * refpair.md §2.2): BLAKE2s HASH and MAC, HMAC and the KDF chain, X25519,
 * ChaCha20-Poly1305, HChaCha20 and XChaCha20-Poly1305; and the OpenSSL
 * state they share. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "wgnoise_int.h"

#define CONSTRUCTION "Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
#define IDENTIFIER "WireGuard v1 zx2c4 Jason@zx2c4.com"

void fsc_wgnoise_wipe(void *p, size_t n)
{
	OPENSSL_cleanse(p, n);
}


bool fsc_wgnoise_hash(struct fsc_wgnoise *nz, uint8_t out[32],
		      const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	unsigned int n = 0;

	return EVP_DigestInit_ex2(nz->md, nz->blake2s, NULL) == 1 &&
	       EVP_DigestUpdate(nz->md, a, alen) == 1 &&
	       (blen == 0 || EVP_DigestUpdate(nz->md, b, blen) == 1) &&
	       EVP_DigestFinal_ex(nz->md, out, &n) == 1 && n == 32;
}

bool fsc_wgnoise_mac(struct fsc_wgnoise *nz, uint8_t *out, size_t outlen,
		     const uint8_t *key, size_t keylen, const uint8_t *in,
		     size_t inlen)
{
	OSSL_PARAM params[2];
	size_t n = 0;

	if (keylen < 1 || keylen > 32 || (outlen != 16 && outlen != 32))
		return false;
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &outlen);
	params[1] = OSSL_PARAM_construct_end();
	return EVP_MAC_init(nz->mac, key, keylen, params) == 1 &&
	       EVP_MAC_update(nz->mac, in, inlen) == 1 &&
	       EVP_MAC_final(nz->mac, out, &n, outlen) == 1 && n == outlen;
}

/* RFC 2104 over BLAKE2s (block 64): by hand, because it is two hashes and
 * OpenSSL's HMAC wants a non-NULL empty key and a fetch per context. */
bool fsc_wgnoise_hmac(struct fsc_wgnoise *nz, uint8_t out[32],
		      const uint8_t *key, size_t keylen, const uint8_t *in,
		      size_t inlen)
{
	uint8_t pad[64], inner[32];
	bool ok;

	if (keylen > 64)
		return false;
	memset(pad, 0x36, sizeof(pad));
	for (size_t i = 0; i < keylen; i++)
		pad[i] ^= key[i];
	ok = fsc_wgnoise_hash(nz, inner, pad, 64, in, inlen);
	for (size_t i = 0; i < 64; i++)
		pad[i] ^= 0x36 ^ 0x5c;
	ok = ok && fsc_wgnoise_hash(nz, out, pad, 64, inner, 32);
	OPENSSL_cleanse(pad, sizeof(pad));
	OPENSSL_cleanse(inner, sizeof(inner));
	return ok;
}

bool fsc_wgnoise_kdf(struct fsc_wgnoise *nz, unsigned n, uint8_t (*out)[32],
		     const uint8_t *key, size_t keylen, const uint8_t *in,
		     size_t inlen)
{
	uint8_t prk[32], buf[33];
	bool ok;

	if (n < 1 || n > 3)
		return false;
	ok = fsc_wgnoise_hmac(nz, prk, key, keylen, in, inlen);
	buf[0] = 1;
	ok = ok && fsc_wgnoise_hmac(nz, out[0], prk, 32, buf, 1);
	for (unsigned i = 1; ok && i < n; i++) {
		memcpy(buf, out[i - 1], 32);
		buf[32] = (uint8_t)(i + 1);
		ok = fsc_wgnoise_hmac(nz, out[i], prk, 32, buf, 33);
	}
	OPENSSL_cleanse(prk, sizeof(prk));
	OPENSSL_cleanse(buf, sizeof(buf));
	return ok;
}

void fsc_wgnoise_clamp(uint8_t priv[32])
{
	priv[0] &= 248;
	priv[31] = (uint8_t)((priv[31] & 127) | 64);
}

bool fsc_wgnoise_pubkey(struct fsc_wgnoise *nz, uint8_t pub[32],
			const uint8_t priv[32])
{
	EVP_PKEY *k;
	size_t n = 32;
	bool ok;

	(void)nz;
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	if (!k)
		return false;
	ok = EVP_PKEY_get_raw_public_key(k, pub, &n) == 1 && n == 32;
	EVP_PKEY_free(k);
	return ok;
}

bool fsc_wgnoise_dh(struct fsc_wgnoise *nz, uint8_t out[32],
		    const uint8_t priv[32], const uint8_t pub[32])
{
	EVP_PKEY *mine, *theirs;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = 32;
	bool ok = false;
	uint8_t any = 0;

	(void)nz;
	mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, 32);
	if (mine && theirs)
		ctx = EVP_PKEY_CTX_new(mine, NULL);
	if (ctx && EVP_PKEY_derive_init(ctx) == 1 &&
	    EVP_PKEY_derive_set_peer(ctx, theirs) == 1 &&
	    EVP_PKEY_derive(ctx, out, &n) == 1 && n == 32) {
		/* OpenSSL already refuses a zero result; say it here too. */
		for (int i = 0; i < 32; i++)
			any |= out[i];
		ok = any != 0;
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	return ok;
}

static bool aead(struct fsc_wgnoise *nz, bool seal, uint8_t *out,
		 const uint8_t key[32], const uint8_t nonce[12],
		 const uint8_t *in, size_t inlen, const uint8_t *ad,
		 size_t adlen)
{
	EVP_CIPHER_CTX *c = seal ? nz->seal : nz->open;
	uint8_t tag[16], none[16];
	int n = 0, m = 0;

	if (!out)
		out = none; /* an empty plaintext: Final writes nothing */

	if (!seal) {
		if (inlen < 16)
			return false;
		inlen -= 16;
		memcpy(tag, in + inlen, 16);
	}
	if (inlen > INT_MAX || adlen > INT_MAX)
		return false;
	if (EVP_CipherInit_ex(c, NULL, NULL, key, nonce, seal) != 1)
		return false;
	if (adlen && EVP_CipherUpdate(c, NULL, &n, ad, (int)adlen) != 1)
		return false;
	if (inlen && EVP_CipherUpdate(c, out, &n, in, (int)inlen) != 1)
		return false;
	if (!seal && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, tag) != 1)
		return false;
	if (EVP_CipherFinal_ex(c, out + n, &m) != 1)
		return false;
	if (seal && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16,
					out + inlen) != 1)
		return false;
	return true;
}

bool fsc_wgnoise_aead_seal(struct fsc_wgnoise *nz, uint8_t *out,
			   const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *in, size_t inlen, const uint8_t *ad,
			   size_t adlen)
{
	return aead(nz, true, out, key, nonce, in, inlen, ad, adlen);
}

bool fsc_wgnoise_aead_open(struct fsc_wgnoise *nz, uint8_t *out,
			   const uint8_t key[32], const uint8_t nonce[12],
			   const uint8_t *in, size_t inlen, const uint8_t *ad,
			   size_t adlen)
{
	return aead(nz, false, out, key, nonce, in, inlen, ad, adlen);
}

/* HChaCha20 from EVP_chacha20: its 16-byte IV fills state words 12..15, so
 * the keystream block is rounds(state) + state; subtracting the known words
 * 0..3 (constants) and 12..15 (the input) leaves HChaCha20's output. */
bool fsc_wgnoise_hchacha20(struct fsc_wgnoise *nz, uint8_t out[32],
			   const uint8_t key[32], const uint8_t in[16])
{
	static const uint32_t sigma[4] = { 0x61707865, 0x3320646e, 0x79622d32,
					   0x6b206574 };
	uint8_t zero[64] = { 0 }, ks[64];
	int n = 0;

	if (EVP_EncryptInit_ex(nz->stream, nz->chacha, NULL, key, in) != 1 ||
	    EVP_EncryptUpdate(nz->stream, ks, &n, zero, 64) != 1 || n != 64)
		return false;
	for (int i = 0; i < 4; i++) {
		put_le32(out + 4 * i, get_le32(ks + 4 * i) - sigma[i]);
		put_le32(out + 16 + 4 * i,
			 get_le32(ks + 48 + 4 * i) - get_le32(in + 4 * i));
	}
	OPENSSL_cleanse(ks, sizeof(ks));
	return true;
}

static bool xaead(struct fsc_wgnoise *nz, bool seal, uint8_t *out,
		  const uint8_t key[32], const uint8_t nonce[24],
		  const uint8_t *in, size_t inlen, const uint8_t *ad,
		  size_t adlen)
{
	uint8_t sub[32], n12[12] = { 0 };
	bool ok;

	memcpy(n12 + 4, nonce + 16, 8);
	ok = fsc_wgnoise_hchacha20(nz, sub, key, nonce) &&
	     aead(nz, seal, out, sub, n12, in, inlen, ad, adlen);
	OPENSSL_cleanse(sub, sizeof(sub));
	return ok;
}

bool fsc_wgnoise_xaead_seal(struct fsc_wgnoise *nz, uint8_t *out,
			    const uint8_t key[32], const uint8_t nonce[24],
			    const uint8_t *in, size_t inlen, const uint8_t *ad,
			    size_t adlen)
{
	return xaead(nz, true, out, key, nonce, in, inlen, ad, adlen);
}

bool fsc_wgnoise_xaead_open(struct fsc_wgnoise *nz, uint8_t *out,
			    const uint8_t key[32], const uint8_t nonce[24],
			    const uint8_t *in, size_t inlen, const uint8_t *ad,
			    size_t adlen)
{
	return xaead(nz, false, out, key, nonce, in, inlen, ad, adlen);
}

/* ---- Setup ------------------------------------------------------------ */

struct fsc_wgnoise *fsc_wgnoise_new(char *err, size_t errlen)
{
	struct fsc_wgnoise *nz = calloc(1, sizeof(*nz));
	const char *what = "out of memory";

	if (!nz)
		goto fail;
	what = "OpenSSL has no BLAKE2S-256";
	if (!(nz->blake2s = EVP_MD_fetch(NULL, "BLAKE2S-256", NULL)))
		goto fail;
	what = "OpenSSL has no BLAKE2SMAC";
	if (!(nz->b2mac = EVP_MAC_fetch(NULL, "BLAKE2SMAC", NULL)))
		goto fail;
	what = "OpenSSL has no ChaCha20-Poly1305";
	if (!(nz->aead = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL)))
		goto fail;
	what = "OpenSSL has no ChaCha20";
	if (!(nz->chacha = EVP_CIPHER_fetch(NULL, "ChaCha20", NULL)))
		goto fail;
	what = "OpenSSL context allocation failed";
	nz->md = EVP_MD_CTX_new();
	nz->mac = EVP_MAC_CTX_new(nz->b2mac);
	nz->seal = EVP_CIPHER_CTX_new();
	nz->open = EVP_CIPHER_CTX_new();
	nz->stream = EVP_CIPHER_CTX_new();
	if (!nz->md || !nz->mac || !nz->seal || !nz->open || !nz->stream)
		goto fail;
	/* The cipher is bound once; each message then sets only key and IV. */
	if (EVP_EncryptInit_ex(nz->seal, nz->aead, NULL, NULL, NULL) != 1 ||
	    EVP_DecryptInit_ex(nz->open, nz->aead, NULL, NULL, NULL) != 1)
		goto fail;
	what = "BLAKE2s of the Noise constants failed";
	if (!fsc_wgnoise_hash(nz, nz->c0, (const uint8_t *)CONSTRUCTION,
			      strlen(CONSTRUCTION), NULL, 0) ||
	    !fsc_wgnoise_hash(nz, nz->h0, nz->c0, 32,
			      (const uint8_t *)IDENTIFIER, strlen(IDENTIFIER)))
		goto fail;
	return nz;
fail:
	if (err && errlen)
		snprintf(err, errlen, "%s", what);
	fsc_wgnoise_free(nz);
	return NULL;
}

void fsc_wgnoise_free(struct fsc_wgnoise *nz)
{
	if (!nz)
		return;
	EVP_CIPHER_CTX_free(nz->seal);
	EVP_CIPHER_CTX_free(nz->open);
	EVP_CIPHER_CTX_free(nz->stream);
	EVP_MAC_CTX_free(nz->mac);
	EVP_MD_CTX_free(nz->md);
	EVP_CIPHER_free(nz->aead);
	EVP_CIPHER_free(nz->chacha);
	EVP_MAC_free(nz->b2mac);
	EVP_MD_free(nz->blake2s);
	free(nz);
}
