/* Helpers shared by the unit tests of src/collateral and of what stands on it (the
 * evidence verifiers): the Intel roots and the normalized collateral of ../shared/vectors. */
#ifndef ATT_TEST_COLLATERAL_TU_H
#define ATT_TEST_COLLATERAL_TU_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>

#include "collateral/dcap.h"

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

/* Reads vectors/normalized-collateral/<name> (malloc'd, NUL-terminated; caller frees). */
static inline char *tu_read_norm(const char *name, size_t *n)
{
    char rel[256];
    snprintf(rel, sizeof(rel), "vectors/normalized-collateral/%s", name);
    return (char *)tu_read_file(tu_shared_path(rel), n);
}

#endif
