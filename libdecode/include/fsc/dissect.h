/* dissect.h - from (linktype, bytes) to addresses, ports and payload. */
#ifndef FSC_DISSECT_H
#define FSC_DISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"
#include "fsc/tscap.h"

/* The layer a dissection reached; with a non-OK status, where it stopped. */
enum fsc_layer {
	FSC_LAYER_LINK = 0,
	FSC_LAYER_NET,
	FSC_LAYER_TRANSPORT,
	FSC_LAYER_PAYLOAD,
};

#define FSC_TCP_FIN 0x01
#define FSC_TCP_SYN 0x02
#define FSC_TCP_RST 0x04
#define FSC_TCP_PSH 0x08
#define FSC_TCP_ACK 0x10
#define FSC_TCP_URG 0x20
#define FSC_TCP_ECE 0x40
#define FSC_TCP_CWR 0x80

#define FSC_MAX_VLAN 2

/*
 * One dissected frame. All pointers point into the frame bytes handed to
 * fsc_dissect and live as long as they do. Fields of layers not reached are
 * zero.
 */
struct fsc_packet {
	int linktype;
	/* link */
	uint16_t ethertype;	/* of the network layer, after VLAN tags */
	uint16_t vlan[FSC_MAX_VLAN];
	unsigned n_vlan;
	bool has_tscap;
	struct fsc_tscap tscap;
	/* network */
	uint8_t ipver;		/* 0 (not IP), 4 or 6 */
	struct fsc_addr src, dst;
	uint8_t proto;		/* IPPROTO_* of the transport header */
	uint8_t obs;		/* observation point: the interface it was
				 * captured on, modulo 256 (0 unless the
				 * caller sets it); part of a TCP flow's
				 * identity, so the same connection seen on
				 * two interfaces is two */
	uint8_t ttl;		/* TTL or hop limit */
	uint32_t ip_len;	/* the IP packet's length as its header says
				 * (IPv4 total length, IPv6 40 + payload
				 * length), bounded by the frame */
	bool fragment;		/* part of a fragmented datagram */
	bool first_fragment;	/* offset 0: transport header present */
	uint32_t frag_id;
	uint16_t frag_offset;	/* in bytes */
	bool more_fragments;
	size_t ip_options_len;	/* IPv4 options bytes */
	unsigned n_ext_hdrs;	/* IPv6 extension headers walked */
	/* transport */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint16_t window;
	/* payload of UDP/TCP (or the network payload for other protocols) */
	const uint8_t *payload;
	size_t payload_len;	/* captured bytes */
	size_t payload_wire_len; /* bytes the headers announce */
	bool payload_cut;	/* the capture holds fewer payload bytes than
				 * this packet carried (a first fragment's
				 * missing rest is not a cut) */
	/* outcome */
	enum fsc_layer layer;
	enum fsc_status status;
	const char *why;
	/* Where the packet was seen: 0 on the wire; N inside tunnel session N
	 * (decrypted WireGuard). Part of a flow's identity, so an inner flow
	 * never merges with an outer one of the same addresses and ports. */
	uint32_t tunnel;
};

/*
 * Dissects one frame. caplen is what was captured, wirelen what was on the
 * wire. The status is FSC_OK when every layer up to the payload was read,
 * FSC_TRUNCATED when the capture ends inside a header, FSC_MALFORMED when a
 * header contradicts itself, and FSC_NOT_THIS for an unsupported linktype or
 * a non-IP frame (link fields still filled). `layer` says how far it got.
 */
enum fsc_status fsc_dissect(int linktype, const uint8_t *p, size_t caplen,
			    size_t wirelen, struct fsc_packet *pkt);

/* Dissects a raw IPv4/IPv6 packet (version from the first nibble), as
 * fsc_dissect does for LINKTYPE_RAW with caplen == wirelen == len. */
enum fsc_status fsc_dissect_ip(const uint8_t *p, size_t len,
			       struct fsc_packet *pkt);

/* True for the linktypes fsc_dissect knows. */
bool fsc_linktype_supported(int linktype);
/* libpcap's name ("EN10MB"), or NULL. */
const char *fsc_linktype_name(int linktype);

#endif
