/* metrics.c - fwatch's /metrics body (see metrics.h). */
#include "metrics.h"

#include "fsc/prom.h"

static void to_file(void *ctx, const char *p, size_t n)
{
	fwrite(p, 1, n, ctx);
}

bool metrics_render_model(void *ctx, FILE *out)
{
	const struct metrics_view *v = ctx;
	struct fsc_prom_capture caps[TUI_MAX_IFACES];
	size_t nc = 0;

	for (unsigned i = 0; i < tui_model_sources(v->model); i++) {
		struct fsc_src_stats st;
		if (tui_model_drops(v->model, i, &st))
			caps[nc++] = (struct fsc_prom_capture){
				.name = tui_model_source_name(v->model, i), .received = st.received,
				.dropped = st.dropped, .if_dropped = st.if_dropped };
	}
	struct fsc_prom_input in = { .pl = v->pl, .agg = tui_model_agg(v->model),
				     .captures = caps, .n_captures = nc,
				     .geo = fsc_enrich_geoip_count(v->names) > 0,
				     .now_ns = tui_model_now(v->model) };
	return fsc_prom_write(&in, to_file, out) && !ferror(out);
}
