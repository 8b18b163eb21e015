/* bench_snp: in-process cost of SEV-SNP report verification (src/evidence/snp) against the
 * crypto bound measured in the same run. Uses the Azure-Samples report and its VCEK chain
 * (PEM, as /attest/SevSnpVm receives it) from the shared vectors (ATT_SHARED_DIR, default
 * ../shared): parse + verification at the recorded token's time with the VCEK chain already
 * verified once (the verified-chain cache, as the service runs warm), and cold (cache cleared
 * each time: chain + PSS signatures again), in interleaved rounds (best of each). The crypto bound
 * of one attestation is one ECDSA P-384 verify (the report) + one RSA-2048 PKCS#1 sign (the token).
 * Single thread. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_snp"
#include "bench.h"
#include "crypto/crypto.h"
#include "evidence/snp/snp.h"

static struct {
    const uint8_t *rep;
    size_t rn;
    const char *chain;
    size_t cn;
    int64_t at;
    att__pkey *vcek, *rsa;
    const att__snp_report *r;
} B;

static void op_verify(void)
{
    att__snp_report r;
    att__snp_result res;
    att_diag d;
    att_diag_clear(&d);
    att__snp_verify_opts o = {.chain_bytes = B.chain, .chain_bytes_len = B.cn, .at = B.at};
    if (att__snp_report_parse(B.rep, B.rn, &r, &d) != ATT_OK ||
        att__snp_verify(&r, &o, &res, &d) != ATT_OK)
        bench_die("verify", &d);
}

static void op_cold(void)
{
    att__snp_cache_clear();
    op_verify();
}

static void op_ecdsa(void)
{
    if (att__ecdsa_verify_raw_le(B.vcek, ATT_HASH_SHA384, B.rep, ATT_SNP_SIGNED_SIZE, B.r->sig_r,
                                 B.r->sig_s, 72) != ATT_OK)
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

int main(int argc, char **argv)
{
    const char *shared = getenv("ATT_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
    att_diag d;
    att_diag_clear(&d);
    size_t rn, cn;
    char *rep = bench_read_file(shared, "vectors/maa/azure-samples/sevsnp/snp_report.bin", &rn);
    char *chain = bench_read_file(shared, "vectors/maa/azure-samples/sevsnp/vcek_chain.pem", &cn);
    B.rep = (const uint8_t *)rep;
    B.rn = rn;
    B.chain = chain;
    B.cn = cn;
    B.at = 1744085700; /* the recorded MAA token's iat */

    att__snp_report r;
    att__snp_result res;
    att__snp_verify_opts o = {.chain_bytes = chain, .chain_bytes_len = cn, .at = B.at};
    if (att__snp_report_parse(B.rep, rn, &r, &d) != ATT_OK || att__snp_verify(&r, &o, &res, &d))
        bench_die("verify", &d);
    B.r = &r;
    att__cert *vcek = NULL;
    if (att__cert_from_pem(chain, cn, &vcek) != ATT_OK || att__cert_pubkey(vcek, &B.vcek) != ATT_OK)
        bench_die("vcek", NULL);
    if (att__rsa_generate(2048, &B.rsa) != ATT_OK)
        bench_die("rsa keygen", NULL);
    /* Interleaved short rounds, best of each: on a shared host the load changes during the
     * run, and measuring one operation after the other would compare different loads. */
    double warm = 0, cold = 0, ecdsa = 0, rsa = 0;
    int rounds = secs < 1 ? 1 : (int)(secs * 2);
    for (int i = 0; i < rounds; i++) {
        double x;
        if ((x = bench_rate(0.25, 8, op_verify)) > warm)
            warm = x;
        if ((x = bench_rate(0.25, 8, op_ecdsa)) > ecdsa)
            ecdsa = x;
        if ((x = bench_rate(0.25, 8, op_rsa)) > rsa)
            rsa = x;
        if ((x = bench_rate(0.15, 8, op_cold)) > cold)
            cold = x;
    }
    att__snp_cache_clear();
    op_verify(); /* leaves the cache warm again */
    double bound = 1.0 / (1.0 / ecdsa + 1.0 / rsa);

    printf("bench_snp (one core): Azure-Samples Milan report v%u, VCEK chain PEM as sent\n",
           r.version);
    printf("  ECDSA P-384 verify      %9.0f /s\n", ecdsa);
    printf("  RSA-2048 sign           %9.0f /s\n", rsa);
    printf("  report verify (warm)    %9.0f /s   (%.1f%% of the 1-verify bound %.0f/s)\n", warm,
           100.0 * warm / ecdsa, ecdsa);
    printf("  report verify (cold)    %9.0f /s   (VCEK chain + PSS verified each time)\n", cold);
    printf("  attestation crypto bound %8.0f /s   (1 P-384 verify + 1 RSA sign per request)\n",
           bound);
    att__pkey_free(B.rsa);
    att__pkey_free(B.vcek);
    att__cert_free(vcek);
    free(rep);
    free(chain);
    return 0;
}
