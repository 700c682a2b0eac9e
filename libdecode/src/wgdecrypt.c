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
 * each receiver index (two per session, one per direction). Both live in
 * fixed arrays indexed by the one map (fsc/hmap.h); when an array is full
 * the oldest record (first made) gives way to the next.
 */
#include "fsc/wgdecrypt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "fsc/hmap.h"
#include "wgnoise_int.h"

struct local_static {
	uint8_t priv[32], pub[32], mac1_key[32];
};

struct remote_static {
	uint8_t pub[32], mac1_key[32];
};

struct eph {
	uint8_t priv[32], pub[32], psk[32];
};

/* What the index tables know of a record: it leads each. */
struct indexed {
	bool used;
	uint32_t index;
};

/* Records by a 32-bit message index, in a fixed array; when it is full
 * the record made longest ago gives way (*replaced counts those). */
struct index_table {
	char *recs;		/* cap records of size bytes, each led by an indexed */
	size_t size;
	uint32_t cap, next;	/* next: the slot made longest ago */
	struct fsc_hmap idx;	/* index -> slot */
	uint64_t *replaced;
};

struct pending {
	struct indexed at;	/* the initiator's index (initiation sender) */
	struct fsc_wgnoise_handshake hs; /* after the timestamp */
	uint8_t spub_r[32];
	int eph_i;		/* the initiator's ephemeral in the log, or -1 */
	int static_i;		/* the initiator's static private, or -1 */
};

struct session {
	struct indexed at;	/* receiver index of the messages it opens */
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
	struct fsc_hmap eph_idx;	/* first 8 bytes of a public key -> eph */
	struct index_table pending, sessions;
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

/* Public keys are uniform bytes: their first 8 are key enough; the full
 * key is compared on a hit. */
static uint64_t pub_key(const uint8_t pub[32])
{
	uint64_t k;

	memcpy(&k, pub, sizeof(k));
	return k;
}

static bool index_table_init(struct index_table *t, uint32_t cap, size_t size,
			     uint64_t *replaced)
{
	t->recs = calloc(cap, size);
	t->size = size;
	t->cap = cap;
	t->replaced = replaced;
	return t->recs && fsc_hmap_init(&t->idx, cap);
}

/* Keys are wiped, not only freed. */
static void index_table_free(struct index_table *t)
{
	if (t->recs)
		OPENSSL_cleanse(t->recs, (size_t)t->cap * t->size);
	free(t->recs);
	fsc_hmap_free(&t->idx);
}

struct fsc_wgdecrypt *fsc_wgdecrypt_new(const struct fsc_wgkeylog_set *keys,
					char *err, size_t errlen)
{
	struct fsc_wgdecrypt *d = calloc(1, sizeof(*d));

	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->keys = keys;
	d->nz = fsc_wgnoise_new(err, errlen);
	d->statics = calloc(keys->max_static_priv, sizeof(*d->statics));
	d->cap_remotes = keys->max_remote_pub + keys->max_static_priv;
	d->remotes = calloc(d->cap_remotes, sizeof(*d->remotes));
	d->ephs = calloc(keys->max_eph, sizeof(*d->ephs));
	if (!d->nz || !d->statics || !d->remotes || !d->ephs ||
	    !fsc_hmap_init(&d->eph_idx, (uint32_t)keys->max_eph) ||
	    !index_table_init(&d->pending, FSC_WGD_MAX_PENDING, sizeof(struct pending),
			      &d->st.pending_replaced) ||
	    !index_table_init(&d->sessions, FSC_WGD_MAX_SESSIONS, sizeof(struct session),
			      &d->st.sessions_replaced)) {
		if (d->nz)
			snprintf(err, errlen, "out of memory");
		fsc_wgdecrypt_free(d);
		return NULL;
	}
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
	index_table_free(&d->sessions);
	index_table_free(&d->pending);
	free(d->statics);
	free(d->remotes);
	free(d->ephs);
	fsc_hmap_free(&d->eph_idx);
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
		fsc_hmap_add(&d->eph_idx, pub_key(e->pub), (uint32_t)i); /* sized for max_eph */
	}
	d->n_ephs = k->n_eph;
}

static int find_eph(const struct fsc_wgdecrypt *d, const uint8_t pub[32])
{
	uint64_t key = pub_key(pub);
	uint32_t pos = 0, i;

	while ((i = fsc_hmap_next(&d->eph_idx, key, &pos)) != FSC_HMAP_NONE)
		if (memcmp(d->ephs[i].pub, pub, 32) == 0)
			return (int)i;
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

/* The record of an index, or NULL; with create, a new zeroed one when
 * there is none. */
static void *index_slot(struct index_table *t, uint32_t index, bool create)
{
	uint32_t i = fsc_hmap_get(&t->idx, index);
	struct indexed *r;

	if (i != FSC_HMAP_NONE)
		return t->recs + (size_t)i * t->size;
	if (!create)
		return NULL;
	i = t->next;
	t->next = (i + 1) % t->cap;
	r = (struct indexed *)(void *)(t->recs + (size_t)i * t->size);
	if (r->used) {
		fsc_hmap_del(&t->idx, r->index, i);
		++*t->replaced;
	}
	memset(r, 0, t->size);
	r->used = true;
	r->index = index;
	fsc_hmap_put(&t->idx, index, i); /* room: one entry a record at most */
	return r;
}

static struct pending *pending_slot(struct fsc_wgdecrypt *d, uint32_t index, bool create)
{
	return index_slot(&d->pending, index, create);
}

static struct session *session_slot(struct fsc_wgdecrypt *d, uint32_t index, bool create)
{
	return index_slot(&d->sessions, index, create);
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
