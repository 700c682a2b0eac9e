/* story.c - fdecode --correlate: one line (or JSON object of type "story")
 * a public request, joined across the inputs by fsc_corr (correlate.h);
 * the clock offsets between the inputs (clocksync.h, type "clock_offset");
 * and for --summary, "where the time goes": stage percentiles per relay
 * and per host (type "story_timing"). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fdecode.h"
#include "fsc/clocksync.h"
#include "fsc/correlate.h"
#include "fsc/sink.h"

#define S_COUNT FSC_STRETCH_COUNT

static const char *stretch_name(int k)
{
	return fsc_stretch_name((enum fsc_stretch)k);
}

static int64_t stretch_ns(const struct fsc_story *s, int k)
{
	return fsc_story_stretch(s, (enum fsc_stretch)k);
}

/* ---- "where the time goes": samples per key, bounded ---- */

#define SPREAD_KEYS 128
#define SPREAD_SAMPLES 2048
#define KEY_TEXT 160

struct spread_key {
	char name[KEY_TEXT];	/* escaped for text already */
	uint64_t stories;
	uint32_t n[S_COUNT];	/* samples kept (the first SPREAD_SAMPLES) */
	uint64_t seen[S_COUNT];
	int64_t *samples;	/* [S_COUNT][SPREAD_SAMPLES] */
};

struct spread {
	const char *by;		/* "relay", "host" */
	struct spread_key keys[SPREAD_KEYS];
	unsigned n;
	uint64_t dropped;	/* stories whose key found no room */
};

struct stories {
	struct printer *pr;
	struct fsc_corr *corr;
	struct fsc_clocksync *clock;
	struct spread by_relay, by_host;
	bool several_inputs;
};

static struct spread_key *spread_find(struct spread *sp, const char *name)
{
	for (unsigned i = 0; i < sp->n; i++)
		if (strcmp(sp->keys[i].name, name) == 0)
			return &sp->keys[i];
	if (sp->n == SPREAD_KEYS)
		return NULL;
	struct spread_key *k = &sp->keys[sp->n];
	k->samples = calloc((size_t)S_COUNT * SPREAD_SAMPLES, sizeof(int64_t));
	if (!k->samples)
		return NULL;
	snprintf(k->name, sizeof(k->name), "%s", name);
	sp->n++;
	return k;
}

static void spread_add(struct spread *sp, const char *name, const struct fsc_story *s)
{
	struct spread_key *k = spread_find(sp, name);

	if (!k) {
		sp->dropped++;
		return;
	}
	k->stories++;
	for (int i = 0; i < S_COUNT; i++) {
		int64_t d = stretch_ns(s, i);
		if (d < 0)
			continue;
		k->seen[i]++;
		if (k->n[i] < SPREAD_SAMPLES)
			k->samples[i * SPREAD_SAMPLES + k->n[i]++] = d;
	}
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v[0..n). */
static int64_t pct(const int64_t *v, uint32_t n, unsigned p)
{
	uint64_t rank = ((uint64_t)n * p + 99) / 100;

	return v[rank ? rank - 1 : 0];
}

static void spread_free(struct spread *sp)
{
	for (unsigned i = 0; i < sp->n; i++)
		free(sp->keys[i].samples);
}

/* ---- names ---- */

static bool relay_known(const struct fsc_story *s)
{
	return fsc_story_relay_named(s);
}

static void relay_name(const struct fsc_story *s, char *out, size_t cap)
{
	char ep[FSC_ADDR_STRLEN + 8];

	if (relay_known(s))
		snprintf(out, cap, "%s", fsc_endpoint_str(&s->relay, s->relay_port, ep));
	else
		snprintf(out, cap, "(%s)", fsc_join_name(s->relay_join.kind));
}

/* The host a request is counted under: its Host, else the SNI. Escaped. */
static void host_name(const struct fsc_story *s, char *out, size_t cap)
{
	const char *h = s->host[0] ? s->host : s->sni[0] ? s->sni : "(none)";

	fsc_escape_text((const uint8_t *)h, strlen(h), out, cap);
}

/* ---- one story ---- */

static void text_join(struct fsc_outbuf *ob, struct fsc_story_join j)
{
	fsc_outbuf_char(ob, '[');
	fsc_outbuf_str(ob, fsc_join_name(j.kind));
	if (j.kind == FSC_JOIN_AMBIGUOUS) {
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_u64(ob, j.candidates);
	}
	fsc_outbuf_char(ob, ']');
}

static void text_field(struct fsc_outbuf *ob, const char *s)
{
	fsc_outbuf_text_escaped(ob, s, strlen(s), FSC_ESCAPE_TEXT_CAP(FSC_STORY_TEXT));
}

static int64_t story_ts(const struct fsc_story *s)
{
	for (int i = 0; i < FSC_STAGE_COUNT; i++)
		if (s->t[i])
			return s->t[i];
	return 0;
}

static void story_text(struct printer *pr, const struct fsc_story *s)
{
	struct fsc_outbuf *ob = pr->ob;

	print_time(pr, story_ts(s));
	fsc_outbuf_lit(ob, "story ");
	fsc_outbuf_u64(ob, s->id);
	fsc_outbuf_char(ob, ' ');
	if (s->have_ingress && s->client.family)
		text_addr(pr, &s->client, s->client_port);
	else if (s->have_request && s->request_client.family)
		text_addr(pr, &s->request_client, -1);
	else
		fsc_outbuf_char(ob, '?');
	if (s->have_request) {
		fsc_outbuf_char(ob, ' ');
		text_field(ob, s->method);
		fsc_outbuf_char(ob, ' ');
		text_field(ob, s->host);
		text_field(ob, s->target);
		fsc_outbuf_char(ob, ' ');
		if (s->http_status)
			fsc_outbuf_i64(ob, s->http_status);
		else
			fsc_outbuf_lit(ob, "(no answer)");
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_u64(ob, s->response_bytes);
		fsc_outbuf_char(ob, 'B');
	}
	if (s->edge_join.kind != FSC_JOIN_NONE) {
		fsc_outbuf_lit(ob, " | edge ");
		if (s->edge_join.kind == FSC_JOIN_ADDR_TIME) {
			text_addr(pr, &s->edge, s->edge_port);
			fsc_outbuf_char(ob, ' ');
		}
		text_join(ob, s->edge_join);
		if (s->edge_join.kind == FSC_JOIN_ADDR_TIME)
			text_obs(pr, s->edge_input, s->edge_iface);
	}
	fsc_outbuf_lit(ob, " | relay ");
	if (relay_known(s)) {
		text_addr(pr, &s->relay, s->relay_port);
		fsc_outbuf_lit(ob, " session ");
		fsc_outbuf_u64(ob, s->wg_session);
		fsc_outbuf_char(ob, ' ');
	}
	text_join(ob, s->relay_join);
	if (relay_known(s))
		text_obs(pr, s->relay_input, s->relay_iface);
	fsc_outbuf_lit(ob, " | ingress ");
	if (s->have_ingress) {
		text_field(ob, s->ingress_target);
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_i64(ob, s->ingress_status);
		if (s->have_tls) {
			fsc_outbuf_lit(ob, " tls ");
			text_field(ob, s->sni[0] ? s->sni : "(no sni)");
			if (s->alpn[0]) {
				fsc_outbuf_char(ob, ' ');
				text_field(ob, s->alpn);
			}
		}
		text_obs(pr, s->ingress_input, s->ingress_iface);
	} else {
		fsc_outbuf_lit(ob, "(none)");
	}
	if (s->have_request) {
		fsc_outbuf_lit(ob, " | request ");
		text_join(ob, s->request_join);
		text_obs(pr, s->request_input, s->request_iface);
	}
	fsc_outbuf_lit(ob, " |");
	for (int i = 0; i < S_COUNT; i++) {
		int64_t d = stretch_ns(s, i);
		if (d < 0)
			continue;
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_str(ob, stretch_name(i));
		fsc_outbuf_char(ob, ' ');
		fsc_outbuf_ms(ob, d);
	}
	fsc_outbuf_lit(ob, " ms");
	fsc_outbuf_end_line(ob);
}

/* "key":{"join":"...","candidates":N ... (left open). */
static void json_open(struct fsc_jsonw *w, const char *key, struct fsc_story_join j)
{
	fsc_jsonw_object_begin_at(w, key);
	fsc_jsonw_token(w, "join", fsc_join_name(j.kind));
	fsc_jsonw_u64(w, "candidates", j.candidates);
}

/* The public request's chain inside its "request" object: each stage seen
 * as {"ts", "after_ms"}, after_ms from the stage seen before it. */
static void json_request_stages(struct fsc_jsonw *w, const struct fsc_story *s)
{
	int64_t before = 0;

	fsc_jsonw_object_begin_at(w, "stages");
	for (int i = 0; i < FSC_STAGE_COUNT; i++) {
		if (!s->t[i])
			continue;
		fsc_jsonw_object_begin_at(w, fsc_stage_name((enum fsc_stage)i));
		fsc_jsonw_time(w, "ts", s->t[i]);
		if (before)
			fsc_jsonw_ms(w, "after_ms", s->t[i] - before);
		fsc_jsonw_object_end(w);
		before = s->t[i];
	}
	fsc_jsonw_object_end(w);
}

static void story_json(struct printer *pr, const struct fsc_story *s)
{
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_init(w, pr->ob);
	fsc_jsonw_object_begin(w);
	fsc_jsonw_time(w, "ts", story_ts(s));
	fsc_jsonw_token(w, "type", "story");
	fsc_jsonw_u64(w, "id", s->id);
	fsc_jsonw_bool(w, "complete", s->complete);
	json_open(w, "edge", s->edge_join);
	if (s->edge_join.kind == FSC_JOIN_ADDR_TIME) {
		json_endpoint(pr, "addr", "port", &s->edge, s->edge_port);
		json_obs(pr, s->edge_input, s->edge_iface);
	}
	fsc_jsonw_object_end(w);
	json_open(w, "relay", s->relay_join);
	if (s->relay_time_candidates)
		fsc_jsonw_u64(w, "time_candidates", s->relay_time_candidates);
	if (relay_known(s)) {
		json_endpoint(pr, "addr", "port", &s->relay, s->relay_port);
		fsc_jsonw_u64(w, "session", s->wg_session);
		if (s->have_wg_key) {
			fsc_jsonw_key(w, "initiator_key");
			fsc_outbuf_char(pr->ob, '"');
			key_b64(pr->ob, s->wg_initiator_key);
			fsc_outbuf_char(pr->ob, '"');
		}
		json_obs(pr, s->relay_input, s->relay_iface);
	}
	fsc_jsonw_object_end(w);
	if (s->have_ingress) {
		/* the anchor the other sides join: no join of its own */
		fsc_jsonw_object_begin_at(w, "ingress");
		fsc_jsonw_cstr(w, "src", s->ingress_src);
		if (s->client.family)
			json_endpoint(pr, "client", "client_port", &s->client, s->client_port);
		fsc_jsonw_cstr(w, "target", s->ingress_target);
		fsc_jsonw_i64(w, "status", s->ingress_status);
		json_endpoint(pr, "node", "node_port", &s->node, s->node_port);
		json_obs(pr, s->ingress_input, s->ingress_iface);
		fsc_jsonw_object_end(w);
	}
	if (s->have_tls) {
		json_open(w, "tls", (struct fsc_story_join){ FSC_JOIN_EXACT, 1 });
		fsc_jsonw_cstr(w, "sni", s->sni);
		fsc_jsonw_cstr(w, "alpn", s->alpn);
		fsc_jsonw_cstr(w, "alpn_selected", s->alpn_selected);
		fsc_jsonw_cstr(w, "ja4", s->ja4);
		if (s->t[FSC_STAGE_TLS_HELLO] && s->t[FSC_STAGE_TLS_DONE])
			fsc_jsonw_ms(w, "handshake_ms",
				     s->t[FSC_STAGE_TLS_DONE] - s->t[FSC_STAGE_TLS_HELLO]);
		fsc_jsonw_object_end(w);
	}
	if (s->have_request) {
		json_open(w, "request", s->request_join);
		fsc_jsonw_cstr(w, "method", s->method);
		fsc_jsonw_cstr(w, "host", s->host);
		fsc_jsonw_cstr(w, "target", s->target);
		if (s->http_status)
			fsc_jsonw_i64(w, "status", s->http_status);
		fsc_jsonw_u64(w, "bytes", s->response_bytes);
		if (s->request_client.family)
			json_addr(pr, "client", &s->request_client);
		fsc_jsonw_token(w, "client_rule", s->client_rule ? s->client_rule : "none");
		fsc_jsonw_u64(w, "index", s->request_index);
		json_obs(pr, s->request_input, s->request_iface);
		json_request_stages(w, s);
		fsc_jsonw_object_end(w);
	}
	fsc_jsonw_object_begin_at(w, "stages");
	for (int i = 0; i < FSC_STAGE_COUNT; i++)
		if (s->t[i])
			fsc_jsonw_time(w, fsc_stage_name((enum fsc_stage)i), s->t[i]);
	fsc_jsonw_object_end(w);
	fsc_jsonw_object_begin_at(w, "durations_ms");
	for (int i = 0; i < S_COUNT; i++) {
		int64_t d = stretch_ns(s, i);
		if (d >= 0)
			fsc_jsonw_ms(w, stretch_name(i), d);
	}
	fsc_jsonw_object_end(w);
	fsc_jsonw_line_end(w);
}

static void on_story(void *ctx, const struct fsc_story *s)
{
	struct stories *st = ctx;
	char name[KEY_TEXT];

	if (st->pr->opt->summary) {
		relay_name(s, name, sizeof(name));
		spread_add(&st->by_relay, name, s);
		host_name(s, name, sizeof(name));
		spread_add(&st->by_host, name, s);
		return;
	}
	if (st->pr->opt->json)
		story_json(st->pr, s);
	else
		story_text(st->pr, s);
	if (st->pr->opt->line_buffered) {
		fsc_outbuf_flush(st->pr->ob);
		fflush(st->pr->ob->file);
	}
}

/* ---- the run ---- */

struct stories *stories_new(struct printer *pr, unsigned inputs)
{
	struct stories *st = calloc(1, sizeof(*st));

	if (!st)
		return NULL;
	st->pr = pr;
	st->several_inputs = inputs > 1;
	st->by_relay.by = "relay";
	st->by_host.by = "host";
	st->corr = fsc_corr_new(&pr->opt->corr_limits);
	st->clock = st->several_inputs ? fsc_clocksync_new() : NULL;
	if (!st->corr || (st->several_inputs && !st->clock)) {
		stories_free(st);
		return NULL;
	}
	return st;
}

void stories_free(struct stories *st)
{
	if (!st)
		return;
	fsc_corr_free(st->corr);
	fsc_clocksync_free(st->clock);
	spread_free(&st->by_relay);
	spread_free(&st->by_host);
	free(st);
}

void stories_event(struct stories *st, const struct fsc_event *ev)
{
	if (st->clock && ev->pkt && ev->frame && !ev->tunnel && !ev->stream &&
	    (ev->type == FSC_EV_WG || ev->type == FSC_EV_TCP || ev->type == FSC_EV_UDP))
		fsc_clocksync_packet(st->clock, ev->frame->file, ev->pkt, ev->ts_ns);
	fsc_corr_event(st->corr, ev, on_story, st);
}

void stories_flush(struct stories *st)
{
	fsc_corr_flush(st->corr, on_story, st);
}

static const char *input_name(const struct printer *pr, unsigned i)
{
	const char *p = pr->src ? fsc_source_path(pr->src, i) : NULL;

	return p ? p : "?";
}

static void seconds(struct fsc_outbuf *ob, int64_t ns)
{
	if (ns < 0) {
		fsc_outbuf_char(ob, '-');
		ns = -ns;
	}
	fsc_outbuf_i64(ob, ns / 1000000000);
	fsc_outbuf_char(ob, '.');
	fsc_outbuf_i64_zpad(ob, ns % 1000000000 / 1000, 6);
}

/* The clock offsets between the inputs, after the stories. */
void stories_clock(struct stories *st, struct fsc_outbuf *ob)
{
	struct fsc_clock_offset o[FSC_CLOCK_INPUTS * FSC_CLOCK_INPUTS / 2];
	size_t n = st->clock ? fsc_clocksync_offsets(st->clock, o, sizeof(o) / sizeof(o[0])) : 0;
	bool json = st->pr->opt->json;

	for (size_t i = 0; i < n && i < sizeof(o) / sizeof(o[0]); i++) {
		const char *a = input_name(st->pr, o[i].a), *b = input_name(st->pr, o[i].b);
		if (json) {
			struct fsc_jsonw w;
			fsc_jsonw_init(&w, ob);
			fsc_jsonw_object_begin(&w);
			fsc_jsonw_token(&w, "type", "clock_offset");
			fsc_jsonw_cstr(&w, "a", a);
			fsc_jsonw_cstr(&w, "b", b);
			fsc_jsonw_key(&w, "offset");
			seconds(ob, o[i].offset_ns);
			if (!o[i].one_way) {
				fsc_jsonw_key(&w, "error");
				seconds(ob, o[i].error_ns);
			}
			fsc_jsonw_u64(&w, "packets", o[i].pairs);
			fsc_jsonw_u64(&w, "directions", o[i].directions);
			fsc_jsonw_bool(&w, "one_way", o[i].one_way);
			fsc_jsonw_bool(&w, "inconsistent", o[i].inconsistent);
			fsc_jsonw_object_end(&w);
		} else {
			fsc_outbuf_lit(ob, "clock offset: ");
			fsc_outbuf_text_escaped(ob, b, strlen(b), 4 * strlen(b) + 5);
			fsc_outbuf_lit(ob, " minus ");
			fsc_outbuf_text_escaped(ob, a, strlen(a), 4 * strlen(a) + 5);
			fsc_outbuf_lit(ob, ": ");
			if (o[i].offset_ns >= 0)
				fsc_outbuf_char(ob, '+');
			seconds(ob, o[i].offset_ns);
			fsc_outbuf_lit(ob, " s");
			if (o[i].one_way) {
				fsc_outbuf_lit(ob, " (one way only: a bound, not an estimate)");
			} else {
				fsc_outbuf_lit(ob, " +/- ");
				seconds(ob, o[i].error_ns);
				fsc_outbuf_lit(ob, " s");
				if (o[i].inconsistent)
					fsc_outbuf_lit(ob, " (the two ways overlap: a clock moved)");
			}
			fsc_outbuf_lit(ob, ", from ");
			fsc_outbuf_u64(ob, o[i].pairs);
			fsc_outbuf_lit(ob, " packets seen in both, ");
			fsc_outbuf_u64(ob, o[i].directions);
			fsc_outbuf_lit(ob, " directions");
		}
		fsc_outbuf_end_line(ob);
	}
}

/* "Where the time goes": p50/p90/p99 of each stretch, per relay and host. */
static void spread_text(struct fsc_outbuf *ob, struct spread *sp)
{
	fsc_outbuf_lit(ob, "  by ");
	fsc_outbuf_str(ob, sp->by);
	fsc_outbuf_lit(ob, " (ms, p50/p90/p99 of each stretch):");
	fsc_outbuf_end_line(ob);
	for (unsigned i = 0; i < sp->n; i++) {
		struct spread_key *k = &sp->keys[i];
		fsc_outbuf_lit(ob, "    ");
		fsc_outbuf_str(ob, k->name);
		fsc_outbuf_lit(ob, "  stories ");
		fsc_outbuf_u64(ob, k->stories);
		for (int s = 0; s < S_COUNT; s++) {
			int64_t *v = k->samples + s * SPREAD_SAMPLES;
			if (!k->n[s])
				continue;
			qsort(v, k->n[s], sizeof(*v), cmp_i64);
			fsc_outbuf_lit(ob, "  ");
			fsc_outbuf_str(ob, stretch_name(s));
			fsc_outbuf_char(ob, ' ');
			fsc_outbuf_ms(ob, pct(v, k->n[s], 50));
			fsc_outbuf_char(ob, '/');
			fsc_outbuf_ms(ob, pct(v, k->n[s], 90));
			fsc_outbuf_char(ob, '/');
			fsc_outbuf_ms(ob, pct(v, k->n[s], 99));
		}
		fsc_outbuf_end_line(ob);
	}
	if (sp->dropped) {
		fsc_outbuf_lit(ob, "    (");
		fsc_outbuf_u64(ob, sp->dropped);
		fsc_outbuf_lit(ob, " stories of further keys not counted)");
		fsc_outbuf_end_line(ob);
	}
}

static void spread_json(struct fsc_outbuf *ob, struct spread *sp)
{
	struct fsc_jsonw w;

	fsc_jsonw_init(&w, ob);
	for (unsigned i = 0; i < sp->n; i++) {
		struct spread_key *k = &sp->keys[i];
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "story_timing");
		fsc_jsonw_token(&w, "by", sp->by);
		/* the name is escaped for text; JSON escapes that again, so a
		 * control byte shows as its text escape, never raw */
		fsc_jsonw_cstr(&w, "key", k->name);
		fsc_jsonw_u64(&w, "stories", k->stories);
		for (int s = 0; s < S_COUNT; s++) {
			int64_t *v = k->samples + s * SPREAD_SAMPLES;
			if (!k->n[s])
				continue;
			qsort(v, k->n[s], sizeof(*v), cmp_i64);
			fsc_jsonw_object_begin_at(&w, stretch_name(s));
			fsc_jsonw_u64(&w, "n", k->seen[s]);
			fsc_jsonw_ms(&w, "p50_ms", pct(v, k->n[s], 50));
			fsc_jsonw_ms(&w, "p90_ms", pct(v, k->n[s], 90));
			fsc_jsonw_ms(&w, "p99_ms", pct(v, k->n[s], 99));
			fsc_jsonw_object_end(&w);
		}
		fsc_jsonw_line_end(&w);
	}
}

void stories_summary(struct stories *st, FILE *out)
{
	struct fsc_outbuf ob;
	const struct fsc_corr_stats *cs = fsc_corr_stats(st->corr);

	if (!fsc_outbuf_init(&ob, out))
		return;
	if (st->pr->opt->json) {
		struct fsc_jsonw w;
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "stories");
		fsc_jsonw_u64(&w, "stories", cs->stories);
		for (int i = 0; i < FSC_CORR_SIDES; i++) {
			fsc_jsonw_object_begin_at(&w, fsc_corr_side_name((enum fsc_corr_side)i));
			for (int j = 0; j < FSC_JOIN_COUNT; j++)
				fsc_jsonw_u64(&w, fsc_join_name((enum fsc_join)j), cs->joins[i][j]);
			fsc_jsonw_object_end(&w);
		}
		fsc_jsonw_u64(&w, "conns_given_up", cs->conns_given_up);
		fsc_jsonw_u64(&w, "requests_given_up", cs->requests_given_up);
		fsc_jsonw_token(&w, "proxy_model", fsc_proxy_model_name(cs->proxy));
		fsc_jsonw_u64(&w, "proxy_violations", cs->proxy_violations);
		if (cs->pooled_since_ns)
			fsc_jsonw_time(&w, "pooled_since", cs->pooled_since_ns);
		fsc_jsonw_line_end(&w);
		spread_json(&ob, &st->by_relay);
		spread_json(&ob, &st->by_host);
	} else {
		fsc_outbuf_end_line(&ob);
		fsc_outbuf_lit(&ob, "Where the time goes: ");
		fsc_outbuf_u64(&ob, cs->stories);
		fsc_outbuf_lit(&ob, " stories; requests joined exact ");
		fsc_outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_EXACT]);
		fsc_outbuf_lit(&ob, ", address+time ");
		fsc_outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_ADDR_TIME]);
		fsc_outbuf_lit(&ob, ", address+data ");
		fsc_outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_ADDR_DATA]);
		fsc_outbuf_lit(&ob, ", ambiguous ");
		fsc_outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_AMBIGUOUS]);
		fsc_outbuf_lit(&ob, ", none ");
		fsc_outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_NONE]);
		fsc_outbuf_lit(&ob, "; proxy ");
		fsc_outbuf_str(&ob, fsc_proxy_model_name(cs->proxy));
		if (cs->pooled_since_ns) {
			/* told per-connection, and a pool showed */
			fsc_outbuf_lit(&ob, " since ");
			fsc_outbuf_i64(&ob, cs->pooled_since_ns / 1000000000);
			fsc_outbuf_char(&ob, '.');
			fsc_outbuf_i64_zpad(&ob, cs->pooled_since_ns % 1000000000 / 1000, 6);
			fsc_outbuf_lit(&ob, " (per-connection given up: a sign of a pool)");
		}
		fsc_outbuf_end_line(&ob);
		spread_text(&ob, &st->by_relay);
		spread_text(&ob, &st->by_host);
	}
	stories_clock(st, &ob);
	fsc_outbuf_flush(&ob);
	fsc_outbuf_free(&ob);
}

/* ---- the sink ---- */

static void sink_event(void *self, const struct fsc_event *ev)
{
	stories_event(self, ev);
}

static bool sink_flush(void *self)
{
	struct stories *st = self;

	fsc_outbuf_flush(st->pr->ob);
	return fflush(st->pr->ob->file) == 0;
}

/* The end: the stories still open, then the clock offsets (or, with the
 * summary, "where the time goes" after its tables). */
static bool sink_close(void *self)
{
	struct stories *st = self;

	stories_flush(st);
	if (st->pr->opt->summary) {
		fsc_outbuf_flush(st->pr->ob);
		stories_summary(st, st->pr->ob->file);
	} else {
		stories_clock(st, st->pr->ob);
	}
	bool ok = sink_flush(st);
	stories_free(st);
	return ok;
}

static const struct fsc_sink_ops sink_ops = {
	.name = "stories", .event = sink_event, .flush = sink_flush, .close = sink_close,
};

bool stories_sink(struct printer *pr, unsigned inputs, struct fsc_sink *out)
{
	struct stories *st = stories_new(pr, inputs);

	if (!st)
		return false;
	*out = (struct fsc_sink){ .ops = &sink_ops, .self = st };
	return true;
}
