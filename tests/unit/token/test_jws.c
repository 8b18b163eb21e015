/* Unit tests for compact JWS parsing and verification (src/token/jws.c) with real MAA
 * policy uploads: the docs' signed/unsigned SGX policy, the .NET SDK's isolated-mode
 * set/reset, the Python SDK's unsigned Tpm policy. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "core/timeutil.h"
#include "token/jws.h"

static int64_t t(const char *s)
{
    int64_t v;
    assert_int_equal(att__time_parse(s, &v), ATT_OK);
    return v;
}

static char *read_vec(const char *rel, size_t *n)
{
    return (char *)tu_read_file(tu_shared_path(rel), n);
}

static void signed_docs_policy_with_rsa256_alias(void **state)
{
    size_t n;
    char *text = read_vec("vectors/maa/azure-security-docs/sgx-policy-signed.jwt", &n);
    att__jws j;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(text, n, &j, &d), ATT_OK);
    assert_int_equal(j.alg, ATT_JWS_RS256); /* header says "RSA256" */
    assert_non_null(strstr((char *)j.payload, "AttestationPolicy"));
    json_t *x5c = NULL;
    assert_int_equal(att__jws_verify(&j, t("2021-06-01T00:00:00Z"), &x5c, &d), ATT_OK);
    assert_true(json_is_array(x5c));
    json_t *claim = att__jws_signer_claim(x5c);
    assert_string_equal(json_string_value(json_object_get(claim, "kty")), "RSA");
    assert_int_equal(json_array_size(json_object_get(claim, "x5c")), 1);
    json_decref(claim);
    /* outside the signer certificate's validity */
    att_diag_clear(&d);
    assert_int_equal(att__jws_verify(&j, t("2026-01-01T00:00:00Z"), NULL, &d), ATT_EEXPIRED);
    assert_non_null(strstr(d.message, "not valid at this time"));
    att__jws_clear(&j);

    /* a changed payload byte breaks the signature */
    char *dot = strchr(text, '.');
    dot[5] = dot[5] == 'A' ? 'B' : 'A';
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(text, n, &j, &d), ATT_OK);
    assert_int_equal(att__jws_verify(&j, t("2021-06-01T00:00:00Z"), NULL, &d), ATT_ESIG);
    assert_string_equal(d.reason, "jws.signature");
    att__jws_clear(&j);
    free(text);
}

static void net_sdk_isolated_set_and_reset(void **state)
{
    size_t n;
    char *set = read_vec("vectors/maa/sdk-net/isolated-set-policy-2020/"
                         "put-policy-OpenEnclave.request.body.jws",
                         &n);
    att__jws j;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(set, n, &j, &d), ATT_OK);
    assert_int_equal(att__jws_verify(&j, t("2021-01-01T00:00:00Z"), NULL, &d), ATT_OK);
    att__jws_clear(&j);
    free(set);
    /* reset: empty payload, signature over "<hdr>." */
    char *reset = read_vec("vectors/maa/sdk-net/isolated-set-policy-2020/"
                           "reset-policy-OpenEnclave.request.body.jws",
                           &n);
    assert_int_equal(att__jws_parse(reset, n, &j, &d), ATT_OK);
    assert_int_equal(j.payload_len, 0);
    assert_int_equal(att__jws_verify(&j, t("2021-01-01T00:00:00Z"), NULL, &d), ATT_OK);
    att__jws_clear(&j);
    free(reset);
}

static void unsigned_policies(void **state)
{
    size_t n;
    char *text =
        read_vec("vectors/maa/sdk-python/tpm-init-2022/put-policy-Tpm.request.body.jws", &n);
    att__jws j;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(text, n, &j, &d), ATT_OK);
    assert_int_equal(j.alg, ATT_JWS_NONE);
    assert_int_equal(j.sig_len, 0);
    assert_int_equal(att__jws_verify(&j, 0, NULL, &d), ATT_EINVAL);
    att__jws_clear(&j);
    free(text);
    const char *reset = "eyJhbGciOiJub25lIn0..";
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(reset, strlen(reset), &j, &d), ATT_OK);
    assert_int_equal(j.alg, ATT_JWS_NONE);
    assert_int_equal(j.payload_len, 0);
    att__jws_clear(&j);
}

static void malformed_inputs_are_named(void **state)
{
    struct {
        const char *in;
        int rc;
        const char *msg;
    } cases[] = {
        {"abc", ATT_EPARSE, "Could not find first period"},
        {"abc.def", ATT_EPARSE, "Could not find second period"},
        {"a.b.c.d.e", ATT_EPARSE, "more than three segments"},
        {".e30.", ATT_EPARSE, "header segment is empty"},
        {"!!!.e30.", ATT_EPARSE, "header is not valid base64url"},
        {"WzFd.e30.", ATT_EPARSE, "not a JSON object"}, /* [1] */
        {"e30.e30.", ATT_EPARSE, "no \"alg\""},         /* {} */
        {"eyJhbGciOiJIUzI1NiJ9.e30.", ATT_EUNSUPPORTED, "HS256"},
        {"eyJhbGciOiJub25lIn0.e30.AAAA", ATT_EPARSE, "non-empty signature"},
        {"eyJhbGciOiJub25lIn0.@@.", ATT_EPARSE, "payload is not valid"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        att__jws j;
        att_diag d;
        att_diag_clear(&d);
        assert_int_equal(att__jws_parse(cases[i].in, strlen(cases[i].in), &j, &d), cases[i].rc);
        if (!strstr(d.message, cases[i].msg))
            fail_msg("case %zu: '%s' lacks '%s'", i, d.message, cases[i].msg);
        assert_null(j.header);
    }
    /* signed but keyless, and a bad x5c */
    att__jws j;
    att_diag d;
    const char *nokey = "eyJhbGciOiJSUzI1NiJ9.e30.AAAA"; /* {"alg":"RS256"} */
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(nokey, strlen(nokey), &j, &d), ATT_OK);
    assert_int_equal(att__jws_verify(&j, 0, NULL, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "neither x5c nor jwk"));
    att__jws_clear(&j);
    const char *badx5c = "eyJhbGciOiJSUzI1NiIsIng1YyI6WyJBQUFBIl19.e30.AAAA"; /* x5c:["AAAA"] */
    att_diag_clear(&d);
    assert_int_equal(att__jws_parse(badx5c, strlen(badx5c), &j, &d), ATT_OK);
    assert_int_equal(att__jws_verify(&j, 0, NULL, &d), ATT_EINVAL);
    assert_non_null(strstr(d.message, "x5c[0]"));
    att__jws_clear(&j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(signed_docs_policy_with_rsa256_alias),
        cmocka_unit_test(net_sdk_isolated_set_and_reset),
        cmocka_unit_test(unsigned_policies),
        cmocka_unit_test(malformed_inputs_are_named),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
