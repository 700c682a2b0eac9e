/* num.h - decimal numbers typed by people (option values, ports in config
 * files), read one way everywhere, with the range they must fall in. No
 * locale, no sign, no spaces, no hex or octal: "0x10", "+5", " 5", "5k"
 * and "" are not numbers. Pure: the programs word and print the errors
 * (tools/common/cli.h: "prog: --opt: 'value': out of range (1 to 64)").
 */
#ifndef FSC_NUM_H
#define FSC_NUM_H

#include <stddef.h>
#include <stdint.h>

enum fsc_num_result {
	FSC_NUM_OK = 0,
	FSC_NUM_NOT_NUMBER,	/* not digits only (or, for doubles, a decimal) */
	FSC_NUM_RANGE,		/* a number, outside [min, max] (overflow too) */
};

/* s as an unsigned decimal integer in [min, max]; *out set only on OK. */
enum fsc_num_result fsc_num_parse(const char *s, uint64_t min, uint64_t max, uint64_t *out);
/* The same over s[0..n) (a port after a colon, a field of a line). */
enum fsc_num_result fsc_num_parse_n(const char *s, size_t n, uint64_t min, uint64_t max,
				    uint64_t *out);

/* s as a plain decimal (digits, at most one '.', digits on one side at
 * least: "2", "0.5", ".5", "2."; no exponent, inf or nan) in [min, max]. */
enum fsc_num_result fsc_num_parse_double(const char *s, double min, double max, double *out);

/* "not a number", "out of range"; "" for OK. */
const char *fsc_num_why(enum fsc_num_result r);

#endif
