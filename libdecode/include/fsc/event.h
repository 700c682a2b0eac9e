/* event.h - the one list of event types, and what every printer needs to
 * know of each: its name, its JSON "type", whether it is shown by default.
 *
 * A packet event comes from the pipeline (pipeline.h), a stream event from a
 * TCP stream (streams.h, which sets fsc_stream_event.type to one of the
 * stream kinds below): both draw from this one enum, so a new kind is one
 * line here, one in event.c's table and its printers. */
#ifndef FSC_EVENT_H
#define FSC_EVENT_H

#include <stdbool.h>

enum fsc_event_type {
	FSC_EV_WG,		/* WireGuard message: tun->u.wg, wg note */
	FSC_EV_DISCO,		/* sealed disco on the wire: tun->u.disco */
	FSC_EV_STUN,		/* tun->u.stun */
	FSC_EV_TSDISCO,		/* tailscale debug capture disco record */
	FSC_EV_UDP,		/* UDP that is none of the above */
	FSC_EV_TCP,		/* a TCP segment; its stream's events follow */
	FSC_EV_IP,		/* IP with another protocol, or a later fragment */
	FSC_EV_FRAME,		/* not IP, or unreadable before the IP header */
	/* stream events: fsc_event.stream is set */
	FSC_EV_TLS_CLIENT_HELLO, /* stream->u.hello */
	FSC_EV_TLS_SERVER_HELLO, /* stream->u.server */
	FSC_EV_HTTP_REQUEST,	/* stream->u.req */
	FSC_EV_HTTP_RESPONSE,	/* stream->u.resp */
	FSC_EV_INGRESS,		/* stream->u.ingress */
	FSC_EV_HTTP_RESPONSE_END, /* stream->u.resp_end: the body is whole */
	FSC_EV_HTTP_CLOSE,	/* stream->u.close: an HTTP connection ended
				 * (only with limits.streams.http_closes) */
	FSC_EV_TLS_OPEN_END,	/* stream->dir: a direction read with a TLS key
				 * log was given up (streams.h) */
	FSC_EV_COUNT
};

struct fsc_event_desc {
	enum fsc_event_type type;
	const char *name;	/* "wg", "tsdisco", "tls_client_hello", ... */
	const char *json_name;	/* JSON "type": the name, but "disco" for
				 * tsdisco (a disco message either way) */
	bool shown;		/* printed by default: it carries funnel
				 * meaning; the others only with -v or a
				 * problem */
	bool stream;		/* from a TCP stream (fsc_event.stream) */
	bool line;		/* printed at all (-v): false for an event
				 * that only feeds other modules (http_close:
				 * the request records) */
};

/* The table (event.c) and the descriptor of a value out of range. */
extern const struct fsc_event_desc fsc_event_descs[FSC_EV_COUNT];
extern const struct fsc_event_desc fsc_event_desc_unknown;

/* The descriptor of t; the "unknown" one for a value out of range. Inline:
 * every printer asks it of every event. */
static inline const struct fsc_event_desc *fsc_event_desc(enum fsc_event_type t)
{
	return (unsigned)t < FSC_EV_COUNT && fsc_event_descs[t].name ? &fsc_event_descs[t]
								    : &fsc_event_desc_unknown;
}

/* fsc_event_desc(t)->name and ->json_name. */
const char *fsc_event_type_name(enum fsc_event_type t);
const char *fsc_event_json_name(enum fsc_event_type t);

#endif
