/* libFuzzer target for the SEV-SNP parsers (src/evidence/snp): the attestation report, and,
 * when bytes follow the 1184-byte report, those bytes as a DER certificate whose VCEK/VLEK
 * extensions are read. A parsed report also goes through the verifier's field checks with no
 * certificate source (no crypto, no clock, no network). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "evidence/snp/snp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    att_diag d;
    volatile size_t sink = 0;
    att__snp_report r;
    att_diag_clear(&d);
    if (att__snp_report_parse(data, size, &r, &d) == ATT_OK) {
        att__snp_tcb t;
        att__snp_tcb_decode(r.reported_tcb, r.product, &t);
        sink += t.bl + t.ucode + r.report_data[63] + r.chip_id[63] + r.sig_s[71];
        att__snp_verify_opts o = {.at = 1735689600};
        att__snp_result res;
        att_diag_clear(&d);
        sink += (size_t)-att__snp_verify(&r, &o, &res, &d);
    }
    if (size > ATT_SNP_REPORT_SIZE) {
        att__cert *c = NULL;
        if (att__cert_from_der(data + ATT_SNP_REPORT_SIZE, size - ATT_SNP_REPORT_SIZE, &c) ==
            ATT_OK) {
            att__snp_vek_ext e;
            att_diag_clear(&d);
            if (att__snp_vek_ext_from_cert(c, &e, &d) == ATT_OK)
                sink += e.hwid_len + e.bl + strlen(e.product_name);
            att__cert_free(c);
        }
    }
    (void)sink;
    return 0;
}
