/* Raw JSON scanning for collateral: a nesting-depth guard run before jansson, and the exact
 * byte span of a top-level member's value. Intel signs the bytes of the "tcbInfo" /
 * "enclaveIdentity" value as served, so the loader hashes that substring of a PCS response
 * body rather than a re-serialisation. The scanner is iterative and bounded by n; it only
 * has to be right for text that jansson also accepts (the caller parses it too). */
#include <string.h>

#include "collateral/dcap_int.h"

int att__dcap_json_depth_ok(const char *text, size_t n)
{
    unsigned depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        char ch = text[i];
        if (in_str) {
            if (ch == '\\')
                i++; /* skip the escaped character (a \uXXXX tail is harmless) */
            else if (ch == '"')
                in_str = 0;
        } else if (ch == '"') {
            in_str = 1;
        } else if (ch == '{' || ch == '[') {
            if (++depth > ATT__DCAP_MAX_JSON_DEPTH)
                return ATT_ELIMIT;
        } else if ((ch == '}' || ch == ']') && depth > 0) {
            depth--;
        }
    }
    return ATT_OK;
}

static size_t skip_ws(const char *t, size_t n, size_t i)
{
    while (i < n && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
        i++;
    return i;
}

/* t[i] is '"': returns the index just past the closing quote, or n when unterminated. */
static size_t skip_string(const char *t, size_t n, size_t i)
{
    for (i++; i < n; i++) {
        if (t[i] == '\\')
            i++;
        else if (t[i] == '"')
            return i + 1;
    }
    return n + 1;
}

/* End (exclusive) of the value starting at t[i], or a value > n when malformed. */
static size_t skip_value(const char *t, size_t n, size_t i)
{
    if (i >= n)
        return n + 1;
    if (t[i] == '"')
        return skip_string(t, n, i);
    if (t[i] != '{' && t[i] != '[') {
        /* number, true, false, null: up to the next delimiter */
        while (i < n && t[i] != ',' && t[i] != '}' && t[i] != ']' && t[i] != ' ' && t[i] != '\t' &&
               t[i] != '\n' && t[i] != '\r')
            i++;
        return i;
    }
    size_t depth = 0;
    while (i < n) {
        char ch = t[i];
        if (ch == '"') {
            i = skip_string(t, n, i);
            continue;
        }
        if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 0)
                return i + 1;
        }
        i++;
    }
    return n + 1;
}

int att__dcap_json_member_span(const char *text, size_t n, const char *key, size_t *off,
                               size_t *len)
{
    size_t klen = strlen(key);
    size_t i = skip_ws(text, n, 0);
    if (i >= n || text[i] != '{')
        return ATT_EPARSE;
    i = skip_ws(text, n, i + 1);
    while (i < n && text[i] != '}') {
        if (text[i] != '"')
            return ATT_EPARSE;
        size_t kend = skip_string(text, n, i);
        if (kend > n)
            return ATT_EPARSE;
        /* keys are compared raw: Intel's member names contain no escapes */
        int match = kend - i - 2 == klen && memcmp(text + i + 1, key, klen) == 0;
        i = skip_ws(text, n, kend);
        if (i >= n || text[i] != ':')
            return ATT_EPARSE;
        i = skip_ws(text, n, i + 1);
        size_t vend = skip_value(text, n, i);
        if (vend > n || vend == i)
            return ATT_EPARSE;
        if (match) {
            *off = i;
            *len = vend - i;
            return ATT_OK;
        }
        i = skip_ws(text, n, vend);
        if (i < n && text[i] == ',')
            i = skip_ws(text, n, i + 1);
        else if (i >= n || text[i] != '}')
            return ATT_EPARSE;
    }
    return i < n ? ATT_ENOTFOUND : ATT_EPARSE;
}
