/* ingresslog.c - tailscaled's ingress-related log lines (ingresslog.h). A
 * line is of the first rule all of whose needles it holds. */
#define _GNU_SOURCE	/* memmem */
#include "ingresslog.h"

#include <stdbool.h>
#include <string.h>

static const struct {
	enum ingress_kind kind;
	const char *needle[2];	/* both must occur; NULL: no second */
} rules[] = {
	{ IK_NO_CAP, { "ingress: denied; no ingress cap", NULL } },
	{ IK_BAD_REQUEST, { "ingress: bad request from", NULL } },
	{ IK_NO_SERVE_CONFIG, { "got ingress conn w/o serveConfig", NULL } },
	{ IK_UNCONFIGURED, { "got ingress conn for unconfigured", NULL } },
	{ IK_UNCONFIGURED, { "got ingress conn for bad target", NULL } },
	{ IK_FILTER_DROP, { "Drop: ", "no rules matched" } },
	{ IK_TLS_HANDSHAKE, { "http: TLS handshake error from", NULL } },
	{ IK_CERT, { "getCertPEM", NULL } },
	{ IK_CERT, { "cert(\"", "err" } },
	{ IK_CERT, { "acme", "err" } },
	{ IK_CERT, { "acme", "fail" } },
};

static const struct {
	const char *name, *meaning, *fix;
} kinds[IK_COUNT] = {
	[IK_NONE] = { "-", "", "" },
	[IK_NO_CAP] = { "no-ingress-cap",
		"the node refuses the Funnel relays: they came without the ingress "
		"capability (a serve config set before Funnel was allowed, or "
		"tailscale 1.102.1, which drops the capabilities of unsigned peers)",
		"update tailscale; then tailscale serve reset && tailscale funnel --bg PORT" },
	[IK_BAD_REQUEST] = { "ingress-bad-request",
		"a relay's ingress request was malformed (Src or Target headers)",
		"tailscale bugreport, with these lines" },
	[IK_NO_SERVE_CONFIG] = { "no-serve-config",
		"ingress arrives but the node has no serve config at all",
		"tailscale funnel --bg PORT" },
	[IK_UNCONFIGURED] = { "unconfigured-target",
		"ingress arrives for a name:port that AllowFunnel lacks: funnel off for "
		"it, or a stale name after a rename",
		"tailscale serve status --json > sc.json && fdoctor lint --serve-config "
		"sc.json --name NAME" },
	[IK_FILTER_DROP] = { "filter-drop",
		"the node's packet filter dropped packets no rule allows; from a Funnel "
		"relay this is ingress cut before the PeerAPI",
		"tailscale debug netmap | grep -i funnel; check the policy's funnel nodeAttr" },
	[IK_TLS_HANDSHAKE] = { "tls-handshake-error",
		"a client's TLS handshake with the node failed (no certificate yet, an "
		"unknown SNI, or a client that gave up)",
		"tailscale cert NAME; fdoctor NAME from outside the tailnet" },
	[IK_CERT] = { "cert-error",
		"getting or renewing the certificate failed (ACME, DNS-01 via control)",
		"tailscale cert NAME (its error says which step), then restart tailscaled" },
};

static bool has(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle)) != NULL;
}

enum ingress_kind ingress_classify(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (has(s, n, rules[i].needle[0]) &&
		    (!rules[i].needle[1] || has(s, n, rules[i].needle[1])))
			return rules[i].kind;
	return IK_NONE;
}

const char *ingress_kind_name(enum ingress_kind k)
{
	return kinds[k].name;
}

const char *ingress_meaning(enum ingress_kind k)
{
	return kinds[k].meaning;
}

const char *ingress_fix(enum ingress_kind k)
{
	return kinds[k].fix;
}
