/* wgload.c - load detection and the per-source token bucket (wgload.h). */
#include "fsc/wgload.h"

#include <string.h>

#include "fsc/wgtimers.h"

void fsc_wgload_init(struct fsc_wgload *l, unsigned threshold)
{
	memset(l, 0, sizeof(*l));
	l->threshold = threshold ? threshold : FSC_WGLOAD_DEFAULT_THRESHOLD;
}

bool fsc_wgload_note(struct fsc_wgload *l, uint64_t now)
{
	uint64_t elapsed;

	if (!l->window_start || now - l->window_start >= 2 * FSC_NS_PER_SEC) {
		l->window_start = now;
		l->prev_count = 0;
		l->count = 0;
	} else if (now - l->window_start >= FSC_NS_PER_SEC) {
		l->window_start += FSC_NS_PER_SEC;
		l->prev_count = l->count;
		l->count = 0;
	}
	l->count++;
	/* A sliding estimate: the previous window weighted by how much of it
	 * still lies within the last second. */
	elapsed = now - l->window_start;
	uint64_t est = l->count +
		       (uint64_t)l->prev_count * (FSC_NS_PER_SEC - elapsed) / FSC_NS_PER_SEC;
	if (est > l->threshold)
		l->under_load_until = now + FSC_NS_PER_SEC;
	return fsc_wgload_under(l, now);
}

bool fsc_wgload_under(const struct fsc_wgload *l, uint64_t now)
{
	return l->under_load_until && now < l->under_load_until;
}

void fsc_wgrate_init(struct fsc_wgrate *r, uint64_t seed)
{
	memset(r, 0, sizeof(*r));
	r->seed = seed;
}

#define COST (FSC_NS_PER_SEC / FSC_WGRATE_PER_SEC)
#define MAX_TOKENS (COST * FSC_WGRATE_BURST)
#define PROBES 8

bool fsc_wgrate_allow(struct fsc_wgrate *r, const struct fsc_addr *addr, uint64_t now)
{
	size_t h = (size_t)fsc_addr_hash(addr, r->seed);
	struct fsc_wgrate_slot *s = NULL, *stalest = NULL;

	for (size_t i = 0; i < PROBES; i++) {
		struct fsc_wgrate_slot *c = &r->slot[(h + i) % FSC_WGRATE_SLOTS];
		if (c->last && fsc_addr_eq(&c->addr, addr)) {
			s = c;
			break;
		}
		/* Empty and long-idle slots are free (a full bucket is the
		 * same as no entry). */
		if (!c->last || now - c->last >= FSC_NS_PER_SEC) {
			if (!stalest || stalest->last)
				stalest = c;
		} else if (!stalest || (stalest->last && c->last < stalest->last)) {
			stalest = c;
		}
	}
	if (!s) {
		s = stalest;
		s->addr = *addr;
		s->last = now ? now : 1;
		s->tokens = MAX_TOKENS - COST;
		return true;
	}
	s->tokens += now - s->last;
	if (s->tokens > MAX_TOKENS)
		s->tokens = MAX_TOKENS;
	s->last = now ? now : 1;
	if (s->tokens < COST)
		return false;
	s->tokens -= COST;
	return true;
}
