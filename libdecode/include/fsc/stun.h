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

struct fsc_stun_msg {
	uint16_t type;		/* raw message type */
	uint16_t method;	/* 12-bit method, 1 = binding */
	enum fsc_stun_class cls;
	uint16_t length;	/* attribute bytes announced by the header */
	const uint8_t *txid;	/* 12 bytes */
	bool has_mapped;	/* XOR-MAPPED-ADDRESS, else MAPPED-ADDRESS */
	bool mapped_xor;
	struct fsc_addr mapped;
	uint16_t mapped_port;
	const uint8_t *software; /* SOFTWARE value, not NUL-terminated */
	size_t software_len;
	bool has_fingerprint;
	uint16_t error_code;	/* ERROR-CODE: class*100 + number, 0 if none */
	unsigned n_attrs;
};

/*
 * Claims the payload when the top two bits of byte 0 are zero and bytes 4-7
 * are the magic cookie. A header that announces more attribute bytes than are
 * present is FSC_TRUNCATED (the header fields are still filled); a length not a
 * multiple of 4 or an attribute overrunning the message is FSC_MALFORMED.
 */
enum fsc_status fsc_stun_decode(const uint8_t *p, size_t len,
				struct fsc_stun_msg *m, const char **why);

/* "request", "indication", "success", "error". */
const char *fsc_stun_class_name(enum fsc_stun_class cls);
/* "binding" or "method-0xNNN" style names live in the printer; this gives
 * "binding", "allocate", ... for known methods and NULL otherwise. */
const char *fsc_stun_method_name(uint16_t method);

#endif
