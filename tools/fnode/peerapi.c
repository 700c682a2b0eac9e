/* peerapi.c - the PeerAPI side of the ingress handshake (refpair.md §1.2):
 * one request head, tailscaled's checks and answers byte for byte, then the
 * bare 101 and the switch to TLS (HTTPS ports, TerminateTLS) or to a plain
 * stream (TCP forwarding). Bytes the edge pipelined behind the head are
 * kept as the start of the stream (tailscaled loses them). */
#include "fnode.h"

#include <string.h>
#include <time.h>

#include "flog.h"
#include "fsc/ingress.h"

static bool peer_is_edge(const struct conn *c)
{
	size_t i;

	if (c->nd->o.any_edge)
		return true;
	for (i = 0; i < c->nd->o.n_edges; i++)
		if (fsc_addr_eq(&c->nd->o.edges[i], &c->peer))
			return true;
	return false;
}

static void http_date(char *buf, size_t cap)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static void refuse(struct conn *c, enum fsc_ingress_verdict v, const char *detail,
		   const char *why)
{
	const struct fsc_ingress_answer *a = fsc_ingress_answer(v);
	char buf[512], date[64];
	size_t n;
	struct fsc_line l;

	http_date(date, sizeof(date));
	n = fsc_ingress_write_answer(v, date, buf, sizeof(buf));
	if (n < sizeof(buf))
		fsc_bq_put(&c->rout, buf, n);
	fsc_line_begin(&l, "ingress-refused");
	fsc_line_ep(&l, "peer", &c->peer, c->peer_port);
	fsc_line_u64(&l, "status", (uint64_t)a->status);
	fsc_line_cstr(&l, "reason", a->name);
	if (detail)
		fsc_line_cstr(&l, "target", detail);
	if (why)
		fsc_line_cstr(&l, "why", why);
	fsc_line_end(&l);
	c->nd->count.ingress_refused++;
	c->close_after_flush = true;
	c->wait = W_NONE;
}

static void bad_head(struct conn *c, const char *why)
{
	static const char answer[] = "HTTP/1.1 400 Bad Request\r\n"
				     "Content-Type: text/plain; charset=utf-8\r\n"
				     "Connection: close\r\n\r\n400 Bad Request";
	struct fsc_line l;

	fsc_bq_put(&c->rout, answer, sizeof(answer) - 1);
	fsc_line_begin(&l, "ingress-refused");
	fsc_line_ep(&l, "peer", &c->peer, c->peer_port);
	fsc_line_u64(&l, "status", 400);
	fsc_line_cstr(&l, "reason", "bad-request");
	fsc_line_cstr(&l, "why", why);
	fsc_line_end(&l);
	c->nd->count.ingress_refused++;
	c->close_after_flush = true;
	c->wait = W_NONE;
}

static void copy_span(char *dst, size_t cap, const char *p, size_t len)
{
	if (len >= cap)
		len = cap - 1;
	memcpy(dst, p, len);
	dst[len] = '\0';
}

bool peerapi_step(struct conn *c)
{
	struct fnode *nd = c->nd;
	struct fsc_http_head h;
	struct fsc_ingress_request r;
	enum fsc_ingress_verdict v;
	enum fsc_status st;
	const char *why = NULL;
	struct fsc_line l;

	if (c->close_after_flush)
		return false;
	if (c->rin.len == 0) {
		if (c->edge_eof)
			c->dead = true;
		return false;
	}
	fsc_http_head_init(&h, c->hdrs, nd->o.max_headers, nd->o.max_head);
	st = fsc_http_parse_request(fsc_bq_data(&c->rin), c->rin.len, c->last_len, &h, &why);
	if (st == FSC_TRUNCATED) {
		c->last_len = c->rin.len;
		if (c->edge_eof)
			c->dead = true;
		return false;
	}
	c->last_len = 0;
	if (st != FSC_OK) {
		bad_head(c, why ? why : "not HTTP");
		return true;
	}
	memset(&r, 0, sizeof(r));
	v = fsc_ingress_check(&h, nd->own_hosts, nd->n_own, peer_is_edge(c), &r);
	if (v != FSC_INGRESS_ACCEPT) {
		refuse(c, v, NULL, v == FSC_INGRESS_NO_CAP ? "peer is not a configured edge" : NULL);
		return true;
	}
	copy_span(c->target, sizeof(c->target), r.target.p, r.target.len);
	copy_span(c->target_host, sizeof(c->target_host), r.target_host.p, r.target_host.len);
	c->target_port = r.target_port;
	c->client = r.src;
	c->client_port = r.src_port;
	/* tailscaled: AllowFunnel[target], a valid port, a TCP handler for it */
	c->tcp = r.target_port ? fsc_serveconf_tcp(&nd->sc, r.target_port) : NULL;
	if (!fsc_serveconf_funnel(&nd->sc, r.target.p, r.target.len) || !c->tcp ||
	    (!c->tcp->https && !c->tcp->forward)) {
		refuse(c, FSC_INGRESS_DENIED, c->target,
		       !fsc_serveconf_funnel(&nd->sc, r.target.p, r.target.len)
			       ? "target not in AllowFunnel"
			       : "no TCP handler for the port");
		return true;
	}
	fsc_bq_drop(&c->rin, h.head_len);
	fsc_bq_put(&c->rout, FSC_INGRESS_SWITCH, FSC_INGRESS_SWITCH_LEN);
	c->t_ingress = fsc_wall_ns();
	nd->count.ingress_ok++;
	fsc_line_begin(&l, "ingress");
	fsc_line_ep(&l, "peer", &c->peer, c->peer_port);
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "target", c->target);
	fsc_line_cstr(&l, "mode", c->tcp->https ? "https" : c->tcp->terminate_tls ?
			  "tcp+tls" : "tcp");
	fsc_line_end(&l);
	if (c->tcp->https || c->tcp->terminate_tls) {
		if (!tls_start(c)) {
			c->dead = true;
			return true;
		}
		c->phase = PH_TLS;
		conn_set_wait(c, W_HEAD);
		if (c->rin.len > 0)
			BIO_write(c->rbio, fsc_bq_data(&c->rin), (int)c->rin.len);
	} else {
		c->phase = PH_TCP;
		fsc_bq_put(&c->cin, fsc_bq_data(&c->rin), c->rin.len);
		tcp_begin(c);
	}
	c->rin.len = c->rin.off = 0;
	return true;
}
