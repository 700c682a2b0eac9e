/* sinks.c - fdecode's outputs as sinks (fsc/sink.h), and the table that
 * names them: run.c opens the ones the options ask for into a fan-out and
 * hands every event to it.
 *
 *   text     one line an event (print.c, print_stream.c), the default
 *   json     JSON lines (--json)
 *   summary  tallies while reading, tables at the end (--summary)
 *
 * A new output (the access log, a metrics file) is a row in sink_kinds with
 * its open function, and the option that asks for it in main.c. */
#include <stdlib.h>
#include <string.h>

#include "fdecode.h"
#include "sinks.h"

/* ---- text and JSON lines: the printer (struct printer) is the sink ---- */

static void text_event(void *self, const struct fsc_event *ev)
{
	struct printer *pr = self;

	if (print_wanted(pr->opt, ev))
		print_text(pr, ev);
}

static void json_event(void *self, const struct fsc_event *ev)
{
	struct printer *pr = self;

	if (print_wanted(pr->opt, ev))
		print_json(pr, ev);
}

static bool lines_flush(void *self)
{
	struct printer *pr = self;

	fsc_outbuf_flush(pr->ob);
	return fflush(pr->ob->file) == 0;
}

/* The end: the lines out, then the names that came late (NAMES in
 * fdecode(1)), which may wait for one DNS timeout. */
static bool lines_close(void *self)
{
	struct printer *pr = self;
	bool ok = lines_flush(pr);

	if (pr->late_names && fsc_enrich_late_count(pr->enr) > 0) {
		fsc_enrich_drain(pr->enr, fsc_enrich_dns_timeout_ms(pr->enr));
		names_late(pr->ob->file, pr->enr, pr->opt->json);
	}
	return ok;
}

static const struct fsc_sink_ops text_ops = {
	.name = "text", .event = text_event, .flush = lines_flush, .close = lines_close,
};

static const struct fsc_sink_ops json_ops = {
	.name = "json", .event = json_event, .flush = lines_flush, .close = lines_close,
};

static bool lines_open(struct sink_env *env, const struct fsc_sink_ops *ops,
		       struct fsc_sink *out)
{
	*out = (struct fsc_sink){ .ops = ops, .self = env->pr };
	return true;
}

static bool text_open(struct sink_env *env, struct fsc_sink *out)
{
	return lines_open(env, &text_ops, out);
}

static bool json_open(struct sink_env *env, struct fsc_sink *out)
{
	return lines_open(env, &json_ops, out);
}

/* ---- the summary ---- */

#define MAX_CLIENTS 4096	/* distinct STUN mapped addresses counted */
#define MAX_HOSTS 4096		/* names in the summary's hostname table */
#define MAX_HTTP_CLIENTS 65536	/* clients in the summary's clients table */

struct summary_sink {
	struct sink_env *env;	/* read at the end: the pipeline's counters */
	struct client_tally *tally;
	struct fsc_agg *agg;
};

void summary_tally(struct client_tally *tally, struct fsc_agg *agg, const struct fsc_event *ev)
{
	if (ev->type == FSC_EV_STUN && ev->tun->u.stun.has_mapped)
		client_tally_add(tally, &ev->tun->u.stun.mapped, 1, ev->pkt->payload_wire_len);
	if (ev->stream)
		fsc_agg_event(agg, ev);
}

static void summary_event(void *self, const struct fsc_event *ev)
{
	struct summary_sink *s = self;

	summary_tally(s->tally, s->agg, ev);
}

static bool summary_close(void *self)
{
	struct summary_sink *s = self;
	struct sink_env *env = s->env;
	FILE *out = env->pr->ob->file;

	fsc_outbuf_flush(env->pr->ob);
	print_summary(out, env->opt, env->pl, env->inputs, env->problems, env->enr, s->tally,
		      s->agg);
	bool ok = fflush(out) == 0;
	client_tally_free(s->tally);
	fsc_agg_free(s->agg);
	free(s);
	return ok;
}

static const struct fsc_sink_ops summary_ops = {
	.name = "summary", .event = summary_event, .close = summary_close,
};

static bool summary_open(struct sink_env *env, struct fsc_sink *out)
{
	struct summary_sink *s = calloc(1, sizeof(*s));
	struct fsc_agg_limits al = { .max_hosts = MAX_HOSTS, .max_clients = MAX_HTTP_CLIENTS };

	if (!s || !(s->tally = client_tally_new(MAX_CLIENTS)) || !(s->agg = fsc_agg_new(&al))) {
		if (s)
			client_tally_free(s->tally);
		free(s);
		return false;
	}
	s->env = env;
	*out = (struct fsc_sink){ .ops = &summary_ops, .self = s };
	return true;
}

/* ---- the table ---- */

static const struct sink_kind {
	const char *name;
	bool (*open)(struct sink_env *env, struct fsc_sink *out);
} sink_kinds[] = {
	{ "text", text_open },
	{ "json", json_open },
	{ "summary", summary_open },
	/* Access logs (--access-log) and metrics (--metrics-file) go here: a
	 * sink with a record op takes finished requests (fsc/request.h: an
	 * fsc_requests builder fed the same events hands them to
	 * fsc_fanout_record, which is an fsc_request_fn); one with a reopen
	 * op gets SIGHUP (run.c installs the handler for it). */
};

bool sinks_open(const char *name, struct sink_env *env, struct fsc_fanout *fan)
{
	struct fsc_sink s;

	for (size_t i = 0; i < sizeof(sink_kinds) / sizeof(sink_kinds[0]); i++) {
		if (strcmp(sink_kinds[i].name, name) != 0)
			continue;
		if (!sink_kinds[i].open(env, &s))
			return false;
		if (fsc_fanout_add(fan, &s))
			return true;
		if (s.ops->close)
			s.ops->close(s.self);
		return false;
	}
	return false;
}

/* The options' choice: --summary, else --json, else text. */
const char *sinks_main_name(const struct options *opt)
{
	return opt->summary ? "summary" : opt->json ? "json" : "text";
}
