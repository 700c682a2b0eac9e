/* geoip.h - country, city and AS number for addresses, from MaxMind DB files
 * (GeoLite2/GeoIP2 City, Country, ASN) through libmaxminddb. */
#ifndef FSC_GEOIP_H
#define FSC_GEOIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"

#define FSC_GEOIP_MAX_DBS 16

/*
 * Where databases come from; the first source that names any file wins:
 *   1. files[0..nfiles)            (ula2v4 --geoip-db, repeatable)
 *   2. env: a colon-separated list (fsc_geoip_config_init copies the
 *      FSC_GEOIP_DB environment variable here; the library reads no
 *      environment after that)
 *   3. dirs: each of the well-known names that exists in each directory,
 *      City before Country before ASN/ISP.
 * A file named by 1 or 2 that cannot be opened is an error; a missing
 * directory or well-known file is not. No database at all is not an error:
 * lookups just find nothing.
 */
struct fsc_geoip_config {
	const char *files[FSC_GEOIP_MAX_DBS];
	size_t nfiles;
	const char *env;         /* NULL or "" for none */
	const char *const *dirs; /* NULL-terminated; NULL for none */
	unsigned cache_size;     /* addresses remembered (multiple of 8); 4096 */
};

/* Defaults: no files, env = getenv("FSC_GEOIP_DB"), dirs /usr/share/GeoIP
 * and /var/lib/GeoIP, cache 4096. */
void fsc_geoip_config_init(struct fsc_geoip_config *cfg);

/* The well-known directory list used by fsc_geoip_config_init. */
extern const char *const fsc_geoip_default_dirs[];

struct fsc_geo {
	char country[4];   /* ISO 3166-1 alpha-2 ("US"), or "" */
	char city[128];    /* English name, UTF-8 as stored (unescaped), or "" */
	uint32_t asn;      /* 0 when unknown */
	char as_org[128];  /* UTF-8 as stored (unescaped), or "" */
};

struct fsc_geoip;

/* Opens the databases (mmap). NULL with a message in err when a named file
 * fails ("GeoLite2-City.mmdb: The MaxMind DB file is in a format this
 * library can't handle"). */
struct fsc_geoip *fsc_geoip_open(const struct fsc_geoip_config *cfg, char *err, size_t errlen);
void fsc_geoip_close(struct fsc_geoip *g);

/* How many databases are open; the path and database_type of each. */
size_t fsc_geoip_count(const struct fsc_geoip *g);
const char *fsc_geoip_path(const struct fsc_geoip *g, size_t i);
const char *fsc_geoip_type(const struct fsc_geoip *g, size_t i);

/*
 * Fills *out (zeroed first) for a, asking each database in order; a field
 * comes from the first one that has it (country falls back to
 * registered_country). IPv4-mapped IPv6 is looked up as IPv4. Answers are
 * cached per address. Returns true when any field was found. Never
 * allocates after open.
 */
bool fsc_geoip_lookup(struct fsc_geoip *g, const struct fsc_addr *a, struct fsc_geo *out);

struct fsc_geoip_stats {
	uint64_t lookups, hits, db_errors;
};
void fsc_geoip_get_stats(const struct fsc_geoip *g, struct fsc_geoip_stats *s);

#endif
