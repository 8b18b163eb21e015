/* AES-256-GCM and RSA-PSS signing (aead.h). */
#include "crypto/aead.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto_int.h"

/* One GCM pass: enc = 1 seals, 0 opens (the tag is set before the final call). */
static int gcm(int enc, const uint8_t *key, const uint8_t *iv, const void *aad, size_t aadlen,
               const uint8_t *in, size_t n, uint8_t *out, uint8_t *tag)
{
    if (!key || !iv || !tag || (n > 0 && (!in || !out)) || (aadlen > 0 && !aad) ||
        n > (size_t)INT32_MAX || aadlen > (size_t)INT32_MAX)
        return ATT_EINVAL;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c)
        return att__crypto_err(ATT_ENOMEM);
    int rc = ATT_ECRYPTO, len = 0;
    if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, ATT_AEAD_IV_LEN, NULL) != 1 ||
        EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) != 1)
        goto out;
    if (aadlen > 0 && EVP_CipherUpdate(c, NULL, &len, aad, (int)aadlen) != 1)
        goto out;
    if (n > 0 && EVP_CipherUpdate(c, out, &len, in, (int)n) != 1)
        goto out;
    if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, ATT_AEAD_TAG_LEN, tag) != 1)
        goto out;
    if (EVP_CipherFinal_ex(c, out ? out + len : NULL, &len) != 1) {
        rc = enc ? ATT_ECRYPTO : ATT_ESIG;
        goto out;
    }
    if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, ATT_AEAD_TAG_LEN, tag) != 1)
        goto out;
    rc = ATT_OK;
out:
    EVP_CIPHER_CTX_free(c);
    if (rc != ATT_OK && !enc && out && n > 0)
        att__cleanse(out, n);
    return rc == ATT_OK ? ATT_OK : att__crypto_err(rc);
}

int att__aes256gcm_seal(const uint8_t key[ATT_AEAD_KEY_LEN], const uint8_t iv[ATT_AEAD_IV_LEN],
                        const void *aad, size_t aadlen, const uint8_t *pt, size_t n, uint8_t *out,
                        uint8_t tag[ATT_AEAD_TAG_LEN])
{
    return gcm(1, key, iv, aad, aadlen, pt, n, out, tag);
}

int att__aes256gcm_open(const uint8_t key[ATT_AEAD_KEY_LEN], const uint8_t iv[ATT_AEAD_IV_LEN],
                        const void *aad, size_t aadlen, const uint8_t *ct, size_t n,
                        const uint8_t tag[ATT_AEAD_TAG_LEN], uint8_t *out)
{
    uint8_t t[ATT_AEAD_TAG_LEN];
    if (!tag)
        return ATT_EINVAL;
    memcpy(t, tag, sizeof(t));
    return gcm(0, key, iv, aad, aadlen, ct, n, out, t);
}

int att__rsa_pss_sign(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                      uint8_t **sig, size_t *siglen)
{
    if (!sig || !siglen)
        return ATT_EINVAL;
    *sig = NULL;
    *siglen = 0;
    if (!k || (!msg && n > 0) || att__pkey_type(k) != ATT_KEY_RSA)
        return ATT_EINVAL;
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    if (!msg)
        msg = "";
    EVP_MD_CTX *mctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    int rc = ATT_OK;
    if (!mctx)
        rc = ATT_ENOMEM;
    else if (EVP_DigestSignInit(mctx, &pctx, md, NULL, (EVP_PKEY *)k) != 1)
        rc = ATT_EINVAL; /* a public key only */
    else if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
             EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1)
        rc = ATT_ECRYPTO;
    if (rc == ATT_OK && (EVP_DigestSign(mctx, NULL, &len, msg, n) != 1 || len == 0))
        rc = ATT_ECRYPTO;
    if (rc == ATT_OK && !(buf = malloc(len)))
        rc = ATT_ENOMEM;
    if (rc == ATT_OK && EVP_DigestSign(mctx, buf, &len, msg, n) != 1)
        rc = ATT_ECRYPTO;
    EVP_MD_CTX_free(mctx);
    if (rc != ATT_OK) {
        free(buf);
        return att__crypto_err(rc);
    }
    *sig = buf;
    *siglen = len;
    return ATT_OK;
}
