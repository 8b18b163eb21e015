/* JMESPath value helpers: UTF-8 walking, truthiness, number comparison, deep equality,
 * compact JSON serialization (to_string) and a stable sort (jmespath_int.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/jmespath_int.h"

size_t att__jmes_utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char b = s[0];
    if (b < 0x80) {
        *cp = b;
        return 1;
    }
    size_t len;
    uint32_t v, min;
    if (b >= 0xC2 && b <= 0xDF) {
        len = 2;
        v = b & 0x1Fu;
        min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        len = 3;
        v = b & 0x0Fu;
        min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        len = 4;
        v = b & 0x07u;
        min = 0x10000;
    } else {
        goto bad;
    }
    if (n < len)
        goto bad;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        goto bad;
    *cp = v;
    return len;
bad:
    *cp = 0x110000u + b;
    return 1;
}

size_t att__jmes_utf8_count(const char *s, size_t n)
{
    size_t count = 0;
    uint32_t cp;
    for (size_t i = 0; i < n; count++)
        i += att__jmes_utf8_next((const unsigned char *)s + i, n - i, &cp);
    return count;
}

int att__jmes_utf8_valid(const char *s, size_t n, size_t *bad)
{
    uint32_t cp;
    for (size_t i = 0; i < n;) {
        size_t k = att__jmes_utf8_next((const unsigned char *)s + i, n - i, &cp);
        if (cp >= 0x110000) {
            *bad = i;
            return 0;
        }
        i += k;
    }
    return 1;
}

size_t att__jmes_utf8_put(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (unsigned char)(0xF0 | (cp >> 18));
    o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (unsigned char)(0x80 | (cp & 0x3F));
    return 4;
}

int att__jmes_charge(att__jmes_ctx *c, size_t n)
{
    if (c->steps < n) {
        c->steps = 0;
        return att_diag_fail(c->d, ATT_ELIMIT, ATT__JMES_R_LIMIT, "expression",
                             "JMESPath evaluation exceeded its work limit (%u steps)",
                             ATT__JMES_MAX_STEPS);
    }
    c->steps -= n;
    return ATT_OK;
}

int att__jmes_truthy(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        return json_string_length(v) > 0;
    case JSON_ARRAY:
        return json_array_size(v) > 0;
    case JSON_OBJECT:
        return json_object_size(v) > 0;
    case JSON_INTEGER:
    case JSON_REAL:
    case JSON_TRUE:
        return 1;
    default:
        return 0;
    }
}

const char *att__jmes_type_name(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "object";
    case JSON_ARRAY:
        return "array";
    case JSON_STRING:
        return "string";
    case JSON_INTEGER:
    case JSON_REAL:
        return "number";
    case JSON_TRUE:
    case JSON_FALSE:
        return "boolean";
    default:
        return "null";
    }
}

double att__jmes_number(const json_t *v)
{
    return json_number_value(v);
}

json_t *att__jmes_make_number(double x)
{
    if (!isfinite(x))
        return NULL;
    /* 2^63 is exactly representable; integral values in [-2^63, 2^63) fit json_int_t. */
    if (x == floor(x) && x >= -9223372036854775808.0 && x < 9223372036854775808.0)
        return json_integer((json_int_t)x);
    return json_real(x);
}

/* Compares integer i with real x exactly (no rounding of i through double). */
static int int_real_cmp(json_int_t i, double x)
{
    if (x >= 9223372036854775808.0)
        return -1;
    if (x < -9223372036854775808.0)
        return 1;
    double fl = floor(x);
    json_int_t xi = (json_int_t)fl;
    if (i < xi)
        return -1;
    if (i > xi)
        return 1;
    return x == fl ? 0 : -1; /* i == floor(x) <= x */
}

int att__jmes_numcmp(const json_t *a, const json_t *b)
{
    if (json_is_integer(a) && json_is_integer(b)) {
        json_int_t x = json_integer_value(a), y = json_integer_value(b);
        return x < y ? -1 : x > y;
    }
    if (json_is_integer(a))
        return int_real_cmp(json_integer_value(a), json_real_value(b));
    if (json_is_integer(b))
        return -int_real_cmp(json_integer_value(b), json_real_value(a));
    double x = json_real_value(a), y = json_real_value(b);
    return x < y ? -1 : x > y;
}

static int equal_at(att__jmes_ctx *c, const json_t *a, const json_t *b, unsigned depth)
{
    if (depth > ATT__JMES_MAX_VALUE_DEPTH)
        return att_diag_fail(c->d, ATT_ELIMIT, ATT__JMES_R_LIMIT, "expression",
                             "JMESPath comparison of values nested deeper than %u levels",
                             ATT__JMES_MAX_VALUE_DEPTH);
    int rc = att__jmes_charge(c, 1);
    if (rc)
        return rc;
    if (json_is_number(a) && json_is_number(b))
        return att__jmes_numcmp(a, b) == 0;
    if (json_typeof(a) != json_typeof(b))
        return 0;
    if (a == b)
        return 1;
    switch (json_typeof(a)) {
    case JSON_STRING:
        return json_string_length(a) == json_string_length(b) &&
               memcmp(json_string_value(a), json_string_value(b), json_string_length(a)) == 0;
    case JSON_ARRAY:
        if (json_array_size(a) != json_array_size(b))
            return 0;
        for (size_t i = 0; i < json_array_size(a); i++) {
            rc = equal_at(c, json_array_get(a, i), json_array_get(b, i), depth + 1);
            if (rc <= 0)
                return rc;
        }
        return 1;
    case JSON_OBJECT: {
        if (json_object_size(a) != json_object_size(b))
            return 0;
        const char *key;
        size_t klen;
        json_t *va;
        json_object_keylen_foreach((json_t *)a, key, klen, va)
        {
            const json_t *vb = json_object_getn(b, key, klen);
            if (!vb)
                return 0;
            rc = equal_at(c, va, vb, depth + 1);
            if (rc <= 0)
                return rc;
        }
        return 1;
    }
    default:
        return 1; /* true, false, null: the type is the value */
    }
}

int att__jmes_equal(att__jmes_ctx *c, const json_t *a, const json_t *b)
{
    return equal_at(c, a, b, 0);
}

/* Serialization state: buffer failures are recorded in the diagnostics where they
 * happen, like budget and depth failures, so every error leaving att__jmes_dump is
 * explained. */
typedef struct writer {
    att__jmes_ctx *c;
    att__buf *b;
} writer;

static int put(writer *w, const char *s, size_t n)
{
    int rc = att__buf_append(w->b, s, n);
    if (rc == ATT_ELIMIT)
        return att_diag_fail(w->c->d, ATT_ELIMIT, ATT__JMES_R_LIMIT, "to_string",
                             "result of to_string() exceeds %u bytes", ATT__JMES_MAX_STRING);
    return rc ? att__jmes_nomem(w->c->d) : ATT_OK;
}

static int puts_(writer *w, const char *s)
{
    return put(w, s, strlen(s));
}

static int dump_number(writer *w, const json_t *v)
{
    char tmp[48];
    if (json_is_integer(v)) {
        snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        return puts_(w, tmp);
    }
    double x = json_real_value(v);
    for (int prec = 15; prec <= 17; prec++) { /* shortest text that reads back as x */
        snprintf(tmp, sizeof(tmp), "%.*g", prec, x);
        if (strtod(tmp, NULL) == x)
            break;
    }
    int rc = puts_(w, tmp);
    if (rc == ATT_OK && !strpbrk(tmp, ".eEn"))
        rc = put(w, ".0", 2); /* keep reals recognisable: 1.0, not 1 */
    return rc;
}

static int dump_string(writer *w, const char *s, size_t n)
{
    int rc = put(w, "\"", 1);
    size_t run = 0; /* start of the pending unescaped run */
    for (size_t i = 0; rc == ATT_OK && i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= 0x20 && ch != '"' && ch != '\\')
            continue;
        rc = put(w, s + run, i - run);
        run = i + 1;
        if (rc)
            break;
        char esc[8];
        const char *e = ch == '"'    ? "\\\""
                        : ch == '\\' ? "\\\\"
                        : ch == '\b' ? "\\b"
                        : ch == '\f' ? "\\f"
                        : ch == '\n' ? "\\n"
                        : ch == '\r' ? "\\r"
                        : ch == '\t' ? "\\t"
                                     : NULL;
        if (!e) {
            snprintf(esc, sizeof(esc), "\\u%04x", ch);
            e = esc;
        }
        rc = puts_(w, e);
    }
    if (rc == ATT_OK)
        rc = put(w, s + run, n - run);
    if (rc == ATT_OK)
        rc = put(w, "\"", 1);
    return rc;
}

static int dump_at(writer *w, const json_t *v, unsigned depth)
{
    if (depth > ATT__JMES_MAX_VALUE_DEPTH)
        return att_diag_fail(w->c->d, ATT_ELIMIT, ATT__JMES_R_LIMIT, "to_string",
                             "JMESPath to_string() of a value nested deeper than %u levels",
                             ATT__JMES_MAX_VALUE_DEPTH);
    int rc = att__jmes_charge(w->c, 1);
    if (rc)
        return rc;
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        const char *key;
        size_t klen;
        json_t *val;
        int first = 1;
        rc = put(w, "{", 1);
        json_object_keylen_foreach((json_t *)v, key, klen, val)
        {
            if (rc == ATT_OK && !first)
                rc = put(w, ",", 1);
            first = 0;
            if (rc == ATT_OK)
                rc = dump_string(w, key, klen);
            if (rc == ATT_OK)
                rc = put(w, ":", 1);
            if (rc == ATT_OK)
                rc = dump_at(w, val, depth + 1);
            if (rc)
                return rc;
        }
        return rc ? rc : put(w, "}", 1);
    }
    case JSON_ARRAY:
        rc = put(w, "[", 1);
        for (size_t i = 0; rc == ATT_OK && i < json_array_size(v); i++) {
            if (i)
                rc = put(w, ",", 1);
            if (rc == ATT_OK)
                rc = dump_at(w, json_array_get(v, i), depth + 1);
        }
        return rc ? rc : put(w, "]", 1);
    case JSON_STRING:
        return dump_string(w, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
    case JSON_REAL:
        return dump_number(w, v);
    case JSON_TRUE:
        return puts_(w, "true");
    case JSON_FALSE:
        return puts_(w, "false");
    default:
        return puts_(w, "null");
    }
}

int att__jmes_dump(att__jmes_ctx *c, const json_t *v, att__buf *b)
{
    writer w = {c, b};
    return dump_at(&w, v, 0);
}

int att__jmes_sort_idx(size_t *idx, size_t n, int (*cmp)(void *, size_t, size_t), void *ctx)
{
    if (n < 2)
        return ATT_OK;
    size_t *tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return ATT_ENOMEM;
    /* Bottom-up merge sort: on ties the left run's element goes first, so equal keys keep
     * their input order. */
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = mid + width < n ? mid + width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                tmp[k++] = cmp(ctx, idx[j], idx[i]) < 0 ? idx[j++] : idx[i++];
            while (i < mid)
                tmp[k++] = idx[i++];
            while (j < hi)
                tmp[k++] = idx[j++];
        }
        memcpy(idx, tmp, n * sizeof(*idx));
    }
    free(tmp);
    return ATT_OK;
}
