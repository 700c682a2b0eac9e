/* test_wgconf.c - the wg(8) configuration parser: a full file, keys, every
 * kind of error quoting its line, and every prefix of a good file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/wgconf.h"

/* Keys made with `wg genkey` / `wg pubkey` (throw-away). */
#define PRIV "AH1XyTalD9tx+wltwWXEtgBtFKVHgpXWrXFI3FSOkGs="
#define PUB1 "MdXT0g4irHLbK53ScWeLk+b+XGTMyfHmq4QpnPFPVjo="
#define PUB2 "dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJeH6AY="
#define PSK "KxymADU/zPt9/2tkDSq6hqXIfzd6WbaJ4X31+3Q2EpU="

static const char good[] =
	"# a comment\n"
	"[Interface]\n"
	"PrivateKey = " PRIV "\n"
	"ListenPort = 51820\r\n"
	"Address = 100.64.0.1/32, fd7a:115c:a1e0::1/128\n"
	"\n"
	"[Peer]  # first\n"
	"PublicKey=" PUB1 "\n"
	"PresharedKey = " PSK "\n"
	"Endpoint = 198.18.0.2:51820\n"
	"AllowedIPs = 100.64.0.2/32, 10.1.2.3/8\n"
	"AllowedIPs = fd7a:115c:a1e0::2/128\n"
	"PersistentKeepalive = 25\n"
	"[peer]\n"
	"publickey = " PUB2 "\n"
	"endpoint = [2001:db8::2]:41641\n"
	"persistentkeepalive = off\n";

static void test_good_file(void **state)
{
	struct fsc_wgconf c;
	char err[256], b64[FSC_WG_KEY_B64LEN + 1], a[FSC_ADDR_STRLEN];

	(void)state;
	assert_true(fsc_wgconf_parse(good, strlen(good), &c, err, sizeof(err)));
	assert_true(c.has_private_key);
	fsc_wgconf_key_write(c.private_key, b64);
	assert_string_equal(b64, PRIV);
	assert_int_equal(c.listen_port, 51820);
	assert_int_equal(c.address_n, 2);
	assert_string_equal(fsc_addr_str(&c.address[1].addr, a), "fd7a:115c:a1e0::1");
	assert_int_equal(c.peer_n, 2);
	fsc_wgconf_key_write(c.peer[0].public_key, b64);
	assert_string_equal(b64, PUB1);
	assert_true(c.peer[0].has_preshared_key);
	assert_true(c.peer[0].has_endpoint);
	assert_string_equal(fsc_addr_str(&c.peer[0].endpoint, a), "198.18.0.2");
	assert_int_equal(c.peer[0].endpoint_port, 51820);
	assert_int_equal(c.peer[0].allowed_n, 3);
	/* AllowedIPs are masked to their prefix. */
	assert_string_equal(fsc_addr_str(&c.allowed[c.peer[0].allowed_first + 1].addr, a),
			    "10.0.0.0");
	assert_int_equal(c.allowed[c.peer[0].allowed_first + 1].len, 8);
	assert_int_equal(c.peer[0].persistent_keepalive, 25);
	assert_false(c.peer[1].has_preshared_key);
	assert_int_equal(c.peer[1].allowed_n, 0);
	assert_int_equal(c.peer[1].endpoint.family, 6);
	assert_int_equal(c.peer[1].endpoint_port, 41641);
	assert_int_equal(c.peer[1].persistent_keepalive, 0);
	fsc_wgconf_free(&c);
}

static void test_keys(void **state)
{
	uint8_t k[32];
	char b64[FSC_WG_KEY_B64LEN + 1];

	(void)state;
	assert_true(fsc_wgconf_key_parse(PUB2, 44, k));
	fsc_wgconf_key_write(k, b64);
	assert_string_equal(b64, PUB2);
	assert_false(fsc_wgconf_key_parse(PUB2, 43, k));
	/* 'Y' -> 'Z': a padding bit of the 43rd character set. */
	assert_false(fsc_wgconf_key_parse("dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJeH6AZ=", 44, k));
	assert_true(fsc_wgconf_key_parse("dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJeH6AY=", 44, k));
	assert_false(fsc_wgconf_key_parse("dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJeH6AYA", 44, k));
	assert_false(fsc_wgconf_key_parse("dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJe*6AY=", 44, k));
	assert_false(fsc_wgconf_key_parse("dEgS8pEFyCrJQQyNfOdmPMeqlkBNpLDkophSUJe\0""6AY=", 44, k));
}

struct bad_case {
	const char *text;
	const char *err;
};

static void test_errors_quote_the_line(void **state)
{
	static const struct bad_case cases[] = {
		{ "[Interface]\nPrivateKey = abc\n",
		  "line 2: 'PrivateKey = abc': not a key (44 base64 characters, as wg genkey writes)" },
		{ "PrivateKey = " PRIV "\n",
		  "line 1: 'PrivateKey = " PRIV "': key outside a section ([Interface] or [Peer] first)" },
		{ "[Interface]\nPrivateKey = " PRIV "\nListenPort = 65536\n",
		  "line 3: 'ListenPort = 65536': not a port (0 to 65535)" },
		{ "[Interface]\nPrivateKey = " PRIV "\nDNS = 1.1.1.1\n",
		  "line 3: 'DNS = 1.1.1.1': unknown key in [Interface] (PrivateKey, ListenPort, Address, MTU)" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\nEndpoint = example.com:51820\n",
		  "line 5: 'Endpoint = example.com:51820': not ADDRESS:PORT or [IPv6]:PORT (names are not resolved)" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.0/33\n",
		  "line 5: 'AllowedIPs = 10.0.0.0/33': not an address or address/prefix-length" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\nAllowedIPs = 10.0.0.0/8,,::/0\n",
		  "line 5: 'AllowedIPs = 10.0.0.0/8,,::/0': empty element in the list" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nAllowedIPs = ::/0\n[Peer]\n",
		  "line 5: '[Peer]': the [Peer] before this line has no PublicKey" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\n",
		  "the last [Peer] has no PublicKey" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\n[Peer]\nPublicKey = " PUB1 "\n",
		  "line 6: 'PublicKey = " PUB1 "': the same PublicKey as an earlier peer" },
		{ "[Interface]\nListenPort = 1\n", "no [Interface] with a PrivateKey" },
		{ "", "no [Interface] with a PrivateKey" },
		{ "[Interface]\n[Interface]\n", "line 2: '[Interface]': a second [Interface]" },
		{ "[Interfac]\n", "line 1: '[Interfac]': unknown section (expected [Interface] or [Peer])" },
		{ "[Interface]\nPrivateKey\n", "line 2: 'PrivateKey': expected Key = Value" },
		{ "[Interface]\n\x01 = 2\n", "line 2: '? = 2': unknown key in [Interface] (PrivateKey, ListenPort, Address, MTU)" },
		{ "[Interface]\nPrivateKey = " PRIV "\n[Peer]\nPublicKey = " PUB1 "\nPersistentKeepalive = -1\n",
		  "line 5: 'PersistentKeepalive = -1': not a number of seconds (0 to 65535, or off)" },
	};
	char err[256];
	struct fsc_wgconf c;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memset(err, 'x', sizeof(err));
		assert_false(fsc_wgconf_parse(cases[i].text, strlen(cases[i].text), &c, err,
					      sizeof(err)));
		if (strcmp(err, cases[i].err) != 0) {
			print_error("case %zu: got '%s'\nwanted '%s'\n", i, err, cases[i].err);
			fail();
		}
		assert_int_equal(c.peer_n, 0);
		assert_null(c.peer);
		fsc_wgconf_free(&c);
	}
}

static void test_long_line_is_cut(void **state)
{
	char text[200], err[256];
	struct fsc_wgconf c;

	(void)state;
	memset(text, 'A', sizeof(text));
	memcpy(text, "[Interface]\n", 12);
	text[199] = '\n';
	assert_false(fsc_wgconf_parse(text, sizeof(text), &c, err, sizeof(err)));
	assert_non_null(strstr(err, "line 2: 'AAAA"));
	assert_non_null(strstr(err, "...': expected Key = Value"));
}

/* Every prefix of the good file either parses or fails with a message;
 * never reads past its end (ASan checks the exact-size copies). */
static void test_prefixes(void **state)
{
	size_t n = strlen(good);
	char err[256];

	(void)state;
	for (size_t i = 0; i <= n; i++) {
		char *copy = malloc(i ? i : 1);
		struct fsc_wgconf c;
		memcpy(copy, good, i);
		if (!fsc_wgconf_parse(copy, i, &c, err, sizeof(err)))
			assert_true(err[0] != '\0');
		fsc_wgconf_free(&c);
		free(copy);
	}
}

static void test_prefix_and_endpoint(void **state)
{
	struct fsc_prefix p;
	struct fsc_addr a;
	uint16_t port;
	char s[FSC_ADDR_STRLEN];

	(void)state;
	assert_true(fsc_wgconf_prefix_parse("fd7a:115c:a1e0:ab12::1/48", 25, true, &p));
	assert_string_equal(fsc_addr_str(&p.addr, s), "fd7a:115c:a1e0::");
	assert_int_equal(p.len, 48);
	assert_true(fsc_wgconf_prefix_parse("100.64.0.7", 10, false, &p));
	assert_int_equal(p.len, 32);
	assert_false(fsc_wgconf_prefix_parse("100.64.0.7/", 11, false, &p));
	assert_false(fsc_wgconf_prefix_parse("::/129", 6, false, &p));
	assert_true(fsc_wgconf_endpoint_parse("[::1]:0", 7, &a, &port));
	assert_int_equal(port, 0);
	assert_false(fsc_wgconf_endpoint_parse("[::1]", 5, &a, &port));
	assert_false(fsc_wgconf_endpoint_parse("::1:80", 6, &a, &port));
	assert_false(fsc_wgconf_endpoint_parse("1.2.3.4:65536", 13, &a, &port));
	assert_false(fsc_wgconf_endpoint_parse("1.2.3.4:", 8, &a, &port));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_file),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_errors_quote_the_line),
		cmocka_unit_test(test_long_line_is_cut),
		cmocka_unit_test(test_prefixes),
		cmocka_unit_test(test_prefix_and_endpoint),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
