/* jsonw.c - the JSON writer's rarer members (jsonw.h). */
#include "fsc/jsonw.h"

#include <string.h>

void fsc_jsonw_cstr(struct fsc_jsonw *w, const char *key, const char *s)
{
	if (s)
		fsc_jsonw_str(w, key, s, strlen(s));
}

void fsc_jsonw_endpoint(struct fsc_jsonw *w, const char *key, const char *port_key,
			const struct fsc_addr *a, uint16_t port)
{
	if (!key) {
		fsc_jsonw_object_begin_at(w, NULL);
		fsc_jsonw_addr(w, "addr", a);
		fsc_jsonw_u64(w, "port", port);
		fsc_jsonw_object_end(w);
		return;
	}
	fsc_jsonw_addr(w, key, a);
	fsc_jsonw_u64(w, port_key, port);
}

void fsc_jsonw_endpoint_text(struct fsc_jsonw *w, const char *key, const struct fsc_addr *a,
			     uint16_t port)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_endpoint(w->ob, a, port);
	fsc_outbuf_char(w->ob, '"');
}

void fsc_jsonw_raw(struct fsc_jsonw *w, const char *key, const char *json, size_t n)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_mem(w->ob, json, n);
}
