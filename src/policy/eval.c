/* Policy evaluation (policy.h, maa.md §3.4): authorization rules, then issuance rules, over
 * the request's claims. For each rule a depth-first search walks its conditions in order:
 * a condition holds when at least one claim of the set the rule started with passes all its
 * tests ('!': when none does). A label referenced as a single value (c.value in an action
 * or a later condition) makes the search branch once per matching claim, so the action runs
 * once per matching combination; a label used only as a whole set (IsSubsetOf,
 * ContainsOnlyValue) binds all matching claims and does not branch. The search records what
 * failed first, which is what the explanation reports. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_int.h"

int att__peval_fail(att__pctx *c, int err, const char *reason, uint32_t line, uint32_t col,
                    const char *fmt, ...)
{
    att__policy_trace *t = c->res->trace;
    if (t->error)
        return err;
    char what[ATT_DIAG_MESSAGE_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    char full[ATT_DIAG_MESSAGE_MAX + 48];
    snprintf(full, sizeof(full), "%s (at line %u, column %u)", what, line, col);
    t->error = att__arena_strdup(c->a, full);
    t->error_reason = reason;
    t->error_sec = c->rule ? (int32_t)c->rule->section : -1;
    t->error_rule = c->rule ? (int32_t)c->rule->index : -1;
    return t->error ? err : ATT_ENOMEM;
}

int att__pctx_keep(att__pctx *c, json_t *v)
{
    if (!v)
        return ATT_ENOMEM;
    if (c->ntemps == c->captemps) {
        size_t cap = c->captemps ? c->captemps * 2 : 16;
        json_t **t = att__arena_alloc(c->a, cap * sizeof(*t));
        if (!t) {
            json_decref(v);
            return ATT_ENOMEM;
        }
        if (c->ntemps)
            memcpy(t, c->temps, c->ntemps * sizeof(*t));
        c->temps = t;
        c->captemps = cap;
    }
    c->temps[c->ntemps++] = v;
    return ATT_OK;
}

/* Links claim k into its type bucket (claims are linked in ascending order). Links are
 * stored as index + 1 so that the arena's zeroed memory means "none". */
static void index_claim(att__pctx *c, size_t k)
{
    uint32_t b = c->in->v[k].type_hash & c->mask;
    if (c->tail[b])
        c->next[c->tail[b] - 1] = (int32_t)k + 1;
    else
        c->head[b] = (int32_t)k + 1;
    c->tail[b] = (int32_t)k + 1;
}

/* Grows the arrays kept parallel to the incoming set to its capacity. */
static int grow_side(att__pctx *c)
{
    size_t cap = c->in->cap;
    if (c->jcap >= cap)
        return ATT_OK;
    json_t **j = att__arena_alloc(c->a, cap * sizeof(*j));
    int32_t *nx = att__arena_alloc(c->a, cap * sizeof(*nx));
    if (!j || !nx)
        return ATT_ENOMEM;
    if (c->jcap) {
        memcpy(j, c->jcache, c->jcap * sizeof(*j));
        memcpy(nx, c->next, c->jcap * sizeof(*nx));
    }
    c->jcache = j;
    c->next = nx;
    c->jcap = cap;
    return ATT_OK;
}

int att__pctx_push(att__pctx *c, const att__claim *cl, json_t *json)
{
    int rc = att__claims_push(c->in, cl);
    if (rc == ATT_ELIMIT)
        return att__peval_fail(c, ATT_EPOLICY, "policy.limit", c->rule->act.line, c->rule->act.col,
                               "more than %u claims in the incoming set", ATT_MAX_POLICY_CLAIMS);
    if (rc != ATT_OK || (rc = grow_side(c)) != ATT_OK)
        return rc;
    c->jcache[c->in->n - 1] = json;
    index_claim(c, c->in->n - 1);
    return ATT_OK;
}

int att__pmatch_test(const att__claim *cl, const att__ptest *t, const att__pval *rhs)
{
    const att__pval *v = rhs;
    if (v->kind == PV_SET) /* a set compares only when it holds exactly one value */
        v = v->n == 1 ? &v->items[0] : NULL;
    if (!v || v->kind == PV_EMPTY)
        return 0;
    const char *s;
    switch (t->prop) {
    case PP_TYPE:
        s = cl->type;
        break;
    case PP_ISSUER:
        s = cl->issuer;
        break;
    case PP_VALUETYPE:
        s = att__cv_type_name(cl->vtype);
        break;
    default: /* PP_VALUE */
        switch (cl->vtype) {
        case ATT_CV_INTEGER:
            if (v->kind != PV_INT)
                return 0;
            switch (t->op) {
            case PO_EQ:
                return cl->i == v->i;
            case PO_NE:
                return cl->i != v->i;
            case PO_LT:
                return cl->i < v->i;
            case PO_LE:
                return cl->i <= v->i;
            case PO_GT:
                return cl->i > v->i;
            default:
                return cl->i >= v->i;
            }
        case ATT_CV_BOOLEAN:
            if (v->kind != PV_BOOL || t->op > PO_NE)
                return 0;
            return (cl->b == (int)v->i) == (t->op == PO_EQ);
        default:
            if (v->kind != PV_STR || t->op > PO_NE)
                return 0;
            return (cl->len == v->len && memcmp(cl->str, v->s, v->len) == 0) == (t->op == PO_EQ);
        }
    }
    if (v->kind != PV_STR)
        return 0;
    size_t n = strlen(s);
    return (n == v->len && memcmp(s, v->s, n) == 0) == (t->op == PO_EQ);
}

/* Candidates of a condition in claim order: the claims of its literal type's bucket, or
 * every claim. Iterate with  for (k = first(); k >= 0 && k < n0; k = next(k)). */
static int32_t first_cand(const att__pctx *c, const att__pcond *cd)
{
    return cd->type_test >= 0 ? c->head[cd->type_hash & c->mask] - 1 : 0;
}

static int32_t next_cand(const att__pctx *c, const att__pcond *cd, int32_t k)
{
    return cd->type_test >= 0 ? c->next[k] - 1 : k + 1;
}

static int matches(const att__pctx *c, const att__pcond *cd, const att__pval *rhs, size_t k)
{
    const att__claim *cl = &c->in->v[k];
    if (cd->type_test >= 0 && cl->type_hash != cd->type_hash)
        return 0;
    for (unsigned t = 0; t < cd->ntests; t++)
        if (!att__pmatch_test(cl, &cd->tests[t], &rhs[t]))
            return 0;
    return 1;
}

static void record_fail(att__pctx *c, unsigned i, const att__pval *rhs, long neg_claim)
{
    att__prule_trace *tr = c->tr;
    if (tr->fail_cond >= 0)
        return;
    tr->fail_cond = (int32_t)i;
    tr->neg_claim = (int32_t)neg_claim;
    unsigned nt = c->rule->conds[i].ntests;
    tr->fail_rhs = att__arena_memdup(c->a, rhs, nt * sizeof(*rhs)); /* NULL: less detail */
    for (unsigned t = 0; tr->fail_rhs && t < nt; t++)
        tr->fail_rhs[t].json = NULL; /* released when the evaluation ends */
}

/* issue() of identical (type, value type, value) twice puts it in the token once. */
static int in_outgoing(const att__claimset *out, const att__claim *cl)
{
    for (size_t i = 0; i < out->n; i++) {
        const att__claim *o = &out->v[i];
        if (o->type_hash != cl->type_hash || o->vtype != cl->vtype || strcmp(o->type, cl->type))
            continue;
        if (cl->vtype == ATT_CV_STRING ? (o->len == cl->len && !memcmp(o->str, cl->str, cl->len))
                                       : (o->i == cl->i && o->b == cl->b))
            return 1;
    }
    return 0;
}

static int set_property(att__pctx *c, const att__claim *cl)
{
    att__policy_props *pr = &c->res->props;
    const att__paction *a = &c->rule->act;
    if (strcmp(cl->type, "report_validity_in_minutes") == 0) {
        if (cl->vtype != ATT_CV_INTEGER || cl->i < 1 || cl->i > 525600)
            return att__peval_fail(c, ATT_EPOLICY, "policy.property", a->line, a->col,
                                   "report_validity_in_minutes takes an Integer from 1 to 525600");
        pr->report_validity_in_minutes = cl->i;
    } else if (strcmp(cl->type, "omit_x5c") == 0) {
        if (cl->vtype != ATT_CV_BOOLEAN)
            return att__peval_fail(c, ATT_EPOLICY, "policy.property", a->line, a->col,
                                   "omit_x5c takes a Boolean");
        pr->omit_x5c = cl->b;
    } else if (strcmp(cl->type, "require_valid_aik_cert") == 0 ||
               strcmp(cl->type, "required_pcr_mask") == 0 ||
               strcmp(cl->type, "x-ms-sgx-tcbidentifier") == 0) {
        return att__peval_fail(c, ATT_EPOLICY, "policy.property", a->line, a->col,
                               "'%s' is a configuration property: set it in configurationrules",
                               cl->type);
    }
    return att__claims_push(&pr->issued, cl);
}

/* Puts one claim made by the current rule's action where the action sends it. */
static int emit(att__pctx *c, att__claim *cl, json_t *json)
{
    const att__prule *r = c->rule;
    att__pakind kind = (att__pakind)r->act.kind;
    cl->issuer = ATT_ISSUER_POLICY;
    cl->type_hash = att__claim_type_hash(cl->type, strlen(cl->type));
    int rc;
    if (kind == PA_ISSUE && r->section == ATT_POLICY_ISSUANCE) {
        if (cl->flags & ATT_CLAIM_READONLY)
            return att__peval_fail(c, ATT_EPOLICY, "policy.readonly", r->act.line, r->act.col,
                                   "cannot issue '%s': its value comes from a read-only claim",
                                   cl->type);
        if (!in_outgoing(&c->res->outgoing, cl)) {
            if (c->res->outgoing.n >= ATT_MAX_CLAIMS_PER_TOKEN)
                return att__peval_fail(c, ATT_EPOLICY, "policy.limit", r->act.line, r->act.col,
                                       "more than %u claims issued", ATT_MAX_CLAIMS_PER_TOKEN);
            if ((rc = att__claims_push(&c->res->outgoing, cl)) != ATT_OK)
                return rc;
        }
    } else if (kind == PA_ISSUEPROPERTY) {
        if ((rc = set_property(c, cl)) != ATT_OK)
            return rc;
    }
    /* add(), issue() and issueproperty() all extend the incoming set (issue() in
     * authorizationrules acts as add(): nothing reaches the token from that section). */
    return att__pctx_push(c, cl, json);
}

static int run_claim_action(att__pctx *c)
{
    const att__paction *a = &c->rule->act;
    int rc;
    if (a->claim >= 0) {
        int32_t k = c->bind_claim[a->claim];
        att__claim cl = c->in->v[k];
        return emit(c, &cl, c->jcache[k]);
    }
    att__pval tv, vv;
    if ((rc = att__peval_expr(c, a->type, &tv, 0)) != ATT_OK ||
        (rc = att__peval_expr(c, a->value, &vv, 0)) != ATT_OK)
        return rc;
    if (tv.kind == PV_SET && tv.n <= 1)
        tv = tv.n ? tv.items[0] : (att__pval){.kind = PV_EMPTY};
    if (tv.kind == PV_EMPTY || vv.kind == PV_EMPTY)
        return ATT_OK; /* an empty claim: nothing is added or issued (§3.5) */
    if (tv.kind != PV_STR || tv.len == 0 || memchr(tv.s, 0, tv.len))
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", a->type->line, a->type->col,
                               "the claim type must be one non-empty String");
    const att__pval *items = &vv;
    size_t n = 1;
    if (vv.kind == PV_SET) {
        items = vv.items;
        n = vv.n;
    }
    for (size_t i = 0; i < n; i++) {
        att__pval v = items[i];
        if (a->vtype >= 0 && (rc = att__pval_convert(&v, (att__cv_type)a->vtype, c->a)) != ATT_OK)
            return rc == ATT_ENOMEM
                       ? rc
                       : att__peval_fail(c, ATT_EPOLICY, "policy.function", a->value->line,
                                         a->value->col, "the value cannot be converted to %s",
                                         att__cv_type_name((att__cv_type)a->vtype));
        att__claim cl = {.type = tv.s, .flags = (v.ro || tv.ro) ? ATT_CLAIM_READONLY : 0u};
        switch (v.kind) {
        case PV_STR:
            cl.vtype = ATT_CV_STRING;
            cl.str = v.s;
            cl.len = v.len;
            break;
        case PV_INT:
            cl.vtype = ATT_CV_INTEGER;
            cl.i = v.i;
            break;
        default:
            cl.vtype = ATT_CV_BOOLEAN;
            cl.b = (int)v.i;
        }
        json_t *json = v.json;
        if (!json && v.claim >= 0 && (size_t)v.claim < c->jcap)
            json = c->jcache[v.claim];
        if ((rc = emit(c, &cl, json)) != ATT_OK)
            return rc;
    }
    return ATT_OK;
}

static int run_action(att__pctx *c)
{
    const att__prule *r = c->rule;
    if (++c->combos > ATT_MAX_POLICY_COMBINATIONS)
        return att__peval_fail(c, ATT_EPOLICY, "policy.limit", r->line, r->col,
                               "the rule matched more than %u claim combinations",
                               ATT_MAX_POLICY_COMBINATIONS);
    c->tr->fired++;
    att__policy_trace *t = c->res->trace;
    switch ((att__pakind)r->act.kind) {
    case PA_PERMIT:
        c->permitted = 1;
        if (t->permit_rule < 0)
            t->permit_rule = (int32_t)r->index;
        return ATT_OK;
    case PA_DENY:
        c->denied = 1;
        t->deny_rule = (int32_t)r->index;
        if (r->ncond)
            c->tr->match = att__arena_memdup(c->a, c->match_path, r->ncond * sizeof(int32_t));
        return ATT_OK;
    default:
        return run_claim_action(c);
    }
}

static int search(att__pctx *c, unsigned i)
{
    const att__prule *r = c->rule;
    if (++c->search > ATT_MAX_POLICY_SEARCH)
        return att__peval_fail(c, ATT_EPOLICY, "policy.limit", r->line, r->col,
                               "the rule examined more than %u claim combinations",
                               ATT_MAX_POLICY_SEARCH);
    if (i == r->ncond)
        return run_action(c);
    const att__pcond *cd = &r->conds[i];
    att__pval rhs[ATT_MAX_POLICY_TESTS];
    int rc;
    for (unsigned t = 0; t < cd->ntests; t++)
        if ((rc = att__peval_expr(c, &cd->tests[t].rhs, &rhs[t], 0)) != ATT_OK)
            return rc;
    const int32_t n0 = (int32_t)c->tr->n0;
    unsigned fl = cd->label >= 0 ? r->label_flags[cd->label] : 0;
    int32_t k;
    if (cd->negated) {
        for (k = first_cand(c, cd); k >= 0 && k < n0; k = next_cand(c, cd, k))
            if (matches(c, cd, rhs, (size_t)k)) {
                record_fail(c, i, rhs, (long)k);
                return ATT_OK;
            }
        c->match_path[i] = -1;
        return search(c, i + 1);
    }
    if (fl & PL_SETUSE) {
        int32_t *set = n0 ? att__arena_alloc(c->a, (size_t)n0 * sizeof(*set)) : NULL;
        size_t ns = 0;
        if (n0 && !set)
            return ATT_ENOMEM;
        for (k = first_cand(c, cd); k >= 0 && k < n0; k = next_cand(c, cd, k))
            if (matches(c, cd, rhs, (size_t)k))
                set[ns++] = k;
        if (!ns) {
            record_fail(c, i, rhs, -1);
            return ATT_OK;
        }
        c->bind_set[cd->label] = set;
        c->bind_n[cd->label] = ns;
        if (!(fl & PL_ITER)) {
            c->match_path[i] = set[0];
            return search(c, i + 1);
        }
        for (size_t j = 0; j < ns && !c->denied; j++) {
            c->bind_claim[cd->label] = c->match_path[i] = set[j];
            if ((rc = search(c, i + 1)) != ATT_OK)
                return rc;
        }
        return ATT_OK;
    }
    int any = 0;
    for (k = first_cand(c, cd); k >= 0 && k < n0 && !c->denied; k = next_cand(c, cd, k)) {
        if (!matches(c, cd, rhs, (size_t)k))
            continue;
        any = 1;
        c->match_path[i] = k;
        if (fl & PL_ITER)
            c->bind_claim[cd->label] = k;
        if ((rc = search(c, i + 1)) != ATT_OK)
            return rc;
        if (!(fl & PL_ITER))
            break; /* an unlabelled condition holds once */
    }
    if (!any)
        record_fail(c, i, rhs, -1);
    return ATT_OK;
}

static int run_section(att__pctx *c, att__policy_section sec)
{
    const att__policy_prog *p = c->p;
    for (size_t i = 0; i < p->nrules[sec]; i++) {
        const att__prule *r = &p->rules[sec][i];
        c->rule = r;
        c->tr = &c->res->trace->rules[sec][i];
        c->tr->ran = 1;
        c->tr->n0 = c->in->n;
        c->combos = c->search = 0;
        for (unsigned l = 0; l < r->nlabels; l++) {
            c->bind_claim[l] = -1;
            c->bind_n[l] = 0;
        }
        int rc = search(c, 0);
        if (rc != ATT_OK)
            return rc;
        if (c->denied)
            break;
    }
    c->rule = NULL;
    return ATT_OK;
}

static int setup(att__pctx *c, const att__policy_prog *p, const att__claimset *in, att__arena *a,
                 att__policy_result *res)
{
    memset(c, 0, sizeof(*c));
    c->p = p;
    c->a = a;
    c->res = res;
    c->in = &res->incoming;
    att__claims_init(&res->incoming, a);
    att__claims_init(&res->outgoing, a);
    att__claims_init(&res->props.issued, a);
    res->props.config = p->config;
    res->props.report_validity_in_minutes = 1440;
    res->props.omit_x5c = 0;
    att__policy_trace *t = att__arena_alloc(a, sizeof(*t));
    if (!t)
        return ATT_ENOMEM;
    t->deny_rule = t->permit_rule = t->error_sec = t->error_rule = -1;
    res->trace = t;
    for (int s = 0; s < ATT_POLICY_SECTIONS; s++) {
        if (!p->nrules[s])
            continue;
        t->rules[s] = att__arena_alloc(a, p->nrules[s] * sizeof(*t->rules[s]));
        if (!t->rules[s])
            return ATT_ENOMEM;
        for (size_t i = 0; i < p->nrules[s]; i++)
            t->rules[s][i].fail_cond = t->rules[s][i].neg_claim = -1;
    }
    size_t cap = in->n + 16 < ATT_MAX_POLICY_CLAIMS ? in->n + 16 : ATT_MAX_POLICY_CLAIMS;
    if (in->n > cap)
        return ATT_ELIMIT;
    res->incoming.v = att__arena_alloc(a, cap * sizeof(att__claim));
    if (!res->incoming.v)
        return ATT_ENOMEM;
    if (in->n)
        memcpy(res->incoming.v, in->v, in->n * sizeof(att__claim));
    res->incoming.n = in->n;
    res->incoming.cap = cap;
    /* type index: a power of two of buckets, at least twice the claims given */
    uint32_t nb = 64;
    while (nb < 2 * cap && nb < 4 * ATT_MAX_POLICY_CLAIMS)
        nb *= 2;
    c->mask = nb - 1;
    c->head = att__arena_alloc(a, nb * sizeof(*c->head));
    c->tail = att__arena_alloc(a, nb * sizeof(*c->tail));
    if (!c->head || !c->tail || grow_side(c) != ATT_OK)
        return ATT_ENOMEM;
    for (size_t i = 0; i < in->n; i++) {
        att__claim *cl = &res->incoming.v[i];
        if (!cl->type_hash)
            cl->type_hash = att__claim_type_hash(cl->type, strlen(cl->type));
        if (!cl->issuer)
            cl->issuer = ATT_ISSUER_SERVICE;
        index_claim(c, i);
    }
    unsigned m = p->max_cond ? p->max_cond : 1;
    c->bind_claim = att__arena_alloc(a, m * sizeof(*c->bind_claim));
    c->bind_set = att__arena_alloc(a, m * sizeof(*c->bind_set));
    c->bind_n = att__arena_alloc(a, m * sizeof(*c->bind_n));
    c->match_path = att__arena_alloc(a, m * sizeof(*c->match_path));
    if (!c->bind_claim || !c->bind_set || !c->bind_n || !c->match_path)
        return ATT_ENOMEM;
    return ATT_OK;
}

int att__policy_eval(const att__policy_prog *p, const att__claimset *in, att__arena *a,
                     att__policy_result *res, att_diag *d)
{
    if (!p || !in || !a || !res)
        return att_diag_fail(d, ATT_EINVAL, "policy.argument", "policy", "missing argument");
    memset(res, 0, sizeof(*res));
    res->prog = p;
    res->decision = ATT_POLICY_ERROR;
    att__pctx c;
    int rc = setup(&c, p, in, a, res);
    if (rc == ATT_OK) {
        rc = run_section(&c, ATT_POLICY_AUTHORIZATION);
        if (rc == ATT_OK && !c.denied && c.permitted)
            rc = run_section(&c, ATT_POLICY_ISSUANCE);
    }
    for (size_t i = 0; i < c.ntemps; i++)
        json_decref(c.temps[i]);
    if (rc == ATT_ENOMEM && c.rule && a->total > ATT_ARENA_MAX / 2 && !res->trace->error) {
        /* The policy itself exhausted the request's memory budget (strings doubled by
         * AppendString or JmesPath rule after rule): its failure, not the server's. */
        att__policy_trace *t = res->trace;
        t->error = "the evaluation needs more memory than a request may use";
        t->error_reason = "policy.limit";
        t->error_sec = (int32_t)c.rule->section;
        t->error_rule = (int32_t)c.rule->index;
        rc = ATT_EPOLICY;
    }
    if (rc == ATT_ENOMEM || rc == ATT_ELIMIT || rc == ATT_EINTERNAL || !res->trace) {
        if (rc == ATT_OK)
            rc = ATT_ENOMEM;
        return att_diag_fail(d, rc, rc == ATT_ELIMIT ? "policy.limit" : "policy.memory", "policy",
                             "Policy Engine Exception: %s",
                             rc == ATT_ELIMIT ? "too many incoming claims" : "out of memory");
    }
    if (rc != ATT_OK)
        res->decision = ATT_POLICY_ERROR;
    else if (c.denied)
        res->decision = ATT_POLICY_DENY;
    else if (!c.permitted)
        res->decision = ATT_POLICY_NO_PERMIT;
    else
        res->decision = ATT_POLICY_PERMIT;
    if (res->decision == ATT_POLICY_PERMIT)
        return ATT_OK;
    att__policy_explain_diag(res, d);
    return ATT_EPOLICY;
}
