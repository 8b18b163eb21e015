/* Unit tests for src/token: kid derivation on MAA's real signing certificate, key and
 * certificate files, JWT issuance (checked with cjose as an independent verifier), JWKS and
 * OpenID metadata. */
#include "testutil.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjose/cjose.h>
#include <jansson.h>

#include "attest/error.h"
#include "core/codec.h"
#include "core/limits.h"
#include "crypto/crypto.h"
#include "token/token.h"

#define ISSUER   "http://127.0.0.1:8080"
#define ISSUER_B "https://provider-b.example.test"
#define NOW      ((int64_t)1700000000)

/* Keys are slow to generate: made once for the whole run. */
static att__pkey *key_a;
static att__pkey *key_b;

static int group_setup(void **state)
{
    if (att__rsa_generate(2048, &key_a) != ATT_OK || att__rsa_generate(2048, &key_b) != ATT_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    att__pkey_free(key_a);
    att__pkey_free(key_b);
    return 0;
}

/* ---- helpers ---- */

/* Decodes base64/base64url text of n chars into a malloc'd NUL-terminated buffer. */
/* noinline: keeps GCC 12 from a false -Wdangling-pointer after inlining cmocka asserts. */
__attribute__((noinline)) static char *b64_decode_str(const char *s, size_t n, size_t *outlen)
{
    uint8_t *out = NULL;
    size_t len = 0;
    int rc = att__b64_decode_alloc(s, n, &out, &len);
    assert_int_equal(rc, ATT_OK);
    if (outlen)
        *outlen = len;
    return (char *)out;
}

/* Splits a compact JWS into its three segments (pointers into jwt, with lengths). */
typedef struct jws_parts {
    const char *h, *p, *s;
    size_t hn, pn, sn;
} jws_parts;

static void split_jws(const char *jwt, jws_parts *j)
{
    const char *d1 = strchr(jwt, '.');
    assert_non_null(d1);
    const char *d2 = strchr(d1 + 1, '.');
    assert_non_null(d2);
    assert_null(strchr(d2 + 1, '.'));
    j->h = jwt;
    j->hn = (size_t)(d1 - jwt);
    j->p = d1 + 1;
    j->pn = (size_t)(d2 - d1 - 1);
    j->s = d2 + 1;
    j->sn = strlen(d2 + 1);
}

static void assert_b64url_segment(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-' || c == '_';
        assert_true(ok);
    }
}

static att__cert *make_cert(att__pkey *k, const char *issuer)
{
    att__cert *c = NULL;
    assert_int_equal(att__signing_cert_create(k, issuer, NOW, &c), ATT_OK);
    return c;
}

/* A signer over key_a alone and its issuer for ISSUER. */
static void make_issuer(att__signer **s, att__token_issuer **ti)
{
    att__pkey *keys[] = {key_a};
    assert_int_equal(att__signer_new(keys, 1, s), ATT_OK);
    att__cert *c = make_cert(key_a, ISSUER);
    att__cert *certs[] = {c};
    assert_int_equal(att__token_issuer_new(*s, ISSUER, certs, ti), ATT_OK);
    att__cert_free(c);
}

/* Verifies jwt with cjose using the RSA JWK {"kty","n","e"} taken from the issuer's JWKS
 * entry of key index `which`: an implementation independent of ours. */
static int cjose_verifies(const att__token_issuer *ti, size_t which, const char *jwt)
{
    json_error_t jerr;
    json_t *jwks = json_loads(att__token_issuer_jwks(ti, NULL), 0, &jerr);
    assert_non_null(jwks);
    json_t *entry = json_array_get(json_object_get(jwks, "keys"), which);
    assert_non_null(entry);
    json_t *pub = json_pack("{s:s, s:O, s:O}", "kty", "RSA", "n", json_object_get(entry, "n"), "e",
                            json_object_get(entry, "e"));
    char *pubtext = json_dumps(pub, JSON_COMPACT);
    cjose_err err;
    cjose_jwk_t *jwk = cjose_jwk_import(pubtext, strlen(pubtext), &err);
    assert_non_null(jwk);
    free(pubtext);
    json_decref(pub);
    json_decref(jwks);

    int ok = 0;
    cjose_jws_t *jws = cjose_jws_import(jwt, strlen(jwt), &err);
    if (jws) {
        ok = cjose_jws_verify(jws, jwk, &err) ? 1 : 0;
        cjose_jws_release(jws);
    }
    cjose_jwk_release(jwk);
    return ok;
}

/* Verifies jwt with att__rsa_pkcs1_verify and the public key of the issuer's certificate. */
static int att_verifies(const att__token_issuer *ti, const char *jwt)
{
    jws_parts j;
    split_jws(jwt, &j);
    size_t siglen = 0;
    char *sig = b64_decode_str(j.s, j.sn, &siglen);
    att__pkey *pub = NULL;
    assert_int_equal(att__cert_pubkey(att__token_issuer_cert(ti, 0), &pub), ATT_OK);
    int rc =
        att__rsa_pkcs1_verify(pub, ATT_HASH_SHA256, jwt, j.hn + 1 + j.pn, (uint8_t *)sig, siglen);
    att__pkey_free(pub);
    free(sig);
    return rc == ATT_OK;
}

/* ---- kid ---- */

static void kid_of_maa_signing_cert(void **state)
{
    size_t n = 0;
    uint8_t *der = tu_read_file(tu_shared_path("vectors/maa/sdk-python/sgx-sharedwus-2022/"
                                               "signing_cert.der"),
                                &n);
    att__cert *c = NULL;
    att__pkey *pub = NULL;
    char kid[ATT_TOKEN_KID_LEN + 1];
    assert_int_equal(att__cert_from_der(der, n, &c), ATT_OK);
    assert_int_equal(att__cert_pubkey(c, &pub), ATT_OK);
    assert_int_equal(att__token_kid(pub, kid), ATT_OK);
    assert_string_equal(kid, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=");
    att__pkey_free(pub);
    att__cert_free(c);
    free(der);
}

static void maa_token_header_format(void **state)
{
    /* The real token's header: the byte layout attestation_token_shape expects of ours. */
    size_t n = 0;
    char *jwt = (char *)tu_read_file(
        tu_shared_path("vectors/maa/sdk-python/sgx-sharedwus-2022/token.jwt"), &n);
    jws_parts j;
    split_jws(jwt, &j);
    char *hdr = b64_decode_str(j.h, j.hn, NULL);
    assert_string_equal(hdr, "{\"alg\":\"RS256\",\"jku\":\"https://sharedwus.wus.attest.azure.net/"
                             "certs\",\"kid\":\"XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=\","
                             "\"typ\":\"JWT\"}");
    free(hdr);
    free(jwt);
}

static void issuer_url_rules(void **state)
{
    const char *good[] = {ISSUER, "https://sharedwus.wus.attest.azure.net", "http://[::1]:8080",
                          "https://h.example/tenant_1"};
    const char *bad[] = {
        NULL,
        "",
        "ftp://x",
        "https://",
        "https:///x",
        "https://x/",
        "https://x y",
        "https://x\"y",
        "https://x,CN=y",
        "http://a.b?c=d",
        "https://aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
        "https://\xc3\xa9.example"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        assert_int_equal(att__token_issuer_url_check(good[i]), ATT_OK);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(att__token_issuer_url_check(bad[i]), ATT_EINVAL);
}

/* ---- key and certificate files ---- */

static void key_created_then_reused(void **state)
{
    char dir[256], sub[300], path[400];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(sub, sizeof(sub), "%s/data", dir); /* created on first start */
    snprintf(path, sizeof(path), "%s/%s", sub, ATT_SIGNING_KEY_FILE);

    att__pkey *k1 = NULL, *k2 = NULL;
    int created = -1;
    assert_int_equal(att__signing_key_load_or_create(sub, &k1, &created), ATT_OK);
    assert_int_equal(created, 1);
    assert_int_equal(att__pkey_type(k1), ATT_KEY_RSA);
    assert_int_equal(att__pkey_bits(k1), 2048);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    size_t n = 0;
    char *pem = (char *)tu_read_file(path, &n);
    assert_non_null(strstr(pem, "-----BEGIN PRIVATE KEY-----")); /* PKCS#8 */
    att__cleanse(pem, n);
    free(pem);

    assert_int_equal(att__signing_key_load_or_create(sub, &k2, &created), ATT_OK);
    assert_int_equal(created, 0);
    char kid1[ATT_TOKEN_KID_LEN + 1], kid2[ATT_TOKEN_KID_LEN + 1];
    assert_int_equal(att__token_kid(k1, kid1), ATT_OK);
    assert_int_equal(att__token_kid(k2, kid2), ATT_OK);
    assert_string_equal(kid1, kid2);
    assert_int_equal(strlen(kid1), ATT_TOKEN_KID_LEN);
    att__pkey_free(k1);
    att__pkey_free(k2);
    tu_rmtree(dir);
}

static void key_file_invalid_is_not_replaced(void **state)
{
    char dir[256], path[400];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(path, sizeof(path), "%s/%s", dir, ATT_SIGNING_KEY_FILE);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("not a key\n", f);
    fclose(f);
    att__pkey *k = NULL;
    int created = -1;
    assert_true(att__signing_key_load_or_create(dir, &k, &created) < 0);
    assert_null(k);
    assert_int_equal(created, 0);
    size_t n = 0;
    char *text = (char *)tu_read_file(path, &n);
    assert_string_equal(text, "not a key\n"); /* never overwritten */
    free(text);
    tu_rmtree(dir);
}

static char *cert_subject(const att__cert *c)
{
    char *s = NULL;
    assert_int_equal(att__cert_subject(c, &s), ATT_OK);
    return s;
}

static void cert_follows_issuer_and_key(void **state)
{
    char dir[256], path[400];
    snprintf(dir, sizeof(dir), "%s", tu_tmpdir());
    snprintf(path, sizeof(path), "%s/%s", dir, ATT_SIGNING_CERT_FILE);
    att__cert *c1 = NULL, *c2 = NULL, *c3 = NULL, *c4 = NULL, *c5 = NULL;
    int created = -1;

    assert_int_equal(att__signing_cert_load_or_create(dir, key_a, ISSUER, NOW, &c1, &created),
                     ATT_OK);
    assert_int_equal(created, 1);
    char *subj = cert_subject(c1);
    assert_string_equal(subj, "CN=" ISSUER);
    free(subj);
    char *iss = NULL;
    assert_int_equal(att__cert_issuer(c1, &iss), ATT_OK);
    assert_string_equal(iss, "CN=" ISSUER);
    free(iss);
    int64_t nb = 0, na = 0;
    assert_int_equal(att__cert_validity(c1, &nb, &na), ATT_OK);
    assert_true(nb == NOW - ATT_SIGNING_CERT_BACKDATE);
    assert_true(na == NOW + ATT_SIGNING_CERT_LIFETIME);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);

    /* same issuer, same key: the stored certificate is reused */
    assert_int_equal(att__signing_cert_load_or_create(dir, key_a, ISSUER, NOW + 60, &c2, &created),
                     ATT_OK);
    assert_int_equal(created, 0);
    uint8_t t1[32], t2[32];
    assert_int_equal(att__cert_thumbprint(c1, ATT_HASH_SHA256, t1), ATT_OK);
    assert_int_equal(att__cert_thumbprint(c2, ATT_HASH_SHA256, t2), ATT_OK);
    assert_memory_equal(t1, t2, 32);

    /* issuer changed: regenerated with the new CN */
    assert_int_equal(
        att__signing_cert_load_or_create(dir, key_a, ISSUER_B, NOW + 60, &c3, &created), ATT_OK);
    assert_int_equal(created, 1);
    subj = cert_subject(c3);
    assert_string_equal(subj, "CN=" ISSUER_B);
    free(subj);

    /* key changed: regenerated for the new key */
    assert_int_equal(
        att__signing_cert_load_or_create(dir, key_b, ISSUER_B, NOW + 60, &c4, &created), ATT_OK);
    assert_int_equal(created, 1);
    att__pkey *pub = NULL;
    assert_int_equal(att__cert_pubkey(c4, &pub), ATT_OK);
    char k1[ATT_TOKEN_KID_LEN + 1], k2[ATT_TOKEN_KID_LEN + 1];
    assert_int_equal(att__token_kid(pub, k1), ATT_OK);
    assert_int_equal(att__token_kid(key_b, k2), ATT_OK);
    assert_string_equal(k1, k2);
    att__pkey_free(pub);

    /* close to expiry: renewed */
    int64_t late = NOW + 60 + ATT_SIGNING_CERT_LIFETIME - ATT_SIGNING_CERT_RENEW + 3600;
    assert_int_equal(att__signing_cert_load_or_create(dir, key_b, ISSUER_B, late, &c5, &created),
                     ATT_OK);
    assert_int_equal(created, 1);

    att__cert_free(c1);
    att__cert_free(c2);
    att__cert_free(c3);
    att__cert_free(c4);
    att__cert_free(c5);
    tu_rmtree(dir);
}

/* ---- signer and issuer objects ---- */

static void signer_rules(void **state)
{
    att__signer *s = NULL;
    att__pkey *dup[] = {key_a, key_a};
    assert_int_equal(att__signer_new(dup, 2, &s), ATT_EINVAL);
    assert_null(s);
    assert_int_equal(att__signer_new(dup, 0, &s), ATT_EINVAL);

    /* keys[1..] may be public keys (retired or not yet active) */
    uint8_t *der = NULL;
    size_t n = 0;
    att__pkey *pub_b = NULL;
    assert_int_equal(att__pkey_public_der(key_b, &der, &n), ATT_OK);
    assert_int_equal(att__pkey_from_spki_der(der, n, &pub_b), ATT_OK);
    free(der);
    att__pkey *keys[] = {key_a, pub_b};
    assert_int_equal(att__signer_new(keys, 2, &s), ATT_OK);
    assert_int_equal(att__signer_key_count(s), 2);
    char kid[ATT_TOKEN_KID_LEN + 1];
    assert_int_equal(att__token_kid(key_b, kid), ATT_OK);
    assert_string_equal(att__signer_kid(s, 1), kid);
    assert_null(att__signer_kid(s, 2));
    assert_null(att__signer_key(s, 2));

    /* a public key cannot be the signing key */
    att__signer *s2 = NULL;
    att__pkey *pubfirst[] = {pub_b};
    assert_true(att__signer_new(pubfirst, 1, &s2) < 0);
    assert_null(s2);

    /* certificate of the wrong key */
    att__cert *cb = make_cert(key_b, ISSUER);
    att__cert *wrong[] = {cb, NULL};
    att__token_issuer *ti = NULL;
    assert_int_equal(att__token_issuer_new(s, ISSUER, wrong, &ti), ATT_EMISMATCH);
    assert_null(ti);
    att__cert *ca = make_cert(key_a, ISSUER);
    att__cert *nofirst[] = {NULL, cb};
    assert_int_equal(att__token_issuer_new(s, ISSUER, nofirst, &ti), ATT_EINVAL);
    att__cert *good[] = {ca, cb};
    assert_int_equal(att__token_issuer_new(s, "https://bad/", good, &ti), ATT_EINVAL);

    /* the issuer keeps its signer and certificates alive */
    assert_int_equal(att__token_issuer_new(s, ISSUER, good, &ti), ATT_OK);
    att__signer_unref(s);
    att__cert_free(ca);
    att__cert_free(cb);
    att__pkey_free(pub_b);
    assert_int_equal(att__signer_key_count(att__token_issuer_signer(ti)), 2);
    assert_non_null(att__token_issuer_cert(ti, 1));
    assert_null(att__token_issuer_cert(ti, 2));
    att__token_issuer *ti2 = att__token_issuer_ref(ti);
    att__token_issuer_unref(ti);
    assert_string_equal(att__token_issuer_url(ti2), ISSUER);
    att__token_issuer_unref(ti2);
    att__token_issuer_unref(NULL);
    att__signer_unref(NULL);
}

/* ---- JWT ---- */

static void attestation_token_shape(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);

    json_t *claims =
        json_pack("{s:s, s:s, s:{s:i, s:i}, s:b}", "x-ms-ver", "1.0", "x-ms-attestation-type",
                  "sgx", "x-ms-policy", "z", 1, "a", 2, "is-debuggable", 0);
    char *jwt = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, claims, NOW, &jwt), ATT_OK);
    assert_int_equal(json_object_size(claims), 4); /* the caller's object is untouched */
    assert_null(json_object_get(claims, "iss"));

    jws_parts j;
    split_jws(jwt, &j);
    assert_b64url_segment(j.h, j.hn);
    assert_b64url_segment(j.p, j.pn);
    assert_b64url_segment(j.s, j.sn);
    char *hdr = b64_decode_str(j.h, j.hn, NULL);
    char expect_hdr[256];
    snprintf(expect_hdr, sizeof(expect_hdr),
             "{\"alg\":\"RS256\",\"jku\":\"" ISSUER "/certs\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             att__signer_kid(s, 0));
    assert_string_equal(hdr, expect_hdr);
    free(hdr);

    char *payload = b64_decode_str(j.p, j.pn, NULL);
    const char *jti = strstr(payload, "\"jti\":\"");
    assert_non_null(jti);
    jti += 7;
    for (size_t i = 0; i < 64; i++)
        assert_true((jti[i] >= '0' && jti[i] <= '9') || (jti[i] >= 'a' && jti[i] <= 'f'));
    assert_int_equal(jti[64], '"');
    char expect[512];
    snprintf(expect, sizeof(expect),
             "{\"exp\":1700028800,\"iat\":1700000000,\"is-debuggable\":false,\"iss\":\"" ISSUER
             "\",\"jti\":\"%.64s\",\"nbf\":1700000000,\"x-ms-attestation-type\":\"sgx\","
             "\"x-ms-policy\":{\"a\":2,\"z\":1},\"x-ms-ver\":\"1.0\"}",
             jti);
    assert_string_equal(payload, expect);

    /* signature: ours and cjose's verifier */
    assert_true(att_verifies(ti, jwt));
    assert_true(cjose_verifies(ti, 0, jwt));

    /* a second token gets another jti */
    char *jwt2 = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, claims, NOW, &jwt2), ATT_OK);
    jws_parts j2;
    split_jws(jwt2, &j2);
    char *payload2 = b64_decode_str(j2.p, j2.pn, NULL);
    const char *jti2 = strstr(payload2, "\"jti\":\"") + 7;
    assert_memory_not_equal(jti, jti2, 64);

    free(payload);
    free(payload2);
    free(jwt);
    free(jwt2);
    json_decref(claims);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void tampered_token_fails(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    json_t *claims = json_pack("{s:s}", "x-ms-ver", "1.0");
    char *jwt = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, claims, NOW, &jwt), ATT_OK);
    jws_parts j;
    split_jws(jwt, &j);

    /* one payload character changed */
    char *bad = strdup(jwt);
    size_t at = j.hn + 1 + j.pn / 2;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    assert_false(att_verifies(ti, bad));
    assert_false(cjose_verifies(ti, 0, bad));
    free(bad);

    /* one signature character changed */
    bad = strdup(jwt);
    at = j.hn + 1 + j.pn + 1 + 10;
    bad[at] = bad[at] == 'A' ? 'B' : 'A';
    assert_false(att_verifies(ti, bad));
    assert_false(cjose_verifies(ti, 0, bad));
    free(bad);

    /* a token of another key does not verify with this key */
    att__pkey *keys[] = {key_b};
    att__signer *sb = NULL;
    att__token_issuer *tib = NULL;
    assert_int_equal(att__signer_new(keys, 1, &sb), ATT_OK);
    att__cert *cb = make_cert(key_b, ISSUER);
    att__cert *certs[] = {cb};
    assert_int_equal(att__token_issuer_new(sb, ISSUER, certs, &tib), ATT_OK);
    char *other = NULL;
    assert_int_equal(att__token_issue(tib, ATT_TOKEN_ATTESTATION, claims, NOW, &other), ATT_OK);
    assert_true(cjose_verifies(tib, 0, other));
    assert_false(cjose_verifies(ti, 0, other));
    assert_false(att_verifies(ti, other));
    free(other);
    att__cert_free(cb);
    att__token_issuer_unref(tib);
    att__signer_unref(sb);

    free(jwt);
    json_decref(claims);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void management_token(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    /* service claims win over the caller's; a management token never has a jti */
    json_t *claims = json_pack("{s:s, s:s, s:s, s:i}", "x-ms-policy-result", "Updated", "jti", "x",
                               "iss", "https://evil.example", "exp", 1);
    char *jwt = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_MANAGEMENT, claims, NOW, &jwt), ATT_OK);
    jws_parts j;
    split_jws(jwt, &j);
    char *payload = b64_decode_str(j.p, j.pn, NULL);
    assert_string_equal(payload, "{\"exp\":1700003600,\"iat\":1700000000,\"iss\":\"" ISSUER
                                 "\",\"nbf\":1700000000,\"x-ms-policy-result\":\"Updated\"}");
    assert_true(cjose_verifies(ti, 0, jwt));
    assert_true(att_verifies(ti, jwt));
    /* NULL claims: only the service claims */
    char *jwt2 = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_MANAGEMENT, NULL, NOW, &jwt2), ATT_OK);
    split_jws(jwt2, &j);
    char *payload2 = b64_decode_str(j.p, j.pn, NULL);
    assert_string_equal(payload2, "{\"exp\":1700003600,\"iat\":1700000000,\"iss\":\"" ISSUER
                                  "\",\"nbf\":1700000000}");
    free(payload);
    free(payload2);
    free(jwt);
    free(jwt2);
    json_decref(claims);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void json_escaping_is_stable(void **state)
{
    /* jansson: '/' not escaped, non-ASCII kept as UTF-8, '"' '\\' and control characters
     * escaped (short forms where JSON has them, else \u00XX). */
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    json_t *claims = json_pack("{s:s}", "nonce", "a/b \xc3\xa9\xe2\x82\xac \"q\" \\ \n\t\x01");
    char *jwt = NULL;
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_MANAGEMENT, claims, NOW, &jwt), ATT_OK);
    jws_parts j;
    split_jws(jwt, &j);
    char *payload = b64_decode_str(j.p, j.pn, NULL);
    assert_non_null(
        strstr(payload, "\"nonce\":\"a/b \xc3\xa9\xe2\x82\xac \\\"q\\\" \\\\ \\n\\t\\u0001\""));
    /* and the token verifies with cjose, which reparses it */
    assert_true(cjose_verifies(ti, 0, jwt));
    free(payload);
    free(jwt);
    json_decref(claims);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void bad_issue_arguments(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    char *jwt = (char *)"x";
    json_t *arr = json_array();
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, arr, NOW, &jwt), ATT_EINVAL);
    assert_null(jwt);
    assert_int_equal(att__token_issue(ti, (att__token_kind)99, NULL, NOW, &jwt), ATT_EINVAL);
    assert_int_equal(att__token_issue(NULL, ATT_TOKEN_ATTESTATION, NULL, NOW, &jwt), ATT_EINVAL);
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, NULL, -1, &jwt), ATT_EINVAL);
    json_decref(arr);

    json_t *many = json_object();
    for (unsigned i = 0; i <= ATT_MAX_CLAIMS_PER_TOKEN; i++) {
        char name[16];
        snprintf(name, sizeof(name), "c%u", i);
        json_object_set_new(many, name, json_true());
    }
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, many, NOW, &jwt), ATT_ELIMIT);
    json_decref(many);

    /* a token over ATT_MAX_JWS bytes */
    size_t big = 800u * 1024u;
    char *text = malloc(big + 1);
    memset(text, 'x', big);
    text[big] = 0;
    json_t *large = json_pack("{s:s}", "x-ms-runtime", text);
    assert_int_equal(att__token_issue(ti, ATT_TOKEN_ATTESTATION, large, NOW, &jwt), ATT_ELIMIT);
    assert_null(jwt);
    json_decref(large);
    free(text);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void unsecured_token(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    json_t *claims = json_pack("{s:s}", "x-ms-ver", "1.0");
    char *jwt = NULL;
    assert_int_equal(att__token_issue_unsecured(ti, ATT_TOKEN_ATTESTATION, claims, NOW, &jwt),
                     ATT_OK);
    jws_parts j;
    split_jws(jwt, &j);
    char *hdr = b64_decode_str(j.h, j.hn, NULL);
    /* MAA's draft tokens keep jku, kid and typ beside "alg":"none" */
    char expect_hdr[256];
    snprintf(expect_hdr, sizeof(expect_hdr),
             "{\"alg\":\"none\",\"jku\":\"" ISSUER "/certs\",\"kid\":\"%s\",\"typ\":\"JWT\"}",
             att__signer_kid(s, 0));
    assert_string_equal(hdr, expect_hdr);
    assert_int_equal(j.sn, 0);
    char *payload = b64_decode_str(j.p, j.pn, NULL);
    assert_non_null(
        strstr(payload, "\"exp\":1700028800,\"iat\":1700000000,\"iss\":\"" ISSUER "\",\"jti\":\""));
    assert_false(cjose_verifies(ti, 0, jwt));
    free(hdr);
    free(payload);
    free(jwt);
    json_decref(claims);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

/* ---- JWKS and OpenID metadata ---- */

static void check_jwk(json_t *e, const att__pkey *key, const att__cert *cert)
{
    /* exactly these members (Gramine: kty RSA, kid string, non-empty x5c) */
    assert_int_equal(json_object_size(e), 5);
    assert_string_equal(json_string_value(json_object_get(e, "kty")), "RSA");
    char kid[ATT_TOKEN_KID_LEN + 1];
    assert_int_equal(att__token_kid(key, kid), ATT_OK);
    assert_string_equal(json_string_value(json_object_get(e, "kid")), kid);
    json_t *x5c = json_object_get(e, "x5c");
    assert_true(json_is_array(x5c));
    assert_int_equal(json_array_size(x5c), 1);
    const char *b64 = json_string_value(json_array_get(x5c, 0));
    assert_non_null(b64);
    assert_null(strchr(b64, '-')); /* standard alphabet */
    assert_null(strchr(b64, '_'));
    size_t n = 0;
    char *der = b64_decode_str(b64, strlen(b64), &n);
    uint8_t *want = NULL;
    size_t wn = 0;
    assert_int_equal(att__cert_der(cert, &want, &wn), ATT_OK);
    assert_int_equal(n, wn);
    assert_memory_equal(der, want, n);
    free(der);
    free(want);

    uint8_t *kn = NULL, *ke = NULL;
    size_t knl = 0, kel = 0;
    assert_int_equal(att__pkey_rsa_ne(key, &kn, &knl, &ke, &kel), ATT_OK);
    const char *ns = json_string_value(json_object_get(e, "n"));
    const char *es = json_string_value(json_object_get(e, "e"));
    assert_non_null(ns);
    assert_non_null(es);
    assert_string_equal(es, "AQAB");
    assert_b64url_segment(ns, strlen(ns));
    size_t dn = 0;
    char *dec = b64_decode_str(ns, strlen(ns), &dn);
    assert_int_equal(dn, knl);
    assert_int_equal(dn, 256);
    assert_int_not_equal((uint8_t)dec[0], 0); /* no leading zero octet (RFC 7518 §6.3.1.1) */
    assert_memory_equal(dec, kn, dn);
    free(dec);
    free(kn);
    free(ke);
}

static void jwks_members(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    size_t len = 0;
    const char *text = att__token_issuer_jwks(ti, &len);
    assert_int_equal(strlen(text), len);
    assert_null(strchr(text, ' ')); /* compact */
    assert_int_equal(strncmp(text, "{\"keys\":[{\"e\":\"AQAB\",\"kid\":\"", 28), 0);
    /* served twice: the same prebuilt text */
    assert_ptr_equal(att__token_issuer_jwks(ti, NULL), text);

    json_error_t jerr;
    json_t *root = json_loads(text, 0, &jerr);
    assert_non_null(root);
    assert_int_equal(json_object_size(root), 1);
    json_t *keys = json_object_get(root, "keys");
    assert_int_equal(json_array_size(keys), 1);
    check_jwk(json_array_get(keys, 0), key_a, att__token_issuer_cert(ti, 0));
    json_decref(root);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

static void rotation_and_providers_share_a_key(void **state)
{
    /* key_a signs, key_b is published (e.g. the next key); two providers */
    att__pkey *keys[] = {key_a, key_b};
    att__signer *s = NULL;
    assert_int_equal(att__signer_new(keys, 2, &s), ATT_OK);
    att__cert *a1 = make_cert(key_a, ISSUER), *b1 = make_cert(key_b, ISSUER);
    att__cert *a2 = make_cert(key_a, ISSUER_B);
    att__cert *c1[] = {a1, b1}, *c2[] = {a2, NULL};
    att__token_issuer *t1 = NULL, *t2 = NULL;
    assert_int_equal(att__token_issuer_new(s, ISSUER, c1, &t1), ATT_OK);
    assert_int_equal(att__token_issuer_new(s, ISSUER_B, c2, &t2), ATT_OK);

    json_error_t jerr;
    json_t *j1 = json_loads(att__token_issuer_jwks(t1, NULL), 0, &jerr);
    json_t *j2 = json_loads(att__token_issuer_jwks(t2, NULL), 0, &jerr);
    json_t *k1 = json_object_get(j1, "keys"), *k2 = json_object_get(j2, "keys");
    assert_int_equal(json_array_size(k1), 2);
    assert_int_equal(json_array_size(k2), 1);    /* no certificate of key_b for ISSUER_B */
    check_jwk(json_array_get(k1, 0), key_a, a1); /* signing key first */
    check_jwk(json_array_get(k1, 1), key_b, b1);
    check_jwk(json_array_get(k2, 0), key_a, a2);
    /* one key, two providers: same kid, a certificate with each provider's CN */
    assert_string_equal(json_string_value(json_object_get(json_array_get(k1, 0), "kid")),
                        json_string_value(json_object_get(json_array_get(k2, 0), "kid")));
    char *subj = cert_subject(att__token_issuer_cert(t2, 0));
    assert_string_equal(subj, "CN=" ISSUER_B);
    free(subj);

    /* tokens of both providers verify with the shared key; iss and jku differ */
    char *jwt = NULL;
    assert_int_equal(att__token_issue(t2, ATT_TOKEN_ATTESTATION, NULL, NOW, &jwt), ATT_OK);
    assert_true(cjose_verifies(t1, 0, jwt));
    assert_true(cjose_verifies(t2, 0, jwt));
    assert_false(cjose_verifies(t1, 1, jwt));
    jws_parts j;
    split_jws(jwt, &j);
    char *hdr = b64_decode_str(j.h, j.hn, NULL);
    assert_non_null(strstr(hdr, "\"jku\":\"" ISSUER_B "/certs\""));
    char *payload = b64_decode_str(j.p, j.pn, NULL);
    assert_non_null(strstr(payload, "\"iss\":\"" ISSUER_B "\""));
    free(hdr);
    free(payload);
    free(jwt);

    json_decref(j1);
    json_decref(j2);
    att__cert_free(a1);
    att__cert_free(b1);
    att__cert_free(a2);
    att__token_issuer_unref(t1);
    att__token_issuer_unref(t2);
    att__signer_unref(s);
}

/* Replaces every occurrence of from by to in text; malloc'd. */
static char *replace_all(const char *text, const char *from, const char *to)
{
    size_t fl = strlen(from), tl = strlen(to), count = 0;
    for (const char *p = strstr(text, from); p; p = strstr(p + fl, from))
        count++;
    size_t cap = strlen(text) + count * tl + 1;
    char *out = malloc(cap), *w = out;
    const char *r = text;
    for (const char *p = strstr(r, from); p; p = strstr(r, from)) {
        memcpy(w, r, (size_t)(p - r));
        w += p - r;
        memcpy(w, to, tl);
        w += tl;
        r = p + fl;
    }
    memcpy(w, r, strlen(r) + 1);
    return out;
}

static void openid_metadata_shape(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    size_t n = 0;
    char *recorded = (char *)tu_read_file(
        tu_shared_path("vectors/maa/sdk-python/openid-2022/openid-configuration.response.json"),
        &n);
    char *subst = replace_all(recorded, "https://fakeresource.wus.attest.azure.net", ISSUER);
    json_error_t jerr;
    json_t *want = json_loads(subst, 0, &jerr);
    assert_non_null(want);

    size_t len = 0;
    const char *text = att__token_issuer_openid(ti, &len);
    assert_int_equal(strlen(text), len);
    json_t *got = json_loads(text, 0, &jerr);
    assert_non_null(got);
    assert_true(json_equal(got, want));
    /* same member order as MAA, compact: byte-equal to the recording re-serialised */
    char *want_text = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_string_equal(text, want_text);
    assert_string_equal(json_string_value(json_object_get(got, "jwks_uri")), ISSUER "/certs");
    assert_string_equal(json_string_value(json_object_get(got, "revocation_endpoint")),
                        ISSUER "/revoke");

    free(want_text);
    json_decref(got);
    json_decref(want);
    free(subst);
    free(recorded);
    att__token_issuer_unref(ti);
    att__signer_unref(s);
}

/* ---- sharing between threads ---- */

#define N_THREADS 4
#define N_TOKENS  16

typedef struct worker {
    att__token_issuer *ti; /* the worker's own reference */
    int failures;
    char *jti[N_TOKENS];
} worker;

static void *issue_many(void *arg)
{
    worker *w = arg;
    json_t *claims = json_pack("{s:s}", "x-ms-ver", "1.0");
    for (int i = 0; i < N_TOKENS; i++) {
        char *jwt = NULL;
        if (att__token_issue(w->ti, ATT_TOKEN_ATTESTATION, claims, NOW + i, &jwt) != ATT_OK) {
            w->failures++;
            continue;
        }
        if (!att_verifies(w->ti, jwt))
            w->failures++;
        jws_parts j;
        split_jws(jwt, &j);
        char *payload = b64_decode_str(j.p, j.pn, NULL);
        const char *jti = strstr(payload, "\"jti\":\"");
        w->jti[i] = jti ? strndup(jti + 7, 64) : NULL;
        free(payload);
        free(jwt);
        /* /certs served concurrently: read-only prebuilt text */
        if (strncmp(att__token_issuer_jwks(w->ti, NULL), "{\"keys\":[", 9) != 0)
            w->failures++;
    }
    json_decref(claims);
    att__token_issuer_unref(w->ti);
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void shared_between_threads(void **state)
{
    att__signer *s = NULL;
    att__token_issuer *ti = NULL;
    make_issuer(&s, &ti);
    worker w[N_THREADS];
    pthread_t th[N_THREADS];
    memset(w, 0, sizeof(w));
    for (int i = 0; i < N_THREADS; i++) {
        w[i].ti = att__token_issuer_ref(ti);
        assert_int_equal(pthread_create(&th[i], NULL, issue_many, &w[i]), 0);
    }
    /* the creator lets go while the workers still use the issuer */
    att__token_issuer_unref(ti);
    att__signer_unref(s);
    char *all[N_THREADS * N_TOKENS];
    for (int i = 0; i < N_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
        for (int k = 0; k < N_TOKENS; k++) {
            assert_non_null(w[i].jti[k]);
            all[i * N_TOKENS + k] = w[i].jti[k];
        }
    }
    qsort(all, N_THREADS * N_TOKENS, sizeof(all[0]), cmp_str);
    for (int i = 1; i < N_THREADS * N_TOKENS; i++)
        assert_string_not_equal(all[i - 1], all[i]); /* every jti unique */
    for (int i = 0; i < N_THREADS * N_TOKENS; i++)
        free(all[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kid_of_maa_signing_cert),
        cmocka_unit_test(maa_token_header_format),
        cmocka_unit_test(issuer_url_rules),
        cmocka_unit_test(key_created_then_reused),
        cmocka_unit_test(key_file_invalid_is_not_replaced),
        cmocka_unit_test(cert_follows_issuer_and_key),
        cmocka_unit_test(signer_rules),
        cmocka_unit_test(attestation_token_shape),
        cmocka_unit_test(tampered_token_fails),
        cmocka_unit_test(management_token),
        cmocka_unit_test(json_escaping_is_stable),
        cmocka_unit_test(bad_issue_arguments),
        cmocka_unit_test(unsecured_token),
        cmocka_unit_test(jwks_members),
        cmocka_unit_test(rotation_and_providers_share_a_key),
        cmocka_unit_test(openid_metadata_shape),
        cmocka_unit_test(shared_between_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
