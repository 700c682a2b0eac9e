/* probe.c - one address along one route, each step timed and bounded by
 * the timeout: TCP connect; on the ingress route the node's PeerAPI
 * handshake (POST /v0/ingress, as an edge sends it); TLS with the SNI,
 * offering http/1.1, with what the server did before failing (ServerHello
 * or not, the alert it sent) kept apart from what we think of its
 * certificate (chain, SAN, days left); one HTTP request, its status. */
#include "fdoctor.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fsc/escape.h"
#include "fsc/http.h"
#include "fsc/ingress.h"
#include "net.h"

#define HEAD_MAX 16384

static SSL_CTX *ctx;

uint64_t fdoc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

bool fdoc_probe_init(const struct fdoc_opts *o, char *err, size_t errlen)
{
	static const unsigned char alpn[] = "\x08http/1.1";

	ctx = SSL_CTX_new(TLS_client_method());
	if (!ctx) {
		snprintf(err, errlen, "TLS: %s", ERR_reason_error_string(ERR_get_error()));
		return false;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_alpn_protos(ctx, alpn, sizeof(alpn) - 1);
	/* verified after the handshake, so a bad certificate is measured, not
	 * mistaken for a server that closed */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	if (o->ca_file ? SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1
		       : SSL_CTX_set_default_verify_paths(ctx) != 1) {
		snprintf(err, errlen, "--ca-file: '%s': %s", o->ca_file ? o->ca_file : "(system)",
			 ERR_reason_error_string(ERR_get_error()));
		SSL_CTX_free(ctx);
		ctx = NULL;
		return false;
	}
	return true;
}

void fdoc_probe_done(void)
{
	SSL_CTX_free(ctx);
	ctx = NULL;
}

/* Received records: a ServerHello, an alert (RFC 8446 §6: level, desc). */
static void on_msg(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	struct fdoc_probe *p = arg;
	const unsigned char *b = buf;

	(void)version;
	(void)ssl;
	if (write_p) {
		if (content_type == SSL3_RT_HANDSHAKE && len > 0 && b[0] == SSL3_MT_CLIENT_HELLO)
			p->hello_sent = true;
		return;
	}
	if (content_type == SSL3_RT_HANDSHAKE && len > 0 && b[0] == SSL3_MT_SERVER_HELLO)
		p->server_hello = true;
	else if (content_type == SSL3_RT_ALERT && len == 2 && p->alert < 0)
		p->alert = b[1];
}

static void set_timeouts(int fd, unsigned ms)
{
	struct timeval tv = { (time_t)(ms / 1000), (suseconds_t)(ms % 1000 * 1000) };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int tcp_connect(struct fdoc_probe *p, unsigned timeout_ms)
{
	struct sockaddr_storage ss;
	socklen_t len;
	struct pollfd pf;
	char hp[FDOC_ADDR_LEN + 16];
	uint64_t t0 = fdoc_now_ms();
	int fd, rc;

	snprintf(hp, sizeof(hp), strchr(p->addr, ':') ? "[%s]:%u" : "%s:%u", p->addr, p->port);
	if (!fsc_sockaddr_parse(hp, &ss, &len)) {
		snprintf(p->connect_err, sizeof(p->connect_err), "not an address");
		return -1;
	}
	fd = fsc_tcp_connect(&ss, len);
	if (fd < 0) {
		snprintf(p->connect_err, sizeof(p->connect_err), "%s", strerror(errno));
		return -1;
	}
	pf.fd = fd;
	pf.events = POLLOUT;
	if (poll(&pf, 1, (int)timeout_ms) != 1) {
		snprintf(p->connect_err, sizeof(p->connect_err), "timed out after %u ms",
			 timeout_ms);
		close(fd);
		return -1;
	}
	if ((rc = fsc_tcp_connect_result(fd)) != 0) {
		snprintf(p->connect_err, sizeof(p->connect_err), "%s", strerror(rc));
		close(fd);
		return -1;
	}
	p->connect_ms = (int)(fdoc_now_ms() - t0);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	set_timeouts(fd, timeout_ms);
	return fd;
}

/* Reads a response head into buf; its status, or 0 and why. */
static int read_head(int fd, SSL *ssl, char *buf, size_t cap, size_t *got, bool *timed_out,
		     char *why, size_t whylen)
{
	struct fsc_http_header hdrs[64];
	struct fsc_http_head h;
	const char *pwhy = NULL;
	size_t last = 0;

	*got = 0;
	*timed_out = false;
	for (;;) {
		enum fsc_status st;
		ssize_t n;

		fsc_http_head_init(&h, hdrs, 64, cap);
		st = fsc_http_parse_response((const uint8_t *)buf, *got, last, &h, &pwhy);
		if (st == FSC_OK)
			return h.status;
		if (st != FSC_TRUNCATED) {
			snprintf(why, whylen, "not an HTTP response: %s", pwhy ? pwhy : "?");
			return 0;
		}
		if (*got == cap) {
			snprintf(why, whylen, "response head larger than %zu bytes", cap);
			return 0;
		}
		last = *got;
		errno = 0;
		n = ssl ? SSL_read(ssl, buf + *got, (int)(cap - *got))
			: recv(fd, buf + *got, cap - *got, 0);
		if (n <= 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				*timed_out = true;
				snprintf(why, whylen, "no response head within the timeout");
			} else {
				snprintf(why, whylen, "closed after %zu bytes, before a whole head%s%s",
					 *got, errno ? ": " : "", errno ? strerror(errno) : "");
			}
			return 0;
		}
		*got += (size_t)n;
	}
}

/* POST /v0/ingress as an edge sends it; true on 101. */
static bool ingress(int fd, const struct fdoc_opts *o, struct fdoc_probe *p)
{
	struct sockaddr_storage me;
	socklen_t ml = sizeof(me);
	struct fsc_addr src;
	char req[1024], target[300], host[FDOC_ADDR_LEN + 16], buf[2048], esc[200];
	size_t n, got;
	bool to;

	/* the doctor is the public client: its own address is the source */
	memset(&src, 0, sizeof(src));
	if (getsockname(fd, (struct sockaddr *)&me, &ml) != 0 ||
	    !inet_ntop(me.ss_family, me.ss_family == AF_INET6
				     ? (void *)&((struct sockaddr_in6 *)&me)->sin6_addr
				     : (void *)&((struct sockaddr_in *)&me)->sin_addr,
		       esc, sizeof(esc)) ||
	    !fsc_addr_parse(esc, &src)) {
		snprintf(p->ingress_err, sizeof(p->ingress_err), "no local address");
		return false;
	}
	snprintf(target, sizeof(target), "%s:%u", o->name, o->port);
	snprintf(host, sizeof(host), strchr(p->addr, ':') ? "[%s]:%u" : "%s:%u", p->addr, p->port);
	n = fsc_ingress_write_request(host, &src, ntohs(me.ss_family == AF_INET6
				      ? ((struct sockaddr_in6 *)&me)->sin6_port
				      : ((struct sockaddr_in *)&me)->sin_port),
				      target, req, sizeof(req));
	if (n >= sizeof(req) || send(fd, req, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(p->ingress_err, sizeof(p->ingress_err), "request not sent");
		return false;
	}
	p->ingress_status = read_head(fd, NULL, buf, sizeof(buf) - 1, &got, &to, p->ingress_err,
				      sizeof(p->ingress_err));
	if (p->ingress_status != 101 && p->ingress_status != 0) {
		char *body = strstr(buf, "\r\n\r\n");

		buf[got] = '\0';
		if (body) {
			fsc_escape_text((const uint8_t *)body + 4, strlen(body + 4), esc, sizeof(esc));
			snprintf(p->ingress_err, sizeof(p->ingress_err), "answered %d: %.120s",
				 p->ingress_status, esc);
		}
	}
	return p->ingress_status == 101;
}

static void name_of(X509_NAME *n, char *out, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char tmp[400];
	int len;

	out[0] = '\0';
	if (!b)
		return;
	X509_NAME_print_ex(b, n, 0, XN_FLAG_ONELINE & ~ASN1_STRFLGS_ESC_MSB);
	len = BIO_read(b, tmp, sizeof(tmp) - 1);
	BIO_free(b);
	if (len > 0)
		fsc_escape_text((const uint8_t *)tmp, (size_t)len, out, cap);
}

static void certificate(SSL *ssl, const struct fdoc_opts *o, struct fdoc_probe *p)
{
	X509 *x = SSL_get1_peer_certificate(ssl);
	int days = 0, secs = 0;
	const unsigned char *a = NULL;
	unsigned alen = 0;

	SSL_get0_alpn_selected(ssl, &a, &alen);
	if (alen && alen < sizeof(p->alpn))
		fsc_escape_text(a, alen, p->alpn, sizeof(p->alpn));
	snprintf(p->version, sizeof(p->version), "%s", SSL_get_version(ssl));
	if (!x)
		return;
	p->have_cert = true;
	p->verify = SSL_get_verify_result(ssl);
	if (p->verify != X509_V_OK)
		snprintf(p->verify_err, sizeof(p->verify_err), "%s",
			 X509_verify_cert_error_string(p->verify));
	p->san_ok = X509_check_host(x, o->name, 0, 0, NULL) == 1;
	if (ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(x)))
		p->days_left = days - (days <= 0 && secs < 0);
	name_of(X509_get_subject_name(x), p->subject, sizeof(p->subject));
	name_of(X509_get_issuer_name(x), p->issuer, sizeof(p->issuer));
	X509_free(x);
}

/* sys_errno: errno right after the failed call (SO_RCVTIMEO's EAGAIN is
 * the timeout, whatever SSL_get_error makes of it). */
static void tls_error(SSL *ssl, int rc, int sys_errno, struct fdoc_probe *p)
{
	int e = SSL_get_error(ssl, rc);
	unsigned long q = ERR_peek_error();

	if (p->alert >= 0)
		snprintf(p->tls_err, sizeof(p->tls_err), "alert %s (%d) from the server",
			 SSL_alert_desc_string_long(p->alert), p->alert);
	else if (sys_errno == EAGAIN || sys_errno == EWOULDBLOCK)
		snprintf(p->tls_err, sizeof(p->tls_err), "no answer within the timeout");
	else if (e == SSL_ERROR_SYSCALL && sys_errno)
		snprintf(p->tls_err, sizeof(p->tls_err), "%s", strerror(sys_errno));
	else if (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_ZERO_RETURN ||
		 ERR_GET_REASON(q) == SSL_R_UNEXPECTED_EOF_WHILE_READING)
		snprintf(p->tls_err, sizeof(p->tls_err), "closed without a word");
	else
		snprintf(p->tls_err, sizeof(p->tls_err), "%s",
			 q ? ERR_reason_error_string(q) : "handshake failed");
	ERR_clear_error();
}

void fdoc_probe(const struct fdoc_opts *o, enum fdoc_route route, const char *addr,
		uint16_t port, struct fdoc_probe *p)
{
	char req[2600], buf[HEAD_MAX], host[300];
	SSL *ssl = NULL;
	uint64_t t0;
	size_t got;
	int fd, rc, n;

	memset(p, 0, sizeof(*p));
	p->route = route;
	snprintf(p->addr, sizeof(p->addr), "%s", addr);
	p->port = port;
	p->connect_ms = p->tls_ms = p->http_ms = -1;
	p->alert = -1;
	p->verify = -1;
	fd = tcp_connect(p, o->timeout_ms);
	if (fd < 0)
		return;
	if (route == R_INGRESS && !ingress(fd, o, p))
		goto out;
	ssl = SSL_new(ctx);
	if (!ssl) {
		snprintf(p->tls_err, sizeof(p->tls_err), "out of memory");
		goto out;
	}
	SSL_set_msg_callback(ssl, on_msg);
	SSL_set_msg_callback_arg(ssl, p);
	SSL_set_tlsext_host_name(ssl, o->name);
	SSL_set_fd(ssl, fd);
	t0 = fdoc_now_ms();
	errno = 0;
	rc = SSL_connect(ssl);
	if (rc != 1) {
		tls_error(ssl, rc, errno, p);
		goto out;
	}
	p->tls_ms = (int)(fdoc_now_ms() - t0);
	p->tls_ok = true;
	certificate(ssl, o, p);
	if (o->port == 443)
		snprintf(host, sizeof(host), "%s", o->name);
	else
		snprintf(host, sizeof(host), "%s:%u", o->name, o->port);
	n = snprintf(req, sizeof(req),
		     "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: fdoctor\r\n"
		     "Accept: */*\r\nConnection: close\r\n\r\n", o->method, o->path, host);
	t0 = fdoc_now_ms();
	if (n <= 0 || (size_t)n >= sizeof(req) || SSL_write(ssl, req, n) != n) {
		snprintf(p->http_err, sizeof(p->http_err), "request not sent");
		goto out;
	}
	p->http_status = read_head(fd, ssl, buf, sizeof(buf), &got, &p->http_timeout,
				   p->http_err, sizeof(p->http_err));
	p->http_ms = (int)(fdoc_now_ms() - t0);
out:
	if (ssl) {
		SSL_shutdown(ssl);
		SSL_free(ssl);
	}
	ERR_clear_error();
	close(fd);
}
