/* disco.c - Tailscale disco: the sealed wrapper and the decrypted messages.
 *
 * Follows tailscale disco/disco.go (protocols.md §3). The wrapper is what
 * travels over UDP or inside DERP frames; the plaintext is what
 * `tailscale debug capture` records after opening the NaCl box. Integers in
 * the plaintext are big-endian; addresses are 16 bytes, IPv4 as v4-mapped.
 *
 *   wrapper                          plaintext
 *   +0  magic "TS" f0 9f 92 ac (6)   +0 type u8   +1 version u8   +2 body
 *   +6  sender disco key      (32)
 *   +38 nonce                 (24)   ping  (1)  txid 12 [node key 32 [padding]]
 *   +62 box: Poly1305 tag 16 +       pong  (2)  txid 12, ip 16, port u16 = 30
 *            XSalsa20 ciphertext     cmm   (3)  N x (ip 16, port u16), N >= 1
 *                                    4-6 bind   vni u32, generation u32,
 *                                               remote key 32, challenge 32
 *   relay endpoint (7 after the      7 via      relay endpoint
 *   header, 9 after generation):     8 alloc    key 32, key 32, generation u32
 *   server key 32, client keys 64,   9 alloc-r  generation u32, relay endpoint
 *   lamport u64, vni u32, bind u64,
 *   steady u64, N x (ip 16, port u16), N >= 1
 */
#include "fsc/disco.h"

#include <string.h>

#include "fsc/cursor.h"

static const uint8_t disco_magic[FSC_DISCO_MAGIC_LEN] = {
	'T', 'S', 0xf0, 0x9f, 0x92, 0xac,
};

#define EP_LEN 18		/* ip 16 + port 2 */
#define BIND_LEN 72		/* vni, generation, remote key, challenge */
#define ALLOC_REQ_LEN 68	/* two client keys, generation */
#define RELAY_EP_FIXED 124	/* relay endpoint before its address list */

enum fsc_status fsc_disco_decode_wrapper(const uint8_t *p, size_t len,
					 struct fsc_disco_wrapper *w,
					 const char **why)
{
	struct fsc_cursor c;

	memset(w, 0, sizeof(*w));
	if (len < FSC_DISCO_MAGIC_LEN)
		return fsc_status_verdict(why, FSC_NOT_THIS, "shorter than the disco magic");
	c = fsc_cur_make(p, len);
	if (memcmp(fsc_cur_take(&c, FSC_DISCO_MAGIC_LEN), disco_magic,
		   FSC_DISCO_MAGIC_LEN) != 0)
		return fsc_status_verdict(why, FSC_NOT_THIS, "no disco magic");

	w->len = len;
	w->sender_key = fsc_cur_take(&c, FSC_DISCO_KEY_LEN);
	w->nonce = fsc_cur_take(&c, FSC_DISCO_NONCE_LEN);
	if (c.bad)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco header cut short");
	w->box = c.p;
	w->box_len = fsc_cur_left(&c);
	if (w->box_len < FSC_DISCO_BOX_OVERHEAD)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco box shorter than its tag");
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static bool is_v4_mapped(const uint8_t ip[16])
{
	static const uint8_t prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	return memcmp(ip, prefix, sizeof(prefix)) == 0;
}

/* A 16-byte address as Go's netip.Addr.Unmap() sees it. */
static void set_addr16(struct fsc_addr *a, const uint8_t ip[16])
{
	if (is_v4_mapped(ip))
		fsc_addr_set4(a, ip + 12);
	else
		fsc_addr_set6(a, ip);
}

bool fsc_disco_endpoint(const struct fsc_disco_plain *m, size_t i,
			struct fsc_addr *a, uint16_t *port)
{
	struct fsc_cursor c;

	if (!m->endpoints || i >= m->n_endpoints)
		return false;
	c = fsc_cur_make(m->endpoints + i * EP_LEN, EP_LEN);
	set_addr16(a, fsc_cur_take(&c, 16));
	*port = fsc_cur_be16(&c);
	return true;
}

/* An address list that must hold at least one whole entry. */
static enum fsc_status endpoint_list(struct fsc_cursor *c,
				     struct fsc_disco_plain *m, const char **why)
{
	size_t n = fsc_cur_left(c);

	if (n == 0)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco endpoint list empty");
	if (n % EP_LEN != 0)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco endpoint cut mid-entry");
	m->n_endpoints = n / EP_LEN;
	m->endpoints = fsc_cur_take(c, n);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static enum fsc_status ping(struct fsc_cursor *c, struct fsc_disco_plain *m,
			    const char **why)
{
	m->txid = fsc_cur_take(c, FSC_DISCO_TXID_LEN);
	if (!m->txid)
		return fsc_status_verdict(why, FSC_TRUNCATED, "ping txid cut short");
	if (fsc_cur_left(c) == 0) /* clients up to ~1.16 send no node key */
		return fsc_status_verdict(why, FSC_OK, NULL);
	/* Tailscale reads a key only when 32 bytes follow; senders always
	 * write one before any padding, so fewer means the message was cut. */
	m->node_key = fsc_cur_take(c, FSC_DISCO_KEY_LEN);
	if (!m->node_key)
		return fsc_status_verdict(why, FSC_TRUNCATED, "ping node key cut short");
	m->padding = fsc_cur_left(c);
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static enum fsc_status pong(struct fsc_cursor *c, struct fsc_disco_plain *m,
			    const char **why)
{
	const uint8_t *ip;

	if (fsc_cur_left(c) < FSC_DISCO_TXID_LEN + 16 + 2)
		return fsc_status_verdict(why, FSC_TRUNCATED, "pong shorter than 30 bytes");
	m->txid = fsc_cur_take(c, FSC_DISCO_TXID_LEN);
	ip = fsc_cur_take(c, 16);
	m->pong_port = fsc_cur_be16(c);
	set_addr16(&m->pong_addr, ip);
	m->padding = fsc_cur_left(c); /* receivers ignore trailing bytes */
	return fsc_status_verdict(why, FSC_OK, NULL);
}

static enum fsc_status relay_endpoint(struct fsc_cursor *c,
				      struct fsc_disco_plain *m, const char **why)
{
	if (fsc_cur_left(c) < RELAY_EP_FIXED)
		return fsc_status_verdict(why, FSC_TRUNCATED, "relay endpoint cut short");
	fsc_cur_skip(c, 3 * FSC_DISCO_KEY_LEN + 8); /* keys, lamport ID */
	m->vni = fsc_cur_be32(c);
	fsc_cur_skip(c, 8 + 8); /* bind and steady-state lifetimes */
	return endpoint_list(c, m, why);
}

static const char *const disco_names[] = {
	[FSC_DISCO_PING] = "ping",
	[FSC_DISCO_PONG] = "pong",
	[FSC_DISCO_CALL_ME_MAYBE] = "call-me-maybe",
	[FSC_DISCO_BIND_UDP_RELAY_ENDPOINT] = "bind-udp-relay-endpoint",
	[FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE] = "bind-udp-relay-endpoint-challenge",
	[FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER] = "bind-udp-relay-endpoint-answer",
	[FSC_DISCO_CALL_ME_MAYBE_VIA] = "call-me-maybe-via",
	[FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST] = "allocate-udp-relay-endpoint-request",
	[FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE] = "allocate-udp-relay-endpoint-response",
};

const char *fsc_disco_type_name(uint8_t type)
{
	if (type < sizeof(disco_names) / sizeof(disco_names[0]) && disco_names[type])
		return disco_names[type];
	return "unknown";
}

enum fsc_status fsc_disco_decode_plain(const uint8_t *p, size_t len,
				       struct fsc_disco_plain *m,
				       const char **why)
{
	struct fsc_cursor c;

	memset(m, 0, sizeof(*m));
	if (len < 2)
		return fsc_status_verdict(why, FSC_TRUNCATED, "disco message without type and version");
	c = fsc_cur_make(p, len);
	m->type = fsc_cur_u8(&c);
	m->version = fsc_cur_u8(&c);
	m->len = len;

	/* Only version 0 exists; newer versions are read as version 0, as
	 * Tailscale does for ping and pong (callers can see m->version). */
	switch (m->type) {
	case FSC_DISCO_PING:
		return ping(&c, m, why);
	case FSC_DISCO_PONG:
		return pong(&c, m, why);
	case FSC_DISCO_CALL_ME_MAYBE:
		return endpoint_list(&c, m, why);
	case FSC_DISCO_BIND_UDP_RELAY_ENDPOINT:
	case FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_CHALLENGE:
	case FSC_DISCO_BIND_UDP_RELAY_ENDPOINT_ANSWER:
		if (fsc_cur_left(&c) < BIND_LEN)
			return fsc_status_verdict(why, FSC_TRUNCATED, "relay bind message cut short");
		m->vni = fsc_cur_be32(&c);
		m->padding = fsc_cur_left(&c) - (BIND_LEN - 4);
		return fsc_status_verdict(why, FSC_OK, NULL);
	case FSC_DISCO_CALL_ME_MAYBE_VIA:
		return relay_endpoint(&c, m, why);
	case FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_REQUEST:
		if (fsc_cur_left(&c) < ALLOC_REQ_LEN)
			return fsc_status_verdict(why, FSC_TRUNCATED, "relay allocation request cut short");
		m->padding = fsc_cur_left(&c) - ALLOC_REQ_LEN;
		return fsc_status_verdict(why, FSC_OK, NULL);
	case FSC_DISCO_ALLOCATE_UDP_RELAY_ENDPOINT_RESPONSE:
		if (!fsc_cur_skip(&c, 4)) /* generation */
			return fsc_status_verdict(why, FSC_TRUNCATED, "relay allocation response cut short");
		return relay_endpoint(&c, m, why);
	}
	return fsc_status_verdict(why, FSC_MALFORMED, "unknown disco message type");
}
