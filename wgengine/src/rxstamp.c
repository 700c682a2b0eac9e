/* rxstamp.c - the kernel's receive time of a message (rxstamp.h). */
#include "fsc/rxstamp.h"

#include <string.h>
#include <time.h>

int64_t fsc_rxstamp_ns(struct msghdr *m)
{
	int64_t ns = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		struct timespec ts;
		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_TIMESTAMPNS ||
		    c->cmsg_len < CMSG_LEN(sizeof(ts)))
			continue;
		memcpy(&ts, CMSG_DATA(c), sizeof(ts));
		ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	}
	return ns;
}
