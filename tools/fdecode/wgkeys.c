/* wgkeys.c - fdecode's WireGuard decryption: key logs from --wg-keylog and
 * from the inputs' pcapng Decryption Secrets Blocks, what decryption adds to
 * WG lines, the tunnel mark on inner packets, and the summary's counts. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fdecode.h"
#include "fsc/wgdecrypt.h"
#include "fsc/wgnoise.h"

struct wgkeys {
	struct fsc_wgkeylog_set *set;
	struct fsc_wgdecrypt *dec;
	unsigned files, blocks;
};

bool wgkeys_add_option(struct options *opt, const char *path)
{
	if (opt->n_wg_keylogs >= MAX_WG_KEYLOGS)
		return false;
	opt->wg_keylogs[opt->n_wg_keylogs++] = path;
	return true;
}

struct wgkeys *wgkeys_new(const struct options *opt, const char **files,
			  unsigned n_files, struct fsc_pipeline *pl, int *status)
{
	struct wgkeys *k = calloc(1, sizeof(*k));
	char err[256];

	*status = 0;
	if (!k || !(k->set = fsc_wgkeylog_set_new(0, 0, 0))) {
		fputs("fdecode: out of memory for the key log\n", stderr);
		*status = 2;
		wgkeys_free(k);
		return NULL;
	}
	for (unsigned i = 0; i < opt->n_wg_keylogs; i++) {
		if (!fsc_wgkeylog_set_add_file(k->set, opt->wg_keylogs[i], err,
					       sizeof(err))) {
			fprintf(stderr, "fdecode: --wg-keylog: '%s': %s\n",
				opt->wg_keylogs[i], err);
			*status = 1;
			wgkeys_free(k);
			return NULL;
		}
		k->files++;
	}
	/* Secrets inside the inputs; a file that cannot be read here is
	 * reported when it is decoded. */
	for (unsigned i = 0; i < n_files; i++) {
		int n = 0;
		if (strcmp(files[i], "-") != 0 && access(files[i], R_OK) == 0)
			n = fsc_wgd_pcapng_secrets(files[i], k->set, err, sizeof(err));
		if (n > 0)
			k->blocks += (unsigned)n;
		else if (n < 0)
			fprintf(stderr, "fdecode: %s: warning: secrets blocks not read: %s\n",
				files[i], err);
	}
	if (k->files == 0 && k->blocks == 0)
		return k; /* no keys: nothing changes */
	k->dec = fsc_wgdecrypt_new(k->set, err, sizeof(err));
	if (!k->dec) {
		fprintf(stderr, "fdecode: WireGuard decryption: %s\n", err);
		*status = 2;
		wgkeys_free(k);
		return NULL;
	}
	fsc_pipeline_set_wgdecrypt(pl, k->dec);
	return k;
}

void wgkeys_free(struct wgkeys *k)
{
	if (!k)
		return;
	fsc_wgdecrypt_free(k->dec);
	fsc_wgkeylog_set_free(k->set);
	free(k);
}

/* Standard base64 of a 32-byte key (44 characters). */
void key_b64(struct outbuf *ob, const uint8_t key[32])
{
	char line[FSC_WGKEYLOG_LINE_MAX];
	size_t n = fsc_wgkeylog_format(line, sizeof(line),
				       FSC_WGKEYLOG_REMOTE_STATIC_PUBLIC_KEY, key);
	const char *eq = memchr(line, '=', n);

	outbuf_mem(ob, eq + 2, 44);
}

static void tai64n_value(struct outbuf *ob, const uint8_t t[12])
{
	uint64_t sec;
	uint32_t ns;

	if (!fsc_wgnoise_tai64n_parse(t, &sec, &ns)) {
		outbuf_lit(ob, "null");
		return;
	}
	outbuf_u64(ob, sec);
	outbuf_char(ob, '.');
	outbuf_i64_zpad(ob, ns, 9);
}

/* ,"decryption":"...","static":"...","timestamp":S.N,"handshake_ok":B */
void json_wgd(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_wgd_note *n = ev->wgd;

	if (!n || n->result == FSC_WGD_NONE)
		return;
	json_token(ob, "decryption", fsc_wgd_result_name(n->result));
	/* The initiator's key belongs to the handshake; transport carries
	 * it on its inner packets' "tunnel". */
	if (n->have_static && ev->tun && ev->tun->u.wg.type != FSC_WG_TRANSPORT) {
		json_key(ob, "static");
		outbuf_char(ob, '"');
		key_b64(ob, n->initiator_static);
		outbuf_char(ob, '"');
	}
	if (n->have_timestamp) {
		json_key(ob, "timestamp");
		tai64n_value(ob, n->timestamp);
	}
	if (n->handshake_ok >= 0)
		outbuf_str(ob, n->handshake_ok ? ",\"handshake_ok\":true"
					       : ",\"handshake_ok\":false");
}

void text_wgd(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;
	const struct fsc_wgd_note *n = ev->wgd;

	if (!n || n->result == FSC_WGD_NONE)
		return;
	if (n->result != FSC_WGD_OK) {
		outbuf_lit(ob, " [");
		outbuf_str(ob, fsc_wgd_result_name(n->result));
		outbuf_char(ob, ']');
		return;
	}
	if (ev->tun && ev->tun->u.wg.type == FSC_WG_INITIATION && n->have_static) {
		outbuf_lit(ob, " static ");
		key_b64(ob, n->initiator_static);
		if (n->have_timestamp) {
			outbuf_lit(ob, " timestamp ");
			tai64n_value(ob, n->timestamp);
		}
	}
	if (n->handshake_ok >= 0)
		outbuf_str(ob, n->handshake_ok ? " handshake ok" : " handshake refused");
	if (ev->tun && ev->tun->u.wg.type == FSC_WG_TRANSPORT)
		outbuf_lit(ob, " decrypted");
}

/* ,"tunnel":{"session":N,"peer":"..."} on a packet that came out of one. */
void json_tunnel(struct printer *pr, const struct fsc_event *ev)
{
	struct outbuf *ob = pr->ob;

	if (!ev->tunnel)
		return;
	outbuf_lit(ob, ",\"tunnel\":{\"session\":");
	outbuf_u64(ob, ev->tunnel == UINT32_MAX ? 0 : ev->tunnel);
	if (ev->tunnel_peer) {
		outbuf_lit(ob, ",\"peer\":\"");
		key_b64(ob, ev->tunnel_peer);
		outbuf_char(ob, '"');
	}
	outbuf_char(ob, '}');
}

void text_tunnel(struct printer *pr, const struct fsc_event *ev)
{
	if (!ev->tunnel)
		return;
	outbuf_lit(pr->ob, " (tunnel session ");
	outbuf_u64(pr->ob, ev->tunnel == UINT32_MAX ? 0 : ev->tunnel);
	outbuf_char(pr->ob, ')');
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
		fprintf(out, "{\"type\":\"wg_decryption\",\"initiations_opened\":%llu,"
			"\"responses_opened\":%llu,\"handshakes_refused\":%llu,"
			"\"transport_decrypted\":%llu,\"no_key\":%llu,"
			"\"no_handshake\":%llu,\"auth_failed\":%llu,"
			"\"inner_packets\":%llu}\n",
			(unsigned long long)s->initiations_opened,
			(unsigned long long)s->responses_opened,
			(unsigned long long)s->handshakes_refused,
			(unsigned long long)t[FSC_WGD_OK],
			(unsigned long long)t[FSC_WGD_NO_KEY],
			(unsigned long long)t[FSC_WGD_NO_HANDSHAKE],
			(unsigned long long)t[FSC_WGD_AUTH_FAILED],
			(unsigned long long)fsc_pipeline_stats(pl)->inner_packets);
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
