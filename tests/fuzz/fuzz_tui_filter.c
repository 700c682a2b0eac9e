/* fuzz_tui_filter.c - libFuzzer target for fwatch's filter words
 * (tui/select.c tui_filter_set: what is typed after '/' or given to
 * --match, read on every key).
 *
 * Oracles: a refused text leaves the filter as it was and says why; a
 * taken one keeps the text as typed (cut to the buffer), at most
 * TUI_FILTER_WORDS words, each NUL-terminated inside its buffer; a client
 * network has a length its family holds; parsing the kept text again
 * gives the same words.
 */
#include <stdlib.h>
#include <string.h>

#include "table.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tui_filter f, g, before;
	char text[TUI_FILTER_MAX * 2];
	const char *why = NULL;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&f, 0x5a, sizeof(f));
	before = f;
	if (!tui_filter_set(&f, text, &why)) {
		if (!why || !*why || memcmp(&f, &before, sizeof(f)) != 0)
			abort();
		return 0;
	}
	if (f.n > TUI_FILTER_WORDS || !memchr(f.text, '\0', sizeof(f.text)) ||
	    strncmp(f.text, text, sizeof(f.text) - 1) != 0)
		abort();
	for (size_t i = 0; i < f.n; i++) {
		if (!memchr(f.w[i].s, '\0', sizeof(f.w[i].s)))
			abort();
		if (f.w[i].has_net && (f.w[i].net.family == 4 ? f.w[i].net_bits > 32
							      : f.w[i].net.family != 6 ||
								f.w[i].net_bits > 128))
			abort();
	}
	/* The kept text is the filter: the same words again (when nothing
	 * was cut from it). */
	if (strlen(text) < sizeof(f.text)) {
		if (!tui_filter_set(&g, f.text, &why) || g.n != f.n)
			abort();
		for (size_t i = 0; i < f.n; i++)
			if (strcmp(g.w[i].s, f.w[i].s) != 0 || g.w[i].negate != f.w[i].negate ||
			    g.w[i].has_net != f.w[i].has_net)
				abort();
	}
	return 0;
}
