/* main.c - fdoctor: options, one run (resolve, probe, judge, report) or
 * --watch's loop of runs, and `fdoctor lint` (tools/funnel/lint.c, shared
 * with `fnode status`). */
#include "fdoctor.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "cli.h"
#include "fsc/num.h"
#include "lint.h"

static const char usage_text[] =
	"usage: fdoctor [-j] [-s SERVER]... [-r RESOLVER]... [-z ZONE [--ns-port PORT]]\n"
	"               [-p PORT] [--path PATH]\n"
	"               [--method METHOD] [--ca-file FILE] [--tailnet ADDR[:PORT]]\n"
	"               [--ingress ADDR:PORT] [-t SECONDS] [-w SECONDS [-c N]] HOSTNAME\n"
	"       fdoctor lint --serve-config FILE [--name FQDN] [--certs DIR] [--json]\n"
	"\n"
	"Probes a Funnel name from the outside, layer by layer, and names the one\n"
	"broken layer. It resolves HOSTNAME at each name server given, never\n"
	"through MagicDNS, and shows A and AAAA per server and any disagreement;\n"
	"then for every address: TCP connect, TLS with HOSTNAME as SNI (the\n"
	"ServerHello or the alert, chain, SAN, days left, ALPN), one HTTP\n"
	"request, each timed. --tailnet or --ingress adds the route that skips\n"
	"the edge, to tell a broken public path from a broken node or backend.\n"
	"\n"
	"  -s, --server ADDR[:PORT]    an authoritative server of the zone, asked\n"
	"                              without recursion (repeatable, up to 8)\n"
	"  -r, --resolver ADDR[:PORT]  a public resolver, asked with recursion\n"
	"                              (repeatable); with neither, the nameservers of\n"
	"                              /etc/resolv.conf except MagicDNS (100.100.100.100)\n"
	"  -z, --zone ZONE             also ask every authoritative server of ZONE: its\n"
	"                              NS and their addresses from the first resolver\n"
	"      --ns-port PORT          the port those servers listen on (53; labs)\n"
	"  -p, --port PORT             the Funnel port (443; 8443 and 10000 also open)\n"
	"      --path PATH             the request's path (/)\n"
	"      --method METHOD         GET (default) or HEAD; only the head is read\n"
	"      --ca-file FILE          verify the chain against FILE (default: the\n"
	"                              system store)\n"
	"      --tailnet ADDR[:PORT]   also TLS and HTTP straight to the node's tailnet\n"
	"                              address (100.x or fd7a:115c:a1e0::/48), port as -p\n"
	"      --ingress ADDR:PORT     also through the node's PeerAPI ingress as an\n"
	"                              edge would (POST /v0/ingress; needs the prober\n"
	"                              to be allowed as an edge: the reference pair)\n"
	"  -t, --timeout SECONDS       each step's bound: DNS per server, connect, TLS,\n"
	"                              response head (5; fractions allowed)\n"
	"  -j, --json                  one JSON object (with --watch: one a line)\n"
	"  -w, --watch SECONDS         probe every SECONDS, print a line when the\n"
	"                              verdict changes (and the first); until SIGINT\n"
	"  -c, --count N               with --watch: stop after N probes\n"
	"  -h, --help                  this text;  --version  the version\n"
	"\n"
	"Verdicts and exit status: 0 ok, 3 dns, 4 edge-unreachable,\n"
	"5 edge-closes-after-hello (unknown SNI, funnel off), 6 node-unreachable,\n"
	"7 node-refuses-ingress, 8 tls-failure-at-node (certificate),\n"
	"9 backend-error, 10 backend-timeout; 1 error, 2 usage. --watch exits\n"
	"with the last verdict's status. `fdoctor lint --help` for the lint.\n";

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

__attribute__((format(printf, 1, 2)))
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("fdoctor: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n", stderr);
	return FDOC_EXIT_USAGE;
}

static bool parse_seconds(const char *opt, const char *s, unsigned *ms)
{
	double v;

	if (!fsc_cli_double("fdoctor", opt, s, 0.01, 86400, &v))
		return false;
	*ms = (unsigned)(v * 1000 + 0.5);
	return true;
}

/* A port in "ADDR:PORT" (1 to 65535). */
static bool parse_port(const char *s, unsigned long *out)
{
	uint64_t v;

	if (fsc_num_parse(s, 1, 65535, &v) != FSC_NUM_OK)
		return false;
	*out = (unsigned long)v;
	return true;
}

/* "ADDR", "ADDR:PORT", "[V6]:PORT" with a default port. */
static bool split_route(const char *s, uint16_t def, char *addr, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	unsigned long v;
	size_t n;

	*port = def;
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || (end[1] && (end[1] != ':' || !parse_port(end + 2, &v))))
			return false;
		if (end[1])
			*port = (uint16_t)v;
		n = (size_t)(end - s - 1);
		s++;
	} else if (colon && strchr(s, ':') == colon) {	/* one colon: v4:port */
		if (!parse_port(colon + 1, &v))
			return false;
		*port = (uint16_t)v;
		n = (size_t)(colon - s);
	} else {
		n = strlen(s);
	}
	if (n == 0 || n >= cap)
		return false;
	memcpy(addr, s, n);
	addr[n] = '\0';
	return true;
}

static bool magicdns(const char *a)
{
	return strcmp(a, "100.100.100.100") == 0 || strcasecmp(a, "fd7a:115c:a1e0::53") == 0;
}

static int add_server(struct fdoc_opts *o, const char *a, bool auth)
{
	char ip[FDOC_ADDR_LEN];
	unsigned char buf[16];
	uint16_t port;

	if (o->n_servers == FDOC_MAX_SERVERS)
		return usage_error("--%s: '%s': at most %d servers", auth ? "server" : "resolver",
				   a, FDOC_MAX_SERVERS);
	if (strlen(a) >= sizeof(o->servers[0].addr) || !a[0])
		return usage_error("--%s: '%s': not ADDR[:PORT]", auth ? "server" : "resolver", a);
	if (magicdns(a))
		return usage_error("--%s: '%s': MagicDNS answers only inside the tailnet; give "
				   "a public server", auth ? "server" : "resolver", a);
	if (!split_route(a, 53, ip, sizeof(ip), &port) || (inet_pton(AF_INET, ip, buf) != 1 &&
							  inet_pton(AF_INET6, ip, buf) != 1))
		return usage_error("--%s: '%s': not an IP address with an optional port (the "
				   "zone's servers: dig +short NS ZONE)", auth ? "server" : "resolver",
				   a);
	snprintf(o->servers[o->n_servers].addr, sizeof(o->servers[0].addr), "%s", a);
	o->servers[o->n_servers++].auth = auth;
	return 0;
}

/* The system's resolvers, MagicDNS left out: it answers the tailnet's view. */
static void system_resolvers(struct fdoc_opts *o)
{
	FILE *f = fopen("/etc/resolv.conf", "r");
	char line[256], addr[sizeof(o->servers[0].addr)];

	while (f && fgets(line, sizeof(line), f) && o->n_servers < FDOC_MAX_SERVERS)
		if (sscanf(line, " nameserver %63s", addr) == 1 && !magicdns(addr)) {
			memcpy(o->servers[o->n_servers].addr, addr, sizeof(o->servers[0].addr));
			o->servers[o->n_servers++].auth = false;
		}
	if (f)
		fclose(f);
}

static const char *first_resolver(const struct fdoc_opts *o);

static int parse_args(int argc, char **argv, struct fdoc_opts *o)
{
	static const struct option opts[] = {
		{ "server", required_argument, NULL, 's' },
		{ "resolver", required_argument, NULL, 'r' },
		{ "zone", required_argument, NULL, 'z' },
		{ "ns-port", required_argument, NULL, 'N' },
		{ "port", required_argument, NULL, 'p' },
		{ "path", required_argument, NULL, 'P' },
		{ "method", required_argument, NULL, 'M' },
		{ "ca-file", required_argument, NULL, 'C' },
		{ "tailnet", required_argument, NULL, 'T' },
		{ "ingress", required_argument, NULL, 'I' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "watch", required_argument, NULL, 'w' },
		{ "count", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t n;
	int ch, rc;

	o->port = 443;
	o->ns_port = 53;
	o->path = "/";
	o->method = "GET";
	o->timeout_ms = 5000;
	while ((ch = getopt_long(argc, argv, "s:r:z:p:t:jw:c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'r':
			if ((rc = add_server(o, optarg, ch == 's')))
				return rc;
			break;
		case 'z':
			if (!optarg[0] || strlen(optarg) > 253 || strpbrk(optarg, "/: \t\r\n"))
				return usage_error("--zone: '%s': not a zone name", optarg);
			o->zone = optarg;
			break;
		case 'N':
			if (!fsc_cli_u64("fdoctor", "--ns-port", optarg, 1, 65535, &n))
				return FDOC_EXIT_USAGE;
			o->ns_port = (uint16_t)n;
			break;
		case 'p':
			if (!fsc_cli_u64("fdoctor", "--port", optarg, 1, 65535, &n))
				return FDOC_EXIT_USAGE;
			o->port = (uint16_t)n;
			break;
		case 'P':
			if (optarg[0] != '/' || strlen(optarg) > 2048 || strpbrk(optarg, " \r\n"))
				return usage_error("--path: '%s': not an absolute path without "
						   "spaces (at most 2048 bytes)", optarg);
			o->path = optarg;
			break;
		case 'M':
			if (strcmp(optarg, "GET") != 0 && strcmp(optarg, "HEAD") != 0)
				return usage_error("--method: '%s': GET or HEAD", optarg);
			o->method = optarg;
			break;
		case 'C': o->ca_file = optarg; break;
		case 'T': o->tailnet = optarg; break;
		case 'I': o->ingress = optarg; break;
		case 't':
			if (!parse_seconds("--timeout", optarg, &o->timeout_ms))
				return FDOC_EXIT_USAGE;
			break;
		case 'j': o->json = true; break;
		case 'w':
			if (!parse_seconds("--watch", optarg, &o->watch_ms))
				return FDOC_EXIT_USAGE;
			break;
		case 'c':
			if (!fsc_cli_u64("fdoctor", "--count", optarg, 1, 1000000000, &n))
				return FDOC_EXIT_USAGE;
			o->count = (unsigned)n;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			puts("fdoctor " FSC_VERSION);
			exit(0);
		default:
			fputs(usage_text, stderr);
			return FDOC_EXIT_USAGE;
		}
	}
	if (optind != argc - 1)
		return usage_error("%s", optind < argc ? "one HOSTNAME only" : "HOSTNAME is required");
	o->name = argv[optind];
	if (!o->name[0] || strlen(o->name) > 253 || strpbrk(o->name, "/: \t\r\n"))
		return usage_error("'%s': not a host name", o->name);
	if (o->count && !o->watch_ms)
		return usage_error("--count: only with --watch");
	if (o->n_servers == 0 || (o->zone && !first_resolver(o)))
		system_resolvers(o);
	if (o->n_servers == 0)
		return usage_error("no name server: give --server or --resolver (MagicDNS is "
				   "never asked)");
	if (o->zone && !first_resolver(o))
		return usage_error("--zone: '%s': needs a --resolver to find its servers", o->zone);
	return 0;
}

static const char *first_resolver(const struct fdoc_opts *o)
{
	size_t i;

	for (i = 0; i < o->n_servers; i++)
		if (!o->servers[i].auth)
			return o->servers[i].addr;
	return NULL;
}

static int run_once(const struct fdoc_opts *o, struct fdoc_run *r, char *err, size_t errlen)
{
	char addr[FDOC_ADDR_LEN];
	uint16_t port;
	size_t i;

	memset(r, 0, sizeof(*r));
	if (!fdoc_resolve(o, r, err, errlen))
		return FDOC_EXIT_ERROR;
	for (i = 0; i < r->n_addrs; i++)
		fdoc_probe(o, R_PUBLIC, r->addrs[i], o->port, &r->pub[i]);
	if (o->tailnet || o->ingress) {
		const char *s = o->tailnet ? o->tailnet : o->ingress;

		if (!split_route(s, o->port, addr, sizeof(addr), &port)) {
			snprintf(err, errlen, "--%s: '%s': not ADDR[:PORT]",
				 o->tailnet ? "tailnet" : "ingress", s);
			return FDOC_EXIT_USAGE;
		}
		fdoc_probe(o, o->tailnet ? R_TAILNET : R_INGRESS, addr, port, &r->direct);
		r->have_direct = true;
	}
	fdoc_judge(o, r);
	return 0;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = { (time_t)(ms / 1000), (long)(ms % 1000) * 1000000L };

	while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	static struct fdoc_opts o;
	static struct fdoc_run r;
	char err[300];
	unsigned n = 0;
	int rc, last = -1;

	if (argc > 1 && strcmp(argv[1], "lint") == 0)
		return fsc_lint_main("fdoctor lint", argc - 1, argv + 1);
	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		fprintf(stderr, "fdoctor: c-ares: %s\n", ares_strerror(rc));
		return FDOC_EXIT_ERROR;
	}
	if (o.zone && !fdoc_find_ns(&o, first_resolver(&o), err, sizeof(err))) {
		fprintf(stderr, "fdoctor: %s\n", err);
		return FDOC_EXIT_ERROR;
	}
	if (!fdoc_probe_init(&o, err, sizeof(err))) {
		fprintf(stderr, "fdoctor: %s\n", err);
		return FDOC_EXIT_ERROR;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	do {
		rc = run_once(&o, &r, err, sizeof(err));
		if (rc) {
			fprintf(stderr, "fdoctor: %s\n", err);
			break;
		}
		rc = (int)r.v;
		if (!o.watch_ms) {
			if (o.json)
				fdoc_report_json(stdout, &o, &r);
			else
				fdoc_report_text(stdout, &o, &r);
			break;
		}
		if (rc != last)
			fdoc_report_watch(stdout, &o, &r);
		last = rc;
		if (o.count && ++n >= o.count)
			break;
		sleep_ms(o.watch_ms);
	} while (!stop);
	fdoc_probe_done();
	ares_library_cleanup();
	return rc;
}
