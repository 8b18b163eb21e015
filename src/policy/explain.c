/* Explanations of a policy decision (policy.h), built from the trace that the evaluation
 * itself recorded (no second evaluation): the one-line message that becomes the HTTP 400
 * PolicyEvaluationError text, the full JSON explanation for the CLI, and the properties as
 * JSON. Format of both: docs/internals/policy.md. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "policy/policy_int.h"

/* A bounded string builder that counts what it would have written (snprintf-like). */
typedef struct sbuf {
    char *buf;
    size_t cap, len;
} sbuf;

__attribute__((format(printf, 2, 3))) static void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int k = vsnprintf(room ? b->buf + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0)
        b->len += (size_t)k;
}

/* Appends s (n bytes) shortened to max characters, control characters as '?'. */
static void sb_text(sbuf *b, const char *s, size_t n, size_t max)
{
    size_t k = n > max ? max : n;
    while (k > 0 && k < n && ((unsigned char)s[k] & 0xC0) == 0x80)
        k--; /* do not cut a UTF-8 sequence */
    for (size_t i = 0; i < k; i++) {
        unsigned char ch = (unsigned char)s[i];
        sb_add(b, "%c", ch < 0x20 || ch == 0x7f ? '?' : (char)ch);
    }
    if (k < n)
        sb_add(b, "...");
}

static void sb_claim_value(sbuf *b, const att__claim *cl)
{
    switch (cl->vtype) {
    case ATT_CV_STRING:
        sb_add(b, "\"");
        sb_text(b, cl->str, cl->len, 48);
        sb_add(b, "\"");
        break;
    case ATT_CV_INTEGER:
        sb_add(b, "%" PRId64, cl->i);
        break;
    case ATT_CV_BOOLEAN:
        sb_add(b, "%s", cl->b ? "true" : "false");
        break;
    }
}

static const att__prule *rule_of(const att__policy_result *res, int sec, int32_t i)
{
    if (sec < 0 || sec >= ATT_POLICY_SECTIONS || i < 0 || (size_t)i >= res->prog->nrules[sec])
        return NULL;
    return &res->prog->rules[sec][i];
}

static const att__prule_trace *trace_of(const att__policy_result *res, int sec, int32_t i)
{
    return &res->trace->rules[sec][i];
}

/* Index of the first test of the failed condition that no claim passes together with the
 * tests before it, or -1 when unknown. */
static int failing_test(const att__policy_result *res, const att__pcond *cd,
                        const att__prule_trace *tr)
{
    if (!tr->fail_rhs)
        return -1;
    for (unsigned t = 0; t < cd->ntests; t++) {
        int any = 0;
        for (size_t k = 0; k < tr->n0 && !any; k++) {
            int ok = 1;
            for (unsigned u = 0; u <= t && ok; u++)
                ok = att__pmatch_test(&res->incoming.v[k], &cd->tests[u], &tr->fail_rhs[u]);
            any = ok;
        }
        if (!any)
            return (int)t;
    }
    return -1;
}

static const char *cond_type(const att__pcond *cd)
{
    return cd->type_test >= 0 ? cd->tests[cd->type_test].rhs.s : NULL;
}

/* "no claim matched [..] (type: v1, v2)" or "a claim matched the negated condition ...". */
static void sb_failure(sbuf *b, const att__policy_result *res, const att__prule *r,
                       const att__prule_trace *tr)
{
    if (!tr->ran) {
        sb_add(b, "not evaluated");
        return;
    }
    if (tr->fail_cond < 0) {
        sb_add(b, "its conditions held but its action did not run");
        return;
    }
    const att__pcond *cd = &r->conds[tr->fail_cond];
    if (cd->negated) {
        const att__claim *cl = &res->incoming.v[tr->neg_claim];
        sb_add(b, "a claim matched the negated condition ");
        sb_text(b, cd->text, strlen(cd->text), 120);
        sb_add(b, " (%s = ", cl->type);
        sb_claim_value(b, cl);
        sb_add(b, ")");
        return;
    }
    sb_add(b, "no claim matched ");
    sb_text(b, cd->text, strlen(cd->text), 120);
    const char *type = cond_type(cd);
    if (!type)
        return;
    size_t shown = 0, total = 0;
    for (size_t k = 0; k < tr->n0; k++) {
        const att__claim *cl = &res->incoming.v[k];
        if (strcmp(cl->type, type) != 0)
            continue;
        if (total++ < 4) {
            if (shown++)
                sb_add(b, ", ");
            else
                sb_add(b, " (%s: ", type);
            sb_claim_value(b, cl);
        }
    }
    if (total > shown)
        sb_add(b, " and %zu more", total - shown);
    if (total)
        sb_add(b, ")");
    else
        sb_add(b, " (no %s claim)", type);
}

static void sb_rule(sbuf *b, const att__prule *r)
{
    sb_add(b, "rule at line %u: ", r->line);
    sb_text(b, r->text, strlen(r->text), 200);
}

size_t att__policy_explain_message(const att__policy_result *res, char *buf, size_t cap)
{
    sbuf b = {.buf = buf, .cap = cap, .len = 0};
    if (cap)
        buf[0] = '\0';
    if (!res || !res->prog || !res->trace) {
        sb_add(&b, "Policy Engine Exception: the policy was not evaluated");
        return b.len;
    }
    const att__policy_trace *t = res->trace;
    const att__prule *r;
    switch (res->decision) {
    case ATT_POLICY_PERMIT:
        sb_add(&b, "Permitted");
        if ((r = rule_of(res, ATT_POLICY_AUTHORIZATION, t->permit_rule))) {
            sb_add(&b, " (");
            sb_rule(&b, r);
            sb_add(&b, ")");
        }
        break;
    case ATT_POLICY_DENY:
        sb_add(&b, "Policy Engine Exception: A Deny claim was issued, authorization failed.");
        if ((r = rule_of(res, ATT_POLICY_AUTHORIZATION, t->deny_rule))) {
            sb_add(&b, " (");
            sb_rule(&b, r);
            sb_add(&b, ")");
        }
        break;
    case ATT_POLICY_NO_PERMIT: {
        sb_add(&b, "Policy Engine Exception: No permit claim was issued, authorization failed.");
        size_t n = res->prog->nrules[ATT_POLICY_AUTHORIZATION], shown = 0;
        for (size_t i = 0; i < n; i++) {
            r = &res->prog->rules[ATT_POLICY_AUTHORIZATION][i];
            if (r->act.kind != PA_PERMIT)
                continue;
            sb_add(&b, shown++ ? "; " : " (");
            sb_add(&b, "rule at line %u: ", r->line);
            sb_failure(&b, res, r, trace_of(res, ATT_POLICY_AUTHORIZATION, (int32_t)i));
        }
        sb_add(&b, shown ? ")" : " (authorizationrules have no permit() rule)");
        break;
    }
    default:
        sb_add(&b, "Policy Engine Exception: %s", t->error ? t->error : "evaluation failed");
        if ((r = rule_of(res, t->error_sec, t->error_rule))) {
            sb_add(&b, ", in ");
            sb_rule(&b, r);
        }
    }
    return b.len;
}

void att__policy_explain_diag(const att__policy_result *res, att_diag *d)
{
    char msg[ATT_DIAG_MESSAGE_MAX], field[48] = "authorizationrules";
    att__policy_explain_message(res, msg, sizeof(msg));
    const att__policy_trace *t = res->trace;
    const char *reason = "policy.function";
    const att__prule *r = NULL;
    switch (res->decision) {
    case ATT_POLICY_DENY:
        reason = "policy.deny";
        r = rule_of(res, ATT_POLICY_AUTHORIZATION, t->deny_rule);
        break;
    case ATT_POLICY_NO_PERMIT:
        reason = "policy.no_permit";
        for (size_t i = 0; !r && i < res->prog->nrules[ATT_POLICY_AUTHORIZATION]; i++)
            if (res->prog->rules[ATT_POLICY_AUTHORIZATION][i].act.kind == PA_PERMIT)
                r = &res->prog->rules[ATT_POLICY_AUTHORIZATION][i];
        break;
    default:
        if (t->error_reason)
            reason = t->error_reason;
        r = rule_of(res, t->error_sec, t->error_rule);
    }
    if (r)
        snprintf(field, sizeof(field), "rule at line %u", r->line);
    att_diag_fail(d, ATT_EPOLICY, reason, field, "%s", msg);
}

/* ==== JSON ==== */

static int set_new(json_t *o, const char *k, json_t *v)
{
    return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *claim_json(const att__claim *cl)
{
    json_t *o = json_object();
    if (!o || set_new(o, "type", json_string(cl->type)) ||
        set_new(o, "value", att__claim_value_json(cl)) ||
        set_new(o, "valueType", json_string(att__cv_type_name(cl->vtype))) ||
        set_new(o, "issuer", json_string(cl->issuer))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *rule_json(const att__prule *r)
{
    json_t *o = json_object();
    if (!o || set_new(o, "section", json_string(att__psection_name(r->section))) ||
        set_new(o, "index", json_integer(r->index)) || set_new(o, "line", json_integer(r->line)) ||
        set_new(o, "text", json_string(r->text)) ||
        set_new(o, "action", json_string(att__pakind_name((att__pakind)r->act.kind)))) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *failure_json(const att__policy_result *res, const att__prule *r,
                            const att__prule_trace *tr)
{
    const att__pcond *cd = &r->conds[tr->fail_cond];
    json_t *o = json_object();
    if (!o || set_new(o, "index", json_integer(tr->fail_cond)) ||
        set_new(o, "text", json_string(cd->text)) ||
        set_new(o, "negated", json_boolean(cd->negated)))
        goto fail;
    if (cd->negated) {
        if (set_new(o, "matched_claim", claim_json(&res->incoming.v[tr->neg_claim])))
            goto fail;
        return o;
    }
    const char *type = cond_type(cd);
    int ft = failing_test(res, cd, tr);
    if (set_new(o, "type", type ? json_string(type) : json_null()) ||
        set_new(o, "failed_test", ft >= 0 ? json_string(cd->tests[ft].text) : json_null()))
        goto fail;
    json_t *present = json_array();
    if (set_new(o, "present", present))
        goto fail;
    size_t total = 0;
    for (size_t k = 0; type && k < tr->n0; k++) {
        const att__claim *cl = &res->incoming.v[k];
        if (strcmp(cl->type, type) != 0)
            continue;
        if (total++ < 16 && json_array_append_new(present, att__claim_value_json(cl)))
            goto fail;
    }
    if (set_new(o, "present_count", json_integer((json_int_t)total)))
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

static json_t *rules_json(const att__policy_result *res)
{
    json_t *arr = json_array();
    for (int s = ATT_POLICY_AUTHORIZATION; arr && s <= ATT_POLICY_ISSUANCE; s++) {
        for (size_t i = 0; i < res->prog->nrules[s]; i++) {
            const att__prule *r = &res->prog->rules[s][i];
            const att__prule_trace *tr = trace_of(res, s, (int32_t)i);
            json_t *o = rule_json(r);
            if (json_array_append_new(arr, o) || set_new(o, "evaluated", json_boolean(tr->ran)) ||
                set_new(o, "fired", json_integer(tr->fired)))
                goto fail;
            if (tr->ran && !tr->fired && tr->fail_cond >= 0 &&
                set_new(o, "failed_condition", failure_json(res, r, tr)))
                goto fail;
        }
    }
    return arr;
fail:
    json_decref(arr);
    return NULL;
}

static const char *decision_name(att__policy_decision d)
{
    switch (d) {
    case ATT_POLICY_PERMIT:
        return "permit";
    case ATT_POLICY_DENY:
        return "deny";
    case ATT_POLICY_NO_PERMIT:
        return "no_permit";
    default:
        return "error";
    }
}

json_t *att__policy_explain_json(const att__policy_result *res)
{
    if (!res || !res->prog || !res->trace)
        return NULL;
    char msg[1024];
    att__policy_explain_message(res, msg, sizeof(msg));
    const att__policy_trace *t = res->trace;
    json_t *o = json_object();
    if (!o || set_new(o, "decision", json_string(decision_name(res->decision))) ||
        set_new(o, "message", json_string(msg)))
        goto fail;
    const att__prule *r = NULL;
    if (res->decision == ATT_POLICY_DENY)
        r = rule_of(res, ATT_POLICY_AUTHORIZATION, t->deny_rule);
    else if (res->decision == ATT_POLICY_PERMIT)
        r = rule_of(res, ATT_POLICY_AUTHORIZATION, t->permit_rule);
    else if (res->decision == ATT_POLICY_ERROR)
        r = rule_of(res, t->error_sec, t->error_rule);
    if (r) {
        json_t *rj = rule_json(r);
        if (set_new(o, "deciding_rule", rj))
            goto fail;
        const att__prule_trace *tr = trace_of(res, r->section, (int32_t)r->index);
        if (res->decision == ATT_POLICY_DENY && tr->match) {
            json_t *m = json_array();
            if (set_new(rj, "matched", m))
                goto fail;
            for (unsigned i = 0; i < r->ncond; i++) {
                json_t *e = json_object();
                if (json_array_append_new(m, e) ||
                    set_new(e, "condition", json_string(r->conds[i].text)) ||
                    set_new(e, "claim",
                            tr->match[i] >= 0 ? claim_json(&res->incoming.v[tr->match[i]])
                                              : json_null()))
                    goto fail;
            }
        }
    }
    if (res->decision == ATT_POLICY_ERROR && t->error && set_new(o, "error", json_string(t->error)))
        goto fail;
    if (set_new(o, "rules", rules_json(res)))
        goto fail;
    return o;
fail:
    json_decref(o);
    return NULL;
}

json_t *att__policy_props_json(const att__policy_result *res)
{
    const att__policy_props *p = &res->props;
    json_t *o = json_object();
    if (!o ||
        set_new(o, "require_valid_aik_cert", json_boolean(p->config.require_valid_aik_cert)) ||
        set_new(o, "required_pcr_mask", json_integer(p->config.required_pcr_mask)) ||
        set_new(o, "x-ms-sgx-tcbidentifier", json_string(p->config.sgx_tcbidentifier)) ||
        set_new(o, "report_validity_in_minutes", json_integer(p->report_validity_in_minutes)) ||
        set_new(o, "omit_x5c", json_boolean(p->omit_x5c)))
        goto fail;
    for (size_t i = 0; i < p->issued.n; i++) {
        const att__claim *cl = &p->issued.v[i];
        if (json_object_get(o, cl->type) && (strcmp(cl->type, "report_validity_in_minutes") == 0 ||
                                             strcmp(cl->type, "omit_x5c") == 0))
            continue; /* the typed field above already holds the last value */
        if (set_new(o, cl->type, att__claim_value_json(cl)))
            goto fail;
    }
    return o;
fail:
    json_decref(o);
    return NULL;
}
