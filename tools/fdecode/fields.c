/* fields.c - the pieces every printer of fdecode shares (a leaf: print.c,
 * print_stream.c, wgkeys.c and origin.c call it, it calls none of them):
 * the time column, an address with its enrichment as text and as JSON, the
 * members every JSON event begins and ends with. */
#include <string.h>
#include <time.h>

#include "fdecode.h"

void print_time(struct printer *pr, int64_t ts_ns)
{
	struct fsc_outbuf *ob = pr->ob;
	int64_t sec = ts_ns / 1000000000, usec = ts_ns % 1000000000 / 1000;

	if (!pr->have_prev) {
		pr->first_ns = pr->prev_ns = ts_ns;
		pr->have_prev = true;
	}
	switch (pr->opt->ts) {
	case TS_NONE:
		break;
	case TS_EPOCH:
		fsc_outbuf_i64(ob, sec);
		fsc_outbuf_char(ob, '.');
		fsc_outbuf_i64_zpad(ob, usec, 6);
		fsc_outbuf_char(ob, ' ');
		break;
	case TS_DELTA:
	case TS_SINCE_FIRST: {
		int64_t d = ts_ns - (pr->opt->ts == TS_DELTA ? pr->prev_ns : pr->first_ns);
		if (d < 0) {
			fsc_outbuf_char(ob, '-');
			d = -d;
		}
		fsc_outbuf_i64_zpad(ob, d / 3600000000000, 2);
		fsc_outbuf_char(ob, ':');
		fsc_outbuf_i64_zpad(ob, d / 60000000000 % 60, 2);
		fsc_outbuf_char(ob, ':');
		fsc_outbuf_i64_zpad(ob, d / 1000000000 % 60, 2);
		fsc_outbuf_char(ob, '.');
		fsc_outbuf_i64_zpad(ob, d % 1000000000 / 1000, 6);
		fsc_outbuf_char(ob, ' ');
		break;
	}
	case TS_LOCAL:
	case TS_DATE:
		if (sec != pr->cached_sec || !pr->cached_hms[0]) {
			time_t t = (time_t)sec;
			struct tm tm;
			localtime_r(&t, &tm);
			pr->cached_hms_len = strftime(pr->cached_hms, sizeof(pr->cached_hms),
						      pr->opt->ts == TS_DATE ? "%Y-%m-%d %H:%M:%S"
									     : "%H:%M:%S", &tm);
			pr->cached_sec = sec;
		}
		fsc_outbuf_mem(ob, pr->cached_hms, pr->cached_hms_len);
		fsc_outbuf_char(ob, '.');
		fsc_outbuf_i64_zpad(ob, usec, 6);
		fsc_outbuf_char(ob, ' ');
		break;
	}
	pr->prev_ns = ts_ns;
}


/* "ADDR[:PORT] [tag]" */
void text_addr(struct printer *pr, const struct fsc_addr *a, int port)
{
	char tag[FSC_ENRICH_TAG_MAX];

	if (port >= 0)
		fsc_outbuf_endpoint(pr->ob, a, (uint16_t)port);
	else
		fsc_outbuf_addr(pr->ob, a);
	if (fsc_enrich_tag(pr->enr, a, tag, sizeof(tag))[0]) {
		fsc_outbuf_lit(pr->ob, " [");
		fsc_outbuf_str(pr->ob, tag);
		fsc_outbuf_char(pr->ob, ']');
	}
}

/* ,"KEY_info":{...} after an address, when enrichment has something. */
void json_enrich(struct printer *pr, const char *key, const struct fsc_addr *a)
{
	fsc_enrich_jsonw_member(pr->enr, &pr->jw, key, a);
}

/* ,"key":"ADDR" and its enrichment. */
void json_addr(struct printer *pr, const char *key, const struct fsc_addr *a)
{
	fsc_jsonw_addr(&pr->jw, key, a);
	json_enrich(pr, key, a);
}

/* The endpoint rule (fsc/jsonw.h): ,"key":"ADDR","port_key":PORT, and the
 * address's enrichment. */
void json_endpoint(struct printer *pr, const char *key, const char *port_key,
		   const struct fsc_addr *a, uint16_t port)
{
	fsc_jsonw_endpoint(&pr->jw, key, port_key, a, port);
	json_enrich(pr, key, a);
}

/* "decode_status" and "decode_reason" when something is wrong. */
void json_status(struct printer *pr, const struct fsc_event *ev)
{
	fsc_jsonw_token(&pr->jw, "decode_status", fsc_status_name(ev->status));
	fsc_jsonw_token(&pr->jw, "decode_reason", ev->why);
}

/* The members every event begins with: ts, file/iface, frame, type. */
void json_head(struct printer *pr, const struct fsc_event *ev)
{
	struct fsc_jsonw *w = &pr->jw;

	fsc_jsonw_init(w, pr->ob);
	fsc_jsonw_object_begin(w);
	fsc_jsonw_time(w, "ts", ev->ts_ns);
	json_origin(pr, ev);
	if (ev->frame)
		fsc_jsonw_u64(w, "frame", ev->frame->number);
	fsc_jsonw_token(w, "type", fsc_event_json_name(ev->type));
}

/* A key that carried "ADDR:PORT" before the endpoint rule (mapped,
 * pong_src): that text and its enrichment as before, then the rule's
 * KEY_addr and KEY_port. */
void json_endpoint_kept(struct printer *pr, const char *key, const char *addr_key,
			const char *port_key, const struct fsc_addr *a, uint16_t port)
{
	fsc_jsonw_endpoint_text(&pr->jw, key, a, port);
	json_enrich(pr, key, a);
	fsc_jsonw_endpoint(&pr->jw, addr_key, port_key, a, port);
}
