/* DCAP quote verification (quote.h, reference/hw-evidence.md §2.2-2.8): PCK chain and
 * CRLs, QE report signature and binding, QE identity, quote signature, TDX module identity
 * and the TCB level selection with status convergence. */
#include "evidence/sgx/quote.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/timeutil.h"
#include "evidence/sgx/quote_int.h"

static const uint8_t intel_qe_vendor[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                            0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};

/* Quote-level checks of the header and of the collateral kinds (§2.1, §2.4.3, §2.5). */
static int check_kinds(const att__quote *q, const att__tcb_info *ti, const att__qe_identity *qi,
                       att__quote_result *r, att_diag *d)
{
    char hex[33];
    if (memcmp(q->qe_vendor_id, intel_qe_vendor, 16) != 0) {
        att__hex_encode(q->qe_vendor_id, 16, 0, hex);
        att_diag_fail(d, ATT_EUNSUPPORTED, "quote.header.qe_vendor_id", "header.qe_vendor_id",
                      "quote.header.qe_vendor_id: %s is not the Intel QE", hex);
        att_diag_expect(d, "939a7233f79c4ca9940a0db3957f0607", hex);
        return ATT_EUNSUPPORTED;
    }
    r->tcb_info_version = ti->version;
    if ((uint32_t)ti->tee != q->tee_type)
        return att_diag_fail(d, ATT_EMISMATCH, "collateral.tcb_info.tee", "tcb_info.id",
                             "TCB info is for %s, the quote is %s",
                             ti->tee == ATT_TEE_TDX ? "TDX" : "SGX",
                             q->tee_type == ATT_TEE_TDX ? "TDX" : "SGX");
    const char *want = q->tee_type == ATT_TEE_TDX ? "TD_QE" : "QE";
    if (!qi->id || strcmp(qi->id, want) != 0 || qi->version != 2) {
        att_diag_fail(d, ATT_EMISMATCH, "collateral.qe_identity.id", "qe_identity.id",
                      "QE identity %s version %d does not fit the quote (needs %s version 2)",
                      qi->id ? qi->id : "(none)", qi->version, want);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

/* The verification time must lie in the collateral window (§2.9). We reject, as MAA does,
 * and name the item that expired when it is one we can see. */
static int check_window(const att__dcap_collateral *col, const att__tcb_info *ti,
                        const att__qe_identity *qi, int64_t at, att__quote_result *r, att_diag *d)
{
    int64_t nb, na;
    char t1[32], t2[32], tt[32];
    att__dcap_window(col, &nb, &na);
    r->collateral_not_before = nb;
    r->collateral_not_after = na;
    if (at >= nb && at <= na)
        return ATT_OK;
    att__time_format(at, tt, sizeof(tt));
    if (at > ti->next_update)
        return att_diag_fail(d, ATT_EEXPIRED, "collateral.expired", "tcb_info.nextUpdate",
                             "collateral expired: TCB info nextUpdate %s is before %s",
                             att__time_format(ti->next_update, t1, sizeof(t1)), tt);
    if (at > qi->next_update)
        return att_diag_fail(d, ATT_EEXPIRED, "collateral.expired", "qe_identity.nextUpdate",
                             "collateral expired: QE identity nextUpdate %s is before %s",
                             att__time_format(qi->next_update, t1, sizeof(t1)), tt);
    if (at < ti->issue_date)
        return att_diag_fail(d, ATT_EEXPIRED, "collateral.not_yet_valid", "tcb_info.issueDate",
                             "collateral not yet valid: TCB info issueDate %s is after %s",
                             att__time_format(ti->issue_date, t1, sizeof(t1)), tt);
    if (at < qi->issue_date)
        return att_diag_fail(d, ATT_EEXPIRED, "collateral.not_yet_valid", "qe_identity.issueDate",
                             "collateral not yet valid: QE identity issueDate %s is after %s",
                             att__time_format(qi->issue_date, t1, sizeof(t1)), tt);
    const att__crl *crls[2] = {att__dcap_root_crl(col), att__dcap_pck_crl(col)};
    static const char *const crl_names[2] = {"root CA CRL", "PCK CRL"};
    static const char *const crl_fields[2][2] = {
        {"root_ca_crl.nextUpdate", "root_ca_crl.thisUpdate"},
        {"pck_crl.nextUpdate", "pck_crl.thisUpdate"}};
    for (int i = 0; i < 2; i++) {
        int64_t tu, nu;
        if (!crls[i] || att__crl_validity(crls[i], &tu, &nu) != ATT_OK)
            continue;
        if (at > nu)
            return att_diag_fail(d, ATT_EEXPIRED, "collateral.expired", crl_fields[i][0],
                                 "collateral expired: %s nextUpdate %s is before %s", crl_names[i],
                                 att__time_format(nu, t1, sizeof(t1)), tt);
        if (at < tu)
            return att_diag_fail(d, ATT_EEXPIRED, "collateral.not_yet_valid", crl_fields[i][1],
                                 "collateral not yet valid: %s thisUpdate %s is after %s",
                                 crl_names[i], att__time_format(tu, t1, sizeof(t1)), tt);
    }
    const att__cert *certs[2] = {att__dcap_pck_ca_cert(col), att__dcap_root(col)};
    static const char *const names[2] = {"PCK CA certificate", "root CA certificate"};
    for (int i = 0; i < 2; i++) {
        int64_t cb, ca;
        if (certs[i] && att__cert_validity(certs[i], &cb, &ca) == ATT_OK && (at < cb || at > ca))
            return att_diag_fail(
                d, ATT_EEXPIRED, at > ca ? "collateral.expired" : "collateral.not_yet_valid",
                names[i], "collateral %s: %s valid %s .. %s, not at %s",
                at > ca ? "expired" : "not yet valid", names[i],
                att__time_format(cb, t1, sizeof(t1)), att__time_format(ca, t2, sizeof(t2)), tt);
    }
    return att_diag_fail(
        d, ATT_EEXPIRED, at > na ? "collateral.expired" : "collateral.not_yet_valid",
        "collateral.window",
        "collateral (a TCB-signing or issuer-chain certificate) is not valid at %s: "
        "validity window %s .. %s",
        tt, att__time_format(nb, t1, sizeof(t1)), att__time_format(na, t2, sizeof(t2)));
}

/* FMSPC and PCE-ID of the PCK certificate must equal the TCB info's (§2.4.4). */
static int check_platform(const att__pck_ext *p, const att__tcb_info *ti, att_diag *d)
{
    char a[16], b[16];
    if (memcmp(p->fmspc, ti->fmspc, 6) != 0) {
        att__hex_encode(ti->fmspc, 6, 0, a);
        att__hex_encode(p->fmspc, 6, 0, b);
        att_diag_fail(d, ATT_EMISMATCH, "collateral.tcb_info.fmspc", "tcb_info.fmspc",
                      "TCB info is for FMSPC %s, the PCK certificate has %s", a, b);
        att_diag_expect(d, a, b);
        return ATT_EMISMATCH;
    }
    if (memcmp(p->pce_id, ti->pce_id, 2) != 0) {
        att__hex_encode(ti->pce_id, 2, 0, a);
        att__hex_encode(p->pce_id, 2, 0, b);
        att_diag_fail(d, ATT_EMISMATCH, "collateral.tcb_info.pceid", "tcb_info.pceId",
                      "TCB info is for PCE-ID %s, the PCK certificate has %s", a, b);
        att_diag_expect(d, a, b);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

/* QE report signed by the PCK key k (borrowed; NULL when the certificate's key could not
 * be read), and its report data binding the attestation key (§2.6.4-5). */
static int check_qe_report(const att__quote *q, const att__pkey *k, att_diag *d)
{
    if (!k || att__pkey_type(k) != ATT_KEY_EC_P256)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.pck.key", "pck.public_key",
                             "PCK certificate key is not an EC P-256 key");
    int rc = att__ecdsa_verify_raw(k, ATT_HASH_SHA256, q->qe_report_raw, ATT_SGX_REPORT_BODY_SIZE,
                                   q->qe_report_sig, 64);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "quote.qe_report.signature", "qe_report_signature",
                             "QE report signature invalid (not signed by the PCK key)");

    uint8_t h[32];
    att__hash_ctx *hc = NULL;
    rc = att__hash_new(ATT_HASH_SHA256, &hc);
    if (rc == ATT_OK)
        rc = att__hash_update(hc, q->attest_key, 64);
    if (rc == ATT_OK)
        rc = att__hash_update(hc, q->qe_auth_data, q->qe_auth_len);
    if (rc == ATT_OK)
        rc = att__hash_final(hc, h);
    att__hash_free(hc);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "quote.qe_report.report_data", "", "hashing failed");
    static const uint8_t zero[32];
    if (memcmp(h, q->qe_report.report_data, 32) != 0 ||
        memcmp(q->qe_report.report_data + 32, zero, 32) != 0) {
        char e[65], f[129];
        att__hex_encode(h, 32, 0, e);
        att__hex_encode(q->qe_report.report_data, 64, 0, f);
        att_diag_fail(d, ATT_EMISMATCH, "quote.qe_report.report_data", "qe_report.report_data",
                      "QE report data does not bind the attestation key "
                      "(SHA-256(attestation key || QE auth data) || 32 zero bytes)");
        att_diag_expect(d, e, f);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

/* The QE report against the QE identity (§2.5); *status gets the QE TCB status. */
static int check_qe_identity(const att__sgx_report *qe, const att__qe_identity *qi,
                             att__tcb_status *status, att_diag *d)
{
    for (int i = 0; i < 4; i++)
        if ((qe->miscselect_raw[i] & qi->miscselect_mask[i]) != qi->miscselect[i])
            return att_diag_fail(d, ATT_EMISMATCH, "quote.qe_identity.mismatch",
                                 "qe_report.miscselect",
                                 "QE identity mismatch: MISCSELECT under the mask differs");
    for (int i = 0; i < 16; i++)
        if ((qe->attributes[i] & qi->attributes_mask[i]) != qi->attributes[i])
            return att_diag_fail(d, ATT_EMISMATCH, "quote.qe_identity.mismatch",
                                 "qe_report.attributes",
                                 "QE identity mismatch: ATTRIBUTES under the mask differ");
    if (memcmp(qe->mrsigner, qi->mrsigner, 32) != 0) {
        char e[65], f[65];
        att__hex_encode(qi->mrsigner, 32, 0, e);
        att__hex_encode(qe->mrsigner, 32, 0, f);
        att_diag_fail(d, ATT_EMISMATCH, "quote.qe_identity.mismatch", "qe_report.mrsigner",
                      "QE identity mismatch: MRSIGNER differs");
        att_diag_expect(d, e, f);
        return ATT_EMISMATCH;
    }
    if (qe->isvprodid != qi->isvprodid)
        return att_diag_fail(d, ATT_EMISMATCH, "quote.qe_identity.mismatch", "qe_report.isvprodid",
                             "QE identity mismatch: ISVPRODID %u, expected %u", qe->isvprodid,
                             qi->isvprodid);
    *status = ATT_TCB_NOT_SUPPORTED;
    for (size_t i = 0; i < qi->n_levels; i++)
        if (qi->levels[i].isvsvn <= qe->isvsvn) {
            *status = qi->levels[i].status;
            break;
        }
    return ATT_OK;
}

/* The attestation key's signature over header + body (§2.6.7). */
static int check_quote_signature(const att__quote *q, att_diag *d)
{
    att__pkey *k = NULL;
    if (att__quote_attest_key(q->attest_key, &k) != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "quote.attestation_key", "attestation_key",
                             "quote attestation key is not a valid P-256 point");
    int rc = att__ecdsa_verify_raw(k, ATT_HASH_SHA256, q->signed_region, q->signed_len,
                                   q->signature, 64);
    att__pkey_free(k);
    if (rc != ATT_OK)
        return att_diag_fail(d, ATT_ESIG, "quote.signature", "signature",
                             "quote signature invalid (header and body not signed by the "
                             "attestation key)");
    return ATT_OK;
}

/* A PCK certificate of the PCK Platform CA carries the platform instance id (.6) and the
 * configuration (.7) elements of the SGX extension; QVL refuses one without them (§2.10). */
static int check_platform_elements(const att__pck_ext *p, att__pck_ca ca, att_diag *d)
{
    if (ca != ATT_PCK_CA_PLATFORM || (p->has_platform_instance_id && p->has_configuration))
        return ATT_OK;
    const char *field = p->has_platform_instance_id ? "pck.sgx_ext.configuration"
                                                    : "pck.sgx_ext.platform_instance_id";
    return att_diag_fail(d, ATT_EPARSE, "pck.sgx_ext", field,
                         "%s: missing (required in a PCK certificate of the PCK Platform CA)",
                         field);
}

/* The PCK chain step (§2.6.1) through the verified chain cache (quote_int.h): on a hit
 * (same chain bytes, collateral content and anchors, `at` inside the window in which the
 * earlier verification holds) r->pck, r->pck_ca and r->pck_issuer come from the cache;
 * otherwise the chain is verified and its extension parsed in full, and a success is
 * stored. *pck_key gets the PCK public key (caller frees; NULL when unreadable, which
 * check_qe_report reports). Errors are those of att__quote_pck_chain and the extension
 * parser; the cache changes no verdict and no diagnostic. */
static int pck_verdict(const att__quote *q, const att__cert *const *ext, size_t n_ext,
                       const att__dcap_collateral *col, const att__cert *const *anchors,
                       size_t n_anchors, int64_t at, att__pkey **pck_key, att__quote_result *r,
                       att_diag *d)
{
    uint8_t key[32];
    att__pck_verdict v;
    int cacheable = att__pck_cache_key(q, ext, n_ext, col, anchors, n_anchors, key) == ATT_OK;
    if (cacheable && att__pck_cache_get(key, at, &v)) {
        r->pck = v.pck;
        r->pck_ca = v.pck_ca;
        memcpy(r->pck_issuer, v.pck_issuer, sizeof(r->pck_issuer));
        *pck_key = v.key;
        return ATT_OK;
    }
    att__pck_chain chain;
    int rc = att__quote_pck_chain(q, ext, n_ext, col, anchors, n_anchors, at, &chain, r, d);
    if (rc)
        return rc;
    if ((rc = att__pck_ext_from_cert(chain.certs[0], &r->pck, d)) ||
        (rc = check_platform_elements(&r->pck, r->pck_ca, d)))
        goto out;
    if (att__cert_pubkey(chain.certs[0], pck_key) != ATT_OK) {
        *pck_key = NULL;
        goto out; /* reported by check_qe_report, in the order the checks always had */
    }
    memset(&v, 0, sizeof(v));
    if (cacheable && att__pck_chain_window(&chain, col, anchors, n_anchors, at, &v.not_before,
                                           &v.not_after) == ATT_OK) {
        v.pck = r->pck;
        v.pck_ca = r->pck_ca;
        memcpy(v.pck_issuer, r->pck_issuer, sizeof(v.pck_issuer));
        v.key = *pck_key;
        (void)att__pck_cache_put(key, &v); /* a full cache or no memory only costs speed */
    }
out:
    att__pck_chain_free(&chain);
    return rc;
}

int att__quote_verify(const att__quote *q, const att__dcap_collateral *col,
                      const att__cert *const *anchors, size_t n_anchors, int64_t at,
                      att__quote_result *r, att_diag *d)
{
    return att__quote_verify_pck(q, NULL, 0, col, anchors, n_anchors, at, r, d);
}

int att__quote_verify_pck(const att__quote *q, const att__cert *const *pck_chain, size_t n_pck,
                          const att__dcap_collateral *col, const att__cert *const *anchors,
                          size_t n_anchors, int64_t at, att__quote_result *r, att_diag *d)
{
    memset(r, 0, sizeof(*r));
    r->verdict = ATT_QUOTE_REJECTED;
    r->status = r->qe_status = r->tdx_module_status = r->sgx_level_status = ATT_TCB_NOT_SUPPORTED;
    if (!q || !q->data || !col || !anchors || !n_anchors)
        return att_diag_fail(d, ATT_EINVAL, "quote.args", "",
                             "quote, collateral and trust anchors are required");
    const att__tcb_info *ti = att__dcap_tcb_info(col);
    const att__qe_identity *qi = att__dcap_qe_identity(col);
    int rc;
    if ((rc = check_kinds(q, ti, qi, r, d)) || (rc = check_window(col, ti, qi, at, r, d)))
        return rc;

    att__pkey *pck_key = NULL;
    if ((rc = pck_verdict(q, pck_chain, n_pck, col, anchors, n_anchors, at, &pck_key, r, d)))
        return rc;
    if ((rc = check_platform(&r->pck, ti, d)))
        goto out;
    const att__tdx_module_identity *mod = NULL;
    if (q->tee_type == ATT_TEE_TDX && (rc = att__quote_tdx_module(q, ti, &mod, r, d)))
        goto out;
    if ((rc = check_qe_report(q, pck_key, d)) ||
        (rc = check_qe_identity(&q->qe_report, qi, &r->qe_status, d)) ||
        (rc = check_quote_signature(q, d)))
        goto out;
    rc = att__quote_tcb_status(q, ti, mod, r, d);
    if (rc == ATT_OK)
        r->verdict = ATT_QUOTE_VERIFIED;
out:
    att__pkey_free(pck_key);
    return rc;
}

int att__quote_check_signatures(const att__quote *q, att__pck_ext *pck, att_diag *d)
{
    att__cert **certs = NULL;
    size_t n = 0;
    if (!q || !q->data)
        return att_diag_fail(d, ATT_EINVAL, "quote.args", "", "no quote given");
    if (q->cert_type != ATT_QUOTE_CERT_PCK_CHAIN)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "quote.cert_type", "cert_type",
                             "certification data type %u carries no PCK certificate", q->cert_type);
    size_t len = q->cert_len;
    while (len > 0 && q->cert_data[len - 1] == '\0')
        len--;
    if (att__certs_from_pem((const char *)q->cert_data, len, &certs, &n) != ATT_OK)
        return att_diag_fail(d, ATT_EPARSE, "quote.pck_chain", "cert_data",
                             "PCK certificate chain in the quote is not valid PEM");
    int rc = ATT_OK;
    if (pck)
        rc = att__pck_ext_from_cert(certs[0], pck, d);
    if (rc == ATT_OK) {
        att__pkey *k = NULL;
        if (att__cert_pubkey(certs[0], &k) != ATT_OK)
            k = NULL;
        rc = check_qe_report(q, k, d);
        att__pkey_free(k);
    }
    if (rc == ATT_OK)
        rc = check_quote_signature(q, d);
    att__certs_free(certs, n);
    return rc;
}
