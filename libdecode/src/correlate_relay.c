/* correlate_relay.c - the relay of an ingress connection, from the
 * underlay (correlate.h; correlate_int.h): exact from the decrypted
 * datagram, else by time, else by the sizes of the datagrams that carried
 * the connection's packets.
 *
 * A ring of recent WireGuard transport datagrams (their time, path,
 * session and message lengths) serves every join; a ring of recent SYNs
 * and POSTs seen in clear keeps their times and sizes until the ingress
 * connection exists (the node's 101 opens it); a small table keeps, per
 * tunnel address, the path its last time+size join found.
 */
#include "correlate_int.h"

#include <string.h>

#include "fsc/wireguard.h"

#define MAX_RELAY_CANDIDATES 8
#define WG_OVERHEAD 32u		/* transport header 16 + AEAD tag 16 */

void corr_underlay_wg(struct corr_underlay *u, const struct fsc_event *ev)
{
	const struct fsc_packet *p = ev->pkt;

	u->wg_have_last = false;
	if (!p || ev->tunnel || !ev->tun || ev->tun->kind != FSC_TUNNEL_WG ||
	    ev->tun->u.wg.type != FSC_WG_TRANSPORT || !ev->frame)
		return;
	struct corr_wg_seen *w = &u->wg[u->wg_next++ & (CORR_WG_RING - 1)];
	w->ts = ev->ts_ns;
	w->session = ev->wg.session;
	w->src = p->src;
	w->dst = p->dst;
	w->sport = p->sport;
	w->dport = p->dport;
	w->input = ev->frame->file;
	w->iface = ev->frame->iface;
	w->have_key = ev->wgd && ev->wgd->result == FSC_WGD_OK && ev->wgd->have_static;
	if (w->have_key)
		memcpy(w->key, ev->wgd->initiator_static, 32);
	u->wg_have_last = ev->wgd && ev->wgd->result == FSC_WGD_OK;
	w->seg = w->last = (uint32_t)p->payload_wire_len;
	if (!u->wg_have_last && p->payload_len == p->payload_wire_len) {
		/* Not split by the pipeline (that needs a key): a batch's
		 * segments are what a size join looks for. */
		size_t seg = fsc_wg_gso_segment(p->payload, p->payload_len);
		if (seg) {
			w->seg = (uint32_t)seg;
			w->last = (uint32_t)(p->payload_len % seg ? p->payload_len % seg : seg);
		}
	}
	u->last_frame_number = ev->frame->number;
	u->last_frame_file = ev->frame->file;
}

static void relay_from(struct fsc_story *s, const struct corr_wg_seen *w, bool from_relay)
{
	s->relay = from_relay ? w->src : w->dst;
	s->relay_port = from_relay ? w->sport : w->dport;
	s->wg_session = w->session;
	s->relay_input = w->input;
	s->relay_iface = w->iface;
	s->have_wg_key = w->have_key;
	if (w->have_key)
		memcpy(s->wg_initiator_key, w->key, 32);
}

bool corr_relay_exact(const struct corr_underlay *u, const struct fsc_event *ev,
		      struct fsc_story *s)
{
	if (!u->wg_have_last || !ev->tunnel || !ev->frame ||
	    ev->frame->number != u->last_frame_number || ev->frame->file != u->last_frame_file)
		return false;
	const struct corr_wg_seen *w = &u->wg[(u->wg_next - 1) & (CORR_WG_RING - 1)];
	if (w->session != ev->tunnel)
		return false;
	relay_from(s, w, false); /* the answer goes back to the relay */
	s->relay_join = (struct fsc_story_join){ FSC_JOIN_EXACT, 1 };
	return true;
}

/* ---- by time ---- */

void corr_relay_by_time(const struct corr_underlay *u, const struct fsc_corr_limits *lim,
			struct fsc_story *s)
{
	int64_t t = s->t[FSC_STAGE_TUNNEL];
	uint32_t seen[MAX_RELAY_CANDIDATES];
	unsigned n = 0, total = 0;
	const struct corr_wg_seen *pick = NULL;

	for (uint32_t i = 0; i < CORR_WG_RING && i < u->wg_next; i++) {
		const struct corr_wg_seen *w = &u->wg[(u->wg_next - 1 - i) & (CORR_WG_RING - 1)];
		if (w->ts < t - lim->relay_window_ns)
			break;
		if (w->ts > t + lim->relay_window_ns)
			continue;
		bool known = false;
		for (unsigned j = 0; j < n; j++)
			known |= seen[j] == w->session;
		if (known)
			continue;
		total++;
		if (n < MAX_RELAY_CANDIDATES)
			seen[n++] = w->session;
		pick = w;
	}
	s->relay_time_candidates = total;
	if (total == 1) {
		relay_from(s, pick, true);
		s->relay_join = (struct fsc_story_join){ FSC_JOIN_TIME, 1 };
	} else if (total > 1) {
		s->relay_join = (struct fsc_story_join){ FSC_JOIN_AMBIGUOUS, total };
	}
}

/* ---- by size ---- */

void corr_mark_keep(struct corr_underlay *u, uint64_t key, enum corr_mark_kind what,
		    struct corr_mark m)
{
	struct corr_mark_seen *s = &u->marks[u->marks_next++ & (CORR_MARK_RING - 1)];

	s->key = key;
	s->what = what;
	s->m = m;
}

void corr_marks_take(const struct corr_underlay *u, uint64_t key,
		     struct corr_mark marks[CORR_MARKS])
{
	for (uint32_t i = 0; i < CORR_MARK_RING && i < u->marks_next; i++) {
		const struct corr_mark_seen *s =
			&u->marks[(u->marks_next - 1 - i) & (CORR_MARK_RING - 1)];
		if (s->key == key && !marks[s->what].ts)
			marks[s->what] = s->m;
	}
}

/* A message of len bytes can carry an IP packet of ip_len: the packet
 * padded to 16, or less at the MTU, plus the overhead. */
static bool carries(uint32_t len, uint32_t ip_len)
{
	return len >= WG_OVERHEAD && len - WG_OVERHEAD >= ip_len &&
	       len - WG_OVERHEAD <= (ip_len + 15) / 16 * 16;
}

/* One way of one session: the datagrams of a relay towards the node. */
static bool same_path(const struct corr_wg_seen *a, const struct corr_wg_seen *b)
{
	return a->session == b->session && a->sport == b->sport && a->dport == b->dport &&
	       fsc_addr_eq(&a->src, &b->src) && fsc_addr_eq(&a->dst, &b->dst);
}

/* The paths with a datagram that can carry mark m, arrived after `after`
 * and at most the size window before m: into out (the newest datagram of
 * each), their count into *n. False when that cannot be told: the ring no
 * longer holds the whole window, or more paths fit than out holds (the
 * right one might be among those left out). */
static bool carriers(const struct corr_underlay *u, const struct fsc_corr_limits *lim,
		     const struct corr_mark *m, int64_t after, const struct corr_wg_seen **out,
		     unsigned cap, unsigned *n)
{
	uint32_t i;

	*n = 0;
	if (after < m->ts - lim->size_window_ns)
		after = m->ts - lim->size_window_ns;
	for (i = 0; i < CORR_WG_RING && i < u->wg_next; i++) {
		const struct corr_wg_seen *w = &u->wg[(u->wg_next - 1 - i) & (CORR_WG_RING - 1)];
		if (w->ts > m->ts)
			continue;
		if (w->ts <= after)
			return true;
		if (!carries(w->seg, m->len) && !carries(w->last, m->len))
			continue;
		bool known = false;
		for (unsigned j = 0; j < *n && !known; j++)
			known = same_path(out[j], w);
		if (known)
			continue;
		if (*n == cap)
			return false;
		out[(*n)++] = w;
	}
	return i < CORR_WG_RING; /* every datagram seen is in the window */
}

static bool path_is(const struct corr_wg_seen *w, const struct corr_peer_path *p)
{
	return w->sport == p->sport && w->dport == p->dport && fsc_addr_eq(&w->src, &p->src) &&
	       fsc_addr_eq(&w->dst, &p->dst);
}

/* The path learnt for a tunnel address (recently), or NULL. */
static struct corr_peer_path *peer_find(struct corr_underlay *u, const struct fsc_corr_limits *lim,
					int64_t now, const struct fsc_addr *inner)
{
	for (uint32_t i = 0; i < CORR_PEER_PATHS; i++) {
		struct corr_peer_path *p = &u->peers[i];
		if (p->ts && now - p->ts <= lim->idle_ns && fsc_addr_eq(&p->inner, inner))
			return p;
	}
	return NULL;
}

static void peer_learn(struct corr_underlay *u, const struct fsc_corr_limits *lim, int64_t now,
		       const struct fsc_addr *inner, const struct corr_wg_seen *w)
{
	struct corr_peer_path *p = peer_find(u, lim, now, inner);

	if (!p) { /* a free slot, else the oldest */
		p = &u->peers[0];
		for (uint32_t i = 1; i < CORR_PEER_PATHS; i++)
			if (u->peers[i].ts < p->ts)
				p = &u->peers[i];
	}
	*p = (struct corr_peer_path){ *inner, now, w->src, w->dst, w->sport, w->dport };
}

/* The paths that carried both the POST and the ClientHello (when seen yet)
 * of the connection, each carrier arrived after the packet before it was
 * seen inside: the edge sends the POST only once the node answered the
 * SYN, the ClientHello only after the 101. (The SYN's own carrier has the
 * size of any ACK: it tells nothing.) One path: the relay, and the tunnel
 * address's path from now on; several: the one its earlier ingress came
 * on, if one did, else ambiguous; none, or a window the ring no longer
 * holds: the join by time stands. */
void corr_relay_by_size(struct corr_underlay *u, const struct fsc_corr_limits *lim, int64_t now,
			const struct corr_mark marks[CORR_MARKS], const struct fsc_addr *inner,
			struct fsc_story *s)
{
	const struct corr_wg_seen *fit[MAX_RELAY_CANDIDATES], *got[MAX_RELAY_CANDIDATES];
	const struct corr_mark *post = &marks[CORR_MARK_POST], *hello = &marks[CORR_MARK_HELLO];
	unsigned n = 0, m;

	if (!post->ts ||
	    !carriers(u, lim, post, marks[CORR_MARK_SYN].ts, fit, MAX_RELAY_CANDIDATES, &n))
		return;
	if (hello->ts) {
		int64_t after = s->t[FSC_STAGE_INGRESS] > post->ts ? s->t[FSC_STAGE_INGRESS]
								    : post->ts;
		if (!carriers(u, lim, hello, after, got, MAX_RELAY_CANDIDATES, &m))
			return;
		unsigned kept = 0;
		for (unsigned a = 0; a < n; a++)
			for (unsigned b = 0; b < m; b++)
				if (same_path(fit[a], got[b])) {
					fit[kept++] = fit[a];
					break;
				}
		n = kept;
	}
	if (n == 1) {
		relay_from(s, fit[0], true);
		s->relay_join = (struct fsc_story_join){ FSC_JOIN_TIME_SIZE, 1 };
		peer_learn(u, lim, now, inner, fit[0]);
		return;
	}
	if (n == 0)
		return;
	const struct corr_peer_path *p = peer_find(u, lim, now, inner);
	const struct corr_wg_seen *pick = NULL;
	for (unsigned i = 0; p && i < n; i++)
		if (path_is(fit[i], p))
			pick = fit[i];
	if (pick) {
		relay_from(s, pick, true);
		s->relay_join = (struct fsc_story_join){ FSC_JOIN_TIME_SIZE_PEER, 1 };
	} else {
		s->relay_join = (struct fsc_story_join){ FSC_JOIN_AMBIGUOUS, n };
	}
}
