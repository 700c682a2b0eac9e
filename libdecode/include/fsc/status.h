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
 * The reason: every decoder takes `const char **why` last. The rule, for
 * every decoder in libdecode:
 *   - why may be NULL: the caller does not want the reason.
 *   - when why is not NULL and the status is not FSC_OK, *why is a static
 *     string naming the field ("udp length below header"), never NULL.
 *   - on FSC_OK, *why is not part of the contract: a caller reads it only
 *     after a status other than FSC_OK.
 * A decoder that funnels its returns through one place uses
 * fsc_status_verdict.
 */
enum fsc_status {
	FSC_OK = 0,
	FSC_NOT_THIS,
	FSC_TRUNCATED,
	FSC_MALFORMED,
};

/* "ok", "not-this", "truncated", "malformed". */
const char *fsc_status_name(enum fsc_status st);

/* Returns st, writing *why when why is not NULL: NULL for FSC_OK, reason
 * otherwise. */
enum fsc_status fsc_status_verdict(const char **why, enum fsc_status st, const char *reason);

#endif
