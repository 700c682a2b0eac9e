/* ingresslog.h - the Funnel ingress lines of a tailscaled log (--diagnose):
 * which kind a line is, and what that kind means with its fix. The
 * needles are tailscaled's own log texts (ipn/ipnlocal/peerapi.go,
 * serve.go; wgengine/filter's drop log; the cert and ACME code). */
#ifndef ULA2V4_INGRESSLOG_H
#define ULA2V4_INGRESSLOG_H

#include <stddef.h>

enum ingress_kind {
	IK_NONE,
	IK_NO_CAP,		/* peerapi: ingress: denied; no ingress cap */
	IK_BAD_REQUEST,		/* peerapi: ingress: bad request */
	IK_NO_SERVE_CONFIG,	/* got ingress conn w/o serveConfig */
	IK_UNCONFIGURED,	/* got ingress conn for unconfigured "host:port" */
	IK_FILTER_DROP,		/* Drop: ... no rules matched */
	IK_TLS_HANDSHAKE,	/* http: TLS handshake error from */
	IK_CERT,		/* certificate and ACME errors */
	IK_COUNT
};

/* The kind of line s[0..n) (any bytes; not NUL-terminated). */
enum ingress_kind ingress_classify(const char *s, size_t n);
/* A short stable name ("no-ingress-cap"), what it means, and the fix. */
const char *ingress_kind_name(enum ingress_kind k);
const char *ingress_meaning(enum ingress_kind k);
const char *ingress_fix(enum ingress_kind k);

#endif
