/* fuzz_wgkeylog.c - libFuzzer target: the WireGuard key-log reader, a whole
 * buffer into a small bounded set and the first line alone. Any violated
 * invariant traps. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fsc/wgkeylog.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct fsc_wgkeylog_set *s = fsc_wgkeylog_set_new(2, 2, 3);
	enum fsc_wgkeylog_type t;
	const uint8_t *nl = memchr(p, '\n', len);
	size_t first = nl ? (size_t)(nl - p) : len;
	uint8_t key[32];
	const char *why = "unset";
	enum fsc_status st;

	CHECK(s);
	fsc_wgkeylog_set_add_text(s, (const char *)p, len);
	CHECK(s->n_static_priv <= 2 && s->n_remote_pub <= 2 && s->n_eph <= 3);
	CHECK(s->skipped + s->n_static_priv + s->n_remote_pub + s->n_eph <=
	      s->lines + s->dropped + s->lines);
	fsc_wgkeylog_set_free(s);

	st = fsc_wgkeylog_parse_line((const char *)p, first, &t, key, &why);
	CHECK(st == FSC_OK || st == FSC_NOT_THIS || st == FSC_MALFORMED);
	CHECK((st == FSC_OK) == (why == NULL));
	if (st == FSC_OK) {
		char line[FSC_WGKEYLOG_LINE_MAX];
		uint8_t back[32];
		enum fsc_wgkeylog_type t2;
		size_t n = fsc_wgkeylog_format(line, sizeof(line), t, key);
		/* what we read, we write back canonically and read again */
		CHECK(n > 0 && line[n - 1] == '\n');
		CHECK(fsc_wgkeylog_parse_line(line, n - 1, &t2, back, NULL) == FSC_OK);
		CHECK(t2 == t && memcmp(back, key, 32) == 0);
	}
	return 0;
}
