/* client.c - choosing the client of a proxied request (see client.h). */
#include "fsc/client.h"

#include <stddef.h>
#include <string.h>

static const char *const rule_names[] = {
	[FSC_CLIENT_NONE] = "none",
	[FSC_CLIENT_INGRESS_SRC] = "ingress-src",
	[FSC_CLIENT_XFF_SINGLE] = "xff-single",
	[FSC_CLIENT_XFF_CHAIN] = "xff-chain",
	[FSC_CLIENT_FORWARDED] = "forwarded",
	[FSC_CLIENT_X_REAL_IP] = "x-real-ip",
	[FSC_CLIENT_TCP_PEER] = "tcp-peer",
};

const char *fsc_client_rule_name(enum fsc_client_rule r)
{
	if ((unsigned)r < sizeof(rule_names) / sizeof(rule_names[0]))
		return rule_names[r];
	return "none";
}

const char *fsc_hop_skip_name(enum fsc_hop_skip s)
{
	switch (s) {
	case FSC_HOP_RELAY:
		return "relay";
	case FSC_HOP_TRUSTED:
		return "trusted";
	case FSC_HOP_KEPT:
		break;
	}
	return NULL;
}

const char *fsc_hop_class_name(const struct fsc_hop *h)
{
	switch (h->node->kind) {
	case FSC_XFF_V4:
	case FSC_XFF_V6:
		return fsc_tsaddr_class_name(h->info.cls);
	case FSC_XFF_UNKNOWN:
		return "unknown";
	case FSC_XFF_OBFUSCATED:
		return "obfuscated";
	case FSC_XFF_MALFORMED:
		break;
	}
	return "malformed";
}

static bool has_addr(const struct fsc_xff_node *n)
{
	return n->kind == FSC_XFF_V4 || n->kind == FSC_XFF_V6;
}

static void add_hop(struct fsc_client *c, const struct fsc_xff_node *n)
{
	if (c->n_hops == FSC_CLIENT_MAX_HOPS) {
		c->hops_dropped++;
		return;
	}
	struct fsc_hop *h = &c->hops[c->n_hops++];
	h->node = n;
	h->skip = FSC_HOP_KEPT;
	memset(&h->info, 0, sizeof(h->info));
	if (has_addr(n))
		fsc_tsaddr_classify(&n->addr, &h->info);
}

static void set_client(struct fsc_client *c, enum fsc_client_rule rule,
		       const struct fsc_addr *a)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	c->rule = rule;
	/* ::ffff:a.b.c.d is the IPv4 client a.b.c.d (the address
	 * fsc_tsaddr_classify would give, without the rest of its work). */
	if (a->family == 6 && memcmp(a->b, v4mapped, 12) == 0)
		fsc_addr_set4(&c->addr, a->b + 12);
	else if (a->family == 4 || a->family == 6)
		c->addr = *a;
	else
		memset(&c->addr, 0, sizeof(c->addr));
}

/* X-Forwarded-For: rule 2 or 3. True when it named a client. */
static bool from_xff(const struct fsc_client_input *in, struct fsc_client *c)
{
	size_t n = c->n_hops;

	if (n == 0)
		return false;
	if (in->xff->total == 1) {
		if (!has_addr(c->hops[0].node))
			return false;
		set_client(c, FSC_CLIENT_XFF_SINGLE, &c->hops[0].node->addr);
		return true;
	}
	/* The rightmost hops were dropped from a list too long to keep: the
	 * trustworthy end is gone, so the chain names no one. */
	if (in->xff->total > in->xff->n || c->hops_dropped)
		return false;
	unsigned trusted = in->trusted_hops;
	for (size_t i = n; i-- > 0;) {
		struct fsc_hop *h = &c->hops[i];
		if (has_addr(h->node) && fsc_tsaddr_is_tailscale(h->info.cls)) {
			h->skip = FSC_HOP_RELAY;
			continue;
		}
		if (has_addr(h->node) && h->info.cls == FSC_TSADDR_LOOPBACK) {
			h->skip = FSC_HOP_TRUSTED;
			continue;
		}
		if (trusted > 0) {
			trusted--;
			h->skip = FSC_HOP_TRUSTED;
			continue;
		}
		if (!has_addr(h->node))
			return false;
		set_client(c, FSC_CLIENT_XFF_CHAIN, &h->node->addr);
		return true;
	}
	return false;
}

static void first_claim(struct fsc_client *c)
{
	for (size_t i = 0; i < c->n_hops; i++) {
		if (!has_addr(c->hops[i].node))
			continue;
		/* add_hop classified it: info.addr is the address unmapped. */
		const struct fsc_addr *a = &c->hops[i].info.addr;
		if (!fsc_addr_eq(a, &c->addr)) {
			c->has_claimed = true;
			c->claimed = *a;
		}
		return;
	}
}

void fsc_client_choose(const struct fsc_client_input *in, struct fsc_client *c)
{
	bool have_xff = in->xff && in->xff->n > 0;

	/* Everything but the hops array, which is large and read only up to
	 * n_hops. */
	memset(c, 0, offsetof(struct fsc_client, hops));
	c->n_hops = 0;
	c->hops_dropped = 0;
	if (have_xff) {
		for (size_t i = 0; i < in->xff->n; i++)
			add_hop(c, &in->xff->elems[i]);
	} else if (in->fwd) {
		for (size_t i = 0; i < in->fwd->n; i++)
			if (in->fwd->elems[i].for_.present)
				add_hop(c, &in->fwd->elems[i].for_node);
	}

	if (in->ingress_src && in->ingress_src->family) {
		set_client(c, FSC_CLIENT_INGRESS_SRC, in->ingress_src);
	} else if (have_xff && from_xff(in, c)) {
		/* chosen */
	} else if (!have_xff && c->n_hops > 0) {
		for (size_t i = 0; i < c->n_hops; i++) {
			if (has_addr(c->hops[i].node)) {
				set_client(c, FSC_CLIENT_FORWARDED, &c->hops[i].node->addr);
				break;
			}
		}
	}
	if (c->rule == FSC_CLIENT_NONE && in->x_real_ip && has_addr(in->x_real_ip))
		set_client(c, FSC_CLIENT_X_REAL_IP, &in->x_real_ip->addr);
	if (c->rule == FSC_CLIENT_NONE && in->tcp_peer && in->tcp_peer->family)
		set_client(c, FSC_CLIENT_TCP_PEER, in->tcp_peer);
	first_claim(c);
}
