/* addr.h - IPv4/IPv6 addresses as values, and their canonical text. */
#ifndef FSC_ADDR_H
#define FSC_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An IPv4 address lives in the first four bytes of `b`; the rest are zero so
 * that two addresses compare and hash as plain bytes. family 0 = no address. */
struct fsc_addr {
	uint8_t family; /* 0, 4 or 6 */
	uint8_t b[16];
};

/* Longest canonical text: IPv6 per RFC 5952, including an embedded IPv4. */
#define FSC_ADDR_STRLEN 46
/* Address plus port: "[v6]:65535". */
#define FSC_ENDPOINT_STRLEN (FSC_ADDR_STRLEN + 8)

/* These three are inline on purpose, as the cursor's getters: dissection
 * sets two addresses a packet, and session and flow lookups compare
 * addresses several times a packet. */
static inline void fsc_addr_set4(struct fsc_addr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	memcpy(a->b, b, 4);
}

static inline void fsc_addr_set6(struct fsc_addr *a, const uint8_t b[16])
{
	a->family = 6;
	memcpy(a->b, b, 16);
}

static inline bool fsc_addr_eq(const struct fsc_addr *a, const struct fsc_addr *b)
{
	uint64_t x[2], y[2];

	memcpy(x, a->b, 16);
	memcpy(y, b->b, 16);
	return a->family == b->family && ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

/* Order by family, then bytes as memcmp would: <0, 0, >0. */
int fsc_addr_cmp(const struct fsc_addr *a, const struct fsc_addr *b);

/* A hash that mixes every address bit (tcpdump's name cache degrades when
 * addresses share their low bits). */
uint64_t fsc_addr_hash(const struct fsc_addr *a, uint64_t seed);

/* Writes the canonical text into buf and returns buf; "-" for family 0.
 * buf must hold FSC_ADDR_STRLEN. IPv4 is a dotted quad; IPv6 is RFC 5952
 * text exactly as glibc's inet_ntop writes it: lower case, no leading
 * zeros, the longest run of two or more zero fields (the leftmost of equal
 * runs) as "::", and a dotted quad for the last 32 bits after
 * ::ffff:0:0/96 and after ::/96 when only the first six fields are zero
 * ("::1.2.3.4", but "::1"). */
char *fsc_addr_str(const struct fsc_addr *a, char *buf);
/* The same text; returns its length (the NUL not counted). */
size_t fsc_addr_write(const struct fsc_addr *a, char *buf);

/* "1.2.3.4:80" or "[2001:db8::1]:80"; buf holds FSC_ENDPOINT_STRLEN. */
char *fsc_endpoint_str(const struct fsc_addr *a, uint16_t port, char *buf);
/* The same text; returns its length. */
size_t fsc_endpoint_write(const struct fsc_addr *a, uint16_t port, char *buf);

/* Parses an IPv4 or IPv6 literal (no brackets, no port). Returns true and
 * fills *a on success. */
bool fsc_addr_parse(const char *s, struct fsc_addr *a);

/* Parses s[0..n) as a dotted quad, accepting exactly what inet_pton
 * (AF_INET) accepts: four decimal parts of 0-255 without leading zeros,
 * nothing else. True and *a set (family 4) on success; *a untouched
 * otherwise. */
bool fsc_addr_parse4(const char *s, size_t n, struct fsc_addr *a);
/* Parses s[0..n) as IPv6 text, accepting exactly what inet_pton (AF_INET6)
 * accepts: up to eight fields of one to four hex digits, one "::" for one or
 * more zero fields, the last 32 bits as a dotted quad; no zone, no brackets.
 * True and *a set (family 6) on success; *a untouched otherwise. */
bool fsc_addr_parse6(const char *s, size_t n, struct fsc_addr *a);

#endif
