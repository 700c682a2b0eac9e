/* model.c - funnel events into fwatch's bounded tables (see model.h). */
#include "model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/enrich.h"
#include "fsc/hmap.h"
#include "fsc/http.h"
#include "fsc/span.h"
#include "fsc/streams.h"
#include "detail.h"
#include "lru.h"

#define DEF_REQUESTS 10000
#define DEF_CLIENTS 4096
#define DEF_HOSTS 1024
#define DEF_ENDPOINTS 1024
#define DEF_DETAIL (4u << 20)
#define DEF_NEW_NS (60 * 1000000000ll)
#define DEF_STORIES 2048
#define NS 1000000000ll

struct peer_snap {
	int64_t ns;
	uint64_t bytes[2], packets[2];
	struct tui_peer_rate rate;
};

struct bucket {
	int64_t sec;
	uint64_t v[TUI_S_COUNT];
};

struct source_info {
	char name[64];
	bool have_stats;
	struct fsc_src_stats st;
};

struct tui_model {
	struct tui_model_limits lim;
	struct fsc_enrich *names;
	const struct fsc_wg_tracker *wg;
	const struct fsc_corr_stats *corr;	/* borrowed; NULL: none */
	struct tui_totals tot;
	int64_t now;

	struct tui_request *ring;
	uint64_t first_seq, last_seq;
	struct fsc_hmap by_txn;		/* (flow, index) -> ring slot of its
					 * request, until the row is overwritten */

	struct tui_dring dring;		/* heads and hops for Detail */

	struct fsc_story *stories;	/* the newest, by (id - 1) % max_stories */
	uint64_t last_story, stories_kept;
	struct fsc_clock_offset clock[TUI_CLOCK_OFFSETS];
	size_t n_clock;

	struct fsc_agg *agg;		/* clients, hosts, endpoints */
	struct tui_lru *ingress, *peers;

	struct bucket hist[TUI_HIST];
	bool hist_started;
	int64_t hist_sec;		/* newest second with a bucket */

	int64_t peers_measured_ns;
	const struct fsc_wg_peer **peerbuf;
	size_t peercap;

	struct source_info src[TUI_MAX_IFACES];
	unsigned n_src;
	bool live;

	/* Each peer's newest session, found once per change of the model:
	 * peer id -> its index in ps_all, the tracker's sessions. */
	uint64_t gen, ps_gen;
	const struct fsc_wg_session **ps_all;
	size_t ps_cap, ps_n;
	struct fsc_hmap ps_idx;
};

/* ---------------------------------------------------------------- setup */

/* A client entered in the aggregation: GeoIP now (an mmap lookup);
 * reverse DNS starts here and is read when shown. */
static void client_geo(void *ctx, struct fsc_agg_client *c)
{
	struct tui_model *m = ctx;
	struct fsc_enrich_info info;

	if (!m->names)
		return;
	fsc_enrich_get(m->names, &c->addr, &info);
	if (info.have_geo)
		fsc_agg_client_geo(c, info.geo.country, info.geo.asn, info.geo.as_org);
}

struct tui_model *tui_model_new(const struct tui_model_limits *lim, struct fsc_enrich *names)
{
	struct tui_model *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	if (lim)
		m->lim = *lim;
	if (!m->lim.max_requests)
		m->lim.max_requests = DEF_REQUESTS;
	if (!m->lim.max_clients)
		m->lim.max_clients = DEF_CLIENTS;
	if (!m->lim.max_hosts)
		m->lim.max_hosts = DEF_HOSTS;
	if (!m->lim.max_endpoints)
		m->lim.max_endpoints = DEF_ENDPOINTS;
	if (!m->lim.detail_bytes)
		m->lim.detail_bytes = DEF_DETAIL;
	if (!m->lim.new_client_ns)
		m->lim.new_client_ns = DEF_NEW_NS;
	if (!m->lim.max_stories)
		m->lim.max_stories = DEF_STORIES;
	m->names = names;
	/* The seed only spreads the tables; nothing printed depends on it. */
	uint64_t seed = (uint64_t)(uintptr_t)m ^ 0x5851f42d4c957f2dull;
	m->ring = calloc(m->lim.max_requests, sizeof(*m->ring));
	bool by_txn = fsc_hmap_init(&m->by_txn, m->lim.max_requests);
	struct fsc_agg_limits al = { .max_hosts = m->lim.max_hosts,
				     .max_clients = m->lim.max_clients,
				     .max_endpoints = m->lim.max_endpoints, .evict = true };
	m->agg = fsc_agg_new(&al);
	if (m->agg)
		fsc_agg_on_client(m->agg, client_geo, m);
	m->ingress = tui_lru_new(m->lim.max_clients, sizeof(struct fsc_addr),
				 sizeof(struct tui_ingress), seed + 5);
	m->peers = tui_lru_new(4096, sizeof(uint32_t), sizeof(struct peer_snap), seed + 6);
	bool dring = tui_dring_init(&m->dring, m->lim.detail_bytes);
	m->stories = calloc(m->lim.max_stories, sizeof(*m->stories));
	if (!m->ring || !dring || !by_txn || !m->agg || !m->stories ||
	    !m->ingress || !m->peers) {
		tui_model_free(m);
		return NULL;
	}
	return m;
}

void tui_model_free(struct tui_model *m)
{
	if (!m)
		return;
	free(m->ring);
	free(m->stories);
	tui_dring_free(&m->dring);
	fsc_hmap_free(&m->by_txn);
	fsc_agg_free(m->agg);
	tui_lru_free(m->ingress);
	tui_lru_free(m->peers);
	free(m->peerbuf);
	free(m->ps_all);
	fsc_hmap_free(&m->ps_idx);
	free(m);
}

void tui_model_set_wg(struct tui_model *m, const struct fsc_wg_tracker *wg)
{
	m->wg = wg;
}

const struct fsc_wg_tracker *tui_model_wg(const struct tui_model *m)
{
	return m->wg;
}

void tui_model_set_corr(struct tui_model *m, const struct fsc_corr_stats *st)
{
	m->corr = st;
}

const struct fsc_corr_stats *tui_model_corr(const struct tui_model *m)
{
	return m->corr;
}

struct fsc_enrich *tui_model_names(const struct tui_model *m)
{
	return m->names;
}

void tui_model_set_source(struct tui_model *m, unsigned i, const char *name, bool live)
{
	if (i >= TUI_MAX_IFACES)
		return;
	snprintf(m->src[i].name, sizeof(m->src[i].name), "%s", name);
	if (i + 1 > m->n_src)
		m->n_src = i + 1;
	m->live = live;
}

void tui_model_set_drops(struct tui_model *m, unsigned i, const struct fsc_src_stats *st)
{
	if (i >= TUI_MAX_IFACES)
		return;
	m->src[i].st = *st;
	m->src[i].have_stats = true;
}

unsigned tui_model_sources(const struct tui_model *m)
{
	return m->n_src;
}

const char *tui_model_source_name(const struct tui_model *m, unsigned i)
{
	return i < m->n_src ? m->src[i].name : "";
}

bool tui_model_live(const struct tui_model *m)
{
	return m->live;
}

bool tui_model_drops(const struct tui_model *m, unsigned i, struct fsc_src_stats *st)
{
	if (i >= m->n_src || !m->src[i].have_stats)
		return false;
	*st = m->src[i].st;
	return true;
}

int64_t tui_model_now(const struct tui_model *m)
{
	return m->now;
}

const struct tui_totals *tui_model_totals(const struct tui_model *m)
{
	return &m->tot;
}

const struct tui_model_limits *tui_model_limits(const struct tui_model *m)
{
	return &m->lim;
}

/* ---------------------------------------------------------------- rates */

static size_t hidx(int64_t sec)
{
	int64_t r = sec % TUI_HIST;
	return (size_t)(r < 0 ? r + TUI_HIST : r);
}

static int64_t sec_of(int64_t ns)
{
	return ns >= 0 ? ns / NS : -((-ns + NS - 1) / NS);
}

/* The bucket of ts_ns, the history rolled forward to it; NULL when it is
 * older than the history. */
static struct bucket *bucket_at(struct tui_model *m, int64_t ts_ns)
{
	int64_t sec = sec_of(ts_ns);

	if (!m->hist_started || sec - m->hist_sec >= TUI_HIST) {
		memset(m->hist, 0, sizeof(m->hist));
		for (int64_t s = sec - TUI_HIST + 1; s <= sec; s++)
			m->hist[hidx(s)].sec = s;
		m->hist_sec = sec;
		m->hist_started = true;
	}
	while (m->hist_sec < sec) {
		struct bucket *b = &m->hist[hidx(++m->hist_sec)];
		memset(b, 0, sizeof(*b));
		b->sec = m->hist_sec;
	}
	struct bucket *b = &m->hist[hidx(sec)];
	return b->sec == sec ? b : NULL;
}

static void count(struct tui_model *m, int64_t ts_ns, enum tui_series s, uint64_t v)
{
	struct bucket *b = bucket_at(m, ts_ns);

	if (b)
		b->v[s] += v;
}

size_t tui_model_history(const struct tui_model *m, enum tui_series s, uint64_t *out, size_t n)
{
	int64_t now_sec = sec_of(m->now);

	for (size_t i = 0; i < n; i++) {
		int64_t sec = now_sec - (int64_t)(n - i);
		const struct bucket *b = &m->hist[hidx(sec)];
		out[i] = m->hist_started && b->sec == sec && sec <= m->hist_sec ? b->v[s] : 0;
	}
	return n;
}

uint64_t tui_model_rate(const struct tui_model *m, enum tui_series s)
{
	uint64_t v;

	tui_model_history(m, s, &v, 1);
	return v;
}

/* Tunnel peers: rates between measurements at least a second apart. */
static void measure_peers(struct tui_model *m)
{
	if (!m->wg || m->now - m->peers_measured_ns < NS)
		return;
	m->peers_measured_ns = m->now;
	const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(m->wg);
	size_t live = (size_t)(ws->peers - ws->peers_evicted);
	if (live > m->peercap) {
		size_t cap = live + 64;
		const struct fsc_wg_peer **nb = realloc(m->peerbuf, cap * sizeof(*nb));
		if (!nb)
			return;
		m->peerbuf = nb;
		m->peercap = cap;
	}
	size_t n = fsc_wg_peers(m->wg, m->peerbuf, m->peercap);
	for (size_t i = 0; i < n; i++) {
		const struct fsc_wg_peer *p = m->peerbuf[i];
		bool created;
		struct peer_snap *s = tui_lru_put(m->peers, &p->id, &created, NULL, NULL, NULL);
		if (!created && m->now > s->ns) {
			double dt = (double)(m->now - s->ns) / 1e9;
			for (int d = 0; d < 2; d++) {
				s->rate.bytes_s[d] = (double)(p->bytes[d] - s->bytes[d]) / dt;
				s->rate.packets_s[d] = (double)(p->packets[d] - s->packets[d]) / dt;
			}
			s->rate.valid = true;
		}
		s->ns = m->now;
		memcpy(s->bytes, p->bytes, sizeof(s->bytes));
		memcpy(s->packets, p->packets, sizeof(s->packets));
	}
}

struct tui_peer_rate tui_model_peer_rate(const struct tui_model *m, uint32_t peer_id)
{
	struct tui_peer_rate none = { .valid = false };
	const struct peer_snap *s = tui_lru_get(m->peers, &peer_id, false);

	return s ? s->rate : none;
}

static void advance(struct tui_model *m, int64_t ts_ns)
{
	if (ts_ns > m->now)
		m->now = ts_ns;
}

void tui_model_tick(struct tui_model *m, int64_t now_ns)
{
	m->gen++;
	advance(m, now_ns);
	bucket_at(m, m->now);
	measure_peers(m);
}

/* ---------------------------------------------------------------- hosts */

int64_t tui_host_percentile(const struct fsc_agg_host *h, double p)
{
	return fsc_hist_percentile(&h->last_byte, p);
}

int64_t tui_host_percentile_first(const struct fsc_agg_host *h, double p)
{
	return fsc_hist_percentile(&h->first_byte, p);
}

const struct fsc_agg *tui_model_agg(const struct tui_model *m)
{
	return m->agg;
}

/* ---------------------------------------------------------------- clients */

const struct fsc_agg_client *tui_model_client(const struct tui_model *m,
					      const struct fsc_addr *a)
{
	const struct fsc_agg_client *c = fsc_agg_client(m->agg, a);

	return c && fsc_agg_is_client(m->agg, c) ? c : NULL;
}

bool tui_model_client_is_new(const struct tui_model *m, const struct fsc_agg_client *c)
{
	return m->now - c->first_ns < m->lim.new_client_ns;
}

/* ---------------------------------------------------------------- detail */

static void store_detail(struct tui_model *m, struct tui_request *r,
			 const struct fsc_stream_event *se)
{
	if (!tui_dring_store(&m->dring, se, &r->detail_pos, &r->detail_len))
		r->detail_len = 0;
}

void tui_model_detail(struct tui_model *m, const struct tui_request *r, struct tui_detail *d)
{
	memset(d, 0, sizeof(*d));
	if (r->detail_len && !tui_dring_load(&m->dring, r->detail_pos, r->detail_len, d))
		m->tot.details_lost++;
}

/* ---------------------------------------------------------------- requests */

static size_t cut_copy(char *dst, size_t cap, const char *src, size_t len, bool *cut)
{
	size_t n = len < cap ? len : cap;

	if (n)
		memcpy(dst, src, n);
	if (cut)
		*cut = n < len;
	return n;
}

static struct tui_request *slot_of(const struct tui_model *m, uint64_t seq)
{
	return &m->ring[(seq - 1) % m->lim.max_requests];
}

static struct tui_request *req_at(const struct tui_model *m, uint64_t seq)
{
	if (seq == 0 || seq < m->first_seq || seq > m->last_seq)
		return NULL;
	struct tui_request *r = slot_of(m, seq);
	return r->seq == seq ? r : NULL;
}

const struct tui_request *tui_model_request(const struct tui_model *m, uint64_t seq)
{
	return req_at(m, seq);
}

uint64_t tui_model_first_seq(const struct tui_model *m)
{
	return m->first_seq;
}

uint64_t tui_model_last_seq(const struct tui_model *m)
{
	return m->last_seq;
}

static uint32_t ring_slot(const struct tui_model *m, const struct tui_request *r)
{
	return (uint32_t)(r - m->ring);
}

/* The request on (flow, index) while its row is in the ring, or NULL. */
static struct tui_request *txn_find(const struct tui_model *m, uint64_t flow, unsigned index)
{
	uint32_t i = fsc_hmap_get(&m->by_txn, fsc_stream_txn_key(flow, index));
	struct tui_request *r = i != FSC_HMAP_NONE ? &m->ring[i] : NULL;

	return r && r->seq && r->flow_id == flow && r->index == index ? r : NULL;
}

static void txn_forget(struct tui_model *m, const struct tui_request *r)
{
	fsc_hmap_del(&m->by_txn, fsc_stream_txn_key(r->flow_id, r->index), ring_slot(m, r));
}

static void on_request(struct tui_model *m, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	uint64_t seq = ++m->last_seq;
	struct tui_request *r = slot_of(m, seq);

	if (r->seq) {
		txn_forget(m, r);
		m->tot.requests_evicted++;
	}
	if (m->first_seq == 0)
		m->first_seq = seq;
	else if (seq - m->first_seq >= m->lim.max_requests)
		m->first_seq = seq - m->lim.max_requests + 1;
	memset(r, 0, sizeof(*r));
	r->seq = seq;
	r->ts_ns = se->ts_ns;
	r->flow_id = se->flow ? se->flow->id : 0;
	r->index = se->u.req.index;
	r->src = se->src;
	r->dst = se->dst;
	r->sport = se->sport;
	r->dport = se->dport;
	r->req_body = -1;
	r->resp_body = -1;
	r->malformed = se->status != FSC_OK;
	if (h) {
		r->method_len = (uint16_t)cut_copy(r->method, sizeof(r->method), h->method,
						   h->method_len, NULL);
		r->path_len = (uint16_t)cut_copy(r->path, sizeof(r->path), h->target,
						 h->target_len, &r->path_cut);
		r->minor = (uint8_t)h->minor_version;
	}
	if (in) {
		/* A relay's handshake names the node's PeerAPI in Host; the public
		 * name people look for is the target it asks for. */
		const struct fsc_http_header *name = in->ingress_target ? in->ingress_target
									 : in->host;
		r->ingress = in->ingress_target != NULL;
		if (name)
			r->host_len = (uint16_t)cut_copy(r->host, sizeof(r->host), name->value,
							 name->value_len, &r->host_cut);
		if (in->has_content_length)
			r->req_body = (int64_t)in->content_length;
		r->funnel = in->funnel;
	}
	if (c && c->rule != FSC_CLIENT_NONE) {
		r->client = c->addr;
		r->rule = c->rule;
		r->has_claimed = c->has_claimed;
		r->claimed = c->claimed;
		const struct fsc_agg_client *cl = fsc_agg_client(m->agg, &c->addr);
		if (cl) {
			memcpy(r->country, cl->country, sizeof(r->country));
			r->asn = cl->asn;
		}
	}
	/* room: one entry a ring slot at most */
	fsc_hmap_put(&m->by_txn, fsc_stream_txn_key(r->flow_id, r->index), ring_slot(m, r));
	store_detail(m, r, se);
	m->tot.requests++;
	count(m, se->ts_ns, TUI_S_REQUESTS, 1);
}

static bool final_status(int status)
{
	return status >= 200 || status == 101;
}

static void on_response(struct tui_model *m, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.resp.head;
	int status = h->status;
	bool final = final_status(status);

	m->tot.responses++;
	if (!se->u.resp.matched) {
		m->tot.unmatched_responses++;
		return;
	}
	struct tui_request *r = txn_find(m, se->flow ? se->flow->id : 0, se->u.resp.index);
	if (!r)
		return;
	if (r->status && final_status(r->status))
		return; /* answered already */
	r->status = status;
	r->resp_ns = se->ts_ns;
	r->latency_ns = se->u.resp.latency_ns;
	struct fsc_http_info info;
	struct fsc_http_body body;
	const char *why;
	if (fsc_http_info(h, &info, &why) == FSC_OK &&
	    fsc_http_body_framing(h, &info, se->u.resp.method, strlen(se->u.resp.method), &body,
				  &why) == FSC_OK) {
		if (body.kind == FSC_HTTP_BODY_LENGTH)
			r->resp_body = (int64_t)body.length;
		else if (body.kind == FSC_HTTP_BODY_NONE || body.kind == FSC_HTTP_BODY_SWITCH)
			r->resp_body = 0;
		r->resp_chunked = body.kind == FSC_HTTP_BODY_CHUNKED;
	}
	if (!final)
		return;
	/* The (flow, index) entry stays until the row is overwritten: the
	 * request's story comes after its response. */
	if (r->client.family)
		fsc_agg_client_bytes(m->agg, &r->client, r->resp_body);
}

static void on_ingress(struct tui_model *m, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	const char *t = se->u.ingress.target;

	m->tot.ingress++;
	if (!se->u.ingress.client.family)
		return;
	struct fsc_addr key;
	memset(&key, 0, sizeof(key));
	key.family = se->u.ingress.client.family;
	memcpy(key.b, se->u.ingress.client.b, sizeof(key.b));
	struct tui_ingress *in = tui_lru_put(m->ingress, &key, NULL, NULL, NULL, NULL);
	memset(in, 0, sizeof(*in));
	in->client = key;
	in->client_port = se->u.ingress.client_port;
	in->ts_ns = se->ts_ns;
	in->status = se->u.ingress.status;
	in->src_len = (uint16_t)cut_copy(in->src, sizeof(in->src), se->u.ingress.src,
					 strlen(se->u.ingress.src), NULL);
	in->target_len = (uint16_t)cut_copy(in->target, sizeof(in->target), t, strlen(t), NULL);
	in->has_sni = se->u.ingress.has_sni;
	if (in->has_sni)
		in->sni_len = (uint16_t)cut_copy(in->sni, sizeof(in->sni),
						 (const char *)se->u.ingress.sni,
						 se->u.ingress.sni_len, NULL);
}

const struct tui_ingress *tui_model_ingress(const struct tui_model *m,
					    const struct fsc_addr *client)
{
	struct fsc_addr key;

	memset(&key, 0, sizeof(key));
	key.family = client->family;
	memcpy(key.b, client->b, sizeof(key.b));
	return tui_lru_get(m->ingress, &key, false);
}

/* ---------------------------------------------------------------- stories */

void tui_model_story(void *ctx, const struct fsc_story *s)
{
	struct tui_model *m = ctx;
	struct tui_request *r = NULL;

	/* A request joined to nothing tells no more than its row: the
	 * latency is there already. */
	if (!s->have_ingress)
		return;
	m->gen++;
	if (s->have_request)
		r = txn_find(m, s->request_flow, s->request_index);
	/* Told without a request (a refusal, a failed handshake): its
	 * ingress handshake's row, the connection's first request. */
	else if (s->have_ingress)
		r = txn_find(m, s->ingress_flow, 1);
	m->last_story = s->id;
	m->stories_kept++;
	m->stories[(s->id - 1) % m->lim.max_stories] = *s;
	if (!r)
		return;
	r->story_id = s->id;
	for (int i = 0; i < FSC_STRETCH_COUNT; i++)
		r->stretch[i] = fsc_story_stretch(s, (enum fsc_stretch)i);
	/* The ingress handshake's row gets the first story of its
	 * connection (a keep-alive connection tells several). */
	struct tui_request *in = s->have_request && s->have_ingress
					 ? txn_find(m, s->ingress_flow, 1) : NULL;
	if (in && !in->story_id) {
		in->story_id = s->id;
		memcpy(in->stretch, r->stretch, sizeof(in->stretch));
	}
}

const struct fsc_story *tui_model_story_of(const struct tui_model *m,
					   const struct tui_request *r)
{
	if (!r->story_id || m->last_story - r->story_id >= m->lim.max_stories)
		return NULL;
	const struct fsc_story *s = &m->stories[(r->story_id - 1) % m->lim.max_stories];
	return s->id == r->story_id ? s : NULL;
}

void tui_model_set_clock(struct tui_model *m, const struct fsc_clock_offset *o, size_t n)
{
	m->n_clock = n < TUI_CLOCK_OFFSETS ? n : TUI_CLOCK_OFFSETS;
	memcpy(m->clock, o, m->n_clock * sizeof(*o));
}

size_t tui_model_clock(const struct tui_model *m, const struct fsc_clock_offset **o)
{
	*o = m->clock;
	return m->n_clock;
}

uint64_t tui_model_stories(const struct tui_model *m)
{
	return m->stories_kept;
}

/* ---------------------------------------------------------------- tunnel UDP */

/* Counts only: the endpoints themselves are the aggregation's. */
static void on_tunnel_udp(struct tui_model *m, const struct fsc_event *ev)
{
	switch (ev->type) {
	case FSC_EV_WG:
		m->tot.wg++;
		count(m, ev->ts_ns, TUI_S_WG, 1);
		break;
	case FSC_EV_DISCO:
		m->tot.disco++;
		break;
	case FSC_EV_TSDISCO:
		m->tot.tsdisco++;
		break;
	case FSC_EV_STUN:
		m->tot.stun++;
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- events */

void tui_model_event(const struct fsc_event *ev, void *ctx)
{
	struct tui_model *m = ctx;

	m->gen++;
	advance(m, ev->ts_ns);
	fsc_agg_event(m->agg, ev);
	const struct fsc_agg_stats *as = fsc_agg_stats(m->agg);
	m->tot.clients_evicted = as->clients_evicted;
	m->tot.hosts_evicted = as->hosts_evicted;
	m->tot.endpoints_evicted = as->endpoints_evicted;
	if (ev->type < FSC_EV_TLS_CLIENT_HELLO && ev->frame && !ev->segment) {
		uint32_t len = ev->frame->wirelen;
		m->tot.frames++;
		m->tot.bytes += len;
		if (ev->frame->iface < TUI_MAX_IFACES)
			m->tot.iface_frames[ev->frame->iface]++;
		if (!m->tot.first_ns)
			m->tot.first_ns = ev->ts_ns;
		m->tot.last_ns = ev->ts_ns;
		count(m, ev->ts_ns, TUI_S_PACKETS, 1);
		count(m, ev->ts_ns, TUI_S_BYTES, len);
		if (ev->status == FSC_TRUNCATED)
			m->tot.truncated++;
		else if (ev->status == FSC_MALFORMED)
			m->tot.malformed++;
	}
	switch (ev->type) {
	case FSC_EV_WG:
	case FSC_EV_DISCO:
	case FSC_EV_TSDISCO:
	case FSC_EV_STUN:
		if (ev->pkt && (ev->type != FSC_EV_STUN || ev->tun))
			on_tunnel_udp(m, ev);
		break;
	case FSC_EV_TLS_CLIENT_HELLO:
		m->tot.tls_hellos++;
		break;
	case FSC_EV_HTTP_REQUEST:
		on_request(m, ev);
		break;
	case FSC_EV_HTTP_RESPONSE:
		on_response(m, ev);
		break;
	case FSC_EV_INGRESS:
		on_ingress(m, ev);
		break;
	default:
		break;
	}
	measure_peers(m);
}

/* ---------------------------------------------------------------- tables */

size_t tui_model_clients(const struct tui_model *m, const struct fsc_agg_client **out,
			 size_t max)
{
	return fsc_agg_clients(m->agg, out, max);
}

size_t tui_model_hosts(const struct tui_model *m, const struct fsc_agg_host **out, size_t max)
{
	return fsc_agg_hosts(m->agg, out, max);
}

size_t tui_model_endpoints(const struct tui_model *m, const struct fsc_agg_endpoint **out,
			   size_t max)
{
	return fsc_agg_endpoints(m->agg, out, max);
}

size_t tui_model_client_count(const struct tui_model *m)
{
	return fsc_agg_client_count(m->agg);
}

size_t tui_model_host_count(const struct tui_model *m)
{
	return fsc_agg_host_count(m->agg);
}

size_t tui_model_endpoint_count(const struct tui_model *m)
{
	return fsc_agg_endpoint_count(m->agg);
}

const struct fsc_agg_host *tui_model_host(const struct tui_model *m, const char *name)
{
	return fsc_agg_host(m->agg, name, strlen(name));
}

/* ---------------------------------------------------------------- sessions */

static bool build_peer_sessions(struct tui_model *m)
{
	const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(m->wg);
	size_t live = (size_t)(ws->sessions - ws->sessions_evicted);

	/* Grown with the tracker's live sessions (bounded by its limits);
	 * ps_cap is 0 until both the list and the map are there. */
	if (live >= m->ps_cap) {
		size_t cap = live + 64;
		const struct fsc_wg_session **nb = realloc(m->ps_all, cap * sizeof(*nb));
		if (!nb)
			return false;
		m->ps_all = nb;
		m->ps_cap = 0;
		fsc_hmap_free(&m->ps_idx);
		if (!fsc_hmap_init(&m->ps_idx, (uint32_t)cap))
			return false;
		m->ps_cap = cap;
	}
	size_t n = fsc_wg_sessions(m->wg, m->ps_all, m->ps_cap);
	m->ps_n = n;
	fsc_hmap_clear(&m->ps_idx);
	for (size_t k = 0; k < n; k++) {
		uint32_t peer = m->ps_all[k]->peer, i = fsc_hmap_get(&m->ps_idx, peer);
		if (i == FSC_HMAP_NONE || m->ps_all[k]->id > m->ps_all[i]->id)
			fsc_hmap_put(&m->ps_idx, peer, (uint32_t)k);
	}
	m->ps_gen = m->gen;
	return true;
}

const struct fsc_wg_session *tui_model_peer_session(struct tui_model *m, uint32_t peer)
{
	if (!m->wg)
		return NULL;
	if ((m->ps_gen != m->gen || !m->ps_cap) && !build_peer_sessions(m))
		return NULL;
	uint32_t i = fsc_hmap_get(&m->ps_idx, peer);
	return i != FSC_HMAP_NONE ? m->ps_all[i] : NULL;
}

const struct fsc_wg_session *tui_model_session(struct tui_model *m, uint32_t id)
{
	if (!m->wg)
		return NULL;
	if ((m->ps_gen != m->gen || !m->ps_cap) && !build_peer_sessions(m))
		return NULL;
	for (size_t i = 0; i < m->ps_n; i++)
		if (m->ps_all[i]->id == id)
			return m->ps_all[i];
	return NULL;
}
