/* Unit tests for the policy language front end (src/policy: lex.c, parse.c, compile.c):
 * every MAA documentation and default policy under ../shared/vectors/maa, the doc typos that
 * must fail (with line and column), version gating, semantic checks, configuration
 * properties and limits. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "policy/policy.h"

static att__policy_prog *compile_ok(const char *text)
{
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog *p = NULL;
    int rc = att__policy_compile(text, strlen(text), &p, &d);
    if (rc != ATT_OK)
        fail_msg("policy does not compile: %s\n%s", d.message, text);
    return p;
}

/* Expects compilation to fail with err and reason at line:col (0: not checked), with
 * `needle` in the message. */
static void compile_fails_n(const char *text, size_t n, int err, const char *reason, unsigned line,
                            unsigned col, const char *needle)
{
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog *p = (att__policy_prog *)1;
    int rc = att__policy_compile(text, n, &p, &d);
    if (rc == ATT_OK)
        fail_msg("policy compiled but should not:\n%s", text);
    assert_null(p);
    assert_int_equal(rc, err);
    assert_string_equal(d.reason, reason);
    if (line) {
        char field[48];
        snprintf(field, sizeof(field), "line %u column %u", line, col);
        if (strcmp(d.field, field) != 0)
            fail_msg("error at '%s', expected '%s': %s", d.field, field, d.message);
    }
    if (needle && !strstr(d.message, needle))
        fail_msg("message lacks '%s': %s", needle, d.message);
    assert_null(strchr(d.message, '\n'));
}

/* As compile_fails_n, with the error expected at the first occurrence of `at` in text
 * ("" : at the end of the text; NULL: position not checked). */
static void compile_fails(const char *text, int err, const char *reason, const char *at,
                          const char *needle)
{
    unsigned line = 0, col = 0;
    if (at) {
        const char *pos = at[0] ? strstr(text, at) : text + strlen(text);
        assert_non_null(pos);
        line = 1, col = 1;
        for (const char *q = text; q < pos; q++) {
            if (*q == '\n')
                line++, col = 1;
            else if (((unsigned char)*q & 0xC0) != 0x80)
                col++;
        }
    }
    compile_fails_n(text, strlen(text), err, reason, line, col, needle);
}

/* The doc typos listed in vectors/maa/README.md, where they fail and why. */
static const struct {
    const char *name;
    unsigned line, col;
    const char *needle;
} typos[] = {
    /* c:[type="secureBootEnabled", ...] */
    {"author-sign-policy.00", 4, 12, "mismatched input '=' expecting one of '=='"},
    /* value = "11<U+201D>: the string never ends on its line */
    {"custom-tcb-baseline-enforcement.02", 5, 42, "unterminated string literal"},
    /* issue("PlatformAttested", value=true) */
    {"policy-version-1-2.00", 23, 51, "expecting 'type', 'value', 'valueType' or 'claim'"},
    /* issuer="AttestationPolicy" */
    {"claim-rule-functions.35", 13, 38, "mismatched input '='"},
    /* value==<product-id> */
    {"policy-examples.00", 5, 50, "mismatched input '<'"},
};

static const char *const doc_policies[] = {
    "author-sign-policy.00",
    "author-sign-policy.02",
    "author-sign-policy.03",
    "author-sign-policy.04",
    "claim-rule-functions.35",
    "claim-sets.00",
    "claim-sets.01",
    "claim-sets.02",
    "custom-tcb-baseline-enforcement.02",
    "policy-examples.00",
    "policy-examples.01",
    "policy-examples.02",
    "policy-version-1-0.00",
    "policy-version-1-1.00",
    "policy-version-1-2.00",
    "tpm-attestation-concepts.00",
    "tpm-attestation-concepts.01",
    "tpm-attestation-concepts.02",
    "tpm-attestation-concepts.03",
    "tpm-attestation-sample-policies.00",
    "tpm-attestation-sample-policies.01",
    "tpm-attestation-sample-policies.02",
    "tpm-attestation-sample-policies.03",
    "tpm-attestation-sample-policies.04",
    "tpm-attestation-sample-policies.05",
    "tpm-attestation-sample-policies.06",
    "tpm-attestation-sample-policies.07",
    "tpm-attestation-sample-policies.08",
    "tpm-attestation-sample-policies.09",
};

static void doc_policies_parse_or_fail_as_documented(void **state)
{
    size_t ok = 0, failed = 0;
    for (size_t i = 0; i < sizeof(doc_policies) / sizeof(doc_policies[0]); i++) {
        char rel[160];
        snprintf(rel, sizeof(rel), "vectors/maa/azure-security-docs/policies/%s.policy.txt",
                 doc_policies[i]);
        size_t n;
        char *text = tu_read_shared_text(rel, &n);
        int typo = -1;
        for (size_t t = 0; t < sizeof(typos) / sizeof(typos[0]); t++)
            if (strcmp(typos[t].name, doc_policies[i]) == 0)
                typo = (int)t;
        if (typo >= 0) {
            compile_fails_n(text, n, ATT_EPARSE, "policy.syntax", typos[typo].line, typos[typo].col,
                            typos[typo].needle);
            failed++;
        } else {
            att_diag d;
            att_diag_clear(&d);
            att__policy_prog *p = NULL;
            if (att__policy_compile(text, n, &p, &d) != ATT_OK)
                fail_msg("%s does not compile: %s", doc_policies[i], d.message);
            att__policy_prog_free(p);
            ok++;
        }
        free(text);
    }
    assert_int_equal(ok, 24);
    assert_int_equal(failed, 5);
}

static void default_and_sample_policies_parse(void **state)
{
    static const char *const rels[] = {
        "vectors/maa/default-policies/minimal-permit.policy.txt",
        "vectors/maa/default-policies/sgx-default-2020-legacy.policy.txt",
        "vectors/maa/default-policies/sgx-default-2022.policy.txt",
        "vectors/maa/azure-samples/policies/add.custom.claim.txt",
        "vectors/maa/azure-samples/policies/deny.all.txt",
        "vectors/maa/azure-samples/policies/permit.secure.boot.txt",
    };
    for (size_t i = 0; i < sizeof(rels) / sizeof(rels[0]); i++) {
        size_t n;
        char *text = tu_read_shared_text(rels[i], &n);
        att_diag d;
        att_diag_clear(&d);
        att__policy_prog *p = NULL;
        if (att__policy_compile(text, n, &p, &d) != ATT_OK)
            fail_msg("%s does not compile: %s", rels[i], d.message);
        unsigned major, minor;
        att__policy_prog_version(p, &major, &minor);
        assert_int_equal(major, 1);
        assert_int_equal(minor, 0);
        att__policy_prog_free(p);
        free(text);
    }
    size_t n;
    char *text =
        tu_read_shared_text("vectors/maa/default-policies/sgx-default-2022.policy.txt", &n);
    att__policy_prog *p = compile_ok(text);
    assert_int_equal(att__policy_prog_rule_count(p, ATT_POLICY_CONFIGURATION), 0);
    assert_int_equal(att__policy_prog_rule_count(p, ATT_POLICY_AUTHORIZATION), 1);
    assert_int_equal(att__policy_prog_rule_count(p, ATT_POLICY_ISSUANCE), 6);
    att__policy_prog_free(p);
    free(text);
}

static void parse_errors_name_position_and_expectation(void **state)
{
    /* MAA's own example: the ';' after the version is missing. */
    compile_fails("version=1.0\n[type==\"a\"] => permit();", ATT_EPARSE, "policy.syntax", "[",
                  "Offending symbol: '[' Line: '2', Column: '1': mismatched input '[' expecting "
                  "';' (Failing rule: 'policy > versionInfo')");
    compile_fails("", ATT_EPARSE, "policy.syntax", "",
                  "mismatched input '<EOF>' expecting 'version'");
    compile_fails("version=1.0;", ATT_EPARSE, "policy.syntax", "",
                  "expecting 'authorizationrules'");
    compile_fails("version=1.1;", ATT_EPARSE, "policy.syntax", "",
                  "expecting 'configurationrules' or 'authorizationrules'");
    compile_fails("version=1.0; authorizationrules { => permit() };", ATT_EPARSE, "policy.syntax",
                  "}", "mismatched input '}' expecting ';'");
    compile_fails("version=1.0; authorizationrules { => permit(); }", ATT_EPARSE, "policy.syntax",
                  "", "'<EOF>' expecting ';'");
    compile_fails("version=1.0; authorizationrules { => permit(); }; x", ATT_EPARSE,
                  "policy.syntax", "x", "expecting 'issuancerules' or end of input");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules {}; x",
                  ATT_EPARSE, "policy.syntax", "x", "expecting end of input");
    compile_fails("version=1.0; authorizationrules { [type==\"a\"] permit(); };", ATT_EPARSE,
                  "policy.syntax", "permit", "expecting '&&' or '=>'");
    compile_fails("version=1.0; authorizationrules { [type==\"a\"] && permit(); };", ATT_EPARSE,
                  "policy.syntax", "permit", "'=>' before the action");
    compile_fails("version=1.0; authorizationrules { => allow(); };", ATT_EPARSE, "policy.syntax",
                  "allow(", "expecting 'permit', 'deny', 'add', 'issue' or 'issueproperty'");
    compile_fails("version=1.0; authorizationrules { => permit(1); };", ATT_EPARSE, "policy.syntax",
                  "1)", "take no arguments");
    compile_fails("version=1.0; authorizationrules { [] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "]", "expecting 'type', 'value', 'valueType' or 'issuer'");
    compile_fails("version=1.0; authorizationrules { [kind==\"a\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "kind=", "mismatched input 'kind'");
    compile_fails("version=1.0; authorizationrules { => add(type==\"a\", value=1); };", ATT_EPARSE,
                  "policy.syntax", "==", "actions assign with '='");
    compile_fails("version=1.0; authorizationrules { => add(type=\"a\"); };", ATT_EPARSE,
                  "policy.syntax", ")", "missing value=");
    compile_fails("version=1.0; authorizationrules { => add(type=\"a\", type=\"b\", value=1); };",
                  ATT_EPARSE, "policy.syntax", "type=\"b", "'type' is given twice");
    compile_fails("version=1.0; authorizationrules { => add(type=\"a\", value=1, "
                  "valueType=\"Int\"); };",
                  ATT_EPARSE, "policy.syntax", "\"Int\"", "\"String\", \"Integer\" or \"Boolean\"");
    compile_fails("version=1.0; authorizationrules { [type==True] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "True]", "keywords are case-sensitive: write 'true'");
    compile_fails("version=1.0; authorizationrules { [type=='a'] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "'", "strings are written in double quotes");
    compile_fails("version=1.0; authorizationrules { [type==\"a\"] & [type==\"b\"] => permit(); };",
                  ATT_EPARSE, "policy.syntax", "&", "'&&'");
    /* columns count characters, not bytes */
    compile_fails(
        "version=1.0; authorizationrules { [type==\"\xC3\xA9\xC3\xA9\" x] => permit(); };",
        ATT_EPARSE, "policy.syntax", "x]", "expecting ',' or ']'");
    /* line numbers across comments and CRLF */
    compile_fails("version=1.0;\r\n// comment\r\nauthorizationrules {\r\n  => permit()\r\n};",
                  ATT_EPARSE, "policy.syntax", "}", "expecting ';'");
}

static void keywords_are_lower_case(void **state)
{
    compile_fails("Version=1.0; authorizationrules { => permit(); };", ATT_EPARSE, "policy.syntax",
                  "Versio", "keywords are case-sensitive: write 'version'");
    compile_fails("version=1.0; AuthorizationRules { => permit(); };", ATT_EPARSE, "policy.syntax",
                  "Author", "write 'authorizationrules'");
    compile_fails("version=1.0; authorizationrules { => permit(); }; Issuancerules { };",
                  ATT_EPARSE, "policy.syntax", "Issuan", "write 'issuancerules'");
    compile_fails("version=1.0; authorizationrules { => Permit(); };", ATT_EPARSE, "policy.syntax",
                  "Permit", "write 'permit'");
    compile_fails("version=1.0; authorizationrules { [Type==\"a\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "Type=", "write 'type'");
    compile_fails("version=1.2; authorizationrules { => add(type=\"a\", value=jmespath(\"1\", "
                  "\"@\")); };",
                  ATT_EPARSE, "policy.semantic", "jmespa", "unknown function 'jmespath'");
}

static void lexical_rules(void **state)
{
    /* escapes, negative integers, comments in 1.0, a BOM, whitespace variants */
    att__policy_prog *p =
        compile_ok("\xEF\xBB\xBFversion = 1.0 ;// c\nauthorizationrules{[type==\"a\\\"b\\\\c\\u00e9"
                   "\\uD83D\\uDE00\\n\\t\\/\", value==-42]=>permit();};");
    att__policy_prog_free(p);
    compile_fails("version=1.0; authorizationrules { [value==0x10] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "0x10]", "hexadecimal integers are not supported");
    compile_fails("version=1.0; authorizationrules { [value==9223372036854775808] => permit(); "
                  "};",
                  ATT_EPARSE, "policy.syntax", "922337", "integer literal out of range");
    p = compile_ok("version=1.0; authorizationrules { [value==-9223372036854775808] => permit(); "
                   "};");
    att__policy_prog_free(p);
    compile_fails("version=1.0; authorizationrules { [type==\"a\\q\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "\\", "invalid escape sequence");
    compile_fails("version=1.0; authorizationrules { [type==\"\\u00\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "\\", "4 hexadecimal digits");
    compile_fails("version=1.0; authorizationrules { [type==\"\\u0000\"] => permit(); };",
                  ATT_EPARSE, "policy.syntax", "\\", "\\u0000 is not allowed");
    compile_fails("version=1.0; authorizationrules { [type==\"\\uD800x\"] => permit(); };",
                  ATT_EPARSE, "policy.syntax", "\\", "without a low surrogate");
    compile_fails("version=1.0; authorizationrules { [type==\"\\uDC00\"] => permit(); };",
                  ATT_EPARSE, "policy.syntax", "\\", "unpaired");
    compile_fails("version=1.0; authorizationrules { [type==\"a\nb\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "\"", "unterminated string literal");
    compile_fails("version=1.0; authorizationrules { [type==\"a\x01\"] => permit(); };", ATT_EPARSE,
                  "policy.syntax", "\x01", "control character 0x01");
    compile_fails("version=1.0; authorizationrules { => permit(); }; # x", ATT_EPARSE,
                  "policy.syntax", "#", "unexpected character '#'");
    compile_fails("version=1.0; authorizationrules { [type==\"a\"] || [type==\"b\"] => permit(); "
                  "};",
                  ATT_EPARSE, "policy.syntax", "|", "there is no '||'");
    compile_fails("version=1.0; /* c */ authorizationrules { => permit(); };", ATT_EPARSE,
                  "policy.syntax", "/", "comments start with '//'");
    static const char nul[] = "version=1.0; authorizationrules { => permit(); };\0";
    compile_fails_n(nul, sizeof(nul) - 1, ATT_EPARSE, "policy.syntax", 1, 50, "NUL byte");
    compile_fails("version=1.0; authorizationrules { [type==\"\xC3\x28\"] => permit(); };",
                  ATT_EPARSE, "policy.syntax", "\xC3", "not valid UTF-8");
    compile_fails(
        "version=1.0; authorizationrules { [type==\"\xE2\x80\x9D\xE2\x80\x9C] => permit(); "
        "};",
        ATT_EPARSE, "policy.syntax", "\"", "typographic quote");
}

static void versions_and_gating(void **state)
{
    compile_fails("version=1.3; authorizationrules { => permit(); };", ATT_EPARSE,
                  "policy.semantic", "1.", "unsupported policy version 1.3");
    compile_fails("version=2.0; authorizationrules { => permit(); };", ATT_EPARSE,
                  "policy.semantic", "2.", "supported: 1.0, 1.1, 1.2");
    compile_fails("version=1; authorizationrules { => permit(); };", ATT_EPARSE, "policy.syntax",
                  ";", "expecting '.'");
    compile_fails("version=1.0; configurationrules { }; authorizationrules { => permit(); };",
                  ATT_EPARSE, "policy.semantic", "config",
                  "configurationrules requires policy version 1.1 or later (this policy declares "
                  "version 1.0)");
    compile_fails("version=1.1; authorizationrules { => add(type=\"a\", value=NegateBool(true)); "
                  "};",
                  ATT_EPARSE, "policy.semantic", "Negate", "requires policy version 1.2");
    compile_fails("version=1.0; authorizationrules { ![type==\"a\"] => permit(); };", ATT_EPARSE,
                  "policy.semantic", "!", "the '!' (absence) operator requires policy version 1.2");
    compile_fails("version=1.1; authorizationrules { => permit(); }; configurationrules { };",
                  ATT_EPARSE, "policy.syntax", "config", "'issuancerules' or end of input");
    compile_fails("version=1.2; issuancerules { }; authorizationrules { => permit(); };",
                  ATT_EPARSE, "policy.syntax", "issuan", "write");
    unsigned major, minor;
    att__policy_prog *p = compile_ok("version=1.2; configurationrules { }; authorizationrules { "
                                     "=> permit(); }; issuancerules { };");
    att__policy_prog_version(p, &major, &minor);
    assert_int_equal(minor, 2);
    att__policy_prog_free(p);
    /* no issuancerules at all is fine */
    p = compile_ok("version=1.0; authorizationrules { => permit(); };");
    att__policy_prog_free(p);
}

static void semantic_checks(void **state)
{
#define AUTH(x) "version=1.2; authorizationrules { " x " };"
    compile_fails(AUTH("[type==\"a\"] => add(type=\"b\", value=c.value);"), ATT_EPARSE,
                  "policy.semantic", "c.", "unknown label 'c'");
    compile_fails(AUTH("c:[type==\"a\", value==c.value] => permit();"), ATT_EPARSE,
                  "policy.semantic", "c.", "cannot refer to its own label 'c'");
    compile_fails(AUTH("[type==\"a\", value==c.value] && c:[type==\"b\"] => permit();"), ATT_EPARSE,
                  "policy.semantic", "c.", "belongs to a later condition");
    compile_fails(AUTH("c:[type==\"a\"] && c:[type==\"b\"] => permit();"), ATT_EPARSE,
                  "policy.semantic", "c:[type==\"b", "label 'c' is defined twice");
    compile_fails(AUTH("!c:[type==\"a\"] => add(type=\"b\", value=c.value);"), ATT_EPARSE,
                  "policy.semantic", "c.", "negated condition, which binds no claim");
    compile_fails(AUTH("[type==\"a\"] => issue(claim=c);"), ATT_EPARSE, "policy.semantic", "issue(",
                  "unknown label 'c'");
    compile_fails(AUTH("=> add(type=\"a\", value=JmesPath(\"{}\"));"), ATT_EPARSE,
                  "policy.semantic", "JmesPa", "JmesPath() takes 2 arguments, not 1");
    compile_fails(AUTH("=> add(type=\"a\", value=NegateBool(true, false));"), ATT_EPARSE,
                  "policy.semantic", "Negate", "takes 1 argument, not 2");
    compile_fails(AUTH("=> add(type=\"a\", value=NegateBool(\"x\"));"), ATT_EPARSE,
                  "policy.semantic", "\"x\"", "NegateBool() takes a Boolean, not a String");
    compile_fails(AUTH("=> add(type=\"a\", value=AppendString(\"x\", 1));"), ATT_EPARSE,
                  "policy.semantic", "1)", "AppendString() takes Strings, not an Integer");
    compile_fails(AUTH("=> add(type=\"a\", value=JmesPath(\"{}\", 5));"), ATT_EPARSE,
                  "policy.semantic", "5)", "query must be a String");
    compile_fails(AUTH("=> add(type=\"a\", value=JmesPath(\"{}\", \"\"));"), ATT_EPARSE,
                  "policy.semantic", "\"\"", "query is empty");
    compile_fails(AUTH("=> add(type=\"a\", value=JmesPath(\"{}\", \"foo[\"));"), ATT_EPARSE,
                  "policy.jmespath", "\"foo[", "the JmesPath() query does not compile");
    compile_fails(AUTH("[type<\"a\"] => permit();"), ATT_EPARSE, "policy.semantic", "\"",
                  "operator '<' is not defined for type");
    compile_fails(AUTH("[issuer==1] => permit();"), ATT_EPARSE, "policy.semantic", "1]",
                  "issuer is a String and is compared with an Integer");
    compile_fails(AUTH("[valueType==\"Number\"] => permit();"), ATT_EPARSE, "policy.semantic", "\"",
                  "unknown value type");
    compile_fails(AUTH("[value>=\"a\"] => permit();"), ATT_EPARSE, "policy.semantic", "\"",
                  "operator '>=' applies to Integer values only");
    compile_fails(AUTH("[value<true] => permit();"), ATT_EPARSE, "policy.semantic", "true]",
                  "the right-hand side is a Boolean");
    compile_fails(AUTH("=> add(type=5, value=1);"), ATT_EPARSE, "policy.semantic", "5,",
                  "the claim type must be a String");
    compile_fails(AUTH("=> add(type=\"\", value=1);"), ATT_EPARSE, "policy.semantic", "\"",
                  "the claim type is empty");
    compile_fails(AUTH("=> add(type=\"a\", value=\"x\", valueType=\"Integer\");"), ATT_EPARSE,
                  "policy.semantic", "\"x\"", "cannot be converted to Integer");
    compile_fails(AUTH("=> issueproperty(type=\"omit_x5c\", value=true);"), ATT_EPARSE,
                  "policy.semantic", "issuep",
                  "issueproperty() is not allowed in authorizationrules");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules { => deny(); };",
                  ATT_EPARSE, "policy.semantic", "deny(",
                  "deny() is allowed in authorizationrules");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules { => "
                  "issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"13\"); };",
                  ATT_EPARSE, "policy.semantic", "\"", "is a configuration property");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules { => "
                  "issueproperty(type=\"report_validity_in_minutes\", value=0); };",
                  ATT_EPARSE, "policy.semantic", "0)", "from 1 to 525600");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules { => "
                  "issueproperty(type=\"omit_x5c\", value=1); };",
                  ATT_EPARSE, "policy.semantic", "1)", "omit_x5c takes a Boolean");
    compile_fails("version=1.0; authorizationrules { => permit(); }; issuancerules { => "
                  "issueproperty(claim=c); };",
                  ATT_EPARSE, "policy.semantic", "issuep", "not claim=");
#undef AUTH
}

static void configuration_rules(void **state)
{
    att__policy_prog *p = compile_ok("version=1.0; authorizationrules { => permit(); };");
    const att__policy_config *cfg = att__policy_prog_config(p);
    assert_int_equal(cfg->require_valid_aik_cert, 1);
    assert_int_equal(cfg->required_pcr_mask, 0xFFFFFF);
    assert_string_equal(cfg->sgx_tcbidentifier, "azuredefault");
    assert_int_equal(cfg->set, 0);
    att__policy_prog_free(p);

    size_t n;
    char *text = tu_read_shared_text(
        "vectors/maa/azure-security-docs/policies/policy-version-1-1.00.policy.txt", &n);
    att_diag d;
    att_diag_clear(&d);
    assert_int_equal(att__policy_compile(text, n, &p, &d), ATT_OK);
    cfg = att__policy_prog_config(p);
    assert_int_equal(cfg->require_valid_aik_cert, 0);
    assert_int_equal(cfg->required_pcr_mask, 15);
    assert_int_equal(cfg->set, ATT_POLICY_CFG_AIK_CERT | ATT_POLICY_CFG_PCR_MASK);
    att__policy_prog_free(p);
    free(text);

    p = compile_ok(
        "version=1.1; configurationrules { => issueproperty(type=\"x-ms-sgx-tcbidentifier\","
        " value=\"13\"); => issueproperty(type=\"required_pcr_mask\", value=\"7\", "
        "valueType=\"Integer\"); }; authorizationrules { => permit(); };");
    cfg = att__policy_prog_config(p);
    assert_string_equal(cfg->sgx_tcbidentifier, "13");
    assert_int_equal(cfg->required_pcr_mask, 7);
    att__policy_prog_free(p);

#define CFG(x) "version=1.1; configurationrules { " x " }; authorizationrules { => permit(); };"
    compile_fails(CFG("[type==\"a\"] => issueproperty(type=\"omit_x5c\", value=true);"), ATT_EPARSE,
                  "policy.semantic", "[", "take no conditions");
    compile_fails(CFG("=> permit();"), ATT_EPARSE, "policy.semantic", "permit",
                  "only issueproperty(type=..., value=...) is allowed");
    compile_fails(CFG("=> issueproperty(type=\"required_pcr_mask\", value=16777216);"), ATT_EPARSE,
                  "policy.semantic", "167772", "from 0 to 16777215");
    compile_fails(CFG("=> issueproperty(type=\"require_valid_aik_cert\", value=\"no\");"),
                  ATT_EPARSE, "policy.semantic", "\"no\"", "takes a Boolean");
    compile_fails(CFG("=> issueproperty(type=\"x-ms-sgx-tcbidentifier\", value=\"newest\");"),
                  ATT_EPARSE, "policy.semantic", "\"newes", "\"azuredefault\" or a TCB evaluation");
    compile_fails(CFG("=> issueproperty(type=\"omit_x5c\", value=true);"), ATT_EPARSE,
                  "policy.semantic", "\"", "is an issuance property");
    compile_fails(CFG("=> issueproperty(type=\"colour\", value=\"red\");"), ATT_EPARSE,
                  "policy.semantic", "\"", "unknown configuration property 'colour'");
    compile_fails("version=1.2; configurationrules { => issueproperty(type=\"required_pcr_mask\", "
                  "value=JsonToClaimValue(\"7\")); }; authorizationrules { => permit(); };",
                  ATT_EPARSE, "policy.semantic", "JsonTo", "literal values only");
    compile_fails(CFG("=> issueproperty(type=\"required_pcr_mask\", value=AppendString(\"1\", "
                      "\"2\"));"),
                  ATT_EPARSE, "policy.semantic", "Append", "requires policy version 1.2");
#undef CFG
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
    size_t n = strlen(head) + strlen(unit) * times + strlen(tail) + 1;
    char *s = malloc(n);
    assert_non_null(s);
    size_t o = (size_t)snprintf(s, n, "%s", head);
    for (size_t i = 0; i < times; i++)
        o += (size_t)snprintf(s + o, n - o, "%s", unit);
    snprintf(s + o, n - o, "%s", tail);
    return s;
}

static void compile_limits(void **state)
{
    char *big =
        repeat("version=1.0; authorizationrules { => permit(); };", " ", ATT_MAX_POLICY_TEXT, "");
    compile_fails(big, ATT_ELIMIT, "policy.limit", NULL, "the limit is");
    free(big);
    char *many =
        repeat("version=1.0; authorizationrules {", "=>permit();", ATT_MAX_POLICY_RULES + 1, "};");
    compile_fails(many, ATT_ELIMIT, "policy.limit", NULL, "more than 1024 rules");
    free(many);
    many = repeat("version=1.0; authorizationrules {", "=>permit();", ATT_MAX_POLICY_RULES, "};");
    att__policy_prog_free(compile_ok(many));
    free(many);
    char *conds = repeat("version=1.0; authorizationrules { [type==\"a\"]", "&&[type==\"a\"]",
                         ATT_MAX_POLICY_CONDITIONS, "=>permit();};");
    compile_fails(conds, ATT_ELIMIT, "policy.limit", NULL, "more than 32 conditions");
    free(conds);
    char *tests = repeat("version=1.0; authorizationrules { [type==\"a\"", ",value==1",
                         ATT_MAX_POLICY_TESTS, "]=>permit();};");
    compile_fails(tests, ATT_ELIMIT, "policy.limit", NULL, "property tests");
    free(tests);
    char *deep =
        repeat("version=1.2; authorizationrules { => add(type=\"a\", value=", "NegateBool(",
               ATT_MAX_POLICY_EXPR_DEPTH + 1, "true");
    char *deep2 = repeat(deep, ")", ATT_MAX_POLICY_EXPR_DEPTH + 1, "); };");
    compile_fails(deep2, ATT_ELIMIT, "policy.limit", NULL, "nested deeper than 16");
    free(deep);
    free(deep2);
    compile_fails("version=1.2; authorizationrules { => add(type=\"a\", value=IsSubsetOf(1,2,3,4,5,"
                  "6,7,8,9)); };",
                  ATT_ELIMIT, "policy.limit", NULL, "more than 8 function arguments");
}

static void diag_is_single_line_and_bounded(void **state)
{
    /* A very long offending token is shortened in the message. */
    char *longtok =
        repeat("version=1.0; authorizationrules { => add(type=\"", "x", 5000, "\" value=1); };");
    att_diag d;
    att_diag_clear(&d);
    att__policy_prog *p;
    assert_int_equal(att__policy_compile(longtok, strlen(longtok), &p, &d), ATT_EPARSE);
    assert_true(strlen(d.message) < 400);
    assert_non_null(strstr(d.message, "Offending symbol: 'value' Line: '1', Column: '5050': "
                                      "mismatched input 'value' expecting ',' or ')'"));
    free(longtok);
    char first[ATT_DIAG_MESSAGE_MAX];
    snprintf(first, sizeof(first), "%s", d.message);
    assert_int_equal(att__policy_compile(NULL, 3, &p, &d), ATT_EINVAL);
    assert_string_equal(d.message, first); /* the first failure recorded stays */
    att_diag_clear(&d);
    assert_int_equal(att__policy_compile(NULL, 3, &p, &d), ATT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(doc_policies_parse_or_fail_as_documented),
        cmocka_unit_test(default_and_sample_policies_parse),
        cmocka_unit_test(parse_errors_name_position_and_expectation),
        cmocka_unit_test(keywords_are_lower_case),
        cmocka_unit_test(lexical_rules),
        cmocka_unit_test(versions_and_gating),
        cmocka_unit_test(semantic_checks),
        cmocka_unit_test(configuration_rules),
        cmocka_unit_test(compile_limits),
        cmocka_unit_test(diag_is_single_line_and_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
