/* counters.h - the registry of the pipeline's counters: one row a figure
 * with its name in each rendering, so that fdecode's JSON summary, its text
 * summary ("Unusual") and the Prometheus metrics show the same numbers
 * under names that are kept in one place.
 *
 * A row is read with fsc_counter_value (and fsc_counter_more for the
 * second figure some "Unusual" lines carry). Rows are in the order of the
 * JSON summary object; rows of one Prometheus metric (same `metric`,
 * different label values) are adjacent.
 */
#ifndef FSC_COUNTERS_H
#define FSC_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#include "fsc/pipeline.h"

enum fsc_counter_kind {
	FSC_COUNTER,	/* only grows: Prometheus `counter`, name ends _total */
	FSC_GAUGE,	/* a value that may go down, or a time */
};

enum fsc_counter_unit {
	FSC_UNIT_COUNT,
	FSC_UNIT_TIME_NS,	/* a time since the epoch in ns: JSON seconds with
				 * six decimals, Prometheus seconds */
};

/* Where a row's "Unusual" line goes in the text summary. */
enum fsc_counter_section {
	FSC_CS_PACKETS,		/* after the input's problems and peers' health */
	FSC_CS_STREAMS,		/* with the TCP streams' */
};

struct fsc_counter {
	const char *key;	/* JSON summary key; "wg.initiation" is key
				 * initiation of object wg; NULL: none */
	const char *metric;	/* Prometheus name after "funnelscope_" */
	const char *label;	/* its one label's name, or NULL ... */
	const char *label_value; /* ... and value */
	const char *help;	/* one line, for HELP */
	enum fsc_counter_kind kind;
	enum fsc_counter_unit unit;
	enum fsc_counter_section section;
	unsigned unusual;	/* the rank of its "Unusual" line (0: none) */
	const char *text;	/* that line: "<value> <text>" ... */
	const char *text_more;	/* ... " (<more> <text_more>)" when set */
	unsigned id_;		/* private: what fsc_counter_value reads */
};

/* The rows; *n their number. */
const struct fsc_counter *fsc_counters(size_t *n);
uint64_t fsc_counter_value(const struct fsc_counter *c, const struct fsc_pipeline *pl);
uint64_t fsc_counter_more(const struct fsc_counter *c, const struct fsc_pipeline *pl);

#endif
