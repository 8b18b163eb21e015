/* Unit tests for SGX / Open Enclave attestation (src/server/attest_sgx.c, attest_tcb.c):
 * the real MAA token of vectors/maa/sdk-python/sgx-sharedwus-2022 reproduced claim by
 * claim from its quote and runtime data with the default policy, request parsing and
 * leniency, binding and collateral errors, and the TCB baseline rule. */
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "collateral/intel_roots.h"
#include "core/codec.h"
#include "core/timeutil.h"
#include "server/attest_sgx.h"

#define SHAREDWUS     "vectors/maa/sdk-python/sgx-sharedwus-2022/"
#define OE_COLLATERAL "vectors/normalized-collateral/sgx-v3_openenclave-plugin.json"

/* Inside the window of the only collateral covering FMSPC 00906ed50000 in the vectors
 * (2022-04-26 .. 2022-05-26); the sharedwus token itself is from 2022-10-07. */
#define AT_2022_05_01 ((int64_t)1651363200)

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
        assert_non_null(pem);
        assert_int_equal(att__cert_from_pem(pem, strlen(pem), &f->roots[i]), ATT_OK);
    }
    assert_null(att__intel_sgx_root_pem(ATT_INTEL_SGX_ROOT_COUNT));
    att_diag d;
    att_diag_clear(&d);
    int rc = att__dcap_store_load(tu_shared_path(OE_COLLATERAL), (const att__cert *const *)f->roots,
                                  ATT_INTEL_SGX_ROOT_COUNT, &f->store, &d);
    if (rc != ATT_OK)
        fail_msg("collateral: %s", d.message);
    const char *text = att__default_policy_text(ATT_TYPE_SGX_ENCLAVE);
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

static att__sgx_context context(fixture *f, int64_t at)
{
    att__sgx_context c = {.store = f->store,
                          .anchors = (const att__cert *const *)f->roots,
                          .n_anchors = ATT_INTEL_SGX_ROOT_COUNT,
                          .at = at};
    return c;
}

static json_t *load_request(const char *rel)
{
    char *text = tu_read_shared_text(rel, NULL);
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    free(text);
    if (!j)
        fail_msg("%s: %s", rel, err.text);
    return j;
}

/* The payload of a compact JWT file under vectors/. */
static json_t *token_payload(const char *rel)
{
    char *jwt = tu_read_shared_text(rel, NULL);
    char *dot1 = strchr(jwt, '.');
    assert_non_null(dot1);
    char *dot2 = strchr(dot1 + 1, '.');
    assert_non_null(dot2);
    uint8_t *raw;
    size_t n;
    assert_int_equal(att__b64_decode_alloc(dot1 + 1, (size_t)(dot2 - dot1 - 1), &raw, &n), ATT_OK);
    json_error_t err;
    json_t *p = json_loadb((const char *)raw, n, 0, &err);
    free(raw);
    free(jwt);
    assert_non_null(p);
    return p;
}

/* Runs the whole pipeline (parse, verify, claims, default policy, token claims) and
 * returns the token claims, or NULL with d filled when a step before the token fails. */
static json_t *attest(fixture *f, const json_t *body, att__att_type t, int64_t at,
                      const att__policy_prog *prog, att_diag *d)
{
    att__sgx_request req;
    att_diag_clear(d);
    if (att__sgx_request_parse(body, t, &f->arena, &req, d) != ATT_OK)
        return NULL;
    att__sgx_context ctx = context(f, at);
    att__sgx_verified v;
    json_t *out = NULL;
    if (att__sgx_verify(&req, &ctx, att__policy_prog_config(prog)->sgx_tcbidentifier, &v, d) ==
        ATT_OK) {
        att__claimset in;
        att__claims_init(&in, &f->arena);
        assert_int_equal(att__sgx_incoming_claims(&req, &v, &in), ATT_OK);
        att__policy_result res;
        if (att__policy_eval(prog, &in, &f->arena, &res, d) == ATT_OK) {
            char hash[ATT_POLICY_HASH_LEN + 1];
            const char *text = att__default_policy_text(ATT_TYPE_SGX_ENCLAVE);
            att__policy_hash(text, strlen(text), hash);
            out = att__sgx_token_claims(&req, &v, &res, hash, NULL);
            assert_non_null(out);
        }
    }
    att__sgx_verified_clear(&v);
    return out;
}

/* Compares our claims with a real MAA token payload, claim by claim. Time-dependent and
 * per-token claims are skipped; of the collateral objects only quotehash can agree (MAA
 * hashed its THIM copies of the collateral, we hash Intel's; see attest-sgx.md). */
static void compare_with_real(const json_t *ours, const json_t *real, const char *quotehash)
{
    static const char *const skip[] = {"iat", "nbf", "exp", "jti", "iss"};
    const char *key;
    json_t *val;
    size_t compared = 0;
    json_object_foreach((json_t *)real, key, val)
    {
        int skipped = 0;
        for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
            skipped |= strcmp(key, skip[i]) == 0;
        if (skipped)
            continue;
        const json_t *mine = json_object_get(ours, key);
        if (!mine)
            fail_msg("claim %s missing", key);
        if (strcmp(key, "x-ms-sgx-collateral") == 0 ||
            strcmp(key, "maa-attestationcollateral") == 0) {
            assert_int_equal(json_object_size(mine), 7);
            const char *k2;
            json_t *v2;
            json_object_foreach(val, k2, v2)
            {
                const json_t *m2 = json_object_get(mine, k2);
                if (!json_is_string(m2) || json_string_length(m2) != 64)
                    fail_msg("%s.%s: not a SHA-256 hex string", key, k2);
            }
            assert_string_equal(json_string_value(json_object_get(val, "quotehash")), quotehash);
            assert_string_equal(json_string_value(json_object_get(mine, "quotehash")), quotehash);
        } else if (!json_equal((json_t *)mine, val)) {
            char *a = json_dumps(mine, JSON_COMPACT | JSON_ENCODE_ANY);
            char *b = json_dumps(val, JSON_COMPACT | JSON_ENCODE_ANY);
            fail_msg("claim %s: ours %.200s, MAA %.200s", key, a, b);
        }
        compared++;
    }
    /* nothing extra either */
    json_object_foreach((json_t *)ours, key, val)
    {
        if (!json_object_get(real, key))
            fail_msg("claim %s is not in the MAA token", key);
    }
    /* every claim but the five skipped ones was compared */
    assert_int_equal(compared + sizeof(skip) / sizeof(skip[0]), json_object_size(real));
    assert_true(compared >= 17);
}

static void real_token_binary(void **state)
{
    fixture *f = *state;
    att_diag d;
    json_t *body = load_request(SHAREDWUS "attest-SgxEnclave.request.json");
    json_t *ours = attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d);
    if (!ours)
        fail_msg("attest failed: %s", d.message);
    json_t *real = token_payload(SHAREDWUS "token.jwt");
    compare_with_real(ours, real,
                      "af0e05631c145d7dc1a33b214d43c6aa34a7859622a0ac7d880ab7b24e2f18d2");
    json_decref(real);
    json_decref(ours);
    json_decref(body);
}

static void real_token_json_runtime(void **state)
{
    fixture *f = *state;
    att_diag d;
    json_t *body = load_request(SHAREDWUS "attest-SgxEnclave.request.json");
    json_object_set_new(json_object_get(body, "runtimeData"), "dataType", json_string("JSON"));
    json_t *ours = attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d);
    if (!ours)
        fail_msg("attest failed: %s", d.message);
    json_t *real = token_payload(SHAREDWUS "token.runtimeData-JSON.jwt");
    compare_with_real(ours, real,
                      "af0e05631c145d7dc1a33b214d43c6aa34a7859622a0ac7d880ab7b24e2f18d2");
    json_decref(real);
    json_decref(ours);
    json_decref(body);
}

/* The OE form of the same quote: quotehash covers the whole report (recorded 949b189c...). */
static void open_enclave_report(void **state)
{
    fixture *f = *state;
    att_diag d;
    json_t *body = load_request(SHAREDWUS "attest-OpenEnclave.request.json");
    json_t *ours = attest(f, body, ATT_TYPE_OPEN_ENCLAVE, AT_2022_05_01, f->deflt, &d);
    if (!ours)
        fail_msg("attest failed: %s", d.message);
    const char *qh = json_string_value(
        json_object_get(json_object_get(ours, "x-ms-sgx-collateral"), "quotehash"));
    assert_non_null(qh);
    assert_memory_equal(qh, "949b189c", 8);
    json_t *real = token_payload(SHAREDWUS "token.jwt");
    /* everything but the collateral object equals the SgxEnclave token */
    json_object_del(ours, "x-ms-sgx-collateral");
    json_object_del(ours, "maa-attestationcollateral");
    json_object_del(real, "x-ms-sgx-collateral");
    json_object_del(real, "maa-attestationcollateral");
    compare_with_real(ours, real, "");
    json_decref(real);
    json_decref(ours);
    json_decref(body);
}

/* The Azure C++ SDK recordings (vectors/oe/azure-sdk-cpp-maa, MAA sharedwus 2022-05-31,
 * debug enclave): the request bodies are not recorded, but the evidence is known by its
 * quotehash and the runtime data by the token's x-ms-sgx-ehd (Binary) or runtime_data.bin
 * (JSON). Each token is reproduced claim by claim like the sharedwus one. */
static void cpp_sdk_recordings(void **state)
{
    fixture *f = *state;
    static const struct {
        const char *name;
        att__att_type type;
        const char *evidence;
        int runtime; /* 0 none, 1 Binary (from the token's ehd), 2 JSON (runtime_data.bin) */
    } cases[] = {
        {"SimpleAttest-SgxEnclave_Shared", ATT_TYPE_SGX_ENCLAVE, "sgx_quote_v3_debug.bin", 0},
        {"SimpleAttest-OpenEnclave_Shared", ATT_TYPE_OPEN_ENCLAVE, "oe_report_remote_debug.bin", 0},
        {"AttestWithRuntimeData-SgxEnclave_Shared", ATT_TYPE_SGX_ENCLAVE, "sgx_quote_v3_debug.bin",
         1},
        {"AttestWithRuntimeData-OpenEnclave_Shared", ATT_TYPE_OPEN_ENCLAVE,
         "oe_report_remote_debug.bin", 1},
        {"AttestWithRuntimeDataJson-OpenEnclave_Shared", ATT_TYPE_OPEN_ENCLAVE,
         "oe_report_remote_debug.bin", 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char path[256];
        snprintf(path, sizeof(path), "vectors/oe/azure-sdk-cpp-maa/maa-claims/%s.claims.json",
                 cases[i].name);
        json_t *rec = load_request(path);
        json_t *real = json_incref(json_object_get(rec, "jwt_claims"));
        assert_non_null(real);
        snprintf(path, sizeof(path), "vectors/oe/azure-sdk-cpp-maa/%s", cases[i].evidence);
        size_t n;
        uint8_t *ev = tu_read_file(tu_shared_path(path), &n);
        char *b = att__b64_encode_alloc(ev, n, ATT_B64_URL);
        json_t *body =
            json_pack("{s:s}", cases[i].type == ATT_TYPE_OPEN_ENCLAVE ? "report" : "quote", b);
        free(b);
        free(ev);
        if (cases[i].runtime == 1) {
            json_object_set_new(body, "runtimeData",
                                json_pack("{s:O,s:s}", "data",
                                          json_object_get(real, "x-ms-sgx-ehd"), "dataType",
                                          "Binary"));
        } else if (cases[i].runtime == 2) {
            uint8_t *rt =
                tu_read_file(tu_shared_path("vectors/oe/azure-sdk-cpp-maa/runtime_data.bin"), &n);
            b = att__b64_encode_alloc(rt, n, ATT_B64_URL);
            json_object_set_new(body, "runtimeData",
                                json_pack("{s:s,s:s}", "data", b, "dataType", "JSON"));
            free(b);
            free(rt);
        }
        att_diag d;
        json_t *ours = attest(f, body, cases[i].type, AT_2022_05_01, f->deflt, &d);
        if (!ours)
            fail_msg("%s: %s", cases[i].name, d.message);
        const char *qh = json_string_value(
            json_object_get(json_object_get(real, "x-ms-sgx-collateral"), "quotehash"));
        compare_with_real(ours, real, qh);
        json_decref(ours);
        json_decref(body);
        json_decref(real);
        json_decref(rec);
    }
}

/* Parses a JSON text body. */
static json_t *J(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fail_msg("bad test JSON: %s", err.text);
    return j;
}

static int parse(fixture *f, const char *text, att__att_type t, att__sgx_request *req, att_diag *d)
{
    json_t *j = J(text);
    att_diag_clear(d);
    int rc = att__sgx_request_parse(j, t, &f->arena, req, d);
    json_decref(j);
    return rc;
}

static void request_leniency_and_errors(void **state)
{
    fixture *f = *state;
    att__sgx_request req;
    att_diag d;
    /* case-insensitive keys, C++ SDK spelling, dataType missing = Binary, std base64 */
    assert_int_equal(parse(f,
                           "{\"Quote\":\"AQID\",\"RuntimeData\":{\"Data\":\"+/8=\"},"
                           "\"inittimeData\":{\"data\":\"AA\",\"dataType\":\"JSON\"},"
                           "\"nonce\":\"n1\",\"draftPolicyForAttestation\":\"version=1.0;\"}",
                           ATT_TYPE_SGX_ENCLAVE, &req, &d),
                     ATT_OK);
    assert_int_equal(req.quote_len, 3);
    assert_true(req.runtime.present);
    assert_false(req.runtime.json);
    assert_int_equal(req.runtime.len, 2);
    assert_int_equal(req.runtime.data[0], 0xfb);
    assert_true(req.inittime.present && req.inittime.json);
    assert_string_equal(req.nonce, "n1");
    assert_string_equal(req.draft_policy, "version=1.0;");

    assert_int_not_equal(parse(f, "{}", ATT_TYPE_SGX_ENCLAVE, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "'quote'"));
    assert_int_not_equal(parse(f, "{\"quote\":\"a$b\"}", ATT_TYPE_SGX_ENCLAVE, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "'quote' is not valid base64url"));
    assert_int_not_equal(parse(f, "{\"quote\":\"AQID\",\"runtimeData\":{\"data\":\"!!\"}}",
                               ATT_TYPE_SGX_ENCLAVE, &req, &d),
                         ATT_OK);
    assert_non_null(strstr(d.message, "'runtimeData.data'"));
    assert_int_not_equal(parse(f,
                               "{\"quote\":\"AQID\",\"runtimeData\":{\"data\":\"AA\","
                               "\"dataType\":\"XML\"}}",
                               ATT_TYPE_SGX_ENCLAVE, &req, &d),
                         ATT_OK);
    assert_non_null(strstr(d.message, "runtimeData.dataType"));
    assert_int_not_equal(parse(f,
                               "{\"quote\":\"AQID\",\"initTimeData\":{\"data\":\"AA\","
                               "\"dataType\":7}}",
                               ATT_TYPE_SGX_ENCLAVE, &req, &d),
                         ATT_OK);
    assert_string_equal(d.message, "field 'initTimeData.dataType' must be a string");
    assert_int_not_equal(
        parse(f, "{\"quote\":\"AQID\",\"runtimeData\":\"AA\"}", ATT_TYPE_SGX_ENCLAVE, &req, &d),
        ATT_OK);
    assert_non_null(strstr(d.message, "'runtimeData' must be an object"));
    /* OpenEnclave wants `report` with a valid OE header */
    assert_int_not_equal(parse(f, "{\"quote\":\"AQID\"}", ATT_TYPE_OPEN_ENCLAVE, &req, &d), ATT_OK);
    assert_non_null(strstr(d.message, "'report'"));
    /* the OE report header is checked by the OE module (src/evidence/oe): version 2 */
    assert_int_not_equal(
        parse(f, "{\"report\":\"AgAAAAIAAAABAAAAAAAAAAA\"}", ATT_TYPE_OPEN_ENCLAVE, &req, &d),
        ATT_OK);
    assert_non_null(strstr(d.message, "oe.report_header.version: 2, expected 1"));
    /* type 1: local */
    assert_int_not_equal(
        parse(f, "{\"report\":\"AQAAAAEAAAABAAAAAAAAAAA\"}", ATT_TYPE_OPEN_ENCLAVE, &req, &d),
        ATT_OK);
    assert_non_null(strstr(d.message, "1 is an SGX local report"));
    /* size 2, one byte present */
    assert_int_not_equal(
        parse(f, "{\"report\":\"AQAAAAIAAAACAAAAAAAAAAA\"}", ATT_TYPE_OPEN_ENCLAVE, &req, &d),
        ATT_OK);
    assert_non_null(strstr(d.message, "declares 2 bytes, 1 present"));
    /* a good header around a 1-byte "quote": the quote inside is parsed too, and refused */
    assert_int_not_equal(
        parse(f, "{\"report\":\"AQAAAAIAAAABAAAAAAAAAAA\"}", ATT_TYPE_OPEN_ENCLAVE, &req, &d),
        ATT_OK);
    assert_non_null(strstr(d.message, "quote"));
}

/* Verification failures carry the verifier's message. */
static void verify_errors(void **state)
{
    fixture *f = *state;
    att_diag d;
    json_t *body = load_request(SHAREDWUS "attest-SgxEnclave.request.json");
    char *qcopy = strdup(json_string_value(json_object_get(body, "quote")));
    assert_non_null(qcopy);

    /* runtime data that does not hash to the report data */
    json_object_set_new(json_object_get(body, "runtimeData"), "data", json_string("AAAA"));
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d));
    assert_string_equal(d.message, "runtimeData SHA-256 does not match report data");
    json_object_del(body, "runtimeData");

    /* no runtime data: fine */
    json_t *ok = attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d);
    assert_non_null(ok);
    assert_null(json_object_get(ok, "x-ms-sgx-ehd"));
    json_decref(ok);

    /* initTimeData must hash to CONFIGID (zero in this non-KSS enclave) */
    json_object_set_new(body, "initTimeData", J("{\"data\":\"AAAA\",\"dataType\":\"Binary\"}"));
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d));
    assert_non_null(strstr(d.message, "initTimeData SHA-256 does not match"));
    json_object_del(body, "initTimeData");

    /* collateral outside its window: verification time 2022-10-07 (the token's day) */
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, 1665149033, f->deflt, &d));
    assert_int_equal(d.err, ATT_EEXPIRED);

    /* truncated quote */
    qcopy[strlen(qcopy) / 2] = '\0';
    json_object_set_new(body, "quote", json_string(qcopy));
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, f->deflt, &d));
    assert_non_null(strstr(d.message, "quote"));
    free(qcopy);

    /* no collateral configured */
    json_decref(body);
    body = load_request(SHAREDWUS "attest-SgxEnclave.request.json");
    att__sgx_request req;
    att_diag_clear(&d);
    assert_int_equal(att__sgx_request_parse(body, ATT_TYPE_SGX_ENCLAVE, &f->arena, &req, &d),
                     ATT_OK);
    att__sgx_context ctx = context(f, AT_2022_05_01);
    ctx.store = NULL;
    att__sgx_verified v;
    assert_int_not_equal(att__sgx_verify(&req, &ctx, "azuredefault", &v, &d), ATT_OK);
    att__sgx_verified_clear(&v);
    assert_non_null(strstr(d.message, "no collateral is configured for FMSPC 00906ed50000"));
    json_decref(body);
}

/* Baselines: azuredefault = 10 accepts this OutOfDate platform (level of 2020-11-11);
 * 11 and 12 reject it; 13+ need newer collateral than evaluation data number 12. */
static void tcb_baselines(void **state)
{
    fixture *f = *state;
    att_diag d;
    assert_string_equal(att__tcb_baseline_find("azuredefault")->id, "10");
    assert_string_equal(att__tcb_baseline_find("AzureDefault")->id, "10");
    assert_int_equal(att__tcb_baseline_find("15")->eval_number, 15);
    assert_null(att__tcb_baseline_find("9"));
    size_t n;
    assert_non_null(att__tcb_baselines(&n));
    assert_int_equal(n, 6);

    json_t *body = load_request(SHAREDWUS "attest-SgxEnclave.request.json");
    const char *policy11 =
        "version=1.1; configurationrules{ => issueproperty(type=\"x-ms-sgx-tcbidentifier\", "
        "value=\"11\"); }; authorizationrules{ => permit(); }; issuancerules{ "
        "c:[type==\"x-ms-sgx-tcb-status\"] => issue(type=\"tcb\", value=c.value); };";
    att__policy_prog *p11;
    assert_int_equal(att__policy_compile(policy11, strlen(policy11), &p11, &d), ATT_OK);
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, p11, &d));
    assert_non_null(strstr(d.message, "TCB status OutOfDate not accepted by TCB baseline 11"));
    att__policy_prog_free(p11);

    const char *policy13 =
        "version=1.1; configurationrules{ => issueproperty(type=\"x-ms-sgx-tcbidentifier\", "
        "value=\"13\"); }; authorizationrules{ => permit(); };";
    att__policy_prog *p13;
    assert_int_equal(att__policy_compile(policy13, strlen(policy13), &p13, &d), ATT_OK);
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, p13, &d));
    assert_non_null(strstr(d.message, "evaluation data number 12 is below TCB baseline 13"));
    att__policy_prog_free(p13);

    /* the TCB claims are visible to policy: a policy issuing them */
    const char *pclaims =
        "version=1.0; authorizationrules{ [type==\"x-ms-sgx-tcb-status\", value==\"OutOfDate\"] "
        "=> permit(); }; issuancerules{ c:[type==\"x-ms-sgx-tcb-status\"] => issue(type=\"tcb\", "
        "value=c.value); c:[type==\"x-ms-sgx-tcb-date\"] => issue(type=\"date\", value=c.value); "
        "c:[type==\"x-ms-sgx-tcb-evaluation-data-number\"] => issue(type=\"eval\", "
        "value=c.value); c:[type==\"$is-debuggable\"] => issue(type=\"legacy\", value=c.value); };";
    att__policy_prog *pc;
    assert_int_equal(att__policy_compile(pclaims, strlen(pclaims), &pc, &d), ATT_OK);
    json_t *out = attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, pc, &d);
    if (!out)
        fail_msg("attest: %s", d.message);
    assert_string_equal(json_string_value(json_object_get(out, "tcb")), "OutOfDate");
    assert_string_equal(json_string_value(json_object_get(out, "date")), "2020-11-11T00:00:00Z");
    assert_int_equal(json_integer_value(json_object_get(out, "eval")), 12);
    assert_true(json_is_false(json_object_get(out, "legacy")));
    const json_t *pol = json_object_get(out, "x-ms-policy");
    assert_string_equal(json_string_value(json_object_get(pol, "tcb")), "OutOfDate");
    json_decref(out);
    att__policy_prog_free(pc);

    /* a deny policy is a policy evaluation error with the engine's message */
    const char *deny = "version=1.0; authorizationrules{ => deny(); };";
    att__policy_prog *pd;
    assert_int_equal(att__policy_compile(deny, strlen(deny), &pd, &d), ATT_OK);
    assert_null(attest(f, body, ATT_TYPE_SGX_ENCLAVE, AT_2022_05_01, pd, &d));
    assert_int_equal(d.err, ATT_EPOLICY);
    assert_non_null(strstr(d.message, "Policy Engine Exception"));
    att__policy_prog_free(pd);
    json_decref(body);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(real_token_binary),
        cmocka_unit_test(real_token_json_runtime),
        cmocka_unit_test(open_enclave_report),
        cmocka_unit_test(cpp_sdk_recordings),
        cmocka_unit_test(request_leniency_and_errors),
        cmocka_unit_test(verify_errors),
        cmocka_unit_test(tcb_baselines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
