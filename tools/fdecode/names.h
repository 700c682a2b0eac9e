/* names.h - fdecode's writers for the enrichment forms of fsc/enrich.h
 * (the lookups and the forms are the library's; the FILE is fdecode's). */
#ifndef FDECODE_NAMES_H
#define FDECODE_NAMES_H

#include <stdbool.h>
#include <stdio.h>

#include "fsc/enrich.h"

/* After the events: for each address printed while its name was pending
 * and named by now, a line "rdns ADDR NAME" (text) or an object
 * {"type":"rdns","addr":"...","addr_info":{...}} (JSON). */
void names_late(FILE *out, struct fsc_enrich *e, bool json);

#endif
