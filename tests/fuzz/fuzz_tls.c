/* fuzz_tls.c - libFuzzer target for tls.c and ja.c.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE
 *        -Ilibdecode/include tests/fuzz/fuzz_tls.c libdecode/src/{tls,ja}.c -lcrypto
 * Corpus: tests/fuzz/corpus/tls/ (records and whole client streams).
 *
 * Oracles beyond "no crash": feeding the stream whole and in input-derived
 * chunks delivers the same messages and ends in the same status; a parsed
 * hello always fingerprints.
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/ja.h"
#include "fsc/tls.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct fsc_tls_client_hello ch;
static struct fsc_tls_server_hello sh;

static void hello(const uint8_t *p, size_t n)
{
	const char *why;
	char s[FSC_JA3_STR_MAX], j3[FSC_JA3_HEX_LEN], j4[FSC_JA4_LEN], raw[FSC_JA4_RAW_MAX];

	if (fsc_tls_client_hello_parse(p, n, &ch, &why) == FSC_OK) {
		if (ch.sni.len && (ch.sni.p < p || ch.sni.p + ch.sni.len > p + n))
			abort();
		enum fsc_status want = ch.overflow ? FSC_MALFORMED : FSC_OK;
		if (fsc_ja3_string(&ch, s, sizeof(s), &why) != want ||
		    fsc_ja3(&ch, j3, &why) != want || fsc_ja4(&ch, 't', j4, &why) != want ||
		    fsc_ja4_raw(&ch, 't', raw, sizeof(raw), &why) != want)
			abort();
		if (want == FSC_OK && strlen(j4) != FSC_JA4_LEN - 1)
			abort();
	} else if (why == NULL) {
		abort();
	}
	if (fsc_tls_server_hello_parse(p, n, &sh, &why) != FSC_OK && why == NULL)
		abort();
}

/* Runs the reassembler; returns a digest of what it delivered. */
static uint64_t reasm(const uint8_t *p, size_t n, size_t cap, struct chunker *ck,
		      enum fsc_status *end)
{
	static uint8_t buf[FSC_TLS_HS_MAX];
	struct fsc_tls_reasm r;
	uint64_t d = 14695981039346656037ull;
	enum fsc_status st = FSC_TRUNCATED;

	fsc_tls_reasm_init(&r, buf, cap);
	for (size_t off = 0; off < n;) {
		size_t k = ck ? chunker_next(ck, 64) : n - off, pos = 0, used;
		const char *why;
		if (k > n - off)
			k = n - off;
		while ((st = fsc_tls_reasm_feed(&r, p + off + pos, k - pos, &used, &why)) == FSC_OK) {
			pos += used;
			if (pos > k || r.msg_len > cap)
				abort();
			for (size_t i = 0; i < r.msg_len; i++)
				d = (d ^ r.msg[i]) * 1099511628211ull;
			d = (d ^ r.msg_len) * 1099511628211ull;
			if (!ck)
				hello(r.msg, r.msg_len);
		}
		if (st != FSC_TRUNCATED)
			break;
		off += k;
	}
	*end = st;
	return d;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *why;
	enum fsc_status a, b;
	struct chunker ck = chunker_make(data, size);
	size_t cap = size && (data[0] & 1) ? 64 : FSC_TLS_HS_MAX;

	fsc_tls_sniff(data, size, &why);
	hello(data, size);
	if (reasm(data, size, cap, NULL, &a) != reasm(data, size, cap, &ck, &b) || a != b)
		abort();
	return 0;
}
