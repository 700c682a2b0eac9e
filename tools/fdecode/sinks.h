/* sinks.h - fdecode's outputs as sinks, opened by name (sinks.c). */
#ifndef FDECODE_SINKS_H
#define FDECODE_SINKS_H

#include <stdbool.h>

#include "fsc/sink.h"

struct options;
struct printer;
struct fsc_enrich;
struct fsc_pipeline;
struct input_problems;
struct client_tally;
struct fsc_agg;
struct fsc_event;

/* What a sink may need; run.c fills it and keeps it until the sinks close
 * (the summary reads the pipeline's counters at the end). */
struct sink_env {
	const struct options *opt;
	struct printer *pr;		/* the text and JSON lines' printer; its
					 * buffer is standard output's */
	struct fsc_enrich *enr;
	const struct fsc_pipeline *pl;
	struct fsc_source *src;		/* live drop counters, for metrics */
	const struct input_problems *problems;
	unsigned inputs;		/* files or interfaces */
	/* The aggregation the summary and the metrics share, fed once by
	 * the "aggregation" sink that the first of them opens. */
	struct fsc_agg *agg;
	struct client_tally *tally;	/* STUN mapped addresses */
	int status;	/* a sink that could not open said why: the exit status */
};

/* Opens the sink called name into fan; false when there is no such sink,
 * it could not be made (out of memory) or the fan-out is full. */
bool sinks_open(const char *name, struct sink_env *env, struct fsc_fanout *fan);
/* The sink the options ask for: "summary", "stories", "json" or "text". */
const char *sinks_main_name(const struct options *opt);
/* Every sink the options ask for (text, JSON or summary; the records;
 * --metrics-file). False when one could not be opened: *status is then the
 * exit status when the sink said why on stderr, 0 when memory ran out. */
bool sinks_open_all(struct sink_env *env, struct fsc_fanout *fan, int *status);

/* The aggregation's tallies of one event (the fuzz target drives it too). */
void summary_tally(struct client_tally *tally, struct fsc_agg *agg, const struct fsc_event *ev);

#endif
