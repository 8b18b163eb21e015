/* libFuzzer target for src/collateral: every input goes to att__dcap_collateral_load_json
 * with the real Intel SGX root as anchor (mostly failing early, at JSON or PEM), to the
 * TCB-info and QE-identity parsers directly (no signature checks, so mutations reach deep
 * into the level parsing), to the raw-JSON member scanner and to the CRL decoder and DER
 * field reader. Seeds: tests/fuzz/corpus/fuzz_collateral/ (normalized collateral). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/dcap.h"
#include "collateral/dcap_int.h"
#include "collateral/intel_roots.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The root, parsed once per process (never freed: lives until exit). */
static const att__cert *intel_root(void)
{
    static att__cert *root;
    static int tried;
    if (!tried) {
        tried = 1;
        const char *pem = att__intel_sgx_root_pem(0); /* the built-in anchors of attestd */
        if (pem)
            (void)att__cert_from_pem(pem, strlen(pem), &root);
    }
    return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const att__cert *anchors[1] = {intel_root()};
    att_diag d;
    if (anchors[0]) {
        att__dcap_collateral *c = NULL;
        att_diag_clear(&d);
        if (att__dcap_collateral_load_json(text, size, anchors, 1, &c, &d) == ATT_OK) {
            int64_t nb, na;
            att__dcap_window(c, &nb, &na);
            (void)att__dcap_window_contains(c, nb);
            att__dcap_unref(c);
        }
    }

    att__arena a;
    att__arena_init(&a);
    att__tcb_info ti;
    att__qe_identity qe;
    att_diag_clear(&d);
    (void)att__dcap_parse_tcb_info(text, size, &a, &ti, &d);
    att_diag_clear(&d);
    (void)att__dcap_parse_qe_identity(text, size, &a, &qe, &d);
    att__arena_free(&a);

    size_t off, len;
    if (att__dcap_json_member_span(text, size, "tcbInfo", &off, &len) == ATT_OK && len > 0) {
        att__arena_init(&a);
        att_diag_clear(&d);
        (void)att__dcap_parse_tcb_info(text + off, len, &a, &ti, &d);
        att__arena_free(&a);
    }

    uint8_t *der = NULL;
    size_t der_n = 0;
    if (att__dcap_crl_decode(data, size, 1, &der, &der_n) == ATT_OK) {
        att__crl_info info;
        (void)att__der_crl_info(der, der_n, &info);
        const uint8_t *subj;
        size_t subj_n;
        (void)att__der_cert_subject(der, der_n, &subj, &subj_n);
        free(der);
    }
    return 0;
}
