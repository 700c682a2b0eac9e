/* main.c - fnode: the reference Funnel node. Options, setup, the loop;
 * `fnode status` is the serve-config lint of tools/funnel/lint.c. */
#include "cli.h"
#include "fnode.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "flog.h"
#include "lint.h"

enum { EXIT_USAGE = 2, EXIT_SETUP = 1 };

static const char usage[] =
	"usage: fnode --serve-config FILE --peerapi ADDR:PORT --edge ADDR [options]\n"
	"       fnode status --serve-config FILE [--name FQDN] [--certs DIR] [--json]\n"
	"\n"
	"The node of the reference Funnel pair. It accepts the edge's\n"
	"POST /v0/ingress on its PeerAPI listener with tailscaled's checks and\n"
	"answers, terminates the client's TLS with the certificate of its SNI and\n"
	"reverse-proxies HTTP to the backends of a tailscale ServeConfig (or\n"
	"forwards TCP, with optional PROXY protocol). One log line an event on\n"
	"stderr: ingress, ingress-refused, tls, tls-refused, sni-mismatch, request\n"
	"(the access log), bad-request, upstream-error, timeout, stats.\n"
	"\n"
	"  --serve-config FILE  tailscale ServeConfig JSON (`tailscale serve status\n"
	"                       --json`): TCP, Web Handlers (Proxy http://, Text,\n"
	"                       Path, Redirect), AllowFunnel, Foreground\n"
	"  --certs DIR          certificates as `tailscale cert` writes them:\n"
	"                       DIR/<name>.crt (leaf then chain), DIR/<name>.key\n"
	"  --name FQDN          this node's name (for `status`; default: the one\n"
	"                       name of the config's Web entries)\n"
	"  --peerapi ADDR:PORT  PeerAPI listener (repeatable); its ADDR:PORT is also\n"
	"                       a valid Host besides \"peer\"\n"
	"  --edge ADDR          tunnel address of a peer allowed to ingress\n"
	"                       (repeatable); others get 403 \"denied; no ingress cap\"\n"
	"  --any-edge           every peer may ingress (lab use)\n"
	"  --wg-config FILE     run the WireGuard engine with this wg(8) config\n"
	"                       (PrivateKey, ListenPort, Address, [Peer]s): the\n"
	"                       PeerAPI then listens on tunnel addresses, and\n"
	"                       --edge names the edges' tunnel addresses\n"
	"  --lwip               ... over a userspace TCP/IP stack, no root (default\n"
	"                       with --wg-config)\n"
	"  --tun NAME           ... over a TUN device NAME and the kernel's TCP (root)\n"
	"  --direct             no tunnel: kernel TCP (default without --wg-config)\n"
	"  --transport MODE     the same as one of the three: direct, lwip, tun\n"
	"  --wg-keylog FILE     WireGuard key log for tshark/fdecode (else\n"
	"                       $WG_KEYLOGFILE)\n"
	"  --debug-capture FILE write every tunnel-inner packet the node sends and\n"
	"                       receives to FILE (mode 0600) in `tailscale debug\n"
	"                       capture` format (pcap, LINKTYPE_USER0): fdecode\n"
	"                       decodes it, and --correlate joins it, with no key;\n"
	"                       a record a write, so a reader sees it at once\n"
	"  --debug-capture-size MIB\n"
	"                       stop writing FILE at this size (256; 1 to 1048576),\n"
	"                       logged once as debug-capture-full\n"
	"  --log FILE           log lines to FILE (appended) instead of stderr;\n"
	"                       SIGHUP opens FILE again (log rotation)\n"
	"  --log-json           log JSON lines: {\"ts\", \"event\", the same keys}\n"
	"  --access-log FILE    also an access log, appended, a line a request:\n"
	"                       fdecode's format with the ingress client as host;\n"
	"                       SIGHUP opens FILE again (log rotation)\n"
	"  --access-log-format combined|json\n"
	"                       NCSA combined (default; GoAccess reads it) or JSON\n"
	"  --metrics ADDR:PORT  serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	"                       (\":9477\" every address; port 0: one the kernel\n"
	"                       picks, logged); names in fnode(1), METRICS\n"
	"  --geoip-db FILE      MaxMind DB (repeatable): --metrics counts clients\n"
	"                       by country and AS too\n"
	"  --tls-keylog FILE    append TLS secrets (NSS key log, as SSLKEYLOGFILE)\n"
	"                       to FILE (mode 0600), a line flushed at a time, for\n"
	"                       fdecode/fwatch/tshark; the SSLKEYLOGFILE environment\n"
	"                       variable does the same (the option wins)\n"
	"  --head-timeout S     ingress head, TLS handshake, request head (10)\n"
	"  --idle-timeout S     keep-alive wait and a silent body stream (120);\n"
	"                       upgraded connections (WebSocket) are never cut\n"
	"  --connect-timeout S  backend connect, then 504 (5)\n"
	"  --response-timeout S backend response head, then 504 (60)\n"
	"  --max-headers N      header lines a head (100); more is 400\n"
	"  --max-head BYTES     request head size (32768); more is 400\n"
	"  --max-conns N        connections at once (4096); more are closed\n"
	"  --backend-pool N     keep up to N idle keep-alive backend connections for\n"
	"                       any client connection's next request, as\n"
	"                       tailscaled's proxy does (default: each client\n"
	"                       connection keeps its own)\n"
	"  -h, --help           this text;  --version  the version\n"
	"\n"
	"Exit: 0 stopped by SIGINT/SIGTERM, 1 setup failed, 2 usage.\n";

static volatile bool stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = true;
}

uint64_t fnode_timeout(const struct fnode *nd, enum wait_kind w)
{
	switch (w) {
	case W_HEAD:
		return nd->o.head_timeout_ms;
	case W_IDLE:
	case W_STREAM:
		return nd->o.idle_timeout_ms;
	case W_CONNECT:
		return nd->o.connect_timeout_ms;
	case W_RESPONSE:
		return nd->o.response_timeout_ms;
	default:
		return UINT64_MAX;
	}
}

static void on_peer(void *ctx, int fd, const struct fsc_addr *peer, uint16_t port)
{
	struct fnode *nd = ctx;

	if (nd->n_conns >= nd->o.max_conns) {
		nd->count.refused_limit++;
		close(fd);
		return;
	}
	conn_accept(nd, fd, peer, port);
}

static void stats_line(struct fnode *nd, const char *event)
{
	struct fsc_line l;

	fsc_line_begin(&l, event);
	fsc_line_u64(&l, "accepted", nd->count.accepted);
	fsc_line_u64(&l, "refused_limit", nd->count.refused_limit);
	fsc_line_u64(&l, "ingress_ok", nd->count.ingress_ok);
	fsc_line_u64(&l, "ingress_refused", nd->count.ingress_refused);
	fsc_line_u64(&l, "tls_ok", nd->count.tls_ok);
	fsc_line_u64(&l, "tls_failed", nd->count.tls_failed);
	fsc_line_u64(&l, "requests", nd->count.requests);
	fsc_line_u64(&l, "bad_requests", nd->count.bad_requests);
	fsc_line_u64(&l, "upstream_errors", nd->count.upstream_errors);
	fsc_line_u64(&l, "bytes_in", nd->count.bytes_in);
	fsc_line_u64(&l, "bytes_out", nd->count.bytes_out);
	fsc_line_u64(&l, "open", nd->n_conns);
	fsc_line_end(&l);
}

static void tick(void *ctx, uint64_t now)
{
	struct fnode *nd = ctx;
	char err[256];

	conn_tick(nd, now);
	if (!fsc_logfile_hangup())
		return;
	if (!fsc_log_reopen(err, sizeof(err)))
		fprintf(stderr, "fnode: --log: SIGHUP: '%s': %s\n", nd->o.log, err);
	fnode_access_reopen(nd);
}

static int parse_args(int argc, char **argv, struct fnode_opts *o)
{
	enum { O_SC = 256, O_CERTS, O_NAME, O_PEERAPI, O_EDGE, O_ANY, O_LOG, O_KEYLOG, O_HT, O_IT,
	       O_CT, O_RT, O_MH, O_MHB, O_MC, O_VERSION, O_LOGJSON, O_ACCESS, O_ACCESS_FMT,
	       O_METRICS, O_DEBUGCAP, O_DEBUGCAP_SIZE, O_POOL };
	static const struct option opts[] = {
		{ "serve-config", required_argument, NULL, O_SC },
		{ "certs", required_argument, NULL, O_CERTS },
		{ "name", required_argument, NULL, O_NAME },
		{ "peerapi", required_argument, NULL, O_PEERAPI },
		{ "edge", required_argument, NULL, O_EDGE },
		{ "any-edge", no_argument, NULL, O_ANY },
		{ "log", required_argument, NULL, O_LOG },
		{ "tls-keylog", required_argument, NULL, O_KEYLOG },
		{ "head-timeout", required_argument, NULL, O_HT },
		{ "idle-timeout", required_argument, NULL, O_IT },
		{ "connect-timeout", required_argument, NULL, O_CT },
		{ "response-timeout", required_argument, NULL, O_RT },
		{ "max-headers", required_argument, NULL, O_MH },
		{ "max-head", required_argument, NULL, O_MHB },
		{ "max-conns", required_argument, NULL, O_MC },
		{ "backend-pool", required_argument, NULL, O_POOL },
		{ "version", no_argument, NULL, O_VERSION },
		{ "log-json", no_argument, NULL, O_LOGJSON },
		{ "access-log", required_argument, NULL, O_ACCESS },
		{ "access-log-format", required_argument, NULL, O_ACCESS_FMT },
		{ "metrics", required_argument, NULL, O_METRICS },
		{ "debug-capture", required_argument, NULL, O_DEBUGCAP },
		{ "debug-capture-size", required_argument, NULL, O_DEBUGCAP_SIZE },
		FSC_FMETRICS_LONGOPTS,
		FSC_TRANSPORT_LONGOPTS,
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char name[32];
	unsigned v;
	int ch;

	o->head_timeout_ms = 10000;
	o->idle_timeout_ms = 120000;
	o->connect_timeout_ms = 5000;
	o->response_timeout_ms = 60000;
	o->max_headers = 100;
	o->max_head = 32768;
	o->max_conns = 4096;
	o->tc.debug_capture_max = 256ull << 20;
	o->tls_keylog = getenv("SSLKEYLOGFILE");
	if (o->tls_keylog && !*o->tls_keylog)
		o->tls_keylog = NULL;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case O_SC: o->serve_config = optarg; break;
		case O_CERTS: o->certs = optarg; break;
		case O_NAME: o->name = optarg; break;
		case O_PEERAPI:
			if (o->n_peerapi == FNODE_MAX_LISTEN)
				return fsc_cli_bad("fnode", EXIT_USAGE, "--peerapi", optarg,
						   "too many listeners (8)");
			o->peerapi[o->n_peerapi++] = optarg;
			break;
		case O_EDGE:
			if (o->n_edges == FNODE_MAX_EDGES)
				return fsc_cli_bad("fnode", EXIT_USAGE, "--edge", optarg,
						   "too many edges (32)");
			if (!fsc_addr_parse(optarg, &o->edges[o->n_edges]))
				return fsc_cli_bad("fnode", EXIT_USAGE, "--edge", optarg,
						   "not an IP address");
			o->n_edges++;
			break;
		case O_ANY: o->any_edge = true; break;
		case O_LOGJSON: fsc_log_json(true); break;
		case O_LOG: o->log = optarg; break;
		case O_ACCESS: o->access_log = optarg; break;
		case O_ACCESS_FMT:
			if (strcmp(optarg, "combined") == 0)
				o->access_format = FSC_ACCESSLOG_COMBINED;
			else if (strcmp(optarg, "json") == 0)
				o->access_format = FSC_ACCESSLOG_JSON;
			else
				return fsc_cli_bad("fnode", EXIT_USAGE, "--access-log-format", optarg,
						   "not combined or json");
			break;
		case O_KEYLOG: o->tls_keylog = optarg; break;
		case O_METRICS: o->metrics = optarg; break;
		case O_DEBUGCAP: o->tc.debug_capture = optarg; break;
		case O_DEBUGCAP_SIZE:
			if (!fsc_cli_uint("fnode", "--debug-capture-size", optarg, 1, 1048576, &v))
				return EXIT_USAGE;
			o->tc.debug_capture_max = (uint64_t)v << 20;
			break;
		case O_HT: case O_IT: case O_CT: case O_RT:
			snprintf(name, sizeof(name), "--%s", opts[ch - O_SC].name);
			if (!fsc_cli_uint("fnode", name, optarg, 1, 86400, &v))
				return EXIT_USAGE;
			v *= 1000;
			if (ch == O_HT) o->head_timeout_ms = v;
			else if (ch == O_IT) o->idle_timeout_ms = v;
			else if (ch == O_CT) o->connect_timeout_ms = v;
			else o->response_timeout_ms = v;
			break;
		case O_MH:
			if (!fsc_cli_uint("fnode", "--max-headers", optarg, 1, FNODE_HEADERS_MAX,
					  &o->max_headers))
				return EXIT_USAGE;
			break;
		case O_MHB:
			if (!fsc_cli_uint("fnode", "--max-head", optarg, 256, FSC_HTTP_HEAD_MAX,
					  &o->max_head))
				return EXIT_USAGE;
			break;
		case O_MC:
			if (!fsc_cli_uint("fnode", "--max-conns", optarg, 1, 1000000,
					  &o->max_conns))
				return EXIT_USAGE;
			break;
		case O_POOL:
			if (!fsc_cli_uint("fnode", "--backend-pool", optarg, 1, 4096,
					  &o->backend_pool))
				return EXIT_USAGE;
			break;
		case 'h':
			fputs(usage, stdout);
			exit(0);
		case O_VERSION:
			printf("fnode %s\n", FSC_VERSION);
			exit(0);
		default: {
			int m = fsc_fmetrics_option(&o->mo, "fnode", ch, optarg);
			if (m > 0 || fsc_transport_option(&o->tc, ch, optarg))
				break;
			if (m == 0)
				fputs(usage, stderr);
			return EXIT_USAGE;
		}
		}
	}
	if (optind < argc)
		return fsc_cli_bad("fnode", EXIT_USAGE, "argument", argv[optind], "unexpected");
	if (o->mo.n_geoip_db && !o->metrics)
		return fsc_cli_bad("fnode", EXIT_USAGE, "--geoip-db", o->mo.geoip_db[0],
				   "only --metrics uses it; give --metrics too");
	if (!o->serve_config) {
		fprintf(stderr, "fnode: --serve-config is required\n");
		return EXIT_USAGE;
	}
	if (o->n_peerapi == 0) {
		fprintf(stderr, "fnode: --peerapi is required\n");
		return EXIT_USAGE;
	}
	if (o->n_edges == 0 && !o->any_edge) {
		fprintf(stderr, "fnode: --edge ADDR (or --any-edge) is required\n");
		return EXIT_USAGE;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct fnode nd;
	char err[512];
	size_t i;
	int rc;

	if (argc > 1 && strcmp(argv[1], "status") == 0)
		return fsc_lint_main("fnode status", argc - 1, argv + 1);
	rc = parse_args(argc, argv, &nd.o);
	if (rc)
		return rc;
	if (nd.o.backend_pool && !(nd.pool = calloc(nd.o.backend_pool, sizeof(*nd.pool)))) {
		fputs("fnode: out of memory for --backend-pool\n", stderr);
		return EXIT_SETUP;
	}
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (nd.o.log && !fsc_log_open(nd.o.log, err, sizeof(err))) {
		fprintf(stderr, "fnode: --log: '%s': %s\n", nd.o.log, err);
		return EXIT_SETUP;
	}
	if (!fnode_access_open(&nd))
		return EXIT_SETUP;
	/* Log rotation; without a file to reopen, SIGHUP ends fnode. */
	if (fsc_logfile_is_file(nd.o.log) || fsc_logfile_is_file(nd.o.access_log))
		fsc_logfile_catch_hangup();
	if (!fsc_serveconf_load(nd.o.serve_config, &nd.sc, err, sizeof(err))) {
		fprintf(stderr, "fnode: --serve-config: '%s': %s\n", nd.o.serve_config, err);
		return EXIT_SETUP;
	}
	if (!tls_setup(&nd, err, sizeof(err))) {
		fprintf(stderr, "fnode: tls: %s\n", err);
		return EXIT_SETUP;
	}
	nd.loop = fsc_loop_new();
	if (!nd.loop) {
		fprintf(stderr, "fnode: out of memory\n");
		return EXIT_SETUP;
	}
	nd.tr = fsc_transport_open(&nd.o.tc, nd.loop, err, sizeof(err));
	if (!nd.tr) {
		fprintf(stderr, "fnode: tunnel: %s\n", err);
		return EXIT_SETUP;
	}
	for (i = 0; i < nd.o.n_peerapi; i++) {
		struct fsc_line l;

		if (!fsc_transport_listen(nd.tr, nd.o.peerapi[i], on_peer, &nd, err, sizeof(err))) {
			fprintf(stderr, "fnode: --peerapi: '%s': %s\n", nd.o.peerapi[i], err);
			return EXIT_SETUP;
		}
		snprintf(nd.own_host_buf[i], sizeof(nd.own_host_buf[i]), "%s", nd.o.peerapi[i]);
		nd.own_hosts[i].p = nd.own_host_buf[i];
		nd.own_hosts[i].len = strlen(nd.own_host_buf[i]);
		nd.n_own++;
		fsc_line_begin(&l, "listening");
		fsc_line_cstr(&l, "peerapi", nd.o.peerapi[i]);
		fsc_line_cstr(&l, "transport", fsc_transport_mode(nd.tr));
		fsc_line_u64(&l, "web", nd.sc.n_web);
		fsc_line_u64(&l, "funnel", nd.sc.n_funnel);
		fsc_line_end(&l);
	}
	if (nd.o.metrics && !fnode_metrics_open(&nd, err, sizeof(err))) {
		fprintf(stderr, "fnode: --metrics: '%s': %s\n", nd.o.metrics, err);
		return EXIT_SETUP;
	}
	fsc_loop_tick(nd.loop, tick, &nd, 250);
	rc = fsc_loop_run(nd.loop, &stop);
	stats_line(&nd, "stats");
	while (nd.conns)
		conn_free(nd.conns);
	backend_pool_close(&nd);
	fnode_metrics_close(&nd);
	fnode_access_close(&nd);
	fsc_transport_close(nd.tr);
	fsc_loop_free(nd.loop);
	tls_teardown(&nd);
	fsc_serveconf_free(&nd.sc);
	return rc < 0 ? EXIT_SETUP : 0;
}
