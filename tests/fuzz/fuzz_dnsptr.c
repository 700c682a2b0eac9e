/* fuzz_dnsptr.c - PTR answers come from the network: the parser must stay
 * inside the message and always produce a NUL-terminated, bounded name. */
#include <stdlib.h>
#include <string.h>

#include "fsc/dnsptr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fsc_dns_ptr out;
	const char *why = NULL;
	enum fsc_status st = fsc_dns_parse_ptr(data, size, &out, &why);

	if (st != FSC_OK && !why)
		abort();
	if (st == FSC_OK && memchr(out.name, '\0', sizeof(out.name)) == NULL)
		abort();
	return 0;
}
