/* status.c - names for the decoder outcome, and the one way to report it. */
#include "fsc/status.h"

#include <stddef.h>

const char *fsc_status_name(enum fsc_status st)
{
	switch (st) {
	case FSC_OK:
		return "ok";
	case FSC_NOT_THIS:
		return "not-this";
	case FSC_TRUNCATED:
		return "truncated";
	case FSC_MALFORMED:
		return "malformed";
	}
	return "unknown";
}

enum fsc_status fsc_status_verdict(const char **why, enum fsc_status st, const char *reason)
{
	if (why)
		*why = st == FSC_OK ? NULL : reason;
	return st;
}
