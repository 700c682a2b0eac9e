/* names.c - fdecode writes what fsc/enrich.h found. */
#include "names.h"

#include <stdint.h>
#include <string.h>

void names_json(FILE *out, struct fsc_enrich *e, const char *key, const struct fsc_addr *a)
{
	char buf[FSC_ENRICH_JSON_KEY_MAX + FSC_ENRICH_JSON_MAX];

	fwrite(buf, 1, fsc_enrich_json_member(e, key, a, buf), out);
}

void names_late(FILE *out, struct fsc_enrich *e, bool json)
{
	char s[FSC_ADDR_STRLEN], name[FSC_DNS_NAME_MAX];
	char esc[FSC_ESCAPE_TEXT_CAP(FSC_DNS_NAME_MAX)];
	char obj[FSC_ENRICH_JSON_MAX];
	struct fsc_addr a;

	for (size_t k = 0; k < fsc_enrich_late_count(e); k++) {
		if (!fsc_enrich_late_name(e, k, &a, name, sizeof(name)))
			continue;
		fsc_addr_str(&a, s);
		if (json) {
			fprintf(out, "{\"type\":\"rdns\",\"addr\":\"%s\",\"addr_info\":", s);
			fwrite(obj, 1, fsc_enrich_json_object(e, &a, obj), out);
			fputs("}\n", out);
		} else {
			fsc_escape_text((const uint8_t *)name, strlen(name), esc, sizeof(esc));
			fprintf(out, "rdns %s %s\n", s, esc);
		}
	}
}
