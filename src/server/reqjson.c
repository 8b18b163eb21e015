/* Request-body JSON with depth limits and lenient field access (reqjson.h). */
#include "server/reqjson.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/codec.h"
#include "core/json.h"
#include "core/jsondepth.h"
#include "core/limits.h"

int att__reqjson_parse(const char *body, size_t n, json_t **out, att_diag *d)
{
    *out = NULL;
    size_t where;
    if (n == 0)
        return att_diag_fail(d, ATT_EPARSE, "request.body.empty", "body",
                             "request body is empty; a JSON document is required");
    /* The common case (ASCII, integers, short escapes) fast: the fast reader bounds the
     * nesting itself (ATT_MAX_JSON_DEPTH). Everything it declines, errors included, goes to
     * jansson after the depth pre-scan (jansson recurses per level) (core/json.h). */
    json_t *v = att__json_load_fast(body, n);
    if (v) {
        *out = v;
        return ATT_OK;
    }
    if (!att__json_depth_ok(body, n, ATT_MAX_JSON_DEPTH, &where))
        return att_diag_fail(d, ATT_ELIMIT, "request.body.depth", "body",
                             "request body JSON nests deeper than %u levels (at byte %zu)",
                             ATT_MAX_JSON_DEPTH, where);
    json_error_t err;
    v = json_loadb(body, n, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
    if (!v)
        return att_diag_fail(d, ATT_EPARSE, "request.body.json", "body",
                             "request body is not valid JSON: %s at line %d, column %d", err.text,
                             err.line, err.column);
    *out = v;
    return ATT_OK;
}

json_t *att__reqjson_get(const json_t *obj, const char *name)
{
    if (!json_is_object(obj))
        return NULL;
    json_t *v = json_object_get(obj, name);
    if (v)
        return v;
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)obj, key, val)
    {
        if (strcasecmp(key, name) == 0)
            return val;
    }
    return NULL;
}

int att__reqjson_string(const json_t *obj, const char *name, int required, const char **out,
                        att_diag *d)
{
    *out = NULL;
    json_t *v = att__reqjson_get(obj, name);
    if (!v || json_is_null(v)) {
        if (required)
            return att_diag_fail(d, ATT_EINVAL, "request.field.missing", name,
                                 "required field '%s' is missing", name);
        return ATT_OK;
    }
    if (!json_is_string(v))
        return att_diag_fail(d, ATT_EINVAL, "request.field.type", name,
                             "field '%s' must be a string", name);
    *out = json_string_value(v);
    return ATT_OK;
}

int att__reqjson_bytes(const json_t *obj, const char *name, int required, size_t max,
                       unsigned char **out, size_t *n, att_diag *d)
{
    *out = NULL;
    *n = 0;
    const char *s;
    int rc = att__reqjson_string(obj, name, required, &s, d);
    if (rc != ATT_OK || !s)
        return rc;
    size_t len = json_string_length(att__reqjson_get(obj, name));
    if (att__b64_dec_max(len) > max + 3 && len / 4 * 3 > max)
        return att_diag_fail(d, ATT_ELIMIT, "request.field.size", name,
                             "field '%s' decodes to more than %zu bytes", name, max);
    rc = att__b64_decode_alloc(s, len, out, n);
    if (rc != ATT_OK)
        return att_diag_fail(d, rc, "request.field.base64", name,
                             "field '%s' is not valid base64url or base64", name);
    if (*n > max) {
        free(*out);
        *out = NULL;
        *n = 0;
        return att_diag_fail(d, ATT_ELIMIT, "request.field.size", name,
                             "field '%s' decodes to more than %zu bytes", name, max);
    }
    return ATT_OK;
}
