/* bench_tpmquote: in-process cost of TPM quote verification (src/evidence/tpm) against the
 * crypto bound measured in the same run. Uses the real swtpm quote of the shared vectors
 * (ATT_SHARED_DIR, default ../shared): quotes/swtpm-ubuntu2104-ima, an RSA-2048 AK with
 * RSASSA-SHA256 over 24 PCRs in two banks (sha1 + sha256, PCRs 0-10,14) and a 20-byte nonce.
 * The AK public is parsed once beforehand, as the service holds an enrolled AK; each timed
 * verification parses the TPMS_ATTEST and TPMT_SIGNATURE, checks the AK attributes, the
 * signature, the nonce, the qualified signer and recomputes pcrDigest from the PCR values.
 * The crypto bound is one RSA-2048 PKCS#1 v1.5 verification of that same signature over the
 * same bytes. Rates are the best of 10 interleaved rounds. Single thread: figures are per
 * core. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME "bench_tpmquote"
#include "bench.h"
#include "core/codec.h"
#include "crypto/crypto.h"
#include "evidence/tpm/quote.h"

#define DIR "vectors/tpm/quotes/swtpm-ubuntu2104-ima/"

/* tpm2-tools "values" PCR file (host-endian C structs): TPML_PCR_SELECTION (u32 count +
 * 16 x {u16 hash, u8 sizeofSelect, u8 select[4], u8 pad}), u32 N, N x TPML_DIGEST (u32 count +
 * 8 x {u16 size, u8 buf[64]}); values in selection order. */
static void load_pcrs(const uint8_t *b, size_t n, att__tpm_pcrs *out)
{
    att__tpm_pcrs_init(out);
    if (n < 132 + 4)
        bench_die("quote.pcrs", NULL);
    uint32_t count, ndig;
    memcpy(&count, b, 4);
    memcpy(&ndig, b + 132, 4);
    if (count > 16 || (size_t)ndig > (n - 136) / 532)
        bench_die("quote.pcrs", NULL);
    size_t dig = 0, slot = 0;
    for (uint32_t s = 0; s < count; s++) {
        const uint8_t *e = b + 4 + 8 * s;
        uint16_t alg;
        memcpy(&alg, e, 2);
        for (unsigned i = 0; i < 24; i++) {
            if (!(e[3 + i / 8] & (1u << (i % 8))))
                continue;
            if (dig >= ndig)
                bench_die("quote.pcrs", NULL);
            const uint8_t *l = b + 136 + 532 * dig;
            uint16_t sz;
            memcpy(&sz, l + 4 + 66 * slot, 2);
            if (sz > 64 || att__tpm_pcrs_set(out, alg, i, l + 4 + 66 * slot + 2, sz) != ATT_OK)
                bench_die("quote.pcrs", NULL);
            if (++slot == 8) {
                slot = 0;
                dig++;
            }
        }
    }
}

static struct {
    const uint8_t *msg, *sig, *nonce;
    size_t mn, sn, nn;
    const att__tpm_public *ak;
    const att__tpm_pcrs *pcrs;
    const att__tpm_quote_opts *opts;
    const att__tpm_sig *parsed;
} B;

static void op_verify(void)
{
    att__tpm_quote_result r;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_quote_verify(B.msg, B.mn, B.sig, B.sn, B.ak, B.nonce, B.nn, B.pcrs, B.opts, &r,
                              &d) != ATT_OK)
        bench_die("verify", &d);
}

static void op_verify_nopcrs(void)
{
    att__tpm_quote_result r;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_quote_verify(B.msg, B.mn, B.sig, B.sn, B.ak, B.nonce, B.nn, NULL, B.opts, &r,
                              &d) != ATT_OK)
        bench_die("verify", &d);
}

static void op_rsa(void)
{
    if (att__rsa_pkcs1_verify(B.ak->key, ATT_HASH_SHA256, B.msg, B.mn, B.parsed->sig,
                              B.parsed->sig_len) != ATT_OK)
        bench_die("rsa verify", NULL);
}

int main(int argc, char **argv)
{
    setenv("TSS2_LOG", "all+NONE", 0);
    const char *shared = getenv("ATT_SHARED_DIR");
    if (!shared)
        shared = "../shared";
    double secs = argc > 1 ? strtod(argv[1], NULL) : 3.0;
    att_diag d;
    att_diag_clear(&d);

    size_t n, mn, sn, pn, nn;
    uint8_t *akb = bench_read_file(shared, DIR "ak.pub", &n);
    uint8_t *msg = bench_read_file(shared, DIR "quote.msg", &mn);
    uint8_t *sig = bench_read_file(shared, DIR "quote.sig", &sn);
    uint8_t *pcrf = bench_read_file(shared, DIR "quote.pcrs", &pn);
    char *nonce_hex = (char *)bench_read_file(shared, DIR "nonce.hex", &nn);
    while (nn && (nonce_hex[nn - 1] == '\n' || nonce_hex[nn - 1] == '\r'))
        nn--;
    uint8_t nonce[64];
    size_t nonce_len = 0;
    if (att__hex_decode(nonce_hex, nn, nonce, &nonce_len) != ATT_OK)
        bench_die("nonce.hex", NULL);

    att__tpm_public ak, ek;
    if (att__tpm_public_parse(akb, n, ATT_TPM_PUBLIC_AUTO, &ak, &d) != ATT_OK)
        bench_die("ak.pub", &d);
    size_t en;
    uint8_t *ekb = bench_read_file(shared, DIR "ek.pub", &en);
    if (att__tpm_public_parse(ekb, en, ATT_TPM_PUBLIC_AUTO, &ek, &d) != ATT_OK)
        bench_die("ek.pub", &d);
    /* the AK is a child of the EK: qualifiedSigner = QN(EK) || Name(AK) hashed */
    uint8_t h[4], ek_qn[ATT_TPM_NAME_MAX];
    size_t ek_qn_len;
    att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, h);
    if (att__tpm_qualified_name(ek.name_alg, h, 4, ek.name, ek.name_len, ek_qn, &ek_qn_len) !=
        ATT_OK)
        bench_die("QN(EK)", NULL);
    att__tpm_pcrs pcrs;
    load_pcrs(pcrf, pn, &pcrs);
    att__tpm_quote_opts o;
    memset(&o, 0, sizeof(o));
    o.signer_parent_qn = ek_qn;
    o.signer_parent_qn_len = ek_qn_len;
    o.require_safe = 1;

    att__tpm_quote_result r;
    if (att__tpm_quote_verify(msg, mn, sig, sn, &ak, nonce, nonce_len, &pcrs, &o, &r, &d) != ATT_OK)
        bench_die("verify", &d);
    if (!r.pcrs_checked || !r.signer_checked)
        bench_die("verify did not check PCRs and the signer", NULL);
    B.msg = msg;
    B.mn = mn;
    B.sig = sig;
    B.sn = sn;
    B.nonce = nonce;
    B.nn = nonce_len;
    B.ak = &ak;
    B.pcrs = &pcrs;
    B.opts = &o;
    B.parsed = &r.sig;
    /* The machine may be shared: measure in interleaved rounds and keep each operation's best
     * round, so that the bound and the verification see the same interference. */
    double v = 0, v0 = 0, rsa = 0;
    for (int round = 0; round < 10; round++) {
        double x = bench_rate(secs / 30, 16, op_rsa), y = bench_rate(secs / 30, 16, op_verify),
               z = bench_rate(secs / 30, 16, op_verify_nopcrs);
        rsa = x > rsa ? x : rsa;
        v = y > v ? y : v;
        v0 = z > v0 ? z : v0;
    }
    unsigned npcr = 0;
    for (size_t b = 0; b < pcrs.n_banks; b++)
        npcr += (unsigned)__builtin_popcount(pcrs.banks[b].mask);
    printf("bench_tpmquote (one core): quote swtpm-ubuntu2104-ima, RSA-2048 AK, RSASSA-SHA256, "
           "%u PCRs in %zu banks\n",
           npcr, pcrs.n_banks);
    printf("  RSA-2048 verify (bound)   %9.0f /s\n", rsa);
    printf("  quote verify + pcrDigest  %9.0f /s   (%.1f%% of the bound)\n", v, 100.0 * v / rsa);
    printf("  quote verify, no PCRs     %9.0f /s   (%.1f%% of the bound)\n", v0, 100.0 * v0 / rsa);
    att__tpm_public_clear(&ak);
    att__tpm_public_clear(&ek);
    free(akb);
    free(ekb);
    free(msg);
    free(sig);
    free(pcrf);
    free(nonce_hex);
    return 0;
}
