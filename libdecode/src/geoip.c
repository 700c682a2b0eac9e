/* geoip.c - MaxMind DB lookups (libmaxminddb) with a per-address cache.
 *
 * Schemas read (MaxMind GeoIP2/GeoLite2 database documentation):
 *   City, Country: country.iso_code (else registered_country.iso_code),
 *                  city.names.en
 *   ASN (and ISP): autonomous_system_number, autonomous_system_organization
 * Every database is asked for every field; the first answer wins, so a City
 * database listed first gives the country and a Country database only fills
 * what the City one lacks.
 */
#include "fsc/geoip.h"

#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "fsc/tsaddr.h"

/* The cache is set-associative (8 ways, the least recently used goes), not
 * the one map (fsc/hmap.h): a cache may forget, so the ways hold the
 * answers themselves, with no index beside them. */
#define WAYS 8

const char *const fsc_geoip_default_dirs[] = { "/usr/share/GeoIP", "/var/lib/GeoIP", NULL };

/* In the order they are asked. */
static const char *const well_known[] = {
	"GeoIP2-City.mmdb",    "GeoLite2-City.mmdb", "GeoIP2-Country.mmdb",
	"GeoLite2-Country.mmdb", "GeoIP2-ISP.mmdb",  "GeoLite2-ASN.mmdb",
};

struct cached {
	struct fsc_addr addr;
	bool valid, found;
	uint64_t used;
	struct fsc_geo geo;
};

struct fsc_geoip {
	MMDB_s db[FSC_GEOIP_MAX_DBS];
	char *path[FSC_GEOIP_MAX_DBS];
	size_t n;
	struct cached *cache;
	size_t ncache;
	uint64_t tick;
	struct fsc_geoip_stats st;
};

void fsc_geoip_config_init(struct fsc_geoip_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->env = getenv("FSC_GEOIP_DB");
	cfg->dirs = fsc_geoip_default_dirs;
	cfg->cache_size = 4096;
}

static bool add(struct fsc_geoip *g, const char *path, char *err, size_t errlen)
{
	int rc;

	if (g->n == FSC_GEOIP_MAX_DBS) {
		snprintf(err, errlen, "%s: more than %d GeoIP databases", path, FSC_GEOIP_MAX_DBS);
		return false;
	}
	rc = MMDB_open(path, MMDB_MODE_MMAP, &g->db[g->n]);
	if (rc != MMDB_SUCCESS) {
		snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
		return false;
	}
	g->path[g->n] = strdup(path);
	if (!g->path[g->n]) {
		MMDB_close(&g->db[g->n]);
		snprintf(err, errlen, "out of memory");
		return false;
	}
	g->n++;
	return true;
}

static bool add_list(struct fsc_geoip *g, const char *list, char *err, size_t errlen)
{
	char buf[4096];
	const char *p = list;

	while (*p) {
		const char *c = strchr(p, ':');
		size_t n = c ? (size_t)(c - p) : strlen(p);
		if (n >= sizeof(buf)) {
			snprintf(err, errlen, "FSC_GEOIP_DB: a path longer than %zu bytes",
				 sizeof(buf) - 1);
			return false;
		}
		if (n > 0) { /* "a::b" and a trailing ':' are harmless */
			memcpy(buf, p, n);
			buf[n] = '\0';
			if (!add(g, buf, err, errlen))
				return false;
		}
		p += n + (c ? 1 : 0);
	}
	return true;
}

struct fsc_geoip *fsc_geoip_open(const struct fsc_geoip_config *cfg, char *err, size_t errlen)
{
	struct fsc_geoip *g = calloc(1, sizeof(*g));
	bool ok = true;

	if (!g) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	g->ncache = (cfg->cache_size + WAYS - 1) / WAYS * WAYS;
	if (g->ncache == 0)
		g->ncache = WAYS;
	g->cache = calloc(g->ncache, sizeof(*g->cache));
	if (!g->cache) {
		snprintf(err, errlen, "out of memory");
		free(g);
		return NULL;
	}
	if (cfg->nfiles > 0) {
		for (size_t i = 0; ok && i < cfg->nfiles && i < FSC_GEOIP_MAX_DBS; i++)
			ok = add(g, cfg->files[i], err, errlen);
	} else if (cfg->env && cfg->env[0]) {
		ok = add_list(g, cfg->env, err, errlen);
	} else if (cfg->dirs) {
		for (size_t d = 0; ok && cfg->dirs[d]; d++) {
			for (size_t k = 0; ok && k < sizeof(well_known) / sizeof(well_known[0]); k++) {
				char path[4096];
				struct stat sb;
				snprintf(path, sizeof(path), "%s/%s", cfg->dirs[d], well_known[k]);
				if (stat(path, &sb) == 0 && S_ISREG(sb.st_mode))
					ok = add(g, path, err, errlen);
			}
		}
	}
	if (!ok) {
		fsc_geoip_close(g);
		return NULL;
	}
	return g;
}

void fsc_geoip_close(struct fsc_geoip *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++) {
		MMDB_close(&g->db[i]);
		free(g->path[i]);
	}
	free(g->cache);
	free(g);
}

size_t fsc_geoip_count(const struct fsc_geoip *g)
{
	return g->n;
}

const char *fsc_geoip_path(const struct fsc_geoip *g, size_t i)
{
	return i < g->n ? g->path[i] : NULL;
}

const char *fsc_geoip_type(const struct fsc_geoip *g, size_t i)
{
	return i < g->n ? g->db[i].metadata.database_type : NULL;
}

/* Copies a UTF-8 string value (not NUL-terminated in the database),
 * cutting at a character boundary when it does not fit. */
static bool get_str(MMDB_entry_s *e, char *out, size_t len, const char *const *path)
{
	MMDB_entry_data_s d;

	if (MMDB_aget_value(e, &d, path) != MMDB_SUCCESS || !d.has_data ||
	    d.type != MMDB_DATA_TYPE_UTF8_STRING || d.data_size == 0)
		return false;
	size_t n = d.data_size < len - 1 ? d.data_size : len - 1;
	while (n > 0 && n < d.data_size && ((unsigned char)d.utf8_string[n] & 0xc0) == 0x80)
		n--;
	memcpy(out, d.utf8_string, n);
	out[n] = '\0';
	return true;
}

static void from_db(struct fsc_geoip *g, MMDB_s *db, const struct fsc_addr *a,
		    struct fsc_geo *out)
{
	static const char *const country[] = { "country", "iso_code", NULL };
	static const char *const reg_country[] = { "registered_country", "iso_code", NULL };
	static const char *const city[] = { "city", "names", "en", NULL };
	static const char *const asn[] = { "autonomous_system_number", NULL };
	static const char *const org[] = { "autonomous_system_organization", NULL };
	struct sockaddr_storage ss;
	int mmdb = 0;

	memset(&ss, 0, sizeof(ss));
	if (a->family == 4) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		memcpy(&s4->sin_addr, a->b, 4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		memcpy(&s6->sin6_addr, a->b, 16);
	}
	MMDB_lookup_result_s r = MMDB_lookup_sockaddr(db, (struct sockaddr *)&ss, &mmdb);
	if (mmdb != MMDB_SUCCESS) {
		/* An IPv6 address in an IPv4-only database is just "not there". */
		if (mmdb != MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
			g->st.db_errors++;
		return;
	}
	if (!r.found_entry)
		return;
	if (!out->country[0] && !get_str(&r.entry, out->country, sizeof(out->country), country))
		get_str(&r.entry, out->country, sizeof(out->country), reg_country);
	if (!out->city[0])
		get_str(&r.entry, out->city, sizeof(out->city), city);
	if (!out->as_org[0])
		get_str(&r.entry, out->as_org, sizeof(out->as_org), org);
	if (!out->asn) {
		MMDB_entry_data_s d;
		if (MMDB_aget_value(&r.entry, &d, asn) == MMDB_SUCCESS && d.has_data) {
			if (d.type == MMDB_DATA_TYPE_UINT32)
				out->asn = d.uint32;
			else if (d.type == MMDB_DATA_TYPE_UINT16)
				out->asn = d.uint16;
			else if (d.type == MMDB_DATA_TYPE_UINT64 && d.uint64 <= UINT32_MAX)
				out->asn = (uint32_t)d.uint64;
		}
	}
}

bool fsc_geoip_lookup(struct fsc_geoip *g, const struct fsc_addr *in, struct fsc_geo *out)
{
	struct fsc_tsaddr_info info;

	memset(out, 0, sizeof(*out));
	g->st.lookups++;
	if (g->n == 0 || (in->family != 4 && in->family != 6))
		return false;
	fsc_tsaddr_classify(in, &info); /* unmaps ::ffff:a.b.c.d */
	const struct fsc_addr *a = &info.addr;
	size_t base = (size_t)(fsc_addr_hash(a, 0xbb67ae8584caa73bull) % (g->ncache / WAYS)) * WAYS;
	struct cached *victim = NULL;
	for (size_t w = 0; w < WAYS; w++) {
		struct cached *c = &g->cache[base + w];
		if (c->valid && fsc_addr_eq(&c->addr, a)) {
			g->st.hits++;
			c->used = ++g->tick;
			*out = c->geo;
			return c->found;
		}
		if (!victim || !c->valid || (victim->valid && c->used < victim->used))
			victim = c;
	}
	for (size_t i = 0; i < g->n; i++)
		from_db(g, &g->db[i], a, out);
	victim->valid = true;
	victim->addr = *a;
	victim->used = ++g->tick;
	victim->geo = *out;
	victim->found = out->country[0] || out->city[0] || out->asn || out->as_org[0];
	return victim->found;
}

void fsc_geoip_get_stats(const struct fsc_geoip *g, struct fsc_geoip_stats *s)
{
	*s = g->st;
}
