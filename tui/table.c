/* table.c - the model as table cells for the screen and the dump: views,
 * columns, cells and row marks (see table.h). Strings from packets are
 * escaped on their way out of here and fmt.c, nowhere else. */
#include "table.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/enrich.h"
#include "tui_int.h"

static const char *const view_names[TUI_V_COUNT] = {
	"Requests", "Clients", "Tunnel", "Hosts", "Detail",
};

const char *tui_view_name(enum tui_view v)
{
	return (unsigned)v < TUI_V_COUNT ? view_names[v] : "?";
}

static const char *const table_titles[TUI_T_COUNT] = {
	[TUI_T_REQUESTS] = "Requests",
	[TUI_T_CLIENTS] = "Clients",
	[TUI_T_PEERS] = "WireGuard peers",
	[TUI_T_SESSIONS] = "WireGuard sessions",
	[TUI_T_ENDPOINTS] = "Disco and STUN",
	[TUI_T_HOSTS] = "Hosts",
};

const char *tui_table_title(enum tui_table t)
{
	return (unsigned)t < TUI_T_COUNT ? table_titles[t] : "?";
}

/* ---------------------------------------------------------------- columns */

/* Column ids per table, in display order; cell() switches on them.
 * { title, min, pref, dump, prio, right, weight } */
enum {
	RQ_TIME, RQ_CLIENT, RQ_CC, RQ_AS, RQ_NAME, RQ_METHOD, RQ_HOST, RQ_PATH, RQ_STATUS,
	RQ_LATENCY, RQ_BYTES, RQ_STAGES,
};
static const struct tui_col requests_cols[] = {
	[RQ_TIME] = { "TIME", 8, 8, 12, 0, false, 0 },
	[RQ_CLIENT] = { "CLIENT", 15, 39, 24, 0, false, 2 },
	[RQ_CC] = { "CC", 2, 2, 2, 3, false, 0 },
	[RQ_AS] = { "AS", 7, 8, 8, 4, false, 0 },
	[RQ_NAME] = { "NAME", 10, 40, 30, 5, false, 1 },
	[RQ_METHOD] = { "METHOD", 6, 7, 7, 1, false, 0 },
	[RQ_HOST] = { "HOST", 16, 64, 24, 0, false, 3 },
	[RQ_PATH] = { "PATH", 16, 250, 28, 0, false, 4 },
	[RQ_STATUS] = { "ST", 3, 3, 3, 0, true, 0 },
	[RQ_LATENCY] = { "LATENCY", 7, 8, 8, 0, true, 0 },
	[RQ_BYTES] = { "BYTES", 5, 6, 7, 2, true, 0 },
	[RQ_STAGES] = { "STAGES", TUI_BAR_WIDTH, TUI_BAR_WIDTH, 6, 5, false, 0 },
};

enum {
	CL_NEW, CL_CLIENT, CL_CC, CL_AS, CL_REQS, CL_BYTES, CL_2XX, CL_3XX, CL_4XX, CL_5XX,
	CL_LAST, CL_RULE, CL_ORG, CL_NAME,
};
static const struct tui_col clients_cols[] = {
	[CL_NEW] = { "N", 1, 1, 1, 0, false, 0 },
	[CL_CLIENT] = { "CLIENT", 15, 39, 39, 0, false, 2 },
	[CL_CC] = { "CC", 2, 2, 2, 1, false, 0 },
	[CL_AS] = { "AS", 7, 8, 8, 1, false, 0 },
	[CL_REQS] = { "REQS", 5, 6, 6, 0, true, 0 },
	[CL_BYTES] = { "BYTES", 5, 6, 7, 1, true, 0 },
	[CL_2XX] = { "2XX", 3, 4, 4, 2, true, 0 },
	[CL_3XX] = { "3XX", 3, 4, 4, 3, true, 0 },
	[CL_4XX] = { "4XX", 3, 4, 4, 2, true, 0 },
	[CL_5XX] = { "5XX", 3, 4, 4, 1, true, 0 },
	[CL_LAST] = { "LAST", 5, 5, 5, 0, true, 0 },
	[CL_RULE] = { "RULE", 11, 11, 11, 4, false, 0 },
	[CL_ORG] = { "ORG", 8, 32, 24, 3, false, 1 },
	[CL_NAME] = { "NAME", 10, 250, 40, 2, false, 2 },
};

enum {
	PE_ID, PE_A, PE_B, PE_NAME, PE_HS, PE_LASTHS, PE_AB, PE_BA, PE_KA, PE_HEALTH,
};
static const struct tui_col peers_cols[] = {
	[PE_ID] = { "PEER", 4, 4, 4, 0, true, 0 },
	[PE_A] = { "ENDPOINT-A", 19, 47, 28, 0, false, 1 },
	[PE_B] = { "ENDPOINT-B", 19, 47, 28, 0, false, 1 },
	[PE_NAME] = { "NAME", 8, 40, 30, 3, false, 1 },
	[PE_HS] = { "HS", 3, 4, 4, 3, true, 0 },
	[PE_LASTHS] = { "LAST-HS", 7, 7, 7, 0, true, 0 },
	[PE_AB] = { "A>B/s", 7, 7, 7, 2, true, 0 },
	[PE_BA] = { "B>A/s", 7, 7, 7, 2, true, 0 },
	[PE_KA] = { "KEEPALIVE", 9, 9, 9, 3, false, 0 },
	[PE_HEALTH] = { "HEALTH", 11, 200, 20, 0, false, 2 },
};

enum {
	SE_ID, SE_PEER, SE_INIT, SE_RESP, SE_RTT, SE_AGE, SE_LAST, SE_IR, SE_RI, SE_KA,
};
static const struct tui_col sessions_cols[] = {
	[SE_ID] = { "ID", 3, 4, 4, 0, true, 0 },
	[SE_PEER] = { "PEER", 4, 4, 4, 1, true, 0 },
	[SE_INIT] = { "INITIATOR", 21, 57, 40, 0, false, 1 },
	[SE_RESP] = { "RESPONDER", 21, 57, 40, 0, false, 1 },
	[SE_RTT] = { "HS-RTT", 7, 8, 8, 1, true, 0 },
	[SE_AGE] = { "AGE", 5, 5, 5, 0, true, 0 },
	[SE_LAST] = { "LAST", 5, 5, 5, 2, true, 0 },
	[SE_IR] = { "I>R", 5, 7, 7, 2, true, 0 },
	[SE_RI] = { "R>I", 5, 7, 7, 2, true, 0 },
	[SE_KA] = { "KEEPALIVE", 9, 9, 9, 3, false, 0 },
};

enum {
	EP_A, EP_B, EP_NAME, EP_DISCO, EP_SREQ, EP_SRESP, EP_MAPPED, EP_LAST,
};
static const struct tui_col endpoints_cols[] = {
	[EP_A] = { "ENDPOINT-A", 21, 47, 28, 0, false, 1 },
	[EP_B] = { "ENDPOINT-B", 21, 47, 28, 0, false, 1 },
	[EP_NAME] = { "NAME", 8, 40, 30, 3, false, 1 },
	[EP_DISCO] = { "DISCO", 5, 6, 6, 0, true, 0 },
	[EP_SREQ] = { "STUN>", 5, 6, 6, 1, true, 0 },
	[EP_SRESP] = { "STUN<", 5, 6, 6, 1, true, 0 },
	[EP_MAPPED] = { "MAPPED", 21, 47, 28, 2, false, 1 },
	[EP_LAST] = { "LAST", 5, 5, 5, 0, true, 0 },
};

enum {
	HO_NAME, HO_SNI, HO_HDR, HO_INGR, HO_REQS, HO_2XX, HO_3XX, HO_4XX, HO_5XX, HO_P50,
	HO_P90, HO_P99, HO_TTFB, HO_MISM, HO_LAST,
};
static const struct tui_col hosts_cols[] = {
	[HO_NAME] = { "HOST", 20, 128, 40, 0, false, 1 },
	[HO_SNI] = { "SNI", 4, 5, 5, 1, true, 0 },
	[HO_HDR] = { "HOST#", 5, 5, 5, 1, true, 0 },
	[HO_INGR] = { "INGR", 4, 5, 5, 2, true, 0 },
	[HO_REQS] = { "REQS", 5, 6, 6, 0, true, 0 },
	[HO_2XX] = { "2XX", 3, 4, 4, 2, true, 0 },
	[HO_3XX] = { "3XX", 3, 4, 4, 3, true, 0 },
	[HO_4XX] = { "4XX", 3, 4, 4, 2, true, 0 },
	[HO_5XX] = { "5XX", 3, 4, 4, 1, true, 0 },
	[HO_P50] = { "P50", 7, 8, 8, 0, true, 0 },
	[HO_P90] = { "P90", 7, 8, 8, 1, true, 0 },
	[HO_P99] = { "P99", 7, 8, 8, 3, true, 0 },
	[HO_TTFB] = { "TTFB", 7, 8, 8, 2, true, 0 },
	[HO_MISM] = { "MISM", 4, 4, 4, 0, true, 0 },
	[HO_LAST] = { "LAST", 5, 5, 5, 1, true, 0 },
};

#define COLS(a) a, sizeof(a) / sizeof(a[0])
static const struct {
	const struct tui_col *cols;
	size_t n;
} tables[TUI_T_COUNT] = {
	[TUI_T_REQUESTS] = { COLS(requests_cols) },
	[TUI_T_CLIENTS] = { COLS(clients_cols) },
	[TUI_T_PEERS] = { COLS(peers_cols) },
	[TUI_T_SESSIONS] = { COLS(sessions_cols) },
	[TUI_T_ENDPOINTS] = { COLS(endpoints_cols) },
	[TUI_T_HOSTS] = { COLS(hosts_cols) },
};

const struct tui_col *tui_table_cols(enum tui_table t, size_t *n)
{
	*n = tables[t].n;
	return tables[t].cols;
}

const struct tui_col *tui_table_cols_shown(struct tui_model *m, enum tui_table t, size_t *n)
{
	const struct tui_col *c = tui_table_cols(t, n);

	/* No correlation seen (one vantage point): no column of dashes. */
	if (t == TUI_T_REQUESTS && !tui_model_stories(m))
		*n = RQ_STAGES;
	return c;
}

/* ---------------------------------------------------------------- layout */

/* Hides shown columns of the highest prio >= floor, right to left, while
 * need + reserve > width; returns the new need. */
static int hide(const struct tui_col *cols, size_t n, int width, int reserve, int floor,
		int *w, int need)
{
	int maxprio = 0;

	for (size_t i = 0; i < n; i++)
		if (cols[i].prio > maxprio)
			maxprio = cols[i].prio;
	for (int p = maxprio; p >= floor && p > 0 && need + reserve > width; p--)
		for (size_t i = n; i-- > 0 && need + reserve > width;)
			if (cols[i].prio == p && w[i]) {
				need -= w[i] + 1;
				w[i] = 0;
			}
	return need;
}

void tui_layout(const struct tui_col *cols, size_t n, int width, int *w)
{
	int need = -1, reserve = 0;

	for (size_t i = 0; i < n; i++) {
		w[i] = cols[i].min;
		need += cols[i].min + 1;
		if (cols[i].prio < TUI_PRIO_EXTRA)
			reserve += cols[i].weight;
	}
	/* Extras make room for the growing columns that are no extras;
	 * anything goes for the minimums. */
	need = hide(cols, n, width, reserve, TUI_PRIO_EXTRA, w, need);
	need = hide(cols, n, width, 0, 1, w, need);
	int extra = width - need;
	for (size_t i = 0; i < n && extra > 0; i++) {
		if (!w[i] || cols[i].weight)
			continue;
		int grow = cols[i].pref - w[i] < extra ? cols[i].pref - w[i] : extra;
		if (grow > 0) {
			w[i] += grow;
			extra -= grow;
		}
	}
	/* Shares by weight; the remainder a column at a time, heaviest first.
	 * Each round gives at least one column or stops. */
	while (extra > 0) {
		int total = 0, given = 0;
		for (size_t i = 0; i < n; i++)
			if (w[i] && cols[i].weight && w[i] < cols[i].pref)
				total += cols[i].weight;
		if (!total)
			break;
		for (size_t i = 0; i < n; i++) {
			if (!w[i] || !cols[i].weight || w[i] >= cols[i].pref)
				continue;
			int grow = extra * cols[i].weight / total;
			if (grow > cols[i].pref - w[i])
				grow = cols[i].pref - w[i];
			w[i] += grow;
			given += grow;
		}
		if (!given) {
			size_t best = n;
			for (size_t i = 0; i < n; i++)
				if (w[i] && cols[i].weight && w[i] < cols[i].pref &&
				    (best == n || cols[i].weight > cols[best].weight))
					best = i;
			w[best]++;
			given = 1;
		}
		extra -= given;
	}
}

/* ---------------------------------------------------------------- cells */

/* The dump's latency: milliseconds to the microsecond. */
static size_t ms3(int64_t ns, char *buf, size_t cap)
{
	return tui_put(buf, cap, "%.3fms", (double)ns / 1e6);
}

static size_t num(uint64_t v, bool dump, char *buf, size_t cap)
{
	return dump ? tui_put(buf, cap, "%" PRIu64, v) : tui_fmt_count(v, buf, cap);
}


static size_t request_cell(struct tui_model *m, const struct tui_request *r, size_t col,
			   bool dump, char *buf, size_t cap)
{
	switch (col) {
	case RQ_TIME:
		return tui_fmt_time(r->ts_ns, dump, buf, cap);
	case RQ_CLIENT:
		return tui_addr_text(&r->client, buf, cap);
	case RQ_CC:
		return tui_escaped(r->country, strlen(r->country), buf, cap);
	case RQ_AS:
		return r->asn ? tui_put(buf, cap, "AS%" PRIu32, r->asn) : tui_dash(buf, cap);
	case RQ_NAME:
		return tui_rdns_text(m, &r->client, buf, cap);
	case RQ_METHOD:
		return tui_escaped(r->method, r->method_len, buf, cap);
	case RQ_HOST:
		return tui_escaped(r->host, r->host_len, buf, cap);
	case RQ_PATH: {
		size_t n = tui_escaped(r->path, r->path_len, buf, cap);
		if (r->path_cut && n + 4 < cap)
			n += tui_put(buf + n, cap - n, "...");
		return n;
	}
	case RQ_STATUS:
		return r->status ? tui_put(buf, cap, "%d", r->status) : tui_dash(buf, cap);
	case RQ_LATENCY:
		if (!r->status)
			return tui_dash(buf, cap);
		return dump ? ms3(r->latency_ns, buf, cap) : tui_fmt_ms(r->latency_ns, buf, cap);
	case RQ_STAGES:
		if (!r->story_id)
			return tui_dash(buf, cap);
		return dump ? tui_stage_figures(r->stretch, buf, cap)
			    : tui_stage_bar(r->stretch, TUI_BAR_WIDTH, buf, cap);
	case RQ_BYTES:
		if (r->resp_chunked)
			return tui_put(buf, cap, dump ? "chunked" : "chunk");
		return r->resp_body >= 0 ? (dump ? tui_put(buf, cap, "%" PRId64, r->resp_body)
						 : tui_fmt_bytes((uint64_t)r->resp_body, buf, cap))
					 : tui_dash(buf, cap);
	default:
		return tui_dash(buf, cap);
	}
}

static size_t client_cell(struct tui_model *m, const struct tui_client *c, size_t col, bool dump,
			  char *buf, size_t cap)
{
	switch (col) {
	case CL_NEW:
		return tui_put(buf, cap, "%s", tui_model_client_is_new(m, c) ? "*" : "");
	case CL_CLIENT:
		return tui_addr_text(&c->addr, buf, cap);
	case CL_CC:
		return tui_escaped(c->country, strlen(c->country), buf, cap);
	case CL_AS:
		return c->asn ? tui_put(buf, cap, "AS%" PRIu32, c->asn) : tui_dash(buf, cap);
	case CL_REQS:
		return num(c->requests, dump, buf, cap);
	case CL_BYTES:
		return dump ? tui_put(buf, cap, "%" PRIu64, c->bytes) : tui_fmt_bytes(c->bytes, buf, cap);
	case CL_2XX:
	case CL_3XX:
	case CL_4XX:
	case CL_5XX:
		return num(c->status[2 + col - CL_2XX], dump, buf, cap);
	case CL_LAST:
		return tui_fmt_age(tui_model_now(m) - c->last_ns, buf, cap);
	case CL_RULE:
		return tui_put(buf, cap, "%s", fsc_client_rule_name(c->rule));
	case CL_ORG:
		return tui_escaped(c->as_org, strlen(c->as_org), buf, cap);
	case CL_NAME:
		return tui_rdns_text(m, &c->addr, buf, cap);
	default:
		return tui_dash(buf, cap);
	}
}

static size_t ka_text(const struct fsc_wg_flow *f, char *buf, size_t cap)
{
	if (!f->ka_gaps)
		return tui_dash(buf, cap);
	return tui_put(buf, cap, "%.1fs", (double)f->ka_gap_sum_ns / (double)f->ka_gaps / 1e9);
}

static size_t ka_pair(const struct fsc_wg_flow *a, const struct fsc_wg_flow *b, char *buf,
		      size_t cap)
{
	size_t n = ka_text(a, buf, cap);
	if (n + 2 < cap) {
		buf[n++] = '/';
		n += ka_text(b, buf + n, cap - n);
	}
	return n;
}

static size_t rate_text(double v, bool valid, char *buf, size_t cap)
{
	if (!valid)
		return tui_dash(buf, cap);
	return tui_fmt_bytes((uint64_t)(v + 0.5), buf, cap);
}

static size_t peer_cell(struct tui_model *m, const struct fsc_wg_peer *p, size_t col, bool dump,
			char *buf, size_t cap)
{
	int64_t now = tui_model_now(m);
	struct tui_peer_rate rt;

	switch (col) {
	case PE_ID:
		return tui_put(buf, cap, "%" PRIu32, p->id);
	case PE_A:
		return tui_endpoint_text(&p->ep[0].addr, p->ep[0].port, buf, cap);
	case PE_B:
		return tui_endpoint_text(&p->ep[1].addr, p->ep[1].port, buf, cap);
	case PE_NAME: {
		size_t n = tui_tag_text(m, &p->ep[1].addr, buf, cap);
		if (strcmp(buf, "-") == 0)
			n = tui_tag_text(m, &p->ep[0].addr, buf, cap);
		return n;
	}
	case PE_HS:
		return num(p->responses, dump, buf, cap);
	case PE_LASTHS:
		return p->last_handshake_ns ? tui_fmt_age(now - p->last_handshake_ns, buf, cap)
					    : tui_dash(buf, cap);
	case PE_AB:
	case PE_BA:
		rt = tui_model_peer_rate(m, p->id);
		return rate_text(rt.bytes_s[col - PE_AB], rt.valid, buf, cap);
	case PE_KA: {
		const struct fsc_wg_session *s = tui_model_peer_session(m, p->id);
		if (!s)
			return tui_dash(buf, cap);
		/* Session direction 0 is initiator -> responder; show A>B first. */
		bool same = fsc_addr_eq(&s->ep[0].addr, &p->ep[0].addr) &&
			    s->ep[0].port == p->ep[0].port;
		return ka_pair(&s->dir[same ? 0 : 1], &s->dir[same ? 1 : 0], buf, cap);
	}
	case PE_HEALTH: {
		char why[160];
		enum fsc_wg_health h = fsc_wg_peer_health(p, now, why, sizeof(why));
		if (h == FSC_WG_OK || !why[0])
			return tui_put(buf, cap, "%s", fsc_wg_health_name(h));
		return tui_put(buf, cap, "%s: %s", fsc_wg_health_name(h), why);
	}
	default:
		return tui_dash(buf, cap);
	}
}

static size_t session_cell(struct tui_model *m, const struct fsc_wg_session *s, size_t col,
			   bool dump, char *buf, size_t cap)
{
	int64_t now = tui_model_now(m);
	char ep[FSC_ENDPOINT_STRLEN];

	switch (col) {
	case SE_ID:
		return tui_put(buf, cap, "%" PRIu32, s->id);
	case SE_PEER:
		return tui_put(buf, cap, "%" PRIu32, s->peer);
	case SE_INIT:
	case SE_RESP: {
		int k = col == SE_INIT ? 0 : 1;
		if (!s->ep[k].addr.family)
			return tui_dash(buf, cap);
		fsc_endpoint_str(&s->ep[k].addr, s->ep[k].port, ep);
		if (s->have_index[k])
			return tui_put(buf, cap, "%s#%08" PRIx32, ep, s->index[k]);
		return tui_put(buf, cap, "%s", ep);
	}
	case SE_RTT:
		if (!s->handshake)
			return tui_put(buf, cap, "%s", fsc_wg_session_seen(s));
		if (s->response_ns < s->initiation_ns)
			return tui_dash(buf, cap);
		return tui_fmt_ms(s->response_ns - s->initiation_ns, buf, cap);
	case SE_AGE:
		return tui_fmt_age(now - s->first_ns, buf, cap);
	case SE_LAST:
		return tui_fmt_age(now - s->last_ns, buf, cap);
	case SE_IR:
		return num(s->dir[0].packets, dump, buf, cap);
	case SE_RI:
		return num(s->dir[1].packets, dump, buf, cap);
	case SE_KA:
		return ka_pair(&s->dir[0], &s->dir[1], buf, cap);
	default:
		return tui_dash(buf, cap);
	}
}

static size_t endpoint_cell(struct tui_model *m, const struct tui_endpoint *e, size_t col,
			    bool dump, char *buf, size_t cap)
{
	switch (col) {
	case EP_A:
		return tui_endpoint_text(&e->addr[0], e->port[0], buf, cap);
	case EP_B:
		return e->addr[1].family ? tui_endpoint_text(&e->addr[1], e->port[1], buf, cap)
					 : tui_put(buf, cap, "local");
	case EP_NAME: {
		size_t n = tui_tag_text(m, &e->addr[0], buf, cap);
		if (strcmp(buf, "-") == 0 && e->addr[1].family)
			n = tui_tag_text(m, &e->addr[1], buf, cap);
		return n;
	}
	case EP_DISCO:
		return num(e->disco + e->tsdisco, dump, buf, cap);
	case EP_SREQ:
		return num(e->stun_req, dump, buf, cap);
	case EP_SRESP:
		return num(e->stun_resp, dump, buf, cap);
	case EP_MAPPED:
		return e->has_mapped ? tui_endpoint_text(&e->mapped, e->mapped_port, buf, cap)
				     : tui_dash(buf, cap);
	case EP_LAST:
		return tui_fmt_age(tui_model_now(m) - e->last_ns, buf, cap);
	default:
		return tui_dash(buf, cap);
	}
}

static size_t host_cell(struct tui_model *m, const struct tui_host *h, size_t col, bool dump,
			char *buf, size_t cap)
{
	switch (col) {
	case HO_NAME:
		return tui_escaped(h->name, strlen(h->name), buf, cap);
	case HO_SNI:
		return num(h->sni, dump, buf, cap);
	case HO_HDR:
		return num(h->host_hdr, dump, buf, cap);
	case HO_INGR:
		return num(h->ingress, dump, buf, cap);
	case HO_REQS:
		return num(h->requests, dump, buf, cap);
	case HO_2XX:
	case HO_3XX:
	case HO_4XX:
	case HO_5XX:
		return num(h->status[2 + col - HO_2XX], dump, buf, cap);
	case HO_P50:
	case HO_P90:
	case HO_P99:
	case HO_TTFB: {
		/* To the last byte, as fdecode --summary; TTFB: the p50 of the
		 * first byte. */
		static const double q[] = { 0.5, 0.9, 0.99, 0.5 };
		double p = q[col - HO_P50];
		int64_t v = col == HO_TTFB ? tui_host_percentile_first(h, p)
					   : tui_host_percentile(h, p);
		if (!h->last_byte.n)
			return tui_dash(buf, cap);
		return dump ? ms3(v, buf, cap) : tui_fmt_ms(v, buf, cap);
	}
	case HO_MISM:
		return num(h->mismatches, dump, buf, cap);
	case HO_LAST:
		return tui_fmt_age(tui_model_now(m) - h->last_ns, buf, cap);
	default:
		return tui_dash(buf, cap);
	}
}

size_t tui_cell(struct tui_model *m, enum tui_table t, const void *item, size_t col, bool dump,
		char *buf, size_t cap)
{
	buf[0] = '\0';
	switch (t) {
	case TUI_T_REQUESTS:
		return request_cell(m, item, col, dump, buf, cap);
	case TUI_T_CLIENTS:
		return client_cell(m, item, col, dump, buf, cap);
	case TUI_T_PEERS:
		return peer_cell(m, item, col, dump, buf, cap);
	case TUI_T_SESSIONS:
		return session_cell(m, item, col, dump, buf, cap);
	case TUI_T_ENDPOINTS:
		return endpoint_cell(m, item, col, dump, buf, cap);
	case TUI_T_HOSTS:
		return host_cell(m, item, col, dump, buf, cap);
	default:
		return 0;
	}
}

enum tui_mark tui_status_mark(int status)
{
	if (status == 0)
		return TUI_MARK_PENDING;
	if (status >= 500)
		return TUI_MARK_BAD;
	if (status >= 400)
		return TUI_MARK_WARN;
	if (status >= 200 && status < 300)
		return TUI_MARK_OK;
	return TUI_MARK_INFO;
}

enum tui_mark tui_row_mark(struct tui_model *m, enum tui_table t, const void *item)
{
	switch (t) {
	case TUI_T_REQUESTS: {
		const struct tui_request *r = item;
		return r->malformed ? TUI_MARK_BAD : tui_status_mark(r->status);
	}
	case TUI_T_CLIENTS: {
		const struct tui_client *c = item;
		if (tui_model_client_is_new(m, c))
			return TUI_MARK_NEW;
		return c->status[5] ? TUI_MARK_BAD : TUI_MARK_NONE;
	}
	case TUI_T_PEERS: {
		const struct fsc_wg_peer *p = item;
		char why[8];
		enum fsc_wg_health h = fsc_wg_peer_health(p, tui_model_now(m), why, sizeof(why));
		if (h == FSC_WG_OK)
			return TUI_MARK_OK;
		if (h == FSC_WG_NO_RESPONSE || h == FSC_WG_STALE_KEYS)
			return TUI_MARK_BAD;
		return TUI_MARK_WARN;
	}
	case TUI_T_HOSTS: {
		const struct tui_host *h = item;
		if (h->mismatches || h->status[5])
			return TUI_MARK_BAD;
		return h->status[4] ? TUI_MARK_WARN : TUI_MARK_NONE;
	}
	default:
		return TUI_MARK_NONE;
	}
}

