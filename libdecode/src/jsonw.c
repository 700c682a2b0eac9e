/* jsonw.c - the JSON writer's values that are not one move (jsonw.h). */
#include "fsc/jsonw.h"

#include <string.h>

void fsc_jsonw_str_cap(struct fsc_jsonw *w, const char *key, const void *s, size_t n,
		       size_t cap)
{
	if (key && n == 0)
		return;
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_json_escaped(w->ob, s, n, cap);
	fsc_outbuf_char(w->ob, '"');
}

void fsc_jsonw_str(struct fsc_jsonw *w, const char *key, const void *s, size_t n)
{
	fsc_jsonw_str_cap(w, key, s, n, FSC_JSONW_STR_CAP);
}

void fsc_jsonw_cstr(struct fsc_jsonw *w, const char *key, const char *s)
{
	if (s)
		fsc_jsonw_str(w, key, s, strlen(s));
}

void fsc_jsonw_hex(struct fsc_jsonw *w, const char *key, const uint8_t *p, size_t n)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_hex_bytes(w->ob, p, n);
	fsc_outbuf_char(w->ob, '"');
}

void fsc_jsonw_hex_u64(struct fsc_jsonw *w, const char *key, uint64_t v, unsigned digits)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_lit(w->ob, "\"0x");
	fsc_outbuf_hex(w->ob, v, digits);
	fsc_outbuf_char(w->ob, '"');
}

void fsc_jsonw_ms(struct fsc_jsonw *w, const char *key, int64_t ns)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_ms(w->ob, ns);
}

void fsc_jsonw_time(struct fsc_jsonw *w, const char *key, int64_t ns)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_epoch_us(w->ob, ns);
}

void fsc_jsonw_addr(struct fsc_jsonw *w, const char *key, const struct fsc_addr *a)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_char(w->ob, '"');
	fsc_outbuf_addr(w->ob, a);
	fsc_outbuf_char(w->ob, '"');
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

void fsc_jsonw_raw(struct fsc_jsonw *w, const char *key, const char *json, size_t n)
{
	fsc_jsonw_key(w, key);
	fsc_outbuf_mem(w->ob, json, n);
}
