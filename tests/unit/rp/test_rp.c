/* Unit tests of the relying-party library (include/attest/rp.h): tokens issued by the token
 * module and the real MAA token of the sharedwus recording, keys served by an injected
 * fetch function that counts its calls, time from an injected clock. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/rp.h"
#include "core/codec.h"
#include "crypto/crypto.h"
#include "testutil.h"
#include "token/token.h"

#define ISSUER  "https://attest.test"
#define ISSUER2 "https://other.test"
#define T0      ((int64_t)1700000000)

/* One test issuer: a key, its signer and token issuer. */
typedef struct issuer {
    att__pkey *key;
    att__signer *signer;
    att__token_issuer *ti;
} issuer;

static issuer A, B, A2; /* A and A2 share the issuer URL with different keys; B is ISSUER2 */

static void issuer_make(issuer *is, const char *url)
{
    assert_int_equal(att__rsa_generate(2048, &is->key), ATT_OK);
    assert_int_equal(att__signer_new(&is->key, 1, &is->signer), ATT_OK);
    att__cert *cert = NULL;
    assert_int_equal(att__signing_cert_create(is->key, url, T0 - 86400, &cert), ATT_OK);
    assert_int_equal(att__token_issuer_new(is->signer, url, &cert, &is->ti), ATT_OK);
    att__cert_free(cert);
}

static void issuer_free(issuer *is)
{
    att__token_issuer_unref(is->ti);
    att__signer_unref(is->signer);
    att__pkey_free(is->key);
}

static int group_setup(void **state)
{
    issuer_make(&A, ISSUER);
    issuer_make(&B, ISSUER2);
    issuer_make(&A2, ISSUER);
    return 0;
}

static int group_teardown(void **state)
{
    issuer_free(&A);
    issuer_free(&B);
    issuer_free(&A2);
    return 0;
}

/* The fake network: what each URL returns, and how many GETs were made. */
typedef struct net {
    const char *metadata; /* body of <ISSUER>/.well-known/openid-configuration, or NULL (404) */
    const char *jwks;     /* body of <ISSUER>/certs */
    int gets, metadata_gets;
    int64_t now;
} net;

static int fake_fetch(void *ctx, const char *url, char **body, size_t *len, att_diag *d)
{
    net *n = ctx;
    n->gets++;
    const char *b = NULL;
    if (strstr(url, "/.well-known/openid-configuration")) {
        n->metadata_gets++;
        b = n->metadata;
    } else if (strstr(url, "/certs")) {
        b = n->jwks;
    }
    if (!b)
        return att_diag_fail(d, ATT_EIO, "rp.http", "url", "GET %s: HTTP status 404", url);
    *body = strdup(b);
    *len = strlen(b);
    return ATT_OK;
}

static int64_t fake_clock(void *ctx)
{
    return ((net *)ctx)->now;
}

static att_rp *rp_for(net *n, int allow_unsigned)
{
    att_rp_options o = {.issuer = ISSUER,
                        .allow_unsigned = allow_unsigned,
                        .fetch = fake_fetch,
                        .fetch_ctx = n,
                        .clock = fake_clock,
                        .clock_ctx = n};
    att_rp *rp = NULL;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    return rp;
}

static char *issue(const issuer *is, const char *claims_json, int64_t at)
{
    json_t *c = json_loads(claims_json, 0, NULL);
    assert_non_null(c);
    char *jwt = NULL;
    assert_int_equal(att__token_issue(is->ti, ATT_TOKEN_ATTESTATION, c, at, &jwt), ATT_OK);
    json_decref(c);
    return jwt;
}

static net net_for(const issuer *is)
{
    net n = {.metadata = att__token_issuer_openid(is->ti, NULL),
             .jwks = att__token_issuer_jwks(is->ti, NULL),
             .now = T0 + 10};
    return n;
}

#define SGX_CLAIMS                                                                                 \
    "{\"x-ms-attestation-type\":\"sgx\",\"x-ms-sgx-mrenclave\":\"b779202618becb636768e5d902f2"     \
    "8d524222735fafb539ea9ba07c3fc171a1c2\",\"x-ms-sgx-is-debuggable\":false,\"x-ms-sgx-svn\":"    \
    "1,\"nonce\":\"n-1\",\"x-ms-sgx-ehd\":\"AQIDBA\",\"x-ms-runtime\":{\"client\":{\"n\":7}}}"

static int verify(att_rp *rp, const char *tok, const att_rp_expect *e, size_t ne, att_diag *d,
                  att_rp_result *res)
{
    att_diag_clear(d);
    return att_rp_verify(rp, tok, strlen(tok), e, ne, res, d);
}

static void test_valid(void **state)
{
    net n = net_for(&A);
    att_rp *rp = rp_for(&n, 0);
    char *tok = issue(&A, SGX_CLAIMS, T0);
    att_diag d;
    att_rp_result res;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, &res), ATT_OK);
    assert_true(res.is_signed);
    assert_string_equal(res.kid, att__signer_kid(A.signer, 0));
    assert_int_equal(res.exp, T0 + 28800);
    assert_non_null(strstr(res.claims_json, "\"x-ms-sgx-svn\":1"));
    att_rp_result_clear(&res);
    assert_int_equal(n.metadata_gets, 1);
    assert_int_equal(n.gets, 2);
    /* Cached: a second verification fetches nothing. */
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_OK);
    assert_int_equal(n.gets, 2);
    /* An MAA response body with surrounding white space. */
    char wrapped[16384];
    snprintf(wrapped, sizeof(wrapped), "  {\"token\": \"%s\"}\n", tok);
    assert_int_equal(verify(rp, wrapped, NULL, 0, &d, NULL), ATT_OK);
    free(tok);
    att_rp_free(rp);
}

static void test_times(void **state)
{
    net n = net_for(&A);
    att_rp *rp = rp_for(&n, 0);
    char *tok = issue(&A, SGX_CLAIMS, T0);
    att_diag d;
    n.now = T0 + 28800 + 60; /* within the default 60 s skew */
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_OK);
    n.now = T0 + 28800 + 61;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EEXPIRED);
    assert_string_equal(d.reason, "rp.exp");
    assert_non_null(strstr(d.message, "expired"));
    n.now = T0 - 61;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EEXPIRED);
    assert_string_equal(d.reason, "rp.nbf");
    n.now = T0 - 30;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_OK);
    att_rp_free(rp);

    /* A configured skew of 0 (negative = none). */
    att_rp_options o = {.issuer = ISSUER,
                        .clock_skew = -1,
                        .fetch = fake_fetch,
                        .fetch_ctx = &n,
                        .clock = fake_clock,
                        .clock_ctx = &n};
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    n.now = T0 - 1;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EEXPIRED);
    assert_string_equal(d.reason, "rp.nbf");
    att_rp_free(rp);
    free(tok);

    /* No exp at all: refused. Made by hand with A's key. */
    net m = net_for(&A);
    rp = rp_for(&m, 1);
    const char *noexp = "eyJhbGciOiJub25lIn0.eyJpc3MiOiJodHRwczovL2F0dGVzdC50ZXN0In0.";
    assert_int_equal(verify(rp, noexp, NULL, 0, &d, NULL), ATT_EINVAL);
    assert_string_equal(d.reason, "rp.exp");
    att_rp_free(rp);
}

static void test_wrong_issuer_and_key(void **state)
{
    net n = net_for(&A);
    att_rp *rp = rp_for(&n, 0);
    att_diag d;
    char *tok = issue(&B, SGX_CLAIMS, T0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EMISMATCH);
    assert_string_equal(d.reason, "rp.iss");
    assert_string_equal(d.expected, ISSUER);
    assert_string_equal(d.found, ISSUER2);
    free(tok);

    /* Same issuer URL, another key, once A's keys are cached: kid unknown -> one refetch,
     * then refused; a second try within the rate limit does not fetch again. */
    tok = issue(&A, SGX_CLAIMS, T0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_OK);
    assert_int_equal(n.gets, 2);
    free(tok);
    n.now += ATT_RP_DEFAULT_MIN_REFETCH;
    tok = issue(&A2, SGX_CLAIMS, T0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "rp.kid");
    assert_int_equal(n.gets, 3); /* metadata + JWKS + one refetch of the JWKS */
    assert_int_equal(n.metadata_gets, 1);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "rp.kid");
    assert_non_null(strstr(d.message, "rate limit"));
    assert_int_equal(n.gets, 3);
    /* Key rotation: the issuer now publishes A2's key; after the interval it is found. */
    n.jwks = att__token_issuer_jwks(A2.ti, NULL);
    n.now += ATT_RP_DEFAULT_MIN_REFETCH;
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_OK);
    assert_int_equal(n.gets, 4);
    free(tok);
    att_rp_free(rp);

    /* A JWKS that maps A's kid to A2's key: the signature does not verify. */
    char *jwks = strdup(att__token_issuer_jwks(A2.ti, NULL));
    const char *kid_a = att__signer_kid(A.signer, 0), *kid_a2 = att__signer_kid(A2.signer, 0);
    char *p = strstr(jwks, kid_a2);
    assert_non_null(p);
    memcpy(p, kid_a, strlen(kid_a));
    net m = net_for(&A);
    m.jwks = jwks;
    rp = rp_for(&m, 0);
    tok = issue(&A, SGX_CLAIMS, T0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_ESIG);
    assert_string_equal(d.reason, "rp.signature");
    free(tok);
    free(jwks);
    att_rp_free(rp);
}

static void test_alg_and_tamper(void **state)
{
    net n = net_for(&A);
    att_rp *rp = rp_for(&n, 0);
    att_diag d;
    char *tok = issue(&A, SGX_CLAIMS, T0);

    /* Tampered payload: one character of the payload changed. */
    char *t2 = strdup(tok);
    char *dot = strchr(t2, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    int rc = verify(rp, t2, NULL, 0, &d, NULL);
    assert_true(rc == ATT_ESIG || rc == ATT_EPARSE);
    assert_true(strcmp(d.reason, "rp.signature") == 0 || strcmp(d.reason, "rp.malformed") == 0);
    free(t2);

    /* Signature cut short. */
    t2 = strdup(tok);
    t2[strlen(t2) - 8] = '\0';
    assert_int_equal(verify(rp, t2, NULL, 0, &d, NULL), ATT_ESIG);
    assert_string_equal(d.reason, "rp.signature");
    free(t2);

    /* alg none with the real payload and no signature. */
    const char *payload = strchr(tok, '.') + 1;
    size_t plen = (size_t)(strchr(payload, '.') - payload);
    char none[16384];
    snprintf(none, sizeof(none), "eyJhbGciOiJub25lIn0.%.*s.", (int)plen, payload);
    assert_int_equal(verify(rp, none, NULL, 0, &d, NULL), ATT_EDENIED);
    assert_string_equal(d.reason, "rp.alg");
    assert_string_equal(d.found, "none");

    /* HS256 and the .NET misspelling RSA256 are refused. */
    char hs[16384];
    snprintf(hs, sizeof(hs), "eyJhbGciOiJIUzI1NiJ9.%.*s.c2ln", (int)plen, payload);
    assert_int_equal(verify(rp, hs, NULL, 0, &d, NULL), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "rp.alg");
    /* {"alg":"RSA256"} */
    snprintf(hs, sizeof(hs), "eyJhbGciOiJSU0EyNTYifQ.%.*s.c2ln", (int)plen, payload);
    assert_int_equal(verify(rp, hs, NULL, 0, &d, NULL), ATT_EUNSUPPORTED);
    assert_string_equal(d.reason, "rp.alg");

    /* Malformed. */
    assert_int_equal(verify(rp, "abc", NULL, 0, &d, NULL), ATT_EPARSE);
    assert_string_equal(d.reason, "rp.malformed");
    assert_int_equal(verify(rp, "{\"tok\":1}", NULL, 0, &d, NULL), ATT_EPARSE);
    assert_string_equal(d.reason, "rp.malformed");
    /* A NUL inside the wrapped token (found by fuzz_rp_jwks: the copy used to stop there). */
    const char nul[] = "{\"token\":\"eyJhbGciOiJub25lIn0\\u0000.e30.   \"}";
    att_diag_clear(&d);
    assert_int_not_equal(att_rp_verify(rp, nul, sizeof(nul) - 1, NULL, 0, NULL, &d), ATT_OK);
    free(tok);
    att_rp_free(rp);

    /* Draft-policy (unsecured) token from the issuer: refused, then allowed explicitly. */
    json_t *c = json_loads(SGX_CLAIMS, 0, NULL);
    char *draft = NULL;
    assert_int_equal(att__token_issue_unsecured(A.ti, ATT_TOKEN_ATTESTATION, c, T0, &draft),
                     ATT_OK);
    json_decref(c);
    rp = rp_for(&n, 0);
    assert_int_equal(verify(rp, draft, NULL, 0, &d, NULL), ATT_EDENIED);
    assert_string_equal(d.reason, "rp.alg");
    assert_non_null(strstr(d.message, "draft"));
    att_rp_free(rp);
    rp = rp_for(&n, 1);
    att_rp_result res;
    int gets = n.gets;
    assert_int_equal(verify(rp, draft, NULL, 0, &d, &res), ATT_OK);
    assert_false(res.is_signed);
    assert_string_equal(res.kid, "");
    assert_int_equal(n.gets, gets); /* nothing to fetch for an unsigned token */
    att_rp_result_clear(&res);
    free(draft);
    att_rp_free(rp);
}

static void test_expectations(void **state)
{
    net n = net_for(&A);
    att_rp *rp = rp_for(&n, 0);
    att_diag d;
    char *tok = issue(&A, SGX_CLAIMS, T0);
    const att_rp_expect ok[] = {
        {"attestation-type", "sgx"},
        {"mrenclave", "B779202618BECB636768E5D902F28D524222735FAFB539EA9BA07C3FC171A1C2"},
        {"debuggable", "false"},
        {"x-ms-sgx-svn", "1"},
        {"nonce", "n-1"},
        {"runtime-data", "01020304"},
        {"runtime-data", "AQIDBA"},
        {"x-ms-runtime.client.n", "7"},
        {"x-ms-runtime.client", "{\"n\": 7}"},
    };
    assert_int_equal(verify(rp, tok, ok, sizeof(ok) / sizeof(ok[0]), &d, NULL), ATT_OK);

    const att_rp_expect bad_nonce[] = {{"nonce", "n-2"}};
    assert_int_equal(verify(rp, tok, bad_nonce, 1, &d, NULL), ATT_EMISMATCH);
    assert_string_equal(d.reason, "rp.expect");
    assert_string_equal(d.field, "nonce");
    assert_string_equal(d.expected, "n-2");
    assert_string_equal(d.found, "n-1");

    const att_rp_expect dbg[] = {{"debuggable", "true"}};
    assert_int_equal(verify(rp, tok, dbg, 1, &d, NULL), ATT_EMISMATCH);
    assert_string_equal(d.field, "x-ms-sgx-is-debuggable");
    assert_string_equal(d.found, "false");

    const att_rp_expect rt[] = {{"runtime-data", "01020305"}};
    assert_int_equal(verify(rp, tok, rt, 1, &d, NULL), ATT_EMISMATCH);
    assert_string_equal(d.field, "x-ms-sgx-ehd");

    const att_rp_expect absent[] = {{"policy-hash", "x"}};
    assert_int_equal(verify(rp, tok, absent, 1, &d, NULL), ATT_ENOTFOUND);
    assert_string_equal(d.field, "x-ms-policy-hash");
    assert_string_equal(d.found, "(absent)");

    const att_rp_expect num[] = {{"x-ms-sgx-svn", "1x"}};
    assert_int_equal(verify(rp, tok, num, 1, &d, NULL), ATT_EMISMATCH);
    free(tok);
    att_rp_free(rp);
}

static void test_discovery(void **state)
{
    att_diag d;
    /* Metadata of another issuer. */
    net n = net_for(&A);
    n.metadata = att__token_issuer_openid(B.ti, NULL);
    att_rp *rp = rp_for(&n, 0);
    char *tok = issue(&A, SGX_CLAIMS, T0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EMISMATCH);
    assert_string_equal(d.reason, "rp.discovery");
    assert_string_equal(d.field, "issuer");
    assert_string_equal(d.found, ISSUER2);
    att_rp_free(rp);

    /* No metadata (404). */
    n = net_for(&A);
    n.metadata = NULL;
    rp = rp_for(&n, 0);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EIO);
    assert_string_equal(d.reason, "rp.discovery");
    assert_non_null(strstr(d.message, "404"));
    att_rp_free(rp);

    /* Keys injected, network disabled. */
    att_rp_options o = {.issuer = ISSUER, .fetch = att_rp_fetch_none};
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    const char *jwks = att__token_issuer_jwks(A.ti, NULL);
    assert_int_equal(att_rp_set_jwks(rp, jwks, strlen(jwks), &d), ATT_OK);
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_EEXPIRED); /* T0 is long past */
    assert_string_equal(d.reason, "rp.exp");
    free(tok);
    tok = issue(&A2, SGX_CLAIMS, T0); /* a kid the injected keys lack: no fetch is tried */
    assert_int_equal(verify(rp, tok, NULL, 0, &d, NULL), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "rp.kid");
    assert_non_null(strstr(d.message, "set by the application"));
    att_rp_free(rp);
    free(tok);

    /* Bad options. */
    att_rp_options bad = {.issuer = "https://attest.test/"};
    assert_int_equal(att_rp_new(&bad, &rp, &d), ATT_EINVAL);
    bad.issuer = "ftp://x";
    assert_int_equal(att_rp_new(&bad, &rp, &d), ATT_EINVAL);
}

static void test_jwks_parse(void **state)
{
    att_rp_options o = {.issuer = ISSUER, .fetch = att_rp_fetch_none};
    att_rp *rp;
    att_diag d;
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    static const char *const bad[] = {
        "",
        "[]",
        "{}",
        "{\"keys\":{}}",
        "{\"keys\":[]}",
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"a\",\"crv\":\"P-256\"}]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"x5c\":[\"bm90IGEgY2VydA\"]}]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"x5c\":[]}]}",
        "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"a\",\"n\":\"!!\",\"e\":\"AQAB\"}]}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        att_diag_clear(&d);
        assert_int_not_equal(att_rp_set_jwks(rp, bad[i], strlen(bad[i]), &d), ATT_OK);
        assert_string_equal(d.reason, "rp.jwks");
    }
    /* Duplicate kid; n/e that are not x5c[0]'s key. */
    const char *ja = att__token_issuer_jwks(A.ti, NULL);
    json_t *doc = json_loads(ja, 0, NULL);
    json_t *k = json_array_get(json_object_get(doc, "keys"), 0);
    json_array_append(json_object_get(doc, "keys"), k);
    char *dup = json_dumps(doc, JSON_COMPACT);
    att_diag_clear(&d);
    assert_int_equal(att_rp_set_jwks(rp, dup, strlen(dup), &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "repeats"));
    free(dup);
    json_array_remove(json_object_get(doc, "keys"), 1);
    json_t *docb = json_loads(att__token_issuer_jwks(B.ti, NULL), 0, NULL);
    json_object_set(k, "n", json_object_get(json_array_get(json_object_get(docb, "keys"), 0), "n"));
    char *mixed = json_dumps(doc, JSON_COMPACT);
    att_diag_clear(&d);
    assert_int_equal(att_rp_set_jwks(rp, mixed, strlen(mixed), &d), ATT_EMISMATCH);
    free(mixed);
    json_decref(docb);
    json_decref(doc);
    /* An EC key beside the RSA key is skipped; "use":"enc" too. */
    char mix[8192];
    snprintf(
        mix, sizeof(mix),
        "{\"keys\":[{\"kty\":\"EC\",\"kid\":\"e\"},{\"kty\":\"RSA\",\"use\":\"enc\",\"kid\":\"x\"},"
        "%.*s]}",
        (int)(strlen(ja) - 11), ja + 9);
    att_diag_clear(&d);
    assert_int_equal(att_rp_set_jwks(rp, mix, strlen(mix), &d), ATT_OK);
    att_rp_free(rp);
}

/* The real MAA token of the sharedwus recording (2022-10-07), with the JWKS recorded beside
 * it: verifies inside its window, expired now. */
static void test_real_maa_token(void **state)
{
    size_t tl, jl;
    char *tok = tu_read_shared_text("vectors/maa/sdk-python/sgx-sharedwus-2022/token.jwt", &tl);
    char *jwks =
        tu_read_shared_text("vectors/maa/sdk-python/sgx-sharedwus-2022/certs.partial.json", &jl);
    assert_non_null(tok);
    assert_non_null(jwks);
    net n = {.now = 1665149033 + 60};
    att_rp_options o = {.issuer = "https://sharedwus.wus.attest.azure.net",
                        .fetch = att_rp_fetch_none,
                        .clock = fake_clock,
                        .clock_ctx = &n};
    att_rp *rp;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    assert_int_equal(att_rp_set_jwks(rp, jwks, jl, &d), ATT_OK);
    const att_rp_expect e[] = {
        {"attestation-type", "sgx"},
        {"mrenclave", "b779202618becb636768e5d902f28d524222735fafb539ea9ba07c3fc171a1c2"},
        {"debuggable", "false"},
        {"policy-hash", "bROrN897ZfWmWY2V0FLUlu3uwk5xatGnKYHn3zBbSlw"},
    };
    att_rp_result res;
    assert_int_equal(att_rp_verify(rp, tok, tl, e, 4, &res, &d), ATT_OK);
    assert_string_equal(res.kid, "XxRc2vLh1E5FrsNawnRH3PzuFgqg3q7NvCdnjoJHBGE=");
    att_rp_result_clear(&res);
    n.now = 1665177833 + 3600;
    att_diag_clear(&d);
    assert_int_equal(att_rp_verify(rp, tok, tl, NULL, 0, NULL, &d), ATT_EEXPIRED);
    assert_string_equal(d.reason, "rp.exp");
    att_rp_free(rp);
    free(tok);
    free(jwks);
}

/* Many threads verify on one att_rp while the cache is empty: one discovery, one JWKS fetch
 * (the others wait for it), every verification succeeds. Run under ASan/TSan builds. */
typedef struct thread_arg {
    att_rp *rp;
    const char *tok;
    int ok;
} thread_arg;

static pthread_mutex_t net_mu = PTHREAD_MUTEX_INITIALIZER;

static int locked_fetch(void *ctx, const char *url, char **body, size_t *len, att_diag *d)
{
    pthread_mutex_lock(&net_mu);
    int rc = fake_fetch(ctx, url, body, len, d);
    pthread_mutex_unlock(&net_mu);
    return rc;
}

static void *verify_many(void *p)
{
    thread_arg *a = p;
    for (int i = 0; i < 50; i++) {
        att_diag d;
        att_diag_clear(&d);
        if (att_rp_verify(a->rp, a->tok, strlen(a->tok), NULL, 0, NULL, &d) == ATT_OK)
            a->ok++;
    }
    return NULL;
}

static void test_threads(void **state)
{
    net n = net_for(&A);
    att_rp_options o = {.issuer = ISSUER,
                        .fetch = locked_fetch,
                        .fetch_ctx = &n,
                        .clock = fake_clock,
                        .clock_ctx = &n};
    att_rp *rp;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att_rp_new(&o, &rp, &d), ATT_OK);
    char *tok = issue(&A, SGX_CLAIMS, T0);
    pthread_t th[4];
    thread_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (thread_arg){.rp = rp, .tok = tok};
        assert_int_equal(pthread_create(&th[i], NULL, verify_many, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].ok, 50);
    }
    assert_int_equal(n.metadata_gets, 1);
    assert_int_equal(n.gets, 2);
    free(tok);
    att_rp_free(rp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_wrong_issuer_and_key),
        cmocka_unit_test(test_alg_and_tamper),
        cmocka_unit_test(test_expectations),
        cmocka_unit_test(test_discovery),
        cmocka_unit_test(test_jwks_parse),
        cmocka_unit_test(test_real_maa_token),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
