/* fuzz_request.c - libFuzzer target for the request record builder
 * (request.c) fed by the whole pipeline: IPv4/IPv6 TCP frames built from
 * the input, dissected, reassembled, read as TLS and HTTP, and every event
 * handed to fsc_requests_event.
 *
 * Build: make fuzz (clang, -fsanitize=fuzzer,address,undefined).
 * Corpus: tests/fuzz/corpus/request/, in fuzz_streams.c's descriptor format:
 * seeded with a copy of corpus/streams (tests/fuzz/gen/streams_corpus.py).
 *
 *   byte 0        config: bit 0 tight limits (a 2-transaction, 2-connection
 *                 builder that keeps 64 bytes of each head, on a tiny flow
 *                 table, so every eviction path runs); bits 1-2 trusted
 *                 hops; bit 3 IPv6 addresses
 *   per segment:  as fuzz_streams.c: u8 conn | dir << 2 | cut << 3 | k << 4,
 *                 u8 TCP flags, le32 seq delta, le16 length, payload
 *
 * Oracles beyond "no crash": every request event is handed over as exactly
 * one record by the end (records by state add up to the requests seen);
 * each record's state is named, its request piece seen, its answer seen
 * when complete, its times ordered; every text field is NUL-terminated at
 * its length within its cap and read whole (ASan); kept head lines walk to
 * their end; both access log formats (fsc/accesslog.h), with redaction and
 * truncation, fit FSC_ACCESSLOG_LINE_MAX and end in one newline; fdecode's
 * HAR entry and curl command (tools/fdecode/export.c) hold no control byte
 * but newline: untrusted text reaches neither raw.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "export.h"
#include "fsc/accesslog.h"
#include "fsc/request.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CONNS 4
#define SEG_HDR 8

struct harness {
	struct fsc_requests *rq;
	struct har *har;	/* into /dev/null: run for the sanitizers */
	uint64_t requests;	/* request events seen */
	uint64_t records;	/* records handed over */
	volatile uint8_t sink;
};

static uint32_t le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static bool after(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) > 0;
}

static void text(struct harness *h, const char *s, size_t len, size_t cap)
{
	if (len > cap || s[len] != '\0')
		abort();
	for (size_t i = 0; i < len; i++)
		h->sink ^= (uint8_t)s[i];
}

static void access_lines(const struct fsc_request *r)
{
	static char line[FSC_ACCESSLOG_LINE_MAX];
	struct fsc_accesslog_opts o = {
		.redact_headers = { "Cookie", "user-agent" }, .n_redact_headers = 2,
		.redact_query = { "token", "" }, .n_redact_query = 2, .truncate_clients = true,
	};

	for (int f = 0; f < 2; f++) {
		o.format = f ? FSC_ACCESSLOG_JSON : FSC_ACCESSLOG_COMBINED;
		o.type_key = f;
		size_t n = fsc_accesslog_format(r, &o, line, sizeof(line));
		if (n == 0 || line[n - 1] != '\n' || memchr(line, '\n', n - 1) || line[n] != '\0')
			abort();
	}
}

/* fdecode's HAR entry and curl command of the record. */
static void exports(struct harness *h, const struct fsc_request *r)
{
	struct fsc_accesslog_opts o = { .redact_headers = { "Cookie" }, .n_redact_headers = 1 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		abort();
	har_entry(h->har, r, &o);
	fsc_curl_print(f, r, &o, "fdecode");
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if ((uint8_t)buf[i] < 0x20 && buf[i] != '\n')
			abort();
	free(buf);
}

static void on_record(const struct fsc_request *r, void *ctx)
{
	struct harness *h = ctx;

	access_lines(r);
	exports(h, r);

	h->records++;
	if ((unsigned)r->state >= FSC_REQ_STATE_COUNT || !r->req.seen || r->index == 0)
		abort();
	if (r->state == FSC_REQ_COMPLETE && !r->resp.seen)
		abort();
	if (r->last_ns >= 0 && (r->first_ns < 0 || r->last_ns < r->first_ns))
		abort();
	if (r->resp_body_measured && !r->end.seen && r->resp_body_len)
		abort();
	text(h, r->method, r->method_len, FSC_REQ_METHOD_MAX);
	text(h, r->target, r->target_len, FSC_REQ_TARGET_MAX);
	text(h, r->host, r->host_len, FSC_REQ_HOST_MAX);
	text(h, r->user_agent, r->ua_len, FSC_REQ_UA_MAX);
	text(h, r->referer, r->referer_len, FSC_REQ_REFERER_MAX);
	text(h, r->xff, r->xff_len, FSC_REQ_XFF_MAX);
	text(h, r->reason, r->reason_len, FSC_REQ_REASON_MAX);
	text(h, r->sni, r->sni_len, FSC_REQ_SNI_MAX);
	text(h, r->alpn, r->alpn_len, FSC_REQ_ALPN_MAX);
	text(h, r->ja4, r->ja4_len, FSC_JA4_LEN - 1);
	text(h, r->ingress_src, r->ingress_src_len, FSC_REQ_INGRESS_MAX);
	text(h, r->ingress_target, r->ingress_target_len, FSC_REQ_INGRESS_MAX);
	for (size_t i = 0; i < r->n_fields; i++)
		text(h, r->fields[i].value, r->fields[i].len, FSC_REQ_FIELD_MAX);
	struct fsc_span name, value;
	size_t off = 0;
	while (fsc_request_header_next(r->req_headers, r->req_headers_len, &off, &name, &value))
		h->sink ^= (uint8_t)(name.len + value.len);
	if (off != r->req_headers_len)
		abort();
	off = 0;
	while (fsc_request_header_next(r->resp_headers, r->resp_headers_len, &off, &name,
				       &value))
		h->sink ^= (uint8_t)(name.len + value.len);
	if (off != r->resp_headers_len)
		abort();
}

static void on_event(const struct fsc_event *ev, void *ctx)
{
	struct harness *h = ctx;

	if (ev->type == FSC_EV_HTTP_REQUEST)
		h->requests++;
	fsc_requests_event(h->rq, ev, on_record, h);
}

/* An IPv4 or IPv6 TCP header before the payload, as a LINKTYPE_RAW frame. */
static size_t build(uint8_t *b, bool v6, int conn, int dir, uint8_t flags, uint32_t seq,
		    uint32_t ack, const uint8_t *payload, size_t len)
{
	size_t ip = v6 ? 40 : 20;
	uint16_t sp = dir ? 443 : (uint16_t)(40000 + conn), dp = dir ? (uint16_t)(40000 + conn) : 443;

	memset(b, 0, ip + 20);
	if (v6) {
		b[0] = 0x60;
		b[4] = (uint8_t)((20 + len) >> 8);
		b[5] = (uint8_t)(20 + len);
		b[6] = 6;
		b[7] = 64;
		b[8] = b[24] = 0x20;
		b[9] = b[25] = 0x01;
		b[10] = b[26] = 0x0d;
		b[11] = b[27] = 0xb8;
		b[23] = dir ? 2 : 1;
		b[39] = dir ? 1 : 2;
	} else {
		b[0] = 0x45;
		b[2] = (uint8_t)((40 + len) >> 8);
		b[3] = (uint8_t)(40 + len);
		b[8] = 64;
		b[9] = 6;
		b[12] = b[16] = 198;
		b[13] = b[17] = 18;
		b[15] = dir ? 2 : 1;
		b[19] = dir ? 1 : 2;
	}
	uint8_t *t = b + ip;
	t[0] = (uint8_t)(sp >> 8);
	t[1] = (uint8_t)sp;
	t[2] = (uint8_t)(dp >> 8);
	t[3] = (uint8_t)dp;
	for (int i = 0; i < 4; i++) {
		t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
		t[8 + i] = (uint8_t)(ack >> (24 - 8 * i));
	}
	t[12] = 0x50;
	t[13] = flags;
	t[14] = t[15] = 0xff;
	memcpy(t + 20, payload, len);
	return ip + 20 + len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct fsc_req_field_spec fields[] = {
		{ "Authorization", false }, { "Cookie", false }, { "Set-Cookie", true },
	};
	struct harness h;
	struct fsc_pipeline_limits pl;
	struct fsc_request_limits rl = { .max_open = 64, .max_conns = 16, .head_cap = 4096,
					 .fields = fields, .n_fields = 3 };
	uint32_t next[CONNS][2];

	if (size < 1)
		return 0;
	memset(&h, 0, sizeof(h));
	memset(&pl, 0, sizeof(pl));
	pl.streams.flow.max_flows = 16;
	pl.streams.flow.mem_cap = 1 << 20;
	pl.streams.max_streams = 8;
	pl.streams.tls_buffers = 4;
	pl.wg.max_sessions = 4;
	pl.wg.max_peers = 4;
	if (data[0] & 1) {
		pl.streams.flow.max_flows = 3;
		pl.streams.flow.dir_cap = 1024;
		pl.streams.flow.mem_cap = 4096;
		pl.streams.flow.hole_timeout_ns = 20 * 1000000ll;
		pl.streams.flow.idle_timeout_ns = 2000 * 1000000ll;
		pl.streams.max_streams = 2;
		pl.streams.max_headers = 6;
		pl.streams.max_head = 600;
		rl.max_open = 2;
		rl.max_conns = 2;
		rl.head_cap = 64;
	}
	pl.streams.trusted_hops = (data[0] >> 1) & 3;
	fsc_requests_pipeline_limits(&pl);
	struct fsc_pipeline *p = fsc_pipeline_new(&pl);
	h.rq = fsc_requests_new(&rl);
	int status;
	h.har = har_open("/dev/null", &status);
	if (!h.har)
		abort();
	if (!p || !h.rq) {
		fsc_pipeline_free(p);
		fsc_requests_free(h.rq);
		har_close(h.har, "/dev/null");
		return 0;
	}
	for (int c = 0; c < CONNS; c++)
		next[c][0] = next[c][1] = c == 3 ? 0xffffff00u : 0;

	bool v6 = data[0] & 8;
	int64_t now = 1000000000ll;
	uint64_t number = 0;
	size_t off = 1;
	while (size - off >= SEG_HDR) {
		const uint8_t *d = data + off;
		int conn = d[0] & 3, dir = (d[0] >> 2) & 1;
		size_t len = d[6] | (size_t)d[7] << 8;

		off += SEG_HDR;
		if (len > size - off)
			len = size - off;
		uint32_t seq = next[conn][dir] + le32(d + 2);
		/* An exact-size frame, so ASan sees a read past its end. */
		size_t cap = 60 + len;
		uint8_t *b = malloc(cap);
		if (!b)
			break;
		size_t n = build(b, v6, conn, dir, d[1], seq, next[conn][!dir], data + off, len);
		off += len;
		uint32_t end = seq + (uint32_t)len + ((d[1] & (FSC_TCP_SYN | FSC_TCP_FIN)) ? 1 : 0);
		if (after(end, next[conn][dir]))
			next[conn][dir] = end;
		now += (int64_t)100000 << (d[0] >> 4);
		struct fsc_frame f = {
			.data = b, .caplen = (uint32_t)n,
			.wirelen = (uint32_t)n + ((d[0] & 8) ? 100 : 0),
			.sec = now / 1000000000ll, .nsec = (uint32_t)(now % 1000000000ll),
			.linktype = 101, .number = ++number,
		};
		fsc_pipeline_frame(p, &f, on_event, &h);
		free(b);
	}
	fsc_pipeline_flush(p, on_event, &h);
	fsc_requests_flush(h.rq, on_record, &h);

	/* One record a request, and the counters agree. */
	const struct fsc_request_stats *st = fsc_requests_stats(h.rq);
	uint64_t by_state = 0;
	for (int i = 0; i < FSC_REQ_STATE_COUNT; i++)
		by_state += st->records[i];
	if (h.records != h.requests || by_state != h.records ||
	    st->records[FSC_REQ_EVICTED] < st->evicted_open)
		abort();
	fsc_pipeline_free(p);
	fsc_requests_free(h.rq);
	har_close(h.har, "/dev/null");
	return 0;
}
