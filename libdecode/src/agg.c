/* agg.c - hosts and clients over funnel events (see fsc/agg.h).
 *
 * Each table keeps its entries in one array that never moves, a recency
 * list through it (index links, newest at head) and a hash index (hmap.h)
 * from a seeded hash of the key to the slot; entries sharing a hash are
 * told apart by comparing keys. */
#include "fsc/agg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/http.h"
#include "fsc/span.h"
#include "fsc/streams.h"
#include "fsc/stun.h"
#include "fsc/tls.h"
#include "hmap.h"

#define DEF_HOSTS 1024
#define DEF_CLIENTS 4096
#define DEF_ENDPOINTS 1024
#define NONE UINT32_MAX

struct table {
	unsigned char *items;
	size_t size;		/* of an item */
	uint64_t *hash;		/* of each slot's key */
	uint32_t *prev, *next;	/* recency: prev is newer */
	uint32_t head, tail, n, max;
	struct hmap idx;
};

/* Raw names seen lately and the slot each normalised to: most requests and
 * responses name a host seen just before, and one compare of the raw bytes
 * is cheaper than normalising and hashing again. Emptied when a host is
 * evicted (a slot then names another host). */
#define RECENT_SLOTS 64
#define RECENT_RAW_MAX 96

struct recent {
	size_t len;
	char raw[RECENT_RAW_MAX];
	uint32_t slot; /* + 1; 0 empty */
};

struct fsc_agg {
	struct fsc_agg_limits lim;
	struct fsc_agg_stats st;
	struct table hosts, clients, endpoints;
	uint64_t seed;
	int64_t now;
	fsc_agg_client_fn on_client;
	void *on_client_ctx;
	struct recent recent[RECENT_SLOTS];
};

/* ---------------------------------------------------------------- tables */

static bool table_init(struct table *t, uint32_t max, size_t size)
{
	t->size = size;
	t->max = max;
	t->head = t->tail = NONE;
	t->items = calloc(max, size);
	t->hash = calloc(max, sizeof(*t->hash));
	t->prev = calloc(max, sizeof(*t->prev));
	t->next = calloc(max, sizeof(*t->next));
	return t->items && t->hash && t->prev && t->next && hmap_init(&t->idx, max);
}

static void table_free(struct table *t)
{
	free(t->items);
	free(t->hash);
	free(t->prev);
	free(t->next);
	if (t->idx.b)
		hmap_free(&t->idx);
}

static void *item(const struct table *t, uint32_t i)
{
	return t->items + (size_t)i * t->size;
}

static void unlink_slot(struct table *t, uint32_t i)
{
	if (t->prev[i] != NONE)
		t->next[t->prev[i]] = t->next[i];
	else
		t->head = t->next[i];
	if (t->next[i] != NONE)
		t->prev[t->next[i]] = t->prev[i];
	else
		t->tail = t->prev[i];
}

static void push_slot(struct table *t, uint32_t i)
{
	t->prev[i] = NONE;
	t->next[i] = t->head;
	if (t->head != NONE)
		t->prev[t->head] = i;
	t->head = i;
	if (t->tail == NONE)
		t->tail = i;
}

static void touch(struct table *t, uint32_t i)
{
	if (t->head != i) {
		unlink_slot(t, i);
		push_slot(t, i);
	}
}

typedef bool (*key_eq_fn)(const void *item, const void *key);

static uint32_t find(const struct table *t, uint64_t hash, key_eq_fn eq, const void *key)
{
	uint32_t pos = 0, i;

	while ((i = hmap_next(&t->idx, hash, &pos)) != NONE)
		if (eq(item(t, i), key))
			return i;
	return NONE;
}

/* A zeroed slot for a new key: a free one, or the oldest's (evict), or
 * NONE (counted in *dropped). */
static uint32_t make(struct table *t, uint64_t hash, bool evict, uint64_t *evicted,
		     uint64_t *dropped)
{
	uint32_t i;

	if (t->n < t->max) {
		i = t->n++;
	} else if (evict && t->tail != NONE) {
		i = t->tail;
		unlink_slot(t, i);
		hmap_del(&t->idx, t->hash[i], i);
		(*evicted)++;
	} else {
		(*dropped)++;
		return NONE;
	}
	memset(item(t, i), 0, t->size);
	t->hash[i] = hash;
	hmap_add(&t->idx, hash, i); /* room: one entry a slot at most */
	push_slot(t, i);
	return i;
}

/* ---------------------------------------------------------------- setup */

struct fsc_agg *fsc_agg_new(const struct fsc_agg_limits *lim)
{
	struct fsc_agg *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	if (lim)
		a->lim = *lim;
	if (!a->lim.max_hosts)
		a->lim.max_hosts = DEF_HOSTS;
	if (!a->lim.max_clients)
		a->lim.max_clients = DEF_CLIENTS;
	if (!a->lim.max_endpoints)
		a->lim.max_endpoints = DEF_ENDPOINTS;
	/* The seed only spreads the index; nothing shown depends on it. */
	a->seed = (uint64_t)(uintptr_t)a ^ (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	if (!table_init(&a->hosts, a->lim.max_hosts, sizeof(struct fsc_agg_host)) ||
	    !table_init(&a->clients, a->lim.max_clients, sizeof(struct fsc_agg_client)) ||
	    !table_init(&a->endpoints, a->lim.max_endpoints, sizeof(struct fsc_agg_endpoint))) {
		fsc_agg_free(a);
		return NULL;
	}
	return a;
}

void fsc_agg_free(struct fsc_agg *a)
{
	if (!a)
		return;
	table_free(&a->hosts);
	table_free(&a->clients);
	table_free(&a->endpoints);
	free(a);
}

void fsc_agg_on_client(struct fsc_agg *a, fsc_agg_client_fn fn, void *ctx)
{
	a->on_client = fn;
	a->on_client_ctx = ctx;
}

void fsc_agg_client_geo(struct fsc_agg_client *c, const char *country, uint32_t asn,
			const char *as_org)
{
	snprintf(c->country, sizeof(c->country), "%s", country);
	c->asn = asn;
	snprintf(c->as_org, sizeof(c->as_org), "%s", as_org);
}

const struct fsc_agg_stats *fsc_agg_stats(const struct fsc_agg *a)
{
	return &a->st;
}

const struct fsc_agg_limits *fsc_agg_limits(const struct fsc_agg *a)
{
	return &a->lim;
}

int64_t fsc_agg_now(const struct fsc_agg *a)
{
	return a->now;
}

/* ---------------------------------------------------------------- names */

size_t fsc_agg_name(const char *p, size_t len, char *out)
{
	size_t n = 0, end = len;

	if (len && p[0] != '[') {
		const char *colon = memchr(p, ':', len);
		/* One colon: a port; more: a bare IPv6 address, kept. */
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - p)))
			end = (size_t)(colon - p);
	} else if (len) {
		const char *close = memchr(p, ']', len);
		if (close)
			end = (size_t)(close - p) + 1;
	}
	for (size_t i = 0; i < end && n < FSC_AGG_NAME_MAX - 1; i++)
		out[n++] = fsc_ascii_lower(p[i]);
	while (n && out[n - 1] == '.')
		n--;
	out[n] = '\0';
	return n;
}

bool fsc_agg_same_name(const char *a, size_t alen, const char *b, size_t blen)
{
	char x[FSC_AGG_NAME_MAX], y[FSC_AGG_NAME_MAX];

	/* Equal bytes normalise alike: the usual case, at the cost of a compare. */
	if (alen == blen && memcmp(a, b, alen) == 0)
		return true;
	fsc_agg_name(a, alen, x);
	fsc_agg_name(b, blen, y);
	return strcmp(x, y) == 0; /* as far as a NUL inside, as printed */
}

unsigned fsc_agg_status_class(int status)
{
	return status >= 100 && status < 600 ? (unsigned)status / 100 : 0;
}

/* ---------------------------------------------------------------- hosts */

static uint64_t name_hash(const struct fsc_agg *a, const char *name, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ a->seed;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)name[i]) * 1099511628211ull;
	return h ^ h >> 29;
}

static bool host_eq(const void *it, const void *key)
{
	return strcmp(((const struct fsc_agg_host *)it)->name, key) == 0;
}

static struct fsc_agg_host *host_by_name(struct fsc_agg *a, const char *p, size_t len,
					 uint32_t *slot)
{
	char name[FSC_AGG_NAME_MAX];
	size_t n = fsc_agg_name(p, len, name);

	if (n == 0)
		return NULL;
	uint64_t h = name_hash(a, name, n);
	uint32_t i = find(&a->hosts, h, host_eq, name);
	if (i == NONE) {
		uint64_t evicted = a->st.hosts_evicted;
		i = make(&a->hosts, h, a->lim.evict, &a->st.hosts_evicted, &a->st.hosts_dropped);
		if (i == NONE)
			return NULL;
		if (evicted != a->st.hosts_evicted)
			memset(a->recent, 0, sizeof(a->recent));
		struct fsc_agg_host *e = item(&a->hosts, i);
		memcpy(e->name, name, n + 1);
		e->first_ns = a->now;
	}
	*slot = i;
	return item(&a->hosts, i);
}

/* The host a raw name (SNI, Host, target) names, seen now; NULL when it
 * names none or the table has no room. */
static struct fsc_agg_host *host_at(struct fsc_agg *a, const char *p, size_t len)
{
	struct fsc_agg_host *h;
	uint32_t slot;

	if (len == 0 || len > RECENT_RAW_MAX) {
		h = host_by_name(a, p, len, &slot);
	} else {
		/* Slot by length and the first, middle and last bytes. */
		unsigned k = ((unsigned)len * 31 + (uint8_t)p[0] * 7 + (uint8_t)p[len - 1] +
			      (uint8_t)p[len / 2] * 13) % RECENT_SLOTS;
		struct recent *r = &a->recent[k];
		if (r->slot && r->len == len && memcmp(r->raw, p, len) == 0) {
			slot = r->slot - 1;
			h = item(&a->hosts, slot);
		} else if ((h = host_by_name(a, p, len, &slot))) {
			r->len = len;
			memcpy(r->raw, p, len);
			r->slot = slot + 1;
		}
	}
	if (h) {
		touch(&a->hosts, slot);
		h->last_ns = a->now;
	}
	return h;
}

const struct fsc_agg_host *fsc_agg_host(const struct fsc_agg *a, const char *name, size_t len)
{
	char key[FSC_AGG_NAME_MAX];
	size_t n = fsc_agg_name(name, len, key);

	if (n == 0)
		return NULL;
	uint32_t i = find(&a->hosts, name_hash(a, key, n), host_eq, key);
	return i == NONE ? NULL : item(&a->hosts, i);
}

/* ---------------------------------------------------------------- clients */

static bool client_eq(const void *it, const void *key)
{
	return fsc_addr_eq(&((const struct fsc_agg_client *)it)->addr, key);
}

static struct fsc_agg_client *client_at(struct fsc_agg *a, const struct fsc_addr *addr)
{
	if (addr->family != 4 && addr->family != 6)
		return NULL;
	uint64_t h = fsc_addr_hash(addr, a->seed);
	uint32_t i = find(&a->clients, h, client_eq, addr);
	struct fsc_agg_client *c;

	if (i == NONE) {
		i = make(&a->clients, h, a->lim.evict, &a->st.clients_evicted,
			 &a->st.clients_dropped);
		if (i == NONE)
			return NULL;
		c = item(&a->clients, i);
		memset(&c->addr, 0, sizeof(c->addr));
		c->addr.family = addr->family;
		memcpy(c->addr.b, addr->b, sizeof(c->addr.b));
		c->first_ns = a->now;
		a->st.clients_new++;
		if (a->on_client)
			a->on_client(a->on_client_ctx, c);
	} else {
		touch(&a->clients, i);
		c = item(&a->clients, i);
	}
	c->last_ns = a->now;
	return c;
}

void fsc_agg_client_seen(struct fsc_agg *a, const struct fsc_addr *addr, enum fsc_agg_seen how,
			 int64_t ts_ns)
{
	struct fsc_agg_client *c;

	if (ts_ns > a->now)
		a->now = ts_ns;
	if (how == FSC_AGG_SEEN_REQUEST)
		a->st.requests++;
	else
		a->st.ingress++;
	if (!(c = client_at(a, addr)))
		return;
	if (how == FSC_AGG_SEEN_REQUEST)
		c->requests++;
	else
		c->ingress++;
}

bool fsc_agg_is_client(const struct fsc_agg *a, const struct fsc_agg_client *c)
{
	return c->requests || c->ingress || (c->hellos && a->st.requests == 0);
}

static struct fsc_agg_client *client_find(const struct fsc_agg *a, const struct fsc_addr *addr)
{
	uint32_t i = find(&a->clients, fsc_addr_hash(addr, a->seed), client_eq, addr);

	return i == NONE ? NULL : item(&a->clients, i);
}

const struct fsc_agg_client *fsc_agg_client(const struct fsc_agg *a, const struct fsc_addr *addr)
{
	return client_find(a, addr);
}

void fsc_agg_client_bytes(struct fsc_agg *a, const struct fsc_addr *addr, int64_t body)
{
	struct fsc_agg_client *c = client_find(a, addr);

	if (c && body > 0)
		c->bytes += (uint64_t)body;
}

/* ---------------------------------------------------------------- endpoints */

struct endpoint_key {
	const struct fsc_addr *addr[2];
	uint16_t port[2];
};

static bool endpoint_eq(const void *it, const void *key)
{
	const struct fsc_agg_endpoint *e = it;
	const struct endpoint_key *k = key;

	/* Either way round: the pair, not who sent first. */
	for (int s = 0; s < 2; s++)
		if (fsc_addr_eq(&e->addr[0], k->addr[s]) && e->port[0] == k->port[s] &&
		    fsc_addr_eq(&e->addr[1], k->addr[!s]) && e->port[1] == k->port[!s])
			return true;
	return false;
}

static uint64_t endpoint_hash(const struct fsc_agg *a, const struct endpoint_key *k)
{
	uint64_t h[2];

	for (int s = 0; s < 2; s++)
		h[s] = fsc_addr_hash(k->addr[s], a->seed) ^ (uint64_t)k->port[s] * 0x9e3779b97f4a7c15ull;
	return h[0] + h[1]; /* symmetric: the same pair from either side */
}

/* The pair src -> dst, seen now; NULL when the table has no room. */
static struct fsc_agg_endpoint *endpoint_at(struct fsc_agg *a, const struct fsc_addr *src,
					    uint16_t sport, const struct fsc_addr *dst,
					    uint16_t dport)
{
	struct endpoint_key k = { { src, dst }, { sport, dport } };
	uint64_t h = endpoint_hash(a, &k);
	uint32_t i = find(&a->endpoints, h, endpoint_eq, &k);
	struct fsc_agg_endpoint *e;

	if (i == NONE) {
		i = make(&a->endpoints, h, a->lim.evict, &a->st.endpoints_evicted,
			 &a->st.endpoints_dropped);
		if (i == NONE)
			return NULL;
		e = item(&a->endpoints, i);
		e->addr[0] = *src;
		e->port[0] = sport;
		e->addr[1] = *dst;
		e->port[1] = dport;
		e->first_ns = a->now;
	} else {
		touch(&a->endpoints, i);
		e = item(&a->endpoints, i);
	}
	e->last_ns = a->now;
	return e;
}

static void on_tunnel_udp(struct fsc_agg *a, const struct fsc_event *ev)
{
	const struct fsc_packet *p = ev->pkt;
	static const struct fsc_addr none;
	struct fsc_agg_endpoint *e;

	switch (ev->type) {
	case FSC_EV_DISCO:
		if ((e = endpoint_at(a, &p->src, p->sport, &p->dst, p->dport)))
			e->disco++;
		break;
	case FSC_EV_TSDISCO:
		if (!(e = endpoint_at(a, &p->tscap.disco_src, p->tscap.disco_sport, &none, 0)))
			break;
		e->tsdisco++;
		if (ev->disco)
			e->disco_types[ev->disco->type & 15]++;
		break;
	case FSC_EV_STUN: {
		const struct fsc_stun_msg *s = &ev->tun->u.stun;
		if (!(e = endpoint_at(a, &p->src, p->sport, &p->dst, p->dport)))
			break;
		if (s->cls == FSC_STUN_REQUEST)
			e->stun_req++;
		else if (s->cls == FSC_STUN_SUCCESS || s->cls == FSC_STUN_ERROR)
			e->stun_resp++;
		else
			e->stun_other++;
		if (s->has_mapped) {
			e->has_mapped = true;
			e->mapped = s->mapped;
			e->mapped_port = s->mapped_port;
		}
		break;
	}
	default:
		break;
	}
}

size_t fsc_agg_endpoints(const struct fsc_agg *a, const struct fsc_agg_endpoint **out,
			 size_t max)
{
	size_t n = 0;

	for (uint32_t i = a->endpoints.head; i != NONE && n < max; i = a->endpoints.next[i])
		out[n++] = item(&a->endpoints, i);
	return n;
}

size_t fsc_agg_endpoint_count(const struct fsc_agg *a)
{
	return a->endpoints.n;
}

/* ---------------------------------------------------------------- events */

static bool final_status(int code)
{
	/* A 1xx interim response is no answer: the final one follows. */
	return code >= 200 || code == 101 || code < 100;
}

static void on_request(struct fsc_agg *a, const struct fsc_stream_event *se)
{
	const struct fsc_http_info *in = se->u.req.info;
	const struct fsc_client *c = se->u.req.client;
	struct fsc_agg_host *h;
	struct fsc_agg_client *cl;

	a->st.requests++;
	if (c && c->rule != FSC_CLIENT_NONE && (cl = client_at(a, &c->addr))) {
		cl->requests++;
		cl->rule = c->rule;
	}
	if (!in || !in->host || !(h = host_at(a, in->host->value, in->host->value_len)))
		return;
	h->host_hdr++;
	h->requests++;
	h->funnel += in->funnel;
	if (in->x_forwarded_host &&
	    !fsc_agg_same_name(in->host->value, in->host->value_len, in->x_forwarded_host->value,
			       in->x_forwarded_host->value_len)) {
		h->mismatches++;
		a->st.mismatches++;
	}
}

static void on_response(struct fsc_agg *a, const struct fsc_stream_event *se)
{
	int code = se->u.resp.head->status;
	struct fsc_agg_host *h;
	struct fsc_agg_client *c;

	if (code >= 0 && code < 600)
		a->st.codes[code]++;
	if (se->u.resp.matched && final_status(code) && se->u.resp.client.family &&
	    (c = client_find(a, &se->u.resp.client))) {
		c->responses++;
		c->status[fsc_agg_status_class(code)]++;
	}
	if (!se->u.resp.matched || !final_status(code) || !se->u.resp.host[0] ||
	    !(h = host_at(a, se->u.resp.host, strlen(se->u.resp.host))))
		return;
	a->st.responses++;
	h->responses++;
	h->status[fsc_agg_status_class(code)]++;
	fsc_hist_add(&h->first_byte, se->u.resp.latency_ns);
	fsc_hist_add(&h->last_byte, se->u.resp.latency_ns);
}

static void on_response_end(struct fsc_agg *a, const struct fsc_stream_event *se)
{
	const char *host = se->u.resp_end.host;
	struct fsc_agg_host *h;

	/* The body is whole: its sample moves from the first byte to the
	 * last. */
	if (host && host[0] && (h = host_at(a, host, strlen(host))))
		fsc_hist_move(&h->last_byte, se->u.resp_end.first_ns, se->u.resp_end.last_ns);
}

static void on_ingress(struct fsc_agg *a, const struct fsc_stream_event *se)
{
	const char *t = se->u.ingress.target;
	struct fsc_agg_host *h;
	struct fsc_agg_client *c;

	a->st.ingress++;
	if (se->u.ingress.client.family && (c = client_at(a, &se->u.ingress.client)))
		c->ingress++;
	if (!(h = host_at(a, t, strlen(t))))
		return;
	h->ingress++;
	if (se->u.ingress.has_sni &&
	    !fsc_agg_same_name(t, strlen(t), (const char *)se->u.ingress.sni,
			       se->u.ingress.sni_len)) {
		h->mismatches++;
		a->st.mismatches++;
	}
}

static void on_hello(struct fsc_agg *a, const struct fsc_stream_event *se)
{
	const struct fsc_tls_client_hello *ch = se->u.hello.h;
	struct fsc_agg_host *h;
	struct fsc_agg_client *c;

	a->st.hellos++;
	if ((c = client_at(a, &se->src)))
		c->hellos++;
	if (ch && ch->has_sni && (h = host_at(a, (const char *)ch->sni.p, ch->sni.len)))
		h->sni++;
}

void fsc_agg_event(struct fsc_agg *a, const struct fsc_event *ev)
{
	const struct fsc_stream_event *se = ev->stream;

	if (!a)
		return;
	if (ev->ts_ns > a->now)
		a->now = ev->ts_ns;
	if ((ev->type == FSC_EV_DISCO || ev->type == FSC_EV_TSDISCO || ev->type == FSC_EV_STUN) &&
	    ev->pkt && (ev->type != FSC_EV_STUN || ev->tun)) {
		on_tunnel_udp(a, ev);
		return;
	}
	if (!se)
		return;
	switch (ev->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		on_hello(a, se);
		break;
	case FSC_EV_HTTP_REQUEST:
		on_request(a, se);
		break;
	case FSC_EV_HTTP_RESPONSE:
		on_response(a, se);
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		on_response_end(a, se);
		break;
	case FSC_EV_INGRESS:
		on_ingress(a, se);
		break;
	default:
		break;
	}
}

/* ---------------------------------------------------------------- lists */

size_t fsc_agg_hosts(const struct fsc_agg *a, const struct fsc_agg_host **out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = a->hosts.head; i != NONE && n < max; i = a->hosts.next[i])
		out[n++] = item(&a->hosts, i);
	return n;
}

size_t fsc_agg_host_count(const struct fsc_agg *a)
{
	return a->hosts.n;
}

size_t fsc_agg_clients(const struct fsc_agg *a, const struct fsc_agg_client **out, size_t max)
{
	size_t n = 0;

	for (uint32_t i = a->clients.head; i != NONE && n < max; i = a->clients.next[i])
		if (fsc_agg_is_client(a, item(&a->clients, i)))
			out[n++] = item(&a->clients, i);
	return n;
}

size_t fsc_agg_client_count(const struct fsc_agg *a)
{
	size_t n = 0;

	for (uint32_t i = a->clients.head; i != NONE; i = a->clients.next[i])
		n += fsc_agg_is_client(a, item(&a->clients, i));
	return n;
}
