/* fuzz_proxyproto.c - libFuzzer target for proxyproto.c.
 *
 * Corpus: tests/fuzz/corpus/proxyproto/ (v1 and v2 headers).
 *
 * Oracles: a header is never longer than the input, its TLVs lie inside
 * it; every prefix of an accepted header answers truncated; an accepted
 * TCP4/TCP6 header written back (v1 and v2) reads back the same. */
#include <stdlib.h>
#include <string.h>

#include "fsc/proxyproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void same(const struct fsc_proxy_header *a, const struct fsc_proxy_header *b)
{
	if (!fsc_addr_eq(&a->src, &b->src) || !fsc_addr_eq(&a->dst, &b->dst) ||
	    a->src_port != b->src_port || a->dst_port != b->dst_port)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_proxy_header h, h2;
	const char *why;
	uint8_t buf[128];
	size_t n, cut;

	if (fsc_proxy_parse(data, size, &h, &why) != FSC_OK)
		return 0;
	if (h.len > size || (h.tlv && (h.tlv < data || h.tlv + h.tlv_len > data + h.len)))
		abort();
	for (cut = 0; cut < h.len; cut += 1 + cut / 4)
		if (fsc_proxy_parse(data, cut, &h2, &why) != FSC_TRUNCATED)
			abort();
	if (h.local || h.src.family == 0 || h.src.family != h.dst.family)
		return 0;
	n = fsc_proxy_write_v1(&h.src, h.src_port, &h.dst, h.dst_port, (char *)buf, sizeof(buf));
	if (n == 0 || fsc_proxy_parse(buf, n, &h2, &why) != FSC_OK || h2.len != n)
		abort();
	same(&h, &h2);
	n = fsc_proxy_write_v2(&h.src, h.src_port, &h.dst, h.dst_port, buf, sizeof(buf));
	if (n == 0 || fsc_proxy_parse(buf, n, &h2, &why) != FSC_OK || h2.len != n)
		abort();
	same(&h, &h2);
	return 0;
}
