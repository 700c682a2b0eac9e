/* enrich.h - names for addresses: --status nodes, reverse DNS, GeoIP/ASN. */
#ifndef ULA2V4_ENRICH_H
#define ULA2V4_ENRICH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "tsstatus.h"

#define ENRICH_MAX_GEOIP 16

struct enrich_opts {
	const char *status_path;  /* --status */
	bool resolve;             /* --resolve or --dns */
	bool numeric;             /* -n: wins over resolve */
	const char *dns_server;   /* --dns SERVER[:PORT] */
	unsigned timeout_ms;      /* --timeout */
	bool no_geoip;            /* --no-geoip */
	const char *geoip_files[ENRICH_MAX_GEOIP]; /* --geoip-db, in order */
	size_t ngeoip;
};

struct enrich_result {
	const struct ts_node *node; /* from --status, or NULL */
	char rdns[256];             /* PTR name or "" */
	struct {
		char country[8];    /* ISO 3166 code or "" */
		char city[128];
		uint32_t asn;       /* 0: unknown */
		char as_org[256];
	} geo;
};

struct enrich;

void enrich_opts_init(struct enrich_opts *o);
bool enrich_opts_add_geoip(struct enrich_opts *o, const char *path);

/* Loads the status file, opens databases, sets up the resolver. NULL with a
 * message in err ("status.json: invalid JSON at byte 12: ..."); *usage says
 * whether an option value was at fault (a bad --dns) rather than a file. */
struct enrich *enrich_new(const struct enrich_opts *o, char *err, size_t errlen, bool *usage);
void enrich_free(struct enrich *e);

/* Starts whatever lookups a and its counterpart (may be NULL) need. */
void enrich_want(struct enrich *e, const struct fsc_addr *a, const struct fsc_addr *cp);
/* Waits (bounded by the DNS timeout) for lookups started by enrich_want. */
void enrich_drain(struct enrich *e);
/* What is known now about a (falling back on cp for the node and name). */
void enrich_get(struct enrich *e, const struct fsc_addr *a, const struct fsc_addr *cp,
		struct enrich_result *r);
/* Did r name anything? */
bool enrich_any(const struct enrich_result *r);

#endif
