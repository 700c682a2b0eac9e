/* fuzz_http.c - libFuzzer target for http.c.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE
 *        -Ilibdecode/include tests/fuzz/fuzz_http.c libdecode/src/{http,http_body,span}.c
 * Corpus: tests/fuzz/corpus/http/ (heads with bodies, chunked bodies).
 *
 * Oracles: a head parsed by growing the buffer in input-derived steps (with
 * the last_len hint) ends as the one-shot parse does, and never says OK
 * earlier; the chunked skipper gives the same end and length whole and in
 * chunks; every header points inside the input.
 */
#include <stdlib.h>

#include "fsc/http.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static enum fsc_status skip(const uint8_t *p, size_t n, struct chunker *ck, size_t *total,
			    uint64_t *body)
{
	struct fsc_http_chunked c;
	enum fsc_status st = FSC_TRUNCATED;
	size_t off = 0;

	fsc_http_chunked_init(&c);
	while (off < n) {
		size_t k = ck ? chunker_next(ck, 32) : n - off, used;
		const char *why;
		if (k > n - off)
			k = n - off;
		st = fsc_http_chunked_skip(&c, p + off, k, &used, &why);
		if (used > k || (st == FSC_TRUNCATED && used != k))
			abort();
		off += used;
		if (st != FSC_TRUNCATED)
			break;
	}
	*total = off;
	*body = c.body;
	return st;
}

static void check_chunked(const uint8_t *p, size_t n, struct chunker *ck)
{
	size_t u1, u2;
	uint64_t b1, b2;
	enum fsc_status s1 = skip(p, n, NULL, &u1, &b1), s2 = skip(p, n, ck, &u2, &b2);

	if (s1 != s2 || b1 != b2 || (s1 != FSC_MALFORMED && u1 != u2))
		abort();
}

static void head(const uint8_t *data, size_t size, bool response, struct chunker *ck)
{
	static struct fsc_http_header hdrs[16];
	struct fsc_http_head h, g;
	struct fsc_http_info in;
	struct fsc_http_body b;
	const char *why;
	size_t max_head = size > 2 ? 32 + data[1] * 4 : 0;
	enum fsc_status (*parse)(const uint8_t *, size_t, size_t, struct fsc_http_head *,
				 const char **) =
		response ? fsc_http_parse_response : fsc_http_parse_request;

	/* An observer's parse (lenient) or a server's, by the first byte. */
	unsigned lenient = size && (data[0] & 1) ? FSC_HTTP_F_OBS_FOLD | FSC_HTTP_F_VERSION : 0;

	fsc_http_head_init(&h, hdrs, 16, max_head);
	h.lenient = lenient;
	enum fsc_status st = parse(data, size, 0, &h, &why);
	if (st != FSC_OK && why == NULL)
		abort();
	/* A head read to its end starts with what the resync search takes for
	 * a start line (empty lines before it aside). */
	if ((st == FSC_OK || (st == FSC_MALFORMED && h.head_len)) && size && data[0] != '\r' &&
	    data[0] != '\n' && fsc_http_start_line(data, size, response) != FSC_OK)
		abort();
	if (st == FSC_OK) {
		if (h.head_len > size || h.n_headers > 16)
			abort();
		for (size_t i = 0; i < h.n_headers; i++)
			if ((const uint8_t *)hdrs[i].value < data ||
			    (const uint8_t *)hdrs[i].value + hdrs[i].value_len > data + size)
				abort();
		if (fsc_http_info(&h, &in, &why) == FSC_OK &&
		    fsc_http_body_framing(&h, &in, "GET", 3, &b, &why) == FSC_OK &&
		    b.kind == FSC_HTTP_BODY_CHUNKED)
			check_chunked(data + h.head_len, size - h.head_len, ck);
	}
	/* Grow the buffer step by step, as a stream would. */
	static struct fsc_http_header hdrs2[16];
	size_t n = 0, last = 0;
	enum fsc_status gs = FSC_TRUNCATED;
	while (n < size && gs == FSC_TRUNCATED) {
		n += chunker_next(ck, 48);
		if (n > size)
			n = size;
		fsc_http_head_init(&g, hdrs2, 16, max_head);
		g.lenient = lenient;
		gs = parse(data, n, last, &g, &why);
		last = n;
	}
	if (st == FSC_OK && (gs != FSC_OK || g.head_len != h.head_len || g.n_headers != h.n_headers))
		abort();
	if (gs == FSC_OK && st != FSC_OK)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct chunker ck = chunker_make(data, size);

	head(data, size, false, &ck);
	head(data, size, true, &ck);
	check_chunked(data, size, &ck);
	return 0;
}
