/* access.c - fnode --access-log: each request fnode answered or proxied as
 * one line of the access log format fdecode and fwatch write (fsc/
 * accesslog.h), with the client the ingress handshake named as host, so a
 * log reader gets the same lines from the node itself as from a capture of
 * it. What the node does not keep (the answer's head time, the request's
 * User-Agent) is left out as "-". */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fnode.h"
#include "fsc/accesslog.h"

static void put(char *dst, size_t cap, uint16_t *len, const char *s)
{
	size_t n = strlen(s);

	if (n > cap)
		n = cap;
	memcpy(dst, s, n);
	dst[n] = '\0';
	*len = (uint16_t)n;
}

void fnode_access_line(struct conn *c)
{
	static struct fsc_request r;
	static char line[FSC_ACCESSLOG_LINE_MAX];
	struct fnode *nd = c->nd;
	struct timespec now;

	if (!nd->access.path)
		return;
	memset(&r, 0, sizeof(r));
	clock_gettime(CLOCK_REALTIME, &now);
	uint64_t took = fsc_now_ms() - c->t_req;
	r.req.seen = true;
	r.req.ts_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec - (int64_t)took * 1000000;
	r.state = c->rs == RS_DONE || c->upgraded ? FSC_REQ_COMPLETE
		  : c->status ? FSC_REQ_BODY_CUT : FSC_REQ_UNANSWERED;
	r.src = c->peer;
	r.sport = c->peer_port;
	r.client.rule = c->client.family ? FSC_CLIENT_INGRESS_SRC : FSC_CLIENT_TCP_PEER;
	r.client.addr = c->client.family ? c->client : c->peer;
	r.minor_version = 1;
	put(r.method, FSC_REQ_METHOD_MAX, &r.method_len, c->method);
	put(r.target, FSC_REQ_TARGET_MAX, &r.target_len, c->req_target);
	put(r.host, FSC_REQ_HOST_MAX, &r.host_len, c->host);
	r.has_sni = c->sni[0] != '\0';
	put(r.sni, FSC_REQ_SNI_MAX, &r.sni_len, c->sni);
	r.status = c->status;
	r.first_ns = -1;
	r.last_ns = c->rs == RS_DONE ? (int64_t)took * 1000000 : -1;
	r.resp_body_known = r.resp_body_measured = c->status != 0;
	r.resp_body_len = c->resp_bytes;
	size_t n = fsc_accesslog_format(&r, &nd->access_opts, line, sizeof(line));
	if (n)
		fsc_logfile_write(&nd->access, line, n);
}

bool fnode_access_open(struct fnode *nd)
{
	const char *path = nd->o.access_log;
	char err[256];

	if (!path)
		return true;
	if (!fsc_logfile_open(&nd->access, path, true, true, err, sizeof(err))) {
		fprintf(stderr, "fnode: --access-log: '%s': %s\n", path, err);
		return false;
	}
	nd->access_opts.format = nd->o.access_format;
	return true;
}

void fnode_access_reopen(struct fnode *nd)
{
	char err[256];

	if (nd->access.path && !fsc_logfile_reopen(&nd->access, err, sizeof(err)))
		fprintf(stderr, "fnode: --access-log: SIGHUP: '%s': %s\n", nd->o.access_log, err);
}

void fnode_access_close(struct fnode *nd)
{
	if (!fsc_logfile_close(&nd->access))
		fprintf(stderr, "fnode: --access-log: '%s': write failed\n", nd->o.access_log);
}
