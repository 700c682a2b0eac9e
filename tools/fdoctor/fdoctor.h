/* fdoctor.h - the outside-in Funnel doctor: resolve a name the way the
 * public does (dns.c), probe every address layer by layer (probe.c), name
 * the one broken layer (verdict.c) and print it (report.c). Everything is
 * measured into the structs below first; the renderers never probe. */
#ifndef FDOCTOR_H
#define FDOCTOR_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FDOC_MAX_SERVERS 8
#define FDOC_MAX_ADDRS 16	/* per server and per run */
#define FDOC_ADDR_LEN 48	/* an IPv6 literal with room */

/* The layers, lowest first; the value is the exit status (doc/fdoctor.1). */
enum fdoc_verdict {
	V_OK = 0,
	V_DNS = 3,
	V_EDGE_UNREACHABLE = 4,
	V_EDGE_CLOSES = 5,	/* edge closes after the ClientHello */
	V_NODE_UNREACHABLE = 6,
	V_NODE_REFUSES = 7,	/* node refuses the ingress */
	V_TLS_NODE = 8,		/* TLS failure at the node (certificate) */
	V_BACKEND_ERROR = 9,
	V_BACKEND_TIMEOUT = 10,
};
#define FDOC_EXIT_ERROR 1
#define FDOC_EXIT_USAGE 2

const char *fdoc_verdict_name(enum fdoc_verdict v);
/* A monotonic clock in ms (probe.c), for every timing of a run. */
uint64_t fdoc_now_ms(void);
/* Lower layers first: the order in which a broken layer explains the rest. */
int fdoc_verdict_rank(enum fdoc_verdict v);

struct fdoc_opts {
	const char *name;
	uint16_t port;
	const char *zone;	/* --zone: its NS become authoritative servers */
	uint16_t ns_port;
	struct { char addr[64]; bool auth; } servers[FDOC_MAX_SERVERS];
	size_t n_servers;
	const char *path, *method, *ca_file;
	const char *tailnet;	/* ADDR[:PORT]: TLS straight to the node */
	const char *ingress;	/* ADDR:PORT: the node's PeerAPI, as an edge */
	unsigned timeout_ms;
	bool json;
	unsigned watch_ms, count;
};

/* One server's answers. */
struct fdoc_dns {
	char server[64];
	bool auth;			/* authoritative (RD=0) or a resolver */
	int a_status, aaaa_status;	/* ARES_SUCCESS, ARES_ENODATA, ... */
	char a[FDOC_MAX_ADDRS][FDOC_ADDR_LEN];
	size_t n_a;
	char aaaa[FDOC_MAX_ADDRS][FDOC_ADDR_LEN];
	size_t n_aaaa;
	unsigned ms;
};

enum fdoc_route { R_PUBLIC, R_TAILNET, R_INGRESS };
const char *fdoc_route_name(enum fdoc_route r);	/* "public", "tailnet", "ingress" */

/* One address probed along one route. Times in ms; -1 not reached. */
struct fdoc_probe {
	enum fdoc_route route;
	char addr[FDOC_ADDR_LEN];
	uint16_t port;
	int connect_ms;
	char connect_err[80];		/* "" connected */
	/* R_INGRESS: the node's answer to POST /v0/ingress */
	int ingress_status;		/* 0 none */
	char ingress_err[160];
	/* TLS */
	int tls_ms;
	bool hello_sent, server_hello, tls_ok;
	int alert;			/* received alert description, -1 none */
	char tls_err[160];
	long verify;			/* X509_V_OK or the error */
	char verify_err[120];
	bool san_ok, have_cert;
	long days_left;
	char subject[160], issuer[160], alpn[32], version[16];
	/* HTTP */
	int http_ms;
	int http_status;		/* 0 none */
	bool http_timeout;
	char http_err[120];
	enum fdoc_verdict v;
	char why[400];			/* the evidence line of v */
};

struct fdoc_run {
	struct fdoc_dns dns[FDOC_MAX_SERVERS];
	size_t n_dns;
	bool disagree;
	char addrs[FDOC_MAX_ADDRS][FDOC_ADDR_LEN];	/* union of the answers */
	size_t n_addrs;
	struct fdoc_probe pub[FDOC_MAX_ADDRS];
	struct fdoc_probe direct;	/* tailnet or ingress route */
	bool have_direct;
	enum fdoc_verdict v;
	char evidence[8][420];
	size_t n_evidence;
	char next[400];			/* the next command to run */
};

/* dns.c: the zone's NS names at the resolver, then their addresses, each
 * added to o as an authoritative server at o->ns_port; false and err when
 * none is found. */
bool fdoc_find_ns(struct fdoc_opts *o, const char *resolver, char *err, size_t errlen);
/* Queries A and AAAA at every server in o; false and err when c-ares
 * cannot start. */
bool fdoc_resolve(const struct fdoc_opts *o, struct fdoc_run *r, char *err, size_t errlen);
const char *fdoc_dns_status(int ares_status);

/* probe.c */
bool fdoc_probe_init(const struct fdoc_opts *o, char *err, size_t errlen);
void fdoc_probe_done(void);
void fdoc_probe(const struct fdoc_opts *o, enum fdoc_route route, const char *addr,
		uint16_t port, struct fdoc_probe *p);

/* verdict.c: r->v, evidence and next from the measurements. */
void fdoc_judge(const struct fdoc_opts *o, struct fdoc_run *r);

/* report.c */
void fdoc_report_text(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r);
void fdoc_report_json(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r);
/* One line for --watch: time, verdict, first evidence. */
void fdoc_report_watch(FILE *f, const struct fdoc_opts *o, const struct fdoc_run *r);

#endif
