/* Fast JSON reading and writing around jansson (json.h). */
#include "core/json.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/limits.h"

/* ---- reader ---- */

typedef struct rd {
    const unsigned char *p, *end;
    unsigned depth;
} rd;

static json_t *rd_value(rd *r);

static void rd_ws(rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t'))
        r->p++;
}

/* Bytes a string may hold as they are: printable ASCII but '"' and '\\'. */
static int plain(unsigned char c)
{
    return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
}

/* Advances p over plain bytes, eight at a time while a whole word is plain: attestation
 * requests are mostly long base64 strings (a TPM request is ~100 KB of them). */
static const unsigned char *skip_plain(const unsigned char *p, const unsigned char *end)
{
    const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
        /* a byte >= 0x80, < 0x20, == '"' or == '\\' sets its high bit in one of these */
        uint64_t special =
            (w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs;
        if (special)
            break;
        p += 8;
    }
    while (p < end && plain(*p))
        p++;
    return p;
}

/* A string body after its opening quote, through the closing one. Returns its bytes in a
 * malloc'd buffer (NUL-terminated) or NULL to decline (non-ASCII, \u escapes, control
 * characters, unterminated). */
static char *rd_string(rd *r, size_t *len)
{
    const unsigned char *s = r->p;
    r->p = skip_plain(r->p, r->end);
    /* The usual case: no escape at all, one copy. */
    if (r->p < r->end && *r->p == '"') {
        size_t n = (size_t)(r->p - s);
        char *out = malloc(n + 1);
        if (!out)
            return NULL;
        memcpy(out, s, n);
        out[n] = '\0';
        r->p++;
        *len = n;
        return out;
    }
    /* Escapes: the decoded string is never longer than its text. */
    const unsigned char *q = s;
    while (q < r->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= r->end)
        return NULL;
    char *out = malloc((size_t)(q - s) + 1);
    if (!out)
        return NULL;
    size_t o = (size_t)(r->p - s);
    memcpy(out, s, o);
    while (r->p < r->end) {
        unsigned char c = *r->p++;
        if (c == '"') {
            out[o] = '\0';
            *len = o;
            return out;
        }
        if (plain(c)) {
            out[o++] = (char)c;
            continue;
        }
        if (c != '\\' || r->p >= r->end)
            break;
        switch (*r->p++) {
        case '"':
            out[o++] = '"';
            break;
        case '\\':
            out[o++] = '\\';
            break;
        case '/':
            out[o++] = '/';
            break;
        case 'b':
            out[o++] = '\b';
            break;
        case 'f':
            out[o++] = '\f';
            break;
        case 'n':
            out[o++] = '\n';
            break;
        case 'r':
            out[o++] = '\r';
            break;
        case 't':
            out[o++] = '\t';
            break;
        default: /* \u and invalid escapes: jansson's */
            free(out);
            return NULL;
        }
    }
    free(out);
    return NULL;
}

/* -?(0|[1-9][0-9]{0,17}) not followed by a fraction or exponent. */
static json_t *rd_integer(rd *r)
{
    int neg = 0;
    if (*r->p == '-') {
        neg = 1;
        r->p++;
    }
    const unsigned char *s = r->p;
    int64_t v = 0;
    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        if (r->p - s >= 18)
            return NULL;
        v = v * 10 + (*r->p++ - '0');
    }
    size_t digits = (size_t)(r->p - s);
    if (digits == 0 || (digits > 1 && *s == '0'))
        return NULL;
    if (r->p < r->end && (*r->p == '.' || *r->p == 'e' || *r->p == 'E'))
        return NULL;
    return json_integer((json_int_t)(neg ? -v : v));
}

static json_t *rd_literal(rd *r, const char *word, json_t *value)
{
    size_t n = strlen(word);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
        return NULL;
    r->p += n;
    return value;
}

static json_t *rd_object(rd *r)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    rd_ws(r);
    if (r->p < r->end && *r->p == '}') {
        r->p++;
        return obj;
    }
    for (;;) {
        rd_ws(r);
        if (r->p >= r->end || *r->p != '"')
            break;
        r->p++;
        size_t klen;
        char *key = rd_string(r, &klen);
        if (!key)
            break;
        rd_ws(r);
        json_t *v = NULL;
        if (r->p < r->end && *r->p == ':' && !json_object_getn(obj, key, klen)) {
            r->p++;
            v = rd_value(r);
        }
        /* Keys are NUL-free ASCII here: valid UTF-8, no check needed. */
        int bad = !v || json_object_setn_new_nocheck(obj, key, klen, v) != 0;
        free(key);
        if (bad)
            break;
        rd_ws(r);
        if (r->p >= r->end)
            break;
        if (*r->p == '}') {
            r->p++;
            return obj;
        }
        if (*r->p++ != ',')
            break;
    }
    json_decref(obj);
    return NULL;
}

static json_t *rd_array(rd *r)
{
    json_t *arr = json_array();
    if (!arr)
        return NULL;
    rd_ws(r);
    if (r->p < r->end && *r->p == ']') {
        r->p++;
        return arr;
    }
    for (;;) {
        json_t *v = rd_value(r);
        if (!v || json_array_append_new(arr, v) != 0)
            break;
        rd_ws(r);
        if (r->p >= r->end)
            break;
        if (*r->p == ']') {
            r->p++;
            return arr;
        }
        if (*r->p++ != ',')
            break;
    }
    json_decref(arr);
    return NULL;
}

static json_t *rd_value(rd *r)
{
    rd_ws(r);
    if (r->p >= r->end)
        return NULL;
    json_t *v = NULL;
    switch (*r->p) {
    case '{':
    case '[':
        if (r->depth >= ATT_MAX_JSON_DEPTH)
            return NULL;
        r->depth++;
        r->p++;
        v = *(r->p - 1) == '{' ? rd_object(r) : rd_array(r);
        r->depth--;
        return v;
    case '"': {
        r->p++;
        size_t n;
        char *s = rd_string(r, &n);
        if (!s)
            return NULL;
        v = json_stringn_nocheck(s, n);
        free(s);
        return v;
    }
    case 't':
        return rd_literal(r, "true", json_true());
    case 'f':
        return rd_literal(r, "false", json_false());
    case 'n':
        return rd_literal(r, "null", json_null());
    default:
        if (*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))
            return rd_integer(r);
        return NULL;
    }
}

json_t *att__json_load_fast(const char *text, size_t n)
{
    rd r = {(const unsigned char *)text, (const unsigned char *)text + n, 0};
    json_t *v = rd_value(&r);
    if (!v)
        return NULL;
    rd_ws(&r);
    if (r.p != r.end) {
        json_decref(v);
        return NULL;
    }
    return v;
}

/* ---- writer ---- */

/* Deeper than this the rest of a value is written by jansson (bounded recursion here). */
#define DUMP_MAX_DEPTH 64u

typedef struct key_ref {
    const char *key;
    size_t len;
    json_t *value;
} key_ref;

static int key_cmp(const void *a, const void *b)
{
    const key_ref *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->key, y->key, n);
    if (c)
        return c;
    return x->len < y->len ? -1 : x->len > y->len;
}

/* v written by jansson itself (same flags). */
static int wr_jansson(att__buf *b, const json_t *v)
{
    char *s = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    if (!s)
        return -1;
    int rc = att__buf_appends(b, s);
    free(s);
    return rc;
}

/* A JSON string literal with jansson's escapes (\" \\ \b \f \n \r \t, \u00XX for other
 * control characters, nothing else). Returns 1 when s has a non-ASCII byte (not written:
 * jansson must check its UTF-8). */
static int wr_string(att__buf *b, const char *s, size_t n, int *err)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return 1;
    *err |= att__buf_append(b, "\"", 1);
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        *err |= att__buf_append(b, s + run, i - run);
        run = i + 1;
        char esc[7] = {'\\', 0};
        size_t k = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            k = 6;
        }
        *err |= att__buf_append(b, esc, k);
    }
    *err |= att__buf_append(b, s + run, n - run);
    *err |= att__buf_append(b, "\"", 1);
    return 0;
}

static int wr_value(att__buf *b, const json_t *v, unsigned depth)
{
    int err = 0;
    if (depth > DUMP_MAX_DEPTH)
        return wr_jansson(b, v);
    switch (json_typeof(v)) {
    case JSON_OBJECT: {
        size_t n = json_object_size(v);
        key_ref small[32];
        key_ref *keys = n <= 32 ? small : malloc(n * sizeof(*keys));
        if (!keys)
            return -1;
        size_t i = 0;
        const char *key;
        size_t klen;
        json_t *val;
        json_object_keylen_foreach((json_t *)v, key, klen, val)
        {
            keys[i].key = key;
            keys[i].len = klen;
            keys[i].value = val;
            i++;
        }
        qsort(keys, n, sizeof(*keys), key_cmp);
        err |= att__buf_append(b, "{", 1);
        for (i = 0; i < n && !err; i++) {
            if (i)
                err |= att__buf_append(b, ",", 1);
            if (wr_string(b, keys[i].key, keys[i].len, &err)) {
                json_t *k = json_stringn(keys[i].key, keys[i].len);
                err |= !k || wr_jansson(b, k);
                json_decref(k);
            }
            err |= att__buf_append(b, ":", 1);
            err |= wr_value(b, keys[i].value, depth + 1);
        }
        err |= att__buf_append(b, "}", 1);
        if (keys != small)
            free(keys);
        return err ? -1 : 0;
    }
    case JSON_ARRAY: {
        err |= att__buf_append(b, "[", 1);
        for (size_t i = 0; i < json_array_size(v) && !err; i++) {
            if (i)
                err |= att__buf_append(b, ",", 1);
            err |= wr_value(b, json_array_get(v, i), depth + 1);
        }
        err |= att__buf_append(b, "]", 1);
        return err ? -1 : 0;
    }
    case JSON_STRING:
        if (wr_string(b, json_string_value(v), json_string_length(v), &err))
            return wr_jansson(b, v);
        return err ? -1 : 0;
    case JSON_INTEGER:
        return att__buf_appendf(b, "%" JSON_INTEGER_FORMAT, json_integer_value(v)) ? -1 : 0;
    case JSON_TRUE:
        return att__buf_append(b, "true", 4) ? -1 : 0;
    case JSON_FALSE:
        return att__buf_append(b, "false", 5) ? -1 : 0;
    case JSON_NULL:
        return att__buf_append(b, "null", 4) ? -1 : 0;
    case JSON_REAL:
    default:
        return wr_jansson(b, v);
    }
}

char *att__json_dump_sorted(const json_t *v, size_t *len)
{
    att__buf b;
    att__buf_init(&b, SIZE_MAX / 2);
    if (!v || wr_value(&b, v, 0) != 0) {
        att__buf_free(&b);
        return NULL;
    }
    size_t n;
    char *s = (char *)att__buf_steal(&b, &n);
    if (s && len)
        *len = n;
    return s;
}
