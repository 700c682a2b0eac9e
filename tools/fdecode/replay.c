/* replay.c - one captured request sent again, to loopback (the capture's
 * server port) or to an address the user names, never to the public client
 * or a name to be resolved; the captured answer and the new one side by
 * side. The body is not kept by fdecode: a request that had one goes with
 * Content-Length 0. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "export.h"
#include "fsc/escape.h"
#include "fsc/http.h"
#include "fsc/num.h"
#include "fsc/span.h"

#define REPLAY_TIMEOUT_S 5
#define REPLAY_READ_MAX (1 << 20)

#define TO_WHY "not an IPv4 or [IPv6] address and a port (names are not resolved)"

/* to as ADDR:PORT; NULL, or why not: the port in num.h's words, so that
 * "--to 127.0.0.1:0" reads as any other number out of range. */
static const char *parse_to(const char *to, struct fsc_addr *a, uint16_t *port, char *why,
			    size_t cap)
{
	char host[FSC_ADDR_STRLEN + 2];
	const char *colon = strrchr(to, ':');

	if (!colon || colon == to || (size_t)(colon - to) >= sizeof(host))
		return TO_WHY;
	memcpy(host, to, (size_t)(colon - to));
	host[colon - to] = '\0';
	char *h = host;
	if (h[0] == '[') {
		size_t n = strlen(h);
		if (n < 3 || h[n - 1] != ']')
			return TO_WHY;
		h[n - 1] = '\0';
		h++;
	}
	if (!fsc_addr_parse(h, a))
		return TO_WHY;
	uint64_t p;
	enum fsc_num_result r = fsc_num_parse(colon + 1, 1, UINT16_MAX, &p);
	if (r != FSC_NUM_OK) {
		snprintf(why, cap, "port %s (1 to %u)", fsc_num_why(r), (unsigned)UINT16_MAX);
		return why;
	}
	*port = (uint16_t)p;
	return NULL;
}

bool replay_target_ok(const char *to, void *unused)
{
	struct fsc_addr a;
	uint16_t port;
	char buf[64];
	const char *why = parse_to(to, &a, &port, buf, sizeof(buf));

	(void)unused;
	if (!why)
		return true;
	fsc_cli_bad("fdecode", 0, "--to", to, why);
	return false;
}

static int64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int dial(const struct fsc_addr *a, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(&ss, 0, sizeof(ss));
	if (a->family == 4) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;
		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		memcpy(&s->sin_addr, a->b, 4);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;
		s->sin6_family = AF_INET6;
		s->sin6_port = htons(port);
		memcpy(&s->sin6_addr, a->b, 16);
		len = sizeof(*s);
	}
	int fd = socket(ss.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	struct timeval tv = { REPLAY_TIMEOUT_S, 0 };
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&ss, len) != 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* The request as captured: start line, the kept header lines but for
 * redacted ones and its framing, Content-Length 0, Connection: close. */
static size_t build(const struct fsc_request *r, const struct fsc_accesslog_opts *o, char *buf,
		    size_t cap)
{
	struct fsc_span name, value;
	size_t off = 0;
	int n = snprintf(buf, cap, "%.*s %.*s HTTP/1.%d\r\n", (int)r->method_len, r->method,
			 (int)r->target_len, r->target, r->minor_version % 10);
	size_t len = n > 0 ? (size_t)n : 0;

	while (fsc_request_header_next(r->req_headers, r->req_headers_len, &off, &name, &value)) {
		if (fsc_accesslog_redacts(o, name.p, name.len) ||
		    fsc_span_ieq(name.p, name.len, "Content-Length") ||
		    fsc_span_ieq(name.p, name.len, "Transfer-Encoding") ||
		    fsc_span_ieq(name.p, name.len, "Connection"))
			continue;
		n = snprintf(buf + len, cap - len, "%.*s: %.*s\r\n", (int)name.len, name.p,
			     (int)value.len, value.p);
		if (n < 0 || (size_t)n >= cap - len)
			return 0;
		len += (size_t)n;
	}
	bool body = r->req_body_known && r->req_body_len;
	n = snprintf(buf + len, cap - len, "%sConnection: close\r\n\r\n",
		     body ? "Content-Length: 0\r\n" : "");
	if (n < 0 || (size_t)n >= cap - len)
		return 0;
	return len + (size_t)n;
}

static void row(FILE *out, const char *who, int status, const char *reason, size_t rlen,
		int64_t first, int64_t last, bool have_body, uint64_t body)
{
	char s[16] = "-", f[32] = "-", l[32] = "-", b[32] = "-";

	if (status)
		snprintf(s, sizeof(s), "%d", status);
	if (first >= 0)
		snprintf(f, sizeof(f), "%.3f ms", (double)first / 1e6);
	if (last >= 0)
		snprintf(l, sizeof(l), "%.3f ms", (double)last / 1e6);
	if (have_body)
		snprintf(b, sizeof(b), "%llu", (unsigned long long)body);
	char esc[FSC_ESCAPE_TEXT_CAP(64)];
	fsc_escape_text((const uint8_t *)reason, rlen > 64 ? 64 : rlen, esc, sizeof(esc));
	fprintf(out, "  %-9s %-6s %-22s %-12s %-12s %s\n", who, s, esc, f, l, b);
}

bool replay_run(FILE *out, const struct fsc_request *r, const struct fsc_accesslog_opts *o,
		const char *to)
{
	struct fsc_addr a;
	uint16_t port = r->dport;
	char where[FSC_ENDPOINT_STRLEN], astr[FSC_ADDR_STRLEN];

	char unused[64];
	if (to)
		parse_to(to, &a, &port, unused, sizeof(unused)); /* checked: records_check */
	else
		fsc_addr_parse("127.0.0.1", &a);
	snprintf(where, sizeof(where), a.family == 6 ? "[%s]:%u" : "%s:%u", fsc_addr_str(&a, astr),
		 (unsigned)port);
	static char req[FSC_REQ_HEAD_CAP_MAX + FSC_REQ_TARGET_MAX + 256];
	size_t n = build(r, o, req, sizeof(req));
	if (!n) {
		fprintf(stderr, "fdecode: --replay: request %llu too large to send\n",
			(unsigned long long)r->seq);
		return false;
	}
	int fd = dial(&a, port);
	if (fd < 0) {
		fprintf(stderr, "fdecode: --replay: '%s': %s\n", where, strerror(errno));
		return false;
	}
	int64_t t0 = now_ns(), first = -1, last = -1;
	bool sent = send(fd, req, n, MSG_NOSIGNAL) == (ssize_t)n;
	static char resp[REPLAY_READ_MAX];
	size_t got = 0;
	while (sent && got < sizeof(resp)) {
		ssize_t k = recv(fd, resp + got, sizeof(resp) - got, 0);
		if (k <= 0)
			break;
		if (first < 0)
			first = now_ns() - t0;
		got += (size_t)k;
		last = now_ns() - t0;
	}
	close(fd);
	struct fsc_http_header hdrs[64];
	struct fsc_http_head h;
	const char *why;
	fsc_http_head_init(&h, hdrs, 64, 0);
	bool ok = fsc_http_parse_response((const uint8_t *)resp, got, 0, &h, &why) == FSC_OK;

	char esc[FSC_ESCAPE_TEXT_CAP(FSC_REQ_TARGET_MAX)];
	fsc_escape_text((const uint8_t *)r->target, r->target_len, esc, sizeof(esc));
	fprintf(out, "replay %llu: %.*s %s to %s\n", (unsigned long long)r->seq,
		(int)r->method_len, r->method, esc, where);
	fprintf(out, "  %-9s %-6s %-22s %-12s %-12s %s\n", "", "status", "reason", "first byte",
		"last byte", "body");
	row(out, "captured", r->status, r->reason, r->reason_len, r->first_ns, r->last_ns,
	    r->status && r->resp_body_known, r->resp_body_len);
	if (!sent || !ok) {
		row(out, "replayed", 0, "", 0, first, last, false, 0);
		fprintf(stderr, "fdecode: --replay: '%s': %s\n", where,
			!sent ? "could not send" : got ? "the answer is not HTTP/1.x" : "no answer");
		return false;
	}
	row(out, "replayed", h.status, h.reason ? h.reason : "", h.reason_len, first, last, true,
	    got - h.head_len);
	return true;
}
