/* Helpers shared by the src/evidence/oe unit tests: the OE vectors, a collateral store of
 * the 2022 Open Enclave collateral, and builders of custom-claims buffers and attestation
 * headers. */
#ifndef ATT_TEST_OE_TU_H
#define ATT_TEST_OE_TU_H

#include "evidence_sgx/sgx_tu.h"

#include "evidence/oe/oe.h"

#define OE_DEBUG_REPORT    "oe/azure-sdk-cpp-maa/oe_report_remote_debug.bin"
#define OE_NONDEBUG_REPORT "oe/azure-sdk-cpp-maa/oe_report_remote_nondebug.bin"
#define OE_PLUGIN_EVIDENCE "sgx-v3/openenclave-plugin/sgx_ecdsa_quote.bin"
#define OE_BAD_REPORT      "sgx-v3/openenclave-negative/sgx_report_bad.bin"
#define OE_COLLATERAL      "vectors/normalized-collateral/sgx-v3_openenclave-plugin.json"
#define OE_AT              1651363200 /* 2022-05-01T00:00:00Z */

/* The store of the OE 2022 collateral, verified against both Intel roots (caller frees
 * with att__dcap_store_free). */
static inline att__dcap_store *oe_tu_store(att__cert *roots[2])
{
    att__dcap_store *s = NULL;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__dcap_store_load(tu_shared_path(OE_COLLATERAL), (const att__cert *const *)roots, 2,
                                  &s, &d);
    if (rc != ATT_OK)
        fail_msg("store: %s (%s)", d.message, d.reason);
    return s;
}

static inline void oe_tu_put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Appends n bytes to a malloc'd buffer (*buf, *len); aborts the test on failure. */
static inline void oe_tu_append(uint8_t **buf, size_t *len, const void *p, size_t n)
{
    uint8_t *nb = realloc(*buf, *len + n + 1);
    assert_non_null(nb);
    if (n)
        memcpy(nb + *len, p, n);
    *buf = nb;
    *len += n;
}

/* A custom-claims buffer of version 1 with the given NUL-free names and values. */
static inline uint8_t *oe_tu_claims(size_t n, const char *const *names, const char *const *values,
                                    size_t *len)
{
    uint8_t *b = NULL, h[16];
    *len = 0;
    oe_tu_put64(h, 1);
    oe_tu_put64(h + 8, n);
    oe_tu_append(&b, len, h, 16);
    for (size_t i = 0; i < n; i++) {
        oe_tu_put64(h, strlen(names[i]) + 1);
        oe_tu_put64(h + 8, strlen(values[i]));
        oe_tu_append(&b, len, h, 16);
        oe_tu_append(&b, len, names[i], strlen(names[i]) + 1);
        oe_tu_append(&b, len, values[i], strlen(values[i]));
    }
    return b;
}

/* An oe_attestation_header (version 3, uuid, data_size = n) followed by data. */
static inline uint8_t *oe_tu_wrap(const uint8_t uuid[16], const uint8_t *data, size_t n,
                                  size_t *len)
{
    uint8_t *b = NULL, h[28];
    *len = 0;
    h[0] = 3, h[1] = h[2] = h[3] = 0;
    memcpy(h + 4, uuid, 16);
    oe_tu_put64(h + 20, n);
    oe_tu_append(&b, len, h, 28);
    oe_tu_append(&b, len, data, n);
    return b;
}

#endif
