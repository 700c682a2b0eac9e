/* test_rdns.c - reverse DNS against a real dnsmasq on 127.0.0.1 (started
 * here, at a free high port) and against a UDP socket that never answers.
 * Skips when dnsmasq is not installed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fsc/rdns.h"

static pid_t dnsmasq_pid;
static int dns_port;
static char dns_server[32];
static int silent_fd = -1;
static char silent_server[32];

static uint64_t ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static struct fsc_addr A(const char *s)
{
	struct fsc_addr a;

	if (!fsc_addr_parse(s, &a))
		fail_msg("bad literal %s", s);
	return a;
}

/* A UDP socket on 127.0.0.1 at a kernel-chosen port; returns the fd. */
static int udp_bound(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		return -1;
	*port = ntohs(sa.sin_port);
	return fd;
}

static bool tcp_up(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

static int start_servers(void **state)
{
	(void)state;
	const char *bin = access("/usr/sbin/dnsmasq", X_OK) == 0 ? "/usr/sbin/dnsmasq" : NULL;
	char portarg[32];
	int fd;

	/* The silent server: bound, never read, never answers. */
	int sport;
	silent_fd = udp_bound(&sport);
	if (silent_fd < 0)
		return -1;
	snprintf(silent_server, sizeof(silent_server), "127.0.0.1:%d", sport);
	if (!bin)
		return 0;
	/* A free port: take one from the kernel, let it go, give it to
	 * dnsmasq (a race only with other tests binding the same moment). */
	if ((fd = udp_bound(&dns_port)) < 0)
		return -1;
	close(fd);
	snprintf(portarg, sizeof(portarg), "--port=%d", dns_port);
	snprintf(dns_server, sizeof(dns_server), "127.0.0.1:%d", dns_port);
	dnsmasq_pid = fork();
	if (dnsmasq_pid == 0) {
		/* Die with this test even if it crashes, and hold none of
		 * ctest's pipes (ctest would wait for dnsmasq to close them). */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execl(bin, "dnsmasq", "--no-daemon", portarg, "--listen-address=127.0.0.1",
		      "--bind-interfaces", "--no-resolv", "--no-hosts", "--log-facility=/dev/null",
		      "--local-ttl=300", "--local=/in-addr.arpa/", "--local=/ip6.arpa/",
		      "--ptr-record=211.72.249.66.in-addr.arpa,crawl-66-249-72-211.googlebot.com",
		      "--ptr-record=43.208.104.100.in-addr.arpa,laptop.example-tailnet.ts.net",
		      "--ptr-record=b.2.0.d.8.6.2.6.6.9.d.c.3.4.8.4.2.1.b.a.0.e.1.a.c.5.1.1.a.7.d.f."
		      "ip6.arpa,laptop.example-tailnet.ts.net",
		      "--ptr-record=1.0.0.10.in-addr.arpa,gw.lan", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 100 && !tcp_up(dns_port); i++)
		usleep(20000);
	if (!tcp_up(dns_port)) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
		dnsmasq_pid = 0;
		return -1;
	}
	return 0;
}

static int stop_servers(void **state)
{
	(void)state;
	if (dnsmasq_pid > 0) {
		kill(dnsmasq_pid, SIGTERM);
		waitpid(dnsmasq_pid, NULL, 0);
	}
	if (silent_fd >= 0)
		close(silent_fd);
	return 0;
}

static struct fsc_rdns *mk(const char *server, unsigned timeout_ms)
{
	struct fsc_rdns_config cfg;
	char err[256];

	fsc_rdns_config_init(&cfg);
	cfg.server = server;
	cfg.timeout_ms = timeout_ms;
	struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
	if (!r)
		fail_msg("fsc_rdns_new: %s", err);
	return r;
}

#define NEED_DNSMASQ()                                                   \
	do {                                                             \
		if (dnsmasq_pid <= 0)                                    \
			skip(); /* dnsmasq not installed */              \
	} while (0)

static void found_by_event_loop(void **state)
{
	(void)state;
	NEED_DNSMASQ();
	struct fsc_rdns *r = mk(dns_server, 2000);
	struct fsc_addr a = A("66.249.72.211");
	char name[FSC_DNS_NAME_MAX];
	uint32_t ttl;
	struct fsc_rdns_stats st;

	assert_int_equal(fsc_rdns_lookup(r, &a, name, sizeof(name), &ttl), FSC_RDNS_PENDING);
	assert_string_equal(name, "");
	assert_int_equal(fsc_rdns_pending(r), 1);
	/* The caller's own loop: poll the resolver's fds with its timeout. */
	uint64_t end = ms() + 3000;
	while (fsc_rdns_pending(r) && ms() < end) {
		struct pollfd fds[16];
		int n = fsc_rdns_pollfds(r, fds, 16);
		int t = fsc_rdns_timeout_ms(r, 1000);
		assert_true(n >= 1);
		assert_true(t >= 0 && t <= 1000);
		poll(fds, (nfds_t)n, t);
		fsc_rdns_step(r, fds, n);
	}
	assert_int_equal(fsc_rdns_lookup(r, &a, name, sizeof(name), &ttl), FSC_RDNS_FOUND);
	assert_string_equal(name, "crawl-66-249-72-211.googlebot.com");
	assert_true(ttl > 290 && ttl <= 300); /* --local-ttl=300 */
	/* Cached: no second query. A short buffer gets a cut, terminated name. */
	char small[6];
	assert_int_equal(fsc_rdns_lookup(r, &a, small, sizeof(small), NULL), FSC_RDNS_FOUND);
	assert_string_equal(small, "crawl");
	/* IPv4-mapped asks for the IPv4 name, from the same cache entry. */
	struct fsc_addr m = A("::ffff:66.249.72.211");
	assert_int_equal(fsc_rdns_lookup(r, &m, name, sizeof(name), NULL), FSC_RDNS_FOUND);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.queries, 1);
	assert_int_equal(st.hits, 3);
	assert_int_equal(st.found, 1);
	fsc_rdns_free(r);
}

static void tailscale_names_with_named_server(void **state)
{
	(void)state;
	NEED_DNSMASQ();
	struct fsc_rdns *r = mk(dns_server, 2000);
	const char *addrs[] = { "100.104.208.43", "fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b",
				"10.0.0.1" };
	const char *want[] = { "laptop.example-tailnet.ts.net", "laptop.example-tailnet.ts.net",
			       "gw.lan" };
	char name[FSC_DNS_NAME_MAX];

	for (int i = 0; i < 3; i++) {
		struct fsc_addr a = A(addrs[i]);
		assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	}
	assert_int_equal(fsc_rdns_drain(r, 3000), 0);
	for (int i = 0; i < 3; i++) {
		struct fsc_addr a = A(addrs[i]);
		assert_int_equal(fsc_rdns_peek(r, &a, name, sizeof(name), NULL), FSC_RDNS_FOUND);
		assert_string_equal(name, want[i]);
	}
	fsc_rdns_free(r);
}

static void negative_cache(void **state)
{
	(void)state;
	NEED_DNSMASQ();
	struct fsc_rdns *r = mk(dns_server, 2000);
	struct fsc_addr a = A("66.249.72.212");
	struct fsc_rdns_stats st;
	uint32_t ttl;

	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	assert_int_equal(fsc_rdns_drain(r, 3000), 0);
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, &ttl), FSC_RDNS_NONE);
	assert_true(ttl > 0);
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_NONE);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.queries, 1); /* the "no" was remembered */
	assert_int_equal(st.none, 1);
	assert_int_equal(st.hits, 2);
	fsc_rdns_free(r);
}

static void ttl_expiry_asks_again(void **state)
{
	(void)state;
	NEED_DNSMASQ();
	struct fsc_rdns_config cfg;
	char err[128];
	struct fsc_rdns_stats st;

	fsc_rdns_config_init(&cfg);
	cfg.server = dns_server;
	cfg.min_ttl = 0;
	cfg.max_ttl = 1; /* clamp dnsmasq's 300 s to 1 s */
	struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	struct fsc_addr a = A("66.249.72.211");
	fsc_rdns_lookup(r, &a, NULL, 0, NULL);
	fsc_rdns_drain(r, 3000);
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_FOUND);
	usleep(1100 * 1000);
	assert_int_equal(fsc_rdns_peek(r, &a, NULL, 0, NULL), FSC_RDNS_SKIPPED); /* expired */
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	fsc_rdns_drain(r, 3000);
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_FOUND);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.queries, 2);
	fsc_rdns_free(r);
}

static void policy(void **state)
{
	(void)state;
	struct fsc_rdns_config cfg;
	char err[128];
	struct fsc_rdns_stats st;
	const char *priv[] = { "10.0.0.1", "100.104.208.43", "fd7a:115c:a1e0::1", "fd00::1",
			       "192.168.1.1", "127.0.0.1", "169.254.1.1", "198.18.0.1" };

	/* No named server: only public addresses may be asked about. (The
	 * system resolver is never reached here: nothing public is asked.) */
	fsc_rdns_config_init(&cfg);
	struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++) {
		struct fsc_addr a = A(priv[i]);
		assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_SKIPPED);
	}
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.queries, 0);
	assert_int_equal(st.skipped, sizeof(priv) / sizeof(priv[0]));
	fsc_rdns_free(r);

	/* Named server, but PUBLIC policy: still skipped. Unspecified and
	 * multicast are never asked about, whatever the policy. */
	cfg.server = silent_server;
	cfg.policy = FSC_RDNS_POLICY_PUBLIC;
	r = fsc_rdns_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	struct fsc_addr a = A("10.0.0.1");
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_SKIPPED);
	fsc_rdns_free(r);
	cfg.policy = FSC_RDNS_POLICY_ALL;
	r = fsc_rdns_new(&cfg, err, sizeof(err));
	const char *never[] = { "0.0.0.0", "::", "224.0.0.1", "ff02::1" };
	for (size_t i = 0; i < 4; i++) {
		a = A(never[i]);
		assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_SKIPPED);
	}
	struct fsc_addr none;
	memset(&none, 0, sizeof(none));
	assert_int_equal(fsc_rdns_lookup(r, &none, NULL, 0, NULL), FSC_RDNS_SKIPPED);
	fsc_rdns_free(r);
}

static void silent_server_times_out(void **state)
{
	(void)state;
	struct fsc_rdns *r = mk(silent_server, 500);
	struct fsc_addr a = A("66.249.72.211");
	struct fsc_rdns_stats st;

	uint64_t t0 = ms();
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	assert_true(ms() - t0 < 50); /* lookup never waits */
	assert_true(fsc_rdns_timeout_ms(r, 10000) <= 500);
	assert_int_equal(fsc_rdns_drain(r, 5000), 0);
	uint64_t took = ms() - t0;
	/* Not before the timeout; after it by no more than scheduling slack
	 * on a busy two-core machine. */
	if (took < 450 || took > 1200)
		fail_msg("gave up after %llu ms, want about 500", (unsigned long long)took);
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_FAILED);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.timeouts, 1);
	assert_int_equal(st.failed, 1);
	/* drain is bounded by its own argument too. */
	struct fsc_addr b = A("66.249.72.213");
	fsc_rdns_lookup(r, &b, NULL, 0, NULL);
	t0 = ms();
	assert_int_equal(fsc_rdns_drain(r, 100), 1);
	took = ms() - t0;
	assert_true(took >= 90 && took < 600);
	fsc_rdns_free(r); /* with a query in flight: no callback, no leak */
}

static void inflight_bound(void **state)
{
	(void)state;
	struct fsc_rdns_config cfg;
	char err[128];
	struct fsc_rdns_stats st;

	fsc_rdns_config_init(&cfg);
	cfg.server = silent_server;
	cfg.timeout_ms = 300;
	cfg.max_inflight = 2;
	struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	for (int i = 1; i <= 5; i++) {
		char s[32];
		snprintf(s, sizeof(s), "66.249.72.%d", i);
		struct fsc_addr a = A(s);
		assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	}
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.inflight, 2);
	assert_int_equal(st.queued, 3);
	assert_int_equal(st.queries, 2);
	assert_int_equal(fsc_rdns_pending(r), 5);
	/* Three waves of at most 300 ms each. */
	uint64_t t0 = ms();
	assert_int_equal(fsc_rdns_drain(r, 3000), 0);
	assert_true(ms() - t0 < 1500);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.queries, 5);
	assert_int_equal(st.failed, 5);
	fsc_rdns_free(r);
}

static void cache_bound(void **state)
{
	(void)state;
	struct fsc_rdns_config cfg;
	char err[128];
	struct fsc_rdns_stats st;

	/* One bucket of 8: eight pending lookups fill it, the ninth is FULL. */
	fsc_rdns_config_init(&cfg);
	cfg.server = silent_server;
	cfg.cache_size = 8;
	cfg.timeout_ms = 200;
	struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
	assert_non_null(r);
	for (int i = 1; i <= 9; i++) {
		char s[32];
		snprintf(s, sizeof(s), "66.249.72.%d", i);
		struct fsc_addr a = A(s);
		assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL),
				 i <= 8 ? FSC_RDNS_PENDING : FSC_RDNS_FULL);
	}
	/* Once they have failed (and are cached as such), a new address
	 * evicts the least recently used one. */
	fsc_rdns_drain(r, 2000);
	struct fsc_addr a = A("66.249.72.9");
	assert_int_equal(fsc_rdns_lookup(r, &a, NULL, 0, NULL), FSC_RDNS_PENDING);
	fsc_rdns_get_stats(r, &st);
	assert_int_equal(st.full, 1);
	assert_int_equal(st.evictions, 1);
	a = A("66.249.72.1"); /* the oldest: gone */
	assert_int_equal(fsc_rdns_peek(r, &a, NULL, 0, NULL), FSC_RDNS_SKIPPED);
	a = A("66.249.72.2");
	assert_int_equal(fsc_rdns_peek(r, &a, NULL, 0, NULL), FSC_RDNS_FAILED);
	fsc_rdns_free(r);
}

static void bad_servers(void **state)
{
	(void)state;
	static const struct {
		const char *s, *err;
	} b[] = {
		{ "dns.example", "DNS server 'dns.example': not an IP address (names are not "
				 "resolved here)" },
		{ "dns.example:53", "DNS server 'dns.example:53': not an IP address (names are "
				    "not resolved here)" },
		{ "1.2.3.4:0", "DNS server '1.2.3.4:0': port must be 1 to 65535" },
		{ "1.2.3.4:65536", "DNS server '1.2.3.4:65536': port must be 1 to 65535" },
		{ "1.2.3.4:", "DNS server '1.2.3.4:': port must be 1 to 65535" },
		{ "1.2.3.4:+5", "DNS server '1.2.3.4:+5': port must be 1 to 65535" },
		{ "[::1", "DNS server '[::1': missing ']'" },
		{ "[::1]x", "DNS server '[::1]x': expected ':PORT' after ']'" },
		{ "[1.2.3.4]:53", "DNS server '[1.2.3.4]:53': not an IP address (names are not "
				  "resolved here)" },
		{ "", "DNS server '': not an IP address" },
	};
	for (size_t i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		struct fsc_rdns_config cfg;
		char err[256] = "";
		fsc_rdns_config_init(&cfg);
		cfg.server = b[i].s;
		struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
		if (r)
			fail_msg("'%s' accepted", b[i].s);
		assert_string_equal(err, b[i].err);
	}
	/* Good forms. */
	const char *good[] = { "127.0.0.1", "127.0.0.1:5353", "::1", "[::1]", "[::1]:5353" };
	for (size_t i = 0; i < 5; i++) {
		struct fsc_rdns_config cfg;
		char err[256];
		fsc_rdns_config_init(&cfg);
		cfg.server = good[i];
		struct fsc_rdns *r = fsc_rdns_new(&cfg, err, sizeof(err));
		if (!r)
			fail_msg("'%s': %s", good[i], err);
		fsc_rdns_free(r);
	}
	assert_string_equal(fsc_rdns_state_name(FSC_RDNS_FULL), "full");
	assert_string_equal(fsc_rdns_state_name((enum fsc_rdns_state)99), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found_by_event_loop),
		cmocka_unit_test(tailscale_names_with_named_server),
		cmocka_unit_test(negative_cache),
		cmocka_unit_test(ttl_expiry_asks_again),
		cmocka_unit_test(policy),
		cmocka_unit_test(silent_server_times_out),
		cmocka_unit_test(inflight_bound),
		cmocka_unit_test(cache_bound),
		cmocka_unit_test(bad_servers),
	};
	return cmocka_run_group_tests(tests, start_servers, stop_servers);
}
