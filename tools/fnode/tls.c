/* tls.c - TLS termination with OpenSSL over memory BIOs (so the same code
 * runs over a kernel socket or an engine's socketpair): TLS 1.2+, ALPN
 * http/1.1, the certificate chosen by SNI from the certificate folder as
 * `tailscale cert` writes it (<name>.crt, <name>.key). No or unknown SNI
 * gets a fatal unrecognized_name alert and a log line (tailscaled sends
 * internal_error and logs nothing the client can see); a name that is
 * configured but has no usable certificate gets internal_error. */
#include "fnode.h"

#include <fcntl.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <time.h>

#include "certpair.h"
#include "flog.h"

struct fnode_cert {
	char *name;
	X509 *cert;
	STACK_OF(X509) *chain;
	EVP_PKEY *key;
};

static void tls_log(struct conn *c, const char *event, const char *reason)
{
	struct fsc_line l;

	fsc_line_begin(&l, event);
	fsc_line_ep(&l, "client", &c->client, c->client_port);
	fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
	fsc_line_cstr(&l, "target", c->target);
	if (reason)
		fsc_line_cstr(&l, "reason", reason);
	fsc_line_end(&l);
}

/* The folder's pair for a name, as fnode caches it. */
static bool load_pair(const char *dir, const char *name, struct fnode_cert *out, char *why,
		      size_t cap)
{
	struct fsc_cert_pair p;

	memset(out, 0, sizeof(*out));
	if (!fsc_cert_pair_load(dir, name, &p, why, cap))
		return false;
	out->cert = p.cert;
	out->chain = p.chain;
	out->key = p.key;
	return true;
}

/* The cached certificate of a name, loaded on first use (a certificate that
 * appears later is found then). */
static struct fnode_cert *cert_for(struct fnode *nd, const char *name, char *why, size_t cap)
{
	struct fnode_cert fc, *grown;
	size_t i;

	for (i = 0; i < nd->n_certs; i++)
		if (strcasecmp(nd->certs[i].name, name) == 0)
			return &nd->certs[i];
	if (!nd->o.certs) {
		snprintf(why, cap, "no --certs folder");
		return NULL;
	}
	if (!load_pair(nd->o.certs, name, &fc, why, cap))
		return NULL;
	grown = realloc(nd->certs, (nd->n_certs + 1) * sizeof(*grown));
	if (!grown)
		return NULL;
	nd->certs = grown;
	fc.name = strdup(name);
	nd->certs[nd->n_certs] = fc;
	return &nd->certs[nd->n_certs++];
}

static int sni_cb(SSL *ssl, int *al, void *arg)
{
	struct conn *c = SSL_get_app_data(ssl);
	const char *sni = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
	const char *name = sni;
	struct fnode_cert *fc;
	char why[300];

	(void)arg;
	if (sni)
		snprintf(c->sni, sizeof(c->sni), "%s", sni);
	if (c->tcp && c->tcp->terminate_tls) {
		name = c->tcp->terminate_tls;	/* TCP forwarding: the configured name */
	} else if (!sni) {
		tls_log(c, "tls-refused", "no SNI");
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	} else if (!(c->web = fsc_serveconf_web(&c->nd->sc, sni, strlen(sni), c->target_port))) {
		tls_log(c, "tls-refused", "unknown SNI: no Web entry for name:port");
		*al = SSL_AD_UNRECOGNIZED_NAME;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	if (sni && strcasecmp(sni, c->target_host) != 0)
		tls_log(c, "sni-mismatch", "SNI is not the Ingress-Target host");
	fc = cert_for(c->nd, name, why, sizeof(why));
	if (!fc) {
		tls_log(c, "tls-refused", why);
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	if (SSL_use_certificate(ssl, fc->cert) != 1 || SSL_use_PrivateKey(ssl, fc->key) != 1 ||
	    SSL_set1_chain(ssl, fc->chain) != 1) {
		tls_log(c, "tls-refused", "certificate not usable");
		*al = SSL_AD_INTERNAL_ERROR;
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	}
	return SSL_TLSEXT_ERR_OK;
}

static int alpn_cb(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		   const unsigned char *in, unsigned int inlen, void *arg)
{
	struct conn *c = SSL_get_app_data(ssl);
	unsigned i = 0;

	(void)arg;
	if (c->tcp && !c->tcp->https)
		return SSL_TLSEXT_ERR_NOACK;	/* TCP forwarding: no ALPN */
	while (i < inlen) {
		unsigned l = in[i];

		if (i + 1 + l > inlen)
			break;
		if (l == 8 && memcmp(in + i + 1, "http/1.1", 8) == 0) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
		i += 1 + l;
	}
	return SSL_TLSEXT_ERR_NOACK;
}

static FILE *keylog_file;

/* A line at a time, flushed: a reader following the file (fdecode,
 * fwatch) has a connection's keys before the records they open. */
static void keylog_cb(const SSL *ssl, const char *line)
{
	(void)ssl;
	if (keylog_file) {
		fprintf(keylog_file, "%s\n", line);
		fflush(keylog_file);
	}
}

bool tls_setup(struct fnode *nd, char *err, size_t errlen)
{
	nd->ctx = SSL_CTX_new(TLS_server_method());
	if (!nd->ctx) {
		snprintf(err, errlen, "SSL_CTX_new failed");
		return false;
	}
	SSL_CTX_set_min_proto_version(nd->ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(nd->ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
	SSL_CTX_set_mode(nd->ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_tlsext_servername_callback(nd->ctx, sni_cb);
	SSL_CTX_set_alpn_select_cb(nd->ctx, alpn_cb, NULL);
	if (nd->o.tls_keylog) {
		/* secrets: readable by the owner only, as a key file is */
		int fd = open(nd->o.tls_keylog, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		keylog_file = fd >= 0 ? fdopen(fd, "a") : NULL;
		if (!keylog_file) {
			if (fd >= 0)
				close(fd);
			snprintf(err, errlen, "%s: %s", nd->o.tls_keylog, strerror(errno));
			return false;
		}
		nd->keylog = keylog_file;
		SSL_CTX_set_keylog_callback(nd->ctx, keylog_cb);
	}
	return true;
}

void tls_teardown(struct fnode *nd)
{
	size_t i;

	for (i = 0; i < nd->n_certs; i++) {
		free(nd->certs[i].name);
		X509_free(nd->certs[i].cert);
		sk_X509_pop_free(nd->certs[i].chain, X509_free);
		EVP_PKEY_free(nd->certs[i].key);
	}
	free(nd->certs);
	if (nd->keylog)
		fclose(nd->keylog);
	SSL_CTX_free(nd->ctx);
}

bool tls_start(struct conn *c)
{
	c->ssl = SSL_new(c->nd->ctx);
	c->rbio = BIO_new(BIO_s_mem());
	c->wbio = BIO_new(BIO_s_mem());
	if (!c->ssl || !c->rbio || !c->wbio) {
		SSL_free(c->ssl);
		BIO_free(c->rbio);
		BIO_free(c->wbio);
		c->ssl = NULL;
		c->rbio = c->wbio = NULL;
		return false;
	}
	BIO_set_mem_eof_return(c->rbio, -1);
	SSL_set_bio(c->ssl, c->rbio, c->wbio);
	SSL_set_app_data(c->ssl, c);
	SSL_set_accept_state(c->ssl);
	return true;
}

void tls_close_notify(struct conn *c)
{
	if (c->ssl && c->hs_done && !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN))
		SSL_shutdown(c->ssl);
}

static void handshake_failed(struct conn *c)
{
	char buf[256];
	unsigned long e = ERR_peek_last_error();

	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	c->nd->count.tls_failed++;
	if (!strstr(buf, "callback failed"))	/* sni_cb logged its own reason */
		tls_log(c, "tls-failed", e ? buf : "handshake ended");
	c->close_after_flush = true;
	c->edge_eof = true;
	c->wait = W_NONE;
}

bool tls_step(struct conn *c)
{
	bool moved = false;
	int r;

	if (c->close_after_flush)
		return false;
	if (!c->hs_done) {
		r = SSL_do_handshake(c->ssl);
		if (r == 1) {
			const unsigned char *alpn = NULL;
			unsigned alpn_len = 0;
			struct fsc_line l;

			c->hs_done = true;
			c->t_tls_done = c->t_edge_read;
			c->t_tls_done_wg = fsc_transport_carrier_time(c->nd->tr, &c->peer,
								      c->peer_port, &c->t_tls_done);
			c->nd->count.tls_ok++;
			SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
			fsc_line_begin(&l, "tls");
			fsc_line_ep(&l, "client", &c->client, c->client_port);
			fsc_line_cstr(&l, "sni", c->sni[0] ? c->sni : NULL);
			fsc_line_cstr(&l, "version", SSL_get_version(c->ssl));
			fsc_line_str(&l, "alpn", alpn_len ? (const char *)alpn : "-",
				     alpn_len ? alpn_len : 1);
			fsc_line_end(&l);
			if (c->tcp->https) {
				c->phase = PH_HTTP;
				http_begin(c);
			} else {
				c->phase = PH_TCP;
				tcp_begin(c);
			}
			moved = true;
		} else {
			int e = SSL_get_error(c->ssl, r);

			if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
				if (c->edge_eof && BIO_ctrl_pending(c->rbio) == 0) {
					tls_log(c, "tls-failed", "client closed during the handshake");
					c->dead = true;
				}
				return false;
			}
			handshake_failed(c);
			return true;
		}
	}
	while (fsc_bq_room(&c->cin) > 0) {
		r = SSL_read(c->ssl, fsc_bq_tail(&c->cin), (int)fsc_bq_room(&c->cin));
		if (r > 0) {
			c->cin.len += (size_t)r;
			moved = true;
			continue;
		}
		switch (SSL_get_error(c->ssl, r)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			break;
		case SSL_ERROR_ZERO_RETURN:
			c->edge_eof = true;
			moved = true;
			break;
		default:
			ERR_clear_error();
			c->edge_eof = true;
			moved = true;
			break;
		}
		break;
	}
	return moved;
}
