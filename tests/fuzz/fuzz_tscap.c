/* fuzz_tscap.c - libFuzzer target: `tailscale debug capture` records, and
 * the disco plaintext of path-254 records. Any violated invariant traps. */
#include <stddef.h>
#include <stdint.h>

#include "fsc/disco.h"
#include "fsc/tscap.h"

#define CHECK(x) do { if (!(x)) __builtin_trap(); } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *p, size_t len)
{
	struct fsc_tscap t;
	struct fsc_disco_plain m;
	const char *why = "unset";
	enum fsc_status st = fsc_tscap_decode(p, len, &t, &why);

	CHECK(st != FSC_NOT_THIS);
	CHECK((st == FSC_OK) == (why == NULL));
	CHECK(fsc_tscap_path_name(t.path) != NULL);
	if (len >= 2)
		CHECK(t.path == (uint16_t)(p[0] | p[1] << 8));
	CHECK(t.snat.family == 0 || t.snat.family == 4 || t.snat.family == 6);
	CHECK(t.dnat.family == 0 || t.dnat.family == 4 || t.dnat.family == 6);
	if (st != FSC_OK)
		return 0;
	CHECK(t.path <= FSC_TSCAP_SYNTH_TO_PEER || t.path == FSC_TSCAP_DISCO);
	if (t.path == FSC_TSCAP_DISCO) {
		CHECK(t.data == NULL && t.data_len == 0);
		CHECK(t.disco + t.disco_len == p + len && t.disco >= p + 4 + 1 + 32 + 2 + 2 + 4 + 2);
		CHECK(t.via_derp == (t.derp_key != NULL));
		CHECK(t.disco_src.family == 4 || t.disco_src.family == 6);
		(void)fsc_disco_decode_plain(t.disco, t.disco_len, &m, NULL);
	} else {
		CHECK(t.data_len >= 1 && t.data + t.data_len == p + len && t.data >= p + 4);
		CHECK(t.disco == NULL && !t.via_derp);
	}
	return 0;
}
