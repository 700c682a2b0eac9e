/* clocksync.c - packets seen in two captures, the time between them per
 * direction, and the midpoint of the fastest trip each way (clocksync.h). */
#include "fsc/clocksync.h"

#include <stdlib.h>
#include <string.h>

#define FP_BYTES 64	/* payload bytes in a fingerprint: WireGuard's header
			 * and counter, a segment's first bytes */

struct seen {
	uint64_t fp;	/* 0: empty */
	uint64_t dir;
	int64_t ts;
	unsigned input;		/* the first that saw it */
	uint8_t inputs;		/* bit i: input i saw it (FSC_CLOCK_INPUTS 8) */
};

struct group {
	uint64_t dir;
	int64_t min, max;
	uint64_t n;
};

struct pair {
	uint64_t pairs;
	unsigned n;
	struct group g[FSC_CLOCK_GROUPS];
};

struct fsc_clocksync {
	struct seen pending[FSC_CLOCK_PENDING];	/* direct-mapped by fingerprint */
	struct pair pairs[FSC_CLOCK_INPUTS][FSC_CLOCK_INPUTS]; /* [a][b], a < b */
};

struct fsc_clocksync *fsc_clocksync_new(void)
{
	return calloc(1, sizeof(struct fsc_clocksync));
}

void fsc_clocksync_free(struct fsc_clocksync *c)
{
	free(c);
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

/* What stays the same from one end to the other: for UDP the payload (a
 * WireGuard datagram is unique by its index and counter); for TCP also the
 * ports, sequence and acknowledgement numbers. Addresses are left out so
 * that a NAT between the captures changes nothing. */
static uint64_t fingerprint(const struct fsc_packet *p)
{
	uint64_t h = mix(0x6a09e667f3bcc908ull, (uint64_t)p->proto << 32 | p->payload_wire_len);
	size_t n = p->payload_len < FP_BYTES ? p->payload_len : FP_BYTES;

	if (p->proto == 6) {
		h = mix(h, (uint64_t)p->sport << 16 | p->dport);
		h = mix(h, (uint64_t)p->seq << 32 | p->ack);
		h = mix(h, p->tcp_flags);
	}
	for (size_t i = 0; i + 8 <= n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, p->payload + i, 8);
		h = mix(h, w);
	}
	for (size_t i = n & ~(size_t)7; i < n; i++)
		h = mix(h, p->payload[i]);
	return h ? h : 1;
}

static uint64_t direction(const struct fsc_packet *p)
{
	uint64_t h = mix(fsc_addr_hash(&p->src, 3), fsc_addr_hash(&p->dst, 5));
	return mix(h, (uint64_t)p->sport << 16 | p->dport);
}

static void account(struct pair *pr, uint64_t dir, int64_t d)
{
	pr->pairs++;
	for (unsigned i = 0; i < pr->n; i++) {
		struct group *g = &pr->g[i];
		if (g->dir != dir)
			continue;
		g->min = d < g->min ? d : g->min;
		g->max = d > g->max ? d : g->max;
		g->n++;
		return;
	}
	if (pr->n < FSC_CLOCK_GROUPS)
		pr->g[pr->n++] = (struct group){ dir, d, d, 1 };
}

void fsc_clocksync_packet(struct fsc_clocksync *c, unsigned input,
			  const struct fsc_packet *pkt, int64_t ts_ns)
{
	if (input >= FSC_CLOCK_INPUTS || pkt->tunnel || pkt->payload_len == 0 ||
	    (pkt->proto != 6 && pkt->proto != 17) || pkt->fragment)
		return;
	uint64_t fp = fingerprint(pkt);
	struct seen *s = &c->pending[fp & (FSC_CLOCK_PENDING - 1)];

	if (s->fp == fp) {
		/* Once per other input; a capture's own duplicates (a
		 * retransmission, the same datagram twice) count not at all. */
		if (s->inputs & 1u << input)
			return;
		s->inputs |= (uint8_t)(1u << input);
		bool first = s->input < input;
		unsigned a = first ? s->input : input, b = first ? input : s->input;
		int64_t ta = first ? s->ts : ts_ns, tb = first ? ts_ns : s->ts;
		account(&c->pairs[a][b], first ? s->dir : direction(pkt), tb - ta);
		return;
	}
	*s = (struct seen){ fp, direction(pkt), ts_ns, input, (uint8_t)(1u << input) };
}

static int by_min(const void *x, const void *y)
{
	const struct group *a = x, *b = y;

	return (a->min > b->min) - (a->min < b->min);
}

static void estimate(const struct pair *pr, struct fsc_clock_offset *o)
{
	struct group g[FSC_CLOCK_GROUPS];

	memcpy(g, pr->g, pr->n * sizeof(g[0]));
	qsort(g, pr->n, sizeof(g[0]), by_min);
	o->pairs = pr->pairs;
	o->directions = pr->n;
	if (pr->n == 1) {
		o->one_way = true;
		o->offset_ns = g[0].min;
		o->error_ns = -1;
		return;
	}
	/* The split of the directions into "sent from b's side" (lower) and
	 * "from a's side" (upper) that leaves the widest gap between them. */
	int64_t best_lo = 0, best_hi = 0;
	bool have = false;
	for (unsigned k = 1; k < pr->n; k++) {
		int64_t lo = g[0].max, hi = g[k].min;
		for (unsigned i = 1; i < k; i++)
			lo = g[i].max > lo ? g[i].max : lo;
		for (unsigned i = k + 1; i < pr->n; i++)
			hi = g[i].min < hi ? g[i].min : hi;
		if (!have || hi - lo > best_hi - best_lo) {
			best_lo = lo;
			best_hi = hi;
			have = true;
		}
	}
	o->offset_ns = best_lo + (best_hi - best_lo) / 2;
	o->inconsistent = best_hi < best_lo;
	o->error_ns = o->inconsistent ? (best_lo - best_hi) / 2 : (best_hi - best_lo) / 2;
}

size_t fsc_clocksync_offsets(const struct fsc_clocksync *c,
			     struct fsc_clock_offset *out, size_t max)
{
	size_t n = 0;

	for (unsigned a = 0; a < FSC_CLOCK_INPUTS; a++)
		for (unsigned b = a + 1; b < FSC_CLOCK_INPUTS; b++) {
			const struct pair *pr = &c->pairs[a][b];
			if (!pr->pairs)
				continue;
			if (n < max) {
				out[n] = (struct fsc_clock_offset){ .a = a, .b = b };
				estimate(pr, &out[n]);
			}
			n++;
		}
	return n;
}
