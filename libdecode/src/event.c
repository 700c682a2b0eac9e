/* event.c - the event types' table (event.h). */
#include "fsc/event.h"

#define PACKET(t, nm, json, show) \
	[t] = { .type = t, .name = nm, .json_name = json, .shown = show, .line = true }
#define STREAM(t, nm) \
	[t] = { .type = t, .name = nm, .json_name = nm, .shown = true, .stream = true, .line = true }

const struct fsc_event_desc fsc_event_descs[FSC_EV_COUNT] = {
	PACKET(FSC_EV_WG, "wg", "wg", true),
	PACKET(FSC_EV_DISCO, "disco", "disco", true),
	PACKET(FSC_EV_STUN, "stun", "stun", true),
	PACKET(FSC_EV_TSDISCO, "tsdisco", "disco", true),
	PACKET(FSC_EV_UDP, "udp", "udp", false),
	PACKET(FSC_EV_TCP, "tcp", "tcp", false),
	PACKET(FSC_EV_IP, "ip", "ip", false),
	PACKET(FSC_EV_FRAME, "frame", "frame", false),
	STREAM(FSC_EV_TLS_CLIENT_HELLO, "tls_client_hello"),
	STREAM(FSC_EV_TLS_SERVER_HELLO, "tls_server_hello"),
	STREAM(FSC_EV_HTTP_REQUEST, "http_request"),
	STREAM(FSC_EV_HTTP_RESPONSE, "http_response"),
	STREAM(FSC_EV_INGRESS, "ingress"),
	STREAM(FSC_EV_HTTP_RESPONSE_END, "http_response_end"),
	/* for the request records (fsc/request.h), never a line */
	[FSC_EV_HTTP_CLOSE] = { .type = FSC_EV_HTTP_CLOSE, .name = "http_close",
				.json_name = "http_close", .stream = true },
	/* for the correlation (its exact join), never a line */
	[FSC_EV_TLS_OPEN_END] = { .type = FSC_EV_TLS_OPEN_END, .name = "tls_open_end",
				  .json_name = "tls_open_end", .stream = true },
};

const struct fsc_event_desc fsc_event_desc_unknown = { .type = FSC_EV_COUNT, .name = "unknown",
						      .json_name = "unknown" };

const char *fsc_event_type_name(enum fsc_event_type t)
{
	return fsc_event_desc(t)->name;
}

const char *fsc_event_json_name(enum fsc_event_type t)
{
	return fsc_event_desc(t)->json_name;
}
