/* fuzz_reasm.c - libFuzzer target: the flow table and TCP reassembly driven
 * by segment descriptors, with a consumer that takes random amounts, skips
 * and stops, and checks what it is given. Any violated invariant traps.
 *
 * Input:
 *   byte 0      limits: bits 0-1 dir_cap (512, 1024, 4096, 65536), bits 2-3
 *               mem_cap (8, 32, 256, 4096 KiB), bit 4 max_flows 2 (else 8),
 *               bit 5 on_open refuses flows on odd client ports
 *   bytes 1-4   ISN seed (little-endian); also seeds the consumer
 *   then 6-byte segment descriptors:
 *     d0   bits 0-1 flow, bit 2 from server, bit 3 SYN, 4 FIN, 5 RST,
 *          6 ACK, 7 corrupt (bytes that contradict the true stream)
 *     d1-2 sequence delta from the sender's cursor (int16, little-endian)
 *     d3   payload length
 *     d4   bits 0-1 time step, bit 2 big (length x 16), bit 3 snaplen cut,
 *          bit 4 long jump
 *          (delta << 12), bit 5 ack the peer's cursor, bit 6 expire,
 *          bit 7 flush
 *     d5   consumer mood for this segment
 *
 * Every payload byte is a function of its sender and sequence number
 * (corrupt ones are that ^ 0x5a), so the consumer can check each byte it
 * is offered at the position the table says it sits.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/flow.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

#define MAX_IDS 4096

struct dirstate {
	bool gap_since_data;	/* on_gap came since the last on_data */
	bool ended;		/* FSC_DATA_END was offered */
	bool have_next;
	uint64_t next;		/* offset the next offer starts at, if no gap */
};

struct fz {
	struct fsc_flows *t;
	uint32_t rng;
	uint8_t mood;
	uint32_t dir_cap;
	bool refuse_odd;
	uint8_t life[MAX_IDS];	/* 0 never, 1 open, 2 closed */
	struct dirstate ds[MAX_IDS][2];
	uint64_t opens, closes;
};

static uint32_t rnd(struct fz *z)
{
	uint32_t x = z->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return z->rng = x;
}

static uint8_t gen(uint16_t sport, uint32_t seq)
{
	return (uint8_t)(((seq * 0x9e3779b1u) >> 24) ^ (sport * 31u));
}

static bool on_open(void *ctx, struct fsc_flow *f, const struct fsc_packet *pkt, int64_t ts)
{
	struct fz *z = ctx;
	(void)pkt;
	(void)ts;
	CHECK(f->id < MAX_IDS && z->life[f->id] == 0);
	z->life[f->id] = 1;
	memset(z->ds[f->id], 0, sizeof(z->ds[f->id]));
	z->opens++;
	uint16_t client = f->port[0] == 443 ? f->port[1] : f->port[0];
	return !(z->refuse_odd && (client & 1));
}

static size_t on_data(void *ctx, struct fsc_flow *f, int dir, const uint8_t *p, size_t len,
		      unsigned flags, int64_t ts)
{
	struct fz *z = ctx;
	struct dirstate *ds = &z->ds[f->id][dir];
	uint64_t off = fsc_flow_offset(f, dir);
	uint32_t seq = f->dir[dir].start + (uint32_t)off;
	size_t n;
	(void)ts;

	CHECK(z->life[f->id] == 1);
	CHECK(len > 0 && len <= z->dir_cap);
	CHECK(!(flags & FSC_DATA_FULL) == (len < z->dir_cap));
	CHECK(!!(flags & FSC_DATA_RESYNC) == ds->gap_since_data);
	/* after FSC_DATA_END only the rest of that same offer may come */
	CHECK(!ds->ended || ((flags & FSC_DATA_END) && off == ds->next));
	if (ds->have_next && !ds->gap_since_data)
		CHECK(off == ds->next);
	if (ds->have_next)
		CHECK(off >= ds->next);
	ds->gap_since_data = false;
	/* every byte is the sender's byte for its sequence number */
	for (size_t i = 0; i < len; i++) {
		uint8_t want = gen(f->port[dir], seq + (uint32_t)i);
		CHECK(p[i] == want || p[i] == (want ^ 0x5a));
	}
	switch ((z->mood + rnd(z)) % 8) {
	case 0:
		n = 0;
		break;
	case 1:
		n = len;
		break;
	case 2:
		n = len / 2;
		break;
	case 3:
		n = rnd(z) % (len + 1);
		/* mostly a body's worth; now and then beyond 2^32, or absurd */
		if (rnd(z) % 8)
			fsc_flow_skip(f, dir, rnd(z) % 5000);
		else
			fsc_flow_skip(f, dir, (uint64_t)rnd(z) << (rnd(z) % 40));
		break;
	case 4:
		if (rnd(z) % 16 == 0)
			fsc_flow_stop(f, (int)(rnd(z) % 3) - 1);
		n = 1;
		break;
	case 5:
		n = flags & FSC_DATA_FULL ? len : 0;
		break;
	default:
		n = rnd(z) % (len + 1);
		break;
	}
	if (rnd(z) % 64 == 0)
		n = len + 1 + rnd(z) % 100; /* claims too much: clamped */
	size_t took = n < len ? n : len;
	ds->next = off + took + fsc_flow_skipping(f, dir);
	ds->have_next = true;
	if (flags & FSC_DATA_END)
		ds->ended = true;
	return n;
}

static void on_gap(void *ctx, struct fsc_flow *f, int dir, uint64_t missing,
		   enum fsc_gap_reason why)
{
	struct fz *z = ctx;
	CHECK(z->life[f->id] == 1);
	CHECK((unsigned)why < FSC_GAP_COUNT);
	CHECK(why == FSC_GAP_MIDSTREAM ? missing == 0 : missing > 0 || why == FSC_GAP_CAP);
	z->ds[f->id][dir].gap_since_data = true;
}

static void on_close(void *ctx, struct fsc_flow *f, enum fsc_close_reason why)
{
	struct fz *z = ctx;
	CHECK((unsigned)why < FSC_CLOSE_COUNT);
	CHECK(z->life[f->id] == 1);
	z->life[f->id] = 2;
	z->closes++;
}

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	static struct fz z;
	static const uint32_t caps[4] = { 512, 1024, 4096, 65536 };
	static const uint32_t mems[4] = { 8 << 10, 32 << 10, 256 << 10, 4096 << 10 };
	static uint8_t buf[255 * 16];
	uint32_t cursor[4][2], isn;
	int64_t ts = 1000000000;

	if (len < 5)
		return 0;
	memset(&z, 0, sizeof(z));
	struct fsc_flow_limits lim = {
		.max_flows = p[0] & 16 ? 2 : 8,
		.dir_cap = caps[p[0] & 3],
		.mem_cap = mems[(p[0] >> 2) & 3],
		.user_size = 8,
		.idle_timeout_ns = 30000000000ll,
		.hole_timeout_ns = 2000000000ll,
		.closed_timeout_ns = 5000000000ll,
	};
	struct fsc_flow_handler h = { on_open, on_data, on_gap, on_close, &z };
	z.dir_cap = lim.dir_cap;
	z.refuse_odd = p[0] & 32;
	isn = (uint32_t)p[1] | (uint32_t)p[2] << 8 | (uint32_t)p[3] << 16 | (uint32_t)p[4] << 24;
	z.rng = isn | 1;
	z.t = fsc_flows_new(&lim, &h);
	CHECK(z.t != NULL);
	for (int f = 0; f < 4; f++)
		for (int d = 0; d < 2; d++)
			cursor[f][d] = isn + (uint32_t)f * 0x10000000u + (uint32_t)d * 0x40000000u;

	for (size_t at = 5; at + 6 <= len && z.opens < MAX_IDS - 2; at += 6) {
		const uint8_t *q = p + at;
		int f = q[0] & 3, d = (q[0] >> 2) & 1;
		uint8_t flags = 0;
		int32_t delta = (int16_t)le16(q + 1);
		size_t n = q[4] & 4 ? (size_t)q[3] * 16 : q[3];
		uint16_t cport = (uint16_t)(40000 + f), sport = d ? 443 : cport;

		if (q[0] & 8)
			flags |= FSC_TCP_SYN;
		if (q[0] & 16)
			flags |= FSC_TCP_FIN;
		if (q[0] & 32)
			flags |= FSC_TCP_RST;
		if (q[0] & 64)
			flags |= FSC_TCP_ACK;
		if (q[4] & 16)
			delta *= 4096;
		uint32_t seq = cursor[f][d] + (uint32_t)delta;
		uint32_t data = seq + ((flags & FSC_TCP_SYN) ? 1 : 0);
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)(gen(sport, data + (uint32_t)i) ^ (q[0] & 128 ? 0x5a : 0));

		struct fsc_packet pkt;
		memset(&pkt, 0, sizeof(pkt));
		uint8_t ca[4] = { 198, 18, 0, 1 }, sa[4] = { 198, 18, 0, 2 };
		fsc_addr_set4(&pkt.src, d ? sa : ca);
		fsc_addr_set4(&pkt.dst, d ? ca : sa);
		pkt.ipver = 4;
		pkt.proto = 6;
		pkt.layer = FSC_LAYER_PAYLOAD;
		pkt.sport = sport;
		pkt.dport = d ? cport : 443;
		pkt.tcp_flags = flags;
		pkt.seq = seq;
		pkt.ack = q[4] & 32 ? cursor[f][!d] : seq ^ 0x5555;
		pkt.payload_wire_len = n;
		pkt.payload_len = q[4] & 8 ? n / 2 : n;
		/* an exact-size copy, so ASan sees any read past the payload */
		uint8_t *heap = n ? malloc(n) : NULL;
		if (n) {
			memcpy(heap, buf, pkt.payload_len);
			pkt.payload = heap;
		}
		ts += (int64_t)(q[4] & 3) * (q[4] & 3) * (q[4] & 3) * 100000000;
		z.mood = q[5];
		int dir = -2;
		const struct fsc_flow *fl = fsc_flows_packet(z.t, &pkt, ts, &dir);
		free(heap);
		if (fl) {
			CHECK(dir == 0 || dir == 1);
			CHECK(fl->port[dir] == sport);
		} else {
			CHECK(flags & FSC_TCP_RST);
		}
		cursor[f][d] = data + (uint32_t)n + ((flags & FSC_TCP_FIN) ? 1 : 0);
		if (q[4] & 64)
			fsc_flows_expire(z.t, ts + (int64_t)q[5] * 1000000000);
		if (q[4] & 128)
			fsc_flows_flush(z.t);

		const struct fsc_flow_stats *st = fsc_flows_stats(z.t);
		CHECK(st->mem_in_use <= fsc_flows_limits(z.t)->mem_cap);
		CHECK(st->active == z.opens - z.closes);
		CHECK(st->active <= lim.max_flows);
	}
	fsc_flows_flush(z.t);
	const struct fsc_flow_stats *st = fsc_flows_stats(z.t);
	CHECK(z.opens == z.closes && st->flows == z.opens);
	CHECK(st->active == 0 && st->mem_in_use == 0);
	for (uint64_t id = 1; id <= z.opens; id++)
		CHECK(z.life[id] == 2);
	fsc_flows_free(z.t);
	return 0;
}
