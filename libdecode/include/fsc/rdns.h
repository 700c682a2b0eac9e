/* rdns.h - asynchronous reverse DNS (PTR) with a bounded cache, for event
 * loops: nothing here ever blocks except fsc_rdns_drain, which is bounded. */
#ifndef FSC_RDNS_H
#define FSC_RDNS_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/dnsptr.h"

/* Which addresses may be asked about. */
enum fsc_rdns_policy {
	/* Public addresses only, unless a server is named, then all but
	 * unspecified and multicast (the default). */
	FSC_RDNS_POLICY_AUTO = 0,
	FSC_RDNS_POLICY_PUBLIC, /* public addresses only, whatever the server */
	FSC_RDNS_POLICY_ALL,    /* everything but unspecified and multicast */
};

struct fsc_rdns_config {
	/* "IPv4", "IPv4:PORT", "IPv6", "[IPv6]" or "[IPv6]:PORT"; port 53 by
	 * default. NULL: the system's resolver configuration. */
	const char *server;
	enum fsc_rdns_policy policy;
	unsigned timeout_ms;   /* one lookup, first packet to giving up; 2000 */
	unsigned max_inflight; /* queries on the wire at once; 64 (max 4096) */
	unsigned cache_size;   /* entries (rounded up to a multiple of 8); 4096 */
	unsigned min_ttl;      /* positive answers are kept at least; 60 s */
	unsigned max_ttl;      /* ... and at most; 86400 s */
	unsigned neg_ttl;      /* no name and no SOA in the answer; 300 s */
	unsigned fail_ttl;     /* timeouts, SERVFAIL, REFUSED, bad answers; 30 s */
};

/* Fills the defaults above (server NULL, policy AUTO). */
void fsc_rdns_config_init(struct fsc_rdns_config *cfg);

struct fsc_rdns;

/* Whether s is a server fsc_rdns_new takes ("1.2.3.4", "1.2.3.4:53", "::1",
 * "[::1]:53"); false with a message naming s in err. For option checks: a
 * bad value is the user's mistake, a failing resolver is not. */
bool fsc_rdns_server_ok(const char *s, char *err, size_t errlen);

/* Sets up the resolver; fills err and returns NULL on a bad server string or
 * a c-ares failure. Memory is bounded by cache_size and max_inflight. */
struct fsc_rdns *fsc_rdns_new(const struct fsc_rdns_config *cfg, char *err, size_t errlen);
/* Cancels whatever is in flight (no callbacks reach the caller) and frees. */
void fsc_rdns_free(struct fsc_rdns *r);

enum fsc_rdns_state {
	FSC_RDNS_FOUND = 0, /* the name is in name[] */
	FSC_RDNS_PENDING,   /* asked or queued; no answer yet */
	FSC_RDNS_NONE,      /* the DNS says there is no name (NXDOMAIN, NODATA) */
	FSC_RDNS_FAILED,    /* timeout, SERVFAIL, REFUSED or an unreadable answer */
	FSC_RDNS_SKIPPED,   /* not asked: the policy leaves this address out */
	FSC_RDNS_FULL,      /* not asked: every cache slot it may use is pending */
};

/* "found", "pending", "none", "failed", "skipped", "full". */
const char *fsc_rdns_state_name(enum fsc_rdns_state st);

/*
 * What is known about a now, never waiting. When nothing is known (or what
 * was known expired) a query is started or queued and PENDING returned. On
 * FOUND the name (escaped presentation form, see dnsptr.h; no final dot) is
 * copied to name[0..len) when name is not NULL. ttl_left, when not NULL,
 * gets the seconds the cached state has left (0 for PENDING and the rest).
 */
enum fsc_rdns_state fsc_rdns_lookup(struct fsc_rdns *r, const struct fsc_addr *a, char *name,
				    size_t len, uint32_t *ttl_left);

/* As fsc_rdns_lookup, but never starts a query (SKIPPED when unknown). */
enum fsc_rdns_state fsc_rdns_peek(struct fsc_rdns *r, const struct fsc_addr *a, char *name,
				  size_t len, uint32_t *ttl_left);

/* Lookups started and not yet answered or given up (queued included). */
size_t fsc_rdns_pending(const struct fsc_rdns *r);

/*
 * Event-loop use:
 *   n = fsc_rdns_pollfds(r, fds, max);         sockets and events to wait on
 *   t = fsc_rdns_timeout_ms(r, loop_timeout);  how long poll may wait
 *   poll(fds, n, t) (with your own fds beside these)
 *   fsc_rdns_step(r, fds, n);                  reads answers, fires timeouts
 * pollfds returns how many entries it wrote (at most max); timeout_ms
 * returns at most max_ms, or max_ms itself when nothing is pending (-1 for
 * "forever" passes through).
 */
int fsc_rdns_pollfds(struct fsc_rdns *r, struct pollfd *fds, int max);
int fsc_rdns_timeout_ms(struct fsc_rdns *r, int max_ms);
void fsc_rdns_step(struct fsc_rdns *r, const struct pollfd *fds, int n);

/* Runs the loop above until nothing is pending or max_ms has passed.
 * Returns the number still pending. */
size_t fsc_rdns_drain(struct fsc_rdns *r, unsigned max_ms);

struct fsc_rdns_stats {
	uint64_t lookups;    /* calls to fsc_rdns_lookup */
	uint64_t hits;       /* answered from the cache (any final state) */
	uint64_t queries;    /* PTR queries handed to c-ares */
	uint64_t found, none, failed, timeouts;
	uint64_t skipped;    /* by policy */
	uint64_t full;       /* refused for want of a slot */
	uint64_t evictions;  /* cached answers dropped for new addresses */
	size_t inflight;     /* now on the wire */
	size_t queued;       /* now waiting for an in-flight slot */
};
void fsc_rdns_get_stats(const struct fsc_rdns *r, struct fsc_rdns_stats *s);

#endif
