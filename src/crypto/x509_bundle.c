/* Certificate bundles from files and signature-algorithm inspection (crypto.h): reading a
 * file that holds one DER certificate or a PEM bundle, or a CRL (operator-supplied AMD
 * certificate directories), and the RSASSA-PSS parameters a certificate was signed with (AMD signs
 * its ARK, ASK, ASVK, VCEK and VLEK with PSS SHA-384, MGF1-SHA-384, salt 48). */
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>

#include "crypto/crypto_int.h"

int att__certs_read_file(const char *path, att__cert ***certs, size_t *count)
{
    *certs = NULL;
    *count = 0;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = att__crypto_read_file(path, ATT__CRYPTO_MAX_INPUT, &buf, &n);
    if (rc != ATT_OK)
        return rc;
    att__cert *one = NULL;
    if (n > 0 && buf[0] == 0x30 && att__cert_from_der(buf, n, &one) == ATT_OK) {
        *certs = OPENSSL_zalloc(sizeof(**certs));
        if (!*certs) {
            att__cert_free(one);
            rc = ATT_ENOMEM;
        } else {
            (*certs)[0] = one;
            *count = 1;
        }
    } else {
        rc = att__certs_from_pem((const char *)buf, n, certs, count);
    }
    free(buf);
    return rc;
}

int att__crl_read_file(const char *path, att__crl **out)
{
    *out = NULL;
    uint8_t *buf = NULL;
    size_t n = 0;
    int rc = att__crypto_read_file(path, ATT__CRYPTO_MAX_INPUT, &buf, &n);
    if (rc != ATT_OK)
        return rc;
    if (n > 0 && buf[0] == 0x30 && att__crl_from_der(buf, n, out) == ATT_OK)
        rc = ATT_OK;
    else
        rc = att__crl_from_pem((const char *)buf, n, out);
    free(buf);
    return rc;
}

static att__hash_alg hash_of_md(const EVP_MD *md)
{
    if (!md)
        return (att__hash_alg)0;
    switch (EVP_MD_get_type(md)) {
    case NID_sha1:
        return ATT_HASH_SHA1;
    case NID_sha256:
        return ATT_HASH_SHA256;
    case NID_sha384:
        return ATT_HASH_SHA384;
    case NID_sha512:
        return ATT_HASH_SHA512;
    default:
        return (att__hash_alg)0;
    }
}

int att__cert_sig_pss_params(const att__cert *c, att__hash_alg *hash, att__hash_alg *mgf1_hash,
                             int *saltlen)
{
    const X509_ALGOR *alg = NULL;
    X509_get0_signature(NULL, &alg, c);
    const ASN1_OBJECT *oid = NULL;
    int ptype = 0;
    const void *pval = NULL;
    if (!alg)
        return ATT_EPARSE;
    X509_ALGOR_get0(&oid, &ptype, &pval, alg);
    if (OBJ_obj2nid(oid) != NID_rsassaPss)
        return ATT_EUNSUPPORTED;
    if (ptype != V_ASN1_SEQUENCE || !pval)
        return ATT_EPARSE;
    RSA_PSS_PARAMS *p = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(RSA_PSS_PARAMS),
                                                  (const ASN1_TYPE *)alg->parameter);
    if (!p)
        return ATT_EPARSE;
    int rc = ATT_OK;
    /* Defaults (RFC 4055): SHA-1, MGF1-SHA-1, salt 20. */
    const EVP_MD *md =
        p->hashAlgorithm ? EVP_get_digestbyobj(p->hashAlgorithm->algorithm) : EVP_sha1();
    const EVP_MD *mgfmd = EVP_sha1();
    if (p->maskGenAlgorithm) {
        /* MGF1's parameter is the AlgorithmIdentifier of its hash. */
        X509_ALGOR *mh = NULL;
        if (OBJ_obj2nid(p->maskGenAlgorithm->algorithm) == NID_mgf1 &&
            p->maskGenAlgorithm->parameter)
            mh = ASN1_TYPE_unpack_sequence(ASN1_ITEM_rptr(X509_ALGOR),
                                           p->maskGenAlgorithm->parameter);
        if (!mh)
            rc = ATT_EUNSUPPORTED;
        else
            mgfmd = EVP_get_digestbyobj(mh->algorithm);
        X509_ALGOR_free(mh);
    }
    long salt = 20;
    if (p->saltLength && (salt = ASN1_INTEGER_get(p->saltLength)) < 0)
        rc = ATT_EPARSE;
    *hash = hash_of_md(md);
    *mgf1_hash = hash_of_md(mgfmd);
    *saltlen = (int)salt;
    RSA_PSS_PARAMS_free(p);
    ERR_clear_error();
    return rc;
}
