/* names.c - fdecode writes what fsc/enrich.h found. */
#include "names.h"

#include <stdint.h>
#include <string.h>

#include "fsc/jsonw.h"

void names_late(FILE *out, struct fsc_enrich *e, bool json)
{
	char s[FSC_ADDR_STRLEN], name[FSC_DNS_NAME_MAX];
	char esc[FSC_ESCAPE_TEXT_CAP(FSC_DNS_NAME_MAX)];
	char line[2 * FSC_ENRICH_JSON_MAX];
	struct fsc_outbuf ob;
	struct fsc_jsonw w;
	struct fsc_enrich_info info;
	struct fsc_addr a;

	fsc_outbuf_init_fixed(&ob, line, sizeof(line), out);

	for (size_t k = 0; k < fsc_enrich_late_count(e); k++) {
		if (!fsc_enrich_late_name(e, k, &a, name, sizeof(name)))
			continue;
		fsc_addr_str(&a, s);
		if (json) {
			fsc_enrich_get(e, &a, &info);
			fsc_jsonw_init(&w, &ob);
			fsc_jsonw_object_begin(&w);
			fsc_jsonw_token(&w, "type", "rdns");
			fsc_jsonw_addr(&w, "addr", &a);
			fsc_enrich_jsonw(&w, "addr_info", &info);
			fsc_jsonw_line_end(&w);
			fsc_outbuf_flush(&ob);
		} else {
			fsc_escape_text((const uint8_t *)name, strlen(name), esc, sizeof(esc));
			fprintf(out, "rdns %s %s\n", s, esc);
		}
	}
}
