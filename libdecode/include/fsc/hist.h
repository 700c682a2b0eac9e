/* hist.h - the one latency histogram scheme of funnelscope.
 *
 * Bucket b counts samples below its upper edge 2^(b/4) microseconds and at
 * or above the edge before it (quarter octaves: every bucket about 19%
 * wider than the last); bucket 0 holds everything under 1 us, the last one
 * everything from about an hour up. A percentile is the upper edge of the
 * bucket its sample falls in, never above the slowest sample seen: at most
 * 19% above the true value. fdecode's summary, fwatch and the Prometheus
 * metrics read the same buckets (Prometheus gets every fourth edge, the
 * powers of two, as its `le` bounds).
 *
 * Allocation-free; a histogram is plain data, zeroed to start.
 */
#ifndef FSC_HIST_H
#define FSC_HIST_H

#include <stdint.h>

#define FSC_HIST_BUCKETS 128

struct fsc_hist {
	uint64_t n;		/* samples */
	int64_t sum_ns;		/* of all samples */
	int64_t max_ns;		/* the slowest */
	uint32_t b[FSC_HIST_BUCKETS];
};

/* The bucket a duration falls in (negative counts as 0). */
unsigned fsc_hist_bucket(int64_t ns);
/* Bucket b's upper edge in ns (b < FSC_HIST_BUCKETS; the last bucket's
 * edge is nominal: it holds everything above the one before). */
int64_t fsc_hist_edge_ns(unsigned b);

void fsc_hist_add(struct fsc_hist *h, int64_t ns);
/* One sample changes its value (a response's first byte becomes its last
 * byte); nothing when no sample of from_ns is there. */
void fsc_hist_move(struct fsc_hist *h, int64_t from_ns, int64_t to_ns);
/* Adds every sample of src to dst (an "other" row of several hosts). */
void fsc_hist_merge(struct fsc_hist *dst, const struct fsc_hist *src);
/* The p-quantile (0 < p <= 1, to four decimals) in ns; 0 when empty. */
int64_t fsc_hist_percentile(const struct fsc_hist *h, double p);
/* Samples below `le_ns`, when le_ns is a bucket edge (cumulative count for
 * a Prometheus bucket); samples in buckets whose edge is <= le_ns. */
uint64_t fsc_hist_count_le(const struct fsc_hist *h, int64_t le_ns);

#endif
