/* wsel.c - which frames -w writes when the inputs can be read twice.
 *
 * An event from a TCP stream (a TLS hello, an HTTP request or response) is
 * made of many segments, and a capture holding only the one that completed
 * it decodes to nothing: tshark and fdecode need the connection. So while
 * the files are decoded, wsel remembers the shown events' frames and their
 * connections; afterwards the files are read again and every frame that was
 * shown, or that belongs to a remembered connection (handshake to close),
 * is written. A live capture or standard input cannot be read again: there
 * the frame of each shown event is written as it comes.
 */
#include "wsel.h"

#include <stdlib.h>
#include <string.h>

#include "fsc/dissect.h"

#define MAX_CONNS 65536 /* connections remembered; more are written partly */

struct conn_key {
	struct fsc_addr a, b;
	uint16_t pa, pb;
	bool used;
};

struct frames {
	uint64_t *n;	/* frame numbers, increasing */
	size_t len, cap, next;
};

struct wsel {
	unsigned n_files;
	struct frames *files;
	struct conn_key *conns; /* open addressing, MAX_CONNS slots */
	unsigned n_conns;
	bool full;
};

struct wsel *wsel_new(unsigned n_files)
{
	struct wsel *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->n_files = n_files;
	w->files = calloc(n_files, sizeof(*w->files));
	w->conns = calloc(MAX_CONNS, sizeof(*w->conns));
	if (!w->files || !w->conns) {
		wsel_free(w);
		return NULL;
	}
	return w;
}

void wsel_free(struct wsel *w)
{
	if (!w)
		return;
	for (unsigned i = 0; w->files && i < w->n_files; i++)
		free(w->files[i].n);
	free(w->files);
	free(w->conns);
	free(w);
}

/* The same key for both directions: the lower endpoint first. */
static struct conn_key key_of(const struct fsc_addr *s, uint16_t sp, const struct fsc_addr *d,
			      uint16_t dp)
{
	struct conn_key k = { .used = true };
	int c = fsc_addr_cmp(s, d);

	if (c < 0 || (c == 0 && sp <= dp)) {
		k.a = *s, k.pa = sp, k.b = *d, k.pb = dp;
	} else {
		k.a = *d, k.pa = dp, k.b = *s, k.pb = sp;
	}
	return k;
}

static bool same(const struct conn_key *x, const struct conn_key *y)
{
	return x->pa == y->pa && x->pb == y->pb && fsc_addr_cmp(&x->a, &y->a) == 0 &&
	       fsc_addr_cmp(&x->b, &y->b) == 0;
}

/* The slot of k, or the empty slot where it would go. */
static struct conn_key *slot(struct wsel *w, const struct conn_key *k)
{
	uint64_t h = fsc_addr_hash(&k->a, k->pa) ^ fsc_addr_hash(&k->b, (uint64_t)k->pb << 17);

	for (unsigned i = 0; i < MAX_CONNS; i++) {
		struct conn_key *e = &w->conns[(h + i) % MAX_CONNS];
		if (!e->used || same(e, k))
			return e;
	}
	return NULL;
}

bool wsel_event(struct wsel *w, const struct fsc_event *ev)
{
	const struct fsc_frame *f = ev->frame;

	if (ev->stream) {
		const struct fsc_stream_event *se = ev->stream;
		struct conn_key k = key_of(&se->src, se->sport, &se->dst, se->dport);
		struct conn_key *e = slot(w, &k);
		if (e && !e->used && w->n_conns < MAX_CONNS * 3 / 4) {
			*e = k;
			w->n_conns++;
		} else if (!e || !e->used) {
			w->full = true; /* this one's frame alone, below */
		}
		if (e && e->used)
			return true;
	}
	if (!f || f->file >= w->n_files)
		return true;
	struct frames *fr = &w->files[f->file];
	if (fr->len && fr->n[fr->len - 1] >= f->number)
		return true; /* already kept (several events, one frame) */
	if (fr->len == fr->cap) {
		size_t cap = fr->cap ? fr->cap * 2 : 1024;
		uint64_t *n = realloc(fr->n, cap * sizeof(*n));
		if (!n)
			return false;
		fr->n = n;
		fr->cap = cap;
	}
	fr->n[fr->len++] = f->number;
	return true;
}

bool wsel_wanted(struct wsel *w, const struct fsc_frame *f)
{
	if (f->file < w->n_files) {
		struct frames *fr = &w->files[f->file];
		while (fr->next < fr->len && fr->n[fr->next] < f->number)
			fr->next++;
		if (fr->next < fr->len && fr->n[fr->next] == f->number)
			return true;
	}
	if (!w->n_conns)
		return false;
	struct fsc_packet pkt;
	fsc_dissect(f->linktype, f->data, f->caplen, f->wirelen, &pkt);
	if (pkt.proto != 6 || pkt.layer < FSC_LAYER_TRANSPORT)
		return false;
	struct conn_key k = key_of(&pkt.src, pkt.sport, &pkt.dst, pkt.dport);
	struct conn_key *e = slot(w, &k);
	return e && e->used;
}

bool wsel_full(const struct wsel *w)
{
	return w->full;
}
