/* proxyproto.h - the PROXY protocol header, v1 (text) and v2 (binary), read
 * and written (haproxy doc/proxy-protocol.txt §2.1, §2.2; protocols.md §10).
 *
 *   v1: "PROXY" SP ("TCP4"|"TCP6"|"UNKNOWN") SP src SP dst SP sport SP dport CRLF
 *       at most 107 bytes
 *   v2: 0D 0A 0D 0A 00 0D 0A 51 55 49 54 0A | ver<<4|cmd | fam<<4|proto | len(be16)
 *       | src dst sport dport (12 or 36 bytes) | TLVs */
#ifndef FSC_PROXYPROTO_H
#define FSC_PROXYPROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

#define FSC_PROXY_V1_MAX 107
#define FSC_PROXY_V2_SIG_LEN 12
/* A v2 header with IPv6 addresses and no TLVs. */
#define FSC_PROXY_V2_MAX_PLAIN (16 + 36)

struct fsc_proxy_header {
	uint8_t version;	/* 1 or 2 */
	bool local;		/* v2 LOCAL, or v1 UNKNOWN: no addresses */
	struct fsc_addr src, dst;	/* family 0 when local or not TCP/UDP over IP */
	uint16_t src_port, dst_port;
	const uint8_t *tlv;	/* v2: the TLV bytes (into the input), else NULL */
	size_t tlv_len;
	size_t len;		/* header bytes; the stream's data begins after */
};

/*
 * Reads a PROXY header at the start of p[0..len).
 *   FSC_OK        *h filled; h->len bytes belong to the header.
 *   FSC_TRUNCATED the bytes agree with a header so far; read more.
 *   FSC_NOT_THIS  neither signature (a receiver configured for PROXY must
 *                 then refuse the connection; it must not guess).
 *   FSC_MALFORMED a header that breaks the grammar (*why names the field).
 */
enum fsc_status fsc_proxy_parse(const uint8_t *p, size_t len, struct fsc_proxy_header *h,
				const char **why);

/* Writers: return the length written, 0 when cap is too small or the two
 * addresses differ in family (then v1 writes "PROXY UNKNOWN\r\n" if it fits,
 * v2 a LOCAL header, both returning their length). */
size_t fsc_proxy_write_v1(const struct fsc_addr *src, uint16_t sport,
			  const struct fsc_addr *dst, uint16_t dport, char *buf, size_t cap);
size_t fsc_proxy_write_v2(const struct fsc_addr *src, uint16_t sport,
			  const struct fsc_addr *dst, uint16_t dport, uint8_t *buf, size_t cap);

#endif
