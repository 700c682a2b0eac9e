/* enrich.c - Tailscale class and role, node names, reverse DNS and GeoIP
 * for the addresses the tools show, without ever holding up the packet
 * path; and the one tag and JSON form of what was found. */
#include "fsc/enrich.h"

#include <inttypes.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/escape.h"
#include "fsc/hmap.h"
#include "fsc/jsonw.h"
#include "fsc/outbuf.h"

/* Addresses printed while their name was pending, remembered for the list
 * at the end; more are counted, not kept. */
#define LATE_MAX 4096
#define LATE_SEED 0x9e3779b97f4a7c15ull
#define POLL_EVERY_NS 1000000     /* 1 ms between looks at the resolver */
#define MAX_POLLFDS 16

struct fsc_enrich {
	struct fsc_enrich_opts o;
	struct fsc_rdns *rdns; /* NULL: no DNS (-n, or the resolver failed) */
	struct fsc_geoip *geo; /* NULL: --no-geoip */
	const char *dns_off;   /* why rdns is NULL */
	char warning[300];     /* fsc_enrich_warning; "" for none */
	struct fsc_tsstatus st; /* --status */
	bool have_st;
	unsigned max_inflight; /* the resolver's, for fsc_enrich_drain_budget_ms */
	int64_t last_poll_ns;
	/* the late list: addresses in print order and a set over them */
	struct fsc_addr *late;
	struct fsc_hmap late_set; /* address hash -> index in late */
	size_t nlate;
	uint64_t late_dropped;
};

void fsc_enrich_opts_init(struct fsc_enrich_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->dns_timeout_ms = FSC_ENRICH_DNS_TIMEOUT_MS;
}

bool fsc_enrich_opts_add_geoip(struct fsc_enrich_opts *o, const char *path)
{
	if (o->ngeoip == FSC_GEOIP_MAX_DBS)
		return false;
	o->geoip_files[o->ngeoip++] = path;
	return true;
}

struct fsc_enrich *fsc_enrich_new(const struct fsc_enrich_opts *o, char *err, size_t errlen,
				  bool *usage)
{
	struct fsc_enrich *e = calloc(1, sizeof(*e));
	char why[256];

	*usage = false;
	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->o = *o;
	if (o->status_path) {
		if (!fsc_tsstatus_load(o->status_path, &e->st, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", o->status_path, why);
			fsc_enrich_free(e);
			return NULL;
		}
		e->have_st = true;
	}
	if (o->no_dns) {
		e->dns_off = "off (-n)";
	} else {
		struct fsc_rdns_config rc;
		fsc_rdns_config_init(&rc);
		rc.server = o->dns_server;
		rc.timeout_ms = o->dns_timeout_ms;
		e->max_inflight = rc.max_inflight;
		e->rdns = fsc_rdns_new(&rc, why, sizeof(why));
		if (!e->rdns && (o->dns_server || o->dns_required)) {
			snprintf(err, errlen, "%s", why);
			/* The option's value at fault, or the resolver. */
			*usage = o->dns_server && !fsc_rdns_server_ok(o->dns_server, why, sizeof(why));
			fsc_enrich_free(e);
			return NULL;
		}
		if (!e->rdns) {
			/* Names are a nicety here: decode without them. */
			snprintf(e->warning, sizeof(e->warning), "reverse DNS off: %s", why);
			e->dns_off = "off (the resolver did not start)";
		}
		e->late = calloc(LATE_MAX, sizeof(*e->late));
		if (!e->late || !fsc_hmap_init(&e->late_set, LATE_MAX)) {
			snprintf(err, errlen, "out of memory");
			fsc_enrich_free(e);
			return NULL;
		}
	}
	if (!o->no_geoip) {
		struct fsc_geoip_config gc;
		fsc_geoip_config_init(&gc);
		for (size_t i = 0; i < o->ngeoip; i++)
			gc.files[gc.nfiles++] = o->geoip_files[i];
		e->geo = fsc_geoip_open(&gc, why, sizeof(why));
		if (!e->geo) {
			snprintf(err, errlen, "%s", why);
			fsc_enrich_free(e);
			return NULL;
		}
	}
	return e;
}

void fsc_enrich_free(struct fsc_enrich *e)
{
	if (!e)
		return;
	if (e->have_st)
		fsc_tsstatus_free(&e->st);
	fsc_rdns_free(e->rdns);
	fsc_geoip_close(e->geo);
	free(e->late);
	fsc_hmap_free(&e->late_set);
	free(e);
}

const char *fsc_enrich_warning(const struct fsc_enrich *e)
{
	return e->warning[0] ? e->warning : NULL;
}

enum fsc_enrich_role fsc_enrich_role_of(const struct fsc_tsaddr_info *ts)
{
	switch (ts->cls) {
	case FSC_TSADDR_DERP_MAGIC:
	case FSC_TSADDR_4TO6:
		return FSC_ENRICH_ROLE_RELAY;
	case FSC_TSADDR_CGNAT:
	case FSC_TSADDR_EPHEMERAL:
	case FSC_TSADDR_TS_ULA:
		return FSC_ENRICH_ROLE_TAILNET;
	case FSC_TSADDR_4VIA6:
		return FSC_ENRICH_ROLE_SUBNET;
	case FSC_TSADDR_SERVICE:
		return FSC_ENRICH_ROLE_SERVICE;
	default:
		return FSC_ENRICH_ROLE_NONE;
	}
}

const char *fsc_enrich_role_name(enum fsc_enrich_role r)
{
	static const char *const names[] = {
		[FSC_ENRICH_ROLE_NONE] = "",
		[FSC_ENRICH_ROLE_RELAY] = "relay",
		[FSC_ENRICH_ROLE_TAILNET] = "tailnet",
		[FSC_ENRICH_ROLE_SUBNET] = "subnet",
		[FSC_ENRICH_ROLE_SERVICE] = "service",
	};
	return (unsigned)r < sizeof(names) / sizeof(names[0]) ? names[r] : "";
}

bool fsc_enrich_is_remote(const struct fsc_addr *a)
{
	struct fsc_tsaddr_info ts;

	fsc_tsaddr_classify(a, &ts);
	return ts.cls == FSC_TSADDR_PUBLIC || ts.cls == FSC_TSADDR_DOCUMENTATION ||
	       ts.cls == FSC_TSADDR_BENCHMARK;
}

/* ---------------------------------------------------------------- lookups */

/* Inline where this file asks for every address printed (fsc_enrich_tag
 * and the JSON forms): a call there cost fdecode 0.5% of its instructions
 * (callgrind). */
static inline void get_info(struct fsc_enrich *e, const struct fsc_addr *a,
			    struct fsc_enrich_info *out)
{
	fsc_tsaddr_classify(a, &out->ts);
	out->role = fsc_enrich_role_of(&out->ts);
	out->node = fsc_enrich_node(e, a);
	out->rdns[0] = '\0';
	out->rdns_st = FSC_RDNS_SKIPPED;
	if (e->rdns)
		out->rdns_st = fsc_rdns_lookup(e->rdns, a, out->rdns, sizeof(out->rdns), NULL);
	out->have_geo = e->geo && fsc_geoip_lookup(e->geo, a, &out->geo);
}

void fsc_enrich_get(struct fsc_enrich *e, const struct fsc_addr *a, struct fsc_enrich_info *out)
{
	get_info(e, a, out);
}

const struct fsc_tsnode *fsc_enrich_node(const struct fsc_enrich *e, const struct fsc_addr *a)
{
	return e->have_st ? fsc_tsstatus_find(&e->st, a) : NULL;
}

bool fsc_enrich_info_any(const struct fsc_enrich_info *i)
{
	return i->role != FSC_ENRICH_ROLE_NONE || i->node || i->rdns_st == FSC_RDNS_FOUND || i->have_geo;
}

void fsc_enrich_want(struct fsc_enrich *e, const struct fsc_addr *a)
{
	if (e->rdns)
		fsc_rdns_lookup(e->rdns, a, NULL, 0, NULL);
}

static void remember_late(struct fsc_enrich *e, const struct fsc_addr *a)
{
	uint64_t hash = fsc_addr_hash(a, LATE_SEED);
	uint32_t pos = 0, k;
	while ((k = fsc_hmap_next(&e->late_set, hash, &pos)) != FSC_HMAP_NONE)
		if (fsc_addr_eq(&e->late[k], a))
			return;
	if (e->nlate == LATE_MAX) {
		e->late_dropped++;
		return;
	}
	e->late[e->nlate] = *a;
	fsc_hmap_add(&e->late_set, hash, (uint32_t)e->nlate++); /* sized for LATE_MAX */
}

/* Remembers an address that went out without the name it is waiting for
 * (the test inline: every address printed asks). */
static inline void note_late(struct fsc_enrich *e, const struct fsc_enrich_info *i)
{
	if (i->rdns_st == FSC_RDNS_PENDING && e->late)
		remember_late(e, &i->ts.addr);
}

size_t fsc_enrich_late_count(const struct fsc_enrich *e)
{
	return e->nlate;
}

/* ---------------------------------------------------------------- output */

/* Appends " word" (or "word" at the start) to buf. */
static void add(char *buf, size_t len, size_t *n, const char *word)
{
	size_t wl = strlen(word), sep = *n ? 1 : 0;

	/* Cut at the buffer's end, NUL kept; no format engine needed. */
	if (*n + 1 >= len)
		return;
	if (sep)
		buf[(*n)++] = ' ';
	if (wl > len - 1 - *n)
		wl = len - 1 - *n;
	memcpy(buf + *n, word, wl);
	*n += wl;
	buf[*n] = '\0';
}

static void add_escaped(char *buf, size_t len, size_t *n, const char *s)
{
	char tmp[FSC_ESCAPE_TEXT_CAP(FSC_DNS_NAME_MAX)];

	fsc_escape_text((const uint8_t *)s, strlen(s), tmp, sizeof(tmp));
	add(buf, len, n, tmp);
}

char *fsc_enrich_tag_of(const struct fsc_enrich_info *i, char *buf, size_t len)
{
	char s[FSC_ADDR_STRLEN], w[96];
	size_t n = 0;

	buf[0] = '\0';
	switch (i->ts.cls) {
	case FSC_TSADDR_4TO6:
		snprintf(w, sizeof(w), "4to6 %s", fsc_addr_str(&i->ts.peer, s));
		add(buf, len, &n, w);
		break;
	case FSC_TSADDR_4VIA6:
		snprintf(w, sizeof(w), "4via6 site %" PRIu32 " %s", i->ts.site,
			 fsc_addr_str(&i->ts.peer, s));
		add(buf, len, &n, w);
		break;
	case FSC_TSADDR_CGNAT:
	case FSC_TSADDR_TS_ULA:
		add(buf, len, &n, "tailnet");
		break;
	case FSC_TSADDR_EPHEMERAL:
		add(buf, len, &n, "tailnet ephemeral");
		break;
	case FSC_TSADDR_SERVICE:
		add(buf, len, &n, "MagicDNS");
		break;
	case FSC_TSADDR_DERP_MAGIC:
		add(buf, len, &n, "DERP");
		break;
	default:
		break;
	}
	/* A node found through --status: its IPv4 where the address is not. */
	if (i->node && i->ts.cls != FSC_TSADDR_4TO6 && i->ts.addr.family == 6) {
		for (size_t k = 0; k < i->node->nips; k++)
			if (i->node->ips[k].family == 4) {
				add(buf, len, &n, fsc_addr_str(&i->node->ips[k], s));
				break;
			}
	}
	if (i->node && fsc_tsnode_name(i->node))
		add_escaped(buf, len, &n, fsc_tsnode_name(i->node));
	if (i->have_geo && i->geo.country[0])
		add_escaped(buf, len, &n, i->geo.country);
	if (i->have_geo && i->geo.asn) {
		snprintf(w, sizeof(w), "AS%" PRIu32, i->geo.asn);
		add(buf, len, &n, w);
	}
	if (i->rdns_st == FSC_RDNS_FOUND)
		add_escaped(buf, len, &n, i->rdns);
	return buf;
}

char *fsc_enrich_tag(struct fsc_enrich *e, const struct fsc_addr *a, char *buf, size_t len)
{
	struct fsc_enrich_info i;

	get_info(e, a, &i);
	note_late(e, &i);
	return fsc_enrich_tag_of(&i, buf, len);
}

/* The JSON object, through the one writer. Every piece is bounded (tokens,
 * a 128-byte phrase, names under FSC_DNS_NAME_MAX escaped), so in a
 * caller's FSC_ENRICH_JSON_MAX bytes nothing is ever cut. */
static void name_member(struct fsc_jsonw *w, const char *key, const char *s)
{
	fsc_jsonw_str_cap(w, key, s, strlen(s), FSC_ESCAPE_JSON_CAP(FSC_DNS_NAME_MAX));
}

void fsc_enrich_jsonw(struct fsc_jsonw *w, const char *key, const struct fsc_enrich_info *i)
{
	char d[128];

	fsc_jsonw_object_begin_at(w, key);
	fsc_jsonw_token(w, "class", fsc_tsaddr_class_name(i->ts.cls));
	if (fsc_tsaddr_is_tailscale(i->ts.cls))
		fsc_jsonw_token(w, "tailscale", fsc_tsaddr_describe(&i->ts, d, sizeof(d)));
	if (i->role != FSC_ENRICH_ROLE_NONE)
		fsc_jsonw_token(w, "role", fsc_enrich_role_name(i->role));
	if (i->node && fsc_tsnode_name(i->node))
		name_member(w, "node", fsc_tsnode_name(i->node));
	if (i->rdns_st == FSC_RDNS_FOUND)
		name_member(w, "rdns", i->rdns);
	if (i->have_geo) {
		name_member(w, "country", i->geo.country);
		name_member(w, "city", i->geo.city);
		if (i->geo.asn)
			fsc_jsonw_u64(w, "asn", i->geo.asn);
		name_member(w, "as_org", i->geo.as_org);
	}
	fsc_jsonw_object_end(w);
}

size_t fsc_enrich_json_of(const struct fsc_enrich_info *i, char *buf)
{
	struct fsc_outbuf ob;
	struct fsc_jsonw w;

	fsc_outbuf_init_fixed(&ob, buf, FSC_ENRICH_JSON_MAX - 1, NULL);
	fsc_jsonw_init(&w, &ob);
	fsc_enrich_jsonw(&w, NULL, i);
	buf[ob.len] = '\0';
	return ob.len;
}

void fsc_enrich_jsonw_member(struct fsc_enrich *e, struct fsc_jsonw *w, const char *key,
			     const struct fsc_addr *a)
{
	struct fsc_enrich_info i;
	char info_key[FSC_ENRICH_JSON_KEY_MAX];

	get_info(e, a, &i);
	note_late(e, &i);
	if (!fsc_enrich_info_any(&i))
		return;
	snprintf(info_key, sizeof(info_key), "%s_info", key);
	fsc_enrich_jsonw(w, info_key, &i);
}

size_t fsc_enrich_json_member(struct fsc_enrich *e, const char *key, const struct fsc_addr *a,
			  char *buf)
{
	struct fsc_outbuf ob;
	struct fsc_jsonw w;

	fsc_outbuf_init_fixed(&ob, buf, FSC_ENRICH_JSON_KEY_MAX + FSC_ENRICH_JSON_MAX, NULL);
	fsc_jsonw_init(&w, &ob);
	w.more = true; /* a member after others: the comma first */
	fsc_enrich_jsonw_member(e, &w, key, a);
	return ob.len;
}

size_t fsc_enrich_json_object(struct fsc_enrich *e, const struct fsc_addr *a, char *buf)
{
	struct fsc_enrich_info i;

	get_info(e, a, &i);
	note_late(e, &i);
	return fsc_enrich_json_of(&i, buf);
}

/* ---------------------------------------------------------------- waiting */

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void fsc_enrich_poll(struct fsc_enrich *e)
{
	struct pollfd fds[MAX_POLLFDS];

	if (!e->rdns || fsc_rdns_pending(e->rdns) == 0)
		return;
	int64_t now = now_ns();
	if (now - e->last_poll_ns < POLL_EVERY_NS)
		return;
	e->last_poll_ns = now;
	int n = fsc_rdns_pollfds(e->rdns, fds, MAX_POLLFDS);
	if (n > 0 && poll(fds, (nfds_t)n, 0) < 0)
		n = 0;
	/* Also with nothing readable: step fires timeouts and sends what
	 * waited for a free slot. */
	fsc_rdns_step(e->rdns, fds, n);
}

int fsc_enrich_pollfds(struct fsc_enrich *e, struct pollfd *fds, int max)
{
	return e->rdns ? fsc_rdns_pollfds(e->rdns, fds, max) : 0;
}

int fsc_enrich_timeout_ms(struct fsc_enrich *e, int max_ms)
{
	return e->rdns ? fsc_rdns_timeout_ms(e->rdns, max_ms) : max_ms;
}

void fsc_enrich_step(struct fsc_enrich *e, const struct pollfd *fds, int n)
{
	if (e->rdns)
		fsc_rdns_step(e->rdns, fds, n);
}

size_t fsc_enrich_pending(const struct fsc_enrich *e)
{
	return e->rdns ? fsc_rdns_pending(e->rdns) : 0;
}

size_t fsc_enrich_drain(struct fsc_enrich *e, unsigned timeout_ms)
{
	if (!e->rdns || fsc_rdns_pending(e->rdns) == 0)
		return 0;
	return fsc_rdns_drain(e->rdns, timeout_ms);
}

unsigned fsc_enrich_dns_timeout_ms(const struct fsc_enrich *e)
{
	return e->o.dns_timeout_ms;
}

unsigned fsc_enrich_drain_budget_ms(const struct fsc_enrich *e)
{
	if (!e->rdns)
		return 0;
	size_t waves = 1 + fsc_rdns_pending(e->rdns) / e->max_inflight;
	return (unsigned)(e->o.dns_timeout_ms * waves + 100);
}

bool fsc_enrich_late_name(struct fsc_enrich *e, size_t k, struct fsc_addr *a, char *name,
			  size_t len)
{
	if (!e->rdns || k >= e->nlate)
		return false;
	*a = e->late[k];
	return fsc_rdns_peek(e->rdns, a, name, len, NULL) == FSC_RDNS_FOUND;
}

size_t fsc_enrich_geoip_count(const struct fsc_enrich *e)
{
	return e->geo ? fsc_geoip_count(e->geo) : 0;
}

bool fsc_enrich_geo(const struct fsc_enrich *e, const struct fsc_addr *a, struct fsc_geo *out)
{
	return e && e->geo && fsc_geoip_lookup(e->geo, a, out);
}

void fsc_enrich_describe(const struct fsc_enrich *e, char *buf, size_t len)
{
	struct fsc_rdns_stats rs;
	size_t ndb = fsc_enrich_geoip_count(e);
	char dns[160];

	if (!e->rdns) {
		snprintf(dns, sizeof(dns), "reverse DNS %s", e->dns_off);
	} else {
		fsc_rdns_get_stats(e->rdns, &rs);
		snprintf(dns, sizeof(dns), "reverse DNS via %s: %" PRIu64 " asked, %" PRIu64
			 " named, %" PRIu64 " without a name, %" PRIu64 " failed",
			 e->o.dns_server ? e->o.dns_server : "the system's resolver",
			 rs.queries, rs.found, rs.none, rs.failed);
	}
	if (ndb == 0)
		snprintf(buf, len, "%s; no GeoIP database", dns);
	else
		snprintf(buf, len, "%s; %zu GeoIP database%s", dns, ndb, ndb == 1 ? "" : "s");
}
