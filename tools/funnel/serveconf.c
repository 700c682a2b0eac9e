/* serveconf.c - ServeConfig JSON through jansson. The document is walked
 * once into plain C arrays; nothing of jansson's outlives the parse. */
#include "serveconf.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsc/escape.h"
#include "fsc/num.h"

#define MAX_ENTRIES 4096	/* per map: bounds memory on hostile input */

__attribute__((format(printf, 3, 4)))
static bool fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return false;
}

/* Keys are untrusted: shown escaped. */
static const char *esc(const char *s, char *buf, size_t cap)
{
	fsc_escape_text_sq((const uint8_t *)s, strlen(s), buf, cap);
	return buf;
}

static bool parse_port(const char *s, uint16_t *port)
{
	uint64_t v;

	if (fsc_num_parse(s, 1, 65535, &v) != FSC_NUM_OK)
		return false;
	*port = (uint16_t)v;
	return true;
}

bool fsc_sc_split_hostport(const char *s, char *host, size_t cap, uint16_t *port)
{
	const char *colon = strrchr(s, ':');
	size_t hl;

	if (!colon || !parse_port(colon + 1, port))
		return false;
	hl = (size_t)(colon - s);
	if (hl >= 2 && s[0] == '[' && s[hl - 1] == ']') {
		s++;
		hl -= 2;
	}
	if (hl == 0 || hl >= cap)
		return false;
	memcpy(host, s, hl);
	host[hl] = '\0';
	return true;
}

static char *dup(const char *s)
{
	return strdup(s);
}

/* "http://host:port/path", "host:port", "port" (tailscale's expandProxyArg
 * shapes). https, https+insecure and unix: are kept as configured but
 * marked not served. */
static void proxy_target(struct fsc_sc_handler *h)
{
	const char *s = h->value, *slash;
	char hostport[80];
	size_t n;
	uint16_t port;
	char host[64];

	h->be_ok = false;
	h->be_path = dup("");
	if (strncmp(s, "http://", 7) == 0)
		s += 7;
	else if (strstr(s, "://") || strncmp(s, "unix:", 5) == 0)
		return;
	slash = strchr(s, '/');
	n = slash ? (size_t)(slash - s) : strlen(s);
	if (n == 0 || n >= sizeof(hostport))
		return;
	memcpy(hostport, s, n);
	hostport[n] = '\0';
	if (parse_port(hostport, &port)) {
		snprintf(h->be_addr, sizeof(h->be_addr), "127.0.0.1:%u", port);
		snprintf(h->be_host, sizeof(h->be_host), "127.0.0.1");
	} else if (fsc_sc_split_hostport(hostport, host, sizeof(host), &port)) {
		if (strcmp(host, "localhost") == 0)
			snprintf(h->be_addr, sizeof(h->be_addr), "127.0.0.1:%u", port);
		else if (strchr(host, ':'))
			snprintf(h->be_addr, sizeof(h->be_addr), "[%s]:%u", host, port);
		else
			snprintf(h->be_addr, sizeof(h->be_addr), "%s:%u", host, port);
		snprintf(h->be_host, sizeof(h->be_host), "%s", host);
	} else {
		return;
	}
	if (slash && strcmp(slash, "/") != 0) {
		free(h->be_path);
		h->be_path = dup(slash);
		n = strlen(h->be_path);
		if (n > 1 && h->be_path[n - 1] == '/')
			h->be_path[n - 1] = '\0';
	}
	h->be_ok = h->be_path != NULL;
}

static const struct {
	const char *key;
	enum fsc_sc_kind kind;
} handler_keys[] = {
	{ "Proxy", FSC_SC_PROXY },
	{ "Text", FSC_SC_TEXT },
	{ "Path", FSC_SC_PATH },
	{ "Redirect", FSC_SC_REDIRECT },
};

static bool parse_handler(const char *mount, json_t *o, struct fsc_sc_handler *h,
			  const char *where, char *err, size_t errlen)
{
	size_t i, found = 0;
	char e1[256];

	memset(h, 0, sizeof(*h));
	if (!json_is_object(o))
		return fail(err, errlen, "%s: handler '%s': not an object", where,
			    esc(mount, e1, sizeof(e1)));
	for (i = 0; i < sizeof(handler_keys) / sizeof(handler_keys[0]); i++) {
		json_t *v = json_object_get(o, handler_keys[i].key);

		if (!v)
			continue;
		if (!json_is_string(v))
			return fail(err, errlen, "%s: handler '%s': %s not a string", where,
				    esc(mount, e1, sizeof(e1)), handler_keys[i].key);
		if (json_string_length(v) == 0)
			continue;	/* omitempty: "" is absent */
		found++;
		h->kind = handler_keys[i].kind;
		free(h->value);
		h->value = dup(json_string_value(v));
	}
	if (found != 1)
		return fail(err, errlen, "%s: handler '%s': %s", where, esc(mount, e1, sizeof(e1)),
			    found ? "more than one of Proxy, Text, Path, Redirect"
				  : "none of Proxy, Text, Path, Redirect");
	h->mount = dup(mount);
	if (h->kind == FSC_SC_PROXY)
		proxy_target(h);
	return h->mount && h->value;
}

static bool grow(void **arr, size_t n, size_t size)
{
	void *p;

	if (n >= MAX_ENTRIES)
		return false;
	p = realloc(*arr, (n + 1) * size);
	if (!p)
		return false;
	*arr = p;
	return true;
}

static bool parse_tcp(json_t *m, struct fsc_serveconf *sc, bool fg, char *err, size_t errlen)
{
	const char *k;
	json_t *v;
	char e1[256];

	if (!json_is_object(m))
		return fail(err, errlen, "TCP: not an object");
	json_object_foreach(m, k, v) {
		struct fsc_sc_tcp *t;
		json_t *x;

		if (!grow((void **)&sc->tcp, sc->n_tcp, sizeof(*sc->tcp)))
			return fail(err, errlen, "TCP: too many entries");
		t = &sc->tcp[sc->n_tcp];
		memset(t, 0, sizeof(*t));
		if (!parse_port(k, &t->port))
			return fail(err, errlen, "TCP: key '%s': not a port", esc(k, e1, sizeof(e1)));
		if (!json_is_object(v))
			return fail(err, errlen, "TCP: %u: not an object", t->port);
		sc->n_tcp++;
		t->foreground = fg;
		t->https = json_is_true(json_object_get(v, "HTTPS"));
		t->http = json_is_true(json_object_get(v, "HTTP"));
		x = json_object_get(v, "TCPForward");
		if (x && json_is_string(x) && json_string_length(x))
			t->forward = dup(json_string_value(x));
		x = json_object_get(v, "TerminateTLS");
		if (x && json_is_string(x) && json_string_length(x))
			t->terminate_tls = dup(json_string_value(x));
		x = json_object_get(v, "ProxyProtocol");
		if (x) {
			if (!json_is_integer(x) || json_integer_value(x) < 0 ||
			    json_integer_value(x) > 2)
				return fail(err, errlen, "TCP: %u: ProxyProtocol not 0, 1 or 2",
					    t->port);
			t->proxy_protocol = (int)json_integer_value(x);
		}
	}
	return true;
}

static bool parse_web(json_t *m, struct fsc_serveconf *sc, bool fg, char *err, size_t errlen)
{
	const char *k, *mk;
	json_t *v, *hv;
	char e1[256], host[256];

	if (!json_is_object(m))
		return fail(err, errlen, "Web: not an object");
	json_object_foreach(m, k, v) {
		struct fsc_sc_web *w;
		json_t *hs;
		uint16_t port;

		if (!fsc_sc_split_hostport(k, host, sizeof(host), &port))
			return fail(err, errlen, "Web: key '%s': not name:port",
				    esc(k, e1, sizeof(e1)));
		if (!grow((void **)&sc->web, sc->n_web, sizeof(*sc->web)))
			return fail(err, errlen, "Web: too many entries");
		w = &sc->web[sc->n_web++];
		memset(w, 0, sizeof(*w));
		w->hostport = dup(k);
		w->host = dup(host);
		w->port = port;
		w->foreground = fg;
		if (!json_is_object(v))
			return fail(err, errlen, "Web: '%s': not an object", esc(k, e1, sizeof(e1)));
		hs = json_object_get(v, "Handlers");
		if (!hs)
			continue;
		if (!json_is_object(hs))
			return fail(err, errlen, "Web: '%s': Handlers not an object",
				    esc(k, e1, sizeof(e1)));
		json_object_foreach(hs, mk, hv) {
			char where[300];

			if (!grow((void **)&w->h, w->n, sizeof(*w->h)))
				return fail(err, errlen, "Web: too many handlers");
			snprintf(where, sizeof(where), "Web: '%s'", esc(k, e1, sizeof(e1)));
			if (mk[0] != '/')
				return fail(err, errlen, "%s: mount '%s' does not start with /",
					    where, esc(mk, host, sizeof(host)));
			if (!parse_handler(mk, hv, &w->h[w->n], where, err, errlen)) {
				w->n++;	/* freed with the rest */
				return false;
			}
			w->n++;
		}
	}
	return true;
}

static bool parse_funnel(json_t *m, struct fsc_serveconf *sc, bool fg, char *err,
			 size_t errlen)
{
	const char *k;
	json_t *v;
	char e1[256], host[256];

	if (!json_is_object(m))
		return fail(err, errlen, "AllowFunnel: not an object");
	json_object_foreach(m, k, v) {
		struct fsc_sc_funnel *f;
		uint16_t port;

		if (!json_is_boolean(v))
			return fail(err, errlen, "AllowFunnel: '%s': not true or false",
				    esc(k, e1, sizeof(e1)));
		if (!fsc_sc_split_hostport(k, host, sizeof(host), &port))
			return fail(err, errlen, "AllowFunnel: key '%s': not name:port",
				    esc(k, e1, sizeof(e1)));
		if (!grow((void **)&sc->funnel, sc->n_funnel, sizeof(*sc->funnel)))
			return fail(err, errlen, "AllowFunnel: too many entries");
		f = &sc->funnel[sc->n_funnel++];
		f->hostport = dup(k);
		f->host = dup(host);
		f->port = port;
		f->on = json_is_true(v);
		f->foreground = fg;
	}
	return true;
}

static bool parse_obj(json_t *root, struct fsc_serveconf *sc, bool fg, char *err,
		      size_t errlen)
{
	json_t *x;

	if (!json_is_object(root))
		return fail(err, errlen, "%s not a JSON object", fg ? "Foreground entry" : "document");
	if ((x = json_object_get(root, "TCP")) && !json_is_null(x) &&
	    !parse_tcp(x, sc, fg, err, errlen))
		return false;
	if ((x = json_object_get(root, "Web")) && !json_is_null(x) &&
	    !parse_web(x, sc, fg, err, errlen))
		return false;
	if ((x = json_object_get(root, "AllowFunnel")) && !json_is_null(x) &&
	    !parse_funnel(x, sc, fg, err, errlen))
		return false;
	if ((x = json_object_get(root, "Services")) && json_is_object(x))
		sc->n_services += json_object_size(x);
	if (!fg && (x = json_object_get(root, "Foreground")) && json_is_object(x)) {
		const char *k;
		json_t *v;

		json_object_foreach(x, k, v) {
			sc->n_foreground++;
			if (!parse_obj(v, sc, true, err, errlen))
				return false;
		}
	}
	return true;
}

bool fsc_serveconf_parse(const char *json, size_t len, struct fsc_serveconf *sc, char *err,
			 size_t errlen)
{
	json_error_t je;
	json_t *root;
	bool ok;

	memset(sc, 0, sizeof(*sc));
	root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return fail(err, errlen, "line %d column %d: %s", je.line, je.column, je.text);
	ok = parse_obj(root, sc, false, err, errlen);
	json_decref(root);
	if (!ok)
		fsc_serveconf_free(sc);
	return ok;
}

bool fsc_serveconf_load(const char *path, struct fsc_serveconf *sc, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	size_t n, cap = 1 << 20;
	bool ok;

	memset(sc, 0, sizeof(*sc));
	if (!f)
		return fail(err, errlen, "%s", strerror(errno));
	buf = malloc(cap);
	if (!buf) {
		fclose(f);
		return fail(err, errlen, "out of memory");
	}
	n = fread(buf, 1, cap, f);
	if (n == cap || ferror(f)) {
		fclose(f);
		free(buf);
		return fail(err, errlen, n == cap ? "larger than 1 MiB" : "read error");
	}
	fclose(f);
	ok = fsc_serveconf_parse(buf, n, sc, err, errlen);
	free(buf);
	return ok;
}

void fsc_serveconf_free(struct fsc_serveconf *sc)
{
	size_t i, j;

	for (i = 0; i < sc->n_tcp; i++) {
		free(sc->tcp[i].forward);
		free(sc->tcp[i].terminate_tls);
	}
	for (i = 0; i < sc->n_web; i++) {
		for (j = 0; j < sc->web[i].n; j++) {
			free(sc->web[i].h[j].mount);
			free(sc->web[i].h[j].value);
			free(sc->web[i].h[j].be_path);
		}
		free(sc->web[i].h);
		free(sc->web[i].hostport);
		free(sc->web[i].host);
	}
	for (i = 0; i < sc->n_funnel; i++) {
		free(sc->funnel[i].hostport);
		free(sc->funnel[i].host);
	}
	free(sc->tcp);
	free(sc->web);
	free(sc->funnel);
	memset(sc, 0, sizeof(*sc));
}

/* DNS names compare case-insensitively. */
static bool host_eq(const char *a, const char *b, size_t blen)
{
	size_t i;

	for (i = 0; i < blen; i++) {
		char x = a[i], y = b[i];

		if (x == '\0')
			return false;
		if (x >= 'A' && x <= 'Z')
			x = (char)(x + 32);
		if (y >= 'A' && y <= 'Z')
			y = (char)(y + 32);
		if (x != y)
			return false;
	}
	return a[blen] == '\0';
}

const struct fsc_sc_web *fsc_serveconf_web(const struct fsc_serveconf *sc, const char *host,
					   size_t host_len, uint16_t port)
{
	size_t i;

	for (i = 0; i < sc->n_web; i++)
		if (sc->web[i].port == port && host_eq(sc->web[i].host, host, host_len))
			return &sc->web[i];
	return NULL;
}

const struct fsc_sc_tcp *fsc_serveconf_tcp(const struct fsc_serveconf *sc, uint16_t port)
{
	size_t i;

	for (i = 0; i < sc->n_tcp; i++)
		if (sc->tcp[i].port == port)
			return &sc->tcp[i];
	return NULL;
}

bool fsc_serveconf_funnel(const struct fsc_serveconf *sc, const char *target, size_t len)
{
	char host[256];
	uint16_t port;
	size_t i;
	char t[300];

	if (len >= sizeof(t))
		return false;
	memcpy(t, target, len);
	t[len] = '\0';
	if (!fsc_sc_split_hostport(t, host, sizeof(host), &port))
		return false;
	for (i = 0; i < sc->n_funnel; i++)
		if (sc->funnel[i].on && sc->funnel[i].port == port &&
		    host_eq(sc->funnel[i].host, host, strlen(host)))
			return true;
	return false;
}

const struct fsc_sc_handler *fsc_serveconf_route(const struct fsc_sc_web *w, const char *path,
						 size_t len)
{
	const struct fsc_sc_handler *best = NULL;
	size_t i, best_len = 0;

	for (i = 0; i < w->n; i++) {
		const char *m = w->h[i].mount;
		size_t ml = strlen(m);
		bool hit;

		if (ml > len || memcmp(m, path, ml) != 0)
			continue;
		/* "/a" matches "/a" and "/a/..." only; "/a/" any "/a/..." */
		hit = ml == len || m[ml - 1] == '/' || path[ml] == '/' || path[ml] == '?';
		if (hit && ml >= best_len) {
			best = &w->h[i];
			best_len = ml;
		}
	}
	return best;
}
