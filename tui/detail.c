/* detail.c - the heads and X-Forwarded-For hops of recent requests in one
 * byte ring (see detail.h). A record:
 *
 *   u16 headers | u16 hops | u8 flags
 *   headers:  u16 name_len | u16 value_len | name | value     (each cut)
 *   hops:     u8 kind | u8 class | u8 skip | u8 0 | addr (17) | 4to6 v4 (17)
 *             | u16 text_len | text
 *
 * in host byte order (it never leaves the process). */
#include "detail.h"

#include <stdlib.h>
#include <string.h>

#define NAME_KEEP 256
#define VALUE_KEEP 2048
#define HOP_TEXT_KEEP 256
#define BLOB_HEADERS_CUT 1
#define BLOB_HOPS_CUT 2
#define BLOB_FORWARDED 4
#define BLOB_MAX TUI_DRING_BLOB

static size_t put_bytes(uint8_t *b, size_t n, const void *p, size_t len)
{
	if (n + len > BLOB_MAX)
		return SIZE_MAX;
	if (len) /* an empty span may be NULL (Forwarded: for="") */
		memcpy(b + n, p, len);
	return n + len;
}

static size_t put_u16(uint8_t *b, size_t n, uint16_t v)
{
	return put_bytes(b, n, &v, sizeof(v));
}

/* Serialises headers and hops into b (BLOB_MAX bytes); returns the length. */
static size_t blob_of(uint8_t *b, const struct fsc_stream_event *se)
{
	const struct fsc_http_head *h = se->u.req.head;
	const struct fsc_client *c = se->u.req.client;
	uint16_t nh = 0, nhop = 0;
	uint8_t flags = 0;
	size_t n = 5, next;

	for (size_t i = 0; h && i < h->n_headers; i++) {
		const struct fsc_http_header *hd = &h->headers[i];
		uint16_t nl = (uint16_t)(hd->name_len < NAME_KEEP ? hd->name_len : NAME_KEEP);
		uint16_t vl = (uint16_t)(hd->value_len < VALUE_KEEP ? hd->value_len : VALUE_KEEP);
		if (nl < hd->name_len || vl < hd->value_len)
			flags |= BLOB_HEADERS_CUT;
		next = put_u16(b, n, nl);
		next = next == SIZE_MAX ? next : put_u16(b, next, vl);
		next = next == SIZE_MAX ? next : put_bytes(b, next, hd->name, nl);
		next = next == SIZE_MAX ? next : put_bytes(b, next, hd->value, vl);
		if (next == SIZE_MAX || nh == TUI_DETAIL_HEADERS) {
			flags |= BLOB_HEADERS_CUT;
			break;
		}
		n = next;
		nh++;
	}
	if (c && se->u.req.xff && se->u.req.xff->n == 0 && c->n_hops)
		flags |= BLOB_FORWARDED;
	for (size_t i = 0; c && i < c->n_hops; i++) {
		const struct fsc_hop *hp = &c->hops[i];
		uint8_t fixed[4] = { (uint8_t)hp->node->kind, (uint8_t)hp->info.cls,
				     (uint8_t)hp->skip, 0 };
		struct fsc_addr v4 = { 0 };
		uint16_t tl = (uint16_t)(hp->node->len < HOP_TEXT_KEEP ? hp->node->len
								    : HOP_TEXT_KEEP);
		if (hp->info.cls == FSC_TSADDR_4TO6)
			v4 = hp->info.peer;
		next = put_bytes(b, n, fixed, sizeof(fixed));
		next = next == SIZE_MAX ? next : put_bytes(b, next, &hp->info.addr, sizeof(v4));
		next = next == SIZE_MAX ? next : put_bytes(b, next, &v4, sizeof(v4));
		next = next == SIZE_MAX ? next : put_u16(b, next, tl);
		next = next == SIZE_MAX ? next : put_bytes(b, next, hp->node->text, tl);
		if (next == SIZE_MAX || nhop == TUI_DETAIL_HOPS) {
			flags |= BLOB_HOPS_CUT;
			break;
		}
		n = next;
		nhop++;
	}
	if (c && c->hops_dropped)
		flags |= BLOB_HOPS_CUT;
	memcpy(b, &nh, 2);
	memcpy(b + 2, &nhop, 2);
	b[4] = flags;
	return n;
}

bool tui_dring_init(struct tui_dring *r, size_t cap)
{
	r->cap = cap;
	r->w = 0;
	r->buf = malloc(cap);
	return r->buf != NULL;
}

void tui_dring_free(struct tui_dring *r)
{
	free(r->buf);
	r->buf = NULL;
}

bool tui_dring_store(struct tui_dring *r, const struct fsc_stream_event *se, uint64_t *pos,
		     uint32_t *len)
{
	size_t n = blob_of(r->blob, se);

	if (n > r->cap)
		return false;
	size_t at = (size_t)(r->w % r->cap);
	size_t first = n < r->cap - at ? n : r->cap - at;
	memcpy(r->buf + at, r->blob, first);
	memcpy(r->buf, r->blob + first, n - first);
	*pos = r->w;
	*len = (uint32_t)n;
	r->w += n;
	return true;
}

static uint16_t get_u16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

bool tui_dring_load(struct tui_dring *r, uint64_t pos, uint32_t len, struct tui_detail *d)
{
	const uint8_t *b = r->blob;
	size_t n = 5;

	/* Intact while no more than cap bytes were written after it. */
	if (r->w - pos > r->cap || len > sizeof(r->blob))
		return false;
	size_t at = (size_t)(pos % r->cap);
	size_t first = len < r->cap - at ? len : r->cap - at;
	memcpy(r->blob, r->buf + at, first);
	memcpy(r->blob + first, r->buf, len - first);

	d->kept = true;
	uint16_t nh = get_u16(b), nhop = get_u16(b + 2);
	d->headers_cut = b[4] & BLOB_HEADERS_CUT;
	d->hops_cut = b[4] & BLOB_HOPS_CUT;
	d->hops_from_forwarded = b[4] & BLOB_FORWARDED;
	for (uint16_t i = 0; i < nh; i++) {
		struct tui_header *h = &d->headers[d->n_headers++];
		h->name_len = get_u16(b + n);
		h->value_len = get_u16(b + n + 2);
		h->name = (const char *)b + n + 4;
		h->value = h->name + h->name_len;
		n += 4 + h->name_len + h->value_len;
	}
	for (uint16_t i = 0; i < nhop; i++) {
		struct tui_hop *h = &d->hops[d->n_hops++];
		struct fsc_xff_node node = { .kind = (enum fsc_xff_kind)b[n] };
		struct fsc_hop hop = { .node = &node, .skip = (enum fsc_hop_skip)b[n + 2] };
		hop.info.cls = (enum fsc_tsaddr_class)b[n + 1];
		memcpy(&h->addr, b + n + 4, sizeof(h->addr));
		memcpy(&h->v4, b + n + 4 + sizeof(h->addr), sizeof(h->v4));
		hop.info.addr = h->addr;
		n += 4 + 2 * sizeof(h->addr);
		h->text_len = get_u16(b + n);
		h->text = (const char *)b + n + 2;
		n += 2 + h->text_len;
		h->cls = fsc_hop_class_name(&hop);
		h->skip = fsc_hop_skip_name(hop.skip);
	}
	return true;
}
