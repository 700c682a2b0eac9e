/* fuzz_tunstamp.c - libFuzzer target for tools/funnel/tunstamp.c (the
 * tunnel's two ends' times: inner packets from a peer and to it, read with
 * fsc_dissect_ip, into a table by remote address and port and a ring of
 * deliveries).
 *
 * Input: records, each a byte of kind, a byte of length, then that many
 * bytes: kind % 3 == 0 an inner packet from the peer (times from a
 * counter), 1 a packet to it (its send time told when marked), 2 the
 * lookups of the last packet's addresses and of a time.
 * Corpus: tests/fuzz/corpus/tunstamp/ (a SYN, an ACK, a 101).
 *
 * Oracles: ASan/UBSan; a SYN's connection is found at once with the times
 * it was given; an answer is marked at most once a connection; the
 * carrier of a time never comes from the future. */
#include <stdlib.h>
#include <string.h>

#include "fsc/dissect.h"
#include "tunstamp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsc_tunstamp *ts;
	static int64_t clock = 1000;	/* on across inputs, as time is */
	size_t off = 0;

	if (!ts && !(ts = fsc_tunstamp_new()))
		abort();
	while (off + 2 <= size) {
		unsigned kind = data[off] % 3;
		size_t len = data[off + 1];
		const uint8_t *p = data + off + 2;
		struct fsc_packet pk;
		struct fsc_tunstamp_conn c;
		uint32_t cookie;

		if (len > size - off - 2)
			len = size - off - 2;
		off += 2 + len;
		clock += 10;
		bool ip = fsc_dissect_ip(p, len, &pk) == FSC_OK && pk.proto == 6;
		if (kind == 0) {
			fsc_tunstamp_inbound(ts, p, len, clock - 5, clock);
			if (ip && (pk.tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK)) == FSC_TCP_SYN &&
			    (!fsc_tunstamp_conn(ts, &pk.src, pk.sport, &c) || c.syn_inner > clock ||
			     c.syn_wg > c.syn_inner))
				abort();
		} else if (kind == 1) {
			if (fsc_tunstamp_outbound(ts, p, len, &cookie)) {
				if (fsc_tunstamp_outbound(ts, p, len, &cookie))
					abort(); /* marked once */
				fsc_tunstamp_sent(ts, cookie, clock);
			}
		} else {
			if (ip)
				(void)fsc_tunstamp_conn(ts, &pk.dst, pk.dport, &c);
			if (fsc_tunstamp_carrier(ts, clock) > clock)
				abort();
		}
	}
	return 0;
}
