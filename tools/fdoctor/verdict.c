/* verdict.c - one layer from the measurements. Each address's probe gets
 * the layer where it stopped; the run's verdict is DNS when the servers
 * fail or disagree, else the lowest broken layer among the addresses (a
 * lower layer explains the higher ones). The direct route (tailnet or
 * ingress), when given, settles what the public path alone cannot: an
 * edge that closes after the ClientHello because its node is down, refuses
 * or has no certificate, versus an edge with no route for the name.
 *
 * What the public path shows, layer by layer:
 *   connect fails                         edge-unreachable
 *   no ServerHello; alert access_denied   node-refuses-ingress (the edge
 *                                          relays the node's 403)
 *   no ServerHello; alert internal_error  tls-failure-at-node (a TLS stack
 *                                          without a usable certificate)
 *   no ServerHello otherwise (alert unrecognized_name, a close, silence)
 *                                          edge-closes-after-hello
 *   ServerHello, then a failure, or a certificate that does not verify,
 *   name the host or has expired          tls-failure-at-node
 *   HTTP 504 or no response head          backend-timeout
 *   HTTP 502, 503, other 5xx, a cut head  backend-error */
#include "fdoctor.h"

#include <ares.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const struct {
	enum fdoc_verdict v;
	const char *name;
	int rank;
} verdicts[] = {
	{ V_OK, "ok", 99 },
	{ V_DNS, "dns", 0 },
	{ V_EDGE_UNREACHABLE, "edge-unreachable", 1 },
	{ V_EDGE_CLOSES, "edge-closes-after-hello", 2 },
	{ V_NODE_UNREACHABLE, "node-unreachable", 3 },
	{ V_NODE_REFUSES, "node-refuses-ingress", 4 },
	{ V_TLS_NODE, "tls-failure-at-node", 5 },
	{ V_BACKEND_ERROR, "backend-error", 6 },
	{ V_BACKEND_TIMEOUT, "backend-timeout", 6 },
};

const char *fdoc_verdict_name(enum fdoc_verdict v)
{
	size_t i;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (verdicts[i].v == v)
			return verdicts[i].name;
	return "?";
}

int fdoc_verdict_rank(enum fdoc_verdict v)
{
	size_t i;

	for (i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (verdicts[i].v == v)
			return verdicts[i].rank;
	return 99;
}

const char *fdoc_route_name(enum fdoc_route r)
{
	return r == R_PUBLIC ? "public" : r == R_TAILNET ? "tailnet" : "ingress";
}

/* The layer one probe stopped at, and its evidence line. */
static void judge_probe(struct fdoc_probe *p)
{
	const char *rt = fdoc_route_name(p->route);

	if (p->connect_err[0]) {
		p->v = p->route == R_PUBLIC ? V_EDGE_UNREACHABLE : V_NODE_UNREACHABLE;
		snprintf(p->why, sizeof(p->why), "%s %s port %u: TCP connect: %s", rt, p->addr,
			 p->port, p->connect_err);
		return;
	}
	if (p->route == R_INGRESS && p->ingress_status != 101) {
		p->v = p->ingress_status ? V_NODE_REFUSES : V_NODE_UNREACHABLE;
		snprintf(p->why, sizeof(p->why), "ingress %s port %u: POST /v0/ingress: %s",
			 p->addr, p->port, p->ingress_err);
		return;
	}
	if (!p->tls_ok) {
		if (p->server_hello || (p->route != R_PUBLIC && p->alert >= 0))
			p->v = V_TLS_NODE;
		else if (p->alert == 49)	/* access_denied */
			p->v = V_NODE_REFUSES;
		else if (p->alert == 80)	/* internal_error */
			p->v = V_TLS_NODE;
		else
			p->v = p->route == R_PUBLIC ? V_EDGE_CLOSES : V_TLS_NODE;
		snprintf(p->why, sizeof(p->why), "%s %s port %u: TLS: %s %s", rt, p->addr, p->port,
			 p->server_hello ? "after the ServerHello:" : "no ServerHello:",
			 p->tls_err);
		return;
	}
	if (p->verify != 0 || !p->san_ok || p->days_left < 0) {
		p->v = V_TLS_NODE;
		snprintf(p->why, sizeof(p->why), "%s %s port %u: certificate: %s", rt, p->addr,
			 p->port, p->verify != 0 ? p->verify_err
				  : !p->san_ok ? "does not name the host" : "expired");
		return;
	}
	if (p->http_status == 0 || p->http_status >= 500) {
		p->v = p->http_timeout || p->http_status == 504 ? V_BACKEND_TIMEOUT
								: V_BACKEND_ERROR;
		if (p->http_status)
			snprintf(p->why, sizeof(p->why), "%s %s port %u: HTTP %d after %d ms", rt,
				 p->addr, p->port, p->http_status, p->http_ms);
		else
			snprintf(p->why, sizeof(p->why), "%s %s port %u: HTTP: %s", rt, p->addr,
				 p->port, p->http_err);
		return;
	}
	p->v = V_OK;
	snprintf(p->why, sizeof(p->why), "%s %s port %u: HTTP %d in %d ms", rt, p->addr, p->port,
		 p->http_status, p->http_ms);
}

__attribute__((format(printf, 2, 3)))
static void evidence(struct fdoc_run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n_evidence == sizeof(r->evidence) / sizeof(r->evidence[0]))
		return;
	va_start(ap, fmt);
	vsnprintf(r->evidence[r->n_evidence++], sizeof(r->evidence[0]), fmt, ap);
	va_end(ap);
}

static bool dns_failed(const struct fdoc_dns *d)
{
	bool a = d->a_status == ARES_SUCCESS || d->a_status == ARES_ENODATA;
	bool q = d->aaaa_status == ARES_SUCCESS || d->aaaa_status == ARES_ENODATA;

	return !a || !q || d->n_a + d->n_aaaa == 0;
}

static void next_command(const struct fdoc_opts *o, struct fdoc_run *r, const char *addr)
{
	const char *n = o->name;

	switch (r->v) {
	case V_OK:
		snprintf(r->next, sizeof(r->next), "nothing to fix; watch it: fdoctor --watch 60 %s",
			 n);
		break;
	case V_DNS:
		snprintf(r->next, sizeof(r->next), "dig +norecurse @%s %s A; dig @%s %s AAAA "
			 "(then check the zone's records for %s)", r->dns[0].server, n,
			 r->dns[0].server, n, n);
		break;
	case V_EDGE_UNREACHABLE:
		snprintf(r->next, sizeof(r->next), "tailscale funnel status (is the name funneled "
			 "on port %u?); nc -vz %s %u", o->port, addr, o->port);
		break;
	case V_EDGE_CLOSES:
		snprintf(r->next, sizeof(r->next), "tailscale funnel status (funnel on for %s:%u?), "
			 "then: openssl s_client -connect %s:%u -servername %s", n, o->port, addr,
			 o->port, n);
		break;
	case V_NODE_UNREACHABLE:
		snprintf(r->next, sizeof(r->next), "on the node: tailscale status; tailscale "
			 "netcheck (is the node up and reachable from the Funnel relay?)");
		break;
	case V_NODE_REFUSES:
		snprintf(r->next, sizeof(r->next), "on the node: tailscale serve status --json > "
			 "sc.json && fdoctor lint --serve-config sc.json --name %s", n);
		break;
	case V_TLS_NODE:
		snprintf(r->next, sizeof(r->next), "on the node: tailscale cert %s; then "
			 "fdoctor lint --serve-config sc.json --name %s --certs DIR; "
			 "openssl s_client -connect %s:%u -servername %s -showcerts", n, n, addr,
			 o->port, n);
		break;
	case V_BACKEND_ERROR:
	case V_BACKEND_TIMEOUT:
		snprintf(r->next, sizeof(r->next), "on the node: tailscale serve status (the "
			 "Proxy target), then curl -v -m 10 http://TARGET%s", o->path);
		break;
	}
}

void fdoc_judge(const struct fdoc_opts *o, struct fdoc_run *r)
{
	const struct fdoc_probe *worst = NULL;
	size_t i;
	bool dns_bad = r->n_addrs == 0 || r->disagree;

	r->n_evidence = 0;
	for (i = 0; i < r->n_dns; i++) {
		const struct fdoc_dns *d = &r->dns[i];

		if (dns_failed(d)) {
			dns_bad = true;
			evidence(r, "dns %s (%s): A %s, AAAA %s", d->server,
				 d->auth ? "authoritative" : "resolver", fdoc_dns_status(d->a_status),
				 fdoc_dns_status(d->aaaa_status));
		}
	}
	if (r->disagree)
		for (i = 0; i < r->n_dns; i++) {
			const struct fdoc_dns *d = &r->dns[i];

			evidence(r, "dns %s: A %s%s AAAA %s%s (servers disagree)", d->server,
				 d->n_a ? d->a[0] : "-", d->n_a > 1 ? " ..." : "",
				 d->n_aaaa ? d->aaaa[0] : "-", d->n_aaaa > 1 ? " ..." : "");
		}
	for (i = 0; i < r->n_addrs; i++) {
		judge_probe(&r->pub[i]);
		if (!worst || fdoc_verdict_rank(r->pub[i].v) < fdoc_verdict_rank(worst->v))
			worst = &r->pub[i];
	}
	if (r->have_direct)
		judge_probe(&r->direct);
	if (dns_bad) {
		r->v = V_DNS;
	} else {
		r->v = worst->v;
		/* the direct route tells apart what the edge hides */
		if (r->have_direct && (r->v == V_EDGE_CLOSES || r->v == V_NODE_REFUSES ||
				       (r->v == V_TLS_NODE && !worst->server_hello))) {
			if (r->direct.v == V_OK)
				r->v = r->v == V_TLS_NODE ? V_NODE_UNREACHABLE : V_EDGE_CLOSES;
			else if (r->direct.v != V_BACKEND_ERROR && r->direct.v != V_BACKEND_TIMEOUT)
				r->v = r->direct.v;
		}
	}
	/* the line that decided first: --watch shows only that one */
	if (r->have_direct && !dns_bad && worst && r->v != worst->v)
		evidence(r, "%s", r->direct.why);
	if (worst)
		evidence(r, "%s", worst->why);
	if (r->have_direct && (dns_bad || !worst || r->v == worst->v))
		evidence(r, "%s", r->direct.why);
	if (r->v == V_NODE_UNREACHABLE && r->have_direct && r->direct.v == V_OK)
		evidence(r, "the node answers the direct route: the edge's path to it is broken");
	if (r->v == V_EDGE_CLOSES && r->have_direct && r->direct.v == V_OK)
		evidence(r, "the node serves the name on the direct route: the edge has no "
			    "route for it (funnel off, or a stale name)");
	next_command(o, r, worst ? worst->addr : "ADDR");
}
