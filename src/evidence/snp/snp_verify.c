/* SEV-SNP report verification (snp.h; reference/hw-evidence.md §3.2-3.4): report field
 * checks, the VEK and its chain to the pinned ARK (verified once, then served from the cache
 * in snp_cache.c), VEK extensions against REPORTED_TCB and CHIP_ID, and the report's ECDSA
 * P-384 signature. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/kds.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/log.h"
#include "core/timeutil.h"
#include "evidence/snp/snp_int.h"

/* Cache keys: SHA-256 over a tag, the product hint and the identifying bytes. Returns 0
 * when hashing failed (out of memory): the caller then neither looks up nor stores. */
static int cache_key(const char *tag, att__snp_product hint, const void *a, size_t an,
                     const void *b, size_t bn, uint8_t out[32])
{
    att__hash_ctx *h = NULL;
    uint8_t p = (uint8_t)hint;
    if (att__hash_new(ATT_HASH_SHA256, &h) != ATT_OK)
        return 0;
    int ok = att__hash_update(h, tag, strlen(tag) + 1) == ATT_OK &&
             att__hash_update(h, &p, 1) == ATT_OK &&
             (an == 0 || att__hash_update(h, a, an) == ATT_OK) &&
             (bn == 0 || att__hash_update(h, b, bn) == ATT_OK) && att__hash_final(h, out) == ATT_OK;
    att__hash_free(h);
    return ok;
}

/* Index of the VEK (CN SEV-VCEK / SEV-VLEK) in certs, or -1. */
static long find_vek(const att__cert *const *certs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char cn[32];
        if (att__snp_cert_cn(certs[i], cn, sizeof(cn)) == ATT_OK &&
            (strcmp(cn, "SEV-VCEK") == 0 || strcmp(cn, "SEV-VLEK") == 0))
            return (long)i;
    }
    return -1;
}

static void intersect(const att__cert *c, int64_t *nb, int64_t *na)
{
    int64_t b, a;
    if (c && att__cert_validity(c, &b, &a) == ATT_OK) {
        if (b > *nb)
            *nb = b;
        if (a < *na)
            *na = a;
    }
}

/* Verifies vek (borrowed) and its chain to the pinned ARK of its product at `at`; extra
 * (borrowed) are candidate intermediates. Fills e (e->key is a new reference). */
static int verify_vek_chain(const att__cert *vek, const att__cert *const *extra, size_t n_extra,
                            const att__snp_certs *pool, att__snp_product hint, int64_t at,
                            att__snp_vek_entry *e, att_diag *d)
{
    memset(e, 0, sizeof(*e));
    int rc = att__snp_vek_ext_from_cert(vek, &e->ext, d);
    if (rc != ATT_OK)
        return rc;
    char *s = NULL;
    if (att__cert_subject(vek, &s) == ATT_OK)
        snprintf(e->subject, sizeof(e->subject), "%s", s);
    free(s);
    s = NULL;
    if (att__cert_serial_hex(vek, &s) == ATT_OK)
        snprintf(e->serial, sizeof(e->serial), "%s", s);
    free(s);
    const char *kind = e->ext.is_vlek ? "VLEK" : "VCEK";
    att__snp_product vp = att__snp_product_parse(e->ext.product_name);
    if (hint != ATT_SNP_PRODUCT_UNKNOWN && vp != ATT_SNP_PRODUCT_UNKNOWN && vp != hint)
        return att_diag_fail(d, ATT_EMISMATCH, "snp.vek.product", "productName",
                             "%s is for product %s (productName \"%s\") but the report is from a "
                             "%s processor",
                             kind, att__snp_product_name(vp), e->ext.product_name,
                             att__snp_product_name(hint));
    e->product = hint != ATT_SNP_PRODUCT_UNKNOWN ? hint : vp;
    if (e->product == ATT_SNP_PRODUCT_UNKNOWN)
        return att_diag_fail(d, ATT_EINVAL, "snp.product.unknown", "productName",
                             "cannot tell the SEV-SNP product: the report (version 2) has no "
                             "CPUID fields and the %s names none (productName \"%s\")",
                             kind, e->ext.product_name);
    const char *pname = att__snp_product_name(e->product);

    att__hash_alg h = 0, mh = 0;
    int salt = 0;
    rc = att__cert_sig_pss_params(vek, &h, &mh, &salt);
    if (rc != ATT_OK || h != ATT_HASH_SHA384 || mh != ATT_HASH_SHA384 || salt != 48)
        return att_diag_fail(d, rc != ATT_OK ? rc : ATT_EUNSUPPORTED, "snp.vek.sigalg",
                             "signatureAlgorithm",
                             "%s (%s) is not signed with RSASSA-PSS SHA-384, MGF1-SHA-384, salt "
                             "48 as AMD signs",
                             kind, e->subject);

    const att__cert *inter[2 * ATT_MAX_CHAIN_CERTS + 2];
    size_t ni = 0;
    for (size_t i = 0; i < n_extra && ni < ATT_MAX_CHAIN_CERTS; i++)
        if (extra[i] != vek)
            inter[ni++] = extra[i];
    ni += att__snp_pool_cas(pool, e->product, inter + ni, ATT_MAX_CHAIN_CERTS);
    const att__cert *ask = att__snp_builtin(e->product, ATT_SNP_CA_ASK);
    const att__cert *asvk = att__snp_builtin(e->product, ATT_SNP_CA_ASVK);
    const att__cert *ark = att__snp_builtin(e->product, ATT_SNP_CA_ARK);
    if (!ark)
        return att_diag_fail(d, ATT_EINTERNAL, "snp.ark.missing", pname,
                             "no pinned ARK for %s (built-in certificate defect)", pname);
    inter[ni++] = e->ext.is_vlek ? asvk : ask;
    const att__crl *const *crls = NULL;
    size_t n_crls = att__snp_pool_crls(pool, &crls);
    att__chain_opts co = {.intermediates = inter,
                          .n_intermediates = ni,
                          .anchors = &ark,
                          .n_anchors = 1,
                          .crls = crls,
                          .n_crls = n_crls,
                          .at = at};
    att_diag sub;
    att_diag_clear(&sub);
    rc = att__chain_verify(vek, &co, &sub);
    if (rc != ATT_OK) {
        att_diag_fail(d, rc, "snp.vek.chain", sub.field[0] ? sub.field : kind,
                      "%s chain to ARK-%s does not verify: %s", kind, pname, sub.message);
        if (sub.expected[0] || sub.found[0])
            att_diag_expect(d, sub.expected, sub.found);
        return rc;
    }
    e->not_before = INT64_MIN;
    e->not_after = INT64_MAX;
    intersect(vek, &e->not_before, &e->not_after);
    intersect(e->ext.is_vlek ? asvk : ask, &e->not_before, &e->not_after);
    intersect(ark, &e->not_before, &e->not_after);
    if ((rc = att__cert_pubkey(vek, &e->key)) != ATT_OK)
        return att_diag_fail(d, rc, "snp.vek.key", kind, "cannot read the %s public key", kind);
    return ATT_OK;
}

static int vek_by_identity(const att__snp_report *r, const att__snp_verify_opts *o,
                           att__snp_product hint, att__snp_vek_entry *e, att_diag *d);

/* The VEK from certificates the evidence carried; a chain without one (only ASK/ARK) falls
 * back to the pool and the KDS when they are configured. */
static int vek_from_chain(const att__snp_report *r, const att__snp_verify_opts *o,
                          att__snp_product hint, att__snp_vek_entry *e, att_diag *d)
{
    att__cert **parsed = NULL;
    size_t np = 0;
    const att__cert *const *certs = o->chain;
    size_t n = o->n_chain;
    uint8_t key[32];
    int rc, have_key = 0;
    if (o->chain_bytes) {
        have_key = cache_key("snp-chain", hint, o->chain_bytes, o->chain_bytes_len, NULL, 0, key);
        if (have_key && att__snp_cache_get(key, e))
            return 1;
        if (!certs) {
            rc = att__certs_from_pem(o->chain_bytes, o->chain_bytes_len, &parsed, &np);
            if (rc != ATT_OK)
                return att_diag_fail(d, rc, "snp.chain.pem", "VcekCertChain",
                                     rc == ATT_ELIMIT
                                         ? "VcekCertChain holds more than %u certificates"
                                         : "VcekCertChain holds no readable PEM certificate",
                                     ATT_MAX_CHAIN_CERTS);
            certs = (const att__cert *const *)parsed;
            n = np;
        }
    }
    long vi = find_vek(certs, n);
    if (vi < 0 && (o->pool || o->kds)) {
        att__certs_free(parsed, np);
        return vek_by_identity(r, o, hint, e, d);
    }
    if (vi < 0) {
        att__certs_free(parsed, np);
        return att_diag_fail(d, ATT_EINVAL, "snp.chain.vek", "VcekCertChain",
                             "the certificate chain has no VCEK or VLEK (CN=SEV-VCEK / SEV-VLEK)");
    }
    uint8_t *der = NULL;
    size_t dn = 0;
    uint8_t dkey[32];
    int have_dkey = 0;
    if (att__cert_der(certs[vi], &der, &dn) == ATT_OK) {
        have_dkey = cache_key("snp-vek", hint, der, dn, NULL, 0, dkey);
        free(der);
        if (have_dkey && att__snp_cache_get(dkey, e)) {
            if (have_key)
                att__snp_cache_put(key, e);
            att__certs_free(parsed, np);
            return 1;
        }
    }
    rc = verify_vek_chain(certs[vi], certs, n, o->pool, hint, o->at, e, d);
    att__certs_free(parsed, np);
    if (rc != ATT_OK)
        return rc;
    if (have_dkey)
        att__snp_cache_put(dkey, e);
    if (have_key)
        att__snp_cache_put(key, e);
    return 0;
}

/* The VEK from the pool or the KDS, identified by the report's chip and TCB. */
static int vek_by_identity(const att__snp_report *r, const att__snp_verify_opts *o,
                           att__snp_product hint, att__snp_vek_entry *e, att_diag *d)
{
    int vlek = r->signing_key == ATT_SNP_SIGNER_VLEK;
    uint8_t key[32];
    int have_key = cache_key(vlek ? "snp-vlek-id" : "snp-vcek-id", hint, r->chip_id, 64,
                             &r->reported_tcb, 8, key);
    if (have_key && att__snp_cache_get(key, e))
        return 1;
    att__snp_tcb tcb;
    att__snp_tcb_decode(r->reported_tcb, hint, &tcb);
    const att__cert *vek = att__snp_pool_vek(o->pool, hint, vlek, r->chip_id, &tcb);
    att__cert *fetched = NULL;
    int rc;
    if (!vek && o->kds && !vlek) {
        if (hint == ATT_SNP_PRODUCT_UNKNOWN)
            return att_diag_fail(d, ATT_EINVAL, "snp.product.unknown", "product",
                                 "cannot fetch the VCEK: the report (version 2) has no CPUID "
                                 "fields; configure the SEV-SNP product");
        att__kds_tcb kt = {.bl = tcb.bl,
                           .tee = tcb.tee,
                           .snp = tcb.snp,
                           .ucode = tcb.ucode,
                           .fmc = tcb.fmc,
                           .has_fmc = hint == ATT_SNP_TURIN};
        uint8_t *der = NULL;
        size_t n = 0;
        att_diag sub;
        att_diag_clear(&sub);
        rc = att__kds_vcek(o->kds, att__snp_product_name(hint), r->chip_id,
                           hint == ATT_SNP_TURIN ? 8 : 64, &kt, &der, &n, &sub);
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "snp.vek.fetch", "VCEK",
                                 "the request has no VCEK and fetching it failed: %s", sub.message);
        rc = att__cert_from_der(der, n, &fetched);
        free(der);
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "snp.vek.fetch", "VCEK",
                                 "the KDS answered with something that is not a DER certificate");
        vek = fetched;
    }
    if (!vek)
        return att_diag_fail(
            d, ATT_ENOTFOUND, "snp.vek.missing", vlek ? "VLEK" : "VCEK",
            "no %s for this report: no certificate chain came with it and "
            "none of the configured AMD certificates matches its CHIP_ID and TCB%s",
            vlek ? "VLEK" : "VCEK", vlek ? "" : " (load AMD certificates or configure a KDS URL)");
    rc = verify_vek_chain(vek, NULL, 0, o->pool, hint, o->at, e, d);
    att__cert_free(fetched);
    if (rc != ATT_OK)
        return rc;
    if (have_key)
        att__snp_cache_put(key, e);
    return 0;
}

static void hex_short(const uint8_t *p, size_t n, char *out, size_t cap)
{
    char buf[129];
    if (n > 64)
        n = 64;
    att__hex_encode(p, n, 0, buf);
    snprintf(out, cap, "%s", buf);
}

/* Compares one VEK SPL with the REPORTED_TCB part of the same name. */
static int tcb_part(att_diag *d, const char *kind, const char *name, uint8_t vek, uint8_t rep)
{
    if (vek == rep)
        return ATT_OK;
    att_diag_fail(d, ATT_EMISMATCH, "snp.tcb.mismatch", name,
                  "%s TCB extension %s=%u does not match REPORTED_TCB %s=%u", kind, name, vek, name,
                  rep);
    char e[8], f[8];
    snprintf(e, sizeof(e), "%u", vek);
    snprintf(f, sizeof(f), "%u", rep);
    att_diag_expect(d, e, f);
    return ATT_EMISMATCH;
}

int att__snp_verify(const att__snp_report *r, const att__snp_verify_opts *o, att__snp_result *res,
                    att_diag *d)
{
    memset(res, 0, sizeof(*res));
    if (r->sig_algo != ATT_SNP_SIG_ALGO_ECDSA_P384_SHA384)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "snp.report.sig_algo", "signature_algo",
                             "report SIGNATURE_ALGO is %u, only 1 (ECDSA P-384 with SHA-384) is "
                             "defined",
                             r->sig_algo);
    if (r->signing_key == ATT_SNP_SIGNER_NONE)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.signing_key", "signer_info",
                             "report is not signed (SIGNING_KEY 7: no key)");
    if (!(r->policy & ATT_SNP_POLICY_RESERVED))
        return att_diag_fail(d, ATT_EINVAL, "snp.report.policy", "policy",
                             "report POLICY 0x%llx: reserved bit 17 must be 1",
                             (unsigned long long)r->policy);
    if (r->policy & ATT_SNP_POLICY_MBZ)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.policy", "policy",
                             "report POLICY 0x%llx: bits 26-63 must be zero",
                             (unsigned long long)r->policy);
    if (r->vmpl > 3)
        return att_diag_fail(d, ATT_EINVAL, "snp.report.vmpl", "vmpl",
                             "report VMPL is %u, expected 0..3", r->vmpl);
    att__snp_product hint = r->product;
    if (o->product != ATT_SNP_PRODUCT_UNKNOWN) {
        if (hint != ATT_SNP_PRODUCT_UNKNOWN && hint != o->product)
            return att_diag_fail(d, ATT_EMISMATCH, "snp.product.mismatch", "cpuid",
                                 "the report is from a %s processor but %s is configured",
                                 att__snp_product_name(hint), att__snp_product_name(o->product));
        hint = o->product;
    }

    att__snp_vek_entry e;
    memset(&e, 0, sizeof(e));
    int rc = (o->n_chain > 0 || o->chain_bytes) ? vek_from_chain(r, o, hint, &e, d)
                                                : vek_by_identity(r, o, hint, &e, d);
    if (rc < 0)
        return rc;
    res->cache_hit = rc == 1;
    rc = ATT_OK;
    res->product = e.product;
    res->vek = e.ext;
    snprintf(res->vek_subject, sizeof(res->vek_subject), "%s", e.subject);
    snprintf(res->vek_serial, sizeof(res->vek_serial), "%s", e.serial);
    res->chain_not_before = e.not_before;
    res->chain_not_after = e.not_after;
    att__snp_tcb_decode(r->reported_tcb, e.product, &res->reported);
    att__snp_tcb_decode(r->current_tcb, e.product, &res->current);
    att__snp_tcb_decode(r->committed_tcb, e.product, &res->committed);
    att__snp_tcb_decode(r->launch_tcb, e.product, &res->launch);
    const char *kind = e.ext.is_vlek ? "VLEK" : "VCEK";

    if (o->at < e.not_before || o->at > e.not_after) {
        char t[32], nb[32], na[32];
        rc = att_diag_fail(d, ATT_EEXPIRED, "snp.vek.validity", kind,
                           "%s chain is not valid at %s (valid %s .. %s)", kind,
                           att__time_format(o->at, t, sizeof(t)),
                           att__time_format(e.not_before, nb, sizeof(nb)),
                           att__time_format(e.not_after, na, sizeof(na)));
        goto out;
    }
    if (r->product != ATT_SNP_PRODUCT_UNKNOWN && r->product != e.product) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "snp.vek.product", kind,
                           "%s is for %s but the report is from a %s processor", kind,
                           att__snp_product_name(e.product), att__snp_product_name(r->product));
        goto out;
    }
    if (e.ext.is_vlek != (r->signing_key == ATT_SNP_SIGNER_VLEK)) {
        rc = att_diag_fail(d, ATT_EMISMATCH, "snp.report.signing_key", "signer_info",
                           "report SIGNING_KEY says %s but the certificate is a %s",
                           r->signing_key == ATT_SNP_SIGNER_VLEK ? "VLEK" : "VCEK", kind);
        goto out;
    }
    const att__snp_tcb *t = &res->reported;
    if ((rc = tcb_part(d, kind, "bootloader", e.ext.bl, t->bl)) != ATT_OK ||
        (rc = tcb_part(d, kind, "tee", e.ext.tee, t->tee)) != ATT_OK ||
        (rc = tcb_part(d, kind, "snp", e.ext.snp, t->snp)) != ATT_OK ||
        (rc = tcb_part(d, kind, "microcode", e.ext.ucode, t->ucode)) != ATT_OK)
        goto out;
    if ((e.product == ATT_SNP_TURIN || e.ext.has_fmc) &&
        (rc = tcb_part(d, kind, "fmc", e.ext.fmc, t->fmc)) != ATT_OK)
        goto out;
    if (!e.ext.is_vlek) {
        if (r->mask_chip_key) {
            rc = att_diag_fail(d, ATT_EINVAL, "snp.report.mask_chip_key", "signer_info",
                               "report has MASK_CHIP_KEY set, so CHIP_ID cannot be matched to the "
                               "VCEK");
            goto out;
        }
        size_t hl = e.product == ATT_SNP_TURIN ? 8 : e.ext.hwid_len;
        if (hl > e.ext.hwid_len || !att__ct_equal(e.ext.hwid, r->chip_id, hl)) {
            char want[130], got[130];
            hex_short(e.ext.hwid, e.ext.hwid_len, want, sizeof(want));
            hex_short(r->chip_id, hl, got, sizeof(got));
            rc = att_diag_fail(d, ATT_EMISMATCH, "snp.hwid.mismatch", "chip_id",
                               "VCEK hwID %.16s... does not match report CHIP_ID %.16s...", want,
                               got);
            att_diag_expect(d, want, got);
            goto out;
        }
    }
    rc = att__ecdsa_verify_raw_le(e.key, ATT_HASH_SHA384, r->raw, ATT_SNP_SIGNED_SIZE, r->sig_r,
                                  r->sig_s, 72);
    if (rc != ATT_OK) {
        rc = att_diag_fail(d, rc == ATT_ESIG ? ATT_ESIG : rc, "snp.report.signature", "signature",
                           "report signature invalid (P-384, %s %s serial %s)", kind, e.subject,
                           e.serial);
        goto out;
    }
out:
    att__pkey_free(e.key);
    return rc;
}
