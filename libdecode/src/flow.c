/* flow.c - the flow table: TCP connections found from either direction by
 * their addresses and ports, records in a preallocated pool on age lists
 * (idle expiry, eviction), each segment handed on to reasm.c.
 *
 *   key = hash(lower endpoint, higher endpoint, proto)  -> hmap -> slot
 *   slot -> struct rec { public flow, two rdir streams, list links }
 *
 *   live list    open flows, most recently active first: idle closes and
 *                evictions take the tail
 *   closed list  flows closed by FIN/RST that linger to absorb trailing
 *                segments; evicted first, freed after closed_timeout_ns
 */
#include <stdlib.h>
#include <string.h>

#include "flow_int.h"

#define MAX_DIR_CAP (16u << 20)
#define MAX_USER_SIZE (1u << 20)
#define EXPIRE_STEPS 8 /* idle closes per segment: cheap, and enough */

static const char *const gap_names[FSC_GAP_COUNT] = {
	[FSC_GAP_MIDSTREAM] = "midstream", [FSC_GAP_ACKED] = "acked",
	[FSC_GAP_TIMEOUT] = "timeout",	   [FSC_GAP_OOO_LIMIT] = "ooo-limit",
	[FSC_GAP_CLOSE] = "close",	   [FSC_GAP_SNAPLEN] = "snaplen",
	[FSC_GAP_CAP] = "cap",		   [FSC_GAP_MEMORY] = "memory",
};

static const char *const close_names[FSC_CLOSE_COUNT] = {
	[FSC_CLOSE_FIN] = "fin",	 [FSC_CLOSE_RST] = "rst",
	[FSC_CLOSE_IDLE] = "idle",	 [FSC_CLOSE_EVICTED] = "evicted",
	[FSC_CLOSE_END] = "end",	 [FSC_CLOSE_REUSED] = "reused",
};

const char *fsc_gap_reason_name(enum fsc_gap_reason r)
{
	return (unsigned)r < FSC_GAP_COUNT ? gap_names[r] : "unknown";
}

const char *fsc_close_reason_name(enum fsc_close_reason r)
{
	return (unsigned)r < FSC_CLOSE_COUNT ? close_names[r] : "unknown";
}

void fsc_flows_limits_default(struct fsc_flow_limits *lim)
{
	memset(lim, 0, sizeof(*lim));
	lim->max_flows = FSC_FLOW_DEFAULT_MAX_FLOWS;
	lim->dir_cap = FSC_FLOW_DEFAULT_DIR_CAP;
	lim->mem_cap = FSC_FLOW_DEFAULT_MEM_CAP;
	lim->idle_timeout_ns = FSC_FLOW_DEFAULT_IDLE_NS;
	lim->hole_timeout_ns = FSC_FLOW_DEFAULT_HOLE_NS;
	lim->closed_timeout_ns = FSC_FLOW_DEFAULT_CLOSED_NS;
}

static void normalize(struct fsc_flow_limits *o, const struct fsc_flow_limits *in)
{
	fsc_flows_limits_default(o);
	if (in) {
		if (in->max_flows)
			o->max_flows = in->max_flows < FSC_FLOW_MAX_FLOWS_LIMIT
					       ? in->max_flows : FSC_FLOW_MAX_FLOWS_LIMIT;
		if (in->dir_cap)
			o->dir_cap = in->dir_cap < BPOOL_MIN ? (uint32_t)BPOOL_MIN :
				     in->dir_cap > MAX_DIR_CAP ? MAX_DIR_CAP : in->dir_cap;
		if (in->mem_cap)
			o->mem_cap = in->mem_cap;
		o->user_size = in->user_size < MAX_USER_SIZE ? in->user_size : MAX_USER_SIZE;
		if (in->idle_timeout_ns > 0)
			o->idle_timeout_ns = in->idle_timeout_ns;
		if (in->hole_timeout_ns > 0)
			o->hole_timeout_ns = in->hole_timeout_ns;
		if (in->closed_timeout_ns > 0)
			o->closed_timeout_ns = in->closed_timeout_ns;
		o->hash_seed = in->hash_seed;
	}
	uint64_t blk = bpool_block_size(bpool_order_for(o->dir_cap));
	if (o->mem_cap < blk)
		o->mem_cap = blk;
	if (o->mem_cap > SIZE_MAX / 4)
		o->mem_cap = SIZE_MAX / 4;
}

static size_t user_stride(const struct fsc_flow_limits *lim)
{
	return ((size_t)lim->user_size + 15) & ~(size_t)15;
}

/* Buckets hmap_init gives for n entries. */
static size_t index_buckets(uint32_t n)
{
	size_t size = 16;

	while (size / 2 < n && size < (1u << 31))
		size <<= 1;
	return size;
}

size_t fsc_flows_bytes_per_flow(const struct fsc_flow_limits *lim)
{
	struct fsc_flow_limits l;
	size_t idx;

	normalize(&l, lim);
	idx = index_buckets(l.max_flows) * sizeof(struct fsc_hmap_bucket);
	return sizeof(struct rec) + user_stride(&l) + (idx + l.max_flows - 1) / l.max_flows;
}

size_t fsc_flows_mem_bound(const struct fsc_flow_limits *lim)
{
	struct fsc_flow_limits l;

	normalize(&l, lim);
	return sizeof(struct fsc_flows) +
	       (size_t)l.max_flows * (sizeof(struct rec) + user_stride(&l)) +
	       index_buckets(l.max_flows) * sizeof(struct fsc_hmap_bucket) +
	       bpool_footprint(l.mem_cap, bpool_order_for(l.dir_cap));
}

struct fsc_flows *fsc_flows_new(const struct fsc_flow_limits *lim,
				const struct fsc_flow_handler *h)
{
	struct fsc_flows *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	normalize(&t->lim, lim);
	if (h)
		t->h = *h;
	t->user_stride = user_stride(&t->lim);
	t->free_head = FL_NONE;
	/* Records are written only as flows use them: untouched pages of
	 * these arrays cost no resident memory. */
	t->recs = malloc((size_t)t->lim.max_flows * sizeof(*t->recs));
	if (t->user_stride)
		t->users = malloc((size_t)t->lim.max_flows * t->user_stride);
	if (!t->recs || (t->user_stride && !t->users) ||
	    !fsc_hmap_init(&t->idx, t->lim.max_flows)) {
		fsc_flows_free(t);
		return NULL;
	}
	fsc_ilist_init(&t->live, &t->recs[0].link[L_AGE], sizeof(*t->recs));
	fsc_ilist_init(&t->closed, &t->recs[0].link[L_AGE], sizeof(*t->recs));
	fsc_ilist_init(&t->buffered, &t->recs[0].link[L_BUF], sizeof(*t->recs));
	if (!bpool_init(&t->pool, (size_t)t->lim.mem_cap, bpool_order_for(t->lim.dir_cap))) {
		fsc_flows_free(t);
		return NULL;
	}
	return t;
}

void fsc_flows_free(struct fsc_flows *t)
{
	if (!t)
		return;
	free(t->recs);
	free(t->users);
	fsc_hmap_free(&t->idx);
	bpool_free_all(&t->pool);
	free(t);
}

const struct fsc_flow_stats *fsc_flows_stats(const struct fsc_flows *t)
{
	return &t->st;
}

uint32_t fsc_flow_tunnel(const struct fsc_flow *f)
{
	return ((const struct rec *)f)->tunnel;
}

const struct fsc_flow_limits *fsc_flows_limits(const struct fsc_flows *t)
{
	return &t->lim;
}

static int ep_cmp(const struct fsc_addr *a, uint16_t pa, const struct fsc_addr *b,
		  uint16_t pb)
{
	int c = fsc_addr_cmp(a, b);

	return c ? c : (int)pa - (int)pb;
}

/* The same key from either direction: endpoints in a fixed order. */
static uint64_t flow_key(const struct fsc_flows *t, const struct fsc_addr *a,
			 uint16_t pa, const struct fsc_addr *b, uint16_t pb,
			 uint8_t proto, uint8_t obs, uint32_t tunnel)
{
	if (ep_cmp(a, pa, b, pb) > 0) {
		const struct fsc_addr *x = a;
		uint16_t px = pa;
		a = b;
		pa = pb;
		b = x;
		pb = px;
	}
	uint64_t h = fsc_addr_hash(a, t->lim.hash_seed ^ ((uint64_t)obs << 40 |
					  (uint64_t)proto << 32 | (uint64_t)pa << 16 | pb) ^
					  (uint64_t)tunnel * 0x9e3779b97f4a7c15u);
	return fsc_addr_hash(b, h);
}

static uint64_t rec_key(const struct fsc_flows *t, const struct rec *r)
{
	return flow_key(t, &r->pub.addr[0], r->pub.port[0], &r->pub.addr[1],
			r->pub.port[1], r->pub.proto, r->pub.obs, r->tunnel);
}

/* Which direction pkt travels in r, or -1 if r is another flow. */
static int match(const struct rec *r, const struct fsc_packet *pkt)
{
	const struct fsc_flow *f = &r->pub;

	if (f->proto != pkt->proto || f->obs != pkt->obs || r->tunnel != pkt->tunnel)
		return -1;
	if (f->port[0] == pkt->sport && f->port[1] == pkt->dport &&
	    fsc_addr_eq(&f->addr[0], &pkt->src) && fsc_addr_eq(&f->addr[1], &pkt->dst))
		return 0;
	if (f->port[1] == pkt->sport && f->port[0] == pkt->dport &&
	    fsc_addr_eq(&f->addr[1], &pkt->src) && fsc_addr_eq(&f->addr[0], &pkt->dst))
		return 1;
	return -1;
}

static void release_slot(struct fsc_flows *t, uint32_t i)
{
	struct rec *r = &t->recs[i];

	fsc_hmap_del(&t->idx, rec_key(t, r), i);
	reasm_release(t, r, 0);
	reasm_release(t, r, 1);
	r->state = REC_FREE;
	r->link[L_AGE].next = t->free_head;
	t->free_head = i;
}

static void drop_closed(struct fsc_flows *t, uint32_t i)
{
	fsc_ilist_unlink(&t->closed, i);
	release_slot(t, i);
}

/* Flushes what can still be delivered and calls on_close, once. Flows
 * closed by the connection itself linger; the others are freed. */
static void close_rec(struct fsc_flows *t, struct rec *r, enum fsc_close_reason why)
{
	uint32_t i = rec_slot(t, r);

	if (r->state != REC_LIVE)
		return;
	r->state = REC_CLOSING;
	reasm_flush(t, r);
	t->st.closed[why]++;
	t->st.active--;
	if (t->h.on_close)
		t->h.on_close(t->h.ctx, &r->pub, why);
	reasm_release(t, r, 0);
	reasm_release(t, r, 1);
	fsc_ilist_unlink(&t->live, i);
	if (why == FSC_CLOSE_FIN || why == FSC_CLOSE_RST || why == FSC_CLOSE_REUSED) {
		r->state = REC_CLOSED;
		fsc_ilist_push(&t->closed, i);
	} else {
		release_slot(t, i);
	}
}

/*
 * Idle is measured from the time of the segment in hand (t->ts), not from
 * the latest time seen: the blocks of a pcapng file with several interfaces
 * may go back in time, and a connection on a clock behind another's is
 * still live. A flow last seen "later" than now is not idle (elapsed()).
 */
static void expire(struct fsc_flows *t, unsigned steps)
{
	while (steps && t->live.tail != FL_NONE) {
		struct rec *r = &t->recs[t->live.tail];
		if (!elapsed(t->ts, r->pub.last_ns, t->lim.idle_timeout_ns))
			break;
		close_rec(t, r, FSC_CLOSE_IDLE);
		steps--;
	}
	while (steps && t->closed.tail != FL_NONE) {
		uint32_t i = t->closed.tail;
		if (!elapsed(t->ts, t->recs[i].pub.last_ns, t->lim.closed_timeout_ns))
			break;
		drop_closed(t, i);
		steps--;
	}
}

/* A free record: closed ones go first, then the least recently active. */
static uint32_t get_slot(struct fsc_flows *t)
{
	uint32_t i;

	if (t->free_head == FL_NONE && t->n_used == t->lim.max_flows) {
		if (t->closed.tail != FL_NONE) {
			drop_closed(t, t->closed.tail);
		} else {
			struct rec *v = &t->recs[t->live.tail];
			bool idle = elapsed(t->ts, v->pub.last_ns, t->lim.idle_timeout_ns);
			close_rec(t, v, idle ? FSC_CLOSE_IDLE : FSC_CLOSE_EVICTED);
		}
	}
	if (t->free_head != FL_NONE) {
		i = t->free_head;
		t->free_head = t->recs[i].link[L_AGE].next;
		return i;
	}
	return t->n_used++;
}

static struct rec *open_rec(struct fsc_flows *t, const struct fsc_packet *pkt,
			    uint64_t key, int64_t ts, int *dir)
{
	uint32_t i = get_slot(t);
	struct rec *r = &t->recs[i];
	struct fsc_flow *f = &r->pub;
	/* A SYN/ACK seen first comes from the server: the client is dir 0. */
	bool synack = (pkt->tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK)) ==
		      (FSC_TCP_SYN | FSC_TCP_ACK);
	int d = synack ? 1 : 0;

	memset(r, 0, sizeof(*r));
	reasm_init(&r->d[0]);
	reasm_init(&r->d[1]);
	f->addr[d] = pkt->src;
	f->port[d] = pkt->sport;
	f->addr[!d] = pkt->dst;
	f->port[!d] = pkt->dport;
	f->proto = pkt->proto;
	f->obs = pkt->obs;
	r->tunnel = pkt->tunnel;
	f->id = t->lim.id_base + ++t->st.flows;
	f->first_ns = f->last_ns = ts;
	f->table = t;
	if (t->user_stride) {
		f->user = t->users + (size_t)i * t->user_stride;
		memset(f->user, 0, t->user_stride);
	}
	r->state = REC_LIVE;
	fsc_hmap_put(&t->idx, key, i); /* never full: one entry a record at most */
	fsc_ilist_push(&t->live, i);
	if (++t->st.active > t->st.peak_active)
		t->st.peak_active = t->st.active;
	bool want = t->h.on_data != NULL;
	if (t->h.on_open && !t->h.on_open(t->h.ctx, f, pkt, ts))
		want = false;
	if (!want)
		f->dir[0].stopped = f->dir[1].stopped = true;
	*dir = d;
	return r;
}

/* A SYN that is not this connection's: the addresses and ports are used
 * again by a new one. */
static bool is_new_connection(const struct rec *r, int d, uint32_t seq)
{
	const struct rdir *s = &r->d[d];
	const struct fsc_flow_dir *fd = &r->pub.dir[d];

	if (!s->started)
		return false;
	if (fd->syn ? fd->isn == seq : fd->start == seq + 1)
		return false;
	return true;
}

static void segment(struct fsc_flows *t, struct rec *r, int d,
		    const struct fsc_packet *pkt, int64_t ts)
{
	struct fsc_flow_dir *fd = &r->pub.dir[d];
	uint8_t fl = pkt->tcp_flags;
	uint32_t seq = pkt->seq;
	size_t wire = pkt->payload_wire_len > pkt->payload_len ? pkt->payload_wire_len
							       : pkt->payload_len;

	fd->packets++;
	fd->bytes += wire;
	if (ts > r->pub.last_ns)
		r->pub.last_ns = ts;
	fsc_ilist_touch(&t->live, rec_slot(t, r));
	if (fl & FSC_TCP_RST) {
		fd->rst = true;
		close_rec(t, r, FSC_CLOSE_RST);
		return;
	}
	if (fl & FSC_TCP_SYN) {
		if (!fd->syn && (!r->d[d].started || fd->start == seq + 1)) {
			fd->syn = true;
			fd->isn = seq;
		}
		if (!r->d[d].started)
			reasm_start(t, r, d, seq + 1, false);
		/* A SYN/ACK names where the client's bytes start. */
		if ((fl & FSC_TCP_ACK) && !r->d[!d].started)
			reasm_start(t, r, !d, pkt->ack, false);
		seq++;
	} else if (!r->d[d].started) {
		reasm_start(t, r, d, seq, true);
	}
	reasm_timeouts(t, r);
	if ((fl & FSC_TCP_ACK) && r->d[!d].started)
		reasm_ack(t, r, !d, pkt->ack);
	if (wire) /* no payload pointer: nothing captured, a gap of `wire` */
		reasm_segment(t, r, d, seq, pkt->payload,
			      pkt->payload ? pkt->payload_len : 0, wire);
	if ((fl & FSC_TCP_FIN) && !fd->fin)
		reasm_fin(t, r, d, seq + (uint32_t)(wire < (1u << 30) ? wire : (1u << 30)));
	bool done0 = reasm_check_done(t, r, 0);
	bool done1 = reasm_check_done(t, r, 1);
	if (done0 && done1)
		close_rec(t, r, FSC_CLOSE_FIN);
}

const struct fsc_flow *fsc_flows_packet(struct fsc_flows *t,
					const struct fsc_packet *pkt,
					int64_t ts_ns, int *dir)
{
	struct rec *r = NULL;
	int d = -1;

	if (dir)
		*dir = -1;
	if (!pkt || pkt->proto != 6 || pkt->layer != FSC_LAYER_PAYLOAD ||
	    (pkt->ipver != 4 && pkt->ipver != 6))
		return NULL;
	t->busy++;
	if (ts_ns > t->now)
		t->now = ts_ns;
	t->ts = ts_ns;
	expire(t, EXPIRE_STEPS);
	t->st.segments++;
	t->st.payload_bytes += pkt->payload_len;

	uint64_t key = flow_key(t, &pkt->src, pkt->sport, &pkt->dst, pkt->dport, pkt->proto,
				pkt->obs, pkt->tunnel);
	uint32_t i = fsc_hmap_get(&t->idx, key);
	if (i != FSC_HMAP_NONE && t->recs[i].state != REC_FREE &&
	    (d = match(&t->recs[i], pkt)) >= 0)
		r = &t->recs[i];
	bool syn_only = (pkt->tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK | FSC_TCP_RST)) ==
			FSC_TCP_SYN;
	if (r && r->state == REC_CLOSED) {
		if (!syn_only) {
			/* The tail of a closed connection. */
			t->st.absorbed++;
			if (ts_ns > r->pub.last_ns)
				r->pub.last_ns = ts_ns;
			fsc_ilist_touch(&t->closed, i);
			goto out;
		}
		drop_closed(t, i);
		r = NULL;
	} else if (r && syn_only && is_new_connection(r, d, pkt->seq)) {
		close_rec(t, r, FSC_CLOSE_REUSED);
		drop_closed(t, i);
		r = NULL;
	}
	if (!r) {
		if (pkt->tcp_flags & FSC_TCP_RST) {
			t->st.untracked++;
			t->busy--;
			return NULL;
		}
		r = open_rec(t, pkt, key, ts_ns, &d);
	}
	segment(t, r, d, pkt, ts_ns);
out:
	t->busy--;
	if (dir)
		*dir = d;
	return &r->pub;
}

void fsc_flows_expire(struct fsc_flows *t, int64_t now_ns)
{
	t->busy++;
	if (now_ns > t->now)
		t->now = now_ns;
	t->ts = t->now;
	expire(t, UINT32_MAX);
	t->busy--;
}

void fsc_flows_flush(struct fsc_flows *t)
{
	t->busy++;
	t->ts = t->now;
	while (t->live.tail != FL_NONE)
		close_rec(t, &t->recs[t->live.tail], FSC_CLOSE_END);
	while (t->closed.tail != FL_NONE)
		drop_closed(t, t->closed.tail);
	t->busy--;
}
