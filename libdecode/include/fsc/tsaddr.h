/* tsaddr.h - what an address is: Tailscale ranges, special-purpose ranges,
 * and the 4to6 / 4via6 arithmetic (protocols.md §8). */
#ifndef FSC_TSADDR_H
#define FSC_TSADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

/*
 * Classes, from the narrowest listed range that holds the address. Values are
 * stable; fsc_tsaddr_class_name() gives the token used in text and JSON.
 */
enum fsc_tsaddr_class {
	FSC_TSADDR_NONE = 0,      /* "none": family 0, no address */
	FSC_TSADDR_PUBLIC,        /* "public": global unicast */
	FSC_TSADDR_CGNAT,         /* "cgnat": 100.64.0.0/10 less ChromeOS: Tailscale IPv4 */
	FSC_TSADDR_CHROMEOS,      /* "chromeos": 100.115.92.0/23, not Tailscale */
	FSC_TSADDR_4TO6,          /* "4to6": fd7a:115c:a1e0:ab12:4843:cd96:6200::/104 */
	FSC_TSADDR_4VIA6,         /* "4via6": fd7a:115c:a1e0:b1a::/64 */
	FSC_TSADDR_EPHEMERAL,     /* "ephemeral": fd7a:115c:a1e0:efe3::/64 */
	FSC_TSADDR_SERVICE,       /* "service": 100.100.100.100, fd7a:115c:a1e0::53 */
	FSC_TSADDR_TS_ULA,        /* "tailscale-ula": rest of fd7a:115c:a1e0::/48 */
	FSC_TSADDR_DERP_MAGIC,    /* "derp-magic": 127.3.3.40 */
	FSC_TSADDR_PRIVATE,       /* "private": RFC 1918 */
	FSC_TSADDR_LOOPBACK,      /* "loopback": 127.0.0.0/8, ::1 */
	FSC_TSADDR_LINK_LOCAL,    /* "link-local": 169.254.0.0/16, fe80::/10 */
	FSC_TSADDR_DOCUMENTATION, /* "documentation": RFC 5737, RFC 3849 */
	FSC_TSADDR_BENCHMARK,     /* "benchmark": 198.18.0.0/15 (RFC 2544) */
	FSC_TSADDR_UNSPECIFIED,   /* "unspecified": 0.0.0.0, :: */
	FSC_TSADDR_MULTICAST,     /* "multicast": 224.0.0.0/4, ff00::/8 */
	FSC_TSADDR_ULA,           /* "ula": fc00::/7 outside Tailscale's /48 */
	FSC_TSADDR_RESERVED,      /* "reserved": 0/8, 240/4, IPv6 outside 2000::/3 */
	FSC_TSADDR_CLASS_COUNT
};

/* Result of a classification. Addresses are values; nothing points anywhere. */
struct fsc_tsaddr_info {
	enum fsc_tsaddr_class cls;
	bool mapped;          /* input was ::ffff:a.b.c.d; `addr` is a.b.c.d */
	struct fsc_addr addr; /* what was classified (unmapped where `mapped`) */
	/*
	 * The Tailscale counterpart, family 0 when there is none:
	 *   4to6        -> the 100.x address (also set for 100.x outside CGNAT)
	 *   4via6       -> the site's IPv4 address, site id in `site`
	 *   cgnat       -> the 4to6 ULA
	 *   service     -> the service address of the other family
	 */
	struct fsc_addr peer;
	uint32_t site;        /* 4via6 only */
};

/* Classifies any address (family 0 gives FSC_TSADDR_NONE). Never fails. */
void fsc_tsaddr_classify(const struct fsc_addr *a, struct fsc_tsaddr_info *out);

/* The stable token ("4to6", "cgnat", ...); "?" for a value out of range. */
const char *fsc_tsaddr_class_name(enum fsc_tsaddr_class cls);

/* One phrase for people: "4to6 of 100.104.208.43", "4via6 site 7 of
 * 10.1.2.3", "Tailscale CGNAT", "MagicDNS service", "RFC 1918 private",
 * with " (IPv4-mapped)" appended where the input was mapped. Writes at most
 * len bytes including the NUL (truncating) and returns buf. */
char *fsc_tsaddr_describe(const struct fsc_tsaddr_info *i, char *buf, size_t len);

/* Any of Tailscale's own ranges (CGNAT, 4to6, 4via6, ephemeral, service,
 * other Tailscale ULA, DERP magic). */
bool fsc_tsaddr_is_tailscale(enum fsc_tsaddr_class cls);

/* Routable on the internet (only "public"): the addresses whose reverse DNS
 * the public DNS can know. */
bool fsc_tsaddr_is_global(enum fsc_tsaddr_class cls);

/* ---- arithmetic on single addresses; false (and *out untouched) when the
 * input is outside the domain stated. ---- */

/* 100.a.b.c (any of 100.0.0.0/8) -> the 4to6 ULA with b.c.d in bytes 13-15. */
bool fsc_tsaddr_4to6(const struct fsc_addr *v4, struct fsc_addr *v6);
/* An address in the 4to6 /104 -> 100.b13.b14.b15. */
bool fsc_tsaddr_6to4(const struct fsc_addr *v6, struct fsc_addr *v4);
/* Any IPv4 + site id -> fd7a:115c:a1e0:b1a:SITE(32 bits):IPv4. */
bool fsc_tsaddr_via(uint32_t site, const struct fsc_addr *v4, struct fsc_addr *v6);
/* An address in the 4via6 /64 -> site id and IPv4. */
bool fsc_tsaddr_unvia(const struct fsc_addr *v6, uint32_t *site, struct fsc_addr *v4);

/* ---- prefixes ---- */

struct fsc_prefix {
	struct fsc_addr addr; /* the network address: bits past len are zero */
	uint8_t len;          /* 0..32 for IPv4, 0..128 for IPv6 */
};

/*
 * Parses "ADDR/LEN" from s[0..n) (no NUL needed; no spaces, no brackets, no
 * zone). LEN is decimal without sign or leading zero.
 *   FSC_OK         *out holds the prefix.
 *   FSC_NOT_THIS   there is no '/': not a prefix (the caller may try an address).
 *   FSC_MALFORMED  *why names the problem: bad address, missing, non-decimal
 *                  or too long a length, or host bits set past LEN; in that
 *                  last case *out holds the masked prefix so a caller can
 *                  suggest it.
 */
enum fsc_status fsc_tsaddr_parse_prefix(const char *s, size_t n, struct fsc_prefix *out,
					const char **why);

/* "100.64.0.0/10"; buf holds FSC_PREFIX_STRLEN. */
#define FSC_PREFIX_STRLEN (FSC_ADDR_STRLEN + 4)
char *fsc_prefix_str(const struct fsc_prefix *p, char *buf);

/* The class of the narrowest listed range that holds the whole prefix
 * (100.64.0.0/10 -> cgnat; 100.0.0.0/8 -> public, the v4 default). */
enum fsc_tsaddr_class fsc_tsaddr_classify_prefix(const struct fsc_prefix *p);

/*
 * Prefix arithmetic. The rule (as Tailscale's): v6 length = v4 length + 96.
 *   4to6:  v4 prefix inside 100.0.0.0/8 (so length >= 8) <-> v6 prefix inside
 *          the 4to6 /104 (so length >= 104).
 *   4via6: any v4 prefix + site <-> v6 prefix inside the 4via6 /64 with
 *          length >= 96 (the site id is whole).
 * Return false with a static reason in *why when the input does not qualify.
 */
bool fsc_tsaddr_prefix_4to6(const struct fsc_prefix *v4, struct fsc_prefix *v6,
			    const char **why);
bool fsc_tsaddr_prefix_6to4(const struct fsc_prefix *v6, struct fsc_prefix *v4,
			    const char **why);
bool fsc_tsaddr_prefix_via(uint32_t site, const struct fsc_prefix *v4, struct fsc_prefix *v6,
			   const char **why);
bool fsc_tsaddr_prefix_unvia(const struct fsc_prefix *v6, uint32_t *site,
			     struct fsc_prefix *v4, const char **why);

/* True when a lies inside p (same family). */
bool fsc_prefix_contains(const struct fsc_prefix *p, const struct fsc_addr *a);

#endif
