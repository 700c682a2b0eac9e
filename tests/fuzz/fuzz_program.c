/* fuzz_program.c - libFuzzer target for the whole program path, not only the
 * decoders: frames through the pipeline, and every event into every sink
 * the programs have, with what they make of a decoder's partial result:
 *   fdecode  text, text -v, JSON lines -v, --summary (text and JSON), which
 *            also feed the client tally and the aggregation (fsc/agg.h);
 *   fwatch   the model (tui/model.c, its Detail ring), and its dump with
 *            every view and the Detail of every request kept, with and
 *            without a filter.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Corpus: tests/fuzz/corpus/program/, written by
 *         tests/fuzz/gen/program_corpus.py: every sample datagram and every
 *         sample capture, each record flagged to be fed at every truncated
 *         length first (so the seeds are every truncated prefix of every
 *         sample datagram and frame).
 *
 * Input: a configuration byte, then records.
 *
 *   byte 0        bits 0-2 what a record is: 0 a UDP payload between
 *                 198.18.0.1:41641 and 198.18.0.2:3478 over Ethernet and
 *                 IPv4, 1 the same over IPv6 (2001:db8::1, ::2), else a
 *                 whole frame of link type 2 EN10MB, 3 RAW, 4 LINUX_SLL2,
 *                 5 tailscale debug capture (147), 6 NULL, 7 LINUX_SLL;
 *                 bit 3 tight limits (tiny tables, so eviction happens);
 *                 bit 4 one trusted hop; bits 5-7 the -t mode (0-5)
 *   per record:
 *     u8          bit 0 expand: fed at every length 0 .. len-1 first (a
 *                 datagram shortened, its IP and UDP lengths to match; a
 *                 frame cut by the snap length), then whole;
 *                 bit 1 the other direction (UDP payload records);
 *                 bit 2 snap-length cut: the wire length is 64 more;
 *                 bits 3-7 k: the clock moves 2^k microseconds first
 *     le16        length, cut to what the input has left
 *     bytes
 *
 * RFC 8448 §3's TLS secrets are loaded as a key log (fuzz_rfc8448.h): its
 * handshake in a capture is read decrypted (seed: gen/tlsopen_corpus.py).
 *
 * Oracles beyond "no crash, no leak, no undefined behaviour": text -v and
 * JSON -v print one line an event; every JSON line (events and summary) is
 * one well-formed object; no output (text, summary, dump) holds a control
 * byte other than newline, a C1 control, or a Unicode Bidi_Control or
 * invisible format character: untrusted text reaches nothing raw.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dump.h"
#include "fsc/enrich.h"
#include "fsc/prom.h"
#include "fsc/tlsdecrypt.h"
#include "fdecode.h"
#include "fuzz_rfc8448.h"
#include "sinks.h"
#include "model.h"
#include "outcheck.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define T0 1767225600ll
#define MAX_FRAME (65535 + 64)
#define REC_HDR 3

enum { P_TEXT, P_VERBOSE, P_JSON, P_SUMMARY, N_PRINTERS };

struct harness {
	struct printer pr[N_PRINTERS];
	struct options opt[N_PRINTERS];
	struct fsc_outbuf ob[N_PRINTERS];
	char *out[N_PRINTERS];
	size_t out_len[N_PRINTERS];
	struct tui_model *model;
	struct client_tally *tally;	/* the summary sink's tallies */
	struct fsc_agg *agg;
	uint64_t events;
};

static const int linktypes[8] = { 1, 1, 1, 101, 276, 147, 0, 113 };

static void fan_out(const struct fsc_event *ev, void *ctx)
{
	struct harness *h = ctx;

	/* the oracle's count: the events that are lines (not http_close, not
	 * tls_open_end, which only feed other modules) */
	if (fsc_event_desc(ev->type)->line)
		h->events++;
	/* What fdecode's sinks do (sinks.c): the lines, the summary's tallies */
	for (int i = 0; i < N_PRINTERS; i++) {
		if (i == P_SUMMARY)
			summary_tally(h->tally, h->agg, ev);
		else if (print_wanted(&h->opt[i], ev) && h->opt[i].json)
			print_json(&h->pr[i], ev);
		else if (print_wanted(&h->opt[i], ev))
			print_text(&h->pr[i], ev);
	}
	tui_model_event(ev, h->model);
}

/* ---- frames ---- */

static uint8_t frame_buf[MAX_FRAME];

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An Ethernet frame around a UDP payload; returns its length. */
static size_t udp_frame(const uint8_t *pay, size_t n, bool v6, bool back)
{
	static const uint8_t macs[12] = { 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1 };
	uint8_t *p = frame_buf, *ip = p + 14, *udp;
	uint8_t a[16] = { 0 }, b[16] = { 0 };
	size_t alen = v6 ? 16 : 4;

	memcpy(p, macs, 12);
	put16(p + 12, v6 ? 0x86dd : 0x0800);
	if (v6) {
		a[0] = b[0] = 0x20;
		a[1] = b[1] = 0x01;
		a[2] = b[2] = 0x0d;
		a[3] = b[3] = 0xb8;
		a[15] = 1;
		b[15] = 2;
		memset(ip, 0, 40);
		ip[0] = 0x60;
		put16(ip + 4, (unsigned)(8 + n));
		ip[6] = 17;
		ip[7] = 64;
		memcpy(ip + 8, back ? b : a, alen);
		memcpy(ip + 24, back ? a : b, alen);
		udp = ip + 40;
	} else {
		const uint8_t s[4] = { 198, 18, 0, 1 }, d[4] = { 198, 18, 0, 2 };
		memset(ip, 0, 20);
		ip[0] = 0x45;
		put16(ip + 2, (unsigned)(28 + n));
		ip[6] = 0x40;
		ip[8] = 64;
		ip[9] = 17;
		memcpy(ip + 12, back ? d : s, 4);
		memcpy(ip + 16, back ? s : d, 4);
		udp = ip + 20;
	}
	put16(udp, back ? 3478 : 41641);
	put16(udp + 2, back ? 41641 : 3478);
	put16(udp + 4, (unsigned)(8 + n));
	put16(udp + 6, 0);
	memcpy(udp + 8, pay, n);
	return (size_t)(udp + 8 + n - p);
}

/* ---- output checks (the JSON and text ones: outcheck.h) ---- */

/* Prometheus exposition: printable ASCII lines, each a comment or a
 * sample "name[{labels}] value" whose labels end before the value. */
static void check_prom(const char *s, size_t n)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '\n' && (c < 0x20 || c > 0x7e))
			abort();
		if (c != '\n')
			continue;
		if (s[start] != '#') {
			const char *sp = memrchr(s + start, ' ', i - start);
			const char *brace = memchr(s + start, '}', i - start);
			if (!sp || strncmp(s + start, "funnelscope_", 12) != 0 ||
			    (brace && brace > sp))
				abort();
		}
		start = i + 1;
	}
	if (start != n)
		abort();
}

static void to_memstream(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

static size_t count_lines(const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	return k;
}

/* ---- the run ---- */

static void feed(struct harness *h, struct fsc_pipeline *pl, struct fsc_frame *f)
{
	f->number++;
	fsc_pipeline_frame(pl, f, fan_out, h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct harness h;
	static bool ready;
	char err[256];
	bool usage;

	if (size < 1)
		return 0;
	if (!ready) {
		for (int i = 0; i < N_PRINTERS; i++)
			if (!fsc_outbuf_init(&h.ob[i], NULL))
				abort();
		ready = true;
	}
	uint8_t cfg = data[0];
	unsigned wrap = cfg & 7;
	bool tight = cfg & 8;
	struct fsc_pipeline_limits lim = { 0 };
	lim.wg.max_sessions = tight ? 3 : 256;
	lim.wg.max_peers = tight ? 2 : 64;
	lim.streams.flow.max_flows = tight ? 3 : 64;
	lim.streams.flow.dir_cap = tight ? 512 : 65536;
	lim.streams.flow.mem_cap = tight ? 4096 : 1 << 20;
	lim.streams.max_streams = tight ? 2 : 64;
	lim.streams.tls_buffers = tight ? 1 : 16;
	lim.streams.trusted_hops = (cfg >> 4) & 1;
	lim.streams.body_ends = true; /* as fdecode: http_response_end through every sink */
	struct tui_model_limits mlim = { 0 };
	if (tight) {
		mlim.max_requests = 3;
		mlim.max_clients = 2;
		mlim.max_hosts = 2;
		mlim.max_endpoints = 2;
		mlim.detail_bytes = 20000;
	} else {
		mlim.max_requests = 64;
		mlim.max_clients = 64;
		mlim.max_hosts = 64;
		mlim.max_endpoints = 64;
		mlim.detail_bytes = 1 << 16;
	}

	struct fsc_enrich_opts eo;
	fsc_enrich_opts_init(&eo);
	eo.no_dns = true;
	eo.no_geoip = true;
	struct fsc_enrich *enr = fsc_enrich_new(&eo, err, sizeof(err), &usage);
	struct fsc_pipeline *pl = fsc_pipeline_new(&lim);
	/* RFC 8448 §3's secrets, as `--tls-keylog` gives them: a connection
	 * with its handshake is read decrypted, and what the stream inside
	 * makes (tls-decrypted events, a direction given up) reaches every
	 * sink as it does in fdecode and fwatch */
	struct fsc_tlskeys *keys = fsc_tlskeys_new(4);
	if (!keys || !pl)
		abort();
	fsc_tlskeys_add_text(keys, rfc8448_keylog, sizeof(rfc8448_keylog) - 1);
	if (!fsc_pipeline_set_tlskeys(pl, keys))
		abort();
	struct client_tally *tally = client_tally_new(16);
	struct fsc_agg_limits al = { .max_hosts = 16, .max_clients = 16 };
	struct fsc_agg *agg = fsc_agg_new(&al);
	h.model = tui_model_new(&mlim, enr);
	if (!enr || !pl || !tally || !agg || !h.model)
		abort();
	tui_model_set_wg(h.model, fsc_pipeline_wg(pl));

	FILE *files[N_PRINTERS];
	for (int i = 0; i < N_PRINTERS; i++) {
		struct options *o = &h.opt[i];
		memset(o, 0, sizeof(*o));
		o->enrich = eo;
		o->limits = lim;
		o->ts = (enum ts_mode)(((cfg >> 5) & 7) % (TS_SINCE_FIRST + 1));
		o->verbose = i == P_VERBOSE || i == P_JSON;
		o->json = i == P_JSON;
		o->summary = i == P_SUMMARY;
		h.out[i] = NULL;
		h.out_len[i] = 0;
		files[i] = open_memstream(&h.out[i], &h.out_len[i]);
		if (!files[i])
			abort();
		h.ob[i].file = files[i];
		h.ob[i].len = 0;
		h.pr[i] = (struct printer){ .ob = &h.ob[i], .opt = o, .enr = enr,
					    .file = "fuzz.pcap" };
	}
	/* Addresses and hosts are tallied once, by the summary. */
	h.tally = tally;
	h.agg = agg;
	h.events = 0;

	struct fsc_frame f = { .linktype = linktypes[wrap] };
	int64_t now_us = 0;
	size_t i = 1;
	while (i + REC_HDR <= size) {
		uint8_t flags = data[i];
		size_t len = (size_t)data[i + 1] | (size_t)data[i + 2] << 8;
		const uint8_t *rec = data + i + REC_HDR;
		i += REC_HDR;
		if (len > size - i)
			len = size - i;
		i += len;
		now_us += (int64_t)1 << (flags >> 3);
		f.sec = T0 + now_us / 1000000;
		f.nsec = (uint32_t)(now_us % 1000000) * 1000;
		size_t first = flags & 1 ? 0 : len;
		for (size_t k = first; k <= len; k++) {
			if (wrap <= 1) {
				size_t n = udp_frame(rec, k > 65000 ? 65000 : k, wrap == 1, flags & 2);
				f.data = frame_buf;
				f.caplen = (uint32_t)n;
				f.wirelen = (uint32_t)n;
			} else {
				/* k < len: a cut of the whole record */
				f.data = rec;
				f.caplen = (uint32_t)k;
				f.wirelen = (uint32_t)len;
			}
			if (flags & 4 && k == len)
				f.wirelen += 64;
			feed(&h, pl, &f);
		}
	}
	fsc_pipeline_flush(pl, fan_out, &h);

	/* The summary, as text and as JSON, through the summary's printer */
	for (int i2 = 0; i2 < N_PRINTERS; i2++)
		fsc_outbuf_flush(&h.ob[i2]);
	struct input_problems probs = { 0 };
	print_summary(files[P_SUMMARY], &h.opt[P_SUMMARY], pl, 1, &probs, enr, tally, agg);
	h.opt[P_SUMMARY].json = true;
	char *js = NULL;
	size_t js_len = 0;
	FILE *jf = open_memstream(&js, &js_len);
	if (!jf)
		abort();
	print_summary(jf, &h.opt[P_SUMMARY], pl, 1, &probs, enr, tally, agg);
	fclose(jf);

	/* The metrics of fdecode's aggregation and of fwatch's model */
	char *pm = NULL;
	size_t pm_len = 0;
	FILE *pf = open_memstream(&pm, &pm_len);
	struct fsc_prom_input pin = { .pl = pl, .agg = agg, .geo = true, .top = 3,
				      .now_ns = fsc_pipeline_stats(pl)->last_ns };
	if (!pf || !fsc_prom_write(&pin, to_memstream, pf))
		abort();
	pin.agg = tui_model_agg(h.model);
	if (!fsc_prom_write(&pin, to_memstream, pf))
		abort();
	fclose(pf);
	check_prom(pm, pm_len);
	free(pm);

	/* fwatch's dump: every view, every Detail; then through a filter */
	char *dump = NULL;
	size_t dump_len = 0;
	FILE *df = open_memstream(&dump, &dump_len);
	struct tui_filter flt = { 0 };
	const char *why;
	if (!df || !tui_filter_set(&flt, "status:2 !method:post", &why))
		abort();
	struct tui_dump_opts d1 = { .filter = NULL, .all_details = true };
	struct tui_dump_opts d2 = { .filter = &flt, .all_details = false };
	tui_dump(df, h.model, &d1);
	tui_dump(df, h.model, &d2);
	fclose(df);

	for (int i2 = 0; i2 < N_PRINTERS; i2++)
		fclose(files[i2]);
	if (count_lines(h.out[P_VERBOSE], h.out_len[P_VERBOSE]) != h.events ||
	    count_lines(h.out[P_JSON], h.out_len[P_JSON]) != h.events)
		abort();
	check_json(h.out[P_JSON], h.out_len[P_JSON]);
	check_json(js, js_len);
	check_text(h.out[P_TEXT], h.out_len[P_TEXT]);
	check_text(h.out[P_VERBOSE], h.out_len[P_VERBOSE]);
	check_text(h.out[P_SUMMARY], h.out_len[P_SUMMARY]);
	check_text(dump, dump_len);

	for (int i2 = 0; i2 < N_PRINTERS; i2++)
		free(h.out[i2]);
	free(js);
	free(dump);
	tui_model_free(h.model);
	fsc_agg_free(agg);
	client_tally_free(tally);
	fsc_pipeline_free(pl);
	fsc_tlskeys_free(keys);
	fsc_enrich_free(enr);
	return 0;
}
