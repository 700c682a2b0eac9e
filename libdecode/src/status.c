/* status.c - names for the decoder outcome. */
#include "fsc/status.h"

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
