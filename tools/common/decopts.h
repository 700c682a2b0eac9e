/* decopts.h - the options fdecode and fwatch share: names (-n, --dns,
 * --dns-timeout, --geoip-db, --no-geoip), the client rule
 * (--trusted-hops) and the decoder's limits (--max-sessions, --max-peers,
 * --max-flows, --max-streams, --flow-buffer, --flow-memory,
 * --idle-timeout). One getopt_long fragment and one function that applies
 * them, so both programs take the same words with the same ranges (each
 * what its table honours) and say the same about a bad value (cli.h).
 */
#ifndef FSC_DECOPTS_H
#define FSC_DECOPTS_H

#include <getopt.h>

#include "fsc/enrich.h"
#include "fsc/pipeline.h"

/* Codes for the getopt_long tables, clear of each program's own (and of
 * tools/funnel/transport.h's 0x1000 block). */
enum fsc_decopt {
	FSC_DOPT_DNS = 0x1100,
	FSC_DOPT_DNS_TIMEOUT,
	FSC_DOPT_GEOIP_DB,
	FSC_DOPT_NO_GEOIP,
	FSC_DOPT_TRUSTED_HOPS,
	FSC_DOPT_MAX_SESSIONS,
	FSC_DOPT_MAX_PEERS,
	FSC_DOPT_MAX_FLOWS,
	FSC_DOPT_MAX_STREAMS,
	FSC_DOPT_FLOW_BUFFER,
	FSC_DOPT_FLOW_MEMORY,
	FSC_DOPT_IDLE_TIMEOUT,
};
#define FSC_DECOPTS_LONGOPTS \
	{ "dns", required_argument, NULL, FSC_DOPT_DNS }, \
	{ "dns-timeout", required_argument, NULL, FSC_DOPT_DNS_TIMEOUT }, \
	{ "geoip-db", required_argument, NULL, FSC_DOPT_GEOIP_DB }, \
	{ "no-geoip", no_argument, NULL, FSC_DOPT_NO_GEOIP }, \
	{ "trusted-hops", required_argument, NULL, FSC_DOPT_TRUSTED_HOPS }, \
	{ "max-sessions", required_argument, NULL, FSC_DOPT_MAX_SESSIONS }, \
	{ "max-peers", required_argument, NULL, FSC_DOPT_MAX_PEERS }, \
	{ "max-flows", required_argument, NULL, FSC_DOPT_MAX_FLOWS }, \
	{ "max-streams", required_argument, NULL, FSC_DOPT_MAX_STREAMS }, \
	{ "flow-buffer", required_argument, NULL, FSC_DOPT_FLOW_BUFFER }, \
	{ "flow-memory", required_argument, NULL, FSC_DOPT_FLOW_MEMORY }, \
	{ "idle-timeout", required_argument, NULL, FSC_DOPT_IDLE_TIMEOUT }
/* The short option they share (no DNS queries); goes in the optstring. */
#define FSC_DECOPTS_SHORT "n"

/* Applies option c (a code above, or 'n') with its argument: 1 applied, 0
 * not one of these (nothing touched), -1 a bad value (said on stderr). */
int fsc_decopt_apply(const char *prog, int c, const char *arg, struct fsc_enrich_opts *enr,
		     struct fsc_pipeline_limits *lim);

#endif
