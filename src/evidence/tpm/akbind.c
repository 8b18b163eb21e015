/* AK binding (akbind.h): AK and EK certificates against operator trust anchors, and the
 * server half of credential activation: TPM2_MakeCredential (TPM 2.0 Part 1 §24, "Credential
 * Protection") and the check of the secret the TPM gives back. */
#include "evidence/tpm/akbind.h"

#include <stdio.h>
#include <string.h>

#include "core/codec.h"

const uint8_t att__tpm_ek_default_policy[32] = {
    0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xb3, 0xf8, 0x1a, 0x90, 0xcc, 0x8d, 0x46, 0xa5, 0xd7, 0x24,
    0xfd, 0x52, 0xd7, 0x6e, 0x06, 0x52, 0x0b, 0x64, 0xf2, 0xa1, 0xda, 0x1b, 0x33, 0x14, 0x69, 0xaa};

static void put_u16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void name_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t k = (cap - 1) / 2;
    att__hex_encode(p, n < k ? n : k, 0, out);
}

/* Chain check + "certificate key == TPM public key" for AK and EK certificates. */
static int cert_binds(const att__cert *cert, const att__chain_opts *chain,
                      const att__tpm_public *pub, const char *what, const char *reason, att_diag *d)
{
    if (!cert || !chain || !pub || !pub->key)
        return att_diag_fail(d, ATT_EINVAL, reason, what,
                             "%s certificate check without a "
                             "certificate, trust anchors or key",
                             what);
    int rc = att__chain_verify(cert, chain, d);
    if (rc != ATT_OK)
        return rc;
    att__pkey *ck = NULL;
    rc = att__cert_pubkey(cert, &ck);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, reason, what, "%s certificate public key unreadable", what);
    int same = att__pkey_public_equal(ck, pub->key);
    att__pkey_free(ck);
    if (!same) {
        char nm[2 * ATT_TPM_NAME_MAX + 1];
        name_hex(pub->name, pub->name_len, nm, sizeof(nm));
        return att_diag_fail(d, ATT_EMISMATCH, reason, what,
                             "%s certificate key does not match the %s public (Name %s)", what,
                             what, nm);
    }
    return ATT_OK;
}

int att__tpm_akcert_verify(const att__cert *ak_cert, const att__chain_opts *chain,
                           const att__tpm_public *ak, att_diag *d)
{
    return cert_binds(ak_cert, chain, ak, "AK", "tpm.akcert.key", d);
}

int att__tpm_ekcert_verify(const att__cert *ek_cert, const att__chain_opts *chain,
                           const att__tpm_public *ek, att_diag *d)
{
    return cert_binds(ek_cert, chain, ek, "EK", "tpm.ekcert.key", d);
}

int att__tpm_ek_check(const att__tpm_public *ek, att_diag *d)
{
    if (!ek || !ek->key)
        return att_diag_fail(d, ATT_EINVAL, "tpm.ek.missing", "ek", "no EK public key");
    const uint32_t need =
        ATT_TPMA_RESTRICTED | ATT_TPMA_DECRYPT | ATT_TPMA_FIXED_TPM | ATT_TPMA_FIXED_PARENT;
    if ((ek->attributes & need) != need || (ek->attributes & ATT_TPMA_SIGN))
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.ek.attributes", "objectAttributes",
                             "EK attributes 0x%08x: an EK is a restricted decryption key "
                             "(restricted|decrypt|fixedTPM|fixedParent, no sign)",
                             (unsigned)ek->attributes);
    int key_ok = (ek->type == ATT_TPM_ALG_RSA && ek->key_bits == 2048) ||
                 (ek->type == ATT_TPM_ALG_ECC &&
                  (ek->curve == ATT_TPM_ECC_NIST_P256 || ek->curve == ATT_TPM_ECC_NIST_P384));
    if (!key_ok)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.ek.key", "type",
                             "EK key %s-%u is not supported (RSA-2048, ECC P-256/P-384)",
                             att__tpm_alg_name(ek->type), (unsigned)ek->key_bits);
    if (ek->sym_alg != ATT_TPM_ALG_AES || ek->sym_mode != ATT_TPM_ALG_CFB ||
        (ek->sym_bits != 128 && ek->sym_bits != 256))
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.ek.symmetric", "parameters.symmetric",
                             "EK symmetric parameter %s-%u-%s is not supported (AES-128/256-CFB)",
                             att__tpm_alg_name(ek->sym_alg), (unsigned)ek->sym_bits,
                             att__tpm_alg_name(ek->sym_mode));
    if (ek->name_alg != ATT_TPM_ALG_SHA256 && ek->name_alg != ATT_TPM_ALG_SHA384)
        return att_diag_fail(d, ATT_EUNSUPPORTED, "tpm.ek.name_alg", "nameAlg",
                             "EK nameAlg %s is not supported (sha256, sha384)",
                             att__tpm_alg_name(ek->name_alg));
    return ATT_OK;
}

int att__tpm_kdfa(att__hash_alg alg, const uint8_t *key, size_t key_len, const char *label,
                  const uint8_t *context_u, size_t u_len, const uint8_t *context_v, size_t v_len,
                  uint32_t bits, uint8_t *out)
{
    size_t hl = att__hash_len(alg);
    size_t lab = label ? strlen(label) : 0;
    if (!hl || !out || bits == 0 || bits % 8 || bits > 8 * 1024 || lab > 64 ||
        u_len > ATT_TPM_NAME_MAX * 2 || v_len > ATT_TPM_NAME_MAX * 2 || (!context_u && u_len) ||
        (!context_v && v_len))
        return ATT_EINVAL;
    uint8_t msg[4 + 64 + 1 + 4 * ATT_TPM_NAME_MAX + 4];
    size_t m = 4;
    memcpy(msg + m, label, lab);
    m += lab;
    msg[m++] = 0;
    if (u_len)
        memcpy(msg + m, context_u, u_len);
    m += u_len;
    if (v_len)
        memcpy(msg + m, context_v, v_len);
    m += v_len;
    put_u32(msg + m, bits);
    m += 4;
    size_t need = bits / 8, done = 0;
    uint8_t blk[ATT_HASH_MAX];
    int rc = ATT_OK;
    for (uint32_t i = 1; done < need && rc == ATT_OK; i++) {
        put_u32(msg, i);
        rc = att__hmac(alg, key, key_len, msg, m, blk);
        size_t k = need - done < hl ? need - done : hl;
        if (rc == ATT_OK)
            memcpy(out + done, blk, k);
        done += k;
    }
    att__cleanse(blk, sizeof(blk));
    return rc;
}

int att__tpm_kdfe(att__hash_alg alg, const uint8_t *z, size_t z_len, const char *label,
                  const uint8_t *party_u, size_t u_len, const uint8_t *party_v, size_t v_len,
                  uint32_t bits, uint8_t *out)
{
    size_t hl = att__hash_len(alg);
    size_t lab = label ? strlen(label) : 0;
    if (!hl || !out || !z || bits == 0 || bits % 8 || bits > 8 * 1024 || lab > 64 || z_len > 128 ||
        u_len > 128 || v_len > 128 || (!party_u && u_len) || (!party_v && v_len))
        return ATT_EINVAL;
    uint8_t msg[4 + 128 + 64 + 1 + 128 + 128];
    size_t m = 4;
    memcpy(msg + m, z, z_len);
    m += z_len;
    memcpy(msg + m, label, lab);
    m += lab;
    msg[m++] = 0;
    if (u_len)
        memcpy(msg + m, party_u, u_len);
    m += u_len;
    if (v_len)
        memcpy(msg + m, party_v, v_len);
    m += v_len;
    size_t need = bits / 8, done = 0;
    uint8_t blk[ATT_HASH_MAX];
    int rc = ATT_OK;
    for (uint32_t i = 1; done < need && rc == ATT_OK; i++) {
        put_u32(msg, i);
        rc = att__hash(alg, msg, m, blk);
        size_t k = need - done < hl ? need - done : hl;
        if (rc == ATT_OK)
            memcpy(out + done, blk, k);
        done += k;
    }
    att__cleanse(blk, sizeof(blk));
    att__cleanse(msg, sizeof(msg));
    return rc;
}

/* The seed and its encryption to the EK: RSA-OAEP, or ECDH with an ephemeral key. */
static int make_seed(const att__tpm_public *ek, att__hash_alg nh, uint8_t *seed,
                     att__tpm_challenge *out, att_diag *d)
{
    size_t hl = att__hash_len(nh);
    static const char identity[] = "IDENTITY"; /* label incl. its NUL: 9 bytes */
    int rc;
    if (ek->type == ATT_TPM_ALG_RSA) {
        rc = att__random(seed, hl);
        size_t clen = 0;
        if (rc == ATT_OK)
            rc = att__rsa_oaep_encrypt(ek->key, nh, identity, sizeof(identity), seed, hl,
                                       out->enc_secret + 2, sizeof(out->enc_secret) - 2, &clen);
        if (rc != ATT_OK)
            return att_diag_fail(d, rc, "tpm.makecredential.seed", "ek",
                                 "RSA-OAEP encryption of the seed to the EK failed (%s)",
                                 att_strerror(rc));
        put_u16(out->enc_secret, clen);
        out->enc_secret_len = 2 + clen;
        return ATT_OK;
    }
    uint8_t z[66], xy[132];
    size_t zl = 0, xyl = 0;
    rc = att__ecdh_ephemeral(ek->key, z, sizeof(z), &zl, xy, sizeof(xy), &xyl);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.makecredential.seed", "ek", "ECDH with the EK failed (%s)",
                             att_strerror(rc));
    size_t field = xyl / 2;
    /* partyVInfo is the EK's x coordinate (field-size, as the TPM keeps it). */
    if (ek->ecc_field != field)
        return att_diag_fail(d, ATT_EINVAL, "tpm.makecredential.seed", "ek",
                             "EK point of %zu bytes on a %zu-byte curve", ek->ecc_field, field);
    const uint8_t *ekx = ek->ecc_xy;
    size_t ekxl = field;
    rc = att__tpm_kdfe(nh, z, zl, "IDENTITY", xy, field, ekx, ekxl, (uint32_t)(8 * hl), seed);
    att__cleanse(z, sizeof(z));
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "tpm.makecredential.seed", "ek", "KDFe failed");
    /* TPM2B_ENCRYPTED_SECRET holding a TPMS_ECC_POINT: u16 xlen x u16 ylen y. */
    size_t pl = 2 + field + 2 + field;
    put_u16(out->enc_secret, pl);
    put_u16(out->enc_secret + 2, field);
    memcpy(out->enc_secret + 4, xy, field);
    put_u16(out->enc_secret + 4 + field, field);
    memcpy(out->enc_secret + 6 + field, xy + field, field);
    out->enc_secret_len = 2 + pl;
    return ATT_OK;
}

int att__tpm_make_credential(const att__tpm_public *ek, const uint8_t *ak_name, size_t ak_name_len,
                             const uint8_t *credential, size_t cred_len, att__tpm_challenge *out,
                             att_diag *d)
{
    if (!out)
        return ATT_EINVAL;
    memset(out, 0, sizeof(*out));
    if (!ek || !ek->key || !ak_name || ak_name_len < 3 || ak_name_len > ATT_TPM_NAME_MAX)
        return att_diag_fail(d, ATT_EINVAL, "tpm.makecredential.input", "ak_name",
                             "MakeCredential needs an EK public and an AK Name");
    if (cred_len == 0 || cred_len > ATT_TPM_CRED_MAX)
        return att_diag_fail(d, ATT_EINVAL, "tpm.makecredential.input", "credential",
                             "credential of %zu bytes (1..%d)", cred_len, ATT_TPM_CRED_MAX);
    int rc = att__tpm_ek_check(ek, d);
    if (rc != ATT_OK)
        return rc;
    att__hash_alg nh = att__tpm_hash_alg(ek->name_alg);
    size_t hl = att__hash_len(nh);
    /* TPM2_MakeCredential refuses a credential longer than the EK nameAlg's digest. */
    if (cred_len > hl)
        return att_diag_fail(d, ATT_EINVAL, "tpm.makecredential.input", "credential",
                             "credential of %zu bytes is longer than the EK's %s digest", cred_len,
                             att__tpm_alg_name(ek->name_alg));
    /* The AK Name's algorithm must be one we know, with a digest of the right size. */
    uint16_t an = (uint16_t)(((unsigned)ak_name[0] << 8) | ak_name[1]);
    att__hash_alg ah = att__tpm_hash_alg(an);
    if (!ah || ak_name_len != 2 + att__hash_len(ah))
        return att_diag_fail(d, ATT_EINVAL, "tpm.makecredential.input", "ak_name",
                             "AK Name of %zu bytes with algorithm 0x%04x is malformed", ak_name_len,
                             (unsigned)an);

    if (credential)
        memcpy(out->credential, credential, cred_len);
    else if ((rc = att__random(out->credential, cred_len)) != ATT_OK)
        return rc;
    out->credential_len = cred_len;
    memcpy(out->ak_name, ak_name, ak_name_len);
    out->ak_name_len = ak_name_len;
    memcpy(out->ek_name, ek->name, ek->name_len);
    out->ek_name_len = ek->name_len;

    uint8_t seed[ATT_HASH_MAX], sym[32], hkey[ATT_HASH_MAX];
    rc = make_seed(ek, nh, seed, out, d);
    if (rc == ATT_OK)
        rc = att__tpm_kdfa(nh, seed, hl, "STORAGE", ak_name, ak_name_len, NULL, 0, ek->sym_bits,
                           sym);
    if (rc == ATT_OK)
        rc = att__tpm_kdfa(nh, seed, hl, "INTEGRITY", NULL, 0, NULL, 0, (uint32_t)(8 * hl), hkey);
    /* encIdentity = CFB(TPM2B_DIGEST credential), placed after u16 size || u16 hlen || HMAC */
    uint8_t *idobj = out->id_object;
    uint8_t *enc = idobj + 2 + 2 + hl;
    size_t enc_len = 2 + cred_len;
    uint8_t plain[2 + ATT_TPM_CRED_MAX];
    put_u16(plain, cred_len);
    memcpy(plain + 2, out->credential, cred_len);
    static const uint8_t zero_iv[16] = {0};
    if (rc == ATT_OK)
        rc = att__aes_cfb_encrypt(sym, ek->sym_bits / 8u, zero_iv, plain, enc_len, enc);
    if (rc == ATT_OK) {
        uint8_t mac_in[2 + ATT_TPM_CRED_MAX + ATT_TPM_NAME_MAX];
        memcpy(mac_in, enc, enc_len);
        memcpy(mac_in + enc_len, ak_name, ak_name_len);
        rc = att__hmac(nh, hkey, hl, mac_in, enc_len + ak_name_len, idobj + 4);
    }
    if (rc == ATT_OK) {
        put_u16(idobj, 2 + hl + enc_len);
        put_u16(idobj + 2, hl);
        out->id_object_len = 2 + 2 + hl + enc_len;
    }
    att__cleanse(seed, sizeof(seed));
    att__cleanse(sym, sizeof(sym));
    att__cleanse(hkey, sizeof(hkey));
    att__cleanse(plain, sizeof(plain));
    if (rc != ATT_OK) {
        att__tpm_challenge_clear(out);
        return att_diag_fail(d, rc, "tpm.makecredential", "credential",
                             "MakeCredential failed (%s)", att_strerror(rc));
    }
    return ATT_OK;
}

int att__tpm_challenge_file(const att__tpm_challenge *c, uint8_t *out, size_t cap, size_t *n)
{
    if (!c || !out || !n || !c->id_object_len || !c->enc_secret_len)
        return ATT_EINVAL;
    size_t need = 8 + c->id_object_len + c->enc_secret_len;
    if (cap < need)
        return ATT_ELIMIT;
    put_u32(out, 0xbadcc0deu);
    put_u32(out + 4, 1);
    memcpy(out + 8, c->id_object, c->id_object_len);
    memcpy(out + 8 + c->id_object_len, c->enc_secret, c->enc_secret_len);
    *n = need;
    return ATT_OK;
}

int att__tpm_activation_verify(const att__tpm_challenge *c, const uint8_t *activated,
                               size_t activated_len, const att__tpm_public *ak, att_diag *d)
{
    if (!c || !c->credential_len)
        return att_diag_fail(d, ATT_EINVAL, "tpm.activation.challenge", "challenge",
                             "no credential challenge to check the activation against");
    if (!activated || activated_len != c->credential_len ||
        !att__ct_equal(activated, c->credential, c->credential_len))
        return att_diag_fail(d, ATT_EMISMATCH, "tpm.activation.secret", "activatedSecret",
                             "the activated credential does not match the challenge: the TPM "
                             "does not hold the EK and an AK with the challenged Name");
    if (ak && (ak->name_len != c->ak_name_len || memcmp(ak->name, c->ak_name, ak->name_len) != 0)) {
        char got[2 * ATT_TPM_NAME_MAX + 1], want[2 * ATT_TPM_NAME_MAX + 1];
        name_hex(ak->name, ak->name_len, got, sizeof(got));
        name_hex(c->ak_name, c->ak_name_len, want, sizeof(want));
        att_diag_fail(d, ATT_EMISMATCH, "tpm.activation.ak_name", "ak.name",
                      "AK name %s does not match the activated credential's name %s", got, want);
        att_diag_expect(d, want, got);
        return ATT_EMISMATCH;
    }
    return ATT_OK;
}

void att__tpm_challenge_clear(att__tpm_challenge *c)
{
    if (c)
        att__cleanse(c, sizeof(*c));
}
