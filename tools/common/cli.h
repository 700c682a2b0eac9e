/* cli.h - what every program's command line shares: numbers read one way
 * (fsc/num.h) with their range, and one wording for a bad value, naming
 * the option and what it takes:
 *
 *   fdecode: --max-flows: '0': out of range (1 to 67108864)
 *   fwatch: --speed: 'fast': not a number (0 to 1000000)
 *
 * Each function prints that one line on stderr itself and returns false;
 * the program returns its own usage exit status.
 */
#ifndef FSC_CLI_H
#define FSC_CLI_H

#include <stdbool.h>
#include <stdint.h>

bool fsc_cli_u64(const char *prog, const char *opt, const char *arg, uint64_t min,
		 uint64_t max, uint64_t *out);
bool fsc_cli_uint(const char *prog, const char *opt, const char *arg, unsigned min,
		  unsigned max, unsigned *out);
bool fsc_cli_double(const char *prog, const char *opt, const char *arg, double min,
		    double max, double *out);

/* "prog: what: 'arg': why" on stderr; returns status (the caller's usage
 * exit status), so that `return fsc_cli_bad(...)` ends a parse. */
int fsc_cli_bad(const char *prog, int status, const char *what, const char *arg,
		const char *why);

#endif
