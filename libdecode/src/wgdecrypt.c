/* wgdecrypt.c - WireGuard decryption from a key log, for a passive observer
 * (protocols.md §2.2; wireshark packet-wireguard.c wg_prepare_handshake_keys,
 * wg_process_initiation, wg_process_response). The handshake steps are
 * wgnoise's, fed with whichever side's private keys the log holds:
 *
 *   es = DH(Epriv_i, Spub_r) = DH(Spriv_r, Epub_i)     static
 *   ss = DH(Spriv_i, Spub_r) = DH(Spriv_r, Spub_i)     timestamp
 *   ee = DH(Epriv_i, Epub_r) = DH(Epriv_r, Epub_i)     response
 *   se = DH(Spriv_i, Epub_r) = DH(Epriv_r, Spub_i)     response
 *
 * Pending handshakes are kept by the initiator's index; opened sessions by
 * each receiver index (two per session, one per direction).
 */
#include "fsc/wgdecrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "wgnoise_int.h"

#define PROBE 8 /* slots tried per lookup in the index tables */

struct local_static {
	uint8_t priv[32], pub[32], mac1_key[32];
};

struct remote_static {
	uint8_t pub[32], mac1_key[32];
};

struct eph {
	uint8_t priv[32], pub[32], psk[32];
};

struct pending {
	bool used;
	uint32_t index;		/* the initiator's (initiation sender) */
	uint64_t age;
	struct fsc_wgnoise_handshake hs; /* after the timestamp */
	uint8_t spub_r[32];
	int eph_i;		/* the initiator's ephemeral in the log, or -1 */
	int static_i;		/* the initiator's static private, or -1 */
};

struct session {
	bool used;
	uint32_t index;		/* receiver index of the messages it opens */
	uint64_t age;
	uint32_t id;		/* the caller's session id */
	uint8_t key[32];
	uint8_t peer[32];	/* the initiator's static public key */
};

struct fsc_wgdecrypt {
	struct fsc_wgnoise *nz;
	const struct fsc_wgkeylog_set *keys;
	struct local_static *statics;
	size_t n_statics;
	struct remote_static *remotes; /* logged remote keys + our own pubs */
	size_t n_remotes, cap_remotes;
	struct eph *ephs;
	size_t n_ephs;
	int32_t *eph_idx;	/* open addressing by public key; -1 empty */
	size_t eph_idx_size;	/* power of two */
	struct pending *pending;
	struct session *sessions;
	uint64_t clock;		/* ages for replacement */
	struct fsc_wgd_stats st;
	uint8_t plain[FSC_WGD_MAX_PLAIN];
};

static const char *const result_names[FSC_WGD_RESULT_COUNT] = {
	[FSC_WGD_NONE] = "none",	  [FSC_WGD_OK] = "decrypted",
	[FSC_WGD_NO_KEY] = "no-key",	  [FSC_WGD_NO_HANDSHAKE] = "no-handshake",
	[FSC_WGD_AUTH_FAILED] = "auth-failed",
};

const char *fsc_wgd_result_name(enum fsc_wgd_result r)
{
	return (unsigned)r < FSC_WGD_RESULT_COUNT ? result_names[r] : "?";
}

static uint32_t hash32(const uint8_t *p)
{
	uint32_t h = 2166136261u;

	for (int i = 0; i < 8; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static uint32_t mix_index(uint32_t x)
{
	x ^= x >> 16;
	x *= 0x7feb352d;
	x ^= x >> 15;
	return x;
}

struct fsc_wgdecrypt *fsc_wgdecrypt_new(const struct fsc_wgkeylog_set *keys,
					char *err, size_t errlen)
{
	struct fsc_wgdecrypt *d = calloc(1, sizeof(*d));
	size_t size = 16;

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->keys = keys;
	d->nz = fsc_wgnoise_new(err, errlen);
	while (size < 2 * keys->max_eph)
		size *= 2;
	d->eph_idx_size = size;
	d->statics = calloc(keys->max_static_priv, sizeof(*d->statics));
	d->cap_remotes = keys->max_remote_pub + keys->max_static_priv;
	d->remotes = calloc(d->cap_remotes, sizeof(*d->remotes));
	d->ephs = calloc(keys->max_eph, sizeof(*d->ephs));
	d->eph_idx = malloc(size * sizeof(*d->eph_idx));
	d->pending = calloc(FSC_WGD_MAX_PENDING, sizeof(*d->pending));
	d->sessions = calloc(FSC_WGD_MAX_SESSIONS, sizeof(*d->sessions));
	if (!d->nz || !d->statics || !d->remotes || !d->ephs || !d->eph_idx ||
	    !d->pending || !d->sessions) {
		if (d->nz)
			snprintf(err, errlen, "out of memory");
		fsc_wgdecrypt_free(d);
		return NULL;
	}
	memset(d->eph_idx, 0xff, size * sizeof(*d->eph_idx));
	fsc_wgdecrypt_keys_added(d);
	return d;
}

void fsc_wgdecrypt_free(struct fsc_wgdecrypt *d)
{
	if (!d)
		return;
	fsc_wgnoise_free(d->nz);
	if (d->statics)
		OPENSSL_cleanse(d->statics, d->n_statics * sizeof(*d->statics));
	if (d->ephs)
		OPENSSL_cleanse(d->ephs, d->n_ephs * sizeof(*d->ephs));
	if (d->sessions)
		OPENSSL_cleanse(d->sessions,
				FSC_WGD_MAX_SESSIONS * sizeof(*d->sessions));
	if (d->pending)
		OPENSSL_cleanse(d->pending, FSC_WGD_MAX_PENDING * sizeof(*d->pending));
	free(d->statics);
	free(d->remotes);
	free(d->ephs);
	free(d->eph_idx);
	free(d->pending);
	free(d->sessions);
	free(d);
}

static void add_remote(struct fsc_wgdecrypt *d, const uint8_t pub[32])
{
	static const char label[] = "mac1----";
	struct remote_static *r;

	for (size_t i = 0; i < d->n_remotes; i++)
		if (memcmp(d->remotes[i].pub, pub, 32) == 0)
			return;
	if (d->n_remotes == d->cap_remotes)
		return;
	r = &d->remotes[d->n_remotes];
	memcpy(r->pub, pub, 32);
	if (fsc_wgnoise_hash(d->nz, r->mac1_key, (const uint8_t *)label, 8, pub, 32))
		d->n_remotes++;
}

/* Derives public keys for keys the set gained since the last call. */
void fsc_wgdecrypt_keys_added(struct fsc_wgdecrypt *d)
{
	const struct fsc_wgkeylog_set *k = d->keys;

	while (d->n_statics < k->n_static_priv) {
		struct fsc_wgnoise_identity id;
		struct local_static *s = &d->statics[d->n_statics++];

		memset(s, 0, sizeof(*s));
		if (fsc_wgnoise_identity_set(d->nz, &id, k->static_priv[d->n_statics - 1],
					     NULL) == FSC_OK) {
			memcpy(s->priv, id.priv, 32);
			memcpy(s->pub, id.pub, 32);
			memcpy(s->mac1_key, id.mac1_key, 32);
			add_remote(d, id.pub);
		}
		OPENSSL_cleanse(&id, sizeof(id));
	}
	for (size_t i = 0; i < k->n_remote_pub; i++)
		add_remote(d, k->remote_pub[i]);
	/* Ephemerals: new ones, and PSKs bound to old ones since. */
	for (size_t i = 0; i < k->n_eph; i++) {
		struct eph *e = &d->ephs[i];

		if (i < d->n_ephs) {
			memcpy(e->psk, k->eph[i].psk, 32);
			continue;
		}
		memcpy(e->priv, k->eph[i].priv, 32);
		fsc_wgnoise_clamp(e->priv);
		memcpy(e->psk, k->eph[i].psk, 32);
		if (!fsc_wgnoise_pubkey(d->nz, e->pub, e->priv))
			memset(e->pub, 0, 32);
		size_t mask = d->eph_idx_size - 1;
		for (size_t h = hash32(e->pub) & mask;; h = (h + 1) & mask)
			if (d->eph_idx[h] < 0) {
				d->eph_idx[h] = (int32_t)i;
				break;
			}
	}
	d->n_ephs = k->n_eph;
}

static int find_eph(const struct fsc_wgdecrypt *d, const uint8_t pub[32])
{
	size_t mask = d->eph_idx_size - 1;

	for (size_t h = hash32(pub) & mask, n = 0; n < d->eph_idx_size;
	     h = (h + 1) & mask, n++) {
		int32_t i = d->eph_idx[h];
		if (i < 0)
			return -1;
		if (memcmp(d->ephs[i].pub, pub, 32) == 0)
			return i;
	}
	return -1;
}

static int find_static(const struct fsc_wgdecrypt *d, const uint8_t pub[32])
{
	for (size_t i = 0; i < d->n_statics; i++)
		if (memcmp(d->statics[i].pub, pub, 32) == 0)
			return (int)i;
	return -1;
}

static bool mac1_fits(struct fsc_wgdecrypt *d, const uint8_t key[32],
		      const uint8_t *msg, size_t off)
{
	uint8_t m[16];

	return fsc_wgnoise_mac(d->nz, m, 16, key, 32, msg, off) &&
	       memcmp(m, msg + off, 16) == 0;
}

/* ---- Index tables ------------------------------------------------------------ */

static struct pending *pending_slot(struct fsc_wgdecrypt *d, uint32_t index,
				    bool create)
{
	uint32_t h = mix_index(index);
	struct pending *oldest = NULL;

	for (int i = 0; i < PROBE; i++) {
		struct pending *p = &d->pending[(h + (uint32_t)i) % FSC_WGD_MAX_PENDING];
		if (p->used && p->index == index)
			return p;
		if (!oldest || !p->used || (oldest->used && p->age < oldest->age))
			oldest = p;
	}
	if (!create)
		return NULL;
	d->st.pending_replaced += oldest->used;
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->index = index;
	oldest->age = ++d->clock;
	return oldest;
}

static struct session *session_slot(struct fsc_wgdecrypt *d, uint32_t index,
				    bool create)
{
	uint32_t h = mix_index(index);
	struct session *oldest = NULL;

	for (int i = 0; i < PROBE; i++) {
		struct session *s =
			&d->sessions[(h + (uint32_t)i) % FSC_WGD_MAX_SESSIONS];
		if (s->used && s->index == index) {
			if (create)
				s->age = ++d->clock;
			return s;
		}
		if (!oldest || !s->used || (oldest->used && s->age < oldest->age))
			oldest = s;
	}
	if (!create)
		return NULL;
	d->st.sessions_replaced += oldest->used;
	memset(oldest, 0, sizeof(*oldest));
	oldest->used = true;
	oldest->index = index;
	oldest->age = ++d->clock;
	return oldest;
}

/* ---- Messages ------------------------------------------------------------------ */

/* The static and timestamp of an initiation, from either side's keys. */
static void initiation(struct fsc_wgdecrypt *d, const uint8_t *msg, size_t len,
		       uint32_t sender, struct fsc_wgd_note *note)
{
	const uint8_t *epub_i = msg + 8;
	struct fsc_wgnoise_handshake hs;
	uint8_t es[32], ss[32];
	int e = find_eph(d, epub_i), si = -1;
	const uint8_t *spub_r = NULL;
	bool opened = false;

	memset(&hs, 0, sizeof(hs));
	/* The responder's side: our static key is the one mac1 names. */
	for (size_t i = 0; i < d->n_statics && !opened; i++) {
		const struct local_static *r = &d->statics[i];
		if (!mac1_fits(d, r->mac1_key, msg, 116) ||
		    !fsc_wgnoise_dh(d->nz, es, r->priv, epub_i) ||
		    fsc_wgnoise_int_initiation_static(d->nz, r->pub, msg, len, es,
						      &hs, NULL) != FSC_OK)
			continue;
		opened = true;
		spub_r = r->pub;
		if (fsc_wgnoise_dh(d->nz, ss, r->priv, hs.remote_static))
			(void)fsc_wgnoise_int_initiation_timestamp(d->nz, &hs, msg, len,
								   ss, NULL);
		si = find_static(d, hs.remote_static);
	}
	/* The initiator's side: its ephemeral, and a responder key mac1 names. */
	for (size_t i = 0; e >= 0 && i < d->n_remotes && !opened; i++) {
		const struct remote_static *r = &d->remotes[i];
		if (!mac1_fits(d, r->mac1_key, msg, 116) ||
		    !fsc_wgnoise_dh(d->nz, es, d->ephs[e].priv, r->pub) ||
		    fsc_wgnoise_int_initiation_static(d->nz, r->pub, msg, len, es,
						      &hs, NULL) != FSC_OK)
			continue;
		opened = true;
		spub_r = r->pub;
		si = find_static(d, hs.remote_static);
		if (si >= 0 && fsc_wgnoise_dh(d->nz, ss, d->statics[si].priv, r->pub))
			(void)fsc_wgnoise_int_initiation_timestamp(d->nz, &hs, msg, len,
								   ss, NULL);
	}
	OPENSSL_cleanse(es, sizeof(es));
	OPENSSL_cleanse(ss, sizeof(ss));
	if (!opened) {
		note->result = FSC_WGD_NO_KEY;
		return;
	}
	d->st.initiations_opened++;
	note->result = FSC_WGD_OK;
	note->have_static = true;
	memcpy(note->initiator_static, hs.remote_static, 32);
	if (hs.state == FSC_WGNOISE_HS_INITIATION_ACCEPTED) {
		struct pending *p = pending_slot(d, sender, true);
		note->have_timestamp = true;
		memcpy(note->timestamp, hs.timestamp, 12);
		p->hs = hs;
		memcpy(p->spub_r, spub_r, 32);
		p->eph_i = e;
		p->static_i = si;
	}
	OPENSSL_cleanse(&hs, sizeof(hs));
}

/* The response to a pending initiation: handshake_ok and, when it opens,
 * the session's two transport keys. */
static void response(struct fsc_wgdecrypt *d, const uint8_t *msg, size_t len,
		     const struct fsc_wg_msg *m, uint32_t session,
		     struct fsc_wgd_note *note)
{
	struct pending *p = pending_slot(d, m->receiver, false);
	const uint8_t *epub_r = msg + 12;
	uint8_t ee[32], se[32], t[2][32];
	const uint8_t *psk;
	uint32_t sender = 0;
	int er;
	bool have = false;

	note->handshake_ok = -1;
	if (!p) {
		note->result = FSC_WGD_NO_KEY;
		return;
	}
	note->have_static = true;
	memcpy(note->initiator_static, p->hs.remote_static, 32);
	/* Either ephemeral: the initiator's (with its static key) or the
	 * responder's. The PSK is bound to the ephemeral that was logged. */
	if (p->eph_i >= 0 && p->static_i >= 0 &&
	    fsc_wgnoise_dh(d->nz, ee, d->ephs[p->eph_i].priv, epub_r) &&
	    fsc_wgnoise_dh(d->nz, se, d->statics[p->static_i].priv, epub_r)) {
		have = true;
		psk = d->ephs[p->eph_i].psk;
	} else if ((er = find_eph(d, epub_r)) >= 0 &&
		   fsc_wgnoise_dh(d->nz, ee, d->ephs[er].priv, p->hs.remote_eph) &&
		   fsc_wgnoise_dh(d->nz, se, d->ephs[er].priv, p->hs.remote_static)) {
		have = true;
		psk = d->ephs[er].psk;
	}
	if (!have) {
		note->result = FSC_WGD_NO_KEY;
		return;
	}
	struct fsc_wgnoise_handshake hs = p->hs;
	if (fsc_wgnoise_int_response_open(d->nz, &hs, msg, len, ee, se, psk,
					  &sender, NULL) != FSC_OK ||
	    !fsc_wgnoise_int_transport_keys(d->nz, &hs, t)) {
		note->result = FSC_WGD_AUTH_FAILED;
		note->handshake_ok = 0;
		d->st.handshakes_refused++;
	} else {
		struct session *to_r = session_slot(d, sender, true);
		struct session *to_i = session_slot(d, m->receiver, true);

		note->result = FSC_WGD_OK;
		note->handshake_ok = 1;
		d->st.responses_opened++;
		memcpy(to_r->key, t[0], 32);
		memcpy(to_i->key, t[1], 32);
		to_r->id = to_i->id = session;
		memcpy(to_r->peer, hs.remote_static, 32);
		memcpy(to_i->peer, hs.remote_static, 32);
	}
	OPENSSL_cleanse(&hs, sizeof(hs));
	OPENSSL_cleanse(ee, sizeof(ee));
	OPENSSL_cleanse(se, sizeof(se));
	OPENSSL_cleanse(t, sizeof(t));
}

static void transport(struct fsc_wgdecrypt *d, const uint8_t *msg, size_t len,
		      const struct fsc_wg_msg *m, bool index_known,
		      struct fsc_wgd_note *note)
{
	struct session *s = session_slot(d, m->receiver, false);
	size_t body = len - 16;

	if (!s) {
		note->result = index_known ? FSC_WGD_NO_KEY : FSC_WGD_NO_HANDSHAKE;
	} else if (body - 16 > FSC_WGD_MAX_PLAIN ||
		   !fsc_wgnoise_int_transport_decrypt(d->nz, s->key, m->counter,
						      msg + 16, body, d->plain)) {
		note->result = FSC_WGD_AUTH_FAILED;
	} else {
		note->result = FSC_WGD_OK;
		note->plain = d->plain;
		note->plain_len = body - 16;
		note->session = s->id;
		note->have_static = true;
		memcpy(note->initiator_static, s->peer, 32);
	}
	d->st.transport[note->result]++;
}

void fsc_wgdecrypt_msg(struct fsc_wgdecrypt *d, const uint8_t *msg, size_t len,
		       const struct fsc_wg_msg *m, uint32_t session,
		       bool index_known, struct fsc_wgd_note *note)
{
	memset(note, 0, sizeof(*note));
	note->handshake_ok = -1;
	note->session = session;
	switch (m->type) {
	case FSC_WG_INITIATION:
		if (len == FSC_WG_INITIATION_LEN)
			initiation(d, msg, len, m->sender, note);
		break;
	case FSC_WG_RESPONSE:
		if (len == FSC_WG_RESPONSE_LEN)
			response(d, msg, len, m, session, note);
		break;
	case FSC_WG_TRANSPORT:
		if (len >= FSC_WG_TRANSPORT_MIN)
			transport(d, msg, len, m, index_known, note);
		break;
	default:
		break;
	}
}

const struct fsc_wgd_stats *fsc_wgdecrypt_stats(const struct fsc_wgdecrypt *d)
{
	return &d->st;
}
