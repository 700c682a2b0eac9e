/* ula2v4 - Tailscale address arithmetic both ways, with names.
 *
 *   ula2v4 fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b   -> 100.104.208.43
 *   ula2v4 100.104.208.43                            -> the 4to6 ULA
 *   ula2v4 --annotate < tailscaled.log               -> lines with [names]
 *   ula2v4 --diagnose < tailscaled.log               -> its ingress lines, a diagnosis
 *
 * The text and JSON formats are documented in --help and doc/ula2v4.1.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "fsc/addr.h"
#include "fsc/enrich.h"
#include "fsc/jsonw.h"
#include "fsc/tsaddr.h"
#include "fsc/tsstatus.h"
#include "ingresslog.h"
#include "out.h"
#include "scan.h"

#define PROG "ula2v4"

enum { EXIT_MAPPED = 0, EXIT_USAGE = 1, EXIT_UNMAPPED = 2 };

/* How many inputs (or annotated lines) wait for names before they print. */
#define BATCH_MAX 1024
/* A longer stdin line is cut into pieces of this size. */
#define LINE_MAX_BYTES (1u << 20)

struct opts {
	bool json, annotate, diagnose, have_via;
	uint32_t via;
	bool resolve;  /* --resolve or --dns */
	bool numeric;  /* -n: wins over resolve */
	struct fsc_enrich_opts enr;
};

enum item_kind { ITEM_ERR, ITEM_ADDR, ITEM_PREFIX };

struct item {
	char *input; /* as given */
	enum item_kind kind;
	const char *why;  /* ITEM_ERR: static reason */
	char whybuf[256]; /* or a built one */
	/* ITEM_ADDR */
	struct fsc_tsaddr_info info;
	/* ITEM_PREFIX */
	struct fsc_prefix pfx, cpfx;
	enum fsc_tsaddr_class pcls;
	/* both */
	struct fsc_addr cp; /* counterpart address (ITEM_ADDR) */
	bool has_cp;
	bool has_site;
	uint32_t site;
};

struct line {
	char *text;
	size_t n;
	struct scan_hit *hits;
	size_t nhits;
};

struct unit {
	bool is_line;
	union {
		struct item it;
		struct line ln;
	} u;
};

struct ctx {
	struct opts o;
	struct fsc_enrich *enr;
	struct unit *batch;
	size_t nbatch;
	int rc;
	size_t kind_lines[IK_COUNT];	/* --diagnose */
};

/* ---------------------------------------------------------------- help */

static const char usage_text[] =
	"usage: " PROG " [OPTIONS] ADDR|PREFIX|- ...\n"
	"       " PROG " --annotate [OPTIONS] < LOG\n"
	"       " PROG " --diagnose [OPTIONS] < TAILSCALED_LOG\n";

static const char help_text[] =
	"\n"
	"Tailscale address arithmetic both ways, and names for addresses.\n"
	"\n"
	"  IPv6 in the 4to6 range fd7a:115c:a1e0:ab12:4843:cd96:6200::/104 -> 100.x\n"
	"  100.x (any of 100.0.0.0/8)                                  -> its 4to6 ULA\n"
	"  IPv6 in the 4via6 range fd7a:115c:a1e0:b1a::/64             -> site id + IPv4\n"
	"  IPv4 with --via SITE                                        -> its 4via6 ULA\n"
	"  100.100.100.100 <-> fd7a:115c:a1e0::53 (MagicDNS service)\n"
	"  ::ffff:a.b.c.d is unmapped to a.b.c.d first.\n"
	"  PREFIX: v6 length = v4 length + 96 (4to6: v4 inside 100.0.0.0/8, so /8 or\n"
	"  longer; 4via6: /96 or longer), e.g. 100.64.0.0/10 <->\n"
	"  fd7a:115c:a1e0:ab12:4843:cd96:6240:0/106.\n"
	"  '-' reads inputs from standard input: whitespace-separated words, '#'\n"
	"  starts a comment. [ADDR], ADDR:PORT, [ADDR]:PORT and IPv6 ADDR%ZONE are\n"
	"  taken as ADDR (the port and zone are ignored).\n"
	"\n"
	"Options:\n"
	"  -j, --json          one JSON object a line instead of text (keys below)\n"
	"  -a, --annotate      copy standard input to standard output, appending\n"
	"                      \" [...]\" after each address that can be named\n"
	"      --diagnose      like --annotate, but only a tailscaled log's Funnel\n"
	"                      ingress lines, each after its kind, then a diagnosis\n"
	"  -s, --status FILE   name Tailscale addresses from the output of\n"
	"                      `tailscale status --json` (Self and Peer entries)\n"
	"      --via SITE      map IPv4 inputs to 4via6 with this site id (0-65535)\n"
	"  -r, --resolve       add reverse DNS names (PTR); only public addresses\n"
	"                      are asked unless --dns names a server\n"
	"      --dns SERVER[:PORT]\n"
	"                      ask this server (IPv4, IPv6 or [IPv6]:PORT; port 53\n"
	"                      by default) for every address, private ones too;\n"
	"                      implies --resolve. E.g. MagicDNS: 100.100.100.100\n"
	"  -n, --numeric       no reverse DNS (overrides -r and --dns)\n"
	"      --timeout MS    give up on one PTR lookup after MS milliseconds\n"
	"                      (default 2000)\n"
	"      --geoip-db FILE MaxMind DB (City, Country or ASN); repeatable. Without\n"
	"                      it: $FSC_GEOIP_DB (colon-separated), then GeoLite2-*\n"
	"                      and GeoIP2-* .mmdb in /usr/share/GeoIP, /var/lib/GeoIP\n"
	"      --no-geoip      use no GeoIP database at all\n"
	"  -h, --help          this text\n"
	"  -V, --version       the version\n"
	"\n"
	"Text output, one line an input, fields separated by two spaces:\n"
	"  INPUT  COUNTERPART  CLASS[  key=value ...]\n"
	"  INPUT is the canonical form (RFC 5952); COUNTERPART is the mapped address or\n"
	"  prefix, or '-'; CLASS is one of: public cgnat chromeos 4to6 4via6 ephemeral\n"
	"  service tailscale-ula derp-magic private loopback link-local documentation\n"
	"  benchmark unspecified multicast ula reserved. Keys, in this order, where\n"
	"  known: site, unmapped, node, rdns, country, city, asn, as_org. Values with\n"
	"  spaces, quotes or control characters are quoted with C escapes.\n"
	"  fd7a:115c:a1e0:ab12:4843:cd96:6268:d02b  100.104.208.43  4to6\n"
	"\n"
	"JSON output (--json), one object a line; always present: input (as given),\n"
	"kind (address|prefix), addr (canonical), class, description, counterpart\n"
	"(string or null); present when they apply: site, unmapped, node {name,\n"
	"host_name, dns_name, ips}, rdns, country, city, asn, as_org, error (the\n"
	"reason of an input in error; then kind, addr, class and description are\n"
	"null when it did not parse).\n"
	"\n"
	"Annotations (--annotate): after ADDR, ADDR:PORT, ADDR/LEN, [ADDR] or\n"
	"[ADDR]:PORT a bracket with what is known, in the tag fdecode and fwatch\n"
	"show: the range\n"
	"(\"4to6 100.x\", \"4via6 site N IPv4\", \"tailnet\", \"tailnet ephemeral\",\n"
	"\"MagicDNS\", \"DERP\"), then the node's IPv4 and name, country, ASn and PTR\n"
	"name. Addresses with nothing to say are left as they are;\n"
	"the rest of the line is copied byte for byte.\n"
	"\n"
	"Diagnosis (--diagnose): the kinds are no-ingress-cap (peerapi: ingress:\n"
	"denied; no ingress cap), ingress-bad-request, no-serve-config,\n"
	"unconfigured-target (got ingress conn for unconfigured), filter-drop\n"
	"(Drop: ... no rules matched), tls-handshake-error and cert-error (cert,\n"
	"ACME); the diagnosis counts each kind and says what it means and its fix.\n"
	"\n"
	"An address with no Tailscale counterpart prints its class with '-'\n"
	"(8.8.8.8  -  public). An input that does not parse, or a Tailscale ULA\n"
	"outside 4to6 and 4via6 that --status does not name, gets one line on\n"
	"standard error (and with --json an object with \"error\"):\n"
	"  " PROG ": 'INPUT': reason\n"
	"and the others still print.\n"
	"\n"
	"Exit status: 0 every input mapped, named or classified; 1 usage error;\n"
	"2 some input is in error as above, or standard input or --status FILE\n"
	"could not be read.\n";

__attribute__((format(printf, 1, 2), noreturn))
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n%sTry '" PROG " --help'.\n", usage_text);
	exit(EXIT_USAGE);
}

/* ---------------------------------------------------------------- items */

__attribute__((format(printf, 2, 3)))
static void set_err(struct item *it, const char *fmt, ...)
{
	va_list ap;

	it->kind = ITEM_ERR;
	va_start(ap, fmt);
	vsnprintf(it->whybuf, sizeof(it->whybuf), fmt, ap);
	va_end(ap);
	it->why = it->whybuf;
}

static void analyse_prefix(struct ctx *c, struct item *it)
{
	const char *why = NULL;
	const struct fsc_prefix *p = &it->pfx;
	static const uint8_t via_pfx[8] = { 0xfd, 0x7a, 0x11, 0x5c, 0xa1, 0xe0, 0x0b, 0x1a };
	bool ok;

	it->pcls = fsc_tsaddr_classify_prefix(p);
	if (p->addr.family == 4 && c->o.have_via) {
		ok = fsc_tsaddr_prefix_via(c->o.via, p, &it->cpfx, &why);
		it->has_site = ok;
		it->site = c->o.via;
	} else if (p->addr.family == 4) {
		ok = fsc_tsaddr_prefix_4to6(p, &it->cpfx, &why);
	} else {
		/* Inside (or over) the 4via6 /64: that range's rules. */
		struct fsc_prefix via = { .len = 64 };
		fsc_addr_set6(&via.addr, (const uint8_t[16]){ 0 });
		memcpy(via.addr.b, via_pfx, 8);
		if (p->len >= 64 && fsc_prefix_contains(&via, &p->addr)) {
			ok = fsc_tsaddr_prefix_unvia(p, &it->site, &it->cpfx, &why);
			it->has_site = ok;
		} else {
			ok = fsc_tsaddr_prefix_6to4(p, &it->cpfx, &why);
		}
	}
	it->has_cp = ok;
	if (!ok)
		set_err(it, "%s", why);
}

static void analyse_addr(struct ctx *c, struct item *it, const struct fsc_addr *a)
{
	struct fsc_tsaddr_info *i = &it->info;

	fsc_tsaddr_classify(a, i);
	if (i->addr.family == 4 && c->o.have_via) {
		it->has_cp = fsc_tsaddr_via(c->o.via, &i->addr, &it->cp);
		it->has_site = true;
		it->site = c->o.via;
		return;
	}
	if (i->peer.family) {
		it->cp = i->peer;
		it->has_cp = true;
	} else if (i->addr.family == 4 && fsc_tsaddr_4to6(&i->addr, &it->cp)) {
		/* 100.x outside CGNAT (or ChromeOS): the arithmetic holds; the
		 * class column tells Tailscale never hands it out. */
		it->has_cp = true;
	}
	if (i->cls == FSC_TSADDR_4VIA6) {
		it->has_site = true;
		it->site = i->site;
	}
}

/* A port after an address: 1 to 5 digits, at most 65535. */
static bool is_port(const char *s, size_t n)
{
	unsigned long v = 0;

	if (n == 0 || n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v <= 65535;
}

/* The address inside an endpoint, as logs and `ss` print them:
 * "[fd7a::1]:443" and "[fd7a::1]" -> "fd7a::1", "100.64.0.1:41641" ->
 * "100.64.0.1", "fe80::1%eth0" -> "fe80::1". The port and the zone say
 * nothing about the address's range, so they are dropped here. */
static void endpoint_addr(const char **s, size_t *n)
{
	const char *p = *s;
	size_t len = *n;
	const char *close = len ? memchr(p, ']', len) : NULL;

	if (len >= 2 && p[0] == '[' && close) {
		size_t in = (size_t)(close - p) - 1, rest = len - in - 2;
		if (rest == 0 || (close[1] == ':' && is_port(close + 2, rest - 1))) {
			p++;
			len = in;
		}
	} else {
		const char *colon = len ? memchr(p, ':', len) : NULL;
		/* One ':' after a dotted quad: IPv4:PORT (IPv6 has two or more). */
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon - p) - 1) &&
		    memchr(p, '.', (size_t)(colon - p)) &&
		    is_port(colon + 1, len - (size_t)(colon - p) - 1))
			len = (size_t)(colon - p);
	}
	const char *pct = len ? memchr(p, '%', len) : NULL;
	/* A zone is an IPv6 address's only: fe80::1%eth0, not 1.2.3.4%x. */
	if (pct && pct + 1 < p + len && memchr(p, ':', (size_t)(pct - p)) &&
	    !memchr(p, '/', len))
		len = (size_t)(pct - p);
	*s = p;
	*n = len;
}

static void analyse(struct ctx *c, struct item *it)
{
	const char *s = it->input;
	size_t n = strlen(s);
	struct fsc_addr a;
	const char *why = NULL;
	char buf[FSC_ADDR_STRLEN + 1];

	endpoint_addr(&s, &n);
	enum fsc_status st = fsc_tsaddr_parse_prefix(s, n, &it->pfx, &why);
	if (st == FSC_OK) {
		it->kind = ITEM_PREFIX;
		analyse_prefix(c, it);
		return;
	}
	if (st == FSC_MALFORMED) {
		char sug[FSC_PREFIX_STRLEN];
		if (strcmp(why, "host bits set past the prefix length") == 0)
			set_err(it, "%s (did you mean %s?)", why, fsc_prefix_str(&it->pfx, sug));
		else
			set_err(it, "%s", why);
		return;
	}
	if (n == 0 || n >= sizeof(buf)) {
		set_err(it, "%s", n ? "too long for an address" : "empty input");
		return;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!fsc_addr_parse(buf, &a)) {
		set_err(it, "%s", "not an IPv4 or IPv6 address or prefix");
		return;
	}
	it->kind = ITEM_ADDR;
	analyse_addr(c, it, &a);
}

/* ---------------------------------------------------------------- output */

/* ---------------------------------------------------------------- names */

/* A counterpart is worth its own PTR query only when it is Tailscale's
 * (MagicDNS names 100.x addresses, maybe not their 4to6 form). */
static bool tailscale_cp(const struct fsc_addr *cp)
{
	struct fsc_tsaddr_info i;

	if (!cp)
		return false;
	fsc_tsaddr_classify(cp, &i);
	return fsc_tsaddr_is_tailscale(i.cls);
}

/* Starts whatever lookups a and its counterpart (may be NULL) need. */
static void want(struct ctx *c, const struct fsc_addr *a, const struct fsc_addr *cp)
{
	fsc_enrich_want(c->enr, a);
	if (tailscale_cp(cp))
		fsc_enrich_want(c->enr, cp);
}

/* What is known about a, falling back on its counterpart for the node and
 * the PTR name. */
static void lookup(struct ctx *c, const struct fsc_addr *a, const struct fsc_addr *cp,
		   struct fsc_enrich_info *e)
{
	fsc_enrich_get(c->enr, a, e);
	if (!cp)
		return;
	if (!e->node)
		e->node = fsc_enrich_node(c->enr, cp);
	if (e->rdns_st != FSC_RDNS_FOUND && tailscale_cp(cp)) {
		struct fsc_enrich_info ci;
		fsc_enrich_get(c->enr, cp, &ci);
		if (ci.rdns_st == FSC_RDNS_FOUND) {
			e->rdns_st = FSC_RDNS_FOUND;
			memcpy(e->rdns, ci.rdns, sizeof(e->rdns));
		}
	}
}

/* Did the lookups name anything? (A range alone is not a name here.) */
static bool named(const struct fsc_enrich_info *e)
{
	return e->node || e->rdns_st == FSC_RDNS_FOUND ||
	       (e->have_geo && (e->geo.country[0] || e->geo.asn));
}

static void text_kv(const char *key, const char *val)
{
	printf("  %s=", key);
	out_text_value(stdout, val);
}

static void print_enrichment_text(const struct fsc_enrich_info *e)
{
	char num[16];

	if (e->node)
		text_kv("node", fsc_tsnode_name(e->node) ? fsc_tsnode_name(e->node) : "?");
	if (e->rdns_st == FSC_RDNS_FOUND)
		text_kv("rdns", e->rdns);
	if (!e->have_geo)
		return;
	if (e->geo.country[0])
		text_kv("country", e->geo.country);
	if (e->geo.city[0])
		text_kv("city", e->geo.city);
	if (e->geo.asn) {
		snprintf(num, sizeof(num), "%u", e->geo.asn);
		text_kv("asn", num);
	}
	if (e->geo.as_org[0])
		text_kv("as_org", e->geo.as_org);
}

/* JSON lines through the one writer (fsc/jsonw.h), each handed to stdout's
 * buffer as it ends, so it keeps its place among the other output. */
static struct fsc_outbuf json_out;
static struct fsc_jsonw jw;

static struct fsc_jsonw *json_begin(const char *input)
{
	if (!json_out.buf) {
		struct stat st;
		if (!fsc_outbuf_init(&json_out, stdout)) {
			fputs(PROG ": out of memory\n", stderr);
			exit(EXIT_USAGE);
		}
		/* A script reading at a pipe's end gets each answer as it is
		 * made (`tail -f log | ula2v4 --json - | jq`). */
		json_out.line_flush = isatty(STDOUT_FILENO) ||
				      (fstat(STDOUT_FILENO, &st) == 0 &&
				       (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)));
	}
	fsc_jsonw_init(&jw, &json_out);
	fsc_jsonw_object_begin(&jw);
	/* Every object echoes its input, even an empty argument: a script
	 * pairs answers with inputs by it. */
	if (input[0])
		fsc_jsonw_cstr(&jw, "input", input);
	else
		fsc_jsonw_raw(&jw, "input", "\"\"", 2);
	return &jw;
}

static void json_end(struct fsc_jsonw *w)
{
	fsc_jsonw_line_end(w);
	fsc_outbuf_flush(w->ob);
}

/* A name or null: the node object keeps all its keys. */
static void json_name_or_null(struct fsc_jsonw *w, const char *key, const char *s)
{
	if (s && s[0])
		fsc_jsonw_cstr(w, key, s);
	else
		fsc_jsonw_null(w, key);
}

static void print_enrichment_json(struct fsc_jsonw *w, const struct fsc_enrich_info *e)
{
	if (e->node) {
		const struct fsc_tsnode *nd = e->node;
		fsc_jsonw_object_begin_at(w, "node");
		json_name_or_null(w, "name", fsc_tsnode_name(nd));
		json_name_or_null(w, "host_name", nd->host);
		json_name_or_null(w, "dns_name", nd->dns);
		fsc_jsonw_array_begin(w, "ips");
		for (size_t i = 0; i < nd->nips; i++)
			fsc_jsonw_addr(w, NULL, &nd->ips[i]);
		fsc_jsonw_array_end(w);
		fsc_jsonw_object_end(w);
	}
	if (e->rdns_st == FSC_RDNS_FOUND)
		fsc_jsonw_cstr(w, "rdns", e->rdns);
	if (!e->have_geo)
		return;
	fsc_jsonw_cstr(w, "country", e->geo.country);
	fsc_jsonw_cstr(w, "city", e->geo.city);
	if (e->geo.asn)
		fsc_jsonw_u64(w, "asn", e->geo.asn);
	fsc_jsonw_cstr(w, "as_org", e->geo.as_org);
}

static void prefix_description(const struct item *it, char *buf, size_t len)
{
	char s[FSC_PREFIX_STRLEN];
	struct fsc_tsaddr_info tmp;

	if (it->pfx.addr.family == 6 && it->has_site) {
		snprintf(buf, len, "4via6 site %u of %s", it->site, fsc_prefix_str(&it->cpfx, s));
	} else if (it->pfx.addr.family == 6 && it->has_cp) {
		snprintf(buf, len, "4to6 of %s", fsc_prefix_str(&it->cpfx, s));
	} else {
		memset(&tmp, 0, sizeof(tmp));
		tmp.cls = it->pcls;
		fsc_tsaddr_describe(&tmp, buf, len);
	}
}

static void report_error(struct ctx *c, const char *input, const char *why)
{
	fprintf(stderr, PROG ": '");
	/* The input came from a user or a file: escape it like any other. */
	out_text_sq(stderr, input);
	fprintf(stderr, "': %s\n", why);
	c->rc = EXIT_UNMAPPED;
}

/* The classes whose IPv4 exists but only --status can tell. */
static bool needs_counterpart(enum fsc_tsaddr_class cls)
{
	return cls == FSC_TSADDR_TS_ULA || cls == FSC_TSADDR_EPHEMERAL;
}

/* Why a Tailscale ULA with no counterpart and no name cannot be mapped. */
static void unmapped_reason(const struct ctx *c, const struct item *it, char *buf, size_t len)
{
	char d[96];

	fsc_tsaddr_describe(&it->info, d, sizeof(d));
	if (c->o.enr.status_path)
		snprintf(buf, len, "%s: not in %s", d, c->o.enr.status_path);
	else
		snprintf(buf, len, "%s: only the 4to6 and 4via6 ranges map by "
			 "arithmetic; --status FILE can name it", d);
}

/* An input with no answer: its line on standard error and, with --json,
 * an object too, so every input has one (cls NULL: it did not parse). */
static void print_error(struct ctx *c, const struct item *it, const char *cls)
{
	report_error(c, it->input, it->why);
	if (!c->o.json)
		return;
	struct fsc_jsonw *w = json_begin(it->input);
	if (cls) {
		char d[96];
		fsc_jsonw_token(w, "kind", "address");
		fsc_jsonw_addr(w, "addr", &it->info.addr);
		fsc_jsonw_token(w, "class", cls);
		fsc_jsonw_cstr(w, "description", fsc_tsaddr_describe(&it->info, d, sizeof(d)));
	} else {
		fsc_jsonw_null(w, "kind");
		fsc_jsonw_null(w, "addr");
		fsc_jsonw_null(w, "class");
		fsc_jsonw_null(w, "description");
	}
	fsc_jsonw_null(w, "counterpart");
	fsc_jsonw_cstr(w, "error", it->why);
	json_end(w);
}

static void print_item(struct ctx *c, struct item *it)
{
	char a[FSC_PREFIX_STRLEN], b[FSC_PREFIX_STRLEN], d[128];
	struct fsc_enrich_info e;
	const char *cls;

	if (it->kind == ITEM_ERR) {
		print_error(c, it, NULL);
		return;
	}
	if (it->kind == ITEM_PREFIX) {
		memset(&e, 0, sizeof(e)); /* a prefix has no names */
		e.rdns_st = FSC_RDNS_SKIPPED;
		fsc_prefix_str(&it->pfx, a);
		fsc_prefix_str(&it->cpfx, b);
		cls = fsc_tsaddr_class_name(it->pcls);
		prefix_description(it, d, sizeof(d));
	} else {
		lookup(c, &it->info.addr, it->has_cp ? &it->cp : NULL, &e);
		/* A Tailscale ULA that is not arithmetic: the IPv4 of the
		 * node that --status says holds it. */
		for (size_t k = 0; !it->has_cp && e.node && it->info.addr.family == 6 &&
				   k < e.node->nips; k++) {
			if (e.node->ips[k].family == 4) {
				it->cp = e.node->ips[k];
				it->has_cp = true;
			}
		}
		/* A Tailscale ULA has an IPv4 that arithmetic cannot find: an
		 * error. Any other address's class is its answer (8.8.8.8 is
		 * "public", with no counterpart). */
		if (!it->has_cp && !named(&e) && needs_counterpart(it->info.cls)) {
			unmapped_reason(c, it, it->whybuf, sizeof(it->whybuf));
			it->why = it->whybuf;
			print_error(c, it, fsc_tsaddr_class_name(it->info.cls));
			return;
		}
		/* The input's own text: mapped inputs keep their ::ffff: form. */
		struct fsc_addr orig = it->info.addr;
		if (it->info.mapped) {
			uint8_t m[16] = { [10] = 0xff, [11] = 0xff };
			memcpy(m + 12, it->info.addr.b, 4);
			fsc_addr_set6(&orig, m);
		}
		fsc_addr_str(&orig, a);
		if (it->has_cp)
			fsc_addr_str(&it->cp, b);
		cls = fsc_tsaddr_class_name(it->info.cls);
		fsc_tsaddr_describe(&it->info, d, sizeof(d));
	}

	if (c->o.json) {
		struct fsc_jsonw *w = json_begin(it->input);
		fsc_jsonw_token(w, "kind", it->kind == ITEM_PREFIX ? "prefix" : "address");
		fsc_jsonw_token(w, "addr", a);
		fsc_jsonw_token(w, "class", cls);
		fsc_jsonw_cstr(w, "description", d);
		if (it->has_cp)
			fsc_jsonw_token(w, "counterpart", b);
		else
			fsc_jsonw_null(w, "counterpart");
		if (it->has_site)
			fsc_jsonw_u64(w, "site", it->site);
		if (it->kind == ITEM_ADDR && it->info.mapped)
			fsc_jsonw_addr(w, "unmapped", &it->info.addr);
		print_enrichment_json(w, &e);
		json_end(w);
		return;
	}
	printf("%s  %s  %s", a, it->has_cp ? b : "-", cls);
	if (it->has_site)
		printf("  site=%u", it->site);
	if (it->kind == ITEM_ADDR && it->info.mapped) {
		char u[FSC_ADDR_STRLEN];
		printf("  unmapped=%s", fsc_addr_str(&it->info.addr, u));
	}
	print_enrichment_text(&e);
	putchar('\n');
}

/* ---------------------------------------------------------------- annotate */

/* The bracket text for one address: the one tag of fsc/enrich.h (escaped
 * there), or "" when there is nothing to say. */
static void annotation(struct ctx *c, const struct fsc_addr *a, char *buf, size_t len)
{
	struct fsc_tsaddr_info i;
	struct fsc_enrich_info e;

	fsc_tsaddr_classify(a, &i);
	lookup(c, &i.addr, i.peer.family ? &i.peer : NULL, &e);
	fsc_enrich_tag_of(&e, buf, len);
}

static void print_line(struct ctx *c, const struct line *ln)
{
	size_t at = 0;
	char ann[FSC_ENRICH_TAG_MAX];

	if (c->o.diagnose) {
		enum ingress_kind k = ingress_classify(ln->text, ln->n);

		if (k == IK_NONE)
			return;
		c->kind_lines[k]++;
		printf("%s: ", ingress_kind_name(k));
	}

	for (size_t h = 0; h < ln->nhits; h++) {
		const struct scan_hit *hit = &ln->hits[h];
		annotation(c, &hit->addr, ann, sizeof(ann));
		if (!ann[0])
			continue;
		/* The address is followed by its port or ']' where there is
		 * one; the annotation goes after the whole endpoint. */
		fwrite(ln->text + at, 1, hit->end - at, stdout);
		at = hit->end;
		printf(" [%s]", ann);
	}
	fwrite(ln->text + at, 1, ln->n - at, stdout);
}

/* --diagnose's summary: each kind seen, what it means, its fix. */
static void print_diagnosis(const struct ctx *c)
{
	size_t total = 0;

	for (int k = IK_NONE + 1; k < IK_COUNT; k++)
		total += c->kind_lines[k];
	printf("\ndiagnosis: %zu ingress-related line%s\n", total, total == 1 ? "" : "s");
	for (int k = IK_NONE + 1; k < IK_COUNT; k++) {
		if (!c->kind_lines[k])
			continue;
		printf("  %s (%zu): %s\n    fix: %s\n", ingress_kind_name((enum ingress_kind)k),
		       c->kind_lines[k], ingress_meaning((enum ingress_kind)k),
		       ingress_fix((enum ingress_kind)k));
	}
}

/* ---------------------------------------------------------------- batch */

static void flush(struct ctx *c)
{
	fsc_enrich_drain(c->enr, fsc_enrich_drain_budget_ms(c->enr));
	for (size_t i = 0; i < c->nbatch; i++) {
		struct unit *u = &c->batch[i];
		if (u->is_line) {
			print_line(c, &u->u.ln);
			free(u->u.ln.text);
			free(u->u.ln.hits);
		} else {
			print_item(c, &u->u.it);
			free(u->u.it.input);
		}
	}
	c->nbatch = 0;
	fflush(stdout);
}

static struct unit *new_unit(struct ctx *c)
{
	if (c->nbatch == BATCH_MAX)
		flush(c);
	struct unit *u = &c->batch[c->nbatch++];
	memset(u, 0, sizeof(*u));
	return u;
}

static void add_input(struct ctx *c, const char *s, size_t n)
{
	struct unit *u = new_unit(c);
	struct item *it = &u->u.it;

	it->input = strndup(s, n);
	if (!it->input) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(EXIT_UNMAPPED);
	}
	analyse(c, it);
	if (it->kind == ITEM_ADDR)
		want(c, &it->info.addr, it->has_cp ? &it->cp : NULL);
}

static void add_line(struct ctx *c, const char *s, size_t n)
{
	struct unit *u = new_unit(c);
	struct line *ln = &u->u.ln;
	size_t pos = 0, cap = 0;
	struct scan_hit hit;

	u->is_line = true;
	ln->text = malloc(n ? n : 1);
	if (!ln->text) {
		fprintf(stderr, PROG ": out of memory\n");
		exit(EXIT_UNMAPPED);
	}
	memcpy(ln->text, s, n);
	ln->n = n;
	while (scan_next(ln->text, n, &pos, &hit)) {
		if (ln->nhits == cap) {
			cap = cap ? cap * 2 : 4;
			struct scan_hit *nh = realloc(ln->hits, cap * sizeof(*nh));
			if (!nh) {
				fprintf(stderr, PROG ": out of memory\n");
				exit(EXIT_UNMAPPED);
			}
			ln->hits = nh;
		}
		ln->hits[ln->nhits++] = hit;
		struct fsc_tsaddr_info i;
		fsc_tsaddr_classify(&hit.addr, &i);
		want(c, &i.addr, i.peer.family ? &i.peer : NULL);
	}
}

/* ---------------------------------------------------------------- stdin */

struct reader {
	int fd;
	char *buf;
	size_t off, len, cap;
	bool eof;
	int err;
};

/* The next line, '\n' included when there is one; NULL at end of input.
 * Valid until the next call. */
static const char *next_line(struct reader *r, size_t *n)
{
	for (;;) {
		char *nl = r->buf ? memchr(r->buf + r->off, '\n', r->len - r->off) : NULL;
		if (nl || (r->eof && r->off < r->len) || r->len - r->off >= LINE_MAX_BYTES) {
			size_t end = nl ? (size_t)(nl - r->buf) + 1 :
				     r->len - r->off >= LINE_MAX_BYTES ? r->off + LINE_MAX_BYTES :
									 r->len;
			const char *s = r->buf + r->off;
			*n = end - r->off;
			r->off = end;
			return s;
		}
		if (r->eof)
			return NULL;
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len == r->cap) {
			size_t nc = r->cap ? r->cap * 2 : 65536;
			char *nb = realloc(r->buf, nc);
			if (!nb) {
				fprintf(stderr, PROG ": out of memory\n");
				exit(EXIT_UNMAPPED);
			}
			r->buf = nb;
			r->cap = nc;
		}
		ssize_t got = read(r->fd, r->buf + r->len, r->cap - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			r->err = errno;
			r->eof = true;
		} else if (got == 0) {
			r->eof = true;
		} else {
			r->len += (size_t)got;
		}
	}
}

/* True when another line can be had without waiting. */
static bool line_ready(const struct reader *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };

	if (r->eof || (r->buf && memchr(r->buf + r->off, '\n', r->len - r->off)))
		return true;
	return poll(&p, 1, 0) > 0;
}

static void words(struct ctx *c, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
			i++;
		if (i >= n || s[i] == '#')
			return;
		size_t b = i;
		while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			i++;
		add_input(c, s + b, i - b);
	}
}

static void read_stdin(struct ctx *c, bool annotate)
{
	struct reader r = { .fd = 0 };
	const char *s;
	size_t n;

	while ((s = next_line(&r, &n))) {
		if (annotate)
			add_line(c, s, n);
		else
			words(c, s, n);
		/* Interactive use: answer what was typed before waiting. */
		if (!line_ready(&r))
			flush(c);
	}
	flush(c);
	free(r.buf);
	if (r.err) {
		fprintf(stderr, PROG ": standard input: %s\n", strerror(r.err));
		c->rc = EXIT_UNMAPPED;
	}
}

/* ---------------------------------------------------------------- main */

static unsigned long parse_num(const char *opt, const char *s, unsigned long max)
{
	uint64_t v;

	if (!fsc_cli_u64(PROG, opt, s, 0, max, &v)) {
		fprintf(stderr, "%sTry '" PROG " --help'.\n", usage_text);
		exit(EXIT_USAGE);
	}
	return (unsigned long)v;
}

enum { OPT_VIA = 256, OPT_DNS, OPT_TIMEOUT, OPT_GEOIP_DB, OPT_NO_GEOIP, OPT_DIAGNOSE };

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "annotate", no_argument, NULL, 'a' },
		{ "diagnose", no_argument, NULL, OPT_DIAGNOSE },
		{ "status", required_argument, NULL, 's' },
		{ "via", required_argument, NULL, OPT_VIA },
		{ "resolve", no_argument, NULL, 'r' },
		{ "dns", required_argument, NULL, OPT_DNS },
		{ "numeric", no_argument, NULL, 'n' },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "geoip-db", required_argument, NULL, OPT_GEOIP_DB },
		{ "no-geoip", no_argument, NULL, OPT_NO_GEOIP },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctx c;
	int ch;
	char err[512];

	/* getopt names argv[0] in its messages; name the program, not a path. */
	argv[0] = (char *)PROG;
	memset(&c, 0, sizeof(c));
	fsc_enrich_opts_init(&c.o.enr);
	while ((ch = getopt_long(argc, argv, "jas:rnhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			c.o.json = true;
			break;
		case 'a':
			c.o.annotate = true;
			break;
		case OPT_DIAGNOSE:
			c.o.annotate = c.o.diagnose = true;
			break;
		case 's':
			c.o.enr.status_path = optarg;
			break;
		case OPT_VIA:
			c.o.via = (uint32_t)parse_num("--via", optarg, 65535);
			c.o.have_via = true;
			break;
		case 'r':
			c.o.resolve = true;
			break;
		case OPT_DNS:
			c.o.enr.dns_server = optarg;
			c.o.resolve = true;
			break;
		case 'n':
			c.o.numeric = true;
			break;
		case OPT_TIMEOUT:
			c.o.enr.dns_timeout_ms = (unsigned)parse_num("--timeout", optarg, 600000);
			if (c.o.enr.dns_timeout_ms == 0)
				usage_error("%s: must be at least 1 ms", "--timeout");
			break;
		case OPT_GEOIP_DB:
			if (!fsc_enrich_opts_add_geoip(&c.o.enr, optarg))
				usage_error("%s: too many databases", "--geoip-db");
			break;
		case OPT_NO_GEOIP:
			c.o.enr.no_geoip = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return EXIT_MAPPED;
		case 'V':
			printf(PROG " " FSC_VERSION "\n");
			return EXIT_MAPPED;
		default:
			fputs(usage_text, stderr);
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
	}
	if (c.o.annotate && c.o.json)
		usage_error("%s", "--annotate writes text; drop --json");
	if (c.o.annotate && optind < argc)
		usage_error("--annotate reads standard input only; unexpected '%s'", argv[optind]);
	if (!c.o.annotate && optind == argc)
		usage_error("%s", "no ADDR, PREFIX or '-' given");

	bool usage = false;
	/* Names from DNS only when asked for, and then a resolver that cannot
	 * start is an error. */
	c.o.enr.no_dns = !c.o.resolve || c.o.numeric;
	c.o.enr.dns_required = true;
	c.enr = fsc_enrich_new(&c.o.enr, err, sizeof(err), &usage);
	if (!c.enr) {
		if (usage)
			usage_error("%s", err);
		fprintf(stderr, PROG ": %s\n", err);
		return EXIT_UNMAPPED;
	}
	c.batch = calloc(BATCH_MAX, sizeof(*c.batch));
	if (!c.batch) {
		fprintf(stderr, PROG ": out of memory\n");
		return EXIT_UNMAPPED;
	}
	if (c.o.annotate) {
		read_stdin(&c, true);
		if (c.o.diagnose)
			print_diagnosis(&c);
	} else {
		bool stdin_done = false;
		for (int i = optind; i < argc; i++) {
			if (strcmp(argv[i], "-") == 0) {
				if (stdin_done)
					continue;
				flush(&c);
				read_stdin(&c, false);
				stdin_done = true;
			} else {
				add_input(&c, argv[i], strlen(argv[i]));
			}
		}
		flush(&c);
	}
	free(c.batch);
	fsc_enrich_free(c.enr);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, PROG ": standard output: %s\n", strerror(errno));
		return EXIT_UNMAPPED;
	}
	return c.rc;
}
