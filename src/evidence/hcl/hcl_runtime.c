/* HCL runtime claims JSON (keys, vm-configuration) and the TD quote cross-check (hcl.h). */
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/jsondepth.h"
#include "core/limits.h"
#include "evidence/hcl/hcl.h"

/* Decodes a base64url JWK member (n or e) into owned bytes. */
static int jwk_bytes(const json_t *jwk, const char *name, const char *path, uint8_t **out,
                     size_t *n, att_diag *d)
{
    const json_t *v = json_object_get(jwk, name);
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        att__b64_decode_alloc(json_string_value(v), json_string_length(v), out, n) != ATT_OK ||
        *n == 0) {
        free(*out);
        *out = NULL;
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.keys.akpub", path,
                             "%s.%s: the HCLAkPub RSA key needs a base64url '%s'", path, name,
                             name);
    }
    return ATT_OK;
}

/* HCLAkPub: an RSA JWK that imports as a public key. */
static int check_akpub(const json_t *jwk, const char *path, att_diag *d)
{
    const json_t *kty = json_object_get(jwk, "kty");
    if (!json_is_string(kty) || strcmp(json_string_value(kty), "RSA") != 0)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "hcl.runtime.keys.akpub", path,
                             "%s.kty: the vTPM attestation key (HCLAkPub) must be an RSA JWK",
                             path);
    uint8_t *n = NULL, *e = NULL;
    size_t nl = 0, el = 0;
    int rc = jwk_bytes(jwk, "n", path, &n, &nl, d);
    if (rc == ATT_OK)
        rc = jwk_bytes(jwk, "e", path, &e, &el, d);
    att__pkey *k = NULL;
    if (rc == ATT_OK && att__pkey_rsa_from_ne(n, nl, e, el, &k) != ATT_OK)
        rc = att_diag_fail(d, ATT_EPARSE, "hcl.runtime.keys.akpub", path,
                           "%s: the HCLAkPub modulus/exponent is not an RSA public key", path);
    att__pkey_free(k);
    free(n);
    free(e);
    return rc;
}

static int check_keys(const json_t *keys, const json_t **akpub, att_diag *d)
{
    if (!json_is_array(keys))
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.keys", "keys",
                             "hcl.runtime.keys: must be an array of JWKs");
    size_t i;
    const json_t *k;
    char path[48];
    json_array_foreach(keys, i, k)
    {
        snprintf(path, sizeof(path), "keys[%zu]", i);
        const json_t *kid = json_object_get(k, "kid");
        if (!json_is_object(k) || !json_is_string(kid))
            return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.keys.kid", path,
                                 "hcl.runtime.%s: a key must be a JWK object with a string 'kid'",
                                 path);
        if (strcmp(json_string_value(kid), "HCLAkPub") != 0)
            continue;
        if (*akpub)
            return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.keys.akpub", path,
                                 "hcl.runtime.%s: a second HCLAkPub key", path);
        int rc = check_akpub(k, path, d);
        if (rc != ATT_OK)
            return rc;
        *akpub = k;
    }
    return ATT_OK;
}

static int check_vmconfig(const json_t *vc, att_diag *d)
{
    if (!json_is_object(vc))
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.vm_configuration", "vm-configuration",
                             "hcl.runtime.vm-configuration: must be an object");
    static const char *const bools[] = {"secure-boot", "tpm-enabled", "console-enabled",
                                        "tpm-persisted"};
    for (size_t i = 0; i < sizeof(bools) / sizeof(bools[0]); i++) {
        const json_t *v = json_object_get(vc, bools[i]);
        if (v && !json_is_boolean(v))
            return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.vm_configuration", bools[i],
                                 "hcl.runtime.vm-configuration.%s: must be a boolean", bools[i]);
    }
    const json_t *id = json_object_get(vc, "vmUniqueId");
    if (id && !json_is_string(id))
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.vm_configuration", "vmUniqueId",
                             "hcl.runtime.vm-configuration.vmUniqueId: must be a string");
    return ATT_OK;
}

int att__hcl_runtime_parse(const att__hcl_report *r, json_t **out, const json_t **akpub,
                           const json_t **vmconfig, att_diag *d)
{
    *out = NULL;
    const json_t *ak = NULL, *vc = NULL;
    /* the HCL's buffer may end in NUL padding; the JSON text is everything before it */
    size_t n = r->runtime_len;
    while (n > 0 && r->runtime[n - 1] == 0)
        n--;
    size_t where;
    if (!att__json_depth_ok((const char *)r->runtime, n, ATT_MAX_JSON_DEPTH, &where))
        return att_diag_fail(d, ATT_ELIMIT, "hcl.runtime.depth", "hcl.runtime.data",
                             "hcl.runtime.data: the runtime claims nest deeper than %u levels (at "
                             "byte %zu)",
                             ATT_MAX_JSON_DEPTH, where);
    json_error_t err;
    json_t *j = json_loadb((const char *)r->runtime, n, JSON_REJECT_DUPLICATES, &err);
    if (!j)
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.json", "hcl.runtime.data",
                             "hcl.runtime.data: the runtime claims are not a JSON object: %s "
                             "(line %d, column %d)",
                             err.text, err.line, err.column);
    if (!json_is_object(j)) {
        json_decref(j);
        return att_diag_fail(d, ATT_EPARSE, "hcl.runtime.json", "hcl.runtime.data",
                             "hcl.runtime.data: the runtime claims are JSON but not an object");
    }
    int rc = ATT_OK;
    const json_t *keys = json_object_get(j, "keys");
    if (keys)
        rc = check_keys(keys, &ak, d);
    vc = json_object_get(j, "vm-configuration");
    if (rc == ATT_OK && vc)
        rc = check_vmconfig(vc, d);
    if (rc != ATT_OK) {
        json_decref(j);
        return rc;
    }
    *out = j;
    if (akpub)
        *akpub = ak;
    if (vmconfig)
        *vmconfig = vc;
    return ATT_OK;
}

int att__hcl_tdx_match_quote(const att__hcl_report *r, const att__hcl_td_fields *q, att_diag *d)
{
    if (r->type != ATT_HCL_REPORT_TDX)
        return att_diag_fail(d, ATT_EINVAL, "hcl.td_quote.type", "hcl.runtime.report_type",
                             "the HCL report holds an %s report, not a TDREPORT",
                             att__hcl_report_type_name(r->type));
    const att__hcl_tdreport *t = &r->td;
    const struct {
        const char *name;
        const uint8_t *a, *b;
        size_t n;
    } f[] = {
        {"report_data", t->report_data, q->report_data, 64},
        {"mrtd", t->mrtd, q->mrtd, 48},
        {"rtmr0", t->rtmr[0], q->rtmr[0], 48},
        {"rtmr1", t->rtmr[1], q->rtmr[1], 48},
        {"rtmr2", t->rtmr[2], q->rtmr[2], 48},
        {"rtmr3", t->rtmr[3], q->rtmr[3], 48},
        {"mrconfigid", t->mrconfigid, q->mrconfigid, 48},
        {"mrowner", t->mrowner, q->mrowner, 48},
        {"mrownerconfig", t->mrownerconfig, q->mrownerconfig, 48},
        {"td_attributes", t->td_attributes, q->td_attributes, 8},
        {"xfam", t->xfam, q->xfam, 8},
        {"tee_tcb_svn", t->tee_tcb_svn, q->tee_tcb_svn, 16},
        {"mrseam", t->mrseam, q->mrseam, 48},
        {"mrsignerseam", t->mrsignerseam, q->mrsignerseam, 48},
        {"seam_attributes", t->seam_attributes, q->seam_attributes, 8},
    };
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
        if (!f[i].b || memcmp(f[i].a, f[i].b, f[i].n) == 0)
            continue;
        char reason[48], want[129], got[129];
        snprintf(reason, sizeof(reason), "hcl.td_quote.%s", f[i].name);
        att_diag_fail(d, ATT_EMISMATCH, reason, f[i].name,
                      "the TD quote's %s differs from the HCL report's TDREPORT: the quote is "
                      "not of this TD report",
                      f[i].name);
        att__hex_encode(f[i].a, f[i].n, 0, want);
        att__hex_encode(f[i].b, f[i].n, 0, got);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}
