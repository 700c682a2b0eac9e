/* reasm.c - TCP reassembly per direction: segments in any order in, each
 * direction's bytes out in order to the consumer (RFC 9293 §3.4 sequence
 * space, compared in RFC 1982 serial arithmetic).
 *
 *   segment --> trim what lies before nxt: retransmitted, skipped or late
 *           --> in order, nothing held: offered straight from the packet;
 *               only what the consumer leaves is copied
 *           --> else written into the direction's buffer at seq - base:
 *               in order it extends `pending`, ahead it makes an island
 *           --> pending offered; islands that now touch it join it
 *
 * A buffer is one bpool block holding [base, base + extent): it grows by
 * doubling up to dir_cap and goes back to the pool as soon as the
 * direction holds nothing.
 */
#include <string.h>

#include "flow_int.h"

/* The most a skip moves nxt at once: jumps stay well inside the 2^31 of
 * serial comparison; a longer skip moves on as the data catches up. */
#define JUMP_MAX (1u << 30)

/* Accounting for one segment. */
struct seg {
	uint32_t seq;
	const uint8_t *p;
	size_t len;
	uint64_t seen;		/* bytes seen before (retransmitted, overlapping) */
	bool contra;		/* some of them differed */
	bool ooo;		/* held out of order */
};

static void deliver(struct fsc_flows *t, struct rec *r, int d, unsigned end);

void reasm_init(struct rdir *s)
{
	memset(s, 0, sizeof(*s));
	s->buf = FL_NONE;
}

bool reasm_wants(const struct fsc_flows *t, const struct rec *r, int d)
{
	return t->h.on_data && !r->pub.dir[d].stopped &&
	       (r->state == REC_LIVE || r->state == REC_CLOSING);
}

static uint32_t pending(const struct rdir *s)
{
	return s->nxt - s->base;
}

static uint32_t extent(const struct rdir *s)
{
	return s->nisl ? s->isl[s->nisl - 1].e : pending(s);
}

static uint8_t *bufp(struct fsc_flows *t, const struct rdir *s)
{
	return bpool_ptr(&t->pool, s->buf);
}

/* Keeps the list of records holding buffers in order of use, so that the
 * arena, when full, takes from the least recently buffering flow. */
static void buf_touch(struct fsc_flows *t, struct rec *r)
{
	bool has = r->d[0].buf != FL_NONE || r->d[1].buf != FL_NONE;
	uint32_t i = rec_slot(t, r);

	if (r->on_buf_list)
		fsc_ilist_unlink(&t->buffered, i);
	r->on_buf_list = has;
	if (has)
		fsc_ilist_push(&t->buffered, i);
}

void reasm_release(struct fsc_flows *t, struct rec *r, int d)
{
	struct rdir *s = &r->d[d];

	if (s->buf == FL_NONE)
		return;
	bpool_release(&t->pool, s->buf);
	s->buf = FL_NONE;
	t->st.mem_in_use = t->pool.in_use;
	buf_touch(t, r);
}

/* Forgets everything held (a direction nobody reads any more). */
static void drop_all(struct fsc_flows *t, struct rec *r, int d)
{
	struct rdir *s = &r->d[d];

	s->off += pending(s);
	s->base = s->nxt;
	s->nisl = 0;
	s->hole_timing = false;
	s->skip = 0;
	reasm_release(t, r, d);
}

/* The first thing waited for past a hole: an island, or a FIN beyond nxt. */
static bool first_held(const struct rec *r, int d, uint32_t *at)
{
	const struct rdir *s = &r->d[d];

	if (s->nisl) {
		*at = s->base + s->isl[0].s;
		return true;
	}
	if (r->pub.dir[d].fin && seq_lt(s->nxt, s->fin_seq)) {
		*at = s->fin_seq;
		return true;
	}
	return false;
}

/* Starts the hole timer when a hole opens and stops it when none is left. */
static void hole_clock(struct fsc_flows *t, struct rec *r, int d)
{
	struct rdir *s = &r->d[d];
	uint32_t at;

	if (!first_held(r, d, &at))
		s->hole_timing = false;
	else if (!s->hole_timing) {
		s->hole_timing = true;
		s->hole_since = t->ts;
	}
}

/* Islands that now touch pending join it. */
static void absorb(struct rdir *s)
{
	while (s->nisl && s->isl[0].s <= pending(s)) {
		if (s->isl[0].e > pending(s))
			s->nxt = s->base + s->isl[0].e;
		memmove(&s->isl[0], &s->isl[1], (size_t)(s->nisl - 1) * sizeof(s->isl[0]));
		s->nisl--;
	}
}

/* Moves the origin n bytes on; what lay before it is gone (the caller has
 * counted it). */
static void shift(struct fsc_flows *t, struct rdir *s, uint32_t n)
{
	uint32_t ext = extent(s), pend = pending(s);
	unsigned k = 0;

	if (n == 0)
		return;
	if (s->buf != FL_NONE && n < ext)
		memmove(bufp(t, s), bufp(t, s) + n, ext - n);
	for (unsigned i = 0; i < s->nisl; i++) {
		if (s->isl[i].e <= n)
			continue;
		s->isl[k].s = s->isl[i].s > n ? s->isl[i].s - n : 0;
		s->isl[k].e = s->isl[i].e - n;
		k++;
	}
	s->nisl = (uint8_t)k;
	s->base += n;
	s->off += n;
	if (n >= pend)
		s->nxt = s->base;
	absorb(s);
}

/* Island bytes below offset n. */
static uint32_t held_below(const struct rdir *s, uint32_t n)
{
	uint32_t h = 0;

	for (unsigned i = 0; i < s->nisl && s->isl[i].s < n; i++)
		h += (s->isl[i].e < n ? s->isl[i].e : n) - s->isl[i].s;
	return h;
}

/*
 * The stream jumps to `target` (at or past nxt): bytes unconsumed and held
 * before it are dropped (`extra` more were in hand but never stored), the
 * rest were never seen. The consumer hears of it; the next offer resyncs.
 */
static void gap_to(struct fsc_flows *t, struct rec *r, int d, uint32_t target,
		   enum fsc_gap_reason why, uint32_t extra)
{
	struct rdir *s = &r->d[d];
	uint32_t n = target - s->base;
	uint32_t held = pending(s) + held_below(s, n) + extra;

	if (held > n)
		held = n;
	t->st.gaps[why]++;
	t->st.gap_bytes += n - held;
	t->st.dropped_bytes += held;
	shift(t, s, n);
	s->resync = true;
	s->hole_timing = false;
	hole_clock(t, r, d);
	if (t->h.on_gap && reasm_wants(t, r, d))
		t->h.on_gap(t->h.ctx, &r->pub, d, n, why);
}

/* Gives the buffer back or moves to a smaller block when little is held. */
static void settle(struct fsc_flows *t, struct rec *r, int d)
{
	struct rdir *s = &r->d[d];
	uint32_t ext;

	if (!reasm_wants(t, r, d)) {
		drop_all(t, r, d);
		return;
	}
	if (s->buf == FL_NONE)
		return;
	ext = extent(s);
	if (ext == 0) {
		reasm_release(t, r, d);
		return;
	}
	if (s->order > 0 && ext <= bpool_block_size(s->order) / 4) {
		unsigned order = bpool_order_for(ext);
		uint32_t u = bpool_alloc(&t->pool, order);
		if (u == BPOOL_NONE)
			return;
		memcpy(bpool_ptr(&t->pool, u), bufp(t, s), ext);
		bpool_release(&t->pool, s->buf);
		s->buf = u;
		s->order = (uint8_t)order;
		t->st.mem_in_use = t->pool.in_use;
	}
}

/* Takes every buffer of the least recently buffering flow other than
 * `keep`, as a gap for it. False when there is none. */
static bool reclaim_one(struct fsc_flows *t, struct rec *keep)
{
	uint32_t i = t->buffered.tail;

	while (i != FL_NONE && &t->recs[i] == keep)
		i = t->recs[i].link[L_BUF].prev;
	if (i == FL_NONE)
		return false;
	struct rec *v = &t->recs[i];
	t->st.mem_reclaims++;
	for (int d = 0; d < 2; d++) {
		struct rdir *s = &v->d[d];
		if (s->buf == FL_NONE)
			continue;
		gap_to(t, v, d, s->base + extent(s), FSC_GAP_MEMORY, 0);
		reasm_release(t, v, d);
	}
	return true;
}

/* A buffer holding `need` bytes, keeping what is held. */
static bool ensure(struct fsc_flows *t, struct rec *r, int d, uint32_t need)
{
	struct rdir *s = &r->d[d];
	unsigned order;
	uint32_t u;

	if (s->buf != FL_NONE && need <= bpool_block_size(s->order))
		return true;
	order = bpool_order_for(need);
	u = bpool_alloc(&t->pool, order);
	for (int tries = 0; u == BPOOL_NONE && tries < 8; tries++) {
		if (!reclaim_one(t, r))
			break;
		u = bpool_alloc(&t->pool, order);
	}
	if (u == BPOOL_NONE) {
		t->st.mem_hits++;
		return false;
	}
	if (s->buf != FL_NONE) {
		memcpy(bpool_ptr(&t->pool, u), bufp(t, s), extent(s));
		bpool_release(&t->pool, s->buf);
	}
	s->buf = u;
	s->order = (uint8_t)order;
	t->st.mem_in_use = t->pool.in_use;
	t->st.mem_peak = t->pool.peak;
	buf_touch(t, r);
	return true;
}

/*
 * Offers p[0..len) until the consumer stops consuming; a skip pending eats
 * bytes first. Returns the bytes consumed or skipped.
 */
static size_t offer(struct fsc_flows *t, struct rec *r, int d, const uint8_t *p,
		    size_t len, unsigned end)
{
	struct rdir *s = &r->d[d];
	size_t done = 0;

	while (done < len && reasm_wants(t, r, d)) {
		size_t w = len - done, n;
		if (s->skip) {
			n = s->skip < w ? (size_t)s->skip : w;
			s->skip -= n;
			t->st.skipped_bytes += n;
			done += n;
			continue;
		}
		unsigned fl = end;
		if (s->resync)
			fl |= FSC_DATA_RESYNC;
		if (w >= t->lim.dir_cap)
			fl |= FSC_DATA_FULL;
		s->resync = false;
		t->offering = s;
		t->offered = (uint32_t)done;
		n = t->h.on_data(t->h.ctx, &r->pub, d, p + done, w, fl, t->ts);
		t->offering = NULL;
		if (n > w)
			n = w;
		done += n;
		t->st.consumed_bytes += n;
		if (n == 0 && !s->skip)
			break;
	}
	return done;
}

/* Skips unseen bytes after nxt (pending is empty): at most `limit`. */
static void skip_jump(struct fsc_flows *t, struct rec *r, int d, uint32_t limit)
{
	struct rdir *s = &r->d[d];
	uint32_t j = s->skip < limit ? (uint32_t)s->skip : limit;

	if (s->jump_to != s->nxt)
		s->jump_from = s->nxt;
	t->st.skipped_bytes += held_below(s, j);
	s->skip -= j;
	shift(t, s, j);
	s->jump_to = s->nxt;
	/* a long run of jumps keeps only its last 2^30 bytes as the range */
	if (s->jump_to - s->jump_from > JUMP_MAX)
		s->jump_from = s->jump_to - JUMP_MAX;
	hole_clock(t, r, d);
}

/* Offers pending until the consumer waits for more; `end` says no more
 * will come. */
static void deliver(struct fsc_flows *t, struct rec *r, int d, unsigned end)
{
	struct rdir *s = &r->d[d];

	while (reasm_wants(t, r, d)) {
		uint32_t pend = pending(s);
		if (pend) {
			size_t n = offer(t, r, d, bufp(t, s), pend, end);
			if (!reasm_wants(t, r, d))
				break;
			if (n < pend && end) {
				t->st.dropped_bytes += pend - n;
				n = pend;
			} else if (n == 0 && pend >= t->lim.dir_cap) {
				t->st.cap_hits++;
				gap_to(t, r, d, s->nxt, FSC_GAP_CAP, 0);
				continue;
			}
			shift(t, s, (uint32_t)n);
			if (pending(s))
				break;
		}
		/* The consumer skipped past all it had: move on unseen. */
		if (!s->skip)
			break;
		skip_jump(t, r, d, JUMP_MAX);
		if (!pending(s))
			break;
	}
	settle(t, r, d);
}

static void compare(struct fsc_flows *t, const uint8_t *held, const uint8_t *p,
		    uint32_t n, struct seg *g)
{
	uint64_t diff = 0;

	for (uint32_t i = 0; i < n; i++)
		diff += held[i] != p[i];
	if (diff) {
		g->contra = true;
		t->st.contradiction_bytes += diff;
	}
}

static void advance(struct seg *g, size_t n)
{
	g->seq += (uint32_t)n;
	g->p += n;
	g->len -= n;
}

/* Offset of sequence number x within [seq, seq + n], clamped. */
static uint32_t clamp_off(uint32_t x, uint32_t seq, size_t n)
{
	if (seq_lt(x, seq))
		return 0;
	return x - seq < n ? x - seq : (uint32_t)n;
}

/* Drops what lies before nxt, compared with what is still buffered. Bytes
 * inside the last skipped range count as skipped (each time they come),
 * the rest as seen before (retransmitted, or late after a gap). */
static void trim_old(struct fsc_flows *t, struct rec *r, int d, struct seg *g)
{
	struct rdir *s = &r->d[d];

	if (!g->len || !seq_lt(g->seq, s->nxt))
		return;
	uint32_t n = clamp_off(s->nxt, g->seq, g->len);
	if (s->buf != FL_NONE && pending(s)) {
		uint32_t a = clamp_off(s->base, g->seq, n);
		uint32_t at = g->seq + a - s->base;
		if (a < n)
			compare(t, bufp(t, s) + at, g->p + a, n - a, g);
	}
	uint32_t jf = clamp_off(s->jump_from, g->seq, n);
	uint32_t jt = clamp_off(s->jump_to, g->seq, n);
	uint32_t skipped = jt > jf ? jt - jf : 0;
	t->st.skipped_bytes += skipped;
	g->seen += n - skipped;
	advance(g, n);
}

/* True if [a, b) touches an island (overlaps or abuts it). */
static bool touches(const struct rdir *s, uint32_t a, uint32_t b)
{
	for (unsigned i = 0; i < s->nisl; i++)
		if (s->isl[i].s <= b && s->isl[i].e >= a)
			return true;
	return false;
}

static void add_island(struct rdir *s, uint32_t a, uint32_t b)
{
	unsigned i = 0, j;

	while (i < s->nisl && s->isl[i].e < a)
		i++;
	for (j = i; j < s->nisl && s->isl[j].s <= b; j++) {
		if (s->isl[j].s < a)
			a = s->isl[j].s;
		if (s->isl[j].e > b)
			b = s->isl[j].e;
	}
	if (j == i) {
		memmove(&s->isl[i + 1], &s->isl[i], (size_t)(s->nisl - i) * sizeof(s->isl[0]));
		s->nisl++;
	} else if (j > i + 1) {
		memmove(&s->isl[i + 1], &s->isl[j], (size_t)(s->nisl - j) * sizeof(s->isl[0]));
		s->nisl = (uint8_t)(s->nisl - (j - i - 1));
	}
	s->isl[i].s = a;
	s->isl[i].e = b;
}

/* Copies n bytes to offset off: bytes already held stay (the first to
 * arrive wins, as in Linux) and are compared. */
static void write_at(struct fsc_flows *t, struct rdir *s, uint32_t off,
		     const uint8_t *p, uint32_t n, struct seg *g)
{
	uint8_t *b = bufp(t, s);
	uint32_t cur = off, end = off + n;

	for (unsigned i = 0; i < s->nisl && cur < end; i++) {
		uint32_t is = s->isl[i].s, ie = s->isl[i].e;
		if (ie <= cur)
			continue;
		if (is >= end)
			break;
		if (cur < is) {
			memcpy(b + cur, p + (cur - off), is - cur);
			cur = is;
		}
		uint32_t oe = ie < end ? ie : end;
		compare(t, b + cur, p + (cur - off), oe - cur, g);
		g->seen += oe - cur;
		cur = oe;
	}
	if (cur < end)
		memcpy(b + cur, p + (cur - off), end - cur);
}

/* Nothing could be stored: the direction drops all it holds and this
 * segment. */
static void mem_fail(struct fsc_flows *t, struct rec *r, int d, struct seg *g)
{
	struct rdir *s = &r->d[d];
	uint32_t to = g->seq + (uint32_t)g->len;

	if (seq_lt(to, s->base + extent(s)))
		to = s->base + extent(s);
	gap_to(t, r, d, to, FSC_GAP_MEMORY, (uint32_t)g->len);
	g->len = 0;
	deliver(t, r, d, 0);
}

/* In order with nothing held: straight from the packet, a cap-sized window
 * at a time; only what the consumer leaves of the tail is copied. */
static void fast_path(struct fsc_flows *t, struct rec *r, int d, struct seg *g)
{
	struct rdir *s = &r->d[d];
	size_t cap = t->lim.dir_cap;
	size_t w = g->len < cap ? g->len : cap;
	size_t n = offer(t, r, d, g->p, w, 0);

	if (!reasm_wants(t, r, d)) {
		g->len = 0;
		return;
	}
	if (n == 0 && w >= cap) {
		t->st.cap_hits++;
		s->nxt += (uint32_t)w; /* offered, unconsumed, not stored */
		advance(g, w);
		gap_to(t, r, d, s->nxt, FSC_GAP_CAP, 0);
		return;
	}
	s->base += (uint32_t)n;
	s->nxt += (uint32_t)n;
	s->off += n;
	advance(g, n);
	if (n == w || g->len > cap)
		return; /* all taken, or the next window slides over the rest */
	if (!ensure(t, r, d, (uint32_t)g->len)) {
		mem_fail(t, r, d, g);
		return;
	}
	if (!reasm_wants(t, r, d)) {
		g->len = 0;
		return;
	}
	memcpy(bufp(t, s), g->p, g->len);
	s->nxt += (uint32_t)g->len;
	g->len = 0;
}

static void place(struct fsc_flows *t, struct rec *r, int d, struct seg *g)
{
	struct rdir *s = &r->d[d];
	uint32_t cap = t->lim.dir_cap;

	while (g->len && reasm_wants(t, r, d)) {
		/* Data reaches past a long skip: move on with it. */
		if (s->skip && !pending(s) && seq_lt(s->nxt, g->seq + (uint32_t)g->len)) {
			skip_jump(t, r, d, JUMP_MAX);
			if (pending(s))
				deliver(t, r, d, 0);
		}
		trim_old(t, r, d, g);
		if (!g->len)
			break;
		uint32_t pend = pending(s), off = g->seq - s->base;
		if (off == 0 && pend == 0 && s->nisl == 0) {
			fast_path(t, r, d, g);
			continue;
		}
		if ((uint64_t)off + g->len > cap) {
			if (off != pend) {
				/* Too far ahead to hold: the first hole is lost. */
				uint32_t at = s->nisl ? s->base + s->isl[0].s : g->seq;
				gap_to(t, r, d, at, FSC_GAP_OOO_LIMIT, 0);
				deliver(t, r, d, 0);
				continue;
			}
			/* In order, but more than fits: fill up, offer, go on. */
			uint32_t w = cap - off;
			if (w) {
				if (!ensure(t, r, d, cap)) {
					mem_fail(t, r, d, g);
					break;
				}
				write_at(t, s, off, g->p, w, g);
				s->nxt = s->base + cap;
				absorb(s);
				advance(g, w);
			}
			deliver(t, r, d, 0);
			continue;
		}
		if (off > pend && s->nisl >= FSC_FLOW_MAX_HOLES &&
		    !touches(s, off, off + (uint32_t)g->len)) {
			gap_to(t, r, d, s->base + s->isl[0].s, FSC_GAP_OOO_LIMIT, 0);
			deliver(t, r, d, 0);
			continue;
		}
		if (!ensure(t, r, d, off + (uint32_t)g->len)) {
			mem_fail(t, r, d, g);
			break;
		}
		if (!reasm_wants(t, r, d))
			break;
		write_at(t, s, off, g->p, (uint32_t)g->len, g);
		if (off == pend) {
			s->nxt = s->base + off + (uint32_t)g->len;
			absorb(s);
		} else {
			add_island(s, off, off + (uint32_t)g->len);
			g->ooo = true;
			t->st.ooo_bytes += g->len;
		}
		g->len = 0;
		hole_clock(t, r, d);
		if (pending(s) > pend)
			deliver(t, r, d, 0);
		else
			buf_touch(t, r);
	}
}

void reasm_start(struct fsc_flows *t, struct rec *r, int d, uint32_t seq, bool midstream)
{
	struct rdir *s = &r->d[d];

	s->started = true;
	s->nxt = s->base = seq;
	r->pub.dir[d].start = seq;
	s->jump_from = s->jump_to = seq;
	if (!midstream)
		return;
	r->pub.dir[d].midstream = true;
	s->resync = true;
	t->st.gaps[FSC_GAP_MIDSTREAM]++;
	if (t->h.on_gap && reasm_wants(t, r, d))
		t->h.on_gap(t->h.ctx, &r->pub, d, 0, FSC_GAP_MIDSTREAM);
}

void reasm_segment(struct fsc_flows *t, struct rec *r, int d, uint32_t seq,
		   const uint8_t *p, size_t len, size_t wire)
{
	struct rdir *s = &r->d[d];
	struct seg g = { .seq = seq, .p = p, .len = len };

	if (wire < len)
		wire = len;
	if (wire > JUMP_MAX)
		wire = JUMP_MAX;
	if (g.len > wire)
		g.len = wire;
	uint32_t cut_from = seq + (uint32_t)g.len, cut_to = seq + (uint32_t)wire;

	/* Nothing lies at or after a FIN. */
	if (r->pub.dir[d].fin) {
		if (!seq_lt(seq, s->fin_seq))
			return;
		if (seq_lt(s->fin_seq, cut_to))
			cut_to = s->fin_seq;
		if (seq_lt(s->fin_seq, cut_from)) {
			cut_from = s->fin_seq;
			g.len = s->fin_seq - seq;
		}
	}
	if (!reasm_wants(t, r, d)) {
		drop_all(t, r, d);
		return;
	}
	size_t len0 = g.len;
	if (s->skip && pending(s))
		deliver(t, r, d, 0);
	place(t, r, d, &g);

	/* Bytes the capture cut off: lost once nxt reaches them. */
	if (cut_from != cut_to && reasm_wants(t, r, d) && seq_le(cut_from, s->nxt) &&
	    seq_lt(s->nxt, cut_to)) {
		uint32_t to = cut_to;
		if (s->nisl && seq_lt(s->base + s->isl[0].s, to))
			to = s->base + s->isl[0].s;
		if (s->skip && !pending(s))
			skip_jump(t, r, d, to - s->nxt);
		if (seq_lt(s->nxt, to))
			gap_to(t, r, d, to, FSC_GAP_SNAPLEN, 0);
		deliver(t, r, d, 0);
	}

	if (g.ooo)
		t->st.ooo_segments++;
	if (len0 && g.seen >= len0) {
		t->st.retransmits++;
		t->st.retransmit_bytes += g.seen;
	} else if (g.seen) {
		t->st.overlaps++;
		t->st.overlap_bytes += g.seen;
	}
	t->st.contradictions += g.contra;
	settle(t, r, d);
}

void reasm_ack(struct fsc_flows *t, struct rec *r, int d, uint32_t ack)
{
	struct rdir *s = &r->d[d];
	uint32_t at;

	/* The peer holds every byte below its ACK: a hole under it was lost
	 * by the capture, not the network, and will never come. */
	while (s->started && reasm_wants(t, r, d) && first_held(r, d, &at)) {
		/* An ACK far past anything held is not believed. */
		if (seq_lt(ack, at) || ack - at > t->lim.dir_cap + 65536u)
			return;
		gap_to(t, r, d, at, FSC_GAP_ACKED, 0);
		deliver(t, r, d, 0);
	}
}

void reasm_timeouts(struct fsc_flows *t, struct rec *r)
{
	for (int d = 0; d < 2; d++) {
		struct rdir *s = &r->d[d];
		uint32_t at;

		if (!s->hole_timing || !elapsed(t->ts, s->hole_since, t->lim.hole_timeout_ns))
			continue;
		while (reasm_wants(t, r, d) && first_held(r, d, &at)) {
			gap_to(t, r, d, at, FSC_GAP_TIMEOUT, 0);
			deliver(t, r, d, 0);
		}
	}
}

void reasm_fin(struct fsc_flows *t, struct rec *r, int d, uint32_t fin_seq)
{
	r->pub.dir[d].fin = true;
	r->d[d].fin_seq = fin_seq;
	hole_clock(t, r, d);
}

bool reasm_check_done(struct fsc_flows *t, struct rec *r, int d)
{
	struct rdir *s = &r->d[d];

	if (s->done)
		return true;
	if (!r->pub.dir[d].fin)
		return false;
	if (reasm_wants(t, r, d)) {
		if (seq_lt(s->nxt, s->fin_seq))
			return false;
		if (pending(s))
			deliver(t, r, d, FSC_DATA_END);
	}
	s->done = true;
	drop_all(t, r, d);
	return true;
}

void reasm_flush(struct fsc_flows *t, struct rec *r)
{
	for (int d = 0; d < 2; d++) {
		uint32_t at;

		while (reasm_wants(t, r, d) && first_held(r, d, &at)) {
			gap_to(t, r, d, at, FSC_GAP_CLOSE, 0);
			deliver(t, r, d, 0);
		}
		if (reasm_wants(t, r, d) && pending(&r->d[d]))
			deliver(t, r, d, FSC_DATA_END);
		drop_all(t, r, d);
	}
}

void fsc_flow_skip(struct fsc_flow *f, int dir, uint64_t k)
{
	struct rec *r = (struct rec *)f;

	if (dir != 0 && dir != 1)
		return;
	uint64_t *sk = &r->d[dir].skip;
	*sk = UINT64_MAX - *sk < k ? UINT64_MAX : *sk + k;
}

uint64_t fsc_flow_offset(const struct fsc_flow *f, int dir)
{
	const struct rec *r = (const struct rec *)f;

	if (dir != 0 && dir != 1)
		return 0;
	const struct rdir *s = &r->d[dir];
	return s->off + (f->table->offering == s ? f->table->offered : 0);
}

uint64_t fsc_flow_skipping(const struct fsc_flow *f, int dir)
{
	const struct rec *r = (const struct rec *)f;

	return dir == 0 || dir == 1 ? r->d[dir].skip : 0;
}

void fsc_flow_stop(struct fsc_flow *f, int dir)
{
	struct rec *r = (struct rec *)f;

	for (int d = 0; d < 2; d++) {
		if (dir != FSC_FLOW_BOTH && dir != d)
			continue;
		f->dir[d].stopped = true;
		/* Inside the table a buffer may be in use: it goes at the
		 * next settling point instead. */
		if (!f->table->busy)
			drop_all(f->table, r, d);
	}
}
