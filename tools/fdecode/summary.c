/* summary.c - the tables printed by --summary (text) or as JSON objects. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fdecode.h"
#include "fsc/counters.h"
#include "fsc/escape.h"
#include "fsc/jsonw.h"

#define TOP_ROWS 50

static double ms(int64_t ns)
{
	return (double)ns / 1e6;
}

static void clock_str(int64_t ns, char *buf, size_t len)
{
	time_t t = (time_t)(ns / 1000000000);
	struct tm tm;
	char hms[12];

	localtime_r(&t, &tm);
	strftime(hms, sizeof(hms), "%H:%M:%S", &tm);
	snprintf(buf, len, "%.8s.%03u", hms, (unsigned)((uint64_t)ns % 1000000000 / 1000000));
}

static int by_session_id(const void *a, const void *b)
{
	const struct fsc_wg_session *x = *(const struct fsc_wg_session *const *)a;
	const struct fsc_wg_session *y = *(const struct fsc_wg_session *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_peer_id(const void *a, const void *b)
{
	const struct fsc_wg_peer *x = *(const struct fsc_wg_peer *const *)a;
	const struct fsc_wg_peer *y = *(const struct fsc_wg_peer *const *)b;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Keepalive cadence of one direction: "10.0s" or "-". */
static void cadence(const struct fsc_wg_flow *f, char *buf, size_t len)
{
	if (f->ka_gaps == 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%.1fs", (double)f->ka_gap_sum_ns / (double)f->ka_gaps / 1e9);
}

struct tables {
	const struct fsc_wg_peer **peers;
	const struct fsc_wg_session **sessions;
	size_t n_peers, n_sessions;
};

static bool collect(const struct fsc_pipeline *pl, struct tables *t)
{
	const struct fsc_wg_tracker *wg = fsc_pipeline_wg(pl);
	const struct fsc_wg_stats *ws = fsc_wg_tracker_stats(wg);
	size_t np = ws->peers - ws->peers_evicted, ns = ws->sessions - ws->sessions_evicted;

	t->peers = malloc((np ? np : 1) * sizeof(*t->peers));
	t->sessions = malloc((ns ? ns : 1) * sizeof(*t->sessions));
	if (!t->peers || !t->sessions) {
		free(t->peers);
		free(t->sessions);
		return false;
	}
	t->n_peers = fsc_wg_peers(wg, t->peers, np);
	t->n_sessions = fsc_wg_sessions(wg, t->sessions, ns);
	qsort(t->peers, t->n_peers, sizeof(*t->peers), by_peer_id);
	qsort(t->sessions, t->n_sessions, sizeof(*t->sessions), by_session_id);
	return true;
}

static void text_capture(FILE *out, const struct fsc_pipeline_stats *st, unsigned files)
{
	char a[32], b[32];

	fputs("Capture\n", out);
	fprintf(out, "  files        %u\n", files);
	fprintf(out, "  packets      %" PRIu64 " (%" PRIu64 " bytes on the wire)\n",
		st->frames, st->bytes);
	if (st->frames) {
		clock_str(st->first_ns, a, sizeof(a));
		clock_str(st->last_ns, b, sizeof(b));
		fprintf(out, "  time         %s .. %s (%.3f s)\n", a, b,
			(double)(st->last_ns - st->first_ns) / 1e9);
	}
	fprintf(out, "  ip           %" PRIu64 " IPv4, %" PRIu64 " IPv6, %" PRIu64
		" not IP\n", st->ipv4, st->ipv6, st->events[FSC_EV_FRAME]);
}

static void text_messages(FILE *out, const struct fsc_pipeline_stats *st)
{
	static const char *const wg[] = { NULL, "initiation", "response", "cookie",
					  "transport", "keepalive" };
	static const char *const stun[] = { "request", "indication", "success", "error" };

	fputs("\nMessages\n", out);
	for (int i = 1; i <= 5; i++)
		fprintf(out, "  wg %-16s %10" PRIu64 "\n", wg[i], st->wg_msgs[i]);
	if (st->wg_under_load)
		fprintf(out, "  wg with mac2 (under load) %" PRIu64 "\n", st->wg_under_load);
	fprintf(out, "  disco (sealed)      %10" PRIu64 "\n", st->events[FSC_EV_DISCO]);
	for (int i = 0; i < 16; i++)
		if (st->tsdisco_types[i])
			fprintf(out, "  disco %-13s %10" PRIu64 "\n",
				fsc_disco_type_name((uint8_t)i), st->tsdisco_types[i]);
	for (int i = 0; i < 4; i++)
		fprintf(out, "  stun %-14s %10" PRIu64 "\n", stun[i], st->stun_class[i]);
	fprintf(out, "  other udp           %10" PRIu64 "\n", st->events[FSC_EV_UDP]);
	fprintf(out, "  tcp segments        %10" PRIu64 "\n", st->events[FSC_EV_TCP]);
	fprintf(out, "  tls client hello    %10" PRIu64 "\n", st->events[FSC_EV_TLS_CLIENT_HELLO]);
	fprintf(out, "  tls server hello    %10" PRIu64 "\n", st->events[FSC_EV_TLS_SERVER_HELLO]);
	fprintf(out, "  http request        %10" PRIu64 "\n", st->events[FSC_EV_HTTP_REQUEST]);
	fprintf(out, "  http response       %10" PRIu64 "\n", st->events[FSC_EV_HTTP_RESPONSE]);
	fprintf(out, "  ingress             %10" PRIu64 "\n", st->events[FSC_EV_INGRESS]);
	fprintf(out, "  other ip            %10" PRIu64 "\n", st->events[FSC_EV_IP]);
}

static void text_peers(FILE *out, const struct tables *t, int64_t now)
{
	char a[FSC_ENDPOINT_STRLEN], b[FSC_ENDPOINT_STRLEN], why[160], rtt[24];

	fputs("\nTunnel peers\n", out);
	if (t->n_peers == 0) {
		fputs("  (no WireGuard traffic)\n", out);
		return;
	}
	fprintf(out, "  %-4s %-24s %-24s %5s %5s %9s %9s %9s %11s %9s  %s\n", "peer",
		"endpoint A", "endpoint B", "sess", "hs", "rtt avg", "pkts A>B",
		"pkts B>A", "bytes", "keepalive", "health");
	for (size_t i = 0; i < t->n_peers && i < TOP_ROWS; i++) {
		const struct fsc_wg_peer *p = t->peers[i];
		enum fsc_wg_health h = fsc_wg_peer_health(p, now, why, sizeof(why));
		if (p->rtts)
			snprintf(rtt, sizeof(rtt), "%.3fms", ms(p->rtt_sum_ns / (int64_t)p->rtts));
		else
			snprintf(rtt, sizeof(rtt), "-");
		fprintf(out, "  %-4" PRIu32 " %-24s %-24s %5" PRIu64 " %5" PRIu64 " %9s %9" PRIu64
			" %9" PRIu64 " %11" PRIu64 " %4" PRIu64 "/%-4" PRIu64 "  %s\n",
			p->id, fsc_endpoint_str(&p->ep[0].addr, p->ep[0].port, a),
			fsc_endpoint_str(&p->ep[1].addr, p->ep[1].port, b), p->sessions,
			p->responses, rtt, p->packets[0], p->packets[1],
			p->bytes[0] + p->bytes[1], p->keepalives[0], p->keepalives[1],
			fsc_wg_health_name(h));
	}
	if (t->n_peers > TOP_ROWS)
		fprintf(out, "  ... and %zu more peers\n", t->n_peers - TOP_ROWS);
}

static void text_sessions(FILE *out, const struct tables *t)
{
	char a[FSC_ENDPOINT_STRLEN], b[FSC_ENDPOINT_STRLEN], ia[12], ib[12];
	char first[24], last[24], rtt[24], c0[16], c1[16];

	if (t->n_sessions == 0)
		return;
	fputs("\nSessions (initiator -> responder)\n", out);
	fprintf(out, "  %-4s %-4s %-34s %-34s %-12s %-12s %9s %13s %13s %s\n", "id",
		"peer", "initiator index", "responder index", "first", "last",
		"hs rtt", "i>r pkts", "r>i pkts", "keepalive every");
	for (size_t i = 0; i < t->n_sessions && i < TOP_ROWS; i++) {
		const struct fsc_wg_session *s = t->sessions[i];
		snprintf(ia, sizeof(ia), s->have_index[0] ? "0x%08" PRIx32 : "?", s->index[0]);
		snprintf(ib, sizeof(ib), s->have_index[1] ? "0x%08" PRIx32 : "?", s->index[1]);
		clock_str(s->first_ns, first, sizeof(first));
		clock_str(s->last_ns, last, sizeof(last));
		if (s->handshake)
			snprintf(rtt, sizeof(rtt), "%.3fms", ms(s->response_ns - s->initiation_ns));
		else
			snprintf(rtt, sizeof(rtt), "(%s)", fsc_wg_session_seen(s));
		cadence(&s->dir[0], c0, sizeof(c0));
		cadence(&s->dir[1], c1, sizeof(c1));
		fsc_endpoint_str(&s->ep[0].addr, s->ep[0].port, a);
		fsc_endpoint_str(&s->ep[1].addr, s->ep[1].port, b);
		strncat(a, " ", sizeof(a) - strlen(a) - 1);
		strncat(a, ia, sizeof(a) - strlen(a) - 1);
		strncat(b, " ", sizeof(b) - strlen(b) - 1);
		strncat(b, ib, sizeof(b) - strlen(b) - 1);
		fprintf(out, "  %-4" PRIu32 " %-4" PRIu32 " %-34s %-34s %-12s %-12s %9s %13" PRIu64
			" %13" PRIu64 " %s / %s\n", s->id, s->peer, a, b, first, last, rtt,
			s->dir[0].packets, s->dir[1].packets, c0, c1);
	}
	if (t->n_sessions > TOP_ROWS)
		fprintf(out, "  ... and %zu more sessions\n", t->n_sessions - TOP_ROWS);
}

/* One row of "Unusual", printed only when count is nonzero. */
static void unusual(FILE *out, unsigned *n, uint64_t count, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void unusual(FILE *out, unsigned *n, uint64_t count, const char *fmt, ...)
{
	va_list ap;

	if (!count)
		return;
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	(*n)++;
}

/* The registry's "Unusual" lines of one section, in their rank. */
static void counter_unusual(FILE *out, unsigned *n, const struct fsc_pipeline *pl,
			    enum fsc_counter_section section)
{
	size_t nc;
	const struct fsc_counter *c = fsc_counters(&nc);

	for (unsigned rank = 1;; rank++) {
		bool any = false;
		for (size_t i = 0; i < nc; i++) {
			if (c[i].section != section || c[i].unusual != rank)
				continue;
			any = true;
			uint64_t v = fsc_counter_value(&c[i], pl);
			if (!v)
				continue;
			fprintf(out, "  %" PRIu64 " %s", v, c[i].text);
			if (c[i].text_more)
				fprintf(out, " (%" PRIu64 " %s)", fsc_counter_more(&c[i], pl),
					c[i].text_more);
			fputc('\n', out);
			(*n)++;
		}
		if (!any)
			return;
	}
}

/* What the TCP streams ran into: bounds hit, answers without questions. */
static void stream_unusual(FILE *out, unsigned *n, const struct fsc_pipeline *pl,
			   const struct fsc_agg *agg)
{
	const struct fsc_agg_stats *as = fsc_agg_stats(agg);
	unusual(out, n, as->mismatches, "  %" PRIu64 " names that disagree (SNI vs ingress "
		"target, Host vs X-Forwarded-Host): see MISMATCH above\n", as->mismatches);
	counter_unusual(out, n, pl, FSC_CS_STREAMS);
	unusual(out, n, as->hosts_dropped, "  %" PRIu64 " hostnames beyond the table's "
		"limit\n", as->hosts_dropped);
	unusual(out, n, as->clients_dropped, "  %" PRIu64 " clients beyond the table's "
		"limit\n", as->clients_dropped);
}

static void text_unusual(FILE *out, const struct fsc_pipeline *pl, const struct tables *t,
			 const struct input_problems *probs, uint64_t clients_dropped,
			 const struct fsc_agg *agg)
{
	const struct fsc_pipeline_stats *st = fsc_pipeline_stats(pl);
	unsigned n = 0;
	char why[160];

	fputs("\nUnusual\n", out);
	for (unsigned i = 0; i < probs->n; i++, n++)
		fprintf(out, "  input %s\n", probs->msg[i]);
	if (probs->dropped)
		fprintf(out, "  ... and %u more input problems\n", probs->dropped);
	for (size_t i = 0; i < t->n_peers; i++) {
		enum fsc_wg_health h = fsc_wg_peer_health(t->peers[i], st->last_ns, why, sizeof(why));
		if (h != FSC_WG_OK) {
			fprintf(out, "  peer %" PRIu32 " %s: %s\n", t->peers[i]->id,
				fsc_wg_health_name(h), why);
			n++;
		}
	}
	counter_unusual(out, &n, pl, FSC_CS_PACKETS);
	unusual(out, &n, clients_dropped, "  %" PRIu64 " STUN mapped addresses not counted "
	    "(client table full)\n", clients_dropped);
	stream_unusual(out, &n, pl, agg);
	if (n == 0)
		fputs("  nothing\n", out);
}

/* The summary object: every counter of the registry with a JSON key, in
 * its order; "wg.initiation" goes into object "wg". Then the inputs'
 * problems. */
static void json_counters(FILE *out, const struct fsc_pipeline *pl, unsigned files,
			  const struct input_problems *probs)
{
	size_t n;
	const struct fsc_counter *c = fsc_counters(&n);
	const char *open = NULL;
	size_t open_len = 0;
	char line[8192], key[64];
	struct fsc_outbuf ob;
	struct fsc_jsonw w;

	fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
	fsc_jsonw_init(&w, &ob);
	fsc_jsonw_object_begin(&w);
	fsc_jsonw_token(&w, "type", "summary");
	fsc_jsonw_u64(&w, "files", files);
	for (size_t i = 0; i < n; i++) {
		if (!c[i].key)
			continue;
		const char *dot = strchr(c[i].key, '.');
		size_t plen = dot ? (size_t)(dot - c[i].key) : 0;
		if (open && (plen != open_len || strncmp(open, c[i].key, plen) != 0)) {
			fsc_jsonw_object_end(&w);
			open = NULL;
		}
		if (dot && !open) {
			snprintf(key, sizeof(key), "%.*s", (int)plen, c[i].key);
			fsc_jsonw_object_begin_at(&w, key);
			open = c[i].key;
			open_len = plen;
		}
		uint64_t v = fsc_counter_value(&c[i], pl);
		if (c[i].unit == FSC_UNIT_TIME_NS)
			fsc_jsonw_time(&w, dot ? dot + 1 : c[i].key, (int64_t)v);
		else
			fsc_jsonw_u64(&w, dot ? dot + 1 : c[i].key, v);
	}
	if (open)
		fsc_jsonw_object_end(&w);
	fsc_jsonw_object_end(&w);
	fsc_outbuf_end_line(&ob);
	for (unsigned i = 0; i < probs->n; i++) {
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "input_problem");
		fsc_jsonw_cstr(&w, "message", probs->msg[i]);
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(&ob);
	}
	fsc_outbuf_flush(&ob);
}

/* A WireGuard endpoint under key as "ADDR:PORT" text (the form these keys
 * had before the writer's endpoint rule), then by the rule (addr_key,
 * port_key), then its enrichment (key_info). info: scratch for that. */
static void peer_endpoint(struct fsc_jsonw *w, struct fsc_outbuf *ob, struct fsc_enrich *enr,
			  const char *key, const char *addr_key, const char *port_key,
			  const struct fsc_wg_endpoint *ep, char *info)
{
	fsc_jsonw_endpoint_text(w, key, &ep->addr, ep->port);
	fsc_jsonw_endpoint(w, addr_key, port_key, &ep->addr, ep->port);
	fsc_outbuf_mem(ob, info, fsc_enrich_json_member(enr, key, &ep->addr, info));
}

static void json_summary(FILE *out, const struct fsc_pipeline *pl, const struct tables *t,
			 unsigned files, const struct input_problems *probs, struct fsc_enrich *enr)
{
	const struct fsc_pipeline_stats *st = fsc_pipeline_stats(pl);
	char why[160];

	json_counters(out, pl, files, probs);
	char line[8192], info[FSC_ENRICH_JSON_KEY_MAX + FSC_ENRICH_JSON_MAX], num[32];
	struct fsc_outbuf ob;
	struct fsc_jsonw w;

	fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
	for (size_t i = 0; i < t->n_peers; i++) {
		const struct fsc_wg_peer *p = t->peers[i];
		enum fsc_wg_health h = fsc_wg_peer_health(p, st->last_ns, why, sizeof(why));
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "wg_peer");
		fsc_jsonw_u64(&w, "peer", p->id);
		/* "a" and "b" kept their "addr:port" text from before the
		 * endpoint rule; a_addr/a_port and b_addr/b_port follow it. */
		peer_endpoint(&w, &ob, enr, "a", "a_addr", "a_port", &p->ep[0], info);
		peer_endpoint(&w, &ob, enr, "b", "b_addr", "b_port", &p->ep[1], info);
		fsc_jsonw_u64(&w, "sessions", p->sessions);
		fsc_jsonw_u64(&w, "initiations", p->initiations);
		fsc_jsonw_u64(&w, "responses", p->responses);
		fsc_jsonw_u64(&w, "cookies", p->cookies);
		fsc_jsonw_u64(&w, "packets_ab", p->packets[0]);
		fsc_jsonw_u64(&w, "packets_ba", p->packets[1]);
		fsc_jsonw_u64(&w, "bytes_ab", p->bytes[0]);
		fsc_jsonw_u64(&w, "bytes_ba", p->bytes[1]);
		fsc_jsonw_u64(&w, "keepalives_ab", p->keepalives[0]);
		fsc_jsonw_u64(&w, "keepalives_ba", p->keepalives[1]);
		if (p->rtts) {
			fsc_jsonw_ms(&w, "rtt_ms_avg", p->rtt_sum_ns / (int64_t)p->rtts);
			fsc_jsonw_ms(&w, "rtt_ms_min", p->rtt_min_ns);
			fsc_jsonw_ms(&w, "rtt_ms_max", p->rtt_max_ns);
		}
		fsc_jsonw_token(&w, "health", fsc_wg_health_name(h));
		/* Absent when there is nothing to say (absent means absent). */
		fsc_jsonw_cstr(&w, "health_reason", why);
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(&ob);
	}
	for (size_t i = 0; i < t->n_sessions; i++) {
		const struct fsc_wg_session *s = t->sessions[i];
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "wg_session");
		fsc_jsonw_u64(&w, "session", s->id);
		fsc_jsonw_u64(&w, "peer", s->peer);
		peer_endpoint(&w, &ob, enr, "initiator", "initiator_addr", "initiator_port",
			      &s->ep[0], info);
		peer_endpoint(&w, &ob, enr, "responder", "responder_addr", "responder_port",
			      &s->ep[1], info);
		if (s->have_index[0])
			fsc_jsonw_u64(&w, "initiator_index", s->index[0]);
		if (s->have_index[1])
			fsc_jsonw_u64(&w, "responder_index", s->index[1]);
		fsc_jsonw_bool(&w, "handshake", s->handshake);
		if (s->handshake)
			fsc_jsonw_ms(&w, "rtt_ms", s->response_ns - s->initiation_ns);
		for (int d = 0; d < 2; d++) {
			const struct fsc_wg_flow *f = &s->dir[d];
			fsc_jsonw_object_begin_at(&w, d ? "r2i" : "i2r");
			fsc_jsonw_u64(&w, "packets", f->packets);
			fsc_jsonw_u64(&w, "bytes", f->bytes);
			fsc_jsonw_u64(&w, "keepalives", f->keepalives);
			if (f->ka_gaps) {
				int k = snprintf(num, sizeof(num), "%.3f",
						 (double)f->ka_gap_sum_ns / (double)f->ka_gaps / 1e9);
				fsc_jsonw_raw(&w, "keepalive_every_s", num, (size_t)k);
			}
			fsc_jsonw_object_end(&w);
		}
		fsc_jsonw_time(&w, "first_ts", s->first_ns);
		fsc_jsonw_time(&w, "last_ts", s->last_ns);
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(&ob);
	}
	fsc_outbuf_flush(&ob);
}

#define CLIENTS_FROM "HTTP clients by the client rule, remote tunnel endpoints, STUN " \
	"mapped addresses"

/* The clients: the aggregation's (by the client rule), both endpoints of
 * every tunnel peer that are remote (a capture does not say which side is
 * local) and the STUN mapped addresses. NULL (*n 0) when memory runs out. */
static struct client *client_list(const struct tables *t, const struct client_tally *tally,
				  const struct fsc_agg *agg, size_t *n)
{
	size_t nt = 0, na = agg ? fsc_agg_client_count(agg) : 0;
	const struct client *ti = tally ? client_tally_items(tally, &nt) : NULL;
	struct client *list = malloc((2 * t->n_peers + nt + na + 1) * sizeof(*list));
	const struct fsc_agg_client **ac = malloc((na ? na : 1) * sizeof(*ac));

	*n = 0;
	if (!list || !ac) {
		free(list);
		free(ac);
		return NULL;
	}
	na = agg ? fsc_agg_clients(agg, ac, na) : 0;
	for (size_t i = 0; i < na; i++) {
		list[*n] = (struct client){ .addr = ac[i]->addr, .requests = ac[i]->requests,
					    .is_client = true };
		memcpy(list[(*n)++].status, ac[i]->status, sizeof(ac[i]->status));
	}
	free(ac);
	for (size_t i = 0; i < t->n_peers; i++) {
		const struct fsc_wg_peer *p = t->peers[i];
		for (int k = 0; k < 2; k++)
			if (fsc_enrich_is_remote(&p->ep[k].addr))
				list[(*n)++] = (struct client){
					.addr = p->ep[k].addr,
					.packets = p->packets[0] + p->packets[1],
					.bytes = p->bytes[0] + p->bytes[1],
				};
	}
	for (size_t i = 0; i < nt; i++)
		list[(*n)++] = ti[i];
	return list;
}

void print_summary(FILE *out, const struct options *opt,
		   const struct fsc_pipeline *pl, unsigned files,
		   const struct input_problems *probs, struct fsc_enrich *enr,
		   const struct client_tally *tally, const struct fsc_agg *agg)
{
	const struct fsc_pipeline_stats *st = fsc_pipeline_stats(pl);
	struct tables t;
	size_t nc = 0;

	if (!collect(pl, &t)) {
		fputs("fdecode: out of memory for the summary\n", stderr);
		return;
	}
	struct client *clients = client_list(&t, tally, agg, &nc);
	if (!clients)
		fputs("fdecode: out of memory for the clients table\n", stderr);
	/* Every name the tables will show is asked for now; one bounded wait
	 * covers them all. */
	clients_prepare(enr, clients, &nc);
	for (size_t i = 0; i < t.n_peers; i++)
		for (int k = 0; k < 2; k++)
			fsc_enrich_want(enr, &t.peers[i]->ep[k].addr);
	fsc_enrich_drain(enr, fsc_enrich_dns_timeout_ms(enr));
	if (opt->json) {
		json_summary(out, pl, &t, files, probs, enr);
		wgkeys_summary(out, pl, true);
		tlskeys_summary(out, pl, true);
		clients_print(out, enr, clients, nc, CLIENTS_FROM, true);
		web_print(agg, out, true);
	} else {
		text_capture(out, st, files);
		text_messages(out, st);
		wgkeys_summary(out, pl, false);
		tlskeys_summary(out, pl, false);
		text_peers(out, &t, st->last_ns);
		text_sessions(out, &t);
		clients_print(out, enr, clients, nc, CLIENTS_FROM, false);
		web_print(agg, out, false);
		text_unusual(out, pl, &t, probs, tally ? client_tally_dropped(tally) : 0, agg);
	}
	free(clients);
	free(t.peers);
	free(t.sessions);
}
