/* Unit tests for TDX VM attestation (src/server/attest_tdx.c): MAA's TdxVm example token
 * (vectors/maa/azure-security-docs/token-example.tdxvm.payload.json) reproduced claim by claim
 * for its shape from a real TD quote; every TDX case of manifest-dcap.json through the
 * route's verification with its expected TCB status or failure; binding, collateral and
 * request errors naming the failing check; policy denial. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/intel_roots.h"
#include "core/codec.h"
#include "core/timeutil.h"
#include "evidence/sgx/td_claims.h"
#include "server/attest_tdx.h"

#define EXAMPLE "vectors/maa/azure-security-docs/token-example.tdxvm.payload.json"
#define OE_TDX  "tdx-v4/openenclave/tdx_quote.bin" /* UpToDate at 2023-07-01T01:00:00Z */

typedef struct fixture {
    att__cert *roots[ATT_INTEL_SGX_ROOT_COUNT];
    att__dcap_store *store;
    att__policy_prog *deflt;
    att__arena arena;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    for (size_t i = 0; i < ATT_INTEL_SGX_ROOT_COUNT; i++) {
        const char *pem = att__intel_sgx_root_pem(i);
        assert_int_equal(att__cert_from_pem(pem, strlen(pem), &f->roots[i]), ATT_OK);
    }
    att_diag d;
    att_diag_clear(&d);
    int rc = att__dcap_store_load(tu_shared_path("vectors/normalized-collateral"),
                                  (const att__cert *const *)f->roots, ATT_INTEL_SGX_ROOT_COUNT,
                                  &f->store, &d);
    if (rc != ATT_OK)
        fail_msg("collateral: %s", d.message);
    const char *text = att__default_policy_text(ATT_TYPE_TDX_VM);
    assert_non_null(text);
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
    att__dcap_store_free(f->store);
    for (size_t i = 0; i < ATT_INTEL_SGX_ROOT_COUNT; i++)
        att__cert_free(f->roots[i]);
    free(f);
    return 0;
}

/* {"quote": b64url(vectors/<rel>) <extra>} */
static json_t *request(const char *rel, const char *extra)
{
    char path[256];
    snprintf(path, sizeof(path), "vectors/%s", rel);
    size_t n;
    uint8_t *q = tu_read_file(tu_shared_path(path), &n);
    assert_non_null(q);
    char *b = att__b64_encode_alloc(q, n, ATT_B64_URL);
    free(q);
    size_t len = strlen(b) + strlen(extra) + 32;
    char *text = malloc(len);
    snprintf(text, len, "{\"quote\":\"%s\"%s}", b, extra);
    free(b);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    free(text);
    assert_non_null(j);
    return j;
}

/* parse + verify at `at`; returns the rc, fills v (clear it) */
static int verify(fixture *f, const json_t *body, int64_t at, att__sgx_request *req,
                  att__sgx_verified *v, att_diag *d)
{
    att_diag_clear(d);
    memset(v, 0, sizeof(*v));
    int rc = att__sgx_request_parse(body, ATT_TYPE_TDX_VM, &f->arena, req, d);
    if (rc != ATT_OK)
        return rc;
    att__sgx_context ctx = {.store = f->store,
                            .anchors = (const att__cert *const *)f->roots,
                            .n_anchors = ATT_INTEL_SGX_ROOT_COUNT,
                            .at = at};
    return att__tdx_verify(req, &ctx, v, d);
}

/* The whole pipeline with policy text (NULL: the default); returns token claims or NULL
 * with d filled. runtime, when not NULL, stands in for verified JSON runtime data. */
static json_t *attest(fixture *f, const json_t *body, int64_t at, const char *policy,
                      const char *runtime, att_diag *d)
{
    att__sgx_request req;
    att__sgx_verified v;
    json_t *out = NULL;
    att__policy_prog *own = NULL;
    const att__policy_prog *prog = f->deflt;
    const char *text = policy ? policy : att__default_policy_text(ATT_TYPE_TDX_VM);
    if (policy) {
        assert_int_equal(att__policy_compile(policy, strlen(policy), &own, d), ATT_OK);
        prog = own;
    }
    if (verify(f, body, at, &req, &v, d) == ATT_OK) {
        if (runtime)
            v.runtime_json = json_loads(runtime, 0, NULL);
        att__claimset in;
        att__claims_init(&in, &f->arena);
        assert_int_equal(att__tdx_incoming_claims(&req, &v, &in), ATT_OK);
        att__policy_result res;
        if (att__policy_eval(prog, &in, &f->arena, &res, d) == ATT_OK) {
            char hash[ATT_POLICY_HASH_LEN + 1];
            att__policy_hash(text, strlen(text), hash);
            out = att__tdx_token_claims(&req, &v, &res, hash, NULL);
            assert_non_null(out);
        }
    }
    att__sgx_verified_clear(&v);
    att__policy_prog_free(own);
    return out;
}

/* A policy issuing MAA's compliance claim for a non-debug TD, as the Azure default does. */
static const char compliance_policy[] =
    "version=1.0; authorizationrules{=> permit();};"
    "issuancerules{c:[type==\"tdx_td_attributes_debug\", value==false] => "
    "issue(type=\"x-ms-compliance-status\", value=\"azure-compliant-cvm\");};";

static void example_token_shape(void **state)
{
    fixture *f = *state;
    json_t *ex = tu_load_json(EXAMPLE);
    json_t *body = request(OE_TDX, "");
    att_diag d;
    json_t *tok = attest(f, body, tu_parse_time("2023-07-01T01:00:00Z"), compliance_policy,
                         "{\"test-claim-name\": \"test-claim-value\"}", &d);
    if (!tok)
        fail_msg("attest: %s (%s)", d.message, d.reason);
    static const char *const skip[] = {"iat", "exp", "nbf", "iss", "jti"};
    const char *k;
    json_t *v;
    /* same claim names, both ways */
    json_object_foreach(ex, k, v)
    {
        int s = 0;
        for (size_t i = 0; i < 5; i++)
            s |= strcmp(k, skip[i]) == 0;
        if (!s && !json_object_get(tok, k))
            fail_msg("claim %s of the example token is missing", k);
    }
    json_object_foreach(tok, k, v)
    {
        if (!json_object_get(ex, k))
            fail_msg("claim %s is not in the example token", k);
    }
    /* equal values: everything that does not depend on the TD's own measurements, TCB or
     * the policy text (the example's TD runs the same TDX 1.0 module, MRSEAM 2fd279c1...) */
    static const char *const same[] = {"attester_tcb_status",
                                       "dbgstat",
                                       "eat_profile",
                                       "intuse",
                                       "tdx_mrseam",
                                       "tdx_mrsignerseam",
                                       "tdx_seam_attributes",
                                       "tdx_td_attributes",
                                       "tdx_xfam",
                                       "tdx_td_attributes_debug",
                                       "tdx_td_attributes_key_locker",
                                       "tdx_td_attributes_perfmon",
                                       "tdx_td_attributes_protection_keys",
                                       "tdx_td_attributes_septve_disable",
                                       "tdx_mrowner",
                                       "tdx_mrownerconfig",
                                       "tdx_mrconfigid",
                                       "tdx_rtmr3",
                                       "x-ms-attestation-type",
                                       "x-ms-compliance-status",
                                       "x-ms-runtime",
                                       "x-ms-ver"};
    for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++)
        if (!json_equal(json_object_get(tok, same[i]), json_object_get(ex, same[i])))
            fail_msg("claim %s differs from the example token", same[i]);
    assert_int_equal(json_integer_value(json_object_get(tok, "tdx_seamsvn")), 3);
    /* values of this quote (manifest) */
    assert_string_equal(tu_jstr(tok, "tdx_mrtd"),
                        "569e660ca18bdc532697faa4a2238ef2e439c2381a2239553c49d9708ed40f0c8612b5bc"
                        "b621e431bb188f4de5bfd8a8");
    assert_string_equal(tu_jstr(tok, "tdx_tee_tcb_svn"), "03000500000000000000000000000000");
    json_decref(tok);
    /* the default policy issues nothing: no compliance claim */
    tok = attest(f, body, tu_parse_time("2023-07-01T01:00:00Z"), NULL, NULL, &d);
    assert_non_null(tok);
    assert_null(json_object_get(tok, "x-ms-compliance-status"));
    assert_null(json_object_get(tok, "x-ms-runtime"));
    assert_null(json_object_get(tok, "x-ms-policy"));
    json_decref(tok);
    json_decref(body);
    json_decref(ex);
}

/* Every TDX manifest case with normalized collateral: the expected status, or the failure. */
static void manifest_cases(void **state)
{
    fixture *f = *state;
    json_t *m = tu_load_json("vectors/manifest-dcap.json");
    size_t i, n = 0;
    json_t *c;
    json_array_foreach(json_object_get(m, "cases"), i, c)
    {
        const char *id = tu_jstr(c, "id");
        const json_t *col = json_object_get(c, "collateral");
        if (strncmp(id, "tdx-", 4) != 0 || !json_is_string(col))
            continue;
        json_t *body = request(tu_jstr(c, "quote"), "");
        const json_t *e = json_object_get(c, "expected");
        const char *want = tu_jstr(e, "status");
        att__sgx_request req;
        att__sgx_verified v;
        att_diag d;
        int rc = verify(f, body, tu_parse_time(tu_jstr(c, "verification_time")), &req, &v, &d);
        if (strcmp(want, "TCB_NOT_SUPPORTED") == 0) {
            if (rc != ATT_EUNSUPPORTED || strcmp(d.reason, "quote.tcb.not_supported") != 0)
                fail_msg("%s: rc %d %s", id, rc, d.reason);
        } else {
            if (rc != ATT_OK)
                fail_msg("%s: %s (%s)", id, d.message, d.reason);
            json_t *cl = att__td_claims(&v.quote, &v.result);
            assert_string_equal(tu_jstr(cl, "attester_tcb_status"), want);
            json_decref(cl);
            /* the TCB claims the policy sees */
            att__claimset in;
            att__claims_init(&in, &f->arena);
            assert_int_equal(att__tdx_incoming_claims(&req, &v, &in), ATT_OK);
        }
        att__sgx_verified_clear(&v);
        json_decref(body);
        n++;
    }
    assert_int_equal(n, 8);
    json_decref(m);
}

static void expect_fail(fixture *f, const char *rel, const char *extra, const char *at, int want,
                        const char *reason)
{
    json_t *body = request(rel, extra);
    att__sgx_request req;
    att__sgx_verified v;
    att_diag d;
    int rc = verify(f, body, tu_parse_time(at), &req, &v, &d);
    att__sgx_verified_clear(&v);
    json_decref(body);
    if (rc != want || strcmp(d.reason, reason) != 0)
        fail_msg("%s%s: rc %d reason %s (%s), expected %d %s", rel, extra, rc, d.reason, d.message,
                 want, reason);
}

static void errors(void **state)
{
    fixture *f = *state;
    const char *at = "2023-07-01T01:00:00Z";
    /* runtimeData / initTimeData not bound */
    expect_fail(f, OE_TDX, ",\"runtimeData\":{\"data\":\"e30\",\"dataType\":\"JSON\"}", at,
                ATT_EMISMATCH, "tdx.runtime_data");
    expect_fail(f, OE_TDX, ",\"initTimeData\":{\"data\":\"AAAA\"}", at, ATT_EMISMATCH,
                "tdx.inittime_data");
    /* an SGX quote */
    expect_fail(f, "sgx-v3/phala-dcap-qvl/sgx_quote.bin", "", "2025-06-20T00:00:00Z",
                ATT_EUNSUPPORTED, "tdx.tee_type");
    /* no collateral for the time: the set found is outside its window */
    expect_fail(f, OE_TDX, "", "2024-07-01T00:00:00Z", ATT_EEXPIRED, "collateral.expired");
    /* dataType neither Binary nor JSON */
    json_t *b = request(OE_TDX, ",\"runtimeData\":{\"data\":\"AA\",\"dataType\":\"XML\"}");
    att__sgx_request req;
    att_diag d;
    att_diag_clear(&d);
    assert_int_not_equal(att__sgx_request_parse(b, ATT_TYPE_TDX_VM, &f->arena, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "runtimeData.dataType"));
    json_decref(b);
    /* a truncated quote */
    size_t qn;
    uint8_t *qb = tu_read_file(tu_shared_path("vectors/" OE_TDX), &qn);
    char *b64 = att__b64_encode_alloc(qb, 1000, ATT_B64_URL);
    b = json_pack("{s:s}", "quote", b64);
    free(b64);
    free(qb);
    att__sgx_verified v;
    assert_int_equal(verify(f, b, tu_parse_time(at), &req, &v, &d), ATT_ETRUNC);
    assert_true(strncmp(d.reason, "quote.", 6) == 0);
    att__sgx_verified_clear(&v);
    json_decref(b);
    /* no store at all */
    fixture empty = *f;
    empty.store = NULL;
    b = request(OE_TDX, "");
    assert_int_equal(verify(&empty, b, tu_parse_time(at), &req, &v, &d), ATT_ENOTFOUND);
    assert_string_equal(d.reason, "tdx.collateral.none");
    att__sgx_verified_clear(&v);
    json_decref(b);
}

static void policy_denial(void **state)
{
    fixture *f = *state;
    json_t *body = request(OE_TDX, ",\"nonce\":\"n-1\"");
    att_diag d;
    const char *debug_only = "version=1.0; authorizationrules{c:[type==\"tdx_td_attributes_debug\","
                             " value==true] => permit();}; issuancerules{};";
    assert_null(attest(f, body, tu_parse_time("2023-07-01T01:00:00Z"), debug_only, NULL, &d));
    assert_int_equal(d.err, ATT_EPOLICY);
    /* a policy on the TCB claims attestd adds */
    const char *tcb = "version=1.0; authorizationrules{c:[type==\"x-ms-tdx-tcb-date\", "
                      "value==\"2023-02-15T00:00:00Z\"] => permit();}; issuancerules{"
                      "c:[type==\"x-ms-tdx-fmspc\"] => issue(type=\"fmspc\", value=c.value);};";
    json_t *tok = attest(f, body, tu_parse_time("2023-07-01T01:00:00Z"), tcb, NULL, &d);
    if (!tok)
        fail_msg("%s", d.message);
    assert_string_equal(tu_jstr(tok, "fmspc"), "50806f000000");
    assert_string_equal(tu_jstr(tok, "nonce"), "n-1");
    json_decref(tok);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_token_shape),
        cmocka_unit_test(manifest_cases),
        cmocka_unit_test(errors),
        cmocka_unit_test(policy_denial),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
