/* enrich.c - the glue between ula2v4 and the name sources. */
#include "enrich.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/geoip.h"
#include "fsc/rdns.h"
#include "fsc/tsaddr.h"

struct enrich {
	struct enrich_opts o;
	struct ts_status st;
	bool have_st;
	struct fsc_rdns *rdns;   /* NULL without --resolve, or with -n */
	struct fsc_geoip *geo;   /* NULL with --no-geoip */
	unsigned max_inflight;
};

void enrich_opts_init(struct enrich_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = 2000;
}

bool enrich_opts_add_geoip(struct enrich_opts *o, const char *path)
{
	if (o->ngeoip == ENRICH_MAX_GEOIP)
		return false;
	o->geoip_files[o->ngeoip++] = path;
	return true;
}

struct enrich *enrich_new(const struct enrich_opts *o, char *err, size_t errlen, bool *usage)
{
	struct enrich *e = calloc(1, sizeof(*e));
	char why[256];

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->o = *o;
	*usage = false;
	if (o->status_path) {
		if (!ts_status_load(o->status_path, &e->st, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", o->status_path, why);
			free(e);
			return NULL;
		}
		e->have_st = true;
	}
	if (o->resolve && !o->numeric) {
		struct fsc_rdns_config rc;
		fsc_rdns_config_init(&rc);
		rc.server = o->dns_server;
		rc.timeout_ms = o->timeout_ms;
		e->max_inflight = rc.max_inflight;
		e->rdns = fsc_rdns_new(&rc, why, sizeof(why));
		if (!e->rdns) {
			snprintf(err, errlen, "%s", why);
			*usage = strncmp(why, "DNS server", 10) == 0;
			enrich_free(e);
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
			enrich_free(e);
			return NULL;
		}
	}
	return e;
}

void enrich_free(struct enrich *e)
{
	if (!e)
		return;
	if (e->have_st)
		ts_status_free(&e->st);
	fsc_rdns_free(e->rdns);
	fsc_geoip_close(e->geo);
	free(e);
}

/* A counterpart is worth its own PTR query only when it is Tailscale's
 * (MagicDNS names 100.x addresses, maybe not their 4to6 form). */
static bool tailscale_cp(const struct fsc_addr *cp)
{
	struct fsc_tsaddr_info i;

	if (!cp)
		return false;
	fsc_tsaddr_classify(cp, &i);
	return fsc_tsaddr_is_tailscale(i.cls);
}

void enrich_want(struct enrich *e, const struct fsc_addr *a, const struct fsc_addr *cp)
{
	if (!e->rdns)
		return;
	fsc_rdns_lookup(e->rdns, a, NULL, 0, NULL);
	if (tailscale_cp(cp))
		fsc_rdns_lookup(e->rdns, cp, NULL, 0, NULL);
}

void enrich_drain(struct enrich *e)
{
	if (!e->rdns)
		return;
	/* Each wave of max_inflight lookups takes at most one timeout. */
	size_t waves = 1 + fsc_rdns_pending(e->rdns) / e->max_inflight;
	fsc_rdns_drain(e->rdns, (unsigned)(e->o.timeout_ms * waves + 100));
}

void enrich_get(struct enrich *e, const struct fsc_addr *a, const struct fsc_addr *cp,
		struct enrich_result *r)
{
	memset(r, 0, sizeof(*r));
	if (e->have_st) {
		r->node = ts_status_find(&e->st, a);
		if (!r->node && cp)
			r->node = ts_status_find(&e->st, cp);
	}
	if (e->rdns &&
	    fsc_rdns_peek(e->rdns, a, r->rdns, sizeof(r->rdns), NULL) != FSC_RDNS_FOUND &&
	    tailscale_cp(cp))
		fsc_rdns_peek(e->rdns, cp, r->rdns, sizeof(r->rdns), NULL);
	struct fsc_geo g;
	if (e->geo && fsc_geoip_lookup(e->geo, a, &g)) {
		snprintf(r->geo.country, sizeof(r->geo.country), "%s", g.country);
		snprintf(r->geo.city, sizeof(r->geo.city), "%s", g.city);
		r->geo.asn = g.asn;
		snprintf(r->geo.as_org, sizeof(r->geo.as_org), "%s", g.as_org);
	}
}

bool enrich_any(const struct enrich_result *r)
{
	return r->node || r->rdns[0] || r->geo.country[0] || r->geo.asn;
}
