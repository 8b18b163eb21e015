/* JMESPath evaluator: walks a compiled tree over jansson values (att__jmes_search of
 * jmespath.h).
 *
 * Every evaluation step returns a new reference or an error; values from the input are
 * shared (incref'd), never copied or modified, so results may share structure with the
 * input document. Recursion follows the tree, whose height the parser bounds by
 * ATT_MAX_JMESPATH_DEPTH. Work is bounded by ATT__JMES_MAX_STEPS. There is no state
 * outside the per-call context, so one compiled tree serves any number of threads. */
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath_int.h"

static int nomem(att__jmes_ctx *c)
{
    return att__jmes_nomem(c->d);
}

/* Appends v (taking the reference) to array arr, charging one step. Frees v on failure. */
static int append_new(att__jmes_ctx *c, json_t *arr, json_t *v)
{
    int rc = att__jmes_charge(c, 1);
    if (rc) {
        json_decref(v);
        return rc;
    }
    return json_array_append_new(arr, v) ? nomem(c) : ATT_OK;
}

/* Python-style slice bounds for a sequence of len elements (jmespath.org, slices). */
static void slice_bounds(const att__jmes_node *nd, long long len, long long *start, long long *stop,
                         long long *step)
{
    long long st = nd->has[2] ? nd->slice[2] : 1;
    long long v[2];
    for (int k = 0; k < 2; k++) {
        if (!nd->has[k]) {
            v[k] = k == 0 ? (st > 0 ? 0 : len - 1) : (st > 0 ? len : -1);
            continue;
        }
        long long x = nd->slice[k];
        if (x < 0) {
            x += len;
            if (x < 0)
                x = st < 0 ? -1 : 0;
        } else if (x >= len) {
            x = st < 0 ? len - 1 : len;
        }
        v[k] = x;
    }
    *start = v[0];
    *stop = v[1];
    *step = st;
}

static int eval_slice(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    long long start, stop, step;
    if (json_is_array(v)) {
        slice_bounds(nd, (long long)json_array_size(v), &start, &stop, &step);
        json_t *res = json_array();
        if (!res)
            return nomem(c);
        for (long long i = start; step > 0 ? i < stop : i > stop; i += step) {
            json_t *e = json_array_get(v, (size_t)i);
            int rc = append_new(c, res, json_incref(e));
            if (rc) {
                json_decref(res);
                return rc;
            }
        }
        *out = res;
        return ATT_OK;
    }
    if (!json_is_string(v)) {
        *out = json_null();
        return ATT_OK;
    }
    /* Strings slice by code point: index the code points, then copy the chosen ones. */
    const char *s = json_string_value(v);
    size_t n = json_string_length(v), count = 0;
    size_t *offs = malloc((n + 1) * sizeof(*offs));
    char *buf = malloc(n + 1);
    if (!offs || !buf) {
        free(offs);
        free(buf);
        return nomem(c);
    }
    uint32_t cp;
    for (size_t i = 0; i < n; count++) {
        offs[count] = i;
        i += att__jmes_utf8_next((const unsigned char *)s + i, n - i, &cp);
    }
    offs[count] = n;
    slice_bounds(nd, (long long)count, &start, &stop, &step);
    size_t o = 0;
    int rc = ATT_OK;
    for (long long i = start; rc == ATT_OK && (step > 0 ? i < stop : i > stop); i += step) {
        size_t a = offs[i], len = offs[i + 1] - a;
        memcpy(buf + o, s + a, len);
        o += len;
        rc = att__jmes_charge(c, 1);
    }
    if (rc == ATT_OK) {
        *out = json_stringn_nocheck(buf, o);
        if (!*out)
            rc = nomem(c);
    }
    free(offs);
    free(buf);
    return rc;
}

/* Projections: rhs applied to each element (or object value) of the left side's result,
 * null results dropped. A filter keeps only elements whose condition is truthy. */
static int eval_projection(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    json_t *left, *res = NULL;
    int rc = att__jmes_eval(c, nd->a, v, &left);
    if (rc)
        return rc;
    if (nd->from_slice && json_is_string(left)) {
        /* A string slice is a string, not a list: the right side sees it whole. */
        rc = att__jmes_eval(c, nd->b, left, out);
        json_decref(left);
        return rc;
    }
    size_t n;
    if (nd->type == ATT__JN_VPROJECT ? !json_is_object(left) : !json_is_array(left)) {
        json_decref(left);
        *out = json_null();
        return ATT_OK;
    }
    /* Object values are collected first so that both cases iterate an array. */
    json_t *items = left;
    if (nd->type == ATT__JN_VPROJECT) {
        items = json_array();
        json_t *val;
        const char *key;
        json_object_foreach(left, key, val)
        {
            if (!items || (rc = append_new(c, items, json_incref(val))))
                break;
        }
        json_decref(left);
        if (!items)
            return nomem(c);
        if (rc) {
            json_decref(items);
            return rc;
        }
    }
    n = json_array_size(items);
    if (!(res = json_array())) {
        json_decref(items);
        return nomem(c);
    }
    for (size_t i = 0; i < n && rc == ATT_OK; i++) {
        json_t *e = json_array_get(items, i), *r;
        if (nd->type == ATT__JN_FILTER) {
            json_t *cond;
            if ((rc = att__jmes_eval(c, nd->c, e, &cond)))
                break;
            int keep = att__jmes_truthy(cond);
            json_decref(cond);
            if (!keep)
                continue;
        }
        if ((rc = att__jmes_eval(c, nd->b, e, &r)))
            break;
        if (json_is_null(r))
            json_decref(r);
        else
            rc = append_new(c, res, r);
    }
    json_decref(items);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int eval_flatten(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    json_t *left;
    int rc = att__jmes_eval(c, nd->a, v, &left);
    if (rc)
        return rc;
    if (!json_is_array(left)) {
        json_decref(left);
        *out = json_null();
        return ATT_OK;
    }
    json_t *res = json_array();
    if (!res) {
        json_decref(left);
        return nomem(c);
    }
    for (size_t i = 0; rc == ATT_OK && i < json_array_size(left); i++) {
        json_t *e = json_array_get(left, i);
        if (!json_is_array(e)) {
            rc = append_new(c, res, json_incref(e));
            continue;
        }
        for (size_t j = 0; rc == ATT_OK && j < json_array_size(e); j++)
            rc = append_new(c, res, json_incref(json_array_get(e, j)));
    }
    json_decref(left);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int eval_compare(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    json_t *l, *r;
    int rc = att__jmes_eval(c, nd->a, v, &l);
    if (rc)
        return rc;
    if ((rc = att__jmes_eval(c, nd->b, v, &r))) {
        json_decref(l);
        return rc;
    }
    int res;
    if (nd->op == ATT__JC_EQ || nd->op == ATT__JC_NE) {
        res = att__jmes_equal(c, l, r);
        if (res >= 0)
            res = nd->op == ATT__JC_EQ ? res : !res;
    } else if (json_is_number(l) && json_is_number(r)) {
        int k = att__jmes_numcmp(l, r);
        res = nd->op == ATT__JC_LT   ? k < 0
              : nd->op == ATT__JC_LE ? k <= 0
              : nd->op == ATT__JC_GT ? k > 0
                                     : k >= 0;
    } else {
        res = 2; /* ordering is defined for numbers only: null */
    }
    json_decref(l);
    json_decref(r);
    if (res < 0)
        return res;
    *out = res == 2 ? json_null() : json_boolean(res);
    return ATT_OK;
}

static int eval_multi(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    if (json_is_null(v)) {
        *out = json_null();
        return ATT_OK;
    }
    int hash = nd->type == ATT__JN_MSHASH;
    json_t *res = hash ? json_object() : json_array();
    if (!res)
        return nomem(c);
    int rc = ATT_OK;
    for (size_t i = 0; rc == ATT_OK && i < nd->n; i++) {
        json_t *r;
        if ((rc = att__jmes_eval(c, nd->kids[i], v, &r)))
            break;
        if (!hash)
            rc = append_new(c, res, r);
        else if (json_object_setn_new_nocheck(res, nd->keys[i], nd->key_lens[i], r))
            rc = nomem(c);
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int eval_call(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    att__jmes_arg small[4], *args = small;
    if (nd->n > 4 && !(args = calloc(nd->n, sizeof(*args))))
        return nomem(c);
    size_t got = 0;
    int rc = ATT_OK;
    for (; got < nd->n; got++) {
        const att__jmes_node *k = nd->kids[got];
        args[got].v = NULL;
        args[got].expr = NULL;
        if (k->type == ATT__JN_EXPREF)
            args[got].expr = k->a;
        else if ((rc = att__jmes_eval(c, k, v, &args[got].v)))
            break;
    }
    if (rc == ATT_OK)
        rc = att__jmes_func_call(c, nd->fn, args, nd->n, out);
    for (size_t i = 0; i < got; i++)
        json_decref(args[i].v);
    if (args != small)
        free(args);
    return rc;
}

int att__jmes_eval(att__jmes_ctx *c, const att__jmes_node *nd, json_t *v, json_t **out)
{
    int rc = att__jmes_charge(c, 1);
    if (rc)
        return rc;
    json_t *r, *cur;
    switch (nd->type) {
    case ATT__JN_FIELD:
        r = json_is_object(v) ? json_object_getn(v, nd->name, nd->name_len) : NULL;
        *out = r ? json_incref(r) : json_null();
        return ATT_OK;
    case ATT__JN_CURRENT:
        *out = json_incref(v);
        return ATT_OK;
    case ATT__JN_LITERAL:
        *out = json_incref(nd->lit);
        return ATT_OK;
    case ATT__JN_INDEX: {
        r = NULL;
        if (json_is_array(v)) {
            long long len = (long long)json_array_size(v), i = nd->num;
            if (i < 0)
                i += len;
            if (i >= 0 && i < len)
                r = json_array_get(v, (size_t)i);
        }
        *out = r ? json_incref(r) : json_null();
        return ATT_OK;
    }
    case ATT__JN_SLICE:
        return eval_slice(c, nd, v, out);
    case ATT__JN_CHAIN:
        cur = json_incref(v);
        for (size_t i = 0; i < nd->n; i++) {
            rc = att__jmes_eval(c, nd->kids[i], cur, &r);
            json_decref(cur);
            if (rc)
                return rc;
            cur = r;
        }
        *out = cur;
        return ATT_OK;
    case ATT__JN_PROJECT:
    case ATT__JN_VPROJECT:
    case ATT__JN_FILTER:
        return eval_projection(c, nd, v, out);
    case ATT__JN_FLATTEN:
        return eval_flatten(c, nd, v, out);
    case ATT__JN_OR:
    case ATT__JN_AND:
        /* The first operand that decides the result is the result: the first truthy one
         * for ||, the first falsy one for &&, else the last. */
        for (size_t i = 0; i < nd->n; i++) {
            if ((rc = att__jmes_eval(c, nd->kids[i], v, &r)))
                return rc;
            if (i + 1 == nd->n || att__jmes_truthy(r) == (nd->type == ATT__JN_OR)) {
                *out = r;
                return ATT_OK;
            }
            json_decref(r);
        }
        return ATT_EINTERNAL; /* n >= 2: not reached */
    case ATT__JN_NOT:
        if ((rc = att__jmes_eval(c, nd->a, v, &r)))
            return rc;
        *out = json_boolean(!att__jmes_truthy(r));
        json_decref(r);
        return ATT_OK;
    case ATT__JN_CMP:
        return eval_compare(c, nd, v, out);
    case ATT__JN_MSLIST:
    case ATT__JN_MSHASH:
        return eval_multi(c, nd, v, out);
    case ATT__JN_FUNC:
        return eval_call(c, nd, v, out);
    case ATT__JN_EXPREF:
    default:
        return att_diag_fail(c->d, ATT_EINVAL, ATT__JMES_R_TYPE, "expression",
                             "JMESPath error: an expression reference (&...) can only be a "
                             "function argument");
    }
}

/* Counts the values of v as a serializer sees them, shared parts once per use, against
 * *left. Fails when the result would be larger than ATT__JMES_MAX_RESULT values. */
static int measure(att_diag *d, const json_t *v, unsigned depth, size_t *left)
{
    if (*left == 0 || depth > ATT__JMES_MAX_VALUE_DEPTH)
        return att_diag_fail(d, ATT_ELIMIT, ATT__JMES_R_LIMIT, "expression",
                             "JMESPath result too large (more than %u values or %u levels)",
                             ATT__JMES_MAX_RESULT, ATT__JMES_MAX_VALUE_DEPTH);
    (*left)--;
    int rc = ATT_OK;
    if (json_is_array(v)) {
        for (size_t i = 0; rc == ATT_OK && i < json_array_size(v); i++)
            rc = measure(d, json_array_get(v, i), depth + 1, left);
    } else if (json_is_object(v)) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)v, key, val)
        {
            if ((rc = measure(d, val, depth + 1, left)))
                break;
        }
    }
    return rc;
}

int att__jmes_search(const att__jmes_expr *e, const json_t *data, json_t **result, att_diag *d)
{
    if (result)
        *result = NULL;
    if (!e || !data || !result)
        return att_diag_fail(d, ATT_EINVAL, ATT__JMES_R_TYPE, "expression",
                             "invalid arguments to att__jmes_search");
    att__jmes_ctx c = {d, ATT__JMES_MAX_STEPS};
    /* Evaluation only reads data; the cast lets shared parts be reference-counted. */
    int rc = att__jmes_eval(&c, e->root, (json_t *)data, result);
    /* Results may share subtrees ("[@,@] | [@,@] | ..."): bound the size a caller that
     * serializes the result will see. */
    size_t left = ATT__JMES_MAX_RESULT;
    if (rc == ATT_OK && (rc = measure(d, *result, 0, &left))) {
        json_decref(*result);
        *result = NULL;
    }
    return rc;
}
