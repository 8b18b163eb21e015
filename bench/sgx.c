/* bench_sgx: in-process cost of DCAP SGX quote verification (src/evidence/sgx) against the
 * crypto bound measured in the same run. Uses a real quote and its collateral from the
 * shared vectors (ATT_SHARED_DIR, default ../shared): parse + full verification at the
 * vector's verification time, with the collateral loaded and verified once beforehand, as
 * the service holds it. The crypto bound of one attestation is 2 ECDSA P-256 verifies
 * (QE report, quote) + 1 RSA-2048 PKCS#1 sign (the token), timed here with the same keys
 * sizes. Single thread: figures are per core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_sgx"
#include "bench.h"
#include "collateral/dcap.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"
#include "evidence/sgx/quote.h"

/* State shared by the timed operations. */
static struct {
    const uint8_t *quote;
    size_t qn;
    const att__dcap_collateral *col;
    const att__cert *const *anchors;
    int64_t at;
    const att__quote *q;
    const att__pkey *ak, *rsa;
} B;

static void op_verify(void)
{
    att__quote qq;
    att__quote_result rr;
    att_diag dd;
    att_diag_clear(&dd);
    if (att__quote_parse(B.quote, B.qn, &qq, &dd) != ATT_OK ||
        att__quote_verify(&qq, B.col, B.anchors, 1, B.at, &rr, &dd) != ATT_OK)
        bench_die("verify", &dd);
}

static void op_ecdsa(void)
{
    if (att__ecdsa_verify_raw(B.ak, ATT_HASH_SHA256, B.q->signed_region, B.q->signed_len,
                              B.q->signature, 64) != ATT_OK)
        bench_die("ecdsa", NULL);
}

static void op_rsa(void)
{
    uint8_t *sig;
    size_t sl;
    if (att__rsa_pkcs1_sign(B.rsa, ATT_HASH_SHA256, "header.payload", 14, &sig, &sl) != ATT_OK)
        bench_die("rsa sign", NULL);
    free(sig);
}

/* Runs op for about secs seconds; returns operations per second. */

int main(int argc, char **argv)
{
    const char *shared = getenv("ATT_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
    att_diag d;
    att_diag_clear(&d);

    size_t n;
    char *root_pem = bench_read_file(shared, "vectors/intel-root/Intel_SGX_RootCA.pem", &n);
    att__cert *root;
    if (att__cert_from_pem(root_pem, n, &root) != ATT_OK)
        bench_die("Intel root", NULL);
    const att__cert *anchors[] = {root};
    char *coll_json =
        bench_read_file(shared, "vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json", &n);
    att__dcap_collateral *col;
    if (att__dcap_collateral_load_json(coll_json, n, anchors, 1, &col, &d) != ATT_OK)
        bench_die("collateral", &d);
    size_t qn;
    uint8_t *quote =
        (uint8_t *)bench_read_file(shared, "vectors/sgx-v3/phala-dcap-qvl/sgx_quote.bin", &qn);
    int64_t at;
    att__time_parse("2025-06-20T00:00:00Z", &at);

    /* One verification first: it must succeed for the figures to mean anything. */
    att__quote q;
    att__quote_result r;
    if (att__quote_parse(quote, qn, &q, &d) != ATT_OK ||
        att__quote_verify(&q, col, anchors, 1, at, &r, &d) != ATT_OK)
        bench_die("verify", &d);

    B.quote = quote;
    B.qn = qn;
    B.col = col;
    B.anchors = anchors;
    B.at = at;
    B.q = &q;
    double verify_rate = bench_rate(secs, 16, op_verify);

    /* The crypto bound: the two P-256 verifications of this very quote, and an RSA-2048 sign. */
    att__pkey *ak = NULL;
    if (att__pkey_ec_from_raw(ATT_KEY_EC_P256, q.attest_key, 64, &ak) != ATT_OK)
        bench_die("attestation key", NULL);
    B.ak = ak;
    double ecdsa_rate = bench_rate(secs, 16, op_ecdsa);
    att__pkey *rsa;
    if (att__rsa_generate(2048, &rsa) != ATT_OK)
        bench_die("rsa keygen", NULL);
    B.rsa = rsa;
    double rsa_rate = bench_rate(secs, 16, op_rsa);
    double bound = 1.0 / (2.0 / ecdsa_rate + 1.0 / rsa_rate);
    double verify_bound = ecdsa_rate / 2.0;

    printf("bench_sgx (one core): quote sgx-v3/phala-dcap-qvl, status %s\n",
           att__tcb_status_name(r.status));
    printf("  ECDSA P-256 verify      %9.0f /s\n", ecdsa_rate);
    printf("  RSA-2048 sign           %9.0f /s\n", rsa_rate);
    printf("  quote parse+verify      %9.0f /s   (%.1f%% of the 2-verify bound %.0f/s)\n",
           verify_rate, 100.0 * verify_rate / verify_bound, verify_bound);
    printf("  attestation crypto bound %8.0f /s   (2 ECDSA verifies + 1 RSA sign per request)\n",
           bound);
    att__pkey_free(rsa);
    att__pkey_free(ak);
    att__dcap_unref(col);
    att__cert_free(root);
    free(quote);
    free(coll_json);
    free(root_pem);
    return 0;
}
