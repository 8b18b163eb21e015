/* Encryption-side primitives (crypto.h "encryption and key agreement"): HMAC, AES-CFB,
 * RSA-OAEP encryption with a label, ephemeral ECDH and public-key equality. The TPM
 * credential protocol (TPM2_MakeCredential done by the server) is built from these. */
#include "crypto/crypto_int.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>
#include <string.h>

int att__hmac(att__hash_alg alg, const uint8_t *key, size_t key_len, const void *msg, size_t n,
              uint8_t *out)
{
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    if (!key || !out || (!msg && n) || key_len > INT32_MAX)
        return ATT_EINVAL;
    unsigned int len = 0;
    static const uint8_t empty = 0;
    if (!HMAC(md, key_len ? key : &empty, (int)key_len, msg ? msg : &empty, n, out, &len))
        return att__crypto_err(ATT_ECRYPTO);
    return ATT_OK;
}

int att__aes_cfb_encrypt(const uint8_t *key, size_t key_len, const uint8_t iv[16],
                         const uint8_t *in, size_t n, uint8_t *out)
{
    const EVP_CIPHER *c;
    if (key_len == 16)
        c = EVP_aes_128_cfb128();
    else if (key_len == 24)
        c = EVP_aes_192_cfb128();
    else if (key_len == 32)
        c = EVP_aes_256_cfb128();
    else
        return ATT_EUNSUPPORTED;
    if (!key || !iv || (!in && n) || !out || n > INT32_MAX)
        return ATT_EINVAL;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    if (!ctx)
        return ATT_ENOMEM;
    int rc = ATT_ECRYPTO, l1 = 0, l2 = 0;
    if (EVP_EncryptInit_ex(ctx, c, NULL, key, iv) == 1 &&
        EVP_EncryptUpdate(ctx, out, &l1, in, (int)n) == 1 &&
        EVP_EncryptFinal_ex(ctx, out + l1, &l2) == 1 && (size_t)(l1 + l2) == n)
        rc = ATT_OK;
    EVP_CIPHER_CTX_free(ctx);
    return rc == ATT_OK ? ATT_OK : att__crypto_err(rc);
}

int att__rsa_oaep_encrypt(const att__pkey *k, att__hash_alg alg, const void *label,
                          size_t label_len, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
                          size_t *out_len)
{
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    if (!k || !in || !out || !out_len || att__pkey_type(k) != ATT_KEY_RSA)
        return ATT_EINVAL;
    *out_len = 0;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new((EVP_PKEY *)k, NULL);
    if (!ctx)
        return att__crypto_err(ATT_ENOMEM);
    int rc = ATT_ECRYPTO;
    void *lab = NULL;
    if (label_len) {
        /* EVP_PKEY_CTX_set0_rsa_oaep_label takes ownership of an OPENSSL_malloc'd copy. */
        lab = OPENSSL_memdup(label, label_len);
        if (!lab) {
            EVP_PKEY_CTX_free(ctx);
            return att__crypto_err(ATT_ENOMEM);
        }
    }
    size_t len = 0;
    if (EVP_PKEY_encrypt_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
        EVP_PKEY_CTX_set_rsa_oaep_md(ctx, md) == 1 && EVP_PKEY_CTX_set_rsa_mgf1_md(ctx, md) == 1 &&
        (!lab || EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, lab, (int)label_len) == 1)) {
        lab = NULL; /* owned by ctx now */
        if (EVP_PKEY_encrypt(ctx, NULL, &len, in, n) == 1) {
            if (len > cap)
                rc = ATT_ELIMIT;
            else if (EVP_PKEY_encrypt(ctx, out, &len, in, n) == 1)
                rc = ATT_OK;
        }
    }
    OPENSSL_free(lab);
    EVP_PKEY_CTX_free(ctx);
    if (rc != ATT_OK)
        return att__crypto_err(rc);
    *out_len = len;
    return ATT_OK;
}

int att__ecdh_ephemeral(const att__pkey *peer, uint8_t *z, size_t z_cap, size_t *z_len,
                        uint8_t *eph_xy, size_t xy_cap, size_t *xy_len)
{
    if (!peer || !z || !z_len || !eph_xy || !xy_len)
        return ATT_EINVAL;
    att__key_type t = att__pkey_type(peer);
    if (t != ATT_KEY_EC_P256 && t != ATT_KEY_EC_P384)
        return ATT_EUNSUPPORTED;
    *z_len = 0;
    *xy_len = 0;
    int rc = ATT_ECRYPTO;
    EVP_PKEY *eph = NULL;
    EVP_PKEY_CTX *gen = EVP_PKEY_CTX_new_from_pkey(NULL, (EVP_PKEY *)peer, NULL);
    EVP_PKEY_CTX *dctx = NULL;
    uint8_t point[1 + 2 * 66];
    size_t plen = 0, zl = 0;
    if (!gen || EVP_PKEY_keygen_init(gen) != 1 || EVP_PKEY_keygen(gen, &eph) != 1)
        goto out;
    if (EVP_PKEY_get_octet_string_param(eph, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                        sizeof(point), &plen) != 1 ||
        plen < 3 || point[0] != 0x04)
        goto out;
    dctx = EVP_PKEY_CTX_new_from_pkey(NULL, eph, NULL);
    if (!dctx || EVP_PKEY_derive_init(dctx) != 1 ||
        EVP_PKEY_derive_set_peer(dctx, (EVP_PKEY *)peer) != 1 ||
        EVP_PKEY_derive(dctx, NULL, &zl) != 1)
        goto out;
    if (zl > z_cap || plen - 1 > xy_cap) {
        rc = ATT_ELIMIT;
        goto out;
    }
    if (EVP_PKEY_derive(dctx, z, &zl) != 1)
        goto out;
    memcpy(eph_xy, point + 1, plen - 1);
    *xy_len = plen - 1;
    *z_len = zl;
    rc = ATT_OK;
out:
    EVP_PKEY_CTX_free(dctx);
    EVP_PKEY_CTX_free(gen);
    EVP_PKEY_free(eph);
    return rc == ATT_OK ? ATT_OK : att__crypto_err(rc);
}

int att__pkey_public_equal(const att__pkey *a, const att__pkey *b)
{
    if (!a || !b)
        return 0;
    int r = EVP_PKEY_eq(a, b);
    att__crypto_err(ATT_OK);
    return r == 1;
}
