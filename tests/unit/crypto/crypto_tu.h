/* Helpers shared by the src/crypto unit tests: certificates and their keys read from
 * vector files under ../shared. Kept here rather than in testutil.c because every unit test
 * links testutil.c, and most of them do not link src/crypto. */
#ifndef ATT_TEST_CRYPTO_TU_H
#define ATT_TEST_CRYPTO_TU_H

#include "testutil.h"

#include "attest/error.h"
#include "crypto/crypto.h"

/* The certificate (DER or PEM) in a file under the shared directory (caller frees with
 * att__cert_free). Fails the test, naming the file and the error, when it does not load. */
static inline att__cert *tu_load_cert(const char *rel)
{
    att__cert *c = NULL;
    int rc = att__cert_read_file(tu_shared_path(rel), &c);
    if (rc != ATT_OK)
        fail_msg("%s: %d", rel, rc);
    return c;
}

/* The public key of the certificate in a file under the shared directory (caller frees with
 * att__pkey_free). Fails the test when either step fails. */
static inline att__pkey *tu_cert_key(const char *rel)
{
    att__cert *c = NULL;
    assert_int_equal(att__cert_read_file(tu_shared_path(rel), &c), ATT_OK);
    att__pkey *k = NULL;
    assert_int_equal(att__cert_pubkey(c, &k), ATT_OK);
    att__cert_free(c);
    return k;
}

#endif
