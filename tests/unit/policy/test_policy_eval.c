/* Unit tests for policy evaluation semantics (src/policy/eval.c): the default SGX policies
 * over real SGX claims, multi-valued claims and combinations, add/issue visibility, the '!'
 * absence test, operators and value types, deny/permit outcomes and their messages,
 * configuration and issuance properties, read-only claims, limits, and concurrent
 * evaluation of one compiled program. */
#include "policy_tu.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/codec.h"
#include "core/limits.h"
#include "policy/policy.h"

static void add_i(tu_ev *e, const char *type, int64_t v)
{
    assert_int_equal(att__claims_add_int(&e->in, type, v, NULL), ATT_OK);
}

static void add_b(tu_ev *e, const char *type, int v)
{
    assert_int_equal(att__claims_add_bool(&e->in, type, v, NULL), ATT_OK);
}

/* The payload of the real 2022 sharedwus token (verified vector). */
static json_t *real_token_payload(void)
{
    size_t n;
    char *jwt = (char *)tu_read_file(
        tu_shared_path("vectors/maa/sdk-python/sgx-sharedwus-2022/token.jwt"), &n);
    char *p1 = strchr(jwt, '.');
    assert_non_null(p1);
    char *p2 = strchr(p1 + 1, '.');
    assert_non_null(p2);
    uint8_t *raw;
    size_t rawlen;
    assert_int_equal(att__b64_decode_alloc(p1 + 1, (size_t)(p2 - p1 - 1), &raw, &rawlen), ATT_OK);
    json_t *payload = json_loadb((const char *)raw, rawlen, 0, NULL);
    assert_non_null(payload);
    free(raw);
    free(jwt);
    return payload;
}

/* The token's x-ms-sgx-* and x-ms-attestation-type claims as incoming claims. */
static void sgx_claims_from(tu_ev *e, const json_t *payload)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)payload, k, v)
    {
        if (strncmp(k, "x-ms-sgx-", 9) != 0 && strcmp(k, "x-ms-attestation-type") != 0 &&
            strcmp(k, "x-ms-ver") != 0)
            continue;
        if (json_is_string(v))
            tu_ev_add_s(e, k, json_string_value(v));
        else if (json_is_integer(v))
            add_i(e, k, json_integer_value(v));
        else if (json_is_boolean(v))
            add_b(e, k, json_is_true(v));
        else
            assert_int_equal(att__claims_add_json(&e->in, k, v, NULL, 0), ATT_OK);
    }
}

static void default_sgx_policy_reproduces_real_token(void **state)
{
    json_t *payload = real_token_payload();
    static const char *const policies[] = {
        "vectors/maa/default-policies/sgx-default-2022.policy.txt",
        "vectors/maa/azure-security-docs/policies/policy-examples.01.policy.txt",
    };
    for (size_t i = 0; i < 2; i++) {
        tu_ev e;
        tu_ev_init(&e);
        sgx_claims_from(&e, payload);
        char *text = tu_read_shared_text(policies[i], NULL);
        assert_int_equal(tu_ev_run(&e, text), ATT_OK);
        free(text);
        assert_int_equal(e.res.decision, ATT_POLICY_PERMIT);
        assert_int_equal(e.res.outgoing.n, 6);
        json_t *got = att__claims_token_json(&e.res.outgoing);
        assert_non_null(got);
        if (!json_equal(got, json_object_get(payload, "x-ms-policy"))) {
            char *s = json_dumps(got, JSON_SORT_KEYS);
            fail_msg("issued claims differ from the token's x-ms-policy: %s", s);
        }
        json_decref(got);
        /* types are kept: is-debuggable a Boolean, svn an Integer */
        assert_int_equal(tu_claim_nth(&e.res.outgoing, "is-debuggable", 0)->vtype, ATT_CV_BOOLEAN);
        assert_int_equal(tu_claim_nth(&e.res.outgoing, "svn", 0)->vtype, ATT_CV_INTEGER);
        assert_string_equal(tu_claim_nth(&e.res.outgoing, "tee", 0)->issuer, ATT_ISSUER_POLICY);
        /* the docs' 1.1 default pins the TCB baseline */
        const att__policy_config *cfg = &e.res.props.config;
        assert_string_equal(cfg->sgx_tcbidentifier, "azuredefault");
        assert_int_equal(cfg->set, i == 1 ? ATT_POLICY_CFG_TCB_ID : 0u);
        char msg[256];
        att__policy_explain_message(&e.res, msg, sizeof(msg));
        assert_non_null(strstr(msg, "Permitted (rule at line"));
        tu_ev_free(&e);
    }
    json_decref(payload);
}

static void legacy_sgx_policy_needs_its_claim(void **state)
{
    char *text = tu_read_shared_text(
        "vectors/maa/default-policies/sgx-default-2020-legacy.policy.txt", NULL);
    tu_ev e;
    tu_ev_init(&e);
    add_b(&e, "$is-debuggable", 0);
    tu_ev_add_s(&e, "$sgx-mrsigner",
                "2c1a44952ae8207135c6c29b75b8c029372ee94b677e15c20bd42340f10d41aa");
    add_i(&e, "$product-id", 1);
    add_i(&e, "$svn", 3);
    tu_ev_add_s(&e, "$tee", "sgx");
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    assert_int_equal(e.res.outgoing.n, 5); /* no $sgx-mrenclave given */
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "svn", 0)->i, 3);
    tu_ev_free(&e);
    tu_ev_init(&e); /* without $is-debuggable nothing permits */
    tu_ev_add_s(&e, "$tee", "sgx");
    assert_int_equal(tu_ev_run(&e, text), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_NO_PERMIT);
    assert_int_equal(e.res.outgoing.n, 0);
    assert_string_equal(e.d.reason, "policy.no_permit");
    assert_string_equal(e.d.field, "rule at line 1");
    assert_non_null(strstr(e.d.message, "no claim matched c:[type==\"$is-debuggable\"] "
                                        "(no $is-debuggable claim)"));
    tu_ev_free(&e);
    free(text);
}

static void multi_valued_claims_and_combinations(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "x", "1");
    tu_ev_add_s(&e, "x", "2");
    tu_ev_add_s(&e, "x", "2");
    tu_ev_add_s(&e, "a", "a1");
    tu_ev_add_s(&e, "a", "a2");
    tu_ev_add_s(&e, "b", "b1");
    tu_ev_add_s(&e, "b", "b2");
    tu_ev_add_s(&e, "b", "b3");
    assert_int_equal(tu_ev_run(&e,
                               "version=1.2; authorizationrules { => permit(); }; issuancerules {"
                               "c:[type==\"x\"] => issue(type=\"y\", value=c.value);"
                               "c1:[type==\"a\"] && c2:[type==\"b\"] => add(type=\"pair\", "
                               "value=AppendString(c1.value, c2.value));"
                               "c:[type==\"pair\"] => issue(type=\"pairs\", value=c.value);"
                               "c1:[type==\"a\"] && c2:[type==\"b\"] => add(type=\"once\", "
                               "value=1);"
                               "c1:[type==\"a\"] && [type==\"b\"] => add(type=\"per_a\", "
                               "value=c1.value);"
                               "c1:[type==\"a\"] && c2:[type==\"b\"] => add(type=\"sub\", "
                               "value=IsSubsetOf(c1.value, c2.value));"
                               "};"),
                     ATT_OK);
    /* one issue per x claim; the duplicate value is issued once */
    assert_int_equal(tu_claim_count(&e.res.incoming, "y"), 3);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "y"), 2);
    /* every combination of a and b, in order */
    assert_int_equal(tu_claim_count(&e.res.incoming, "pair"), 6);
    static const char *const pairs[] = {"a1b1", "a1b2", "a1b3", "a2b1", "a2b2", "a2b3"};
    for (size_t i = 0; i < 6; i++)
        assert_string_equal(tu_claim_nth(&e.res.incoming, "pair", i)->str, pairs[i]);
    /* labels not referenced, or used only as whole sets, do not multiply the action */
    assert_int_equal(tu_claim_count(&e.res.incoming, "once"), 1);
    assert_int_equal(tu_claim_count(&e.res.incoming, "per_a"), 2);
    assert_int_equal(tu_claim_count(&e.res.incoming, "sub"), 1);
    assert_int_equal(tu_claim_nth(&e.res.incoming, "sub", 0)->b, 0);
    json_t *tok = att__claims_token_json(&e.res.outgoing);
    json_t *ys = json_object_get(tok, "y");
    assert_true(json_is_array(ys));
    assert_int_equal(json_array_size(ys), 2);
    assert_string_equal(json_string_value(json_array_get(ys, 1)), "2");
    assert_int_equal(json_array_size(json_object_get(tok, "pairs")), 6);
    json_decref(tok);
    tu_ev_free(&e);
}

static void labels_in_conditions_join(void **state)
{
    /* The claim-rule grammar doc's example: F1.value used in a later condition. */
    tu_ev e;
    tu_ev_init(&e);
    assert_int_equal(att__claims_add_string(&e.in, "OSName", "Windows", ATT_ISSUER_CUSTOM), ATT_OK);
    tu_ev_add_s(&e, "OSName", "Linux");
    tu_ev_add_s(&e, "OSName", "Windows");
    assert_int_equal(
        tu_ev_run(&e, "version=1.0; authorizationrules { => permit(); }; issuancerules {\n"
                      "F1:[type==\"OSName\", issuer==\"CustomClaim\"] &&\n"
                      "[type==\"OSName\", issuer==\"AttestationService\", value==F1.value]\n"
                      "=> issueproperty(type=\"report_validity_in_minutes\", value=1440);\n"
                      "F1:[type==\"OSName\", issuer==\"CustomClaim\"] &&\n"
                      "C2:[type==\"OSName\", issuer==\"AttestationService\", value==F1.value]\n"
                      "=> issue(claim=C2);\n"
                      "F1:[type==\"OSName\", issuer==\"CustomClaim\"] &&\n"
                      "[type==\"OSName\", issuer==\"AttestationService\", value!=F1.value]\n"
                      "=> issue(type=\"other\", value=true); };"),
        ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "OSName"), 1);
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "OSName", 0)->str, "Windows");
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "OSName", 0)->issuer, ATT_ISSUER_POLICY);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "other"), 1);
    assert_int_equal(e.res.props.report_validity_in_minutes, 1440);
    tu_ev_free(&e);
}

static void add_and_issue_visibility(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    tu_ev_add_s(&e, "self", "s");
    assert_int_equal(
        tu_ev_run(&e,
                  "version=1.0; authorizationrules {\n"
                  "=> add(type=\"authAdded\", value=\"x\");\n"
                  "=> issue(type=\"authIssued\", value=1);\n"
                  "[type==\"authAdded\", issuer==\"AttestationPolicy\"] => permit(); };\n"
                  "issuancerules {\n"
                  "[type==\"later\"] => issue(type=\"seenEarly\", value=true);\n"
                  "=> add(type=\"later\", value=1);\n"
                  "[type==\"later\"] => issue(type=\"seen\", value=true);\n"
                  "=> issue(type=\"issued\", value=\"v\");\n"
                  "[type==\"issued\", issuer==\"AttestationPolicy\"] => issue(type=\"seenIssued\", "
                  "value=true);\n"
                  "c:[type==\"self\"] => add(type=\"self\", value=c.value);\n"
                  "[type==\"authIssued\"] => issue(type=\"seenAuth\", value=true); };"),
        ATT_OK);
    const att__claimset *out = &e.res.outgoing;
    assert_int_equal(tu_claim_count(out, "seenEarly"),
                     0); /* a rule sees only what came before it */
    assert_int_equal(tu_claim_count(out, "seen"), 1);
    assert_int_equal(tu_claim_count(out, "later"), 0); /* add() never reaches the token */
    assert_int_equal(tu_claim_count(&e.res.incoming, "later"), 1);
    assert_int_equal(tu_claim_count(out, "issued"), 1); /* issue() goes to both sets */
    assert_int_equal(tu_claim_count(out, "seenIssued"), 1);
    assert_int_equal(tu_claim_count(out, "authIssued"),
                     0); /* issue() in authorizationrules = add() */
    assert_int_equal(tu_claim_count(out, "seenAuth"), 1);
    assert_int_equal(tu_claim_count(&e.res.incoming, "self"), 2); /* not its own additions */
    assert_string_equal(tu_claim_nth(&e.res.incoming, "later", 0)->issuer, ATT_ISSUER_POLICY);
    tu_ev_free(&e);
}

static void absence_operator(void **state)
{
    const char *pol =
        "version=1.2; authorizationrules { ![type==\"bad\"] => permit(); };"
        "issuancerules { ![type==\"a\", value==1] => issue(type=\"noA1\", value=true);"
        "![type==\"zzz\"] && c:[type==\"a\"] => issue(type=\"copy\", value=c.value);"
        "};";
    tu_ev e;
    tu_ev_init(&e);
    add_i(&e, "a", 2);
    assert_int_equal(tu_ev_run(&e, pol), ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "noA1"), 1);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "copy"), 1);
    tu_ev_free(&e);
    tu_ev_init(&e);
    add_i(&e, "a", 1);
    tu_ev_add_s(&e, "bad", "yes");
    assert_int_equal(tu_ev_run(&e, pol), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_NO_PERMIT);
    assert_non_null(strstr(e.d.message, "a claim matched the negated condition ![type==\"bad\"] "
                                        "(bad = \"yes\")"));
    tu_ev_free(&e);
}

static void operators_and_types(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    add_i(&e, "n", 5);
    tu_ev_add_s(&e, "s", "abc");
    tu_ev_add_s(&e, "s5", "5");
    add_b(&e, "b", 1);
    assert_int_equal(
        tu_ev_run(
            &e,
            "version=1.0; authorizationrules { => permit(); }; issuancerules {"
            "[type==\"n\", value==5] => issue(type=\"t\", value=\"eq5\");"
            "[type==\"n\", value==4] => issue(type=\"f\", value=\"eq4\");"
            "[type==\"n\", value!=4] => issue(type=\"t\", value=\"ne4\");"
            "[type==\"n\", value!=5] => issue(type=\"f\", value=\"ne5\");"
            "[type==\"n\", value<6] => issue(type=\"t\", value=\"lt6\");"
            "[type==\"n\", value<5] => issue(type=\"f\", value=\"lt5\");"
            "[type==\"n\", value<=5] => issue(type=\"t\", value=\"le5\");"
            "[type==\"n\", value<=4] => issue(type=\"f\", value=\"le4\");"
            "[type==\"n\", value>4] => issue(type=\"t\", value=\"gt4\");"
            "[type==\"n\", value>5] => issue(type=\"f\", value=\"gt5\");"
            "[type==\"n\", value>=5] => issue(type=\"t\", value=\"ge5\");"
            "[type==\"n\", value>=6] => issue(type=\"f\", value=\"ge6\");"
            "[type==\"n\", value>=-9223372036854775808, value<=9223372036854775807] => "
            "issue(type=\"t\", value=\"range\");"
            "[type==\"s\", value==\"abc\"] => issue(type=\"t\", value=\"seq\");"
            "[type==\"s\", value!=\"abd\"] => issue(type=\"t\", value=\"sne\");"
            "[type==\"s\", value==\"ABC\"] => issue(type=\"f\", value=\"case\");"
            "[type==\"b\", value==true] => issue(type=\"t\", value=\"btrue\");"
            "[type==\"b\", value!=false] => issue(type=\"t\", value=\"bnf\");"
            "[type==\"b\", value==false] => issue(type=\"f\", value=\"bfalse\");"
            /* a type mismatch never matches, whatever the operator */
            "[type==\"s5\", value==5] => issue(type=\"f\", value=\"mis1\");"
            "[type==\"s5\", value!=5] => issue(type=\"f\", value=\"mis2\");"
            "[type==\"n\", value==\"5\"] => issue(type=\"f\", value=\"mis3\");"
            "[type==\"b\", value!=1] => issue(type=\"f\", value=\"mis4\");"
            "c:[type==\"s\"] && [type==\"n\", value<c.value] => issue(type=\"f\", "
            "value=\"mis5\");"
            "[type==\"n\", valueType==\"Integer\"] => issue(type=\"t\", value=\"vtI\");"
            "[type==\"s\", valueType!=\"Integer\"] => issue(type=\"t\", value=\"vtS\");"
            "[type==\"n\", issuer==\"AttestationService\"] => issue(type=\"t\", value=\"iss\");"
            "[type==\"n\", issuer!=\"AttestationService\"] => issue(type=\"f\", value=\"iss2\");"
            "[type!=\"n\", type!=\"s\", type!=\"s5\", type!=\"t\", type!=\"b\"] => "
            "issue(type=\"f\", value=\"tne\");"
            "};"),
        ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "f"), 0);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "t"), 14);
    tu_ev_free(&e);
}

static void deny_wins_over_permit(void **state)
{
    const char *pol = "version=1.0;\nauthorizationrules {\n=> permit();\n"
                      "[type==\"x-ms-sgx-is-debuggable\", value==true] => deny();\n"
                      "=> add(type=\"after\", value=1);\n};\n"
                      "issuancerules { => issue(type=\"i\", value=1); };";
    tu_ev e;
    tu_ev_init(&e);
    add_b(&e, "x-ms-sgx-is-debuggable", 1);
    assert_int_equal(tu_ev_run(&e, pol), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_DENY);
    assert_string_equal(e.d.reason, "policy.deny");
    assert_string_equal(e.d.field, "rule at line 4");
    assert_string_equal(e.d.message,
                        "Policy Engine Exception: A Deny claim was issued, authorization failed. "
                        "(rule at line 4: [type==\"x-ms-sgx-is-debuggable\", value==true] => "
                        "deny())");
    assert_int_equal(e.res.outgoing.n, 0);                         /* issuance never ran */
    assert_int_equal(tu_claim_count(&e.res.incoming, "after"), 0); /* nor rules after the deny */
    json_t *x = att__policy_explain_json(&e.res);
    json_t *m = json_object_get(json_object_get(x, "deciding_rule"), "matched");
    assert_int_equal(json_array_size(m), 1);
    json_t *cl = json_object_get(json_array_get(m, 0), "claim");
    assert_string_equal(json_string_value(json_object_get(cl, "type")), "x-ms-sgx-is-debuggable");
    assert_true(json_is_true(json_object_get(cl, "value")));
    assert_string_equal(json_string_value(json_object_get(x, "decision")), "deny");
    json_decref(x);
    tu_ev_free(&e);
    tu_ev_init(&e);
    add_b(&e, "x-ms-sgx-is-debuggable", 0);
    assert_int_equal(tu_ev_run(&e, pol), ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "i"), 1);
    tu_ev_free(&e);
    /* deny.all sample */
    char *text = tu_read_shared_text("vectors/maa/azure-samples/policies/deny.all.txt", NULL);
    tu_ev_init(&e);
    assert_int_equal(tu_ev_run(&e, text), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_DENY);
    assert_non_null(strstr(e.d.message, "(rule at line 5: =>deny())"));
    tu_ev_free(&e);
    free(text);
}

static void no_permit_is_explained(void **state)
{
    char *text = tu_read_shared_text(
        "vectors/maa/azure-security-docs/policies/claim-sets.01.policy.txt", NULL);
    tu_ev e;
    tu_ev_init(&e);
    add_b(&e, "x-ms-sgx-is-debuggable", 0);
    tu_ev_add_s(&e, "x-ms-sgx-mrsigner", "mrsigner3");
    assert_int_equal(tu_ev_run(&e, text), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_NO_PERMIT);
    assert_string_equal(e.d.reason, "policy.no_permit");
    assert_string_equal(e.d.field, "rule at line 4");
    assert_string_equal(
        e.d.message, "Policy Engine Exception: No permit claim was issued, authorization failed. "
                     "(rule at line 4: no claim matched [ type==\"x-ms-sgx-mrsigner\", "
                     "value==\"mrsigner1\"] (x-ms-sgx-mrsigner: \"mrsigner3\"); rule at line 6: "
                     "no claim matched [ type==\"x-ms-sgx-mrsigner\", value==\"mrsigner2\"] "
                     "(x-ms-sgx-mrsigner: \"mrsigner3\"))");
    json_t *x = att__policy_explain_json(&e.res);
    json_t *rules = json_object_get(x, "rules");
    assert_int_equal(json_array_size(rules), 2);
    json_t *r0 = json_array_get(rules, 0);
    assert_int_equal(json_integer_value(json_object_get(r0, "line")), 4);
    assert_int_equal(json_integer_value(json_object_get(r0, "fired")), 0);
    json_t *fc = json_object_get(r0, "failed_condition");
    assert_int_equal(json_integer_value(json_object_get(fc, "index")), 1);
    assert_string_equal(json_string_value(json_object_get(fc, "type")), "x-ms-sgx-mrsigner");
    assert_string_equal(json_string_value(json_object_get(fc, "failed_test")),
                        "value==\"mrsigner1\"");
    json_t *present = json_object_get(fc, "present");
    assert_int_equal(json_array_size(present), 1);
    assert_string_equal(json_string_value(json_array_get(present, 0)), "mrsigner3");
    json_decref(x);
    tu_ev_free(&e);
    free(text);

    /* The first condition fails on its type test when the claim is absent. */
    tu_ev_init(&e);
    assert_int_equal(tu_ev_run(&e, "version=1.0; authorizationrules { [type==\"a\", value==1] => "
                                   "permit(); => add(type=\"z\", value=1); };"),
                     ATT_EPOLICY);
    x = att__policy_explain_json(&e.res);
    fc = json_object_get(json_array_get(json_object_get(x, "rules"), 0), "failed_condition");
    assert_string_equal(json_string_value(json_object_get(fc, "failed_test")), "type==\"a\"");
    assert_int_equal(json_integer_value(json_object_get(fc, "present_count")), 0);
    assert_null(json_object_get(json_array_get(json_object_get(x, "rules"), 1),
                                "failed_condition")); /* it fired */
    json_decref(x);
    tu_ev_free(&e);

    tu_ev_init(&e);
    assert_int_equal(tu_ev_run(&e, "version=1.0; authorizationrules { => add(type=\"a\", value=1); "
                                   "};"),
                     ATT_EPOLICY);
    assert_string_equal(e.d.message, "Policy Engine Exception: No permit claim was issued, "
                                     "authorization failed. (authorizationrules have no permit() "
                                     "rule)");
    tu_ev_free(&e);
}

static void properties_and_value_types(void **state)
{
    char *text = tu_read_shared_text(
        "vectors/maa/azure-security-docs/policies/policy-version-1-1.00.policy.txt", NULL);
    tu_ev e;
    tu_ev_init(&e);
    add_b(&e, "aikValidated", 0);
    add_b(&e, "secureBootEnabled", 1);
    add_b(&e, "bootDebuggingDisabled", 1);
    add_b(&e, "notSafeMode", 1);
    assert_int_equal(tu_ev_run(&e, text), ATT_OK);
    assert_int_equal(e.res.props.config.required_pcr_mask, 15);
    assert_int_equal(e.res.props.config.require_valid_aik_cert, 0);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "PlatformAttested", 0)->b, 0);
    tu_ev_free(&e);
    free(text);

    tu_ev_init(&e);
    tu_ev_add_s(&e, "abc", "abc");
    assert_int_equal(
        tu_ev_run(&e, "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                      "=> issueproperty(type=\"report_validity_in_minutes\", value=60);"
                      "=> issueproperty(type=\"omit_x5c\", value=true);"
                      "=> issueproperty(type=\"custom\", value=\"x\");"
                      "=> issue(type=\"n\", value=\"42\", valueType=\"Integer\");"
                      "=> issue(type=\"s\", value=7, valueType=\"String\");"
                      "=> issue(type=\"b\", value=\"true\", valueType=\"Boolean\");"
                      "=> issue(type=\"sb\", value=false, valueType=\"String\");"
                      "[type==\"report_validity_in_minutes\", issuer==\"AttestationPolicy\"] => "
                      "issue(type=\"propSeen\", value=true); };"),
        ATT_OK);
    assert_int_equal(e.res.props.report_validity_in_minutes, 60);
    assert_int_equal(e.res.props.omit_x5c, 1);
    assert_int_equal(e.res.props.issued.n, 3);
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "n", 0)->i, 42);
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "s", 0)->str, "7");
    assert_int_equal(tu_claim_nth(&e.res.outgoing, "b", 0)->vtype, ATT_CV_BOOLEAN);
    assert_string_equal(tu_claim_nth(&e.res.outgoing, "sb", 0)->str, "false");
    assert_int_equal(tu_claim_count(&e.res.outgoing, "propSeen"), 1);
    json_t *pj = att__policy_props_json(&e.res);
    char *s = json_dumps(pj, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(s, "{\"custom\":\"x\",\"omit_x5c\":true,\"report_validity_in_minutes\":60,"
                           "\"require_valid_aik_cert\":true,\"required_pcr_mask\":16777215,"
                           "\"x-ms-sgx-tcbidentifier\":\"azuredefault\"}");
    free(s);
    json_decref(pj);
    /* run-time type errors of properties and conversions fail the evaluation */
    assert_int_equal(tu_ev_run(&e,
                               "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                               "c:[type==\"abc\"] => issueproperty(type=\"omit_x5c\", "
                               "value=c.value); };"),
                     ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_ERROR);
    assert_string_equal(e.d.reason, "policy.property");
    assert_non_null(strstr(e.d.message, "omit_x5c takes a Boolean"));
    assert_int_equal(tu_ev_run(&e,
                               "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                               "c:[type==\"abc\"] => issue(type=\"n\", value=c.value, "
                               "valueType=\"Integer\"); };"),
                     ATT_EPOLICY);
    assert_string_equal(e.d.reason, "policy.function");
    assert_string_equal(e.d.message,
                        "Policy Engine Exception: the value cannot be converted to Integer (at "
                        "line 1, column 107), in rule at line 1: c:[type==\"abc\"] => "
                        "issue(type=\"n\", value=c.value, valueType=\"Integer\")");
    tu_ev_free(&e);
}

static void read_only_claims(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    json_t *pcrs = json_pack("{s:[{s:i,s:{s:s}}]}", "PCRs", "Index", 0, "Digests", "SHA256", "aa");
    assert_int_equal(att__claims_add_json(&e.in, "pcrs", pcrs, NULL, ATT_CLAIM_READONLY), ATT_OK);
    json_decref(pcrs);
    const char *base = "version=1.2; authorizationrules {"
                       "c:[type==\"pcrs\"] => add(type=\"pcr0\", value=JsonToClaimValue("
                       "JmesPath(c.value, \"PCRs[?Index==`0`].Digests.SHA256 | [0]\")));"
                       "[type==\"pcr0\", value==\"aa\"] => permit(); }; issuancerules {";
    char pol[1024];
    snprintf(pol, sizeof(pol), "%s [type==\"pcr0\"] => issue(type=\"ok\", value=true); };", base);
    assert_int_equal(tu_ev_run(&e, pol), ATT_OK);
    assert_true(tu_claim_nth(&e.res.incoming, "pcr0", 0)->flags & ATT_CLAIM_READONLY);
    assert_int_equal(tu_claim_count(&e.res.outgoing, "ok"), 1);
    snprintf(pol, sizeof(pol), "%s c:[type==\"pcr0\"] => issue(type=\"leak\", value=c.value); };",
             base);
    assert_int_equal(tu_ev_run(&e, pol), ATT_EPOLICY);
    assert_string_equal(e.d.reason, "policy.readonly");
    assert_non_null(strstr(e.d.message, "cannot issue 'leak'"));
    snprintf(pol, sizeof(pol), "%s c:[type==\"pcrs\"] => issue(claim=c); };", base);
    assert_int_equal(tu_ev_run(&e, pol), ATT_EPOLICY);
    assert_string_equal(e.d.reason, "policy.readonly");
    tu_ev_free(&e);
}

static void limits_fail_cleanly(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    char name[16];
    for (int i = 0; i < 100; i++) {
        snprintf(name, sizeof(name), "v%d", i);
        tu_ev_add_s(&e, "a", name);
        tu_ev_add_s(&e, "b", name);
    }
    const char *combos = "version=1.2; authorizationrules { => permit(); }; issuancerules {\n"
                         "c1:[type==\"a\"] && c2:[type==\"b\"] => add(type=\"x\", "
                         "value=AppendString(c1.value, c2.value)); };";
    assert_int_equal(tu_ev_run(&e, combos), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_ERROR);
    assert_string_equal(e.d.reason, "policy.limit");
    assert_string_equal(e.d.field, "rule at line 2");
    assert_non_null(strstr(e.d.message, "more than 4096 claim combinations"));
    const char *search = "version=1.2; authorizationrules { c1:[type==\"a\"] && c2:[type==\"b\"] "
                         "&& c3:[type==\"a\"] && [type==\"none\"] => add(type=\"x\", "
                         "value=AppendString(c1.value, AppendString(c2.value, c3.value))); "
                         "=> permit(); };";
    assert_int_equal(tu_ev_run(&e, search), ATT_EPOLICY);
    assert_string_equal(e.d.reason, "policy.limit");
    assert_non_null(strstr(e.d.message, "examined more than"));
    tu_ev_free(&e);
    /* exactly the limit is fine: 64 x 64 = 4096 */
    tu_ev_init(&e);
    for (int i = 0; i < 64; i++) {
        snprintf(name, sizeof(name), "v%d", i);
        tu_ev_add_s(&e, "a", name);
        tu_ev_add_s(&e, "b", name);
    }
    assert_int_equal(tu_ev_run(&e, combos), ATT_OK);
    assert_int_equal(tu_claim_count(&e.res.incoming, "x"), 4096);
    tu_ev_free(&e);
    /* a policy that doubles a string rule after rule exhausts the request's memory budget:
     * an evaluation error of the policy, not an internal error */
    char pol[4096];
    size_t o = (size_t)snprintf(pol, sizeof(pol),
                                "version=1.2; authorizationrules { => permit(); }; issuancerules {"
                                "=> add(type=\"s0\", value=\"%0512d\");",
                                0);
    for (int i = 0; i < 24; i++)
        o += (size_t)snprintf(pol + o, sizeof(pol) - o,
                              "c:[type==\"s%d\"] => add(type=\"s%d\", value=AppendString(c.value, "
                              "c.value));",
                              i, i + 1);
    snprintf(pol + o, sizeof(pol) - o, "};");
    tu_ev_init(&e);
    assert_int_equal(tu_ev_run(&e, pol), ATT_EPOLICY);
    assert_int_equal(e.res.decision, ATT_POLICY_ERROR);
    assert_string_equal(e.d.reason, "policy.limit");
    assert_non_null(strstr(e.d.message, "needs more memory than a request may use"));
    tu_ev_free(&e);
}

static void input_is_not_modified_and_reusable(void **state)
{
    tu_ev e;
    tu_ev_init(&e);
    add_i(&e, "n", 1);
    const char *pol = "version=1.0; authorizationrules { => permit(); }; issuancerules {"
                      "c:[type==\"n\"] => issue(type=\"m\", value=c.value); };";
    assert_int_equal(tu_ev_run(&e, pol), ATT_OK);
    assert_int_equal(e.in.n, 1);
    att__policy_result again;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__policy_eval(e.p, &e.in, &e.a, &again, &d), ATT_OK);
    assert_int_equal(again.outgoing.n, 1);
    assert_int_equal(again.incoming.n, 2);
    assert_int_equal(att__policy_eval(NULL, &e.in, &e.a, &again, &d), ATT_EINVAL);
    tu_ev_free(&e);
}

typedef struct worker {
    const att__policy_prog *p;
    const json_t *payload;
    int failures;
} worker;

static void *eval_many(void *arg)
{
    worker *w = arg;
    for (int i = 0; i < 300; i++) {
        tu_ev e;
        tu_ev_init(&e);
        sgx_claims_from(&e, w->payload);
        att_diag d;
        att_diag_clear(&d);
        if (att__policy_eval(w->p, &e.in, &e.a, &e.res, &d) != ATT_OK || e.res.outgoing.n != 6)
            w->failures++;
        att__arena_free(&e.a);
    }
    return NULL;
}

static void concurrent_evaluation_of_one_program(void **state)
{
    char *text =
        tu_read_shared_text("vectors/maa/default-policies/sgx-default-2022.policy.txt", NULL);
    att__policy_prog *p;
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__policy_compile(text, strlen(text), &p, &d), ATT_OK);
    json_t *payload = real_token_payload();
    pthread_t t[4];
    worker w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker){.p = p, .payload = payload};
        assert_int_equal(pthread_create(&t[i], NULL, eval_many, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    json_decref(payload);
    att__policy_prog_free(p);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_sgx_policy_reproduces_real_token),
        cmocka_unit_test(legacy_sgx_policy_needs_its_claim),
        cmocka_unit_test(multi_valued_claims_and_combinations),
        cmocka_unit_test(labels_in_conditions_join),
        cmocka_unit_test(add_and_issue_visibility),
        cmocka_unit_test(absence_operator),
        cmocka_unit_test(operators_and_types),
        cmocka_unit_test(deny_wins_over_permit),
        cmocka_unit_test(no_permit_is_explained),
        cmocka_unit_test(properties_and_value_types),
        cmocka_unit_test(read_only_claims),
        cmocka_unit_test(limits_fail_cleanly),
        cmocka_unit_test(input_is_not_modified_and_reusable),
        cmocka_unit_test(concurrent_evaluation_of_one_program),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
