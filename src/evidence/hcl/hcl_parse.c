/* HCL report parsing and the runtime-claims binding (hcl.h). */
#include <stdio.h>
#include <string.h>

#include "core/codec.h"
#include "core/cursor.h"
#include "core/limits.h"
#include "evidence/hcl/hcl.h"

/* TDREPORT_STRUCT offsets (REPORTMACSTRUCT 0..256, TEE_TCB_INFO 256.., TDINFO 512..). */
enum {
    TDR_TYPE = 0,
    TDR_CPUSVN = 16,
    TDR_REPORT_DATA = 128,
    TDR_TEE_TCB_SVN = 264,
    TDR_MRSEAM = 280,
    TDR_MRSIGNERSEAM = 328,
    TDR_SEAM_ATTRIBUTES = 376,
    TDR_TD_ATTRIBUTES = 512,
    TDR_XFAM = 520,
    TDR_MRTD = 528,
    TDR_MRCONFIGID = 576,
    TDR_MROWNER = 624,
    TDR_MROWNERCONFIG = 672,
    TDR_RTMR0 = 720,
};
#define TDREPORT_TYPE_TDX 0x81u

const char *att__hcl_report_type_name(att__hcl_report_type t)
{
    switch (t) {
    case ATT_HCL_REPORT_SNP:
        return "SNP";
    case ATT_HCL_REPORT_TDX:
        return "TDX";
    case ATT_HCL_REPORT_TVM:
        return "TVM";
    }
    return "unknown";
}

static int hcl_trunc(att_diag *d, const char *reason, const char *field, size_t want, size_t have)
{
    return att_diag_fail(d, ATT_ETRUNC, reason, field,
                         "%s: needs %zu bytes, %zu present (truncated HCL report)", field, want,
                         have);
}

static void parse_tdreport(const uint8_t *p, att__hcl_tdreport *t)
{
    t->report_type = p + TDR_TYPE;
    t->cpusvn = p + TDR_CPUSVN;
    t->report_data = p + TDR_REPORT_DATA;
    t->tee_tcb_svn = p + TDR_TEE_TCB_SVN;
    t->mrseam = p + TDR_MRSEAM;
    t->mrsignerseam = p + TDR_MRSIGNERSEAM;
    t->seam_attributes = p + TDR_SEAM_ATTRIBUTES;
    t->td_attributes = p + TDR_TD_ATTRIBUTES;
    t->xfam = p + TDR_XFAM;
    t->mrtd = p + TDR_MRTD;
    t->mrconfigid = p + TDR_MRCONFIGID;
    t->mrowner = p + TDR_MROWNER;
    t->mrownerconfig = p + TDR_MROWNERCONFIG;
    for (int i = 0; i < 4; i++)
        t->rtmr[i] = p + TDR_RTMR0 + 48 * i;
}

int att__hcl_parse(const uint8_t *data, size_t n, att__hcl_report *r, att_diag *d)
{
    memset(r, 0, sizeof(*r));
    if (n > ATT_MAX_EVIDENCE)
        return att_diag_fail(d, ATT_ELIMIT, "hcl.size", "hcl",
                             "HCL report is %zu bytes, at most %u", n, ATT_MAX_EVIDENCE);
    att__cursor c;
    att__cur_init(&c, data, n);
    const uint8_t *sig;
    if (att__cur_bytes(&c, 4, &sig) != ATT_OK)
        return hcl_trunc(d, "hcl.header", "hcl.header", ATT_HCL_HEADER_SIZE, n);
    if (memcmp(sig, "HCLA", 4) != 0)
        return att_diag_fail(d, ATT_EPARSE, "hcl.header.signature", "hcl.header.signature",
                             "hcl.header.signature: not an HCL report (expected \"HCLA\", found "
                             "%02x%02x%02x%02x)",
                             sig[0], sig[1], sig[2], sig[3]);
    if (att__cur_u32le(&c, &r->version) != ATT_OK ||
        att__cur_u32le(&c, &r->report_size) != ATT_OK ||
        att__cur_u32le(&c, &r->request_type) != ATT_OK ||
        att__cur_u32le(&c, &r->status) != ATT_OK || att__cur_skip(&c, 12) != ATT_OK)
        return hcl_trunc(d, "hcl.header", "hcl.header", ATT_HCL_HEADER_SIZE, n);
    if (r->version < 1 || r->version > 2)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "hcl.header.version", "hcl.header.version",
                             "hcl.header.version: %u is not supported (1 or 2)", r->version);
    if (r->report_size > n)
        return att_diag_fail(d, ATT_ETRUNC, "hcl.header.report_size", "hcl.header.report_size",
                             "hcl.header.report_size: declares %u bytes, %zu present (truncated "
                             "HCL report)",
                             r->report_size, n);
    const uint8_t *hw;
    if (att__cur_bytes(&c, ATT_HCL_HW_AREA_SIZE, &hw) != ATT_OK)
        return hcl_trunc(d, "hcl.hw_report", "hcl.hw_report",
                         ATT_HCL_HEADER_SIZE + ATT_HCL_HW_AREA_SIZE, n);
    uint32_t rtype;
    if (att__cur_u32le(&c, &r->data_size) != ATT_OK ||
        att__cur_u32le(&c, &r->rt_version) != ATT_OK || att__cur_u32le(&c, &rtype) != ATT_OK ||
        att__cur_u32le(&c, &r->hash_type) != ATT_OK || att__cur_u32le(&c, &r->var_size) != ATT_OK)
        return hcl_trunc(d, "hcl.runtime.header", "hcl.runtime.header",
                         ATT_HCL_HEADER_SIZE + ATT_HCL_HW_AREA_SIZE + ATT_HCL_RUNTIME_HEADER_SIZE,
                         n);
    if (r->var_size > ATT_MAX_EVIDENCE ||
        r->data_size != (uint64_t)ATT_HCL_RUNTIME_HEADER_SIZE + r->var_size)
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.data_size", "hcl.runtime.data_size",
                             "hcl.runtime.data_size: %u, but the runtime claims header (20) and "
                             "variable_data_size (%u) need %llu",
                             r->data_size, r->var_size,
                             (unsigned long long)ATT_HCL_RUNTIME_HEADER_SIZE + r->var_size);
    if (r->report_size != (uint64_t)ATT_HCL_HEADER_SIZE + ATT_HCL_HW_AREA_SIZE + r->data_size)
        return att_diag_fail(d, ATT_EPARSE, "hcl.header.report_size", "hcl.header.report_size",
                             "hcl.header.report_size: %u, but header, hardware report and runtime "
                             "data (%u) make %llu",
                             r->report_size, r->data_size,
                             (unsigned long long)ATT_HCL_HEADER_SIZE + ATT_HCL_HW_AREA_SIZE +
                                 r->data_size);
    if (att__cur_bytes(&c, r->var_size, &r->runtime) != ATT_OK)
        return hcl_trunc(d, "hcl.runtime.data", "hcl.runtime.data", r->report_size, n);
    r->runtime_len = r->var_size;
    if (r->hash_type < 1 || r->hash_type > 3)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "hcl.runtime.hash_type", "hcl.runtime.hash_type",
                             "hcl.runtime.hash_type: %u is not supported (1 SHA-256, 2 SHA-384, "
                             "3 SHA-512)",
                             r->hash_type);
    switch (rtype) {
    case ATT_HCL_REPORT_SNP:
        r->type = ATT_HCL_REPORT_SNP;
        r->hw_report = hw;
        r->hw_report_len = ATT_HCL_SNP_REPORT_SIZE;
        r->report_data = hw + ATT_HCL_SNP_REPORT_DATA_OFF;
        break;
    case ATT_HCL_REPORT_TDX:
        if (hw[0] != TDREPORT_TYPE_TDX)
            return att_diag_fail(d, ATT_EPARSE, "hcl.tdreport.type", "hcl.tdreport.type",
                                 "hcl.tdreport.type: 0x%02x, a TDREPORT has type 0x81", hw[0]);
        r->type = ATT_HCL_REPORT_TDX;
        r->hw_report = hw;
        r->hw_report_len = ATT_HCL_TDREPORT_SIZE;
        r->report_data = hw + TDR_REPORT_DATA;
        parse_tdreport(hw, &r->td);
        break;
    default:
        return att_diag_fail(d, ATT_EUNSUPPORTED, "hcl.runtime.report_type",
                             "hcl.runtime.report_type",
                             "hcl.runtime.report_type: %u is not a hardware report this service "
                             "verifies (2 SNP, 4 TDX)%s",
                             rtype, rtype == ATT_HCL_REPORT_TVM ? "; 3 is a VBS trusted VM" : "");
    }
    r->data = data;
    r->size = r->report_size;
    return ATT_OK;
}

int att__hcl_hash_alg(const att__hcl_report *r, att__hash_alg *alg, size_t *len)
{
    switch (r->hash_type) {
    case 1:
        *alg = ATT_HASH_SHA256;
        *len = 32;
        return ATT_OK;
    case 2:
        *alg = ATT_HASH_SHA384;
        *len = 48;
        return ATT_OK;
    case 3:
        *alg = ATT_HASH_SHA512;
        *len = 64;
        return ATT_OK;
    }
    return ATT_EUNSUPPORTED;
}

int att__hcl_check_binding(const att__hcl_report *r, att_diag *d)
{
    att__hash_alg alg;
    size_t len;
    if (!r->report_data || att__hcl_hash_alg(r, &alg, &len) != ATT_OK)
        return att_diag_fail(d, ATT_EINVAL, "hcl.runtime.hash_type", "hcl.runtime.hash_type",
                             "HCL report not parsed");
    uint8_t h[ATT_HASH_MAX];
    static const uint8_t empty = 0;
    if (att__hash(alg, r->runtime_len ? r->runtime : &empty, r->runtime_len, h) != ATT_OK)
        return att_diag_fail(d, ATT_EINTERNAL, "hcl.hash", "hcl.runtime.data", "hash failed");
    if (att__ct_equal(h, r->report_data, len))
        return ATT_OK;
    char want[2 * ATT_HASH_MAX + 1], got[2 * ATT_HASH_MAX + 1];
    att__hex_encode(r->report_data, len, 0, want);
    att__hex_encode(h, len, 0, got);
    att_diag_fail(d, ATT_EMISMATCH, "hcl.runtime.binding", "hcl.runtime.data",
                  "hcl.runtime.data: the %s of the runtime claims (%zu bytes) does not match the "
                  "%s report's REPORT_DATA[0:%zu]",
                  len == 32   ? "SHA-256"
                  : len == 48 ? "SHA-384"
                              : "SHA-512",
                  r->runtime_len, att__hcl_report_type_name(r->type), len);
    att_diag_expect(d, want, got);
    return ATT_EMISMATCH;
}
