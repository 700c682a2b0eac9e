/* streamkit.h - hand-built TCP segments through the stream consumer, and
 * the events it reports copied out (test_streams.c, test_streams_odd.c). */
#ifndef STREAMKIT_H
#define STREAMKIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "fsc/streams.h"
#include "vectors.h"

#define MS 1000000ll

/* What the events said, copied out (their pointers die with the call). */
struct seen {
	enum fsc_event_type type;
	enum fsc_status status;
	char a[128], b[128];	/* type-specific: see record() */
	int num;
	unsigned index;
	int64_t latency_ns;
	bool matched;
	char rule[24];
	char why[64];
	char method[16];
	int64_t ts;
	unsigned flags;		/* FSC_SF_* */
};

static struct seen ev[64];
static unsigned n_ev;

static inline void copy(char *dst, const void *p, size_t len)
{
	size_t n = len < 127 ? len : 127;
	memcpy(dst, p, n);
	dst[n] = '\0';
}

static inline void record(void *ctx, const struct fsc_stream_event *e)
{
	(void)ctx;
	assert_true(n_ev < 64);
	struct seen *s = &ev[n_ev++];
	memset(s, 0, sizeof(*s));
	s->type = e->type;
	s->status = e->status;
	s->flags = e->flags;
	s->ts = e->ts_ns;
	if (e->why)
		copy(s->why, e->why, strlen(e->why) < 63 ? strlen(e->why) : 63);
	else
		assert_int_equal(e->status, FSC_OK);
	switch (e->type) {
	case FSC_EV_TLS_CLIENT_HELLO:
		if (e->u.hello.h->has_sni)
			copy(s->a, e->u.hello.h->sni.p, e->u.hello.h->sni.len);
		if (e->u.hello.have_fp)
			copy(s->b, e->u.hello.ja4, strlen(e->u.hello.ja4));
		s->index = e->u.hello.index;
		break;
	case FSC_EV_TLS_SERVER_HELLO:
		s->num = e->u.server.h->version;
		break;
	case FSC_EV_HTTP_REQUEST:
		copy(s->a, e->u.req.head->target, e->u.req.head->target_len);
		copy(s->method, e->u.req.head->method,
		     e->u.req.head->method_len < 15 ? e->u.req.head->method_len : 15);
		s->index = e->u.req.index;
		if (e->u.req.client) {
			fsc_addr_str(&e->u.req.client->addr, s->b);
			copy(s->rule, fsc_client_rule_name(e->u.req.client->rule),
			     strlen(fsc_client_rule_name(e->u.req.client->rule)));
		}
		break;
	case FSC_EV_HTTP_RESPONSE:
		s->num = e->u.resp.head->status;
		s->matched = e->u.resp.matched;
		s->index = e->u.resp.index;
		s->latency_ns = e->u.resp.latency_ns;
		if (e->u.resp.matched)
			copy(s->a, e->u.resp.uri, strlen(e->u.resp.uri));
		break;
	case FSC_EV_HTTP_RESPONSE_END:
		s->num = e->u.resp_end.status;
		s->index = e->u.resp_end.index;
		s->latency_ns = e->u.resp_end.last_ns;
		break;
	case FSC_EV_INGRESS:
		copy(s->a, e->u.ingress.src, strlen(e->u.ingress.src));
		if (e->u.ingress.has_sni)
			copy(s->b, e->u.ingress.sni, e->u.ingress.sni_len);
		s->num = e->u.ingress.status;
		break;
	case FSC_EV_TLS_OPEN_END:
		s->num = e->dir;
		break;
	case FSC_EV_HTTP_CLOSE:
		s->num = (int)e->u.close.unanswered;
		s->index = e->u.close.requests;
		break;
	default: /* packet kinds: never from a stream */
		fail();
	}
}

/* A connection client:40000 -> server:2367 and the segments on it. */
struct conn {
	struct fsc_streams *s;
	uint32_t seq[2];
	int64_t t;
	uint16_t cport;		/* the client's port; 0: 40000 */
};

/* A segment of which the capture holds only the first `len` of `wire`
 * bytes (snaplen). */
static inline void segment_cut(struct conn *c, int dir, uint8_t flags, const void *data, size_t len,
			size_t wire)
{
	struct fsc_packet pkt;

	memset(&pkt, 0, sizeof(pkt));
	fsc_addr_parse(dir ? "127.0.0.1" : "127.0.0.2", &pkt.src);
	fsc_addr_parse(dir ? "127.0.0.2" : "127.0.0.1", &pkt.dst);
	uint16_t cport = c->cport ? c->cport : 40000;
	pkt.sport = dir ? 2367 : cport;
	pkt.dport = dir ? cport : 2367;
	pkt.ipver = 4;
	pkt.proto = 6;
	pkt.tcp_flags = flags;
	pkt.seq = c->seq[dir];
	pkt.ack = c->seq[!dir];
	pkt.layer = FSC_LAYER_PAYLOAD;
	/* the payload just before an unreadable page: an over-read faults */
	uint8_t *g = len ? vec_guard(data, len) : NULL;
	pkt.payload = g;
	pkt.payload_len = len;
	pkt.payload_wire_len = wire;
	c->t += MS;
	fsc_streams_packet(c->s, &pkt, c->t, record, NULL);
	if (g)
		vec_guard_free(g, len);
	c->seq[dir] += (uint32_t)wire + ((flags & (FSC_TCP_SYN | FSC_TCP_FIN)) ? 1 : 0);
}

static inline void segment(struct conn *c, int dir, uint8_t flags, const void *data, size_t len)
{
	segment_cut(c, dir, flags, data, len, len);
}

static inline void send_str(struct conn *c, int dir, const char *text)
{
	segment(c, dir, FSC_TCP_ACK | FSC_TCP_PSH, text, strlen(text));
}

/* A connection with no segment yet, its sequence numbers at seq0, seq1. */
static inline void new_conn(struct conn *c, const struct fsc_stream_limits *lim, uint32_t seq0,
			    uint32_t seq1)
{
	memset(c, 0, sizeof(*c));
	c->s = fsc_streams_new(lim);
	assert_non_null(c->s);
	c->seq[0] = seq0;
	c->seq[1] = seq1;
	n_ev = 0;
}

static inline void open_conn_with(struct conn *c, const struct fsc_stream_limits *lim)
{
	new_conn(c, lim, 1000, 5000);
	segment(c, 0, FSC_TCP_SYN, NULL, 0);
	segment(c, 1, FSC_TCP_SYN | FSC_TCP_ACK, NULL, 0);
	segment(c, 0, FSC_TCP_ACK, NULL, 0);
}

static inline void open_conn(struct conn *c)
{
	open_conn_with(c, NULL);
}

/* A connection the capture joins after its handshake: no SYN seen. */
static inline void join_conn(struct conn *c)
{
	new_conn(c, NULL, 7777, 9999);
}

static inline void close_conn(struct conn *c)
{
	fsc_streams_flush(c->s, record, NULL);
	fsc_streams_free(c->s);
}

#endif
