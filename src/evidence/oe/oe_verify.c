/* Open Enclave evidence verification (reference/hw-evidence.md §4.2, §4.4): collateral
 * lookup and DCAP quote verification (src/evidence/sgx), the custom-claims binding
 * REPORTDATA[0:32] == SHA-256(custom-claims buffer) for the SGX ECDSA format, and the OE
 * claims. */
#include <string.h>

#include "core/codec.h"
#include "crypto/crypto.h"
#include "evidence/oe/oe.h"

int att__oe_verify_quote(const att__quote *q, const att__dcap_store *store,
                         const att__cert *const *anchors, size_t n_anchors, int64_t at,
                         att__quote_result *qr, const att__dcap_collateral **col, att_diag *d)
{
    memset(qr, 0, sizeof(*qr));
    *col = NULL;
    att__pck_ext ext;
    att__pck_ca ca = ATT_PCK_CA_PROCESSOR;
    int rc = att__quote_pck_platform(q, &ext, &ca, d);
    if (rc != ATT_OK)
        return rc;
    att__tee_type tee = q->tee_type == ATT_TEE_TDX ? ATT_TEE_TDX : ATT_TEE_SGX;
    const att__dcap_collateral *c =
        store ? att__dcap_store_find(store, ext.fmspc, tee, ca, at) : NULL;
    if (!c) {
        char fmspc[13];
        att__hex_encode(ext.fmspc, 6, 0, fmspc);
        return att_diag_fail(d, ATT_ENOTFOUND, "oe.collateral.missing", "fmspc",
                             "no collateral for FMSPC %s (%s, PCK %s CA)", fmspc,
                             tee == ATT_TEE_TDX ? "TDX" : "SGX",
                             ca == ATT_PCK_CA_PLATFORM ? "Platform" : "Processor");
    }
    *col = c;
    return att__quote_verify(q, c, anchors, n_anchors, at, qr, d);
}

/* Fills the §4.4 claims from the evidence and the successful quote result. */
static void fill_claims(const att__oe_evidence *ev, const att__quote_result *qr, att__oe_claims *cl)
{
    const att__sgx_report *e = &ev->q.enclave;
    memset(cl, 0, sizeof(*cl));
    cl->id_version = 0;
    cl->security_version = e->isvsvn;
    cl->attributes = ATT_OE_ATTR_REMOTE | (e->debug ? ATT_OE_ATTR_DEBUG : 0);
    cl->unique_id = e->mrenclave;
    cl->signer_id = e->mrsigner;
    cl->product_id[0] = (uint8_t)(e->isvprodid & 0xff);
    cl->product_id[1] = (uint8_t)(e->isvprodid >> 8);
    memcpy(cl->format_uuid, ev->format_uuid, 16);
    cl->tcb_status = qr->status;
    cl->tcb_date = qr->tcb_date_str;
    cl->validity_from = qr->collateral_not_before;
    cl->validity_until = qr->collateral_not_after;
    cl->report_data = e->report_data;
    cl->config_id = e->config_id;
    cl->config_svn = e->config_svn;
    cl->isv_ext_prod = e->isv_ext_prod_id;
    cl->isv_family = e->isv_family_id;
    cl->cpu_svn = e->cpusvn;
    cl->pce_svn = qr->pck.pcesvn;
    if (ev->format == ATT_OE_FORMAT_SGX_ECDSA) {
        cl->custom = &ev->custom;
        cl->custom_buffer = ev->claims_buffer;
        cl->custom_buffer_len = ev->claims_buffer_len;
    }
}

int att__oe_verify(const att__oe_evidence *ev, const att__dcap_store *store,
                   const att__cert *const *anchors, size_t n_anchors, int64_t at, att__oe_result *r,
                   att_diag *d)
{
    memset(r, 0, sizeof(*r));
    if (!ev->quote || ev->q.tee_type != ATT_TEE_SGX || ev->q.body_type != ATT_QUOTE_BODY_SGX)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "oe.tee_type", "quote.header.tee_type",
                             "OE evidence must carry an SGX enclave quote");
    int rc =
        att__oe_verify_quote(&ev->q, store, anchors, n_anchors, at, &r->quote, &r->collateral, d);
    if (rc != ATT_OK)
        return rc;
    if (ev->format == ATT_OE_FORMAT_SGX_ECDSA) {
        uint8_t h[32];
        static const uint8_t empty = 0;
        const uint8_t *buf = ev->claims_buffer_len ? ev->claims_buffer : &empty;
        if (att__hash(ATT_HASH_SHA256, buf, ev->claims_buffer_len, h) != ATT_OK)
            return att_diag_fail(d, ATT_EINTERNAL, "oe.hash", "custom_claims_buffer",
                                 "SHA-256 failed");
        const uint8_t *rd = ev->q.enclave.report_data;
        if (!att__ct_equal(h, rd, 32)) {
            char want[65], got[65];
            att_diag_fail(d, ATT_EMISMATCH, "oe.claims.hash", "custom_claims_buffer",
                          "SHA-256 of the custom-claims buffer (%zu bytes) does not match report "
                          "data[0:32]",
                          ev->claims_buffer_len);
            att__hex_encode(rd, 32, 0, want);
            att__hex_encode(h, 32, 0, got);
            att_diag_expect(d, want, got);
            r->quote.verdict = ATT_QUOTE_REJECTED;
            return ATT_EMISMATCH;
        }
    }
    fill_claims(ev, &r->quote, &r->claims);
    return ATT_OK;
}
