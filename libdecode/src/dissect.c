/*
 * dissect.c - link layer, IPv4, IPv6, UDP and TCP headers.
 *
 * Link layers (libpcap's LINKTYPE_ values, tcpdump.org/linktypes.html):
 *
 *   EN10MB (1)       dst[6] src[6] type[2] { 8100|88a8|9100 tci[2] type[2] }*
 *   LINUX_SLL (113)  pkttype[2] hatype[2] halen[2] addr[8] protocol[2]
 *   LINUX_SLL2 (276) protocol[2] rsvd[2] ifindex[4] hatype[2] pkttype[1]
 *                    halen[1] addr[8]
 *   NULL (0)         family[4], host order of the capturing machine
 *   LOOP (108)       family[4], network order
 *   RAW (101), IPV4 (228), IPV6 (229)  the IP header first
 *   USER0 (147)      `tailscale debug capture` header, then IP (tscap.c)
 *
 * IPv4 (RFC 791): options walked by length, fragments reported; only a first
 * fragment (offset 0) carries a transport header. IPv6 (RFC 8200 §4): the
 * extension-header chain is walked up to FSC_MAX_EXT_HDRS.
 *
 * Dissection does not stop at the first complaint when the bytes still make
 * sense: a total length that lies is reported, and the transport header is
 * still read from what was captured. `status` keeps the first problem.
 */
#include "fsc/dissect.h"

#include <string.h>

#include "fsc/cursor.h"

#define MAX_EXT_HDRS 16
#define MAX_VLAN_WALK 8

#define ETH_IPV4 0x0800
#define ETH_IPV6 0x86dd
#define ETH_VLAN 0x8100
#define ETH_QINQ 0x88a8
#define ETH_QINQ_OLD 0x9100

enum {
	LT_NULL = 0,
	LT_EN10MB = 1,
	LT_RAW = 101,
	LT_LOOP = 108,
	LT_LINUX_SLL = 113,
	LT_USER0 = FSC_LINKTYPE_TSCAP,
	LT_IPV4 = 228,
	LT_IPV6 = 229,
	LT_LINUX_SLL2 = 276,
};

/* Records the first problem; later ones keep the first reason. */
static enum fsc_status note(struct fsc_packet *pkt, enum fsc_status st,
			    const char *why)
{
	if (pkt->status == FSC_OK) {
		pkt->status = st;
		pkt->why = why;
	}
	return pkt->status;
}

/* A header that the capture cut is truncated; one that the packet on the
 * wire could not have held is malformed. */
static enum fsc_status short_header(struct fsc_packet *pkt, bool cut,
				    const char *why)
{
	return note(pkt, cut ? FSC_TRUNCATED : FSC_MALFORMED, why);
}

static void set_payload(struct fsc_packet *pkt, const uint8_t *p,
			size_t captured, size_t on_wire)
{
	pkt->payload = p;
	pkt->payload_len = captured;
	pkt->payload_wire_len = on_wire;
	pkt->payload_cut = captured < on_wire;
	pkt->layer = FSC_LAYER_PAYLOAD;
}

static void dissect_udp(struct fsc_cursor *c, size_t wire_left,
			struct fsc_packet *pkt)
{
	size_t avail = fsc_cur_left(c);

	pkt->layer = FSC_LAYER_TRANSPORT;
	if (avail < 8) {
		short_header(pkt, wire_left >= 8, "udp header cut short");
		return;
	}
	/* The fixed header through a cursor of its own, in registers: stores
	 * to pkt (bytes, which may alias anything) do not reload it. */
	struct fsc_cursor hc = fsc_cur_sub(c, 8);
	uint16_t sport = fsc_cur_be16(&hc);
	uint16_t dport = fsc_cur_be16(&hc);
	uint16_t ulen = fsc_cur_be16(&hc);
	/* then the checksum: offloaded on loopback, never checked */
	pkt->sport = sport;
	pkt->dport = dport;
	avail -= 8;
	wire_left -= 8;
	size_t body = wire_left, announced = wire_left;
	if (ulen != 0) { /* 0 only in IPv6 jumbograms: the IP length rules */
		if (ulen < 8) {
			note(pkt, FSC_MALFORMED, "udp length below header size");
		} else if ((size_t)ulen - 8 <= wire_left) {
			body = announced = (size_t)ulen - 8;
		} else if (pkt->more_fragments) {
			/* A first fragment holds the start of a longer datagram. */
			announced = (size_t)ulen - 8;
		} else {
			note(pkt, FSC_MALFORMED, "udp length beyond ip payload");
		}
	}
	set_payload(pkt, c->p, avail < body ? avail : body, announced);
	pkt->payload_cut = avail < body; /* body: what this fragment carried */
}

static void dissect_tcp(struct fsc_cursor *c, size_t wire_left,
			struct fsc_packet *pkt)
{
	size_t avail = fsc_cur_left(c);

	pkt->layer = FSC_LAYER_TRANSPORT;
	if (avail < 20) {
		short_header(pkt, wire_left >= 20, "tcp header cut short");
		return;
	}
	struct fsc_cursor hc = fsc_cur_sub(c, 20); /* as for UDP */
	uint16_t sport = fsc_cur_be16(&hc);
	uint16_t dport = fsc_cur_be16(&hc);
	uint32_t seq = fsc_cur_be32(&hc);
	uint32_t ack = fsc_cur_be32(&hc);
	size_t doff = (size_t)(fsc_cur_u8(&hc) >> 4) * 4;
	uint8_t flags = fsc_cur_u8(&hc);
	uint16_t window = fsc_cur_be16(&hc);
	/* then the checksum and the urgent pointer */
	pkt->sport = sport;
	pkt->dport = dport;
	pkt->seq = seq;
	pkt->ack = ack;
	pkt->tcp_flags = flags;
	pkt->window = window;
	if (doff < 20) {
		note(pkt, FSC_MALFORMED, "tcp data offset below 5");
		return;
	}
	if (doff > wire_left) {
		note(pkt, FSC_MALFORMED, "tcp data offset beyond segment");
		return;
	}
	if (doff > avail) {
		note(pkt, FSC_TRUNCATED, "tcp options cut short");
		return;
	}
	fsc_cur_skip(c, doff - 20); /* options: the stream layer reads none */
	set_payload(pkt, c->p, avail - doff, wire_left - doff);
}

static void dissect_transport(struct fsc_cursor *c, size_t wire_left,
			      struct fsc_packet *pkt)
{
	if (pkt->fragment && !pkt->first_fragment) {
		/* A later fragment carries no transport header. */
		size_t avail = fsc_cur_left(c);
		set_payload(pkt, c->p, avail, wire_left);
		pkt->layer = FSC_LAYER_NET;
		return;
	}
	switch (pkt->proto) {
	case 6:
		dissect_tcp(c, wire_left, pkt);
		break;
	case 17:
		dissect_udp(c, wire_left, pkt);
		break;
	default: {
		size_t avail = fsc_cur_left(c);
		set_payload(pkt, c->p, avail, wire_left);
		pkt->layer = FSC_LAYER_NET;
		break;
	}
	}
}

/*
 *  0                   1                   2                   3
 *  |Version|  IHL  |Type of Service|          Total Length         |
 *  |         Identification        |Flags|      Fragment Offset    |
 *  |  Time to Live |    Protocol   |         Header Checksum       |
 *  |                       Source Address                          |
 *  |                    Destination Address                        |
 *  |                    Options (IHL > 5)                          |
 */
static void dissect_ipv4(struct fsc_cursor *c, size_t wire_left,
			 struct fsc_packet *pkt)
{
	size_t avail = fsc_cur_left(c);

	pkt->ipver = 4;
	pkt->layer = FSC_LAYER_NET;
	if (avail < 20) {
		short_header(pkt, wire_left >= 20, "ipv4 header cut short");
		return;
	}
	struct fsc_cursor hc = fsc_cur_sub(c, 20); /* as for UDP */
	size_t ihl = (size_t)(fsc_cur_u8(&hc) & 0x0f) * 4;
	fsc_cur_skip(&hc, 1);
	size_t total = fsc_cur_be16(&hc);
	uint16_t id = fsc_cur_be16(&hc);
	uint16_t frag = fsc_cur_be16(&hc);
	uint8_t ttl = fsc_cur_u8(&hc);
	uint8_t proto = fsc_cur_u8(&hc);
	fsc_cur_skip(&hc, 2);
	const uint8_t *src = fsc_cur_take(&hc, 4);
	const uint8_t *dst = fsc_cur_take(&hc, 4);
	pkt->frag_id = id;
	pkt->ttl = ttl;
	pkt->proto = proto;
	fsc_addr_set4(&pkt->src, src);
	fsc_addr_set4(&pkt->dst, dst);
	pkt->more_fragments = (frag & 0x2000) != 0;
	pkt->frag_offset = (uint16_t)((frag & 0x1fff) * 8);
	pkt->fragment = pkt->more_fragments || pkt->frag_offset != 0;
	pkt->first_fragment = pkt->fragment && pkt->frag_offset == 0;
	if (ihl < 20) {
		note(pkt, FSC_MALFORMED, "ipv4 header length below 5");
		return;
	}
	/* TSO on the sending host can leave 0 here; believe the frame then. */
	if (total == 0)
		total = wire_left;
	if (total < ihl) {
		note(pkt, FSC_MALFORMED, "ipv4 total length below header length");
		return;
	}
	if (total > wire_left) {
		note(pkt, FSC_MALFORMED, "ipv4 total length beyond frame");
		total = wire_left;
	}
	pkt->ip_len = (uint32_t)total;
	if (ihl > avail) {
		short_header(pkt, ihl <= wire_left, "ipv4 options cut short");
		return;
	}
	pkt->ip_options_len = ihl - 20;
	fsc_cur_skip(c, ihl - 20);
	/* Ethernet pads short frames: the IP length bounds what follows. */
	if (fsc_cur_left(c) > total - ihl)
		c->end = c->p + (total - ihl);
	dissect_transport(c, total - ihl, pkt);
}

static bool is_ext_hdr(uint8_t nh)
{
	switch (nh) {
	case 0:	  /* hop-by-hop options */
	case 43:  /* routing */
	case 44:  /* fragment */
	case 51:  /* authentication header */
	case 60:  /* destination options */
	case 135: /* mobility */
	case 139: /* HIP */
	case 140: /* shim6 */
		return true;
	}
	return false;
}

/*
 *  |Version| Traffic Class |           Flow Label                  |
 *  |         Payload Length        |  Next Header  |   Hop Limit   |
 *  |                 Source Address (16) | Destination Address (16) |
 *  then extension headers: next[1] len[1] ... ((len+1)*8 bytes; AH (len+2)*4;
 *  fragment 8 bytes: next[1] rsvd[1] offset:13|res:2|M:1 id[4])
 */
static void dissect_ipv6(struct fsc_cursor *c, size_t wire_left,
			 struct fsc_packet *pkt)
{
	size_t avail = fsc_cur_left(c);

	pkt->ipver = 6;
	pkt->layer = FSC_LAYER_NET;
	if (avail < 40) {
		short_header(pkt, wire_left >= 40, "ipv6 header cut short");
		return;
	}
	struct fsc_cursor hc = fsc_cur_sub(c, 40); /* as for UDP */
	fsc_cur_skip(&hc, 4);
	size_t plen = fsc_cur_be16(&hc);
	uint8_t nh = fsc_cur_u8(&hc);
	uint8_t hops = fsc_cur_u8(&hc);
	const uint8_t *src = fsc_cur_take(&hc, 16);
	const uint8_t *dst = fsc_cur_take(&hc, 16);
	pkt->ttl = hops;
	fsc_addr_set6(&pkt->src, src);
	fsc_addr_set6(&pkt->dst, dst);
	wire_left -= 40;
	if (plen == 0) /* jumbogram or TSO: believe the frame */
		plen = wire_left;
	if (plen > wire_left) {
		note(pkt, FSC_MALFORMED, "ipv6 payload length beyond frame");
		plen = wire_left;
	}
	pkt->ip_len = (uint32_t)(40 + plen);
	if (fsc_cur_left(c) > plen)
		c->end = c->p + plen;

	while (is_ext_hdr(nh)) {
		if (pkt->n_ext_hdrs == MAX_EXT_HDRS) {
			note(pkt, FSC_MALFORMED, "ipv6 extension header chain too long");
			return;
		}
		pkt->n_ext_hdrs++;
		if (fsc_cur_left(c) < 8) {
			short_header(pkt, plen >= 8, "ipv6 extension header cut short");
			return;
		}
		uint8_t next = fsc_cur_peek(c, 0);
		size_t hlen;
		if (nh == 44) {
			struct fsc_cursor f = *c;
			fsc_cur_skip(&f, 2);
			uint16_t off = fsc_cur_be16(&f);
			pkt->frag_id = fsc_cur_be32(&f);
			pkt->frag_offset = off & 0xfff8;
			pkt->more_fragments = (off & 1) != 0;
			/* Offset 0 without more is an atomic fragment (RFC 6946):
			 * the whole datagram, not a piece of one. */
			pkt->fragment = pkt->frag_offset != 0 || pkt->more_fragments;
			pkt->first_fragment = pkt->fragment && pkt->frag_offset == 0;
			hlen = 8;
		} else if (nh == 51) {
			hlen = ((size_t)fsc_cur_peek(c, 1) + 2) * 4;
		} else {
			hlen = ((size_t)fsc_cur_peek(c, 1) + 1) * 8;
		}
		if (hlen > plen) {
			note(pkt, FSC_MALFORMED, "ipv6 extension header beyond payload");
			return;
		}
		if (hlen > fsc_cur_left(c)) {
			note(pkt, FSC_TRUNCATED, "ipv6 extension header cut short");
			return;
		}
		fsc_cur_skip(c, hlen);
		plen -= hlen;
		nh = next;
	}
	pkt->proto = nh;
	dissect_transport(c, plen, pkt);
}

static enum fsc_status dissect_ip(struct fsc_cursor *c, size_t wire_left,
				  struct fsc_packet *pkt)
{
	if (fsc_cur_left(c) < 1) {
		pkt->layer = FSC_LAYER_NET;
		return short_header(pkt, wire_left > 0, "ip header cut short");
	}
	switch (fsc_cur_peek(c, 0) >> 4) {
	case 4:
		pkt->ethertype = ETH_IPV4;
		dissect_ipv4(c, wire_left, pkt);
		break;
	case 6:
		pkt->ethertype = ETH_IPV6;
		dissect_ipv6(c, wire_left, pkt);
		break;
	default:
		pkt->layer = FSC_LAYER_NET;
		note(pkt, FSC_MALFORMED, "ip version neither 4 nor 6");
		break;
	}
	return pkt->status;
}

static enum fsc_status by_ethertype(struct fsc_cursor *c, size_t wire_left,
				    uint16_t type, struct fsc_packet *pkt)
{
	pkt->ethertype = type;
	if (type == ETH_IPV4 || type == ETH_IPV6) {
		/* Say so, then decode what the version nibble says it is. */
		if (fsc_cur_left(c) > 0 &&
		    fsc_cur_peek(c, 0) >> 4 != (type == ETH_IPV4 ? 4 : 6))
			note(pkt, FSC_MALFORMED, "ip version disagrees with link type");
		return dissect_ip(c, wire_left, pkt);
	}
	return note(pkt, FSC_NOT_THIS, "not an ip packet");
}

/* BSD address families for IPv6 differ by system; all mean IPv6 here. */
static uint16_t family_to_ethertype(uint32_t af)
{
	switch (af) {
	case 2:
		return ETH_IPV4;
	case 10: /* Linux */
	case 24: /* NetBSD, OpenBSD, BSD/OS */
	case 28: /* FreeBSD, DragonFly */
	case 30: /* Darwin */
		return ETH_IPV6;
	}
	return 0;
}

static enum fsc_status dissect_ethernet(struct fsc_cursor *c, size_t wire,
					struct fsc_packet *pkt)
{
	if (!fsc_cur_skip(c, 12))
		return short_header(pkt, wire >= 14, "ethernet header cut short");
	uint16_t type = fsc_cur_be16(c);
	if (c->bad)
		return short_header(pkt, wire >= 14, "ethernet header cut short");
	size_t hdr = 14;
	for (unsigned n = 0; type == ETH_VLAN || type == ETH_QINQ ||
			     type == ETH_QINQ_OLD; n++) {
		if (n == MAX_VLAN_WALK)
			return note(pkt, FSC_MALFORMED, "too many vlan tags");
		uint16_t tci = fsc_cur_be16(c);
		type = fsc_cur_be16(c);
		if (c->bad)
			return short_header(pkt, wire >= hdr + 4, "vlan tag cut short");
		if (pkt->n_vlan < FSC_MAX_VLAN)
			pkt->vlan[pkt->n_vlan] = tci & 0x0fff;
		pkt->n_vlan++;
		hdr += 4;
	}
	return by_ethertype(c, wire - hdr, type, pkt);
}

static enum fsc_status dissect_sll(struct fsc_cursor *c, size_t wire,
				   struct fsc_packet *pkt)
{
	fsc_cur_skip(c, 14);
	uint16_t proto = fsc_cur_be16(c);
	if (c->bad)
		return short_header(pkt, wire >= 16, "linux cooked header cut short");
	return by_ethertype(c, wire - 16, proto, pkt);
}

static enum fsc_status dissect_sll2(struct fsc_cursor *c, size_t wire,
				    struct fsc_packet *pkt)
{
	uint16_t proto = fsc_cur_be16(c);
	fsc_cur_skip(c, 18);
	if (c->bad)
		return short_header(pkt, wire >= 20, "linux cooked v2 header cut short");
	return by_ethertype(c, wire - 20, proto, pkt);
}

static enum fsc_status dissect_null(struct fsc_cursor *c, size_t wire,
				    struct fsc_packet *pkt, bool network_order)
{
	uint32_t af = network_order ? fsc_cur_be32(c) : fsc_cur_le32(c);
	if (c->bad)
		return short_header(pkt, wire >= 4, "loopback header cut short");
	/* NULL is in the capturing host's order: a big-endian host's file
	 * read here has the family in the top bytes. */
	if (!network_order && (af & 0xffff0000u) && !(af & 0xffff))
		af = (af >> 24) | ((af >> 8) & 0xff00);
	uint16_t type = family_to_ethertype(af);
	if (!type)
		return note(pkt, FSC_NOT_THIS, "loopback family not ip");
	return by_ethertype(c, wire - 4, type, pkt);
}

static enum fsc_status dissect_tscap(const uint8_t *p, size_t caplen,
				     size_t wire, struct fsc_packet *pkt)
{
	const char *why = NULL;
	enum fsc_status st = fsc_tscap_decode(p, caplen, &pkt->tscap, &why);

	if (st != FSC_OK)
		return short_header(pkt, st == FSC_TRUNCATED && caplen < wire, why);
	pkt->has_tscap = true;
	if (pkt->tscap.path == FSC_TSCAP_DISCO)
		return FSC_OK; /* no IP packet inside; the record is the event */
	struct fsc_cursor c = fsc_cur_make(pkt->tscap.data, pkt->tscap.data_len);
	size_t hdr = (size_t)(pkt->tscap.data - p);
	return dissect_ip(&c, wire - hdr, pkt);
}

enum fsc_status fsc_dissect_ip(const uint8_t *p, size_t len,
			       struct fsc_packet *pkt)
{
	struct fsc_cursor c = fsc_cur_make(p, len);

	memset(pkt, 0, sizeof(*pkt));
	pkt->linktype = LT_RAW;
	return dissect_ip(&c, len, pkt);
}

struct linktype_info {
	int linktype;
	const char *name;
};

static const struct linktype_info linktypes[] = {
	{ LT_NULL, "NULL" },		{ LT_EN10MB, "EN10MB" },
	{ LT_RAW, "RAW" },		{ LT_LOOP, "LOOP" },
	{ LT_LINUX_SLL, "LINUX_SLL" },	{ LT_USER0, "USER0" },
	{ LT_IPV4, "IPV4" },		{ LT_IPV6, "IPV6" },
	{ LT_LINUX_SLL2, "LINUX_SLL2" },
};

const char *fsc_linktype_name(int linktype)
{
	for (size_t i = 0; i < sizeof(linktypes) / sizeof(linktypes[0]); i++)
		if (linktypes[i].linktype == linktype)
			return linktypes[i].name;
	return NULL;
}

bool fsc_linktype_supported(int linktype)
{
	return fsc_linktype_name(linktype) != NULL;
}

enum fsc_status fsc_dissect(int linktype, const uint8_t *p, size_t caplen,
			    size_t wirelen, struct fsc_packet *pkt)
{
	struct fsc_cursor c = fsc_cur_make(p, caplen);

	memset(pkt, 0, sizeof(*pkt));
	pkt->linktype = linktype;
	if (wirelen < caplen)
		wirelen = caplen;
	switch (linktype) {
	case LT_EN10MB:
		return dissect_ethernet(&c, wirelen, pkt);
	case LT_LINUX_SLL:
		return dissect_sll(&c, wirelen, pkt);
	case LT_LINUX_SLL2:
		return dissect_sll2(&c, wirelen, pkt);
	case LT_NULL:
		return dissect_null(&c, wirelen, pkt, false);
	case LT_LOOP:
		return dissect_null(&c, wirelen, pkt, true);
	case LT_RAW:
		return dissect_ip(&c, wirelen, pkt);
	case LT_IPV4:
		return by_ethertype(&c, wirelen, ETH_IPV4, pkt);
	case LT_IPV6:
		return by_ethertype(&c, wirelen, ETH_IPV6, pkt);
	case LT_USER0:
		return dissect_tscap(p, caplen, wirelen, pkt);
	}
	return note(pkt, FSC_NOT_THIS, "unsupported link type");
}
