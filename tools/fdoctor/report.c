/* report.c - the measurements as text (people), one JSON object (scripts)
 * or one line a change (--watch). Every string from the network (subject,
 * issuer, ALPN, an answer's body) was escaped where it was measured. */
#include "fdoctor.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>


static void text_probe(FILE *f, const struct fdoc_probe *p)
{
	fprintf(f, "%s %s port %u\n", fdoc_route_name(p->route), p->addr, p->port);
	if (p->connect_err[0]) {
		fprintf(f, "  tcp      FAILED: %s\n", p->connect_err);
		return;
	}
	fprintf(f, "  tcp      connected in %d ms\n", p->connect_ms);
	if (p->route == R_INGRESS)
		fprintf(f, "  ingress  %s\n", p->ingress_status == 101 ? "101 Switching Protocols"
									: p->ingress_err);
	if (p->route == R_INGRESS && p->ingress_status != 101)
		return;
	if (!p->tls_ok) {
		fprintf(f, "  tls      FAILED %s: %s\n",
			p->server_hello ? "after the ServerHello" : "before any ServerHello",
			p->tls_err);
		return;
	}
	fprintf(f, "  tls      %s in %d ms, ALPN %s\n", p->version, p->tls_ms,
		p->alpn[0] ? p->alpn : "(none)");
	if (p->have_cert)
		fprintf(f, "  cert     %s, issuer %s, %ld days left, chain %s, SAN %s\n",
			p->subject, p->issuer, p->days_left,
			p->verify == 0 ? "verified" : p->verify_err,
			p->san_ok ? "covers the name" : "DOES NOT cover the name");
	if (p->http_status)
		fprintf(f, "  http     %d in %d ms\n", p->http_status, p->http_ms);
	else
		fprintf(f, "  http     FAILED: %s\n", p->http_err);
}

void fdoc_report_text(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r)
{
	size_t i, j;

	fprintf(f, "fdoctor %s port %u\n\n", o->name, o->port);
	for (i = 0; i < r->n_dns; i++) {
		const struct fdoc_dns *d = &r->dns[i];

		fprintf(f, "dns %s (%s) in %u ms: A", d->server,
			d->auth ? "authoritative" : "resolver", d->ms);
		for (j = 0; j < d->n_a; j++)
			fprintf(f, " %s", d->a[j]);
		if (!d->n_a)
			fprintf(f, " (%s)", fdoc_dns_status(d->a_status));
		fprintf(f, ", AAAA");
		for (j = 0; j < d->n_aaaa; j++)
			fprintf(f, " %s", d->aaaa[j]);
		if (!d->n_aaaa)
			fprintf(f, " (%s)", fdoc_dns_status(d->aaaa_status));
		fprintf(f, "\n");
	}
	if (r->disagree)
		fprintf(f, "dns      the servers DISAGREE\n");
	for (i = 0; i < r->n_addrs; i++) {
		fprintf(f, "\n");
		text_probe(f, &r->pub[i]);
	}
	if (r->have_direct) {
		fprintf(f, "\n");
		text_probe(f, &r->direct);
	}
	fprintf(f, "\nverdict: %s\n", fdoc_verdict_name(r->v));
	for (i = 0; i < r->n_evidence; i++)
		fprintf(f, "  %s\n", r->evidence[i]);
	fprintf(f, "next: %s\n", r->next);
}

static json_t *ms(int v)
{
	return v < 0 ? json_null() : json_integer(v);
}

static json_t *str_or_null(const char *s)
{
	return s[0] ? json_string(s) : json_null();
}

static json_t *json_probe(const struct fdoc_probe *p)
{
	json_t *o = json_object();

	json_object_set_new(o, "route", json_string(fdoc_route_name(p->route)));
	json_object_set_new(o, "addr", json_string(p->addr));
	json_object_set_new(o, "port", json_integer(p->port));
	json_object_set_new(o, "connect_ms", ms(p->connect_ms));
	json_object_set_new(o, "connect_error", str_or_null(p->connect_err));
	if (p->route == R_INGRESS) {
		json_object_set_new(o, "ingress_status", p->ingress_status ?
					   json_integer(p->ingress_status) : json_null());
		json_object_set_new(o, "ingress_error", str_or_null(p->ingress_err));
	}
	json_object_set_new(o, "tls_ms", ms(p->tls_ms));
	json_object_set_new(o, "server_hello", json_boolean(p->server_hello));
	json_object_set_new(o, "tls_ok", json_boolean(p->tls_ok));
	json_object_set_new(o, "alert", p->alert >= 0 ? json_integer(p->alert) : json_null());
	json_object_set_new(o, "tls_error", str_or_null(p->tls_err));
	json_object_set_new(o, "tls_version", str_or_null(p->version));
	json_object_set_new(o, "alpn", str_or_null(p->alpn));
	if (p->have_cert) {
		json_object_set_new(o, "cert_subject", json_string(p->subject));
		json_object_set_new(o, "cert_issuer", json_string(p->issuer));
		json_object_set_new(o, "cert_verified", json_boolean(p->verify == 0));
		json_object_set_new(o, "cert_error", str_or_null(p->verify_err));
		json_object_set_new(o, "cert_san_ok", json_boolean(p->san_ok));
		json_object_set_new(o, "cert_days_left", json_integer(p->days_left));
	}
	json_object_set_new(o, "http_ms", ms(p->http_ms));
	json_object_set_new(o, "http_status", p->http_status ? json_integer(p->http_status)
							     : json_null());
	json_object_set_new(o, "http_error", str_or_null(p->http_err));
	json_object_set_new(o, "verdict", json_string(fdoc_verdict_name(p->v)));
	return o;
}

static json_t *json_addrs(const char (*a)[FDOC_ADDR_LEN], size_t n)
{
	json_t *arr = json_array();
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, json_string(a[i]));
	return arr;
}

static void dump(FILE *f, json_t *doc)
{
	char *s = json_dumps(doc, JSON_COMPACT);

	if (s)
		fprintf(f, "%s\n", s);
	fflush(f);
	free(s);
	json_decref(doc);
}

static json_t *json_head(const struct fdoc_opts *o, const struct fdoc_run *r)
{
	json_t *doc = json_object(), *ev = json_array();
	size_t i;

	json_object_set_new(doc, "name", json_string(o->name));
	json_object_set_new(doc, "port", json_integer(o->port));
	json_object_set_new(doc, "verdict", json_string(fdoc_verdict_name(r->v)));
	json_object_set_new(doc, "exit", json_integer(r->v));
	for (i = 0; i < r->n_evidence; i++)
		json_array_append_new(ev, json_string(r->evidence[i]));
	json_object_set_new(doc, "evidence", ev);
	json_object_set_new(doc, "next", json_string(r->next));
	return doc;
}

void fdoc_report_json(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r)
{
	json_t *doc = json_head(o, r), *dns = json_array(), *pr = json_array();
	size_t i;

	for (i = 0; i < r->n_dns; i++) {
		const struct fdoc_dns *d = &r->dns[i];
		json_t *x = json_object();

		json_object_set_new(x, "server", json_string(d->server));
		json_object_set_new(x, "kind", json_string(d->auth ? "authoritative" : "resolver"));
		json_object_set_new(x, "ms", json_integer(d->ms));
		json_object_set_new(x, "a", json_addrs(d->a, d->n_a));
		json_object_set_new(x, "a_status", json_string(fdoc_dns_status(d->a_status)));
		json_object_set_new(x, "aaaa", json_addrs(d->aaaa, d->n_aaaa));
		json_object_set_new(x, "aaaa_status", json_string(fdoc_dns_status(d->aaaa_status)));
		json_array_append_new(dns, x);
	}
	json_object_set_new(doc, "dns", dns);
	json_object_set_new(doc, "dns_disagree", json_boolean(r->disagree));
	for (i = 0; i < r->n_addrs; i++)
		json_array_append_new(pr, json_probe(&r->pub[i]));
	json_object_set_new(doc, "probes", pr);
	json_object_set_new(doc, "direct", r->have_direct ? json_probe(&r->direct) : json_null());
	dump(f, doc);
}

void fdoc_report_watch(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r)
{
	char ts[32];
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (o->json) {
		json_t *doc = json_head(o, r);

		json_object_set_new(doc, "ts", json_string(ts));
		dump(f, doc);
		return;
	}
	fprintf(f, "%s %s %s%s%s\n", ts, o->name, fdoc_verdict_name(r->v),
		r->n_evidence ? ": " : "", r->n_evidence ? r->evidence[0] : "");
	fflush(f);
}
