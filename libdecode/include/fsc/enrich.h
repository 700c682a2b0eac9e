/* enrich.h - what the tools put beside an address: its Tailscale class and
 * role, the node that holds it (from `tailscale status --json`), its reverse
 * DNS name when known, its country and AS. One module for fdecode, fwatch,
 * ula2v4 and the funnel pair (the fsc_enrich library).
 *
 * Lookups and forms, no output: fsc_enrich_get fills a struct
 * fsc_enrich_info; fsc_enrich_tag_of and fsc_enrich_json_of turn one into
 * the one tag ("4to6 100.104.208.43 laptop.ts.net US AS15169 name") and the
 * one JSON object every tool prints. Writing them is the caller's.
 *
 * Nothing here waits on the network except fsc_enrich_drain, which the
 * caller bounds. Untrusted text (node, PTR and GeoIP names) is kept
 * unescaped in the info and escaped by the forms (fsc/escape.h).
 */
#ifndef FSC_ENRICH_H
#define FSC_ENRICH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>

#include "fsc/addr.h"
#include "fsc/dnsptr.h"
#include "fsc/escape.h"
#include "fsc/geoip.h"
#include "fsc/rdns.h"
#include "fsc/tsaddr.h"
#include "fsc/tsstatus.h"

#define FSC_ENRICH_DNS_TIMEOUT_MS 2000

struct fsc_enrich_opts {
	bool no_dns;             /* -n: no DNS query at all */
	bool dns_required;       /* a resolver that cannot start is an error,
				    not a warning (ula2v4 --resolve) */
	const char *dns_server;  /* --dns SERVER[:PORT]; NULL: the system's */
	unsigned dns_timeout_ms; /* FSC_ENRICH_DNS_TIMEOUT_MS */
	bool no_geoip;           /* --no-geoip */
	const char *geoip_files[FSC_GEOIP_MAX_DBS]; /* --geoip-db, in order */
	size_t ngeoip;
	const char *status_path; /* --status: `tailscale status --json`; NULL */
};

/*
 * What an address is to a funnel, from its range alone (stable JSON tokens):
 *   relay    127.3.3.40 (traffic relayed through DERP) and the 4to6 range
 *            (fd7a:115c:a1e0:ab12:4843:cd96:6200::/104: Funnel's ingress
 *            relays reach a node from the 4to6 form of their 100.x address)
 *   tailnet  other tailnet node addresses: 100.64.0.0/10, ephemeral and
 *            other Tailscale ULAs
 *   subnet   4via6: a host behind a subnet router
 *   service  MagicDNS, 100.100.100.100 and fd7a:115c:a1e0::53
 * An address with any role is a hop inside Tailscale, never a funnel's
 * public client.
 */
enum fsc_enrich_role {
	FSC_ENRICH_ROLE_NONE = 0,
	FSC_ENRICH_ROLE_RELAY,
	FSC_ENRICH_ROLE_TAILNET,
	FSC_ENRICH_ROLE_SUBNET,
	FSC_ENRICH_ROLE_SERVICE,
};

struct fsc_enrich_info {
	struct fsc_tsaddr_info ts;   /* class, counterpart (always) */
	enum fsc_enrich_role role;
	const struct fsc_tsnode *node; /* from --status, or NULL; owned by
					  the fsc_enrich, valid until freed */
	enum fsc_rdns_state rdns_st; /* SKIPPED with -n or by policy */
	char rdns[FSC_DNS_NAME_MAX]; /* FOUND: the name, unescaped (untrusted) */
	bool have_geo;
	struct fsc_geo geo;          /* have_geo: fields, unescaped (untrusted) */
};

struct fsc_enrich;

void fsc_enrich_opts_init(struct fsc_enrich_opts *o);
/* False when FSC_GEOIP_MAX_DBS files are named already. */
bool fsc_enrich_opts_add_geoip(struct fsc_enrich_opts *o, const char *path);

/*
 * Loads the status file, opens the GeoIP databases and the resolver. NULL
 * with a message in err when the status file or a named database cannot be
 * read, or the resolver cannot start with --dns or dns_required (*usage is
 * then true when the --dns value itself was at fault). A resolver that
 * cannot start otherwise is not an error: names stay off and
 * fsc_enrich_warning says why.
 */
struct fsc_enrich *fsc_enrich_new(const struct fsc_enrich_opts *o, char *err, size_t errlen,
				  bool *usage);
void fsc_enrich_free(struct fsc_enrich *e);
/* "reverse DNS off: REASON" after a resolver failed to start, else NULL. */
const char *fsc_enrich_warning(const struct fsc_enrich *e);

/* What is known about a now; starts a PTR query when the policy allows and
 * nothing is known yet. Never waits. */
void fsc_enrich_get(struct fsc_enrich *e, const struct fsc_addr *a, struct fsc_enrich_info *out);

/* The node --status lists a under, or NULL; no other lookup. */
const struct fsc_tsnode *fsc_enrich_node(const struct fsc_enrich *e, const struct fsc_addr *a);

/* Anything worth showing: a role, a node, a name or GeoIP fields. (The
 * class of a private, loopback or documentation address alone is not.) */
bool fsc_enrich_info_any(const struct fsc_enrich_info *i);

/* Starts a PTR query for a without asking for the rest. */
void fsc_enrich_want(struct fsc_enrich *e, const struct fsc_addr *a);

/* The label function: the role of a's range (see enum fsc_enrich_role). */
enum fsc_enrich_role fsc_enrich_role_of(const struct fsc_tsaddr_info *ts);
const char *fsc_enrich_role_name(enum fsc_enrich_role r); /* "relay"; "" */

/* A candidate client for the summary: a public address, or one in the
 * documentation or benchmarking ranges (which stand in for public ones in
 * labs and examples); never private, loopback, link-local, Tailscale. */
bool fsc_enrich_is_remote(const struct fsc_addr *a);

/* ------------------------------------------------------------ the forms */

/*
 * The one tag, without brackets, escaped for a terminal; "" when there is
 * nothing to say. Words in this order, where known: the range ("4to6
 * 100.104.208.43", "4via6 site 7 10.1.2.3", "tailnet", "tailnet
 * ephemeral", "MagicDNS", "DERP"), the node's IPv4 (an IPv6 address that
 * is not 4to6), the node's name, country, "AS15169", the PTR name.
 * Returns buf.
 */
char *fsc_enrich_tag_of(const struct fsc_enrich_info *i, char *buf, size_t len);
#define FSC_ENRICH_TAG_MAX 400

/*
 * The one JSON object, written into buf (FSC_ENRICH_JSON_MAX bytes, NUL
 * added); returns its length. Members, in this order, where known: class,
 * tailscale (a phrase: "4to6 of 100.104.208.43"), role, node (its name),
 * rdns, country, city, asn, as_org.
 */
size_t fsc_enrich_json_of(const struct fsc_enrich_info *i, char *buf);
/* Bounds: the object's fixed members and phrase, five escaped names. */
#define FSC_ENRICH_JSON_MAX (256 + 5 * (16 + FSC_ESCAPE_JSON_CAP(FSC_DNS_NAME_MAX)))
#define FSC_ENRICH_JSON_KEY_MAX 64

/* fsc_enrich_get, then the form; an address whose name is still pending is
 * remembered for fsc_enrich_late_*. */
char *fsc_enrich_tag(struct fsc_enrich *e, const struct fsc_addr *a, char *buf, size_t len);
size_t fsc_enrich_json_object(struct fsc_enrich *e, const struct fsc_addr *a, char *buf);
/* ",\"KEY_info\":{...}" for the "KEY" member of a JSON object, or nothing
 * (0) when fsc_enrich_info_any is false; buf holds FSC_ENRICH_JSON_KEY_MAX +
 * FSC_ENRICH_JSON_MAX bytes (key at most FSC_ENRICH_JSON_KEY_MAX - 16). */
size_t fsc_enrich_json_member(struct fsc_enrich *e, const char *key, const struct fsc_addr *a,
			      char *buf);

/* The same through the JSON writer (fsc/jsonw.h): the object as the value
 * of key (NULL: an array element or a top-level value), and the KEY_info
 * member (nothing when fsc_enrich_info_any is false). */
struct fsc_jsonw;
void fsc_enrich_jsonw(struct fsc_jsonw *w, const char *key, const struct fsc_enrich_info *i);
void fsc_enrich_jsonw_member(struct fsc_enrich *e, struct fsc_jsonw *w, const char *key,
			     const struct fsc_addr *a);

/* ------------------------------------------------------------ waiting */

/* Between frames: reads DNS answers that have arrived, never waiting
 * (poll with timeout 0, at most once a millisecond). */
void fsc_enrich_poll(struct fsc_enrich *e);

/*
 * For an event loop that polls the resolver with its own fds (fwatch):
 * fsc_enrich_pollfds writes the resolver's sockets (at most max; 0 with no
 * DNS), fsc_enrich_timeout_ms bounds the wait (max_ms when nothing is
 * pending), and fsc_enrich_step reads answers and fires timeouts after the
 * poll.
 */
int fsc_enrich_pollfds(struct fsc_enrich *e, struct pollfd *fds, int max);
int fsc_enrich_timeout_ms(struct fsc_enrich *e, int max_ms);
void fsc_enrich_step(struct fsc_enrich *e, const struct pollfd *fds, int n);
/* Lookups not yet answered. */
size_t fsc_enrich_pending(const struct fsc_enrich *e);

/* Waits for pending lookups, at most timeout_ms in all. Returns how many
 * are still pending. */
size_t fsc_enrich_drain(struct fsc_enrich *e, unsigned timeout_ms);
/* The time a drain of everything pending can take: one DNS timeout per
 * wave of queries the resolver keeps in flight. */
unsigned fsc_enrich_drain_budget_ms(const struct fsc_enrich *e);
unsigned fsc_enrich_dns_timeout_ms(const struct fsc_enrich *e);

/* Addresses shown through a form while their name was pending: how many,
 * and the k-th with its name once one has come (false while none). */
size_t fsc_enrich_late_count(const struct fsc_enrich *e);
bool fsc_enrich_late_name(struct fsc_enrich *e, size_t k, struct fsc_addr *a, char *name,
			  size_t len);

/* How many GeoIP databases are open. */
size_t fsc_enrich_geoip_count(const struct fsc_enrich *e);
/* The GeoIP answer alone (no reverse DNS started): false when there is no
 * database or it does not know a. */
bool fsc_enrich_geo(const struct fsc_enrich *e, const struct fsc_addr *a, struct fsc_geo *out);

/* One phrase for the summary: "reverse DNS off (-n); 2 GeoIP databases". */
void fsc_enrich_describe(const struct fsc_enrich *e, char *buf, size_t len);

#endif
