/* ingress.c - the Funnel ingress handshake (refpair.md §1.2, §1.8).
 *
 * The checks run in tailscaled's order: PeerAPI mux (path), PeerAPI request
 * validation (Referer/Origin, Host), then handleServeIngress (ingress cap,
 * method, Src, Target). The serve-config lookup is the caller's. */
#include "fsc/ingress.h"

#include <stdio.h>
#include <string.h>

static const struct fsc_ingress_answer answers[FSC_INGRESS_VERDICT_COUNT] = {
	[FSC_INGRESS_NOT_FOUND] = { 404, "Not Found", "404 page not found\n", "not-found" },
	[FSC_INGRESS_INVALID_PEERAPI] = { 403, "Forbidden", "invalid peerapi request\n",
					  "invalid-peerapi-request" },
	[FSC_INGRESS_NO_CAP] = { 403, "Forbidden", "denied; no ingress cap\n", "no-ingress-cap" },
	[FSC_INGRESS_NOT_POST] = { 405, "Method Not Allowed", "only POST allowed\n", "not-post" },
	[FSC_INGRESS_NO_SRC] = { 400, "Bad Request", "Tailscale-Ingress-Src header not set\n",
				 "no-src" },
	[FSC_INGRESS_BAD_SRC] = { 400, "Bad Request",
				  "Tailscale-Ingress-Src header invalid; want ip:port\n", "bad-src" },
	[FSC_INGRESS_NO_TARGET] = { 400, "Bad Request",
				    "Tailscale-Ingress-Target header not set\n", "no-target" },
	[FSC_INGRESS_BAD_TARGET] = { 400, "Bad Request",
				     "Tailscale-Ingress-Target header invalid; want host:port\n",
				     "bad-target" },
	[FSC_INGRESS_DENIED] = { 403, "Forbidden", "denied\n", "denied" },
};

const struct fsc_ingress_answer *fsc_ingress_answer(enum fsc_ingress_verdict v)
{
	if ((unsigned)v >= FSC_INGRESS_VERDICT_COUNT || v == FSC_INGRESS_ACCEPT)
		return NULL;
	return &answers[v];
}

/* 1..5 digits worth at most 65535 (strconv.ParseUint(s, 10, 16) also takes
 * leading zeros, so do we). */
static bool parse_port(const char *p, size_t len, uint16_t *port)
{
	uint32_t v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (p[i] < '0' || p[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(p[i] - '0');
	}
	if (v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

static const char *last_colon(const char *p, size_t len)
{
	while (len > 0) {
		len--;
		if (p[len] == ':')
			return p + len;
	}
	return NULL;
}

bool fsc_ingress_split_hostport(const char *p, size_t len, struct fsc_span *host,
				uint16_t *port)
{
	const char *colon = last_colon(p, len);
	const char *h = p;
	size_t hl, port_len;

	if (!colon)
		return false;			/* "missing port in address" */
	hl = (size_t)(colon - p);
	if (hl > 0 && p[0] == '[') {
		/* "[host]:port": the ']' must sit right before the last colon. */
		if (p[hl - 1] != ']')
			return false;
		h = p + 1;
		hl -= 2;
		if (memchr(h, '[', hl) || memchr(h, ']', hl))
			return false;
	} else {
		if (memchr(p, ':', hl) || memchr(p, '[', hl) || memchr(p, ']', hl))
			return false;		/* "too many colons" */
	}
	port_len = len - (size_t)(colon - p) - 1;
	if (memchr(colon + 1, '[', port_len) || memchr(colon + 1, ']', port_len))
		return false;
	host->p = h;
	host->len = hl;
	if (!parse_port(colon + 1, port_len, port) || *port == 0)
		*port = 0;
	return true;
}

bool fsc_ingress_parse_addrport(const char *p, size_t len, struct fsc_addr *a,
				uint16_t *port)
{
	const char *colon = last_colon(p, len);
	size_t hl;

	if (!colon)
		return false;
	hl = (size_t)(colon - p);
	if (!parse_port(colon + 1, len - hl - 1, port))
		return false;
	if (hl >= 2 && p[0] == '[' && p[hl - 1] == ']')
		return fsc_addr_parse6(p + 1, hl - 2, a);
	return fsc_addr_parse4(p, hl, a);
}

static bool host_is_own(const struct fsc_http_header *host, const struct fsc_span *own,
			size_t n_own)
{
	size_t i;

	if (!host)
		return false;
	if (host->value_len == 4 && memcmp(host->value, "peer", 4) == 0)
		return true;
	for (i = 0; i < n_own; i++)
		if (own[i].len == host->value_len && memcmp(own[i].p, host->value, own[i].len) == 0)
			return true;
	return false;
}

enum fsc_ingress_verdict fsc_ingress_check(const struct fsc_http_head *h,
					   const struct fsc_span *own_hosts, size_t n_own,
					   bool peer_ok, struct fsc_ingress_request *r)
{
	const struct fsc_http_header *src, *tgt;
	const char *q;
	size_t path_len = h->target_len;

	q = h->target ? memchr(h->target, '?', h->target_len) : NULL;
	if (q)
		path_len = (size_t)(q - h->target);
	if (path_len != strlen(FSC_INGRESS_PATH) ||
	    memcmp(h->target, FSC_INGRESS_PATH, path_len) != 0)
		return FSC_INGRESS_NOT_FOUND;
	if (fsc_http_find(h, "Referer", NULL) || fsc_http_find(h, "Origin", NULL) ||
	    !host_is_own(fsc_http_find(h, "Host", NULL), own_hosts, n_own))
		return FSC_INGRESS_INVALID_PEERAPI;
	if (!peer_ok)
		return FSC_INGRESS_NO_CAP;
	if (h->method_len != 4 || memcmp(h->method, "POST", 4) != 0)
		return FSC_INGRESS_NOT_POST;
	src = fsc_http_find(h, FSC_INGRESS_SRC, NULL);
	if (!src || src->value_len == 0)
		return FSC_INGRESS_NO_SRC;
	if (!fsc_ingress_parse_addrport(src->value, src->value_len, &r->src, &r->src_port))
		return FSC_INGRESS_BAD_SRC;
	tgt = fsc_http_find(h, FSC_INGRESS_TARGET, NULL);
	if (!tgt || tgt->value_len == 0)
		return FSC_INGRESS_NO_TARGET;
	if (!fsc_ingress_split_hostport(tgt->value, tgt->value_len, &r->target_host,
					&r->target_port))
		return FSC_INGRESS_BAD_TARGET;
	r->target.p = tgt->value;
	r->target.len = tgt->value_len;
	return FSC_INGRESS_ACCEPT;
}

size_t fsc_ingress_write_request(const char *host, const struct fsc_addr *src,
				 uint16_t src_port, const char *target, char *buf,
				 size_t cap)
{
	char ep[FSC_ENDPOINT_STRLEN];
	int n;

	fsc_endpoint_str(src, src_port, ep);
	n = snprintf(buf, cap,
		     "POST " FSC_INGRESS_PATH " HTTP/1.1\r\n"
		     "Host: %s\r\n"
		     "User-Agent: Go-http-client/1.1\r\n"
		     "Content-Length: 0\r\n"
		     FSC_INGRESS_SRC ": %s\r\n"
		     FSC_INGRESS_TARGET ": %s\r\n"
		     "\r\n", host, ep, target);
	return n < 0 ? 0 : (size_t)n;
}

size_t fsc_ingress_write_answer(enum fsc_ingress_verdict v, const char *date, char *buf,
				size_t cap)
{
	const struct fsc_ingress_answer *a = fsc_ingress_answer(v);
	int n;

	if (!a) {
		n = snprintf(buf, cap, "%s", FSC_INGRESS_SWITCH);
		return n < 0 ? 0 : (size_t)n;
	}
	n = snprintf(buf, cap,
		     "HTTP/1.1 %d %s\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "X-Content-Type-Options: nosniff\r\n"
		     "%s%s%s"
		     "Content-Length: %zu\r\n"
		     "\r\n%s", a->status, a->reason, date ? "Date: " : "", date ? date : "",
		     date ? "\r\n" : "", strlen(a->body), a->body);
	return n < 0 ? 0 : (size_t)n;
}
