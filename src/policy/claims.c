/* The claims model (policy.h): typed claims in an arena-backed, append-only set, and their
 * conversion to token JSON. Used by the evidence verifiers to build the incoming claims and
 * by the evaluator for everything the policy adds and issues. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/limits.h"
#include "policy/policy_int.h"

uint32_t att__claim_type_hash(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h ? h : 1u; /* 0 means "not computed" */
}

void att__claims_init(att__claimset *s, att__arena *a)
{
    s->arena = a;
    s->v = NULL;
    s->n = 0;
    s->cap = 0;
}

/* Makes room for one more claim. The array doubles inside the arena (the old one is
 * abandoned there; the waste is bounded by the final size). */
static int grow(att__claimset *s)
{
    if (s->n < s->cap)
        return ATT_OK;
    if (s->n >= ATT_MAX_POLICY_CLAIMS)
        return ATT_ELIMIT;
    size_t cap = s->cap ? s->cap * 2 : 16;
    if (cap > ATT_MAX_POLICY_CLAIMS)
        cap = ATT_MAX_POLICY_CLAIMS;
    att__claim *v = att__arena_alloc(s->arena, cap * sizeof(*v));
    if (!v)
        return ATT_ENOMEM;
    if (s->n)
        memcpy(v, s->v, s->n * sizeof(*v));
    s->v = v;
    s->cap = cap;
    return ATT_OK;
}

int att__claims_push(att__claimset *s, const att__claim *c)
{
    int rc = grow(s);
    if (rc != ATT_OK)
        return rc;
    att__claim *dst = &s->v[s->n];
    *dst = *c;
    if (!dst->type_hash)
        dst->type_hash = att__claim_type_hash(c->type, strlen(c->type));
    s->n++;
    return ATT_OK;
}

int att__claims_add(att__claimset *s, const att__claim *c)
{
    if (!s || !s->arena || !c || !c->type || !c->type[0])
        return ATT_EINVAL;
    if (c->vtype != ATT_CV_STRING && c->vtype != ATT_CV_INTEGER && c->vtype != ATT_CV_BOOLEAN)
        return ATT_EINVAL;
    if (c->vtype == ATT_CV_STRING && !c->str && c->len)
        return ATT_EINVAL;
    att__claim x = *c;
    x.type = att__arena_strdup(s->arena, c->type);
    x.issuer = c->issuer ? att__arena_strdup(s->arena, c->issuer) : ATT_ISSUER_SERVICE;
    if (!x.type || !x.issuer)
        return ATT_ENOMEM;
    if (c->vtype == ATT_CV_STRING) {
        x.str = att__arena_strndup(s->arena, c->str ? c->str : "", c->len);
        if (!x.str)
            return ATT_ENOMEM;
        /* strndup stops at a NUL: copy the bytes themselves. */
        if (c->len)
            memcpy((char *)x.str, c->str, c->len);
    } else {
        x.str = NULL;
        x.len = 0;
    }
    if (c->vtype == ATT_CV_BOOLEAN)
        x.b = c->b ? 1 : 0;
    x.type_hash = att__claim_type_hash(x.type, strlen(x.type));
    return att__claims_push(s, &x);
}

int att__claims_add_stringn(att__claimset *s, const char *type, const char *value, size_t n,
                            const char *issuer)
{
    att__claim c = {.type = type, .issuer = issuer, .vtype = ATT_CV_STRING, .str = value, .len = n};
    return att__claims_add(s, &c);
}

int att__claims_add_string(att__claimset *s, const char *type, const char *value,
                           const char *issuer)
{
    if (!value)
        return ATT_EINVAL;
    return att__claims_add_stringn(s, type, value, strlen(value), issuer);
}

int att__claims_add_int(att__claimset *s, const char *type, int64_t value, const char *issuer)
{
    att__claim c = {.type = type, .issuer = issuer, .vtype = ATT_CV_INTEGER, .i = value};
    return att__claims_add(s, &c);
}

int att__claims_add_bool(att__claimset *s, const char *type, int value, const char *issuer)
{
    att__claim c = {.type = type, .issuer = issuer, .vtype = ATT_CV_BOOLEAN, .b = value};
    return att__claims_add(s, &c);
}

int att__claims_add_json(att__claimset *s, const char *type, const json_t *v, const char *issuer,
                         unsigned flags)
{
    if (!v)
        return ATT_EINVAL;
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return ATT_ENOMEM;
    att__claim c = {.type = type,
                    .issuer = issuer,
                    .vtype = ATT_CV_STRING,
                    .flags = flags,
                    .str = text,
                    .len = strlen(text)};
    int rc = att__claims_add(s, &c);
    free(text);
    return rc;
}

long att__claims_find(const att__claimset *s, const char *type, size_t from)
{
    if (!s || !type)
        return -1;
    uint32_t h = att__claim_type_hash(type, strlen(type));
    for (size_t i = from; i < s->n; i++)
        if (s->v[i].type_hash == h && strcmp(s->v[i].type, type) == 0)
            return (long)i;
    return -1;
}

const char *att__cv_type_name(att__cv_type t)
{
    switch (t) {
    case ATT_CV_STRING:
        return "String";
    case ATT_CV_INTEGER:
        return "Integer";
    case ATT_CV_BOOLEAN:
        return "Boolean";
    }
    return NULL;
}

int att__cv_type_parse(const char *s, att__cv_type *t)
{
    static const att__cv_type all[] = {ATT_CV_STRING, ATT_CV_INTEGER, ATT_CV_BOOLEAN};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        if (s && strcmp(s, att__cv_type_name(all[i])) == 0) {
            *t = all[i];
            return ATT_OK;
        }
    return ATT_EINVAL;
}

json_t *att__claim_value_json(const att__claim *c)
{
    switch (c->vtype) {
    case ATT_CV_STRING:
        return json_stringn(c->str ? c->str : "", c->len);
    case ATT_CV_INTEGER:
        return json_integer((json_int_t)c->i);
    case ATT_CV_BOOLEAN:
        return json_boolean(c->b);
    }
    return NULL;
}

/* Is value v (a new reference) already in array or equal to single? */
static int contains_value(const json_t *existing, const json_t *v)
{
    if (json_is_array(existing)) {
        size_t i;
        const json_t *e;
        json_array_foreach(existing, i, e)
        {
            if (json_equal(e, v))
                return 1;
        }
        return 0;
    }
    return json_equal(existing, v);
}

json_t *att__claims_token_json(const att__claimset *s)
{
    json_t *obj = json_object();
    if (!obj)
        return NULL;
    /* A type's first value is stored as is; a second distinct value turns it into an
     * array of both, further values are appended. */
    for (size_t i = 0; s && i < s->n; i++) {
        const att__claim *c = &s->v[i];
        json_t *v = att__claim_value_json(c);
        if (!v)
            goto fail;
        json_t *existing = json_object_get(obj, c->type);
        if (!existing) {
            if (json_object_set_new(obj, c->type, v) != 0)
                goto fail;
            continue;
        }
        if (contains_value(existing, v)) {
            json_decref(v);
            continue;
        }
        if (json_is_array(existing)) { /* claim values are scalars: an array is ours */
            if (json_array_append_new(existing, v) != 0)
                goto fail;
            continue;
        }
        json_t *arr = json_array();
        if (!arr || json_array_append(arr, existing) != 0) {
            json_decref(arr);
            json_decref(v);
            goto fail;
        }
        if (json_array_append_new(arr, v) != 0) {
            json_decref(arr);
            goto fail;
        }
        if (json_object_set_new(obj, c->type, arr) != 0)
            goto fail;
    }
    return obj;
fail:
    json_decref(obj);
    return NULL;
}
