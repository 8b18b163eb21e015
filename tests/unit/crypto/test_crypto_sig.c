/* Unit tests for src/crypto signatures on real vectors: MAA RS256 token, Intel collateral
 * ECDSA P-256 raw r||s, SEV-SNP report ECDSA P-384 little-endian r/s, AMD RSASSA-PSS
 * certificate signatures; PKCS#1 signing round trips; hostile arguments. */
#include "crypto_tu.h"

#include <jansson.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "core/codec.h"
#include "crypto/crypto.h"

#define MAA_DIR "vectors/maa/sdk-python/sgx-sharedwus-2022/"

/* ---- RS256: a real MAA token ---- */

static void maa_token_rs256(void **state)
{
    (void)state;
    size_t n = 0;
    char *jwt = (char *)tu_read_file(tu_shared_path(MAA_DIR "token.jwt"), &n);
    while (n > 0 && (jwt[n - 1] == '\n' || jwt[n - 1] == '\r'))
        jwt[--n] = 0;
    char *dot2 = strrchr(jwt, '.');
    assert_non_null(dot2);
    size_t signed_len = (size_t)(dot2 - jwt);
    uint8_t *sig = NULL;
    size_t siglen = 0;
    assert_int_equal(att__b64_decode_alloc(dot2 + 1, strlen(dot2 + 1), &sig, &siglen), ATT_OK);
    assert_int_equal(siglen, 256);

    att__pkey *k = tu_cert_key(MAA_DIR "signing_cert.der");
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, siglen),
                     ATT_OK);
    /* a flipped bit in the signature, in the message; wrong hash; wrong length */
    sig[17] ^= 0x04;
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, siglen),
                     ATT_ESIG);
    sig[17] ^= 0x04;
    jwt[10] ^= 0x01;
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, siglen),
                     ATT_ESIG);
    jwt[10] ^= 0x01;
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA384, jwt, signed_len, sig, siglen),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, siglen - 1),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, 0), ATT_ESIG);
    /* the same signature is not a PSS signature */
    assert_int_equal(att__rsa_pss_verify(k, ATT_HASH_SHA256, jwt, signed_len, sig, siglen, -2),
                     ATT_ESIG);
    /* bad arguments */
    assert_int_equal(att__rsa_pkcs1_verify(NULL, ATT_HASH_SHA256, jwt, signed_len, sig, siglen),
                     ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, jwt, signed_len, NULL, siglen),
                     ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, NULL, 5, sig, siglen), ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_verify(k, (att__hash_alg)99, jwt, signed_len, sig, siglen),
                     ATT_EUNSUPPORTED);
    /* an EC key is the wrong type for RSA */
    att__pkey *ec = tu_cert_key("vectors/intel-root/Intel_SGX_RootCA.der");
    assert_int_equal(att__rsa_pkcs1_verify(ec, ATT_HASH_SHA256, jwt, signed_len, sig, siglen),
                     ATT_EINVAL);
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, jwt, signed_len, sig, 64),
                     ATT_EINVAL);
    att__pkey_free(ec);
    att__pkey_free(k);
    free(sig);
    free(jwt);
}

/* ---- ECDSA P-256 raw r||s: Intel TCB info and QE identity in every collateral file ---- */

static const char *collaterals[] = {
    "sgx-v3_automata-dcap-rs.json",   "sgx-v3_openenclave-plugin.json",
    "sgx-v3_phala-dcap-qvl.json",     "tdx-v4_automata-dcap-rs.json",
    "tdx-v4_go-tdx-guest-2023.json",  "tdx-v4_phala-dcap-qvl-outdated.json",
    "tdx-v4_phala-dcap-qvl.json",     "tdx-v5_go-tdx-guest-composed.json",
    "tdx-v5_openenclave-eval21.json",
};

/* Verifies body (exact text) with hex r||s by the first certificate of chain (PEM). Also
 * re-checks the same signature in DER form and a damaged message. */
static void check_collateral_sig(const char *chain, const char *body, const char *sighex)
{
    att__cert **certs = NULL;
    size_t count = 0;
    assert_int_equal(att__certs_from_pem(chain, strlen(chain), &certs, &count), ATT_OK);
    assert_true(count >= 2);
    att__pkey *k = NULL;
    assert_int_equal(att__cert_pubkey(certs[0], &k), ATT_OK);
    assert_int_equal(att__pkey_type(k), ATT_KEY_EC_P256);
    uint8_t rs[64];
    size_t rslen = 0;
    assert_int_equal(att__hex_decode(sighex, strlen(sighex), rs, &rslen), ATT_OK);
    assert_int_equal(rslen, 64);
    size_t n = strlen(body);
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, body, n, rs, rslen), ATT_OK);
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, body, n - 1, rs, rslen), ATT_ESIG);
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, body, n, rs, 63), ATT_ESIG);
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA384, body, n, rs, rslen), ATT_ESIG);

    /* the same signature as an ECDSA-Sig-Value */
    ECDSA_SIG *es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(rs, 32, NULL), BN_bin2bn(rs + 32, 32, NULL));
    unsigned char *der = NULL;
    int dl = i2d_ECDSA_SIG(es, &der);
    assert_true(dl > 0);
    assert_int_equal(att__ecdsa_verify_der(k, ATT_HASH_SHA256, body, n, der, (size_t)dl), ATT_OK);
    assert_int_equal(att__ecdsa_verify_der(k, ATT_HASH_SHA256, body, n, der, (size_t)dl - 1),
                     ATT_ESIG);
    /* trailing garbage after the DER is not the same signature */
    unsigned char *longer = malloc((size_t)dl + 1);
    memcpy(longer, der, (size_t)dl);
    longer[dl] = 0;
    assert_int_equal(att__ecdsa_verify_der(k, ATT_HASH_SHA256, body, n, longer, (size_t)dl + 1),
                     ATT_ESIG);
    free(longer);
    OPENSSL_free(der);
    ECDSA_SIG_free(es);

    /* r or s flipped; r = s = 0 */
    rs[5] ^= 1;
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, body, n, rs, rslen), ATT_ESIG);
    memset(rs, 0, sizeof(rs));
    assert_int_equal(att__ecdsa_verify_raw(k, ATT_HASH_SHA256, body, n, rs, rslen), ATT_ESIG);
    att__pkey_free(k);
    att__certs_free(certs, count);
}

static void intel_collateral_ecdsa_raw(void **state)
{
    (void)state;
    int checked = 0;
    for (size_t i = 0; i < sizeof(collaterals) / sizeof(collaterals[0]); i++) {
        char rel[200];
        snprintf(rel, sizeof(rel), "vectors/normalized-collateral/%s", collaterals[i]);
        json_t *c = tu_load_json(rel);
        check_collateral_sig(tu_jstr(c, "tcb_info_issuer_chain"), tu_jstr(c, "tcb_info"),
                             tu_jstr(c, "tcb_info_signature"));
        check_collateral_sig(tu_jstr(c, "qe_identity_issuer_chain"), tu_jstr(c, "qe_identity"),
                             tu_jstr(c, "qe_identity_signature"));
        checked += 2;
        json_decref(c);
    }
    assert_int_equal(checked, 18);
}

/* ---- ECDSA P-384 little-endian r/s: SEV-SNP reports ---- */

/* SNP report layout (reference/hw-evidence.md): signed bytes 0..0x2A0, r at 0x2A0 and s
 * at 0x2E8, each a 72-byte little-endian field. */
#define SNP_SIGNED_LEN 0x2A0
#define SNP_R_OFF      0x2A0
#define SNP_S_OFF      0x2E8
#define SNP_REPORT_LEN 1184

static void snp_reports_ecdsa_le(void **state)
{
    (void)state;
    json_t *m = tu_load_json("vectors/manifest-snp.json");
    json_t *cases = json_object_get(m, "cases");
    size_t idx;
    json_t *cs;
    int ok = 0, bad = 0;
    json_array_foreach(cases, idx, cs)
    {
        size_t n = 0;
        char rel[256];
        snprintf(rel, sizeof(rel), "vectors/%s", tu_jstr(cs, "report"));
        uint8_t *rep = tu_read_file(tu_shared_path(rel), &n);
        size_t off = (size_t)json_number_value(json_object_get(cs, "report_offset"));
        assert_true(n >= off + SNP_REPORT_LEN);
        const uint8_t *r = rep + off;
        snprintf(rel, sizeof(rel), "vectors/%s", tu_jstr(cs, "vek"));
        att__pkey *k = tu_cert_key(rel);
        assert_int_equal(att__pkey_type(k), ATT_KEY_EC_P384);
        int expect = json_is_true(json_object_get(
            json_object_get(json_object_get(cs, "expected"), "checks"), "report_sig"));
        int rc = att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN, r + SNP_R_OFF,
                                          r + SNP_S_OFF, 72);
        assert_int_equal(rc, expect ? ATT_OK : ATT_ESIG);
        if (expect) {
            ok++;
            /* exactly the low 48 bytes also work; a changed report byte does not */
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN,
                                                      r + SNP_R_OFF, r + SNP_S_OFF, 48),
                             ATT_OK);
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN - 1,
                                                      r + SNP_R_OFF, r + SNP_S_OFF, 72),
                             ATT_ESIG);
            /* a non-zero byte above the curve size */
            uint8_t rr[72];
            memcpy(rr, r + SNP_R_OFF, 72);
            rr[60] = 1;
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN, rr,
                                                      r + SNP_S_OFF, 72),
                             ATT_ESIG);
            /* too short, too long, wrong hash */
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN,
                                                      r + SNP_R_OFF, r + SNP_S_OFF, 47),
                             ATT_ESIG);
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN,
                                                      r + SNP_R_OFF, r + SNP_S_OFF, 4096),
                             ATT_ESIG);
            assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA256, r, SNP_SIGNED_LEN,
                                                      r + SNP_R_OFF, r + SNP_S_OFF, 72),
                             ATT_ESIG);
        } else {
            bad++;
        }
        assert_int_equal(att__ecdsa_verify_raw_le(k, ATT_HASH_SHA384, r, SNP_SIGNED_LEN, NULL,
                                                  r + SNP_S_OFF, 72),
                         ATT_EINVAL);
        att__pkey_free(k);
        free(rep);
    }
    assert_int_equal(ok, 4);
    assert_int_equal(bad, 2);
    json_decref(m);
}

/* ---- RSASSA-PSS: the AMD ARK's signature on the ASK ---- */

/* Length of the DER element at p (tag + length + content), 0 when malformed. */
static size_t der_elem_len(const uint8_t *p, size_t n, size_t *hdr)
{
    if (n < 2)
        return 0;
    size_t len = p[1], h = 2;
    if (len & 0x80) {
        size_t nb = len & 0x7f;
        if (nb == 0 || nb > 3 || n < 2 + nb)
            return 0;
        len = 0;
        for (size_t i = 0; i < nb; i++)
            len = (len << 8) | p[2 + i];
        h += nb;
    }
    if (n - h < len)
        return 0;
    *hdr = h;
    return h + len;
}

static void amd_pss_cert_signature(void **state)
{
    (void)state;
    size_t n = 0;
    char *pem = (char *)tu_read_file(tu_shared_path("vectors/snp/amd-roots/ask_ark_milan.pem"), &n);
    att__cert **certs = NULL;
    size_t count = 0;
    assert_int_equal(att__certs_from_pem(pem, n, &certs, &count), ATT_OK);
    assert_int_equal(count, 2); /* ASK, ARK */
    att__pkey *ark = NULL;
    assert_int_equal(att__cert_pubkey(certs[1], &ark), ATT_OK);
    assert_int_equal(att__pkey_type(ark), ATT_KEY_RSA);
    assert_int_equal(att__pkey_bits(ark), 4096);

    /* tbsCertificate bytes of the ASK exactly as encoded, and its signature */
    uint8_t *der = NULL;
    size_t derlen = 0;
    assert_int_equal(att__cert_der(certs[0], &der, &derlen), ATT_OK);
    size_t hdr = 0, thdr = 0;
    assert_int_equal(der_elem_len(der, derlen, &hdr), derlen);
    size_t tbslen = der_elem_len(der + hdr, derlen - hdr, &thdr);
    assert_true(tbslen > 0);
    const ASN1_BIT_STRING *bits = NULL;
    X509_get0_signature(&bits, NULL, certs[0]);
    const uint8_t *sig = ASN1_STRING_get0_data(bits);
    size_t siglen = (size_t)ASN1_STRING_length(bits);
    assert_int_equal(siglen, 512);

    const uint8_t *tbs = der + hdr;
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen, 48),
                     ATT_OK);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen, -1),
                     ATT_OK);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen, -2),
                     ATT_OK);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen, 32),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA256, tbs, tbslen, sig, siglen, -2),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen - 1, sig, siglen, -2),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pkcs1_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen),
                     ATT_ESIG);
    assert_int_equal(att__rsa_pss_verify(ark, ATT_HASH_SHA384, tbs, tbslen, sig, siglen, -3),
                     ATT_EINVAL);
    att__pkey_free(ark);
    free(der);
    att__certs_free(certs, count);
    free(pem);
}

/* PSS with a generated key, signed by OpenSSL with salt lengths 0, 20 and digest length. */
static void pss_salt_lengths(void **state)
{
    (void)state;
    att__pkey *k = NULL;
    assert_int_equal(att__rsa_generate(2048, &k), ATT_OK);
    const char msg[] = "attestation";
    int salts[] = {0, 20, 32};
    for (size_t i = 0; i < 3; i++) {
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pc = NULL;
        assert_int_equal(EVP_DigestSignInit(m, &pc, EVP_sha256(), NULL, k), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING), 1);
        assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, salts[i]), 1);
        uint8_t sig[256];
        size_t sl = sizeof(sig);
        assert_int_equal(EVP_DigestSign(m, sig, &sl, (const uint8_t *)msg, sizeof(msg) - 1), 1);
        EVP_MD_CTX_free(m);
        assert_int_equal(
            att__rsa_pss_verify(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, sig, sl, salts[i]),
            ATT_OK);
        assert_int_equal(att__rsa_pss_verify(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, sig, sl, -2),
                         ATT_OK);
        assert_int_equal(att__rsa_pss_verify(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, sig, sl, -1),
                         salts[i] == 32 ? ATT_OK : ATT_ESIG);
        assert_int_equal(
            att__rsa_pss_verify(k, ATT_HASH_SHA256, msg, sizeof(msg) - 1, sig, sl, salts[i] + 1),
            ATT_ESIG);
    }
    att__pkey_free(k);
}

/* ---- PKCS#1 v1.5 signing ---- */

static void pkcs1_sign_roundtrip(void **state)
{
    (void)state;
    att__pkey *k = NULL;
    assert_int_equal(att__rsa_generate(2048, &k), ATT_OK);
    const char msg[] = "eyJhbGciOiJSUzI1NiJ9.eyJ4IjoxfQ";
    att__hash_alg algs[] = {ATT_HASH_SHA256, ATT_HASH_SHA384, ATT_HASH_SHA512};
    for (size_t i = 0; i < 3; i++) {
        uint8_t *sig = NULL;
        size_t sl = 0;
        assert_int_equal(att__rsa_pkcs1_sign(k, algs[i], msg, strlen(msg), &sig, &sl), ATT_OK);
        assert_int_equal(sl, 256);
        assert_int_equal(att__rsa_pkcs1_verify(k, algs[i], msg, strlen(msg), sig, sl), ATT_OK);
        /* PKCS#1 v1.5 is deterministic: OpenSSL computes the same bytes */
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        const EVP_MD *md = i == 0 ? EVP_sha256() : i == 1 ? EVP_sha384() : EVP_sha512();
        assert_int_equal(EVP_DigestSignInit(m, NULL, md, NULL, k), 1);
        uint8_t ref[256];
        size_t rl = sizeof(ref);
        assert_int_equal(EVP_DigestSign(m, ref, &rl, (const uint8_t *)msg, strlen(msg)), 1);
        EVP_MD_CTX_free(m);
        assert_memory_equal(sig, ref, 256);
        free(sig);
    }
    /* empty message */
    uint8_t *sig = NULL;
    size_t sl = 0;
    assert_int_equal(att__rsa_pkcs1_sign(k, ATT_HASH_SHA256, NULL, 0, &sig, &sl), ATT_OK);
    assert_int_equal(att__rsa_pkcs1_verify(k, ATT_HASH_SHA256, "", 0, sig, sl), ATT_OK);
    free(sig);
    /* a public key cannot sign; an EC key is the wrong type; bad arguments */
    att__pkey *pub = tu_cert_key(MAA_DIR "signing_cert.der");
    sig = (uint8_t *)1;
    assert_true(att__rsa_pkcs1_sign(pub, ATT_HASH_SHA256, msg, 3, &sig, &sl) < 0);
    assert_null(sig);
    att__pkey *ec = tu_cert_key("vectors/intel-root/Intel_SGX_RootCA.der");
    assert_int_equal(att__rsa_pkcs1_sign(ec, ATT_HASH_SHA256, msg, 3, &sig, &sl), ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_sign(k, (att__hash_alg)0, msg, 3, &sig, &sl), ATT_EUNSUPPORTED);
    assert_int_equal(att__rsa_pkcs1_sign(k, ATT_HASH_SHA256, NULL, 3, &sig, &sl), ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_sign(k, ATT_HASH_SHA256, msg, 3, NULL, &sl), ATT_EINVAL);
    assert_int_equal(att__rsa_pkcs1_sign(NULL, ATT_HASH_SHA256, msg, 3, &sig, &sl), ATT_EINVAL);
    att__pkey_free(ec);
    att__pkey_free(pub);
    att__pkey_free(k);
}

/* ECDSA with a generated P-256 key, DER signatures made by OpenSSL; garbage DER. */
static void ecdsa_der_generated(void **state)
{
    (void)state;
    EVP_PKEY *k = EVP_EC_gen("P-256");
    assert_non_null(k);
    const char msg[] = "quote body";
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestSignInit(m, NULL, EVP_sha256(), NULL, k), 1);
    uint8_t sig[80];
    size_t sl = sizeof(sig);
    assert_int_equal(EVP_DigestSign(m, sig, &sl, (const uint8_t *)msg, strlen(msg)), 1);
    EVP_MD_CTX_free(m);
    assert_int_equal(att__ecdsa_verify_der(k, ATT_HASH_SHA256, msg, strlen(msg), sig, sl), ATT_OK);
    const uint8_t junk[] = {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01};
    assert_int_equal(
        att__ecdsa_verify_der(k, ATT_HASH_SHA256, msg, strlen(msg), junk, sizeof(junk)), ATT_ESIG);
    uint8_t huge[400] = {0x30};
    assert_int_equal(
        att__ecdsa_verify_der(k, ATT_HASH_SHA256, msg, strlen(msg), huge, sizeof(huge)), ATT_ESIG);
    assert_int_equal(att__ecdsa_verify_der(k, ATT_HASH_SHA256, msg, strlen(msg), sig, 0), ATT_ESIG);
    assert_int_equal(att__ecdsa_verify_der(NULL, ATT_HASH_SHA256, msg, strlen(msg), sig, sl),
                     ATT_EINVAL);
    EVP_PKEY_free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(maa_token_rs256),      cmocka_unit_test(intel_collateral_ecdsa_raw),
        cmocka_unit_test(snp_reports_ecdsa_le), cmocka_unit_test(amd_pss_cert_signature),
        cmocka_unit_test(pss_salt_lengths),     cmocka_unit_test(pkcs1_sign_roundtrip),
        cmocka_unit_test(ecdsa_der_generated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
