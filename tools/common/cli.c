/* cli.c - numbers on command lines and the one wording of their errors
 * (cli.h). */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>

#include "fsc/num.h"

int fsc_cli_bad(const char *prog, int status, const char *what, const char *arg,
		const char *why)
{
	fprintf(stderr, "%s: %s: '%s': %s\n", prog, what, arg ? arg : "", why);
	return status;
}

bool fsc_cli_u64(const char *prog, const char *opt, const char *arg, uint64_t min,
		 uint64_t max, uint64_t *out)
{
	enum fsc_num_result r = fsc_num_parse(arg, min, max, out);
	char why[80];

	if (r == FSC_NUM_OK)
		return true;
	snprintf(why, sizeof(why), "%s (%" PRIu64 " to %" PRIu64 ")", fsc_num_why(r), min, max);
	fsc_cli_bad(prog, 0, opt, arg, why);
	return false;
}

bool fsc_cli_uint(const char *prog, const char *opt, const char *arg, unsigned min,
		  unsigned max, unsigned *out)
{
	uint64_t v;

	if (!fsc_cli_u64(prog, opt, arg, min, max, &v))
		return false;
	*out = (unsigned)v;
	return true;
}

/* A bound as a person writes it: 1000000, 0.01 (never 1e+06). */
static const char *bound(double v, char *buf, size_t cap)
{
	snprintf(buf, cap, v < 1e15 && v > -1e15 && v == (double)(int64_t)v ? "%.0f" : "%.6g", v);
	return buf;
}

bool fsc_cli_double(const char *prog, const char *opt, const char *arg, double min,
		    double max, double *out)
{
	enum fsc_num_result r = fsc_num_parse_double(arg, min, max, out);
	char why[96], lo[32], hi[32];

	if (r == FSC_NUM_OK)
		return true;
	snprintf(why, sizeof(why), "%s (%s to %s)", fsc_num_why(r), bound(min, lo, sizeof(lo)),
		 bound(max, hi, sizeof(hi)));
	fsc_cli_bad(prog, 0, opt, arg, why);
	return false;
}
