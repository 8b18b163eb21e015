/* Policy compilation (policy.h): the program's life cycle and the semantic checks the
 * parser runs on each rule: labels and references, static types of operators and function
 * arguments, version gating (configurationrules 1.1+, functions and '!' 1.2), the actions
 * each section allows, configuration properties (evaluated here, once), and the JMESPath
 * queries written as literals (compiled here, once). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

const char *att__pfn_name(att__pfn f)
{
    static const char *const names[PF_COUNT] = {"JmesPath",   "JsonToClaimValue",
                                                "IsSubsetOf", "AppendString",
                                                "NegateBool", "ContainsOnlyValue"};
    return (unsigned)f < PF_COUNT ? names[f] : "?";
}

const char *att__pprop_name(att__pprop p)
{
    static const char *const names[] = {"type", "value", "valueType", "issuer"};
    return (unsigned)p < 4 ? names[p] : "?";
}

const char *att__pop_name(att__pop o)
{
    static const char *const names[] = {"==", "!=", "<", "<=", ">", ">="};
    return (unsigned)o < 6 ? names[o] : "?";
}

const char *att__pakind_name(att__pakind k)
{
    static const char *const names[] = {"permit", "deny", "add", "issue", "issueproperty"};
    return (unsigned)k < 5 ? names[k] : "?";
}

const char *att__psection_name(att__policy_section s)
{
    static const char *const names[] = {"configurationrules", "authorizationrules",
                                        "issuancerules"};
    return (unsigned)s < ATT_POLICY_SECTIONS ? names[s] : "?";
}

int att__policy_fail_at(att_diag *d, int err, const char *reason, const char *tok, uint32_t line,
                        uint32_t col, const char *fmt, ...)
{
    char what[ATT_DIAG_MESSAGE_MAX], field[48];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    snprintf(field, sizeof(field), "line %u column %u", line, col);
    if (tok)
        return att_diag_fail(d, err, reason, field,
                             "Offending symbol: '%s' Line: '%u', Column: '%u': %s", tok, line, col,
                             what);
    return att_diag_fail(d, err, reason, field, "Line: '%u', Column: '%u': %s", line, col, what);
}

/* ==== semantic checks of one rule ==== */

typedef struct checker {
    att__policy_prog *p;
    const char *text;
    att__prule *r;
    att_diag *d;
} checker;

/* The source of a node for "Offending symbol", shortened. */
static const char *snippet(const checker *k, size_t off, size_t len, char *buf, size_t cap)
{
    att__ptok t = {.kind = PT_IDENT, .off = off, .len = len};
    att__plex_tokname(k->text, &t, buf, cap);
    return buf;
}

__attribute__((format(printf, 4, 5))) static int fail_expr(checker *k, const att__pexpr *e,
                                                           const char *reason, const char *fmt, ...)
{
    char tok[64], what[ATT_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return att__policy_fail_at(k->d, ATT_EPARSE, reason, snippet(k, e->off, e->srclen, tok, 64),
                               e->line, e->col, "%s", what);
}

__attribute__((format(printf, 5, 6))) static int
fail_pos(checker *k, const char *tok, uint32_t line, uint32_t col, const char *fmt, ...)
{
    char what[ATT_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    return att__policy_fail_at(k->d, ATT_EPARSE, "policy.semantic", tok, line, col, "%s", what);
}

static int find_label(const att__prule *r, const char *name)
{
    for (int i = 0; i < r->nlabels; i++)
        if (strcmp(r->label_names[i], name) == 0)
            return i;
    return -1;
}

static const char *stype_name(uint8_t t)
{
    switch (t) {
    case PS_STRING:
        return "a String";
    case PS_INTEGER:
        return "an Integer";
    case PS_BOOLEAN:
        return "a Boolean";
    }
    return "any value";
}

/* Resolves a label reference; `before` is the number of conditions whose labels it may
 * use (a condition sees only labels of earlier conditions, an action all of them). */
static int resolve_ref(checker *k, const char *name, uint32_t line, uint32_t col, unsigned before,
                       int *out)
{
    att__prule *r = k->r;
    int l = find_label(r, name);
    if (l < 0)
        return fail_pos(k, name, line, col, "unknown label '%s' (%s)", name,
                        r->nlabels ? "a label is defined by 'name:' before a condition"
                                   : "this rule defines no label");
    unsigned c = (unsigned)r->label_cond[l];
    if (c >= before)
        return fail_pos(k, name, line, col,
                        c == before
                            ? "a condition cannot refer to its own label '%s'"
                            : "label '%s' belongs to a later condition; a condition can refer only "
                              "to labels of the conditions before it",
                        name);
    if (r->conds[c].negated)
        return fail_pos(k, name, line, col,
                        "label '%s' belongs to a negated condition, which binds no claim", name);
    *out = l;
    return ATT_OK;
}

static int add_jq(att__policy_prog *p, att__jmes_expr *jq)
{
    if (p->njq == p->capjq) {
        size_t cap = p->capjq ? p->capjq * 2 : 8;
        att__jmes_expr **v = realloc(p->jq, cap * sizeof(*v));
        if (!v)
            return ATT_ENOMEM;
        p->jq = v;
        p->capjq = cap;
    }
    p->jq[p->njq++] = jq;
    return ATT_OK;
}

static int is_set_param(att__pfn f, unsigned arg)
{
    return f == PF_ISSUBSETOF || (f == PF_CONTAINSONLYVALUE && arg == 0);
}

static int check_expr(checker *k, att__pexpr *e, unsigned before, int setpos)
{
    int rc;
    if (e->kind == PX_REF) {
        int l;
        if ((rc = resolve_ref(k, e->s, e->line, e->col, before, &l)) != ATT_OK)
            return rc;
        e->label = (uint16_t)l;
        e->setpos = (uint8_t)setpos;
        k->r->label_flags[l] |= setpos ? PL_SETUSE : PL_ITER;
        return ATT_OK;
    }
    if (e->kind != PX_CALL)
        return ATT_OK;
    att__pfn f = (att__pfn)e->fn;
    if (k->p->minor < 2)
        return fail_expr(k, e, "policy.semantic",
                         "function %s() requires policy version 1.2 (this policy declares version "
                         "%u.%u)",
                         att__pfn_name(f), k->p->major, k->p->minor);
    static const uint8_t arity[PF_COUNT] = {2, 1, 2, 2, 1, 2};
    if (e->nargs != arity[f])
        return fail_expr(k, e, "policy.semantic", "%s() takes %u argument%s, not %u",
                         att__pfn_name(f), arity[f], arity[f] == 1 ? "" : "s", e->nargs);
    for (unsigned i = 0; i < e->nargs; i++)
        if ((rc = check_expr(k, &e->args[i], before, is_set_param(f, i))) != ATT_OK)
            return rc;
    att__pexpr *a = e->args;
    switch (f) {
    case PF_JMESPATH:
        e->stype = PS_STRING;
        if (a[1].stype != PS_STRING && a[1].stype != PS_ANY)
            return fail_expr(k, &a[1], "policy.semantic",
                             "the JmesPath() query must be a String, not %s",
                             stype_name(a[1].stype));
        if (a[1].kind == PX_STR) {
            if (a[1].len == 0)
                return fail_expr(k, &a[1], "policy.semantic", "the JmesPath() query is empty");
            att_diag jd;
            att_diag_clear(&jd);
            att__jmes_expr *jq = NULL;
            rc = att__jmes_compile(a[1].s, a[1].len, &jq, &jd);
            if (rc == ATT_ENOMEM)
                return rc;
            if (rc != ATT_OK)
                return fail_expr(k, &a[1], "policy.jmespath",
                                 "the JmesPath() query does not compile: %s", jd.message);
            if ((rc = add_jq(k->p, jq)) != ATT_OK) {
                att__jmes_free(jq);
                return rc;
            }
            e->jq = jq;
        }
        break;
    case PF_JSONTOCLAIMVALUE:
        e->stype = PS_ANY;
        break;
    case PF_ISSUBSETOF:
    case PF_CONTAINSONLYVALUE:
        e->stype = PS_BOOLEAN;
        break;
    case PF_APPENDSTRING:
        e->stype = PS_STRING;
        for (int i = 0; i < 2; i++)
            if (a[i].stype != PS_STRING && a[i].stype != PS_ANY)
                return fail_expr(k, &a[i], "policy.semantic",
                                 "AppendString() takes Strings, not %s", stype_name(a[i].stype));
        break;
    case PF_NEGATEBOOL:
        e->stype = PS_BOOLEAN;
        if (a[0].stype != PS_BOOLEAN && a[0].stype != PS_ANY)
            return fail_expr(k, &a[0], "policy.semantic", "NegateBool() takes a Boolean, not %s",
                             stype_name(a[0].stype));
        break;
    default:
        break;
    }
    return ATT_OK;
}

static int check_cond(checker *k, att__pcond *c, unsigned idx)
{
    int rc;
    if (c->negated && k->p->minor < 2)
        return fail_pos(k, "!", c->line, c->col,
                        "the '!' (absence) operator requires policy version 1.2 (this policy "
                        "declares version %u.%u)",
                        k->p->major, k->p->minor);
    for (unsigned i = 0; i < c->ntests; i++) {
        att__ptest *t = &c->tests[i];
        if ((rc = check_expr(k, &t->rhs, idx, 0)) != ATT_OK)
            return rc;
        const char *prop = att__pprop_name((att__pprop)t->prop);
        if (t->prop != PP_VALUE) {
            if (t->op != PO_EQ && t->op != PO_NE)
                return fail_expr(k, &t->rhs, "policy.semantic",
                                 "operator '%s' is not defined for %s (a String): use == or !=",
                                 att__pop_name((att__pop)t->op), prop);
            if (t->rhs.stype == PS_INTEGER || t->rhs.stype == PS_BOOLEAN)
                return fail_expr(k, &t->rhs, "policy.semantic",
                                 "%s is a String and is compared with %s", prop,
                                 stype_name(t->rhs.stype));
            att__cv_type vt;
            if (t->prop == PP_VALUETYPE && t->rhs.kind == PX_STR &&
                att__cv_type_parse(t->rhs.s, &vt) != ATT_OK)
                return fail_expr(k, &t->rhs, "policy.semantic",
                                 "unknown value type (valueType is \"String\", \"Integer\" or "
                                 "\"Boolean\")");
            if (t->prop == PP_TYPE && t->op == PO_EQ && t->rhs.kind == PX_STR && c->type_test < 0) {
                c->type_test = (int16_t)i;
                c->type_hash = att__claim_type_hash(t->rhs.s, t->rhs.len);
            }
        } else if (t->op >= PO_LT && (t->rhs.stype == PS_STRING || t->rhs.stype == PS_BOOLEAN)) {
            return fail_expr(k, &t->rhs, "policy.semantic",
                             "operator '%s' applies to Integer values only (the right-hand side "
                             "is %s)",
                             att__pop_name((att__pop)t->op), stype_name(t->rhs.stype));
        }
    }
    return ATT_OK;
}

/* A literal action argument as an evaluation value (for compile-time checks). */
static int literal_value(const att__pexpr *e, att__pval *v)
{
    memset(v, 0, sizeof(*v));
    v->claim = -1;
    switch (e->kind) {
    case PX_STR:
        v->kind = PV_STR;
        v->s = e->s;
        v->len = e->len;
        return 1;
    case PX_INT:
        v->kind = PV_INT;
        v->i = e->i;
        return 1;
    case PX_BOOL:
        v->kind = PV_BOOL;
        v->i = e->i;
        return 1;
    }
    return 0;
}

static int is_tcb_identifier(const char *s, size_t n)
{
    if (n == strlen("azuredefault") && memcmp(s, "azuredefault", n) == 0)
        return 1;
    if (n == 0 || n > 4 || s[0] == '0')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return 1;
}

/* Applies one configuration rule (literal type and value, already converted). */
static int apply_config(checker *k, const att__paction *a, const att__pval *v)
{
    att__policy_config *cfg = &k->p->config;
    const char *name = a->type->s;
    const att__pexpr *ve = a->value;
    if (strcmp(name, "require_valid_aik_cert") == 0) {
        if (v->kind != PV_BOOL)
            return fail_expr(k, ve, "policy.semantic",
                             "require_valid_aik_cert takes a Boolean (true or false)");
        cfg->require_valid_aik_cert = (int)v->i;
        cfg->set |= ATT_POLICY_CFG_AIK_CERT;
    } else if (strcmp(name, "required_pcr_mask") == 0) {
        if (v->kind != PV_INT || v->i < 0 || v->i > 0xFFFFFF)
            return fail_expr(k, ve, "policy.semantic",
                             "required_pcr_mask takes an Integer from 0 to 16777215 (one bit per "
                             "PCR 0-23)");
        cfg->required_pcr_mask = (uint32_t)v->i;
        cfg->set |= ATT_POLICY_CFG_PCR_MASK;
    } else if (strcmp(name, "x-ms-sgx-tcbidentifier") == 0) {
        if (v->kind != PV_STR || !is_tcb_identifier(v->s, v->len))
            return fail_expr(k, ve, "policy.semantic",
                             "x-ms-sgx-tcbidentifier takes \"azuredefault\" or a TCB evaluation "
                             "data number such as \"13\"");
        cfg->sgx_tcbidentifier = v->s;
        cfg->set |= ATT_POLICY_CFG_TCB_ID;
    } else if (strcmp(name, "report_validity_in_minutes") == 0 || strcmp(name, "omit_x5c") == 0) {
        return fail_expr(k, a->type, "policy.semantic",
                         "'%s' is an issuance property: set it with issueproperty() in "
                         "issuancerules",
                         name);
    } else {
        return fail_expr(k, a->type, "policy.semantic",
                         "unknown configuration property '%s' (known: require_valid_aik_cert, "
                         "required_pcr_mask, x-ms-sgx-tcbidentifier)",
                         name);
    }
    return ATT_OK;
}

static int check_action(checker *k, att__paction *a)
{
    att__prule *r = k->r;
    att__pakind kind = (att__pakind)a->kind;
    const char *an = att__pakind_name(kind);
    int rc;
    char tok[32];
    snprintf(tok, sizeof(tok), "%s", an);
    if (r->section == ATT_POLICY_CONFIGURATION) {
        if (r->ncond)
            return fail_pos(k, "[", r->conds[0].line, r->conds[0].col,
                            "configurationrules take no conditions: the configuration is fixed "
                            "before any evidence is evaluated");
        if (kind != PA_ISSUEPROPERTY || !a->type)
            return fail_pos(k, tok, a->line, a->col,
                            "only issueproperty(type=..., value=...) is allowed in "
                            "configurationrules");
    } else if (r->section == ATT_POLICY_AUTHORIZATION && kind == PA_ISSUEPROPERTY) {
        return fail_pos(k, tok, a->line, a->col,
                        "issueproperty() is not allowed in authorizationrules (issuance "
                        "properties belong in issuancerules, configuration properties in "
                        "configurationrules)");
    } else if (r->section == ATT_POLICY_ISSUANCE && (kind == PA_PERMIT || kind == PA_DENY)) {
        return fail_pos(k, tok, a->line, a->col, "%s() is allowed in authorizationrules only", an);
    }
    if (a->claim_name) {
        if (kind == PA_ISSUEPROPERTY)
            return fail_pos(k, tok, a->line, a->col,
                            "issueproperty() needs type= and value=, not claim=");
        int l;
        if ((rc = resolve_ref(k, a->claim_name, a->line, a->col, r->ncond, &l)) != ATT_OK)
            return rc;
        a->claim = (int16_t)l;
        r->label_flags[l] |= PL_ITER;
        return ATT_OK;
    }
    if (!a->type) /* permit(), deny() */
        return ATT_OK;
    if ((rc = check_expr(k, a->type, r->ncond, 0)) != ATT_OK ||
        (rc = check_expr(k, a->value, r->ncond, 0)) != ATT_OK)
        return rc;
    if (a->type->stype == PS_INTEGER || a->type->stype == PS_BOOLEAN)
        return fail_expr(k, a->type, "policy.semantic", "the claim type must be a String, not %s",
                         stype_name(a->type->stype));
    if (a->type->kind == PX_STR && a->type->len == 0)
        return fail_expr(k, a->type, "policy.semantic", "the claim type is empty");
    att__pval v;
    int lit = literal_value(a->value, &v);
    if (lit && a->vtype >= 0 && att__pval_convert(&v, (att__cv_type)a->vtype, &k->p->arena) != 0)
        return fail_expr(k, a->value, "policy.semantic", "the value cannot be converted to %s",
                         att__cv_type_name((att__cv_type)a->vtype));
    if (r->section == ATT_POLICY_CONFIGURATION) {
        if (a->type->kind != PX_STR || !lit)
            return fail_expr(k, lit ? a->type : a->value, "policy.semantic",
                             "configurationrules take literal values only");
        return apply_config(k, a, &v);
    }
    if (kind == PA_ISSUEPROPERTY && a->type->kind == PX_STR) {
        const char *name = a->type->s;
        if (strcmp(name, "require_valid_aik_cert") == 0 || strcmp(name, "required_pcr_mask") == 0 ||
            strcmp(name, "x-ms-sgx-tcbidentifier") == 0)
            return fail_expr(k, a->type, "policy.semantic",
                             "'%s' is a configuration property: set it in configurationrules "
                             "(policy version 1.1 or later)",
                             name);
        if (lit && strcmp(name, "report_validity_in_minutes") == 0 &&
            (v.kind != PV_INT || v.i < 1 || v.i > 525600))
            return fail_expr(k, a->value, "policy.semantic",
                             "report_validity_in_minutes takes an Integer from 1 to 525600");
        if (lit && strcmp(name, "omit_x5c") == 0 && v.kind != PV_BOOL)
            return fail_expr(k, a->value, "policy.semantic",
                             "omit_x5c takes a Boolean (true or false)");
    }
    return ATT_OK;
}

int att__policy_check_rule(att__policy_prog *p, const char *text, att__prule *r, att_diag *d)
{
    checker k = {.p = p, .text = text, .r = r, .d = d};
    if (r->ncond > p->max_cond)
        p->max_cond = r->ncond;
    for (int i = 0; i < r->nlabels; i++)
        for (int j = 0; j < i; j++)
            if (strcmp(r->label_names[i], r->label_names[j]) == 0) {
                const att__pcond *c = &r->conds[r->label_cond[i]];
                return fail_pos(&k, r->label_names[i], c->line, c->col,
                                "label '%s' is defined twice in this rule", r->label_names[i]);
            }
    int rc;
    for (unsigned i = 0; i < r->ncond; i++)
        if ((rc = check_cond(&k, &r->conds[i], i)) != ATT_OK)
            return rc;
    return check_action(&k, &r->act);
}

/* ==== the program ==== */

int att__policy_compile(const char *text, size_t n, att__policy_prog **out, att_diag *d)
{
    if (out)
        *out = NULL;
    if (!out || (!text && n))
        return att_diag_fail(d, ATT_EINVAL, "policy.argument", "policy", "no policy text");
    if (n > ATT_MAX_POLICY_TEXT)
        return att_diag_fail(d, ATT_ELIMIT, "policy.limit", "policy",
                             "the policy text is %zu bytes; the limit is %u bytes", n,
                             ATT_MAX_POLICY_TEXT);
    if (!text)
        text = "";
    int rc = att__plex_check_text(text, n, d);
    if (rc != ATT_OK)
        return rc;
    att__policy_prog *p = calloc(1, sizeof(*p));
    if (!p)
        return att_diag_fail(d, ATT_ENOMEM, "policy.memory", "policy", "out of memory");
    att__arena_init(&p->arena);
    p->config.require_valid_aik_cert = 1;
    p->config.required_pcr_mask = 0xFFFFFFu;
    p->config.sgx_tcbidentifier = "azuredefault";
    rc = att__policy_parse(p, text, n, d);
    if (rc != ATT_OK) {
        if (rc == ATT_ENOMEM)
            att_diag_fail(d, ATT_ENOMEM, "policy.memory", "policy",
                          "out of memory while compiling the policy");
        att__policy_prog_free(p);
        return rc;
    }
    *out = p;
    return ATT_OK;
}

void att__policy_prog_free(att__policy_prog *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->njq; i++)
        att__jmes_free(p->jq[i]);
    free(p->jq);
    att__arena_free(&p->arena);
    free(p);
}

void att__policy_prog_version(const att__policy_prog *p, unsigned *major, unsigned *minor)
{
    if (major)
        *major = p->major;
    if (minor)
        *minor = p->minor;
}

size_t att__policy_prog_rule_count(const att__policy_prog *p, att__policy_section s)
{
    return (unsigned)s < ATT_POLICY_SECTIONS ? p->nrules[s] : 0;
}

const att__policy_config *att__policy_prog_config(const att__policy_prog *p)
{
    return &p->config;
}
