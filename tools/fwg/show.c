/* show.c - `fwg show`: a running tunnel's state through its control socket,
 * rendered three ways from one model (wg show's pretty and dump forms, and
 * JSON lines with our counters). */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "fsc/jsonw.h"
#include "fwg.h"

/* The engine's counters by name: one table for every rendering. */
static const struct {
	const char *name;
	size_t off;
} counters[] = {
#define C(f) { #f, offsetof(struct fsc_wgengine_stats, f) }
	C(rx_datagrams),     C(tx_datagrams),	   C(handshakes_initiated),
	C(handshakes_completed), C(cookies_sent),   C(cookies_received), C(mac2_valid),
	C(under_load_drops), C(bad_mac1),	   C(bad_auth),
	C(unknown_peer),     C(unknown_index),	   C(replays),
	C(bad_inner_source), C(not_wireguard),	   C(no_route), C(too_long),
	C(queue_drops),	     C(initiation_flood),
#undef C
};

static uint64_t counter(const struct fsc_wgengine_stats *st, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)st + counters[i].off, sizeof(v));
	return v;
}

static void allowed_list(FILE *out, const struct fsc_wgconf *c,
			 const struct fsc_wgengine_peer_info *pi, const char *sep)
{
	char b[FSC_PREFIX_STRLEN];

	if (!pi->allowed_n)
		fputs("(none)", out);
	for (size_t k = 0; k < pi->allowed_n; k++)
		fprintf(out, "%s%s", k ? sep : "",
			fsc_prefix_str(&c->allowed[pi->allowed_first + k], b));
}

/* One peer as a JSON line. "endpoint" keeps its "ADDR:PORT" (null: none)
 * and the endpoint rule (fsc/jsonw.h) adds endpoint_addr, endpoint_port. */
static void json_peer(struct fsc_jsonw *w, const struct fsc_wgconf *c,
		      const struct fsc_wgengine_peer_info *pi, const char *key, long long hs)
{
	char b[FSC_PREFIX_STRLEN];

	fsc_jsonw_object_begin(w);
	fsc_jsonw_token(w, "type", "peer");
	fsc_jsonw_token(w, "public_key", key);
	if (pi->has_endpoint) {
		fsc_jsonw_endpoint_text(w, "endpoint", &pi->endpoint, pi->endpoint_port);
		fsc_jsonw_endpoint(w, "endpoint_addr", "endpoint_port", &pi->endpoint,
				   pi->endpoint_port);
	} else {
		fsc_jsonw_null(w, "endpoint");
	}
	fsc_jsonw_array_begin(w, "allowed_ips");
	for (size_t k = 0; k < pi->allowed_n; k++)
		fsc_jsonw_token(w, NULL, fsc_prefix_str(&c->allowed[pi->allowed_first + k], b));
	fsc_jsonw_array_end(w);
	fsc_jsonw_i64(w, "latest_handshake", hs);
	fsc_jsonw_u64(w, "rx_bytes", pi->rx_bytes);
	fsc_jsonw_u64(w, "tx_bytes", pi->tx_bytes);
	fsc_jsonw_u64(w, "persistent_keepalive", pi->persistent_keepalive);
	fsc_jsonw_u64(w, "handshakes", pi->handshakes);
	fsc_jsonw_u64(w, "keepalives_sent", pi->keepalives_sent);
	fsc_jsonw_line_end(w);
}

void show_render(FILE *out, const char *format, struct fsc_wgengine *eng)
{
	struct fsc_outbuf ob;
	struct fsc_jsonw w;
	char line[4096];
	const struct fsc_wgconf *c = fsc_wgengine_conf(eng);
	const struct fsc_wgengine_stats *st = fsc_wgengine_stats(eng);
	uint8_t pub[FSC_WG_KEY_LEN];
	char k[FSC_WG_KEY_B64LEN + 1], ep[FSC_ENDPOINT_STRLEN];
	bool dump = !strcmp(format, "dump"), json = !strcmp(format, "json");
	time_t now = time(NULL);

	/* A line at a time through a small array: a peer's line is far
	 * shorter than it, and each is written as it ends. */
	fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
	ob.line_flush = true;
	fsc_jsonw_init(&w, &ob);
	fsc_wgengine_public_key(eng, pub);
	fsc_wgconf_key_write(pub, k);
	if (dump) {
		fprintf(out, "(hidden)\t%s\t%u\toff\n", k, fsc_wgengine_listen_port(eng));
	} else if (json) {
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "interface");
		fsc_jsonw_token(&w, "public_key", k);
		fsc_jsonw_u64(&w, "listen_port", fsc_wgengine_listen_port(eng));
		for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
			fsc_jsonw_u64(&w, counters[i].name, counter(st, i));
		fsc_jsonw_line_end(&w);
	} else {
		fprintf(out, "interface:\n  public key: %s\n  private key: (hidden)\n"
			     "  listening port: %u\n",
			k, fsc_wgengine_listen_port(eng));
		for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
			if (counter(st, i))
				fprintf(out, "  %s: %llu\n", counters[i].name,
					(unsigned long long)counter(st, i));
	}
	for (size_t i = 0; i < fsc_wgengine_peer_count(eng); i++) {
		struct fsc_wgengine_peer_info pi;
		long long hs;

		fsc_wgengine_peer_info(eng, i, &pi);
		fsc_wgconf_key_write(pi.public_key, k);
		if (pi.has_endpoint)
			fsc_endpoint_str(&pi.endpoint, pi.endpoint_port, ep);
		else
			strcpy(ep, "(none)");
		hs = (long long)(pi.last_handshake_unix_ns / 1000000000u);
		if (dump) {
			fprintf(out, "%s\t%s\t%s\t", k, pi.has_preshared_key ? "(hidden)" : "(none)",
				ep);
			allowed_list(out, c, &pi, ",");
			fprintf(out, "\t%lld\t%llu\t%llu\t", hs, (unsigned long long)pi.rx_bytes,
				(unsigned long long)pi.tx_bytes);
			if (pi.persistent_keepalive)
				fprintf(out, "%u\n", pi.persistent_keepalive);
			else
				fputs("off\n", out);
		} else if (json) {
			json_peer(&w, c, &pi, k, hs);
		} else {
			fprintf(out, "\npeer: %s\n", k);
			if (pi.has_preshared_key)
				fputs("  preshared key: (hidden)\n", out);
			if (pi.has_endpoint)
				fprintf(out, "  endpoint: %s\n", ep);
			fputs("  allowed ips: ", out);
			allowed_list(out, c, &pi, ", ");
			fputc('\n', out);
			if (hs)
				fprintf(out, "  latest handshake: %lld seconds ago\n",
					(long long)now - hs);
			fprintf(out, "  transfer: %llu B received, %llu B sent\n",
				(unsigned long long)pi.rx_bytes, (unsigned long long)pi.tx_bytes);
			if (pi.persistent_keepalive)
				fprintf(out, "  persistent keepalive: every %u seconds\n",
					pi.persistent_keepalive);
		}
	}
}

static void show_usage(FILE *f)
{
	fprintf(f,
		"Usage: %s show SOCKET [pretty|dump|json]\n\n"
		"Asks a running `fwg up --control SOCKET` for its state.\n"
		"  pretty  (default) like `wg show`, plus the engine's non-zero counters\n"
		"  dump    like `wg show dump`: one tab-separated line for the interface\n"
		"          (private-key public-key listen-port fwmark; the private key is\n"
		"          shown as (hidden)), then one a peer (public-key preshared-key\n"
		"          endpoint allowed-ips latest-handshake rx-bytes tx-bytes\n"
		"          persistent-keepalive)\n"
		"  json    JSON lines: {\"type\":\"interface\",\"public_key\",\"listen_port\",\n"
		"          and every counter: rx_datagrams tx_datagrams handshakes_initiated\n"
		"          handshakes_completed cookies_sent cookies_received mac2_valid\n"
		"          under_load_drops bad_mac1 bad_auth unknown_peer unknown_index replays\n"
		"          bad_inner_source not_wireguard no_route too_long queue_drops\n"
		"          initiation_flood}, then {\"type\":\"peer\",\"public_key\",\"endpoint\"\n"
		"          (\"ADDR:PORT\" or null),\"endpoint_addr\",\"endpoint_port\" (with an\n"
		"          endpoint),\"allowed_ips\":[...],\"latest_handshake\"\n"
		"          (unix seconds, 0 = never),\"rx_bytes\",\"tx_bytes\",\n"
		"          \"persistent_keepalive\" (seconds, 0 = off),\"handshakes\",\n"
		"          \"keepalives_sent\"} for each peer\n",
		PROG);
}

int cmd_show(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	const char *format = argc > 2 ? argv[2] : "pretty";
	char buf[4096];
	ssize_t n;
	int fd;

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		show_usage(stdout);
		return EXIT_OK;
	}
	if (argc < 2 || argc > 3 ||
	    (strcmp(format, "pretty") && strcmp(format, "dump") && strcmp(format, "json"))) {
		show_usage(stderr);
		return EXIT_USAGE;
	}
	if (strlen(argv[1]) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: show: '%s': path too long\n", PROG, argv[1]);
		return EXIT_USAGE;
	}
	strcpy(sun.sun_path, argv[1]);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		fprintf(stderr, "%s: show: '%s': %s\n", PROG, argv[1], strerror(errno));
		if (fd >= 0)
			close(fd);
		return EXIT_FAIL;
	}
	n = snprintf(buf, sizeof(buf), "%s\n", format);
	if (write(fd, buf, (size_t)n) != n) {
		fprintf(stderr, "%s: show: '%s': %s\n", PROG, argv[1], strerror(errno));
		close(fd);
		return EXIT_FAIL;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	close(fd);
	return EXIT_OK;
}
