/* fuzz_tsstatus.c - the `tailscale status --json` reader (fsc/tsstatus.h,
 * over libdecode's private JSON reader): any bytes either load or fail with
 * a message; every node loaded is found again by each of its addresses. */
#include <stdlib.h>
#include <string.h>

#include "fsc/tsstatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_tsstatus st;
	char err[256] = "";

	if (!fsc_tsstatus_parse((const char *)data, size, &st, err, sizeof(err))) {
		if (!err[0] || !memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	for (size_t i = 0; i < st.n; i++) {
		const struct fsc_tsnode *nd = &st.nodes[i];
		if (nd->nips == 0 || nd->nips > FSC_TSNODE_MAXIPS)
			abort();
		const char *name = fsc_tsnode_name(nd);
		if (name && name != nd->dns && name != nd->host)
			abort();
		for (size_t k = 0; k < nd->nips; k++)
			if (!fsc_tsstatus_find(&st, &nd->ips[k]))
				abort();
	}
	fsc_tsstatus_free(&st);
	return 0;
}
