/* dnsptr.h - reverse-DNS names: the query name for an address, and the
 * answer to a PTR query (RFC 1035 §4.1, RFC 2308 for negative TTLs). */
#ifndef FSC_DNSPTR_H
#define FSC_DNSPTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

/* A name in presentation form fits this (255 octets on the wire; bytes
 * other than letters, digits, '-' and '_' are written \DDD, and a name that
 * grows past this is refused as malformed). */
#define FSC_DNS_NAME_MAX 256

/* "211.72.249.66.in-addr.arpa" or the 32-nibble ip6.arpa name; an
 * IPv4-mapped IPv6 address gets its IPv4 name. buf holds
 * FSC_DNS_PTRQ_MAX. Returns false for family 0. */
#define FSC_DNS_PTRQ_MAX 73
bool fsc_dns_ptr_qname(const struct fsc_addr *a, char *buf);

struct fsc_dns_ptr {
	uint16_t id;
	uint8_t rcode;     /* 0 NOERROR, 2 SERVFAIL, 3 NXDOMAIN, ... */
	bool found;        /* a PTR record was in the answer section */
	char name[FSC_DNS_NAME_MAX]; /* its target, without the final dot */
	uint32_t ttl;      /* found: least TTL of the answer records read */
	bool has_soa;      /* an SOA in the authority section */
	uint32_t neg_ttl;  /* has_soa: min(SOA TTL, SOA MINIMUM) (RFC 2308 §5) */
};

/*
 * Reads a DNS response to a PTR query.
 *   FSC_OK         *out is filled; found says whether there was a name.
 *   FSC_NOT_THIS   not a response (QR clear) or shorter than a header.
 *   FSC_TRUNCATED  the counts promise more records than the bytes hold.
 *   FSC_MALFORMED  a bad label type, a compression loop or forward pointer
 *                  chain, a name too long, or an rdata length that lies.
 * *why names the problem when the status is not OK. Never allocates.
 */
enum fsc_status fsc_dns_parse_ptr(const uint8_t *p, size_t len, struct fsc_dns_ptr *out,
				  const char **why);

#endif
