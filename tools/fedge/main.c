#define _GNU_SOURCE 1 /* accept4 */
/* main.c - fedge: the reference Funnel edge. Options, listeners, the loop. */
#include "cli.h"
#include "fedge.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "flog.h"
#include "logfile.h"

enum { EXIT_SETUP = 1, EXIT_USAGE = 2 };

static const char usage[] =
	"usage: fedge --listen ADDR:PORT --route NAME=NODE [options]\n"
	"\n"
	"The edge of the reference Funnel pair. It reads the public client's TLS\n"
	"ClientHello (any record/segment split, bounded in bytes and time), routes\n"
	"its server_name to a node, sends the node the ingress request\n"
	"(POST /v0/ingress with Tailscale-Ingress-Src and -Target), waits for the\n"
	"101 and only then forwards the buffered ClientHello and splices both ways.\n"
	"It never decrypts. One log line a connection on stderr (event \"conn\",\n"
	"with outcome: proxied, not-tls, bad-hello, no-sni, unknown-sni,\n"
	"hello-timeout, hello-too-large, client-gone, node-unreachable,\n"
	"node-refused, node-timeout, bad-proxy-header, rate-limited, conn-limit,\n"
	"idle-timeout) and a \"stats\" line with the counters at exit and on SIGUSR1.\n"
	"\n"
	"  --listen ADDR:PORT     public listener (repeatable); its port is the\n"
	"                         port of Tailscale-Ingress-Target\n"
	"  --route NAME=NODE      server_name NAME (or *.DOMAIN: one label) goes to\n"
	"                         the node whose PeerAPI is NODE (ip:port)\n"
	"  --accept-proxy         the listener is behind a load balancer that sends\n"
	"                         a PROXY v1/v2 header; its source is the client\n"
	"  --host-peer            send \"Host: peer\" (default: the node's ip:port)\n"
	"  --wg-config FILE       run the WireGuard engine with this wg(8) config:\n"
	"                         NODE is then a tunnel address (node's PeerAPI)\n"
	"  --lwip                 ... over a userspace TCP/IP stack, no root\n"
	"                         (default with --wg-config)\n"
	"  --tun NAME             ... over a TUN device NAME, kernel TCP (root)\n"
	"  --direct               no tunnel: kernel TCP to NODE (default without\n"
	"                         --wg-config); --transport MODE: one of the three\n"
	"  --wg-keylog FILE       WireGuard key log (else $WG_KEYLOGFILE)\n"
	"  --hello-timeout S      whole ClientHello within S seconds (5)\n"
	"  --hello-max BYTES      ClientHello bytes buffered at most (16384)\n"
	"  --node-timeout S       node connect and answer (10)\n"
	"  --idle-timeout S       spliced connection with no bytes either way (300)\n"
	"  --max-conns N          connections at once (4096)\n"
	"  --rate N               new connections a second from one source (0: off)\n"
	"  --burst N              ... with bursts up to N (default: the rate)\n"
	"  --log FILE             log lines to FILE (appended) instead of stderr;\n"
	"                         SIGHUP opens FILE again (log rotation)\n"
	"  --log-json             log JSON lines: {\"ts\", \"event\", the same keys}\n"
	"  --metrics ADDR:PORT    serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	"                         (\":9477\" every address; port 0: one the kernel\n"
	"                         picks, logged); names in fedge(1), METRICS\n"
	"  --geoip-db FILE        MaxMind DB (repeatable): --metrics counts clients\n"
	"                         by country and AS too\n"
	"  -h, --help; --version\n"
	"\n"
	"Alerts sent before closing: unrecognized_name (no or unknown SNI),\n"
	"decode_error (malformed or oversized hello), access_denied (node 403),\n"
	"internal_error (node unreachable, refused otherwise, or silent); plain\n"
	"HTTP gets a 400 in HTTP. Exit: 0 stopped by SIGINT/SIGTERM, 1 setup\n"
	"failed, 2 usage.\n";

static volatile bool stop, dump;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump = true;
	else
		stop = true;
}

static bool parse_route(const char *arg, struct route *r)
{
	const char *eq = strchr(arg, '=');
	size_t n;

	if (!eq || eq == arg)
		return false;
	n = (size_t)(eq - arg);
	if (n >= sizeof(r->name) || strlen(eq + 1) >= sizeof(r->node))
		return false;
	if (n > 2 && arg[0] == '*' && arg[1] == '.') {
		r->wildcard = true;
		memcpy(r->name, arg + 1, n - 1);	/* ".DOMAIN" */
		r->name[n - 1] = '\0';
	} else {
		memcpy(r->name, arg, n);
		r->name[n] = '\0';
		if (memchr(r->name, '*', n))
			return false;
	}
	snprintf(r->node, sizeof(r->node), "%s", eq + 1);
	return fsc_sockaddr_parse(r->node, &r->ss, &r->len);
}

struct listener {
	struct fedge *e;
	int fd;
	uint16_t port;
};

static void on_listen(void *ctx, int fd, short ev)
{
	struct listener *li = ctx;
	int i;

	(void)ev;
	for (i = 0; i < 64; i++) {
		struct sockaddr_storage peer;
		socklen_t len = sizeof(peer);
		int c = accept4(fd, (struct sockaddr *)&peer, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (c < 0)
			return;
		edge_accept(li->e, c, &peer, li->port);
	}
}

static void stats_line(struct fedge *e)
{
	struct fsc_line l;
	int i;

	fsc_line_begin(&l, "stats");
	fsc_line_u64(&l, "accepted", e->accepted);
	fsc_line_u64(&l, "open", e->n_conns);
	for (i = 0; i < OUT_COUNT; i++)
		fsc_line_u64(&l, fedge_outcome_names[i], e->outcomes[i]);
	fsc_line_u64(&l, "bytes_up", e->bytes_up);
	fsc_line_u64(&l, "bytes_down", e->bytes_down);
	fsc_line_end(&l);
}

static void tick(void *ctx, uint64_t now)
{
	struct fedge *e = ctx;
	char err[256];

	if (dump) {
		dump = false;
		stats_line(e);
	}
	edge_tick(e, now);
	if (fsc_logfile_hangup() && !fsc_log_reopen(err, sizeof(err)))
		fprintf(stderr, "fedge: --log: SIGHUP: '%s': %s\n", e->o.log, err);
}

static int parse_args(int argc, char **argv, struct fedge_opts *o)
{
	enum { O_LISTEN = 256, O_ROUTE, O_PROXY, O_HOSTPEER, O_HT, O_HM, O_NT, O_IT, O_MC, O_RATE,
	       O_BURST, O_LOG, O_VERSION, O_LOGJSON, O_METRICS };
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, O_LISTEN },
		{ "route", required_argument, NULL, O_ROUTE },
		{ "accept-proxy", no_argument, NULL, O_PROXY },
		{ "host-peer", no_argument, NULL, O_HOSTPEER },
		{ "hello-timeout", required_argument, NULL, O_HT },
		{ "hello-max", required_argument, NULL, O_HM },
		{ "node-timeout", required_argument, NULL, O_NT },
		{ "idle-timeout", required_argument, NULL, O_IT },
		{ "max-conns", required_argument, NULL, O_MC },
		{ "rate", required_argument, NULL, O_RATE },
		{ "burst", required_argument, NULL, O_BURST },
		{ "log", required_argument, NULL, O_LOG },
		{ "version", no_argument, NULL, O_VERSION },
		{ "log-json", no_argument, NULL, O_LOGJSON },
		{ "metrics", required_argument, NULL, O_METRICS },
		FSC_FMETRICS_LONGOPTS,
		FSC_TRANSPORT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char name[32];
	unsigned v;
	int ch;

	o->hello_timeout_ms = 5000;
	o->node_timeout_ms = 10000;
	o->idle_timeout_ms = 300000;
	o->hello_max = 16384;
	o->max_conns = 4096;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_LISTEN:
			if (o->n_listen == FEDGE_MAX_LISTEN)
				return fsc_cli_bad("fedge", EXIT_USAGE, "--listen", optarg,
						   "too many listeners (8)");
			o->listen[o->n_listen++] = optarg;
			break;
		case O_ROUTE:
			if (o->n_routes == FEDGE_MAX_ROUTES)
				return fsc_cli_bad("fedge", EXIT_USAGE, "--route", optarg,
						   "too many routes (256)");
			if (!parse_route(optarg, &o->routes[o->n_routes]))
				return fsc_cli_bad("fedge", EXIT_USAGE, "--route", optarg,
						   "not NAME=IP:PORT or *.DOMAIN=IP:PORT");
			o->n_routes++;
			break;
		case O_PROXY: o->accept_proxy = true; break;
		case O_HOSTPEER: o->host_peer = true; break;
		case O_LOGJSON: fsc_log_json(true); break;
		case O_LOG: o->log = optarg; break;
		case O_METRICS: o->metrics = optarg; break;
		case O_HT: case O_NT: case O_IT:
			snprintf(name, sizeof(name), "--%s", opts[ch - O_LISTEN].name);
			if (!fsc_cli_uint("fedge", name, optarg, 1, 86400, &v))
				return EXIT_USAGE;
			v *= 1000;
			if (ch == O_HT) o->hello_timeout_ms = v;
			else if (ch == O_NT) o->node_timeout_ms = v;
			else o->idle_timeout_ms = v;
			break;
		case O_HM:
			if (!fsc_cli_uint("fedge", "--hello-max", optarg, 512, 65536,
					  &o->hello_max))
				return EXIT_USAGE;
			break;
		case O_MC:
			if (!fsc_cli_uint("fedge", "--max-conns", optarg, 1, 1000000,
					  &o->max_conns))
				return EXIT_USAGE;
			break;
		case O_RATE:
			if (!fsc_cli_uint("fedge", "--rate", optarg, 0, 1000000, &o->rate))
				return EXIT_USAGE;
			break;
		case O_BURST:
			if (!fsc_cli_uint("fedge", "--burst", optarg, 1, 1000000, &o->burst))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case O_VERSION:
			printf("fedge %s\n", FSC_VERSION);
			exit(0);
		default: {
			int m = fsc_fmetrics_option(&o->mo, "fedge", ch, optarg);
			if (m > 0 || fsc_transport_option(&o->tc, ch, optarg))
				break;
			if (m == 0)
				fputs(usage, stderr);
			return EXIT_USAGE;
		}
		}
	}
	if (optind < argc)
		return fsc_cli_bad("fedge", EXIT_USAGE, "argument", argv[optind], "unexpected");
	if (o->mo.n_geoip_db && !o->metrics)
		return fsc_cli_bad("fedge", EXIT_USAGE, "--geoip-db", o->mo.geoip_db[0],
				   "only --metrics uses it; give --metrics too");
	if (o->n_listen == 0 || o->n_routes == 0) {
		fprintf(stderr, "fedge: --listen and --route are required\n");
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct fedge e;
	struct listener li[FEDGE_MAX_LISTEN];
	char err[256];
	size_t i;
	int rc = parse_args(argc, argv, &e.o);

	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	if (e.o.log && !fsc_log_open(e.o.log, err, sizeof(err))) {
		fprintf(stderr, "fedge: --log: '%s': %s\n", e.o.log, err);
		return EXIT_SETUP;
	}
	/* Log rotation; without a file to reopen, SIGHUP ends fedge. */
	if (fsc_logfile_is_file(e.o.log))
		fsc_logfile_catch_hangup();
	e.loop = fsc_loop_new();
	if (!e.loop) {
		fprintf(stderr, "fedge: out of memory\n");
		return EXIT_SETUP;
	}
	e.tr = fsc_transport_open(&e.o.tc, e.loop, err, sizeof(err));
	if (!e.tr) {
		fprintf(stderr, "fedge: tunnel: %s\n", err);
		return EXIT_SETUP;
	}
	for (i = 0; i < e.o.n_listen; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		struct fsc_addr a;
		struct fsc_line l;

		li[i].e = &e;
		li[i].fd = fsc_tcp_listen(e.o.listen[i], 1024, err, sizeof(err));
		if (li[i].fd < 0) {
			fprintf(stderr, "fedge: --listen: '%s': %s\n", e.o.listen[i], err);
			return EXIT_SETUP;
		}
		fsc_sockaddr_parse(e.o.listen[i], &ss, &len);
		fsc_sockaddr_split(&ss, &a, &li[i].port);
		fsc_loop_watch(e.loop, li[i].fd, POLLIN, on_listen, &li[i]);
		fsc_line_begin(&l, "listening");
		fsc_line_cstr(&l, "public", e.o.listen[i]);
		fsc_line_cstr(&l, "transport", fsc_transport_mode(e.tr));
		fsc_line_u64(&l, "routes", e.o.n_routes);
		fsc_line_end(&l);
	}
	if (e.o.metrics && !fedge_metrics_open(&e, err, sizeof(err))) {
		fprintf(stderr, "fedge: --metrics: '%s': %s\n", e.o.metrics, err);
		return EXIT_SETUP;
	}
	fsc_loop_tick(e.loop, tick, &e, 250);
	rc = fsc_loop_run(e.loop, &stop);
	stats_line(&e);
	while (e.conns)
		edge_free(e.conns);
	for (i = 0; i < e.o.n_listen; i++)
		close(li[i].fd);
	free(e.buckets);
	fedge_metrics_close(&e);
	fsc_transport_close(e.tr);
	fsc_loop_free(e.loop);
	return rc < 0 ? EXIT_SETUP : 0;
}
