/* fuzz_xff.c - libFuzzer target for xff.c.
 *
 * Build: clang -fsanitize=fuzzer,address,undefined -D_DEFAULT_SOURCE
 *        -Ilibdecode/include tests/fuzz/fuzz_xff.c libdecode/src/{xff,span,addr}.c
 * Corpus: tests/fuzz/corpus/xff/ (header values).
 *
 * Oracles: element and node text stays inside the input; splitting the input
 * into lines at input-derived commas gives the same list as the whole (for
 * X-Forwarded-For, where an element never holds a comma).
 */
#include <stdlib.h>
#include <string.h>

#include "fsc/xff.h"
#include "fuzz_chunks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void inside(const char *p, size_t len, const uint8_t *d, size_t n)
{
	if (len && ((const uint8_t *)p < d || (const uint8_t *)p + len > d + n))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fsc_xff_node a[8], b[8];
	static struct fsc_xff_fwd_elem f[8];
	struct fsc_xff_list la, lb;
	struct fsc_xff_fwd_list lf;
	struct fsc_xff_node one;
	struct chunker ck = chunker_make(data, size);
	const char *why;
	char buf[64];

	fsc_xff_elem_parse(data, size, &one);
	inside(one.text, one.len, data, size);

	fsc_xff_list_init(&la, a, 8);
	fsc_xff_parse(data, size, &la, &why);
	for (size_t i = 0; i < la.n; i++) {
		inside(a[i].text, a[i].len, data, size);
		inside(a[i].zone, a[i].zone_len, data, size);
		if ((a[i].kind == FSC_XFF_MALFORMED) != (a[i].why != NULL))
			abort();
	}

	/* Cut at commas chosen by the input: the same list. */
	struct fsc_span lines[64];
	size_t nl = 0, start = 0;
	for (size_t i = 0; i < size && nl < 63; i++)
		if (data[i] == ',' && chunker_next(&ck, 2) == 1) {
			lines[nl].p = (const char *)data + start;
			lines[nl++].len = i - start;
			start = i + 1;
		}
	lines[nl].p = (const char *)data + start;
	lines[nl++].len = size - start;
	fsc_xff_list_init(&lb, b, 8);
	fsc_xff_parse_lines(lines, nl, &lb, &why);
	if (lb.total != la.total || lb.n != la.n || lb.malformed != la.malformed)
		abort();
	for (size_t i = 0; i < la.n; i++)
		if (a[i].kind != b[i].kind || a[i].text != b[i].text || a[i].len != b[i].len ||
		    !fsc_addr_eq(&a[i].addr, &b[i].addr) || a[i].port != b[i].port)
			abort();

	fsc_xff_fwd_list_init(&lf, f, 8);
	fsc_xff_fwd_parse(data, size, &lf, &why);
	for (size_t i = 0; i < lf.n; i++) {
		inside(f[i].text, f[i].len, data, size);
		if ((f[i].status == FSC_OK) == (f[i].why != NULL))
			abort();
		const struct fsc_xff_fwd_value *v[] = { &f[i].for_, &f[i].by, &f[i].proto, &f[i].host };
		for (size_t k = 0; k < 4; k++) {
			if (!v[k]->present)
				continue;
			inside(v[k]->p, v[k]->len, data, size);
			size_t n = fsc_xff_fwd_unquote(v[k], buf, sizeof(buf));
			if (n > v[k]->len || strlen(buf) != (n < sizeof(buf) ? n : sizeof(buf) - 1))
				abort();
		}
		inside(f[i].for_node.obfport, f[i].for_node.obfport_len, data, size);
	}
	return 0;
}
