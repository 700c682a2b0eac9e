/* metrics.h - what fwatch --metrics renders: the pipeline's counters and
 * peers, the model's aggregation and its interfaces' drop counters
 * (fsc/prom.h), served by the shared server of metricsrv.h. */
#ifndef FWATCH_METRICS_H
#define FWATCH_METRICS_H

#include "fsc/enrich.h"
#include "fsc/pipeline.h"
#include "metricsrv.h"
#include "model.h"

struct metrics_view {
	const struct fsc_pipeline *pl;
	const struct tui_model *model;
	const struct fsc_enrich *names;
};
/* A metrics_render_fn over a struct metrics_view. */
bool metrics_render_model(void *ctx, FILE *out);

#endif
