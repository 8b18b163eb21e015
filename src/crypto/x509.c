/* Certificates and CRLs (crypto.h "certificates and CRLs"): loading from DER/PEM/files,
 * bounded PEM bundles, accessors (DER, key, names, serial, validity, extensions,
 * thumbprints), the subject+key match used for trust anchors, self-signed certificate
 * creation and PEM files. Chain verification is in chain.c. */
#include "crypto/crypto_int.h"

#include <ctype.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>

void att__cert_free(att__cert *c)
{
    X509_free(c);
}

att__cert *att__cert_ref(att__cert *c)
{
    if (c && X509_up_ref(c) != 1)
        return NULL;
    return c;
}

/* Type-exact adapters for the generic DER helpers of util.c. */
static int i2d_cert(const void *c, unsigned char **pp)
{
    return i2d_X509((const X509 *)c, pp);
}

static void *d2i_cert(const unsigned char **pp, long len)
{
    return d2i_X509(NULL, pp, len);
}

static void free_cert(void *c)
{
    X509_free(c);
}

static void *d2i_crl(const unsigned char **pp, long len)
{
    return d2i_X509_CRL(NULL, pp, len);
}

static void free_crl(void *crl)
{
    X509_CRL_free(crl);
}

int att__cert_from_der(const uint8_t *der, size_t n, att__cert **out)
{
    if (!out)
        return ATT_EINVAL;
    /* exactly one certificate: trailing bytes are ATT_EPARSE */
    void *x = NULL;
    int rc = att__crypto_d2i(der, n, d2i_cert, free_cert, &x);
    *out = x;
    return rc;
}

/* Reads the next PEM block labelled `label` from b into *der (OPENSSL_malloc'd; caller
 * OPENSSL_frees) and *len. *der stays NULL at the end of the stream (no further block
 * with that label); a block that is present but broken is ATT_EPARSE, so a damaged bundle
 * is never silently shortened. */
static int pem_next_block(BIO *b, const char *label, unsigned char **der, long *len)
{
    char *name = NULL;
    *der = NULL;
    *len = 0;
    ERR_clear_error();
    int ok = PEM_bytes_read_bio(der, len, &name, label, b, att__crypto_no_password, NULL);
    OPENSSL_free(name);
    if (ok == 1)
        return ATT_OK;
    *der = NULL;
    unsigned long e = ERR_peek_last_error();
    if (ERR_GET_LIB(e) == ERR_LIB_PEM && ERR_GET_REASON(e) == PEM_R_NO_START_LINE) {
        ERR_clear_error();
        return ATT_OK;
    }
    return att__crypto_err(ATT_EPARSE);
}

/* The next certificate of a PEM stream, decoded with the same strict DER rules as
 * att__cert_from_der (no trailing bytes inside the block). *x is NULL at the end. */
static int pem_next_cert(BIO *b, X509 **x)
{
    unsigned char *der = NULL;
    long len = 0;
    *x = NULL;
    int rc = pem_next_block(b, PEM_STRING_X509, &der, &len);
    if (rc != ATT_OK || !der)
        return rc;
    rc = len > 0 ? att__cert_from_der(der, (size_t)len, x) : ATT_EPARSE;
    OPENSSL_free(der);
    return rc == ATT_EINVAL ? ATT_EPARSE : rc;
}

int att__cert_from_pem(const char *pem, size_t n, att__cert **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    int rc;
    BIO *b = att__crypto_mem_bio(pem, n, &rc);
    if (!b)
        return rc;
    X509 *x = NULL;
    rc = pem_next_cert(b, &x);
    BIO_free(b);
    if (rc != ATT_OK)
        return rc;
    if (!x)
        return ATT_EPARSE;
    *out = x;
    return ATT_OK;
}

void att__certs_free(att__cert **certs, size_t count)
{
    if (!certs)
        return;
    for (size_t i = 0; i < count; i++)
        X509_free(certs[i]);
    free(certs);
}

int att__certs_from_pem(const char *pem, size_t n, att__cert ***certs, size_t *count)
{
    if (!certs || !count)
        return ATT_EINVAL;
    *certs = NULL;
    *count = 0;
    int rc;
    BIO *b = att__crypto_mem_bio(pem, n, &rc);
    if (!b)
        return rc;
    X509 **arr = calloc(ATT_MAX_CHAIN_CERTS, sizeof(*arr));
    if (!arr) {
        BIO_free(b);
        return ATT_ENOMEM;
    }
    size_t got = 0;
    for (;;) {
        X509 *x = NULL;
        rc = pem_next_cert(b, &x);
        if (rc != ATT_OK || !x)
            break;
        if (got == ATT_MAX_CHAIN_CERTS) {
            X509_free(x);
            rc = ATT_ELIMIT;
            break;
        }
        arr[got++] = x;
    }
    BIO_free(b);
    if (rc == ATT_OK && got == 0)
        rc = ATT_EPARSE;
    if (rc != ATT_OK) {
        att__certs_free(arr, got);
        return rc;
    }
    *certs = arr;
    *count = got;
    return ATT_OK;
}

int att__cert_read_file(const char *path, att__cert **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = att__crypto_read_file(path, ATT__CRYPTO_MAX_INPUT, &buf, &n);
    if (rc != ATT_OK)
        return rc;
    /* DER first: a DER certificate may itself contain PEM text (MAA's signing certificate
     * embeds an SGX quote whose PCK chain is PEM), so "contains -----BEGIN" proves nothing.
     * A text file never parses as one complete DER certificate. */
    if (n == 0)
        rc = ATT_EPARSE;
    else if (buf[0] != 0x30 || (rc = att__cert_from_der(buf, n, out)) != ATT_OK)
        rc = att__cert_from_pem((const char *)buf, n, out);
    free(buf);
    return rc;
}

/* ---- accessors ---- */

int att__cert_der(const att__cert *c, uint8_t **der, size_t *n)
{
    return att__crypto_i2d(c, i2d_cert, der, n);
}

int att__cert_pubkey(const att__cert *c, att__pkey **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!c)
        return ATT_EINVAL;
    EVP_PKEY *k = X509_get0_pubkey(c);
    if (!k)
        return att__crypto_err(ATT_EUNSUPPORTED); /* unknown or malformed key */
    if (EVP_PKEY_up_ref(k) != 1)
        return att__crypto_err(ATT_ECRYPTO);
    *out = k;
    return ATT_OK;
}

int att__cert_subject(const att__cert *c, char **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!c)
        return ATT_EINVAL;
    return att__crypto_name_str(X509_get_subject_name(c), out);
}

int att__cert_issuer(const att__cert *c, char **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!c)
        return ATT_EINVAL;
    return att__crypto_name_str(X509_get_issuer_name(c), out);
}

int att__crypto_integer_hex(const ASN1_INTEGER *ai, char **out)
{
    BIGNUM *bn = ASN1_INTEGER_to_BN(ai, NULL);
    if (!bn)
        return att__crypto_err(ATT_EPARSE);
    char *hex = BN_bn2hex(bn); /* uppercase, whole bytes, "-" when negative, "0" for 0 */
    BN_free(bn);
    if (!hex)
        return att__crypto_err(ATT_ENOMEM);
    size_t len = strlen(hex);
    char *s = malloc(len + 1);
    if (!s) {
        OPENSSL_free(hex);
        return ATT_ENOMEM;
    }
    size_t i = 0, o = 0;
    if (hex[0] == '-') {
        s[o++] = '-';
        i = 1;
    }
    while (hex[i] == '0' && hex[i + 1] != '\0')
        i++;
    for (; hex[i]; i++)
        s[o++] = (char)tolower((unsigned char)hex[i]);
    s[o] = '\0';
    OPENSSL_free(hex);
    *out = s;
    return ATT_OK;
}

int att__cert_serial_hex(const att__cert *c, char **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    if (!c)
        return ATT_EINVAL;
    return att__crypto_integer_hex(X509_get0_serialNumber(c), out);
}

int att__cert_validity(const att__cert *c, int64_t *not_before, int64_t *not_after)
{
    if (!c || !not_before || !not_after)
        return ATT_EINVAL;
    int rc = att__crypto_time_to_epoch(X509_get0_notBefore(c), not_before);
    if (rc == ATT_OK)
        rc = att__crypto_time_to_epoch(X509_get0_notAfter(c), not_after);
    return rc;
}

int att__cert_extension(const att__cert *c, const char *oid, const uint8_t **val, size_t *n)
{
    if (!val || !n)
        return ATT_EINVAL;
    *val = NULL;
    *n = 0;
    if (!c || !oid || !*oid || strlen(oid) > 128)
        return ATT_EINVAL;
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1); /* dotted numbers only, never names */
    if (!obj)
        return att__crypto_err(ATT_EINVAL);
    int idx = X509_get_ext_by_OBJ(c, obj, -1);
    int dup = idx >= 0 ? X509_get_ext_by_OBJ(c, obj, idx) : -1;
    ASN1_OBJECT_free(obj);
    if (idx < 0)
        return att__crypto_err(ATT_ENOTFOUND);
    if (dup >= 0) /* RFC 5280 4.2: an extension appears at most once */
        return ATT_EPARSE;
    X509_EXTENSION *ext = X509_get_ext(c, idx);
    ASN1_OCTET_STRING *data = ext ? X509_EXTENSION_get_data(ext) : NULL;
    if (!data)
        return att__crypto_err(ATT_EPARSE);
    *val = ASN1_STRING_get0_data(data);
    *n = (size_t)ASN1_STRING_length(data);
    return ATT_OK;
}

int att__cert_thumbprint(const att__cert *c, att__hash_alg alg, uint8_t *out)
{
    if (!c || !out)
        return ATT_EINVAL;
    const EVP_MD *md = att__crypto_md(alg);
    if (!md)
        return ATT_EUNSUPPORTED;
    unsigned int len = 0;
    if (X509_digest(c, md, out, &len) != 1 || len != att__hash_len(alg))
        return att__crypto_err(ATT_ECRYPTO);
    return ATT_OK;
}

int att__cert_same_subject_and_key(const att__cert *a, const att__cert *b)
{
    if (!a || !b)
        return 0;
    if (X509_NAME_cmp(X509_get_subject_name(a), X509_get_subject_name(b)) != 0)
        return 0;
    EVP_PKEY *ka = X509_get0_pubkey(a);
    EVP_PKEY *kb = X509_get0_pubkey(b);
    int same = ka && kb && EVP_PKEY_eq(ka, kb) == 1;
    ERR_clear_error();
    return same;
}

/* ---- creation and files ---- */

/* Adds one extension given in OpenSSL's configuration syntax ("critical,CA:FALSE"). */
static int add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *value)
{
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, ctx, nid, value);
    if (!ext)
        return ATT_ECRYPTO;
    int ok = X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
    return ok == 1 ? ATT_OK : ATT_ECRYPTO;
}

int att__cert_self_signed(const att__pkey *k, const char *cn, int64_t not_before, int64_t not_after,
                          att__cert **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    /* 64 = ub-common-name (RFC 5280 appendix A). */
    if (!k || !cn || !*cn || strlen(cn) > 64 || not_before >= not_after || not_before < 0)
        return ATT_EINVAL;
    att__key_type kt = att__pkey_type(k);
    if (kt == ATT_KEY_UNKNOWN)
        return ATT_EUNSUPPORTED;
    if (sizeof(time_t) < 8 && not_after > INT32_MAX)
        return ATT_EINVAL;

    int rc = ATT_ECRYPTO;
    X509 *x = X509_new();
    X509_NAME *name = X509_NAME_new();
    if (!x || !name)
        goto done;
    if (X509_set_version(x, X509_VERSION_3) != 1 ||
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1)
        goto done;
    if (X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8, (const unsigned char *)cn,
                                   -1, -1, 0) != 1 ||
        X509_set_subject_name(x, name) != 1 || X509_set_issuer_name(x, name) != 1)
        goto done;
    /* ASN1_TIME_set picks UTCTime before 2050 and GeneralizedTime after (RFC 5280). */
    if (!ASN1_TIME_set(X509_getm_notBefore(x), (time_t)not_before) ||
        !ASN1_TIME_set(X509_getm_notAfter(x), (time_t)not_after))
        goto done;
    if (X509_set_pubkey(x, (EVP_PKEY *)k) != 1)
        goto done;
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
    if (add_ext(x, &ctx, NID_basic_constraints, "critical,CA:FALSE") != ATT_OK ||
        add_ext(x, &ctx, NID_subject_key_identifier, "hash") != ATT_OK ||
        add_ext(x, &ctx, NID_authority_key_identifier, "keyid:always") != ATT_OK ||
        add_ext(x, &ctx, NID_key_usage, "critical,digitalSignature") != ATT_OK)
        goto done;
    /* sha256WithRSAEncryption for RSA keys (PKCS#1 v1.5 is X509_sign's default);
     * ecdsa-with-SHA256 for EC keys. */
    if (X509_sign(x, (EVP_PKEY *)k, EVP_sha256()) <= 0) {
        rc = ATT_EINVAL; /* typically: k has no private part */
        goto done;
    }
    /* Hand back a copy re-read from its DER: X509_set_pubkey caches k itself, so the
     * certificate we built would answer att__cert_pubkey with the private key object. */
    uint8_t *der = NULL;
    size_t dn = 0;
    rc = att__cert_der(x, &der, &dn);
    if (rc == ATT_OK) {
        rc = att__cert_from_der(der, dn, out);
        free(der);
    }
done:
    X509_NAME_free(name);
    X509_free(x);
    return rc == ATT_OK ? ATT_OK : att__crypto_err(rc);
}

int att__cert_write_pem(const att__cert *c, const char *path)
{
    if (!c || !path || !*path)
        return ATT_EINVAL;
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return att__crypto_err(ATT_ENOMEM);
    int rc;
    char *data = NULL;
    long len = 0;
    if (PEM_write_bio_X509(b, c) != 1 || (len = BIO_get_mem_data(b, &data)) <= 0 || !data)
        rc = att__crypto_err(ATT_ECRYPTO);
    else
        rc = att__crypto_write_file_atomic(path, data, (size_t)len, 0644, 1);
    BIO_free(b);
    return rc;
}

/* ---- CRLs ---- */

void att__crl_free(att__crl *crl)
{
    X509_CRL_free(crl);
}

int att__crl_from_der(const uint8_t *der, size_t n, att__crl **out)
{
    if (!out)
        return ATT_EINVAL;
    void *crl = NULL;
    int rc = att__crypto_d2i(der, n, d2i_crl, free_crl, &crl);
    *out = crl;
    return rc;
}

int att__crl_validity(const att__crl *crl, int64_t *this_update, int64_t *next_update)
{
    if (!crl || !this_update || !next_update)
        return ATT_EINVAL;
    int rc = att__crypto_time_to_epoch(X509_CRL_get0_lastUpdate(crl), this_update);
    const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
    *next_update = INT64_MAX;
    if (rc == ATT_OK && next)
        rc = att__crypto_time_to_epoch(next, next_update);
    return rc;
}

int att__crl_from_pem(const char *pem, size_t n, att__crl **out)
{
    if (!out)
        return ATT_EINVAL;
    *out = NULL;
    int rc;
    BIO *b = att__crypto_mem_bio(pem, n, &rc);
    if (!b)
        return rc;
    unsigned char *der = NULL;
    long len = 0;
    rc = pem_next_block(b, PEM_STRING_X509_CRL, &der, &len);
    BIO_free(b);
    if (rc != ATT_OK)
        return rc;
    if (!der)
        return ATT_EPARSE;
    rc = len > 0 ? att__crl_from_der(der, (size_t)len, out) : ATT_EPARSE;
    OPENSSL_free(der);
    return rc == ATT_EINVAL ? ATT_EPARSE : rc;
}
