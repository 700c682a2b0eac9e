/* clients.c - remote addresses counted, and grouped by country and AS. */
#include "clients.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"
#include "fsc/hmap.h"
#include "fsc/jsonw.h"

#define TOP_ROWS 50

#define TALLY_SEED 0x243f6a8885a308d3ull

struct client_tally {
	struct client *items;
	struct fsc_hmap idx;	/* address hash -> item */
	size_t n, max;
	uint64_t dropped;
};

struct client_tally *client_tally_new(size_t max)
{
	struct client_tally *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->items = calloc(max ? max : 1, sizeof(*t->items));
	if (!t->items || max > UINT32_MAX / 2 || !fsc_hmap_init(&t->idx, (uint32_t)max)) {
		client_tally_free(t);
		return NULL;
	}
	t->max = max;
	return t;
}

void client_tally_free(struct client_tally *t)
{
	if (!t)
		return;
	free(t->items);
	fsc_hmap_free(&t->idx);
	free(t);
}

void client_tally_add(struct client_tally *t, const struct fsc_addr *a, uint64_t packets,
		      uint64_t bytes)
{
	if (!fsc_enrich_is_remote(a))
		return;
	uint64_t hash = fsc_addr_hash(a, TALLY_SEED);
	uint32_t pos = 0, i;
	while ((i = fsc_hmap_next(&t->idx, hash, &pos)) != FSC_HMAP_NONE) {
		if (fsc_addr_eq(&t->items[i].addr, a)) {
			t->items[i].packets += packets;
			t->items[i].bytes += bytes;
			return;
		}
	}
	if (t->n == t->max) {
		t->dropped++;
		return;
	}
	t->items[t->n] = (struct client){ .addr = *a, .packets = packets, .bytes = bytes };
	fsc_hmap_add(&t->idx, hash, (uint32_t)t->n++); /* sized for max */
}

const struct client *client_tally_items(const struct client_tally *t, size_t *n)
{
	*n = t->n;
	return t->items;
}

uint64_t client_tally_dropped(const struct client_tally *t)
{
	return t->dropped;
}

/* ---------------------------------------------------------------- tables */

static int addr_cmp(const struct fsc_addr *x, const struct fsc_addr *y)
{
	if (x->family != y->family)
		return x->family < y->family ? -1 : 1;
	return memcmp(x->b, y->b, x->family == 4 ? 4 : 16);
}

static int by_addr(const void *a, const void *b)
{
	return addr_cmp(&((const struct client *)a)->addr, &((const struct client *)b)->addr);
}

static int by_packets(const void *a, const void *b)
{
	const struct client *x = a, *y = b;

	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return addr_cmp(&x->addr, &y->addr);
}

/* Sorts by address and adds up repeats. */
static size_t merge(struct client *list, size_t n)
{
	size_t w = 0;

	if (n < 2)
		return n;
	qsort(list, n, sizeof(*list), by_addr);
	for (size_t i = 0; i < n; i++) {
		if (w && fsc_addr_eq(&list[w - 1].addr, &list[i].addr)) {
			list[w - 1].requests += list[i].requests;
			list[w - 1].packets += list[i].packets;
			list[w - 1].bytes += list[i].bytes;
			list[w - 1].is_client |= list[i].is_client;
			for (int k = 0; k < 6; k++)
				list[w - 1].status[k] += list[i].status[k];
		} else {
			list[w++] = list[i];
		}
	}
	return w;
}

struct network {
	char country[4];
	uint32_t asn;
	size_t first;      /* a member, for the organisation */
	uint64_t addresses, requests, packets, bytes;
};

static int by_key(const void *a, const void *b)
{
	const struct network *x = a, *y = b;
	int c = strcmp(x->country, y->country);

	if (c)
		return c;
	return x->asn < y->asn ? -1 : x->asn > y->asn;
}

static int by_net_packets(const void *a, const void *b)
{
	const struct network *x = a, *y = b;

	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	if (x->packets != y->packets)
		return x->packets > y->packets ? -1 : 1;
	return by_key(a, b);
}

/* One network a client, then sorted and added up; returns how many. */
static size_t networks(struct fsc_enrich *e, const struct client *list, size_t n,
		       struct network *nets)
{
	struct fsc_enrich_info info;
	size_t w = 0;

	for (size_t i = 0; i < n; i++) {
		fsc_enrich_get(e, &list[i].addr, &info);
		memset(&nets[i], 0, sizeof(nets[i]));
		if (info.have_geo) {
			memcpy(nets[i].country, info.geo.country, sizeof(nets[i].country));
			nets[i].country[sizeof(nets[i].country) - 1] = '\0';
			nets[i].asn = info.geo.asn;
		}
		nets[i].first = i;
		nets[i].addresses = 1;
		nets[i].requests = list[i].requests;
		nets[i].packets = list[i].packets;
		nets[i].bytes = list[i].bytes;
	}
	qsort(nets, n, sizeof(*nets), by_key);
	for (size_t i = 0; i < n; i++) {
		if (w && by_key(&nets[w - 1], &nets[i]) == 0) {
			nets[w - 1].addresses++;
			nets[w - 1].requests += nets[i].requests;
			nets[w - 1].packets += nets[i].packets;
			nets[w - 1].bytes += nets[i].bytes;
		} else {
			nets[w++] = nets[i];
		}
	}
	qsort(nets, w, sizeof(*nets), by_net_packets);
	return w;
}

/* The organisation of a network: from its first member (GeoIP answers are
 * cached, so this is a lookup in memory). */
static void org_of(struct fsc_enrich *e, const struct client *c, char *buf, size_t len)
{
	struct fsc_enrich_info info;

	fsc_enrich_get(e, &c->addr, &info);
	buf[0] = '\0';
	if (info.have_geo && info.geo.as_org[0])
		snprintf(buf, len, "%s", info.geo.as_org);
}

static void esc_text(const char *s, char *buf, size_t len)
{
	fsc_escape_text((const uint8_t *)s, strlen(s), buf, len);
}

static void text_tables(FILE *out, struct fsc_enrich *e, const struct client *list, size_t n,
			const struct network *nets, size_t nn, const char *what)
{
	char a[FSC_ADDR_STRLEN], tag[FSC_ENRICH_TAG_MAX], d[320], org[128], org_e[40], cc[16];
	char asn[16];

	fsc_enrich_describe(e, d, sizeof(d));
	fprintf(out, "\nClients (%s)\n  %s\n", what, d);
	if (n == 0) {
		fputs("  (none)\n\nCountries and networks\n  (none)\n", out);
		return;
	}
	fprintf(out, "  %-39s %8s %9s %12s  %s\n", "address", "requests", "packets", "bytes",
		"names");
	for (size_t i = 0; i < n && i < TOP_ROWS; i++) {
		fsc_enrich_tag(e, &list[i].addr, tag, sizeof(tag));
		fprintf(out, "  %-39s %8" PRIu64 " %9" PRIu64 " %12" PRIu64 "%s%s\n",
			fsc_addr_str(&list[i].addr, a), list[i].requests, list[i].packets,
			list[i].bytes, tag[0] ? "  " : "", tag);
	}
	if (n > TOP_ROWS)
		fprintf(out, "  ... and %zu more addresses\n", n - TOP_ROWS);

	fputs("\nCountries and networks\n", out);
	if (nn == 0) {
		fputs("  (no GeoIP database: --geoip-db FILE or FSC_GEOIP_DB names one)\n", out);
		return;
	}
	fprintf(out, "  %-7s %-11s %-32s %9s %8s %9s %12s\n", "country", "asn", "org",
		"addresses", "requests", "packets", "bytes");
	for (size_t i = 0; i < nn && i < TOP_ROWS; i++) {
		const struct network *nw = &nets[i];
		org_of(e, &list[nw->first], org, sizeof(org));
		esc_text(nw->country[0] ? nw->country : "-", cc, sizeof(cc));
		esc_text(org[0] ? org : "-", org_e, sizeof(org_e));
		if (nw->asn)
			snprintf(asn, sizeof(asn), "AS%" PRIu32, nw->asn);
		else
			snprintf(asn, sizeof(asn), "-");
		fprintf(out, "  %-7s %-11s %-32s %9" PRIu64 " %8" PRIu64 " %9" PRIu64 " %12" PRIu64
			"\n", cc, asn, org_e, nw->addresses, nw->requests, nw->packets, nw->bytes);
	}
	if (nn > TOP_ROWS)
		fprintf(out, "  ... and %zu more networks\n", nn - TOP_ROWS);
}

static void json_tables(FILE *out, struct fsc_enrich *e, const struct client *list, size_t n,
			const struct network *nets, size_t nn)
{
	static const char *const classes[] = { "1xx", "2xx", "3xx", "4xx", "5xx" };
	char org[128], info[FSC_ENRICH_JSON_KEY_MAX + FSC_ENRICH_JSON_MAX];
	char line[2 * sizeof(info) + 512];
	struct fsc_outbuf ob;
	struct fsc_jsonw w;

	fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
	for (size_t i = 0; i < n; i++) {
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "client");
		fsc_jsonw_addr(&w, "addr", &list[i].addr);
		/* addr_info, as every tool writes it (a member with its comma) */
		fsc_outbuf_mem(&ob, info, fsc_enrich_json_member(e, "addr", &list[i].addr, info));
		fsc_jsonw_u64(&w, "requests", list[i].requests);
		fsc_jsonw_u64(&w, "packets", list[i].packets);
		fsc_jsonw_u64(&w, "bytes", list[i].bytes);
		if (list[i].is_client) {
			fsc_jsonw_bool(&w, "is_client", true);
			fsc_jsonw_object_begin_at(&w, "status");
			for (int c = 1; c <= 5; c++)
				fsc_jsonw_u64(&w, classes[c - 1], list[i].status[c]);
			fsc_jsonw_object_end(&w);
		}
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(&ob);
	}
	for (size_t i = 0; i < nn; i++) {
		const struct network *nw = &nets[i];
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "client_network");
		fsc_jsonw_cstr(&w, "country", nw->country);
		if (nw->asn)
			fsc_jsonw_u64(&w, "asn", nw->asn);
		org_of(e, &list[nw->first], org, sizeof(org));
		fsc_jsonw_cstr(&w, "as_org", org);
		fsc_jsonw_u64(&w, "addresses", nw->addresses);
		fsc_jsonw_u64(&w, "requests", nw->requests);
		fsc_jsonw_u64(&w, "packets", nw->packets);
		fsc_jsonw_u64(&w, "bytes", nw->bytes);
		fsc_jsonw_object_end(&w);
		fsc_outbuf_end_line(&ob);
	}
	fsc_outbuf_flush(&ob);
}

void clients_prepare(struct fsc_enrich *e, struct client *list, size_t *n)
{
	*n = merge(list, *n);
	for (size_t i = 0; i < *n; i++)
		fsc_enrich_want(e, &list[i].addr);
}

void clients_print(FILE *out, struct fsc_enrich *e, struct client *list, size_t n,
		   const char *what, bool json)
{
	struct network *nets = NULL;
	size_t nn = 0;

	if (n > 1)
		qsort(list, n, sizeof(*list), by_packets);
	if (n && fsc_enrich_geoip_count(e) > 0) {
		nets = malloc(n * sizeof(*nets));
		if (nets)
			nn = networks(e, list, n, nets);
		else
			fputs("fdecode: out of memory for the networks table\n", stderr);
	}
	if (json)
		json_tables(out, e, list, n, nets, nn);
	else
		text_tables(out, e, list, n, nets, nn, what);
	free(nets);
}
