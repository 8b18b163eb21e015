/* Prometheus metrics (metrics.h). */
#include "server/metrics.h"

#include <stdatomic.h>
#include <string.h>

#include "attest/error.h"

static const char *const route_names[ATT_ROUTE_COUNT] = {
    "unknown", "certs",   "openid", "policy_get", "policy_set",   "policy_reset",
    "attest",  "healthz", "readyz", "metrics",    "tcbbaselines",
};

/* Histogram upper bounds in seconds (expressed in ns for comparison). */
static const uint64_t bucket_ns[] = {
    250000,   500000,    1000000,   2500000,   5000000,    10000000,   25000000,
    50000000, 100000000, 250000000, 500000000, 1000000000, 2500000000, 10000000000u,
};
#define NBUCKETS (sizeof(bucket_ns) / sizeof(bucket_ns[0]))

/* Status classes kept per route: 2xx, 4xx, 5xx, other. */
enum { CLASS_2XX, CLASS_4XX, CLASS_5XX, CLASS_OTHER, NCLASS };
static const char *const class_names[NCLASS] = {"2xx", "4xx", "5xx", "other"};

/* MAA error codes counted individually; anything else is "other". */
static const char *const error_codes[] = {
    "InvalidParameter",
    "PolicyEvaluationError",
    "PolicyParsingError",
    "InvalidOperation",
    "Unauthorized",
    "NotFound",
    "MethodNotAllowed",
    "PayloadTooLarge",
    "NotImplemented",
    "TooManyRequests",
    "ServiceUnavailable",
    "InternalError",
    "other",
};
#define NCODES (sizeof(error_codes) / sizeof(error_codes[0]))

static struct {
    atomic_uint_fast64_t requests[ATT_ROUTE_COUNT][NCLASS];
    atomic_uint_fast64_t buckets[ATT_ROUTE_COUNT][NBUCKETS + 1]; /* last: +Inf */
    atomic_uint_fast64_t sum_ns[ATT_ROUTE_COUNT];
    atomic_uint_fast64_t errors[ATT_ROUTE_COUNT][NCODES];
} m;

const char *att__route_name(att__route_id r)
{
    return (unsigned)r < ATT_ROUTE_COUNT ? route_names[r] : "unknown";
}

void att__metrics_record(att__route_id route, int status, const char *error_code,
                         uint64_t duration_ns)
{
    if ((unsigned)route >= ATT_ROUTE_COUNT)
        route = ATT_ROUTE_UNKNOWN;
    int cls = status >= 200 && status < 300   ? CLASS_2XX
              : status >= 400 && status < 500 ? CLASS_4XX
              : status >= 500 && status < 600 ? CLASS_5XX
                                              : CLASS_OTHER;
    atomic_fetch_add_explicit(&m.requests[route][cls], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < NBUCKETS && duration_ns > bucket_ns[b])
        b++;
    atomic_fetch_add_explicit(&m.buckets[route][b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m.sum_ns[route], duration_ns, memory_order_relaxed);
    if (error_code) {
        size_t c = 0;
        while (c < NCODES - 1 && strcmp(error_codes[c], error_code) != 0)
            c++;
        atomic_fetch_add_explicit(&m.errors[route][c], 1, memory_order_relaxed);
    }
}

static uint64_t ld(atomic_uint_fast64_t *p)
{
    return atomic_load_explicit(p, memory_order_relaxed);
}

int att__metrics_render(att__buf *b)
{
    int rc = att__buf_appends(b, "# HELP attestd_http_requests_total HTTP requests by route "
                                 "and status class.\n"
                                 "# TYPE attestd_http_requests_total counter\n");
    for (int r = 0; r < ATT_ROUTE_COUNT && rc == ATT_OK; r++)
        for (int c = 0; c < NCLASS && rc == ATT_OK; c++)
            rc = att__buf_appendf(
                b, "attestd_http_requests_total{route=\"%s\",status=\"%s\"} %llu\n", route_names[r],
                class_names[c], (unsigned long long)ld(&m.requests[r][c]));
    if (rc == ATT_OK)
        rc = att__buf_appends(b, "# HELP attestd_http_request_duration_seconds Request latency "
                                 "from first byte to response queued.\n"
                                 "# TYPE attestd_http_request_duration_seconds histogram\n");
    for (int r = 0; r < ATT_ROUTE_COUNT && rc == ATT_OK; r++) {
        uint64_t cum = 0;
        for (size_t i = 0; i <= NBUCKETS && rc == ATT_OK; i++) {
            cum += ld(&m.buckets[r][i]);
            if (i < NBUCKETS)
                rc = att__buf_appendf(
                    b,
                    "attestd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %llu\n",
                    route_names[r], (double)bucket_ns[i] / 1e9, (unsigned long long)cum);
            else
                rc = att__buf_appendf(
                    b,
                    "attestd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n"
                    "attestd_http_request_duration_seconds_sum{route=\"%s\"} %.9f\n"
                    "attestd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
                    route_names[r], (unsigned long long)cum, route_names[r],
                    (double)ld(&m.sum_ns[r]) / 1e9, route_names[r], (unsigned long long)cum);
        }
    }
    if (rc == ATT_OK)
        rc = att__buf_appends(b, "# HELP attestd_http_errors_total Error responses by route and "
                                 "MAA error code.\n"
                                 "# TYPE attestd_http_errors_total counter\n");
    for (int r = 0; r < ATT_ROUTE_COUNT && rc == ATT_OK; r++)
        for (size_t c = 0; c < NCODES && rc == ATT_OK; c++) {
            uint64_t v = ld(&m.errors[r][c]);
            if (v)
                rc = att__buf_appendf(b,
                                      "attestd_http_errors_total{route=\"%s\",code=\"%s\"} %llu\n",
                                      route_names[r], error_codes[c], (unsigned long long)v);
        }
    return rc;
}

void att__metrics_reset(void)
{
    memset(&m, 0, sizeof(m));
}
