/* Prometheus metrics: requests and latency histograms per route, errors by MAA code.
 * Lock-free: fixed arrays of relaxed atomic counters, rendered on /metrics. */
#ifndef ATT_SERVER_METRICS_H
#define ATT_SERVER_METRICS_H

#include <stdint.h>

#include "core/buf.h"

/* Routes known to the metrics (label "route"). */
typedef enum att__route_id {
    ATT_ROUTE_UNKNOWN = 0,
    ATT_ROUTE_CERTS,
    ATT_ROUTE_OPENID,
    ATT_ROUTE_POLICY_GET,
    ATT_ROUTE_POLICY_SET,
    ATT_ROUTE_POLICY_RESET,
    ATT_ROUTE_ATTEST,
    ATT_ROUTE_HEALTHZ,
    ATT_ROUTE_READYZ,
    ATT_ROUTE_METRICS,
    ATT_ROUTE_TCB_BASELINES,
    ATT_ROUTE_COUNT
} att__route_id;

const char *att__route_name(att__route_id r);

/* Records one finished request. status is the HTTP status, error_code the MAA error code
 * (NULL on success). */
void att__metrics_record(att__route_id route, int status, const char *error_code,
                         uint64_t duration_ns);

/* Appends the Prometheus text exposition to b. */
int att__metrics_render(att__buf *b);

/* Test hook: zeroes every counter. */
void att__metrics_reset(void);

#endif
