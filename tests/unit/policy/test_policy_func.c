/* Unit tests for the policy 1.2 functions (src/policy/func.c) with MAA's documented examples
 * and error cases, the TPM recipes of the docs end to end over JSON event logs (secure
 * boot, HVCI, DRTM/SMM with a query built at run time, key attestation), evaluation errors
 * and their messages, and the claims API (src/policy/claims.c). */
#include "policy_tu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

/* Evaluates "version=1.2; authorizationrules { => permit(); }; issuancerules { RULES };". */
static int ev_issue(tu_ev *e, const char *rules)
{
    char pol[4096];
    snprintf(pol, sizeof(pol),
             "version=1.2; authorizationrules { => permit(); }; issuancerules { %s };", rules);
    return tu_ev_run(e, pol);
}

static void expect_error(tu_ev *e, const char *rules, const char *needle)
{
    assert_int_equal(ev_issue(e, rules), ATT_EPOLICY);
    assert_int_equal(e->res.decision, ATT_POLICY_ERROR);
    assert_string_equal(e->d.reason, "policy.function");
    if (!strstr(e->d.message, needle))
        fail_msg("message lacks '%s': %s", needle, e->d.message);
    assert_int_equal(e->res.outgoing.n, 0);
}

static void jmespath_function(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "JsonData", "{\"values\": [0,1,2,3,4]}");
    tu_ev_add_s(&e, "JmesPathQuery", "values[2]");
    assert_int_equal(ev_issue(&e,
                              "=> issue(type=\"JmesPathResult\", value=JmesPath(\"{\\\"foo\\\": "
                              "\\\"bar\\\"}\", \"foo\"));"
                              "c1:[type==\"JsonData\"] && c2:[type==\"JmesPathQuery\"] => "
                              "issue(type=\"q\", value=JmesPath(c1.value, c2.value));"
                              "c:[type==\"JsonData\"] => issue(type=\"whole\", "
                              "value=JmesPath(c.value, \"values\"));"
                              "=> issue(type=\"num\", value=JmesPath(5, \"@\"));"),
                     ATT_OK);
    /* the result is JSON text */
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "JmesPathResult", 0)->str, "\"bar\"");
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "q", 0)->str, "2");
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "whole", 0)->str, "[0,1,2,3,4]");
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "num", 0)->str, "5");
    expect_error(&e, "=> issue(type=\"x\", value=JmesPath(\"{\", \"a\"));", "is not valid JSON");
    expect_error(&e, "=> issue(type=\"x\", value=JmesPath(\"\", \"a\"));", "empty string");
    expect_error(&e,
                 "c:[type==\"JsonData\"] => issue(type=\"x\", value=JmesPath(c.value, "
                 "AppendString(\"values[\", \"\")));",
                 "JmesPath(): the query does not compile");
    expect_error(&e,
                 "c:[type==\"JsonData\"] => issue(type=\"x\", value=JmesPath(c.value, "
                 "AppendString(\"\", \"\")));",
                 "the query must be a non-empty String");
    expect_error(&e,
                 "c:[type==\"JsonData\"] => issue(type=\"x\", value=JmesPath(c.value, "
                 "\"length(values[0])\"));",
                 "JmesPath(): ");
    tu_ev_free(&e);
}

static void json_to_claim_value_function(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "JsonIntegerData", "100");
    tu_ev_add_s(&e, "JsonBooleanData", "true");
    tu_ev_add_s(&e, "JsonStringData", "\"abc\"");
    tu_ev_add_s(&e, "JsonArray", "[0, \"abc\", true, null, 0]");
    tu_ev_add_s(&e, "JsonNull", "null");
    tu_ev_add_s(&e, "JsonReal", "2.0");
    assert_int_equal(ev_issue(&e, "c:[type==\"JsonIntegerData\"] => issue(type=\"IntegerResult\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "c:[type==\"JsonBooleanData\"] => issue(type=\"BooleanResult\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "c:[type==\"JsonStringData\"] => issue(type=\"StringResult\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "c:[type==\"JsonArray\"] => add(type=\"Result\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "c:[type==\"JsonNull\"] => issue(type=\"NullResult\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "c:[type==\"JsonReal\"] => issue(type=\"RealResult\", "
                                  "value=JsonToClaimValue(c.value));"
                                  "=> issue(type=\"Passthrough\", value=JsonToClaimValue(7));"),
                     ATT_OK);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "IntegerResult", 0)->vtype, ATT_CV_INTEGER);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "IntegerResult", 0)->i, 100);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "BooleanResult", 0)->b, 1);
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "StringResult", 0)->str, "abc");
    /* an array becomes one claim per element (nulls dropped, duplicates kept) */
    assert_int_equal(tu_claim_count(&e.res.incoming, "Result"), 4);
    assert_int_equal(tu_claim_nth(&e.res.incoming, "Result", 0)->i, 0);
    assert_string_equal(tu_claim_nth(&e.res.incoming, "Result", 1)->str, "abc");
    assert_int_equal(tu_claim_nth(&e.res.incoming, "Result", 2)->vtype, ATT_CV_BOOLEAN);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "NullResult"), 0); /* an empty claim: no-op */
    assert_int_equal(tu_claim_count(&e.res.incoming, "NullResult"), 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "RealResult", 0)->i, 2);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "Passthrough", 0)->i, 7);
    expect_error(&e, "=> issue(type=\"x\", value=JsonToClaimValue(\"{\\\"a\\\":1}\"));",
                 "JsonToClaimValue(): a JSON object cannot be converted to a claim value");
    expect_error(&e, "=> issue(type=\"x\", value=JsonToClaimValue(\"1.5\"));",
                 "1.5 is not an integer");
    expect_error(&e, "=> issue(type=\"x\", value=JsonToClaimValue(\"[[1]]\"));", "not arrays");
    expect_error(&e, "=> issue(type=\"x\", value=JsonToClaimValue(\"[{}]\"));", "not objects");
    expect_error(&e, "=> issue(type=\"x\", value=JsonToClaimValue(\"abc\"));", "not valid JSON");
    tu_ev_free(&e);
}

static void set_functions(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    /* IsSubsetOf: the docs' example issues one claim, true */
    tu_ev_add_s(&e, "Subset", "abc");
    assert_int_equal(att__claims_add_int(&e.in, "Subset", 100, NULL), ATT_OK);
    assert_int_equal(att__claims_add_bool(&e.in, "Superset", 1, NULL), ATT_OK);
    tu_ev_add_s(&e, "Superset", "abc");
    assert_int_equal(att__claims_add_int(&e.in, "Superset", 100, NULL), ATT_OK);
    assert_int_equal(att__claims_add_int(&e.in, "Set", 100, NULL), ATT_OK);
    assert_int_equal(att__claims_add_int(&e.in, "Set", 101, NULL), ATT_OK);
    assert_int_equal(att__claims_add_int(&e.in, "Same", 1, NULL), ATT_OK);
    assert_int_equal(att__claims_add_int(&e.in, "Same", 1, NULL), ATT_OK);
    assert_int_equal(
        ev_issue(&e,
                 "c1:[type == \"Subset\"] && c2:[type==\"Superset\"] => issue(type=\"IsSubset\","
                 " value=IsSubsetOf(c1.value, c2.value));"
                 "c1:[type == \"Subset\"] && c2:[type==\"Superset\"] => issue(type=\"IsSuper\","
                 " value=IsSubsetOf(c2.value, c1.value));"
                 "c:[type==\"Subset\"] => issue(type=\"EmptySub\", "
                 "value=IsSubsetOf(JsonToClaimValue(\"[]\"), c.value));"
                 "c:[type==\"Set\"] => issue(type=\"Only100\", value=ContainsOnlyValue(c.value, "
                 "100));"
                 "c:[type==\"Same\"] => issue(type=\"Only1\", value=ContainsOnlyValue(c.value, "
                 "1));"
                 "c:[type==\"Same\"] => issue(type=\"OnlyStr1\", "
                 "value=ContainsOnlyValue(c.value, \"1\"));"
                 "=> issue(type=\"OnlyEmpty\", value=ContainsOnlyValue(JsonToClaimValue(\"[]\"),"
                 " 1));"
                 "=> issue(type=\"OnlyArray\", "
                 "value=ContainsOnlyValue(JsonToClaimValue(\"[true,true]\"), true));"),
        ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "IsSubset"), 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "IsSubset", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "IsSuper", 0)->b, 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "EmptySub", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "Only100", 0)->b, 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "Only1", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "OnlyStr1", 0)->b, 0); /* "1" is not 1 */
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "OnlyEmpty", 0)->b, 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "OnlyArray", 0)->b, 1);
    expect_error(&e,
                 "=> issue(type=\"x\", value=ContainsOnlyValue(1, JsonToClaimValue(\"[1,2]\")));",
                 "argument 2 is a set of 2 values");
    tu_ev_free(&e);
}

static void string_and_bool_functions(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "String1", "abc");
    tu_ev_add_s(&e, "String2", "xyz");
    assert_int_equal(att__claims_add_bool(&e.in, "Input", 1, NULL), ATT_OK);
    assert_int_equal(
        ev_issue(&e, "c1:[type==\"String1\"] && c2:[type==\"String2\"] => issue(type=\"Result\", "
                     "value=AppendString(c1.value, c2.value));"
                     "=> issue(type=\"Nested\", value=AppendString(AppendString(\"a\", \"\"), "
                     "AppendString(\"b\", JmesPath(\"[1]\", \"[0]\"))));"
                     "c:[type==\"Input\"] => issue(type=\"Negated\", value=NegateBool(c.value));"
                     "=> issue(type=\"Twice\", value=NegateBool(NegateBool(true)));"),
        ATT_OK);
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "Result", 0)->str, "abcxyz");
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "Nested", 0)->str, "ab1");
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "Negated", 0)->b, 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "Twice", 0)->b, 1);
    expect_error(&e, "=> issue(type=\"x\", value=AppendString(\"a\", JsonToClaimValue(\"5\")));",
                 "AppendString(): argument 2 is an Integer, not a String");
    expect_error(&e, "c:[type==\"String1\"] => issue(type=\"x\", value=NegateBool(c.value));",
                 "NegateBool(): the argument is a String, not a Boolean");
    expect_error(
        &e,
        "=> issue(type=\"x\", value=AppendString(JsonToClaimValue(\"[\\\"a\\\",\\\"b\\\"]\""
        "), \"c\"));",
        "AppendString(): argument 1 is a set of 2 values");
    /* arguments are evaluated left to right: the first failing one is reported */
    expect_error(&e,
                 "=> issue(type=\"x\", value=AppendString(JsonToClaimValue(\"{}\"), "
                 "JsonToClaimValue(\"1.5\")));",
                 "a JSON object");
    /* the claim type may be computed, but must be one String */
    assert_int_equal(ev_issue(&e, "c:[type==\"String1\"] => issue(type=AppendString(c.value, "
                                  "\"-t\"), value=1);"
                                  "c:[type==\"String1\"] => issue(type=c.type, value=2);"),
                     ATT_OK);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "abc-t", 0)->i, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "String1", 0)->i, 2);
    expect_error(&e, "=> issue(type=JsonToClaimValue(\"5\"), value=1);", "must be one non-empty");
    tu_ev_free(&e);
}

/* A small Windows measured-boot log as attestd's TPM verifier will present it (maa.md
 * §3.7): EFI variables, a trust-boundary event with HVCI, and DRTM events in PCR 20. */
static const char events_json[] =
    "{\"Events\":["
    "{\"EventSeq\":1,\"PcrIndex\":7,\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\","
    "\"ProcessedData\":{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\","
    "\"UnicodeName\":\"SecureBoot\",\"VariableData\":\"%s\"}},"
    "{\"EventSeq\":2,\"PcrIndex\":7,\"EventTypeString\":\"EV_EFI_VARIABLE_DRIVER_CONFIG\","
    "\"ProcessedData\":{\"VariableGuid\":\"8BE4DF61-93CA-11D2-AA0D-00E098032B8C\","
    "\"UnicodeName\":\"PK\",\"VariableData\":\"oUiIGw\"}},"
    "{\"EventSeq\":3,\"PcrIndex\":12,\"EventTypeString\":\"EV_EVENT_TAG\",\"ProcessedData\":{"
    "\"EVENT_TRUSTBOUNDARY\":{\"EVENT_VBS_HVCI_POLICY\":{\"String\":"
    "\"HypervisorEnforcedCodeIntegrityEnable\",\"Value\":1},\"EVENT_CODEINTEGRITY\":true,"
    "\"EVENT_LOADEDMODULE_AGGREGATION\":[{\"EVENT_FILEPATH\":"
    "\"\\\\Windows\\\\System32\\\\drivers\\\\wdboot.sys\",\"EVENT_IMAGEVALIDATED\":true}]}}},"
    "{\"EventSeq\":5,\"PcrIndex\":20,\"EventTypeString\":\"EV_EVENT_TAG\",\"ProcessedData\":{"
    "\"EVENT_DRTM_SMM\":{\"Value\":3}}},"
    "{\"EventSeq\":10,\"PcrIndex\":20,\"EventTypeString\":\"EV_EVENT_TAG\",\"ProcessedData\":{"
    "\"EVENT_TRUSTBOUNDARY\":{\"EVENT_DRTM_STATE_AUTH\":{\"SignatureValid\":true}}}}"
    "]}";

static void add_events(tu_ev *e, const char *secure_boot_data)
{
    char buf[4096];
    snprintf(buf, sizeof(buf), events_json, secure_boot_data);
    json_t *v = json_loads(buf, 0, NULL);
    assert_non_null(v);
    assert_int_equal(att__claims_add_json(&e->in, "events", v, ATT_ISSUER_SERVICE, 0), ATT_OK);
    json_decref(v);
}

/* maa.md §3.9 / the docs' 1.2 secure-boot recipe. */
static const char secure_boot_policy[] =
    "version=1.2;\nauthorizationrules { => permit(); };\nissuancerules {\n"
    "c:[type==\"events\", issuer==\"AttestationService\"] => add(type=\"efiConfigVariables\", "
    "value=JmesPath(c.value, \"Events[?EventTypeString == 'EV_EFI_VARIABLE_DRIVER_CONFIG' && "
    "ProcessedData.VariableGuid == '8BE4DF61-93CA-11D2-AA0D-00E098032B8C']\"));\n"
    "c:[type==\"efiConfigVariables\", issuer==\"AttestationPolicy\"] => "
    "issue(type=\"secureBootEnabled\", value=JsonToClaimValue(JmesPath(c.value, "
    "\"[?ProcessedData.UnicodeName == 'SecureBoot'] | length(@) == `1` && "
    "@[0].ProcessedData.VariableData == 'AQ'\")));\n"
    "![type==\"secureBootEnabled\", issuer==\"AttestationPolicy\"] => "
    "issue(type=\"secureBootEnabled\", value=false);\n};";

static void tpm_secure_boot_recipe(void **state)
{
    static const struct {
        const char *data; /* NULL: no events claim at all */
        int expect;
    } cases[] = {{"AQ", 1}, {"AA", 0}, {NULL, 0}};
    for (size_t i = 0; i < 3; i++) {
        tu_ev e;
        tu_ev_init(&e);
        if (cases[i].data)
            add_events(&e, cases[i].data);
        assert_int_equal(tu_ev_run(&e, secure_boot_policy), ATT_OK);
        assert_int_equal(tu_claim_count(&e.res.outgoing, "secureBootEnabled"), 1);
        const att__claim *c = tu_claim_nth(&e.res.outgoing, "secureBootEnabled", 0);
        assert_int_equal(c->vtype, ATT_CV_BOOLEAN);
        assert_int_equal(c->b, cases[i].expect);
        json_t *tok = att__claims_token_json(&e.res.outgoing);
        assert_true(json_is_boolean(json_object_get(tok, "secureBootEnabled")));
        json_decref(tok);
        tu_ev_free(&e);
    }
}

static void tpm_doc_recipes_end_to_end(void **state)
{
    /* HVCI and code integrity (tpm-attestation-concepts.01, -sample-policies.01) */
    char *text = (char *)tu_read_file(
        tu_shared_path(
            "vectors/maa/azure-security-docs/policies/tpm-attestation-concepts.01.policy.txt"),
        NULL);
    tu_ev e;
    tu_ev_init(&e);
    add_events(&e, "AQ");
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "hvciEnabled", 0)->b, 1);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "hvciEnabled"), 1);
    assert_int_equal(tu_claim_nth(&e.res.incoming, "secureBootEnabled", 0)->b, 1);
    free(text);
    text = (char *)tu_read_file(tu_shared_path("vectors/maa/azure-security-docs/policies/"
                                               "tpm-attestation-sample-policies.01.policy.txt"),
                                NULL);
    assert_int_equal(att__claims_add_bool(&e.in, "aikValidated", 1, NULL), ATT_OK);
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "CodeIntegrityEnabled", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "SecureBootEnabled", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "ELAMDriverLoaded", 0)->b, 1);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "aikValidated", 0)->b, 1);
    free(text);

    /* DRTM and SMM level: the second query is built with AppendString at run time
     * (tpm-attestation-sample-policies.03). */
    text = (char *)tu_read_file(tu_shared_path("vectors/maa/azure-security-docs/policies/"
                                               "tpm-attestation-sample-policies.03.policy.txt"),
                                NULL);
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "drtmMleValid", 0)->b, 1);
    assert_string_equal(tu_claim_nth(&e.res.incoming, "smmQuery", 0)->str,
                        "Events[? EventTypeString == 'EV_EVENT_TAG' && PcrIndex == `20` && "
                        "EventSeq < `10`].ProcessedData.EVENT_DRTM_SMM | length(@) == `1` && @[0] "
                        "| @.Value");
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "smmLevel", 0)->i, 3);
    free(text);
    tu_ev_free(&e);

    /* Key attestation (tpm-attestation-concepts.03) */
    tu_ev_init(&e);
    json_t *key =
        json_pack("{s:{s:s,s:s},s:{s:{s:i,s:i,s:s}}}", "jwk", "kty", "RSA", "n", "AQAB", "info",
                  "tpm_certify", "name_alg", 11, "obj_attr", 50, "auth_policy", "AQIDBA");
    json_t *others = json_pack("[O]", key);
    assert_int_equal(att__claims_add_json(&e.in, "x-ms-tpm-request-key", key, NULL, 0), ATT_OK);
    assert_int_equal(att__claims_add_json(&e.in, "x-ms-tpm-other-keys", others, NULL, 0), ATT_OK);
    json_decref(key);
    json_decref(others);
    text = (char *)tu_read_file(
        tu_shared_path(
            "vectors/maa/azure-security-docs/policies/tpm-attestation-concepts.03.policy.txt"),
        NULL);
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    json_t *tok = att__claims_token_json(&e.res.outgoing);
    char *s = json_dumps(tok, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(s,
                        "{\"otherKeysCertifyAuthPolicy\":\"AQIDBA\",\"otherKeysCertifyNameAlgs\":"
                        "11,\"otherKeysCertifyObjAttr\":50,\"otherKeysTypes\":\"RSA\","
                        "\"requestKeyCertifyAuthPolicy\":\"AQIDBA\",\"requestKeyCertifyNameAlg\":"
                        "11,\"requestKeyCertifyObjAttr\":50,\"requestKeyType\":\"RSA\"}");
    free(s);
    json_decref(tok);
    free(text);
    tu_ev_free(&e);
}

static void errors_in_authorization_fail_attestation(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "obj", "{\"a\":1}");
    assert_int_equal(tu_ev_run(&e, "version=1.2;\nauthorizationrules {\n=> permit();\n"
                                   "c:[type==\"obj\"] => add(type=\"v\", "
                                   "value=JsonToClaimValue(c.value));\n};"),
                     ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_ERROR);
    assert_string_equal(e.d.field, "rule at line 4");
    assert_string_equal(e.d.message,
                        "Policy Engine Exception: JsonToClaimValue(): a JSON object cannot be "
                        "converted to a claim value (at line 4, column 40), in rule at line 4: "
                        "c:[type==\"obj\"] => add(type=\"v\", value=JsonToClaimValue(c.value))");
    json_t *x = att__policy_explain_json(&e.res);
    assert_string_equal(json_string_value(json_object_get(x, "decision")), "error");
    assert_non_null(json_object_get(x, "error"));
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(x, "deciding_rule"), "line")), 4);
    json_decref(x);
    char msg[16];
    size_t want = att__policy_explain_message(&e.res, msg, sizeof(msg));
    assert_true(want > sizeof(msg));
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    tu_ev_free(&e);
}

static void claims_api(void **state)
{
    att__arena a;
    att__arena_init(&a);
    att__claimset s;
    att__claims_init(&s, &a);
    assert_int_equal(att__claims_add_string(&s, "t", "v", NULL), ATT_OK);
    assert_int_equal(att__claims_add_stringn(&s, "nul", "a\0b", 3, ATT_ISSUER_CUSTOM), ATT_OK);
    assert_int_equal(att__claims_add_int(&s, "i", -5, "Other"), ATT_OK);
    assert_int_equal(att__claims_add_bool(&s, "b", 7, NULL), ATT_OK);
    assert_int_equal(att__claims_add_string(&s, "t", "w", NULL), ATT_OK);
    json_t *j = json_pack("{s:[i,i],s:s}", "k", 1, 2, "s", "x");
    assert_int_equal(att__claims_add_json(&s, "j", j, NULL, ATT_CLAIM_READONLY), ATT_OK);
    json_decref(j);
    assert_int_equal(att__claims_add_string(&s, "", "v", NULL), ATT_EINVAL);
    assert_int_equal(att__claims_add_string(&s, NULL, "v", NULL), ATT_EINVAL);
    assert_int_equal(att__claims_add_string(&s, "t", NULL, NULL), ATT_EINVAL);
    att__claim bad = {.type = "x", .vtype = (att__cv_type)9};
    assert_int_equal(att__claims_add(&s, &bad), ATT_EINVAL);
    assert_int_equal(s.n, 6);
    assert_string_equal(s.v[0].issuer, ATT_ISSUER_SERVICE);
    assert_int_equal(s.v[1].len, 3);
    assert_memory_equal(s.v[1].str, "a\0b", 3);
    assert_string_equal(s.v[2].issuer, "Other");
    assert_int_equal(s.v[3].b, 1);
    assert_string_equal(s.v[5].str, "{\"k\":[1,2],\"s\":\"x\"}");
    assert_int_equal(s.v[5].flags, ATT_CLAIM_READONLY);
    assert_int_equal(att__claims_find(&s, "t", 0), 0);
    assert_int_equal(att__claims_find(&s, "t", 1), 4);
    assert_int_equal(att__claims_find(&s, "zz", 0), -1);
    assert_string_equal(att__cv_type_name(ATT_CV_INTEGER), "Integer");
    assert_null(att__cv_type_name((att__cv_type)7));
    att__cv_type t;
    assert_int_equal(att__cv_type_parse("Boolean", &t), ATT_OK);
    assert_int_equal(t, ATT_CV_BOOLEAN);
    assert_int_equal(att__cv_type_parse("boolean", &t), ATT_EINVAL);
    json_t *tok = att__claims_token_json(&s);
    char *out = json_dumps(tok, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(out, "{\"b\":true,\"i\":-5,\"j\":\"{\\\"k\\\":[1,2],\\\"s\\\":\\\"x\\\"}\","
                             "\"nul\":\"a\\u0000b\",\"t\":[\"v\",\"w\"]}");
    free(out);
    json_decref(tok);
    /* growth keeps earlier claims */
    for (int i = 0; i < 1000; i++)
        assert_int_equal(att__claims_add_int(&s, "many", i, NULL), ATT_OK);
    assert_int_equal(s.v[att__claims_find(&s, "many", 0) + 999].i, 999);
    assert_string_equal(s.v[4].str, "w");
    att__arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(jmespath_function),
        cmocka_unit_test(json_to_claim_value_function),
        cmocka_unit_test(set_functions),
        cmocka_unit_test(string_and_bool_functions),
        cmocka_unit_test(tpm_secure_boot_recipe),
        cmocka_unit_test(tpm_doc_recipes_end_to_end),
        cmocka_unit_test(errors_in_authorization_fail_attestation),
        cmocka_unit_test(claims_api),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
