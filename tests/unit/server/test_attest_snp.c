/* Unit tests for SEV-SNP VM attestation (src/server/attest_snp.c): the real MAA SevSnpVm
 * token of vectors/maa/azure-samples reproduced claim by claim from the request that produced
 * it (except the time-dependent claims and the policy hash of MAA's unpublished default
 * policy), request leniency, runtimeData binding (JSON -> x-ms-runtime, from the Azure HCL
 * report of vectors/azure-cvm) and initTimeData binding to HOST_DATA. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "server/attest_snp.h"

#define SAMPLE "vectors/maa/azure-samples/"
/* iat of the recorded token (2025-04-08T04:15:00Z). */
#define AT_TOKEN ((int64_t)1744085700)

typedef struct fixture {
    att__policy_prog *deflt;
    att__arena arena;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    att_diag d;
    att_diag_clear(&d);
    const char *text = att__default_policy_text(ATT_TYPE_SEV_SNP_VM);
    assert_int_equal(att__policy_compile(text, strlen(text), &f->deflt, &d), ATT_OK);
    att__arena_init(&f->arena);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    att__arena_free(&f->arena);
    att__policy_prog_free(f->deflt);
    free(f);
    return 0;
}

static json_t *b64url_payload(const char *jwt)
{
    const char *p = strchr(jwt, '.');
    assert_non_null(p);
    const char *e = strchr(p + 1, '.');
    assert_non_null(e);
    uint8_t *raw = NULL;
    size_t n = 0;
    assert_int_equal(att__b64_decode_alloc(p + 1, (size_t)(e - p - 1), &raw, &n), ATT_OK);
    json_t *j = json_loadb((const char *)raw, n, 0, NULL);
    free(raw);
    assert_non_null(j);
    return j;
}

/* Runs parse, verify, claims, default policy and token claims for body. */
static int run(fixture *f, json_t *body, int64_t at, json_t **claims, att_diag *d)
{
    att__snp_request req;
    att_diag_clear(d);
    int rc = att__snp_request_parse(body, &f->arena, &req, d);
    if (rc != ATT_OK)
        return rc;
    att__snp_context ctx = {.at = at};
    att__snp_verified v;
    rc = att__snp_verify_request(&req, &ctx, &v, d);
    if (rc == ATT_OK) {
        att__claimset in;
        att__claims_init(&in, &f->arena);
        assert_int_equal(att__snp_incoming_claims(&req, &v, &in), ATT_OK);
        att__policy_result res;
        rc = att__policy_eval(f->deflt, &in, &f->arena, &res, d);
        if (rc == ATT_OK)
            *claims = att__snp_token_claims(&req, &v, &res, "HASH", NULL);
    }
    att__snp_verified_clear(&v);
    return rc;
}

static json_t *sample_body(void)
{
    char *rep = tu_read_shared_text(SAMPLE "sevsnp/attest-sevsnpvm.report.b64url", NULL);
    size_t n = strlen(rep);
    while (n && (rep[n - 1] == '\n' || rep[n - 1] == '\r'))
        rep[--n] = 0;
    json_t *b = json_pack("{s:s}", "report", rep);
    free(rep);
    return b;
}

static void test_token_reproduced(void **state)
{
    fixture *f = *state;
    json_t *body = sample_body();
    json_t *claims = NULL;
    att_diag d;
    int rc = run(f, body, AT_TOKEN, &claims, &d);
    if (rc != ATT_OK)
        fail_msg("%s", d.message);
    char *jwt = tu_read_shared_text(SAMPLE "tokens/sevsnpvm-token.sharedweu.test.jwt", NULL);
    json_t *want = b64url_payload(jwt);
    free(jwt);
    static const char *const skip[] = {"iat", "nbf", "exp", "jti", "iss", "x-ms-policy-hash"};
    const char *k;
    json_t *wv;
    size_t compared = 0;
    json_object_foreach(want, k, wv)
    {
        int s = 0;
        for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
            s |= strcmp(k, skip[i]) == 0;
        if (s)
            continue;
        json_t *gv = json_object_get(claims, k);
        if (!gv || !json_equal(gv, wv)) {
            char *g = gv ? json_dumps(gv, JSON_ENCODE_ANY) : NULL;
            char *w = json_dumps(wv, JSON_ENCODE_ANY);
            fail_msg("claim %s: got %s, expected %s", k, g ? g : "(absent)", w);
        }
        compared++;
    }
    assert_int_equal(compared, 19); /* 25 claims less the 6 skipped */
    /* Nothing beyond MAA's claims (and the policy hash). */
    json_object_foreach(claims, k, wv)
    {
        if (strcmp(k, "x-ms-policy-hash") != 0 && !json_object_get(want, k))
            fail_msg("extra claim %s", k);
    }
    json_decref(want);
    json_decref(claims);
    /* The same request with a nonce and a wrong runtimeData (the sample script's, which
     * belongs to another report): refused naming the binding. */
    char *rt = tu_read_shared_text(SAMPLE "sevsnp/attest-sevsnpvm.runtimeData.b64url", NULL);
    rt[strcspn(rt, "\r\n")] = 0;
    json_object_set_new(body, "runtimeData",
                        json_pack("{s:s,s:s}", "data", rt, "dataType", "JSON"));
    free(rt);
    claims = NULL;
    assert_int_equal(run(f, body, AT_TOKEN, &claims, &d), ATT_EMISMATCH);
    assert_string_equal(d.reason, "snp.binding");
    assert_non_null(strstr(d.message, "runtimeData"));
    assert_null(claims);
    json_decref(body);
}

/* The Azure CVM HCL report: runtimeData = the HCL runtime JSON -> x-ms-runtime. */
static void test_runtime_json(void **state)
{
    fixture *f = *state;
    size_t hn, rn, cn;
    uint8_t *hcl =
        tu_read_file(tu_shared_path("vectors/azure-cvm/az-snp-vtpm/hcl-report.bin"), &hn);
    uint8_t *chain = tu_read_file(tu_shared_path("vectors/azure-cvm/az-snp-vtpm/vcek.pem"), &cn);
    assert_true(hn > 32 + 1184 + 20);
    uint32_t vs = hcl[32 + 1184 + 16] | (uint32_t)hcl[32 + 1184 + 17] << 8 |
                  (uint32_t)hcl[32 + 1184 + 18] << 16 | (uint32_t)hcl[32 + 1184 + 19] << 24;
    const uint8_t *rtj = hcl + 32 + 1184 + 20;
    assert_true(vs <= hn - (32 + 1184 + 20));
    rn = 1184;
    char *rep = att__b64_encode_alloc(hcl + 32, rn, ATT_B64_URL);
    char *ch = att__b64_encode_alloc(chain, cn, ATT_B64_URL);
    /* Pretty-printed wrapper, as real clients send it. */
    size_t wl = strlen(rep) + strlen(ch) + 64;
    char *wrap = malloc(wl);
    snprintf(wrap, wl, "\n{\n  \"SnpReport\" : \"%s\",\n  \"VcekCertChain\" : \"%s\"\n}\n", rep,
             ch);
    char *wb = att__b64_encode_alloc(wrap, strlen(wrap), ATT_B64_URL);
    char *rt = att__b64_encode_alloc(rtj, vs, ATT_B64_URL);
    json_t *body = json_pack("{s:s,s:{s:s,s:s},s:s}", "report", wb, "runtimeData", "data", rt,
                             "dataType", "JSON", "nonce", "n-1");
    json_t *claims = NULL;
    att_diag d;
    int rc = run(f, body, tu_parse_time("2025-01-01T00:00:00Z"), &claims, &d);
    if (rc != ATT_OK)
        fail_msg("%s", d.message);
    json_t *x = json_object_get(claims, "x-ms-runtime");
    assert_non_null(x);
    assert_string_equal(
        json_string_value(json_object_get(json_array_get(json_object_get(x, "keys"), 0), "kid")),
        "HCLAkPub");
    assert_string_equal(json_string_value(json_object_get(claims, "nonce")), "n-1");
    assert_string_equal(json_string_value(json_object_get(claims, "x-ms-attestation-type")),
                        "sevsnpvm");
    json_decref(claims);
    /* initTimeData must hash to HOST_DATA (zero here): any data is refused. */
    json_object_set_new(body, "initTimeData", json_pack("{s:s}", "data", "AQID"));
    claims = NULL;
    assert_int_equal(run(f, body, tu_parse_time("2025-01-01T00:00:00Z"), &claims, &d),
                     ATT_EMISMATCH);
    assert_non_null(strstr(d.message, "HOST_DATA"));
    /* Draft policy denial is the policy engine's (PolicyEvaluationError in the route). */
    json_object_del(body, "initTimeData");
    att__policy_prog *deny = NULL;
    const char *pt = "version=1.0; authorizationrules{ c:[type==\"x-ms-sevsnpvm-is-debuggable\", "
                     "value==true] => permit(); }; issuancerules{};";
    assert_int_equal(att__policy_compile(pt, strlen(pt), &deny, &d), ATT_OK);
    att__policy_prog *saved = f->deflt;
    f->deflt = deny;
    claims = NULL;
    assert_int_equal(run(f, body, tu_parse_time("2025-01-01T00:00:00Z"), &claims, &d), ATT_EPOLICY);
    f->deflt = saved;
    att__policy_prog_free(deny);
    json_decref(body);
    free(wb);
    free(rt);
    free(wrap);
    free(rep);
    free(ch);
    free(hcl);
    free(chain);
}

static void test_request_errors(void **state)
{
    fixture *f = *state;
    att__snp_request req;
    att_diag d;
    json_t *b = json_pack("{s:s}", "report", "%%%");
    att_diag_clear(&d);
    assert_int_not_equal(att__snp_request_parse(b, &f->arena, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "report"));
    json_decref(b);
    b = json_pack("{s:s}", "report", "bm90IGpzb24"); /* "not json" */
    att_diag_clear(&d);
    assert_int_equal(att__snp_request_parse(b, &f->arena, &req, &d), ATT_EPARSE);
    json_decref(b);
    b = json_pack("{s:s}", "report", "eyJWY2VrQ2VydENoYWluIjoiIn0"); /* {"VcekCertChain":""} */
    att_diag_clear(&d);
    assert_int_not_equal(att__snp_request_parse(b, &f->arena, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "SnpReport"));
    json_decref(b);
    /* A bare report instead of the wrapper. */
    size_t rn;
    uint8_t *raw = tu_read_file(tu_shared_path(SAMPLE "sevsnp/snp_report.bin"), &rn);
    char *b64 = att__b64_encode_alloc(raw, rn, ATT_B64_URL);
    b = json_pack("{s:s}", "report", b64);
    att_diag_clear(&d);
    assert_int_equal(att__snp_request_parse(b, &f->arena, &req, &d), ATT_OK);
    assert_int_equal(req.report_len, 1184);
    assert_null(req.chain_pem);
    json_decref(b);
    free(b64);
    free(raw);
    /* Lowercase keys are accepted (maa.md §1.14). */
    b = json_pack("{s:s}", "report", "eyJzbnByZXBvcnQiOiJBQUFBIn0"); /* {"snpreport":"AAAA"} */
    att_diag_clear(&d);
    assert_int_equal(att__snp_request_parse(b, &f->arena, &req, &d), ATT_OK);
    assert_int_equal(req.report_len, 3);
    att__snp_context ctx = {.at = AT_TOKEN};
    att__snp_verified v;
    assert_int_equal(att__snp_verify_request(&req, &ctx, &v, &d), ATT_ETRUNC);
    att__snp_verified_clear(&v);
    json_decref(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_token_reproduced, setup, teardown),
        cmocka_unit_test_setup_teardown(test_runtime_json, setup, teardown),
        cmocka_unit_test_setup_teardown(test_request_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
