/* SEV-SNP attestation report parsing (snp.h; layout in reference/hw-evidence.md §3.1): every
 * field read through the bounded cursor, versions 2..5, CPUID-based product detection and
 * the product-dependent TCB_VERSION layout. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "core/cursor.h"
#include "evidence/snp/snp.h"

const char *att__snp_product_name(att__snp_product p)
{
    switch (p) {
    case ATT_SNP_MILAN:
        return "Milan";
    case ATT_SNP_GENOA:
        return "Genoa";
    case ATT_SNP_TURIN:
        return "Turin";
    case ATT_SNP_PRODUCT_UNKNOWN:
        break;
    }
    return "unknown";
}

att__snp_product att__snp_product_parse(const char *s)
{
    static const att__snp_product all[] = {ATT_SNP_MILAN, ATT_SNP_GENOA, ATT_SNP_TURIN};
    if (!s)
        return ATT_SNP_PRODUCT_UNKNOWN;
    size_t n = strcspn(s, "-");
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        const char *name = att__snp_product_name(all[i]);
        if (n == strlen(name) && strncasecmp(s, name, n) == 0)
            return all[i];
    }
    return ATT_SNP_PRODUCT_UNKNOWN;
}

att__snp_product att__snp_product_from_cpuid(uint8_t fam, uint8_t mod)
{
    if (fam == 0x19 && mod <= 0x0f)
        return ATT_SNP_MILAN;
    if (fam == 0x19 && ((mod >= 0x10 && mod <= 0x1f) || (mod >= 0xa0 && mod <= 0xaf)))
        return ATT_SNP_GENOA;
    if (fam == 0x1a && mod <= 0x11)
        return ATT_SNP_TURIN;
    return ATT_SNP_PRODUCT_UNKNOWN;
}

void att__snp_tcb_decode(uint64_t raw, att__snp_product p, att__snp_tcb *out)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(raw >> (8 * i));
    memset(out, 0, sizeof(*out));
    out->raw = raw;
    if (p == ATT_SNP_TURIN) {
        out->fmc = b[0];
        out->bl = b[1];
        out->tee = b[2];
        out->snp = b[3];
    } else {
        out->bl = b[0];
        out->tee = b[1];
        out->snp = b[6];
    }
    out->ucode = b[7];
}

static int all_zero(const uint8_t *p, size_t n)
{
    uint8_t acc = 0;
    for (size_t i = 0; i < n; i++)
        acc |= p[i];
    return acc == 0;
}

/* Reads the next fields in order; the cursor keeps every read inside the report. */
#define RD(call)                                                                                   \
    do {                                                                                           \
        if ((rc = (call)) != ATT_OK)                                                               \
            goto short_input;                                                                      \
    } while (0)

int att__snp_report_parse(const uint8_t *data, size_t n, att__snp_report *r, att_diag *d)
{
    memset(r, 0, sizeof(*r));
    if (!data || n < ATT_SNP_REPORT_SIZE)
        return att_diag_fail(d, ATT_ETRUNC, "snp.report.size", "report",
                             "SNP report is %zu bytes, expected %u", n, ATT_SNP_REPORT_SIZE);
    if (n > ATT_SNP_REPORT_SIZE && !all_zero(data + ATT_SNP_REPORT_SIZE, n - ATT_SNP_REPORT_SIZE))
        return att_diag_fail(d, ATT_EINVAL, "snp.report.size", "report",
                             "SNP report is %zu bytes, expected %u (the extra bytes are not "
                             "zero padding)",
                             n, ATT_SNP_REPORT_SIZE);
    att__cursor c;
    att__cur_init(&c, data, ATT_SNP_REPORT_SIZE);
    int rc;
    uint32_t reserved;
    uint8_t b;
    r->raw = data;
    RD(att__cur_u32le(&c, &r->version));
    RD(att__cur_u32le(&c, &r->guest_svn));
    RD(att__cur_u64le(&c, &r->policy));
    RD(att__cur_bytes(&c, 16, &r->family_id));
    RD(att__cur_bytes(&c, 16, &r->image_id));
    RD(att__cur_u32le(&c, &r->vmpl));
    RD(att__cur_u32le(&c, &r->sig_algo));
    RD(att__cur_u64le(&c, &r->current_tcb));
    RD(att__cur_u64le(&c, &r->platform_info));
    RD(att__cur_u32le(&c, &r->signer_info));
    RD(att__cur_u32le(&c, &reserved));
    RD(att__cur_bytes(&c, 64, &r->report_data));
    RD(att__cur_bytes(&c, 48, &r->measurement));
    RD(att__cur_bytes(&c, 32, &r->host_data));
    RD(att__cur_bytes(&c, 48, &r->id_key_digest));
    RD(att__cur_bytes(&c, 48, &r->author_key_digest));
    RD(att__cur_bytes(&c, 32, &r->report_id));
    RD(att__cur_bytes(&c, 32, &r->report_id_ma));
    RD(att__cur_u64le(&c, &r->reported_tcb));
    RD(att__cur_u8(&c, &r->cpuid_fam));
    RD(att__cur_u8(&c, &r->cpuid_mod));
    RD(att__cur_u8(&c, &r->cpuid_step));
    RD(att__cur_skip(&c, 0x1A0 - 0x18B));
    RD(att__cur_bytes(&c, 64, &r->chip_id));
    RD(att__cur_u64le(&c, &r->committed_tcb));
    RD(att__cur_u8(&c, &r->current_build));
    RD(att__cur_u8(&c, &r->current_minor));
    RD(att__cur_u8(&c, &r->current_major));
    RD(att__cur_u8(&c, &b));
    RD(att__cur_u8(&c, &r->committed_build));
    RD(att__cur_u8(&c, &r->committed_minor));
    RD(att__cur_u8(&c, &r->committed_major));
    RD(att__cur_u8(&c, &b));
    RD(att__cur_u64le(&c, &r->launch_tcb));
    RD(att__cur_u64le(&c, &r->launch_mit_vector));
    RD(att__cur_u64le(&c, &r->current_mit_vector));
    RD(att__cur_skip(&c, ATT_SNP_SIGNED_SIZE - 0x208));
    RD(att__cur_bytes(&c, 72, &r->sig_r));
    RD(att__cur_bytes(&c, 72, &r->sig_s));
    const uint8_t *sig_rest;
    RD(att__cur_bytes(&c, ATT_SNP_REPORT_SIZE - ATT_SNP_SIGNED_SIZE - 144, &sig_rest));

    if (r->version < 2 || r->version > 5)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "snp.report.version", "version",
                             "snp.report.version: %u, expected 2..5", r->version);
    if (r->version < 5)
        r->launch_mit_vector = r->current_mit_vector = 0;
    r->author_key_en = (int)(r->signer_info & 1u);
    r->mask_chip_key = (int)((r->signer_info >> 1) & 1u);
    r->signing_key = (att__snp_signer)((r->signer_info >> 2) & 7u);
    if (r->signer_info >> 5)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.signer_info", "signer_info",
                             "snp.report.signer_info: reserved bits 5-31 are not zero (0x%08x)",
                             r->signer_info);
    if (r->signing_key != ATT_SNP_SIGNER_VCEK && r->signing_key != ATT_SNP_SIGNER_VLEK &&
        r->signing_key != ATT_SNP_SIGNER_NONE)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.signer_info", "signer_info",
                             "snp.report.signer_info: SIGNING_KEY %u is not VCEK (0), VLEK (1) or "
                             "none (7)",
                             (unsigned)r->signing_key);
    if (reserved != 0)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.reserved", "reserved_0x4c",
                             "snp.report: reserved word at offset 0x4C is not zero (0x%08x)",
                             reserved);
    if (!all_zero(r->sig_r + 48, 24) || !all_zero(r->sig_s + 48, 24) ||
        !all_zero(sig_rest, ATT_SNP_REPORT_SIZE - ATT_SNP_SIGNED_SIZE - 144))
        return att_diag_fail(d, ATT_EINVAL, "snp.report.signature", "signature",
                             "snp.report.signature: bytes beyond the P-384 r and s values are not "
                             "zero");
    r->has_cpuid = r->version >= 3;
    if (r->has_cpuid) {
        r->product = att__snp_product_from_cpuid(r->cpuid_fam, r->cpuid_mod);
        if (r->product == ATT_SNP_PRODUCT_UNKNOWN)
            return att_diag_fail(
                d, ATT_EUNSUPPORTED, "snp.report.cpuid", "cpuid_fam_id",
                "snp.report: CPUID family 0x%02x model 0x%02x is not a known SEV-SNP "
                "product (Milan, Genoa, Turin)",
                r->cpuid_fam, r->cpuid_mod);
    } else {
        r->cpuid_fam = r->cpuid_mod = r->cpuid_step = 0;
    }
    return ATT_OK;
short_input:
    return att_diag_fail(d, rc, "snp.report.truncated", "report",
                         "SNP report ends at offset %zu inside a field", c.off);
}
