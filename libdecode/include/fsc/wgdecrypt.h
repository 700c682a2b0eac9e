/* wgdecrypt.h - WireGuard decryption for a passive observer holding a key
 * log (fsc/wgkeylog.h): opens handshakes and transport messages seen in a
 * capture, as Wireshark does with wg.keylog_file (protocols.md §2.2,
 * refpair.md §3).
 *
 * What a key log opens:
 *   initiation  static key and timestamp, with the responder's static
 *               private key, or the initiator's ephemeral private key plus
 *               the responder's public key (REMOTE_STATIC_PUBLIC_KEY or a
 *               LOCAL_STATIC_PRIVATE_KEY) and the initiator's static
 *               private key;
 *   response    with either side's ephemeral private key (and the
 *               initiator's static private key on the initiator's side);
 *               handshake_ok then says whether it authenticated;
 *   transport   when its session's handshake was opened in the capture.
 *
 * Memory is bounded (FSC_WGD_MAX_PENDING handshakes, FSC_WGD_MAX_SESSIONS
 * receiver indices; the oldest is replaced). Nothing is allocated per
 * message. Decryption uses no replay rule: a capture may hold duplicates.
 */
#ifndef FSC_WGDECRYPT_H
#define FSC_WGDECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/wgkeylog.h"
#include "fsc/wireguard.h"

#define FSC_WGD_MAX_PENDING 4096
#define FSC_WGD_MAX_SESSIONS 65536
/* The largest transport plaintext opened (a jumbo inner packet). */
#define FSC_WGD_MAX_PLAIN 65536

enum fsc_wgd_result {
	FSC_WGD_NONE = 0,	/* not a message decryption applies to */
	FSC_WGD_OK,		/* opened */
	FSC_WGD_NO_KEY,		/* no key in the log opens it */
	FSC_WGD_NO_HANDSHAKE,	/* transport whose handshake is not in the capture */
	FSC_WGD_AUTH_FAILED,	/* the keys fit but the message does not authenticate */
	FSC_WGD_RESULT_COUNT
};

/* What decryption found in one message. Pointers are valid until the next
 * call on the same fsc_wgdecrypt. */
struct fsc_wgd_note {
	enum fsc_wgd_result result;
	/* initiation (and the response/transport of an opened handshake) */
	bool have_static;
	uint8_t initiator_static[32];
	bool have_timestamp;		/* initiation */
	uint8_t timestamp[12];		/* TAI64N as sent */
	/* response: 1 authenticated, 0 refused, -1 not known */
	int handshake_ok;
	/* transport opened: the plaintext (padded) and its session */
	const uint8_t *plain;
	size_t plain_len;
	uint32_t session;		/* the caller's session id, as passed in */
};

struct fsc_wgd_stats {
	uint64_t initiations_opened, responses_opened, handshakes_refused;
	uint64_t transport[FSC_WGD_RESULT_COUNT]; /* by result, keepalives too */
	uint64_t pending_replaced, sessions_replaced;
};

struct fsc_wgdecrypt;

/* keys stays owned by the caller and must outlive the decryptor; after
 * adding keys to it call fsc_wgdecrypt_keys_added. NULL with a reason. */
struct fsc_wgdecrypt *fsc_wgdecrypt_new(const struct fsc_wgkeylog_set *keys,
					char *err, size_t errlen);
void fsc_wgdecrypt_free(struct fsc_wgdecrypt *d);
void fsc_wgdecrypt_keys_added(struct fsc_wgdecrypt *d);

/*
 * One WireGuard message (already decoded as m from msg/len). session is the
 * caller's id for the message's session (fsc_wg_note.session; 0 if none),
 * index_known whether its receiver index was announced by a handshake in
 * the capture (to tell "no key" from "no handshake"). note is always
 * written.
 */
void fsc_wgdecrypt_msg(struct fsc_wgdecrypt *d, const uint8_t *msg, size_t len,
		       const struct fsc_wg_msg *m, uint32_t session,
		       bool index_known, struct fsc_wgd_note *note);

const struct fsc_wgd_stats *fsc_wgdecrypt_stats(const struct fsc_wgdecrypt *d);

/* "none", "decrypted", "no-key", "no-handshake", "auth-failed". */
const char *fsc_wgd_result_name(enum fsc_wgd_result r);

/*
 * pcapng Decryption Secrets Blocks (block type 0x0000000A): walks a pcapng
 * file's blocks and hands each WireGuard secrets payload (secrets type
 * FSC_WGKEYLOG_DSB_TYPE) to keys. Returns the number of WireGuard DSBs, 0
 * for a classic pcap or a pcapng without them, -1 with a reason in err
 * (unreadable, or a block whose length lies).
 */
int fsc_wgd_pcapng_secrets(const char *path, struct fsc_wgkeylog_set *keys,
			   char *err, size_t errlen);

/* The DSB body parser (after the 8-byte block header), exposed for the
 * fuzz target: FSC_OK with the WireGuard key-log text, FSC_NOT_THIS for
 * another secrets type, FSC_MALFORMED / FSC_TRUNCATED for a body that
 * lies. swapped: the section is of the other byte order. */
enum fsc_status fsc_wgd_dsb_body(const uint8_t *p, size_t len, bool swapped,
				 const uint8_t **text, size_t *text_len,
				 const char **why);

#endif
