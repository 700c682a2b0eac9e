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

/* The stretches between stages a story is told in, each ending at a stage
 * and starting at the one before it in the chain. */
enum stretch { S_EDGE, S_INGRESS, S_TLS, S_TO_BACKEND, S_FIRST_BYTE, S_LAST_BYTE, S_TOTAL, S_COUNT };

static const struct {
	const char *name;
	enum fsc_stage from, to;
} stretches[S_TOTAL] = {
	[S_EDGE] = { "edge", FSC_STAGE_EDGE, FSC_STAGE_TUNNEL },
	[S_INGRESS] = { "ingress", FSC_STAGE_TUNNEL, FSC_STAGE_INGRESS },
	[S_TLS] = { "tls", FSC_STAGE_INGRESS, FSC_STAGE_TLS_DONE },
	[S_TO_BACKEND] = { "to_backend", FSC_STAGE_TLS_DONE, FSC_STAGE_REQUEST },
	[S_FIRST_BYTE] = { "first_byte", FSC_STAGE_REQUEST, FSC_STAGE_FIRST_BYTE },
	[S_LAST_BYTE] = { "last_byte", FSC_STAGE_FIRST_BYTE, FSC_STAGE_LAST_BYTE },
};

static const char *stretch_name(enum stretch s)
{
	return s == S_TOTAL ? "total" : stretches[s].name;
}

/* The stretch in ns, or -1 when either end was not seen. */
static int64_t stretch_ns(const struct fsc_story *s, enum stretch k)
{
	if (k == S_TOTAL) {
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
		int64_t d = stretch_ns(s, (enum stretch)i);
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

static void relay_name(const struct fsc_story *s, char *out, size_t cap)
{
	char ep[FSC_ADDR_STRLEN + 8];

	if (s->relay_join.kind == FSC_JOIN_EXACT || s->relay_join.kind == FSC_JOIN_TIME)
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

static void text_join(struct outbuf *ob, struct fsc_story_join j)
{
	outbuf_char(ob, '[');
	outbuf_str(ob, fsc_join_name(j.kind));
	if (j.kind == FSC_JOIN_AMBIGUOUS) {
		outbuf_char(ob, ' ');
		outbuf_u64(ob, j.candidates);
	}
	outbuf_char(ob, ']');
}

static void text_field(struct outbuf *ob, const char *s)
{
	outbuf_text_escaped(ob, s, strlen(s), FSC_ESCAPE_TEXT_CAP(FSC_STORY_TEXT));
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
	struct outbuf *ob = pr->ob;

	print_time(pr, story_ts(s));
	outbuf_lit(ob, "story ");
	outbuf_u64(ob, s->id);
	outbuf_char(ob, ' ');
	if (s->have_ingress && s->client.family)
		text_addr(pr, &s->client, s->client_port);
	else if (s->have_request && s->request_client.family)
		text_addr(pr, &s->request_client, -1);
	else
		outbuf_char(ob, '?');
	if (s->have_request) {
		outbuf_char(ob, ' ');
		text_field(ob, s->method);
		outbuf_char(ob, ' ');
		text_field(ob, s->host);
		text_field(ob, s->target);
		outbuf_char(ob, ' ');
		if (s->http_status)
			outbuf_i64(ob, s->http_status);
		else
			outbuf_lit(ob, "(no answer)");
		outbuf_char(ob, ' ');
		outbuf_u64(ob, s->response_bytes);
		outbuf_char(ob, 'B');
	}
	if (s->edge_join.kind != FSC_JOIN_NONE) {
		outbuf_lit(ob, " | edge ");
		if (s->edge_join.kind == FSC_JOIN_ADDR_TIME) {
			text_addr(pr, &s->edge, s->edge_port);
			outbuf_char(ob, ' ');
		}
		text_join(ob, s->edge_join);
	}
	outbuf_lit(ob, " | relay ");
	if (s->relay_join.kind == FSC_JOIN_EXACT || s->relay_join.kind == FSC_JOIN_TIME) {
		text_addr(pr, &s->relay, s->relay_port);
		outbuf_lit(ob, " session ");
		outbuf_u64(ob, s->wg_session);
		outbuf_char(ob, ' ');
	}
	text_join(ob, s->relay_join);
	outbuf_lit(ob, " | ingress ");
	if (s->have_ingress) {
		text_field(ob, s->ingress_target);
		outbuf_char(ob, ' ');
		outbuf_i64(ob, s->ingress_status);
		if (s->have_tls) {
			outbuf_lit(ob, " tls ");
			text_field(ob, s->sni[0] ? s->sni : "(no sni)");
			if (s->alpn[0]) {
				outbuf_char(ob, ' ');
				text_field(ob, s->alpn);
			}
		}
	} else {
		outbuf_lit(ob, "(none)");
	}
	if (s->have_request) {
		outbuf_lit(ob, " | request ");
		text_join(ob, s->request_join);
	}
	outbuf_lit(ob, " |");
	for (int i = 0; i < S_COUNT; i++) {
		int64_t d = stretch_ns(s, (enum stretch)i);
		if (d < 0)
			continue;
		outbuf_char(ob, ' ');
		outbuf_str(ob, stretch_name((enum stretch)i));
		outbuf_char(ob, ' ');
		outbuf_ms(ob, d);
	}
	outbuf_lit(ob, " ms");
	outbuf_end_line(ob);
}

static void json_ts_value(struct outbuf *ob, int64_t ns)
{
	outbuf_i64(ob, ns / 1000000000);
	outbuf_char(ob, '.');
	outbuf_i64_zpad(ob, ns % 1000000000 / 1000, 6);
}

/* "key":{"join":"...","candidates":N ... (left open). */
static void json_open(struct outbuf *ob, const char *key, struct fsc_story_join j)
{
	json_key(ob, key);
	outbuf_lit(ob, "{\"join\":\"");
	outbuf_str(ob, fsc_join_name(j.kind));
	outbuf_lit(ob, "\",\"candidates\":");
	outbuf_u64(ob, j.candidates);
}

static void json_field(struct outbuf *ob, const char *key, const char *s)
{
	json_str(ob, key, s, strlen(s));
}

static void json_input(struct printer *pr, unsigned input)
{
	const char *path = pr->src ? fsc_source_path(pr->src, input) : NULL;

	if (path)
		json_str(pr->ob, "input", path, strlen(path));
}

static void story_json(struct printer *pr, const struct fsc_story *s)
{
	struct outbuf *ob = pr->ob;

	outbuf_lit(ob, "{\"ts\":");
	json_ts_value(ob, story_ts(s));
	json_token(ob, "type", "story");
	json_u64(ob, "id", s->id);
	json_key(ob, "complete");
	outbuf_str(ob, s->complete ? "true" : "false");
	json_open(ob, "edge", s->edge_join);
	if (s->edge_join.kind == FSC_JOIN_ADDR_TIME) {
		json_addr(pr, "addr", &s->edge);
		json_u64(ob, "port", s->edge_port);
		json_input(pr, s->edge_input);
	}
	outbuf_char(ob, '}');
	json_open(ob, "relay", s->relay_join);
	if (s->relay_join.kind == FSC_JOIN_EXACT || s->relay_join.kind == FSC_JOIN_TIME) {
		json_addr(pr, "addr", &s->relay);
		json_u64(ob, "port", s->relay_port);
		json_u64(ob, "session", s->wg_session);
		if (s->have_wg_key) {
			json_key(ob, "initiator_key");
			outbuf_char(ob, '"');
			key_b64(ob, s->wg_initiator_key);
			outbuf_char(ob, '"');
		}
		json_input(pr, s->relay_input);
	}
	outbuf_char(ob, '}');
	if (s->have_ingress) {
		/* the anchor the other sides join: no join of its own */
		json_key(ob, "ingress");
		outbuf_lit(ob, "{\"src\":\"");
		outbuf_json_escaped(ob, s->ingress_src, strlen(s->ingress_src),
				    FSC_ESCAPE_JSON_CAP(FSC_STORY_TEXT));
		outbuf_char(ob, '"');
		if (s->client.family) {
			json_addr(pr, "client", &s->client);
			json_u64(ob, "client_port", s->client_port);
		}
		json_field(ob, "target", s->ingress_target);
		json_u64(ob, "status", (uint64_t)s->ingress_status);
		json_addr(pr, "node", &s->node);
		json_u64(ob, "node_port", s->node_port);
		json_input(pr, s->ingress_input);
		outbuf_char(ob, '}');
	}
	if (s->have_tls) {
		json_open(ob, "tls", (struct fsc_story_join){ FSC_JOIN_EXACT, 1 });
		json_field(ob, "sni", s->sni);
		json_field(ob, "alpn", s->alpn);
		if (s->alpn_selected[0])
			json_field(ob, "alpn_selected", s->alpn_selected);
		json_field(ob, "ja4", s->ja4);
		if (s->t[FSC_STAGE_TLS_HELLO] && s->t[FSC_STAGE_TLS_DONE]) {
			json_key(ob, "handshake_ms");
			outbuf_ms(ob, s->t[FSC_STAGE_TLS_DONE] - s->t[FSC_STAGE_TLS_HELLO]);
		}
		outbuf_char(ob, '}');
	}
	if (s->have_request) {
		json_open(ob, "request", s->request_join);
		json_field(ob, "method", s->method);
		json_field(ob, "host", s->host);
		json_field(ob, "target", s->target);
		if (s->http_status)
			json_u64(ob, "status", (uint64_t)s->http_status);
		json_u64(ob, "bytes", s->response_bytes);
		if (s->request_client.family)
			json_addr(pr, "client", &s->request_client);
		json_token(ob, "client_rule", s->client_rule ? s->client_rule : "none");
		json_u64(ob, "index", s->request_index);
		json_input(pr, s->request_input);
		outbuf_char(ob, '}');
	}
	json_key(ob, "stages");
	outbuf_char(ob, '{');
	bool first = true;
	for (int i = 0; i < FSC_STAGE_COUNT; i++) {
		if (!s->t[i])
			continue;
		if (!first)
			outbuf_char(ob, ',');
		first = false;
		outbuf_char(ob, '"');
		outbuf_str(ob, fsc_stage_name((enum fsc_stage)i));
		outbuf_lit(ob, "\":");
		json_ts_value(ob, s->t[i]);
	}
	outbuf_char(ob, '}');
	json_key(ob, "durations_ms");
	outbuf_char(ob, '{');
	first = true;
	for (int i = 0; i < S_COUNT; i++) {
		int64_t d = stretch_ns(s, (enum stretch)i);
		if (d < 0)
			continue;
		if (!first)
			outbuf_char(ob, ',');
		first = false;
		outbuf_char(ob, '"');
		outbuf_str(ob, stretch_name((enum stretch)i));
		outbuf_lit(ob, "\":");
		outbuf_ms(ob, d);
	}
	outbuf_lit(ob, "}}");
	outbuf_end_line(ob);
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
		outbuf_flush(st->pr->ob);
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

static void seconds(struct outbuf *ob, int64_t ns)
{
	if (ns < 0) {
		outbuf_char(ob, '-');
		ns = -ns;
	}
	outbuf_i64(ob, ns / 1000000000);
	outbuf_char(ob, '.');
	outbuf_i64_zpad(ob, ns % 1000000000 / 1000, 6);
}

/* The clock offsets between the inputs, after the stories. */
void stories_clock(struct stories *st, struct outbuf *ob)
{
	struct fsc_clock_offset o[FSC_CLOCK_INPUTS * FSC_CLOCK_INPUTS / 2];
	size_t n = st->clock ? fsc_clocksync_offsets(st->clock, o, sizeof(o) / sizeof(o[0])) : 0;
	bool json = st->pr->opt->json;

	for (size_t i = 0; i < n && i < sizeof(o) / sizeof(o[0]); i++) {
		const char *a = input_name(st->pr, o[i].a), *b = input_name(st->pr, o[i].b);
		if (json) {
			outbuf_lit(ob, "{\"type\":\"clock_offset\"");
			json_str(ob, "a", a, strlen(a));
			json_str(ob, "b", b, strlen(b));
			json_key(ob, "offset");
			seconds(ob, o[i].offset_ns);
			if (!o[i].one_way) {
				json_key(ob, "error");
				seconds(ob, o[i].error_ns);
			}
			json_u64(ob, "packets", o[i].pairs);
			json_u64(ob, "directions", o[i].directions);
			json_key(ob, "one_way");
			outbuf_str(ob, o[i].one_way ? "true" : "false");
			json_key(ob, "inconsistent");
			outbuf_str(ob, o[i].inconsistent ? "true" : "false");
			outbuf_char(ob, '}');
		} else {
			outbuf_lit(ob, "clock offset: ");
			outbuf_text_escaped(ob, b, strlen(b), 4 * strlen(b) + 5);
			outbuf_lit(ob, " minus ");
			outbuf_text_escaped(ob, a, strlen(a), 4 * strlen(a) + 5);
			outbuf_lit(ob, ": ");
			if (o[i].offset_ns >= 0)
				outbuf_char(ob, '+');
			seconds(ob, o[i].offset_ns);
			outbuf_lit(ob, " s");
			if (o[i].one_way) {
				outbuf_lit(ob, " (one way only: a bound, not an estimate)");
			} else {
				outbuf_lit(ob, " +/- ");
				seconds(ob, o[i].error_ns);
				outbuf_lit(ob, " s");
				if (o[i].inconsistent)
					outbuf_lit(ob, " (the two ways overlap: a clock moved)");
			}
			outbuf_lit(ob, ", from ");
			outbuf_u64(ob, o[i].pairs);
			outbuf_lit(ob, " packets seen in both, ");
			outbuf_u64(ob, o[i].directions);
			outbuf_lit(ob, " directions");
		}
		outbuf_end_line(ob);
	}
}

/* "Where the time goes": p50/p90/p99 of each stretch, per relay and host. */
static void spread_text(struct outbuf *ob, struct spread *sp)
{
	outbuf_lit(ob, "  by ");
	outbuf_str(ob, sp->by);
	outbuf_lit(ob, " (ms, p50/p90/p99 of each stretch):");
	outbuf_end_line(ob);
	for (unsigned i = 0; i < sp->n; i++) {
		struct spread_key *k = &sp->keys[i];
		outbuf_lit(ob, "    ");
		outbuf_str(ob, k->name);
		outbuf_lit(ob, "  stories ");
		outbuf_u64(ob, k->stories);
		for (int s = 0; s < S_COUNT; s++) {
			int64_t *v = k->samples + s * SPREAD_SAMPLES;
			if (!k->n[s])
				continue;
			qsort(v, k->n[s], sizeof(*v), cmp_i64);
			outbuf_lit(ob, "  ");
			outbuf_str(ob, stretch_name((enum stretch)s));
			outbuf_char(ob, ' ');
			outbuf_ms(ob, pct(v, k->n[s], 50));
			outbuf_char(ob, '/');
			outbuf_ms(ob, pct(v, k->n[s], 90));
			outbuf_char(ob, '/');
			outbuf_ms(ob, pct(v, k->n[s], 99));
		}
		outbuf_end_line(ob);
	}
	if (sp->dropped) {
		outbuf_lit(ob, "    (");
		outbuf_u64(ob, sp->dropped);
		outbuf_lit(ob, " stories of further keys not counted)");
		outbuf_end_line(ob);
	}
}

static void spread_json(struct outbuf *ob, struct spread *sp)
{
	for (unsigned i = 0; i < sp->n; i++) {
		struct spread_key *k = &sp->keys[i];
		outbuf_lit(ob, "{\"type\":\"story_timing\"");
		json_token(ob, "by", sp->by);
		/* the name is escaped for text; JSON escapes that again, so a
		 * control byte shows as its text escape, never raw */
		json_str(ob, "key", k->name, strlen(k->name));
		json_u64(ob, "stories", k->stories);
		for (int s = 0; s < S_COUNT; s++) {
			int64_t *v = k->samples + s * SPREAD_SAMPLES;
			if (!k->n[s])
				continue;
			qsort(v, k->n[s], sizeof(*v), cmp_i64);
			json_key(ob, stretch_name((enum stretch)s));
			outbuf_lit(ob, "{\"n\":");
			outbuf_u64(ob, k->seen[s]);
			outbuf_lit(ob, ",\"p50_ms\":");
			outbuf_ms(ob, pct(v, k->n[s], 50));
			outbuf_lit(ob, ",\"p90_ms\":");
			outbuf_ms(ob, pct(v, k->n[s], 90));
			outbuf_lit(ob, ",\"p99_ms\":");
			outbuf_ms(ob, pct(v, k->n[s], 99));
			outbuf_char(ob, '}');
		}
		outbuf_char(ob, '}');
		outbuf_end_line(ob);
	}
}

void stories_summary(struct stories *st, FILE *out)
{
	struct outbuf ob;
	const struct fsc_corr_stats *cs = fsc_corr_stats(st->corr);

	if (!outbuf_init(&ob, out))
		return;
	if (st->pr->opt->json) {
		outbuf_lit(&ob, "{\"type\":\"stories\"");
		json_u64(&ob, "stories", cs->stories);
		for (int i = 0; i < FSC_CORR_SIDES; i++) {
			json_key(&ob, fsc_corr_side_name((enum fsc_corr_side)i));
			outbuf_char(&ob, '{');
			for (int j = 0; j < FSC_JOIN_COUNT; j++) {
				if (j)
					outbuf_char(&ob, ',');
				outbuf_char(&ob, '"');
				outbuf_str(&ob, fsc_join_name((enum fsc_join)j));
				outbuf_lit(&ob, "\":");
				outbuf_u64(&ob, cs->joins[i][j]);
			}
			outbuf_char(&ob, '}');
		}
		json_u64(&ob, "conns_given_up", cs->conns_given_up);
		json_u64(&ob, "requests_given_up", cs->requests_given_up);
		outbuf_char(&ob, '}');
		outbuf_end_line(&ob);
		spread_json(&ob, &st->by_relay);
		spread_json(&ob, &st->by_host);
	} else {
		outbuf_end_line(&ob);
		outbuf_lit(&ob, "Where the time goes: ");
		outbuf_u64(&ob, cs->stories);
		outbuf_lit(&ob, " stories; requests joined exact ");
		outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_EXACT]);
		outbuf_lit(&ob, ", address+time ");
		outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_ADDR_TIME]);
		outbuf_lit(&ob, ", ambiguous ");
		outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_AMBIGUOUS]);
		outbuf_lit(&ob, ", none ");
		outbuf_u64(&ob, cs->joins[FSC_SIDE_REQUEST][FSC_JOIN_NONE]);
		outbuf_end_line(&ob);
		spread_text(&ob, &st->by_relay);
		spread_text(&ob, &st->by_host);
	}
	stories_clock(st, &ob);
	outbuf_flush(&ob);
	outbuf_free(&ob);
}

bool clock_offset_option(struct options *opt, const char *arg)
{
	const char *eq = strrchr(arg, '=');
	char *end;

	if (!eq || eq == arg || opt->n_clock_offsets == MAX_CLOCK_OFFSETS)
		return false;
	double v = strtod(eq + 1, &end);
	if (end == eq + 1 || *end || !(v >= -1e6 && v <= 1e6))
		return false;
	/* The file name is the argument up to '=': kept in argv, cut there. */
	struct clock_offset *c = &opt->clock_offsets[opt->n_clock_offsets++];
	c->file = arg;
	c->ns = (int64_t)(v * 1e9 + (v < 0 ? -0.5 : 0.5));
	return true;
}
