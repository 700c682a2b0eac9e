/* wgkeys.c - what fdecode's WireGuard decryption (the keys: inputopts.h)
 * adds to WG lines, the tunnel mark on inner packets, and the summary's
 * counts, with those of TLS decryption (--tls-keylog). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "fdecode.h"
#include "fsc/wgdecrypt.h"
#include "fsc/wgnoise.h"

/* Standard base64 of a 32-byte key (44 characters). */
void key_b64(struct fsc_outbuf *ob, const uint8_t key[32])
{
	char line[FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_format(line, sizeof(line),
				       FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY, key);
	const char *eq = memchr(line, '=', n);

	fsc_outbuf_mem(ob, eq + 2, 44);
}

static void tai64n_value(struct fsc_outbuf *ob, const uint8_t t[12])
{
	uint64_t sec;
	uint32_t ns;

	if (!fsc_wgnoise_tai64n_parse(t, &sec, &ns)) {
		fsc_outbuf_lit(ob, "null");
		return;
	}
	fsc_outbuf_u64(ob, sec);
	fsc_outbuf_char(ob, '.');
	fsc_outbuf_i64_zpad(ob, ns, 9);
}

/* "decryption","static","timestamp","handshake_ok" */
void json_wgd(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_jsonw *w = &pr->jw;
	const struct fsc_wgd_note *n = ev->wgd;

	if (!n || n->result == FSC_WGD_NONE)
		return;
	fsc_jsonw_token(w, "decryption", fsc_wgd_result_name(n->result));
	/* The initiator's key belongs to the handshake; transport carries
	 * it on its inner packets' "tunnel". */
	if (n->have_static && ev->tun && ev->tun->u.wg.type != FSC_WG_TRANSPORT) {
		fsc_jsonw_key(w, "static");
		fsc_outbuf_char(w->ob, '"');
		key_b64(w->ob, n->initiator_static);
		fsc_outbuf_char(w->ob, '"');
	}
	if (n->have_timestamp) {
		fsc_jsonw_key(w, "timestamp");
		tai64n_value(w->ob, n->timestamp);
	}
	if (n->handshake_ok >= 0)
		fsc_jsonw_bool(w, "handshake_ok", n->handshake_ok);
}

void text_wgd(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_outbuf *ob = pr->ob;
	const struct fsc_wgd_note *n = ev->wgd;

	if (!n || n->result == FSC_WGD_NONE)
		return;
	if (n->result != FSC_WGD_OK) {
		fsc_outbuf_lit(ob, " [");
		fsc_outbuf_str(ob, fsc_wgd_result_name(n->result));
		fsc_outbuf_char(ob, ']');
		return;
	}
	if (ev->tun && ev->tun->u.wg.type == FSC_WG_INITIATION && n->have_static) {
		fsc_outbuf_lit(ob, " static ");
		key_b64(ob, n->initiator_static);
		if (n->have_timestamp) {
			fsc_outbuf_lit(ob, " timestamp ");
			tai64n_value(ob, n->timestamp);
		}
	}
	if (n->handshake_ok >= 0)
		fsc_outbuf_str(ob, n->handshake_ok ? " handshake ok" : " handshake refused");
	if (ev->tun && ev->tun->u.wg.type == FSC_WG_TRANSPORT)
		fsc_outbuf_lit(ob, " decrypted");
}

/* "tunnel":{"session":N,"peer":"..."} on a packet that came out of one. */
void json_tunnel(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_jsonw *w = &pr->jw;

	if (!ev->tunnel)
		return;
	fsc_jsonw_object_begin_at(w, "tunnel");
	fsc_jsonw_u64(w, "session", ev->tunnel == UINT32_MAX ? 0 : ev->tunnel);
	if (ev->tunnel_peer) {
		fsc_jsonw_key(w, "peer");
		fsc_outbuf_char(w->ob, '"');
		key_b64(w->ob, ev->tunnel_peer);
		fsc_outbuf_char(w->ob, '"');
	}
	fsc_jsonw_object_end(w);
}

void text_tunnel(struct printer *pr, const struct fsc_event *ev)
{
	if (!ev->tunnel)
		return;
	fsc_outbuf_lit(pr->ob, " (tunnel session ");
	fsc_outbuf_u64(pr->ob, ev->tunnel == UINT32_MAX ? 0 : ev->tunnel);
	fsc_outbuf_char(pr->ob, ')');
}

void wgkeys_summary(FILE *out, const struct fsc_pipeline *pl, bool json)
{
	const struct fsc_wgdecrypt *d = fsc_pipeline_wgdecrypt(pl);
	const struct fsc_wgd_stats *s;
	const uint64_t *t;

	if (!d)
		return;
	s = fsc_wgdecrypt_stats(d);
	t = s->transport;
	if (json) {
		char line[1024];
		struct fsc_outbuf ob;
		struct fsc_jsonw w;
		fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "wg_decryption");
		fsc_jsonw_u64(&w, "initiations_opened", s->initiations_opened);
		fsc_jsonw_u64(&w, "responses_opened", s->responses_opened);
		fsc_jsonw_u64(&w, "handshakes_refused", s->handshakes_refused);
		fsc_jsonw_u64(&w, "transport_decrypted", t[FSC_WGD_OK]);
		fsc_jsonw_u64(&w, "no_key", t[FSC_WGD_NO_KEY]);
		fsc_jsonw_u64(&w, "no_handshake", t[FSC_WGD_NO_HANDSHAKE]);
		fsc_jsonw_u64(&w, "auth_failed", t[FSC_WGD_AUTH_FAILED]);
		fsc_jsonw_u64(&w, "inner_packets", fsc_pipeline_stats(pl)->inner_packets);
		fsc_jsonw_line_end(&w);
		fsc_outbuf_flush(&ob);
		return;
	}
	static const char fmt[] = "  %-38s %10llu\n";
	fputs("\nDecryption (WireGuard key log)\n", out);
	fprintf(out, fmt, "initiations opened",
		(unsigned long long)s->initiations_opened);
	fprintf(out, fmt, "responses opened", (unsigned long long)s->responses_opened);
	fprintf(out, fmt, "handshakes refused",
		(unsigned long long)s->handshakes_refused);
	fprintf(out, fmt, "transport decrypted", (unsigned long long)t[FSC_WGD_OK]);
	fprintf(out, fmt, "not decrypted: no key",
		(unsigned long long)t[FSC_WGD_NO_KEY]);
	fprintf(out, fmt, "not decrypted: handshake not in capture",
		(unsigned long long)t[FSC_WGD_NO_HANDSHAKE]);
	fprintf(out, fmt, "not decrypted: auth failure",
		(unsigned long long)t[FSC_WGD_AUTH_FAILED]);
	fprintf(out, fmt, "inner packets",
		(unsigned long long)fsc_pipeline_stats(pl)->inner_packets);
}

void tlskeys_summary(FILE *out, const struct fsc_pipeline *pl, bool json)
{
	const struct fsc_stream_stats *s = fsc_streams_stats(fsc_pipeline_streams(pl));
	static const struct {
		const char *key, *text;
		size_t off;
	} rows[] = {
		{ "opened", "directions opened", offsetof(struct fsc_stream_stats, tls_opened) },
		{ "records", "records opened", offsetof(struct fsc_stream_stats, tls_records) },
		{ "no_key", "not decrypted: no secret for the random",
		  offsetof(struct fsc_stream_stats, tls_no_key) },
		{ "not_tls13", "not decrypted: TLS 1.2 or no hello",
		  offsetof(struct fsc_stream_stats, tls_not_13) },
		{ "failed", "given up: a record did not open",
		  offsetof(struct fsc_stream_stats, tls_open_failed) },
	};
	uint64_t v[sizeof(rows) / sizeof(rows[0])], any = 0;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		any |= v[i] = *(const uint64_t *)((const char *)s + rows[i].off);
	if (!any)
		return; /* no key log, or no TLS 1.3 handshake ended */
	if (json) {
		char line[512];
		struct fsc_outbuf ob;
		struct fsc_jsonw w;
		fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);
		fsc_jsonw_init(&w, &ob);
		fsc_jsonw_object_begin(&w);
		fsc_jsonw_token(&w, "type", "tls_decryption");
		for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
			fsc_jsonw_u64(&w, rows[i].key, v[i]);
		fsc_jsonw_line_end(&w);
		fsc_outbuf_flush(&ob);
		return;
	}
	fputs("\nDecryption (TLS key log)\n", out);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		fprintf(out, "  %-38s %10llu\n", rows[i].text, (unsigned long long)v[i]);
}
