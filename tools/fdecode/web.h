/* web.h - the HTTP and TLS side of --summary, rendered from the one
 * aggregation (fsc/agg.h): hostnames (SNI, Host, ingress targets) with
 * their requests, status codes and latency percentiles, and the status
 * codes of every response. */
#ifndef FDECODE_WEB_H
#define FDECODE_WEB_H

#include <stdbool.h>
#include <stdio.h>

#include "fsc/agg.h"

void web_print(const struct fsc_agg *a, FILE *out, bool json);

#endif
