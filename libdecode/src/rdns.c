/* rdns.c - reverse DNS through c-ares, asynchronous, with a bounded cache.
 *
 * Follows RFC 1035 (PTR), RFC 2308 (negative caching) and the c-ares 1.18
 * API (ares_query, ares_getsock, ares_process_fd, ares_timeout).
 *
 *   lookup(a) --cache hit--> FOUND / NONE / FAILED (until the TTL runs out)
 *       |
 *       +--miss--> entry QUEUED --slot free--> INFLIGHT --answer/timeout--> final
 *
 * The cache is set-associative: an address hashes to one bucket of 8 ways;
 * a new address takes an empty way, else an expired one, else the least
 * recently used final one. Pending ways are never evicted, so when all 8
 * are pending the lookup answers FULL rather than grow. Not the one map
 * (fsc/hmap.h): a cache may forget, and it picks what to forget within a
 * bucket by state and age; the ways hold the entries, with no index beside
 * them. Queries on the wire are bounded by max_inflight; the rest wait in
 * a FIFO ring sized to the cache (an entry is in it at most once, while
 * QUEUED).
 */
#include "fsc/rdns.h"

#include <ares.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fsc/num.h"
#include "fsc/tsaddr.h"

#define WAYS 8
#define C_IN 1
#define T_PTR 12

enum { E_EMPTY, E_QUEUED, E_INFLIGHT, E_FOUND, E_NONE, E_FAILED };

struct entry {
	struct fsc_addr addr;
	uint8_t st;
	uint32_t gen;      /* bumped whenever the entry starts a new query */
	uint64_t expires;  /* final states: monotonic ms */
	uint64_t used;     /* LRU stamp */
	char name[FSC_DNS_NAME_MAX];
};

struct slot {
	struct fsc_rdns *r;
	uint32_t idx, gen; /* the entry this query is for, as it was then */
	uint64_t deadline;
	bool busy;
};

struct fsc_rdns {
	ares_channel ch;
	struct fsc_rdns_config cfg;
	bool named_server;
	bool freeing;
	bool pumping;
	struct entry *e;
	size_t nent;
	struct slot *slots;
	size_t inflight;   /* busy slots (including ones given up on) */
	uint32_t *queue;
	size_t qhead, qlen;
	size_t pending;    /* entries QUEUED or INFLIGHT */
	uint64_t tick;
	struct fsc_rdns_stats st;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void fsc_rdns_config_init(struct fsc_rdns_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->policy = FSC_RDNS_POLICY_AUTO;
	cfg->timeout_ms = 2000;
	cfg->max_inflight = 64;
	cfg->cache_size = 4096;
	cfg->min_ttl = 60;
	cfg->max_ttl = 86400;
	cfg->neg_ttl = 300;
	cfg->fail_ttl = 30;
}

static const char *const state_names[] = {
	[FSC_RDNS_FOUND] = "found",     [FSC_RDNS_PENDING] = "pending",
	[FSC_RDNS_NONE] = "none",       [FSC_RDNS_FAILED] = "failed",
	[FSC_RDNS_SKIPPED] = "skipped", [FSC_RDNS_FULL] = "full",
};

const char *fsc_rdns_state_name(enum fsc_rdns_state st)
{
	if ((unsigned)st >= sizeof(state_names) / sizeof(state_names[0]))
		return "?";
	return state_names[st];
}

/* "1.2.3.4", "1.2.3.4:53", "::1", "[::1]", "[::1]:53" -> c-ares CSV. */
static bool server_csv(const char *s, char *csv, size_t n, char *err, size_t errlen)
{
	char host[FSC_ADDR_STRLEN + 1];
	const char *port = NULL, *h = s;
	size_t hl;
	struct fsc_addr a;
	unsigned long p = 53;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close) {
			snprintf(err, errlen, "DNS server '%s': missing ']'", s);
			return false;
		}
		h = s + 1;
		hl = (size_t)(close - h);
		if (close[1] == ':')
			port = close + 2;
		else if (close[1]) {
			snprintf(err, errlen, "DNS server '%s': expected ':PORT' after ']'", s);
			return false;
		}
	} else {
		const char *c1 = strchr(s, ':');
		if (c1 && !strchr(c1 + 1, ':')) { /* one colon: IPv4:PORT */
			hl = (size_t)(c1 - s);
			port = c1 + 1;
		} else {
			hl = strlen(s);
		}
	}
	if (hl == 0 || hl >= sizeof(host)) {
		snprintf(err, errlen, "DNS server '%s': not an IP address", s);
		return false;
	}
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (!fsc_addr_parse(host, &a) || (s[0] == '[' && a.family != 6)) {
		snprintf(err, errlen, "DNS server '%s': not an IP address (names are not "
			 "resolved here)", s);
		return false;
	}
	if (port) {
		uint64_t v;
		if (fsc_num_parse(port, 1, 65535, &v) != FSC_NUM_OK) {
			snprintf(err, errlen, "DNS server '%s': port must be 1 to 65535", s);
			return false;
		}
		p = (unsigned long)v;
	}
	fsc_addr_str(&a, host);
	snprintf(csv, n, a.family == 6 ? "[%s]:%lu" : "%s:%lu", host, p);
	return true;
}

bool fsc_rdns_server_ok(const char *s, char *err, size_t errlen)
{
	char csv[FSC_ADDR_STRLEN + 16];

	return server_csv(s, csv, sizeof(csv), err, errlen);
}

struct fsc_rdns *fsc_rdns_new(const struct fsc_rdns_config *cfg, char *err, size_t errlen)
{
	struct fsc_rdns *r = calloc(1, sizeof(*r));
	struct ares_options opt;
	char csv[FSC_ADDR_STRLEN + 16];
	int rc;

	if (!r) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	r->cfg = *cfg;
	if (r->cfg.timeout_ms == 0)
		r->cfg.timeout_ms = 1;
	if (r->cfg.max_inflight == 0)
		r->cfg.max_inflight = 1;
	if (r->cfg.max_inflight > 4096)
		r->cfg.max_inflight = 4096;
	if (r->cfg.max_ttl < r->cfg.min_ttl)
		r->cfg.max_ttl = r->cfg.min_ttl;
	r->nent = (r->cfg.cache_size + WAYS - 1) / WAYS * WAYS;
	if (r->nent == 0)
		r->nent = WAYS;
	if (cfg->server && !server_csv(cfg->server, csv, sizeof(csv), err, errlen)) {
		free(r);
		return NULL;
	}
	r->named_server = cfg->server != NULL;
	r->e = calloc(r->nent, sizeof(*r->e));
	r->slots = calloc(r->cfg.max_inflight, sizeof(*r->slots));
	r->queue = calloc(r->nent, sizeof(*r->queue));
	if (!r->e || !r->slots || !r->queue) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rc = ares_library_init(ARES_LIB_INIT_ALL);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		goto fail;
	}
	/* c-ares doubles the per-try timeout on each round over the servers:
	 * with two tries on one server, t + 2t = timeout_ms. Our own deadline
	 * (slot->deadline) holds the bound whatever c-ares does. NOCHECKRESP
	 * hands SERVFAIL and REFUSED back at once instead of retrying. */
	memset(&opt, 0, sizeof(opt));
	opt.flags = ARES_FLAG_NOCHECKRESP;
	opt.timeout = (int)(r->cfg.timeout_ms / 3 ? r->cfg.timeout_ms / 3 : 1);
	opt.tries = 2;
	rc = ares_init_options(&r->ch, &opt, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		ares_library_cleanup();
		goto fail;
	}
	if (cfg->server && (rc = ares_set_servers_ports_csv(r->ch, csv)) != ARES_SUCCESS) {
		snprintf(err, errlen, "DNS server '%s': %s", cfg->server, ares_strerror(rc));
		ares_destroy(r->ch);
		ares_library_cleanup();
		goto fail;
	}
	for (size_t i = 0; i < r->cfg.max_inflight; i++)
		r->slots[i].r = r;
	return r;
fail:
	free(r->e);
	free(r->slots);
	free(r->queue);
	free(r);
	return NULL;
}

void fsc_rdns_free(struct fsc_rdns *r)
{
	if (!r)
		return;
	r->freeing = true; /* ares_destroy calls back with ARES_EDESTRUCTION */
	ares_destroy(r->ch);
	ares_library_cleanup();
	free(r->e);
	free(r->slots);
	free(r->queue);
	free(r);
}

static bool allowed(const struct fsc_rdns *r, const struct fsc_tsaddr_info *i)
{
	if (i->cls == FSC_TSADDR_NONE || i->cls == FSC_TSADDR_UNSPECIFIED ||
	    i->cls == FSC_TSADDR_MULTICAST)
		return false;
	switch (r->cfg.policy) {
	case FSC_RDNS_POLICY_ALL:
		return true;
	case FSC_RDNS_POLICY_PUBLIC:
		return fsc_tsaddr_is_global(i->cls);
	default:
		return r->named_server || fsc_tsaddr_is_global(i->cls);
	}
}

static uint32_t clamp(uint32_t v, uint32_t lo, uint32_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void settle(struct fsc_rdns *r, struct entry *e, uint8_t st, uint32_t ttl)
{
	e->st = st;
	e->expires = now_ms() + (uint64_t)ttl * 1000u;
	r->pending--;
	if (st == E_FOUND)
		r->st.found++;
	else if (st == E_NONE)
		r->st.none++;
	else
		r->st.failed++;
}

static void answer(struct fsc_rdns *r, struct entry *e, int status, const unsigned char *abuf,
		   int alen)
{
	struct fsc_dns_ptr ans;
	const char *why;

	if (abuf && alen > 0 &&
	    fsc_dns_parse_ptr(abuf, (size_t)alen, &ans, &why) == FSC_OK) {
		if (ans.found && ans.rcode == 0) {
			memcpy(e->name, ans.name, sizeof(e->name));
			settle(r, e, E_FOUND, clamp(ans.ttl, r->cfg.min_ttl, r->cfg.max_ttl));
		} else if (ans.rcode == 0 || ans.rcode == 3) {
			/* RFC 2308: the SOA says how long "no" holds. */
			settle(r, e, E_NONE,
			       ans.has_soa ? clamp(ans.neg_ttl, 0, r->cfg.max_ttl) : r->cfg.neg_ttl);
		} else {
			settle(r, e, E_FAILED, r->cfg.fail_ttl);
		}
		return;
	}
	if (status == ARES_ENOTFOUND || status == ARES_ENODATA) {
		settle(r, e, E_NONE, r->cfg.neg_ttl);
		return;
	}
	if (status == ARES_ETIMEOUT)
		r->st.timeouts++;
	settle(r, e, E_FAILED, r->cfg.fail_ttl);
}

static void pump(struct fsc_rdns *r);

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct slot *s = arg;
	struct fsc_rdns *r = s->r;

	(void)timeouts;
	s->busy = false;
	r->inflight--;
	if (r->freeing || status == ARES_EDESTRUCTION)
		return;
	struct entry *e = &r->e[s->idx];
	/* Given up on already (our deadline passed first): nothing to do. */
	if (e->gen == s->gen && e->st == E_INFLIGHT)
		answer(r, e, status, abuf, alen);
	pump(r);
}

static void send_one(struct fsc_rdns *r, uint32_t idx)
{
	struct entry *e = &r->e[idx];
	struct slot *s = NULL;
	char q[FSC_DNS_PTRQ_MAX];

	for (size_t i = 0; i < r->cfg.max_inflight; i++) {
		if (!r->slots[i].busy) {
			s = &r->slots[i];
			break;
		}
	}
	if (!s || !fsc_dns_ptr_qname(&e->addr, q)) {
		settle(r, e, E_FAILED, r->cfg.fail_ttl);
		return;
	}
	e->st = E_INFLIGHT;
	s->busy = true;
	s->idx = idx;
	s->gen = e->gen;
	s->deadline = now_ms() + r->cfg.timeout_ms;
	r->inflight++;
	r->st.queries++;
	/* May call on_answer before it returns (e.g. no usable server). */
	ares_query(r->ch, q, C_IN, T_PTR, on_answer, s);
}

static void pump(struct fsc_rdns *r)
{
	if (r->pumping)
		return;
	r->pumping = true;
	while (r->qlen > 0 && r->inflight < r->cfg.max_inflight) {
		uint32_t idx = r->queue[r->qhead];
		r->qhead = (r->qhead + 1) % r->nent;
		r->qlen--;
		if (r->e[idx].st == E_QUEUED)
			send_one(r, idx);
	}
	r->pumping = false;
}

static enum fsc_rdns_state report(struct entry *e, uint64_t now, char *name, size_t len,
				  uint32_t *ttl_left)
{
	if (ttl_left)
		*ttl_left = 0;
	switch (e->st) {
	case E_QUEUED:
	case E_INFLIGHT:
		return FSC_RDNS_PENDING;
	default:
		break;
	}
	if (ttl_left && e->expires > now)
		*ttl_left = (uint32_t)((e->expires - now + 999) / 1000);
	if (e->st == E_FOUND) {
		if (name && len) {
			strncpy(name, e->name, len - 1);
			name[len - 1] = '\0';
		}
		return FSC_RDNS_FOUND;
	}
	return e->st == E_NONE ? FSC_RDNS_NONE : FSC_RDNS_FAILED;
}

static enum fsc_rdns_state lookup(struct fsc_rdns *r, const struct fsc_addr *in, char *name,
				  size_t len, uint32_t *ttl_left, bool start)
{
	struct fsc_tsaddr_info info;
	uint64_t now = now_ms();

	if (ttl_left)
		*ttl_left = 0;
	if (name && len)
		name[0] = '\0';
	fsc_tsaddr_classify(in, &info); /* unmaps ::ffff:a.b.c.d */
	const struct fsc_addr *a = &info.addr;
	if (!allowed(r, &info)) {
		if (start)
			r->st.skipped++;
		return FSC_RDNS_SKIPPED;
	}
	size_t base = (size_t)(fsc_addr_hash(a, 0x6a09e667f3bcc908ull) % (r->nent / WAYS)) * WAYS;
	struct entry *victim = NULL;
	for (size_t w = 0; w < WAYS; w++) {
		struct entry *e = &r->e[base + w];
		if (e->st != E_EMPTY && fsc_addr_eq(&e->addr, a)) {
			bool live = e->st == E_QUEUED || e->st == E_INFLIGHT || e->expires > now;
			if (live || !start) {
				if (start) {
					r->st.hits += e->st != E_QUEUED && e->st != E_INFLIGHT;
					e->used = ++r->tick;
				}
				return live ? report(e, now, name, len, ttl_left) :
					      FSC_RDNS_SKIPPED;
			}
			victim = e; /* expired: ask again in the same way */
			break;
		}
	}
	if (!start)
		return FSC_RDNS_SKIPPED;
	if (!victim) {
		for (size_t w = 0; w < WAYS; w++) {
			struct entry *e = &r->e[base + w];
			if (e->st == E_QUEUED || e->st == E_INFLIGHT)
				continue;
			if (e->st == E_EMPTY) {
				victim = e;
				break;
			}
			if (e->expires <= now && (!victim || victim->expires > now ||
						  e->used < victim->used))
				victim = e;
			else if (!victim || (victim->expires > now && e->used < victim->used))
				victim = e;
		}
		if (!victim) {
			r->st.full++;
			return FSC_RDNS_FULL;
		}
		if (victim->st != E_EMPTY && victim->expires > now)
			r->st.evictions++;
	}
	victim->addr = *a;
	victim->st = E_QUEUED;
	victim->gen++;
	victim->used = ++r->tick;
	victim->name[0] = '\0';
	r->pending++;
	r->queue[(r->qhead + r->qlen) % r->nent] = (uint32_t)(victim - r->e);
	r->qlen++;
	pump(r);
	/* pump may have settled it at once (a synchronous c-ares failure). */
	return report(victim, now_ms(), name, len, ttl_left);
}

enum fsc_rdns_state fsc_rdns_lookup(struct fsc_rdns *r, const struct fsc_addr *a, char *name,
				    size_t len, uint32_t *ttl_left)
{
	r->st.lookups++;
	return lookup(r, a, name, len, ttl_left, true);
}

enum fsc_rdns_state fsc_rdns_peek(struct fsc_rdns *r, const struct fsc_addr *a, char *name,
				  size_t len, uint32_t *ttl_left)
{
	return lookup(r, a, name, len, ttl_left, false);
}

size_t fsc_rdns_pending(const struct fsc_rdns *r)
{
	return r->pending;
}

int fsc_rdns_pollfds(struct fsc_rdns *r, struct pollfd *fds, int max)
{
	ares_socket_t socks[ARES_GETSOCK_MAXNUM];
	/* Bits 0-15 readable, 16-31 writable. Not the ARES_GETSOCK_* macros:
	 * they shift a signed 1 into bit 31, which is undefined. */
	unsigned bits = (unsigned)ares_getsock(r->ch, socks, ARES_GETSOCK_MAXNUM);
	int n = 0;

	for (int i = 0; i < ARES_GETSOCK_MAXNUM && n < max; i++) {
		short ev = 0;
		if (bits >> i & 1u)
			ev |= POLLIN;
		if (bits >> (i + ARES_GETSOCK_MAXNUM) & 1u)
			ev |= POLLOUT;
		if (!ev)
			continue;
		fds[n].fd = socks[i];
		fds[n].events = ev;
		fds[n].revents = 0;
		n++;
	}
	return n;
}

int fsc_rdns_timeout_ms(struct fsc_rdns *r, int max_ms)
{
	struct timeval tv, *tvp;
	uint64_t now = now_ms(), best = UINT64_MAX;

	if (r->inflight == 0)
		return max_ms;
	tvp = ares_timeout(r->ch, NULL, &tv);
	if (tvp)
		best = (uint64_t)tvp->tv_sec * 1000u + ((uint64_t)tvp->tv_usec + 999u) / 1000u;
	for (size_t i = 0; i < r->cfg.max_inflight; i++) {
		const struct slot *s = &r->slots[i];
		if (!s->busy || r->e[s->idx].gen != s->gen || r->e[s->idx].st != E_INFLIGHT)
			continue;
		uint64_t left = s->deadline > now ? s->deadline - now : 0;
		if (left < best)
			best = left;
	}
	if (max_ms >= 0 && best > (uint64_t)max_ms)
		return max_ms;
	return best == UINT64_MAX ? max_ms : (int)best;
}

void fsc_rdns_step(struct fsc_rdns *r, const struct pollfd *fds, int n)
{
	uint64_t now;

	for (int i = 0; i < n; i++) {
		short ev = fds[i].revents;
		if (!ev)
			continue;
		ares_process_fd(r->ch, ev & (POLLIN | POLLERR | POLLHUP) ? fds[i].fd : ARES_SOCKET_BAD,
				ev & POLLOUT ? fds[i].fd : ARES_SOCKET_BAD);
	}
	ares_process_fd(r->ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* c-ares timeouts */
	/* Our own bound: a lookup is given up timeout_ms after it was sent,
	 * whatever c-ares still tries. Its slot stays busy until c-ares lets
	 * go, so the in-flight bound holds for real sockets too. */
	now = now_ms();
	for (size_t i = 0; i < r->cfg.max_inflight; i++) {
		struct slot *s = &r->slots[i];
		struct entry *e = &r->e[s->idx];
		if (s->busy && e->gen == s->gen && e->st == E_INFLIGHT && s->deadline <= now) {
			r->st.timeouts++;
			settle(r, e, E_FAILED, r->cfg.fail_ttl);
		}
	}
	pump(r);
}

size_t fsc_rdns_drain(struct fsc_rdns *r, unsigned max_ms)
{
	uint64_t end = now_ms() + max_ms;
	struct pollfd fds[ARES_GETSOCK_MAXNUM];

	while (r->pending > 0) {
		uint64_t now = now_ms();
		if (now >= end)
			break;
		int n = fsc_rdns_pollfds(r, fds, ARES_GETSOCK_MAXNUM);
		int t = fsc_rdns_timeout_ms(r, (int)(end - now));
		if (poll(fds, (nfds_t)n, t) < 0)
			for (int i = 0; i < n; i++)
				fds[i].revents = 0; /* EINTR: just step timeouts */
		fsc_rdns_step(r, fds, n);
	}
	return r->pending;
}

void fsc_rdns_get_stats(const struct fsc_rdns *r, struct fsc_rdns_stats *s)
{
	*s = r->st;
	s->inflight = r->inflight;
	s->queued = 0;
	for (size_t i = 0; i < r->qlen; i++)
		s->queued += r->e[r->queue[(r->qhead + i) % r->nent]].st == E_QUEUED;
}
