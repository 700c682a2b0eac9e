/* fuzz_dissect.c - the whole per-frame chain from (linktype, bytes): link
 * layer, IP, transport, tunnel classification and session tracking. The
 * first byte picks the linktype from the supported set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/pipeline.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int linktypes[] = { 0, 1, 101, 108, 113, 147, 228, 229, 276 };

static void sink(const struct fsc_event *ev, void *ctx)
{
	const struct fsc_packet *pkt = ev->pkt;
	(void)ctx;
	/* Whatever came out lies inside the frame. */
	if (pkt->payload) {
		const uint8_t *end = ev->frame->data + ev->frame->caplen;
		if (pkt->payload < ev->frame->data || pkt->payload + pkt->payload_len > end)
			abort();
	}
	if (ev->status != FSC_OK && !ev->why)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsc_pipeline *pl;
	struct fsc_frame f;

	if (size < 1)
		return 0;
	if (!pl) {
		struct fsc_pipeline_limits lim = { .wg = { .max_sessions = 64, .max_peers = 16 } };
		pl = fsc_pipeline_new(&lim);
	}
	memset(&f, 0, sizeof(f));
	f.linktype = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
	f.data = data + 1;
	f.caplen = (uint32_t)(size - 1);
	f.wirelen = f.caplen + (data[0] >> 7) * 100; /* sometimes snaplen-cut */
	f.number = 1;
	fsc_pipeline_frame(pl, &f, sink, NULL);
	return 0;
}
