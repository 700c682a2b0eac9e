/* select.c - which rows a table shows and in what order: the filter
 * typed after '/', the sort orders, the rows of each table (table.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/span.h"
#include "table.h"
#include "tui_int.h"

/* ---------------------------------------------------------------- filter */

enum field {
	F_ANY, F_CLIENT, F_HOST, F_PATH, F_STATUS, F_ASN, F_COUNTRY, F_METHOD, F_RULE, F_NAME,
	F_COUNT
};
static const char *const field_names[F_COUNT] = {
	[F_ANY] = "", [F_CLIENT] = "client", [F_HOST] = "host", [F_PATH] = "path",
	[F_STATUS] = "status", [F_ASN] = "asn", [F_COUNTRY] = "country",
	[F_METHOD] = "method", [F_RULE] = "rule", [F_NAME] = "name",
};

/* Leading IPv4 parts, whole: "66.249" or "66.249." is 66.249.0.0/16.
 * One to three parts with at least one dot; 0 when s is not that. */
static unsigned ipv4_parts(const char *s, size_t n, struct fsc_addr *a)
{
	unsigned parts = 0, v = 0, digits = 0;
	bool dot = false;

	memset(a, 0, sizeof(*a));
	a->family = 4;
	for (size_t i = 0; i <= n; i++) {
		if (i < n && s[i] >= '0' && s[i] <= '9') {
			v = v * 10 + (unsigned)(s[i] - '0');
			if (++digits > 3 || v > 255)
				return 0;
			continue;
		}
		if (i < n && s[i] != '.')
			return 0;
		if (!digits)
			return i == n && dot ? parts : 0; /* "66.249." ends with a dot */
		if (parts == 3)
			return 0;
		a->b[parts++] = (uint8_t)v;
		v = digits = 0;
		dot = dot || i < n;
	}
	return dot ? parts : 0;
}

/* A client word as an address: ADDR (itself), ADDR/LEN, or leading IPv4
 * parts. 1: it is one; 0: it is text to search; -1: ADDR/ with a bad LEN
 * (*why says so). */
static int client_net(const char *s, uint8_t *bits, struct fsc_addr *a, const char **why)
{
	size_t n = strlen(s), an = strcspn(s, "/");
	unsigned max;

	if (fsc_addr_parse4(s, an, a))
		max = 32;
	else if (fsc_addr_parse6(s, an, a))
		max = 128;
	else if (an == n && (max = ipv4_parts(s, n, a)) != 0)
		max *= 8;
	else
		return 0;
	*bits = (uint8_t)max;
	if (an == n)
		return 1;
	unsigned len = 0;
	size_t i = an + 1;
	for (; i < n && i < an + 4 && s[i] >= '0' && s[i] <= '9'; i++)
		len = len * 10 + (unsigned)(s[i] - '0');
	if (i == an + 1 || i != n || len > max) {
		*why = max == 32 ? "a network is ADDR/LEN with LEN 0 to 32"
				 : "a network is ADDR/LEN with LEN 0 to 128";
		return -1;
	}
	*bits = (uint8_t)len;
	return 1;
}

bool tui_filter_set(struct tui_filter *f, const char *s, const char **why)
{
	struct tui_filter nf;
	const char *p = s ? s : "";

	memset(&nf, 0, sizeof(nf));
	snprintf(nf.text, sizeof(nf.text), "%s", p);
	while (*p) {
		while (*p == ' ')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, " ");
		if (nf.n == TUI_FILTER_WORDS) {
			*why = "too many words (at most 8)";
			return false;
		}
		const char *w = p, *colon = memchr(p, ':', len);
		size_t wl = len;
		int field = F_ANY;
		bool neg = false;
		if (*w == '!') {
			neg = true;
			w++;
			wl--;
		}
		colon = wl ? memchr(w, ':', wl) : NULL;
		if (colon) {
			size_t fl = (size_t)(colon - w);
			field = -1;
			for (int i = 1; i < F_COUNT; i++)
				if (fsc_span_ieq(w, fl, field_names[i]))
					field = i;
			/* An address with colons is no field name: search it. */
			if (field < 0 && fl > 0 && fl <= 4 && memchr(colon + 1, ':', wl - fl - 1))
				field = F_ANY;
			else if (field < 0) {
				*why = "unknown field (client, host, path, status, asn, country, "
				       "method, rule, name)";
				return false;
			} else {
				wl -= fl + 1;
				w = colon + 1;
			}
		}
		nf.w[nf.n].field = field;
		nf.w[nf.n].negate = neg;
		size_t k = 0;
		for (size_t i = 0; i < wl && k + 1 < sizeof(nf.w[0].s); i++)
			nf.w[nf.n].s[k++] = fsc_ascii_lower(w[i]);
		nf.w[nf.n].s[k] = '\0';
		/* status:4xx is status:4 */
		if (field == F_STATUS)
			while (k && nf.w[nf.n].s[k - 1] == 'x')
				nf.w[nf.n].s[--k] = '\0';
		if (field == F_ASN && k >= 2 && nf.w[nf.n].s[0] == 'a' && nf.w[nf.n].s[1] == 's')
			memmove(nf.w[nf.n].s, nf.w[nf.n].s + 2, k - 1);
		if (field == F_CLIENT || field == F_ANY) {
			int net = client_net(nf.w[nf.n].s, &nf.w[nf.n].net_bits, &nf.w[nf.n].net,
					     why);
			if (net < 0 && field == F_CLIENT)
				return false;
			nf.w[nf.n].has_net = net > 0;
		}
		nf.n++;
		p += len;
	}
	*f = nf;
	return true;
}

/* Case-insensitive search of needle (lower case) in hay[0..len). */
static bool contains(const char *hay, size_t len, const char *needle)
{
	size_t nl = strlen(needle);

	if (nl == 0)
		return true;
	for (size_t i = 0; i + nl <= len; i++) {
		size_t k = 0;
		while (k < nl && fsc_ascii_lower(hay[i + k]) == needle[k])
			k++;
		if (k == nl)
			return true;
	}
	return false;
}

/* The text of a field of an item: its length, or -1 when the table has no
 * such field. */
static long field_text(struct tui_model *m, enum tui_table t, const void *item, int field,
		       char *buf, size_t cap)
{
	char s[FSC_ADDR_STRLEN];

	switch (t) {
	case TUI_T_REQUESTS: {
		const struct tui_request *r = item;
		switch (field) {
		case F_CLIENT:
			return r->client.family ? (long)tui_put(buf, cap, "%s", fsc_addr_str(&r->client, s)) : 0;
		case F_HOST:
			memcpy(buf, r->host, r->host_len);
			return (long)r->host_len;
		case F_PATH:
			memcpy(buf, r->path, r->path_len);
			return (long)r->path_len;
		case F_STATUS:
			return r->status ? (long)tui_put(buf, cap, "%d", r->status) : 0;
		case F_ASN:
			return r->asn ? (long)tui_put(buf, cap, "%" PRIu32, r->asn) : 0;
		case F_COUNTRY:
			return (long)tui_put(buf, cap, "%s", r->country);
		case F_METHOD:
			memcpy(buf, r->method, r->method_len);
			return (long)r->method_len;
		case F_RULE:
			return (long)tui_put(buf, cap, "%s", fsc_client_rule_name(r->rule));
		case F_NAME:
			return (long)tui_rdns_text(m, &r->client, buf, cap);
		default:
			return -1;
		}
	}
	case TUI_T_CLIENTS: {
		const struct fsc_agg_client *c = item;
		switch (field) {
		case F_CLIENT:
			return (long)tui_put(buf, cap, "%s", fsc_addr_str(&c->addr, s));
		case F_ASN:
			return c->asn ? (long)tui_put(buf, cap, "%" PRIu32, c->asn) : 0;
		case F_COUNTRY:
			return (long)tui_put(buf, cap, "%s", c->country);
		case F_RULE:
			return (long)tui_put(buf, cap, "%s", fsc_client_rule_name(c->rule));
		case F_NAME:
			return (long)tui_rdns_text(m, &c->addr, buf, cap);
		default:
			return -1;
		}
	}
	case TUI_T_HOSTS: {
		const struct fsc_agg_host *h = item;
		return field == F_HOST ? (long)tui_put(buf, cap, "%s", h->name) : -1;
	}
	case TUI_T_PEERS: {
		const struct fsc_wg_peer *p = item;
		if (field != F_CLIENT)
			return -1;
		size_t n = tui_endpoint_text(&p->ep[0].addr, p->ep[0].port, buf, cap);
		if (n + 2 < cap) {
			buf[n++] = ' ';
			n += tui_endpoint_text(&p->ep[1].addr, p->ep[1].port, buf + n, cap - n);
		}
		return (long)n;
	}
	case TUI_T_SESSIONS: {
		const struct fsc_wg_session *se = item;
		if (field != F_CLIENT)
			return -1;
		size_t n = tui_endpoint_text(&se->ep[0].addr, se->ep[0].port, buf, cap);
		if (n + 2 < cap) {
			buf[n++] = ' ';
			n += tui_endpoint_text(&se->ep[1].addr, se->ep[1].port, buf + n, cap - n);
		}
		return (long)n;
	}
	case TUI_T_ENDPOINTS: {
		const struct fsc_agg_endpoint *e = item;
		if (field != F_CLIENT)
			return -1;
		size_t n = tui_endpoint_text(&e->addr[0], e->port[0], buf, cap);
		if (n + 2 < cap) {
			buf[n++] = ' ';
			n += tui_endpoint_text(&e->addr[1], e->port[1], buf + n, cap - n);
		}
		return (long)n;
	}
	default:
		return -1;
	}
}

/* The client addresses of an item (a tunnel row has two): how many, or
 * -1 when the table has no client field. */
static int client_addrs(enum tui_table t, const void *item, const struct fsc_addr *a[2])
{
	switch (t) {
	case TUI_T_REQUESTS:
		a[0] = &((const struct tui_request *)item)->client;
		return a[0]->family ? 1 : 0;
	case TUI_T_CLIENTS:
		a[0] = &((const struct fsc_agg_client *)item)->addr;
		return 1;
	case TUI_T_PEERS:
		a[0] = &((const struct fsc_wg_peer *)item)->ep[0].addr;
		a[1] = &((const struct fsc_wg_peer *)item)->ep[1].addr;
		return 2;
	case TUI_T_SESSIONS:
		a[0] = &((const struct fsc_wg_session *)item)->ep[0].addr;
		a[1] = &((const struct fsc_wg_session *)item)->ep[1].addr;
		return 2;
	case TUI_T_ENDPOINTS:
		a[0] = &((const struct fsc_agg_endpoint *)item)->addr[0];
		a[1] = &((const struct fsc_agg_endpoint *)item)->addr[1];
		return 2;
	default:
		return -1;
	}
}

static bool in_net(const struct fsc_addr *a, const struct fsc_addr *net, unsigned bits)
{
	if (a->family != net->family)
		return false;
	if (memcmp(a->b, net->b, bits / 8) != 0)
		return false;
	if (bits % 8 == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - bits % 8));
	return ((a->b[bits / 8] ^ net->b[bits / 8]) & mask) == 0;
}

/* A client network word: 1, 0, or -1 without a client field. */
static int net_match(enum tui_table t, const void *item, const struct fsc_addr *net,
		     unsigned bits)
{
	const struct fsc_addr *a[2];
	int n = client_addrs(t, item, a);

	for (int i = 0; i < n; i++)
		if (in_net(a[i], net, bits))
			return 1;
	return n < 0 ? -1 : 0;
}

/* 1: the word matches, 0: it does not, -1: the table has no such field. */
static int word_match(struct tui_model *m, enum tui_table t, const void *item, int field,
		       const char *w, const struct fsc_addr *net, unsigned net_bits)
{
	char buf[CELL_MAX];
	long n;

	if (net && field == F_CLIENT)
		return net_match(t, item, net, net_bits);
	if (field == F_ANY) {
		bool any_field = false;
		for (int f = 1; f < F_COUNT; f++) {
			/* Names cost a cache lookup a row: only when asked. */
			if (f == F_NAME && t == TUI_T_REQUESTS)
				continue;
			if (f == F_CLIENT && net) {
				int hit = net_match(t, item, net, net_bits);
				if (hit > 0)
					return 1;
				any_field = any_field || hit == 0;
				continue;
			}
			n = field_text(m, t, item, f, buf, sizeof(buf));
			if (n < 0)
				continue;
			any_field = true;
			if (f == F_ASN && n > 0) {
				char as[CELL_MAX];
				int k = snprintf(as, sizeof(as), "as%.*s", (int)n, buf);
				if (contains(as, (size_t)k, w))
					return true;
				continue;
			}
			if (contains(buf, (size_t)n, w))
				return true;
		}
		return any_field ? 0 : -1;
	}
	n = field_text(m, t, item, field, buf, sizeof(buf));
	if (n < 0)
		return -1;
	if (field == F_STATUS)
		return strlen(w) <= (size_t)n && memcmp(buf, w, strlen(w)) == 0;
	if (field == F_ASN)
		return strlen(w) == (size_t)n && memcmp(buf, w, (size_t)n) == 0;
	return contains(buf, (size_t)n, w);
}

static bool passes(struct tui_model *m, enum tui_table t, const void *item,
		   const struct tui_filter *f)
{
	for (size_t i = 0; f && i < f->n; i++) {
		int hit = word_match(m, t, item, f->w[i].field, f->w[i].s,
				     f->w[i].has_net ? &f->w[i].net : NULL, f->w[i].net_bits);
		if (hit >= 0 && (hit == 1) == f->w[i].negate)
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------- sorting */

static const char *const sorts[TUI_T_COUNT][6] = {
	[TUI_T_REQUESTS] = { "newest", "latency", "status", "client", "host", NULL },
	[TUI_T_CLIENTS] = { "requests", "bytes", "last seen", "newest", "address", NULL },
	[TUI_T_PEERS] = { "peer", "last seen", "traffic", NULL },
	[TUI_T_SESSIONS] = { "session", NULL },
	[TUI_T_ENDPOINTS] = { "last seen", NULL },
	[TUI_T_HOSTS] = { "requests", "name", "mismatches", "latency", NULL },
};

size_t tui_table_sorts(enum tui_table t)
{
	size_t n = 0;

	while (n < 6 && sorts[t][n])
		n++;
	return n;
}

const char *tui_table_sort_name(enum tui_table t, unsigned sort)
{
	return sort < tui_table_sorts(t) ? sorts[t][sort] : "?";
}

/* qsort has no context: the sort in progress (one thread). */
static unsigned sort_key;

#define CMP(a, b) (((a) > (b)) - ((a) < (b)))

static int cmp_requests(const void *x, const void *y)
{
	const struct tui_request *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = 0;

	switch (sort_key) {
	case 1:
		c = CMP(b->status ? b->latency_ns : -1, a->status ? a->latency_ns : -1);
		break;
	case 2:
		c = CMP(b->status, a->status);
		break;
	case 3:
		c = memcmp(&a->client, &b->client, sizeof(a->client));
		break;
	case 4:
		c = memcmp(a->host, b->host, sizeof(a->host));
		break;
	default:
		break;
	}
	return c ? c : CMP(b->seq, a->seq);
}

static int cmp_clients(const void *x, const void *y)
{
	const struct fsc_agg_client *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = 0;

	switch (sort_key) {
	case 0:
		c = CMP(b->requests, a->requests);
		break;
	case 1:
		c = CMP(b->bytes, a->bytes);
		break;
	case 2:
		c = CMP(b->last_ns, a->last_ns);
		break;
	case 3:
		c = CMP(b->first_ns, a->first_ns);
		break;
	default:
		break;
	}
	return c ? c : memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

static int cmp_peers(const void *x, const void *y)
{
	const struct fsc_wg_peer *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = 0;

	if (sort_key == 1)
		c = CMP(b->last_ns, a->last_ns);
	else if (sort_key == 2)
		c = CMP(b->bytes[0] + b->bytes[1], a->bytes[0] + a->bytes[1]);
	return c ? c : CMP(a->id, b->id);
}

static int cmp_sessions(const void *x, const void *y)
{
	const struct fsc_wg_session *a = *(const void *const *)x, *b = *(const void *const *)y;

	return CMP(a->id, b->id);
}

static int cmp_endpoints(const void *x, const void *y)
{
	const struct fsc_agg_endpoint *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = CMP(b->last_ns, a->last_ns);

	if (!c)
		c = memcmp(a->addr, b->addr, sizeof(a->addr));
	return c ? c : CMP(a->port[0], b->port[0]);
}

static int cmp_hosts(const void *x, const void *y)
{
	const struct fsc_agg_host *a = *(const void *const *)x, *b = *(const void *const *)y;
	int c = 0;

	switch (sort_key) {
	case 0:
		c = CMP(b->requests + b->sni + b->ingress, a->requests + a->sni + a->ingress);
		break;
	case 2:
		c = CMP(b->mismatches, a->mismatches);
		break;
	case 3:
		c = CMP(tui_host_percentile(b, 0.5), tui_host_percentile(a, 0.5));
		break;
	default:
		break;
	}
	return c ? c : strcmp(a->name, b->name);
}

static int (*const comparators[TUI_T_COUNT])(const void *, const void *) = {
	[TUI_T_REQUESTS] = cmp_requests, [TUI_T_CLIENTS] = cmp_clients,
	[TUI_T_PEERS] = cmp_peers,	 [TUI_T_SESSIONS] = cmp_sessions,
	[TUI_T_ENDPOINTS] = cmp_endpoints, [TUI_T_HOSTS] = cmp_hosts,
};

/* ---------------------------------------------------------------- rows */

void tui_rows_init(struct tui_rows *r)
{
	memset(r, 0, sizeof(*r));
}

void tui_rows_free(struct tui_rows *r)
{
	free(r->items);
	free(r->tmp);
	memset(r, 0, sizeof(*r));
}

static bool reserve(struct tui_rows *r, size_t n)
{
	if (n <= r->cap)
		return true;
	size_t cap = r->cap ? r->cap : 64;
	while (cap < n)
		cap *= 2;
	const void **ni = realloc(r->items, cap * sizeof(*ni));
	if (!ni)
		return false;
	r->items = ni;
	r->cap = cap;
	return true;
}

static bool reserve_tmp(struct tui_rows *r, size_t n)
{
	if (n <= r->tmp_cap)
		return true;
	const void **nb = realloc(r->tmp, n * sizeof(*nb));
	if (!nb)
		return false;
	r->tmp = nb;
	r->tmp_cap = n;
	return true;
}

static bool add(struct tui_rows *r, struct tui_model *m, const struct tui_filter *f,
		const void *item)
{
	r->total++;
	if (!passes(m, r->table, item, f))
		return true;
	if (!reserve(r, r->n + 1))
		return false;
	r->items[r->n++] = item;
	return true;
}

bool tui_rows_build(struct tui_rows *r, enum tui_table t, struct tui_model *m,
		    const struct tui_filter *f, unsigned sort, uint64_t max_seq)
{
	const struct fsc_wg_tracker *wg = tui_model_wg(m);
	bool ok = true;

	r->table = t;
	r->n = 0;
	r->total = 0;
	switch (t) {
	case TUI_T_REQUESTS: {
		uint64_t last = tui_model_last_seq(m);
		if (max_seq && max_seq < last)
			last = max_seq;
		for (uint64_t s = tui_model_first_seq(m); s && s <= last && ok; s++) {
			const struct tui_request *q = tui_model_request(m, s);
			if (q)
				ok = add(r, m, f, q);
		}
		break;
	}
	case TUI_T_CLIENTS:
	case TUI_T_HOSTS:
	case TUI_T_ENDPOINTS: {
		size_t n = t == TUI_T_CLIENTS ? tui_model_client_count(m)
			   : t == TUI_T_HOSTS ? tui_model_host_count(m)
					      : tui_model_endpoint_count(m);
		if (!reserve_tmp(r, n))
			return false;
		/* The scratch is read back through the type it was written with. */
		if (t == TUI_T_CLIENTS) {
			const struct fsc_agg_client **v = (void *)r->tmp;
			n = tui_model_clients(m, v, n);
			for (size_t i = 0; i < n && ok; i++)
				ok = add(r, m, f, v[i]);
		} else if (t == TUI_T_HOSTS) {
			const struct fsc_agg_host **v = (void *)r->tmp;
			n = tui_model_hosts(m, v, n);
			for (size_t i = 0; i < n && ok; i++)
				ok = add(r, m, f, v[i]);
		} else {
			const struct fsc_agg_endpoint **v = (void *)r->tmp;
			n = tui_model_endpoints(m, v, n);
			for (size_t i = 0; i < n && ok; i++)
				ok = add(r, m, f, v[i]);
		}
		break;
	}
	case TUI_T_PEERS:
	case TUI_T_SESSIONS: {
		if (!wg)
			break;
		const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(wg);
		size_t n = t == TUI_T_PEERS ? (size_t)(ws->peers - ws->peers_evicted)
					    : (size_t)(ws->sessions - ws->sessions_evicted);
		if (!reserve_tmp(r, n))
			return false;
		if (t == TUI_T_PEERS) {
			const struct fsc_wg_peer **v = (void *)r->tmp;
			n = fsc_wg_peers(wg, v, n);
			for (size_t i = 0; i < n && ok; i++)
				ok = add(r, m, f, v[i]);
		} else {
			const struct fsc_wg_session **v = (void *)r->tmp;
			n = fsc_wg_sessions(wg, v, n);
			for (size_t i = 0; i < n && ok; i++)
				ok = add(r, m, f, v[i]);
		}
		break;
	}
	default:
		break;
	}
	if (!ok) {
		r->n = 0;
		return false;
	}
	sort_key = sort < tui_table_sorts(t) ? sort : 0;
	if (r->n > 1)
		qsort(r->items, r->n, sizeof(*r->items), comparators[t]);
	return true;
}

