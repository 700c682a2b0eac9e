/* wireguard.c - WireGuard message headers: type, indices, counter and sizes.
 *
 * Follows the WireGuard paper §5.4 and wireguard-go device/noise-protocol.go
 * (protocols.md §1.3). All integers are little-endian. Nothing is decrypted:
 * the decoder reads what travels in the clear and insists on the exact sizes,
 * because a WireGuard message has no magic and no length field of its own.
 *
 *   every message               initiation (148)        response (92)
 *   +------+----------+         +0   type 1 + rsv 3     +0   type 2 + rsv 3
 *   | type | reserved |         +4   sender    u32 LE   +4   sender    u32 LE
 *   |  u8  | 3 x 0x00 |         +8   ephemeral  32      +8   receiver  u32 LE
 *   +------+----------+         +40  enc static 48      +12  ephemeral  32
 *                               +88  enc tai64n 28      +44  enc empty  16
 *   cookie reply (64)           +116 mac1       16      +60  mac1       16
 *   +0  type 3 + rsv 3          +132 mac2       16      +76  mac2       16
 *   +4  receiver u32 LE
 *   +8  nonce     24            transport (>= 32)
 *   +32 enc cookie 32           +0  type 4 + rsv 3  +4 receiver u32 LE
 *                               +8  counter u64 LE  +16 ciphertext n + tag 16
 */
#include "fsc/wireguard.h"

#include <string.h>

#include "fsc/cursor.h"

static bool all_zero(const uint8_t *q, size_t n)
{
	uint8_t acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= q[i];
	return acc == 0;
}

/*
 * A transport plaintext is zero-padded to a multiple of 16, except that the
 * padding never grows it past the tunnel MTU (wireguard-go
 * calculatePaddingSize, linux send.c): at MTU 1420 a full-size packet has a
 * plaintext of exactly 1420. So an odd size is accepted only where it can be
 * such an MTU, from the IPv6 minimum up.
 */
static bool transport_len_ok(size_t len)
{
	size_t plain;

	if (len < FSC_WG_TRANSPORT_MIN)
		return false;
	plain = len - FSC_WG_TRANSPORT_MIN;
	return plain % 16 == 0 || plain >= FSC_WG_MTU_MIN;
}

enum fsc_status fsc_wg_decode(const uint8_t *p, size_t len,
			      struct fsc_wg_msg *m, const char **why)
{
	struct fsc_cursor c;
	const uint8_t *mac2;
	uint8_t type;

	memset(m, 0, sizeof(*m));
	if (len < 4)
		return fsc_status_verdict(why, FSC_NOT_THIS, "shorter than a wireguard header");
	c = fsc_cur_make(p, len);
	type = fsc_cur_u8(&c);
	if (fsc_cur_be24(&c) != 0)
		return fsc_status_verdict(why, FSC_NOT_THIS, "wireguard reserved bytes not zero");

	/* The length test comes first: it rejects most other UDP at once. */
	switch (type) {
	case FSC_WG_INITIATION:
		if (len != FSC_WG_INITIATION_LEN)
			return fsc_status_verdict(why, FSC_NOT_THIS, "initiation length not 148");
		m->sender = fsc_cur_le32(&c);
		m->ephemeral = fsc_cur_take(&c, FSC_WG_KEY_LEN);
		fsc_cur_skip(&c, 48 + 28); /* encrypted static, timestamp */
		m->mac1 = fsc_cur_take(&c, FSC_WG_MAC_LEN);
		mac2 = fsc_cur_take(&c, FSC_WG_MAC_LEN);
		break;
	case FSC_WG_RESPONSE:
		if (len != FSC_WG_RESPONSE_LEN)
			return fsc_status_verdict(why, FSC_NOT_THIS, "response length not 92");
		m->sender = fsc_cur_le32(&c);
		m->receiver = fsc_cur_le32(&c);
		m->ephemeral = fsc_cur_take(&c, FSC_WG_KEY_LEN);
		fsc_cur_skip(&c, 16); /* encrypted nothing */
		m->mac1 = fsc_cur_take(&c, FSC_WG_MAC_LEN);
		mac2 = fsc_cur_take(&c, FSC_WG_MAC_LEN);
		break;
	case FSC_WG_COOKIE:
		if (len != FSC_WG_COOKIE_LEN)
			return fsc_status_verdict(why, FSC_NOT_THIS, "cookie reply length not 64");
		m->receiver = fsc_cur_le32(&c);
		m->nonce = fsc_cur_take(&c, 24);
		mac2 = NULL;
		break;
	case FSC_WG_TRANSPORT:
		if (!transport_len_ok(len))
			return fsc_status_verdict(why, FSC_NOT_THIS,
				       "transport length not 32 + padded plaintext");
		m->receiver = fsc_cur_le32(&c);
		m->counter = fsc_cur_le64(&c);
		m->plain_len = len - FSC_WG_TRANSPORT_MIN;
		m->keepalive = m->plain_len == 0;
		mac2 = NULL;
		break;
	default:
		return fsc_status_verdict(why, FSC_NOT_THIS, "wireguard type not 1-4");
	}
	if (c.bad) /* cannot happen after the length checks; kept as a guard */
		return fsc_status_verdict(why, FSC_NOT_THIS, "wireguard message cut short");
	m->type = (enum fsc_wg_type)type;
	m->len = len;
	m->under_load = mac2 && !all_zero(mac2, FSC_WG_MAC_LEN);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static const char *const wg_names[] = {
	[FSC_WG_INITIATION] = "initiation",
	[FSC_WG_RESPONSE] = "response",
	[FSC_WG_COOKIE] = "cookie",
	[FSC_WG_TRANSPORT] = "transport",
};

/* A transport header at p[off]: type 4, reserved zero; its receiver and
 * counter. */
static bool transport_at(const uint8_t *p, size_t len, size_t off, uint32_t *receiver,
			 uint64_t *counter)
{
	struct fsc_cursor c = fsc_cur_make(p + off, len - off);

	if (fsc_cur_left(&c) < FSC_WG_TRANSPORT_MIN || fsc_cur_u8(&c) != FSC_WG_TRANSPORT ||
	    fsc_cur_u8(&c) || fsc_cur_u8(&c) || fsc_cur_u8(&c))
		return false;
	*receiver = fsc_cur_le32(&c);
	*counter = fsc_cur_le64(&c);
	return !c.bad;
}

/* Counters of one batch follow one another; a little slack for messages
 * of the session sent between (other threads, keepalives). */
#define GSO_COUNTER_SLACK 256

static bool segments_fit(const uint8_t *p, size_t len, size_t size, uint32_t receiver,
			 uint64_t counter)
{
	size_t off;

	for (off = size; off < len; off += size) {
		uint32_t r;
		uint64_t n;
		size_t seg = len - off < size ? len - off : size;
		if (!transport_len_ok(seg) || !transport_at(p, len, off, &r, &n) ||
		    r != receiver || n <= counter || n - counter > GSO_COUNTER_SLACK)
			return false;
		counter = n;
	}
	return true;
}

size_t fsc_wg_gso_segment(const uint8_t *p, size_t len)
{
	uint32_t receiver;
	uint64_t counter;

	if (len < 2 * FSC_WG_TRANSPORT_MIN || !transport_at(p, len, 0, &receiver, &counter))
		return 0;
	/* Sizes a first segment can have: padded ones step by 16; from the
	 * smallest MTU up, any. */
	for (size_t size = FSC_WG_TRANSPORT_MIN; size + FSC_WG_TRANSPORT_MIN <= len;
	     size += size >= FSC_WG_TRANSPORT_MIN + FSC_WG_MTU_MIN ? 1 : 16) {
		uint32_t r;
		uint64_t n;
		if (transport_len_ok(size) && transport_at(p, len, size, &r, &n) && r == receiver &&
		    segments_fit(p, len, size, receiver, counter))
			return size;
	}
	return 0;
}

const char *fsc_wg_msg_name(const struct fsc_wg_msg *m)
{
	if (m->type == FSC_WG_TRANSPORT && m->keepalive)
		return "keepalive";
	if ((unsigned)m->type < sizeof(wg_names) / sizeof(wg_names[0]) &&
	    wg_names[m->type])
		return wg_names[m->type];
	return "unknown";
}
