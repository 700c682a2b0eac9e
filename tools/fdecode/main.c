/* fdecode - decode captures into funnel events: text, JSON lines, summary. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fdecode.h"

#define EXIT_USAGE 1
#define EXIT_INPUT 2
#define PROGRESS_EVERY 65536 /* frames between looks at the clock */

static volatile sig_atomic_t interrupted;

static const char usage_text[] =
"usage: fdecode [options] FILE...\n"
"       fdecode [options] -r FILE [-r FILE]...\n"
"\n"
"Decode packet captures (pcap or pcapng; - for standard input) into funnel\n"
"events: WireGuard handshakes, transport and keepalives with their sessions,\n"
"Tailscale disco, STUN, `tailscale debug capture` records, and from TCP\n"
"streams TLS ClientHello/ServerHello (SNI, ALPN, JA3, JA4), HTTP/1.x requests\n"
"with their real client (X-Forwarded-For, Forwarded, the Funnel ingress\n"
"handshake) and responses with their latency. One line an event, as text\n"
"(default) or JSON lines, or summary tables at the end.\n"
"\n"
"Input\n"
"  -r FILE            read FILE (repeatable; files may also follow the options)\n"
"  -f, --filter EXPR  only frames matching the BPF expression EXPR, compiled\n"
"                     for each file's link type (pcap-filter(7))\n"
"  -c COUNT           stop after COUNT frames in all\n"
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
"                     host and http_status\n"
"  -v, --verbose      also print packets that carry no funnel event (other\n"
"                     UDP, TCP segments, other IP, non-IP frames)\n"
"  -t                 no timestamp; -tt seconds since the epoch; -ttt time\n"
"                     since the previous line; -tttt date and time; -ttttt\n"
"                     time since the first line (as tcpdump). Default: local\n"
"                     time of day, HH:MM:SS.uuuuuu (set TZ=UTC for UTC)\n"
"\n"
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
"Exit status: 0 success; 1 usage error; 2 an input could not be opened or\n"
"was damaged (everything before the damage is still decoded and printed).\n";

static void usage(FILE *out)
{
	fputs(usage_text, out);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

static bool parse_count(const char *s, uint64_t *out, uint64_t max)
{
	char *end;

	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *end || *s == '-' || v == 0 || v > max)
		return false;
	*out = v;
	return true;
}

struct progress {
	bool on;
	const char *file;
	int64_t size;
	struct timespec last;
	bool shown;
};

static void progress_tick(struct progress *pg, const struct fsc_source *src,
			  uint64_t frames)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (now.tv_sec - pg->last.tv_sec < 1)
		return;
	pg->last = now;
	int64_t off = fsc_source_offset(src);
	if (pg->size > 0 && off >= 0)
		fprintf(stderr, "\rfdecode: %s: %" PRIu64 " packets, %d%%   ", pg->file,
			frames, (int)(off * 100 / pg->size));
	else
		fprintf(stderr, "\rfdecode: %s: %" PRIu64 " packets   ", pg->file, frames);
	pg->shown = true;
}

static void progress_done(struct progress *pg)
{
	if (pg->shown)
		fputs("\r\033[K", stderr);
	pg->shown = false;
}

static struct input_problems problems;

/* Prints "fdecode: MSG" and keeps MSG for the summary. */
static void input_problem(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void input_problem(const char *fmt, ...)
{
	char msg[sizeof(problems.msg[0])];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "fdecode: %s\n", msg);
	if (problems.n < MAX_INPUT_PROBLEMS)
		memcpy(problems.msg[problems.n++], msg, sizeof(msg));
	else
		problems.dropped++;
}

/* libpcap often starts its message with the path; say it once. */
static const char *strip_path(const char *msg, const char *path)
{
	size_t n = strlen(path);

	if (strncmp(msg, path, n) == 0 && msg[n] == ':' && msg[n + 1] == ' ')
		return msg + n + 2;
	return msg;
}

/* Decodes one file. Returns false when it could not be opened or was
 * damaged; *budget counts down -c. */
static bool decode_file(const char *path, const struct options *opt,
			struct fsc_pipeline *pl, struct printer *pr, uint64_t *budget)
{
	char err[512];
	struct fsc_frame f;
	struct fsc_source *src = fsc_source_open_file(path, opt->filter, err, sizeof(err));
	struct progress pg = { .file = path };
	uint64_t frames = 0;
	bool ok = true;

	if (!src) {
		const char *why = strip_path(err, path);
		struct stat st;
		if (strstr(why, "unknown file format"))
			input_problem("%s: not a pcap or pcapng file (%s)", path, why);
		else if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
			input_problem("%s: empty file, not a capture", path);
		else if (strstr(why, "file header"))
			input_problem("%s: too short to be a capture (%s)", path, why);
		else
			input_problem("%s: %s", path, why);
		return false;
	}
	if (!fsc_linktype_supported(fsc_source_linktype(src, 0)))
		fprintf(stderr, "fdecode: %s: warning: link type %d is not supported; "
			"frames are counted, not decoded\n", path, fsc_source_linktype(src, 0));
	struct stat sb;
	pg.on = isatty(STDERR_FILENO) && strcmp(path, "-") != 0;
	pg.size = stat(path, &sb) == 0 ? sb.st_size : -1;
	clock_gettime(CLOCK_MONOTONIC, &pg.last);
	pr->file = path;

	while (!interrupted && (opt->count == 0 || *budget > 0)) {
		enum fsc_src_result r = fsc_source_next(src, &f);
		if (r == FSC_SRC_END)
			break;
		if (r == FSC_SRC_ERROR) {
			int64_t off = fsc_source_offset(src);
			outbuf_flush(pr->ob);
			fflush(stdout);
			progress_done(&pg);
			char where[40] = "";
			if (off >= 0)
				snprintf(where, sizeof(where), " (byte %" PRId64 ")", off);
			input_problem("%s: damaged at packet %" PRIu64 "%s: %s; decoded %" PRIu64
				      " packets", path, frames + 1, where,
				      strip_path(fsc_source_error(src), path), frames);
			ok = false;
			break;
		}
		frames++;
		if (opt->count)
			(*budget)--;
		fsc_pipeline_frame(pl, &f, print_event, pr);
		/* DNS answers that came meanwhile: never a wait. */
		enrich_poll(pr->enr);
		if (pg.on && frames % PROGRESS_EVERY == 0)
			progress_tick(&pg, src, frames);
	}
	progress_done(&pg);
	fsc_source_close(src);
	return ok;
}

enum {
	OPT_MAX_SESSIONS = 256,
	OPT_MAX_PEERS,
	OPT_DNS,
	OPT_DNS_TIMEOUT,
	OPT_GEOIP_DB,
	OPT_NO_GEOIP,
	OPT_TRUSTED_HOPS,
	OPT_MAX_FLOWS,
	OPT_MAX_STREAMS,
	OPT_FLOW_BUFFER,
	OPT_FLOW_MEMORY,
	OPT_IDLE_TIMEOUT,
};

#define MAX_DNS_TIMEOUT_MS 600000
#define MAX_CLIENTS 4096 /* distinct STUN mapped addresses counted */
#define MAX_HOSTS 4096 /* names in the summary's hostname table */

#define CONTINUE (-1) /* parse_args: go on and decode */

/* Fills *opt and files[]; returns CONTINUE or the exit status. */
static int parse_args(int argc, char **argv, struct options *o, const char **files,
		      unsigned *nfiles)
{
	static const struct option longopts[] = {
		{ "filter", required_argument, NULL, 'f' },
		{ "json", no_argument, NULL, 'j' },
		{ "summary", no_argument, NULL, 's' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "max-sessions", required_argument, NULL, OPT_MAX_SESSIONS },
		{ "max-peers", required_argument, NULL, OPT_MAX_PEERS },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "dns-timeout", required_argument, NULL, OPT_DNS_TIMEOUT },
		{ "geoip-db", required_argument, NULL, OPT_GEOIP_DB },
		{ "no-geoip", no_argument, NULL, OPT_NO_GEOIP },
		{ "trusted-hops", required_argument, NULL, OPT_TRUSTED_HOPS },
		{ "max-flows", required_argument, NULL, OPT_MAX_FLOWS },
		{ "max-streams", required_argument, NULL, OPT_MAX_STREAMS },
		{ "flow-buffer", required_argument, NULL, OPT_FLOW_BUFFER },
		{ "flow-memory", required_argument, NULL, OPT_FLOW_MEMORY },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { 0 };
	unsigned n_files = 0;
	int c, t_count = 0;
	uint64_t v;

	enrich_opts_init(&opt.enrich);
	while ((c = getopt_long(argc, argv, "r:f:c:jsvtnhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			files[n_files++] = optarg;
			break;
		case 'f':
			opt.filter = optarg;
			break;
		case 'c':
			if (!parse_count(optarg, &opt.count, UINT64_MAX)) {
				fprintf(stderr, "fdecode: invalid packet count '%s'\n", optarg);
				return EXIT_USAGE;
			}
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
		case 'n':
			opt.enrich.no_dns = true;
			break;
		case OPT_DNS:
			opt.enrich.dns_server = optarg;
			break;
		case OPT_DNS_TIMEOUT:
			if (!parse_count(optarg, &v, MAX_DNS_TIMEOUT_MS)) {
				fprintf(stderr, "fdecode: invalid --dns-timeout '%s' (1 to %u "
					"milliseconds)\n", optarg, MAX_DNS_TIMEOUT_MS);
				return EXIT_USAGE;
			}
			opt.enrich.dns_timeout_ms = (unsigned)v;
			break;
		case OPT_GEOIP_DB:
			if (!enrich_opts_add_geoip(&opt.enrich, optarg)) {
				fprintf(stderr, "fdecode: at most %d --geoip-db\n", FSC_GEOIP_MAX_DBS);
				return EXIT_USAGE;
			}
			break;
		case OPT_NO_GEOIP:
			opt.enrich.no_geoip = true;
			break;
		case OPT_TRUSTED_HOPS:
			if (!parse_count(optarg, &v, 32) && strcmp(optarg, "0") != 0) {
				fprintf(stderr, "fdecode: invalid --trusted-hops '%s' (0 to 32)\n",
					optarg);
				return EXIT_USAGE;
			}
			opt.limits.streams.trusted_hops = strcmp(optarg, "0") ? (unsigned)v : 0;
			break;
		case OPT_MAX_FLOWS:
		case OPT_MAX_STREAMS:
		case OPT_FLOW_BUFFER:
		case OPT_IDLE_TIMEOUT: {
			/* Each range is what its table honours (the headers'
			 * limits), and the error names the option. */
			const char *name = c == OPT_MAX_FLOWS ? "--max-flows" :
					   c == OPT_MAX_STREAMS ? "--max-streams" :
					   c == OPT_FLOW_BUFFER ? "--flow-buffer" : "--idle-timeout";
			uint64_t max = c == OPT_MAX_FLOWS ? FSC_FLOW_MAX_FLOWS_LIMIT :
				       c == OPT_MAX_STREAMS ? FSC_STREAMS_MAX_STREAMS_LIMIT :
				       c == OPT_FLOW_BUFFER ? 16u << 20 : 1u << 26;
			if (!parse_count(optarg, &v, max)) {
				fprintf(stderr, "fdecode: invalid %s '%s' (1 to %" PRIu64 ")\n", name,
					optarg, max);
				return EXIT_USAGE;
			}
			if (c == OPT_MAX_FLOWS)
				opt.limits.streams.flow.max_flows = (uint32_t)v;
			else if (c == OPT_MAX_STREAMS)
				opt.limits.streams.max_streams = (uint32_t)v;
			else if (c == OPT_FLOW_BUFFER)
				opt.limits.streams.flow.dir_cap = (uint32_t)v;
			else
				opt.limits.streams.flow.idle_timeout_ns = (int64_t)v * 1000000000;
			break;
		}
		case OPT_FLOW_MEMORY:
			if (!parse_count(optarg, &v, (uint64_t)1 << 40)) {
				fprintf(stderr, "fdecode: invalid --flow-memory '%s' (1 to %" PRIu64 ")\n",
					optarg, (uint64_t)1 << 40);
				return EXIT_USAGE;
			}
			opt.limits.streams.flow.mem_cap = v;
			break;
		case OPT_MAX_SESSIONS:
		case OPT_MAX_PEERS:
			if (!parse_count(optarg, &v, FSC_WG_LIMIT_MAX)) {
				fprintf(stderr, "fdecode: invalid %s '%s' (1 to %u)\n",
					c == OPT_MAX_SESSIONS ? "--max-sessions" : "--max-peers", optarg,
					FSC_WG_LIMIT_MAX);
				return EXIT_USAGE;
			}
			if (c == OPT_MAX_SESSIONS)
				opt.limits.wg.max_sessions = (uint32_t)v;
			else
				opt.limits.wg.max_peers = (uint32_t)v;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("fdecode %s\n", FSC_VERSION);
			return 0;
		default:
			fputs("Try 'fdecode --help' for more information.\n", stderr);
			return EXIT_USAGE;
		}
	}
	if (t_count > TS_SINCE_FIRST) {
		fputs("fdecode: at most five -t\n", stderr);
		return EXIT_USAGE;
	}
	opt.ts = (enum ts_mode)t_count;
	/* The summary's tables name no fingerprint: save computing them. */
	opt.limits.streams.no_fingerprints = opt.summary;
	for (int i = optind; i < argc; i++)
		files[n_files++] = argv[i];
	if (n_files == 0) {
		fputs("fdecode: no capture file given\n", stderr);
		fputs("Try 'fdecode --help' for more information.\n", stderr);
		return EXIT_USAGE;
	}
	*o = opt;
	*nfiles = n_files;
	return CONTINUE;
}

/* Decodes the files and prints; returns the exit status. */
static int run(const struct options *o, const char **files, unsigned n_files)
{
	struct options opt = *o;
	char err[512];
	bool usage_err;
	struct enrich *enr = enrich_new(&opt.enrich, err, sizeof(err), &usage_err);
	if (!enr) {
		fprintf(stderr, "fdecode: %s\n", err);
		return usage_err ? EXIT_USAGE : EXIT_INPUT;
	}
	struct client_tally *tally = client_tally_new(MAX_CLIENTS);
	struct web *web = opt.summary ? web_new(MAX_HOSTS) : NULL;
	struct fsc_pipeline *pl = fsc_pipeline_new(&opt.limits);
	if (!pl || !tally || (opt.summary && !web)) {
		fputs("fdecode: out of memory for the tables; lower --max-sessions, "
		      "--max-peers, --max-flows, --max-streams or --flow-memory\n", stderr);
		if (pl)
			fsc_pipeline_free(pl);
		client_tally_free(tally);
		web_free(web);
		enrich_free(enr);
		return EXIT_INPUT;
	}
	static char stdout_buf[1 << 16];
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	struct outbuf ob;
	if (!outbuf_init(&ob, stdout)) {
		fputs("fdecode: out of memory\n", stderr);
		fsc_pipeline_free(pl);
		client_tally_free(tally);
		web_free(web);
		enrich_free(enr);
		return EXIT_INPUT;
	}
	struct printer pr = { .ob = &ob, .opt = &opt, .enr = enr, .clients = tally,
			      .web = web, .name_file = n_files > 1 };
	uint64_t budget = opt.count;
	bool ok = true;
	for (unsigned i = 0; i < n_files && !interrupted; i++) {
		if (opt.count && budget == 0)
			break;
		ok &= decode_file(files[i], &opt, pl, &pr, &budget);
	}
	/* Streams still open end with the input. */
	fsc_pipeline_flush(pl, print_event, &pr);
	/* The events are out; what follows may wait (one DNS timeout). */
	outbuf_flush(&ob);
	outbuf_free(&ob);
	fflush(stdout);
	if (opt.summary) {
		print_summary(stdout, &opt, pl, n_files, &problems, enr, tally, web);
	} else if (!interrupted && enrich_late_count(enr) > 0) {
		enrich_drain(enr);
		enrich_late_names(enr, stdout, opt.json);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "fdecode: writing output: %s\n", strerror(errno));
		ok = false;
	}
	fsc_pipeline_free(pl);
	client_tally_free(tally);
	web_free(web);
	enrich_free(enr);
	return ok ? 0 : EXIT_INPUT;
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
	int rc = parse_args(argc, argv, &opt, files, &n_files);
	if (rc == CONTINUE)
		rc = run(&opt, files, n_files);
	free(files);
	return rc;
}
