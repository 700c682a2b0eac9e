/* test_geoip.c - GeoIP/ASN lookups against MaxMind DB files written at test
 * time by tests/unit/mkmmdb.pl (City, Country and ASN schemas). Skips when
 * the Perl writer is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fsc/geoip.h"

static char dir[64];
static char city[128], country[128], asn[128];
static bool have_dbs;

static int make_dbs(void **state)
{
	(void)state;
	char src[] = __FILE__, cmd[512];

	strcpy(dir, "/tmp/fsc-geoip-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(city, sizeof(city), "%s/GeoLite2-City.mmdb", dir);
	snprintf(country, sizeof(country), "%s/GeoLite2-Country.mmdb", dir);
	snprintf(asn, sizeof(asn), "%s/GeoLite2-ASN.mmdb", dir);
	snprintf(cmd, sizeof(cmd), "perl '%s/mkmmdb.pl' '%s'", dirname(src), dir);
	int rc = system(cmd);
	if (WIFEXITED(rc) && WEXITSTATUS(rc) == 77)
		return 0; /* no writer: every test skips */
	if (!WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
		return -1;
	have_dbs = true;
	return 0;
}

static int remove_dbs(void **state)
{
	(void)state;
	unlink(city);
	unlink(country);
	unlink(asn);
	rmdir(dir);
	return 0;
}

static struct fsc_addr A(const char *s)
{
	struct fsc_addr a;

	if (!fsc_addr_parse(s, &a))
		fail_msg("bad literal %s", s);
	return a;
}

static struct fsc_geoip *open_files(const char *a, const char *b, const char *c)
{
	struct fsc_geoip_config cfg;
	char err[256];

	fsc_geoip_config_init(&cfg);
	cfg.env = NULL;
	cfg.dirs = NULL;
	const char *f[] = { a, b, c };
	for (int i = 0; i < 3; i++)
		if (f[i])
			cfg.files[cfg.nfiles++] = f[i];
	struct fsc_geoip *g = fsc_geoip_open(&cfg, err, sizeof(err));
	if (!g)
		fail_msg("open: %s", err);
	return g;
}

#define NEED_DBS()                 \
	do {                       \
		if (!have_dbs)     \
			skip();    \
	} while (0)

static void city_and_asn(void **state)
{
	(void)state;
	NEED_DBS();
	struct fsc_geoip *g = open_files(city, asn, NULL);
	struct fsc_geo geo;
	struct fsc_addr a;

	assert_int_equal(fsc_geoip_count(g), 2);
	assert_string_equal(fsc_geoip_type(g, 0), "GeoLite2-City");
	assert_string_equal(fsc_geoip_type(g, 1), "GeoLite2-ASN");
	a = A("66.249.72.211");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "US");
	assert_string_equal(geo.city, "Mountain View");
	assert_int_equal(geo.asn, 15169);
	assert_string_equal(geo.as_org, "GOOGLE");
	/* Edges of 66.249.64.0/19 and one outside. */
	a = A("66.249.64.0");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	a = A("66.249.95.255");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	a = A("66.249.96.0");
	assert_false(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "");
	assert_int_equal(geo.asn, 0);
	/* IPv4-mapped is looked up as IPv4. */
	a = A("::ffff:66.249.72.211");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_int_equal(geo.asn, 15169);
	/* IPv6, no city. */
	a = A("2001:4860:4860::8888");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "US");
	assert_string_equal(geo.city, "");
	assert_int_equal(geo.asn, 15169);
	/* A relay's network. */
	a = A("103.84.155.153");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "JP");
	assert_string_equal(geo.city, "Tokyo");
	assert_int_equal(geo.asn, 64500);
	assert_string_equal(geo.as_org, "Example Hosting K.K.");
	/* Stored bytes come back as stored; escaping is the printer's job. */
	a = A("198.18.7.9");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.city, "M\xc3\xbcnchen\x1b[0m");
	/* Nothing known. */
	const char *none[] = { "8.8.8.8", "10.0.0.1", "fd7a:115c:a1e0::1", "::" };
	for (int i = 0; i < 4; i++) {
		a = A(none[i]);
		assert_false(fsc_geoip_lookup(g, &a, &geo));
	}
	memset(&a, 0, sizeof(a));
	assert_false(fsc_geoip_lookup(g, &a, &geo));
	fsc_geoip_close(g);
}

static void fields_from_several(void **state)
{
	(void)state;
	NEED_DBS();
	struct fsc_geo geo;
	struct fsc_addr a;

	/* Only the Country database knows 81.2.69.0/24; the ASN one has a
	 * number without an organisation. */
	struct fsc_geoip *g = open_files(city, country, asn);
	a = A("81.2.69.160");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "GB");
	assert_string_equal(geo.city, "");
	assert_int_equal(geo.asn, 64501);
	assert_string_equal(geo.as_org, "");
	/* registered_country when there is no country. */
	a = A("5.6.7.8");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "SE");
	fsc_geoip_close(g);

	/* Country-only database alone: no city, no ASN. */
	g = open_files(country, NULL, NULL);
	a = A("66.249.72.211");
	assert_true(fsc_geoip_lookup(g, &a, &geo));
	assert_string_equal(geo.country, "US");
	assert_string_equal(geo.city, "");
	assert_int_equal(geo.asn, 0);
	fsc_geoip_close(g);
}

static void cache(void **state)
{
	(void)state;
	NEED_DBS();
	struct fsc_geoip_config cfg;
	struct fsc_geoip_stats st;
	struct fsc_geo geo;
	char err[256];

	fsc_geoip_config_init(&cfg);
	cfg.env = NULL;
	cfg.dirs = NULL;
	cfg.files[cfg.nfiles++] = city;
	cfg.cache_size = 8; /* one bucket */
	struct fsc_geoip *g = fsc_geoip_open(&cfg, err, sizeof(err));
	assert_non_null(g);
	struct fsc_addr a = A("66.249.72.211"), m = A("::ffff:66.249.72.211");
	fsc_geoip_lookup(g, &a, &geo);
	fsc_geoip_lookup(g, &a, &geo);
	assert_true(fsc_geoip_lookup(g, &m, &geo)); /* same entry */
	assert_string_equal(geo.city, "Mountain View");
	/* Misses are cached too. */
	struct fsc_addr n = A("8.8.8.8");
	assert_false(fsc_geoip_lookup(g, &n, &geo));
	assert_false(fsc_geoip_lookup(g, &n, &geo));
	fsc_geoip_get_stats(g, &st);
	assert_int_equal(st.lookups, 5);
	assert_int_equal(st.hits, 3);
	/* Nine more addresses through one bucket of eight: the first goes. */
	for (int i = 1; i <= 9; i++) {
		char s[32];
		snprintf(s, sizeof(s), "66.249.80.%d", i);
		struct fsc_addr x = A(s);
		assert_true(fsc_geoip_lookup(g, &x, &geo));
	}
	fsc_geoip_get_stats(g, &st);
	uint64_t hits = st.hits;
	assert_true(fsc_geoip_lookup(g, &a, &geo)); /* evicted: read again, same answer */
	fsc_geoip_get_stats(g, &st);
	assert_int_equal(st.hits, hits);
	assert_string_equal(geo.city, "Mountain View");
	fsc_geoip_close(g);
}

static void sources(void **state)
{
	(void)state;
	NEED_DBS();
	struct fsc_geoip_config cfg;
	char err[256], env[512];
	struct fsc_geoip *g;
	const char *dirs[] = { "/nonexistent-geoip-dir", dir, NULL };

	/* Colon-separated list; empty items are skipped. */
	snprintf(env, sizeof(env), "%s::%s:", asn, city);
	fsc_geoip_config_init(&cfg);
	cfg.env = env;
	cfg.dirs = NULL;
	g = fsc_geoip_open(&cfg, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(fsc_geoip_count(g), 2);
	assert_string_equal(fsc_geoip_path(g, 0), asn);
	assert_string_equal(fsc_geoip_path(g, 1), city);
	assert_null(fsc_geoip_path(g, 2));
	fsc_geoip_close(g);

	/* Explicit files win over the environment. */
	cfg.files[cfg.nfiles++] = country;
	g = fsc_geoip_open(&cfg, err, sizeof(err));
	assert_int_equal(fsc_geoip_count(g), 1);
	fsc_geoip_close(g);

	/* Directories: well-known names, City, Country, then ASN. */
	fsc_geoip_config_init(&cfg);
	cfg.env = NULL;
	cfg.dirs = dirs;
	g = fsc_geoip_open(&cfg, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(fsc_geoip_count(g), 3);
	assert_string_equal(fsc_geoip_type(g, 0), "GeoLite2-City");
	assert_string_equal(fsc_geoip_type(g, 1), "GeoLite2-Country");
	assert_string_equal(fsc_geoip_type(g, 2), "GeoLite2-ASN");
	fsc_geoip_close(g);

	/* No database anywhere: no error, no fields. */
	const char *empty[] = { "/nonexistent-geoip-dir", NULL };
	cfg.dirs = empty;
	g = fsc_geoip_open(&cfg, err, sizeof(err));
	assert_non_null(g);
	assert_int_equal(fsc_geoip_count(g), 0);
	struct fsc_addr a = A("66.249.72.211");
	struct fsc_geo geo;
	assert_false(fsc_geoip_lookup(g, &a, &geo));
	fsc_geoip_close(g);

	/* The environment variable is read by config_init, nowhere else. */
	setenv("FSC_GEOIP_DB", "/x.mmdb", 1);
	fsc_geoip_config_init(&cfg);
	assert_string_equal(cfg.env, "/x.mmdb");
	unsetenv("FSC_GEOIP_DB");
	fsc_geoip_config_init(&cfg);
	assert_null(cfg.env);
}

static void bad_files(void **state)
{
	(void)state;
	struct fsc_geoip_config cfg;
	char err[512], path[128], want[256];

	fsc_geoip_config_init(&cfg);
	cfg.env = NULL;
	cfg.dirs = NULL;
	cfg.files[cfg.nfiles++] = "/nonexistent/GeoLite2-City.mmdb";
	assert_null(fsc_geoip_open(&cfg, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/GeoLite2-City.mmdb: Error opening the "
				 "specified MaxMind DB file");
	/* Not a MaxMind DB at all. */
	snprintf(path, sizeof(path), "/tmp/fsc-geoip-bad-%d.mmdb", (int)getpid());
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a database\n", f);
	fclose(f);
	cfg.files[0] = path;
	assert_null(fsc_geoip_open(&cfg, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: ", path);
	assert_memory_equal(err, want, strlen(want));
	assert_true(strlen(err) > strlen(want));
	/* The environment names a missing file: an error too. */
	cfg.nfiles = 0;
	cfg.env = path;
	assert_null(fsc_geoip_open(&cfg, err, sizeof(err)));
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(city_and_asn), cmocka_unit_test(fields_from_several),
		cmocka_unit_test(cache),        cmocka_unit_test(sources),
		cmocka_unit_test(bad_files),
	};
	return cmocka_run_group_tests(tests, make_dbs, remove_dbs);
}
