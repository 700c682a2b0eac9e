/* fuzz_ingress.c - libFuzzer target for ingress.c (and the HTTP head parse
 * that feeds it), fed in input-derived chunks as fnode reads a PeerAPI head.
 *
 * Corpus: tests/fuzz/corpus/ingress/ (ingress requests as an edge sends them).
 *
 * Oracles: every span of an accepted request lies inside the input; the
 * chunked parse agrees with the one-shot parse; an accepted request written
 * back with fsc_ingress_write_request is accepted again with the same
 * client address and target; answers are never longer than their buffer. */
#include <stdlib.h>
#include <string.h>

#include "fsc/ingress.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *p, size_t len, const uint8_t *d, size_t n)
{
	if (len && ((const uint8_t *)p < d || (const uint8_t *)p + len > d + n))
		abort();
}

static enum fsc_ingress_verdict check(const uint8_t *p, size_t len, size_t *head_len,
				      struct fsc_ingress_request *r)
{
	static struct fsc_http_header hdrs[64];
	static const struct fsc_span own[] = { { "127.0.0.1:46187", 15 } };
	struct fsc_http_head h;
	const char *why;

	fsc_http_head_init(&h, hdrs, 64, 8192);
	if (fsc_http_parse_request(p, len, 0, &h, &why) != FSC_OK)
		return FSC_INGRESS_VERDICT_COUNT;
	*head_len = h.head_len;
	memset(r, 0, sizeof(*r));
	return fsc_ingress_check(&h, own, 1, len & 1 ? true : (p[0] & 1), r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsc_http_header hdrs[64];
	struct chunker ck = chunker_make(data, size);
	struct fsc_ingress_request r, r2;
	struct fsc_http_head h;
	enum fsc_ingress_verdict v, v2;
	size_t head_len = 0, head2 = 0, have = 0, last = 0;
	enum fsc_status st = FSC_TRUNCATED;
	const char *why;
	char buf[2048], target[600];
	struct fsc_span host;
	struct fsc_addr a;
	uint16_t port;

	fsc_ingress_parse_addrport((const char *)data, size, &a, &port);
	if (fsc_ingress_split_hostport((const char *)data, size, &host, &port))
		inside(host.p, host.len, data, size);
	if (size == 0)
		return 0;
	v = check(data, size, &head_len, &r);
	/* the same head in chunks, as read from a socket */
	while (have < size && st == FSC_TRUNCATED) {
		have += chunker_next(&ck, size - have);
		fsc_http_head_init(&h, hdrs, 64, 8192);
		st = fsc_http_parse_request(data, have, last, &h, &why);
		last = have;
	}
	if ((v != FSC_INGRESS_VERDICT_COUNT) != (st == FSC_OK) ||
	    (st == FSC_OK && h.head_len != head_len))
		abort();
	if (v != FSC_INGRESS_ACCEPT)
		return 0;
	inside(r.target.p, r.target.len, data, size);
	inside(r.target_host.p, r.target_host.len, data, size);
	if (r.target.len >= sizeof(target) || memchr(r.target.p, '\0', r.target.len) ||
	    memchr(r.target.p, '\r', r.target.len) || memchr(r.target.p, '\n', r.target.len))
		return 0;
	memcpy(target, r.target.p, r.target.len);
	target[r.target.len] = '\0';
	if (fsc_ingress_write_request("peer", &r.src, r.src_port, target, buf, sizeof(buf)) >=
	    sizeof(buf))
		return 0;
	v2 = check((const uint8_t *)buf, strlen(buf), &head2, &r2);
	if ((v2 != FSC_INGRESS_ACCEPT && v2 != FSC_INGRESS_NO_CAP) ||
	    (v2 == FSC_INGRESS_ACCEPT &&
	     (!fsc_addr_eq(&r.src, &r2.src) || r.src_port != r2.src_port ||
	      r.target.len != r2.target.len || r.target_port != r2.target_port)))
		abort();
	for (v = FSC_INGRESS_ACCEPT; v <= FSC_INGRESS_VERDICT_COUNT; v++)
		if (fsc_ingress_write_answer(v, "Sun, 06 Dec 2026 15:00:00 GMT", buf, 64) >= 64 &&
		    strlen(buf) != 63)
			abort();
	return 0;
}
