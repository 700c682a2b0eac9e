/* serveconf.h - tailscale's ipn.ServeConfig JSON (refpair.md §1.6), as
 * `tailscale serve status --json` prints it and as fnode reads it:
 *
 *   { "TCP": { "443": { "HTTPS": true }, "10000": { "TCPForward": "127.0.0.1:5432",
 *              "TerminateTLS": "node.example.ts.net", "ProxyProtocol": 2 } },
 *     "Web": { "node.example.ts.net:443": { "Handlers": {
 *              "/": { "Proxy": "http://127.0.0.1:3000" },
 *              "/hello": { "Text": "hi" }, "/static": { "Path": "/srv/www" } } } },
 *     "AllowFunnel": { "node.example.ts.net:443": true },
 *     "Foreground": { "<session>": { ...a ServeConfig... } },
 *     "Services": { ... } }
 *
 * Foreground sessions are folded in (marked). Services are counted but not
 * served. Unknown keys are ignored (newer tailscale versions add some). */
#ifndef FSC_SERVECONF_H
#define FSC_SERVECONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum fsc_sc_kind { FSC_SC_PROXY, FSC_SC_TEXT, FSC_SC_PATH, FSC_SC_REDIRECT };

struct fsc_sc_handler {
	char *mount;		/* "/" or "/api" ... */
	enum fsc_sc_kind kind;
	char *value;		/* as configured */
	/* Proxy: where to; be_ok false when the URL is not one fnode serves */
	bool be_ok;
	char be_addr[80];	/* "ip:port" */
	char be_host[64];	/* host as written (name or literal) */
	char *be_path;		/* URL path prefix, "" for none */
};

struct fsc_sc_web {
	char *hostport;		/* the key "name:port" */
	char *host;
	uint16_t port;
	bool foreground;
	struct fsc_sc_handler *h;
	size_t n;
};

struct fsc_sc_tcp {
	uint16_t port;
	bool https, http, foreground;
	char *forward;		/* TCPForward or NULL */
	char *terminate_tls;	/* TerminateTLS name or NULL */
	int proxy_protocol;	/* 0, 1, 2 */
};

struct fsc_sc_funnel {
	char *hostport;
	char *host;
	uint16_t port;
	bool on;
	bool foreground;
};

struct fsc_serveconf {
	struct fsc_sc_tcp *tcp;
	size_t n_tcp;
	struct fsc_sc_web *web;
	size_t n_web;
	struct fsc_sc_funnel *funnel;
	size_t n_funnel;
	size_t n_services;	/* Services entries (not served by fnode) */
	size_t n_foreground;
};

/* Parses a ServeConfig from json[0..len). Returns false with a reason in
 * err ("Web: key 'x': not name:port") and *sc empty. */
bool fsc_serveconf_parse(const char *json, size_t len, struct fsc_serveconf *sc, char *err,
			 size_t errlen);
/* Reads and parses a file. */
bool fsc_serveconf_load(const char *path, struct fsc_serveconf *sc, char *err, size_t errlen);
void fsc_serveconf_free(struct fsc_serveconf *sc);

/* Lookups; NULL when absent. hostport is "name:port". */
const struct fsc_sc_web *fsc_serveconf_web(const struct fsc_serveconf *sc, const char *host,
					   size_t host_len, uint16_t port);
const struct fsc_sc_tcp *fsc_serveconf_tcp(const struct fsc_serveconf *sc, uint16_t port);
/* AllowFunnel[target] is true. */
bool fsc_serveconf_funnel(const struct fsc_serveconf *sc, const char *target, size_t len);
/* The handler whose mount is the longest prefix of path (Go ServeMux
 * rules: "/a/" matches "/a/x"; "/a" matches "/a" and "/a/..."). */
const struct fsc_sc_handler *fsc_serveconf_route(const struct fsc_sc_web *w, const char *path,
						 size_t len);

/* Splits "name:port" (last colon; brackets removed). */
bool fsc_sc_split_hostport(const char *s, char *host, size_t cap, uint16_t *port);

#endif
