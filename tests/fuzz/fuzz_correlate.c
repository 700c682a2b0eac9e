/* fuzz_correlate.c - libFuzzer target for the correlation stage: frames
 * through the whole pipeline (dissection, flows, TLS/HTTP/ingress streams)
 * into fsc_corr (correlate.c) and fsc_clocksync (clocksync.c), and through
 * fdecode's story printer (tools/fdecode/story.c: text, JSON lines, the
 * summary's "where the time goes" and the clock offsets), as fdecode
 * --correlate drives them with several inputs; and into fwatch's model
 * (tui/model.c: stories on their requests' rows), its stage bars and
 * Detail chains (tui/fmt.c, lines.c) through the dump, as fwatch does.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Corpus: tests/fuzz/corpus/correlate/, written by
 *         tests/fuzz/gen/correlate_corpus.py from lab captures (an ingress
 *         connection inside the tunnel and the node's loopback request);
 *         lab-inner-lo-per-connection is lab-inner-lo with config bit 2.
 *
 * The input is a configuration byte, then frames:
 *
 *   byte 0      bit 0 tight limits (2 conns, 2 requests, 1 ms window and
 *               relay window, 50 ms idle: eviction and give-up paths;
 *               else 16 of each, the default windows); bit 1 TLS 1.3
 *               decrypted with RFC 8448 §3's secrets; bit 2 the
 *               per-connection proxy model (else pooled)
 *   per frame:
 *     u8        bits 0-2 input (fsc_frame.file), bit 3 link type (0 raw
 *               IP, 1 Ethernet), bits 4-7 k: the clock moves 2^k us
 *               (k = 15: it steps back 1 ms, as merged inputs may)
 *     le16      length, cut to what the input has left
 *     bytes     the frame
 *
 * Oracles beyond "no crash": every story's texts are NUL-terminated within
 * their arrays; a made join counts one candidate, an ambiguous one two or
 * more, none zero; its stages are 0 or times the input gave; ids count up
 * by one; the statistics count every story told; a run pooled from the
 * start sees no proxy violation, a per-connection one is pooled exactly
 * when it saw one, from a time the input gave; clock offsets name two
 * inputs a < b below FSC_CLOCK_INPUTS; the printers' JSON is one object a
 * line and their text holds nothing a terminal acts on (outcheck.h), one
 * line a story; the dump holds nothing a terminal acts on, and every
 * stage bar of a row with a story is TUI_BAR_WIDTH cells of its letters
 * (or "-").
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/tlsdecrypt.h"
#include "fuzz_rfc8448.h"


#include "fdecode.h"
#include "fsc/clocksync.h"
#include "fsc/correlate.h"
#include "outcheck.h"
#include "dump.h"
#include "model.h"
#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* fdecode's printers: text and JSON stories, and the JSON summary. */
enum { P_TEXT, P_JSON, P_SUMMARY, N_PRINTERS };

struct harness {
	struct printer pr[N_PRINTERS];
	struct options opt[N_PRINTERS];
	struct fsc_outbuf ob[N_PRINTERS];
	struct stories *st[N_PRINTERS];
	char *out[N_PRINTERS];
	size_t out_len[N_PRINTERS];
	FILE *file[N_PRINTERS];
	struct fsc_corr *corr;
	struct fsc_clocksync *clock;
	struct tui_model *model;	/* fwatch's, with its own stage */
	struct fsc_corr *model_corr;
	int64_t min_ns, max_ns;
	uint64_t told;
};

static void nul_within(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

static void check_join(struct fsc_story_join j)
{
	if (j.kind >= FSC_JOIN_COUNT)
		abort();
	if (j.kind == FSC_JOIN_NONE && j.candidates != 0)
		abort();
	if (j.kind == FSC_JOIN_AMBIGUOUS && j.candidates < 2)
		abort();
	if (j.kind != FSC_JOIN_NONE && j.kind != FSC_JOIN_AMBIGUOUS && j.candidates != 1)
		abort();
}

static void on_story(void *ctx, const struct fsc_story *s)
{
	struct harness *h = ctx;

	if (s->id != ++h->told)
		abort();
	nul_within(s->ingress_src, sizeof(s->ingress_src));
	nul_within(s->ingress_target, sizeof(s->ingress_target));
	nul_within(s->sni, sizeof(s->sni));
	nul_within(s->alpn, sizeof(s->alpn));
	nul_within(s->alpn_selected, sizeof(s->alpn_selected));
	nul_within(s->ja4, sizeof(s->ja4));
	nul_within(s->method, sizeof(s->method));
	nul_within(s->host, sizeof(s->host));
	nul_within(s->target, sizeof(s->target));
	if (s->have_request && (!s->client_rule || !*s->client_rule))
		abort();
	check_join(s->relay_join);
	check_join(s->request_join);
	for (int i = 0; i < FSC_STAGE_COUNT; i++)
		if (s->t[i] && (s->t[i] < h->min_ns || s->t[i] > h->max_ns)) {
			/* a flow's first packet may predate the harness's min
			 * only if the clock stepped back: min covers that */
			abort();
		}
}

static void on_event(const struct fsc_event *ev, void *ctx)
{
	struct harness *h = ctx;

	if (ev->pkt && ev->frame && !ev->tunnel && !ev->stream)
		fsc_clocksync_packet(h->clock, ev->frame->file, ev->pkt, ev->ts_ns);
	fsc_corr_event(h->corr, ev, on_story, h);
	tui_model_event(ev, h->model);
	fsc_corr_event(h->model_corr, ev, tui_model_story, h->model);
	for (int i = 0; i < N_PRINTERS; i++)
		stories_event(h->st[i], ev);
}

static size_t lines(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

static void printers_open(struct harness *h, struct fsc_enrich *enr,
			  const struct fsc_corr_limits *lim)
{
	for (int i = 0; i < N_PRINTERS; i++) {
		struct options *o = &h->opt[i];
		memset(o, 0, sizeof(*o));
		o->corr_limits = *lim;
		o->json = i != P_TEXT;
		o->summary = i == P_SUMMARY;
		o->correlate = true;
		o->ts = TS_EPOCH;
		h->out[i] = NULL;
		h->out_len[i] = 0;
		h->file[i] = open_memstream(&h->out[i], &h->out_len[i]);
		if (!h->file[i] || !fsc_outbuf_init(&h->ob[i], h->file[i]))
			abort();
		h->pr[i] = (struct printer){ .ob = &h->ob[i], .opt = o, .enr = enr };
		/* several inputs: the clock offsets are estimated and printed */
		if (!(h->st[i] = stories_new(&h->pr[i], 2)))
			abort();
	}
}

/* Flushes, prints the clocks and summary, checks, frees. */
static void printers_close(struct harness *h)
{
	for (int i = 0; i < N_PRINTERS; i++) {
		stories_flush(h->st[i]);
		if (i != P_SUMMARY)
			stories_clock(h->st[i], &h->ob[i]);
		fsc_outbuf_flush(&h->ob[i]);
		if (i == P_SUMMARY)
			stories_summary(h->st[i], h->file[i]);
		fsc_outbuf_free(&h->ob[i]);
		fclose(h->file[i]);
		stories_free(h->st[i]);
	}
	struct fsc_clock_offset o[FSC_CLOCK_INPUTS * FSC_CLOCK_INPUTS];
	size_t clocks = fsc_clocksync_offsets(h->clock, o, sizeof(o) / sizeof(o[0]));
	/* a story a line, then a line a clock offset */
	if (lines(h->out[P_TEXT], h->out_len[P_TEXT]) != h->told + clocks ||
	    lines(h->out[P_JSON], h->out_len[P_JSON]) != h->told + clocks)
		abort();
	check_text(h->out[P_TEXT], h->out_len[P_TEXT]);
	check_json(h->out[P_JSON], h->out_len[P_JSON]);
	check_json(h->out[P_SUMMARY], h->out_len[P_SUMMARY]);
	for (int i = 0; i < N_PRINTERS; i++)
		free(h->out[i]);
}

/* fwatch's side: every row's bar, then the whole dump with every Detail. */
static void model_check(struct harness *h)
{
	char buf[512];
	size_t ncols;
	const struct tui_col *cols = tui_table_cols(TUI_T_REQUESTS, &ncols);

	for (uint64_t q = tui_model_first_seq(h->model); q && q <= tui_model_last_seq(h->model);
	     q++) {
		const struct tui_request *r = tui_model_request(h->model, q);
		if (!r)
			continue;
		size_t n = tui_cell(h->model, TUI_T_REQUESTS, r, ncols - 1, false, buf, sizeof(buf));
		if (strcmp(cols[ncols - 1].title, "STAGES") != 0 || n != strlen(buf))
			abort();
		if (strcmp(buf, "-") == 0)
			continue;
		if (!r->story_id || n != TUI_BAR_WIDTH || strspn(buf, "eitbfl") != n)
			abort();
	}
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	if (!f)
		abort();
	struct tui_dump_opts d = { .all_details = true };
	tui_dump(f, h->model, &d);
	fclose(f);
	check_text(out, len);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	bool tight = data[0] & 1;
	/* Small tables keep a run fast; the defaults differ only in size. */
	struct fsc_corr_limits lim = { .max_conns = 16, .max_requests = 16 };
	if (tight)
		lim = (struct fsc_corr_limits){ .max_conns = 2, .max_requests = 2,
						.window_ns = 1000000, .relay_window_ns = 1000000,
						.idle_ns = 50000000 };
	if (data[0] & 4)
		lim.proxy = FSC_PROXY_PER_CONNECTION;
	struct fsc_pipeline_limits pll = { .streams = { .body_ends = true } };
	pll.streams.flow.max_flows = 16;
	pll.streams.flow.mem_cap = 1 << 20;
	pll.streams.max_streams = 16;
	pll.streams.tls_buffers = 4;
	pll.wg.max_sessions = 16;
	pll.wg.max_peers = 16;
	static struct harness h;
	h.corr = fsc_corr_new(&lim);
	h.clock = fsc_clocksync_new();
	h.told = 0;
	struct fsc_pipeline *pl = fsc_pipeline_new(&pll);
	/* One enrichment for every run: setting up its resolver is slow. */
	static struct fsc_enrich *enr;
	if (!enr) {
		char err[256];
		bool usage;
		struct fsc_enrich_opts eo;
		fsc_enrich_opts_init(&eo);
		eo.no_dns = true;
		eo.no_geoip = true;
		enr = fsc_enrich_new(&eo, err, sizeof(err), &usage);
	}
	struct tui_model_limits ml = { .max_requests = 32, .max_clients = 16, .max_hosts = 16,
				       .detail_bytes = 65536, .max_stories = tight ? 2 : 16 };
	h.model = tui_model_new(&ml, enr);
	h.model_corr = fsc_corr_new(&lim);
	if (!h.corr || !h.clock || !pl || !enr || !h.model || !h.model_corr)
		abort();
	tui_model_set_wg(h.model, fsc_pipeline_wg(pl));
	tui_model_set_corr(h.model, fsc_corr_stats(h.model_corr)); /* Capture's lines */
	/* bit 1: TLS 1.3 decrypted with RFC 8448 §3's secrets (its random),
	 * so requests read inside an ingress reach the exact join */
	static struct fsc_tlskeys *keys;
	if (!keys && (keys = fsc_tlskeys_new(4)))
		fsc_tlskeys_add_text(keys, rfc8448_keylog, sizeof(rfc8448_keylog) - 1);
	if ((data[0] & 2) && (!keys || !fsc_pipeline_set_tlskeys(pl, keys)))
		abort();
	printers_open(&h, enr, &lim);
	int64_t now = 1767225600ll * 1000000000;
	h.min_ns = h.max_ns = now;
	size_t at = 1;
	uint64_t number = 0;
	while (at + 3 <= size) {
		uint8_t cfg = data[at];
		size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
		at += 3;
		if (len > size - at)
			len = size - at;
		unsigned k = cfg >> 4;
		now += k == 15 ? -1000000 : (int64_t)1000 << k;
		if (now < h.min_ns)
			h.min_ns = now;
		if (now > h.max_ns)
			h.max_ns = now;
		struct fsc_frame f = {
			.data = data + at, .caplen = (uint32_t)len, .wirelen = (uint32_t)len,
			.sec = now / 1000000000, .nsec = (uint32_t)(now % 1000000000),
			.linktype = cfg & 8 ? 1 : 101, .file = cfg & 7, .number = ++number,
		};
		fsc_pipeline_frame(pl, &f, on_event, &h);
		at += len;
	}
	fsc_pipeline_flush(pl, on_event, &h);
	fsc_corr_flush(h.corr, on_story, &h);
	fsc_corr_flush(h.model_corr, tui_model_story, h.model);
	{
		struct fsc_clock_offset co[TUI_CLOCK_OFFSETS];
		tui_model_set_clock(h.model, co,
				    fsc_clocksync_offsets(h.clock, co, TUI_CLOCK_OFFSETS));
	}
	model_check(&h);
	tui_model_free(h.model);
	fsc_corr_free(h.model_corr);
	const struct fsc_corr_stats *cs = fsc_corr_stats(h.corr);
	if (cs->stories != h.told)
		abort();
	bool pooled = cs->proxy == FSC_PROXY_POOLED;
	if (!(data[0] & 4) ? !pooled || cs->proxy_violations
			   : pooled != (cs->proxy_violations == 1) ||
				     (pooled && (cs->pooled_since_ns < h.min_ns ||
						 cs->pooled_since_ns > h.max_ns)))
		abort();
	struct fsc_clock_offset o[FSC_CLOCK_INPUTS * FSC_CLOCK_INPUTS];
	size_t n = fsc_clocksync_offsets(h.clock, o, sizeof(o) / sizeof(o[0]));
	for (size_t i = 0; i < n; i++)
		if (o[i].a >= o[i].b || o[i].b >= FSC_CLOCK_INPUTS || !o[i].pairs)
			abort();
	printers_close(&h);
	fsc_pipeline_free(pl);
	fsc_corr_free(h.corr);
	fsc_clocksync_free(h.clock);
	return 0;
}
