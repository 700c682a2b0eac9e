/* flow_int.h - what flow.c (the table) and reasm.c (the byte streams) share.
 * Internal to libdecode. */
#ifndef FSC_FLOW_INT_H
#define FSC_FLOW_INT_H

#include "fsc/flow.h"

#include "bpool.h"
#include "fsc/hmap.h"
#include "fsc/ilist.h"

#define FL_NONE FSC_ILIST_NONE

/* Serial arithmetic (RFC 1982) on 32-bit sequence numbers. */
static inline bool seq_lt(uint32_t a, uint32_t b)
{
	return ((a - b) & 0x80000000u) != 0;
}

static inline bool seq_le(uint32_t a, uint32_t b)
{
	return a == b || seq_lt(a, b);
}

/* now - since > span, without overflow whatever the timestamps. */
static inline bool elapsed(int64_t now, int64_t since, int64_t span)
{
	return now > since && (uint64_t)now - (uint64_t)since > (uint64_t)span;
}

/*
 * One direction's stream. Byte offsets are relative to `base`, the first
 * byte the consumer has not consumed, which sits at buf[0]:
 *
 *   base            nxt                 islands (held out of order)
 *    |  pending      |   hole  [s0, e0)  hole  [s1, e1) ...
 *    +---------------+-------+=========+------+=========+
 *
 * `pending` (nxt - base) bytes were offered and left unconsumed; islands
 * are sorted, disjoint, never touching, and all start after pending.
 */
struct rdir {
	uint32_t nxt;		/* next byte expected in order */
	uint32_t base;		/* buf[0] */
	uint32_t fin_seq;	/* sequence number of the FIN */
	uint32_t jump_from, jump_to; /* the last range skipped unseen */
	uint32_t buf;		/* bpool unit, or FL_NONE */
	uint8_t order;		/* of buf */
	uint8_t nisl;
	bool started, resync, done;
	bool hole_timing;	/* a hole is open since hole_since */
	uint64_t skip;		/* bytes after the consumed ones to drop */
	uint64_t off;		/* stream offset of base */
	int64_t hole_since;	/* when the oldest hole opened */
	struct {
		uint32_t s, e;
	} isl[FSC_FLOW_MAX_HOLES];
};

enum rec_state { REC_FREE = 0, REC_LIVE, REC_CLOSING, REC_CLOSED };

/* Lists a record is on: by age (live or closed list) and, while it holds
 * stream buffers, by buffer use. */
enum { L_AGE = 0, L_BUF = 1 };

struct rec {
	struct fsc_flow pub;	/* first: a flow pointer is a record pointer */
	struct rdir d[2];
	struct fsc_ilink link[2];	/* [list]; link[L_AGE].next: the free list too */
	uint8_t state;
	bool on_buf_list;
	uint32_t tunnel;	/* fsc_flow_tunnel: in the padding here */
};

struct fsc_flows {
	struct fsc_flow_limits lim;
	struct fsc_flow_handler h;
	struct rec *recs;
	uint8_t *users;
	size_t user_stride;
	uint32_t n_used, free_head;
	struct fsc_ilist live, closed, buffered; /* head: most recent */
	struct fsc_hmap idx;
	struct bpool pool;
	int64_t now;		/* latest timestamp seen */
	int64_t ts;		/* timestamp handed to callbacks */
	unsigned busy;		/* inside fsc_flows_* (buffers may be in use) */
	const struct rdir *offering; /* inside on_data: p[0] is its base + */
	uint32_t offered;	/* this many bytes */
	struct fsc_flow_stats st;
};

static inline uint32_t rec_slot(const struct fsc_flows *t, const struct rec *r)
{
	return (uint32_t)(r - t->recs);
}

/* reasm.c */
void reasm_init(struct rdir *s);
bool reasm_wants(const struct fsc_flows *t, const struct rec *r, int d);
void reasm_start(struct fsc_flows *t, struct rec *r, int d, uint32_t seq, bool midstream);
void reasm_segment(struct fsc_flows *t, struct rec *r, int d, uint32_t seq,
		   const uint8_t *p, size_t len, size_t wire);
void reasm_ack(struct fsc_flows *t, struct rec *r, int d, uint32_t ack);
void reasm_timeouts(struct fsc_flows *t, struct rec *r);
void reasm_fin(struct fsc_flows *t, struct rec *r, int d, uint32_t fin_seq);
bool reasm_check_done(struct fsc_flows *t, struct rec *r, int d);
void reasm_flush(struct fsc_flows *t, struct rec *r);
void reasm_release(struct fsc_flows *t, struct rec *r, int d);

#endif
