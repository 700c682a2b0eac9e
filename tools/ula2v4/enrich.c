/* enrich.c - the glue between ula2v4 and the name sources. */
#include "enrich.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct enrich {
	struct enrich_opts o;
	struct ts_status st;
	bool have_st;
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

struct enrich *enrich_new(const struct enrich_opts *o, char *err, size_t errlen)
{
	struct enrich *e = calloc(1, sizeof(*e));
	char why[256];

	if (!e) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	e->o = *o;
	if (o->status_path) {
		if (!ts_status_load(o->status_path, &e->st, why, sizeof(why))) {
			snprintf(err, errlen, "%s: %s", o->status_path, why);
			free(e);
			return NULL;
		}
		e->have_st = true;
	}
	return e;
}

void enrich_free(struct enrich *e)
{
	if (!e)
		return;
	if (e->have_st)
		ts_status_free(&e->st);
	free(e);
}

void enrich_want(struct enrich *e, const struct fsc_addr *a, const struct fsc_addr *cp)
{
	(void)e;
	(void)a;
	(void)cp;
}

void enrich_drain(struct enrich *e)
{
	(void)e;
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
}

bool enrich_any(const struct enrich_result *r)
{
	return r->node || r->rdns[0] || r->geo.country[0] || r->geo.asn;
}
