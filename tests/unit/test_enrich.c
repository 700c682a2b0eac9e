/* test_enrich.c - the one tag and the one JSON object of fsc/enrich.h, from
 * lookups filled by hand (the forms are pure), and the status file through
 * fsc_enrich_new. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "fsc/enrich.h"

static struct fsc_addr addr(const char *s)
{
	struct fsc_addr a;
	assert_true(fsc_addr_parse(s, &a));
	return a;
}

/* What the lookups would say with nothing but the range. */
static void info_of(const char *s, struct fsc_enrich_info *i)
{
	struct fsc_addr a = addr(s);

	memset(i, 0, sizeof(*i));
	fsc_tsaddr_classify(&a, &i->ts);
	i->role = fsc_enrich_role_of(&i->ts);
	i->rdns_st = FSC_RDNS_SKIPPED;
}

static const char *tag(const struct fsc_enrich_info *i)
{
	static char buf[FSC_ENRICH_TAG_MAX];
	return fsc_enrich_tag_of(i, buf, sizeof(buf));
}

static void ranges(void **state)
{
	struct fsc_enrich_info i;

	(void)state;
	info_of("fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", &i);
	assert_string_equal(tag(&i), "4to6 100.104.208.43");
	info_of("fd7a:115c:a1e0:b1a:0:7:a01:203", &i);
	assert_string_equal(tag(&i), "4via6 site 7 10.1.2.3");
	info_of("100.104.208.43", &i);
	assert_string_equal(tag(&i), "tailnet");
	info_of("127.3.3.40", &i);
	assert_string_equal(tag(&i), "DERP");
	info_of("100.100.100.100", &i);
	assert_string_equal(tag(&i), "MagicDNS");
	info_of("192.168.1.1", &i);
	assert_string_equal(tag(&i), "");
	assert_false(fsc_enrich_info_any(&i));
}

static void node_geo_and_name(void **state)
{
	struct fsc_enrich_info i;
	struct fsc_tsnode nd = { .host = (char *)"laptop", .dns = (char *)"laptop.ts.net" };
	char json[FSC_ENRICH_JSON_MAX];

	(void)state;
	nd.ips[0] = addr("100.104.208.43");
	nd.ips[1] = addr("fd7a:115c:a1e0::9001:d02b");
	nd.nips = 2;
	/* A ULA that is not arithmetic: the node's IPv4, then its name. */
	info_of("fd7a:115c:a1e0::9001:d02b", &i);
	i.node = &nd;
	assert_string_equal(tag(&i), "tailnet 100.104.208.43 laptop.ts.net");
	/* 4to6 says its IPv4 already: not twice. */
	info_of("fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", &i);
	i.node = &nd;
	assert_string_equal(tag(&i), "4to6 100.104.208.43 laptop.ts.net");
	fsc_enrich_json_of(&i, json);
	assert_string_equal(json, "{\"class\":\"4to6\",\"tailscale\":\"4to6 of 100.104.208.43\","
				  "\"role\":\"relay\",\"node\":\"laptop.ts.net\"}");

	info_of("66.249.72.211", &i);
	i.have_geo = true;
	strcpy(i.geo.country, "US");
	i.geo.asn = 15169;
	strcpy(i.geo.as_org, "Google \"LLC\"");
	i.rdns_st = FSC_RDNS_FOUND;
	strcpy(i.rdns, "crawl.googlebot.com");
	assert_string_equal(tag(&i), "US AS15169 crawl.googlebot.com");
	fsc_enrich_json_of(&i, json);
	assert_string_equal(json, "{\"class\":\"public\",\"rdns\":\"crawl.googlebot.com\","
				  "\"country\":\"US\",\"asn\":15169,"
				  "\"as_org\":\"Google \\\"LLC\\\"\"}");
}

static void untrusted_names_escaped(void **state)
{
	struct fsc_enrich_info i;
	struct fsc_tsnode nd = { .host = (char *)"ci-\x1b[31mred" };

	(void)state;
	nd.ips[0] = addr("fd7a:115c:a1e0:efe3::4a1b:7f3a");
	nd.nips = 1;
	info_of("fd7a:115c:a1e0:efe3::4a1b:7f3a", &i);
	i.node = &nd;
	assert_string_equal(tag(&i), "tailnet ephemeral ci-\\x1b[31mred");
}

static void status_file(void **state)
{
	struct fsc_enrich_opts o;
	struct fsc_enrich_info i;
	char err[256];
	bool usage;

	(void)state;
	fsc_enrich_opts_init(&o);
	o.no_dns = true;
	o.no_geoip = true;
	o.status_path = FSC_SRC_DIR "/tests/golden/ula2v4/status.json";
	struct fsc_enrich *e = fsc_enrich_new(&o, err, sizeof(err), &usage);
	assert_non_null(e);
	assert_null(fsc_enrich_warning(e));
	struct fsc_addr a = addr("100.104.208.43");
	fsc_enrich_get(e, &a, &i);
	assert_non_null(i.node);
	assert_string_equal(fsc_tsnode_name(i.node), "laptop.example-tailnet.ts.net");
	assert_true(fsc_enrich_info_any(&i));
	fsc_enrich_free(e);

	o.status_path = FSC_SRC_DIR "/tests/golden/ula2v4/no-such-file.json";
	assert_null(fsc_enrich_new(&o, err, sizeof(err), &usage));
	assert_non_null(strstr(err, "no-such-file.json: "));
	assert_false(usage);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(ranges),
		cmocka_unit_test(node_geo_and_name),
		cmocka_unit_test(untrusted_names_escaped),
		cmocka_unit_test(status_file),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
