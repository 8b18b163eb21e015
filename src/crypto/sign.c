/* Signatures (crypto.h "signatures"): ECDSA with raw big-endian r||s, little-endian r/s
 * (AMD SEV-SNP) or DER; RSASSA-PKCS1-v1_5 and RSASSA-PSS verification; PKCS#1 v1.5
 * signing with any EVP key (including provider/HSM keys).
 *
 * Error convention: NULL arguments and a key of the wrong type are ATT_EINVAL; a signature
 * that does not verify, including one of the wrong length or malformed, is ATT_ESIG. */
#include "crypto/crypto_int.h"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

/* Largest r or s field accepted by att__ecdsa_verify_raw_le (SNP uses 72-byte fields). */
#define ECDSA_LE_FIELD_MAX 128

/* How a verification pads: ECDSA (none), PKCS#1 v1.5 or PSS. */
enum pad { PAD_NONE, PAD_PKCS1, PAD_PSS };

static int is_ec(const att__pkey *k)
{
    att__key_type t = att__pkey_type(k);
    return t == ATT_KEY_EC_P256 || t == ATT_KEY_EC_P384 || t == ATT_KEY_EC_OTHER;
}

/* Sets RSA padding parameters on a signature context. */
static int set_padding(EVP_PKEY_CTX *pctx, enum pad pad, const EVP_MD *md, int saltlen)
{
    if (pad == PAD_PKCS1)
        return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1 ? ATT_OK
                                                                          : ATT_EUNSUPPORTED;
    if (pad == PAD_PSS) {
        int sl = saltlen == -1   ? RSA_PSS_SALTLEN_DIGEST
                 : saltlen == -2 ? RSA_PSS_SALTLEN_AUTO
                                 : saltlen;
        if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
            EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1 ||
            EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, sl) != 1)
            return ATT_EUNSUPPORTED;
    }
    return ATT_OK;
}

/* Starts a digest-and-sign (sign != 0) or digest-and-verify operation of k with md and
 * the padding pad. *mctx gets the new context, which the caller frees with
 * EVP_MD_CTX_free whatever the result (it may be NULL). Returns ATT_ENOMEM when no context
 * can be made, `refused` when the key does not accept the operation, or set_padding's
 * error. OpenSSL's error queue is left for the caller to clear. */
static int digest_start(EVP_MD_CTX **mctx, int sign, const att__pkey *k, const EVP_MD *md,
                        enum pad pad, int saltlen, int refused)
{
    *mctx = EVP_MD_CTX_new();
    if (!*mctx)
        return ATT_ENOMEM;
    EVP_PKEY_CTX *pctx = NULL;
    /* The Init functions take a non-const key only to up-reference it. */
    int ok = sign ? EVP_DigestSignInit(*mctx, &pctx, md, NULL, (EVP_PKEY *)k)
                  : EVP_DigestVerifyInit(*mctx, &pctx, md, NULL, (EVP_PKEY *)k);
    if (ok != 1)
        return refused;
    return set_padding(pctx, pad, md, saltlen);
}

/* The common verification path: hash msg with alg and check sig with k. */
static int verify(const att__pkey *k, att__hash_alg alg, enum pad pad, int saltlen, const void *msg,
                  size_t n, const uint8_t *sig, size_t siglen)
{
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    if (!msg && n > 0)
        return ATT_EINVAL;
    if (!msg)
        msg = "";
    EVP_MD_CTX *mctx = NULL;
    int rc = digest_start(&mctx, 0, k, md, pad, saltlen, ATT_EUNSUPPORTED);
    if (rc == ATT_OK && EVP_DigestVerify(mctx, sig, siglen, msg, n) != 1)
        rc = ATT_ESIG;
    EVP_MD_CTX_free(mctx);
    return rc == ATT_OK ? ATT_OK : att__crypto_err(rc);
}

/* ECDSA with r and s given as numbers: encoded as an ECDSA-Sig-Value, then verified. Takes
 * ownership of r and s. */
static int verify_ecdsa_rs(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                           BIGNUM *r, BIGNUM *s)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    if (!es || !r || !s) {
        ECDSA_SIG_free(es);
        BN_free(r);
        BN_free(s);
        return att__crypto_err(ATT_ENOMEM);
    }
    ECDSA_SIG_set0(es, r, s); /* es owns r and s from here */
    unsigned char *der = NULL;
    int len = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (len <= 0)
        return att__crypto_err(ATT_ECRYPTO);
    int rc = verify(k, alg, PAD_NONE, 0, msg, n, der, (size_t)len);
    OPENSSL_free(der);
    return rc;
}

/* Byte size of the key's curve order (32 for P-256, 48 for P-384, 66 for P-521). */
static size_t ec_field_bytes(const att__pkey *k)
{
    int bits = EVP_PKEY_get_bits(k);
    return bits > 0 ? ((size_t)bits + 7) / 8 : 0;
}

int att__ecdsa_verify_raw(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *rs, size_t rslen)
{
    if (!k || !rs || !is_ec(k))
        return ATT_EINVAL;
    size_t field = ec_field_bytes(k);
    if (field == 0)
        return att__crypto_err(ATT_EUNSUPPORTED);
    if (rslen != 2 * field)
        return ATT_ESIG;
    BIGNUM *r = BN_bin2bn(rs, (int)field, NULL);
    BIGNUM *s = BN_bin2bn(rs + field, (int)field, NULL);
    return verify_ecdsa_rs(k, alg, msg, n, r, s);
}

int att__ecdsa_verify_raw_le(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                             const uint8_t *r, const uint8_t *s, size_t rlen)
{
    if (!k || !r || !s || !is_ec(k))
        return ATT_EINVAL;
    size_t field = ec_field_bytes(k);
    if (field == 0)
        return att__crypto_err(ATT_EUNSUPPORTED);
    if (rlen < field || rlen > ECDSA_LE_FIELD_MAX)
        return ATT_ESIG;
    BIGNUM *br = BN_lebin2bn(r, (int)rlen, NULL);
    BIGNUM *bs = BN_lebin2bn(s, (int)rlen, NULL);
    /* Bytes above the curve size must be zero (SNP pads 48-byte values to 72 bytes). */
    if (br && bs && ((size_t)BN_num_bytes(br) > field || (size_t)BN_num_bytes(bs) > field)) {
        BN_free(br);
        BN_free(bs);
        return ATT_ESIG;
    }
    return verify_ecdsa_rs(k, alg, msg, n, br, bs);
}

int att__ecdsa_verify_der(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *sig, size_t siglen)
{
    if (!k || !sig || !is_ec(k))
        return ATT_EINVAL;
    /* An ECDSA-Sig-Value is at most two 67-byte INTEGERs plus headers. */
    if (siglen == 0 || siglen > 160)
        return ATT_ESIG;
    return verify(k, alg, PAD_NONE, 0, msg, n, sig, siglen);
}

int att__rsa_pkcs1_verify(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                          const uint8_t *sig, size_t siglen)
{
    if (!k || !sig || att__pkey_type(k) != ATT_KEY_RSA)
        return ATT_EINVAL;
    if (siglen == 0 || siglen > ATT__RSA_MAX_BITS / 8)
        return ATT_ESIG;
    return verify(k, alg, PAD_PKCS1, 0, msg, n, sig, siglen);
}

int att__rsa_pss_verify(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
                        const uint8_t *sig, size_t siglen, int saltlen)
{
    if (!k || !sig || att__pkey_type(k) != ATT_KEY_RSA || saltlen < -2)
        return ATT_EINVAL;
    if (siglen == 0 || siglen > ATT__RSA_MAX_BITS / 8)
        return ATT_ESIG;
    return verify(k, alg, PAD_PSS, saltlen, msg, n, sig, siglen);
}

int att__rsa_pkcs1_sign(const att__pkey *k, att__hash_alg alg, const void *msg, size_t n,
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
    EVP_MD_CTX *mctx = NULL;
    uint8_t *buf = NULL;
    size_t len = 0;
    /* a key that cannot sign is typically a public key only */
    int rc = digest_start(&mctx, 1, k, md, PAD_PKCS1, 0, ATT_EINVAL);
    /* First call sizes the signature (no hashing happens), second one signs. */
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
