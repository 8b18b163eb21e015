/* Fetching DCAP collateral from an Intel PCS API v4 compatible service (Intel PCS or a
 * PCCS) over HTTP(S), with an on-disk cache of PCS bundle directories that
 * att__dcap_store_load can read (docs/internals/collateral.md, "Fetching and the cache").
 *
 * A fetcher answers "the verified collateral set of (FMSPC, TEE, PCK CA) valid at time T"
 * from memory, else from its cache directory, else from the network. Everything it hands
 * out was loaded through the ordinary loader (signatures, chains, CRLs against the
 * configured anchors); a response that fails verification never replaces a cached set.
 * Concurrent callers asking for the same platform share one fetch. Thread-safe. */
#ifndef ATT_COLLATERAL_FETCH_H
#define ATT_COLLATERAL_FETCH_H

#include <stdint.h>

#include "collateral/dcap.h"

/* Intel's root CA CRL; PCS does not serve it under its API base URL. */
#define ATT_PCS_DEFAULT_ROOT_CRL_URL                                                               \
    "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der"

/* Configuration of a fetcher. Fill it with att__pcs_config_init, then set the URLs and
 * the cache directory; the strings are copied by att__pcs_fetcher_new. */
typedef struct att__pcs_config {
    /* The service: its root ("https://api.trustedservices.intel.com",
     * "https://pccs.example:8081") or its SGX v4 base (".../sgx/certification/v4"), from
     * which the root is derived. Requests go to <root>/sgx/certification/v4/... and, for
     * TDX TCB info and QE identity, <root>/tdx/certification/v4/.... Required. */
    const char *base_url;
    /* The root CA CRL (DER, PEM or hex). NULL: ATT_PCS_DEFAULT_ROOT_CRL_URL. A PCCS serves
     * it as <root>/sgx/certification/v4/rootcacrl. */
    const char *root_crl_url;
    /* Directory of cached bundles (created, mode 0700, when missing; its parent must
     * exist). Required. */
    const char *cache_dir;
    /* Seconds after which a set valid at the requested time is fetched again (a newer TCB
     * evaluation number may have been published); until then it is served without a
     * request. Default 86400. */
    int64_t refresh_s;
    /* Minimum seconds between two network fetches of the same platform, successful or
     * not (politeness; a failing upstream is not hammered). Default 60. */
    int64_t min_interval_s;
    /* Per HTTP request; defaults ATT_PCS_CONNECT_TIMEOUT_MS / ATT_PCS_TOTAL_TIMEOUT_MS. */
    long connect_timeout_ms, total_timeout_ms;
} att__pcs_config;

/* Counters since the fetcher was made (for tests and metrics). */
typedef struct att__pcs_stats {
    uint64_t memory_hits;    /* answered from memory, no I/O */
    uint64_t disk_loads;     /* sets loaded from the cache directory */
    uint64_t fetches;        /* network fetches started (4 requests each) */
    uint64_t fetch_failures; /* ... that failed (network, HTTP, size, verification) */
    uint64_t stale_served;   /* answers from a cached set after a failed refresh */
} att__pcs_stats;

typedef struct att__pcs_fetcher att__pcs_fetcher;

/* Fills *cfg with the defaults above (NULL URLs and directory). */
void att__pcs_config_init(att__pcs_config *cfg);

/* Makes a fetcher. anchors (n_anchors >= 1, e.g. both Intel root issuances) are borrowed
 * and must outlive the fetcher. Initialises libcurl globally once per process. *out is the
 * caller's (att__pcs_fetcher_free). Fails on missing/overlong arguments or when the cache
 * directory cannot be created. No network I/O. */
int att__pcs_fetcher_new(const att__pcs_config *cfg, const att__cert *const *anchors,
                         size_t n_anchors, att__pcs_fetcher **out, att_diag *d);

/* The verified collateral of platform (fmspc, tee, ca) whose validity window contains `at`
 * (the verification time, epoch seconds). *out gets a new reference (the caller
 * att__dcap_unref's it). In order:
 *  - memory: the current set, when its window contains `at` and it is younger than
 *    refresh_s (no I/O);
 *  - the cache directory, once per platform per fetcher (on start-up after a restart);
 *  - the network, at most once per min_interval_s per platform: the 4 responses are
 *    written to a temporary bundle, loaded and verified, checked to be for this platform
 *    and not older (TCB evaluation number, then window end) than the current set, and only
 *    then renamed over the cached bundle and made current.
 * When the refresh fails (network, HTTP status, size caps, verification) the current set is
 * still served while its window contains `at` (logged as a warning). Errors: the fetch's
 * (ATT_EIO naming the URL, ATT_ELIMIT for oversize responses, ATT_ENOTFOUND for HTTP 404,
 * the loader's code for a bad response, ATT_EMISMATCH for a set of another platform or an
 * older one than the current set: rollback), or ATT_EEXPIRED when a set is cached but does not
 * cover `at` and nothing better could be fetched; *out is NULL on error. Concurrent calls
 * for the same platform wait for one fetch (bounded by the timeouts). */
int att__pcs_fetch(att__pcs_fetcher *f, const uint8_t fmspc[6], att__tee_type tee, att__pck_ca ca,
                   int64_t at, att__dcap_collateral **out, att_diag *d);

/* A snapshot of the counters. */
void att__pcs_fetcher_stats(att__pcs_fetcher *f, att__pcs_stats *out);

/* Frees f and its references (sets handed out stay valid until unref'd). No call on f may
 * be in progress. NULL is a no-op. */
void att__pcs_fetcher_free(att__pcs_fetcher *f);

#endif
