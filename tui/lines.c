/* lines.c - Detail of a request and the capture summary as lines of
 * escaped text (table.h). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/wgkeylog.h"
#include "table.h"
#include "tui_int.h"

static void line(tui_line_fn fn, void *ctx, const char *label, enum tui_mark mk,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void line(tui_line_fn fn, void *ctx, const char *label, enum tui_mark mk,
		 const char *fmt, ...)
{
	char buf[4 * CELL_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fn(ctx, label, buf, mk);
}

/* " [exact]", " [ambiguous 3]". */
static const char *join_text(struct fsc_story_join j, char *buf, size_t cap)
{
	if (j.kind == FSC_JOIN_AMBIGUOUS)
		snprintf(buf, cap, "[%s %u]", fsc_join_name(j.kind), j.candidates);
	else
		snprintf(buf, cap, "[%s]", fsc_join_name(j.kind));
	return buf;
}

/* A story side's observation point: live, the model's sources are the
 * interfaces; in replay, the files. */
static const char *input_text(struct tui_model *m, unsigned input, unsigned iface, char *buf,
			      size_t cap)
{
	const char *s = tui_model_source_name(m, tui_model_live(m) ? iface : input);

	if (tui_model_sources(m) < 2 || !s[0]) {
		buf[0] = '\0';
		return buf;
	}
	if (!tui_model_live(m) && strrchr(s, '/') && strrchr(s, '/')[1])
		s = strrchr(s, '/') + 1;
	char name[96];
	tui_escape(s, strlen(s), name, sizeof(name));
	snprintf(buf, cap, " (%s)", name);
	return buf;
}

static void key_text(const uint8_t key[32], char *buf, size_t cap)
{
	char l[FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_format(l, sizeof(l), FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY, key);
	const char *eq = memchr(l, '=', n);

	snprintf(buf, cap, "%.44s", eq ? eq + 2 : "?");
}

/* The story's chain: where the request was seen on its way in, each join
 * with how it was made, and the stretches between the stages. */
static void story_lines(struct tui_model *m, const struct tui_request *r, tui_line_fn fn,
			void *ctx)
{
	const struct fsc_story *s = tui_model_story_of(m, r);
	char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX], j[48], in[128];
	char e1[FSC_ENDPOINT_STRLEN], e2[FSC_ENDPOINT_STRLEN];

	if (!s) {
		if (r->story_id)
			line(fn, ctx, "Story", TUI_MARK_WARN, "#%" PRIu64 " no longer kept "
			     "(the newest %" PRIu32 " are)", r->story_id, tui_model_limits(m)->max_stories);
		return;
	}
	line(fn, ctx, "Story", TUI_MARK_TITLE, "#%" PRIu64 ", the public request end to end%s",
	     s->id, s->complete ? "" : " (its response did not end)");
	if (s->edge_join.kind == FSC_JOIN_ADDR_TIME)
		line(fn, ctx, "Edge", TUI_MARK_NONE, "%s > %s %s%s",
		     fsc_endpoint_str(&s->client, s->client_port, e1),
		     fsc_endpoint_str(&s->edge, s->edge_port, e2), join_text(s->edge_join, j, sizeof(j)),
		     input_text(m, s->edge_input, s->edge_iface, in, sizeof(in)));
	else
		line(fn, ctx, "Edge", s->edge_join.kind == FSC_JOIN_AMBIGUOUS ? TUI_MARK_WARN
									  : TUI_MARK_NONE,
		     "%s", join_text(s->edge_join, j, sizeof(j)));
	if (fsc_story_relay_named(s)) {
		const struct fsc_wg_session *se = tui_model_session(m, s->wg_session);
		tui_tag_text(m, &s->relay, b, sizeof(b));
		c[0] = '\0';
		if (se)
			snprintf(c, sizeof(c), " peer %" PRIu32, se->peer);
		if (s->have_wg_key) {
			char k[64];
			key_text(s->wg_initiator_key, k, sizeof(k));
			snprintf(c + strlen(c), sizeof(c) - strlen(c), " key %s", k);
		}
		line(fn, ctx, "Relay", TUI_MARK_NONE, "%s %s session %" PRIu32 "%s %s%s",
		     fsc_endpoint_str(&s->relay, s->relay_port, e1), b, s->wg_session, c,
		     join_text(s->relay_join, j, sizeof(j)),
		     input_text(m, s->relay_input, s->relay_iface, in, sizeof(in)));
	} else {
		line(fn, ctx, "Relay", s->relay_join.kind == FSC_JOIN_AMBIGUOUS ? TUI_MARK_WARN
										: TUI_MARK_NONE,
		     "%s", join_text(s->relay_join, j, sizeof(j)));
	}
	if (s->have_ingress) {
		tui_escape(s->ingress_src, strlen(s->ingress_src), a, sizeof(a));
		tui_escape(s->ingress_target, strlen(s->ingress_target), b, sizeof(b));
		line(fn, ctx, "Ingress", s->ingress_status == 101 ? TUI_MARK_NONE : TUI_MARK_WARN,
		     "src %s target %s answer %d node %s%s", a, b, s->ingress_status,
		     fsc_endpoint_str(&s->node, s->node_port, e1),
		     input_text(m, s->ingress_input, s->ingress_iface, in, sizeof(in)));
	} else {
		line(fn, ctx, "Ingress", TUI_MARK_NONE, "[none]");
	}
	if (s->have_tls) {
		tui_escape(s->sni, strlen(s->sni), a, sizeof(a));
		tui_escape(s->alpn, strlen(s->alpn), b, sizeof(b));
		c[0] = '\0';
		if (s->alpn_selected[0]) {
			char sel[64];
			tui_escape(s->alpn_selected, strlen(s->alpn_selected), sel, sizeof(sel));
			snprintf(c, sizeof(c), " (chosen %s)", sel);
		}
		char ja4[64], hs[32] = "-";
		tui_escape(s->ja4, strlen(s->ja4), ja4, sizeof(ja4));
		if (s->t[FSC_STAGE_TLS_HELLO] && s->t[FSC_STAGE_TLS_DONE])
			snprintf(hs, sizeof(hs), "%.3fms",
				 (double)(s->t[FSC_STAGE_TLS_DONE] - s->t[FSC_STAGE_TLS_HELLO]) / 1e6);
		line(fn, ctx, "TLS", TUI_MARK_NONE, "sni %s alpn %s%s ja4 %s handshake %s [exact]",
		     a[0] ? a : "-", b[0] ? b : "-", c, ja4[0] ? ja4 : "-", hs);
	}
	if (s->have_request) {
		tui_escape(s->method, strlen(s->method), a, sizeof(a));
		tui_escape(s->host, strlen(s->host), b, sizeof(b));
		tui_escape(s->target, strlen(s->target), c, sizeof(c));
		char st[16] = "no answer";
		if (s->http_status)
			snprintf(st, sizeof(st), "%d", s->http_status);
		line(fn, ctx, "Loopback", s->request_join.kind == FSC_JOIN_AMBIGUOUS ? TUI_MARK_WARN
										    : TUI_MARK_NONE,
		     "%s %s%s %s %" PRIu64 " bytes, request %u by %s %s%s", a, b, c, st,
		     s->response_bytes, s->request_index, s->client_rule ? s->client_rule : "none",
		     join_text(s->request_join, j, sizeof(j)),
		     input_text(m, s->request_input, s->request_iface, in, sizeof(in)));
	} else {
		line(fn, ctx, "Loopback", TUI_MARK_NONE, "[none]");
	}
	size_t n = 0;
	a[0] = '\0';
	for (int k = 0; k < FSC_STRETCH_COUNT; k++) {
		int64_t d = fsc_story_stretch(s, (enum fsc_stretch)k);
		if (d >= 0)
			n += tui_put(a + n, sizeof(a) - n, "%s%s %.3f", n ? "  " : "",
				     fsc_stretch_name((enum fsc_stretch)k), (double)d / 1e6);
	}
	line(fn, ctx, "Stages", TUI_MARK_NONE, "%s ms", n ? a : "(none timed)");
	tui_stage_bar(r->stretch, 2 * TUI_BAR_WIDTH, b, sizeof(b));
	line(fn, ctx, "", TUI_MARK_NONE, "[%s]  e edge, i ingress, t tls, b to backend, "
	     "f first byte, l last byte", b);
}

void tui_detail_lines(struct tui_model *m, const struct tui_request *r, tui_line_fn fn,
		      void *ctx)
{
	char a[CELL_MAX], b[CELL_MAX], c[CELL_MAX], t1[32], t2[32];
	char e1[FSC_ENDPOINT_STRLEN], e2[FSC_ENDPOINT_STRLEN];
	struct tui_detail *d = malloc(sizeof(*d));

	if (!d) {
		fn(ctx, "", "(out of memory)", TUI_MARK_BAD);
		return;
	}
	tui_model_detail(m, r, d);

	tui_escaped(r->method, r->method_len, a, sizeof(a));
	tui_escaped(r->path, r->path_len, b, sizeof(b));
	line(fn, ctx, "Request", TUI_MARK_TITLE, "#%" PRIu64 " %s %s%s HTTP/1.%u", r->seq, a, b,
	     r->path_cut ? "..." : "", r->minor);
	tui_escaped(r->host, r->host_len, a, sizeof(a));
	line(fn, ctx, "Host", TUI_MARK_NONE, "%s%s", a,
	     r->ingress ? " (Tailscale-Ingress-Target; the Host header is below)" : "");
	line(fn, ctx, "Connection", TUI_MARK_NONE, "%s > %s (connection %" PRIu64 ", request %u)",
	     fsc_endpoint_str(&r->src, r->sport, e1), fsc_endpoint_str(&r->dst, r->dport, e2),
	     r->flow_id, r->index);
	tui_fmt_time(r->ts_ns, true, t1, sizeof(t1));
	line(fn, ctx, "Time", TUI_MARK_NONE, "%s", t1);
	if (r->status) {
		tui_fmt_time(r->resp_ns, true, t2, sizeof(t2));
		snprintf(a, sizeof(a), "%.3fms", (double)r->latency_ns / 1e6);
		line(fn, ctx, "Response", tui_status_mark(r->status), "%d after %s, at %s", r->status,
		     a, t2);
	} else {
		line(fn, ctx, "Response", TUI_MARK_PENDING, "none seen yet");
	}
	if (r->req_body >= 0)
		snprintf(a, sizeof(a), "%" PRId64 " bytes", r->req_body);
	else
		snprintf(a, sizeof(a), "none");
	if (r->resp_chunked)
		snprintf(b, sizeof(b), "chunked");
	else if (r->resp_body >= 0)
		snprintf(b, sizeof(b), "%" PRId64 " bytes", r->resp_body);
	else
		snprintf(b, sizeof(b), "-");
	line(fn, ctx, "Bodies", TUI_MARK_NONE, "request %s, response %s", a, b);
	if (r->malformed)
		line(fn, ctx, "Problem", TUI_MARK_BAD, "the head could not be read whole");

	/* The client and how the rule chose it. */
	if (r->client.family) {
		tui_tag_text(m, &r->client, c, sizeof(c));
		line(fn, ctx, "Client", TUI_MARK_TITLE, "%s by %s%s%s%s", fsc_addr_str(&r->client, a),
		     fsc_client_rule_name(r->rule), strcmp(c, "-") ? " [" : "",
		     strcmp(c, "-") ? c : "", strcmp(c, "-") ? "]" : "");
	} else {
		line(fn, ctx, "Client", TUI_MARK_TITLE, "none (%s)", fsc_client_rule_name(r->rule));
	}
	if (r->has_claimed)
		line(fn, ctx, "Claimed", TUI_MARK_WARN, "%s (leftmost in the headers, not believed)",
		     fsc_addr_str(&r->claimed, a));
	if (r->funnel)
		line(fn, ctx, "Funnel", TUI_MARK_NONE, "yes (Tailscale-Funnel-Request: ?1)");
	story_lines(m, r, fn, ctx);

	if (!d->kept) {
		line(fn, ctx, "Headers", TUI_MARK_WARN, "no longer kept (the detail memory, %zu "
		     "bytes, holds the newest heads)", tui_model_limits(m)->detail_bytes);
		free(d);
		return;
	}
	if (d->n_hops) {
		line(fn, ctx, "Hops", TUI_MARK_TITLE, "%s, left to right%s",
		     d->hops_from_forwarded ? "Forwarded for=" : "X-Forwarded-For",
		     d->hops_cut ? " (more than shown)" : "");
		/* The client is the rightmost hop kept with its address. */
		size_t client_hop = SIZE_MAX;
		for (size_t i = d->n_hops; i-- > 0;)
			if (!d->hops[i].skip && d->hops[i].addr.family &&
			    fsc_addr_eq(&d->hops[i].addr, &r->client)) {
				client_hop = i;
				break;
			}
		for (size_t i = 0; i < d->n_hops; i++) {
			const struct tui_hop *h = &d->hops[i];
			char label[24]; /* room for any size_t */
			tui_escape(h->text, h->text_len, a, sizeof(a));
			b[0] = '\0';
			if (h->v4.family)
				snprintf(b, sizeof(b), " of %s", fsc_addr_str(&h->v4, e1));
			snprintf(label, sizeof(label), "%zu", i + 1);
			line(fn, ctx, label, i == client_hop ? TUI_MARK_OK : TUI_MARK_NONE,
			     "%s  %s%s%s%s%s", a, h->cls, b, h->skip ? "  skipped: " : "",
			     h->skip ? h->skip : "", i == client_hop ? "  <- client" : "");
		}
	}
	/* That client's latest ingress handshake, unless the story names the
	 * very one. */
	const struct tui_ingress *in = r->client.family && !tui_model_story_of(m, r)
					       ? tui_model_ingress(m, &r->client) : NULL;
	if (in) {
		tui_escape(in->src, in->src_len, a, sizeof(a));
		tui_escape(in->target, in->target_len, b, sizeof(b));
		c[0] = '\0';
		if (in->has_sni) {
			memcpy(c, " sni ", 5);
			tui_escape(in->sni, in->sni_len, c + 5, sizeof(c) - 5);
		}
		tui_fmt_time(in->ts_ns, true, t1, sizeof(t1));
		if (in->status)
			snprintf(t2, sizeof(t2), "answer %d", in->status);
		else
			snprintf(t2, sizeof(t2), "no answer seen");
		line(fn, ctx, "Ingress", TUI_MARK_NONE, "src %s target %s %s%s at %s", a, b, t2, c,
		     t1);
	}
	line(fn, ctx, "Headers", TUI_MARK_TITLE, "%zu%s", d->n_headers,
	     d->headers_cut ? " (cut: more or longer than kept)" : "");
	for (size_t i = 0; i < d->n_headers; i++) {
		const struct tui_header *h = &d->headers[i];
		tui_escape(h->name, h->name_len, a, sizeof(a));
		tui_escape(h->value, h->value_len, b, sizeof(b));
		line(fn, ctx, "", TUI_MARK_NONE, "%s: %s", a, b);
	}
	free(d);
}

size_t tui_rates_text(struct tui_model *m, char *buf, size_t cap)
{
	char p[16], b[16], q[16];

	tui_fmt_count(tui_model_rate(m, TUI_S_PACKETS), p, sizeof(p));
	tui_fmt_bytes(tui_model_rate(m, TUI_S_BYTES), b, sizeof(b));
	tui_fmt_count(tui_model_rate(m, TUI_S_REQUESTS), q, sizeof(q));
	return tui_put(buf, cap, "%s pkt/s  %sB/s  %s req/s", p, b, q);
}

size_t tui_sources_text(struct tui_model *m, char *buf, size_t cap)
{
	size_t n = 0;
	uint64_t drops = 0;
	bool have = false;

	buf[0] = '\0';
	for (unsigned i = 0; i < tui_model_sources(m) && n + 1 < cap; i++) {
		struct fsc_src_stats st;
		char name[160];
		const char *s = tui_model_source_name(m, i);
		/* A replayed file by its name: the header is short. */
		if (!tui_model_live(m) && strrchr(s, '/') && strrchr(s, '/')[1])
			s = strrchr(s, '/') + 1;
		tui_escape(s, strlen(s), name, sizeof(name));
		n += tui_put(buf + n, cap - n, "%s%s", i ? "," : "", name);
		if (tui_model_drops(m, i, &st)) {
			drops += st.dropped + st.if_dropped;
			have = true;
		}
	}
	if (have && n + 1 < cap)
		n += tui_put(buf + n, cap - n, "  drops %" PRIu64, drops);
	return n;
}

/* The correlation's joins of loopback requests, and the proxy model in
 * force: told per-connection, a sign of a pool turns it pooled (a warning:
 * the joins from then on are the pooled ones), as fdecode --summary says. */
static void correlation_lines(struct tui_model *m, tui_line_fn fn, void *ctx)
{
	const struct fsc_corr_stats *cs = tui_model_corr(m);
	char when[64];

	if (!cs)
		return;
	const uint64_t *j = cs->joins[FSC_SIDE_REQUEST];
	line(fn, ctx, "stories", TUI_MARK_NONE, "%" PRIu64 "; requests joined exact %" PRIu64
	     ", address+time %" PRIu64 ", address+data %" PRIu64 ", ambiguous %" PRIu64
	     ", none %" PRIu64, cs->stories, j[FSC_JOIN_EXACT], j[FSC_JOIN_ADDR_TIME],
	     j[FSC_JOIN_ADDR_DATA], j[FSC_JOIN_AMBIGUOUS], j[FSC_JOIN_NONE]);
	if (!cs->pooled_since_ns) {
		line(fn, ctx, "proxy", TUI_MARK_NONE, "%s", fsc_proxy_model_name(cs->proxy));
		return;
	}
	tui_fmt_time(cs->pooled_since_ns, true, when, sizeof(when));
	line(fn, ctx, "proxy", TUI_MARK_WARN, "%s since %s (per-connection given up: %" PRIu64
	     " sign%s of a pool)", fsc_proxy_model_name(cs->proxy), when, cs->proxy_violations,
	     cs->proxy_violations == 1 ? "" : "s");
}

void tui_capture_lines(struct tui_model *m, tui_line_fn fn, void *ctx)
{
	const struct tui_totals *t = tui_model_totals(m);
	const struct tui_model_limits *lim = tui_model_limits(m);
	char a[64], b[64], buf[CELL_MAX];

	for (unsigned i = 0; i < tui_model_sources(m); i++) {
		struct fsc_src_stats st;
		const char *s = tui_model_source_name(m, i);
		tui_escape(s, strlen(s), buf, sizeof(buf));
		if (tui_model_drops(m, i, &st))
			line(fn, ctx, "source", TUI_MARK_NONE, "%s: %" PRIu64 " packets, %" PRIu64
			     " received by the filter, %" PRIu64 " dropped by the kernel, %" PRIu64
			     " by the interface", buf, i < TUI_MAX_IFACES ? t->iface_frames[i] : 0,
			     st.received, st.dropped, st.if_dropped);
		else
			line(fn, ctx, "source", TUI_MARK_NONE, "%s%s", buf,
			     tui_model_live(m) ? "" : " (file)");
	}
	line(fn, ctx, "packets", TUI_MARK_NONE, "%" PRIu64 " (%" PRIu64 " bytes on the wire)",
	     t->frames, t->bytes);
	if (t->frames) {
		tui_fmt_time(t->first_ns, true, a, sizeof(a));
		tui_fmt_time(t->last_ns, true, b, sizeof(b));
		line(fn, ctx, "time", TUI_MARK_NONE, "%s .. %s (%.3f s)", a, b,
		     (double)(t->last_ns - t->first_ns) / 1e9);
	}
	tui_rates_text(m, buf, sizeof(buf));
	line(fn, ctx, "last second", TUI_MARK_NONE, "%s", buf);
	uint64_t hist[10];
	tui_model_history(m, TUI_S_REQUESTS, hist, 10);
	line(fn, ctx, "requests/s", TUI_MARK_NONE, "%" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	     " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64
	     " (the last 10 s, oldest first)", hist[0], hist[1], hist[2], hist[3], hist[4],
	     hist[5], hist[6], hist[7], hist[8], hist[9]);
	uint64_t kept = tui_model_last_seq(m) ? tui_model_last_seq(m) - tui_model_first_seq(m) + 1
					      : 0;
	line(fn, ctx, "requests", TUI_MARK_NONE, "%" PRIu64 " (%" PRIu64 " kept, at most %" PRIu32
	     "); %" PRIu64 " responses, %" PRIu64 " to requests not seen", t->requests, kept,
	     lim->max_requests, t->responses, t->unmatched_responses);
	line(fn, ctx, "tunnel", TUI_MARK_NONE, "%" PRIu64 " wg, %" PRIu64 " disco, %" PRIu64
	     " stun, %" PRIu64 " tailscale debug disco; %" PRIu64 " tls hellos, %" PRIu64
	     " ingress", t->wg, t->disco, t->stun, t->tsdisco, t->tls_hellos, t->ingress);
	correlation_lines(m, fn, ctx);
	const struct fsc_clock_offset *co;
	size_t n_clock = tui_model_clock(m, &co);
	for (size_t i = 0; i < n_clock; i++) {
		char na[96], nb[96], err[96] = "";
		const char *sa = tui_model_source_name(m, co[i].a), *sb = tui_model_source_name(m, co[i].b);
		sa = strrchr(sa, '/') && strrchr(sa, '/')[1] ? strrchr(sa, '/') + 1 : sa;
		sb = strrchr(sb, '/') && strrchr(sb, '/')[1] ? strrchr(sb, '/') + 1 : sb;
		tui_escape(sa, strlen(sa), na, sizeof(na));
		tui_escape(sb, strlen(sb), nb, sizeof(nb));
		if (!co[i].one_way)
			snprintf(err, sizeof(err), " +/- %.6f s%s", (double)co[i].error_ns / 1e9,
				 co[i].inconsistent ? " (the two ways overlap: a clock moved)" : "");
		line(fn, ctx, "clock", co[i].inconsistent ? TUI_MARK_WARN : TUI_MARK_NONE,
		     "%s minus %s: %+.6f s%s%s, from %" PRIu64 " packets seen in both", nb, na,
		     (double)co[i].offset_ns / 1e9, err,
		     co[i].one_way ? " (one way only: a bound, not an estimate)" : "", co[i].pairs);
	}
	if (t->malformed || t->truncated)
		line(fn, ctx, "problems", TUI_MARK_WARN, "%" PRIu64 " malformed, %" PRIu64
		     " truncated frames", t->malformed, t->truncated);
	if (t->requests_evicted || t->clients_evicted || t->hosts_evicted || t->endpoints_evicted)
		line(fn, ctx, "evicted", TUI_MARK_WARN, "%" PRIu64 " requests, %" PRIu64
		     " clients, %" PRIu64 " hosts, %" PRIu64 " endpoints (oldest first; limits: "
		     "--max-requests, --max-clients, --max-hosts)", t->requests_evicted,
		     t->clients_evicted, t->hosts_evicted, t->endpoints_evicted);
}
