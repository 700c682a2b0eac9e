/* flowkit.h - hand-built TCP segments and a recording consumer for the flow
 * table and reassembly tests (test_flow.c, test_reasm.c). */
#ifndef FLOWKIT_H
#define FLOWKIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/flow.h"
#include "vectors.h"

#define S_NS 1000000000ll
#define KIT_OUT (1u << 20)
#define KIT_LOG 256

#define SYN FSC_TCP_SYN
#define ACK FSC_TCP_ACK
#define FIN FSC_TCP_FIN
#define RST FSC_TCP_RST
#define PSH FSC_TCP_PSH

struct kit;
typedef size_t (*kit_policy)(struct kit *k, struct fsc_flow *f, int dir,
			     const uint8_t *p, size_t len, unsigned flags);

/* What the consumer saw. Bytes are recorded as they are consumed, so out[d]
 * is exactly the stream the consumer accepted. */
struct kit {
	struct fsc_flows *t;
	uint8_t *out[2];
	size_t out_len[2];
	unsigned calls[2];
	size_t call_len[2][KIT_LOG];
	unsigned call_flags[2][KIT_LOG];
	unsigned opens, closes, close_why[FSC_CLOSE_COUNT];
	unsigned gaps;
	enum fsc_gap_reason gap_why[KIT_LOG];
	uint64_t gap_missing[KIT_LOG];
	int gap_dir[KIT_LOG];
	bool want;		/* on_open's answer */
	kit_policy policy;	/* NULL: consume everything */
	uint64_t seen_bytes;	/* every byte handed to on_data, re-offers included */
	uint32_t rng;
	void *arg;
	/* per flow id: opened/closed (close exactly once) */
	uint8_t *life;
	size_t life_n;
};

static inline uint32_t kit_rand(struct kit *k)
{
	/* xorshift32: fixed seeds make every run the same */
	uint32_t x = k->rng;
	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return k->rng = x;
}

static inline bool kit_open(void *ctx, struct fsc_flow *f, const struct fsc_packet *pkt,
			    int64_t ts)
{
	struct kit *k = ctx;
	(void)pkt;
	(void)ts;
	k->opens++;
	if (k->life && f->id < k->life_n) {
		if (k->life[f->id] != 0)
			abort(); /* opened twice */
		k->life[f->id] = 1;
	}
	return k->want;
}

static inline size_t kit_data(void *ctx, struct fsc_flow *f, int dir, const uint8_t *p,
			      size_t len, unsigned flags, int64_t ts)
{
	struct kit *k = ctx;
	size_t n;
	(void)ts;
	if (k->calls[dir] < KIT_LOG) {
		k->call_len[dir][k->calls[dir]] = len;
		k->call_flags[dir][k->calls[dir]] = flags;
	}
	k->calls[dir]++;
	k->seen_bytes += len;
	n = k->policy ? k->policy(k, f, dir, p, len, flags) : len;
	if (n > len)
		n = len;
	if (k->out[dir] && k->out_len[dir] + n <= KIT_OUT) {
		memcpy(k->out[dir] + k->out_len[dir], p, n);
		k->out_len[dir] += n;
	}
	return n;
}

static inline void kit_gap(void *ctx, struct fsc_flow *f, int dir, uint64_t missing,
			   enum fsc_gap_reason why)
{
	struct kit *k = ctx;
	(void)f;
	if (k->gaps < KIT_LOG) {
		k->gap_why[k->gaps] = why;
		k->gap_missing[k->gaps] = missing;
		k->gap_dir[k->gaps] = dir;
	}
	k->gaps++;
}

static inline void kit_close(void *ctx, struct fsc_flow *f, enum fsc_close_reason why)
{
	struct kit *k = ctx;
	k->closes++;
	k->close_why[why]++;
	if (k->life && f->id < k->life_n) {
		if (k->life[f->id] != 1)
			abort(); /* closed twice, or never opened */
		k->life[f->id] = 2;
	}
}

/* A table with these limits (NULL: small ones) and a kit consumer. */
static inline void kit_init(struct kit *k, const struct fsc_flow_limits *lim)
{
	struct fsc_flow_limits small = { .max_flows = 64, .dir_cap = 4096,
					 .mem_cap = 1 << 20 };
	struct fsc_flow_handler h = { kit_open, kit_data, kit_gap, kit_close, k };

	memset(k, 0, sizeof(*k));
	k->want = true;
	k->rng = 0x2545f491;
	k->out[0] = calloc(1, KIT_OUT);
	k->out[1] = calloc(1, KIT_OUT);
	k->t = fsc_flows_new(lim ? lim : &small, &h);
	if (!k->t || !k->out[0] || !k->out[1])
		abort();
}

static inline void kit_done(struct kit *k)
{
	fsc_flows_free(k->t);
	free(k->out[0]);
	free(k->out[1]);
	free(k->life);
}

/* Client 198.18.0.1:port, server 198.18.0.2:443 (port 40000 unless set). */
static inline struct fsc_packet kit_pkt_port(uint16_t cport, int from, uint8_t flags,
					     uint32_t seq, uint32_t ack,
					     const void *data, size_t len)
{
	struct fsc_packet pkt;
	static const uint8_t c[4] = { 198, 18, 0, 1 }, s[4] = { 198, 18, 0, 2 };

	memset(&pkt, 0, sizeof(pkt));
	pkt.ipver = 4;
	pkt.proto = 6;
	pkt.layer = FSC_LAYER_PAYLOAD;
	fsc_addr_set4(from ? &pkt.src : &pkt.dst, s);
	fsc_addr_set4(from ? &pkt.dst : &pkt.src, c);
	pkt.sport = from ? 443 : cport;
	pkt.dport = from ? cport : 443;
	pkt.tcp_flags = flags;
	pkt.seq = seq;
	pkt.ack = ack;
	pkt.payload = data;
	pkt.payload_len = pkt.payload_wire_len = len;
	return pkt;
}

/* Hands pkt to the table with its payload just before an unreadable page,
 * so that any read past it faults. */
static inline const struct fsc_flow *kit_packet(struct kit *k, struct fsc_packet *pkt,
						int64_t ts, int *dir)
{
	const struct fsc_flow *f;
	uint8_t *g = NULL;

	if (pkt->payload_len) {
		g = vec_guard(pkt->payload, pkt->payload_len);
		pkt->payload = g;
	}
	f = fsc_flows_packet(k->t, pkt, ts, dir);
	if (g)
		vec_guard_free(g, pkt->payload_len);
	return f;
}

static inline const struct fsc_flow *kit_send(struct kit *k, int64_t ts, int from,
					      uint8_t flags, uint32_t seq, uint32_t ack,
					      const void *data, size_t len)
{
	struct fsc_packet pkt = kit_pkt_port(40000, from, flags, seq, ack, data, len);
	return kit_packet(k, &pkt, ts, NULL);
}

/* SYN, SYN/ACK, ACK with client ISN ci and server ISN si. */
static inline void kit_handshake(struct kit *k, int64_t ts, uint32_t ci, uint32_t si)
{
	kit_send(k, ts, 0, SYN, ci, 0, NULL, 0);
	kit_send(k, ts, 1, SYN | ACK, si, ci + 1, NULL, 0);
	kit_send(k, ts, 0, ACK, ci + 1, si + 1, NULL, 0);
}

#endif
