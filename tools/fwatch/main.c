/* fwatch - the live view of funnel traffic: requests, clients, tunnel
 * peers and hostnames, from live interfaces or a replayed capture. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "decopts.h"
#include "inputopts.h"
#include "logopts.h"
#include "fwatch.h"

static const char usage_text[] =
"usage: fwatch [options] [-i IFACE]... [-f FILTER]\n"
"       fwatch [options] -r FILE [-r FILE]... [--speed X | --max]\n"
"       fwatch --dump [SECONDS] ...\n"
"\n"
"Watch funnel traffic as it happens: who is connecting, from where, asking\n"
"what, answered how and how fast, and whether the WireGuard tunnel to the\n"
"relay is healthy. Decodes WireGuard, disco and STUN on the tunnel's UDP,\n"
"TLS ClientHellos, HTTP/1.x requests with their real client (X-Forwarded-For,\n"
"Forwarded, the Funnel ingress handshake) and their responses, on any port.\n"
"One thread: capture, reverse DNS and the screen never wait on each other.\n"
"\n"
"Capture\n"
"  -i, --interface IFACE\n"
"                     capture on IFACE; repeatable, all at once (typically the\n"
"                     physical interface for the tunnel and lo for the\n"
"                     backend's HTTP). Default: any\n"
"  -f, --filter EXPR  only packets matching the BPF expression (pcap-filter(7)),\n"
"                     e.g. 'udp port 41641 or tcp port 2367'\n"
"  -r, --read FILE    replay a pcap or pcapng file (- for standard input);\n"
"                     repeatable: the files are merged by time, as fdecode\n"
"                     does (the edge's public side, the underlay, lo)\n"
"      --wg-keylog FILE\n"
"                     decrypt WireGuard with the keys in FILE (Wireshark's\n"
"                     wg.keylog_file format; repeatable), as fdecode; live,\n"
"                     the file is read again when it grows\n"
"      --tls-keylog FILE\n"
"                     decrypt TLS 1.3 with the secrets in FILE (NSS key log,\n"
"                     fnode --tls-keylog; repeatable), as fdecode; live, the\n"
"                     file is read again when it grows\n"
"      --clock-offset FILE=SECONDS\n"
"                     add SECONDS to every time in FILE, one of the -r files\n"
"                     (a capture from a machine whose clock was off)\n"
"      --speed X      replay at X times the original pace (default 1; 0 is --max)\n"
"      --max          replay as fast as possible (not with --speed)\n"
"  -c COUNT           stop reading after COUNT packets\n"
"      --promisc      put the interfaces in promiscuous mode (default: off)\n"
"      --immediate    hand every packet over at once; the default lets the\n"
"                     kernel gather them for up to 50 ms (far fewer wake-ups\n"
"                     and drops under load)\n"
"      --snaplen N    bytes captured of each packet (default 65535)\n"
"      --buffer-size BYTES\n"
"                     kernel capture buffer per interface (default 4 MiB)\n"
"  Packets the kernel dropped (buffer full) are shown in the header and the\n"
"  dump, never hidden.\n"
"\n"
"Screen (see fwatch(1), KEYS)\n"
"  Views: 1 Requests, 2 Clients, 3 Tunnel, 4 Hosts, 5 Detail. Keys: q quit,\n"
"  Tab/Shift-Tab and 1-5 switch views, arrows j k PgUp PgDn Home End move,\n"
"  Enter opens the Detail of a request (or filters Requests by the client\n"
"  or host under the cursor), / filters, s cycles the sort, p pauses the\n"
"  display (capture continues), ? help. In Detail, H writes the request as\n"
"  a HAR file and c as a curl command, to $TMPDIR or the current directory\n"
"  (the path on the last line; the newest 64 ended requests can be).\n"
"  -m, --match FILTER start with this filter (the same words as /, below)\n"
"      --view VIEW    start on VIEW (requests, clients, tunnel, hosts or 1-4)\n"
"      --no-color, --no-colour\n"
"                     monochrome (also when NO_COLOR is set or the terminal\n"
"                     has no colours)\n"
"\n"
"Stories (fwatch(1), STORIES)\n"
"  Several -r files, or live interfaces, are joined as fdecode --correlate\n"
"  joins them: one story a public request (edge, relay, ingress, TLS, the\n"
"  loopback request; each join exact, address+time, address+data, time,\n"
"  ambiguous N or none). Detail shows a request's chain; Requests gains a\n"
"  STAGES column, the stage bar: e edge, i ingress, t tls, b to backend,\n"
"  f first byte, l last byte, each as long as its share of the time\n"
"      --correlate    stories over one -r file too (one capture of `any`)\n"
"      --proxy-model pooled|per-connection\n"
"                     the node's proxy to its backend, as fdecode takes it:\n"
"                     pooled (default: any proxy, tailscaled's) joins each\n"
"                     request on its own; per-connection (one backend\n"
"                     connection a client connection: fnode) also follows a\n"
"                     backend connection, until a sign of a pool\n"
"\n"
"Filter words (all must match; !WORD must not)\n"
"  TEXT               anywhere: client, host, path, status, AS, country, method\n"
"  client:TEXT host:TEXT path:TEXT method:TEXT rule:TEXT name:TEXT\n"
"  client:7.72.157.1  that address only; client:192.0.2.0/24 its network;\n"
"                     client:66.249 whole leading parts (66.249.0.0/16)\n"
"  status:4 status:4xx status:404   status code prefix\n"
"  asn:15169 asn:AS15169  country:US\n"
"\n"
"Machine mode\n"
"  -d, --dump [SECONDS]\n"
"                     no screen: print every view once as plain text and exit.\n"
"                     Live: after SECONDS (default 10) or Ctrl-C. Replay: at\n"
"                     its end, read as fast as possible unless --speed is\n"
"                     given (or after SECONDS of capture time). The format is\n"
"                     stable (fwatch(1), DUMP); times are local (TZ=UTC).\n"
"      --details      with --dump: the Detail of every request kept, not only\n"
"                     the newest\n"
"      --access-log FILE\n"
"                     append an access log to FILE, a line a request when it\n"
"                     completes or is given up, the real client as host\n"
"                     (fdecode(1), --access-log; flushed each line); without\n"
"                     the screen, SIGHUP opens FILE again (log rotation)\n"
FSC_LOGOPTS_HELP
"      --metrics ADDR:PORT\n"
"                     serve Prometheus metrics at http://ADDR:PORT/metrics\n"
"                     (\":9477\" on every address, \"127.0.0.1:9477\", \"[::1]:9477\";\n"
"                     port 0: one the kernel picks); names in fwatch(1), METRICS\n"
"      --headless     no screen and no dump: capture (-i) or replay (-r) and\n"
"                     serve --metrics until SIGINT or SIGTERM, or write\n"
"                     --access-log (a replay alone ends with its end)\n"
"\n"
"Names (as fdecode)\n"
"  -n                 no DNS queries (GeoIP and Tailscale names stay)\n"
"      --dns SERVER[:PORT]\n"
"                     ask this server (e.g. MagicDNS, 100.100.100.100) about\n"
"                     every address but unspecified and multicast ones\n"
"      --dns-timeout MS\n"
"                     give up on a lookup after MS milliseconds (default 2000)\n"
"      --geoip-db FILE\n"
"                     MaxMind DB (City, Country or ASN); repeatable. Without it:\n"
"                     $FSC_GEOIP_DB, then GeoLite2-*/GeoIP2-* in /usr/share/GeoIP\n"
"                     and /var/lib/GeoIP\n"
"      --no-geoip     use no GeoIP database\n"
"      --trusted-hops N\n"
"                     proxies of your own appending to X-Forwarded-For in front\n"
"                     of the backend (default 0); see fdecode(1), CLIENT RULE\n"
"\n"
"Limits (memory stays bounded; the oldest entries make room)\n"
"  --max-requests N   requests kept for the list and Detail (default 10000)\n"
"  --max-clients N    client addresses (default 4096)\n"
"  --max-hosts N      hostnames (default 1024)\n"
"  --detail-memory BYTES\n"
"                     heads and hops kept for Detail (default 4 MiB)\n"
"  --max-sessions N --max-peers N --max-flows N --max-streams N\n"
"  --flow-buffer BYTES --flow-memory BYTES --idle-timeout SECONDS\n"
"                     as fdecode (the same ranges): WireGuard and TCP tables.\n"
"                     A table takes memory as it fills, not for its limit\n"
"\n"
"  -h, --help         this text\n"
"  -V, --version      print the version\n"
"\n"
"Exit status: 0 success; 1 usage error; 2 a capture could not be opened or\n"
"read, or the terminal could not be used.\n";

enum {
	OPT_SPEED = 256,
	OPT_ACCESS_LOG,
	OPT_MAX,
	OPT_PROMISC,
	OPT_IMMEDIATE,
	OPT_SNAPLEN,
	OPT_BUFFER,
	OPT_VIEW,
	OPT_NO_COLOR,
	OPT_DETAILS,
	OPT_MAX_REQUESTS,
	OPT_MAX_CLIENTS,
	OPT_MAX_HOSTS,
	OPT_DETAIL_MEMORY,
	OPT_METRICS,
	OPT_HEADLESS,
	OPT_CORRELATE,
};

#define CONTINUE (-1)

static bool is_number(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

/* Two options that cannot both hold (or one given twice): one line naming
 * both as typed. */
static int conflict(const char *a, const char *av, const char *b, const char *bv)
{
	fprintf(stderr, "fwatch: %s%s%s%s and %s%s%s%s exclude each other\n", a, av ? " '" : "",
		av ? av : "", av ? "'" : "", b, bv ? " '" : "", bv ? bv : "", bv ? "'" : "");
	return EXIT_USAGE;
}

/* An option that takes one value given twice. */
static int twice(const char *opt, const char *first, const char *second, const char *hint)
{
	fprintf(stderr, "fwatch: %s given twice ('%s', '%s')%s%s\n", opt, first, second,
		hint ? ": " : "", hint ? hint : "");
	return EXIT_USAGE;
}

static int parse_view(const char *s, enum tui_view *v)
{
	static const char *const names[] = { "requests", "clients", "tunnel", "hosts" };

	for (int i = 0; i < 4; i++) {
		char digit[2] = { (char)('1' + i), '\0' };
		if (strcmp(s, names[i]) == 0 || strcmp(s, digit) == 0) {
			*v = (enum tui_view)i;
			return CONTINUE;
		}
	}
	return fsc_cli_bad("fwatch", EXIT_USAGE, "--view", s,
			   "not a view (requests, clients, tunnel, hosts or 1-4)");
}

static int parse_args(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{ "interface", required_argument, NULL, 'i' },
		{ "filter", required_argument, NULL, 'f' },
		{ "read", required_argument, NULL, 'r' },
		{ "dump", optional_argument, NULL, 'd' },
		{ "match", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "speed", required_argument, NULL, OPT_SPEED },
		{ "max", no_argument, NULL, OPT_MAX },
		{ "promisc", no_argument, NULL, OPT_PROMISC },
		{ "immediate", no_argument, NULL, OPT_IMMEDIATE },
		{ "snaplen", required_argument, NULL, OPT_SNAPLEN },
		{ "buffer-size", required_argument, NULL, OPT_BUFFER },
		{ "view", required_argument, NULL, OPT_VIEW },
		{ "no-color", no_argument, NULL, OPT_NO_COLOR },
		{ "no-colour", no_argument, NULL, OPT_NO_COLOR },
		{ "details", no_argument, NULL, OPT_DETAILS },
		FSC_DECOPTS_LONGOPTS,
		{ "max-requests", required_argument, NULL, OPT_MAX_REQUESTS },
		{ "max-clients", required_argument, NULL, OPT_MAX_CLIENTS },
		{ "max-hosts", required_argument, NULL, OPT_MAX_HOSTS },
		{ "detail-memory", required_argument, NULL, OPT_DETAIL_MEMORY },
		{ "access-log", required_argument, NULL, OPT_ACCESS_LOG },
		FSC_LOGOPTS_LONGOPTS,
		FSC_INPUTOPTS_LONGOPTS,
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ "headless", no_argument, NULL, OPT_HEADLESS },
		{ "correlate", no_argument, NULL, OPT_CORRELATE },
		{ NULL, 0, NULL, 0 },
	};
	bool speed_set = false;
	const char *why, *speed_arg = NULL;
	uint64_t v;
	int c;

	memset(o, 0, sizeof(*o));
	o->speed = 1;
	o->color = getenv("NO_COLOR") == NULL || getenv("NO_COLOR")[0] == '\0';
	fsc_enrich_opts_init(&o->enrich);
	while ((c = getopt_long(argc, argv, "i:f:r:d::m:c:nhV", longopts, NULL)) != -1) {
		int shared = fsc_decopt_apply("fwatch", c, optarg, &o->enrich, &o->limits);
		if (!shared)
			shared = fsc_logopt_apply("fwatch", c, optarg, &o->access);
		if (!shared)
			shared = fsc_inputopt_apply("fwatch", c, optarg, &o->inputs);
		if (shared < 0)
			return EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case 'i':
			if (o->n_ifaces == MAX_IFACES) {
				fprintf(stderr, "fwatch: at most %d interfaces\n", MAX_IFACES);
				return EXIT_USAGE;
			}
			o->ifaces[o->n_ifaces++] = optarg;
			break;
		case 'f':
			if (o->bpf)
				return twice("-f", o->bpf, optarg, "one filter: join them with 'or'");
			o->bpf = optarg;
			break;
		case 'r':
			/* Several: merged by time (edge, underlay, lo). */
			if (o->n_files == MAX_FILES) {
				fprintf(stderr, "fwatch: at most %d -r\n", MAX_FILES);
				return EXIT_USAGE;
			}
			o->files[o->n_files++] = optarg;
			break;
		case 'd':
			o->dump = true;
			/* --dump SECONDS as well as --dump=SECONDS and -dSECONDS. */
			if (!optarg && optind < argc && is_number(argv[optind]))
				optarg = argv[optind++];
			if (optarg) {
				if (!fsc_cli_u64("fwatch", "--dump", optarg, 1, 86400 * 365, &v))
					return EXIT_USAGE;
				o->dump_ns = (int64_t)v * 1000000000;
			}
			break;
		case 'm':
			if (o->filter.text[0])
				return twice("--match", o->filter.text, optarg,
					     "one filter: its words all have to match");
			if (!tui_filter_set(&o->filter, optarg, &why))
				return fsc_cli_bad("fwatch", EXIT_USAGE, "--match", optarg, why);
			break;
		case 'c':
			if (!fsc_cli_u64("fwatch", "-c", optarg, 1, UINT64_MAX, &o->count))
				return EXIT_USAGE;
			break;
		case OPT_SPEED: {
			if (speed_set && speed_arg)
				return twice("--speed", speed_arg, optarg, NULL);
			if (speed_set)
				return conflict("--max", NULL, "--speed", optarg);
			speed_arg = optarg;
			if (!fsc_cli_double("fwatch", "--speed", optarg, 0, 1e6, &o->speed))
				return EXIT_USAGE;
			speed_set = true;
			break;
		}
		case OPT_MAX:
			if (speed_arg)
				return conflict("--speed", speed_arg, "--max", NULL);
			o->speed = 0;
			speed_set = true;
			break;
		case OPT_PROMISC:
			o->promisc = true;
			break;
		case OPT_IMMEDIATE:
			o->immediate = true;
			break;
		case OPT_SNAPLEN:
			if (!fsc_cli_u64("fwatch", "--snaplen", optarg, 64, 262144, &v))
				return EXIT_USAGE;
			o->snaplen = (int)v;
			break;
		case OPT_BUFFER:
			if (!fsc_cli_u64("fwatch", "--buffer-size", optarg, 65536, 1u << 30, &v))
				return EXIT_USAGE;
			o->buffer_size = (int)v;
			break;
		case OPT_VIEW:
			if (parse_view(optarg, &o->view) != CONTINUE)
				return EXIT_USAGE;
			break;
		case OPT_NO_COLOR:
			o->color = false;
			break;
		case OPT_METRICS:
			o->metrics = optarg;
			break;
		case OPT_HEADLESS:
			o->headless = true;
			break;
		case OPT_CORRELATE:
			o->correlate = true;
			break;
		case OPT_DETAILS:
			o->all_details = true;
			break;
		case OPT_MAX_REQUESTS:
		case OPT_MAX_CLIENTS:
		case OPT_MAX_HOSTS:
			if (!fsc_cli_u64("fwatch", c == OPT_MAX_REQUESTS ? "--max-requests" :
					 c == OPT_MAX_CLIENTS ? "--max-clients" : "--max-hosts",
					 optarg, 1, 1u << 24, &v))
				return EXIT_USAGE;
			if (c == OPT_MAX_REQUESTS)
				o->model.max_requests = (uint32_t)v;
			else if (c == OPT_MAX_CLIENTS)
				o->model.max_clients = (uint32_t)v;
			else
				o->model.max_hosts = (uint32_t)v;
			break;
		case OPT_DETAIL_MEMORY:
			if (!fsc_cli_u64("fwatch", "--detail-memory", optarg, 65536, (uint64_t)1 << 32,
					 &v))
				return EXIT_USAGE;
			o->model.detail_bytes = (size_t)v;
			break;
		case OPT_ACCESS_LOG:
			if (strcmp(optarg, "-") == 0)
				return fsc_cli_bad("fwatch", EXIT_USAGE, "--access-log", optarg,
						   "standard output is the screen or the dump; "
						   "give a file");
			o->access_log = optarg;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("fwatch %s\n", FSC_VERSION);
			return 0;
		default:
			fputs("Try 'fwatch --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "fwatch: unexpected argument '%s'%s\n", argv[optind],
			o->dump ? "" : " (a capture file goes after -r)");
		fputs("Try 'fwatch --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	if (o->n_files && o->n_ifaces) {
		fputs("fwatch: -r and -i exclude each other\n", stderr);
		return EXIT_USAGE;
	}
	if (speed_set && !o->n_files) {
		fputs("fwatch: --speed and --max are for replays (-r FILE)\n", stderr);
		return EXIT_USAGE;
	}
	if (o->headless && o->dump) {
		fputs("fwatch: --headless and --dump exclude each other\n", stderr);
		return EXIT_USAGE;
	}
	if (o->headless && !o->metrics && !o->access_log) {
		fputs("fwatch: --headless shows nothing: it goes with --metrics ADDR:PORT or "
		      "--access-log FILE\n", stderr);
		return EXIT_USAGE;
	}
	if (o->all_details && !o->dump) {
		fputs("fwatch: --details goes with --dump\n", stderr);
		return EXIT_USAGE;
	}
	if (o->access_log)
		fsc_requests_pipeline_limits(&o->limits);
	if (o->dump && !o->n_files && !o->dump_ns)
		o->dump_ns = 10 * 1000000000ll;
	/* A replay's dump wants the end, not the original pace. */
	if (o->dump && o->n_files && !speed_set)
		o->speed = 0;
	if (!fsc_inputopts_check("fwatch", &o->inputs, o->files, o->n_files))
		return EXIT_USAGE;
	if (!o->n_files && !o->n_ifaces)
		o->ifaces[o->n_ifaces++] = "any";
	/* Stories where vantage points meet: several files, or live (lo and
	 * the underlay on `any` or side by side). One file only when asked:
	 * the stage's scans cost a replay 39% more instructions. */
	o->correlate |= o->n_files > 1 || o->n_ifaces > 0;
	if (!o->dump && !o->headless && (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))) {
		fputs("fwatch: the screen needs a terminal on standard input and output; "
		      "use --dump for text\n", stderr);
		return EXIT_USAGE;
	}
	return CONTINUE;
}

int main(int argc, char **argv)
{
	struct options *o = malloc(sizeof(*o));
	int rc;

	if (!o) {
		fputs("fwatch: out of memory\n", stderr);
		return EXIT_RUNTIME;
	}
	rc = parse_args(argc, argv, o);
	if (rc == CONTINUE)
		rc = fwatch_run(o);
	free(o);
	return rc;
}
