/* decopts.c - the options fdecode and fwatch share (decopts.h). */
#include "decopts.h"

#include <stdio.h>

#include "cli.h"
#include "fsc/flow.h"
#include "fsc/streams.h"
#include "fsc/wgsess.h"

#define DNS_TIMEOUT_MAX_MS 600000
#define TRUSTED_HOPS_MAX 32
#define FLOW_BUFFER_MAX (16u << 20)
#define FLOW_MEMORY_MAX ((uint64_t)1 << 40)
#define IDLE_TIMEOUT_MAX_S (1u << 26)

/* The numeric ones: the name as typed and the range each table honours. */
static const struct {
	int code;
	const char *name;
	uint64_t min, max;
} ranges[] = {
	{ FSC_DOPT_DNS_TIMEOUT, "--dns-timeout", 1, DNS_TIMEOUT_MAX_MS },
	{ FSC_DOPT_TRUSTED_HOPS, "--trusted-hops", 0, TRUSTED_HOPS_MAX },
	{ FSC_DOPT_MAX_SESSIONS, "--max-sessions", 1, FSC_WG_LIMIT_MAX },
	{ FSC_DOPT_MAX_PEERS, "--max-peers", 1, FSC_WG_LIMIT_MAX },
	{ FSC_DOPT_MAX_FLOWS, "--max-flows", 1, FSC_FLOW_MAX_FLOWS_LIMIT },
	{ FSC_DOPT_MAX_STREAMS, "--max-streams", 1, FSC_STREAMS_MAX_STREAMS_LIMIT },
	{ FSC_DOPT_FLOW_BUFFER, "--flow-buffer", 1, FLOW_BUFFER_MAX },
	{ FSC_DOPT_FLOW_MEMORY, "--flow-memory", 1, FLOW_MEMORY_MAX },
	{ FSC_DOPT_IDLE_TIMEOUT, "--idle-timeout", 1, IDLE_TIMEOUT_MAX_S },
};

static int apply_number(const char *prog, int c, const char *arg, struct fsc_enrich_opts *enr,
			struct fsc_pipeline_limits *lim)
{
	size_t k = 0;
	uint64_t v;

	while (k < sizeof(ranges) / sizeof(ranges[0]) && ranges[k].code != c)
		k++;
	if (k == sizeof(ranges) / sizeof(ranges[0]))
		return 0;
	if (!fsc_cli_u64(prog, ranges[k].name, arg, ranges[k].min, ranges[k].max, &v))
		return -1;
	switch (c) {
	case FSC_DOPT_DNS_TIMEOUT: enr->dns_timeout_ms = (unsigned)v; break;
	case FSC_DOPT_TRUSTED_HOPS: lim->streams.trusted_hops = (unsigned)v; break;
	case FSC_DOPT_MAX_SESSIONS: lim->wg.max_sessions = (uint32_t)v; break;
	case FSC_DOPT_MAX_PEERS: lim->wg.max_peers = (uint32_t)v; break;
	case FSC_DOPT_MAX_FLOWS: lim->streams.flow.max_flows = (uint32_t)v; break;
	case FSC_DOPT_MAX_STREAMS: lim->streams.max_streams = (uint32_t)v; break;
	case FSC_DOPT_FLOW_BUFFER: lim->streams.flow.dir_cap = (uint32_t)v; break;
	case FSC_DOPT_FLOW_MEMORY: lim->streams.flow.mem_cap = v; break;
	default: lim->streams.flow.idle_timeout_ns = (int64_t)v * 1000000000; break;
	}
	return 1;
}

int fsc_decopt_apply(const char *prog, int c, const char *arg, struct fsc_enrich_opts *enr,
		     struct fsc_pipeline_limits *lim)
{
	switch (c) {
	case 'n':
		enr->no_dns = true;
		return 1;
	case FSC_DOPT_DNS:
		enr->dns_server = arg;
		return 1;
	case FSC_DOPT_GEOIP_DB:
		if (fsc_enrich_opts_add_geoip(enr, arg))
			return 1;
		fprintf(stderr, "%s: --geoip-db: '%s': at most %d databases\n", prog, arg,
			FSC_GEOIP_MAX_DBS);
		return -1;
	case FSC_DOPT_NO_GEOIP:
		enr->no_geoip = true;
		return 1;
	default:
		return apply_number(prog, c, arg, enr, lim);
	}
}
