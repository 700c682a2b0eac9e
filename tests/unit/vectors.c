/* vectors.c - hex vectors and guard pages for the unit tests. */
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "fsc/tlsdecrypt.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t vec_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	int hi = -1;

	for (const char *s = hex; *s; s++) {
		if (*s == '#') {
			while (*s && *s != '\n')
				s++;
			if (!*s)
				break;
			continue;
		}
		int v = hexval(*s);
		if (v < 0)
			continue;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max) {
			fprintf(stderr, "vec_hex: vector longer than %zu\n", max);
			abort();
		}
		out[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0) {
		fprintf(stderr, "vec_hex: odd number of hex digits\n");
		abort();
	}
	return n;
}

static size_t page_size(void)
{
	return (size_t)sysconf(_SC_PAGESIZE);
}

static size_t guard_span(size_t len)
{
	size_t pg = page_size();
	return (len + pg - 1) / pg * pg + pg;
}

uint8_t *vec_guard(const uint8_t *p, size_t len)
{
	size_t span = guard_span(len), pg = page_size();
	uint8_t *base = mmap(NULL, span, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (base == MAP_FAILED) {
		perror("vec_guard: mmap");
		abort();
	}
	if (mprotect(base + span - pg, pg, PROT_NONE) != 0) {
		perror("vec_guard: mprotect");
		abort();
	}
	uint8_t *g = base + span - pg - len;
	if (len)
		memcpy(g, p, len);
	return g;
}

void vec_guard_free(uint8_t *g, size_t len)
{
	size_t span = guard_span(len), pg = page_size();
	uint8_t *base = g + len + pg - span;

	munmap(base, span);
}

const char vec_client_hello_hex[] =
	"160301008b010000870303000000000000000000000000000000000000000000"
	"00000000000000000000000000080a0a13011302c02f010000561a1a00000000"
	"0013001100000e6578616d706c652e74732e6e65740010000e000c0268320868"
	"7474702f312e31002b0007062a2a03040303000a000800063a3a001d0017000b"
	"00020100000d00080006040308040401";

const char vec_rfc8448_client_hello[] =
	"16030100c4010000c00303" VEC_RFC8448_RANDOM
	"000006130113031302010000910000000b0009000006736572766572ff01000100000a00140012001d0017"
	"00180019010001010102010301040023000000330026002400"
	"1d002099381de560e4bd43d23d8e435a7dbafeb3c06e51c13cae4d5413691e529aaf2c002b0003020304"
	"000d0020001e040305030603020308040805080604010501060102010402050206020202002d00020101"
	"001c00024001";
const char vec_rfc8448_server_hello[] =
	"160303005a020000560303a6af06a4121860dc5e6e60249cd34c95930c8ac5cb1434dac155772ed3e269"
	"2800130100002e00330024001d0020c9828876112095fe66762bdbf7c672e156d6cc253b833df1dd69b1"
	"b04e751f0f002b00020304";
const char vec_rfc8448_client_finished[] =
	"170303003575ec4dc238cce60b298044a71e219c56cc77b0517fe9b93c7a4bfc44d87f38f80338ac98fc"
	"46deb384bd1caeacab6867d726c40546";
const char vec_rfc8448_client_finished_plain[] =
	"14000020a8ec436d677634ae525ac1fcebe11a039ec17694fac6e98527b642f2edd5ce61";

void vec_rfc8448_keylog(char *buf, size_t cap, bool handshake)
{
	int n = snprintf(buf, cap,
			 "CLIENT_TRAFFIC_SECRET_0 %s %s\nSERVER_TRAFFIC_SECRET_0 %s %s\n",
			 VEC_RFC8448_RANDOM, VEC_RFC8448_C_AP, VEC_RFC8448_RANDOM, VEC_RFC8448_S_AP);
	if (handshake && n > 0 && (size_t)n < cap)
		snprintf(buf + n, cap - (size_t)n,
			 "CLIENT_HANDSHAKE_TRAFFIC_SECRET %s %s\n"
			 "SERVER_HANDSHAKE_TRAFFIC_SECRET %s %s\n",
			 VEC_RFC8448_RANDOM, VEC_RFC8448_C_HS, VEC_RFC8448_RANDOM, VEC_RFC8448_S_HS);
}

size_t vec_tls13_seal_bytes(const uint8_t secret[32], uint64_t seq, uint8_t type,
			    const void *data, size_t n, uint8_t *rec, size_t cap)
{
	struct fsc_tls13_key k;
	uint8_t nonce[12];
	int len = 0, fin = 0;

	if (!fsc_tls13_traffic_key(0x1301, secret, 32, &k) || 5 + n + 1 + 16 > cap)
		abort();
	memcpy(nonce, k.iv, 12);
	for (int i = 0; i < 8; i++)
		nonce[11 - i] ^= (uint8_t)(seq >> (8 * i));
	rec[0] = 23;
	rec[1] = rec[2] = 3;
	rec[3] = (uint8_t)((n + 17) >> 8);
	rec[4] = (uint8_t)(n + 17);
	memcpy(rec + 5, data, n);
	rec[5 + n] = type; /* the content type, then no padding */
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	if (!c || EVP_EncryptInit_ex(c, EVP_aes_128_gcm(), NULL, k.key, nonce) != 1 ||
	    EVP_EncryptUpdate(c, NULL, &len, rec, 5) != 1 ||
	    EVP_EncryptUpdate(c, rec + 5, &len, rec + 5, (int)n + 1) != 1 ||
	    EVP_EncryptFinal_ex(c, rec + 5 + len, &fin) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, rec + 5 + n + 1) != 1)
		abort();
	EVP_CIPHER_CTX_free(c);
	return 5 + n + 1 + 16;
}

size_t vec_tls13_seal(const char *secret_hex, uint64_t seq, const char *text, uint8_t *rec,
		      size_t cap)
{
	uint8_t s[32];

	if (vec_hex(secret_hex, s, sizeof(s)) != 32)
		abort();
	return vec_tls13_seal_bytes(s, seq, 23, text, strlen(text), rec, cap);
}

void vec_ip4(uint8_t *b, size_t len, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	memset(b, 0, len);
	b[0] = 0x45;
	b[2] = (uint8_t)(len >> 8);
	b[3] = (uint8_t)len;
	b[8] = 64;
	b[9] = proto;
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
}
