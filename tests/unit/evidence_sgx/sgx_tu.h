/* Helpers shared by the src/evidence/sgx unit tests: vector files, the Intel roots and
 * normalized collateral from ../shared/vectors. */
#ifndef ATT_TEST_SGX_TU_H
#define ATT_TEST_SGX_TU_H

#include "testutil.h"
#include "../collateral/collateral_tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/dcap.h"
#include "core/codec.h"
#include "core/timeutil.h"
#include "evidence/sgx/quote.h"

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
