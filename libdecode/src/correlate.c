/* correlate.c - stories: the ingress connection, its relay and the node's
 * loopback request joined (correlate.h says what each join means).
 *
 * Three bounded tables, each a ring of slots reused oldest first, with an
 * hmap index:
 *
 *   conns     one per ingress connection, from the node's answer to the
 *             ingress POST; found by flow id (the ingress connection's,
 *             and once bound, the backend connection's)
 *   awaiting  conns whose ServerHello came and whose client Finished did
 *             not: found by the client->node addresses of a TCP segment
 *   by_tuple  both connections of a conn by their addresses either way, so
 *             that a FIN or RST says it ended: an ingress connection that
 *             ended serves no new backend connection, and (per-connection)
 *             one whose backend connection ended may be served by a new one
 *   requests  loopback requests waiting for their response's last byte,
 *             by backend flow id and request index
 *   by_client conns by their Tailscale-Ingress-Src address (several a
 *             key): the joins by client address look there, not at every
 *             slot (a scan of the table per story was 3/4 of the cost)
 *
 * The relay of an ingress connection comes from the underlay as
 * correlate_relay.c keeps it (exact, by time, by size); a ring of recent
 * public ClientHellos (on the wire, on no ingress connection) finds the
 * public connection at the edge whose client is the ingress's Src. Stories are built in place in the slots
 * and copied out only to the callback.
 */
#include "fsc/correlate.h"

#include <stdlib.h>
#include <string.h>

#include "correlate_int.h"
#include "fsc/client.h"
#include "fsc/hmap.h"

#define DEF_CONNS 4096u
#define DEF_REQUESTS 4096u
#define MAX_TABLE (1u << 20)
#define DEF_WINDOW_NS (60 * 1000000000ll)
#define DEF_RELAY_WINDOW_NS (50 * 1000000ll)
#define DEF_IDLE_NS (300 * 1000000000ll)
#define DEF_SIZE_WINDOW_NS (100 * 1000000ll)
/* Two views of one ingress (a decrypted underlay and a TUN capture) are
 * the same connection when their Src, Target and answer agree this close. */
#define SAME_INGRESS_NS (1000000000ll)
/* The data rule (correlate.h): candidates a request keeps while its choice
 * waits for the next instant, and requests waiting at once. */
#define DATA_CANDIDATES 4u
#define DATA_WAITING 64u	/* a power of 2 */
#define POST_RING 64u		/* recent ingress POSTs: where their TLS begins */
#define TLS13 0x0304
#define EXT_EARLY_DATA 42
/* Requests read inside an ingress connection's TLS (a TLS key log) not
 * yet taken by a loopback request: the node forwards them in order. */
#define DECRYPTED_PENDING 8u


struct conn {
	bool used, dup;		/* dup: another conn is the better view */
	bool await;		/* in the awaiting index */
	uint32_t gen;
	uint64_t flow_id;
	uint64_t lo_flow_id;	/* the bound backend connection; 0 none */
	struct fsc_story_join lo_join;
	uint64_t await_key;
	struct fsc_addr ca, na;	/* client (edge) side and node side */
	uint16_t cp, np;
	uint32_t tunnel;
	uint8_t obs;
	bool in_indexed, in_closed;	/* the ingress connection in by_tuple */
	uint64_t in_key;
	bool lo_indexed, lo_closed;	/* the backend connection in by_tuple */
	uint64_t lo_key;
	bool cl_indexed;	/* in by_client, under cl_key */
	uint64_t cl_key;
	struct fsc_addr la[2];		/* the backend connection's ends */
	uint16_t lp[2];
	uint32_t lo_tunnel;
	uint8_t lo_obs;
	unsigned requests;	/* stories told with a request */
	/* the ingress stream's requests, decrypted (its ServerHello said the
	 * key log has its secrets): method and target hashed, in their order;
	 * taken by the loopback requests one by one */
	bool decrypted;
	bool dec_broken;	/* given up mid-stream: its later requests unread */
	uint8_t dec_first, dec_n;
	uint64_t dec[DECRYPTED_PENDING];
	int64_t last_ns;
	struct corr_records rec;	/* the client's TLS records */
	bool tls13;		/* the ServerHello selected TLS 1.3 */
	bool no_early;		/* the ClientHello, read whole, offers no early data */
	struct corr_mark mark[CORR_MARKS];
	struct fsc_story s;	/* relay, ingress, TLS and stages up to TLS_DONE */
};

struct req {
	bool used;
	uint64_t key, flow_id;
	unsigned index;
	uint32_t conn, conn_gen; /* FSC_HMAP_NONE: not joined */
	int resp_dir;
	uint64_t bytes_base;	/* backend payload bytes before the response */
	int64_t last_ns;
	/* Its choice waiting for the data rule: the candidates, and the
	 * backend connection's ends to bind. */
	bool waiting;
	unsigned n_cand;
	struct cand { uint32_t slot, gen; } cand[DATA_CANDIDATES];
	struct fsc_addr la[2];
	uint16_t lp[2];
	uint32_t lo_tunnel;
	uint8_t lo_obs;
	struct fsc_story s;	/* request part and its stages */
};

/* Where the TLS of an ingress connection begins: the byte after its POST. */
struct post_seen {
	uint64_t flow_id;
	uint64_t tls_off;	/* stream offset in the client's direction */
};

/* A public connection's ClientHello: at the edge, client -> edge. */
struct public_seen {
	struct fsc_addr client, edge;
	uint16_t cport, eport;
	int64_t hello_ns;	/* the packet that completed its ClientHello */
	unsigned input, iface;	/* where it was seen (fsc_story) */
};

#define PUBLIC_RING 1024u	/* a power of 2 */

struct fsc_corr {
	struct public_seen pub[PUBLIC_RING];
	uint32_t pub_next;
	struct fsc_corr_limits lim;
	struct conn *conns;
	uint32_t n_conns, next_conn;
	struct req *reqs;
	uint32_t n_reqs, next_req;
	struct fsc_hmap by_flow, awaiting, by_req, by_tuple, by_client;
	struct corr_underlay ul;
	struct post_seen posts[POST_RING];
	uint32_t posts_next;
	struct { uint32_t slot; uint64_t key; int64_t ts; } waiting[DATA_WAITING];
	uint32_t waiting_first, n_waiting;
	uint32_t walking;	/* conns whose client records are read */
	int64_t now;
	struct fsc_corr_stats st;
	struct fsc_story out;
};

static void data_wait(struct fsc_corr *c, struct req *r);
static void data_choose(struct fsc_corr *c, struct req *r);

static const char *const join_names[FSC_JOIN_COUNT] = {
	[FSC_JOIN_NONE] = "none", [FSC_JOIN_EXACT] = "exact",
	[FSC_JOIN_ADDR_TIME] = "address+time", [FSC_JOIN_TIME] = "time",
	[FSC_JOIN_AMBIGUOUS] = "ambiguous", [FSC_JOIN_TIME_SIZE] = "time+size",
	[FSC_JOIN_TIME_SIZE_PEER] = "time+size+peer", [FSC_JOIN_ADDR_DATA] = "address+data",
};

static const char *const side_names[FSC_CORR_SIDES] = {
	[FSC_SIDE_EDGE] = "edge", [FSC_SIDE_RELAY] = "relay", [FSC_SIDE_TLS] = "tls",
	[FSC_SIDE_REQUEST] = "request",
};

const char *fsc_corr_side_name(enum fsc_corr_side s)
{
	return (unsigned)s < FSC_CORR_SIDES ? side_names[s] : "?";
}

static const char *const stage_names[FSC_STAGE_COUNT] = {
	[FSC_STAGE_EDGE] = "edge", [FSC_STAGE_TUNNEL] = "tunnel", [FSC_STAGE_INGRESS] = "ingress",
	[FSC_STAGE_TLS_HELLO] = "tls_hello", [FSC_STAGE_TLS_DONE] = "tls_done",
	[FSC_STAGE_REQUEST] = "request", [FSC_STAGE_FIRST_BYTE] = "first_byte",
	[FSC_STAGE_LAST_BYTE] = "last_byte",
};

static const char *const proxy_names[FSC_PROXY_COUNT] = {
	[FSC_PROXY_POOLED] = "pooled", [FSC_PROXY_PER_CONNECTION] = "per-connection",
};

const char *fsc_proxy_model_name(enum fsc_proxy_model m)
{
	return (unsigned)m < FSC_PROXY_COUNT ? proxy_names[m] : "?";
}

bool fsc_proxy_model_parse(const char *name, enum fsc_proxy_model *m)
{
	for (unsigned i = 0; i < FSC_PROXY_COUNT; i++)
		if (strcmp(name, proxy_names[i]) == 0) {
			*m = (enum fsc_proxy_model)i;
			return true;
		}
	return false;
}

const char *fsc_join_name(enum fsc_join j)
{
	return (unsigned)j < FSC_JOIN_COUNT ? join_names[j] : "?";
}

const char *fsc_stage_name(enum fsc_stage s)
{
	return (unsigned)s < FSC_STAGE_COUNT ? stage_names[s] : "?";
}

static uint32_t clamp_table(uint32_t v, uint32_t def)
{
	if (v == 0)
		return def;
	return v > MAX_TABLE ? MAX_TABLE : v;
}

struct fsc_corr *fsc_corr_new(const struct fsc_corr_limits *lim)
{
	struct fsc_corr *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (lim)
		c->lim = *lim;
	c->n_conns = clamp_table(c->lim.max_conns, DEF_CONNS);
	c->n_reqs = clamp_table(c->lim.max_requests, DEF_REQUESTS);
	c->lim.max_conns = c->n_conns;
	if ((unsigned)c->lim.proxy >= FSC_PROXY_COUNT)
		c->lim.proxy = FSC_PROXY_POOLED;
	c->st.proxy = c->lim.proxy;
	c->lim.max_requests = c->n_reqs;
	if (c->lim.window_ns <= 0)
		c->lim.window_ns = DEF_WINDOW_NS;
	if (c->lim.relay_window_ns <= 0)
		c->lim.relay_window_ns = DEF_RELAY_WINDOW_NS;
	if (c->lim.idle_ns <= 0)
		c->lim.idle_ns = DEF_IDLE_NS;
	if (c->lim.size_window_ns <= 0)
		c->lim.size_window_ns = DEF_SIZE_WINDOW_NS;
	c->conns = calloc(c->n_conns, sizeof(*c->conns));
	c->reqs = calloc(c->n_reqs, sizeof(*c->reqs));
	/* A conn is indexed by two flows at most. */
	if (!c->conns || !c->reqs || !fsc_hmap_init(&c->by_flow, 2 * c->n_conns) ||
	    !fsc_hmap_init(&c->awaiting, c->n_conns) || !fsc_hmap_init(&c->by_req, c->n_reqs) ||
	    !fsc_hmap_init(&c->by_tuple, 2 * c->n_conns) ||
	    !fsc_hmap_init(&c->by_client, c->n_conns)) {
		fsc_corr_free(c);
		return NULL;
	}
	return c;
}

void fsc_corr_free(struct fsc_corr *c)
{
	if (!c)
		return;
	fsc_hmap_free(&c->by_flow);
	fsc_hmap_free(&c->awaiting);
	fsc_hmap_free(&c->by_req);
	fsc_hmap_free(&c->by_tuple);
	fsc_hmap_free(&c->by_client);
	free(c->conns);
	free(c->reqs);
	free(c);
}

const struct fsc_corr_stats *fsc_corr_stats(const struct fsc_corr *c)
{
	return &c->st;
}

/* ---- keys and small helpers ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t tuple_key(uint32_t tunnel, uint8_t obs, const struct fsc_addr *sa,
			  uint16_t sp, const struct fsc_addr *da, uint16_t dp)
{
	uint64_t h = mix(fsc_addr_hash(sa, 0x51), fsc_addr_hash(da, 0x7a));
	h = mix(h, (uint64_t)sp << 16 | dp);
	return mix(h, (uint64_t)tunnel << 8 | obs);
}

/* The same key from either direction of a connection. */
static uint64_t conn_key(uint32_t tunnel, uint8_t obs, const struct fsc_addr *a, uint16_t ap,
			 const struct fsc_addr *b, uint16_t bp)
{
	uint64_t x = mix(fsc_addr_hash(a, 0x33), ap), y = mix(fsc_addr_hash(b, 0x33), bp);

	return mix(x < y ? mix(x, y) : mix(y, x), (uint64_t)tunnel << 8 | obs);
}

static uint64_t client_key(const struct fsc_addr *a)
{
	return mix(fsc_addr_hash(a, 0xc1), 0x5bd1e995);
}

static uint64_t req_key(uint64_t flow_id, unsigned index)
{
	return mix(mix(0x2545f4914f6cdd1dull, flow_id), index);
}

static void keep(char *dst, size_t cap, const void *p, size_t len)
{
	size_t n = len < cap - 1 ? len : cap - 1;

	if (n)
		memcpy(dst, p, n);
	dst[n] = '\0';
}

static unsigned input_of(const struct fsc_event *ev)
{
	return ev->frame ? ev->frame->file : 0;
}

static unsigned iface_of(const struct fsc_event *ev)
{
	return ev->frame ? ev->frame->iface : 0;
}

static void set_stage(struct fsc_story *s, enum fsc_stage st, int64_t ts)
{
	if (!s->t[st])
		s->t[st] = ts;
}

/* ---- telling a story ---- */

static void tell(struct fsc_corr *c, const struct req *r, const struct conn *k,
		 fsc_story_fn fn, void *ctx)
{
	struct fsc_story *o = &c->out;

	if (k) {
		*o = k->s;
	} else {
		memset(o, 0, sizeof(*o));
	}
	if (r) {
		const struct fsc_story *q = &r->s;
		o->request_join = q->request_join;
		o->have_request = true;
		o->request_input = q->request_input;
		o->request_iface = q->request_iface;
		o->request_flow = q->request_flow;
		memcpy(o->method, q->method, sizeof(o->method));
		memcpy(o->host, q->host, sizeof(o->host));
		memcpy(o->target, q->target, sizeof(o->target));
		o->request_client = q->request_client;
		o->client_rule = q->client_rule;
		o->request_index = q->request_index;
		o->http_status = q->http_status;
		o->response_bytes = q->response_bytes;
		o->complete = q->complete;
		for (int i = FSC_STAGE_REQUEST; i < FSC_STAGE_COUNT; i++)
			o->t[i] = q->t[i];
	}
	o->id = ++c->st.stories;
	c->st.joins[FSC_SIDE_EDGE][o->edge_join.kind]++;
	c->st.joins[FSC_SIDE_RELAY][o->relay_join.kind]++;
	c->st.joins[FSC_SIDE_TLS][o->have_tls ? FSC_JOIN_EXACT : FSC_JOIN_NONE]++;
	c->st.joins[FSC_SIDE_REQUEST][o->request_join.kind]++;
	if (fn)
		fn(ctx, o);
}

static void await_drop(struct fsc_corr *c, struct conn *k)
{
	if (k->await)
		fsc_hmap_del(&c->awaiting, k->await_key, (uint32_t)(k - c->conns));
	k->await = false;
}

/* A conn leaves the table: an ingress that never led to a request is a
 * story of its own. */
static void conn_retire(struct fsc_corr *c, struct conn *k, fsc_story_fn fn, void *ctx)
{
	uint32_t slot = (uint32_t)(k - c->conns);

	if (!k->used)
		return;
	if (k->requests == 0 && !k->dup)
		tell(c, NULL, k, fn, ctx);
	await_drop(c, k);
	if (k->rec.state == CORR_REC_WALKING)
		c->walking--;
	k->rec.state = CORR_REC_UNSURE;
	if (k->in_indexed)
		fsc_hmap_del(&c->by_tuple, k->in_key, slot);
	if (k->lo_indexed)
		fsc_hmap_del(&c->by_tuple, k->lo_key, slot);
	if (k->cl_indexed)
		fsc_hmap_del(&c->by_client, k->cl_key, slot);
	fsc_hmap_del(&c->by_flow, k->flow_id, slot);
	if (k->lo_flow_id)
		fsc_hmap_del(&c->by_flow, k->lo_flow_id, slot);
	k->used = false;
}

static struct conn *conn_of(struct fsc_corr *c, uint32_t slot, uint32_t gen)
{
	if (slot == FSC_HMAP_NONE || slot >= c->n_conns)
		return NULL;
	struct conn *k = &c->conns[slot];
	return k->used && k->gen == gen ? k : NULL;
}

static void req_retire(struct fsc_corr *c, struct req *r, fsc_story_fn fn, void *ctx)
{
	if (!r->used)
		return;
	if (r->waiting)
		data_choose(c, r);
	struct conn *k = conn_of(c, r->conn, r->conn_gen);
	if (k)
		k->requests++;
	tell(c, r, k, fn, ctx);
	fsc_hmap_del(&c->by_req, r->key, (uint32_t)(r - c->reqs));
	r->used = false;
}

/* The oldest slot of each ring, given up when idle. */
static void expire(struct fsc_corr *c, fsc_story_fn fn, void *ctx)
{
	struct conn *k = &c->conns[c->next_conn];
	struct req *r = &c->reqs[c->next_req];

	if (k->used && c->now - k->last_ns > c->lim.idle_ns) {
		c->st.conns_given_up++;
		conn_retire(c, k, fn, ctx);
	}
	if (r->used && c->now - r->last_ns > c->lim.idle_ns) {
		c->st.requests_given_up++;
		req_retire(c, r, fn, ctx);
	}
}

/* ---- the ingress connection ---- */

static struct conn *conn_by_flow_id(struct fsc_corr *c, uint64_t id)
{
	uint32_t slot = fsc_hmap_get(&c->by_flow, id);

	if (slot == FSC_HMAP_NONE || slot >= c->n_conns || !c->conns[slot].used)
		return NULL;
	return &c->conns[slot];
}

static struct conn *conn_by_flow(struct fsc_corr *c, const struct fsc_flow *f)
{
	return conn_by_flow_id(c, f->id);
}

/* The client's TLS records are read from the byte after its POST, when
 * none of its bytes after the POST has passed yet (no walk otherwise). */
static void records_begin(struct fsc_corr *c, struct conn *k, const struct fsc_flow *f, int cd)
{
	const struct fsc_flow_dir *d = &f->dir[cd];

	for (uint32_t i = 0; i < POST_RING; i++) {
		const struct post_seen *p = &c->posts[i];
		if (p->flow_id != f->id)
			continue;
		if (d->syn && !d->midstream && d->bytes == p->tls_off) {
			corr_records_start(&k->rec, d->start + (uint32_t)p->tls_off);
			c->walking++;
		}
		return;
	}
}

/* The node answered POST /v0/ingress: a conn begins. */
static void conn_open(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn,
		      void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_flow *f = se->flow;

	if (conn_by_flow(c, f))
		return; /* a second ingress POST on one connection: the first holds */
	struct conn *k = &c->conns[c->next_conn];
	if (k->used)
		c->st.conns_given_up++;
	conn_retire(c, k, fn, ctx);
	c->next_conn = (c->next_conn + 1) % c->n_conns;
	uint32_t gen = k->gen + 1;
	memset(k, 0, sizeof(*k));
	k->used = true;
	k->gen = gen;
	k->flow_id = f->id;
	/* The response goes node -> client: the client is its receiver. */
	k->ca = se->dst;
	k->cp = se->dport;
	k->na = se->src;
	k->np = se->sport;
	k->tunnel = fsc_flow_tunnel(f);
	k->obs = f->obs;
	k->last_ns = ev->ts_ns;
	struct fsc_story *s = &k->s;
	s->have_ingress = true;
	s->ingress_flow = f->id;
	s->ingress_input = input_of(ev);
	s->ingress_iface = iface_of(ev);
	s->node = se->src;
	s->node_port = se->sport;
	s->ingress_status = se->u.resp.head ? se->u.resp.head->status : 0;
	s->t[FSC_STAGE_TUNNEL] = f->first_ns;
	s->t[FSC_STAGE_INGRESS] = ev->ts_ns;
	records_begin(c, k, f, !se->dir);
	if (!corr_relay_exact(&c->ul, ev, s) && !k->tunnel) {
		corr_relay_by_time(&c->ul, &c->lim, s);
		corr_marks_take(&c->ul, conn_key(0, k->obs, &k->ca, k->cp, &k->na, k->np), k->mark);
		corr_relay_by_size(&c->ul, &c->lim, c->now, k->mark, &k->ca, s);
	}
	if (!fsc_hmap_put(&c->by_flow, f->id, (uint32_t)(k - c->conns)))
		k->used = false; /* cannot happen: the map has room for all */
	k->in_key = conn_key(k->tunnel, k->obs, &k->ca, k->cp, &k->na, k->np);
	k->in_indexed = fsc_hmap_put(&c->by_tuple, k->in_key, (uint32_t)(k - c->conns));
}

/* Two views of one ingress: the same Src, Target and answer. */
static bool same_ingress(const struct conn *o, const struct conn *k)
{
	return o != k && o->used && !o->dup && o->s.ingress_src[0] &&
	       strcmp(o->s.ingress_src, k->s.ingress_src) == 0 &&
	       strcmp(o->s.ingress_target, k->s.ingress_target) == 0 &&
	       o->s.ingress_status == k->s.ingress_status;
}

/* The next conn in by_client under a client's key, or NULL; *pos 0 first. */
static struct conn *next_of_client(struct fsc_corr *c, const struct fsc_addr *a, uint32_t *pos)
{
	uint32_t slot;

	while ((slot = fsc_hmap_next(&c->by_client, client_key(a), pos)) != FSC_HMAP_NONE)
		if (slot < c->n_conns && c->conns[slot].used)
			return &c->conns[slot];
	return NULL;
}

/* Another view of the same ingress already in the table? Keep the view
 * whose relay join is better; the other tells no story. */
static void dedupe(struct fsc_corr *c, struct conn *k)
{
	uint32_t pos = 0;
	bool indexed = k->cl_indexed; /* one Src text, one address: look there */

	for (uint32_t i = 0; indexed || i < c->n_conns; i++) {
		struct conn *o = indexed ? next_of_client(c, &k->s.client, &pos) : &c->conns[i];
		if (!o)
			return;
		if (!same_ingress(o, k))
			continue;
		int64_t d = o->s.t[FSC_STAGE_INGRESS] - k->s.t[FSC_STAGE_INGRESS];
		if (d > SAME_INGRESS_NS || d < -SAME_INGRESS_NS)
			continue;
		if (k->s.relay_join.kind == FSC_JOIN_EXACT && o->s.relay_join.kind != FSC_JOIN_EXACT)
			o->dup = true;
		else
			k->dup = true;
		return;
	}
}

/* ---- the public side, at the edge ---- */

static bool public_fits(const struct fsc_corr *c, const struct public_seen *p,
			const struct conn *k)
{
	int64_t d = p->hello_ns - k->s.t[FSC_STAGE_TUNNEL];

	return p->cport == k->s.client_port && fsc_addr_eq(&p->client, &k->s.client) &&
	       d <= c->lim.window_ns && d >= -c->lim.window_ns;
}

static void edge_set(struct conn *k, const struct public_seen *p, unsigned n)
{
	struct fsc_story *s = &k->s;

	if (n > 1) {
		s->edge_join = (struct fsc_story_join){ FSC_JOIN_AMBIGUOUS, n };
		s->t[FSC_STAGE_EDGE] = 0;
		return;
	}
	s->edge_join = (struct fsc_story_join){ FSC_JOIN_ADDR_TIME, 1 };
	s->edge = p->edge;
	s->edge_port = p->eport;
	s->edge_input = p->input;
	s->edge_iface = p->iface;
	s->t[FSC_STAGE_EDGE] = p->hello_ns;
}

/* An ingress learnt its Src: the public connections already seen. */
static void edge_for_ingress(struct fsc_corr *c, struct conn *k)
{
	const struct public_seen *pick = NULL;
	unsigned n = 0;

	if (!k->s.client.family || !k->s.client_port)
		return;
	for (uint32_t i = 0; i < PUBLIC_RING && i < c->pub_next; i++) {
		const struct public_seen *p = &c->pub[(c->pub_next - 1 - i) & (PUBLIC_RING - 1)];
		if (public_fits(c, p, k)) {
			n++;
			pick = p;
		}
	}
	if (n)
		edge_set(k, pick, n);
}

/* A ClientHello on the wire and on no ingress connection: a public
 * connection, perhaps at an edge. Remembered, and given to an ingress
 * already seen (a capture whose clock runs late). */
static void on_public_hello(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct public_seen *p = &c->pub[c->pub_next++ & (PUBLIC_RING - 1)];

	*p = (struct public_seen){ se->src, se->dst, se->sport, se->dport, ev->ts_ns,
				   input_of(ev), iface_of(ev) };
	uint32_t pos = 0;
	struct conn *k;
	while ((k = next_of_client(c, &p->client, &pos))) {
		if (k->dup || k->s.edge_join.kind != FSC_JOIN_NONE ||
		    !public_fits(c, p, k))
			continue;
		edge_set(k, p, 1);
	}
}

static void on_ingress(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn,
		       void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	struct conn *k = conn_by_flow(c, se->flow);

	if (!k)
		return; /* no answer seen: nothing accepted it */
	struct fsc_story *s = &k->s;
	keep(s->ingress_src, sizeof(s->ingress_src), se->u.ingress.src, strlen(se->u.ingress.src));
	keep(s->ingress_target, sizeof(s->ingress_target), se->u.ingress.target,
	     strlen(se->u.ingress.target));
	s->client = se->u.ingress.client;
	s->client_port = se->u.ingress.client_port;
	uint32_t slot = (uint32_t)(k - c->conns);
	if (k->cl_indexed)
		fsc_hmap_del(&c->by_client, k->cl_key, slot);
	k->cl_key = client_key(&s->client);
	k->cl_indexed = s->client.family && fsc_hmap_add(&c->by_client, k->cl_key, slot);
	if (se->u.ingress.status)
		s->ingress_status = se->u.ingress.status;
	if (se->u.ingress.has_sni && !s->sni[0])
		keep(s->sni, sizeof(s->sni), se->u.ingress.sni, se->u.ingress.sni_len);
	k->last_ns = ev->ts_ns;
	dedupe(c, k);
	edge_for_ingress(c, k);
	if (s->ingress_status != 101) /* refused: nothing follows */
		conn_retire(c, k, fn, ctx);
}

/* Early data, or a list cut short that might have hidden it. */
static bool offers_early_data(const struct fsc_tls_client_hello *h)
{
	if (h->overflow || h->n_exts >= FSC_TLS_MAX_EXTS)
		return true;
	for (size_t i = 0; i < h->n_exts; i++)
		if (h->exts[i].type == EXT_EARLY_DATA)
			return true;
	return false;
}

static void on_client_hello(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct conn *k = conn_by_flow(c, se->flow);
	const struct fsc_tls_client_hello *h = se->u.hello.h;

	if (se->u.hello.index != 1)
		return;
	if (!k) {
		if (!ev->tunnel && se->status == FSC_OK)
			on_public_hello(c, ev);
		return;
	}
	struct fsc_story *s = &k->s;
	s->have_tls = true;
	k->no_early = se->status == FSC_OK && h && !offers_early_data(h);
	set_stage(s, FSC_STAGE_TLS_HELLO, ev->ts_ns);
	if (!k->tunnel && ev->pkt && !k->mark[CORR_MARK_HELLO].ts &&
	    s->relay_join.kind != FSC_JOIN_EXACT && c->ul.wg_next) {
		k->mark[CORR_MARK_HELLO] = (struct corr_mark){ ev->ts_ns, ev->pkt->ip_len };
		corr_relay_by_size(&c->ul, &c->lim, c->now, k->mark, &k->ca, s);
	}
	k->last_ns = ev->ts_ns;
	if (se->status != FSC_OK || !h)
		return;
	if (h->has_sni)
		keep(s->sni, sizeof(s->sni), h->sni.p, h->sni.len);
	size_t at = 0;
	for (size_t i = 0; i < h->n_alpn && at + 1 < sizeof(s->alpn); i++) {
		size_t room = sizeof(s->alpn) - at - 1;
		size_t n = h->alpn[i].len + (i > 0);
		if (n > room)
			break;
		if (i > 0)
			s->alpn[at++] = ',';
		memcpy(s->alpn + at, h->alpn[i].p, h->alpn[i].len);
		at += h->alpn[i].len;
	}
	s->alpn[at] = '\0';
	if (se->u.hello.have_fp && se->u.hello.ja4)
		keep(s->ja4, sizeof(s->ja4), se->u.hello.ja4, strlen(se->u.hello.ja4));
}

static void on_server_hello(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct conn *k = conn_by_flow(c, se->flow);
	const struct fsc_tls_server_hello *h = se->u.server.h;

	if (k && se->status == FSC_OK && h && !h->hrr)
		k->tls13 = h->has_selected_version && h->version == TLS13;
	if (!k || k->await || k->s.t[FSC_STAGE_TLS_DONE])
		return;
	if (se->status == FSC_OK && h && h->alpn.len)
		keep(k->s.alpn_selected, sizeof(k->s.alpn_selected), h->alpn.p, h->alpn.len);
	/* its requests will be read decrypted: the exact join may count on
	 * them */
	if (se->flags & FSC_SF_TLS_KEYS)
		k->decrypted = true;
	k->await_key = tuple_key(k->tunnel, k->obs, &k->ca, k->cp, &k->na, k->np);
	k->await = fsc_hmap_put(&c->awaiting, k->await_key, (uint32_t)(k - c->conns));
	k->last_ns = ev->ts_ns;
}

static bool same_ends(const struct fsc_packet *p, const struct fsc_addr *a, uint16_t ap,
		      const struct fsc_addr *b, uint16_t bp)
{
	return (p->sport == ap && p->dport == bp && fsc_addr_eq(&p->src, a) &&
		fsc_addr_eq(&p->dst, b)) ||
	       (p->sport == bp && p->dport == ap && fsc_addr_eq(&p->src, b) &&
		fsc_addr_eq(&p->dst, a));
}

/* A FIN or RST on one of a conn's connections. */
static void on_close(struct fsc_corr *c, const struct fsc_packet *p)
{
	uint64_t key = conn_key(p->tunnel, p->obs, &p->src, p->sport, &p->dst, p->dport);
	uint32_t slot = fsc_hmap_get(&c->by_tuple, key);

	if (slot == FSC_HMAP_NONE || slot >= c->n_conns || !c->conns[slot].used)
		return;
	struct conn *k = &c->conns[slot];
	if (k->in_indexed && key == k->in_key && p->tunnel == k->tunnel &&
	    same_ends(p, &k->ca, k->cp, &k->na, k->np))
		k->in_closed = true;
	if (k->lo_indexed && key == k->lo_key && p->tunnel == k->lo_tunnel &&
	    same_ends(p, &k->la[0], k->lp[0], &k->la[1], k->lp[1]))
		k->lo_closed = true;
}

/* A SYN or POST in clear while datagrams are about: kept for its conn
 * (the relay by size). */
static void mark_keep(struct fsc_corr *c, const struct fsc_packet *p, int64_t ts,
		      enum corr_mark_kind what)
{
	uint64_t key = conn_key(0, p->obs, &p->src, p->sport, &p->dst, p->dport);

	corr_mark_keep(&c->ul, key, what, (struct corr_mark){ ts, p->ip_len });
}

/* A segment of an ingress connection whose client's records are read:
 * the client's bytes, or the node's acknowledgement of them. */
static void records_feed(struct fsc_corr *c, const struct fsc_packet *p, int64_t ts)
{
	uint64_t key = conn_key(p->tunnel, p->obs, &p->src, p->sport, &p->dst, p->dport);
	uint32_t slot = fsc_hmap_get(&c->by_tuple, key);

	if (slot == FSC_HMAP_NONE || slot >= c->n_conns)
		return;
	struct conn *k = &c->conns[slot];
	if (!k->used || k->rec.state != CORR_REC_WALKING || !k->in_indexed || key != k->in_key ||
	    p->tunnel != k->tunnel || p->obs != k->obs)
		return;
	bool ended = false;
	if (p->sport == k->cp && p->dport == k->np && fsc_addr_eq(&p->src, &k->ca) &&
	    fsc_addr_eq(&p->dst, &k->na))
		ended = corr_records_client(&k->rec, p, ts);
	else if ((p->tcp_flags & FSC_TCP_ACK) && same_ends(p, &k->ca, k->cp, &k->na, k->np))
		ended = corr_records_ack(&k->rec, p->ack);
	if (ended)
		c->walking--;
}

/* A segment: the client's TLS records, a close, and with payload the
 * client's first after the ServerHello ends the handshake. */
static void on_tcp(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_packet *p = ev->pkt;

	if (p && c->walking)
		records_feed(c, p, ev->ts_ns);
	if (p && (p->tcp_flags & (FSC_TCP_FIN | FSC_TCP_RST)) && c->by_tuple.count)
		on_close(c, p);
	if (p && c->ul.wg_next && !p->tunnel &&
	    (p->tcp_flags & (FSC_TCP_SYN | FSC_TCP_ACK)) == FSC_TCP_SYN)
		mark_keep(c, p, ev->ts_ns, CORR_MARK_SYN);
	if (c->awaiting.count == 0 || !p || p->payload_len == 0)
		return;
	uint64_t key = tuple_key(p->tunnel, p->obs, &p->src, p->sport, &p->dst, p->dport);
	uint32_t slot = fsc_hmap_get(&c->awaiting, key);
	if (slot == FSC_HMAP_NONE || slot >= c->n_conns)
		return;
	struct conn *k = &c->conns[slot];
	if (!k->used || !k->await || k->cp != p->sport || k->np != p->dport ||
	    !fsc_addr_eq(&k->ca, &p->src) || !fsc_addr_eq(&k->na, &p->dst))
		return;
	set_stage(&k->s, FSC_STAGE_TLS_DONE, ev->ts_ns);
	k->last_ns = ev->ts_ns;
	await_drop(c, k);
}

/* ---- the loopback request ---- */

/* A request as the node forwards it: method and target. */
static uint64_t request_hash(const char *method, size_t mlen, const char *target, size_t tlen)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < mlen + 1 + tlen; i++) {
		uint8_t b = i < mlen ? (uint8_t)method[i] : i == mlen ? 0 : (uint8_t)target[i - mlen - 1];
		h = (h ^ b) * 0x100000001b3ull;
	}
	return h;
}

/* A request read inside an ingress connection's TLS (FSC_SF_DECRYPTED):
 * its plaintext flow has the ingress connection's addresses and ports. */
static void on_decrypted_request(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_flow *f = se->flow;
	uint32_t tunnel = fsc_flow_tunnel(f);
	uint64_t key = conn_key(tunnel, f->obs, &se->src, se->sport, &se->dst, se->dport);
	uint32_t slot = fsc_hmap_get(&c->by_tuple, key);

	if (!h || slot == FSC_HMAP_NONE || slot >= c->n_conns)
		return;
	struct conn *k = &c->conns[slot];
	if (!k->used || !k->in_indexed || k->in_key != key || k->tunnel != tunnel ||
	    k->cp != se->sport || k->np != se->dport || !fsc_addr_eq(&k->ca, &se->src) ||
	    !fsc_addr_eq(&k->na, &se->dst))
		return;
	k->decrypted = true;
	if (k->dec_n == DECRYPTED_PENDING) { /* never taken: the oldest goes */
		k->dec_first = (uint8_t)((k->dec_first + 1) % DECRYPTED_PENDING);
		k->dec_n--;
		c->st.decrypted_dropped++;
	}
	k->dec[(k->dec_first + k->dec_n++) % DECRYPTED_PENDING] =
		request_hash(h->method, h->method_len, h->target, h->target_len);
	k->last_ns = ev->ts_ns;
}

/* The stream layer gave up reading one direction of a connection with the
 * key log (FSC_EV_TLS_OPEN_END): the client's, and its requests from here
 * on are not read. What it read before still names it; but it no longer
 * tells, by lacking a request, that it did not send it. */
static void on_tls_open_end(struct fsc_corr *c, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;
	struct conn *k = conn_by_flow(c, se->flow);

	if (k && k->flow_id == se->flow->id && se->sport == k->cp &&
	    fsc_addr_eq(&se->src, &k->ca))
		k->dec_broken = true;
}

/* Where in k's pending decrypted requests this one is, or -1. */
static int decrypted_at(const struct conn *k, uint64_t want)
{
	for (unsigned i = 0; i < k->dec_n; i++)
		if (k->dec[(k->dec_first + i) % DECRYPTED_PENDING] == want)
			return (int)i;
	return -1;
}

/* Taken, alone: the ones before it may still come, later (an HTTP/2
 * client's streams, a pooling proxy reorder); all of them are k's. */
static void decrypted_take(struct conn *k, int at)
{
	for (unsigned i = (unsigned)at; i + 1 < k->dec_n; i++)
		k->dec[(k->dec_first + i) % DECRYPTED_PENDING] =
			k->dec[(k->dec_first + i + 1) % DECRYPTED_PENDING];
	k->dec_n--;
}

/*
 * The exact join (a TLS key log): among the ingress connections of this
 * client address, accepted, not ended and with their TLS handshake done
 * before the request (one still in its handshake carried no request: no
 * early data, which Funnel nodes do not take), every one decrypted, the one
 * whose pending decrypted requests hold this method and target. NULL when
 * any candidate was not decrypted, or was read only in part (its TLS given
 * up mid-stream) and does not hold it (then the joins by address and time
 * decide, as without keys), or when none or several hold it (*candidates).
 */
static struct conn *find_ingress_decrypted(struct fsc_corr *c, const struct fsc_addr *client,
					   uint64_t want, int64_t ts, unsigned *candidates, int *at)
{
	struct conn *pick = NULL, *k;
	uint32_t pos = 0;
	bool all = true;

	*candidates = 0;
	while ((k = next_of_client(c, client, &pos))) {
		if (k->dup || k->in_closed || k->s.ingress_status != 101 ||
		    !fsc_addr_eq(&k->s.client, client) || !k->s.t[FSC_STAGE_TLS_DONE] ||
		    k->s.t[FSC_STAGE_TLS_DONE] > ts)
			continue;
		if (!k->decrypted) {
			all = false;
			continue;
		}
		int i = decrypted_at(k, want);
		if (i >= 0) {
			(*candidates)++;
			pick = k;
			*at = i;
		} else if (k->dec_broken) {
			all = false; /* it may have sent it unread */
		}
	}
	return all && *candidates == 1 ? pick : NULL;
}

static bool is_ingress_post(const struct fsc_http_head *h)
{
	return h && h->method_len == 4 && memcmp(h->method, "POST", 4) == 0 &&
	       h->target_len == 11 && memcmp(h->target, "/v0/ingress", 11) == 0;
}

static bool per_connection(const struct fsc_corr *c)
{
	return c->st.proxy == FSC_PROXY_PER_CONNECTION;
}

/* Something a per-connection proxy never does, seen at ts: the run is
 * pooled from now on (correlate.h). */
static void proxy_violation(struct fsc_corr *c, int64_t ts)
{
	if (!per_connection(c))
		return;
	c->st.proxy_violations++;
	c->st.proxy = FSC_PROXY_POOLED;
	c->st.pooled_since_ns = ts;
}

/* (a): the next request on k's backend connection is k's, per-connection,
 * unless its X-Forwarded-For (client, when it names one) says otherwise:
 * then the proxy pools. */
static bool inherits(struct fsc_corr *c, const struct conn *k, const struct fsc_addr *client,
		     int64_t ts)
{
	if (!per_connection(c))
		return false;
	if (client && !fsc_addr_eq(client, &k->s.client)) {
		proxy_violation(c, ts);
		return false;
	}
	return true;
}

/* The ingress a request serves: accepted, the same client address, its
 * own connection not ended, its TLS done (or begun) before the request,
 * and active within the window: its TLS, or (once joined or a candidate)
 * the last request it may have carried. Per-connection, (b): not bound to
 * a backend connection still open; one bound to a backend connection that
 * ended (the node connects again for its next request) is active from its
 * last request. A request that (b) leaves with no candidate at all came
 * from an ingress serving another backend connection: a pooling proxy. */
static struct conn *find_ingress(struct fsc_corr *c, const struct fsc_addr *client,
				 int64_t ts, struct req *r, unsigned *candidates)
{
	struct conn *pick = NULL, *k;
	uint32_t pos = 0;
	unsigned excluded = 0;
	bool per_conn = per_connection(c);

	*candidates = 0;
	r->n_cand = 0;
	while ((k = next_of_client(c, client, &pos))) {
		if (k->dup || k->in_closed || k->s.ingress_status != 101 ||
		    !fsc_addr_eq(&k->s.client, client))
			continue;
		int64_t begun = k->s.t[FSC_STAGE_TLS_DONE] ? k->s.t[FSC_STAGE_TLS_DONE]
							     : k->s.t[FSC_STAGE_TLS_HELLO];
		int64_t active = begun > k->last_ns ? begun : k->last_ns;
		if (per_conn && k->lo_flow_id) {
			if (!k->lo_closed) {
				excluded++;
				continue;
			}
			begun = active = k->last_ns;
		} else if (per_conn) {
			active = begun;
		}
		if (!begun || begun > ts || ts - active > c->lim.window_ns)
			continue;
		if (r->n_cand < DATA_CANDIDATES)
			r->cand[r->n_cand] = (struct cand){ (uint32_t)(k - c->conns), k->gen };
		r->n_cand++;
		(*candidates)++;
		pick = k;
		if (!per_conn && ts > k->last_ns)
			k->last_ns = ts; /* it may have carried it: alive */
	}
	if (per_conn && !*candidates && excluded) {
		proxy_violation(c, ts);
		return find_ingress(c, client, ts, r, candidates);
	}
	return *candidates == 1 ? pick : NULL;
}

/* k serves r's backend connection from now on, joined as `how`. */
static void bind_backend(struct fsc_corr *c, struct conn *k, const struct req *r,
			 enum fsc_join how)
{
	uint32_t slot = (uint32_t)(k - c->conns);

	if (k->lo_flow_id)
		fsc_hmap_del(&c->by_flow, k->lo_flow_id, slot);
	if (k->lo_indexed)
		fsc_hmap_del(&c->by_tuple, k->lo_key, slot);
	k->lo_flow_id = r->flow_id;
	k->lo_join = (struct fsc_story_join){ how, 1 };
	fsc_hmap_put(&c->by_flow, r->flow_id, slot);
	for (int d = 0; d < 2; d++) {
		k->la[d] = r->la[d];
		k->lp[d] = r->lp[d];
	}
	k->lo_tunnel = r->lo_tunnel;
	k->lo_obs = r->lo_obs;
	k->lo_closed = false;
	k->lo_key = conn_key(k->lo_tunnel, k->lo_obs, &k->la[0], k->lp[0], &k->la[1], k->lp[1]);
	k->lo_indexed = fsc_hmap_put(&c->by_tuple, k->lo_key, slot);
}

/* r came from k, joined as `how`. */
static void came_from(struct fsc_corr *c, struct conn *k, struct req *r,
		      struct fsc_story_join how)
{
	r->s.request_join = how;
	r->conn = (uint32_t)(k - c->conns);
	r->conn_gen = k->gen;
	if (r->s.t[FSC_STAGE_REQUEST] > k->last_ns)
		k->last_ns = r->s.t[FSC_STAGE_REQUEST];
}

/* r came from k, joined now as `how`; per-connection, k serves r's backend
 * connection from now on (its next requests inherit). */
static void join(struct fsc_corr *c, struct conn *k, struct req *r, enum fsc_join how)
{
	if (per_connection(c))
		bind_backend(c, k, r, how);
	came_from(c, k, r, (struct fsc_story_join){ how, 1 });
}

/* The POST that opens an ingress connection, read whole from the
 * connection's first byte: its TLS begins right after it (and its body). */
static void post_keep(struct fsc_corr *c, const struct fsc_stream_event *se)
{
	const unsigned odd = FSC_SF_RESYNC | FSC_SF_SMUGGLING | FSC_SF_FOLDED_FRAMING |
			     FSC_SF_CL_AND_TE;
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_flow_dir *d = &se->flow->dir[se->dir];
	size_t head = se->u.req.head->head_len;

	if (se->status != FSC_OK || (se->flags & odd) || se->u.req.index != 1 || !in ||
	    in->chunked || !head || !d->syn || d->midstream)
		return;
	uint64_t body = in->has_content_length ? in->content_length : 0;
	if (body > (1u << 20))
		return;
	c->posts[c->posts_next++ & (POST_RING - 1)] = (struct post_seen){ se->flow->id,
									   head + body };
}

static void on_request(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn,
		       void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_flow *f = se->flow;

	if (!h)
		return;
	if (is_ingress_post(h)) {
		if (c->ul.wg_next && !ev->tunnel && ev->pkt)
			mark_keep(c, ev->pkt, ev->ts_ns, CORR_MARK_POST);
		post_keep(c, se);
		return;
	}
	struct conn *self = conn_by_flow(c, f);
	if (self && self->flow_id == f->id)
		return; /* on an ingress connection: not a loopback request */
	struct req *r = &c->reqs[c->next_req];
	if (r->used)
		c->st.requests_given_up++;
	req_retire(c, r, fn, ctx);
	c->next_req = (c->next_req + 1) % c->n_reqs;
	memset(r, 0, sizeof(*r));
	r->used = true;
	r->flow_id = f->id;
	r->index = se->u.req.index;
	r->key = req_key(f->id, r->index);
	r->conn = FSC_HMAP_NONE;
	r->resp_dir = !se->dir;
	r->bytes_base = f->dir[!se->dir].bytes;
	r->last_ns = ev->ts_ns;
	for (int d = 0; d < 2; d++) {
		r->la[d] = f->addr[d];
		r->lp[d] = f->port[d];
	}
	r->lo_tunnel = fsc_flow_tunnel(f);
	r->lo_obs = f->obs;
	struct fsc_story *s = &r->s;
	s->request_input = input_of(ev);
	s->request_iface = iface_of(ev);
	s->request_flow = f->id;
	keep(s->method, sizeof(s->method), h->method, h->method_len);
	keep(s->target, sizeof(s->target), h->target, h->target_len);
	const struct fsc_http_info *in = se->u.req.info;
	if (in && in->host)
		keep(s->host, sizeof(s->host), in->host->value, in->host->value_len);
	const struct fsc_client *cl = se->u.req.client;
	s->client_rule = fsc_client_rule_name(cl ? cl->rule : FSC_CLIENT_NONE);
	if (cl)
		s->request_client = cl->addr;
	s->request_index = r->index;
	s->t[FSC_STAGE_REQUEST] = ev->ts_ns;

	const struct fsc_addr *named = cl && cl->rule != FSC_CLIENT_NONE &&
				       cl->rule != FSC_CLIENT_TCP_PEER ? &cl->addr : NULL;
	uint64_t want = request_hash(h->method, h->method_len, h->target, h->target_len);
	int at = -1;
	unsigned n = 0;
	/* The decrypted stream first, whatever the proxy: exact. Per-connection,
	 * the exact ingress must be the one this backend connection serves,
	 * or one serving none still open. */
	struct conn *k = named ? find_ingress_decrypted(c, named, want, ev->ts_ns, &n, &at) : NULL;
	if (k) {
		if (self ? self != k : k->lo_flow_id && !k->lo_closed)
			proxy_violation(c, ev->ts_ns);
		decrypted_take(k, at);
		join(c, k, r, FSC_JOIN_EXACT);
	} else if (self && inherits(c, self, named, ev->ts_ns)) {
		/* per-connection, the same backend connection as an earlier,
		 * joined request: its ingress, joined as that one was (a) */
		k = self;
		came_from(c, k, r, k->lo_join);
		if (k->decrypted && (at = decrypted_at(k, want)) >= 0)
			decrypted_take(k, at);
	} else if (n > 1) {
		s->request_join = (struct fsc_story_join){ FSC_JOIN_AMBIGUOUS, n };
	} else if (named) {
		k = find_ingress(c, named, ev->ts_ns, r, &n);
		if (k) {
			join(c, k, r, FSC_JOIN_ADDR_TIME);
		} else if (n > 1) {
			s->request_join = (struct fsc_story_join){ FSC_JOIN_AMBIGUOUS, n };
			data_wait(c, r);
		}
	}
	if (!fsc_hmap_put(&c->by_req, r->key, (uint32_t)(r - c->reqs)))
		r->used = false;
}

/* ---- the data rule (correlate.h) ---- */

/* Could k's client have sent the bytes of a request seen at ts? Unless its
 * records say no for certain. */
static bool data_before(const struct conn *k, int64_t ts)
{
	int64_t t = corr_records_data_ns(&k->rec, k->tls13 && k->no_early);

	return t < 0 || (t && t <= ts);
}

/* An ambiguous request's choice waits for the first event after its time:
 * a record seen at that very time in another input comes first. */
static void data_wait(struct fsc_corr *c, struct req *r)
{
	if (r->n_cand > DATA_CANDIDATES || c->n_waiting == DATA_WAITING)
		return; /* stays ambiguous */
	uint32_t i = (c->waiting_first + c->n_waiting++) & (DATA_WAITING - 1);
	c->waiting[i].slot = (uint32_t)(r - c->reqs);
	c->waiting[i].key = r->key;
	c->waiting[i].ts = r->s.t[FSC_STAGE_REQUEST];
	r->waiting = true;
}

/* The candidates that sent data before the request: one is its source. */
static void data_choose(struct fsc_corr *c, struct req *r)
{
	struct fsc_story *s = &r->s;
	int64_t ts = s->t[FSC_STAGE_REQUEST];
	struct conn *pick = NULL;
	unsigned fit = 0;

	r->waiting = false;
	struct conn *self = conn_by_flow_id(c, r->flow_id);
	if (self && inherits(c, self, &s->request_client, ts)) {
		/* an earlier request of its backend connection chose */
		came_from(c, self, r, self->lo_join);
		return;
	}
	for (unsigned i = 0; i < r->n_cand; i++) {
		struct conn *k = conn_of(c, r->cand[i].slot, r->cand[i].gen);
		if (!k || data_before(k, ts)) { /* gone: cannot be ruled out */
			fit++;
			pick = k;
		}
	}
	if (fit == 1 && pick)
		join(c, pick, r, FSC_JOIN_ADDR_DATA);
	else if (fit > 1)
		s->request_join.candidates = fit;
}

/* Choose for the waiting requests older than ts (all: INT64_MAX). */
static void data_settle(struct fsc_corr *c, int64_t ts)
{
	while (c->n_waiting) {
		uint32_t i = c->waiting_first & (DATA_WAITING - 1);
		if (c->waiting[i].ts >= ts)
			return;
		struct req *r = &c->reqs[c->waiting[i].slot];
		c->waiting_first++;
		c->n_waiting--;
		if (r->used && r->waiting && r->key == c->waiting[i].key)
			data_choose(c, r);
	}
}

static struct req *req_by(struct fsc_corr *c, const struct fsc_flow *f, unsigned index)
{
	uint64_t key = req_key(f->id, index);
	uint32_t slot = fsc_hmap_get(&c->by_req, key);

	if (slot == FSC_HMAP_NONE || slot >= c->n_reqs)
		return NULL;
	struct req *r = &c->reqs[slot];
	return r->used && r->flow_id == f->id && r->index == index ? r : NULL;
}

static void on_response(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn,
			void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;

	if (se->u.resp.matched && se->u.resp.method && se->u.resp.uri &&
	    strcmp(se->u.resp.method, "POST") == 0 && strcmp(se->u.resp.uri, "/v0/ingress") == 0) {
		conn_open(c, ev, fn, ctx);
		return;
	}
	struct req *r = se->u.resp.matched ? req_by(c, se->flow, se->u.resp.index) : NULL;
	if (!r || !se->u.resp.head || se->u.resp.head->status < 200)
		return; /* an interim answer (100, 103): the real one follows */
	r->s.http_status = se->u.resp.head->status;
	set_stage(&r->s, FSC_STAGE_FIRST_BYTE, ev->ts_ns);
	r->last_ns = ev->ts_ns;
}

static void on_response_end(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn,
			    void *ctx)
{
	const struct fsc_stream_event *se = ev->stream;
	struct req *r = req_by(c, se->flow, se->u.resp_end.index);

	if (!r)
		return;
	struct fsc_story *s = &r->s;
	if (se->u.resp_end.status)
		s->http_status = se->u.resp_end.status;
	s->t[FSC_STAGE_LAST_BYTE] = ev->ts_ns;
	set_stage(s, FSC_STAGE_FIRST_BYTE, ev->ts_ns);
	uint64_t now = se->flow->dir[r->resp_dir].bytes;
	s->response_bytes = now >= r->bytes_base ? now - r->bytes_base : 0;
	s->complete = true;
	req_retire(c, r, fn, ctx);
}

/* ---- the entry points ---- */

void fsc_corr_event(struct fsc_corr *c, const struct fsc_event *ev, fsc_story_fn fn, void *ctx)
{
	if (ev->ts_ns > c->now)
		c->now = ev->ts_ns;
	if (c->n_waiting)
		data_settle(c, ev->ts_ns);
	if (ev->stream && (ev->stream->flags & FSC_SF_DECRYPTED)) {
		/* inside a TLS connection: its requests name the ingress; its
		 * flows are not the capture's */
		if (ev->type == FSC_EV_HTTP_REQUEST)
			on_decrypted_request(c, ev);
		return;
	}
	switch (ev->type) {
	case FSC_EV_WG:
		corr_underlay_wg(&c->ul, ev);
		break;
	case FSC_EV_TCP:
		on_tcp(c, ev);
		break;
	case FSC_EV_TLS_CLIENT_HELLO:
		on_client_hello(c, ev);
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		on_server_hello(c, ev);
		break;
	case FSC_EV_HTTP_REQUEST:
		on_request(c, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_RESPONSE:
		on_response(c, ev, fn, ctx);
		break;
	case FSC_EV_INGRESS:
		on_ingress(c, ev, fn, ctx);
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		on_response_end(c, ev, fn, ctx);
		break;
	case FSC_EV_TLS_OPEN_END:
		on_tls_open_end(c, ev);
		break;
	default:
		break;
	}
	expire(c, fn, ctx);
}

void fsc_corr_flush(struct fsc_corr *c, fsc_story_fn fn, void *ctx)
{
	/* Requests first (they tell their ingress), then ingress alone, each
	 * ring from its oldest slot. */
	data_settle(c, INT64_MAX);
	for (uint32_t i = 0; i < c->n_reqs; i++) {
		struct req *r = &c->reqs[(c->next_req + i) % c->n_reqs];
		if (r->used)
			c->st.requests_given_up++;
		req_retire(c, r, fn, ctx);
	}
	for (uint32_t i = 0; i < c->n_conns; i++)
		conn_retire(c, &c->conns[(c->next_conn + i) % c->n_conns], fn, ctx);
}

/* ---- stretches ---- */

static const struct {
	const char *name;
	enum fsc_stage from, to;
} stretches[FSC_STRETCH_COUNT] = {
	[FSC_STRETCH_EDGE] = { "edge", FSC_STAGE_EDGE, FSC_STAGE_TUNNEL },
	[FSC_STRETCH_INGRESS] = { "ingress", FSC_STAGE_TUNNEL, FSC_STAGE_INGRESS },
	[FSC_STRETCH_TLS] = { "tls", FSC_STAGE_INGRESS, FSC_STAGE_TLS_DONE },
	[FSC_STRETCH_TO_BACKEND] = { "to_backend", FSC_STAGE_TLS_DONE, FSC_STAGE_REQUEST },
	[FSC_STRETCH_FIRST_BYTE] = { "first_byte", FSC_STAGE_REQUEST, FSC_STAGE_FIRST_BYTE },
	[FSC_STRETCH_LAST_BYTE] = { "last_byte", FSC_STAGE_FIRST_BYTE, FSC_STAGE_LAST_BYTE },
	[FSC_STRETCH_TOTAL] = { "total", FSC_STAGE_COUNT, FSC_STAGE_COUNT },
};

const char *fsc_stretch_name(enum fsc_stretch k)
{
	return (unsigned)k < FSC_STRETCH_COUNT ? stretches[k].name : "?";
}

int64_t fsc_story_stretch(const struct fsc_story *s, enum fsc_stretch k)
{
	if ((unsigned)k >= FSC_STRETCH_COUNT)
		return -1;
	if (k == FSC_STRETCH_TOTAL) {
		int64_t first = 0, last = 0;
		for (int i = 0; i < FSC_STAGE_COUNT; i++) {
			if (!s->t[i])
				continue;
			if (!first || s->t[i] < first)
				first = s->t[i];
			if (s->t[i] > last)
				last = s->t[i];
		}
		return first ? last - first : -1;
	}
	int64_t a = s->t[stretches[k].from], b = s->t[stretches[k].to];
	return a && b ? b - a : -1;
}

bool fsc_story_relay_named(const struct fsc_story *s)
{
	switch (s->relay_join.kind) {
	case FSC_JOIN_EXACT:
	case FSC_JOIN_TIME:
	case FSC_JOIN_TIME_SIZE:
	case FSC_JOIN_TIME_SIZE_PEER:
		return true;
	default:
		return false;
	}
}
