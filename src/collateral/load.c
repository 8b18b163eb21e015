/* Verification of one DCAP collateral set (reference/hw-evidence.md §2.3-2.5, §2.9), done
 * once at load time: issuer chains to a configured Intel root, CRL issuers, signatures and
 * revocation, TCB-info and QE-identity signatures over their exact text, then parsing;
 * plus the validity window, the x-ms-sgx-collateral hashes, the accessors and reference
 * counting of att__dcap_collateral, and the normalized JSON front end.
 *
 * Time: nothing here depends on the clock. att__chain_verify needs a time, so each chain
 * is verified at the earliest instant all of its certificates and CRLs are valid (the
 * latest notBefore/thisUpdate among them, the anchor included); a chain whose members are
 * never valid together fails. Whether a request's time lies inside the set's window is
 * the verifier's question, answered from att__dcap_window. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/dcap_int.h"
#include "core/codec.h"
#include "core/log.h"

#define PCK_PROCESSOR_CN "Intel SGX PCK Processor CA"
#define PCK_PLATFORM_CN  "Intel SGX PCK Platform CA"
#define TCB_SIGNING_CN   "SGX TCB Signing"

/* ---- accessors and lifetime ---- */

const att__tcb_info *att__dcap_tcb_info(const att__dcap_collateral *c)
{
    return c ? &c->tcb : NULL;
}

const att__qe_identity *att__dcap_qe_identity(const att__dcap_collateral *c)
{
    return c ? &c->qe : NULL;
}

att__pck_ca att__dcap_pck_ca(const att__dcap_collateral *c)
{
    return c ? c->ca : ATT_PCK_CA_PROCESSOR;
}

const att__cert *att__dcap_root(const att__dcap_collateral *c)
{
    return c ? c->root : NULL;
}

const att__crl *att__dcap_root_crl(const att__dcap_collateral *c)
{
    return c ? c->root_crl : NULL;
}

const att__crl *att__dcap_pck_crl(const att__dcap_collateral *c)
{
    return c ? c->pck_crl : NULL;
}

const att__cert *att__dcap_pck_ca_cert(const att__dcap_collateral *c)
{
    return c ? c->pck_ca : NULL;
}

void att__dcap_window(const att__dcap_collateral *c, int64_t *not_before, int64_t *not_after)
{
    if (not_before)
        *not_before = c ? c->not_before : 0;
    if (not_after)
        *not_after = c ? c->not_after : -1;
}

int att__dcap_window_contains(const att__dcap_collateral *c, int64_t at)
{
    return c && c->not_before <= c->not_after && at >= c->not_before && at <= c->not_after;
}

const att__dcap_hashes *att__dcap_collateral_hashes(const att__dcap_collateral *c)
{
    return c ? &c->hashes : NULL;
}

att__dcap_collateral *att__dcap_ref(att__dcap_collateral *c)
{
    if (c)
        atomic_fetch_add(&c->refs, 1);
    return c;
}

void att__dcap_unref(att__dcap_collateral *c)
{
    if (!c || atomic_fetch_sub(&c->refs, 1) != 1)
        return;
    att__arena_free(&c->arena);
    att__cert_free(c->root);
    att__cert_free(c->pck_ca);
    att__certs_free(c->pck_chain, c->n_pck_chain);
    att__certs_free(c->tcb_chain, c->n_tcb_chain);
    att__certs_free(c->qe_chain, c->n_qe_chain);
    att__crl_free(c->root_crl);
    att__crl_free(c->pck_crl);
    free(c);
}

/* ---- helpers ---- */

/* The CN value of an RFC 2253 name string into out ("" when none). */
static void cn_of_name(const char *s, char *out, size_t cap)
{
    out[0] = '\0';
    for (const char *p = s; *p; p++) {
        if ((p == s || p[-1] == ',') && strncmp(p, "CN=", 3) == 0) {
            size_t k = strcspn(p + 3, ",");
            snprintf(out, cap, "%.*s", (int)k, p + 3);
        }
    }
}

/* The CN value of a certificate's subject into out ("" when none). */
static void cn_of(const att__cert *cert, char *out, size_t cap)
{
    char *s = NULL;
    out[0] = '\0';
    if (att__cert_subject(cert, &s) != ATT_OK || !s)
        return;
    cn_of_name(s, out, cap);
    free(s);
}

/* Parses an issuer chain PEM: exactly 2 certificates (CA + root), the root equal by subject
 * and key to one of the anchors (returned in *anchor). */
static int load_chain(const char *what, const char *pem, size_t n, const att__cert *const *anchors,
                      size_t n_anchors, att__cert ***certs, size_t *count, const att__cert **anchor,
                      att_diag *d)
{
    if (!pem || n == 0)
        return att_diag_fail(d, ATT_EPARSE, "collateral.chain", what, "%s: missing", what);
    int rc = att__certs_from_pem(pem, n, certs, count);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "collateral.chain", what, "%s: not a PEM certificate chain",
                             what);
    if (*count != 2)
        return att_diag_fail(d, ATT_ECHAIN, "collateral.chain", what,
                             "%s: holds %zu certificates (expected 2: CA and Intel root)", what,
                             *count);
    *anchor = NULL;
    for (size_t i = 0; i < n_anchors && !*anchor; i++)
        if (att__cert_same_subject_and_key((*certs)[1], anchors[i]))
            *anchor = anchors[i];
    if (!*anchor)
        return att_diag_fail(d, ATT_ECHAIN, "collateral.chain.untrusted_root", what,
                             "%s: root certificate is not a trusted anchor", what);
    return ATT_OK;
}

/* Decodes and parses one CRL; checks its issuer Name (DER) equals the subject of `issuer`
 * and that it carries CRL Number and AKI (§2.3). */
static int load_crl(const char *what, const uint8_t *in, size_t n, int is_der,
                    const att__cert *issuer, att__crl **crl, att__crl_info *info, uint8_t hash[32],
                    att_diag *d)
{
    uint8_t *der = NULL, *cder = NULL;
    size_t der_n = 0, cder_n = 0;
    const uint8_t *subj;
    size_t subj_n;
    int rc = att__dcap_crl_decode(in, n, is_der, &der, &der_n);
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "collateral.crl", what, "%s: not DER, PEM, hex or base64", what);
        goto out;
    }
    rc = att__crl_from_der(der, der_n, crl);
    if (rc == ATT_OK)
        rc = att__der_crl_info(der, der_n, info);
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "collateral.crl", what, "%s: malformed CRL", what);
        goto out;
    }
    if (!info->has_crl_number || !info->has_aki) {
        rc = att_diag_fail(d, ATT_EINVAL, "collateral.crl.extensions", what,
                           "%s: CRL lacks the %s extension", what,
                           info->has_crl_number ? "Authority Key Identifier" : "CRL Number");
        goto out;
    }
    rc = att__cert_der(issuer, &cder, &cder_n);
    if (rc == ATT_OK)
        rc = att__der_cert_subject(cder, cder_n, &subj, &subj_n);
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "collateral.crl", what, "%s: issuer certificate unreadable", what);
        goto out;
    }
    if (subj_n != info->issuer_n || memcmp(subj, info->issuer, subj_n) != 0) {
        char cn[128];
        cn_of(issuer, cn, sizeof(cn));
        rc = att_diag_fail(d, ATT_EMISMATCH, "collateral.crl.issuer", what,
                           "%s: CRL is not issued by %s", what, cn);
        goto out;
    }
    rc = att__hash(ATT_HASH_SHA256, der, der_n, hash);
out:
    /* info->issuer points into der: it is not used after this function */
    info->issuer = NULL;
    free(der);
    free(cder);
    return rc;
}

/* Window bookkeeping: intersect [nb, na]. */
static void clip(int64_t *lo, int64_t *hi, int64_t nb, int64_t na)
{
    if (nb > *lo)
        *lo = nb;
    if (na < *hi)
        *hi = na;
}

/* Intersects the validity of every certificate of a chain into [*lo, *hi]. */
static int clip_chain(att__cert *const *certs, size_t n, int64_t *lo, int64_t *hi)
{
    for (size_t i = 0; i < n; i++) {
        int64_t nb, na;
        int rc = att__cert_validity(certs[i], &nb, &na);
        if (rc != ATT_OK)
            return rc;
        clip(lo, hi, nb, na);
    }
    return ATT_OK;
}

/* A revocation of the chain's CA (the only certificate of a 2-certificate issuer chain the
 * root CRL can list) re-stated with names and serial: "TCB info issuer chain: Intel SGX TCB
 * Signing certificate revoked by Intel SGX Root CA CRL (serial 7e38...)". Returns 0,
 * leaving d alone, when the revoked certificate the verifier named (local->field) is not
 * ca. */
static int restate_revoked(const char *what, const att__cert *ca, const att_diag *local,
                           att_diag *d)
{
    char *subj = NULL, *serial = NULL;
    char cn[128], issuer_cn[128];
    int ok = att__cert_subject(ca, &subj) == ATT_OK && subj && local->field[0] &&
             strncmp(subj, local->field, sizeof(local->field) - 1) == 0 &&
             att__cert_serial_hex(ca, &serial) == ATT_OK;
    if (ok) {
        char *iss = NULL;
        cn_of(ca, cn, sizeof(cn));
        issuer_cn[0] = '\0';
        if (att__cert_issuer(ca, &iss) == ATT_OK && iss)
            cn_of_name(iss, issuer_cn, sizeof(issuer_cn));
        free(iss);
        att_diag_fail(d, ATT_EREVOKED, local->reason, local->field,
                      "%s: %s certificate revoked by %s CRL (serial %s)", what, cn, issuer_cn,
                      serial);
        att_diag_expect(d, local->expected, local->found);
    }
    free(subj);
    free(serial);
    return ok;
}

/* Verifies chain[0] -> anchor with the given CRLs at the earliest instant where the
 * chain, the anchor and the CRLs are all valid. The diag message gets a "<what>: " prefix. */
static int verify_chain(const char *what, att__cert *const *chain, size_t n,
                        const att__cert *const *anchors, size_t n_anchors, const att__cert *anchor,
                        const att__crl *const *crls, const att__crl_info *infos, size_t n_crls,
                        att_diag *d)
{
    int64_t lo = INT64_MIN, hi = INT64_MAX, nb, na;
    if (clip_chain(chain, n, &lo, &hi) != ATT_OK || att__cert_validity(anchor, &nb, &na))
        return att_diag_fail(d, ATT_EPARSE, "collateral.chain", what,
                             "%s: certificate validity unreadable", what);
    clip(&lo, &hi, nb, na);
    for (size_t i = 0; i < n_crls; i++)
        clip(&lo, &hi, infos[i].this_update, infos[i].next_update);
    att__chain_opts o = {
        .intermediates = (const att__cert *const *)chain,
        .n_intermediates = n,
        .anchors = anchors,
        .n_anchors = n_anchors,
        .crls = crls,
        .n_crls = n_crls,
        .require_crls = 1,
        .at = lo < 0 ? 0 : lo,
    };
    att_diag local;
    att_diag_clear(&local);
    int rc = att__chain_verify(chain[0], &o, &local);
    if (rc == ATT_EREVOKED && restate_revoked(what, chain[0], &local, d))
        return rc;
    if (rc != ATT_OK) {
        if (rc == ATT_EEXPIRED)
            rc = ATT_ECHAIN; /* no instant at which the whole chain is valid */
        att_diag_fail(d, rc, local.reason, local.field, "%s: %s", what, local.message);
        att_diag_expect(d, local.expected, local.found);
    }
    return rc;
}

/* ECDSA-P256-SHA256 (raw r||s hex) by the first certificate of chain over text. */
static int verify_json_sig(const char *what, const char *reason, const att__cert *signer,
                           const char *text, size_t n, const char *sig_hex, size_t sig_n,
                           att_diag *d)
{
    uint8_t rs[64];
    size_t got = 0;
    if (!sig_hex || sig_n != 128 || att__hex_decode(sig_hex, sig_n, rs, &got) != ATT_OK ||
        got != 64)
        return att_diag_fail(d, ATT_EPARSE, reason, what,
                             "%s signature is not 64 bytes of hex (r||s)", what);
    att__pkey *k = NULL;
    int rc = att__cert_pubkey(signer, &k);
    if (rc == ATT_OK && att__pkey_type(k) != ATT_KEY_EC_P256)
        rc = ATT_EUNSUPPORTED;
    if (rc == ATT_OK)
        rc = att__ecdsa_verify_raw(k, ATT_HASH_SHA256, text, n, rs, sizeof(rs));
    att__pkey_free(k);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc == ATT_EUNSUPPORTED ? rc : ATT_ESIG, reason, what,
                             "%s signature invalid", what);
    return ATT_OK;
}

/* Signing certificate of a TCB-info / QE-identity chain must be Intel's TCB Signing. */
static int check_signer_cn(const char *what, const att__cert *c, att_diag *d)
{
    char cn[128];
    cn_of(c, cn, sizeof(cn));
    if (!strstr(cn, TCB_SIGNING_CN))
        return att_diag_fail(d, ATT_ECHAIN, "collateral.chain.signer", what,
                             "%s: signing certificate CN '%s' is not an Intel SGX TCB Signing "
                             "certificate",
                             what, cn);
    return ATT_OK;
}

/* ---- the loader ---- */

static int verify_x509(const att__dcap_raw *r, const att__cert *const *anchors, size_t n_anchors,
                       att__dcap_collateral *c, att_diag *d)
{
    const att__cert *a_pck, *a_tcb, *a_qe;
    att__crl_info ri, pi;
    char cn[128];
    int rc = load_chain("PCK CRL issuer chain", r->pck_chain, r->pck_chain_n, anchors, n_anchors,
                        &c->pck_chain, &c->n_pck_chain, &a_pck, d);
    if (rc == ATT_OK)
        rc = load_chain("TCB info issuer chain", r->tcb_chain, r->tcb_chain_n, anchors, n_anchors,
                        &c->tcb_chain, &c->n_tcb_chain, &a_tcb, d);
    if (rc == ATT_OK)
        rc = load_chain("QE identity issuer chain", r->qe_chain, r->qe_chain_n, anchors, n_anchors,
                        &c->qe_chain, &c->n_qe_chain, &a_qe, d);
    if (rc != ATT_OK)
        return rc;
    c->root = att__cert_ref((att__cert *)a_pck);
    c->pck_ca = att__cert_ref(c->pck_chain[0]);
    cn_of(c->pck_ca, cn, sizeof(cn));
    if (strcmp(cn, PCK_PROCESSOR_CN) == 0)
        c->ca = ATT_PCK_CA_PROCESSOR;
    else if (strcmp(cn, PCK_PLATFORM_CN) == 0)
        c->ca = ATT_PCK_CA_PLATFORM;
    else
        return att_diag_fail(d, ATT_ECHAIN, "collateral.pck_ca", "PCK CRL issuer chain",
                             "PCK CRL issuer chain: CA '%s' is neither the Intel SGX PCK "
                             "Processor CA nor the Platform CA",
                             cn);
    rc = check_signer_cn("TCB info issuer chain", c->tcb_chain[0], d);
    if (rc == ATT_OK)
        rc = check_signer_cn("QE identity issuer chain", c->qe_chain[0], d);
    if (rc == ATT_OK)
        rc = load_crl("root CA CRL", r->root_crl, r->root_crl_n, r->root_crl_is_der, c->root,
                      &c->root_crl, &ri, c->hashes.root_crl, d);
    if (rc == ATT_OK)
        rc = load_crl("PCK CRL", r->pck_crl, r->pck_crl_n, r->pck_crl_is_der, c->pck_ca,
                      &c->pck_crl, &pi, c->hashes.pck_crl, d);
    if (rc != ATT_OK)
        return rc;

    /* Window over every certificate and CRL; the JSON dates are added after parsing. */
    c->not_before = INT64_MIN;
    c->not_after = INT64_MAX;
    clip_chain(c->pck_chain, c->n_pck_chain, &c->not_before, &c->not_after);
    clip_chain(c->tcb_chain, c->n_tcb_chain, &c->not_before, &c->not_after);
    clip_chain(c->qe_chain, c->n_qe_chain, &c->not_before, &c->not_after);
    clip(&c->not_before, &c->not_after, ri.this_update, ri.next_update);
    clip(&c->not_before, &c->not_after, pi.this_update, pi.next_update);

    const att__crl *pck_crls[2] = {c->root_crl, c->pck_crl};
    const att__crl_info pck_infos[2] = {ri, pi};
    rc = verify_chain("PCK CRL issuer chain", c->pck_chain, c->n_pck_chain, anchors, n_anchors,
                      a_pck, pck_crls, pck_infos, 2, d);
    if (rc == ATT_OK)
        rc = verify_chain("TCB info issuer chain", c->tcb_chain, c->n_tcb_chain, anchors, n_anchors,
                          a_tcb, pck_crls, &ri, 1, d);
    if (rc == ATT_OK)
        rc = verify_chain("QE identity issuer chain", c->qe_chain, c->n_qe_chain, anchors,
                          n_anchors, a_qe, pck_crls, &ri, 1, d);
    return rc;
}

static int verify_json(const att__dcap_raw *r, att__dcap_collateral *c, att_diag *d)
{
    int rc = verify_json_sig("TCB info", "collateral.tcb_info.signature", c->tcb_chain[0],
                             r->tcb_info, r->tcb_info_n, r->tcb_sig, r->tcb_sig_n, d);
    if (rc == ATT_OK)
        rc = verify_json_sig("QE identity", "collateral.qe_identity.signature", c->qe_chain[0],
                             r->qe_id, r->qe_id_n, r->qe_sig, r->qe_sig_n, d);
    if (rc == ATT_OK)
        rc = att__dcap_parse_tcb_info(r->tcb_info, r->tcb_info_n, &c->arena, &c->tcb, d);
    if (rc == ATT_OK)
        rc = att__dcap_parse_qe_identity(r->qe_id, r->qe_id_n, &c->arena, &c->qe, d);
    if (rc != ATT_OK)
        return rc;
    const char *want = c->tcb.tee == ATT_TEE_TDX ? "TD_QE" : "QE";
    if (strcmp(c->qe.id, want) != 0)
        return att_diag_fail(d, ATT_EMISMATCH, "collateral.qe_identity.id", "enclaveIdentity.id",
                             "enclaveIdentity.id: '%s' does not fit %s TCB info (expected '%s')",
                             c->qe.id, c->tcb.tee == ATT_TEE_TDX ? "TDX" : "SGX", want);
    clip(&c->not_before, &c->not_after, c->tcb.issue_date, c->tcb.next_update);
    clip(&c->not_before, &c->not_after, c->qe.issue_date, c->qe.next_update);
    return ATT_OK;
}

static int compute_hashes(const att__dcap_raw *r, att__dcap_hashes *h)
{
    int rc = att__hash(ATT_HASH_SHA256, r->tcb_info, r->tcb_info_n, h->tcbinfo);
    if (rc == ATT_OK)
        rc = att__hash(ATT_HASH_SHA256, r->qe_id, r->qe_id_n, h->qeid);
    if (rc == ATT_OK)
        rc = att__hash(ATT_HASH_SHA256, r->tcb_chain, r->tcb_chain_n, h->tcbinfo_certs);
    if (rc == ATT_OK)
        rc = att__hash(ATT_HASH_SHA256, r->qe_chain, r->qe_chain_n, h->qeid_certs);
    return rc;
}

int att__dcap_collateral_from_raw(const att__dcap_raw *raw, const att__cert *const *anchors,
                                  size_t n_anchors, att__dcap_collateral **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!raw || !out || !anchors || n_anchors == 0)
        return att_diag_fail(d, ATT_EINVAL, "collateral.args", "",
                             "collateral load called without input, output or anchors");
    for (size_t i = 0; i < n_anchors; i++)
        if (!anchors[i])
            return att_diag_fail(d, ATT_EINVAL, "collateral.args", "", "NULL trust anchor");
    if (!raw->tcb_info || !raw->qe_id)
        return att_diag_fail(d, ATT_EINVAL, "collateral.args", "",
                             "collateral without TCB info or QE identity");
    att__dcap_collateral *c = calloc(1, sizeof(*c));
    if (!c)
        return att_diag_fail(d, ATT_ENOMEM, "collateral.nomem", "", "out of memory");
    atomic_init(&c->refs, 1);
    att__arena_init(&c->arena);
    int rc = verify_x509(raw, anchors, n_anchors, c, d);
    if (rc == ATT_OK)
        rc = verify_json(raw, c, d);
    if (rc == ATT_OK && compute_hashes(raw, &c->hashes) != ATT_OK)
        rc = att_diag_fail(d, ATT_ECRYPTO, "collateral.hash", "", "hashing collateral failed");
    if (rc != ATT_OK) {
        att__dcap_unref(c);
        return rc;
    }
    if (c->not_before > c->not_after) {
        char fmspc[13];
        att__hex_encode(c->tcb.fmspc, 6, 0, fmspc);
        att__warn("collateral validity window is empty", "fmspc=%s not_before=%lld not_after=%lld",
                  fmspc, (long long)c->not_before, (long long)c->not_after);
    }
    *out = c;
    return ATT_OK;
}

/* ---- normalized JSON form ---- */

/* The string member key of obj into (*s, *n), borrowed from obj. */
static int str_member(json_t *obj, const char *key, const char **s, size_t *n, att_diag *d)
{
    json_t *v = json_object_get(obj, key);
    if (!v)
        return att_diag_fail(d, ATT_EINVAL, "collateral.member", key, "%s: required member missing",
                             key);
    if (!json_is_string(v) || json_string_length(v) == 0)
        return att_diag_fail(d, ATT_EINVAL, "collateral.member", key, "%s: not a non-empty string",
                             key);
    *s = json_string_value(v);
    *n = json_string_length(v);
    return ATT_OK;
}

int att__dcap_collateral_load_json(const char *json, size_t n, const att__cert *const *anchors,
                                   size_t n_anchors, att__dcap_collateral **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!json || n == 0)
        return att_diag_fail(d, ATT_EPARSE, "collateral.json", "", "empty collateral");
    if (n > ATT_DCAP_MAX_FILE)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.json", "",
                             "collateral of %zu bytes exceeds %u", n, ATT_DCAP_MAX_FILE);
    if (att__dcap_json_depth_ok(json, n) != ATT_OK)
        return att_diag_fail(d, ATT_ELIMIT, "collateral.json", "",
                             "collateral JSON nested too deep");
    json_error_t err;
    json_t *root = json_loadb(json, n, JSON_REJECT_DUPLICATES, &err);
    if (!root)
        return att_diag_fail(d, ATT_EPARSE, "collateral.json", "",
                             "collateral is not JSON (line %d column %d: %s)", err.line, err.column,
                             err.text);
    att__dcap_raw r;
    memset(&r, 0, sizeof(r));
    const char *rc_s, *pc_s;
    int rc = json_is_object(root) ? ATT_OK
                                  : att_diag_fail(d, ATT_EPARSE, "collateral.json", "",
                                                  "collateral is not a JSON object");
    if (rc == ATT_OK)
        rc = str_member(root, "pck_crl_issuer_chain", &r.pck_chain, &r.pck_chain_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "root_ca_crl", &rc_s, &r.root_crl_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "pck_crl", &pc_s, &r.pck_crl_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "tcb_info_issuer_chain", &r.tcb_chain, &r.tcb_chain_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "tcb_info", &r.tcb_info, &r.tcb_info_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "tcb_info_signature", &r.tcb_sig, &r.tcb_sig_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "qe_identity_issuer_chain", &r.qe_chain, &r.qe_chain_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "qe_identity", &r.qe_id, &r.qe_id_n, d);
    if (rc == ATT_OK)
        rc = str_member(root, "qe_identity_signature", &r.qe_sig, &r.qe_sig_n, d);
    if (rc == ATT_OK) {
        r.root_crl = (const uint8_t *)rc_s;
        r.pck_crl = (const uint8_t *)pc_s;
        rc = att__dcap_collateral_from_raw(&r, anchors, n_anchors, out, d);
    }
    json_decref(root);
    return rc;
}
