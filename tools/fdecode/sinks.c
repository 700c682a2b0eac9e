/* sinks.c - fdecode's outputs as sinks (fsc/sink.h), and the table that
 * names them: run.c opens the ones the options ask for into a fan-out and
 * hands every event to it.
 *
 *   text     one line an event (print.c, print_stream.c), the default
 *   json     JSON lines (--json)
 *   summary  tables at the end (--summary)
 *   metrics  the Prometheus exposition at the end (--metrics-file,
 *            metrics.c)
 *   records  request records (records.c): --records, --access-log, --har,
 *            --curl, --replay
 *   stories  one story a public request across the inputs (--correlate,
 *            story.c): instead of text or JSON lines, or beside the
 *            summary (opened before it, so it closes after: "where the
 *            time goes" follows the tables)
 *
 * The summary and the metrics read one aggregation (fsc/agg.h): the first
 * of them to open adds the "aggregation" sink that feeds it, ahead of
 * itself; the fan-out closes in reverse order, so the aggregation is freed
 * after both have written.
 *
 * A new output is a row in sink_kinds with its open function, and the
 * option that asks for it in main.c (and in sinks_open_all). */
#include <string.h>

#include "fdecode.h"
#include "sinks.h"

/* ---- text and JSON lines: the printer (struct printer) is the sink ---- */

static void text_event(void *self, const struct fsc_event *ev)
{
	struct printer *pr = self;

	if (print_wanted(pr->opt, ev)) {
		print_text(pr, ev);
		pr->shown = true;
	}
}

static void json_event(void *self, const struct fsc_event *ev)
{
	struct printer *pr = self;

	if (print_wanted(pr->opt, ev)) {
		print_json(pr, ev);
		pr->shown = true;
	}
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

static bool text_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	(void)fan;
	*out = (struct fsc_sink){ .ops = &text_ops, .self = env->pr };
	return true;
}

static bool json_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	(void)fan;
	*out = (struct fsc_sink){ .ops = &json_ops, .self = env->pr };
	return true;
}

/* ---- the aggregation, and the summary and metrics that read it ---- */

#define MAX_CLIENTS 4096	/* distinct STUN mapped addresses counted */
#define MAX_HOSTS 4096		/* names in the summary's hostname table */
#define MAX_HTTP_CLIENTS 65536	/* clients in the summary's clients table */

void summary_tally(struct client_tally *tally, struct fsc_agg *agg, const struct fsc_event *ev)
{
	if (ev->type == FSC_EV_STUN && ev->tun->u.stun.has_mapped)
		client_tally_add(tally, &ev->tun->u.stun.mapped, 1, ev->pkt->payload_wire_len);
	/* Hosts and clients come from stream events; fdecode shows no tunnel
	 * endpoints table, so the UDP events need not go there. */
	if (ev->stream)
		fsc_agg_event(agg, ev);
}

static void agg_event(void *self, const struct fsc_event *ev)
{
	struct sink_env *env = self;

	summary_tally(env->tally, env->agg, ev);
}

static bool agg_close(void *self)
{
	struct sink_env *env = self;

	client_tally_free(env->tally);
	fsc_agg_free(env->agg);
	env->tally = NULL;
	env->agg = NULL;
	return true;
}

static const struct fsc_sink_ops agg_ops = {
	.name = "aggregation", .event = agg_event, .close = agg_close,
};

/* The shared aggregation and its feeder, once. */
static bool need_agg(struct sink_env *env, struct fsc_fanout *fan)
{
	struct fsc_agg_limits al = { .max_hosts = MAX_HOSTS, .max_clients = MAX_HTTP_CLIENTS };

	if (env->agg)
		return true;
	env->tally = client_tally_new(MAX_CLIENTS);
	env->agg = fsc_agg_new(&al);
	if (!env->tally || !env->agg ||
	    !fsc_fanout_add(fan, &(struct fsc_sink){ .ops = &agg_ops, .self = env })) {
		agg_close(env);
		return false;
	}
	return true;
}

static bool summary_close(void *self)
{
	struct sink_env *env = self;
	FILE *out = env->pr->ob->file;

	fsc_outbuf_flush(env->pr->ob);
	print_summary(out, env->opt, env->pl, env->inputs, env->problems, env->enr, env->tally,
		      env->agg);
	return fflush(out) == 0;
}

static const struct fsc_sink_ops summary_ops = { .name = "summary", .close = summary_close };

static bool summary_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	if (!need_agg(env, fan))
		return false;
	*out = (struct fsc_sink){ .ops = &summary_ops, .self = env };
	return true;
}

static bool metrics_close(void *self)
{
	struct sink_env *env = self;
	char err[512];

	if (metrics_file_write(env->opt->metrics_file, env->pl, env->agg, env->src,
			       fsc_enrich_geoip_count(env->enr) > 0, err, sizeof(err)))
		return true;
	fprintf(stderr, "fdecode: --metrics-file: '%s': %s\n", env->opt->metrics_file, err);
	return false;
}

static const struct fsc_sink_ops metrics_ops = { .name = "metrics", .close = metrics_close };

static bool metrics_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	if (!need_agg(env, fan))
		return false;
	/* Clients by country and AS: the names come from enrichment. */
	fsc_agg_on_client(env->agg, metrics_client_geo, env->enr);
	*out = (struct fsc_sink){ .ops = &metrics_ops, .self = env };
	return true;
}

/* ---- request records (records.c): --records, access logs, HAR, curl,
 * replay ---- */

static void records_sink_event(void *self, const struct fsc_event *ev)
{
	records_event(self, ev);
}

/* The end: the transactions still open, the HAR file, curl and replay. */
static bool records_sink_close(void *self)
{
	bool ok = records_finish(self);

	records_free(self);
	return ok;
}

static bool records_sink_reopen(void *self)
{
	return records_reopen(self);
}

static const struct fsc_sink_ops records_ops = {
	.name = "records", .event = records_sink_event, .close = records_sink_close,
};

/* With an access log file: SIGHUP reopens it (log rotation). */
static const struct fsc_sink_ops records_log_ops = {
	.name = "records", .event = records_sink_event, .reopen = records_sink_reopen,
	.close = records_sink_close,
};

static bool records_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	struct records *rs = records_new(&env->opt->rec, env->pr, &env->status);

	(void)fan;
	if (!rs)
		return false;
	*out = (struct fsc_sink){
		.ops = records_log_is_file(&env->opt->rec) ? &records_log_ops : &records_ops,
		.self = rs };
	return true;
}

/* ---- stories (story.c): --correlate ---- */

static bool stories_open(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out)
{
	(void)fan;
	return stories_sink(env->pr, env->inputs, out);
}

/* ---- the table ---- */

static const struct sink_kind {
	const char *name;
	bool (*open)(struct sink_env *env, struct fsc_fanout *fan, struct fsc_sink *out);
} sink_kinds[] = {
	{ "text", text_open },
	{ "json", json_open },
	{ "summary", summary_open },
	{ "metrics", metrics_open },
	{ "records", records_open },
	{ "stories", stories_open },
	/* A sink with a record op takes finished requests (fsc/request.h: an
	 * fsc_requests builder fed the same events hands them to
	 * fsc_fanout_record, an fsc_request_fn); one with a reopen op gets
	 * SIGHUP (run.c installs the handler for it). */
};

bool sinks_open(const char *name, struct sink_env *env, struct fsc_fanout *fan)
{
	struct fsc_sink s;

	for (size_t i = 0; i < sizeof(sink_kinds) / sizeof(sink_kinds[0]); i++) {
		if (strcmp(sink_kinds[i].name, name) != 0)
			continue;
		/* fdecode's sinks hold nothing of their own (the aggregation
		 * is the fan-out's to close): a full fan-out loses nothing. */
		return sink_kinds[i].open(env, fan, &s) && fsc_fanout_add(fan, &s);
	}
	return false;
}

/* The options' choice: --summary, else --correlate's stories, else --json,
 * else text. */
const char *sinks_main_name(const struct options *opt)
{
	return opt->summary ? "summary" : opt->correlate ? "stories" : opt->json ? "json" : "text";
}

bool sinks_open_all(struct sink_env *env, struct fsc_fanout *fan, int *status)
{
	const struct options *opt = env->opt;
	bool ok = true;

	/* An access log, HAR, curl or replay on standard output: the events'
	 * lines give way (the summary stays, when asked for). Closed in
	 * reverse: the metrics file first, then the records (their last
	 * lines before the events' are flushed), then the summary or the
	 * lines (which may wait for late names). */
	if (opt->summary && opt->correlate)
		ok = sinks_open("stories", env, fan);
	if (ok && (opt->summary || !records_own_stdout(&opt->rec)))
		ok = sinks_open(sinks_main_name(opt), env, fan);
	if (ok && records_wanted(&opt->rec))
		ok = sinks_open("records", env, fan);
	if (ok && opt->metrics_file)
		ok = sinks_open("metrics", env, fan);
	*status = env->status;
	return ok;
}
