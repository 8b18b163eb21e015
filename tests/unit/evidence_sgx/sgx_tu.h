/* Helpers shared by the src/evidence/sgx unit tests: vector files, the Intel roots and
 * normalized collateral from ../shared/vectors. */
#ifndef ATT_TEST_SGX_TU_H
#define ATT_TEST_SGX_TU_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/dcap.h"
#include "core/codec.h"
#include "core/timeutil.h"
#include "evidence/sgx/quote.h"

/* Both Intel SGX root issuances (owned by the caller: free with tu_free_roots). */
static inline void tu_load_roots(att__cert *roots[2])
{
    const char *files[2] = {"vectors/intel-root/Intel_SGX_RootCA.pem",
                            "vectors/intel-root/Intel_SGX_RootCA_notAfter2033.pem"};
    for (int i = 0; i < 2; i++) {
        size_t n;
        uint8_t *pem = tu_read_file(tu_shared_path(files[i]), &n);
        roots[i] = NULL;
        assert_int_equal(att__cert_from_pem((const char *)pem, n, &roots[i]), ATT_OK);
        free(pem);
    }
}

static inline void tu_free_roots(att__cert *roots[2])
{
    att__cert_free(roots[0]);
    att__cert_free(roots[1]);
}

/* Loads normalized collateral vectors/<rel>; fails the test when it does not load. */
static inline att__dcap_collateral *tu_load_collateral(const char *rel, att__cert *roots[2])
{
    char path[512];
    snprintf(path, sizeof(path), "vectors/%s", rel);
    size_t n;
    uint8_t *json = tu_read_file(tu_shared_path(path), &n);
    att__dcap_collateral *c = NULL;
    att_diag d;
    att_diag_clear(&d);
    int rc = att__dcap_collateral_load_json((const char *)json, n, (const att__cert *const *)roots,
                                            2, &c, &d);
    free(json);
    if (rc != ATT_OK)
        fail_msg("collateral %s: %s (%s)", rel, d.message, d.reason);
    return c;
}

/* Reads vectors/<rel> and returns a malloc'd copy of its bytes from `offset` on. */
static inline uint8_t *tu_read_quote(const char *rel, size_t offset, size_t *n)
{
    char path[512];
    snprintf(path, sizeof(path), "vectors/%s", rel);
    size_t len;
    uint8_t *raw = tu_read_file(tu_shared_path(path), &len);
    assert_true(offset <= len);
    uint8_t *q = malloc(len - offset + 1);
    assert_non_null(q);
    memcpy(q, raw + offset, len - offset);
    free(raw);
    *n = len - offset;
    return q;
}

/* Asserts that n bytes at p are the lowercase hex string want. */
static inline void tu_assert_hex(const uint8_t *p, size_t n, const char *want, const char *what)
{
    char *h = att__hex_encode_alloc(p, n, 0);
    assert_non_null(h);
    if (strcmp(h, want) != 0)
        fail_msg("%s: got %s, expected %s", what, h, want);
    free(h);
}

#endif
