/* dns.c - A and AAAA for the name at each server on its own: one c-ares
 * channel a server (no fallback to another, no search list, no hosts file,
 * one try), so each answer is that server's. Authoritative servers are
 * asked without recursion (RD=0), as a resolver on the internet asks them;
 * resolvers with it. Bounded by the timeout, never by the server. */
#include "fdoctor.h"

#include <arpa/inet.h>
#include <ares.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#define T_A 1
#define T_NS 2
#define T_AAAA 28
#define C_IN 1

struct query {
	struct fdoc_dns *d;
	bool aaaa;
};


const char *fdoc_dns_status(int s)
{
	switch (s) {
	case ARES_SUCCESS: return "ok";
	case ARES_ENODATA: return "no records";
	case ARES_ENOTFOUND: return "NXDOMAIN";
	case ARES_ETIMEOUT: return "timeout";
	case ARES_ECONNREFUSED: return "refused";
	case ARES_EREFUSED: return "REFUSED";
	case ARES_ESERVFAIL: return "SERVFAIL";
	case ARES_EBADRESP: return "bad response";
	case ARES_EFORMERR: return "FORMERR";
	case ARES_ECANCELLED: return "cancelled";
	default: return ares_strerror(s);
	}
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	struct fdoc_dns *d = q->d;
	char (*out)[FDOC_ADDR_LEN] = q->aaaa ? d->aaaa : d->a;
	size_t *n = q->aaaa ? &d->n_aaaa : &d->n_a;
	int i, cnt = FDOC_MAX_ADDRS;

	(void)timeouts;
	if (status == ARES_ECANCELLED)	/* drive() cancels only at the deadline */
		status = ARES_ETIMEOUT;
	if (status == ARES_SUCCESS && q->aaaa) {
		struct ares_addr6ttl a6[FDOC_MAX_ADDRS];

		status = ares_parse_aaaa_reply(abuf, alen, NULL, a6, &cnt);
		for (i = 0; status == ARES_SUCCESS && i < cnt; i++)
			inet_ntop(AF_INET6, &a6[i].ip6addr, out[(*n)++], FDOC_ADDR_LEN);
	} else if (status == ARES_SUCCESS) {
		struct ares_addrttl a4[FDOC_MAX_ADDRS];

		status = ares_parse_a_reply(abuf, alen, NULL, a4, &cnt);
		for (i = 0; status == ARES_SUCCESS && i < cnt; i++)
			inet_ntop(AF_INET, &a4[i].ipaddr, out[(*n)++], FDOC_ADDR_LEN);
	}
	if (status == ARES_SUCCESS && *n == 0)
		status = ARES_ENODATA;	/* a CNAME alone, say */
	if (q->aaaa)
		d->aaaa_status = status;
	else
		d->a_status = status;
}

/* Runs a channel's queries until done or the deadline, then cancels. */
static void drive(ares_channel ch, uint64_t deadline)
{
	for (;;) {
		fd_set r, w;
		struct timeval tv, max, *tvp;
		uint64_t now = fdoc_now_ms();
		int nfds;

		FD_ZERO(&r);
		FD_ZERO(&w);
		nfds = ares_fds(ch, &r, &w);
		if (nfds == 0 || now >= deadline)
			break;
		max.tv_sec = (time_t)((deadline - now) / 1000);
		max.tv_usec = (suseconds_t)((deadline - now) % 1000 * 1000);
		tvp = ares_timeout(ch, &max, &tv);
		select(nfds, &r, &w, NULL, tvp);
		ares_process(ch, &r, &w);
	}
	ares_cancel(ch);
}

/* One server's own channel: no search list, no hosts file, one try. */
static bool channel(const char *server, bool recurse, unsigned timeout_ms, ares_channel *ch,
		    char *err, size_t errlen)
{
	struct ares_options ao;
	char lookups[] = "b";	/* DNS only */
	int rc;

	memset(&ao, 0, sizeof(ao));
	ao.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES | ARES_FLAG_NOCHECKRESP |
		   (recurse ? 0 : ARES_FLAG_NORECURSE);
	ao.timeout = (int)timeout_ms;
	ao.tries = 1;
	ao.lookups = lookups;
	rc = ares_init_options(ch, &ao, ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
					      ARES_OPT_DOMAINS | ARES_OPT_LOOKUPS);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return false;
	}
	rc = ares_set_servers_ports_csv(*ch, server);
	if (rc != ARES_SUCCESS) {
		snprintf(err, errlen, "'%s': %s", server, ares_strerror(rc));
		ares_destroy(*ch);
		return false;
	}
	return true;
}

struct ns_query {
	char names[FDOC_MAX_SERVERS][256];
	size_t n;
	int status;
};

static void on_ns(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct ns_query *q = arg;
	struct hostent *h = NULL;
	size_t i;

	(void)timeouts;
	if (status == ARES_SUCCESS)
		status = ares_parse_ns_reply(abuf, alen, &h);
	q->status = status == ARES_ECANCELLED ? ARES_ETIMEOUT : status;
	for (i = 0; h && h->h_aliases[i] && q->n < FDOC_MAX_SERVERS; i++)
		snprintf(q->names[q->n++], sizeof(q->names[0]), "%s", h->h_aliases[i]);
	if (h)
		ares_free_hostent(h);
}

bool fdoc_find_ns(struct fdoc_opts *o, const char *resolver, char *err, size_t errlen)
{
	struct ns_query q;
	struct fdoc_dns d[FDOC_MAX_SERVERS];
	struct query qs[2 * FDOC_MAX_SERVERS];
	ares_channel ch;
	uint64_t t0 = fdoc_now_ms();
	size_t i, j, found = 0;

	memset(&q, 0, sizeof(q));
	q.status = ARES_ETIMEOUT;
	if (!channel(resolver, true, o->timeout_ms, &ch, err, errlen))
		return false;
	ares_query(ch, o->zone, C_IN, T_NS, on_ns, &q);
	drive(ch, t0 + o->timeout_ms);
	for (i = 0; i < q.n; i++) {
		memset(&d[i], 0, sizeof(d[i]));
		d[i].a_status = d[i].aaaa_status = ARES_ETIMEOUT;
		qs[2 * i] = (struct query){ &d[i], false };
		qs[2 * i + 1] = (struct query){ &d[i], true };
		ares_query(ch, q.names[i], C_IN, T_A, on_answer, &qs[2 * i]);
		ares_query(ch, q.names[i], C_IN, T_AAAA, on_answer, &qs[2 * i + 1]);
	}
	drive(ch, fdoc_now_ms() + o->timeout_ms);
	ares_destroy(ch);
	if (q.n == 0) {
		snprintf(err, errlen, "--zone: '%s': no NS records at %s (%s)", o->zone, resolver,
			 fdoc_dns_status(q.status));
		return false;
	}
	for (i = 0; i < q.n; i++)
		for (j = 0; j < d[i].n_a + d[i].n_aaaa && o->n_servers < FDOC_MAX_SERVERS; j++) {
			const char *a = j < d[i].n_a ? d[i].a[j] : d[i].aaaa[j - d[i].n_a];

			snprintf(o->servers[o->n_servers].addr, sizeof(o->servers[0].addr),
				 j < d[i].n_a ? "%s:%u" : "[%s]:%u", a, o->ns_port);
			o->servers[o->n_servers++].auth = true;
			found++;
		}
	if (!found) {
		snprintf(err, errlen, "--zone: '%s': its name servers (%s ...) have no address at %s",
			 o->zone, q.names[0], resolver);
		return false;
	}
	return true;
}

bool fdoc_resolve(const struct fdoc_opts *o, struct fdoc_run *r, char *err, size_t errlen)
{
	size_t i, j, k;

	r->n_dns = 0;
	for (i = 0; i < o->n_servers; i++) {
		struct fdoc_dns *d = &r->dns[r->n_dns++];
		ares_channel ch;
		struct query qa = { d, false }, q6 = { d, true };
		uint64_t t0 = fdoc_now_ms();

		memset(d, 0, sizeof(*d));
		snprintf(d->server, sizeof(d->server), "%s", o->servers[i].addr);
		d->auth = o->servers[i].auth;
		d->a_status = d->aaaa_status = ARES_ETIMEOUT;
		if (!channel(d->server, !d->auth, o->timeout_ms, &ch, err, errlen))
			return false;
		ares_query(ch, o->name, C_IN, T_A, on_answer, &qa);
		ares_query(ch, o->name, C_IN, T_AAAA, on_answer, &q6);
		drive(ch, t0 + o->timeout_ms);
		ares_destroy(ch);
		d->ms = (unsigned)(fdoc_now_ms() - t0);
	}
	/* the union of every answer, and whether the servers agree */
	r->n_addrs = 0;
	r->disagree = false;
	for (i = 0; i < r->n_dns; i++) {
		const struct fdoc_dns *d = &r->dns[i];

		for (j = 0; j < d->n_a + d->n_aaaa; j++) {
			const char *a = j < d->n_a ? d->a[j] : d->aaaa[j - d->n_a];

			for (k = 0; k < r->n_addrs; k++)
				if (strcmp(r->addrs[k], a) == 0)
					break;
			if (k == r->n_addrs && r->n_addrs < FDOC_MAX_ADDRS)
				snprintf(r->addrs[r->n_addrs++], FDOC_ADDR_LEN, "%s", a);
		}
	}
	for (i = 0; i < r->n_dns; i++) {
		const struct fdoc_dns *d = &r->dns[i];

		/* every server must name every address of the union */
		if (d->n_a + d->n_aaaa != r->n_addrs)
			r->disagree = true;
	}
	return true;
}
