/* event.c - the event types' table (event.h). */
#include "fsc/event.h"

static const struct fsc_event_desc descs[FSC_EV_COUNT] = {
	{ FSC_EV_WG, "wg", "wg", true, false },
	{ FSC_EV_DISCO, "disco", "disco", true, false },
	{ FSC_EV_STUN, "stun", "stun", true, false },
	{ FSC_EV_TSDISCO, "tsdisco", "disco", true, false },
	{ FSC_EV_UDP, "udp", "udp", false, false },
	{ FSC_EV_TCP, "tcp", "tcp", false, false },
	{ FSC_EV_IP, "ip", "ip", false, false },
	{ FSC_EV_FRAME, "frame", "frame", false, false },
	{ FSC_EV_TLS_CLIENT_HELLO, "tls_client_hello", "tls_client_hello", true, true },
	{ FSC_EV_TLS_SERVER_HELLO, "tls_server_hello", "tls_server_hello", true, true },
	{ FSC_EV_HTTP_REQUEST, "http_request", "http_request", true, true },
	{ FSC_EV_HTTP_RESPONSE, "http_response", "http_response", true, true },
	{ FSC_EV_INGRESS, "ingress", "ingress", true, true },
	{ FSC_EV_HTTP_RESPONSE_END, "http_response_end", "http_response_end", true, true },
	/* for the request records, never a line of its own */
	{ FSC_EV_HTTP_CLOSE, "http_close", "http_close", false, true },
};

static const struct fsc_event_desc unknown = { FSC_EV_COUNT, "unknown", "unknown", false,
					       false };

const struct fsc_event_desc *fsc_event_desc(enum fsc_event_type t)
{
	return (unsigned)t < FSC_EV_COUNT ? &descs[t] : &unknown;
}

const char *fsc_event_type_name(enum fsc_event_type t)
{
	return fsc_event_desc(t)->name;
}

const char *fsc_event_json_name(enum fsc_event_type t)
{
	return fsc_event_desc(t)->json_name;
}
