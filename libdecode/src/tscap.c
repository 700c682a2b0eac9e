/* tscap.c - `tailscale debug capture` records (LINKTYPE_USER0, 147).
 *
 * Follows tailscale feature/capture/capture.go (LogPacket) and
 * disco/pcap.go (ToPCAPFrame); protocols.md §6. The metadata is
 * little-endian; the disco message inside a path-254 record is big-endian
 * and is left to fsc_disco_decode_plain.
 *
 *   record body                       path 254 data (disco record)
 *   +0  path      u16 LE              +0  flags u8 (bit 0: via DERP)
 *   +2  snat_len  u8 (0, 4, 16)       +1  DERP node key (32, zero if not)
 *   +3  snat      snat_len bytes      +33 source port  u16 LE
 *   +.  dnat_len  u8 (0, 4, 16)       +35 addr length  u16 LE (4 or 16)
 *   +.  dnat      dnat_len bytes      +37 source address
 *   +.  data: paths 0-3 an IP packet, +.  payload length u16 LE
 *       254 the disco record ->       +.  payload: disco plaintext
 */
#include "fsc/tscap.h"

#include <string.h>

#include "fsc/cursor.h"

static const char *const path_names[] = {
	[FSC_TSCAP_FROM_LOCAL] = "from-local",
	[FSC_TSCAP_FROM_PEER] = "from-peer",
	[FSC_TSCAP_SYNTH_TO_LOCAL] = "synth-to-local",
	[FSC_TSCAP_SYNTH_TO_PEER] = "synth-to-peer",
};

const char *fsc_tscap_path_name(uint16_t path)
{
	if (path == FSC_TSCAP_DISCO)
		return "disco";
	if (path < sizeof(path_names) / sizeof(path_names[0]))
		return path_names[path];
	return "unknown";
}

/* A NAT address: u8 length (0, 4 or 16), then the address. */
static enum fsc_status nat_addr(struct fsc_cursor *c, struct fsc_addr *a,
				const char *what_short, const char *what_len,
				const char **why)
{
	uint8_t n = fsc_cur_u8(c);
	const uint8_t *q;

	if (c->bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, what_short);
	if (n != 0 && n != 4 && n != 16)
		return fsc_status_verdict(why, FSC_MALFORMED, what_len);
	q = fsc_cur_take(c, n);
	if (c->bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, what_short);
	if (n == 4)
		fsc_addr_set4(a, q);
	else if (n == 16)
		fsc_addr_set6(a, q);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static enum fsc_status disco_record(struct fsc_cursor *c, struct fsc_tscap *t,
				    const char **why)
{
	const uint8_t *key, *q;
	uint16_t alen, plen;

	t->via_derp = (fsc_cur_u8(c) & 0x01) != 0;
	key = fsc_cur_take(c, 32);
	t->disco_sport = fsc_cur_le16(c);
	alen = fsc_cur_le16(c);
	if (c->bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco record header cut short");
	if (t->via_derp)
		t->derp_key = key;
	if (alen != 4 && alen != 16)
		return fsc_status_verdict(why, FSC_MALFORMED, "disco source address length not 4 or 16");
	q = fsc_cur_take(c, alen);
	plen = fsc_cur_le16(c);
	if (c->bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco record address cut short");
	if (alen == 4)
		fsc_addr_set4(&t->disco_src, q);
	else
		fsc_addr_set6(&t->disco_src, q);
	if (fsc_cur_left(c) < plen)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco payload cut short");
	if (fsc_cur_left(c) > plen)
		return fsc_status_verdict(why, FSC_MALFORMED, "bytes after the disco payload");
	t->disco_len = plen;
	t->disco = fsc_cur_take(c, plen);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

enum fsc_status fsc_tscap_decode(const uint8_t *p, size_t len,
				 struct fsc_tscap *t, const char **why)
{
	struct fsc_cursor c;
	enum fsc_status st;

	memset(t, 0, sizeof(*t));
	if (len < 2)
		return fsc_status_verdict(why, FSC_TRUNCATED, "capture record shorter than its path");
	c = fsc_cur_make(p, len);
	t->path = fsc_cur_le16(&c);
	if (t->path > FSC_TSCAP_SYNTH_TO_PEER && t->path != FSC_TSCAP_DISCO)
		return fsc_status_verdict(why, FSC_MALFORMED, "unknown capture path");
	st = nat_addr(&c, &t->snat, "SNAT address cut short",
		      "SNAT address length not 0, 4 or 16", why);
	if (st != FSC_OK)
		return st;
	st = nat_addr(&c, &t->dnat, "DNAT address cut short",
		      "DNAT address length not 0, 4 or 16", why);
	if (st != FSC_OK)
		return st;
	if (t->path == FSC_TSCAP_DISCO)
		return disco_record(&c, t, why);

	/* The record has no length of its own: the packet is the rest. */
	t->data_len = fsc_cur_left(&c);
	if (t->data_len == 0)
		return fsc_status_verdict(why, FSC_TRUNCATED, "capture record without a packet");
	t->data = fsc_cur_take(&c, t->data_len);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

size_t fsc_tscap_encode_head(uint8_t *out, size_t cap, uint16_t path)
{
	if (cap < FSC_TSCAP_HEAD_LEN)
		return 0;
	out[0] = (uint8_t)(path & 0xff);
	out[1] = (uint8_t)(path >> 8);
	out[2] = 0; /* no pre-SNAT source */
	out[3] = 0; /* no pre-DNAT destination */
	return FSC_TSCAP_HEAD_LEN;
}
