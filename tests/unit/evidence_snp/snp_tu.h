/* Helpers shared by the src/evidence/snp unit tests: vector files and certificate chains
 * from ../shared/vectors. */
#ifndef ATT_TEST_SNP_TU_H
#define ATT_TEST_SNP_TU_H

#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "evidence/snp/snp.h"

/* vectors/<rel> as bytes (malloc'd). */
static inline uint8_t *snp_tu_read(const char *rel, size_t *n)
{
    char path[512];
    snprintf(path, sizeof(path), "vectors/%s", rel);
    return tu_read_file(tu_shared_path(path), n);
}

/* Appends every certificate of vectors/<rel> (DER or PEM bundle) to certs[*n]. */
static inline void snp_tu_certs(const char *rel, att__cert **certs, size_t *n, size_t cap)
{
    char path[512];
    snprintf(path, sizeof(path), "vectors/%s", rel);
    att__cert **got = NULL;
    size_t k = 0;
    assert_int_equal(att__certs_read_file(tu_shared_path(path), &got, &k), ATT_OK);
    for (size_t i = 0; i < k; i++) {
        assert_true(*n < cap);
        certs[(*n)++] = got[i];
        got[i] = NULL;
    }
    att__certs_free(got, k);
}

static inline void snp_tu_certs_free(att__cert **certs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        att__cert_free(certs[i]);
}

/* Verifies the report at vectors/<report> with the certificates of the listed files at
 * time `at`; d gets the diagnostics. */
static inline int snp_tu_verify(const uint8_t *rep, size_t n, const char *const *files,
                                size_t nfiles, int64_t at, att__snp_result *res, att_diag *d)
{
    att__cert *certs[16];
    size_t nc = 0;
    for (size_t i = 0; i < nfiles; i++)
        snp_tu_certs(files[i], certs, &nc, 16);
    att__snp_report r;
    att_diag_clear(d);
    int rc = att__snp_report_parse(rep, n, &r, d);
    if (rc == ATT_OK) {
        att__snp_verify_opts o = {
            .chain = (const att__cert *const *)certs, .n_chain = nc, .at = at};
        rc = att__snp_verify(&r, &o, res, d);
    }
    snp_tu_certs_free(certs, nc);
    return rc;
}

#endif
