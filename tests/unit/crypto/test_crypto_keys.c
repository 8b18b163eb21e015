/* Unit tests for src/crypto keys: generation, PEM/DER/raw loading and export, the MAA kid
 * binding of att__pkey_public_pem, private-key files (mode, atomicity) and hostile input. */
#include "crypto_tu.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "attest/error.h"
#include "core/codec.h"
#include "crypto/crypto.h"

#define MAA_DIR "vectors/maa/sdk-python/sgx-sharedwus-2022/"

/* One RSA-2048 key generated for the whole file (generation is the slow part). */
static att__pkey *g_rsa;

static int group_setup(void **state)
{
    (void)state;
    return att__rsa_generate(2048, &g_rsa) == ATT_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    att__pkey_free(g_rsa);
    return 0;
}

/* PEM text of k written by OpenSSL itself, for comparison. */
static char *openssl_pem(const att__pkey *k, int private_key)
{
    BIO *b = BIO_new(BIO_s_mem());
    assert_non_null(b);
    if (private_key)
        assert_int_equal(PEM_write_bio_PrivateKey_traditional(b, k, NULL, NULL, 0, NULL, NULL), 1);
    else
        assert_int_equal(PEM_write_bio_PUBKEY(b, k), 1);
    char *data = NULL;
    long n = BIO_get_mem_data(b, &data);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    memcpy(s, data, (size_t)n);
    s[n] = 0;
    BIO_free(b);
    return s;
}

static void generate_and_query(void **state)
{
    (void)state;
    assert_int_equal(att__pkey_type(g_rsa), ATT_KEY_RSA);
    assert_int_equal(att__pkey_bits(g_rsa), 2048);
    uint8_t *n = NULL, *e = NULL;
    size_t nlen = 0, elen = 0;
    assert_int_equal(att__pkey_rsa_ne(g_rsa, &n, &nlen, &e, &elen), ATT_OK);
    assert_int_equal(nlen, 256);
    assert_int_equal(elen, 3);
    assert_memory_equal(e, "\x01\x00\x01", 3);
    free(n);
    free(e);

    /* references: each ref needs its own free */
    assert_ptr_equal(att__pkey_ref(g_rsa), g_rsa);
    att__pkey_free(g_rsa);
    att__pkey_free(NULL);
    assert_null(att__pkey_ref(NULL));
    assert_int_equal(att__pkey_type(NULL), ATT_KEY_UNKNOWN);
    assert_int_equal(att__pkey_bits(NULL), ATT_EINVAL);

    att__pkey *k = NULL;
    assert_int_equal(att__rsa_generate(1024, &k), ATT_EINVAL);
    assert_int_equal(att__rsa_generate(100000, &k), ATT_EINVAL);
    assert_null(k);
    assert_int_equal(att__rsa_generate(2048, NULL), ATT_EINVAL);
}

static void ec_types_from_certs(void **state)
{
    (void)state;
    att__pkey *root = tu_cert_key("vectors/intel-root/Intel_SGX_RootCA.der");
    assert_int_equal(att__pkey_type(root), ATT_KEY_EC_P256);
    assert_int_equal(att__pkey_bits(root), 256);
    att__pkey *vcek = tu_cert_key("vectors/snp/go-sev-guest/vcek.der");
    assert_int_equal(att__pkey_type(vcek), ATT_KEY_EC_P384);
    assert_int_equal(att__pkey_bits(vcek), 384);
    uint8_t *n = NULL, *e = NULL;
    size_t nlen, elen;
    assert_int_equal(att__pkey_rsa_ne(vcek, &n, &nlen, &e, &elen), ATT_EUNSUPPORTED);
    assert_null(n);
    att__pkey_free(root);
    att__pkey_free(vcek);
}

/* att__pkey_public_pem is byte-identical to PEM_write_bio_PUBKEY: 64-char lines, "\n". */
static void public_pem_exact(void **state)
{
    (void)state;
    char *pem = NULL;
    assert_int_equal(att__pkey_public_pem(g_rsa, &pem), ATT_OK);
    char *ref = openssl_pem(g_rsa, 0);
    assert_string_equal(pem, ref);
    assert_true(strncmp(pem, "-----BEGIN PUBLIC KEY-----\n", 27) == 0);
    size_t len = strlen(pem);
    assert_string_equal(pem + len - 25, "-----END PUBLIC KEY-----\n");
    const char *line = strchr(pem, '\n') + 1;
    while (strncmp(line, "-----END", 8) != 0) {
        const char *nl = strchr(line, '\n');
        assert_non_null(nl);
        assert_true(nl - line <= 64);
        line = nl + 1;
    }
    /* and it parses back to the same key */
    att__pkey *k = NULL;
    assert_int_equal(att__pkey_from_pem(pem, len, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    att__pkey_free(k);
    free(pem);
    free(ref);
    assert_int_equal(att__pkey_public_pem(NULL, &pem), ATT_EINVAL);
    assert_int_equal(att__pkey_public_pem(g_rsa, NULL), ATT_EINVAL);
}

/* MAA kid: base64(SHA-256(public PEM text + NUL)) of the 2022 sharedwus signing key. */
static void maa_kid_binding(void **state)
{
    (void)state;
    att__pkey *k = tu_cert_key(MAA_DIR "signing_cert.der");
    assert_int_equal(att__pkey_type(k), ATT_KEY_RSA);
    char *pem = NULL;
    assert_int_equal(att__pkey_public_pem(k, &pem), ATT_OK);
    uint8_t digest[32];
    assert_int_equal(att__hash(ATT_HASH_SHA256, pem, strlen(pem) + 1, digest), ATT_OK);
    char *kid = att__b64_encode_alloc(digest, sizeof(digest), ATT_B64_STD);
    assert_non_null(kid);
    assert_string_equal(kid, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=");
    free(kid);
    free(pem);
    att__pkey_free(k);
}

static void spki_der_roundtrip(void **state)
{
    (void)state;
    uint8_t *der = NULL;
    size_t n = 0;
    assert_int_equal(att__pkey_public_der(g_rsa, &der, &n), ATT_OK);
    att__pkey *k = NULL;
    assert_int_equal(att__pkey_from_spki_der(der, n, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    att__pkey_free(k);

    /* truncated, trailing garbage, garbage, empty */
    k = (att__pkey *)1;
    assert_int_equal(att__pkey_from_spki_der(der, n - 1, &k), ATT_EPARSE);
    assert_null(k);
    uint8_t *longer = malloc(n + 1);
    memcpy(longer, der, n);
    longer[n] = 0;
    assert_int_equal(att__pkey_from_spki_der(longer, n + 1, &k), ATT_EPARSE);
    free(longer);
    const uint8_t junk[] = {0x30, 0x82, 0xff, 0xff, 0x01, 0x02};
    assert_int_equal(att__pkey_from_spki_der(junk, sizeof(junk), &k), ATT_EPARSE);
    assert_int_equal(att__pkey_from_spki_der(der, 0, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_from_spki_der(NULL, 5, &k), ATT_EINVAL);
    free(der);
    assert_int_equal(att__pkey_public_der(NULL, &der, &n), ATT_EINVAL);
}

static void rsa_ne_roundtrip(void **state)
{
    (void)state;
    uint8_t *n = NULL, *e = NULL;
    size_t nlen = 0, elen = 0;
    assert_int_equal(att__pkey_rsa_ne(g_rsa, &n, &nlen, &e, &elen), ATT_OK);
    att__pkey *k = NULL;
    assert_int_equal(att__pkey_rsa_from_ne(n, nlen, e, elen, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    att__pkey_free(k);

    /* leading zero bytes (as some JWKs carry) are accepted */
    uint8_t *n0 = calloc(1, nlen + 1);
    memcpy(n0 + 1, n, nlen);
    assert_int_equal(att__pkey_rsa_from_ne(n0, nlen + 1, e, elen, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    att__pkey_free(k);
    free(n0);

    /* bad exponents and moduli */
    const uint8_t e_even[] = {0x01, 0x00, 0x00}, e_one[] = {0x01},
                  e_big[9] = {1, 0, 0, 0, 0, 0, 0, 0, 1};
    assert_int_equal(att__pkey_rsa_from_ne(n, nlen, e_even, 3, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_rsa_from_ne(n, nlen, e_one, 1, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_rsa_from_ne(n, nlen, e_big, 9, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_rsa_from_ne(n, 64, e, elen, &k), ATT_EINVAL); /* 512 bits */
    uint8_t *n_even = malloc(nlen);
    memcpy(n_even, n, nlen);
    n_even[nlen - 1] &= 0xfe;
    assert_int_equal(att__pkey_rsa_from_ne(n_even, nlen, e, elen, &k), ATT_EINVAL);
    free(n_even);
    uint8_t zeros[300] = {0};
    assert_int_equal(att__pkey_rsa_from_ne(zeros, sizeof(zeros), e, elen, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_rsa_from_ne(NULL, nlen, e, elen, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_rsa_from_ne(n, nlen, e, elen, NULL), ATT_EINVAL);
    assert_null(k);
    free(n);
    free(e);
}

/* x||y of an EC key: the SPKI's uncompressed point without its 0x04 prefix. */
static size_t raw_point(const att__pkey *k, uint8_t *xy)
{
    uint8_t buf[200];
    size_t len = 0;
    assert_int_equal(
        EVP_PKEY_get_octet_string_param(k, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len), 1);
    assert_int_equal(buf[0], 0x04);
    memcpy(xy, buf + 1, len - 1);
    return len - 1;
}

static void ec_raw_keys(void **state)
{
    (void)state;
    uint8_t xy[132];
    att__pkey *root = tu_cert_key("vectors/intel-root/Intel_SGX_RootCA.der");
    size_t n = raw_point(root, xy);
    assert_int_equal(n, 64);
    att__pkey *k = NULL;
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, n, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, root), 1);
    assert_int_equal(att__pkey_type(k), ATT_KEY_EC_P256);
    att__pkey_free(k);
    /* wrong curve for the length, wrong length, unsupported curve id */
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P384, xy, n, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, n - 1, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_RSA, xy, n, &k), ATT_EUNSUPPORTED);
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, NULL, n, &k), ATT_EINVAL);
    /* a point off the curve */
    xy[63] ^= 1;
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, n, &k), ATT_EINVAL);
    memset(xy, 0, 64);
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P256, xy, n, &k), ATT_EINVAL);
    assert_null(k);
    att__pkey_free(root);

    att__pkey *vcek = tu_cert_key("vectors/snp/go-sev-guest/vcek.der");
    n = raw_point(vcek, xy);
    assert_int_equal(n, 96);
    assert_int_equal(att__pkey_ec_from_raw(ATT_KEY_EC_P384, xy, n, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, vcek), 1);
    assert_int_equal(att__pkey_type(k), ATT_KEY_EC_P384);
    att__pkey_free(k);
    att__pkey_free(vcek);
}

static void pem_variants(void **state)
{
    (void)state;
    att__pkey *k = NULL;
    /* "RSA PRIVATE KEY" (PKCS#1) */
    char *trad = openssl_pem(g_rsa, 1);
    assert_non_null(strstr(trad, "BEGIN RSA PRIVATE KEY"));
    assert_int_equal(att__pkey_from_pem(trad, strlen(trad), &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    att__pkey_free(k);
    free(trad);

    /* "EC PRIVATE KEY" preceded by an "EC PARAMETERS" block, as `openssl ecparam -genkey` */
    EVP_PKEY *ec = EVP_EC_gen("P-384");
    assert_non_null(ec);
    char *ecpem = openssl_pem(ec, 1);
    assert_non_null(strstr(ecpem, "BEGIN EC PRIVATE KEY"));
    const char params[] =
        "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n";
    size_t tl = strlen(params) + strlen(ecpem);
    char *both = malloc(tl + 1);
    snprintf(both, tl + 1, "%s%s", params, ecpem);
    assert_int_equal(att__pkey_from_pem(both, tl, &k), ATT_OK);
    assert_int_equal(att__pkey_type(k), ATT_KEY_EC_P384);
    assert_int_equal(EVP_PKEY_eq(k, ec), 1);
    att__pkey_free(k);
    free(both);
    free(ecpem);

    /* PKCS#8 encrypted: refused without prompting */
    BIO *b = BIO_new(BIO_s_mem());
    assert_int_equal(
        PEM_write_bio_PKCS8PrivateKey(b, ec, EVP_aes_128_cbc(), NULL, 0, NULL, (void *)"secret"),
        1);
    char *enc = NULL;
    long el = BIO_get_mem_data(b, &enc);
    assert_int_equal(att__pkey_from_pem(enc, (size_t)el, &k), ATT_EUNSUPPORTED);
    BIO_free(b);
    EVP_PKEY_free(ec);

    /* the public key of a certificate file in PEM */
    size_t cl = 0;
    char *cert =
        (char *)tu_read_file(tu_shared_path("vectors/intel-root/Intel_SGX_RootCA.pem"), &cl);
    assert_int_equal(att__pkey_from_pem(cert, cl, &k), ATT_EPARSE); /* a cert is not a key */
    free(cert);

    /* garbage and truncation */
    const char *junk = "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n";
    assert_int_equal(att__pkey_from_pem(junk, strlen(junk), &k), ATT_EPARSE);
    char *pub = NULL;
    assert_int_equal(att__pkey_public_pem(g_rsa, &pub), ATT_OK);
    assert_int_equal(att__pkey_from_pem(pub, strlen(pub) / 2, &k), ATT_EPARSE);
    assert_int_equal(att__pkey_from_pem(pub, 20, &k), ATT_EPARSE);
    /* a body whose DER is cut short but still valid base64 */
    char *cut = strdup(pub);
    char *line2 = strchr(cut, '\n') + 1;
    char *end = strstr(cut, "-----END");
    memmove(line2 + 4, end, strlen(end) + 1);
    assert_int_equal(att__pkey_from_pem(cut, strlen(cut), &k), ATT_EPARSE);
    free(cut);
    free(pub);
    assert_int_equal(att__pkey_from_pem("hello", 5, &k), ATT_EPARSE);
    assert_int_equal(att__pkey_from_pem(NULL, 5, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_from_pem("x", 0, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_from_pem("x", 1, NULL), ATT_EINVAL);
    assert_null(k);
}

/* Names in dir starting with prefix (temporary files left behind). */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            n++;
    closedir(d);
    return n;
}

static void private_pem_files(void **state)
{
    (void)state;
    const char *tmp = tu_tmpdir();
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s", tmp);
    snprintf(path, sizeof(path), "%s/signing.key", dir);

    assert_int_equal(att__pkey_write_private_pem(g_rsa, path, 0), ATT_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_entries(dir), 1); /* no temporary left */

    size_t n = 0;
    char *text = (char *)tu_read_file(path, &n);
    assert_true(strncmp(text, "-----BEGIN PRIVATE KEY-----\n", 28) == 0); /* PKCS#8 */
    free(text);

    att__pkey *k = NULL;
    assert_int_equal(att__pkey_read_pem_file(path, &k), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(k, g_rsa), 1);
    /* the key read back can sign */
    uint8_t *sig = NULL;
    size_t siglen = 0;
    assert_int_equal(att__rsa_pkcs1_sign(k, ATT_HASH_SHA256, "m", 1, &sig, &siglen), ATT_OK);
    assert_int_equal(att__rsa_pkcs1_verify(g_rsa, ATT_HASH_SHA256, "m", 1, sig, siglen), ATT_OK);
    free(sig);

    /* no overwrite: refused, original kept */
    att__pkey *other = NULL;
    assert_int_equal(att__rsa_generate(2048, &other), ATT_OK);
    assert_int_equal(att__pkey_write_private_pem(other, path, 0), ATT_EIO);
    att__pkey *again = NULL;
    assert_int_equal(att__pkey_read_pem_file(path, &again), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(again, g_rsa), 1);
    att__pkey_free(again);
    /* overwrite: replaced atomically, still 0600 */
    assert_int_equal(att__pkey_write_private_pem(other, path, 1), ATT_OK);
    assert_int_equal(att__pkey_read_pem_file(path, &again), ATT_OK);
    assert_int_equal(EVP_PKEY_eq(again, other), 1);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(count_entries(dir), 1);
    att__pkey_free(again);
    att__pkey_free(other);

    /* a public-only key has nothing to write; nothing is created */
    char pubpath[300];
    snprintf(pubpath, sizeof(pubpath), "%s/public.key", dir);
    att__pkey *pub = tu_cert_key("vectors/intel-root/Intel_SGX_RootCA.der");
    assert_int_equal(att__pkey_write_private_pem(pub, pubpath, 1), ATT_EINVAL);
    assert_int_not_equal(stat(pubpath, &st), 0);
    att__pkey_free(pub);
    assert_int_equal(count_entries(dir), 1);

    /* bad paths */
    char missing[300];
    snprintf(missing, sizeof(missing), "%s/no/such/dir/k.pem", dir);
    assert_int_equal(att__pkey_write_private_pem(g_rsa, missing, 1), ATT_EIO);
    assert_int_equal(att__pkey_write_private_pem(g_rsa, "", 1), ATT_EINVAL);
    assert_int_equal(att__pkey_write_private_pem(NULL, path, 1), ATT_EINVAL);
    att__pkey_free(k);
    tu_rmtree(dir);
}

static void read_pem_file_errors(void **state)
{
    (void)state;
    const char *tmp = tu_tmpdir();
    char dir[256], path[300];
    snprintf(dir, sizeof(dir), "%s", tmp);
    att__pkey *k = NULL;
    snprintf(path, sizeof(path), "%s/absent.pem", dir);
    assert_int_equal(att__pkey_read_pem_file(path, &k), ATT_ENOTFOUND);
    assert_int_equal(att__pkey_read_pem_file(dir, &k), ATT_EIO); /* a directory */
    assert_int_equal(att__pkey_read_pem_file(NULL, &k), ATT_EINVAL);
    assert_int_equal(att__pkey_read_pem_file(path, NULL), ATT_EINVAL);

    /* an empty file and an oversize file */
    snprintf(path, sizeof(path), "%s/empty.pem", dir);
    FILE *f = fopen(path, "w");
    fclose(f);
    assert_int_equal(att__pkey_read_pem_file(path, &k), ATT_EPARSE);
    snprintf(path, sizeof(path), "%s/huge.pem", dir);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs("-----BEGIN PUBLIC KEY-----\n", f);
    fseek(f, 2L * 1024 * 1024, SEEK_SET); /* sparse: 2 MiB, above the input limit */
    fputc('\n', f);
    fclose(f);
    assert_int_equal(att__pkey_read_pem_file(path, &k), ATT_ELIMIT);
    assert_null(k);
    tu_rmtree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(generate_and_query), cmocka_unit_test(ec_types_from_certs),
        cmocka_unit_test(public_pem_exact),   cmocka_unit_test(maa_kid_binding),
        cmocka_unit_test(spki_der_roundtrip), cmocka_unit_test(rsa_ne_roundtrip),
        cmocka_unit_test(ec_raw_keys),        cmocka_unit_test(pem_variants),
        cmocka_unit_test(private_pem_files),  cmocka_unit_test(read_pem_file_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
