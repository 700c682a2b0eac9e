/* web.h - the HTTP and TLS side of --summary: hostnames (SNI, Host, ingress
 * targets) with their requests, status codes and latency percentiles, and
 * the mismatches between names that should agree. */
#ifndef FDECODE_WEB_H
#define FDECODE_WEB_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "fsc/pipeline.h"

struct web;

/* At most max_hosts names are kept (the rest counted). NULL: no memory. */
struct web *web_new(unsigned max_hosts);
void web_free(struct web *w);
/* Takes every stream event (others are ignored). */
void web_event(struct web *w, const struct fsc_event *ev);
void web_print(const struct web *w, FILE *out, bool json);
/* For "Unusual": names that disagreed, hosts not kept. */
uint64_t web_mismatches(const struct web *w);
uint64_t web_hosts_dropped(const struct web *w);

#endif
