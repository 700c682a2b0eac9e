/* addr.c - address values, hashing and canonical text. */
#include "fsc/addr.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

void fsc_addr_set4(struct fsc_addr *a, const uint8_t b[4])
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	memcpy(a->b, b, 4);
}

void fsc_addr_set6(struct fsc_addr *a, const uint8_t b[16])
{
	a->family = 6;
	memcpy(a->b, b, 16);
}

bool fsc_addr_eq(const struct fsc_addr *a, const struct fsc_addr *b)
{
	return a->family == b->family && memcmp(a->b, b->b, 16) == 0;
}

static uint64_t mix64(uint64_t x)
{
	/* splitmix64's finaliser: every input bit reaches every output bit. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

uint64_t fsc_addr_hash(const struct fsc_addr *a, uint64_t seed)
{
	uint64_t lo, hi;

	/* Host-order loads: a hash need not agree across machines. */
	memcpy(&lo, a->b, 8);
	memcpy(&hi, a->b + 8, 8);
	return mix64(mix64(seed ^ lo ^ a->family) ^ hi);
}

char *fsc_addr_str(const struct fsc_addr *a, char *buf)
{
	/* glibc's inet_ntop follows RFC 5952: lowercase, longest zero run
	 * compressed, no single-field "::", embedded IPv4 for ::ffff:0:0/96. */
	if (a->family == 4)
		inet_ntop(AF_INET, a->b, buf, FSC_ADDR_STRLEN);
	else if (a->family == 6)
		inet_ntop(AF_INET6, a->b, buf, FSC_ADDR_STRLEN);
	else
		strcpy(buf, "-");
	return buf;
}

char *fsc_endpoint_str(const struct fsc_addr *a, uint16_t port, char *buf)
{
	char s[FSC_ADDR_STRLEN];

	fsc_addr_str(a, s);
	snprintf(buf, FSC_ENDPOINT_STRLEN, a->family == 6 ? "[%s]:%u" : "%s:%u",
		 s, port);
	return buf;
}

bool fsc_addr_parse(const char *s, struct fsc_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->family = 4;
		return true;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->family = 6;
		return true;
	}
	memset(a, 0, sizeof(*a));
	return false;
}
