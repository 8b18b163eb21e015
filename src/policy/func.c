/* Expression evaluation and the policy 1.2 functions (maa.md §3.5): JmesPath,
 * JsonToClaimValue, IsSubsetOf, AppendString, NegateBool, ContainsOnlyValue. Values live in
 * the request arena; JSON parsed for JmesPath/JsonToClaimValue is a jansson temporary kept
 * in the evaluation context (and cached per claim) until the evaluation ends. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json.h"
#include "policy/policy_int.h"

void att__pval_from_claim(const att__claimset *s, size_t i, att__pval *out)
{
    const att__claim *cl = &s->v[i];
    memset(out, 0, sizeof(*out));
    out->claim = (int32_t)i;
    out->ro = (cl->flags & ATT_CLAIM_READONLY) ? 1 : 0;
    switch (cl->vtype) {
    case ATT_CV_STRING:
        out->kind = PV_STR;
        out->s = cl->str;
        out->len = cl->len;
        break;
    case ATT_CV_INTEGER:
        out->kind = PV_INT;
        out->i = cl->i;
        break;
    case ATT_CV_BOOLEAN:
        out->kind = PV_BOOL;
        out->i = cl->b ? 1 : 0;
        break;
    }
}

int att__pval_eq(const att__pval *a, const att__pval *b)
{
    if (a->kind != b->kind)
        return 0;
    switch (a->kind) {
    case PV_STR:
        return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
    case PV_INT:
    case PV_BOOL:
        return a->i == b->i;
    case PV_EMPTY:
        return 1;
    }
    return 0;
}

/* Strict decimal with an optional '-' (valueType="Integer" on a String). */
static int parse_int64(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && s[i] == '-') {
        neg = 1;
        i++;
    }
    if (i == n)
        return -1;
    int64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        int dg = s[i] - '0';
        if (v < (INT64_MIN + dg) / 10)
            return -1;
        v = v * 10 - dg;
    }
    if (!neg) {
        if (v == INT64_MIN)
            return -1;
        v = -v;
    }
    *out = v;
    return 0;
}

int att__pval_convert(att__pval *v, att__cv_type to, att__arena *a)
{
    switch (to) {
    case ATT_CV_STRING:
        if (v->kind == PV_STR)
            return ATT_OK;
        if (v->kind == PV_BOOL) {
            v->s = v->i ? "true" : "false";
        } else if (v->kind == PV_INT) {
            char buf[24];
            snprintf(buf, sizeof(buf), "%" PRId64, v->i);
            if (!(v->s = att__arena_strdup(a, buf)))
                return ATT_ENOMEM;
        } else {
            return ATT_EINVAL;
        }
        v->len = strlen(v->s);
        v->kind = PV_STR;
        break;
    case ATT_CV_INTEGER:
        if (v->kind == PV_INT)
            return ATT_OK;
        if (v->kind != PV_STR || parse_int64(v->s, v->len, &v->i) != 0)
            return ATT_EINVAL;
        v->kind = PV_INT;
        break;
    case ATT_CV_BOOLEAN:
        if (v->kind == PV_BOOL)
            return ATT_OK;
        if (v->kind == PV_STR && v->len == 4 && memcmp(v->s, "true", 4) == 0)
            v->i = 1;
        else if (v->kind == PV_STR && v->len == 5 && memcmp(v->s, "false", 5) == 0)
            v->i = 0;
        else
            return ATT_EINVAL;
        v->kind = PV_BOOL;
        break;
    default:
        return ATT_EINVAL;
    }
    v->claim = -1;
    v->json = NULL;
    return ATT_OK;
}

static const char *kind_name(uint8_t k)
{
    switch (k) {
    case PV_STR:
        return "a String";
    case PV_INT:
        return "an Integer";
    case PV_BOOL:
        return "a Boolean";
    case PV_SET:
        return "a set";
    }
    return "empty";
}

/* Reduces argument i of call e to a single value: a one-element set becomes its element,
 * an empty set the empty value; a larger set is an error. */
static int scalar(att__pctx *c, const att__pexpr *e, att__pval *v, unsigned i)
{
    if (v->kind != PV_SET)
        return ATT_OK;
    if (v->n > 1)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "%s(): argument %u is a set of %zu values; a single value is "
                               "needed",
                               att__pfn_name((att__pfn)e->fn), i + 1, v->n);
    uint8_t ro = v->ro;
    if (v->n == 1)
        *v = v->items[0];
    else
        memset(v, 0, sizeof(*v));
    v->ro |= ro;
    return ATT_OK;
}

/* The elements of a value seen as a set: a set itself, a scalar as one element, the empty
 * value as none. */
static void as_set(const att__pval *v, const att__pval **items, size_t *n)
{
    if (v->kind == PV_SET) {
        *items = v->items;
        *n = v->n;
    } else if (v->kind == PV_EMPTY) {
        *items = NULL;
        *n = 0;
    } else {
        *items = v;
        *n = 1;
    }
}

/* The parsed JSON of value v (argument i of e): a String's JSON text (parsed once per claim
 * per evaluation), or the Integer/Boolean itself. Borrowed until the evaluation ends. */
static int json_of(att__pctx *c, const att__pexpr *e, const att__pval *v, unsigned i, json_t **out)
{
    json_t *j = NULL;
    if (v->kind == PV_INT)
        j = json_integer((json_int_t)v->i);
    else if (v->kind == PV_BOOL)
        j = json_boolean(v->i);
    if (j) {
        *out = j;
        return att__pctx_keep(c, j);
    }
    if (v->kind != PV_STR)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "%s(): argument %u is %s, not JSON text",
                               att__pfn_name((att__pfn)e->fn), i + 1, kind_name(v->kind));
    if (v->json) {
        *out = v->json;
        return ATT_OK;
    }
    if (v->claim >= 0 && (size_t)v->claim < c->jcap && c->jcache[v->claim]) {
        *out = c->jcache[v->claim];
        return ATT_OK;
    }
    if (v->len == 0)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "%s(): argument %u is an empty string, not JSON",
                               att__pfn_name((att__pfn)e->fn), i + 1);
    /* the fast reader for the common case (core/json.h), jansson for the rest and errors */
    json_error_t jerr;
    j = att__json_load_fast(v->s, v->len);
    if (!j)
        j = json_loadb(v->s, v->len, JSON_DECODE_ANY, &jerr);
    if (!j)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "%s(): argument %u is not valid JSON: %s (at character %d)",
                               att__pfn_name((att__pfn)e->fn), i + 1, jerr.text, jerr.position);
    int rc = att__pctx_keep(c, j);
    if (rc != ATT_OK)
        return rc;
    if (v->claim >= 0 && (size_t)v->claim < c->jcap)
        c->jcache[v->claim] = j;
    *out = j;
    return ATT_OK;
}

static int fn_jmespath(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    int rc;
    if ((rc = scalar(c, e, &a[0], 0)) != ATT_OK || (rc = scalar(c, e, &a[1], 1)) != ATT_OK)
        return rc;
    if (a[0].kind == PV_EMPTY || a[1].kind == PV_EMPTY)
        return ATT_OK;
    json_t *data;
    if ((rc = json_of(c, e, &a[0], 0, &data)) != ATT_OK)
        return rc;
    att_diag jd;
    att_diag_clear(&jd);
    att__jmes_expr *dyn = NULL;
    const att__jmes_expr *q = e->jq;
    if (!q) {
        if (a[1].kind != PV_STR || a[1].len == 0)
            return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                                   "JmesPath(): the query must be a non-empty String, not %s",
                                   a[1].kind == PV_STR ? "an empty one" : kind_name(a[1].kind));
        rc = att__jmes_compile(a[1].s, a[1].len, &dyn, &jd);
        if (rc == ATT_ENOMEM)
            return rc;
        if (rc != ATT_OK)
            return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                                   "JmesPath(): the query does not compile: %s", jd.message);
        q = dyn;
    }
    json_t *res = NULL;
    rc = att__jmes_search(q, data, &res, &jd);
    att__jmes_free(dyn);
    if (rc == ATT_ENOMEM)
        return rc;
    if (rc != ATT_OK)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col, "JmesPath(): %s",
                               jd.message);
    if ((rc = att__pctx_keep(c, res)) != ATT_OK)
        return rc;
    char *text = json_dumps(res, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return ATT_ENOMEM;
    size_t n = strlen(text);
    out->s = att__arena_memdup(c->a, text, n + 1);
    free(text);
    if (!out->s)
        return ATT_ENOMEM;
    out->kind = PV_STR;
    out->len = n;
    out->json = res;
    out->ro = a[0].ro | a[1].ro;
    return ATT_OK;
}

/* One JSON primitive as a claim value (JsonToClaimValue); null -> empty. */
static int from_json(att__pctx *c, const att__pexpr *e, const json_t *j, att__pval *v)
{
    memset(v, 0, sizeof(*v));
    v->claim = -1;
    switch (json_typeof(j)) {
    case JSON_INTEGER:
        v->kind = PV_INT;
        v->i = (int64_t)json_integer_value(j);
        return ATT_OK;
    case JSON_REAL: {
        double x = json_real_value(j);
        if (x != floor(x) || !(x >= -9.2e18 && x <= 9.2e18))
            return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                                   "JsonToClaimValue(): %g is not an integer", x);
        v->kind = PV_INT;
        v->i = (int64_t)x;
        return ATT_OK;
    }
    case JSON_TRUE:
    case JSON_FALSE:
        v->kind = PV_BOOL;
        v->i = json_is_true(j);
        return ATT_OK;
    case JSON_STRING:
        v->kind = PV_STR;
        v->len = json_string_length(j);
        v->s = att__arena_memdup(c->a, json_string_value(j), v->len + 1);
        return v->s ? ATT_OK : ATT_ENOMEM;
    case JSON_NULL:
        return ATT_OK;
    case JSON_OBJECT:
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "JsonToClaimValue(): a JSON object cannot be converted to a claim "
                               "value");
    case JSON_ARRAY:
        break;
    }
    return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                           "JsonToClaimValue(): an array may hold only numbers, Booleans, "
                           "strings and nulls, not arrays");
}

static int fn_json_to_claim_value(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    int rc = scalar(c, e, &a[0], 0);
    if (rc != ATT_OK || a[0].kind == PV_EMPTY)
        return rc;
    if (a[0].kind == PV_INT || a[0].kind == PV_BOOL) { /* already a claim value */
        *out = a[0];
        out->claim = -1;
        out->json = NULL;
        return ATT_OK;
    }
    json_t *j;
    if ((rc = json_of(c, e, &a[0], 0, &j)) != ATT_OK)
        return rc;
    if (!json_is_array(j)) {
        rc = from_json(c, e, j, out);
        out->ro = a[0].ro;
        return rc;
    }
    size_t n = json_array_size(j), k = 0;
    att__pval *items = n ? att__arena_alloc(c->a, n * sizeof(*items)) : NULL;
    if (n && !items)
        return ATT_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *x = json_array_get(j, i);
        if (json_is_object(x))
            return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                                   "JsonToClaimValue(): an array may hold only numbers, "
                                   "Booleans, strings and nulls, not objects");
        if ((rc = from_json(c, e, x, &items[k])) != ATT_OK)
            return rc;
        if (items[k].kind != PV_EMPTY) {
            items[k].ro = a[0].ro;
            k++;
        }
    }
    memset(out, 0, sizeof(*out));
    out->kind = PV_SET;
    out->claim = -1;
    out->items = items;
    out->n = k;
    out->ro = a[0].ro;
    return ATT_OK;
}

static int fn_append_string(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    int rc;
    if ((rc = scalar(c, e, &a[0], 0)) != ATT_OK || (rc = scalar(c, e, &a[1], 1)) != ATT_OK)
        return rc;
    if (a[0].kind == PV_EMPTY || a[1].kind == PV_EMPTY)
        return ATT_OK;
    for (unsigned i = 0; i < 2; i++)
        if (a[i].kind != PV_STR)
            return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                                   "AppendString(): argument %u is %s, not a String", i + 1,
                                   kind_name(a[i].kind));
    size_t n = a[0].len + a[1].len;
    if (n < a[0].len || n >= ATT_ARENA_MAX)
        return ATT_ENOMEM;
    char *s = att__arena_alloc(c->a, n + 1);
    if (!s)
        return ATT_ENOMEM;
    memcpy(s, a[0].s, a[0].len);
    memcpy(s + a[0].len, a[1].s, a[1].len);
    s[n] = '\0';
    out->kind = PV_STR;
    out->s = s;
    out->len = n;
    out->ro = a[0].ro | a[1].ro;
    return ATT_OK;
}

static int fn_negate_bool(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    int rc = scalar(c, e, &a[0], 0);
    if (rc != ATT_OK || a[0].kind == PV_EMPTY)
        return rc;
    if (a[0].kind != PV_BOOL)
        return att__peval_fail(c, ATT_EPOLICY, "policy.function", e->line, e->col,
                               "NegateBool(): the argument is %s, not a Boolean",
                               kind_name(a[0].kind));
    out->kind = PV_BOOL;
    out->i = !a[0].i;
    out->ro = a[0].ro;
    return ATT_OK;
}

static int fn_is_subset_of(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    const att__pval *x, *y;
    size_t nx, ny;
    as_set(&a[0], &x, &nx);
    as_set(&a[1], &y, &ny);
    int all = 1;
    for (size_t i = 0; i < nx && all; i++) {
        int found = 0;
        for (size_t j = 0; j < ny && !found; j++)
            found = att__pval_eq(&x[i], &y[j]);
        all = found;
    }
    out->kind = PV_BOOL;
    out->i = all;
    return ATT_OK;
}

static int fn_contains_only_value(att__pctx *c, const att__pexpr *e, att__pval *a, att__pval *out)
{
    int rc = scalar(c, e, &a[1], 1);
    if (rc != ATT_OK)
        return rc;
    const att__pval *x;
    size_t nx;
    as_set(&a[0], &x, &nx);
    int all = nx > 0 && a[1].kind != PV_EMPTY;
    for (size_t i = 0; i < nx && all; i++)
        all = att__pval_eq(&x[i], &a[1]);
    out->kind = PV_BOOL;
    out->i = all;
    return ATT_OK;
}

int att__pcall(att__pctx *c, const att__pexpr *e, att__pval *args, att__pval *out)
{
    memset(out, 0, sizeof(*out));
    out->claim = -1;
    switch ((att__pfn)e->fn) {
    case PF_JMESPATH:
        return fn_jmespath(c, e, args, out);
    case PF_JSONTOCLAIMVALUE:
        return fn_json_to_claim_value(c, e, args, out);
    case PF_ISSUBSETOF:
        return fn_is_subset_of(c, e, args, out);
    case PF_APPENDSTRING:
        return fn_append_string(c, e, args, out);
    case PF_NEGATEBOOL:
        return fn_negate_bool(c, e, args, out);
    case PF_CONTAINSONLYVALUE:
        return fn_contains_only_value(c, e, args, out);
    default:
        return ATT_EINTERNAL;
    }
}

/* Property p of incoming claim k. */
static void claim_prop(att__pctx *c, int32_t k, uint8_t prop, att__pval *out)
{
    const att__claim *cl = &c->in->v[k];
    memset(out, 0, sizeof(*out));
    out->claim = -1;
    out->kind = PV_STR;
    switch (prop) {
    case PP_VALUE:
        att__pval_from_claim(c->in, (size_t)k, out);
        return;
    case PP_TYPE:
        out->s = cl->type;
        break;
    case PP_ISSUER:
        out->s = cl->issuer;
        break;
    default:
        out->s = att__cv_type_name(cl->vtype);
    }
    out->len = strlen(out->s);
}

int att__peval_expr(att__pctx *c, const att__pexpr *e, att__pval *out, unsigned depth)
{
    memset(out, 0, sizeof(*out));
    out->claim = -1;
    switch (e->kind) {
    case PX_STR:
        out->kind = PV_STR;
        out->s = e->s;
        out->len = e->len;
        return ATT_OK;
    case PX_INT:
        out->kind = PV_INT;
        out->i = e->i;
        return ATT_OK;
    case PX_BOOL:
        out->kind = PV_BOOL;
        out->i = e->i;
        return ATT_OK;
    case PX_REF: {
        if (!e->setpos) {
            int32_t k = c->bind_claim[e->label];
            if (k >= 0)
                claim_prop(c, k, e->prop, out);
            return ATT_OK;
        }
        size_t n = c->bind_n[e->label];
        const int32_t *idx = c->bind_set[e->label];
        out->kind = PV_SET;
        if (!n)
            return ATT_OK;
        out->items = att__arena_alloc(c->a, n * sizeof(*out->items));
        if (!out->items)
            return ATT_ENOMEM;
        for (size_t i = 0; i < n; i++) {
            claim_prop(c, idx[i], e->prop, &out->items[i]);
            out->ro |= out->items[i].ro;
        }
        out->n = n;
        return ATT_OK;
    }
    case PX_CALL: {
        if (depth > ATT_MAX_POLICY_EXPR_DEPTH) /* the parser bounds it; never reached */
            return ATT_EINTERNAL;
        att__pval args[ATT_MAX_POLICY_FUNC_ARGS];
        for (unsigned i = 0; i < e->nargs; i++) {
            int rc = att__peval_expr(c, &e->args[i], &args[i], depth + 1);
            if (rc != ATT_OK)
                return rc;
        }
        return att__pcall(c, e, args, out);
    }
    }
    return ATT_EINTERNAL;
}
