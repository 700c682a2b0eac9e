/* status.h - the one outcome type every decoder returns. */
#ifndef FSC_STATUS_H
#define FSC_STATUS_H

/*
 * FSC_OK           the bytes are this protocol and every field was read.
 * FSC_NOT_THIS     the bytes are not this protocol; nothing was claimed.
 * FSC_TRUNCATED    the bytes start like this protocol but end too soon
 *                  (snaplen cut, short segment); fields read so far are valid.
 *
 * A message that is not FSC_OK may still be reported, so the contract for its
 * fields is: every field is either valid or flagged absent. A pointer the
 * bytes did not reach is NULL (never a pointer past them), an optional part
 * has its has_/count field false or zero, a length the bytes did not reach
 * is zero. Each header names the fields a truncated message may lack, and
 * every consumer (printer, model, summary) checks them before use.
 * FSC_MALFORMED    the bytes claim to be this protocol but contradict it
 *                  (a length that lies, a reserved field set).
 *
 * Decoders that fail also hand back a static reason string naming the field
 * ("udp length below header"); it is never NULL when the status is not OK.
 */
enum fsc_status {
	FSC_OK = 0,
	FSC_NOT_THIS,
	FSC_TRUNCATED,
	FSC_MALFORMED,
};

/* "ok", "not-this", "truncated", "malformed". */
const char *fsc_status_name(enum fsc_status st);

#endif
