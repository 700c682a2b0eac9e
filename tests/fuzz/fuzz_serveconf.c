/* fuzz_serveconf.c - libFuzzer target for tools/funnel/serveconf.c (the
 * ServeConfig reader: jansson's parse, then our walk of the document).
 *
 * Corpus: tests/fuzz/corpus/serveconf/ (tailscale serve status --json shapes).
 *
 * Oracles: a parse either fails with a message or gives a config whose
 * lookups work (every Web entry is found by its own name and port, every
 * handler routes its own mount); free leaves nothing (LeakSanitizer). */
#include <stdlib.h>
#include <string.h>

#include "serveconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_serveconf sc;
	char err[256];
	size_t i, j;

	err[0] = '\0';
	if (!fsc_serveconf_parse((const char *)data, size, &sc, err, sizeof(err))) {
		if (!err[0] || sc.n_web || sc.n_tcp || sc.n_funnel)
			abort();
		return 0;
	}
	for (i = 0; i < sc.n_web; i++) {
		const struct fsc_sc_web *w = &sc.web[i];

		if (!fsc_serveconf_web(&sc, w->host, strlen(w->host), w->port))
			abort();
		for (j = 0; j < w->n; j++)
			if (!fsc_serveconf_route(w, w->h[j].mount, strlen(w->h[j].mount)))
				abort();
	}
	for (i = 0; i < sc.n_funnel; i++)
		if (sc.funnel[i].on && !fsc_serveconf_funnel(&sc, sc.funnel[i].hostport,
							     strlen(sc.funnel[i].hostport)))
			abort();
	for (i = 0; i < sc.n_tcp; i++)
		if (!fsc_serveconf_tcp(&sc, sc.tcp[i].port))
			abort();
	fsc_serveconf_free(&sc);
	return 0;
}
