/* tscap.h - the `tailscale debug capture` record header, LINKTYPE_USER0 (147)
 * (protocols.md §6). The header is little-endian; the disco plaintext inside a
 * path-254 record is big-endian. */
#ifndef FSC_TSCAP_H
#define FSC_TSCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

#define FSC_LINKTYPE_TSCAP 147 /* LINKTYPE_USER0 */

enum fsc_tscap_path {
	FSC_TSCAP_FROM_LOCAL = 0,
	FSC_TSCAP_FROM_PEER = 1,
	FSC_TSCAP_SYNTH_TO_LOCAL = 2,
	FSC_TSCAP_SYNTH_TO_PEER = 3,
	FSC_TSCAP_DISCO = 254,
};

struct fsc_tscap {
	uint16_t path;
	struct fsc_addr snat;	/* pre-SNAT source, family 0 if absent */
	struct fsc_addr dnat;	/* pre-DNAT destination, family 0 if absent */
	/* paths 0-3: the inner IP packet (NULL for path 254) */
	const uint8_t *data;
	size_t data_len;
	/* path 254: the disco record */
	bool via_derp;
	const uint8_t *derp_key; /* 32 bytes, NULL unless via DERP */
	struct fsc_addr disco_src;
	uint16_t disco_sport;
	const uint8_t *disco; /* decrypted disco plaintext */
	size_t disco_len;
};

/*
 * Decodes a record body (the pcap record's caplen bytes). Pointers point into
 * the caller's buffer.
 * FSC_OK: paths 0-3 with at least one byte of packet (data/data_len: the
 *   rest of the record; the record carries no length of its own, so a record
 *   cut by a snaplen still decodes and the IP dissector sees the cut); path
 *   254 with a disco record whose payload length matches the bytes left
 *   (disco/disco_len; decode them with fsc_disco_decode_plain).
 * FSC_TRUNCATED: the record ends inside the path, a NAT address or the disco
 *   record, or a path 0-3 record has no packet bytes. What the bytes did
 *   not reach is absent (status.h): derp_key and disco NULL (via_derp may
 *   be true without a key), lengths 0, addresses family 0.
 * FSC_MALFORMED: unknown path (path kept); a NAT address length other than
 *   0/4/16; a disco address length other than 4/16; bytes after the disco
 *   payload. Fields read before the fault are kept.
 * Never FSC_NOT_THIS: the linktype already says what this is.
 * *t is always written; why may be NULL, else *why is NULL on FSC_OK and a
 * static reason otherwise.
 */
enum fsc_status fsc_tscap_decode(const uint8_t *p, size_t len,
				 struct fsc_tscap *t, const char **why);

/* The record header a writer puts before an inner IP packet of path 0-3
 * with no NAT addresses (what fsc_tscap_decode reads back): path u16 LE,
 * SNAT length 0, DNAT length 0. Returns FSC_TSCAP_HEAD_LEN, or 0 when cap
 * is smaller. */
#define FSC_TSCAP_HEAD_LEN 4
size_t fsc_tscap_encode_head(uint8_t *out, size_t cap, uint16_t path);

/* "from-local", "from-peer", "synth-to-local", "synth-to-peer", "disco". */
const char *fsc_tscap_path_name(uint16_t path);

#endif
