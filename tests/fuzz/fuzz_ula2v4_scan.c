/* fuzz_ula2v4_scan.c - libFuzzer target for ula2v4's address scanner
 * (tools/ula2v4/scan.c), which reads untrusted log lines.
 *
 * Corpus: tests/fuzz/corpus/ula2v4_scan/ (log lines with addresses).
 *
 * Oracles: every hit lies inside the line, after the previous one, with
 * start <= start + len <= end; the scan always moves forward (so it ends);
 * the address is what its text parses to and prints back to an equal
 * address; it touches no letter, digit or '_' on either side; its text
 * alone scans as itself; and the line scanned as one piece or from each
 * hit's end gives the same hits.
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/addr.h"
#include "fsc/span.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_HITS 4096

static bool is_word(char c)
{
	return fsc_byteset_has(&fsc_alnum_set, (uint8_t)c) || c == '_';
}

static void check_hit(const char *line, size_t n, size_t before, const struct scan_hit *h)
{
	char text[FSC_ADDR_STRLEN + 1], back[FSC_ADDR_STRLEN];
	struct fsc_addr again;

	if (h->start < before || h->len == 0 || h->start + h->len > h->end || h->end > n)
		abort();
	if (h->len > FSC_ADDR_STRLEN)
		abort();
	memcpy(text, line + h->start, h->len);
	text[h->len] = '\0';
	if (!fsc_addr_parse(text, &again) || !fsc_addr_eq(&again, &h->addr))
		abort();
	fsc_addr_str(&h->addr, back);
	if (!fsc_addr_parse(back, &again) || !fsc_addr_eq(&again, &h->addr))
		abort();
	if ((h->start > 0 && is_word(line[h->start - 1])) ||
	    (h->start + h->len < n && is_word(line[h->start + h->len])))
		abort();
	/* The address text on its own is that one address. */
	struct scan_hit alone;
	size_t pos = 0;
	if (!scan_next(text, h->len, &pos, &alone) || alone.start != 0 || alone.len != h->len ||
	    !fsc_addr_eq(&alone.addr, &h->addr))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct scan_hit hits[MAX_HITS];
	const char *line = (const char *)data;
	struct scan_hit h;
	size_t pos = 0, n = 0;

	/* One pass, as ula2v4 reads a line. */
	while (n < MAX_HITS) {
		size_t before = pos;
		if (!scan_next(line, size, &pos, &h)) {
			if (pos != size)
				abort();
			break;
		}
		if (pos <= before || pos > size)
			abort();
		check_hit(line, size, before, &h);
		if (n && h.start < hits[n - 1].end)
			abort();
		hits[n++] = h;
	}
	/* Resuming at a hit's end finds the hits after it, the same. */
	for (size_t i = 0; i + 1 < n && i < 16; i++) {
		pos = hits[i].end > hits[i].start + hits[i].len ? hits[i].end
							       : hits[i].start + hits[i].len;
		if (!scan_next(line, size, &pos, &h) || h.start != hits[i + 1].start ||
		    h.len != hits[i + 1].len || h.end != hits[i + 1].end ||
		    !fsc_addr_eq(&h.addr, &hits[i + 1].addr))
			abort();
	}
	return 0;
}
