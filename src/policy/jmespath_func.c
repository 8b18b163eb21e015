/* JMESPath built-in functions (jmespath.org, "Built-in Functions") plus MAA's
 * equals_ignore_case(), with the specification's argument type checking.
 *
 * The table gives each function's arity (checked by the parser at compile time) and the
 * accepted types of each argument (checked here before the function runs). Functions get
 * borrowed arguments and return a new reference. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath_int.h"

/* Argument type bits. */
enum {
    TY_NUMBER = 1 << 0,
    TY_STRING = 1 << 1,
    TY_BOOLEAN = 1 << 2,
    TY_NULL = 1 << 3,
    TY_ARRAY = 1 << 4,
    TY_OBJECT = 1 << 5,
    TY_EXPREF = 1 << 6,
    TY_ARRAY_NUMBER = 1 << 7, /* an array whose elements are all numbers */
    TY_ARRAY_STRING = 1 << 8, /* an array whose elements are all strings */
    TY_ANY = TY_NUMBER | TY_STRING | TY_BOOLEAN | TY_NULL | TY_ARRAY | TY_OBJECT,
};

typedef int (*impl_fn)(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out);

struct att__jmes_func {
    const char *name;
    int min, max; /* max < 0: variadic, the last type repeats */
    unsigned types[3];
    impl_fn impl;
};

/* ---- helpers ---- */

static int ok(json_t **out, json_t *v, att__jmes_ctx *c)
{
    if (!v)
        return att__jmes_nomem(c->d);
    *out = v;
    return ATT_OK;
}

/* Type error for the value an &expression produced inside fn. */
static int key_type_error(att__jmes_ctx *c, const char *fn, const char *expected, const json_t *got,
                          size_t elem)
{
    att_diag_fail(c->d, ATT_EINVAL, ATT__JMES_R_TYPE, fn,
                  "invalid type for the expression result of %s() on element %zu: expected "
                  "%s, got %s",
                  fn, elem, expected, att__jmes_type_name(got));
    att_diag_expect(c->d, expected, att__jmes_type_name(got));
    return ATT_EINVAL;
}

/* Numbers and strings order among themselves; the type checks guarantee same types. */
static int value_cmp(const json_t *a, const json_t *b)
{
    if (json_is_number(a))
        return att__jmes_numcmp(a, b);
    size_t la = json_string_length(a), lb = json_string_length(b);
    int k = memcmp(json_string_value(a), json_string_value(b), la < lb ? la : lb);
    return k ? (k < 0 ? -1 : 1) : (la < lb ? -1 : la > lb);
}

/* Evaluates expr on each element of arr into keys[] (new references), requiring all
 * keys to be numbers or all strings. On failure every key made is released. */
static int sort_keys(att__jmes_ctx *c, const char *fn, const att__jmes_node *expr, json_t *arr,
                     json_t **keys)
{
    size_t n = json_array_size(arr);
    int rc = ATT_OK;
    size_t i;
    for (i = 0; i < n; i++) {
        if ((rc = att__jmes_eval(c, expr, json_array_get(arr, i), &keys[i])))
            break;
        json_t *k = keys[i];
        const char *want = NULL;
        if (i == 0 && !json_is_number(k) && !json_is_string(k))
            want = "number|string";
        else if (i > 0 && json_is_number(keys[0]) && !json_is_number(k))
            want = "number (as the first element's)";
        else if (i > 0 && json_is_string(keys[0]) && !json_is_string(k))
            want = "string (as the first element's)";
        if (want) {
            rc = key_type_error(c, fn, want, k, i);
            i++;
            break;
        }
    }
    if (rc)
        for (size_t j = 0; j < i; j++)
            json_decref(keys[j]);
    return rc;
}

/* ---- the functions ---- */

static int f_abs(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *v = a[0].v;
    if (json_is_integer(v) && json_integer_value(v) != LLONG_MIN)
        return ok(out, json_integer(llabs(json_integer_value(v))), c);
    return ok(out, json_real(fabs(att__jmes_number(v))), c);
}

static int f_avg(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    size_t len = json_array_size(a[0].v);
    if (len == 0)
        return ok(out, json_null(), c);
    double sum = 0;
    for (size_t i = 0; i < len; i++)
        sum += att__jmes_number(json_array_get(a[0].v, i));
    return ok(out, json_real(sum / (double)len), c);
}

static int rounding(att__jmes_ctx *c, json_t *v, double (*fn)(double), json_t **out)
{
    if (json_is_integer(v))
        return ok(out, json_incref(v), c);
    return ok(out, att__jmes_make_number(fn(json_real_value(v))), c);
}

static int f_ceil(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return rounding(c, a[0].v, ceil, out);
}

static int f_floor(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return rounding(c, a[0].v, floor, out);
}

static int f_contains(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *subj = a[0].v, *search = a[1].v;
    int found = 0;
    if (json_is_array(subj)) {
        for (size_t i = 0; !found && i < json_array_size(subj); i++) {
            found = att__jmes_equal(c, json_array_get(subj, i), search);
            if (found < 0)
                return found;
        }
    } else if (json_is_string(search)) {
        size_t hn = json_string_length(subj), nn = json_string_length(search);
        const char *h = json_string_value(subj), *s = json_string_value(search);
        for (size_t i = 0; !found && nn <= hn && i <= hn - nn; i++)
            found = memcmp(h + i, s, nn) == 0;
    }
    *out = json_boolean(found);
    return ATT_OK;
}

static int affix(json_t *s, json_t *fix, int at_end)
{
    size_t sn = json_string_length(s), fn = json_string_length(fix);
    if (fn > sn)
        return 0;
    return memcmp(json_string_value(s) + (at_end ? sn - fn : 0), json_string_value(fix), fn) == 0;
}

static int f_ends_with(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    *out = json_boolean(affix(a[0].v, a[1].v, 1));
    return ATT_OK;
}

static int f_starts_with(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    *out = json_boolean(affix(a[0].v, a[1].v, 0));
    return ATT_OK;
}

static int f_equals_ignore_case(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    *out = json_boolean(
        att__jmes_equal_ignore_case(json_string_value(a[0].v), json_string_length(a[0].v),
                                    json_string_value(a[1].v), json_string_length(a[1].v)));
    return ATT_OK;
}

/* Hands the contents of b to a new string value; maps buffer failures to diagnostics. */
static int buf_result(att__jmes_ctx *c, att__buf *b, int rc, const char *fn, json_t **out)
{
    if (rc == ATT_ELIMIT)
        return att_diag_fail(c->d, ATT_ELIMIT, ATT__JMES_R_LIMIT, fn,
                             "result of %s() exceeds %u bytes", fn, ATT__JMES_MAX_STRING);
    if (rc) {
        att__buf_free(b);
        return rc == ATT_ENOMEM ? att__jmes_nomem(c->d) : rc;
    }
    json_t *s = json_stringn_nocheck(att__buf_str(b), b->len);
    att__buf_free(b);
    return ok(out, s, c);
}

static int f_join(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    att__buf b;
    att__buf_init(&b, ATT__JMES_MAX_STRING);
    json_t *glue = a[0].v, *arr = a[1].v;
    int rc = ATT_OK;
    for (size_t i = 0; rc == ATT_OK && i < json_array_size(arr); i++) {
        json_t *s = json_array_get(arr, i);
        if (i)
            rc = att__buf_append(&b, json_string_value(glue), json_string_length(glue));
        if (rc == ATT_OK)
            rc = att__buf_append(&b, json_string_value(s), json_string_length(s));
    }
    return buf_result(c, &b, rc, "join", out);
}

static int f_keys(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *res = json_array(), *val;
    const char *key;
    size_t klen;
    int rc = res ? ATT_OK : att__jmes_nomem(c->d);
    json_object_keylen_foreach(a[0].v, key, klen, val)
    {
        if (rc == ATT_OK)
            rc = json_array_append_new(res, json_stringn_nocheck(key, klen))
                     ? att__jmes_nomem(c->d)
                     : att__jmes_charge(c, 1);
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int f_values(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *res = json_array(), *val;
    const char *key;
    int rc = res ? ATT_OK : att__jmes_nomem(c->d);
    json_object_foreach(a[0].v, key, val)
    {
        if (rc == ATT_OK)
            rc = json_array_append(res, val) ? att__jmes_nomem(c->d) : att__jmes_charge(c, 1);
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int f_length(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *v = a[0].v;
    size_t len = json_is_string(v)
                     ? att__jmes_utf8_count(json_string_value(v), json_string_length(v))
                 : json_is_array(v) ? json_array_size(v)
                                    : json_object_size(v);
    return ok(out, json_integer((json_int_t)len), c);
}

static int f_map(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *arr = a[1].v, *res = json_array();
    if (!res)
        return att__jmes_nomem(c->d);
    int rc = ATT_OK;
    for (size_t i = 0; rc == ATT_OK && i < json_array_size(arr); i++) {
        json_t *r;
        if ((rc = att__jmes_eval(c, a[0].expr, json_array_get(arr, i), &r)) == ATT_OK)
            rc = json_array_append_new(res, r) ? att__jmes_nomem(c->d) : ATT_OK;
    }
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

/* max/min: sign 1 picks the largest, -1 the smallest (the first of equals). */
static int extreme(att__jmes_ctx *c, json_t *arr, int sign, json_t **out)
{
    json_t *best = NULL;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        if (!best || value_cmp(e, best) * sign > 0)
            best = e;
    }
    *out = best ? json_incref(best) : json_null();
    return ATT_OK;
}

static int f_max(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return extreme(c, a[0].v, 1, out);
}

static int f_min(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return extreme(c, a[0].v, -1, out);
}

static int extreme_by(att__jmes_ctx *c, att__jmes_arg *a, int sign, const char *fn, json_t **out)
{
    json_t *arr = a[0].v;
    size_t len = json_array_size(arr);
    if (len == 0) {
        *out = json_null();
        return ATT_OK;
    }
    json_t **keys = malloc(len * sizeof(*keys));
    if (!keys)
        return att__jmes_nomem(c->d);
    int rc = sort_keys(c, fn, a[1].expr, arr, keys);
    if (rc) {
        free(keys);
        return rc;
    }
    size_t best = 0;
    for (size_t i = 1; i < len; i++)
        if (value_cmp(keys[i], keys[best]) * sign > 0)
            best = i;
    for (size_t i = 0; i < len; i++)
        json_decref(keys[i]);
    free(keys);
    *out = json_incref(json_array_get(arr, best));
    return ATT_OK;
}

static int f_max_by(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return extreme_by(c, a, 1, "max_by", out);
}

static int f_min_by(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return extreme_by(c, a, -1, "min_by", out);
}

static int f_merge(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *res = json_object();
    if (!res)
        return att__jmes_nomem(c->d);
    for (size_t i = 0; i < n; i++) {
        int rc = att__jmes_charge(c, json_object_size(a[i].v) + 1);
        if (rc == ATT_OK && json_object_update(res, a[i].v))
            rc = att__jmes_nomem(c->d);
        if (rc) {
            json_decref(res);
            return rc;
        }
    }
    *out = res;
    return ATT_OK;
}

static int f_not_null(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    for (size_t i = 0; i < n; i++)
        if (!json_is_null(a[i].v)) {
            *out = json_incref(a[i].v);
            return ATT_OK;
        }
    *out = json_null();
    return ATT_OK;
}

static int f_reverse(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *v = a[0].v;
    if (json_is_array(v)) {
        size_t len = json_array_size(v);
        json_t *res = json_array();
        int rc = res ? att__jmes_charge(c, len) : att__jmes_nomem(c->d);
        for (size_t i = len; rc == ATT_OK && i > 0; i--)
            if (json_array_append(res, json_array_get(v, i - 1)))
                rc = att__jmes_nomem(c->d);
        if (rc) {
            json_decref(res);
            return rc;
        }
        *out = res;
        return ATT_OK;
    }
    /* Strings reverse by code point: copy each code point to the mirrored position. */
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    char *buf = malloc(len + 1);
    if (!buf)
        return att__jmes_nomem(c->d);
    uint32_t cp;
    for (size_t i = 0; i < len;) {
        size_t k = att__jmes_utf8_next((const unsigned char *)s + i, len - i, &cp);
        memcpy(buf + len - i - k, s + i, k);
        i += k;
    }
    json_t *res = json_stringn_nocheck(buf, len);
    free(buf);
    return ok(out, res, c);
}

typedef struct sort_ctx {
    json_t **vals;
} sort_ctx;

static int sort_cmp(void *ctx, size_t i, size_t j)
{
    sort_ctx *s = ctx;
    return value_cmp(s->vals[i], s->vals[j]);
}

/* Builds the array of arr's elements in the order that sorting keys[] gives. */
static int sorted(att__jmes_ctx *c, json_t *arr, json_t **keys, json_t **out)
{
    size_t len = json_array_size(arr);
    size_t *idx = malloc((len ? len : 1) * sizeof(*idx));
    json_t *res = json_array();
    int rc = idx && res ? att__jmes_charge(c, len) : att__jmes_nomem(c->d);
    for (size_t i = 0; rc == ATT_OK && i < len; i++)
        idx[i] = i;
    sort_ctx sc = {keys};
    if (rc == ATT_OK && att__jmes_sort_idx(idx, len, sort_cmp, &sc))
        rc = att__jmes_nomem(c->d);
    for (size_t i = 0; rc == ATT_OK && i < len; i++)
        if (json_array_append(res, json_array_get(arr, idx[i])))
            rc = att__jmes_nomem(c->d);
    free(idx);
    if (rc) {
        json_decref(res);
        return rc;
    }
    *out = res;
    return ATT_OK;
}

static int f_sort(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *arr = a[0].v;
    size_t len = json_array_size(arr);
    json_t **keys = malloc((len ? len : 1) * sizeof(*keys));
    if (!keys)
        return att__jmes_nomem(c->d);
    for (size_t i = 0; i < len; i++)
        keys[i] = json_array_get(arr, i);
    int rc = sorted(c, arr, keys, out);
    free(keys);
    return rc;
}

static int f_sort_by(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *arr = a[0].v;
    size_t len = json_array_size(arr);
    json_t **keys = malloc((len ? len : 1) * sizeof(*keys));
    if (!keys)
        return att__jmes_nomem(c->d);
    int rc = sort_keys(c, "sort_by", a[1].expr, arr, keys);
    if (rc == ATT_OK) {
        rc = sorted(c, arr, keys, out);
        for (size_t i = 0; i < len; i++)
            json_decref(keys[i]);
    }
    free(keys);
    return rc;
}

static int f_sum(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *arr = a[0].v;
    json_int_t isum = 0;
    double dsum = 0;
    int integral = 1;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        json_t *e = json_array_get(arr, i);
        dsum += att__jmes_number(e);
        if (integral && json_is_integer(e) &&
            !__builtin_add_overflow(isum, json_integer_value(e), &isum))
            continue;
        integral = 0;
    }
    return ok(out, integral ? json_integer(isum) : json_real(dsum), c);
}

static int f_to_array(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    if (json_is_array(a[0].v))
        return ok(out, json_incref(a[0].v), c);
    json_t *res = json_array();
    if (res && json_array_append(res, a[0].v)) {
        json_decref(res);
        res = NULL;
    }
    return ok(out, res, c);
}

/* Parses s[0..n) as a JSON number; NULL if it is not exactly one. */
static json_t *parse_number(const char *s, size_t n)
{
    size_t i = 0;
    int integral = 1;
    if (i < n && s[i] == '-')
        i++;
    size_t digits = i;
    while (i < n && s[i] >= '0' && s[i] <= '9')
        i++;
    if (i == digits)
        return NULL;
    if (i < n && s[i] == '.') {
        integral = 0;
        size_t f = ++i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == f)
            return NULL;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        integral = 0;
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t e = i;
        while (i < n && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == e)
            return NULL;
    }
    if (i != n || n > 512)
        return NULL;
    char buf[520];
    memcpy(buf, s, n);
    buf[n] = '\0';
    if (integral) {
        char *end;
        errno = 0;
        long long v = strtoll(buf, &end, 10);
        if (errno == 0 && *end == '\0')
            return json_integer(v);
    }
    double x = strtod(buf, NULL);
    return isfinite(x) ? json_real(x) : NULL;
}

static int f_to_number(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    json_t *v = a[0].v;
    if (json_is_number(v))
        return ok(out, json_incref(v), c);
    json_t *r = NULL;
    if (json_is_string(v))
        r = parse_number(json_string_value(v), json_string_length(v));
    *out = r ? r : json_null();
    return ATT_OK;
}

static int f_to_string(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    if (json_is_string(a[0].v))
        return ok(out, json_incref(a[0].v), c);
    att__buf b;
    att__buf_init(&b, ATT__JMES_MAX_STRING);
    int rc = att__jmes_dump(c, a[0].v, &b);
    if (rc) {
        att__buf_free(&b);
        return rc;
    }
    return buf_result(c, &b, rc, "to_string", out);
}

static int f_type(att__jmes_ctx *c, att__jmes_arg *a, size_t n, json_t **out)
{
    return ok(out, json_string(att__jmes_type_name(a[0].v)), c);
}

#define NUM  TY_NUMBER
#define STR  TY_STRING
#define ARR  TY_ARRAY
#define OBJ  TY_OBJECT
#define EXP  TY_EXPREF
#define ANUM TY_ARRAY_NUMBER
#define ASTR TY_ARRAY_STRING

/* Sorted by name (binary search). */
static const att__jmes_func funcs[] = {
    {"abs", 1, 1, {NUM}, f_abs},
    {"avg", 1, 1, {ANUM}, f_avg},
    {"ceil", 1, 1, {NUM}, f_ceil},
    {"contains", 2, 2, {ARR | STR, TY_ANY}, f_contains},
    {"ends_with", 2, 2, {STR, STR}, f_ends_with},
    {"equals_ignore_case", 2, 2, {STR, STR}, f_equals_ignore_case},
    {"floor", 1, 1, {NUM}, f_floor},
    {"join", 2, 2, {STR, ASTR}, f_join},
    {"keys", 1, 1, {OBJ}, f_keys},
    {"length", 1, 1, {STR | ARR | OBJ}, f_length},
    {"map", 2, 2, {EXP, ARR}, f_map},
    {"max", 1, 1, {ANUM | ASTR}, f_max},
    {"max_by", 2, 2, {ARR, EXP}, f_max_by},
    {"merge", 1, -1, {OBJ}, f_merge},
    {"min", 1, 1, {ANUM | ASTR}, f_min},
    {"min_by", 2, 2, {ARR, EXP}, f_min_by},
    {"not_null", 1, -1, {TY_ANY}, f_not_null},
    {"reverse", 1, 1, {STR | ARR}, f_reverse},
    {"sort", 1, 1, {ANUM | ASTR}, f_sort},
    {"sort_by", 2, 2, {ARR, EXP}, f_sort_by},
    {"starts_with", 2, 2, {STR, STR}, f_starts_with},
    {"sum", 1, 1, {ANUM}, f_sum},
    {"to_array", 1, 1, {TY_ANY}, f_to_array},
    {"to_number", 1, 1, {TY_ANY}, f_to_number},
    {"to_string", 1, 1, {TY_ANY}, f_to_string},
    {"type", 1, 1, {TY_ANY}, f_type},
    {"values", 1, 1, {OBJ}, f_values},
};

const att__jmes_func *att__jmes_func_find(const char *name, size_t len)
{
    size_t lo = 0, hi = sizeof(funcs) / sizeof(funcs[0]);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *f = funcs[mid].name;
        size_t fl = strlen(f);
        int k = memcmp(name, f, len < fl ? len : fl);
        if (k == 0)
            k = len < fl ? -1 : len > fl;
        if (k == 0)
            return &funcs[mid];
        if (k < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

const char *att__jmes_func_name(const att__jmes_func *f)
{
    return f->name;
}

void att__jmes_func_arity(const att__jmes_func *f, int *min, int *max)
{
    *min = f->min;
    *max = f->max;
}

/* Writes "string|array|object" style text for a type mask. */
static void types_text(unsigned m, char *buf, size_t cap)
{
    static const struct {
        unsigned bit;
        const char *name;
    } names[] = {{TY_NUMBER, "number"},
                 {TY_STRING, "string"},
                 {TY_BOOLEAN, "boolean"},
                 {TY_NULL, "null"},
                 {TY_ARRAY, "array"},
                 {TY_OBJECT, "object"},
                 {TY_EXPREF, "expression"},
                 {TY_ARRAY_NUMBER, "array[number]"},
                 {TY_ARRAY_STRING, "array[string]"}};
    buf[0] = '\0';
    size_t len = 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && len + 1 < cap; i++) {
        if (!(m & names[i].bit))
            continue;
        int k = snprintf(buf + len, cap - len, "%s%s", len ? "|" : "", names[i].name);
        if (k < 0)
            break;
        len += (size_t)k < cap - len ? (size_t)k : cap - len - 1;
    }
}

/* Checks one argument against mask m; fills got[] with a description when it fails. */
static int type_ok(const att__jmes_arg *arg, unsigned m, char *got, size_t cap)
{
    if (arg->expr) {
        snprintf(got, cap, "expression");
        return (m & TY_EXPREF) != 0;
    }
    const json_t *v = arg->v;
    static const unsigned bits[] = {
        [JSON_OBJECT] = TY_OBJECT,  [JSON_ARRAY] = TY_ARRAY, [JSON_STRING] = TY_STRING,
        [JSON_INTEGER] = TY_NUMBER, [JSON_REAL] = TY_NUMBER, [JSON_TRUE] = TY_BOOLEAN,
        [JSON_FALSE] = TY_BOOLEAN,  [JSON_NULL] = TY_NULL};
    snprintf(got, cap, "%s", att__jmes_type_name(v));
    if (m & bits[json_typeof(v)])
        return 1;
    if (!json_is_array(v) || !(m & (TY_ARRAY_NUMBER | TY_ARRAY_STRING)))
        return 0;
    size_t len = json_array_size(v);
    if (len == 0)
        return 1;
    /* All elements must have the type of one of the allowed array[T]. */
    const json_t *first = json_array_get(v, 0);
    int num = json_is_number(first) && (m & TY_ARRAY_NUMBER);
    int str = json_is_string(first) && (m & TY_ARRAY_STRING);
    for (size_t i = num || str ? 1 : 0; i < len; i++) {
        const json_t *e = json_array_get(v, i);
        if (!(num ? json_is_number(e) : str ? json_is_string(e) : 0)) {
            snprintf(got, cap, "array with a %s at index %zu", att__jmes_type_name(e), i);
            return 0;
        }
    }
    return 1;
}

int att__jmes_func_call(att__jmes_ctx *c, const att__jmes_func *f, att__jmes_arg *args, size_t n,
                        json_t **out)
{
    for (size_t i = 0; i < n; i++) {
        unsigned m = f->types[i < 3 ? i : 2];
        if (f->max < 0 && i >= (size_t)f->min)
            m = f->types[f->min - 1];
        char got[64], want[96];
        if (type_ok(&args[i], m, got, sizeof(got)))
            continue;
        types_text(m, want, sizeof(want));
        att_diag_fail(c->d, ATT_EINVAL, ATT__JMES_R_TYPE, f->name,
                      "invalid type for argument %zu of %s(): expected %s, got %s", i + 1, f->name,
                      want, got);
        att_diag_expect(c->d, want, got);
        return ATT_EINVAL;
    }
    return f->impl(c, args, n, out);
}
