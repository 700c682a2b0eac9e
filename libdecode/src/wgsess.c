/* wgsess.c - pairing WireGuard handshakes and attributing transport by index
 * (protocols.md §1.3, timers §1.8). */
#include "fsc/wgsess.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/hmap.h"
#include "fsc/ilist.h"

#define DEFAULT_MAX_SESSIONS 65536
#define DEFAULT_MAX_PEERS 16384
#define NONE FSC_ILIST_NONE

struct fsc_wg_tracker {
	struct fsc_wg_session *sessions;
	struct fsc_wg_peer *peers;
	uint32_t *session_partial; /* per peer: a session missing one index */
	uint32_t *session_pending; /* per peer: the latest unanswered initiation */
	struct fsc_ilist slru, plru; /* least recently seen at the tail */
	struct fsc_ilink *slink, *plink; /* their links, by slot */
	uint32_t max_sessions, max_peers;
	uint32_t n_sessions, n_peers; /* slots ever used */
	struct fsc_hmap by_index;	/* (index, owner endpoint) -> session slot */
	struct fsc_hmap by_bare_index; /* index alone: finds a session that roamed */
	struct fsc_hmap by_pair;	/* endpoint pair -> peer slot */
	struct fsc_wg_stats stats;
};

static uint64_t ep_hash(const struct fsc_wg_endpoint *e)
{
	return fsc_addr_hash(&e->addr, e->port);
}

static bool ep_eq(const struct fsc_wg_endpoint *a, const struct fsc_wg_endpoint *b)
{
	return a->port == b->port && fsc_addr_eq(&a->addr, &b->addr);
}

static int ep_cmp(const struct fsc_wg_endpoint *a, const struct fsc_wg_endpoint *b)
{
	int c = fsc_addr_cmp(&a->addr, &b->addr);
	return c ? c : (int)a->port - (int)b->port;
}

/* An index is only unique at the endpoint that chose it. The message path
 * hashes its two endpoints once and passes the hashes on (_h variants). */
static uint64_t index_key_h(uint32_t index, uint64_t owner_hash)
{
	return (uint64_t)index << 32 | (uint32_t)owner_hash;
}

static uint64_t index_key(uint32_t index, const struct fsc_wg_endpoint *owner)
{
	return index_key_h(index, ep_hash(owner));
}

static uint64_t pair_key_h(const struct fsc_wg_endpoint *a, const struct fsc_wg_endpoint *b,
			   uint64_t a_hash, uint64_t b_hash)
{
	if (ep_cmp(a, b) > 0)
		return b_hash * 31 + a_hash;
	return a_hash * 31 + b_hash;
}

static uint64_t pair_key(const struct fsc_wg_endpoint *a, const struct fsc_wg_endpoint *b)
{
	return pair_key_h(a, b, ep_hash(a), ep_hash(b));
}

struct fsc_wg_tracker *fsc_wg_tracker_new(const struct fsc_wg_limits *lim)
{
	struct fsc_wg_tracker *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->max_sessions = lim && lim->max_sessions ? lim->max_sessions
						   : DEFAULT_MAX_SESSIONS;
	t->max_peers = lim && lim->max_peers ? lim->max_peers : DEFAULT_MAX_PEERS;
	if (t->max_sessions > FSC_WG_LIMIT_MAX)
		t->max_sessions = FSC_WG_LIMIT_MAX;
	if (t->max_peers > FSC_WG_LIMIT_MAX)
		t->max_peers = FSC_WG_LIMIT_MAX;
	t->sessions = malloc((size_t)t->max_sessions * sizeof(*t->sessions));
	t->peers = malloc((size_t)t->max_peers * sizeof(*t->peers));
	t->session_partial = malloc((size_t)t->max_peers * sizeof(uint32_t));
	t->session_pending = malloc((size_t)t->max_peers * sizeof(uint32_t));
	/* Each session owns up to two indices. */
	if (!t->sessions || !t->peers || !t->session_partial || !t->session_pending ||
	    !(t->slink = malloc((size_t)t->max_sessions * sizeof(*t->slink))) ||
	    !(t->plink = malloc((size_t)t->max_peers * sizeof(*t->plink))) ||
	    !fsc_hmap_init(&t->by_index, t->max_sessions * 2) ||
	    !fsc_hmap_init(&t->by_bare_index, t->max_sessions * 2) ||
	    !fsc_hmap_init(&t->by_pair, t->max_peers)) {
		fsc_wg_tracker_free(t);
		return NULL;
	}
	fsc_ilist_init(&t->slru, t->slink, sizeof(*t->slink));
	fsc_ilist_init(&t->plru, t->plink, sizeof(*t->plink));
	return t;
}

void fsc_wg_tracker_free(struct fsc_wg_tracker *t)
{
	if (!t)
		return;
	free(t->sessions);
	free(t->peers);
	free(t->session_partial);
	free(t->session_pending);
	free(t->slink);
	free(t->plink);
	fsc_hmap_free(&t->by_index);
	fsc_hmap_free(&t->by_bare_index);
	fsc_hmap_free(&t->by_pair);
	free(t);
}

static void forget_session(struct fsc_wg_tracker *t, uint32_t slot)
{
	struct fsc_wg_session *s = &t->sessions[slot];

	for (int side = 0; side < 2; side++) {
		if (!s->have_index[side])
			continue;
		fsc_hmap_del(&t->by_index, index_key(s->index[side], &s->ep[side]), slot);
		fsc_hmap_del(&t->by_bare_index, s->index[side], slot);
	}
}

static uint32_t new_session(struct fsc_wg_tracker *t, uint32_t peer_slot, int64_t ts)
{
	uint32_t slot;

	if (t->n_sessions < t->max_sessions) {
		slot = t->n_sessions++;
	} else {
		slot = t->slru.tail;
		forget_session(t, slot);
		fsc_ilist_unlink(&t->slru, slot);
		t->stats.sessions_evicted++;
	}
	struct fsc_wg_session *s = &t->sessions[slot];
	memset(s, 0, sizeof(*s));
	s->id = (uint32_t)++t->stats.sessions;
	s->peer = t->peers[peer_slot].id;
	s->first_ns = s->last_ns = ts;
	t->peers[peer_slot].sessions++;
	fsc_ilist_push(&t->slru, slot);
	return slot;
}

static void own_index(struct fsc_wg_tracker *t, uint32_t slot, int side, uint32_t index)
{
	struct fsc_wg_session *s = &t->sessions[slot];

	s->index[side] = index;
	s->have_index[side] = true;
	fsc_hmap_put(&t->by_index, index_key(index, &s->ep[side]), slot);
	fsc_hmap_put(&t->by_bare_index, index, slot);
}

/* Moves one side of a session to a new endpoint, keeping its index. */
static void move_side(struct fsc_wg_tracker *t, uint32_t slot, int side,
		      const struct fsc_wg_endpoint *to)
{
	struct fsc_wg_session *s = &t->sessions[slot];

	if (ep_eq(&s->ep[side], to))
		return;
	if (s->have_index[side])
		fsc_hmap_del(&t->by_index, index_key(s->index[side], &s->ep[side]), slot);
	s->ep[side] = *to;
	if (s->have_index[side])
		fsc_hmap_put(&t->by_index, index_key(s->index[side], to), slot);
}

static uint32_t find_peer(struct fsc_wg_tracker *t, const struct fsc_wg_endpoint *src,
			  const struct fsc_wg_endpoint *dst, uint64_t src_hash,
			  uint64_t dst_hash, int64_t ts)
{
	uint64_t key = pair_key_h(src, dst, src_hash, dst_hash);
	uint32_t slot = fsc_hmap_get(&t->by_pair, key);

	if (slot != FSC_HMAP_NONE) {
		struct fsc_wg_peer *p = &t->peers[slot];
		if ((ep_eq(&p->ep[0], src) && ep_eq(&p->ep[1], dst)) ||
		    (ep_eq(&p->ep[0], dst) && ep_eq(&p->ep[1], src))) {
			fsc_ilist_touch(&t->plru, slot);
			p->last_ns = ts;
			return slot;
		}
	}
	if (t->n_peers < t->max_peers) {
		slot = t->n_peers++;
	} else {
		slot = t->plru.tail;
		struct fsc_wg_peer *old = &t->peers[slot];
		fsc_hmap_del(&t->by_pair, pair_key(&old->ep[0], &old->ep[1]), slot);
		fsc_ilist_unlink(&t->plru, slot);
		t->stats.peers_evicted++;
	}
	struct fsc_wg_peer *p = &t->peers[slot];
	memset(p, 0, sizeof(*p));
	p->id = (uint32_t)++t->stats.peers;
	p->ep[0] = *src;
	p->ep[1] = *dst;
	p->first_ns = p->last_ns = ts;
	t->session_partial[slot] = NONE;
	t->session_pending[slot] = NONE;
	fsc_hmap_put(&t->by_pair, key, slot);
	fsc_ilist_push(&t->plru, slot);
	return slot;
}

/* The session whose index `index` is owned by `owner`, or NONE. */
static uint32_t find_session(struct fsc_wg_tracker *t, uint32_t index,
			     const struct fsc_wg_endpoint *owner, uint64_t owner_hash)
{
	uint32_t slot = fsc_hmap_get(&t->by_index, index_key_h(index, owner_hash));

	if (slot == FSC_HMAP_NONE)
		return NONE;
	struct fsc_wg_session *s = &t->sessions[slot];
	for (int side = 0; side < 2; side++)
		if (s->have_index[side] && s->index[side] == index &&
		    ep_eq(&s->ep[side], owner))
			return slot;
	return NONE;
}

/*
 * The session a message to `index` at `owner` from `sender` belongs to. An
 * index known at another endpoint means the peer roamed (NAT rebinding, a
 * new address family): WireGuard follows it, and so do we.
 */
static uint32_t find_session_roaming(struct fsc_wg_tracker *t, uint32_t index,
				     const struct fsc_wg_endpoint *owner, uint64_t owner_hash,
				     const struct fsc_wg_endpoint *sender,
				     struct fsc_wg_note *note)
{
	uint32_t slot = find_session(t, index, owner, owner_hash);
	bool moved = slot == NONE;

	if (slot == NONE) {
		slot = fsc_hmap_get(&t->by_bare_index, index);
		if (slot == FSC_HMAP_NONE)
			return NONE;
	}
	struct fsc_wg_session *s = &t->sessions[slot];
	int side = s->have_index[0] && s->index[0] == index ? 0 :
		   s->have_index[1] && s->index[1] == index ? 1 : -1;
	if (side < 0)
		return NONE;
	/* Either end may have moved: the receiver (index found elsewhere)
	 * or the sender (arriving from a new endpoint). */
	moved |= !ep_eq(&s->ep[!side], sender);
	if (!moved)
		return slot;
	move_side(t, slot, side, owner);
	move_side(t, slot, !side, sender);
	s->roams++;
	t->stats.roams++;
	note->roamed = true;
	return slot;
}

static uint32_t on_initiation(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
			  const struct fsc_wg_endpoint *src,
			  const struct fsc_wg_endpoint *dst, uint64_t src_hash, int64_t ts,
			  uint32_t ps, struct fsc_wg_note *note)
{
	struct fsc_wg_peer *p = &t->peers[ps];
	uint32_t slot = find_session(t, m->sender, src, src_hash);

	p->initiations++;
	p->unanswered++;
	p->last_initiation_ns = ts;
	if (slot == NONE) {
		slot = new_session(t, ps, ts);
		struct fsc_wg_session *s = &t->sessions[slot];
		s->ep[0] = *src;
		s->ep[1] = *dst;
		own_index(t, slot, 0, m->sender);
	}
	t->sessions[slot].initiation_ns = ts;
	t->session_pending[ps] = slot;
	note->dir = 0;
	return slot;
}

/* Sums of durations saturate: a damaged capture's times may be far apart. */
static void add_ns(int64_t *acc, int64_t v)
{
	*acc = v > INT64_MAX - *acc ? INT64_MAX : *acc + v;
}

static void record_rtt(struct fsc_wg_peer *p, int64_t rtt)
{
	if (rtt < 0) /* frames out of time order */
		rtt = 0;
	if (p->rtts == 0 || rtt < p->rtt_min_ns)
		p->rtt_min_ns = rtt;
	if (p->rtts == 0 || rtt > p->rtt_max_ns)
		p->rtt_max_ns = rtt;
	add_ns(&p->rtt_sum_ns, rtt);
	p->rtts++;
}

static uint32_t on_response(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
			const struct fsc_wg_endpoint *src,
			const struct fsc_wg_endpoint *dst, uint64_t dst_hash, int64_t ts,
			uint32_t ps, struct fsc_wg_note *note)
{
	struct fsc_wg_peer *p = &t->peers[ps];
	uint32_t slot = find_session_roaming(t, m->receiver, dst, dst_hash, src, note);

	p->responses++;
	p->unanswered = 0;
	p->last_handshake_ns = ts;
	if (slot == t->session_pending[ps])
		t->session_pending[ps] = NONE;
	if (slot == NONE) {
		t->stats.orphan_responses++;
		p->unseen_answers++;
		slot = new_session(t, ps, ts);
		struct fsc_wg_session *s = &t->sessions[slot];
		s->ep[0] = *dst;
		s->ep[1] = *src;
		own_index(t, slot, 0, m->receiver);
	} else {
		struct fsc_wg_session *s = &t->sessions[slot];
		s->handshake = true;
		note->rtt_ns = ts > s->initiation_ns ? ts - s->initiation_ns : 0;
		record_rtt(p, note->rtt_ns);
	}
	struct fsc_wg_session *s = &t->sessions[slot];
	s->ep[1] = *src;
	s->response_ns = ts;
	own_index(t, slot, 1, m->sender);
	note->dir = 1;
	return slot;
}

static uint32_t on_cookie(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
			  const struct fsc_wg_endpoint *src,
			  const struct fsc_wg_endpoint *dst, uint64_t dst_hash, uint32_t ps,
			  struct fsc_wg_note *note)
{
	uint32_t slot = find_session_roaming(t, m->receiver, dst, dst_hash, src, note);

	t->peers[ps].cookies++;
	if (slot != NONE)
		note->dir = ep_eq(&t->sessions[slot].ep[0], dst) ? 1 : 0;
	return slot;
}

/* Transport to an index never announced, from the initiator of the peer's
 * latest unanswered initiation to its responder, within REKEY_TIMEOUT (the
 * initiator's retry): that index is in the response the capture lacks.
 * The handshake happened; the initiation's session takes the index. */
static uint32_t adopt_unseen_response(struct fsc_wg_tracker *t, uint32_t receiver,
				      const struct fsc_wg_endpoint *src,
				      const struct fsc_wg_endpoint *dst, int64_t ts,
				      uint32_t ps)
{
	uint32_t slot = t->session_pending[ps];
	struct fsc_wg_peer *p = &t->peers[ps];

	if (slot == NONE)
		return NONE;
	struct fsc_wg_session *s = &t->sessions[slot];
	if (s->peer != p->id || s->have_index[1] || !ep_eq(&s->ep[0], src) ||
	    !ep_eq(&s->ep[1], dst) || ts < s->initiation_ns ||
	    ts - s->initiation_ns > FSC_WG_REKEY_TIMEOUT_NS)
		return NONE;
	t->session_pending[ps] = NONE;
	own_index(t, slot, 1, receiver);
	p->unseen_answers++;
	p->unanswered = 0;
	p->last_handshake_ns = s->initiation_ns;
	return slot;
}

/* Transport to an index never announced: the capture began mid-session. The
 * first direction seen opens a partial session; the other joins it. */
static uint32_t adopt_orphan(struct fsc_wg_tracker *t, uint32_t receiver,
			     const struct fsc_wg_endpoint *src,
			     const struct fsc_wg_endpoint *dst, int64_t ts,
			     uint32_t ps)
{
	uint32_t slot = t->session_partial[ps];

	if (slot != NONE) {
		struct fsc_wg_session *s = &t->sessions[slot];
		if (s->peer == t->peers[ps].id && !s->handshake &&
		    !s->have_index[0] && s->have_index[1] &&
		    ep_eq(&s->ep[0], dst) && ep_eq(&s->ep[1], src)) {
			own_index(t, slot, 0, receiver);
			t->session_partial[ps] = NONE;
			return slot;
		}
	}
	slot = new_session(t, ps, ts);
	struct fsc_wg_session *s = &t->sessions[slot];
	s->ep[0] = *src;
	s->ep[1] = *dst;
	own_index(t, slot, 1, receiver);
	t->session_partial[ps] = slot;
	return slot;
}

static void count_flow(struct fsc_wg_flow *f, const struct fsc_wg_msg *m, int64_t ts)
{
	f->packets++;
	f->bytes += m->len;
	if (f->packets > 1 && m->counter < f->last_counter)
		f->counter_regressions++;
	f->last_counter = m->counter;
	if (!m->keepalive)
		return;
	if (f->keepalives > 0) {
		int64_t gap = ts > f->last_keepalive_ns ? ts - f->last_keepalive_ns : 0;
		if (f->ka_gaps == 0 || gap < f->ka_gap_min_ns)
			f->ka_gap_min_ns = gap;
		if (f->ka_gaps == 0 || gap > f->ka_gap_max_ns)
			f->ka_gap_max_ns = gap;
		add_ns(&f->ka_gap_sum_ns, gap);
		f->ka_gaps++;
	}
	f->keepalives++;
	f->last_keepalive_ns = ts;
}

static uint32_t on_transport(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
			 const struct fsc_wg_endpoint *src,
			 const struct fsc_wg_endpoint *dst, uint64_t dst_hash, int64_t ts,
			 uint32_t ps, struct fsc_wg_note *note)
{
	struct fsc_wg_peer *p = &t->peers[ps];
	uint32_t slot = find_session_roaming(t, m->receiver, dst, dst_hash, src, note);

	if (slot == NONE) {
		note->unknown_index = true;
		t->stats.orphan_transport++;
		slot = adopt_unseen_response(t, m->receiver, src, dst, ts, ps);
		if (slot == NONE)
			slot = adopt_orphan(t, m->receiver, src, dst, ts, ps);
	}
	struct fsc_wg_session *s = &t->sessions[slot];
	/* The receiver's index says which end it goes to. */
	int dir = s->have_index[0] && s->index[0] == m->receiver &&
		  ep_eq(&s->ep[0], dst) ? 1 : 0;
	count_flow(&s->dir[dir], m, ts);
	note->dir = dir;

	int side = ep_eq(&p->ep[0], src) ? 0 : 1;
	p->packets[side]++;
	p->bytes[side] += m->len;
	p->keepalives[side] += m->keepalive;
	if (p->first_data_ns == 0)
		p->first_data_ns = ts;
	p->last_data_ns = ts;
	if (p->last_handshake_ns && ts - p->last_handshake_ns > p->max_key_age_ns)
		p->max_key_age_ns = ts - p->last_handshake_ns;
	return slot;
}

void fsc_wg_track(struct fsc_wg_tracker *t, const struct fsc_wg_msg *m,
		  const struct fsc_wg_endpoint *src,
		  const struct fsc_wg_endpoint *dst, int64_t ts_ns,
		  struct fsc_wg_note *note)
{
	struct fsc_wg_note scratch;
	uint64_t src_hash = ep_hash(src), dst_hash = ep_hash(dst);
	uint32_t ps = find_peer(t, src, dst, src_hash, dst_hash, ts_ns);

	if (!note)
		note = &scratch;
	note->session = 0;
	note->dir = -1;
	note->rtt_ns = -1;
	note->unknown_index = false;
	note->roamed = false;
	uint32_t slot = NONE;

	if (m->under_load)
		t->peers[ps].under_load++;
	t->peers[ps].sent[ep_eq(&t->peers[ps].ep[0], src) ? 0 : 1]++;
	switch (m->type) {
	case FSC_WG_INITIATION:
		slot = on_initiation(t, m, src, dst, src_hash, ts_ns, ps, note);
		break;
	case FSC_WG_RESPONSE:
		slot = on_response(t, m, src, dst, dst_hash, ts_ns, ps, note);
		break;
	case FSC_WG_COOKIE:
		slot = on_cookie(t, m, src, dst, dst_hash, ps, note);
		break;
	case FSC_WG_TRANSPORT:
		slot = on_transport(t, m, src, dst, dst_hash, ts_ns, ps, note);
		break;
	}
	if (slot != NONE) {
		if (note->roamed) {
			/* The session now runs between the new endpoints. */
			t->sessions[slot].peer = t->peers[ps].id;
			t->peers[ps].sessions++;
		}
		t->sessions[slot].last_ns = ts_ns;
		note->session = t->sessions[slot].id;
		fsc_ilist_touch(&t->slru, slot);
	}
}

size_t fsc_wg_sessions(const struct fsc_wg_tracker *t,
		       const struct fsc_wg_session **out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = t->slru.tail; i != NONE && n < max; i = fsc_ilist_link(&t->slru, i)->prev)
		out[n++] = &t->sessions[i];
	return n;
}

size_t fsc_wg_peers(const struct fsc_wg_tracker *t,
		    const struct fsc_wg_peer **out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = t->plru.tail; i != NONE && n < max; i = fsc_ilist_link(&t->plru, i)->prev)
		out[n++] = &t->peers[i];
	return n;
}

const struct fsc_wg_stats *fsc_wg_tracker_stats(const struct fsc_wg_tracker *t)
{
	return &t->stats;
}

const char *fsc_wg_session_seen(const struct fsc_wg_session *s)
{
	if (s->handshake)
		return "both";
	if (s->response_ns)
		return "no init";
	return s->initiation_ns ? "no resp" : "no hs";
}

static const char *const health_names[] = {
	[FSC_WG_OK] = "ok",
	[FSC_WG_NO_HANDSHAKE_SEEN] = "no-handshake-seen",
	[FSC_WG_UNDER_LOAD] = "under-load",
	[FSC_WG_ONE_WAY] = "one-way",
	[FSC_WG_STALE_KEYS] = "stale-keys",
	[FSC_WG_NO_RESPONSE] = "no-response",
	[FSC_WG_ONE_WAY_CAPTURE] = "one-way-capture",
};

const char *fsc_wg_health_name(enum fsc_wg_health h)
{
	if ((unsigned)h < sizeof(health_names) / sizeof(health_names[0]))
		return health_names[h];
	return "unknown";
}

static double secs(int64_t ns)
{
	return (double)ns / 1e9;
}

enum fsc_wg_health fsc_wg_peer_health(const struct fsc_wg_peer *p,
				      int64_t now_ns, char *why, size_t len)
{
	uint64_t data = p->packets[0] + p->packets[1];
	int64_t span = p->last_data_ns - p->first_data_ns;

	/* Every other finding reads both sides: none holds on half of them. */
	if (p->unseen_answers && (p->sent[0] == 0 || p->sent[1] == 0)) {
		char s[FSC_ENDPOINT_STRLEN], d[FSC_ENDPOINT_STRLEN];
		int from = p->sent[0] ? 0 : 1;
		snprintf(why, len, "only %s -> %s captured, though the other side did send "
			 "(%llu answers seen): a 'src host' filter?",
			 fsc_endpoint_str(&p->ep[from].addr, p->ep[from].port, s),
			 fsc_endpoint_str(&p->ep[!from].addr, p->ep[!from].port, d),
			 (unsigned long long)p->unseen_answers);
		return FSC_WG_ONE_WAY_CAPTURE;
	}
	if (p->unanswered >= 2) {
		snprintf(why, len, "%llu initiations unanswered over %.1f s",
			 (unsigned long long)p->unanswered,
			 secs(now_ns - p->last_initiation_ns) +
				 (p->responses ? 0 : secs(p->last_initiation_ns - p->first_ns)));
		return FSC_WG_NO_RESPONSE;
	}
	if (p->max_key_age_ns > FSC_WG_REJECT_AFTER_TIME_NS) {
		snprintf(why, len, "data %.0f s after the last handshake "
			 "(keys are rejected after 180 s)", secs(p->max_key_age_ns));
		return FSC_WG_STALE_KEYS;
	}
	if (!p->last_handshake_ns && data && span > FSC_WG_REJECT_AFTER_TIME_NS) {
		snprintf(why, len, "data for %.0f s without a handshake "
			 "(keys rotate every 120 s)", secs(span));
		return FSC_WG_STALE_KEYS;
	}
	if (data && (p->packets[0] == 0 || p->packets[1] == 0) &&
	    span > FSC_WG_KEEPALIVE_TIMEOUT_NS + FSC_WG_REKEY_TIMEOUT_NS) {
		char s[FSC_ENDPOINT_STRLEN];
		int quiet = p->packets[0] == 0 ? 0 : 1;
		snprintf(why, len, "%s sent nothing for %.0f s of data",
			 fsc_endpoint_str(&p->ep[quiet].addr, p->ep[quiet].port, s),
			 secs(span));
		return FSC_WG_ONE_WAY;
	}
	if (p->cookies || p->under_load) {
		snprintf(why, len, "%llu cookie replies, %llu messages with mac2",
			 (unsigned long long)p->cookies,
			 (unsigned long long)p->under_load);
		return FSC_WG_UNDER_LOAD;
	}
	if (!p->last_handshake_ns && data) {
		snprintf(why, len, "transport only: the handshake predates the capture");
		return FSC_WG_NO_HANDSHAKE_SEEN;
	}
	if (len)
		why[0] = '\0';
	return FSC_WG_OK;
}
