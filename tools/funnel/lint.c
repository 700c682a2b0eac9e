/* lint.c - the serve-config lint (`fnode status`, `fdoctor lint`): what a
 * ServeConfig serves, whether it can (backends, certificates) and what it
 * should not serve any more: any Web
 * or AllowFunnel host that is not the node's current name is the leftover
 * of a rename (refpair.md §1.7; tailscale's CLI builds keys from the current
 * name, so it cannot remove them), printed with the exact commands that
 * remove it. Works on `tailscale serve status --json` output as well. */
#include "lint.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "certpair.h"
#include "cli.h"
#include "net.h"
#include "serveconf.h"

enum { ST_OK = 0, ST_ERROR = 1, ST_USAGE = 2, ST_PROBLEMS = 3 };

/* Ports a Funnel edge opens (tailscale's ipn.IsFunnelPort without the
 * TS_ALLOW_FUNNEL_ANY_PORT debug knob). */
static const unsigned funnel_ports[] = { 443, 8443, 10000 };
#define MIN_TUNNEL_MTU 1280	/* IPv6's minimum link MTU (RFC 8200 §5) */
#define CERT_WARN_DAYS 14	/* tailscale renews at a third of the lifetime left */
#define MAX_ALLOWED 16

static const char lint_usage[] =
	" --serve-config FILE [--name FQDN] [--certs DIR] [--json]\n"
	"          [--fixed-config OUT] [--allow-port N] [--mtu N]\n"
	"\n"
	"Each name:port of the config with its handlers, whether each Proxy\n"
	"backend accepts a TCP connection now, the certificate (with --certs:\n"
	"present, key matches, SAN covers the name, days left, expiring within\n"
	"14 days) and STALE entries: Web or AllowFunnel hosts that are not the\n"
	"node's name (what a rename leaves behind), each with the commands that\n"
	"remove it. Also flagged: funnel on without a TCP handler for its port,\n"
	"funnel on a port Funnel does not open (443, 8443, 10000), TCP forwarding\n"
	"with PROXY protocol and TLS termination at once (tailscale#18865), and a\n"
	"tunnel MTU below 1280 (--mtu or $TS_DEBUG_MTU).\n"
	"\n"
	"  --serve-config FILE  fnode's config or `tailscale serve status --json`\n"
	"  --name FQDN          the node's current name (default: the config's only\n"
	"                       name; required when it has several)\n"
	"  --certs DIR          check DIR/<name>.crt and .key\n"
	"  --json               one JSON object instead of text\n"
	"  --fixed-config OUT   write the config without the stale entries to OUT\n"
	"                       (for fnode, or for `tailscale serve set-raw < OUT`)\n"
	"  --allow-port N       a port to accept for funnel besides 443, 8443 and\n"
	"                       10000 (repeatable; labs on free ports)\n"
	"  --mtu N              the tunnel MTU tailscaled runs with (default:\n"
	"                       $TS_DEBUG_MTU when set)\n"
	"\n"
	"Exit: 0 nothing to fix, 3 problems found (stale entries, unreachable\n"
	"backends, certificate problems, funnel on without a handler or on a\n"
	"closed port, PROXY with TerminateTLS, MTU below 1280), 1 the config\n"
	"cannot be read, 2 usage.\n";

static bool port_open(unsigned port, const unsigned *allowed, size_t n_allowed)
{
	size_t i;

	for (i = 0; i < sizeof(funnel_ports) / sizeof(funnel_ports[0]); i++)
		if (port == funnel_ports[i])
			return true;
	for (i = 0; i < n_allowed; i++)
		if (port == allowed[i])
			return true;
	return false;
}

static void warn(bool json, json_t *warns, const char *msg)
{
	if (json)
		json_array_append_new(warns, json_string(msg));
	else
		printf("\nwarning: %s\n", msg);
}

static void usage(FILE *f, const char *prog)
{
	fprintf(f, "usage: %s%s", prog, lint_usage);
}

static bool name_eq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la && a[la - 1] == '.')
		la--;
	if (lb && b[lb - 1] == '.')
		lb--;
	return la == lb && strncasecmp(a, b, la) == 0;
}

static bool reachable(const char *addr)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd p;
	int fd, ok;

	if (!fsc_sockaddr_parse(addr, &ss, &len))
		return false;
	fd = fsc_tcp_connect(&ss, len);
	if (fd < 0)
		return false;
	p.fd = fd;
	p.events = POLLOUT;
	ok = poll(&p, 1, 1000) == 1 && fsc_tcp_connect_result(fd) == 0;
	close(fd);
	return ok;
}

static const char *kind_name(enum fsc_sc_kind k)
{
	static const char *const names[] = { "proxy", "text", "path", "redirect" };

	return names[k];
}

/* Every distinct name:port of Web and AllowFunnel, in config order. */
struct hp {
	const char *hostport, *host;
	const struct fsc_sc_web *web;
	const struct fsc_sc_funnel *funnel;
};

static size_t collect(const struct fsc_serveconf *sc, struct hp *out, size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < sc->n_web && n < max; i++) {
		out[n].hostport = sc->web[i].hostport;
		out[n].host = sc->web[i].host;
		out[n].web = &sc->web[i];
		out[n++].funnel = NULL;
	}
	for (i = 0; i < sc->n_funnel; i++) {
		for (j = 0; j < n; j++)
			if (strcmp(out[j].hostport, sc->funnel[i].hostport) == 0)
				break;
		if (j == n) {
			if (n == max)
				break;
			out[n].hostport = sc->funnel[i].hostport;
			out[n].host = sc->funnel[i].host;
			out[n].web = NULL;
			n++;
		}
		out[j].funnel = &sc->funnel[i];
	}
	return n;
}

static bool pick_name(const struct hp *hps, size_t n, const char **name)
{
	size_t i;

	*name = NULL;
	for (i = 0; i < n; i++) {
		if (!*name)
			*name = hps[i].host;
		else if (!name_eq(*name, hps[i].host))
			return false;
	}
	return true;
}

static bool write_fixed(const char *in, const char *out, const struct hp *hps, size_t n,
			const char *name, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_load_file(in, JSON_REJECT_DUPLICATES, &je), *fg, *sub;
	const char *k;
	size_t i;
	int rc;

	if (!root) {
		snprintf(err, errlen, "%s", je.text);
		return false;
	}
	for (i = 0; i < n; i++) {
		if (name_eq(hps[i].host, name))
			continue;
		json_object_del(json_object_get(root, "Web"), hps[i].hostport);
		json_object_del(json_object_get(root, "AllowFunnel"), hps[i].hostport);
		fg = json_object_get(root, "Foreground");
		json_object_foreach(fg, k, sub) {
			json_object_del(json_object_get(sub, "Web"), hps[i].hostport);
			json_object_del(json_object_get(sub, "AllowFunnel"), hps[i].hostport);
		}
	}
	rc = json_dump_file(root, out, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	if (rc != 0)
		snprintf(err, errlen, "%s", strerror(errno));
	return rc == 0;
}

static void fix_text(FILE *f, const char *hostport, bool fg)
{
	fprintf(f, "    fix (tailscale): tailscale serve status --json | "
		   "jq 'del(.Web[\"%s\"], .AllowFunnel[\"%s\"])' > sc.json && "
		   "tailscale serve set-raw < sc.json\n", hostport, hostport);
	fprintf(f, "    or remove everything: tailscale serve reset\n");
	if (fg)
		fprintf(f, "    (a Foreground entry: it goes when its `tailscale serve` session ends)\n");
	fprintf(f, "    fix (fnode): fnode status --serve-config FILE --name NAME "
		   "--fixed-config NEW.json\n");
}

int fsc_lint_main(const char *prog, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "serve-config", required_argument, NULL, 's' },
		{ "name", required_argument, NULL, 'n' },
		{ "certs", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "fixed-config", required_argument, NULL, 'f' },
		{ "allow-port", required_argument, NULL, 'p' },
		{ "mtu", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned allowed[MAX_ALLOWED];
	size_t n_allowed = 0;
	const char *mtu_arg = getenv("TS_DEBUG_MTU"), *mtu_from = "TS_DEBUG_MTU";
	long mtu = 0;
	const char *file = NULL, *name = NULL, *certs = NULL, *fixed = NULL;
	bool json = false;
	struct fsc_serveconf sc;
	struct hp hps[512];
	size_t n, i, j, problems = 0;
	char err[512];
	json_t *doc = NULL, *hosts = NULL, *warns = NULL;
	int ch;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 's': file = optarg; break;
		case 'n': name = optarg; break;
		case 'c': certs = optarg; break;
		case 'j': json = true; break;
		case 'f': fixed = optarg; break;
		case 'p':
			if (n_allowed == MAX_ALLOWED) {
				char why[48];
				snprintf(why, sizeof(why), "more than %d ports", MAX_ALLOWED);
				return fsc_cli_bad(prog, ST_USAGE, "--allow-port", optarg, why);
			}
			if (!fsc_cli_uint(prog, "--allow-port", optarg, 1, 65535,
					  &allowed[n_allowed]))
				return ST_USAGE;
			n_allowed++;
			break;
		case 'm':
			mtu_arg = optarg;
			mtu_from = "--mtu";
			break;
		case 'h':
			usage(stdout, prog);
			return ST_OK;
		default:
			usage(stderr, prog);
			return ST_USAGE;
		}
	}
	if (!file || optind < argc) {
		fprintf(stderr, "%s: --serve-config FILE is required\n", prog);
		return ST_USAGE;
	}
	if (mtu_arg && *mtu_arg) {
		unsigned v;
		if (!fsc_cli_uint(prog, mtu_from, mtu_arg, 1, 65535, &v))
			return ST_USAGE;
		mtu = v;
	}
	if (!fsc_serveconf_load(file, &sc, err, sizeof(err))) {
		fprintf(stderr, "%s: --serve-config: '%s': %s\n", prog, file, err);
		return ST_ERROR;
	}
	n = collect(&sc, hps, sizeof(hps) / sizeof(hps[0]));
	if (!name && !pick_name(hps, n, &name)) {
		fprintf(stderr, "%s: the config names several hosts; give the node's "
				"current name with --name\n", prog);
		fsc_serveconf_free(&sc);
		return ST_USAGE;
	}
	if (json) {
		doc = json_object();
		hosts = json_array();
		warns = json_array();
		json_object_set_new(doc, "config", json_string(file));
		json_object_set_new(doc, "name", name ? json_string(name) : json_null());
	} else {
		printf("serve config '%s', node name %s\n", file, name ? name : "(none)");
	}
	for (i = 0; i < n; i++) {
		const struct hp *h = &hps[i];
		bool stale = name && !name_eq(h->host, name);
		bool fg = (h->web && h->web->foreground) || (h->funnel && h->funnel->foreground);
		bool funnel = h->funnel && h->funnel->on;
		struct fsc_cert_info ci;
		json_t *jh = NULL, *jhs = NULL;

		if (stale)
			problems++;
		if (json) {
			jh = json_object();
			jhs = json_array();
			json_object_set_new(jh, "hostport", json_string(h->hostport));
			json_object_set_new(jh, "host", json_string(h->host));
			json_object_set_new(jh, "funnel", json_boolean(funnel));
			json_object_set_new(jh, "stale", json_boolean(stale));
			json_object_set_new(jh, "foreground", json_boolean(fg));
		} else {
			printf("\n%s%s%s%s\n", h->hostport, funnel ? "  funnel on" : "",
			       fg ? "  (foreground)" : "", stale ? "  STALE: not the node's name" : "");
		}
		for (j = 0; h->web && j < h->web->n; j++) {
			const struct fsc_sc_handler *hd = &h->web->h[j];
			int reach = -1;

			if (hd->kind == FSC_SC_PROXY) {
				reach = hd->be_ok && reachable(hd->be_addr);
				if (!reach && !stale)
					problems++;
			}
			if (json) {
				json_t *o = json_object();

				json_object_set_new(o, "mount", json_string(hd->mount));
				json_object_set_new(o, "kind", json_string(kind_name(hd->kind)));
				json_object_set_new(o, "value", json_string(hd->value));
				json_object_set_new(o, "reachable",
						    reach < 0 ? json_null() : json_boolean(reach));
				json_array_append_new(jhs, o);
			} else {
				printf("  %-12s %-8s %s%s\n", hd->mount, kind_name(hd->kind), hd->value,
				       reach < 0 ? "" : reach ? "  (reachable)"
							 : hd->be_ok ? "  (UNREACHABLE)"
								     : "  (not served by fnode)");
			}
		}
		if (!h->web && !json) {
			const struct fsc_sc_tcp *t = h->funnel ? fsc_serveconf_tcp(&sc, h->funnel->port)
							     : NULL;

			if (t && t->forward)
				printf("  TCP forward  %s%s%s\n", t->forward,
				       t->terminate_tls ? " (TLS terminated)" : "",
				       t->proxy_protocol == 1 ? " (PROXY v1)" :
				       t->proxy_protocol == 2 ? " (PROXY v2)" : "");
			else
				printf("  no Web handlers\n");
		}
		if (certs && !stale) {
			fsc_cert_inspect(certs, h->host, &ci);
			if (!ci.key_ok || !ci.san_ok || ci.days_left < CERT_WARN_DAYS)
				problems++;
		}
		if (json) {
			json_object_set_new(jh, "handlers", jhs);
			if (certs && !stale) {
				json_t *c = json_object();

				json_object_set_new(c, "present", json_boolean(ci.present));
				json_object_set_new(c, "key_ok", json_boolean(ci.key_ok));
				json_object_set_new(c, "san_ok", json_boolean(ci.san_ok));
				json_object_set_new(c, "days_left", ci.key_ok ? json_integer(ci.days_left)
									      : json_null());
				json_object_set_new(c, "problem", ci.why[0] ? json_string(ci.why)
									    : json_null());
				json_object_set_new(jh, "cert", c);
			}
			if (stale) {
				char cmd[1200];

				snprintf(cmd, sizeof(cmd),
					 "tailscale serve status --json | jq 'del(.Web[\"%s\"], "
					 ".AllowFunnel[\"%s\"])' > sc.json && tailscale serve set-raw "
					 "< sc.json", h->hostport, h->hostport);
				json_object_set_new(jh, "fix", json_string(cmd));
				json_object_set_new(jh, "fix_all", json_string("tailscale serve reset"));
			}
			json_array_append_new(hosts, jh);
		} else {
			if (certs && !stale) {
				if (ci.key_ok && ci.san_ok)
					printf("  certificate  ok, %ld days left%s\n",
					       ci.days_left, ci.days_left < 0 ? " (EXPIRED)" :
					       ci.days_left < CERT_WARN_DAYS ?
					       " (EXPIRING within 14 days; fix: tailscale cert "
					       "NAME, or restart tailscaled to renew)" : "");
				else
					printf("  certificate  PROBLEM: %s\n", ci.why);
			}
			if (stale)
				fix_text(stdout, h->hostport, fg);
		}
	}
	/* tailscale's own warning: funnel on for a port no TCP handler serves */
	for (i = 0; i < sc.n_funnel; i++) {
		char msg[400];

		if (!sc.funnel[i].on || fsc_serveconf_tcp(&sc, sc.funnel[i].port))
			continue;
		problems++;
		snprintf(msg, sizeof(msg), "funnel=on for %s, but no serve config (no TCP entry "
			 "for port %u)", sc.funnel[i].hostport, sc.funnel[i].port);
		warn(json, warns, msg);
	}
	for (i = 0; i < sc.n_funnel; i++) {
		const struct fsc_sc_funnel *f = &sc.funnel[i];
		char msg[600];

		if (!f->on || port_open(f->port, allowed, n_allowed))
			continue;
		problems++;
		snprintf(msg, sizeof(msg), "funnel=on for %s, but Funnel opens only ports 443, "
			 "8443 and 10000; fix: tailscale funnel --https=443 off && move the "
			 "service: tailscale funnel --bg --https=443 <target>", f->hostport);
		warn(json, warns, msg);
	}
	for (i = 0; i < sc.n_tcp; i++) {
		const struct fsc_sc_tcp *t = &sc.tcp[i];
		char msg[600];

		if (!t->forward || !t->terminate_tls || !t->proxy_protocol)
			continue;
		problems++;
		snprintf(msg, sizeof(msg), "TCP %u forwards to %s with TLS terminated and PROXY "
			 "v%d: tailscaled writes the PROXY header into the TLS stream "
			 "(tailscale#18865); fix: tailscale serve --tcp=%u --proxy-protocol=0 "
			 "<target>, or terminate TLS at the backend (--tcp without "
			 "--tls-terminated-tcp)", t->port, t->forward, t->proxy_protocol, t->port);
		warn(json, warns, msg);
	}
	if (mtu && mtu < MIN_TUNNEL_MTU) {
		char msg[300];

		problems++;
		snprintf(msg, sizeof(msg), "tunnel MTU %ld (%s) is below %d, the IPv6 minimum: "
			 "IPv6 over the tailnet breaks; fix: unset TS_DEBUG_MTU (or set it to "
			 "1280 or more) and restart tailscaled", mtu, mtu_from, MIN_TUNNEL_MTU);
		warn(json, warns, msg);
	}
	if (sc.n_services && !json)
		printf("\nnote: %zu Services entries (not served by fnode)\n", sc.n_services);
	if (fixed && !write_fixed(file, fixed, hps, n, name ? name : "", err, sizeof(err))) {
		fprintf(stderr, "%s: --fixed-config: '%s': %s\n", prog, fixed, err);
		problems++;
	}
	if (json) {
		char *s;

		json_object_set_new(doc, "hosts", hosts);
		json_object_set_new(doc, "warnings", warns);
		json_object_set_new(doc, "services", json_integer((json_int_t)sc.n_services));
		json_object_set_new(doc, "problems", json_integer((json_int_t)problems));
		s = json_dumps(doc, JSON_COMPACT);
		if (s)
			puts(s);
		free(s);
		json_decref(doc);
	} else {
		printf("\n%zu problem%s\n", problems, problems == 1 ? "" : "s");
	}
	fsc_serveconf_free(&sc);
	return problems ? ST_PROBLEMS : ST_OK;
}
