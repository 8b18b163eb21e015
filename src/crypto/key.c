/* Keys (crypto.h "keys"): reference counting, type queries, loading from PEM/DER/raw EC
 * points/RSA n,e, SPKI export, RSA key generation and private-key PEM files.
 *
 * Raw keys are built with EVP_PKEY_fromdata (no deprecated RSA_* / EC_KEY_* API), so the
 * same code works for keys held by any OpenSSL provider. */
#include "crypto/crypto_int.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdlib.h>
#include <string.h>

void att__pkey_free(att__pkey *k)
{
    EVP_PKEY_free(k);
}

att__pkey *att__pkey_ref(att__pkey *k)
{
    if (k && EVP_PKEY_up_ref(k) != 1)
        return NULL;
    return k;
}

/* EC curve of an EC key. */
static att__key_type ec_curve(const EVP_PKEY *k)
{
    char name[80];
    size_t len = 0;
    if (EVP_PKEY_get_group_name(k, name, sizeof(name), &len) != 1) {
        ERR_clear_error();
        return ATT_KEY_EC_OTHER;
    }
    int nid = OBJ_sn2nid(name);
    if (nid == NID_undef)
        nid = EC_curve_nist2nid(name);
    if (nid == NID_X9_62_prime256v1)
        return ATT_KEY_EC_P256;
    if (nid == NID_secp384r1)
        return ATT_KEY_EC_P384;
    return ATT_KEY_EC_OTHER;
}

att__key_type att__pkey_type(const att__pkey *k)
{
    if (!k)
        return ATT_KEY_UNKNOWN;
    /* EVP_PKEY_is_a works for provider-native keys too (an HSM key has no legacy id). */
    if (EVP_PKEY_is_a(k, "RSA") || EVP_PKEY_is_a(k, "RSA-PSS"))
        return ATT_KEY_RSA;
    if (EVP_PKEY_is_a(k, "EC"))
        return ec_curve(k);
    return ATT_KEY_UNKNOWN;
}

int att__pkey_bits(const att__pkey *k)
{
    if (!k)
        return ATT_EINVAL;
    int bits = EVP_PKEY_get_bits(k);
    return bits > 0 ? bits : att__crypto_err(ATT_EUNSUPPORTED);
}

/* ---- loading ---- */

/* PEM labels that may carry a key, and whether they are public. */
static const struct {
    const char *label;
    int is_public;
    int supported;
} pem_labels[] = {
    {"PUBLIC KEY", 1, 1},     {"PRIVATE KEY", 0, 1},           {"RSA PRIVATE KEY", 0, 1},
    {"EC PRIVATE KEY", 0, 1}, {"ENCRYPTED PRIVATE KEY", 0, 0}, {"RSA PUBLIC KEY", 1, 0},
};

/* Finds the first PEM block with a key label in pem[0..n). Sets *off to the start of its
 * "-----BEGIN" line and *which to the index into pem_labels. ATT_EPARSE when none. */
static int find_key_block(const char *pem, size_t n, size_t *off, size_t *which)
{
    static const char begin[] = "-----BEGIN ";
    const size_t blen = sizeof(begin) - 1;
    size_t pos = 0;
    while (pos < n) {
        const char *hit = att__crypto_memfind(pem + pos, n - pos, begin);
        if (!hit)
            break;
        size_t at = (size_t)(hit - pem);
        size_t lab = at + blen;
        for (size_t i = 0; i < sizeof(pem_labels) / sizeof(pem_labels[0]); i++) {
            size_t ll = strlen(pem_labels[i].label);
            if (n - lab >= ll + 5 && memcmp(pem + lab, pem_labels[i].label, ll) == 0 &&
                memcmp(pem + lab + ll, "-----", 5) == 0) {
                *off = at;
                *which = i;
                return ATT_OK;
            }
        }
        pos = lab;
    }
    return ATT_EPARSE;
}

int att__pkey_from_pem(const char *pem, size_t n, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!pem || n == 0)
        return ATT_EINVAL;
    if (n > ATT__CRYPTO_MAX_INPUT)
        return ATT_ELIMIT;
    size_t off = 0, which = 0;
    int rc = find_key_block(pem, n, &off, &which);
    if (rc != ATT_OK)
        return rc;
    if (!pem_labels[which].supported)
        return ATT_EUNSUPPORTED;
    BIO *b = att__crypto_mem_bio(pem + off, n - off, &rc);
    if (!b)
        return rc;
    EVP_PKEY *k;
    if (pem_labels[which].is_public)
        k = PEM_read_bio_PUBKEY(b, NULL, att__crypto_no_password, NULL);
    else
        k = PEM_read_bio_PrivateKey(b, NULL, att__crypto_no_password, NULL);
    BIO_free(b);
    if (!k)
        return att__crypto_err(ATT_EPARSE);
    *out = k;
    return ATT_OK;
}

/* Type-exact adapters for the generic DER helpers of util.c (SubjectPublicKeyInfo). */
static int i2d_spki(const void *k, unsigned char **pp)
{
    return i2d_PUBKEY((const EVP_PKEY *)k, pp);
}

static void *d2i_spki(const unsigned char **pp, long len)
{
    return d2i_PUBKEY(NULL, pp, len);
}

static void free_pkey(void *k)
{
    EVP_PKEY_free(k);
}

int att__pkey_from_spki_der(const uint8_t *der, size_t n, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    /* exactly one SPKI: trailing bytes are ATT_EPARSE */
    void *k = NULL;
    int rc = att__crypto_d2i(der, n, d2i_spki, free_pkey, &k);
    *out = k;
    return rc;
}

/* Builds a key of `type` ("EC", "RSA") from params. An EC key then gets OpenSSL's quick
 * public check (the point on its curve; the full check adds a point-order multiplication).
 * An RSA key gets none: OpenSSL's check, quick or not, runs a Miller-Rabin test on the
 * modulus (milliseconds per key, on every request that carries a key); the caller has
 * checked the modulus size and parity and the exponent, and these keys only verify
 * signatures. */
static int key_fromdata(const char *type, OSSL_PARAM *params, att__pkey **out)
{
    EVP_PKEY *k = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (!ctx)
        return att__crypto_err(ATT_ECRYPTO);
    int rc = ATT_OK;
    if (EVP_PKEY_fromdata_init(ctx) != 1)
        rc = ATT_ECRYPTO;
    else if (EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_PUBLIC_KEY, params) != 1)
        rc = ATT_EINVAL; /* e.g. an EC point that is not on the curve */
    EVP_PKEY_CTX_free(ctx);
    if (rc == ATT_OK && strcmp(type, "EC") == 0) {
        ctx = EVP_PKEY_CTX_new_from_pkey(NULL, k, NULL);
        if (!ctx)
            rc = ATT_ENOMEM;
        else if (EVP_PKEY_public_check_quick(ctx) != 1)
            rc = ATT_EINVAL;
        EVP_PKEY_CTX_free(ctx);
    }
    if (rc != ATT_OK) {
        EVP_PKEY_free(k);
        return att__crypto_err(rc);
    }
    *out = k;
    return ATT_OK;
}

int att__pkey_ec_from_raw(att__key_type curve, const uint8_t *xy, size_t n, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    const char *group;
    size_t field;
    if (curve == ATT_KEY_EC_P256) {
        group = SN_X9_62_prime256v1;
        field = 32;
    } else if (curve == ATT_KEY_EC_P384) {
        group = SN_secp384r1;
        field = 48;
    } else {
        return ATT_EUNSUPPORTED;
    }
    if (!xy || n != 2 * field)
        return ATT_EINVAL;
    uint8_t point[1 + 96];
    point[0] = 0x04; /* uncompressed */
    memcpy(point + 1, xy, n);

    int rc = ATT_ENOMEM;
    OSSL_PARAM *params = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) &&
        OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point, 1 + n) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
        rc = key_fromdata("EC", params, out);
    else
        rc = att__crypto_err(ATT_ENOMEM);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    return rc;
}

/* Skips leading zero bytes of a big-endian integer. */
static void strip_zeros(const uint8_t **p, size_t *n)
{
    while (*n > 0 && **p == 0) {
        (*p)++;
        (*n)--;
    }
}

int att__pkey_rsa_from_ne(const uint8_t *n, size_t nlen, const uint8_t *e, size_t elen,
                          att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!n || !e)
        return ATT_EINVAL;
    strip_zeros(&n, &nlen);
    strip_zeros(&e, &elen);
    /* modulus 1024..16384 bits, odd; exponent odd, >= 3, at most 64 bits (OpenSSL refuses
     * larger exponents with large moduli anyway). */
    if (nlen < ATT__RSA_MIN_BITS / 8 || nlen > ATT__RSA_MAX_BITS / 8 || (n[nlen - 1] & 1) == 0)
        return ATT_EINVAL;
    if (elen == 0 || elen > 8 || (e[elen - 1] & 1) == 0 || (elen == 1 && e[0] < 3))
        return ATT_EINVAL;

    int rc;
    BIGNUM *bn = BN_bin2bn(n, (int)nlen, NULL);
    BIGNUM *be = BN_bin2bn(e, (int)elen, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    if (bn && be && bld && OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) &&
        OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) &&
        (params = OSSL_PARAM_BLD_to_param(bld)) != NULL)
        rc = key_fromdata("RSA", params, out);
    else
        rc = att__crypto_err(ATT_ENOMEM);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return rc;
}

/* One RSA component as a malloc'd big-endian byte string. */
static int rsa_param(const att__pkey *k, const char *name, uint8_t **out, size_t *len)
{
    BIGNUM *bn = NULL;
    if (EVP_PKEY_get_bn_param(k, name, &bn) != 1 || !bn)
        return att__crypto_err(ATT_ECRYPTO);
    int nb = BN_num_bytes(bn);
    uint8_t *buf = malloc(nb > 0 ? (size_t)nb : 1);
    if (!buf) {
        BN_free(bn);
        return ATT_ENOMEM;
    }
    if (nb > 0 && BN_bn2bin(bn, buf) != nb) {
        free(buf);
        BN_free(bn);
        return att__crypto_err(ATT_ECRYPTO);
    }
    BN_free(bn);
    *out = buf;
    *len = (size_t)nb;
    return ATT_OK;
}

int att__pkey_rsa_ne(const att__pkey *k, uint8_t **n, size_t *nlen, uint8_t **e, size_t *elen)
{
    if (!n || !nlen || !e || !elen)
        return ATT_EINVAL;
    *n = *e = NULL;
    *nlen = *elen = 0;
    if (!k)
        return ATT_EINVAL;
    if (att__pkey_type(k) != ATT_KEY_RSA)
        return ATT_EUNSUPPORTED;
    int rc = rsa_param(k, OSSL_PKEY_PARAM_RSA_N, n, nlen);
    if (rc != ATT_OK)
        return rc;
    rc = rsa_param(k, OSSL_PKEY_PARAM_RSA_E, e, elen);
    if (rc != ATT_OK) {
        free(*n);
        *n = NULL;
        *nlen = 0;
    }
    return rc;
}

/* ---- export ---- */

int att__pkey_public_pem(const att__pkey *k, char **pem)
{
    if (!pem)
        return ATT_EINVAL;
    *pem = NULL;
    if (!k)
        return ATT_EINVAL;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return att__crypto_err(ATT_ENOMEM);
    int rc;
    /* The text hashed into MAA's kid and report_data: exactly PEM_write_bio_PUBKEY's. */
    if (PEM_write_bio_PUBKEY(b, k) != 1)
        rc = att__crypto_err(ATT_ECRYPTO);
    else
        rc = att__crypto_bio_to_str(b, pem, NULL);
    BIO_free(b);
    return rc;
}

int att__pkey_public_der(const att__pkey *k, uint8_t **der, size_t *n)
{
    return att__crypto_i2d(k, i2d_spki, der, n);
}

/* ---- generation and files ---- */

int att__rsa_generate(int bits, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (bits < ATT__RSA_GEN_MIN_BITS || bits > ATT__RSA_MAX_BITS)
        return ATT_EINVAL;
    int rc = ATT_ECRYPTO;
    EVP_PKEY *k = NULL;
    BIGNUM *e = BN_new();
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
    if (e && ctx && BN_set_word(e, RSA_F4) == 1 && EVP_PKEY_keygen_init(ctx) == 1 &&
        EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) == 1 &&
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(ctx, e) == 1 && EVP_PKEY_keygen(ctx, &k) == 1)
        rc = ATT_OK;
    EVP_PKEY_CTX_free(ctx);
    BN_free(e);
    if (rc != ATT_OK) {
        EVP_PKEY_free(k);
        return att__crypto_err(rc);
    }
    *out = k;
    return ATT_OK;
}

int att__pkey_write_private_pem(const att__pkey *k, const char *path, int overwrite)
{
    if (!k || !path || !*path)
        return ATT_EINVAL;
    /* A secure-heap memory BIO: its buffer is cleansed when it grows and when freed. */
    BIO *b = BIO_new(BIO_s_secmem());
    if (!b)
        return att__crypto_err(ATT_ENOMEM);
    int rc;
    char *data = NULL;
    long len = 0;
    if (PEM_write_bio_PKCS8PrivateKey(b, k, NULL, NULL, 0, NULL, NULL) != 1) {
        rc = att__crypto_err(ATT_EINVAL); /* no private part, or not exportable */
    } else if ((len = BIO_get_mem_data(b, &data)) <= 0 || !data) {
        rc = att__crypto_err(ATT_ECRYPTO);
    } else {
        rc = att__crypto_write_file_atomic(path, data, (size_t)len, 0600, overwrite);
        OPENSSL_cleanse(data, (size_t)len);
    }
    BIO_free(b);
    return rc;
}

int att__pkey_read_pem_file(const char *path, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = att__crypto_read_file(path, ATT__CRYPTO_MAX_INPUT, &buf, &n);
    if (rc != ATT_OK)
        return rc;
    rc = n ? att__pkey_from_pem((const char *)buf, n, out) : ATT_EPARSE;
    att__cleanse(buf, n);
    free(buf);
    return rc;
}
