/* `attest policy check|hash|eval`: work with MAA attestation policies offline. check
 * compiles a policy and reports the first error with its line and column (the text MAA
 * returns as PolicyParsingError); hash prints its x-ms-policy-hash; eval runs it over
 * claims given as JSON and prints the decision, the issued claims, the properties and why.
 * Everything goes through src/policy, the same code the service runs. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attest/error.h"
#include "cli.h"
#include "core/limits.h"
#include "policy/policy.h"
#include "provider/provider.h"

/* Reads FILE ('-' for stdin) into out (caller frees). Returns an exit code. */
static int read_file_arg(const char *path, const char *what, size_t max, att__buf *out)
{
    if (strcmp(path, "-") == 0)
        return att_cli_read_arg("-", what, max, out);
    size_t n = strlen(path) + 2;
    char *arg = malloc(n);
    if (!arg) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    snprintf(arg, n, "@%s", path);
    int rc = att_cli_read_arg(arg, what, max, out);
    free(arg);
    return rc;
}

/* Reads and compiles a policy file. *p is the caller's; on a compile error the message is
 * printed and `fail_exit` returned. */
static int load_policy(const char *path, int fail_exit, att__policy_prog **p)
{
    att__buf text;
    /* one byte more than the limit, so that an oversized file reaches the compiler's
     * message instead of a read error */
    int rc = read_file_arg(path, "policy", ATT_MAX_POLICY_TEXT + 1, &text);
    if (rc != ATT_EXIT_OK)
        return rc;
    att_diag d;
    att_diag_clear(&d);
    int err = att__policy_compile(att__buf_str(&text), text.len, p, &d);
    att__buf_free(&text);
    if (err == ATT_ENOMEM) {
        att_cli_error("out of memory");
        return ATT_EXIT_IO;
    }
    if (err != ATT_OK) {
        att_cli_error("%s: %s", path, d.message);
        return fail_exit;
    }
    return ATT_EXIT_OK;
}

int att_cli_policy_check(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, NULL, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    att__policy_prog *p = NULL;
    if ((rc = load_policy(pos[0], ATT_EXIT_CHECK, &p)) != ATT_EXIT_OK)
        return rc;
    unsigned major, minor;
    att__policy_prog_version(p, &major, &minor);
    printf("%s: valid policy, version %u.%u, %zu configuration, %zu authorization and %zu "
           "issuance rules\n",
           pos[0], major, minor, att__policy_prog_rule_count(p, ATT_POLICY_CONFIGURATION),
           att__policy_prog_rule_count(p, ATT_POLICY_AUTHORIZATION),
           att__policy_prog_rule_count(p, ATT_POLICY_ISSUANCE));
    const att__policy_config *cfg = att__policy_prog_config(p);
    if (cfg->set & ATT_POLICY_CFG_AIK_CERT)
        printf("  require_valid_aik_cert = %s\n", cfg->require_valid_aik_cert ? "true" : "false");
    if (cfg->set & ATT_POLICY_CFG_PCR_MASK)
        printf("  required_pcr_mask = %u (0x%06x)\n", cfg->required_pcr_mask,
               cfg->required_pcr_mask);
    if (cfg->set & ATT_POLICY_CFG_TCB_ID)
        printf("  x-ms-sgx-tcbidentifier = \"%s\"\n", cfg->sgx_tcbidentifier);
    att__policy_prog_free(p);
    return ATT_EXIT_OK;
}

int att_cli_policy_hash(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, NULL, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    att__buf text;
    if ((rc = read_file_arg(pos[0], "policy", ATT_MAX_POLICY_TEXT, &text)) != ATT_EXIT_OK)
        return rc;
    char hash[ATT_POLICY_HASH_LEN + 1];
    int err = att__policy_hash(att__buf_str(&text), text.len, hash);
    att__buf_free(&text);
    if (err != ATT_OK) {
        att_cli_error("cannot hash the policy: %s", att_strerror(err));
        return ATT_EXIT_IO;
    }
    printf("%s\n", hash);
    return ATT_EXIT_OK;
}

/* One entry of the claims file into s. Prints the problem and returns ATT_EXIT_USAGE when
 * the entry is malformed. */
static int add_claim(att__claimset *s, const char *file, size_t i, const json_t *e)
{
    const char *type = json_string_value(json_object_get(e, "type"));
    const json_t *value = json_object_get(e, "value");
    const json_t *vt = json_object_get(e, "valueType");
    const json_t *issuer = json_object_get(e, "issuer");
    const json_t *ro = json_object_get(e, "readOnly");
    if (!json_is_object(e) || !type || !type[0] || !value) {
        att_cli_error("%s: claim %zu needs a non-empty string \"type\" and a \"value\"", file, i);
        return ATT_EXIT_USAGE;
    }
    if ((issuer && !json_is_string(issuer)) || (ro && !json_is_boolean(ro)) ||
        (vt && !json_is_string(vt))) {
        att_cli_error("%s: claim %zu (%s): \"issuer\" and \"valueType\" must be strings, "
                      "\"readOnly\" a Boolean",
                      file, i, type);
        return ATT_EXIT_USAGE;
    }
    att__claim c = {.type = type,
                    .issuer = issuer ? json_string_value(issuer) : ATT_ISSUER_SERVICE,
                    .flags = json_is_true(ro) ? ATT_CLAIM_READONLY : 0u};
    char *dumped = NULL, num[32];
    switch (json_typeof(value)) {
    case JSON_STRING:
        c.vtype = ATT_CV_STRING;
        c.str = json_string_value(value);
        c.len = json_string_length(value);
        break;
    case JSON_INTEGER:
        c.vtype = ATT_CV_INTEGER;
        c.i = (int64_t)json_integer_value(value);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        c.vtype = ATT_CV_BOOLEAN;
        c.b = json_is_true(value);
        break;
    case JSON_OBJECT:
    case JSON_ARRAY: /* a JSON-valued claim: its compact text */
        dumped = json_dumps(value, JSON_COMPACT);
        if (!dumped) {
            att_cli_error("out of memory");
            return ATT_EXIT_IO;
        }
        c.vtype = ATT_CV_STRING;
        c.str = dumped;
        c.len = strlen(dumped);
        break;
    default:
        att_cli_error("%s: claim %zu (%s): the value must be a string, an integer, a Boolean, "
                      "an object or an array",
                      file, i, type);
        return ATT_EXIT_USAGE;
    }
    att__cv_type want;
    if (vt && att__cv_type_parse(json_string_value(vt), &want) != ATT_OK) {
        att_cli_error("%s: claim %zu (%s): valueType must be \"String\", \"Integer\" or "
                      "\"Boolean\"",
                      file, i, type);
        free(dumped);
        return ATT_EXIT_USAGE;
    }
    int bad = 0;
    if (vt && want != c.vtype) {
        if (want == ATT_CV_STRING) { /* render an Integer or Boolean */
            snprintf(num, sizeof(num), "%lld", (long long)c.i);
            c.str = c.vtype == ATT_CV_BOOLEAN ? (c.b ? "true" : "false") : num;
            c.len = strlen(c.str);
        } else if (c.vtype != ATT_CV_STRING) {
            bad = 1;
        } else if (want == ATT_CV_BOOLEAN) {
            bad = strcmp(c.str, "true") != 0 && strcmp(c.str, "false") != 0;
            c.b = strcmp(c.str, "true") == 0;
        } else {
            char *end;
            errno = 0;
            long long v = strtoll(c.str, &end, 10);
            bad = c.len == 0 || errno != 0 || end != c.str + c.len || c.str[0] == ' ' ||
                  c.str[0] == '+';
            c.i = v;
        }
        c.vtype = want;
    }
    if (bad) {
        att_cli_error("%s: claim %zu (%s): the value is not a valid %s", file, i, type,
                      att__cv_type_name(want));
        free(dumped);
        return ATT_EXIT_USAGE;
    }
    int rc = att__claims_add(s, &c);
    free(dumped);
    if (rc != ATT_OK) {
        att_cli_error("%s: claim %zu (%s): %s", file, i, type, att_strerror(rc));
        return rc == ATT_ENOMEM ? ATT_EXIT_IO : ATT_EXIT_USAGE;
    }
    return ATT_EXIT_OK;
}

static int load_claims(const char *path, att__claimset *s)
{
    att__buf body;
    int rc = read_file_arg(path, "claims", ATT_MAX_REQUEST_BODY, &body);
    if (rc != ATT_EXIT_OK)
        return rc;
    json_error_t jerr;
    json_t *v = json_loadb((const char *)body.data, body.len, JSON_REJECT_DUPLICATES, &jerr);
    att__buf_free(&body);
    if (!v) {
        att_cli_error("%s is not valid JSON: %s (line %d, column %d)", path, jerr.text, jerr.line,
                      jerr.column);
        return ATT_EXIT_USAGE;
    }
    json_t *list = json_is_array(v) ? v : json_object_get(v, "claims");
    if (!json_is_array(list)) {
        att_cli_error("%s must be {\"claims\": [...]} (or the array itself)", path);
        json_decref(v);
        return ATT_EXIT_USAGE;
    }
    size_t i;
    json_t *e;
    json_array_foreach(list, i, e)
    {
        if ((rc = add_claim(s, path, i, e)) != ATT_EXIT_OK)
            break;
    }
    json_decref(v);
    return rc;
}

static json_t *issued_json(const att__claimset *out)
{
    json_t *arr = json_array();
    for (size_t i = 0; arr && i < out->n; i++) {
        const att__claim *c = &out->v[i];
        json_t *o = json_pack("{s:s,s:o,s:s}", "type", c->type, "value", att__claim_value_json(c),
                              "valueType", att__cv_type_name(c->vtype));
        if (json_array_append_new(arr, o) != 0) {
            json_decref(arr);
            return NULL;
        }
    }
    return arr;
}

int att_cli_policy_eval(const att_cli_ctx *ctx, int argc, char **argv)
{
    const char *claims_path = NULL;
    const att_cli_opt opts[] = {
        {.name = "claims", .kind = ATT_OPT_VALUE, .value = &claims_path},
        {.name = NULL},
    };
    const char *pos[1];
    int npos;
    int rc = att_cli_parse(ctx, argc, argv, opts, pos, 1, 1, &npos);
    if (rc >= 0)
        return rc;
    if (!claims_path)
        return att_cli_usage_error(ctx, "--claims JSON is required (the incoming claims)");
    att__policy_prog *p = NULL;
    if ((rc = load_policy(pos[0], ATT_EXIT_USAGE, &p)) != ATT_EXIT_OK)
        return rc;
    att__arena arena;
    att__arena_init(&arena);
    att__claimset in;
    att__claims_init(&in, &arena);
    if ((rc = load_claims(claims_path, &in)) != ATT_EXIT_OK)
        goto out;
    att__policy_result res;
    att_diag d;
    att_diag_clear(&d);
    int err = att__policy_eval(p, &in, &arena, &res, &d);
    if (err != ATT_OK && err != ATT_EPOLICY) {
        att_cli_error("cannot evaluate the policy: %s", d.message);
        rc = ATT_EXIT_IO;
        goto out;
    }
    json_t *o = json_pack(
        "{s:s,s:o*,s:o*,s:o*,s:o*}", "decision",
        res.decision == ATT_POLICY_PERMIT ? "permit" : "deny", "issued", issued_json(&res.outgoing),
        "x-ms-policy", att__claims_token_json(&res.outgoing), "properties",
        att__policy_props_json(&res), "explanation", att__policy_explain_json(&res));
    char *text = o ? json_dumps(o, JSON_INDENT(2)) : NULL;
    json_decref(o);
    if (!text) {
        att_cli_error("out of memory");
        rc = ATT_EXIT_IO;
        goto out;
    }
    printf("%s\n", text);
    free(text);
    rc = res.decision == ATT_POLICY_PERMIT ? ATT_EXIT_OK : ATT_EXIT_CHECK;
out:
    att__arena_free(&arena);
    att__policy_prog_free(p);
    return rc;
}
