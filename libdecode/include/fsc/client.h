/* client.h - who is the client behind a proxied HTTP request: the rule a
 * funnel operator can believe, with every forwarding hop classified
 * (protocols.md §7.2, §11). */
#ifndef FSC_CLIENT_H
#define FSC_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "fsc/addr.h"
#include "fsc/tsaddr.h"
#include "fsc/xff.h"

/*
 * The rule, first match wins:
 *
 *  1. ingress-src  Tailscale-Ingress-Src seen on the connection (the Funnel
 *                  ingress handshake names the public client itself).
 *  2. xff-single   one X-Forwarded-For element: what a Funnel node's proxy
 *                  sets (exactly the client's address).
 *  3. xff-chain    several elements: walking from the right, skip Tailscale
 *                  relay hops (any Tailscale address: the ingress relay
 *                  appended by an older node, or a tailnet proxy), loopback
 *                  hops (only a local proxy can append those), and then
 *                  `trusted_hops` more (proxies of your own in front of the
 *                  backend); the next element is the client. Elements left
 *                  of it were written by whoever connected and are only
 *                  claims.
 *  4. forwarded    no X-Forwarded-For: the first for= of Forwarded that is an
 *                  address (quotes, brackets and port stripped; unknown and
 *                  obfuscated identifiers give no address).
 *  5. x-real-ip    X-Real-IP.
 *  6. tcp-peer     the connection's peer address.
 *
 * When the element the rule lands on is not an address (unknown, malformed),
 * that rule gives no client and the next one is tried. The leftmost address
 * in the headers is `claimed` when it differs from the client: shown, never
 * believed.
 */
enum fsc_client_rule {
	FSC_CLIENT_NONE = 0,
	FSC_CLIENT_INGRESS_SRC,
	FSC_CLIENT_XFF_SINGLE,
	FSC_CLIENT_XFF_CHAIN,
	FSC_CLIENT_FORWARDED,
	FSC_CLIENT_X_REAL_IP,
	FSC_CLIENT_TCP_PEER,
};

enum fsc_hop_skip {
	FSC_HOP_KEPT = 0,
	FSC_HOP_RELAY,		/* a Tailscale address */
	FSC_HOP_TRUSTED,	/* loopback, or one of the trusted hops */
};

/* One X-Forwarded-For element or Forwarded for= node, in header order. */
struct fsc_hop {
	const struct fsc_xff_node *node; /* into the caller's list */
	struct fsc_tsaddr_info info;	 /* class; family 0 if no address */
	enum fsc_hop_skip skip;
};

#define FSC_CLIENT_MAX_HOPS 128

struct fsc_client_input {
	const struct fsc_xff_list *xff;		/* NULL or n == 0: none */
	const struct fsc_xff_fwd_list *fwd;	/* NULL or n == 0: none */
	const struct fsc_xff_node *x_real_ip;	/* NULL: none */
	const struct fsc_addr *ingress_src;	/* NULL: none */
	const struct fsc_addr *tcp_peer;
	unsigned trusted_hops;
};

struct fsc_client {
	enum fsc_client_rule rule;
	struct fsc_addr addr;		/* family 0 only with rule NONE */
	bool has_claimed;
	struct fsc_addr claimed;	/* leftmost claim, when != addr */
	struct fsc_hop hops[FSC_CLIENT_MAX_HOPS];
	size_t n_hops;			/* X-Forwarded-For if any, else Forwarded */
	size_t hops_dropped;		/* hops beyond FSC_CLIENT_MAX_HOPS */
};

/* Applies the rule. Never allocates; pointers in c->hops point into in. */
void fsc_client_choose(const struct fsc_client_input *in, struct fsc_client *c);

/* "ingress-src", "xff-single", "xff-chain", "forwarded", "x-real-ip",
 * "tcp-peer", or "none". */
const char *fsc_client_rule_name(enum fsc_client_rule r);

/* The class token of a hop: the tsaddr class for an address, else
 * "unknown", "obfuscated" or "malformed". */
const char *fsc_hop_class_name(const struct fsc_hop *h);
/* "relay", "trusted" or NULL. */
const char *fsc_hop_skip_name(enum fsc_hop_skip s);

#endif
