/* fuzz_wgengine.c - libFuzzer target for the engine's receive and send
 * paths (wgengine/src/engine.c): datagrams from the network and inner
 * packets from the inside, in any order, against one live engine with one
 * configured peer.
 *
 * Input: a sequence of records, each a byte of kind and a byte of length
 * (times 2 for datagrams: up to 510 bytes), then the bytes:
 *   kind even: a UDP datagram from 198.18.0.2:51820 (the first byte of
 *              the record body is forced to a WireGuard type 1-4 when
 *              kind & 2, so the type dispatch is passed often)
 *   kind odd:  an inner IP packet for fsc_wgengine_send
 * Corpus: tests/fuzz/corpus/wgengine/.
 *
 * Oracles: ASan/UBSan; the engine delivers nothing (no packet can
 * authenticate without the peer's keys) and counts every datagram once.
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/wgengine.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned delivered;

static void deliver(void *ctx, const uint8_t *pkt, size_t len)
{
	(void)ctx, (void)pkt, (void)len;
	delivered++;
}

static struct fsc_wgengine *engine(void)
{
	static struct fsc_wgengine *eng;
	/* Throw-away keys; the peer's private key is not here. The peer's
	 * endpoint is the discard port on loopback. */
	static const char text[] =
		"[Interface]\nPrivateKey = AH1XyTalD9tx+wltwWXEtgBtFKVHgpXWrXFI3FSOkGs=\n"
		"ListenPort = 0\nAddress = 100.64.0.1/32\n"
		"[Peer]\nPublicKey = dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJeH6AY=\n"
		"Endpoint = 127.0.0.1:9\nAllowedIPs = 100.64.0.0/24, ::/0\n";
	struct fsc_wgconf c;
	char err[256];

	if (eng)
		return eng;
	if (!fsc_wgconf_parse(text, sizeof(text) - 1, &c, err, sizeof(err)))
		abort();
	eng = fsc_wgengine_new(&c, NULL, err, sizeof(err));
	fsc_wgconf_free(&c);
	if (!eng)
		abort();
	fsc_wgengine_set_inner(eng, deliver, NULL);
	return eng;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_wgengine *eng = engine();
	const struct fsc_wgengine_stats *st = fsc_wgengine_stats(eng);
	static uint8_t buf[512];
	struct fsc_addr from;
	static const uint8_t b[4] = { 198, 18, 0, 2 };
	size_t pos = 0;

	fsc_addr_set4(&from, b);
	while (pos + 2 <= size) {
		uint8_t kind = data[pos], n = data[pos + 1];
		size_t len = kind & 1 ? n : 2u * n;
		pos += 2;
		if (len > size - pos)
			len = size - pos;
		memcpy(buf, data + pos, len);
		pos += len;
		if (kind & 1) {
			fsc_wgengine_send(eng, buf, len);
			continue;
		}
		if ((kind & 2) && len) {
			buf[0] = (uint8_t)(1 + (kind >> 2) % 4);
			if (len >= 4)
				buf[1] = buf[2] = buf[3] = 0;
		}
		uint64_t before = st->rx_datagrams;
		fsc_wgengine_receive(eng, buf, len, &from, 51820);
		if (st->rx_datagrams != before + 1)
			abort();
	}
	if (delivered)
		abort();
	return 0;
}
