/* Fetching AMD SEV-SNP certificates from an AMD Key Distribution Service (KDS) compatible
 * server with libcurl (reference/hw-evidence.md §3.2): the VCEK of a chip at a TCB, and a
 * product's ASK+ARK chain. Responses are kept in memory and in an on-disk cache directory
 * (one file per URL, written atomically), so a restart does not fetch again; network
 * requests are spaced at least min_interval_ms apart for the whole process-wide fetcher
 * (KDS answers 429 to eager clients), and concurrent callers asking for the same URL share
 * one request. This module only moves bytes: the caller (src/evidence/snp) verifies what
 * it gets before trusting it, and a certificate once cached never changes (a VCEK URL names
 * the chip and TCB it certifies). Thread-safe. docs/internals/evidence-snp.md. */
#ifndef ATT_COLLATERAL_KDS_H
#define ATT_COLLATERAL_KDS_H

#include <stddef.h>
#include <stdint.h>

#include "attest/error.h"

#define ATT_KDS_DEFAULT_URL "https://kdsintf.amd.com"

typedef struct att__kds_config {
    /* Service root ("https://kdsintf.amd.com"); requests go to <root>/vcek/v1/<product>/...
     * Required. */
    const char *base_url;
    /* Directory for cached responses (created, mode 0700, when missing); NULL = memory only. */
    const char *cache_dir;
    /* Minimum milliseconds between two network requests; 0 = ATT_KDS_MIN_INTERVAL_MS. */
    int64_t min_interval_ms;
    /* Longest wait for a request's turn before ATT_EBUSY; 0 = ATT_KDS_MAX_WAIT_MS. */
    int64_t max_wait_ms;
    /* Per request; 0 = ATT_PCS_CONNECT_TIMEOUT_MS / ATT_PCS_TOTAL_TIMEOUT_MS. */
    long connect_timeout_ms, total_timeout_ms;
} att__kds_config;

/* The SPLs of the VCEK wanted (REPORTED_TCB of the report). */
typedef struct att__kds_tcb {
    uint8_t bl, tee, snp, ucode, fmc;
    int has_fmc; /* Turin: fmcSPL is part of the URL */
} att__kds_tcb;

typedef struct att__kds_stats {
    uint64_t disk_hits, fetches, fetch_failures;
} att__kds_stats;

typedef struct att__kds att__kds;

/* Makes a fetcher (strings copied; no network I/O). *out is the caller's (att__kds_free). */
int att__kds_new(const att__kds_config *cfg, att__kds **out, att_diag *d);
void att__kds_free(att__kds *k);

/* The VCEK (DER, malloc'd into *der; caller frees) of product ("Milan", "Genoa", "Turin")
 * for hwid (64 bytes, Turin 8, sent as lowercase hex) at tcb. Memory, then disk cache, then
 * GET <root>/vcek/v1/<product>/<hwid>?blSPL=..&teeSPL=..&snpSPL=..&ucodeSPL=..[&fmcSPL=..].
 * Errors name the URL: ATT_EIO (network, HTTP status), ATT_ENOTFOUND (404), ATT_ELIMIT,
 * ATT_EPARSE (not a DER certificate); a failure is remembered for ATT_KDS_NEGATIVE_TTL_S
 * and returned again without a request; ATT_EBUSY when the request would wait more than
 * max_wait_ms for its turn. */
int att__kds_vcek(att__kds *k, const char *product, const uint8_t *hwid, size_t hwid_len,
                  const att__kds_tcb *tcb, uint8_t **der, size_t *n, att_diag *d);

/* The ASK and ARK of product as PEM (GET <root>/vcek/v1/<product>/cert_chain), malloc'd and
 * NUL-terminated; caller frees. */
int att__kds_cert_chain(att__kds *k, const char *product, char **pem, size_t *n, att_diag *d);

void att__kds_stats_get(att__kds *k, att__kds_stats *out);

#endif
