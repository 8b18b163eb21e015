/* libFuzzer target for the Azure CVM HCL report parser (src/evidence/hcl): the wrapper, the
 * runtime-claims binding, the runtime claims JSON checks (JWK import of HCLAkPub) and, for a
 * TDX report, the TD quote cross-check against its own TDREPORT and against a perturbed one.
 * Seeds: the SNP and TDX HCL reports of the vectors. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evidence/hcl/hcl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att__hcl_report r;
    att_diag d;
    att_diag_clear(&d);
    if (att__hcl_parse(data, size, &r, &d) != ATT_OK)
        return 0;
    att_diag_clear(&d);
    (void)att__hcl_check_binding(&r, &d);
    json_t *j = NULL;
    const json_t *ak = NULL, *vc = NULL;
    att_diag_clear(&d);
    if (att__hcl_runtime_parse(&r, &j, &ak, &vc, &d) == ATT_OK)
        json_decref(j);
    if (r.type == ATT_HCL_REPORT_TDX) {
        const att__hcl_tdreport *t = &r.td;
        uint8_t rd[64];
        memcpy(rd, t->report_data, 64);
        att__hcl_td_fields f = {.report_data = rd,
                                .mrtd = t->mrtd,
                                .mrconfigid = t->mrconfigid,
                                .mrowner = t->mrowner,
                                .mrownerconfig = t->mrownerconfig,
                                .rtmr = {t->rtmr[0], t->rtmr[1], t->rtmr[2], t->rtmr[3]},
                                .td_attributes = t->td_attributes,
                                .xfam = t->xfam,
                                .tee_tcb_svn = t->tee_tcb_svn,
                                .mrseam = t->mrseam,
                                .mrsignerseam = t->mrsignerseam,
                                .seam_attributes = t->seam_attributes};
        att_diag_clear(&d);
        if (att__hcl_tdx_match_quote(&r, &f, &d) != ATT_OK)
            __builtin_trap(); /* a TDREPORT always matches itself */
        rd[0] ^= 1;
        att_diag_clear(&d);
        if (att__hcl_tdx_match_quote(&r, &f, &d) == ATT_OK)
            __builtin_trap();
    }
    return 0;
}
