/* enrich.h - what fdecode and fwatch add to an address they show: its
 * Tailscale class and role, its reverse DNS name when already known, its
 * country and AS. Shared code (tools/common, the fsc_common library).
 *
 * Every printer that writes an address calls one of two entry points right
 * after it:
 *
 *	fprintf(out, "%s", fsc_addr_str(a, buf));
 *	enrich_text(e, out, a);               " [US AS15169 name]" or nothing
 *
 *	fprintf(out, ",\"client\":\"%s\"", fsc_addr_str(a, buf));
 *	enrich_json(e, out, "client", a);     ",\"client_info\":{...}" or nothing
 *
 * Nothing here waits on the network except enrich_drain, which is bounded
 * by one DNS timeout. Names a reply brings after a line was written are
 * listed at the end (enrich_late_names). Untrusted text (PTR names, GeoIP
 * names) leaves only through fsc/escape.h.
 */
#ifndef FSC_COMMON_ENRICH_H
#define FSC_COMMON_ENRICH_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "fsc/addr.h"
#include "fsc/dnsptr.h"
#include "fsc/escape.h"
#include "fsc/geoip.h"
#include "fsc/rdns.h"
#include "fsc/tsaddr.h"

#define ENRICH_DNS_TIMEOUT_MS 2000

struct enrich_opts {
	const char *prog;        /* names the program in warnings; "fdecode" */
	bool no_dns;             /* -n: no DNS query at all */
	const char *dns_server;  /* --dns SERVER[:PORT]; NULL: the system's */
	unsigned dns_timeout_ms; /* --dns-timeout; ENRICH_DNS_TIMEOUT_MS */
	bool no_geoip;           /* --no-geoip */
	const char *geoip_files[FSC_GEOIP_MAX_DBS]; /* --geoip-db, in order */
	size_t ngeoip;
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
 * public client (enrich_never_client).
 */
enum enrich_role {
	ENRICH_ROLE_NONE = 0,
	ENRICH_ROLE_RELAY,
	ENRICH_ROLE_TAILNET,
	ENRICH_ROLE_SUBNET,
	ENRICH_ROLE_SERVICE,
};

struct enrich_info {
	struct fsc_tsaddr_info ts;   /* class, counterpart (always) */
	enum enrich_role role;
	enum fsc_rdns_state rdns_st; /* SKIPPED with -n or by policy */
	char rdns[FSC_DNS_NAME_MAX]; /* FOUND: the name, unescaped (untrusted) */
	bool have_geo;
	struct fsc_geo geo;          /* have_geo: fields, unescaped (untrusted) */
};

struct enrich;

void enrich_opts_init(struct enrich_opts *o);
/* False when FSC_GEOIP_MAX_DBS files are named already. */
bool enrich_opts_add_geoip(struct enrich_opts *o, const char *path);

/*
 * Opens the GeoIP databases and the resolver. NULL with a message in err
 * when a named database cannot be opened or --dns is not an address
 * (*usage is then true). A resolver that cannot start without --dns is
 * not an error: a warning goes to stderr and names stay off.
 */
struct enrich *enrich_new(const struct enrich_opts *o, char *err, size_t errlen, bool *usage);
void enrich_free(struct enrich *e);

/* What is known about a now; starts a PTR query when the policy allows and
 * nothing is known yet. Never waits. */
void enrich_get(struct enrich *e, const struct fsc_addr *a, struct enrich_info *out);

/* Anything worth printing: a role, a name or GeoIP fields. (The class of a
 * private, loopback or documentation address alone is not.) */
bool enrich_info_any(const struct enrich_info *i);

/* The compact tag without brackets ("4to6 100.104.208.43", "US AS15169
 * crawl-66-249-72-211.googlebot.com", "DERP"), escaped for a terminal;
 * "" when there is nothing to say. Returns buf. */
char *enrich_tag(struct enrich *e, const struct fsc_addr *a, char *buf, size_t len);
#define ENRICH_TAG_MAX 400

/* " [tag]" after an address in a text line, or nothing. */
void enrich_text(struct enrich *e, FILE *out, const struct fsc_addr *a);

/* ",\"KEY_info\":{...}" after the "KEY" member of a JSON object, or
 * nothing. Members, in this order, where known: class, tailscale (a
 * phrase: "4to6 of 100.104.208.43"), role, rdns, country, city, asn,
 * as_org. */
void enrich_json(struct enrich *e, FILE *out, const char *key, const struct fsc_addr *a);

/* The same member written into buf, which holds ENRICH_JSON_KEY_MAX +
 * ENRICH_JSON_MAX bytes (key at most ENRICH_JSON_KEY_MAX - 16 characters);
 * returns its length, 0 for nothing. For printers with their own buffer. */
size_t enrich_json_member(struct enrich *e, const char *key, const struct fsc_addr *a,
			  char *buf);
/* Bounds: the object's fixed members and phrase, four escaped names. */
#define ENRICH_JSON_MAX (256 + 4 * (16 + FSC_ESCAPE_JSON_CAP(FSC_DNS_NAME_MAX)))
#define ENRICH_JSON_KEY_MAX 64

/* Just the {...} object (always printed, members as above). */
void enrich_json_object(struct enrich *e, FILE *out, const struct fsc_addr *a);

/* The label function: the role of a's range (see enum enrich_role). */
enum enrich_role enrich_role_of(const struct fsc_tsaddr_info *ts);
const char *enrich_role_name(enum enrich_role r); /* "relay", ...; "" for none */

/* True for any address with a role: the streams code skips these when it
 * chooses which address of a chain is the client. */
bool enrich_never_client(const struct fsc_addr *a);

/* A candidate client for the summary: a public address, or one in the
 * documentation or benchmarking ranges (which stand in for public ones in
 * labs and examples); never private, loopback, link-local, Tailscale. */
bool enrich_is_remote(const struct fsc_addr *a);

/* Starts a lookup for a without printing anything (the summary). */
void enrich_want(struct enrich *e, const struct fsc_addr *a);

/* Between frames: reads DNS answers that have arrived, never waiting
 * (poll with timeout 0, at most once a millisecond). */
void enrich_poll(struct enrich *e);

/*
 * For an event loop that polls the resolver with its own fds (fwatch):
 * enrich_pollfds writes the resolver's sockets (at most max; 0 with no DNS),
 * enrich_timeout_ms bounds the wait (max_ms when nothing is pending), and
 * enrich_step reads answers and fires timeouts after the poll.
 */
int enrich_pollfds(struct enrich *e, struct pollfd *fds, int max);
int enrich_timeout_ms(struct enrich *e, int max_ms);
void enrich_step(struct enrich *e, const struct pollfd *fds, int n);
/* Lookups not yet answered. */
size_t enrich_pending(const struct enrich *e);

/* Waits for pending lookups, at most one DNS timeout in all. Returns how
 * many are still pending. */
size_t enrich_drain(struct enrich *e);

/* Lookups were pending for addresses already printed without a name:
 * how many. */
size_t enrich_late_count(const struct enrich *e);

/* After the events: for each address printed while its name was pending
 * and named by now, a line "rdns ADDR NAME" (text) or an object
 * {"type":"rdns","addr":"...","addr_info":{...}} (JSON). */
void enrich_late_names(struct enrich *e, FILE *out, bool json);

/* How many GeoIP databases are open. */
size_t enrich_geoip_count(const struct enrich *e);

/* One phrase for the summary: "reverse DNS off (-n); 2 GeoIP databases". */
void enrich_describe(const struct enrich *e, char *buf, size_t len);

#endif
