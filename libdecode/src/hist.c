/* hist.c - quarter-octave latency buckets (see fsc/hist.h). Edges come
 * from integer shifts and four constants, not from log2(): a sample on an
 * edge lands in the same bucket on every machine and in every tool. */
#include "fsc/hist.h"

/* 2^(k/4) for k = 0..3 */
static const double quarter[4] = { 1.0, 1.189207115002721, 1.414213562373095,
				   1.681792830507429 };

int64_t fsc_hist_edge_ns(unsigned b)
{
	if (b >= FSC_HIST_BUCKETS)
		b = FSC_HIST_BUCKETS - 1;
	return (int64_t)((double)(1000ll << (b >> 2)) * quarter[b & 3]);
}

unsigned fsc_hist_bucket(int64_t ns)
{
	unsigned lo = 0, hi = FSC_HIST_BUCKETS - 1;

	/* The first bucket whose edge is above ns; the last one catches the
	 * rest. */
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;
		if (ns < fsc_hist_edge_ns(mid))
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

void fsc_hist_add(struct fsc_hist *h, int64_t ns)
{
	if (ns < 0)
		ns = 0;
	h->b[fsc_hist_bucket(ns)]++;
	h->n++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
}

void fsc_hist_move(struct fsc_hist *h, int64_t from_ns, int64_t to_ns)
{
	if (from_ns < 0)
		from_ns = 0;
	if (to_ns < 0)
		to_ns = 0;
	unsigned from = fsc_hist_bucket(from_ns);
	if (h->b[from] == 0)
		return;
	h->b[from]--;
	h->b[fsc_hist_bucket(to_ns)]++;
	h->sum_ns += to_ns - from_ns;
	if (to_ns > h->max_ns)
		h->max_ns = to_ns;
}

int64_t fsc_hist_percentile(const struct fsc_hist *h, double p)
{
	/* The rank in integers: p * n in floating point is 9.000000000000002
	 * for 0.9 * 10, which would round up to the 10th sample. */
	uint64_t per10k = p <= 0 ? 0 : p >= 1 ? 10000 : (uint64_t)(p * 10000 + 0.5);
	uint64_t want = (h->n * per10k + 9999) / 10000, sum = 0;

	if (h->n == 0)
		return 0;
	if (want == 0)
		want = 1;
	for (unsigned b = 0; b < FSC_HIST_BUCKETS; b++) {
		sum += h->b[b];
		if (sum >= want) {
			int64_t e = fsc_hist_edge_ns(b);
			return e < h->max_ns ? e : h->max_ns;
		}
	}
	return h->max_ns;
}

uint64_t fsc_hist_count_le(const struct fsc_hist *h, int64_t le_ns)
{
	uint64_t sum = 0;

	for (unsigned b = 0; b < FSC_HIST_BUCKETS - 1 && fsc_hist_edge_ns(b) <= le_ns; b++)
		sum += h->b[b];
	return sum;
}

void fsc_hist_merge(struct fsc_hist *dst, const struct fsc_hist *src)
{
	for (unsigned b = 0; b < FSC_HIST_BUCKETS; b++)
		dst->b[b] += src->b[b];
	dst->n += src->n;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
}
