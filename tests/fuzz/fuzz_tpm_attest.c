/* libFuzzer target for the TPM quote parsers (src/evidence/tpm/quote.h): TPMS_ATTEST,
 * TPMT_SIGNATURE and TPMT_PUBLIC / TPM2B_PUBLIC through libtss2-mu and our checks.
 * The input is fed whole to each parser, and also split as
 *   u16be n1 || attest[n1] || u16be n2 || signature[n2] || public[rest]
 * (the seed corpus uses that layout) and, when all three parse, run through the full
 * verification with PCR values of zero for every selected PCR, and through the certify and
 * creation-proof checks. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evidence/tpm/quote.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("TSS2_LOG", "all+NONE", 1); /* libtss2-mu logs every malformed input to stderr */
    return 0;
}

static void whole(const uint8_t *data, size_t size)
{
    att__tpm_quote q;
    att__tpm_sig s;
    att__tpm_public p;
    att_diag d;
    att_diag_clear(&d);
    (void)att__tpm_attest_parse(data, size, &q, &d);
    att_diag_clear(&d);
    (void)att__tpm_sig_parse(data, size, &s, &d);
    att_diag_clear(&d);
    if (att__tpm_public_parse(data, size, ATT_TPM_PUBLIC_AUTO, &p, &d) == ATT_OK) {
        att_diag_clear(&d);
        (void)att__tpm_ak_check(&p, &d);
        att__tpm_public_clear(&p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    whole(data, size);
    if (size < 2)
        return 0;
    size_t n1 = ((size_t)data[0] << 8) | data[1];
    if (size - 2 < n1 + 2)
        return 0;
    const uint8_t *attest = data + 2;
    size_t n2 = ((size_t)attest[n1] << 8) | attest[n1 + 1];
    const uint8_t *sig = attest + n1 + 2;
    if ((size_t)(data + size - sig) < n2)
        return 0;
    const uint8_t *pub = sig + n2;
    size_t pn = (size_t)(data + size - pub);

    att__tpm_public ak;
    att__tpm_quote q;
    att_diag d;
    att_diag_clear(&d);
    if (att__tpm_public_parse(pub, pn, ATT_TPM_PUBLIC_AUTO, &ak, &d) != ATT_OK)
        return 0;
    att_diag_clear(&d);
    if (att__tpm_attest_parse(attest, n1, &q, &d) == ATT_OK) {
        static att__tpm_pcrs pcrs;
        att__tpm_pcrs_init(&pcrs);
        uint8_t zero[ATT_HASH_MAX] = {0};
        for (size_t s = 0; s < q.n_sel; s++)
            for (unsigned i = 0; i < ATT_TPM_MAX_PCRS; i++)
                if (q.sel[s].mask & (1u << i))
                    (void)att__tpm_pcrs_set(&pcrs, q.sel[s].hash_alg, i, zero,
                                            att__hash_len(att__tpm_hash_alg(q.sel[s].hash_alg)));
        uint8_t h[4];
        att__tpm_hierarchy_qn(ATT_TPM_RH_ENDORSEMENT, h);
        att__tpm_quote_opts o;
        memset(&o, 0, sizeof(o));
        o.allow_sha1 = 1;
        o.signer_parent_qn = h;
        o.signer_parent_qn_len = 4;
        att__tpm_quote_result r;
        att_diag_clear(&d);
        (void)att__tpm_quote_verify(attest, n1, sig, n2, &ak, q.extra_data, q.extra_data_len, &pcrs,
                                    &o, &r, &d);
        /* the same bytes as a certification of the AK by itself and as its creation proof */
        att__tpm_quote c;
        att_diag_clear(&d);
        (void)att__tpm_certify_verify(attest, n1, sig, n2, &ak, &ak, q.extra_data, q.extra_data_len,
                                      &o, &c, &d);
        att_diag_clear(&d);
        (void)att__tpm_creation_verify(attest, n1, sig, n2, &ak, pub, pn, NULL, 0, &o, &c, &d);
    }
    att__tpm_public_clear(&ak);
    return 0;
}
