/* Recursive-descent parser of the policy language (grammar: docs/internals/policy.md). It
 * builds the program tree in the program's arena and hands each rule to compile.c for the
 * semantic checks. Errors name the offending token, what was expected and the grammar rule
 * being parsed, in the form of MAA's ANTLR messages:
 *   Offending symbol: '=' Line: '4', Column: '12': mismatched input '=' expecting one of
 *   '==', '!=', '<', '<=', '>', '>=' (Failing rule: 'policy > authorizationrules > rule >
 *   condition')
 * Keywords are lower-case and matched exactly; a keyword written in another case is named
 * in a hint. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "policy/policy_int.h"

#define MAX_CTX 8

typedef struct parser {
    att__policy_prog *p;
    const char *text;
    att__plex lx;
    att__ptok tok;   /* lookahead */
    size_t prev_end; /* end offset of the last consumed token */
    att_diag *d;
    const char *ctx[MAX_CTX];
    int nctx;
} parser;

static void push_ctx(parser *ps, const char *name)
{
    if (ps->nctx < MAX_CTX)
        ps->ctx[ps->nctx] = name;
    ps->nctx++;
}

static void pop_ctx(parser *ps)
{
    ps->nctx--;
}

static int next(parser *ps)
{
    ps->prev_end = ps->tok.off + ps->tok.len;
    return att__plex_next(&ps->lx, &ps->tok, ps->d);
}

/* The token after the lookahead, without consuming anything. */
static int peek2(parser *ps, att__ptok *t)
{
    att__plex copy = ps->lx;
    att_diag scratch;
    att_diag_clear(&scratch);
    if (att__plex_next(&copy, t, &scratch) != ATT_OK)
        t->kind = PT_EOF;
    return ATT_OK;
}

static int is_kw(const parser *ps, const char *kw)
{
    return ps->tok.kind == PT_IDENT && ps->tok.len == strlen(kw) &&
           memcmp(ps->text + ps->tok.off, kw, ps->tok.len) == 0;
}

/* Syntax error at the lookahead: "mismatched input 'X' expecting <what>". kws (may be NULL)
 * lists keywords that were acceptable here, for the case hint. */
static int fail_expect(parser *ps, const char *what, const char *const *kws, const char *extra)
{
    char tok[64], path[160], hint[96] = "";
    att__plex_tokname(ps->text, &ps->tok, tok, sizeof(tok));
    size_t o = 0;
    path[0] = '\0';
    for (int i = 0; i < ps->nctx && i < MAX_CTX; i++)
        o += (size_t)snprintf(path + o, o < sizeof(path) ? sizeof(path) - o : 0, "%s%s",
                              i ? " > " : "", ps->ctx[i]);
    for (size_t i = 0; kws && kws[i] && ps->tok.kind == PT_IDENT; i++)
        if (ps->tok.len == strlen(kws[i]) &&
            strncasecmp(ps->text + ps->tok.off, kws[i], ps->tok.len) == 0)
            snprintf(hint, sizeof(hint), " (keywords are case-sensitive: write '%s')", kws[i]);
    return att__policy_fail_at(ps->d, ATT_EPARSE, "policy.syntax", tok, ps->tok.line, ps->tok.col,
                               "mismatched input '%s' expecting %s%s%s (Failing rule: '%s')", tok,
                               what, hint, extra ? extra : "", path);
}

static int expect(parser *ps, att__ptok_kind k, const char *what)
{
    if (ps->tok.kind != k)
        return fail_expect(ps, what, NULL, NULL);
    return next(ps);
}

static int expect_kw(parser *ps, const char *kw)
{
    if (!is_kw(ps, kw)) {
        char what[48];
        snprintf(what, sizeof(what), "'%s'", kw);
        const char *kws[] = {kw, NULL};
        return fail_expect(ps, what, kws, NULL);
    }
    return next(ps);
}

__attribute__((format(printf, 2, 3))) static int fail_limit(parser *ps, const char *fmt, ...)
{
    char tok[64], msg[128];
    att__plex_tokname(ps->text, &ps->tok, tok, sizeof(tok));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return att__policy_fail_at(ps->d, ATT_ELIMIT, "policy.limit", tok, ps->tok.line, ps->tok.col,
                               "%s", msg);
}

static const char *const prop_names[] = {"type", "value", "valueType", "issuer", NULL};

static int parse_prop(parser *ps, uint8_t *prop)
{
    for (int i = 0; prop_names[i]; i++)
        if (is_kw(ps, prop_names[i])) {
            *prop = (uint8_t)i;
            return next(ps);
        }
    return fail_expect(ps, "'type', 'value', 'valueType' or 'issuer'", prop_names, NULL);
}

static int parse_expr(parser *ps, att__pexpr *e, unsigned depth);

static int parse_call(parser *ps, att__pexpr *e, unsigned depth)
{
    size_t name_off = ps->tok.off, name_len = ps->tok.len;
    int fn = -1;
    for (int f = 0; f < PF_COUNT; f++)
        if (strlen(att__pfn_name((att__pfn)f)) == name_len &&
            memcmp(ps->text + name_off, att__pfn_name((att__pfn)f), name_len) == 0)
            fn = f;
    if (fn < 0) {
        char tok[64];
        att__plex_tokname(ps->text, &ps->tok, tok, sizeof(tok));
        return att__policy_fail_at(ps->d, ATT_EPARSE, "policy.semantic", tok, ps->tok.line,
                                   ps->tok.col,
                                   "unknown function '%s' (functions: JmesPath, JsonToClaimValue, "
                                   "IsSubsetOf, AppendString, NegateBool, ContainsOnlyValue)",
                                   tok);
    }
    if (depth >= ATT_MAX_POLICY_EXPR_DEPTH)
        return fail_limit(ps, "function calls nested deeper than %u", ATT_MAX_POLICY_EXPR_DEPTH);
    e->kind = PX_CALL;
    e->fn = (uint8_t)fn;
    int rc = next(ps); /* name */
    if (rc == ATT_OK)
        rc = next(ps); /* ( */
    if (rc != ATT_OK)
        return rc;
    push_ctx(ps, "functionCall");
    att__pexpr args[ATT_MAX_POLICY_FUNC_ARGS];
    unsigned n = 0;
    if (ps->tok.kind != PT_RPAREN) {
        for (;;) {
            if (n >= ATT_MAX_POLICY_FUNC_ARGS)
                return fail_limit(ps, "more than %u function arguments", ATT_MAX_POLICY_FUNC_ARGS);
            memset(&args[n], 0, sizeof(args[n]));
            if ((rc = parse_expr(ps, &args[n], depth + 1)) != ATT_OK)
                return rc;
            n++;
            if (ps->tok.kind != PT_COMMA)
                break;
            if ((rc = next(ps)) != ATT_OK)
                return rc;
        }
    }
    if ((rc = expect(ps, PT_RPAREN, "',' or ')'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    e->nargs = (uint16_t)n;
    if (n) {
        e->args = att__arena_memdup(&ps->p->arena, args, n * sizeof(args[0]));
        if (!e->args)
            return ATT_ENOMEM;
    }
    return ATT_OK;
}

static int parse_expr(parser *ps, att__pexpr *e, unsigned depth)
{
    memset(e, 0, sizeof(*e));
    e->off = ps->tok.off;
    e->line = ps->tok.line;
    e->col = ps->tok.col;
    e->stype = PS_ANY;
    int rc;
    push_ctx(ps, "expression");
    switch (ps->tok.kind) {
    case PT_STRING:
        e->kind = PX_STR;
        e->stype = PS_STRING;
        e->s = att__plex_string(ps->text, &ps->tok, &ps->p->arena, &e->len);
        if (!e->s)
            return ATT_ENOMEM;
        rc = next(ps);
        break;
    case PT_INT:
        e->kind = PX_INT;
        e->stype = PS_INTEGER;
        e->i = ps->tok.ival;
        rc = next(ps);
        break;
    case PT_IDENT: {
        if (is_kw(ps, "true") || is_kw(ps, "false")) {
            e->kind = PX_BOOL;
            e->stype = PS_BOOLEAN;
            e->i = is_kw(ps, "true");
            rc = next(ps);
            break;
        }
        att__ptok after;
        peek2(ps, &after);
        if (after.kind == PT_LPAREN) {
            rc = parse_call(ps, e, depth);
            break;
        }
        if (after.kind != PT_DOT) {
            static const char *const lits[] = {"true", "false", NULL};
            rc = fail_expect(ps,
                             "a string, an integer, true, false, label.property or a function "
                             "call",
                             lits, NULL);
            break;
        }
        e->kind = PX_REF;
        e->s = att__arena_strndup(&ps->p->arena, ps->text + ps->tok.off, ps->tok.len);
        if (!e->s)
            return ATT_ENOMEM;
        e->len = ps->tok.len;
        if ((rc = next(ps)) != ATT_OK || (rc = next(ps)) != ATT_OK) /* label . */
            break;
        rc = parse_prop(ps, &e->prop);
        e->stype = e->prop == PP_VALUE ? PS_ANY : PS_STRING;
        break;
    }
    default:
        rc = fail_expect(ps, "a string, an integer, true, false, label.property or a function call",
                         NULL, NULL);
    }
    if (rc != ATT_OK)
        return rc;
    pop_ctx(ps);
    e->srclen = ps->prev_end - e->off;
    return ATT_OK;
}

static int parse_test(parser *ps, att__ptest *t)
{
    size_t start = ps->tok.off;
    push_ctx(ps, "claimPropertyCondition");
    int rc = parse_prop(ps, &t->prop);
    if (rc != ATT_OK)
        return rc;
    static const att__ptok_kind ops[] = {PT_EQ, PT_NE, PT_LT, PT_LE, PT_GT, PT_GE};
    int op = -1;
    for (int i = 0; i < 6; i++)
        if (ps->tok.kind == ops[i])
            op = i;
    if (op < 0)
        return fail_expect(ps, "one of '==', '!=', '<', '<=', '>', '>='", NULL,
                           ps->tok.kind == PT_ASSIGN
                               ? "; '=' assigns in actions, conditions compare with '=='"
                               : NULL);
    t->op = (uint8_t)op;
    if ((rc = next(ps)) != ATT_OK || (rc = parse_expr(ps, &t->rhs, 0)) != ATT_OK)
        return rc;
    pop_ctx(ps);
    t->text = att__plex_normalize(ps->text, start, ps->prev_end - start, &ps->p->arena);
    return t->text ? ATT_OK : ATT_ENOMEM;
}

static int parse_cond(parser *ps, att__pcond *c, const char **label_out)
{
    memset(c, 0, sizeof(*c));
    c->label = -1;
    c->type_test = -1;
    c->line = ps->tok.line;
    c->col = ps->tok.col;
    size_t start = ps->tok.off;
    int rc;
    push_ctx(ps, "condition");
    if (ps->tok.kind == PT_NOT) {
        c->negated = 1;
        if ((rc = next(ps)) != ATT_OK)
            return rc;
    }
    const char *label = NULL;
    if (ps->tok.kind == PT_IDENT) {
        att__ptok after;
        peek2(ps, &after);
        if (after.kind != PT_COLON) {
            static const char *const acts[] = {"permit", "deny",          "add",
                                               "issue",  "issueproperty", NULL};
            for (int i = 0; acts[i]; i++)
                if (is_kw(ps, acts[i]))
                    return fail_expect(ps, "'=>' before the action", NULL, NULL);
            return fail_expect(ps, "'[' or a label followed by ':'", acts, NULL);
        }
        label = att__arena_strndup(&ps->p->arena, ps->text + ps->tok.off, ps->tok.len);
        if (!label)
            return ATT_ENOMEM;
        if ((rc = next(ps)) != ATT_OK || (rc = next(ps)) != ATT_OK)
            return rc;
    }
    if ((rc = expect(ps, PT_LBRACK, "'['")) != ATT_OK)
        return rc;
    att__ptest tests[ATT_MAX_POLICY_TESTS];
    unsigned n = 0;
    for (;;) {
        if (n >= ATT_MAX_POLICY_TESTS)
            return fail_limit(ps, "more than %u property tests in one condition",
                              ATT_MAX_POLICY_TESTS);
        memset(&tests[n], 0, sizeof(tests[n]));
        if ((rc = parse_test(ps, &tests[n])) != ATT_OK)
            return rc;
        n++;
        if (ps->tok.kind != PT_COMMA)
            break;
        if ((rc = next(ps)) != ATT_OK)
            return rc;
    }
    if ((rc = expect(ps, PT_RBRACK, "',' or ']'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    c->ntests = (uint16_t)n;
    c->tests = att__arena_memdup(&ps->p->arena, tests, n * sizeof(tests[0]));
    c->text = att__plex_normalize(ps->text, start, ps->prev_end - start, &ps->p->arena);
    if (!c->tests || !c->text)
        return ATT_ENOMEM;
    *label_out = label;
    return ATT_OK;
}

static const char *const action_names[] = {"permit", "deny", "add", "issue", "issueproperty", NULL};

/* Parses one named argument value of an action (type=, value=) into a new node. */
static int parse_arg_expr(parser *ps, att__pexpr **out)
{
    *out = att__arena_alloc(&ps->p->arena, sizeof(**out));
    if (!*out)
        return ATT_ENOMEM;
    return parse_expr(ps, *out, 0);
}

static int parse_claim_spec(parser *ps, att__paction *a)
{
    int rc;
    if (is_kw(ps, "claim")) {
        if ((rc = next(ps)) != ATT_OK || (rc = expect(ps, PT_ASSIGN, "'='")) != ATT_OK)
            return rc;
        if (ps->tok.kind != PT_IDENT)
            return fail_expect(ps, "a label", NULL, NULL);
        a->claim_name = att__arena_strndup(&ps->p->arena, ps->text + ps->tok.off, ps->tok.len);
        if (!a->claim_name)
            return ATT_ENOMEM;
        return next(ps);
    }
    static const char *const names[] = {"type", "value", "valueType", "claim", NULL};
    int seen[3] = {0, 0, 0};
    for (;;) {
        int which = -1;
        for (int i = 0; i < 3; i++)
            if (is_kw(ps, names[i]))
                which = i;
        if (which < 0)
            return fail_expect(ps, "'type', 'value', 'valueType' or 'claim'", names, NULL);
        if (seen[which]) {
            char tok[64];
            att__plex_tokname(ps->text, &ps->tok, tok, sizeof(tok));
            return att__policy_fail_at(ps->d, ATT_EPARSE, "policy.syntax", tok, ps->tok.line,
                                       ps->tok.col, "'%s' is given twice", names[which]);
        }
        seen[which] = 1;
        if ((rc = next(ps)) != ATT_OK)
            return rc;
        if (ps->tok.kind != PT_ASSIGN)
            return fail_expect(ps, "'='", NULL,
                               ps->tok.kind == PT_EQ
                                   ? "; actions assign with '=', conditions compare with '=='"
                                   : NULL);
        if ((rc = next(ps)) != ATT_OK)
            return rc;
        if (which == 0) {
            rc = parse_arg_expr(ps, &a->type);
        } else if (which == 1) {
            rc = parse_arg_expr(ps, &a->value);
        } else {
            att__cv_type vt;
            char *s = NULL;
            if (ps->tok.kind == PT_STRING)
                s = att__plex_string(ps->text, &ps->tok, &ps->p->arena, NULL);
            if (ps->tok.kind != PT_STRING || !s || att__cv_type_parse(s, &vt) != ATT_OK)
                return fail_expect(ps, "\"String\", \"Integer\" or \"Boolean\"", NULL, NULL);
            a->vtype = (int8_t)vt;
            rc = next(ps);
        }
        if (rc != ATT_OK)
            return rc;
        if (ps->tok.kind != PT_COMMA)
            break;
        if ((rc = next(ps)) != ATT_OK)
            return rc;
    }
    if (ps->tok.kind != PT_RPAREN)
        return fail_expect(ps, "',' or ')'", NULL, NULL);
    if (!seen[0] || !seen[1]) {
        char tok[64];
        att__plex_tokname(ps->text, &ps->tok, tok, sizeof(tok));
        return att__policy_fail_at(ps->d, ATT_EPARSE, "policy.syntax", tok, ps->tok.line,
                                   ps->tok.col, "%s() needs both type= and value= (missing %s=)",
                                   att__pakind_name((att__pakind)a->kind),
                                   seen[0] ? "value" : "type");
    }
    return ATT_OK;
}

static int parse_action(parser *ps, att__paction *a)
{
    memset(a, 0, sizeof(*a));
    a->vtype = -1;
    a->claim = -1;
    a->line = ps->tok.line;
    a->col = ps->tok.col;
    int kind = -1;
    for (int i = 0; action_names[i]; i++)
        if (is_kw(ps, action_names[i]))
            kind = i;
    if (kind < 0)
        return fail_expect(ps, "'permit', 'deny', 'add', 'issue' or 'issueproperty'", action_names,
                           NULL);
    a->kind = (uint8_t)kind;
    push_ctx(ps, "action");
    int rc = next(ps);
    if (rc == ATT_OK)
        rc = expect(ps, PT_LPAREN, "'('");
    if (rc != ATT_OK)
        return rc;
    if (kind == PA_PERMIT || kind == PA_DENY) {
        if (ps->tok.kind != PT_RPAREN)
            return fail_expect(ps, "')'", NULL, "; permit() and deny() take no arguments");
    } else if ((rc = parse_claim_spec(ps, a)) != ATT_OK) {
        return rc;
    }
    if ((rc = expect(ps, PT_RPAREN, "',' or ')'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    return ATT_OK;
}

static int parse_rule(parser *ps, att__policy_section sec, att__prule *r)
{
    memset(r, 0, sizeof(*r));
    r->section = (uint8_t)sec;
    r->line = ps->tok.line;
    r->col = ps->tok.col;
    size_t start = ps->tok.off;
    push_ctx(ps, "rule");
    att__pcond conds[ATT_MAX_POLICY_CONDITIONS];
    const char *labels[ATT_MAX_POLICY_CONDITIONS];
    int16_t label_cond[ATT_MAX_POLICY_CONDITIONS];
    unsigned n = 0, nl = 0;
    int rc;
    if (ps->tok.kind != PT_ARROW) {
        for (;;) {
            if (n >= ATT_MAX_POLICY_CONDITIONS)
                return fail_limit(ps, "more than %u conditions in one rule",
                                  ATT_MAX_POLICY_CONDITIONS);
            const char *label = NULL;
            if ((rc = parse_cond(ps, &conds[n], &label)) != ATT_OK)
                return rc;
            if (label) {
                conds[n].label = (int16_t)nl;
                labels[nl] = label;
                label_cond[nl] = (int16_t)n;
                nl++;
            }
            n++;
            if (ps->tok.kind != PT_AND)
                break;
            if ((rc = next(ps)) != ATT_OK)
                return rc;
        }
    }
    if ((rc = expect(ps, PT_ARROW, n ? "'&&' or '=>'" : "'=>'")) != ATT_OK)
        return rc;
    if ((rc = parse_action(ps, &r->act)) != ATT_OK)
        return rc;
    if ((rc = expect(ps, PT_SEMI, "';'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    r->ncond = (uint16_t)n;
    r->nlabels = (uint16_t)nl;
    att__arena *A = &ps->p->arena;
    if (n && !(r->conds = att__arena_memdup(A, conds, n * sizeof(conds[0]))))
        return ATT_ENOMEM;
    if (nl) {
        r->label_names = att__arena_memdup(A, labels, nl * sizeof(labels[0]));
        r->label_cond = att__arena_memdup(A, label_cond, nl * sizeof(label_cond[0]));
        r->label_flags = att__arena_alloc(A, nl);
        if (!r->label_names || !r->label_cond || !r->label_flags)
            return ATT_ENOMEM;
    }
    char *text = att__plex_normalize(ps->text, start, ps->prev_end - start, A);
    if (!text)
        return ATT_ENOMEM;
    size_t tl = strlen(text);
    while (tl > 0 && (text[tl - 1] == ';' || text[tl - 1] == ' '))
        text[--tl] = '\0';
    r->text = text;
    return att__policy_check_rule(ps->p, ps->text, r, ps->d);
}

static int parse_section(parser *ps, att__policy_section sec)
{
    const char *name = att__psection_name(sec);
    push_ctx(ps, name);
    int rc = next(ps); /* the keyword, checked by the caller */
    if (rc == ATT_OK)
        rc = expect(ps, PT_LBRACE, "'{'");
    if (rc != ATT_OK)
        return rc;
    att__prule *rules = NULL;
    size_t n = 0, cap = 0;
    while (ps->tok.kind != PT_RBRACE) {
        if (ps->tok.kind == PT_EOF)
            return fail_expect(ps, "a rule or '}'", NULL, NULL);
        if (n >= ATT_MAX_POLICY_RULES)
            return fail_limit(ps, "more than %u rules in one section", ATT_MAX_POLICY_RULES);
        if (n == cap) {
            size_t nc = cap ? cap * 2 : 8;
            att__prule *nr = att__arena_alloc(&ps->p->arena, nc * sizeof(*nr));
            if (!nr)
                return ATT_ENOMEM;
            if (n)
                memcpy(nr, rules, n * sizeof(*nr));
            rules = nr;
            cap = nc;
        }
        if ((rc = parse_rule(ps, sec, &rules[n])) != ATT_OK)
            return rc;
        rules[n].index = (uint32_t)n;
        n++;
    }
    if ((rc = next(ps)) != ATT_OK || (rc = expect(ps, PT_SEMI, "';'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    ps->p->rules[sec] = rules;
    ps->p->nrules[sec] = n;
    return ATT_OK;
}

static int parse_version(parser *ps)
{
    push_ctx(ps, "versionInfo");
    int rc = expect_kw(ps, "version");
    if (rc == ATT_OK)
        rc = expect(ps, PT_ASSIGN, "'='");
    if (rc != ATT_OK)
        return rc;
    att__ptok vt = ps->tok;
    int64_t v[2];
    for (int i = 0; i < 2; i++) {
        if (ps->tok.kind != PT_INT || ps->tok.ival < 0 || ps->tok.ival > 1000)
            return fail_expect(ps, "a version number such as 1.2", NULL, NULL);
        v[i] = ps->tok.ival;
        if ((rc = next(ps)) != ATT_OK)
            return rc;
        if (i == 0 && (rc = expect(ps, PT_DOT, "'.'")) != ATT_OK)
            return rc;
    }
    if ((rc = expect(ps, PT_SEMI, "';'")) != ATT_OK)
        return rc;
    pop_ctx(ps);
    if (v[0] != 1 || v[1] > 2)
        return att__policy_fail_at(
            ps->d, ATT_EPARSE, "policy.semantic", "version", vt.line, vt.col,
            "unsupported policy version %lld.%lld (supported: 1.0, 1.1, 1.2)", (long long)v[0],
            (long long)v[1]);
    ps->p->major = (unsigned)v[0];
    ps->p->minor = (unsigned)v[1];
    return ATT_OK;
}

int att__policy_parse(att__policy_prog *p, const char *text, size_t n, att_diag *d)
{
    parser ps;
    memset(&ps, 0, sizeof(ps));
    ps.p = p;
    ps.text = text;
    ps.d = d;
    att__plex_init(&ps.lx, text, n);
    int rc = att__plex_next(&ps.lx, &ps.tok, d);
    if (rc != ATT_OK)
        return rc;
    push_ctx(&ps, "policy");
    if ((rc = parse_version(&ps)) != ATT_OK)
        return rc;
    static const char *const kws[] = {"configurationrules", "authorizationrules", "issuancerules",
                                      NULL};
    if (is_kw(&ps, "configurationrules")) {
        if (p->minor < 1)
            return att__policy_fail_at(d, ATT_EPARSE, "policy.semantic", "configurationrules",
                                       ps.tok.line, ps.tok.col,
                                       "configurationrules requires policy version 1.1 or later "
                                       "(this policy declares version %u.%u)",
                                       p->major, p->minor);
        if ((rc = parse_section(&ps, ATT_POLICY_CONFIGURATION)) != ATT_OK)
            return rc;
        if (!is_kw(&ps, "authorizationrules"))
            return fail_expect(&ps, "'authorizationrules'", kws, NULL);
    } else if (!is_kw(&ps, "authorizationrules")) {
        return fail_expect(&ps,
                           p->minor >= 1 ? "'configurationrules' or 'authorizationrules'"
                                         : "'authorizationrules'",
                           kws, NULL);
    }
    if ((rc = parse_section(&ps, ATT_POLICY_AUTHORIZATION)) != ATT_OK)
        return rc;
    int issuance = is_kw(&ps, "issuancerules");
    if (issuance && (rc = parse_section(&ps, ATT_POLICY_ISSUANCE)) != ATT_OK)
        return rc;
    if (ps.tok.kind != PT_EOF)
        return fail_expect(&ps, issuance ? "end of input" : "'issuancerules' or end of input", kws,
                           NULL);
    return ATT_OK;
}
