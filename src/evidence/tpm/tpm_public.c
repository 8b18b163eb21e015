/* TPMT_PUBLIC parsing (libtss2-mu), the key it describes, Name and Qualified Name, the
 * attributes a quoting key must have, and TPM algorithm IDs (quote.h). */
#include "evidence/tpm/quote.h"

#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/codec.h"

att__hash_alg att__tpm_hash_alg(uint16_t tpm_alg)
{
    switch (tpm_alg) {
    case ATT_TPM_ALG_SHA1:
        return ATT_HASH_SHA1;
    case ATT_TPM_ALG_SHA256:
        return ATT_HASH_SHA256;
    case ATT_TPM_ALG_SHA384:
        return ATT_HASH_SHA384;
    case ATT_TPM_ALG_SHA512:
        return ATT_HASH_SHA512;
    }
    return (att__hash_alg)0;
}

const char *att__tpm_alg_name(uint16_t tpm_alg)
{
    switch (tpm_alg) {
    case ATT_TPM_ALG_SHA1:
        return "sha1";
    case ATT_TPM_ALG_SHA256:
        return "sha256";
    case ATT_TPM_ALG_SHA384:
        return "sha384";
    case ATT_TPM_ALG_SHA512:
        return "sha512";
    case 0x0012:
        return "sm3_256";
    case ATT_TPM_ALG_RSA:
        return "rsa";
    case ATT_TPM_ALG_ECC:
        return "ecc";
    case ATT_TPM_ALG_RSASSA:
        return "rsassa";
    case ATT_TPM_ALG_RSAPSS:
        return "rsapss";
    case ATT_TPM_ALG_ECDSA:
        return "ecdsa";
    case ATT_TPM_ALG_NULL:
        return "null";
    case 0x0005:
        return "hmac";
    case ATT_TPM_ALG_AES:
        return "aes";
    case ATT_TPM_ALG_CFB:
        return "cfb";
    }
    return "unknown";
}

void att__tpm_hierarchy_qn(uint32_t handle, uint8_t out[4])
{
    out[0] = (uint8_t)(handle >> 24);
    out[1] = (uint8_t)(handle >> 16);
    out[2] = (uint8_t)(handle >> 8);
    out[3] = (uint8_t)handle;
}

int att__tpm_qualified_name(uint16_t name_alg, const uint8_t *parent_qn, size_t parent_qn_len,
                            const uint8_t *name, size_t name_len, uint8_t *out, size_t *out_len)
{
    att__hash_alg h = att__tpm_hash_alg(name_alg);
    if (!h)
        return ATT_EUNSUPPORTED;
    if (!parent_qn || !name || !out || !out_len || parent_qn_len > ATT_TPM_NAME_MAX ||
        name_len > ATT_TPM_NAME_MAX)
        return ATT_EINVAL;
    uint8_t buf[2 * ATT_TPM_NAME_MAX];
    memcpy(buf, parent_qn, parent_qn_len);
    memcpy(buf + parent_qn_len, name, name_len);
    out[0] = (uint8_t)(name_alg >> 8);
    out[1] = (uint8_t)name_alg;
    int rc = att__hash(h, buf, parent_qn_len + name_len, out + 2);
    if (rc != ATT_OK)
        return rc;
    *out_len = 2 + att__hash_len(h);
    return ATT_OK;
}

void att__tpm_public_clear(att__tpm_public *p)
{
    if (!p)
        return;
    att__pkey_free(p->key);
    memset(p, 0, sizeof(*p));
}

/* The RSA key of a public area: modulus size must equal keyBits. */
static int rsa_key(const TPMT_PUBLIC *t, att__tpm_public *out, att_diag *d)
{
    const TPMS_RSA_PARMS *r = &t->parameters.rsaDetail;
    size_t nlen = t->unique.rsa.size;
    if (r->keyBits < 1024 || r->keyBits > 16384 || r->keyBits % 8 || nlen != r->keyBits / 8u)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.key_bits", "parameters.keyBits",
                             "TPMT_PUBLIC: RSA keyBits %u with a %zu-byte modulus is not "
                             "supported",
                             (unsigned)r->keyBits, nlen);
    uint32_t e = r->exponent ? r->exponent : 65537u;
    uint8_t eb[4] = {(uint8_t)(e >> 24), (uint8_t)(e >> 16), (uint8_t)(e >> 8), (uint8_t)e};
    int rc = att__pkey_rsa_from_ne(t->unique.rsa.buffer, nlen, eb, 4, &out->key);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.public.key", "unique.rsa",
                             "TPMT_PUBLIC: the RSA public key is invalid (%s)", att_strerror(rc));
    out->key_bits = r->keyBits;
    return ATT_OK;
}

/* The ECC key: coordinates left-padded to the field size (a TPM may strip leading zeros). */
static int ecc_key(const TPMT_PUBLIC *t, att__tpm_public *out, att_diag *d)
{
    const TPMS_ECC_PARMS *e = &t->parameters.eccDetail;
    size_t field;
    att__key_type kt;
    if (e->curveID == ATT_TPM_ECC_NIST_P256) {
        field = 32;
        kt = ATT_KEY_EC_P256;
    } else if (e->curveID == ATT_TPM_ECC_NIST_P384) {
        field = 48;
        kt = ATT_KEY_EC_P384;
    } else {
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.curve", "parameters.curveID",
                             "TPMT_PUBLIC: ECC curve 0x%04x is not supported (P-256, P-384)",
                             (unsigned)e->curveID);
    }
    size_t xl = t->unique.ecc.x.size, yl = t->unique.ecc.y.size;
    if (xl == 0 || yl == 0 || xl > field || yl > field)
        return att_diag_fail(d, ATT_EINVAL, "tpm.public.key", "unique.ecc",
                             "TPMT_PUBLIC: ECC point coordinates of %zu/%zu bytes for a %zu-byte "
                             "curve",
                             xl, yl, field);
    uint8_t xy[96] = {0};
    memcpy(xy + field - xl, t->unique.ecc.x.buffer, xl);
    memcpy(xy + 2 * field - yl, t->unique.ecc.y.buffer, yl);
    memcpy(out->ecc_xy, xy, 2 * field);
    out->ecc_field = field;
    int rc = att__pkey_ec_from_raw(kt, xy, 2 * field, &out->key);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.public.key", "unique.ecc",
                             "TPMT_PUBLIC: the ECC public point is invalid (%s)", att_strerror(rc));
    out->curve = e->curveID;
    out->key_bits = (uint16_t)(field * 8);
    return ATT_OK;
}

int att__tpm_public_parse(const uint8_t *buf, size_t n, att__tpm_public_enc enc,
                          att__tpm_public *out, att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!buf || n == 0)
        return att_diag_fail(d, ATT_EINVAL, "tpm.public.missing", "public",
                             "TPM public area is empty");
    if (enc == ATT_TPM_PUBLIC_AUTO)
        enc = (n >= 2 && (((size_t)buf[0] << 8) | buf[1]) == n - 2) ? ATT_TPM_PUBLIC_TPM2B
                                                                    : ATT_TPM_PUBLIC_TPMT;
    const uint8_t *raw = buf;
    size_t raw_len = n;
    if (enc == ATT_TPM_PUBLIC_TPM2B) {
        if (n < 2 || (((size_t)buf[0] << 8) | buf[1]) != n - 2)
            return att_diag_fail(d, ATT_EPARSE, "tpm.public.size", "TPM2B_PUBLIC.size",
                                 "TPM2B_PUBLIC: size field does not match its %zu bytes", n);
        raw = buf + 2;
        raw_len = n - 2;
    }
    if (raw_len > ATT_TPM_PUBLIC_MAX)
        return att_diag_fail(d, ATT_ELIMIT, "tpm.public.size", "public",
                             "TPMT_PUBLIC of %zu bytes exceeds %d", raw_len, ATT_TPM_PUBLIC_MAX);

    TPMT_PUBLIC t;
    memset(&t, 0, sizeof(t));
    size_t off = 0;
    if (Tss2_MU_TPMT_PUBLIC_Unmarshal(raw, raw_len, &off, &t) != TSS2_RC_SUCCESS)
        return att_diag_fail(d, ATT_EPARSE, "tpm.public.malformed", "TPMT_PUBLIC",
                             "TPMT_PUBLIC is malformed (%zu bytes)", raw_len);
    if (off != raw_len)
        return att_diag_fail(d, ATT_EPARSE, "tpm.public.trailing", "TPMT_PUBLIC",
                             "TPMT_PUBLIC: %zu trailing bytes after the structure", raw_len - off);

    att__hash_alg nh = att__tpm_hash_alg(t.nameAlg);
    if (!nh)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.name_alg", "nameAlg",
                             "TPMT_PUBLIC: nameAlg 0x%04x is not supported", (unsigned)t.nameAlg);
    out->type = t.type;
    out->name_alg = t.nameAlg;
    out->attributes = t.objectAttributes;
    if (t.authPolicy.size > sizeof(out->policy))
        return att_diag_fail(d, ATT_EPARSE, "tpm.public.policy", "authPolicy",
                             "TPMT_PUBLIC: authPolicy of %u bytes", (unsigned)t.authPolicy.size);
    memcpy(out->policy, t.authPolicy.buffer, t.authPolicy.size);
    out->policy_len = t.authPolicy.size;

    int rc;
    if (t.type == TPM2_ALG_RSA) {
        const TPMS_RSA_PARMS *r = &t.parameters.rsaDetail;
        out->sym_alg = r->symmetric.algorithm;
        if (r->symmetric.algorithm != TPM2_ALG_NULL) {
            out->sym_bits = r->symmetric.keyBits.sym;
            out->sym_mode = r->symmetric.mode.sym;
        }
        out->scheme = r->scheme.scheme;
        if (r->scheme.scheme != TPM2_ALG_NULL)
            out->scheme_hash = r->scheme.details.anySig.hashAlg;
        rc = rsa_key(&t, out, d);
    } else if (t.type == TPM2_ALG_ECC) {
        const TPMS_ECC_PARMS *e = &t.parameters.eccDetail;
        out->sym_alg = e->symmetric.algorithm;
        if (e->symmetric.algorithm != TPM2_ALG_NULL) {
            out->sym_bits = e->symmetric.keyBits.sym;
            out->sym_mode = e->symmetric.mode.sym;
        }
        out->scheme = e->scheme.scheme;
        if (e->scheme.scheme != TPM2_ALG_NULL)
            out->scheme_hash = e->scheme.details.anySig.hashAlg;
        rc = ecc_key(&t, out, d);
    } else {
        rc = att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.type", "type",
                           "TPMT_PUBLIC: key type 0x%04x is not supported (RSA, ECC)",
                           (unsigned)t.type);
    }
    if (rc == ATT_OK) {
        memcpy(out->raw, raw, raw_len);
        out->raw_len = raw_len;
        out->name[0] = (uint8_t)(t.nameAlg >> 8);
        out->name[1] = (uint8_t)t.nameAlg;
        rc = att__hash(nh, raw, raw_len, out->name + 2);
        out->name_len = 2 + att__hash_len(nh);
    }
    if (rc != ATT_OK) {
        att__pkey_free(out->key);
        memset(out, 0, sizeof(*out));
    }
    return rc;
}

int att__tpm_ak_check(const att__tpm_public *ak, att_diag *d)
{
    if (!ak || !ak->key)
        return att_diag_fail(d, ATT_EINVAL, "tpm.ak.missing", "ak", "no AK public key");
    static const struct {
        uint32_t bit;
        int want;
        const char *name;
    } rules[] = {
        {ATT_TPMA_SIGN, 1, "sign"},
        {ATT_TPMA_RESTRICTED, 1, "restricted"},
        {ATT_TPMA_FIXED_TPM, 1, "fixedTPM"},
        {ATT_TPMA_FIXED_PARENT, 1, "fixedParent"},
        {ATT_TPMA_SENSITIVE_DATA_ORIGIN, 1, "sensitiveDataOrigin"},
        {ATT_TPMA_DECRYPT, 0, "decrypt"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        int has = (ak->attributes & rules[i].bit) != 0;
        if (has != rules[i].want) {
            char found[16];
            snprintf(found, sizeof(found), "0x%08x", (unsigned)ak->attributes);
            att_diag_fail(d, ATT_EMISMATCH, "tpm.ak.attributes", "objectAttributes",
                          "AK attributes 0x%08x: %s must be %s (an AK is a restricted, "
                          "TPM-bound signing key)",
                          (unsigned)ak->attributes, rules[i].name, rules[i].want ? "set" : "clear");
            att_diag_expect(d, rules[i].want ? rules[i].name : "no decrypt", found);
            return ATT_EMISMATCH;
        }
    }
    int ok_scheme = (ak->type == ATT_TPM_ALG_RSA &&
                     (ak->scheme == ATT_TPM_ALG_RSASSA || ak->scheme == ATT_TPM_ALG_RSAPSS)) ||
                    (ak->type == ATT_TPM_ALG_ECC && ak->scheme == ATT_TPM_ALG_ECDSA);
    if (!ok_scheme || !att__tpm_hash_alg(ak->scheme_hash))
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.ak.scheme", "parameters.scheme",
                             "AK signing scheme %s/%s is not supported (RSASSA, RSAPSS, ECDSA "
                             "with SHA-1/256/384/512)",
                             att__tpm_alg_name(ak->scheme), att__tpm_alg_name(ak->scheme_hash));
    return ATT_OK;
}

int att__tpm_public_from_pkey(att__pkey *key, att__tpm_public *out, att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!key)
        return att_diag_fail(d, ATT_EINVAL, "tpm.ak.missing", "ak", "no AK public key");
    switch (att__pkey_type(key)) {
    case ATT_KEY_RSA:
        if (att__pkey_bits(key) < 1024)
            return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.key_bits", "ak",
                                 "RSA AK of %d bits is too small", att__pkey_bits(key));
        out->type = ATT_TPM_ALG_RSA;
        out->key_bits = (uint16_t)att__pkey_bits(key);
        break;
    case ATT_KEY_EC_P256:
        out->type = ATT_TPM_ALG_ECC;
        out->curve = ATT_TPM_ECC_NIST_P256;
        out->key_bits = 256;
        break;
    case ATT_KEY_EC_P384:
        out->type = ATT_TPM_ALG_ECC;
        out->curve = ATT_TPM_ECC_NIST_P384;
        out->key_bits = 384;
        break;
    default:
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.public.type", "ak",
                             "AK key type is not supported (RSA, ECC P-256/P-384)");
    }
    out->scheme = ATT_TPM_ALG_NULL;
    out->sym_alg = ATT_TPM_ALG_NULL;
    out->key = att__pkey_ref(key);
    if (!out->key) {
        memset(out, 0, sizeof(*out));
        return ATT_ENOMEM;
    }
    return ATT_OK;
}
