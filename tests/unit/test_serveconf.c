/* test_serveconf.c - tailscale's ServeConfig JSON as fnode reads it
 * (refpair.md §1.6): the documented shape, lookups, routing by mount, and
 * errors that name the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "serveconf.h"

static const char example[] =
	"{\n"
	"  \"TCP\": {\n"
	"    \"10000\": { \"TCPForward\": \"127.0.0.1:5432\", \"ProxyProtocol\": 2 },\n"
	"    \"443\": { \"HTTPS\": true }\n"
	"  },\n"
	"  \"Web\": {\n"
	"    \"node.example.ts.net:443\": { \"Handlers\": { \"/\": { \"Proxy\": \"http://127.0.0.1:2367\" },\n"
	"        \"/api/\": { \"Proxy\": \"http://localhost:3000/v1/\" }, \"/hi\": { \"Text\": \"hi\" } } },\n"
	"    \"oldname.example.ts.net:443\": { \"Handlers\": { \"/\": { \"Proxy\": \"3000\" } } }\n"
	"  },\n"
	"  \"AllowFunnel\": {\n"
	"    \"node.example.ts.net:10000\": true,\n"
	"    \"node.example.ts.net:443\": true,\n"
	"    \"oldname.example.ts.net:443\": true,\n"
	"    \"off.example.ts.net:443\": false\n"
	"  },\n"
	"  \"Foreground\": { \"s1\": { \"Web\": { \"fg.example.ts.net:8443\": {} } } },\n"
	"  \"NewerField\": 1\n"
	"}\n";

static void reads_the_documented_shape(void **state)
{
	struct fsc_serveconf sc;
	const struct fsc_sc_web *w;
	const struct fsc_sc_handler *h;
	const struct fsc_sc_tcp *t;
	char err[256];

	(void)state;
	assert_true(fsc_serveconf_parse(example, strlen(example), &sc, err, sizeof(err)));
	assert_int_equal(sc.n_tcp, 2);
	t = fsc_serveconf_tcp(&sc, 10000);
	assert_non_null(t);
	assert_string_equal(t->forward, "127.0.0.1:5432");
	assert_int_equal(t->proxy_protocol, 2);
	assert_true(fsc_serveconf_tcp(&sc, 443)->https);
	assert_null(fsc_serveconf_tcp(&sc, 80));
	assert_int_equal(sc.n_web, 3);
	assert_int_equal(sc.n_foreground, 1);
	w = fsc_serveconf_web(&sc, "NODE.example.ts.net", 19, 443);	/* case-blind */
	assert_non_null(w);
	assert_null(fsc_serveconf_web(&sc, "node.example.ts.net", 19, 8443));
	h = fsc_serveconf_route(w, "/api/x", 6);
	assert_string_equal(h->mount, "/api/");
	assert_string_equal(h->be_addr, "127.0.0.1:3000");
	assert_string_equal(h->be_path, "/v1");
	assert_string_equal(fsc_serveconf_route(w, "/hi", 3)->mount, "/hi");
	assert_string_equal(fsc_serveconf_route(w, "/hi/x", 5)->mount, "/hi");
	assert_string_equal(fsc_serveconf_route(w, "/high", 5)->mount, "/");	/* not "/hi" */
	assert_int_equal(fsc_serveconf_route(w, "/", 1)->kind, FSC_SC_PROXY);
	w = fsc_serveconf_web(&sc, "oldname.example.ts.net", 22, 443);
	assert_string_equal(w->h[0].be_addr, "127.0.0.1:3000");	/* bare port */
	assert_true(fsc_serveconf_funnel(&sc, "node.example.ts.net:443", 23));
	assert_false(fsc_serveconf_funnel(&sc, "off.example.ts.net:443", 22));
	assert_false(fsc_serveconf_funnel(&sc, "node.example.ts.net:8443", 24));
	assert_true(fsc_serveconf_web(&sc, "fg.example.ts.net", 17, 8443)->foreground);
	fsc_serveconf_free(&sc);
}

static void errors_name_the_key(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
		{ "[]", "document not a JSON object" },
		{ "{\"TCP\":{\"https\":{}}}", "TCP: key 'https': not a port" },
		{ "{\"Web\":{\"node\":{}}}", "Web: key 'node': not name:port" },
		{ "{\"Web\":{\"n:443\":{\"Handlers\":{\"/\":{\"Proxy\":\"a\",\"Text\":\"b\"}}}}}",
		  "Web: 'n:443': handler '/': more than one of Proxy, Text, Path, Redirect" },
		{ "{\"Web\":{\"n:443\":{\"Handlers\":{\"x\":{\"Text\":\"b\"}}}}}",
		  "Web: 'n:443': mount 'x' does not start with /" },
		{ "{\"AllowFunnel\":{\"n:443\":\"yes\"}}", "AllowFunnel: 'n:443': not true or false" },
		{ "{\"TCP\":{\"1\":{\"ProxyProtocol\":3}}}", "TCP: 1: ProxyProtocol not 0, 1 or 2" },
		{ "{\"TCP\":{}, \"TCP\":{}}", NULL },	/* duplicate key: jansson's message */
	};
	struct fsc_serveconf sc;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_false(fsc_serveconf_parse(cases[i].json, strlen(cases[i].json), &sc, err,
						 sizeof(err)));
		assert_int_equal(sc.n_web + sc.n_tcp + sc.n_funnel, 0);
		if (cases[i].err)
			assert_string_equal(err, cases[i].err);
		else
			assert_non_null(strstr(err, "duplicate"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reads_the_documented_shape),
		cmocka_unit_test(errors_name_the_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
