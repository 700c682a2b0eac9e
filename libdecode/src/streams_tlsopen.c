/*
 * streams_tlsopen.c - a TLS 1.3 direction opened with a key log: where the
 * hello reader stops at the first encrypted record, the records are opened
 * one by one (tlsdecrypt.h) and their application data handed, as TCP
 * segments numbered by plaintext offset, to a flow of its own in s->inner
 * (same addresses and ports), which the same stream machines read: HTTP
 * requests and answers inside the TLS, as in a plaintext connection.
 *
 * The epochs: the handshake's records (the client's Finished; the server's
 * EncryptedExtensions .. Finished) under the handshake secret when the log
 * has it, then application data under the traffic secret 0. Without the
 * handshake secret a record the traffic key does not open is a handshake
 * record (the tag is definitive): skipped, a few at most. A KeyUpdate
 * moves to the next traffic secret. A record that no key opens ends the
 * direction (other keys, altered bytes), counted.
 * TLS 1.2, an unknown suite, no secrets: not decrypted, counted.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "streams_int.h"

enum { TO_HANDSHAKE = 0, TO_APP, TO_WAIT_KEY };

#define UNOPENED_MAX 16	/* handshake records skipped without their key */
#define CT_CCS 20
#define CT_HANDSHAKE 22
#define CT_APPDATA 23

bool stream_tls_keys_known(const struct fsc_streams *s, const struct stream *st)
{
	const struct stream_tls13 *t = stream_tls13(s, st);
	const struct fsc_tlskeys_entry *e;

	if (!s->tlskeys || !t || !t->cipher13 || !t->have_random)
		return false;
	e = fsc_tlskeys_lookup(s->tlskeys, t->client_random, FSC_TLS_SERVER_APP);
	return e && e->len[FSC_TLS_CLIENT_APP] && e->len[FSC_TLS_SERVER_APP];
}

enum keys { K_OK, K_LATER, K_NONE, K_NOT_13 };

/*
 * The direction's keys from the log. K_LATER: the log has the connection
 * but not yet this secret: a server logs the client's traffic secret when
 * it reads the client's Finished, after a live capture may have shown it.
 */
static enum keys keys_for(struct fsc_streams *s, int dir, struct stream *st, struct tls_open *to)
{
	const struct stream_tls13 *t = stream_tls13(s, st);
	bool client = dir == st->req_dir;
	const struct fsc_tlskeys_entry *e;

	if (!t->cipher13 || !t->have_random)
		return K_NOT_13;
	enum fsc_tls_secret app = client ? FSC_TLS_CLIENT_APP : FSC_TLS_SERVER_APP;
	enum fsc_tls_secret hs = client ? FSC_TLS_CLIENT_HS : FSC_TLS_SERVER_HS;
	e = fsc_tlskeys_lookup(s->tlskeys, t->client_random, app);
	if (!e)
		return K_NONE;
	if (!fsc_tls13_traffic_key(t->cipher13, e->secret[app], e->len[app], &to->app))
		return K_LATER;
	memcpy(to->app_secret, e->secret[app], e->len[app]);
	to->app_secret_len = e->len[app];
	if (!fsc_tls13_traffic_key(t->cipher13, e->secret[hs], e->len[hs], &to->hs))
		memset(&to->hs, 0, sizeof(to->hs));
	return K_OK;
}

/* One segment of the plaintext flow: flags and, with data, the bytes. */
static void inner_segment(struct fsc_streams *s, const struct fsc_flow *f, int dir,
			  uint8_t flags, uint32_t seq, uint32_t ack, const uint8_t *p,
			  size_t len, int64_t ts)
{
	struct fsc_packet pkt;
	bool urgent = s->urgent;

	memset(&pkt, 0, sizeof(pkt));
	pkt.layer = FSC_LAYER_PAYLOAD;
	pkt.ipver = f->addr[dir].family == 6 ? 6 : 4;
	pkt.proto = 6;
	pkt.obs = f->obs;
	pkt.tunnel = fsc_flow_tunnel(f);
	pkt.src = f->addr[dir];
	pkt.dst = f->addr[!dir];
	pkt.sport = f->port[dir];
	pkt.dport = f->port[!dir];
	pkt.tcp_flags = flags;
	pkt.seq = seq;
	pkt.ack = ack;
	pkt.payload = p;
	pkt.payload_len = len;
	pkt.payload_wire_len = len;
	pkt.ip_len = (uint32_t)len + 40;
	/* a table of its own: the outer flow's table is in this call */
	s->urgent = false;
	fsc_flows_packet(s->inner, &pkt, ts, NULL);
	s->urgent = urgent;
}

/* The plaintext flow opens as a handshake seen whole: bytes from offset 0,
 * the client the side that connected. */
static void inner_open(struct fsc_streams *s, const struct fsc_flow *f, struct stream *st,
		       int64_t ts)
{
	struct stream_tls13 *t = stream_tls13(s, st);
	int c = st->req_dir >= 0 ? st->req_dir : 0;

	if (t->inner_open)
		return;
	t->inner_open = true;
	inner_segment(s, f, c, FSC_TCP_SYN, 0, 0, NULL, 0, ts);
	inner_segment(s, f, !c, FSC_TCP_SYN | FSC_TCP_ACK, 0, 1, NULL, 0, ts);
}

bool stream_tls_open_start(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			   size_t used, size_t *back)
{
	struct dir_state *d = &st->d[dir];
	struct stream_tls13 *t = stream_tls13(s, st);
	struct tls_open *to;

	*back = 0;
	/* only TLS 1.3's encrypted records (outer type application_data);
	 * never inside a plaintext flow (its buffer is in use) */
	if (!t || !s->tlskeys || f->table == s->inner || d->tls._hdr[0] != CT_APPDATA)
		return false;
	to = &t->to[dir];
	memset(to, 0, sizeof(*to));
	enum keys k = keys_for(s, dir, st, to);
	if (k == K_NOT_13 || k == K_NONE) {
		s->st.tls_not_13 += k == K_NOT_13;
		s->st.tls_no_key += k == K_NONE;
		return false;
	}
	if (used >= FSC_TLS_RECORD_HDR) {
		*back = FSC_TLS_RECORD_HDR; /* read the header again */
	} else {
		to->hdr_taken = true; /* it began in bytes already given up */
		memcpy(to->hdr, d->tls._hdr, sizeof(to->hdr));
	}
	stream_tls_release(s, d);
	d->mode = M_TLS_OPEN;
	if (k == K_LATER) {
		to->epoch = TO_WAIT_KEY; /* its records wait in the flow's buffer */
		return true;
	}
	s->st.tls_opened++;
	inner_open(s, f, st, f->last_ns);
	return true;
}

/* The direction read no more: said (FSC_EV_TLS_OPEN_END), for a reader
 * that counts on having seen all it carried. */
static size_t give_up(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
		      size_t len, enum fsc_status why_st, const char *why)
{
	struct tls_open *to = &stream_tls13(s, st)->to[dir];
	struct fsc_stream_event ev;

	if (to->epoch == TO_WAIT_KEY)
		s->st.tls_no_key++; /* it never came */
	else
		s->st.tls_open_failed++;
	OPENSSL_cleanse(to, sizeof(*to));
	st->d[dir].mode = M_OFF;
	fsc_flow_stop(f, dir);
	stream_event_init(&ev, FSC_EV_TLS_OPEN_END, f, dir, f->last_ns);
	stream_emit(s, &ev, why_st, why);
	return len;
}

/* Opens one record with the epoch's key; the next epoch when that fails
 * and the handshake's key was in use or missing. */
static enum fsc_status open_record(struct fsc_streams *s, struct tls_open *to, const uint8_t *hdr,
				   const uint8_t *body, size_t n, size_t *out_len, uint8_t *type)
{
	const char *why;

	if (to->epoch == TO_HANDSHAKE && to->hs.cipher &&
	    fsc_tls13_open(s->aead, &to->hs, to->seq, hdr, body, n, s->plain, out_len, type,
			   &why) == FSC_OK) {
		to->seq++;
		return FSC_OK;
	}
	uint64_t seq = to->epoch == TO_APP ? to->seq : 0;
	if (fsc_tls13_open(s->aead, &to->app, seq, hdr, body, n, s->plain, out_len, type, &why) ==
	    FSC_OK) {
		to->epoch = TO_APP;
		to->seq = seq + 1;
		return FSC_OK;
	}
	if (to->epoch == TO_HANDSHAKE && !to->hs.cipher && to->unopened < UNOPENED_MAX) {
		to->unopened++; /* a handshake record: its key is not in the log */
		return FSC_NOT_THIS;
	}
	return FSC_MALFORMED;
}

/* A KeyUpdate among the handshake messages of a record in the application
 * epoch: the next traffic secret (RFC 8446 §7.2), its key, sequence 0. */
static void key_update(struct tls_open *to, const uint8_t *msg, size_t len)
{
	uint8_t next[FSC_TLS_SECRET_MAX];
	struct fsc_tls13_key k;

	for (size_t i = 0; i + 4 <= len;) {
		size_t n = (size_t)msg[i + 1] << 16 | (size_t)msg[i + 2] << 8 | msg[i + 3];
		if (msg[i] == 24 /* key_update */ && n == 1 &&
		    fsc_tls13_expand_label(to->app.cipher, to->app_secret, to->app_secret_len,
					   "traffic upd", next, to->app_secret_len) &&
		    fsc_tls13_traffic_key(to->app.cipher, next, to->app_secret_len, &k)) {
			to->app = k;
			memcpy(to->app_secret, next, to->app_secret_len);
			to->seq = 0;
		}
		i += 4 + n;
	}
	OPENSSL_cleanse(next, sizeof(next));
	OPENSSL_cleanse(&k, sizeof(k));
}

size_t stream_tls_open_data(struct fsc_streams *s, struct fsc_flow *f, int dir, struct stream *st,
			    const uint8_t *p, size_t len, unsigned flags, int64_t ts)
{
	struct tls_open *to = &stream_tls13(s, st)->to[dir];
	size_t hl = to->hdr_taken ? 0 : FSC_TLS_RECORD_HDR;
	const uint8_t *hdr = to->hdr_taken ? to->hdr : p;
	bool last = flags & (FSC_DATA_END | FSC_DATA_FULL);

	if (flags & FSC_DATA_RESYNC)
		return give_up(s, f, dir, st, len, FSC_TRUNCATED, "gap"); /* the sequence is lost */
	if (to->epoch == TO_WAIT_KEY) {
		/* more bytes came: the secret may have been logged since */
		if (keys_for(s, dir, st, to) != K_OK)
			return last ? give_up(s, f, dir, st, len, FSC_TRUNCATED, "secret not logged")
				    : 0;
		to->epoch = TO_HANDSHAKE;
		s->st.tls_opened++;
		inner_open(s, f, st, ts);
	}
	if (len < hl)
		return last ? give_up(s, f, dir, st, len, FSC_TRUNCATED, "record cut") : 0;
	uint8_t type = hdr[0];
	size_t n = (size_t)hdr[3] << 8 | hdr[4];
	if (hdr[1] != 3 || n > FSC_TLS_PLAIN_MAX + 256 + FSC_TLS_AEAD_TAG ||
	    (type != CT_APPDATA && type != CT_CCS))
		return give_up(s, f, dir, st, len, FSC_MALFORMED, "record header");
	if (len - hl < n)
		return last ? give_up(s, f, dir, st, len, FSC_TRUNCATED, "record cut") : 0;
	to->hdr_taken = false;
	if (type == CT_CCS)
		return hl + n; /* compatibility mode's change_cipher_spec */
	size_t out_len;
	uint8_t inner;
	enum fsc_status rc = open_record(s, to, hdr, p + hl, n, &out_len, &inner);
	if (rc == FSC_MALFORMED)
		return give_up(s, f, dir, st, len, FSC_MALFORMED, "record not opened");
	if (rc == FSC_OK) {
		s->st.tls_records++;
		if (inner == CT_APPDATA && out_len) {
			inner_segment(s, f, dir, FSC_TCP_PSH, 1 + to->sent, 0, s->plain, out_len, ts);
			to->sent += (uint32_t)out_len;
		}
		else if (inner == CT_HANDSHAKE && to->epoch == TO_APP)
			key_update(to, s->plain, out_len); /* or a NewSessionTicket */
	}
	return hl + n;
}

void stream_tls_open_close(struct fsc_streams *s, const struct fsc_flow *f, struct stream *st)
{
	struct stream_tls13 *t = stream_tls13(s, st);
	int c = st->req_dir >= 0 ? st->req_dir : 0;

	if (!t || !t->inner_open)
		return;
	t->inner_open = false;
	inner_segment(s, f, c, FSC_TCP_FIN, 1 + t->to[c].sent, 0, NULL, 0, f->last_ns);
	inner_segment(s, f, !c, FSC_TCP_FIN, 1 + t->to[!c].sent, 0, NULL, 0, f->last_ns);
	OPENSSL_cleanse(t->to, sizeof(t->to));
}

void stream_tls_open_free(struct fsc_streams *s)
{
	fsc_flows_free(s->inner);
	free(s->tls13);
	fsc_tls13_aead_free(s->aead);
	if (s->plain)
		OPENSSL_cleanse(s->plain, FSC_TLS_PLAIN_MAX + 256);
	free(s->plain);
}
