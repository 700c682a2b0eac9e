/* fdecode - decode captures into funnel events: text, JSON lines, summary. */
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "cli.h"
#include "decopts.h"
#include "fdecode.h"


static const char usage_text[] =
"usage: fdecode [options] FILE... [EXPRESSION]\n"
"       fdecode [options] -r FILE [-r FILE]... [EXPRESSION]\n"
"       fdecode [options] -i IFACE [-i IFACE]... [EXPRESSION]\n"
"\n"
"Decode packet captures (pcap or pcapng, either gzipped; - for standard\n"
"input) or live interfaces into funnel\n"
"events: WireGuard handshakes, transport and keepalives with their sessions,\n"
"Tailscale disco, STUN, `tailscale debug capture` records, and from TCP\n"
"streams TLS ClientHello/ServerHello (SNI, ALPN, JA3, JA4), HTTP/1.x requests\n"
"with their real client (X-Forwarded-For, Forwarded, the Funnel ingress\n"
"handshake) and responses with their latency. One line an event, as text\n"
"(default) or JSON lines, or summary tables at the end.\n"
"\n"
"Input\n"
"  -r FILE            read FILE (repeatable; files may also follow the options).\n"
"                     Several files are merged by timestamp, each event naming\n"
"                     its file; a pcapng of several interfaces (link types may\n"
"                     differ) names the interface of each event\n"
"  -i IFACE           capture live from IFACE (repeatable, all at once; needs\n"
"                     root or CAP_NET_RAW); Ctrl-C ends with the summary\n"
"  -D                 list the interfaces -i can take, and exit\n"
"      --follow       at the end of a file, wait for more (a capture still\n"
"                     being written, as tail -f); Ctrl-C ends\n"
"  -f, --filter EXPR  only frames matching the BPF expression EXPR, compiled\n"
"                     for each interface's link type (pcap-filter(7))\n"
"  EXPRESSION         the same filter after the files, as tcpdump takes it\n"
"  -c COUNT           stop after COUNT frames in all\n"
"      --wg-keylog FILE\n"
"                     decrypt WireGuard with the keys in FILE (Wireshark's\n"
"                     wg.keylog_file format; repeatable). Keys in the\n"
"                     inputs' pcapng Decryption Secrets Blocks (made by\n"
"                     editcap's inject-secrets wg,FILE) are used too. Handshakes\n"
"                     show the initiator's static key, timestamp and\n"
"                     handshake_ok; decrypted inner packets are decoded like\n"
"                     any packet and marked with their tunnel session. Live,\n"
"                     FILE is read again when it grows (keys logged as the\n"
"                     handshakes happen)\n"
"      --tls-keylog FILE\n"
"                     decrypt TLS 1.3 with the secrets in FILE (the NSS key log\n"
"                     of SSLKEYLOGFILE, fnode --tls-keylog; tshark's\n"
"                     tls.keylog_file; repeatable), and with the inputs' TLS\n"
"                     secrets blocks (editcap's inject-secrets tls,FILE): the\n"
"                     HTTP inside is decoded as in a plaintext connection,\n"
"                     marked tls-decrypted; TLS 1.2 is not decrypted. Live,\n"
"                     FILE is read again as it grows\n"
"      --clock-offset FILE=SECONDS\n"
"                     add SECONDS (e.g. -3.5) to every time in FILE, one of the\n"
"                     inputs, before the files are merged: a capture from a\n"
"                     machine whose clock was off (--correlate estimates it;\n"
"                     repeatable, one a file)\n"
"  -s SNAPLEN         live: bytes kept of each packet (0: 65535); -s takes a\n"
"                     number only when one follows (see below)\n"
"  -B KIB             live: kernel buffer in KiB (default 4096)\n"
"\n"
"Files and a filter (as tcpdump)\n"
"  The arguments after the options are files while each is \"-\", an existing\n"
"  file, or looks like one (has a '/' or ends in .pcap, .pcapng, .cap, .gz);\n"
"  from the first that is none of these, the rest is one BPF expression:\n"
"  `fdecode cap.pcap udp port 41641`. -f says it without guessing; a file\n"
"  named like a filter word needs ./ (./udp). `-s N`, `-sN` with a number are\n"
"  tcpdump's snap length; -s followed by anything else is --summary.\n"
"\n"
"Output\n"
"  -j, --json         JSON lines: one object an event (see fdecode(1) for keys)\n"
"  -s, --summary      print only the summary tables: capture, message counts,\n"
"                     tunnel peers with health, sessions, clients (HTTP\n"
"                     clients, remote tunnel endpoints, STUN mapped\n"
"                     addresses) with their names, countries and networks,\n"
"                     hostnames (SNI, Host, ingress targets) with status\n"
"                     codes, latency percentiles and mismatches, anything\n"
"                     unusual; with --json the same as objects of type\n"
"                     summary, wg_peer, wg_session, client, client_network,\n"
"                     host and http_status (and wg_decryption with keys)\n"
"      --correlate    one line (JSON: an object of type story) a public funnel\n"
"                     request instead of events, joined across the inputs:\n"
"                     the public connection at the edge, the relay\n"
"                     (WireGuard endpoint and session), the ingress\n"
"                     connection (Ingress-Src, Target, the node's answer), its\n"
"                     TLS (SNI, ALPN, JA4) and the node's loopback request\n"
"                     (method, host, target, status, bytes), each join marked\n"
"                     exact, address+time, address+data, time, time+size,\n"
"                     time+size+peer, ambiguous N or none and, with several\n"
"                     inputs, named by where it was seen (the file; live,\n"
"                     the interface), with\n"
"                     the time of each stretch:\n"
"                     edge, ingress, tls, to_backend, first_byte, last_byte,\n"
"                     total. The ingress side comes from the underlay with\n"
"                     --wg-keylog, or with no key from a TUN capture or a\n"
"                     `tailscale debug capture` file of the node. Several\n"
"                     files are not correlated unless asked. With several\n"
"                     inputs, the clock offsets between them, estimated from\n"
"                     packets seen in both, end the output (clock_offset).\n"
"                     With --summary: \"where the time goes\", percentiles of\n"
"                     each stretch per relay and per host (story_timing)\n"
"      --proxy-model pooled|per-connection\n"
"                     the proxy between the node's ingress and its backend,\n"
"                     for --correlate. pooled (the default; any proxy:\n"
"                     tailscaled's serve proxy, nginx or HAProxy keep-alive\n"
"                     pools, where a backend connection carries any client's\n"
"                     requests) joins each request on its own. per-connection\n"
"                     (one backend connection a client connection, in order:\n"
"                     fnode) also gives a backend connection's next request\n"
"                     its first one's ingress (when X-Forwarded-For agrees)\n"
"                     and leaves out an ingress serving another one; at a\n"
"                     sign of a pool the run turns pooled (--summary says\n"
"                     when)\n"
"  -l                 flush each event as it is written (the default when\n"
"                     standard output is a terminal, and for --json to a pipe\n"
"                     or a socket while reading live, a pipe or --follow);\n"
"                     -U is the same\n"
"  -q                 quiet: no progress, no late reverse-DNS lines, no\n"
"                     live drop counters\n"
"  -e                 Ethernet source > destination on each text line\n"
"  -x, -X, -A         under each shown event, its frame's captured bytes: hex,\n"
"                     hex and ASCII, or ASCII (non-printable bytes as '.';\n"
"                     text output only)\n"
"  -w FILE            also write the frames of the shown events to FILE as\n"
"                     pcapng: from files, each event's frame and every frame\n"
"                     of a TCP connection that showed one (so the capture\n"
"                     decodes again; written after the files are read); live\n"
"                     or from a pipe, the frame that completed each event.\n"
"                     --summary shows no event, so writes none; -w - writes\n"
"                     to standard output, the text to standard error. SIGHUP\n"
"                     creates FILE again (log rotation: mv, then kill -HUP)\n"
"      --metrics-file FILE\n"
"                     at the end, write the Prometheus metrics of the whole\n"
"                     input to FILE (a node-exporter textfile: written beside\n"
"                     it, then renamed over it); names in fdecode(1), METRICS\n"
"  -v, --verbose      also print packets that carry no funnel event (other\n"
"                     UDP, TCP segments, other IP, non-IP frames)\n"
"  -t                 no timestamp; -tt seconds since the epoch; -ttt time\n"
"                     since the previous line; -tttt date and time; -ttttt\n"
"                     time since the first line (as tcpdump). Default: local\n"
"                     time of day, HH:MM:SS.uuuuuu (set TZ=UTC for UTC)\n"
"\n"
RECORDS_HELP
"Names (see fdecode(1), NAMES)\n"
"  An address can carry a tag in text, 66.249.72.211 [US AS15169 crawl-...],\n"
"  fd7a:...:d02b [4to6 100.104.208.43], 127.3.3.40 [DERP], and a sibling\n"
"  object in JSON, \"src_info\":{\"class\":...,\"rdns\":...,\"country\":...}.\n"
"  Tailscale ranges are named always (arithmetic). Reverse DNS is on by\n"
"  default, for public addresses only, and never holds up decoding: a name\n"
"  known when a line is written is on the line; names that arrive later are\n"
"  listed after the events (\"rdns ADDR NAME\" lines; JSON objects of type\n"
"  rdns), after waiting at most one DNS timeout. --summary waits the same,\n"
"  once, so its tables carry names.\n"
"  -n                 no DNS queries at all (GeoIP and Tailscale names stay)\n"
"      --dns SERVER[:PORT]\n"
"                     ask this DNS server (IPv4, IPv6 or [IPv6]:PORT; e.g.\n"
"                     MagicDNS, 100.100.100.100, which alone knows tailnet\n"
"                     names) instead of the system's, about every address but\n"
"                     unspecified and multicast ones\n"
"      --dns-timeout MS\n"
"                     give up on a lookup after MS milliseconds (default 2000);\n"
"                     also the longest fdecode waits for names at the end\n"
"      --geoip-db FILE\n"
"                     MaxMind DB (City, Country or ASN); repeatable. Without\n"
"                     it: $FSC_GEOIP_DB (colon-separated), then GeoLite2-* and\n"
"                     GeoIP2-* .mmdb files in /usr/share/GeoIP, /var/lib/GeoIP\n"
"      --no-geoip     use no GeoIP database\n"
"\n"
"Who is the client (see fdecode(1), CLIENT RULE)\n"
"  Tailscale-Ingress-Src when seen; else a single X-Forwarded-For address;\n"
"  else the rightmost address of the chain that is not a Tailscale relay, not\n"
"  loopback and not one of N trusted proxies; else Forwarded's first for=;\n"
"  else X-Real-IP; else the TCP peer. The leftmost address is shown as\n"
"  `claimed`, never believed.\n"
"      --trusted-hops N\n"
"                     proxies of your own that append to X-Forwarded-For in\n"
"                     front of the backend (default 0: a Funnel node's proxy\n"
"                     sets the header itself)\n"
"\n"
"Limits (memory stays bounded; every limit hit is reported in the summary;\n"
"a table takes memory as it fills, not for its limit)\n"
"  --max-sessions N   WireGuard sessions kept at once (default 65536; at\n"
"                     most 4194304)\n"
"  --max-peers N      WireGuard endpoint pairs kept at once (default 16384;\n"
"                     at most 4194304)\n"
"  --max-flows N      TCP connections tracked at once (default 65536; at\n"
"                     most 4194304)\n"
"  --max-streams N    TCP connections parsed as TLS/HTTP at once (default\n"
"                     16384; at most 1048576)\n"
"  --flow-buffer BYTES\n"
"                     bytes held per direction of a connection, out of order\n"
"                     or not yet parsed (default 65536; 1 to 16 MiB)\n"
"  --flow-memory BYTES\n"
"                     bytes held by all connections together (default 16 MiB)\n"
"  --idle-timeout SECONDS\n"
"                     forget a connection quiet this long (default 300)\n"
"\n"
"  -h, --help         this text\n"
"  -V, --version      print the version\n"
"\n"
"Events shown without -v: wg (initiation, response, cookie, transport,\n"
"keepalive), disco, stun, tailscale debug capture disco records, tls client\n"
"and server hellos, http requests and responses, ingress handshakes, IP\n"
"fragments, and any packet that is truncated or malformed (with the reason).\n"
"Tunnel UDP, TLS and HTTP are recognised by content on any port.\n"
"\n"
"Exit status: 0 success, also when ended by SIGINT or SIGTERM (what was\n"
"decoded is printed, with the summary); 1 usage error (also a filter that\n"
"does not compile); 2 an input could not be opened or was damaged\n"
"(everything before the damage is still decoded and printed).\n";

static void usage(FILE *out)
{
	fputs(usage_text, out);
}

/* Codes of fdecode's own long options (the shared ones: decopts.h,
 * inputopts.h). */
enum {
	OPT_FOLLOW = 256,
	OPT_CORRELATE,
	OPT_METRICS_FILE,
};

/* tcpdump's options that fdecode does not take, each with what to do. */
static const struct {
	char flag;
	const char *hint;
} tcpdump_hints[] = {
	{ 'F', "read the expression from a file: give it as -f \"$(cat FILE)\"" },
	{ 'C', "rotating output: let tcpdump -w rotate, then fdecode the files" },
	{ 'G', "rotating output: let tcpdump -w rotate, then fdecode the files" },
	{ 'W', "rotating output: let tcpdump -w rotate, then fdecode the files" },
	{ 'y', "the link type is taken from the capture or interface" },
	{ 'L', "link types are taken from the capture or interface" },
	{ 'I', "monitor mode: capture with tcpdump -I -w - | fdecode -" },
	{ 'S', "TCP sequence numbers are not printed" },
	{ 'K', "checksums are never verified (loopback captures carry bad ones)" },
	{ 'N', "names are addresses with tags; -n turns off reverse DNS" },
	{ 'E', "IPsec is not decoded; WireGuard is (see fdecode(1))" },
	{ 'Z', "fdecode drops no privileges; run tcpdump -Z user -w - | fdecode -" },
	{ 'z', "no post-rotate command: there is no rotation" },
	{ 'T', "protocols are recognised by content on any port" },
	{ 'Q', "direction: use -f 'inbound' or 'outbound' on a live interface" },
	{ 'j', "timestamp types: capture with tcpdump -j TYPE -w - | fdecode -" },
	{ 'J', "timestamp types: see tcpdump -J" },
	{ 'O', "filters are always optimised" },
	{ 'P', "-Q direction is not supported either; use a BPF expression" },
	{ 'b', "AS numbers show in the address tags with a GeoIP ASN database" },
	{ 'k', "process metadata is not available" },
	{ '#', "frames are numbered in JSON (\"frame\") and in the summary" },
};

static void unknown_option(int opt, const char *arg)
{
	for (size_t i = 0; i < sizeof(tcpdump_hints) / sizeof(tcpdump_hints[0]); i++) {
		if (tcpdump_hints[i].flag == opt) {
			fprintf(stderr, "fdecode: -%c (tcpdump) is not supported: %s\n", opt,
				tcpdump_hints[i].hint);
			return;
		}
	}
	if (opt && opt != '?')
		fprintf(stderr, "fdecode: unknown option -%c; see fdecode --help\n", opt);
	else
		fprintf(stderr, "fdecode: unknown option '%s'; see fdecode --help\n", arg);
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The file-or-filter rule of --help, "Files and a filter". */
static bool names_a_file(const char *arg)
{
	static const char *const exts[] = { ".pcap", ".pcapng", ".cap", ".gz" };
	struct stat st;

	if (strcmp(arg, "-") == 0 || strchr(arg, '/') || stat(arg, &st) == 0)
		return true;
	for (size_t i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (ends_with(arg, exts[i]))
			return true;
	return false;
}

/* Joins argv[from, argc) with spaces, as tcpdump joins its expression. */
static char *join_args(int argc, char **argv, int from)
{
	size_t n = 1;

	for (int i = from; i < argc; i++)
		n += strlen(argv[i]) + 1;
	char *s = malloc(n), *p = s;
	if (!s)
		return NULL;
	for (int i = from; i < argc; i++) {
		size_t k = strlen(argv[i]);
		if (i > from)
			*p++ = ' ';
		memcpy(p, argv[i], k);
		p += k;
	}
	*p = '\0';
	return s;
}

/* -s with a number is tcpdump's snap length, -s alone --summary: takes the
 * first out of argv before getopt sees it. Returns false on a bad number. */
static bool take_snaplen(int *argc, char **argv, int *snaplen)
{
	for (int i = 1; i < *argc; i++) {
		const char *a = argv[i], *num = NULL;
		int drop = 0;
		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "-s") == 0 && i + 1 < *argc && all_digits(argv[i + 1])) {
			num = argv[i + 1];
			drop = 2;
		} else if (strncmp(a, "-s", 2) == 0 && all_digits(a + 2)) {
			num = a + 2;
			drop = 1;
		}
		if (!num)
			continue;
		uint64_t v;
		if (!fsc_cli_u64("fdecode", "-s", num, 0, 262144, &v))
			return false;
		*snaplen = (int)v;
		memmove(&argv[i], &argv[i + drop], (size_t)(*argc - i - drop + 1) * sizeof(*argv));
		*argc -= drop;
		i--;
	}
	return true;
}

/* A filter that does not compile is the user's mistake, said once (exit
 * 1), not once a file. Checked for Ethernet; a link type that cannot take
 * an otherwise good filter is still reported with its file. */
static bool filter_compiles(const char *filter)
{
	pcap_t *dead = pcap_open_dead(DLT_EN10MB, 65535);
	struct bpf_program prog;

	if (!dead)
		return true; /* out of memory: let the real open say so */
	bool ok = pcap_compile(dead, &prog, filter, 1, PCAP_NETMASK_UNKNOWN) == 0;
	if (ok)
		pcap_freecode(&prog);
	else
		fprintf(stderr, "fdecode: bad filter '%s': %s\n", filter, pcap_geterr(dead));
	pcap_close(dead);
	return ok;
}

static int list_interfaces(void)
{
	char err[PCAP_ERRBUF_SIZE];
	pcap_if_t *all, *d;
	int i = 1;

	if (pcap_findalldevs(&all, err) != 0) {
		fprintf(stderr, "fdecode: listing interfaces: %s\n", err);
		return EXIT_INPUT;
	}
	for (d = all; d; d = d->next, i++) {
		printf("%d.%s", i, d->name);
		if (d->description)
			printf(" (%s)", d->description);
		printf(" [%s%s%s]\n", d->flags & PCAP_IF_UP ? "Up" : "Down",
		       d->flags & PCAP_IF_RUNNING ? ", Running" : "",
		       d->flags & PCAP_IF_LOOPBACK ? ", Loopback" : "");
	}
	pcap_freealldevs(all);
	return 0;
}

#define CONTINUE (-1) /* parse_args: go on and decode */

/* Fills *opt and files[]; returns CONTINUE or the exit status. */
static int parse_args(int argc, char **argv, struct options *o, const char **files,
		      unsigned *nfiles, char **filter_out)
{
	static const struct option longopts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "summary", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		FSC_DECOPTS_LONGOPTS,
		{ "follow", no_argument, NULL, OPT_FOLLOW },
		{ "correlate", no_argument, NULL, OPT_CORRELATE },
		FSC_INPUTOPTS_LONGOPTS,
		RECORDS_LONGOPTS,
		{ "metrics-file", required_argument, NULL, OPT_METRICS_FILE },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { 0 };
	unsigned n_files = 0;
	int c, t_count = 0;
	uint64_t v;

	fsc_enrich_opts_init(&opt.enrich);
	if (!take_snaplen(&argc, argv, &opt.snaplen))
		return EXIT_USAGE;
	opterr = 0; /* our own messages, with tcpdump hints */
	while ((c = getopt_long(argc, argv, ":r:f:c:jsvtnhVi:DlUqexXAw:B:p", longopts, NULL)) != -1) {
		int shared = fsc_decopt_apply("fdecode", c, optarg, &opt.enrich, &opt.limits);
		if (!shared)
			shared = fsc_inputopt_apply("fdecode", c, optarg, &opt.inputs);
		if (shared < 0)
			return EXIT_USAGE;
		if (shared > 0)
			continue;
		switch (c) {
		case 'i':
			if (opt.n_ifaces == MAX_LIVE_IFACES) {
				fprintf(stderr, "fdecode: at most %d -i\n", MAX_LIVE_IFACES);
				return EXIT_USAGE;
			}
			opt.ifaces[opt.n_ifaces++] = optarg;
			break;
		case 'D':
			return list_interfaces();
		case 'l':
		case 'U':
			opt.line_buffered = true;
			break;
		case 'q':
			opt.quiet = true;
			break;
		case 'e':
			opt.link_header = true;
			break;
		case 'x':
			opt.dump = DUMP_HEX;
			break;
		case 'X':
			opt.dump = DUMP_HEX_ASCII;
			break;
		case 'A':
			opt.dump = DUMP_ASCII;
			break;
		case 'w':
			opt.write_file = optarg;
			break;
		case 'p':
			break; /* fdecode never asks for promiscuous mode */
		case 'B':
			if (!fsc_cli_u64("fdecode", "-B", optarg, 1, 1u << 20, &v))
				return EXIT_USAGE;
			opt.buffer_kib = (int)v;
			break;
		case OPT_FOLLOW:
			opt.follow = true;
			break;
		case OPT_METRICS_FILE:
			opt.metrics_file = optarg;
			break;
		case ':':
			fprintf(stderr, "fdecode: option -%c needs a value; see fdecode --help\n",
				optopt);
			return EXIT_USAGE;
		case '?':
			unknown_option(optopt, argv[optind - 1]);
			return EXIT_USAGE;
		case 'r':
			files[n_files++] = optarg;
			break;
		case 'f':
			opt.filter = optarg;
			break;
		case 'c':
			if (!fsc_cli_u64("fdecode", "-c", optarg, 1, UINT64_MAX, &opt.count))
				return EXIT_USAGE;
			break;
		case 'j':
			opt.json = true;
			break;
		case 's':
			opt.summary = true;
			break;
		case 'v':
			opt.verbose = true;
			break;
		case 't':
			t_count++;
			break;
		case OPT_CORRELATE:
			opt.correlate = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fdecode %s\n", FSC_VERSION);
			return 0;
		default:
			if ((c >= OPT_REC_FIRST && c < OPT_REC_LAST) ||
			    (c >= FSC_LOPT_FORMAT && c <= FSC_LOPT_TRUNCATE_CLIENTS)) {
				if (!records_option(c, optarg, &opt.rec))
					return EXIT_USAGE;
				break;
			}
			unknown_option(c, argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (t_count > TS_SINCE_FIRST) {
		fputs("fdecode: at most five -t\n", stderr);
		return EXIT_USAGE;
	}
	opt.ts = (enum ts_mode)t_count;
	/* The summary's tables name no fingerprint: save computing them. */
	opt.limits.streams.no_fingerprints = opt.summary && !opt.correlate;
	/* The last-byte latency: an http_response_end event a response. */
	opt.limits.streams.body_ends = true;
	if (!records_check(&opt.rec))
		return EXIT_USAGE;
	if (records_wanted(&opt.rec))
		fsc_requests_pipeline_limits(&opt.limits);
	int i = optind;
	for (; i < argc && names_a_file(argv[i]); i++)
		files[n_files++] = argv[i];
	if (i < argc) {
		if (opt.filter) {
			fprintf(stderr, "fdecode: '%s': not a file, and a filter was given with -f "
				"(a file named so needs ./)\n", argv[i]);
			return EXIT_USAGE;
		}
		if (!(opt.filter = *filter_out = join_args(argc, argv, i))) {
			fputs("fdecode: out of memory\n", stderr);
			return EXIT_INPUT;
		}
	}
	if (opt.n_ifaces && n_files) {
		fputs("fdecode: -i and capture files together; give one or the other\n", stderr);
		return EXIT_USAGE;
	}
	if (opt.follow && (opt.n_ifaces || n_files == 0)) {
		fputs("fdecode: --follow needs a capture file\n", stderr);
		return EXIT_USAGE;
	}
	if (n_files == 0 && opt.n_ifaces == 0) {
		if (i < argc)
			fprintf(stderr, "fdecode: '%s': No such file or directory (and no file "
				"before it to filter)\n", argv[i]);
		else
			fputs("fdecode: no capture file given\n", stderr);
		fputs("Try 'fdecode --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	if (!fsc_inputopts_check("fdecode", &opt.inputs, files, n_files))
		return EXIT_USAGE;
	opt.corr_limits.proxy = opt.inputs.proxy_model;
	if (opt.correlate && opt.write_file) {
		fputs("fdecode: --correlate and -w together: stories are no frames\n", stderr);
		return EXIT_USAGE;
	}
	if (opt.correlate && records_own_stdout(&opt.rec)) {
		fputs("fdecode: --correlate and an output of records on standard output "
		      "together: both would write there\n", stderr);
		return EXIT_USAGE;
	}
	if (opt.filter && !filter_compiles(opt.filter))
		return EXIT_USAGE;
	opt.line_buffered |= isatty(STDOUT_FILENO);
	*o = opt;
	*nfiles = n_files;
	return CONTINUE;
}

int main(int argc, char **argv)
{
	const char **files = calloc((size_t)argc + 1, sizeof(*files));
	struct options opt;
	unsigned n_files = 0;

	if (!files) {
		fputs("fdecode: out of memory\n", stderr);
		return EXIT_INPUT;
	}
	char *filter = NULL;
	/* Before any file is opened: a FIFO nobody writes must not swallow
	 * the first Ctrl-C. */
	run_catch_signals();
	int rc = parse_args(argc, argv, &opt, files, &n_files, &filter);
	if (rc == CONTINUE)
		rc = run(&opt, files, n_files);
	free(filter);
	free(files);
	return rc;
}
