/* fuzz_tsaddr.c - prefix text parsing and the Tailscale address arithmetic:
 * whatever parses prints back to text that parses to the same prefix, and
 * every mapping that succeeds maps back. */
#include <stdlib.h>
#include <string.h>

#include "fsc/tsaddr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_address(const struct fsc_addr *a)
{
	struct fsc_tsaddr_info info;
	struct fsc_addr b, c;
	uint32_t site;
	char buf[128];

	fsc_tsaddr_classify(a, &info);
	fsc_tsaddr_describe(&info, buf, sizeof(buf));
	if (!fsc_tsaddr_class_name(info.cls))
		abort();
	if (a->family == 4 && fsc_tsaddr_4to6(a, &b) &&
	    (!fsc_tsaddr_6to4(&b, &c) || !fsc_addr_eq(a, &c)))
		abort();
	if (a->family == 6 && fsc_tsaddr_unvia(a, &site, &b) &&
	    (!fsc_tsaddr_via(site, &b, &c) || !fsc_addr_eq(a, &c)))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_prefix p, q;
	const char *why = NULL;
	char text[FSC_PREFIX_STRLEN];

	enum fsc_status st = fsc_tsaddr_parse_prefix((const char *)data, size, &p, &why);
	if (st != FSC_OK && !why)
		abort();
	if (st == FSC_OK) {
		fsc_prefix_str(&p, text);
		if (fsc_tsaddr_parse_prefix(text, strlen(text), &q, &why) != FSC_OK ||
		    q.len != p.len || !fsc_addr_eq(&p.addr, &q.addr))
			abort();
		if (!fsc_prefix_contains(&p, &p.addr))
			abort();
		fsc_tsaddr_classify_prefix(&p);
		check_address(&p.addr);
	}
	/* The raw bytes as an address of either family. */
	struct fsc_addr a;
	memset(&a, 0, sizeof(a));
	if (size >= 16) {
		fsc_addr_set6(&a, data);
		check_address(&a);
	}
	if (size >= 4) {
		fsc_addr_set4(&a, data);
		check_address(&a);
	}
	return 0;
}
