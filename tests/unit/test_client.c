/* test_client.c - the client rule over real header values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "fsc/client.h"

struct fixture {
	struct fsc_xff_node xnodes[64];
	struct fsc_xff_list xff;
	struct fsc_xff_fwd_elem felems[16];
	struct fsc_xff_fwd_list fwd;
	struct fsc_xff_node real_ip;
	struct fsc_addr peer, ingress;
	struct fsc_client_input in;
	struct fsc_client c;
};

static struct fixture F;

static void setup_input(const char *xff, const char *fwd, const char *real_ip,
			const char *ingress, unsigned trusted)
{
	const char *why;

	memset(&F, 0, sizeof(F));
	fsc_xff_list_init(&F.xff, F.xnodes, 64);
	fsc_xff_fwd_list_init(&F.fwd, F.felems, 16);
	if (xff)
		fsc_xff_parse((const uint8_t *)xff, strlen(xff), &F.xff, &why);
	if (fwd)
		fsc_xff_fwd_parse((const uint8_t *)fwd, strlen(fwd), &F.fwd, &why);
	if (real_ip) {
		fsc_xff_elem_parse((const uint8_t *)real_ip, strlen(real_ip), &F.real_ip);
		F.in.x_real_ip = &F.real_ip;
	}
	if (ingress) {
		fsc_addr_parse(ingress, &F.ingress);
		F.in.ingress_src = &F.ingress;
	}
	fsc_addr_parse("127.0.0.1", &F.peer);
	F.in.xff = &F.xff;
	F.in.fwd = &F.fwd;
	F.in.tcp_peer = &F.peer;
	F.in.trusted_hops = trusted;
	fsc_client_choose(&F.in, &F.c);
}

static void expect(const char *rule, const char *client, const char *claimed)
{
	char s[FSC_ADDR_STRLEN];

	assert_string_equal(fsc_client_rule_name(F.c.rule), rule);
	assert_string_equal(fsc_addr_str(&F.c.addr, s), client);
	if (claimed) {
		assert_true(F.c.has_claimed);
		assert_string_equal(fsc_addr_str(&F.c.claimed, s), claimed);
	} else {
		assert_false(F.c.has_claimed);
	}
}

static void funnel_single(void **state)
{
	(void)state;
	setup_input("66.249.72.211", NULL, NULL, NULL, 0);
	expect("xff-single", "66.249.72.211", NULL);
	assert_int_equal(F.c.n_hops, 1);
	assert_string_equal(fsc_hop_class_name(&F.c.hops[0]), "public");
	setup_input("::ffff:192.0.2.1", NULL, NULL, NULL, 0);
	expect("xff-single", "192.0.2.1", NULL);
	setup_input("[2001:db8::1]:443", NULL, NULL, NULL, 0);
	expect("xff-single", "2001:db8::1", NULL);
}

/* The chain an older node wrote: the client, then the relay's 4to6 ULA. */
static void funnel_chain_with_relay(void **state)
{
	(void)state;
	char s[FSC_ADDR_STRLEN];

	setup_input("66.249.72.211, fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b", NULL, NULL,
		    NULL, 0);
	expect("xff-chain", "66.249.72.211", NULL);
	assert_int_equal(F.c.n_hops, 2);
	assert_int_equal(F.c.hops[1].skip, FSC_HOP_RELAY);
	assert_string_equal(fsc_hop_class_name(&F.c.hops[1]), "4to6");
	assert_string_equal(fsc_addr_str(&F.c.hops[1].info.peer, s), "100.104.208.43");
	assert_int_equal(F.c.hops[0].skip, FSC_HOP_KEPT);
}

static void spoofed_left_is_only_claimed(void **state)
{
	(void)state;
	setup_input("1.2.3.4, 66.249.72.211", NULL, NULL, NULL, 0);
	expect("xff-chain", "66.249.72.211", "1.2.3.4");
	/* A local proxy appended loopback: skipped as trusted. */
	setup_input("1.2.3.4, 66.249.72.211, 127.0.0.1", NULL, NULL, NULL, 0);
	expect("xff-chain", "66.249.72.211", "1.2.3.4");
	assert_int_equal(F.c.hops[2].skip, FSC_HOP_TRUSTED);
	/* One proxy of ours in front: --trusted-hops 1. */
	setup_input("1.2.3.4, 198.51.100.7, 203.0.113.9", NULL, NULL, NULL, 1);
	expect("xff-chain", "198.51.100.7", "1.2.3.4");
	assert_int_equal(F.c.hops[2].skip, FSC_HOP_TRUSTED);
	/* Several header lines form one list. */
	setup_input("1.2.3.4", NULL, NULL, NULL, 0);
	const char *why;
	fsc_xff_parse((const uint8_t *)"66.249.72.211", 13, &F.xff, &why);
	fsc_client_choose(&F.in, &F.c);
	expect("xff-chain", "66.249.72.211", "1.2.3.4");
}

static void no_address_falls_through(void **state)
{
	(void)state;
	setup_input("unknown", NULL, "203.0.113.5", NULL, 0);
	expect("x-real-ip", "203.0.113.5", NULL);
	setup_input("1.2.3.4, not-an-address", NULL, NULL, NULL, 0);
	expect("tcp-peer", "127.0.0.1", "1.2.3.4");
	assert_string_equal(fsc_hop_class_name(&F.c.hops[1]), "malformed");
	setup_input(NULL, NULL, NULL, NULL, 0);
	expect("tcp-peer", "127.0.0.1", NULL);
	assert_int_equal(F.c.n_hops, 0);
}

static void forwarded(void **state)
{
	(void)state;
	setup_input(NULL, "for=unknown, for=\"[2001:db8:cafe::17]:4711\";proto=https", NULL,
		    NULL, 0);
	expect("forwarded", "2001:db8:cafe::17", NULL);
	assert_int_equal(F.c.n_hops, 2);
	assert_string_equal(fsc_hop_class_name(&F.c.hops[0]), "unknown");
	setup_input(NULL, "for=_hidden;by=203.0.113.43", "192.0.2.60", NULL, 0);
	expect("x-real-ip", "192.0.2.60", NULL);
	assert_string_equal(fsc_hop_class_name(&F.c.hops[0]), "obfuscated");
	/* X-Forwarded-For, when present, wins over Forwarded. */
	setup_input("66.249.72.211", "for=192.0.2.60", NULL, NULL, 0);
	expect("xff-single", "66.249.72.211", NULL);
}

static void ingress_src_wins(void **state)
{
	(void)state;
	setup_input("198.51.100.1", NULL, NULL, "66.249.72.211", 0);
	expect("ingress-src", "66.249.72.211", "198.51.100.1");
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(fsc_client_rule_name(FSC_CLIENT_TCP_PEER), "tcp-peer");
	assert_string_equal(fsc_client_rule_name((enum fsc_client_rule)99), "none");
	assert_string_equal(fsc_hop_skip_name(FSC_HOP_RELAY), "relay");
	assert_null(fsc_hop_skip_name(FSC_HOP_KEPT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(funnel_single),
		cmocka_unit_test(funnel_chain_with_relay),
		cmocka_unit_test(spoofed_left_is_only_claimed),
		cmocka_unit_test(no_address_falls_through),
		cmocka_unit_test(forwarded),
		cmocka_unit_test(ingress_src_wins),
		cmocka_unit_test(names),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
