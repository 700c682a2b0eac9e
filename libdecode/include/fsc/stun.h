/* stun.h - STUN messages (RFC 5389/8489; protocols.md §4). */
#ifndef FSC_STUN_H
#define FSC_STUN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fsc/addr.h"
#include "fsc/status.h"

#define FSC_STUN_HDR_LEN 20
#define FSC_STUN_COOKIE 0x2112A442u
#define FSC_STUN_TXID_LEN 12

enum fsc_stun_class {
	FSC_STUN_REQUEST = 0,
	FSC_STUN_INDICATION = 1,
	FSC_STUN_SUCCESS = 2,
	FSC_STUN_ERROR = 3,
};

/* Pointers point into the caller's buffer; NULL when absent (status.h). */
struct fsc_stun_msg {
	uint16_t type;		/* raw message type */
	uint16_t method;	/* 12-bit method, 1 = binding */
	enum fsc_stun_class cls;
	uint16_t length;	/* attribute bytes announced by the header */
	const uint8_t *txid;	/* 12 bytes; NULL if the header was cut */
	bool has_mapped;	/* XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
	bool mapped_xor;	/* mapped came from 0x0020/0x8020, un-XORed */
	struct fsc_addr mapped;
	uint16_t mapped_port;
	const uint8_t *software; /* SOFTWARE value, not NUL-terminated */
	size_t software_len;
	bool has_fingerprint;
	bool fingerprint_ok;	/* its CRC-32 ^ 0x5354554e matches */
	uint16_t error_code;	/* ERROR-CODE: class*100 + number, 0 if none */
	const uint8_t *error_reason; /* ERROR-CODE reason phrase, UTF-8 */
	size_t error_reason_len;
	unsigned n_attrs;
	bool unpadded;		/* attributes not padded to 4 (MS-TURN) */
};

/*
 * Claims the payload when the top two bits of byte 0 are zero and bytes 4-7
 * are the magic cookie (classic RFC 3489 STUN, without it, is FSC_NOT_THIS).
 * FSC_OK: 20 + length bytes exactly, every attribute well formed. When both
 *   an XOR-MAPPED-ADDRESS (0x0020 or 0x8020) and a MAPPED-ADDRESS appear, the
 *   XOR one is reported, in whatever order they come. A FINGERPRINT that
 *   does not match is still FSC_OK, with fingerprint_ok false.
 * FSC_TRUNCATED: fewer than 20 bytes (type, method, cls, length set; txid
 *   NULL: callers print the message without it), or the header announces
 *   more attribute bytes than are present (header fields and txid set,
 *   attributes not read: has_mapped, software, error_code absent).
 * A length that is no multiple of 4 cannot be RFC 5389's; when attributes
 *   each right after the last one's value fill it exactly (Microsoft's
 *   MS-TURN, as Teams sends it), they are read: FSC_OK with `unpadded`.
 * FSC_MALFORMED: a length not a multiple of 4 that is not MS-TURN either
 *   (the fields read before the fault kept); bytes after the message; an
 *   attribute overrunning it; an address attribute with a family other than
 *   1/2 or a length other than 8/20; FINGERPRINT not 4 bytes or not last;
 *   ERROR-CODE shorter than 4 or out of range (class 3-6, number 0-99).
 *   Fields read before the fault are kept.
 * *m is always written; why may be NULL, else *why is NULL on FSC_OK and a
 * static reason otherwise.
 */
enum fsc_status fsc_stun_decode(const uint8_t *p, size_t len,
				struct fsc_stun_msg *m, const char **why);

/* "request", "indication", "success", "error". */
const char *fsc_stun_class_name(enum fsc_stun_class cls);
/* "binding" or "method-0xNNN" style names live in the printer; this gives
 * "binding", "allocate", ... for known methods and NULL otherwise. */
const char *fsc_stun_method_name(uint16_t method);

#endif
