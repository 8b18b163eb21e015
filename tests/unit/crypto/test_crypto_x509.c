/* Unit tests for src/crypto certificates and CRLs: accessors on real Intel/AMD/MAA
 * certificates, PEM bundles (limits, CRLF, damage), self-signed creation, files, hostile
 * DER/PEM. Chain verification is tested in test_crypto_chain.c. */
#include "crypto_tu.h"

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/error.h"
#include "core/codec.h"
#include "core/limits.h"
#include "core/timeutil.h"
#include "crypto/crypto.h"

#define ROOT_PEM      "vectors/intel-root/Intel_SGX_RootCA.pem"
#define ROOT_PEM_2033 "vectors/intel-root/Intel_SGX_RootCA_notAfter2033.pem"
#define ROOT_DER      "vectors/intel-root/Intel_SGX_RootCA.der"
#define MAA_CERT      "vectors/maa/sdk-python/sgx-sharedwus-2022/signing_cert.der"
#define T0            1700000000LL /* 2023-11-14, "now" for the generated PKI */
#define YEAR          (365LL * 86400)
#define ROOT_SUBJECT  "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX Root CA"

/* ---- accessors on real certificates ---- */

static void intel_root_accessors(void **state)
{
    (void)state;
    size_t dn = 0;
    uint8_t *der = tu_read_file(tu_shared_path(ROOT_DER), &dn);
    att__cert *c = NULL;
    assert_int_equal(att__cert_from_der(der, dn, &c), ATT_OK);

    char *s = NULL;
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    assert_string_equal(s, ROOT_SUBJECT);
    free(s);
    assert_int_equal(att__cert_issuer(c, &s), ATT_OK);
    assert_string_equal(s, ROOT_SUBJECT);
    free(s);
    assert_int_equal(att__cert_serial_hex(c, &s), ATT_OK);
    assert_string_equal(s, "22650cd65a9d3489f383b49552bf501b392706ac");
    free(s);
    int64_t nb = 0, na = 0;
    assert_int_equal(att__cert_validity(c, &nb, &na), ATT_OK);
    assert_int_equal(nb, tu_parse_time("2018-05-21T10:45:10Z"));
    assert_int_equal(na, tu_parse_time("2049-12-31T23:59:59Z"));

    /* DER round trip and thumbprints */
    uint8_t *out = NULL;
    size_t on = 0;
    assert_int_equal(att__cert_der(c, &out, &on), ATT_OK);
    assert_int_equal(on, dn);
    assert_memory_equal(out, der, dn);
    uint8_t tp[64], ref[64];
    assert_int_equal(att__cert_thumbprint(c, ATT_HASH_SHA1, tp), ATT_OK);
    assert_int_equal(att__hash(ATT_HASH_SHA1, der, dn, ref), ATT_OK);
    assert_memory_equal(tp, ref, 20);
    const uint8_t sha1[] = {0x8b, 0xd3, 0x1e, 0xb1, 0xd6, 0x3c, 0xe3, 0x73, 0x82, 0xc0,
                            0xff, 0xaa, 0x0d, 0x82, 0x00, 0xa3, 0x01, 0x1a, 0xd6, 0xff};
    assert_memory_equal(tp, sha1, 20);
    assert_int_equal(att__cert_thumbprint(c, ATT_HASH_SHA256, tp), ATT_OK);
    assert_int_equal(att__hash(ATT_HASH_SHA256, der, dn, ref), ATT_OK);
    assert_memory_equal(tp, ref, 32);
    assert_int_equal(att__cert_thumbprint(c, (att__hash_alg)42, tp), ATT_EUNSUPPORTED);
    free(out);

    /* the PEM file holds the same certificate */
    size_t pn = 0;
    char *pem = tu_read_shared_text(ROOT_PEM, &pn);
    att__cert *p = NULL;
    assert_int_equal(att__cert_from_pem(pem, pn, &p), ATT_OK);
    assert_int_equal(X509_cmp(p, c), 0);
    free(pem);

    /* references */
    assert_ptr_equal(att__cert_ref(c), c);
    att__cert_free(c);
    assert_null(att__cert_ref(NULL));
    att__cert_free(NULL);
    att__cert_free(p);
    att__cert_free(c);
    free(der);
}

/* AMD VCEKs carry serial 0; their extensions hold the TCB and the product name. */
static void vcek_serial_zero_and_extensions(void **state)
{
    (void)state;
    att__cert *c = tu_load_cert("vectors/snp/go-sev-guest/vcek.der");
    char *s = NULL;
    assert_int_equal(att__cert_serial_hex(c, &s), ATT_OK);
    assert_string_equal(s, "0");
    free(s);
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    assert_string_equal(
        s, "CN=SEV-VCEK,O=Advanced Micro Devices,ST=CA,L=Santa Clara,C=US,OU=Engineering");
    free(s);
    const uint8_t *v = NULL;
    size_t n = 0;
    assert_int_equal(att__cert_extension(c, "1.3.6.1.4.1.3704.1.2", &v, &n), ATT_OK);
    assert_int_equal(n, 10);
    assert_memory_equal(v, "\x16\x08Milan-B0", 10); /* IA5String "Milan-B0" */
    assert_int_equal(att__cert_extension(c, "1.3.6.1.4.1.3704.1.4", &v, &n), ATT_OK);
    assert_int_equal(n, 64); /* the raw 64-byte hwID (not wrapped in an OCTET STRING) */
    assert_int_equal(att__cert_extension(c, "1.2.3.4", &v, &n), ATT_ENOTFOUND);
    assert_null(v);
    assert_int_equal(att__cert_extension(c, "not an oid", &v, &n), ATT_EINVAL);
    assert_int_equal(att__cert_extension(c, "commonName", &v, &n), ATT_EINVAL);
    assert_int_equal(att__cert_extension(c, "", &v, &n), ATT_EINVAL);
    assert_int_equal(att__cert_extension(NULL, "1.2.3", &v, &n), ATT_EINVAL);
    att__cert_free(c);
}

/* MAA's 2022 signing certificate: a DER file whose extension embeds PEM text. */
static void maa_signing_cert(void **state)
{
    (void)state;
    att__cert *c = tu_load_cert(MAA_CERT);
    char *s = NULL;
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    assert_string_equal(s, "CN=https://sharedwus.wus.attest.azure.net");
    free(s);
    assert_int_equal(att__cert_serial_hex(c, &s), ATT_OK);
    assert_string_equal(s, "1");
    free(s);
    const uint8_t *v = NULL;
    size_t n = 0;
    assert_int_equal(att__cert_extension(c, "1.3.6.1.4.1.311.105.1", &v, &n), ATT_OK);
    assert_int_equal(n, 4616);
    assert_memory_equal(v, "\x01\x00\x00\x00\x02\x00\x00\x00\xf8\x11\x00\x00", 12);
    att__cert_free(c);
}

static void same_subject_and_key(void **state)
{
    (void)state;
    att__cert *a = tu_load_cert(ROOT_PEM);
    att__cert *b = tu_load_cert(ROOT_PEM_2033);
    assert_int_not_equal(X509_cmp(a, b), 0); /* different issuances */
    assert_int_equal(att__cert_same_subject_and_key(a, b), 1);
    assert_int_equal(att__cert_same_subject_and_key(b, a), 1);
    att__cert *v = tu_load_cert("vectors/snp/go-sev-guest/vcek.der");
    assert_int_equal(att__cert_same_subject_and_key(a, v), 0);
    assert_int_equal(att__cert_same_subject_and_key(a, NULL), 0);
    att__cert_free(a);
    att__cert_free(b);
    att__cert_free(v);
}

/* ---- PEM bundles ---- */

/* times copies of pem, each followed by a newline (the vector files have none). */
static char *concat_n(const char *pem, size_t times)
{
    size_t l = strlen(pem);
    char *s = malloc((l + 1) * times + 1);
    for (size_t i = 0; i < times; i++) {
        memcpy(s + i * (l + 1), pem, l);
        s[i * (l + 1) + l] = '\n';
    }
    s[(l + 1) * times] = 0;
    return s;
}

/* DER bytes as a CERTIFICATE PEM block with 64-character lines (malloc'd). */
static char *der_to_pem(const uint8_t *der, size_t n, size_t *len)
{
    char *b64 = att__b64_encode_alloc(der, n, ATT_B64_STD);
    assert_non_null(b64);
    size_t bl = strlen(b64);
    char *pem = malloc(bl + bl / 64 + 80);
    size_t o = (size_t)snprintf(pem, 40, "-----BEGIN CERTIFICATE-----\n");
    for (size_t i = 0; i < bl; i += 64) {
        size_t k = bl - i < 64 ? bl - i : 64;
        memcpy(pem + o, b64 + i, k);
        o += k;
        pem[o++] = '\n';
    }
    o += (size_t)snprintf(pem + o, 40, "-----END CERTIFICATE-----\n");
    free(b64);
    *len = o;
    return pem;
}

static void pem_bundles(void **state)
{
    (void)state;
    json_t *col = tu_load_json("vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json");
    const char *chain = tu_jstr(col, "tcb_info_issuer_chain");
    att__cert **certs = NULL;
    size_t count = 0;
    assert_int_equal(att__certs_from_pem(chain, strlen(chain), &certs, &count), ATT_OK);
    assert_int_equal(count, 2);
    char *s = NULL;
    assert_int_equal(att__cert_subject(certs[0], &s), ATT_OK);
    assert_string_equal(s, "C=US,ST=CA,L=Santa Clara,O=Intel Corporation,CN=Intel SGX TCB Signing");
    free(s);
    assert_int_equal(att__cert_subject(certs[1], &s), ATT_OK);
    assert_string_equal(s, ROOT_SUBJECT);
    free(s);

    /* CRLF line ends, leading text */
    size_t l = strlen(chain);
    char *crlf = malloc(2 * l + 32);
    size_t o = (size_t)snprintf(crlf, 32, "Leading text\r\n");
    for (size_t i = 0; i < l; i++) {
        if (chain[i] == '\n')
            crlf[o++] = '\r';
        crlf[o++] = chain[i];
    }
    crlf[o] = 0;
    att__cert **c2 = NULL;
    size_t n2 = 0;
    assert_int_equal(att__certs_from_pem(crlf, o, &c2, &n2), ATT_OK);
    assert_int_equal(n2, 2);
    assert_int_equal(X509_cmp(c2[0], certs[0]), 0);
    assert_int_equal(X509_cmp(c2[1], certs[1]), 0);
    att__certs_free(c2, n2);
    /* first certificate only */
    att__cert *first = NULL;
    assert_int_equal(att__cert_from_pem(crlf, o, &first), ATT_OK);
    assert_int_equal(X509_cmp(first, certs[0]), 0);
    att__cert_free(first);
    free(crlf);

    /* exactly ATT_MAX_CHAIN_CERTS is fine, one more is ELIMIT */
    size_t rn = 0;
    char *root = tu_read_shared_text(ROOT_PEM, &rn);
    char *max = concat_n(root, ATT_MAX_CHAIN_CERTS);
    assert_int_equal(att__certs_from_pem(max, strlen(max), &c2, &n2), ATT_OK);
    assert_int_equal(n2, ATT_MAX_CHAIN_CERTS);
    att__certs_free(c2, n2);
    free(max);
    char *over = concat_n(root, ATT_MAX_CHAIN_CERTS + 1);
    c2 = (att__cert **)1;
    assert_int_equal(att__certs_from_pem(over, strlen(over), &c2, &n2), ATT_ELIMIT);
    assert_null(c2);
    assert_int_equal(n2, 0);
    free(over);

    /* no certificate; a damaged second block; a truncated bundle */
    const char *none = "just text\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    assert_int_equal(att__certs_from_pem(none, strlen(none), &c2, &n2), ATT_EPARSE);
    char *damaged = concat_n(root, 2);
    size_t dl = strlen(damaged);
    assert_int_equal(att__certs_from_pem(damaged, dl, &c2, &n2), ATT_OK);
    assert_int_equal(n2, 2);
    att__certs_free(c2, n2);
    char saved = damaged[rn + 100];
    damaged[rn + 100] = '!'; /* inside the base64 of the second certificate */
    assert_int_equal(att__certs_from_pem(damaged, dl, &c2, &n2), ATT_EPARSE);
    damaged[rn + 100] = saved;
    assert_int_equal(att__certs_from_pem(damaged, rn + rn / 2, &c2, &n2), ATT_EPARSE);
    /* END line glued to the next BEGIN: the second block is not silently dropped */
    damaged[rn] = '-';
    assert_int_equal(att__certs_from_pem(damaged, dl, &c2, &n2), ATT_EPARSE);
    /* a block of valid base64 whose DER is not a certificate */
    const char *notcert = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n";
    assert_int_equal(att__certs_from_pem(notcert, strlen(notcert), &c2, &n2), ATT_EPARSE);
    assert_int_equal(att__cert_from_pem(notcert, strlen(notcert), &first), ATT_EPARSE);
    /* a real certificate with one byte appended inside the PEM block */
    size_t dn = 0;
    uint8_t *der = tu_read_file(tu_shared_path(ROOT_DER), &dn);
    uint8_t *plus = malloc(dn + 1);
    memcpy(plus, der, dn);
    plus[dn] = 0;
    size_t tl = 0;
    char *trail = der_to_pem(plus, dn + 1, &tl);
    assert_int_equal(att__cert_from_pem(trail, tl, &first), ATT_EPARSE);
    assert_int_equal(att__certs_from_pem(trail, tl, &c2, &n2), ATT_EPARSE);
    free(trail);
    /* ... and without the extra byte it is accepted (the encoding above is sound) */
    trail = der_to_pem(der, dn, &tl);
    assert_int_equal(att__cert_from_pem(trail, tl, &first), ATT_OK);
    att__cert_free(first);
    free(trail);
    free(plus);
    free(der);
    free(damaged);
    free(root);

    assert_int_equal(att__certs_from_pem(NULL, 10, &c2, &n2), ATT_EINVAL);
    assert_int_equal(att__certs_from_pem(chain, 0, &c2, &n2), ATT_EINVAL);
    assert_int_equal(att__certs_from_pem(chain, l, NULL, &n2), ATT_EINVAL);
    assert_int_equal(att__cert_from_pem("", 0, &first), ATT_EINVAL);
    assert_int_equal(att__cert_from_pem("garbage", 7, &first), ATT_EPARSE);
    att__certs_free(NULL, 0);
    att__certs_free(certs, count);
    json_decref(col);
}

/* Truncations and bit flips of a real certificate never crash and fail cleanly. */
static void hostile_der(void **state)
{
    (void)state;
    size_t dn = 0;
    uint8_t *der = tu_read_file(tu_shared_path("vectors/snp/go-sev-guest/vcek.der"), &dn);
    att__cert *c = NULL;
    for (size_t n = 0; n < dn; n++) {
        int rc = att__cert_from_der(der, n, &c);
        assert_int_equal(rc, n == 0 ? ATT_EINVAL : ATT_EPARSE);
        assert_null(c);
    }
    uint8_t *longer = malloc(dn + 1);
    memcpy(longer, der, dn);
    longer[dn] = 0;
    assert_int_equal(att__cert_from_der(longer, dn + 1, &c), ATT_EPARSE);
    free(longer);
    /* single-bit flips: either still a certificate or a clean error */
    int parsed = 0;
    for (size_t i = 0; i < dn; i += 7) {
        der[i] ^= 0x10;
        int rc = att__cert_from_der(der, dn, &c);
        assert_true(rc == ATT_OK || rc == ATT_EPARSE);
        if (rc == ATT_OK) {
            char *s = NULL;
            int64_t nb, na;
            (void)att__cert_subject(c, &s);
            free(s);
            (void)att__cert_serial_hex(c, &s);
            free(s);
            (void)att__cert_validity(c, &nb, &na);
            att__pkey *k = NULL;
            if (att__cert_pubkey(c, &k) == ATT_OK)
                att__pkey_free(k);
            att__cert_free(c);
            c = NULL;
            parsed++;
        }
        der[i] ^= 0x10;
    }
    assert_true(parsed > 0);
    /* too large */
    assert_int_equal(att__cert_from_der(der, ATT_MAX_EVIDENCE + 1, &c), ATT_ELIMIT);
    free(der);
}

static void cert_files(void **state)
{
    (void)state;
    att__cert *c = NULL;
    /* DER with embedded PEM text (regression: must not be read as PEM) */
    c = tu_load_cert(MAA_CERT);
    char *s = NULL;
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    assert_non_null(strstr(s, "sharedwus"));
    free(s);
    att__cert_free(c);

    const char *dir = tu_tmpdir();
    char tmp[256], path[320];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    snprintf(path, sizeof(path), "%s/absent.pem", tmp);
    assert_int_equal(att__cert_read_file(path, &c), ATT_ENOTFOUND);
    snprintf(path, sizeof(path), "%s/junk.bin", tmp);
    FILE *f = fopen(path, "w");
    fputs("0\x82junk that is neither DER nor PEM", f);
    fclose(f);
    assert_int_equal(att__cert_read_file(path, &c), ATT_EPARSE);
    assert_int_equal(att__cert_read_file(NULL, &c), ATT_EINVAL);
    assert_null(c);
    tu_rmtree(tmp);
}

/* ---- self-signed certificates ---- */

static void self_signed_properties(void **state)
{
    (void)state;
    att__pkey *k = NULL;
    assert_int_equal(att__rsa_generate(2048, &k), ATT_OK);
    int64_t nb = tu_parse_time("2024-01-01T00:00:00Z"), na = tu_parse_time("2051-06-30T12:00:00Z");
    att__cert *c = NULL;
    assert_int_equal(att__cert_self_signed(k, "https://attestd.example", nb, na, &c), ATT_OK);

    char *s = NULL;
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    assert_string_equal(s, "CN=https://attestd.example");
    free(s);
    assert_int_equal(att__cert_issuer(c, &s), ATT_OK);
    assert_string_equal(s, "CN=https://attestd.example");
    free(s);
    assert_int_equal(att__cert_serial_hex(c, &s), ATT_OK);
    assert_string_equal(s, "1");
    free(s);
    int64_t b = 0, a = 0;
    assert_int_equal(att__cert_validity(c, &b, &a), ATT_OK);
    assert_int_equal(b, nb);
    assert_int_equal(a, na); /* after 2049: GeneralizedTime */
    assert_int_equal(X509_get_version(c), X509_VERSION_3);
    assert_int_equal(X509_get_signature_nid(c), NID_sha256WithRSAEncryption);
    uint32_t fl = X509_get_extension_flags(c);
    assert_true(fl & EXFLAG_BCONS);
    assert_false(fl & EXFLAG_CA);
    assert_true(fl & EXFLAG_KUSAGE);
    assert_int_equal(X509_get_key_usage(c), KU_DIGITAL_SIGNATURE);
    const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(c);
    const ASN1_OCTET_STRING *aki = X509_get0_authority_key_id(c);
    assert_non_null(ski);
    assert_non_null(aki);
    assert_int_equal(ASN1_OCTET_STRING_cmp(ski, aki), 0);
    assert_int_equal(X509_verify(c, k), 1);
    att__pkey *pk = NULL;
    assert_int_equal(att__cert_pubkey(c, &pk), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(pk, k), 1);

    /* written as PEM, 0644, and read back identical */
    const char *dir = tu_tmpdir();
    char tmp[256], path[320];
    snprintf(tmp, sizeof(tmp), "%s", dir);
    snprintf(path, sizeof(path), "%s/signing.crt", tmp);
    assert_int_equal(att__cert_write_pem(c, path), ATT_OK);
    assert_int_equal(att__cert_write_pem(c, path), ATT_OK); /* overwrites */
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    att__cert *back = NULL;
    assert_int_equal(att__cert_read_file(path, &back), ATT_OK);
    assert_int_equal(X509_cmp(back, c), 0);
    att__cert_free(back);
    assert_int_equal(att__cert_write_pem(NULL, path), ATT_EINVAL);
    tu_rmtree(tmp);

    /* bad arguments; a public key cannot sign its certificate */
    att__cert *bad = NULL;
    assert_int_equal(att__cert_self_signed(k, "", nb, na, &bad), ATT_EINVAL);
    assert_int_equal(att__cert_self_signed(k, NULL, nb, na, &bad), ATT_EINVAL);
    assert_int_equal(att__cert_self_signed(k, "x", na, nb, &bad), ATT_EINVAL);
    char longcn[80];
    memset(longcn, 'a', sizeof(longcn) - 1);
    longcn[79] = 0;
    assert_int_equal(att__cert_self_signed(k, longcn, nb, na, &bad), ATT_EINVAL);
    assert_int_equal(att__cert_self_signed(pk, "x", nb, na, &bad), ATT_EINVAL);
    assert_null(bad);
    att__pkey_free(pk);
    att__cert_free(c);
    att__pkey_free(k);
}

/* ---- CRL parsing ---- */

static void crl_parsing(void **state)
{
    (void)state;
    json_t *col = tu_load_json("vectors/normalized-collateral/sgx-v3_phala-dcap-qvl.json");
    size_t n = 0;
    uint8_t *der = tu_hex_decode(tu_jstr(col, "root_ca_crl"), &n);
    att__crl *crl = NULL;
    assert_int_equal(att__crl_from_der(der, n, &crl), ATT_OK);
    att__crl_free(crl);
    for (size_t i = 0; i < n; i++) {
        crl = (att__crl *)1;
        assert_true(att__crl_from_der(der, i, &crl) < 0);
        assert_null(crl);
    }
    uint8_t *longer = malloc(n + 2);
    memcpy(longer, der, n);
    longer[n] = 0;
    longer[n + 1] = 0;
    assert_int_equal(att__crl_from_der(longer, n + 2, &crl), ATT_EPARSE);
    free(longer);
    free(der);
    att__crl_free(NULL);

    size_t pn = 0;
    char *pem = tu_read_shared_text("vectors/sgx-v3/intel-qvl-sample-synthetic/rootCaCrl.pem", &pn);
    assert_int_equal(att__crl_from_pem(pem, pn, &crl), ATT_OK);
    att__crl_free(crl);
    assert_int_equal(att__crl_from_pem(pem, pn / 2, &crl), ATT_EPARSE);
    free(pem);
    assert_int_equal(att__crl_from_pem("nothing", 7, &crl), ATT_EPARSE);
    assert_int_equal(att__crl_from_pem(NULL, 7, &crl), ATT_EINVAL);
    assert_null(crl);
    json_decref(col);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(intel_root_accessors), cmocka_unit_test(vcek_serial_zero_and_extensions),
        cmocka_unit_test(maa_signing_cert),     cmocka_unit_test(same_subject_and_key),
        cmocka_unit_test(pem_bundles),          cmocka_unit_test(hostile_der),
        cmocka_unit_test(cert_files),           cmocka_unit_test(self_signed_properties),
        cmocka_unit_test(crl_parsing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
