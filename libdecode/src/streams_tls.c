/*
 * streams_tls.c - the TLS reader of a stream direction: handshake records
 * reassembled in a pooled buffer, ClientHello (with JA3/JA4) and ServerHello
 * reported, a hello cut by the end of the stream or a gap reported with its
 * cause, and nothing believed where no hello can be (RFC 8446 §4, §D.4).
 */
#include <string.h>

#include "streams_int.h"

void stream_tls_release(struct fsc_streams *s, struct dir_state *d)
{
	if (d->tls_buf != NONE) {
		s->free_bufs[s->n_free_bufs++] = d->tls_buf;
		d->tls_buf = NONE;
	}
}

static bool tls_acquire(struct fsc_streams *s, struct dir_state *d)
{
	if (d->tls_buf != NONE)
		return true;
	if (s->n_free_bufs == 0) {
		s->st.tls_buffers_exhausted++;
		return false;
	}
	d->tls_buf = s->free_bufs[--s->n_free_bufs];
	fsc_tls_reasm_init(&d->tls, s->tls_bufs + (size_t)d->tls_buf * TLS_BUF_SIZE,
			   TLS_BUF_SIZE);
	return true;
}

static void on_client_hello(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st, const uint8_t *msg, size_t len, int64_t ts)
{
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc = fsc_tls_client_hello_parse(msg, len, &s->ch, &why);

	stream_event_init(&ev, FSC_EV_TLS_CLIENT_HELLO, f, dir, ts);
	ev.u.hello.h = &s->ch;
	ev.u.hello.index = ++st->d[dir].hellos;
	if (st->tunnel)
		ev.flags |= FSC_SF_TUNNEL;
	if (rc == FSC_OK && !s->lim.no_fingerprints) {
		const char *fwhy = NULL;
		ev.u.hello.have_fp =
			fsc_ja3_string(&s->ch, s->ja3_string, sizeof(s->ja3_string), &fwhy) == FSC_OK &&
			fsc_ja3(&s->ch, s->ja3, &fwhy) == FSC_OK &&
			fsc_ja4(&s->ch, 't', s->ja4, &fwhy) == FSC_OK;
		ev.u.hello.ja3_string = s->ja3_string;
		ev.u.hello.ja3 = s->ja3;
		ev.u.hello.ja4 = s->ja4;
		if (!ev.u.hello.have_fp) {
			/* Said, not silent: a reader expects them on a whole hello. */
			ev.flags |= FSC_SF_NO_FINGERPRINT;
			ev.u.hello.ja_why = fwhy ? fwhy : "fingerprint failed";
		}
	} else if (rc != FSC_OK) {
		s->st.tls_malformed++;
	}
	s->st.client_hellos++;
	if (st->req_dir < 0)
		st->req_dir = dir;
	struct stream_tls13 *t = stream_tls13(s, st);
	if (t && rc == FSC_OK && s->ch.random) {
		/* the key log's index (a second hello after a retry keeps it) */
		memcpy(t->client_random, s->ch.random, FSC_TLS_RANDOM_LEN);
		t->have_random = true;
	}
	stream_emit(s, &ev, rc, why);
	if (st->ingress_switched && !st->ingress_reported)
		stream_emit_ingress(s, f, st, ts, rc == FSC_OK ? &s->ch : NULL);
}

static void on_server_hello(struct fsc_streams *s, struct fsc_flow *f, int dir,
			    struct stream *st, const uint8_t *msg, size_t len, int64_t ts)
{
	struct fsc_stream_event ev;
	const char *why = NULL;
	enum fsc_status rc = fsc_tls_server_hello_parse(msg, len, &s->sh, &why);

	if (rc == FSC_OK && s->sh.hrr)
		st->hrr_seen = true;
	struct stream_tls13 *t = stream_tls13(s, st);
	if (t && rc == FSC_OK && !s->sh.hrr)
		t->cipher13 = s->sh.version == 0x0304 && fsc_tls13_cipher_known(s->sh.cipher)
				      ? s->sh.cipher : 0;

	stream_event_init(&ev, FSC_EV_TLS_SERVER_HELLO, f, dir, ts);
	ev.u.server.h = &s->sh;
	if (st->tunnel)
		ev.flags |= FSC_SF_TUNNEL;
	if (stream_tls_keys_known(s, st))
		ev.flags |= FSC_SF_TLS_KEYS;
	s->st.server_hellos++;
	s->st.tls_malformed += rc != FSC_OK;
	stream_emit(s, &ev, rc, why);
}

/*
 * Can a hello of this type be in plaintext here? A client sends no
 * ServerHello and a server no ClientHello; after a change_cipher_spec a hello
 * follows only a HelloRetryRequest (TLS 1.3). Anything else is an encrypted
 * record (TLS 1.2's Finished) whose first byte happens to look like a hello
 * type: the handshake is over, not malformed.
 */
static bool hello_plausible(const struct stream *st, int dir, uint8_t type)
{
	const struct dir_state *d = &st->d[dir];

	if (type != FSC_TLS_HS_CLIENT_HELLO && type != FSC_TLS_HS_SERVER_HELLO)
		return false;
	if (st->req_dir >= 0 && (type == FSC_TLS_HS_CLIENT_HELLO) != (dir == st->req_dir))
		return false;
	return !d->tls.after_ccs || st->hrr_seen;
}

void stream_tls_cut(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		    enum fsc_status rc, const char *why, int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	struct fsc_stream_event ev;
	uint8_t type = d->tls_buf != NONE ? fsc_tls_reasm_partial(&d->tls) : 0;

	if (!hello_plausible(st, dir, type))
		return;

	if (type == FSC_TLS_HS_CLIENT_HELLO) {
		memset(&s->ch, 0, sizeof(s->ch));
		stream_event_init(&ev, FSC_EV_TLS_CLIENT_HELLO, f, dir, ts);
		ev.u.hello.h = &s->ch;
		ev.u.hello.index = ++d->hellos;
		s->st.client_hellos++;
		if (st->req_dir < 0)
			st->req_dir = dir;
	} else if (type == FSC_TLS_HS_SERVER_HELLO) {
		memset(&s->sh, 0, sizeof(s->sh));
		stream_event_init(&ev, FSC_EV_TLS_SERVER_HELLO, f, dir, ts);
		ev.u.server.h = &s->sh;
		s->st.server_hellos++;
	} else {
		return;
	}
	if (st->tunnel)
		ev.flags |= FSC_SF_TUNNEL;
	s->st.tls_truncated += rc == FSC_TRUNCATED;
	stream_emit(s, &ev, rc, why);
}

size_t stream_tls_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		       const uint8_t *p, size_t len, int64_t ts)
{
	struct dir_state *d = &st->d[dir];
	size_t used = 0;
	const char *why;

	if (!tls_acquire(s, d)) {
		d->mode = M_OFF;
		fsc_flow_stop(f, dir);
		return len;
	}
	enum fsc_status rc = fsc_tls_reasm_feed(&d->tls, p, len, &used, &why);
	if (rc == FSC_OK && (d->tls.msg_type == FSC_TLS_HS_CLIENT_HELLO ||
			     d->tls.msg_type == FSC_TLS_HS_SERVER_HELLO) &&
	    !hello_plausible(st, dir, d->tls.msg_type))
		rc = FSC_NOT_THIS; /* encrypted from here on */
	if (rc == FSC_OK) {
		if (d->tls.msg_type == FSC_TLS_HS_CLIENT_HELLO)
			on_client_hello(s, f, dir, st, d->tls.msg, d->tls.msg_len, ts);
		else if (d->tls.msg_type == FSC_TLS_HS_SERVER_HELLO)
			on_server_hello(s, f, dir, st, d->tls.msg, d->tls.msg_len, ts);
		return used;
	}
	if (rc == FSC_TRUNCATED)
		return used; /* a hello still open at the close is reported there */
	/* Encrypted from here on: opened with a key log, or not at all. */
	size_t back;
	if (rc == FSC_NOT_THIS && stream_tls_open_start(s, f, dir, st, used, &back)) {
		/* read on now: a 0 returned would wait for more bytes */
		used -= back;
		return used + stream_tls_open_data(s, f, dir, st, p + used, len - used, 0, ts);
	}
	/* Encrypted from here on, or not TLS after all. */
	s->st.tls_malformed += rc == FSC_MALFORMED;
	if (rc == FSC_MALFORMED)
		stream_tls_cut(s, f, dir, st, rc, why, ts);
	stream_tls_release(s, d);
	d->mode = M_OFF;
	fsc_flow_stop(f, dir);
	return len;
}

